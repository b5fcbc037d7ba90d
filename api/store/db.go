package store

import (
	"context"
	"time"
)

// DB is what domain packages hold: an engine plus the store's own checks and
// instrumentation.
type DB struct {
	engine  Engine
	observe func(op, collection string, d time.Duration)
}

// Option configures a DB.
type Option func(*DB)

// WithObserver reports the latency of every collection operation, for metrics.
func WithObserver(fn func(op, collection string, d time.Duration)) Option {
	return func(db *DB) { db.observe = fn }
}

// New wraps an engine.
func New(e Engine, opts ...Option) *DB {
	db := &DB{engine: e, observe: func(string, string, time.Duration) {}}
	for _, o := range opts {
		o(db)
	}
	return db
}

// Tx runs fn in one transaction; see Engine.Tx for the rules fn must keep.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.engine.Tx(ctx, fn)
}

func (db *DB) Blobs() Blobs                   { return db.engine.Blobs() }
func (db *DB) Ping(ctx context.Context) error { return db.engine.Ping(ctx) }
func (db *DB) Close() error                   { return db.engine.Close() }
