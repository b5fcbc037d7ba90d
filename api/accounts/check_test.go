package accounts

import (
	"strings"
	"testing"
	"time"
)

const hostile = `{"$gt": ""}`

func TestNormalizePostcode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"pl1 2aa", "PL1 2AA"},
		{"PL12AA", "PL1 2AA"},
		{"  sw1a 1aa ", "SW1A 1AA"},
		{"EC1A1BB", "EC1A 1BB"},
		{"W1A 0AX", "W1A 0AX"},
		{"M1 1AE", "M1 1AE"},
		{"B33 8TH", "B33 8TH"},
		{"CR2 6XH", "CR2 6XH"},
		{"DN55 1PT", "DN55 1PT"},
		{"gir0aa", "GIR 0AA"},
		{"", ""},
		{"PL1", ""},
		{"PL1 2AAA", ""},
		{"QL1 2AA", ""},         // Q never starts a postcode
		{"PL1 2CA", ""},         // C never in the inward letters
		{"P11A 2AA", ""},        // not a shape
		{"AI1 2AA", ""},         // I never second
		{"PL1 2A", ""},          // inward too short
		{"12345", ""},           // digits only
		{"PL1\t2AA", "PL1 2AA"}, // any whitespace between the parts
		{hostile, ""},           // just a string that is not a postcode
		{"ＰＬ1 2AA", ""},         // full-width letters
		{"PL1 2AA; DROP", ""},
	} {
		got, ok := NormalizePostcode(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizePostcode(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func validCustomer() Customer {
	return Customer{
		Name:          Name{Given: "Ada", Family: "Lovelace", Preferred: "Ada"},
		DateOfBirth:   "1990-12-10",
		Contacts:      Contacts{Emails: []Email{{Address: "ada@example.org"}}, Phones: []Phone{{Number: "07700 900123"}}},
		Addresses:     []Address{homeAddress()},
		Language:      "cy",
		Communication: Communication{Channels: []string{"email", "sms"}},
		Accessibility: Accessibility{LargePrint: true, InterpreterLanguage: "BFI"},
		Representatives: []Representative{{
			ID: "r1", Name: "Charles Babbage", Relationship: "friend", Scopes: []string{"view"},
			ExpiresAt: time.Now().Add(30 * 24 * time.Hour),
		}},
	}
}

func TestCustomerValidateNormalizes(t *testing.T) {
	c := validCustomer()
	if err := c.Validate(time.Now()); err != nil {
		t.Fatalf("valid customer: %v", err)
	}
	if c.Addresses[0].Postcode != "PL1 2AA" || c.Contacts.Phones[0].Number != "+447700900123" {
		t.Errorf("not normalized: %q %q", c.Addresses[0].Postcode, c.Contacts.Phones[0].Number)
	}
	if !c.Contacts.Emails[0].Primary || !c.Contacts.Phones[0].Primary {
		t.Error("the only email and phone should become primary")
	}
	if c.Accessibility.InterpreterLanguage != "bfi" {
		t.Errorf("interpreter language = %q", c.Accessibility.InterpreterLanguage)
	}
}

func TestCustomerValidateTable(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	now := time.Now()
	for _, tc := range []struct {
		name    string
		mutate  func(*Customer)
		pointer string
		id      string
	}{
		{"no name at all", func(c *Customer) { c.Name = Name{} }, "/name/given", MsgNameRequired},
		{"given over-long", func(c *Customer) { c.Name.Given = long(101) }, "/name/given", MsgTooLong},
		{"family over-long", func(c *Customer) { c.Name.Family = long(101) }, "/name/family", MsgTooLong},
		{"preferred has a line break", func(c *Customer) { c.Name.Preferred = "Ada\nBob" }, "/name/preferred", MsgTextInvalid},
		{"bidi override in a name", func(c *Customer) { c.Name.Family = "Love\u202elace" }, "/name/family", MsgTextInvalid},
		{"invalid UTF-8", func(c *Customer) { c.Name.Given = "Ad\xffa" }, "/name/given", MsgTextInvalid},
		{"date of birth not a date", func(c *Customer) { c.DateOfBirth = "1990-02-30" }, "/date_of_birth", MsgDateInvalid},
		{"date of birth hostile", func(c *Customer) { c.DateOfBirth = hostile }, "/date_of_birth", MsgDateInvalid},
		{"date of birth in the future", func(c *Customer) { c.DateOfBirth = DateOf(now.AddDate(1, 0, 0)) }, "/date_of_birth", MsgDateOutOfRange},
		{"email hostile", func(c *Customer) { c.Contacts.Emails[0].Address = hostile }, "/contacts/emails/0/address", MsgEmailInvalid},
		{"email missing", func(c *Customer) { c.Contacts.Emails[0].Address = "" }, "/contacts/emails/0/address", MsgRequired},
		{"email twice", func(c *Customer) {
			c.Contacts.Emails = append(c.Contacts.Emails, Email{Address: "ADA@example.org"})
		}, "/contacts/emails/1/address", MsgDuplicate},
		{"too many emails", func(c *Customer) {
			for i := range MaxEmails {
				c.Contacts.Emails = append(c.Contacts.Emails, Email{Address: "a" + string(rune('a'+i)) + "@example.org"})
			}
		}, "/contacts/emails", MsgTooMany},
		{"two primary emails", func(c *Customer) {
			c.Contacts.Emails = []Email{{Address: "a@example.org", Primary: true}, {Address: "b@example.org", Primary: true}}
		}, "/contacts/emails/1/primary", MsgOnePrimary},
		{"phone hostile", func(c *Customer) { c.Contacts.Phones[0].Number = hostile }, "/contacts/phones/0/number", MsgPhoneInvalid},
		{"phone missing", func(c *Customer) { c.Contacts.Phones[0].Number = "" }, "/contacts/phones/0/number", MsgRequired},
		{"too many phones", func(c *Customer) { c.Contacts.Phones = make([]Phone, MaxPhones+1) }, "/contacts/phones", MsgTooMany},
		{"postcode wrong", func(c *Customer) { c.Addresses[0].Postcode = "PL1 2CC" }, "/addresses/0/postcode", MsgPostcodeInvalid},
		{"postcode hostile", func(c *Customer) { c.Addresses[0].Postcode = hostile }, "/addresses/0/postcode", MsgPostcodeInvalid},
		{"postcode missing", func(c *Customer) { c.Addresses[0].Postcode = " " }, "/addresses/0/postcode", MsgRequired},
		{"line1 missing", func(c *Customer) { c.Addresses[0].Line1 = "" }, "/addresses/0/line1", MsgRequired},
		{"line1 over-long", func(c *Customer) { c.Addresses[0].Line1 = long(101) }, "/addresses/0/line1", MsgTooLong},
		{"line2 over-long", func(c *Customer) { c.Addresses[0].Line2 = long(101) }, "/addresses/0/line2", MsgTooLong},
		{"town missing", func(c *Customer) { c.Addresses[0].Town = "" }, "/addresses/0/town", MsgRequired},
		{"town over-long", func(c *Customer) { c.Addresses[0].Town = long(61) }, "/addresses/0/town", MsgTooLong},
		{"uprn letters", func(c *Customer) { c.Addresses[0].UPRN = "10004x" }, "/addresses/0/uprn", MsgUPRNInvalid},
		{"uprn too long", func(c *Customer) { c.Addresses[0].UPRN = "1234567890123" }, "/addresses/0/uprn", MsgUPRNInvalid},
		{"valid_from missing", func(c *Customer) { c.Addresses[0].ValidFrom = "" }, "/addresses/0/valid_from", MsgRequired},
		{"valid_from hostile", func(c *Customer) { c.Addresses[0].ValidFrom = hostile }, "/addresses/0/valid_from", MsgDateInvalid},
		{"valid_to before valid_from", func(c *Customer) {
			a := homeAddress()
			a.ValidTo = DateOf(time.Now().AddDate(-3, 0, 0))
			c.Addresses = append(c.Addresses, a)
		}, "/addresses/1/valid_to", MsgDatesOrder},
		{"no current address", func(c *Customer) { c.Addresses[0].ValidTo = "2024-01-01" }, "/addresses", MsgOneCurrentAddress},
		{"two current addresses", func(c *Customer) { c.Addresses = append(c.Addresses, homeAddress()) }, "/addresses", MsgOneCurrentAddress},
		{"too many addresses", func(c *Customer) { c.Addresses = make([]Address, MaxAddresses+1) }, "/addresses", MsgTooMany},
		{"language unknown", func(c *Customer) { c.Language = "fr" }, "/language", MsgLanguageUnknown},
		{"language hostile", func(c *Customer) { c.Language = hostile }, "/language", MsgLanguageUnknown},
		{"channel unknown", func(c *Customer) { c.Communication.Channels = []string{"pigeon"} }, "/communication/channels/0", MsgNotAllowed},
		{"channel twice", func(c *Customer) { c.Communication.Channels = []string{"sms", "sms"} }, "/communication/channels/1", MsgDuplicate},
		{"interpreter language nonsense", func(c *Customer) { c.Accessibility.InterpreterLanguage = hostile }, "/accessibility/interpreter_language", MsgInterpreterInvalid},
		{"representative without name", func(c *Customer) { c.Representatives[0].Name = "" }, "/representatives/0/name", MsgRequired},
		{"representative name over-long", func(c *Customer) { c.Representatives[0].Name = long(101) }, "/representatives/0/name", MsgTooLong},
		{"representative relationship over-long", func(c *Customer) { c.Representatives[0].Relationship = long(61) }, "/representatives/0/relationship", MsgTooLong},
		{"representative email bad", func(c *Customer) { c.Representatives[0].Email = hostile }, "/representatives/0/email", MsgEmailInvalid},
		{"representative phone bad", func(c *Customer) { c.Representatives[0].Phone = "123" }, "/representatives/0/phone", MsgPhoneInvalid},
		{"representative without scopes", func(c *Customer) { c.Representatives[0].Scopes = nil }, "/representatives/0/scopes", MsgRequired},
		{"representative scope unknown", func(c *Customer) { c.Representatives[0].Scopes = []string{"admin"} }, "/representatives/0/scopes/0", MsgNotAllowed},
		{"representative expired", func(c *Customer) { c.Representatives[0].ExpiresAt = now.Add(-time.Hour) }, "/representatives/0/expires_at", MsgExpiryInvalid},
		{"representative for ever", func(c *Customer) { c.Representatives[0].ExpiresAt = now.AddDate(10, 0, 0) }, "/representatives/0/expires_at", MsgExpiryInvalid},
		{"representative without expiry", func(c *Customer) { c.Representatives[0].ExpiresAt = time.Time{} }, "/representatives/0/expires_at", MsgRequired},
		{"too many representatives", func(c *Customer) { c.Representatives = make([]Representative, MaxRepresentatives+1) }, "/representatives", MsgTooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validCustomer()
			tc.mutate(&c)
			got := fieldsOf(t, c.Validate(now))
			if got[tc.pointer] != tc.id {
				t.Errorf("fields = %v; want %s at %s", got, tc.id, tc.pointer)
			}
		})
	}
}

func TestTooLongCarriesTheLimit(t *testing.T) {
	c := validCustomer()
	c.Name.Given = strings.Repeat("é", 101) // characters, not bytes
	err := c.Validate(time.Now())
	ve := err.(*ValidationError)
	if ve.Fields[0].Data["Count"] != maxName {
		t.Errorf("FieldTooLong data = %v; want Count %d", ve.Fields[0].Data, maxName)
	}
	c.Name.Given = strings.Repeat("é", 100)
	if err := c.Validate(time.Now()); err != nil {
		t.Errorf("100 characters (200 bytes) should fit: %v", err)
	}
}

func TestValidationErrorKeepsValuesOutOfItsMessage(t *testing.T) {
	c := validCustomer()
	c.Contacts.Emails[0].Address = "secret-person@@example.org"
	err := c.Validate(time.Now())
	if err == nil || strings.Contains(err.Error(), "secret-person") {
		t.Errorf("error %q must name the field, not the value", err)
	}
}

func TestChangeRequestValidate(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name    string
		req     ChangeRequest
		pointer string
		id      string
	}{
		{"kind unknown", ChangeRequest{Kind: "marriage", EffectiveDate: today(), Channel: "web"}, "/kind", MsgNotAllowed},
		{"kind hostile", ChangeRequest{Kind: hostile, EffectiveDate: today(), Channel: "web"}, "/kind", MsgNotAllowed},
		{"no date", ChangeRequest{Kind: KindName, Channel: "web", Values: ChangeValues{Name: &Name{Given: "A"}}}, "/effective_date", MsgRequired},
		{"date far ahead", ChangeRequest{Kind: KindName, EffectiveDate: DateOf(now.AddDate(2, 0, 0)), Channel: "web", Values: ChangeValues{Name: &Name{Given: "A"}}}, "/effective_date", MsgDateOutOfRange},
		{"death in the future", ChangeRequest{Kind: KindDeceased, EffectiveDate: DateOf(now.AddDate(0, 0, 3)), Channel: "web", Values: ChangeValues{Deceased: &DeceasedValues{ReportedBy: Reporter{Name: "B", Relationship: "son"}}}}, "/effective_date", MsgDateOutOfRange},
		{"channel missing", ChangeRequest{Kind: KindName, EffectiveDate: today(), Values: ChangeValues{Name: &Name{Given: "A"}}}, "/channel", MsgNotAllowed},
		{"assisted without staff", ChangeRequest{Kind: KindName, EffectiveDate: today(), Channel: "assisted", Values: ChangeValues{Name: &Name{Given: "A"}}}, "/actor_id", MsgStaffRequired},
		{"actor hostile", ChangeRequest{Kind: KindName, EffectiveDate: today(), Channel: "web", ActorID: "a b", Values: ChangeValues{Name: &Name{Given: "A"}}}, "/actor_id", MsgInvalidValue},
		{"values missing", ChangeRequest{Kind: KindAddress, EffectiveDate: today(), Channel: "web"}, "/values/address", MsgRequired},
		{"values of another kind", ChangeRequest{Kind: KindAddress, EffectiveDate: today(), Channel: "web", Values: ChangeValues{Address: &PostalAddress{Line1: "1", Town: "T", Postcode: "PL1 2AA"}, Name: &Name{Given: "A"}}}, "/values/name", MsgNotAllowed},
		{"new postcode bad", ChangeRequest{Kind: KindAddress, EffectiveDate: today(), Channel: "web", Values: ChangeValues{Address: &PostalAddress{Line1: "1", Town: "T", Postcode: hostile}}}, "/values/address/postcode", MsgPostcodeInvalid},
		{"contact empty", ChangeRequest{Kind: KindContact, EffectiveDate: today(), Channel: "web", Values: ChangeValues{Contact: &ContactValues{}}}, "/values/contact", MsgNothingToChange},
		{"contact email bad", ChangeRequest{Kind: KindContact, EffectiveDate: today(), Channel: "web", Values: ChangeValues{Contact: &ContactValues{Email: hostile}}}, "/values/contact/email", MsgEmailInvalid},
		{"reporter without relationship", ChangeRequest{Kind: KindDeceased, EffectiveDate: today(), Channel: "web", Values: ChangeValues{Deceased: &DeceasedValues{ReportedBy: Reporter{Name: "B"}}}}, "/values/deceased/reported_by/relationship", MsgRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldsOf(t, tc.req.Validate(now))
			if got[tc.pointer] != tc.id {
				t.Errorf("fields = %v; want %s at %s", got, tc.id, tc.pointer)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"Wed, 01 Jan 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Wed, 01 Jan 2025 11:00:00 GMT", 0, true},
		{"99999999999999999999", 0, false},
		{"9999999999", maxRetryAfter, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
