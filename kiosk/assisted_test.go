package kiosk

import (
	"slices"
	"testing"
	"time"
)

func TestJoinAndConsentRules(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	mayRead := func(st Staff) bool { return e.svc.MayReadRecord(st, mustSession(t, e, s.ID)) }

	for _, st := range []Staff{resident, councillor} {
		_, err := e.svc.Join(ctx, st, s.ID)
		wantErr(t, err, ErrForbidden)
	}
	e.clock.Advance(time.Second)
	pending, err := e.svc.Join(ctx, officer, s.ID)
	if err != nil || pending.Join.State != JoinPending || pending.Assisted() || pending.Channel() != "kiosk" {
		t.Fatalf("Join: %+v, %v", pending, err)
	}
	if _, err := e.svc.Join(ctx, officer, s.ID); err != nil {
		t.Fatalf("asking again while pending: %v", err)
	}
	_, err = e.svc.Join(ctx, officer2, s.ID)
	wantErr(t, err, ErrAlreadyJoined)
	_, err = e.svc.GiveConsent(ctx, s.ID)
	wantErr(t, err, ErrNotJoined)
	if mayRead(officer) {
		t.Fatal("record readable before the resident confirmed the join")
	}

	e.clock.Advance(time.Second)
	joined, err := e.svc.ConfirmJoin(ctx, s.ID)
	if err != nil || !joined.Assisted() || joined.Subject().ActorID != officer.ID {
		t.Fatalf("ConfirmJoin: %+v, %v", joined, err)
	}
	_, err = e.svc.ConfirmJoin(ctx, s.ID)
	wantErr(t, err, ErrNoPendingJoin)
	if mayRead(officer) {
		t.Fatal("record readable with neither sign-in nor consent")
	}

	e.clock.Advance(time.Second)
	if _, err := e.svc.GiveConsent(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if !mayRead(officer) || mayRead(officer2) || mayRead(supervisor) {
		t.Fatal("consent must let the joined member of staff read the record, and no one else")
	}
	e.clock.Advance(time.Second)
	if _, err := e.svc.End(ctx, s.ID, EndFinish); err != nil {
		t.Fatal(err)
	}
	if mayRead(officer) {
		t.Fatal("record readable after the session ended")
	}
	want := []EventKind{EventStarted, EventJoinRequested, EventJoinConfirmed, EventConsent, EventEnded}
	if got := kinds(t, e, s.ID); !slices.Equal(got, want) {
		t.Fatalf("log %v, want %v", got, want)
	}
}

func TestDeclinedJoin(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	_, err := e.svc.DeclineJoin(ctx, s.ID)
	wantErr(t, err, ErrNoPendingJoin)
	if _, err := e.svc.Join(ctx, officer, s.ID); err != nil {
		t.Fatal(err)
	}
	declined, err := e.svc.DeclineJoin(ctx, s.ID)
	if err != nil || declined.Join.State != JoinDeclined || declined.Assisted() {
		t.Fatalf("DeclineJoin: %+v, %v", declined, err)
	}
	_, err = e.svc.ConfirmJoin(ctx, s.ID)
	wantErr(t, err, ErrNoPendingJoin)
	_, err = e.svc.GiveConsent(ctx, s.ID)
	wantErr(t, err, ErrNotJoined)
	signed, err := e.svc.SignIn(ctx, s.ID, "res-1")
	if err != nil {
		t.Fatal(err)
	}
	if e.svc.MayReadRecord(officer, signed) {
		t.Fatal("a declined member of staff may read the record of the resident signed in")
	}
	if signed.Subject().ActorID != "" || signed.Channel() != "kiosk" {
		t.Fatalf("a declined join still acts: %+v", signed.Subject())
	}
	// After a decline, another member of staff may ask.
	if again, err := e.svc.Join(ctx, officer2, s.ID); err != nil || again.Join.State != JoinPending || again.Join.Staff != officer2.ID {
		t.Fatalf("Join after a decline: %+v, %v", again, err)
	}
}

func TestSignInAllowsTheJoinedStaffToReadTheRecord(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	if _, err := e.svc.Join(ctx, officer, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmJoin(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SignIn(ctx, s.ID, officer.ID)
	wantErr(t, err, ErrForbidden) // staff do not assist themselves
	signed, err := e.svc.SignIn(ctx, s.ID, "res-1")
	if err != nil {
		t.Fatal(err)
	}
	if !e.svc.MayReadRecord(officer, signed) || e.svc.MayReadRecord(officer2, signed) {
		t.Fatal("after sign-in only the joined member of staff may read the record")
	}
	e.clock.Advance(time.Hour) // idle: over by the clock, whether swept or not
	if e.svc.MayReadRecord(officer, mustSession(t, e, s.ID)) {
		t.Fatal("record readable from an idle session")
	}
}

func TestGuidedSession(t *testing.T) {
	e := newEnv(t)
	selfService, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	terminal, _ := mustDevice(t, e, hub("Jan Cutting"), ProfileAssisted)
	_, err := e.svc.StartGuided(ctx, officer, selfService.ID)
	wantErr(t, err, ErrWrongProfile)
	_, err = e.svc.StartGuided(ctx, resident, terminal.ID)
	wantErr(t, err, ErrForbidden)
	_, err = e.svc.StartGuided(ctx, officer, "unknown")
	wantErr(t, err, ErrNotFound)

	s, err := e.svc.StartGuided(ctx, officer, terminal.ID)
	if err != nil || !s.Guided || !s.Assisted() || s.Subject().ActorID != officer.ID || s.Subject().Channel != "assisted" {
		t.Fatalf("StartGuided: %+v, %v", s, err)
	}
	if e.svc.MayReadRecord(officer, s) {
		t.Fatal("a guided session gives the record before sign-in or consent")
	}
	if _, err := e.svc.GiveConsent(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if !e.svc.MayReadRecord(officer, mustSession(t, e, s.ID)) {
		t.Fatal("consent in a guided session does not give the record")
	}
	log, _ := e.svc.Log(ctx, s.ID)
	if log[0].Kind != EventStarted || log[0].Channel != "assisted" || log[0].Actor != officer.ID {
		t.Fatalf("a guided start logged as %+v", log[0])
	}
	if _, err := e.svc.RevokeDevice(ctx, admin, terminal.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.StartGuided(ctx, officer, terminal.ID)
	wantErr(t, err, ErrNotFound)
}
