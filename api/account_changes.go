package api

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
)

// Tell Us Once: POST/GET /api/v1/me/changes and GET /api/v1/me/changes/{id}.

// changeRequest is what a resident reports. Where it happened (channel) and
// who on the staff helped (actor) come from the token, never the body.
type changeRequest struct {
	Kind          string                `json:"kind"`
	EffectiveDate accounts.Date         `json:"effective_date"`
	Values        accounts.ChangeValues `json:"values"`
}

// changeView is a change with where it stands at each service, in the
// request's language.
type changeView struct {
	ID            string                 `json:"id"`
	Kind          string                 `json:"kind"`
	EffectiveDate accounts.Date          `json:"effective_date"`
	Status        string                 `json:"status"`
	Services      []changeServiceView    `json:"services"`
	Values        *accounts.ChangeValues `json:"values,omitempty"`
	Channel       string                 `json:"channel"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
}

type changeServiceView struct {
	Connector string    `json:"connector"`
	Status    string    `json:"status"`
	Name      string    `json:"name"`
	Message   string    `json:"message"` // the status in a sentence, for the resident
	Reference string    `json:"reference,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

type changePage struct {
	Items []changeView `json:"items"`
	Next  string       `json:"next,omitempty"`
}

// reportChange records the change and queues one delivery per linked
// service in one transaction, then answers 202: the services are told
// afterwards. Mounted behind s.idempotent, so a resubmission with the same
// Idempotency-Key replays this answer and tells nobody twice.
func (s *Server) reportChange(c *fiber.Ctx) error {
	var req changeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cl := claimsOf(c)
	in := accounts.ChangeRequest{Kind: req.Kind, EffectiveDate: req.EffectiveDate, Values: req.Values,
		Channel: changeChannel(cl.Channel), ActorID: cl.ActorID}
	ctx := c.UserContext()
	ch, err := s.accounts.ReportChange(ctx, cl.ID, in)
	if errors.Is(err, accounts.ErrNotFound) { // no record yet: make it from the account, then report
		if _, err = s.customer(ctx, cl.ID, nil); err == nil {
			ch, err = s.accounts.ReportChange(ctx, cl.ID, in)
		}
	}
	if err != nil {
		return err
	}
	c.Location("/api/v1/me/changes/" + ch.ID)
	return c.Status(fiber.StatusAccepted).JSON(s.newChangeView(c, ch))
}

func (s *Server) listChanges(c *fiber.Ctx) error {
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	page, err := s.accounts.ListChanges(c.UserContext(), residentID(c), cursor)
	if err != nil {
		return err
	}
	out := changePage{Items: make([]changeView, len(page.Items)), Next: page.Next}
	for i := range page.Items {
		out.Items[i] = s.newChangeView(c, &page.Items[i])
	}
	return c.JSON(out)
}

func (s *Server) getChange(c *fiber.Ctx) error {
	ch, err := s.accounts.GetChange(c.UserContext(), residentID(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.newChangeView(c, ch))
}

func (s *Server) newChangeView(c *fiber.Ctx, ch *accounts.Change) changeView {
	i := s.langs.pick(c)
	lang := s.langs.name(i)
	v := changeView{ID: ch.ID, Kind: ch.Kind, EffectiveDate: ch.EffectiveDate, Status: ch.Status,
		Services: make([]changeServiceView, len(ch.Services)), Values: ch.Values, Channel: ch.Channel,
		CreatedAt: ch.CreatedAt, UpdatedAt: ch.UpdatedAt}
	for j, sv := range ch.Services {
		id, data := sv.Message(lang)
		v.Services[j] = changeServiceView{Connector: sv.Connector, Status: sv.Status, Name: sv.Names.In(lang),
			Message: s.langs.localize(i, id, data, nil), Reference: sv.Reference, UpdatedAt: sv.UpdatedAt}
	}
	return v
}

// changeChannel is where a change was made, from the token's channel; an
// API client counts as the web.
func changeChannel(ch auth.Channel) string {
	if slices.Contains(accounts.ChangeChannels, string(ch)) {
		return string(ch)
	}
	return "web"
}

// pageCursor is ?cursor=, the previous page's next.
func pageCursor(c *fiber.Ctx) (string, error) {
	cursor := strings.Clone(c.Query("cursor"))
	if len(cursor) > maxCursor {
		return "", &problem{kind: kindBadCursor}
	}
	return cursor, nil
}
