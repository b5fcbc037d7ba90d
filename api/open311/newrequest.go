package open311

import (
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NewRequest is a POST requests body as a client sent it, checked for form
// but not yet against the service (see Answers). Empty fields were absent.
type NewRequest struct {
	ServiceCode   string
	Lat, Long     *float64
	AddressString string
	AddressID     string // a UPRN: our addressing system's id
	Email         string
	DeviceID      string
	AccountID     string
	FirstName     string
	LastName      string
	Phone         string
	Description   string
	MediaURL      string              // kept as given, never fetched
	Attributes    map[string][]string // code -> values, empty values left out
}

// ParseNewRequest reads an application/x-www-form-urlencoded POST requests
// body. api_key and jurisdiction_id are the handler's business (we serve one
// jurisdiction), and parameters the specification does not name are ignored.
// As the specification says, an empty parameter counts as absent; a
// parameter given twice is an error (only attributes take several values).
func ParseNewRequest(form url.Values) (NewRequest, []Error) {
	p := &formParser{form: form}
	nr := NewRequest{
		ServiceCode:   p.code("service_code"),
		AddressString: p.line("address_string", MaxField),
		AddressID:     p.uprn("address_id"),
		Email:         p.email("email"),
		DeviceID:      p.line("device_id", MaxField),
		AccountID:     p.line("account_id", MaxField),
		FirstName:     p.line("first_name", MaxField),
		LastName:      p.line("last_name", MaxField),
		Phone:         p.line("phone", MaxField),
		Description:   p.text("description", MaxDescription),
		MediaURL:      p.mediaURL("media_url"),
	}
	nr.Lat, nr.Long = p.latLong()
	nr.Attributes = p.attributes()
	if nr.ServiceCode == "" && !p.failed("service_code") {
		p.errs.add("service_code", "required")
	}
	if (nr.Lat == nil || nr.Long == nil) && nr.AddressString == "" && nr.AddressID == "" &&
		!p.failed("lat", "long", "address_string", "address_id") {
		p.errs.add("location", "give lat and long, address_string or address_id")
	}
	return nr, p.errs
}

// formParser reads single-valued parameters and gathers errors.
type formParser struct {
	form url.Values
	errs errList
	bad  []string // parameters that failed, so no second error names them
}

func (p *formParser) fail(field, format string, args ...any) {
	p.bad = append(p.bad, field)
	p.errs.add(field, format, args...)
}

func (p *formParser) failed(fields ...string) bool {
	return slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(p.bad, f) })
}

// single returns a parameter's one value, trimmed; "" when absent or empty.
func (p *formParser) single(name string) string {
	vs := p.form[name]
	if len(vs) > 1 {
		p.fail(name, "given more than once")
		return ""
	}
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

// line is one line of text: valid UTF-8, no control characters, at most max characters.
func (p *formParser) line(name string, max int) string {
	return p.checkText(name, p.single(name), max, false)
}

// text may hold line breaks and tabs.
func (p *formParser) text(name string, max int) string {
	return p.checkText(name, p.single(name), max, true)
}

func (p *formParser) checkText(name, s string, max int, multiline bool) string {
	if msg := textProblem(s, max, multiline); msg != "" {
		p.fail(name, "%s", msg)
		return ""
	}
	return s
}

// textProblem says what is wrong with s as text, or "".
func textProblem(s string, max int, multiline bool) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return "longer than " + strconv.Itoa(max) + " characters"
	case strings.IndexFunc(s, func(r rune) bool { return badControl(r, multiline) }) >= 0:
		return "contains control characters"
	}
	return ""
}

func badControl(r rune, multiline bool) bool {
	if multiline && (r == '\n' || r == '\r' || r == '\t') {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\uFFFE' || r == '\uFFFF'
}

func (p *formParser) code(name string) string {
	s := p.single(name)
	if s != "" && !idPattern.MatchString(s) {
		p.fail(name, "not a service code")
		return ""
	}
	return s
}

var uprnPattern = regexp.MustCompile(`^[0-9]{1,12}$`)

func (p *formParser) uprn(name string) string {
	s := p.single(name)
	if s != "" && !uprnPattern.MatchString(s) {
		p.fail(name, "must be a UPRN (1 to 12 digits)")
		return ""
	}
	return s
}

func (p *formParser) email(name string) string {
	s := p.line(name, MaxField)
	if s == "" {
		return ""
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
		p.fail(name, "not an email address")
		return ""
	}
	return s
}

// mediaURL is kept for the record and never fetched (that would let a
// client make us request any address); only http and https are kept, so
// no one is handed a javascript: link later.
func (p *formParser) mediaURL(name string) string {
	s := p.single(name)
	if s == "" {
		return ""
	}
	if len(s) > MaxMediaURL {
		p.fail(name, "longer than %d characters", MaxMediaURL)
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || textProblem(s, MaxMediaURL, false) != "" {
		p.fail(name, "must be an http or https URL")
		return ""
	}
	return s
}

// decimal is a plain decimal number: no hex, no underscores, no Inf or NaN,
// which strconv.ParseFloat would all take.
var decimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$`)

func parseDecimal(s string) (float64, bool) {
	if len(s) > 64 || !decimal.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

func (p *formParser) coordinate(name string, limit float64) *float64 {
	s := p.single(name)
	if s == "" {
		return nil
	}
	f, ok := parseDecimal(s)
	if !ok || f < -limit || f > limit {
		p.fail(name, "must be a number from %v to %v", -limit, limit)
		return nil
	}
	return &f
}

func (p *formParser) latLong() (lat, long *float64) {
	lat, long = p.coordinate("lat", 90), p.coordinate("long", 180)
	if (lat == nil) != (long == nil) {
		if !p.failed("lat", "long") {
			p.fail("lat", "give lat and long together")
		}
		return nil, nil
	}
	return lat, long
}

// attributes reads attribute[code]=v and attribute[code][]=v (several
// values for one code, in the order given; both forms may mix).
func (p *formParser) attributes() map[string][]string {
	out := map[string][]string{}
	keys := make([]string, 0, len(p.form))
	for k := range p.form {
		if strings.HasPrefix(k, "attribute[") || k == "attribute" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // "x" sorts before "x[]": one order, so one outcome
	for _, k := range keys {
		code, ok := attributeCode(k)
		if !ok {
			p.fail("attribute", "malformed parameter name (use attribute[code] or attribute[code][])")
			continue
		}
		field := "attribute[" + code + "]"
		for _, v := range p.form[k] {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if msg := textProblem(v, MaxAttributeValue, true); msg != "" {
				p.fail(field, "%s", msg)
				continue
			}
			if len(out[code]) == MaxAttributeValues {
				p.fail(field, "more than %d values", MaxAttributeValues)
				break
			}
			if _, seen := out[code]; !seen && len(out) == MaxAttributes {
				p.fail("attribute", "more than %d attributes", MaxAttributes)
				return out
			}
			out[code] = append(out[code], v)
		}
	}
	return out
}

// attributeCode takes the code out of "attribute[code]" or "attribute[code][]".
func attributeCode(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "attribute[")
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "[]")
	code, ok := strings.CutSuffix(rest, "]")
	return code, ok && idPattern.MatchString(code)
}
