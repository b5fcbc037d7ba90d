package kiosk

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/store"
)

// LetterTTL is how long a letter code may be claimed: long enough for the
// post and for the person to come back to a library or hub.
const LetterTTL = 30 * 24 * time.Hour

// purposeLetter mixes into a letter code's hash.
const purposeLetter = "letter"

// letter is the live letter code of one resident. Its id is the code's
// hash; claiming deletes it, and issuing another replaces it.
type letter struct {
	store.Meta
	Resident  string    `json:"resident"`
	IssuedBy  string    `json:"issued_by"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Letter is a letter code as issued, for printing: the code is shown in
// groups of four (XXXX-XXXX-XXXX) and never stored.
type Letter struct {
	ResidentID string
	Code       string
	ExpiresAt  time.Time
}

// IssueLetter makes a one-time letter code for a resident who has no email
// or phone, for staff to print and post or hand over. An empty residentID
// is a new resident: the id is made here, and the caller creates their
// customer record under it. Issuing again for the same resident (a lost
// letter) replaces the earlier code. Any member of staff may.
func (s *Service) IssueLetter(ctx context.Context, staff Staff, residentID string) (*Letter, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	if residentID == "" {
		residentID = store.NewID()
	} else if !validID(residentID) || AnonymousSubject(residentID) {
		return nil, invalid("/resident_id", MsgInvalidValue)
	}
	code := newCode(letterCodeLen)
	var exp time.Time
	err := s.tx(ctx, func(ctx context.Context) error {
		now := s.now()
		old, err := s.letters.FindOne(ctx, store.Eq(fResident, residentID))
		if err == nil {
			err = s.letters.Delete(ctx, old.ID)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		exp = now.Add(LetterTTL)
		return s.letters.Insert(ctx, &letter{Meta: store.Meta{ID: codeHash(purposeLetter, code)},
			Resident: residentID, IssuedBy: staff.ID, CreatedAt: now, ExpiresAt: exp})
	})
	if err != nil {
		return nil, err
	}
	return &Letter{ResidentID: residentID, Code: formatCode(code), ExpiresAt: exp}, nil
}

// ClaimLetter spends a letter code and returns the resident it was issued
// for: at a terminal, SignIn with it; elsewhere, the account is theirs to
// add a way of signing in to. A code that is malformed, wrong, used or
// expired is a *ValidationError on /code (KioskLetterCodeInvalid).
func (s *Service) ClaimLetter(ctx context.Context, code string) (string, error) {
	norm, ok := normalizeCode(code, letterCodeLen)
	if !ok {
		return "", invalid("/code", MsgLetterCodeInvalid)
	}
	var resident string
	err := s.tx(ctx, func(ctx context.Context) error {
		l, err := s.letters.Get(ctx, codeHash(purposeLetter, norm))
		if errors.Is(err, store.ErrNotFound) || (err == nil && !s.now().Before(l.ExpiresAt)) {
			return invalid("/code", MsgLetterCodeInvalid)
		} else if err != nil {
			return err
		}
		resident = l.Resident
		return s.letters.Delete(ctx, l.ID)
	})
	if errors.Is(err, store.ErrNotFound) { // spent by a concurrent claim
		return "", invalid("/code", MsgLetterCodeInvalid)
	}
	return resident, err
}
