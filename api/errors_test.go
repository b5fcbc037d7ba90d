package api

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/store"
)

// echoRequest is a body with one of everything decodeJSON must handle.
type echoRequest struct {
	Name    string         `json:"name"`
	Age     int            `json:"age"`
	Score   float64        `json:"score"`
	Active  bool           `json:"active"`
	When    time.Time      `json:"when"`
	Tags    []string       `json:"tags"`
	Extra   map[string]int `json:"extra"`
	Odd     string         `json:"a/b~c"`
	Address *struct {
		Postcode string   `json:"postcode"`
		Lines    []string `json:"lines"`
	} `json:"address"`
}

var testErrors = map[string]error{
	"not-found": store.ErrNotFound,
	"wrapped":   fmt.Errorf("cases: find 42: %w", store.ErrNotFound),
	"conflict":  store.ErrConflict,
	"duplicate": store.ErrDuplicate,
	"cursor":    store.ErrBadCursor,
	"blob":      store.ErrTooLarge,
	"teapot":    fiber.ErrTeapot,
	"internal":  errors.New("store: disk on fire at /var/lib/frontdoor"),
	"invalid":   store.ErrInvalid,
}

func mountTestRoutes(app *fiber.App) {
	app.Post("/test/echo", func(c *fiber.Ctx) error {
		var req echoRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		return c.JSON(req)
	})
	app.Get("/test/panic", func(c *fiber.Ctx) error {
		panic("secret-internal-detail hunter2")
	})
	app.Get("/test/error/:kind", func(c *fiber.Ctx) error {
		return testErrors[c.Params("kind")]
	})
	app.Get("/test/items/:id", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"ok": true})
	})
	app.Get("/test/account-language", func(c *fiber.Ctx) error {
		c.Locals(LocalsLanguage, "ar") // as the auth layer will, from the account
		return store.ErrNotFound
	})
}

type scenario struct {
	name    string
	method  string
	path    string
	headers map[string]string
	body    string

	status  int
	slug    string            // problem type slug; "" for a success
	title   string            // localized title, when checked
	pointer *string           // errors[0].pointer, when checked
	detail  string            // substring of errors[0].detail (or of detail when no errors)
	want    map[string]string // response headers
}

func ptr(s string) *string { return &s }

const jsonCT = "application/json"

func TestProblemScenarios(t *testing.T) {
	env := newTestEnv(t, Config{})
	base := serve(t, env.testApp(t, mountTestRoutes))
	js := map[string]string{"Content-Type": jsonCT}
	scenarios := []scenario{
		{name: "unknown route", method: "GET", path: "/no/such/thing", status: 404, slug: "not-found", title: "Not found"},
		{name: "wrong method lists the allowed ones", method: "POST", path: "/healthz", status: 405, slug: "method-not-allowed",
			want: map[string]string{"Allow": "GET, HEAD"}},
		{name: "wrong method on a test route", method: "DELETE", path: "/test/echo", status: 405, slug: "method-not-allowed",
			want: map[string]string{"Allow": "POST"}},
		{name: "method nobody routes", method: "BREW", path: "/healthz", status: 400, slug: "bad-request"},
		{name: "syntax error points into the array", method: "POST", path: "/test/echo", headers: js,
			body: `{"name": "x", "tags": ["a", ]}`, status: 400, slug: "malformed-json", title: "Malformed JSON", pointer: ptr("/tags/1"), detail: "not valid"},
		{name: "truncated body", method: "POST", path: "/test/echo", headers: js,
			body: `{"address": {"postcode": "CF10`, status: 400, slug: "malformed-json", pointer: ptr("/address/postcode")},
		{name: "string for an integer", method: "POST", path: "/test/echo", headers: js,
			body: `{"name": "x", "age": "ten"}`, status: 400, slug: "invalid-body", pointer: ptr("/age"), detail: "whole number"},
		{name: "fraction for an integer", method: "POST", path: "/test/echo", headers: js,
			body: `{"age": 1.5}`, status: 400, slug: "invalid-body", pointer: ptr("/age"), detail: "whole number"},
		{name: "integer out of range", method: "POST", path: "/test/echo", headers: js,
			body: `{"age": 99999999999999999999}`, status: 400, slug: "invalid-body", pointer: ptr("/age"), detail: "out of range"},
		{name: "float out of range", method: "POST", path: "/test/echo", headers: js,
			body: `{"score": 1e400}`, status: 400, slug: "invalid-body", pointer: ptr("/score"), detail: "out of range"},
		{name: "number for a nested string", method: "POST", path: "/test/echo", headers: js,
			body: `{"address": {"lines": ["1 High St"], "postcode": 12}}`, status: 400, slug: "invalid-body", pointer: ptr("/address/postcode"), detail: "string"},
		{name: "number in a list of strings", method: "POST", path: "/test/echo", headers: js,
			body: `{"tags": ["a", "b", 3]}`, status: 400, slug: "invalid-body", pointer: ptr("/tags/2"), detail: "string"},
		{name: "object for a boolean", method: "POST", path: "/test/echo", headers: js,
			body: `{"active": {"yes": true}}`, status: 400, slug: "invalid-body", pointer: ptr("/active"), detail: "true or false"},
		{name: "list for an object", method: "POST", path: "/test/echo", headers: js,
			body: `[1, 2]`, status: 400, slug: "invalid-body", pointer: ptr(""), detail: "object"},
		{name: "unknown field", method: "POST", path: "/test/echo", headers: js,
			body: `{"name": "x", "nmae": "y"}`, status: 400, slug: "invalid-body", pointer: ptr("/nmae"), detail: "not recognised"},
		{name: "unknown nested field is escaped", method: "POST", path: "/test/echo", headers: js,
			body: `{"address": {"post/code~": "x"}}`, status: 400, slug: "invalid-body", pointer: ptr("/address/post~1code~0")},
		{name: "field names match case-insensitively, as encoding/json does", method: "POST", path: "/test/echo", headers: js,
			body: `{"NAME": "x", "extra": {"any key": 1}, "a/b~c": "ok"}`, status: 200},
		{name: "bad time", method: "POST", path: "/test/echo", headers: js,
			body: `{"name": "x", "when": "yesterday"}`, status: 400, slug: "invalid-body", pointer: ptr("/when"), detail: "date and time"},
		{name: "empty body", method: "POST", path: "/test/echo", headers: js,
			status: 400, slug: "malformed-json", pointer: ptr(""), detail: "empty"},
		{name: "two values", method: "POST", path: "/test/echo", headers: js,
			body: `{"name": "a"} {"name": "b"}`, status: 400, slug: "malformed-json", pointer: ptr(""), detail: "exactly one"},
		{name: "not UTF-8", method: "POST", path: "/test/echo", headers: js,
			body: "{\"name\": \"caf\xe9\"}", status: 400, slug: "malformed-json", pointer: ptr(""), detail: "UTF-8"},
		{name: "text/plain", method: "POST", path: "/test/echo", headers: map[string]string{"Content-Type": "text/plain"},
			body: `{"name": "x"}`, status: 415, slug: "unsupported-media-type", title: "Unsupported media type"},
		{name: "no content type", method: "POST", path: "/test/echo", body: `{"name": "x"}`, status: 415, slug: "unsupported-media-type"},
		{name: "another charset", method: "POST", path: "/test/echo", headers: map[string]string{"Content-Type": "application/json; charset=latin1"},
			body: `{"name": "x"}`, status: 415, slug: "unsupported-media-type"},
		{name: "gzip body refused, not inflated", method: "POST", path: "/test/echo", headers: map[string]string{"Content-Type": jsonCT, "Content-Encoding": "gzip"},
			body: "\x1f\x8b\x08\x00", status: 415, slug: "unsupported-media-type"},
		{name: "a +json type is JSON", method: "POST", path: "/test/echo", headers: map[string]string{"Content-Type": "application/merge-patch+json; charset=utf-8"},
			body: `{"name": "x"}`, status: 200},
		{name: "store not found", method: "GET", path: "/test/error/not-found", status: 404, slug: "not-found"},
		{name: "wrapped store not found", method: "GET", path: "/test/error/wrapped", status: 404, slug: "not-found"},
		{name: "stale version", method: "GET", path: "/test/error/conflict", status: 409, slug: "conflict"},
		{name: "duplicate", method: "GET", path: "/test/error/duplicate", status: 409, slug: "duplicate"},
		{name: "bad cursor", method: "GET", path: "/test/error/cursor", status: 400, slug: "bad-cursor"},
		{name: "blob too large", method: "GET", path: "/test/error/blob", status: 413, slug: "file-too-large"},
		{name: "other Fiber 4xx keeps its status", method: "GET", path: "/test/error/teapot", status: 418, slug: "request-error"},
		{name: "internal error reveals nothing", method: "GET", path: "/test/error/internal", status: 500, slug: "internal", title: "Something went wrong"},
		{name: "a store misuse is ours, not the client's", method: "GET", path: "/test/error/invalid", status: 500, slug: "internal"},
		{name: "panic reveals nothing", method: "GET", path: "/test/panic", status: 500, slug: "internal"},
	}
	runScenarios(t, base, scenarios)

	// What a 500 may not say, and what the log must.
	for _, path := range []string{"/test/panic", "/test/error/internal"} {
		r := do(t, "GET", base+path, nil, "")
		for _, secret := range []string{"hunter2", "secret", "goroutine", ".go:", "disk on fire", "/var/lib"} {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("%s: response reveals %q: %s", path, secret, r)
			}
		}
	}
	logs := env.logs.String()
	if !strings.Contains(logs, "secret-internal-detail") || !strings.Contains(logs, "goroutine") {
		t.Errorf("the panic and its stack are not logged:\n%s", logs)
	}
	for _, rec := range env.logs.records(t) {
		if rec["level"] == "ERROR" {
			if status, _ := rec["status"].(float64); status < 500 {
				t.Errorf("a %v was logged as an error: %v", rec["status"], rec)
			}
		}
	}
}

func runScenarios(t *testing.T, base string, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := do(t, sc.method, base+sc.path, sc.headers, sc.body)
			for k, v := range sc.want {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if sc.slug == "" {
				if r.status != sc.status {
					t.Fatalf("status %d, want %d: %s", r.status, sc.status, r)
				}
				return
			}
			p := mustProblem(t, r, sc.status, sc.slug)
			if sc.title != "" && p.Title != sc.title {
				t.Errorf("title %q, want %q", p.Title, sc.title)
			}
			if sc.pointer != nil {
				if len(p.Errors) != 1 {
					t.Fatalf("want one field error, got %s", r)
				}
				if p.Errors[0].Pointer != *sc.pointer {
					t.Errorf("pointer %q, want %q", p.Errors[0].Pointer, *sc.pointer)
				}
			}
			if sc.detail != "" {
				detail := p.Detail
				if len(p.Errors) > 0 {
					detail = p.Errors[0].Detail
				}
				if !strings.Contains(detail, sc.detail) {
					t.Errorf("detail %q, want it to mention %q", detail, sc.detail)
				}
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	env := newTestEnv(t, Config{})
	base := serve(t, env.testApp(t, mountTestRoutes))
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)

	r := do(t, "GET", base+"/healthz", map[string]string{"X-Request-Id": "req-42.a:b_c"}, "")
	if got := r.header.Get("X-Request-Id"); got != "req-42.a:b_c" {
		t.Errorf("a sane id is passed through: got %q", got)
	}
	r = do(t, "GET", base+"/nowhere", map[string]string{"X-Request-Id": "trace-7"}, "")
	if p := mustProblem(t, r, 404, "not-found"); p.Instance != "urn:request:trace-7" {
		t.Errorf("instance %q", p.Instance)
	}
	for _, insane := range []string{"", "has space", "new\\nline", "<script>", strings.Repeat("a", 129)} {
		r := do(t, "GET", base+"/healthz", map[string]string{"X-Request-Id": insane}, "")
		if got := r.header.Get("X-Request-Id"); !generated.MatchString(got) {
			t.Errorf("for %q want a generated id, got %q", insane, got)
		}
	}
	a := do(t, "GET", base+"/healthz", nil, "").header.Get("X-Request-Id")
	b := do(t, "GET", base+"/healthz", nil, "").header.Get("X-Request-Id")
	if !generated.MatchString(a) || a == b {
		t.Errorf("generated ids %q and %q", a, b)
	}

	// Every log line of a request carries its id; the access log names the
	// route template, never the path, query or client address.
	do(t, "GET", base+"/test/items/AB12CDE?email=jo@example.com", map[string]string{"X-Request-Id": "find-me"}, "")
	var found bool
	for _, rec := range env.logs.records(t) {
		if rec["request_id"] != "find-me" {
			continue
		}
		found = true
		if rec["route"] != "/test/items/:id" || rec["status"] != float64(200) || rec["method"] != "GET" {
			t.Errorf("access log record %v", rec)
		}
		if _, ok := rec["duration_us"].(float64); !ok {
			t.Errorf("no duration in %v", rec)
		}
	}
	if !found {
		t.Fatalf("no log line with the request id:\n%s", env.logs)
	}
	for _, leak := range []string{"AB12CDE", "jo@example.com", "127.0.0.1", "nowhere"} {
		if strings.Contains(env.logs.String(), leak) {
			t.Errorf("the log holds %q:\n%s", leak, env.logs)
		}
	}
}

func TestLocalizedProblems(t *testing.T) {
	env := newTestEnv(t, Config{})
	base := serve(t, env.testApp(t, mountTestRoutes))
	tests := []struct {
		name, path, acceptLanguage string
		lang, title                string
	}{
		{"English by default", "/nope", "", "en", "Not found"},
		{"Welsh", "/nope", "cy", "cy", "Heb ei ganfod"},
		{"Welsh with a region", "/nope", "cy-GB,en;q=0.5", "cy", "Heb ei ganfod"},
		{"Polish", "/nope", "pl-PL", "pl", "Nie znaleziono"},
		{"Arabic", "/nope", "ar-EG", "ar", "غير موجود"},
		{"first supported preference wins", "/nope", "fr-FR, de;q=0.9, pl;q=0.8", "pl", "Nie znaleziono"},
		{"unsupported falls back to English", "/nope", "fr", "en", "Not found"},
		{"garbage falls back to English", "/nope", ";;;q=x", "en", "Not found"},
		{"?lang= beats Accept-Language", "/nope?lang=pl", "cy", "pl", "Nie znaleziono"},
		{"an unknown ?lang= is ignored", "/nope?lang=xx-zz", "cy", "cy", "Heb ei ganfod"},
		{"the account's language beats ?lang=", "/test/account-language?lang=pl", "cy", "ar", "غير موجود"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.acceptLanguage != "" {
				h["Accept-Language"] = tt.acceptLanguage
			}
			r := do(t, "GET", base+tt.path, h, "")
			p := mustProblem(t, r, 404, "not-found")
			if got := r.header.Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language %q, want %q", got, tt.lang)
			}
			if p.Title != tt.title {
				t.Errorf("title %q, want %q", p.Title, tt.title)
			}
		})
	}
	// Field messages are localized too, and successes say their language.
	r := do(t, "POST", base+"/test/echo?lang=cy", map[string]string{"Content-Type": jsonCT}, `{"age": "deg"}`)
	if p := mustProblem(t, r, 400, "invalid-body"); p.Errors[0].Detail != "Rhaid i hwn fod yn rhif cyfan." {
		t.Errorf("Welsh field detail %q", p.Errors[0].Detail)
	}
	r = do(t, "GET", base+"/healthz", map[string]string{"Accept-Language": "ar"}, "")
	if r.status != 200 || r.header.Get("Content-Language") != "ar" || !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
		t.Errorf("success: %d, Content-Language %q, Vary %q", r.status, r.header.Get("Content-Language"), r.header.Get("Vary"))
	}
}

// TestEveryMessageIDExists keeps the error table and the catalog in step.
func TestEveryMessageIDExists(t *testing.T) {
	env := newTestEnv(t, Config{})
	kinds := []problemKind{kindBadRequest, kindMalformedJSON, kindInvalidBody, kindBadCursor, kindBadIdempotencyKey,
		kindNotFound, kindMethodNotAllowed, kindTimeout, kindConflict, kindDuplicate, kindIdempotencyBusy, kindTooLarge,
		kindFileTooLarge, kindUnsupportedMedia, kindValidation, kindIdempotencyKeyReuse, kindRateLimited,
		kindHeadersTooLarge, kindRequestError, kindInternal, kindUnavailable}
	ids := []string{"FieldSyntax", "FieldUnknown", "FieldWantString", "FieldWantNumber", "FieldWantInteger", "FieldWantBoolean",
		"FieldWantObject", "FieldWantArray", "FieldWantTime", "FieldOutOfRange", "FieldInvalidValue", "FieldRequired",
		"FieldTooLong", "BodyEmpty", "BodyTrailing", "BodyNotUTF8"}
	for _, k := range kinds {
		ids = append(ids, k.title, k.detail)
	}
	for i := range env.srv.langs.tags {
		for _, id := range ids {
			if got := env.srv.langs.localize(i, id, map[string]any{"Count": 3}, 3); got == id || got == "" {
				t.Errorf("%s: message %q is missing", env.srv.langs.name(i), id)
			}
		}
	}
}
