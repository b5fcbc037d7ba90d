package auth

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

// svcClock is a clock the test moves by hand. It starts at the real time, so
// the store's TTL sweeper (which runs on real time) leaves documents alone.
type svcClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *svcClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *svcClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// svcCatalog stands in for the locale files: a few messages in two languages.
var svcCatalog = map[string]map[string]string{
	"en": {
		MsgVerifyCodeSubject: "Confirm your address", MsgVerifyCodeBody: "Your confirmation code is {{.Code}}.",
		MsgSignInCodeSubject: "Your sign-in code", MsgSignInCodeBody: "Your sign-in code is {{.Code}}.",
		MsgRegisterExistingSubject: "You already have an account", MsgRegisterExistingBody: "You already have an account. Sign in instead.",
	},
	"cy": {
		MsgVerifyCodeSubject: "Cadarnhewch eich cyfeiriad", MsgVerifyCodeBody: "Eich cod cadarnhau yw {{.Code}}.",
		MsgSignInCodeSubject: "Eich cod mewngofnodi", MsgSignInCodeBody: "Eich cod mewngofnodi yw {{.Code}}.",
		MsgRegisterExistingSubject: "Mae gennych gyfrif yn barod", MsgRegisterExistingBody: "Mae gennych gyfrif yn barod.",
	},
}

func svcLocalize(lang, id string, data map[string]any) string {
	msgs, ok := svcCatalog[lang]
	if !ok {
		msgs = svcCatalog["en"]
	}
	s, ok := msgs[id]
	if !ok {
		return "missing:" + id
	}
	if code, ok := data["Code"].(string); ok {
		s = strings.ReplaceAll(s, "{{.Code}}", code)
	}
	return s
}

// svcEnv is a Service on a fresh SQLite store with its building blocks.
type svcEnv struct {
	s       *Service
	db      *store.DB
	clock   *svcClock
	outbox  *DevOutbox
	hasher  *Hasher
	tokens  *Tokens
	derives *atomic.Int64 // Argon2id derivations run, through the hasher's test hook
}

func svcNew(tb testing.TB) *svcEnv { return svcNewWith(tb, PasswordParams{}) }

func svcNewWith(tb testing.TB, params PasswordParams) *svcEnv {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	e, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs")})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	env := &svcEnv{db: db, clock: &svcClock{t: time.Now().UTC().Truncate(time.Millisecond)}, derives: new(atomic.Int64)}
	env.outbox = NewDevOutbox(0, env.clock.Now)
	if env.hasher, err = NewHasher(HasherOptions{Params: params}); err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	env.hasher.inSlot = func() { env.derives.Add(1) }
	guard, err := NewGuard(ctx, db, GuardOptions{Secret: []byte("service tests: a secret of at least 32 bytes"), Now: env.clock.Now})
	if err != nil {
		tb.Fatalf("NewGuard: %v", err)
	}
	env.tokens, err = NewTokens(ctx, db, TokenOptions{Issuer: "https://frontdoor.test", Audience: "https://frontdoor.test/api", Now: env.clock.Now})
	if err != nil {
		tb.Fatalf("NewTokens: %v", err)
	}
	env.s, err = NewService(ctx, db, ServiceOptions{Hasher: env.hasher, Guard: guard, Tokens: env.tokens,
		Notifier: env.outbox, Localize: svcLocalize, Now: env.clock.Now})
	if err != nil {
		tb.Fatalf("NewService: %v", err)
	}
	return env
}

var svcCodePattern = regexp.MustCompile(`\b\d{6}\b`)

// lastCode is the code in the newest message to to; it fails the test when there is none.
func (e *svcEnv) lastCode(tb testing.TB, to string) string {
	tb.Helper()
	msgs := e.outbox.Messages(to)
	if len(msgs) == 0 {
		tb.Fatalf("no message to %s", to)
	}
	code := svcCodePattern.FindString(msgs[0].Body)
	if code == "" {
		tb.Fatalf("no code in the newest message to %s: %q", to, msgs[0].Body)
	}
	return code
}

func (e *svcEnv) user(tb testing.TB, nc normalContact) *User {
	tb.Helper()
	u, err := e.s.findByContact(context.Background(), nc)
	if err != nil {
		tb.Fatalf("find user %s: %v", nc.value, err)
	}
	return u
}

func (e *svcEnv) userCount(tb testing.TB) int {
	tb.Helper()
	page, err := e.s.users.Find(context.Background(), store.Query{Limit: store.MaxLimit})
	if err != nil {
		tb.Fatalf("list users: %v", err)
	}
	return len(page.Items)
}

// resident registers and verifies an email resident with a password.
func (e *svcEnv) resident(tb testing.TB, email, password, lang string) *User {
	tb.Helper()
	ctx := context.Background()
	if err := e.s.Register(ctx, RegisterInput{Email: email, Password: password, Name: "Ada", Language: lang}); err != nil {
		tb.Fatalf("Register %s: %v", email, err)
	}
	if err := e.s.Verify(ctx, Contact{Email: email}, e.lastCode(tb, email)); err != nil {
		tb.Fatalf("Verify %s: %v", email, err)
	}
	return e.user(tb, normalContact{userFieldEmail, email})
}

func (e *svcEnv) login(tb testing.TB, email, password string) *Grant {
	tb.Helper()
	g, err := e.s.Login(context.Background(), LoginInput{Email: email, Password: password})
	if err != nil {
		tb.Fatalf("Login %s: %v", email, err)
	}
	return g
}

// svcFields is a *ValidationError as pointer -> message id; it fails the
// test for any other error.
func svcFields(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("want *ValidationError, got %T %v", err, err)
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Pointer] = f.ID
	}
	return out
}

func svcCodeID(err error) string {
	var ce *CodeError
	if errors.As(err, &ce) {
		return ce.ID
	}
	return ""
}

const svcPassword = "correct horse battery"

func TestServiceRegister(t *testing.T) {
	long := strings.Repeat("n", MaxNameRunes+1)
	tests := []struct {
		name   string
		in     RegisterInput
		fields map[string]string // want a *ValidationError with these
		to     string            // else: the code goes here
		lang   string
	}{
		{name: "email and password", in: RegisterInput{Email: " Ada@Example.ORG ", Password: svcPassword, Name: "Ada"}, to: "ada@example.org", lang: "en"},
		{name: "mobile only, in Welsh", in: RegisterInput{Phone: "07700 900123", Name: "Dafydd", Language: "cy"}, to: "+447700900123", lang: "cy"},
		{name: "no contact", in: RegisterInput{Name: "Ada"}, fields: map[string]string{"": MsgContactExactlyOne}},
		{name: "both contacts", in: RegisterInput{Email: "a@example.org", Phone: "07700900123", Name: "Ada"}, fields: map[string]string{"": MsgContactExactlyOne}},
		{name: "bad email", in: RegisterInput{Email: "ada@", Name: "Ada"}, fields: map[string]string{"/email": MsgEmailInvalid}},
		{name: "landline", in: RegisterInput{Phone: "0117 496 0000", Name: "Ada"}, fields: map[string]string{"/phone": MsgPhoneNotMobile}},
		{name: "bad phone", in: RegisterInput{Phone: "12345", Name: "Ada"}, fields: map[string]string{"/phone": MsgPhoneInvalid}},
		{name: "every field wrong at once", in: RegisterInput{Email: "x@y", Name: long, Language: "fr", Password: "short"},
			fields: map[string]string{"/email": MsgEmailInvalid, "/name": MsgFieldTooLong, "/language": MsgLanguageUnknown, "/password": PasswordTooShort}},
		{name: "no name", in: RegisterInput{Email: "a@example.org", Name: "  "}, fields: map[string]string{"/name": MsgFieldRequired}},
		{name: "name with a bidi override", in: RegisterInput{Email: "a@example.org", Name: "Ada\u202e"}, fields: map[string]string{"/name": MsgTextInvalid}},
		{name: "common password", in: RegisterInput{Email: "a@example.org", Name: "Ada", Password: "password123"}, fields: map[string]string{"/password": PasswordTooCommon}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := svcNew(t)
			err := env.s.Register(context.Background(), tc.in)
			if tc.fields != nil {
				if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
					t.Fatalf("fields = %v, want %v", got, tc.fields)
				}
				if n := env.userCount(t); n != 0 || len(env.outbox.Messages("")) != 0 {
					t.Fatalf("refused registration left %d users and %d messages", n, len(env.outbox.Messages("")))
				}
				return
			}
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			msgs := env.outbox.Messages(tc.to)
			if len(msgs) != 1 || !strings.Contains(msgs[0].Body, env.lastCode(t, tc.to)) {
				t.Fatalf("messages to %s = %+v, want one with the code", tc.to, msgs)
			}
			if want := svcLocalize(tc.lang, MsgVerifyCodeBody, map[string]any{"Code": env.lastCode(t, tc.to)}); msgs[0].Body != want {
				t.Fatalf("body %q, want %q (in %s)", msgs[0].Body, want, tc.lang)
			}
			field := userFieldEmail
			if tc.in.Phone != "" {
				field = userFieldPhone
			}
			u := env.user(t, normalContact{field, tc.to})
			if u.EmailVerified || u.PhoneVerified || !slices.Equal(u.Roles, []Role{RoleResident}) || u.Staff || u.Language != tc.lang {
				t.Fatalf("new user %+v: want an unverified resident speaking %s", u, tc.lang)
			}
			if (tc.in.Password != "") != u.HasPassword() || strings.Contains(u.PasswordHash, tc.in.Password+"$") {
				t.Fatalf("password hash %q for password %q", u.PasswordHash, tc.in.Password)
			}
		})
	}
}

func TestServiceLogin(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "en")
	if err := env.s.Register(ctx, RegisterInput{Email: "pending@example.org", Password: svcPassword, Name: "Pat"}); err != nil {
		t.Fatal(err)
	}
	off := env.resident(t, "off@example.org", svcPassword, "en")
	if _, err := env.s.users.Update(ctx, off.ID, func(u *User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := env.s.Register(ctx, RegisterInput{Phone: "07700900123", Name: "Mo"}); err != nil {
		t.Fatal(err)
	}
	if err := env.s.Verify(ctx, Contact{Phone: "07700900123"}, env.lastCode(t, "+447700900123")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      LoginInput
		err     error             // errors.Is
		fields  map[string]string // or a *ValidationError
		channel Channel           // or success, with this channel
		hashes  int64             // Argon2id runs, when not refused before any
	}{
		{name: "right password", in: LoginInput{Email: "ada@example.org", Password: svcPassword}, channel: ChannelWeb, hashes: 1},
		{name: "typed in capitals, from a kiosk", in: LoginInput{Email: " ADA@Example.org", Password: svcPassword, Channel: ChannelKiosk}, channel: ChannelKiosk, hashes: 1},
		{name: "wrong password", in: LoginInput{Email: "ada@example.org", Password: "wrong password"}, err: ErrInvalidCredentials, hashes: 1},
		{name: "unknown account", in: LoginInput{Email: "nobody@example.org", Password: "wrong password"}, err: ErrInvalidCredentials, hashes: 1},
		{name: "account without a password", in: LoginInput{Phone: "07700900123", Password: "any password at all"}, err: ErrInvalidCredentials, hashes: 1},
		{name: "unverified", in: LoginInput{Email: "pending@example.org", Password: svcPassword}, err: ErrNotVerified, hashes: 1},
		{name: "disabled", in: LoginInput{Email: "off@example.org", Password: svcPassword}, err: ErrDisabled, hashes: 1},
		{name: "disabled, wrong password", in: LoginInput{Email: "off@example.org", Password: "wrong password"}, err: ErrInvalidCredentials, hashes: 1},
		{name: "no password", in: LoginInput{Email: "ada@example.org"}, fields: map[string]string{"/password": MsgFieldRequired}},
		{name: "assisted needs staff", in: LoginInput{Email: "ada@example.org", Password: svcPassword, Channel: ChannelAssisted}, fields: map[string]string{"/channel": MsgValueNotAllowed}},
		{name: "unknown channel", in: LoginInput{Email: "ada@example.org", Password: svcPassword, Channel: "$gt"}, fields: map[string]string{"/channel": ChannelUnknown}},
		{name: "operator as email", in: LoginInput{Email: `{"$gt": ""}`, Password: svcPassword}, fields: map[string]string{"/email": MsgEmailInvalid}},
		{name: "huge password", in: LoginInput{Email: "ada@example.org", Password: strings.Repeat("x", maxPasswordInput+1)}, fields: map[string]string{"/password": PasswordTooLong}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := env.derives.Load()
			g, err := env.s.Login(ctx, tc.in)
			if n := env.derives.Load() - before; n != tc.hashes {
				t.Errorf("%d Argon2id runs, want %d", n, tc.hashes)
			}
			switch {
			case tc.fields != nil:
				if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
					t.Fatalf("fields %v, want %v", got, tc.fields)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) || g != nil {
					t.Fatalf("Login: %v, want %v", err, tc.err)
				}
			default:
				svcCheckGrant(t, env, g, err, ada.ID, tc.channel)
			}
		})
	}
}

// svcCheckGrant checks a sign-in's answer: a working access token for sub
// on channel and an opaque refresh token.
func svcCheckGrant(tb testing.TB, env *svcEnv, g *Grant, err error, sub string, ch Channel) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("sign-in: %v", err)
	}
	claims, err := env.tokens.Verify(context.Background(), g.AccessToken)
	if err != nil {
		tb.Fatalf("access token does not verify: %v", err)
	}
	if claims.ID != sub || claims.Channel != ch || claims.SessionID != g.SessionID || !claims.Has(RoleResident) {
		tb.Fatalf("claims %+v, want sub %s channel %s sid %s", claims, sub, ch, g.SessionID)
	}
	if !strings.HasPrefix(g.RefreshToken, "fdr_") || !g.AccessExpiresAt.After(env.clock.Now()) {
		tb.Fatalf("grant %+v", g)
	}
}

func svcThrottled(tb testing.TB, err error) time.Duration {
	tb.Helper()
	var te *ThrottleError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > 5*time.Minute {
		tb.Fatalf("want *ThrottleError with Retry-After in (0, 5m], got %T %v", err, err)
	}
	return te.RetryAfter
}

// After ten failures in five minutes an account, known or not, is refused
// with Retry-After, even the right password; then it recovers.
func TestServiceLoginThrottle(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	for _, email := range []string{"ada@example.org", "nobody@example.org"} {
		for i := range 10 {
			env.clock.Advance(time.Second)
			_, err := env.s.Login(ctx, LoginInput{Email: email, Password: "wrong password", IP: "192.0.2.1"})
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("%s, failure %d: %v", email, i+1, err)
			}
		}
		_, err := env.s.Login(ctx, LoginInput{Email: email, Password: svcPassword, IP: "198.51.100.7"})
		if wait := svcThrottled(t, err); wait < 4*time.Minute {
			t.Fatalf("%s: Retry-After %v, want about 5 minutes", email, wait)
		}
	}
	env.clock.Advance(5*time.Minute + time.Second)
	env.login(t, "ada@example.org", svcPassword)

	// Success wiped the account's failures: nine more do not throttle it.
	for range 9 {
		if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("after a success: %v", err)
		}
	}
	env.login(t, "ada@example.org", svcPassword)
}

// A hash made at lower costs is replaced at sign-in by one at today's.
func TestServiceLoginRehashesOldHashes(t *testing.T) {
	env := svcNewWith(t, PasswordParams{Memory: 32 * 1024, Time: 2, Threads: 1})
	ctx := context.Background()
	u := env.resident(t, "ada@example.org", svcPassword, "en")
	old, err := NewHasher(HasherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	weak, err := old.Hash(ctx, svcPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.s.users.Update(ctx, u.ID, func(u *User) error { u.PasswordHash = weak; return nil }); err != nil {
		t.Fatal(err)
	}
	env.login(t, "ada@example.org", svcPassword)
	after := env.user(t, normalContact{userFieldEmail, "ada@example.org"})
	if after.PasswordHash == weak || !strings.Contains(after.PasswordHash, "m=32768,t=2,p=1") {
		t.Fatalf("hash after sign-in %q, want one at m=32768", after.PasswordHash)
	}
	env.login(t, "ada@example.org", svcPassword)
}

func TestServiceRefresh(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "en")
	first := env.login(t, "ada@example.org", svcPassword)

	second, err := env.s.Refresh(ctx, first.RefreshToken)
	svcCheckGrant(t, env, second, err, ada.ID, ChannelWeb)
	if second.RefreshToken == first.RefreshToken || second.SessionID != first.SessionID {
		t.Fatalf("refresh did not rotate within the session: %+v", second)
	}
	if _, err := env.s.Refresh(ctx, first.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("spent token again: %v, want ErrRefreshReused", err)
	}
	if _, err := env.s.Refresh(ctx, second.RefreshToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("successor after reuse: %v, want ErrSessionEnded", err)
	}
	if _, err := env.tokens.Verify(ctx, second.AccessToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("access token after reuse: %v, want ErrSessionEnded", err)
	}
	if _, err := env.s.Refresh(ctx, `{"$gt": ""}`); !errors.Is(err, ErrRefreshInvalid) {
		t.Fatalf("garbage: %v, want ErrRefreshInvalid", err)
	}

	// Disabled behind the service's back (a race with UpdateStaff, say):
	// the next refresh ends the session.
	third := env.login(t, "ada@example.org", svcPassword)
	if _, err := env.s.users.Update(ctx, ada.ID, func(u *User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := env.s.Refresh(ctx, third.RefreshToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("refresh of a disabled user: %v, want ErrSessionEnded", err)
	}
	if _, err := env.tokens.Verify(ctx, third.AccessToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("access token of a disabled user: %v, want ErrSessionEnded", err)
	}
}

func TestServiceLogout(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	tests := []struct {
		name   string
		logout func(g *Grant) error
	}{
		{"by session id", func(g *Grant) error { return env.s.Logout(ctx, g.SessionID, "") }},
		{"by refresh token", func(g *Grant) error { return env.s.Logout(ctx, "", g.RefreshToken) }},
	}
	for _, tc := range tests {
		g := env.login(t, "ada@example.org", svcPassword)
		other := env.login(t, "ada@example.org", svcPassword)
		if err := tc.logout(g); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := env.tokens.Verify(ctx, g.AccessToken); !errors.Is(err, ErrSessionEnded) {
			t.Errorf("%s: access token after logout: %v", tc.name, err)
		}
		if _, err := env.s.Refresh(ctx, g.RefreshToken); err == nil {
			t.Errorf("%s: refresh token works after logout", tc.name)
		}
		if _, err := env.s.Refresh(ctx, other.RefreshToken); err != nil {
			t.Errorf("%s: another session ended too: %v", tc.name, err)
		}
		if err := tc.logout(g); err != nil {
			t.Errorf("%s: a second logout: %v", tc.name, err)
		}
	}
	if err := env.s.Logout(ctx, "", "fdr_not-a-token"); err != nil {
		t.Fatalf("logout with a dead token: %v", err)
	}
}

func TestServiceChangePassword(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "en")
	here := env.login(t, "ada@example.org", svcPassword)
	elsewhere := env.login(t, "ada@example.org", svcPassword)
	const newPassword = "a brand new passphrase"
	tests := []struct {
		name, current, next string
		fields              map[string]string
	}{
		{"wrong current", "wrong password", newPassword, map[string]string{"/current_password": MsgCurrentPasswordBad}},
		{"common new", svcPassword, "qwerty123", map[string]string{"/new_password": PasswordTooCommon}},
		{"no new", svcPassword, "", map[string]string{"/new_password": MsgFieldRequired}},
	}
	for _, tc := range tests {
		err := env.s.ChangePassword(ctx, ada.ID, tc.current, tc.next, here.SessionID)
		if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.fields)
		}
	}
	if err := env.s.ChangePassword(ctx, ada.ID, svcPassword, newPassword, here.SessionID); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, err := env.s.Refresh(ctx, here.RefreshToken); err != nil {
		t.Fatalf("the session that changed it ended: %v", err)
	}
	if _, err := env.s.Refresh(ctx, elsewhere.RefreshToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("another session survived: %v", err)
	}
	if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: svcPassword}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("old password: %v", err)
	}
	env.login(t, "ada@example.org", newPassword)

	// Someone who signs in with codes sets a first password without one.
	if err := env.s.Register(ctx, RegisterInput{Phone: "07700900123", Name: "Mo"}); err != nil {
		t.Fatal(err)
	}
	mo := env.user(t, normalContact{userFieldPhone, "+447700900123"})
	if err := env.s.ChangePassword(ctx, mo.ID, "", newPassword, ""); err != nil {
		t.Fatalf("first password: %v", err)
	}
	if u := env.user(t, normalContact{userFieldPhone, "+447700900123"}); !u.HasPassword() {
		t.Fatal("no password after setting one")
	}
}

// BenchmarkServiceLoginFailureTiming compares, in one run, a sign-in for an
// unknown account with a wrong password for a real one: the ratio should be
// close to 1, or timing tells who has an account.
func BenchmarkServiceLoginFailureTiming(b *testing.B) {
	env := svcNew(b)
	ctx := context.Background()
	env.resident(b, "ada@example.org", svcPassword, "en")
	var unknown, wrong time.Duration
	for i := 0; b.Loop(); i++ {
		if i%9 == 0 {
			env.clock.Advance(6 * time.Minute) // stay under the throttle
		}
		start := time.Now()
		if _, err := env.s.Login(ctx, LoginInput{Email: "nobody@example.org", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
			b.Fatal(err)
		}
		unknown, wrong = unknown+mid.Sub(start), wrong+time.Since(mid)
	}
	b.ReportMetric(float64(unknown)/float64(wrong), "unknown/wrong")
	b.ReportMetric(float64(wrong.Milliseconds())/float64(b.N), "ms/wrong-login")
}
