package push

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"frontdoor/api/push/pushtest"
)

// TestAlertThroughput sends one service alert to 10,000 and then 100,000
// subscriptions through the outbox to a local push service, and reports
// messages/s, the ratio to webpush-go's raw encryption rate measured in
// the same run, and the peak Go heap of each run, which must not grow with
// the number of subscribers (the audience is streamed a page at a time).
//
// It is skipped unless FRONTDOOR_BENCH_PUSH=1: it takes minutes and some
// hundreds of megabytes of disk, it measures rather than proves a rule, and
// its figures go into the closing note. Run it with
//
//	FRONTDOOR_BENCH_PUSH=1 go test -run TestAlertThroughput -v -timeout 60m ./api/push/
func TestAlertThroughput(t *testing.T) {
	if os.Getenv("FRONTDOOR_BENCH_PUSH") != "1" {
		t.Skip("a benchmark of minutes: set FRONTDOOR_BENCH_PUSH=1 to run it")
	}
	encrypt := encryptRate(t, 3*time.Second)
	t.Logf("webpush-go raw encryption: %.0f msgs/s on %d cores", encrypt, runtime.GOMAXPROCS(0))
	var peaks []uint64
	for _, n := range []int{10_000, 100_000} {
		var r alertRun
		// A subtest each, so the first run's store, outbox and servers are
		// gone before the second is measured.
		t.Run(strconv.Itoa(n), func(t *testing.T) { r = runAlert(t, n) })
		peaks = append(peaks, r.peakLive)
		t.Logf("%d subscriptions: made in %v; enqueued in %v; all delivered in %v: %.0f msgs/s = %.3f x raw encryption; "+
			"peak heap %.1f MiB (live after GC %.1f MiB)",
			n, r.create.Round(time.Millisecond), r.enqueue.Round(time.Millisecond), r.total.Round(time.Millisecond),
			float64(n)/r.total.Seconds(), float64(n)/r.total.Seconds()/encrypt, mib(r.peakHeap), mib(r.peakLive))
	}
	// Not growing: ten times the audience may not hold more than a quarter
	// more live heap (GC timing moves the samples by about that much).
	if peaks[1] > peaks[0]*5/4+1<<20 {
		t.Errorf("live heap grew with the audience: %.1f MiB at 10k, %.1f MiB at 100k", mib(peaks[0]), mib(peaks[1]))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

type alertRun struct {
	create, enqueue, total time.Duration
	peakHeap, peakLive     uint64
}

func runAlert(t *testing.T, n int) alertRun {
	dev := newBenchDevice(t)
	var checked atomic.Int64
	sk := newSink(t, func(r *http.Request, body []byte) {
		plain, err := dev.Decrypt(body)
		var p pushtest.Payload
		if err != nil || json.Unmarshal(plain, &p) != nil || p.Title != alertMsg.Title || r.Header.Get("Urgency") != "high" {
			t.Errorf("a sampled alert is wrong: %v %q", err, plain)
		}
		checked.Add(1)
	})
	svc, db := sinkEnv(t, sk, false, 32)
	var r alertRun
	start := time.Now()
	makeSubscriptions(t, svc, db, sk.srv.URL, dev, n)
	r.create = time.Since(start)

	runtime.GC()
	stop := sampleHeap(&r.peakHeap, &r.peakLive)
	sk.want.Store(int64(n))
	start = time.Now()
	for from := 0; from < n; from += 1000 {
		residents := make([]string, 0, 1000)
		for i := from; i < min(from+1000, n); i++ {
			residents = append(residents, "r"+strconv.Itoa(i))
		}
		err := db.Tx(ctx, func(ctx context.Context) error {
			_, err := svc.SendToResidents(ctx, residents, alertMsg)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	r.enqueue = time.Since(start)
	select {
	case <-sk.done:
	case <-time.After(50 * time.Minute):
		t.Fatalf("%d of %d arrived", sk.n.Load(), n)
	}
	r.total = time.Since(start)
	stop()
	if int(checked.Load()) != (n+999)/1000 {
		t.Errorf("%d sampled, want %d", checked.Load(), (n+999)/1000)
	}
	return r
}

var alertMsg = Message{
	Title: "Bin collections in PL4 are a day late",
	Body:  "Because of the storm, collections in PL4 move to the next day this week. Please leave your bins out.",
	URL:   "/alerts/pl4-storm", Tag: "pl4-collections", Kind: KindAlert, Ref: "alert-1",
}

// newBenchDevice is a browser whose keys every subscription shares; its
// push service is never sent to (the sink stands in for it).
func newBenchDevice(tb testing.TB) *pushtest.Device {
	return pushtest.NewServer(tb, testSubject, func() string { return "" }).NewDevice("all")
}

// makeSubscriptions stores n subscriptions (resident r<i>, endpoint
// <base>/push/<i>, one shared key pair so the sink can decrypt samples),
// 5,000 to a transaction, never holding more than one in memory.
func makeSubscriptions(tb testing.TB, svc *Service, db interface {
	Tx(context.Context, func(context.Context) error) error
}, base string, dev *pushtest.Device, n int) {
	now := svc.now()
	keys := dev.Subscription().Keys
	p256dh, auth := keys.P256DH, keys.Auth
	for from := 0; from < n; from += 5000 {
		err := db.Tx(ctx, func(ctx context.Context) error {
			for i := from; i < min(from+5000, n); i++ {
				sub := &Subscription{Endpoint: base + "/push/" + strconv.Itoa(i), Host: "127.0.0.1", P256DH: p256dh, Auth: auth,
					Resident: "r" + strconv.Itoa(i), Language: "en", CreatedAt: now, UpdatedAt: now}
				if err := svc.subs.Insert(ctx, sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// sampleHeap records, every 50ms until stopped, the largest HeapAlloc
// (live and not yet collected) and the largest live heap as of the last GC.
func sampleHeap(peak, live *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			runtime.ReadMemStats(&m)
			metrics.Read(sample)
			*peak = max(*peak, m.HeapAlloc)
			*live = max(*live, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// encryptRate is webpush-go's raw rate on every core for d.
func encryptRate(tb testing.TB, d time.Duration) float64 {
	keys, sub := benchKeys(tb)
	body, _ := payload(alertMsg, maxPayload)
	opts := &webpush.Options{
		HTTPClient: drain{}, RecordSize: recordSize(len(body)), Subscriber: "digital@council.example",
		TTL: 43200, Urgency: webpush.UrgencyHigh, VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.privateB64,
	}
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if _, err := webpush.SendNotificationWithContext(context.Background(), body, sub, opts); err != nil {
					tb.Error(err)
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}
