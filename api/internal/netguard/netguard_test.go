package netguard

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

func TestAddrAllowed(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		loopback bool
		want     bool
	}{
		{"93.184.215.14", false, true},
		{"2a00:1450:4009:81f::200e", false, true},
		{"10.0.0.1", true, false},
		{"172.16.5.4", true, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false}, // carrier-grade NAT
		{"169.254.169.254", true, false},
		{"0.0.0.0", true, false},
		{"0.1.2.3", true, false},
		{"224.0.0.1", true, false},
		{"255.255.255.255", true, false},
		{"198.18.0.1", true, false},
		{"::", true, false},
		{"fe80::1", true, false},
		{"fd00::1", true, false},
		{"ff02::1", true, false},
		{"::ffff:10.0.0.1", true, false}, // IPv4-mapped
		{"64:ff9b::a00:1", true, false},  // NAT64 of 10.0.0.1
		{"2002:a00:1::1", true, false},   // 6to4 of 10.0.0.1
		{"127.0.0.1", false, false},
		{"127.0.0.1", true, true},
		{"::1", false, false},
		{"::1", true, true},
		{"::ffff:127.0.0.1", true, true},
	} {
		if got := Allowed(netip.MustParseAddr(tc.addr), tc.loopback); got != tc.want {
			t.Errorf("Allowed(%s, loopback=%v) = %v", tc.addr, tc.loopback, got)
		}
	}
}

func TestControlChecksTheAddressItConnectsTo(t *testing.T) {
	d := &Dialer{}
	for addr, ok := range map[string]bool{
		"10.0.0.1:443": false, "[fd00::1]:443": false, "127.0.0.1:80": false, "93.184.215.14:443": true, "garbage": false,
	} {
		if err := d.Control("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("Control(%s) = %v", addr, err)
		}
	}
}

// TestDialRefusesWhatANameResolvesTo: a public-looking name that resolves
// to a private address is refused before any packet; the error says so.
func TestDialRefusesWhatANameResolvesTo(t *testing.T) {
	d := &Dialer{Resolve: func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("169.254.169.254")}, nil
	}}
	if _, err := d.DialContext(context.Background(), "tcp", "hooks.example.org:443"); !errors.Is(err, ErrRefused) {
		t.Fatalf("dial = %v, want ErrRefused", err)
	}
	d.Resolve = func(context.Context, string) ([]netip.Addr, error) { return nil, nil }
	if _, err := d.DialContext(context.Background(), "tcp", "hooks.example.org:443"); err == nil || errors.Is(err, ErrRefused) {
		t.Fatalf("a name without addresses: %v", err)
	}
}
