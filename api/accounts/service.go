// Package accounts is Tell Us Once: the customer record (one per resident),
// the services a resident links to it, and the changes they tell us once,
// which the outbox propagates to every linked service's connector as a
// signed webhook, with a status per service that staff can act on.
//
// A resident is known here only by their id (the token subject); signing in
// is the auth package's business. Nothing in this package speaks HTTP to
// clients: it returns domain errors with message ids for the api layer.
package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"frontdoor/api/notify"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Options configure a Service; zero values take the defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// AllowLoopbackHTTP lets connectors use http://127.0.0.1, http://localhost
	// and http://[::1], and lets deliveries reach loopback addresses. For
	// development and tests only.
	AllowLoopbackHTTP bool
	// DeliveryTimeout bounds one webhook request, connecting included;
	// default 10s. Keep it under the outbox lease (30s by default).
	DeliveryTimeout time.Duration
	// Resolve looks a host name up; default net.DefaultResolver. Tests map
	// names to addresses with it. Whatever it returns, the dialer still
	// refuses addresses that are not public.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Tell, when set, keeps residents told of their changes' progress
	// (progress.go); BaseURL starts the links in those messages.
	Tell interface {
		Notify(ctx context.Context, ev notify.Event) error
	}
	BaseURL string
}

// PropagateKind is the outbox job kind that delivers a change to a connector.
const PropagateKind = "accounts.propagate"

// Service holds the use cases. Build it with New before the outbox starts.
type Service struct {
	db         *store.DB
	ob         *outbox.Outbox
	customers  *store.Collection[customerRecord, *customerRecord]
	connectors *store.Collection[connectorRecord, *connectorRecord]
	links      *store.Collection[Link, *Link]
	changes    *store.Collection[Change, *Change]
	audit      *store.Collection[AuditEntry, *AuditEntry]
	opts       Options
	log        *slog.Logger
	client     *http.Client

	statuses statusWriter

	reconcileMu sync.Mutex
	reconciled  time.Time // dead jobs up to here have been matched to their changes
}

// Field names the service filters on.
const (
	fieldResident  = "resident_id"
	fieldConnector = "connector"
	fieldCreatedAt = "created_at"
	fieldUpdatedAt = "updated_at"
	fieldStatus    = "status"
	fieldKey       = "key"
	fieldAt        = "at"
	fieldEmailKey  = "email_key"
	fieldPhoneKey  = "phone_key"
)

var (
	customerSpec = store.CollectionSpec{Name: "customers", Indexes: []store.IndexSpec{
		// One person, one record: a verified primary email or phone belongs
		// to one record only.
		{Name: "customers_email_key", Fields: []string{fieldEmailKey}, Unique: true},
		{Name: "customers_phone_key", Fields: []string{fieldPhoneKey}, Unique: true},
	}}
	connectorSpec = store.CollectionSpec{Name: "connectors", Indexes: []store.IndexSpec{
		{Name: "connectors_key", Fields: []string{fieldKey}, Unique: true},
	}}
	linkSpec = store.CollectionSpec{Name: "links", Indexes: []store.IndexSpec{
		{Name: "links_resident_connector", Fields: []string{fieldResident, fieldConnector}, Unique: true},
	}}
	changeSpec = store.CollectionSpec{Name: "changes", Indexes: []store.IndexSpec{
		{Name: "changes_resident_created", Fields: []string{fieldResident, fieldCreatedAt}},
		{Name: "changes_status_updated", Fields: []string{fieldStatus, fieldUpdatedAt}},
	}}
	auditSpec = store.CollectionSpec{Name: "audit", Indexes: []store.IndexSpec{
		{Name: "audit_resident_at", Fields: []string{fieldResident, fieldAt}},
	}}
)

// New opens the service's collections and registers its outbox handler, so
// call it before ob.Start.
func New(ctx context.Context, db *store.DB, ob *outbox.Outbox, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DeliveryTimeout <= 0 {
		opts.DeliveryTimeout = 10 * time.Second
	}
	s := &Service{db: db, ob: ob, opts: opts, log: opts.Logger.With("component", "accounts")}
	var err error
	if s.customers, err = store.Open[customerRecord](ctx, db, customerSpec); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if s.connectors, err = store.Open[connectorRecord](ctx, db, connectorSpec); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if s.links, err = store.Open[Link](ctx, db, linkSpec); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if s.changes, err = store.Open[Change](ctx, db, changeSpec); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if s.audit, err = store.Open[AuditEntry](ctx, db, auditSpec); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	s.client = newDeliveryClient(opts)
	ob.Register(PropagateKind, s.propagate)
	return s, nil
}

// now is the injected clock at the store's precision, so what a method
// returns equals what a later read gives back.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// retryConflicts runs fn again while it loses an optimistic race.
func retryConflicts(ctx context.Context, fn func() error) error {
	return store.Retry(ctx, fn, store.ErrConflict)
}

// collect reads every page of a query, up to limit documents.
func collect[T any, P interface {
	*T
	store.Document
}](ctx context.Context, c *store.Collection[T, P], q store.Query, limit int) ([]T, error) {
	var out []T
	for {
		page, err := c.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" || len(out) >= limit {
			return out, nil
		}
		q.After = page.Next
	}
}
