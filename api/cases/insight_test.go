package cases

import (
	"errors"
	"slices"
	"testing"
	"time"

	"frontdoor/api/catalogue"
)

// TestInsightCountsByChannelAndTier: every case, interaction, resolution
// and rating moves the counters it should, and nothing else; days outside
// the range are not counted.
func TestInsightCountsByChannelAndTier(t *testing.T) {
	e := newEnv(t)
	mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "grass-cutting", hoe), streetItem(t, "hedge-cutting", hoe)}})
	mustCreate(t, e, NewCase{Owner: bob, Channel: "kiosk", Actor: "staff-k", Items: []NewItem{{Service: "housing-repair",
		Answers: answers(t, map[string]any{"details": "Damp in the bedroom"})}}})
	c, items := mustCreate(t, e, NewCase{Channel: "phone", Actor: "staff-p", Items: []NewItem{streetItem(t, "pothole", central)},
		Contact: &NewContact{Phone: "07700 900123"}})
	highways := Staff{ID: "staff-h", Teams: []string{"highways"}}
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusInProgress)
	mustMove(t, e, highways, c.Reference, items[0].ID, StatusResolved) // first contact, within standard
	if _, err := e.svc.Track(ctx, Requester{Proof: "+447700900123", Channel: "web"}, c.Reference); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(24 * time.Hour) // Tuesday: not in a Monday-only summary
	mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", hoe)}})

	sum, err := e.svc.Insight(ctx, "2026-11-02", "2026-11-02")
	if err != nil {
		t.Fatal(err)
	}
	cs := sum.Cases
	if cs.Total != 4 || cs.ByChannel["web"] != 2 || cs.ByChannel["kiosk"] != 1 || cs.ByChannel["phone"] != 1 ||
		cs.ByTier["simple"] != 3 || cs.ByTier["assisted"] != 1 || cs.ByService["hedge-cutting"] != 1 {
		t.Errorf("cases %+v", cs)
	}
	if sum.Interactions.Total != 5 || sum.Interactions.ByChannel["web"] != 3 {
		t.Errorf("interactions %+v (4 items reported + 1 tracking look)", sum.Interactions)
	}
	if sum.Standards.Met != 1 || sum.Standards.Breached != 0 || sum.FirstContact.Resolved != 1 || sum.FirstContact.Rate != 1 {
		t.Errorf("standards %+v first contact %+v", sum.Standards, sum.FirstContact)
	}
	week, _ := e.svc.Insight(ctx, "2026-11-02", "2026-11-08")
	if week.Cases.Total != 5 {
		t.Errorf("the week counted %d items, want 5", week.Cases.Total)
	}
	for _, r := range [][2]string{{"2026-11-02", "2026-11-01"}, {"yesterday", "2026-11-01"}, {"2020-01-01", "2026-01-01"}} {
		if _, err := e.svc.Insight(ctx, r[0], r[1]); err == nil {
			t.Errorf("range %v accepted", r)
		}
	}
}

// TestNearbyFindsTheSameProblem: an open report of the same service within
// 50 m is offered; farther, closed, other services and private services are not.
func TestNearbyFindsTheSameProblem(t *testing.T) {
	e := newEnv(t)
	near := catalogue.Point{Lat: hoe.Lat + 0.0003, Lng: hoe.Lng} // about 33 m north
	far := catalogue.Point{Lat: hoe.Lat + 0.0006, Lng: hoe.Lng}  // about 67 m north
	c1, _ := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "grass-cutting", near)}})
	mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "grass-cutting", far)}})
	mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", hoe)}})
	closed, items := mustCreate(t, e, NewCase{Owner: bob, Items: []NewItem{streetItem(t, "grass-cutting", hoe)}})
	mustMove(t, e, grounds, closed.Reference, items[0].ID, StatusCancelled)

	got, err := e.svc.Nearby(ctx, "grass-cutting", hoe)
	if err != nil || len(got) != 1 || got[0].Reference != c1.Reference || got[0].Distance < 30 || got[0].Distance > 36 {
		t.Fatalf("nearby %+v: %v", got, err)
	}
	if got, _ := e.svc.Nearby(ctx, "hedge-cutting", hoe); len(got) != 0 {
		t.Errorf("another service's reports offered: %+v", got)
	}
	// Following it instead of reporting again: the follower hears of updates.
	if _, err := e.svc.Follow(ctx, bob, c1.Reference); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Follow(ctx, bob, c1.Reference); err != nil {
		t.Fatalf("following twice: %v", err)
	}
	list, _, err := e.svc.List(ctx, bob, true, "", 0)
	if err != nil || len(list) != 1 || list[0].ID != c1.ID {
		t.Fatalf("bob follows %+v: %v", list, err)
	}
	if _, err := e.svc.AddUpdate(ctx, grounds, c1.Reference, "Booked for Thursday.", true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !e.noticeTo(bob, "Booked for Thursday.") {
		if time.Now().After(deadline) {
			t.Fatal("the follower was not told of the update")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := e.svc.Follow(ctx, bob, closed.Reference); !errors.Is(err, ErrFinished) {
		t.Errorf("followed a finished case: %v", err)
	}
}

func (e *env) noticeTo(resident, text string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.events {
		if ev.To.Resident == resident && ev.Data["Update"] == text {
			return true
		}
	}
	return false
}

// TestMergeDuplicate: the duplicate's items are cancelled, it names the case
// it joined, and its resident now follows that case.
func TestMergeDuplicate(t *testing.T) {
	e := newEnv(t)
	first, _ := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "grass-cutting", hoe)}})
	dup, _ := mustCreate(t, e, NewCase{Owner: bob, Items: []NewItem{streetItem(t, "grass-cutting", hoe)}})
	if _, err := e.svc.Merge(ctx, grounds, dup.Reference, dup.Reference); fieldIDs(err)["/into"] != MsgSameCase {
		t.Fatalf("merged into itself: %v", err)
	}
	got, err := e.svc.Merge(ctx, grounds, dup.Reference, first.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusCancelled || got.MergedInto != first.Reference || got.Open {
		t.Fatalf("duplicate after merge: %s %q open %v", got.Status, got.MergedInto, got.Open)
	}
	following, _, _ := e.svc.List(ctx, bob, true, "", 0)
	if len(following) != 1 || following[0].ID != first.ID {
		t.Errorf("bob does not follow the case he duplicated: %+v", following)
	}
	if _, err := e.svc.Merge(ctx, grounds, dup.Reference, first.Reference); !errors.Is(err, ErrFinished) {
		t.Errorf("merged twice: %v", err)
	}
}

// TestFollowOnlyPublicReports: a resident may follow a neighbour's street
// report, never someone else's complaint or repair.
func TestFollowOnlyPublicReports(t *testing.T) {
	e := newEnv(t)
	c, _ := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{{Service: "housing-repair",
		Answers: answers(t, map[string]any{"details": "Damp in the bedroom"})}}})
	if _, err := e.svc.Follow(ctx, bob, c.Reference); !errors.Is(err, ErrNotFound) {
		t.Fatalf("followed someone's repair: %v", err)
	}
}

// TestSpansCoverTheRangeOnce: every day of a range is counted by exactly
// one span, whole months by their month's tally.
func TestSpansCoverTheRangeOnce(t *testing.T) {
	cases := []struct {
		from, to string
		want     []span
	}{
		{"2026-11-02", "2026-11-02", []span{{periodDay, "2026-11-02", "2026-11-02"}}},
		{"2026-11-01", "2026-11-30", []span{{periodMonth, "2026-11", "2026-11"}}},
		{"2026-11-01", "2026-11-29", []span{{periodDay, "2026-11-01", "2026-11-29"}}},
		{"2025-11-23", "2026-11-22", []span{{periodDay, "2025-11-23", "2025-11-30"}, {periodMonth, "2025-12", "2026-10"},
			{periodDay, "2026-11-01", "2026-11-22"}}},
		{"2026-01-31", "2026-03-01", []span{{periodDay, "2026-01-31", "2026-01-31"}, {periodMonth, "2026-02", "2026-02"},
			{periodDay, "2026-03-01", "2026-03-01"}}},
		{"2024-02-29", "2024-02-29", []span{{periodDay, "2024-02-29", "2024-02-29"}}},
		{"2026-12-15", "2027-01-31", []span{{periodDay, "2026-12-15", "2026-12-31"}, {periodMonth, "2027-01", "2027-01"}}},
	}
	for _, tc := range cases {
		if got := spans(tc.from, tc.to); !slices.Equal(got, tc.want) {
			t.Errorf("spans(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestInsightAcrossMonths: a range over whole months and edge days counts
// each case once, whichever tallies it reads.
func TestInsightAcrossMonths(t *testing.T) {
	e := newEnv(t)
	for _, day := range []time.Time{
		time.Date(2026, 10, 30, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
	} {
		e.clock.Set(day)
		mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", central)}})
	}
	for _, r := range []struct {
		from, to string
		want     int64
	}{
		{"2026-10-30", "2026-12-01", 4}, {"2026-10-31", "2026-11-30", 2}, {"2026-11-01", "2026-11-30", 2},
		{"2026-11-03", "2026-12-31", 2}, {"2026-01-01", "2026-12-31", 4}, {"2026-12-02", "2026-12-31", 0},
	} {
		sum, err := e.svc.Insight(ctx, r.from, r.to)
		if err != nil || sum.Cases.Total != r.want {
			t.Errorf("%s..%s: %d cases, want %d (%v)", r.from, r.to, sum.Cases.Total, r.want, err)
		}
	}
}
