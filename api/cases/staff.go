package cases

import (
	"context"
	"errors"
	"slices"
	"time"

	"frontdoor/api/store"
)

// QueueEntry is one open item in a team's queue.
type QueueEntry struct {
	Reference string    `json:"reference"`
	ItemID    string    `json:"item_id"`
	Service   string    `json:"service"`
	Status    Status    `json:"status"`
	DueAt     time.Time `json:"due_at"`
	Paused    bool      `json:"paused"`
	Breached  bool      `json:"breached"`
	Assignee  string    `json:"assignee,omitempty"`
	Channel   string    `json:"channel"`
	CreatedAt time.Time `json:"created_at"`
}

// Queue is a page of a team's open items, the soonest due first.
func (s *Service) Queue(ctx context.Context, st Staff, team, cursor string, limit int) ([]QueueEntry, string, error) {
	if !st.may(team) {
		return nil, "", ErrTeamForbidden
	}
	page, err := s.items.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fTeam, team), store.Eq(fOpen, true)},
		Sort: fDueAt, Limit: limit, After: cursor})
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	out := make([]QueueEntry, len(page.Items))
	for i := range page.Items {
		it := &page.Items[i]
		out[i] = QueueEntry{Reference: it.Reference, ItemID: it.ID, Service: it.Service, Status: it.Status,
			DueAt: it.DueAt, Paused: it.PausedAt != nil, Breached: it.Overdue(now), Assignee: it.Assignee,
			Channel: it.Channel, CreatedAt: it.CreatedAt}
	}
	return out, page.Next, nil
}

// Overdue says whether the item has missed its standard: recorded, or due
// and passed while its clock runs.
func (it *Item) Overdue(now time.Time) bool {
	return it.Breached || (it.Open && it.PausedAt == nil && now.After(it.DueAt))
}

// access is one staff look at a case with personal data in it.
type access struct {
	store.Meta
	CaseID  string    `json:"case_id"`
	StaffID string    `json:"staff_id"`
	At      time.Time `json:"at"`
}

// StaffCase is the whole case for staff of one of its teams: contact,
// answers and internal notes. The look is recorded in the same transaction.
func (s *Service) StaffCase(ctx context.Context, st Staff, ref string) (*Case, []*Item, error) {
	var c *Case
	var items []*Item
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if c, items, err = s.staffCase(ctx, st, ref); err != nil {
			return err
		}
		return s.accesses.Insert(ctx, &access{CaseID: c.ID, StaffID: st.ID, At: s.now()})
	})
	return c, items, err
}

// staffCase finds a case one of whose items belongs to the member of
// staff's teams; otherwise it is forbidden.
func (s *Service) staffCase(ctx context.Context, st Staff, ref string) (*Case, []*Item, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	items, err := s.caseItems(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(items, func(it *Item) bool { return st.may(it.Team) }) {
		return nil, nil, ErrTeamForbidden
	}
	return c, items, nil
}

// AddUpdate writes on a case's timeline: a public update the resident is
// told about, or an internal note they never see.
func (s *Service) AddUpdate(ctx context.Context, st Staff, ref, text string, public bool) (*Case, error) {
	var ck checker
	text = checkText(&ck, "/text", text, true)
	if err := ck.Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		c, _, err := s.staffCase(ctx, st, ref)
		if err != nil {
			return err
		}
		before := len(c.Events)
		kind := EventNote
		if public {
			kind = EventUpdate
		}
		s.addEvent(c, Event{Kind: kind, Public: public, Text: text, By: st.ID})
		out = c
		return s.saveCase(ctx, c, nil, before)
	})
	return out, err
}

// Assign gives an item to a member of staff who may work it (one of its
// team, or a supervisor); nil takes it back into the team's pool.
func (s *Service) Assign(ctx context.Context, st Staff, ref, itemID string, assignee *Staff) (*Case, error) {
	return s.changeItem(ctx, st, ref, itemID, func(_ context.Context, c *Case, it *Item) error {
		if done(it.Status) {
			return ErrFinished
		}
		it.Assignee = ""
		if assignee != nil {
			if !assignee.may(it.Team) {
				return &ValidationError{Fields: []FieldError{{Pointer: "/assignee", ID: MsgNotAllowed}}}
			}
			it.Assignee = assignee.ID
		}
		s.addEvent(c, Event{Kind: EventAssigned, ItemID: it.ID, Text: it.Assignee, By: st.ID})
		return nil
	})
}

// Reassign hands an item to another team, with an internal note why. The
// item then no longer counts as resolved at first contact.
func (s *Service) Reassign(ctx context.Context, st Staff, ref, itemID, team, note string) (*Case, error) {
	var ck checker
	note = checkText(&ck, "/note", note, false)
	if err := ck.Err(); err != nil {
		return nil, err
	}
	if _, err := s.cat.Team(ctx, team); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, &ValidationError{Fields: []FieldError{{Pointer: "/team", ID: MsgTeamUnknown}}}
		}
		return nil, err
	}
	return s.changeItem(ctx, st, ref, itemID, func(_ context.Context, c *Case, it *Item) error {
		if done(it.Status) {
			return ErrFinished
		}
		if it.Team == team {
			return nil
		}
		it.Team, it.Assignee, it.Reassigned = team, "", true
		s.addEvent(c, Event{Kind: EventReassigned, ItemID: it.ID, Text: note, By: st.ID})
		return nil
	})
}
