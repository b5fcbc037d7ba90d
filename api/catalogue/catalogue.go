// Package catalogue is the council's service catalogue: services with their
// forms, tiers and service standards, the teams that own them, and the
// council's area. A service is data: admins edit it over the API, and a
// form change makes a new form version while cases keep the one they used.
package catalogue

import (
	"time"

	"frontdoor/api/store"
)

// Text is one phrase in several languages, keyed by language code ("en",
// "cy", "pl", "ar"). English is required; a missing language falls back to it.
type Text map[string]string

// In returns the text in lang, or in English when lang has none.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["en"]
}

// Tier is how much help a service usually needs.
type Tier string

const (
	TierSimple   Tier = "simple"   // the resident can do it alone
	TierAssisted Tier = "assisted" // often done with staff alongside
	TierComplex  Tier = "complex"  // needs a specialist
)

// Unit is what a service standard's target counts.
type Unit string

const (
	UnitWorkingDays Unit = "working_days" // weekends and bank holidays excluded
	UnitHours       Unit = "hours"        // clock hours
)

// Channels a service may be offered on (ARCHITECTURE.md "channel").
const (
	ChannelWeb      = "web"
	ChannelKiosk    = "kiosk"
	ChannelAssisted = "assisted"
	ChannelPhone    = "phone"
	ChannelOpen311  = "open311"
)

// AllChannels lists every channel, in display order.
var AllChannels = []string{ChannelWeb, ChannelKiosk, ChannelAssisted, ChannelPhone, ChannelOpen311}

// Standard is a service standard: the target residents are promised, and
// the council's own words for what it will do and what it asks of them.
type Standard struct {
	Target int  `json:"target"`
	Unit   Unit `json:"unit"`
	WeWill Text `json:"we_will"`
	WeAsk  Text `json:"we_ask"`
}

// QuestionType is the kind of answer a question takes.
type QuestionType string

const (
	TypeText     QuestionType = "text"     // one line
	TypeTextarea QuestionType = "textarea" // several lines
	TypeNumber   QuestionType = "number"
	TypeDate     QuestionType = "date"    // "2026-01-31"
	TypeChoice   QuestionType = "choice"  // one of Options
	TypeYesNo    QuestionType = "yesno"   // true or false
	TypeAddress  QuestionType = "address" // {"line1", "town", "postcode", "uprn"?}
	TypePoint    QuestionType = "point"   // {"lat", "lng"} inside the council's area
	TypePhoto    QuestionType = "photo"   // a list of attachment ids
)

// Option is one answer a choice question offers.
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// ShowIf makes a question conditional: it is asked only when the earlier
// question's answer equals Equals (a choice value, "true"/"false" for yes/no).
type ShowIf struct {
	Question string `json:"question"`
	Equals   string `json:"equals"`
}

// Question is one question of a form. MaxLength limits text (characters)
// and photos (count); Min and Max bound numbers.
type Question struct {
	ID        string       `json:"id"`
	Type      QuestionType `json:"type"`
	Label     Text         `json:"label"`
	Hint      Text         `json:"hint,omitempty"`
	Required  bool         `json:"required"`
	Options   []Option     `json:"options,omitempty"`
	MaxLength int          `json:"max_length,omitempty"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	ShowIf    *ShowIf      `json:"show_if,omitempty"`
}

// Form is the questions a service asks, at a version. The version goes up
// by one whenever the questions change.
type Form struct {
	Version   int        `json:"version"`
	Questions []Question `json:"questions"`
}

// Complaint is the second stage of a complaints service: who reviews an
// escalated complaint, against which standard, and how long after the
// stage-1 response a resident may escalate.
type Complaint struct {
	Stage2Team     string `json:"stage2_team"`
	Stage2Target   int    `json:"stage2_target"`
	Stage2Unit     Unit   `json:"stage2_unit"`
	EscalationDays int    `json:"escalation_days"` // working days; 20 by default
}

// Service is one thing the council offers.
type Service struct {
	store.Meta
	Code        string     `json:"code"`
	Name        Text       `json:"name"`
	Description Text       `json:"description"`
	Group       string     `json:"group"`
	Tier        Tier       `json:"tier"`
	Channels    []string   `json:"channels"`
	Team        string     `json:"team"`
	Standard    Standard   `json:"standard"`
	Anonymous   bool       `json:"anonymous"`
	Related     []string   `json:"related"`
	Form        Form       `json:"form"`
	Complaint   *Complaint `json:"complaint,omitempty"` // complaints services only
	Retired     bool       `json:"retired"`             // no longer offered; old cases keep it
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Team is a group of staff that owns services and works their cases.
type Team struct {
	store.Meta
	Key       string    `json:"key"` // lower-case letters, digits and inner hyphens
	Name      Text      `json:"name"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Point is a place on the map (WGS84 degrees).
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Address is an address answer, normalized (postcode in standard form).
type Address struct {
	Line1    string `json:"line1"`
	Town     string `json:"town"`
	Postcode string `json:"postcode"`
	UPRN     string `json:"uprn,omitempty"`
}
