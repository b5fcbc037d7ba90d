package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
	"frontdoor/locales"
)

// testEnv is a Server on a real SQLite store in a temp dir, with its logs
// captured.
type testEnv struct {
	srv  *Server
	db   *store.DB
	logs *syncBuffer
}

type envOptions struct {
	logger *slog.Logger // default: JSON at debug level into testEnv.logs
	outbox interface {
		Depth(ctx context.Context) (map[string]int64, error)
	}
	web fs.FS // the web app's files; nil: API only
}

func newTestEnv(tb testing.TB, cfg Config) *testEnv {
	tb.Helper()
	return newTestEnvWith(tb, cfg, envOptions{})
}

func newTestEnvWith(tb testing.TB, cfg Config, opts envOptions) *testEnv {
	tb.Helper()
	ctx := context.Background()
	db, metrics, bundle := newTestParts(tb)
	var err error
	env := &testEnv{db: db, logs: &syncBuffer{}}
	logger := opts.logger
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	deps := Deps{Store: db, Logger: logger, Bundle: bundle, Metrics: metrics}
	if opts.outbox != nil {
		deps.Outbox = opts.outbox
	}
	deps.Web = opts.web
	env.srv, err = New(ctx, cfg, deps)
	if err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	return env
}

// start serves the production app on a loopback port until the test ends.
// newTestParts opens a fresh SQLite store (closed at cleanup), metrics that
// observe it, and the message bundle: what every test server is built on.
func newTestParts(tb testing.TB) (*store.DB, *Metrics, *i18n.Bundle) {
	tb.Helper()
	dir := tb.TempDir()
	eng, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs")})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	metrics := NewMetrics(prometheus.NewRegistry())
	db := store.New(eng, store.WithObserver(metrics.ObserveStore))
	tb.Cleanup(func() { db.Close() })
	bundle, err := locales.Bundle()
	if err != nil {
		tb.Fatal(err)
	}
	return db, metrics, bundle
}

func (e *testEnv) start(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		// Serve may only have started after Shutdown: closing the listener
		// ends it either way, so a failing test never hangs here.
		ln.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			tb.Error("Serve did not return after Shutdown")
		}
	})
	return "http://" + ln.Addr().String()
}

// testApp is the full middleware chain and the production routes, plus
// test-only routes mounted by mount.
func (e *testEnv) testApp(tb testing.TB, mount func(app *fiber.App)) *fiber.App {
	tb.Helper()
	app, err := e.srv.newFiberApp()
	if err != nil {
		tb.Fatal(err)
	}
	e.srv.routes(app)
	if mount != nil {
		mount(app)
	}
	e.srv.wrapUnknownMethods(app)
	return app
}

// serve serves any Fiber app on a loopback port until the test ends.
func serve(tb testing.TB, app *fiber.App) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go app.Listener(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app.ShutdownWithContext(ctx)
	})
	return "http://" + ln.Addr().String()
}

// response is what a test request got back.
type response struct {
	status  int
	header  http.Header
	body    []byte
	problem *problemBody // when the body is a problem
}

func (r *response) String() string {
	return strings.TrimSpace(string(r.body))
}

var testClient = &http.Client{Timeout: 10 * time.Second}

func do(tb testing.TB, method, url string, headers map[string]string, body string) *response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := testClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	r := &response{status: res.StatusCode, header: res.Header, body: b}
	if res.Header.Get("Content-Type") == "application/problem+json" {
		r.problem = &problemBody{}
		if err := json.Unmarshal(b, r.problem); err != nil {
			tb.Fatalf("problem body %q: %v", b, err)
		}
	}
	return r
}

// mustProblem checks the RFC 9457 shape every problem must have.
func mustProblem(tb testing.TB, r *response, status int, slug string) *problemBody {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status %d, want %d: %s", r.status, status, r)
	}
	p := r.problem
	if p == nil {
		tb.Fatalf("not a problem (Content-Type %q): %s", r.header.Get("Content-Type"), r)
	}
	if !strings.HasSuffix(p.Type, "/problems/"+slug) {
		tb.Errorf("type %q, want .../problems/%s", p.Type, slug)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" {
		tb.Errorf("incomplete problem: %s", r)
	}
	if id := r.header.Get("X-Request-Id"); id == "" || p.Instance != "urn:request:"+id {
		tb.Errorf("instance %q, X-Request-Id %q", p.Instance, id)
	}
	if r.header.Get("Content-Language") == "" {
		tb.Error("problem without Content-Language")
	}
	return p
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log records.
func (b *syncBuffer) records(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			tb.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}
