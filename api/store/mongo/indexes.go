package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"frontdoor/api/store"
)

// Server error codes this package reacts to.
const (
	codeIndexNotFound         = 27
	codeNamespaceExists       = 48
	codeIndexOptionsConflict  = 85
	codeIndexKeySpecsConflict = 86
)

// indexKeys lists an index's key pattern. A plain index ends with _id, so a
// sort on its last field with the _id tie-break is served by the index alone.
// Unique ones must not (_id would make every key unique) and TTL ones cannot
// (MongoDB expires documents through single-field indexes only).
func indexKeys(ix store.IndexSpec) bson.D {
	keys := make(bson.D, 0, len(ix.Fields)+1)
	for _, f := range ix.Fields {
		keys = append(keys, kv(f, int32(1)))
	}
	if !ix.Unique && !ix.TTL {
		keys = append(keys, kv("_id", int32(1)))
	}
	return keys
}

// indexModel builds the definition of a declared index.
func indexModel(ix store.IndexSpec) driver.IndexModel {
	opts := options.Index().SetName(ix.Name)
	if ix.Unique {
		// Partial, so documents lacking a field are not constrained (the contract's rule).
		partial := make(bson.D, 0, len(ix.Fields))
		for _, f := range ix.Fields {
			partial = append(partial, kv(f, bson.D{kv("$exists", true)}))
		}
		opts.SetUnique(true).SetPartialFilterExpression(partial)
	}
	if ix.TTL {
		opts.SetExpireAfterSeconds(ttlSeconds(ix.ExpireAfter))
	}
	return driver.IndexModel{Keys: indexKeys(ix), Options: opts}
}

func ttlSeconds(d time.Duration) int32 {
	s := d.Round(time.Second) / time.Second
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(max(s, 0))
}

// ensureIndexes creates the declared indexes. An index that exists with
// another definition under the same name (or with the same keys under another
// name, after a rename) is dropped and built again.
func ensureIndexes(ctx context.Context, coll *driver.Collection, spec store.CollectionSpec, log *slog.Logger) error {
	declared := map[string]bool{}
	for _, ix := range spec.Indexes {
		declared[ix.Name] = true
	}
	iv := coll.Indexes()
	for _, ix := range spec.Indexes {
		model := indexModel(ix)
		_, err := iv.CreateOne(ctx, model)
		if err == nil {
			continue
		}
		if !hasCode(err, codeIndexOptionsConflict, codeIndexKeySpecsConflict) {
			return fmt.Errorf("mongo: create index %s.%s: %w", spec.Name, ix.Name, err)
		}
		if err := dropConflicting(ctx, iv, ix.Name, indexKeys(ix), declared); err != nil {
			return fmt.Errorf("mongo: replace index %s.%s: %w", spec.Name, ix.Name, err)
		}
		if _, err := iv.CreateOne(ctx, model); err != nil {
			return fmt.Errorf("mongo: create index %s.%s: %w", spec.Name, ix.Name, err)
		}
		log.Warn("mongo: index definition changed; rebuilt it", "collection", spec.Name, "index", ix.Name)
	}
	return nil
}

// dropConflicting drops the index called name and any undeclared index with
// the same key pattern.
func dropConflicting(ctx context.Context, iv driver.IndexView, name string, keys bson.D, declared map[string]bool) error {
	specs, err := iv.ListSpecifications(ctx)
	if err != nil {
		return err
	}
	for _, s := range specs {
		stale := s.Name == name || (!declared[s.Name] && s.Name != "_id_" && sameKeys(s.KeysDocument, keys))
		if !stale {
			continue
		}
		if err := iv.DropOne(ctx, s.Name); err != nil && !hasCode(err, codeIndexNotFound) {
			return err
		}
	}
	return nil
}

// sameKeys compares a listed key pattern with ours: same fields, same order,
// same directions (whatever number type the server kept them in).
func sameKeys(raw bson.Raw, keys bson.D) bool {
	elems, err := raw.Elements()
	if err != nil || len(elems) != len(keys) {
		return false
	}
	for i, e := range elems {
		dir, ok := e.Value().AsFloat64OK()
		want, _ := keys[i].Value.(int32)
		if e.Key() != keys[i].Key || !ok || dir != float64(want) {
			return false
		}
	}
	return true
}

// createCollection makes the collection exist before any transaction uses it.
func createCollection(ctx context.Context, db *driver.Database, name string) error {
	err := db.CreateCollection(ctx, name)
	if err != nil && !hasCode(err, codeNamespaceExists) {
		return fmt.Errorf("mongo: create collection %s: %w", name, err)
	}
	return nil
}

// hasCode reports whether err is a server error with one of codes.
func hasCode(err error, codes ...int) bool {
	var se driver.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.HasErrorCode(c) {
			return true
		}
	}
	return false
}
