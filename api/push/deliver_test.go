package push

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"frontdoor/api/outbox"
	"frontdoor/api/push/pushtest"
)

var topicShape = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// A case update reaches both of a resident's devices, each decryptable only
// with its own key, with the case kind's TTL, urgency and topic.
func TestCaseUpdateArrivesDecryptedOnEveryDevice(t *testing.T) {
	e := newTestEnv(t)
	a := mustSubscribe(t, e, "res-1", "phone")
	b := mustSubscribe(t, e, "res-1", "laptop")
	mustSubscribe(t, e, "res-2", "someone-else")

	msg := caseMsg("We have fixed the street light outside 12 Armada Way.")
	n, err := e.svc.SendToResident(ctx, "res-1", msg)
	if err != nil || n != 2 {
		t.Fatalf("SendToResident = %d, %v; want 2 jobs", n, err)
	}
	want := pushtest.Payload{Title: msg.Title, Body: msg.Body, URL: msg.URL, Tag: msg.Tag}
	devices := map[string]bool{}
	var topics []string
	for range 2 {
		got := e.next(t)
		devices[got.Device] = true
		if got.Data != want {
			t.Errorf("%s decrypted %+v; want %+v", got.Device, got.Data, want)
		}
		if ttl, _ := strconv.Atoi(got.Header.Get("TTL")); ttl < 86000 || ttl > 86400 {
			t.Errorf("TTL = %q; want about a day", got.Header.Get("TTL"))
		}
		if u := got.Header.Get("Urgency"); u != "normal" {
			t.Errorf("Urgency = %q", u)
		}
		topic := got.Header.Get("Topic")
		if !topicShape.MatchString(topic) || strings.Contains(topic, "PL-2025") {
			t.Errorf("Topic = %q; want up to 32 base64url characters, not the tag", topic)
		}
		topics = append(topics, topic)
		if got.Wire != 512 {
			t.Errorf("%d bytes on the wire; want the 512-byte bucket", got.Wire)
		}
	}
	if !devices["phone"] || !devices["laptop"] || topics[0] != topics[1] {
		t.Errorf("devices %v, topics %v; want both of res-1's, one topic", devices, topics)
	}
	e.none(t, 100*time.Millisecond)
	e.waitDepth(t, outbox.StateDone, 2)
	time.Sleep(markEvery + 200*time.Millisecond) // LastSentAt is written in batches
	for _, s := range []*Subscription{a, b} {
		got, _ := e.svc.subs.Get(ctx, s.ID)
		if got.LastSentAt == nil || time.Since(*got.LastSentAt) > time.Minute {
			t.Errorf("%s LastSentAt = %v", s.ID, got.LastSentAt)
		}
	}
	if e.seen.get("sent") != 2 {
		t.Errorf("sent = %d", e.seen.get("sent"))
	}
}

// A sign-in code is urgent and short-lived, and never collapses another.
func TestCodeIsUrgentAndShortLived(t *testing.T) {
	e := newTestEnv(t)
	sub := mustSubscribe(t, e, "res-1", "phone")
	msg := Message{Title: "Your sign-in code", Body: "481 516", Tag: "code", Kind: KindCode}
	if err := e.svc.Send(ctx, sub, msg); err != nil {
		t.Fatal(err)
	}
	got := e.next(t)
	ttl, _ := strconv.Atoi(got.Header.Get("TTL"))
	if ttl < 590 || ttl > 600 || got.Header.Get("Urgency") != "high" || got.Header.Get("Topic") != "" {
		t.Errorf("TTL %q, Urgency %q, Topic %q; want about 600, high, none",
			got.Header.Get("TTL"), got.Header.Get("Urgency"), got.Header.Get("Topic"))
	}
	if got.Data.Body != "481 516" {
		t.Errorf("body = %q", got.Data.Body)
	}
}

// 404 and 410 mean the browser dropped the subscription: it is removed,
// the notifications layer hears of it, and the job is done, not dead.
func TestGoneSubscriptionIsRemoved(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			e := newTestEnv(t)
			sub := mustSubscribe(t, e, "res-1", "phone")
			e.ps.Device("phone").Reply(pushtest.Reply{Status: status})
			if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
				t.Fatal(err)
			}
			u := e.waitUndeliverable(t)
			if u.sub.ID != sub.ID || u.msg.Ref != "evt-1" || u.msg.Body != "Update" {
				t.Errorf("OnUndeliverable(%s, %+v)", u.sub.ID, u.msg)
			}
			e.waitDepth(t, outbox.StateDone, 1)
			if !e.gone(t, sub.ID) {
				t.Error("the subscription is still there")
			}
			if n, _ := e.svc.Working(ctx, "res-1"); n != 0 || e.seen.get("removed") != 1 {
				t.Errorf("Working = %d, removed = %d", n, e.seen.get("removed"))
			}
			if p := e.ps.Device("phone").Posts(); p != 1 {
				t.Errorf("%d posts; a gone subscription is not tried again", p)
			}
		})
	}
}

// 413: the body is cut in half, on a character boundary, until it fits the
// push service's limit, and then it arrives at once (same job run).
func TestTooLargeIsShortenedAndArrives(t *testing.T) {
	e := newTestEnv(t)
	mustSubscribe(t, e, "res-1", "phone")
	e.ps.Device("phone").LimitWire(768)
	body := strings.Repeat("Gwasanaeth ŵ ŷ â — ", 80) // 1,520 characters, many of them two or three bytes
	if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg(body)); err != nil {
		t.Fatal(err)
	}
	got := e.next(t)
	short := got.Data.Body
	if !strings.HasSuffix(short, "…") || !utf8.ValidString(short) || len(short) >= len(body)/2 ||
		!strings.HasPrefix(body, strings.TrimSuffix(short, "…")) {
		t.Errorf("arrived body (%d bytes) is not a shortened prefix: %q", len(short), short)
	}
	if got.Wire > 768 || e.ps.Device("phone").Posts() < 2 {
		t.Errorf("wire %d bytes after %d posts", got.Wire, e.ps.Device("phone").Posts())
	}
	e.waitDepth(t, outbox.StateDone, 1)
	if e.seen.get("retried") != e.ps.Device("phone").Posts()-1 || e.seen.get("sent") != 1 {
		t.Errorf("outcomes %v", e.seen.n)
	}
}

// 429 (with Retry-After) and 5xx are retried, and the message then arrives.
func TestBusyPushServiceIsRetried(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reply   pushtest.Reply
		atLeast time.Duration
	}{
		{"429 Retry-After 1s", pushtest.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}}, time.Second},
		{"429 Retry-After date", pushtest.Reply{Status: 429, Header: map[string]string{"Retry-After": "in 2s"}}, time.Second},
		{"500", pushtest.Reply{Status: 500}, 0},
		{"503", pushtest.Reply{Status: 503}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			mustSubscribe(t, e, "res-1", "phone")
			if tc.reply.Header["Retry-After"] == "in 2s" { // an HTTP date, made now: at least 1s ahead
				tc.reply.Header = map[string]string{"Retry-After": time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)}
			}
			e.ps.Device("phone").Reply(tc.reply)
			start := time.Now()
			if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
				t.Fatal(err)
			}
			got := e.next(t)
			if got.Data.Body != "Update" || e.ps.Device("phone").Posts() != 2 {
				t.Errorf("arrived %q after %d posts", got.Data.Body, e.ps.Device("phone").Posts())
			}
			if d := got.At.Sub(start); d < tc.atLeast {
				t.Errorf("retried after %v; Retry-After asked for %v", d, tc.atLeast)
			}
			e.waitDepth(t, outbox.StateDone, 1)
			if e.seen.get("retried") != 1 || e.seen.get("sent") != 1 {
				t.Errorf("outcomes %v", e.seen.n)
			}
		})
	}
}

// When the outbox's last attempt fails too, the message is given up: the
// notifications layer hears of it once, the subscription stays.
func TestGivesUpAfterTheLastAttempt(t *testing.T) {
	e := newTestEnv(t)
	sub := mustSubscribe(t, e, "res-1", "phone")
	busy := pushtest.Reply{Status: 503}
	e.ps.Device("phone").Reply(busy, busy, busy, busy, busy)
	if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
		t.Fatal(err)
	}
	if u := e.waitUndeliverable(t); u.sub.ID != sub.ID {
		t.Errorf("undeliverable for %s", u.sub.ID)
	}
	job := e.deadJob(t)
	if job.Attempts != fastOutbox.MaxAttempts || !strings.Contains(job.LastError, "503") || strings.Contains(job.LastError, "/push/") {
		t.Errorf("dead job: %d attempts, %q", job.Attempts, job.LastError)
	}
	if e.gone(t, sub.ID) || e.seen.get("failed") != 1 || e.seen.get("retried") != fastOutbox.MaxAttempts-1 {
		t.Errorf("gone %v, outcomes %v", e.gone(t, sub.ID), e.seen.n)
	}
}

// Any other 4xx will not get better by retrying: dead at once, fallback.
func TestRefusedMessageFailsAtOnce(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			e := newTestEnv(t)
			sub := mustSubscribe(t, e, "res-1", "phone")
			e.ps.Device("phone").Reply(pushtest.Reply{Status: status})
			if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
				t.Fatal(err)
			}
			e.waitUndeliverable(t)
			if job := e.deadJob(t); job.Attempts != 1 {
				t.Errorf("attempts = %d", job.Attempts)
			}
			if e.gone(t, sub.ID) || e.seen.get("failed") != 1 {
				t.Errorf("gone %v, outcomes %v", e.gone(t, sub.ID), e.seen.n)
			}
		})
	}
}

// A push service's redirect is not followed, even with a client that
// would follow one: the message fails and the target never hears of it.
func TestRedirectsAreNotFollowed(t *testing.T) {
	target := pushtest.NewServer(t, testSubject, func() string { return "" })
	target.NewDevice("phone")
	e := newEnv(t, fastOutbox, func(e *env, o *Options) { o.Client = e.ps.Client() }) // follows redirects by default
	mustSubscribe(t, e, "res-1", "phone")
	e.ps.Device("phone").Reply(pushtest.Reply{Status: http.StatusTemporaryRedirect, Header: map[string]string{"Location": target.URL() + "/push/phone"}})
	if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
		t.Fatal(err)
	}
	e.waitUndeliverable(t)
	if job := e.deadJob(t); !strings.Contains(job.LastError, "307") {
		t.Errorf("last error %q", job.LastError)
	}
	if n := target.Connections(); n != 0 {
		t.Errorf("the redirect target got %d connections", n)
	}
}

// Someone unsubscribing before the message goes out gets nothing, and it
// is no failure.
func TestUnsubscribedBeforeSendingIsSkipped(t *testing.T) {
	e := newTestEnv(t)
	sub := mustSubscribe(t, e, "res-1", "phone")
	err := e.db.Tx(ctx, func(ctx context.Context) error {
		if err := e.svc.Send(ctx, sub, caseMsg("Update")); err != nil {
			return err
		}
		return e.svc.Unsubscribe(ctx, "res-1", sub.Endpoint)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDepth(t, outbox.StateDone, 1)
	e.none(t, 50*time.Millisecond)
	if len(e.undeliverable) != 0 || e.ps.Device("phone").Posts() != 0 {
		t.Error("an unsubscribed device was sent to, or reported undeliverable")
	}
}

// A message whose TTL has passed before it could be sent is given up
// without a request: a stale sign-in code is worse than none.
func TestExpiredMessageIsGivenUp(t *testing.T) {
	e := newTestEnv(t)
	sub := mustSubscribe(t, e, "res-1", "phone")
	e.skew.Store(int64(11 * time.Minute))
	if err := e.svc.Send(ctx, sub, Message{Title: "Your code", Body: "123 456", Kind: KindCode}); err != nil {
		t.Fatal(err)
	}
	e.waitUndeliverable(t)
	e.deadJob(t)
	if e.ps.Device("phone").Posts() != 0 {
		t.Error("an expired message was sent")
	}
}

// The same event enqueued twice for a resident is sent once per device.
func TestRefMakesRepeatsOneMessage(t *testing.T) {
	e := newTestEnv(t)
	mustSubscribe(t, e, "res-1", "phone")
	for range 2 {
		if _, err := e.svc.SendToResident(ctx, "res-1", caseMsg("Update")); err != nil {
			t.Fatal(err)
		}
	}
	e.next(t)
	e.none(t, 200*time.Millisecond)
}

// The per-host limit holds: never more deliveries in flight to one push
// service than PerHostConcurrency, however many workers the outbox has.
func TestPerHostConcurrency(t *testing.T) {
	ob := fastOutbox
	ob.Workers = 16
	e := newEnv(t, ob, func(_ *env, o *Options) { o.PerHostConcurrency = 2 })
	e.ps.SetDelay(30 * time.Millisecond)
	for i := range 12 {
		mustSubscribe(t, e, "res-1", "d"+strconv.Itoa(i))
	}
	if _, err := e.svc.SendToResident(ctx, "res-1", Message{Title: "Alert", Kind: KindAlert}); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		e.next(t)
	}
	if p := e.ps.PeakInFlight(); p != 2 {
		t.Errorf("peak in flight = %d; want exactly the limit, 2", p)
	}
}
