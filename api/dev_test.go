package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/locales"
)

func TestDevMessages(t *testing.T) {
	e := newIdentityEnv(t, identityOptions{})
	for _, body := range []string{
		`{"email": "one@example.com", "name": "One"}`,
		`{"phone": "07700 900111", "name": "Two"}`,
		`{"email": "one@example.com", "name": "One again"}`, // a pending registration: a new code
	} {
		if r := e.call(t, "POST", "/api/v1/auth/register", nil, body); r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r)
		}
	}
	r := e.call(t, "GET", "/api/v1/dev/messages", nil, "")
	var all []map[string]any
	if r.status != 200 || json.Unmarshal(r.body, &all) != nil || len(all) != 3 {
		t.Fatalf("all messages: %d %s", r.status, r)
	}
	for _, m := range all {
		for _, k := range []string{"to", "channel", "subject", "body", "sent_at"} {
			if _, ok := m[k]; !ok {
				t.Errorf("message without %q: %v", k, m)
			}
		}
	}
	if all[0]["to"] != "one@example.com" || all[1]["to"] != "+447700900111" || all[1]["channel"] != "sms" {
		t.Errorf("not newest first: %v", all)
	}
	first, _ := time.Parse(time.RFC3339Nano, all[2]["sent_at"].(string))
	last, _ := time.Parse(time.RFC3339Nano, all[0]["sent_at"].(string))
	if last.Before(first) {
		t.Errorf("sent_at goes backwards: %v then %v", first, last)
	}
	one := e.messages(t, "ONE@example.com")
	if len(one) != 2 || one[0].Body == one[1].Body {
		t.Errorf("to=ONE@example.com: %+v", one)
	}
	if none := e.call(t, "GET", "/api/v1/dev/messages?to=nobody@example.com", nil, ""); none.String() != "[]" {
		t.Errorf("no messages should be [], got %s", none)
	}
}

// TestDevRouteAbsentInProduction: the route that shows sign-in codes does
// not exist in production, and New refuses to build one that would.
func TestDevRouteAbsentInProduction(t *testing.T) {
	cfg := Config{Production: true, BaseURL: "https://frontdoor.example.gov.uk"}
	e := newIdentityEnv(t, identityOptions{cfg: cfg, production: true})
	mustProblem(t, e.call(t, "GET", "/api/v1/dev/messages", nil, ""), 404, "not-found")
	mustProblem(t, e.call(t, "GET", "/api/v1/dev/messages?to=x@example.com", nil, ""), 404, "not-found")
	if r := e.call(t, "POST", "/api/v1/auth/register", nil, `{"email": "p@example.com", "name": "P"}`); r.status != 201 {
		t.Errorf("identity is there in production: %d %s", r.status, r)
	}

	bundle, err := locales.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Store: e.db, Bundle: bundle, Metrics: NewMetrics(prometheus.NewRegistry()), Auth: e.auth, Tokens: e.tokens, DevMessages: e.outbox}
	if _, err := New(context.Background(), cfg, deps); err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("New accepted a dev outbox in production: %v", err)
	}
	deps.DevMessages, deps.Tokens = nil, nil
	if _, err := New(context.Background(), cfg, deps); err == nil {
		t.Error("New accepted Auth without Tokens")
	}
}

// TestIdentityRoutesWithoutAuth: the foundation's server, built without
// identity, answers 404 on every identity route rather than failing.
func TestIdentityRoutesWithoutAuth(t *testing.T) {
	url := newTestEnv(t, Config{}).start(t)
	js := map[string]string{"Content-Type": jsonCT, "Authorization": "Bearer whatever"}
	for _, rt := range []struct{ method, path string }{
		{"POST", "/api/v1/auth/register"}, {"POST", "/api/v1/auth/login"}, {"POST", "/api/v1/auth/refresh"},
		{"POST", "/api/v1/auth/password"}, {"GET", "/.well-known/jwks.json"}, {"GET", "/api/v1/dev/messages"},
		{"GET", "/api/v1/admin/users"}, {"PATCH", "/api/v1/admin/users/x"},
	} {
		mustProblem(t, do(t, rt.method, url+rt.path, js, `{}`), 404, "not-found")
	}
}
