package kiosk

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/store"
)

// Touch records activity ("I need more time", a page turned), moving
// IdleAt on. A session already over is ErrSessionEnded.
func (s *Service) Touch(ctx context.Context, id string) (*Session, error) {
	return s.change(ctx, id, func(_ context.Context, r *sessionRecord, now time.Time) error {
		if now.Sub(r.LastActivity) < touchEvery {
			return errUnchanged
		}
		r.LastActivity = now
		return nil
	})
}

// SignIn upgrades the session to residentID's, once the resident has
// proved who they are at the terminal (a one-time code, a letter code).
// Signing in again as the same resident is a touch; as anyone else,
// ErrSignedIn: the next person starts a new session.
func (s *Service) SignIn(ctx context.Context, id, residentID string) (*Session, error) {
	if !validID(residentID) || AnonymousSubject(residentID) {
		return nil, invalid("/resident", MsgInvalidValue)
	}
	return s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		switch {
		case r.Resident == residentID:
			r.LastActivity = now
			return nil
		case r.Resident != "":
			return ErrSignedIn
		case r.Join != nil && r.Join.State != JoinDeclined && r.Join.Staff == residentID:
			return ErrForbidden // staff do not assist themselves
		}
		r.Resident, r.SignedInAt, r.LastActivity = residentID, &now, now
		return s.logIn(ctx, r, EventSignedIn, "", Action{}, now)
	})
}

// End ends a session: finish, idle (the terminal's own countdown ran out),
// staff or handoff. Every token of it is refused from then on. Ending an
// ended session changes nothing and is no error (the terminal may retry);
// one found idle past its timeout ends as idle, whatever the reason given.
func (s *Service) End(ctx context.Context, id string, reason EndReason) (*Session, error) {
	switch reason {
	case EndFinish, EndIdle, EndStaff, EndHandOff:
	default:
		return nil, invalid("/reason", MsgNotAllowed)
	}
	return s.end(ctx, id, reason, "")
}

// EndByStaff is End by a member of staff, who is recorded as having done it.
func (s *Service) EndByStaff(ctx context.Context, staff Staff, id string) (*Session, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	return s.end(ctx, id, EndStaff, staff.ID)
}

func (s *Service) end(ctx context.Context, id string, reason EndReason, actor string) (*Session, error) {
	if !validSessionID(id) {
		return nil, ErrNotFound
	}
	var out *sessionRecord
	err := s.tx(ctx, func(ctx context.Context) error {
		now := s.now()
		r, err := s.sessions.Get(ctx, id)
		if err != nil {
			return err
		}
		out = r
		switch {
		case r.EndedAt != nil:
			return nil
		case r.Expired(now):
			return s.endIn(ctx, r, EndIdle, "", now)
		}
		return s.endIn(ctx, r, reason, actor, now)
	})
	if err != nil {
		return nil, err
	}
	return &out.Session, nil
}

// endIn ends r inside the caller's transaction and logs it.
func (s *Service) endIn(ctx context.Context, r *sessionRecord, reason EndReason, actor string, now time.Time) error {
	purge := now.Add(purgeAfter)
	r.EndedAt, r.EndReason, r.Running, r.LiveDevice, r.PurgeAt = &now, reason, false, "", &purge
	if err := s.sessions.Replace(ctx, r); err != nil {
		return err
	}
	return s.logIn(ctx, r, EventEnded, actor, Action{What: string(reason)}, now)
}

// SweepIdle ends every session idle past its timeout and says how many it
// ended. Tokens of an idle session are refused from IdleAt+IdleGrace even
// before the sweep; the sweep frees the terminal and writes the log. Run it
// every few seconds from a worker.
func (s *Service) SweepIdle(ctx context.Context) (int, error) {
	now := s.now()
	q := store.Query{Where: []store.Cond{
		store.Eq(fLive, true), store.Lte(fLastActivity, now.Add(-MinIdleTimeout-IdleGrace)),
	}, Limit: sweepPage}
	n := 0
	for {
		page, err := s.sessions.Find(ctx, q)
		if err != nil {
			return n, err
		}
		for _, r := range page.Items {
			if !r.Expired(now) {
				continue // a longer timeout at this location
			}
			ended, err := s.endIdle(ctx, r.ID)
			if err != nil {
				return n, err
			}
			if ended {
				n++
			}
		}
		if q.After = page.Next; q.After == "" {
			return n, nil
		}
	}
}

// endIdle ends session id if it is still idle past its timeout when read
// again (a touch may have come meanwhile).
func (s *Service) endIdle(ctx context.Context, id string) (bool, error) {
	var ended bool
	err := s.tx(ctx, func(ctx context.Context) error {
		ended = false
		now := s.now()
		r, err := s.sessions.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !r.Expired(now) {
			return nil
		}
		ended = true
		return s.endIn(ctx, r, EndIdle, "", now)
	})
	return ended, err
}

// errUnchanged tells change that fn wrote nothing to the session.
var errUnchanged = errors.New("kiosk: unchanged")

// change runs fn on live session id and stores what it did, in one
// transaction. A session found idle past its timeout is ended (idle)
// instead; it and an ended one are ErrSessionEnded.
func (s *Service) change(ctx context.Context, id string, fn func(ctx context.Context, r *sessionRecord, now time.Time) error) (*Session, error) {
	if !validSessionID(id) {
		return nil, ErrNotFound
	}
	var out *sessionRecord
	var over bool
	err := s.tx(ctx, func(ctx context.Context) error {
		over = false
		now := s.now()
		r, err := s.sessions.Get(ctx, id)
		if err != nil {
			return err
		}
		out = r
		switch {
		case r.EndedAt != nil:
			over = true
			return nil
		case r.Expired(now):
			over = true
			return s.endIn(ctx, r, EndIdle, "", now)
		}
		if err := fn(ctx, r, now); errors.Is(err, errUnchanged) {
			return nil
		} else if err != nil {
			return err
		}
		return s.sessions.Replace(ctx, r)
	})
	switch {
	case err != nil:
		return nil, err
	case over:
		return nil, ErrSessionEnded
	}
	return &out.Session, nil
}
