package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"frontdoor/api/internal/fields"
	"frontdoor/api/store"
)

// FieldError and ValidationError are the shape every domain package
// reports bad input in (package fields), so the HTTP layer maps them all
// with one rule.
type (
	FieldError      = fields.FieldError
	ValidationError = fields.ValidationError
)

// User is the credential record of one person: how they sign in and what
// they may do. Everything else about a resident is the customer record's
// (package accounts). It holds the password hash: never encode a User for a
// client; use Info.
type User struct {
	store.Meta
	// Email is lower case; Phone is E.164. A user has at least one of them;
	// the unique indexes constrain only users that have the field.
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
	Phone         string `json:"phone,omitempty"`
	PhoneVerified bool   `json:"phone_verified,omitempty"`
	// PasswordHash is a PHC string from Hasher; empty for people who sign in
	// with one-time codes only.
	PasswordHash string   `json:"password_hash,omitempty"`
	Name         string   `json:"name,omitempty"`
	Language     string   `json:"language"`
	Roles        []Role   `json:"roles"`
	Teams        []string `json:"teams,omitempty"`
	// Staff is derived from Roles (any role beyond resident) because indexes
	// hold scalars, not lists: it is what the staff list is read by.
	Staff     bool      `json:"staff"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// The users collection and the fields queries use.
const (
	usersCollection = "users"
	userFieldEmail  = "email"
	userFieldPhone  = "phone"
	userFieldStaff  = "staff"
	userFieldAt     = "created_at"
)

var usersSpec = store.CollectionSpec{Name: usersCollection, Indexes: []store.IndexSpec{
	{Name: "users_email", Fields: []string{userFieldEmail}, Unique: true},
	{Name: "users_phone", Fields: []string{userFieldPhone}, Unique: true},
	{Name: "users_staff", Fields: []string{userFieldStaff, userFieldAt}},
}}

// Limits on what a user record holds.
const (
	MaxNameRunes  = 100
	MaxTeams      = 20
	maxTeamLen    = 64
	maxEmailLen   = 254
	maxEmailLocal = 64
	maxPhoneInput = 40
	// maxPasswordInput bounds a password presented for checking, in bytes,
	// before any hashing: generous for 128 characters in any normalization.
	maxPasswordInput = 4096
)

// Languages are those we send messages in; the first is the default.
var Languages = []string{"en", "cy", "pl", "ar"}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// HasPassword says whether the user can sign in with a password.
func (u *User) HasPassword() bool { return u.PasswordHash != "" }

// verified says whether the user has proved they hold contact c.
func (u *User) verified(c normalContact) bool {
	if c.field == userFieldEmail {
		return u.Email == c.value && u.EmailVerified
	}
	return u.Phone == c.value && u.PhoneVerified
}

// established says whether the account is in use: someone proved a contact
// or an admin made it. Until then it is a pending registration.
func (u *User) established() bool {
	return u.EmailVerified || u.PhoneVerified || u.Staff || u.Disabled
}

func (u *User) setVerified(c normalContact) {
	if c.field == userFieldEmail && u.Email == c.value {
		u.EmailVerified = true
	}
	if c.field == userFieldPhone && u.Phone == c.value {
		u.PhoneVerified = true
	}
}

// setRoles sets the roles and what is derived from them.
func (u *User) setRoles(roles []Role) {
	u.Roles = roles
	u.Staff = slices.ContainsFunc(roles, func(r Role) bool { return r != RoleResident })
}

// UserInfo is what a client may see of a User: no password hash.
type UserInfo struct {
	ID            string    `json:"id"`
	Email         string    `json:"email,omitempty"`
	EmailVerified bool      `json:"email_verified"`
	Phone         string    `json:"phone,omitempty"`
	PhoneVerified bool      `json:"phone_verified"`
	Name          string    `json:"name"`
	Language      string    `json:"language"`
	Roles         []Role    `json:"roles"`
	Teams         []string  `json:"teams"`
	Disabled      bool      `json:"disabled"`
	HasPassword   bool      `json:"has_password"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Info is the user as a client may see it.
func (u *User) Info() UserInfo {
	teams := u.Teams
	if teams == nil {
		teams = []string{}
	}
	return UserInfo{
		ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Phone: u.Phone, PhoneVerified: u.PhoneVerified,
		Name: u.Name, Language: u.Language, Roles: u.Roles, Teams: teams, Disabled: u.Disabled,
		HasPassword: u.HasPassword(), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// Message ids of validation errors (go-i18n; localized by the HTTP layer).
// Data["Count"] holds a limit where the message names one.
const (
	MsgFieldRequired      = "FieldRequired"
	MsgFieldTooLong       = "FieldTooLong"
	MsgTextInvalid        = "TextInvalidCharacters"
	MsgEmailInvalid       = "EmailInvalid"
	MsgPhoneInvalid       = "PhoneInvalid"
	MsgPhoneNotMobile     = "PhoneNotMobile"
	MsgContactExactlyOne  = "ContactExactlyOne"
	MsgLanguageUnknown    = "LanguageUnsupported"
	MsgValueNotAllowed    = "ValueNotAllowed"
	MsgTooManyItems       = "TooManyItems"
	MsgDuplicateValue     = "DuplicateValue"
	MsgTeamInvalid        = "TeamInvalid"
	MsgTeamRequired       = "TeamRequired"
	MsgEmailInUse         = "EmailInUse"
	MsgCurrentPasswordBad = "CurrentPasswordWrong"
)

// ConflictError says a value already belongs to another user (admin
// operations only: residents are never told).
type ConflictError struct {
	Pointer string
	ID      string
}

func (e *ConflictError) Error() string { return "auth: conflict: " + e.Pointer + " " + e.ID }

// Is lets the HTTP layer's store.ErrDuplicate row cover it.
func (e *ConflictError) Is(target error) bool { return target == store.ErrDuplicate }

// Field says which field holds the clashing value, and the message id.
func (e *ConflictError) Field() (pointer, id string) { return e.Pointer, e.ID }

// userChecker collects field errors so one answer lists every problem.
type userChecker struct{ fields.Checker }

// text trims *s and checks it is printable text of at most max runes.
// Strings that look like query operators ({"$gt": ""}) are only text here:
// no value of a user ever reaches a query as anything but a string.
func (c *userChecker) text(ptr string, s *string, max int, required bool) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		if required {
			c.Add(ptr, MsgFieldRequired)
		}
	case !Printable(*s):
		c.Add(ptr, MsgTextInvalid)
	case utf8.RuneCountInString(*s) > max:
		c.AddCount(ptr, MsgFieldTooLong, max)
	}
}

// Printable refuses invalid UTF-8, control characters and invisible format
// characters (bidi overrides can make a name read differently on screen);
// zero-width joiners stay, as Arabic and other scripts need them. Newlines
// are control characters too: for one-line text (names, addresses).
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError ||
			(unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d') {
			return false
		}
	}
	return true
}

// refused adds a role or channel that Validate refused, with its message.
func (c *userChecker) refused(ptr string, err error) {
	var ue *UnknownValueError
	if errors.As(err, &ue) {
		c.AddData(ptr, ue.ID, ue.Data)
	} else {
		c.Add(ptr, MsgValueNotAllowed)
	}
}

// language checks a language code; "" is allowed (the default applies).
func (c *userChecker) language(ptr, lang string) {
	if lang != "" && !slices.Contains(Languages, lang) {
		c.Add(ptr, MsgLanguageUnknown)
	}
}

// roles requires one to len(Roles) known roles, none twice.
func (c *userChecker) roles(ptr string, roles []Role) {
	if len(roles) == 0 {
		c.Add(ptr, MsgFieldRequired)
		return
	}
	if len(roles) > len(Roles) {
		c.AddCount(ptr, MsgTooManyItems, len(Roles))
		return
	}
	for i, r := range roles {
		p := ptr + "/" + strconv.Itoa(i)
		if err := r.Validate(); err != nil {
			c.refused(p, err)
		} else if slices.Contains(roles[:i], r) {
			c.Add(p, MsgDuplicateValue)
		}
	}
}

// teams checks team keys (lower-case letters, digits and inner hyphens) and
// that anyone with the staff role is in at least one team.
func (c *userChecker) teams(ptr string, teams []string, roles []Role) {
	if len(teams) > MaxTeams {
		c.AddCount(ptr, MsgTooManyItems, MaxTeams)
		return
	}
	if len(teams) == 0 && slices.Contains(roles, RoleStaff) {
		c.Add(ptr, MsgTeamRequired)
	}
	for i, t := range teams {
		p := ptr + "/" + strconv.Itoa(i)
		if !validTeam(t) {
			c.Add(p, MsgTeamInvalid)
		} else if slices.Contains(teams[:i], t) {
			c.Add(p, MsgDuplicateValue)
		}
	}
}

func validTeam(t string) bool {
	if t == "" || len(t) > maxTeamLen || t[0] == '-' || t[len(t)-1] == '-' {
		return false
	}
	for i := 0; i < len(t); i++ {
		if b := t[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// normalizeTeams lower-cases and trims team keys as typed.
func normalizeTeams(teams []string) []string {
	if len(teams) == 0 {
		return nil
	}
	out := make([]string, len(teams))
	for i, t := range teams {
		out[i] = strings.ToLower(strings.TrimSpace(t))
	}
	return out
}

// password applies the policy to a new password.
func (c *userChecker) password(ptr, pw string, required bool) {
	if pw == "" {
		if required {
			c.Add(ptr, MsgFieldRequired)
		}
		return
	}
	var pe *PasswordError
	if err := PasswordValidate(pw); errors.As(err, &pe) {
		c.AddData(ptr, pe.ID, pe.Data)
	}
}

func (u *User) setContact(nc normalContact) {
	if nc.field == userFieldEmail {
		u.Email = nc.value
	} else {
		u.Phone = nc.value
	}
}

// Staff administration: `frontdoor admin create-user` and the admin API.
// Callers check that whoever asks is an admin.

// StaffPageSize is how many users a page of ListStaff holds.
const StaffPageSize = 50

// CreateUserInput makes an account for a member of staff, a supervisor, an
// admin or a councillor. Its email counts as verified: an admin vouches for it.
type CreateUserInput struct {
	Email    string
	Name     string // optional
	Role     Role
	Teams    []string // one at least for the staff role
	Password string
}

func (in *CreateUserInput) check() (normalContact, error) {
	var c userChecker
	nc, ok := Contact{Email: in.Email}.normalize(&c)
	if !ok && in.Email == "" {
		c = userChecker{} // say which field, not "email or phone"
		c.Add("/email", MsgFieldRequired)
	}
	c.text("/name", &in.Name, MaxNameRunes, false)
	if err := in.Role.Validate(); err != nil {
		c.refused("/role", err)
	} else if in.Role == RoleResident {
		c.Add("/role", MsgValueNotAllowed) // residents register themselves
	}
	in.Teams = normalizeTeams(in.Teams)
	c.teams("/teams", in.Teams, []Role{in.Role})
	c.password("/password", in.Password, true)
	return nc, c.Err()
}

// CreateUser creates a verified staff account. An email already held is a
// *ConflictError on /email.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	nc, err := in.check()
	if err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	inUse := &ConflictError{Pointer: "/email", ID: MsgEmailInUse}
	if _, err := s.findByContact(ctx, nc); err == nil {
		return nil, inUse
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	now := s.clock()
	u := &User{Email: nc.value, EmailVerified: true, PasswordHash: hash, Name: in.Name,
		Language: Languages[0], Teams: in.Teams, CreatedAt: now, UpdatedAt: now}
	u.setRoles([]Role{in.Role})
	if err := s.users.Insert(ctx, u); errors.Is(err, store.ErrDuplicate) {
		return nil, inUse
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateResidentInput makes an account for a resident who has no email
// address or phone: staff make it for them at a library or hub.
type CreateResidentInput struct {
	Name     string
	Language string // en (default), cy, pl or ar
}

// CreateResident creates a resident account with no contact and no
// password: nothing about it can sign in by itself. The way in is a one-time
// letter code staff issue for it (package kiosk), which signs the person in
// where they type it; they may add an email or phone to their record later.
func (s *Service) CreateResident(ctx context.Context, in CreateResidentInput) (*User, error) {
	var c userChecker
	c.text("/name", &in.Name, MaxNameRunes, true)
	c.language("/language", in.Language)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if in.Language == "" {
		in.Language = Languages[0]
	}
	now := s.clock()
	u := &User{Name: in.Name, Language: in.Language, CreatedAt: now, UpdatedAt: now}
	u.setRoles([]Role{RoleResident})
	if err := s.users.Insert(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// ListStaff pages through everyone with a role beyond resident, oldest
// account first. cursor is the previous page's next ("" for the first);
// a cursor that is not one is store.ErrBadCursor.
func (s *Service) ListStaff(ctx context.Context, cursor string) (users []User, next string, err error) {
	page, err := s.users.Find(ctx, store.Query{
		Where: []store.Cond{store.Eq(userFieldStaff, true)},
		Sort:  userFieldAt, Limit: StaffPageSize, After: cursor,
	})
	return page.Items, page.Next, err
}

// UpdateStaffInput changes a user's roles, teams or disabled flag; nil
// leaves a value as it is (an empty, non-nil Teams clears the teams).
type UpdateStaffInput struct {
	Roles    []Role
	Teams    []string
	Disabled *bool
}

// UpdateStaff applies in to the user. Sessions carry the roles they were
// started with, so a change of roles, like disabling, ends every session
// of the user: they sign in again with what they now hold.
func (s *Service) UpdateStaff(ctx context.Context, id string, in UpdateStaffInput) (*User, error) {
	if !validUserID(id) {
		return nil, fmt.Errorf("auth: user: %w", store.ErrNotFound)
	}
	var endSessions bool
	apply := func(u *User) error {
		roles, teams, disabled := u.Roles, u.Teams, u.Disabled
		if in.Roles != nil {
			roles = slices.Clone(in.Roles)
		}
		if in.Teams != nil {
			teams = normalizeTeams(in.Teams)
		}
		if in.Disabled != nil {
			disabled = *in.Disabled
		}
		var c userChecker
		c.roles("/roles", roles)
		c.teams("/teams", teams, roles)
		if err := c.Err(); err != nil {
			return err
		}
		endSessions = (disabled && !u.Disabled) || !slices.Equal(roles, u.Roles)
		u.Teams, u.Disabled, u.UpdatedAt = teams, disabled, s.clock()
		u.setRoles(roles)
		return nil
	}
	u, err := s.users.Update(ctx, id, apply)
	if err != nil {
		return nil, err
	}
	if endSessions {
		if _, err := s.tokens.Sessions().RevokeAllFor(ctx, u.ID, ""); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// GetUser returns the user with id, or store.ErrNotFound.
func (s *Service) GetUser(ctx context.Context, id string) (*User, error) {
	if !validUserID(id) {
		return nil, fmt.Errorf("auth: user: %w", store.ErrNotFound)
	}
	return s.users.Get(ctx, id)
}

// DeleteUser erases a user's credentials and ends all their sessions. The
// record goes first, so a session started meanwhile cannot be refreshed; a
// user already gone still has any sessions ended, then store.ErrNotFound.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	if !validUserID(id) {
		return fmt.Errorf("auth: user: %w", store.ErrNotFound)
	}
	delErr := s.users.Delete(ctx, id)
	if delErr != nil && !errors.Is(delErr, store.ErrNotFound) {
		return delErr
	}
	if _, err := s.tokens.Sessions().RevokeAllFor(ctx, id, ""); err != nil {
		return err
	}
	return delErr
}

// validUserID says whether s could be an id the store made (or a token
// subject): short printable ASCII. Anything else names no one.
func validUserID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
