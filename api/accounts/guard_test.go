package accounts

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/internal/netguard"
)

// A connector whose host name resolves to a private address is refused by
// the dialer's Control, before any connection is made.
func TestDeliveryToAPrivateAddressIsRefused(t *testing.T) {
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "records.internal.test" {
			return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	e := newEnv(t, fastOutbox, Options{AllowLoopbackHTTP: true, Resolve: resolve, DeliveryTimeout: time.Second})
	oneService(t, e, "https://records.internal.test/hook")
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	if s := got.Services[0]; s.Attempts != 1 || s.LastError != "address refused: not a public address" {
		t.Errorf("status = %+v; want failed at once, needing a person", s)
	}

	// The refusal comes from the dial, not from a connection that failed.
	start := time.Now()
	_, err := e.svc.client.Get("https://records.internal.test/hook")
	var op *net.OpError
	if !errors.Is(err, netguard.ErrRefused) || !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("client error = %v; want the dialer's refusal", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("refusal took %v: something tried to connect", d)
	}
	if ps := problems(t, e); len(ps) != 1 {
		t.Errorf("problems = %+v", ps)
	}
}

// With loopback not allowed (production), a name the system resolver maps
// to 127.0.0.1 is refused after resolution: the TLS server listening there
// never sees a connection.
func TestResolvedLoopbackIsRefusedInProduction(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	e := newEnv(t, fastOutbox, Options{DeliveryTimeout: time.Second})
	oneService(t, e, "https://localhost:"+port+"/hook") // a name, so allowed at registration
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	if got.Services[0].LastError != "address refused: not a public address" {
		t.Errorf("status = %+v", got.Services[0])
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the loopback server saw %d connections", n)
	}
}
