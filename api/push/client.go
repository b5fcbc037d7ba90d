package push

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"frontdoor/api/internal/netguard"
)

// deliveryTimeout bounds one request to a push service, connecting
// included; it stays well inside the outbox lease (30s by default).
const deliveryTimeout = 10 * time.Second

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
	g := &netguard.Dialer{Loopback: cfg.loopback, Resolve: cfg.resolve}
	tc := cfg.tls
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
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
