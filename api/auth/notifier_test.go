package auth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDevOutboxKeepsTheNewestFirst(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	d := NewDevOutbox(3, func() time.Time { return at })
	ctx := context.Background()
	for i := range 5 {
		to := "ada@example.org"
		if i%2 == 1 {
			to = "+447700900123"
		}
		if err := d.Send(ctx, Message{To: to, Channel: MessageEmail, Body: fmt.Sprint("m", i)}); err != nil {
			t.Fatal(err)
		}
	}
	bodies := func(ms []Message) string {
		var b []string
		for _, m := range ms {
			b = append(b, m.Body)
		}
		return strings.Join(b, ",")
	}
	if got := bodies(d.Messages("")); got != "m4,m3,m2" {
		t.Fatalf("all: %s, want the last three, newest first", got)
	}
	if got := bodies(d.Messages(" ADA@example.org ")); got != "m4,m2" {
		t.Fatalf("to ada: %s", got)
	}
	if got := bodies(d.Messages("07700 900123")); got != "m3" {
		t.Fatalf("to the phone as typed nationally: %s", got)
	}
	if got := d.Messages("nobody@example.org"); got == nil || len(got) != 0 {
		t.Fatalf("to nobody: %#v, want an empty list (JSON [])", got)
	}
	if m := d.Messages("")[0]; !m.SentAt.Equal(at) {
		t.Fatalf("SentAt %v, want the outbox clock's %v", m.SentAt, at)
	}
}

func TestDevOutboxRefusesIncompleteMessages(t *testing.T) {
	d := NewDevOutbox(0, nil)
	for _, m := range []Message{
		{Channel: MessageEmail, Body: "b"},
		{To: "a@example.org", Channel: "pigeon", Body: "b"},
		{To: "a@example.org", Channel: MessageSMS},
	} {
		if err := d.Send(context.Background(), m); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	if n := len(d.Messages("")); n != 0 {
		t.Fatalf("%d kept", n)
	}
}

func TestDevOutboxConcurrentSends(t *testing.T) {
	d := NewDevOutbox(100, nil)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				_ = d.Send(context.Background(), Message{To: "a@example.org", Channel: MessageSMS, Body: fmt.Sprint(w, i)})
			}
		})
	}
	wg.Wait()
	if n := len(d.Messages("a@example.org")); n != 100 {
		t.Fatalf("%d kept, want the capacity, 100", n)
	}
}

// Codes reach people in the language they chose, by email with a subject or
// by SMS without one.
func TestServiceCodesInThePersonsLanguage(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	if err := env.s.Register(ctx, RegisterInput{Phone: "07700 900123", Name: "Dafydd", Language: "cy"}); err != nil {
		t.Fatal(err)
	}
	if err := env.s.Register(ctx, RegisterInput{Email: "ada@example.org", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	sms := env.outbox.Messages("+447700900123")
	email := env.outbox.Messages("ada@example.org")
	if len(sms) != 1 || sms[0].Channel != MessageSMS || sms[0].Subject != "" || !strings.HasPrefix(sms[0].Body, "Eich cod cadarnhau yw ") {
		t.Fatalf("SMS %+v, want the Welsh code text and no subject", sms)
	}
	if len(email) != 1 || email[0].Channel != MessageEmail || email[0].Subject != "Confirm your address" || !strings.HasPrefix(email[0].Body, "Your confirmation code is ") {
		t.Fatalf("email %+v, want the English code text with a subject", email)
	}
	if !sms[0].SentAt.Equal(env.clock.Now()) {
		t.Fatalf("SentAt %v, want the service clock's %v", sms[0].SentAt, env.clock.Now())
	}
}

func TestServiceVerify(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	if err := env.s.Register(ctx, RegisterInput{Phone: "+44 (0)7700 900456", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	code := env.lastCode(t, "+447700900456")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	tests := []struct {
		name    string
		contact Contact
		code    string
		codeID  string            // a *CodeError with this id
		fields  map[string]string // or a *ValidationError
	}{
		{"malformed code", Contact{Phone: "07700900456"}, "12345", CodeMalformed, nil},
		{"wrong code", Contact{Phone: "07700900456"}, wrong, CodeWrong, nil},
		{"unknown contact", Contact{Phone: "07700900999"}, code, CodeExpired, nil},
		{"no contact", Contact{}, code, "", map[string]string{"": MsgContactExactlyOne}},
		{"operator in the code", Contact{Phone: "07700900456"}, `{"$gt": ""}`, CodeMalformed, nil},
		{"right code, typed differently", Contact{Phone: "00447700900456"}, code, "", nil},
		{"right code again", Contact{Phone: "07700900456"}, code, CodeExpired, nil},
	}
	for _, tc := range tests {
		err := env.s.Verify(ctx, tc.contact, tc.code)
		switch {
		case tc.fields != nil:
			if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
				t.Errorf("%s: fields %v, want %v", tc.name, got, tc.fields)
			}
		case svcCodeID(err) != tc.codeID || (tc.codeID == "" && err != nil):
			t.Errorf("%s: %v, want code error %q", tc.name, err, tc.codeID)
		}
	}
	if u := env.user(t, normalContact{userFieldPhone, "+447700900456"}); !u.PhoneVerified {
		t.Fatal("the phone is not verified after the right code")
	}
}

// Wrong codes count against the account like wrong passwords: nine of
// those and one of these throttle it.
func TestServiceThrottleCountsCodeFailures(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	for range 9 {
		if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatal(err)
		}
	}
	if err := env.s.RequestSignInCode(ctx, Contact{Email: "ada@example.org"}, ""); err != nil {
		t.Fatal(err)
	}
	code := env.lastCode(t, "ada@example.org")
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	if _, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: "ada@example.org", Code: wrong}); svcCodeID(err) != CodeWrong {
		t.Fatalf("wrong code: %v", err)
	}
	_, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: "ada@example.org", Code: code})
	svcThrottled(t, err)
}

func TestServiceSignInCode(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "cy")
	if err := env.s.Register(ctx, RegisterInput{Email: "pending@example.org", Name: "Pat"}); err != nil {
		t.Fatal(err)
	}
	sent := len(env.outbox.Messages(""))
	for _, c := range []Contact{{Email: "nobody@example.org"}, {Email: "pending@example.org"}} {
		if err := env.s.RequestSignInCode(ctx, c, "192.0.2.1"); err != nil {
			t.Fatalf("code for %s: %v, want the same answer as for an account", c.Email, err)
		}
	}
	if n := len(env.outbox.Messages("")); n != sent {
		t.Fatalf("%d messages sent to contacts that cannot sign in", n-sent)
	}
	if err := env.s.RequestSignInCode(ctx, Contact{Email: "Ada@Example.org"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	code := env.lastCode(t, "ada@example.org")
	msg := env.outbox.Messages("ada@example.org")[0]
	if want := svcLocalize("cy", MsgSignInCodeBody, map[string]any{"Code": code}); msg.Body != want || msg.Subject != svcLocalize("cy", MsgSignInCodeSubject, nil) {
		t.Fatalf("message %+v, want the sign-in code in Welsh", msg)
	}
	if _, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: "nobody@example.org", Code: code}); svcCodeID(err) != CodeWrong && svcCodeID(err) != CodeExpired {
		t.Fatalf("someone else's code for an unknown account: %v", err)
	}
	g, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: "ada@example.org", Code: code, Channel: ChannelPhone})
	svcCheckGrant(t, env, g, err, ada.ID, ChannelPhone)
	if _, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: "ada@example.org", Code: code}); svcCodeID(err) != CodeExpired {
		t.Fatalf("the code a second time: %v, want %s", err, CodeExpired)
	}
	if err := env.s.RequestSignInCode(ctx, Contact{Email: `{"$gt": ""}`}, ""); !maps.Equal(svcFields(t, err), map[string]string{"/email": MsgEmailInvalid}) {
		t.Fatalf("operator as email: %v", err)
	}
}

// The per-contact limit on codes answers alike for accounts and strangers.
func TestServiceSignInCodeLimitRevealsNothing(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	env.clock.Advance(2 * time.Hour) // the registration's code no longer counts
	for _, email := range []string{"ada@example.org", "nobody@example.org"} {
		for i := range 5 {
			if err := env.s.RequestSignInCode(ctx, Contact{Email: email}, ""); err != nil {
				t.Fatalf("%s, request %d: %v", email, i+1, err)
			}
		}
		if id := svcCodeID(env.s.RequestSignInCode(ctx, Contact{Email: email}, "")); id != CodeIssueLimited {
			t.Fatalf("%s, sixth request: %q, want %s", email, id, CodeIssueLimited)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada@example.org", "ada@example.org"},
		{"  Ada.Lovelace+council@Example.ORG ", "ada.lovelace+council@example.org"},
		{"o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"},
		{"ada@example", ""},
		{"ada@@example.org", ""},
		{"ada@example.123", ""},
		{"ada@[192.0.2.1]", ""},
		{`"ada lovelace"@example.org`, ""},
		{"Ada <ada@example.org>", ""},
		{"ada@exa_mple.org", ""},
		{"ada@-example.org", ""},
		{"adà@example.org", ""},
		{"ada@example.org\r\nBcc: x@example.org", ""},
		{`{"$gt": ""}`, ""},
		{strings.Repeat("a", 65) + "@example.org", ""},
		{"a@" + strings.Repeat("b", 250) + ".org", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, ok := NormalizeEmail(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"07700 900123", "+447700900123"},
		{"07700-900-123", "+447700900123"},
		{"+44 7700 900123", "+447700900123"},
		{"+44 (0)7700 900123", "+447700900123"},
		{"0044 7700 900123", "+447700900123"},
		{"(0117) 496 0000", "+441174960000"},
		{"+353 85 123 4567", "+353851234567"},
		{"+1 (202) 555-0143", "+12025550143"},
		{"0770 090 012", ""},      // a mobile is never nine digits
		{"07700 9001234", ""},     // nor eleven
		{"06700 900123", ""},      // no UK numbers start 06
		{"7700 900123", ""},       // neither + nor 0
		{"+0 123 456 789", ""},    // no country code 0
		{"+1234567", ""},          // too short for E.164
		{"+1234567890123456", ""}, // too long
		{"07700 9OO123", ""},
		{`{"$gt": ""}`, ""},
		{"", ""},
		{"+44", ""},
		{strings.Repeat("0", 41), ""},
	}
	for _, tc := range tests {
		got, ok := NormalizePhone(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

var svcE164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// FuzzNormalizeContact: whatever comes in, what comes out is in normal form
// (normalizing it again changes nothing) and of the expected shape.
func FuzzNormalizeContact(f *testing.F) {
	for _, s := range []string{"ada@example.org", " ADA@Example.ORG", "07700 900123", "+44 (0)7700 900123",
		"0044 117 496 0000", "+1 (202) 555-0143", `{"$gt": ""}`, "a@b", "\x00@example.org", "+44(0)", "(0)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, ok := NormalizeEmail(s); ok {
			if again, ok2 := NormalizeEmail(e); !ok2 || again != e || e != strings.ToLower(e) || len(e) > maxEmailLen {
				t.Fatalf("NormalizeEmail(%q) = %q, not stable (%q, %v)", s, e, again, ok2)
			}
		}
		if p, ok := NormalizePhone(s); ok {
			if again, ok2 := NormalizePhone(p); !ok2 || again != p || !svcE164.MatchString(p) {
				t.Fatalf("NormalizePhone(%q) = %q, not stable E.164 (%q, %v)", s, p, again, ok2)
			}
		}
	})
}
