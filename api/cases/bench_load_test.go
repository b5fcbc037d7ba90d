package cases

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// The benchmark databases (bench_test.go): n cases made over the year
// before benchNow, written straight into the collections in big
// transactions (a million Creates, each waiting for the disk, would take
// hours), with the counters that Create and Transition would have kept.
// Each size is built once into FRONTDOOR_BENCH_DIR and reopened by later
// runs; the benchmarks work on that file and add their own cases to it.

// benchNow is "now" for the benchmark databases: their cases spread over the
// year before it, and the service's clock starts there when one is opened.
var benchNow = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

const (
	benchYear  = 365 * 24 * time.Hour
	benchDay   = 24 * time.Hour
	benchBatch = 5000 // cases per load transaction
	// benchHotCases is how many reports each hot spot gets, whatever the
	// size: a problem corner draws reports from its neighbours, not from
	// the whole city, so it does not grow with the council's caseload.
	benchHotCases = 150
	benchTeam     = "grounds" // the busiest team of the mix below
)

// benchHotSpots are places where street reports pile up: the nearby
// benchmark asks about them.
var benchHotSpots = []catalogue.Point{
	{Lat: 50.3644, Lng: -4.1420}, // the Hoe
	{Lat: 50.3755, Lng: -4.1427}, // the city centre
	{Lat: 50.3826, Lng: -4.1370}, // Mutley Plain
	{Lat: 50.3720, Lng: -4.1750}, // Devonport
	{Lat: 50.3870, Lng: -4.0500}, // Plympton
	{Lat: 50.4170, Lng: -4.1140}, // Derriford
	{Lat: 50.3790, Lng: -4.1620}, // Stoke
	{Lat: 50.3600, Lng: -4.0900}, // Plymstock
}

// benchMixes is what residents ask for, one case at a time; 70% of cases
// have a location.
var benchMixes = []struct {
	share float64
	codes []string
}{
	{0.30, []string{"pothole"}},
	{0.12, []string{"grass-cutting"}},
	{0.08, []string{"hedge-cutting"}},
	{0.15, []string{"housing-repair"}},
	{0.10, []string{"complaint"}},
	{0.15, []string{"grass-cutting", "hedge-cutting"}},
	{0.05, []string{"pothole", "hedge-cutting"}},
	{0.05, []string{"housing-repair", "complaint"}},
}

const benchLocatedShare = 0.70

var benchDetails = []string{
	"Deep pothole in the nearside lane, cars swerving round it",
	"Grass on the verge is knee high and hides the kerb",
	"Hedge overhanging the pavement, pushchairs have to use the road",
	"Damp and mould in the back bedroom since the roof leak",
	"Nobody called back after I reported this twice",
}

// benchLoader makes the cases of one database.
type benchLoader struct {
	s       *Service
	rng     *rand.Rand
	n       int
	from    time.Time
	svcs    map[string]*catalogue.Service
	refs    map[string]bool
	tallies map[string]*tally
	hotP    float64 // chance that a located case is at a hot spot
}

// loadBenchCases fills the store with n cases, benchBatch per
// transaction, then writes the counters they moved.
func loadBenchCases(tb testing.TB, s *Service, n int) error {
	l := &benchLoader{s: s, rng: rand.New(rand.NewPCG(uint64(n), 42)), n: n, from: benchNow.Add(-benchYear),
		svcs: map[string]*catalogue.Service{}, refs: make(map[string]bool, n), tallies: map[string]*tally{},
		hotP: min(0.3, float64(benchHotCases*len(benchHotSpots))/(benchLocatedShare*float64(n)))}
	for _, m := range benchMixes {
		for _, code := range m.codes {
			svc, err := s.cat.Service(ctx, code)
			if err != nil {
				return fmt.Errorf("service %s: %w", code, err)
			}
			l.svcs[code] = svc
		}
	}
	start := time.Now()
	for from := 0; from < n; from += benchBatch {
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			for i := from; i < min(from+benchBatch, n); i++ {
				if err := l.insert(ctx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if done := min(from+benchBatch, n); done%100_000 == 0 {
			tb.Logf("loaded %d of %d cases, %.0f cases/s", done, n, float64(done)/time.Since(start).Seconds())
		}
	}
	return l.saveTallies()
}

func (l *benchLoader) insert(ctx context.Context, i int) error {
	c, items := l.newCase(i)
	for _, it := range items {
		if err := l.s.items.Insert(ctx, it); err != nil {
			return err
		}
	}
	return l.s.cases.Insert(ctx, c)
}

// newCase makes the i-th case of the year (cases come in time order, as
// they would) and lives each item's life up to benchNow.
func (l *benchLoader) newCase(i int) (*Case, []*Item) {
	at := (float64(i) + l.rng.Float64()) / float64(l.n)
	created := l.from.Add(time.Duration(at * float64(benchYear))).Truncate(time.Millisecond)
	codes := l.pickServices()
	c := &Case{Reference: l.freshReference(), Language: "en", Status: StatusSubmitted, Open: true, CreatedAt: created}
	c.ID = store.NewID()
	l.pickChannel(c, codes)
	c.Events = []Event{{At: created, Kind: EventCreated, Public: true, Status: StatusSubmitted, By: c.Actor, Channel: c.Channel}}
	var where *catalogue.Point // the items of a case are at one place
	items := make([]*Item, len(codes))
	for k, code := range codes {
		svc := l.svcs[code]
		it := l.s.newItem(c, checkedItem{svc: svc, answers: l.answers(svc, &where)}, created)
		l.count(created, svc.Code, svc.Tier, "created."+c.Channel, "interaction."+c.Channel)
		l.live(c, it, svc)
		it.Open = !done(it.Status)
		it.UpdatedAt = lastEvent(c, it.ID, created)
		c.Lines = append(c.Lines, lineOf(it))
		items[k] = it
	}
	l.finishCase(c)
	return c, items
}

func (l *benchLoader) pickServices() []string {
	r := l.rng.Float64()
	for _, m := range benchMixes {
		if r < m.share {
			return m.codes
		}
		r -= m.share
	}
	return benchMixes[0].codes
}

// freshReference draws references as Create does; the set stands in for
// the unique index, which stays as the final judge.
func (l *benchLoader) freshReference() string {
	for {
		if ref := NewReference(); !l.refs[ref] {
			l.refs[ref] = true
			return ref
		}
	}
}

// pickChannel decides how the case came in and from whom: residents with
// accounts (about n/3 of them) on most channels; reporting apps over
// Open311 for street services, with an email address only.
func (l *benchLoader) pickChannel(c *Case, codes []string) {
	open311 := !slices.ContainsFunc(codes, func(code string) bool {
		return !slices.Contains(l.svcs[code].Channels, catalogue.ChannelOpen311)
	})
	r := l.rng.Float64()
	switch {
	case open311 && r < 0.08:
		c.Channel, c.Client = catalogue.ChannelOpen311, "fixmystreet"
		c.Contact = &Contact{Email: fmt.Sprintf("reporter%d@example.org", l.rng.IntN(l.n))}
		return
	case r < 0.62:
		c.Channel = catalogue.ChannelWeb
	case r < 0.72:
		c.Channel = catalogue.ChannelKiosk
	case r < 0.86:
		c.Channel, c.Actor = catalogue.ChannelPhone, fmt.Sprintf("staff-%d", l.rng.IntN(40))
	default:
		c.Channel, c.Actor = catalogue.ChannelAssisted, fmt.Sprintf("staff-%d", l.rng.IntN(40))
	}
	c.Owner = fmt.Sprintf("resident-%d", l.rng.IntN(max(l.n/3, 1)))
}

// answers are what the service's form check would have kept.
func (l *benchLoader) answers(svc *catalogue.Service, where **catalogue.Point) catalogue.Answers {
	a := catalogue.Answers{Values: map[string]any{"details": benchDetails[l.rng.IntN(len(benchDetails))]}}
	if !slices.ContainsFunc(svc.Form.Questions, func(q catalogue.Question) bool { return q.Type == catalogue.TypePoint }) {
		return a
	}
	if *where == nil {
		p := l.place()
		*where = &p
	}
	a.Point = *where
	a.Values["location"] = map[string]any{"lat": (*where).Lat, "lng": (*where).Lng}
	return a
}

// place is a report's location: at a hot spot now and then, otherwise
// anywhere in Plymouth.
func (l *benchLoader) place() catalogue.Point {
	if l.rng.Float64() < l.hotP {
		return nearPoint(l.rng, benchHotSpots[l.rng.IntN(len(benchHotSpots))], 40)
	}
	return randomPlymouth(l.rng)
}

func randomPlymouth(rng *rand.Rand) catalogue.Point {
	for {
		p := catalogue.Point{Lat: round6(50.34 + 0.11*rng.Float64()), Lng: round6(-4.21 + 0.20*rng.Float64())}
		if catalogue.Plymouth.Contains(p) {
			return p
		}
	}
}

// nearPoint is a point uniformly within radius metres of c.
func nearPoint(rng *rand.Rand, c catalogue.Point, radius float64) catalogue.Point {
	r, a := radius*math.Sqrt(rng.Float64()), 2*math.Pi*rng.Float64()
	const metresPerDegree = 111_195
	return catalogue.Point{
		Lat: round6(c.Lat + r*math.Sin(a)/metresPerDegree),
		Lng: round6(c.Lng + r*math.Cos(a)/(metresPerDegree*math.Cos(c.Lat*math.Pi/180))),
	}
}

// round6 keeps six decimals (about 10 cm), as a phone's position comes.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// count is Service.count in memory: the day's and the month's counters
// for a service.
func (l *benchLoader) count(at time.Time, service string, tier catalogue.Tier, keys ...string) {
	for _, slot := range l.s.slots(at) {
		key := slot.key(service)
		t := l.tallies[key]
		if t == nil {
			t = &tally{Key: key, Period: slot.period, Day: slot.day, Service: service, Counts: map[string]int64{}}
			l.tallies[key] = t
		}
		if tier != "" {
			t.Tier = tier
		}
		for _, k := range keys {
			t.Counts[k]++
		}
	}
}

func (l *benchLoader) saveTallies() error {
	keys := make([]string, 0, len(l.tallies))
	for k := range l.tallies {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return l.s.db.Tx(ctx, func(ctx context.Context) error {
		for _, k := range keys {
			if err := l.s.tallies.Insert(ctx, l.tallies[k]); err != nil {
				return err
			}
		}
		return nil
	})
}

// between is a moment a fraction lo..hi of the way from a to a+d.
func (l *benchLoader) between(a time.Time, d time.Duration, lo, hi float64) time.Time {
	return a.Add(time.Duration((lo + (hi-lo)*l.rng.Float64()) * float64(d))).Truncate(time.Millisecond)
}

// lastEvent is when the case's timeline last mentioned the item.
func lastEvent(c *Case, itemID string, since time.Time) time.Time {
	for _, e := range c.Events {
		if e.ItemID == itemID && e.At.After(since) {
			since = e.At
		}
	}
	return since
}

// live plays an item's life from its creation up to benchNow: the older it
// is, the likelier it is done, and about a fifth of all items stay open.
func (l *benchLoader) live(c *Case, it *Item, svc *catalogue.Service) {
	pOpen := 0.13
	if benchNow.Sub(it.CreatedAt) < 30*benchDay {
		pOpen = 0.85
	}
	std := it.DueAt.Sub(it.CreatedAt)
	switch r := l.rng.Float64(); {
	case r < pOpen:
		l.keepOpen(c, it)
	case r < pOpen+0.05*(1-pOpen):
		if at := l.between(it.CreatedAt, std, 0.01, 0.2); !l.late(it, at) {
			l.move(c, it, StatusCancelled, at)
		}
	default:
		l.work(c, it, svc, std)
	}
}

// keepOpen leaves an item open: not looked at yet, in progress, or
// waiting for the resident.
func (l *benchLoader) keepOpen(c *Case, it *Item) {
	age := benchNow.Sub(it.CreatedAt)
	switch r := l.rng.Float64(); {
	case r < 0.35:
	case r < 0.85:
		l.start(c, it, l.between(it.CreatedAt, age, 0, 0.5))
	default:
		l.start(c, it, l.between(it.CreatedAt, age, 0, 0.3))
		l.pause(c, it, l.between(it.CreatedAt, age, 0.4, 0.9))
		return
	}
	l.late(it, benchNow)
}

// work takes an item towards resolution and closure; where a step's moment
// falls after benchNow the item stays open as far as it got.
func (l *benchLoader) work(c *Case, it *Item, svc *catalogue.Service, std time.Duration) {
	at := l.between(it.CreatedAt, std, 0.02, 0.3)
	if l.late(it, at) {
		return
	}
	l.start(c, it, at)
	if l.rng.Float64() < 0.04 {
		it.Reassigned = true
		c.Events = append(c.Events, Event{At: at, Kind: EventReassigned, ItemID: it.ID, Text: "Wrong team", By: it.Assignee})
	}
	if l.rng.Float64() < 0.10 {
		if at = l.between(at, std, 0.05, 0.3); l.late(it, at) {
			return
		}
		l.pause(c, it, at)
		if at = l.between(at, 7*benchDay, 0.15, 1); !at.Before(benchNow) {
			return // still waiting for the resident
		}
		l.resume(c, it, at)
	}
	if at = l.between(at, std, 0.1, 1.5); l.late(it, at) {
		return
	}
	l.resolve(c, it, at)
	if svc.Complaint != nil && l.rng.Float64() < 0.12 {
		l.escalate(c, it, svc.Complaint, at)
		return
	}
	if at = at.Add(3 * benchDay); at.Before(benchNow) && l.rng.Float64() < 0.85 {
		l.move(c, it, StatusClosed, at)
	}
}

// late says whether a moment has not come yet by benchNow; the item then
// stays as it is, breached if its clock has run out (as SweepBreaches marks it).
func (l *benchLoader) late(it *Item, at time.Time) bool {
	if at.Before(benchNow) {
		return false
	}
	if it.PausedAt == nil && benchNow.After(it.DueAt) {
		it.Breached = true
	}
	return true
}

// move is a transition on the item's timeline.
func (l *benchLoader) move(c *Case, it *Item, to Status, at time.Time) {
	it.Status = to
	c.Events = append(c.Events, Event{At: at, Kind: EventStatus, Public: true, ItemID: it.ID, Status: to, By: it.Assignee})
}

func (l *benchLoader) start(c *Case, it *Item, at time.Time) {
	it.Assignee = fmt.Sprintf("staff-%d", l.rng.IntN(40))
	c.Events = append(c.Events, Event{At: at, Kind: EventAssigned, ItemID: it.ID, Text: it.Assignee, By: it.Assignee})
	l.move(c, it, StatusInProgress, at)
}

// pause and resume stop and restart the clock as applyMove does.
func (l *benchLoader) pause(c *Case, it *Item, at time.Time) {
	it.Breached = it.Breached || at.After(it.DueAt)
	it.PausedAt, it.Remaining, it.Waited = &at, l.s.cal.Remaining(at, it.DueAt, it.Unit), true
	l.move(c, it, StatusAwaitingCustomer, at)
}

func (l *benchLoader) resume(c *Case, it *Item, at time.Time) {
	it.DueAt = l.s.cal.Resume(at, it.Remaining, it.Unit)
	it.PausedAt, it.Remaining = nil, 0
	l.move(c, it, StatusInProgress, at)
}

// resolve mirrors applyMove and countResolved.
func (l *benchLoader) resolve(c *Case, it *Item, at time.Time) {
	if it.Complaint != nil {
		it.Complaint.record([]Outcome{OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld}[l.rng.IntN(3)], at)
	}
	it.ResolvedAt = &at
	it.Breached = it.Breached || at.After(it.DueAt)
	l.count(at, it.Service, it.Tier, resolvedKeys(c, it)...)
	l.move(c, it, StatusResolved, at)
}

// escalate is the resident taking the stage-1 answer to stage 2, as
// Escalate does, then stage 2's work as far as benchNow allows.
func (l *benchLoader) escalate(c *Case, it *Item, p *catalogue.Complaint, answered time.Time) {
	at := l.between(answered, 15*benchDay, 0.1, 1)
	if !at.Before(benchNow) {
		return
	}
	it.Complaint.Stage, it.Complaint.EscalatedAt, it.Complaint.EscalationReason = 2, &at, "The answer missed the point"
	it.Status, it.Team, it.Assignee = StatusReopened, p.Stage2Team, ""
	it.Unit, it.DueAt, it.ResolvedAt, it.Breached = p.Stage2Unit, l.s.cal.Due(at, p.Stage2Target, p.Stage2Unit), nil, false
	c.Events = append(c.Events, Event{At: at, Kind: EventEscalated, Public: true, ItemID: it.ID, Status: StatusReopened, Channel: c.Channel})
	l.count(at, it.Service, it.Tier, "escalated", "interaction."+c.Channel)
	std := it.DueAt.Sub(at)
	if at = l.between(at, std, 0.05, 0.3); l.late(it, at) {
		return
	}
	l.start(c, it, at)
	if at = l.between(at, std, 0.2, 1.3); !l.late(it, at) {
		l.resolve(c, it, at)
	}
}

// finishCase sums the items up as saveCase does, and asks for (and now and
// then gets) the resident's rating once the case is closed.
func (l *benchLoader) finishCase(c *Case) {
	slices.SortStableFunc(c.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	last := c.Events[len(c.Events)-1].At
	c.Status = summarize(c.Lines)
	c.Open, c.UpdatedAt = !done(c.Status), last
	if c.Open {
		return
	}
	c.ClosedAt = &last
	if c.Status != StatusClosed {
		return
	}
	c.Events = append(c.Events, Event{At: last, Kind: EventFeedbackRequested, Public: true})
	at := l.between(last, 5*benchDay, 0, 1)
	if l.rng.Float64() >= 0.3 || !at.Before(benchNow) {
		return
	}
	rating := []Rating{RatingGood, RatingGood, RatingGood, RatingAverage, RatingPoor}[l.rng.IntN(5)]
	c.Feedback = &Feedback{Rating: rating, Channel: c.Channel, At: at}
	c.Events = append(c.Events, Event{At: at, Kind: EventFeedback, Channel: c.Channel})
	l.count(at, c.Lines[0].Service, "", "feedback."+c.Channel+"."+string(rating), "interaction."+c.Channel)
	c.UpdatedAt = at
}

// checkBenchReferences reads every case: each reference parses as typed and
// none repeats.
func checkBenchReferences(t *testing.T, bd *benchDB) {
	seen := map[string]bool{}
	q := store.Query{Limit: store.MaxLimit}
	for {
		page, err := bd.svc.cases.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			if ref, err := ParseReference(c.Reference); err != nil || ref != c.Reference || seen[ref] {
				t.Fatalf("reference %q: %v (seen before: %v)", c.Reference, err, seen[ref])
			}
			seen[c.Reference] = true
			if (c.Owner == "") == (c.Contact == nil) || len(c.Lines) == 0 || c.Open != !done(c.Status) {
				t.Fatalf("case %s: owner %q, contact %v, %d lines, status %s open %v", c.Reference, c.Owner, c.Contact, len(c.Lines), c.Status, c.Open)
			}
		}
		if page.Next == "" {
			return
		}
		q.After = page.Next
	}
}

// checkBenchReopened: the finished file is in place with no scratch file
// left, and opening it again uses it as it is.
func checkBenchReopened(t *testing.T, dir string, n int) {
	path, _ := benchFiles(dir, fmt.Sprintf("cases-%d", n))
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.building*")); len(left) > 0 {
		t.Errorf("scratch files left: %v", left)
	}
	start := time.Now()
	again := openBench(t, dir, n)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("reopening took %s: built again?", took)
	}
	if c, _ := again.svc.cases.Count(ctx); c != int64(n) {
		t.Errorf("reopened: %d cases, want %d", c, n)
	}
	if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) {
		t.Errorf("reopening replaced the file (%v)", err)
	}
}
