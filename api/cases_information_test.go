package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
)

// TestAddInformationOverHTTP: the owner adds to their case and gets their
// own view back, its updates ending with their words; a retry with the same
// Idempotency-Key adds nothing more; staff see it among the events with no
// staff id; someone following the case never does; it counts as an
// interaction; bad words, someone else's case and a finished case are
// refused.
func TestAddInformationOverHTTP(t *testing.T) {
	e := newCasesEnv(t)
	_, ada := e.signUp(t, "ada@example.org", "Ada")
	_, bob := e.signUp(t, "bob@example.org", "Bob")
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", ada, fmt.Sprintf(
		`{"items": [{"service": "grass-cutting", "answers": {"location": %s, "area-type": "verge"}}]}`, pointJSON(theHoe))), 201)
	ref, path := created.Reference, "/api/v1/cases/"+created.Reference+"/information"
	_, boss := e.staff(t, "boss@plymouth.example", auth.RoleSupervisor)
	interactions := func() int {
		today := e.cases.Calendar().Day(time.Now())
		sum := mustJSON[struct {
			Interactions struct {
				Total     int            `json:"total"`
				ByChannel map[string]int `json:"by_channel"`
			} `json:"interactions"`
		}](t, e.call(t, "GET", "/api/v1/insight/summary?from="+today+"&to="+today, boss, ""), 200)
		return sum.Interactions.ByChannel["web"]
	}
	before := interactions()

	body := `{"text": "  The grass hides a broken bench as well.\n"}`
	r := e.call(t, "POST", strings.ToLower(path), ada, body, "Idempotency-Key", "info-1")
	got := mustJSON[caseJSON](t, r, 201)
	if n := len(got.Updates); n < 2 || got.Updates[n-1].Kind != "information" || got.Updates[n-1].Text != "The grass hides a broken bench as well." {
		t.Fatalf("updates %+v", got.Updates)
	}
	if got.Reference != ref || got.Items[0].Answers == nil || got.Items[0].Team != "grounds-maintenance" {
		t.Errorf("not the owner's view: %s", r)
	}
	again := e.call(t, "POST", strings.ToLower(path), ada, body, "Idempotency-Key", "info-1")
	if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry: %d %s", again.status, again)
	}
	mine := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/cases/"+ref, ada, ""), 200)
	if n := strings.Count(strings.Join(mine.updateTexts(), "|"), "broken bench"); n != 1 {
		t.Errorf("the information is on the timeline %d times: %v", n, mine.updateTexts())
	}
	if after := interactions(); after != before+1 {
		t.Errorf("web interactions went from %d to %d", before, after)
	}

	_, gina := e.staff(t, "gina@plymouth.example", auth.RoleStaff, "grounds-maintenance")
	staffView := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/staff/cases/"+ref, gina, ""), 200)
	last := staffView.Events[len(staffView.Events)-1]
	if last.Kind != cases.EventInformation || last.By != "" || last.Channel != "web" || !last.Public || !strings.Contains(last.Text, "broken bench") {
		t.Errorf("staff see %+v", last)
	}

	// Bob follows the same report: he sees the council's updates, never Ada's words.
	mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases/"+ref+"/follow", bob, ""), 200)
	following := mustJSON[struct{ Items []caseJSON }](t, e.call(t, "GET", "/api/v1/cases?following=true", bob, ""), 200)
	if len(following.Items) != 1 || len(following.Items[0].Updates) == 0 || strings.Contains(strings.Join(following.Items[0].updateTexts(), "|"), "bench") {
		t.Errorf("the follower's view %+v", following.Items)
	}

	pointer := func(p string) *string { return &p }
	e.run(t, []apiCase{
		{name: "empty", method: "POST", path: path, token: ada, body: `{"text": ""}`, status: 400, slug: "validation", pointer: pointer("/text")},
		{name: "blank", method: "POST", path: path, token: ada, body: `{"text": " \n\t "}`, status: 400, slug: "validation", pointer: pointer("/text")},
		{name: "missing", method: "POST", path: path, token: ada, body: `{}`, status: 400, slug: "validation", pointer: pointer("/text")},
		{name: "too long", method: "POST", path: path, token: ada, body: `{"text": "` + strings.Repeat("a", 2001) + `"}`, status: 400, slug: "validation",
			check: wantFieldMessage("/text", "Use at most 2000 characters.")},
		{name: "not text", method: "POST", path: path, token: ada, body: `{"text": 7}`, status: 400, slug: "invalid-body"},
		{name: "unknown field", method: "POST", path: path, token: ada, body: `{"text": "x", "public": false}`, status: 400, slug: "invalid-body"},
		{name: "not JSON", method: "POST", path: path, token: ada, headers: []string{"Content-Type", "text/plain"}, body: `hello`, status: 415, slug: "unsupported-media-type"},
		{name: "someone else's", method: "POST", path: path, token: bob, body: `{"text": "Mine now"}`, status: 404, slug: "not-found"},
		{name: "nobody", method: "POST", path: path, body: `{"text": "Who am I"}`, status: 404, slug: "not-found"},
		{name: "staff", method: "POST", path: path, token: gina, body: `{"text": "As staff"}`, status: 404, slug: "not-found"},
		{name: "no such case", method: "POST", path: "/api/v1/cases/222-222-222/information", token: ada, body: `{"text": "Hello"}`, status: 404, slug: "not-found"},
	})

	mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/staff/cases/"+ref+"/items/"+created.Items[0].ID+"/transition", gina, `{"to": "cancelled"}`), 200)
	mustProblem(t, e.call(t, "POST", path, ada, `{"text": "One more thing"}`), 409, "case-finished")
}

// TestAddInformationWithoutAccount: someone who reported without an account
// adds with the email or postcode they gave, and gets the tracking view
// (nothing about the person, no answers); a wrong proof is a 404.
func TestAddInformationWithoutAccount(t *testing.T) {
	e := newCasesEnv(t)
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", "", fmt.Sprintf(`{"items": [{"service": "fly-tipping",
		"answers": {"location": %s, "waste-type": "furniture", "amount": "van", "private-land": false}}],
		"contact": {"name": "Sam", "email": "sam@example.org", "postcode": "PL4 6AA"}}`, pointJSON(theHoe))), 201)
	path := "/api/v1/cases/" + created.Reference + "/information"
	for i, proof := range []string{`"email": "SAM@example.org"`, `"postcode": "pl4 6aa"`} {
		r := e.call(t, "POST", path, "", fmt.Sprintf(`{"text": "Another sofa now, number %d.", %s}`, i+1, proof), "Idempotency-Key", fmt.Sprint("sam-", i))
		got := mustJSON[caseJSON](t, r, 201)
		last := got.Updates[len(got.Updates)-1]
		if last.Kind != "information" || last.Text != fmt.Sprintf("Another sofa now, number %d.", i+1) ||
			got.Items[0].Answers != nil || got.Items[0].Team != "" || got.Contact != nil {
			t.Errorf("with %s: %s", proof, r)
		}
	}
	mustProblem(t, e.call(t, "POST", path, "", `{"text": "Guess", "email": "eve@example.org"}`), 404, "not-found")
	mustProblem(t, e.call(t, "POST", path, "", `{"text": "Guess", "postcode": "PL1 2AA"}`), 404, "not-found")
	mustProblem(t, e.call(t, "POST", path, "", `{"text": "", "email": "sam@example.org"}`), 400, "validation")
	// A signed-in resident giving the proof of a case they reported without
	// an account adds to it too, and sees what tracking shows.
	_, sam := e.signUp(t, "sam@example.org", "Sam")
	got := mustJSON[caseJSON](t, e.call(t, "POST", path, sam, `{"text": "Signed up since.", "email": "sam@example.org"}`), 201)
	if got.Items[0].Answers != nil || got.Updates[len(got.Updates)-1].Text != "Signed up since." {
		t.Errorf("signed in with a proof: %+v", got)
	}
}
