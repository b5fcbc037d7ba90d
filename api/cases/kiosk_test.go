package cases

import (
	"testing"
)

// Cases made at kiosk terminals: the location is kept and counted, and an
// anonymous kiosk session owns its cases without being an account.

func TestKioskLocationIsKeptAndCounted(t *testing.T) {
	e := newEnv(t)
	at := "St. Budeaux Library $1" // a dot and a dollar, which field names must not hold
	c, _ := mustCreate(t, e, NewCase{Owner: alice, Channel: "kiosk", Location: at, Items: []NewItem{streetItem(t, "pothole", hoe)}})
	if c.Location != at {
		t.Errorf("location %q", c.Location)
	}
	mustCreate(t, e, NewCase{Owner: bob, Channel: "assisted", Actor: "staff-k", Location: at,
		Items: []NewItem{streetItem(t, "grass-cutting", hoe), streetItem(t, "hedge-cutting", hoe)}})
	mustCreate(t, e, NewCase{Owner: bob, Channel: "kiosk", Location: "Plympton Hub", Items: []NewItem{streetItem(t, "pothole", central)}})
	mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", hoe)}}) // the web: no location

	got, _, err := e.svc.StaffCase(ctx, Staff{ID: "sup", AllTeams: true}, c.Reference)
	if err != nil || got.Location != at {
		t.Fatalf("stored location %q, %v", got.Location, err)
	}
	sum, err := e.svc.Insight(ctx, "2026-11-02", "2026-11-02")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{at: {"kiosk": 1, "assisted": 2}, "Plympton Hub": {"kiosk": 1}}
	if len(sum.ByLocation) != len(want) {
		t.Fatalf("by location %v, want %v", sum.ByLocation, want)
	}
	for loc, chans := range want {
		for ch, n := range chans {
			if sum.ByLocation[loc][ch] != n {
				t.Errorf("by location %v, want %v", sum.ByLocation, want)
			}
		}
	}
	if sum.Cases.Total != 5 {
		t.Errorf("%d items counted, want 5", sum.Cases.Total)
	}
}

func TestAnonymousKioskOwner(t *testing.T) {
	e := newEnv(t)
	session := "ks_session1"
	// Without an account the reporter must leave a way to reach them, even
	// though the session owns the case while it lasts.
	_, _, err := e.svc.Create(ctx, NewCase{Owner: session, AnonymousOwner: true, Channel: "kiosk", Location: "Central Library",
		Items: []NewItem{streetItem(t, "pothole", hoe)}})
	if got := fieldIDs(err); got["/contact"] != MsgContactRequired {
		t.Fatalf("no contact: %v, want /contact %s", err, MsgContactRequired)
	}
	// Services that need an account are not for anonymous sessions either.
	_, _, err = e.svc.Create(ctx, NewCase{Owner: session, AnonymousOwner: true, Channel: "kiosk",
		Contact: &NewContact{Email: "sam@example.org"},
		Items:   []NewItem{{Service: "housing-repair", Answers: answers(t, map[string]any{"details": "Damp"})}}})
	if got := fieldIDs(err); got["/items/0/service"] != MsgAnonymousRefused {
		t.Fatalf("housing repair: %v, want %s", err, MsgAnonymousRefused)
	}
	c, _ := mustCreate(t, e, NewCase{Owner: session, AnonymousOwner: true, Channel: "kiosk", Location: "Central Library",
		Contact: &NewContact{Email: "sam@example.org"}, Items: []NewItem{streetItem(t, "pothole", hoe)}})
	if !c.AnonymousOwner || c.Owner != session {
		t.Errorf("owner %q anonymous %v", c.Owner, c.AnonymousOwner)
	}
	// The session lists and reads it; the contact tracks it; the contact is
	// told, and no one is told as the session.
	list, _, err := e.svc.List(ctx, session, false, "", 0)
	if err != nil || len(list) != 1 || list[0].Reference != c.Reference {
		t.Fatalf("the session's list: %v, %v", list, err)
	}
	if _, _, err := e.svc.Get(ctx, Requester{Resident: session, Channel: "kiosk"}, c.Reference); err != nil {
		t.Errorf("the session reads its case: %v", err)
	}
	if _, err := e.svc.Track(ctx, Requester{Proof: "sam@example.org", Channel: "web"}, c.Reference); err != nil {
		t.Errorf("tracking with the email: %v", err)
	}
	notices := e.waitNotices(t, 1)
	for _, n := range notices {
		if n.To.Resident != "" || n.To.Email != "sam@example.org" {
			t.Errorf("told %+v, want the contact only", n.To)
		}
	}
	// An owner that is no session is unaffected by the flag's absence.
	if own, _ := mustCreate(t, e, NewCase{Owner: alice, Channel: "kiosk", Items: []NewItem{streetItem(t, "pothole", hoe)}}); own.AnonymousOwner {
		t.Error("an account's case marked anonymous")
	}
}
