package push

import (
	"crypto/ecdh"
	"encoding/base64"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdoor/api/internal/netguard"
	"frontdoor/api/store"
)

// SubscriptionInput is what a browser's PushSubscription.toJSON() gives.
type SubscriptionInput struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *float64 `json:"expirationTime"` // milliseconds since 1970, or null
	Keys           struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// Subscription is one browser's push endpoint and the keys its messages are
// encrypted to. It belongs to a resident (who may have many devices) or,
// for someone without an account, to one case.
type Subscription struct {
	store.Meta
	Endpoint   string     `json:"endpoint"`
	Host       string     `json:"host"`   // the endpoint's host, lowercased: per-host limits and metrics
	P256DH     string     `json:"p256dh"` // base64url, no padding: the browser's P-256 public key
	Auth       string     `json:"auth"`   // base64url, no padding: 16 bytes
	Resident   string     `json:"resident,omitempty"`
	CaseID     string     `json:"case_id,omitempty"`
	Language   string     `json:"language"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	LastSentAt *time.Time `json:"last_sent_at,omitempty"`
	// ExpiresAt is the browser's expirationTime; a TTL index removes the
	// subscription some time after it.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Languages messages may be written in; the api layer negotiates one of
// them before it subscribes.
var Languages = []string{"en", "cy", "pl", "ar"}

// Limits on a subscription's parts. Browsers' endpoints are 150 to 500
// bytes; keys are fixed-size.
const (
	MaxEndpointLen = 1024
	maxKeyText     = 200 // p256dh is 87 or 88 characters, auth 22 to 24
	authLen        = 16
	// maxExpiry refuses expirationTime values no browser sends, which would
	// otherwise overflow time arithmetic.
	maxExpiry = 10 * 365 * 24 * time.Hour
)

// parseInput validates a browser's subscription and normalizes it: the
// host lowercased, keys as base64url without padding, the language checked.
func (s *Service) parseInput(in SubscriptionInput, lang string, now time.Time) (*Subscription, error) {
	var c checker
	sub := &Subscription{Endpoint: in.Endpoint}
	if host, id := s.checkEndpoint(in.Endpoint); id != "" {
		if id == MsgTooLong {
			c.AddCount("/endpoint", id, MaxEndpointLen)
		} else {
			c.Add("/endpoint", id)
		}
	} else {
		sub.Host = host
	}
	sub.P256DH = checkKey(&c, "/keys/p256dh", in.Keys.P256DH, validPoint)
	sub.Auth = checkKey(&c, "/keys/auth", in.Keys.Auth, func(b []byte) bool { return len(b) == authLen })
	if in.ExpirationTime != nil {
		ms := *in.ExpirationTime
		at := time.UnixMilli(int64(ms)).UTC()
		if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 || ms > float64(now.Add(maxExpiry).UnixMilli()) || !at.After(now) {
			c.Add("/expirationTime", MsgInvalidValue)
		} else {
			sub.ExpiresAt = &at
		}
	}
	if lang == "" {
		lang = "en"
	}
	if !slices.Contains(Languages, lang) {
		c.Add("/language", MsgNotAllowed)
	}
	sub.Language = lang
	return sub, c.Err()
}

// checkEndpoint returns the endpoint's normalized host, or the message id
// of what is wrong with it.
func (s *Service) checkEndpoint(raw string) (host, id string) {
	if raw == "" {
		return "", MsgRequired
	}
	if len(raw) > MaxEndpointLen {
		return "", MsgTooLong
	}
	u, err := url.Parse(raw)
	if err != nil || !printable(raw, false) || strings.ContainsAny(raw, " \\") || u.Host == "" ||
		u.User != nil || u.Opaque != "" || u.Fragment != "" || strings.HasSuffix(u.Host, ":") {
		return "", MsgInvalidValue
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", MsgInvalidValue
		}
	}
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !s.hostAllowed(host) {
		return "", MsgEndpointNotAllowed
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && s.opts.AllowLoopbackHTTP && isLoopbackHost(host):
	default:
		return "", MsgEndpointNotAllowed
	}
	return host, ""
}

// hostAllowed matches host against the allow-list: a name equal to an
// entry or under it, or a literal address equal to one. A literal address
// must also be one deliveries may connect to, so a private address in the
// list (a typo, or an attempt at the council's network) is refused here.
func (s *Service) hostAllowed(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return netguard.Allowed(a, s.opts.AllowLoopbackHTTP) && slices.Contains(s.hosts, a.String())
	}
	for _, h := range s.hosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// checkKey decodes a key and checks it with valid, adding PushKeyInvalid
// (or FieldRequired) to c when it fails. It returns the key re-encoded as
// base64url without padding, so equal keys are stored equal.
func checkKey(c *checker, ptr, text string, valid func([]byte) bool) string {
	if text == "" {
		c.Add(ptr, MsgRequired)
		return ""
	}
	b, ok := decodeKey(text)
	if !ok || !valid(b) {
		c.Add(ptr, MsgKeyInvalid)
		return ""
	}
	return b64.EncodeToString(b)
}

// decodeKey accepts base64url, which the Push API specifies, and the
// standard alphabet some libraries send, with or without padding; it
// refuses a mix of the two alphabets and non-canonical encodings.
func decodeKey(text string) ([]byte, bool) {
	if len(text) > maxKeyText {
		return nil, false
	}
	t := strings.TrimRight(text, "=")
	if pad := len(text) - len(t); pad > 2 || pad > 0 && (len(t)+pad)%4 != 0 {
		return nil, false
	}
	enc := base64.RawURLEncoding.Strict()
	if strings.ContainsAny(t, "+/") {
		enc = base64.RawStdEncoding.Strict()
	}
	b, err := enc.DecodeString(t)
	return b, err == nil
}

// validPoint: an uncompressed P-256 point (65 bytes, 0x04 first) that is on
// the curve and not the identity; crypto/ecdh checks all of that.
func validPoint(b []byte) bool {
	if len(b) != 65 {
		return false
	}
	_, err := ecdh.P256().NewPublicKey(b)
	return err == nil
}
