// Package frontend holds the installable web app (PWA), resident and kiosk
// profiles alike, embedded into the binary with go:embed from this folder.
// It arrives with its issue; the foundation reserves its place.
package frontend
