package store

import (
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func cursorPlan(t testing.TB) Plan {
	t.Helper()
	p, err := plan(casesSpec, Query{Where: []Cond{Eq("status", "open")}, Sort: "opened_at", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCursorRoundTrip(t *testing.T) {
	keys := map[string][]any{
		"string":         {"a"},
		"empty string":   {""},
		"unicode":        {"é😀\u0000\"\\/"},
		"int64 extremes": {int64(math.MinInt64), int64(math.MaxInt64), int64(0), int64(-1)},
		"floats":         {0.1, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64},
		"whole float":    {float64(3)},
		"bools":          {true, false},
		"times":          {time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC), time.Date(1969, 7, 20, 20, 17, 40, 1_000_000, time.UTC)},
		"mixed":          {time.Date(2025, 1, 1, 0, 0, 0, 5_000_000, time.UTC), "01hx"},
		"value and id":   {int64(42), "01jabcdefghjkmnpqrstvwxyz0"},
	}
	p := cursorPlan(t)
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			s, err := encodeCursor(p, key)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if strings.ContainsAny(s, "+/=") {
				t.Errorf("cursor %q is not URL-safe", s)
			}
			got, err := decodeCursor(p, s)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, key) {
				t.Errorf("round trip = %#v, want %#v", got, key)
			}
			for i, v := range got {
				if tm, ok := v.(time.Time); ok && tm.Location() != time.UTC {
					t.Errorf("key %d: time in %v, want UTC", i, tm.Location())
				}
			}
		})
	}
}

// TestCursorBelongsToItsQuery: a cursor works for the same query at any page
// size, and is refused by any other query.
func TestCursorBelongsToItsQuery(t *testing.T) {
	p := cursorPlan(t)
	s, err := encodeCursor(p, []any{"x", "id1"})
	if err != nil {
		t.Fatal(err)
	}
	other := p
	other.Limit = 5
	if _, err := decodeCursor(other, s); err != nil {
		t.Errorf("same query, other page size: %v", err)
	}
	others := map[string]func(*Plan){
		"collection": func(p *Plan) { p.Collection = "people" },
		"value":      func(p *Plan) { p.Where = []Cond{{"status", OpEq, "closed"}} },
		"value type": func(p *Plan) { p.Where = []Cond{{"status", OpEq, int64(1)}} },
		"operator":   func(p *Plan) { p.Where = []Cond{{"status", OpGte, "open"}} },
		"field":      func(p *Plan) { p.Where = []Cond{{"owner.team", OpEq, "open"}} },
		"no filter":  func(p *Plan) { p.Where = nil },
		"sort":       func(p *Plan) { p.Sort = "" },
		"direction":  func(p *Plan) { p.Desc = true },
	}
	for name, change := range others {
		q := cursorPlan(t)
		change(&q)
		if _, err := decodeCursor(q, s); !errors.Is(err, ErrBadCursor) {
			t.Errorf("other %s: %v, want ErrBadCursor", name, err)
		}
	}
}

func TestCursorRefusesGarbage(t *testing.T) {
	p := cursorPlan(t)
	valid, _ := encodeCursor(p, []any{"x"})
	q := fingerprint(p)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := map[string]string{
		"not base64":        "!!!",
		"padded base64":     base64.URLEncoding.EncodeToString([]byte(`{"q":"` + q + `","k":[{"s":"xy"}]}`)),
		"truncated":         valid[:len(valid)-3],
		"too long":          enc(`{"q":"` + q + `","k":[{"s":"` + strings.Repeat("x", maxCursorLen) + `"}]}`),
		"not JSON":          enc("hello"),
		"JSON null":         enc("null"),
		"JSON array":        enc(`[1]`),
		"no key":            enc(`{"q":"` + q + `","k":[]}`),
		"missing key":       enc(`{"q":"` + q + `"}`),
		"five elements":     enc(`{"q":"` + q + `","k":[{"b":true},{"b":true},{"b":true},{"b":true},{"b":true}]}`),
		"two types set":     enc(`{"q":"` + q + `","k":[{"s":"x","i":1}]}`),
		"no type set":       enc(`{"q":"` + q + `","k":[{}]}`),
		"null value":        enc(`{"q":"` + q + `","k":[{"s":null}]}`),
		"wrong value type":  enc(`{"q":"` + q + `","k":[{"i":"1"}]}`),
		"fractional int":    enc(`{"q":"` + q + `","k":[{"i":1.5}]}`),
		"int overflow":      enc(`{"q":"` + q + `","k":[{"i":9223372036854775808}]}`),
		"no fingerprint":    enc(`{"k":[{"s":"x"}]}`),
		"other fingerprint": enc(`{"q":"AAAAAAAAAAAA","k":[{"s":"x"}]}`),
		"empty":             "",
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if key, err := decodeCursor(p, s); err != ErrBadCursor {
				t.Errorf("decode = %#v, %v; want exactly ErrBadCursor", key, err)
			}
		})
	}
}

func TestEncodeCursorRefusesOtherKeyTypes(t *testing.T) {
	p := cursorPlan(t)
	for _, k := range []any{1, int32(1), float32(1), []byte("x"), nil, map[string]any{}} {
		if s, err := encodeCursor(p, []any{k}); err == nil {
			t.Errorf("encodeCursor(%T) = %q, want an error", k, s)
		}
	}
}

// FuzzDecodeCursor: cursors come from clients, so any text must be refused
// with ErrBadCursor or decode to a key that encodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	p := cursorPlan(f)
	q := fingerprint(p)
	for _, key := range [][]any{
		{"x", "id"}, {int64(-1)}, {1.5}, {true}, {time.UnixMilli(-1).UTC()}, {"a", int64(2), 3.5, false},
	} {
		s, err := encodeCursor(p, key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"q":"` + q + `","k":[{"s":"x","t":1}]}`)))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"q":"` + q + `","k":[{"t":-9223372036854775808}]}`)))
	f.Add("")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := decodeCursor(p, s)
		if err != nil {
			if err != ErrBadCursor {
				t.Fatalf("decode(%q) = %v, want ErrBadCursor", s, err)
			}
			return
		}
		if len(key) == 0 || len(key) > 4 {
			t.Fatalf("decode(%q) gave %d key values", s, len(key))
		}
		again, err := encodeCursor(p, key)
		if err != nil {
			t.Fatalf("decoded key %#v does not encode: %v", key, err)
		}
		back, err := decodeCursor(p, again)
		if err != nil || !reflect.DeepEqual(back, key) {
			t.Fatalf("key %#v re-encoded decodes to %#v, %v", key, back, err)
		}
	})
}
