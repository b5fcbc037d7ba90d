package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/store"
)

// Idempotency-Key (IETF httpapi draft): a client that may retry a POST sends
// a key; the first response is kept per caller for a day and replayed for a
// retry, so an offline queue or a kiosk resubmitting never creates a second
// thing. Mount s.idempotent before the handler of every route that creates.

const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed" // "true" on a replayed response

	// LocalsCaller is where a later auth layer puts the caller's identity
	// (an account id); without it the caller is the client IP.
	LocalsCaller = "caller"

	idempotencyTTL   = 24 * time.Hour
	idempotencyLease = 60 * time.Second // a first attempt silent this long has crashed
	maxKeyLength     = 255
)

var (
	errKeyReused = errors.New("idempotency key used for a different request")
	errInFlight  = errors.New("idempotency key in use by a request still running")
)

// idempotencyRecord is one key's first attempt and, once done, its response.
type idempotencyRecord struct {
	store.Meta
	Caller      string    `json:"caller"`      // SHA-256 of the caller: no IPs at rest
	Key         string    `json:"key"`         // as the client sent it
	Fingerprint string    `json:"fingerprint"` // SHA-256 of method, path and body
	Done        bool      `json:"done"`
	LeaseUntil  time.Time `json:"lease_until"` // while not done, the attempt owns the key until then
	ExpiresAt   time.Time `json:"expires_at"`
	Status      int       `json:"status,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Language    string    `json:"language,omitempty"`
	Location    string    `json:"location,omitempty"`
	Body        []byte    `json:"body,omitempty"`
}

var idempotencySpec = store.CollectionSpec{
	Name: "idempotency_keys",
	Indexes: []store.IndexSpec{
		{Name: "caller_key", Fields: []string{"caller", "key"}, Unique: true},
		{Name: "expiry", Fields: []string{"expires_at"}, TTL: true},
	},
}

type idempotency struct {
	keys  *store.Collection[idempotencyRecord, *idempotencyRecord]
	log   *slog.Logger
	now   func() time.Time
	lease time.Duration
	ttl   time.Duration
}

func newIdempotency(ctx context.Context, db *store.DB, log *slog.Logger) (*idempotency, error) {
	keys, err := store.Open[idempotencyRecord](ctx, db, idempotencySpec)
	if err != nil {
		return nil, err
	}
	return &idempotency{keys: keys, log: log, now: time.Now, lease: idempotencyLease, ttl: idempotencyTTL}, nil
}

// idempotent is the middleware; requests without the header pass through.
func (s *Server) idempotent(c *fiber.Ctx) error {
	values := c.Request().Header.PeekAll(HeaderIdempotencyKey)
	if len(values) == 0 {
		return c.Next()
	}
	key, ok := parseIdempotencyKey(values)
	if !ok {
		return &problem{kind: kindBadIdempotencyKey}
	}
	ctx := c.UserContext()
	rec, err := s.idem.claim(ctx, s.caller(c), key, fingerprint(c.Method(), c.Path(), c.Request().Body()))
	switch {
	case errors.Is(err, errKeyReused):
		return &problem{kind: kindIdempotencyKeyReuse}
	case errors.Is(err, errInFlight):
		return &problem{kind: kindIdempotencyBusy}
	case err != nil:
		return err
	case rec.Done:
		return replay(c, rec)
	}
	finished := false
	defer func() {
		if !finished { // the handler panicked: free the key for a retry
			s.idem.release(context.WithoutCancel(ctx), rec)
		}
	}()
	if err := c.Next(); err != nil {
		if err := s.handleError(c, err); err != nil {
			return err
		}
	}
	finished = true
	s.idem.finish(ctx, rec, c, s.langs.name(s.langs.pick(c)))
	return nil
}

// parseIdempotencyKey takes one key of 1 to 255 printable ASCII characters,
// bare or as the draft's structured-field string ("...").
func parseIdempotencyKey(values [][]byte) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	v := values[0]
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		if bytes.ContainsAny(v, `"\`) {
			return "", false
		}
	}
	if len(v) == 0 || len(v) > maxKeyLength {
		return "", false
	}
	for _, b := range v {
		if b < 0x20 || b > 0x7e {
			return "", false
		}
	}
	return string(v), true
}

// caller scopes keys: the signed-in account when there is one, else the IP.
func (s *Server) caller(c *fiber.Ctx) string {
	who := "ip:" + s.clientIP(c).String()
	if id, ok := c.Locals(LocalsCaller).(string); ok && id != "" {
		who = "account:" + id
	}
	sum := sha256.Sum256([]byte(who))
	return hex.EncodeToString(sum[:])
}

// fingerprint identifies the request a key was first used for. The query is
// left out: ?lang= may change between retries of the same request.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// claim returns the key's finished record (to replay) or a running record
// this request now owns. Races end in the store: a unique index on
// (caller, key) for first attempts, optimistic versions for take-overs.
func (i *idempotency) claim(ctx context.Context, caller, key, fp string) (*idempotencyRecord, error) {
	for range 3 {
		now := i.now()
		rec, err := i.keys.FindOne(ctx, store.Eq("caller", caller), store.Eq("key", key))
		if errors.Is(err, store.ErrNotFound) {
			rec = &idempotencyRecord{Caller: caller, Key: key}
			i.start(rec, fp, now)
			if err = i.keys.Insert(ctx, rec); errors.Is(err, store.ErrDuplicate) {
				continue // another attempt inserted first: look again
			}
			return rec, err
		}
		if err != nil {
			return nil, err
		}
		switch {
		case !rec.ExpiresAt.After(now):
			i.start(rec, fp, now) // expired, not yet swept: the key is free again
		case rec.Fingerprint != fp:
			return nil, errKeyReused
		case rec.Done:
			return rec, nil
		case rec.LeaseUntil.After(now):
			return nil, errInFlight
		default:
			rec.LeaseUntil = now.Add(i.lease) // the first attempt crashed: take over
		}
		if err = i.keys.Replace(ctx, rec); errors.Is(err, store.ErrConflict) {
			continue // another retry took it first
		}
		return rec, err
	}
	return nil, errInFlight
}

func (i *idempotency) start(rec *idempotencyRecord, fp string, now time.Time) {
	*rec = idempotencyRecord{Meta: rec.Meta, Caller: rec.Caller, Key: rec.Key, Fingerprint: fp,
		LeaseUntil: now.Add(i.lease), ExpiresAt: now.Add(i.ttl)}
}

// finish keeps the response for replay, unless it was a server failure or a
// rate limit, which a retry may get past.
func (i *idempotency) finish(ctx context.Context, rec *idempotencyRecord, c *fiber.Ctx, lang string) {
	resp := c.Response()
	status := resp.StatusCode()
	if status >= 500 || status == fiber.StatusTooManyRequests {
		i.release(ctx, rec)
		return
	}
	rec.Done, rec.Status = true, status
	rec.ContentType = string(resp.Header.ContentType())
	rec.Location = string(resp.Header.Peek(fiber.HeaderLocation))
	rec.Language = string(resp.Header.Peek(fiber.HeaderContentLanguage))
	if rec.Language == "" {
		rec.Language = lang
	}
	rec.Body = bytes.Clone(resp.Body())
	if err := i.keys.Replace(ctx, rec); err != nil {
		// ErrConflict: the lease ran out and a retry took over. The client has
		// its response; the retry will make its own.
		i.log.WarnContext(ctx, "idempotency: response not kept", slog.String("error", err.Error()))
	}
}

// release deletes a running record so that the client may retry at once,
// unless a retry has taken it over meanwhile.
func (i *idempotency) release(ctx context.Context, rec *idempotencyRecord) {
	cur, err := i.keys.Get(ctx, rec.ID)
	if err == nil && cur.Version == rec.Version {
		err = i.keys.Delete(ctx, rec.ID)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		i.log.WarnContext(ctx, "idempotency: key not released", slog.String("error", err.Error()))
	}
}

func replay(c *fiber.Ctx, rec *idempotencyRecord) error {
	c.Status(rec.Status)
	if rec.ContentType != "" {
		c.Set(fiber.HeaderContentType, rec.ContentType)
	}
	if rec.Location != "" {
		c.Set(fiber.HeaderLocation, rec.Location)
	}
	if rec.Language != "" {
		c.Set(fiber.HeaderContentLanguage, rec.Language)
	}
	c.Set(HeaderReplayed, "true")
	return c.Send(rec.Body)
}
