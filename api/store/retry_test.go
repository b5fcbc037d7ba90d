package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestRetry: a lost race is run again until it wins; any other error, or
// a race lost every time, comes back as it was.
func TestRetry(t *testing.T) {
	calls := 0
	err := Retry(context.Background(), func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("replace: %w", ErrConflict)
		}
		return nil
	}, ErrConflict)
	if err != nil || calls != 3 {
		t.Fatalf("won on call %d: %v", calls, err)
	}
	calls = 0
	other := errors.New("disk full")
	if err := Retry(context.Background(), func() error { calls++; return other }, ErrConflict); err != other || calls != 1 {
		t.Fatalf("a real error was retried %d times: %v", calls, err)
	}
	calls = 0
	if err := Retry(context.Background(), func() error { calls++; return ErrDuplicate }, ErrConflict); !errors.Is(err, ErrDuplicate) || calls != 1 {
		t.Fatalf("a race not named was retried %d times: %v", calls, err)
	}
	calls = 0
	if err := Retry(context.Background(), func() error { calls++; return ErrConflict }, ErrConflict); !errors.Is(err, ErrConflict) || calls != RetryAttempts {
		t.Fatalf("a race lost every time: %d calls, %v", calls, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Retry(ctx, func() error { return ErrConflict }, ErrConflict); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled retry: %v", err)
	}
}
