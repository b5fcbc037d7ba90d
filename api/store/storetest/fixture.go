package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"frontdoor/api/store"
)

// item is the document the query tests use: one field of each scalar type,
// one that is sometimes missing, and a nested one.
type item struct {
	store.Meta
	Kind  string    `json:"kind"`
	N     int64     `json:"n"`
	F     float64   `json:"f"`
	S     string    `json:"s"`
	T     time.Time `json:"t"`
	Flag  bool      `json:"flag"`
	Opt   *int64    `json:"opt,omitempty"`
	Owner owner     `json:"owner"`
}

type owner struct {
	Team string `json:"team"`
	Name string `json:"name,omitempty"`
}

var itemsSpec = store.CollectionSpec{Name: "items", Indexes: []store.IndexSpec{
	{Name: "by_n", Fields: []string{"n"}},
	{Name: "by_f", Fields: []string{"f"}},
	{Name: "by_s", Fields: []string{"s"}},
	{Name: "by_t", Fields: []string{"t"}},
	{Name: "by_flag", Fields: []string{"flag"}},
	{Name: "by_opt", Fields: []string{"opt"}},
	{Name: "by_kind_n", Fields: []string{"kind", "n"}},
	{Name: "by_kind_opt", Fields: []string{"kind", "opt"}},
	{Name: "by_team_t", Fields: []string{"owner.team", "t"}},
}}

// Strings whose byte order differs from dictionary order.
var words = []string{"apple", "Apple", "banana", "Zebra", "éclair", "zebra", "apple pie",
	"app", "", "_under", "10", "9", "Ωmega"}

var (
	fixtureBase = time.Date(2025, 3, 30, 0, 30, 0, 123_456_789, time.FixedZone("BST", 3600))
	bigN        = int64(1<<53 + 1) // a float64 would make it 1<<53
)

// fixtureItems makes n items with ties, extremes and missing fields.
func fixtureItems(n int) []*item {
	out := make([]*item, n)
	for i := range n {
		it := &item{
			Kind:  []string{"alpha", "beta", "gamma"}[i%3],
			N:     int64((i*7)%20 - 5),
			F:     float64(i%11)*0.25 - 1.1,
			S:     words[i%len(words)],
			T:     fixtureBase.Add(time.Duration(i) * 37 * time.Minute),
			Flag:  i%4 == 0,
			Owner: owner{Team: []string{"red", "blue"}[i%2]},
		}
		if i%5 != 0 {
			o := int64(i % 7)
			it.Opt = &o
		}
		switch i {
		case 0:
			it.N = bigN
		case 1:
			it.N = bigN - 1
		case 2:
			it.N = -(1 << 62)
		case 3:
			it.F = 1e300
		case 4:
			it.F = -5e-324
		case 5:
			it.T = time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
		case 6:
			it.T = time.Date(500, 1, 1, 0, 0, 0, 0, time.UTC)
		case 7:
			it.T = time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)
		}
		out[i] = it
	}
	return out
}

// loadItems opens the items collection on a fresh engine and fills it.
func loadItems(t *testing.T, h Harness, n int) (*store.Collection[item, *item], []*item) {
	t.Helper()
	items := mustOpen[item](t, h.openDB(t), itemsSpec)
	all := fixtureItems(n)
	mustInsert(t, items, all...)
	return items, all
}

// value is field f of it in portable form, and whether it is present.
func (it *item) value(f string) (any, bool) {
	switch f {
	case store.IDField:
		return it.ID, true
	case "kind":
		return it.Kind, true
	case "n":
		return it.N, true
	case "f":
		return it.F, true
	case "s":
		return it.S, true
	case "t":
		return ms(it.T), true
	case "flag":
		return it.Flag, true
	case "opt":
		if it.Opt == nil {
			return nil, false
		}
		return *it.Opt, true
	case "owner.team":
		return it.Owner.Team, true
	}
	panic("storetest: item has no field " + f)
}

// compare orders two portable scalars of one kind; ok is false when their
// kinds differ (the contract compares like with like).
func compare(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y), true
		case float64:
			return cmp.Compare(float64(x), y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, float64(y)), true
		case float64:
			return cmp.Compare(x, y), true
		}
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(x, y), true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	case bool:
		if y, ok := b.(bool); ok && x == y {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

// portable maps a query value the way the store does, for the reference.
func portable(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case time.Time:
		return ms(x)
	}
	return v
}

// matches is the reference implementation of the filter language.
func (it *item) matches(where []store.Cond) bool {
	for _, c := range where {
		v, present := it.value(c.Field)
		if !present {
			return false
		}
		if !condHolds(c, v) {
			return false
		}
	}
	return true
}

func condHolds(c store.Cond, v any) bool {
	if c.Op == store.OpExists {
		return true
	}
	if c.Op == store.OpIn {
		return slices.ContainsFunc(c.Value.([]any), func(w any) bool {
			r, ok := compare(v, portable(w))
			return ok && r == 0
		})
	}
	r, ok := compare(v, portable(c.Value))
	if !ok {
		return false
	}
	switch c.Op {
	case store.OpEq:
		return r == 0
	case store.OpGt:
		return r > 0
	case store.OpGte:
		return r >= 0
	case store.OpLt:
		return r < 0
	case store.OpLte:
		return r <= 0
	}
	panic(fmt.Sprintf("storetest: operator %q", c.Op))
}

// expected lists the ids q must find in all, in no particular order.
func expected(all []*item, q store.Query) map[string]bool {
	want := map[string]bool{}
	for _, it := range all {
		if !it.matches(q.Where) {
			continue
		}
		if q.Sort != "" {
			if _, ok := it.value(q.Sort); !ok {
				continue // sorting leaves out documents without the field
			}
		}
		want[it.ID] = true
	}
	return want
}
