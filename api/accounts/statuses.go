package accounts

import (
	"context"
	"errors"
	"sync"

	"frontdoor/api/store"
)

// statusUpdate is the outcome of one delivery attempt.
type statusUpdate struct {
	status   string
	attempts int
	jobID    string
	note     string
}

// statusWrite is one update waiting to be written.
type statusWrite struct {
	changeID, connector string
	u                   statusUpdate
	done                chan error
}

// statusWriter group-commits delivery outcomes. Every store commit waits
// for the disk, and the deliveries of one change finish together, so one
// caller at a time writes whatever has queued up in one transaction while
// the others wait; then it hands the turn to the next in the queue, so no
// caller writes for others for long.
type statusWriter struct {
	mu      sync.Mutex
	writing bool
	queue   []*statusWrite
}

// errYourTurn tells a waiting caller to write the queue itself.
var errYourTurn = errors.New("accounts: your turn to write statuses")

// setStatus records a delivery outcome on its change. Delivered is final:
// a late duplicate run cannot take it back. Callers bound ctx; a waiting
// caller waits for its turn or its result whatever ctx says, so that a turn
// handed to it is never lost.
func (s *Service) setStatus(ctx context.Context, changeID, connector string, u statusUpdate) error {
	w := &statusWrite{changeID: changeID, connector: connector, u: u, done: make(chan error, 1)}
	sw := &s.statuses
	sw.mu.Lock()
	sw.queue = append(sw.queue, w)
	if sw.writing {
		sw.mu.Unlock()
		if err := <-w.done; err != errYourTurn {
			return err
		}
		sw.mu.Lock()
	}
	sw.writing = true
	batch := sw.queue
	sw.queue = nil
	sw.mu.Unlock()
	err := s.writeStatuses(ctx, batch)
	for _, b := range batch {
		if b != w {
			b.done <- err
		}
	}
	sw.mu.Lock()
	if len(sw.queue) > 0 {
		sw.queue[0].done <- errYourTurn
	} else {
		sw.writing = false
	}
	sw.mu.Unlock()
	return err
}

// writeStatuses applies a batch in one transaction, each change read and
// written once.
func (s *Service) writeStatuses(ctx context.Context, batch []*statusWrite) error {
	byChange := map[string][]*statusWrite{}
	for _, w := range batch {
		byChange[w.changeID] = append(byChange[w.changeID], w)
	}
	return retryConflicts(ctx, func() error {
		return s.db.Tx(ctx, func(ctx context.Context) error {
			for id, ws := range byChange {
				if err := s.applyStatuses(ctx, id, ws); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (s *Service) applyStatuses(ctx context.Context, changeID string, ws []*statusWrite) error {
	ch, err := s.changes.Get(ctx, changeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nothing left to record on
	}
	if err != nil {
		return err
	}
	now, changed := s.now(), false
	for _, w := range ws {
		i := ch.service(w.connector)
		if i < 0 || ch.Services[i].Status == StatusDelivered {
			continue
		}
		sv := &ch.Services[i]
		sv.Status, sv.Attempts, sv.LastError, sv.UpdatedAt = w.u.status, w.u.attempts, w.u.note, now
		if w.u.jobID != "" {
			sv.JobID = w.u.jobID
		}
		changed = true
	}
	if !changed {
		return nil
	}
	before := ch.Status
	ch.Status, ch.UpdatedAt = overall(ch.Services), now
	if err := s.changes.Replace(ctx, ch); err != nil {
		return err
	}
	return s.tellProgress(ctx, ch, before, ws)
}
