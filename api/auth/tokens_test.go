package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

const (
	tokIssuer   = "https://frontdoor.test"
	tokAudience = "https://frontdoor.test/api"
)

// tokClock is a clock tests move by hand. It starts at the real time, so
// that the SQLite sweeper (which uses the real clock) deletes nothing the
// test still expects to find.
type tokClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTokClock() *tokClock { return &tokClock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *tokClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tokClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// tokStore opens a fresh SQLite store in a temporary folder and returns it
// with its folder, where tokStoreAt opens a second engine as another replica would.
func tokStore(tb testing.TB) (*store.DB, string) {
	tb.Helper()
	dir := tb.TempDir()
	return tokStoreAt(tb, dir), dir
}

func tokStoreAt(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	e, err := sqlite.Open(context.Background(), sqlite.Options{
		Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs"), SweepInterval: 50 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	return db
}

func tokNew(tb testing.TB, db *store.DB, clock *tokClock, mods ...func(*TokenOptions)) *Tokens {
	tb.Helper()
	o := TokenOptions{Issuer: tokIssuer, Audience: tokAudience, Now: clock.Now}
	for _, m := range mods {
		m(&o)
	}
	t, err := NewTokens(context.Background(), db, o)
	if err != nil {
		tb.Fatalf("NewTokens: %v", err)
	}
	return t
}

func tokResident() Subject {
	return Subject{ID: store.NewID(), Roles: []Role{RoleResident}, Channel: ChannelWeb}
}

func tokIssue(tb testing.TB, tk *Tokens, s Subject) string {
	tb.Helper()
	tok, _, err := tk.Issue(context.Background(), s)
	if err != nil {
		tb.Fatalf("Issue: %v", err)
	}
	return tok
}

// tokParts decodes a compact JWS without verifying it.
func tokParts(tb testing.TB, tok string) (header, payload map[string]any, sig []byte) {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			tb.Fatalf("segment %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			tb.Fatalf("segment %d: %v", i, err)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		tb.Fatalf("signature: %v", err)
	}
	return header, payload, sig
}

func wantRefusal(tb testing.TB, err error, want Refusal) {
	tb.Helper()
	var te *TokenError
	if !errors.As(err, &te) {
		tb.Fatalf("got %v, want a TokenError %q", err, want)
	}
	if te.Reason != want {
		tb.Fatalf("refused as %q (%v), want %q", te.Reason, err, want)
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock)
	ctx := context.Background()
	s := Subject{ID: "acc-1", Roles: []Role{RoleStaff, RoleSupervisor}, Channel: ChannelKiosk, ClientID: "kiosk-app"}
	tok, exp, err := tk.Issue(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(15 * time.Minute); !exp.Equal(want) {
		t.Fatalf("exp %v, want %v", exp, want)
	}
	c, err := tk.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Claims{Subject: s, TokenID: c.TokenID, IssuedAt: clock.Now(), ExpiresAt: exp}
	if !reflect.DeepEqual(*c, want) || len(c.TokenID) < 20 {
		t.Fatalf("claims\n got %+v\nwant %+v", *c, want)
	}
	if !c.Has(RoleSupervisor) || c.Has(RoleAdmin) {
		t.Fatalf("Has: %v", c.Roles)
	}

	header, payload, _ := tokParts(t, tok)
	jwks := tokJWKS(t, tk)
	wantHeader := map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": jwks.Keys[0].Kid}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Fatalf("header %v, want %v", header, wantHeader)
	}
	wantPayload := map[string]any{
		"iss": tokIssuer, "aud": []any{tokAudience}, "sub": "acc-1",
		"iat": float64(clock.Now().Unix()), "exp": float64(exp.Unix()), "jti": c.TokenID,
		"roles": []any{"staff", "supervisor"}, "channel": "kiosk", "client_id": "kiosk-app",
	}
	if !reflect.DeepEqual(payload, wantPayload) {
		t.Fatalf("payload\n got %v\nwant %v", payload, wantPayload)
	}
	if again := tokIssue(t, tk, s); again == tok {
		t.Fatal("two tokens for the same subject are identical: jti is not unique")
	}
}

func TestIssueActClaim(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	ctx := context.Background()
	s := Subject{ID: "resident-7", Roles: []Role{RoleResident}, Channel: ChannelAssisted, ActorID: "staff-3"}
	tok := tokIssue(t, tk, s)
	_, payload, _ := tokParts(t, tok)
	if act, _ := payload["act"].(map[string]any); !reflect.DeepEqual(act, map[string]any{"sub": "staff-3"}) {
		t.Fatalf("act = %v, want {sub: staff-3}", payload["act"])
	}
	c, err := tk.Verify(ctx, tok)
	if err != nil || c.ID != "resident-7" || c.ActorID != "staff-3" || c.Channel != ChannelAssisted {
		t.Fatalf("Verify: %v, %+v", err, c)
	}
	plain := tokIssue(t, tk, tokResident())
	if _, payload, _ := tokParts(t, plain); payload["act"] != nil {
		t.Fatalf("act present without an actor: %v", payload["act"])
	}
}

func TestIssueRefusesBadSubject(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	cases := []struct {
		name string
		s    Subject
		id   string // UnknownValueError message id, when that is the reason
	}{
		{"no id", Subject{Roles: []Role{RoleResident}, Channel: ChannelWeb}, ""},
		{"no roles", Subject{ID: "a", Channel: ChannelWeb}, ""},
		{"unknown role", Subject{ID: "a", Roles: []Role{"root"}, Channel: ChannelWeb}, RoleUnknown},
		{"role twice", Subject{ID: "a", Roles: []Role{RoleStaff, RoleStaff}, Channel: ChannelWeb}, ""},
		{"unknown channel", Subject{ID: "a", Roles: []Role{RoleResident}, Channel: "email"}, ChannelUnknown},
		{"no channel", Subject{ID: "a", Roles: []Role{RoleResident}}, ChannelUnknown},
		{"assisted without staff", Subject{ID: "a", Roles: []Role{RoleResident}, Channel: ChannelAssisted}, ""},
		{"acting for oneself", Subject{ID: "a", Roles: []Role{RoleStaff}, Channel: ChannelPhone, ActorID: "a"}, ""},
		{"long id", Subject{ID: strings.Repeat("x", 129), Roles: []Role{RoleResident}, Channel: ChannelWeb}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, _, err := tk.Issue(context.Background(), tc.s)
			if !errors.Is(err, ErrInvalidSubject) || tok != "" {
				t.Fatalf("Issue = %q, %v; want ErrInvalidSubject", tok, err)
			}
			var uv *UnknownValueError
			if tc.id != "" && (!errors.As(err, &uv) || uv.ID != tc.id) {
				t.Fatalf("error %v, want message id %s", err, tc.id)
			}
		})
	}
}

func TestVerifyExpiryBoundary(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock, func(o *TokenOptions) { o.Leeway = 10 * time.Second })
	tok := tokIssue(t, tk, tokResident())
	clock.Advance(15*time.Minute + 9*time.Second)
	if _, err := tk.Verify(context.Background(), tok); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	clock.Advance(time.Second)
	_, err := tk.Verify(context.Background(), tok)
	wantRefusal(t, err, RefusedExpired)
	var te *TokenError
	if !errors.Is(err, ErrTokenExpired) || !errors.As(err, &te) || te.ID != TokenExpired {
		t.Fatalf("expired token: %v, want ErrTokenExpired with message id %s", err, TokenExpired)
	}
}

// forger builds tokens with exactly one thing wrong each.
type forger struct {
	tb      testing.TB
	kid     string
	private ed25519.PrivateKey
	public  ed25519.PublicKey
	claims  map[string]any // a genuine token's claims
}

func newForger(tb testing.TB, tk *Tokens) *forger {
	set := tk.keys.set.Load()
	_, claims, _ := tokParts(tb, tokIssue(tb, tk, tokResident()))
	return &forger{tb: tb, kid: set.kid, private: set.private, public: set.verify[set.kid].public, claims: claims}
}

func (f *forger) header() map[string]any {
	return map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": f.kid}
}

func (f *forger) payload(change func(map[string]any)) map[string]any {
	c := map[string]any{}
	for k, v := range f.claims {
		c[k] = v
	}
	if change != nil {
		change(c)
	}
	return c
}

func (f *forger) input(header, payload map[string]any) string {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			f.tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(payload)
}

func tokJoin(input string, sig []byte) string {
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ours signs with our own current key.
func (f *forger) ours(header, payload map[string]any) string {
	in := f.input(header, payload)
	return tokJoin(in, ed25519.Sign(f.private, []byte(in)))
}

func (f *forger) withHeader(change func(map[string]any)) string {
	h := f.header()
	change(h)
	return f.ours(h, f.payload(nil))
}

func (f *forger) withClaims(change func(map[string]any)) string {
	return f.ours(f.header(), f.payload(change))
}

// jwtSigned signs the genuine claims with golang-jwt under another algorithm.
func (f *forger) jwtSigned(method jwt.SigningMethod, key any, extra map[string]any) string {
	tok := jwt.NewWithClaims(method, jwt.MapClaims(f.payload(nil)))
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = f.kid
	for k, v := range extra {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		f.tb.Fatal(err)
	}
	return s
}

func TestForgedTokensRefused(t *testing.T) {
	db, _ := tokStore(t)
	clock := newTokClock()
	tk := tokNew(t, db, clock)
	f := newForger(t, tk)
	now := clock.Now().Unix()
	genuine := tokIssue(t, tk, tokResident())
	if _, err := tk.Verify(context.Background(), genuine); err != nil {
		t.Fatalf("the genuine token: %v", err)
	}

	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attackerPub, attackerKey, _ := ed25519.GenerateKey(rand.Reader)
	attackerJWK := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attackerPub)}
	// Another deployment: its own store and keys. Its token names its own kid;
	// the last case signs with its key under our kid.
	otherDB, _ := tokStore(t)
	other := tokNew(t, otherDB, clock)
	otherSet := other.keys.set.Load()

	signedBy := func(key ed25519.PrivateKey, header map[string]any) string {
		in := f.input(header, f.payload(nil))
		return tokJoin(in, ed25519.Sign(key, []byte(in)))
	}
	withHeaderBy := func(key ed25519.PrivateKey, change func(map[string]any)) string {
		h := f.header()
		change(h)
		return signedBy(key, h)
	}
	flipSig := func(tok string) string {
		b := []byte(tok)
		i := strings.LastIndexByte(tok, '.') + 5
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		return string(b)
	}
	// The last character of an Ed25519 signature carries 4 unused bits; a
	// strict decoder refuses them set, so a token has one spelling only.
	nonCanonical := func(tok string) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		return tok[:len(tok)-1] + alphabet[last|1:last|1+1]
	}
	shortSig := func(tok string) string {
		_, _, sig := tokParts(t, tok)
		return tokJoin(tok[:strings.LastIndexByte(tok, '.')], sig[:len(sig)-1])
	}
	tamperedPayload := func() string {
		parts := strings.Split(genuine, ".")
		evil := f.input(f.header(), f.payload(func(c map[string]any) { c["roles"] = []string{"admin"} }))
		return strings.Split(evil, ".")[0] + "." + strings.Split(evil, ".")[1] + "." + parts[2]
	}

	cases := []struct {
		name  string
		token string
		want  Refusal
	}{
		{"alg none, no signature", f.input(map[string]any{"alg": "none", "typ": "at+jwt", "kid": f.kid}, f.payload(nil)) + ".", RefusedAlgorithm},
		{"alg NoNe, our signature", f.withHeader(func(h map[string]any) { h["alg"] = "NoNe" }), RefusedAlgorithm},
		{"alg missing", f.withHeader(func(h map[string]any) { delete(h, "alg") }), RefusedAlgorithm},
		{"HS256 keyed with our public key", f.jwtSigned(jwt.SigningMethodHS256, []byte(f.public), nil), RefusedAlgorithm},
		{"HS256 keyed with the JWKS x text", f.jwtSigned(jwt.SigningMethodHS256, []byte(base64.RawURLEncoding.EncodeToString(f.public)), nil), RefusedAlgorithm},
		{"RS256", f.jwtSigned(jwt.SigningMethodRS256, rsaKey, nil), RefusedAlgorithm},
		{"ES256 where EdDSA is expected", f.jwtSigned(jwt.SigningMethodES256, ecKey, nil), RefusedAlgorithm},
		{"kid missing", f.withHeader(func(h map[string]any) { delete(h, "kid") }), RefusedKeyID},
		{"kid not ours", withHeaderBy(attackerKey, func(h map[string]any) { h["kid"] = "attacker-key" }), RefusedUnknownKey},
		{"jku to the attacker's key set", withHeaderBy(attackerKey, func(h map[string]any) { h["jku"] = "https://evil.test/jwks.json" }), RefusedHeader},
		{"jwk embedding the attacker's key", withHeaderBy(attackerKey, func(h map[string]any) { h["jwk"] = attackerJWK }), RefusedHeader},
		{"x5u", withHeaderBy(attackerKey, func(h map[string]any) { h["x5u"] = "https://evil.test/cert.pem" }), RefusedHeader},
		{"x5c", withHeaderBy(attackerKey, func(h map[string]any) { h["x5c"] = []string{"MIIB"} }), RefusedHeader},
		{"crit", f.withHeader(func(h map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = now }), RefusedHeader},
		{"typ JWT", f.withHeader(func(h map[string]any) { h["typ"] = "JWT" }), RefusedType},
		{"typ missing", f.withHeader(func(h map[string]any) { delete(h, "typ") }), RefusedType},
		{"typ of a refresh token", f.withHeader(func(h map[string]any) { h["typ"] = "rt+jwt" }), RefusedType},
		{"typ of an ID token", f.withHeader(func(h map[string]any) { h["typ"] = "id+jwt" }), RefusedType},
		{"a refresh token", newRefreshTokenValue(), RefusedNotAccessToken},
		{"wrong iss", f.withClaims(func(c map[string]any) { c["iss"] = "https://evil.test" }), RefusedIssuer},
		{"wrong aud", f.withClaims(func(c map[string]any) { c["aud"] = []string{"https://other.test/api"} }), RefusedAudience},
		{"aud missing", f.withClaims(func(c map[string]any) { delete(c, "aud") }), RefusedClaims},
		{"expired", f.withClaims(func(c map[string]any) { c["iat"] = now - 3600; c["exp"] = now - 31 }), RefusedExpired},
		{"nbf in the future", f.withClaims(func(c map[string]any) { c["nbf"] = now + 600 }), RefusedNotYetValid},
		{"iat in the future", f.withClaims(func(c map[string]any) { c["iat"] = now + 600; c["exp"] = now + 1200 }), RefusedNotYetValid},
		{"exp missing", f.withClaims(func(c map[string]any) { delete(c, "exp") }), RefusedClaims},
		{"iat missing", f.withClaims(func(c map[string]any) { delete(c, "iat") }), RefusedClaims},
		{"jti missing", f.withClaims(func(c map[string]any) { delete(c, "jti") }), RefusedClaims},
		{"sub missing", f.withClaims(func(c map[string]any) { delete(c, "sub") }), RefusedClaims},
		{"lives a day", f.withClaims(func(c map[string]any) { c["exp"] = now + 86400 }), RefusedClaims},
		{"unknown role", f.withClaims(func(c map[string]any) { c["roles"] = []string{"superuser"} }), RefusedClaims},
		{"roles empty", f.withClaims(func(c map[string]any) { c["roles"] = []string{} }), RefusedClaims},
		{"roles not a list", f.withClaims(func(c map[string]any) { c["roles"] = "admin" }), RefusedMalformed},
		{"unknown channel", f.withClaims(func(c map[string]any) { c["channel"] = "email" }), RefusedClaims},
		{"act without sub", f.withClaims(func(c map[string]any) { c["act"] = map[string]any{} }), RefusedClaims},
		{"signed by the attacker under our kid", signedBy(attackerKey, f.header()), RefusedSignature},
		{"another deployment's token", tokIssue(t, other, tokResident()), RefusedUnknownKey},
		{"another deployment's key under our kid", signedBy(otherSet.private, f.header()), RefusedSignature},
		{"tampered payload", tamperedPayload(), RefusedSignature},
		{"tampered signature", flipSig(genuine), RefusedSignature},
		{"signature a byte short", shortSig(genuine), RefusedSignature},
		{"garbage after the signature", genuine + "AAAA", RefusedSignature},
		{"a fourth segment", genuine + ".e30", RefusedMalformed},
		{"a trailing newline", genuine + "\n", RefusedMalformed},
		{"a trailing space", genuine + " ", RefusedMalformed},
		{"padding", genuine + "==", RefusedMalformed},
		{"non-canonical signature encoding", nonCanonical(genuine), RefusedMalformed},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("alg=EdDSA")) + genuine[strings.IndexByte(genuine, '.'):], RefusedMalformed},
		{"empty", "", RefusedMalformed},
		{"oversized", f.withClaims(func(c map[string]any) { c["pad"] = strings.Repeat("a", 9000) }), RefusedTooLarge},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.token] {
				t.Fatalf("the same token as another case")
			}
			seen[tc.token] = true
			c, err := tk.Verify(context.Background(), tc.token)
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			wantRefusal(t, err, tc.want)
			var te *TokenError
			errors.As(err, &te)
			if tc.want != RefusedExpired && te.ID != TokenInvalid {
				t.Fatalf("message id %s, want %s", te.ID, TokenInvalid)
			}
		})
	}
	if len(cases) < 40 {
		t.Fatalf("only %d forged tokens", len(cases))
	}
}

// newRefreshTokenValue is a well-formed refresh token that was never issued.
func newRefreshTokenValue() string {
	v, _ := newRefreshToken()
	return v
}

// The HMAC case above is only a test if golang-jwt would have accepted the
// token had we let it choose the algorithm from the header.
func TestAlgorithmConfusionIsRealWithoutOurChecks(t *testing.T) {
	db, _ := tokStore(t)
	tk := tokNew(t, db, newTokClock())
	f := newForger(t, tk)
	forged := f.jwtSigned(jwt.SigningMethodHS256, []byte(f.public), nil)
	naive := func(tok *jwt.Token) (any, error) { return []byte(f.public), nil }
	if _, err := jwt.Parse(forged, naive); err != nil {
		t.Fatalf("a naive verifier refuses the forgery (%v): the forged case tests nothing", err)
	}
	mac := hmac.New(sha256.New, []byte(f.public))
	mac.Write([]byte(forged[:strings.LastIndexByte(forged, '.')]))
	if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); !strings.HasSuffix(forged, got) {
		t.Fatal("the forgery is not HMAC-keyed with our public key")
	}
}

// BenchmarkTokenVerify measures verifications per second: raw Ed25519 is
// the floor; Tokens.Verify adds parsing and every check; ES256 (which Tokens
// does not accept) is golang-jwt on the same claims, for the record.
func BenchmarkTokenVerify(b *testing.B) {
	db, _ := tokStore(b)
	tk := tokNew(b, db, newTokClock())
	ctx := context.Background()
	tok := tokIssue(b, tk, tokResident())
	g, err := tk.SignIn(ctx, tokResident())
	if err != nil {
		b.Fatal(err)
	}
	set := tk.keys.set.Load()
	public := set.verify[set.kid].public
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, claims, _ := tokParts(b, tok)
	es := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims))
	esTok, _ := es.SignedString(ecKey)
	dot := strings.LastIndexByte(tok, '.')
	_, _, sig := tokParts(b, tok)

	rates := map[string]float64{}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			rates[name] = float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rates[name], "verifies/s")
			if floor := rates["ed25519-raw"]; floor > 0 && name != "ed25519-raw" {
				b.ReportMetric(rates[name]/floor, "x-ed25519")
			}
		})
	}
	run("ed25519-raw", func() error {
		if !ed25519.Verify(public, []byte(tok[:dot]), sig) {
			return errors.New("bad signature")
		}
		return nil
	})
	run("EdDSA-golang-jwt", func() error {
		_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return public, nil }, jwt.WithValidMethods([]string{"EdDSA"}))
		return err
	})
	run("EdDSA-Tokens", func() error { _, err := tk.Verify(ctx, tok); return err })
	run("EdDSA-Tokens-sid", func() error { _, err := tk.Verify(ctx, g.AccessToken); return err })
	run("ES256-golang-jwt", func() error {
		_, err := jwt.Parse(esTok, func(*jwt.Token) (any, error) { return &ecKey.PublicKey, nil }, jwt.WithValidMethods([]string{"ES256"}))
		return err
	})
	if ed, es := rates["EdDSA-golang-jwt"], rates["ES256-golang-jwt"]; ed > 0 && es > 0 {
		b.Logf("verify: EdDSA/ES256 with golang-jwt = %.2f; Tokens.Verify/raw Ed25519 = %.2f", ed/es, rates["EdDSA-Tokens"]/rates["ed25519-raw"])
	}
}

// BenchmarkTokenIssue measures tokens signed per second, EdDSA through
// Tokens.Issue against golang-jwt signing EdDSA and ES256 directly.
func BenchmarkTokenIssue(b *testing.B) {
	db, _ := tokStore(b)
	tk := tokNew(b, db, newTokClock())
	ctx := context.Background()
	s := tokResident()
	set := tk.keys.set.Load()
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, claims, _ := tokParts(b, tokIssue(b, tk, s))
	rates := map[string]float64{}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			rates[name] = float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rates[name], "issues/s")
			if base := rates["EdDSA-golang-jwt"]; base > 0 && name != "EdDSA-golang-jwt" {
				b.ReportMetric(rates[name]/base, "x-golang-jwt-EdDSA")
			}
		})
	}
	run("EdDSA-golang-jwt", func() error {
		_, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims(claims)).SignedString(set.private)
		return err
	})
	run("EdDSA-Tokens", func() error { _, _, err := tk.Issue(ctx, s); return err })
	run("ES256-golang-jwt", func() error {
		_, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims)).SignedString(ecKey)
		return err
	})
}

// FuzzVerifyAccessToken: whatever the bytes, Verify refuses with a
// TokenError, never panics, and accepts nothing but the token we issued.
func FuzzVerifyAccessToken(f *testing.F) {
	db, _ := tokStore(f)
	tk := tokNew(f, db, newTokClock())
	genuine := tokIssue(f, tk, tokResident())
	parts := strings.Split(genuine, ".")
	for _, seed := range []string{
		genuine, genuine + "\n", genuine + ".", parts[0] + "." + parts[1] + ".", parts[0] + "..",
		"e30.e30.", "", ".", "..", newRefreshTokenValue(), strings.Repeat("A", maxTokenSize+1),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := tk.Verify(context.Background(), token)
		if err == nil {
			if token != genuine {
				t.Fatalf("accepted a token we did not issue: %q", token)
			}
			return
		}
		var te *TokenError
		if !errors.As(err, &te) || c != nil {
			t.Fatalf("Verify(%q) = %v, %v; want a TokenError", token, c, err)
		}
	})
}

// FuzzRefreshTokenShape: refreshHash accepts exactly "fdr_" and the one
// canonical base64url spelling of 32 bytes.
func FuzzRefreshTokenShape(f *testing.F) {
	good := newRefreshTokenValue()
	for _, seed := range []string{good, good + "A", good[:len(good)-1], "fdr_", "", "FDR_" + good[4:], good[:46] + "B"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hash, ok := refreshHash(s)
		if !ok {
			return
		}
		body, _ := strings.CutPrefix(s, refreshPrefix)
		b, err := base64.RawURLEncoding.DecodeString(body)
		if !strings.HasPrefix(s, refreshPrefix) || err != nil || len(b) != refreshBytes ||
			base64.RawURLEncoding.EncodeToString(b) != body || len(hash) != 43 {
			t.Fatalf("refreshHash accepted %q", s)
		}
	})
}
