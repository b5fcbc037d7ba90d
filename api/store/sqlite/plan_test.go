package sqlite

import (
	"context"
	"strings"
	"testing"

	"frontdoor/api/store"
)

// explain returns SQLite's query plan for a Find or Count of plan, one line
// per step.
func explain(t *testing.T, e *Engine, c *collection, p store.Plan, count bool) []string {
	t.Helper()
	var query string
	var args []any
	var err error
	if count {
		query, args, err = c.countSQL(p)
	} else {
		query, args, _, err = c.findSQL(p)
	}
	if err != nil {
		t.Fatalf("build SQL: %v", err)
	}
	return queryPlan(t, e, query, args...)
}

// queryPlan is EXPLAIN QUERY PLAN's answer for query, one line per step.
func queryPlan(t *testing.T, e *Engine, query string, args ...any) []string {
	t.Helper()
	rows, err := e.readers.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

func TestTTLSweepIsServedByItsIndex(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t, t.TempDir())
	if _, err := e.Collection(ctx, itemSpec); err != nil {
		t.Fatal(err)
	}
	ttls, err := e.ttlIndexes(ctx)
	if err != nil || len(ttls) != 1 {
		t.Fatalf("TTL indexes = %+v, %v; want the one itemSpec declares", ttls, err)
	}
	steps := queryPlan(t, e, sweepSQL(ttls[0]), minTime, minTime, sweepBatch)
	plan := strings.Join(steps, " | ")
	if strings.Contains(plan, "SCAN") || !strings.Contains(plan, "c_items/expiry (<expr>>? AND <expr><?)") {
		t.Fatalf("sweep plan: %s; want a search of the expiry index", plan)
	}
}

func TestEveryQueryShapeIsServedByAnIndex(t *testing.T) {
	e := openEngine(t, t.TempDir())
	drv, err := e.Collection(context.Background(), itemSpec)
	if err != nil {
		t.Fatal(err)
	}
	c := drv.(*collection)
	byStatus := &itemSpec.Indexes[1]
	byRef := &itemSpec.Indexes[0]
	byWard := &itemSpec.Indexes[2]
	byCreated := &itemSpec.Indexes[3]
	after := []any{"2025-03-01T09:00:00.000Z", int64(42)}
	cases := []struct {
		name        string
		plan        store.Plan
		count       bool
		sortAllowed bool // a temp b-tree for ORDER BY is expected (IN, or seq order after a partial-key equality)
	}{
		{name: "list by primary key", plan: store.Plan{Limit: 20}},
		{name: "list by primary key desc", plan: store.Plan{Limit: 20, Desc: true}},
		{name: "list by primary key continued", plan: store.Plan{Limit: 20, After: []any{int64(7)}}},
		{name: "id eq", plan: store.Plan{Limit: 1, Where: []store.Cond{store.Eq("id", "x")}}},
		{name: "id in", plan: store.Plan{Limit: 5, Where: []store.Cond{store.In("id", "a", "b")}}, sortAllowed: true},
		{name: "unique eq", plan: store.Plan{Index: byRef, Limit: 1, Where: []store.Cond{store.Eq("ref", "r1")}}},
		{name: "eq on whole index", plan: store.Plan{Index: byWard, Limit: 20, Where: []store.Cond{store.Eq("ward", int64(3))}}},
		{name: "eq on whole index continued", plan: store.Plan{Index: byWard, Limit: 20, Where: []store.Cond{store.Eq("ward", int64(3))}, After: []any{int64(9)}}},
		{name: "eq on whole index desc", plan: store.Plan{Index: byWard, Limit: 20, Desc: true, Where: []store.Cond{store.Eq("ward", int64(3))}}},
		{name: "in", plan: store.Plan{Index: byWard, Limit: 20, Where: []store.Cond{store.In("ward", int64(3), int64(4))}}, sortAllowed: true},
		{name: "eq on index prefix", plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{store.Eq("status", "open")}}, sortAllowed: true},
		{name: "eq then range", plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{store.Eq("status", "open"), store.Gte("created", t0)}}},
		{name: "eq then exists", plan: store.Plan{Index: byStatus, Limit: 20, Where: []store.Cond{store.Eq("status", "open"), store.Exists("created")}}},
		{name: "eq sort asc", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{store.Eq("status", "open")}}},
		{name: "eq sort desc", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Desc: true, Where: []store.Cond{store.Eq("status", "open")}}},
		{name: "eq sort continued", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{store.Eq("status", "open")}, After: after}},
		{name: "eq sort desc continued", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Desc: true, Where: []store.Cond{store.Eq("status", "open")}, After: after}},
		{name: "eq range sort continued", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{store.Eq("status", "open"), store.Lt("created", t0)}, After: after}},
		{name: "in sort", plan: store.Plan{Index: byStatus, Limit: 20, Sort: "created", Where: []store.Cond{store.In("status", "open", "closed")}}, sortAllowed: true},
		{name: "sort only", plan: store.Plan{Index: byCreated, Limit: 20, Sort: "created"}},
		{name: "sort only desc continued", plan: store.Plan{Index: byCreated, Limit: 20, Sort: "created", Desc: true, After: after}},
		{name: "range only", plan: store.Plan{Index: byCreated, Limit: 20, Where: []store.Cond{store.Gt("created", t0), store.Lte("created", t0.AddDate(0, 1, 0))}}},
		{name: "count eq", plan: store.Plan{Index: byWard, Where: []store.Cond{store.Eq("ward", int64(3))}}, count: true},
		{name: "count eq range", plan: store.Plan{Index: byStatus, Where: []store.Cond{store.Eq("status", "open"), store.Gt("created", t0)}}, count: true},
		{name: "count all", plan: store.Plan{}, count: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			steps := explain(t, e, c, tc.plan, tc.count)
			plan := strings.Join(steps, " | ")
			for _, s := range steps {
				if strings.HasPrefix(s, "SCAN") && !strings.Contains(s, "INDEX") {
					t.Errorf("table scan: %s", plan)
				}
				if strings.Contains(s, "TEMP B-TREE") && !tc.sortAllowed {
					t.Errorf("sorts instead of reading in index order: %s", plan)
				}
			}
			if tc.plan.Index != nil && !strings.Contains(plan, strings.Trim(c.indexes[tc.plan.Index.Name].name, `"`)) {
				t.Errorf("plan does not use %s: %s", tc.plan.Index.Name, plan)
			}
			t.Log(plan)
		})
	}
}
