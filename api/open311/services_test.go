package open311

import (
	"slices"
	"testing"

	"frontdoor/api/catalogue"
)

func TestServiceListOffersOnlyOpen311Services(t *testing.T) {
	webOnly := pothole()
	webOnly.Code, webOnly.Channels = "web-only", []string{catalogue.ChannelWeb, catalogue.ChannelKiosk}
	retired := pothole()
	retired.Code, retired.Retired = "retired", true
	plain := &catalogue.Service{Code: "graffiti", Name: en("Graffiti"), Group: "streets",
		Channels: []string{catalogue.ChannelOpen311}, Form: catalogue.Form{Questions: []catalogue.Question{
			{ID: "where", Type: catalogue.TypePoint}, {ID: "what", Type: catalogue.TypeTextarea},
			{ID: "pic", Type: catalogue.TypePhoto}, {ID: "where2", Type: catalogue.TypePoint}}}}

	got := ServiceList([]*catalogue.Service{webOnly, pothole(), nil, retired, plain}, "cy")
	want := []ServiceEntry{
		{Code: "pothole", Name: "Twll yn y ffordd", Description: "A hole in the road", Metadata: true, Type: "realtime", Group: "streets"},
		{Code: "graffiti", Name: "Graffiti", Metadata: false, Type: "realtime", Group: "streets"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ServiceList =\n%+v\nwant\n%+v", got, want)
	}
	if got := ServiceList(nil, "en"); got == nil || len(got) != 0 {
		t.Errorf("ServiceList(nil) = %#v, want an empty list (JSON [])", got)
	}
}

func TestDefinitionMapsQuestionsToAttributes(t *testing.T) {
	def := Definition(pothole(), "cy")
	if def.ServiceCode != "pothole" {
		t.Errorf("service_code %q", def.ServiceCode)
	}
	type row struct {
		code, datatype string
		required       bool
		order          int
		description    string
		dd             string
		values         []Value
	}
	want := []row{
		{"size", "singlevaluelist", true, 1, "Pa mor fawr?", "Compare it with a football",
			[]Value{{"small", "Llai"}, {"large", "Larger"}}},
		{"depth", "number", false, 2, "Depth in cm", "", nil},
		{"dangerous", "singlevaluelist", true, 3, "Is it dangerous?", "", []Value{{"true", "Ie"}, {"false", "Na"}}},
		{"noticed", "datetime", false, 4, "When did you notice it?", "YYYY-MM-DD", nil},
		{"road", "string", false, 5, "Road name", "", nil},
		{"address", "string", false, 6, "Nearest address", "line 1, town, postcode", nil},
		{"more", "text", false, 7, "Anything else?", "", nil},
		{"lane", "string", false, 8, "Which lane?", "", nil}, // required only when shown: not here
	}
	if len(def.Attributes) != len(want) {
		t.Fatalf("%d attributes, want %d: %+v", len(def.Attributes), len(want), def.Attributes)
	}
	for i, w := range want {
		a := def.Attributes[i]
		got := row{a.Code, a.Datatype, a.Required, a.Order, a.Description, a.DatatypeDescription, a.Values}
		if !a.Variable || got.code != w.code || got.datatype != w.datatype || got.required != w.required ||
			got.order != w.order || got.description != w.description || got.dd != w.dd || !slices.Equal(got.values, w.values) {
			t.Errorf("attribute %d = %+v (variable %v), want %+v", i, got, a.Variable, w)
		}
	}
}

func TestDefinitionYesNoInEveryLanguage(t *testing.T) {
	svc := &catalogue.Service{Code: "x", Form: catalogue.Form{Questions: []catalogue.Question{
		{ID: "ok", Type: catalogue.TypeYesNo, Label: en("OK?")}}}}
	for lang, want := range map[string][2]string{"en": {"Yes", "No"}, "cy": {"Ie", "Na"}, "pl": {"Tak", "Nie"},
		"ar": {"نعم", "لا"}, "fr": {"Yes", "No"}} {
		v := Definition(svc, lang).Attributes[0].Values
		if v[0] != (Value{"true", want[0]}) || v[1] != (Value{"false", want[1]}) {
			t.Errorf("%s: values %v, want %v", lang, v, want)
		}
	}
}

func TestDefinitionOfFormWithoutAttributes(t *testing.T) {
	svc := &catalogue.Service{Code: "x", Form: catalogue.Form{Questions: []catalogue.Question{
		{ID: "where", Type: catalogue.TypePoint}, {ID: "say", Type: catalogue.TypeTextarea}}}}
	def := Definition(svc, "en")
	if def.Attributes == nil || len(def.Attributes) != 0 {
		t.Errorf("attributes %#v, want an empty list", def.Attributes)
	}
	if got := string(encode(t, "json", def)); got != `{"service_code":"x","attributes":[]}`+"\n" {
		t.Errorf("JSON %s", got)
	}
}

func TestDefinitionOfNil(t *testing.T) {
	if def := Definition(nil, "en"); def.ServiceCode != "" || def.Attributes == nil || len(def.Attributes) != 0 {
		t.Errorf("Definition(nil) = %#v", def)
	}
}

func TestMappingOf(t *testing.T) {
	m := MappingOf(pothole().Form)
	if m != (Mapping{Point: "where", Description: "details", Address: "address"}) {
		t.Errorf("MappingOf(pothole) = %+v", m)
	}
	if m := MappingOf(catalogue.Form{}); m != (Mapping{}) {
		t.Errorf("MappingOf(empty) = %+v", m)
	}
}

func TestOfferedAndStatusFor(t *testing.T) {
	if Offered(nil) || !Offered(pothole()) {
		t.Error("Offered: nil must be false, pothole true")
	}
	for in, want := range map[string]string{"submitted": "open", "in_progress": "open", "awaiting_customer": "open",
		"reopened": "open", "resolved": "closed", "closed": "closed", "cancelled": "closed", "": "open"} {
		if got := StatusFor(in); got != want {
			t.Errorf("StatusFor(%q) = %q, want %q", in, got, want)
		}
	}
}
