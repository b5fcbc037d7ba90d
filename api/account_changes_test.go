package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
)

// TestTellUsOnceOverHTTP is the "done" scenario, over HTTP only: an
// admin registers three services, a resident registers, verifies and signs
// in, links the three, moves house once and watches all three update. Each
// back office checks the signature and gets the Idempotency-Key; the same
// POST sent again with the same key makes no second change.
func TestTellUsOnceOverHTTP(t *testing.T) {
	e := newAcctEnv(t)
	admin := e.token(t, "admin-1", auth.RoleAdmin)
	keys := []string{"council-tax", "electoral-roll", "library"}
	recv := map[string]*hookReceiver{}
	for _, key := range keys {
		recv[key] = newHookReceiver(t)
		body := fmt.Sprintf(`{"key": %q, "names": {"en": "Service %s", "cy": "Gwasanaeth %s"}, "url": %q, "fields": ["address"]}`, key, key, key, recv[key].url())
		created := mustJSON[struct {
			Key, Secret string
		}](t, e.call(t, "POST", "/api/v1/admin/connectors", admin, body), 201)
		recv[key].setSecret(created.Secret)
	}

	const email, password = "ada@example.org", "plum-otter-47-lantern"
	r := e.call(t, "POST", "/api/v1/auth/register", "", `{"email": "`+email+`", "password": "`+password+`", "name": "Ada Lovelace", "language": "cy"}`)
	if r.status != 201 {
		t.Fatalf("register: %s", r)
	}
	if r := e.call(t, "POST", "/api/v1/auth/verify", "", `{"email": "`+email+`", "code": "`+e.code(t, email)+`"}`); r.status != 200 {
		t.Fatalf("verify: %s", r)
	}
	tok := mustJSON[tokenResponse](t, e.call(t, "POST", "/api/v1/auth/login", "", `{"email": "`+email+`", "password": "`+password+`"}`), 200).AccessToken

	me := mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", tok, ""), 200)
	if me.Name.Preferred != "Ada Lovelace" || me.Language != "cy" || !me.Contacts.Emails[0].Verified {
		t.Fatalf("the new record %+v", me)
	}
	addr := `{"addresses": [{"line1": "1 Armada Way", "town": "Plymouth", "postcode": "pl1 2aa", "valid_from": "2019-04-01"}]}`
	mustJSON[accounts.Customer](t, e.call(t, "PATCH", "/api/v1/me", tok, addr), 200)
	for i, key := range keys {
		l := mustJSON[linkView](t, e.call(t, "POST", "/api/v1/me/links", tok,
			fmt.Sprintf(`{"connector": %q, "reference": "REF-%d", "consent": true, "consent_version": "2025-01"}`, key, i)), 201)
		if l.Name != "Gwasanaeth "+key || l.Consent.TextVersion != "2025-01" || l.Consent.GivenAt.IsZero() {
			t.Errorf("link %+v", l)
		}
	}

	move := `{"kind": "address", "effective_date": "` + time.Now().Format("2006-01-02") +
		`", "values": {"address": {"line1": "2 Royal Parade", "town": "Plymouth", "postcode": "PL1 1DD", "uprn": "100040422100"}}}`
	r = e.call(t, "POST", "/api/v1/me/changes", tok, move, "Idempotency-Key", "move-1")
	ch := mustJSON[changeView](t, r, 202)
	if r.header.Get("Location") != "/api/v1/me/changes/"+ch.ID || len(ch.Services) != 3 {
		t.Fatalf("202 %s, Location %q", r, r.header.Get("Location"))
	}
	for _, sv := range ch.Services {
		if sv.Status == "" || sv.Connector == "" {
			t.Errorf("service %+v", sv)
		}
	}
	done := e.waitChange(t, tok, ch.ID, accounts.StatusDelivered)
	for i, sv := range done.Services {
		if sv.Connector != keys[i] || sv.Status != accounts.StatusDelivered ||
			sv.Message != "Gwasanaeth "+keys[i]+": wedi cael gwybod am eich newid." {
			t.Errorf("service %d in Welsh: %+v", i, sv)
		}
	}
	for i, key := range keys {
		ds := recv[key].deliveries()
		if len(ds) != 1 {
			t.Fatalf("%s got %d deliveries, want 1", key, len(ds))
		}
		var a accounts.PostalAddress
		json.Unmarshal(ds[0].Body.Values["address"], &a)
		if ds[0].Key != ch.ID+":"+key || ds[0].Body.ChangeID != ch.ID || ds[0].Body.Reference != fmt.Sprintf("REF-%d", i) || a.Postcode != "PL1 1DD" {
			t.Errorf("%s got key %q, body %+v, address %+v", key, ds[0].Key, ds[0].Body, a)
		}
		recv[key].checkClean(t)
	}

	// The same request again, as a client that lost the answer would send it.
	again := e.call(t, "POST", "/api/v1/me/changes", tok, move, "Idempotency-Key", "move-1")
	if again.header.Get("Idempotent-Replayed") != "true" || mustJSON[changeView](t, again, 202).ID != ch.ID {
		t.Errorf("resubmission: %s", again)
	}
	time.Sleep(100 * time.Millisecond) // room for a second delivery, were one queued
	if page := mustJSON[changePage](t, e.call(t, "GET", "/api/v1/me/changes", tok, ""), 200); len(page.Items) != 1 {
		t.Errorf("%d changes after a resubmission, want 1", len(page.Items))
	}
	for _, key := range keys {
		if n := len(recv[key].deliveries()); n != 1 {
			t.Errorf("%s got %d deliveries after the resubmission", key, n)
		}
	}
	me = mustJSON[accounts.Customer](t, e.call(t, "GET", "/api/v1/me", tok, ""), 200)
	if _, cur := me.CurrentAddress(); cur == nil || cur.Postcode != "PL1 1DD" || len(me.Addresses) != 2 {
		t.Errorf("addresses after the move %+v", me.Addresses)
	}
}

func TestChangeScenarios(t *testing.T) {
	e := newAcctEnv(t)
	ada := e.resident(t, "res-ada")
	staff := e.token(t, "staff-1", auth.RoleStaff)
	today := time.Now().Format("2006-01-02")
	name := `{"kind": "name", "effective_date": "` + today + `", "values": {"name": {"given": "Augusta"}}}`
	e.run(t, []apiCase{
		{name: "a change nobody needs telling is delivered at once", method: "POST", path: "/api/v1/me/changes", token: ada, body: name, status: 202,
			check: func(t *testing.T, r *response) {
				ch := mustJSON[changeView](t, r, 202)
				if ch.Status != accounts.StatusDelivered || ch.Channel != "web" || ch.Kind != "name" || len(ch.Services) != 0 {
					t.Errorf("change %+v", ch)
				}
			}},
		{name: "unknown kind", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": "pets", "effective_date": "` + today + `", "values": {}}`, status: 400, slug: "validation", pointer: ptr("/kind")},
		{name: "values that do not match the kind", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": "address", "effective_date": "` + today + `", "values": {"name": {"given": "X"}}}`, status: 400, slug: "validation", pointer: ptr("/values/address")},
		{name: "invalid postcode", method: "POST", path: "/api/v1/me/changes", token: ada,
			body:   `{"kind": "address", "effective_date": "` + today + `", "values": {"address": {"line1": "1 A St", "town": "T", "postcode": "12345"}}}`,
			status: 400, slug: "validation", pointer: ptr("/values/address/postcode")},
		{name: "invalid email", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": "contact", "effective_date": "` + today + `", "values": {"contact": {"email": "ada@"}}}`, status: 400, slug: "validation", pointer: ptr("/values/contact/email")},
		{name: "invalid phone", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": "contact", "effective_date": "` + today + `", "values": {"contact": {"phone": "+0"}}}`, status: 400, slug: "validation", pointer: ptr("/values/contact/phone")},
		{name: "a move before the current address began", method: "POST", path: "/api/v1/me/changes", token: ada,
			body:   `{"kind": "address", "effective_date": "2019-01-01", "values": {"address": {"line1": "1 A St", "town": "Plymouth", "postcode": "PL1 1AA"}}}`,
			status: 400, slug: "validation", pointer: ptr("/effective_date")},
		{name: "over-long line", method: "POST", path: "/api/v1/me/changes", token: ada,
			body:   `{"kind": "address", "effective_date": "` + today + `", "values": {"address": {"line1": "` + strings.Repeat("ж", 101) + `", "town": "T", "postcode": "PL1 1AA"}}}`,
			status: 400, slug: "validation", pointer: ptr("/values/address/line1")},
		{name: "a date of the wrong type", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": "name", "effective_date": 20250101, "values": {}}`, status: 400, slug: "invalid-body", pointer: ptr("/effective_date")},
		{name: "the channel is the token's, not the body's", method: "POST", path: "/api/v1/me/changes", token: ada,
			body:   `{"kind": "name", "effective_date": "` + today + `", "channel": "assisted", "actor_id": "staff-1", "values": {"name": {"given": "X"}}}`,
			status: 400, slug: "invalid-body", pointer: ptr("/channel")},
		{name: "operator injection", method: "POST", path: "/api/v1/me/changes", token: ada,
			body: `{"kind": {"$ne": null}, "effective_date": "` + today + `", "values": {}}`, status: 400, slug: "invalid-body", pointer: ptr("/kind")},
		{name: "a bad Idempotency-Key", method: "POST", path: "/api/v1/me/changes", token: ada, body: name,
			headers: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400, slug: "idempotency-key-invalid"},
		{name: "staff cannot report for themselves here", method: "POST", path: "/api/v1/me/changes", token: staff, body: name, status: 403, slug: "forbidden"},
		{name: "an id that is nobody's", method: "GET", path: "/api/v1/me/changes/no-such-change", token: ada, status: 404, slug: "not-found"},
		{name: "a garbage cursor", method: "GET", path: "/api/v1/me/changes?cursor=garbage", token: ada, status: 400, slug: "bad-cursor"},
		{name: "an over-long cursor", method: "GET", path: "/api/v1/me/changes?cursor=" + strings.Repeat("a", 2000), token: ada, status: 400, slug: "bad-cursor"},
	})
}

// TestChangeChannels: where a change was made, and who on the staff helped,
// come from the token: a member of staff acting for the resident (act) is
// recorded with the change.
func TestChangeChannels(t *testing.T) {
	e := newAcctEnv(t)
	e.resident(t, "res-ada")
	ctx := context.Background()
	for _, tc := range []struct {
		channel auth.Channel
		actor   string
		want    string
	}{{auth.ChannelKiosk, "", "kiosk"}, {auth.ChannelAssisted, "staff-3", "assisted"}, {auth.ChannelAPI, "", "web"}} {
		g, err := e.tokens.SignIn(ctx, auth.Subject{ID: "res-ada", Roles: []auth.Role{auth.RoleResident}, Channel: tc.channel, ActorID: tc.actor})
		if err != nil {
			t.Fatal(err)
		}
		body := `{"kind": "name", "effective_date": "` + time.Now().Format("2006-01-02") + `", "values": {"name": {"given": "Ada"}}}`
		v := mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", g.AccessToken, body), 202)
		ch, err := e.acct.GetChange(ctx, "res-ada", v.ID)
		if err != nil || v.Channel != tc.want || ch.Channel != tc.want || ch.ActorID != tc.actor {
			t.Errorf("%s: view %q, stored %+v, %v", tc.channel, v.Channel, ch, err)
		}
	}
}

// TestChangesPage: the list is paged newest first, and one resident's
// cursor means nothing in another's list.
func TestChangesPage(t *testing.T) {
	e := newAcctEnv(t)
	ada, bob := e.resident(t, "res-ada"), e.resident(t, "res-bob")
	today := time.Now().Format("2006-01-02")
	var ids []string
	for i := range 51 {
		body := fmt.Sprintf(`{"kind": "name", "effective_date": %q, "values": {"name": {"given": "Ada %d"}}}`, today, i)
		ids = append(ids, mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", ada, body), 202).ID)
	}
	first := mustJSON[changePage](t, e.call(t, "GET", "/api/v1/me/changes", ada, ""), 200)
	if len(first.Items) != 50 || first.Next == "" || first.Items[0].ID != ids[50] {
		t.Fatalf("first page: %d items, next %q", len(first.Items), first.Next)
	}
	second := mustJSON[changePage](t, e.call(t, "GET", "/api/v1/me/changes?cursor="+first.Next, ada, ""), 200)
	if len(second.Items) != 1 || second.Items[0].ID != ids[0] || second.Next != "" {
		t.Errorf("second page %+v", second)
	}
	mustProblem(t, e.call(t, "GET", "/api/v1/me/changes?cursor="+first.Next, bob, ""), 400, "bad-cursor")
}
