package sqlite

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestMarshalDoc(t *testing.T) {
	doc := store.Doc{
		"id": "x", "version": int64(3), "n": 1.5, "big": int64(math.MaxInt64), "ok": true,
		"when":  time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)),
		"text":  "a \"quoted\" <b> & \\ line\nbreak\u2028 é \xff",
		"list":  []any{int64(1), "two", nil},
		"inner": map[string]any{"z": "last", "a": "first"},
	}
	b, err := marshalDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{
		"id": "x", "version": 3, "n": 1.5, "big": int64(math.MaxInt64), "ok": true,
		"when": "2025-01-02T02:04:05.000Z", "text": doc["text"],
		"list": []any{1, "two", nil}, "inner": map[string]any{"z": "last", "a": "first"},
	})
	if string(b) != string(want) {
		t.Fatalf("marshalDoc =\n%s\nwant\n%s", b, want)
	}
	var back struct {
		When time.Time `json:"when"`
	}
	if err := json.Unmarshal(b, &back); err != nil || !back.When.Equal(doc["when"].(time.Time)) {
		t.Fatalf("time read back as %v (%v)", back.When, err)
	}
}

func TestMarshalDocRefusesWhatIsNotPortable(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), struct{}{}, []string{"typed"}} {
		if _, err := marshalDoc(store.Doc{"v": v}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("marshal %#v: %v; want ErrInvalid", v, err)
		}
	}
}

// FuzzMarshalDoc checks that any string survives the trip through the JSON
// the engine stores, byte for byte where it is valid UTF-8.
func FuzzMarshalDoc(f *testing.F) {
	for _, s := range []string{"", "plain", "\"", "\\", "\x00\x1f", "<>&", "\u2028\u2029", "\xff\xfe", "é漢字"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := marshalDoc(store.Doc{s: s})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q made invalid JSON %s: %v", s, b, err)
		}
		want, _ := json.Marshal(map[string]string{s: s})
		var wantBack map[string]string
		json.Unmarshal(want, &wantBack)
		if !reflect.DeepEqual(back, wantBack) {
			t.Fatalf("%q came back as %q; encoding/json gives %q", s, back, wantBack)
		}
	})
}
