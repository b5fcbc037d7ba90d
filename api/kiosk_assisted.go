package api

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/store"
	"frontdoor/kiosk"
)

// Assisted sessions: a member of staff asks to join a session and the
// resident confirms (or declines) on the screen, or staff start a guided
// session on an assisted terminal for a resident who is present. While
// joined, the session's tokens carry channel assisted and the member of
// staff in act, so whatever is done in it is recorded with both. Staff see
// the resident's screen and may fill in a step (kiosk_stream.go); they read
// the resident's record only once the resident has signed in or consented
// at the terminal, and every read is audited.

type sessionList struct {
	Items []staffSessionView `json:"items"`
}

// listLiveSessions: the sessions running now, to join (?location= narrows).
func (s *Server) listLiveSessions(c *fiber.Ctx) error {
	ctx, st := c.UserContext(), kioskStaff(c)
	list, err := s.kiosk.LiveSessions(ctx, st, strings.Clone(c.Query("location")))
	if err != nil {
		return err
	}
	out := sessionList{Items: make([]staffSessionView, len(list))}
	for i := range list {
		out.Items[i] = s.newStaffSessionView(ctx, st, &list[i])
	}
	return c.JSON(out)
}

func (s *Server) staffKioskSession(c *fiber.Ctx) error {
	ctx, st := c.UserContext(), kioskStaff(c)
	sess, err := s.kiosk.Session(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.newStaffSessionView(ctx, st, sess))
}

// joinSession asks the resident, on their screen, to let this member of
// staff join.
func (s *Server) joinSession(c *fiber.Ctx) error {
	ctx, st, id := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	sess, err := s.kiosk.Join(ctx, st, id)
	if err != nil {
		return err
	}
	s.publishJoin(c, sess)
	return c.Status(fiber.StatusAccepted).JSON(s.newStaffSessionView(ctx, st, sess))
}

// confirmJoin and declineJoin are the resident's answer, with the
// session's new token: assisted after a confirmation.
func (s *Server) confirmJoin(c *fiber.Ctx) error { return s.answerJoin(c, s.kiosk.ConfirmJoin) }

func (s *Server) declineJoin(c *fiber.Ctx) error { return s.answerJoin(c, s.kiosk.DeclineJoin) }

func (s *Server) answerJoin(c *fiber.Ctx, answer func(ctx context.Context, id string) (*kiosk.Session, error)) error {
	own, err := s.ownLiveSession(c)
	if err != nil {
		return err
	}
	sess, err := answer(c.UserContext(), own.ID)
	if err != nil {
		return err
	}
	s.publishJoin(c, sess)
	if sess.Join.State == kiosk.JoinDeclined {
		s.hub.dropStaff(sess.ID)
	}
	return s.sendSessionToken(c, fiber.StatusOK, sess)
}

// publishJoin tells the session's streams where the join stands.
func (s *Server) publishJoin(c *fiber.Ctx, sess *kiosk.Session) {
	j := sess.Join
	ev := joinEvent{State: j.State, StaffName: s.staffName(c.UserContext(), j.Staff), At: time.Now().UTC()}
	s.hub.publish(sess.ID, sseEvent{name: eventJoin, data: marshalEvent(ev)}, toAll)
}

// giveConsent lets the joined member of staff read the resident's record.
func (s *Server) giveConsent(c *fiber.Ctx) error {
	own, err := s.ownLiveSession(c)
	if err != nil {
		return err
	}
	sess, err := s.kiosk.GiveConsent(c.UserContext(), own.ID)
	if err != nil {
		return err
	}
	s.hub.publish(sess.ID, sseEvent{name: eventConsent, data: marshalEvent(atView{At: time.Now().UTC()})}, toStaff)
	return c.JSON(s.newSessionView(c.UserContext(), sess))
}

// kioskRecord is the resident's customer record for the member of staff
// joined to the session, once the resident has signed in at the terminal
// (their own record) or consented (the record staff name in ?resident=).
// Before that it is 403. Every read is audited as any staff read of a
// record is (GET /api/v1/staff/residents/{id}), and logged in the session.
func (s *Server) kioskRecord(c *fiber.Ctx) error {
	ctx, st, id := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	sess, err := s.kiosk.Session(ctx, id)
	if err != nil {
		return err
	}
	if !s.kiosk.MayReadRecord(st, sess) {
		return &problem{kind: kindKioskRecordClosed}
	}
	resident := sess.Resident
	if resident == "" {
		if resident = strings.Clone(c.Query("resident")); resident == "" {
			return fieldProblem("/resident", kiosk.MsgRequired)
		}
	} else if _, err := s.customer(ctx, resident, nil); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err // the signed-in resident's record is made on first use, as GET /me does
	}
	reason := "Assisted session at " + sess.Location.Name
	cust, err := s.accounts.GetCustomerAsStaff(ctx, st.ID, resident, reason)
	if err != nil {
		return err
	}
	if _, err := s.kiosk.Record(ctx, id, kiosk.Action{Service: recordService, What: "record-read"}); err != nil {
		s.log.WarnContext(ctx, "kiosk: a record read was not logged in its session", "error", err.Error())
	}
	return c.JSON(cust)
}

// recordService is what the session log calls the customer record.
const recordService = "customer-record"

type inputRequest struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

type inputView struct {
	Delivered int `json:"delivered"` // the resident's screens that received it
}

// Limits of a step staff fill in.
const (
	maxInputField = 128
	maxInputValue = 2000 // runes
)

// staffInput fills in a step on the resident's screen: delivered to the
// session's own stream, where the app shows it in the field for the
// resident to check and continue. The member of staff must be joined, which
// the resident confirmed on screen.
func (s *Server) staffInput(c *fiber.Ctx) error {
	var req inputRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var ck fieldCheck
	ck.name("/field", req.Field, maxInputField)
	ck.value("/value", req.Value, maxInputValue)
	if err := ck.err(); err != nil {
		return err
	}
	ctx, st, id := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	sess, err := s.kiosk.LiveSession(ctx, id)
	if err != nil {
		return err
	}
	if !sess.Assisted() || sess.Join.Staff != st.ID {
		return kiosk.ErrNotJoined
	}
	ev := sseEvent{name: eventInput, data: marshalEvent(inputEvent{Field: req.Field, Value: req.Value, At: time.Now().UTC()})}
	n := s.hub.publish(id, ev, toResident)
	return c.Status(fiber.StatusAccepted).JSON(inputView{Delivered: n})
}

// staffEndSession ends a session for the resident (a member of staff on
// the floor, or the one assisting).
func (s *Server) staffEndSession(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	if _, err := s.kiosk.EndByStaff(c.UserContext(), kioskStaff(c), id); err != nil {
		return err
	}
	s.hub.end(id, kiosk.EndStaff)
	return c.SendStatus(fiber.StatusNoContent)
}

// startGuided starts a staff-guided session on an assisted terminal for a
// resident who is present; the terminal picks it up from GET
// /api/v1/kiosk/device and fetches its token.
func (s *Server) startGuided(c *fiber.Ctx) error {
	ctx, st, deviceID := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	prev, _ := s.kiosk.Current(ctx, &kiosk.Device{Meta: store.Meta{ID: deviceID}})
	sess, err := s.kiosk.StartGuided(ctx, st, deviceID)
	if err != nil {
		return err
	}
	if prev != nil {
		s.hub.end(prev.ID, kiosk.EndReplaced)
	}
	c.Location("/api/v1/staff/kiosk/sessions/" + sess.ID)
	return c.Status(fiber.StatusCreated).JSON(s.newStaffSessionView(ctx, st, sess))
}

type demandView struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	Items []kiosk.Demand `json:"items"`
}

// kioskDemand is assisted-digital demand: actions by location and service,
// on the kiosk channel and with staff, over London days from..to inclusive.
func (s *Server) kioskDemand(c *fiber.Ctx) error {
	from, to := strings.Clone(c.Query("from")), strings.Clone(c.Query("to"))
	var ck fieldCheck
	f := ck.day("/from", from, s.london)
	t := ck.day("/to", to, s.london)
	if err := ck.err(); err != nil {
		return err
	}
	items, err := s.kiosk.DemandByLocation(c.UserContext(), f, t.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	return c.JSON(demandView{From: from, To: to, Items: items})
}

// fieldCheck gathers the field errors of the HTTP layer's own checks.
type fieldCheck struct{ fields []fieldError }

func (ck *fieldCheck) add(ptr, id string, data map[string]any) {
	ck.fields = append(ck.fields, fieldError{pointer: ptr, message: id, data: data})
}

func (ck *fieldCheck) err() error {
	if len(ck.fields) == 0 {
		return nil
	}
	return &problem{kind: kindValidation, fields: ck.fields}
}

// name accepts a field's name as the web app's forms know it: 1 to max of
// letters, digits and - _ . /.
func (ck *fieldCheck) name(ptr, v string, max int) {
	switch {
	case v == "":
		ck.add(ptr, kiosk.MsgRequired, nil)
	case len(v) > max:
		ck.add(ptr, kiosk.MsgTooLong, map[string]any{"Count": max})
	default:
		for i := 0; i < len(v); i++ {
			if b := v[i]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-_./", b) >= 0) {
				ck.add(ptr, kiosk.MsgInvalidValue, nil)
				return
			}
		}
	}
}

// value accepts text as a form field holds it: printable, with line breaks
// and tabs, at most max runes, and never a photo or other data URL.
func (ck *fieldCheck) value(ptr, v string, max int) {
	switch {
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return r != '\n' && r != '\r' && r != '\t' && !textRune(r)
	}):
		ck.add(ptr, kiosk.MsgTextInvalid, nil)
	case utf8.RuneCountInString(v) > max:
		ck.add(ptr, kiosk.MsgTooLong, map[string]any{"Count": max})
	case strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "data:"):
		ck.add(ptr, kiosk.MsgInvalidValue, nil)
	}
}

// day reads a London date (YYYY-MM-DD) as the moment it starts.
func (ck *fieldCheck) day(ptr, v string, loc *time.Location) time.Time {
	if v == "" {
		ck.add(ptr, kiosk.MsgRequired, nil)
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		ck.add(ptr, kiosk.MsgInvalidValue, nil)
	}
	return t
}

// textRune is a character text may hold: no control characters, no
// private use, no invisible formatting but the joiners scripts need.
func textRune(r rune) bool {
	return !unicode.IsControl(r) && !unicode.Is(unicode.Co, r) && r != utf8.RuneError &&
		(!unicode.Is(unicode.Cf, r) || r == '\u200c' || r == '\u200d')
}
