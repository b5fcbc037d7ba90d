package storetest

import (
	"errors"
	"testing"
	"time"

	"frontdoor/api/store"
)

var expiryTests = []test{
	{"TTL", testTTL},
}

// session is a document that expires.
type session struct {
	store.Meta
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// testTTL: a document whose TTL field plus ExpireAfter is past disappears
// within h.ExpiryWithin; one whose time has not come, or that lacks the
// field, stays. Two collections check ExpireAfter both zero and not.
func testTTL(t *testing.T, h Harness) {
	db := h.openDB(t)
	sessions := mustOpen[session](t, db, store.CollectionSpec{Name: "sessions", Indexes: []store.IndexSpec{
		{Name: "expiry", Fields: []string{"expires_at"}, TTL: true, ExpireAfter: time.Hour},
	}})
	tokens := mustOpen[session](t, db, store.CollectionSpec{Name: "tokens", Indexes: []store.IndexSpec{
		{Name: "expiry", Fields: []string{"expires_at"}, TTL: true},
	}})
	now := time.Now()
	at := func(d time.Duration) *time.Time { t := now.Add(d).In(time.FixedZone("X", 9*3600)); return &t }
	mustInsert(t, sessions,
		&session{Meta: store.Meta{ID: "expired"}, ExpiresAt: at(-2 * time.Hour)},
		&session{Meta: store.Meta{ID: "in grace"}, ExpiresAt: at(-30 * time.Minute)}, // + 1h is still ahead
		&session{Meta: store.Meta{ID: "future"}, ExpiresAt: at(time.Hour)},
		&session{Meta: store.Meta{ID: "no expiry"}},
	)
	mustInsert(t, tokens,
		&session{Meta: store.Meta{ID: "expired"}, ExpiresAt: at(-time.Second)},
		&session{Meta: store.Meta{ID: "future"}, ExpiresAt: at(10 * time.Minute)},
		&session{Meta: store.Meta{ID: "no expiry"}},
	)
	gone := func(c *store.Collection[session, *session]) func() bool {
		return func() bool {
			_, err := c.Get(t.Context(), "expired")
			return errors.Is(err, store.ErrNotFound)
		}
	}
	began := time.Now()
	if !eventually(t.Context(), h.ExpiryWithin, gone(sessions)) {
		t.Errorf("sessions: the expired document is still there after %v", h.ExpiryWithin)
	}
	if !eventually(t.Context(), h.ExpiryWithin-time.Since(began), gone(tokens)) {
		t.Errorf("tokens (ExpireAfter 0): the expired document is still there after %v", h.ExpiryWithin)
	}
	for _, id := range []string{"in grace", "future", "no expiry"} {
		mustGet(t, sessions, id)
	}
	for _, id := range []string{"future", "no expiry"} {
		mustGet(t, tokens, id)
	}
	mustCount(t, sessions, 3)
	mustCount(t, tokens, 2)
}
