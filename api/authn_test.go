package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"frontdoor/api/auth"
)

// TestAuthentication: what the middleware makes of every kind of
// Authorization header, on a route that needs a sign-in and on one that
// does not.
func TestAuthentication(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	e.mustResident(t, "res@example.com", "resident passphrase", "en")
	res := e.mustLogin(t, "res@example.com", "resident passphrase")
	_, adm := e.mustStaff(t, "admin@example.com", auth.RoleAdmin)
	_, stf := e.mustStaff(t, "staff@example.com", auth.RoleStaff, "waste-services")

	ctx := context.Background()
	sub := auth.Subject{ID: "someone", Roles: []auth.Role{auth.RoleResident}, Channel: auth.ChannelWeb}
	// Tokens signed with our own key that must still be refused.
	past, err := auth.NewTokens(ctx, e.db, auth.TokenOptions{Issuer: idIssuer, Audience: idAudience, Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expired, _, _ := past.Issue(ctx, sub)
	elsewhere, err := auth.NewTokens(ctx, e.db, auth.TokenOptions{Issuer: idIssuer, Audience: "https://other.example/api"})
	if err != nil {
		t.Fatal(err)
	}
	otherAudience, _, _ := elsewhere.Issue(ctx, sub)
	tampered := res.access[:len(res.access)-4] + "AAAA"

	h := func(v string) map[string]string { return map[string]string{"Authorization": v} }
	invalid := map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}
	scenarios := []scenario{
		{name: "no header: 401", method: "GET", path: "/test/whoami", status: 401, slug: "unauthorized", title: "Sign-in required",
			want: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "no header where optional: anonymous", method: "GET", path: "/test/maybe", status: 200},
		{name: "a valid token", method: "GET", path: "/test/whoami", headers: bearer(res.access), status: 200},
		{name: "scheme in any case", method: "GET", path: "/test/whoami", headers: h("bEaReR " + res.access), status: 200},
		{name: "Basic is not Bearer", method: "GET", path: "/test/whoami", headers: h("Basic am86cGFzcw=="), status: 401, slug: "invalid-token", want: invalid},
		{name: "Bearer and nothing", method: "GET", path: "/test/whoami", headers: h("Bearer "), status: 401, slug: "invalid-token", want: invalid},
		{name: "not a token", method: "GET", path: "/test/whoami", headers: h("Bearer abc"), status: 401, slug: "invalid-token", want: invalid},
		{name: "characters no token has", method: "GET", path: "/test/whoami", headers: h("Bearer a.b.c;drop"), status: 401, slug: "invalid-token"},
		{name: "tampered signature", method: "GET", path: "/test/whoami", headers: bearer(tampered), status: 401, slug: "invalid-token", want: invalid},
		{name: "expired", method: "GET", path: "/test/whoami", headers: bearer(expired), status: 401, slug: "invalid-token", detail: "expired", want: invalid},
		{name: "another audience", method: "GET", path: "/test/whoami", headers: bearer(otherAudience), status: 401, slug: "invalid-token"},
		{name: "a refresh token is no access token", method: "GET", path: "/test/whoami", headers: bearer(res.refresh), status: 401, slug: "invalid-token"},
		{name: "long, but no token", method: "GET", path: "/test/whoami", headers: bearer(strings.Repeat("a", 7000)), status: 401, slug: "invalid-token"},
		{name: "longer than any header we read", method: "GET", path: "/test/whoami", headers: bearer(strings.Repeat("a", 9000)), status: 431, slug: "headers-too-large"},
		{name: "a bad token is refused even where sign-in is optional", method: "GET", path: "/test/maybe", headers: bearer(expired), status: 401, slug: "invalid-token"},
		{name: "resident on a staff route: 403", method: "GET", path: "/test/staff", headers: bearer(res.access), status: 403, slug: "forbidden",
			want: map[string]string{"WWW-Authenticate": `Bearer error="insufficient_scope"`}},
		{name: "anonymous on a staff route: 401", method: "GET", path: "/test/staff", status: 401, slug: "unauthorized"},
		{name: "staff on a staff route", method: "GET", path: "/test/staff", headers: bearer(stf.access), status: 200},
		{name: "admin on a staff route", method: "GET", path: "/test/staff", headers: bearer(adm.access), status: 200},
	}
	runScenarios(t, e.url, scenarios)

	r := e.call(t, "GET", "/test/maybe", bearer(res.access), "")
	var who map[string]any
	if json.Unmarshal(r.body, &who); who["sub"] == nil || who["anonymous"] != nil {
		t.Errorf("optional auth with a token: %s", r)
	}
	for _, leak := range []string{res.access, res.refresh, "res@example.com"} {
		if strings.Contains(e.logs.String(), leak) {
			t.Errorf("the log holds a token or an address: %.20s...", leak)
		}
	}
}

// TestIdempotencyIsPerAccount: signed in, the Idempotency-Key belongs to
// the account, not to the address all the tests share.
func TestIdempotencyIsPerAccount(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	_, a := e.mustStaff(t, "a@example.com", auth.RoleAdmin)
	_, b := e.mustStaff(t, "b@example.com", auth.RoleAdmin)
	post := func(s session) *response {
		h := bearer(s.access)
		h["Idempotency-Key"] = "same-key"
		return e.call(t, "POST", "/test/things", h, `{}`)
	}
	first, replay, other := post(a), post(a), post(b)
	if first.status != 201 || replay.header.Get("Idempotent-Replayed") != "true" || replay.String() != first.String() {
		t.Errorf("same account, same key: %s then %s (%v)", first, replay, replay.header)
	}
	if other.status != 201 || other.header.Get("Idempotent-Replayed") != "" || e.handled.Load() != 2 {
		t.Errorf("another account with the same key was replayed: %s (ran %d times)", other, e.handled.Load())
	}
}

func TestStaffAdministration(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	adminID, adm := e.mustStaff(t, "boss@example.com", auth.RoleAdmin)
	_, stf := e.mustStaff(t, "desk@example.com", auth.RoleStaff, "libraries")
	e.mustResident(t, "res@example.com", "resident passphrase", "en")
	res := e.mustLogin(t, "res@example.com", "resident passphrase")
	as := bearer(adm.access)
	as["Content-Type"] = jsonCT

	r := e.call(t, "POST", "/api/v1/admin/users", as, `{"email": "New.Staff@Example.com", "name": "Nia", "role": "staff", "teams": [" Waste-Services "], "password": "a staff passphrase"}`)
	var created auth.UserInfo
	if r.status != 201 || json.Unmarshal(r.body, &created) != nil || created.Email != "new.staff@example.com" ||
		!created.EmailVerified || created.Teams[0] != "waste-services" || strings.Contains(r.String(), "argon2") {
		t.Fatalf("create: %d %s", r.status, r)
	}
	newStaff := e.mustLogin(t, "new.staff@example.com", "a staff passphrase")

	scenarios := []scenario{
		{name: "create: anonymous", method: "POST", path: "/api/v1/admin/users", body: `{}`, status: 401, slug: "unauthorized"},
		{name: "create: resident", method: "POST", path: "/api/v1/admin/users", headers: bearer(res.access), body: `{}`, status: 403, slug: "forbidden"},
		{name: "create: staff", method: "POST", path: "/api/v1/admin/users", headers: bearer(stf.access), body: `{}`, status: 403, slug: "forbidden"},
		{name: "create: no body", method: "POST", path: "/api/v1/admin/users", headers: as, status: 400, slug: "malformed-json"},
		{name: "create: email in use", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "desk@example.com", "role": "supervisor", "password": "another passphrase"}`, status: 409, slug: "duplicate", pointer: ptr("/email"), detail: "already in use"},
		{name: "create: staff without a team", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "x@example.com", "role": "staff", "password": "another passphrase"}`, status: 400, slug: "validation", pointer: ptr("/teams"), detail: "at least one team"},
		{name: "create: residents register themselves", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "x@example.com", "role": "resident", "password": "another passphrase"}`, status: 400, slug: "validation", pointer: ptr("/role")},
		{name: "create: unknown role", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "x@example.com", "role": "overlord", "password": "another passphrase"}`, status: 400, slug: "validation", pointer: ptr("/role"), detail: "“overlord” is not a role"},
		{name: "create: bad team", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "x@example.com", "role": "councillor", "teams": ["no spaces"], "password": "another passphrase"}`, status: 400, slug: "validation", pointer: ptr("/teams/0")},
		{name: "create: teams not a list", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": "x@example.com", "role": "staff", "teams": "waste", "password": "another passphrase"}`, status: 400, slug: "invalid-body", pointer: ptr("/teams")},
		{name: "create: operator injection", method: "POST", path: "/api/v1/admin/users", headers: as,
			body: `{"email": {"$ne": null}, "role": "admin", "password": "another passphrase"}`, status: 400, slug: "invalid-body", pointer: ptr("/email")},
		{name: "list: resident", method: "GET", path: "/api/v1/admin/users", headers: bearer(res.access), status: 403, slug: "forbidden"},
		{name: "list: forged cursor", method: "GET", path: "/api/v1/admin/users?cursor=bm90LWEtY3Vyc29y", headers: as, status: 400, slug: "bad-cursor"},
		{name: "list: absurd cursor", method: "GET", path: "/api/v1/admin/users?cursor=" + strings.Repeat("x", 2000), headers: as, status: 400, slug: "bad-cursor"},
		{name: "update: unknown user", method: "PATCH", path: "/api/v1/admin/users/nobody", headers: as, body: `{"disabled": true}`, status: 404, slug: "not-found"},
		{name: "update: unknown field", method: "PATCH", path: "/api/v1/admin/users/" + created.ID, headers: as, body: `{"admin": true}`, status: 400, slug: "invalid-body", pointer: ptr("/admin")},
		{name: "update: disabled must be a boolean", method: "PATCH", path: "/api/v1/admin/users/" + created.ID, headers: as, body: `{"disabled": "yes"}`, status: 400, slug: "invalid-body", pointer: ptr("/disabled")},
		{name: "update: no roles at all", method: "PATCH", path: "/api/v1/admin/users/" + created.ID, headers: as, body: `{"roles": []}`, status: 400, slug: "validation", pointer: ptr("/roles")},
		{name: "update: a role twice", method: "PATCH", path: "/api/v1/admin/users/" + created.ID, headers: as, body: `{"roles": ["staff", "staff"]}`, status: 400, slug: "validation", pointer: ptr("/roles/1")},
		{name: "update: admins cannot demote themselves", method: "PATCH", path: "/api/v1/admin/users/" + adminID, headers: as, body: `{"roles": ["staff"], "teams": ["x"]}`, status: 400, slug: "validation", pointer: ptr("/roles")},
		{name: "update: nor disable themselves", method: "PATCH", path: "/api/v1/admin/users/" + adminID, headers: as, body: `{"disabled": true}`, status: 400, slug: "validation", pointer: ptr("/disabled")},
		{name: "update: staff", method: "PATCH", path: "/api/v1/admin/users/" + created.ID, headers: bearer(stf.access), body: `{"disabled": true}`, status: 403, slug: "forbidden"},
	}
	runScenarios(t, e.url, scenarios)

	// The list holds the staff, not the resident, and pages.
	r = e.call(t, "GET", "/api/v1/admin/users", as, "")
	var page staffPage
	if r.status != 200 || json.Unmarshal(r.body, &page) != nil || len(page.Items) != 3 || page.Next != "" {
		t.Fatalf("list: %d %s", r.status, r)
	}
	for _, u := range page.Items {
		if u.Email == "res@example.com" || len(u.Roles) == 0 {
			t.Errorf("list holds %+v", u)
		}
	}

	// A change of roles and disabling end the user's sessions at once.
	r = e.call(t, "PATCH", "/api/v1/admin/users/"+created.ID, as, `{"roles": ["staff", "supervisor"], "teams": ["waste-services", "parks"]}`)
	var updated auth.UserInfo
	if r.status != 200 || json.Unmarshal(r.body, &updated) != nil || len(updated.Roles) != 2 || len(updated.Teams) != 2 {
		t.Fatalf("update: %d %s", r.status, r)
	}
	mustProblem(t, e.call(t, "GET", "/test/whoami", bearer(newStaff.access), ""), 401, "invalid-token")
	if r = e.call(t, "PATCH", "/api/v1/admin/users/"+created.ID, map[string]string{"Authorization": "Bearer " + adm.access, "Content-Type": "application/merge-patch+json"}, `{"disabled": true}`); r.status != 200 {
		t.Fatalf("disable: %d %s", r.status, r)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/login", nil, `{"email": "new.staff@example.com", "password": "a staff passphrase"}`), 403, "account-disabled")
}

// TestAuthBadInput: every identity route refuses wrong types, unknown
// fields, over-long values and operator injection with a 4xx problem that
// points at the field, never a 500.
func TestAuthBadInput(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	e.mustResident(t, "ok@example.com", "resident passphrase", "en")
	s := e.mustLogin(t, "ok@example.com", "resident passphrase")
	long := strings.Repeat("x", 5000)
	// Each route with the fields it needs besides the contact.
	routes := []struct{ path, rest string }{
		{"/api/v1/auth/register", `"name": "A"`},
		{"/api/v1/auth/verify", `"code": "123456"`},
		{"/api/v1/auth/login", `"password": "pass word 1"`},
		{"/api/v1/auth/codes", ``},
		{"/api/v1/auth/codes/verify", `"code": "123456"`},
	}
	var scenarios []scenario
	for _, rt := range routes {
		with := func(contact string) string {
			if rt.rest == "" || contact == "" {
				return "{" + contact + rt.rest + "}"
			}
			return "{" + contact + ", " + rt.rest + "}"
		}
		add := func(name, body string, status int, slug, pointer string) {
			scenarios = append(scenarios, scenario{name: rt.path + ": " + name, method: "POST", path: rt.path, body: body,
				headers: map[string]string{"Content-Type": jsonCT}, status: status, slug: slug, pointer: ptr(pointer)})
		}
		add("operator injection", with(`"email": {"$gt": ""}`), 400, "invalid-body", "/email")
		add("a number for the email", with(`"email": 42`), 400, "invalid-body", "/email")
		add("a list for the phone", with(`"phone": ["07700900123"]`), 400, "invalid-body", "/phone")
		add("unknown field", with(`"email": "a@example.com", "role": "admin"`), 400, "invalid-body", "/role")
		add("broken JSON", `{"email": `, 400, "malformed-json", "/email")
		add("neither email nor phone", with(""), 400, "validation", "")
		add("both email and phone", with(`"email": "a@example.com", "phone": "07700900123"`), 400, "validation", "")
		add("over-long email", with(`"email": "`+long+`@example.com"`), 400, "validation", "/email")
		add("not an email", with(`"email": "not an address"`), 400, "validation", "/email")
		add("a landline cannot take codes", with(`"phone": "029 2087 1234"`), 400, "validation", "/phone")
	}
	js := map[string]string{"Content-Type": jsonCT}
	more := []scenario{
		{name: "register: over-long name", method: "POST", path: "/api/v1/auth/register", headers: js,
			body: `{"email": "b@example.com", "name": "` + strings.Repeat("n", 101) + `"}`, status: 400, slug: "validation", pointer: ptr("/name"), detail: "at most 100 characters"},
		{name: "register: short password", method: "POST", path: "/api/v1/auth/register", headers: js,
			body: `{"email": "b@example.com", "name": "B", "password": "short"}`, status: 400, slug: "validation", pointer: ptr("/password"), detail: "at least 8 characters"},
		{name: "register: control characters in the name", method: "POST", path: "/api/v1/auth/register", headers: js,
			body: `{"email": "b@example.com", "name": "B\u202eob"}`, status: 400, slug: "validation", pointer: ptr("/name")},
		{name: "register: unknown language", method: "POST", path: "/api/v1/auth/register", headers: js,
			body: `{"email": "b@example.com", "name": "B", "language": "fr"}`, status: 400, slug: "validation", pointer: ptr("/language")},
		{name: "login: over-long password", method: "POST", path: "/api/v1/auth/login", headers: js,
			body: `{"email": "b@example.com", "password": "` + long + `"}`, status: 400, slug: "validation", pointer: ptr("/password")},
		{name: "login: unknown client", method: "POST", path: "/api/v1/auth/login", headers: js,
			body: `{"email": "b@example.com", "password": "pass word 1", "client": "desktop"}`, status: 400, slug: "validation", pointer: ptr("/client")},
		{name: "login: text/plain", method: "POST", path: "/api/v1/auth/login", headers: map[string]string{"Content-Type": "text/plain"},
			body: `{"email": "b@example.com", "password": "pass word 1"}`, status: 415, slug: "unsupported-media-type"},
		{name: "verify: code of letters", method: "POST", path: "/api/v1/auth/verify", headers: js,
			body: `{"email": "b@example.com", "code": "abcdef"}`, status: 400, slug: "code-rejected", pointer: ptr("/code"), detail: "6-digit"},
		{name: "verify: code as a number", method: "POST", path: "/api/v1/auth/verify", headers: js,
			body: `{"email": "b@example.com", "code": 123456}`, status: 400, slug: "invalid-body", pointer: ptr("/code")},
		{name: "refresh: token as a number", method: "POST", path: "/api/v1/auth/refresh", headers: js,
			body: `{"refresh_token": 7}`, status: 400, slug: "invalid-body", pointer: ptr("/refresh_token")},
		{name: "refresh: over-long token", method: "POST", path: "/api/v1/auth/refresh", headers: js,
			body: `{"refresh_token": "fdr_` + long + `"}`, status: 401, slug: "invalid-token"},
		{name: "logout: unknown field", method: "POST", path: "/api/v1/auth/logout", headers: js,
			body: `{"everywhere": true}`, status: 400, slug: "invalid-body", pointer: ptr("/everywhere")},
		{name: "password: new password of the wrong type", method: "POST", path: "/api/v1/auth/password",
			headers: map[string]string{"Content-Type": jsonCT, "Authorization": "Bearer " + s.access},
			body:    `{"new_password": {"$gt": ""}}`, status: 400, slug: "invalid-body", pointer: ptr("/new_password")},
		{name: "password: over-long new password", method: "POST", path: "/api/v1/auth/password",
			headers: map[string]string{"Content-Type": jsonCT, "Authorization": "Bearer " + s.access},
			body:    `{"current_password": "resident passphrase", "new_password": "` + strings.Repeat("p", 129) + `"}`, status: 400, slug: "validation", pointer: ptr("/new_password"), detail: "at most 128"},
	}
	runScenarios(t, e.url, append(scenarios, more...))
	if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("bad input was logged as a server error:\n%s", e.logs)
	}
}

// TestEveryAuthMessageIDExists keeps the auth kinds, the domain's message
// ids and locales/auth.*.toml in step, in every language.
func TestEveryAuthMessageIDExists(t *testing.T) {
	env := newTestEnv(t, Config{})
	ids := []string{msgAdminLockout,
		auth.TokenInvalid, auth.TokenExpired, auth.SessionEnded, auth.RefreshTokenInvalid, auth.RefreshTokenExpired, auth.RefreshTokenReused,
		auth.ErrInvalidCredentials.ID, auth.ErrNotVerified.ID, auth.ErrDisabled.ID, auth.ThrottleSignIn,
		auth.CodeMalformed, auth.CodeWrong, auth.CodeExpired, auth.CodeTooManyTries, auth.CodeIssueLimited,
		auth.PasswordTooShort, auth.PasswordTooLong, auth.PasswordTooCommon, auth.PasswordNotText, auth.RoleUnknown, auth.ChannelUnknown,
		auth.MsgFieldRequired, auth.MsgFieldTooLong, auth.MsgTextInvalid, auth.MsgEmailInvalid, auth.MsgPhoneInvalid, auth.MsgPhoneNotMobile,
		auth.MsgContactExactlyOne, auth.MsgLanguageUnknown, auth.MsgValueNotAllowed, auth.MsgTooManyItems, auth.MsgDuplicateValue,
		auth.MsgTeamInvalid, auth.MsgTeamRequired, auth.MsgEmailInUse, auth.MsgCurrentPasswordBad,
		auth.MsgVerifyCodeSubject, auth.MsgVerifyCodeBody, auth.MsgSignInCodeSubject, auth.MsgSignInCodeBody,
		auth.MsgRegisterExistingSubject, auth.MsgRegisterExistingBody}
	for _, k := range []problemKind{kindUnauthorized, kindInvalidToken, kindInvalidCredentials, kindForbidden, kindNotVerified,
		kindAccountDisabled, kindCodeRejected, kindSignInThrottled, kindCodeLimited} {
		ids = append(ids, k.title, k.detail)
	}
	data := map[string]any{"Count": 3, "Value": "x", "Code": "123456"}
	for i := range env.srv.langs.tags {
		for _, id := range ids {
			if got := env.srv.langs.localize(i, id, data, 3); got == id || got == "" || strings.Contains(got, "<no value>") {
				t.Errorf("%s: message %q is missing or misses its data: %q", env.srv.langs.name(i), id, got)
			}
		}
	}
}

// FuzzAuthorizationHeader sends arbitrary Authorization headers through the
// whole chain to a route where sign-in is optional: only no header at all
// is anonymous, only our token gets through, everything else is a 401 with
// a Bearer challenge, and nothing panics or answers 5xx.
func FuzzAuthorizationHeader(f *testing.F) {
	e := newIdentityEnv(f, identityOptions{quiet: true})
	e.mustResident(f, "fz@example.com", "fuzz passphrase", "en")
	s := e.mustLogin(f, "fz@example.com", "fuzz passphrase")
	handler := e.testApp(f, e.mountTestRoutes).Handler()
	parts := strings.Split(s.access, ".")
	for _, seed := range []string{
		"Bearer " + s.access, "Bearer " + s.refresh, "BEARER  " + s.access, "Bearer " + s.access + " extra",
		"Bearer " + parts[0] + "." + parts[1] + ".", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.e30.",
		"Bearer " + strings.Repeat("A", 9000), "Basic Zm9vOmJhcg==", "Bearer", "Bearer ", "Bearer \x00", "Bearer a.b.c",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		var fc fasthttp.RequestCtx
		fc.Request.SetRequestURI("/test/maybe")
		fc.Request.Header.Set("Authorization", header)
		handler(&fc)
		body := string(fc.Response.Body())
		switch status := fc.Response.StatusCode(); {
		case status == 200 && strings.Contains(body, `"anonymous":true`):
			if len(fc.Request.Header.Peek("Authorization")) != 0 {
				t.Fatalf("%q: anonymous despite an Authorization header", header)
			}
		case status == 200:
			if !strings.Contains(header, s.access) {
				t.Fatalf("%q got through: %s", header, body)
			}
		case status == 401:
			if !strings.HasPrefix(string(fc.Response.Header.Peek("WWW-Authenticate")), "Bearer") {
				t.Fatalf("%q: 401 without a Bearer challenge", header)
			}
		default:
			t.Fatalf("%q: %d %s", header, status, body)
		}
	})
}
