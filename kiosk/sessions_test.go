package kiosk

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	if !strings.HasPrefix(s.ID, SessionPrefix) || s.DeviceID != d.ID || s.Location.Name != "Central Library" {
		t.Fatalf("session %+v", s)
	}
	want := auth.Subject{ID: s.ID, Roles: []auth.Role{auth.RoleResident}, Channel: auth.ChannelKiosk, SessionID: s.ID}
	if sub := s.Subject(); sub.ID != want.ID || sub.Channel != want.Channel || sub.SessionID != want.SessionID ||
		sub.ActorID != "" || !slices.Equal(sub.Roles, want.Roles) || !AnonymousSubject(sub.ID) {
		t.Fatalf("anonymous subject %+v, want %+v", sub, want)
	}
	if cur, err := e.svc.Current(ctx, d); err != nil || cur.ID != s.ID {
		t.Fatalf("Current: %v, %v", cur, err)
	}

	e.clock.Advance(30 * time.Second)
	touched, err := e.svc.Touch(ctx, s.ID)
	if err != nil || !touched.LastActivity.Equal(e.clock.Now()) {
		t.Fatalf("Touch: %+v, %v", touched, err)
	}
	if want := e.clock.Now().Add(2 * time.Minute); !touched.IdleAt().Equal(want) {
		t.Fatalf("IdleAt %v, want %v", touched.IdleAt(), want)
	}

	e.clock.Advance(time.Second)
	signed, err := e.svc.SignIn(ctx, s.ID, "res-1")
	if err != nil || signed.Resident != "res-1" || signed.Subject().ID != "res-1" || signed.Subject().SessionID != s.ID {
		t.Fatalf("SignIn: %+v, %v", signed, err)
	}
	if _, err := e.svc.SignIn(ctx, s.ID, "res-1"); err != nil {
		t.Fatalf("signing in again as the same resident: %v", err)
	}
	_, err = e.svc.SignIn(ctx, s.ID, "res-2")
	wantErr(t, err, ErrSignedIn)
	_, err = e.svc.SignIn(ctx, s.ID, s.ID)
	wantFields(t, err, "/resident", MsgInvalidValue)

	e.clock.Advance(time.Second)
	ended, err := e.svc.End(ctx, s.ID, EndFinish)
	if err != nil || ended.EndReason != EndFinish || !ended.EndedAt.Equal(e.clock.Now()) {
		t.Fatalf("End: %+v, %v", ended, err)
	}
	e.clock.Advance(time.Second)
	if again, err := e.svc.End(ctx, s.ID, EndStaff); err != nil || again.EndReason != EndFinish {
		t.Fatalf("ending twice: %+v, %v; want the first end kept and no error", again, err)
	}
	_, err = e.svc.Touch(ctx, s.ID)
	wantErr(t, err, ErrSessionEnded)
	_, err = e.svc.SignIn(ctx, s.ID, "res-1")
	wantErr(t, err, ErrSessionEnded)
	_, err = e.svc.Current(ctx, d)
	wantErr(t, err, ErrNotFound)
	if got := kinds(t, e, s.ID); !slices.Equal(got, []EventKind{EventStarted, EventSignedIn, EventEnded}) {
		t.Fatalf("log %v", got)
	}
}

func TestIdleExpiryByTheClock(t *testing.T) {
	e := newEnv(t)
	loc := library("Central Library")
	loc.IdleSeconds = 60
	d, _ := mustDevice(t, e, loc, ProfileSelfService)
	s := mustStart(t, e, d)

	// Past IdleAt the terminal has ended it itself; the server still takes
	// the last-second "I need more time" for IdleGrace.
	e.clock.Advance(60*time.Second + IdleGrace - time.Millisecond)
	if got := mustSession(t, e, s.ID); got.Expired(e.clock.Now()) || !got.Live(e.clock.Now()) {
		t.Fatal("expired before IdleAt + IdleGrace")
	}
	if _, err := e.svc.Touch(ctx, s.ID); err != nil {
		t.Fatalf("Touch within the grace: %v", err)
	}
	e.clock.Advance(60*time.Second + IdleGrace)
	if got := mustSession(t, e, s.ID); !got.Expired(e.clock.Now()) || got.Live(e.clock.Now()) {
		t.Fatal("not expired at IdleAt + IdleGrace")
	}
	_, err := e.svc.Touch(ctx, s.ID)
	wantErr(t, err, ErrSessionEnded)
	if got := mustSession(t, e, s.ID); got.EndReason != EndIdle || got.EndedAt == nil {
		t.Fatalf("an idle session touched ended as %q", got.EndReason)
	}
}

func TestTouchCoalesces(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	e.clock.Advance(touchEvery - time.Millisecond)
	if got, err := e.svc.Touch(ctx, s.ID); err != nil || got.Version != s.Version {
		t.Fatalf("a touch within %v wrote the session: version %d, was %d (%v)", touchEvery, got.Version, s.Version, err)
	}
	e.clock.Advance(time.Millisecond)
	if got, err := e.svc.Touch(ctx, s.ID); err != nil || got.Version != s.Version+1 {
		t.Fatalf("Touch after %v: version %d (%v)", touchEvery, got.Version, err)
	}
}

func TestSweepIdle(t *testing.T) {
	e := newEnv(t)
	quick := library("Central Library")
	quick.IdleSeconds = 30
	d1, _ := mustDevice(t, e, quick, ProfileSelfService)
	d2, _ := mustDevice(t, e, hub("Jan Cutting"), ProfileAssisted) // 300 s
	s1, s2 := mustStart(t, e, d1), mustStart(t, e, d2)

	e.clock.Advance(30*time.Second + IdleGrace)
	if n, err := e.svc.SweepIdle(ctx); err != nil || n != 1 {
		t.Fatalf("SweepIdle: %d, %v; want 1", n, err)
	}
	if mustSession(t, e, s1.ID).EndReason != EndIdle || mustSession(t, e, s2.ID).EndedAt != nil {
		t.Fatal("the sweep ended the wrong sessions")
	}
	if _, err := e.svc.Current(ctx, d1); err == nil {
		t.Fatal("the swept terminal still has a session")
	}
	e.clock.Advance(270 * time.Second)
	if n, err := e.svc.SweepIdle(ctx); err != nil || n != 1 || mustSession(t, e, s2.ID).EndReason != EndIdle {
		t.Fatalf("second SweepIdle: %d, %v", n, err)
	}
	if n, err := e.svc.SweepIdle(ctx); err != nil || n != 0 {
		t.Fatalf("a sweep with nothing idle: %d, %v", n, err)
	}
}

func TestEndReasons(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	for _, r := range []EndReason{EndFinish, EndIdle, EndStaff, EndHandOff} {
		s := mustStart(t, e, d)
		if got, err := e.svc.End(ctx, s.ID, r); err != nil || got.EndReason != r {
			t.Fatalf("End %s: %+v, %v", r, got, err)
		}
	}
	for _, r := range []EndReason{EndReplaced, EndDevice, "", "bored"} {
		_, err := e.svc.End(ctx, mustStart(t, e, d).ID, r)
		wantFields(t, err, "/reason", MsgNotAllowed)
	}
	_, err := e.svc.End(ctx, SessionPrefix+store.NewID(), EndFinish)
	wantErr(t, err, ErrNotFound)
	_, err = e.svc.End(ctx, "not-a-session", EndFinish)
	wantErr(t, err, ErrNotFound)

	s := mustStart(t, e, d)
	for _, st := range []Staff{resident, councillor} {
		_, err := e.svc.EndByStaff(ctx, st, s.ID)
		wantErr(t, err, ErrForbidden)
	}
	e.clock.Advance(time.Second)
	if got, err := e.svc.EndByStaff(ctx, officer, s.ID); err != nil || got.EndReason != EndStaff {
		t.Fatalf("EndByStaff: %+v, %v", got, err)
	}
	log, _ := e.svc.Log(ctx, s.ID)
	if last := log[len(log)-1]; last.Kind != EventEnded || last.What != "staff" || last.Actor != officer.ID {
		t.Fatalf("the end by staff was logged as %+v", last)
	}

	// Finish pressed after the session was over anyway ends it as idle.
	s = mustStart(t, e, d)
	e.clock.Advance(3 * time.Minute)
	if got, err := e.svc.End(ctx, s.ID, EndFinish); err != nil || got.EndReason != EndIdle {
		t.Fatalf("End of an idle session: %+v, %v", got, err)
	}
}

func TestStartReplacesTheTerminalsSession(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	first := mustStart(t, e, d)
	second := mustStart(t, e, d)
	if got := mustSession(t, e, first.ID); got.EndReason != EndReplaced {
		t.Fatalf("the first session ended as %q, want replaced", got.EndReason)
	}
	e.clock.Advance(time.Hour)
	third := mustStart(t, e, d)
	if got := mustSession(t, e, second.ID); got.EndReason != EndIdle {
		t.Fatalf("an idle session replaced ended as %q, want idle", got.EndReason)
	}
	if cur, err := e.svc.Current(ctx, d); err != nil || cur.ID != third.ID {
		t.Fatalf("Current: %v, %v", cur, err)
	}
}

func TestConcurrentStartsLeaveOneLiveSession(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.StartSession(ctx, d)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("StartSession: %v", err)
		}
	}
	if n, err := e.svc.sessions.Count(ctx, store.Eq(fLive, true), store.Exists(fLastActivity)); err != nil || n != 1 {
		t.Fatalf("%d live sessions on one terminal (%v), want 1", n, err)
	}
}
