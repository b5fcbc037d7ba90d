package auth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

func tokSignIn(tb testing.TB, tk *Tokens, s Subject) *Grant {
	tb.Helper()
	g, err := tk.SignIn(context.Background(), s)
	if err != nil {
		tb.Fatalf("SignIn: %v", err)
	}
	return g
}

func tokRefresh(tb testing.TB, tk *Tokens, refresh string) *Grant {
	tb.Helper()
	g, err := tk.Refresh(context.Background(), refresh)
	if err != nil {
		tb.Fatalf("Refresh: %v", err)
	}
	return g
}

func tokFamily(tb testing.TB, tk *Tokens, sid string) *family {
	tb.Helper()
	f, err := tk.sessions.families.Get(context.Background(), sid)
	if err != nil {
		tb.Fatalf("family %s: %v", sid, err)
	}
	return f
}

func TestRefreshRotates(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock)
	ctx := context.Background()
	s := Subject{ID: "res-1", Roles: []Role{RoleResident}, Channel: ChannelAssisted, ActorID: "staff-9"}
	first := tokSignIn(t, tk, s)
	if !strings.HasPrefix(first.RefreshToken, "fdr_") || len(first.RefreshToken) != 47 || strings.Contains(first.RefreshToken, ".") {
		t.Fatalf("refresh token %q: want fdr_ and 43 base64url characters", first.RefreshToken)
	}
	if want := clock.Now().Add(30 * 24 * time.Hour); !first.RefreshExpiresAt.Equal(want) {
		t.Fatalf("refresh expires %v, want %v", first.RefreshExpiresAt, want)
	}

	clock.Advance(10 * time.Minute)
	second := tokRefresh(t, tk, first.RefreshToken)
	if second.RefreshToken == first.RefreshToken || second.SessionID != first.SessionID {
		t.Fatalf("rotation gave token %q session %q; want a new token in session %q", second.RefreshToken, second.SessionID, first.SessionID)
	}
	if want := clock.Now().Add(30 * 24 * time.Hour); !second.RefreshExpiresAt.Equal(want) {
		t.Fatalf("rotation does not renew the session: expires %v, want %v", second.RefreshExpiresAt, want)
	}
	c, err := tk.Verify(ctx, second.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	want := Subject{ID: "res-1", Roles: []Role{RoleResident}, Channel: ChannelAssisted, ActorID: "staff-9", SessionID: first.SessionID, ClientID: "frontdoor"}
	if c.ID != want.ID || c.ActorID != want.ActorID || c.Channel != want.Channel || c.SessionID != want.SessionID || !c.Has(RoleResident) {
		t.Fatalf("claims after refresh %+v, want %+v", c.Subject, want)
	}
	third := tokRefresh(t, tk, second.RefreshToken)
	if third.RefreshToken == second.RefreshToken {
		t.Fatal("the second rotation reused a token")
	}
}

func TestIssueDefaultClientAndSessionID(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	g, err := tk.SignIn(context.Background(), tokResident())
	if err != nil {
		t.Fatal(err)
	}
	_, payload, _ := tokParts(t, g.AccessToken)
	if payload["sid"] != g.SessionID || payload["client_id"] != "frontdoor" || g.SessionID == "" {
		t.Fatalf("sid %v client_id %v, want %q and frontdoor", payload["sid"], payload["client_id"], g.SessionID)
	}
	c, err := tk.Verify(context.Background(), g.AccessToken)
	if err != nil || c.SessionID != g.SessionID {
		t.Fatalf("Verify: %v, %+v", err, c)
	}
}

func TestRefreshReuseRevokesTheFamily(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	ctx := context.Background()
	s := tokResident()
	stolen := tokSignIn(t, tk, s)
	other := tokSignIn(t, tk, s) // the same resident on another device
	next := tokRefresh(t, tk, stolen.RefreshToken)

	_, err := tk.Refresh(ctx, stolen.RefreshToken)
	wantRefusal(t, err, RefusedRefreshReused)
	if !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("%v is not ErrRefreshReused", err)
	}
	var te *TokenError
	if errors.As(err, &te); te.ID != RefreshTokenReused {
		t.Fatalf("message id %s", te.ID)
	}
	// The token it was rotated to dies with it, and so do the family's
	// access tokens.
	_, err = tk.Refresh(ctx, next.RefreshToken)
	wantRefusal(t, err, RefusedSessionEnded)
	for _, access := range []string{stolen.AccessToken, next.AccessToken} {
		_, err := tk.Verify(ctx, access)
		wantRefusal(t, err, RefusedSessionEnded)
	}
	if f := tokFamily(t, tk, stolen.SessionID); f.RevokedAt == nil || f.RevokedFor != revokedReuse {
		t.Fatalf("family after reuse: revoked %v for %q", f.RevokedAt, f.RevokedFor)
	}
	// The resident's other session is untouched.
	if _, err := tk.Verify(ctx, other.AccessToken); err != nil {
		t.Fatalf("another session: %v", err)
	}
	tokRefresh(t, tk, other.RefreshToken)
}

func TestRefreshConcurrentDoubleUse(t *testing.T) {
	db, dir := tokStore(t)
	clock := newTokClock()
	a := tokNew(t, db, clock)
	b := tokNew(t, tokStoreAt(t, dir), clock) // a second replica on the same store
	for round := range 5 {
		g := tokSignIn(t, a, tokResident())
		const racers = 8
		results := make([]error, racers)
		grants := make([]*Grant, racers)
		var start sync.WaitGroup
		start.Add(1)
		var wg sync.WaitGroup
		for i := range racers {
			tk := map[bool]*Tokens{true: a, false: b}[i%2 == 0]
			wg.Go(func() {
				start.Wait()
				grants[i], results[i] = tk.Refresh(context.Background(), g.RefreshToken)
			})
		}
		start.Done()
		wg.Wait()
		// One wins; the first loser is reuse and revokes the family; later
		// losers find the session already ended.
		var winner *Grant
		reused := 0
		for i, err := range results {
			switch {
			case err == nil && winner != nil:
				t.Fatalf("round %d: two uses of one refresh token both succeeded", round)
			case err == nil:
				winner = grants[i]
			case errors.Is(err, ErrRefreshReused):
				reused++
			case !errors.Is(err, ErrSessionEnded):
				t.Fatalf("round %d: racer %d: %v, want ErrRefreshReused or ErrSessionEnded", round, i, err)
			}
		}
		if winner == nil || reused == 0 {
			t.Fatalf("round %d: %v winner, %d reuses detected", round, winner != nil, reused)
		}
		// The losers were reuse: the winner's family is revoked too.
		_, err := a.Refresh(context.Background(), winner.RefreshToken)
		wantRefusal(t, err, RefusedSessionEnded)
	}
}

func TestLogoutRevokesSession(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	ctx := context.Background()
	g := tokSignIn(t, tk, tokResident())
	if _, err := tk.Verify(ctx, g.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := tk.Sessions().Revoke(ctx, g.SessionID); err != nil {
		t.Fatal(err)
	}
	_, err := tk.Verify(ctx, g.AccessToken) // at once, though "live" was cached a moment ago
	wantRefusal(t, err, RefusedSessionEnded)
	if te := (*TokenError)(nil); !errors.As(err, &te) || te.ID != SessionEnded {
		t.Fatalf("%v: want message id %s", err, SessionEnded)
	}
	_, err = tk.Refresh(ctx, g.RefreshToken)
	wantRefusal(t, err, RefusedSessionEnded)
	if err := tk.Sessions().Revoke(ctx, g.SessionID); err != nil {
		t.Fatalf("a second logout: %v", err)
	}
	if err := tk.Sessions().Revoke(ctx, store.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking an unknown session: %v", err)
	}
	if f := tokFamily(t, tk, g.SessionID); f.RevokedFor != revokedLogout {
		t.Fatalf("revoked for %q", f.RevokedFor)
	}

	// A logout that has only the refresh cookie.
	cookie := tokSignIn(t, tk, tokResident())
	if err := tk.Sessions().RevokeByRefresh(ctx, cookie.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err = tk.Verify(ctx, cookie.AccessToken)
	wantRefusal(t, err, RefusedSessionEnded)
	_, err = tk.Refresh(ctx, cookie.RefreshToken)
	wantRefusal(t, err, RefusedSessionEnded)
	for _, bad := range []string{newRefreshTokenValue(), "fdr_x", cookie.AccessToken} {
		err := tk.Sessions().RevokeByRefresh(ctx, bad)
		wantRefusal(t, err, RefusedRefreshInvalid)
	}
}

func TestRevokeAllForKeepsTheCurrentSession(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	ctx := context.Background()
	s, someoneElse := tokResident(), tokResident()
	var mine []*Grant
	for range 3 {
		mine = append(mine, tokSignIn(t, tk, s))
	}
	theirs := tokSignIn(t, tk, someoneElse)
	n, err := tk.Sessions().RevokeAllFor(ctx, s.ID, mine[1].SessionID)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAllFor = %d, %v; want 2", n, err)
	}
	for i, g := range mine {
		_, err := tk.Refresh(ctx, g.RefreshToken)
		if i == 1 {
			if err != nil {
				t.Fatalf("the kept session: %v", err)
			}
			continue
		}
		wantRefusal(t, err, RefusedSessionEnded)
		_, err = tk.Verify(ctx, g.AccessToken)
		wantRefusal(t, err, RefusedSessionEnded)
	}
	tokRefresh(t, tk, theirs.RefreshToken)
	if n, err := tk.Sessions().RevokeAllFor(ctx, s.ID, ""); err != nil || n != 1 {
		t.Fatalf("revoking the rest = %d, %v; want 1 (ended sessions are not counted again)", n, err)
	}
}

func TestRefreshExpiry(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock, func(o *TokenOptions) { o.RefreshTTL = 2 * time.Hour })
	ctx := context.Background()
	g := tokSignIn(t, tk, tokResident())
	clock.Advance(2*time.Hour - time.Second)
	g = tokRefresh(t, tk, g.RefreshToken) // a second before expiry: renewed for two hours
	clock.Advance(2*time.Hour - time.Second)
	g = tokRefresh(t, tk, g.RefreshToken)
	clock.Advance(2 * time.Hour)
	_, err := tk.Refresh(ctx, g.RefreshToken)
	wantRefusal(t, err, RefusedRefreshExpired)
	if !errors.Is(err, ErrRefreshExpired) {
		t.Fatalf("%v is not ErrRefreshExpired", err)
	}
}

func TestRefreshRefusesWhatIsNotOurs(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	g := tokSignIn(t, tk, tokResident())
	for name, presented := range map[string]string{
		"empty":                  "",
		"an access token":        g.AccessToken,
		"never issued":           newRefreshTokenValue(),
		"no prefix":              strings.TrimPrefix(g.RefreshToken, "fdr_"),
		"one character short":    g.RefreshToken[:len(g.RefreshToken)-1],
		"one character more":     g.RefreshToken + "A",
		"not base64url":          g.RefreshToken[:10] + "+" + g.RefreshToken[11:],
		"non-canonical encoding": nonCanonicalRefresh(g.RefreshToken),
		"upper-case prefix":      "FDR_" + strings.TrimPrefix(g.RefreshToken, "fdr_"),
	} {
		if presented == g.RefreshToken {
			t.Fatalf("%s: the case is the genuine token", name)
		}
		_, err := tk.Refresh(context.Background(), presented)
		wantRefusal(t, err, RefusedRefreshInvalid)
	}
	// None of those spent the genuine token.
	tokRefresh(t, tk, g.RefreshToken)
}

func TestRefreshTokensStoredOnlyAsHashes(t *testing.T) {
	db, dir := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	g := tokSignIn(t, tk, tokResident())
	next := tokRefresh(t, tk, g.RefreshToken)
	var files []byte
	for _, name := range []string{"f.db", "f.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		files = append(files, b...)
	}
	hash, _ := refreshHash(next.RefreshToken)
	if !bytes.Contains(files, []byte(hash)) {
		t.Fatal("the refresh token's hash is not in the database: the check below proves nothing")
	}
	for _, tok := range []string{g.RefreshToken, next.RefreshToken} {
		if bytes.Contains(files, []byte(strings.TrimPrefix(tok, "fdr_"))) {
			t.Fatal("a refresh token is stored as it is")
		}
	}
}

// TestRevocationReachesOtherReplicas: a logout on one replica ends the
// session's access tokens on another within RevocationTTL.
func TestRevocationReachesOtherReplicas(t *testing.T) {
	db, dir := tokStore(t)
	clockA, clockB := newTokClock(), newTokClock()
	a := tokNew(t, db, clockA)
	b := tokNew(t, tokStoreAt(t, dir), clockB, func(o *TokenOptions) { o.RevocationTTL = 20 * time.Second })
	ctx := context.Background()
	g := tokSignIn(t, a, tokResident())
	if _, err := b.Verify(ctx, g.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := a.Sessions().Revoke(ctx, g.SessionID); err != nil {
		t.Fatal(err)
	}
	// b answers from its cache until the entry is RevocationTTL old: the
	// price of not reading the store on every request.
	clockB.Advance(19 * time.Second)
	if _, err := b.Verify(ctx, g.AccessToken); err != nil {
		t.Fatalf("b read the store before its cache entry aged: %v", err)
	}
	clockB.Advance(time.Second)
	_, err := b.Verify(ctx, g.AccessToken)
	wantRefusal(t, err, RefusedSessionEnded)
}

func TestRevocationCacheNeverForgetsAnEnd(t *testing.T) {
	c := revocationCache{ttl: time.Minute}
	now := time.Now()
	c.put("s", true, now)
	c.put("s", false, now) // a "live" answer read just before the revocation
	if revoked, ok := c.get("s", now.Add(time.Hour)); !ok || !revoked {
		t.Fatalf("get = %v, %v; want revoked, for good", revoked, ok)
	}
	c.put("live", false, now)
	if _, ok := c.get("live", now.Add(time.Minute)); ok {
		t.Fatal("a live answer outlived its ttl")
	}
}

func TestStartRefusesBadSubject(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	_, err := tk.SignIn(context.Background(), Subject{ID: "x", Roles: []Role{"root"}, Channel: ChannelWeb})
	if !errors.Is(err, ErrInvalidSubject) {
		t.Fatalf("SignIn with an unknown role: %v", err)
	}
	page, err := tk.sessions.families.Find(context.Background(), store.Query{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("a refused sign-in left %d sessions (%v)", len(page.Items), err)
	}
}

// nonCanonicalRefresh sets the unused low bits of the last character: the
// same 32 bytes to a lax decoder, a different string to the store.
func nonCanonicalRefresh(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + alphabet[last|1:last|1+1]
}
