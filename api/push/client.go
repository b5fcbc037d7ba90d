package push

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// errRefusedAddress is the dialer refusing a non-public address. Endpoints
// come from browsers, that is from anyone: the host allow-list keeps them on
// the big push services, and this keeps a name that resolves somewhere
// unexpected from reaching services inside the council's network (SSRF).
var errRefusedAddress = errors.New("push: refused to connect to a non-public address")

// deliveryTimeout bounds one request to a push service, connecting
// included; it stays well inside the outbox lease (30s by default).
const deliveryTimeout = 10 * time.Second

// blockedPrefixes are special-purpose ranges the netip predicates miss:
// "this network", carrier-grade NAT, IETF assignments, documentation,
// benchmarking, reserved, IPv4-compatible, NAT64, discard-only, Teredo,
// documentation v6 and 6to4 (the last can carry a private IPv4 address).
var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"::/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// addrAllowed says whether deliveries may connect to a: public unicast
// addresses only, and loopback when loopback is on (development, tests).
func addrAllowed(a netip.Addr, loopback bool) bool {
	a = a.Unmap()
	if a.IsLoopback() {
		return loopback
	}
	if !a.IsValid() || a.IsUnspecified() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guard resolves hosts itself and checks, in the dialer's Control, the very
// address each socket is about to connect to: after DNS, before any packet.
type guard struct {
	loopback bool
	resolve  func(ctx context.Context, host string) ([]netip.Addr, error)
	dialer   *net.Dialer
}

// clientConfig is what newClient needs; tests set resolve and tls.
type clientConfig struct {
	loopback bool
	perHost  int
	resolve  func(ctx context.Context, host string) ([]netip.Addr, error)
	tls      *tls.Config
}

// newClient is the default delivery client: timeouts everywhere, no proxy
// (it would dial past the guard), no redirects, enough idle connections per
// host for every delivery allowed in flight (a TLS handshake per message
// would cost more than the encryption).
func newClient(cfg clientConfig) *http.Client {
	g := &guard{loopback: cfg.loopback, resolve: cfg.resolve}
	if g.resolve == nil {
		g.resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	g.dialer = &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tc := cfg.tls
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * cfg.perHost,
		MaxIdleConnsPerHost:   cfg.perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: deliveryTimeout,
		TLSClientConfig:       tc,
	}
	return &http.Client{Transport: tr, Timeout: deliveryTimeout, CheckRedirect: noRedirects}
}

// noRedirects makes a redirect an answer, not an instruction: following one
// would send the message (and our VAPID token) wherever a push service, or
// someone pretending to be one, pointed.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (g *guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !addrAllowed(ap.Addr(), g.loopback) {
		return errRefusedAddress
	}
	return nil
}

// dial tries each address the host resolves to. When every one is refused
// the error says so (the message fails for good); any other failure is
// worth retrying.
func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = g.resolve(ctx, host); err != nil {
		return nil, fmt.Errorf("resolving the push service host: %w", err)
	}
	if len(addrs) == 0 {
		return nil, errors.New("the push service host has no addresses")
	}
	var last error
	for _, a := range addrs {
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if last == nil || !errors.Is(err, errRefusedAddress) {
			last = err
		}
	}
	return nil, last
}

// hostLimits caps deliveries in flight per push service host, so one alert
// to a hundred thousand residents cannot open a hundred thousand streams
// to FCM (which answers a flood with 429s) or starve the other services.
type hostLimits struct {
	n  int
	mu sync.Mutex
	m  map[string]chan struct{}
}

func newHostLimits(n int) *hostLimits {
	return &hostLimits{n: n, m: map[string]chan struct{}{}}
}

// acquire waits for a slot on host; the func it returns gives it back.
func (h *hostLimits) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	sem := h.m[host]
	if sem == nil {
		sem = make(chan struct{}, h.n)
		h.m[host] = sem
	}
	h.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
