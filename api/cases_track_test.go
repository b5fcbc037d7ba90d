package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
)

// TestTrackWithoutAccount: someone who reported with an email follows the
// case by reference and email or postcode; the limited view carries no
// answers and nothing about them; wrong guesses look like no case at all
// and are throttled.
func TestTrackWithoutAccount(t *testing.T) {
	e := newCasesEnv(t)
	body := fmt.Sprintf(`{"items": [{"service": "fly-tipping", "answers": {"location": %s, "waste-type": "furniture",
		"amount": "van", "private-land": false, "details": "Sofa by the bins"}}],
		"contact": {"name": "Sam", "email": "sam@example.org", "postcode": "PL4 6AA"}}`, pointJSON(theHoe))
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", "", body), 201)
	ref := created.Reference

	for _, proof := range []string{`"email": "SAM@example.org"`, `"postcode": "pl46aa"`} {
		got := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/track", "", fmt.Sprintf(`{"reference": %q, %s}`, strings.ToLower(ref), proof)), 200)
		if got.Reference != ref || len(got.Items) != 1 || got.Items[0].Answers != nil || got.Contact != nil || len(got.Updates) == 0 {
			t.Fatalf("tracked view %+v", got)
		}
	}
	r := e.call(t, "POST", "/api/v1/track", "", fmt.Sprintf(`{"reference": %q, "email": "eve@example.org"}`, ref))
	wrong := mustProblem(t, r, 404, "not-found")
	nothing := mustProblem(t, e.call(t, "POST", "/api/v1/track", "", `{"reference": "222-222-222", "email": "eve@example.org"}`), 404, "not-found")
	if wrong.Detail != nothing.Detail {
		t.Errorf("a wrong proof and no case differ: %q / %q", wrong.Detail, nothing.Detail)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/track", "", `{"reference": ""}`), 400, "validation")
	mustProblem(t, e.call(t, "POST", "/api/v1/track", "", `{"reference": 7}`), 400, "invalid-body")
	// The sign-in throttle's rules: ten failures for one key in five minutes.
	var last *response
	for range 12 {
		last = e.call(t, "POST", "/api/v1/track", "", fmt.Sprintf(`{"reference": %q, "postcode": "PL1 1AA"}`, ref))
	}
	mustProblem(t, last, 429, "track-throttled")
	if last.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// A signed-in resident who is not the owner cannot read it by reference.
	_, other := e.signUp(t, "eve@example.org", "Eve")
	mustProblem(t, e.call(t, "GET", "/api/v1/cases/"+ref, other, ""), 404, "not-found")
}

// TestComplaintOverHTTP: a resident complains; staff answer stage 1 with an
// outcome; the resident escalates to stage 2; the review team sees it.
func TestComplaintOverHTTP(t *testing.T) {
	e := newCasesEnv(t)
	_, token := e.signUp(t, "cara@example.org", "Cara")
	body := `{"items": [{"service": "complaint", "answers": {"service-area": "waste", "what-happened": "My bin was missed four weeks running.",
		"put-right": "Collect it and tell the crew.", "contact-by": "email"}}]}`
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", "", `{"items": [{"service": "complaint", "answers": {}}], "contact": {"email": "x@example.org"}}`), 400, "validation")
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", token, body), 201)
	ref, item := created.Reference, created.Items[0].ID
	_, cr := e.staff(t, "cr@plymouth.example", auth.RoleStaff, "customer-relations")
	move := func(token, body string) *response {
		return e.call(t, "POST", "/api/v1/staff/cases/"+ref+"/items/"+item+"/transition", token, body)
	}
	mustJSON[caseJSON](t, move(cr, `{"to": "in_progress"}`), 200)
	mustProblem(t, move(cr, `{"to": "resolved"}`), 400, "validation")
	mustProblem(t, move(cr, `{"to": "submitted"}`), 409, "transition-not-allowed")
	mustProblem(t, move(cr, `{"to": "flying"}`), 400, "validation")
	mustJSON[caseJSON](t, move(cr, `{"to": "resolved", "outcome": "not_upheld", "public_update": "The crew reported the bin was not out."}`), 200)

	mine := mustJSON[caseJSON](t, e.call(t, "GET", "/api/v1/cases/"+ref, token, ""), 200)
	if mine.Items[0].EscalateBy == "" || mine.Items[0].Complaint == nil || mine.Items[0].Complaint.Stage != 1 {
		t.Fatalf("the resident is not told until when they may escalate: %+v", mine.Items[0])
	}
	_, stranger := e.signUp(t, "dan@example.org", "Dan")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases/"+ref+"/items/"+item+"/escalate", stranger, `{"reason": "x"}`), 404, "not-found")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases/"+ref+"/items/"+item+"/escalate", token, `{"reason": ""}`), 400, "validation")
	esc := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases/"+ref+"/items/"+item+"/escalate", token, `{"reason": "It was out: I have a photo."}`), 200)
	if esc.Status != "in_progress" || esc.Items[0].Status != "reopened" {
		t.Fatalf("after escalation %+v", esc)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/cases/"+ref+"/items/"+item+"/escalate", token, `{"reason": "again"}`), 409, "escalation-not-allowed")
	_, review := e.staff(t, "senior@plymouth.example", auth.RoleStaff, "complaints-review")
	q := mustJSON[struct{ Items []struct{ Reference string } }](t, e.call(t, "GET", "/api/v1/staff/queues/complaints-review", review, ""), 200)
	if len(q.Items) != 1 || q.Items[0].Reference != ref {
		t.Fatalf("stage-2 queue %+v", q)
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/staff/queues/complaints-review", cr, ""), 403, "forbidden")
	mustProblem(t, move(cr, `{"to": "in_progress"}`), 403, "forbidden")

	// Supervisors read the insight; staff and residents may not.
	_, boss := e.staff(t, "boss@plymouth.example", auth.RoleSupervisor)
	sum := mustJSON[struct {
		Cases struct {
			Total     int            `json:"total"`
			ByChannel map[string]int `json:"by_channel"`
			ByTier    map[string]int `json:"by_tier"`
		} `json:"cases"`
		Complaints map[string]int `json:"complaints"`
	}](t, e.call(t, "GET", "/api/v1/insight/summary?from=2020-01-01&to=2021-12-31", boss, ""), 200)
	if sum.Cases.Total != 0 {
		t.Errorf("a past range counted today's case: %+v", sum)
	}
	today := e.cases.Calendar().Day(time.Now())
	sum2 := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/insight/summary?from="+today+"&to="+today, boss, ""), 200)
	if fmt.Sprint(sum2["complaints"]) != "map[escalated:1 not_upheld:1 partly_upheld:0 upheld:0]" {
		t.Errorf("complaints insight %v", sum2["complaints"])
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/insight/summary?from="+today+"&to="+today, cr, ""), 403, "forbidden")
	mustProblem(t, e.call(t, "GET", "/api/v1/insight/summary?from=yesterday&to="+today, boss, ""), 400, "validation")
}
