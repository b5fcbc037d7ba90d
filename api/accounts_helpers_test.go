package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
	"frontdoor/locales"
)

// acctEnv is the whole server as cmd wires it: a real SQLite store, a
// running outbox, the accounts and auth services, and the Fiber app on a
// loopback port. Connectors are local receivers (development mode allows
// http://127.0.0.1).
type acctEnv struct {
	*testEnv
	url    string
	ob     *outbox.Outbox
	acct   *accounts.Service
	auth   *auth.Service
	tokens *auth.Tokens
	dev    *auth.DevOutbox
	guard  *auth.Guard
}

// acctOutbox retries quickly, so failures and recoveries take milliseconds.
var acctOutbox = outbox.Options{Workers: 8, Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond,
	MaxBackoff: 200 * time.Millisecond, Lease: 10 * time.Second, MaxAttempts: 5}

func newAcctEnv(tb testing.TB) *acctEnv { return newAcctEnvWith(tb, acctOutbox) }

// newAcctEnvWith builds the server; more adds deps (the catalogue and
// cases, say) before it starts.
func newAcctEnvWith(tb testing.TB, obOpts outbox.Options, more ...func(e *acctEnv, d *Deps)) *acctEnv {
	tb.Helper()
	ctx := context.Background()
	db, metrics, bundle := newTestParts(tb)
	var err error
	e := &acctEnv{testEnv: &testEnv{db: db, logs: &syncBuffer{}}, dev: auth.NewDevOutbox(0, nil)}
	if e.ob, err = outbox.New(ctx, db, obOpts); err != nil {
		tb.Fatal(err)
	}
	if e.acct, err = accounts.New(ctx, db, e.ob, accounts.Options{AllowLoopbackHTTP: true, DeliveryTimeout: 2 * time.Second}); err != nil {
		tb.Fatal(err)
	}
	e.buildIdentity(tb, db, bundle)
	deps := Deps{Store: db, Bundle: bundle, Metrics: metrics, Outbox: e.ob,
		Auth: e.auth, Tokens: e.tokens, DevMessages: e.dev, Accounts: e.acct, Guard: e.guard}
	for _, fn := range more {
		fn(e, &deps)
	}
	if e.srv, err = New(ctx, Config{}, deps); err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	e.ob.Start(ctx)
	tb.Cleanup(func() { // after the server's shutdown: cleanups run last first
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.ob.Stop(ctx)
	})
	e.url = e.start(tb)
	// Serve runs in a goroutine: wait for it, so that a test failing at once
	// does not shut the server down before it started (and wait forever).
	for i := 0; do(tb, "GET", e.url+"/healthz", nil, "").status != 200; i++ {
		if i == 100 {
			tb.Fatal("the server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e
}

func (e *acctEnv) buildIdentity(tb testing.TB, db *store.DB, bundle *i18n.Bundle) {
	tb.Helper()
	ctx := context.Background()
	hasher, err := auth.NewHasher(auth.HasherOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	guard, err := auth.NewGuard(ctx, db, auth.GuardOptions{Secret: []byte(strings.Repeat("s", 32))})
	if err != nil {
		tb.Fatal(err)
	}
	e.guard = guard
	if e.tokens, err = auth.NewTokens(ctx, db, auth.TokenOptions{Issuer: "http://frontdoor.test", Audience: "http://frontdoor.test/api"}); err != nil {
		tb.Fatal(err)
	}
	e.auth, err = auth.NewService(ctx, db, auth.ServiceOptions{Hasher: hasher, Guard: guard, Tokens: e.tokens, Notifier: e.dev,
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) }})
	if err != nil {
		tb.Fatal(err)
	}
}

// token signs a subject in (a session, so that ending it ends the token)
// and returns its access token.
func (e *acctEnv) token(tb testing.TB, id string, roles ...auth.Role) string {
	tb.Helper()
	g, err := e.tokens.SignIn(context.Background(), auth.Subject{ID: id, Roles: roles, Channel: auth.ChannelWeb})
	if err != nil {
		tb.Fatalf("sign in %s: %v", id, err)
	}
	return g.AccessToken
}

// signUp registers a resident through the auth service as a person would
// (a code sent to the email, then verified) and signs them in.
func (e *acctEnv) signUp(tb testing.TB, email, name string) (id, token string) {
	tb.Helper()
	ctx := context.Background()
	const password = "plum-otter-47-lantern"
	if err := e.auth.Register(ctx, auth.RegisterInput{Email: email, Password: password, Name: name, IP: "127.0.0.1"}); err != nil {
		tb.Fatalf("register: %v", err)
	}
	if err := e.auth.Verify(ctx, auth.Contact{Email: email}, e.code(tb, email)); err != nil {
		tb.Fatalf("verify: %v", err)
	}
	g, err := e.auth.Login(ctx, auth.LoginInput{Email: email, Password: password, IP: "127.0.0.1"})
	if err != nil {
		tb.Fatalf("login: %v", err)
	}
	cl, err := e.tokens.Verify(ctx, g.AccessToken)
	if err != nil {
		tb.Fatal(err)
	}
	return cl.ID, g.AccessToken
}

var oneTimeCode = regexp.MustCompile(`\b[0-9]{6}\b`)

// code is the newest one-time code the development outbox sent to.
func (e *acctEnv) code(tb testing.TB, to string) string {
	tb.Helper()
	msgs := e.dev.Messages(to)
	if len(msgs) == 0 {
		tb.Fatalf("no message was sent to %s", to)
	}
	code := oneTimeCode.FindString(msgs[0].Body)
	if code == "" {
		tb.Fatalf("no code in %q", msgs[0].Body)
	}
	return code
}

// resident makes a resident with a customer record and returns their token.
func (e *acctEnv) resident(tb testing.TB, id string) string {
	tb.Helper()
	_, err := e.acct.CreateCustomer(context.Background(), id, accounts.Customer{
		Name:      accounts.Name{Given: "Ada", Family: "Lovelace"},
		Contacts:  accounts.Contacts{Emails: []accounts.Email{{Address: id + "@example.org"}}},
		Addresses: []accounts.Address{{PostalAddress: accounts.PostalAddress{Line1: "1 Armada Way", Town: "Plymouth", Postcode: "PL1 2AA"}, ValidFrom: "2020-01-01"}},
	})
	if err != nil {
		tb.Fatalf("customer %s: %v", id, err)
	}
	return e.token(tb, id, auth.RoleResident)
}

// connector registers a connector for r through the service and gives r
// its secret.
func (e *acctEnv) connector(tb testing.TB, key string, r *hookReceiver, fields ...string) {
	tb.Helper()
	if len(fields) == 0 {
		fields = []string{accounts.KindAddress, accounts.KindName}
	}
	_, secret, err := e.acct.CreateConnector(context.Background(), accounts.Connector{
		Key: key, Names: accounts.Names{EN: "Service " + key, CY: "Gwasanaeth " + key}, URL: r.url(), Fields: fields,
	})
	if err != nil {
		tb.Fatalf("connector %s: %v", key, err)
	}
	r.setSecret(secret)
}

func (e *acctEnv) link(tb testing.TB, residentID, key, ref string) *accounts.Link {
	tb.Helper()
	l, err := e.acct.LinkService(context.Background(), residentID, accounts.LinkRequest{Connector: key, Reference: ref, Consent: true, ConsentVersion: "v1"})
	if err != nil {
		tb.Fatalf("link %s: %v", key, err)
	}
	return l
}

// call is do with a bearer token and a JSON body.
func (e *acctEnv) call(tb testing.TB, method, path, token, body string, headers ...string) *response {
	tb.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if body != "" {
		h["Content-Type"] = jsonCT
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return do(tb, method, e.url+path, h, body)
}

// mustJSON reads a JSON response, failing unless the status is want.
func mustJSON[T any](tb testing.TB, r *response, want int) T {
	tb.Helper()
	var v T
	if r.status != want {
		tb.Fatalf("status %d, want %d: %s", r.status, want, r)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		tb.Fatalf("body %s: %v", r, err)
	}
	return v
}

// apiCase is one request of a scenario table and what must come back: a
// problem (slug, pointer) or a success whose body check looks at.
type apiCase struct {
	name, method, path, token, body string
	headers                         []string
	status                          int
	slug                            string
	pointer                         *string
	check                           func(t *testing.T, r *response)
}

func (e *acctEnv) run(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.method, tc.path, tc.token, tc.body, tc.headers...)
			if r.status >= 500 {
				t.Fatalf("a server error: %s", r)
			}
			if tc.slug != "" {
				p := mustProblem(t, r, tc.status, tc.slug)
				if tc.pointer != nil && !slices.ContainsFunc(p.Errors, func(f problemField) bool { return f.Pointer == *tc.pointer }) {
					t.Errorf("no error at %q: %s", *tc.pointer, r)
				}
				for _, f := range p.Errors {
					if f.Detail == "" || strings.HasPrefix(f.Detail, "Field") && !strings.Contains(f.Detail, " ") {
						t.Errorf("untranslated field message %q", f.Detail)
					}
				}
			} else if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// hookReceiver is a connector's back office on a loopback port. It checks
// each delivery as a real receiver must (HMAC-SHA256 over "<t>.<body>" with
// the secret, a fresh timestamp, an Idempotency-Key) and applies each key
// at most once.
type hookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	got      []hookDelivery
	problems []string
	applied  map[string]int // applications per Idempotency-Key
	repeats  int            // deliveries of a key already applied
	answer   func(n int) int
}

type hookDelivery struct {
	Key  string
	Body struct {
		ChangeID      string                     `json:"change_id"`
		Kind          string                     `json:"kind"`
		EffectiveDate string                     `json:"effective_date"`
		Reference     string                     `json:"reference"`
		Values        map[string]json.RawMessage `json:"values"`
	}
}

func newHookReceiver(tb testing.TB) *hookReceiver {
	r := &hookReceiver{applied: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) url() string               { return r.srv.URL + "/frontdoor" }
func (r *hookReceiver) setSecret(s string)        { r.mu.Lock(); r.secret = s; r.mu.Unlock() }
func (r *hookReceiver) setAnswer(f func(int) int) { r.mu.Lock(); r.answer = f; r.mu.Unlock() }

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := checkSignature(req, body, r.secret, time.Now()); p != "" {
		r.problems = append(r.problems, p)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var d hookDelivery
	d.Key = req.Header.Get("Idempotency-Key")
	if err := json.Unmarshal(body, &d.Body); err != nil {
		r.problems = append(r.problems, "body: "+err.Error())
	}
	r.got = append(r.got, d)
	status := http.StatusOK
	if r.answer != nil {
		status = r.answer(len(r.got))
	}
	if status < 300 {
		if r.applied[d.Key] > 0 {
			r.repeats++ // seen before: acknowledge, apply nothing
		} else {
			r.applied[d.Key]++
		}
	}
	w.WriteHeader(status)
}

// checkSignature is the check the issue asks of every connector; "" when
// the request is genuine.
func checkSignature(req *http.Request, body []byte, secret string, now time.Time) string {
	switch {
	case req.Method != http.MethodPost:
		return "method " + req.Method
	case req.Header.Get("Content-Type") != "application/json":
		return "content type " + req.Header.Get("Content-Type")
	case req.Header.Get("Idempotency-Key") == "":
		return "no Idempotency-Key"
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
		return "no timestamp in the signature"
	}
	if d := now.Sub(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "stale timestamp"
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return "bad signature"
	}
	return ""
}

func (r *hookReceiver) deliveries() []hookDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *hookReceiver) checkClean(tb testing.TB) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) > 0 {
		tb.Errorf("receiver refused requests: %v", r.problems)
	}
	for k, n := range r.applied {
		if n != 1 {
			tb.Errorf("receiver applied %s %d times", k, n)
		}
	}
}

// waitChange polls GET /me/changes/{id} until the change reads want.
func (e *acctEnv) waitChange(tb testing.TB, token, id, want string) changeView {
	tb.Helper()
	return e.waitChangeUntil(tb, token, id, want, func(ch changeView) bool { return ch.Status == want })
}

// waitChangeUntil polls GET /me/changes/{id} until done says so.
func (e *acctEnv) waitChangeUntil(tb testing.TB, token, id, what string, done func(changeView) bool) changeView {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ch := mustJSON[changeView](tb, e.call(tb, "GET", "/api/v1/me/changes/"+id, token, ""), 200)
		if done(ch) {
			return ch
		}
		if time.Now().After(deadline) {
			tb.Fatalf("change %s is not %s after 15s: %s %+v", id, what, ch.Status, ch.Services)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
