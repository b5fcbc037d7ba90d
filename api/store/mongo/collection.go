package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"frontdoor/api/store"
)

// collection is one MongoDB collection behind the store.Driver contract. Every
// call made with a ctx from Engine.Tx joins that transaction (the driver reads
// the session from ctx).
type collection struct {
	name    string
	coll    *driver.Collection
	indexes map[string]bool // declared index names
}

var _ store.Driver = (*collection)(nil)

func byID(id string) bson.D { return bson.D{kv("_id", id)} }

func (c *collection) Get(ctx context.Context, id string) ([]byte, error) {
	raw, err := c.coll.FindOne(ctx, byID(id)).Raw()
	if err != nil {
		return nil, translate(err, "get", c.name)
	}
	b, _, err := decodeRow(raw, "")
	return b, err
}

func (c *collection) Insert(ctx context.Context, id string, doc store.Doc) error {
	_, err := c.coll.InsertOne(ctx, storedDoc(id, doc))
	return translate(err, "insert", c.name)
}

func (c *collection) Replace(ctx context.Context, id string, version int64, doc store.Doc) error {
	filter := bson.D{kv("_id", id), kv("version", version)}
	res, err := c.coll.ReplaceOne(ctx, filter, storedDoc(id, doc))
	if err != nil {
		return translate(err, "replace", c.name)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	// Nothing at that version: either someone moved it on or it is gone.
	err = c.coll.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{kv("_id", 1)})).Err()
	if err != nil {
		return translate(err, "replace", c.name)
	}
	return fmt.Errorf("%w: %s %s at version %d", store.ErrConflict, c.name, id, version)
}

func (c *collection) Delete(ctx context.Context, id string) error {
	res, err := c.coll.DeleteOne(ctx, byID(id))
	if err != nil {
		return translate(err, "delete", c.name)
	}
	if res.DeletedCount == 0 {
		return translate(driver.ErrNoDocuments, "delete", c.name)
	}
	return nil
}

func (c *collection) Find(ctx context.Context, p store.Plan) ([]store.Row, error) {
	if err := c.check(p); err != nil {
		return nil, err
	}
	q, err := buildQuery(p)
	if err != nil {
		return nil, err
	}
	opts := options.Find().SetSort(q.sort)
	if p.Limit > 0 {
		// One batch holds the whole page, so the server closes the cursor itself.
		opts.SetLimit(int64(p.Limit)).SetBatchSize(int32(p.Limit))
	}
	cur, err := c.coll.Find(ctx, q.filter, opts)
	if err != nil {
		return nil, translate(err, "find", c.name)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	rows := make([]store.Row, 0, max(p.Limit, 0))
	for cur.Next(ctx) {
		b, key, err := decodeRow(cur.Current, q.sortField)
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.Row{JSON: b, Key: key})
	}
	if err := cur.Err(); err != nil {
		return nil, translate(err, "find", c.name)
	}
	return rows, nil
}

func (c *collection) Count(ctx context.Context, p store.Plan) (int64, error) {
	if err := c.check(p); err != nil {
		return 0, err
	}
	p.Sort, p.After = "", nil // a count needs neither order nor position
	q, err := buildQuery(p)
	if err != nil {
		return 0, err
	}
	n, err := c.coll.CountDocuments(ctx, q.filter)
	return n, translate(err, "count", c.name)
}

// check refuses a plan no declared index serves, as a second line behind the
// store's planner: MongoDB would answer it with a collection scan.
func (c *collection) check(p store.Plan) error {
	if p.Index != nil {
		if !c.indexes[p.Index.Name] {
			return fmt.Errorf("%w: %s has no index %q", store.ErrUnindexed, c.name, p.Index.Name)
		}
		return nil
	}
	for _, cond := range p.Where {
		if cond.Field != store.IDField || (cond.Op != store.OpEq && cond.Op != store.OpIn) {
			return fmt.Errorf("%w: %s: %s %s without an index", store.ErrUnindexed, c.name, cond.Field, cond.Op)
		}
	}
	if p.Sort != "" && p.Sort != store.IDField {
		return fmt.Errorf("%w: %s: sort on %s without an index", store.ErrUnindexed, c.name, p.Sort)
	}
	return nil
}

func decodeRow(raw bson.Raw, sortField string) ([]byte, []any, error) {
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, nil, translate(err, "decode", "document")
	}
	return documentJSON(d, sortField)
}
