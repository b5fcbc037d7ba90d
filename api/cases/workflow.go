package cases

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Timeline event kinds.
const (
	EventCreated           = "created"            // the case was made
	EventStatus            = "status"             // an item moved on
	EventUpdate            = "update"             // staff told the resident something
	EventNote              = "note"               // staff wrote an internal note (never shown)
	EventAssigned          = "assigned"           // an item went to a member of staff (internal)
	EventReassigned        = "reassigned"         // an item went to another team
	EventMerged            = "merged"             // this case duplicated another and was merged into it
	EventMergedIn          = "merged_in"          // another case was merged into this one (internal)
	EventFeedbackRequested = "feedback_requested" // every item is done: how did it go?
	EventFeedback          = "feedback"           // the resident rated the service
	EventEscalated         = "escalated"          // a complaint went to stage 2
	EventInformation       = "information"        // the resident added to their case, in their own words
)

// transitions is the workflow: from each status, where an item may go.
// Closed and cancelled are final.
var transitions = map[Status][]Status{
	StatusSubmitted:        {StatusInProgress, StatusCancelled},
	StatusInProgress:       {StatusAwaitingCustomer, StatusResolved, StatusCancelled},
	StatusAwaitingCustomer: {StatusInProgress, StatusCancelled},
	StatusResolved:         {StatusClosed, StatusReopened},
	StatusReopened:         {StatusInProgress, StatusCancelled},
}

// Statuses lists every status, in workflow order.
var Statuses = []Status{StatusSubmitted, StatusInProgress, StatusAwaitingCustomer, StatusResolved, StatusClosed, StatusReopened, StatusCancelled}

// CanMove reports whether the workflow lets an item go from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// done says whether an item in this status needs no more work.
func done(st Status) bool {
	return st == StatusResolved || st == StatusClosed || st == StatusCancelled
}

// Staff is the member of staff acting, as the HTTP layer knows them.
// Supervisors and admins may act on every team's items.
type Staff struct {
	ID       string
	Teams    []string
	AllTeams bool
}

func (st Staff) may(team string) bool { return st.AllTeams || slices.Contains(st.Teams, team) }

// Move is a transition asked for by staff: the status to go to, an optional
// public update for the resident, and a complaint stage's outcome when it
// resolves a complaint.
type Move struct {
	To           Status  `json:"to"`
	PublicUpdate string  `json:"public_update"`
	Outcome      Outcome `json:"outcome"`
}

// Transition moves one item of a case along the workflow.
func (s *Service) Transition(ctx context.Context, st Staff, ref, itemID string, mv Move) (*Case, error) {
	var ck checker
	text := checkText(&ck, "/public_update", mv.PublicUpdate, false)
	if !slices.Contains(Statuses, mv.To) {
		ck.Add("/to", MsgNotAllowed)
	}
	if mv.Outcome != "" && !validOutcome(mv.Outcome) {
		ck.Add("/outcome", MsgNotAllowed)
	}
	if err := ck.Err(); err != nil {
		return nil, err
	}
	return s.changeItem(ctx, st, ref, itemID, func(ctx context.Context, c *Case, it *Item) error {
		if !CanMove(it.Status, mv.To) {
			return ErrTransition
		}
		if err := s.applyMove(ctx, c, it, mv); err != nil {
			return err
		}
		it.Status = mv.To
		s.addEvent(c, Event{Kind: EventStatus, Public: true, ItemID: it.ID, Status: mv.To, Text: text, By: st.ID})
		return nil
	})
}

// applyMove changes the item for its new status: the clock, the outcome
// and the counters.
func (s *Service) applyMove(ctx context.Context, c *Case, it *Item, mv Move) error {
	now := s.now()
	switch mv.To {
	case StatusAwaitingCustomer:
		// An item already overdue stays breached: its clock has no time left.
		it.Breached = it.Breached || now.After(it.DueAt)
		it.PausedAt = &now
		it.Remaining = s.cal.Remaining(now, it.DueAt, it.Unit)
		it.Waited = true
	case StatusInProgress:
		if it.PausedAt != nil {
			it.DueAt = s.cal.Resume(now, it.Remaining, it.Unit)
			it.PausedAt, it.Remaining = nil, 0
		}
	case StatusResolved:
		if it.Complaint != nil {
			if mv.Outcome == "" {
				return &ValidationError{Fields: []FieldError{{Pointer: "/outcome", ID: MsgOutcomeRequired}}}
			}
			it.Complaint.record(mv.Outcome, now)
		}
		it.ResolvedAt = &now
		it.Breached = it.Breached || now.After(it.DueAt)
		return s.countResolved(ctx, c, it, now)
	case StatusReopened:
		svc, err := s.cat.Service(ctx, it.Service)
		if err != nil {
			return err
		}
		it.Reopened, it.ResolvedAt, it.Breached = true, nil, false
		it.DueAt = s.cal.Due(now, svc.Standard.Target, svc.Standard.Unit)
	}
	return nil
}

// countResolved moves the insight counters for a resolved item.
func (s *Service) countResolved(ctx context.Context, c *Case, it *Item, now time.Time) error {
	return s.count(ctx, now, it.Service, it.Tier, resolvedKeys(c, it)...)
}

// resolvedKeys are the counters a resolved item moves: resolved on its
// case's channel, met or breached, first contact when nothing came between
// report and resolution, and a complaint stage's outcome.
func resolvedKeys(c *Case, it *Item) []string {
	keys := []string{"resolved." + c.Channel, "met"}
	if it.Breached {
		keys[1] = "breached"
	}
	if !it.Reassigned && !it.Waited && !it.Reopened && it.Complaint == nil {
		keys = append(keys, "first_contact")
	}
	if it.Complaint != nil {
		keys = append(keys, "complaint."+string(it.Complaint.lastOutcome()))
	}
	return keys
}

// changeItem is the frame of every staff change to one item: find the
// case and item, check the team, apply fn, keep the case's lines and status
// in step, save both, and tell the resident of any public event. fn gets
// the transaction's ctx: every store call it makes must use that one.
func (s *Service) changeItem(ctx context.Context, st Staff, ref, itemID string, fn func(context.Context, *Case, *Item) error) (*Case, error) {
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		c, err := s.caseByRef(ctx, ref)
		if err != nil {
			return err
		}
		it, err := s.itemOf(ctx, c, itemID)
		if err != nil {
			return err
		}
		if !st.may(it.Team) {
			return ErrTeamForbidden
		}
		before := len(c.Events)
		if err := fn(ctx, c, it); err != nil {
			return err
		}
		it.UpdatedAt = s.now()
		it.Open = !done(it.Status)
		if err := s.items.Replace(ctx, it); err != nil {
			return err
		}
		if err := s.saveCase(ctx, c, it, before); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// itemOf finds an item of the case; an item of another case is not found.
func (s *Service) itemOf(ctx context.Context, c *Case, itemID string) (*Item, error) {
	if !slices.ContainsFunc(c.Lines, func(l Line) bool { return l.ItemID == itemID }) {
		return nil, ErrNotFound
	}
	return s.items.Get(ctx, itemID)
}

// saveCase refreshes the case's line for the changed item and its summed-up
// status, asks for feedback when the last item finishes, saves the case and
// tells the resident about every public event added since before.
func (s *Service) saveCase(ctx context.Context, c *Case, changed *Item, before int) error {
	if changed != nil {
		for i := range c.Lines {
			if c.Lines[i].ItemID == changed.ID {
				c.Lines[i] = lineOf(changed)
			}
		}
	}
	wasOpen := c.Open
	c.Status = summarize(c.Lines)
	c.Open = !done(c.Status)
	now := s.now()
	if wasOpen && !c.Open {
		c.ClosedAt = &now
		if c.Status == StatusClosed && c.Feedback == nil {
			s.addEvent(c, Event{Kind: EventFeedbackRequested, Public: true})
		}
	} else if c.Open {
		c.ClosedAt = nil
	}
	if len(c.Events) > MaxEvents {
		return ErrTooManyEvents
	}
	c.UpdatedAt = now
	if err := s.cases.Replace(ctx, c); err != nil {
		return err
	}
	for i := before; i < len(c.Events); i++ {
		if c.Events[i].told() {
			if err := s.tell(ctx, c, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// summarize is a case's status from its items': closed once every item is
// done (cancelled if every one was cancelled), else the most telling of the
// open items' statuses.
func summarize(lines []Line) Status {
	open, cancelled, started := 0, 0, false
	waiting := false
	for _, l := range lines {
		switch {
		case l.Status == StatusCancelled:
			cancelled++
		case done(l.Status):
			started = true
		default:
			open++
			waiting = waiting || l.Status == StatusAwaitingCustomer
			started = started || l.Status != StatusSubmitted
		}
	}
	switch {
	case open == 0 && cancelled == len(lines):
		return StatusCancelled
	case open == 0:
		return StatusClosed
	case waiting:
		return StatusAwaitingCustomer
	case started:
		return StatusInProgress
	}
	return StatusSubmitted
}

func lineOf(it *Item) Line {
	return Line{ItemID: it.ID, Service: it.Service, Status: it.Status, DueAt: it.DueAt, Paused: it.PausedAt != nil, Breached: it.Breached}
}

// told says whether people are told of the event (notify.go): every public
// event but the resident's own words, which they need not be sent back and
// which nobody following the case should read.
func (e Event) told() bool { return e.Public && e.Kind != EventInformation }

// addEvent stamps and appends a timeline event.
func (s *Service) addEvent(c *Case, e Event) {
	e.At = s.now()
	c.Events = append(c.Events, e)
}

func validOutcome(o Outcome) bool {
	return o == OutcomeUpheld || o == OutcomePartlyUpheld || o == OutcomeNotUpheld
}

// checkText trims and checks a free-text field of at most MaxEventText characters.
func checkText(ck *checker, ptr, s string, required bool) string {
	return checkTextUpTo(ck, ptr, s, required, MaxEventText)
}

// checkTextUpTo trims and checks a free-text field of at most limit characters.
func checkTextUpTo(ck *checker, ptr, s string, required bool, limit int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		ck.Add(ptr, MsgRequired)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }):
		ck.Add(ptr, MsgInvalidValue)
	case utf8.RuneCountInString(s) > limit:
		ck.AddCount(ptr, MsgTooLong, limit)
	}
	return s
}
