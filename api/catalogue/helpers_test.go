package catalogue

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

var ctx = context.Background()

// testNow is the clock every test runs at.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// newTestCatalogue opens a catalogue on a real SQLite store in a temp dir.
func newTestCatalogue(tb testing.TB) (*Catalogue, *store.DB) {
	tb.Helper()
	dir := tb.TempDir()
	e, err := sqlite.Open(ctx, sqlite.Options{
		Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs"), SweepInterval: time.Minute,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	c, err := New(ctx, db, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		tb.Fatalf("catalogue.New: %v", err)
	}
	return c, db
}

func en(s string) Text { return Text{"en": s} }

func ptrTo(f float64) *float64 { return &f }

// testForm has one question of every type, and a conditional one.
func testForm() Form {
	return Form{Questions: []Question{
		{ID: "location", Type: TypePoint, Label: en("Where?"), Required: true},
		{ID: "kind", Type: TypeChoice, Label: en("Kind"), Required: true, Options: []Option{
			{Value: "a", Label: en("A")}, {Value: "b", Label: en("B")},
		}},
		{ID: "private", Type: TypeYesNo, Label: en("Private land?")},
		{ID: "owner", Type: TypeText, Label: en("Owner"), Required: true, ShowIf: &ShowIf{Question: "private", Equals: "true"}},
		{ID: "count", Type: TypeNumber, Label: en("How many?"), Min: ptrTo(1), Max: ptrTo(10)},
		{ID: "when", Type: TypeDate, Label: en("When?")},
		{ID: "more", Type: TypeTextarea, Label: en("More")},
		{ID: "addr", Type: TypeAddress, Label: en("Address")},
		{ID: "photos", Type: TypePhoto, Label: en("Photos")},
	}}
}

// testService is a valid service owned by team "waste".
func testService(code string) Service {
	return Service{
		Code: code, Name: Text{"en": "Report it", "cy": "Rhoi gwybod"}, Description: en("Tell us."),
		Group: "streets", Tier: TierSimple, Channels: []string{ChannelWeb, ChannelOpen311}, Team: "waste",
		Standard:  Standard{Target: 5, Unit: UnitWorkingDays, WeWill: en("We will."), WeAsk: en("Please.")},
		Anonymous: true, Form: testForm(),
	}
}

func mustCreateTeam(tb testing.TB, c *Catalogue, key string) *Team {
	tb.Helper()
	t, err := c.CreateTeam(ctx, Team{Key: key, Name: en("Team " + key)})
	if err != nil {
		tb.Fatalf("create team %s: %v", key, err)
	}
	return t
}

func mustPut(tb testing.TB, c *Catalogue, s Service) *Service {
	tb.Helper()
	out, _, err := c.PutService(ctx, s)
	if err != nil {
		tb.Fatalf("put %s: %v", s.Code, err)
	}
	return out
}

// fieldsOf maps pointer to message id for a *ValidationError.
func fieldsOf(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("want a *ValidationError, got %v", err)
	}
	return fieldMap(ve.Fields)
}

func fieldMap(fields []FieldError) map[string]string {
	m := map[string]string{}
	for _, f := range fields {
		m[f.Pointer] = f.ID
	}
	return m
}
