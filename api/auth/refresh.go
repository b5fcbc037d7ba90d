package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"frontdoor/api/store"
)

// Refresh tokens are opaque: "fdr_" and 256 random bits in base64url. They
// are not JWTs (no dots), so one can never pass for an access token, and only
// their SHA-256 is stored: the random bits make a slow hash unnecessary.
const (
	refreshPrefix      = "fdr_"
	refreshBytes       = 32
	familiesCollection = "refresh_families"
	refreshCollection  = "refresh_tokens"
	// maxRevocationCache bounds the sessions remembered by Revoked.
	maxRevocationCache = 100_000
	refreshRetries     = 3
)

var refreshLen = len(refreshPrefix) + base64.RawURLEncoding.EncodedLen(refreshBytes)

// Why a session was revoked, kept on the family for staff and for the record.
const (
	revokedLogout = "logout"
	revokedReuse  = "reuse"
	revokedAll    = "revoke-all"
)

// family is one sign-in session: every refresh token descended from one
// sign-in. Its id is the sid claim. Revoking it ends every token in it, so
// revocation is one write however long the chain.
type family struct {
	store.Meta
	Subject     string     `json:"subject"`
	Roles       []Role     `json:"roles"`
	Channel     Channel    `json:"channel"`
	Actor       string     `json:"actor,omitempty"`
	ClientID    string     `json:"client_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	RefreshedAt *time.Time `json:"refreshed_at,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"` // that of its newest refresh token
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	RevokedFor  string     `json:"revoked_for,omitempty"`
}

func (f *family) subject() Subject {
	return Subject{ID: f.Subject, Roles: f.Roles, Channel: f.Channel, ActorID: f.Actor, SessionID: f.ID, ClientID: f.ClientID}
}

// refreshToken is one refresh token; its id is the token's SHA-256
// (base64url), so the primary key is the unique index on the hash.
type refreshToken struct {
	store.Meta
	Family    string     `json:"family"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"` // spent: presenting it again is theft
}

var (
	familiesSpec = store.CollectionSpec{
		Name: familiesCollection,
		Indexes: []store.IndexSpec{
			{Name: "by_subject", Fields: []string{"subject", "created_at"}},
			{Name: "expires", Fields: []string{"expires_at"}, TTL: true},
		},
	}
	refreshSpec = store.CollectionSpec{
		Name:    refreshCollection,
		Indexes: []store.IndexSpec{{Name: "expires", Fields: []string{"expires_at"}, TTL: true}},
	}
)

// Sessions runs refresh sessions: refresh tokens rotated on every use, in
// families that end together. It implements Revocations for Verify.
type Sessions struct {
	db       *store.DB
	families *store.Collection[family, *family]
	tokens   *store.Collection[refreshToken, *refreshToken]
	now      func() time.Time
	ttl      time.Duration
	log      *slog.Logger
	cache    revocationCache
}

func openSessions(ctx context.Context, db *store.DB, o TokenOptions) (*Sessions, error) {
	families, err := store.Open[family](ctx, db, familiesSpec)
	if err != nil {
		return nil, err
	}
	tokens, err := store.Open[refreshToken](ctx, db, refreshSpec)
	if err != nil {
		return nil, err
	}
	return &Sessions{
		db: db, families: families, tokens: tokens, now: o.Now, ttl: o.RefreshTTL, log: o.Logger,
		cache: revocationCache{ttl: o.RevocationTTL},
	}, nil
}

// Refresh is a refresh token as handed to a client.
type Refresh struct {
	Token     string
	ExpiresAt time.Time
	SessionID string // the family: the sid of access tokens issued with it
}

// Start opens a session for s (whose SessionID is ignored) and returns its
// first refresh token.
func (s *Sessions) Start(ctx context.Context, sub Subject) (Refresh, error) {
	sub.SessionID = ""
	if err := sub.Validate(); err != nil {
		return Refresh{}, err
	}
	now := s.now().UTC()
	value, hash := newRefreshToken()
	f := &family{
		Meta: store.Meta{ID: store.NewID()}, Subject: sub.ID, Roles: sub.Roles, Channel: sub.Channel,
		Actor: sub.ActorID, ClientID: sub.ClientID, CreatedAt: now, ExpiresAt: now.Add(s.ttl),
	}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.families.Insert(ctx, f); err != nil {
			return err
		}
		return s.tokens.Insert(ctx, &refreshToken{Meta: store.Meta{ID: hash}, Family: f.ID, CreatedAt: now, ExpiresAt: f.ExpiresAt})
	})
	if err != nil {
		return Refresh{}, fmt.Errorf("auth: start session: %w", err)
	}
	return Refresh{Token: value, ExpiresAt: f.ExpiresAt, SessionID: f.ID}, nil
}

// Rotate spends the presented refresh token and returns its successor in the
// same family, with the subject to issue an access token for. Of concurrent
// uses of one token exactly one succeeds. A token already spent is theft (or
// a client that lost the race with itself): the whole family is revoked,
// successors included, and the error is ErrRefreshReused. Other refusals:
// ErrRefreshInvalid, ErrRefreshExpired, ErrSessionEnded.
func (s *Sessions) Rotate(ctx context.Context, presented string) (Refresh, Subject, error) {
	hash, ok := refreshHash(presented)
	if !ok {
		return Refresh{}, Subject{}, refuse(RefusedRefreshInvalid, "not a refresh token")
	}
	for range refreshRetries {
		r, sub, reused, err := s.rotateOnce(ctx, hash)
		if reused != "" {
			return Refresh{}, Subject{}, s.revokeReused(ctx, reused)
		}
		if errors.Is(err, store.ErrConflict) {
			continue // the family moved under us (a revocation, say): look again
		}
		return r, sub, err
	}
	return Refresh{}, Subject{}, fmt.Errorf("auth: rotate refresh token: %w", store.ErrConflict)
}

// rotateOnce is one transaction of Rotate; reused names the family when the
// token was already spent.
func (s *Sessions) rotateOnce(ctx context.Context, hash string) (out Refresh, sub Subject, reused string, err error) {
	value, next := newRefreshToken()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		reused = ""
		now := s.now().UTC()
		tok, err := s.tokens.Get(ctx, hash)
		if err != nil {
			return notFoundAs(err, RefusedRefreshInvalid, "unknown refresh token")
		}
		f, err := s.families.Get(ctx, tok.Family)
		if err != nil {
			return notFoundAs(err, RefusedRefreshInvalid, "session gone")
		}
		switch {
		case f.RevokedAt != nil:
			return refuse(RefusedSessionEnded, "session revoked")
		case tok.UsedAt != nil:
			reused = f.ID
			return refuse(RefusedRefreshReused, "")
		case !now.Before(tok.ExpiresAt):
			return refuse(RefusedRefreshExpired, "")
		}
		tok.UsedAt = &now
		if err := s.tokens.Replace(ctx, tok); errors.Is(err, store.ErrConflict) {
			reused = f.ID // spent by someone else since we read it
			return refuse(RefusedRefreshReused, "")
		} else if err != nil {
			return err
		}
		f.RefreshedAt, f.ExpiresAt = &now, now.Add(s.ttl)
		if err := s.families.Replace(ctx, f); err != nil {
			return err
		}
		out = Refresh{Token: value, ExpiresAt: f.ExpiresAt, SessionID: f.ID}
		sub = f.subject()
		return s.tokens.Insert(ctx, &refreshToken{Meta: store.Meta{ID: next}, Family: f.ID, CreatedAt: now, ExpiresAt: f.ExpiresAt})
	})
	return out, sub, reused, err
}

func (s *Sessions) revokeReused(ctx context.Context, sid string) error {
	if err := s.revoke(ctx, sid, revokedReuse); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("auth: revoke session after refresh token reuse: %w", err)
	}
	s.log.Warn("auth: a spent refresh token was presented again; session revoked", "session", sid)
	return refuse(RefusedRefreshReused, "session revoked")
}

// Revoke ends a session (logout, the end of a kiosk session): its refresh
// tokens stop working at once and its access tokens fail Verify, at once in
// this process and within RevocationTTL in others. Revoking an ended
// session is not an error; an unknown one is store.ErrNotFound.
func (s *Sessions) Revoke(ctx context.Context, sid string) error {
	return s.revoke(ctx, sid, revokedLogout)
}

// RevokeByRefresh ends the session a refresh token belongs to, spent or not
// (a logout that has only the cookie). A token we never issued, or whose
// record has expired, is ErrRefreshInvalid.
func (s *Sessions) RevokeByRefresh(ctx context.Context, presented string) error {
	hash, ok := refreshHash(presented)
	if !ok {
		return refuse(RefusedRefreshInvalid, "not a refresh token")
	}
	tok, err := s.tokens.Get(ctx, hash)
	if err != nil {
		return notFoundAs(err, RefusedRefreshInvalid, "unknown refresh token")
	}
	return notFoundAs(s.revoke(ctx, tok.Family, revokedLogout), RefusedRefreshInvalid, "session gone")
}

// RevokeAllFor ends every session of subject except the one named (a
// password change keeps the session that made it), and says how many ended.
func (s *Sessions) RevokeAllFor(ctx context.Context, subject, except string) (int, error) {
	n := 0
	now := s.now()
	q := store.Query{Where: []store.Cond{store.Eq("subject", subject)}, Limit: store.MaxLimit}
	for {
		page, err := s.families.Find(ctx, q)
		if err != nil {
			return n, fmt.Errorf("auth: revoke sessions: %w", err)
		}
		for _, f := range page.Items {
			if f.ID == except || f.RevokedAt != nil || !now.Before(f.ExpiresAt) {
				continue
			}
			if err := s.revoke(ctx, f.ID, revokedAll); errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return n, err
			}
			n++
		}
		if q.After = page.Next; q.After == "" {
			return n, nil
		}
	}
}

var errAlreadyRevoked = errors.New("already revoked")

func (s *Sessions) revoke(ctx context.Context, sid, why string) error {
	now := s.now().UTC()
	_, err := s.families.Update(ctx, sid, func(f *family) error {
		if f.RevokedAt != nil {
			return errAlreadyRevoked
		}
		f.RevokedAt, f.RevokedFor = &now, why
		return nil
	})
	if errors.Is(err, errAlreadyRevoked) {
		err = nil
	}
	if err == nil || errors.Is(err, store.ErrNotFound) {
		s.cache.put(sid, true, now)
	}
	return err
}

// Revoked reports whether session sid has ended: revoked, expired or gone.
// Answers are cached: "ended" for good, "live" for RevocationTTL.
func (s *Sessions) Revoked(ctx context.Context, sid string) (bool, error) {
	now := s.now()
	if revoked, ok := s.cache.get(sid, now); ok {
		return revoked, nil
	}
	f, err := s.families.Get(ctx, sid)
	revoked := false
	switch {
	case errors.Is(err, store.ErrNotFound):
		revoked = true
	case err != nil:
		return false, err
	default:
		revoked = f.RevokedAt != nil || !now.Before(f.ExpiresAt)
	}
	s.cache.put(sid, revoked, now)
	return revoked, nil
}

// Grant is what a sign-in or a refresh hands the client.
type Grant struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	SessionID        string
}

// SignIn starts a session for s and issues its first access token.
func (t *Tokens) SignIn(ctx context.Context, s Subject) (*Grant, error) {
	r, err := t.sessions.Start(ctx, s)
	if err != nil {
		return nil, err
	}
	s.SessionID = r.SessionID
	return t.grant(ctx, s, r)
}

// Refresh rotates the presented refresh token and issues a new access token
// for its session; see Sessions.Rotate for the refusals.
func (t *Tokens) Refresh(ctx context.Context, presented string) (*Grant, error) {
	r, s, err := t.sessions.Rotate(ctx, presented)
	if err != nil {
		return nil, err
	}
	return t.grant(ctx, s, r)
}

func (t *Tokens) grant(ctx context.Context, s Subject, r Refresh) (*Grant, error) {
	access, exp, err := t.Issue(ctx, s)
	if err != nil {
		return nil, err
	}
	return &Grant{AccessToken: access, AccessExpiresAt: exp, RefreshToken: r.Token, RefreshExpiresAt: r.ExpiresAt, SessionID: r.SessionID}, nil
}

func newRefreshToken() (value, hash string) {
	b := make([]byte, refreshBytes)
	rand.Read(b)
	value = refreshPrefix + base64.RawURLEncoding.EncodeToString(b)
	h, _ := refreshHash(value)
	return value, h
}

// refreshHash checks the token's shape before it costs a store read, and
// returns the hash it is stored under.
func refreshHash(token string) (string, bool) {
	body, ok := strings.CutPrefix(token, refreshPrefix)
	if !ok || len(token) != refreshLen {
		return "", false
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(body); err != nil || len(b) != refreshBytes {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:]), true
}

func notFoundAs(err error, reason Refusal, detail string) error {
	if errors.Is(err, store.ErrNotFound) {
		return refuse(reason, detail)
	}
	return err
}

// revocationCache remembers Revoked's answers: an ended session for good (it
// cannot come back), a live one for ttl, so a revocation elsewhere lands
// within ttl without a store read on every request.
type revocationCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]revocationEntry
}

type revocationEntry struct {
	revoked bool
	at      time.Time
}

func (c *revocationCache) get(sid string, now time.Time) (revoked, ok bool) {
	c.mu.RLock()
	e, found := c.m[sid]
	c.mu.RUnlock()
	if found && (e.revoked || now.Sub(e.at) < c.ttl) {
		return e.revoked, true
	}
	return false, false
}

func (c *revocationCache) put(sid string, revoked bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]revocationEntry{}
	}
	if c.m[sid].revoked {
		return // a "live" answer read before a revocation must not undo it
	}
	if len(c.m) >= maxRevocationCache {
		for k, e := range c.m {
			if !e.revoked && now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxRevocationCache {
			clear(c.m) // ended sessions are read from the store again
		}
	}
	c.m[sid] = revocationEntry{revoked: revoked, at: now}
}
