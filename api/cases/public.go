package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdoor/api/store"
)

// The public face of cases, for Open311 clients: items of services offered
// on Open311, each known by a request id, never with who reported them.

// RequestID is an item's public id: the case's reference, with "-n" for
// the n-th item of a case of several.
func RequestID(c *Case, itemID string) string {
	if len(c.Lines) == 1 {
		return c.Reference
	}
	for i, l := range c.Lines {
		if l.ItemID == itemID {
			return c.Reference + "-" + strconv.Itoa(i+1)
		}
	}
	return c.Reference
}

// PublicItem finds an Open311-listed item by its request id.
func (s *Service) PublicItem(ctx context.Context, id string) (*Case, *Item, error) {
	ref, n := id, 1
	if i := strings.LastIndexByte(id, '-'); i > 0 && len(id)-i <= 3 { // "-n": a reference's groups are three long
		k, err := strconv.Atoi(id[i+1:])
		if err != nil || k < 1 {
			return nil, nil, ErrNotFound
		}
		ref, n = id[:i], k
	}
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if n > len(c.Lines) || (n > 1 && len(c.Lines) == 1) || (len(c.Lines) > 1 && ref == id) {
		return nil, nil, ErrNotFound
	}
	it, err := s.items.Get(ctx, c.Lines[n-1].ItemID)
	if err != nil {
		return nil, nil, err
	}
	if !it.Public {
		return nil, nil, ErrNotFound
	}
	return c, it, nil
}

// PublicItems lists Open311-listed items made from..to (inclusive), newest
// first, of the given services (all when none), at most limit of them.
func (s *Service) PublicItems(ctx context.Context, services []string, from, to time.Time, limit int) ([]*Item, error) {
	if limit < 1 || limit > store.MaxLimit {
		return nil, fmt.Errorf("cases: public items limit %d outside 1..%d", limit, store.MaxLimit)
	}
	rng := []store.Cond{store.Gte(fCreatedAt, from), store.Lte(fCreatedAt, to)}
	var out []*Item
	find := func(where ...store.Cond) error {
		page, err := s.items.Find(ctx, store.Query{Where: append(where, rng...), Sort: fCreatedAt, Desc: true, Limit: limit})
		out = append(out, ptrs(page.Items)...)
		return err
	}
	if len(services) == 0 {
		if err := find(store.Eq(fPublic, true)); err != nil {
			return nil, err
		}
	}
	for _, svc := range services {
		if err := find(store.Eq(fPublic, true), store.Eq(fService, svc)); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b *Item) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out[:min(len(out), limit)], nil
}

// CaseOf is the case an item belongs to.
func (s *Service) CaseOf(ctx context.Context, it *Item) (*Case, error) {
	c, err := s.cases.Get(ctx, it.CaseID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("cases: item %s without its case: %w", it.ID, err)
	}
	return c, err
}
