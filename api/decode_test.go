package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		body    string
		slug    string // "" when it decodes
		pointer string
		message string
	}{
		{`{"name":"Jo","age":30,"tags":["a"],"address":{"postcode":"CF10 1AA"}}`, "", "", ""},
		{` {"name":"Jo"} ` + "\n", "", "", ""},
		{`null`, "", "", ""},
		{``, "malformed-json", "", "BodyEmpty"},
		{`   `, "malformed-json", "", "BodyEmpty"},
		{`{"name":"Jo"}x`, "malformed-json", "", "BodyTrailing"},
		{`{"name":"Jo"}]`, "malformed-json", "", "BodyTrailing"},
		{`{"name" "Jo"}`, "malformed-json", "/name", "FieldSyntax"},
		{`{"name":"Jo",}`, "malformed-json", "", "FieldSyntax"},
		{`{"address":{"lines":["a",,"b"]}}`, "malformed-json", "/address/lines/1", "FieldSyntax"},
		{`{"extra":{"x/y":tru}}`, "malformed-json", "/extra/x~1y", "FieldSyntax"},
		{`{"extra":{"x":01}}`, "malformed-json", "/extra", "FieldSyntax"},
		{`{"name":"Jo`, "malformed-json", "/name", "FieldSyntax"},
		{`{"name":"Jo","tags":[`, "malformed-json", "/tags", "FieldSyntax"},
		{`{"age":true}`, "invalid-body", "/age", "FieldWantInteger"},
		{`{"age":-1e3}`, "invalid-body", "/age", "FieldWantInteger"},
		{`{"score":"high"}`, "invalid-body", "/score", "FieldWantNumber"},
		{`{"name":["Jo"]}`, "invalid-body", "/name", "FieldWantString"},
		{`{"tags":"a,b"}`, "invalid-body", "/tags", "FieldWantArray"},
		{`{"address":"1 High St"}`, "invalid-body", "/address", "FieldWantObject"},
		{`{"extra":{"a":1,"b":"two"}}`, "invalid-body", "/extra/b", "FieldWantInteger"},
		{`{"address":{"lines":["a",{"b":1}]}}`, "invalid-body", "/address/lines/1", "FieldWantString"},
		{`{"when":12}`, "invalid-body", "/when", "FieldWantTime"},
		{`{"when":"2025-13-01T00:00:00Z"}`, "invalid-body", "/when", "FieldWantTime"},
		{`{"name":"Jo","address":{"postcode":"x","county":"y"}}`, "invalid-body", "/address/county", "FieldUnknown"},
		{`{"a~b":1}`, "invalid-body", "/a~0b", "FieldUnknown"},
		{`"just a string"`, "invalid-body", "", "FieldWantObject"},
	}
	for _, tt := range tests {
		var v echoRequest
		err := decodeBody([]byte(tt.body), &v)
		if tt.slug == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.body, err)
			}
			continue
		}
		p, ok := err.(*problem)
		if !ok {
			t.Errorf("%s: want a problem, got %v", tt.body, err)
			continue
		}
		if p.kind.slug != tt.slug || len(p.fields) != 1 || p.fields[0].pointer != tt.pointer || p.fields[0].message != tt.message {
			t.Errorf("%s: got %s %+v, want %s %q %s", tt.body, p.kind.slug, p.fields, tt.slug, tt.pointer, tt.message)
		}
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	for _, depth := range []int{500, 20000} {
		body := `{"extra":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}"
		var v echoRequest
		p, ok := decodeBody([]byte(body), &v).(*problem)
		if !ok || p.kind.status != 400 {
			t.Fatalf("depth %d: %v", depth, p)
		}
		if ptr := p.fields[0].pointer; !strings.HasPrefix(ptr, "/extra") || strings.Count(ptr, "/") > maxWalkDepth+1 {
			t.Errorf("depth %d: pointer of %d segments", depth, strings.Count(ptr, "/"))
		}
	}
}

// FuzzDecodeJSON posts arbitrary bodies and content types through the full
// middleware chain to a handler that decodes them: it must never panic nor
// answer 5xx, problems must be well formed, and when the body is valid JSON
// every pointer must point into it.
func FuzzDecodeJSON(f *testing.F) {
	env := newTestEnv(f, Config{})
	handler := env.testApp(f, mountTestRoutes).Handler()
	for _, seed := range []struct{ ct, body string }{
		{jsonCT, `{"name":"Jo","age":30,"when":"2025-01-31T09:30:00Z","tags":["a"],"extra":{"k":1},"address":{"postcode":"CF10 1AA","lines":["1 High St"]}}`},
		{jsonCT, `{"age":"ten"}`},
		{jsonCT, `{"tags":["a",,]}`},
		{jsonCT, `{"address":{"nope":1}}`},
		{jsonCT, `{"a/b~c":"x","A/B~C":"y"}`},
		{jsonCT, `{"when":"soon"}`},
		{jsonCT, `[[[[[[[[[[]]]]]]]]]]`},
		{jsonCT, `{} {}`},
		{jsonCT, "\xff\xfe"},
		{jsonCT, ``},
		{"application/problem+json; charset=UTF-8", `{"score":1e999}`},
		{"text/plain", `{}`},
		{"application/json; charset", `{}`},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/test/echo")
		ctx.Request.Header.SetContentType(contentType)
		ctx.Request.SetBody(body)
		handler(&ctx)
		status := ctx.Response.StatusCode()
		if status >= 500 {
			t.Fatalf("%d for %q %q: %s", status, contentType, body, ctx.Response.Body())
		}
		if status == 200 {
			return
		}
		if ct := string(ctx.Response.Header.ContentType()); ct != "application/problem+json" {
			t.Fatalf("%d with Content-Type %q", status, ct)
		}
		var p problemBody
		if err := json.Unmarshal(ctx.Response.Body(), &p); err != nil || p.Status != status || p.Title == "" || p.Detail == "" {
			t.Fatalf("malformed problem %s: %v", ctx.Response.Body(), err)
		}
		var doc any
		valid := json.Unmarshal(body, &doc) == nil
		for _, e := range p.Errors {
			if e.Pointer != "" && !strings.HasPrefix(e.Pointer, "/") || e.Detail == "" {
				t.Fatalf("bad field error %+v", e)
			}
			if valid && p.Status == 400 && strings.HasSuffix(p.Type, "/invalid-body") && !resolves(doc, e.Pointer) {
				t.Fatalf("pointer %q is not in %s", e.Pointer, body)
			}
		}
	})
}

// resolves says whether an RFC 6901 pointer names a value in doc.
func resolves(doc any, pointer string) bool {
	if pointer == "" {
		return true
	}
	for _, seg := range strings.Split(pointer[1:], "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[seg]
			if !ok {
				return false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) {
				return false
			}
			doc = v[i]
		default:
			return false
		}
	}
	return true
}
