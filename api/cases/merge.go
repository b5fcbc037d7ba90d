package cases

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/store"
)

// Merge closes a duplicate case into the one it repeats: the duplicate's
// open items are cancelled, its resident is told and follows the other case
// from then on, and the other case notes the merge.
func (s *Service) Merge(ctx context.Context, st Staff, dupRef, intoRef string) (*Case, error) {
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		dup, items, err := s.staffCase(ctx, st, dupRef)
		if err != nil {
			return err
		}
		into, err := s.caseByRef(ctx, intoRef)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return &ValidationError{Fields: []FieldError{{Pointer: "/into", ID: MsgReferenceMalformed}}}
			}
			return err
		}
		if into.ID == dup.ID {
			return &ValidationError{Fields: []FieldError{{Pointer: "/into", ID: MsgSameCase}}}
		}
		if !dup.Open || !into.Open {
			return ErrFinished
		}
		now := s.now()
		if err := s.cancelAll(ctx, dup, items, now); err != nil {
			return err
		}
		before := len(dup.Events)
		dup.MergedInto = into.Reference
		s.addEvent(dup, Event{Kind: EventMerged, Public: true, Text: into.Reference, By: st.ID})
		if err := s.saveCase(ctx, dup, nil, before); err != nil {
			return err
		}
		if dup.Owner != "" && !dup.AnonymousOwner && dup.Owner != into.Owner {
			if err := s.addFollower(ctx, dup.Owner, into.ID); err != nil {
				return err
			}
		}
		s.addEvent(into, Event{Kind: EventMergedIn, Text: dup.Reference, By: st.ID})
		out = dup
		return s.saveCase(ctx, into, nil, len(into.Events))
	})
	return out, err
}

// cancelAll cancels every open item of a case.
func (s *Service) cancelAll(ctx context.Context, c *Case, items []*Item, now time.Time) error {
	for _, it := range items {
		if done(it.Status) {
			continue
		}
		it.Status, it.Open, it.UpdatedAt = StatusCancelled, false, now
		if err := s.items.Replace(ctx, it); err != nil {
			return err
		}
		for i := range c.Lines {
			if c.Lines[i].ItemID == it.ID {
				c.Lines[i] = lineOf(it)
			}
		}
	}
	return nil
}

// SweepBreaches records every running item whose due time has passed as
// breached, so queues and reports agree without each one working it out.
// It returns how many it marked.
func (s *Service) SweepBreaches(ctx context.Context) (int, error) {
	now := s.now()
	marked := 0
	q := store.Query{Where: []store.Cond{store.Eq(fOpen, true), store.Eq(fBreached, false), store.Lt(fDueAt, now)},
		Sort: fDueAt, Limit: store.MaxLimit}
	for {
		page, err := s.items.Find(ctx, q)
		if err != nil {
			return marked, err
		}
		for i := range page.Items {
			it := &page.Items[i]
			if it.PausedAt != nil {
				continue
			}
			it.Breached = true
			switch err := s.items.Replace(ctx, it); {
			case err == nil:
				marked++
			case errors.Is(err, store.ErrConflict): // changed meanwhile: the next sweep looks again
			default:
				return marked, err
			}
		}
		if page.Next == "" {
			return marked, nil
		}
		q.After = page.Next
	}
}
