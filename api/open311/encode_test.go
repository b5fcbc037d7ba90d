package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEncodeEscapesAndCleansText(t *testing.T) {
	hostile := "a < b & c > d \"q\" 'a' ]]> <![CDATA[x]]> </description><evil/>\x00\x01\x1b\x7f\uFFFE\xff\r\nnext\tline"
	want := "a < b & c > d \"q\" 'a' ]]> <![CDATA[x]]> </description><evil/>\x7f\uFFFD\r\nnext\tline"
	r := Request{ID: "1", Status: StatusOpen, Description: hostile, StatusNotes: "\x00\x01"}

	x := encode(t, "xml", r)
	if !bytes.HasPrefix(x, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", x)
	}
	var doc struct {
		Request []struct {
			Description string `xml:"description"`
			StatusNotes string `xml:"status_notes"`
		} `xml:"request"`
	}
	if err := xml.Unmarshal(x, &doc); err != nil {
		t.Fatalf("XML not well-formed: %v\n%s", err, x)
	}
	if len(doc.Request) != 1 || doc.Request[0].Description != want || doc.Request[0].StatusNotes != "" {
		t.Errorf("XML round trip %+q, want %+q", doc.Request, want)
	}
	xmlShape(t, x) // and strictly token by token

	var js []map[string]any
	if err := json.Unmarshal(encode(t, "json", r), &js); err != nil {
		t.Fatal(err)
	}
	if js[0]["description"] != want || js[0]["status_notes"] != nil {
		t.Errorf("JSON round trip %+q / %v, want %+q", js[0]["description"], js[0]["status_notes"], want)
	}
}

func TestEncodeTimesInLondonWithOffset(t *testing.T) {
	r := Request{Requested: winter, Updated: summer, Expected: ptr(summer.Add(90 * time.Minute))}
	var js []map[string]any
	if err := json.Unmarshal(encode(t, "json", []Request{r}), &js); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"requested_datetime": "2026-01-15T09:30:00+00:00",
		"updated_datetime": "2026-07-15T10:30:00+01:00", "expected_datetime": "2026-07-15T12:00:00+01:00"} {
		if js[0][k] != want {
			t.Errorf("%s = %v, want %s", k, js[0][k], want)
		}
	}
	if FormatTime(time.Time{}) != "" {
		t.Error("the zero time must be empty")
	}
}

func TestEncodeEmptyAndMissingValues(t *testing.T) {
	r := Request{ID: "7", Lat: ptr(math.NaN()), Long: ptr(math.Inf(1))}
	js := string(encode(t, "json", r))
	for _, k := range []string{`"lat":null`, `"long":null`, `"expected_datetime":null`, `"requested_datetime":null`, `"media_url":null`} {
		if !strings.Contains(js, k) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
	x := string(encode(t, "xml", r))
	for _, k := range []string{"<lat></lat>", "<long></long>", "<expected_datetime></expected_datetime>"} {
		if !strings.Contains(x, k) {
			t.Errorf("XML lacks %s: %s", k, x)
		}
	}
	for _, v := range []any{[]Request{}, []Request(nil), []ServiceEntry{}, []Error(nil)} {
		if got := string(encode(t, "json", v)); got != "[]\n" {
			t.Errorf("JSON of empty %T = %q, want []", v, got)
		}
	}
	if got := string(encode(t, "xml", []Request{})); !strings.HasSuffix(got, "<service_requests></service_requests>\n") {
		t.Errorf("XML of no requests = %q", got)
	}
}

func TestEncodeOneIsAListOfOne(t *testing.T) {
	for _, v := range []any{Request{ID: "1"}, PostResponse{ServiceRequestID: "1"}, Error{Code: 400, Description: "x"}} {
		if got := encode(t, "json", v); got[0] != '[' {
			t.Errorf("%T: JSON %s, want an array of one", v, got)
		}
	}
}

func TestEncodePostResponseTokenOrID(t *testing.T) {
	tests := []struct {
		in   PostResponse
		want string
	}{
		{PostResponse{ServiceRequestID: "K7M", AccountID: "a1"}, `[{"service_request_id":"K7M","service_notice":null,"account_id":"a1"}]`},
		{PostResponse{Token: "t1"}, `[{"token":"t1","service_notice":null,"account_id":null}]`},
		{PostResponse{ServiceRequestID: "K7M", Token: "t1"}, `[{"service_request_id":"K7M","service_notice":null,"account_id":null}]`},
	}
	for _, tt := range tests {
		if got := strings.TrimSpace(string(encode(t, "json", tt.in))); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	errs := []Error{{Code: 400, Description: "lat: must be a number from -90 to 90", Field: "lat"}, {Code: 403, Description: "api_key: unknown"}}
	if got := strings.TrimSpace(string(encode(t, "json", errs))); got !=
		`[{"code":400,"description":"lat: must be a number from -90 to 90"},{"code":403,"description":"api_key: unknown"}]` {
		t.Errorf("JSON %s", got)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<errors><error><code>400</code><description>lat: must be a number from -90 to 90</description></error>` +
		`<error><code>403</code><description>api_key: unknown</description></error></errors>` + "\n"
	if got := string(encode(t, "xml", errs)); got != want {
		t.Errorf("XML %s", got)
	}
}

func TestEncodeValuesOnlyForLists(t *testing.T) {
	def := Definition(pothole(), "en")
	var js struct {
		Attributes []map[string]json.RawMessage `json:"attributes"`
	}
	if err := json.Unmarshal(encode(t, "json", &def), &js); err != nil {
		t.Fatal(err)
	}
	for _, a := range js.Attributes {
		var dt string
		json.Unmarshal(a["datatype"], &dt)
		if _, has := a["values"]; has != (dt == DatatypeSingleValueList) {
			t.Errorf("%s attribute %s: values present %v", dt, a["code"], has)
		}
	}
}

func TestEncodeDiscovery(t *testing.T) {
	changed := time.Date(2026, 7, 1, 8, 0, 0, 0, time.FixedZone("BST", 3600))
	d := Discovery("https://council.example", changed, "open311@council.example")
	want := `{"changeset":"2026-07-01T07:00:00Z","contact":"open311@council.example","key_service":"open311@council.example",` +
		`"endpoints":[{"specification":"http://wiki.open311.org/GeoReport_v2","url":"https://council.example/open311/v2",` +
		`"changeset":"2026-07-01T07:00:00Z","type":"production","formats":["application/json","text/xml"]}]}`
	if got := strings.TrimSpace(string(encode(t, "json", d))); got != want {
		t.Errorf("discovery\n%s\nwant\n%s", got, want)
	}
	x := xmlShape(t, encode(t, "xml", &d))
	if x.name != "discovery" || x.kids[3].kids[0].kids[4].kind != "array" {
		t.Errorf("discovery XML shape %+v", x)
	}
}

func TestEncodeRefuses(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, "yaml", []Error{}); !errors.Is(err, ErrFormat) {
		t.Errorf("format yaml: %v, want ErrFormat", err)
	}
	for _, v := range []any{map[string]string{}, nil, (*ServiceDefinition)(nil), (*DiscoveryDoc)(nil)} {
		if err := Encode(&b, "json", v); err == nil {
			t.Errorf("%T must be refused", v)
		}
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q on failure", b.String())
	}
	if err := Encode(failingWriter{}, "xml", []Error{}); !errors.Is(err, errWrite) {
		t.Errorf("write error %v, want errWrite", err)
	}
}

func TestContentType(t *testing.T) {
	if ContentType("xml") != "text/xml; charset=utf-8" || ContentType("json") != "application/json; charset=utf-8" {
		t.Error("content types as the specification gives them")
	}
}
