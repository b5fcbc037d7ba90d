package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"frontdoor/api/auth"
)

// TestKioskIsWired: the binary serves the kiosk routes, and its access
// tokens ask the kiosk about kiosk sessions, so an ended session's token
// is refused; the idle sweeper stops with the rest on Close.
func TestKioskIsWired(t *testing.T) {
	m := NewMain(testConfig(t), io.Discard, io.Discard)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := "http://" + m.Addr() + "/api/v1"
	call := func(method, path, authz, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &out)
		return resp.StatusCode, out, resp.Header
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }

	if _, err := m.auth.CreateUser(context.Background(), auth.CreateUserInput{Email: "sup@plymouth.example", Role: auth.RoleSupervisor,
		Password: "supervisor passphrase 1"}); err != nil {
		t.Fatal(err)
	}
	status, login, _ := call("POST", "/auth/login", "", `{"email": "sup@plymouth.example", "password": "supervisor passphrase 1"}`)
	if status != 200 {
		t.Fatalf("login: %d %v", status, login)
	}
	status, enrol, _ := call("POST", "/kiosk/enrolments", "Bearer "+str(login, "access_token"),
		`{"location": {"kind": "library", "name": "Central Library", "address": "Armada Way"}, "profile": "self-service"}`)
	if status != 201 {
		t.Fatalf("enrol: %d %v", status, enrol)
	}
	status, dev, _ := call("POST", "/kiosk/devices", "", `{"code": "`+str(enrol, "code")+`"}`)
	if status != 201 {
		t.Fatalf("register: %d %v", status, dev)
	}
	status, sess, _ := call("POST", "/kiosk/sessions", "Device "+str(dev, "device_token"), "")
	if status != 201 {
		t.Fatalf("start: %d %v", status, sess)
	}
	token := "Bearer " + str(sess, "access_token")
	if status, body, _ := call("GET", "/cases", token, ""); status != 200 {
		t.Fatalf("the session's cases: %d %v", status, body)
	}
	status, _, h := call("POST", "/kiosk/sessions/"+str(sess, "session_id")+"/end", token, "")
	if status != 204 || h.Get("Clear-Site-Data") == "" {
		t.Fatalf("end: %d %v", status, h)
	}
	if status, body, _ := call("GET", "/cases", token, ""); status != 401 {
		t.Errorf("the ended session's token: %d %v", status, body)
	}
	if err := m.Close(); err != nil { // the idle sweeper included
		t.Errorf("close: %v", err)
	}
}
