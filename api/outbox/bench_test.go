package outbox

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/store"
)

// BenchmarkEnqueueToDone measures jobs/s from Enqueue (one transaction per
// job, as a request would) to done with a no-op handler, against the floor in
// the same run: the same store writes made directly, one after another.
func BenchmarkEnqueueToDone(b *testing.B) {
	var floor float64
	b.Run("store-floor", func(b *testing.B) { floor = benchFloor(b) })
	b.Run("outbox", func(b *testing.B) {
		rate := benchOutbox(b)
		if floor > 0 {
			b.ReportMetric(rate/floor, "x-floor")
		}
	})
}

func benchFloor(b *testing.B) float64 {
	db, _ := openDB(b)
	o := newOutbox(b, db, Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		key := fmt.Sprint("floor-", i)
		if err := o.Enqueue(ctx, "noop", key, map[string]int{"i": i}); err != nil {
			b.Fatal(err)
		}
		r, err := o.jobs.FindOne(ctx, store.Eq(fieldKey, key))
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []State{StateRunning, StateDone} {
			r.State = s
			if err := o.jobs.Replace(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "jobs/s")
	return rate
}

func benchOutbox(b *testing.B) float64 {
	db, _ := openDB(b)
	o := newOutbox(b, db, Options{Poll: 100 * time.Millisecond})
	var ran atomic.Int64
	o.Register("noop", func(context.Context, Job) error { ran.Add(1); return nil })
	ctx := context.Background()
	o.Start(ctx)
	b.ResetTimer()
	for i := range b.N {
		err := db.Tx(ctx, func(ctx context.Context) error {
			return o.Enqueue(ctx, "noop", fmt.Sprint("job-", i), map[string]int{"i": i})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for ran.Load() < int64(b.N) || depth(b, o)["done"] < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "jobs/s")
	return rate
}

// BenchmarkFindDue measures the workers' query for due jobs with a small and
// a large backlog: an index serves it, so the large one should cost about the same.
func BenchmarkFindDue(b *testing.B) {
	for _, backlog := range []int{1_000, 50_000} {
		b.Run(fmt.Sprint("backlog-", backlog), func(b *testing.B) {
			db, _ := openDB(b)
			o := newOutbox(b, db, Options{})
			ctx := context.Background()
			for start := 0; start < backlog; start += 1000 {
				err := db.Tx(ctx, func(ctx context.Context) error {
					for i := start; i < start+1000; i++ {
						if err := o.Enqueue(ctx, "noop", fmt.Sprint("k-", i), map[string]int{"i": i}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			now := time.Now().Add(time.Hour)
			b.ResetTimer()
			for range b.N {
				page, err := o.jobs.Find(ctx, store.Query{
					Where: []store.Cond{store.In(fieldState, string(StatePending), string(StateRunning)), store.Lte(fieldAvailableAt, now)},
					Sort:  fieldAvailableAt, Limit: 4,
				})
				if err != nil || len(page.Items) != 4 {
					b.Fatal(err, len(page.Items))
				}
			}
		})
	}
}
