package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
)

// Staff work on customer records (staff, supervisors, admins): deliveries
// that need a person, and audited reads of a resident's record.

type propagationPage struct {
	Items []accounts.PropagationProblem `json:"items"`
	Next  string                        `json:"next,omitempty"`
}

type retryView struct {
	ChangeID  string `json:"change_id"`
	Connector string `json:"connector"`
	Status    string `json:"status"`
}

// listPropagationProblems lists deliveries that failed or died, the most
// recently failed change first.
func (s *Server) listPropagationProblems(c *fiber.Ctx) error {
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	page, err := s.accounts.ListPropagationProblems(c.UserContext(), cursor)
	if err != nil {
		return err
	}
	return c.JSON(propagationPage{Items: page.Items, Next: page.Next})
}

// retryPropagation sends a failed delivery again, under its first
// Idempotency-Key, so a receiver that did apply it will not apply it twice.
func (s *Server) retryPropagation(c *fiber.Ctx) error {
	change, connector := strings.Clone(c.Params("change")), strings.Clone(c.Params("connector"))
	if err := s.accounts.RetryPropagation(c.UserContext(), change, connector); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(retryView{ChangeID: change, Connector: connector, Status: accounts.StatusPending})
}

// readResidentAsStaff is a staff read of a customer record. It needs a
// reason (?reason=), and the read and its audit entry (who, when, why),
// which the resident sees in their export, commit together.
func (s *Server) readResidentAsStaff(c *fiber.Ctx) error {
	id, reason := strings.Clone(c.Params("id")), strings.Clone(c.Query("reason"))
	cust, err := s.accounts.GetCustomerAsStaff(c.UserContext(), claimsOf(c).ID, id, reason)
	if err != nil {
		return err
	}
	return c.JSON(cust)
}
