package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// Assisted sessions over HTTP: joining with the resident's confirmation,
// the assisted channel on what is done then, the consent rules for the
// resident's record, staff-guided sessions, and demand by location.

type staffSessionJSON struct {
	SessionID string         `json:"session_id"`
	DeviceID  string         `json:"device_id"`
	Location  kiosk.Location `json:"location"`
	Channel   string         `json:"channel"`
	SignedIn  bool           `json:"signed_in"`
	Guided    bool           `json:"guided"`
	Live      bool           `json:"live"`
	Consent   bool           `json:"consent"`
	Join      *struct {
		State     string `json:"state"`
		StaffID   string `json:"staff_id"`
		StaffName string `json:"staff_name"`
	} `json:"join"`
	MayReadRecord bool `json:"may_read_record"`
}

// namedStaff makes a member of staff with a name residents see.
func (ke *kioskEnv) namedStaff(tb testing.TB, email, name string, role auth.Role, teams ...string) (string, string) {
	tb.Helper()
	u, err := ke.auth.CreateUser(context.Background(), auth.CreateUserInput{Email: email, Name: name, Role: role, Teams: teams,
		Password: "staff passphrase 1"})
	if err != nil {
		tb.Fatal(err)
	}
	return u.ID, ke.token(tb, u.ID, role)
}

func TestAssistedJoin(t *testing.T) {
	e := newKioskEnv(t)
	samID, sam := e.namedStaff(t, "sam@plymouth.example", "Sam Taylor", auth.RoleStaff, "libraries")
	_, jo := e.namedStaff(t, "jo@plymouth.example", "Jo Green", auth.RoleStaff, "libraries")
	_, sup := e.staff(t, "sup@plymouth.example", auth.RoleSupervisor)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base, staffBase := "/api/v1/kiosk/sessions/"+sess.SessionID, "/api/v1/staff/kiosk/sessions/"+sess.SessionID

	// Staff on the floor see the live sessions at their library.
	live := mustJSON[sessionListJSON](t, e.call(t, "GET", "/api/v1/staff/kiosk/sessions?location=Central%20Library", sam, ""), 200)
	if len(live.Items) != 1 || live.Items[0].SessionID != sess.SessionID || !live.Items[0].Live {
		t.Fatalf("live sessions %+v", live)
	}
	if l := mustJSON[sessionListJSON](t, e.call(t, "GET", "/api/v1/staff/kiosk/sessions?location=Elsewhere", sam, ""), 200); len(l.Items) != 0 {
		t.Errorf("elsewhere %+v", l)
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/staff/kiosk/sessions", sess.AccessToken, ""), 403, "forbidden")

	// Sam asks; the screen shows who; Jo cannot butt in; the resident says no.
	joined := mustJSON[staffSessionJSON](t, e.call(t, "POST", staffBase+"/join", sam, ""), 202)
	if joined.Join == nil || joined.Join.State != "pending" || joined.Join.StaffID != samID || joined.Channel != "kiosk" {
		t.Fatalf("join %+v", joined)
	}
	view := mustJSON[staffSessionJSON](t, e.call(t, "GET", base, sess.AccessToken, ""), 200)
	if view.Join == nil || view.Join.State != "pending" || view.Join.StaffName != "Sam Taylor" || view.Join.StaffID != "" {
		t.Errorf("the resident's view of the join %+v", view.Join)
	}
	mustProblem(t, e.call(t, "POST", staffBase+"/join", jo, ""), 409, "kiosk-already-joined")
	declined := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/join/decline", sess.AccessToken, ""), 200)
	if declined.Channel != "kiosk" {
		t.Errorf("declined %+v", declined)
	}
	mustProblem(t, e.call(t, "POST", base+"/join/confirm", sess.AccessToken, ""), 409, "kiosk-no-pending-join")
	mustProblem(t, e.call(t, "POST", staffBase+"/input", sam, `{"field": "details", "value": "x"}`), 409, "kiosk-not-joined")

	// Asked again, the resident accepts: the session is assisted.
	e.call(t, "POST", staffBase+"/join", sam, "")
	mustProblem(t, e.call(t, "POST", base+"/join/confirm", "", "", deviceAuth(device)...), 403, "device-not-allowed")
	confirmed := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/join/confirm", sess.AccessToken, ""), 200)
	cl := e.claims(t, confirmed.AccessToken)
	if confirmed.Channel != "assisted" || cl.Channel != auth.ChannelAssisted || cl.ActorID != samID || cl.SessionID != sess.SessionID {
		t.Fatalf("assisted token %+v %+v", confirmed, cl.Subject)
	}
	// The old token still says kiosk until it expires; a fresh one says assisted.
	fresh := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/token", "", "", deviceAuth(device)...), 200)
	if fresh.Channel != "assisted" {
		t.Errorf("fresh token %+v", fresh)
	}

	// A case made now records the assisted channel, Sam and the library.
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", confirmed.AccessToken, potholeCase("ann@example.org")), 201)
	if created.Channel != "assisted" {
		t.Errorf("channel %q", created.Channel)
	}
	staffView := mustJSON[struct {
		caseJSON
		Actor    string `json:"actor"`
		Location string `json:"location"`
	}](t, e.call(t, "GET", "/api/v1/staff/cases/"+created.Reference, sup, ""), 200)
	if staffView.Actor != samID || staffView.Location != "Central Library" || staffView.Channel != "assisted" {
		t.Errorf("staff view: actor %q location %q channel %q", staffView.Actor, staffView.Location, staffView.Channel)
	}

	// Insight: demand by location, from the kiosk log and the case counters.
	today := time.Now().In(e.srv.london).Format(time.DateOnly)
	demand := mustJSON[struct {
		Items []kiosk.Demand `json:"items"`
	}](t, e.call(t, "GET", "/api/v1/insight/kiosk-demand?from="+today+"&to="+today, sup, ""), 200)
	if len(demand.Items) != 1 || demand.Items[0].Location != "Central Library" || demand.Items[0].Service != "pothole" ||
		demand.Items[0].Assisted != 1 || demand.Items[0].Kiosk != 0 {
		t.Errorf("demand %+v", demand.Items)
	}
	summary := mustJSON[struct {
		ByLocation map[string]map[string]int64 `json:"by_location"`
	}](t, e.call(t, "GET", "/api/v1/insight/summary?from="+today+"&to="+today, sup, ""), 200)
	if summary.ByLocation["Central Library"]["assisted"] != 1 {
		t.Errorf("summary by location %+v", summary.ByLocation)
	}
	ptr := func(s string) *string { return &s }
	e.run(t, []apiCase{
		{name: "demand, staff", method: "GET", path: "/api/v1/insight/kiosk-demand?from=" + today + "&to=" + today, token: sam, status: 403, slug: "forbidden"},
		{name: "demand, no dates", method: "GET", path: "/api/v1/insight/kiosk-demand", token: sup, status: 400, slug: "validation", pointer: ptr("/from")},
		{name: "demand, bad date", method: "GET", path: "/api/v1/insight/kiosk-demand?from=2026-13-01&to=2026-12-01", token: sup, status: 400,
			slug: "validation", pointer: ptr("/from")},
		{name: "demand, backwards", method: "GET", path: "/api/v1/insight/kiosk-demand?from=2026-03-02&to=2026-03-01", token: sup, status: 400,
			slug: "validation", pointer: ptr("/to"), check: func(t *testing.T, r *response) {
				if r.problem.Errors[0].Detail != "The end of the period must be after its start." {
					t.Errorf("detail %q", r.problem.Errors[0].Detail)
				}
			}},
		{name: "input, bad field", method: "POST", path: staffBase + "/input", token: sam, body: `{"field": "a b", "value": "x"}`, status: 400,
			slug: "validation", pointer: ptr("/field")},
		{name: "input, a photo", method: "POST", path: staffBase + "/input", token: sam, body: `{"field": "photo", "value": "data:image/png;base64,AAAA"}`,
			status: 400, slug: "validation", pointer: ptr("/value")},
		{name: "input, not the joined one", method: "POST", path: staffBase + "/input", token: jo, body: `{"field": "details", "value": "x"}`,
			status: 409, slug: "kiosk-not-joined"},
		{name: "input, unknown session", method: "POST", path: "/api/v1/staff/kiosk/sessions/ks_nope/input", token: sam,
			body: `{"field": "details", "value": "x"}`, status: 404, slug: "not-found"},
	})

	// Staff end it; its tokens are refused; the terminal starts afresh.
	if r := e.call(t, "POST", staffBase+"/end", jo, ""); r.status != 204 || r.header.Get("Clear-Site-Data") != "" {
		t.Fatalf("staff end: %d %v", r.status, r.header)
	}
	e.refused(t, confirmed.AccessToken)
	ended := mustJSON[staffSessionJSON](t, e.call(t, "GET", staffBase, sam, ""), 200)
	if ended.Live || ended.MayReadRecord {
		t.Errorf("after the end %+v", ended)
	}
}

type sessionListJSON struct {
	Items []staffSessionJSON `json:"items"`
}

// TestKioskRecordConsent: the joined member of staff reads the resident's
// record only after the resident signed in or consented, and each read is
// audited where the resident sees it.
func TestKioskRecordConsent(t *testing.T) {
	e := newKioskEnv(t)
	samID, sam := e.namedStaff(t, "sam@plymouth.example", "Sam Taylor", auth.RoleStaff, "libraries")
	_, jo := e.staff(t, "jo@plymouth.example", auth.RoleStaff, "libraries")
	adaID, adaWeb := e.signUp(t, "ada@example.org", "Ada Lovelace")
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base, staffBase := "/api/v1/kiosk/sessions/"+sess.SessionID, "/api/v1/staff/kiosk/sessions/"+sess.SessionID
	record := staffBase + "/record"

	mustProblem(t, e.call(t, "GET", record, sam, ""), 403, "kiosk-record-not-allowed") // not even joined
	e.call(t, "POST", staffBase+"/join", sam, "")
	mustProblem(t, e.call(t, "GET", record, sam, ""), 403, "kiosk-record-not-allowed") // pending
	mustProblem(t, e.call(t, "POST", base+"/consent", sess.AccessToken, ""), 409, "kiosk-not-joined")
	tok := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/join/confirm", sess.AccessToken, ""), 200).AccessToken
	p := mustProblem(t, e.call(t, "GET", record, sam, ""), 403, "kiosk-record-not-allowed") // joined, no consent
	if !strings.Contains(p.Detail, "signed in on the terminal") {
		t.Errorf("detail %q", p.Detail)
	}
	if v := mustJSON[staffSessionJSON](t, e.call(t, "GET", staffBase, sam, ""), 200); v.MayReadRecord || v.Consent {
		t.Errorf("before consent %+v", v)
	}

	// Consent, to Sam only: he names the record he looks up.
	consented := mustJSON[staffSessionJSON](t, e.call(t, "POST", base+"/consent", tok, ""), 200)
	if !consented.Consent {
		t.Errorf("consent %+v", consented)
	}
	if v := mustJSON[staffSessionJSON](t, e.call(t, "GET", staffBase, sam, ""), 200); !v.MayReadRecord || !v.Consent {
		t.Errorf("after consent %+v", v)
	}
	mustProblem(t, e.call(t, "GET", record, jo, ""), 403, "kiosk-record-not-allowed")
	mustProblem(t, e.call(t, "GET", record, sam, ""), 400, "validation") // which record?
	if _, err := e.acct.CreateCustomer(t.Context(), adaID, accounts.Customer{Name: accounts.Name{Given: "Ada", Family: "Lovelace"}}); err != nil {
		t.Fatal(err)
	}
	if r := e.call(t, "GET", record+"?resident="+adaID, sam, ""); r.status != 200 || !strings.Contains(r.String(), "Lovelace") {
		t.Fatalf("record with consent: %s", r)
	}

	// Signed in, the record is the resident's own, no name needed.
	e.call(t, "POST", base+"/codes", tok, `{"email": "ada@example.org"}`)
	e.call(t, "POST", base+"/codes/verify", tok, `{"email": "ada@example.org", "code": "`+e.code(t, "ada@example.org")+`"}`)
	if r := e.call(t, "GET", record, sam, ""); r.status != 200 || !strings.Contains(r.String(), adaID) {
		t.Fatalf("record signed in: %s", r)
	}
	ex := mustJSON[struct {
		StaffReads []accounts.AuditEntry `json:"staff_reads"`
	}](t, e.call(t, "GET", "/api/v1/me/export", adaWeb, ""), 200)
	if len(ex.StaffReads) != 2 || ex.StaffReads[0].StaffID != samID || !strings.Contains(ex.StaffReads[0].Reason, "Central Library") {
		t.Errorf("audit in the export %+v", ex.StaffReads)
	}
	// The reads are in the session's log, with Sam, on the assisted channel.
	log, _ := e.kiosk.Log(t.Context(), sess.SessionID)
	reads := 0
	for _, ev := range log {
		if ev.What == "record-read" && ev.Actor == samID && ev.Channel == auth.ChannelAssisted {
			reads++
		}
	}
	if reads != 2 {
		t.Errorf("%d record reads logged, want 2", reads)
	}
	// Once the session ends, nothing more.
	e.call(t, "POST", base+"/end", "", "", deviceAuth(device)...)
	mustProblem(t, e.call(t, "GET", record, sam, ""), 403, "kiosk-record-not-allowed")
}

func TestStaffGuidedSession(t *testing.T) {
	e := newKioskEnv(t)
	samID, sam := e.namedStaff(t, "sam@plymouth.example", "Sam Taylor", auth.RoleStaff, "libraries")
	hubID, hub := e.terminal(t, "Plympton Hub", kiosk.ProfileAssisted)
	libID, _ := e.terminal(t, "Central Library", kiosk.ProfileSelfService)

	terms := mustJSON[struct {
		Items []struct {
			ID      string    `json:"id"`
			Profile string    `json:"profile"`
			Session *struct{} `json:"session"`
		} `json:"items"`
	}](t, e.call(t, "GET", "/api/v1/staff/kiosk/devices?location=Plympton%20Hub", sam, ""), 200)
	if len(terms.Items) != 1 || terms.Items[0].ID != hubID || terms.Items[0].Profile != "assisted" || terms.Items[0].Session != nil {
		t.Fatalf("terminals %+v", terms)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/staff/kiosk/devices/"+libID+"/sessions", sam, ""), 409, "kiosk-wrong-profile")
	mustProblem(t, e.call(t, "POST", "/api/v1/staff/kiosk/devices/nope/sessions", sam, ""), 404, "not-found")

	guided := mustJSON[staffSessionJSON](t, e.call(t, "POST", "/api/v1/staff/kiosk/devices/"+hubID+"/sessions", sam, ""), 201)
	if !guided.Guided || guided.Channel != "assisted" || guided.Join == nil || guided.Join.State != "confirmed" || guided.Join.StaffID != samID {
		t.Fatalf("guided %+v", guided)
	}
	// The terminal finds it on its start screen and takes its token.
	self := mustJSON[struct {
		Session *struct {
			SessionID string `json:"session_id"`
			Guided    bool   `json:"guided"`
		} `json:"session"`
	}](t, e.call(t, "GET", "/api/v1/kiosk/device", "", "", deviceAuth(hub)...), 200)
	if self.Session == nil || self.Session.SessionID != guided.SessionID || !self.Session.Guided {
		t.Fatalf("the terminal's view %+v", self.Session)
	}
	tok := mustJSON[kioskTokenJSON](t, e.call(t, "POST", "/api/v1/kiosk/sessions/"+guided.SessionID+"/token", "", "", deviceAuth(hub)...), 200)
	if cl := e.claims(t, tok.AccessToken); cl.Channel != auth.ChannelAssisted || cl.ActorID != samID {
		t.Errorf("guided token %+v", cl.Subject)
	}
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", tok.AccessToken, potholeCase("ann@example.org")), 201)
	if created.Channel != "assisted" {
		t.Errorf("case channel %q", created.Channel)
	}
	if r := e.call(t, "POST", "/api/v1/kiosk/sessions/"+guided.SessionID+"/end", sam, `{"reason": "finish"}`); r.status != 204 ||
		r.header.Get("Clear-Site-Data") != "" {
		t.Errorf("staff end through the terminal's route: %d %v", r.status, r.header)
	}
	e.refused(t, tok.AccessToken)
}

// TestKioskMessagesExist: every problem and message the kiosk routes use
// is in every language.
func TestKioskMessagesExist(t *testing.T) {
	env := newTestEnv(t, Config{})
	kinds := []problemKind{kindDeviceInvalid, kindDeviceNotAllowed, kindKioskForbidden, kindKioskSignIn, kindKioskNotHere,
		kindKioskRecordClosed, kindKioskEnded, kindKioskJoined, kindKioskNoJoin, kindKioskNotJoined, kindKioskSignedIn,
		kindKioskWrongProfile, kindHandOffInvalid}
	ids := []string{kiosk.MsgIdleTimeout, kiosk.MsgCodeInvalid, kiosk.MsgLetterCodeInvalid, kiosk.MsgPathInvalid, kiosk.MsgRangeInvalid,
		kiosk.MsgRequired, kiosk.MsgTooLong, kiosk.MsgInvalidValue, kiosk.MsgTextInvalid, kiosk.MsgNotAllowed, "TooManyItems",
		"KioskLetterGreeting", "KioskLetterIntro", "KioskLetterHow", "KioskLetterExpiry", "KioskLetterHelp"}
	for _, k := range kinds {
		ids = append(ids, k.title, k.detail)
	}
	data := map[string]any{"Count": 3, "Min": 30, "Max": 1800, "Name": "Mary", "URL": "https://x", "Date": "2026-12-01"}
	for i := range env.srv.langs.tags {
		for _, id := range ids {
			if got := env.srv.langs.localize(i, id, data, 3); got == id || got == "" || strings.Contains(got, "<no value>") {
				t.Errorf("%s: message %q is missing (%q)", env.srv.langs.name(i), id, got)
			}
		}
	}
}
