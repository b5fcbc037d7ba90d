package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

// tokStoredKeys reads the signing_keys collection as it is stored.
func tokStoredKeys(tb testing.TB, db *store.DB) []storedKey {
	tb.Helper()
	col, err := store.Open[storedKey](context.Background(), db, keysSpec)
	if err != nil {
		tb.Fatal(err)
	}
	page, err := col.Find(context.Background(), store.Query{Limit: store.MaxLimit})
	if err != nil {
		tb.Fatal(err)
	}
	return page.Items
}

func tokKids(tb testing.TB, tk *Tokens) []string {
	tb.Helper()
	var kids []string
	for _, k := range tokJWKS(tb, tk).Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func tokKidOf(tb testing.TB, tok string) string {
	tb.Helper()
	h, _, _ := tokParts(tb, tok)
	return h["kid"].(string)
}

func TestFirstStartSharesOneKey(t *testing.T) {
	db, dir := tokStore(t)
	clock := newTokClock()
	a := tokNew(t, db, clock)
	b := tokNew(t, tokStoreAt(t, dir), clock) // a second replica on the same store
	if ka, kb := tokKids(t, a), tokKids(t, b); len(ka) != 1 || strings.Join(ka, ",") != strings.Join(kb, ",") {
		t.Fatalf("replicas publish %v and %v; want the same single key", ka, kb)
	}
	if n := len(tokStoredKeys(t, db)); n != 1 {
		t.Fatalf("%d keys stored, want 1", n)
	}
	tok := tokIssue(t, a, tokResident())
	if _, err := b.Verify(context.Background(), tok); err != nil {
		t.Fatalf("replica b refuses replica a's token: %v", err)
	}
}

func TestConcurrentFirstStartMakesOneSigningKey(t *testing.T) {
	_, dir := tokStore(t)
	clock := newTokClock()
	const replicas = 4
	dbs := make([]*store.DB, replicas)
	for i := range dbs {
		dbs[i] = tokStoreAt(t, dir)
	}
	tks := make([]*Tokens, replicas)
	var wg sync.WaitGroup
	for i := range tks {
		wg.Go(func() { tks[i] = tokNew(t, dbs[i], clock) })
	}
	wg.Wait()
	kid := tks[0].keys.set.Load().kid
	for i, tk := range tks {
		if got := tk.keys.set.Load().kid; got != kid {
			t.Fatalf("replica %d signs with %s, replica 0 with %s", i, got, kid)
		}
	}
	signing := 0
	for _, k := range tokStoredKeys(t, dbs[0]) {
		if k.Signing {
			signing++
		}
	}
	if signing != 1 {
		t.Fatalf("%d signing keys stored, want 1", signing)
	}
}

func TestKeyRotation(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock)
	ctx := context.Background()
	oldKid := tk.keys.set.Load().kid
	oldPrivate := tk.keys.set.Load().private
	before := tokIssue(t, tk, tokResident())

	clock.Advance(time.Second)
	rotatedAt := clock.Now()
	newKid, err := tk.RotateKeys(ctx)
	if err != nil || newKid == oldKid {
		t.Fatalf("RotateKeys = %s, %v (old %s)", newKid, err, oldKid)
	}
	after := tokIssue(t, tk, tokResident())
	if got := tokKidOf(t, after); got != newKid {
		t.Fatalf("signed with %s after rotation, want %s", got, newKid)
	}
	for _, tok := range []string{before, after} {
		if _, err := tk.Verify(ctx, tok); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	if got := tokKids(t, tk); strings.Join(got, ",") != newKid+","+oldKid {
		t.Fatalf("JWKS kids %v, want [%s %s]", got, newKid, oldKid)
	}
	for _, k := range tokStoredKeys(t, db) {
		if k.ID == oldKid && (k.Signing || len(k.Private) != 0 || k.RetiredAt == nil || k.ExpiresAt == nil) {
			t.Fatalf("retired key still signs or keeps its private key: %+v", k)
		}
	}

	// The old key verifies until every token it signed has expired: its
	// last token, signed just before rotation, expires 15 minutes later.
	clock.Advance(15*time.Minute + 19*time.Second)
	if _, err := tk.Verify(ctx, before); err != nil {
		t.Fatalf("the old key's last token at 15m20s: %v", err)
	}
	if got := tokKids(t, tk); len(got) != 2 {
		t.Fatalf("JWKS while the old key's tokens may live: %v", got)
	}
	// A token made (by someone holding the old private key) to outlive its
	// key: once the key retires it is refused for the key, not for expiry.
	f := &forger{tb: t, kid: oldKid, private: oldPrivate}
	now := clock.Now().Unix()
	late := f.ours(f.header(), map[string]any{
		"iss": tokIssuer, "aud": tokAudience, "sub": "a", "iat": now, "exp": now + 900, "jti": "j",
		"client_id": "frontdoor", "roles": []string{"resident"}, "channel": "web",
	})
	if _, err := tk.Verify(ctx, late); err != nil {
		t.Fatalf("an old-key token before the key retires: %v", err)
	}
	clock.Advance(rotatedAt.Add(tk.keys.retain).Sub(clock.Now()))
	_, err = tk.Verify(ctx, late)
	wantRefusal(t, err, RefusedUnknownKey)
	if got := tokKids(t, tk); strings.Join(got, ",") != newKid {
		t.Fatalf("JWKS after the old key retired: %v, want [%s]", got, newKid)
	}
}

func TestSecondReplicaSeesRotation(t *testing.T) {
	db, dir := tokStore(t)
	clockA, clockB := newTokClock(), newTokClock()
	a := tokNew(t, db, clockA)
	b := tokNew(t, tokStoreAt(t, dir), clockB)
	ctx := context.Background()
	oldKid := b.keys.set.Load().kid

	// b signs with the new key after its next periodic reload, and with
	// the old one (which still verifies everywhere) until then.
	second, err := a.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clockB.Advance(b.opts.KeyReload - time.Second)
	if got := tokKidOf(t, tokIssue(t, b, tokResident())); got != oldKid {
		t.Fatalf("b signs with %s before its reload, want %s", got, oldKid)
	}
	clockB.Advance(time.Second)
	if got := tokKidOf(t, tokIssue(t, b, tokResident())); got != second {
		t.Fatalf("b signs with %s after its reload, want %s", got, second)
	}

	// b learns of a newer key from the first token that names it, without
	// waiting for the periodic reload, once its last look is minKeyReload old.
	third, err := a.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rotated := tokIssue(t, a, tokResident())
	if tokKidOf(t, rotated) != third {
		t.Fatal("a does not sign with the key it rotated to")
	}
	clockB.Advance(minKeyReload)
	loads := b.keys.loads.Load()
	if _, err := b.Verify(ctx, rotated); err != nil {
		t.Fatalf("b refuses a's token signed after rotation: %v", err)
	}
	if b.keys.loads.Load() != loads+1 {
		t.Fatal("b verified a new kid without reloading")
	}
}

func TestUnknownKidsReloadAtMostOncePerInterval(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock)
	f := newForger(t, tk)
	clock.Advance(minKeyReload)
	loads := tk.keys.loads.Load()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			tok := f.withHeader(func(h map[string]any) { h["kid"] = fmt.Sprint("made-up-", i) })
			var te *TokenError
			if _, err := tk.Verify(context.Background(), tok); !errors.As(err, &te) || te.Reason != RefusedUnknownKey {
				t.Errorf("made-up kid: %v", err)
			}
		})
	}
	wg.Wait()
	if n := tk.keys.loads.Load() - loads; n != 1 {
		t.Fatalf("200 unknown kids caused %d reloads, want 1", n)
	}
}

func TestPrivateKeyNeverPrinted(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	seed := tk.keys.set.Load().private.Seed()
	k := tokStoredKeys(t, db)[0]
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", k, "private", k.Private)
	printed := fmt.Sprintf("%v %+v %#v %s %x %q", k, k, k, k.Private, k.Private, k.Private) + logged.String()
	for _, form := range []string{
		base64.StdEncoding.EncodeToString(seed), base64.RawURLEncoding.EncodeToString(seed), hex.EncodeToString(seed),
		fmt.Sprint([]byte(seed)),
	} {
		if strings.Contains(printed, form) {
			t.Fatalf("the private key appears in printed or logged output: %s", printed)
		}
	}
}

func TestSealedSigningKeys(t *testing.T) {
	db, dir := tokStore(t)
	clock := newTokClock()
	seal := bytes.Repeat([]byte{7}, 32)
	a := tokNew(t, db, clock, func(o *TokenOptions) { o.SealKey = seal })
	seed := a.keys.set.Load().private.Seed()
	k := tokStoredKeys(t, db)[0]
	if !k.Sealed || bytes.Contains(k.Private, seed) {
		t.Fatalf("stored key sealed=%v and holds the plain seed=%v", k.Sealed, bytes.Contains(k.Private, seed))
	}
	raw, err := os.ReadFile(filepath.Join(dir, "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(dir, "f.db-wal"))
	if enc := base64.StdEncoding.EncodeToString(seed); bytes.Contains(append(raw, wal...), []byte(enc)) {
		t.Fatal("the database file holds the plain seed")
	}

	b := tokNew(t, tokStoreAt(t, dir), clock, func(o *TokenOptions) { o.SealKey = seal })
	if _, err := b.Verify(context.Background(), tokIssue(t, a, tokResident())); err != nil {
		t.Fatalf("a replica with the same seal key: %v", err)
	}
	if b.keys.set.Load().kid != a.keys.set.Load().kid {
		t.Fatal("a replica with the same seal key signs with another key")
	}
	for name, key := range map[string][]byte{"another seal key": bytes.Repeat([]byte{8}, 32), "no seal key": nil} {
		_, err := NewTokens(context.Background(), tokStoreAt(t, dir), TokenOptions{Issuer: tokIssuer, Audience: tokAudience, SealKey: key})
		if err == nil || !strings.Contains(err.Error(), "seal") {
			t.Fatalf("%s: NewTokens = %v, want an error about the seal key", name, err)
		}
	}
}

func TestTokenOptionsRefused(t *testing.T) {
	db, _ := tokStore(t)
	for name, o := range map[string]TokenOptions{
		"no issuer":        {Audience: tokAudience},
		"no audience":      {Issuer: tokIssuer},
		"access of a day":  {Issuer: tokIssuer, Audience: tokAudience, AccessTTL: 24 * time.Hour},
		"reload every 1ms": {Issuer: tokIssuer, Audience: tokAudience, KeyReload: time.Millisecond},
		"short seal key":   {Issuer: tokIssuer, Audience: tokAudience, SealKey: []byte("short")},
	} {
		if _, err := NewTokens(context.Background(), db, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestJWKSIsRFC7517(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	b, err := tk.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set map[string][]map[string]any
	if err := json.Unmarshal(b, &set); err != nil || len(set) != 1 || len(set["keys"]) != 1 {
		t.Fatalf("JWKS %s: %v", b, err)
	}
	k := set["keys"][0]
	x, _ := base64.RawURLEncoding.DecodeString(k["x"].(string))
	want := map[string]any{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
		"x": k["x"], "kid": thumbprint(ed25519.PublicKey(x))}
	if fmt.Sprint(k) != fmt.Sprint(want) || len(x) != ed25519.PublicKeySize {
		t.Fatalf("JWK %v, want %v", k, want)
	}
	if _, ok := k["d"]; ok {
		t.Fatal("the JWKS publishes the private key")
	}
}

// TestVerifyWithoutGolangJWT checks one of our tokens the way another party
// would: the JWKS x value and crypto/ed25519, nothing else.
func TestVerifyWithoutGolangJWT(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	tok := tokIssue(t, tk, tokResident())
	jwks := tokJWKS(t, tk)
	if len(jwks.Keys) != 1 {
		t.Fatalf("JWKS has %d keys", len(jwks.Keys))
	}
	k := jwks.Keys[0]
	if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" {
		t.Fatalf("JWK %+v", k)
	}
	x, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		t.Fatalf("x: %v (%d bytes)", err, len(x))
	}
	header, _, sig := tokParts(t, tok)
	if header["kid"] != k.Kid {
		t.Fatalf("kid %v, JWKS kid %s", header["kid"], k.Kid)
	}
	dot := strings.LastIndexByte(tok, '.')
	if !ed25519.Verify(ed25519.PublicKey(x), []byte(tok[:dot]), sig) {
		t.Fatal("signature does not verify with crypto/ed25519 and the JWKS key")
	}
	sig[0] ^= 1
	if ed25519.Verify(ed25519.PublicKey(x), []byte(tok[:dot]), sig) {
		t.Fatal("a changed signature verifies")
	}
}

// TestThumbprintRFC8037 checks our kids against RFC 8037 appendix A.3.
func TestThumbprintRFC8037(t *testing.T) {
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if got := thumbprint(ed25519.PublicKey(x)); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Fatalf("thumbprint %s", got)
	}
}

type tokJWK struct {
	Kty, Crv, X, Kid, Alg, Use string
}

func tokJWKS(tb testing.TB, tk *Tokens) struct{ Keys []tokJWK } {
	tb.Helper()
	b, err := tk.JWKS(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	var set struct{ Keys []tokJWK }
	if err := json.Unmarshal(b, &set); err != nil {
		tb.Fatalf("JWKS %s: %v", b, err)
	}
	return set
}
