package store

import (
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Op is a comparison in a filter.
type Op string

// The filter language. Exists matches documents where the field is present
// and not null; the range operators compare like with like (time with time,
// number with number, string with string in byte order).
const (
	OpEq     Op = "eq"
	OpIn     Op = "in"
	OpGt     Op = "gt"
	OpGte    Op = "gte"
	OpLt     Op = "lt"
	OpLte    Op = "lte"
	OpExists Op = "exists"
)

// Cond is one condition on a field. Value is []any for OpIn, nil for OpExists.
type Cond struct {
	Field string
	Op    Op
	Value any
}

func Eq(field string, v any) Cond  { return Cond{field, OpEq, v} }
func Gt(field string, v any) Cond  { return Cond{field, OpGt, v} }
func Gte(field string, v any) Cond { return Cond{field, OpGte, v} }
func Lt(field string, v any) Cond  { return Cond{field, OpLt, v} }
func Lte(field string, v any) Cond { return Cond{field, OpLte, v} }
func Exists(field string) Cond     { return Cond{field, OpExists, nil} }

// In matches any of vs. Build the list with store.Values when you hold a typed slice.
func In(field string, vs ...any) Cond { return Cond{field, OpIn, vs} }

// Values turns a typed slice into the arguments In takes.
func Values[V any](vs []V) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// Query asks a collection for one page of documents.
//
// It must be served by one declared index: equality (Eq, In) on the index's
// leading fields, in any order, then range conditions (Gt..Lte, Exists) and
// the Sort, both on the next field of that index. With no Sort, documents
// come in ascending order of the range field when there is one, otherwise in
// a stable order of the engine's choosing. Sorting on a field leaves out
// documents that lack it.
type Query struct {
	Where []Cond
	Sort  string
	Desc  bool
	// Limit is the page size: DefaultLimit when zero, at most MaxLimit.
	Limit int
	// After is Page.Next from the previous page of the same query.
	After string
}

const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Page is one page of results; Next is empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// Plan is a validated query as an engine receives it. Values in Where are in
// portable form (see Doc). Index is nil when the primary key serves the query.
type Plan struct {
	Collection string
	Index      *IndexSpec
	Where      []Cond
	Sort       string
	Desc       bool
	Limit      int
	After      []any
}

// OrderField is the field results come in order of, before the engine's own
// tie-breaker: the Sort, or without one the range field, which the chosen
// index holds in order right after the equality fields (so the index serves
// the order). Empty means the engine's own stable order.
func (p Plan) OrderField() string {
	if p.Sort != "" || p.Index == nil {
		return p.Sort
	}
	for _, c := range p.Where {
		if isRange(c.Op) {
			return c.Field
		}
	}
	return ""
}

// IDField is the primary key's name in filters.
const IDField = "id"

var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$`)

func validField(f string) error {
	if !fieldName.MatchString(f) {
		return fmt.Errorf("%w: field name %q", ErrInvalid, f)
	}
	return nil
}

func isRange(op Op) bool {
	switch op {
	case OpGt, OpGte, OpLt, OpLte, OpExists:
		return true
	}
	return false
}

// plan checks q against the collection's indexes and normalizes its values.
func plan(spec CollectionSpec, q Query) (Plan, error) {
	p := Plan{Collection: spec.Name, Sort: q.Sort, Desc: q.Desc, Limit: q.Limit}
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit > MaxLimit {
		return p, fmt.Errorf("%w: limit %d over %d", ErrInvalid, q.Limit, MaxLimit)
	}
	var eqFields []string
	rangeField := q.Sort
	for _, c := range q.Where {
		if err := validField(c.Field); err != nil {
			return p, err
		}
		v, err := normalizeCond(c)
		if err != nil {
			return p, err
		}
		p.Where = append(p.Where, v)
		switch {
		case c.Op == OpEq || c.Op == OpIn:
			if !slices.Contains(eqFields, c.Field) {
				eqFields = append(eqFields, c.Field)
			}
		case isRange(c.Op):
			if rangeField != "" && rangeField != c.Field {
				return p, fmt.Errorf("%w: range on %q and %q; one field only, the sort field", ErrUnindexed, rangeField, c.Field)
			}
			rangeField = c.Field
		default:
			return p, fmt.Errorf("%w: operator %q", ErrInvalid, c.Op)
		}
	}
	if q.Sort != "" {
		if err := validField(q.Sort); err != nil {
			return p, err
		}
	}
	if len(eqFields) == 0 && rangeField == "" {
		return p, nil // primary key order
	}
	if len(eqFields) == 1 && eqFields[0] == IDField && rangeField == "" {
		return p, nil // by id
	}
	for i := range spec.Indexes {
		if serves(spec.Indexes[i], eqFields, rangeField) {
			p.Index = &spec.Indexes[i]
			return p, nil
		}
	}
	return p, fmt.Errorf("%w: %s where %v sort %q", ErrUnindexed, spec.Name, q.Where, q.Sort)
}

func serves(ix IndexSpec, eq []string, rng string) bool {
	n := len(eq)
	if len(ix.Fields) < n {
		return false
	}
	for _, f := range ix.Fields[:n] {
		if !slices.Contains(eq, f) {
			return false
		}
	}
	if rng == "" {
		return true
	}
	return len(ix.Fields) > n && ix.Fields[n] == rng
}

func normalizeCond(c Cond) (Cond, error) {
	switch c.Op {
	case OpExists:
		c.Value = nil
		return c, nil
	case OpIn:
		vs, ok := c.Value.([]any)
		if !ok || len(vs) == 0 || len(vs) > MaxLimit {
			return c, fmt.Errorf("%w: in on %q needs 1 to %d values", ErrInvalid, c.Field, MaxLimit)
		}
		out := make([]any, len(vs))
		for i, v := range vs {
			n, err := scalar(v)
			if err != nil {
				return c, fmt.Errorf("%w: %s: %w", ErrInvalid, c.Field, err)
			}
			out[i] = n
		}
		c.Value = out
		return c, nil
	}
	n, err := scalar(c.Value)
	if err != nil {
		return c, fmt.Errorf("%w: %s: %w", ErrInvalid, c.Field, err)
	}
	c.Value = n
	return c, nil
}

// scalar encodes a filter value to its portable form and refuses non-scalars.
func scalar(v any) (any, error) {
	n, err := encodeValue(v)
	if err != nil {
		return nil, err
	}
	switch n.(type) {
	case string, int64, float64, bool, time.Time:
		return n, nil
	}
	return nil, fmt.Errorf("filter value %T is not a scalar", v)
}
