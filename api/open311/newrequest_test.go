package open311

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestParseNewRequestAccepts(t *testing.T) {
	desc4000 := "a\r\nb\tc" + strings.Repeat("é", MaxDescription-6)
	tests := []struct {
		name  string
		body  string
		check func(NewRequest) bool
	}{
		{"lat and long", "service_code=pothole&lat=50.37&long=-4.14",
			func(n NewRequest) bool { return *n.Lat == 50.37 && *n.Long == -4.14 }},
		{"address_string only", "service_code=pothole&address_string=1+Armada+Way%2C+Plymouth",
			func(n NewRequest) bool { return n.AddressString == "1 Armada Way, Plymouth" && n.Lat == nil }},
		{"address_id only", "service_code=pothole&address_id=100040",
			func(n NewRequest) bool { return n.AddressID == "100040" }},
		{"empty parameters count as absent", "service_code=pothole&lat=&long=&email=&address_id=1",
			func(n NewRequest) bool { return n.Lat == nil && n.Email == "" }},
		{"edges of the globe", "service_code=x&lat=-90&long=180",
			func(n NewRequest) bool { return *n.Lat == -90 && *n.Long == 180 }},
		{"exponent", "service_code=x&lat=5.037e1&long=-.414E1",
			func(n NewRequest) bool { return *n.Lat == 50.37 && *n.Long == -4.14 }},
		{"description of 4000 characters with line breaks", "service_code=x&address_id=1&description=" +
			url.QueryEscape(desc4000),
			func(n NewRequest) bool { return n.Description == desc4000 }},
		{"unknown parameters ignored", "service_code=x&address_id=1&api_key=k&jurisdiction_id=j&foo=bar&attributes=1",
			func(n NewRequest) bool { return len(n.Attributes) == 0 }},
		{"spaces trimmed", "service_code=+x+&address_id=1&first_name=++Ann++",
			func(n NewRequest) bool { return n.ServiceCode == "x" && n.FirstName == "Ann" }},
		{"attributes both forms, in order", "service_code=x&address_id=1&attribute[a]=1&attribute[b][]=p&attribute[b][]=q&attribute[a][]=2",
			func(n NewRequest) bool {
				return slices.Equal(n.Attributes["a"], []string{"1", "2"}) && slices.Equal(n.Attributes["b"], []string{"p", "q"})
			}},
		{"empty attribute values dropped", "service_code=x&address_id=1&attribute[a]=&attribute[b][]=&attribute[b][]=v",
			func(n NewRequest) bool {
				_, a := n.Attributes["a"]
				return !a && slices.Equal(n.Attributes["b"], []string{"v"})
			}},
		{"media_url kept", "service_code=x&address_id=1&media_url=" + url.QueryEscape("https://example.org/p.jpg?a=1"),
			func(n NewRequest) bool { return n.MediaURL == "https://example.org/p.jpg?a=1" }},
		{"50 attributes", "service_code=x&address_id=1" + attrs(50, 1),
			func(n NewRequest) bool { return len(n.Attributes) == 50 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nr, errs := ParseNewRequest(form(t, tt.body))
			if len(errs) != 0 {
				t.Fatalf("errors %v", errs)
			}
			if !tt.check(nr) {
				t.Errorf("parsed %+v", nr)
			}
		})
	}
}

// attrs makes n attribute codes with k values each.
func attrs(n, k int) string {
	var b strings.Builder
	for i := range n {
		for j := range k {
			fmt.Fprintf(&b, "&attribute[c%d][]=v%d", i, j)
		}
	}
	return b.String()
}

func TestParseNewRequestRefuses(t *testing.T) {
	const ok = "service_code=x&address_id=1"
	tests := []struct {
		name, body string
		want       []string // the fields the errors name
	}{
		{"no service_code", "address_id=1", []string{"service_code"}},
		{"service_code twice", "service_code=x&service_code=y&address_id=1", []string{"service_code"}},
		{"service_code with a space", "service_code=a+b&address_id=1", []string{"service_code"}},
		{"no location", "service_code=x", []string{"location"}},
		{"lat without long", "service_code=x&lat=50", []string{"lat"}},
		{"long without lat", "service_code=x&long=-4&address_id=1", []string{"lat"}},
		{"NaN", "service_code=x&lat=NaN&long=1", []string{"lat"}},
		{"Inf", "service_code=x&lat=1&long=Inf", []string{"long"}},
		{"infinity", "service_code=x&lat=1&long=-infinity", []string{"long"}},
		{"overflow", "service_code=x&lat=1e309&long=1", []string{"lat"}},
		{"hex float", "service_code=x&lat=0x1p-2&long=1", []string{"lat"}},
		{"underscore", "service_code=x&lat=1_0&long=1", []string{"lat"}},
		{"lat out of range", "service_code=x&lat=90.0001&long=1", []string{"lat"}},
		{"long out of range", "service_code=x&lat=1&long=-180.5", []string{"long"}},
		{"lat twice", "service_code=x&lat=1&lat=2&long=1", []string{"lat"}},
		{"long number too long", "service_code=x&lat=1&long=" + strings.Repeat("1", 65), []string{"long"}},
		{"description over 4000", ok + "&description=" + strings.Repeat("a", MaxDescription+1), []string{"description"}},
		{"description with NUL", ok + "&description=a%00b", []string{"description"}},
		{"description with escape", ok + "&description=a%1B[31mb", []string{"description"}},
		{"name over 200", ok + "&first_name=" + strings.Repeat("é", MaxField+1), []string{"first_name"}},
		{"name with line break", ok + "&last_name=a%0Ab", []string{"last_name"}},
		{"invalid UTF-8", ok + "&phone=%FF%FE", []string{"phone"}},
		{"line separator", ok + "&device_id=a%E2%80%A8b", []string{"device_id"}},
		{"email without @", ok + "&email=not-an-email", []string{"email"}},
		{"email with a name", ok + "&email=" + url.QueryEscape("Ann <ann@example.org>"), []string{"email"}},
		{"address_id not a UPRN", "service_code=x&address_id=12a", []string{"address_id"}},
		{"address_id of 13 digits", "service_code=x&address_id=1234567890123", []string{"address_id"}},
		{"media_url javascript", ok + "&media_url=javascript:alert(1)", []string{"media_url"}},
		{"media_url ftp", ok + "&media_url=ftp://example.org/a", []string{"media_url"}},
		{"media_url relative", ok + "&media_url=/a.jpg", []string{"media_url"}},
		{"media_url huge", ok + "&media_url=https://e.org/" + strings.Repeat("a", MaxMediaURL), []string{"media_url"}},
		{"bare attribute", ok + "&attribute=1", []string{"attribute"}},
		{"attribute unclosed", ok + "&attribute[a=1", []string{"attribute"}},
		{"attribute nested", ok + "&attribute[a][b]=1", []string{"attribute"}},
		{"attribute code with space", ok + "&attribute[a+b]=1", []string{"attribute"}},
		{"attribute value over 4000", ok + "&attribute[a]=" + strings.Repeat("a", MaxAttributeValue+1), []string{"attribute[a]"}},
		{"attribute value with NUL", ok + "&attribute[a]=%00", []string{"attribute[a]"}},
		{"51 attributes", ok + attrs(51, 1), []string{"attribute"}},
		{"51 values", ok + attrs(1, 51), []string{"attribute[c0]"}},
		{"everything wrong", "lat=x&long=y&email=z", []string{"email", "lat", "long", "service_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParseNewRequest(form(t, tt.body))
			got := errFields(errs)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors %v, want fields %v", errs, tt.want)
			}
			for _, e := range errs {
				if e.Code != 400 || !strings.HasPrefix(e.Description, e.Field+": ") {
					t.Errorf("error %+v: want code 400 and a description naming its field", e)
				}
			}
		})
	}
}

func TestParseNewRequestNeverEchoesValues(t *testing.T) {
	secret := "SECRET-VALUE-42"
	body := "service_code=" + secret + "&lat=" + secret + "&long=1&email=" + secret + "&media_url=" + secret +
		"&address_id=" + secret + "&description=%00" + secret
	_, errs := ParseNewRequest(form(t, body))
	if len(errs) < 5 {
		t.Fatalf("want errors for every field, got %v", errs)
	}
	for _, e := range errs {
		if strings.Contains(e.Description, secret) {
			t.Errorf("error repeats the client's value: %q", e.Description)
		}
	}
}

func TestParseNewRequestCapsErrors(t *testing.T) {
	v := url.Values{}
	for i := range 500 {
		v.Set(fmt.Sprintf("attribute[bad code %d]", i), "1")
	}
	_, errs := ParseNewRequest(v)
	if len(errs) != MaxErrors {
		t.Errorf("%d errors, want them capped at %d", len(errs), MaxErrors)
	}
}

func TestParseNewRequestHugeBody(t *testing.T) {
	v := url.Values{"service_code": {"x"}, "address_id": {"1"}, "description": {strings.Repeat("a", 1<<20)},
		"address_string": {strings.Repeat("b", 1<<20)}}
	nr, errs := ParseNewRequest(v)
	if got := errFields(errs); !slices.Equal(got, []string{"address_string", "description"}) {
		t.Errorf("errors %v", errs)
	}
	if nr.Description != "" || nr.AddressString != "" {
		t.Error("refused values must not be kept")
	}
}
