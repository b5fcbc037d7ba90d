package kiosk

import (
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
)

// record logs an action and fails the test when it cannot.
func record(tb testing.TB, e *env, id, service string) *Event {
	tb.Helper()
	ev, err := e.svc.Record(ctx, id, Action{Service: service, What: "case-created", Reference: "K7M-Q2X-9PT"})
	if err != nil {
		tb.Fatalf("Record: %v", err)
	}
	return ev
}

func TestRecordByChannel(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	alone := record(t, e, s.ID, "missed-bin")
	if alone.Channel != auth.ChannelKiosk || alone.Actor != "" || alone.Location != "Central Library" ||
		alone.Service != "missed-bin" || alone.Reference != "K7M-Q2X-9PT" || !alone.At.Equal(e.clock.Now()) || alone.ID == "" {
		t.Fatalf("an action alone: %+v", alone)
	}
	if _, err := e.svc.Join(ctx, officer, s.ID); err != nil {
		t.Fatal(err)
	}
	pending := record(t, e, s.ID, "missed-bin")
	if pending.Channel != auth.ChannelKiosk || pending.Actor != "" {
		t.Fatalf("an action while the join is unanswered: %+v", pending)
	}
	if _, err := e.svc.ConfirmJoin(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	assisted := record(t, e, s.ID, "missed-bin")
	if assisted.Channel != auth.ChannelAssisted || assisted.Actor != officer.ID {
		t.Fatalf("an assisted action: %+v", assisted)
	}

	for _, a := range []Action{{}, {Service: "bins!", What: strings.Repeat("x", 65), Reference: "a b"}} {
		_, err := e.svc.Record(ctx, s.ID, a)
		var ve *ValidationError
		if !errAs(err, &ve) || len(ve.Fields) < 2 {
			t.Fatalf("Record(%+v): %v, want field errors", a, err)
		}
	}
	if _, err := e.svc.End(ctx, s.ID, EndFinish); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Record(ctx, s.ID, Action{Service: "missed-bin", What: "case-created"})
	wantErr(t, err, ErrSessionEnded)
}

// demandFixture records, from the clock's now: at Central Library a
// missed bin and a pothole alone, and the next day a missed bin with staff;
// at Jan Cutting two missed bins in a staff-guided session.
func demandFixture(t *testing.T, e *env) (start time.Time) {
	t.Helper()
	central, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	janCutting, _ := mustDevice(t, e, hub("Jan Cutting"), ProfileAssisted)
	start = e.clock.Now()
	s := mustStart(t, e, central)
	record(t, e, s.ID, "missed-bin")
	record(t, e, s.ID, "pothole")
	g, err := e.svc.StartGuided(ctx, officer, janCutting.ID)
	if err != nil {
		t.Fatal(err)
	}
	record(t, e, g.ID, "missed-bin")
	record(t, e, g.ID, "missed-bin")
	e.clock.Advance(24 * time.Hour)
	s = mustStart(t, e, central)
	if _, err := e.svc.Join(ctx, officer2, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmJoin(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	record(t, e, s.ID, "missed-bin")
	return start
}

func TestCountsByLocationAndService(t *testing.T) {
	e := newEnv(t)
	start := demandFixture(t, e)
	count := func(loc, svc string, from, to time.Time) Counts {
		t.Helper()
		c, err := e.svc.CountActions(ctx, CountQuery{Location: loc, Service: svc, From: from, To: to})
		if err != nil {
			t.Fatalf("CountActions: %v", err)
		}
		return c
	}
	end := e.clock.Now().Add(time.Second)
	if got := count("Central Library", "missed-bin", start, end); got != (Counts{Kiosk: 1, Assisted: 1}) {
		t.Fatalf("Central Library, missed-bin: %+v", got)
	}
	if got := count("Central Library", "missed-bin", start, start.Add(24*time.Hour)); got != (Counts{Kiosk: 1}) {
		t.Fatalf("Central Library, missed-bin, first day: %+v", got)
	}
	if got := count("Jan Cutting", "missed-bin", start, end); got != (Counts{Assisted: 2}) {
		t.Fatalf("Jan Cutting, missed-bin: %+v", got)
	}
	if got := count("Jan Cutting", "pothole", start, end); got != (Counts{}) {
		t.Fatalf("Jan Cutting, pothole: %+v", got)
	}

	demand, err := e.svc.DemandByLocation(ctx, start, end)
	if err != nil {
		t.Fatal(err)
	}
	want := []Demand{
		{Location: "Central Library", Service: "missed-bin", Counts: Counts{Kiosk: 1, Assisted: 1}},
		{Location: "Central Library", Service: "pothole", Counts: Counts{Kiosk: 1}},
		{Location: "Jan Cutting", Service: "missed-bin", Counts: Counts{Assisted: 2}},
	}
	if !slices.Equal(demand, want) {
		t.Fatalf("demand\n got %+v\nwant %+v", demand, want)
	}

	_, err = e.svc.CountActions(ctx, CountQuery{From: end, To: start})
	wantFields(t, err, "/location", MsgRequired, "/service", MsgRequired, "/to", MsgRangeInvalid)
	_, err = e.svc.DemandByLocation(ctx, time.Time{}, time.Time{})
	wantFields(t, err, "/from", MsgRequired, "/to", MsgRequired)
}
