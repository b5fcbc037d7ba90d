package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

// guardTestDBAt opens an engine on the store in dir, as one server replica would.
func guardTestDBAt(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	e, err := sqlite.Open(context.Background(), sqlite.Options{
		Path:          filepath.Join(dir, "f.db"),
		BlobDir:       filepath.Join(dir, "blobs"),
		SweepInterval: 50 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	return db
}

// guardTestClock is a clock the test moves by hand.
type guardTestClock struct {
	mu sync.Mutex
	t  time.Time
}

func newGuardTestClock(t time.Time) *guardTestClock {
	return &guardTestClock{t: t.UTC().Truncate(time.Millisecond)}
}

func (c *guardTestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *guardTestClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var guardTestSecret = []byte("a test secret of at least 32 bytes, never used for real")

// guardTest builds a Guard on a fresh store with a hand-moved clock that
// starts now (so the store's TTL sweeper, which runs on real time, leaves
// the test's documents alone).
func guardTest(tb testing.TB, opts GuardOptions) (*Guard, *guardTestClock) {
	tb.Helper()
	clock := newGuardTestClock(time.Now())
	opts.Secret, opts.Now = guardTestSecret, clock.Now
	g, err := NewGuard(context.Background(), guardTestDBAt(tb, tb.TempDir()), opts)
	if err != nil {
		tb.Fatalf("NewGuard: %v", err)
	}
	return g, clock
}

func guardMustFail(tb testing.TB, g *Guard, account, ip string) {
	tb.Helper()
	if err := g.ThrottleFail(context.Background(), account, ip); err != nil {
		tb.Fatalf("ThrottleFail: %v", err)
	}
}

// guardWait is ThrottleCheck's answer; it fails the test when the answer and
// the error disagree.
func guardWait(tb testing.TB, g *Guard, account, ip string) time.Duration {
	tb.Helper()
	wait, err := g.ThrottleCheck(context.Background(), account, ip)
	var te *ThrottleError
	switch {
	case wait == 0 && err == nil:
		return 0
	case wait > 0 && errors.As(err, &te) && te.RetryAfter == wait && te.ID == ThrottleSignIn:
		if want := int64((wait + time.Second - 1) / time.Second); te.Data["Count"] != want {
			tb.Fatalf("ThrottleError Count = %v, want %d seconds", te.Data["Count"], want)
		}
		return wait
	}
	tb.Fatalf("ThrottleCheck = %v, %v", wait, err)
	return 0
}

func TestThrottleAccountWindow(t *testing.T) {
	g, clock := guardTest(t, GuardOptions{})
	const acct, ip = "alice@example.org", "203.0.113.7"
	for i := range 10 { // one failure every 10 s, from t0 to t0+90s
		if w := guardWait(t, g, acct, ip); w != 0 {
			t.Fatalf("blocked after %d failures, want 10 allowed", i)
		}
		guardMustFail(t, g, acct, ip)
		clock.Advance(10 * time.Second)
	}
	// now t0+100s: the oldest failure (t0) leaves the window at t0+5m
	if w := guardWait(t, g, acct, ip); w != 200*time.Second {
		t.Fatalf("after 10 failures: wait %v, want 200s", w)
	}
	if w := guardWait(t, g, "ALICE@example.org ", "198.51.100.1"); w != 200*time.Second {
		t.Fatalf("same account typed differently from elsewhere: wait %v, want 200s", w)
	}
	if w := guardWait(t, g, "bob@example.org", ip); w != 0 {
		t.Fatalf("another account from the same address: wait %v, want none (IP limit is 100)", w)
	}
	clock.Advance(200 * time.Second) // t0+5m: the first failure is out
	if w := guardWait(t, g, acct, ip); w != 0 {
		t.Fatalf("at the end of the window: wait %v, want none", w)
	}
	guardMustFail(t, g, acct, ip) // ten again; the oldest now is t0+10s
	if w := guardWait(t, g, acct, ip); w != 10*time.Second {
		t.Fatalf("one more failure: wait %v, want 10s", w)
	}
}

func TestThrottleUnknownAccountLikeKnown(t *testing.T) {
	// The Guard knows nothing of accounts: whatever key was typed is counted,
	// so an address that has no account gets the same answers as one that has.
	g, _ := guardTest(t, GuardOptions{})
	for range 10 {
		guardMustFail(t, g, "nobody-here@example.org", "203.0.113.7")
	}
	if w := guardWait(t, g, "nobody-here@example.org", "203.0.113.8"); w != 5*time.Minute {
		t.Fatalf("unknown account after 10 failures: wait %v, want 5m", w)
	}
}

func TestThrottleIPLimit(t *testing.T) {
	g, clock := guardTest(t, GuardOptions{})
	if g.opts.ThrottleAccountLimit != 10 || g.opts.ThrottleIPLimit != 100 || g.opts.ThrottleWindow != 5*time.Minute {
		t.Fatalf("defaults %+v, want 10 per account and 100 per IP in 5 minutes", g.opts)
	}
	for i := range 100 { // password spraying: one try at each of many accounts
		guardMustFail(t, g, fmt.Sprintf("resident%d@example.org", i), "203.0.113.7")
		if i == 0 {
			clock.Advance(time.Minute)
		}
	}
	if w := guardWait(t, g, "fresh@example.org", "203.0.113.7"); w != 4*time.Minute {
		t.Fatalf("101st attempt from the address: wait %v, want 4m", w)
	}
	if w := guardWait(t, g, "fresh@example.org", "203.0.113.8"); w != 0 {
		t.Fatalf("the same account from another address: wait %v, want none", w)
	}
}

func TestThrottleIPv6CountsBySlash64(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{ThrottleIPLimit: 3})
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:DB8:1:2:aaaa::9"} {
		guardMustFail(t, g, fmt.Sprintf("r%d@example.org", i), ip)
	}
	if w := guardWait(t, g, "new@example.org", "2001:db8:1:2:3:4:5:6"); w == 0 {
		t.Fatal("three failures from one /64 do not block a fourth address in it")
	}
	if w := guardWait(t, g, "new@example.org", "2001:db8:1:3::1"); w != 0 {
		t.Fatalf("the next /64 is blocked too: wait %v", w)
	}
	guardMustFail(t, g, "a@example.org", "::ffff:192.0.2.1")
	guardMustFail(t, g, "b@example.org", "192.0.2.1")
	guardMustFail(t, g, "c@example.org", " 192.0.2.1")
	if w := guardWait(t, g, "d@example.org", "192.0.2.1"); w == 0 {
		t.Fatal("an IPv4 address written three ways is counted as three addresses")
	}
}

func TestThrottleResetAfterSuccess(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{ThrottleIPLimit: 12})
	for range 10 {
		guardMustFail(t, g, "alice@example.org", "203.0.113.7")
	}
	if guardWait(t, g, "alice@example.org", "198.51.100.1") == 0 {
		t.Fatal("not blocked after 10 failures")
	}
	if err := g.ThrottleReset(context.Background(), "Alice@Example.org"); err != nil {
		t.Fatal(err)
	}
	if w := guardWait(t, g, "alice@example.org", "198.51.100.1"); w != 0 {
		t.Fatalf("after a successful sign-in: wait %v, want none", w)
	}
	// The address keeps its ten: two more from it reach its limit of twelve.
	guardMustFail(t, g, "bob@example.org", "203.0.113.7")
	guardMustFail(t, g, "carol@example.org", "203.0.113.7")
	if guardWait(t, g, "dave@example.org", "203.0.113.7") == 0 {
		t.Fatal("the reset cleared the address's count too")
	}
}

func TestThrottleStoresNoPersonalData(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	guardMustFail(t, g, "alice@example.org", "203.0.113.7")
	page, err := g.failures.coll.Find(context.Background(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 {
		t.Fatalf("%d failure records, want 2 (account, address)", len(page.Items))
	}
	for _, ev := range page.Items {
		b, _ := json.Marshal(ev)
		if s := string(b); strings.Contains(s, "alice") || strings.Contains(s, "203.0.113") || len(ev.Key) != 64 {
			t.Fatalf("stored %s: want only a keyed hash", s)
		}
	}
}

func TestThrottleSharedAcrossReplicas(t *testing.T) {
	dir := t.TempDir()
	clock := newGuardTestClock(time.Now())
	open := func() *Guard {
		g, err := NewGuard(context.Background(), guardTestDBAt(t, dir), GuardOptions{Secret: guardTestSecret, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	a, b := open(), open()
	for i := range 10 {
		g := a
		if i%2 == 1 {
			g = b
		}
		guardMustFail(t, g, "alice@example.org", "203.0.113.7")
	}
	if guardWait(t, a, "alice@example.org", "") == 0 || guardWait(t, b, "alice@example.org", "") == 0 {
		t.Fatal("10 failures split over two replicas do not block on both")
	}
}

func TestThrottleFailuresExpire(t *testing.T) {
	// Failures stamped long ago are swept by the store's TTL, not kept forever.
	g, _ := guardTest(t, GuardOptions{})
	g.opts.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	guardMustFail(t, g, "alice@example.org", "203.0.113.7")
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := g.failures.coll.Count(context.Background(), store.Exists("expires"))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d expired failure records still stored after 10s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewGuardRefusesBadOptions(t *testing.T) {
	db := guardTestDBAt(t, t.TempDir())
	for name, o := range map[string]GuardOptions{
		"no secret":       {},
		"short secret":    {Secret: []byte("too short")},
		"negative limit":  {Secret: guardTestSecret, ThrottleAccountLimit: -1},
		"limit over 1000": {Secret: guardTestSecret, ThrottleIPLimit: 5000},
		"tiny window":     {Secret: guardTestSecret, ThrottleWindow: time.Millisecond},
	} {
		if _, err := NewGuard(context.Background(), db, o); err == nil {
			t.Errorf("%s: NewGuard accepted %+v", name, o)
		}
	}
}
