package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"frontdoor/api/store"
)

var concurrencyTests = []test{
	{"Update", testConcurrentUpdate},
	{"Replace", testConcurrentReplace},
	{"Inserts", testConcurrentInserts},
	{"SameID", testConcurrentSameID},
	{"SameUniqueValue", testConcurrentSameUnique},
}

// testConcurrentUpdate: 8 goroutines Update one counter at once; none is
// lost. Update tries 8 times, and each of a goroutine's conflicts is another
// goroutine's success, so with 8 writers every Update must succeed.
func testConcurrentUpdate(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	mustInsert(t, people, &person{Meta: store.Meta{ID: "counter"}})
	const writers = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			<-start
			got, err := people.Update(t.Context(), "counter", func(p *person) error { p.Age++; return nil })
			if err != nil {
				t.Errorf("Update: %v", err)
			} else if got.Version != int64(got.Age)+1 {
				t.Errorf("Update returned age %d at version %d", got.Age, got.Version)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := mustGet(t, people, "counter"); got.Age != writers || got.Version != writers+1 {
		t.Errorf("counter %d version %d; want %d and %d (a lost update)", got.Age, got.Version, writers, writers+1)
	}
}

// testConcurrentReplace: many writers read-modify-Replace one document,
// retrying on ErrConflict; the optimistic version lets no increment be lost.
func testConcurrentReplace(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	mustInsert(t, people, &person{Meta: store.Meta{ID: "counter"}})
	const writers, each = 12, 4
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if err := increment(t, people, &conflicts); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := mustGet(t, people, "counter")
	if got.Age != writers*each || got.Version != writers*each+1 {
		t.Errorf("counter %d version %d; want %d and %d (a lost update)", got.Age, got.Version, writers*each, writers*each+1)
	}
	t.Logf("%d conflicts retried", conflicts.Load())
}

func increment(t *testing.T, people *store.Collection[person, *person], conflicts *atomic.Int64) error {
	for range 1000 {
		p, err := people.Get(t.Context(), "counter")
		if err != nil {
			return err
		}
		p.Age++
		err = people.Replace(t.Context(), p)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		conflicts.Add(1)
	}
	return errors.New("increment: 1000 conflicts in a row")
}

func testConcurrentInserts(t *testing.T, h Harness) {
	items := mustOpen[item](t, h.openDB(t), itemsSpec)
	const writers, each = 8, 25
	ids := make([][]string, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				it := &item{Kind: fmt.Sprint("w", w), N: int64(i)}
				if err := items.Insert(t.Context(), it); err != nil {
					t.Errorf("insert: %v", err)
					return
				}
				ids[w] = append(ids[w], it.ID)
			}
		})
	}
	wg.Wait()
	mustCount(t, items, writers*each)
	seen := map[string]bool{}
	for w := range writers {
		mustCount(t, items, each, store.Eq("kind", fmt.Sprint("w", w)))
		for i, id := range ids[w] {
			if seen[id] {
				t.Errorf("id %s given twice", id)
			}
			seen[id] = true
			if got := mustGet(t, items, id); got.N != int64(i) || got.Kind != fmt.Sprint("w", w) {
				t.Errorf("%s holds %+v, want writer %d's item %d", id, got, w, i)
			}
		}
	}
}

// raceInserts inserts one document per goroutine, all at once, and counts
// how many succeeded; every failure must be ErrDuplicate.
func raceInserts(t *testing.T, people *store.Collection[person, *person], newDoc func(i int) *person) int64 {
	t.Helper()
	const racers = 8
	var won atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			p := newDoc(i)
			<-start
			err := people.Insert(t.Context(), p)
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, store.ErrDuplicate):
				t.Errorf("racing insert: %v, want nil or ErrDuplicate", err)
			}
		})
	}
	close(start)
	wg.Wait()
	return won.Load()
}

func testConcurrentSameID(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	won := raceInserts(t, people, func(i int) *person {
		return &person{Meta: store.Meta{ID: "only-one"}, Age: i}
	})
	if won != 1 {
		t.Errorf("%d inserts of one id succeeded, want 1", won)
	}
	mustCount(t, people, 1)
}

func testConcurrentSameUnique(t *testing.T, h Harness) {
	accounts := mustOpen[person](t, h.openDB(t), accountsSpec)
	won := raceInserts(t, accounts, func(i int) *person {
		return &person{Email: "race@example.org", Age: i}
	})
	if won != 1 {
		t.Errorf("%d inserts of one unique email succeeded, want 1", won)
	}
	mustCount(t, accounts, 1)
}
