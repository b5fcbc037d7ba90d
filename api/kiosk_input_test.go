package api

import (
	"strings"
	"testing"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// TestKioskBadInput: every kiosk route that takes a body answers a bad one
// with a problem (4xx, problem+json), never a server error.
func TestKioskBadInput(t *testing.T) {
	e := newKioskEnv(t)
	_, admin := e.staff(t, "admin@plymouth.example", auth.RoleAdmin)
	_, sup := e.staff(t, "sup@plymouth.example", auth.RoleSupervisor)
	_, sam := e.staff(t, "sam@plymouth.example", auth.RoleStaff, "libraries")
	id, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	sess := e.startSession(t, device)
	base, staffBase := "/api/v1/kiosk/sessions/"+sess.SessionID, "/api/v1/staff/kiosk/sessions/"+sess.SessionID
	e.call(t, "POST", staffBase+"/join", sam, "")
	tok := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/join/confirm", sess.AccessToken, ""), 200).AccessToken

	routes := []struct {
		method, path, token string
		headers             []string
	}{
		{"POST", "/api/v1/kiosk/enrolments", sup, nil},
		{"POST", "/api/v1/kiosk/devices", "", nil},
		{"PATCH", "/api/v1/admin/kiosk/devices/" + id, admin, nil},
		{"POST", base + "/codes", tok, nil},
		{"POST", base + "/codes/verify", tok, nil},
		{"POST", base + "/handoff", tok, nil},
		{"POST", base + "/screen", tok, nil},
		{"POST", staffBase + "/input", sam, nil},
		{"POST", "/api/v1/staff/kiosk/letters", sam, nil},
		{"POST", "/api/v1/auth/letter", "", nil},
		{"POST", "/api/v1/auth/letter", tok, nil},
		{"POST", base + "/end", tok, nil}, // last: a null body is Finish
	}
	bodies := []struct{ name, body, contentType string }{
		{"truncated", `{"code":`, jsonCT},
		{"an array", `[]`, jsonCT},
		{"a string", `"x"`, jsonCT},
		{"unknown field", `{"nonsense": true}`, jsonCT},
		{"wrong types", `{"code": 1, "path": 2, "reason": 3, "location": "x", "name": [], "field": {}, "value": 1, "email": 5, "fields": []}`, jsonCT},
		{"null", `null`, jsonCT},
		{"operators", `{"code": {"$gt": ""}}`, jsonCT},
		{"not JSON", `code=1`, "application/x-www-form-urlencoded"},
		{"bad UTF-8", "{\"name\": \"\xff\"}", jsonCT},
	}
	for _, rt := range routes {
		for _, b := range bodies {
			h := append([]string{"Content-Type", b.contentType}, rt.headers...)
			r := e.call(t, rt.method, rt.path, rt.token, b.body, h...)
			if r.status < 400 || r.status >= 500 || r.problem == nil {
				// null decodes to the zero request: a field error is fine,
				// and so is what the route does with nothing (end: Finish).
				if b.name == "null" && r.status < 300 {
					continue
				}
				t.Errorf("%s %s, %s: %d %s", rt.method, rt.path, b.name, r.status, r)
			}
		}
	}
	// Path parameters that name nothing, in every shape.
	for _, id := range []string{"nope", "ks_", "ks_%20", strings.Repeat("k", 300), "%00", "ks_..%2F"} {
		for _, rt := range []struct{ method, path, token string }{
			{"GET", "/api/v1/kiosk/sessions/" + id, tok},
			{"POST", "/api/v1/kiosk/sessions/" + id + "/touch", tok},
			{"GET", "/api/v1/staff/kiosk/sessions/" + id, sam},
			{"POST", "/api/v1/staff/kiosk/sessions/" + id + "/join", sam},
			{"POST", "/api/v1/staff/kiosk/sessions/" + id + "/end", sam},
			{"GET", "/api/v1/staff/kiosk/sessions/" + id + "/record", sam},
			{"POST", "/api/v1/staff/kiosk/devices/" + id + "/sessions", sam},
			{"DELETE", "/api/v1/admin/kiosk/devices/" + id, admin},
			{"POST", "/api/v1/handoff/" + id, ""},
		} {
			r := e.call(t, rt.method, rt.path, rt.token, "")
			if r.status < 400 || r.status >= 500 || r.problem == nil {
				t.Errorf("%s %s: %d %s", rt.method, rt.path, r.status, r)
			}
		}
	}
}
