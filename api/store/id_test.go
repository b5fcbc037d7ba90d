package store

import (
	"strings"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := NewID()
	for range 10000 {
		id := NewID()
		if len(id) != 26 || strings.Trim(id, "0123456789abcdefghjkmnpqrstvwxyz") != "" {
			t.Fatalf("id %q: want 26 characters of the lower-case Crockford alphabet", id)
		}
		if seen[id] {
			t.Fatalf("id %q generated twice", id)
		}
		seen[id] = true
		prev = id
	}
	time.Sleep(2 * time.Millisecond)
	if later := NewID(); later <= prev {
		t.Errorf("id %q made later sorts before %q", later, prev)
	}
}
