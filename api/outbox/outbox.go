// Package outbox holds durable jobs: anything that leaves the process later
// (push messages, email and SMS, deliveries to back-office connectors) is
// enqueued in the same store transaction as the change that caused it, then
// run by workers with a lease, retries with backoff, and a dead state that
// staff can see and retry.
//
// Delivery is at least once: a worker that dies mid-job leaves a lease that
// runs out, and another worker runs the job again. Receivers get the job's
// idempotency key so they can tell a repeat from a new thing.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"frontdoor/api/store"
)

// State is where a job is in its life.
type State string

const (
	StatePending State = "pending" // waiting until AvailableAt
	StateRunning State = "running" // claimed by a worker until AvailableAt (its lease)
	StateDone    State = "done"    // finished; removed after Options.KeepDone
	StateDead    State = "dead"    // gave up; kept for staff to see and retry
)

// States lists every state, in the order a job moves through them.
var States = []State{StatePending, StateRunning, StateDone, StateDead}

// Job is one unit of work as handlers and staff see it.
type Job struct {
	store.Meta
	Kind        string          `json:"kind"`
	Key         string          `json:"key"` // idempotency key: unique; receivers get it too
	Payload     json.RawMessage `json:"payload"`
	State       State           `json:"state"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	// AvailableAt is, when pending, the time it may run; when running, the
	// end of its lease; when dead, the time it died.
	AvailableAt time.Time `json:"available_at"`
	// LastError says why the last attempt failed. Handlers keep personal data
	// out of their errors, as they do out of logs.
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // set when done (TTL index)
}

// record is a Job as stored. The payload is kept as JSON text, so receivers
// get exactly the bytes that were enqueued whatever the engine (a nested
// document would lose nulls and big numbers, and MongoDB restricts key names).
// Its Payload shadows the embedded Job's, in encoding/json and the store alike.
type record struct {
	Job
	Payload string `json:"payload"`
}

func (r *record) job() Job {
	j := r.Job
	j.Payload = json.RawMessage(r.Payload)
	return j
}

// Handler runs one job. A nil error marks it done; Permanent sends it to the
// dead state at once; any other error (or a panic) retries it with backoff.
// ctx ends shortly before the job's lease: a handler that outlives the lease
// may see the job run again in another process.
type Handler func(ctx context.Context, job Job) error

// Options tune an Outbox; zero values take the defaults.
type Options struct {
	Workers     int           // jobs run at once by this process; default 4
	Lease       time.Duration // a claimed job runs again after this if its worker vanished; default 30s
	Poll        time.Duration // how often idle workers look for due jobs; default 1s
	MaxAttempts int           // attempts before a job is dead; default 10
	BaseBackoff time.Duration // first retry delay; default 1s
	MaxBackoff  time.Duration // longest retry delay; default 1h
	KeepDone    time.Duration // how long done jobs stay, so a repeated key is still a no-op; default 7 days
	Now         func() time.Time
	Logger      *slog.Logger
}

// Limits on what may be enqueued.
const (
	MaxPayload     = 64 << 10 // bytes of JSON
	MaxKeyLen      = 200      // bytes
	maxAttemptsCap = 1000
	maxLastError   = 1000
)

// Errors Enqueue and Retry return.
var (
	ErrInvalid  = errors.New("outbox: invalid job")
	ErrKeyInUse = errors.New("outbox: idempotency key already used by another kind of job")
	ErrNotDead  = errors.New("outbox: job is not dead")
)

const collectionName = "outbox"

// Fields the outbox filters on.
const (
	fieldKey         = "key"
	fieldState       = "state"
	fieldAvailableAt = "available_at"
	fieldExpiresAt   = "expires_at"
)

var spec = store.CollectionSpec{
	Name: collectionName,
	Indexes: []store.IndexSpec{
		{Name: "outbox_key", Fields: []string{fieldKey}, Unique: true},
		// Serves claiming (state in pending, running; due first), the dead
		// list and the counts by state.
		{Name: "outbox_state_available", Fields: []string{fieldState, fieldAvailableAt}},
		{Name: "outbox_expires", Fields: []string{fieldExpiresAt}, TTL: true},
	},
}

// Outbox enqueues jobs and runs them.
type Outbox struct {
	jobs *store.Collection[record, *record]
	opts Options
	log  *slog.Logger

	mu       sync.RWMutex
	handlers map[string]Handler
	inHand   map[string]struct{} // ids of the jobs whose handlers run here

	wake     chan struct{} // a job was enqueued or retried here: look now
	slots    chan struct{} // one token per running handler
	stopping chan struct{}
	stopOnce sync.Once
	running  sync.WaitGroup

	life     sync.Mutex // guards the fields below, set by Start
	started  bool
	loopDone chan struct{}
	base     context.Context // handlers' parent: cancelled by a hard stop
	cancel   context.CancelFunc
}

// New opens the outbox's collection, creating its indexes when needed.
func New(ctx context.Context, db *store.DB, opts Options) (*Outbox, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	jobs, err := store.Open[record](ctx, db, spec)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &Outbox{
		jobs:     jobs,
		opts:     opts,
		log:      opts.Logger.With("component", "outbox"),
		handlers: map[string]Handler{},
		inHand:   map[string]struct{}{},
		wake:     make(chan struct{}, 1),
		slots:    make(chan struct{}, opts.Workers),
		stopping: make(chan struct{}),
	}, nil
}

func withDefaults(o Options) (Options, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 10
	}
	def(&o.Lease, 30*time.Second)
	def(&o.Poll, time.Second)
	def(&o.BaseBackoff, time.Second)
	def(&o.MaxBackoff, time.Hour)
	def(&o.KeepDone, 7*24*time.Hour)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Workers < 0 || o.Workers > 1024:
		return o, fmt.Errorf("outbox: Workers %d: want 1 to 1024", o.Workers)
	case o.MaxAttempts < 0 || o.MaxAttempts > maxAttemptsCap:
		return o, fmt.Errorf("outbox: MaxAttempts %d: want 1 to %d", o.MaxAttempts, maxAttemptsCap)
	case o.Lease < time.Millisecond || o.Poll < time.Millisecond:
		return o, errors.New("outbox: Lease and Poll must be at least 1ms")
	case o.BaseBackoff < 0 || o.MaxBackoff < o.BaseBackoff:
		return o, errors.New("outbox: want 0 <= BaseBackoff <= MaxBackoff")
	case o.KeepDone < 0:
		return o, errors.New("outbox: KeepDone must not be negative")
	}
	return o, nil
}

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

func validKind(kind string) error {
	if !kindPattern.MatchString(kind) {
		return fmt.Errorf("%w: kind %q: want 1 to 64 of a-z 0-9 _ . - starting with a letter", ErrInvalid, kind)
	}
	return nil
}

// validKey allows any printable text; the key is not echoed because it may
// be built from data the caller holds.
func validKey(key string) error {
	if key == "" || len(key) > MaxKeyLen || !utf8.ValidString(key) {
		return fmt.Errorf("%w: key: want 1 to %d bytes of UTF-8", ErrInvalid, MaxKeyLen)
	}
	for _, r := range key {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: key: control or unprintable character", ErrInvalid)
		}
	}
	return nil
}

// Register sets the handler for a kind of job. Register every kind before
// Start; registering a kind twice, a bad kind or a nil handler panics, as
// these are programming errors.
func (o *Outbox) Register(kind string, h Handler) {
	if err := validKind(kind); err != nil {
		panic(err)
	}
	if h == nil {
		panic("outbox: nil handler for " + kind)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, dup := o.handlers[kind]; dup {
		panic("outbox: handler for " + kind + " registered twice")
	}
	o.handlers[kind] = h
}

func (o *Outbox) handler(kind string) (Handler, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	h, ok := o.handlers[kind]
	return h, ok
}

// EnqueueOption changes one job at Enqueue.
type EnqueueOption func(*record)

// WithDelay makes the job wait at least d before its first run.
func WithDelay(d time.Duration) EnqueueOption {
	return func(r *record) {
		if d > 0 {
			r.AvailableAt = r.AvailableAt.Add(d)
		}
	}
}

// WithMaxAttempts overrides Options.MaxAttempts for this job (1 to 1000).
func WithMaxAttempts(n int) EnqueueOption {
	return func(r *record) { r.MaxAttempts = n }
}

// Enqueue adds a job of kind with an idempotency key and a payload that
// encoding/json can marshal (pass json.RawMessage for ready JSON). Call it
// with the ctx of the caller's db.Tx so the job commits or rolls back with the
// change that caused it.
//
// A key already enqueued (pending, running, dead, or done within KeepDone)
// makes this a no-op;
// the same key for another kind is ErrKeyInUse. Two Enqueues of one key racing
// in separate transactions can still meet at the unique index: the loser gets
// an error wrapping store.ErrDuplicate, and its retry is the no-op.
func (o *Outbox) Enqueue(ctx context.Context, kind, key string, payload any, opts ...EnqueueOption) error {
	r, err := o.newRecord(kind, key, payload, opts)
	if err != nil {
		return err
	}
	// A failed insert would end a MongoDB transaction, so look first.
	old, err := o.jobs.FindOne(ctx, store.Eq(fieldKey, key))
	switch {
	case err == nil && old.Kind == kind:
		return nil
	case err == nil:
		return fmt.Errorf("%w (kind %s, existing job %s)", ErrKeyInUse, kind, old.ID)
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	if err := o.jobs.Insert(ctx, r); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	o.notify()
	return nil
}

func (o *Outbox) newRecord(kind, key string, payload any, opts []EnqueueOption) (*record, error) {
	if err := validKind(kind); err != nil {
		return nil, err
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload of %s: %w", ErrInvalid, kind, err)
	}
	if len(body) > MaxPayload {
		return nil, fmt.Errorf("%w: payload of %s is %d bytes, over %d", ErrInvalid, kind, len(body), MaxPayload)
	}
	now := o.now()
	r := &record{Payload: string(body)}
	r.Kind, r.Key, r.State = kind, key, StatePending
	r.MaxAttempts = o.opts.MaxAttempts
	r.AvailableAt, r.CreatedAt, r.UpdatedAt = now, now, now
	for _, opt := range opts {
		opt(r)
	}
	if r.MaxAttempts < 1 || r.MaxAttempts > maxAttemptsCap {
		return nil, fmt.Errorf("%w: max attempts %d: want 1 to %d", ErrInvalid, r.MaxAttempts, maxAttemptsCap)
	}
	return r, nil
}

// notify wakes this process's workers without ever blocking the caller.
func (o *Outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *Outbox) now() time.Time { return o.opts.Now().UTC() }
