package api

import (
	"context"
	"encoding/json"
	"errors"
	"frontdoor/frontend"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func TestHealthAndReadiness(t *testing.T) {
	env := newTestEnv(t, Config{})
	url := env.start(t)
	if r := do(t, "GET", url+"/healthz", nil, ""); r.status != 200 || r.String() != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", r.status, r)
	}
	if r := do(t, "GET", url+"/readyz", nil, ""); r.status != 200 || r.String() != `{"status":"ready"}` {
		t.Errorf("readyz with a store: %d %s", r.status, r)
	}
	if err := env.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := do(t, "GET", url+"/readyz", map[string]string{"Accept-Language": "cy"}, "")
	if p := mustProblem(t, r, 503, "unavailable"); p.Title != "Gwasanaeth ddim ar gael" {
		t.Errorf("503 title %q", p.Title)
	}
	if r := do(t, "GET", url+"/healthz", nil, ""); r.status != 200 {
		t.Errorf("healthz must not depend on the store: %d", r.status)
	}
}

type fakeOutbox struct {
	depth map[string]int64
	err   error
}

func (f fakeOutbox) Depth(context.Context) (map[string]int64, error) { return f.depth, f.err }

func TestMetrics(t *testing.T) {
	env := newTestEnvWith(t, Config{Version: "1.2.3"}, envOptions{outbox: fakeOutbox{depth: map[string]int64{"pending": 3, "dead": 1}}})
	url := serve(t, env.testApp(t, func(app *fiber.App) {
		mountTestRoutes(app)
		app.Post("/test/things", env.srv.idempotent, func(c *fiber.Ctx) error { return c.SendStatus(201) })
	}))
	do(t, "GET", url+"/healthz", nil, "")
	do(t, "GET", url+"/test/items/PERSONAL-ID-123", nil, "")
	do(t, "GET", url+"/secret/path/of/jo", nil, "")
	do(t, "POST", url+"/test/things", map[string]string{"Idempotency-Key": "k1"}, "")

	r := do(t, "GET", url+"/metrics", nil, "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", r.status, r.header.Get("Content-Type"))
	}
	m := string(r.body)
	for _, want := range []string{
		`frontdoor_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`frontdoor_http_requests_total{method="GET",route="/test/items/:id",status="200"} 1`,
		`frontdoor_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`frontdoor_http_requests_total{method="POST",route="/test/things",status="201"} 1`,
		`frontdoor_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 1`,
		`frontdoor_outbox_jobs{state="pending"} 3`,
		`frontdoor_outbox_jobs{state="dead"} 1`,
		`frontdoor_build_info{version="1.2.3"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The idempotency record went through the store, and the store was timed.
	for _, op := range []string{"find", "insert", "replace"} {
		if !regexp.MustCompile(`frontdoor_store_operation_duration_seconds_count\{collection="idempotency_keys",op="` + op + `"\} [1-9]`).MatchString(m) {
			t.Errorf("no store latency for %s", op)
		}
	}
	for _, leak := range []string{"PERSONAL-ID-123", "/secret/path"} {
		if strings.Contains(m, leak) {
			t.Errorf("metrics hold a raw path: %s", leak)
		}
	}
}

func TestMetricsSurviveABrokenOutbox(t *testing.T) {
	env := newTestEnvWith(t, Config{}, envOptions{outbox: fakeOutbox{err: errors.New("outbox: store down")}})
	url := env.start(t)
	do(t, "GET", url+"/healthz", nil, "")
	r := do(t, "GET", url+"/metrics", nil, "")
	if r.status != 200 || strings.Contains(string(r.body), "frontdoor_outbox_jobs{") {
		t.Errorf("metrics with a failing outbox: %d", r.status)
	}
	if !strings.Contains(r.String(), "frontdoor_http_requests_total") {
		t.Error("the other metrics went missing")
	}
}

// TestOpenAPIMatchesRoutes: every registered route is documented and every
// documented route is registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := newTestEnvWith(t, Config{}, envOptions{web: frontend.Files()})
	r := do(t, "GET", env.start(t)+"/api/openapi.json", nil, "")
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("served document: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Error("no shared Problem schema")
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "options", "head", "trace":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range env.srv.App().GetRoutes(true) {
		if rt.Method == fiber.MethodHead || rt.Method == fiber.MethodOptions {
			continue // Fiber adds HEAD to every GET
		}
		if rt.Path == "/*" {
			continue // the web app's pages and files, not the API
		}
		registered[rt.Method+" "+openAPIPath(rt.Path)] = true
	}
	for op := range registered {
		if !documented[op] {
			t.Errorf("route %s is not in openapi.json", op)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("openapi.json documents %s, which is not mounted", op)
		}
	}
	if len(registered) < 4 {
		t.Errorf("only %d routes found: %v", len(registered), slices.Collect(maps.Keys(registered)))
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// openAPIPath turns Fiber's /cases/:id into OpenAPI's /cases/{id}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

func TestOpenAPIPath(t *testing.T) {
	if got := openAPIPath("/api/cases/:id/items/:item?"); got != "/api/cases/{id}/items/{item}" {
		t.Errorf("got %q", got)
	}
}

// TestShutdownDrains: Shutdown stops taking connections but lets a request
// already running finish, and Serve then returns.
func TestShutdownDrains(t *testing.T) {
	env := newTestEnv(t, Config{})
	entered := make(chan struct{})
	env.srv.App().Get("/test/slow", func(c *fiber.Ctx) error {
		close(entered)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- env.srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()

	got := make(chan *response, 1)
	go func() { got <- do(t, "GET", url+"/test/slow", nil, "") }()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if r := <-got; r.status != 200 || r.String() != "done" {
		t.Errorf("the in-flight request: %d %s", r.status, r)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after Shutdown")
	}
}

func TestNewMetricsBesideRuntimeCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := NewMetrics(reg) // must not panic: cmd may have registered these already
	m.ObserveStore("get", "cases", 3*time.Millisecond)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	for _, want := range []string{"go_goroutines", "frontdoor_store_operation_duration_seconds"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not gathered", want)
		}
	}
}
