package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/api/store"
	"frontdoor/locales"
)

// identityEnv is the whole server with identity wired as cmd wires it: a
// real auth.Service on SQLite (OWASP Argon2id costs: the domain allows no
// cheaper), the development outbox as notifier, and a few test-only routes
// behind the same middleware (see mountIdentityTestRoutes).
type identityEnv struct {
	*testEnv
	auth    *auth.Service
	tokens  *auth.Tokens
	outbox  *auth.DevOutbox
	url     string
	handled *atomic.Int64 // requests /test/things really ran
}

type identityOptions struct {
	cfg        Config
	production bool // no dev outbox (and cfg should be production)
	ipLimit    int  // failed attempts per address; default 1000, so tests are not throttled by sharing 127.0.0.1
	quiet      bool // log nothing (benchmarks)
}

const (
	idIssuer   = "https://frontdoor.test"
	idAudience = "https://frontdoor.test/api"
)

func newIdentityEnv(tb testing.TB, opts identityOptions) *identityEnv {
	tb.Helper()
	ctx := context.Background()
	db, metrics, bundle := newTestParts(tb)
	var err error
	env := &identityEnv{testEnv: &testEnv{db: db, logs: &syncBuffer{}}, handled: new(atomic.Int64)}
	logger := slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.quiet {
		logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	hasher, err := auth.NewHasher(auth.HasherOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if opts.ipLimit == 0 {
		opts.ipLimit = store.MaxLimit
	}
	guard, err := auth.NewGuard(ctx, db, auth.GuardOptions{Secret: []byte("api identity tests: a secret of 32+ bytes"), ThrottleIPLimit: opts.ipLimit})
	if err != nil {
		tb.Fatal(err)
	}
	if env.tokens, err = auth.NewTokens(ctx, db, auth.TokenOptions{Issuer: idIssuer, Audience: idAudience, Logger: logger}); err != nil {
		tb.Fatal(err)
	}
	env.outbox = auth.NewDevOutbox(0, nil)
	env.auth, err = auth.NewService(ctx, db, auth.ServiceOptions{Hasher: hasher, Guard: guard, Tokens: env.tokens,
		Notifier: env.outbox, Logger: logger,
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) }})
	if err != nil {
		tb.Fatal(err)
	}
	deps := Deps{Store: db, Logger: logger, Bundle: bundle, Metrics: metrics, Auth: env.auth, Tokens: env.tokens, DevMessages: env.outbox}
	if opts.production {
		deps.DevMessages = nil
	}
	if env.srv, err = New(ctx, opts.cfg, deps); err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	env.url = serve(tb, env.testApp(tb, env.mountTestRoutes))
	return env
}

// mountTestRoutes adds routes that show what the middleware decided.
func (e *identityEnv) mountTestRoutes(app *fiber.App) {
	s := e.srv
	whoami := func(c *fiber.Ctx) error {
		cl := claimsOf(c)
		if cl == nil {
			return c.JSON(fiber.Map{"anonymous": true})
		}
		return c.JSON(fiber.Map{"sub": cl.ID, "roles": cl.Roles, "sid": cl.SessionID})
	}
	app.Get("/test/whoami", s.requireAuth, whoami)
	app.Get("/test/maybe", s.authenticate, whoami)
	app.Get("/test/staff", s.requireRole(auth.RoleStaff, auth.RoleAdmin), whoami)
	app.Get("/test/missing", s.requireAuth, func(c *fiber.Ctx) error { return store.ErrNotFound })
	app.Post("/test/things", s.requireAuth, s.idempotent, func(c *fiber.Ctx) error {
		return c.Status(201).JSON(fiber.Map{"n": e.handled.Add(1)})
	})
}

// call sends a request to the test server; body "" sends none. JSON bodies
// get Content-Type: application/json unless headers say otherwise.
func (e *identityEnv) call(tb testing.TB, method, path string, headers map[string]string, body string) *response {
	tb.Helper()
	h := map[string]string{}
	if body != "" {
		h["Content-Type"] = jsonCT
	}
	for k, v := range headers {
		h[k] = v
	}
	return do(tb, method, e.url+path, h, body)
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func withCookie(refresh string) map[string]string {
	return map[string]string{"Cookie": refreshCookie + "=" + refresh}
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// lastCode reads the newest code sent to to, through the dev route.
func (e *identityEnv) lastCode(tb testing.TB, to string) string {
	tb.Helper()
	msgs := e.messages(tb, to)
	if len(msgs) == 0 {
		tb.Fatalf("no message to %s", to)
	}
	code := sixDigits.FindString(msgs[0].Body)
	if code == "" {
		tb.Fatalf("no code in %q", msgs[0].Body)
	}
	return code
}

func (e *identityEnv) messages(tb testing.TB, to string) []auth.Message {
	tb.Helper()
	r := e.call(tb, "GET", "/api/v1/dev/messages?to="+url.QueryEscape(to), nil, "")
	if r.status != 200 {
		tb.Fatalf("dev messages: %d %s", r.status, r)
	}
	var msgs []auth.Message
	if err := json.Unmarshal(r.body, &msgs); err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// mustResident registers and verifies an email account through the API.
func (e *identityEnv) mustResident(tb testing.TB, email, password, lang string) {
	tb.Helper()
	body := `{"email": "` + email + `", "password": "` + password + `", "name": "Test Resident", "language": "` + lang + `"}`
	if r := e.call(tb, "POST", "/api/v1/auth/register", nil, body); r.status != 201 {
		tb.Fatalf("register: %d %s", r.status, r)
	}
	code := e.lastCode(tb, email)
	if r := e.call(tb, "POST", "/api/v1/auth/verify", nil, `{"email": "`+email+`", "code": "`+code+`"}`); r.status != 200 {
		tb.Fatalf("verify: %d %s", r.status, r)
	}
}

// session is what a sign-in handed out.
type session struct {
	access, refresh string
	body            tokenResponse
	cookie          *http.Cookie
}

// mustLogin signs in with a password and returns the session.
func (e *identityEnv) mustLogin(tb testing.TB, email, password string) session {
	tb.Helper()
	r := e.call(tb, "POST", "/api/v1/auth/login", nil, `{"email": "`+email+`", "password": "`+password+`"}`)
	return mustSession(tb, r)
}

// mustSession reads a 200 token response and its refresh cookie.
func mustSession(tb testing.TB, r *response) session {
	tb.Helper()
	if r.status != 200 {
		tb.Fatalf("want a session, got %d %s", r.status, r)
	}
	var s session
	if err := json.Unmarshal(r.body, &s.body); err != nil {
		tb.Fatal(err)
	}
	s.access = s.body.AccessToken
	s.cookie = refreshCookieOf(r)
	if s.cookie == nil || s.cookie.Value == "" {
		tb.Fatalf("no refresh cookie in %v", r.header["Set-Cookie"])
	}
	s.refresh = s.cookie.Value
	return s
}

func refreshCookieOf(r *response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == refreshCookie {
			return c
		}
	}
	return nil
}

// mustStaff makes a staff account directly (as `frontdoor admin create-user`
// does) and signs it in through the API.
func (e *identityEnv) mustStaff(tb testing.TB, email string, role auth.Role, teams ...string) (string, session) {
	tb.Helper()
	u, err := e.auth.CreateUser(context.Background(), auth.CreateUserInput{Email: email, Role: role, Teams: teams, Password: "staff passphrase 1"})
	if err != nil {
		tb.Fatal(err)
	}
	return u.ID, e.mustLogin(tb, email, "staff passphrase 1")
}
