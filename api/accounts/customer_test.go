package accounts

import (
	"errors"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestCreateAndGetCustomer(t *testing.T) {
	e := newTestEnv(t)
	in := validCustomer()
	in.Contacts.Emails[0].Verified = true // input cannot verify anything
	in.Name.Given = hostile               // a name is just text: kept as given
	c, err := e.svc.CreateCustomer(ctx, "res-a", in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := e.svc.GetCustomer(ctx, "res-a")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.ID != "res-a" || got.Version != 1 || got.Name.Given != hostile {
		t.Errorf("record = id %q version %d given %q", got.ID, got.Version, got.Name.Given)
	}
	if got.Contacts.Emails[0].Verified {
		t.Error("an email arrived verified from input")
	}
	if got.Addresses[0].Postcode != "PL1 2AA" || got.Contacts.Phones[0].Number != "+447700900123" {
		t.Errorf("stored unnormalized: %+v", got.Addresses[0])
	}
	if r := got.Representatives[0]; r.ID == "" || r.ID == "r1" || !r.GrantedAt.Equal(c.CreatedAt) {
		t.Errorf("representative not stamped: %+v", r)
	}
	if _, err := e.svc.CreateCustomer(ctx, "res-a", validCustomer()); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("second record for one resident: %v; want a conflict", err)
	}
	if _, err := e.svc.GetCustomer(ctx, "res-b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	if _, err := e.svc.CreateCustomer(ctx, "", validCustomer()); !errors.Is(err, ErrBadResidentID) {
		t.Errorf("empty resident id: %v", err)
	}
}

func TestCreateCustomerRefusesInvalidAndKeepsNothing(t *testing.T) {
	e := newTestEnv(t)
	in := validCustomer()
	in.Addresses[0].Postcode = hostile
	if _, err := e.svc.CreateCustomer(ctx, "res-a", in); fieldsOf(t, err)["/addresses/0/postcode"] != MsgPostcodeInvalid {
		t.Fatalf("want a postcode error, got %v", err)
	}
	if _, err := e.svc.GetCustomer(ctx, "res-a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an invalid record was stored: %v", err)
	}
}

func TestUpdateCustomerPatch(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	lang, dob := "pl", Date("1985-05-05")
	got, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{
		Language: &lang, DateOfBirth: &dob,
		Accessibility: &Accessibility{BSL: true, EasyRead: true},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.Language != "pl" || got.DateOfBirth != dob || !got.Accessibility.BSL || got.Name.Given != "Ada" {
		t.Errorf("patched record = %+v", got)
	}
	if got.Version != 2 {
		t.Errorf("version = %d; want 2", got.Version)
	}
	bad := "xx"
	if _, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Language: &bad}); fieldsOf(t, err)["/language"] != MsgLanguageUnknown {
		t.Errorf("bad language: %v", err)
	}
	if c, _ := e.svc.GetCustomer(ctx, "res-a"); c.Language != "pl" || c.Version != 2 {
		t.Errorf("a refused patch changed the record: %s v%d", c.Language, c.Version)
	}
	if _, err := e.svc.UpdateCustomer(ctx, "res-nobody", CustomerPatch{Language: &lang}); !errors.Is(err, ErrNotFound) {
		t.Errorf("patching a missing record: %v", err)
	}
}

func TestConcurrentPatchesBothLand(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			lang := []string{"cy", "pl"}[i%2]
			_, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Language: &lang})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Communication: &Communication{Channels: []string{"sms"}}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent update: %v", err)
		}
	}
	c, _ := e.svc.GetCustomer(ctx, "res-a")
	if c.Version != 1+2*n || len(c.Communication.Channels) != 1 {
		t.Errorf("version %d channels %v; want every update applied once", c.Version, c.Communication.Channels)
	}
}

func TestVerifiedFlagsAndOneRecordPerContact(t *testing.T) {
	e := newTestEnv(t)
	mustCustomer(t, e, "res-a")
	mustCustomer(t, e, "res-b")
	// B claims A's email: allowed while unverified, so nobody can squat it.
	claim := Contacts{Emails: []Email{{Address: "RES-A@example.org", Verified: true}}}
	c, err := e.svc.UpdateCustomer(ctx, "res-b", CustomerPatch{Contacts: &claim})
	if err != nil {
		t.Fatalf("claiming an unverified email: %v", err)
	}
	if c.Contacts.Emails[0].Verified {
		t.Fatal("a patch verified an email")
	}
	if _, err := e.svc.MarkContactVerified(ctx, "res-a", "res-a@EXAMPLE.org"); err != nil {
		t.Fatalf("verify A's email: %v", err)
	}
	var ce *ConflictError
	_, err = e.svc.MarkContactVerified(ctx, "res-b", "res-a@example.org")
	if !errors.As(err, &ce) || ce.ID != MsgEmailInUse || ce.Pointer != "/contacts/emails/0/address" {
		t.Fatalf("verifying an email another record holds verified: %v", err)
	}
	// A keeps it verified through a patch that lists it again.
	again := Contacts{Emails: []Email{{Address: "res-a@example.org"}}, Phones: []Phone{{Number: "07700 900123"}}}
	a, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Contacts: &again})
	if err != nil || !a.Contacts.Emails[0].Verified || a.Contacts.Phones[0].Verified {
		t.Fatalf("re-listing contacts: %v %+v", err, a.Contacts)
	}
	if _, err := e.svc.MarkContactVerified(ctx, "res-a", "+44 7700 900123"); err != nil {
		t.Fatalf("verify phone: %v", err)
	}
	phones := Contacts{Phones: []Phone{{Number: "07700900123"}}}
	if _, err := e.svc.UpdateCustomer(ctx, "res-b", CustomerPatch{Contacts: &phones}); err != nil {
		t.Fatalf("B lists A's phone unverified: %v", err)
	}
	if _, err := e.svc.MarkContactVerified(ctx, "res-b", "07700900123"); !errors.As(err, &ce) || ce.ID != MsgPhoneInUse {
		t.Errorf("verifying a phone another record holds verified: %v", err)
	}
	if _, err := e.svc.MarkContactVerified(ctx, "res-a", "nobody@example.org"); fieldsOf(t, err)["/contact"] != MsgContactUnknown {
		t.Errorf("verifying a contact not on the record: %v", err)
	}
}

func TestRepresentativesKeepTheirGrant(t *testing.T) {
	now := time.Now()
	clock := now
	e := newEnv(t, fastOutbox, Options{Now: func() time.Time { return clock }})
	reps := []Representative{{Name: "Charles", Scopes: []string{"view", "report_changes"}, ExpiresAt: now.Add(48 * time.Hour)}}
	c := validCustomer()
	c.Representatives = nil
	if _, err := e.svc.CreateCustomer(ctx, "res-a", c); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Representatives: &reps})
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
	first := got.Representatives[0]
	clock = now.Add(time.Hour)
	again := []Representative{first, {Name: "Mary", Scopes: []string{"cases"}, ExpiresAt: now.Add(72 * time.Hour)}}
	again[0].GrantedAt = time.Time{} // a client cannot move a grant's time
	if got, err = e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Representatives: &again}); err != nil {
		t.Fatalf("second grant: %v", err)
	}
	if len(got.Representatives) != 2 || !got.Representatives[0].GrantedAt.Equal(first.GrantedAt) ||
		!got.Representatives[1].GrantedAt.After(first.GrantedAt) {
		t.Errorf("representatives = %+v", got.Representatives)
	}
	clock = now.Add(60 * time.Hour) // Charles's grant ran out
	lang := "cy"
	if got, err = e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Language: &lang}); err != nil {
		t.Fatalf("update after expiry: %v", err)
	}
	keep := got.Representatives
	if got, err = e.svc.UpdateCustomer(ctx, "res-a", CustomerPatch{Representatives: &keep}); err != nil {
		t.Fatalf("re-sending an expired grant: %v", err)
	}
	if len(got.Representatives) != 1 || got.Representatives[0].Name != "Mary" {
		t.Errorf("expired grant should go: %+v", got.Representatives)
	}
}
