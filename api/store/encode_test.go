package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Types exercising encoding/json's naming rules. Encode must name every field
// exactly as json.Marshal does, or a document would not decode back.
type (
	plainTags struct {
		Renamed   string `json:"renamed"`
		Untagged  int
		Skipped   string `json:"-"`
		Dash      string `json:"-,"`
		OnlyOpts  bool   `json:",omitempty"`
		unexposed string
	}
	omitEmpty struct {
		S   string            `json:"s,omitempty"`
		I   int               `json:"i,omitempty"`
		U   uint16            `json:"u,omitempty"`
		F   float64           `json:"f,omitempty"`
		B   bool              `json:"b,omitempty"`
		P   *int              `json:"p,omitempty"`
		Sl  []int             `json:"sl,omitempty"`
		M   map[string]int    `json:"m,omitempty"`
		A   [0]int            `json:"a,omitempty"`
		St  struct{ X int }   `json:"st,omitempty"` // structs are never empty
		Any any               `json:"any,omitempty"`
		Tm  time.Time         `json:"tm,omitempty"`
		Mp  map[string]string `json:"mp"`
	}
	omitZero struct {
		When  time.Time       `json:"when,omitzero"`
		N     int             `json:"n,omitzero"`
		St    struct{ X int } `json:"st,omitzero"`
		Zeroy zeroer          `json:"zeroy,omitzero"`
		PtrZ  ptrZeroer       `json:"ptrz,omitzero"`
		Kept  int             `json:"kept"`
	}
	asString struct {
		I  int      `json:"i,string"`
		I8 int8     `json:",string"`
		U  uint     `json:"u,string"`
		F  float64  `json:"f,string"`
		B  bool     `json:"b,string"`
		S  string   `json:"s,string"`
		P  *int     `json:"p,string"`
		Sl []int    `json:"sl,string"` // ignored for non-scalars
		St struct{} `json:"st,string"`
	}

	inner     struct{ X, Y int }
	deepInner struct{ inner }
	lowered   struct{ Exposed int }
	embedding struct {
		inner            // flattened
		*ptrInner        // flattened when set
		Named     inner  `json:"named"` // a tagged embedded struct is a field
		lowered          // unexported type, exported fields still flattened
		Y         string // outer wins over inner.Y
	}
	ptrInner struct{ P1, P2 string }

	// The shallower X (in sibling) must beat the deeper one (in deepInner),
	// whichever comes first.
	shallowWins struct {
		deepInner
		sibling
	}
	sibling struct{ X string }
	// Two untagged X at the same depth cancel out; a tagged one beats untagged.
	sameDepth struct {
		sibling
		inner
		taggedX
		otherSibling
	}
	taggedX struct {
		Y string `json:"Y"`
	}
	otherSibling struct{ X string }
	// An embedded type that embeds itself must not recurse forever.
	cyclic struct {
		*cyclic
		N int
	}
	// The same type embedded twice at one depth: its fields cancel out.
	bothWrap struct {
		wrapper
		wrapper2
	}
	wrapper  struct{ sibling }
	wrapper2 struct{ sibling }

	marshalers struct {
		Val    valMarshaler    `json:"val"`
		Ptr    ptrMarshaler    `json:"ptr"`
		PtrP   *ptrMarshaler   `json:"ptrp"`
		NilP   *ptrMarshaler   `json:"nilp"`
		Text   netip.Addr      `json:"text"`
		PText  ptrText         `json:"ptext"`
		BigInt *big.Int        `json:"bigint"`
		Raw    json.RawMessage `json:"raw"`
		Num    json.Number     `json:"num"`
		NumF   json.Number     `json:"numf"`
	}
	valMarshaler struct{ secret int }
	ptrMarshaler struct{ secret string }
	ptrText      struct{ v string }

	containers struct {
		Bytes   []byte            `json:"bytes"`
		Named   namedBytes        `json:"named"`
		Arr     [3]byte           `json:"arr"`
		IntKeys map[int]string    `json:"int_keys"`
		StrKeys map[keyName]int   `json:"str_keys"`
		Nested  [][]inner         `json:"nested"`
		Iface   any               `json:"iface"`
		PP      **int             `json:"pp"`
		MapAny  map[string]any    `json:"map_any"`
		Empty   []string          `json:"empty"`
		Nil     []string          `json:"nil"`
		NilMap  map[string]string `json:"nil_map"`
		Structs []ptrInner        `json:"structs"`
	}
	namedBytes []byte
	keyName    string
	zeroer     struct{ v int }
	ptrZeroer  struct{ v int }
)

func (v valMarshaler) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"v": v.secret})
}
func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return json.Marshal("p:" + p.secret)
}
func (p *ptrText) MarshalText() ([]byte, error) { return []byte("t:" + p.v), nil }
func (z zeroer) IsZero() bool                   { return z.v == 42 }
func (z *ptrZeroer) IsZero() bool               { return z.v == 7 }

func intPtr(i int) *int { return &i }

func encodeCases() map[string]any {
	one := intPtr(1)
	return map[string]any{
		"tags":           plainTags{Renamed: "r", Untagged: 3, Skipped: "no", Dash: "dash", OnlyOpts: true, unexposed: "no"},
		"omitempty zero": omitEmpty{},
		"omitempty set":  omitEmpty{S: "s", I: -1, U: 2, F: 0.5, B: true, P: intPtr(0), Sl: []int{0}, M: map[string]int{"a": 0}, Any: 0, Tm: time.Unix(0, 0).UTC(), Mp: map[string]string{}},
		"omitzero zero":  omitZero{Zeroy: zeroer{42}, PtrZ: ptrZeroer{7}},
		"omitzero set":   omitZero{When: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), N: 3, St: struct{ X int }{1}, Zeroy: zeroer{0}, PtrZ: ptrZeroer{0}, Kept: 0},
		"string option":  asString{I: -12, I8: 8, U: 7, F: 1e21, B: true, S: `quote "me"`, P: intPtr(5), Sl: []int{1}},
		"string small f": asString{F: 0.000001},
		"embedded":       embedding{inner: inner{1, 2}, ptrInner: &ptrInner{"a", "b"}, Named: inner{3, 4}, lowered: lowered{5}, Y: "outer"},
		"embedded nil":   embedding{inner: inner{1, 2}},
		"shallower wins": shallowWins{deepInner: deepInner{inner{X: 1, Y: 2}}, sibling: sibling{X: "near"}},
		"same depth":     sameDepth{sibling: sibling{"s"}, inner: inner{1, 2}, taggedX: taggedX{"t"}, otherSibling: otherSibling{"o"}},
		//"cyclic":          cyclic{cyclic: &cyclic{N: 2}, N: 1},
		"embedded twice":  bothWrap{wrapper{sibling{"a"}}, wrapper2{sibling{"b"}}},
		"marshalers":      &marshalers{Val: valMarshaler{3}, Ptr: ptrMarshaler{"x"}, PtrP: &ptrMarshaler{"y"}, Text: netip.MustParseAddr("192.0.2.1"), PText: ptrText{"q"}, BigInt: big.NewInt(-77), Raw: json.RawMessage(`{"a":[1,"b",null]}`), Num: "12", NumF: "1.5e3"},
		"marshaler value": marshalers{Val: valMarshaler{4}, Num: "0"},
		"containers": containers{
			Bytes: []byte("hi\x00\xff"), Named: namedBytes("n"), Arr: [3]byte{1, 2, 3},
			IntKeys: map[int]string{2: "two", -1: "minus"}, StrKeys: map[keyName]int{"k": 1},
			Nested: [][]inner{{{1, 2}}, {}}, Iface: inner{5, 6}, PP: &one,
			MapAny: map[string]any{"n": 1, "s": "x", "nil": nil, "l": []any{1.5, nil, true}},
			Empty:  []string{}, Structs: []ptrInner{{"a", "b"}},
		},
		"map document": map[string]any{"a": 1, "b": map[string]any{"c": []int{1, 2}}, "d": nil},
	}
}

// TestEncodeNamesLikeJSON compares Encode with json.Marshal: once nulls are
// dropped (the store keeps no nulls), both must hold the same tree.
func TestEncodeNamesLikeJSON(t *testing.T) {
	for name, v := range encodeCases() {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			d, err := Encode(v)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("json.Marshal(Encode): %v", err)
			}
			if w, g := jsonTree(t, want), jsonTree(t, got); !reflect.DeepEqual(w, g) {
				t.Errorf("Encode differs from encoding/json\n json: %s\nstore: %s", want, got)
			}
		})
	}
}

// jsonTree decodes JSON keeping numbers exact and drops null object members.
func jsonTree(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return dropNulls(v)
}

func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(e)
			}
		}
	case []any:
		for i := range x {
			x[i] = dropNulls(x[i])
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f // 1e3 and 1000 are the same number
		}
	}
	return v
}

func TestEncodePortableValues(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := time.Date(2024, 3, 31, 1, 30, 0, 123_456_789, zone)
	type doc struct {
		Meta
		I8    int8           `json:"i8"`
		U32   uint32         `json:"u32"`
		U64   uint64         `json:"u64"`
		F32   float32        `json:"f32"`
		Big   int64          `json:"big"`
		When  time.Time      `json:"when"`
		PWhen *time.Time     `json:"pwhen"`
		Nil   *time.Time     `json:"nil"`
		List  []any          `json:"list"`
		Sub   map[string]any `json:"sub"`
		Blob  []byte         `json:"blob"`
		Iface any            `json:"iface"`
	}
	d, err := Encode(&doc{
		Meta: Meta{ID: "x", Version: 3}, I8: -8, U32: math.MaxUint32, U64: math.MaxInt64, F32: 1.5,
		Big: math.MinInt64, When: local, PWhen: &local, List: []any{uint8(1), 2.5, "s", nil, local},
		Sub: map[string]any{"t": local, "nil": nil}, Blob: []byte{0, 1, 2}, Iface: (*int)(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	utc := time.Date(2024, 3, 30, 20, 0, 0, 123_000_000, time.UTC)
	want := Doc{
		"id": "x", "version": int64(3), "i8": int64(-8), "u32": int64(math.MaxUint32), "u64": int64(math.MaxInt64),
		"f32": float64(1.5), "big": int64(math.MinInt64), "when": utc, "pwhen": utc,
		"list": []any{int64(1), 2.5, "s", nil, utc}, "sub": map[string]any{"t": utc, "nil": nil}, "blob": "AAEC",
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Encode =\n%#v\nwant\n%#v", d, want)
	}
	if got := d["when"].(time.Time); got.Location() != time.UTC {
		t.Errorf("time kept zone %v, want UTC", got.Location())
	}
}

func TestEncodeRefuses(t *testing.T) {
	type withTime struct {
		T time.Time `json:"t"`
	}
	type withFloat struct {
		F float64 `json:"f"`
	}
	cases := map[string]any{
		"NaN":            withFloat{math.NaN()},
		"+Inf":           withFloat{math.Inf(1)},
		"-Inf in map":    map[string]any{"x": []any{math.Inf(-1)}},
		"float32 NaN":    map[string]float32{"x": float32(math.NaN())},
		"year 0":         withTime{time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC)},
		"year 10000":     withTime{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year 10000 UTC": withTime{time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("W", -2*3600))},
		"uint64 too big": map[string]uint64{"x": math.MaxInt64 + 1},
		"channel":        map[string]any{"c": make(chan int)},
		"func":           map[string]any{"f": func() {}},
		"complex":        map[string]any{"c": complex(1, 2)},
		"not a document": []int{1},
		"a scalar":       42,
		"nil":            nil,
		"nil pointer":    (*withTime)(nil),
		"bad marshaler":  map[string]any{"m": json.RawMessage(`{`)},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			if d, err := Encode(v); !errors.Is(err, ErrInvalid) {
				t.Errorf("Encode = %v, %v; want ErrInvalid", d, err)
			}
		})
	}
}

func TestEncodeAcceptsEdgeYears(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
	} {
		d, err := Encode(map[string]any{"t": tm})
		if err != nil {
			t.Fatalf("Encode(%v): %v", tm, err)
		}
		if got := d["t"].(time.Time); !got.Equal(tm.Truncate(time.Millisecond)) {
			t.Errorf("Encode(%v) = %v", tm, got)
		}
	}
}

func TestEncodeErrorNamesField(t *testing.T) {
	type inner struct {
		Score float64 `json:"score"`
	}
	type outer struct {
		Inner inner `json:"inner"`
	}
	_, err := Encode(outer{inner{math.NaN()}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "inner") || !strings.Contains(err.Error(), "score") {
		t.Errorf("error %v should be ErrInvalid and name inner and score", err)
	}
}

// FuzzEncodeJSON feeds Encode whatever JSON decodes into: it must accept it,
// never panic, and keep the same tree apart from nulls.
func FuzzEncodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1,"b":[1,2.5,"x",null,{"c":true}]}`, `{"n":-0,"big":12345678901234567890}`,
		`{"u":"\u00e9\ud83d\ude00","e":1e308,"t":"2024-01-01T00:00:00Z"}`, `{"":{"":[[]]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, useNumber := range []bool{false, true} {
			dec := json.NewDecoder(bytes.NewReader(b))
			if useNumber {
				dec.UseNumber()
			}
			var m map[string]any
			if dec.Decode(&m) != nil || m == nil {
				return
			}
			d, err := Encode(m)
			if err != nil {
				t.Fatalf("Encode(%s, UseNumber=%v): %v", b, useNumber, err)
			}
			got, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("json.Marshal(Encode(%s)): %v", b, err)
			}
			want, _ := json.Marshal(m)
			if w, g := jsonTree(t, want), jsonTree(t, got); !reflect.DeepEqual(w, g) {
				t.Fatalf("Encode changed the tree\n json: %s\nstore: %s", want, got)
			}
		}
	})
}

// TestEncodeInvalidUTF8: each invalid byte becomes U+FFFD, as encoding/json
// makes it, so every engine stores the same text.
func TestEncodeInvalidUTF8(t *testing.T) {
	type doc struct {
		S    string            `json:"s"`
		Keys map[string]string `json:"keys"`
	}
	d, err := Encode(doc{S: "a\xff\xfeb\u00e9\uFFFD", Keys: map[string]string{"k\xc3": "v\x80"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{"s": "a\uFFFD\uFFFDb\u00e9\uFFFD", "keys": map[string]any{"k\uFFFD": "v\uFFFD"}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Encode = %q, want %q", d, want)
	}
	viaJSON, _ := json.Marshal(doc{S: "a\xff\xfeb"})
	if !bytes.Contains(viaJSON, []byte(`"a\ufffd\ufffdb"`)) {
		t.Fatalf("encoding/json changed its rule: %s", viaJSON)
	}
	p, err := plan(casesSpec, Query{Where: []Cond{Eq("ref", "x\xff")}})
	if err != nil || p.Where[0].Value != "x\uFFFD" {
		t.Errorf("filter value planned as %q, %v", p.Where[0].Value, err)
	}
}
