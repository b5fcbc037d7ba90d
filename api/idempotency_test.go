package api

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/store"
)

// idemApp is a test-only app: the full middleware chain, a stand-in for the
// auth layer (X-Test-Caller becomes the caller) and routes behind the
// idempotency middleware on the real SQLite store.
type idemApp struct {
	env      *testEnv
	url      string
	runs     atomic.Int64  // how many times a handler ran
	slow     atomic.Int64  // how many requests entered /slow
	entered  chan struct{} // /slow: the first request has started
	release  chan struct{} // /slow: let the first request finish
	failures atomic.Int64  // /flaky, /crashy: how many calls still fail
}

func newIdemApp(t *testing.T) *idemApp {
	t.Helper()
	a := &idemApp{env: newTestEnv(t, Config{}), entered: make(chan struct{}, 8), release: make(chan struct{})}
	s := a.env.srv
	app := a.env.testApp(t, func(app *fiber.App) {
		auth := func(c *fiber.Ctx) error {
			if who := c.Get("X-Test-Caller"); who != "" {
				c.Locals(LocalsCaller, strings.Clone(who))
			}
			return c.Next()
		}
		create := func(c *fiber.Ctx) error {
			n := a.runs.Add(1)
			c.Location("/things/" + strconv.FormatInt(n, 10))
			return c.Status(201).JSON(fiber.Map{"n": n, "body": string(c.Body())})
		}
		app.Post("/things", auth, s.idempotent, create)
		app.Post("/other", auth, s.idempotent, create)
		app.Post("/slow", auth, s.idempotent, func(c *fiber.Ctx) error {
			if a.slow.Add(1) == 1 {
				a.entered <- struct{}{}
				<-a.release
			}
			return create(c)
		})
		app.Post("/flaky", auth, s.idempotent, func(c *fiber.Ctx) error {
			if a.failures.Add(-1) >= 0 {
				a.runs.Add(1)
				return context.DeadlineExceeded // a 500
			}
			return create(c)
		})
		app.Post("/crashy", auth, s.idempotent, func(c *fiber.Ctx) error {
			if a.failures.Add(-1) >= 0 {
				a.runs.Add(1)
				panic("handler crashed")
			}
			return create(c)
		})
		app.Post("/invalid", auth, s.idempotent, func(c *fiber.Ctx) error {
			a.runs.Add(1)
			var v echoRequest
			return decodeJSON(c, &v)
		})
	})
	a.url = serve(t, app)
	return a
}

func (a *idemApp) post(t *testing.T, path, key, caller, body string) *response {
	t.Helper()
	h := map[string]string{"Content-Type": jsonCT}
	if key != "" {
		h[HeaderIdempotencyKey] = key
	}
	if caller != "" {
		h["X-Test-Caller"] = caller
	}
	return do(t, "POST", a.url+path, h, body)
}

func TestIdempotencyReplay(t *testing.T) {
	a := newIdemApp(t)
	first := a.post(t, "/things", "key-1", "", `{"title":"pothole"}`)
	if first.status != 201 || first.header.Get(HeaderReplayed) != "" {
		t.Fatalf("first: %d %v", first.status, first.header)
	}
	for range 2 {
		again := a.post(t, "/things", "key-1", "", `{"title":"pothole"}`)
		if again.status != 201 || string(again.body) != string(first.body) ||
			again.header.Get("Location") != first.header.Get("Location") || again.header.Get("Content-Type") != first.header.Get("Content-Type") {
			t.Fatalf("replay differs: %d %s %v\nfirst: %s", again.status, again, again.header, first)
		}
		if again.header.Get(HeaderReplayed) != "true" {
			t.Errorf("replay not marked: %v", again.header)
		}
	}
	if n := a.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times for one key", n)
	}
	// Without a key every request is its own; a new key is a new request;
	// a quoted key (the draft's structured-field form) is the same key.
	a.post(t, "/things", "", "", `{"title":"pothole"}`)
	a.post(t, "/things", "", "", `{"title":"pothole"}`)
	a.post(t, "/things", "key-2", "", `{"title":"pothole"}`)
	if r := a.post(t, "/things", `"key-2"`, "", `{"title":"pothole"}`); r.header.Get(HeaderReplayed) != "true" {
		t.Errorf("quoted key not recognised: %v", r.header)
	}
	if n := a.runs.Load(); n != 4 {
		t.Fatalf("handler ran %d times, want 4", n)
	}
}

func TestIdempotencyRefusesADifferentRequest(t *testing.T) {
	a := newIdemApp(t)
	a.post(t, "/things", "key-1", "", `{"title":"pothole"}`)
	r := a.post(t, "/things", "key-1", "", `{"title":"graffiti"}`)
	mustProblem(t, r, 422, "idempotency-key-reused")
	r = a.post(t, "/other", "key-1", "", `{"title":"pothole"}`)
	mustProblem(t, r, 422, "idempotency-key-reused")
	if n := a.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestIdempotencyConflictWhileRunning(t *testing.T) {
	a := newIdemApp(t)
	var wg sync.WaitGroup
	var first *response
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = a.post(t, "/slow", "key-1", "", `{}`)
	}()
	select {
	case <-a.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the first request never reached the handler")
	}
	r := a.post(t, "/slow", "key-1", "", `{}`)
	p := mustProblem(t, r, 409, "idempotency-in-progress")
	if p.Title != "Request still in progress" {
		t.Errorf("title %q", p.Title)
	}
	close(a.release)
	wg.Wait()
	if first.status != 201 {
		t.Fatalf("first: %d %s", first.status, first)
	}
	if r := a.post(t, "/slow", "key-1", "", `{}`); r.status != 201 || r.header.Get(HeaderReplayed) != "true" {
		t.Errorf("after the first finished: %d %v", r.status, r.header)
	}
	if n := a.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

func TestIdempotencyCallersAreIndependent(t *testing.T) {
	a := newIdemApp(t)
	alice := a.post(t, "/things", "same-key", "alice", `{}`)
	bob := a.post(t, "/things", "same-key", "bob", `{}`)
	anonymous := a.post(t, "/things", "same-key", "", `{}`)
	if a.runs.Load() != 3 || alice.header.Get("Location") == bob.header.Get("Location") {
		t.Fatalf("callers shared a key: runs %d, %s %s", a.runs.Load(), alice.header.Get("Location"), bob.header.Get("Location"))
	}
	for who, first := range map[string]*response{"alice": alice, "bob": bob, "": anonymous} {
		r := a.post(t, "/things", "same-key", who, `{}`)
		if r.header.Get("Location") != first.header.Get("Location") || r.header.Get(HeaderReplayed) != "true" {
			t.Errorf("%q got someone else's response: %s", who, r.header.Get("Location"))
		}
	}
	if a.runs.Load() != 3 {
		t.Fatalf("runs %d", a.runs.Load())
	}
	// The caller is kept hashed: no account ids or IPs at rest.
	page, err := a.env.srv.idem.keys.Find(context.Background(), store.Query{})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("%d records, %v", len(page.Items), err)
	}
	for _, rec := range page.Items {
		if len(rec.Caller) != 64 || strings.Contains(rec.Caller, "alice") || strings.Contains(rec.Caller, "127.0.0.1") {
			t.Errorf("caller stored as %q", rec.Caller)
		}
	}
}

func TestIdempotencyDoesNotKeepServerErrors(t *testing.T) {
	for _, path := range []string{"/flaky", "/crashy"} {
		t.Run(path, func(t *testing.T) {
			a := newIdemApp(t)
			a.failures.Store(1)
			mustProblem(t, a.post(t, path, "key-1", "", `{}`), 500, "internal")
			r := a.post(t, path, "key-1", "", `{}`)
			if r.status != 201 || r.header.Get(HeaderReplayed) != "" {
				t.Fatalf("retry after a 500 was not run afresh: %d %v", r.status, r.header)
			}
			if r := a.post(t, path, "key-1", "", `{}`); r.status != 201 || r.header.Get(HeaderReplayed) != "true" {
				t.Fatalf("the success was not kept: %d %v", r.status, r.header)
			}
			if n := a.runs.Load(); n != 2 {
				t.Fatalf("handler ran %d times, want 2", n)
			}
		})
	}
}

func TestIdempotencyKeepsClientErrors(t *testing.T) {
	a := newIdemApp(t)
	first := a.post(t, "/invalid", "key-1", "", `{"age":"x"}`)
	mustProblem(t, first, 400, "invalid-body")
	// The replay is the first response as it was, its instance (the first
	// request's id) included.
	again := a.post(t, "/invalid", "key-1", "", `{"age":"x"}`)
	if again.status != 400 || again.header.Get("Content-Type") != "application/problem+json" ||
		again.header.Get(HeaderReplayed) != "true" || string(again.body) != string(first.body) || a.runs.Load() != 1 {
		t.Errorf("a 400 was not replayed as it was: %v %s", again.header, again)
	}
}

func TestIdempotencyTakesOverACrashedAttempt(t *testing.T) {
	a := newIdemApp(t)
	a.env.srv.idem.lease = 200 * time.Millisecond
	done := make(chan *response)
	go func() { done <- a.post(t, "/slow", "key-1", "", `{}`) }()
	<-a.entered // the first attempt hangs, as if its instance died
	mustProblem(t, a.post(t, "/slow", "key-1", "", `{}`), 409, "idempotency-in-progress")
	time.Sleep(300 * time.Millisecond)
	second := a.post(t, "/slow", "key-1", "", `{}`)
	if second.status != 201 || second.header.Get(HeaderReplayed) != "" {
		t.Fatalf("the lease ran out, yet the retry got %d %v", second.status, second.header)
	}
	close(a.release)
	<-done
	third := a.post(t, "/slow", "key-1", "", `{}`)
	if third.header.Get(HeaderReplayed) != "true" || third.header.Get("Location") != second.header.Get("Location") {
		t.Errorf("the replay is not the take-over's response: %s vs %s", third.header.Get("Location"), second.header.Get("Location"))
	}
	if !strings.Contains(a.env.logs.String(), "idempotency: response not kept") {
		t.Error("the late first attempt did not notice it had been taken over")
	}
}

func TestIdempotencyKeysExpire(t *testing.T) {
	a := newIdemApp(t)
	a.post(t, "/things", "key-1", "", `{"v":1}`)
	now := time.Now().Add(idempotencyTTL + time.Minute)
	a.env.srv.idem.now = func() time.Time { return now }
	r := a.post(t, "/things", "key-1", "", `{"v":2}`)
	if r.status != 201 || r.header.Get(HeaderReplayed) != "" || a.runs.Load() != 2 {
		t.Fatalf("an expired key still held: %d %v", r.status, r.header)
	}
}

func TestIdempotencyKeyFormat(t *testing.T) {
	a := newIdemApp(t)
	for _, bad := range []string{`""`, strings.Repeat("k", 256), "ключ", "a\tb"} {
		r := a.post(t, "/things", bad, "", `{}`)
		mustProblem(t, r, 400, "idempotency-key-invalid")
	}
	if r := a.post(t, "/things", strings.Repeat("k", 255), "", `{}`); r.status != 201 {
		t.Errorf("a 255-character key: %d %s", r.status, r)
	}
	if a.runs.Load() != 1 {
		t.Fatalf("handler ran %d times", a.runs.Load())
	}
}

func TestParseIdempotencyKey(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", `"abc"`: "abc", "a b": "a b", "~!@#": "~!@#", `"`: `"`} {
		if got, ok := parseIdempotencyKey([][]byte{[]byte(in)}); !ok || got != want {
			t.Errorf("%q: got %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", `""`, "a\x7fb", "a\x00b", "\xff", `"a"b"`, `"a\"`, strings.Repeat("x", 256)} {
		if got, ok := parseIdempotencyKey([][]byte{[]byte(in)}); ok {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
	if _, ok := parseIdempotencyKey([][]byte{[]byte("a"), []byte("b")}); ok {
		t.Error("two keys accepted")
	}
}
