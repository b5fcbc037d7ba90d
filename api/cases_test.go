package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
)

// TestCaseJourney is the "done means" over HTTP: the catalogue
// loads; a resident reports grass and hedge cutting in one case with
// photos; staff work both items from their queue; the resident follows it
// by reference with and without an account, and rates the service.
func TestCaseJourney(t *testing.T) {
	e := newCasesEnv(t)
	list := mustJSON[struct {
		Items []struct{ Code, Name, Tier string } `json:"items"`
	}](t, e.call(t, "GET", "/api/v1/services?lang=cy", "", ""), 200)
	if len(list.Items) < 20 || !slices.ContainsFunc(list.Items, func(s struct{ Code, Name, Tier string }) bool {
		return s.Code == "grass-cutting" && s.Name != "" && !strings.Contains(strings.ToLower(s.Name), "grass")
	}) {
		t.Fatalf("the catalogue in Welsh: %+v", list.Items)
	}

	_, token := e.signUp(t, "ada@example.org", "Ada Lovelace")
	photo := mustUpload(t, e, token)
	body := fmt.Sprintf(`{"items": [
		{"service": "grass-cutting", "answers": {"location": %s, "area-type": "verge", "details": "Knee high on the Hoe", "photos": [%q]}},
		{"service": "hedge-cutting", "answers": {"location": %s, "obstruction": "pavement", "owner": "council"}}]}`,
		pointJSON(theHoe), photo, pointJSON(theHoe))
	r := e.call(t, "POST", "/api/v1/cases", token, body, "Idempotency-Key", "journey-1")
	created := mustJSON[caseJSON](t, r, 201)
	if len(created.Items) != 2 || created.Status != "submitted" || created.Channel != "web" ||
		created.Items[0].Team != "grounds-maintenance" || created.Items[0].DueAt == "" {
		t.Fatalf("created %+v", created)
	}
	if again := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", token, body, "Idempotency-Key", "journey-1"), 201); again.Reference != created.Reference {
		t.Fatalf("a resubmission made a second case: %s and %s", created.Reference, again.Reference)
	}
	ref := created.Reference

	// Staff of the team take both items from their queue.
	_, staffToken := e.staff(t, "gina@plymouth.example", auth.RoleStaff, "grounds-maintenance")
	queue := mustJSON[struct {
		Items []struct {
			Reference string `json:"reference"`
			ItemID    string `json:"item_id"`
		} `json:"items"`
	}](t, e.call(t, "GET", "/api/v1/staff/queues/grounds-maintenance", staffToken, ""), 200)
	if len(queue.Items) != 2 || queue.Items[0].Reference != ref {
		t.Fatalf("queue %+v", queue.Items)
	}
	staffView := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/staff/cases/"+ref, staffToken, ""), 200)
	if staffView.Items[0].Answers["photos"] == nil {
		t.Errorf("staff cannot see the photos: %+v", staffView.Items[0].Answers)
	}
	if ph := e.call(t, "GET", "/api/v1/staff/cases/"+ref+"/photos/"+photo, staffToken, ""); ph.status != 200 || !strings.HasPrefix(string(ph.body), "\xff\xd8") {
		t.Errorf("staff photo: %d", ph.status)
	}
	staffPost := func(path, body string) {
		t.Helper()
		r := e.call(t, "POST", "/api/v1/staff/cases/"+ref+path, staffToken, body)
		if r.status != 200 {
			t.Fatalf("POST %s: %s", path, r)
		}
	}
	staffPost("/updates", `{"text": "Crew booked; the resident was polite", "public": false}`)
	for _, it := range queue.Items {
		staffPost("/items/"+it.ItemID+"/transition", `{"to": "in_progress"}`)
	}
	staffPost("/items/"+queue.Items[0].ItemID+"/transition", `{"to": "resolved", "public_update": "Grass cut on Tuesday."}`)
	staffPost("/items/"+queue.Items[1].ItemID+"/transition", `{"to": "resolved", "public_update": "Hedge trimmed back."}`)

	// The owner sees the public updates, never the note, and is asked to rate.
	mine := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/cases/"+strings.ToLower(ref), token, ""), 200)
	texts := strings.Join(mine.updateTexts(), " | ")
	if mine.Status != "closed" || !mine.FeedbackRequested || !strings.Contains(texts, "Grass cut on Tuesday.") || strings.Contains(texts, "polite") {
		t.Fatalf("the owner's view: %s %v %s", mine.Status, mine.FeedbackRequested, texts)
	}
	if ph := e.call(t, "GET", "/api/v1/cases/"+ref+"/photos/"+photo, token, ""); ph.status != 200 {
		t.Errorf("the owner's photo: %d", ph.status)
	}
	owned := mustJSON[struct{ Items []caseJSON }](t, e.call(t, "GET", "/api/v1/cases", token, ""), 200)
	if len(owned.Items) != 1 || owned.Items[0].Reference != ref {
		t.Errorf("my cases: %+v", owned.Items)
	}
	// The resident was told: the development outbox holds the messages.
	deadline := time.Now().Add(15 * time.Second)
	for !slices.ContainsFunc(e.dev.Messages("ada@example.org"), func(m auth.Message) bool { return strings.Contains(m.Body, "Hedge trimmed back.") }) {
		if time.Now().After(deadline) {
			t.Fatalf("the resident was not told: %+v", e.dev.Messages("ada@example.org"))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Another resident sees nothing of it; nor does a guess.
	_, other := e.signUp(t, "bob@example.org", "Bob")
	mustProblem(t, e.call(t, "GET", "/api/v1/cases/"+ref, other, ""), 404, "not-found")
	mustProblem(t, e.call(t, "GET", "/api/v1/cases/not-a-reference", other, ""), 404, "not-found")

	rated := e.call(t, "POST", "/api/v1/cases/"+ref+"/feedback", token, `{"rating": "good", "comment": "Quick and tidy"}`)
	if rated.status != 201 {
		t.Fatalf("feedback: %s", rated)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/cases/"+ref+"/feedback", token, `{"rating": "poor"}`), 409, "feedback-given")
}
