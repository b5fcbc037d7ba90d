package cases

import (
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// Status is where an item (and, summed up, a case) stands.
type Status string

const (
	StatusSubmitted        Status = "submitted"
	StatusInProgress       Status = "in_progress"
	StatusAwaitingCustomer Status = "awaiting_customer" // the service standard's clock is paused
	StatusResolved         Status = "resolved"
	StatusClosed           Status = "closed"
	StatusReopened         Status = "reopened"
	StatusCancelled        Status = "cancelled"
)

// Outcome is how a complaint stage ended.
type Outcome string

const (
	OutcomeUpheld       Outcome = "upheld"
	OutcomePartlyUpheld Outcome = "partly_upheld"
	OutcomeNotUpheld    Outcome = "not_upheld"
)

// Rating is a resident's answer to "how did it go?".
type Rating string

const (
	RatingGood    Rating = "good"
	RatingAverage Rating = "average"
	RatingPoor    Rating = "poor"
)

// Contact is how to reach someone who reported without an account (or who
// gave details for this case). Email and phone are normalized; Postcode is
// what a resident without an account may track the case with.
type Contact struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

// Case is one request from a resident: a reference, who and where from,
// and the timeline. Its items are documents of their own (queues index them).
type Case struct {
	store.Meta
	Reference string   `json:"reference"`       // canonical form, "K7M-Q2X-9PT"
	Owner     string   `json:"owner,omitempty"` // the resident's account id
	Contact   *Contact `json:"contact,omitempty"`
	Language  string   `json:"language"`           // for messages to the resident
	Channel   string   `json:"channel"`            // catalogue.Channel*
	Actor     string   `json:"actor,omitempty"`    // the member of staff who helped
	Client    string   `json:"client,omitempty"`   // the Open311 client that sent it
	Location  string   `json:"location,omitempty"` // the kiosk location it was made at, by name
	// AnonymousOwner: Owner is an anonymous kiosk session, not an account.
	// The case is the session's to list and read while it lasts, and is
	// otherwise treated as reported without an account (the contact is told).
	AnonymousOwner bool       `json:"anonymous_owner,omitempty"`
	Status         Status     `json:"status"`
	Open           bool       `json:"open"`
	Lines          []Line     `json:"lines"` // one per item, in order: what lists and tracking show
	Events         []Event    `json:"events"`
	Feedback       *Feedback  `json:"feedback,omitempty"`
	MergedInto     string     `json:"merged_into,omitempty"` // reference of the case this one duplicated
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

// Line is an item as its case shows it: kept in step with the item in the
// same transaction, so lists and tracking read one document per case.
type Line struct {
	ItemID   string    `json:"item_id"`
	Service  string    `json:"service"`
	Status   Status    `json:"status"`
	DueAt    time.Time `json:"due_at"`
	Paused   bool      `json:"paused"`
	Breached bool      `json:"breached"`
}

// Overdue says whether the line's item has missed its standard: recorded,
// or due and passed while its clock runs.
func (l Line) Overdue(now time.Time) bool {
	return l.Breached || (!done(l.Status) && !l.Paused && now.After(l.DueAt))
}

// Event is one entry of a case's timeline. Public events are updates the
// resident sees; the others are internal notes and staff actions.
type Event struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // EventUpdate, EventNote, EventStatus, ...
	Public  bool      `json:"public"`
	Text    string    `json:"text,omitempty"`
	ItemID  string    `json:"item_id,omitempty"`
	Status  Status    `json:"status,omitempty"`
	By      string    `json:"by,omitempty"` // staff id; empty for the resident or the system
	Channel string    `json:"channel,omitempty"`
}

// Feedback is the resident's rating at the end.
type Feedback struct {
	Rating  Rating    `json:"rating"`
	Comment string    `json:"comment,omitempty"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

// Item is one service inside a case, with its own answers, team, status
// and service-standard clock.
type Item struct {
	store.Meta
	CaseID      string           `json:"case_id"`
	Reference   string           `json:"reference"`
	Service     string           `json:"service"`
	Tier        catalogue.Tier   `json:"tier"`
	FormVersion int              `json:"form_version"`
	Answers     map[string]any   `json:"answers"`
	Location    *catalogue.Point `json:"location,omitempty"`
	Cell        string           `json:"cell,omitempty"` // grid cell of Location, for nearby reports
	Team        string           `json:"team"`
	Assignee    string           `json:"assignee,omitempty"`
	Status      Status           `json:"status"`
	Open        bool             `json:"open"`
	Channel     string           `json:"channel"`
	Public      bool             `json:"public"` // offered on Open311: listed there (never with personal data) and in nearby reports

	// The service-standard clock. While awaiting the customer, DueAt is
	// kept as it was and Remaining holds the working time left.
	Unit      catalogue.Unit `json:"unit"` // what the standard counts, for pausing and resuming
	DueAt     time.Time      `json:"due_at"`
	PausedAt  *time.Time     `json:"paused_at,omitempty"`
	Remaining time.Duration  `json:"remaining,omitempty"`
	Breached  bool           `json:"breached"`

	Complaint *Complaint `json:"complaint,omitempty"` // complaints services only

	Reassigned bool       `json:"reassigned"` // moved to another team at least once
	Waited     bool       `json:"waited"`     // awaited the customer at least once
	Reopened   bool       `json:"reopened"`   // reopened at least once
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Complaint is the state of a complaint item: its stage and each stage's outcome.
type Complaint struct {
	Stage             int        `json:"stage"` // 1 or 2
	Stage1Outcome     Outcome    `json:"stage1_outcome,omitempty"`
	Stage1RespondedAt *time.Time `json:"stage1_responded_at,omitempty"`
	EscalatedAt       *time.Time `json:"escalated_at,omitempty"`
	EscalationReason  string     `json:"escalation_reason,omitempty"`
	Stage2Outcome     Outcome    `json:"stage2_outcome,omitempty"`
	Stage2RespondedAt *time.Time `json:"stage2_responded_at,omitempty"`
}
