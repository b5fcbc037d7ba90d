package store

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var casesSpec = CollectionSpec{Name: "cases", Indexes: []IndexSpec{
	{Name: "by_ref", Fields: []string{"ref"}, Unique: true},
	{Name: "by_status_opened", Fields: []string{"status", "opened_at"}},
	{Name: "by_team_status_due", Fields: []string{"owner.team", "status", "due"}},
	{Name: "expiry", Fields: []string{"expires_at"}, TTL: true, ExpireAfter: time.Hour},
}}

// TestPlanChoosesIndex: equality on an index's leading fields (any order), then
// range and sort on its next field; the primary key serves no filter or ids.
func TestPlanChoosesIndex(t *testing.T) {
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		q     Query
		index string // "" is the primary key
	}{
		{"nothing", Query{}, ""},
		{"eq id", Query{Where: []Cond{Eq("id", "a")}}, ""},
		{"in id", Query{Where: []Cond{In("id", "a", "b")}}, ""},
		{"eq unique", Query{Where: []Cond{Eq("ref", "R1")}}, "by_ref"},
		{"sort single", Query{Sort: "ref", Desc: true}, "by_ref"},
		{"range single", Query{Where: []Cond{Gt("ref", "A"), Lte("ref", "M")}}, "by_ref"},
		{"exists single", Query{Where: []Cond{Exists("ref")}}, "by_ref"},
		{"eq prefix", Query{Where: []Cond{Eq("status", "open")}}, "by_status_opened"},
		{"eq then sort", Query{Where: []Cond{Eq("status", "open")}, Sort: "opened_at"}, "by_status_opened"},
		{"in then range and sort", Query{Where: []Cond{In("status", "open", "held"), Gte("opened_at", day), Lt("opened_at", day.Add(24*time.Hour))}, Sort: "opened_at", Desc: true}, "by_status_opened"},
		{"eq then exists", Query{Where: []Cond{Eq("status", "open"), Exists("opened_at")}}, "by_status_opened"},
		{"same eq twice", Query{Where: []Cond{Eq("status", "open"), Eq("status", "held")}}, "by_status_opened"},
		{"eq in any order", Query{Where: []Cond{Eq("status", "open"), Eq("owner.team", "roads")}, Sort: "due"}, "by_team_status_due"},
		{"nested leading eq", Query{Where: []Cond{Eq("owner.team", "roads")}, Sort: "status"}, "by_team_status_due"},
		{"eq on every field", Query{Where: []Cond{Eq("due", day), Eq("owner.team", "roads"), Eq("status", "open")}}, "by_team_status_due"},
		{"TTL index sorts", Query{Sort: "expires_at"}, "expiry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := plan(casesSpec, c.q)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			got := ""
			if p.Index != nil {
				got = p.Index.Name
			}
			if got != c.index {
				t.Errorf("index %q, want %q", got, c.index)
			}
			if p.Collection != "cases" || p.Sort != c.q.Sort || p.Desc != c.q.Desc || len(p.Where) != len(c.q.Where) {
				t.Errorf("plan %+v does not carry the query %+v", p, c.q)
			}
		})
	}
}

func TestPlanRefusesUnindexed(t *testing.T) {
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	cases := map[string]Query{
		"sort on second field":      {Sort: "opened_at"},
		"eq on second field":        {Where: []Cond{Eq("opened_at", day)}},
		"unknown field":             {Where: []Cond{Eq("colour", "red")}},
		"sort skips a field":        {Where: []Cond{Eq("status", "open")}, Sort: "due"},
		"range and sort differ":     {Where: []Cond{Eq("status", "open"), Gt("opened_at", day)}, Sort: "due"},
		"two range fields":          {Where: []Cond{Gt("ref", "A"), Lt("opened_at", day)}},
		"exists and other sort":     {Where: []Cond{Exists("ref")}, Sort: "expires_at"},
		"id with another field":     {Where: []Cond{Eq("id", "a"), Eq("status", "open")}},
		"sort on id":                {Sort: "id"},
		"range on id":               {Where: []Cond{Gt("id", "a")}},
		"eq skips the leading one":  {Where: []Cond{Eq("status", "open"), Eq("due", day)}},
		"sort on an equality field": {Where: []Cond{Eq("status", "open")}, Sort: "status"},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			if p, err := plan(casesSpec, q); !errors.Is(err, ErrUnindexed) {
				t.Errorf("plan = %+v, %v; want ErrUnindexed", p, err)
			}
		})
	}
}

func TestPlanRefusesInvalid(t *testing.T) {
	many := make([]any, MaxLimit+1)
	for i := range many {
		many[i] = i
	}
	cases := map[string]Query{
		"limit over max":       {Limit: MaxLimit + 1},
		"bad sort name":        {Sort: "ref; drop"},
		"in without values":    {Where: []Cond{In("ref")}},
		"in with too many":     {Where: []Cond{In("ref", many...)}},
		"in with a non-scalar": {Where: []Cond{In("ref", "a", []string{"b"})}},
		"in with a typed list": {Where: []Cond{{Field: "ref", Op: OpIn, Value: []string{"a"}}}},
		"eq nil":               {Where: []Cond{Eq("ref", nil)}},
		"eq nil pointer":       {Where: []Cond{Eq("ref", (*int)(nil))}},
		"eq slice":             {Where: []Cond{Eq("ref", []int{1})}},
		"eq map":               {Where: []Cond{Eq("ref", map[string]any{"$ne": 1})}},
		"eq struct":            {Where: []Cond{Eq("ref", struct{ A int }{1})}},
		"eq NaN":               {Where: []Cond{Eq("ref", math.NaN())}},
		"range year 10000":     {Where: []Cond{Gt("ref", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}},
		"unknown operator":     {Where: []Cond{{Field: "ref", Op: "regex", Value: ".*"}}},
		"empty operator":       {Where: []Cond{{Field: "ref", Value: "x"}}},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			if p, err := plan(casesSpec, q); !errors.Is(err, ErrInvalid) {
				t.Errorf("plan = %+v, %v; want ErrInvalid", p, err)
			}
		})
	}
}

func TestFieldNames(t *testing.T) {
	valid := []string{"a", "_x", "A1", "owner.team", "a1.b2.c3", strings.Repeat("a", 64),
		strings.Repeat("a.", 7) + "a", "created_at"}
	invalid := []string{"", "1a", "a-b", "a..b", ".a", "a.", "a b", "$where", "a.$b", "é",
		strings.Repeat("a", 65), strings.Repeat("a.", 8) + "a", "a.1b", "a\x00", "a\n", "ref;drop"}
	for _, f := range valid {
		if err := validField(f); err != nil {
			t.Errorf("validField(%q) = %v, want nil", f, err)
		}
	}
	for _, f := range invalid {
		if err := validField(f); !errors.Is(err, ErrInvalid) {
			t.Errorf("validField(%q) = %v, want ErrInvalid", f, err)
		}
		// A bad name is refused wherever a query names a field.
		for _, q := range []Query{{Where: []Cond{Eq(f, 1)}}, {Where: []Cond{Exists(f)}}, {Sort: f + " "}} {
			if _, err := plan(casesSpec, q); !errors.Is(err, ErrInvalid) {
				t.Errorf("plan(%+v) = %v, want ErrInvalid", q, err)
			}
		}
	}
}

func TestPlanLimit(t *testing.T) {
	for limit, want := range map[int]int{0: DefaultLimit, -5: DefaultLimit, 1: 1, MaxLimit: MaxLimit} {
		p, err := plan(casesSpec, Query{Limit: limit})
		if err != nil || p.Limit != want {
			t.Errorf("limit %d: plan limit %d, %v; want %d", limit, p.Limit, err, want)
		}
	}
}

// TestPlanNormalizesValues: engines receive only portable scalars.
func TestPlanNormalizesValues(t *testing.T) {
	type code string
	n := 7
	zone := time.FixedZone("UTC-3", -3*3600)
	local := time.Date(2025, 6, 1, 21, 0, 0, 999_999_999, zone)
	utc := time.Date(2025, 6, 2, 0, 0, 0, 999_000_000, time.UTC)
	q := Query{Where: []Cond{
		Eq("status", code("open")),
		In("owner.team", uint8(3), float32(0.5), &n, true, local),
		{Field: "due", Op: OpExists, Value: "ignored"},
	}}
	p, err := plan(casesSpec, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cond{
		{"status", OpEq, "open"},
		{"owner.team", OpIn, []any{int64(3), float64(0.5), int64(7), true, utc}},
		{"due", OpExists, nil},
	}
	if !reflect.DeepEqual(p.Where, want) {
		t.Errorf("Where =\n%#v\nwant\n%#v", p.Where, want)
	}
	if q.Where[1].Value.([]any)[4] != any(local) {
		t.Error("plan changed the caller's query values")
	}
	p, err = plan(casesSpec, Query{Where: []Cond{Gte("opened_at", local), Eq("status", "x")}})
	if err != nil || p.Where[0].Value != any(utc) {
		t.Errorf("range value = %#v, %v; want %v", p.Where[0].Value, err, utc)
	}
}

func TestValues(t *testing.T) {
	got := Values([]string{"a", "b"})
	if !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("Values = %#v", got)
	}
	p, err := plan(casesSpec, Query{Where: []Cond{In("status", Values([]int{1, 2})...)}})
	if err != nil || !reflect.DeepEqual(p.Where[0].Value, []any{int64(1), int64(2)}) {
		t.Errorf("In(Values) planned as %#v, %v", p.Where, err)
	}
}
