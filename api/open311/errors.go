package open311

import "strings"

// Message ids (go-i18n, already in locales) for admin input, which the HTTP
// layer turns into problem+json. Open311 clients get Error objects instead.
const (
	MsgRequired     = "FieldRequired"     // This field is required.
	MsgTooLong      = "FieldTooLong"      // Use at most {{.Count}} characters.
	MsgInvalidValue = "FieldInvalidValue" // This value is not in the expected format.
)

// FieldError is one thing wrong with one value of an admin's input: where
// (an RFC 6901 JSON Pointer), what (a go-i18n message id) and its data.
type FieldError struct {
	Pointer string         `json:"pointer"`
	ID      string         `json:"id"`
	Data    map[string]any `json:"data,omitempty"`
}

// ValidationError lists everything wrong with an admin's input (a 400 problem).
type ValidationError struct {
	Fields []FieldError
}

// Error names pointers and ids only, never values.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Pointer + " " + f.ID
	}
	return "open311: invalid: " + strings.Join(parts, "; ")
}

// EachField gives the HTTP layer every field error without it importing
// this package's types.
func (e *ValidationError) EachField(fn func(pointer, id string, data map[string]any)) {
	for _, f := range e.Fields {
		fn(f.Pointer, f.ID, f.Data)
	}
}
