package catalogue

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzFormCheck: whatever a client sends as answers, Check returns field
// errors under the answers' pointer or normalized values, never a panic;
// and accepted values, sent again, are accepted unchanged (normalizing is
// stable, so a resubmitted offline report reads the same).
func FuzzFormCheck(f *testing.F) {
	for _, seed := range []string{
		`{` + goodAnswers + `}`,
		`{` + goodAnswers + `, "private": true, "owner": " Zoë ", "count": 2.5, "when": "2025-12-31", "more": "a\r\nb", "addr": {"line1": "1 Armada Way", "postcode": "pl12aa", "uprn": "1"}, "photos": ["x"]}`,
		`{"location": {"lat": 50.3746, "lng": -4.1946}, "kind": ["a"], "private": "true", "owner": {"$gt": ""}}`,
		`{"count": 1e400, "when": "2025-02-30", "addr": {"line1": {"a": 1}}, "photos": ["a","a"], "x/y~z": null}`,
		`{"location": [[[[[]]]]], "kind": "\u0000", "more": "\ud800", "photos": [1, null, "../x"]}`,
	} {
		f.Add([]byte(seed))
	}
	form := testForm()
	f.Fuzz(func(t *testing.T, body []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			return
		}
		a, errs := form.Check(raw, Plymouth, answersPtr, testNow)
		if len(errs) > 0 {
			for _, e := range errs {
				if !strings.HasPrefix(e.Pointer, answersPtr+"/") || e.ID == "" {
					t.Fatalf("error %+v is not a field of the answers", e)
				}
			}
			if a.Values != nil {
				t.Fatalf("refused answers came back with values %v", a.Values)
			}
			return
		}
		for id := range a.Values {
			if !formHas(form, id) {
				t.Fatalf("value for %q, which the form lacks", id)
			}
		}
		again, err := json.Marshal(a.Values)
		if err != nil {
			t.Fatalf("values are not JSON: %v", err)
		}
		var raw2 map[string]json.RawMessage
		json.Unmarshal(again, &raw2)
		b, errs := form.Check(raw2, Plymouth, answersPtr, testNow)
		if len(errs) > 0 || !reflect.DeepEqual(a.Values, b.Values) {
			t.Fatalf("accepted values %s not stable: %v\n%v\n%v", again, errs, a.Values, b.Values)
		}
	})
}

func formHas(f Form, id string) bool {
	for _, q := range f.Questions {
		if q.ID == id {
			return true
		}
	}
	return false
}
