package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

// env is a service on a real SQLite store with a running outbox.
type env struct {
	db  *store.DB
	ob  *outbox.Outbox
	svc *Service
}

// fastOutbox retries quickly so failure tests run in milliseconds.
var fastOutbox = outbox.Options{
	Workers: 8, Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond,
	MaxBackoff: 200 * time.Millisecond, Lease: 10 * time.Second, MaxAttempts: 10,
}

func newEnv(tb testing.TB, obOpts outbox.Options, opts Options) *env {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	e, err := sqlite.Open(ctx, sqlite.Options{
		Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs"), SweepInterval: 50 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	ob, err := outbox.New(ctx, db, obOpts)
	if err != nil {
		tb.Fatalf("outbox.New: %v", err)
	}
	svc, err := New(ctx, db, ob, opts)
	if err != nil {
		tb.Fatalf("accounts.New: %v", err)
	}
	ob.Start(ctx)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ob.Stop(ctx)
	})
	return &env{db: db, ob: ob, svc: svc}
}

// newTestEnv is the usual test setup: loopback allowed, fast retries.
func newTestEnv(tb testing.TB) *env {
	return newEnv(tb, fastOutbox, Options{AllowLoopbackHTTP: true, DeliveryTimeout: 2 * time.Second})
}

var ctx = context.Background()

func homeAddress() Address {
	return Address{
		PostalAddress: PostalAddress{Line1: "1 Armada Way", Town: "Plymouth", Postcode: "pl1 2aa"},
		ValidFrom:     DateOf(time.Now().AddDate(-2, 0, 0)),
	}
}

func mustCustomer(tb testing.TB, e *env, residentID string) *Customer {
	tb.Helper()
	c, err := e.svc.CreateCustomer(ctx, residentID, Customer{
		Name:      Name{Given: "Ada", Family: "Lovelace"},
		Contacts:  Contacts{Emails: []Email{{Address: residentID + "@example.org"}}},
		Addresses: []Address{homeAddress()},
	})
	if err != nil {
		tb.Fatalf("create customer %s: %v", residentID, err)
	}
	return c
}

func mustConnector(tb testing.TB, e *env, key, url string, fields ...string) string {
	tb.Helper()
	_, secret, err := e.svc.CreateConnector(ctx, Connector{
		Key: key, Names: Names{EN: "Service " + key, CY: "Gwasanaeth " + key}, URL: url, Fields: fields,
	})
	if err != nil {
		tb.Fatalf("create connector %s: %v", key, err)
	}
	return secret
}

func mustLink(tb testing.TB, e *env, residentID, connector, ref string) *Link {
	tb.Helper()
	l, err := e.svc.LinkService(ctx, residentID, LinkRequest{Connector: connector, Reference: ref, Consent: true, ConsentVersion: "2025-01"})
	if err != nil {
		tb.Fatalf("link %s to %s: %v", connector, residentID, err)
	}
	return l
}

func moveRequest(date Date) ChangeRequest {
	return ChangeRequest{
		Kind: KindAddress, EffectiveDate: date, Channel: "web",
		Values: ChangeValues{Address: &PostalAddress{Line1: "2 Royal Parade", Town: "Plymouth", Postcode: "pl1 1dd", UPRN: "100040422100"}},
	}
}

func today() Date { return DateOf(time.Now()) }

func waitFor(tb testing.TB, timeout time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitService waits until the change's status at connector is want.
func waitService(tb testing.TB, e *env, residentID, changeID, connector, want string) *Change {
	tb.Helper()
	var ch *Change
	waitFor(tb, 15*time.Second, connector+" "+want, func() bool {
		var err error
		if ch, err = e.svc.GetChange(ctx, residentID, changeID); err != nil {
			tb.Fatalf("get change: %v", err)
		}
		return ch.Services[ch.service(connector)].Status == want
	})
	return ch
}

// delivery is one request a receiver got, its signature checked.
type delivery struct {
	Key  string
	Body struct {
		ChangeID      string                     `json:"change_id"`
		Kind          string                     `json:"kind"`
		EffectiveDate string                     `json:"effective_date"`
		Reference     string                     `json:"reference"`
		Values        map[string]json.RawMessage `json:"values"`
	}
	Raw []byte
	At  time.Time
}

// receiver is a connector's back office on a loopback port. It checks every
// request as a real receiver would (HMAC over "<t>.<body>", a fresh
// timestamp) and applies each Idempotency-Key at most once.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	got      []delivery
	problems []string
	applied  map[string]int // applications per key: the receiver's own dedup keeps it at 1
	repeats  int            // requests for a key already applied
	// answer picks the response to the nth request (1-based) and whether the
	// receiver applied it first; nil means 200, applied.
	answer func(n int, w http.ResponseWriter) (status int, apply bool)
}

func newReceiver(tb testing.TB) *receiver {
	r := &receiver{applied: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/tell-us-once" }

func (r *receiver) setSecret(s string) { r.mu.Lock(); r.secret = s; r.mu.Unlock() }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	var d delivery
	d.Key, d.At, d.Raw = req.Header.Get("Idempotency-Key"), time.Now(), raw
	if problem := checkDelivery(req, raw, r.secret); problem != "" {
		r.problems = append(r.problems, problem)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if err := json.Unmarshal(raw, &d.Body); err != nil {
		r.problems = append(r.problems, "body: "+err.Error())
	}
	r.got = append(r.got, d)
	status, apply := http.StatusOK, true
	if r.answer != nil {
		status, apply = r.answer(len(r.got), w)
	}
	if apply {
		if r.applied[d.Key] > 0 {
			r.repeats++ // seen before: acknowledge, change nothing
		} else {
			r.applied[d.Key]++
		}
	}
	w.WriteHeader(status)
}

// checkDelivery is what a connector must check; it returns "" when all is well.
func checkDelivery(req *http.Request, body []byte, secret string) string {
	switch {
	case req.Method != http.MethodPost:
		return "method " + req.Method
	case req.Header.Get("Content-Type") != "application/json":
		return "content type " + req.Header.Get("Content-Type")
	case req.Header.Get("Idempotency-Key") == "":
		return "no idempotency key"
	}
	var ts, sig string
	for _, part := range strings.Split(req.Header.Get("Frontdoor-Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "signature without a timestamp"
	}
	if d := time.Since(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "stale timestamp"
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want := m.Sum(nil)
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return "bad signature"
	}
	return ""
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *receiver) checkClean(tb testing.TB) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) > 0 {
		tb.Errorf("receiver saw bad requests: %v", r.problems)
	}
}

// fieldsOf returns the pointer -> id pairs of a validation error.
func fieldsOf(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("want a *ValidationError, got %v", err)
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Pointer] = f.ID
	}
	return out
}
