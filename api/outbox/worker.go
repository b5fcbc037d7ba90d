package outbox

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"frontdoor/api/store"
)

const (
	// finishTimeout bounds recording a job's outcome, which goes on even while
	// stopping: an outcome lost here only means the job runs again.
	finishTimeout = 10 * time.Second
	// firstRecheck is how soon workers look again after a wake that found
	// nothing: an Enqueue signals before its transaction commits.
	firstRecheck = 5 * time.Millisecond
	// unknownKindDelay is how long a job no handler here knows waits before
	// it is looked at again (by this process or a newer one that knows it).
	unknownKindDelay = time.Minute
)

// Start starts the workers. Cancelling ctx is a hard stop: no more claims,
// and running handlers see their ctx cancelled. Stop is the graceful way.
// Calls after the first do nothing.
func (o *Outbox) Start(ctx context.Context) {
	o.life.Lock()
	defer o.life.Unlock()
	if o.started {
		return
	}
	o.started = true
	o.base, o.cancel = context.WithCancel(ctx)
	o.loopDone = make(chan struct{})
	go o.loop(o.base)
}

// Stop stops claiming jobs and waits for running handlers to finish. When
// ctx ends first, their ctx is cancelled and Stop returns ctx's error; the
// jobs they held run again once their leases end.
func (o *Outbox) Stop(ctx context.Context) error {
	o.stopOnce.Do(func() { close(o.stopping) })
	o.life.Lock()
	started, loopDone, cancel := o.started, o.loopDone, o.cancel
	o.life.Unlock()
	if !started {
		return nil
	}
	finished := make(chan struct{})
	go func() {
		<-loopDone // the loop adds to running; wait for it before Wait
		o.running.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		return fmt.Errorf("outbox: stop: %w", ctx.Err())
	}
}

// loop claims due jobs while there are free slots, and otherwise sleeps until
// Poll, an Enqueue in this process, or a quick recheck after one.
func (o *Outbox) loop(ctx context.Context) {
	defer close(o.loopDone)
	var recheck time.Duration // > 0 after a wake: look again soon, then less often
	timer := time.NewTimer(o.opts.Poll)
	defer timer.Stop()
	for {
		n, ok := o.acquire(ctx)
		if !ok {
			return
		}
		full := o.claimAndRun(ctx, n)
		if full {
			continue // there may be more due right now
		}
		wait := o.opts.Poll
		if recheck > 0 && recheck < wait {
			wait, recheck = recheck, recheck*2
		} else {
			recheck = 0
		}
		timer.Reset(wait) // since Go 1.23, Reset leaves no stale tick behind
		select {
		case <-ctx.Done():
			return
		case <-o.stopping:
			return
		case <-o.wake:
			recheck = firstRecheck
		case <-timer.C:
		}
	}
}

// acquire waits for one free slot, then takes every other free one.
func (o *Outbox) acquire(ctx context.Context) (int, bool) {
	select { // a free slot must not win over a stop
	case <-o.stopping:
		return 0, false
	default:
	}
	select {
	case <-ctx.Done():
		return 0, false
	case <-o.stopping:
		return 0, false
	case o.slots <- struct{}{}:
	}
	n := 1
more:
	for n < cap(o.slots) {
		select {
		case o.slots <- struct{}{}:
			n++
		default:
			break more
		}
	}
	return n, true
}

func (o *Outbox) release(n int) {
	for range n {
		<-o.slots
	}
}

// claimAndRun claims up to n due jobs, starts a handler for each and gives
// back the slots it did not use. It says whether to look again at once: the
// page of due jobs was full and this round got somewhere.
func (o *Outbox) claimAndRun(ctx context.Context, n int) bool {
	now := o.now()
	page, err := o.jobs.Find(ctx, store.Query{
		Where: []store.Cond{
			store.In(fieldState, string(StatePending), string(StateRunning)), // running and due: a lease ran out
			store.Lte(fieldAvailableAt, now),
		},
		Sort:  fieldAvailableAt,
		Limit: n,
	})
	if err != nil {
		if ctx.Err() == nil {
			o.log.Error("looking for due jobs", "err", err)
		}
		o.release(n)
		return false
	}
	started, progress := 0, false
	for i := range page.Items {
		switch o.claim(ctx, &page.Items[i], now) {
		case claimStarted:
			started++
			progress = true
		case claimMoved:
			progress = true
		}
	}
	o.release(n - started)
	return progress && len(page.Items) == n
}

type claimResult int

const (
	claimStarted claimResult = iota // ours: its handler runs
	claimMoved                      // another worker had it, or it was set aside here
	claimFailed                     // the store failed: back off before looking again
	claimSkipped                    // still running in this process
)

// claim takes one due job with an optimistic replace and starts its handler.
func (o *Outbox) claim(ctx context.Context, r *record, now time.Time) claimResult {
	if o.holds(r.ID) {
		return claimSkipped // its handler overran the lease here; never run it twice at once
	}
	h, ok := o.handler(r.Kind)
	if !ok {
		return o.deferUnknown(ctx, r, now)
	}
	if r.Attempts >= r.MaxAttempts {
		// Its last attempt's worker vanished; a job that kills its process
		// would otherwise do so for ever.
		r.State, r.AvailableAt, r.UpdatedAt = StateDead, now, now
		r.LastError = "lease ran out on the last attempt"
		return o.save(ctx, r, "lease ran out on the last attempt")
	}
	r.State, r.AvailableAt, r.UpdatedAt = StateRunning, now.Add(o.opts.Lease), now
	r.Attempts++
	err := o.jobs.Replace(ctx, r)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return claimMoved // another worker won
	}
	if err != nil {
		if ctx.Err() == nil {
			o.log.Error("claiming a job", "job", r.ID, "kind", r.Kind, "err", err)
		}
		return claimFailed
	}
	o.running.Add(1)
	o.hold(r.ID, true)
	go o.run(r, h)
	return claimStarted
}

// deferUnknown puts off a job whose kind has no handler here, without using
// up an attempt: a newer binary may know it.
func (o *Outbox) deferUnknown(ctx context.Context, r *record, now time.Time) claimResult {
	d := min(unknownKindDelay, o.opts.MaxBackoff)
	r.State, r.AvailableAt, r.UpdatedAt = StatePending, now.Add(equalJitter(d)), now
	r.LastError = "no handler for this kind in this process"
	o.log.Warn("no handler for job kind; deferring it", "job", r.ID, "kind", r.Kind, "until", r.AvailableAt)
	return o.save(ctx, r, "")
}

// save replaces a job as read or claimed by this worker, naming why when it
// is now dead. A stale version means another worker moved the job on: its
// result stands and this one is dropped.
func (o *Outbox) save(ctx context.Context, r *record, why string) claimResult {
	err := o.jobs.Replace(ctx, r)
	switch {
	case err == nil:
		if why != "" {
			o.log.Warn("job is dead", "job", r.ID, "kind", r.Kind, "attempts", r.Attempts, "why", why)
		}
		return claimMoved
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		o.log.Warn("job moved on under this worker (lease lost); outcome dropped",
			"job", r.ID, "kind", r.Kind, "state", r.State)
		return claimMoved
	default:
		if ctx.Err() == nil {
			o.log.Error("saving a job; it runs again after its lease", "job", r.ID, "kind", r.Kind, "err", err)
		}
		return claimFailed
	}
}

// run calls the handler and records what came of it.
func (o *Outbox) run(r *record, h Handler) {
	defer o.running.Done()
	defer o.release(1)
	defer o.hold(r.ID, false)
	err := o.call(r, h)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(o.base), finishTimeout)
	defer cancel()
	o.finish(ctx, r, err)
}

func (o *Outbox) hold(id string, running bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if running {
		o.inHand[id] = struct{}{}
	} else {
		delete(o.inHand, id)
	}
}

func (o *Outbox) holds(id string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	_, ok := o.inHand[id]
	return ok
}

// call runs h with a ctx that ends before the lease does, leaving the last
// fifth for recording the outcome before anyone may take the job over; a
// panic becomes an error.
func (o *Outbox) call(r *record, h Handler) (err error) {
	ctx, cancel := context.WithTimeout(o.base, o.opts.Lease-o.opts.Lease/5)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			o.log.Error("handler panicked", "job", r.ID, "kind", r.Kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, r.job())
}

// finish moves the job to done, back to pending with backoff, or to dead.
func (o *Outbox) finish(ctx context.Context, r *record, err error) {
	now := o.now()
	r.UpdatedAt = now
	var why string
	switch {
	case err == nil:
		expires := now.Add(o.opts.KeepDone)
		r.State, r.LastError, r.ExpiresAt = StateDone, "", &expires
	case isPermanent(err):
		r.State, r.AvailableAt, r.LastError = StateDead, now, lastError(err)
		why = "permanent error"
	case r.Attempts >= r.MaxAttempts:
		r.State, r.AvailableAt, r.LastError = StateDead, now, lastError(err)
		why = "no attempts left"
	default:
		r.State, r.AvailableAt, r.LastError = StatePending, now.Add(o.retryDelay(r.Attempts, err)), lastError(err)
		o.log.Info("job failed; will retry", "job", r.ID, "kind", r.Kind, "attempts", r.Attempts, "at", r.AvailableAt, "err", r.LastError)
	}
	o.save(ctx, r, why)
}
