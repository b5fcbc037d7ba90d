package mongo

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"frontdoor/api/store"
)

// resolved applies an index model's option setters, as the driver does.
func resolved(t *testing.T, ix store.IndexSpec) (bson.D, options.IndexOptions) {
	t.Helper()
	m := indexModel(ix)
	var o options.IndexOptions
	for _, set := range m.Options.List() {
		if err := set(&o); err != nil {
			t.Fatal(err)
		}
	}
	return m.Keys.(bson.D), o
}

func TestIndexModels(t *testing.T) {
	t.Run("plain compound index ends with _id", func(t *testing.T) {
		keys, o := resolved(t, store.IndexSpec{Name: "by_status", Fields: []string{"status", "sla.due"}})
		want := bson.D{kv("status", int32(1)), kv("sla.due", int32(1)), kv("_id", int32(1))}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		if o.Name == nil || *o.Name != "by_status" {
			t.Errorf("name %v", o.Name)
		}
		if o.Unique != nil || o.PartialFilterExpression != nil || o.ExpireAfterSeconds != nil {
			t.Errorf("plain index has options %+v", o)
		}
	})
	t.Run("unique index is partial on every field", func(t *testing.T) {
		keys, o := resolved(t, store.IndexSpec{Name: "by_ref", Fields: []string{"council", "reference"}, Unique: true})
		want := bson.D{kv("council", int32(1)), kv("reference", int32(1))}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v (no _id: it would make every key unique)", keys, want)
		}
		if o.Unique == nil || !*o.Unique {
			t.Error("not unique")
		}
		wantPartial := bson.D{
			kv("council", bson.D{kv("$exists", true)}),
			kv("reference", bson.D{kv("$exists", true)}),
		}
		if !reflect.DeepEqual(o.PartialFilterExpression, wantPartial) {
			t.Errorf("partial filter %v, want %v", o.PartialFilterExpression, wantPartial)
		}
		if *o.Name != "by_ref" {
			t.Errorf("name %q", *o.Name)
		}
	})
	t.Run("TTL index is single-field with whole seconds", func(t *testing.T) {
		keys, o := resolved(t, store.IndexSpec{Name: "expiry", Fields: []string{"expires"}, TTL: true, ExpireAfter: 1500 * time.Millisecond})
		if want := (bson.D{kv("expires", int32(1))}); !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		if o.ExpireAfterSeconds == nil || *o.ExpireAfterSeconds != 2 {
			t.Errorf("expireAfterSeconds %v, want 2", o.ExpireAfterSeconds)
		}
		if o.Unique != nil {
			t.Error("TTL index marked unique")
		}
	})
}

func TestTTLSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int32{
		0:                          0,
		400 * time.Millisecond:     0,
		90 * time.Minute:           5400,
		-time.Second:               0,
		200 * 365 * 24 * time.Hour: 1<<31 - 1,
	} {
		if got := ttlSeconds(d); got != want {
			t.Errorf("ttlSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestSameKeys(t *testing.T) {
	ours := bson.D{kv("status", int32(1)), kv("_id", int32(1))}
	listed := func(d bson.D) bson.Raw {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, tt := range map[string]struct {
		raw  bson.D
		want bool
	}{
		"same, as int32":         {bson.D{kv("status", int32(1)), kv("_id", int32(1))}, true},
		"same, as shell doubles": {bson.D{kv("status", 1.0), kv("_id", 1.0)}, true},
		"same, as int64":         {bson.D{kv("status", int64(1)), kv("_id", int64(1))}, true},
		"other direction":        {bson.D{kv("status", int32(-1)), kv("_id", int32(1))}, false},
		"other order":            {bson.D{kv("_id", int32(1)), kv("status", int32(1))}, false},
		"prefix only":            {bson.D{kv("status", int32(1))}, false},
		"text index":             {bson.D{kv("status", "text"), kv("_id", int32(1))}, false},
	} {
		if got := sameKeys(listed(tt.raw), ours); got != tt.want {
			t.Errorf("%s: sameKeys = %v, want %v", name, got, tt.want)
		}
	}
}
