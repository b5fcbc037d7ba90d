package api

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func webFiles(js string) fstest.MapFS {
	return fstest.MapFS{
		"index.html":  {Data: []byte(`<html lang="{{.Lang}}" dir="{{.Dir}}"><title>{{call .T "WebAppName"}}</title></html>`)},
		"app/main.js": {Data: []byte(js)},
		"sw.js":       {Data: []byte(`const VERSION = '__APP_VERSION__'; const FILES = ['__APP_FILES__'];`)},
	}
}

// TestWebAppPages: every page of the app opens with the shell in the
// request's language (right to left for Arabic); a path the app does not
// have is a 404 the person still sees as a page, and the API keeps its own
// problem+json 404.
func TestWebAppPages(t *testing.T) {
	url := newTestEnvWith(t, Config{}, envOptions{web: webFiles("1")}).start(t)
	html := map[string]string{"Accept": "text/html"}
	r := do(t, "GET", url+"/cases/ABC-DEF-GHJ", map[string]string{"Accept": "text/html", "Accept-Language": "ar"}, "")
	if r.status != 200 || !strings.Contains(string(r.body), `lang="ar" dir="rtl"`) || !strings.Contains(string(r.body), "مجلس مدينة بليموث") {
		t.Errorf("Arabic page: %d %s", r.status, r.body)
	}
	if r.header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("headers %v", r.header)
	}
	if r := do(t, "GET", url+"/?lang=cy", html, ""); !strings.Contains(string(r.body), "Cyngor Dinas Plymouth") {
		t.Errorf("?lang=cy: %s", r.body)
	}
	if r := do(t, "GET", url+"/no-such-section", html, ""); r.status != 404 || !strings.Contains(string(r.body), "<title>Plymouth City Council") {
		t.Errorf("unknown page: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/v1/nothing", "/missing.js"} {
		if r := do(t, "GET", url+path, html, ""); r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
	}
}

// TestWebAppFiles: files come with their type and an ETag, and a revisit
// with that ETag costs a 304 without the body.
func TestWebAppFiles(t *testing.T) {
	url := newTestEnvWith(t, Config{}, envOptions{web: webFiles("export const x = 1;")}).start(t)
	r := do(t, "GET", url+"/app/main.js", nil, "")
	if r.status != 200 || string(r.body) != "export const x = 1;" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("main.js: %d %q %v", r.status, r.body, r.header)
	}
	etag := r.header.Get("ETag")
	if r := do(t, "GET", url+"/app/main.js", map[string]string{"If-None-Match": etag}, ""); r.status != 304 || len(r.body) != 0 {
		t.Errorf("revisit: %d %q", r.status, r.body)
	}
}

// TestServiceWorkerStamp: the worker is told which files to keep and a
// version that changes when any file does, so a new app replaces the old.
func TestServiceWorkerStamp(t *testing.T) {
	sw := func(js string) (version string, files []string) {
		url := newTestEnvWith(t, Config{}, envOptions{web: webFiles(js)}).start(t)
		body := string(do(t, "GET", url+"/sw.js", nil, "").body)
		m := regexp.MustCompile(`VERSION = "([^"]+)"; const FILES = (\[.*\]);`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("sw.js not stamped: %s", body)
		}
		if err := json.Unmarshal([]byte(m[2]), &files); err != nil {
			t.Fatal(err)
		}
		return m[1], files
	}
	v1, files := sw("one")
	if strings.Join(files, ",") != "/app/main.js" {
		t.Errorf("precached %v, want the app's files without the worker and the shell", files)
	}
	if v2, _ := sw("two"); v2 == v1 {
		t.Errorf("version %q did not change with main.js", v1)
	}
	if v3, _ := sw("one"); v3 != v1 {
		t.Errorf("version %q, then %q for the same files", v1, v3)
	}
}

// TestWebManifestAndWords: the manifest has what installing needs, in the
// request's language; the app's words come per language, English where a
// language has no word of its own, and an unknown language is a 404.
func TestWebManifestAndWords(t *testing.T) {
	url := newTestEnvWith(t, Config{}, envOptions{web: webFiles("")}).start(t)
	r := do(t, "GET", url+"/manifest.webmanifest", map[string]string{"Accept-Language": "cy"}, "")
	var m struct {
		Name, ShortName, StartURL, Display, Lang string
		Icons                                    []struct{ Sizes, Purpose string }
	}
	if err := json.Unmarshal(r.body, &m); err != nil || r.header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest: %v %s", err, r.body)
	}
	var raw map[string]any
	json.Unmarshal(r.body, &raw)
	if m.Name != "Cyngor Dinas Plymouth" || raw["short_name"] != "Plymouth" || raw["start_url"] != "/" || raw["display"] != "standalone" || m.Lang != "cy" {
		t.Errorf("manifest %s", r.body)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		sizes[ic.Sizes+" "+ic.Purpose] = true
	}
	for _, want := range []string{"192x192 any", "512x512 any", "192x192 maskable", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("no %s icon: %v", want, m.Icons)
		}
	}

	var words struct {
		Lang, Dir string
		Messages  map[string]any
	}
	r = do(t, "GET", url+"/api/v1/locales/ar", nil, "")
	if err := json.Unmarshal(r.body, &words); err != nil || words.Dir != "rtl" || words.Messages["WebBack"] != "رجوع" {
		t.Errorf("ar words: %v %s", err, r.body)
	}
	if _, ok := words.Messages["ProblemNotFoundTitle"]; ok {
		t.Error("the API's own messages are sent to the app")
	}
	if r := do(t, "GET", url+"/api/v1/locales/fr", nil, ""); r.status != 404 {
		t.Errorf("fr: %d", r.status)
	}
}

// TestWebSectionsMatchTheApp keeps the server's list of the app's page
// sections and the app's router in step: a page the router has must not be
// a 404, and the server must not claim pages the app lacks.
func TestWebSectionsMatchTheApp(t *testing.T) {
	js, err := os.ReadFile("../frontend/public/app/main.js")
	if err != nil {
		t.Fatal(err)
	}
	app := map[string]bool{}
	for _, m := range regexp.MustCompile(`\['(/[^']*)', '`).FindAllStringSubmatch(string(js), -1) {
		section, _, _ := strings.Cut(strings.TrimPrefix(m[1], "/"), "/")
		app[section] = true
	}
	if len(app) < 5 {
		t.Fatalf("found only %v in main.js's routes", app)
	}
	for s := range app {
		if !webSections[s] {
			t.Errorf("the app has /%s pages; the server answers them 404", s)
		}
	}
	for s := range webSections {
		if !app[s] {
			t.Errorf("the server lists /%s, which the app does not have", s)
		}
	}
}
