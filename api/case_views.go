package api

import (
	"context"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/cases"
)

// How cases look over HTTP: the owner's view (with answers and the public
// timeline), the tracking view (no answers, nothing personal), and staff's
// (everything, internal notes included).

type caseView struct {
	Reference         string        `json:"reference"`
	Status            cases.Status  `json:"status"`
	Channel           string        `json:"channel"`
	Location          string        `json:"location,omitempty"` // the kiosk location it was made at
	Items             []itemView    `json:"items"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
	ClosedAt          *time.Time    `json:"closed_at,omitempty"`
	MergedInto        string        `json:"merged_into,omitempty"`
	FeedbackRequested bool          `json:"feedback_requested"`
	Feedback          *feedbackView `json:"feedback,omitempty"`
	Updates           []updateView  `json:"updates,omitempty"`
}

type itemView struct {
	ID          string           `json:"id"`
	Service     string           `json:"service"`
	ServiceName string           `json:"service_name"`
	Status      cases.Status     `json:"status"`
	Team        string           `json:"team,omitempty"`
	DueAt       time.Time        `json:"due_at"`
	Paused      bool             `json:"paused,omitempty"`
	Breached    bool             `json:"breached"`
	FormVersion int              `json:"form_version,omitempty"`
	Answers     map[string]any   `json:"answers,omitempty"`
	Complaint   *cases.Complaint `json:"complaint,omitempty"`
	// EscalateBy is the last moment a stage-1 complaint answer may go to stage 2.
	EscalateBy *time.Time `json:"escalate_by,omitempty"`
}

type updateView struct {
	At     time.Time    `json:"at"`
	Kind   string       `json:"kind"`
	Text   string       `json:"text"`
	Status cases.Status `json:"status,omitempty"`
}

type feedbackView struct {
	Rating  cases.Rating `json:"rating"`
	Comment string       `json:"comment,omitempty"`
	At      time.Time    `json:"at"`
}

// caseView is the owner's view. items may be nil (lists): then the case's
// lines stand in for them, without answers.
func (s *Server) caseView(c *fiber.Ctx, cs *cases.Case, items []*cases.Item, withUpdates bool) caseView {
	v := s.baseView(c, cs)
	v.Location = cs.Location // the owner's and staff's views, not tracking's
	ctx, now := c.UserContext(), time.Now()
	if items == nil {
		v.Items = s.lineViews(c, cs)
	}
	for _, it := range items {
		iv := itemView{ID: it.ID, Service: it.Service, ServiceName: s.serviceName(ctx, it.Service, s.lang(c)),
			Status: it.Status, Team: it.Team, DueAt: it.DueAt, Paused: it.PausedAt != nil, Breached: it.Overdue(now),
			FormVersion: it.FormVersion, Answers: it.Answers, Complaint: it.Complaint}
		if svc, err := s.catalogue.Service(ctx, it.Service); err == nil {
			if by, ok := s.cases.EscalationDeadline(it, svc.Complaint); ok {
				iv.EscalateBy = &by
			}
		}
		v.Items = append(v.Items, iv)
	}
	if withUpdates {
		v.Updates = s.updateViews(c, cs)
	}
	return v
}

// trackView is what tracking by reference shows: statuses, due dates and
// public updates; no answers, no team, nothing about the person.
func (s *Server) trackView(c *fiber.Ctx, cs *cases.Case) caseView {
	v := s.baseView(c, cs)
	v.Items = s.lineViews(c, cs)
	v.Updates = s.updateViews(c, cs)
	return v
}

func (s *Server) baseView(c *fiber.Ctx, cs *cases.Case) caseView {
	v := caseView{Reference: cs.Reference, Status: cs.Status, Channel: cs.Channel, CreatedAt: cs.CreatedAt,
		UpdatedAt: cs.UpdatedAt, ClosedAt: cs.ClosedAt, MergedInto: cs.MergedInto,
		FeedbackRequested: cs.Status == cases.StatusClosed && cs.Feedback == nil}
	if f := cs.Feedback; f != nil {
		v.Feedback = &feedbackView{Rating: f.Rating, Comment: f.Comment, At: f.At}
	}
	return v
}

func (s *Server) lineViews(c *fiber.Ctx, cs *cases.Case) []itemView {
	out, now := make([]itemView, len(cs.Lines)), time.Now()
	for i, l := range cs.Lines {
		out[i] = itemView{ID: l.ItemID, Service: l.Service, ServiceName: s.serviceName(c.UserContext(), l.Service, s.lang(c)),
			Status: l.Status, DueAt: l.DueAt, Paused: l.Paused, Breached: l.Overdue(now)}
	}
	return out
}

// updateViews is the public timeline in the reader's language: staff's own
// words where they wrote some, otherwise a sentence for the event.
func (s *Server) updateViews(c *fiber.Ctx, cs *cases.Case) []updateView {
	out := []updateView{}
	i := s.langs.pick(c)
	for _, e := range cs.Events {
		if !e.Public {
			continue
		}
		text := cases.EventText(e, func(id string, data map[string]any) string { return s.langs.localize(i, id, data, nil) })
		out = append(out, updateView{At: e.At, Kind: e.Kind, Text: text, Status: e.Status})
	}
	return out
}

// followerView is a case as someone following it sees it: without the
// reporter's own words (their rating, the information they added).
func followerView(v caseView) caseView {
	v.Feedback = nil
	v.Updates = slices.DeleteFunc(v.Updates, func(u updateView) bool { return u.Kind == cases.EventInformation })
	return v
}

// serviceName is a service's name in lang, or its code if it has gone.
func (s *Server) serviceName(ctx context.Context, code, lang string) string {
	svc, err := s.catalogue.Service(ctx, code)
	if err != nil {
		return code
	}
	return svc.Name.In(lang)
}

// sendPhoto streams a stored photo; it is personal, so never cached by others.
func sendPhoto(c *fiber.Ctx, rc io.ReadCloser, size int64) error {
	c.Set(fiber.HeaderContentType, "image/jpeg")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentLength, strconv.FormatInt(size, 10))
	return c.SendStream(rc, int(size))
}
