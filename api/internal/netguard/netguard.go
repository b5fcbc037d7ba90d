// Package netguard dials for requests whose destination someone else
// chose (a connector's webhook URL, a browser's push endpoint): only public
// unicast addresses, checked after DNS resolution and before any packet is
// sent, so a name that resolves somewhere unexpected cannot reach services
// inside the council's network (SSRF).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrRefused is the dialer refusing an address that is not public.
var ErrRefused = errors.New("refused to connect to a non-public address")

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

// Allowed says whether a may be connected to: public unicast addresses
// only, and loopback when loopback is on (development, tests).
func Allowed(a netip.Addr, loopback bool) bool {
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

// Dialer resolves hosts itself (so tests can map names) and dials each
// address with a Control that checks the address the socket is about to
// connect to. Use DialContext as an http.Transport's, with no proxy (a
// proxy would dial for us, past the guard).
type Dialer struct {
	Loopback bool
	Resolve  func(ctx context.Context, host string) ([]netip.Addr, error) // nil: the system resolver
	Timeout  time.Duration                                                // connecting; 0 means 5 s
}

// Control runs once the socket exists and before it connects.
func (d *Dialer) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !Allowed(ap.Addr(), d.Loopback) {
		return ErrRefused
	}
	return nil
}

// DialContext tries each address the host resolves to. When every one is
// refused the error wraps ErrRefused (a failure for good); any other
// failure is worth retrying.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = d.resolve(ctx, host); err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no addresses", host)
	}
	nd := &net.Dialer{Timeout: d.Timeout, KeepAlive: 30 * time.Second, Control: d.Control}
	if nd.Timeout <= 0 {
		nd.Timeout = 5 * time.Second
	}
	var last error
	for _, a := range addrs {
		c, err := nd.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if last == nil || !errors.Is(err, ErrRefused) {
			last = err
		}
	}
	return nil, last
}

func (d *Dialer) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if d.Resolve != nil {
		return d.Resolve(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
