package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// The kiosk profile over HTTP (issue 7): terminals in libraries and
// wellbeing hubs, the sessions residents run on them, and the staff beside
// them. Three kinds of caller meet here:
//
//   - a terminal, with its device credential (Authorization: Device, see
//     authn.go): it shows who it is, starts sessions, fetches a fresh token
//     for its live session and ends it; nothing else;
//   - a kiosk session, with its own access tokens (Bearer, sid = the
//     session id, channel kiosk, or assisted with the member of staff in
//     act): anonymous until the resident signs in with a code or a letter;
//   - staff, with their own tokens: enrol and run terminals, join sessions
//     the resident confirms, guide sessions on assisted terminals, read the
//     resident's record once allowed, and see demand by location.
//
// Ending a session, however it ends, refuses every token of it at once
// (kiosk.Service is a session source of auth.Tokens) and closes its event
// streams. Handlers are in kiosk_devices.go, kiosk_sessions.go,
// kiosk_handoff.go, kiosk_assisted.go and kiosk_stream.go.

// kioskOn answers 404 for the kiosk routes of a server built without the
// kiosk profile (see Deps.Kiosk).
func (s *Server) kioskOn(c *fiber.Ctx) error {
	if s.kiosk == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

// deviceView is a terminal as staff and the terminal itself see it.
type deviceView struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Location      kiosk.Location `json:"location"`
	Profile       kiosk.Profile  `json:"profile"`
	RegisteredAt  time.Time      `json:"registered_at"`
	LastSessionAt *time.Time     `json:"last_session_at,omitempty"`
}

func newDeviceView(d *kiosk.Device) deviceView {
	return deviceView{ID: d.ID, Name: d.Name, Location: d.Location, Profile: d.Profile,
		RegisteredAt: d.RegisteredAt, LastSessionAt: d.LastSessionAt}
}

// joinView is a member of staff's join: the resident's screen shows who asks.
type joinView struct {
	State       kiosk.JoinState `json:"state"`
	StaffID     string          `json:"staff_id,omitempty"` // staff's view only
	StaffName   string          `json:"staff_name"`
	RequestedAt time.Time       `json:"requested_at"`
	AnsweredAt  *time.Time      `json:"answered_at,omitempty"`
}

// sessionView is a kiosk session as its terminal and its resident see it.
type sessionView struct {
	SessionID string         `json:"session_id"`
	DeviceID  string         `json:"device_id"`
	Location  kiosk.Location `json:"location"`
	Profile   kiosk.Profile  `json:"profile"`
	Channel   auth.Channel   `json:"channel"`
	StartedAt time.Time      `json:"started_at"`
	IdleAt    time.Time      `json:"idle_at"`
	SignedIn  bool           `json:"signed_in"`
	Guided    bool           `json:"guided"`
	Join      *joinView      `json:"join"`
	// Consent: the resident has let the joined member of staff read their record.
	Consent bool `json:"consent"`
}

// staffSessionView is a session as a member of staff sees it.
type staffSessionView struct {
	sessionView
	Live          bool `json:"live"`
	MayReadRecord bool `json:"may_read_record"` // GET .../record will answer
}

func (s *Server) newSessionView(ctx context.Context, sess *kiosk.Session) sessionView {
	v := sessionView{SessionID: sess.ID, DeviceID: sess.DeviceID, Location: sess.Location, Profile: sess.Profile,
		Channel: sess.Channel(), StartedAt: sess.StartedAt, IdleAt: sess.IdleAt(), SignedIn: sess.Resident != "",
		Guided: sess.Guided, Consent: sess.Assisted() && sess.ConsentTo == sess.Join.Staff}
	if j := sess.Join; j != nil {
		v.Join = &joinView{State: j.State, StaffName: s.staffName(ctx, j.Staff), RequestedAt: j.RequestedAt, AnsweredAt: j.AnsweredAt}
	}
	return v
}

func (s *Server) newStaffSessionView(ctx context.Context, st kiosk.Staff, sess *kiosk.Session) staffSessionView {
	v := staffSessionView{sessionView: s.newSessionView(ctx, sess), MayReadRecord: s.kiosk.MayReadRecord(st, sess)}
	_, err := s.kiosk.LiveSession(ctx, sess.ID)
	v.Live = err == nil
	if v.Join != nil {
		v.Join.StaffID = sess.Join.Staff
	}
	v.Consent = sess.ConsentTo != "" && sess.ConsentTo == st.ID
	return v
}

// staffName is the name a member of staff's account gives, or "" (the
// resident's screen then says "a member of staff").
func (s *Server) staffName(ctx context.Context, id string) string {
	if s.auth == nil {
		return ""
	}
	u, err := s.auth.GetUser(ctx, id)
	if err != nil {
		return ""
	}
	return u.Name
}

// kioskTokenView is an access token of a kiosk session: at its start, after
// a sign-in, a confirmed or declined join, or on the terminal's request.
type kioskTokenView struct {
	SessionID   string       `json:"session_id"`
	AccessToken string       `json:"access_token"`
	TokenType   string       `json:"token_type"`
	ExpiresAt   time.Time    `json:"expires_at"`
	IdleAt      time.Time    `json:"idle_at"`
	Channel     auth.Channel `json:"channel"`
	SignedIn    bool         `json:"signed_in"`
}

// sendSessionToken issues an access token for the session as it is now
// (Session.Subject) and answers it with status.
func (s *Server) sendSessionToken(c *fiber.Ctx, status int, sess *kiosk.Session) error {
	token, exp, err := s.tokens.Issue(c.UserContext(), sess.Subject())
	if err != nil {
		return err
	}
	return c.Status(status).JSON(kioskTokenView{SessionID: sess.ID, AccessToken: token, TokenType: "Bearer",
		ExpiresAt: exp, IdleAt: sess.IdleAt(), Channel: sess.Channel(), SignedIn: sess.Resident != ""})
}

// kioskStaff is the member of staff making a request, for package kiosk.
func kioskStaff(c *fiber.Ctx) kiosk.Staff {
	if cl := claimsOf(c); cl != nil && !kioskSID(cl.SessionID) {
		return kiosk.StaffOf(cl.Subject)
	}
	return kiosk.Staff{} // a kiosk session's token speaks for the resident
}
