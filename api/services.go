package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/catalogue"
)

// The service catalogue: GET /api/v1/services and /{code} for everyone, in
// the request's language; admins PUT /api/v1/admin/services/{code} and POST
// /api/v1/admin/teams. Admin bodies carry every language ({"en": ..., "cy":
// ...}); public answers carry one.

// catalogueOn answers 404 for the catalogue and case routes of a server
// built without them, as for any unknown address.
func (s *Server) catalogueOn(c *fiber.Ctx) error {
	if s.catalogue == nil || s.cases == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

type serviceList struct {
	Items []catalogue.ServiceView `json:"items"`
}

func (s *Server) listServices(c *fiber.Ctx) error {
	svcs, err := s.catalogue.Services(c.UserContext(), false)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	out := serviceList{Items: make([]catalogue.ServiceView, len(svcs))}
	for i, svc := range svcs {
		out.Items[i] = svc.View(lang)
	}
	return c.JSON(out)
}

func (s *Server) getService(c *fiber.Ctx) error {
	svc, err := s.catalogue.Service(c.UserContext(), strings.Clone(c.Params("code")))
	if err != nil {
		return err
	}
	if svc.Retired {
		return &problem{kind: kindNotFound}
	}
	return c.JSON(svc.View(s.lang(c)))
}

// putService creates or replaces a service definition (201 or 200) and
// answers with the whole stored definition, every language included. The
// form version is the server's: it goes up when the questions change.
func (s *Server) putService(c *fiber.Ctx) error {
	var in catalogue.Service
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.Code = strings.Clone(c.Params("code"))
	svc, created, err := s.catalogue.PutService(c.UserContext(), in)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(svc)
}

type teamList struct {
	Items []*catalogue.Team `json:"items"`
}

func (s *Server) listTeams(c *fiber.Ctx) error {
	teams, err := s.catalogue.Teams(c.UserContext())
	if err != nil {
		return err
	}
	if teams == nil {
		teams = []*catalogue.Team{}
	}
	return c.JSON(teamList{Items: teams})
}

func (s *Server) createTeam(c *fiber.Ctx) error {
	var in catalogue.Team
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.catalogue.CreateTeam(c.UserContext(), catalogue.Team{Key: in.Key, Name: in.Name, Email: in.Email})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}
