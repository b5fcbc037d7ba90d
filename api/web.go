package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"path"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/locales"
)

// webApp is the resident web app (package frontend): its files, and the
// pieces made per language at start-up: the page every app path opens with
// (the shell), the manifest and the app's messages.
type webApp struct {
	files     map[string]webFile // "/app/main.js" -> file
	shells    []webFile          // per language index (s.langs)
	manifests []webFile
	messages  []webFile
}

type webFile struct {
	body  []byte
	ctype string
	etag  string
}

func newWebFile(body []byte, ctype string) webFile {
	sum := sha256.Sum256(body)
	return webFile{body: body, ctype: ctype, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// rtl are the languages written right to left.
var rtl = map[string]bool{"ar": true}

// newWebApp reads every file of fsys into memory (the app is small, and
// serving from memory keeps a request free of disk) and renders its shell,
// index.html, once per language.
func (s *Server) newWebApp(fsys fs.FS) (*webApp, error) {
	w := &webApp{files: map[string]webFile{}}
	var shell *template.Template
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if name == "index.html" {
			shell, err = template.New(name).Parse(string(body))
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = fiber.MIMEOctetStream
		}
		w.files["/"+name] = newWebFile(body, ctype)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: web app: %w", err)
	}
	if shell == nil {
		return nil, fmt.Errorf("api: web app: no index.html")
	}
	if err := w.stampServiceWorker(); err != nil {
		return nil, err
	}
	for i, lang := range s.langs.names {
		t := func(id string) string { return s.langs.localize(i, id, nil, nil) }
		dir := "ltr"
		if rtl[lang] {
			dir = "rtl"
		}
		var buf bytes.Buffer
		if err := shell.Execute(&buf, map[string]any{"Lang": lang, "Dir": dir, "T": t}); err != nil {
			return nil, fmt.Errorf("api: web app shell: %w", err)
		}
		w.shells = append(w.shells, newWebFile(buf.Bytes(), fiber.MIMETextHTMLCharsetUTF8))

		manifest, err := json.Marshal(webManifest(lang, dir, t))
		if err != nil {
			return nil, err
		}
		w.manifests = append(w.manifests, newWebFile(manifest, "application/manifest+json"))

		msgs, err := locales.Web(lang)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(map[string]any{"lang": lang, "dir": dir, "messages": msgs})
		if err != nil {
			return nil, err
		}
		w.messages = append(w.messages, newWebFile(body, fiber.MIMEApplicationJSONCharsetUTF8))
	}
	return w, nil
}

// stampServiceWorker writes into sw.js the files it precaches and a version
// that changes with any of them, so a
// changed app reinstalls its worker and no one runs a stale mix of files.
func (w *webApp) stampServiceWorker() error {
	sw, ok := w.files["/sw.js"]
	if !ok {
		return nil
	}
	names := slices.Sorted(maps.Keys(w.files))
	names = slices.DeleteFunc(names, func(n string) bool { return n == "/sw.js" })
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n + w.files[n].etag))
	}
	list, err := json.Marshal(names)
	if err != nil {
		return err
	}
	version := base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
	body := bytes.Replace(sw.body, []byte(`'__APP_VERSION__'`), []byte(`"`+version+`"`), 1)
	body = bytes.Replace(body, []byte(`['__APP_FILES__']`), list, 1)
	if bytes.Equal(body, sw.body) {
		return fmt.Errorf("api: web app: sw.js lacks its placeholders")
	}
	w.files["/sw.js"] = newWebFile(body, sw.ctype)
	return nil
}

// webManifest is the web app manifest: what makes the app installable.
func webManifest(lang, dir string, t func(string) string) map[string]any {
	icon := func(size, purpose string) map[string]string {
		name := "/icons/icon-" + size + ".png"
		if purpose == "maskable" {
			name = "/icons/icon-" + size + "-maskable.png"
		}
		return map[string]string{"src": name, "sizes": size + "x" + size, "type": "image/png", "purpose": purpose}
	}
	return map[string]any{
		"id":               "/",
		"name":             t("WebAppName"),
		"short_name":       t("WebAppShortName"),
		"description":      t("WebAppDescription"),
		"lang":             lang,
		"dir":              dir,
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"background_color": "#ffffff",
		"theme_color":      "#1d70b8",
		"icons": []any{
			icon("192", "any"), icon("512", "any"),
			icon("192", "maskable"), icon("512", "maskable"),
		},
	}
}

// webFileRoute serves the app's files; webPage answers every other GET that
// is not the API's with the shell in the request's language, so a link to
// /cases/ABC-DEF-GHJ opens the app there. Neither is ever stored by a shared
// cache for long: the service worker keeps the app for offline use, and
// no-cache with an ETag makes a revisit cost a 304.
func (s *Server) webFileRoute(c *fiber.Ctx) error {
	p := c.Path()
	if f, ok := s.web.files[p]; ok {
		return sendWebFile(c, f)
	}
	if p == "/manifest.webmanifest" {
		return sendWebFile(c, s.web.manifests[s.langs.pick(c)])
	}
	section, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !webSections[section] {
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/open311/") || strings.Contains(path.Base(p), ".") || !acceptsHTML(c) {
			return c.Next() // the API's own problem+json 404
		}
		// The app tells a person the page is not there; the status tells
		// search engines and link checkers.
		c.Status(fiber.StatusNotFound)
	}
	return sendWebFile(c, s.web.shells[s.langs.pick(c)])
}

// webSections are the first parts of the app's page paths (the routes in
// frontend/public/app/main.js; a test keeps the two lists together).
var webSections = map[string]bool{
	"": true, "services": true, "report": true, "cases": true, "track": true, "sign-in": true, "register": true,
	"account": true, "settings": true, "accessibility": true, "privacy": true, "kiosk": true, "handoff": true, "staff": true,
}

func acceptsHTML(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// webMessages is GET /api/v1/locales/{lang}: the web app's words.
func (s *Server) webMessages(c *fiber.Ctx) error {
	i, ok := s.langs.match(c.Params("lang"))
	if !ok || s.langs.name(i) != c.Params("lang") {
		return fiber.ErrNotFound
	}
	return sendWebFile(c, s.web.messages[i])
}

func sendWebFile(c *fiber.Ctx, f webFile) error {
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderETag, f.etag)
	if c.Get(fiber.HeaderIfNoneMatch) == f.etag && c.Response().StatusCode() == fiber.StatusOK {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	return c.Send(f.body)
}
