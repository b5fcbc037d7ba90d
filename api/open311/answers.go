package open311

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"frontdoor/api/catalogue"
)

// Answers turns a new request into our answers object for svc's form, keyed
// by question id, ready for the form check (which stays the judge of
// required, conditional, length and range rules):
//
//   - lat/long become the first point question's {"lat", "lng"};
//   - description becomes the first textarea question's text;
//   - each attribute becomes its question's answer, typed: numbers as JSON
//     numbers, yes/no "true"/"false" as booleans, choices and text as
//     strings, dates as "YYYY-MM-DD", addresses as {"line1", "town",
//     "postcode", "uprn"?};
//   - address_string and address_id fill the first address question when no
//     attribute answered it (address_id is its UPRN either way).
//
// media_url is not fetched (that would let any client make us request any
// address) and not turned into a photo; the caller keeps it with the case.
// When the form has no point or textarea question, lat/long or description
// have no question to go to: MappingOf tells the caller, who keeps them.
// An attribute code that is not one of the service's attributes is an error.
func Answers(svc *catalogue.Service, nr NewRequest) (map[string]json.RawMessage, []Error) {
	var errs errList
	if svc == nil {
		return nil, []Error{{Code: 404, Field: "service_code", Description: "service_code: not found"}}
	}
	if nr.ServiceCode != "" && nr.ServiceCode != svc.Code {
		errs.add("service_code", "does not match the service")
	}
	m := MappingOf(svc.Form)
	out := map[string]json.RawMessage{}
	if nr.Lat != nil && nr.Long != nil && m.Point != "" {
		out[m.Point] = mustJSON(catalogue.Point{Lat: *nr.Lat, Lng: *nr.Long})
	}
	if nr.Description != "" && m.Description != "" {
		out[m.Description] = mustJSON(nr.Description)
	}
	questions := map[string]catalogue.Question{}
	for _, q := range attributeQuestions(svc.Form) {
		questions[q.ID] = q
	}
	codes := make([]string, 0, len(nr.Attributes))
	for code := range nr.Attributes {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		q, ok := questions[code]
		field := "attribute[" + code + "]"
		if !ok {
			errs.add(field, "not an attribute of this service")
			continue
		}
		uprn := "" // address_id is the request's location: the first address question's
		if code == m.Address {
			uprn = nr.AddressID
		}
		raw, msg := answer(q, nr.Attributes[code], uprn)
		if msg != "" {
			errs.add(field, "%s", msg)
			continue
		}
		out[code] = raw
	}
	if _, done := out[m.Address]; m.Address != "" && !done && (nr.AddressString != "" || nr.AddressID != "") {
		a := parseAddress(nr.AddressString)
		a.UPRN = nr.AddressID
		out[m.Address] = mustJSON(a)
	}
	return out, errs
}

// answer types one attribute's values for its question; msg says what is wrong.
func answer(q catalogue.Question, values []string, uprn string) (raw json.RawMessage, msg string) {
	if len(values) == 0 {
		return nil, "no value"
	}
	if len(values) > 1 {
		return nil, "takes one value" // we have no multivaluelist attributes
	}
	v := values[0]
	switch q.Type {
	case catalogue.TypeNumber:
		f, ok := parseDecimal(v)
		if !ok {
			return nil, "not a number"
		}
		return mustJSON(f), ""
	case catalogue.TypeYesNo:
		switch strings.ToLower(v) {
		case "true":
			return mustJSON(true), ""
		case "false":
			return mustJSON(false), ""
		}
		return nil, `must be "true" or "false"`
	case catalogue.TypeChoice:
		if !slices.ContainsFunc(q.Options, func(o catalogue.Option) bool { return o.Value == v }) {
			return nil, "not one of the listed values"
		}
	case catalogue.TypeDate:
		d, ok := parseDate(v)
		if !ok {
			return nil, "not a date (YYYY-MM-DD)"
		}
		v = d
	case catalogue.TypeAddress:
		a := parseAddress(v)
		a.UPRN = uprn
		return mustJSON(a), ""
	case catalogue.TypeText:
		if strings.ContainsAny(v, "\r\n") {
			return nil, "must be one line"
		}
	}
	return mustJSON(v), ""
}

// parseDate takes a date, or a W3C datetime whose date (in its own offset,
// as the client wrote it) is the answer.
func parseDate(s string) (string, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	if t, ok := parseW3(s); ok {
		return t.Format(time.DateOnly), true
	}
	return "", false
}

// ukPostcode matches a UK postcode at the end of an address, with or
// without its space.
var ukPostcode = regexp.MustCompile(`(?i)(^|[\s,])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$`)

// parseAddress reads "line 1, town, postcode" (most specific first, as the
// specification asks): a postcode at the end, the town before it, and the
// rest is line 1. What it cannot find stays empty for the form check to
// report.
func parseAddress(s string) catalogue.Address {
	var a catalogue.Address
	s = strings.Trim(strings.NewReplacer("\r\n", ",", "\n", ",", "\r", ",").Replace(s), " ,\t")
	if m := ukPostcode.FindStringSubmatchIndex(s); m != nil {
		a.Postcode = strings.ToUpper(s[m[4]:m[5]] + " " + s[m[6]:m[7]])
		s = strings.Trim(s[:m[4]], " ,\t")
	}
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	switch len(parts) {
	case 0:
	case 1:
		a.Line1 = parts[0]
	default:
		a.Town = parts[len(parts)-1]
		a.Line1 = strings.Join(parts[:len(parts)-1], ", ")
	}
	return a
}

// mustJSON marshals values that cannot fail: strings, finite numbers, bools
// and plain structs of them.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
