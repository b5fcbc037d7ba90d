package api

import (
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// Kiosk sessions over HTTP: start, touch, tokens, the end (Clear-Site-Data,
// and every token of the session refused after it), the idle timeout, what
// an anonymous session may do, and signing in with a code.

func TestKioskSessionLifecycle(t *testing.T) {
	e := newKioskEnv(t)
	deviceID, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	if !strings.HasPrefix(sess.SessionID, kiosk.SessionPrefix) || sess.TokenType != "Bearer" || sess.Channel != "kiosk" || sess.SignedIn ||
		sess.ExpiresAt.Before(time.Now()) || sess.IdleAt.IsZero() {
		t.Fatalf("started %+v", sess)
	}
	cl := e.claims(t, sess.AccessToken)
	if cl.Channel != auth.ChannelKiosk || cl.SessionID != sess.SessionID || cl.ID != sess.SessionID || cl.ActorID != "" {
		t.Errorf("claims %+v", cl.Subject)
	}
	base := "/api/v1/kiosk/sessions/" + sess.SessionID

	// The terminal and the session's token read it; others see nothing.
	view := mustJSON[struct {
		SessionID string         `json:"session_id"`
		DeviceID  string         `json:"device_id"`
		Location  kiosk.Location `json:"location"`
		SignedIn  bool           `json:"signed_in"`
		Join      *struct{}      `json:"join"`
	}](t, e.call(t, "GET", base, sess.AccessToken, ""), 200)
	if view.DeviceID != deviceID || view.Location.Name != "Central Library" || view.SignedIn || view.Join != nil {
		t.Errorf("view %+v", view)
	}
	if r := e.call(t, "GET", base, "", "", deviceAuth(device)...); r.status != 200 {
		t.Errorf("the terminal reads its session: %s", r)
	}
	_, otherDevice := e.terminal(t, "Plympton Hub", kiosk.ProfileSelfService)
	other := e.startSession(t, otherDevice)
	mustProblem(t, e.call(t, "GET", base, other.AccessToken, ""), 404, "not-found")
	mustProblem(t, e.call(t, "GET", base, "", "", deviceAuth(otherDevice)...), 404, "not-found")
	mustProblem(t, e.call(t, "POST", base+"/touch", other.AccessToken, ""), 404, "not-found")
	_, ada := e.signUp(t, "ada@example.org", "Ada Lovelace")
	mustProblem(t, e.call(t, "GET", base, ada, ""), 404, "not-found")

	// Touching moves the idle time on.
	e.clock.Advance(30 * time.Second)
	touched := mustJSON[idleView](t, e.call(t, "POST", base+"/touch", sess.AccessToken, ""), 200)
	if !touched.IdleAt.After(sess.IdleAt) {
		t.Errorf("idle at %v, was %v", touched.IdleAt, sess.IdleAt)
	}
	mustProblem(t, e.call(t, "POST", base+"/touch", "", "", deviceAuth(device)...), 403, "device-not-allowed") // the person's, not the terminal's

	// A fresh token, from the terminal or the session's own.
	for _, h := range [][]string{deviceAuth(device), {"Authorization", "Bearer " + sess.AccessToken}} {
		fresh := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/token", "", "", h...), 200)
		if fresh.SessionID != sess.SessionID || e.claims(t, fresh.AccessToken).SessionID != sess.SessionID {
			t.Errorf("fresh token %+v", fresh)
		}
	}

	// Finish: 204, the browser told to forget, every token refused.
	e.run(t, []apiCase{
		{name: "bad reason", method: "POST", path: base + "/end", token: sess.AccessToken, body: `{"reason": "staff"}`, status: 400, slug: "validation"},
		{name: "unknown field", method: "POST", path: base + "/end", token: sess.AccessToken, body: `{"why": "finish"}`, status: 400, slug: "invalid-body"},
	})
	r := e.call(t, "POST", base+"/end", sess.AccessToken, `{"reason": "finish"}`)
	if r.status != 204 || r.header.Get("Clear-Site-Data") != `"cache", "cookies", "storage"` {
		t.Fatalf("end: %d, Clear-Site-Data %q", r.status, r.header.Get("Clear-Site-Data"))
	}
	e.refused(t, sess.AccessToken)
	mustProblem(t, e.call(t, "POST", base+"/token", "", "", deviceAuth(device)...), 409, "kiosk-session-ended")
	if r := e.call(t, "POST", base+"/end", "", "", deviceAuth(device)...); r.status != 204 {
		t.Errorf("ending again from the terminal: %s", r)
	}

	// The terminal starts the next one; a start replaces a live session.
	next := e.startSession(t, device)
	again := e.startSession(t, device)
	e.refused(t, next.AccessToken)
	if r := e.call(t, "POST", "/api/v1/kiosk/sessions/"+again.SessionID+"/end", "", "", deviceAuth(device)...); r.status != 204 ||
		r.header.Get("Clear-Site-Data") == "" {
		t.Errorf("the terminal ends its session: %d %v", r.status, r.header)
	}
	e.refused(t, again.AccessToken)
}

func TestKioskIdleTimeout(t *testing.T) {
	e := newKioskEnv(t)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService) // 120 s idle
	sess := e.startSession(t, device)
	base := "/api/v1/kiosk/sessions/" + sess.SessionID
	e.clock.Advance(100 * time.Second)
	if r := e.call(t, "POST", base+"/touch", sess.AccessToken, ""); r.status != 200 {
		t.Fatalf("touch before the timeout: %s", r)
	}
	e.clock.Advance(kiosk.DefaultIdleTimeout + kiosk.IdleGrace)
	e.refused(t, sess.AccessToken) // before any sweep
	mustProblem(t, e.call(t, "POST", base+"/token", "", "", deviceAuth(device)...), 409, "kiosk-session-ended")
	if n, err := e.kiosk.SweepIdle(t.Context()); err != nil || n != 1 {
		t.Errorf("sweep ended %d (%v), want 1", n, err)
	}
	e.refused(t, sess.AccessToken)
	// The terminal's own countdown ran out: ending as idle is no error.
	r := e.call(t, "POST", base+"/end", "", `{"reason": "idle"}`, deviceAuth(device)...)
	if r.status != 204 {
		t.Errorf("end idle: %s", r)
	}
}

// TestAnonymousKioskSession: an anonymous session reports (with a contact),
// tracks and sees its own cases; what needs an account is a clear 403.
func TestAnonymousKioskSession(t *testing.T) {
	e := newKioskEnv(t)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	tok := sess.AccessToken
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""}, {"PATCH", "/api/v1/me", `{}`}, {"DELETE", "/api/v1/me", ""}, {"GET", "/api/v1/me/export", ""},
		{"GET", "/api/v1/me/links", ""}, {"GET", "/api/v1/me/changes", ""}, {"GET", "/api/v1/me/notifications", ""},
	} {
		r := e.call(t, tc.method, tc.path, tok, tc.body)
		p := mustProblem(t, r, 403, "kiosk-sign-in-required")
		if !strings.Contains(p.Detail, "Sign in on this terminal") {
			t.Errorf("%s %s: detail %q", tc.method, tc.path, p.Detail)
		}
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/push/subscriptions", tok, `{}`), 403, "not-on-kiosk")
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/password", tok, `{"new_password": "x"}`), 403, "not-on-kiosk")

	// Reporting without an account needs a contact, as anywhere.
	r := e.call(t, "POST", "/api/v1/cases", tok, potholeCase(""))
	mustProblem(t, r, 400, "validation")
	created := mustJSON[struct {
		caseJSON
		Location string `json:"location"`
	}](t, e.call(t, "POST", "/api/v1/cases", tok, potholeCase("sam@example.org")), 201)
	if created.Channel != "kiosk" || created.Location != "Central Library" {
		t.Errorf("created on %q at %q", created.Channel, created.Location)
	}
	list := mustJSON[caseList](t, e.call(t, "GET", "/api/v1/cases", tok, ""), 200)
	if len(list.Items) != 1 || list.Items[0].Reference != created.Reference {
		t.Fatalf("the session's cases %+v", list.Items)
	}
	if r := e.call(t, "GET", "/api/v1/cases/"+created.Reference, tok, ""); r.status != 200 {
		t.Errorf("reading its case: %s", r)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/cases/"+created.Reference+"/follow", tok, ""), 403, "kiosk-sign-in-required")
	if r := e.call(t, "POST", "/api/v1/track", tok, `{"reference": "`+created.Reference+`", "email": "sam@example.org"}`); r.status != 200 {
		t.Errorf("tracking: %s", r)
	}
	// The next session on the terminal sees none of it.
	next := e.startSession(t, device)
	if l := mustJSON[caseList](t, e.call(t, "GET", "/api/v1/cases", next.AccessToken, ""), 200); len(l.Items) != 0 {
		t.Errorf("the next person sees %d cases", len(l.Items))
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/cases/"+created.Reference, next.AccessToken, ""), 404, "not-found")

	// The session's log has the case, on the kiosk channel at its location.
	log, err := e.kiosk.Log(t.Context(), sess.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range log {
		if ev.Kind == kiosk.EventAction && ev.Reference == created.Reference && ev.Service == "pothole" &&
			ev.Channel == auth.ChannelKiosk && ev.Location == "Central Library" && ev.Actor == "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no case-created action in the log: %+v", log)
	}
}

func TestKioskSignInByCode(t *testing.T) {
	e := newKioskEnv(t)
	adaID, _ := e.signUp(t, "ada@example.org", "Ada Lovelace")
	e.signUp(t, "bob@example.org", "Bob Jones")
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base := "/api/v1/kiosk/sessions/" + sess.SessionID
	ptr := func(s string) *string { return &s }

	if r := e.call(t, "POST", base+"/codes", sess.AccessToken, `{"email": "ada@example.org"}`); r.status != 202 {
		t.Fatalf("request a code: %s", r)
	}
	code := e.code(t, "ada@example.org")
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	e.run(t, []apiCase{
		{name: "no contact", method: "POST", path: base + "/codes", token: sess.AccessToken, body: `{}`, status: 400, slug: "validation"},
		{name: "the terminal alone", method: "POST", path: base + "/codes", body: `{"email": "ada@example.org"}`,
			headers: deviceAuth(device), status: 403, slug: "device-not-allowed"},
		{name: "wrong code", method: "POST", path: base + "/codes/verify", token: sess.AccessToken,
			body: `{"email": "ada@example.org", "code": "` + wrong + `"}`, status: 400, slug: "code-rejected", pointer: ptr("/code")},
		{name: "malformed code", method: "POST", path: base + "/codes/verify", token: sess.AccessToken,
			body: `{"email": "ada@example.org", "code": "12"}`, status: 400, slug: "code-rejected"},
	})
	signed := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/codes/verify", sess.AccessToken,
		`{"email": "ada@example.org", "code": "`+code+`"}`), 200)
	cl := e.claims(t, signed.AccessToken)
	if !signed.SignedIn || signed.Channel != "kiosk" || cl.ID != adaID || cl.SessionID != sess.SessionID || cl.Channel != auth.ChannelKiosk {
		t.Fatalf("signed in %+v, claims %+v", signed, cl.Subject)
	}
	if r := refreshCookieOf(e.call(t, "GET", "/api/v1/me", signed.AccessToken, "")); r != nil {
		t.Error("a refresh cookie on a shared terminal")
	}
	me := e.call(t, "GET", "/api/v1/me", signed.AccessToken, "")
	if me.status != 200 || !strings.Contains(me.String(), "Ada Lovelace") {
		t.Fatalf("GET /me signed in on the kiosk: %s", me)
	}
	// A case now is Ada's, made on the kiosk channel at the library.
	created := mustJSON[struct {
		caseJSON
		Location string `json:"location"`
	}](t, e.call(t, "POST", "/api/v1/cases", signed.AccessToken, potholeCase("")), 201)
	if created.Channel != "kiosk" || created.Location != "Central Library" {
		t.Errorf("case %+v", created)
	}

	// Someone else cannot sign in on Ada's session.
	if r := e.call(t, "POST", base+"/codes", signed.AccessToken, `{"email": "bob@example.org"}`); r.status != 202 {
		t.Fatal(r)
	}
	r := e.call(t, "POST", base+"/codes/verify", signed.AccessToken, `{"email": "bob@example.org", "code": "`+e.code(t, "bob@example.org")+`"}`)
	mustProblem(t, r, 409, "kiosk-signed-in")

	// Signing out on the terminal ends the session.
	out := e.call(t, "POST", "/api/v1/auth/logout", signed.AccessToken, "")
	if out.status != 204 || out.header.Get("Clear-Site-Data") == "" {
		t.Fatalf("logout: %d %v", out.status, out.header)
	}
	e.refused(t, signed.AccessToken)
	e.refused(t, sess.AccessToken)
	mustProblem(t, e.call(t, "POST", base+"/token", "", "", deviceAuth(device)...), 409, "kiosk-session-ended")
}
