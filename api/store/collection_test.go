package store

import (
	"errors"
	"testing"
	"time"
)

func TestValidateSpec(t *testing.T) {
	if err := validateSpec(casesSpec); err != nil {
		t.Fatalf("valid spec refused: %v", err)
	}
	ix := func(name string, fields ...string) IndexSpec { return IndexSpec{Name: name, Fields: fields} }
	bad := map[string]CollectionSpec{
		"bad collection name": {Name: "cases-2024"},
		"empty name":          {Name: ""},
		"bad index name":      {Name: "c", Indexes: []IndexSpec{ix("by ref", "ref")}},
		"duplicate index":     {Name: "c", Indexes: []IndexSpec{ix("a", "x"), ix("a", "y")}},
		"no fields":           {Name: "c", Indexes: []IndexSpec{ix("a")}},
		"bad field":           {Name: "c", Indexes: []IndexSpec{ix("a", "x.$y")}},
		"index on id":         {Name: "c", Indexes: []IndexSpec{ix("a", "status", "id")}},
		"TTL on two fields":   {Name: "c", Indexes: []IndexSpec{{Name: "a", Fields: []string{"x", "y"}, TTL: true}}},
		"unique TTL":          {Name: "c", Indexes: []IndexSpec{{Name: "a", Fields: []string{"x"}, TTL: true, Unique: true}}},
		"negative expiry":     {Name: "c", Indexes: []IndexSpec{{Name: "a", Fields: []string{"x"}, TTL: true, ExpireAfter: -time.Second}}},
	}
	for name, spec := range bad {
		if err := validateSpec(spec); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: validateSpec = %v, want ErrInvalid", name, err)
		}
	}
}

func TestPutOptionsLimit(t *testing.T) {
	for max, want := range map[int64]int64{0: DefaultMaxBlobSize, -1: DefaultMaxBlobSize, 1: 1, 5 << 20: 5 << 20} {
		if got := (PutOptions{MaxSize: max}).Limit(); got != want {
			t.Errorf("Limit with MaxSize %d = %d, want %d", max, got, want)
		}
	}
}
