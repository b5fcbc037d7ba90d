// Package fields is the one shape of "what is wrong with this input" that
// every domain package returns and the HTTP layer turns into a 400 problem
// with a JSON Pointer and a localized message per field.
package fields

import "strings"

// FieldError is one thing wrong with one value: where (an RFC 6901 JSON
// Pointer into the input, "" for the whole of it), what (a go-i18n message
// id, not a sentence) and the message's template data ({{.Count}} ...).
type FieldError struct {
	Pointer string         `json:"pointer"`
	ID      string         `json:"id"`
	Data    map[string]any `json:"data,omitempty"`
}

// ValidationError lists everything wrong with an input at once.
type ValidationError struct {
	Fields []FieldError
}

// Error names pointers and ids only: values may be personal data.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Pointer + " " + f.ID
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// EachField gives the HTTP layer every field error.
func (e *ValidationError) EachField(fn func(pointer, id string, data map[string]any)) {
	for _, f := range e.Fields {
		fn(f.Pointer, f.ID, f.Data)
	}
}

// Checker gathers field errors, so that one answer lists everything wrong.
type Checker struct{ Fields []FieldError }

// Add records that the value at ptr is wrong in the way message id says.
func (c *Checker) Add(ptr, id string) { c.Fields = append(c.Fields, FieldError{Pointer: ptr, ID: id}) }

// AddData is Add with the message's template data.
func (c *Checker) AddData(ptr, id string, data map[string]any) {
	c.Fields = append(c.Fields, FieldError{Pointer: ptr, ID: id, Data: data})
}

// AddCount is Add with a {{.Count}} (a limit) for the message.
func (c *Checker) AddCount(ptr, id string, n int) {
	c.Fields = append(c.Fields, FieldError{Pointer: ptr, ID: id, Data: map[string]any{"Count": n}})
}

// Err is a *ValidationError of everything recorded, or nil.
func (c *Checker) Err() error {
	if len(c.Fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: c.Fields}
}
