package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/locales"
)

func TestSecurityHeaders(t *testing.T) {
	plain := newTestEnv(t, Config{BaseURL: "http://localhost:8080"}).start(t)
	secure := newTestEnv(t, Config{BaseURL: "https://frontdoor.example.gov.uk"}).start(t)
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-store",
	}
	for _, path := range []string{"/healthz", "/nope"} { // successes and problems alike
		r := do(t, "GET", plain+path, nil, "")
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s %s: %q, want %q", path, k, got, v)
			}
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
			t.Errorf("CSP is not strict: %q", csp)
		}
		if pp := r.header.Get("Permissions-Policy"); !strings.Contains(pp, "camera=()") || !strings.Contains(pp, "microphone=()") {
			t.Errorf("Permissions-Policy %q", pp)
		}
		if got := r.header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("HSTS on a plain-http deployment: %q", got)
		}
		if r.header.Get("Server") != "" {
			t.Errorf("Server header %q says what we run", r.header.Get("Server"))
		}
	}
	r := do(t, "GET", secure+"/healthz", nil, "")
	if got := r.header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=63072000") {
		t.Errorf("HSTS behind https: %q", got)
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "upgrade-insecure-requests") {
		t.Errorf("CSP behind https: %q", r.header.Get("Content-Security-Policy"))
	}
}

func TestCORS(t *testing.T) {
	closed := newTestEnv(t, Config{}).start(t)
	open := newTestEnv(t, Config{CORSOrigins: []string{"https://app.example.gov.uk", "http://localhost:5173"}}).start(t)
	origin := map[string]string{"Origin": "https://app.example.gov.uk"}
	preflight := map[string]string{"Origin": "https://app.example.gov.uk", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type,idempotency-key"}

	r := do(t, "GET", closed+"/healthz", origin, "")
	for k := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("CORS closed, yet %s: %q", k, r.header.Get(k))
		}
	}
	r = do(t, "OPTIONS", closed+"/healthz", preflight, "")
	if r.status == 204 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS closed, yet a preflight got %d %v", r.status, r.header)
	}

	r = do(t, "GET", open+"/healthz", origin, "")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://app.example.gov.uk" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := r.header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") || !strings.Contains(got, "Retry-After") {
		t.Errorf("Access-Control-Expose-Headers %q", got)
	}
	r = do(t, "OPTIONS", open+"/healthz", preflight, "")
	if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "idempotency-key") {
		t.Errorf("preflight: %d %v", r.status, r.header)
	}
	if r.header.Get("Access-Control-Allow-Credentials") == "true" {
		t.Error("credentials allowed")
	}
	for _, other := range []string{"https://evil.example", "https://app.example.gov.uk.evil.example", "null"} {
		r = do(t, "GET", open+"/healthz", map[string]string{"Origin": other}, "")
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %q was allowed: %q", other, got)
		}
	}
}

func TestCORSRefusesWildcards(t *testing.T) {
	for _, o := range []string{"*", "https://*.example.gov.uk", "https://a.example/path", "ftp://a.example", "a.example", "https://a.example,https://b.example"} {
		if _, err := corsHandler([]string{o}, false); err == nil {
			t.Errorf("origin %q accepted", o)
		}
	}
	if _, err := corsHandler([]string{"http://localhost:5173"}, true); err == nil {
		t.Error("production accepted a plain-http origin")
	}
}

func TestConfigRefusedInProduction(t *testing.T) {
	env := newTestEnv(t, Config{}) // for its store
	bundle, err := locales.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Store: env.db, Bundle: bundle, Metrics: NewMetrics(prometheus.NewRegistry())}
	for _, cfg := range []Config{
		{Production: true, BaseURL: "http://frontdoor.example.gov.uk"},
		{Production: true},
		{BaseURL: "frontdoor.example.gov.uk"},
		{TrustedProxies: []string{"10.0.0.0/33"}},
		{CORSOrigins: []string{"*"}},
	} {
		if _, err := New(context.Background(), cfg, deps); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := New(context.Background(), Config{Production: true, BaseURL: "https://frontdoor.example.gov.uk",
		CORSOrigins: []string{"https://app.example.gov.uk"}}, deps); err != nil {
		t.Errorf("a sound production config: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	env := newTestEnv(t, Config{RateLimit: 0.01, RateBurst: 3}) // one token per 100 s
	url := env.start(t)
	for i := range 3 {
		if r := do(t, "GET", url+"/api/openapi.json", nil, ""); r.status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, r.status)
		}
	}
	r := do(t, "GET", url+"/api/openapi.json", map[string]string{"Accept-Language": "pl"}, "")
	p := mustProblem(t, r, 429, "rate-limited")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 90 || secs > 100 {
		t.Errorf("Retry-After %q, want about 100 seconds", r.header.Get("Retry-After"))
	}
	if p.Title != "Zbyt wiele żądań" || !strings.Contains(p.Detail, r.header.Get("Retry-After")+" sekund") {
		t.Errorf("Polish 429: %q / %q", p.Title, p.Detail)
	}
	// Probes and scrapes are never limited, nor is anyone else.
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := do(t, "GET", url+path, nil, ""); r.status != 200 {
			t.Errorf("%s while limited: %d", path, r.status)
		}
	}
}

func TestLimiterBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(2, 2, func() time.Time { return now })
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 2 {
		if ok, _ := l.allow(a); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow(a)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third request: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if ok, _ := l.allow(b); !ok {
		t.Fatal("another client is limited too")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow(a); !ok {
		t.Fatal("a refilled token was refused")
	}
	// Idle buckets that have filled up again are forgotten.
	now = now.Add(2 * time.Second)
	l.sweep()
	if n := l.size(); n != 0 {
		t.Fatalf("%d buckets after everyone went quiet", n)
	}
	// Memory stays bounded whatever the number of clients.
	for i := range maxBuckets + 500 {
		l.allow(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if n := l.size(); n > maxBuckets {
		t.Fatalf("%d buckets, limit %d", n, maxBuckets)
	}
}

func TestRateKeyAndClientIP(t *testing.T) {
	if a, b := rateKey(netip.MustParseAddr("2001:db8:1:2:aaaa::1")), rateKey(netip.MustParseAddr("2001:db8:1:2:bbbb::9")); a != b {
		t.Errorf("one /64 has two buckets: %v %v", a, b)
	}
	if a, b := rateKey(netip.MustParseAddr("2001:db8:1:2::1")), rateKey(netip.MustParseAddr("2001:db8:1:3::1")); a == b {
		t.Error("two /64s share a bucket")
	}
	// Behind a trusted proxy (loopback here), the client is the right-most
	// untrusted X-Forwarded-For entry; a spoofed left part changes nothing.
	env := newTestEnv(t, Config{TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8"}, RateLimit: 0.01, RateBurst: 1})
	url := env.start(t)
	spoof := func(xff string) int {
		return do(t, "GET", url+"/api/openapi.json", map[string]string{"X-Forwarded-For": xff}, "").status
	}
	if s := spoof("198.51.100.7, 10.1.1.1"); s != 200 {
		t.Fatalf("first request: %d", s)
	}
	if s := spoof("203.0.113.99, 198.51.100.7, 10.2.2.2"); s != 429 {
		t.Errorf("a spoofed left-most entry bought a new bucket: %d", s)
	}
	if s := spoof("198.51.100.8"); s != 200 {
		t.Errorf("a different client was limited: %d", s)
	}
	if _, err := parseTrustedProxies([]string{"not-an-ip"}); err == nil {
		t.Error("a bad trusted proxy was accepted")
	}
}

// TestBodyLimitRefusesWithoutReading declares a 20 MiB body (over every route's limit), sends a few
// bytes of it and must get a 413 problem straight away: the server judged
// the Content-Length and never waited for (or buffered) the body.
func TestBodyLimitRefusesWithoutReading(t *testing.T) {
	env := newTestEnv(t, Config{})
	url := serve(t, env.testApp(t, mountTestRoutes))
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.SetDeadline(start.Add(5 * time.Second))
	io.WriteString(conn, "POST /test/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"+
		"Accept-Language: cy\r\nContent-Length: 20971520\r\n\r\n{\"name\":")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to a 20 MiB declaration: %v", err)
	}
	defer res.Body.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("413 took %v: the server waited for the body", took)
	}
	var p problemBody
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 413 || res.Header.Get("Content-Type") != "application/problem+json" || !strings.HasSuffix(p.Type, "/too-large") {
		t.Fatalf("got %d %s %+v", res.StatusCode, res.Header.Get("Content-Type"), p)
	}
	if p.Title != "Cais rhy fawr" || res.Header.Get("Content-Language") != "cy" {
		t.Errorf("413 not localized: %q (%s)", p.Title, res.Header.Get("Content-Language"))
	}
	if id := res.Header.Get("X-Request-Id"); id == "" || p.Instance != "urn:request:"+id {
		t.Errorf("413 without its request id: %q / %q", id, p.Instance)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("413 without security headers")
	}
	if !strings.Contains(env.logs.String(), `"status":413`) {
		t.Errorf("the refused request is not in the access log:\n%s", env.logs)
	}
}

func TestBodyLimitConfigured(t *testing.T) {
	env := newTestEnv(t, Config{BodyLimit: 1024})
	url := serve(t, env.testApp(t, mountTestRoutes))
	body := `{"name": "` + strings.Repeat("x", 2000) + `"}`
	r := do(t, "POST", url+"/test/echo", map[string]string{"Content-Type": jsonCT}, body)
	mustProblem(t, r, 413, "too-large")
	if r := do(t, "POST", url+"/test/echo", map[string]string{"Content-Type": jsonCT}, `{"name": "short"}`); r.status != 200 {
		t.Errorf("a small body: %d %s", r.status, r)
	}
}

func TestCompression(t *testing.T) {
	url := newTestEnv(t, Config{}).start(t)
	req, _ := http.NewRequest("GET", url+"/api/openapi.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the OpenAPI document was not compressed: %v", res.Header)
	}
}

func TestHeadersTooLarge(t *testing.T) {
	env := newTestEnv(t, Config{})
	url := env.start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: "+strings.Repeat("x", 16<<10)+"\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p problemBody
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 431 || !strings.HasSuffix(p.Type, "/headers-too-large") || p.Status != 431 {
		t.Fatalf("got %d %+v", res.StatusCode, p)
	}
}

// TestReadTimeout: a client that stops sending mid-request (slowloris) is
// answered with a 408 problem and cut off once ReadTimeout passes.
func TestReadTimeout(t *testing.T) {
	url := newTestEnv(t, Config{ReadTimeout: 300 * time.Millisecond}).start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.SetDeadline(start.Add(5 * time.Second))
	io.WriteString(conn, "POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"a\":")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cut off after %v", took)
	}
	var p problemBody
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != 408 || !strings.HasSuffix(p.Type, "/timeout") {
		t.Fatalf("got %d %+v %v", res.StatusCode, p, err)
	}
	if !res.Close {
		t.Error("the connection stays open")
	}
}
