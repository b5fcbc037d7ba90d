package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// Options configure a Service; zero values take the defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Service holds the kiosk use cases. Nothing here is cached: a revoked
// device or an ended session is refused by the next request on every
// replica. Kiosk traffic is a few terminals per library, so one indexed read
// per request costs less than the reasoning a cache would need.
type Service struct {
	db         *store.DB
	enrolments *store.Collection[enrolment, *enrolment]
	devices    *store.Collection[deviceRecord, *deviceRecord]
	sessions   *store.Collection[sessionRecord, *sessionRecord]
	events     *store.Collection[Event, *Event]
	handOffs   *store.Collection[handOff, *handOff]
	letters    *store.Collection[letter, *letter]
	clock      func() time.Time
	log        *slog.Logger
}

// Field names the service filters on.
const (
	fExpiresAt    = "expires_at"
	fTokenHash    = "token_hash"
	fLive         = "live"
	fLiveDevice   = "live_device"
	fLastActivity = "last_activity"
	fPurgeAt      = "purge_at"
	fSessionID    = "session_id"
	fKind         = "kind"
	fLocation     = "location"
	fService      = "service"
	fChannel      = "channel"
	fAt           = "at"
	fResident     = "resident"
)

// EventRetention is how long the event log is kept: long enough for a
// year-on-year look at assisted-digital demand.
const EventRetention = 2 * 366 * 24 * time.Hour

var (
	enrolmentSpec = store.CollectionSpec{Name: "kiosk_enrolments", Indexes: []store.IndexSpec{
		{Name: "kiosk_enrolments_expiry", Fields: []string{fExpiresAt}, TTL: true},
	}}
	deviceSpec = store.CollectionSpec{Name: "kiosk_devices", Indexes: []store.IndexSpec{
		{Name: "kiosk_devices_token", Fields: []string{fTokenHash}, Unique: true},
	}}
	sessionSpec = store.CollectionSpec{Name: "kiosk_sessions", Indexes: []store.IndexSpec{
		// One live session per terminal: live_device is set only while live.
		{Name: "kiosk_sessions_live_device", Fields: []string{fLiveDevice}, Unique: true},
		{Name: "kiosk_sessions_idle", Fields: []string{fLive, fLastActivity}},
		{Name: "kiosk_sessions_purge", Fields: []string{fPurgeAt}, TTL: true},
	}}
	eventSpec = store.CollectionSpec{Name: "kiosk_events", Indexes: []store.IndexSpec{
		{Name: "kiosk_events_session", Fields: []string{fSessionID, fAt}},
		{Name: "kiosk_events_demand", Fields: []string{fLocation, fService, fChannel, fAt}},
		{Name: "kiosk_events_kind", Fields: []string{fKind, fAt}},
		{Name: "kiosk_events_retention", Fields: []string{fAt}, TTL: true, ExpireAfter: EventRetention},
	}}
	handOffSpec = store.CollectionSpec{Name: "kiosk_handoffs", Indexes: []store.IndexSpec{
		{Name: "kiosk_handoffs_expiry", Fields: []string{fExpiresAt}, TTL: true},
	}}
	letterSpec = store.CollectionSpec{Name: "kiosk_letters", Indexes: []store.IndexSpec{
		{Name: "kiosk_letters_resident", Fields: []string{fResident}, Unique: true},
		{Name: "kiosk_letters_expiry", Fields: []string{fExpiresAt}, TTL: true},
	}}
)

// New opens the service's collections.
func New(ctx context.Context, db *store.DB, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, clock: opts.Now, log: opts.Logger.With("component", "kiosk")}
	var err error
	if s.enrolments, err = store.Open[enrolment](ctx, db, enrolmentSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	if s.devices, err = store.Open[deviceRecord](ctx, db, deviceSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	if s.sessions, err = store.Open[sessionRecord](ctx, db, sessionSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	if s.events, err = store.Open[Event](ctx, db, eventSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	if s.handOffs, err = store.Open[handOff](ctx, db, handOffSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	if s.letters, err = store.Open[letter](ctx, db, letterSpec); err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	return s, nil
}

// now is the injected clock at the store's precision, so what a method
// returns equals what a later read gives back.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// tx runs fn in one transaction, again while it loses an optimistic race.
func (s *Service) tx(ctx context.Context, fn func(ctx context.Context) error) error {
	return store.Retry(ctx, func() error { return s.db.Tx(ctx, fn) }, store.ErrConflict, store.ErrDuplicate)
}

// Staff is the member of staff making a request, as their token says.
type Staff struct {
	ID    string
	Roles []auth.Role
}

// StaffOf is the caller a verified access token speaks for. A token in
// which staff act for a resident (assisted) speaks for the resident, so it
// is no member of staff here.
func StaffOf(s auth.Subject) Staff { return Staff{ID: s.ID, Roles: s.Roles} }

func (st Staff) has(roles ...auth.Role) bool {
	return st.ID != "" && slices.ContainsFunc(roles, func(r auth.Role) bool { return slices.Contains(st.Roles, r) })
}

// isStaff: any council role that works with residents.
func (st Staff) isStaff() bool { return st.has(auth.RoleStaff, auth.RoleSupervisor, auth.RoleAdmin) }

// FieldError and ValidationError are the shape every domain package
// reports bad input in (api/internal/fields, which Go does not let a
// package outside api import; auth re-exports the very same types), so the
// HTTP layer maps them with its one rule.
type (
	FieldError      = auth.FieldError
	ValidationError = auth.ValidationError
)

// checker gathers field errors, so that one answer lists everything wrong.
type checker struct{ fields []FieldError }

func (c *checker) Add(ptr, id string) { c.fields = append(c.fields, FieldError{Pointer: ptr, ID: id}) }

func (c *checker) AddData(ptr, id string, data map[string]any) {
	c.fields = append(c.fields, FieldError{Pointer: ptr, ID: id, Data: data})
}

func (c *checker) AddCount(ptr, id string, n int) { c.AddData(ptr, id, map[string]any{"Count": n}) }

// Err is a *ValidationError of everything recorded, or nil.
func (c *checker) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: c.fields}
}

// ErrNotFound and ErrConflict are the store's own sentinels, which the HTTP
// layer's error table already maps (404, 409).
var (
	ErrNotFound = store.ErrNotFound
	ErrConflict = store.ErrConflict
)

// Errors of this package's own, with the status the HTTP layer gives them.
var (
	// ErrForbidden: the member of staff lacks the role for this (403).
	ErrForbidden = errors.New("kiosk: not allowed")
	// ErrDeviceInvalid: a device credential that is malformed, unknown or
	// revoked (401, WWW-Authenticate: Device).
	ErrDeviceInvalid = errors.New("kiosk: device credential invalid")
	// ErrSessionEnded: the kiosk session has ended (finished, idle, ended by
	// staff, handed off, replaced) (409; the terminal returns to its start).
	ErrSessionEnded = errors.New("kiosk: session ended")
	// ErrHandOffInvalid: a hand-off link that is unknown, used, expired or
	// whose kiosk session has ended (410: "this link has expired").
	ErrHandOffInvalid = errors.New("kiosk: hand-off link invalid")
	// ErrAlreadyJoined: another member of staff has joined the session or is
	// waiting for the resident's answer (409).
	ErrAlreadyJoined = errors.New("kiosk: another member of staff has joined")
	// ErrNoPendingJoin: no member of staff is waiting to join (409).
	ErrNoPendingJoin = errors.New("kiosk: no join to answer")
	// ErrNotJoined: consent is given to a member of staff who has joined (409).
	ErrNotJoined = errors.New("kiosk: no member of staff has joined")
	// ErrSignedIn: someone else has already signed in to this session (409).
	ErrSignedIn = errors.New("kiosk: someone has already signed in")
	// ErrWrongProfile: staff-guided sessions run on assisted terminals (409).
	ErrWrongProfile = errors.New("kiosk: not an assisted terminal")
)

// Message ids (go-i18n) of field errors. The first five exist in locales;
// the Kiosk ones are new, with their English text beside them.
const (
	MsgRequired     = "FieldRequired"
	MsgTooLong      = "FieldTooLong"
	MsgInvalidValue = "FieldInvalidValue"
	MsgTextInvalid  = "TextInvalidCharacters"
	MsgNotAllowed   = "ValueNotAllowed"

	// Choose an idle time from {{.Min}} to {{.Max}} seconds.
	MsgIdleTimeout = "KioskIdleTimeoutRange"
	// This code is wrong or has expired. Ask a member of staff for a new one.
	MsgCodeInvalid = "KioskCodeInvalid"
	// This letter code is wrong, has been used or has expired.
	MsgLetterCodeInvalid = "KioskLetterCodeInvalid"
	// This is not a page of this service.
	MsgPathInvalid = "KioskPathInvalid"
	// The end of the period must be after its start.
	MsgRangeInvalid = "KioskDateRangeInvalid"
)

func invalid(ptr, id string) error {
	return &ValidationError{Fields: []FieldError{{Pointer: ptr, ID: id}}}
}
