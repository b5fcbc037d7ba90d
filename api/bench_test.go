package api

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkHealthz serves GET /healthz through the full middleware chain and
// from a bare Fiber handler, both on loopback, with the same client, in
// interleaved rounds of the same run (machines are noisy), and reports both
// throughputs and their ratio. /healthz is logged at debug level and exempt
// from rate limiting, so "api" repeats the comparison for a route that is
// access-logged and rate-limited, as every API route will be.
func BenchmarkHealthz(b *testing.B) {
	env := newTestEnvWith(b, Config{RateLimit: 1e9, RateBurst: 1e9},
		envOptions{logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}) // production level: info
	full := serve(b, env.testApp(b, func(app *fiber.App) { app.Get("/api/bench", env.srv.healthz) }))

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/healthz", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(bodyAlive)
	})
	bareURL := serve(b, bare)

	for _, tc := range []struct{ name, path string }{{"healthz", "/healthz"}, {"api", "/api/bench"}} {
		b.Run(tc.name, func(b *testing.B) {
			client := &fasthttp.Client{MaxConnsPerHost: 256, ReadTimeout: 10 * time.Second}
			const rounds = 6
			per := max(1, b.N/rounds)
			var bareTime, fullTime time.Duration
			b.ResetTimer()
			for r := range rounds {
				if r%2 == 0 { // alternate who goes first
					bareTime += hammer(b, client, bareURL+"/healthz", per)
					fullTime += hammer(b, client, full+tc.path, per)
				} else {
					fullTime += hammer(b, client, full+tc.path, per)
					bareTime += hammer(b, client, bareURL+"/healthz", per)
				}
			}
			b.StopTimer()
			bareRPS := float64(per*rounds) / bareTime.Seconds()
			fullRPS := float64(per*rounds) / fullTime.Seconds()
			b.ReportMetric(bareRPS, "bare-req/s")
			b.ReportMetric(fullRPS, "full-req/s")
			b.ReportMetric(fullRPS/bareRPS, "ratio")
		})
	}
}

// hammer sends n GETs to url from several goroutines and returns how long
// they took.
func hammer(b *testing.B, client *fasthttp.Client, url string, n int) time.Duration {
	const workers = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			req.SetRequestURI(url)
			for next.Add(1) <= int64(n) {
				if err := client.Do(req, res); err != nil || res.StatusCode() != 200 || !strings.Contains(string(res.Body()), "ok") {
					b.Errorf("GET %s: %v %d", url, err, res.StatusCode())
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkChainInProcess measures what the middleware chain itself costs
// per request, without the network: the bare handler, /healthz and an API
// route through the full chain, each called directly on a request context.
func BenchmarkChainInProcess(b *testing.B) {
	env := newTestEnvWith(b, Config{RateLimit: 1e9, RateBurst: 1e9},
		envOptions{logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	full := env.testApp(b, func(app *fiber.App) { app.Get("/api/bench", env.srv.healthz) }).Handler()
	bare := fiber.New()
	bare.Get("/healthz", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(bodyAlive)
	})
	for _, tc := range []struct {
		name    string
		handler fasthttp.RequestHandler
		path    string
	}{{"bare", bare.Handler(), "/healthz"}, {"healthz", full, "/healthz"}, {"api", full, "/api/bench"}} {
		b.Run(tc.name, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.SetRequestURI(tc.path)
				tc.handler(&ctx)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("%s: %d", tc.path, ctx.Response.StatusCode())
				}
			}
		})
	}
}
