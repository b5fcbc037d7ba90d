package push

import (
	"context"
	"errors"
	"fmt"
	"time"

	"frontdoor/api/store"
)

// Field names the service filters on.
const (
	fieldEndpoint  = "endpoint"
	fieldResident  = "resident"
	fieldCase      = "case_id"
	fieldCreatedAt = "created_at"
	fieldExpiresAt = "expires_at"
)

var subscriptionSpec = store.CollectionSpec{Name: "push_subscriptions", Indexes: []store.IndexSpec{
	// One browser endpoint, one subscription: subscribing again updates it.
	{Name: "push_subs_endpoint", Fields: []string{fieldEndpoint}, Unique: true},
	// Sending to a resident or a case, counting them, and finding the
	// oldest when there are too many.
	{Name: "push_subs_resident", Fields: []string{fieldResident, fieldCreatedAt}},
	{Name: "push_subs_case", Fields: []string{fieldCase, fieldCreatedAt}},
	{Name: "push_subs_expires", Fields: []string{fieldExpiresAt}, TTL: true},
}}

// MaxPerOwner caps a resident's (or a case's) subscriptions: subscribing
// one more removes the oldest. A person has a handful of devices; the cap
// stops one account from making an alert fan out without bound.
const MaxPerOwner = 20

// Subscribe stores a browser's subscription for a resident (an account id)
// or, when resident is empty, for someone following one case. Exactly one
// of the two is set. Subscribing an endpoint again updates it, owner
// included: whoever holds the endpoint holds the browser.
func (s *Service) Subscribe(ctx context.Context, resident, caseID string, in SubscriptionInput, lang string) (*Subscription, error) {
	if (resident == "") == (caseID == "") || !validOwner(resident+caseID) {
		return nil, ErrBadOwner
	}
	now := s.now()
	sub, err := s.parseInput(in, lang, now)
	if err != nil {
		return nil, err
	}
	sub.Resident, sub.CaseID = resident, caseID
	var saved *Subscription
	// Two requests for one new endpoint can both find nothing and insert;
	// the loser's transaction fails on the unique index and runs again,
	// now finding the winner's document to update.
	for range 3 {
		err = s.db.Tx(ctx, func(ctx context.Context) error {
			saved, err = s.save(ctx, sub, now)
			return err
		})
		if !errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("push: subscribe: %w", err)
	}
	return saved, nil
}

// save inserts sub or updates the one stored for its endpoint, then keeps
// its owner within MaxPerOwner. It leaves in as it was, since a
// transaction may run it again.
func (s *Service) save(ctx context.Context, in *Subscription, now time.Time) (*Subscription, error) {
	old, err := s.subs.FindOne(ctx, store.Eq(fieldEndpoint, in.Endpoint))
	if errors.Is(err, store.ErrNotFound) {
		sub := *in
		sub.CreatedAt, sub.UpdatedAt = now, now
		if err := s.subs.Insert(ctx, &sub); err != nil {
			return nil, err
		}
		return &sub, s.trim(ctx, &sub)
	}
	if err != nil {
		return nil, err
	}
	moved := old.Resident != in.Resident || old.CaseID != in.CaseID
	if moved {
		old.CreatedAt = now // new to this owner: the newest of theirs, not the oldest
	}
	old.Host, old.P256DH, old.Auth = in.Host, in.P256DH, in.Auth
	old.Resident, old.CaseID, old.Language = in.Resident, in.CaseID, in.Language
	old.ExpiresAt, old.UpdatedAt = in.ExpiresAt, now
	if err := s.subs.Replace(ctx, old); err != nil {
		return nil, err
	}
	if moved {
		return old, s.trim(ctx, old)
	}
	return old, nil
}

// trim removes the owner's oldest subscriptions beyond MaxPerOwner.
func (s *Service) trim(ctx context.Context, sub *Subscription) error {
	field, owner := ownerField(sub)
	n, err := s.subs.Count(ctx, store.Eq(field, owner))
	if err != nil || n <= MaxPerOwner {
		return err
	}
	page, err := s.subs.Find(ctx, store.Query{
		Where: []store.Cond{store.Eq(field, owner)}, Sort: fieldCreatedAt, Limit: int(n - MaxPerOwner),
	})
	if err != nil {
		return err
	}
	for _, old := range page.Items {
		if err := s.subs.Delete(ctx, old.ID); err != nil {
			return err
		}
	}
	return nil
}

func ownerField(sub *Subscription) (field, owner string) {
	if sub.Resident != "" {
		return fieldResident, sub.Resident
	}
	return fieldCase, sub.CaseID
}

// Unsubscribe removes the resident's subscription for endpoint. Anyone
// else's, or none, is ErrNotFound.
func (s *Service) Unsubscribe(ctx context.Context, resident, endpoint string) error {
	return s.unsubscribe(ctx, fieldResident, resident, endpoint)
}

// UnsubscribeCase removes the subscription for endpoint that follows caseID.
func (s *Service) UnsubscribeCase(ctx context.Context, caseID, endpoint string) error {
	return s.unsubscribe(ctx, fieldCase, caseID, endpoint)
}

func (s *Service) unsubscribe(ctx context.Context, field, owner, endpoint string) error {
	if !validOwner(owner) {
		return ErrBadOwner
	}
	if endpoint == "" || len(endpoint) > MaxEndpointLen {
		return ErrNotFound
	}
	sub, err := s.subs.FindOne(ctx, store.Eq(fieldEndpoint, endpoint))
	if err != nil {
		return err
	}
	if f, o := ownerField(sub); f != field || o != owner {
		return ErrNotFound
	}
	return s.subs.Delete(ctx, sub.ID)
}

// Working counts the resident's subscriptions; at 0 the notifications
// layer sends email or SMS instead.
func (s *Service) Working(ctx context.Context, resident string) (int, error) {
	if !validOwner(resident) {
		return 0, ErrBadOwner
	}
	n, err := s.subs.Count(ctx, store.Eq(fieldResident, resident))
	return int(n), err
}
