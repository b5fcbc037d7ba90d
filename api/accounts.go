package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// The customer record over HTTP (issue 3): GET/PATCH/DELETE /api/v1/me and
// the export. Every /me route acts on the caller's own record only: the
// resident id is the token's subject and never comes from the request, so
// no input can name anyone else's data. Links and changes are in
// account_links.go and account_changes.go; connectors (admins) in
// admin_connectors.go; staff work in staff.go.

// accountsOn answers 404 for the accounts routes of a server built without
// them (see Deps.Accounts), as for any unknown address.
func (s *Server) accountsOn(c *fiber.Ctx) error {
	if s.accounts == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

// residentID is the caller of a resident route (requireRole has run).
func residentID(c *fiber.Ctx) string { return claimsOf(c).ID }

// lang is the request's language as a code ("cy"), for connector names.
func (s *Server) lang(c *fiber.Ctx) string { return s.langs.name(s.langs.pick(c)) }

func (s *Server) getMe(c *fiber.Ctx) error {
	cust, err := s.customer(c.UserContext(), residentID(c), nil)
	if err != nil {
		return err
	}
	return c.JSON(cust)
}

// updateMe applies a patch: the fields sent replace those held, a list as a
// whole. Verified flags are never taken from the body.
func (s *Server) updateMe(c *fiber.Ctx) error {
	var patch accounts.CustomerPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	ctx, id := c.UserContext(), residentID(c)
	if _, err := s.customer(ctx, id, patch.Name); err != nil {
		return err
	}
	cust, err := s.accounts.UpdateCustomer(ctx, id, patch)
	if err != nil {
		return err
	}
	if patch.Language != nil && s.auth != nil {
		// The sign-in account speaks the same language as the record: codes
		// and answers follow the choice from the next request on.
		if err := s.auth.SetLanguage(ctx, id, cust.Language); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.accountLangs.forget(id)
	}
	return c.JSON(cust)
}

// exportView is everything held about the caller: the accounts export and,
// when identity is wired, the sign-in account (never its password hash).
type exportView struct {
	Account *auth.UserInfo `json:"account"`
	*accounts.Export
}

func (s *Server) exportMe(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), residentID(c)
	ex, err := s.accounts.Export(ctx, id)
	if err != nil {
		return err
	}
	view := exportView{Export: ex}
	if s.auth != nil {
		switch u, err := s.auth.GetUser(ctx, id); {
		case err == nil:
			info := u.Info()
			view.Account = &info
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="frontdoor-export.json"`)
	return c.JSON(view)
}

// erasureView says what DELETE /me removed.
type erasureView struct {
	*accounts.Erasure
	Account bool `json:"account"` // the sign-in account was deleted and every session ended
}

// eraseMe erases the record, then the answers kept for the caller's
// Idempotency-Keys (a change's answer holds its values), and the sign-in
// account last: were the account to go first, a failure in between would
// leave data its owner can no longer reach to erase. Every step may run again.
func (s *Server) eraseMe(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), residentID(c)
	er, err := s.accounts.Erase(ctx, id)
	if err != nil {
		return err
	}
	if err := s.forgetAnswers(ctx, s.caller(c)); err != nil {
		return err
	}
	view := erasureView{Erasure: er}
	if s.auth != nil {
		switch err := s.auth.DeleteUser(ctx, id); {
		case err == nil:
			view.Account = true
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	return c.JSON(view)
}

// forgetAnswers deletes every response kept for caller (see idempotency.go).
func (s *Server) forgetAnswers(ctx context.Context, caller string) error {
	for {
		page, err := s.idem.keys.Find(ctx, store.Query{Where: []store.Cond{store.Eq("caller", caller)}, Limit: store.MaxLimit})
		if err != nil || len(page.Items) == 0 {
			return err
		}
		for _, rec := range page.Items {
			if err := s.idem.keys.Delete(ctx, rec.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
}

// customer returns the resident's customer record. A resident signs up
// (auth) before they have one, so the first time it is needed it is made
// from what they gave when signing up: name, contact (verified when they
// proved it) and language. name stands in when the account has none.
// Without an account or any name it is ErrNotFound.
func (s *Server) customer(ctx context.Context, id string, name *accounts.Name) (*accounts.Customer, error) {
	cust, err := s.accounts.GetCustomer(ctx, id)
	if !errors.Is(err, accounts.ErrNotFound) || s.auth == nil {
		return cust, err
	}
	u, err := s.auth.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	seed, verified := customerSeed(u)
	if seed.Name == (accounts.Name{}) && name != nil {
		seed.Name = *name
	}
	if seed.Name == (accounts.Name{}) {
		return nil, accounts.ErrNotFound
	}
	cust, err = s.accounts.CreateCustomer(ctx, id, seed)
	var taken *accounts.ConflictError
	if errors.As(err, &taken) && taken.ID == accounts.MsgRecordExists {
		return s.accounts.GetCustomer(ctx, id) // made by a request racing this one
	}
	if err != nil {
		return nil, err
	}
	for _, contact := range verified {
		switch marked, err := s.accounts.MarkContactVerified(ctx, id, contact); {
		case err == nil:
			cust = marked
		case !errors.As(err, &taken): // held by another record: stays unverified here
			return nil, err
		}
	}
	return cust, nil
}

// customerSeed is a new customer record from a sign-in account, and the
// contacts on it the resident has proved. The account's one name goes in
// preferred: it is what they asked to be called; splitting it into given
// and family names would be a guess.
func customerSeed(u *auth.User) (accounts.Customer, []string) {
	c := accounts.Customer{Name: accounts.Name{Preferred: strings.TrimSpace(u.Name)}, Language: u.Language}
	var verified []string
	if e, ok := accounts.NormalizeEmail(u.Email); ok {
		c.Contacts.Emails = []accounts.Email{{Address: e, Primary: true}}
		if u.EmailVerified {
			verified = append(verified, e)
		}
	}
	if p, ok := accounts.NormalizePhone(u.Phone); ok && u.Phone != "" {
		c.Contacts.Phones = []accounts.Phone{{Number: p, Primary: true}}
		if u.PhoneVerified {
			verified = append(verified, p)
		}
	}
	return c, verified
}
