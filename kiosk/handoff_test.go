package kiosk

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/auth"
)

func TestHandOffSingleUse(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	if _, err := e.svc.SignIn(ctx, s.ID, "res-1"); err != nil {
		t.Fatal(err)
	}
	access := mustToken(t, e, mustSession(t, e, s.ID))
	token, exp, err := e.svc.HandOff(ctx, s.ID, "/report/pothole?step=2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "fdh_") || len(token) != 47 || !exp.Equal(e.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("hand-off %q expiring %v", token, exp)
	}
	claim, err := e.svc.ClaimHandOff(ctx, token)
	if err != nil || claim.Resident != "res-1" || claim.Path != "/report/pothole?step=2" || claim.SessionID != s.ID {
		t.Fatalf("ClaimHandOff: %+v, %v", claim, err)
	}
	if got := mustSession(t, e, s.ID); got.EndReason != EndHandOff {
		t.Fatalf("the kiosk session ended as %q, want handoff", got.EndReason)
	}
	_, err = e.tokens.Verify(ctx, access)
	wantErr(t, err, auth.ErrSessionEnded)
	_, err = e.svc.ClaimHandOff(ctx, token)
	wantErr(t, err, ErrHandOffInvalid)
}

func TestHandOffExpires(t *testing.T) {
	e := newEnv(t)
	loc := library("Central Library")
	loc.IdleSeconds = 1800
	d1, _ := mustDevice(t, e, loc, ProfileSelfService)
	d2, _ := mustDevice(t, e, loc, ProfileSelfService)
	s1, s2 := mustStart(t, e, d1), mustStart(t, e, d2)
	in, _, err := e.svc.HandOff(ctx, s1.ID, "/track")
	if err != nil {
		t.Fatal(err)
	}
	late, _, err := e.svc.HandOff(ctx, s2.ID, "/track")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5*time.Minute - time.Millisecond)
	if _, err := e.svc.ClaimHandOff(ctx, in); err != nil {
		t.Fatalf("a claim just before expiry: %v", err)
	}
	e.clock.Advance(time.Millisecond)
	_, err = e.svc.ClaimHandOff(ctx, late)
	wantErr(t, err, ErrHandOffInvalid)
	if mustSession(t, e, s2.ID).EndedAt != nil {
		t.Fatal("an expired link ended its session")
	}
}

func TestHandOffAnonymousKeepsTheJourneyOnly(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	token, _, err := e.svc.HandOff(ctx, s.ID, "/report")
	if err != nil {
		t.Fatal(err)
	}
	// Someone signing in after the QR code was shown does not go with it.
	if _, err := e.svc.SignIn(ctx, s.ID, "res-1"); err != nil {
		t.Fatal(err)
	}
	claim, err := e.svc.ClaimHandOff(ctx, token)
	if err != nil || claim.Resident != "" || claim.Path != "/report" {
		t.Fatalf("ClaimHandOff: %+v, %v", claim, err)
	}
}

func TestHandOffDiesWithItsSession(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	token, _, err := e.svc.HandOff(ctx, s.ID, "/report")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.End(ctx, s.ID, EndFinish); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ClaimHandOff(ctx, token)
	wantErr(t, err, ErrHandOffInvalid)
	_, _, err = e.svc.HandOff(ctx, s.ID, "/report")
	wantErr(t, err, ErrSessionEnded)
}

func TestHandOffClaimRaceHasOneWinner(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	token, _, err := e.svc.HandOff(ctx, s.ID, "/report")
	if err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.ClaimHandOff(ctx, token); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims of one link succeeded, want 1", wins.Load())
	}
}

func TestHandOffRefusesForeignPathsAndTokens(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	for _, p := range []string{"", "report", "https://evil.example/", "//evil.example/x", "/\\evil.example", "/a b", "/é", "/" + strings.Repeat("a", 512)} {
		_, _, err := e.svc.HandOff(ctx, s.ID, p)
		wantFields(t, err, "/path", MsgPathInvalid)
	}
	_, device := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	for _, tok := range []string{"", "fdh_", device, "fdh_" + strings.Repeat("A", 43)} {
		_, err := e.svc.ClaimHandOff(ctx, tok)
		wantErr(t, err, ErrHandOffInvalid)
	}
}
