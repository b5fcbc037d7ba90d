package sqlite

import (
	"context"
	"fmt"
	"time"

	"frontdoor/api/store"
)

// sweepBatch bounds each delete, so the sweeper never holds the writer long.
const sweepBatch = 500

// minTime is the smallest time as text. Starting the range there keeps
// numbers (which SQLite orders before all text) out of a TTL sweep.
var minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Format(store.TimeLayout)

func (e *Engine) sweepLoop(ctx context.Context, every time.Duration) {
	defer e.swept.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
				e.log.Error("sqlite: TTL sweep", "err", err)
			}
		}
	}
}

type ttlIndex struct {
	collection, table, index, expr string
	expireAfter                    time.Duration
}

// sweep deletes the documents whose TTL time plus ExpireAfter is before now,
// for every TTL index ever declared, reading them from the indexes table so
// that sweeping goes on after a restart before any collection is opened.
func (e *Engine) sweep(ctx context.Context, now time.Time) error {
	ttls, err := e.ttlIndexes(ctx)
	if err != nil {
		return err
	}
	for _, ix := range ttls {
		cutoff := now.Add(-ix.expireAfter).UTC().Format(store.TimeLayout)
		n, err := e.sweepIndex(ctx, ix, cutoff)
		if err != nil {
			return fmt.Errorf("%s: %w", ix.collection, err)
		}
		if n > 0 {
			e.log.Debug("sqlite: TTL sweep", "collection", ix.collection, "deleted", n)
		}
	}
	return nil
}

func (e *Engine) sweepIndex(ctx context.Context, ix ttlIndex, cutoff string) (int64, error) {
	query := sweepSQL(ix)
	var total int64
	for {
		res, err := e.exec(ctx, query, minTime, cutoff, sweepBatch)
		if err != nil {
			return total, translate(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < sweepBatch {
			return total, nil
		}
	}
}

func sweepSQL(ix ttlIndex) string {
	return "DELETE FROM " + ix.table + " WHERE seq IN (SELECT seq FROM " + ix.table +
		" INDEXED BY " + ix.index + " WHERE " + ix.expr + " >= ? AND " + ix.expr + " < ? LIMIT ?)"
}

func (e *Engine) ttlIndexes(ctx context.Context) ([]ttlIndex, error) {
	rows, err := e.query(ctx,
		"SELECT collection, tbl, name, ttl_expr, expire_after_ms FROM indexes WHERE ttl_expr IS NOT NULL")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ttlIndex
	for rows.Next() {
		var ix ttlIndex
		var ms int64
		if err := rows.Scan(&ix.collection, &ix.table, &ix.index, &ix.expr, &ms); err != nil {
			return nil, err
		}
		ix.expireAfter = time.Duration(ms) * time.Millisecond
		out = append(out, ix)
	}
	return out, rows.Err()
}
