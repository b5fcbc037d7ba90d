package outbox

import (
	"errors"
	"math/rand/v2"
	"strings"
	"time"
)

// maxRetryAfter caps what a handler may ask for, so a receiver's bogus
// Retry-After cannot park a job for years.
const maxRetryAfter = 7 * 24 * time.Hour

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks a handler's error as one that retrying cannot fix (the
// receiver refused the payload, say): the job goes straight to dead.
func Permanent(err error) error {
	if err == nil {
		err = errors.New("permanent failure")
	}
	return &permanentError{err}
}

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type retryAfterError struct {
	err   error
	delay time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter asks for the next attempt no sooner than d from now (a
// receiver's Retry-After, for instance); the usual backoff still applies when
// it is longer. The attempt counts towards MaxAttempts.
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		err = errors.New("asked to retry later")
	}
	return &retryAfterError{err: err, delay: min(max(d, 0), maxRetryAfter)}
}

// retryDelay is the wait after failed attempt number attempt (1 for the
// first): exponential from BaseBackoff, capped at MaxBackoff, with equal
// jitter so that jobs failing together spread out but always wait a while.
func (o *Outbox) retryDelay(attempt int, err error) time.Duration {
	d := o.opts.BaseBackoff
	for i := 1; i < attempt && d < o.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = equalJitter(min(d, o.opts.MaxBackoff))
	var ra *retryAfterError
	if errors.As(err, &ra) {
		d = max(d, ra.delay)
	}
	return d
}

// equalJitter returns a duration between d/2 and d.
func equalJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// lastError is what a job keeps of an error: bounded, valid UTF-8.
func lastError(err error) string {
	s := strings.ToValidUTF8(err.Error(), "?")
	if len(s) <= maxLastError {
		return s
	}
	// A cut through a character leaves invalid bytes, which go.
	return strings.ToValidUTF8(s[:maxLastError], "") + "..."
}
