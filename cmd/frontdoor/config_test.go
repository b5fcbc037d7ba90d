package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"frontdoor/api/catalogue"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func load(t *testing.T, args []string, kv map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return loadConfig(fs, args, env(kv))
}

func TestConfigDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "data" || c.Env != "development" || c.MongoURI != "" ||
		c.MongoDB != "frontdoor" || c.BodyLimit != 1<<20 || c.RateLimit != 20 || c.BaseURL != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if len(c.Area.Polygon) < 3 || c.Area.Name != catalogue.Plymouth.Name {
		t.Errorf("the default area is not the demo council's: %+v", c.Area)
	}
	box, err := load(t, nil, map[string]string{"FRONTDOOR_AREA": "50.3,-4.3,50.5,-4.0"})
	if err != nil || !box.Area.Contains(catalogue.Point{Lat: 50.4, Lng: -4.1}) || box.Area.Contains(catalogue.Point{Lat: 51, Lng: -4.1}) {
		t.Errorf("a bounding box area: %+v %v", box.Area, err)
	}
}

func TestConfigFlagsOverrideEnvironment(t *testing.T) {
	c, err := load(t, []string{"--addr", "127.0.0.1:9999", "--rate-limit", "5"},
		map[string]string{"FRONTDOOR_ADDR": "127.0.0.1:7000", "FRONTDOOR_RATE_LIMIT": "1", "FRONTDOOR_CORS_ORIGINS": "https://a.example, https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.RateLimit != 5 {
		t.Fatalf("flags did not win: %+v", c)
	}
	if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example" {
		t.Fatalf("environment not read: %v", c.CORSOrigins)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		name string
	}{
		{nil, map[string]string{"FRONTDOOR_ADDR": "nonsense"}, "FRONTDOOR_ADDR"},
		{nil, map[string]string{"FRONTDOOR_ENV": "staging"}, "FRONTDOOR_ENV"},
		{nil, map[string]string{"FRONTDOOR_RATE_LIMIT": "fast"}, "FRONTDOOR_RATE_LIMIT"},
		{nil, map[string]string{"FRONTDOOR_RATE_BURST": "0"}, "FRONTDOOR_RATE_BURST"},
		{nil, map[string]string{"FRONTDOOR_BODY_LIMIT": "12"}, "FRONTDOOR_BODY_LIMIT"},
		{nil, map[string]string{"FRONTDOOR_LOG_LEVEL": "chatty"}, "FRONTDOOR_LOG_LEVEL"},
		{nil, map[string]string{"FRONTDOOR_BASE_URL": "ftp://x"}, "FRONTDOOR_BASE_URL"},
		{nil, map[string]string{"FRONTDOOR_MONGODB_URI": "postgres://x"}, "FRONTDOOR_MONGODB_URI"},
		{nil, map[string]string{"FRONTDOOR_MONGODB_DB": "a/b"}, "FRONTDOOR_MONGODB_DB"},
		{nil, map[string]string{"FRONTDOOR_CORS_ORIGINS": "not an origin"}, "FRONTDOOR_CORS_ORIGINS"},
		{nil, map[string]string{"FRONTDOOR_TRUSTED_PROXIES": "10.0.0.300"}, "FRONTDOOR_TRUSTED_PROXIES"},
		{[]string{"--outbox-workers", "0"}, nil, "--outbox-workers"},
		{nil, map[string]string{"FRONTDOOR_AREA": "50,-4"}, "FRONTDOOR_AREA"},
		{[]string{"--area", "50 -4; 51 -4"}, nil, "--area"},
		// production refuses unsafe settings
		{nil, prod(nil, "FRONTDOOR_BASE_URL"), "FRONTDOOR_BASE_URL"},
		{nil, prod(map[string]string{"FRONTDOOR_BASE_URL": "http://council.example"}), "FRONTDOOR_BASE_URL"},
		{nil, prod(map[string]string{"FRONTDOOR_CORS_ORIGINS": "*"}), "FRONTDOOR_CORS_ORIGINS"},
		{nil, prod(map[string]string{"FRONTDOOR_RATE_LIMIT": "0"}), "FRONTDOOR_RATE_LIMIT"},
		{nil, prod(nil, "FRONTDOOR_SECRET"), "FRONTDOOR_SECRET"},
		{nil, prod(nil, "FRONTDOOR_VAPID_SUBJECT"), "FRONTDOOR_VAPID_SUBJECT"},
		{nil, prod(nil, "FRONTDOOR_SMTP_ADDR", "FRONTDOOR_SMTP_FROM"), "FRONTDOOR_SMTP_ADDR"},
		{nil, map[string]string{"FRONTDOOR_SMTP_ADDR": "mail.example:587"}, "FRONTDOOR_SMTP_FROM"},
		{nil, map[string]string{"FRONTDOOR_NOTIFY_API_KEY": "k"}, "FRONTDOOR_NOTIFY_EMAIL_TEMPLATE"},
		{nil, map[string]string{"FRONTDOOR_VAPID_SUBJECT": "someone@example.org"}, "FRONTDOOR_VAPID_SUBJECT"},
		{nil, map[string]string{"FRONTDOOR_SECRET": "too short"}, "FRONTDOOR_SECRET"},
	}
	for _, tc := range cases {
		_, err := load(t, tc.args, tc.env)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Name != tc.name {
			t.Errorf("%v %v: got %v, want an error naming %s", tc.args, tc.env, err, tc.name)
		}
	}
	if _, err := load(t, nil, prod(nil)); err != nil {
		t.Errorf("a safe production configuration was refused: %v", err)
	}
	notifyOnly := prod(map[string]string{"FRONTDOOR_NOTIFY_API_KEY": "k", "FRONTDOOR_NOTIFY_EMAIL_TEMPLATE": "t"}, "FRONTDOOR_SMTP_ADDR", "FRONTDOOR_SMTP_FROM")
	if _, err := load(t, nil, notifyOnly); err != nil {
		t.Errorf("production with GOV.UK Notify for email was refused: %v", err)
	}
}

// prod is a safe production environment with extra settings, less the
// ones named in without.
func prod(extra map[string]string, without ...string) map[string]string {
	env := map[string]string{"FRONTDOOR_ENV": "production", "FRONTDOOR_BASE_URL": "https://council.example",
		"FRONTDOOR_SECRET": strings.Repeat("k", 32), "FRONTDOOR_VAPID_SUBJECT": "mailto:digital@council.example",
		"FRONTDOOR_SMTP_ADDR": "mail.council.example:587", "FRONTDOOR_SMTP_FROM": "noreply@council.example"}
	for k, v := range extra {
		env[k] = v
	}
	for _, k := range without {
		delete(env, k)
	}
	return env
}

func TestInvalidConfigurationExitsTwoWithOneLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{"FRONTDOOR_RATE_LIMIT": "fast"}), strings.NewReader(""), &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "FRONTDOOR_RATE_LIMIT") || !strings.Contains(lines[0], "fast") {
		t.Fatalf("stderr %q: want one line naming the variable and the bad value", stderr.String())
	}
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"version"}, 0, "frontdoor dev"},
		{[]string{"--help"}, 0, "frontdoor migrate"},
		{[]string{"serve", "--help"}, 0, "FRONTDOOR_RATE_LIMIT"},
		{[]string{"migrate", "--help"}, 0, "idempotent"},
		{[]string{"dance"}, 2, "unknown command"},
		{[]string{"serve", "extra"}, 2, "unexpected"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		code := run(context.Background(), tc.args, env(nil), strings.NewReader(""), &out, &out)
		if code != tc.code || !strings.Contains(out.String(), tc.contains) {
			t.Errorf("%v: exit %d output %q; want exit %d containing %q", tc.args, code, out.String(), tc.code, tc.contains)
		}
	}
}
