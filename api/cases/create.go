package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"frontdoor/api/accounts"
	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// Limits of a new case.
const (
	MaxItems       = 10  // services in one case
	MaxNameLength  = 100 // the contact's name
	MaxEventText   = 4000
	MaxEvents      = 500 // timeline entries of one case
	maxRefAttempts = 5
)

// NewItem is one service asked for, with the answers to its form.
type NewItem struct {
	Service string                     `json:"service"`
	Answers map[string]json.RawMessage `json:"answers"`
}

// NewContact is how to reach someone reporting without an account.
type NewContact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Postcode string `json:"postcode"`
}

// NewCase is a request as it arrives. Owner, Channel, Actor, Client and
// Language come from the caller's credentials, never from the body.
type NewCase struct {
	Items   []NewItem   `json:"items"`
	Contact *NewContact `json:"contact"`

	Owner    string `json:"-"` // the signed-in resident, if any
	Channel  string `json:"-"` // catalogue.Channel*
	Actor    string `json:"-"` // the member of staff helping, if any
	Client   string `json:"-"` // the Open311 client, if any
	Language string `json:"-"` // for messages to the resident
	Location string `json:"-"` // the kiosk location's name, for a case made at a terminal
	// AnonymousOwner says Owner is an anonymous kiosk session standing in for
	// someone without an account: the rules of reporting without one apply.
	AnonymousOwner bool `json:"-"`
}

// withoutAccount says whether the reporter has no account of their own.
func (in *NewCase) withoutAccount() bool { return in.Owner == "" || in.AnonymousOwner }

// checkedItem is a NewItem that passed its checks.
type checkedItem struct {
	svc     *catalogue.Service
	answers catalogue.Answers
}

// Create checks a new case against each service's form and stores it with
// its items, counters, claimed photos and the acknowledgement to the
// resident, all in one transaction.
func (s *Service) Create(ctx context.Context, in NewCase) (*Case, []*Item, error) {
	now := s.now()
	checked, contact, err := s.checkNew(ctx, &in)
	if err != nil {
		return nil, nil, err
	}
	var c *Case
	var items []*Item
	err = s.tx(ctx, func(ctx context.Context) error {
		ref, err := s.freshReference(ctx)
		if err != nil {
			return err
		}
		c = &Case{Reference: ref, Owner: in.Owner, Contact: contact, Language: in.Language, Channel: in.Channel,
			Actor: in.Actor, Client: in.Client, Location: in.Location, AnonymousOwner: in.AnonymousOwner && in.Owner != "",
			Status: StatusSubmitted, Open: true, CreatedAt: now, UpdatedAt: now}
		c.ID = store.NewID()
		items = make([]*Item, len(checked))
		for i, ci := range checked {
			items[i] = s.newItem(c, ci, now)
			if err := s.items.Insert(ctx, items[i]); err != nil {
				return err
			}
			c.Lines = append(c.Lines, lineOf(items[i]))
			if err := s.claimPhotos(ctx, in.uploader(), c, items[i], ci.answers.Photos); err != nil {
				return err
			}
			keys := []string{"created." + c.Channel, "interaction." + c.Channel}
			if c.Location != "" {
				keys = append(keys, locationKey(c.Channel, c.Location))
			}
			if err := s.count(ctx, now, ci.svc.Code, ci.svc.Tier, keys...); err != nil {
				return err
			}
		}
		c.Events = []Event{{At: now, Kind: EventCreated, Public: true, Status: StatusSubmitted, By: in.Actor, Channel: c.Channel}}
		if err := s.cases.Insert(ctx, c); err != nil {
			return err
		}
		return s.tell(ctx, c, len(c.Events)-1)
	})
	if err != nil {
		return nil, nil, err
	}
	return c, items, nil
}

func (s *Service) newItem(c *Case, ci checkedItem, now time.Time) *Item {
	svc := ci.svc
	it := &Item{CaseID: c.ID, Reference: c.Reference, Service: svc.Code, Tier: svc.Tier,
		FormVersion: svc.Form.Version, Answers: ci.answers.Values, Location: ci.answers.Point,
		Team: svc.Team, Status: StatusSubmitted, Open: true, Channel: c.Channel,
		Public: slices.Contains(svc.Channels, catalogue.ChannelOpen311),
		Unit:   svc.Standard.Unit, DueAt: s.cal.Due(now, svc.Standard.Target, svc.Standard.Unit),
		CreatedAt: now, UpdatedAt: now}
	it.ID = store.NewID()
	if it.Location != nil {
		it.Cell = Cell(*it.Location)
	}
	if svc.Complaint != nil {
		it.Complaint = &Complaint{Stage: 1}
	}
	return it
}

// freshReference draws references until one is free. Looking first, rather
// than inserting and catching ErrDuplicate, keeps the transaction alive on
// MongoDB (see store.Engine.Tx).
func (s *Service) freshReference(ctx context.Context) (string, error) {
	for range maxRefAttempts {
		ref := NewReference()
		_, err := s.cases.FindOne(ctx, store.Eq(fReference, ref))
		if errors.Is(err, ErrNotFound) {
			return ref, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("cases: no free reference after %d draws", maxRefAttempts)
}

// checkNew validates everything about a new case before any write.
func (s *Service) checkNew(ctx context.Context, in *NewCase) ([]checkedItem, *Contact, error) {
	if !slices.Contains(catalogue.AllChannels, in.Channel) {
		return nil, nil, fmt.Errorf("cases: unknown channel %q", in.Channel)
	}
	var ck checker
	switch {
	case len(in.Items) == 0:
		ck.Add("/items", MsgRequired)
	case len(in.Items) > MaxItems:
		ck.AddCount("/items", MsgTooMany, MaxItems)
	}
	if len(ck.Fields) > 0 {
		return nil, nil, ck.Err()
	}
	out := make([]checkedItem, 0, len(in.Items))
	seen := map[string]bool{}
	for i, ni := range in.Items {
		ptr := fmt.Sprintf("/items/%d", i)
		svc := s.offered(ctx, &ck, ptr+"/service", ni.Service, in)
		if svc == nil {
			continue
		}
		if seen[svc.Code] {
			ck.Add(ptr+"/service", MsgDuplicateService)
			continue
		}
		seen[svc.Code] = true
		answers, fields := svc.Form.Check(ni.Answers, s.opts.Area, ptr+"/answers", s.now())
		ck.Fields = append(ck.Fields, fields...)
		out = append(out, checkedItem{svc: svc, answers: answers})
	}
	// Someone without an account must leave a way to reach them, unless an
	// Open311 client, which answers for its own users, sent the report.
	contact := checkContact(&ck, in.Contact, in.withoutAccount() && in.Client == "")
	if err := ck.Err(); err != nil {
		return nil, nil, err
	}
	if contact != nil && contact.Postcode == "" {
		for _, ci := range out {
			if ci.answers.Postcode != "" {
				contact.Postcode = ci.answers.Postcode
				break
			}
		}
	}
	return out, contact, s.checkPhotos(ctx, in.uploader(), out)
}

// uploader is whose photos the case may use: the resident's, or those of
// the member of staff taking the report for someone without an account.
func (in *NewCase) uploader() string {
	if in.Owner != "" {
		return in.Owner
	}
	return in.Actor
}

// offered finds the service an item asks for and checks it may be asked
// for here: on this channel, and without an account only if it allows that
// (a member of staff taking a report on someone's behalf, or an Open311
// client the council issued a key to, may always).
func (s *Service) offered(ctx context.Context, ck *checker, ptr, code string, in *NewCase) *catalogue.Service {
	if code == "" {
		ck.Add(ptr, MsgRequired)
		return nil
	}
	svc, err := s.cat.Service(ctx, code)
	if err != nil || svc.Retired {
		ck.Add(ptr, MsgServiceUnknown)
		return nil
	}
	if !slices.Contains(svc.Channels, in.Channel) {
		ck.Add(ptr, MsgServiceNotOffered)
		return nil
	}
	if in.withoutAccount() && in.Actor == "" && in.Client == "" && !svc.Anonymous {
		ck.Add(ptr, MsgAnonymousRefused)
		return nil
	}
	return svc
}

// checkContact normalizes the contact details; required says the reporter
// has no account, so the details are the only way to reach them.
func checkContact(ck *checker, in *NewContact, required bool) *Contact {
	if in == nil {
		if required {
			ck.Add("/contact", MsgContactRequired)
		}
		return nil
	}
	out := &Contact{Name: strings.TrimSpace(in.Name)}
	if utf8.RuneCountInString(out.Name) > MaxNameLength || !utf8.ValidString(out.Name) || hasControl(out.Name) {
		ck.AddCount("/contact/name", MsgTooLong, MaxNameLength)
	}
	if in.Email != "" {
		if e, ok := accounts.NormalizeEmail(in.Email); ok {
			out.Email = e
		} else {
			ck.Add("/contact/email", MsgEmailInvalid)
		}
	}
	if in.Phone != "" {
		if p, ok := accounts.NormalizePhone(in.Phone); ok {
			out.Phone = p
		} else {
			ck.Add("/contact/phone", MsgPhoneInvalid)
		}
	}
	if in.Postcode != "" {
		if p, ok := accounts.NormalizePostcode(in.Postcode); ok {
			out.Postcode = p
		} else {
			ck.Add("/contact/postcode", MsgPostcodeInvalid)
		}
	}
	if required && in.Email == "" && in.Phone == "" {
		ck.Add("/contact", MsgContactRequired)
	}
	return out
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
