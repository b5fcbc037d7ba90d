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

// PublicFilter selects Open311-listed items: made From..To (inclusive), of
// Services (all when empty), open or not (either when Open is nil).
type PublicFilter struct {
	Services []string
	From, To time.Time
	Open     *bool
}

// maxPublicScan bounds the items one listing reads past the filter on
// open/closed, which no index serves.
const maxPublicScan = 20 * store.MaxLimit

// PublicItems lists the newest Open311-listed items that pass f, at most
// limit of them.
func (s *Service) PublicItems(ctx context.Context, f PublicFilter, limit int) ([]*Item, error) {
	if limit < 1 || limit > store.MaxLimit {
		return nil, fmt.Errorf("cases: public items limit %d outside 1..%d", limit, store.MaxLimit)
	}
	var out []*Item
	if len(f.Services) == 0 {
		return s.publicItems(ctx, f, limit, store.Eq(fPublic, true))
	}
	for _, svc := range f.Services {
		items, err := s.publicItems(ctx, f, limit, store.Eq(fPublic, true), store.Eq(fService, svc))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	slices.SortFunc(out, func(a, b *Item) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out[:min(len(out), limit)], nil
}

func (s *Service) publicItems(ctx context.Context, f PublicFilter, limit int, where ...store.Cond) ([]*Item, error) {
	q := store.Query{Where: append(where, store.Gte(fCreatedAt, f.From), store.Lte(fCreatedAt, f.To)),
		Sort: fCreatedAt, Desc: true, Limit: store.MaxLimit}
	var out []*Item
	for scanned := 0; scanned < maxPublicScan; scanned += store.MaxLimit {
		page, err := s.items.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for i := range page.Items {
			if it := &page.Items[i]; f.Open == nil || it.Open == *f.Open {
				out = append(out, it)
			}
		}
		if len(out) >= limit || page.Next == "" {
			break
		}
		q.After = page.Next
	}
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
