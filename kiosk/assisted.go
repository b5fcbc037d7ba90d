package kiosk

import (
	"context"
	"time"
)

// JoinState is where a member of staff's request to join a session stands.
type JoinState string

const (
	JoinPending   JoinState = "pending"   // on the resident's screen, unanswered
	JoinConfirmed JoinState = "confirmed" // the resident accepted: the session is assisted
	JoinDeclined  JoinState = "declined"  // the resident said no
)

// Join is a member of staff joining a session. A session has one at a time;
// after a decline, staff may ask again.
type Join struct {
	Staff       string     `json:"staff"`
	State       JoinState  `json:"state"`
	RequestedAt time.Time  `json:"requested_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// Join asks to join a live session: the resident sees the request on the
// screen and confirms or declines it. Asking again while pending or joined
// changes nothing; another member of staff's join is ErrAlreadyJoined.
// Any member of staff may ask (the resident decides).
func (s *Service) Join(ctx context.Context, staff Staff, id string) (*Session, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	return s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		if r.Resident == staff.ID {
			return ErrForbidden // staff do not assist themselves
		}
		if j := r.Join; j != nil && j.State != JoinDeclined {
			if j.Staff == staff.ID {
				return errUnchanged
			}
			return ErrAlreadyJoined
		}
		r.Join = &Join{Staff: staff.ID, State: JoinPending, RequestedAt: now}
		return s.logIn(ctx, r, EventJoinRequested, staff.ID, Action{}, now)
	})
}

// ConfirmJoin is the resident accepting the pending join on the screen: from
// now on the session's actions are on the assisted channel with the member
// of staff as actor. No pending join is ErrNoPendingJoin.
func (s *Service) ConfirmJoin(ctx context.Context, id string) (*Session, error) {
	return s.answerJoin(ctx, id, JoinConfirmed, EventJoinConfirmed)
}

// DeclineJoin is the resident refusing the pending join.
func (s *Service) DeclineJoin(ctx context.Context, id string) (*Session, error) {
	return s.answerJoin(ctx, id, JoinDeclined, EventJoinDeclined)
}

func (s *Service) answerJoin(ctx context.Context, id string, state JoinState, kind EventKind) (*Session, error) {
	return s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		if r.Join == nil || r.Join.State != JoinPending {
			return ErrNoPendingJoin
		}
		r.Join.State, r.Join.AnsweredAt, r.LastActivity = state, &now, now
		return s.logIn(ctx, r, kind, r.Join.Staff, Action{}, now)
	})
}

// GiveConsent is the resident allowing the joined member of staff to look
// up their record without signing in. It is given to that member of staff
// only; without one joined it is ErrNotJoined.
func (s *Service) GiveConsent(ctx context.Context, id string) (*Session, error) {
	return s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		if !r.Assisted() {
			return ErrNotJoined
		}
		if r.ConsentTo == r.Join.Staff {
			return errUnchanged
		}
		r.ConsentTo, r.ConsentAt, r.LastActivity = r.Join.Staff, &now, now
		return s.logIn(ctx, r, EventConsent, "", Action{}, now)
	})
}

// MayReadRecord says whether staff may look up the resident's record from
// this session: they are joined to it (confirmed, or guiding it), it is
// live, and the resident has signed in at the terminal or consented to them.
// Signed in, the record is sess.Resident's; with consent alone staff find
// the record themselves, and every read is audited as any staff read is.
func (s *Service) MayReadRecord(staff Staff, sess *Session) bool {
	return sess != nil && staff.isStaff() && sess.Live(s.now()) && sess.Assisted() &&
		sess.Join.Staff == staff.ID && (sess.Resident != "" || sess.ConsentTo == staff.ID)
}
