package notify

import (
	"errors"
	"strings"

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
// maps it (404).
var ErrNotFound = store.ErrNotFound

// Errors of this package's own. They are programming or configuration
// errors, not bad input from a person.
var (
	// ErrBadEvent: an Event a caller built is incomplete or malformed.
	ErrBadEvent = errors.New("notify: invalid event")
	// ErrBadResident: the resident id is empty or not an id.
	ErrBadResident = errors.New("notify: invalid resident id")
	// ErrNoChannel: nothing is configured to send this kind of message.
	ErrNoChannel = errors.New("notify: no channel configured for this message")
)

// Message ids of validation errors. The first five exist in locales already
// (en.toml, auth.en.toml); the Notify* ones are in notify.en.toml.
const (
	MsgRequired     = "FieldRequired"
	MsgTooLong      = "FieldTooLong" // {{.Count}} characters at most
	MsgTextInvalid  = "TextInvalidCharacters"
	MsgTooMany      = "TooManyItems" // {{.Count}} entries at most
	MsgDuplicate    = "DuplicateValue"
	MsgTopicUnknown = "NotifyTopicUnknown"
	MsgChannelUnkn  = "NotifyChannelUnknown"
	MsgAreaInvalid  = "NotifyAreaInvalid"
	MsgAlertTopic   = "NotifyAlertTopicInvalid"
	MsgURLInvalid   = "NotifyURLInvalid"
)

// checker gathers field errors so one answer lists everything wrong.
type checker = fields.Checker

// pointerToken escapes one JSON Pointer reference token (RFC 6901).
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
