package push

import (
	"context"
	"fmt"

	"frontdoor/api/store"
)

// jobPayload is what a SendKind job carries: the subscription by id (it is
// read again when sent, so an unsubscribe in between wins) and the message.
type jobPayload struct {
	Sub string  `json:"sub"`
	Msg Message `json:"msg"`
}

// SendToResident enqueues msg for every subscription of the resident, one
// outbox job each, in the caller's transaction when ctx is one. It returns
// how many; 0 means the resident has no subscription to reach.
func (s *Service) SendToResident(ctx context.Context, resident string, msg Message) (int, error) {
	if !validOwner(resident) {
		return 0, ErrBadOwner
	}
	return s.sendWhere(ctx, msg, store.Eq(fieldResident, resident))
}

// SendToResidents is SendToResident for many residents at once, as a
// service alert streams them in batches: one query per 1000 residents
// instead of one each.
func (s *Service) SendToResidents(ctx context.Context, residents []string, msg Message) (int, error) {
	total := 0
	for len(residents) > 0 {
		batch := residents[:min(len(residents), store.MaxLimit)]
		residents = residents[len(batch):]
		for _, r := range batch {
			if !validOwner(r) {
				return total, ErrBadOwner
			}
		}
		n, err := s.sendWhere(ctx, msg, store.In(fieldResident, store.Values(batch)...))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// SendToCase enqueues msg for every subscription following the case.
func (s *Service) SendToCase(ctx context.Context, caseID string, msg Message) (int, error) {
	if !validOwner(caseID) {
		return 0, ErrBadOwner
	}
	return s.sendWhere(ctx, msg, store.Eq(fieldCase, caseID))
}

// Send enqueues msg for one subscription.
func (s *Service) Send(ctx context.Context, sub *Subscription, msg Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	return s.enqueue(ctx, sub.ID, msg)
}

// sendWhere pages through the subscriptions matching cond, a page at a
// time, so a large audience is never held in memory at once.
func (s *Service) sendWhere(ctx context.Context, msg Message, cond store.Cond) (int, error) {
	if err := msg.Validate(); err != nil {
		return 0, err
	}
	n := 0
	q := store.Query{Where: []store.Cond{cond}, Limit: store.MaxLimit}
	for {
		page, err := s.subs.Find(ctx, q)
		if err != nil {
			return n, fmt.Errorf("push: finding subscriptions: %w", err)
		}
		for i := range page.Items {
			if err := s.enqueue(ctx, page.Items[i].ID, msg); err != nil {
				return n, err
			}
			n++
		}
		if page.Next == "" {
			return n, nil
		}
		q.After = page.Next
	}
}

// enqueue adds one job. With a Ref its key is the event and the
// subscription, so the notifications layer enqueueing an event twice still
// sends it once; without, every call is a message of its own.
func (s *Service) enqueue(ctx context.Context, subID string, msg Message) error {
	ref := msg.Ref
	if ref == "" {
		ref = store.NewID()
	}
	key := "push:" + subID + ":" + ref
	if err := s.ob.Enqueue(ctx, SendKind, key, jobPayload{Sub: subID, Msg: msg}); err != nil {
		return fmt.Errorf("push: enqueue: %w", err)
	}
	return nil
}
