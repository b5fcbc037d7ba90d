package api

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
)

// TestSignInFlow walks a resident through everything a browser does:
// register, read the code, verify, sign in, use the token, refresh with the
// cookie, then a stolen (reused) refresh token ends the session, and logout.
func TestSignInFlow(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	const email, pw = "jo@example.com", "correct horse battery"

	r := e.call(t, "POST", "/api/v1/auth/register", nil, `{"email": " Jo@Example.COM ", "password": "`+pw+`", "name": "Jo Bloggs"}`)
	if r.status != 201 || r.String() != `{"status":"verification_sent"}` {
		t.Fatalf("register: %d %s", r.status, r)
	}
	msgs := e.messages(t, email)
	if len(msgs) != 1 || msgs[0].Channel != "email" || msgs[0].Subject != "Your confirmation code" || msgs[0].To != email {
		t.Fatalf("sent: %+v", msgs)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "`+email+`", "password": "`+pw+`"}`), 403, "contact-not-verified")

	code := e.lastCode(t, email)
	r = e.call(t, "POST", "/api/v1/auth/verify", nil, `{"email": "`+email+`", "code": "`+otherCode(code)+`"}`)
	if p := mustProblem(t, r, 400, "code-rejected"); len(p.Errors) != 1 || p.Errors[0].Pointer != "/code" || !strings.Contains(p.Errors[0].Detail, "4 tries left") {
		t.Errorf("wrong code: %s", r)
	}
	if r = e.call(t, "POST", "/api/v1/auth/verify", nil, `{"email": "`+email+`", "code": "`+code+`"}`); r.status != 200 || r.String() != `{"status":"verified"}` {
		t.Fatalf("verify: %d %s", r.status, r)
	}

	s := e.mustLogin(t, email, pw)
	checkRefreshCookie(t, s.cookie)
	if s.body.TokenType != "Bearer" || s.body.ExpiresIn < 899 || s.body.ExpiresIn > 900 || s.body.RefreshToken != "" {
		t.Errorf("token response %+v: want Bearer, 900 s, no refresh token for a browser", s.body)
	}
	who := whoami(t, e, s.access)

	r = e.call(t, "POST", "/api/v1/auth/refresh", withCookie(s.refresh), "")
	s2 := mustSession(t, r)
	checkRefreshCookie(t, s2.cookie)
	if s2.refresh == s.refresh || s2.access == s.access || s2.body.RefreshToken != "" {
		t.Errorf("refresh did not rotate: %+v", s2.body)
	}
	if who2 := whoami(t, e, s2.access); who2["sub"] != who["sub"] || who2["sid"] != who["sid"] {
		t.Errorf("refreshed token speaks for %v, want %v", who2, who)
	}

	// The old refresh token again: theft. The session ends, successors too.
	r = e.call(t, "POST", "/api/v1/auth/refresh", withCookie(s.refresh), "")
	if p := mustProblem(t, r, 401, "invalid-token"); !strings.Contains(p.Detail, "signed you out") {
		t.Errorf("reuse detail %q", p.Detail)
	}
	checkChallenge(t, r, `Bearer error="invalid_token"`)
	checkCookieCleared(t, r)
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/refresh", withCookie(s2.refresh), ""), 401, "invalid-token")
	r = e.call(t, "GET", "/test/whoami", bearer(s2.access), "")
	mustProblem(t, r, 401, "invalid-token")
	checkChallenge(t, r, `Bearer error="invalid_token"`)

	// Sign in again, then out: both tokens die and the cookie goes.
	s3 := e.mustLogin(t, email, pw)
	h := bearer(s3.access)
	h["Cookie"] = refreshCookie + "=" + s3.refresh
	r = e.call(t, "POST", "/api/v1/auth/logout", h, "")
	if r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r)
	}
	checkCookieCleared(t, r)
	mustProblem(t, e.call(t, "GET", "/test/whoami", bearer(s3.access), ""), 401, "invalid-token")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/refresh", withCookie(s3.refresh), ""), 401, "invalid-token")
	// Logging out again, or with nothing, is not an error.
	if r = e.call(t, "POST", "/api/v1/auth/logout", withCookie(s3.refresh), ""); r.status != 204 {
		t.Errorf("second logout: %d %s", r.status, r)
	}
}

// TestNativeClient: apps keep the refresh token themselves, in the body.
func TestNativeClient(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	e.mustResident(t, "app@example.com", "native app passphrase", "en")
	s := mustSession(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "app@example.com", "password": "native app passphrase", "client": "native"}`))
	if s.body.RefreshToken == "" || s.body.RefreshToken != s.refresh {
		t.Fatalf("native login: body %q, cookie %q", s.body.RefreshToken, s.refresh)
	}
	r := e.call(t, "POST", "/api/v1/auth/refresh", nil, `{"refresh_token": "`+s.body.RefreshToken+`"}`)
	s2 := mustSession(t, r)
	if s2.body.RefreshToken == "" || s2.body.RefreshToken == s.body.RefreshToken {
		t.Fatalf("native refresh: %+v", s2.body)
	}
	if r := e.call(t, "POST", "/api/v1/auth/logout", nil, `{"refresh_token": "`+s2.body.RefreshToken+`"}`); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/refresh", nil, `{"refresh_token": "`+s2.body.RefreshToken+`"}`), 401, "invalid-token")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/refresh", nil, ""), 401, "invalid-token") // neither body nor cookie
}

// TestPhoneOnly: no email and no password; a text message carries the codes.
func TestPhoneOnly(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	if r := e.call(t, "POST", "/api/v1/auth/register", nil, `{"phone": "07700 900123", "name": "Sam", "language": "pl"}`); r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r)
	}
	msgs := e.messages(t, "07700 900123") // as a person would type it
	if len(msgs) != 1 || msgs[0].Channel != "sms" || msgs[0].Subject != "" || msgs[0].To != "+447700900123" ||
		!strings.HasPrefix(msgs[0].Body, "Twój kod") {
		t.Fatalf("sent: %+v", msgs)
	}
	code := e.lastCode(t, "+447700900123")
	if r := e.call(t, "POST", "/api/v1/auth/verify", nil, `{"phone": "+44 7700 900123", "code": "`+code+`"}`); r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"phone": "07700900123", "password": "any password at all"}`), 401, "invalid-credentials")

	known := e.call(t, "POST", "/api/v1/auth/codes", nil, `{"phone": "07700900123"}`)
	unknown := e.call(t, "POST", "/api/v1/auth/codes", nil, `{"phone": "07700 900999"}`)
	if known.status != 202 || unknown.status != 202 || known.String() != unknown.String() || known.String() != `{"status":"accepted"}` {
		t.Fatalf("code requests differ: %d %s / %d %s", known.status, known, unknown.status, unknown)
	}
	if got := e.messages(t, "+447700900999"); len(got) != 0 {
		t.Errorf("a code went to a number with no account: %+v", got)
	}
	code = e.lastCode(t, "+447700900123")
	s := mustSession(t, e.call(t, "POST", "/api/v1/auth/codes/verify", nil, `{"phone": "07700 900123", "code": "`+code+`"}`))
	whoami(t, e, s.access)
	r := e.call(t, "POST", "/api/v1/auth/codes/verify", nil, `{"phone": "07700 900123", "code": "`+code+`"}`)
	if p := mustProblem(t, r, 400, "code-rejected"); !strings.Contains(p.Detail, "expired") {
		t.Errorf("a used code: %s", r)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	const email, old, next = "pat@example.com", "old passphrase here", "new passphrase here"
	e.mustResident(t, email, old, "en")
	a, b := e.mustLogin(t, email, old), e.mustLogin(t, email, old)

	r := e.call(t, "POST", "/api/v1/auth/password", nil, `{"current_password": "`+old+`", "new_password": "`+next+`"}`)
	mustProblem(t, r, 401, "unauthorized")
	checkChallenge(t, r, "Bearer")
	r = e.call(t, "POST", "/api/v1/auth/password", bearer(a.access), `{"current_password": "not it at all", "new_password": "`+next+`"}`)
	if p := mustProblem(t, r, 400, "validation"); len(p.Errors) != 1 || p.Errors[0].Pointer != "/current_password" {
		t.Errorf("wrong current password: %s", r)
	}
	r = e.call(t, "POST", "/api/v1/auth/password", bearer(a.access), `{"current_password": "`+old+`", "new_password": "password"}`)
	if p := mustProblem(t, r, 400, "validation"); p.Errors[0].Pointer != "/new_password" || !strings.Contains(p.Errors[0].Detail, "too common") {
		t.Errorf("common password: %s", r)
	}

	// Staff acting for the resident (assisted) may not change their password.
	staffID, _ := e.mustStaff(t, "helper@example.com", auth.RoleStaff, "libraries")
	assisted, _, err := e.tokens.Issue(context.Background(), auth.Subject{ID: whoami(t, e, a.access)["sub"].(string),
		Roles: []auth.Role{auth.RoleResident}, Channel: auth.ChannelAssisted, ActorID: staffID})
	if err != nil {
		t.Fatal(err)
	}
	r = e.call(t, "POST", "/api/v1/auth/password", bearer(assisted), `{"current_password": "`+old+`", "new_password": "`+next+`"}`)
	mustProblem(t, r, 403, "forbidden")

	if r = e.call(t, "POST", "/api/v1/auth/password", bearer(a.access), `{"current_password": "`+old+`", "new_password": "`+next+`"}`); r.status != 204 {
		t.Fatalf("change: %d %s", r.status, r)
	}
	whoami(t, e, a.access) // this session goes on
	mustSession(t, e.call(t, "POST", "/api/v1/auth/refresh", withCookie(a.refresh), ""))
	mustProblem(t, e.call(t, "GET", "/test/whoami", bearer(b.access), ""), 401, "invalid-token")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/refresh", withCookie(b.refresh), ""), 401, "invalid-token")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "`+email+`", "password": "`+old+`"}`), 401, "invalid-credentials")
	e.mustLogin(t, email, next)
}

// TestLoginThrottle: ten failures, then 429 with Retry-After; an account
// that does not exist gets the very same answers.
func TestLoginThrottle(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	const known, unknown, pw = "kim@example.com", "nobody@example.com", "kim's passphrase"
	e.mustResident(t, known, pw, "en")
	fail := func(email string) *response {
		return e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "`+email+`", "password": "wrong guess 123"}`)
	}
	for i := range 10 {
		pk, pu := mustProblem(t, fail(known), 401, "invalid-credentials"), mustProblem(t, fail(unknown), 401, "invalid-credentials")
		if pk.Title != pu.Title || pk.Detail != pu.Detail {
			t.Fatalf("attempt %d: known %+v, unknown %+v", i+1, pk, pu)
		}
	}
	digits := regexp.MustCompile(`\d+`)
	var details []string
	for _, email := range []string{known, unknown} {
		r := fail(email)
		p := mustProblem(t, r, 429, "sign-in-throttled")
		wait, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || wait < 240 || wait > 300 {
			t.Errorf("%s: Retry-After %q, want about 5 minutes", email, r.header.Get("Retry-After"))
		}
		if !strings.Contains(p.Detail, strconv.Itoa(wait)+" seconds") {
			t.Errorf("%s: detail %q does not say %d seconds", email, p.Detail, wait)
		}
		details = append(details, p.Title+"|"+digits.ReplaceAllString(p.Detail, "N"))
	}
	if details[0] != details[1] {
		t.Errorf("a known and an unknown account are told apart: %q", details)
	}
	// Even the right password waits now.
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "`+known+`", "password": "`+pw+`"}`), 429, "sign-in-throttled")
}

// TestCodeLimit: at most five codes an hour to one contact, known or not.
func TestCodeLimit(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	for range 5 {
		if r := e.call(t, "POST", "/api/v1/auth/codes", nil, `{"email": "lee@example.com"}`); r.status != 202 {
			t.Fatalf("code request: %d %s", r.status, r)
		}
	}
	r := e.call(t, "POST", "/api/v1/auth/codes", nil, `{"email": "lee@example.com"}`)
	mustProblem(t, r, 429, "code-limit")
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 || n > 3600 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

// TestRegisterRevealsNothing: registering a contact in use answers as for
// a new one, changes nothing, and tells the owner.
func TestRegisterRevealsNothing(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	e.mustResident(t, "ann@example.com", "ann's own passphrase", "en")
	fresh := e.call(t, "POST", "/api/v1/auth/register", nil, `{"email": "new@example.com", "password": "whatever passphrase", "name": "New"}`)
	again := e.call(t, "POST", "/api/v1/auth/register", nil, `{"email": "ann@example.com", "password": "attacker passphrase", "name": "Mallory"}`)
	if fresh.status != 201 || again.status != fresh.status || again.String() != fresh.String() {
		t.Fatalf("new: %d %s; in use: %d %s", fresh.status, fresh, again.status, again)
	}
	if msgs := e.messages(t, "ann@example.com"); msgs[0].Subject != "Someone tried to register with your details" {
		t.Errorf("the owner was not told: %+v", msgs[0])
	}
	e.mustLogin(t, "ann@example.com", "ann's own passphrase")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "ann@example.com", "password": "attacker passphrase"}`), 401, "invalid-credentials")
}

func TestLocalizedAuthProblems(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	wrong := `{"email": "who@example.com", "password": "some password"}`
	for _, tt := range []struct{ lang, title, detail string }{
		{"cy", "Methodd y mewngofnodi", "Nid yw'r manylion hyn yn cyfateb i gyfrif."},
		{"ar", "تعذّر تسجيل الدخول", "هذه البيانات لا تطابق أي حساب."},
		{"pl", "Logowanie nie powiodło się", "Te dane nie pasują do żadnego konta."},
	} {
		r := e.call(t, "POST", "/api/v1/auth/login", map[string]string{"Accept-Language": tt.lang}, wrong)
		p := mustProblem(t, r, 401, "invalid-credentials")
		if p.Title != tt.title || !strings.HasPrefix(p.Detail, tt.detail) || r.header.Get("Content-Language") != tt.lang {
			t.Errorf("%s: %q / %q (%s)", tt.lang, p.Title, p.Detail, r.header.Get("Content-Language"))
		}
	}
	// A token problem in Arabic, with the Arabic dual of nothing: just the text.
	r := e.call(t, "GET", "/test/whoami", map[string]string{"Authorization": "Bearer not.a.token", "Accept-Language": "ar"}, "")
	if p := mustProblem(t, r, 401, "invalid-token"); p.Title != "تسجيل الدخول غير صالح" {
		t.Errorf("Arabic invalid-token title %q", p.Title)
	}

	// The account's language beats ?lang= and Accept-Language once signed in.
	e.mustResident(t, "cai@example.com", "cai's passphrase", "cy")
	if msgs := e.messages(t, "cai@example.com"); !strings.HasPrefix(msgs[0].Body, "Eich cod i gadarnhau") {
		t.Errorf("the code went out in %q", msgs[0].Body)
	}
	s := e.mustLogin(t, "cai@example.com", "cai's passphrase")
	h := bearer(s.access)
	h["Accept-Language"] = "pl"
	r = e.call(t, "GET", "/test/missing?lang=ar", h, "")
	if p := mustProblem(t, r, 404, "not-found"); p.Title != "Heb ei ganfod" || r.header.Get("Content-Language") != "cy" {
		t.Errorf("signed-in Welsh speaker got %q in %s", p.Title, r.header.Get("Content-Language"))
	}
	r = e.call(t, "POST", "/api/v1/auth/password", h, `{"current_password": "nope nope nope", "new_password": "fresh passphrase"}`)
	if p := mustProblem(t, r, 400, "validation"); p.Errors[0].Detail != "Nid yw eich cyfrinair presennol yn gywir." {
		t.Errorf("Welsh field message %q", p.Errors[0].Detail)
	}
}

func TestJWKS(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	e.mustResident(t, "key@example.com", "key holder passphrase", "en")
	s := e.mustLogin(t, "key@example.com", "key holder passphrase")
	r := e.call(t, "GET", "/.well-known/jwks.json", nil, "")
	if r.status != 200 || r.header.Get("Cache-Control") != "public, max-age=300" || r.header.Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("jwks: %d %v", r.status, r.header)
	}
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg, Use string }
	}
	if err := json.Unmarshal(r.body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("jwks %s: %v", r, err)
	}
	// The access token's signature checks out with the published key its kid names.
	parts := strings.Split(s.access, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var header struct{ Kid, Alg, Typ string }
	json.Unmarshal(raw, &header)
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	for _, k := range set.Keys {
		if k.Kid != header.Kid {
			continue
		}
		pub, _ := base64.RawURLEncoding.DecodeString(k.X)
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" ||
			!ed25519.Verify(ed25519.PublicKey(pub), []byte(parts[0]+"."+parts[1]), sig) {
			t.Fatalf("key %+v does not verify the token", k)
		}
		if header.Typ != "at+jwt" || header.Alg != "EdDSA" {
			t.Errorf("token header %+v", header)
		}
		return
	}
	t.Fatalf("kid %q is not published", header.Kid)
}

func whoami(tb testing.TB, e *identityEnv, access string) map[string]any {
	tb.Helper()
	r := e.call(tb, "GET", "/test/whoami", bearer(access), "")
	var who map[string]any
	if r.status != 200 || json.Unmarshal(r.body, &who) != nil || who["sub"] == "" || who["sid"] == "" {
		tb.Fatalf("whoami: %d %s", r.status, r)
	}
	return who
}

func checkRefreshCookie(tb testing.TB, c *http.Cookie) {
	tb.Helper()
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1/auth" ||
		c.MaxAge < 29*24*3600 || !strings.HasPrefix(c.Value, "fdr_") {
		tb.Errorf("refresh cookie %+v: want HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; 30 days", c)
	}
}

func checkCookieCleared(tb testing.TB, r *response) {
	tb.Helper()
	c := refreshCookieOf(r)
	if c == nil || c.Value != "" || c.Path != "/api/v1/auth" || !c.Expires.Before(time.Now()) {
		tb.Errorf("refresh cookie not cleared: %v", r.header["Set-Cookie"])
	}
}

func checkChallenge(tb testing.TB, r *response, want string) {
	tb.Helper()
	if got := r.header.Get("WWW-Authenticate"); got != want {
		tb.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
}

// otherCode is a well-formed code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}
