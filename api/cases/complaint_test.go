package cases

import (
	"errors"
	"testing"
	"time"

	"frontdoor/api/notify"
)

func complaintCase(t *testing.T, e *env) (*Case, *Item) {
	t.Helper()
	c, items := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{{Service: "complaint",
		Answers: answers(t, map[string]any{"details": "The bin crew left rubbish all over the road."})}}})
	return c, items[0]
}

var relations = Staff{ID: "staff-cr", Teams: []string{"customer-relations"}}

// TestComplaintEscalatesToStage2: stage 1 needs an outcome to resolve; the
// resident may then escalate once, within 20 working days; stage 2 goes to
// the review team with its own standard and outcome.
func TestComplaintEscalatesToStage2(t *testing.T) {
	e := newEnv(t)
	c, it := complaintCase(t, e)
	if it.Complaint == nil || it.Complaint.Stage != 1 || it.Team != "customer-relations" {
		t.Fatalf("a complaint item %+v", it)
	}
	if _, err := e.svc.Escalate(ctx, Requester{Resident: alice}, c.Reference, it.ID, "No answer yet"); !errors.Is(err, ErrEscalation) {
		t.Fatalf("escalated before any stage-1 response: %v", err)
	}
	mustMove(t, e, relations, c.Reference, it.ID, StatusInProgress)
	if _, err := e.svc.Transition(ctx, relations, c.Reference, it.ID, Move{To: StatusResolved}); fieldIDs(err)["/outcome"] != MsgOutcomeRequired {
		t.Fatalf("resolved a complaint without an outcome: %v", err)
	}
	if _, err := e.svc.Transition(ctx, relations, c.Reference, it.ID, Move{To: StatusResolved, Outcome: "maybe"}); fieldIDs(err)["/outcome"] != MsgNotAllowed {
		t.Fatalf("an invented outcome: %v", err)
	}
	if _, err := e.svc.Transition(ctx, relations, c.Reference, it.ID, Move{To: StatusResolved, Outcome: OutcomeNotUpheld,
		PublicUpdate: "We looked into it and the crew followed the rules."}); err != nil {
		t.Fatal(err)
	}
	// The answer tells the resident until when they may escalate.
	deadline := e.svc.cal.Due(e.clock.Now(), 20, "working_days")
	deadline2 := time.Time{}
	for _, n := range e.waitNotices(t, 4) { // received, in progress, the answer
		if n.Kind == notify.KindComplaintResponse {
			deadline2, _ = n.Data["Deadline"].(time.Time)
		}
	}
	if !deadline2.Equal(deadline) {
		t.Errorf("the complaint answer's deadline %v, want %v", deadline2, deadline)
	}
	if _, err := e.svc.Escalate(ctx, Requester{Resident: bob}, c.Reference, it.ID, "Not mine"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another resident escalated it: %v", err)
	}
	e.clock.Add(19 * 24 * time.Hour) // well inside 20 working days
	got, err := e.svc.Escalate(ctx, Requester{Resident: alice, Channel: "web"}, c.Reference, it.ID, "The photos show otherwise.")
	if err != nil {
		t.Fatal(err)
	}
	item, _ := e.svc.items.Get(ctx, it.ID)
	cp := item.Complaint
	if cp.Stage != 2 || cp.Stage1Outcome != OutcomeNotUpheld || cp.EscalationReason != "The photos show otherwise." ||
		item.Team != "complaints-review" || item.Status != StatusReopened || !item.Open || got.Status != StatusInProgress {
		t.Fatalf("after escalation: item %+v complaint %+v case %s", item, cp, got.Status)
	}
	wantDue := e.svc.cal.Due(e.clock.Now(), 20, "working_days")
	if !item.DueAt.Equal(wantDue) {
		t.Errorf("stage-2 due %v, want %v", item.DueAt, wantDue)
	}
	if _, err := e.svc.Escalate(ctx, Requester{Resident: alice}, c.Reference, it.ID, "Again"); !errors.Is(err, ErrEscalation) {
		t.Errorf("escalated twice: %v", err)
	}
	review := Staff{ID: "staff-senior", Teams: []string{"complaints-review"}}
	mustMove(t, e, review, c.Reference, it.ID, StatusInProgress)
	if _, err := e.svc.Transition(ctx, review, c.Reference, it.ID, Move{To: StatusResolved, Outcome: OutcomePartlyUpheld}); err != nil {
		t.Fatal(err)
	}
	item, _ = e.svc.items.Get(ctx, it.ID)
	if item.Complaint.Stage2Outcome != OutcomePartlyUpheld || item.Complaint.Stage1Outcome != OutcomeNotUpheld {
		t.Errorf("outcomes %+v", item.Complaint)
	}
	sum, _ := e.svc.Insight(ctx, "2026-11-01", "2026-12-31")
	if sum.Complaints.NotUpheld != 1 || sum.Complaints.PartlyUpheld != 1 || sum.Complaints.Escalated != 1 {
		t.Errorf("complaints insight %+v", sum.Complaints)
	}
}

// TestEscalationWindowCloses: 20 working days after the stage-1 response
// (more than four weeks of calendar), escalation is refused.
func TestEscalationWindowCloses(t *testing.T) {
	e := newEnv(t)
	c, it := complaintCase(t, e)
	mustMove(t, e, relations, c.Reference, it.ID, StatusInProgress)
	if _, err := e.svc.Transition(ctx, relations, c.Reference, it.ID, Move{To: StatusResolved, Outcome: OutcomeUpheld}); err != nil {
		t.Fatal(err)
	}
	// Responded Monday 2 Nov; 20 working days end Monday 30 Nov at midnight.
	e.clock.Set(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC))
	item, _ := e.svc.items.Get(ctx, it.ID)
	if by, ok := e.svc.EscalationDeadline(item, &catalogueComplaint); !ok || by.Before(e.clock.Now()) {
		t.Fatalf("deadline %v (ok %v) is before the last day", by, ok)
	}
	e.clock.Set(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC))
	if _, err := e.svc.Escalate(ctx, Requester{Resident: alice}, c.Reference, it.ID, "Too late?"); !errors.Is(err, ErrEscalation) {
		t.Fatalf("escalated after the window: %v", err)
	}
}

// TestFeedbackOnceAtTheEnd: a rating is refused while the case is open,
// accepted once after, and counted by the case's channel.
func TestFeedbackOnceAtTheEnd(t *testing.T) {
	e := newEnv(t)
	c, items := mustCreate(t, e, NewCase{Channel: "kiosk", Items: []NewItem{streetItem(t, "pothole", central)},
		Contact: &NewContact{Email: "kim@example.org"}})
	kim := Requester{Proof: "kim@example.org", Channel: "web"}
	if _, err := e.svc.Feedback(ctx, kim, c.Reference, RatingGood, ""); !errors.Is(err, ErrNotYetClosed) {
		t.Fatalf("rated an open case: %v", err)
	}
	highways := Staff{ID: "staff-h", Teams: []string{"highways"}}
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusInProgress)
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusResolved)
	if _, err := e.svc.Feedback(ctx, kim, c.Reference, "brilliant", ""); fieldIDs(err)["/rating"] != MsgNotAllowed {
		t.Fatalf("an invented rating: %v", err)
	}
	if _, err := e.svc.Feedback(ctx, Requester{Proof: "eve@example.org"}, c.Reference, RatingPoor, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a stranger rated it: %v", err)
	}
	got, err := e.svc.Feedback(ctx, kim, c.Reference, RatingGood, "Fixed in a day")
	if err != nil || got.Feedback.Rating != RatingGood || got.Feedback.Channel != "web" {
		t.Fatalf("feedback %+v: %v", got, err)
	}
	if _, err := e.svc.Feedback(ctx, kim, c.Reference, RatingPoor, ""); !errors.Is(err, ErrFeedbackGiven) {
		t.Fatalf("rated twice: %v", err)
	}
	sum, _ := e.svc.Insight(ctx, "2026-11-02", "2026-11-02")
	if sat := sum.Satisfaction["kiosk"]; sat == nil || sat.Good != 1 || sat.Score != 1 {
		t.Errorf("satisfaction by channel %+v", sum.Satisfaction)
	}
}
