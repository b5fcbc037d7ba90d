// Package notify tells residents what happened, on the channels they chose
// (Web Push, email, text message), in their language.
//
// Callers describe an Event and call Notify inside the transaction that
// caused it; an outbox job then reads the recipient's preferences and
// contact details, renders the event's texts from locales/notify.*.toml and
// routes it: push when they chose push and have a working device, email or
// SMS otherwise, and each channel as its own outbox job, so a failing SMS
// never sends an email twice. Service alerts go to every resident who
// follows a topic in an area, streamed page by page.
//
// The channels are protocol adapters in this package (SMTP, GOV.UK Notify,
// the development outbox); push is an interface the push package satisfies.
// Nothing here speaks HTTP to clients or logs personal data.
package notify

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Topic is what a message is about; residents choose channels per topic.
type Topic string

const (
	TopicCaseUpdates         Topic = "case_updates"
	TopicTellUsOnce          Topic = "tell_us_once"
	TopicCollectionReminders Topic = "collection_reminders"
	TopicServiceAlerts       Topic = "service_alerts"
)

// Topics lists every topic, in the order settings show them.
var Topics = []Topic{TopicCaseUpdates, TopicTellUsOnce, TopicCollectionReminders, TopicServiceAlerts}

// Channel is a way of reaching a person.
type Channel string

const (
	ChannelPush  Channel = "push"
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Channels lists every channel.
var Channels = []Channel{ChannelPush, ChannelEmail, ChannelSMS}

// Preferences say which channels a resident wants per topic, and the areas
// whose service alerts and collection reminders they follow.
type Preferences struct {
	// Topics holds every topic; an empty list means nothing on that topic.
	Topics map[Topic][]Channel `json:"topics"`
	// Areas are UK postcode districts ("PL4") or ward codes ("E05012345").
	Areas []string `json:"areas"`
}

// MaxAreas is how many areas a resident may follow.
const MaxAreas = 10

// DefaultPreferences are what a resident has until they choose: case
// updates and Tell Us Once by push and email, reminders and alerts by push,
// and no areas (so no alerts until they name one).
func DefaultPreferences() Preferences {
	return Preferences{
		Topics: map[Topic][]Channel{
			TopicCaseUpdates:         {ChannelPush, ChannelEmail},
			TopicTellUsOnce:          {ChannelPush, ChannelEmail},
			TopicCollectionReminders: {ChannelPush},
			TopicServiceAlerts:       {ChannelPush},
		},
		Areas: []string{},
	}
}

// Recipient is a resident (their account id; contact details are looked
// up) or, for someone who reported without an account, bare contact
// details. Language is used when the account has none.
type Recipient struct {
	Resident string `json:"resident,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Language string `json:"language,omitempty"`
}

// Event is one thing to tell one recipient.
type Event struct {
	// Key makes Notify idempotent: unique per event and recipient.
	Key string `json:"key"`
	// Kind names the texts: Notify_<kind>_title, _body, _sms and _push.
	Kind string `json:"kind"`
	// Topic is the preference that decides the channels; empty takes the
	// kind's usual topic (see TopicOf).
	Topic Topic     `json:"topic"`
	To    Recipient `json:"to"`
	// Data is the texts' template data: Reference, Service, Update,
	// Deadline (a date), Count, Total, Title, Body ... Values are strings,
	// numbers, booleans or times.
	Data map[string]any `json:"data,omitempty"`
	// Texts are template data given as message ids, rendered in the
	// recipient's language first: {"Status": "CaseStatus_in_progress"}.
	Texts map[string]string `json:"texts,omitempty"`
	// URL is where to look: the push click target and the link in email
	// and SMS (Data["URL"] in the texts).
	URL string `json:"url,omitempty"`
}

// Kinds of event, each with its four texts in locales/notify.*.toml.
const (
	KindCaseReceived      = "case_received"
	KindCaseUpdate        = "case_update"
	KindCaseStatus        = "case_status"
	KindCaseResolved      = "case_resolved"      // asks for feedback at URL
	KindComplaintResponse = "complaint_response" // Deadline: the last day to escalate
	KindTUOProgress       = "tuo_progress"       // Count of Total services told so far
	KindTUODone           = "tuo_done"
	KindTUOFailed         = "tuo_failed" // Count services could not be told
	KindAlert             = "alert"
	KindReminder          = "reminder"
)

// Kinds lists every kind with the topic it belongs to by default.
var Kinds = map[string]Topic{
	KindCaseReceived: TopicCaseUpdates, KindCaseUpdate: TopicCaseUpdates, KindCaseStatus: TopicCaseUpdates,
	KindCaseResolved: TopicCaseUpdates, KindComplaintResponse: TopicCaseUpdates,
	KindTUOProgress: TopicTellUsOnce, KindTUODone: TopicTellUsOnce, KindTUOFailed: TopicTellUsOnce,
	KindAlert: TopicServiceAlerts, KindReminder: TopicCollectionReminders,
}

// TopicOf is the usual topic of a kind ("" for an unknown kind).
func TopicOf(kind string) Topic { return Kinds[kind] }

// PushMessage is one push notification for every device of a resident.
type PushMessage struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url,omitempty"`
	Tag   string `json:"tag,omitempty"` // a newer message with the same tag replaces the older on the device
	Kind  string `json:"kind"`          // the event's kind
	Ref   string `json:"ref"`           // the event's key: what Undeliverable is given back
}

// Pusher is what notify needs of Web Push (package push satisfies it).
type Pusher interface {
	// Working counts the resident's subscriptions that may receive.
	Working(ctx context.Context, resident string) (int, error)
	// SendToResident queues m once per device, in ctx's transaction, and
	// says how many it queued. A device that cannot be reached is reported
	// back through Service.Undeliverable with m.Ref.
	SendToResident(ctx context.Context, resident string, m PushMessage) (int, error)
}

// EmailSender sends one email. Errors wrapped in outbox.Permanent are not
// retried; outbox.RetryAfter asks for a later retry.
type EmailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// SMSSender sends one text message to an E.164 number.
type SMSSender interface {
	SendSMS(ctx context.Context, to, body string) error
}

// Users gives an account's contact details: its verified email and phone
// only ("" when unverified or absent) and its language. A removed account
// is store.ErrNotFound.
type Users interface {
	Contact(ctx context.Context, resident string) (email, phone, lang string, err error)
}

// Options configure a Service.
type Options struct {
	Push  Pusher
	Email EmailSender
	SMS   SMSSender
	Users Users
	// Localize renders a message id in a language (locales.Localize).
	Localize func(lang, id string, data map[string]any) string
	Now      func() time.Time
	Logger   *slog.Logger
	// AlertPageSize is how many residents one step of an alert reads and
	// queues in one transaction; default and at most 1000.
	AlertPageSize int
	// KeepEvents is how long a pushed event is kept so an undeliverable
	// push can still fall back to email or SMS; default 7 days.
	KeepEvents time.Duration
}

// Languages are those texts exist in; the first is the fallback.
var Languages = []string{"en", "cy", "pl", "ar"}

func knownLanguage(lang string) bool { return slices.Contains(Languages, lang) }
