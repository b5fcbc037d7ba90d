package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestFailedJobsRetryWithBackoffUntilDone(t *testing.T) {
	clk := newClock()
	db, _ := openDB(t)
	opts := Options{Poll: 5 * time.Millisecond, BaseBackoff: time.Second, MaxBackoff: time.Hour, Now: clk.Now}
	o := newOutbox(t, db, opts)
	var calls atomic.Int32
	o.Register("connector.deliver", func(ctx context.Context, j Job) error {
		if calls.Add(1) <= 3 {
			return errReceiver
		}
		return nil
	})
	mustEnqueue(t, o, "connector.deliver", "change-1", map[string]string{"field": "address"})
	o.Start(context.Background())
	for attempt := 1; attempt <= 3; attempt++ {
		j := waitJob(t, o, "change-1", fmt.Sprintf("failed attempt %d", attempt), func(j Job) bool {
			return j.State == StatePending && j.Attempts == attempt
		})
		full := time.Second << (attempt - 1)
		wait := j.AvailableAt.Sub(clk.Now())
		if wait < full/2-time.Millisecond || wait > full {
			t.Fatalf("attempt %d: retry in %v, want %v to %v", attempt, wait, full/2, full)
		}
		if j.LastError != errReceiver.Error() {
			t.Errorf("last error %q", j.LastError)
		}
		stays(t, 50*time.Millisecond, "no retry before the backoff", func() bool { return calls.Load() == int32(attempt) })
		clk.Advance(wait)
	}
	j := waitJob(t, o, "change-1", "done after the fourth attempt", inState(StateDone))
	if j.Attempts != 4 || j.LastError != "" || calls.Load() != 4 {
		t.Errorf("done job: attempts %d, last error %q, calls %d", j.Attempts, j.LastError, calls.Load())
	}
	if j.ExpiresAt == nil || !j.ExpiresAt.Equal(clk.Now().Add(7*24*time.Hour)) {
		t.Errorf("done job expires at %v, want a week on", j.ExpiresAt)
	}
}

func TestRetryDelayGrowsToTheCapWithJitter(t *testing.T) {
	o := &Outbox{opts: Options{BaseBackoff: time.Second, MaxBackoff: time.Hour}}
	for attempt := 1; attempt <= 40; attempt++ {
		full := min(time.Second<<min(attempt-1, 30), time.Hour)
		seen := map[time.Duration]bool{}
		for range 50 {
			d := o.retryDelay(attempt, errReceiver)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: delay %v outside %v..%v", attempt, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct delays in 50: no jitter", attempt, len(seen))
		}
	}
	if d := o.retryDelay(1, RetryAfter(10*time.Hour, errReceiver)); d != 10*time.Hour {
		t.Errorf("RetryAfter 10h beyond MaxBackoff: got %v", d)
	}
	if d := o.retryDelay(1, RetryAfter(365*24*time.Hour, errReceiver)); d != maxRetryAfter {
		t.Errorf("RetryAfter a year: got %v, want the %v cap", d, maxRetryAfter)
	}
	if d := o.retryDelay(20, RetryAfter(time.Millisecond, errReceiver)); d < 30*time.Minute {
		t.Errorf("a short RetryAfter cut the backoff to %v", d)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	clk := newClock()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, BaseBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Now: clk.Now})
	var calls atomic.Int32
	o.Register("connector.deliver", func(ctx context.Context, j Job) error {
		if calls.Add(1) == 1 {
			return RetryAfter(2*time.Minute, errors.New("receiver answered 429"))
		}
		return nil
	})
	mustEnqueue(t, o, "connector.deliver", "k", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "k", "the first attempt", func(j Job) bool { return j.Attempts == 1 && j.State == StatePending })
	if !j.AvailableAt.Equal(clk.Now().Add(2 * time.Minute)) {
		t.Fatalf("next attempt at %v, want two minutes from %v", j.AvailableAt, clk.Now())
	}
	clk.Advance(time.Minute)
	stays(t, 60*time.Millisecond, "no retry inside Retry-After", func() bool { return calls.Load() == 1 })
	clk.Advance(time.Minute)
	waitJob(t, o, "k", "the retry to succeed", inState(StateDone))
}

func TestMaxAttemptsThenDeadThenStaffRetry(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, MaxAttempts: 3, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	var fixed atomic.Bool
	var calls atomic.Int32
	o.Register("connector.deliver", func(ctx context.Context, j Job) error {
		calls.Add(1)
		if !fixed.Load() {
			return errReceiver
		}
		return nil
	})
	mustEnqueue(t, o, "connector.deliver", "change-9", map[string]int{"n": 9})
	mustEnqueue(t, o, "connector.deliver", "change-10", nil, WithMaxAttempts(1))
	o.Start(ctx)
	j := waitJob(t, o, "change-9", "the job to die", inState(StateDead))
	one := waitJob(t, o, "change-10", "the one-attempt job to die", inState(StateDead))
	if j.Attempts != 3 || j.LastError != errReceiver.Error() || one.Attempts != 1 {
		t.Fatalf("dead job: attempts %d (%d for the one-attempt job), last error %q", j.Attempts, one.Attempts, j.LastError)
	}
	stays(t, 50*time.Millisecond, "a dead job stays dead", func() bool { return calls.Load() == 4 })
	if d := depth(t, o); d["dead"] != 2 || d["pending"] != 0 {
		t.Errorf("depth %v, want two dead", d)
	}
	page, err := o.Dead(ctx, "")
	if err != nil || len(page.Items) != 2 || page.Next != "" {
		t.Fatalf("dead list: %d items, next %q, err %v", len(page.Items), page.Next, err)
	}
	listed := map[string]Job{page.Items[0].Key: page.Items[0], page.Items[1].Key: page.Items[1]}
	if got := listed["change-9"]; got.ID != j.ID || string(got.Payload) != `{"n":9}` || got.LastError == "" {
		t.Errorf("dead list shows %+v", got)
	}

	fixed.Store(true)
	if err := o.Retry(ctx, j.ID); err != nil {
		t.Fatalf("retry: %v", err)
	}
	j = waitJob(t, o, "change-9", "the retried job to be done", inState(StateDone))
	if j.Attempts != 1 {
		t.Errorf("retried job took %d attempts, want a fresh count of 1", j.Attempts)
	}
	if d := depth(t, o); d["dead"] != 1 || d["done"] != 1 {
		t.Errorf("depth %v after retry", d)
	}
	if err := o.Retry(ctx, j.ID); !errors.Is(err, ErrNotDead) {
		t.Errorf("retry of a done job: got %v, want ErrNotDead", err)
	}
	if err := o.Retry(ctx, store.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retry of an unknown job: got %v, want ErrNotFound", err)
	}
}

func TestDeadJobsComeInPagesNewestFirst(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, Workers: 1})
	o.Register("deliver", func(context.Context, Job) error { return Permanent(nil) })
	const n = store.DefaultLimit + 5
	for i := range n {
		mustEnqueue(t, o, "deliver", fmt.Sprint("k", i), nil)
	}
	o.Start(ctx)
	waitFor(t, 20*time.Second, "every job dead", func() bool { return depth(t, o)["dead"] == n })
	var all []Job
	after := ""
	for page := 1; ; page++ {
		p, err := o.Dead(ctx, after)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	seen := map[string]bool{}
	for i, j := range all {
		if seen[j.ID] || j.State != StateDead {
			t.Fatalf("dead list item %d: %s %s (repeated: %v)", i, j.ID, j.State, seen[j.ID])
		}
		seen[j.ID] = true
		if i > 0 && j.AvailableAt.After(all[i-1].AvailableAt) {
			t.Fatalf("dead list out of order at %d", i)
		}
	}
	if len(all) != n {
		t.Fatalf("dead list has %d jobs, want %d", len(all), n)
	}
	if _, err := o.Dead(ctx, "not-a-cursor"); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("bad cursor: got %v", err)
	}
}

func TestPermanentErrorGoesStraightToDead(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	var calls atomic.Int32
	o.Register("connector.deliver", func(ctx context.Context, j Job) error {
		calls.Add(1)
		return fmt.Errorf("deliver: %w", Permanent(errors.New("receiver answered 422")))
	})
	mustEnqueue(t, o, "connector.deliver", "k", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "k", "the job to die", inState(StateDead))
	stays(t, 50*time.Millisecond, "no retry after a permanent error", func() bool { return calls.Load() == 1 })
	if j.Attempts != 1 || !strings.Contains(j.LastError, "422") {
		t.Errorf("dead job: attempts %d, last error %q", j.Attempts, j.LastError)
	}
}

func TestPanickingHandlerCountsAsAFailure(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, MaxAttempts: 2, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	var calls atomic.Int32
	o.Register("push.send", func(ctx context.Context, j Job) error {
		calls.Add(1)
		var m map[string]int
		m["boom"]++ // nil map: panics
		return nil
	})
	mustEnqueue(t, o, "push.send", "k", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "k", "the panicking job to die", inState(StateDead))
	if j.Attempts != 2 || calls.Load() != 2 || !strings.Contains(j.LastError, "panicked") {
		t.Errorf("dead job: attempts %d, calls %d, last error %q", j.Attempts, calls.Load(), j.LastError)
	}
}

func TestLongErrorsAreCut(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, MaxAttempts: 1})
	o.Register("push.send", func(ctx context.Context, j Job) error {
		return errors.New("a" + strings.Repeat("é", maxLastError)) // é is 2 bytes: the cut splits one
	})
	mustEnqueue(t, o, "push.send", "k", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "k", "the job to die", inState(StateDead))
	if want := "a" + strings.Repeat("é", maxLastError/2-1) + "..."; j.LastError != want {
		t.Errorf("last error is %d bytes, want %d", len(j.LastError), len(want))
	}
}

func TestUnknownKindWaitsForABinaryThatKnowsIt(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db, _ := openDB(t)
	opts := Options{Poll: 5 * time.Millisecond, MaxAttempts: 2, Now: clk.Now}
	old := newOutbox(t, db, opts)
	old.Register("push.send", func(context.Context, Job) error { return nil })
	mustEnqueue(t, old, "sms.send", "k", map[string]string{"template": "reminder"})
	old.Start(ctx)
	j := waitJob(t, old, "k", "the unknown kind to be put off", func(j Job) bool { return j.LastError != "" })
	if j.State != StatePending || j.Attempts != 0 {
		t.Fatalf("unknown kind: state %s attempts %d, want pending with no attempt used", j.State, j.Attempts)
	}
	if wait := j.AvailableAt.Sub(clk.Now()); wait < unknownKindDelay/2 || wait > unknownKindDelay {
		t.Fatalf("unknown kind put off by %v", wait)
	}
	for range 3 { // it keeps waiting, however often it comes round
		clk.Advance(unknownKindDelay)
		waitJob(t, old, "k", "put off again", func(n Job) bool { return n.Version > j.Version })
		j = jobByKey(t, old, "k")
	}
	if j.State != StatePending || j.Attempts != 0 {
		t.Fatalf("after being put off: state %s attempts %d", j.State, j.Attempts)
	}
	if err := old.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	newer := newOutbox(t, db, opts)
	got := make(chan Job, 1)
	newer.Register("sms.send", func(ctx context.Context, j Job) error { got <- j; return nil })
	newer.Start(ctx)
	clk.Advance(unknownKindDelay)
	select {
	case j := <-got:
		if string(j.Payload) != `{"template":"reminder"}` {
			t.Errorf("payload %s", j.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the newer binary did not run the job")
	}
	waitJob(t, newer, "k", "done by the newer binary", inState(StateDone))
}
