package catalogue

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const answersPtr = "/items/0/answers"

// goodAnswers answers the required questions well, in the city centre.
const goodAnswers = `"location": {"lat": 50.3755, "lng": -4.1427}, "kind": "a"`

func checkAnswers(tb testing.TB, body string) (Answers, map[string]string) {
	tb.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte("{"+body+"}"), &raw); err != nil {
		tb.Fatalf("test body {%s}: %v", body, err)
	}
	a, errs := testForm().Check(raw, Plymouth, answersPtr, testNow)
	return a, fieldMap(errs)
}

func TestCheckAcceptsAndNormalizesEveryType(t *testing.T) {
	a, errs := checkAnswers(t, goodAnswers+`,
		"private": true, "owner": "  Mr Jones  ", "count": 3, "when": "2026-02-28",
		"more": "Line one\r\nLine two\twith a tab", "addr": {"line1": " 1 Armada Way ", "town": "Plymouth", "postcode": "pl1 2aa", "uprn": "100040449999"},
		"photos": ["att_1", "att-2"]`)
	if len(errs) > 0 {
		t.Fatalf("good answers refused: %v", errs)
	}
	want := map[string]any{
		"location": map[string]any{"lat": 50.3755, "lng": -4.1427}, "kind": "a", "private": true,
		"owner": "Mr Jones", "count": 3.0, "when": "2026-02-28", "more": "Line one\nLine two\twith a tab",
		"addr":   map[string]any{"line1": "1 Armada Way", "town": "Plymouth", "postcode": "PL1 2AA", "uprn": "100040449999"},
		"photos": []any{"att_1", "att-2"},
	}
	if !reflect.DeepEqual(a.Values, want) {
		t.Errorf("values\n got %#v\nwant %#v", a.Values, want)
	}
	if a.Point == nil || *a.Point != (Point{50.3755, -4.1427}) || a.Postcode != "PL1 2AA" {
		t.Errorf("point %v, postcode %q", a.Point, a.Postcode)
	}
	wantPhotos := []PhotoRef{{answersPtr + "/photos/0", "att_1"}, {answersPtr + "/photos/1", "att-2"}}
	if !reflect.DeepEqual(a.Photos, wantPhotos) {
		t.Errorf("photos %v, want %v", a.Photos, wantPhotos)
	}
	if b, err := json.Marshal(a.Values); err != nil || !strings.Contains(string(b), `"count":3`) {
		t.Errorf("values are not JSON-ready: %s, %v", b, err)
	}
}

// TestCheckRefusesBadAnswers: per question type, the good answer's
// wrong-typed, missing, over-long, hostile and out-of-range neighbours.
func TestCheckRefusesBadAnswers(t *testing.T) {
	p := func(s string) string { return answersPtr + "/" + s }
	long := strings.Repeat("x", 201)
	tests := []struct {
		name string
		body string
		ptr  string
		id   string
	}{
		{"required point missing", `"kind": "a"`, p("location"), MsgRequired},
		{"required point null", `"kind": "a", "location": null`, p("location"), MsgRequired},
		{"required point empty object", `"kind": "a", "location": {}`, p("location"), MsgRequired},
		{"required choice blank", `"location": {"lat": 50.3755, "lng": -4.1427}, "kind": "  "`, p("kind"), MsgRequired},
		{"unknown question", goodAnswers + `, "colour": "red"`, p("colour"), MsgQuestionUnknown},
		{"unknown question with a slash", goodAnswers + `, "a/b~c": 1`, p("a~1b~0c"), MsgQuestionUnknown},
		{"text as a number", goodAnswers + `, "private": true, "owner": 42`, p("owner"), MsgInvalidValue},
		{"text over 200 characters", goodAnswers + `, "private": true, "owner": "` + long + `"`, p("owner"), MsgTooLong},
		{"text with NUL", goodAnswers + `, "private": true, "owner": "a\u0000b"`, p("owner"), MsgTextInvalid},
		{"text with a line break", goodAnswers + `, "private": true, "owner": "a\nb"`, p("owner"), MsgTextInvalid},
		{"text with a bidi override", goodAnswers + `, "private": true, "owner": "a\u202eb"`, p("owner"), MsgTextInvalid},
		{"shown text question unanswered", goodAnswers + `, "private": true`, p("owner"), MsgRequired},
		{"textarea over 4000", goodAnswers + `, "more": "` + strings.Repeat("y", 4001) + `"`, p("more"), MsgTooLong},
		{"textarea as a list", goodAnswers + `, "more": ["a"]`, p("more"), MsgInvalidValue},
		{"number as a string", goodAnswers + `, "count": "3"`, p("count"), MsgInvalidValue},
		{"number as a boolean", goodAnswers + `, "count": true`, p("count"), MsgInvalidValue},
		{"number below min", goodAnswers + `, "count": 0`, p("count"), MsgNumberRange},
		{"number above max", goodAnswers + `, "count": 10.5`, p("count"), MsgNumberRange},
		{"number beyond float64", goodAnswers + `, "count": 1e400`, p("count"), MsgInvalidValue},
		{"date not real", goodAnswers + `, "when": "2025-02-30"`, p("when"), MsgDateInvalid},
		{"date without zero padding", goodAnswers + `, "when": "2025-2-3"`, p("when"), MsgDateInvalid},
		{"date with a time", goodAnswers + `, "when": "2025-02-03T10:00:00Z"`, p("when"), MsgDateInvalid},
		{"date before 1900", goodAnswers + `, "when": "1899-12-31"`, p("when"), MsgDateOutOfRange},
		{"date beyond two years", goodAnswers + `, "when": "2028-03-03"`, p("when"), MsgDateOutOfRange},
		{"date as a number", goodAnswers + `, "when": 20250101`, p("when"), MsgInvalidValue},
		{"choice not offered", `"location": {"lat": 50.3755, "lng": -4.1427}, "kind": "c"`, p("kind"), MsgNotAllowed},
		{"choice in another case", `"location": {"lat": 50.3755, "lng": -4.1427}, "kind": "A"`, p("kind"), MsgNotAllowed},
		{"choice as a list", `"location": {"lat": 50.3755, "lng": -4.1427}, "kind": ["a"]`, p("kind"), MsgInvalidValue},
		{"yes/no as a string", goodAnswers + `, "private": "true"`, p("private"), MsgInvalidValue},
		{"yes/no as a number", goodAnswers + `, "private": 1`, p("private"), MsgInvalidValue},
		{"address without line1", goodAnswers + `, "addr": {"postcode": "PL1 2AA"}`, p("addr/line1"), MsgRequired},
		{"address without postcode", goodAnswers + `, "addr": {"line1": "1 Armada Way"}`, p("addr/postcode"), MsgRequired},
		{"address with a bad postcode", goodAnswers + `, "addr": {"line1": "1 Armada Way", "postcode": "PL1 2A"}`, p("addr/postcode"), MsgPostcodeInvalid},
		{"address with a letter UPRN", goodAnswers + `, "addr": {"line1": "1 Armada Way", "postcode": "PL1 2AA", "uprn": "12ab"}`, p("addr/uprn"), MsgUPRNInvalid},
		{"address with a 13-digit UPRN", goodAnswers + `, "addr": {"line1": "1 Armada Way", "postcode": "PL1 2AA", "uprn": "1234567890123"}`, p("addr/uprn"), MsgUPRNInvalid},
		{"address with an unknown key", goodAnswers + `, "addr": {"line1": "1 Armada Way", "postcode": "PL1 2AA", "county": "Devon"}`, p("addr/county"), MsgFieldUnknown},
		{"address as a string", goodAnswers + `, "addr": "1 Armada Way, PL1 2AA"`, p("addr"), MsgInvalidValue},
		{"address line as a number", goodAnswers + `, "addr": {"line1": 1, "postcode": "PL1 2AA"}`, p("addr/line1"), MsgInvalidValue},
		{"address town over 100", goodAnswers + `, "addr": {"line1": "1", "town": "` + strings.Repeat("t", 101) + `", "postcode": "PL1 2AA"}`, p("addr/town"), MsgTooLong},
		{"point in Cornwall", `"kind": "a", "location": {"lat": 50.3746, "lng": -4.1946}`, p("location"), MsgPointOutside},
		{"point latitude beyond 90", `"kind": "a", "location": {"lat": 91, "lng": -4.1}`, p("location/lat"), MsgOutOfRange},
		{"point longitude as a string", `"kind": "a", "location": {"lat": 50.37, "lng": "-4.14"}`, p("location/lng"), MsgInvalidValue},
		{"point without longitude", `"kind": "a", "location": {"lat": 50.37}`, p("location/lng"), MsgRequired},
		{"point with an extra key", `"kind": "a", "location": {"lat": 50.3755, "lng": -4.1427, "alt": 3}`, p("location/alt"), MsgFieldUnknown},
		{"point as a pair", `"kind": "a", "location": [50.3755, -4.1427]`, p("location"), MsgInvalidValue},
		{"six photos", goodAnswers + `, "photos": ["a","b","c","d","e","f"]`, p("photos"), MsgTooMany},
		{"photo id with a path", goodAnswers + `, "photos": ["../../etc/passwd"]`, p("photos/0"), MsgInvalidValue},
		{"photo id too long", goodAnswers + `, "photos": ["` + strings.Repeat("p", 65) + `"]`, p("photos/0"), MsgInvalidValue},
		{"photo id as a number", goodAnswers + `, "photos": ["ok", 7]`, p("photos/1"), MsgInvalidValue},
		{"photo twice", goodAnswers + `, "photos": ["ok", "ok"]`, p("photos/1"), MsgDuplicate},
		{"photos as a string", goodAnswers + `, "photos": "ok"`, p("photos"), MsgInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, errs := checkAnswers(t, tt.body)
			if errs[tt.ptr] != tt.id || len(errs) != 1 {
				t.Errorf("errors %v; want only %s at %s", errs, tt.id, tt.ptr)
			}
			if a.Values != nil || a.Point != nil || a.Photos != nil {
				t.Errorf("refused answers came back with values: %+v", a)
			}
		})
	}
}

func TestCheckNamesLimitsInMessages(t *testing.T) {
	var raw map[string]json.RawMessage
	json.Unmarshal([]byte(`{"count": 11, "more": "`+strings.Repeat("é", 4001)+`", "photos": ["a","b","c","d","e","f"]}`), &raw)
	_, errs := testForm().Check(raw, Plymouth, "", testNow)
	data := map[string]map[string]any{}
	for _, e := range errs {
		data[e.Pointer] = e.Data
	}
	if d := data["/count"]; d["Min"] != "1" || d["Max"] != "10" {
		t.Errorf("number range data %v", d)
	}
	if d := data["/more"]; d["Count"] != 4000 {
		t.Errorf("too long data %v", d)
	}
	if d := data["/photos"]; d["Count"] != MaxPhotos {
		t.Errorf("too many data %v", d)
	}
	if ids := fieldMap(errs); len(errs) != 5 || ids["/location"] != MsgRequired || ids["/kind"] != MsgRequired {
		t.Errorf("want five errors at once, got %v", errs)
	}
}

func TestCheckCountsCharactersNotBytes(t *testing.T) {
	f := Form{Questions: []Question{{ID: "name", Type: TypeText, Label: en("Name"), MaxLength: 5}}}
	for _, tt := range []struct {
		in string
		ok bool
	}{{"Zoë Abc", false}, {"Łódź", true}, {"e\u0301e\u0301e\u0301e\u0301e\u0301", true}, {"محمدا", true}, {"محمدان", false}} {
		b, _ := json.Marshal(tt.in)
		_, errs := f.Check(map[string]json.RawMessage{"name": b}, Plymouth, "", testNow)
		if (len(errs) == 0) != tt.ok {
			t.Errorf("%q: errors %v, want ok=%v", tt.in, errs, tt.ok)
		}
	}
}

// TestCheckHiddenQuestions: a question whose condition is not met is not
// asked, so its answer is dropped without complaint and it is never required.
func TestCheckHiddenQuestions(t *testing.T) {
	for _, tt := range []struct {
		name      string
		body      string
		wantOwner any
	}{
		{"condition not met", goodAnswers + `, "private": false, "owner": "Mr Jones"`, nil},
		{"condition unanswered", goodAnswers + `, "owner": "Mr Jones"`, nil},
		{"condition met", goodAnswers + `, "private": true, "owner": "Mr Jones"`, "Mr Jones"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, errs := checkAnswers(t, tt.body)
			if len(errs) > 0 {
				t.Fatalf("refused: %v", errs)
			}
			if got, ok := a.Values["owner"]; tt.wantOwner == nil && ok || tt.wantOwner != nil && got != tt.wantOwner {
				t.Errorf("owner = %v (present %v), want %v", got, ok, tt.wantOwner)
			}
		})
	}
	// A hidden question's answer is not even checked: junk there is dropped.
	if _, errs := checkAnswers(t, goodAnswers+`, "private": false, "owner": {"$gt": ""}`); len(errs) > 0 {
		t.Errorf("a hidden question's answer was checked: %v", errs)
	}
	// A condition on a wrongly answered question is not met either.
	_, errs := checkAnswers(t, goodAnswers+`, "private": "yes", "owner": "x"`)
	if len(errs) != 1 || errs[answersPtr+"/private"] != MsgInvalidValue {
		t.Errorf("errors %v; want only the yes/no's own", errs)
	}
}

func TestCheckSurvivesHostileInput(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	huge := `"` + strings.Repeat("a", 1<<20) + `"`
	raw := map[string]json.RawMessage{
		"location": json.RawMessage(`{"lat": 1e999, "lng": NaN}`),
		"kind":     json.RawMessage(deep),
		"private":  json.RawMessage(`tru`),
		"count":    json.RawMessage(`-`),
		"when":     json.RawMessage(`"\ud800"`),
		"more":     json.RawMessage(huge),
		"addr":     json.RawMessage(`{"line1": {"line1": {"line1": "x"}}, "postcode": "\u0000"}`),
		"photos":   json.RawMessage(deep),
	}
	for i := range 200 {
		raw[fmt.Sprint("junk", i)] = json.RawMessage(`0`)
	}
	_, errs := testForm().Check(raw, Plymouth, answersPtr, testNow)
	got := fieldMap(errs)
	for _, q := range []string{"location", "kind", "private", "count", "when", "more", "addr/line1", "addr/postcode", "photos"} {
		if got[answersPtr+"/"+q] == "" {
			t.Errorf("no error at %s; got %v", q, got)
		}
	}
	unknown := 0
	for _, id := range got {
		if id == MsgQuestionUnknown {
			unknown++
		}
	}
	if unknown != maxUnknownReported {
		t.Errorf("%d unknown-question errors, want the cap of %d", unknown, maxUnknownReported)
	}
}

func TestCheckAreaWithoutPolygonAcceptsNoPoint(t *testing.T) {
	var raw map[string]json.RawMessage
	json.Unmarshal([]byte(`{`+goodAnswers+`}`), &raw)
	if _, errs := testForm().Check(raw, Area{}, "", testNow); fieldMap(errs)["/location"] != MsgPointOutside {
		t.Errorf("an unset area accepted a point: %v", errs)
	}
}
