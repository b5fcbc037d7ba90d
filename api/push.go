package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/notify"
	"frontdoor/api/push"
)

// Web Push and notification settings (issue 5): the VAPID public key for
// the browser, subscriptions (a resident's devices, or a device following
// one case without an account), the resident's notification preferences,
// and service alerts from supervisors.

// pushOn answers 404 for the push routes of a server built without Push,
// and notifyOn likewise without Notify.
func (s *Server) pushOn(c *fiber.Ctx) error {
	if s.push == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

func (s *Server) notifyOn(c *fiber.Ctx) error {
	if s.notify == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

func (s *Server) pushKey(c *fiber.Ctx) error {
	return c.JSON(map[string]string{"public_key": s.push.PublicKey()})
}

// subscriptionRequest is the browser's PushSubscription.toJSON(), and, for
// someone without an account following one case, its reference with the
// email or postcode they reported with.
type subscriptionRequest struct {
	push.SubscriptionInput
	Reference string `json:"reference"`
	Email     string `json:"email"`
	Postcode  string `json:"postcode"`
}

type subscriptionView struct {
	Endpoint  string `json:"endpoint"`
	Reference string `json:"reference,omitempty"` // the case it follows, for a device without an account
}

// subscribe keeps a device's subscription: a signed-in resident's (every
// device of theirs gets their messages), or, with a reference and its
// proof, a device that follows that case only.
func (s *Server) subscribe(c *fiber.Ctx) error {
	var req subscriptionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	resident, cs, err := s.subscriber(c, req.Reference, trackRequest{Email: req.Email, Postcode: req.Postcode}.proof())
	if err != nil {
		return err
	}
	view := subscriptionView{}
	caseID := ""
	if cs != nil {
		caseID, view.Reference = cs.ID, cs.Reference
	}
	sub, err := s.push.Subscribe(c.UserContext(), resident, caseID, req.SubscriptionInput, s.lang(c))
	if err != nil {
		return err
	}
	view.Endpoint = sub.Endpoint
	return c.Status(fiber.StatusCreated).JSON(view)
}

type unsubscribeRequest struct {
	Endpoint  string `json:"endpoint"`
	Reference string `json:"reference"`
	Email     string `json:"email"`
	Postcode  string `json:"postcode"`
}

func (s *Server) unsubscribe(c *fiber.Ctx) error {
	var req unsubscribeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	resident, cs, err := s.subscriber(c, req.Reference, trackRequest{Email: req.Email, Postcode: req.Postcode}.proof())
	if err != nil {
		return err
	}
	if cs != nil {
		err = s.push.UnsubscribeCase(c.UserContext(), cs.ID, req.Endpoint)
	} else {
		err = s.push.Unsubscribe(c.UserContext(), resident, req.Endpoint)
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// subscriber is whose subscription a request is about: the case named by a
// reference and its proof (throttled like tracking), else the signed-in
// resident.
func (s *Server) subscriber(c *fiber.Ctx, ref, proof string) (resident string, cs *cases.Case, err error) {
	if ref == "" {
		cl := claimsOf(c)
		if cl == nil {
			return "", nil, &problem{kind: kindUnauthorized}
		}
		if !cl.Has(auth.RoleResident) {
			return "", nil, &problem{kind: kindForbidden}
		}
		return cl.ID, nil, nil
	}
	if s.cases == nil {
		return "", nil, &problem{kind: kindNotFound}
	}
	err = s.guarded(c, trackKey(ref), func() (err error) {
		cs, err = s.cases.Owned(c.UserContext(), requester(c, proof), ref)
		return err
	})
	return "", cs, err
}

func (s *Server) getPreferences(c *fiber.Ctx) error {
	p, err := s.notify.Preferences(c.UserContext(), residentID(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) putPreferences(c *fiber.Ctx) error {
	var p notify.Preferences
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	saved, err := s.notify.SetPreferences(c.UserContext(), residentID(c), p)
	if err != nil {
		return err
	}
	return c.JSON(saved)
}

type alertRequest struct {
	Topic notify.Topic `json:"topic"`
	Area  string       `json:"area"`
	Title string       `json:"title"`
	Body  string       `json:"body"`
	URL   string       `json:"url"`
}

// sendAlert queues a service alert to everyone following its topic in its
// area and answers 202 with where to watch it go out.
func (s *Server) sendAlert(c *fiber.Ctx) error {
	var req alertRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	id, err := s.notify.SendAlert(ctx, notify.Alert{Topic: req.Topic, Area: req.Area, Title: req.Title, Body: req.Body,
		URL: req.URL, By: claimsOf(c).ID})
	if err != nil {
		return err
	}
	st, err := s.notify.Alert(ctx, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/staff/alerts/" + id)
	return c.Status(fiber.StatusAccepted).JSON(st)
}

func (s *Server) getAlert(c *fiber.Ctx) error {
	st, err := s.notify.Alert(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(st)
}
