package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Benchmarks, as ratios to webpush-go's own rate in the same run (machines
// are noisy). Run with
//
//	go test -run '^$' -bench . -benchtime 3000x ./api/push/
//
// BenchmarkEncrypt is the floor: webpush-go encrypting and signing a
// typical message and handing it to a client that only reads the body.
// BenchmarkDeliver is the whole path: enqueue in transactions, outbox
// claim, subscription read, encryption, TLS POST to a local push service
// that only reads the body, outcome recorded — with the VAPID token cache
// on and off.

var benchMsg = Message{
	Title: "Your case PL-2025-0042 has been updated",
	Body:  "We have repaired the street light outside 12 Armada Way. Tell us how we did: it takes a minute.",
	URL:   "/cases/PL-2025-0042", Tag: "case-PL-2025-0042", Kind: KindCase,
}

// drain is an HTTPClient that reads the body and answers 201, in process.
type drain struct{}

func (drain) Do(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: http.StatusCreated, Body: http.NoBody}, nil
}

func BenchmarkEncrypt(b *testing.B) { benchEncrypt(b) }

// benchEncrypt runs webpush-go on every core and returns messages/s.
func benchEncrypt(b *testing.B) float64 {
	keys, sub := benchKeys(b)
	body, _ := payload(benchMsg, maxPayload)
	cpu := cpuTime()
	opts := &webpush.Options{
		HTTPClient: drain{}, RecordSize: recordSize(len(body)), Subscriber: "digital@council.example",
		TTL: 86400, Urgency: webpush.UrgencyNormal, VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.privateB64,
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := webpush.SendNotificationWithContext(context.Background(), body, sub, opts); err != nil {
				b.Error(err)
				return
			}
		}
	})
	return report(b, cpu)
}

func benchKeys(tb testing.TB) (*vapidKeys, *webpush.Subscription) {
	rec, err := newKeyRecord(time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := parseKeys(rec)
	if err != nil {
		tb.Fatal(err)
	}
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	sub := &webpush.Subscription{Endpoint: "https://fcm.googleapis.com/fcm/send/bench",
		Keys: webpush.Keys{P256dh: b64.EncodeToString(priv.PublicKey().Bytes()), Auth: b64.EncodeToString(auth)}}
	return keys, sub
}

func BenchmarkDeliver(b *testing.B) {
	var floor, outboxFloor float64
	b.Run("encrypt", func(b *testing.B) { floor = benchEncrypt(b) })
	b.Run("outbox-noop", func(b *testing.B) { outboxFloor = benchOutboxNoop(b) })
	for _, cached := range []bool{true, false} {
		name := map[bool]string{true: "jwt-cache", false: "no-jwt-cache"}[cached]
		b.Run(name, func(b *testing.B) {
			rate := benchDeliver(b, !cached)
			if floor > 0 && outboxFloor > 0 {
				b.ReportMetric(rate/floor, "x-encrypt")
				b.ReportMetric(rate/outboxFloor, "x-outbox")
			}
		})
	}
}

// benchOutboxNoop is the outbox's own ceiling on this disk: the same jobs,
// enqueued the same way, run by a handler that does nothing.
func benchOutboxNoop(b *testing.B) float64 {
	db := openDB(b)
	ob, err := outbox.New(ctx, db, outbox.Options{Workers: 32, Poll: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	var ran atomic.Int64
	done := make(chan struct{})
	ob.Register("bench.noop", func(context.Context, outbox.Job) error {
		if ran.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	})
	ob.Start(ctx)
	b.Cleanup(func() { ob.Stop(context.Background()) })
	job := jobPayload{Sub: store.NewID(), Msg: benchMsg}
	cpu := cpuTime()
	b.ResetTimer()
	for start := 0; start < b.N; start += 500 {
		err := db.Tx(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+500, b.N); i++ {
				if err := ob.Enqueue(ctx, "bench.noop", "k"+strconv.Itoa(i), job); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	return report(b, cpu)
}

// report adds msgs/s and the process's CPU time per message (user and
// system, every goroutine, the local push service's included).
func report(b *testing.B, cpuBefore time.Duration) float64 {
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(float64((cpuTime()-cpuBefore).Microseconds())/float64(b.N), "cpu-µs/msg")
	return rate
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sink is a push service that only reads the body, so the receiving end
// costs as little as it can of the two cores the sender also needs.
// check, when set, looks at every thousandth message.
type sink struct {
	srv   *httptest.Server
	n     atomic.Int64
	want  atomic.Int64
	done  chan struct{}
	check func(r *http.Request, body []byte)
}

func newSink(tb testing.TB, check func(r *http.Request, body []byte)) *sink {
	s := &sink{done: make(chan struct{}), check: check}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
		w.WriteHeader(http.StatusCreated)
		n := s.n.Add(1)
		if s.check != nil && n%1000 == 1 {
			s.check(r, body)
		}
		if n == s.want.Load() {
			close(s.done)
		}
	}))
	tb.Cleanup(s.srv.Close)
	return s
}

// sinkEnv is a Service on SQLite with a running outbox, sending to a sink.
func sinkEnv(tb testing.TB, sk *sink, noCache bool, workers int) (*Service, *store.DB) {
	db := openDB(tb)
	ob, err := outbox.New(ctx, db, outbox.Options{Workers: workers, Poll: 50 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	roots := sk.srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	svc, err := New(ctx, db, ob, Options{
		Subject: testSubject, AllowedHosts: []string{"127.0.0.1"}, AllowLoopbackHTTP: true, noJWTCache: noCache,
		Client: newClient(clientConfig{loopback: true, perHost: 32, tls: &tls.Config{RootCAs: roots}}),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ob.Start(ctx)
	tb.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ob.Stop(c)
	})
	return svc, db
}

// benchDeliver sends b.N messages spread over 64 subscriptions, enqueued
// 500 to a transaction, and returns messages/s from the first enqueue to
// the last arrival.
func benchDeliver(b *testing.B, noCache bool) float64 {
	sk := newSink(b, nil)
	svc, db := sinkEnv(b, sk, noCache, 32)
	var subs []*Subscription
	for i := range 64 {
		in := validInput(b)
		in.Endpoint = sk.srv.URL + "/push/" + strconv.Itoa(i)
		sub, err := svc.Subscribe(ctx, "res-"+strconv.Itoa(i), "", in, "en")
		if err != nil {
			b.Fatal(err)
		}
		subs = append(subs, sub)
	}
	sk.want.Store(int64(b.N))
	cpu := cpuTime()
	b.ResetTimer()
	for start := 0; start < b.N; start += 500 {
		err := db.Tx(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+500, b.N); i++ {
				if err := svc.Send(ctx, subs[i%len(subs)], benchMsg); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-sk.done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d arrived", sk.n.Load(), b.N)
	}
	b.StopTimer()
	return report(b, cpu)
}

// BenchmarkVAPIDToken is what the token costs per message: signed for each
// (as webpush-go does, before the cache replaces it) or taken from the
// cache. It shows how much of BenchmarkEncrypt the signature is.
func BenchmarkVAPIDToken(b *testing.B) {
	keys, _ := benchKeys(b)
	for _, each := range []bool{true, false} {
		name := map[bool]string{true: "sign-each", false: "cached"}[each]
		b.Run(name, func(b *testing.B) {
			now := time.Now()
			v := newVAPIDSigner(keys, testSubject, func() time.Time { return now })
			for b.Loop() {
				if each {
					now = now.Add(tokenReuse) // every call finds the token due for renewal
				}
				if _, err := v.header("https://fcm.googleapis.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
