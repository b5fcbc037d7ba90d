package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds the store ping behind /readyz: a store slower than
// this is not ready, as far as a load balancer is concerned.
const readyTimeout = 2 * time.Second

var (
	bodyAlive = []byte(`{"status":"ok"}`)
	bodyReady = []byte(`{"status":"ready"}`)
)

// healthz says the process is alive; it touches nothing else.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	return c.Send(bodyAlive)
}

// readyz says the store answers, so the instance can take traffic.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return &problem{kind: kindUnavailable, cause: err}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(bodyReady)
}
