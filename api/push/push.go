// Package push is Web Push for Frontdoor: the server's VAPID key pair
// (RFC 8292), the browsers' push subscriptions, and delivery of encrypted
// messages (RFC 8291, aes128gcm) to their push services (RFC 8030) through
// the outbox, so a message is enqueued in the same transaction as the change
// it tells of and survives a crash before it is sent.
//
// Endpoints come from browsers, that is from anyone, so they are held to an
// allow-list of push service hosts, and the delivery client never follows a
// redirect nor connects to a non-public address. Nothing here speaks HTTP to
// clients: the api layer does, with the domain errors returned here.
package push

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// SendKind is the outbox job kind that delivers one message to one subscription.
const SendKind = "push.send"

// DefaultHosts are the push services browsers use today. A host matches an
// entry when it equals it or ends with "." and the entry.
var DefaultHosts = []string{
	"fcm.googleapis.com",        // Chrome, Opera, Samsung Internet, Brave, Edge on Android (Firebase Cloud Messaging)
	"push.services.mozilla.com", // Firefox: updates.push.services.mozilla.com (Mozilla autopush)
	"web.push.apple.com",        // Safari on macOS 13+ and iOS/iPadOS 16.4+ (web apps on the home screen)
	"notify.windows.com",        // Edge on Windows: *.notify.windows.com (Windows Push Notification Services)
}

// Options configure a Service; zero values take the defaults.
type Options struct {
	// Subject is the VAPID "sub": "mailto:" and an address, or an https URL,
	// where a push service can reach the council about its messages.
	Subject string
	// AllowedHosts are the push service hosts endpoints may point at, as
	// host names (a leading "*." or "." is ignored; subdomains always match)
	// or literal IP addresses (exact match). Nil means DefaultHosts.
	AllowedHosts []string
	// AllowLoopbackHTTP, for development and tests, also accepts plain
	// http:// endpoints on loopback hosts that are in AllowedHosts, and lets
	// the default client connect to loopback addresses.
	AllowLoopbackHTTP bool
	// Client sends to push services. Nil means a client with timeouts, no
	// proxy and a dialer refusing non-public addresses (loopback allowed
	// only with AllowLoopbackHTTP). Whatever is given, redirects are never
	// followed and a zero Timeout becomes 10s.
	Client *http.Client
	// PerHostConcurrency caps deliveries in flight per push service host;
	// default 32.
	PerHostConcurrency int
	Now                func() time.Time
	Logger             *slog.Logger
	// Observe is told each outcome: "sent", "failed" (will never arrive),
	// "removed" (the push service says the subscription is gone) or
	// "retried" (tried again later, or at once and shorter after a 413).
	Observe func(outcome string)
	// OnUndeliverable is called when msg can never reach sub: the push
	// service said it is gone (sub has just been removed), refused it for
	// good, or the outbox gave up on it. ctx is a store transaction that
	// also holds the removal: enqueue the email or SMS fallback with it, and
	// do nothing but store calls (it may run more than once on MongoDB).
	// An error rolls back and retries the delivery later.
	OnUndeliverable func(ctx context.Context, sub *Subscription, msg Message) error

	// noJWTCache turns off the VAPID token cache (vapid.go), so benchmarks
	// can measure webpush-go's own per-message token against it.
	noJWTCache bool
}

// Service holds subscriptions and delivers messages. Build it with New
// before the outbox starts.
type Service struct {
	db     *store.DB
	ob     *outbox.Outbox
	subs   *store.Collection[Subscription, *Subscription]
	opts   Options
	hosts  []string
	log    *slog.Logger
	keys   *vapidKeys
	client *http.Client
	limits *hostLimits
	marks  *sentMarks
}

// New loads the VAPID key pair (generating and storing it on first start),
// opens the subscriptions and registers SendKind with the outbox.
func New(ctx context.Context, db *store.DB, ob *outbox.Outbox, opts Options) (*Service, error) {
	opts, hosts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, ob: ob, opts: opts, hosts: hosts, log: opts.Logger.With("component", "push")}
	var created bool
	if s.keys, created, err = ensureKeys(ctx, db, opts.Now); err != nil {
		return nil, err
	}
	if created {
		s.log.Info("generated the VAPID key pair") // the keys themselves never reach a log
	}
	if s.subs, err = store.Open[Subscription](ctx, db, subscriptionSpec); err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	s.limits = newHostLimits(opts.PerHostConcurrency)
	s.marks = newSentMarks(db, s.subs, s.log)
	s.client = s.deliveryClient(opts.Client)
	ob.Register(SendKind, s.deliver)
	return s, nil
}

func withDefaults(o Options) (Options, []string, error) {
	if err := checkSubject(o.Subject); err != nil {
		return o, nil, err
	}
	if o.PerHostConcurrency == 0 {
		o.PerHostConcurrency = 32
	}
	if o.PerHostConcurrency < 1 || o.PerHostConcurrency > 1024 {
		return o, nil, fmt.Errorf("push: PerHostConcurrency %d: want 1 to 1024", o.PerHostConcurrency)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	if o.AllowedHosts == nil {
		o.AllowedHosts = DefaultHosts
	}
	hosts, err := normalizeHosts(o.AllowedHosts)
	return o, hosts, err
}

// checkSubject accepts what RFC 8292 asks for: a mailto: URI with one
// address, or an https URL.
func checkSubject(sub string) error {
	bad := fmt.Errorf("push: VAPID subject %q: want mailto:<address> or an https:// URL", sub)
	if addr, ok := strings.CutPrefix(sub, "mailto:"); ok {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr {
			return bad
		}
		return nil
	}
	u, err := url.Parse(sub)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(sub, " \t\r\n") {
		return bad
	}
	return nil
}

var hostName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// normalizeHosts lowercases names and drops wildcards (subdomains always
// match); literal addresses are kept in netip's form, matched exactly.
func normalizeHosts(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, raw := range in {
		h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
			out = append(out, a.String())
			continue
		}
		h = strings.TrimPrefix(strings.TrimPrefix(h, "*"), ".")
		// A single label ("com") would let endpoints name any host under it.
		if len(h) > 253 || !hostName.MatchString(h) || !strings.Contains(h, ".") && h != "localhost" {
			return nil, fmt.Errorf("push: allowed host %q is not a host name or address", raw)
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil, errors.New("push: no allowed push service hosts")
	}
	return out, nil
}

// deliveryClient is the client webpush-go sends with: a copy of the given
// one (or the default), never following redirects, with the VAPID token
// cache in front of its transport.
func (s *Service) deliveryClient(base *http.Client) *http.Client {
	if base == nil {
		base = newClient(clientConfig{loopback: s.opts.AllowLoopbackHTTP, perHost: s.opts.PerHostConcurrency})
	}
	c := *base // the caller's client stays as it was
	c.CheckRedirect = noRedirects
	if c.Timeout == 0 {
		c.Timeout = deliveryTimeout
	}
	if !s.opts.noJWTCache {
		next := c.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		c.Transport = &vapidTransport{next: next, signer: newVAPIDSigner(s.keys, s.opts.Subject, s.opts.Now)}
	}
	return &c
}

// PublicKey is the VAPID public key for the browser's applicationServerKey:
// the uncompressed P-256 point (65 bytes), base64url without padding.
func (s *Service) PublicKey() string { return s.keys.public }

// now is the injected clock at the store's precision.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }
