package push

import (
	"errors"
	"unicode"
	"unicode/utf8"

	"frontdoor/api/internal/fields"
	"frontdoor/api/store"
)

// FieldError and ValidationError are the shape every domain package
// reports bad input in (package fields), so the HTTP layer maps them all
// with one rule.
type (
	FieldError      = fields.FieldError
	ValidationError = fields.ValidationError
)

// ErrNotFound is the store's own sentinel, so the HTTP layer's error table
// already maps it (404). Unsubscribing an endpoint that is someone else's
// gets it too: never a hint that the endpoint exists.
var ErrNotFound = store.ErrNotFound

// ErrBadOwner: Subscribe or a send was given no owner, both owners, or an id
// that is not printable text. Owners come from tokens and routes, not from
// a request body, so this is a programming error upstream (a 500).
var ErrBadOwner = errors.New("push: want exactly one of resident or case id, printable, at most 200 bytes")

// Message ids. The first four exist in locales already; the Push ones live
// in locales/push.<lang>.toml.
const (
	MsgRequired     = "FieldRequired"     // This field is required.
	MsgInvalidValue = "FieldInvalidValue" // This value is not in the expected format.
	MsgTooLong      = "FieldTooLong"      // Use at most {{.Count}} characters.
	MsgNotAllowed   = "ValueNotAllowed"

	// MsgEndpointNotAllowed: not https, or a push service we do not send to.
	MsgEndpointNotAllowed = "PushEndpointNotAllowed"
	// MsgKeyInvalid: p256dh is not a P-256 public key, or auth not 16 bytes.
	MsgKeyInvalid = "PushKeyInvalid"
)

// checker gathers field errors so one answer lists everything wrong.
type checker = fields.Checker

// printable refuses invalid UTF-8, control characters and invisible format
// characters (bidi overrides could make a notification read differently);
// newline is allowed where a message body may have paragraphs.
func printable(s string, newlines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\n' && newlines {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError {
			return false
		}
		if unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d' {
			return false
		}
	}
	return true
}

// validOwner checks a resident or case id as a store key.
func validOwner(id string) bool {
	return id != "" && len(id) <= 200 && printable(id, false)
}
