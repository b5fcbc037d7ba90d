package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"frontdoor/api/store"
)

// item is the document the SQLite-only tests store.
type item struct {
	store.Meta
	Ref     string     `json:"ref,omitempty"`
	Status  string     `json:"status,omitempty"`
	Ward    int        `json:"ward,omitempty"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
}

var itemSpec = store.CollectionSpec{
	Name: "items",
	Indexes: []store.IndexSpec{
		{Name: "by_ref", Fields: []string{"ref"}, Unique: true},
		{Name: "by_status_created", Fields: []string{"status", "created"}},
		{Name: "by_ward", Fields: []string{"ward"}},
		{Name: "by_created", Fields: []string{"created"}},
		{Name: "expiry", Fields: []string{"expires"}, TTL: true},
	},
}

func testOptions(dir string) Options {
	return Options{
		Path:          filepath.Join(dir, "frontdoor.db"),
		BlobDir:       filepath.Join(dir, "blobs"),
		SweepInterval: 50 * time.Millisecond,
	}
}

// openEngine opens an engine on dir and closes it when the test ends.
func openEngine(tb testing.TB, dir string) *Engine {
	tb.Helper()
	e, err := Open(context.Background(), testOptions(dir))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

func openItems(tb testing.TB, e *Engine) (*store.DB, *store.Collection[item, *item]) {
	tb.Helper()
	db := store.New(e)
	c, err := store.Open[item](context.Background(), db, itemSpec)
	if err != nil {
		tb.Fatalf("open items: %v", err)
	}
	return db, c
}

func mustInsert(tb testing.TB, c *store.Collection[item, *item], it *item) *item {
	tb.Helper()
	if err := c.Insert(context.Background(), it); err != nil {
		tb.Fatalf("insert %+v: %v", it, err)
	}
	return it
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
