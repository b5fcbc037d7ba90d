package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestInsertGetReplaceDelete(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	it := mustInsert(t, items, &item{Ref: "R-1", Status: "open", Ward: 4, Created: t0.Add(1500 * time.Microsecond)})
	if it.ID == "" || it.Version != 1 {
		t.Fatalf("insert gave id %q version %d; want an id and version 1", it.ID, it.Version)
	}
	got, err := items.Get(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ref != "R-1" || got.Ward != 4 || !got.Created.Equal(t0.Add(time.Millisecond)) || got.Version != 1 {
		t.Fatalf("get = %+v; want the stored fields, time cut to the millisecond", got)
	}

	stale := *got
	got.Status = "closed"
	if err := items.Replace(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("replace: %v, version %d; want version 2", err, got.Version)
	}
	stale.Status = "lost"
	if err := items.Replace(ctx, &stale); !errors.Is(err, store.ErrConflict) || stale.Version != 1 {
		t.Fatalf("replace at a stale version: %v, version %d; want ErrConflict and the version left alone", err, stale.Version)
	}
	if err := items.Delete(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := items.Get(ctx, it.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get after delete: %v; want ErrNotFound", err)
	}
	if err := items.Delete(ctx, it.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v; want ErrNotFound", err)
	}
	if err := items.Replace(ctx, got); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replace a deleted document: %v; want ErrNotFound", err)
	}
}

func TestDuplicates(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	first := mustInsert(t, items, &item{Ref: "R-1", Created: t0})
	if err := items.Insert(ctx, &item{Meta: store.Meta{ID: first.ID}, Created: t0}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("same id: %v; want ErrDuplicate", err)
	}
	if err := items.Insert(ctx, &item{Ref: "R-1", Created: t0}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("same unique ref: %v; want ErrDuplicate", err)
	}
	// Documents without the unique field are not constrained.
	mustInsert(t, items, &item{Created: t0})
	mustInsert(t, items, &item{Created: t0})
	second := mustInsert(t, items, &item{Ref: "R-2", Created: t0})
	second.Ref = "R-1"
	if err := items.Replace(ctx, second); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("replace onto a taken ref: %v; want ErrDuplicate", err)
	}
	if n, err := items.Count(ctx); err != nil || n != 4 {
		t.Fatalf("count = %d, %v; want 4", n, err)
	}
}

// TestPagesInIndexOrder walks every page forwards and backwards, with ties
// on the sort value falling across page boundaries.
func TestPagesInIndexOrder(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	var want []string
	for i := range 23 {
		created := t0.Add(time.Duration(i/3) * time.Minute) // three documents per minute
		it := mustInsert(t, items, &item{Ref: fmt.Sprint("R-", i), Status: "open", Created: created})
		want = append(want, it.ID)
		mustInsert(t, items, &item{Status: "closed", Created: created})
	}
	for _, desc := range []bool{false, true} {
		q := store.Query{Where: []store.Cond{store.Eq("status", "open")}, Sort: "created", Desc: desc, Limit: 5}
		var got []string
		for pages := 0; ; pages++ {
			page, err := items.Find(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if page.Next == "" {
				break
			}
			if pages > 10 {
				t.Fatal("pages never end")
			}
			q.After = page.Next
		}
		expect := slices.Clone(want)
		if desc {
			slices.Reverse(expect)
		}
		if !slices.Equal(got, expect) {
			t.Errorf("desc=%v: walked %v; want %v", desc, got, expect)
		}
	}
}

func TestListingWholeCollectionAndByRange(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	var ids []string
	for i := range 12 {
		ids = append(ids, mustInsert(t, items, &item{Ward: i % 3, Created: t0.Add(time.Duration(i) * time.Hour)}).ID)
	}
	page, err := items.Find(ctx, store.Query{Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := items.Find(ctx, store.Query{Limit: 7, After: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if got := append(idsOf(page.Items), idsOf(rest.Items)...); !slices.Equal(got, ids) || rest.Next != "" {
		t.Fatalf("listing = %v (next %q); want %v in insertion order", got, rest.Next, ids)
	}
	// A range with no sort comes back in the range field's order.
	q := store.Query{Where: []store.Cond{store.Gte("created", t0.Add(3*time.Hour)), store.Lt("created", t0.Add(9*time.Hour))}, Desc: true}
	page, err = items.Find(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(ids[3:9])
	slices.Reverse(want)
	if got := idsOf(page.Items); !slices.Equal(got, want) {
		t.Fatalf("range = %v; want %v", got, want)
	}
	n, err := items.Count(ctx, store.In("ward", 1, 2))
	if err != nil || n != 8 {
		t.Fatalf("count ward in (1, 2) = %d, %v; want 8", n, err)
	}
}

func idsOf(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// loose holds a field whose type varies between documents.
type loose struct {
	store.Meta
	Value any  `json:"value,omitempty"`
	Flag  bool `json:"flag"`
}

func TestRangesCompareLikeWithLike(t *testing.T) {
	ctx := context.Background()
	db := store.New(openEngine(t, t.TempDir()))
	spec := store.CollectionSpec{Name: "loose", Indexes: []store.IndexSpec{
		{Name: "by_value", Fields: []string{"value"}},
		{Name: "by_flag", Fields: []string{"flag"}},
	}}
	c, err := store.Open[loose](ctx, db, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{1, 7, 12.5, "3", "apple", "zebra", nil, t0} {
		if err := c.Insert(ctx, &loose{Value: v, Flag: v == 7}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		where []store.Cond
		want  []any
	}{
		{[]store.Cond{store.Gt("value", 5)}, []any{7.0, 12.5}},
		{[]store.Cond{store.Lte("value", 7)}, []any{1.0, 7.0}},
		{[]store.Cond{store.Lt("value", "b")}, []any{"2025-03-01T09:00:00.000Z", "3", "apple"}},
		{[]store.Cond{store.Gte("value", "b")}, []any{"zebra"}},
		{[]store.Cond{store.Gte("value", t0)}, []any{"2025-03-01T09:00:00.000Z", "3", "apple", "zebra"}},
		{[]store.Cond{store.Exists("value")}, []any{1.0, 7.0, 12.5, "2025-03-01T09:00:00.000Z", "3", "apple", "zebra"}},
		{[]store.Cond{store.Eq("value", "3")}, []any{"3"}},
		{[]store.Cond{store.Eq("flag", true)}, []any{7.0}},
	}
	for _, tc := range cases {
		page, err := c.Find(ctx, store.Query{Where: tc.where})
		if err != nil {
			t.Fatalf("%v: %v", tc.where, err)
		}
		var got []any
		for _, d := range page.Items {
			got = append(got, d.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%v = %v; want %v", tc.where, got, tc.want)
		}
	}
}

func TestQueriesOutsideTheIndexesAreRefused(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t, t.TempDir())
	drv, err := e.Collection(ctx, itemSpec)
	if err != nil {
		t.Fatal(err)
	}
	byStatus := &itemSpec.Indexes[1]
	plans := []store.Plan{
		{Limit: 5, Where: []store.Cond{store.Eq("status", "open")}},                 // no index named
		{Limit: 5, Sort: "created"},                                                 // sort with no index
		{Limit: 5, Index: byStatus, Where: []store.Cond{store.Eq("created", "x")}},  // not the leading field
		{Limit: 5, Index: byStatus, Sort: "ward"},                                   // sort off the index
		{Limit: 5, Index: &store.IndexSpec{Name: "nope", Fields: []string{"ward"}}}, // an index never declared
	}
	for _, p := range plans {
		if _, err := drv.Find(ctx, p); !errors.Is(err, store.ErrUnindexed) {
			t.Errorf("find %+v: %v; want ErrUnindexed", p, err)
		}
		if _, err := drv.Count(ctx, p); !errors.Is(err, store.ErrUnindexed) {
			t.Errorf("count %+v: %v; want ErrUnindexed", p, err)
		}
	}
	bad := []store.Plan{
		{Limit: 5, After: []any{"not a seq"}},
		{Limit: 5, Index: byStatus, Where: []store.Cond{store.Eq("status", "open")}, Sort: "created", After: []any{int64(3)}},
	}
	for _, p := range bad {
		if _, err := drv.Find(ctx, p); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("find %+v: %v; want ErrBadCursor", p, err)
		}
	}
}

func TestCollectionNamesKeepTheirCase(t *testing.T) {
	ctx := context.Background()
	db := store.New(openEngine(t, t.TempDir()))
	lower, err := store.Open[item](ctx, db, store.CollectionSpec{Name: "items"})
	if err != nil {
		t.Fatal(err)
	}
	upper, err := store.Open[item](ctx, db, store.CollectionSpec{Name: "Items"})
	if err != nil {
		t.Fatal(err)
	}
	mustInsert(t, lower, &item{Created: t0})
	if n, err := upper.Count(ctx); err != nil || n != 0 {
		t.Fatalf("Items holds %d documents (%v) after an insert into items; want 0", n, err)
	}
}

func TestExpiredDocumentsAreSwept(t *testing.T) {
	ctx := context.Background()
	db := store.New(openEngine(t, t.TempDir()))
	spec := store.CollectionSpec{Name: "sessions", Indexes: []store.IndexSpec{
		{Name: "expiry", Fields: []string{"expires"}, TTL: true, ExpireAfter: time.Hour},
	}}
	c, err := store.Open[item](ctx, db, spec)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	gone := mustInsert(t, c, &item{Expires: at(-61 * time.Minute)})
	kept := mustInsert(t, c, &item{Expires: at(-59 * time.Minute)})
	never := mustInsert(t, c, &item{})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := c.Get(ctx, gone.ID); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired document still there after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, it := range []*item{kept, never} {
		if _, err := c.Get(ctx, it.ID); err != nil {
			t.Errorf("unexpired document %+v: %v", it, err)
		}
	}
}

// TestNewDocumentsComeAfterEveryCursor: deleting the newest documents must
// not let the next insert take their place in seq order, behind a cursor a
// client already holds.
func TestNewDocumentsComeAfterEveryCursor(t *testing.T) {
	ctx := context.Background()
	_, items := openItems(t, openEngine(t, t.TempDir()))
	var all []*item
	for range 3 {
		all = append(all, mustInsert(t, items, &item{Created: t0}))
	}
	page, err := items.Find(ctx, store.Query{Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v, next %q", err, page.Next)
	}
	for _, it := range all[1:] {
		if err := items.Delete(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
	}
	fresh := mustInsert(t, items, &item{Created: t0})
	rest, err := items.Find(ctx, store.Query{Limit: 5, After: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(rest.Items); !slices.Equal(got, []string{fresh.ID}) {
		t.Fatalf("after the cursor: %v; want the new document %s", got, fresh.ID)
	}
}
