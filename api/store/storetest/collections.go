package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

var collectionTests = []test{
	{"OpenTwice", testOpenTwice},
	{"AddIndex", testAddIndex},
	{"Separate", testSeparateCollections},
	{"Observer", testObserver},
}

// testOpenTwice: opening a collection again (as every start and migrate does)
// keeps its documents and its indexes.
func testOpenTwice(t *testing.T, h Harness) {
	db := h.openDB(t)
	first := mustOpen[person](t, db, accountsSpec)
	p := &person{Email: "kept@example.org", Name: "kept"}
	mustInsert(t, first, p)
	second := mustOpen[person](t, db, accountsSpec)
	if got := mustGet(t, second, p.ID); got.Name != "kept" {
		t.Errorf("reopened collection holds %+v", got)
	}
	wantErr(t, "unique index after reopening", second.Insert(t.Context(), &person{Email: "kept@example.org"}), store.ErrDuplicate)
	mustInsert(t, second, &person{Email: "new@example.org"})
	mustCount(t, first, 2)
	mustCount(t, second, 1, store.Eq("email", "new@example.org"))
}

// testAddIndex: opening with one more index upgrades the collection; the new
// index serves documents written before it existed.
func testAddIndex(t *testing.T, h Harness) {
	db := h.openDB(t)
	plain := store.CollectionSpec{Name: "upgraded"}
	before := mustOpen[item](t, db, plain)
	mustInsert(t, before, fixtureItems(12)...)
	_, err := before.Find(t.Context(), sorted("n", false))
	wantErr(t, "sort before the index exists", err, store.ErrUnindexed)

	indexed := store.CollectionSpec{Name: "upgraded", Indexes: []store.IndexSpec{
		{Name: "by_kind_n", Fields: []string{"kind", "n"}},
		{Name: "by_ref", Fields: []string{"s"}, Unique: true},
	}}
	after := mustOpen[item](t, db, indexed)
	all := findAll(t, after, store.Query{Limit: store.MaxLimit})
	var ptrs []*item
	for i := range all {
		ptrs = append(ptrs, &all[i])
	}
	checkFind(t, after, ptrs, store.Query{Where: []store.Cond{store.Eq("kind", "beta")}, Sort: "n", Limit: 2})
	wantErr(t, "the new unique index", after.Insert(t.Context(), &item{S: all[0].S}), store.ErrDuplicate)
}

// testSeparateCollections: collections share nothing, not even ids; names
// differing only in case are different collections.
func testSeparateCollections(t *testing.T, h Harness) {
	db := h.openDB(t)
	names := []string{"left", "right", "Right"}
	var cols []*store.Collection[person, *person]
	for i, name := range names {
		c := mustOpen[person](t, db, store.CollectionSpec{Name: name})
		mustInsert(t, c, &person{Meta: store.Meta{ID: "same"}, Name: name}, &person{Age: i})
		cols = append(cols, c)
	}
	for i, c := range cols {
		if got := mustGet(t, c, "same"); got.Name != names[i] {
			t.Errorf("%s holds %q under the shared id", names[i], got.Name)
		}
		mustCount(t, c, 2)
		if err := c.Delete(t.Context(), "same"); err != nil {
			t.Fatal(err)
		}
	}
	if c := cols[0]; c.Name() != "left" {
		t.Errorf("Name() = %q", c.Name())
	}
}

type observed struct {
	op, collection string
	d              time.Duration
}

// testObserver: WithObserver sees every operation, failed ones too, with
// the collection's name.
func testObserver(t *testing.T, h Harness) {
	var mu sync.Mutex
	var seen []observed
	db := h.openDB(t, store.WithObserver(func(op, collection string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, observed{op, collection, d})
	}))
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	people := mustOpen[person](t, db, peopleSpec)
	items := mustOpen[item](t, db, itemsSpec)
	p := &person{Name: "watched"}
	mustInsert(t, people, p)
	mustGet(t, people, p.ID)
	if _, err := people.Get(t.Context(), "missing"); err == nil {
		t.Fatal("Get missing succeeded")
	}
	if err := people.Replace(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := people.Find(t.Context(), store.Query{}); err != nil {
		t.Fatal(err)
	}
	mustCount(t, people, 1)
	if err := people.Delete(t.Context(), p.ID); err != nil {
		t.Fatal(err)
	}
	mustCount(t, items, 0)

	mu.Lock()
	defer mu.Unlock()
	var ops []string
	for _, o := range seen {
		ops = append(ops, o.collection+"."+o.op)
		if o.d < 0 {
			t.Errorf("%s.%s took %v", o.collection, o.op, o.d)
		}
	}
	want := []string{"people.insert", "people.get", "people.get", "people.replace", "people.find", "people.count", "people.delete", "items.count"}
	if !slices.Equal(ops, want) {
		t.Errorf("observed %v, want %v", ops, want)
	}
}
