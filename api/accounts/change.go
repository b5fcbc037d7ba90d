package accounts

import (
	"slices"
	"time"

	"frontdoor/api/store"
)

// Kinds of change, which are also the fields a connector may receive.
const (
	KindAddress  = "address"
	KindName     = "name"
	KindContact  = "contact"
	KindDeceased = "deceased"
)

// Statuses of a change and of its delivery to each service.
const (
	StatusPending   = "pending"
	StatusRetrying  = "retrying"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// ChangeChannels are where a change may be reported. Assisted and phone
// changes are made by staff, who must be named.
var ChangeChannels = []string{"web", "kiosk", "assisted", "phone"}

const (
	maxBackdate = 6 * 366 * 24 * time.Hour // council tax may be backdated six years
	maxAhead    = 366 * 24 * time.Hour
	day         = 24 * time.Hour
)

// Change is one thing a resident told us once, with its delivery status at
// each linked service.
type Change struct {
	store.Meta
	ResidentID    string          `json:"resident_id,omitempty"` // empty once anonymised
	Kind          string          `json:"kind"`
	EffectiveDate Date            `json:"effective_date"`
	Values        *ChangeValues   `json:"values,omitempty"` // nil once anonymised
	Channel       string          `json:"channel"`
	ActorID       string          `json:"actor_id,omitempty"` // staff who made it for the resident
	Status        string          `json:"status"`
	Services      []ServiceStatus `json:"services"`
	Anonymised    bool            `json:"anonymised,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// ServiceStatus is how far a change got with one linked service. Names is
// the connector's names when the change was made, for the resident's
// language; LastError says what went wrong in our own words (an HTTP
// status, "timeout"), never what the receiver answered.
type ServiceStatus struct {
	Connector string    `json:"connector"`
	Names     Names     `json:"names"`
	Reference string    `json:"reference,omitempty"` // the resident's reference there; empty once anonymised
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	JobID     string    `json:"job_id,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Message returns the go-i18n message id and template data that tell a
// resident, in lang, where the change stands with this service.
func (s ServiceStatus) Message(lang string) (string, map[string]any) {
	id := map[string]string{
		StatusPending: MsgStatusPending, StatusRetrying: MsgStatusRetrying,
		StatusDelivered: MsgStatusDelivered, StatusFailed: MsgStatusFailed,
	}[s.Status]
	return id, map[string]any{"Service": s.Names.In(lang)}
}

// ChangeValues holds the new values; only the part named by the change's
// kind is set.
type ChangeValues struct {
	Address  *PostalAddress  `json:"address,omitempty"`
	Name     *Name           `json:"name,omitempty"`
	Contact  *ContactValues  `json:"contact,omitempty"`
	Deceased *DeceasedValues `json:"deceased,omitempty"`
}

// ContactValues is a new primary email, phone or both.
type ContactValues struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// DeceasedValues is a deceased notification; the date of death is the
// change's effective date.
type DeceasedValues struct {
	ReportedBy Reporter `json:"reported_by"`
}

// Reporter is the relative (or other person) who reported a death.
type Reporter struct {
	Name         string `json:"name"`
	Relationship string `json:"relationship"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// For returns the values a connector receives, keyed by field.
func (v *ChangeValues) For(c *Connector) map[string]any {
	out := map[string]any{}
	add := func(field string, value any, set bool) {
		if set && c.Receives(field) {
			out[field] = value
		}
	}
	add(KindAddress, v.Address, v.Address != nil)
	add(KindName, v.Name, v.Name != nil)
	add(KindContact, v.Contact, v.Contact != nil)
	add(KindDeceased, v.Deceased, v.Deceased != nil)
	return out
}

// ChangeRequest is what a resident (or staff for them) reports.
type ChangeRequest struct {
	Kind          string       `json:"kind"`
	EffectiveDate Date         `json:"effective_date"`
	Values        ChangeValues `json:"values"`
	Channel       string       `json:"channel"`
	ActorID       string       `json:"actor_id,omitempty"`
}

// Validate normalizes the request in place and reports what is wrong.
func (r *ChangeRequest) Validate(now time.Time) error {
	var ck checker
	ck.oneOf("/kind", r.Kind, ConnectorFields)
	if t, ok := ck.date("/effective_date", r.EffectiveDate, true); ok {
		latest := now.Add(maxAhead)
		if r.Kind == KindDeceased {
			latest = now.Add(day)
		}
		if t.Before(now.Add(-maxBackdate)) || t.After(latest) {
			ck.Add("/effective_date", MsgDateOutOfRange)
		}
	}
	ck.oneOf("/channel", r.Channel, ChangeChannels)
	switch {
	case r.ActorID != "" && !validID(r.ActorID):
		ck.Add("/actor_id", MsgInvalidValue)
	case r.ActorID == "" && (r.Channel == "assisted" || r.Channel == "phone"):
		ck.Add("/actor_id", MsgStaffRequired)
	}
	r.Values.check(&ck, r.Kind)
	return ck.Err()
}

func (v *ChangeValues) check(ck *checker, kind string) {
	parts := []struct {
		kind string
		set  bool
	}{{KindAddress, v.Address != nil}, {KindName, v.Name != nil}, {KindContact, v.Contact != nil}, {KindDeceased, v.Deceased != nil}}
	for _, p := range parts {
		switch {
		case p.kind == kind && !p.set:
			ck.Add(ptr("/values", p.kind), MsgRequired)
		case p.kind != kind && p.set:
			ck.Add(ptr("/values", p.kind), MsgNotAllowed)
		}
	}
	switch {
	case kind == KindAddress && v.Address != nil:
		v.Address.check(ck, "/values/address")
	case kind == KindName && v.Name != nil:
		v.Name.check(ck, "/values/name")
	case kind == KindContact && v.Contact != nil:
		v.Contact.check(ck)
	case kind == KindDeceased && v.Deceased != nil:
		v.Deceased.ReportedBy.check(ck)
	}
}

func (c *ContactValues) check(ck *checker) {
	if c.Email == "" && c.Phone == "" {
		ck.Add("/values/contact", MsgNothingToChange)
	}
	ck.email("/values/contact/email", &c.Email)
	ck.phone("/values/contact/phone", &c.Phone)
}

func (r *Reporter) check(ck *checker) {
	const p = "/values/deceased/reported_by"
	ck.text(p+"/name", &r.Name, maxName, true)
	ck.text(p+"/relationship", &r.Relationship, maxRelation, true)
	ck.email(p+"/email", &r.Email)
	ck.phone(p+"/phone", &r.Phone)
}

// apply makes a validated change to the customer record: a move ends the
// current address the day the new one starts.
func (r *ChangeRequest) apply(c *Customer, now time.Time) error {
	if c.Deceased != nil {
		return invalid("", MsgRecordDeceased)
	}
	switch r.Kind {
	case KindAddress:
		if _, cur := c.CurrentAddress(); cur != nil {
			if r.EffectiveDate <= cur.ValidFrom { // same layout, so text order is date order
				return invalid("/effective_date", MsgMoveBeforeCurrent)
			}
			cur.ValidTo = r.EffectiveDate
		}
		c.Addresses = append(c.Addresses, Address{PostalAddress: *r.Values.Address, ValidFrom: r.EffectiveDate})
		c.Addresses = trimHistory(c.Addresses)
	case KindName:
		c.Name = *r.Values.Name
	case KindContact:
		return applyContact(&c.Contacts, r.Values.Contact)
	case KindDeceased:
		c.Deceased = &Deceased{DateOfDeath: r.EffectiveDate, NotifiedAt: now}
	}
	return nil
}

// trimHistory drops the ended address that started first while the
// history is over its limit.
func trimHistory(as []Address) []Address {
	for len(as) > MaxAddresses {
		oldest := -1
		for i, a := range as {
			if a.ValidTo != "" && (oldest < 0 || a.ValidFrom < as[oldest].ValidFrom) {
				oldest = i
			}
		}
		if oldest < 0 {
			return as
		}
		as = slices.Delete(as, oldest, oldest+1)
	}
	return as
}

// applyContact makes the new email or phone the primary one, adding it
// (unverified) when the record does not hold it yet.
func applyContact(cs *Contacts, v *ContactValues) error {
	if v.Email != "" {
		i := slices.IndexFunc(cs.Emails, func(e Email) bool { return emailKey(e.Address) == emailKey(v.Email) })
		if i < 0 {
			if len(cs.Emails) >= MaxEmails {
				return &ValidationError{Fields: []FieldError{{Pointer: "/values/contact/email", ID: MsgTooMany, Data: map[string]any{"Count": MaxEmails}}}}
			}
			cs.Emails = append(cs.Emails, Email{Address: v.Email})
			i = len(cs.Emails) - 1
		}
		for j := range cs.Emails {
			cs.Emails[j].Primary = j == i
		}
	}
	if v.Phone != "" {
		i := slices.IndexFunc(cs.Phones, func(p Phone) bool { return p.Number == v.Phone })
		if i < 0 {
			if len(cs.Phones) >= MaxPhones {
				return &ValidationError{Fields: []FieldError{{Pointer: "/values/contact/phone", ID: MsgTooMany, Data: map[string]any{"Count": MaxPhones}}}}
			}
			cs.Phones = append(cs.Phones, Phone{Number: v.Phone})
			i = len(cs.Phones) - 1
		}
		for j := range cs.Phones {
			cs.Phones[j].Primary = j == i
		}
	}
	return nil
}

// overall is a change's status: delivered when every service has it (or
// there was none to tell), failed when any failed, else retrying when any
// is retrying, else pending.
func overall(ss []ServiceStatus) string {
	has := func(status string) bool {
		return slices.ContainsFunc(ss, func(s ServiceStatus) bool { return s.Status == status })
	}
	switch {
	case has(StatusFailed):
		return StatusFailed
	case has(StatusRetrying):
		return StatusRetrying
	case has(StatusPending):
		return StatusPending
	}
	return StatusDelivered
}

func (c *Change) service(connector string) int {
	return slices.IndexFunc(c.Services, func(s ServiceStatus) bool { return s.Connector == connector })
}
