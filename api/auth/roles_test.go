package auth

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseRoleAndChannel(t *testing.T) {
	for _, s := range []string{"resident", "staff", "supervisor", "admin", "councillor"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"web", "kiosk", "assisted", "phone", "api"} {
		if c, err := ParseChannel(s); err != nil || string(c) != s {
			t.Errorf("ParseChannel(%q) = %q, %v", s, c, err)
		}
	}
	for _, s := range []string{"", "Admin", " staff", "staff ", "root", "resident\x00", "open311"} {
		_, err := ParseRole(s)
		var uv *UnknownValueError
		if !errors.As(err, &uv) || uv.ID != RoleUnknown || uv.Data["Value"] != s {
			t.Errorf("ParseRole(%q) = %v, want %s with the value", s, err, RoleUnknown)
		}
		_, err = ParseChannel(s)
		if !errors.As(err, &uv) || uv.ID != ChannelUnknown {
			t.Errorf("ParseChannel(%q) = %v, want %s", s, err, ChannelUnknown)
		}
	}
}

func TestUnknownValueIsClipped(t *testing.T) {
	long := strings.Repeat("é", 1000) + "\xff"
	_, err := ParseRole(long)
	var uv *UnknownValueError
	if !errors.As(err, &uv) {
		t.Fatal(err)
	}
	v := uv.Data["Value"].(string)
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) != 33 || !strings.HasSuffix(v, "…") {
		t.Fatalf("refused value kept as %q", v)
	}
	if len(err.Error()) > 100 {
		t.Fatalf("error text %d bytes long", len(err.Error()))
	}
}

func TestValidateRoles(t *testing.T) {
	for _, roles := range [][]Role{
		{RoleResident},
		{RoleStaff, RoleSupervisor, RoleAdmin},
		Roles,
	} {
		if err := validateRoles(roles); err != nil {
			t.Errorf("%v: %v", roles, err)
		}
	}
	for _, roles := range [][]Role{
		nil,
		{},
		{RoleStaff, RoleStaff},
		{RoleStaff, "god"},
		append(append([]Role{}, Roles...), RoleResident),
	} {
		if err := validateRoles(roles); err == nil {
			t.Errorf("%v accepted", roles)
		}
	}
}
