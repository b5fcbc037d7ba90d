package accounts

import (
	"slices"
	"strings"
	"time"

	"frontdoor/api/store"
)

// Limits on how many of each a customer record holds.
const (
	MaxEmails          = 5
	MaxPhones          = 5
	MaxAddresses       = 50 // history included; the oldest ended one goes first
	MaxRepresentatives = 10
	maxGrant           = 5 * 366 * 24 * time.Hour // longest a representative may be granted
)

// Languages residents may choose: English, Welsh, Polish, Arabic.
var Languages = []string{"en", "cy", "pl", "ar"}

// Channels residents may prefer messages on, in their order of preference.
var Channels = []string{"push", "email", "sms", "post", "phone"}

// Scopes a representative may be granted.
var Scopes = []string{"view", "report_changes", "manage_links", "cases"}

// Customer is the customer record: the one record per resident, whose id is
// the resident id (the token subject).
type Customer struct {
	store.Meta
	Name            Name             `json:"name"`
	DateOfBirth     Date             `json:"date_of_birth,omitempty"`
	Contacts        Contacts         `json:"contacts"`
	Addresses       []Address        `json:"addresses,omitempty"`
	Language        string           `json:"language"`
	Communication   Communication    `json:"communication"`
	Accessibility   Accessibility    `json:"accessibility"`
	Representatives []Representative `json:"representatives,omitempty"`
	Deceased        *Deceased        `json:"deceased,omitempty"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// Name is how the resident is called; at least one part is needed.
type Name struct {
	Given     string `json:"given,omitempty"`
	Family    string `json:"family,omitempty"`
	Preferred string `json:"preferred,omitempty"`
}

// Contacts holds emails and phones. Verified flags are set only by
// MarkContactVerified, never from input.
type Contacts struct {
	Emails []Email `json:"emails,omitempty"`
	Phones []Phone `json:"phones,omitempty"`
}

// Email is one address; Primary is the one we write to (the first when
// none is marked).
type Email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
	Primary  bool   `json:"primary"`
}

// Phone is one number in E.164 form.
type Phone struct {
	Number   string `json:"number"`
	Verified bool   `json:"verified"`
	Primary  bool   `json:"primary"`
}

// PostalAddress is where a letter reaches.
type PostalAddress struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Town     string `json:"town"`
	Postcode string `json:"postcode"`
	UPRN     string `json:"uprn,omitempty"` // Unique Property Reference Number, when known
}

// Address is one place lived, for [ValidFrom, ValidTo): the current one has
// no ValidTo.
type Address struct {
	PostalAddress
	ValidFrom Date `json:"valid_from"`
	ValidTo   Date `json:"valid_to,omitempty"`
}

// Communication says how the resident likes to hear from us.
type Communication struct {
	Channels []string `json:"channels,omitempty"` // most preferred first
}

// Accessibility needs, which every service sees.
type Accessibility struct {
	LargePrint          bool   `json:"large_print"`
	BSL                 bool   `json:"bsl"`
	InterpreterLanguage string `json:"interpreter_language,omitempty"` // BCP 47
	EasyRead            bool   `json:"easy_read"`
	NeedsHelpOnline     bool   `json:"needs_help_online"`
}

// Representative is a named person the resident allows to act for them,
// within Scopes, until ExpiresAt. Only the resident grants one.
type Representative struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Relationship string    `json:"relationship,omitempty"`
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Scopes       []string  `json:"scopes"`
	ExpiresAt    time.Time `json:"expires_at"`
	GrantedAt    time.Time `json:"granted_at"`
}

// Deceased marks a record after a deceased notification.
type Deceased struct {
	DateOfDeath Date      `json:"date_of_death"`
	NotifiedAt  time.Time `json:"notified_at"`
}

// CurrentAddress returns the address with no end date, if any.
func (c *Customer) CurrentAddress() (int, *Address) {
	for i := range c.Addresses {
		if c.Addresses[i].ValidTo == "" {
			return i, &c.Addresses[i]
		}
	}
	return -1, nil
}

// Validate normalizes the record in place (trims text, formats postcodes,
// phones and emails, marks a primary contact) and reports everything wrong
// with it, measured against now.
func (c *Customer) Validate(now time.Time) error {
	var ck checker
	c.Name.check(&ck, "/name")
	if t, ok := ck.date("/date_of_birth", c.DateOfBirth, false); ok &&
		(t.After(now.Add(24*time.Hour)) || t.Year() < 1900) {
		ck.Add("/date_of_birth", MsgDateOutOfRange)
	}
	c.Contacts.check(&ck)
	checkAddresses(&ck, c.Addresses)
	if !slices.Contains(Languages, c.Language) {
		ck.Add("/language", MsgLanguageUnknown)
	}
	checkList(&ck, "/communication/channels", c.Communication.Channels, Channels, len(Channels))
	if l := c.Accessibility.InterpreterLanguage; l != "" {
		if tag, ok := interpreterLanguage(l); ok {
			c.Accessibility.InterpreterLanguage = tag
		} else {
			ck.Add("/accessibility/interpreter_language", MsgInterpreterInvalid)
		}
	}
	if len(c.Representatives) > MaxRepresentatives {
		ck.AddCount("/representatives", MsgTooMany, MaxRepresentatives)
	} else {
		for i := range c.Representatives {
			c.Representatives[i].check(&ck, ptr("/representatives", i), now)
		}
	}
	return ck.Err()
}

func (n *Name) check(ck *checker, p string) {
	ck.text(p+"/given", &n.Given, maxName, false)
	ck.text(p+"/family", &n.Family, maxName, false)
	ck.text(p+"/preferred", &n.Preferred, maxName, false)
	if n.Given == "" && n.Family == "" && n.Preferred == "" {
		ck.Add(p+"/given", MsgNameRequired)
	}
}

func (cs *Contacts) check(ck *checker) {
	if len(cs.Emails) > MaxEmails {
		ck.AddCount("/contacts/emails", MsgTooMany, MaxEmails)
	} else {
		seen := map[string]bool{}
		for i := range cs.Emails {
			p := ptr("/contacts/emails", i, "address")
			e, ok := NormalizeEmail(cs.Emails[i].Address)
			switch {
			case strings.TrimSpace(cs.Emails[i].Address) == "":
				ck.Add(p, MsgRequired)
			case !ok:
				ck.Add(p, MsgEmailInvalid)
			case seen[emailKey(e)]:
				ck.Add(p, MsgDuplicate)
			default:
				cs.Emails[i].Address, seen[emailKey(e)] = e, true
			}
		}
		primaries(ck, "/contacts/emails", len(cs.Emails), func(i int) *bool { return &cs.Emails[i].Primary })
	}
	if len(cs.Phones) > MaxPhones {
		ck.AddCount("/contacts/phones", MsgTooMany, MaxPhones)
		return
	}
	seen := map[string]bool{}
	for i := range cs.Phones {
		p := ptr("/contacts/phones", i, "number")
		n, ok := NormalizePhone(cs.Phones[i].Number)
		switch {
		case strings.TrimSpace(cs.Phones[i].Number) == "":
			ck.Add(p, MsgRequired)
		case !ok:
			ck.Add(p, MsgPhoneInvalid)
		case seen[n]:
			ck.Add(p, MsgDuplicate)
		default:
			cs.Phones[i].Number, seen[n] = n, true
		}
	}
	primaries(ck, "/contacts/phones", len(cs.Phones), func(i int) *bool { return &cs.Phones[i].Primary })
}

// primaries allows at most one primary and makes the first one primary
// when none is.
func primaries(ck *checker, p string, n int, primary func(int) *bool) {
	count := 0
	for i := range n {
		if *primary(i) {
			count++
			if count > 1 {
				ck.Add(ptr(p, i, "primary"), MsgOnePrimary)
			}
		}
	}
	if count == 0 && n > 0 {
		*primary(0) = true
	}
}

func checkAddresses(ck *checker, as []Address) {
	if len(as) > MaxAddresses {
		ck.AddCount("/addresses", MsgTooMany, MaxAddresses)
		return
	}
	current := 0
	for i := range as {
		as[i].check(ck, ptr("/addresses", i))
		if as[i].ValidTo == "" {
			current++
		}
	}
	if len(as) > 0 && current != 1 {
		ck.Add("/addresses", MsgOneCurrentAddress)
	}
}

func (a *Address) check(ck *checker, p string) {
	a.PostalAddress.check(ck, p)
	from, okFrom := ck.date(p+"/valid_from", a.ValidFrom, true)
	if to, okTo := ck.date(p+"/valid_to", a.ValidTo, false); okFrom && okTo && !to.After(from) {
		ck.Add(p+"/valid_to", MsgDatesOrder)
	}
}

func (a *PostalAddress) check(ck *checker, p string) {
	ck.text(p+"/line1", &a.Line1, maxLine, true)
	ck.text(p+"/line2", &a.Line2, maxLine, false)
	ck.text(p+"/town", &a.Town, maxTown, true)
	if a.Postcode = strings.TrimSpace(a.Postcode); a.Postcode == "" {
		ck.Add(p+"/postcode", MsgRequired)
	} else if pc, ok := NormalizePostcode(a.Postcode); ok {
		a.Postcode = pc
	} else {
		ck.Add(p+"/postcode", MsgPostcodeInvalid)
	}
	if a.UPRN != "" && (!allDigits(a.UPRN) || len(a.UPRN) > 12) {
		ck.Add(p+"/uprn", MsgUPRNInvalid)
	}
}

// checkList allows values from allowed only, each once, at most max.
func checkList(ck *checker, p string, vs, allowed []string, max int) {
	if len(vs) > max {
		ck.AddCount(p, MsgTooMany, max)
		return
	}
	seen := map[string]bool{}
	for i, v := range vs {
		switch {
		case seen[v]:
			ck.Add(ptr(p, i), MsgDuplicate)
		default:
			ck.oneOf(ptr(p, i), v, allowed)
		}
		seen[v] = true
	}
}

func (r *Representative) check(ck *checker, p string, now time.Time) {
	ck.text(p+"/name", &r.Name, maxName, true)
	ck.text(p+"/relationship", &r.Relationship, maxRelation, false)
	ck.email(p+"/email", &r.Email)
	ck.phone(p+"/phone", &r.Phone)
	if len(r.Scopes) == 0 {
		ck.Add(p+"/scopes", MsgRequired)
	}
	checkList(ck, p+"/scopes", r.Scopes, Scopes, len(Scopes))
	switch {
	case r.ExpiresAt.IsZero():
		ck.Add(p+"/expires_at", MsgRequired)
	case !r.ExpiresAt.After(now) || r.ExpiresAt.After(now.Add(maxGrant)):
		ck.Add(p+"/expires_at", MsgExpiryInvalid)
	}
}
