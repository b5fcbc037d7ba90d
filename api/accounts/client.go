package accounts

import (
	"crypto/tls"
	"net/http"
	"time"

	"frontdoor/api/internal/netguard"
)

// newDeliveryClient sends webhooks to connectors: connector URLs are set by
// admins, but a host name can be made to resolve anywhere, so it dials only
// public addresses (netguard), never through a proxy, never following a
// redirect.
func newDeliveryClient(opts Options) *http.Client {
	g := &netguard.Dialer{Loopback: opts.AllowLoopbackHTTP, Resolve: opts.Resolve, Timeout: min(opts.DeliveryTimeout, 5*time.Second)}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the guard
		DialContext:           g.DialContext,
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
