package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"net/url"
	"testing"
	"unicode/utf8"
)

// Seeds live in testdata/fuzz/<name>/. Run longer with
// go test -fuzz=FuzzParseNewRequest ./api/open311/

func FuzzParseNewRequest(f *testing.F) {
	svc := pothole()
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		nr, errs := ParseNewRequest(v)
		checkErrors(t, errs)
		if len(errs) > 0 {
			return
		}
		if !idPattern.MatchString(nr.ServiceCode) {
			t.Fatalf("accepted service_code %q", nr.ServiceCode)
		}
		if (nr.Lat == nil || nr.Long == nil) && nr.AddressString == "" && nr.AddressID == "" {
			t.Fatal("accepted a request without a location")
		}
		if nr.Lat != nil && (math.IsNaN(*nr.Lat) || math.Abs(*nr.Lat) > 90 || math.Abs(*nr.Long) > 180) {
			t.Fatalf("accepted lat/long %v %v", *nr.Lat, *nr.Long)
		}
		if utf8.RuneCountInString(nr.Description) > MaxDescription || utf8.RuneCountInString(nr.FirstName) > MaxField {
			t.Fatal("accepted an over-long field")
		}
		if len(nr.Attributes) > MaxAttributes {
			t.Fatalf("accepted %d attributes", len(nr.Attributes))
		}
		for code, vs := range nr.Attributes {
			if len(vs) == 0 || len(vs) > MaxAttributeValues || !idPattern.MatchString(code) {
				t.Fatalf("accepted attribute %q with %d values", code, len(vs))
			}
		}
		nr.ServiceCode = svc.Code
		answers, errs := Answers(svc, nr)
		checkErrors(t, errs)
		for k, raw := range answers {
			if !json.Valid(raw) {
				t.Fatalf("answer %s is not JSON: %s", k, raw)
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, errs := ParseQuery(v, now)
		checkErrors(t, errs)
		if len(errs) > 0 {
			return
		}
		if len(q.IDs) > MaxIDs || len(q.ServiceCodes) > MaxServiceCodes {
			t.Fatalf("accepted %d ids, %d codes", len(q.IDs), len(q.ServiceCodes))
		}
		if q.Status != "" && q.Status != StatusOpen && q.Status != StatusClosed {
			t.Fatalf("status %q", q.Status)
		}
		if len(q.IDs) == 0 && (q.End.Before(q.Start) || q.End.Sub(q.Start) > Window || q.Start.IsZero()) {
			t.Fatalf("window %v to %v", q.Start, q.End)
		}
	})
}

// FuzzEncodeText: whatever text a case holds, both documents parse and
// carry the same cleaned text.
func FuzzEncodeText(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		r := Request{ID: "1", Description: s, Address: s}
		var x bytes.Buffer
		if err := Encode(&x, "xml", []Request{r}); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Request struct {
				Description string `xml:"description"`
			} `xml:"request"`
		}
		if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
			t.Fatalf("XML not well-formed for %q: %v\n%s", s, err, x.Bytes())
		}
		var js bytes.Buffer
		if err := Encode(&js, "json", []Request{r}); err != nil {
			t.Fatal(err)
		}
		var out []struct {
			Description *string `json:"description"`
		}
		if err := json.Unmarshal(js.Bytes(), &out); err != nil {
			t.Fatalf("JSON invalid for %q: %v", s, err)
		}
		want := clean(s)
		got := ""
		if out[0].Description != nil {
			got = *out[0].Description
		}
		if doc.Request.Description != want || got != want {
			t.Fatalf("text %q: XML %q, JSON %q, want %q", s, doc.Request.Description, got, want)
		}
	})
}

func checkErrors(t *testing.T, errs []Error) {
	t.Helper()
	if len(errs) > MaxErrors {
		t.Fatalf("%d errors", len(errs))
	}
	for _, e := range errs {
		if e.Code != 400 || e.Field == "" || e.Description == "" {
			t.Fatalf("error %+v", e)
		}
	}
	var b bytes.Buffer
	if err := Encode(&b, "xml", errs); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
		t.Fatalf("errors document not well-formed: %v", err)
	}
}
