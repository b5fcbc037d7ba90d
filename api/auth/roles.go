package auth

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Role is what a person may do. A token carries every role its subject holds.
type Role string

// The roles, narrowest first. Staff belong to one or more teams (kept on the
// account, not in tokens: a token stays small and team changes apply at once).
const (
	RoleResident   Role = "resident"
	RoleStaff      Role = "staff"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	RoleCouncillor Role = "councillor"
)

// Roles lists every role, for validation messages and admin screens.
var Roles = []Role{RoleResident, RoleStaff, RoleSupervisor, RoleAdmin, RoleCouncillor}

// Channel is where an interaction happened. Assisted means a member of staff
// acts with the resident, and the token names them in `act`.
type Channel string

const (
	ChannelWeb      Channel = "web"
	ChannelKiosk    Channel = "kiosk"
	ChannelAssisted Channel = "assisted"
	ChannelPhone    Channel = "phone"
	ChannelAPI      Channel = "api"
)

// Channels lists every channel.
var Channels = []Channel{ChannelWeb, ChannelKiosk, ChannelAssisted, ChannelPhone, ChannelAPI}

// Message ids (go-i18n) of UnknownValueError, localized by the HTTP layer.
// Data["Value"] holds the value that was refused.
const (
	RoleUnknown    = "RoleUnknown"
	ChannelUnknown = "ChannelUnknown"
)

// UnknownValueError is a role or channel that is not one of ours.
type UnknownValueError struct {
	ID   string // RoleUnknown or ChannelUnknown
	Data map[string]any
}

func (e *UnknownValueError) Error() string {
	return fmt.Sprintf("auth: %s %q", e.ID, e.Data["Value"])
}

// Validate refuses a role that is not in Roles.
func (r Role) Validate() error {
	if !slices.Contains(Roles, r) {
		return &UnknownValueError{ID: RoleUnknown, Data: map[string]any{"Value": clip(string(r))}}
	}
	return nil
}

// Validate refuses a channel that is not in Channels.
func (c Channel) Validate() error {
	if !slices.Contains(Channels, c) {
		return &UnknownValueError{ID: ChannelUnknown, Data: map[string]any{"Value": clip(string(c))}}
	}
	return nil
}

// ParseRole reads a role as written in a flag or a request body.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	return r, r.Validate()
}

// ParseChannel reads a channel as written in a flag or a request body.
func ParseChannel(s string) (Channel, error) {
	c := Channel(s)
	return c, c.Validate()
}

// maxRoles bounds a token's roles: there are only five, each at most once.
var maxRoles = len(Roles)

// validateRoles requires one to five known roles, none twice.
func validateRoles(roles []Role) error {
	if len(roles) == 0 || len(roles) > maxRoles {
		return fmt.Errorf("auth: %d roles; want 1 to %d", len(roles), maxRoles)
	}
	for i, r := range roles {
		if err := r.Validate(); err != nil {
			return err
		}
		if slices.Contains(roles[:i], r) {
			return fmt.Errorf("auth: role %q twice", r)
		}
	}
	return nil
}

// clip keeps a refused value short (and valid UTF-8) in error text, which may
// reach a log or a localized message, whatever a client sent.
func clip(s string) string {
	const max = 32
	if len(s) <= max && utf8.ValidString(s) {
		return s
	}
	var b []rune
	for _, r := range s {
		if len(b) == max {
			return string(b) + "…"
		}
		b = append(b, r) // invalid bytes arrive as U+FFFD
	}
	return string(b)
}
