package mongo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"frontdoor/api/store"
)

type address struct {
	Line     string  `json:"line"`
	Postcode string  `json:"postcode,omitempty"`
	Lat      float64 `json:"lat"`
}

type caseDoc struct {
	store.Meta
	Reference string            `json:"reference"`
	Ward      int               `json:"ward"`
	Big       int64             `json:"big"`
	Score     float64           `json:"score"`
	Urgent    bool              `json:"urgent"`
	Opened    time.Time         `json:"opened"`
	Closed    *time.Time        `json:"closed,omitempty"`
	Address   address           `json:"address"`
	Items     []address         `json:"items"`
	Tags      []string          `json:"tags"`
	Labels    map[string]string `json:"labels"`
	Empty     []int             `json:"empty"`
	Extra     map[string]any    `json:"extra"`
	Photo     []byte            `json:"photo"`
}

// TestDocumentRoundTrip stores a document through real BSON bytes, as the
// driver would, and checks that the JSON we return decodes into the same value.
func TestDocumentRoundTrip(t *testing.T) {
	opened := time.Date(1969, 7, 20, 20, 17, 40, 123_456_789, time.FixedZone("EDT", -4*3600))
	in := caseDoc{
		Meta:      store.Meta{ID: "01hx", Version: 3},
		Reference: "FD-000042",
		Ward:      7,
		Big:       1<<62 + 1,
		Score:     2.5,
		Urgent:    true,
		Opened:    opened,
		Address:   address{Line: "1 Castle St", Lat: 51.48},
		Items:     []address{{Line: "a", Postcode: "CF10 1AA"}, {Line: "b"}},
		Tags:      []string{"grass", "hedge"},
		Labels:    map[string]string{"team": "parks"},
		Empty:     []int{},
		Extra:     map[string]any{"n": 3, "nested": map[string]any{"list": []any{1, "two", nil}}},
		Photo:     []byte{0xff, 0x00, 0x10},
	}
	doc, err := store.Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bson.Marshal(storedDoc(in.ID, doc))
	if err != nil {
		t.Fatal(err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if got := bson.Raw(raw).Lookup("opened").Type; got != bson.TypeDateTime {
		t.Fatalf("opened stored as BSON %v, want a date (TTL indexes need one)", got)
	}
	if got := bson.Raw(raw).Lookup("big").Type; got != bson.TypeInt64 {
		t.Fatalf("big stored as BSON %v, want int64", got)
	}
	b, key, err := documentJSON(d, "opened")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"_id"`) {
		t.Errorf("JSON carries _id: %s", b)
	}
	var out caseDoc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	want := in
	want.Opened = opened.UTC().Truncate(time.Millisecond)
	want.Extra = map[string]any{"n": float64(3), "nested": map[string]any{"list": []any{float64(1), "two", nil}}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("round trip\n got %+v\nwant %+v", out, want)
	}
	if !reflect.DeepEqual(key, []any{want.Opened, "01hx"}) {
		t.Errorf("key %#v, want [opened, id]", key)
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"int32 widens", int32(-5), int64(-5)},
		{"int64", int64(1 << 40), int64(1 << 40)},
		{"double", 0.25, 0.25},
		{"date before 1970 in UTC", bson.DateTime(-1500), time.Date(1969, 12, 31, 23, 59, 58, 500_000_000, time.UTC)},
		{"null", nil, nil},
		{"empty document", bson.D{}, map[string]any{}},
		{"empty array", bson.A{}, []any{}},
		{"nested", bson.D{kv("a", bson.A{int32(1), bson.D{kv("b", "x")}, nil}), kv("m", bson.M{"c": true})},
			map[string]any{"a": []any{int64(1), map[string]any{"b": "x"}, nil}, "m": map[string]any{"c": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plain(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDocumentJSON(t *testing.T) {
	when := bson.DateTime(1_700_000_000_123)
	d := bson.D{kv("_id", "01hx"), kv("id", "01hx"), kv("version", int64(2)),
		kv("sla", bson.D{kv("due", when), kv("tier", "simple")}), kv("n", int32(4))}

	b, key, err := documentJSON(d, "sla.due")
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"id":"01hx","n":4,"sla":{"due":"2023-11-14T22:13:20.123Z","tier":"simple"},"version":2}`
	if string(b) != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", b, wantJSON)
	}
	if want := []any{time.UnixMilli(1_700_000_000_123).UTC(), "01hx"}; !reflect.DeepEqual(key, want) {
		t.Errorf("key %#v, want %#v", key, want)
	}
	if _, key, _ := documentJSON(d, "n"); !reflect.DeepEqual(key, []any{int64(4), "01hx"}) {
		t.Errorf("int32 sort value gives key %#v, want int64", key)
	}
	if _, key, _ := documentJSON(d, ""); !reflect.DeepEqual(key, []any{"01hx"}) {
		t.Errorf("unsorted key %#v, want [id]", key)
	}
	if _, _, err := documentJSON(d, "sla"); err == nil {
		t.Error("a document as sort value: no error")
	}
	if _, _, err := documentJSON(d, "missing"); err == nil {
		t.Error("a missing sort value: no error")
	}
	if _, _, err := documentJSON(bson.D{kv("_id", bson.NewObjectID())}, ""); err == nil {
		t.Error("an ObjectID _id: no error")
	}
	if _, _, err := documentJSON(bson.D{kv("_id", "x"), kv("re", bson.Regex{Pattern: "a"})}, ""); err == nil {
		t.Error("a regex value: no error")
	}
}

func TestStoredDocPutsIDFirst(t *testing.T) {
	d := storedDoc("01hx", store.Doc{"version": int64(1), "id": "01hx", "_id": "forged", "a": "x"})
	want := bson.D{kv("_id", "01hx"), kv("a", "x"), kv("id", "01hx"), kv("version", int64(1))}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %v, want %v", d, want)
	}
}
