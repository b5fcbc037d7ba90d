package api

import (
	"regexp"
	"strings"
	"testing"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
)

func TestConnectorScenarios(t *testing.T) {
	e := newAcctEnv(t)
	admin := e.token(t, "admin-1", auth.RoleAdmin)
	supervisor := e.token(t, "sup-1", auth.RoleSupervisor)
	resident := e.resident(t, "res-ada")
	recv := newHookReceiver(t)
	conn := func(key, url string) string {
		return `{"key": "` + key + `", "names": {"en": "Council Tax", "cy": "Treth y Cyngor"}, "url": "` + url + `", "fields": ["address", "name"]}`
	}
	var secret string
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	e.run(t, []apiCase{
		{name: "register a connector", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("council-tax", recv.url()),
			headers: []string{"Idempotency-Key", "ct-1"}, status: 201, check: func(t *testing.T, r *response) {
				c := mustJSON[struct {
					accounts.Connector
					Secret string `json:"secret"`
				}](t, r, 201)
				if c.Key != "council-tax" || c.Names.CY != "Treth y Cyngor" || c.ReferenceMaxLen != 64 || c.Disabled || !hex64.MatchString(c.Secret) {
					t.Errorf("created %+v", c)
				}
				if r.header.Get("Location") != "/api/v1/admin/connectors/council-tax" || r.header.Get("Cache-Control") != "no-store" {
					t.Errorf("headers %v", r.header)
				}
				secret = c.Secret
			}},
		{name: "a lost answer is fetched again with the same key", method: "POST", path: "/api/v1/admin/connectors", token: admin,
			body: conn("council-tax", recv.url()), headers: []string{"Idempotency-Key", "ct-1"}, status: 201, check: func(t *testing.T, r *response) {
				if r.header.Get("Idempotent-Replayed") != "true" || !strings.Contains(r.String(), secret) {
					t.Errorf("replay %s", r)
				}
			}},
		{name: "the key again", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("council-tax", recv.url()),
			status: 409, slug: "duplicate", pointer: ptr("/key")},
		{name: "a key in the wrong form", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("Council Tax", recv.url()),
			status: 400, slug: "validation", pointer: ptr("/key")},
		{name: "plain http to another host", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("waste", "http://waste.example.gov.uk/hook"),
			status: 400, slug: "validation", pointer: ptr("/url"), check: func(t *testing.T, r *response) {
				if !strings.Contains(r.problem.Errors[0].Detail, "https://") {
					t.Errorf("detail %q", r.problem.Errors[0].Detail)
				}
			}},
		{name: "a private address", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("waste", "https://10.0.0.8/hook"),
			status: 400, slug: "validation", pointer: ptr("/url")},
		{name: "credentials in the URL", method: "POST", path: "/api/v1/admin/connectors", token: admin, body: conn("waste", "https://u:p@waste.example/hook"),
			status: 400, slug: "validation", pointer: ptr("/url")},
		{name: "an over-long name", method: "POST", path: "/api/v1/admin/connectors", token: admin,
			body:   `{"key": "waste", "names": {"en": "` + strings.Repeat("W", 101) + `"}, "url": "https://waste.example/h", "fields": ["address"]}`,
			status: 400, slug: "validation", pointer: ptr("/names/en")},
		{name: "a field nobody knows", method: "POST", path: "/api/v1/admin/connectors", token: admin,
			body:   `{"key": "waste", "names": {"en": "Waste"}, "url": "https://waste.example/h", "fields": ["shoe_size"]}`,
			status: 400, slug: "validation", pointer: ptr("/fields/0")},
		{name: "a secret cannot be chosen", method: "POST", path: "/api/v1/admin/connectors", token: admin,
			body:   `{"key": "waste", "names": {"en": "Waste"}, "url": "https://waste.example/h", "fields": ["address"], "secret": "hunter2"}`,
			status: 400, slug: "invalid-body", pointer: ptr("/secret")},
		{name: "wrong type", method: "POST", path: "/api/v1/admin/connectors", token: admin,
			body:   `{"key": "waste", "names": "Waste", "url": "https://waste.example/h", "fields": ["address"]}`,
			status: 400, slug: "invalid-body", pointer: ptr("/names")},
		{name: "list: no secrets", method: "GET", path: "/api/v1/admin/connectors", token: admin, status: 200, check: func(t *testing.T, r *response) {
			l := mustJSON[connectorList](t, r, 200)
			if len(l.Items) != 1 || l.Items[0].Key != "council-tax" || strings.Contains(r.String(), secret) || strings.Contains(r.String(), `"secret"`) {
				t.Errorf("list %s", r)
			}
		}},
		{name: "change the URL and fields", method: "PATCH", path: "/api/v1/admin/connectors/council-tax", token: admin,
			body: `{"fields": ["address"], "reference_pattern": "CT-[0-9]+"}`, status: 200, check: func(t *testing.T, r *response) {
				c := mustJSON[accounts.Connector](t, r, 200)
				if len(c.Fields) != 1 || c.ReferencePattern != "CT-[0-9]+" || c.Names.EN != "Council Tax" {
					t.Errorf("patched %+v", c)
				}
			}},
		{name: "a pattern that is not one", method: "PATCH", path: "/api/v1/admin/connectors/council-tax", token: admin,
			body: `{"reference_pattern": "(("}`, status: 400, slug: "validation", pointer: ptr("/reference_pattern")},
		{name: "the key cannot change", method: "PATCH", path: "/api/v1/admin/connectors/council-tax", token: admin,
			body: `{"key": "tax"}`, status: 400, slug: "invalid-body", pointer: ptr("/key")},
		{name: "patch nobody", method: "PATCH", path: "/api/v1/admin/connectors/no-such", token: admin, body: `{"disabled": true}`, status: 404, slug: "not-found"},
		{name: "disable", method: "DELETE", path: "/api/v1/admin/connectors/council-tax", token: admin, status: 200, check: func(t *testing.T, r *response) {
			if c := mustJSON[accounts.Connector](t, r, 200); !c.Disabled {
				t.Errorf("still enabled: %+v", c)
			}
		}},
		{name: "disable nobody", method: "DELETE", path: "/api/v1/admin/connectors/NO", token: admin, status: 404, slug: "not-found"},
		{name: "enable again", method: "PATCH", path: "/api/v1/admin/connectors/council-tax", token: admin, body: `{"disabled": false}`, status: 200},
		{name: "residents may not", method: "GET", path: "/api/v1/admin/connectors", token: resident, status: 403, slug: "forbidden"},
		{name: "supervisors may not", method: "POST", path: "/api/v1/admin/connectors", token: supervisor, body: conn("waste", recv.url()), status: 403, slug: "forbidden"},
		{name: "nobody may not", method: "DELETE", path: "/api/v1/admin/connectors/council-tax", status: 401, slug: "unauthorized"},
	})
}
