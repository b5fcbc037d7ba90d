package mongo

import (
	"fmt"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"

	"frontdoor/api/store"
)

// query is a store.Plan translated into what the driver takes.
type query struct {
	filter bson.D
	sort   bson.D
	// sortField is the document path the page is ordered by before _id; empty
	// when the order is _id alone, so a row's key is [_id] or [sortValue, _id].
	sortField string
}

// kv keeps bson.E literals keyed (go vet) and short.
func kv(key string, value any) bson.E { return bson.E{Key: key, Value: value} }

// fieldPath maps a contract field name to its place in the stored document.
func fieldPath(f string) string {
	if f == store.IDField {
		return "_id"
	}
	return f
}

var operators = map[store.Op]string{
	store.OpEq:     "$eq",
	store.OpIn:     "$in",
	store.OpGt:     "$gt",
	store.OpGte:    "$gte",
	store.OpLt:     "$lt",
	store.OpLte:    "$lte",
	store.OpExists: "$ne", // present and not null, like the contract's Exists
}

// buildQuery translates a plan into a filter and a sort that the index the
// plan chose can serve; documents lacking the sort field are left out.
func buildQuery(p store.Plan) (query, error) {
	f, err := where(p.Where)
	if err != nil {
		return query{}, err
	}
	dir, next := int32(1), "$gt"
	if p.Desc {
		dir, next = -1, "$lt"
	}
	q := query{sort: bson.D{kv("_id", dir)}}
	if field := p.OrderField(); field != "" && fieldPath(field) != "_id" {
		q.sortField = field
		q.sort = bson.D{kv(field, dir)}
		if !uniqueOrder(p, field) {
			q.sort = append(q.sort, kv("_id", dir))
		}
		f.add(field, "$ne", nil)
	}
	if err := f.after(p.After, q.sortField, next); err != nil {
		return query{}, err
	}
	q.filter = f.doc()
	return q, nil
}

func where(conds []store.Cond) (*filterBuilder, error) {
	f := &filterBuilder{}
	for _, c := range conds {
		op, ok := operators[c.Op]
		if !ok {
			return nil, fmt.Errorf("%w: operator %q", store.ErrInvalid, c.Op)
		}
		v := c.Value
		switch c.Op {
		case store.OpIn:
			vs, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: in on %q needs a list", store.ErrInvalid, c.Field)
			}
			v = bson.A(vs)
		case store.OpExists:
			v = nil
		}
		f.add(fieldPath(c.Field), op, v)
	}
	return f, nil
}

// uniqueOrder reports whether the sort field alone orders the rows without
// ties: it is the last field of a unique index whose other fields are each
// pinned to one value. Then the sort leaves out _id, which that index (having
// no _id) could not serve, and MongoDB need not sort in memory.
func uniqueOrder(p store.Plan, field string) bool {
	ix := p.Index
	if ix == nil || !ix.Unique || ix.Fields[len(ix.Fields)-1] != field {
		return false
	}
	for _, f := range ix.Fields[:len(ix.Fields)-1] {
		pinned := false
		for _, c := range p.Where {
			if c.Field == f && c.Op == store.OpIn {
				return false
			}
			pinned = pinned || (c.Field == f && c.Op == store.OpEq)
		}
		if !pinned {
			return false
		}
	}
	return true
}

// filterBuilder gathers conditions per field, so that two conditions on one
// field (a range's two ends) become one operator document.
type filterBuilder struct {
	fields []string
	ops    map[string]bson.D
	and    bson.A // a repeated operator on one field, kept apart
	or     bson.A
}

func (b *filterBuilder) add(field, op string, v any) {
	if b.ops == nil {
		b.ops = map[string]bson.D{}
	}
	ops, seen := b.ops[field]
	if !seen {
		b.fields = append(b.fields, field)
	}
	for _, e := range ops {
		if e.Key == op {
			if !reflect.DeepEqual(e.Value, v) {
				b.and = append(b.and, bson.D{kv(field, bson.D{kv(op, v)})})
			}
			return
		}
	}
	b.ops[field] = append(ops, kv(op, v))
}

// after adds the keyset condition that continues a page after the row with
// key after: [_id] without a sort field, [sortValue, _id] with one.
func (b *filterBuilder) after(after []any, sortField, next string) error {
	if after == nil {
		return nil
	}
	if sortField == "" {
		if len(after) != 1 {
			return store.ErrBadCursor
		}
		id, ok := after[0].(string)
		if !ok {
			return store.ErrBadCursor
		}
		b.add("_id", next, id)
		return nil
	}
	if len(after) != 2 {
		return store.ErrBadCursor
	}
	v := after[0]
	id, ok := after[1].(string)
	if !ok || !isKeyValue(v) {
		return store.ErrBadCursor
	}
	// sortField >= v bounds the index scan at the cursor; the $or then skips
	// the rows tied with it up to and including the last one returned.
	b.add(sortField, next+"e", v)
	b.or = bson.A{
		bson.D{kv(sortField, bson.D{kv(next, v)})},
		bson.D{kv("_id", bson.D{kv(next, id)})},
	}
	return nil
}

func (b *filterBuilder) doc() bson.D {
	d := bson.D{}
	for _, f := range b.fields {
		d = append(d, kv(f, b.ops[f]))
	}
	if len(b.and) > 0 {
		d = append(d, kv("$and", b.and))
	}
	if len(b.or) > 0 {
		d = append(d, kv("$or", b.or))
	}
	return d
}
