package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"frontdoor/api/store"
)

// Access tokens are JWTs per RFC 9068 (typ at+jwt) following the RFC 8725
// best practices: one algorithm, explicit typing, a kid that must name one of
// our keys, and no header that could point verification at another key.
const (
	typAccess      = "at+jwt"
	maxTokenSize   = 8 << 10
	maxClaimLength = 128 // ids, kids and the like; ours are far shorter
)

// TokenOptions configure Tokens. Issuer and Audience are required; zero
// values of the others take the defaults.
type TokenOptions struct {
	Issuer   string // iss, e.g. the public base URL
	Audience string // aud, the API
	ClientID string // client_id (RFC 9068) when the Subject names none; default "frontdoor"

	AccessTTL  time.Duration // default 15 minutes
	RefreshTTL time.Duration // default 30 days, renewed on every refresh
	// Leeway forgives clock differences between replicas in exp, nbf and
	// iat; default 30 seconds.
	Leeway time.Duration
	// KeyReload is how often the signing keys are read again, so another
	// process's rotation is picked up; default 30 seconds.
	KeyReload time.Duration
	// RevocationTTL is how long a session found live is believed live
	// without asking the store again: a logout on another replica reaches
	// this one within it. Default 30 seconds.
	RevocationTTL time.Duration
	// SealKey, 32 bytes when set, seals private signing keys at rest.
	SealKey []byte
	// SessionSources answer Verify for sids that are not refresh sessions
	// (kiosk sessions); see SessionSource.
	SessionSources []SessionSource

	Now    func() time.Time
	Logger *slog.Logger
}

func (o *TokenOptions) normalize() error {
	if o.Issuer == "" || o.Audience == "" {
		return errors.New("auth: TokenOptions needs an Issuer and an Audience")
	}
	def := func(d *time.Duration, v, lo, hi time.Duration, name string) error {
		if *d == 0 {
			*d = v
		}
		if *d < lo || *d > hi {
			return fmt.Errorf("auth: %s %v is outside %v..%v", name, *d, lo, hi)
		}
		return nil
	}
	if err := errors.Join(
		def(&o.AccessTTL, 15*time.Minute, time.Minute, time.Hour, "AccessTTL"),
		def(&o.RefreshTTL, 30*24*time.Hour, time.Hour, 400*24*time.Hour, "RefreshTTL"),
		def(&o.Leeway, 30*time.Second, 0, 5*time.Minute, "Leeway"),
		def(&o.KeyReload, 30*time.Second, minKeyReload, 10*time.Minute, "KeyReload"),
		def(&o.RevocationTTL, 30*time.Second, 0, 5*time.Minute, "RevocationTTL"),
	); err != nil {
		return err
	}
	if err := checkSources(o.SessionSources); err != nil {
		return err
	}
	if o.ClientID == "" {
		o.ClientID = "frontdoor"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Revocations says whether a session (a refresh family, the sid claim) has
// ended. Sessions implements it; a SessionSource brings another.
type Revocations interface {
	Revoked(ctx context.Context, sid string) (bool, error)
}

// Tokens issues and verifies access tokens and runs refresh sessions.
type Tokens struct {
	opts        TokenOptions
	keys        *signingKeys
	sessions    *Sessions
	revocations Revocations
	parser      *jwt.Parser
}

// NewTokens opens the signing keys (making the first one on first start) and
// the refresh sessions in db.
func NewTokens(ctx context.Context, db *store.DB, opts TokenOptions) (*Tokens, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	keys, err := openSigningKeys(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	sessions, err := openSessions(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	opts.SealKey = nil // the keys hold their cipher; keep no other copy
	t := &Tokens{opts: opts, keys: keys, sessions: sessions, revocations: sessions}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{algEdDSA}),
		jwt.WithIssuer(opts.Issuer),
		jwt.WithAudience(opts.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithTimeFunc(opts.Now),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// Sessions are the refresh sessions behind these tokens.
func (t *Tokens) Sessions() *Sessions { return t.sessions }

// RotateKeys makes a new signing key and returns its kid; tokens signed with
// the old one verify until they have all expired.
func (t *Tokens) RotateKeys(ctx context.Context) (string, error) { return t.keys.rotate(ctx) }

// JWKS is the RFC 7517 JSON Web Key Set of the keys that verify our tokens,
// for GET /.well-known/jwks.json.
func (t *Tokens) JWKS(ctx context.Context) ([]byte, error) { return t.keys.jwks(ctx) }

// Subject is who a token speaks for and how.
type Subject struct {
	ID        string  // the account id: sub
	Roles     []Role  // every role the account holds
	Channel   Channel // where the interaction happens
	ActorID   string  // the member of staff acting for the subject: act.sub (RFC 8693)
	SessionID string  // the refresh family: sid, so ending the session ends the token
	ClientID  string  // client_id; TokenOptions.ClientID when empty
}

// ErrInvalidSubject is a Subject that cannot go into a token: a bug in the
// caller, never the client's doing.
var ErrInvalidSubject = errors.New("auth: invalid token subject")

// Validate checks what a token may carry. Assisted means a member of staff
// acts with the resident, so an assisted subject must name them.
func (s Subject) Validate() error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSubject, fmt.Sprintf(format, a...))
	}
	switch {
	case s.ID == "" || len(s.ID) > maxClaimLength:
		return fail("id must be 1 to %d bytes", maxClaimLength)
	case len(s.ActorID) > maxClaimLength || len(s.SessionID) > maxClaimLength || len(s.ClientID) > maxClaimLength:
		return fail("actor, session and client ids are at most %d bytes", maxClaimLength)
	case s.ActorID != "" && s.ActorID == s.ID:
		return fail("a subject cannot act for itself")
	case s.Channel == ChannelAssisted && s.ActorID == "":
		return fail("the assisted channel needs the acting member of staff")
	}
	if err := validateRoles(s.Roles); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSubject, err)
	}
	if err := s.Channel.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSubject, err)
	}
	return nil
}

// Has reports whether the subject holds role r.
func (s Subject) Has(r Role) bool {
	for _, have := range s.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// Claims are what a verified access token says.
type Claims struct {
	Subject
	TokenID   string // jti
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// wireClaims is the token payload.
type wireClaims struct {
	jwt.RegisteredClaims
	ClientID string  `json:"client_id"`
	Roles    []Role  `json:"roles"`
	Channel  Channel `json:"channel"`
	Act      *actor  `json:"act,omitempty"`
	SID      string  `json:"sid,omitempty"`
}

type actor struct {
	Sub string `json:"sub"`
}

// Issue signs an access token for s, valid for AccessTTL.
func (t *Tokens) Issue(ctx context.Context, s Subject) (string, time.Time, error) {
	if err := s.Validate(); err != nil {
		return "", time.Time{}, err
	}
	kid, private, err := t.keys.current(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := t.opts.Now().Truncate(time.Second) // NumericDate holds whole seconds
	exp := now.Add(t.opts.AccessTTL)
	c := wireClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.opts.Issuer,
			Subject:   s.ID,
			Audience:  jwt.ClaimStrings{t.opts.Audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        randomID(),
		},
		ClientID: s.ClientID,
		Roles:    s.Roles,
		Channel:  s.Channel,
		SID:      s.SessionID,
	}
	if c.ClientID == "" {
		c.ClientID = t.opts.ClientID
	}
	if s.ActorID != "" {
		c.Act = &actor{Sub: s.ActorID}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["typ"] = typAccess
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign access token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks an access token and returns its claims. Every refusal is a
// *TokenError saying why; a store failure while checking revocation is
// returned as it is (the token is then neither accepted nor called invalid).
func (t *Tokens) Verify(ctx context.Context, token string) (*Claims, error) {
	kid, err := checkHeader(token)
	if err != nil {
		return nil, err
	}
	public, err := t.keys.publicKey(ctx, kid)
	if err != nil {
		return nil, err
	}
	var wc wireClaims
	_, err = t.parser.ParseWithClaims(token, &wc, func(*jwt.Token) (any, error) { return public, nil })
	if err != nil {
		return nil, jwtRefusal(err)
	}
	c, err := t.claims(&wc)
	if err != nil {
		return nil, err
	}
	if c.SessionID != "" {
		revoked, err := t.revocationsFor(c.SessionID).Revoked(ctx, c.SessionID)
		if err != nil {
			return nil, fmt.Errorf("auth: session check: %w", err)
		}
		if revoked {
			return nil, refuse(RefusedSessionEnded, "session revoked")
		}
	}
	return c, nil
}

// claims checks what the parser does not: the claims it leaves optional, our
// own claims, and a lifetime no longer than we issue.
func (t *Tokens) claims(wc *wireClaims) (*Claims, error) {
	if wc.IssuedAt == nil || wc.ID == "" || wc.ClientID == "" || len(wc.ID) > maxClaimLength {
		return nil, refuse(RefusedClaims, "iat, jti or client_id missing")
	}
	c := &Claims{
		Subject: Subject{
			ID: wc.Subject, Roles: wc.Roles, Channel: wc.Channel,
			SessionID: wc.SID, ClientID: wc.ClientID,
		},
		TokenID:   wc.ID,
		IssuedAt:  wc.IssuedAt.UTC(),
		ExpiresAt: wc.ExpiresAt.UTC(),
	}
	if wc.Act != nil {
		if wc.Act.Sub == "" {
			return nil, refuse(RefusedClaims, "act without sub")
		}
		c.ActorID = wc.Act.Sub
	}
	if err := c.Subject.Validate(); err != nil {
		return nil, refuse(RefusedClaims, err.Error())
	}
	if c.ExpiresAt.Sub(c.IssuedAt) > t.opts.AccessTTL+t.opts.Leeway {
		return nil, refuse(RefusedClaims, "lifetime longer than we issue")
	}
	return c, nil
}

// allowedHeader lists the only header parameters our tokens carry. Anything
// else is refused: jku, jwk, x5u and x5c would name a key of the sender's
// choosing, and crit would demand extensions we do not implement.
var allowedHeader = map[string]bool{"alg": true, "typ": true, "kid": true}

// checkHeader refuses, before any key or signature work, what is not one of
// our access tokens by its shape and header, and returns the kid.
func checkHeader(token string) (string, error) {
	switch {
	case len(token) > maxTokenSize:
		return "", refuse(RefusedTooLarge, fmt.Sprintf("%d bytes", len(token)))
	case strings.HasPrefix(token, refreshPrefix):
		return "", refuse(RefusedNotAccessToken, "a refresh token")
	case strings.Count(token, ".") != 2:
		return "", refuse(RefusedMalformed, "not three segments")
	}
	// base64 decoders skip CR and LF; refusing every other byte here keeps
	// one token one string.
	for i := 0; i < len(token); i++ {
		if c := token[i]; !isBase64URL(c) && c != '.' {
			return "", refuse(RefusedMalformed, fmt.Sprintf("byte %#x at %d", c, i))
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return "", refuse(RefusedMalformed, "header is not base64url")
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", refuse(RefusedMalformed, "header is not a JSON object")
	}
	for name := range h {
		if !allowedHeader[name] {
			return "", refuse(RefusedHeader, fmt.Sprintf("header parameter %q", clip(name)))
		}
	}
	if alg, _ := h["alg"].(string); alg != algEdDSA {
		return "", refuse(RefusedAlgorithm, fmt.Sprintf("alg %q", clip(fmt.Sprint(h["alg"]))))
	}
	if typ, _ := h["typ"].(string); !strings.EqualFold(typ, typAccess) && !strings.EqualFold(typ, "application/"+typAccess) {
		return "", refuse(RefusedType, fmt.Sprintf("typ %q", clip(fmt.Sprint(h["typ"]))))
	}
	kid, _ := h["kid"].(string)
	if kid == "" || len(kid) > maxClaimLength {
		return "", refuse(RefusedKeyID, "kid missing or too long")
	}
	return kid, nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// jwtRefusal names what golang-jwt refused, most fundamental first.
func jwtRefusal(err error) *TokenError {
	for _, m := range []struct {
		err    error
		reason Refusal
	}{
		{jwt.ErrTokenMalformed, RefusedMalformed},
		{jwt.ErrTokenSignatureInvalid, RefusedSignature},
		{jwt.ErrTokenExpired, RefusedExpired},
		{jwt.ErrTokenNotValidYet, RefusedNotYetValid},
		{jwt.ErrTokenUsedBeforeIssued, RefusedNotYetValid},
		{jwt.ErrTokenInvalidIssuer, RefusedIssuer},
		{jwt.ErrTokenInvalidAudience, RefusedAudience},
	} {
		if errors.Is(err, m.err) {
			return refuse(m.reason, err.Error())
		}
	}
	return refuse(RefusedClaims, err.Error())
}

// randomID is 128 random bits, base64url: a jti.
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Refusal is why a token was refused: for logs and tests, never for clients
// (they get the message of TokenError.ID).
type Refusal string

const (
	RefusedTooLarge       Refusal = "too-large"
	RefusedMalformed      Refusal = "malformed"
	RefusedNotAccessToken Refusal = "not-access-token"
	RefusedHeader         Refusal = "header"
	RefusedAlgorithm      Refusal = "algorithm"
	RefusedType           Refusal = "type"
	RefusedKeyID          Refusal = "key-id"
	RefusedUnknownKey     Refusal = "unknown-key"
	RefusedSignature      Refusal = "signature"
	RefusedIssuer         Refusal = "issuer"
	RefusedAudience       Refusal = "audience"
	RefusedExpired        Refusal = "expired"
	RefusedNotYetValid    Refusal = "not-yet-valid"
	RefusedClaims         Refusal = "claims"
	RefusedSessionEnded   Refusal = "session-ended"
	RefusedRefreshInvalid Refusal = "refresh-invalid"
	RefusedRefreshExpired Refusal = "refresh-expired"
	RefusedRefreshReused  Refusal = "refresh-reused"
)

// Message ids (go-i18n) of TokenError, localized by the HTTP layer.
const (
	TokenInvalid        = "TokenInvalid"
	TokenExpired        = "TokenExpired"
	SessionEnded        = "SessionEnded"
	RefreshTokenInvalid = "RefreshTokenInvalid"
	RefreshTokenExpired = "RefreshTokenExpired"
	RefreshTokenReused  = "RefreshTokenReused"
)

// TokenError refuses an access or refresh token. Clients are told ID's
// message and nothing more; Reason and the detail are for logs and tests and
// hold no personal data.
type TokenError struct {
	ID     string
	Reason Refusal
	detail string
}

func (e *TokenError) Error() string {
	if e.detail == "" {
		return "auth: token refused: " + string(e.Reason)
	}
	return "auth: token refused: " + string(e.Reason) + ": " + e.detail
}

// Is matches any TokenError with the same Reason, so the sentinels below
// work with errors.Is.
func (e *TokenError) Is(target error) bool {
	t, ok := target.(*TokenError)
	return ok && t.Reason == e.Reason
}

// Sentinels for the refusals callers act on.
var (
	ErrTokenExpired   = refuse(RefusedExpired, "")
	ErrSessionEnded   = refuse(RefusedSessionEnded, "")
	ErrRefreshInvalid = refuse(RefusedRefreshInvalid, "")
	ErrRefreshExpired = refuse(RefusedRefreshExpired, "")
	ErrRefreshReused  = refuse(RefusedRefreshReused, "")
)

func refuse(reason Refusal, detail string) *TokenError {
	id := TokenInvalid
	switch reason {
	case RefusedExpired:
		id = TokenExpired
	case RefusedSessionEnded:
		id = SessionEnded
	case RefusedRefreshInvalid:
		id = RefreshTokenInvalid
	case RefusedRefreshExpired:
		id = RefreshTokenExpired
	case RefusedRefreshReused:
		id = RefreshTokenReused
	}
	return &TokenError{ID: id, Reason: reason, detail: detail}
}
