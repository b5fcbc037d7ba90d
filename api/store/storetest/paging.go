package storetest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"frontdoor/api/store"
)

var pagingTests = []test{
	{"Ties", testPagingTies},
	{"StableWhileInserting", testPagingWhileInserting},
	{"AfterDeletedDocument", testPagingAfterDelete},
	{"CursorFromOtherQuery", testCursorFromOtherQuery},
	{"TamperedCursor", testTamperedCursor},
	{"ForgedCursorKey", testForgedCursorKey},
}

// testPagingTies: 30 documents share one sort value; small pages must still
// serve each exactly once, whatever order the engine gives ties.
func testPagingTies(t *testing.T, h Harness) {
	items := mustOpen[item](t, h.openDB(t), itemsSpec)
	var all []*item
	for i := range 40 {
		it := &item{Kind: "same", N: 7, S: fmt.Sprint(i % 2)}
		if i >= 30 {
			it.N = int64(i)
		}
		all = append(all, it)
	}
	mustInsert(t, items, all...)
	for _, q := range []store.Query{
		sorted("n", false), sorted("n", true), where(store.Eq("kind", "same")),
		sorted("n", false, store.Eq("kind", "same")), where(store.Eq("n", 7)), {},
	} {
		for _, limit := range []int{1, 3, 10} {
			q.Limit = limit
			checkFind(t, items, all, q)
		}
	}
}

// testPagingWhileInserting pages through while another goroutine inserts
// documents sorting before and after the cursor: every document there at the
// start is served exactly once, in order; one inserted after the cursor
// before a page is asked for is served, one inserted before it never is.
func testPagingWhileInserting(t *testing.T, h Harness) {
	items := mustOpen[item](t, h.openDB(t), itemsSpec)
	var start []*item
	for i := range 40 {
		start = append(start, &item{Kind: "k", N: int64(i * 10)})
	}
	mustInsert(t, items, start...)
	for _, desc := range []bool{false, true} {
		t.Run(fmt.Sprintf("desc=%v", desc), func(t *testing.T) {
			pageWhileInserting(t, items, desc)
		})
	}
}

func pageWhileInserting(t *testing.T, items *store.Collection[item, *item], desc bool) {
	present := map[string]bool{}
	for _, it := range findAll(t, items, store.Query{Limit: store.MaxLimit}) {
		present[it.ID] = true
	}
	ahead := int64(15) // how far past the cursor "ahead" documents sort
	if desc {
		ahead = -15
	}
	turns, acks := make(chan int64), make(chan *item)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(turns)
	wg.Go(func() { insertAround(t, items, ahead, turns, acks) })

	q := store.Query{Where: []store.Cond{store.Eq("kind", "k")}, Sort: "n", Desc: desc, Limit: 5}
	served, mustServe := map[string]int{}, map[string]bool{}
	var prev *int64
	for page := 0; page < 200; page++ {
		p, err := items.Find(t.Context(), q)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, it := range p.Items {
			served[it.ID]++
			delete(mustServe, it.ID)
			if prev != nil && (!desc && it.N < *prev || desc && it.N > *prev) {
				t.Errorf("page %d: n %d after %d breaks the order", page, it.N, *prev)
			}
			prev = &it.N
		}
		if p.Next == "" {
			break
		}
		turns <- *prev
		if a := <-acks; a != nil {
			mustServe[a.ID] = true
		}
		q.After = p.Next
	}
	for id, n := range served {
		if n != 1 {
			t.Errorf("%s served %d times", id, n)
		}
	}
	for id := range present {
		if served[id] == 0 {
			t.Errorf("%s, present from the start, never served", id)
		}
	}
	if len(mustServe) > 0 {
		t.Errorf("%d documents inserted after the cursor before the next page were never served", len(mustServe))
	}
}

// insertAround answers each cursor value with one document sorting just past
// it, acknowledged once committed, then more before, at and far from it,
// while the next page is read. Past the start's values it only acknowledges,
// so paging can end.
func insertAround(t *testing.T, items *store.Collection[item, *item], ahead int64, turns <-chan int64, acks chan<- *item) {
	defer close(acks)
	for last := range turns {
		if last < 0 || last > 390 {
			acks <- nil
			continue
		}
		after := &item{Kind: "k", N: last + ahead}
		if err := items.Insert(t.Context(), after); err != nil {
			t.Errorf("insert after the cursor: %v", err)
			after = nil
		}
		acks <- after
		for _, n := range []int64{last - ahead, last, -1000 - last, 1000 + last} {
			if err := items.Insert(t.Context(), &item{Kind: "k", N: n}); err != nil {
				t.Errorf("insert while paging: %v", err)
			}
		}
	}
}

// testPagingAfterDelete: a cursor still works when the document it points
// after has been deleted.
func testPagingAfterDelete(t *testing.T, h Harness) {
	items, all := loadItems(t, h, 30)
	for _, q := range []store.Query{sorted("n", false), sorted("t", true), where(store.Eq("kind", "beta")), {}} {
		q.Limit = 4
		first, err := items.Find(t.Context(), q)
		if err != nil || first.Next == "" {
			t.Fatalf("first page of %+v: %v", q, err)
		}
		last := first.Items[len(first.Items)-1]
		if err := items.Delete(t.Context(), last.ID); err != nil {
			t.Fatal(err)
		}
		q.After = first.Next
		rest := findAll(t, items, q)
		all = without(all, last.ID)
		for _, it := range rest {
			if slices.ContainsFunc(first.Items, func(f item) bool { return f.ID == it.ID }) {
				t.Errorf("%+v: %s served on the first page and again after the cursor", q, it.ID)
			}
		}
		if got, want := len(first.Items)-1+len(rest), len(expected(all, q)); got != want {
			t.Errorf("%+v: %d documents over both pages after the delete, want %d", q, got, want)
		}
	}
}

func without(all []*item, id string) []*item {
	var out []*item
	for _, it := range all {
		if it.ID != id {
			out = append(out, it)
		}
	}
	return out
}

func firstCursor(t *testing.T, items *store.Collection[item, *item], q store.Query) string {
	t.Helper()
	q.Limit = 5
	p, err := items.Find(t.Context(), q)
	if err != nil || p.Next == "" {
		t.Fatalf("first page of %+v: next %q, %v", q, p.Next, err)
	}
	return p.Next
}

func testCursorFromOtherQuery(t *testing.T, h Harness) {
	db := h.openDB(t)
	items := mustOpen[item](t, db, itemsSpec)
	mustInsert(t, items, fixtureItems(20)...)
	others := store.CollectionSpec{Name: "other_items", Indexes: itemsSpec.Indexes}
	copies := mustOpen[item](t, db, others)
	mustInsert(t, copies, fixtureItems(20)...)

	next := firstCursor(t, items, sorted("n", false))
	for _, q := range []store.Query{
		sorted("n", true), sorted("f", false), {}, sorted("n", false, store.Gt("n", 0)),
		sorted("n", false, store.Eq("kind", "alpha")), where(store.Eq("kind", "alpha")),
	} {
		q.After = next
		_, err := items.Find(t.Context(), q)
		wantErr(t, fmt.Sprintf("cursor of sort n used for %+v", q), err, store.ErrBadCursor)
	}
	_, err := copies.Find(t.Context(), store.Query{Sort: "n", After: next})
	wantErr(t, "cursor used on another collection", err, store.ErrBadCursor)
	filtered := firstCursor(t, items, where(store.Eq("kind", "alpha")))
	_, err = items.Find(t.Context(), store.Query{Where: []store.Cond{store.Eq("kind", "beta")}, After: filtered})
	wantErr(t, "cursor of kind alpha used for kind beta", err, store.ErrBadCursor)
}

func testTamperedCursor(t *testing.T, h Harness) {
	items, _ := loadItems(t, h, 20)
	q := sorted("n", false)
	next := firstCursor(t, items, q)
	for name, bad := range map[string]string{
		"cut short":     next[:len(next)-1],
		"cut in half":   next[:len(next)/2],
		"garbage":       "not a cursor",
		"bad alphabet":  strings.Repeat("*", len(next)),
		"huge":          strings.Repeat(next, 1+8192/len(next)),
		"other hash":    base64.RawURLEncoding.EncodeToString([]byte(`{"q":"AAAAAAAAAAAA","k":[{"i":1},{"s":"x"}]}`)),
		"json injected": base64.RawURLEncoding.EncodeToString([]byte(`{"$where":"1"}`)),
	} {
		q.After = bad
		p, err := items.Find(t.Context(), q)
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("%s cursor: %d items, %v; want ErrBadCursor", name, len(p.Items), err)
		}
	}
}

// testForgedCursorKey: cursors come from clients, who can rewrite the key a
// cursor carries while keeping its query fingerprint. The engine must answer
// with a page or ErrBadCursor, never a panic or another error.
func testForgedCursorKey(t *testing.T, h Harness) {
	items, _ := loadItems(t, h, 20)
	for _, q := range []store.Query{sorted("n", false), sorted("t", true), sorted("s", false), {}} {
		next := firstCursor(t, items, q)
		for _, forged := range forgeKeys(t, next) {
			q.After = forged.cursor
			_, err := items.Find(t.Context(), q)
			if err != nil && !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("%+v with key %s: %v; want a page or ErrBadCursor", q, forged.key, err)
			}
		}
	}
}

type forgedCursor struct{ key, cursor string }

// forgeKeys rewrites the key inside a cursor the store made: every element
// as every other type, one element fewer, one more.
func forgeKeys(t *testing.T, cursor string) []forgedCursor {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	var c struct {
		Q string           `json:"q"`
		K []map[string]any `json:"k"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.Q == "" || len(c.K) == 0 {
		t.Fatalf("storetest: the store's cursor format changed (%v); update forgeKeys", err)
	}
	values := []map[string]any{{"s": "zzz"}, {"s": ""}, {"i": -1}, {"i": 1 << 62}, {"f": 0.5}, {"b": true}, {"t": 0}, {"t": -62135596800000}}
	var keys [][]map[string]any
	for i := range c.K {
		for _, v := range values {
			k := append([]map[string]any(nil), c.K...)
			k[i] = v
			keys = append(keys, k)
		}
	}
	if len(c.K) > 1 {
		keys = append(keys, c.K[:len(c.K)-1])
	}
	keys = append(keys, append(append([]map[string]any(nil), c.K...), map[string]any{"s": "extra"}))
	var out []forgedCursor
	for _, k := range keys {
		c.K = k
		b, _ := json.Marshal(c)
		kb, _ := json.Marshal(k)
		out = append(out, forgedCursor{string(kb), base64.RawURLEncoding.EncodeToString(b)})
	}
	return out
}
