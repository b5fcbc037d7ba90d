package pushtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

const subject = "mailto:digital@council.example"

// sender is an application server: its VAPID key pair and webpush-go.
type sender struct {
	public, private string
	subscriber      string
}

func newSender(t *testing.T) sender {
	t.Helper()
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return sender{public: public, private: private, subscriber: "digital@council.example"}
}

// send encrypts msg to keys (a device's subscription) and posts it to
// endpoint, returning the push service's status (0 if it sent nothing).
// It may run in another goroutine, so it never stops the test.
func (s sender) send(t *testing.T, ps *Server, endpoint string, keys Subscription, msg string) int {
	t.Helper()
	sub := &webpush.Subscription{Endpoint: endpoint, Keys: webpush.Keys{P256dh: keys.Keys.P256DH, Auth: keys.Keys.Auth}}
	resp, err := webpush.SendNotification([]byte(msg), sub, &webpush.Options{
		HTTPClient: ps.Client(), Subscriber: s.subscriber, TTL: 600, Urgency: webpush.UrgencyHigh, Topic: "codes",
		VAPIDPublicKey: s.public, VAPIDPrivateKey: s.private,
	})
	if err != nil {
		t.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A message a real sender encrypts for a device arrives decrypted, with
// its headers, and nothing is reported wrong.
func TestDeliversWhatTheBrowserWouldShow(t *testing.T) {
	app := newSender(t)
	ps := NewServer(t, subject, func() string { return app.public })
	phone := ps.NewDevice("phone")
	ps.NewDevice("laptop")
	msg := `{"title":"Your sign-in code","body":"481 516","tag":"code"}`
	if st := app.send(t, ps, phone.Subscription().Endpoint, phone.Subscription(), msg); st != http.StatusCreated {
		t.Fatalf("status %d; problems %v", st, ps.Problems())
	}
	got, ok := ps.Next(5 * time.Second)
	if !ok {
		t.Fatalf("nothing arrived; problems %v", ps.Problems())
	}
	if got.Device != "phone" || string(got.Plain) != msg || got.Data != (Payload{Title: "Your sign-in code", Body: "481 516", Tag: "code"}) {
		t.Errorf("arrived at %s: %q, %+v", got.Device, got.Plain, got.Data)
	}
	if got.Header.Get("TTL") != "600" || got.Header.Get("Urgency") != "high" || got.Header.Get("Topic") != "codes" {
		t.Errorf("headers %v", got.Header)
	}
	if got.Token == "" || got.Wire <= len(msg) || time.Since(got.At) > time.Minute {
		t.Errorf("token %q, %d bytes on the wire, at %v", got.Token, got.Wire, got.At)
	}
	if _, ok := ps.Next(50 * time.Millisecond); ok {
		t.Error("Next returned a second message")
	}
	if d := ps.Deliveries(); len(d) != 1 || phone.Posts() != 1 || len(ps.Problems()) != 0 {
		t.Errorf("%d deliveries, %d posts, problems %v", len(d), phone.Posts(), ps.Problems())
	}
}

// The subscription is what PushSubscription.toJSON() gives.
func TestSubscriptionJSON(t *testing.T) {
	ps := NewServer(t, subject, func() string { return "" })
	d := ps.NewDevice("phone")
	var got map[string]any
	if err := json.Unmarshal([]byte(d.JSON()), &got); err != nil {
		t.Fatal(err)
	}
	keys, _ := got["keys"].(map[string]any)
	p256dh, _ := keys["p256dh"].(string)
	auth, _ := keys["auth"].(string)
	exp, hasExp := got["expirationTime"]
	if got["endpoint"] != ps.URL()+"/push/phone" || !hasExp || exp != nil || len(p256dh) != 87 || len(auth) != 22 {
		t.Errorf("JSON %s", d.JSON())
	}
	if !strings.HasPrefix(ps.URL(), "https://"+ps.Host()+":") || ps.Device("phone") != d || d.Name() != "phone" {
		t.Errorf("URL %s, host %s", ps.URL(), ps.Host())
	}
}

// A message encrypted for one device cannot be read by another: the push
// service reports it and accepts nothing.
func TestMessageForAnotherDeviceIsAProblem(t *testing.T) {
	app := newSender(t)
	ps := NewServer(t, subject, func() string { return app.public })
	phone, laptop := ps.NewDevice("phone"), ps.NewDevice("laptop")
	if st := app.send(t, ps, laptop.Subscription().Endpoint, phone.Subscription(), `{"title":"x"}`); st != http.StatusBadRequest {
		t.Errorf("status %d; want 400", st)
	}
	p := ps.Problems()
	if len(p) != 1 || !strings.Contains(p[0], "laptop") || !strings.Contains(p[0], "decrypt") {
		t.Errorf("problems %v", p)
	}
	if _, ok := ps.Next(50 * time.Millisecond); ok || len(ps.Deliveries()) != 0 {
		t.Error("an undecryptable message was delivered")
	}
}

// Tokens signed by another key, or from another subject, are refused, as
// are requests to endpoints no device has.
func TestBadRequestsAreProblems(t *testing.T) {
	app, other := newSender(t), newSender(t)
	ps := NewServer(t, subject, func() string { return app.public })
	phone := ps.NewDevice("phone")
	wrongSubject := app
	wrongSubject.subscriber = "someone@elsewhere.example"
	for name, tc := range map[string]struct {
		from     sender
		endpoint string
		status   int
		problem  string
	}{
		"other key":      {other, phone.Subscription().Endpoint, http.StatusUnauthorized, "VAPID: k is not"},
		"other subject":  {wrongSubject, phone.Subscription().Endpoint, http.StatusUnauthorized, "VAPID: sub"},
		"unknown device": {app, ps.URL() + "/push/tablet", http.StatusNotFound, `unknown device "tablet"`},
		"unknown path":   {app, ps.URL() + "/other", http.StatusNotFound, "unknown device"},
	} {
		before := len(ps.Problems())
		if st := tc.from.send(t, ps, tc.endpoint, phone.Subscription(), `{"title":"x"}`); st != tc.status {
			t.Errorf("%s: status %d; want %d", name, st, tc.status)
		}
		if p := ps.Problems(); len(p) != before+1 || !strings.Contains(p[before], tc.problem) {
			t.Errorf("%s: problems %v; want one with %q", name, p[before:], tc.problem)
		}
	}
	if phone.Posts() != 0 || len(ps.Deliveries()) != 0 {
		t.Errorf("%d posts counted, %d delivered", phone.Posts(), len(ps.Deliveries()))
	}
}

// Scripted replies come first, in order, then messages are accepted; a
// wire limit answers 413 to longer bodies.
func TestScriptedReplies(t *testing.T) {
	app := newSender(t)
	ps := NewServer(t, subject, func() string { return app.public })
	phone := ps.NewDevice("phone")
	phone.Reply(Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "3"}}, Reply{Status: http.StatusGone})
	var got []int
	for range 3 {
		got = append(got, app.send(t, ps, phone.Subscription().Endpoint, phone.Subscription(), `{"title":"x"}`))
	}
	if got[0] != 429 || got[1] != 410 || got[2] != 201 || phone.Posts() != 3 {
		t.Errorf("statuses %v after %d posts", got, phone.Posts())
	}
	phone.LimitWire(100) // webpush-go's smallest body is over 100 bytes
	if st := app.send(t, ps, phone.Subscription().Endpoint, phone.Subscription(), `{"title":"x"}`); st != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: %d", st)
	}
	if len(ps.Deliveries()) != 1 || len(ps.Problems()) != 0 {
		t.Errorf("%d delivered, problems %v", len(ps.Deliveries()), ps.Problems())
	}
}

// Next hands each message out once, in arrival order, to concurrent
// callers too; a delay holds requests, and the peak counts them.
func TestNextAndConcurrency(t *testing.T) {
	app := newSender(t)
	ps := NewServer(t, subject, func() string { return app.public })
	phone := ps.NewDevice("phone")
	ps.SetDelay(200 * time.Millisecond)
	const n = 4
	results := make(chan string, n)
	for range n {
		go func() {
			d, ok := ps.Next(10 * time.Second)
			results <- map[bool]string{true: string(d.Plain), false: "timeout"}[ok]
		}()
	}
	done := make(chan int, n)
	for i := range n {
		go func() {
			done <- app.send(t, ps, phone.Subscription().Endpoint, phone.Subscription(), `{"title":"`+string(rune('a'+i))+`"}`)
		}()
	}
	seen := map[string]bool{}
	for range n {
		if st := <-done; st != http.StatusCreated {
			t.Errorf("status %d", st)
		}
		seen[<-results] = true
	}
	if len(seen) != n || seen["timeout"] {
		t.Errorf("Next gave %v", seen)
	}
	if p := ps.PeakInFlight(); p < 2 || p > n {
		t.Errorf("peak in flight %d; want 2 to %d with a 200ms delay", p, n)
	}
	if ps.Connections() < 1 {
		t.Error("no connections counted")
	}
}
