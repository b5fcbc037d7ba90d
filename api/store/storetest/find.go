package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"frontdoor/api/store"
)

var findTests = []test{
	{"Filters", testFilters},
	{"Limits", testLimits},
	{"EmptyCollection", testEmptyCollection},
	{"Unindexed", testUnindexed},
	{"Invalid", testInvalidQueries},
}

type findCase struct {
	name string
	q    store.Query
}

func where(conds ...store.Cond) store.Query { return store.Query{Where: conds} }

func sorted(field string, desc bool, conds ...store.Cond) store.Query {
	return store.Query{Where: conds, Sort: field, Desc: desc}
}

// findCases covers each operator on each scalar type, compound and nested
// indexes, and sorting both ways.
func findCases(all []*item) []findCase {
	zone := time.FixedZone("UTC-7", -7*3600)
	from := fixtureBase.Add(5*time.Hour + 123*time.Nanosecond).In(zone)
	to := fixtureBase.Add(20 * time.Hour).In(zone)
	sameMs := ms(all[8].T).Add(999_999 * time.Nanosecond).In(zone) // the stored instant, seen from elsewhere
	epoch := time.Unix(0, 0)
	return []findCase{
		{"everything", store.Query{}},
		{"eq id", where(store.Eq(store.IDField, all[3].ID))},
		{"in ids", where(store.In(store.IDField, all[1].ID, all[4].ID, "missing"))},
		{"eq string", where(store.Eq("s", "apple"))},
		{"eq string is not a prefix match", where(store.Eq("s", "app"))},
		{"eq empty string", where(store.Eq("s", ""))},
		{"in strings", where(store.In("s", "Zebra", "éclair", "nope"))},
		{"string range in byte order", sorted("s", false, store.Gte("s", "Z"), store.Lt("s", "b"))},
		{"strings sorted descending", sorted("s", true)},
		{"eq int", where(store.Eq("n", 3))},
		{"eq int given as float", where(store.Eq("n", 3.0))},
		{"eq int beyond float precision", where(store.Eq("n", bigN))},
		{"in ints", where(store.In("n", -5, 0, bigN-1))},
		{"gt int", sorted("n", false, store.Gt("n", 3))},
		{"gt int beyond float precision", where(store.Gt("n", bigN-1))},
		{"gte and lt int descending", sorted("n", true, store.Gte("n", 0), store.Lt("n", 10))},
		{"lte int unsorted", where(store.Lte("n", -1))},
		{"int against a float bound", sorted("n", false, store.Gt("n", 2.5), store.Lte("n", 7.0))},
		{"float range", sorted("f", false, store.Gt("f", -0.5), store.Lte("f", 1.0))},
		{"float against an int bound", sorted("f", true, store.Gte("f", 0))},
		{"eq float", where(store.Eq("f", all[9].F))},
		{"float extremes sorted", sorted("f", false)},
		{"eq time from another zone", where(store.Eq("t", sameMs))},
		{"time range", sorted("t", false, store.Gte("t", from), store.Lt("t", to))},
		{"times across eras", sorted("t", false)},
		{"before 1970 descending", sorted("t", true, store.Lt("t", epoch))},
		{"eq true", where(store.Eq("flag", true))},
		{"eq false", where(store.Eq("flag", false))},
		{"exists", where(store.Exists("opt"))},
		{"sort leaves out missing", sorted("opt", false)},
		{"sort leaves out missing descending", sorted("opt", true)},
		{"eq opt", where(store.Eq("opt", 3))},
		{"range on a sometimes missing field", sorted("opt", false, store.Lte("opt", 2))},
		{"range matching nothing", where(store.Gt("opt", 100))},
		{"compound eq prefix", where(store.Eq("kind", "gamma"))},
		{"compound eq and exists", where(store.Eq("kind", "beta"), store.Exists("opt"))},
		{"compound eq and range", sorted("n", false, store.Eq("kind", "alpha"), store.Gte("n", 0), store.Lt("n", 10))},
		{"compound eq sort missing descending", sorted("opt", true, store.Eq("kind", "beta"))},
		{"compound in and sort", sorted("n", true, store.In("kind", "alpha", "gamma"))},
		{"compound in and range", sorted("n", false, store.In("kind", "alpha", "beta"), store.Gt("n", 2))},
		{"sort on a compound's leading field", sorted("kind", false)},
		{"nested eq", where(store.Eq("owner.team", "blue"))},
		{"nested eq and sort", sorted("t", false, store.Eq("owner.team", "red"))},
		{"nested eq and range descending", sorted("t", true, store.Eq("owner.team", "blue"), store.Gte("t", from))},
		{"no match", where(store.Eq("s", "nothing"))},
		{"range unsorted", where(store.Gt("f", 0))},
	}
}

// testFilters runs every case at a small page size, so most results span
// several pages, and in one page; Count must agree.
func testFilters(t *testing.T, h Harness) {
	items, all := loadItems(t, h, 60)
	for _, c := range findCases(all) {
		t.Run(c.name, func(t *testing.T) {
			for _, limit := range []int{7, store.MaxLimit} {
				q := c.q
				q.Limit = limit
				checkFind(t, items, all, q)
			}
			count := c.q
			count.Sort = ""
			mustCount(t, items, int64(len(expected(all, count))), c.q.Where...)
		})
	}
}

// findAll pages through q and returns what it served, in order. Every page
// but the last is full, only the last has no Next, and no document comes twice.
func findAll(t *testing.T, c *store.Collection[item, *item], q store.Query) []item {
	t.Helper()
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []item
	seen := map[string]bool{}
	for page := 1; ; page++ {
		p, err := c.Find(t.Context(), q)
		if err != nil {
			t.Fatalf("page %d of %+v: %v", page, q, err)
		}
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("page %d of %+v: %s served twice", page, q, it.ID)
			}
			seen[it.ID] = true
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			if len(p.Items) == 0 && page > 1 {
				t.Errorf("%+v: page %d is empty; the page before should have had no Next", q, page)
			}
			return out
		}
		if len(p.Items) != limit {
			t.Fatalf("page %d of %+v: %d items and a Next; want a full page of %d", page, q, len(p.Items), limit)
		}
		if page > 1000 {
			t.Fatalf("%+v: more than 1000 pages", q)
		}
		q.After = p.Next
	}
}

// checkFind runs q and compares it with the reference: the same documents,
// in sort order when q sorts (documents with equal values in any order).
func checkFind(t *testing.T, c *store.Collection[item, *item], all []*item, q store.Query) {
	t.Helper()
	got := findAll(t, c, q)
	want := expected(all, q)
	var ids []string
	for _, it := range got {
		ids = append(ids, it.ID)
		if !want[it.ID] {
			t.Errorf("limit %d: served %s (%+v), which does not match", q.Limit, it.ID, it)
		}
	}
	if len(got) != len(want) {
		var missing []string
		for id := range want {
			if !slices.Contains(ids, id) {
				missing = append(missing, id)
			}
		}
		t.Errorf("limit %d: served %d documents, want %d; missing %v", q.Limit, len(got), len(want), missing)
	}
	if q.Sort == "" {
		return
	}
	for i := 1; i < len(got); i++ {
		a, _ := got[i-1].value(q.Sort)
		b, _ := got[i].value(q.Sort)
		if r, _ := compare(a, b); q.Desc && r < 0 || !q.Desc && r > 0 {
			t.Errorf("limit %d: out of %s order at %d: %v then %v", q.Limit, direction(q), i, a, b)
		}
	}
}

func direction(q store.Query) string {
	if q.Desc {
		return "descending " + q.Sort
	}
	return "ascending " + q.Sort
}

func testLimits(t *testing.T, h Harness) {
	items, _ := loadItems(t, h, 60)
	cases := []struct {
		limit, items int
		next         bool
	}{
		{0, store.DefaultLimit, true}, {-1, store.DefaultLimit, true}, {1, 1, true},
		{59, 59, true}, {60, 60, false}, {61, 60, false}, {store.MaxLimit, 60, false},
	}
	for _, c := range cases {
		for _, q := range []store.Query{{Limit: c.limit}, {Sort: "n", Limit: c.limit}, {Where: []store.Cond{store.Gte("t", time.Time{})}, Limit: c.limit}} {
			p, err := items.Find(t.Context(), q)
			if err != nil || len(p.Items) != c.items || (p.Next != "") != c.next {
				t.Errorf("%+v: %d items, next %q, %v; want %d items, next %v", q, len(p.Items), p.Next, err, c.items, c.next)
			}
		}
	}
	one, err := items.FindOne(t.Context(), store.Eq("kind", "beta"), store.Gt("n", 5))
	if err != nil || one.Kind != "beta" || one.N <= 5 {
		t.Errorf("FindOne = %+v, %v; want a beta with n over 5", one, err)
	}
}

func testEmptyCollection(t *testing.T, h Harness) {
	items := mustOpen[item](t, h.openDB(t), itemsSpec)
	for _, q := range []store.Query{{}, {Sort: "n", Desc: true}, where(store.Eq("kind", "alpha"))} {
		p, err := items.Find(t.Context(), q)
		if err != nil || len(p.Items) != 0 || p.Next != "" {
			t.Errorf("Find(%+v) on an empty collection = %d items, next %q, %v", q, len(p.Items), p.Next, err)
		}
	}
	mustCount(t, items, 0)
	mustCount(t, items, 0, store.Eq("kind", "alpha"))
}

// testUnindexed: a query no declared index serves is refused, by Find and Count alike.
func testUnindexed(t *testing.T, h Harness) {
	items, _ := loadItems(t, h, 5)
	cases := []store.Query{
		sorted("f", false, store.Eq("kind", "alpha")),
		where(store.Gt("n", 1), store.Lt("f", 2)),
		sorted("n", false, store.Eq("s", "apple")),
		where(store.Eq("owner.name", "x")),
		sorted("opt", false, store.Eq("owner.team", "red")),
		sorted("t", false, store.Gt("n", 0)),
		sorted(store.IDField, false),
	}
	for _, q := range cases {
		_, err := items.Find(t.Context(), q)
		wantErr(t, fmt.Sprintf("Find(%+v)", q), err, store.ErrUnindexed)
		if q.Sort == "" {
			_, err = items.Count(t.Context(), q.Where...)
			wantErr(t, fmt.Sprintf("Count(%v)", q.Where), err, store.ErrUnindexed)
		}
	}
}

func testInvalidQueries(t *testing.T, h Harness) {
	items, _ := loadItems(t, h, 5)
	cases := map[string]store.Query{
		"limit over MaxLimit": {Limit: store.MaxLimit + 1},
		"bad field name":      where(store.Eq("n; drop table", 1)),
		"bad sort name":       {Sort: "$natural"},
		"in without values":   where(store.In("kind")),
		"eq nil":              where(store.Eq("kind", nil)),
		"eq a list":           where(store.Eq("kind", []string{"alpha"})),
		"operator injection":  where(store.Eq("kind", map[string]any{"$ne": ""})),
	}
	for name, q := range cases {
		p, err := items.Find(t.Context(), q)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: Find = %d items, %v; want ErrInvalid", name, len(p.Items), err)
		}
	}
	if _, err := items.Count(t.Context(), store.Eq("kind", nil)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Count(eq nil) = %v, want ErrInvalid", err)
	}
}
