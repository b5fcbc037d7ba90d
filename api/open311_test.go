package api

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"frontdoor/api/auth"
)

// TestOpen311Client: an admin issues a key; a reporting app lists services
// in both formats, reads a service definition, posts a request and reads it
// back; errors are GeoReport error documents in the format asked for.
func TestOpen311Client(t *testing.T) {
	e := newCasesEnv(t)
	_, admin := e.staff(t, "admin@plymouth.example", auth.RoleAdmin)
	mustProblem(t, e.call(t, "POST", "/api/v1/admin/open311-clients", "", `{"name": "FixMyStreet"}`), 401, "unauthorized")
	issued := mustJSON[map[string]any](t, e.call(t, "POST", "/api/v1/admin/open311-clients", admin, `{"name": "FixMyStreet"}`), 201)
	key, _ := issued["api_key"].(string)
	if !strings.HasPrefix(key, "o311_") {
		t.Fatalf("issued %v", issued)
	}
	listed := e.call(t, "GET", "/api/v1/admin/open311-clients", admin, "")
	if listed.status != 200 || strings.Contains(listed.String(), key) {
		t.Fatalf("the client list shows the key or fails: %s", listed)
	}

	var services []map[string]any
	r := e.call(t, "GET", "/open311/v2/services.json", "", "")
	if err := json.Unmarshal(r.body, &services); err != nil || r.status != 200 || len(services) < 8 {
		t.Fatalf("services.json %d: %v %s", r.status, err, r)
	}
	for _, s := range services {
		if s["service_code"] == "complaint" || s["service_code"] == "council-tax-change" {
			t.Errorf("a personal service is offered on Open311: %v", s)
		}
	}
	var xmlDoc struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			Code string `xml:"service_code"`
			Type string `xml:"type"`
		} `xml:"service"`
	}
	r = e.call(t, "GET", "/open311/v2/services.xml", "", "")
	if err := xml.Unmarshal(r.body, &xmlDoc); err != nil || len(xmlDoc.Services) != len(services) || xmlDoc.Services[0].Type != "realtime" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("services.xml: %v %s", err, r)
	}
	def := mustJSON[map[string]any](t, e.call(t, "GET", "/open311/v2/services/fly-tipping.json", "", ""), 200)
	if def["service_code"] != "fly-tipping" || len(def["attributes"].([]any)) < 3 {
		t.Fatalf("definition %v", def)
	}
	notFound := e.call(t, "GET", "/open311/v2/services/complaint.xml", "", "")
	if notFound.status != 404 || !strings.Contains(string(notFound.body), "<errors><error><code>404</code>") {
		t.Fatalf("a personal service's definition: %s", notFound)
	}

	form := url.Values{"api_key": {key}, "service_code": {"fly-tipping"}, "lat": {"50.3644"}, "long": {"-4.1420"},
		"email": {"reporter@example.org"}, "first_name": {"Pat"}, "description": {"Mattress dumped in the lane"},
		"attribute[waste-type]": {"furniture"}, "attribute[amount]": {"car-boot"}, "attribute[private-land]": {"false"}}
	post := func(f url.Values, format string) *response {
		return do(t, "POST", e.url+"/open311/v2/requests."+format, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, f.Encode())
	}
	var created []map[string]any
	r = post(form, "json")
	if err := json.Unmarshal(r.body, &created); err != nil || r.status != 201 || len(created) != 1 || created[0]["service_request_id"] == "" {
		t.Fatalf("POST requests.json: %s", r)
	}
	id := created[0]["service_request_id"].(string)

	var got []map[string]any
	r = e.call(t, "GET", "/open311/v2/requests/"+id+".json", "", "")
	if err := json.Unmarshal(r.body, &got); err != nil || len(got) != 1 || got[0]["status"] != "open" ||
		got[0]["description"] != "Mattress dumped in the lane" || got[0]["service_code"] != "fly-tipping" {
		t.Fatalf("GET requests/{id}.json: %s", r)
	}
	if strings.Contains(r.String(), "reporter@example.org") || strings.Contains(r.String(), "Pat") {
		t.Errorf("the public request shows who reported it: %s", r)
	}
	r = e.call(t, "GET", "/open311/v2/requests.xml?service_code=fly-tipping&status=open", "", "")
	if r.status != 200 || !strings.Contains(string(r.body), "<service_request_id>"+id+"</service_request_id>") {
		t.Fatalf("GET requests.xml: %s", r)
	}
	r = e.call(t, "GET", "/open311/v2/requests.json?status=closed", "", "")
	if r.status != 200 || strings.Contains(string(r.body), id) {
		t.Fatalf("closed filter shows an open request: %s", r)
	}

	// Errors: the specification's documents, in the format asked for.
	bad := url.Values{"api_key": {"o311_wrong"}, "service_code": {"fly-tipping"}, "lat": {"50.36"}, "long": {"-4.14"}}
	r = post(bad, "xml")
	if r.status != 403 || !strings.Contains(string(r.body), "<errors><error><code>403</code>") {
		t.Fatalf("a wrong key: %s", r)
	}
	outside := url.Values{}
	for k, v := range form {
		outside[k] = v
	}
	outside.Set("lat", "50.3746")
	outside.Set("long", "-4.1946") // Torpoint, across the Tamar
	var errs []map[string]any
	r = post(outside, "json")
	if err := json.Unmarshal(r.body, &errs); err != nil || r.status != 400 || len(errs) == 0 || errs[0]["code"] != 400.0 ||
		!strings.HasPrefix(errs[0]["description"].(string), "lat: ") {
		t.Fatalf("a report outside the area: %s", r)
	}
	noAmount := url.Values{}
	for k, v := range form {
		noAmount[k] = v
	}
	noAmount.Del("attribute[amount]")
	if r := post(noAmount, "json"); r.status != 400 || !strings.Contains(r.String(), "attribute[amount]: ") {
		t.Fatalf("a missing attribute is not named as the client sent it: %s", r)
	}
	r = e.call(t, "GET", "/open311/v2/requests.json?start_date=yesterday", "", "")
	if r.status != 400 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("a bad date: %s", r)
	}
	if r := e.call(t, "GET", "/open311/v2/services.yaml", "", ""); r.status != 404 {
		t.Errorf("an unknown format: %s", r)
	}
	disc := mustJSON[map[string]any](t, e.call(t, "GET", "/open311/v2/discovery.json", "", ""), 200)
	if eps, _ := disc["endpoints"].([]any); len(eps) != 1 {
		t.Errorf("discovery %v", disc)
	}
}
