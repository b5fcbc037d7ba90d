package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// fakeSource is a session source whose sessions end when the test says.
type fakeSource struct {
	mu    sync.Mutex
	ended map[string]bool
	asked []string
	err   error
}

func (f *fakeSource) Revoked(_ context.Context, sid string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, sid)
	return f.ended[sid], f.err
}

func (f *fakeSource) end(sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended[sid] = true
}

func TestSessionSourceAnswersForItsPrefix(t *testing.T) {
	db, _ := tokStore(t)
	src := &fakeSource{ended: map[string]bool{}}
	tk := tokNew(t, db, newTokClock(), func(o *TokenOptions) {
		o.SessionSources = []SessionSource{{Prefix: "ks_", Revocations: src}}
	})
	ctx := context.Background()
	s := Subject{ID: "ks_1", Roles: []Role{RoleResident}, Channel: ChannelKiosk, SessionID: "ks_1"}
	tok := tokIssue(t, tk, s)
	if c, err := tk.Verify(ctx, tok); err != nil || c.SessionID != "ks_1" {
		t.Fatalf("Verify of a live kiosk session: %v, %v", c, err)
	}
	src.end("ks_1")
	_, err := tk.Verify(ctx, tok)
	wantRefusal(t, err, RefusedSessionEnded)

	// A refresh session is still the refresh sessions' business, and a
	// kiosk sid is never looked up among them (which would call it gone).
	g := tokSignIn(t, tk, tokResident())
	if _, err := tk.Verify(ctx, g.AccessToken); err != nil {
		t.Fatalf("Verify of a refresh session: %v", err)
	}
	if err := tk.Sessions().Revoke(ctx, g.SessionID); err != nil {
		t.Fatal(err)
	}
	_, err = tk.Verify(ctx, g.AccessToken)
	wantRefusal(t, err, RefusedSessionEnded)
	if strings.Join(src.asked, ",") != "ks_1,ks_1" {
		t.Fatalf("the source was asked about %v; want ks_1 twice", src.asked)
	}

	// A store failure behind the source is an error, not a refusal.
	src.err = errors.New("store down")
	if _, err := tk.Verify(ctx, tokIssue(t, tk, Subject{ID: "r", Roles: []Role{RoleResident}, Channel: ChannelKiosk, SessionID: "ks_2"})); err == nil || errors.As(err, new(*TokenError)) {
		t.Fatalf("Verify with a failing source: %v; want the store's error", err)
	}
}

func TestSessionSourcesChecked(t *testing.T) {
	db, _ := tokStore(t)
	src := &fakeSource{}
	for name, srcs := range map[string][]SessionSource{
		"no underscore":      {{Prefix: "ks", Revocations: src}},
		"empty":              {{Prefix: "", Revocations: src}},
		"no revocations":     {{Prefix: "ks_"}},
		"overlapping":        {{Prefix: "ks_", Revocations: src}, {Prefix: "ks_x", Revocations: src}},
		"overlapping, later": {{Prefix: "ks_x", Revocations: src}, {Prefix: "ks_", Revocations: src}},
	} {
		_, err := NewTokens(context.Background(), db, TokenOptions{Issuer: tokIssuer, Audience: tokAudience, SessionSources: srcs})
		if err == nil {
			t.Errorf("%s: NewTokens accepted %v", name, srcs)
		}
	}
}
