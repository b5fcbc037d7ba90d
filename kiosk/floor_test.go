package kiosk

import (
	"testing"
	"time"
)

// What staff on the floor see: live sessions to join, terminals to guide.

func TestLiveSession(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	if got, err := e.svc.LiveSession(ctx, s.ID); err != nil || got.ID != s.ID {
		t.Fatalf("LiveSession = %v, %v", got, err)
	}
	_, err := e.svc.LiveSession(ctx, SessionPrefix+"nope")
	wantErr(t, err, ErrNotFound)
	_, err = e.svc.LiveSession(ctx, "not a session")
	wantErr(t, err, ErrNotFound)

	e.clock.Advance(DefaultIdleTimeout + IdleGrace)
	_, err = e.svc.LiveSession(ctx, s.ID)
	wantErr(t, err, ErrSessionEnded) // idle, before any sweep

	s2 := mustStart(t, e, d)
	if _, err := e.svc.End(ctx, s2.ID, EndFinish); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.LiveSession(ctx, s2.ID)
	wantErr(t, err, ErrSessionEnded)
}

func TestLiveSessions(t *testing.T) {
	e := newEnv(t)
	central, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	central2, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	plympton, _ := mustDevice(t, e, hub("Plympton Hub"), ProfileAssisted)
	a := mustStart(t, e, central)
	e.clock.Advance(time.Second)
	b := mustStart(t, e, plympton)
	c := mustStart(t, e, central2)
	if _, err := e.svc.End(ctx, c.ID, EndFinish); err != nil {
		t.Fatal(err)
	}

	ids := func(list []Session) []string {
		var out []string
		for _, s := range list {
			out = append(out, s.ID)
		}
		return out
	}
	all, err := e.svc.LiveSessions(ctx, officer, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("every location: %v, %v; want %s and %s", ids(all), err, a.ID, b.ID)
	}
	at, err := e.svc.LiveSessions(ctx, officer, "Plympton Hub")
	if err != nil || len(at) != 1 || at[0].ID != b.ID {
		t.Fatalf("at Plympton Hub: %v, %v", ids(at), err)
	}
	if none, err := e.svc.LiveSessions(ctx, officer, "Nowhere"); err != nil || len(none) != 0 || none == nil {
		t.Errorf("nowhere: %v, %v; want an empty list", none, err)
	}
	// The central library's session goes idle (120 s); the hub's allows 300 s.
	e.clock.Advance(DefaultIdleTimeout + IdleGrace)
	if left, _ := e.svc.LiveSessions(ctx, officer, ""); len(left) != 1 || left[0].ID != b.ID {
		t.Errorf("after the library's idle timeout: %v", ids(left))
	}
	for _, who := range []Staff{resident, councillor, {}} {
		_, err := e.svc.LiveSessions(ctx, who, "")
		wantErr(t, err, ErrForbidden)
	}
}

func TestTerminals(t *testing.T) {
	e := newEnv(t)
	central, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	plympton, _ := mustDevice(t, e, hub("Plympton Hub"), ProfileAssisted)
	gone, _ := mustDevice(t, e, hub("Plympton Hub"), ProfileAssisted)
	if _, err := e.svc.RevokeDevice(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	all, err := e.svc.Terminals(ctx, officer, "")
	if err != nil || len(all) != 2 || all[0].ID != central.ID || all[1].ID != plympton.ID {
		t.Fatalf("Terminals = %v, %v", all, err)
	}
	at, err := e.svc.Terminals(ctx, supervisor, "Plympton Hub")
	if err != nil || len(at) != 1 || at[0].ID != plympton.ID {
		t.Fatalf("at Plympton Hub: %v, %v", at, err)
	}
	_, err = e.svc.Terminals(ctx, resident, "")
	wantErr(t, err, ErrForbidden)
}
