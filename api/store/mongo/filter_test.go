package mongo

import (
	"cmp"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"frontdoor/api/store"
)

func TestBuildQuery(t *testing.T) {
	byStatus := &store.IndexSpec{Name: "by_status", Fields: []string{"status", "created"}}
	byRef := &store.IndexSpec{Name: "by_ref", Fields: []string{"council", "number"}, Unique: true}
	t1 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(24 * time.Hour)
	idAsc := bson.D{kv("_id", int32(1))}
	tests := []struct {
		name      string
		plan      store.Plan
		filter    bson.D
		sort      bson.D
		sortField string
	}{
		{
			name:   "everything in id order",
			plan:   store.Plan{Limit: 20},
			filter: bson.D{},
			sort:   idAsc,
		},
		{
			name:   "id maps to _id",
			plan:   store.Plan{Limit: 20, Where: []store.Cond{store.In("id", "a", "b")}},
			filter: bson.D{kv("_id", bson.D{kv("$in", bson.A{"a", "b"})})},
			sort:   idAsc,
		},
		{
			name: "equality and in on index fields",
			plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{
				store.Eq("status", "open"), store.In("ward", int64(3), int64(4)),
			}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("ward", bson.D{kv("$in", bson.A{int64(3), int64(4)})}),
			},
			sort: idAsc,
		},
		{
			name: "both ends of a range and the sort on one field",
			plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{
				store.Eq("status", "open"), store.Gte("created", t1), store.Lt("created", t2),
			}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("created", bson.D{kv("$gte", t1), kv("$lt", t2), kv("$ne", nil)}),
			},
			sort:      bson.D{kv("created", int32(1)), kv("_id", int32(1))},
			sortField: "created",
		},
		{
			name:      "exists is present and not null, once with the sort",
			plan:      store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{store.Exists("created")}},
			filter:    bson.D{kv("created", bson.D{kv("$ne", nil)})},
			sort:      bson.D{kv("created", int32(1)), kv("_id", int32(1))},
			sortField: "created",
		},
		{
			name: "a range without a sort orders by the range field",
			plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{
				store.Eq("status", "open"), store.Lte("created", t2),
			}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("created", bson.D{kv("$lte", t2), kv("$ne", nil)}),
			},
			sort:      bson.D{kv("created", int32(1)), kv("_id", int32(1))},
			sortField: "created",
		},
		{
			name: "next page descending",
			plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Desc: true,
				Where: []store.Cond{store.Eq("status", "open")}, After: []any{t1, "01abc"}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("created", bson.D{kv("$ne", nil), kv("$lte", t1)}),
				kv("$or", bson.A{
					bson.D{kv("created", bson.D{kv("$lt", t1)})},
					bson.D{kv("_id", bson.D{kv("$lt", "01abc")})},
				}),
			},
			sort:      bson.D{kv("created", int32(-1)), kv("_id", int32(-1))},
			sortField: "created",
		},
		{
			name: "next page after a range's lower end",
			plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created",
				Where: []store.Cond{store.Eq("status", "open"), store.Gte("created", t1)}, After: []any{t2, "01abc"}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("created", bson.D{kv("$gte", t1), kv("$ne", nil)}),
				kv("$and", bson.A{bson.D{kv("created", bson.D{kv("$gte", t2)})}}),
				kv("$or", bson.A{
					bson.D{kv("created", bson.D{kv("$gt", t2)})},
					bson.D{kv("_id", bson.D{kv("$gt", "01abc")})},
				}),
			},
			sort:      bson.D{kv("created", int32(1)), kv("_id", int32(1))},
			sortField: "created",
		},
		{
			name:      "a unique index pinned to one value sorts without _id",
			plan:      store.Plan{Index: byRef, Limit: 20, Sort: "number", Where: []store.Cond{store.Eq("council", "cardiff")}},
			filter:    bson.D{kv("council", bson.D{kv("$eq", "cardiff")}), kv("number", bson.D{kv("$ne", nil)})},
			sort:      bson.D{kv("number", int32(1))},
			sortField: "number",
		},
		{
			name: "a unique index under in keeps the _id tie-break",
			plan: store.Plan{Index: byRef, Limit: 20, Sort: "number", Where: []store.Cond{store.In("council", "cardiff", "newport")}},
			filter: bson.D{
				kv("council", bson.D{kv("$in", bson.A{"cardiff", "newport"})}),
				kv("number", bson.D{kv("$ne", nil)}),
			},
			sort:      bson.D{kv("number", int32(1)), kv("_id", int32(1))},
			sortField: "number",
		},
		{
			name:   "next page in id order",
			plan:   store.Plan{Limit: 20, After: []any{"01abc"}},
			filter: bson.D{kv("_id", bson.D{kv("$gt", "01abc")})},
			sort:   idAsc,
		},
		{
			name: "the same operator twice on a field keeps both",
			plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{
				store.Eq("status", "open"), store.Eq("status", "closed"),
			}},
			filter: bson.D{
				kv("status", bson.D{kv("$eq", "open")}),
				kv("$and", bson.A{bson.D{kv("status", bson.D{kv("$eq", "closed")})}}),
			},
			sort: idAsc,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := buildQuery(tt.plan)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(q.filter, tt.filter) {
				t.Errorf("filter\n got %v\nwant %v", q.filter, tt.filter)
			}
			if !reflect.DeepEqual(q.sort, tt.sort) {
				t.Errorf("sort got %v, want %v", q.sort, tt.sort)
			}
			if q.sortField != tt.sortField {
				t.Errorf("sort field got %q, want %q", q.sortField, tt.sortField)
			}
		})
	}
}

func TestBuildQueryRefusesForeignCursors(t *testing.T) {
	byCreated := &store.IndexSpec{Name: "by_created", Fields: []string{"created"}}
	for name, p := range map[string]store.Plan{
		"sorted key too short":      {Index: byCreated, Sort: "created", After: []any{"01abc"}},
		"sorted key with int id":    {Index: byCreated, Sort: "created", After: []any{int64(1), int64(2)}},
		"sorted key with list":      {Index: byCreated, Sort: "created", After: []any{[]any{1}, "01abc"}},
		"id key too long":           {After: []any{"a", "b"}},
		"id key that is not a text": {After: []any{int64(7)}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := buildQuery(p); !errors.Is(err, store.ErrBadCursor) {
				t.Fatalf("got %v, want ErrBadCursor", err)
			}
		})
	}
}

// TestKeysetPagingWithTies walks pages through documents that share sort
// values, applying the filters buildQuery makes with a tiny evaluator, and
// checks that every document comes exactly once and in order.
func TestKeysetPagingWithTies(t *testing.T) {
	var docs []bson.D
	for i := range 23 {
		docs = append(docs, bson.D{kv("_id", string(rune('a'+i))), kv("rank", int64(i%4))})
	}
	ix := &store.IndexSpec{Name: "by_rank", Fields: []string{"rank"}}
	for _, desc := range []bool{false, true} {
		var got []string
		var after []any
		for range 20 {
			q, err := buildQuery(store.Plan{Index: ix, Sort: "rank", Desc: desc, Limit: 5, After: after})
			if err != nil {
				t.Fatal(err)
			}
			page := evalPage(t, docs, q, 5)
			if len(page) == 0 {
				break
			}
			for _, d := range page {
				got = append(got, d[0].Value.(string))
			}
			last := page[len(page)-1]
			_, key, err := documentJSON(last, q.sortField)
			if err != nil {
				t.Fatal(err)
			}
			after = key
		}
		if len(got) != len(docs) {
			t.Fatalf("desc=%v: %d documents over all pages, want %d: %v", desc, len(got), len(docs), got)
		}
		seen := map[string]bool{}
		for i, id := range got {
			if seen[id] {
				t.Fatalf("desc=%v: %s twice", desc, id)
			}
			seen[id] = true
			if i > 0 && before(docs, got[i], got[i-1], desc) {
				t.Fatalf("desc=%v: %s came after %s", desc, got[i], got[i-1])
			}
		}
	}
}

func before(docs []bson.D, a, b string, desc bool) bool {
	rank := func(id string) int64 { return docs[id[0]-'a'][1].Value.(int64) }
	ka, kb := rank(a), rank(b)
	if ka == kb {
		return (a < b) != desc
	}
	return (ka < kb) != desc
}

// evalPage applies filter and sort of q to docs, for the operators the keyset
// conditions use on int64 and string values.
func evalPage(t *testing.T, docs []bson.D, q query, limit int) []bson.D {
	t.Helper()
	var out []bson.D
	for _, d := range docs {
		if matches(t, d, q.filter) {
			out = append(out, d)
		}
	}
	less := func(a, b bson.D) bool {
		for _, s := range q.sort {
			c := compare(get(a, s.Key), get(b, s.Key))
			if c != 0 {
				return (c < 0) == (s.Value.(int32) > 0)
			}
		}
		return false
	}
	for i := 1; i < len(out); i++ { // insertion sort: small inputs
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out[:min(limit, len(out))]
}

func matches(t *testing.T, d bson.D, filter bson.D) bool {
	for _, e := range filter {
		if e.Key == "$or" {
			hit := false
			for _, alt := range e.Value.(bson.A) {
				hit = hit || matches(t, d, alt.(bson.D))
			}
			if !hit {
				return false
			}
			continue
		}
		v := get(d, e.Key)
		for _, op := range e.Value.(bson.D) {
			var ok bool
			switch op.Key {
			case "$eq":
				ok = compare(v, op.Value) == 0
			case "$ne":
				ok = v != nil
			case "$gt":
				ok = compare(v, op.Value) > 0
			case "$gte":
				ok = compare(v, op.Value) >= 0
			case "$lt":
				ok = compare(v, op.Value) < 0
			case "$lte":
				ok = compare(v, op.Value) <= 0
			default:
				t.Fatalf("evaluator has no %s", op.Key)
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

func get(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

func compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case string:
		return cmp.Compare(x, b.(string))
	}
	panic("the evaluator compares int64 and string only")
}
