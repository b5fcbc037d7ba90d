package api

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
)

// Linked services: GET/POST /api/v1/me/links, DELETE /api/v1/me/links/{id}.

// linkView is a linked service as its resident sees it, the service named
// in the request's language.
type linkView struct {
	ID        string           `json:"id"`
	Connector string           `json:"connector"`
	Name      string           `json:"name"`
	Reference string           `json:"reference"`
	Consent   accounts.Consent `json:"consent"`
	CreatedAt time.Time        `json:"created_at"`
}

// linkableView is a service the resident could link.
type linkableView struct {
	Connector string   `json:"connector"`
	Name      string   `json:"name"`
	Fields    []string `json:"fields"` // the kinds of change it is told about
}

// linksView lists the caller's links and the services they have not
// linked yet, so that a client can offer them.
type linksView struct {
	Items     []linkView     `json:"items"`
	Available []linkableView `json:"available"`
}

func (s *Server) listLinks(c *fiber.Ctx) error {
	ctx := c.UserContext()
	links, err := s.accounts.ListLinks(ctx, residentID(c))
	if err != nil {
		return err
	}
	conns, err := s.accounts.ListConnectors(ctx)
	if err != nil {
		return err
	}
	lang, names, linked := s.lang(c), namesIn(conns), map[string]bool{}
	view := linksView{Items: make([]linkView, len(links)), Available: []linkableView{}}
	for i, l := range links {
		view.Items[i] = newLinkView(l, names, lang)
		linked[l.Connector] = true
	}
	for _, k := range conns {
		if !k.Disabled && !linked[k.Key] {
			view.Available = append(view.Available, linkableView{Connector: k.Key, Name: k.Names.In(lang), Fields: k.Fields})
		}
	}
	return c.JSON(view)
}

// linkService links a service with the resident's reference there and their
// consent (the version of the consent text they were shown).
func (s *Server) linkService(c *fiber.Ctx) error {
	var req accounts.LinkRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	l, err := s.accounts.LinkService(ctx, residentID(c), req)
	if err != nil {
		return err
	}
	names, err := s.connectorNames(ctx)
	if err != nil {
		return err
	}
	c.Location("/api/v1/me/links/" + l.ID)
	return c.Status(fiber.StatusCreated).JSON(newLinkView(*l, names, s.lang(c)))
}

// unlinkService removes one of the caller's links; anyone else's is a 404.
func (s *Server) unlinkService(c *fiber.Ctx) error {
	if err := s.accounts.UnlinkService(c.UserContext(), residentID(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func newLinkView(l accounts.Link, names func(key string) accounts.Names, lang string) linkView {
	return linkView{ID: l.ID, Connector: l.Connector, Name: names(l.Connector).In(lang),
		Reference: l.Reference, Consent: l.Consent, CreatedAt: l.CreatedAt}
}

// connectorNames looks connectors' names up by key.
func (s *Server) connectorNames(ctx context.Context) (func(key string) accounts.Names, error) {
	conns, err := s.accounts.ListConnectors(ctx)
	if err != nil {
		return nil, err
	}
	return namesIn(conns), nil
}

// namesIn looks names up in conns; a connector since removed is named by
// its key.
func namesIn(conns []accounts.Connector) func(key string) accounts.Names {
	byKey := make(map[string]accounts.Names, len(conns))
	for _, k := range conns {
		byKey[k.Key] = k.Names
	}
	return func(key string) accounts.Names {
		if n, ok := byKey[key]; ok {
			return n
		}
		return accounts.Names{EN: key}
	}
}
