package cases

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/notify"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
	"frontdoor/locales"
)

var ctx = context.Background()

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is the case service on a real SQLite store, with a catalogue of test
// services and a running outbox whose notifications land in events.
type env struct {
	db    *store.DB
	cat   *catalogue.Catalogue
	svc   *Service
	clock *clock

	mu     sync.Mutex
	events []notify.Event
}

// monday10 is Monday 2 November 2026, 10:00 London (GMT): a working day
// with no bank holiday near it.
var monday10 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func newEnv(tb testing.TB) *env {
	tb.Helper()
	dir := tb.TempDir()
	eng, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs")})
	if err != nil {
		tb.Fatal(err)
	}
	db := store.New(eng)
	tb.Cleanup(func() { db.Close() })
	e := &env{db: db, clock: &clock{t: monday10}}
	if e.cat, err = catalogue.New(ctx, db, catalogue.Options{Now: e.clock.Now}); err != nil {
		tb.Fatal(err)
	}
	seedTestCatalogue(tb, e.cat)
	ob, err := outbox.New(ctx, db, outbox.Options{Workers: 2, Poll: 10 * time.Millisecond, BaseBackoff: 10 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	bundle, err := locales.Bundle()
	if err != nil {
		tb.Fatal(err)
	}
	e.svc, err = New(ctx, db, ob, e.cat, Options{Now: e.clock.Now, Area: catalogue.Plymouth, Tell: e, BaseURL: "https://frontdoor.test",
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) }})
	if err != nil {
		tb.Fatal(err)
	}
	ob.Start(ctx)
	tb.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ob.Stop(c)
	})
	return e
}

// Notify records a notification, as notify.Service would queue it.
func (e *env) Notify(_ context.Context, ev notify.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
	return nil
}

// waitNotices waits until at least n notifications have been queued.
func (e *env) waitNotices(tb testing.TB, n int) []notify.Event {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		got := append([]notify.Event(nil), e.events...)
		e.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("fewer than %d notices delivered", n)
	return nil
}

func text(en string) catalogue.Text { return catalogue.Text{"en": en} }

func streetService(code, team string, target int, unit catalogue.Unit) catalogue.Service {
	return catalogue.Service{
		Code: code, Name: text(code), Description: text("About " + code), Group: "streets",
		Tier: catalogue.TierSimple, Channels: catalogue.AllChannels, Team: team, Anonymous: true,
		Standard: catalogue.Standard{Target: target, Unit: unit, WeWill: text("We will."), WeAsk: text("Tell us where.")},
		Form: catalogue.Form{Questions: []catalogue.Question{
			{ID: "location", Type: catalogue.TypePoint, Label: text("Where?"), Required: true},
			{ID: "details", Type: catalogue.TypeTextarea, Label: text("What is wrong?")},
			{ID: "photos", Type: catalogue.TypePhoto, Label: text("Photos"), MaxLength: 5},
		}},
	}
}

func seedTestCatalogue(tb testing.TB, cat *catalogue.Catalogue) {
	tb.Helper()
	for _, key := range []string{"grounds", "highways", "customer-relations", "complaints-review", "housing"} {
		if _, err := cat.CreateTeam(ctx, catalogue.Team{Key: key, Name: text(key)}); err != nil {
			tb.Fatal(err)
		}
	}
	complaint := catalogue.Service{
		Code: "complaint", Name: text("Complaint"), Description: text("Complain"), Group: "complaints",
		Tier: catalogue.TierComplex, Channels: []string{"web", "kiosk", "assisted", "phone"}, Team: "customer-relations",
		Standard: catalogue.Standard{Target: 10, Unit: catalogue.UnitWorkingDays, WeWill: text("We will."), WeAsk: text("Tell us.")},
		Form: catalogue.Form{Questions: []catalogue.Question{
			{ID: "details", Type: catalogue.TypeTextarea, Label: text("What happened?"), Required: true},
		}},
		Complaint: &catalogue.Complaint{Stage2Team: "complaints-review", Stage2Target: 20, Stage2Unit: catalogue.UnitWorkingDays, EscalationDays: 20},
	}
	repair := complaint
	repair.Code, repair.Group, repair.Team, repair.Complaint, repair.Tier = "housing-repair", "housing", "housing", nil, catalogue.TierAssisted
	hedge := streetService("hedge-cutting", "grounds", 10, catalogue.UnitWorkingDays)
	hedge.Related = []string{"grass-cutting"}
	for _, svc := range []catalogue.Service{
		streetService("grass-cutting", "grounds", 10, catalogue.UnitWorkingDays), hedge,
		streetService("pothole", "highways", 48, catalogue.UnitHours), complaint, repair,
	} {
		if _, _, err := cat.PutService(ctx, svc); err != nil {
			tb.Fatalf("put %s: %v", svc.Code, err)
		}
	}
}

// answers builds an answers object from Go values.
func answers(tb testing.TB, kv map[string]any) map[string]json.RawMessage {
	tb.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range kv {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// Places in Plymouth.
var (
	hoe      = catalogue.Point{Lat: 50.3644, Lng: -4.1420} // Plymouth Hoe
	central  = catalogue.Point{Lat: 50.3755, Lng: -4.1427} // the city centre
	torpoint = catalogue.Point{Lat: 50.3746, Lng: -4.1946} // across the Tamar, in Cornwall
)

func streetItem(tb testing.TB, service string, p catalogue.Point) NewItem {
	return NewItem{Service: service, Answers: answers(tb, map[string]any{"location": p, "details": "Long grass by the path"})}
}

const alice, bob = "resident-alice", "resident-bob"

func mustCreate(tb testing.TB, e *env, in NewCase) (*Case, []*Item) {
	tb.Helper()
	if in.Channel == "" {
		in.Channel = catalogue.ChannelWeb
	}
	if in.Language == "" {
		in.Language = "en"
	}
	c, items, err := e.svc.Create(ctx, in)
	if err != nil {
		tb.Fatalf("create: %v", err)
	}
	return c, items
}

// grassAndHedge is Alice's case: grass and hedge cutting on the Hoe.
func grassAndHedge(tb testing.TB, e *env) (*Case, []*Item) {
	return mustCreate(tb, e, NewCase{Owner: alice, Items: []NewItem{
		streetItem(tb, "grass-cutting", hoe), streetItem(tb, "hedge-cutting", hoe),
	}})
}

var grounds = Staff{ID: "staff-gina", Teams: []string{"grounds"}}

func mustMove(tb testing.TB, e *env, st Staff, ref, item string, to Status) *Case {
	tb.Helper()
	c, err := e.svc.Transition(ctx, st, ref, item, Move{To: to})
	if err != nil {
		tb.Fatalf("move %s to %s: %v", item, to, err)
	}
	return c
}

// fieldIDs lists the pointer and id of each field error of a validation error.
func fieldIDs(err error) map[string]string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Pointer] = f.ID
	}
	return out
}

// catalogueComplaint is the test complaint service's stage-2 policy.
var catalogueComplaint = catalogue.Complaint{Stage2Team: "complaints-review", Stage2Target: 20, Stage2Unit: catalogue.UnitWorkingDays, EscalationDays: 20}
