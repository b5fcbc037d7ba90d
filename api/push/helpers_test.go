package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/push/pushtest"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

const testSubject = "mailto:digital@council.example"

var ctx = context.Background()

// env is a push service on a real SQLite store with a running outbox,
// sending to a local push service over TLS.
type env struct {
	db   *store.DB
	ob   *outbox.Outbox
	svc  *Service
	ps   *pushtest.Server
	seen *outcomes
	// skew moves the push package's clock (not the outbox's) forward.
	skew atomic.Int64
	// undeliverable receives every OnUndeliverable call.
	undeliverable chan undelivered
}

type undelivered struct {
	sub *Subscription
	msg Message
}

// outcomes counts what Observe is told.
type outcomes struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *outcomes) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[s]++
}

func (o *outcomes) get(s string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[s]
}

// fastOutbox retries quickly so failure tests run in milliseconds.
var fastOutbox = outbox.Options{
	Workers: 8, Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond,
	MaxBackoff: 100 * time.Millisecond, Lease: 10 * time.Second, MaxAttempts: 5,
}

func openDB(tb testing.TB) *store.DB {
	tb.Helper()
	dir := tb.TempDir()
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

// trusting is the default delivery client (guarded dialer, loopback
// allowed), trusting the local push service's certificate: pushtest's own
// client would bypass the guard these tests cover.
func trusting(ps *pushtest.Server) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(ps.Certificate())
	return newClient(clientConfig{loopback: true, perHost: 32, tls: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}})
}

// newEnv builds the service; edit adjusts its options before New.
func newEnv(tb testing.TB, obOpts outbox.Options, edit func(*env, *Options)) *env {
	tb.Helper()
	e := &env{db: openDB(tb), seen: &outcomes{n: map[string]int{}}, undeliverable: make(chan undelivered, 64)}
	e.ps = pushtest.NewServer(tb, testSubject, func() string { return e.svc.PublicKey() })
	ob, err := outbox.New(ctx, e.db, obOpts)
	if err != nil {
		tb.Fatalf("outbox.New: %v", err)
	}
	e.ob = ob
	opts := Options{
		Subject:           testSubject,
		AllowedHosts:      []string{e.ps.Host()},
		AllowLoopbackHTTP: true,
		Client:            trusting(e.ps),
		Now:               func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) },
		Observe:           e.seen.add,
		OnUndeliverable: func(_ context.Context, sub *Subscription, msg Message) error {
			e.undeliverable <- undelivered{sub, msg}
			return nil
		},
	}
	if edit != nil {
		edit(e, &opts)
	}
	if e.svc, err = New(ctx, e.db, ob, opts); err != nil {
		tb.Fatalf("push.New: %v", err)
	}
	ob.Start(ctx)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ob.Stop(ctx)
		if p := e.ps.Problems(); len(p) > 0 {
			tb.Errorf("the push service saw bad requests: %v", p)
		}
	})
	return e
}

func newTestEnv(tb testing.TB) *env { return newEnv(tb, fastOutbox, nil) }

func mustSubscribe(tb testing.TB, e *env, resident, device string) *Subscription {
	tb.Helper()
	sub, err := e.svc.Subscribe(ctx, resident, "", input(e.ps.NewDevice(device)), "en")
	if err != nil {
		tb.Fatalf("subscribe %s: %v", device, err)
	}
	return sub
}

// input is the device's subscription as the api layer decodes it.
func input(d *pushtest.Device) SubscriptionInput { return SubscriptionInput(d.Subscription()) }

// next returns the next message the push service accepted, failing the
// test if none arrives within 15s.
func (e *env) next(tb testing.TB) pushtest.Delivery {
	tb.Helper()
	got, ok := e.ps.Next(15 * time.Second)
	if !ok {
		tb.Fatalf("no push arrived within 15s; problems: %v", e.ps.Problems())
	}
	return got
}

// none fails if a message arrives within d.
func (e *env) none(tb testing.TB, d time.Duration) {
	tb.Helper()
	if got, ok := e.ps.Next(d); ok {
		tb.Fatalf("unexpected push to %s: %s", got.Device, got.Plain)
	}
}

// waitUndeliverable returns the next OnUndeliverable call.
func (e *env) waitUndeliverable(tb testing.TB) undelivered {
	tb.Helper()
	select {
	case u := <-e.undeliverable:
		return u
	case <-time.After(5 * time.Second):
		tb.Fatal("OnUndeliverable was not called")
		return undelivered{}
	}
}

// waitDepth waits until n jobs are in state.
func (e *env) waitDepth(tb testing.TB, state outbox.State, n int64) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := e.ob.Depth(ctx)
		if err == nil && d[string(state)] == n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("want %d %s jobs; depth %v, %v", n, state, d, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deadJob waits for the only dead job.
func (e *env) deadJob(tb testing.TB) outbox.Job {
	tb.Helper()
	e.waitDepth(tb, outbox.StateDead, 1)
	page, err := e.ob.Dead(ctx, "")
	if err != nil || len(page.Items) != 1 {
		tb.Fatalf("dead jobs: %v %v", page.Items, err)
	}
	return page.Items[0]
}

func (e *env) gone(tb testing.TB, id string) bool {
	tb.Helper()
	_, err := e.svc.subs.Get(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		tb.Fatal(err)
	}
	return errors.Is(err, store.ErrNotFound)
}

func caseMsg(body string) Message {
	return Message{Title: "Case PL-2025-0042 updated", Body: body, URL: "/cases/PL-2025-0042", Tag: "case-PL-2025-0042", Kind: KindCase, Ref: "evt-1"}
}
