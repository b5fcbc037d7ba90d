package fields

import (
	"strings"
	"testing"
)

// TestValidationErrorNamesNoValues: the error text names where and what,
// never the value (it may be someone's email or address).
func TestValidationErrorNamesNoValues(t *testing.T) {
	e := &ValidationError{Fields: []FieldError{{Pointer: "/email", ID: "EmailInvalid", Data: map[string]any{"Value": "ada@example.org"}},
		{Pointer: "/name", ID: "FieldTooLong", Data: map[string]any{"Count": 100}}}}
	if got := e.Error(); got != "invalid: /email EmailInvalid; /name FieldTooLong" || strings.Contains(got, "ada@") {
		t.Errorf("Error() = %q", got)
	}
	var seen []string
	e.EachField(func(p, id string, data map[string]any) { seen = append(seen, p+" "+id) })
	if strings.Join(seen, ",") != "/email EmailInvalid,/name FieldTooLong" {
		t.Errorf("EachField gave %v", seen)
	}
}
