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

// TestCheckerReportsEverythingOrNothing: no error when nothing was wrong,
// otherwise every field at once with its limit.
func TestCheckerReportsEverythingOrNothing(t *testing.T) {
	var c Checker
	if err := c.Err(); err != nil {
		t.Fatalf("nothing wrong, yet %v", err)
	}
	c.Add("/a", "FieldRequired")
	c.AddCount("/b", "FieldTooLong", 20)
	ve, ok := c.Err().(*ValidationError)
	if !ok || len(ve.Fields) != 2 || ve.Fields[1].Data["Count"] != 20 || ve.Fields[0].Pointer != "/a" {
		t.Fatalf("checker gave %+v", c.Err())
	}
}
