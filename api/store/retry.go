package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// RetryAttempts is how often Retry runs fn before giving up.
const RetryAttempts = 20

// Retry runs fn again while it fails with one of races (ErrConflict: a
// stale version; ErrDuplicate: two first inserts of the same key), after a
// short random pause so that racers spread out. It returns fn's last error,
// or ctx's.
func Retry(ctx context.Context, fn func() error, races ...error) error {
	var err error
	for i := range RetryAttempts {
		if err = fn(); !isAny(err, races) {
			return err
		}
		t := time.NewTimer(time.Duration(rand.N(i+1)+1) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
