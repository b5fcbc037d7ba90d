package api

import (
	"context"
	"strings"
	"testing"

	"frontdoor/api/accounts"
)

func TestLinkScenarios(t *testing.T) {
	e := newAcctEnv(t)
	recv := newHookReceiver(t)
	e.connector(t, "council-tax", recv)
	e.connector(t, "library", recv)
	e.connector(t, "parking", recv)
	if _, err := e.acct.UpdateConnector(context.Background(), "council-tax", accounts.ConnectorPatch{ReferencePattern: ptr(`CT-[0-9]{8}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acct.DisableConnector(context.Background(), "parking"); err != nil {
		t.Fatal(err)
	}
	ada := e.resident(t, "res-ada")
	link := func(connector, ref string) string {
		return `{"connector": "` + connector + `", "reference": "` + ref + `", "consent": true, "consent_version": "2025-01"}`
	}
	var linkID string
	e.run(t, []apiCase{
		{name: "link a service", method: "POST", path: "/api/v1/me/links?lang=cy", token: ada, body: link("council-tax", " CT-10203040 "), status: 201,
			check: func(t *testing.T, r *response) {
				l := mustJSON[linkView](t, r, 201)
				if l.Connector != "council-tax" || l.Name != "Gwasanaeth council-tax" || l.Reference != "CT-10203040" {
					t.Errorf("link %+v", l)
				}
				if r.header.Get("Location") != "/api/v1/me/links/"+l.ID {
					t.Errorf("Location %q", r.header.Get("Location"))
				}
				linkID = l.ID
			}},
		{name: "the same service twice", method: "POST", path: "/api/v1/me/links", token: ada, body: link("council-tax", "CT-10203040"),
			status: 409, slug: "duplicate", pointer: ptr("/connector")},
		{name: "a reference in the wrong form", method: "POST", path: "/api/v1/me/links", token: ada, body: link("council-tax", "12"),
			status: 400, slug: "validation", pointer: ptr("/reference")},
		{name: "an over-long reference", method: "POST", path: "/api/v1/me/links", token: ada, body: link("library", strings.Repeat("9", 65)),
			status: 400, slug: "validation", pointer: ptr("/reference")},
		{name: "no consent", method: "POST", path: "/api/v1/me/links", token: ada,
			body: `{"connector": "library", "reference": "L1", "consent": false, "consent_version": "2025-01"}`, status: 400, slug: "validation", pointer: ptr("/consent")},
		{name: "no such service", method: "POST", path: "/api/v1/me/links", token: ada, body: link("no-such", "X"),
			status: 400, slug: "validation", pointer: ptr("/connector")},
		{name: "a disabled service", method: "POST", path: "/api/v1/me/links", token: ada, body: link("parking", "P1"),
			status: 400, slug: "validation", pointer: ptr("/connector")},
		{name: "consent of the wrong type", method: "POST", path: "/api/v1/me/links", token: ada,
			body: `{"connector": "library", "reference": "L1", "consent": "yes", "consent_version": "2025-01"}`, status: 400, slug: "invalid-body", pointer: ptr("/consent")},
		{name: "operator injection", method: "POST", path: "/api/v1/me/links", token: ada,
			body: `{"connector": {"$gt": ""}, "reference": "L1", "consent": true, "consent_version": "2025-01"}`, status: 400, slug: "invalid-body", pointer: ptr("/connector")},
		{name: "a resident id in the body", method: "POST", path: "/api/v1/me/links", token: ada,
			body: `{"resident_id": "res-bob", "connector": "library", "reference": "L1", "consent": true, "consent_version": "2025-01"}`, status: 400, slug: "invalid-body", pointer: ptr("/resident_id")},
		{name: "list: mine, and what I could link", method: "GET", path: "/api/v1/me/links", token: ada, status: 200,
			check: func(t *testing.T, r *response) {
				v := mustJSON[linksView](t, r, 200)
				if len(v.Items) != 1 || v.Items[0].ID != linkID || len(v.Available) != 1 || v.Available[0].Connector != "library" {
					t.Errorf("links %+v", v)
				}
			}},
	})
	if r := e.call(t, "DELETE", "/api/v1/me/links/"+linkID, ada, ""); r.status != 204 {
		t.Fatalf("unlink: %s", r)
	}
	mustProblem(t, e.call(t, "DELETE", "/api/v1/me/links/"+linkID, ada, ""), 404, "not-found")
	if links, _ := e.acct.ListLinks(context.Background(), "res-ada"); len(links) != 0 {
		t.Errorf("links after unlinking %+v", links)
	}
}
