package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// AuditEntry records one staff read of a customer record. The audit
// collection is append-only: nothing here changes or deletes an entry, and
// erasure keeps them (they account for staff, and hold no record data).
type AuditEntry struct {
	store.Meta
	ResidentID string    `json:"resident_id"`
	StaffID    string    `json:"staff_id"`
	Action     string    `json:"action"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// ActionRead is the audit action of a staff read.
const ActionRead = "read"

// RecordStaffRead appends a staff read of residentID's record to the audit.
// Call it in the same transaction as the read (GetCustomerAsStaff does).
func (s *Service) RecordStaffRead(ctx context.Context, staffID, residentID, reason string) error {
	var ck checker
	if !validID(staffID) {
		ck.Add("/staff_id", MsgInvalidValue)
	}
	if !validID(residentID) {
		ck.Add("/resident_id", MsgInvalidValue)
	}
	ck.text("/reason", &reason, maxReason, true)
	if err := ck.Err(); err != nil {
		return err
	}
	return s.audit.Insert(ctx, &AuditEntry{
		ResidentID: residentID, StaffID: staffID, Action: ActionRead, Reason: reason, At: s.now(),
	})
}

// GetCustomerAsStaff is how staff read a customer record: the read and its
// audit entry commit together, or neither happens.
func (s *Service) GetCustomerAsStaff(ctx context.Context, staffID, residentID, reason string) (*Customer, error) {
	var out *Customer
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if !validID(residentID) {
			return ErrNotFound
		}
		rec, err := s.customers.Get(ctx, residentID)
		if err != nil {
			return err
		}
		if err := s.RecordStaffRead(ctx, staffID, residentID, reason); err != nil {
			return err
		}
		out = &rec.Customer
		return nil
	})
	return out, err
}

// PropagationProblem is a work item for staff: a change that could not be
// delivered to one service, for a person to look at and retry.
type PropagationProblem struct {
	ChangeID   string    `json:"change_id"`
	ResidentID string    `json:"resident_id,omitempty"`
	Kind       string    `json:"kind"`
	Connector  string    `json:"connector"`
	Names      Names     `json:"names"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ListPropagationProblems returns a page of failed deliveries, the most
// recently failed change first; cursor is the previous page's Next. The
// first page also picks up jobs that died without recording it (a worker
// lost on the last attempt).
func (s *Service) ListPropagationProblems(ctx context.Context, cursor string) (store.Page[PropagationProblem], error) {
	if cursor == "" {
		if err := s.reconcileDead(ctx); err != nil {
			s.log.Warn("matching dead propagation jobs to changes", "err", err)
		}
	}
	page, err := s.changes.Find(ctx, store.Query{
		Where: []store.Cond{store.Eq(fieldStatus, StatusFailed)},
		Sort:  fieldUpdatedAt, Desc: true, After: cursor,
	})
	if err != nil {
		return store.Page[PropagationProblem]{}, err
	}
	out := store.Page[PropagationProblem]{Next: page.Next, Items: []PropagationProblem{}}
	for _, ch := range page.Items {
		for _, sv := range ch.Services {
			if sv.Status != StatusFailed {
				continue
			}
			out.Items = append(out.Items, PropagationProblem{
				ChangeID: ch.ID, ResidentID: ch.ResidentID, Kind: ch.Kind, Connector: sv.Connector,
				Names: sv.Names, Attempts: sv.Attempts, LastError: sv.LastError, UpdatedAt: sv.UpdatedAt,
			})
		}
	}
	return out, nil
}

// maxDeadScan bounds how many dead jobs one reconciliation reads.
const maxDeadScan = 1000

// reconcileDead marks failed every delivery whose job is dead but whose
// status says otherwise. Dead jobs come newest first, so it stops at the
// newest one the previous pass saw.
func (s *Service) reconcileDead(ctx context.Context) error {
	s.reconcileMu.Lock()
	defer s.reconcileMu.Unlock()
	newest, after := s.reconciled, ""
	for seen := 0; seen < maxDeadScan; {
		page, err := s.ob.Dead(ctx, after)
		if err != nil {
			return err // the watermark stays: the next pass looks again
		}
		for _, j := range page.Items {
			if !j.AvailableAt.After(s.reconciled) {
				page.Next = ""
				break
			}
			if err := s.markDead(ctx, j); err != nil {
				return err
			}
			newest, seen = maxTime(newest, j.AvailableAt), seen+1
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	s.reconciled = newest
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *Service) markDead(ctx context.Context, j outbox.Job) error {
	var p jobPayload
	if j.Kind != PropagateKind || json.Unmarshal(j.Payload, &p) != nil || !validID(p.ChangeID) {
		return nil
	}
	ch, err := s.changes.Get(ctx, p.ChangeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	i := ch.service(p.Connector)
	if i < 0 || ch.Anonymised || ch.Services[i].Status == StatusFailed || ch.Services[i].Status == StatusDelivered {
		return nil
	}
	s.log.Warn("propagation job died unrecorded", "change", ch.ID, "connector", p.Connector)
	return s.setStatus(ctx, ch.ID, p.Connector, statusUpdate{
		status: StatusFailed, attempts: j.Attempts, jobID: j.ID, note: "job died",
	})
}

// RetryPropagation sends a failed delivery again. It brings the dead job
// back with outbox.Retry, so the job key, and with it the receiver's
// Idempotency-Key, stay the same: a receiver that did apply the change
// before answering badly will not apply it twice. Only when the dead job is
// gone (removed by an operator) is a new job enqueued under a fresh key,
// still carrying the original Idempotency-Key. The status goes back to
// pending in the same transaction. ErrNotFailed when it has not failed;
// ErrConflict when its job has not finished dying yet (try again).
func (s *Service) RetryPropagation(ctx context.Context, changeID, connector string) error {
	if !validID(changeID) {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		ch, err := s.changes.Get(ctx, changeID)
		if err != nil {
			return err
		}
		i := ch.service(connector)
		if i < 0 || ch.Anonymised {
			return ErrNotFound
		}
		sv := &ch.Services[i]
		if sv.Status != StatusFailed {
			return ErrNotFailed
		}
		now := s.now()
		jobID := sv.JobID
		sv.Status, sv.Attempts, sv.LastError, sv.UpdatedAt = StatusPending, 0, "", now
		ch.Status, ch.UpdatedAt = overall(ch.Services), now
		if err := s.changes.Replace(ctx, ch); err != nil {
			return err
		}
		return s.requeue(ctx, jobID, ch.ID, connector)
	})
}

func (s *Service) requeue(ctx context.Context, jobID, changeID, connector string) error {
	if jobID != "" {
		err := s.ob.Retry(ctx, jobID)
		switch {
		case errors.Is(err, outbox.ErrNotDead):
			return ErrConflict
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	key := deliveryKey(changeID, connector)
	p := jobPayload{ChangeID: changeID, Connector: connector, IdempotencyKey: key}
	return s.ob.Enqueue(ctx, PropagateKind, key+"#retry-"+store.NewID(), p)
}
