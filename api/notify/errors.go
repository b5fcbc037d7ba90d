package notify

import (
	"errors"
	"strings"

	"frontdoor/api/store"
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

// FieldError is one thing wrong with one value: where (an RFC 6901 JSON
// Pointer into the input), what (a go-i18n message id) and the message's
// template data.
type FieldError struct {
	Pointer string         `json:"pointer"`
	ID      string         `json:"id"`
	Data    map[string]any `json:"data,omitempty"`
}

// ValidationError lists everything wrong with an input at once (a 400).
type ValidationError struct {
	Fields []FieldError
}

// Error names pointers and ids only: values may be personal data.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Pointer + " " + f.ID
	}
	return "notify: invalid: " + strings.Join(parts, "; ")
}

// EachField gives the HTTP layer every field error without it importing
// this package's types.
func (e *ValidationError) EachField(fn func(pointer, id string, data map[string]any)) {
	for _, f := range e.Fields {
		fn(f.Pointer, f.ID, f.Data)
	}
}

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

// checker collects field errors so one answer lists every problem.
type checker struct{ fields []FieldError }

func (c *checker) add(ptr, id string) { c.fields = append(c.fields, FieldError{Pointer: ptr, ID: id}) }

func (c *checker) addCount(ptr, id string, n int) {
	c.fields = append(c.fields, FieldError{Pointer: ptr, ID: id, Data: map[string]any{"Count": n}})
}

func (c *checker) err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: c.fields}
}

// pointerToken escapes one JSON Pointer reference token (RFC 6901).
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
