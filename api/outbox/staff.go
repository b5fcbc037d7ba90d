package outbox

import (
	"context"
	"fmt"

	"frontdoor/api/store"
)

// Dead returns a page of dead jobs, the most recently dead first, for staff
// to see; after is the previous page's Next.
func (o *Outbox) Dead(ctx context.Context, after string) (store.Page[Job], error) {
	page, err := o.jobs.Find(ctx, store.Query{
		Where: []store.Cond{store.Eq(fieldState, string(StateDead))},
		Sort:  fieldAvailableAt,
		Desc:  true,
		After: after,
	})
	if err != nil {
		return store.Page[Job]{}, fmt.Errorf("outbox: dead jobs: %w", err)
	}
	out := store.Page[Job]{Items: make([]Job, len(page.Items)), Next: page.Next}
	for i := range page.Items {
		out.Items[i] = page.Items[i].job()
	}
	return out, nil
}

// Retry gives a dead job a fresh set of attempts, starting now. A job that is
// not dead is ErrNotDead; an unknown id wraps store.ErrNotFound.
func (o *Outbox) Retry(ctx context.Context, id string) error {
	_, err := o.jobs.Update(ctx, id, func(r *record) error {
		if r.State != StateDead {
			return fmt.Errorf("%w: %s is %s", ErrNotDead, id, r.State)
		}
		now := o.now()
		r.State, r.Attempts, r.AvailableAt, r.UpdatedAt = StatePending, 0, now, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: retry: %w", err)
	}
	o.notify()
	return nil
}

// Depth counts jobs by state, every state present, for /metrics.
func (o *Outbox) Depth(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(States))
	for _, s := range States {
		n, err := o.jobs.Count(ctx, store.Eq(fieldState, string(s)))
		if err != nil {
			return nil, fmt.Errorf("outbox: depth: %w", err)
		}
		out[string(s)] = n
	}
	return out, nil
}
