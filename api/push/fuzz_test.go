package push

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

var fuzzPointers = []string{"/endpoint", "/keys/p256dh", "/keys/auth", "/expirationTime", "/language"}

// FuzzParseSubscription: any JSON a browser (or anyone) could post either
// fails with field errors at known pointers, or gives a subscription on an
// allowed https host with keys of the right size, which parses again to
// the same thing.
func FuzzParseSubscription(f *testing.F) {
	good := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc:APA91b","expirationTime":null,` +
		`"keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}`
	for _, s := range []string{
		good,
		`{"endpoint":"https://updates.push.services.mozilla.com/wpush/v2/gAAAA","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA/0QTpQtUbVlUls0VJXg7A8u+Ts1XbjhazAkj7I99e8QcYP7DkM=","auth":"tBHItJI5svbpez7KI4CCXg=="}}`,
		`{"endpoint":"https://u:p@web.push.apple.com/x","keys":{"p256dh":"","auth":""}}`,
		`{"endpoint":"http://10.0.0.1/","expirationTime":1e300,"keys":{"p256dh":"BA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}`,
		`{"endpoint":"https://[::ffff:127.0.0.1]:443/x","expirationTime":-1}`,
		`{"endpoint":{"$gt":""}}`,
	} {
		f.Add([]byte(s), "en")
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte, lang string) {
		s := &Service{opts: Options{AllowLoopbackHTTP: false}, hosts: DefaultHosts}
		var in SubscriptionInput
		if json.Unmarshal(b, &in) != nil {
			return
		}
		sub, err := s.parseInput(in, lang, now)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a field list", err)
			}
			for _, fe := range ve.Fields {
				if !slices.Contains(fuzzPointers, fe.Pointer) {
					t.Fatalf("pointer %q", fe.Pointer)
				}
			}
			return
		}
		p, errP := b64.DecodeString(sub.P256DH)
		a, errA := b64.DecodeString(sub.Auth)
		if errP != nil || errA != nil || len(p) != 65 || len(a) != 16 || !s.hostAllowed(sub.Host) || len(sub.Endpoint) > MaxEndpointLen {
			t.Fatalf("accepted a bad subscription: %+v", sub)
		}
		again := in
		again.Keys.P256DH, again.Keys.Auth = sub.P256DH, sub.Auth
		sub2, err := s.parseInput(again, sub.Language, now)
		if err != nil || *sub2 != *sub && !sameButExpiry(sub, sub2) {
			t.Fatalf("normalized form does not parse to itself: %v\n%+v\n%+v", err, sub, sub2)
		}
	})
}

func sameButExpiry(a, b *Subscription) bool {
	if a.ExpiresAt == nil || b.ExpiresAt == nil || !a.ExpiresAt.Equal(*b.ExpiresAt) {
		return false
	}
	x, y := *a, *b
	x.ExpiresAt, y.ExpiresAt = nil, nil
	return x == y
}
