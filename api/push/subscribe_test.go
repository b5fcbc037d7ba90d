package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// validInput is a well-formed subscription on an allowed host.
func validInput(tb testing.TB) SubscriptionInput {
	tb.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	var in SubscriptionInput
	in.Endpoint = "https://fcm.googleapis.com/fcm/send/dKx3:APA91bH"
	in.Keys.P256DH = b64.EncodeToString(priv.PublicKey().Bytes())
	in.Keys.Auth = b64.EncodeToString([]byte("0123456789abcdef"))
	return in
}

// offCurve is 65 bytes shaped like a P-256 point that is not on the curve.
func offCurve() string {
	b := make([]byte, 65)
	b[0] = 4
	b[64] = 1
	return b64.EncodeToString(b)
}

func TestSubscribeValidation(t *testing.T) {
	e := newEnv(t, fastOutbox, func(_ *env, o *Options) {
		o.AllowedHosts = append([]string{"10.0.0.7", "169.254.169.254", "localhost"}, DefaultHosts...)
		o.AllowLoopbackHTTP = false
	})
	good := validInput(t)
	past := float64(time.Now().Add(-time.Hour).UnixMilli())
	for _, tc := range []struct {
		name string
		edit func(*SubscriptionInput)
		want []FieldError
	}{
		{"no endpoint", func(in *SubscriptionInput) { in.Endpoint = "" }, fe("/endpoint", MsgRequired)},
		{"http", func(in *SubscriptionInput) { in.Endpoint = "http://fcm.googleapis.com/fcm/send/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"http on loopback in production", func(in *SubscriptionInput) { in.Endpoint = "http://localhost:8080/push/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"other host", func(in *SubscriptionInput) { in.Endpoint = "https://push.example.com/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"suffix without a dot", func(in *SubscriptionInput) { in.Endpoint = "https://evilfcm.googleapis.com.example/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"lookalike", func(in *SubscriptionInput) { in.Endpoint = "https://xfcm.googleapis.com/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"userinfo", func(in *SubscriptionInput) { in.Endpoint = "https://u:p@fcm.googleapis.com/x" }, fe("/endpoint", MsgInvalidValue)},
		{"fragment", func(in *SubscriptionInput) { in.Endpoint = "https://fcm.googleapis.com/x#y" }, fe("/endpoint", MsgInvalidValue)},
		{"bad port", func(in *SubscriptionInput) { in.Endpoint = "https://fcm.googleapis.com:99999/x" }, fe("/endpoint", MsgInvalidValue)},
		{"control character", func(in *SubscriptionInput) { in.Endpoint = "https://fcm.googleapis.com/x\n" }, fe("/endpoint", MsgInvalidValue)},
		{"huge", func(in *SubscriptionInput) { in.Endpoint = "https://fcm.googleapis.com/" + strings.Repeat("a", 1024) },
			[]FieldError{{Pointer: "/endpoint", ID: MsgTooLong, Data: map[string]any{"Count": 1024}}}},
		{"private address in the list", func(in *SubscriptionInput) { in.Endpoint = "https://10.0.0.7/x" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"metadata address in the list", func(in *SubscriptionInput) { in.Endpoint = "https://169.254.169.254/latest" }, fe("/endpoint", MsgEndpointNotAllowed)},
		{"no p256dh", func(in *SubscriptionInput) { in.Keys.P256DH = "" }, fe("/keys/p256dh", MsgRequired)},
		{"p256dh not base64", func(in *SubscriptionInput) { in.Keys.P256DH = "not base64!" }, fe("/keys/p256dh", MsgKeyInvalid)},
		{"p256dh mixed alphabets", func(in *SubscriptionInput) { in.Keys.P256DH = "+" + in.Keys.P256DH[1:86] + "-" }, fe("/keys/p256dh", MsgKeyInvalid)},
		{"p256dh wrong length", func(in *SubscriptionInput) { in.Keys.P256DH = in.Keys.P256DH[:80] }, fe("/keys/p256dh", MsgKeyInvalid)},
		{"p256dh compressed", func(in *SubscriptionInput) { in.Keys.P256DH = b64.EncodeToString(make([]byte, 33)) }, fe("/keys/p256dh", MsgKeyInvalid)},
		{"p256dh off the curve", func(in *SubscriptionInput) { in.Keys.P256DH = offCurve() }, fe("/keys/p256dh", MsgKeyInvalid)},
		{"no auth", func(in *SubscriptionInput) { in.Keys.Auth = "" }, fe("/keys/auth", MsgRequired)},
		{"auth 15 bytes", func(in *SubscriptionInput) { in.Keys.Auth = b64.EncodeToString(make([]byte, 15)) }, fe("/keys/auth", MsgKeyInvalid)},
		{"auth 17 bytes", func(in *SubscriptionInput) { in.Keys.Auth = b64.EncodeToString(make([]byte, 17)) }, fe("/keys/auth", MsgKeyInvalid)},
		{"expired", func(in *SubscriptionInput) { in.ExpirationTime = &past }, fe("/expirationTime", MsgInvalidValue)},
		{"all wrong at once", func(in *SubscriptionInput) { *in = SubscriptionInput{} },
			[]FieldError{{Pointer: "/endpoint", ID: MsgRequired, Data: nil}, {Pointer: "/keys/p256dh", ID: MsgRequired, Data: nil}, {Pointer: "/keys/auth", ID: MsgRequired, Data: nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			_, err := e.svc.Subscribe(ctx, "res-1", "", in, "en")
			var ve *ValidationError
			if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Fields, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "googleapis") || strings.Contains(err.Error(), good.Keys.Auth) {
				t.Errorf("error text carries the input: %v", err)
			}
		})
	}
	if n, _ := e.svc.Working(ctx, "res-1"); n != 0 {
		t.Errorf("%d subscriptions stored from bad input", n)
	}
	if _, err := e.svc.Subscribe(ctx, "res-1", "", good, "fr"); !hasField(err, "/language", MsgNotAllowed) {
		t.Errorf("language fr: %v", err)
	}
}

func fe(ptr, id string) []FieldError { return []FieldError{{Pointer: ptr, ID: id}} }

func hasField(err error, ptr, id string) bool {
	var ve *ValidationError
	return errors.As(err, &ve) && len(ve.Fields) == 1 && ve.Fields[0].Pointer == ptr && ve.Fields[0].ID == id
}

// Browsers and libraries differ in base64 flavour; all decode to the same
// key and are stored one way. Hosts match case-insensitively, subdomains too.
func TestSubscribeNormalizes(t *testing.T) {
	e := newTestEnv(t)
	e.svc.hosts = DefaultHosts
	in := validInput(t)
	raw, _ := b64.DecodeString(in.Keys.P256DH)
	in.Keys.P256DH = base64.StdEncoding.EncodeToString(raw) // padded, standard alphabet
	in.Keys.Auth = base64.URLEncoding.EncodeToString([]byte("0123456789abcdef"))
	in.Endpoint = "https://WNS2-DB5P.Notify.Windows.COM/w/?token=AQE%2bAAAA"
	exp := float64(time.Now().Add(30 * 24 * time.Hour).UnixMilli())
	in.ExpirationTime = &exp
	sub, err := e.svc.Subscribe(ctx, "", "case-9", in, "cy")
	if err != nil {
		t.Fatal(err)
	}
	if sub.P256DH != b64.EncodeToString(raw) || sub.Auth != "MDEyMzQ1Njc4OWFiY2RlZg" || sub.Host != "wns2-db5p.notify.windows.com" {
		t.Errorf("stored %q %q %q", sub.P256DH, sub.Auth, sub.Host)
	}
	if sub.CaseID != "case-9" || sub.Resident != "" || sub.Language != "cy" || sub.ExpiresAt == nil ||
		sub.ExpiresAt.UnixMilli() != int64(exp) {
		t.Errorf("stored %+v", sub)
	}
}

// Subscribing an endpoint again updates the one document, keys and owner
// included; unsubscribing is for the owner only.
func TestResubscribeAndUnsubscribe(t *testing.T) {
	e := newTestEnv(t)
	in := input(e.ps.NewDevice("phone"))
	first, err := e.svc.Subscribe(ctx, "res-1", "", in, "en")
	if err != nil {
		t.Fatal(err)
	}
	in2 := input(e.ps.NewDevice("phone")) // the browser rotated its keys
	in2.Endpoint = in.Endpoint
	again, err := e.svc.Subscribe(ctx, "res-2", "", in2, "pl")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.P256DH == first.P256DH || again.Resident != "res-2" || again.Language != "pl" {
		t.Errorf("resubscribed %+v; first %+v", again, first)
	}
	if n, _ := e.svc.Working(ctx, "res-1"); n != 0 {
		t.Errorf("res-1 still has %d", n)
	}
	if n, _ := e.svc.Working(ctx, "res-2"); n != 1 {
		t.Errorf("res-2 has %d", n)
	}
	if err := e.svc.Unsubscribe(ctx, "res-1", in.Endpoint); !errors.Is(err, ErrNotFound) {
		t.Errorf("someone else's unsubscribe: %v", err)
	}
	if err := e.svc.UnsubscribeCase(ctx, "res-2", in.Endpoint); !errors.Is(err, ErrNotFound) {
		t.Errorf("a case id that is a resident id: %v", err)
	}
	if err := e.svc.Unsubscribe(ctx, "res-2", in.Endpoint); err != nil {
		t.Errorf("owner's unsubscribe: %v", err)
	}
	if err := e.svc.Unsubscribe(ctx, "res-2", in.Endpoint); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unsubscribe: %v", err)
	}
}

func TestCaseFollowers(t *testing.T) {
	e := newTestEnv(t)
	in := input(e.ps.NewDevice("anon"))
	if _, err := e.svc.Subscribe(ctx, "", "case-1", in, "ar"); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.SendToCase(ctx, "case-1", caseMsg("Update")); n != 1 || err != nil {
		t.Fatalf("SendToCase = %d, %v", n, err)
	}
	if got := e.next(t); got.Device != "anon" {
		t.Errorf("arrived at %s", got.Device)
	}
	if err := e.svc.UnsubscribeCase(ctx, "case-1", in.Endpoint); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.svc.SendToCase(ctx, "case-1", caseMsg("Again")); n != 0 {
		t.Errorf("sent to %d after unsubscribing", n)
	}
}

func TestOwnerIsExactlyOne(t *testing.T) {
	e := newTestEnv(t)
	in := input(e.ps.NewDevice("phone"))
	for _, owners := range [][2]string{{"", ""}, {"res-1", "case-1"}, {"res\n1", ""}, {strings.Repeat("r", 201), ""}} {
		if _, err := e.svc.Subscribe(ctx, owners[0], owners[1], in, "en"); !errors.Is(err, ErrBadOwner) {
			t.Errorf("owners %q: %v", owners, err)
		}
	}
}

// A resident's 21st device pushes out the oldest.
func TestMaxPerOwner(t *testing.T) {
	e := newTestEnv(t)
	first := mustSubscribe(t, e, "res-1", "d0")
	for i := 1; i <= MaxPerOwner; i++ {
		time.Sleep(2 * time.Millisecond) // distinct created_at at the store's millisecond precision
		mustSubscribe(t, e, "res-1", "d"+string(rune('a'+i)))
	}
	if n, _ := e.svc.Working(ctx, "res-1"); n != MaxPerOwner {
		t.Errorf("Working = %d", n)
	}
	if !e.gone(t, first.ID) {
		t.Error("the oldest subscription was kept")
	}
}

// Two tabs subscribing one new endpoint at once store one document.
func TestConcurrentSubscribeOneEndpoint(t *testing.T) {
	e := newTestEnv(t)
	in := input(e.ps.NewDevice("phone"))
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			sub, err := e.svc.Subscribe(ctx, "res-1", "", in, "en")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = sub.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Errorf("ids %v", ids)
			break
		}
	}
	if n, _ := e.svc.Working(ctx, "res-1"); n != 1 {
		t.Errorf("Working = %d", n)
	}
}

// Development accepts plain http only to loopback hosts on the list.
func TestLoopbackHTTPInDevelopment(t *testing.T) {
	e := newEnv(t, fastOutbox, func(_ *env, o *Options) { o.AllowedHosts = []string{"127.0.0.1", "localhost", "fcm.googleapis.com"} })
	for endpoint, want := range map[string]string{
		"http://127.0.0.1:9/push/a":        "",
		"http://localhost:9/push/b":        "",
		"http://fcm.googleapis.com/send/c": MsgEndpointNotAllowed,
		"http://[::1]:9/push/d":            MsgEndpointNotAllowed, // loopback, but not on the list
	} {
		in := validInput(t)
		in.Endpoint = endpoint
		_, err := e.svc.Subscribe(ctx, "res-1", "", in, "en")
		if want == "" && err != nil || want != "" && !hasField(err, "/endpoint", want) {
			t.Errorf("%s: %v; want %q", endpoint, err, want)
		}
	}
}
