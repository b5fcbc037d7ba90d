package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/locales"
)

func TestMeScenarios(t *testing.T) {
	e := newAcctEnv(t)
	ada := e.resident(t, "res-ada")
	staff := e.token(t, "staff-1", auth.RoleStaff)
	long := strings.Repeat("x", 101)
	e.run(t, []apiCase{
		{name: "read my record", method: "GET", path: "/api/v1/me", token: ada, status: 200, check: func(t *testing.T, r *response) {
			c := mustJSON[accounts.Customer](t, r, 200)
			if c.ID != "res-ada" || c.Name.Given != "Ada" || len(c.Addresses) != 1 || c.Addresses[0].Postcode != "PL1 2AA" {
				t.Errorf("record %+v", c)
			}
		}},
		{name: "no token", method: "GET", path: "/api/v1/me", status: 401, slug: "unauthorized"},
		{name: "a forged token", method: "GET", path: "/api/v1/me", token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXMtYWRhIn0.", status: 401, slug: "invalid-token"},
		{name: "a staff token is not a resident's", method: "GET", path: "/api/v1/me", token: staff, status: 403, slug: "forbidden"},
		{name: "patch my name and needs", method: "PATCH", path: "/api/v1/me", token: ada,
			body:   `{"name": {"given": "Augusta", "family": "King", "preferred": "Ada"}, "accessibility": {"large_print": true, "interpreter_language": "BFI"}, "language": "cy"}`,
			status: 200, check: func(t *testing.T, r *response) {
				c := mustJSON[accounts.Customer](t, r, 200)
				if c.Name.Given != "Augusta" || !c.Accessibility.LargePrint || c.Accessibility.InterpreterLanguage != "bfi" || c.Language != "cy" {
					t.Errorf("patched record %+v", c)
				}
				if len(c.Addresses) != 1 {
					t.Errorf("a patch without addresses dropped them: %+v", c.Addresses)
				}
			}},
		{name: "contacts are normalized and never verified from input", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"contacts": {"emails": [{"address": "Ada@Example.ORG", "verified": true}], "phones": [{"number": "07700 900123"}]}}`, status: 200,
			check: func(t *testing.T, r *response) {
				c := mustJSON[accounts.Customer](t, r, 200)
				if e := c.Contacts.Emails[0]; e.Verified || !strings.EqualFold(e.Address, "ada@example.org") || !e.Primary {
					t.Errorf("email %+v", e)
				}
				if p := c.Contacts.Phones[0]; p.Number != "+447700900123" || p.Verified {
					t.Errorf("phone %+v", p)
				}
			}},
		{name: "invalid postcode", method: "PATCH", path: "/api/v1/me", token: ada,
			body:   `{"addresses": [{"line1": "1 High St", "town": "Plymouth", "postcode": "XX99 9XX9", "valid_from": "2020-01-01"}]}`,
			status: 400, slug: "validation", pointer: ptr("/addresses/0/postcode")},
		{name: "invalid email", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"contacts": {"emails": [{"address": "not-an-email"}]}}`, status: 400, slug: "validation", pointer: ptr("/contacts/emails/0/address")},
		{name: "invalid phone", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"contacts": {"phones": [{"number": "12345"}]}}`, status: 400, slug: "validation", pointer: ptr("/contacts/phones/0/number")},
		{name: "over-long name", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"name": {"given": "` + long + `"}}`, status: 400, slug: "validation", pointer: ptr("/name/given"),
			check: func(t *testing.T, r *response) {
				if !strings.Contains(r.problem.Errors[0].Detail, "100 characters") {
					t.Errorf("detail %q", r.problem.Errors[0].Detail)
				}
			}},
		{name: "a date that is not one", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"date_of_birth": "1815-02-31"}`, status: 400, slug: "validation", pointer: ptr("/date_of_birth")},
		{name: "every problem at once, in Welsh", method: "PATCH", path: "/api/v1/me?lang=cy", token: ada,
			body: `{"name": {"given": ""}, "language": "fr"}`, status: 400, slug: "validation", pointer: ptr("/language"),
			check: func(t *testing.T, r *response) {
				if len(r.problem.Errors) != 2 || !strings.Contains(r.problem.Errors[0].Detail+r.problem.Errors[1].Detail, "Rhowch o leiaf un rhan o'ch enw") {
					t.Errorf("errors %+v", r.problem.Errors)
				}
			}},
		{name: "wrong type", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"name": {"given": 42}}`, status: 400, slug: "invalid-body", pointer: ptr("/name/given")},
		{name: "unknown field", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"name": {"given": "Ada"}, "roles": ["admin"]}`, status: 400, slug: "invalid-body", pointer: ptr("/roles")},
		{name: "operator injection", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"email": {"$gt": ""}}`, status: 400, slug: "invalid-body", pointer: ptr("/email")},
		{name: "operator injection in a value", method: "PATCH", path: "/api/v1/me", token: ada,
			body: `{"contacts": {"emails": [{"address": {"$gt": ""}}]}}`, status: 400, slug: "invalid-body", pointer: ptr("/contacts/emails/0/address")},
		{name: "malformed JSON", method: "PATCH", path: "/api/v1/me", token: ada, body: `{"name": `, status: 400, slug: "malformed-json"},
		{name: "not JSON", method: "PATCH", path: "/api/v1/me", token: ada, headers: []string{"Content-Type", "text/plain"},
			body: `name=Ada`, status: 415, slug: "unsupported-media-type"},
		{name: "patch without a token", method: "PATCH", path: "/api/v1/me", body: `{"language": "en"}`, status: 401, slug: "unauthorized"},
		{name: "export without a token", method: "GET", path: "/api/v1/me/export", status: 401, slug: "unauthorized"},
		{name: "erase without a token", method: "DELETE", path: "/api/v1/me", status: 401, slug: "unauthorized"},
		{name: "erase with a staff token", method: "DELETE", path: "/api/v1/me", token: staff, status: 403, slug: "forbidden"},
		{name: "wrong method", method: "PUT", path: "/api/v1/me", token: ada, status: 405, slug: "method-not-allowed"},
	})
}

// TestMeIsWhoTheTokenSays: with another resident's token every /me route
// answers about that resident, and never shows or changes the first one's
// data; ids of the first one's things are 404s, not 403s.
func TestMeIsWhoTheTokenSays(t *testing.T) {
	e := newAcctEnv(t)
	recv := newHookReceiver(t)
	e.connector(t, "council-tax", recv)
	ada, bob := e.resident(t, "res-ada"), e.resident(t, "res-bob")
	adaLink := e.link(t, "res-ada", "council-tax", "CT-ADA-1")
	move := `{"kind": "address", "effective_date": "2024-06-01", "values": {"address": {"line1": "2 Royal Parade", "town": "Plymouth", "postcode": "PL1 1DD"}}}`
	adaChange := mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", ada, move), 202)
	e.waitChange(t, ada, adaChange.ID, accounts.StatusDelivered)

	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""},
		{"GET", "/api/v1/me/links", ""},
		{"GET", "/api/v1/me/changes", ""},
		{"GET", "/api/v1/me/export", ""},
	} {
		r := e.call(t, tc.method, tc.path, bob, tc.body)
		if r.status != 200 {
			t.Fatalf("%s %s as bob: %s", tc.method, tc.path, r)
		}
		for _, secret := range []string{"res-ada", "CT-ADA-1", adaChange.ID, adaLink.ID, "Royal Parade"} {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("%s %s as bob shows ada's %q: %s", tc.method, tc.path, secret, r)
			}
		}
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/me/changes/"+adaChange.ID, bob, ""), 404, "not-found")
	mustProblem(t, e.call(t, "DELETE", "/api/v1/me/links/"+adaLink.ID, bob, ""), 404, "not-found")
	// Bob's changes go to his services only: he has none, so nothing is sent.
	// Idempotency keys are his own too: ada's answer is never replayed to him.
	mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", ada, strings.Replace(move, "06-01", "07-01", 1), "Idempotency-Key", "k-1"), 202)
	r := e.call(t, "POST", "/api/v1/me/changes", bob, move, "Idempotency-Key", "k-1")
	bobMove := mustJSON[changeView](t, r, 202)
	if len(bobMove.Services) != 0 || bobMove.Status != accounts.StatusDelivered || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("bob's move %s", r)
	}

	// Ada's things are all still hers, untouched.
	links := mustJSON[linksView](t, e.call(t, "GET", "/api/v1/me/links", ada, ""), 200)
	if len(links.Items) != 1 || links.Items[0].ID != adaLink.ID {
		t.Errorf("ada's links %+v", links.Items)
	}
	me := mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", ada, ""), 200)
	bobMe := mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", bob, ""), 200)
	if me.ID != "res-ada" || bobMe.ID != "res-bob" {
		t.Errorf("records %s and %s", me.ID, bobMe.ID)
	}

	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""}, {"PATCH", "/api/v1/me", `{"language": "en"}`}, {"DELETE", "/api/v1/me", ""},
		{"GET", "/api/v1/me/export", ""}, {"GET", "/api/v1/me/links", ""},
		{"POST", "/api/v1/me/links", `{"connector": "council-tax", "reference": "X", "consent": true, "consent_version": "v1"}`},
		{"DELETE", "/api/v1/me/links/" + adaLink.ID, ""}, {"POST", "/api/v1/me/changes", move},
		{"GET", "/api/v1/me/changes", ""}, {"GET", "/api/v1/me/changes/" + adaChange.ID, ""},
	} {
		r := e.call(t, tc.method, tc.path, "", tc.body)
		mustProblem(t, r, 401, "unauthorized")
		if r.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s %s: WWW-Authenticate %q", tc.method, tc.path, r.header.Get("WWW-Authenticate"))
		}
	}
	if got := mustJSON[changePage](t, e.call(t, "GET", "/api/v1/me/changes", ada, ""), 200); len(got.Items) != 2 || got.Items[1].ID != adaChange.ID {
		t.Errorf("ada's changes %+v", got.Items)
	}
}

// TestMeIsMadeFromTheAccount: a resident who signed up has a record the
// first time they ask, from their account's name, contact and language.
func TestMeIsMadeFromTheAccount(t *testing.T) {
	e := newAcctEnv(t)
	id, tok := e.signUp(t, "Grace@Example.org", "Grace Hopper")
	c := mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", tok, ""), 200)
	if c.ID != id || c.Name.Preferred != "Grace Hopper" || c.Language != "en" ||
		len(c.Contacts.Emails) != 1 || c.Contacts.Emails[0].Address != "grace@example.org" || !c.Contacts.Emails[0].Verified {
		t.Errorf("record made from the account: %+v", c)
	}
	again := mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", tok, ""), 200)
	if again.Version != c.Version || again.CreatedAt != c.CreatedAt {
		t.Errorf("a second read made the record again: %+v", again)
	}
	// A token for someone with neither account nor record has nothing.
	mustProblem(t, e.call(t, "GET", "/api/v1/me", e.token(t, "nobody", auth.RoleResident), ""), 404, "not-found")
}

func TestExportAndErasure(t *testing.T) {
	e := newAcctEnv(t)
	recv := newHookReceiver(t)
	e.connector(t, "library", recv)
	ctx := context.Background()
	id, tok := e.signUp(t, "ada@example.org", "Ada")
	staff := e.token(t, "staff-9", auth.RoleStaff)
	mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", tok, ""), 200)
	e.link(t, id, "library", "LIB-42")
	ch := mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", tok,
		`{"kind": "name", "effective_date": "2024-06-01", "values": {"name": {"given": "Augusta"}}}`, "Idempotency-Key", "name-1"), 202)
	e.waitChange(t, tok, ch.ID, accounts.StatusDelivered)
	mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/staff/residents/"+id+"?reason=Council+tax+query+by+phone", staff, ""), 200)

	r := e.call(t, "GET", "/api/v1/me/export", tok, "")
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	var ex struct {
		Account    *auth.UserInfo        `json:"account"`
		Customer   *accounts.Customer    `json:"customer"`
		Links      []accounts.Link       `json:"links"`
		Changes    []accounts.Change     `json:"changes"`
		StaffReads []accounts.AuditEntry `json:"staff_reads"`
	}
	if err := json.Unmarshal(r.body, &ex); err != nil || r.status != 200 {
		t.Fatalf("export %d %s: %v", r.status, r, err)
	}
	if ex.Account == nil || ex.Account.Email != "ada@example.org" || strings.Contains(r.String(), "argon2") {
		t.Errorf("export account %+v", ex.Account)
	}
	if ex.Customer == nil || ex.Customer.Name.Given != "Augusta" || len(ex.Links) != 1 || len(ex.Changes) != 1 {
		t.Errorf("export %+v", ex)
	}
	if len(ex.StaffReads) != 1 || ex.StaffReads[0].StaffID != "staff-9" || ex.StaffReads[0].Reason != "Council tax query by phone" {
		t.Errorf("staff reads %+v", ex.StaffReads)
	}

	if n, _ := e.srv.idem.keys.Count(ctx); n != 1 {
		t.Fatalf("%d kept answers before erasure, want 1", n)
	}
	er := mustJSON[map[string]any](t, e.call(t, "DELETE", "/api/v1/me", tok, ""), 200)
	if er["customer"] != true || er["links"] != float64(1) || er["changes_anonymised"] != float64(1) || er["account"] != true {
		t.Errorf("erasure %v", er)
	}
	// The session ended with the account: the same token is refused now.
	mustProblem(t, e.call(t, "GET", "/api/v1/me", tok, ""), 401, "invalid-token")
	if _, err := e.auth.GetUser(ctx, id); err == nil {
		t.Error("the sign-in account outlived erasure")
	}
	if _, err := e.acct.GetCustomer(ctx, id); err == nil {
		t.Error("the customer record outlived erasure")
	}
	if links, _ := e.acct.ListLinks(ctx, id); len(links) != 0 {
		t.Errorf("links outlived erasure: %+v", links)
	}
	// The answer kept for the change's Idempotency-Key held its values.
	if n, err := e.srv.idem.keys.Count(ctx); err != nil || n != 0 {
		t.Errorf("%d kept answers outlived erasure (%v)", n, err)
	}
}

// Choosing a language on the record switches the whole account: answers and
// the codes we send come in it from the next request on, whatever the
// browser asks for.
func TestLanguageChoiceReachesTheSignInAccount(t *testing.T) {
	e := newAcctEnv(t)
	id, token := e.signUp(t, "nia@example.org", "Nia")
	if r := e.call(t, "PATCH", "/api/v1/me", token, `{"language":"cy"}`); r.status != 200 {
		t.Fatalf("PATCH language: %d %s", r.status, r.body)
	}
	r := e.call(t, "GET", "/api/v1/me/changes/nochange00000000000000000000", token, "", "Accept-Language", "en")
	if r.status != 404 || r.problem == nil || r.problem.Title != "Heb ei ganfod" || r.header.Get("Content-Language") != "cy" {
		t.Fatalf("after choosing Welsh: %d %q %q", r.status, r.header.Get("Content-Language"), r.body)
	}
	u, err := e.auth.GetUser(context.Background(), id)
	if err != nil || u.Language != "cy" {
		t.Fatalf("sign-in account language %q, %v; want cy", u.Language, err)
	}
	if err := e.auth.RequestSignInCode(context.Background(), auth.Contact{Email: "nia@example.org"}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	msgs := e.dev.Messages("nia@example.org")
	bundle, err := locales.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	code := oneTimeCode.FindString(msgs[0].Body)
	if want := locales.Localize(bundle, "cy", auth.MsgSignInCodeBody, map[string]any{"Code": code}); msgs[0].Body != want {
		t.Errorf("sign-in code message %q; want the Welsh %q", msgs[0].Body, want)
	}
}
