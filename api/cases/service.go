// Package cases is case management: a resident's request with one item per
// service, its reference, the workflow each item follows, the service
// standard's clock, complaints and their escalation, feedback, tracking,
// attachments, nearby duplicates and the insight counters.
//
// Every change to a case happens in one transaction with the counters it
// moves and the outbox job that tells the resident, so the insight figures
// and the messages never disagree with the cases themselves.
package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Catalogue is what cases need of the service catalogue.
type Catalogue interface {
	Service(ctx context.Context, code string) (*catalogue.Service, error)
	FormVersion(ctx context.Context, code string, version int) (*catalogue.Form, error)
	Team(ctx context.Context, key string) (*catalogue.Team, error)
}

// Options configure the service.
type Options struct {
	Now      func() time.Time // time.Now
	Calendar *Calendar        // England and Wales bank holidays when nil
	Area     catalogue.Area   // where location answers must fall
	Logger   *slog.Logger
	// Tell and Push tell people about the public events of their cases
	// (notify.go); either may be nil. Localize renders texts in a case's
	// language; BaseURL starts the links in messages.
	Tell     Teller
	Push     CasePusher
	Localize func(lang, id string, data map[string]any) string
	BaseURL  string
}

// Service holds the case collections and the use cases over them.
type Service struct {
	db       *store.DB
	ob       *outbox.Outbox
	cat      Catalogue
	opts     Options
	log      *slog.Logger
	cal      *Calendar
	cases    *store.Collection[Case, *Case]
	items    *store.Collection[Item, *Item]
	follows  *store.Collection[follow, *follow]
	tallies  *store.Collection[tally, *tally]
	photos   *store.Collection[Attachment, *Attachment]
	accesses *store.Collection[access, *access]
	cleaning chan struct{} // bounds photos being cleaned at once
}

// Field names used by indexes and queries.
const (
	fReference = "reference"
	fOwner     = "owner"
	fCreatedAt = "created_at"
	fTeam      = "team"
	fOpen      = "open"
	fDueAt     = "due_at"
	fService   = "service"
	fCell      = "cell"
	fBreached  = "breached"
	fPublic    = "public"
	fResident  = "resident"
	fCaseID    = "case_id"
	fKey       = "key"
	fDay       = "day"
	fPeriod    = "period"
	fClaimed   = "claimed"
)

var (
	caseSpec = store.CollectionSpec{Name: "cases", Indexes: []store.IndexSpec{
		{Name: "cases_reference", Fields: []string{fReference}, Unique: true},
		{Name: "cases_owner_created", Fields: []string{fOwner, fCreatedAt}},
	}}
	itemSpec = store.CollectionSpec{Name: "case_items", Indexes: []store.IndexSpec{
		{Name: "items_queue", Fields: []string{fTeam, fOpen, fDueAt}},
		{Name: "items_nearby", Fields: []string{fService, fOpen, fCell}},
		{Name: "items_breach", Fields: []string{fOpen, fBreached, fDueAt}},
		{Name: "items_public_created", Fields: []string{fPublic, fCreatedAt}},
		{Name: "items_public_service_created", Fields: []string{fPublic, fService, fCreatedAt}},
	}}
	followSpec = store.CollectionSpec{Name: "case_follows", Indexes: []store.IndexSpec{
		{Name: "follows_resident_case", Fields: []string{fResident, fCaseID}, Unique: true},
		{Name: "follows_resident_created", Fields: []string{fResident, fCreatedAt}},
		{Name: "follows_case_created", Fields: []string{fCaseID, fCreatedAt}},
	}}
	tallySpec = store.CollectionSpec{Name: "case_tallies", Indexes: []store.IndexSpec{
		{Name: "tallies_key", Fields: []string{fKey}, Unique: true},
		{Name: "tallies_period_day", Fields: []string{fPeriod, fDay}},
	}}
	attachmentSpec = store.CollectionSpec{Name: "case_attachments", Indexes: []store.IndexSpec{
		{Name: "attachments_claimed_created", Fields: []string{fClaimed, fCreatedAt}},
	}}
	accessSpec = store.CollectionSpec{Name: "case_access", Indexes: []store.IndexSpec{
		{Name: "access_case_at", Fields: []string{fCaseID, "at"}},
	}}
)

// New opens the collections and registers the outbox handler that tells
// residents about their cases; call it before ob.Start.
func New(ctx context.Context, db *store.DB, ob *outbox.Outbox, cat Catalogue, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, ob: ob, cat: cat, opts: opts, cal: opts.Calendar, log: opts.Logger.With("component", "cases"),
		cleaning: make(chan struct{}, photosAtOnce)}
	if s.cal == nil {
		cal, err := NewCalendar(EnglandAndWalesBankHolidays)
		if err != nil {
			return nil, err
		}
		s.cal = cal
	}
	if len(opts.Area.Polygon) < 3 {
		return nil, errors.New("cases: the council's area needs at least three points")
	}
	var err error
	if s.cases, err = store.Open[Case](ctx, db, caseSpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if s.items, err = store.Open[Item](ctx, db, itemSpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if s.follows, err = store.Open[follow](ctx, db, followSpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if s.tallies, err = store.Open[tally](ctx, db, tallySpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if s.photos, err = store.Open[Attachment](ctx, db, attachmentSpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if s.accesses, err = store.Open[access](ctx, db, accessSpec); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	ob.Register(NotifyKind, s.deliver)
	return s, nil
}

// Calendar is the working-day calendar the clocks run on.
func (s *Service) Calendar() *Calendar { return s.cal }

// now is the injected clock at the store's precision.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// tx runs fn in a transaction, again while it loses an optimistic race with
// another writer of the same case or counter (a stale version, or two first
// inserts of one day's counter).
func (s *Service) tx(ctx context.Context, fn func(ctx context.Context) error) error {
	return store.Retry(ctx, func() error { return s.db.Tx(ctx, fn) }, store.ErrConflict, store.ErrDuplicate)
}

// caseByRef finds a case by a reference as typed; a malformed one is simply
// not found.
func (s *Service) caseByRef(ctx context.Context, ref string) (*Case, error) {
	canon, err := ParseReference(ref)
	if err != nil {
		return nil, ErrNotFound
	}
	return s.cases.FindOne(ctx, store.Eq(fReference, canon))
}

// Items loads a case's items in order (for a case a caller may already see).
func (s *Service) Items(ctx context.Context, c *Case) ([]*Item, error) { return s.caseItems(ctx, c) }

// caseItems loads a case's items in order.
func (s *Service) caseItems(ctx context.Context, c *Case) ([]*Item, error) {
	out := make([]*Item, 0, len(c.Lines))
	for _, l := range c.Lines {
		it, err := s.items.Get(ctx, l.ItemID)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
