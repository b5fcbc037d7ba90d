package api

import (
	"github.com/gofiber/fiber/v2"
)

// Development-only routes. They exist only when Deps.DevMessages is set,
// which cmd does outside production and New refuses in production: they
// show live sign-in codes to anyone who asks.

// devOnly answers 404, as for any unknown address, without a dev outbox.
func (s *Server) devOnly(c *fiber.Ctx) error {
	if s.devMessages == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

// devMessageList lists the messages the notifier would have sent, newest
// first, to ?to= (typed as a person would) or to everyone.
func (s *Server) devMessageList(c *fiber.Ctx) error {
	return c.JSON(s.devMessages.Messages(c.Query("to")))
}
