package accounts

import (
	"context"
	"errors"
	"slices"
	"time"

	"frontdoor/api/store"
)

// customerRecord is a Customer as stored, with the keys its unique indexes
// hold. Only a verified primary contact gets a key: an unverified claim on
// someone else's address must not lock its owner out of their own record.
// The keys are the normalized values themselves (emails in lower case, phones
// in E.164) rather than hashes: the record holds the plain values anyway,
// and erasure deletes keys and values together.
type customerRecord struct {
	Customer
	EmailKey string `json:"email_key,omitempty"`
	PhoneKey string `json:"phone_key,omitempty"`
}

func (r *customerRecord) setKeys() {
	r.EmailKey, r.PhoneKey = "", ""
	for _, e := range r.Contacts.Emails {
		if e.Primary && e.Verified {
			r.EmailKey = emailKey(e.Address)
		}
	}
	for _, p := range r.Contacts.Phones {
		if p.Primary && p.Verified {
			r.PhoneKey = p.Number
		}
	}
}

// CustomerPatch changes the fields that are set; a set slice replaces the
// whole list. Address corrections made here are not propagated: a move is
// a change (ReportChange), which is.
type CustomerPatch struct {
	Name            *Name             `json:"name,omitempty"`
	DateOfBirth     *Date             `json:"date_of_birth,omitempty"`
	Contacts        *Contacts         `json:"contacts,omitempty"`
	Addresses       *[]Address        `json:"addresses,omitempty"`
	Language        *string           `json:"language,omitempty"`
	Communication   *Communication    `json:"communication,omitempty"`
	Accessibility   *Accessibility    `json:"accessibility,omitempty"`
	Representatives *[]Representative `json:"representatives,omitempty"`
}

// CreateCustomer creates the customer record of residentID. Verified flags
// in c are ignored (see MarkContactVerified); Language defaults to "en".
func (s *Service) CreateCustomer(ctx context.Context, residentID string, c Customer) (*Customer, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	now := s.now()
	c.Meta = store.Meta{ID: residentID}
	c.CreatedAt, c.UpdatedAt, c.Deceased = now, now, nil
	if c.Language == "" {
		c.Language = "en"
	}
	c.Contacts = keepVerified(Contacts{}, cloneContacts(c.Contacts))
	c.Addresses = slices.Clone(c.Addresses)
	c.Representatives = stampRepresentatives(nil, slices.Clone(c.Representatives), now)
	if err := c.Validate(now); err != nil {
		return nil, err
	}
	rec := &customerRecord{Customer: c}
	rec.setKeys()
	err := s.customers.Insert(ctx, rec)
	if errors.Is(err, store.ErrDuplicate) {
		return nil, &ConflictError{ID: MsgRecordExists}
	}
	if err != nil {
		return nil, err
	}
	return &rec.Customer, nil
}

// GetCustomer returns the resident's own record, or ErrNotFound.
func (s *Service) GetCustomer(ctx context.Context, residentID string) (*Customer, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	rec, err := s.customers.Get(ctx, residentID)
	if err != nil {
		return nil, err
	}
	return &rec.Customer, nil
}

// UpdateCustomer applies a patch to the resident's record, reading it again
// when someone else wrote it first.
func (s *Service) UpdateCustomer(ctx context.Context, residentID string, p CustomerPatch) (*Customer, error) {
	return s.updateCustomer(ctx, residentID, func(rec *customerRecord, now time.Time) error {
		p.apply(&rec.Customer, now)
		return nil
	})
}

// MarkContactVerified records that the resident proved they hold contact
// (an email or phone on their record), as auth does after a one-time code.
// A verified primary contact another record holds already is a conflict.
func (s *Service) MarkContactVerified(ctx context.Context, residentID, contact string) (*Customer, error) {
	return s.updateCustomer(ctx, residentID, func(rec *customerRecord, _ time.Time) error {
		if e, ok := NormalizeEmail(contact); ok {
			for i := range rec.Contacts.Emails {
				if emailKey(rec.Contacts.Emails[i].Address) == emailKey(e) {
					rec.Contacts.Emails[i].Verified = true
					return nil
				}
			}
		}
		if n, ok := NormalizePhone(contact); ok {
			for i := range rec.Contacts.Phones {
				if rec.Contacts.Phones[i].Number == n {
					rec.Contacts.Phones[i].Verified = true
					return nil
				}
			}
		}
		return invalid("/contact", MsgContactUnknown)
	})
}

// updateCustomer reads, changes, validates and replaces a record, again on
// a lost race.
func (s *Service) updateCustomer(ctx context.Context, residentID string, change func(*customerRecord, time.Time) error) (*Customer, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	var out *Customer
	err := retryConflicts(ctx, func() error {
		rec, err := s.customers.Get(ctx, residentID)
		if err != nil {
			return err
		}
		now := s.now()
		granted := rec.Representatives
		if err := change(rec, now); err != nil {
			return err
		}
		rec.Representatives = dropExpired(rec.Representatives, granted, now)
		if err := rec.Validate(now); err != nil {
			return err
		}
		rec.setKeys()
		if err := s.checkClash(ctx, rec); err != nil {
			return err
		}
		rec.UpdatedAt = now
		if err := s.customers.Replace(ctx, rec); errors.Is(err, store.ErrDuplicate) {
			return s.clash(rec) // a racer took the key between check and write
		} else if err != nil {
			return err
		}
		out = &rec.Customer
		return nil
	})
	return out, err
}

// checkClash looks for another record holding rec's keys first: inside a
// MongoDB transaction a failed write ends it, so we never rely on one.
func (s *Service) checkClash(ctx context.Context, rec *customerRecord) error {
	for _, k := range []struct{ field, value string }{{fieldEmailKey, rec.EmailKey}, {fieldPhoneKey, rec.PhoneKey}} {
		if k.value == "" {
			continue
		}
		other, err := s.customers.FindOne(ctx, store.Eq(k.field, k.value))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if other.ID != rec.ID {
			if k.field == fieldEmailKey {
				return s.clash(&customerRecord{Customer: rec.Customer, EmailKey: rec.EmailKey})
			}
			return s.clash(&customerRecord{Customer: rec.Customer, PhoneKey: rec.PhoneKey})
		}
	}
	return nil
}

// clash names the primary contact whose key is taken.
func (s *Service) clash(rec *customerRecord) error {
	if rec.EmailKey != "" {
		for i, e := range rec.Contacts.Emails {
			if e.Primary {
				return &ConflictError{Pointer: ptr("/contacts/emails", i, "address"), ID: MsgEmailInUse}
			}
		}
	}
	for i, p := range rec.Contacts.Phones {
		if p.Primary {
			return &ConflictError{Pointer: ptr("/contacts/phones", i, "number"), ID: MsgPhoneInUse}
		}
	}
	return &ConflictError{Pointer: "/contacts", ID: MsgEmailInUse}
}

func (p *CustomerPatch) apply(c *Customer, now time.Time) {
	if p.Name != nil {
		c.Name = *p.Name
	}
	if p.DateOfBirth != nil {
		c.DateOfBirth = *p.DateOfBirth
	}
	if p.Contacts != nil {
		c.Contacts = keepVerified(c.Contacts, cloneContacts(*p.Contacts))
	}
	if p.Addresses != nil {
		c.Addresses = slices.Clone(*p.Addresses)
	}
	if p.Language != nil {
		c.Language = *p.Language
	}
	if p.Communication != nil {
		c.Communication = Communication{Channels: slices.Clone(p.Communication.Channels)}
	}
	if p.Accessibility != nil {
		c.Accessibility = *p.Accessibility
	}
	if p.Representatives != nil {
		c.Representatives = stampRepresentatives(c.Representatives, slices.Clone(*p.Representatives), now)
	}
}

func cloneContacts(c Contacts) Contacts {
	return Contacts{Emails: slices.Clone(c.Emails), Phones: slices.Clone(c.Phones)}
}

// keepVerified carries a verified flag over only for a value that was
// verified before: input never verifies anything.
func keepVerified(old, next Contacts) Contacts {
	emails, phones := map[string]bool{}, map[string]bool{}
	for _, e := range old.Emails {
		emails[emailKey(e.Address)] = e.Verified
	}
	for _, p := range old.Phones {
		phones[p.Number] = p.Verified
	}
	for i := range next.Emails {
		e, ok := NormalizeEmail(next.Emails[i].Address)
		next.Emails[i].Verified = ok && emails[emailKey(e)]
	}
	for i := range next.Phones {
		n, ok := NormalizePhone(next.Phones[i].Number)
		next.Phones[i].Verified = ok && phones[n]
	}
	return next
}

// stampRepresentatives keeps the grant time of representatives the record
// already holds (matched by id) and gives new ones an id and the time of
// granting.
func stampRepresentatives(old, next []Representative, now time.Time) []Representative {
	for i, r := range next {
		j := slices.IndexFunc(old, func(o Representative) bool { return r.ID != "" && o.ID == r.ID })
		if j >= 0 {
			next[i].GrantedAt = old[j].GrantedAt
		} else {
			next[i].ID, next[i].GrantedAt = store.NewID(), now
		}
	}
	return next
}

// dropExpired removes grants that have run out. Only grants the record held
// before go quietly; a new grant that is already over is an error for
// Validate to report.
func dropExpired(reps, before []Representative, now time.Time) []Representative {
	return slices.DeleteFunc(slices.Clone(reps), func(r Representative) bool {
		held := slices.ContainsFunc(before, func(b Representative) bool { return b.ID == r.ID })
		return held && !r.ExpiresAt.After(now)
	})
}
