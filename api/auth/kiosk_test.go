package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The two things kiosk sign-in needs from auth: a sign-in code checked
// without starting a session, and accounts for people with no contact.

func TestCheckSignInCode(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "en")
	off := env.resident(t, "off@example.org", svcPassword, "en")
	request := func(email string) string {
		t.Helper()
		if err := env.s.RequestSignInCode(ctx, Contact{Email: email}, "192.0.2.1"); err != nil {
			t.Fatalf("RequestSignInCode: %v", err)
		}
		return env.lastCode(t, email)
	}
	check := func(email, code string) (string, error) {
		return env.s.CheckSignInCode(ctx, CodeLoginInput{Email: email, Code: code, IP: "192.0.2.1"})
	}

	code := request("ada@example.org")
	id, err := check(" ADA@example.org", code)
	if err != nil || id != ada.ID {
		t.Fatalf("CheckSignInCode = %q, %v; want %q", id, err, ada.ID)
	}
	if n, err := env.tokens.Sessions().RevokeAllFor(ctx, ada.ID, ""); err != nil || n != 0 {
		t.Errorf("%d refresh sessions started (%v), want none", n, err)
	}
	if _, err := check("ada@example.org", code); svcCodeID(err) != CodeExpired {
		t.Errorf("the same code again: %v, want %s", err, CodeExpired)
	}

	// Wrong codes count like wrong passwords, and the right code forgives them.
	code = request("ada@example.org")
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	if _, err := check("ada@example.org", wrong); svcCodeID(err) != CodeWrong {
		t.Fatalf("wrong code: %v, want %s", err, CodeWrong)
	}
	if _, err := check("ada@example.org", code); err != nil {
		t.Fatalf("right code after a wrong one: %v", err)
	}

	offCode := request("off@example.org") // disabled after the code went out
	if _, err := env.s.users.Update(ctx, off.ID, func(u *User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := check("off@example.org", offCode); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled account: %v, want ErrDisabled", err)
	}
	if _, err := check("nobody@example.org", "123456"); svcCodeID(err) != CodeExpired {
		t.Errorf("no code sent: %v, want %s", err, CodeExpired)
	}
	if _, err := check("ada@example.org", "12ab"); svcCodeID(err) != CodeMalformed {
		t.Errorf("malformed code: %v, want %s", err, CodeMalformed)
	}
	_, err = env.s.CheckSignInCode(ctx, CodeLoginInput{Email: "ada@example.org", Phone: "07700900123", Code: "123456"})
	if f := svcFields(t, err); f["/email"] != MsgContactExactlyOne && f[""] != MsgContactExactlyOne {
		t.Errorf("email and phone: fields %v", f)
	}
}

func TestCheckSignInCodeThrottles(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	// Failures the password route counted lock the code route too: one budget.
	for range 10 {
		if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	_, err := env.s.CheckSignInCode(ctx, CodeLoginInput{Email: "ada@example.org", Code: "123456"})
	var te *ThrottleError
	if !errors.As(err, &te) {
		t.Fatalf("after 10 failures: %v, want *ThrottleError", err)
	}
}

func TestCreateResident(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	u, err := env.s.CreateResident(ctx, CreateResidentInput{Name: "  Mary Jones ", Language: "cy"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Mary Jones" || got.Language != "cy" || got.Email != "" || got.Phone != "" || got.HasPassword() ||
		!got.Has(RoleResident) || got.Staff {
		t.Errorf("stored %+v", got)
	}
	// Two people without a contact do not clash on the unique indexes.
	second, err := env.s.CreateResident(ctx, CreateResidentInput{Name: "Tom Evans"})
	if err != nil {
		t.Fatalf("a second account without a contact: %v", err)
	}
	if second.Language != "en" {
		t.Errorf("default language %q", second.Language)
	}
	// Nothing signs in as them by password.
	if _, err := env.s.Login(ctx, LoginInput{Email: "mary@example.org", Password: svcPassword}); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("login: %v", err)
	}
	for _, tc := range []struct {
		in   CreateResidentInput
		want map[string]string
	}{
		{CreateResidentInput{}, map[string]string{"/name": MsgFieldRequired}},
		{CreateResidentInput{Name: strings.Repeat("n", MaxNameRunes+1)}, map[string]string{"/name": MsgFieldTooLong}},
		{CreateResidentInput{Name: "Eve\u202e", Language: "fr"}, map[string]string{"/name": MsgTextInvalid, "/language": MsgLanguageUnknown}},
	} {
		_, err := env.s.CreateResident(ctx, tc.in)
		got := svcFields(t, err)
		for p, id := range tc.want {
			if got[p] != id {
				t.Errorf("%+v: fields %v, want %v", tc.in, got, tc.want)
			}
		}
	}
	if n := env.userCount(t); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}
