package cases

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// tally is one day's, or one month's, counters for one service. Counts are
// keyed by what happened ("created.web", "met", "feedback.kiosk.good", ...).
// Every count goes to both its day and its month, so a summary reads whole
// months from one document each and only the days at the edges of its
// range: a year costs about (12 + 60) documents per service, however many
// cases there were.
type tally struct {
	store.Meta
	Key     string           `json:"key"`    // period|day|service
	Period  string           `json:"period"` // periodDay or periodMonth
	Day     string           `json:"day"`    // YYYY-MM-DD, or YYYY-MM for a month, in London
	Service string           `json:"service"`
	Tier    catalogue.Tier   `json:"tier,omitempty"`
	Counts  map[string]int64 `json:"counts"`
}

const (
	periodDay   = "day"
	periodMonth = "month"
)

// tallySlot is one of the two documents a count goes to.
type tallySlot struct{ period, day string }

// slots are the day and the month of t.
func (s *Service) slots(t time.Time) [2]tallySlot {
	d := s.cal.Day(t)
	return [2]tallySlot{{periodDay, d}, {periodMonth, d[:7]}}
}

func (ts tallySlot) key(service string) string { return ts.period + "|" + ts.day + "|" + service }

// count adds one to each key of today's and this month's tallies for the
// service. Call it inside the transaction of the change it counts.
func (s *Service) count(ctx context.Context, now time.Time, service string, tier catalogue.Tier, keys ...string) error {
	for _, slot := range s.slots(now) {
		key := slot.key(service)
		t, err := s.tallies.FindOne(ctx, store.Eq(fKey, key))
		if errors.Is(err, ErrNotFound) {
			t = &tally{Key: key, Period: slot.period, Day: slot.day, Service: service, Counts: map[string]int64{}}
		} else if err != nil {
			return err
		}
		if tier != "" {
			t.Tier = tier
		}
		for _, k := range keys {
			t.Counts[k]++
		}
		if t.Version == 0 {
			err = s.tallies.Insert(ctx, t)
		} else {
			err = s.tallies.Replace(ctx, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// countInteraction counts a look at a case (tracking) on its own.
func (s *Service) countInteraction(ctx context.Context, service, channel string) error {
	return s.tx(ctx, func(ctx context.Context) error {
		return s.count(ctx, s.now(), service, "", "interaction."+channel)
	})
}

// Summary is the insight for supervisors over a range of days.
type Summary struct {
	From         string                   `json:"from"`
	To           string                   `json:"to"`
	Cases        Breakdown                `json:"cases"`        // items reported
	Interactions Breakdown                `json:"interactions"` // every counted contact
	Standards    Standards                `json:"standards"`
	FirstContact FirstContact             `json:"first_contact_resolution"`
	Satisfaction map[string]*Satisfaction `json:"satisfaction"` // by channel
	Complaints   Complaints               `json:"complaints"`
	// ByLocation counts items reported at kiosk locations, by location name
	// then channel (kiosk, or assisted with staff): assisted-digital demand.
	ByLocation map[string]map[string]int64 `json:"by_location"`
}

// locationKey is the counter of items reported on a channel at a kiosk
// location: "location.<channel>.<name>", the name escaped so that it holds
// no '.' and no '$', which document stores treat specially in field names.
func locationKey(channel, location string) string {
	var b strings.Builder
	for i := 0; i < len(location); i++ {
		switch c := location[i]; c {
		case '%', '.', '$':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return "location." + channel + "." + b.String()
}

// addLocation adds a locationKey's count; rest is "<channel>.<name>".
func (sum *Summary) addLocation(rest string, n int64) {
	channel, escaped, ok := strings.Cut(rest, ".")
	name, err := url.PathUnescape(escaped)
	if !ok || err != nil {
		return
	}
	m := sum.ByLocation[name]
	if m == nil {
		m = map[string]int64{}
		sum.ByLocation[name] = m
	}
	m[channel] += n
}

// Breakdown counts the same total three ways.
type Breakdown struct {
	Total     int64            `json:"total"`
	ByService map[string]int64 `json:"by_service"`
	ByChannel map[string]int64 `json:"by_channel"`
	ByTier    map[string]int64 `json:"by_tier"`
}

// Standards counts resolved items that met or breached their service standard.
type Standards struct {
	Met       int64                     `json:"met"`
	Breached  int64                     `json:"breached"`
	ByService map[string]*StandardCount `json:"by_service"`
}

// StandardCount is one service's met and breached.
type StandardCount struct {
	Met      int64 `json:"met"`
	Breached int64 `json:"breached"`
}

// FirstContact is how many resolved items needed no hand-off, no wait for
// the resident and no reopening.
type FirstContact struct {
	Resolved     int64   `json:"resolved"`
	FirstContact int64   `json:"first_contact"`
	Rate         float64 `json:"rate"`
}

// Satisfaction is one channel's ratings; Score is the share rated good.
type Satisfaction struct {
	Good    int64   `json:"good"`
	Average int64   `json:"average"`
	Poor    int64   `json:"poor"`
	Score   float64 `json:"score"`
}

// Complaints counts complaint stages by outcome, and escalations.
type Complaints struct {
	Upheld       int64 `json:"upheld"`
	PartlyUpheld int64 `json:"partly_upheld"`
	NotUpheld    int64 `json:"not_upheld"`
	Escalated    int64 `json:"escalated"`
}

// MaxSummaryDays bounds a summary's range.
const MaxSummaryDays = 366 * 2

// Insight sums the tallies of the days from..to (inclusive, London dates).
func (s *Service) Insight(ctx context.Context, from, to string) (*Summary, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	sum := newSummary(from, to)
	for _, sp := range spans(from, to) {
		q := store.Query{Where: []store.Cond{store.Eq(fPeriod, sp.period), store.Gte(fDay, sp.lo), store.Lte(fDay, sp.hi)},
			Sort: fDay, Limit: store.MaxLimit}
		for {
			page, err := s.tallies.Find(ctx, q)
			if err != nil {
				return nil, err
			}
			for i := range page.Items {
				sum.add(&page.Items[i])
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	sum.finish()
	return sum, nil
}

// span is a run of tallies of one period, lo..hi inclusive.
type span struct{ period, lo, hi string }

// spans covers the days from..to (valid, in order) with the fewest
// tallies: the days before the first whole month, the whole months, and
// the days after the last one.
func spans(from, to string) []span {
	const layout = "2006-01-02"
	f, _ := time.Parse(layout, from)
	t, _ := time.Parse(layout, to)
	var out []span
	if f.Day() != 1 {
		end := f.AddDate(0, 1, -f.Day()) // the last day of from's month
		if !end.Before(t) {
			return []span{{periodDay, from, to}}
		}
		out = append(out, span{periodDay, from, end.Format(layout)})
		f = end.AddDate(0, 0, 1)
	}
	last := f // the first day after the whole months
	for !last.AddDate(0, 1, -1).After(t) {
		last = last.AddDate(0, 1, 0)
	}
	if last.After(f) {
		out = append(out, span{periodMonth, f.Format("2006-01"), last.AddDate(0, -1, 0).Format("2006-01")})
	}
	if !last.After(t) {
		out = append(out, span{periodDay, last.Format(layout), to})
	}
	return out
}

func checkRange(from, to string) error {
	var ck checker
	f, err1 := time.Parse("2006-01-02", from)
	t, err2 := time.Parse("2006-01-02", to)
	if err1 != nil {
		ck.Add("/from", MsgInvalidValue)
	}
	if err2 != nil {
		ck.Add("/to", MsgInvalidValue)
	}
	if err1 == nil && err2 == nil && (t.Before(f) || t.Sub(f) > MaxSummaryDays*24*time.Hour) {
		ck.Add("/to", MsgNotAllowed)
	}
	return ck.Err()
}

func newSummary(from, to string) *Summary {
	bd := func() Breakdown {
		return Breakdown{ByService: map[string]int64{}, ByChannel: map[string]int64{}, ByTier: map[string]int64{}}
	}
	return &Summary{From: from, To: to, Cases: bd(), Interactions: bd(),
		Standards: Standards{ByService: map[string]*StandardCount{}}, Satisfaction: map[string]*Satisfaction{},
		ByLocation: map[string]map[string]int64{}}
}

func (b *Breakdown) add(service, channel string, tier catalogue.Tier, n int64) {
	b.Total += n
	b.ByService[service] += n
	b.ByChannel[channel] += n
	if tier != "" {
		b.ByTier[string(tier)] += n
	}
}

func (sum *Summary) add(t *tally) {
	for key, n := range t.Counts {
		kind, rest, _ := strings.Cut(key, ".")
		switch kind {
		case "created":
			sum.Cases.add(t.Service, rest, t.Tier, n)
		case "interaction":
			sum.Interactions.add(t.Service, rest, t.Tier, n)
		case "met", "breached":
			sum.addStandard(t.Service, kind == "met", n)
		case "resolved":
			sum.FirstContact.Resolved += n
		case "first_contact":
			sum.FirstContact.FirstContact += n
		case "feedback":
			sum.addFeedback(rest, n)
		case "complaint":
			sum.addComplaint(Outcome(rest), n)
		case "escalated":
			sum.Complaints.Escalated += n
		case "location":
			sum.addLocation(rest, n)
		}
	}
}

func (sum *Summary) addStandard(service string, met bool, n int64) {
	sc := sum.Standards.ByService[service]
	if sc == nil {
		sc = &StandardCount{}
		sum.Standards.ByService[service] = sc
	}
	if met {
		sc.Met += n
		sum.Standards.Met += n
	} else {
		sc.Breached += n
		sum.Standards.Breached += n
	}
}

func (sum *Summary) addFeedback(channelRating string, n int64) {
	channel, rating, _ := strings.Cut(channelRating, ".")
	sat := sum.Satisfaction[channel]
	if sat == nil {
		sat = &Satisfaction{}
		sum.Satisfaction[channel] = sat
	}
	switch Rating(rating) {
	case RatingGood:
		sat.Good += n
	case RatingAverage:
		sat.Average += n
	case RatingPoor:
		sat.Poor += n
	}
}

func (sum *Summary) addComplaint(o Outcome, n int64) {
	switch o {
	case OutcomeUpheld:
		sum.Complaints.Upheld += n
	case OutcomePartlyUpheld:
		sum.Complaints.PartlyUpheld += n
	case OutcomeNotUpheld:
		sum.Complaints.NotUpheld += n
	}
}

func (sum *Summary) finish() {
	if fc := &sum.FirstContact; fc.Resolved > 0 {
		fc.Rate = float64(fc.FirstContact) / float64(fc.Resolved)
	}
	for _, sat := range sum.Satisfaction {
		if all := sat.Good + sat.Average + sat.Poor; all > 0 {
			sat.Score = float64(sat.Good) / float64(all)
		}
	}
}
