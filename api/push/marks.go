package push

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"frontdoor/api/store"
)

// LastSentAt is written in batches, one transaction per markEvery, not one
// per message: with SQLite every commit waits for the disk, and an alert to
// every subscription would otherwise spend a third of its commits on a
// timestamp. A crash loses at most markEvery of them, which only makes a
// subscription look a little staler than it is.
const (
	markEvery = 500 * time.Millisecond
	// maxMarks bounds what waits for a flush; beyond it marks are dropped
	// (the store is not keeping up, and this is the least of its writes).
	maxMarks = 20000
)

type sentMarks struct {
	db   *store.DB
	subs *store.Collection[Subscription, *Subscription]
	log  *slog.Logger

	mu    sync.Mutex
	at    map[string]time.Time // subscription id -> when last sent
	armed bool
}

func newSentMarks(db *store.DB, subs *store.Collection[Subscription, *Subscription], log *slog.Logger) *sentMarks {
	return &sentMarks{db: db, subs: subs, log: log, at: map[string]time.Time{}}
}

func (m *sentMarks) add(id string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.at) >= maxMarks {
		return
	}
	m.at[id] = at
	if !m.armed {
		m.armed = true
		time.AfterFunc(markEvery, m.flush)
	}
}

// flush writes the waiting marks in one transaction. A subscription gone
// or re-marked later in the meantime is left alone.
func (m *sentMarks) flush() {
	m.mu.Lock()
	batch := m.at
	m.at, m.armed = map[string]time.Time{}, false
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.db.Tx(ctx, func(ctx context.Context) error {
		for id, at := range batch {
			sub, err := m.subs.Get(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if sub.LastSentAt != nil && !sub.LastSentAt.Before(at) {
				continue
			}
			sub.LastSentAt = &at
			if err := m.subs.Replace(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		m.log.Warn("recording when push messages were sent", "subscriptions", len(batch), "err", err)
	}
}
