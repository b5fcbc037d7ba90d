package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"frontdoor/api/notify"
	"frontdoor/api/outbox"
	"frontdoor/api/push"
	"frontdoor/api/store"
)

// NotifyKind is the outbox job that tells people about a public event of
// a case: the owner, followers and the contact given when reporting (as
// notifications, on the channels each one chose), and devices following the
// case without an account (as push messages).
const NotifyKind = "cases.notify"

// Teller takes notifications (notify.Service).
type Teller interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// CasePusher reaches devices that follow one case without an account
// (push.Service).
type CasePusher interface {
	SendToCase(ctx context.Context, caseID string, m push.Message) (int, error)
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
// never holds more than the timeline does, and queues one notification per
// person in one transaction (each keyed, so a rerun queues nothing twice).
func (s *Service) deliver(ctx context.Context, job outbox.Job) error {
	var nj noticeJob
	if err := json.Unmarshal(job.Payload, &nj); err != nil {
		return outbox.Permanent(err)
	}
	if s.opts.Tell == nil && s.opts.Push == nil {
		return nil
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.cases.Get(ctx, nj.CaseID)
		if errors.Is(err, ErrNotFound) {
			return nil // erased since
		}
		if err != nil || nj.Event < 0 || nj.Event >= len(c.Events) || !c.Events[nj.Event].told() {
			return err
		}
		ev, err := s.notice(ctx, c, nj.Event)
		if err != nil {
			return err
		}
		if err := s.tellPeople(ctx, c, nj.Event, ev); err != nil {
			return err
		}
		return s.pushToCase(ctx, c, ev)
	})
}

// notice is the notification of a case's n-th event, before it has a
// recipient: kind, texts and data.
func (s *Service) notice(ctx context.Context, c *Case, n int) (notify.Event, error) {
	e := c.Events[n]
	data := map[string]any{"Reference": c.Reference, "Service": s.serviceName(ctx, c, e.ItemID)}
	ev := notify.Event{Data: data}
	var deadline time.Time
	if e.Kind == EventStatus && e.Status == StatusResolved {
		var err error
		if deadline, err = s.complaintDeadline(ctx, e.ItemID); err != nil {
			return ev, err
		}
	}
	switch {
	case e.Kind == EventCreated:
		ev.Kind = notify.KindCaseReceived
	case e.Kind == EventFeedbackRequested:
		ev.Kind = notify.KindCaseResolved
	case !deadline.IsZero():
		ev.Kind, data["Deadline"] = notify.KindComplaintResponse, deadline
	case e.Kind == EventStatus && e.Text == "":
		ev.Kind, ev.Texts = notify.KindCaseStatus, map[string]string{"Status": "CaseStatus_" + string(e.Status)}
	default: // staff's words, a merge, an escalation: said in the case's language
		ev.Kind, data["Update"] = notify.KindCaseUpdate, EventText(e, func(id string, d map[string]any) string {
			return s.localize(c.Language, id, d)
		})
	}
	return ev, nil
}

// tellPeople queues ev for the owner, each follower and the contact.
func (s *Service) tellPeople(ctx context.Context, c *Case, n int, ev notify.Event) error {
	if s.opts.Tell == nil {
		return nil
	}
	var to []notify.Recipient
	owner := c.Owner
	if c.AnonymousOwner {
		owner = "" // a kiosk session, long ended: the contact stands for them
	}
	for _, r := range append([]string{owner}, s.followers(ctx, c)...) {
		if r != "" {
			to = append(to, notify.Recipient{Resident: r, Language: c.Language})
		}
	}
	if ct := c.Contact; owner == "" && ct != nil && (ct.Email != "" || ct.Phone != "") {
		to = append(to, notify.Recipient{Email: ct.Email, Phone: ct.Phone, Language: c.Language})
	}
	for i, r := range to {
		ev.To, ev.Key, ev.URL = r, fmt.Sprintf("case:%s:%d:%d", c.ID, n, i), s.caseURL(c, r.Resident != "")
		if err := s.opts.Tell.Notify(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// pushToCase sends ev to devices following the case without an account,
// in the case's language.
func (s *Service) pushToCase(ctx context.Context, c *Case, ev notify.Event) error {
	if s.opts.Push == nil {
		return nil
	}
	data := map[string]any{}
	for k, v := range ev.Data {
		data[k] = v
	}
	for k, id := range ev.Texts {
		data[k] = s.localize(c.Language, id, nil)
	}
	if d, ok := data["Deadline"].(time.Time); ok {
		data["Deadline"] = s.cal.Day(d)
	}
	msg := push.Message{Kind: push.KindCase, Tag: "case-" + c.Reference, URL: "/track?ref=" + url.QueryEscape(c.Reference),
		Title: s.localize(c.Language, "Notify_"+ev.Kind+"_title", data), Body: s.localize(c.Language, "Notify_"+ev.Kind+"_push", data)}
	_, err := s.opts.Push.SendToCase(ctx, c.ID, msg)
	return err
}

// followers are the residents following the case.
func (s *Service) followers(ctx context.Context, c *Case) []string {
	page, err := s.follows.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fCaseID, c.ID)}, Sort: fCreatedAt, Limit: store.MaxLimit})
	if err != nil {
		return nil
	}
	out := make([]string, len(page.Items))
	for i, f := range page.Items {
		out[i] = f.Resident
	}
	return out
}

// caseURL is where a case is seen: the owner's (or a follower's) case
// page, or tracking by reference for someone without an account.
func (s *Service) caseURL(c *Case, signedIn bool) string {
	if signedIn {
		return s.opts.BaseURL + "/cases/" + url.PathEscape(c.Reference)
	}
	return s.opts.BaseURL + "/track?ref=" + url.QueryEscape(c.Reference)
}

// serviceName is the name of the event's item's service (the first item's
// for a case-wide event) in the case's language.
func (s *Service) serviceName(ctx context.Context, c *Case, itemID string) string {
	code := c.Lines[0].Service
	for _, l := range c.Lines {
		if l.ItemID == itemID {
			code = l.Service
		}
	}
	svc, err := s.cat.Service(ctx, code)
	if err != nil {
		return code
	}
	return svc.Name.In(c.Language)
}

// complaintDeadline is the last moment to escalate a complaint item that
// has its stage-1 answer, or zero for any other item.
func (s *Service) complaintDeadline(ctx context.Context, itemID string) (time.Time, error) {
	it, err := s.items.Get(ctx, itemID)
	if err != nil || it.Complaint == nil || it.Complaint.Stage != 1 {
		return time.Time{}, err
	}
	svc, err := s.cat.Service(ctx, it.Service)
	if err != nil {
		return time.Time{}, err
	}
	deadline, _ := s.EscalationDeadline(it, svc.Complaint)
	return deadline, nil
}

func (s *Service) localize(lang, id string, data map[string]any) string {
	if s.opts.Localize == nil {
		return id
	}
	return s.opts.Localize(lang, id, data)
}

// EventText is a public event in words: staff's own for an update, the
// resident's for information they added, else the event's sentence (locales
// CaseEvent_<kind>) followed by any words staff added. localize renders a
// message id in the reader's language.
func EventText(e Event, localize func(id string, data map[string]any) string) string {
	if e.Kind == EventUpdate || e.Kind == EventInformation {
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
