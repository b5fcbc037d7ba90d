package mongo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"frontdoor/api/store"
)

// storedDoc is what goes into MongoDB: _id first, then the document's own
// fields (which include "id" and "version") in a stable order.
func storedDoc(id string, doc store.Doc) bson.D {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		if k != "_id" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	d := make(bson.D, 0, len(keys)+1)
	d = append(d, kv("_id", id))
	for _, k := range keys {
		d = append(d, kv(k, doc[k]))
	}
	return d
}

// plain turns a decoded BSON value into the tree encoding/json writes the way
// store.Encode read it: documents become maps, arrays slices, dates UTC times,
// and every integer int64.
func plain(v any) (any, error) {
	switch x := v.(type) {
	case nil, bson.Null:
		return nil, nil
	case bool, string:
		return x, nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("mongo: stored number %v has no JSON form", x)
		}
		return x, nil
	case bson.DateTime:
		return time.UnixMilli(int64(x)).UTC(), nil
	case time.Time:
		return x.UTC(), nil
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			p, err := plain(e.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Key, err)
			}
			m[e.Key] = p
		}
		return m, nil
	case bson.M:
		return plainMap(x)
	case map[string]any:
		return plainMap(x)
	case bson.A:
		return plainSlice(x)
	case []any:
		return plainSlice(x)
	}
	return nil, fmt.Errorf("mongo: unsupported stored value of type %T", v)
}

func plainMap(x map[string]any) (map[string]any, error) {
	m := make(map[string]any, len(x))
	for k, e := range x {
		p, err := plain(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		m[k] = p
	}
	return m, nil
}

func plainSlice(x []any) ([]any, error) {
	s := make([]any, len(x))
	for i, e := range x {
		p, err := plain(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		s[i] = p
	}
	return s, nil
}

// documentJSON turns a stored document into the JSON the contract returns
// (without _id: the document carries its own "id") and the key that continues
// a query after it.
func documentJSON(d bson.D, sortField string) ([]byte, []any, error) {
	p, err := plain(d)
	if err != nil {
		return nil, nil, err
	}
	m := p.(map[string]any)
	id, ok := m["_id"].(string)
	if !ok {
		return nil, nil, fmt.Errorf("mongo: stored document without a string _id")
	}
	delete(m, "_id")
	key := []any{id}
	if sortField != "" {
		v := lookup(m, sortField)
		if !isKeyValue(v) {
			return nil, nil, fmt.Errorf("mongo: sort field %q of %s holds a %T", sortField, id, v)
		}
		key = []any{v, id}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("mongo: encode %s: %w", id, err)
	}
	return b, key, nil
}

// lookup follows a dotted path through nested documents; nil when absent.
func lookup(m map[string]any, path string) any {
	var v any = m
	for part := range strings.SplitSeq(path, ".") {
		sub, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = sub[part]
	}
	return v
}

// isKeyValue reports whether v may be a Row.Key value.
func isKeyValue(v any) bool {
	switch v.(type) {
	case string, int64, float64, bool, time.Time:
		return true
	}
	return false
}
