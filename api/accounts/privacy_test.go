package accounts

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestStaffReadsAreAudited(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	c, err := e.svc.GetCustomerAsStaff(ctx, "staff-7", "res-a", "Phone call about council tax")
	if err != nil || c.ID != "res-a" {
		t.Fatalf("staff read: %+v %v", c, err)
	}
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-7", "res-a", "  "); fieldsOf(t, err)["/reason"] != MsgRequired {
		t.Errorf("a read without a reason: %v", err)
	}
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-7", "res-a", strings.Repeat("r", maxReason+1)); fieldsOf(t, err)["/reason"] != MsgTooLong {
		t.Errorf("an over-long reason: %v", err)
	}
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff 7", "res-a", "x"); fieldsOf(t, err)["/staff_id"] != MsgInvalidValue {
		t.Errorf("a hostile staff id: %v", err)
	}
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-7", "res-nobody", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("reading a missing record: %v", err)
	}
	ex, err := e.svc.Export(ctx, "res-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.StaffReads) != 1 {
		t.Fatalf("staff reads = %+v; want only the one that happened", ex.StaffReads)
	}
	if r := ex.StaffReads[0]; r.StaffID != "staff-7" || r.Reason != "Phone call about council tax" || r.Action != ActionRead || r.At.IsZero() {
		t.Errorf("audit entry = %+v", r)
	}
}

func TestExport(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	r.setSecret(mustConnector(t, e, "library", r.url(), "address"))
	mustCustomer(t, e, "res-a")
	mustCustomer(t, e, "res-b")
	mustLink(t, e, "res-a", "library", "LIB-A")
	mustLink(t, e, "res-b", "library", "LIB-B")
	ch := report(t, e)
	waitService(t, e, "res-a", ch.ID, "library", StatusDelivered)
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-1", "res-a", "Assisted visit"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-1", "res-b", "Someone else"); err != nil {
		t.Fatal(err)
	}
	ex, err := e.svc.Export(ctx, "res-a")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Customer == nil || ex.Customer.ID != "res-a" || len(ex.Customer.Addresses) != 2 {
		t.Errorf("customer = %+v", ex.Customer)
	}
	if len(ex.Links) != 1 || ex.Links[0].Reference != "LIB-A" {
		t.Errorf("links = %+v", ex.Links)
	}
	if len(ex.Changes) != 1 || ex.Changes[0].ID != ch.ID || ex.Changes[0].Services[0].Status != StatusDelivered {
		t.Errorf("changes = %+v", ex.Changes)
	}
	if len(ex.StaffReads) != 1 || ex.StaffReads[0].Reason != "Assisted visit" {
		t.Errorf("staff reads = %+v", ex.StaffReads)
	}
	b, _ := json.Marshal(ex)
	for _, leak := range []string{"LIB-B", "Someone else", "email_key", "secret"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("export contains %q", leak)
		}
	}
	empty, err := e.svc.Export(ctx, "res-nobody")
	if err != nil || empty.Customer != nil || empty.Links == nil || len(empty.Changes) != 0 {
		t.Errorf("export of nobody = %+v, %v", empty, err)
	}
}

// Erasure leaves only anonymised changes: no record, no links, no values,
// no references, no owner; and a delivery still queued sends nothing.
func TestEraseLeavesAnonymisedChangesOnly(t *testing.T) {
	e := newTestEnv(t)
	slow := newReceiver(t)
	slow.answer = func(int, http.ResponseWriter) (int, bool) {
		return http.StatusServiceUnavailable, false
	}
	fast := newReceiver(t)
	slow.setSecret(mustConnector(t, e, "electoral", slow.url(), "address", "name"))
	fast.setSecret(mustConnector(t, e, "library", fast.url(), "address", "name"))
	mustCustomer(t, e, "res-a")
	mustCustomer(t, e, "res-b")
	mustLink(t, e, "res-a", "electoral", "ER-1")
	mustLink(t, e, "res-a", "library", "LIB-1")
	mustLink(t, e, "res-b", "library", "LIB-B")
	move := report(t, e)
	waitService(t, e, "res-a", move.ID, "library", StatusDelivered)
	waitService(t, e, "res-a", move.ID, "electoral", StatusRetrying)
	if _, err := e.svc.GetCustomerAsStaff(ctx, "staff-1", "res-a", "Before erasure"); err != nil {
		t.Fatal(err)
	}

	got, err := e.svc.Erase(ctx, "res-a")
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	if !got.Customer || got.Links != 2 || got.ChangesAnonymised != 1 {
		t.Errorf("erasure = %+v", got)
	}
	checkErased(t, e, move.ID)
	// The queued delivery to the electoral service sends nothing more.
	before := slow.count()
	time.Sleep(400 * time.Millisecond)
	if n := slow.count(); n > before+1 {
		t.Errorf("deliveries of an erased change went on: %d after %d", n, before)
	}
	waitFor(t, 5*time.Second, "the erased change's job to finish quietly", func() bool {
		d, _ := e.ob.Depth(ctx)
		return d["pending"]+d["running"]+d["dead"] == 0
	})
	// Others are untouched; erasing again finds nothing.
	if _, err := e.svc.GetCustomer(ctx, "res-b"); err != nil {
		t.Errorf("B's record: %v", err)
	}
	if links, _ := e.svc.ListLinks(ctx, "res-b"); len(links) != 1 {
		t.Errorf("B's links: %+v", links)
	}
	if again, err := e.svc.Erase(ctx, "res-a"); err != nil || again.Customer || again.Links != 0 || again.ChangesAnonymised != 0 {
		t.Errorf("erase twice = %+v, %v", again, err)
	}
	ex, _ := e.svc.Export(ctx, "res-a")
	if ex.Customer != nil || len(ex.Links) != 0 || len(ex.Changes) != 0 {
		t.Errorf("export after erasure = %+v", ex)
	}
	if len(ex.StaffReads) != 1 {
		t.Errorf("the staff-read audit should outlive erasure: %+v", ex.StaffReads)
	}
	if page, _ := e.svc.audit.Find(ctx, store.Query{}); len(page.Items) != 1 {
		t.Errorf("audit = %+v", page.Items)
	}
}

// checkErased checks that nothing of res-a is left but an anonymised change.
func checkErased(t *testing.T, e *env, changeID string) {
	t.Helper()
	if _, err := e.svc.GetCustomer(ctx, "res-a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("record after erasure: %v", err)
	}
	if links, _ := e.svc.ListLinks(ctx, "res-a"); len(links) != 0 {
		t.Errorf("links after erasure: %+v", links)
	}
	if _, err := e.svc.GetChange(ctx, "res-a", changeID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the erased resident still reaches the change: %v", err)
	}
	kept, err := e.svc.changes.Get(ctx, changeID)
	if err != nil {
		t.Fatalf("the anonymised change is gone: %v", err)
	}
	b, _ := json.Marshal(kept)
	for _, leak := range []string{"res-a", "Royal Parade", "PL1 1DD", "ER-1", "LIB-1", "values"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("anonymised change still holds %q: %s", leak, b)
		}
	}
	if !kept.Anonymised || kept.Kind != KindAddress || len(kept.Services) != 2 {
		t.Errorf("anonymised change = %s", b)
	}
}
