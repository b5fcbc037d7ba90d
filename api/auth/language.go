package auth

import (
	"context"
	"slices"

	"frontdoor/api/store"
)

// SetLanguage records the language a user chose, which every message we send
// them and every answer they get is in. The customer record keeps the same
// choice; the HTTP layer changes both together.
func (s *Service) SetLanguage(ctx context.Context, id, lang string) error {
	if !slices.Contains(Languages, lang) {
		return &ValidationError{Fields: []FieldError{{Pointer: "/language", ID: MsgLanguageUnknown}}}
	}
	if !validUserID(id) {
		return store.ErrNotFound
	}
	_, err := s.users.Update(ctx, id, func(u *User) error {
		u.Language, u.UpdatedAt = lang, s.clock()
		return nil
	})
	return err
}
