package sqlite

import (
	"context"
	"fmt"
	"math"
	"slices"

	"frontdoor/api/store"
)

// Find returns at most plan.Limit rows in the plan's order, after plan.After.
//
// Rows come in the order of the sort field (or, with no sort, of the range
// field, which the index orders anyway), then seq; with neither, in seq
// order. Row.Key is [sort value, seq] or [seq].
func (c *collection) Find(ctx context.Context, p store.Plan) ([]store.Row, error) {
	query, args, sorted, err := c.findSQL(p)
	if err != nil {
		return nil, err
	}
	rows, err := c.e.query(ctx, query, args...)
	if err != nil {
		return nil, c.fail("find", err)
	}
	defer rows.Close()
	out := make([]store.Row, 0, min(p.Limit, 64))
	for rows.Next() {
		var (
			seq     int64
			doc     []byte
			sortVal any
		)
		dest := []any{&seq, &doc}
		if sorted {
			dest = append(dest, &sortVal)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, c.fail("find", err)
		}
		key := []any{seq}
		if sorted {
			key = []any{keyValue(sortVal), seq}
		}
		out = append(out, store.Row{JSON: doc, Key: key})
	}
	if err := rows.Err(); err != nil {
		return nil, c.fail("find", err)
	}
	return out, nil
}

// Count counts the documents matching plan.Where.
func (c *collection) Count(ctx context.Context, p store.Plan) (int64, error) {
	query, args, err := c.countSQL(p)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := c.e.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, c.fail("count", err)
	}
	return n, nil
}

func (c *collection) countSQL(p store.Plan) (string, []any, error) {
	from, err := c.from(p)
	if err != nil {
		return "", nil, err
	}
	w, err := whereFor(p, p.OrderField(), nil)
	if err != nil {
		return "", nil, err
	}
	return "SELECT count(*) FROM " + from + w.String(), w.args, nil
}

// findSQL builds the SELECT for a plan; sorted says whether it returns the
// sort value as a third column.
func (c *collection) findSQL(p store.Plan) (query string, args []any, sorted bool, err error) {
	if p.Limit <= 0 {
		return "", nil, false, fmt.Errorf("%w: limit %d", store.ErrInvalid, p.Limit)
	}
	from, err := c.from(p)
	if err != nil {
		return "", nil, false, err
	}
	field := p.OrderField()
	var after []any
	if field != "" {
		after = p.After
	}
	w, err := whereFor(p, field, after)
	if err != nil {
		return "", nil, false, err
	}
	dir := ""
	if p.Desc {
		dir = " DESC"
	}
	cols, order := "seq, doc", "seq"+dir
	if field != "" {
		e := expr(field)
		cols, order = cols+", "+e, e+dir+", seq"+dir
	} else if err := afterSeq(&w, p); err != nil {
		return "", nil, false, err
	}
	query = "SELECT " + cols + " FROM " + from + w.String() + " ORDER BY " + order + " LIMIT ?"
	return query, append(w.args, p.Limit), field != "", nil
}

// afterSeq continues a listing in seq order after the cursor's seq. A listing
// of the whole collection gets a bound even on its first page, so that it is
// a search on the primary key, never a scan.
func afterSeq(w *clause, p store.Plan) error {
	cmp, first := ">", int64(math.MinInt64)
	if p.Desc {
		cmp, first = "<", math.MaxInt64
	}
	switch {
	case p.After != nil:
		if len(p.After) != 1 {
			return store.ErrBadCursor
		}
		seq, ok := p.After[0].(int64)
		if !ok {
			return store.ErrBadCursor
		}
		w.add("seq "+cmp+" ?", seq)
	case p.Index == nil && len(p.Where) == 0:
		w.add("seq "+cmp+" ?", first)
	}
	return nil
}

// from is the FROM clause, naming the plan's index with INDEXED BY so the
// query fails rather than scans if SQLite cannot use it. It also checks the
// plan against the index as this collection declared it.
func (c *collection) from(p store.Plan) (string, error) {
	if p.Index == nil {
		for _, cond := range p.Where {
			if cond.Field != store.IDField || (cond.Op != store.OpEq && cond.Op != store.OpIn) {
				return "", fmt.Errorf("%w: %s: %s %s without an index", store.ErrUnindexed, c.name, cond.Field, cond.Op)
			}
		}
		if p.Sort != "" {
			return "", fmt.Errorf("%w: %s: sort on %s without an index", store.ErrUnindexed, c.name, p.Sort)
		}
		return c.table, nil
	}
	ix, ok := c.indexes[p.Index.Name]
	if !ok {
		return "", fmt.Errorf("%w: %s has no index %q", store.ErrUnindexed, c.name, p.Index.Name)
	}
	if !serves(ix.fields, p) {
		return "", fmt.Errorf("%w: %s: index %q cannot serve where %v sort %q", store.ErrUnindexed, c.name, p.Index.Name, p.Where, p.Sort)
	}
	return c.table + " INDEXED BY " + ix.name, nil
}

// serves: equality on a set of leading index fields, then ranges and the sort
// on the next field only.
func serves(fields []string, p store.Plan) bool {
	var eq []string
	rng := p.Sort
	for _, cond := range p.Where {
		switch cond.Op {
		case store.OpEq, store.OpIn:
			if !slices.Contains(eq, cond.Field) {
				eq = append(eq, cond.Field)
			}
		default:
			if rng != "" && rng != cond.Field {
				return false
			}
			rng = cond.Field
		}
	}
	if len(eq) > len(fields) {
		return false
	}
	for _, f := range fields[:len(eq)] {
		if !slices.Contains(eq, f) {
			return false
		}
	}
	return rng == "" || (len(fields) > len(eq) && fields[len(eq)] == rng)
}

// keyValue keeps a sort value as a cursor can carry it.
func keyValue(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}
