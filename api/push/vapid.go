package push

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// webpush-go v1.4 signs a new VAPID token for every message, with an
// expiry fixed at 12 hours from its own time.Now (it ignores the option),
// and prefixes the subject with "mailto:" unless it starts with "https:".
// vapidTransport sits between it and the network and swaps its
// Authorization header for a token made here: signed once per push service
// origin and reused for tokenReuse, with the expiry from our clock and the
// subject exactly as configured.
//
// This cannot save webpush-go's own signing (it signs before it sends; the
// benchmarks measure what that costs). What it buys is a token we control
// and one a push service sees again and again, so it can cache its check.
const (
	tokenLife  = 12 * time.Hour // exp ahead of signing; RFC 8292 allows at most 24h
	tokenReuse = time.Hour      // so a token always has 11h or more left when sent
	// maxAudiences bounds the cache: one entry per push service origin, of
	// which there are few, but WNS has many regional hosts.
	maxAudiences = 1024
)

type vapidSigner struct {
	keys    *vapidKeys
	subject string
	now     func() time.Time

	mu     sync.Mutex
	tokens map[string]cachedToken // by audience
}

type cachedToken struct {
	header string
	signed time.Time
}

func newVAPIDSigner(k *vapidKeys, subject string, now func() time.Time) *vapidSigner {
	return &vapidSigner{keys: k, subject: subject, now: now, tokens: map[string]cachedToken{}}
}

// header returns the Authorization value for an audience, signing a new
// token when the cached one is older than tokenReuse (or from the future,
// after the clock moved back).
func (v *vapidSigner) header(aud string) (string, error) {
	now := v.now()
	v.mu.Lock()
	t, ok := v.tokens[aud]
	v.mu.Unlock()
	if age := now.Sub(t.signed); ok && age >= 0 && age < tokenReuse {
		return t.header, nil
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"aud": aud,
		"exp": now.Add(tokenLife).Unix(),
		"sub": v.subject,
	})
	signed, err := tok.SignedString(v.keys.signing)
	if err != nil {
		return "", err
	}
	h := "vapid t=" + signed + ", k=" + v.keys.public
	v.mu.Lock()
	if len(v.tokens) >= maxAudiences {
		clear(v.tokens)
	}
	v.tokens[aud] = cachedToken{header: h, signed: now}
	v.mu.Unlock()
	return h, nil
}

type vapidTransport struct {
	next   http.RoundTripper
	signer *vapidSigner
}

func (t *vapidTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.Header.Get("Authorization"), "vapid ") {
		return t.next.RoundTrip(req)
	}
	h, err := t.signer.header(audience(req))
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set("Authorization", h)
	return t.next.RoundTrip(r)
}

// audience is the origin of the endpoint (RFC 8292 section 2): scheme and
// host, with the port only when it is not the scheme's default.
func audience(req *http.Request) string {
	host := req.URL.Host
	if req.URL.Scheme == "https" {
		host = strings.TrimSuffix(host, ":443")
	} else if req.URL.Scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	}
	return req.URL.Scheme + "://" + host
}
