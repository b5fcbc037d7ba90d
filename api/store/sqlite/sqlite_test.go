package sqlite

import (
	"context"
	"testing"
	"time"

	"frontdoor/api/store"
	"frontdoor/api/store/storetest"
)

// TestContract runs the storage contract's conformance suite on SQLite, each
// test on a fresh file in its own temp dir.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) store.Engine {
			e, err := Open(context.Background(), testOptions(t.TempDir()))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return e
		},
		ExpiryWithin: 5 * time.Second,
	})
}
