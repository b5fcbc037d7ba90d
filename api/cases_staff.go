package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
)

// Staff work on cases: team queues by due time, the whole case (looks are
// recorded), transitions, public updates and internal notes, assignment,
// reassignment to another team, merging duplicates, photos, and the
// insight summary for supervisors. Staff act on their own teams' items;
// supervisors and admins on every team's.

// staffOf is the member of staff making the request, with their teams as
// the account holds them now (a team change applies at once, not at the
// next sign-in).
func (s *Server) staffOf(c *fiber.Ctx) (cases.Staff, error) {
	cl := claimsOf(c)
	st := cases.Staff{ID: cl.ID, AllTeams: cl.Has(auth.RoleSupervisor) || cl.Has(auth.RoleAdmin)}
	if st.AllTeams || s.auth == nil {
		return st, nil
	}
	u, err := s.auth.GetUser(c.UserContext(), cl.ID)
	if err != nil {
		return st, err
	}
	st.Teams = u.Teams
	return st, nil
}

// assigneeOf is the enabled member of staff an item is to be given to.
func (s *Server) assigneeOf(c *fiber.Ctx, id string) (*cases.Staff, error) {
	if s.auth == nil {
		return &cases.Staff{ID: id}, nil
	}
	u, err := s.auth.GetUser(c.UserContext(), id)
	if err != nil || u.Disabled || !u.Staff {
		return nil, fieldProblem("/assignee", cases.MsgNotAllowed)
	}
	all := slices.Contains(u.Roles, auth.RoleSupervisor) || slices.Contains(u.Roles, auth.RoleAdmin)
	return &cases.Staff{ID: u.ID, Teams: u.Teams, AllTeams: all}, nil
}

type queuePage struct {
	Items []cases.QueueEntry `json:"items"`
	Next  string             `json:"next,omitempty"`
}

func (s *Server) teamQueue(c *fiber.Ctx) error {
	st, err := s.staffOf(c)
	if err != nil {
		return err
	}
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	list, next, err := s.cases.Queue(c.UserContext(), st, strings.Clone(c.Params("team")), cursor, 0)
	if err != nil {
		return err
	}
	return c.JSON(queuePage{Items: list, Next: next})
}

// staffCaseView is the whole case: who, how to reach them, every answer
// and every event, internal notes included.
type staffCaseView struct {
	caseView
	Owner   string         `json:"owner,omitempty"`
	Contact *cases.Contact `json:"contact,omitempty"`
	Actor   string         `json:"actor,omitempty"`
	Client  string         `json:"client,omitempty"`
	Events  []cases.Event  `json:"events"`
	Items   []staffItem    `json:"items"`
}

type staffItem struct {
	itemView
	Assignee string `json:"assignee,omitempty"`
}

func (s *Server) staffCase(c *fiber.Ctx) error {
	st, err := s.staffOf(c)
	if err != nil {
		return err
	}
	cs, items, err := s.cases.StaffCase(c.UserContext(), st, strings.Clone(c.Params("ref")))
	if err != nil {
		return err
	}
	return c.JSON(s.staffView(c, cs, items))
}

func (s *Server) staffView(c *fiber.Ctx, cs *cases.Case, items []*cases.Item) staffCaseView {
	v := staffCaseView{caseView: s.caseView(c, cs, items, true), Owner: cs.Owner, Contact: cs.Contact,
		Actor: cs.Actor, Client: cs.Client, Events: cs.Events}
	for i, iv := range v.caseView.Items {
		v.Items = append(v.Items, staffItem{itemView: iv, Assignee: items[i].Assignee})
	}
	return v
}

// staffAct runs one staff change and answers with the case as it left it
// (the whole of it: whoever acted on the case has seen it, even when the
// act handed its last item of theirs to another team).
func (s *Server) staffAct(c *fiber.Ctx, body any, act func(st cases.Staff, ref string) (*cases.Case, error)) error {
	if err := decodeJSON(c, body); err != nil {
		return err
	}
	st, err := s.staffOf(c)
	if err != nil {
		return err
	}
	cs, err := act(st, strings.Clone(c.Params("ref")))
	if err != nil {
		return err
	}
	items, err := s.cases.Items(c.UserContext(), cs)
	if err != nil {
		return err
	}
	return c.JSON(s.staffView(c, cs, items))
}

func (s *Server) transitionItem(c *fiber.Ctx) error {
	var mv cases.Move
	return s.staffAct(c, &mv, func(st cases.Staff, ref string) (*cases.Case, error) {
		return s.cases.Transition(c.UserContext(), st, ref, strings.Clone(c.Params("id")), mv)
	})
}

type updateRequest struct {
	Text   string `json:"text"`
	Public *bool  `json:"public"`
}

func (s *Server) addCaseUpdate(c *fiber.Ctx) error {
	var req updateRequest
	return s.staffAct(c, &req, func(st cases.Staff, ref string) (*cases.Case, error) {
		if req.Public == nil {
			return nil, fieldProblem("/public", cases.MsgRequired)
		}
		return s.cases.AddUpdate(c.UserContext(), st, ref, req.Text, *req.Public)
	})
}

type assignRequest struct {
	Assignee string `json:"assignee"` // "" puts the item back in the team's pool
}

// assignItem gives an item to a member of staff of the item's team (or a
// supervisor); the assignee must be an enabled staff account.
func (s *Server) assignItem(c *fiber.Ctx) error {
	var req assignRequest
	return s.staffAct(c, &req, func(st cases.Staff, ref string) (*cases.Case, error) {
		var to *cases.Staff
		if req.Assignee != "" {
			var err error
			if to, err = s.assigneeOf(c, req.Assignee); err != nil {
				return nil, err
			}
		}
		return s.cases.Assign(c.UserContext(), st, ref, strings.Clone(c.Params("id")), to)
	})
}

type reassignRequest struct {
	Team string `json:"team"`
	Note string `json:"note"`
}

func (s *Server) reassignItem(c *fiber.Ctx) error {
	var req reassignRequest
	return s.staffAct(c, &req, func(st cases.Staff, ref string) (*cases.Case, error) {
		return s.cases.Reassign(c.UserContext(), st, ref, strings.Clone(c.Params("id")), req.Team, req.Note)
	})
}

type mergeRequest struct {
	Into string `json:"into"` // the reference of the case this one duplicates
}

func (s *Server) mergeCase(c *fiber.Ctx) error {
	var req mergeRequest
	return s.staffAct(c, &req, func(st cases.Staff, ref string) (*cases.Case, error) {
		return s.cases.Merge(c.UserContext(), st, ref, req.Into)
	})
}

func (s *Server) staffPhoto(c *fiber.Ctx) error {
	st, err := s.staffOf(c)
	if err != nil {
		return err
	}
	rc, info, err := s.cases.StaffPhoto(c.UserContext(), st, strings.Clone(c.Params("ref")), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return sendPhoto(c, rc, info.Size)
}

// insightSummary is GET /api/v1/insight/summary?from=YYYY-MM-DD&to=YYYY-MM-DD
// (London dates, inclusive) for supervisors and admins.
func (s *Server) insightSummary(c *fiber.Ctx) error {
	sum, err := s.cases.Insight(c.UserContext(), strings.Clone(c.Query("from")), strings.Clone(c.Query("to")))
	if err != nil {
		return err
	}
	return c.JSON(sum)
}
