package api

import (
	"fmt"
	"strings"
	"testing"

	"frontdoor/api/auth"
)

// TestAdminEditsTheCatalogue: admins add teams and services and change
// forms; each change of questions is a new form version, which new cases
// use while older cases keep theirs. Nobody else may.
func TestAdminEditsTheCatalogue(t *testing.T) {
	e := newCasesEnv(t)
	_, admin := e.staff(t, "admin@plymouth.example", auth.RoleAdmin)
	_, staff := e.staff(t, "sam@plymouth.example", auth.RoleStaff, "highways")
	team := `{"key": "trees", "name": {"en": "Trees", "cy": "Coed"}}`
	mustProblem(t, e.call(t, "POST", "/api/v1/admin/teams", staff, team), 403, "forbidden")
	mustJSON[map[string]any](t, e.call(t, "POST", "/api/v1/admin/teams", admin, team), 201)
	mustProblem(t, e.call(t, "POST", "/api/v1/admin/teams", admin, team), 409, "duplicate")

	svc := func(label string) string {
		return fmt.Sprintf(`{"name": {"en": "Report a fallen tree", "cy": "Rhoi gwybod am goeden wedi cwympo"},
			"description": {"en": "A tree down on a road or path."}, "group": "streets", "tier": "simple",
			"channels": ["web", "kiosk", "phone"], "team": "trees", "anonymous": true, "related": [],
			"standard": {"target": 4, "unit": "hours", "we_will": {"en": "Make it safe within 4 hours."}, "we_ask": {"en": "Keep clear."}},
			"form": {"questions": [{"id": "location", "type": "point", "label": {"en": "Where is it?"}, "required": true},
				{"id": "blocking", "type": "yesno", "label": {"en": %q}, "required": true}]}}`, label)
	}
	created := mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", admin, svc("Is it blocking the way?")), 201)
	if created["form"].(map[string]any)["version"] != 1.0 {
		t.Fatalf("new service %v", created["form"])
	}
	mustProblem(t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", staff, svc("x")), 403, "forbidden")
	bad := strings.Replace(svc("x"), `"team": "trees"`, `"team": "nobody"`, 1)
	p := mustProblem(t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", admin, bad), 400, "validation")
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/team" {
		t.Errorf("an unknown team: %+v", p.Errors)
	}

	_, resident := e.signUp(t, "ada@example.org", "Ada")
	report := fmt.Sprintf(`{"items": [{"service": "fallen-tree", "answers": {"location": %s, "blocking": true}}]}`, pointJSON(theHoe))
	first := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", resident, report), 201)
	updated := mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", admin, svc("Can people get past?")), 200)
	if updated["form"].(map[string]any)["version"] != 2.0 {
		t.Fatalf("a changed question did not make version 2: %v", updated["form"])
	}
	second := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", resident, report), 201)
	v1 := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/cases/"+first.Reference, resident, ""), 200)
	v2 := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/cases/"+second.Reference, resident, ""), 200)
	version := func(c map[string]any) any { return c["items"].([]any)[0].(map[string]any)["form_version"] }
	if version(v1) != 1.0 || version(v2) != 2.0 {
		t.Errorf("form versions %v and %v", version(v1), version(v2))
	}
	// Saving an older copy (its version) would undo the change just made.
	stale := strings.Replace(svc("Is it blocking?"), `{"name"`, `{"version": 1, "name"`, 1)
	mustProblem(t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", admin, stale), 409, "conflict")
	current := strings.Replace(svc("Can people get past?"), `{"name"`, fmt.Sprintf(`{"version": %v, "name"`, updated["version"]), 1)
	mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/admin/services/fallen-tree", admin, current), 200)
	view := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/services/fallen-tree?lang=cy", "", ""), 200)
	if view["name"] != "Rhoi gwybod am goeden wedi cwympo" || view["description"] != "A tree down on a road or path." {
		t.Errorf("the Welsh view (English where no Welsh): %v", view)
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/services/no-such-thing", "", ""), 404, "not-found")
}

// TestStaffHandOffsAndDuplicates: assignment within the team, reassignment
// to another team's queue, and a duplicate found nearby, followed, then
// merged.
func TestStaffHandOffsAndDuplicates(t *testing.T) {
	e := newCasesEnv(t)
	_, ada := e.signUp(t, "ada@example.org", "Ada")
	_, bob := e.signUp(t, "bob@example.org", "Bob")
	report := fmt.Sprintf(`{"items": [{"service": "graffiti", "answers": {"location": %s, "surface": "wall", "offensive": false}}]}`, pointJSON(theHoe))
	first := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", ada, report), 201)

	near := mustJSON[struct {
		Items []struct {
			Reference string  `json:"reference"`
			Distance  float64 `json:"distance_m"`
		} `json:"items"`
	}](t, e.call(t, "GET", fmt.Sprintf("/api/v1/cases/nearby?service=graffiti&lat=%v&lng=%v", theHoe.Lat+0.0002, theHoe.Lng), "", ""), 200)
	if len(near.Items) != 1 || near.Items[0].Reference != first.Reference || near.Items[0].Distance > 25 {
		t.Fatalf("nearby %+v", near)
	}
	mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases/"+first.Reference+"/follow", bob, ""), 200)
	dup := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", bob, report), 201)

	scene, sceneToken := e.staff(t, "sue@plymouth.example", auth.RoleStaff, "street-scene")
	_, roads := e.staff(t, "rob@plymouth.example", auth.RoleStaff, "highways")
	staff := func(token, path, body string) *response {
		return e.call(t, "POST", "/api/v1/staff/cases/"+first.Reference+path, token, body)
	}
	item := first.Items[0].ID
	mustProblem(t, staff(sceneToken, "/items/"+item+"/assign", `{"assignee": "nobody"}`), 400, "validation")
	assigned := mustJSON[caseJSON](t, staff(sceneToken, "/items/"+item+"/assign", fmt.Sprintf(`{"assignee": %q}`, scene)), 200)
	if assigned.Items[0].Assignee != scene {
		t.Errorf("assignee %q", assigned.Items[0].Assignee)
	}
	mustProblem(t, staff(roads, "/items/"+item+"/assign", `{"assignee": ""}`), 403, "forbidden")

	merged := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/staff/cases/"+dup.Reference+"/merge", sceneToken,
		fmt.Sprintf(`{"into": %q}`, first.Reference)), 200)
	if merged.Status != "cancelled" || merged.MergedInto != first.Reference {
		t.Fatalf("merged %+v", merged)
	}
	mustJSON[caseJSON](t, staff(sceneToken, "/items/"+item+"/reassign", `{"team": "highways", "note": "On the highway wall"}`), 200)
	q := mustJSON[struct{ Items []struct{ Reference string } }](t, e.call(t, "GET", "/api/v1/staff/queues/highways", roads, ""), 200)
	if len(q.Items) != 1 || q.Items[0].Reference != first.Reference {
		t.Fatalf("highways queue after the hand-off %+v", q)
	}
	mustProblem(t, staff(sceneToken, "/items/"+item+"/transition", `{"to": "in_progress"}`), 403, "forbidden")
	mine := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/cases/"+dup.Reference, bob, ""), 200)
	if !strings.Contains(strings.Join(mine.updateTexts(), " "), first.Reference) {
		t.Errorf("bob was not told where his report went: %v", mine.updateTexts())
	}
}

// TestStaffReportForSomeone: a member of staff taking a report on the phone
// or alongside someone records the channel and themselves; they must give
// the person's contact, and may not claim the web or Open311.
func TestStaffReportForSomeone(t *testing.T) {
	e := newCasesEnv(t)
	_, staff := e.staff(t, "kim@plymouth.example", auth.RoleStaff, "waste")
	body := func(channel string) string {
		return fmt.Sprintf(`{"items": [{"service": "housing-repair", "answers": {"address": {"line1": "1 Armada Way", "town": "Plymouth",
			"postcode": "PL1 2AA"}, "room": "bedroom", "problem": "damp", "emergency": false, "description": "Damp on the wall"}}], "contact": {"phone": "07700 900123"}%s}`, channel)
	}
	if got := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", staff, body("")), 201); got.Channel != "phone" {
		t.Errorf("a staff report without a channel came in on %q, want phone", got.Channel)
	}
	if got := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", staff, body(`, "channel": "assisted"`)), 201); got.Channel != "assisted" {
		t.Errorf("channel %q, want assisted", got.Channel)
	}
	for _, ch := range []string{"web", "open311", "pigeon"} {
		mustProblem(t, e.call(t, "POST", "/api/v1/cases", staff, body(`, "channel": "`+ch+`"`)), 400, "validation")
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", staff, strings.Replace(body(""), `, "contact": {"phone": "07700 900123"}`, "", 1)), 400, "validation")
}
