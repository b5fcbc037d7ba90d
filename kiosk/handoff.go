package kiosk

import (
	"context"
	"errors"
	"strings"
	"time"

	"frontdoor/api/store"
)

// HandOffTTL is how long a hand-off link may be opened.
const HandOffTTL = 5 * time.Minute

// maxPathLen bounds a journey path carried by a hand-off link.
const maxPathLen = 512

// handOff is a one-time link from a kiosk session to the resident's own
// phone. Its id is the hash of the link's token; claiming deletes it.
type handOff struct {
	store.Meta
	SessionID string    `json:"session_id"`
	Resident  string    `json:"resident,omitempty"` // as signed in when the link was made
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// HandOffClaim is what a phone gets for a hand-off link: a fresh web
// session for Resident (or, for an anonymous kiosk session, none) and the
// journey to open.
type HandOffClaim struct {
	SessionID string // the kiosk session, now ended
	Resident  string // "" for an anonymous session
	Path      string
}

// HandOff makes a one-time link for continuing the session's journey at
// path on the resident's own phone, valid for HandOffTTL; the HTTP layer
// puts it in a QR code. The link carries the resident signed in at the
// time it is made, never one who signs in later, so a photo of an
// anonymous screen's QR code is worth nothing after a sign-in. A path that
// is not a local path is a *ValidationError on /path.
func (s *Service) HandOff(ctx context.Context, id, path string) (string, time.Time, error) {
	if !localPath(path) {
		return "", time.Time{}, invalid("/path", MsgPathInvalid)
	}
	token, hash := newToken(handOffPrefix)
	var exp time.Time
	_, err := s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		exp = now.Add(HandOffTTL)
		h := &handOff{Meta: store.Meta{ID: hash}, SessionID: r.ID, Resident: r.Resident, Path: path,
			CreatedAt: now, ExpiresAt: exp}
		if err := s.handOffs.Insert(ctx, h); err != nil {
			return err
		}
		if err := s.logIn(ctx, r, EventHandOff, "", Action{}, now); err != nil {
			return err
		}
		return errUnchanged
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// ClaimHandOff spends a hand-off link and ends its kiosk session (handoff),
// so the terminal returns to its start screen. A link that is malformed,
// unknown, used or expired, or whose session has ended meanwhile (Finish
// pressed, idle), is ErrHandOffInvalid.
func (s *Service) ClaimHandOff(ctx context.Context, token string) (*HandOffClaim, error) {
	hash, ok := tokenHash(handOffPrefix, token)
	if !ok {
		return nil, ErrHandOffInvalid
	}
	var out *HandOffClaim
	err := s.tx(ctx, func(ctx context.Context) error {
		out = nil
		now := s.now()
		h, err := s.handOffs.Get(ctx, hash)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !now.Before(h.ExpiresAt)) {
			return ErrHandOffInvalid
		} else if err != nil {
			return err
		}
		if err := s.handOffs.Delete(ctx, h.ID); err != nil {
			return err
		}
		r, err := s.sessions.Get(ctx, h.SessionID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !r.Live(now)) {
			return ErrHandOffInvalid
		} else if err != nil {
			return err
		}
		out = &HandOffClaim{SessionID: r.ID, Resident: h.Resident, Path: h.Path}
		return s.endIn(ctx, r, EndHandOff, "", now)
	})
	if errors.Is(err, store.ErrNotFound) { // deleted by a concurrent claim
		return nil, ErrHandOffInvalid
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// localPath accepts a path of this site: "/" then printable ASCII, no
// backslash, and not "//" (which a browser reads as another host).
func localPath(p string) bool {
	if p == "" || len(p) > maxPathLen || p[0] != '/' || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' || p[i] == '\\' {
			return false
		}
	}
	return true
}
