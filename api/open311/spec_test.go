package open311

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/api/catalogue"
)

// The specification's example documents (testdata/spec) against ours: the
// same root, element names, nesting and order in XML, the same keys in the
// same order in JSON, and XML and JSON of one document agreeing by the
// Spark convention.

func readSpec(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func specOpen311(code, name, group string) *catalogue.Service {
	return &catalogue.Service{
		Code: code, Name: en(name), Description: en(name + " described"), Group: group,
		Channels: []string{catalogue.ChannelOpen311},
		Form: catalogue.Form{Questions: []catalogue.Question{
			{ID: "where", Type: catalogue.TypePoint, Label: en("Where?")},
			{ID: "kind", Type: catalogue.TypeText, Label: en("What kind?")},
		}},
	}
}

func specDocuments() map[string]any {
	t1 := time.Date(2010, 4, 14, 14, 37, 38, 0, time.UTC)
	t2 := t1.Add(24 * time.Hour)
	req := Request{
		ID: "638344", Status: StatusClosed, StatusNotes: "Duplicate request.", ServiceName: "Sidewalk and Curb Issues",
		ServiceCode: "006", Requested: t1, Updated: t1, Expected: &t2, Address: "8TH AVE and JUDAH ST",
		AddressID: "545483", Zipcode: "94122", Lat: ptr(37.762221815), Long: ptr(-122.4651145),
		MediaURL: "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg",
	}
	req2 := req
	req2.ID, req2.Status, req2.StatusNotes = "638349", StatusOpen, ""
	dmv := &catalogue.Service{Code: "DMV66", Channels: []string{catalogue.ChannelOpen311}, Form: catalogue.Form{
		Questions: []catalogue.Question{{ID: "WHISHETN", Type: catalogue.TypeChoice, Required: true,
			Label:   en("What is the ticket/tag/DL number?"),
			Options: []catalogue.Option{{Value: "123", Label: en("Ford")}, {Value: "124", Label: en("Chrysler")}}}},
	}}
	return map[string]any{
		"services": ServiceList([]*catalogue.Service{
			specOpen311("001", "Cans left out 24x7", "sanitation"),
			specOpen311("002", "Construction plate shifted", "street"),
			specOpen311("003", "Curb or curb ramp defect", "street"),
		}, "en"),
		"service_definition": Definition(dmv, "en"),
		"post_response":      []PostResponse{{ServiceRequestID: "293944", ServiceNotice: "We will inspect within 24 hours."}},
		"requests":           []Request{req, req2},
		"errors":             []Error{{Code: 403, Description: "api_key: unknown"}},
		"discovery":          Discovery("https://council.example", t1, "open311@council.example"),
	}
}

func TestSpecExamplesShape(t *testing.T) {
	for name, v := range specDocuments() {
		t.Run(name, func(t *testing.T) {
			wantXML := xmlShape(t, readSpec(t, name+".xml"))
			wantJSON := jsonShape(t, readSpec(t, name+".json"))
			if wantXML.kind == "array" { // the spec's elements agree as sets, if not in order
				for _, k := range wantXML.kids {
					if !slices.Equal(sortedNames(k), sortedNames(wantXML.kids[0])) {
						t.Fatalf("fixture %s.xml: elements differ in their fields", name)
					}
				}
			}
			sameDoc(t, name+".json~xml", asJSON(wantXML), wantJSON) // the transcription agrees with itself

			gotXML := xmlShape(t, encode(t, "xml", v))
			if gotXML.name != wantXML.name {
				t.Errorf("XML root <%s>, want <%s>", gotXML.name, wantXML.name)
			}
			sameShape(t, name+".xml", wantXML, gotXML)
			sameShape(t, name+".json", wantJSON, jsonShape(t, encode(t, "json", v)))
		})
	}
}

func TestSpecExampleValues(t *testing.T) {
	docs := specDocuments()
	got := jsonShape(t, encode(t, "json", docs["requests"]))
	first := got.kids[0]
	want := map[string]string{
		"service_request_id": "638344", "status": "closed", "description": "null",
		"requested_datetime": "2010-04-14T15:37:38+01:00", "expected_datetime": "2010-04-15T15:37:38+01:00",
		"lat": "37.762221815", "long": "-122.4651145",
	}
	for _, k := range first.kids {
		if w, ok := want[k.name]; ok && k.value != w {
			t.Errorf("requests[0].%s = %q, want %q", k.name, k.value, w)
		}
	}
	def := xmlShape(t, encode(t, "xml", docs["service_definition"]))
	values := def.kids[1].kids[0].kids[7]
	if values.name != "values" || len(values.kids) != 2 || values.kids[1].kids[1].value != "Chrysler" {
		t.Errorf("service definition values = %+v, want Ford and Chrysler", values)
	}
}

// The specification's POST example body parses, and its fields land where
// the specification says.
func TestSpecExamplePost(t *testing.T) {
	body := strings.TrimSpace(string(readSpec(t, "post_request.txt")))
	nr, errs := ParseNewRequest(form(t, body))
	if len(errs) != 0 {
		t.Fatalf("spec example refused: %v", errs)
	}
	if nr.ServiceCode != "001" || *nr.Lat != 37.76524078 || *nr.Long != -122.4212043 ||
		nr.AddressString != "1234 5th street" || nr.Email != "smit333@sfgov.edu" || nr.DeviceID != "tt222111" ||
		nr.AccountID != "123456" || nr.FirstName != "john" || nr.LastName != "smith" || nr.Phone != "111111111" ||
		nr.Description != "A large sinkhole is destroying the street" ||
		nr.MediaURL != "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg" {
		t.Errorf("parsed %+v", nr)
	}
	if a := nr.Attributes; len(a) != 2 || a["WHISPAWN"][0] != "123456" || a["WHISDORN"][0] != "COISL001" {
		t.Errorf("attributes %v", nr.Attributes)
	}
}
