package accounts

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/store"
)

// jobPayload is what a propagation job carries: ids only, so no personal
// data sits in the outbox, and an erased change has nothing left to send.
type jobPayload struct {
	ChangeID  string `json:"change_id"`
	Connector string `json:"connector"`
	// IdempotencyKey, when set, is sent instead of the job's own key: a job
	// enqueued again under a new key still looks like the same delivery to
	// the receiver.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// deliveryKey is the outbox job key and the receiver's Idempotency-Key for
// one change at one service, so a retry can never send it twice.
func deliveryKey(changeID, connector string) string { return changeID + ":" + connector }

// ReportChange records a change the resident tells us once: it is applied
// to their customer record, stored with a pending status for each linked
// service that has consent and receives its kind, and (in the same
// transaction) one outbox job per such service is enqueued.
func (s *Service) ReportChange(ctx context.Context, residentID string, req ChangeRequest) (*Change, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	now := s.now()
	if err := req.Validate(now); err != nil {
		return nil, err
	}
	id := store.NewID() // made once, so a transaction that runs again keeps it
	var out *Change
	err := retryConflicts(ctx, func() error {
		return s.db.Tx(ctx, func(ctx context.Context) error {
			ch, err := s.recordChange(ctx, id, residentID, req, now)
			out = ch
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) recordChange(ctx context.Context, id, residentID string, req ChangeRequest, now time.Time) (*Change, error) {
	rec, err := s.customers.Get(ctx, residentID)
	if err != nil {
		return nil, err
	}
	if err := req.apply(&rec.Customer, now); err != nil {
		return nil, err
	}
	rec.Representatives = dropExpired(rec.Representatives, rec.Representatives, now)
	if err := rec.Validate(now); err != nil {
		return nil, err
	}
	rec.setKeys()
	if err := s.checkClash(ctx, rec); err != nil {
		return nil, err
	}
	rec.UpdatedAt = now
	if err := s.customers.Replace(ctx, rec); err != nil {
		return nil, err
	}
	services, err := s.servicesFor(ctx, residentID, req.Kind, now)
	if err != nil {
		return nil, err
	}
	values := req.Values
	ch := &Change{
		Meta: store.Meta{ID: id}, ResidentID: residentID, Kind: req.Kind, EffectiveDate: req.EffectiveDate,
		Values: &values, Channel: req.Channel, ActorID: req.ActorID,
		Status: overall(services), Services: services, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.changes.Insert(ctx, ch); err != nil {
		return nil, err
	}
	for _, sv := range services {
		p := jobPayload{ChangeID: id, Connector: sv.Connector}
		if err := s.ob.Enqueue(ctx, PropagateKind, deliveryKey(id, sv.Connector), p); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// servicesFor lists the resident's linked services that have consent and
// whose enabled connector receives kind, each pending.
func (s *Service) servicesFor(ctx context.Context, residentID, kind string, now time.Time) ([]ServiceStatus, error) {
	links, err := collect(ctx, s.links, store.Query{
		Where: []store.Cond{store.Eq(fieldResident, residentID)}, Sort: fieldConnector, Limit: MaxLinks,
	}, MaxLinks)
	if err != nil {
		return nil, err
	}
	out := []ServiceStatus{}
	for _, l := range links {
		if !l.Consent.Given() {
			continue
		}
		conn, err := s.connector(ctx, l.Connector)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if conn.Disabled || !conn.Receives(kind) {
			continue
		}
		out = append(out, ServiceStatus{
			Connector: conn.Key, Names: conn.Names, Reference: l.Reference, Status: StatusPending, UpdatedAt: now,
		})
	}
	return out, nil
}

// GetChange returns one of the resident's own changes; anyone else's is
// ErrNotFound.
func (s *Service) GetChange(ctx context.Context, residentID, id string) (*Change, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	ch, err := s.changes.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.ResidentID != residentID {
		return nil, ErrNotFound
	}
	return ch, nil
}

// ListChanges returns a page of the resident's own changes, newest first;
// cursor is the previous page's Next.
func (s *Service) ListChanges(ctx context.Context, residentID, cursor string) (store.Page[Change], error) {
	if !validID(residentID) {
		return store.Page[Change]{}, ErrBadResidentID
	}
	return s.changes.Find(ctx, store.Query{
		Where: []store.Cond{store.Eq(fieldResident, residentID)},
		Sort:  fieldCreatedAt, Desc: true, After: cursor,
	})
}
