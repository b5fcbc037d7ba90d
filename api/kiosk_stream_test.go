package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// The shared screen as Server-Sent Events, read with a real HTTP client.

func TestKioskStream(t *testing.T) {
	e := newKioskEnv(t)
	e.srv.hub.setHeartbeat(50 * time.Millisecond)
	_, sam := e.namedStaff(t, "sam@plymouth.example", "Sam Taylor", auth.RoleStaff, "libraries")
	_, jo := e.staff(t, "jo@plymouth.example", auth.RoleStaff, "libraries")
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base, staffBase := "/api/v1/kiosk/sessions/"+sess.SessionID, "/api/v1/staff/kiosk/sessions/"+sess.SessionID

	// Who may listen.
	other := e.startSession(t, func() string { _, d := e.terminal(t, "Plympton Hub", kiosk.ProfileSelfService); return d }())
	mustProblem(t, e.call(t, "GET", base+"/stream", other.AccessToken, ""), 404, "not-found")
	mustProblem(t, e.call(t, "GET", base+"/stream", sam, ""), 403, "forbidden") // not joined
	mustProblem(t, e.call(t, "GET", base+"/stream", "", "", deviceAuth(device)...), 403, "device-not-allowed")

	resident := e.openStream(t, sess.SessionID, sess.AccessToken)
	if ct := resident.res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") ||
		resident.res.Header.Get("Content-Encoding") != "" || resident.res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", resident.res.Header)
	}
	resident.next(t, ":") // heartbeats keep coming

	// Without staff, a posted screen goes nowhere and is kept nowhere.
	screen := `{"path": "/report/pothole", "title": "Where is the pothole?", "fields": {"details": "By the bus stop", "surface": "road"}}`
	if r := e.call(t, "POST", base+"/screen", sess.AccessToken, screen); r.status != 204 {
		t.Fatalf("screen: %s", r)
	}

	// Sam asks to join: the resident's screen hears it, and so does Sam's.
	e.call(t, "POST", staffBase+"/join", sam, "")
	var join joinEvent
	mustEventJSON(t, resident.next(t, "join"), &join)
	if join.State != kiosk.JoinPending || join.StaffName != "Sam Taylor" {
		t.Errorf("join event %+v", join)
	}
	staff := e.openStream(t, sess.SessionID, sam)
	mustProblem(t, e.call(t, "GET", base+"/stream", jo, ""), 403, "forbidden")
	e.call(t, "POST", base+"/join/confirm", sess.AccessToken, "")
	for _, s := range []*eventStream{resident, staff} {
		mustEventJSON(t, s.next(t, "join"), &join)
		if join.State != kiosk.JoinConfirmed {
			t.Errorf("join event %+v", join)
		}
	}

	// The resident's page reaches Sam; Sam's step reaches the resident.
	if r := e.call(t, "POST", base+"/screen", sess.AccessToken, screen); r.status != 204 {
		t.Fatalf("screen: %s", r)
	}
	var sc screenEvent
	mustEventJSON(t, staff.next(t, "screen"), &sc)
	if sc.Path != "/report/pothole" || sc.Title != "Where is the pothole?" || sc.Fields["details"] != "By the bus stop" {
		t.Errorf("screen event %+v", sc)
	}
	in := mustJSON[inputView](t, e.call(t, "POST", staffBase+"/input", sam, `{"field": "details", "value": "Outside No. 12,\nby the bus stop"}`), 202)
	if in.Delivered != 1 {
		t.Errorf("delivered to %d screens", in.Delivered)
	}
	var input inputEvent
	mustEventJSON(t, resident.next(t, "input"), &input)
	if input.Field != "details" || input.Value != "Outside No. 12,\nby the bus stop" {
		t.Errorf("input event %+v", input)
	}
	// A member of staff who connects later sees the current page at once.
	late := e.openStream(t, sess.SessionID, sam)
	mustEventJSON(t, late.next(t, "screen"), &sc)
	if sc.Path != "/report/pothole" {
		t.Errorf("late screen %+v", sc)
	}
	e.call(t, "POST", base+"/consent", sess.AccessToken, "")
	staff.next(t, "consent")

	// Finish: every stream hears why, and closes.
	e.call(t, "POST", base+"/end", sess.AccessToken, `{"reason": "finish"}`)
	var ended endedEvent
	for _, s := range []*eventStream{resident, staff, late} {
		mustEventJSON(t, s.next(t, "ended"), &ended)
		if ended.Reason != kiosk.EndFinish {
			t.Errorf("ended %+v", ended)
		}
		s.closed(t)
	}
}

func TestKioskStreamEnds(t *testing.T) {
	e := newKioskEnv(t)
	e.srv.hub.setHeartbeat(50 * time.Millisecond)
	_, sam := e.staff(t, "sam@plymouth.example", auth.RoleStaff, "libraries")
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)

	// Idle: no request ends it, the stream notices at its next heartbeat.
	sess := e.startSession(t, device)
	s := e.openStream(t, sess.SessionID, sess.AccessToken)
	s.next(t, ":")
	e.clock.Advance(kiosk.DefaultIdleTimeout + kiosk.IdleGrace)
	var ended endedEvent
	mustEventJSON(t, s.next(t, "ended"), &ended)
	if ended.Reason != kiosk.EndIdle {
		t.Errorf("ended %+v", ended)
	}
	s.closed(t)

	// A declined join closes the member of staff's stream.
	sess = e.startSession(t, device)
	base, staffBase := "/api/v1/kiosk/sessions/"+sess.SessionID, "/api/v1/staff/kiosk/sessions/"+sess.SessionID
	e.call(t, "POST", staffBase+"/join", sam, "")
	staff := e.openStream(t, sess.SessionID, sam)
	e.call(t, "POST", base+"/join/decline", sess.AccessToken, "")
	var join joinEvent
	mustEventJSON(t, staff.next(t, "join"), &join)
	if join.State != kiosk.JoinDeclined {
		t.Errorf("join %+v", join)
	}
	staff.closed(t)

	// Staff ending it, and a start replacing it, close the resident's stream.
	s = e.openStream(t, sess.SessionID, sess.AccessToken)
	e.call(t, "POST", staffBase+"/end", sam, "")
	mustEventJSON(t, s.next(t, "ended"), &ended)
	if ended.Reason != kiosk.EndStaff {
		t.Errorf("ended %+v", ended)
	}
	sess = e.startSession(t, device)
	s = e.openStream(t, sess.SessionID, sess.AccessToken)
	e.startSession(t, device)
	mustEventJSON(t, s.next(t, "ended"), &ended)
	if ended.Reason != kiosk.EndReplaced {
		t.Errorf("ended %+v", ended)
	}

	// Shutting down ends open streams rather than waiting for them.
	sess = e.startSession(t, device)
	s = e.openStream(t, sess.SessionID, sess.AccessToken)
	s.next(t, ":")
	e.srv.hub.close()
	s.closed(t)
	mustProblem(t, e.call(t, "GET", "/api/v1/kiosk/sessions/"+sess.SessionID+"/stream", sess.AccessToken, ""), 503, "unavailable")
}

func TestKioskScreenInput(t *testing.T) {
	e := newKioskEnv(t)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base := "/api/v1/kiosk/sessions/" + sess.SessionID
	ptr := func(s string) *string { return &s }
	many := map[string]string{}
	for i := range maxScreenFields + 1 {
		many[fmt.Sprintf("f%d", i)] = "x"
	}
	manyJSON, _ := json.Marshal(map[string]any{"path": "/", "fields": many})
	e.run(t, []apiCase{
		{name: "too big", method: "POST", path: base + "/screen", token: sess.AccessToken,
			body: `{"path": "/", "fields": {"a": "` + strings.Repeat("x", maxScreenBytes) + `"}}`, status: 413, slug: "too-large"},
		{name: "no path", method: "POST", path: base + "/screen", token: sess.AccessToken, body: `{}`, status: 400, slug: "validation", pointer: ptr("/path")},
		{name: "another site", method: "POST", path: base + "/screen", token: sess.AccessToken, body: `{"path": "https://evil.example/"}`,
			status: 400, slug: "validation", pointer: ptr("/path")},
		{name: "a photo", method: "POST", path: base + "/screen", token: sess.AccessToken,
			body: `{"path": "/", "fields": {"photo": "data:image/jpeg;base64,/9j/"}}`, status: 400, slug: "validation", pointer: ptr("/fields/photo")},
		{name: "a field name with a slash", method: "POST", path: base + "/screen", token: sess.AccessToken,
			body: `{"path": "/", "fields": {"answers/details": "\u202eevil"}}`, status: 400, slug: "validation", pointer: ptr("/fields/answers~1details")},
		{name: "too many fields", method: "POST", path: base + "/screen", token: sess.AccessToken, body: string(manyJSON),
			status: 400, slug: "validation", pointer: ptr("/fields")},
		{name: "a number", method: "POST", path: base + "/screen", token: sess.AccessToken, body: `{"path": "/", "fields": {"n": 3}}`,
			status: 400, slug: "invalid-body"},
		{name: "the terminal alone", method: "POST", path: base + "/screen", headers: deviceAuth(device), body: `{"path": "/"}`,
			status: 403, slug: "device-not-allowed"},
	})
}

func mustEventJSON(tb testing.TB, m sseMsg, v any) {
	tb.Helper()
	if err := json.Unmarshal([]byte(m.data), v); err != nil {
		tb.Fatalf("%s event %q: %v", m.name, m.data, err)
	}
}

// TestKioskStreamOutlivesWriteTimeout: a stream stays open past the
// server's WriteTimeout, which bounds ordinary responses as a whole.
func TestKioskStreamOutlivesWriteTimeout(t *testing.T) {
	ctx := t.Context()
	db, metrics, bundle := newTestParts(t)
	k, err := kiosk.New(ctx, db, kiosk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(ctx, db, auth.TokenOptions{Issuer: "http://frontdoor.test", Audience: "http://frontdoor.test/api",
		SessionSources: []auth.SessionSource{k.SessionSource()}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{WriteTimeout: 200 * time.Millisecond}, Deps{Store: db, Bundle: bundle, Metrics: metrics, Tokens: tokens, Kiosk: k})
	if err != nil {
		t.Fatal(err)
	}
	srv.hub.setHeartbeat(50 * time.Millisecond)
	env := &testEnv{srv: srv, db: db}
	ke := &kioskEnv{casesEnv: &casesEnv{acctEnv: &acctEnv{testEnv: env, url: env.start(t)}}}

	sup := kiosk.Staff{ID: "sup-1", Roles: []auth.Role{auth.RoleSupervisor}}
	code, _, err := k.Enrol(ctx, sup, kiosk.Location{Kind: kiosk.LocationLibrary, Name: "Central Library", Address: "Armada Way"}, kiosk.ProfileSelfService)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := k.Register(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := k.StartSession(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := tokens.Issue(ctx, sess.Subject())
	if err != nil {
		t.Fatal(err)
	}
	s := ke.openStream(t, sess.ID, token)
	deadline := time.Now().Add(time.Second) // five write timeouts
	for time.Now().Before(deadline) {
		s.next(t, ":")
	}
	if _, err := k.End(ctx, sess.ID, kiosk.EndFinish); err != nil {
		t.Fatal(err)
	}
	s.next(t, "ended") // seen at the next heartbeat: no request went through this server's hub
	s.closed(t)
}
