package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/api/store"
)

// Registering an address that has an account answers exactly as for a new
// one, costs the same hashing, changes nothing, and tells only the owner.
func TestServiceRegisterExistingRevealsNothing(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	owner := env.resident(t, "ada@example.org", svcPassword, "cy")

	before := env.derives.Load()
	errNew := env.s.Register(ctx, RegisterInput{Email: "new@example.org", Password: "another long password", Name: "Eve"})
	costNew := env.derives.Load() - before
	before = env.derives.Load()
	errOld := env.s.Register(ctx, RegisterInput{Email: "ADA@example.org", Password: "another long password", Name: "Eve", Language: "en"})
	costOld := env.derives.Load() - before
	if errNew != nil || errOld != nil || costNew != costOld {
		t.Fatalf("new address: %v, %d hashes; existing: %v, %d hashes; want the same", errNew, costNew, errOld, costOld)
	}
	msgs := env.outbox.Messages("ada@example.org")
	if want := svcLocalize("cy", MsgRegisterExistingBody, nil); msgs[0].Body != want || svcCodePattern.MatchString(msgs[0].Body) {
		t.Fatalf("owner got %q, want the notice in Welsh and no code", msgs[0].Body)
	}
	after := env.user(t, normalContact{userFieldEmail, "ada@example.org"})
	if after.PasswordHash != owner.PasswordHash || after.Name != owner.Name || after.Version != owner.Version {
		t.Fatalf("the existing account changed: %+v", after)
	}
	if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "another long password"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the second registrant's password signs in: %v", err)
	}
	env.login(t, "ada@example.org", svcPassword)
}

// A pending registration (never verified) is replaced by the newest one, so
// whoever registered an address first cannot keep it or its password.
func TestServiceRegisterPendingIsReplaced(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	if err := env.s.Register(ctx, RegisterInput{Email: "ada@example.org", Password: "squatter's password", Name: "Mallory"}); err != nil {
		t.Fatal(err)
	}
	first := env.lastCode(t, "ada@example.org")
	if err := env.s.Register(ctx, RegisterInput{Email: "ada@example.org", Password: svcPassword, Name: "Ada", Language: "cy"}); err != nil {
		t.Fatal(err)
	}
	second := env.lastCode(t, "ada@example.org")
	if first != second {
		if id := svcCodeID(env.s.Verify(ctx, Contact{Email: "ada@example.org"}, first)); id != CodeWrong && id != CodeExpired {
			t.Fatalf("the first code after a second registration: %q, want it refused", id)
		}
	}
	if err := env.s.Verify(ctx, Contact{Email: "ada@example.org"}, second); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if u := env.user(t, normalContact{userFieldEmail, "ada@example.org"}); u.Name != "Ada" || u.Language != "cy" || !u.EmailVerified {
		t.Fatalf("user %+v, want the newest registration, verified", u)
	}
	if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: "squatter's password"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the first registrant's password: %v, want ErrInvalidCredentials", err)
	}
	env.login(t, "ada@example.org", svcPassword)
	if n := env.userCount(t); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestServiceCreateUser(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		in     CreateUserInput
		fields map[string]string
	}{
		{name: "staff in two teams", in: CreateUserInput{Email: "Sam@Council.example", Name: "Sam", Role: RoleStaff, Teams: []string{" Waste ", "highways-north"}, Password: svcPassword}},
		{name: "admin without a team", in: CreateUserInput{Email: "root@council.example", Role: RoleAdmin, Password: svcPassword}},
		{name: "resident", in: CreateUserInput{Email: "r@council.example", Role: RoleResident, Password: svcPassword}, fields: map[string]string{"/role": MsgValueNotAllowed}},
		{name: "staff without a team", in: CreateUserInput{Email: "s@council.example", Role: RoleStaff, Password: svcPassword}, fields: map[string]string{"/teams": MsgTeamRequired}},
		{name: "bad and repeated teams", in: CreateUserInput{Email: "s@council.example", Role: RoleSupervisor, Teams: []string{"waste team", "waste", "WASTE"}, Password: svcPassword},
			fields: map[string]string{"/teams/0": MsgTeamInvalid, "/teams/2": MsgDuplicateValue}},
		{name: "no email, no password, unknown role", in: CreateUserInput{Role: "mayor"},
			fields: map[string]string{"/email": MsgFieldRequired, "/role": RoleUnknown, "/password": MsgFieldRequired}},
		{name: "phone for an email", in: CreateUserInput{Email: "07700900123", Role: RoleAdmin, Password: svcPassword}, fields: map[string]string{"/email": MsgEmailInvalid}},
		{name: "weak password", in: CreateUserInput{Email: "w@council.example", Role: RoleAdmin, Password: "letmein1"}, fields: map[string]string{"/password": PasswordTooCommon}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := env.s.CreateUser(ctx, tc.in)
			if tc.fields != nil {
				if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
					t.Fatalf("fields %v, want %v", got, tc.fields)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if !u.EmailVerified || !u.Staff || !slices.Equal(u.Roles, []Role{tc.in.Role}) {
				t.Fatalf("user %+v, want a verified %s", u, tc.in.Role)
			}
			g := env.login(t, u.Email, svcPassword)
			claims, err := env.tokens.Verify(ctx, g.AccessToken)
			if err != nil || !slices.Equal(claims.Roles, []Role{tc.in.Role}) {
				t.Fatalf("token roles %v (%v), want %s", claims, err, tc.in.Role)
			}
		})
	}
	sam := env.user(t, normalContact{userFieldEmail, "sam@council.example"})
	if !slices.Equal(sam.Teams, []string{"waste", "highways-north"}) {
		t.Fatalf("teams %v", sam.Teams)
	}
	_, err := env.s.CreateUser(ctx, CreateUserInput{Email: "SAM@council.example", Role: RoleAdmin, Password: svcPassword})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Pointer != "/email" || !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second account for an email: %v, want a conflict on /email", err)
	}
}

func TestServiceListStaff(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	env.resident(t, "ada@example.org", svcPassword, "en")
	// Made straight in the store: hashing 55 passwords only slows the test.
	var want []string
	for i := range StaffPageSize + 5 {
		env.clock.Advance(time.Millisecond)
		u := &User{Email: fmt.Sprintf("s%02d@council.example", i), EmailVerified: true, Language: "en",
			Teams: []string{"waste"}, CreatedAt: env.clock.Now(), UpdatedAt: env.clock.Now()}
		u.setRoles([]Role{RoleStaff})
		if err := env.s.users.Insert(ctx, u); err != nil {
			t.Fatal(err)
		}
		want = append(want, u.Email)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		users, next, err := env.s.ListStaff(ctx, cursor)
		if err != nil {
			t.Fatalf("ListStaff: %v", err)
		}
		if pages == 0 && len(users) != StaffPageSize {
			t.Fatalf("first page holds %d, want %d", len(users), StaffPageSize)
		}
		for _, u := range users {
			got = append(got, u.Email)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("staff listed %v\nwant %v (oldest first, no residents)", got, want)
	}
	if _, _, err := env.s.ListStaff(ctx, `{"$gt": ""}`); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("forged cursor: %v, want ErrBadCursor", err)
	}
}

func TestServiceUpdateStaff(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	sam, err := env.s.CreateUser(ctx, CreateUserInput{Email: "sam@council.example", Role: RoleStaff, Teams: []string{"waste"}, Password: svcPassword})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	tests := []struct {
		name     string
		in       UpdateStaffInput
		fields   map[string]string
		ends     bool // the session ends
		check    func(*User) bool
		loginErr error
	}{
		{name: "teams change, sessions stay", in: UpdateStaffInput{Teams: []string{"parking", "waste"}},
			check: func(u *User) bool { return slices.Equal(u.Teams, []string{"parking", "waste"}) }},
		{name: "promoted: sessions end", in: UpdateStaffInput{Roles: []Role{RoleStaff, RoleSupervisor}}, ends: true,
			check: func(u *User) bool { return u.Has(RoleSupervisor) && u.Staff }},
		{name: "disabled: sessions end", in: UpdateStaffInput{Disabled: &yes}, ends: true,
			check: func(u *User) bool { return u.Disabled }, loginErr: ErrDisabled},
		{name: "enabled again", in: UpdateStaffInput{Disabled: &no}, check: func(u *User) bool { return !u.Disabled }},
		{name: "no roles", in: UpdateStaffInput{Roles: []Role{}}, fields: map[string]string{"/roles": MsgFieldRequired}},
		{name: "staff without teams", in: UpdateStaffInput{Teams: []string{}}, fields: map[string]string{"/teams": MsgTeamRequired}},
		{name: "a role twice and an unknown one", in: UpdateStaffInput{Roles: []Role{RoleStaff, RoleStaff, `{"$gt": ""}`}},
			fields: map[string]string{"/roles/1": MsgDuplicateValue, "/roles/2": RoleUnknown}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g *Grant
			if !env.user(t, normalContact{userFieldEmail, sam.Email}).Disabled {
				g = env.login(t, sam.Email, svcPassword)
			}
			u, err := env.s.UpdateStaff(ctx, sam.ID, tc.in)
			if tc.fields != nil {
				if got := svcFields(t, err); !maps.Equal(got, tc.fields) {
					t.Fatalf("fields %v, want %v", got, tc.fields)
				}
				return
			}
			if err != nil || !tc.check(u) || !tc.check(env.user(t, normalContact{userFieldEmail, sam.Email})) {
				t.Fatalf("UpdateStaff: %+v, %v", u, err)
			}
			if g != nil { // when the user was enabled before, and so could sign in
				if _, err := env.s.Refresh(ctx, g.RefreshToken); (err != nil) != tc.ends {
					t.Fatalf("refresh after the change: %v; want the session ended: %v", err, tc.ends)
				}
			}
			if _, err := env.s.Login(ctx, LoginInput{Email: sam.Email, Password: svcPassword}); !errors.Is(err, tc.loginErr) {
				t.Fatalf("sign-in after the change: %v, want %v", err, tc.loginErr)
			}
		})
	}
	if _, err := env.s.UpdateStaff(ctx, "0000000000000000000000000a", UpdateStaffInput{Disabled: &yes}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestServiceGetAndDeleteUser(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	ada := env.resident(t, "ada@example.org", svcPassword, "en")
	g := env.login(t, "ada@example.org", svcPassword)
	got, err := env.s.GetUser(ctx, ada.ID)
	if err != nil || got.Email != "ada@example.org" || got.Info().HasPassword != true {
		t.Fatalf("GetUser: %+v, %v", got, err)
	}
	for _, id := range []string{"", `{"$gt": ""}`, "nobody"} {
		if _, err := env.s.GetUser(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(%q): %v, want ErrNotFound", id, err)
		}
	}
	if err := env.s.DeleteUser(ctx, ada.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := env.tokens.Verify(ctx, g.AccessToken); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("access token after erasure: %v", err)
	}
	if _, err := env.s.Refresh(ctx, g.RefreshToken); err == nil {
		t.Fatal("refresh after erasure works")
	}
	if _, err := env.s.Login(ctx, LoginInput{Email: "ada@example.org", Password: svcPassword}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("sign-in after erasure: %v", err)
	}
	if err := env.s.DeleteUser(ctx, ada.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second erasure: %v, want ErrNotFound", err)
	}
	// The address is free again.
	if err := env.s.Register(ctx, RegisterInput{Email: "ada@example.org", Name: "Ada"}); err != nil || env.userCount(t) != 1 {
		t.Fatalf("register after erasure: %v", err)
	}
}

// Values shaped like MongoDB operators are only strings, and each is refused
// by validation where it lands; nothing is stored.
func TestServiceOperatorInjectionRefused(t *testing.T) {
	env := svcNew(t)
	ctx := context.Background()
	const op = `{"$gt": ""}`
	tests := []struct {
		name string
		call func() error
		want map[string]string
	}{
		{"register email", func() error { return env.s.Register(ctx, RegisterInput{Email: op, Name: "A"}) }, map[string]string{"/email": MsgEmailInvalid}},
		{"register phone", func() error { return env.s.Register(ctx, RegisterInput{Phone: op, Name: "A"}) }, map[string]string{"/phone": MsgPhoneInvalid}},
		{"register language", func() error {
			return env.s.Register(ctx, RegisterInput{Email: "a@example.org", Name: "A", Language: op})
		}, map[string]string{"/language": MsgLanguageUnknown}},
		{"login phone", func() error { _, err := env.s.Login(ctx, LoginInput{Phone: op, Password: op}); return err }, map[string]string{"/phone": MsgPhoneInvalid}},
		{"code login email", func() error {
			_, err := env.s.LoginWithCode(ctx, CodeLoginInput{Email: op, Code: "123456"})
			return err
		}, map[string]string{"/email": MsgEmailInvalid}},
		{"verify email", func() error { return env.s.Verify(ctx, Contact{Email: op}, "123456") }, map[string]string{"/email": MsgEmailInvalid}},
		{"create user team", func() error {
			_, err := env.s.CreateUser(ctx, CreateUserInput{Email: "s@council.example", Role: RoleStaff, Teams: []string{op}, Password: svcPassword})
			return err
		}, map[string]string{"/teams/0": MsgTeamInvalid}},
		{"create user role", func() error {
			_, err := env.s.CreateUser(ctx, CreateUserInput{Email: "s@council.example", Role: op, Password: svcPassword})
			return err
		}, map[string]string{"/role": RoleUnknown}},
	}
	for _, tc := range tests {
		if got := svcFields(t, tc.call()); !maps.Equal(got, tc.want) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := env.userCount(t); n != 0 {
		t.Fatalf("%d users stored", n)
	}
}

func TestUserInfoHidesTheHash(t *testing.T) {
	u := &User{Meta: store.Meta{ID: "u1"}, Email: "a@example.org", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", Roles: []Role{RoleResident}}
	b, err := json.Marshal(u.Info())
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "argon2id") || !strings.Contains(s, `"has_password":true`) || !strings.Contains(s, `"teams":[]`) {
		t.Fatalf("Info as JSON: %s", s)
	}
}
