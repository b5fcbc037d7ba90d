package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"frontdoor/api/auth"
)

// BenchmarkLogin signs in through HTTP on loopback: first one login at a
// time (latency), then 100 residents at once (throughput), sampling the heap
// meanwhile. The baseline, in the same run, is one Argon2id verification at
// the same costs: a login can be no faster, and a burst of them is bounded
// by the hasher's concurrency limit (2×GOMAXPROCS) in time and in memory.
//
//	go test -run XXX -bench BenchmarkLogin -benchtime 1x ./api/
func BenchmarkLogin(b *testing.B) {
	e := newIdentityEnv(b, identityOptions{quiet: true})
	const residents = 100
	for i := range residents {
		e.mustResident(b, fmt.Sprintf("r%03d@example.com", i), "bench passphrase", "en")
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: residents, MaxConnsPerHost: residents}}
	login := func(i int) time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("POST", e.url+"/api/v1/auth/login",
			strings.NewReader(fmt.Sprintf(`{"email": "r%03d@example.com", "password": "bench passphrase"}`, i)))
		req.Header.Set("Content-Type", jsonCT)
		res, err := client.Do(req)
		if err != nil {
			b.Errorf("login %d: %v", i, err) // not Fatal: this runs on the burst's goroutines too
			return time.Since(start)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Errorf("login %d: %s", i, res.Status)
		}
		return time.Since(start)
	}
	hasher, _ := auth.NewHasher(auth.HasherOptions{})
	phc, _ := hasher.Hash(context.Background(), "bench passphrase")

	var argon, serial, burst []time.Duration
	var burstTime time.Duration
	var peak, before uint64
	b.ResetTimer()
	for range b.N {
		for range 20 {
			start := time.Now()
			hasher.Verify(context.Background(), "bench passphrase", phc)
			argon = append(argon, time.Since(start))
		}
		for i := range 50 {
			serial = append(serial, login(i))
		}
		ds, took, heapBefore, heapPeak := loginBurst(residents, login)
		burst, burstTime = append(burst, ds...), burstTime+took
		before, peak = max(before, heapBefore), max(peak, heapPeak)
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(argon, 50)), "argon2id-p50-ms")
	b.ReportMetric(ms(percentile(serial, 50)), "login-p50-ms")
	b.ReportMetric(ms(percentile(serial, 99)), "login-p99-ms")
	b.ReportMetric(ms(percentile(burst, 50)), "burst-p50-ms")
	b.ReportMetric(ms(percentile(burst, 99)), "burst-p99-ms")
	b.ReportMetric(float64(len(burst))/burstTime.Seconds(), "burst-logins/s")
	b.ReportMetric(float64(before)/(1<<20), "heap-before-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(percentile(serial, 50))/float64(percentile(argon, 50)), "login/argon2id")
}

// loginBurst runs n logins at once and returns their latencies, how long
// they all took, and the heap in use before and at its peak.
func loginBurst(n int, login func(int) time.Duration) (ds []time.Duration, took time.Duration, before, peak uint64) {
	runtime.GC() // start from the live heap, not the setup's garbage
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before = m.HeapInuse
	stop := sampleHeap(&peak)
	var wg sync.WaitGroup
	var mu sync.Mutex
	gate := make(chan struct{})
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			<-gate
			d := login(i)
			mu.Lock()
			ds = append(ds, d)
			mu.Unlock()
		})
	}
	close(gate)
	wg.Wait()
	took = time.Since(start)
	stop()
	return ds, took, before, peak
}

// sampleHeap records the largest HeapInuse seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// BenchmarkTokenVerification compares, in interleaved rounds of one run,
// Tokens.Verify alone with a request through the whole middleware chain to
// a route that requires a sign-in (verification, revocation check, the
// account's language, claims in the locals), and with the same route
// without requireAuth, so the chain's own cost can be told apart.
func BenchmarkTokenVerification(b *testing.B) {
	e := newIdentityEnv(b, identityOptions{quiet: true})
	e.mustResident(b, "bench@example.com", "bench passphrase", "cy")
	token := e.mustLogin(b, "bench@example.com", "bench passphrase").access
	s := e.srv
	handler := e.testApp(b, func(app *fiber.App) {
		app.Get("/bench/authn", s.requireAuth, func(c *fiber.Ctx) error { return c.SendStatus(204) })
		app.Get("/bench/open", func(c *fiber.Ctx) error { return c.SendStatus(204) })
	}).Handler()
	ctx := context.Background()
	verify := func(n int) time.Duration {
		return parallel(n, func() {
			if _, err := e.tokens.Verify(ctx, token); err != nil {
				b.Error(err)
			}
		})
	}
	request := func(path string) func(n int) time.Duration {
		return func(n int) time.Duration {
			return parallel(n, func() {
				var fc fasthttp.RequestCtx
				fc.Request.SetRequestURI(path)
				fc.Request.Header.Set("Authorization", "Bearer "+token)
				handler(&fc)
				if fc.Response.StatusCode() != 204 {
					b.Errorf("%s: %d %s", path, fc.Response.StatusCode(), fc.Response.Body())
				}
			})
		}
	}
	runs := []struct {
		name string
		run  func(int) time.Duration
		took time.Duration
	}{{"verify", verify, 0}, {"middleware", request("/bench/authn"), 0}, {"chain-only", request("/bench/open"), 0}}
	const rounds = 6
	per := max(1, b.N/rounds)
	b.ResetTimer()
	for r := range rounds {
		for i := range runs {
			k := (i + r) % len(runs) // rotate who goes first
			runs[k].took += runs[k].run(per)
		}
	}
	b.StopTimer()
	rate := map[string]float64{}
	for _, r := range runs {
		rate[r.name] = float64(per*rounds) / r.took.Seconds()
		b.ReportMetric(rate[r.name], r.name+"/s")
	}
	b.ReportMetric(rate["middleware"]/rate["verify"], "middleware/verify")
}

// parallel runs f n times over GOMAXPROCS goroutines and returns how long
// that took.
func parallel(n int, f func()) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				f()
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
