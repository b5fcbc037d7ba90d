package accounts

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
)

// TestTellUsOnce: a resident links three services on three local receivers,
// moves house once, and each receiver gets exactly one correctly signed
// request with the resident's reference there and only the fields it
// subscribed to; GetChange then shows each delivered.
func TestTellUsOnce(t *testing.T) {
	e, recv, refs := tellUsOnceSetup(t)
	ch, err := e.svc.ReportChange(ctx, "res-a", moveRequest(today()))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var told []string
	for _, sv := range ch.Services {
		told = append(told, sv.Connector)
		if sv.Status != StatusPending {
			t.Errorf("%s starts %s; want pending", sv.Connector, sv.Status)
		}
	}
	if !slices.Equal(told, []string{"council-tax", "electoral", "library"}) || ch.Status != StatusPending {
		t.Fatalf("change tells %v (status %s); want the three address services, pending", told, ch.Status)
	}
	for _, key := range told {
		ch = waitService(t, e, "res-a", ch.ID, key, StatusDelivered)
	}
	if ch.Status != StatusDelivered {
		t.Errorf("overall status %s; want delivered", ch.Status)
	}
	for _, key := range told {
		checkMove(t, recv[key], ch, refs[key])
		id, data := ch.Services[ch.service(key)].Message("cy")
		if id != MsgStatusDelivered || data["Service"] != "Gwasanaeth "+key {
			t.Errorf("message for %s = %s %v", key, id, data)
		}
	}
	for _, key := range []string{"parking", "waste"} {
		if n := recv[key].count(); n != 0 {
			t.Errorf("%s got %d requests; want none", key, n)
		}
	}

	c, _ := e.svc.GetCustomer(ctx, "res-a")
	if len(c.Addresses) != 2 || c.Addresses[0].ValidTo != today() {
		t.Fatalf("address history = %+v", c.Addresses)
	}
	if i, cur := c.CurrentAddress(); i != 1 || cur.Postcode != "PL1 1DD" || cur.ValidFrom != today() {
		t.Errorf("current address = %d %+v", i, cur)
	}

	checkNameChange(t, e, recv)
}

// tellUsOnceSetup makes five connectors on five receivers; res-a links four
// of them (one, parking, not told about moves), res-b the fifth.
func tellUsOnceSetup(t *testing.T) (*env, map[string]*receiver, map[string]string) {
	e := newTestEnv(t)
	recv := map[string]*receiver{}
	fields := map[string][]string{
		"council-tax": {"address", "name"},
		"electoral":   {"address"},
		"library":     {"address", "contact"},
		"parking":     {"name"},
		"waste":       {"address"},
	}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		recv[key] = newReceiver(t)
		recv[key].setSecret(mustConnector(t, e, key, recv[key].url(), fields[key]...))
	}
	mustCustomer(t, e, "res-a")
	mustCustomer(t, e, "res-b")
	refs := map[string]string{"council-tax": "CT-10203040", "electoral": "ER-778", "library": "LIB-5555", "parking": "PK-1"}
	for key, ref := range refs {
		mustLink(t, e, "res-a", key, ref)
	}
	mustLink(t, e, "res-b", "waste", "W-9") // someone else's service
	return e, recv, refs
}

// checkNameChange: a change of name goes only to the services that receive
// names, with only the name in its values.
func checkNameChange(t *testing.T, e *env, recv map[string]*receiver) {
	t.Helper()
	name, err := e.svc.ReportChange(ctx, "res-a", ChangeRequest{
		Kind: KindName, EffectiveDate: today(), Channel: "kiosk", Values: ChangeValues{Name: &Name{Given: "Augusta", Family: "King"}},
	})
	if err != nil {
		t.Fatalf("report name: %v", err)
	}
	for _, key := range []string{"council-tax", "parking"} {
		waitService(t, e, "res-a", name.ID, key, StatusDelivered)
		ds := recv[key].deliveries()
		last := ds[len(ds)-1]
		if last.Body.ChangeID != name.ID || !slices.Equal(slices.Collect(maps.Keys(last.Body.Values)), []string{"name"}) {
			t.Errorf("%s got %s with values %v", key, last.Body.ChangeID, slices.Collect(maps.Keys(last.Body.Values)))
		}
	}
	if len(name.Services) != 2 || recv["electoral"].count() != 1 || recv["library"].count() != 1 {
		t.Errorf("the name change reached services that do not receive names")
	}
	for _, r := range recv {
		r.checkClean(t)
	}
}

// checkMove checks the one request a receiver got for the move.
func checkMove(t *testing.T, r *receiver, ch *Change, ref string) {
	t.Helper()
	ds := r.deliveries()
	if len(ds) != 1 {
		t.Fatalf("receiver got %d requests; want exactly 1", len(ds))
	}
	d := ds[0]
	var top map[string]json.RawMessage
	json.Unmarshal(d.Raw, &top)
	if keys := slices.Sorted(maps.Keys(top)); !slices.Equal(keys, []string{"change_id", "effective_date", "kind", "reference", "values"}) {
		t.Errorf("body fields = %v", keys)
	}
	if d.Key != ch.ID+":"+ch.Services[0].Connector && d.Key != deliveryKey(ch.ID, connectorOf(ch, ref)) {
		t.Errorf("Idempotency-Key = %q", d.Key)
	}
	b := d.Body
	if b.ChangeID != ch.ID || b.Kind != KindAddress || b.EffectiveDate != string(today()) || b.Reference != ref {
		t.Errorf("body = %+v", b)
	}
	if keys := slices.Collect(maps.Keys(b.Values)); !slices.Equal(keys, []string{"address"}) {
		t.Errorf("values carry %v; want only the address", keys)
	}
	var a PostalAddress
	if err := json.Unmarshal(b.Values["address"], &a); err != nil || a.Postcode != "PL1 1DD" || a.UPRN != "100040422100" || a.Line1 != "2 Royal Parade" {
		t.Errorf("address sent = %+v, %v", a, err)
	}
}

func connectorOf(ch *Change, ref string) string {
	for _, sv := range ch.Services {
		if sv.Reference == ref {
			return sv.Connector
		}
	}
	return ""
}

func TestReportChangeAppliesEachKind(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	if _, err := e.svc.ReportChange(ctx, "res-a", moveRequest(DateOf(time.Now().AddDate(-3, 0, 0)))); fieldsOf(t, err)["/effective_date"] != MsgMoveBeforeCurrent {
		t.Errorf("moving before the current address began: %v", err)
	}
	ch, err := e.svc.ReportChange(ctx, "res-a", ChangeRequest{
		Kind: KindContact, EffectiveDate: today(), Channel: "phone", ActorID: "staff-1",
		Values: ChangeValues{Contact: &ContactValues{Email: "new@Example.org", Phone: "07700 900999"}},
	})
	if err != nil {
		t.Fatalf("contact change: %v", err)
	}
	if ch.Status != StatusDelivered || len(ch.Services) != 0 || ch.ActorID != "staff-1" {
		t.Errorf("a change with nobody to tell = %+v", ch)
	}
	c, _ := e.svc.GetCustomer(ctx, "res-a")
	if len(c.Contacts.Emails) != 2 || !c.Contacts.Emails[1].Primary || c.Contacts.Emails[0].Primary ||
		c.Contacts.Emails[1].Address != "new@example.org" || c.Contacts.Phones[0].Number != "+447700900999" {
		t.Errorf("contacts after the change = %+v", c.Contacts)
	}
	if _, err := e.svc.ReportChange(ctx, "res-a", ChangeRequest{
		Kind: KindDeceased, EffectiveDate: today(), Channel: "assisted", ActorID: "staff-1",
		Values: ChangeValues{Deceased: &DeceasedValues{ReportedBy: Reporter{Name: "Byron", Relationship: "son"}}},
	}); err != nil {
		t.Fatalf("deceased: %v", err)
	}
	c, _ = e.svc.GetCustomer(ctx, "res-a")
	if c.Deceased == nil || c.Deceased.DateOfDeath != today() {
		t.Errorf("record not marked deceased: %+v", c.Deceased)
	}
	if _, err := e.svc.ReportChange(ctx, "res-a", moveRequest(today())); fieldsOf(t, err)[""] != MsgRecordDeceased {
		t.Errorf("a move after a death: %v", err)
	}
	if _, err := e.svc.ReportChange(ctx, "res-nobody", moveRequest(today())); !errors.Is(err, ErrNotFound) {
		t.Errorf("change without a record: %v", err)
	}
}
