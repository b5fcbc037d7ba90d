package kiosk

import (
	"cmp"
	"context"
	"slices"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// EventKind is what happened in a session.
type EventKind string

const (
	EventStarted       EventKind = "started"
	EventSignedIn      EventKind = "signed-in"
	EventJoinRequested EventKind = "join-requested"
	EventJoinConfirmed EventKind = "join-confirmed"
	EventJoinDeclined  EventKind = "join-declined"
	EventConsent       EventKind = "consent"
	EventAction        EventKind = "action"   // Record: something done with a service
	EventHandOff       EventKind = "hand-off" // a hand-off link was shown
	EventEnded         EventKind = "ended"    // What holds the EndReason
)

// Event is one line of a session's log: what happened, when, on which
// channel, at which location, and the member of staff it concerns (who
// acted, or whose join was answered). It names no resident, so the log can
// outlive the session for insight.
type Event struct {
	store.Meta
	SessionID string       `json:"session_id"`
	DeviceID  string       `json:"device_id"`
	Location  string       `json:"location"` // the location's name
	Kind      EventKind    `json:"kind"`
	Channel   auth.Channel `json:"channel"`
	Actor     string       `json:"actor,omitempty"`
	Service   string       `json:"service,omitempty"`
	What      string       `json:"what,omitempty"`
	Reference string       `json:"reference,omitempty"`
	At        time.Time    `json:"at"`
}

// Action is something done in a session with one of the council's services.
type Action struct {
	Service   string `json:"service"`             // the catalogue's service code
	What      string `json:"what"`                // "case-created", "step-completed", "record-read" ...
	Reference string `json:"reference,omitempty"` // a case reference, when there is one
}

// Limits on an Action's words, which are codes, not prose.
const maxKeyLen = 64

func (a *Action) check() error {
	var c checker
	keyField(&c, "/service", a.Service, true)
	keyField(&c, "/what", a.What, true)
	keyField(&c, "/reference", a.Reference, false)
	return c.Err()
}

// keyField accepts a code: 1 to maxKeyLen letters, digits, '-', '_' or '.'.
func keyField(c *checker, ptr, v string, required bool) {
	switch {
	case v == "":
		if required {
			c.Add(ptr, MsgRequired)
		}
	case len(v) > maxKeyLen:
		c.AddCount(ptr, MsgTooLong, maxKeyLen)
	default:
		for i := 0; i < len(v); i++ {
			if b := v[i]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
				c.Add(ptr, MsgInvalidValue)
				return
			}
		}
	}
}

// logIn appends an event of session r inside the caller's transaction.
func (s *Service) logIn(ctx context.Context, r *sessionRecord, kind EventKind, actor string, a Action, now time.Time) error {
	return s.events.Insert(ctx, newEvent(r, kind, actor, a, now))
}

// newEvent is an event of session r. The actor defaults to the assisting
// member of staff: while one is joined, everything in the session is done
// with them.
func newEvent(r *sessionRecord, kind EventKind, actor string, a Action, now time.Time) *Event {
	if actor == "" && r.Assisted() {
		actor = r.Join.Staff
	}
	return &Event{
		SessionID: r.ID, DeviceID: r.DeviceID, Location: r.Location.Name, Kind: kind, Channel: r.Channel(),
		Actor: actor, Service: a.Service, What: a.What, Reference: a.Reference, At: now,
	}
}

// Record logs an action done in a live session: on the assisted channel
// with the member of staff as actor while one is joined, on the kiosk
// channel otherwise, at the session's location. The HTTP layer calls it
// beside the domain call that did the thing (a case made, a step filled).
func (s *Service) Record(ctx context.Context, id string, a Action) (*Event, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	var out *Event
	_, err := s.change(ctx, id, func(ctx context.Context, r *sessionRecord, now time.Time) error {
		out = newEvent(r, EventAction, "", a, now)
		if err := s.events.Insert(ctx, out); err != nil {
			return err
		}
		return errUnchanged
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maxLog bounds a session's log as Log returns it.
const maxLog = store.MaxLimit

// Log is a session's events, oldest first: who did what, when.
func (s *Service) Log(ctx context.Context, id string) ([]Event, error) {
	if !validSessionID(id) {
		return nil, ErrNotFound
	}
	page, err := s.events.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fSessionID, id)}, Sort: fAt, Limit: maxLog})
	return page.Items, err
}

// CountQuery asks how many actions with a service were done at a location
// from From up to (not including) To.
type CountQuery struct {
	Location string
	Service  string
	From, To time.Time
}

// Counts are actions by channel: residents on their own, and with staff.
type Counts struct {
	Kiosk    int64 `json:"kiosk"`
	Assisted int64 `json:"assisted"`
}

func checkRange(c *checker, from, to time.Time) {
	if from.IsZero() {
		c.Add("/from", MsgRequired)
	}
	if to.IsZero() {
		c.Add("/to", MsgRequired)
	} else if !to.After(from) {
		c.Add("/to", MsgRangeInvalid)
	}
}

// CountActions counts the actions of one service at one location in a
// period, by channel: assisted-digital demand there.
func (s *Service) CountActions(ctx context.Context, q CountQuery) (Counts, error) {
	var c checker
	text(&c, "/location", &q.Location, MaxNameRunes, true)
	keyField(&c, "/service", q.Service, true)
	checkRange(&c, q.From, q.To)
	if err := c.Err(); err != nil {
		return Counts{}, err
	}
	count := func(ch auth.Channel) (int64, error) {
		return s.events.Count(ctx, store.Eq(fLocation, q.Location), store.Eq(fService, q.Service),
			store.Eq(fChannel, ch), store.Gte(fAt, q.From.UTC()), store.Lt(fAt, q.To.UTC()))
	}
	var out Counts
	var err error
	if out.Kiosk, err = count(auth.ChannelKiosk); err != nil {
		return Counts{}, err
	}
	if out.Assisted, err = count(auth.ChannelAssisted); err != nil {
		return Counts{}, err
	}
	return out, nil
}

// Demand is the actions of one service at one location.
type Demand struct {
	Location string `json:"location"`
	Service  string `json:"service"`
	Counts
}

// DemandByLocation is every location and service with actions in a period
// (From up to, not including, To), by channel, ordered by location then
// service: the insight report of assisted-digital demand.
func (s *Service) DemandByLocation(ctx context.Context, from, to time.Time) ([]Demand, error) {
	var c checker
	checkRange(&c, from, to)
	if err := c.Err(); err != nil {
		return nil, err
	}
	type key struct{ location, service string }
	sums := map[key]*Demand{}
	q := store.Query{Where: []store.Cond{
		store.Eq(fKind, EventAction), store.Gte(fAt, from.UTC()), store.Lt(fAt, to.UTC()),
	}, Limit: store.MaxLimit}
	for {
		page, err := s.events.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			k := key{e.Location, e.Service}
			d := sums[k]
			if d == nil {
				d = &Demand{Location: e.Location, Service: e.Service}
				sums[k] = d
			}
			if e.Channel == auth.ChannelAssisted {
				d.Assisted++
			} else {
				d.Kiosk++
			}
		}
		if q.After = page.Next; q.After == "" {
			break
		}
	}
	out := make([]Demand, 0, len(sums))
	for _, d := range sums {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Demand) int {
		return cmp.Or(cmp.Compare(a.Location, b.Location), cmp.Compare(a.Service, b.Service))
	})
	return out, nil
}
