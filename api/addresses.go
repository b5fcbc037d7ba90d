package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/catalogue"
)

// Finding an address by postcode (the GOV.UK "find an address" pattern):
// GET /api/v1/addresses?postcode=PL1%202AA, for anyone, from the council's
// gazetteer (Deps.Gazetteer). A postcode it has no addresses for is an
// empty list; without a gazetteer the route is 404.

// gazetteerOn answers 404 for the address lookup of a server built without
// a gazetteer, as for any unknown address.
func (s *Server) gazetteerOn(c *fiber.Ctx) error {
	if s.gazetteer == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

type addressList struct {
	Postcode string            `json:"postcode"`
	Items    []catalogue.Place `json:"items"`
}

func (s *Server) findAddresses(c *fiber.Ctx) error {
	postcode, places, err := catalogue.LookupAddresses(c.UserContext(), s.gazetteer, strings.Clone(c.Query("postcode")))
	if err != nil {
		return err
	}
	return c.JSON(addressList{Postcode: postcode, Items: places})
}
