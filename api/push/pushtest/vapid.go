package pushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// checkVAPID verifies "vapid t=<jwt>, k=<key>" (RFC 8292): k is the
// server's public key, the token is ES256-signed by it, for this origin,
// from the configured subject, expiring in the future but within 24h.
func (s *Server) checkVAPID(h string) (string, error) {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return "", fmt.Errorf("authorization %q is not vapid", h)
	}
	var t, k string
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			t = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			k = v
		}
	}
	if k != s.key() {
		return "", errors.New("k is not the server's VAPID public key")
	}
	raw, err := b64.DecodeString(k)
	if err != nil {
		return "", err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(t, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(s.srv.URL), jwt.WithExpirationRequired())
	if err != nil {
		return "", err
	}
	exp, _ := claims.GetExpirationTime()
	if exp.After(time.Now().Add(24 * time.Hour)) {
		return "", fmt.Errorf("exp %v is more than 24h ahead", exp)
	}
	if sub, _ := claims.GetSubject(); sub != s.subject {
		return "", fmt.Errorf("sub %q, want %q", sub, s.subject)
	}
	return t, nil
}
