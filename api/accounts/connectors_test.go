package accounts

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"frontdoor/api/store"
)

func TestCreateConnectorShowsTheSecretOnce(t *testing.T) {
	e := newTestEnv(t)
	c, secret, err := e.svc.CreateConnector(ctx, Connector{
		Key: "council-tax", Names: Names{EN: "Council Tax", CY: "Treth Gyngor"},
		URL: "https://revenues.example.gov.uk/hooks/frontdoor", Fields: []string{"address", "name"},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if b, err := hex.DecodeString(secret); err != nil || len(b) != 32 {
		t.Errorf("secret %q: want 32 random bytes in hex", secret)
	}
	_, other, _ := e.svc.CreateConnector(ctx, Connector{Key: "library", Names: Names{EN: "Library"}, URL: "https://lib.example.org/h", Fields: []string{"contact"}})
	if other == secret {
		t.Error("two connectors got the same secret")
	}
	if c.ReferenceMaxLen != defaultRefLen || c.Names.In("cy") != "Treth Gyngor" || c.Names.In("pl") != "Council Tax" {
		t.Errorf("connector = %+v", c)
	}
	list, err := e.svc.ListConnectors(ctx)
	if err != nil || len(list) != 2 || list[0].Key != "council-tax" || list[1].Key != "library" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	b, _ := json.Marshal(list)
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "secret") {
		t.Errorf("listed connectors carry the secret: %s", b)
	}
	if _, _, err := e.svc.CreateConnector(ctx, Connector{Key: "library", Names: Names{EN: "L"}, URL: "https://x.example.org", Fields: []string{"name"}}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("duplicate key: %v", err)
	}
}

func TestConnectorValidation(t *testing.T) {
	good := func() Connector {
		return Connector{Key: "parking", Names: Names{EN: "Parking"}, URL: "https://parking.example.org/h", Fields: []string{"address"}, ReferenceMaxLen: 20}
	}
	for _, tc := range []struct {
		name     string
		mutate   func(*Connector)
		loopback bool
		pointer  string
		id       string
	}{
		{"key with capitals", func(c *Connector) { c.Key = "Parking" }, false, "/key", MsgConnectorKeyInvalid},
		{"key hostile", func(c *Connector) { c.Key = hostile }, false, "/key", MsgConnectorKeyInvalid},
		{"key too long", func(c *Connector) { c.Key = strings.Repeat("a", 41) }, false, "/key", MsgConnectorKeyInvalid},
		{"no English name", func(c *Connector) { c.Names = Names{CY: "Parcio"} }, false, "/names/en", MsgRequired},
		{"name over-long", func(c *Connector) { c.Names.PL = strings.Repeat("p", 101) }, false, "/names/pl", MsgTooLong},
		{"plain http", func(c *Connector) { c.URL = "http://parking.example.org/h" }, false, "/url", MsgURLNotHTTPS},
		{"http to loopback in production", func(c *Connector) { c.URL = "http://127.0.0.1:8080/h" }, false, "/url", MsgURLNotHTTPS},
		{"http to a LAN host in development", func(c *Connector) { c.URL = "http://192.168.1.5/h" }, true, "/url", MsgURLNotHTTPS},
		{"https to a private literal", func(c *Connector) { c.URL = "https://10.0.0.1/h" }, false, "/url", MsgURLInvalid},
		{"https to metadata", func(c *Connector) { c.URL = "https://169.254.169.254/latest" }, false, "/url", MsgURLInvalid},
		{"https to mapped private v6", func(c *Connector) { c.URL = "https://[::ffff:10.0.0.1]/h" }, false, "/url", MsgURLInvalid},
		{"credentials in the URL", func(c *Connector) { c.URL = "https://user:pw@parking.example.org/h" }, false, "/url", MsgURLInvalid},
		{"fragment", func(c *Connector) { c.URL = "https://parking.example.org/h#x" }, false, "/url", MsgURLInvalid},
		{"not a URL", func(c *Connector) { c.URL = hostile }, false, "/url", MsgURLInvalid},
		{"javascript", func(c *Connector) { c.URL = "javascript:alert(1)" }, false, "/url", MsgURLInvalid},
		{"port out of range", func(c *Connector) { c.URL = "https://parking.example.org:99999/h" }, false, "/url", MsgURLInvalid},
		{"file scheme", func(c *Connector) { c.URL = "file:///etc/passwd" }, false, "/url", MsgURLInvalid},
		{"no URL", func(c *Connector) { c.URL = "" }, false, "/url", MsgRequired},
		{"no fields", func(c *Connector) { c.Fields = nil }, false, "/fields", MsgRequired},
		{"unknown field", func(c *Connector) { c.Fields = []string{"date_of_birth"} }, false, "/fields/0", MsgNotAllowed},
		{"field twice", func(c *Connector) { c.Fields = []string{"name", "name"} }, false, "/fields/1", MsgDuplicate},
		{"pattern does not compile", func(c *Connector) { c.ReferencePattern = "[0-9" }, false, "/reference_pattern", MsgPatternInvalid},
		{"pattern over-long", func(c *Connector) { c.ReferencePattern = strings.Repeat("a", 201) }, false, "/reference_pattern", MsgTooLong},
		{"reference length 0", func(c *Connector) { c.ReferenceMaxLen = 0 }, false, "/reference_max_len", MsgNotAllowed},
		{"reference length huge", func(c *Connector) { c.ReferenceMaxLen = 10_000 }, false, "/reference_max_len", MsgNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.mutate(&c)
			got := fieldsOf(t, c.Validate(tc.loopback))
			if got[tc.pointer] != tc.id {
				t.Errorf("fields = %v; want %s at %s", got, tc.id, tc.pointer)
			}
		})
	}
	for _, u := range []string{"http://127.0.0.1:8080/h", "http://localhost:9/h", "http://[::1]:8080/h", "https://127.0.0.1/h"} {
		c := good()
		c.URL = u
		if err := c.Validate(true); err != nil {
			t.Errorf("%s in development: %v", u, err)
		}
	}
}

func TestUpdateAndDisableConnector(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	mustConnector(t, e, "waste", "https://waste.example.org/h", "address")
	fields := []string{"address", "name"}
	pattern := `GW[0-9]{6}`
	c, err := e.svc.UpdateConnector(ctx, "waste", ConnectorPatch{Fields: &fields, ReferencePattern: &pattern})
	if err != nil || len(c.Fields) != 2 || c.Version != 2 {
		t.Fatalf("update: %+v %v", c, err)
	}
	bad := "http://waste.example.org"
	if _, err := e.svc.UpdateConnector(ctx, "waste", ConnectorPatch{URL: &bad}); fieldsOf(t, err)["/url"] != MsgURLNotHTTPS {
		t.Errorf("update to http: %v", err)
	}
	if _, err := e.svc.UpdateConnector(ctx, "nope", ConnectorPatch{URL: &bad}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	if _, err := e.svc.LinkService(ctx, "res-a", LinkRequest{Connector: "waste", Reference: "GW12345", Consent: true, ConsentVersion: "1"}); fieldsOf(t, err)["/reference"] != MsgReferenceInvalid {
		t.Errorf("reference against the new pattern: %v", err)
	}
	if c, err = e.svc.DisableConnector(ctx, "waste"); err != nil || !c.Disabled {
		t.Fatalf("disable: %+v %v", c, err)
	}
	if _, err := e.svc.LinkService(ctx, "res-a", LinkRequest{Connector: "waste", Reference: "GW123456", Consent: true, ConsentVersion: "1"}); fieldsOf(t, err)["/connector"] != MsgConnectorUnknown {
		t.Errorf("linking a disabled connector: %v", err)
	}
}
