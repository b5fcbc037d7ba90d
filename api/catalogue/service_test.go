package catalogue

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"frontdoor/api/store"
)

func TestTeams(t *testing.T) {
	c, _ := newTestCatalogue(t)
	mustCreateTeam(t, c, "waste")
	got, err := c.CreateTeam(ctx, Team{Key: " Highways ", Name: Text{"en": "Highways", "cy": "Priffyrdd"}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got.Key != "highways" || got.ID == "" || !got.CreatedAt.Equal(testNow) {
		t.Errorf("created %+v", got)
	}
	_, err = c.CreateTeam(ctx, Team{Key: "waste", Name: en("Waste again")})
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second team with one key: %v; want a *ConflictError", err)
	}
	if p, id := ce.Field(); p != "/key" || id != MsgTeamKeyInUse {
		t.Errorf("conflict at %s %s", p, id)
	}
	if got := fieldsOf(t, second(c.CreateTeam(ctx, Team{Key: "no spaces please", Name: en("X")}))); got["/key"] != MsgTeamInvalid {
		t.Errorf("bad key: %v", got)
	}
	teams, err := c.Teams(ctx)
	if err != nil || len(teams) != 2 || teams[0].Key != "highways" || teams[1].Key != "waste" {
		t.Fatalf("teams %v, %v; want highways, waste", teams, err)
	}
	if tm, err := c.Team(ctx, "highways"); err != nil || tm.Name["cy"] != "Priffyrdd" {
		t.Errorf("team: %+v, %v", tm, err)
	}
	for _, key := range []string{"nope", "Bad Key", ""} {
		if _, err := c.Team(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("team %q: %v; want not found", key, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestPutServiceChecksWhatItNames(t *testing.T) {
	c, _ := newTestCatalogue(t)
	s := testService("fly-tipping")
	s.Team = "nobody"
	s.Related = []string{"graffiti"}
	s.Complaint = &Complaint{Stage2Team: "reviewers", Stage2Target: 20, Stage2Unit: UnitWorkingDays}
	_, _, err := c.PutService(ctx, s)
	got := fieldsOf(t, err)
	want := map[string]string{"/team": MsgTeamUnknown, "/related/0": MsgServiceUnknown, "/complaint/stage2_team": MsgTeamUnknown}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	if _, err := c.Service(ctx, "fly-tipping"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused service was stored: %v", err)
	}
	if got := fieldsOf(t, second2(c.PutService(ctx, testService("Fly Tipping")))); got["/code"] != MsgCodeInvalid {
		t.Errorf("bad code: %v", got)
	}

	mustCreateTeam(t, c, "waste")
	mustCreateTeam(t, c, "reviewers")
	mustPut(t, c, testService("graffiti"))
	s.Team = "waste"
	svc, created, err := c.PutService(ctx, s)
	if err != nil || !created {
		t.Fatalf("put with everything it names in place: created %v, %v", created, err)
	}
	if svc.ID == "" || svc.Form.Version != 1 || !svc.UpdatedAt.Equal(testNow) {
		t.Errorf("created %+v", svc)
	}
}

func second2[A, B any](_ A, _ B, err error) error { return err }

// TestPutServiceVersionsForms: a form change makes a new version, other
// edits do not, and every version stays readable for the cases made with it.
func TestPutServiceVersionsForms(t *testing.T) {
	c, _ := newTestCatalogue(t)
	mustCreateTeam(t, c, "waste")
	in := testService("fly-tipping")
	in.Form.Version = 7 // the server owns the version
	if s := mustPut(t, c, in); s.Form.Version != 1 {
		t.Fatalf("new service at form version %d, want 1", s.Form.Version)
	}

	again, created, err := c.PutService(ctx, testService("fly-tipping"))
	if err != nil || created || again.Form.Version != 1 {
		t.Fatalf("same definition again: version %d, created %v, %v; want 1, false", again.Form.Version, created, err)
	}

	edited := testService("fly-tipping")
	edited.Form.Questions[1].Label = en("What kind?")
	if s := mustPut(t, c, edited); s.Form.Version != 2 {
		t.Fatalf("after a label edit version %d, want 2", s.Form.Version)
	}

	renamed := testService("fly-tipping")
	renamed.Form.Questions[1].Label = en("  What kind?  ") // the same once normalized
	renamed.Name = en("Report dumped rubbish")
	if s := mustPut(t, c, renamed); s.Form.Version != 2 || s.Name["en"] != "Report dumped rubbish" {
		t.Fatalf("after a name edit: version %d, name %q; want 2", s.Form.Version, s.Name["en"])
	}

	v1, err := c.FormVersion(ctx, "fly-tipping", 1)
	if err != nil || v1.Version != 1 || v1.Questions[1].Label["en"] != "Kind" {
		t.Errorf("version 1: %+v, %v; want the old label", v1, err)
	}
	v2, err := c.FormVersion(ctx, "fly-tipping", 2)
	if err != nil || v2.Questions[1].Label["en"] != "What kind?" {
		t.Errorf("version 2: %+v, %v", v2, err)
	}
	for _, v := range []int{0, 3, -1} {
		if _, err := c.FormVersion(ctx, "fly-tipping", v); !errors.Is(err, ErrNotFound) {
			t.Errorf("version %d: %v; want not found", v, err)
		}
	}
	if _, err := c.FormVersion(ctx, "Bad Code", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed code: %v", err)
	}
	cur, err := c.Service(ctx, "fly-tipping")
	if err != nil || cur.Form.Version != 2 || cur.Version != 4 {
		t.Errorf("current: form %d, store version %d, %v; want form 2 after 4 writes", cur.Form.Version, cur.Version, err)
	}
}

// TestPutServiceConcurrentEdits: two admins changing the form at once both
// get a version of their own; neither edit is lost from the history.
func TestPutServiceConcurrentEdits(t *testing.T) {
	c, _ := newTestCatalogue(t)
	mustCreateTeam(t, c, "waste")
	mustPut(t, c, testService("fly-tipping"))
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s := testService("fly-tipping")
			s.Form.Questions[1].Label = en(fmt.Sprint("Edit ", i))
			_, _, errs[i] = c.PutService(ctx, s)
		})
	}
	wg.Wait()
	labels := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
		f, err := c.FormVersion(ctx, "fly-tipping", i+2)
		if err != nil {
			t.Fatalf("version %d: %v", i+2, err)
		}
		labels[f.Questions[1].Label["en"]] = true
	}
	if len(labels) != 4 {
		t.Errorf("versions 2..5 hold %v; want the four edits", labels)
	}
}

func TestServicesListing(t *testing.T) {
	c, _ := newTestCatalogue(t)
	mustCreateTeam(t, c, "waste")
	for _, x := range []struct{ code, group string }{{"pothole", "roads"}, {"graffiti", "streets"}, {"dropped-kerb", "roads"}, {"old", "aaa"}} {
		s := testService(x.code)
		s.Group = x.group
		s.Retired = x.code == "old"
		mustPut(t, c, s)
	}
	list, err := c.Services(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(list); got != "dropped-kerb pothole graffiti" {
		t.Errorf("services %q; want by group then code, retired left out", got)
	}
	all, _ := c.Services(ctx, true)
	if got := codes(all); got != "old dropped-kerb pothole graffiti" {
		t.Errorf("with retired: %q", got)
	}
	if s, err := c.Service(ctx, "old"); err != nil || !s.Retired {
		t.Errorf("a retired service stays readable: %+v, %v", s, err)
	}
	for _, code := range []string{"nope", "Pot Hole", "", "pothole/../x"} {
		if _, err := c.Service(ctx, code); !errors.Is(err, ErrNotFound) {
			t.Errorf("service %q: %v; want not found", code, err)
		}
	}
}

func codes(list []*Service) string {
	s := ""
	for i, x := range list {
		if i > 0 {
			s += " "
		}
		s += x.Code
	}
	return s
}

// TestSeed: seeding adds what is missing, keeps admins' edits, and running
// it again changes nothing.
func TestSeed(t *testing.T) {
	c, _ := newTestCatalogue(t)
	teams := []Team{{Key: "waste", Name: en("Waste")}}
	a, b := testService("fly-tipping"), testService("graffiti")
	a.Related, b.Related = []string{"graffiti"}, []string{"fly-tipping"} // each names the other
	if err := c.Seed(ctx, teams, []Service{a, b}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	edited := testService("graffiti")
	edited.Name = en("Report graffiti (edited)")
	edited.Form.Questions[1].Label = en("Edited")
	mustPut(t, c, edited)

	teams[0].Name = en("Renamed in the defaults")
	a.Name = en("Renamed in the defaults")
	if err := c.Seed(ctx, teams, []Service{a, testService("graffiti"), testService("pothole")}); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	g, _ := c.Service(ctx, "graffiti")
	if g.Name["en"] != "Report graffiti (edited)" || g.Form.Version != 2 {
		t.Errorf("seeding overwrote an admin's edit: %q, form %d", g.Name["en"], g.Form.Version)
	}
	f, _ := c.Service(ctx, "fly-tipping")
	if f.Name["en"] != "Report it" || f.Version != 1 {
		t.Errorf("seeding rewrote an existing service: %q, store version %d", f.Name["en"], f.Version)
	}
	if tm, _ := c.Team(ctx, "waste"); tm.Name["en"] != "Waste" {
		t.Errorf("seeding renamed a team: %q", tm.Name["en"])
	}
	list, _ := c.Services(ctx, true)
	if codes(list) != "fly-tipping graffiti pothole" {
		t.Errorf("after seeding: %s", codes(list))
	}
	if _, err := c.FormVersion(ctx, "pothole", 1); err != nil {
		t.Errorf("a seeded service's first form is not kept: %v", err)
	}

	bad := testService("noise")
	bad.Team = "nobody"
	if err := c.Seed(ctx, nil, []Service{bad}); fieldsOf(t, errors.Unwrap(err))["/team"] != MsgTeamUnknown {
		t.Errorf("seeding a service of an unknown team: %v", err)
	}
}
