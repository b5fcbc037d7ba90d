package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Collection is a typed collection of T, which embeds Meta.
type Collection[T any, P interface {
	*T
	Document
}] struct {
	db   *DB
	spec CollectionSpec
	drv  Driver
}

// Open prepares a collection (creating or upgrading it and its indexes) and
// returns its typed handle: store.Open[Case](ctx, db, spec).
func Open[T any, P interface {
	*T
	Document
}](ctx context.Context, db *DB, spec CollectionSpec) (*Collection[T, P], error) {
	if err := validateSpec(spec); err != nil {
		return nil, err
	}
	drv, err := db.engine.Collection(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", spec.Name, err)
	}
	return &Collection[T, P]{db: db, spec: spec, drv: drv}, nil
}

func validateSpec(spec CollectionSpec) error {
	if err := validField(spec.Name); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, ix := range spec.Indexes {
		if err := validField(ix.Name); err != nil || names[ix.Name] || len(ix.Fields) == 0 {
			return fmt.Errorf("%w: index %q of %s", ErrInvalid, ix.Name, spec.Name)
		}
		names[ix.Name] = true
		for _, f := range ix.Fields {
			if err := validField(f); err != nil || f == IDField {
				return fmt.Errorf("%w: index %q field %q", ErrInvalid, ix.Name, f)
			}
		}
		if ix.TTL && (len(ix.Fields) != 1 || ix.Unique || ix.ExpireAfter < 0) {
			return fmt.Errorf("%w: TTL index %q needs one time field, not unique", ErrInvalid, ix.Name)
		}
	}
	return nil
}

// Name is the collection's name.
func (c *Collection[T, P]) Name() string { return c.spec.Name }

func (c *Collection[T, P]) timed(op string) func() {
	start := time.Now()
	return func() { c.db.observe(op, c.spec.Name, time.Since(start)) }
}

// Get returns the document with id, or ErrNotFound.
func (c *Collection[T, P]) Get(ctx context.Context, id string) (*T, error) {
	defer c.timed("get")()
	b, err := c.drv.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return decode[T](b)
}

// Insert stores a new document, giving it an id when it has none, and version 1.
// A clash on the id or a unique index is ErrDuplicate.
func (c *Collection[T, P]) Insert(ctx context.Context, doc P) error {
	defer c.timed("insert")()
	m := doc.StoreMeta()
	if m.ID == "" {
		m.ID = NewID()
	}
	m.Version = 1
	d, err := Encode(doc)
	if err != nil {
		m.Version = 0
		return err
	}
	if err := c.drv.Insert(ctx, m.ID, d); err != nil {
		m.Version = 0
		return err
	}
	return nil
}

// Replace stores doc over the version it was read at and moves its version on.
// ErrConflict when someone else replaced it first, ErrNotFound when it is gone.
func (c *Collection[T, P]) Replace(ctx context.Context, doc P) error {
	defer c.timed("replace")()
	m := doc.StoreMeta()
	old := m.Version
	m.Version = old + 1
	d, err := Encode(doc)
	if err == nil {
		err = c.drv.Replace(ctx, m.ID, old, d)
	}
	if err != nil {
		m.Version = old
		return err
	}
	return nil
}

// Update reads the document, applies fn and replaces it, retrying on conflicts.
func (c *Collection[T, P]) Update(ctx context.Context, id string, fn func(*T) error) (*T, error) {
	for range 8 {
		doc, err := c.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(doc); err != nil {
			return nil, err
		}
		err = c.Replace(ctx, P(doc))
		if errors.Is(err, ErrConflict) {
			continue
		}
		return doc, err
	}
	return nil, ErrConflict
}

// Delete removes the document with id, or says ErrNotFound.
func (c *Collection[T, P]) Delete(ctx context.Context, id string) error {
	defer c.timed("delete")()
	return c.drv.Delete(ctx, id)
}

// Find returns one page of the query's results; see Query for what is allowed.
func (c *Collection[T, P]) Find(ctx context.Context, q Query) (Page[T], error) {
	defer c.timed("find")()
	var page Page[T]
	p, err := plan(c.spec, q)
	if err != nil {
		return page, err
	}
	if q.After != "" {
		if p.After, err = decodeCursor(p, q.After); err != nil {
			return page, err
		}
	}
	limit := p.Limit
	p.Limit++ // one more tells whether there is a next page
	rows, err := c.drv.Find(ctx, p)
	if err != nil {
		return page, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		if page.Next, err = encodeCursor(p, rows[limit-1].Key); err != nil {
			return page, err
		}
	}
	page.Items = make([]T, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r.JSON, &page.Items[i]); err != nil {
			return page, fmt.Errorf("store: decode %s: %w", c.spec.Name, err)
		}
	}
	return page, nil
}

// FindOne returns the first document matching where, or ErrNotFound.
func (c *Collection[T, P]) FindOne(ctx context.Context, where ...Cond) (*T, error) {
	page, err := c.Find(ctx, Query{Where: where, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, ErrNotFound
	}
	return &page.Items[0], nil
}

// Count counts the documents matching where, under the same index rules as Find.
func (c *Collection[T, P]) Count(ctx context.Context, where ...Cond) (int64, error) {
	defer c.timed("count")()
	p, err := plan(c.spec, Query{Where: where})
	if err != nil {
		return 0, err
	}
	return c.drv.Count(ctx, p)
}

func decode[T any](b []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("store: decode: %w", err)
	}
	return &v, nil
}
