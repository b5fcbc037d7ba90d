package push

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"frontdoor/api/internal/netguard"
)

// An allowed host name that resolves to a private address is refused by
// the dialer, before any connection: the message fails for good, the
// subscription stays (its host may resolve properly later).
func TestPrivateAddressIsRefusedAtDial(t *testing.T) {
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "push.internal.test" {
			return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	e := newEnv(t, fastOutbox, func(_ *env, o *Options) {
		o.AllowedHosts = []string{"push.internal.test"}
		o.Client = newClient(clientConfig{loopback: true, perHost: 4, resolve: resolve})
	})
	in := input(e.ps.NewDevice("phone"))
	in.Endpoint = "https://push.internal.test/push/phone"
	sub, err := e.svc.Subscribe(ctx, "res-1", "", in, "en")
	if err != nil {
		t.Fatalf("a name on the allow-list is accepted at subscribe time: %v", err)
	}
	if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
		t.Fatal(err)
	}
	e.waitUndeliverable(t)
	job := e.deadJob(t)
	if job.Attempts != 1 || !strings.Contains(job.LastError, "non-public") {
		t.Errorf("dead after %d attempts: %q", job.Attempts, job.LastError)
	}
	if e.gone(t, sub.ID) || e.seen.get("failed") != 1 {
		t.Errorf("gone %v, outcomes %v", e.gone(t, sub.ID), e.seen.n)
	}

	// The refusal is the dialer's own, and immediate.
	start := time.Now()
	_, err = e.svc.client.Get("https://push.internal.test/")
	var op *net.OpError
	if !errors.Is(err, netguard.ErrRefused) || !errors.As(err, &op) || op.Op != "dial" || time.Since(start) > 500*time.Millisecond {
		t.Errorf("client error = %v after %v; want the dialer's refusal", err, time.Since(start))
	}
}

// In production (no loopback), the default client refuses a host name that
// resolves to 127.0.0.1: the push service listening there never sees a
// connection.
func TestDefaultClientRefusesLoopbackInProduction(t *testing.T) {
	e := newEnv(t, fastOutbox, func(_ *env, o *Options) {
		o.AllowedHosts = []string{"localhost"}
		o.AllowLoopbackHTTP = false
		o.Client = nil
	})
	port := e.ps.URL()[strings.LastIndex(e.ps.URL(), ":")+1:]
	in := input(e.ps.NewDevice("phone"))
	in.Endpoint = "https://localhost:" + port + "/push/phone"
	if _, err := e.svc.Subscribe(ctx, "res-1", "", in, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
		t.Fatal(err)
	}
	e.waitUndeliverable(t)
	if job := e.deadJob(t); !strings.Contains(job.LastError, "non-public") {
		t.Errorf("last error %q", job.LastError)
	}
	if n := e.ps.Connections(); n != 0 || e.ps.Device("phone").Posts() != 0 {
		t.Errorf("the loopback push service saw %d connections", n)
	}
}

// The default client keeps its safety whatever client the caller gives:
// no redirects, a timeout.
func TestGivenClientIsMadeSafe(t *testing.T) {
	e := newTestEnv(t)
	c := e.svc.deliveryClient(&http.Client{})
	if c.Timeout != deliveryTimeout || c.CheckRedirect == nil {
		t.Errorf("timeout %v, CheckRedirect set %v", c.Timeout, c.CheckRedirect != nil)
	}
	if _, ok := c.Transport.(*vapidTransport); !ok {
		t.Errorf("transport %T; want the VAPID token cache in front", c.Transport)
	}
}
