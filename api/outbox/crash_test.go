package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/store"
)

// enqueueMany adds n jobs of kind in transactions of 50 and returns their keys.
func enqueueMany(t *testing.T, db *store.DB, o *Outbox, kind, prefix string, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	for start := 0; start < n; start += 50 {
		err := db.Tx(context.Background(), func(ctx context.Context) error {
			for i := start; i < min(start+50, n); i++ {
				if err := o.Enqueue(ctx, kind, keys[i], map[string]int{"i": i}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("enqueue: %v", err)
			return nil
		}
	}
	return keys
}

// crashRig is what the crash test's two processes share: the receiver's
// record of deliveries, and the jobs A hung on.
type crashRig struct {
	effects   *recorder // deliveries that reached the receiver, by job id
	release   chan struct{}
	mu        sync.Mutex
	leaseEnds map[string]time.Time // A's hung jobs and when A's lease on them ends
	lateDone  atomic.Int32         // A's handlers that came back after all
	ranEarly  atomic.Int32         // B's runs of a hung job while A's lease held
}

func (c *crashRig) deliver(id string) { c.effects.begin(id); c.effects.end(id) }

// dying is A's handler: it delivers most jobs but hangs on some, deaf to
// ctx, sometimes after delivering and sometimes before, as a dying process does.
func (c *crashRig) dying(ctx context.Context, j Job) error {
	if rand.IntN(4) != 0 {
		c.deliver(j.ID)
		return nil
	}
	if rand.IntN(2) == 0 {
		c.deliver(j.ID)
	}
	c.mu.Lock()
	c.leaseEnds[j.ID] = j.AvailableAt
	c.mu.Unlock()
	<-c.release
	c.lateDone.Add(1)
	return errors.New("late: this outcome must be dropped")
}

// healthy is B's handler.
func (c *crashRig) healthy(ctx context.Context, j Job) error {
	c.mu.Lock()
	end, hung := c.leaseEnds[j.ID]
	c.mu.Unlock()
	if hung && time.Now().Before(end) {
		c.ranEarly.Add(1)
	}
	c.deliver(j.ID)
	return nil
}

func (c *crashRig) hung() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.leaseEnds)
}

// TestWorkersKilledMidJobLoseNothing is the outbox's promise: process A dies
// with jobs in its hands, process B (another engine on the same file) picks
// them up once A's leases run out, every job completes, and A's handlers,
// coming back late, cannot overwrite what B recorded.
func TestWorkersKilledMidJobLoseNothing(t *testing.T) {
	const n, aWorkers = 240, 8
	ctx := context.Background()
	dbA, dir := openDB(t)
	logs := &logBuffer{}
	a := newOutbox(t, dbA, Options{Workers: aWorkers, Lease: 300 * time.Millisecond, Poll: 5 * time.Millisecond, Logger: logs.logger()})
	b := newOutbox(t, openDBAt(t, dir), Options{Workers: 4, Lease: 10 * time.Second, Poll: 5 * time.Millisecond})
	rig := &crashRig{effects: newRecorder(), release: make(chan struct{}), leaseEnds: map[string]time.Time{}}
	a.Register("deliver", rig.dying)
	b.Register("deliver", rig.healthy)

	keys := enqueueMany(t, dbA, a, "deliver", "job", n)
	ctxA, killA := context.WithCancel(ctx)
	a.Start(ctxA)
	waitFor(t, 20*time.Second, "every worker of A to hang", func() bool { return rig.hung() == aWorkers })
	killA()
	if d := depth(t, a); d["running"] != aWorkers || d["done"]+d["pending"]+d["running"] != n {
		t.Fatalf("after A died: %v, want %d running and the rest done or pending", d, aWorkers)
	} else {
		t.Logf("A died having finished %d of %d jobs, with %d in its hands", d["done"], n, aWorkers)
	}

	b.Start(ctx)
	waitFor(t, 60*time.Second, "B to finish every job", func() bool { return depth(t, b)["done"] == n })
	runs, _ := rig.effects.snapshot()
	for _, key := range keys {
		if j := jobByKey(t, b, key); runs[j.ID] == 0 {
			t.Errorf("job %s is done but its effect never happened: lost", key)
		}
	}
	if rig.ranEarly.Load() != 0 {
		t.Errorf("B ran %d jobs while A's lease on them held", rig.ranEarly.Load())
	}
	for id := range rig.leaseEnds {
		if j, err := b.jobs.Get(ctx, id); err != nil || j.Attempts != 2 || j.State != StateDone {
			t.Errorf("hung job %s: %+v %v, want done on a second attempt", id, j, err)
		}
	}

	close(rig.release) // A's handlers come back from the dead
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil || rig.lateDone.Load() != aWorkers {
		t.Fatalf("stop A: %v; %d late handlers returned, want %d", err, rig.lateDone.Load(), aWorkers)
	}
	if d := depth(t, b); d["done"] != n || d["pending"]+d["running"]+d["dead"] != 0 {
		t.Errorf("after A's late finishers: %v, want all %d still done", d, n)
	}
	if got := logs.Count("lease lost"); got != aWorkers {
		t.Errorf("%d late outcomes dropped, want %d", got, aWorkers)
	}
}

// TestTwoProcessesNeverRunAJobTwiceAtOnce runs two outboxes on two engines
// over one file while jobs keep arriving: while leases hold, no job runs in
// both at once, and as no handler fails, each runs once.
func TestTwoProcessesNeverRunAJobTwiceAtOnce(t *testing.T) {
	const n = 300
	ctx := context.Background()
	dbX, dir := openDB(t)
	dbY := openDBAt(t, dir)
	rec := newRecorder()
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	var perProcess [2]atomic.Int32
	var outboxes []*Outbox
	dbs := []*store.DB{dbX, dbY}
	for i, db := range dbs {
		o := newOutbox(t, db, Options{Workers: 4, Poll: 5 * time.Millisecond, Logger: logs.logger()})
		o.Register("deliver", func(ctx context.Context, j Job) error {
			rec.begin(j.ID)
			defer rec.end(j.ID)
			perProcess[i].Add(1)
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
			return nil
		})
		o.Start(ctx)
		outboxes = append(outboxes, o)
	}
	var wg sync.WaitGroup
	for i, o := range outboxes { // both processes enqueue while both run
		wg.Go(func() { enqueueMany(t, dbs[i], o, "deliver", fmt.Sprint("p", i), n/2) })
	}
	wg.Wait()
	waitFor(t, 60*time.Second, "every job done", func() bool { return depth(t, outboxes[0])["done"] == n })
	runs, overlaps := rec.snapshot()
	if len(overlaps) > 0 {
		t.Errorf("jobs ran in two places at once: %v", overlaps)
	}
	if len(runs) != n {
		t.Errorf("%d jobs ran, want %d", len(runs), n)
	}
	for id, k := range runs {
		// A second run is fair only after a store write failed (two engines
		// on one SQLite file can starve a writer past its busy timeout) and
		// the lease ran out.
		if failed := logs.CountLines(`"level":"ERROR"`, id); k > 1+failed {
			t.Errorf("job %s ran %d times with %d failed writes", id, k, failed)
		}
	}
	if perProcess[0].Load() == 0 || perProcess[1].Load() == 0 {
		t.Errorf("runs per process %d and %d: both should have worked", perProcess[0].Load(), perProcess[1].Load())
	}
	t.Logf("runs per process: %d and %d", perProcess[0].Load(), perProcess[1].Load())
}

// TestLeaseRunningOutOnTheLastAttemptKillsTheJob stops a job that takes its
// process down from doing so for ever.
func TestLeaseRunningOutOnTheLastAttemptKillsTheJob(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	a := newOutbox(t, db, Options{Lease: 100 * time.Millisecond, Poll: 5 * time.Millisecond, MaxAttempts: 1})
	release := make(chan struct{})
	started := make(chan struct{})
	a.Register("deliver", func(ctx context.Context, j Job) error {
		close(started)
		<-release
		return nil
	})
	mustEnqueue(t, a, "deliver", "poison", nil)
	ctxA, killA := context.WithCancel(ctx)
	a.Start(ctxA)
	<-started
	killA()

	b := newOutbox(t, db, Options{Poll: 5 * time.Millisecond})
	var bRuns atomic.Int32
	b.Register("deliver", func(ctx context.Context, j Job) error { bRuns.Add(1); return nil })
	b.Start(ctx)
	j := waitJob(t, b, "poison", "the job to die", inState(StateDead))
	if bRuns.Load() != 0 || j.Attempts != 1 || j.LastError == "" {
		t.Errorf("dead job: ran %d more times, attempts %d, last error %q", bRuns.Load(), j.Attempts, j.LastError)
	}
	close(release)
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if j := jobByKey(t, b, "poison"); j.State != StateDead {
		t.Errorf("the late handler turned the dead job %s", j.State)
	}
}

func TestHandlerContextEndsWithTheLease(t *testing.T) {
	db, _ := openDB(t)
	const lease = 200 * time.Millisecond
	o := newOutbox(t, db, Options{Lease: lease, Poll: 5 * time.Millisecond, BaseBackoff: time.Hour})
	var left atomic.Int64
	o.Register("deliver", func(ctx context.Context, j Job) error {
		deadline, ok := ctx.Deadline()
		if ok {
			left.Store(int64(time.Until(deadline)))
		}
		<-ctx.Done()
		return ctx.Err()
	})
	mustEnqueue(t, o, "deliver", "slow", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "slow", "the slow attempt to fail", func(j Job) bool { return j.State == StatePending && j.Attempts == 1 })
	if l := time.Duration(left.Load()); l <= 0 || l > lease*4/5 {
		t.Errorf("handler had %v left, want at most four fifths of the lease %v", l, lease)
	}
	if j.LastError != context.DeadlineExceeded.Error() {
		t.Errorf("last error %q", j.LastError)
	}
}

func TestStopWaitsForRunningHandlers(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond})
	started := make(chan struct{})
	var finished, ran atomic.Int32
	o.Register("deliver", func(ctx context.Context, j Job) error {
		if ran.Add(1) == 1 {
			close(started)
		}
		time.Sleep(200 * time.Millisecond)
		finished.Add(1)
		return nil
	})
	mustEnqueue(t, o, "deliver", "k", nil)
	o.Start(ctx)
	<-started
	if err := o.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if finished.Load() != 1 || jobByKey(t, o, "k").State != StateDone {
		t.Fatalf("Stop returned before the running job was done")
	}
	mustEnqueue(t, o, "deliver", "after-stop", nil)
	stays(t, 100*time.Millisecond, "no claims after Stop", func() bool { return ran.Load() == 1 })
}

func TestStopGivesUpWhenItsContextEnds(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Poll: 5 * time.Millisecond, Lease: time.Minute, BaseBackoff: time.Hour})
	started := make(chan struct{})
	o.Register("deliver", func(ctx context.Context, j Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	mustEnqueue(t, o, "deliver", "k", nil)
	o.Start(context.Background())
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if err := o.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stop: got %v, want DeadlineExceeded", err)
	}
	if waited := time.Since(begin); waited > 2*time.Second {
		t.Fatalf("Stop took %v", waited)
	}
	// The handler was told to give up; the job waits to run again.
	j := waitJob(t, o, "k", "the job back to pending", inState(StatePending))
	if j.LastError != context.Canceled.Error() {
		t.Errorf("last error %q", j.LastError)
	}
}

func TestAHandlerOverrunningItsLeaseIsNotRunAgainBesideItself(t *testing.T) {
	db, _ := openDB(t)
	o := newOutbox(t, db, Options{Workers: 2, Lease: 100 * time.Millisecond, Poll: 5 * time.Millisecond})
	rec := newRecorder()
	o.Register("deliver", func(ctx context.Context, j Job) error {
		rec.begin(j.ID)
		defer rec.end(j.ID)
		time.Sleep(400 * time.Millisecond) // deaf to ctx, far past the lease
		return nil
	})
	mustEnqueue(t, o, "deliver", "slow", nil)
	o.Start(context.Background())
	j := waitJob(t, o, "slow", "the slow job to be done", inState(StateDone))
	runs, overlaps := rec.snapshot()
	if len(overlaps) > 0 || runs[j.ID] != 1 || j.Attempts != 1 {
		t.Errorf("ran %d times (%d at once), attempts %d: want once", runs[j.ID], len(overlaps), j.Attempts)
	}
}
