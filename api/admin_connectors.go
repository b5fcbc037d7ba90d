package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
)

// Connectors (admins): /api/v1/admin/connectors and /{key}. A connector is
// how Frontdoor tells a linked service about changes: a signed webhook.

// connectorRequest is a new connector. The signing secret is made by the
// domain and shown once, in the answer.
type connectorRequest struct {
	Key              string         `json:"key"`
	Names            accounts.Names `json:"names"`
	URL              string         `json:"url"`
	Fields           []string       `json:"fields"`
	ReferencePattern string         `json:"reference_pattern"`
	ReferenceMaxLen  int            `json:"reference_max_len"`
}

// createdConnector is the one answer that carries the signing secret.
type createdConnector struct {
	*accounts.Connector
	Secret string `json:"secret"`
}

type connectorList struct {
	Items []accounts.Connector `json:"items"`
}

// createConnector is mounted behind s.idempotent: a client that lost the
// answer retries with the same key and gets the secret again, where a plain
// retry would find the key taken and the secret gone for good.
func (s *Server) createConnector(c *fiber.Ctx) error {
	var req connectorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	conn, secret, err := s.accounts.CreateConnector(c.UserContext(), accounts.Connector{
		Key: req.Key, Names: req.Names, URL: req.URL, Fields: req.Fields,
		ReferencePattern: req.ReferencePattern, ReferenceMaxLen: req.ReferenceMaxLen,
	})
	if err != nil {
		return err
	}
	c.Location("/api/v1/admin/connectors/" + conn.Key)
	return c.Status(fiber.StatusCreated).JSON(createdConnector{Connector: conn, Secret: secret})
}

// listConnectors lists every connector, disabled ones included; never a secret.
func (s *Server) listConnectors(c *fiber.Ctx) error {
	conns, err := s.accounts.ListConnectors(c.UserContext())
	if err != nil {
		return err
	}
	if conns == nil {
		conns = []accounts.Connector{}
	}
	return c.JSON(connectorList{Items: conns})
}

func (s *Server) updateConnector(c *fiber.Ctx) error {
	var patch accounts.ConnectorPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	conn, err := s.accounts.UpdateConnector(c.UserContext(), strings.Clone(c.Params("key")), patch)
	if err != nil {
		return err
	}
	return c.JSON(conn)
}

// disableConnector switches a connector off rather than removing it: changes
// already made still name it, and PATCH {"disabled": false} brings it back.
func (s *Server) disableConnector(c *fiber.Ctx) error {
	conn, err := s.accounts.DisableConnector(c.UserContext(), strings.Clone(c.Params("key")))
	if err != nil {
		return err
	}
	return c.JSON(conn)
}
