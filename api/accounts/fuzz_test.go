package accounts

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

var postcodeShape = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?|GIR) [0-9][A-Z]{2}$`)

func FuzzNormalizePostcode(f *testing.F) {
	for _, s := range []string{"pl1 2aa", "SW1A1AA", "gir 0aa", "EC1A 1BB", "", " ", hostile, "ＰＬ1 2AA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := NormalizePostcode(s)
		if !ok {
			return
		}
		if !postcodeShape.MatchString(out) {
			t.Fatalf("%q -> %q: not a postcode shape", s, out)
		}
		if again, ok := NormalizePostcode(out); !ok || again != out {
			t.Fatalf("%q -> %q -> %q: not stable", s, out, again)
		}
	})
}

// FuzzCustomerValidate: any JSON a client could send either fails with
// field errors or validates, and a validated record validates again
// unchanged (normalizing is stable).
func FuzzCustomerValidate(f *testing.F) {
	good, _ := json.Marshal(validCustomer())
	f.Add(good)
	f.Add([]byte(`{"name":{"given":{"$gt":""}}}`))
	f.Add([]byte(`{"name":{"given":"A"},"language":"en","addresses":[{"line1":"1","town":"T","postcode":"pl1 2aa","valid_from":"2020-01-01"}]}`))
	f.Add([]byte(`{"contacts":{"emails":[{"address":"a@b.org"},{"address":"A@B.org"}]}}`))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Customer
		if json.Unmarshal(b, &c) != nil {
			return
		}
		err := c.Validate(now)
		if err != nil {
			if ve, ok := err.(*ValidationError); !ok || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a field list", err)
			}
			return
		}
		first, _ := json.Marshal(c)
		if err := c.Validate(now); err != nil {
			t.Fatalf("valid record invalid on a second look: %v", err)
		}
		if second, _ := json.Marshal(c); string(first) != string(second) {
			t.Fatalf("normalizing twice changed it:\n%s\n%s", first, second)
		}
	})
}
