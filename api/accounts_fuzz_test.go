package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"frontdoor/api/accounts"
)

// FuzzMeBodies sends arbitrary bodies to the /me routes that take one: the
// answer is a success or a 4xx problem, never a 5xx. Connectors are not
// fuzzed: a fuzzed URL could point deliveries away from loopback.
//
//	go test -run '^$' -fuzz FuzzMeBodies -fuzztime 60s ./api/
func FuzzMeBodies(f *testing.F) {
	seeds := []struct {
		route int
		body  string
	}{
		{0, `{"name": {"given": "Ada"}, "language": "cy"}`},
		{0, `{"contacts": {"emails": [{"address": "a@example.org", "primary": true}], "phones": [{"number": "07700 900123"}]}}`},
		{0, `{"addresses": [{"line1": "1 A St", "town": "Plymouth", "postcode": "PL1 2AA", "valid_from": "2020-01-01"}]}`},
		{0, `{"representatives": [{"name": "Byron", "scopes": ["view"], "expires_at": "2030-01-01T00:00:00Z"}]}`},
		{0, `{"email": {"$gt": ""}}`},
		{0, `{"date_of_birth": "1815-12-10", "accessibility": {"interpreter_language": "bfi"}}`},
		{1, `{"connector": "library", "reference": "LIB-1", "consent": true, "consent_version": "v1"}`},
		{1, `{"connector": {"$ne": null}}`},
		{2, `{"kind": "address", "effective_date": "2025-06-01", "values": {"address": {"line1": "2 B St", "town": "Plymouth", "postcode": "PL1 1DD"}}}`},
		{2, `{"kind": "contact", "effective_date": "2025-06-01", "values": {"contact": {"email": "b@example.org"}}}`},
		{2, `{"kind": "deceased", "effective_date": "2025-06-01", "values": {"deceased": {"reported_by": {"name": "B", "relationship": "son"}}}}`},
		{2, `[]`},
	}
	for _, s := range seeds {
		f.Add(s.route, s.body)
	}
	e := newAcctEnv(f)
	e.connector(f, "library", newHookReceiver(f), accounts.KindAddress, accounts.KindContact)
	token := e.resident(f, "res-fuzz")
	routes := []struct{ method, path string }{{"PATCH", "/api/v1/me"}, {"POST", "/api/v1/me/links"}, {"POST", "/api/v1/me/changes"}}
	f.Fuzz(func(t *testing.T, route int, body string) {
		rt := routes[(route%len(routes)+len(routes))%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", jsonCT)
		res, err := e.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d", rt.method, rt.path, body, res.StatusCode)
		}
		if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%q: a %d that is not a problem", body, res.StatusCode)
		}
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusAccepted && res.StatusCode < 400 {
			t.Fatalf("%q: status %d", body, res.StatusCode)
		}
	})
}
