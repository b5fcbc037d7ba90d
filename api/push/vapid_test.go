package push

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// With the cache, every message to one push service carries the same
// token, signed from our clock; without it, webpush-go signs one per
// message. Both pass the push service's check (exp, aud, sub, signature).
func TestVAPIDTokenCache(t *testing.T) {
	for _, cached := range []bool{true, false} {
		name := map[bool]string{true: "cached", false: "per-message"}[cached]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, fastOutbox, func(_ *env, o *Options) { o.noJWTCache = !cached })
			sub := mustSubscribe(t, e, "res-1", "phone")
			var tokens []string
			for i := range 3 {
				if err := e.svc.Send(ctx, sub, Message{Title: "n" + string(rune('0'+i)), Kind: KindCase}); err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, e.next(t).Token)
			}
			same := tokens[0] == tokens[1] && tokens[1] == tokens[2]
			if same != cached {
				t.Errorf("tokens the same: %v; want %v", same, cached)
			}
		})
	}
}

// The cached token is renewed after tokenReuse and never claims more than
// tokenLife ahead of our clock; a clock moved back signs afresh.
func TestVAPIDSignerRenews(t *testing.T) {
	e := newTestEnv(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	v := newVAPIDSigner(e.svc.keys, testSubject, func() time.Time { return now })
	first, _ := v.header("https://fcm.googleapis.com")
	if again, _ := v.header("https://fcm.googleapis.com"); again != first {
		t.Error("not reused within the hour")
	}
	if other, _ := v.header("https://web.push.apple.com"); other == first {
		t.Error("one token for two audiences")
	}
	now = now.Add(tokenReuse)
	renewed, _ := v.header("https://fcm.googleapis.com")
	if renewed == first {
		t.Error("not renewed after tokenReuse")
	}
	claims := jwt.MapClaims{}
	tok := strings.TrimSuffix(strings.TrimPrefix(renewed, "vapid t="), ", k="+e.svc.PublicKey())
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	exp, _ := claims.GetExpirationTime()
	if !exp.Equal(now.Add(tokenLife)) || claims["sub"] != testSubject || claims["aud"] != "https://fcm.googleapis.com" {
		t.Errorf("claims %v", claims)
	}
	now = now.Add(-2 * time.Hour)
	if back, _ := v.header("https://fcm.googleapis.com"); back == renewed {
		t.Error("a token from the future was reused after the clock moved back")
	}
}

func TestAudienceIsTheOrigin(t *testing.T) {
	for raw, want := range map[string]string{
		"https://fcm.googleapis.com/fcm/send/x":     "https://fcm.googleapis.com",
		"https://fcm.googleapis.com:443/fcm/send/x": "https://fcm.googleapis.com",
		"https://127.0.0.1:8443/push/x?a=b":         "https://127.0.0.1:8443",
		"http://localhost:80/x":                     "http://localhost",
	} {
		req, _ := http.NewRequest(http.MethodPost, raw, nil)
		if got := audience(req); got != want {
			t.Errorf("audience(%s) = %s; want %s", raw, got, want)
		}
	}
}
