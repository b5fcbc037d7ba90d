package cases

import (
	"errors"
	"strings"
	"testing"
)

// TestAddInformation: the owner's words go on their case's timeline as a
// public update of kind information, trimmed, with no staff id; nobody is
// sent them (not the owner, not a follower), while a staff update after
// them is; the look counts as an interaction on the caller's channel.
func TestAddInformation(t *testing.T) {
	e := newEnv(t)
	c, _ := grassAndHedge(t, e)
	if _, err := e.svc.Follow(ctx, bob, c.Reference); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.AddInformation(ctx, Requester{Resident: alice, Channel: "web"}, strings.ToLower(c.Reference), "  The hedge now blocks the bus stop too.\n ")
	if err != nil {
		t.Fatal(err)
	}
	last := got.Events[len(got.Events)-1]
	if last.Kind != EventInformation || !last.Public || last.Text != "The hedge now blocks the bus stop too." ||
		last.By != "" || last.Channel != "web" || last.ItemID != "" || !last.At.Equal(e.clock.Now()) {
		t.Fatalf("the event %+v", last)
	}
	if got.Status != StatusSubmitted || !got.Open || len(got.Lines) != 2 {
		t.Errorf("adding information changed the case: %+v", got)
	}
	stored, _, err := e.svc.Get(ctx, Requester{Resident: alice}, c.Reference)
	if err != nil || stored.Events[len(stored.Events)-1].Kind != EventInformation {
		t.Fatalf("not stored: %v", err)
	}
	if text := EventText(last, func(id string, _ map[string]any) string { return "<" + id + ">" }); text != last.Text {
		t.Errorf("its text reads %q", text)
	}

	// Staff write after it; the resident hears of that, and never of their own words.
	if _, err := e.svc.AddUpdate(ctx, grounds, c.Reference, "Crew booked for Friday.", true); err != nil {
		t.Fatal(err)
	}
	for {
		notices := e.waitNotices(t, 1)
		told := false
		for _, n := range notices {
			if n.Data["Update"] == last.Text {
				t.Fatalf("someone was sent the resident's own words: %+v", n)
			}
			told = told || n.Data["Update"] == "Crew booked for Friday."
		}
		if told {
			break
		}
		e.waitNotices(t, len(notices)+1)
	}

	// Assisted at a kiosk: the member of staff who helped is named.
	got, err = e.svc.AddInformation(ctx, Requester{Resident: alice, Channel: "assisted", Actor: "staff-k"}, c.Reference, "Photo shown to staff.")
	if err != nil || got.Events[len(got.Events)-1].By != "staff-k" || got.Events[len(got.Events)-1].Channel != "assisted" {
		t.Fatalf("assisted: %+v, %v", got.Events[len(got.Events)-1], err)
	}
	sum, err := e.svc.Insight(ctx, "2026-11-02", "2026-11-02")
	if err != nil {
		t.Fatal(err)
	}
	// 2 items reported on the web, 1 information on the web, 1 assisted.
	if sum.Interactions.Total != 4 || sum.Interactions.ByChannel["web"] != 3 || sum.Interactions.ByChannel["assisted"] != 1 {
		t.Errorf("interactions %+v", sum.Interactions)
	}
}

// TestAddInformationRefusals: bad words are field errors on /text; someone
// else's case, a wrong proof and no reference at all are not found; a
// closed or cancelled case takes no more; someone without an account adds
// with the email or postcode they reported with.
func TestAddInformationRefusals(t *testing.T) {
	e := newEnv(t)
	c, items := grassAndHedge(t, e)
	own := Requester{Resident: alice, Channel: "web"}
	for text, want := range map[string]string{
		"":       MsgRequired,
		" \n\t ": MsgRequired,
		strings.Repeat("é", MaxInformationLength+1): MsgTooLong,
		"bell \a":  MsgInvalidValue,
		"\xff\xfe": MsgInvalidValue,
	} {
		if _, err := e.svc.AddInformation(ctx, own, c.Reference, text); fieldIDs(err)["/text"] != want {
			t.Errorf("%.20q: %v, want %s on /text", text, err, want)
		}
	}
	var ve *ValidationError
	if _, err := e.svc.AddInformation(ctx, own, c.Reference, strings.Repeat("x", 4001)); !errors.As(err, &ve) ||
		len(ve.Fields) != 1 || ve.Fields[0].Data["Count"] != MaxInformationLength {
		t.Errorf("a very long text: %+v", err)
	}
	if _, err := e.svc.AddInformation(ctx, own, c.Reference, strings.Repeat("é", MaxInformationLength)); err != nil {
		t.Errorf("2000 characters refused: %v", err)
	}
	for name, rq := range map[string]Requester{
		"another resident":     {Resident: bob, Channel: "web"},
		"a proof of nothing":   {Proof: "alice@example.org", Channel: "web"},
		"neither":              {Channel: "web"},
		"staff without a role": {Actor: "staff-x", Channel: "assisted"},
	} {
		if _, err := e.svc.AddInformation(ctx, rq, c.Reference, "Mine now"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s added to Alice's case: %v", name, err)
		}
	}
	if _, err := e.svc.AddInformation(ctx, own, "not-a-reference", "Hello"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a malformed reference: %v", err)
	}

	anon, anonItems := mustCreate(t, e, NewCase{Items: []NewItem{streetItem(t, "pothole", central)},
		Contact: &NewContact{Email: "kim@example.org", Postcode: "PL4 6AA"}})
	for _, proof := range []string{"KIM@example.org", "pl46aa"} {
		if _, err := e.svc.AddInformation(ctx, Requester{Proof: proof, Channel: "web"}, anon.Reference, "It is deeper after the rain."); err != nil {
			t.Errorf("with the proof %q: %v", proof, err)
		}
	}
	if _, err := e.svc.AddInformation(ctx, Requester{Proof: "PL1 2AA", Channel: "web"}, anon.Reference, "Guess"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a wrong postcode: %v", err)
	}

	// Closed (every item resolved) and cancelled cases take no more.
	mustMove(t, e, grounds, c.Reference, items[0].ID, StatusInProgress)
	mustMove(t, e, grounds, c.Reference, items[0].ID, StatusResolved)
	mustMove(t, e, grounds, c.Reference, items[1].ID, StatusCancelled)
	highways := Staff{ID: "staff-h", Teams: []string{"highways"}}
	mustMove(t, e, highways, anon.Reference, anonItems[0].ID, StatusCancelled)
	for _, tc := range []struct {
		ref string
		rq  Requester
	}{{c.Reference, own}, {anon.Reference, Requester{Proof: "kim@example.org"}}} {
		if _, err := e.svc.AddInformation(ctx, tc.rq, tc.ref, "One more thing"); !errors.Is(err, ErrFinished) {
			t.Errorf("%s: added to a finished case: %v", tc.ref, err)
		}
	}
}

// TestAddInformationTimelineFull: a case whose timeline is full refuses
// more and keeps what it had.
func TestAddInformationTimelineFull(t *testing.T) {
	e := newEnv(t)
	c, _ := grassAndHedge(t, e)
	own := Requester{Resident: alice, Channel: "web"}
	for len(c.Events) < MaxEvents-1 {
		c.Events = append(c.Events, Event{At: e.clock.Now(), Kind: EventNote, Text: "note", By: "staff-gina"})
	}
	if err := e.svc.cases.Replace(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddInformation(ctx, own, c.Reference, "The last that fits"); err != nil {
		t.Fatalf("the %dth event: %v", MaxEvents, err)
	}
	if _, err := e.svc.AddInformation(ctx, own, c.Reference, "One too many"); !errors.Is(err, ErrTooManyEvents) {
		t.Fatalf("a full timeline took more: %v", err)
	}
	stored, _ := e.svc.cases.Get(ctx, c.ID)
	if len(stored.Events) != MaxEvents || stored.Events[MaxEvents-1].Text != "The last that fits" {
		t.Errorf("the timeline has %d events, ending %+v", len(stored.Events), stored.Events[len(stored.Events)-1])
	}
}
