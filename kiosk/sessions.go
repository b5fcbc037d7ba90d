package kiosk

import (
	"context"
	"errors"
	"strings"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// SessionPrefix begins every kiosk session id, which is also the sid of the
// session's access tokens: auth.Tokens asks this package about those sids
// (see SessionSource), so ending a session refuses every token of it.
const SessionPrefix = "ks_"

// Session timing.
const (
	// IdleGrace is how long after IdleAt the server still takes a touch:
	// the terminal ends the session itself at IdleAt, and a tap on "I need
	// more time" in the last second must not lose the race with the network.
	IdleGrace = 10 * time.Second
	// touchEvery coalesces touches: a session touched this recently is
	// not written again.
	touchEvery = 5 * time.Second
	// purgeAfter is how long an ended session (which names its resident)
	// is kept; its event log, which does not, stays for insight.
	purgeAfter = time.Hour
	sweepPage  = 200
)

// EndReason says why a session ended.
type EndReason string

const (
	EndFinish   EndReason = "finish"   // the resident pressed Finish
	EndIdle     EndReason = "idle"     // untouched for the location's idle timeout
	EndStaff    EndReason = "staff"    // a member of staff ended it
	EndHandOff  EndReason = "handoff"  // the resident continued on their own phone
	EndReplaced EndReason = "replaced" // a new session started on the terminal
	EndDevice   EndReason = "device"   // an admin revoked the terminal
)

// Session is one person's use of a terminal: anonymous until a resident
// signs in, assisted while a member of staff the resident accepted is
// joined.
type Session struct {
	store.Meta
	DeviceID     string     `json:"device_id"`
	Location     Location   `json:"location"` // as it was when the session started
	Profile      Profile    `json:"profile"`
	Resident     string     `json:"resident,omitempty"` // the account signed in, if any
	SignedInAt   *time.Time `json:"signed_in_at,omitempty"`
	Guided       bool       `json:"guided,omitempty"` // started by staff for a resident present
	Join         *Join      `json:"join,omitempty"`
	ConsentTo    string     `json:"consent_to,omitempty"` // the member of staff the resident consented to
	ConsentAt    *time.Time `json:"consent_at,omitempty"`
	StartedAt    time.Time  `json:"started_at"`
	LastActivity time.Time  `json:"last_activity"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
	EndReason    EndReason  `json:"end_reason,omitempty"`
}

// sessionRecord is a session as stored, with what its indexes need.
type sessionRecord struct {
	Session
	Running    bool       `json:"live"`                  // not ended (idle past its timeout maybe)
	LiveDevice string     `json:"live_device,omitempty"` // unique: one live session per terminal
	PurgeAt    *time.Time `json:"purge_at,omitempty"`
}

// IdleAt is when the session ends unless touched: the terminal shows its
// warning and countdown before it, and ends the session itself at it.
func (s *Session) IdleAt() time.Time { return s.LastActivity.Add(s.Location.IdleTimeout()) }

// Expired says whether a session not yet ended has been idle past IdleAt
// and IdleGrace: it is over, whether or not the sweeper has ended it yet.
func (s *Session) Expired(now time.Time) bool {
	return s.EndedAt == nil && !now.Before(s.IdleAt().Add(IdleGrace))
}

// Live says whether the session may still be used.
func (s *Session) Live(now time.Time) bool { return s.EndedAt == nil && !s.Expired(now) }

// Assisted says whether a member of staff has joined with the resident's
// confirmation (or started the session for them).
func (s *Session) Assisted() bool { return s.Join != nil && s.Join.State == JoinConfirmed }

// Channel is where the session's actions happen: assisted while staff are
// joined, kiosk otherwise.
func (s *Session) Channel() auth.Channel {
	if s.Assisted() {
		return auth.ChannelAssisted
	}
	return auth.ChannelKiosk
}

// Subject is what the session's access tokens carry: the resident signed
// in, or for an anonymous session the session itself (AnonymousSubject);
// the kiosk or assisted channel, the assisting member of staff in act, and
// the session as sid. Tokens issued before a sign-in or a join keep what
// they said until they expire (15 minutes); ask for a new one after either.
func (s *Session) Subject() auth.Subject {
	sub := auth.Subject{ID: s.ID, Roles: []auth.Role{auth.RoleResident}, Channel: s.Channel(), SessionID: s.ID}
	if s.Resident != "" {
		sub.ID = s.Resident
	}
	if s.Assisted() {
		sub.ActorID = s.Join.Staff
	}
	return sub
}

// AnonymousSubject says whether a token subject is an anonymous kiosk
// session rather than an account: such a token may report and track, and
// see the cases made in that session, but it has no customer record.
func AnonymousSubject(sub string) bool { return strings.HasPrefix(sub, SessionPrefix) }

func validSessionID(id string) bool { return AnonymousSubject(id) && validID(id) }

// SessionSource plugs kiosk sessions into access-token verification:
// auth.TokenOptions{SessionSources: []auth.SessionSource{k.SessionSource()}}.
func (s *Service) SessionSource() auth.SessionSource {
	return auth.SessionSource{Prefix: SessionPrefix, Revocations: s}
}

// Revoked implements auth.Revocations for kiosk sessions: a session is
// revoked once ended, idle past its timeout, or gone. It reads the store on
// every call, so an end holds at once on every replica.
func (s *Service) Revoked(ctx context.Context, sid string) (bool, error) {
	if !validSessionID(sid) {
		return true, nil
	}
	r, err := s.sessions.Get(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return !r.Live(s.now()), nil
}

// StartSession starts an anonymous session on the terminal, ending the one
// it was running, if any (replaced, or idle when it was over anyway): a
// terminal has one screen and so one session. A device revoked meanwhile
// is ErrDeviceInvalid.
func (s *Service) StartSession(ctx context.Context, device *Device) (*Session, error) {
	return s.start(ctx, device.ID, nil)
}

// StartGuided starts a staff-guided session on an assisted terminal for a
// resident who is present: staff are joined from the start, so its actions
// are on the assisted channel. A self-service terminal is ErrWrongProfile;
// an unknown or revoked one ErrNotFound. Any member of staff may.
func (s *Service) StartGuided(ctx context.Context, staff Staff, deviceID string) (*Session, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	if !validID(deviceID) {
		return nil, ErrNotFound
	}
	out, err := s.start(ctx, deviceID, &staff)
	if errors.Is(err, ErrDeviceInvalid) {
		return nil, ErrNotFound
	}
	return out, err
}

func (s *Service) start(ctx context.Context, deviceID string, guide *Staff) (*Session, error) {
	var out *sessionRecord
	err := s.tx(ctx, func(ctx context.Context) error {
		now := s.now()
		dev, err := s.devices.Get(ctx, deviceID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return ErrDeviceInvalid
		case err != nil:
			return err
		case dev.Revoked():
			return ErrDeviceInvalid
		case guide != nil && dev.Profile != ProfileAssisted:
			return ErrWrongProfile
		}
		// Writing the device makes a concurrent revocation conflict with
		// this start instead of missing the session it starts.
		dev.LastSessionAt = &now
		if err := s.devices.Replace(ctx, dev); err != nil {
			return err
		}
		if err := s.endPrevious(ctx, dev.ID, now); err != nil {
			return err
		}
		out = &sessionRecord{Running: true, LiveDevice: dev.ID, Session: Session{
			Meta: store.Meta{ID: SessionPrefix + store.NewID()}, DeviceID: dev.ID, Location: dev.Location,
			Profile: dev.Profile, StartedAt: now, LastActivity: now,
		}}
		if guide != nil {
			out.Guided = true
			out.Join = &Join{Staff: guide.ID, State: JoinConfirmed, RequestedAt: now, AnsweredAt: &now}
		}
		if err := s.sessions.Insert(ctx, out); err != nil {
			return err
		}
		return s.logIn(ctx, out, EventStarted, "", Action{}, now)
	})
	if err != nil {
		return nil, err
	}
	return &out.Session, nil
}

// endPrevious ends the terminal's live session, if there is one.
func (s *Service) endPrevious(ctx context.Context, deviceID string, now time.Time) error {
	old, err := s.sessions.FindOne(ctx, store.Eq(fLiveDevice, deviceID))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	why := EndReplaced
	if old.Expired(now) {
		why = EndIdle
	}
	return s.endIn(ctx, old, why, "", now)
}

// Current is the terminal's live session, for a terminal that reloads its
// start page or fetches a fresh access token; ErrNotFound when it has none.
func (s *Service) Current(ctx context.Context, device *Device) (*Session, error) {
	r, err := s.sessions.FindOne(ctx, store.Eq(fLiveDevice, device.ID))
	if err != nil {
		return nil, err
	}
	if !r.Live(s.now()) {
		return nil, ErrNotFound
	}
	return &r.Session, nil
}

// Session is a session, live or ended (until it is purged).
func (s *Service) Session(ctx context.Context, id string) (*Session, error) {
	if !validSessionID(id) {
		return nil, ErrNotFound
	}
	r, err := s.sessions.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &r.Session, nil
}

// LiveSession is a session that may still be used: ErrNotFound when there
// is no such session, ErrSessionEnded when it has ended or sat idle past
// its timeout (the sweeper ends it).
func (s *Service) LiveSession(ctx context.Context, id string) (*Session, error) {
	sess, err := s.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sess.Live(s.now()) {
		return nil, ErrSessionEnded
	}
	return sess, nil
}

// LiveSessions are the sessions running now, at the location named (every
// location when it is ""), oldest first: what staff on the floor may offer
// to join. A terminal runs one session at a time, so there are as many as
// terminals in use. Any member of staff may ask.
func (s *Service) LiveSessions(ctx context.Context, staff Staff, location string) ([]Session, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	now := s.now()
	out := []Session{}
	q := store.Query{Where: []store.Cond{store.Eq(fLive, true)}, Limit: store.MaxLimit}
	for {
		page, err := s.sessions.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			if r.Live(now) && (location == "" || r.Location.Name == location) {
				out = append(out, r.Session)
			}
		}
		if q.After = page.Next; q.After == "" {
			return out, nil
		}
	}
}
