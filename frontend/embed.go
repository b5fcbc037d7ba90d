// Package frontend is the installable web app (PWA) that residents use on
// their phones and kiosks run in their profile: plain ES modules over the
// JSON API, styled with GOV.UK Frontend, embedded into the binary from
// public/. The stylesheet is compiled from styles/ into public/build by
// `make frontend` (npm, pinned in package-lock.json); tests/ drives the app
// in headless Chromium.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed public
var files embed.FS

// Files are the app's files as the server serves them: "index.html",
// "app/main.js", "build/app.css", ...
func Files() fs.FS {
	sub, err := fs.Sub(files, "public")
	if err != nil {
		panic(err) // "public" is embedded above: cannot happen
	}
	return sub
}
