package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache prepares each distinct SQL text once per pool: SQLite takes about
// as long to parse a json_extract query as to run it. It is bounded; past the
// bound (many IN list lengths, say) queries simply run unprepared.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxCachedStmts = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement for query, or nil to run it unprepared
// (the cache is full, or preparing failed, which the unprepared run reports).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, full := c.m[query], len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query) // outside the lock: it may wait for a connection
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close()
		return old
	}
	c.m[query] = st
	return st
}

// cached returns the statement for query if it is already prepared.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = map[string]*sql.Stmt{}
	return errors.Join(errs...)
}

// exec runs a write in ctx's transaction, else on the writer. A transaction
// uses statements already cached, but never prepares one for the cache: that
// would wait for the writer connection, which the transaction holds.
func (e *Engine) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx := e.tx(ctx); tx != nil {
		if st := e.writeStmts.cached(query); st != nil {
			txst := tx.StmtContext(ctx, st)
			defer txst.Close()
			return txst.ExecContext(ctx, args...)
		}
		return tx.ExecContext(ctx, query, args...)
	}
	if st := e.writeStmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return e.writer.ExecContext(ctx, query, args...)
}

// query runs a read in ctx's transaction (which sees its own writes), else on
// the reader pool.
func (e *Engine) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx := e.tx(ctx); tx != nil {
		return tx.QueryContext(ctx, query, args...)
	}
	if st := e.readStmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return e.readers.QueryContext(ctx, query, args...)
}

func (e *Engine) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if tx := e.tx(ctx); tx != nil {
		return tx.QueryRowContext(ctx, query, args...)
	}
	if st := e.readStmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return e.readers.QueryRowContext(ctx, query, args...)
}
