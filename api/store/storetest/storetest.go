// Package storetest is the storage contract's conformance suite: every engine
// runs it from its own tests, so the engines agree on what domain code sees.
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, storetest.Harness{Open: openEngine, ExpiryWithin: 5 * time.Second})
//	}
//
// The suite uses only the store package, and asserts only what the contract
// promises: where it leaves a choice to the engine (the order of documents
// with equal sort values, or with no Sort), it checks that pages together hold
// every matching document exactly once instead.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdoor/api/store"
)

// Harness tells the suite how to get an engine.
type Harness struct {
	// Open returns a fresh, empty engine; the suite closes it (t.Cleanup).
	// Subtests run in parallel, each with its own engine, so Open must be
	// safe to call concurrently.
	Open func(t *testing.T) store.Engine
	// ExpiryWithin is how long the engine may take to delete an expired
	// document (its TTL sweep period, plus slack).
	ExpiryWithin time.Duration
}

// Run runs the whole suite against the engine h opens.
func Run(t *testing.T, h Harness) {
	if h.Open == nil || h.ExpiryWithin <= 0 {
		t.Fatal("storetest: Harness needs Open and a positive ExpiryWithin")
	}
	groups := []struct {
		name  string
		tests []test
	}{
		{"Documents", documentTests},
		{"Unique", uniqueTests},
		{"Find", findTests},
		{"Paging", pagingTests},
		{"Tx", txTests},
		{"Concurrency", concurrencyTests},
		{"Collections", collectionTests},
		{"Expiry", expiryTests},
		{"Blobs", blobTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, test := range g.tests {
				t.Run(test.name, func(t *testing.T) {
					t.Parallel() // every test opens its own engine
					test.run(t, h)
				})
			}
		})
	}
}

// test is one behaviour of the contract.
type test struct {
	name string
	run  func(*testing.T, Harness)
}

// openDB opens a fresh engine for one test and closes it when the test ends.
func (h Harness) openDB(t *testing.T, opts ...store.Option) *store.DB {
	t.Helper()
	e := h.Open(t)
	if e == nil {
		t.Fatal("storetest: Harness.Open returned a nil engine")
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("closing the engine: %v", err)
		}
	})
	return store.New(e, opts...)
}

func mustOpen[T any, P interface {
	*T
	store.Document
}](t *testing.T, db *store.DB, spec store.CollectionSpec) *store.Collection[T, P] {
	t.Helper()
	c, err := store.Open[T, P](t.Context(), db, spec)
	if err != nil {
		t.Fatalf("open collection %s: %v", spec.Name, err)
	}
	return c
}

func mustInsert[T any, P interface {
	*T
	store.Document
}](t *testing.T, c *store.Collection[T, P], docs ...P) {
	t.Helper()
	for _, d := range docs {
		if err := c.Insert(t.Context(), d); err != nil {
			t.Fatalf("insert into %s: %v", c.Name(), err)
		}
	}
}

func mustGet[T any, P interface {
	*T
	store.Document
}](t *testing.T, c *store.Collection[T, P], id string) *T {
	t.Helper()
	d, err := c.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("get %s/%s: %v", c.Name(), id, err)
	}
	return d
}

// mustBeGone fails unless id is absent from c.
func mustBeGone[T any, P interface {
	*T
	store.Document
}](t *testing.T, c *store.Collection[T, P], id, why string) {
	t.Helper()
	if d, err := c.Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: Get(%s/%s) = %+v, %v; want ErrNotFound", why, c.Name(), id, d, err)
	}
}

func mustCount[T any, P interface {
	*T
	store.Document
}](t *testing.T, c *store.Collection[T, P], want int64, where ...store.Cond) {
	t.Helper()
	n, err := c.Count(t.Context(), where...)
	if err != nil || n != want {
		t.Errorf("Count(%s %v) = %d, %v; want %d", c.Name(), where, n, err, want)
	}
}

// wantErr fails unless err is target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// eventually polls cond until it holds or within has passed.
func eventually(ctx context.Context, within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	step := min(max(within/100, 10*time.Millisecond), time.Second)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(step)
	}
}

// ms is how the contract keeps times: UTC, millisecond precision.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
