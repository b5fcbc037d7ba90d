package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/store"
	"frontdoor/kiosk"
)

// Terminals: a supervisor enrols one with a one-time code typed or scanned
// on it; the terminal trades the code for its device credential and shows
// who it is on its start screen; admins list, rename, move and revoke them.

type enrolRequest struct {
	Location kiosk.Location `json:"location"`
	Profile  kiosk.Profile  `json:"profile"`
}

type enrolView struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) enrolDevice(c *fiber.Ctx) error {
	var req enrolRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	code, exp, err := s.kiosk.Enrol(c.UserContext(), kioskStaff(c), req.Location, req.Profile)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(enrolView{Code: code, ExpiresAt: exp})
}

type registerDeviceRequest struct {
	Code string `json:"code"`
}

type registeredView struct {
	DeviceID    string `json:"device_id"`
	DeviceToken string `json:"device_token"`
}

// registerDevice spends an enrolment code; the credential is shown this
// once, and the terminal keeps it to send as Authorization: Device.
func (s *Server) registerDevice(c *fiber.Ctx) error {
	var req registerDeviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, token, err := s.kiosk.Register(c.UserContext(), req.Code)
	if err != nil {
		return err
	}
	c.Location("/api/v1/kiosk/device")
	return c.Status(fiber.StatusCreated).JSON(registeredView{DeviceID: d.ID, DeviceToken: token})
}

// terminalView is what a terminal shows on its start screen, and its live
// session, if any: one a member of staff started for a resident present
// (guided), or its own after a reload.
type terminalView struct {
	deviceView
	Session *sessionView `json:"session"`
}

func (s *Server) deviceSelf(c *fiber.Ctx) error {
	d := deviceOf(c)
	v := terminalView{deviceView: newDeviceView(d)}
	sess, err := s.kiosk.Current(c.UserContext(), d)
	switch {
	case err == nil:
		sv := s.newSessionView(c.UserContext(), sess)
		v.Session = &sv
	case !errors.Is(err, kiosk.ErrNotFound):
		return err
	}
	return c.JSON(v)
}

// adminDeviceView is a terminal as admins see it, revoked ones included.
type adminDeviceView struct {
	deviceView
	EnrolledBy string     `json:"enrolled_by"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Revoked    bool       `json:"revoked"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
}

func newAdminDeviceView(d *kiosk.Device) adminDeviceView {
	return adminDeviceView{deviceView: newDeviceView(d), EnrolledBy: d.EnrolledBy, UpdatedAt: d.UpdatedAt,
		Revoked: d.Revoked(), RevokedAt: d.RevokedAt, RevokedBy: d.RevokedBy}
}

type devicePage struct {
	Items []adminDeviceView `json:"items"`
	Next  string            `json:"next,omitempty"`
}

func (s *Server) listDevices(c *fiber.Ctx) error {
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	list, next, err := s.kiosk.ListDevices(c.UserContext(), kioskStaff(c), cursor)
	if err != nil {
		return err
	}
	page := devicePage{Items: make([]adminDeviceView, len(list)), Next: next}
	for i := range list {
		page.Items[i] = newAdminDeviceView(&list[i])
	}
	return c.JSON(page)
}

// updateDeviceRequest renames a terminal, moves it, or both.
type updateDeviceRequest struct {
	Name     *string         `json:"name"`
	Location *kiosk.Location `json:"location"`
}

func (s *Server) updateDevice(c *fiber.Ctx) error {
	var req updateDeviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil && req.Location == nil {
		return fieldProblem("/name", kiosk.MsgRequired)
	}
	ctx, st, id := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	var d *kiosk.Device
	var err error
	if req.Name != nil {
		if d, err = s.kiosk.RenameDevice(ctx, st, id, *req.Name); err != nil {
			return err
		}
	}
	if req.Location != nil {
		if d, err = s.kiosk.MoveDevice(ctx, st, id, *req.Location); err != nil {
			return err
		}
	}
	return c.JSON(newAdminDeviceView(d))
}

// revokeDevice stops the terminal's credential and ends its live session:
// both are refused from the next request, and the session's streams close.
func (s *Server) revokeDevice(c *fiber.Ctx) error {
	ctx, st, id := c.UserContext(), kioskStaff(c), strings.Clone(c.Params("id"))
	live, _ := s.kiosk.Current(ctx, &kiosk.Device{Meta: store.Meta{ID: id}})
	if _, err := s.kiosk.RevokeDevice(ctx, st, id); err != nil {
		return err
	}
	if live != nil {
		s.hub.end(live.ID, kiosk.EndDevice)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type terminalList struct {
	Items []terminalView `json:"items"`
}

// listTerminals is the terminals in service, for staff starting a guided
// session; ?location= narrows them to one location.
func (s *Server) listTerminals(c *fiber.Ctx) error {
	ctx := c.UserContext()
	list, err := s.kiosk.Terminals(ctx, kioskStaff(c), strings.Clone(c.Query("location")))
	if err != nil {
		return err
	}
	out := terminalList{Items: make([]terminalView, len(list))}
	for i := range list {
		out.Items[i] = terminalView{deviceView: newDeviceView(&list[i])}
		if sess, err := s.kiosk.Current(ctx, &list[i]); err == nil {
			sv := s.newSessionView(ctx, sess)
			out.Items[i].Session = &sv
		}
	}
	return c.JSON(out)
}
