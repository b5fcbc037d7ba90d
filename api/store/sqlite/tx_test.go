package sqlite

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestTxCommitsAcrossCollections(t *testing.T) {
	ctx := context.Background()
	db, items := openItems(t, openEngine(t, t.TempDir()))
	others, err := store.Open[item](ctx, db, store.CollectionSpec{Name: "others"})
	if err != nil {
		t.Fatal(err)
	}
	var a, b item
	err = db.Tx(ctx, func(ctx context.Context) error {
		a = item{Ref: "A", Status: "open", Created: t0}
		b = item{Created: t0}
		if err := items.Insert(ctx, &a); err != nil {
			return err
		}
		// The transaction sees its own writes, by id and by query.
		if _, err := items.Get(ctx, a.ID); err != nil {
			t.Errorf("get inside the tx: %v", err)
		}
		if found, err := items.FindOne(ctx, store.Eq("ref", "A")); err != nil || found.ID != a.ID {
			t.Errorf("find inside the tx = %v, %v; want %s", found, err, a.ID)
		}
		// A nested Tx joins the outer one.
		return db.Tx(ctx, func(ctx context.Context) error { return others.Insert(ctx, &b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := items.Get(ctx, a.ID); err != nil {
		t.Errorf("after commit: %v", err)
	}
	if _, err := others.Get(ctx, b.ID); err != nil {
		t.Errorf("after commit, the nested insert: %v", err)
	}
}

func TestTxRollsBackOnErrorAndPanic(t *testing.T) {
	ctx := context.Background()
	db, items := openItems(t, openEngine(t, t.TempDir()))
	kept := mustInsert(t, items, &item{Ref: "K", Created: t0})
	errBoom := errors.New("boom")
	var inserted string
	err := db.Tx(ctx, func(ctx context.Context) error {
		it := item{Ref: "X", Created: t0}
		if err := items.Insert(ctx, &it); err != nil {
			return err
		}
		inserted = it.ID
		if err := items.Delete(ctx, kept.ID); err != nil {
			return err
		}
		return db.Tx(ctx, func(context.Context) error { return errBoom })
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("tx error = %v; want the fn's own error", err)
	}
	if _, err := items.Get(ctx, inserted); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("insert survived a rollback: %v", err)
	}
	if _, err := items.Get(ctx, kept.ID); err != nil {
		t.Errorf("delete survived a rollback: %v", err)
	}

	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v; want the fn's panic passed on", r)
			}
		}()
		_ = db.Tx(ctx, func(ctx context.Context) error {
			it := item{Ref: "P", Created: t0}
			if err := items.Insert(ctx, &it); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if n, err := items.Count(ctx, store.Eq("ref", "P")); err != nil || n != 0 {
		t.Errorf("panicking tx left %d documents (%v)", n, err)
	}
	// The writer is free again.
	mustInsert(t, items, &item{Ref: "after", Created: t0})
}

// TestReadersRunWhileAWriterHoldsATx proves reads neither wait for an open
// write transaction nor see its uncommitted writes.
func TestReadersRunWhileAWriterHoldsATx(t *testing.T) {
	ctx := context.Background()
	db, items := openItems(t, openEngine(t, t.TempDir()))
	old := mustInsert(t, items, &item{Ref: "old", Status: "open", Created: t0})
	inTx, release := make(chan string), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- db.Tx(ctx, func(ctx context.Context) error {
			it := item{Ref: "new", Status: "open", Created: t0}
			if err := items.Insert(ctx, &it); err != nil {
				return err
			}
			inTx <- it.ID
			<-release
			return nil
		})
	}()
	newID := <-inTx
	readCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := items.Get(readCtx, old.ID); err != nil {
					t.Errorf("read while a tx is open: %v", err)
					return
				}
				if _, err := items.Get(readCtx, newID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("uncommitted document visible outside its tx: %v", err)
					return
				}
				if n, err := items.Count(readCtx, store.Eq("status", "open")); err != nil || n != 1 {
					t.Errorf("count while a tx is open = %d, %v; want 1", n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := items.Get(ctx, newID); err != nil {
		t.Fatalf("after commit: %v", err)
	}
}

// TestConcurrentUpdatesLoseNothing has writers race on one document through
// Update, which retries on ErrConflict.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	it := mustInsert(t, items, &item{Ref: "counter", Created: t0})
	const writers, each = 6, 15
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					_, err := items.Update(ctx, it.ID, func(x *item) error { x.Ward++; return nil })
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) {
						t.Errorf("update: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	got, err := items.Get(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ward != writers*each || got.Version != writers*each+1 {
		t.Fatalf("counter = %d at version %d; want %d at version %d", got.Ward, got.Version, writers*each, writers*each+1)
	}
}
