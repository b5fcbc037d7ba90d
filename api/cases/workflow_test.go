package cases

import (
	"errors"
	"slices"
	"testing"
	"time"

	"frontdoor/api/notify"
)

// TestWorkflowTable walks every pair of statuses: only the workflow's own
// moves are allowed, and closed and cancelled are final.
func TestWorkflowTable(t *testing.T) {
	all := Statuses
	allowed := map[[2]Status]bool{
		{StatusSubmitted, StatusInProgress}: true, {StatusSubmitted, StatusCancelled}: true,
		{StatusInProgress, StatusAwaitingCustomer}: true, {StatusInProgress, StatusResolved}: true, {StatusInProgress, StatusCancelled}: true,
		{StatusAwaitingCustomer, StatusInProgress}: true, {StatusAwaitingCustomer, StatusCancelled}: true,
		{StatusResolved, StatusClosed}: true, {StatusResolved, StatusReopened}: true,
		{StatusReopened, StatusInProgress}: true, {StatusReopened, StatusCancelled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := CanMove(from, to); got != allowed[[2]Status{from, to}] {
				t.Errorf("%s -> %s: allowed %v", from, to, got)
			}
		}
	}
}

// TestStaffWorkBothItems: staff of the grounds team take both items from
// their queue, the case follows, closes when both are resolved, and asks for
// feedback; an illegal step is refused and changes nothing.
func TestStaffWorkBothItems(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	queue, _, err := e.svc.Queue(ctx, grounds, "grounds", "", 0)
	if err != nil || len(queue) != 2 || queue[0].Reference != c.Reference {
		t.Fatalf("queue: %v %+v", err, queue)
	}
	if _, err := e.svc.Transition(ctx, grounds, c.Reference, items[0].ID, Move{To: StatusResolved}); !errors.Is(err, ErrTransition) {
		t.Fatalf("submitted -> resolved: %v", err)
	}
	got := mustMove(t, e, grounds, c.Reference, items[0].ID, StatusInProgress)
	if got.Status != StatusInProgress {
		t.Errorf("case status %s after one item started", got.Status)
	}
	mustMove(t, e, grounds, c.Reference, items[0].ID, StatusResolved)
	got = mustMove(t, e, grounds, c.Reference, items[1].ID, StatusInProgress)
	if got.Status != StatusInProgress || !got.Open {
		t.Errorf("case %s open %v with one item still going", got.Status, got.Open)
	}
	got, err = e.svc.Transition(ctx, grounds, c.Reference, items[1].ID, Move{To: StatusResolved, PublicUpdate: "Cut on Tuesday."})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusClosed || got.Open || got.ClosedAt == nil {
		t.Fatalf("case %s open %v closed %v once both were resolved", got.Status, got.Open, got.ClosedAt)
	}
	last := got.Events[len(got.Events)-1]
	if last.Kind != EventFeedbackRequested || !last.Public {
		t.Errorf("no feedback request at the end: %+v", last)
	}
	if queue, _, _ := e.svc.Queue(ctx, grounds, "grounds", "", 0); len(queue) != 0 {
		t.Errorf("resolved items still queued: %+v", queue)
	}
	if _, err := e.svc.Transition(ctx, grounds, c.Reference, items[1].ID, Move{To: StatusInProgress}); !errors.Is(err, ErrTransition) {
		t.Errorf("resolved -> in_progress: %v", err)
	}
	// The resident heard of every public event, with staff's words.
	notices := e.waitNotices(t, 6) // created, four moves, feedback requested
	if !slices.ContainsFunc(notices, func(n notify.Event) bool {
		return n.Data["Update"] == "Status: resolved. Cut on Tuesday." && n.To.Resident == alice && n.URL == "https://frontdoor.test/cases/"+c.Reference
	}) {
		t.Errorf("the public update never reached the resident: %+v", notices)
	}
	if !slices.ContainsFunc(notices, func(n notify.Event) bool { return n.Kind == notify.KindCaseResolved }) {
		t.Errorf("no feedback request was sent: %+v", notices)
	}
}

// TestTeamsOnlyTheirOwn: staff of another team see neither the queue nor
// the case, and cannot move its items; a supervisor can.
func TestTeamsOnlyTheirOwn(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	roads := Staff{ID: "staff-rhys", Teams: []string{"highways"}}
	if _, _, err := e.svc.Queue(ctx, roads, "grounds", "", 0); !errors.Is(err, ErrTeamForbidden) {
		t.Errorf("queue of another team: %v", err)
	}
	if _, _, err := e.svc.StaffCase(ctx, roads, c.Reference); !errors.Is(err, ErrTeamForbidden) {
		t.Errorf("case of another team: %v", err)
	}
	if _, err := e.svc.Transition(ctx, roads, c.Reference, items[0].ID, Move{To: StatusInProgress}); !errors.Is(err, ErrTeamForbidden) {
		t.Errorf("move by another team: %v", err)
	}
	boss := Staff{ID: "staff-sue", AllTeams: true}
	mustMove(t, e, boss, c.Reference, items[0].ID, StatusInProgress)
	other, _ := mustCreate(t, e, NewCase{Owner: bob, Items: []NewItem{streetItem(t, "pothole", central)}})
	if _, err := e.svc.Transition(ctx, boss, other.Reference, items[0].ID, Move{To: StatusResolved}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an item moved through another case's reference: %v", err)
	}
}

// TestAwaitingCustomerPausesTheClock: three working days waiting for the
// resident move the due date by three working days.
func TestAwaitingCustomerPausesTheClock(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	it := items[0]
	mustMove(t, e, grounds, c.Reference, it.ID, StatusInProgress)
	mustMove(t, e, grounds, c.Reference, it.ID, StatusAwaitingCustomer)
	e.clock.Add(3 * 24 * time.Hour) // Monday to Thursday
	mustMove(t, e, grounds, c.Reference, it.ID, StatusInProgress)
	got, _ := e.svc.items.Get(ctx, it.ID)
	want := it.DueAt.AddDate(0, 0, 3) // Monday 16th -> Thursday 19th, no weekend crossed
	if !got.DueAt.Equal(want) || got.PausedAt != nil || !got.Waited {
		t.Fatalf("due %v, want %v (paused %v, waited %v)", got.DueAt, want, got.PausedAt, got.Waited)
	}
}

// TestBreachesRecorded: an item past its due time is marked breached by the
// sweep, counted as breached when resolved, and never first-contact.
func TestBreachesRecorded(t *testing.T) {
	e := newEnv(t)
	c, items := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", central)}})
	e.clock.Add(47 * time.Hour)
	if n, err := e.svc.SweepBreaches(ctx); err != nil || n != 0 {
		t.Fatalf("swept %d before the 48 hours: %v", n, err)
	}
	e.clock.Add(2 * time.Hour)
	if n, err := e.svc.SweepBreaches(ctx); err != nil || n != 1 {
		t.Fatalf("swept %d after 49 hours: %v", n, err)
	}
	highways := Staff{ID: "staff-h", Teams: []string{"highways"}}
	q, _, _ := e.svc.Queue(ctx, highways, "highways", "", 0)
	if len(q) != 1 || !q[0].Breached {
		t.Fatalf("queue does not show the breach: %+v", q)
	}
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusInProgress)
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusResolved)
	sum, err := e.svc.Insight(ctx, "2026-11-01", "2026-11-30")
	if err != nil || sum.Standards.Breached != 1 || sum.Standards.Met != 0 || sum.Standards.ByService["pothole"].Breached != 1 {
		t.Fatalf("insight %+v: %v", sum.Standards, err)
	}
}

// TestReassignAndAssign: reassigning moves the item to the other team's
// queue with an internal note; assignment is internal too.
func TestReassignAndAssign(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	if _, err := e.svc.Assign(ctx, grounds, c.Reference, items[0].ID, &Staff{ID: "staff-rhys", Teams: []string{"highways"}}); fieldIDs(err)["/assignee"] != MsgNotAllowed {
		t.Fatalf("assigned to someone of another team: %v", err)
	}
	if _, err := e.svc.Assign(ctx, grounds, c.Reference, items[0].ID, &grounds); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reassign(ctx, grounds, c.Reference, items[1].ID, "nowhere", ""); fieldIDs(err)["/team"] != MsgTeamUnknown {
		t.Errorf("reassign to an unknown team: %v", err)
	}
	got, err := e.svc.Reassign(ctx, grounds, c.Reference, items[1].ID, "highways", "Hedge overhangs the road")
	if err != nil {
		t.Fatal(err)
	}
	highways := Staff{ID: "staff-h", Teams: []string{"highways"}}
	q, _, _ := e.svc.Queue(ctx, highways, "highways", "", 0)
	if len(q) != 1 || q[0].ItemID != items[1].ID {
		t.Fatalf("highways queue %+v", q)
	}
	q, _, _ = e.svc.Queue(ctx, grounds, "grounds", "", 0)
	if len(q) != 1 || q[0].Assignee != "staff-gina" {
		t.Fatalf("grounds queue %+v", q)
	}
	for _, ev := range got.Events {
		if (ev.Kind == EventReassigned || ev.Kind == EventAssigned) && ev.Public {
			t.Errorf("internal event made public: %+v", ev)
		}
	}
}

// TestNotesStayInternal: a note is on staff's timeline and never told; an
// update is told.
func TestNotesStayInternal(t *testing.T) {
	e := newEnv(t)
	c, _ := grassAndHedge(t, e)
	if _, err := e.svc.AddUpdate(ctx, grounds, c.Reference, "Resident sounds upset", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddUpdate(ctx, grounds, c.Reference, "We will visit on Friday.", true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddUpdate(ctx, grounds, c.Reference, "  ", true); fieldIDs(err)["/text"] != MsgRequired {
		t.Errorf("an empty update: %v", err)
	}
	notices := e.waitNotices(t, 2) // created, the update
	time.Sleep(50 * time.Millisecond)
	for _, n := range e.waitNotices(t, len(notices)) {
		if n.Data["Update"] == "Resident sounds upset" {
			t.Fatal("an internal note was sent to the resident")
		}
	}
	if !slices.ContainsFunc(notices, func(n notify.Event) bool {
		return n.Kind == notify.KindCaseUpdate && n.Data["Update"] == "We will visit on Friday."
	}) {
		t.Errorf("the public update was not told: %+v", notices)
	}
}
