package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
	"frontdoor/locales"
)

var ctx = context.Background()

// localize renders with the real message files, as the server does.
var localize = sync.OnceValue(func() func(lang, id string, data map[string]any) string {
	b, err := locales.Bundle()
	if err != nil {
		panic(err)
	}
	return func(lang, id string, data map[string]any) string { return locales.Localize(b, lang, id, data) }
})

// fastOutbox retries quickly so failure tests run in milliseconds.
var fastOutbox = outbox.Options{
	Workers: 8, Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond,
	MaxBackoff: 100 * time.Millisecond, Lease: 5 * time.Second, MaxAttempts: 5,
}

func openDB(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	e, err := sqlite.Open(ctx, sqlite.Options{
		Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs"), SweepInterval: 50 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	return db
}

// env is a Service on a real SQLite store with a running outbox, a
// recording pusher and recording email and SMS senders.
type env struct {
	db    *store.DB
	ob    *outbox.Outbox
	svc   *Service
	push  *recPusher
	sent  *recSender
	users *testUsers
	logs  *syncBuffer
	stop  context.CancelFunc // a hard stop of the outbox
}

type envConfig struct {
	outbox outbox.Options
	edit   func(*Options)
	dir    string // reuse a store (a restart); a new one when empty
	users  *testUsers
	push   *recPusher
	sent   *recSender
	// noStart leaves the outbox stopped, so jobs wait to be looked at.
	noStart bool
	// afterPage is the Service's test hook, set before the outbox starts.
	afterPage func(ctx context.Context, a *alertRecord)
}

func newEnv(tb testing.TB, cfg envConfig) *env {
	tb.Helper()
	if cfg.dir == "" {
		cfg.dir = tb.TempDir()
	}
	if cfg.outbox.Workers == 0 {
		cfg.outbox = fastOutbox
	}
	e := &env{db: openDB(tb, cfg.dir), users: cfg.users, push: cfg.push, sent: cfg.sent, logs: &syncBuffer{}}
	if e.users == nil {
		e.users = &testUsers{m: map[string]*auth.User{}}
	}
	if e.sent == nil {
		e.sent = &recSender{}
	}
	ob, err := outbox.New(ctx, e.db, cfg.outbox)
	if err != nil {
		tb.Fatalf("outbox.New: %v", err)
	}
	if e.push == nil {
		if e.push, err = newRecPusher(e.db); err != nil {
			tb.Fatal(err)
		}
	}
	opts := Options{Push: e.push, Email: e.sent, SMS: e.sent, Users: AccountUsers{Users: e.users}, Localize: localize(),
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if cfg.edit != nil {
		cfg.edit(&opts)
	}
	if e.svc, err = New(ctx, e.db, ob, opts); err != nil {
		tb.Fatalf("notify.New: %v", err)
	}
	e.ob = ob
	e.svc.afterPage = cfg.afterPage
	runCtx, cancel := context.WithCancel(ctx)
	e.stop = cancel
	if !cfg.noStart {
		ob.Start(runCtx)
	}
	tb.Cleanup(func() {
		c, done := context.WithTimeout(ctx, 5*time.Second)
		defer done()
		ob.Stop(c)
		cancel()
	})
	return e
}

// idle waits until the outbox has nothing pending or running.
func (e *env) idle(tb testing.TB) {
	tb.Helper()
	waitFor(tb, 60*time.Second, "outbox idle", func() bool {
		d, err := e.ob.Depth(ctx)
		return err == nil && d[string(outbox.StatePending)] == 0 && d[string(outbox.StateRunning)] == 0
	})
}

func waitFor(tb testing.TB, timeout time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testUsers stands in for auth.Service's GetUser.
type testUsers struct {
	mu sync.Mutex
	m  map[string]*auth.User
}

func (u *testUsers) GetUser(_ context.Context, id string) (*auth.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if x, ok := u.m[id]; ok {
		c := *x
		return &c, nil
	}
	return nil, store.ErrNotFound
}

func (u *testUsers) add(id string, x auth.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	x.ID = id
	u.m[id] = &x
}

// sentMessage is one email or SMS a sender was given.
type sentMessage struct {
	Channel           Channel
	To, Subject, Body string
}

// recSender records what it is asked to send; fail, when set, decides the
// answer to each message.
type recSender struct {
	mu   sync.Mutex
	msgs []sentMessage
	fail func(m sentMessage) error
}

func (r *recSender) record(m sentMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recSender) SendEmail(_ context.Context, to, subject, body string) error {
	return r.record(sentMessage{ChannelEmail, to, subject, body})
}

func (r *recSender) SendSMS(_ context.Context, to, body string) error {
	return r.record(sentMessage{ChannelSMS, to, "", body})
}

func (r *recSender) to(addr string) []sentMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sentMessage
	for _, m := range r.msgs {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

func (r *recSender) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// pushRecord is one push message queued for one device, written in the
// caller's transaction as the real push package does, so a rolled-back
// transaction leaves none behind.
type pushRecord struct {
	store.Meta
	Resident string      `json:"resident"`
	Device   int         `json:"device"`
	Msg      PushMessage `json:"msg"`
}

// recPusher is a Pusher with a number of working devices per resident.
type recPusher struct {
	mu      sync.Mutex
	devices map[string]int
	queue   *store.Collection[pushRecord, *pushRecord]
}

func newRecPusher(db *store.DB) (*recPusher, error) {
	q, err := store.Open[pushRecord](ctx, db, store.CollectionSpec{Name: "test_push_queue", Indexes: []store.IndexSpec{
		{Name: "test_push_resident", Fields: []string{"resident"}},
	}})
	return &recPusher{devices: map[string]int{}, queue: q}, err
}

func (p *recPusher) setDevices(resident string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.devices[resident] = n
}

func (p *recPusher) Working(_ context.Context, resident string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.devices[resident], nil
}

func (p *recPusher) SendToResident(ctx context.Context, resident string, m PushMessage) (int, error) {
	n, _ := p.Working(ctx, resident)
	for d := range n {
		if err := p.queue.Insert(ctx, &pushRecord{Resident: resident, Device: d, Msg: m}); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// pushes lists the messages queued for a resident, one per device.
func (p *recPusher) pushes(tb testing.TB, resident string) []PushMessage {
	tb.Helper()
	page, err := p.queue.Find(ctx, store.Query{Where: []store.Cond{store.Eq("resident", resident)}, Limit: store.MaxLimit})
	if err != nil {
		tb.Fatal(err)
	}
	var out []PushMessage
	for _, r := range page.Items {
		out = append(out, r.Msg)
	}
	return out
}

// all counts every queued push by resident.
func (p *recPusher) all(tb testing.TB) map[string]int {
	tb.Helper()
	out := map[string]int{}
	q := store.Query{Limit: store.MaxLimit}
	for {
		page, err := p.queue.Find(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range page.Items {
			out[r.Resident]++
		}
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustNotify(tb testing.TB, s *Service, ev Event) {
	tb.Helper()
	if err := s.Notify(ctx, ev); err != nil {
		tb.Fatalf("Notify %s: %v", ev.Key, err)
	}
}

func mustSetPrefs(tb testing.TB, s *Service, resident string, p Preferences) Preferences {
	tb.Helper()
	got, err := s.SetPreferences(ctx, resident, p)
	if err != nil {
		tb.Fatalf("SetPreferences: %v", err)
	}
	return got
}

// topics builds preferences that choose channels for the topics named and
// nothing for the others.
func topics(areas []string, kv ...any) Preferences {
	p := Preferences{Topics: map[Topic][]Channel{}, Areas: areas}
	for _, t := range Topics {
		p.Topics[t] = []Channel{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Topics[kv[i].(Topic)] = kv[i+1].([]Channel)
	}
	return p
}

func caseEvent(key, resident string) Event {
	return Event{Key: key, Kind: KindCaseUpdate, To: Recipient{Resident: resident},
		Data: map[string]any{"Reference": "K7M-Q2X-9PT", "Service": "Missed bin collection", "Update": "Our crew will come back tomorrow."},
		URL:  "https://frontdoor.example.gov.uk/track?ref=K7M-Q2X-9PT"}
}

var errTest = errors.New("test failure")
