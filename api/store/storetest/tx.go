package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"frontdoor/api/store"
)

var txTests = []test{
	{"Commit", testTxCommit},
	{"ErrorRollsBack", testTxErrorRollsBack},
	{"PanicRollsBack", testTxPanicRollsBack},
	{"ReadsOwnWrites", testTxReadsOwnWrites},
	{"DuplicateFails", testTxDuplicateFails},
	{"ConflictFails", testTxConflictFails},
	{"Concurrent", testTxConcurrent},
}

// entry is a ledger line written in the same transaction as an account change.
type entry struct {
	store.Meta
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

var ledgerSpec = store.CollectionSpec{Name: "ledger", Indexes: []store.IndexSpec{
	{Name: "by_account", Fields: []string{"account", "amount"}},
}}

type bank struct {
	db       *store.DB
	accounts *store.Collection[person, *person]
	ledger   *store.Collection[entry, *entry]
}

func openBank(t *testing.T, h Harness) bank {
	db := h.openDB(t)
	return bank{db, mustOpen[person](t, db, accountsSpec), mustOpen[entry](t, db, ledgerSpec)}
}

// snapshot is everything in both collections, to prove a rollback left nothing.
func (b bank) snapshot(t *testing.T) string {
	t.Helper()
	ps, err := b.accounts.Find(t.Context(), store.Query{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	es, err := b.ledger.Find(t.Context(), store.Query{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, p := range ps.Items {
		ids["account "+p.ID+" "+p.Name] = p.Version
	}
	for _, e := range es.Items {
		ids[fmt.Sprintf("entry %s %d", e.ID, e.Amount)] = e.Version
	}
	return fmt.Sprint(ids)
}

func testTxCommit(t *testing.T, h Harness) {
	b := openBank(t, h)
	err := b.db.Tx(t.Context(), func(ctx context.Context) error {
		if err := b.accounts.Insert(ctx, &person{Meta: store.Meta{ID: "acct"}, Email: "a@example.org"}); err != nil {
			return err
		}
		return b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: "e1"}, Account: "acct", Amount: 100})
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if got := mustGet(t, b.accounts, "acct"); got.Version != 1 || got.Email != "a@example.org" {
		t.Errorf("committed account: %+v", got)
	}
	if got := mustGet(t, b.ledger, "e1"); got.Amount != 100 || got.Version != 1 {
		t.Errorf("committed entry: %+v", got)
	}
	mustCount(t, b.ledger, 1, store.Eq("account", "acct"))
}

// seedBank gives the bank one account and one entry, written outside any transaction.
func seedBank(t *testing.T, b bank) {
	t.Helper()
	mustInsert(t, b.accounts, &person{Meta: store.Meta{ID: "old"}, Email: "old@example.org", Name: "before"})
	mustInsert(t, b.ledger, &entry{Meta: store.Meta{ID: "e0"}, Account: "old", Amount: 1})
}

// writeEverything inserts, replaces and deletes in both collections.
func writeEverything(ctx context.Context, b bank) error {
	if err := b.accounts.Insert(ctx, &person{Meta: store.Meta{ID: "new"}, Email: "new@example.org"}); err != nil {
		return err
	}
	old, err := b.accounts.Get(ctx, "old")
	if err != nil {
		return err
	}
	old.Name = "during"
	if err := b.accounts.Replace(ctx, old); err != nil {
		return err
	}
	if err := b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: "e1"}, Account: "new", Amount: 5}); err != nil {
		return err
	}
	return b.ledger.Delete(ctx, "e0")
}

func testTxErrorRollsBack(t *testing.T, h Harness) {
	b := openBank(t, h)
	seedBank(t, b)
	before := b.snapshot(t)
	refuse := errors.New("business rule says no")
	err := b.db.Tx(t.Context(), func(ctx context.Context) error {
		if err := writeEverything(ctx, b); err != nil {
			return err
		}
		return fmt.Errorf("checking: %w", refuse)
	})
	wantErr(t, "Tx whose fn fails", err, refuse)
	if after := b.snapshot(t); after != before {
		t.Errorf("rollback left changes:\nbefore %s\n after %s", before, after)
	}
	mustBeGone(t, b.accounts, "new", "inserted in a rolled back tx")
	mustBeGone(t, b.ledger, "e1", "inserted in a rolled back tx")
	// The unique value the rolled back insert held is free.
	mustInsert(t, b.accounts, &person{Email: "new@example.org"})
}

func testTxPanicRollsBack(t *testing.T, h Harness) {
	b := openBank(t, h)
	seedBank(t, b)
	before := b.snapshot(t)
	var recovered any
	var err error
	func() {
		defer func() { recovered = recover() }()
		err = b.db.Tx(t.Context(), func(ctx context.Context) error {
			if err := writeEverything(ctx, b); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if recovered == nil && err == nil {
		t.Error("a panicking fn neither panicked through Tx nor made it fail")
	}
	if recovered != nil && recovered != "boom" {
		t.Errorf("Tx panicked with %v, want the fn's own panic", recovered)
	}
	if after := b.snapshot(t); after != before {
		t.Errorf("panic left changes:\nbefore %s\n after %s", before, after)
	}
	// The engine is still usable: nothing was left locked or open.
	err = b.db.Tx(t.Context(), func(ctx context.Context) error {
		return b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: "later"}, Account: "old", Amount: 2})
	})
	if err != nil {
		t.Fatalf("Tx after the panic: %v", err)
	}
	mustGet(t, b.ledger, "later")
}

func testTxReadsOwnWrites(t *testing.T, h Harness) {
	b := openBank(t, h)
	seedBank(t, b)
	err := b.db.Tx(t.Context(), func(ctx context.Context) error {
		if err := writeEverything(ctx, b); err != nil {
			return err
		}
		checks := []error{
			expect(b.accounts.Get(ctx, "new")),
			expectField(b.accounts.Get(ctx, "old"))(func(p *person) bool { return p.Name == "during" && p.Version == 2 }),
			expectMissing(b.ledger.Get(ctx, "e0")),
			expectCount(b.ledger.Count(ctx, store.Eq("account", "new")))(1),
			expectCount(b.ledger.Count(ctx))(1),
			expectCount(b.accounts.Count(ctx, store.Exists("email")))(2),
		}
		page, err := b.accounts.Find(ctx, store.Query{Where: []store.Cond{store.Eq("email", "new@example.org")}})
		if err != nil || len(page.Items) != 1 {
			checks = append(checks, fmt.Errorf("Find own insert: %d items, %v", len(page.Items), err))
		}
		return errors.Join(checks...)
	})
	if err != nil {
		t.Fatalf("inside the tx: %v", err)
	}
	mustGet(t, b.accounts, "new")
	mustBeGone(t, b.ledger, "e0", "deleted in a committed tx")
}

func expect[T any](_ *T, err error) error { return err }

func expectMissing[T any](d *T, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("deleted document: %+v, %v; want ErrNotFound", d, err)
	}
	return nil
}

func expectField[T any](d *T, err error) func(func(*T) bool) error {
	return func(ok func(*T) bool) error {
		if err != nil || !ok(d) {
			return fmt.Errorf("replaced document: %+v, %v", d, err)
		}
		return nil
	}
}

func expectCount(n int64, err error) func(int64) error {
	return func(want int64) error {
		if err != nil || n != want {
			return fmt.Errorf("count %d, %v; want %d", n, err, want)
		}
		return nil
	}
}

func testTxDuplicateFails(t *testing.T, h Harness) {
	b := openBank(t, h)
	seedBank(t, b)
	before := b.snapshot(t)
	for name, clash := range map[string]*person{
		"same id":     {Meta: store.Meta{ID: "old"}, Email: "other@example.org"},
		"same unique": {Email: "old@example.org"},
	} {
		err := b.db.Tx(t.Context(), func(ctx context.Context) error {
			if err := b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: "e9"}, Account: "x", Amount: 9}); err != nil {
				return err
			}
			c := *clash // fn may run more than once
			return b.accounts.Insert(ctx, &c)
		})
		wantErr(t, name+" inside a tx", err, store.ErrDuplicate)
		if after := b.snapshot(t); after != before {
			t.Errorf("%s: failed tx left changes:\nbefore %s\n after %s", name, before, after)
		}
	}
}

func testTxConflictFails(t *testing.T, h Harness) {
	b := openBank(t, h)
	seedBank(t, b)
	stale := mustGet(t, b.accounts, "old")
	if _, err := b.accounts.Update(t.Context(), "old", func(p *person) error { p.Name = "moved on"; return nil }); err != nil {
		t.Fatal(err)
	}
	before := b.snapshot(t)
	err := b.db.Tx(t.Context(), func(ctx context.Context) error {
		if err := b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: "e9"}, Account: "old", Amount: 9}); err != nil {
			return err
		}
		s := *stale
		return b.accounts.Replace(ctx, &s)
	})
	wantErr(t, "stale Replace inside a tx", err, store.ErrConflict)
	if after := b.snapshot(t); after != before {
		t.Errorf("failed tx left changes:\nbefore %s\n after %s", before, after)
	}
}

// testTxConcurrent: transactions that read, then write what they read, lose
// no update and never commit half: the balance always equals the ledger.
func testTxConcurrent(t *testing.T, h Harness) {
	b := openBank(t, h)
	mustInsert(t, b.accounts, &person{Meta: store.Meta{ID: "acct"}})
	const workers, each = 6, 4
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := deposit(t.Context(), b, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Errorf("deposit: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := mustGet(t, b.accounts, "acct")
	if got.Big != workers*each || got.Version != workers*each+1 {
		t.Errorf("balance %d version %d; want %d and %d", got.Big, got.Version, workers*each, workers*each+1)
	}
	mustCount(t, b.ledger, workers*each, store.Eq("account", "acct"))
}

// deposit adds 1 to the balance and writes the ledger line in one
// transaction, trying again when another transaction got there first.
func deposit(ctx context.Context, b bank, id string) error {
	for range 100 {
		err := b.db.Tx(ctx, func(ctx context.Context) error {
			acct, err := b.accounts.Get(ctx, "acct")
			if err != nil {
				return err
			}
			acct.Big++
			if err := b.accounts.Replace(ctx, acct); err != nil {
				return err
			}
			return b.ledger.Insert(ctx, &entry{Meta: store.Meta{ID: id}, Account: "acct", Amount: 1})
		})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return errors.New("still conflicting after 100 tries")
}
