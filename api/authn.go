package api

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// Authentication reads the access token of Authorization: Bearer (RFC 6750)
// and puts what it says in the request's locals; handlers read it with
// claimsOf and nothing else. Routes choose what they need:
//
//	s.authenticate         optional: anonymous without a header
//	s.requireAuth          401 without a valid token
//	s.requireRole(roles...) 401 without a token, 403 without one of the roles
//
// A token that is present but bad (malformed, expired, revoked, not ours) is
// always a 401 with WWW-Authenticate: Bearer error="invalid_token", never
// quietly anonymous.

const localsClaims = "frontdoor.claims"

// identity is the Server's share of identity and sessions, from Deps. All
// nil when the server is built without them: every identity route then
// answers 404 and every protected route 401.
type identity struct {
	auth         *auth.Service
	tokens       *auth.Tokens
	devMessages  *auth.DevOutbox
	accountLangs *accountLanguages
}

func (s *Server) initIdentity(cfg Config, deps Deps) error {
	switch {
	case deps.Auth != nil && deps.Tokens == nil:
		return errors.New("api: Deps.Auth needs Deps.Tokens")
	case deps.DevMessages != nil && cfg.Production:
		return errors.New("api: the development outbox (Deps.DevMessages) shows sign-in codes to anyone; refused in production")
	}
	s.identity = identity{auth: deps.Auth, tokens: deps.Tokens, devMessages: deps.DevMessages,
		accountLangs: newAccountLanguages(accountLanguageTTL, time.Now)}
	return nil
}

// claimsOf returns the verified claims of the caller, or nil when the
// request is anonymous.
func claimsOf(c *fiber.Ctx) *auth.Claims {
	cl, _ := c.Locals(localsClaims).(*auth.Claims)
	return cl
}

// authenticate lets anonymous requests through and identifies the others.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if err := s.identify(c); err != nil {
		return err
	}
	return c.Next()
}

// requireAuth refuses anonymous requests.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	if err := s.identify(c); err != nil {
		return err
	}
	if claimsOf(c) == nil {
		return &problem{kind: kindUnauthorized}
	}
	return c.Next()
}

// requireRole refuses callers holding none of roles.
func (s *Server) requireRole(roles ...auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.identify(c); err != nil {
			return err
		}
		cl := claimsOf(c)
		if cl == nil {
			return &problem{kind: kindUnauthorized}
		}
		if !slices.ContainsFunc(roles, cl.Has) {
			return &problem{kind: kindForbidden}
		}
		return c.Next()
	}
}

// identify verifies the bearer token, once per request, and records the
// caller: claims, idempotency scope and the account's language. A kiosk
// terminal's own credential (Authorization: Device) is refused here: it
// opens only the routes that ask for it (requireDevice, deviceOrBearer).
func (s *Server) identify(c *fiber.Ctx) error {
	if claimsOf(c) != nil {
		return nil
	}
	if _, device := deviceToken(c); device {
		return &problem{kind: kindDeviceNotAllowed}
	}
	token, present, ok := bearerToken(c)
	switch {
	case !present:
		return nil
	case !ok || s.tokens == nil:
		return tokenProblem(auth.TokenInvalid)
	}
	ctx := c.UserContext()
	claims, err := s.tokens.Verify(ctx, token)
	if err != nil {
		return err // a *auth.TokenError is a 401 (errors.go); a store failure a 500
	}
	c.Locals(localsClaims, claims)
	c.Locals(LocalsCaller, claims.ID)
	if lang := s.accountLanguage(ctx, claims.ID); lang != "" {
		c.Locals(LocalsLanguage, lang)
	}
	return nil
}

var bearerScheme = []byte("bearer ")

// bearerToken reads Authorization: Bearer <token>. present says whether
// there was an Authorization header at all; ok whether it held exactly one
// bearer token (b64token, RFC 6750 section 2.1).
func bearerToken(c *fiber.Ctx) (token string, present, ok bool) {
	values := c.Request().Header.PeekAll(fiber.HeaderAuthorization)
	if len(values) == 0 {
		return "", false, false
	}
	v := values[0]
	if len(values) != 1 || len(v) <= len(bearerScheme) || !bytes.EqualFold(v[:len(bearerScheme)], bearerScheme) {
		return "", true, false
	}
	t := bytes.TrimLeft(v[len(bearerScheme):], " ")
	if len(t) == 0 || len(t) > maxBearerToken {
		return "", true, false
	}
	for _, b := range t {
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || strings.IndexByte("-._~+/=", b) >= 0) {
			return "", true, false
		}
	}
	return string(t), true, true // string() copies: Fiber reuses the header's memory
}

// maxBearerToken is far above our tokens (under 1 KiB) and at the domain's
// own limit, so nothing longer is even parsed.
const maxBearerToken = 8 << 10

// accountLanguage is the language the caller chose for their account, ""
// when unknown. It is read at most once a minute per account.
func (s *Server) accountLanguage(ctx context.Context, id string) string {
	if s.auth == nil {
		return ""
	}
	return s.accountLangs.get(id, func() string {
		u, err := s.auth.GetUser(ctx, id)
		if err != nil {
			return "" // deleted meanwhile, or the store is down: negotiate instead
		}
		return u.Language
	})
}

const (
	accountLanguageTTL  = time.Minute
	maxAccountLanguages = 50_000
)

// accountLanguages caches each account's language for ttl, so that an
// authenticated request costs no store read for it.
type accountLanguages struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]accountLanguage
}

type accountLanguage struct {
	lang string
	at   time.Time
}

func newAccountLanguages(ttl time.Duration, now func() time.Time) *accountLanguages {
	return &accountLanguages{ttl: ttl, now: now, m: map[string]accountLanguage{}}
}

// forget drops id's cached language, after the account changed it.
func (a *accountLanguages) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, id)
}

func (a *accountLanguages) get(id string, load func() string) string {
	now := a.now()
	a.mu.Lock()
	e, ok := a.m[id]
	a.mu.Unlock()
	if ok && now.Sub(e.at) < a.ttl {
		return e.lang
	}
	lang := load()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.m) >= maxAccountLanguages {
		clear(a.m) // cheaper than tracking age; the busy accounts come back at once
	}
	a.m[id] = accountLanguage{lang: lang, at: now}
	return lang
}

// tokenProblem is the 401 for a refused token, saying why in message id.
func tokenProblem(id string) *problem {
	k := kindInvalidToken
	k.detail = id
	return &problem{kind: k}
}

// A kiosk terminal authenticates with Authorization: Device <credential>
// (kiosk.Service.Authenticate), and that opens only the kiosk routes that
// ask for it and public information; everywhere else identify refuses it.
// The credential is checked against the store on every request, so a
// revoked terminal is refused at once.

const localsDevice = "frontdoor.device"

var deviceScheme = []byte("device ")

// deviceToken reads Authorization: Device <credential>; present says the
// header names that scheme at all.
func deviceToken(c *fiber.Ctx) (token string, present bool) {
	values := c.Request().Header.PeekAll(fiber.HeaderAuthorization)
	if len(values) == 0 {
		return "", false
	}
	v := values[0]
	if len(v) < len(deviceScheme) || !bytes.EqualFold(v[:len(deviceScheme)], deviceScheme) {
		return "", false
	}
	if len(values) != 1 || len(v) > maxBearerToken {
		return "", true
	}
	return string(bytes.TrimSpace(v[len(deviceScheme):])), true // string() copies
}

// deviceOf is the terminal a request came from, or nil.
func deviceOf(c *fiber.Ctx) *kiosk.Device {
	d, _ := c.Locals(localsDevice).(*kiosk.Device)
	return d
}

// requireDevice admits a kiosk terminal by its device credential: 401
// (WWW-Authenticate: Device) without one, or when it is unknown or revoked.
func (s *Server) requireDevice(c *fiber.Ctx) error {
	token, present := deviceToken(c)
	if !present || s.kiosk == nil {
		return &problem{kind: kindDeviceInvalid}
	}
	d, err := s.kiosk.Authenticate(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Locals(localsDevice, d)
	c.Locals(LocalsCaller, "device:"+d.ID)
	return c.Next()
}

// deviceOrBearer admits a terminal by its credential or anyone with a
// valid access token (the kiosk session's own, or staff); the handler
// decides what each may do.
func (s *Server) deviceOrBearer(c *fiber.Ctx) error {
	if _, device := deviceToken(c); device {
		return s.requireDevice(c)
	}
	return s.requireAuth(c)
}

// deviceOrAnyone is authenticate for public routes a terminal may use
// before anyone starts a session (tracking a reference): a valid device
// credential is as anonymous as no header.
func (s *Server) deviceOrAnyone(c *fiber.Ctx) error {
	token, device := deviceToken(c)
	if !device {
		return s.authenticate(c)
	}
	if s.kiosk == nil {
		return &problem{kind: kindDeviceInvalid}
	}
	if _, err := s.kiosk.Authenticate(c.UserContext(), token); err != nil {
		return err
	}
	return c.Next()
}

// requireAccount is requireRole(resident) for what only an account has (the
// customer record, notification preferences, following a case): an
// anonymous kiosk session holds the resident role to report and track, and
// is told to sign in instead.
func (s *Server) requireAccount(c *fiber.Ctx) error {
	if err := s.identify(c); err != nil {
		return err
	}
	cl := claimsOf(c)
	switch {
	case cl == nil:
		return &problem{kind: kindUnauthorized}
	case !cl.Has(auth.RoleResident):
		return &problem{kind: kindForbidden}
	case kiosk.AnonymousSubject(cl.ID):
		return &problem{kind: kindKioskSignIn}
	}
	return c.Next()
}

// notOnKiosk refuses, after authentication, what must not happen on a
// shared terminal whoever is signed in there: typing a password on its
// keyboard, subscribing its browser to someone's notifications.
func (s *Server) notOnKiosk(c *fiber.Ctx) error {
	if cl := claimsOf(c); cl != nil && kioskSID(cl.SessionID) {
		return &problem{kind: kindKioskNotHere}
	}
	return c.Next()
}

// kioskSID says whether a token's sid is a kiosk session.
func kioskSID(sid string) bool { return strings.HasPrefix(sid, kiosk.SessionPrefix) }
