package accounts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errRefusedAddress is the dialer refusing to connect to an address that is
// not public: connector URLs are set by admins, but a hostname can be made
// to resolve anywhere, so deliveries could otherwise be turned against
// services inside the council's network (SSRF).
var errRefusedAddress = errors.New("accounts: refused to connect to a non-public address")

// blockedPrefixes are special-purpose ranges the netip predicates miss:
// "this network", carrier-grade NAT, IETF protocol assignments,
// documentation, benchmarking, reserved and broadcast, IPv4-compatible,
// NAT64, discard-only, Teredo, documentation v6 and 6to4 (the last ones
// can carry a private IPv4 address inside).
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

// guard dials deliveries: it resolves the host itself (so tests can map
// names), then dials each address with a Control function that checks the
// address the socket is about to connect to, after resolution and before
// any packet is sent.
type guard struct {
	loopback bool
	resolve  func(ctx context.Context, host string) ([]netip.Addr, error)
	dialer   *net.Dialer
}

func newDeliveryClient(opts Options) *http.Client {
	g := &guard{loopback: opts.AllowLoopbackHTTP, resolve: opts.Resolve}
	if g.resolve == nil {
		g.resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	g.dialer = &net.Dialer{Timeout: min(opts.DeliveryTimeout, 5*time.Second), KeepAlive: 30 * time.Second, Control: g.control}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the guard
		DialContext:           g.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.DeliveryTimeout,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{
		Transport: tr,
		Timeout:   opts.DeliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, not an instruction
		},
	}
}

// control runs once the socket exists and before it connects.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !addrAllowed(ap.Addr(), g.loopback) {
		return errRefusedAddress
	}
	return nil
}

// dial tries each address the host resolves to. When every one is refused
// the error says so (the delivery fails for good); any other failure is
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
		return nil, fmt.Errorf("resolving the connector host: %w", err)
	}
	if len(addrs) == 0 {
		return nil, errors.New("the connector host has no addresses")
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
