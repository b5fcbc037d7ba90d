package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestEnqueueFollowsTheCallersTransaction(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 10 * time.Millisecond})
	var mu sync.Mutex
	var ran []Job
	o.Register("mail.send", func(ctx context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, j)
		return nil
	})
	errBoom := errors.New("the change failed")
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := o.Enqueue(ctx, "mail.send", "rolled-back", map[string]int{"n": 1}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("tx: got %v, want the change's error", err)
	}
	// Nulls and numbers past float64 precision survive as they were sent.
	payload := json.RawMessage(`{"to":null,"big":12345678901234567890,"f":1.0,"s":"\u00e9"}`)
	err = db.Tx(ctx, func(ctx context.Context) error {
		return o.Enqueue(ctx, "mail.send", "committed", payload)
	})
	if err != nil {
		t.Fatalf("tx: %v", err)
	}
	if _, err := o.jobs.FindOne(ctx, store.Eq(fieldKey, "rolled-back")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back job: got %v, want ErrNotFound", err)
	}

	o.Start(ctx)
	done := waitJob(t, o, "committed", "the committed job to be done", inState(StateDone))
	stays(t, 200*time.Millisecond, "a single run", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ran) == 1
	})
	got := ran[0]
	if got.Key != "committed" || got.Kind != "mail.send" || got.Attempts != 1 || got.ID != done.ID {
		t.Errorf("handler got key %q kind %q attempts %d id %s", got.Key, got.Kind, got.Attempts, got.ID)
	}
	if string(got.Payload) != string(payload) {
		t.Errorf("payload: got %s, want %s", got.Payload, payload)
	}
	if d := depth(t, o); d["done"] != 1 || d["pending"] != 0 || d["running"] != 0 || d["dead"] != 0 {
		t.Errorf("depth %v, want one done job only", d)
	}
}

func TestDuplicateKeyIsANoOp(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 10 * time.Millisecond})
	var runs sync.Map // key -> *atomic.Int32
	o.Register("push.send", func(ctx context.Context, j Job) error {
		n, _ := runs.LoadOrStore(j.Key, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		return nil
	})
	mustEnqueue(t, o, "push.send", "a", "first")
	mustEnqueue(t, o, "push.send", "a", "second")
	err := db.Tx(ctx, func(ctx context.Context) error {
		for _, key := range []string{"b", "b", "a", "c"} {
			if err := o.Enqueue(ctx, "push.send", key, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tx with repeated keys: %v", err)
	}
	if err := o.Enqueue(ctx, "mail.send", "a", nil); !errors.Is(err, ErrKeyInUse) {
		t.Errorf("same key, other kind: got %v, want ErrKeyInUse", err)
	}
	if d := depth(t, o); d["pending"] != 3 {
		t.Fatalf("pending jobs: %d, want 3 (a, b, c)", d["pending"])
	}
	if j := jobByKey(t, o, "a"); string(j.Payload) != `"first"` {
		t.Errorf("job a payload %s: the first enqueue must stand", j.Payload)
	}

	o.Start(ctx)
	waitFor(t, 10*time.Second, "three done jobs", func() bool { return depth(t, o)["done"] == 3 })
	for _, key := range []string{"a", "b", "c"} {
		n, _ := runs.Load(key)
		if n == nil || n.(*atomic.Int32).Load() != 1 {
			t.Errorf("job %s ran %v times, want once", key, n)
		}
	}
	mustEnqueue(t, o, "push.send", "a", "after done")
	stays(t, 100*time.Millisecond, "no new job for a done key", func() bool { return depth(t, o)["pending"] == 0 })
}

func TestEnqueueRefusesBadJobs(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{})
	cases := []struct {
		name, kind, key string
		payload         any
		opts            []EnqueueOption
	}{
		{"empty kind", "", "k", nil, nil},
		{"upper-case kind", "Mail", "k", nil, nil},
		{"long kind", strings.Repeat("a", 65), "k", nil, nil},
		{"empty key", "mail", "", nil, nil},
		{"long key", "mail", strings.Repeat("k", MaxKeyLen+1), nil, nil},
		{"control in key", "mail", "a\nb", nil, nil},
		{"invalid UTF-8 key", "mail", "a\xffb", nil, nil},
		{"payload too large", "mail", "k", strings.Repeat("x", MaxPayload), nil},
		{"payload JSON cannot hold", "mail", "k", make(chan int), nil},
		{"invalid raw JSON", "mail", "k", json.RawMessage(`{"a":`), nil},
		{"no attempts", "mail", "k", nil, []EnqueueOption{WithMaxAttempts(0)}},
		{"too many attempts", "mail", "k", nil, []EnqueueOption{WithMaxAttempts(maxAttemptsCap + 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := o.Enqueue(context.Background(), c.kind, c.key, c.payload, c.opts...)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
	if d := depth(t, o); d["pending"] != 0 {
		t.Errorf("refused jobs were stored: %v", d)
	}
	mustEnqueue(t, o, "mail", strings.Repeat("k", MaxKeyLen), strings.Repeat("x", MaxPayload-2))
	if d := depth(t, o); d["pending"] != 1 {
		t.Errorf("a job at every limit was not stored: %v", d)
	}
}

func TestEnqueueWakesIdleWorkersAtOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	// Polling alone would take an hour: only the wake-up can run it in time.
	o := newOutbox(t, db, Options{Poll: time.Hour})
	ran := make(chan string, 2)
	o.Register("push.send", func(ctx context.Context, j Job) error { ran <- j.Key; return nil })
	o.Start(ctx)
	time.Sleep(20 * time.Millisecond) // the workers found nothing and sleep
	for _, key := range []string{"one", "two"} {
		err := db.Tx(ctx, func(ctx context.Context) error {
			if err := o.Enqueue(ctx, "push.send", key, nil); err != nil {
				return err
			}
			time.Sleep(30 * time.Millisecond) // the signal comes before the commit
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-ran:
			if got != key {
				t.Fatalf("ran %s, want %s", got, key)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("job %s did not run promptly after its enqueue committed", key)
		}
	}
}

func TestDelayedJobWaits(t *testing.T) {
	clk := newClock()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, Now: clk.Now})
	var ran atomic.Int32
	o.Register("reminder", func(ctx context.Context, j Job) error { ran.Add(1); return nil })
	mustEnqueue(t, o, "reminder", "r1", nil, WithDelay(time.Hour))
	o.Start(context.Background())
	stays(t, 100*time.Millisecond, "a delayed job waits", func() bool { return ran.Load() == 0 })
	clk.Advance(time.Hour)
	waitJob(t, o, "r1", "the delayed job to run", inState(StateDone))
}

func TestDoneJobsAreKeptForKeepDoneThenRemoved(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, KeepDone: 300 * time.Millisecond})
	var ran atomic.Int32
	o.Register("push.send", func(ctx context.Context, j Job) error { ran.Add(1); return nil })
	o.Start(context.Background())
	start := time.Now()
	mustEnqueue(t, o, "push.send", "k", nil)
	j := waitJob(t, o, "k", "the job to be done", inState(StateDone))
	if j.ExpiresAt == nil || j.ExpiresAt.Sub(j.UpdatedAt) != 300*time.Millisecond {
		t.Fatalf("done job expires at %v, updated %v: want KeepDone after", j.ExpiresAt, j.UpdatedAt)
	}
	mustEnqueue(t, o, "push.send", "k", nil) // within KeepDone: a no-op
	waitFor(t, 10*time.Second, "the done job to expire", func() bool { return depth(t, o)["done"] == 0 })
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("the done job went before KeepDone")
	}
	if ran.Load() != 1 {
		t.Fatalf("ran %d times before expiry, want 1", ran.Load())
	}
	mustEnqueue(t, o, "push.send", "k", nil) // the key is free again
	waitFor(t, 10*time.Second, "the new job to run", func() bool { return ran.Load() == 2 })
}

func TestOptionsAreChecked(t *testing.T) {
	db, _ := openDB(t)
	bad := []Options{
		{Workers: -1},
		{MaxAttempts: maxAttemptsCap + 1},
		{Lease: time.Microsecond},
		{BaseBackoff: time.Hour, MaxBackoff: time.Minute},
		{KeepDone: -time.Second},
	}
	for _, opts := range bad {
		if _, err := New(context.Background(), db, opts); err == nil {
			t.Errorf("New(%+v) accepted bad options", opts)
		}
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{})
	o.Register("mail", func(context.Context, Job) error { return nil })
	for name, fn := range map[string]func(){
		"twice":       func() { o.Register("mail", func(context.Context, Job) error { return nil }) },
		"bad kind":    func() { o.Register("Mail Send", func(context.Context, Job) error { return nil }) },
		"nil handler": func() { o.Register("sms", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			fn()
		}()
	}
}
