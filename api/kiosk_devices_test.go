package api

import (
	"strings"
	"testing"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// Terminals over HTTP: enrolment, registration, what a device credential
// reaches (and nothing more), and the admins' list, rename, move and revoke.

func TestKioskEnrolAndRegister(t *testing.T) {
	e := newKioskEnv(t)
	_, sup := e.staff(t, "sup@plymouth.example", auth.RoleSupervisor)
	_, officer := e.staff(t, "officer@plymouth.example", auth.RoleStaff, "highways")
	_, resident := e.signUp(t, "ada@example.org", "Ada Lovelace")
	good := `{"location": ` + locationJSON("library", "Central Library", 180, true) + `, "profile": "self-service"}`
	ptr := func(s string) *string { return &s }

	var code string
	e.run(t, []apiCase{
		{name: "no token", method: "POST", path: "/api/v1/kiosk/enrolments", body: good, status: 401, slug: "unauthorized"},
		{name: "plain staff", method: "POST", path: "/api/v1/kiosk/enrolments", token: officer, body: good, status: 403, slug: "forbidden"},
		{name: "a resident", method: "POST", path: "/api/v1/kiosk/enrolments", token: resident, body: good, status: 403, slug: "forbidden"},
		{name: "bad location", method: "POST", path: "/api/v1/kiosk/enrolments", token: sup,
			body:   `{"location": {"kind": "pub", "name": "", "address": "x", "idle_timeout_seconds": 5}, "profile": "kiosk"}`,
			status: 400, slug: "validation", pointer: ptr("/location/idle_timeout_seconds"), check: func(t *testing.T, r *response) {
				want := map[string]string{"/location/kind": "", "/location/name": "", "/profile": "",
					"/location/idle_timeout_seconds": "Choose an idle time from 30 to 1800 seconds."}
				for _, f := range r.problem.Errors {
					if w, ok := want[f.Pointer]; ok && (w == "" || w == f.Detail) {
						delete(want, f.Pointer)
					}
				}
				if len(want) > 0 {
					t.Errorf("missing or wrong errors %v in %s", want, r)
				}
			}},
		{name: "unknown field", method: "POST", path: "/api/v1/kiosk/enrolments", token: sup, body: `{"location": {}, "profile": "assisted", "x": 1}`,
			status: 400, slug: "invalid-body"},
		{name: "enrolled", method: "POST", path: "/api/v1/kiosk/enrolments", token: sup, body: good, status: 201, check: func(t *testing.T, r *response) {
			en := mustJSON[enrolJSON](t, r, 201)
			if len(en.Code) != 9 || en.Code[4] != '-' || en.ExpiresAt.IsZero() {
				t.Errorf("enrolment %+v", en)
			}
			code = en.Code
		}},
	})

	// The terminal trades the code, typed in any case, for its credential, once.
	e.run(t, []apiCase{
		{name: "malformed code", method: "POST", path: "/api/v1/kiosk/devices", body: `{"code": "0000"}`, status: 400, slug: "validation", pointer: ptr("/code"),
			check: func(t *testing.T, r *response) {
				if !strings.Contains(r.problem.Errors[0].Detail, "Ask a member of staff") {
					t.Errorf("detail %q", r.problem.Errors[0].Detail)
				}
			}},
		{name: "no code", method: "POST", path: "/api/v1/kiosk/devices", body: `{}`, status: 400, slug: "validation"},
		{name: "not JSON", method: "POST", path: "/api/v1/kiosk/devices", body: `{"code":`, status: 400, slug: "malformed-json"},
	})
	d := mustJSON[deviceJSON](t, e.call(t, "POST", "/api/v1/kiosk/devices", "", `{"code": " `+strings.ToLower(code)+` "}`), 201)
	if d.DeviceID == "" || !strings.HasPrefix(d.DeviceToken, "fdk_") {
		t.Fatalf("registered %+v", d)
	}
	again := e.call(t, "POST", "/api/v1/kiosk/devices", "", `{"code": "`+code+`"}`)
	mustProblem(t, again, 400, "validation")

	// Its start screen: who it is, and no session yet.
	self := mustJSON[struct {
		ID       string         `json:"id"`
		Name     string         `json:"name"`
		Location kiosk.Location `json:"location"`
		Profile  string         `json:"profile"`
		Session  *struct{}      `json:"session"`
	}](t, e.call(t, "GET", "/api/v1/kiosk/device", "", "", deviceAuth(d.DeviceToken)...), 200)
	if self.ID != d.DeviceID || self.Name != "Central Library" || self.Location.IdleSeconds != 180 || !self.Location.Printer ||
		self.Profile != "self-service" || self.Session != nil {
		t.Errorf("the terminal's view %+v", self)
	}
	for _, h := range [][]string{nil, deviceAuth("fdk_nonsense"), deviceAuth(""), {"Authorization", "Bearer " + resident}} {
		r := e.call(t, "GET", "/api/v1/kiosk/device", "", "", h...)
		mustProblem(t, r, 401, "device-invalid")
		if r.header.Get("WWW-Authenticate") != "Device" {
			t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
	}
}

// TestDeviceCredentialScope: a terminal's credential reaches the kiosk
// start routes and public information, and is refused everywhere else.
func TestDeviceCredentialScope(t *testing.T) {
	e := newKioskEnv(t)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	dev := deviceAuth(device)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""},
		{"GET", "/api/v1/me/links", ""},
		{"GET", "/api/v1/cases", ""},
		{"POST", "/api/v1/cases", potholeCase("sam@example.org")},
		{"POST", "/api/v1/attachments", ""},
		{"GET", "/api/v1/staff/queues/highways", ""},
		{"GET", "/api/v1/staff/kiosk/sessions", ""},
		{"GET", "/api/v1/admin/kiosk/devices", ""},
		{"POST", "/api/v1/kiosk/enrolments", `{}`},
		{"POST", "/api/v1/push/subscriptions", `{}`},
		{"POST", "/api/v1/auth/password", `{}`},
		{"GET", "/api/v1/insight/summary?from=2026-01-01&to=2026-01-02", ""},
	} {
		r := e.call(t, tc.method, tc.path, "", tc.body, dev...)
		mustProblem(t, r, 403, "device-not-allowed")
	}
	// Public information and tracking answer as they do for anyone.
	for _, path := range []string{"/api/v1/services", "/api/v1/services/pothole", "/api/v1/addresses?postcode=PL1%201HZ",
		"/api/v1/cases/nearby?service=pothole&lat=50.3644&lng=-4.142"} {
		if r := e.call(t, "GET", path, "", "", dev...); r.status != 200 {
			t.Errorf("GET %s with the device credential: %s", path, r)
		}
	}
	r := e.call(t, "POST", "/api/v1/track", "", `{"reference": "K7M-Q2X-9PT", "email": "sam@example.org"}`, dev...)
	mustProblem(t, r, 404, "not-found") // no such case: the device itself was accepted
	r = e.call(t, "POST", "/api/v1/track", "", `{"reference": "K7M-Q2X-9PT", "email": "sam@example.org"}`, deviceAuth("fdk_forged")...)
	mustProblem(t, r, 401, "device-invalid")
}

func TestDeviceAdministration(t *testing.T) {
	e := newKioskEnv(t)
	_, admin := e.staff(t, "admin@plymouth.example", auth.RoleAdmin)
	_, sup := e.staff(t, "sup2@plymouth.example", auth.RoleSupervisor)
	id, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	otherID, _ := e.terminal(t, "Plympton Hub", kiosk.ProfileAssisted)
	ptr := func(s string) *string { return &s }

	type page struct {
		Items []struct {
			ID       string         `json:"id"`
			Name     string         `json:"name"`
			Location kiosk.Location `json:"location"`
			Revoked  bool           `json:"revoked"`
		} `json:"items"`
		Next string `json:"next"`
	}
	list := mustJSON[page](t, e.call(t, "GET", "/api/v1/admin/kiosk/devices", admin, ""), 200)
	if len(list.Items) != 2 || list.Items[0].ID != id || list.Items[1].ID != otherID {
		t.Fatalf("list %+v", list)
	}
	e.run(t, []apiCase{
		{name: "supervisors do not administer", method: "GET", path: "/api/v1/admin/kiosk/devices", token: sup, status: 403, slug: "forbidden"},
		{name: "bad cursor", method: "GET", path: "/api/v1/admin/kiosk/devices?cursor=zzz", token: admin, status: 400, slug: "bad-cursor"},
		{name: "rename", method: "PATCH", path: "/api/v1/admin/kiosk/devices/" + id, token: admin, body: `{"name": "Central Library, ground floor"}`, status: 200,
			check: func(t *testing.T, r *response) {
				if !strings.Contains(r.String(), `"name":"Central Library, ground floor"`) {
					t.Errorf("renamed %s", r)
				}
			}},
		{name: "move", method: "PATCH", path: "/api/v1/admin/kiosk/devices/" + id, token: admin,
			body: `{"location": ` + locationJSON("hub", "Devonport Hub", 300, false) + `}`, status: 200,
			check: func(t *testing.T, r *response) {
				if !strings.Contains(r.String(), `"name":"Devonport Hub"`) || !strings.Contains(r.String(), `"idle_timeout_seconds":300`) {
					t.Errorf("moved %s", r)
				}
			}},
		{name: "nothing to change", method: "PATCH", path: "/api/v1/admin/kiosk/devices/" + id, token: admin, body: `{}`, status: 400, slug: "validation"},
		{name: "bad name", method: "PATCH", path: "/api/v1/admin/kiosk/devices/" + id, token: admin, body: `{"name": "  "}`, status: 400, slug: "validation", pointer: ptr("/name")},
		{name: "bad location", method: "PATCH", path: "/api/v1/admin/kiosk/devices/" + id, token: admin, body: `{"location": {"kind": "hub"}}`,
			status: 400, slug: "validation", pointer: ptr("/location/name")},
		{name: "unknown device", method: "PATCH", path: "/api/v1/admin/kiosk/devices/nope", token: admin, body: `{"name": "x"}`, status: 404, slug: "not-found"},
		{name: "revoke unknown", method: "DELETE", path: "/api/v1/admin/kiosk/devices/nope", token: admin, status: 404, slug: "not-found"},
		{name: "revoke as supervisor", method: "DELETE", path: "/api/v1/admin/kiosk/devices/" + id, token: sup, status: 403, slug: "forbidden"},
	})
	self := e.call(t, "GET", "/api/v1/kiosk/device", "", "", deviceAuth(device)...)
	if !strings.Contains(self.String(), "Devonport Hub") {
		t.Errorf("the terminal does not show its new place: %s", self)
	}

	// Revoking stops the credential and the session it runs, at once.
	sess := e.startSession(t, device)
	if r := e.call(t, "POST", "/api/v1/cases", sess.AccessToken, potholeCase("sam@example.org")); r.status != 201 {
		t.Fatalf("a case before revocation: %s", r)
	}
	if r := e.call(t, "DELETE", "/api/v1/admin/kiosk/devices/"+id, admin, ""); r.status != 204 {
		t.Fatalf("revoke: %s", r)
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/kiosk/device", "", "", deviceAuth(device)...), 401, "device-invalid")
	mustProblem(t, e.call(t, "POST", "/api/v1/kiosk/sessions", "", "", deviceAuth(device)...), 401, "device-invalid")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", sess.AccessToken, potholeCase("sam@example.org")), 401, "invalid-token")
	e.refused(t, sess.AccessToken)
	if r := e.call(t, "DELETE", "/api/v1/admin/kiosk/devices/"+id, admin, ""); r.status != 204 {
		t.Errorf("revoking twice: %s", r)
	}
	list = mustJSON[page](t, e.call(t, "GET", "/api/v1/admin/kiosk/devices", admin, ""), 200)
	if !list.Items[0].Revoked || list.Items[1].Revoked {
		t.Errorf("revoked flags %+v", list.Items)
	}
}
