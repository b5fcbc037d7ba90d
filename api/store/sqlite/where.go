package sqlite

import (
	"fmt"
	"math"
	"strings"
	"time"

	"frontdoor/api/store"
)

// clause is a list of SQL conditions, ANDed, with their arguments.
type clause struct {
	conds []string
	args  []any
}

func (c *clause) add(cond string, args ...any) {
	c.conds = append(c.conds, cond)
	c.args = append(c.args, args...)
}

func (c *clause) String() string {
	if len(c.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.conds, " AND ")
}

// bound is one side of a range on the range field.
type bound struct {
	cond string // with one ? for arg
	arg  any
}

// whereFor builds the conditions of a plan. Equalities go in as they are.
// The range field (field, the sort or range field) gets at most one lower
// and one upper bound that the index uses; every other bound on the same
// side is written +expr, which SQLite evaluates but never seeks on, so the
// seek starts where it should: at the cursor when there is one.
//
// after is the cursor's [value, seq] for field, or nil.
func whereFor(p store.Plan, field string, after []any) (clause, error) {
	var w clause
	var r ranges
	for _, c := range p.Where {
		if err := addCond(&w, &r, c, field); err != nil {
			return w, err
		}
	}
	if field == "" {
		return w, nil
	}
	r.guard()
	if err := addCursor(&w, field, after, p.Desc, &r); err != nil {
		return w, err
	}
	addBounds(&w, expr(field), r.lower)
	addBounds(&w, expr(field), r.upper)
	return w, nil
}

func addCond(w *clause, r *ranges, c store.Cond, field string) error {
	e := expr(c.Field)
	switch c.Op {
	case store.OpEq:
		v, err := bind(c.Value)
		if err != nil {
			return err
		}
		w.add(e+" = ?", v)
	case store.OpIn:
		return addIn(w, e, c)
	case store.OpExists:
		if c.Field != field { // on the range field, its lower bound says as much
			w.add(e + " IS NOT NULL")
		}
	case store.OpGt, store.OpGte, store.OpLt, store.OpLte:
		if c.Field != field {
			return fmt.Errorf("%w: range on %s and %s", store.ErrUnindexed, c.Field, field)
		}
		v, err := bind(c.Value)
		if err != nil {
			return err
		}
		r.add(c.Op, v)
	default:
		return fmt.Errorf("%w: operator %q", store.ErrInvalid, c.Op)
	}
	return nil
}

// ranges gathers the bounds on the range field.
type ranges struct {
	lower, upper                         []bound
	text, number, textLower, numberUpper bool
}

func (r *ranges) add(op store.Op, v any) {
	_, isText := v.(string)
	r.text, r.number = r.text || isText, r.number || !isText
	b := bound{comparisons[op] + " ?", v}
	if op == store.OpGt || op == store.OpGte {
		r.lower, r.textLower = append(r.lower, b), r.textLower || isText
	} else {
		r.upper, r.numberUpper = append(r.upper, b), r.numberUpper || !isText
	}
}

// guard makes the range compare like with like (SQLite orders every number
// before every text, so a text range is kept above the numbers and a number
// range below the texts) and leave out documents that lack the field, as a
// seek past the NULLs.
func (r *ranges) guard() {
	if r.text && !r.textLower {
		r.lower = append(r.lower, bound{">= ?", ""})
	}
	if r.number && !r.numberUpper {
		r.upper = append(r.upper, bound{"< ?", ""})
	}
	if len(r.lower) == 0 {
		r.lower = append(r.lower, bound{">= ?", math.Inf(-1)})
	}
}

var comparisons = map[store.Op]string{
	store.OpEq: "=", store.OpGt: ">", store.OpGte: ">=", store.OpLt: "<", store.OpLte: "<=",
}

func addIn(w *clause, e string, c store.Cond) error {
	vs, ok := c.Value.([]any)
	if !ok || len(vs) == 0 {
		return fmt.Errorf("%w: in on %s needs values", store.ErrInvalid, c.Field)
	}
	args := make([]any, len(vs))
	for i, v := range vs {
		b, err := bind(v)
		if err != nil {
			return err
		}
		args[i] = b
	}
	w.add(e+" IN (?"+strings.Repeat(", ?", len(vs)-1)+")", args...)
	return nil
}

// addCursor continues after (value, seq): the seek starts at the value (it
// becomes the first bound on its side) and rows tied on the value are told
// apart by seq.
func addCursor(w *clause, field string, after []any, desc bool, r *ranges) error {
	if after == nil {
		return nil
	}
	if len(after) != 2 {
		return store.ErrBadCursor
	}
	seq, ok := after[1].(int64)
	v, err := bind(after[0])
	if !ok || err != nil {
		return store.ErrBadCursor
	}
	e := expr(field)
	if desc {
		r.upper = append([]bound{{"<= ?", v}}, r.upper...)
		w.add("("+e+" < ? OR seq < ?)", v, seq)
	} else {
		r.lower = append([]bound{{">= ?", v}}, r.lower...)
		w.add("("+e+" > ? OR seq > ?)", v, seq)
	}
	return nil
}

func addBounds(w *clause, e string, bs []bound) {
	for i, b := range bs {
		if i == 0 {
			w.add(e+" "+b.cond, b.arg)
		} else {
			w.add("+"+e+" "+b.cond, b.arg)
		}
	}
}

// bind gives a filter value the form json_extract returns for it: times as
// their fixed-width text, booleans as 1 and 0.
func bind(v any) (any, error) {
	switch x := v.(type) {
	case string, int64, float64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case time.Time:
		return x.UTC().Format(store.TimeLayout), nil
	}
	return nil, fmt.Errorf("%w: filter value %T", store.ErrInvalid, v)
}
