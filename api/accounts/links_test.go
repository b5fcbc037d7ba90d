package accounts

import (
	"errors"
	"strings"
	"testing"

	"frontdoor/api/store"
)

func TestLinkValidation(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	if _, _, err := e.svc.CreateConnector(ctx, Connector{
		Key: "council-tax", Names: Names{EN: "Council Tax"}, URL: "https://ctax.example.org/h",
		Fields: []string{"address"}, ReferencePattern: `[0-9]{8}`, ReferenceMaxLen: 8,
	}); err != nil {
		t.Fatal(err)
	}
	ok := LinkRequest{Connector: "council-tax", Reference: "12345678", Consent: true, ConsentVersion: "2025-01"}
	for _, tc := range []struct {
		name    string
		mutate  func(*LinkRequest)
		pointer string
		id      string
	}{
		{"no consent", func(r *LinkRequest) { r.Consent = false }, "/consent", MsgConsentRequired},
		{"no consent version", func(r *LinkRequest) { r.ConsentVersion = "" }, "/consent_version", MsgInvalidValue},
		{"consent version hostile", func(r *LinkRequest) { r.ConsentVersion = hostile }, "/consent_version", MsgInvalidValue},
		{"unknown connector", func(r *LinkRequest) { r.Connector = "nope" }, "/connector", MsgConnectorUnknown},
		{"connector hostile", func(r *LinkRequest) { r.Connector = hostile }, "/connector", MsgConnectorUnknown},
		{"no reference", func(r *LinkRequest) { r.Reference = "  " }, "/reference", MsgRequired},
		{"reference over-long", func(r *LinkRequest) { r.Reference = "123456789" }, "/reference", MsgTooLong},
		{"reference wrong shape", func(r *LinkRequest) { r.Reference = "1234567x" }, "/reference", MsgReferenceInvalid},
		{"reference hostile", func(r *LinkRequest) { r.Reference = `{"$gt":""}` }, "/reference", MsgTooLong},
		{"reference with a line break", func(r *LinkRequest) { r.Reference = "1234\n678" }, "/reference", MsgTextInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.mutate(&r)
			_, err := e.svc.LinkService(ctx, "res-a", r)
			if got := fieldsOf(t, err); got[tc.pointer] != tc.id {
				t.Errorf("fields = %v; want %s at %s", got, tc.id, tc.pointer)
			}
		})
	}
	l, err := e.svc.LinkService(ctx, "res-a", LinkRequest{Connector: "council-tax", Reference: " 12345678 ", Consent: true, ConsentVersion: "2025-01"})
	if err != nil || l.Reference != "12345678" || !l.Consent.Given() || l.Consent.TextVersion != "2025-01" {
		t.Fatalf("link = %+v, %v", l, err)
	}
	if _, err := e.svc.LinkService(ctx, "res-a", ok); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("linking twice: %v", err)
	}
	// The pattern must match the whole reference, not a part of it.
	if _, _, err := e.svc.CreateConnector(ctx, Connector{
		Key: "library", Names: Names{EN: "Library"}, URL: "https://lib.example.org/h",
		Fields: []string{"address"}, ReferencePattern: `[0-9]{8}`, ReferenceMaxLen: 20,
	}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.LinkService(ctx, "res-a", LinkRequest{Connector: "library", Reference: "x12345678y", Consent: true, ConsentVersion: "1"})
	if fieldsOf(t, err)["/reference"] != MsgReferenceInvalid {
		t.Errorf("a reference matching only in part: %v", err)
	}
}

func TestTooManyLinks(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	for i := range MaxLinks + 1 {
		key := "svc-" + strings.Repeat("a", i/26) + string(rune('a'+i%26))
		mustConnector(t, e, key, "https://svc.example.org/"+key, "name")
		_, err := e.svc.LinkService(ctx, "res-a", LinkRequest{Connector: key, Reference: "r", Consent: true, ConsentVersion: "1"})
		if i < MaxLinks && err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
		if i == MaxLinks && fieldsOf(t, err)[""] != MsgTooManyLinks {
			t.Errorf("link over the limit: %v", err)
		}
	}
}

// TestOwnership: resident B can never see or change A's links or changes;
// wrong owner and no such thing look the same.
func TestOwnership(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	r.setSecret(mustConnector(t, e, "library", r.url(), "address"))
	mustCustomer(t, e, "res-a")
	mustCustomer(t, e, "res-b")
	la := mustLink(t, e, "res-a", "library", "LIB-A")
	lb := mustLink(t, e, "res-b", "library", "LIB-B")
	ch, err := e.svc.ReportChange(ctx, "res-a", moveRequest(today()))
	if err != nil {
		t.Fatal(err)
	}

	links, err := e.svc.ListLinks(ctx, "res-b")
	if err != nil || len(links) != 1 || links[0].ID != lb.ID {
		t.Fatalf("B's links = %+v, %v", links, err)
	}
	if err := e.svc.UnlinkService(ctx, "res-b", la.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B unlinking A's link: %v", err)
	}
	if links, _ := e.svc.ListLinks(ctx, "res-a"); len(links) != 1 {
		t.Error("A's link went when B tried to remove it")
	}
	if _, err := e.svc.GetChange(ctx, "res-b", ch.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reading A's change: %v", err)
	}
	if page, err := e.svc.ListChanges(ctx, "res-b", ""); err != nil || len(page.Items) != 0 {
		t.Errorf("B's change list shows %d changes, %v", len(page.Items), err)
	}
	if page, _ := e.svc.ListChanges(ctx, "res-a", ""); len(page.Items) != 1 || page.Items[0].ID != ch.ID {
		t.Errorf("A's change list = %+v", page.Items)
	}
	for _, id := range []string{"", hostile, strings.Repeat("x", 500), "no-such-change"} {
		if _, err := e.svc.GetChange(ctx, "res-a", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetChange(%q): %v", id, err)
		}
		if err := e.svc.UnlinkService(ctx, "res-a", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("UnlinkService(%q): %v", id, err)
		}
	}
	if err := e.svc.UnlinkService(ctx, "res-a", la.ID); err != nil {
		t.Fatalf("A unlinking: %v", err)
	}
	if err := e.svc.UnlinkService(ctx, "res-a", la.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlinking twice: %v", err)
	}
	// B's change goes only to B's link, with B's reference.
	chB, err := e.svc.ReportChange(ctx, "res-b", moveRequest(today()))
	if err != nil {
		t.Fatal(err)
	}
	waitService(t, e, "res-b", chB.ID, "library", StatusDelivered)
	for _, d := range r.deliveries() {
		if d.Body.ChangeID == chB.ID && d.Body.Reference != "LIB-B" {
			t.Errorf("B's change went out with reference %q", d.Body.Reference)
		}
	}
}
