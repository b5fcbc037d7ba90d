package api

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/kiosk"
)

// Kiosk sessions: a terminal starts one (anonymous), its screens use the
// session's own access tokens, the resident signs in with a one-time code
// (no password on a shared keyboard), and it ends on Finish, after the
// location's idle time, by staff, by hand-off or when the terminal is
// revoked. Ending answers Clear-Site-Data to the terminal, so the browser
// drops what it kept of the person as well as the app's own clean-up.

// clearSiteData is what a terminal's browser is told to forget when its
// session ends: every cache, cookie and storage of this origin.
const clearSiteData = `"cache", "cookies", "storage"`

// terminalSession is session :id for the terminal side of it: the
// session's own token, or the terminal it runs on. Anyone else is told it
// does not exist, exactly as for a session that does not. live asks for a
// session that may still be used (else kiosk.ErrSessionEnded).
func (s *Server) terminalSession(c *fiber.Ctx, live bool) (*kiosk.Session, error) {
	id := strings.Clone(c.Params("id"))
	if cl := claimsOf(c); cl != nil && cl.SessionID != id {
		return nil, kiosk.ErrNotFound
	}
	ctx := c.UserContext()
	sess, err := s.kiosk.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if d := deviceOf(c); d != nil && sess.DeviceID != d.ID {
		return nil, kiosk.ErrNotFound
	}
	if live {
		return s.kiosk.LiveSession(ctx, id)
	}
	return sess, nil
}

// startKioskSession starts an anonymous session on the terminal, ending the
// one it was running (a terminal has one screen, so one session).
func (s *Server) startKioskSession(c *fiber.Ctx) error {
	ctx, d := c.UserContext(), deviceOf(c)
	prev, _ := s.kiosk.Current(ctx, d)
	sess, err := s.kiosk.StartSession(ctx, d)
	if err != nil {
		return err
	}
	if prev != nil {
		s.hub.end(prev.ID, kiosk.EndReplaced)
	}
	c.Location("/api/v1/kiosk/sessions/" + sess.ID)
	return s.sendSessionToken(c, fiber.StatusCreated, sess)
}

func (s *Server) getKioskSession(c *fiber.Ctx) error {
	sess, err := s.terminalSession(c, false)
	if err != nil {
		return err
	}
	return c.JSON(s.newSessionView(c.UserContext(), sess))
}

type endRequest struct {
	Reason kiosk.EndReason `json:"reason"`
}

// endKioskSession: Finish, or the terminal's own idle countdown running
// out, from the session's token or its terminal; or staff ending it.
func (s *Server) endKioskSession(c *fiber.Ctx) error {
	req := endRequest{Reason: kiosk.EndFinish}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if req.Reason != kiosk.EndFinish && req.Reason != kiosk.EndIdle {
		return fieldProblem("/reason", kiosk.MsgNotAllowed)
	}
	ctx, id := c.UserContext(), strings.Clone(c.Params("id"))
	if cl := claimsOf(c); cl != nil && isStaff(cl) && cl.SessionID != id {
		return s.staffEndSession(c)
	}
	if _, err := s.terminalSession(c, false); err != nil {
		return err
	}
	sess, err := s.kiosk.End(ctx, id, req.Reason)
	if err != nil {
		return err
	}
	s.hub.end(id, sess.EndReason)
	c.Set("Clear-Site-Data", clearSiteData)
	return c.SendStatus(fiber.StatusNoContent)
}

type idleView struct {
	IdleAt time.Time `json:"idle_at"`
}

// touchKioskSession is activity: "I need more time", a page turned.
func (s *Server) touchKioskSession(c *fiber.Ctx) error {
	if _, err := s.terminalSession(c, false); err != nil {
		return err
	}
	sess, err := s.kiosk.Touch(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(idleView{IdleAt: sess.IdleAt()})
}

// kioskSessionToken is a fresh token for the live session: after a sign-in
// or a join its subject has changed, and tokens last 15 minutes.
func (s *Server) kioskSessionToken(c *fiber.Ctx) error {
	sess, err := s.terminalSession(c, true)
	if err != nil {
		return err
	}
	return s.sendSessionToken(c, fiber.StatusOK, sess)
}

// kioskSignInCode sends a sign-in code as POST /api/v1/auth/codes does,
// for the resident at the terminal.
func (s *Server) kioskSignInCode(c *fiber.Ctx) error {
	var req contactRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if _, err := s.ownLiveSession(c); err != nil {
		return err
	}
	contact := auth.Contact{Email: req.Email, Phone: req.Phone}
	if err := s.auth.RequestSignInCode(c.UserContext(), contact, s.clientIP(c).String()); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(statusResponse{Status: "accepted"})
}

type kioskCodeRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// kioskSignIn signs the resident in on the terminal with the code: the
// session becomes theirs (still on the kiosk channel), and no refresh
// token is left behind on a shared machine.
func (s *Server) kioskSignIn(c *fiber.Ctx) error {
	var req kioskCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.ownLiveSession(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	userID, err := s.auth.CheckSignInCode(ctx, auth.CodeLoginInput{Email: req.Email, Phone: req.Phone,
		Code: req.Code, IP: s.clientIP(c).String()})
	if err != nil {
		return err
	}
	return s.signInSession(c, sess.ID, userID)
}

// signInSession makes the session residentID's and answers its new token.
func (s *Server) signInSession(c *fiber.Ctx, id, residentID string) error {
	sess, err := s.kiosk.SignIn(c.UserContext(), id, residentID)
	if err != nil {
		return err
	}
	s.hub.publish(id, sseEvent{name: eventSignedIn, data: marshalEvent(atView{At: time.Now().UTC()})}, toStaff)
	return s.sendSessionToken(c, fiber.StatusOK, sess)
}

// ownLiveSession is session :id for its own token only: what the person at
// the screen does (the terminal's credential alone cannot).
func (s *Server) ownLiveSession(c *fiber.Ctx) (*kiosk.Session, error) {
	if cl := claimsOf(c); cl == nil || !kioskSID(cl.SessionID) {
		return nil, kiosk.ErrNotFound
	}
	return s.terminalSession(c, true)
}

// endKioskOnLogout makes POST /api/v1/auth/logout with a kiosk session's
// token end that session (Finish), and tell the browser to forget it; the
// logout handler then does what it does for anyone.
func (s *Server) endKioskOnLogout(c *fiber.Ctx) error {
	if s.kiosk == nil || s.tokens == nil {
		return c.Next()
	}
	token, _, ok := bearerToken(c)
	if !ok {
		return c.Next()
	}
	ctx := c.UserContext()
	cl, err := s.tokens.Verify(ctx, token)
	if err != nil || !kioskSID(cl.SessionID) {
		return c.Next()
	}
	if _, err := s.kiosk.End(ctx, cl.SessionID, kiosk.EndFinish); err != nil {
		return err
	}
	s.hub.end(cl.SessionID, kiosk.EndFinish)
	c.Set("Clear-Site-Data", clearSiteData)
	return c.Next()
}

// kioskCase fills in what a case made in a kiosk session records besides
// the channel and actor the token carries: the location, and whether the
// owner is the anonymous session rather than an account. It is a no-op for
// any other caller.
func (s *Server) kioskCase(ctx context.Context, cl *auth.Claims, in *cases.NewCase) error {
	if s.kiosk == nil || cl == nil || !kioskSID(cl.SessionID) {
		return nil
	}
	sess, err := s.kiosk.LiveSession(ctx, cl.SessionID)
	if err != nil {
		return err
	}
	in.Location, in.AnonymousOwner = sess.Location.Name, kiosk.AnonymousSubject(cl.ID)
	return nil
}

// recordKioskCase logs each item of a case made in a kiosk session in the
// session's event log (kiosk or assisted, with the member of staff, at the
// location), for demand by location and service. The case is made whatever
// happens here: a failure is logged, not answered.
func (s *Server) recordKioskCase(ctx context.Context, cl *auth.Claims, cs *cases.Case, items []*cases.Item) {
	if s.kiosk == nil || cl == nil || !kioskSID(cl.SessionID) {
		return
	}
	for _, it := range items {
		a := kiosk.Action{Service: it.Service, What: "case-created", Reference: cs.Reference}
		if _, err := s.kiosk.Record(ctx, cl.SessionID, a); err != nil {
			s.log.WarnContext(ctx, "kiosk: a case made in a session was not logged", "error", err.Error())
		}
	}
}
