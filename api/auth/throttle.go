package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"frontdoor/api/store"
)

// GuardOptions configure a Guard; zero values take the defaults shown.
type GuardOptions struct {
	// Secret keys the hashes of account keys, IP addresses, contacts and
	// codes, so the store holds none of them in clear and a copy of the
	// database alone cannot reverse them (IPv4 addresses and six-digit codes
	// are too few to hide behind a plain hash). At least 32 bytes; the same on
	// every replica.
	Secret []byte
	Now    func() time.Time // time.Now

	ThrottleWindow       time.Duration // 5 minutes
	ThrottleAccountLimit int           // failures per account in the window: 10
	ThrottleIPLimit      int           // failures per IP address in the window: 100

	CodeTTL         time.Duration // 10 minutes
	CodeMaxTries    int           // wrong tries that kill a code: 5
	CodeIssueLimit  int           // codes sent to one contact per CodeIssueWindow: 5
	CodeIssueWindow time.Duration // 1 hour
}

func (o *GuardOptions) defaults() error {
	if len(o.Secret) < 32 {
		return errors.New("auth: guard secret must be at least 32 bytes")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setInt := func(n *int, def int) {
		if *n == 0 {
			*n = def
		}
	}
	setDur(&o.ThrottleWindow, 5*time.Minute)
	setInt(&o.ThrottleAccountLimit, 10)
	setInt(&o.ThrottleIPLimit, 100)
	setDur(&o.CodeTTL, 10*time.Minute)
	setInt(&o.CodeMaxTries, 5)
	setInt(&o.CodeIssueLimit, 5)
	setDur(&o.CodeIssueWindow, time.Hour)
	for _, n := range []int{o.ThrottleAccountLimit, o.ThrottleIPLimit, o.CodeMaxTries, o.CodeIssueLimit} {
		if n < 1 || n > store.MaxLimit {
			return fmt.Errorf("auth: guard limit %d outside 1..%d", n, store.MaxLimit)
		}
	}
	for _, d := range []time.Duration{o.ThrottleWindow, o.CodeTTL, o.CodeIssueWindow} {
		if d < time.Second {
			return fmt.Errorf("auth: guard duration %v under a second", d)
		}
	}
	return nil
}

// Guard holds the stateful defences around sign-in: throttling of failed
// attempts and one-time codes. Its state lives in the store, so every replica
// of the server sees the same counts.
type Guard struct {
	db       *store.DB
	opts     GuardOptions
	failures *guardEvents // kinds "account", "ip"
	issues   *guardEvents // kind "contact": codes sent
	codes    *store.Collection[codeRecord, *codeRecord]
}

// NewGuard checks the options and opens the Guard's collections.
func NewGuard(ctx context.Context, db *store.DB, opts GuardOptions) (*Guard, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	g := &Guard{db: db, opts: opts}
	var err error
	if g.failures, err = openGuardEvents(ctx, db, "auth_failures", opts.ThrottleWindow); err != nil {
		return nil, err
	}
	if g.issues, err = openGuardEvents(ctx, db, "auth_code_issues", opts.CodeIssueWindow); err != nil {
		return nil, err
	}
	if g.codes, err = store.Open[codeRecord](ctx, db, codeSpec); err != nil {
		return nil, err
	}
	return g, nil
}

// now is the injected clock at the store's precision.
func (g *Guard) now() time.Time { return g.opts.Now().UTC().Truncate(time.Millisecond) }

// hash is the keyed hash that stands in for a value in the store.
func (g *Guard) hash(label, value string) string {
	m := hmac.New(sha256.New, g.opts.Secret)
	m.Write([]byte(label + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// guardNormalize makes the key a person typed compare equal however they
// typed it: spaces around, letter case, Unicode composition.
func guardNormalize(s string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) }

// guardIPKey canonicalizes an address. IPv6 counts by /64, the block one
// subscriber usually holds, or a single client could rotate past the limit.
func guardIPKey(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return guardNormalize(ip)
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// ThrottleSignIn is the message id of ThrottleError; Data["Count"] is the
// number of seconds to wait.
const ThrottleSignIn = "SignInThrottled"

// ThrottleError refuses a sign-in attempt: too many recent failures for the
// account or from the address. The answer is the same for an account that
// does not exist.
type ThrottleError struct {
	ID         string
	Data       map[string]any
	RetryAfter time.Duration
}

func (e *ThrottleError) Error() string {
	return fmt.Sprintf("auth: sign-in throttled, retry after %v", e.RetryAfter)
}

// guardSeconds rounds a wait up to whole seconds, as Retry-After states it.
func guardSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

type guardKey struct {
	kind, key string
	limit     int
}

// throttleKeys are the counters an attempt touches; an empty account key or
// address is not counted.
func (g *Guard) throttleKeys(accountKey, ip string) []guardKey {
	var ks []guardKey
	if a := guardNormalize(accountKey); a != "" {
		ks = append(ks, guardKey{"account", g.hash("account", a), g.opts.ThrottleAccountLimit})
	}
	if a := guardIPKey(ip); a != "" {
		ks = append(ks, guardKey{"ip", g.hash("ip", a), g.opts.ThrottleIPLimit})
	}
	return ks
}

// ThrottleCheck says whether a sign-in attempt for accountKey (the email or
// phone as typed, known or not) from ip may go ahead. When it may not, it
// returns how long until it may and a *ThrottleError.
func (g *Guard) ThrottleCheck(ctx context.Context, accountKey, ip string) (retryAfter time.Duration, err error) {
	now := g.now()
	for _, k := range g.throttleKeys(accountKey, ip) {
		w, err := g.failures.wait(ctx, k, now)
		if err != nil {
			return 0, err
		}
		retryAfter = max(retryAfter, w)
	}
	if retryAfter > 0 {
		return retryAfter, &ThrottleError{ID: ThrottleSignIn, Data: map[string]any{"Count": guardSeconds(retryAfter)}, RetryAfter: retryAfter}
	}
	return 0, nil
}

// ThrottleFail records a failed attempt against the account key and the address.
func (g *Guard) ThrottleFail(ctx context.Context, accountKey, ip string) error {
	now := g.now()
	return g.db.Tx(ctx, func(ctx context.Context) error {
		for _, k := range g.throttleKeys(accountKey, ip) {
			if err := g.failures.add(ctx, k, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// ThrottleReset forgets the account's failures after a successful sign-in.
// The address keeps its count: signing in to one's own account must not
// reset a counter that guards everyone else's.
func (g *Guard) ThrottleReset(ctx context.Context, accountKey string) error {
	a := guardNormalize(accountKey)
	if a == "" {
		return nil
	}
	return g.db.Tx(ctx, func(ctx context.Context) error {
		return g.failures.clear(ctx, guardKey{kind: "account", key: g.hash("account", a)})
	})
}

// guardEvent is one counted event: a failed attempt, a code sent.
type guardEvent struct {
	store.Meta
	Kind    string    `json:"kind"`
	Key     string    `json:"key"` // keyed hash, never the value itself
	At      time.Time `json:"at"`
	Expires time.Time `json:"expires"` // when it leaves the window; TTL
}

// guardEvents counts events per key in a sliding window.
type guardEvents struct {
	coll   *store.Collection[guardEvent, *guardEvent]
	window time.Duration
}

func openGuardEvents(ctx context.Context, db *store.DB, name string, window time.Duration) (*guardEvents, error) {
	coll, err := store.Open[guardEvent](ctx, db, store.CollectionSpec{Name: name, Indexes: []store.IndexSpec{
		{Name: "by_key_at", Fields: []string{"kind", "key", "at"}},
		// On each document rather than "at" plus the window, so that a
		// changed window needs no index change.
		{Name: "expiry", Fields: []string{"expires"}, TTL: true},
	}})
	if err != nil {
		return nil, err
	}
	return &guardEvents{coll: coll, window: window}, nil
}

func (e *guardEvents) add(ctx context.Context, k guardKey, now time.Time) error {
	return e.coll.Insert(ctx, &guardEvent{Kind: k.kind, Key: k.key, At: now, Expires: now.Add(e.window)})
}

// wait is how long until fewer than k.limit events are in the window that
// ends at now; 0 when there already are.
func (e *guardEvents) wait(ctx context.Context, k guardKey, now time.Time) (time.Duration, error) {
	where := []store.Cond{store.Eq("kind", k.kind), store.Eq("key", k.key), store.Gt("at", now.Add(-e.window))}
	n, err := e.coll.Count(ctx, where...)
	if err != nil || n < int64(k.limit) {
		return 0, err
	}
	// Once the limit-th newest event leaves the window, limit-1 remain.
	page, err := e.coll.Find(ctx, store.Query{Where: where, Sort: "at", Desc: true, Limit: k.limit})
	if err != nil || len(page.Items) < k.limit {
		return 0, err
	}
	return page.Items[k.limit-1].At.Add(e.window).Sub(now), nil
}

// clear deletes every event of the key.
func (e *guardEvents) clear(ctx context.Context, k guardKey) error {
	for {
		page, err := e.coll.Find(ctx, store.Query{
			Where: []store.Cond{store.Eq("kind", k.kind), store.Eq("key", k.key)}, Limit: store.MaxLimit})
		if err != nil || len(page.Items) == 0 {
			return err
		}
		for _, ev := range page.Items {
			if err := e.coll.Delete(ctx, ev.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
}
