package kiosk

import (
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// These go through auth.Tokens.Verify, as every request with a kiosk
// session's token does.

func TestTokensRefusedAfterEnd(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	anonymous := mustToken(t, e, s)
	signed, err := e.svc.SignIn(ctx, s.ID, "res-1")
	if err != nil {
		t.Fatal(err)
	}
	resident := mustToken(t, e, signed)
	for _, tok := range []string{anonymous, resident} {
		c, err := e.tokens.Verify(ctx, tok)
		if err != nil || c.SessionID != s.ID || c.Channel != auth.ChannelKiosk {
			t.Fatalf("Verify of a live session's token: %+v, %v", c, err)
		}
	}
	if _, err := e.svc.End(ctx, s.ID, EndFinish); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{anonymous, resident} {
		_, err := e.tokens.Verify(ctx, tok)
		wantErr(t, err, auth.ErrSessionEnded)
	}
}

func TestTokensRefusedOnceIdle(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	tok := mustToken(t, e, s)
	e.clock.Advance(2*time.Minute + IdleGrace - time.Second)
	if _, err := e.tokens.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify before the idle timeout: %v", err)
	}
	// No sweep has run: the session is over by the clock, and its token
	// (valid for 15 minutes by itself) is refused.
	e.clock.Advance(time.Second)
	_, err := e.tokens.Verify(ctx, tok)
	wantErr(t, err, auth.ErrSessionEnded)
}

func TestRevokedAnswers(t *testing.T) {
	e := newEnv(t)
	for _, sid := range []string{SessionPrefix + store.NewID(), SessionPrefix, "ks_\x00", SessionPrefix + string(make([]byte, 200))} {
		if revoked, err := e.svc.Revoked(ctx, sid); err != nil || !revoked {
			t.Fatalf("Revoked(%q) = %v, %v; want true", sid, revoked, err)
		}
	}
}

func TestAssistedTokenNamesTheStaffMember(t *testing.T) {
	e := newEnv(t)
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	if _, err := e.svc.Join(ctx, officer, s.ID); err != nil {
		t.Fatal(err)
	}
	confirmed, err := e.svc.ConfirmJoin(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.tokens.Verify(ctx, mustToken(t, e, confirmed))
	if err != nil || c.Channel != auth.ChannelAssisted || c.ActorID != officer.ID || c.ID != s.ID {
		t.Fatalf("assisted claims %+v, %v", c, err)
	}
}
