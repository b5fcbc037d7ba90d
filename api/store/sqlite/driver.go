package sqlite

import (
	"context"
	"fmt"

	"frontdoor/api/store"
)

// Get returns the stored JSON of the document with id.
func (c *collection) Get(ctx context.Context, id string) ([]byte, error) {
	var doc []byte
	err := c.e.queryRow(ctx, c.sql.get, id).Scan(&doc)
	if err != nil {
		return nil, c.fail("get", err)
	}
	return doc, nil
}

// Insert adds doc; a clash on the id or a unique index is ErrDuplicate.
func (c *collection) Insert(ctx context.Context, id string, doc store.Doc) error {
	b, version, err := c.encode(id, doc)
	if err != nil {
		return err
	}
	_, err = c.e.exec(ctx, c.sql.insert, id, version, b)
	if err != nil {
		return c.fail("insert", err)
	}
	return nil
}

// Replace swaps the document at (id, version) for doc, which carries the
// next version. When no row matches it looks again to tell a stale version
// (ErrConflict) from a deleted document (ErrNotFound).
func (c *collection) Replace(ctx context.Context, id string, version int64, doc store.Doc) error {
	b, next, err := c.encode(id, doc)
	if err != nil {
		return err
	}
	res, err := c.e.exec(ctx, c.sql.replace, next, b, id, version)
	if err != nil {
		return c.fail("replace", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return c.fail("replace", err)
	}
	if n == 1 {
		return nil
	}
	var current int64
	err = c.e.queryRow(ctx, c.sql.version, id).Scan(&current)
	if err != nil {
		return c.fail("replace", err)
	}
	return fmt.Errorf("sqlite: replace %s %s at version %d (now %d): %w", c.name, id, version, current, store.ErrConflict)
}

// Delete removes the document with id; ErrNotFound when there is none.
func (c *collection) Delete(ctx context.Context, id string) error {
	res, err := c.e.exec(ctx, c.sql.delete, id)
	if err != nil {
		return c.fail("delete", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return c.fail("delete", err)
	}
	if n == 0 {
		return c.fail("delete", store.ErrNotFound)
	}
	return nil
}

// encode checks that doc carries id and an integer version and writes it as
// JSON. The version column mirrors the document's so that Replace can compare
// without parsing JSON.
func (c *collection) encode(id string, doc store.Doc) ([]byte, int64, error) {
	if docID, _ := doc[store.IDField].(string); id == "" || docID != id {
		return nil, 0, fmt.Errorf("%w: %s: document id %q does not match %q", store.ErrInvalid, c.name, doc[store.IDField], id)
	}
	version, ok := doc["version"].(int64)
	if !ok || version < 1 {
		return nil, 0, fmt.Errorf("%w: %s %s: document version %v", store.ErrInvalid, c.name, id, doc["version"])
	}
	b, err := marshalDoc(doc)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s %s: %w", c.name, id, err)
	}
	return b, version, nil
}

// fail names the operation and collection and translates err (nil stays nil).
func (c *collection) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s %s: %w", op, c.name, translate(err))
}
