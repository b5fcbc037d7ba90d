package cases

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"frontdoor/api/catalogue"
)

// TestGrassAndHedgeInOneCase is the first journey: one request, two
// services, each its own item with its team, status and due date.
func TestGrassAndHedgeInOneCase(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	if _, err := ParseReference(c.Reference); err != nil {
		t.Fatalf("reference %q does not parse: %v", c.Reference, err)
	}
	if c.Status != StatusSubmitted || !c.Open || c.Channel != "web" || len(items) != 2 || len(c.Lines) != 2 {
		t.Fatalf("case %+v with %d items", c, len(items))
	}
	// Monday 2 Nov 10:00 + 10 working days: the end of Monday 16 November (London = UTC in November).
	wantDue := time.Date(2026, 11, 16, 23, 59, 59, 0, time.UTC)
	for i, svc := range []string{"grass-cutting", "hedge-cutting"} {
		it := items[i]
		if it.Service != svc || it.Team != "grounds" || it.Status != StatusSubmitted || !it.Open || !it.DueAt.Equal(wantDue) {
			t.Errorf("item %d: %s team %s status %s due %v", i, it.Service, it.Team, it.Status, it.DueAt)
		}
		if it.Location == nil || it.Cell != Cell(hoe) || !it.Public || it.FormVersion != 1 {
			t.Errorf("item %d: location %v cell %q public %v form v%d", i, it.Location, it.Cell, it.Public, it.FormVersion)
		}
	}
	got, gotItems, err := e.svc.Get(ctx, Requester{Resident: alice}, strings.ToLower(strings.ReplaceAll(c.Reference, "-", " ")))
	if err != nil || got.ID != c.ID || len(gotItems) != 2 || gotItems[1].Answers["details"] != "Long grass by the path" {
		t.Fatalf("the owner cannot read it back by a typed reference: %v %+v", err, gotItems)
	}
	if _, _, err := e.svc.Get(ctx, Requester{Resident: bob}, c.Reference); err != ErrNotFound {
		t.Errorf("another resident read the case: %v", err)
	}
}

// TestCaseKeepsItsFormVersion: an admin changes the form; the old case still
// names the version it was made with, and that version is still readable.
func TestCaseKeepsItsFormVersion(t *testing.T) {
	e := newEnv(t)
	_, items := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", central)}})
	svc, _ := e.cat.Service(ctx, "pothole")
	svc.Form.Questions = append(svc.Form.Questions, catalogue.Question{ID: "depth", Type: catalogue.TypeNumber, Label: text("How deep (cm)?")})
	if _, _, err := e.cat.PutService(ctx, *svc); err != nil {
		t.Fatal(err)
	}
	_, newer := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{{Service: "pothole",
		Answers: answers(t, map[string]any{"location": central, "depth": 12})}}})
	if items[0].FormVersion != 1 || newer[0].FormVersion != 2 || newer[0].Answers["depth"] != 12.0 {
		t.Fatalf("versions %d and %d, depth %v", items[0].FormVersion, newer[0].FormVersion, newer[0].Answers["depth"])
	}
	old, err := e.cat.FormVersion(ctx, "pothole", items[0].FormVersion)
	if err != nil || len(old.Questions) != 3 {
		t.Fatalf("the first form is gone: %v %+v", err, old)
	}
}

// TestNewCaseRefusals: everything wrong with a request is reported at once,
// each at its field, and nothing is stored.
func TestNewCaseRefusals(t *testing.T) {
	e := newEnv(t)
	tooMany := make([]NewItem, MaxItems+1)
	cases := []struct {
		name string
		in   NewCase
		want map[string]string
	}{
		{"no items", NewCase{Owner: alice}, map[string]string{"/items": MsgRequired}},
		{"too many items", NewCase{Owner: alice, Items: tooMany}, map[string]string{"/items": MsgTooMany}},
		{"unknown service", NewCase{Owner: alice, Items: []NewItem{{Service: "moon-repair"}}},
			map[string]string{"/items/0/service": MsgServiceUnknown}},
		{"no service", NewCase{Owner: alice, Items: []NewItem{{}}}, map[string]string{"/items/0/service": MsgRequired}},
		{"same service twice", NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", hoe), streetItem(t, "pothole", central)}},
			map[string]string{"/items/1/service": MsgDuplicateService}},
		{"outside the council's area", NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", torpoint)}},
			map[string]string{"/items/0/answers/location": "PointOutsideArea"}},
		{"missing location", NewCase{Owner: alice, Items: []NewItem{{Service: "pothole", Answers: answers(t, map[string]any{"details": "x"})}}},
			map[string]string{"/items/0/answers/location": MsgRequired}},
		{"no contact without an account", NewCase{Items: []NewItem{streetItem(t, "pothole", hoe)}},
			map[string]string{"/contact": MsgContactRequired}},
		{"bad contact", NewCase{Items: []NewItem{streetItem(t, "pothole", hoe)}, Contact: &NewContact{Email: "not-an-email", Phone: "12", Postcode: "XX1"}},
			map[string]string{"/contact/email": MsgEmailInvalid, "/contact/phone": MsgPhoneInvalid, "/contact/postcode": MsgPostcodeInvalid}},
		{"complaint needs an account", NewCase{Items: []NewItem{{Service: "complaint", Answers: answers(t, map[string]any{"details": "x"})}},
			Contact: &NewContact{Email: "a@example.org"}}, map[string]string{"/items/0/service": MsgAnonymousRefused}},
		{"complaint not on open311", NewCase{Channel: "open311", Client: "fms", Items: []NewItem{{Service: "complaint", Answers: answers(t, map[string]any{"details": "x"})}},
			Contact: &NewContact{Email: "a@example.org"}}, map[string]string{"/items/0/service": MsgServiceNotOffered}},
		{"photo never uploaded", NewCase{Owner: alice, Items: []NewItem{{Service: "pothole",
			Answers: answers(t, map[string]any{"location": hoe, "photos": []string{"0123456789abcdef0123456789abcdef"}})}}},
			map[string]string{"/items/0/answers/photos/0": MsgPhotoUnknown}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.Channel == "" {
				tc.in.Channel = "web"
			}
			_, _, err := e.svc.Create(ctx, tc.in)
			got := fieldIDs(err)
			for ptr, id := range tc.want {
				if got[ptr] != id {
					t.Errorf("%s: got %q, want %q (all: %v, err %v)", ptr, got[ptr], id, got, err)
				}
			}
		})
	}
	if n, _ := e.svc.cases.Count(ctx); n != 0 {
		t.Errorf("%d cases stored from refused requests", n)
	}
}

// TestAnonymousReportAndTracking: someone without an account reports with an
// email; they can follow it by reference plus email or postcode, and nobody
// can with a wrong proof.
func TestAnonymousReportAndTracking(t *testing.T) {
	e := newEnv(t)
	c, _ := mustCreate(t, e, NewCase{Items: []NewItem{streetItem(t, "grass-cutting", hoe)},
		Contact: &NewContact{Name: "Sam", Email: "Sam@Example.org", Postcode: "pl1 2aa"}})
	for _, proof := range []string{"sam@example.org", "SAM@example.ORG", "PL1 2AA", "pl12aa"} {
		got, err := e.svc.Track(ctx, Requester{Proof: proof, Channel: "web"}, c.Reference)
		if err != nil || got.ID != c.ID {
			t.Errorf("proof %q: %v", proof, err)
		}
	}
	for _, proof := range []string{"", "other@example.org", "PL1 2AB", "sam@example.org "[:5]} {
		if _, err := e.svc.Track(ctx, Requester{Proof: proof}, c.Reference); err != ErrNotFound {
			t.Errorf("proof %q let someone in: %v", proof, err)
		}
	}
	wrongCheck := c.Reference[:10] + "2"
	if strings.HasSuffix(c.Reference, "2") {
		wrongCheck = c.Reference[:10] + "3"
	}
	for _, ref := range []string{"", "garbage", "222-222-222", wrongCheck, strings.Repeat("A", 100)} {
		if _, err := e.svc.Track(ctx, Requester{Proof: "sam@example.org"}, ref); err != ErrNotFound {
			t.Errorf("reference %q: %v", ref, err)
		}
	}
}

// TestIDsInAnswersAreJSONSafe: what a case stores reads back the same after
// a round trip through JSON (what the HTTP layer sends).
func TestAnswersRoundTrip(t *testing.T) {
	e := newEnv(t)
	_, items := mustCreate(t, e, NewCase{Owner: alice, Items: []NewItem{streetItem(t, "pothole", central)}})
	b, err := json.Marshal(items[0].Answers)
	if err != nil || !strings.Contains(string(b), `"location":{"lat":50.3755,"lng":-4.1427}`) {
		t.Fatalf("answers %s (%v)", b, err)
	}
}
