package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"frontdoor/api/store"
)

// ServiceOptions wire a Service. Hasher, Guard, Tokens, Notifier and
// Localize are required; Now defaults to time.Now, Logger to none.
type ServiceOptions struct {
	Hasher   *Hasher
	Guard    *Guard
	Tokens   *Tokens
	Notifier Notifier
	Localize Localize
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service holds the account and credential use cases the HTTP routes and the
// admin command call: registration, verification, sign-in by password or
// one-time code, sessions, password changes and staff administration.
type Service struct {
	db     *store.DB
	users  *store.Collection[User, *User]
	hasher *Hasher
	guard  *Guard
	tokens *Tokens
	notify Notifier
	local  Localize
	now    func() time.Time
	log    *slog.Logger
}

// NewService opens the users collection.
func NewService(ctx context.Context, db *store.DB, opts ServiceOptions) (*Service, error) {
	if db == nil || opts.Hasher == nil || opts.Guard == nil || opts.Tokens == nil || opts.Notifier == nil || opts.Localize == nil {
		return nil, errors.New("auth: NewService needs a store, Hasher, Guard, Tokens, Notifier and Localize")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	users, err := store.Open[User](ctx, db, usersSpec)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, users: users, hasher: opts.Hasher, guard: opts.Guard, tokens: opts.Tokens,
		notify: opts.Notifier, local: opts.Localize, now: opts.Now, log: opts.Logger}, nil
}

// AccountError refuses a sign-in; ID is its go-i18n message id.
type AccountError struct{ ID string }

func (e *AccountError) Error() string { return "auth: " + e.ID }

// Sign-in refusals. A wrong password, a wrong code for nobody and an unknown
// account are all ErrInvalidCredentials; the others are only ever said to
// someone who proved the password or the code.
var (
	ErrInvalidCredentials = &AccountError{ID: "SignInFailed"}
	ErrNotVerified        = &AccountError{ID: "ContactNotVerified"}
	ErrDisabled           = &AccountError{ID: "AccountDisabled"}
)

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// RegisterInput is POST /api/v1/auth/register. IP, from the HTTP layer,
// counts against the address's attempt budget (codes cost money to send).
type RegisterInput struct {
	Email, Phone string
	Password     string // optional: without one, the person signs in with codes
	Name         string
	Language     string // en (default), cy, pl or ar
	IP           string
}

func (in *RegisterInput) check() (normalContact, error) {
	var c userChecker
	nc, _ := Contact{in.Email, in.Phone}.normalize(&c)
	c.text("/name", &in.Name, MaxNameRunes, true)
	c.language("/language", in.Language)
	c.password("/password", in.Password, false)
	if in.Language == "" {
		in.Language = Languages[0]
	}
	return nc, c.Err()
}

// Register creates a resident with an unverified contact and sends a
// "verify" code to it. It answers the same whether or not the contact is
// already registered, so registration cannot be used to find out who has an
// account:
//   - new contact: a user is created and the code sent;
//   - a pending registration (no contact ever verified): the newest
//     registrant's password, name and language replace it and a new code is
//     sent, so an earlier registration by someone else cannot hold the
//     address hostage nor keep a password its owner never chose;
//   - an account in use: nothing changes; its owner gets a notice that
//     someone tried to register, which is no help to whoever tried.
//
// Every path hashes the password and issues a code, so timing and the
// per-contact code limit (*CodeError CodeIssueLimited) match too.
func (s *Service) Register(ctx context.Context, in RegisterInput) error {
	nc, err := in.check()
	if err != nil {
		return err
	}
	if err := s.spendIP(ctx, in.IP); err != nil {
		return err
	}
	var hash string
	if in.Password != "" {
		if hash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return err
		}
	}
	code, err := s.guard.CodeIssue(ctx, CodePurposeVerify, nc.value)
	if err != nil {
		return err
	}
	u, pending, err := s.register(ctx, nc, in, hash)
	switch {
	case err != nil:
		return err
	case pending:
		return s.send(ctx, nc, in.Language, MsgVerifyCodeSubject, MsgVerifyCodeBody, map[string]any{"Code": code})
	case u.verified(nc) && !u.Disabled:
		return s.send(ctx, nc, u.Language, MsgRegisterExistingSubject, MsgRegisterExistingBody, nil)
	}
	return nil
}

// register creates the user or replaces a pending registration; pending
// says the code should go out.
func (s *Service) register(ctx context.Context, nc normalContact, in RegisterInput, hash string) (*User, bool, error) {
	for range 4 {
		now := s.clock()
		u, err := s.findByContact(ctx, nc)
		switch {
		case errors.Is(err, store.ErrNotFound):
			u = &User{Name: in.Name, Language: in.Language, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
			u.setContact(nc)
			u.setRoles([]Role{RoleResident})
			if err = s.users.Insert(ctx, u); errors.Is(err, store.ErrDuplicate) {
				continue // registered at the same moment: look again
			}
			return u, true, err
		case err != nil:
			return nil, false, err
		case u.established():
			return u, false, nil
		}
		u.PasswordHash, u.Name, u.Language, u.UpdatedAt = hash, in.Name, in.Language, now
		if err = s.users.Replace(ctx, u); errors.Is(err, store.ErrConflict) {
			continue
		}
		return u, true, err
	}
	return nil, false, fmt.Errorf("auth: register: %w", store.ErrConflict)
}

// Verify accepts the "verify" code sent to a contact and marks it verified.
// Refusals are *CodeError.
func (s *Service) Verify(ctx context.Context, contact Contact, code string) error {
	var c userChecker
	nc, _ := contact.normalize(&c)
	if err := c.Err(); err != nil {
		return err
	}
	if err := s.guard.CodeCheck(ctx, CodePurposeVerify, nc.value, code); err != nil {
		return err
	}
	u, err := s.findByContact(ctx, nc)
	if errors.Is(err, store.ErrNotFound) { // a code issued for no one, and guessed
		return &CodeError{ID: CodeExpired}
	} else if err != nil {
		return err
	}
	_, err = s.users.Update(ctx, u.ID, func(u *User) error {
		u.setVerified(nc)
		u.UpdatedAt = s.clock()
		return nil
	})
	return err
}

// LoginInput is POST /api/v1/auth/login. IP comes from the HTTP layer;
// Channel defaults to web.
type LoginInput struct {
	Email, Phone string
	Password     string
	IP           string
	Channel      Channel
}

// presented checks a password offered at sign-in: there, and not so long
// that hashing it is a waste (no password that long was ever accepted).
func (c *userChecker) presented(ptr, pw string) {
	if pw == "" {
		c.Add(ptr, MsgFieldRequired)
	} else if len(pw) > maxPasswordInput {
		c.AddCount(ptr, PasswordTooLong, PasswordMaxRunes)
	}
}

// channel checks the channel a session is for; web when empty. Assisted
// sessions name the member of staff and start elsewhere (kiosk).
func (c *userChecker) channel(ptr string, ch Channel) Channel {
	if ch == "" {
		return ChannelWeb
	}
	if err := ch.Validate(); err != nil {
		c.refused(ptr, err)
	} else if ch == ChannelAssisted {
		c.Add(ptr, MsgValueNotAllowed)
	}
	return ch
}

// Login signs in with a password and starts a session. An unknown account,
// an account without a password and a wrong password cost one Argon2id each
// and all answer ErrInvalidCredentials; after ThrottleAccountLimit failures
// the answer is *ThrottleError, for unknown accounts too. Only the right
// password learns ErrNotVerified or ErrDisabled.
func (s *Service) Login(ctx context.Context, in LoginInput) (*Grant, error) {
	var c userChecker
	nc, _ := Contact{in.Email, in.Phone}.normalize(&c)
	ch := c.channel("/channel", in.Channel)
	c.presented("/password", in.Password)
	if err := c.Err(); err != nil {
		return nil, err
	}
	u, key, err := s.lookup(ctx, nc)
	if err != nil {
		return nil, err
	}
	if _, err := s.guard.ThrottleCheck(ctx, key, in.IP); err != nil {
		return nil, err
	}
	ok, upgrade, err := s.checkPassword(ctx, u, in.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.failed(ctx, key, in.IP)
	}
	if upgrade {
		s.rehash(ctx, u, in.Password)
	}
	return s.signIn(ctx, u, nc, key, ch)
}

// lookup finds the user holding the contact (nil when none) and the key
// failures are counted under: the account itself, however it is named, or
// the contact when no one holds it.
func (s *Service) lookup(ctx context.Context, nc normalContact) (*User, string, error) {
	u, err := s.findByContact(ctx, nc)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nc.value, nil
	} else if err != nil {
		return nil, "", err
	}
	return u, "user:" + u.ID, nil
}

// checkPassword verifies password for u, or runs the dummy verify when there
// is no hash to check, so every path costs the same.
func (s *Service) checkPassword(ctx context.Context, u *User, password string) (ok, upgrade bool, err error) {
	if u == nil || !u.HasPassword() {
		return false, false, s.hasher.VerifyDummy(ctx, password)
	}
	ok, upgrade, err = s.hasher.Verify(ctx, password, u.PasswordHash)
	if errors.Is(err, ErrPasswordHash) {
		s.log.Error("auth: stored password hash is malformed; the account cannot sign in with a password", "user", u.ID)
		return false, false, nil
	}
	return ok, upgrade, err
}

// failed counts a failed attempt and refuses it.
func (s *Service) failed(ctx context.Context, key, ip string) error {
	if err := s.guard.ThrottleFail(ctx, key, ip); err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// rehash stores a hash at the current costs after a successful sign-in with
// an older one. It is best effort: the old hash still works.
func (s *Service) rehash(ctx context.Context, u *User, password string) {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return // a password today's policy refuses keeps its old hash until changed
	}
	old := u.PasswordHash
	_, err = s.users.Update(ctx, u.ID, func(cur *User) error {
		if cur.PasswordHash != old {
			return errStale
		}
		cur.PasswordHash, cur.UpdatedAt = hash, s.clock()
		return nil
	})
	if err != nil && !errors.Is(err, errStale) {
		s.log.Warn("auth: could not upgrade a password hash", "user", u.ID, "err", err)
	}
}

var errStale = errors.New("auth: record changed meanwhile")

// signIn starts a session for u once the password or code was right.
func (s *Service) signIn(ctx context.Context, u *User, nc normalContact, key string, ch Channel) (*Grant, error) {
	if err := s.admit(ctx, u, nc, key); err != nil {
		return nil, err
	}
	return s.tokens.SignIn(ctx, Subject{ID: u.ID, Roles: u.Roles, Channel: ch})
}

// admit is what every sign-in asks of an account once the password or code
// was right: the contact proved and the account enabled. It forgives the
// failed attempts counted against the account.
func (s *Service) admit(ctx context.Context, u *User, nc normalContact, key string) error {
	switch {
	case !u.verified(nc):
		return ErrNotVerified
	case u.Disabled:
		return ErrDisabled
	}
	return s.guard.ThrottleReset(ctx, key)
}

// RequestSignInCode sends a "signin" code to a verified contact of an
// enabled account, and answers the same (nil, or the same *CodeError) for
// any other contact, to which nothing is sent.
func (s *Service) RequestSignInCode(ctx context.Context, contact Contact, ip string) error {
	var c userChecker
	nc, _ := contact.normalize(&c)
	if err := c.Err(); err != nil {
		return err
	}
	if err := s.spendIP(ctx, ip); err != nil {
		return err
	}
	code, err := s.guard.CodeIssue(ctx, CodePurposeSignIn, nc.value)
	if err != nil {
		return err
	}
	u, err := s.findByContact(ctx, nc)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if !u.verified(nc) || u.Disabled {
		return nil
	}
	return s.send(ctx, nc, u.Language, MsgSignInCodeSubject, MsgSignInCodeBody, map[string]any{"Code": code})
}

// CodeLoginInput is POST /api/v1/auth/codes/verify.
type CodeLoginInput struct {
	Email, Phone string
	Code         string
	IP           string
	Channel      Channel
}

// LoginWithCode signs in with a "signin" code instead of a password. Wrong
// codes are *CodeError and count as failed attempts, like wrong passwords.
func (s *Service) LoginWithCode(ctx context.Context, in CodeLoginInput) (*Grant, error) {
	var c userChecker
	nc, _ := Contact{in.Email, in.Phone}.normalize(&c)
	ch := c.channel("/channel", in.Channel)
	if err := c.Err(); err != nil {
		return nil, err
	}
	u, key, err := s.codeUser(ctx, nc, in.Code, in.IP)
	if err != nil {
		return nil, err
	}
	return s.signIn(ctx, u, nc, key, ch)
}

// CheckSignInCode accepts a "signin" code exactly as LoginWithCode does
// (the same refusals, throttles and checks of the account) but starts no
// session: it answers the account's id, for a sign-in whose session lives
// elsewhere. A kiosk session is one: signing in there upgrades the
// terminal's session, which ends on the terminal, and leaves no refresh
// token behind on a shared machine. in.Channel is not used.
func (s *Service) CheckSignInCode(ctx context.Context, in CodeLoginInput) (string, error) {
	var c userChecker
	nc, _ := Contact{in.Email, in.Phone}.normalize(&c)
	if err := c.Err(); err != nil {
		return "", err
	}
	u, key, err := s.codeUser(ctx, nc, in.Code, in.IP)
	if err != nil {
		return "", err
	}
	if err := s.admit(ctx, u, nc, key); err != nil {
		return "", err
	}
	return u.ID, nil
}

// codeUser checks a "signin" code for a contact under the sign-in throttle
// and returns the account holding the contact, with its throttle key. Wrong
// codes are *CodeError and count as failed attempts, like wrong passwords.
func (s *Service) codeUser(ctx context.Context, nc normalContact, code, ip string) (*User, string, error) {
	u, key, err := s.lookup(ctx, nc)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.guard.ThrottleCheck(ctx, key, ip); err != nil {
		return nil, "", err
	}
	if err := s.guard.CodeCheck(ctx, CodePurposeSignIn, nc.value, code); err != nil {
		var ce *CodeError
		if errors.As(err, &ce) && ce.ID != CodeMalformed {
			if ferr := s.guard.ThrottleFail(ctx, key, ip); ferr != nil {
				return nil, "", ferr
			}
		}
		return nil, "", err
	}
	if u == nil { // a code issued for no one, and guessed
		return nil, "", ErrInvalidCredentials
	}
	return u, key, nil
}

// Refresh rotates a refresh token (a spent one revokes its whole session:
// ErrRefreshReused) and issues a new access token. A session whose user has
// been disabled or deleted meanwhile ends here: ErrSessionEnded.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Grant, error) {
	sessions := s.tokens.Sessions()
	r, sub, err := sessions.Rotate(ctx, refreshToken)
	if err != nil {
		return nil, err
	}
	u, err := s.users.Get(ctx, sub.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		if err := sessions.Revoke(ctx, r.SessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return nil, ErrSessionEnded
	} else if err != nil {
		return nil, err
	}
	access, exp, err := s.tokens.Issue(ctx, sub)
	if err != nil {
		return nil, err
	}
	return &Grant{AccessToken: access, AccessExpiresAt: exp, RefreshToken: r.Token,
		RefreshExpiresAt: r.ExpiresAt, SessionID: r.SessionID}, nil
}

// Logout ends the session named by sessionID (the sid of a verified access
// token) or, when that is empty, by refreshToken. Ending a session that has
// already ended, or presenting a dead refresh token, is not an error.
func (s *Service) Logout(ctx context.Context, sessionID, refreshToken string) error {
	sessions := s.tokens.Sessions()
	var err error
	switch {
	case sessionID != "":
		err = sessions.Revoke(ctx, sessionID)
	case refreshToken != "":
		err = sessions.RevokeByRefresh(ctx, refreshToken)
	}
	var te *TokenError
	if errors.Is(err, store.ErrNotFound) || errors.As(err, &te) {
		return nil // nothing live to end
	}
	return err
}

// ChangePassword sets a new password after checking the current one (not
// asked of people who have none: they signed in with a code) and ends every
// session of the user but keepSession, the one making the change. A wrong
// current password is a *ValidationError on /current_password and counts as
// a failed sign-in attempt.
func (s *Service) ChangePassword(ctx context.Context, userID, current, newPassword, keepSession string) error {
	var c userChecker
	c.password("/new_password", newPassword, true)
	if len(current) > maxPasswordInput {
		c.AddCount("/current_password", PasswordTooLong, PasswordMaxRunes)
	}
	if err := c.Err(); err != nil {
		return err
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	key := "user:" + u.ID
	if err := s.checkCurrent(ctx, u, key, current); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	old := u.PasswordHash
	if _, err = s.users.Update(ctx, u.ID, func(cur *User) error {
		if cur.PasswordHash != old {
			return store.ErrConflict // changed by someone else since we checked
		}
		cur.PasswordHash, cur.UpdatedAt = hash, s.clock()
		return nil
	}); err != nil {
		return err
	}
	if _, err := s.tokens.Sessions().RevokeAllFor(ctx, u.ID, keepSession); err != nil {
		return err
	}
	return s.guard.ThrottleReset(ctx, key)
}

// checkCurrent proves that whoever changes a password knows the current
// one, under the same throttle as sign-in.
func (s *Service) checkCurrent(ctx context.Context, u *User, key, current string) error {
	if _, err := s.guard.ThrottleCheck(ctx, key, ""); err != nil {
		return err
	}
	if !u.HasPassword() {
		return nil
	}
	ok, _, err := s.checkPassword(ctx, u, current)
	if err != nil || ok {
		return err
	}
	if err := s.guard.ThrottleFail(ctx, key, ""); err != nil {
		return err
	}
	return &ValidationError{Fields: []FieldError{{Pointer: "/current_password", ID: MsgCurrentPasswordBad}}}
}

// findByContact returns the user holding the contact, or store.ErrNotFound.
func (s *Service) findByContact(ctx context.Context, nc normalContact) (*User, error) {
	return s.users.FindOne(ctx, store.Eq(nc.field, nc.value))
}
