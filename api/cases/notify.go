package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// NotifyKind is the outbox job that tells a resident about their case.
const NotifyKind = "cases.notify"

// Notice is one public event of a case, for the people who should hear of
// it: the owner (an account), the contact given when reporting, and the
// residents following the case. Text is staff's words or a reference; the
// notifier wraps it in the reader's language.
type Notice struct {
	Reference string
	Kind      string // Event* of the timeline
	Status    Status
	Text      string
	Language  string
	Owner     string
	Contact   *Contact
	Followers []string
}

// noticeJob is the outbox payload: which event of which case.
type noticeJob struct {
	CaseID string `json:"case_id"`
	Event  int    `json:"event"`
}

// tell queues a notice of the case's i-th event, in the caller's transaction.
func (s *Service) tell(ctx context.Context, c *Case, i int) error {
	return s.ob.Enqueue(ctx, NotifyKind, fmt.Sprintf("case:%s:event:%d", c.ID, i), noticeJob{CaseID: c.ID, Event: i})
}

// deliver runs a notice job: it reads the case as it is now, so a message
// never holds more than the timeline does.
func (s *Service) deliver(ctx context.Context, job outbox.Job) error {
	var nj noticeJob
	if err := json.Unmarshal(job.Payload, &nj); err != nil {
		return outbox.Permanent(err)
	}
	c, err := s.cases.Get(ctx, nj.CaseID)
	if errors.Is(err, ErrNotFound) {
		return nil // erased since
	}
	if err != nil {
		return err
	}
	if nj.Event < 0 || nj.Event >= len(c.Events) || s.opts.Notify == nil {
		return nil
	}
	ev := c.Events[nj.Event]
	n := Notice{Reference: c.Reference, Kind: ev.Kind, Status: ev.Status, Text: ev.Text, Language: c.Language,
		Owner: c.Owner, Contact: c.Contact}
	page, err := s.follows.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fCaseID, c.ID)}, Sort: fCreatedAt, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	for _, f := range page.Items {
		n.Followers = append(n.Followers, f.Resident)
	}
	return s.opts.Notify(ctx, n)
}

// EventText is a public event in words: staff's own for an update, else the
// event's sentence (locales CaseEvent_<kind>) followed by any words staff
// added. localize renders a message id in the reader's language.
func EventText(e Event, localize func(id string, data map[string]any) string) string {
	if e.Kind == EventUpdate {
		return e.Text
	}
	data := map[string]any{"Reference": e.Text}
	if e.Status != "" {
		data["Status"] = localize("CaseStatus_"+string(e.Status), nil)
	}
	msg := localize("CaseEvent_"+e.Kind, data)
	if e.Kind == EventStatus && e.Text != "" {
		msg += " " + e.Text
	}
	return msg
}
