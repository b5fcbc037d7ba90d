package open311

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"frontdoor/api/catalogue"
)

func TestAnswersMapsStandardFieldsAndAttributes(t *testing.T) {
	nr, errs := ParseNewRequest(form(t, "service_code=pothole&lat=50.3755&long=-4.1427&description=Deep+hole%0Anear+the+bus+stop"+
		"&address_id=100040&attribute[size]=large&attribute[depth]=12.50&attribute[dangerous]=TRUE"+
		"&attribute[noticed]=2026-01-31T23:30:00-05:00&attribute[road]=Royal+Parade"+
		"&attribute[address]=Flat+2%2C+10+Armada+Way%2C+Plymouth%2C+pl12aa&attribute[more]=line+one%0Aline+two"))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	got, errs := Answers(pothole(), nr)
	if len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	want := map[string]string{
		"where":     `{"lat":50.3755,"lng":-4.1427}`,
		"details":   `"Deep hole\nnear the bus stop"`,
		"size":      `"large"`,
		"depth":     `12.5`,
		"dangerous": `true`,
		"noticed":   `"2026-01-31"`,
		"road":      `"Royal Parade"`,
		"address":   `{"line1":"Flat 2, 10 Armada Way","town":"Plymouth","postcode":"PL1 2AA","uprn":"100040"}`,
		"more":      `"line one\nline two"`,
	}
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("answers %v, want keys %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for k, w := range want {
		if string(got[k]) != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
}

func TestAnswersAddressFromStandardFields(t *testing.T) {
	tests := []struct{ body, want string }{
		{"address_string=1+Armada+Way%2C+Plymouth+PL1+2AA", `{"line1":"1 Armada Way","town":"Plymouth","postcode":"PL1 2AA"}`},
		{"address_string=1+Armada+Way%2C+Plymouth&address_id=42", `{"line1":"1 Armada Way","town":"Plymouth","postcode":"","uprn":"42"}`},
		{"address_id=42", `{"line1":"","town":"","postcode":"","uprn":"42"}`},
	}
	for _, tt := range tests {
		nr, errs := ParseNewRequest(form(t, "service_code=pothole&"+tt.body))
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		got, errs := Answers(pothole(), nr)
		if len(errs) != 0 || string(got["address"]) != tt.want {
			t.Errorf("%s: address %s (errors %v), want %s", tt.body, got["address"], errs, tt.want)
		}
	}
}

func TestAnswersRefuses(t *testing.T) {
	tests := []struct {
		name string
		nr   NewRequest
		want string // the field of the one error
	}{
		{"unknown attribute", attr("nope", "1"), "attribute[nope]"},
		{"the point question is no attribute", attr("where", "1"), "attribute[where]"},
		{"the description question is no attribute", attr("details", "x"), "attribute[details]"},
		{"the photo question is no attribute", attr("photo", "x"), "attribute[photo]"},
		{"number not a number", attr("depth", "deep"), "attribute[depth]"},
		{"number NaN", attr("depth", "NaN"), "attribute[depth]"},
		{"number hex", attr("depth", "0x10"), "attribute[depth]"},
		{"yes/no as yes", attr("dangerous", "yes"), "attribute[dangerous]"},
		{"choice not offered", attr("size", "huge"), "attribute[size]"},
		{"choice by label", attr("size", "Larger"), "attribute[size]"},
		{"two values for a choice", attr("size", "small", "large"), "attribute[size]"},
		{"date in another form", attr("noticed", "31/01/2026"), "attribute[noticed]"},
		{"impossible date", attr("noticed", "2026-02-30"), "attribute[noticed]"},
		{"one-line text with a line break", attr("road", "a\nb"), "attribute[road]"},
		{"no value", attr("road"), "attribute[road]"},
		{"another service's code", NewRequest{ServiceCode: "graffiti"}, "service_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := Answers(pothole(), tt.nr)
			if len(errs) != 1 || errs[0].Field != tt.want || errs[0].Code != 400 {
				t.Fatalf("errors %v, want one 400 on %s", errs, tt.want)
			}
			for code := range tt.nr.Attributes {
				if _, ok := got[code]; ok {
					t.Errorf("refused attribute %s still answered", code)
				}
			}
		})
	}
}

func attr(code string, values ...string) NewRequest {
	return NewRequest{ServiceCode: "pothole", Attributes: map[string][]string{code: values}}
}

func TestAnswersAddressIDOnlyForTheFirstAddress(t *testing.T) {
	svc := pothole()
	svc.Form.Questions = append(svc.Form.Questions, catalogue.Question{ID: "billing", Type: catalogue.TypeAddress})
	got, errs := Answers(svc, NewRequest{ServiceCode: "pothole", AddressID: "42", Attributes: map[string][]string{
		"billing": {"2 Royal Parade, Plymouth, PL1 1AA"}}})
	if len(errs) != 0 || string(got["billing"]) != `{"line1":"2 Royal Parade","town":"Plymouth","postcode":"PL1 1AA"}` ||
		string(got["address"]) != `{"line1":"","town":"","postcode":"","uprn":"42"}` {
		t.Errorf("answers billing %s, address %s, errors %v", got["billing"], got["address"], errs)
	}
}

func TestAnswersNilServiceIs404(t *testing.T) {
	if _, errs := Answers(nil, NewRequest{}); len(errs) != 1 || errs[0].Code != 404 {
		t.Errorf("errors %v, want one 404", errs)
	}
}

// Without point or textarea questions, lat/long and description have no
// home: no error, nothing invented, and MappingOf says so.
func TestAnswersFormWithoutStandardQuestions(t *testing.T) {
	svc := &catalogue.Service{Code: "noise", Form: catalogue.Form{Questions: []catalogue.Question{
		{ID: "when", Type: catalogue.TypeDate}}}}
	got, errs := Answers(svc, NewRequest{ServiceCode: "noise", Lat: ptr(50.0), Long: ptr(-4.0), Description: "loud",
		AddressString: "1 A Street, Town", Attributes: map[string][]string{"when": {"2026-03-01"}}})
	if len(errs) != 0 || len(got) != 1 || string(got["when"]) != `"2026-03-01"` {
		t.Errorf("answers %v, errors %v", got, errs)
	}
	if m := MappingOf(svc.Form); m.Point != "" || m.Description != "" {
		t.Errorf("MappingOf = %+v", m)
	}
}

func TestAnswersAreValidJSON(t *testing.T) {
	nr := NewRequest{ServiceCode: "pothole", Lat: ptr(1e-7), Long: ptr(-179.9999999), Description: "quote \" and \\ and </script>",
		Attributes: map[string][]string{"depth": {"-1e3"}, "road": {"<b>&amp;</b>"}}}
	got, errs := Answers(pothole(), nr)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	for k, raw := range got {
		if !json.Valid(raw) {
			t.Errorf("%s: invalid JSON %s", k, raw)
		}
	}
	var desc string
	if err := json.Unmarshal(got["details"], &desc); err != nil || desc != nr.Description {
		t.Errorf("description round trip %q, %v", desc, err)
	}
	if string(got["depth"]) != "-1000" {
		t.Errorf("depth %s", got["depth"])
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want catalogue.Address
	}{
		{"1 Armada Way, Plymouth, PL1 2AA", catalogue.Address{Line1: "1 Armada Way", Town: "Plymouth", Postcode: "PL1 2AA"}},
		{"Flat 2, 10 Armada Way, Plymouth pl12aa", catalogue.Address{Line1: "Flat 2, 10 Armada Way", Town: "Plymouth", Postcode: "PL1 2AA"}},
		{"1 High St\nLondon\nSW1A 1AA", catalogue.Address{Line1: "1 High St", Town: "London", Postcode: "SW1A 1AA"}},
		{"10 Downing Street", catalogue.Address{Line1: "10 Downing Street"}},
		{"EC1A 1BB", catalogue.Address{Postcode: "EC1A 1BB"}},
		{"Unit 5,, , Leeds,", catalogue.Address{Line1: "Unit 5", Town: "Leeds"}},
		{"Plymouth2AA", catalogue.Address{Line1: "Plymouth2AA"}}, // not a postcode on its own
		{"", catalogue.Address{}},
		{" , ,", catalogue.Address{}},
	}
	for _, tt := range tests {
		if got := parseAddress(tt.in); got != tt.want {
			t.Errorf("parseAddress(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
