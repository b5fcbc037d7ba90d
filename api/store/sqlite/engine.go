// Package sqlite is the embedded storage engine: the store contract on one
// SQLite file (modernc.org/sqlite, pure Go) plus blob files beside it.
//
// One writer connection takes every write, in BEGIN IMMEDIATE transactions, so
// writers never deadlock on lock upgrades; a bounded pool of read-only
// connections serves reads, which WAL lets run while the writer works.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"frontdoor/api/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options configure Open.
type Options struct {
	Path          string        // the SQLite file, e.g. <data dir>/frontdoor.db
	BlobDir       string        // blob files, e.g. <data dir>/blobs
	Readers       int           // reader pool size; 0 means 4
	SweepInterval time.Duration // TTL sweeper period; 0 means 30s
	Logger        *slog.Logger  // may be nil
}

const (
	defaultReaders       = 4
	defaultSweepInterval = 30 * time.Second
	busyTimeout          = 10 * time.Second
)

// Engine implements store.Engine on SQLite.
type Engine struct {
	writer     *sql.DB // one connection: every write goes through it
	readers    *sql.DB // read-only connections
	writeStmts *stmtCache
	readStmts  *stmtCache
	blobs      *blobStore
	log        *slog.Logger

	stopSweep context.CancelFunc
	swept     sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var _ store.Engine = (*Engine)(nil)

// Open opens (creating when needed) the database file and blob folder,
// applies the engine's schema migrations and starts the TTL sweeper.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Path == "" || opts.BlobDir == "" {
		return nil, errors.New("sqlite: Path and BlobDir are required")
	}
	if strings.ContainsAny(opts.Path, "?#") || strings.HasPrefix(opts.Path, "file:") {
		return nil, fmt.Errorf("sqlite: path %q: use a plain file path", opts.Path)
	}
	if opts.Readers <= 0 {
		opts.Readers = defaultReaders
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = defaultSweepInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := createPrivate(opts.Path); err != nil {
		return nil, err
	}
	e := &Engine{log: opts.Logger}
	var err error
	if e.writer, err = openPool(ctx, opts.Path, 1, writerPragmas); err != nil {
		return nil, err
	}
	if err = migrate(ctx, e.writer); err != nil {
		e.writer.Close()
		return nil, err
	}
	if e.readers, err = openPool(ctx, opts.Path, opts.Readers, readerPragmas); err != nil {
		e.writer.Close()
		return nil, err
	}
	e.writeStmts, e.readStmts = newStmtCache(e.writer), newStmtCache(e.readers)
	if e.blobs, err = newBlobStore(e, opts.BlobDir); err != nil {
		e.readers.Close()
		e.writer.Close()
		return nil, err
	}
	sweepCtx, cancel := context.WithCancel(context.Background())
	e.stopSweep = cancel
	e.swept.Add(1)
	go e.sweepLoop(sweepCtx, opts.SweepInterval)
	return e, nil
}

// createPrivate creates the database file readable by its owner only (it
// holds residents' data) when it does not exist yet; SQLite gives the -wal
// and -shm files the same permissions.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return f.Close()
}

// synchronous=FULL makes every commit wait for the WAL to reach the disk, so
// an acknowledged write survives a power cut; it is a per-connection setting
// and only the writer commits. mmap lets every connection read pages straight
// from the OS page cache instead of copying them into its own cache.
var writerPragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
	"journal_mode(WAL)",
	"synchronous(FULL)",
	"foreign_keys(1)",
	"temp_store(MEMORY)",
	"mmap_size(1073741824)",
}

var readerPragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
	"foreign_keys(1)",
	"query_only(1)",
	"temp_store(MEMORY)",
	"mmap_size(1073741824)",
}

func openPool(ctx context.Context, path string, size int, pragmas []string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if size == 1 {
		q.Set("_txlock", "immediate") // take the write lock at BEGIN, not at the first write
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txKey is per engine, so a transaction of one engine is never used by another.
type txKey struct{ e *Engine }

func (e *Engine) tx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{e}).(*sql.Tx)
	return tx
}

// Tx runs fn in one write transaction. A Tx inside fn's ctx joins the outer
// one. fn's error comes back as it was; a panic rolls back and panics on.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if e.tx(ctx) != nil {
		return fn(ctx)
	}
	tx, err := e.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", translate(err))
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{e}, tx)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if ctx.Err() != nil { // database/sql rolled back when ctx ended
			err = ctx.Err()
		}
		return fmt.Errorf("sqlite: commit: %w", translate(err))
	}
	committed = true
	return nil
}

// Blobs returns the blob store, files under Options.BlobDir.
func (e *Engine) Blobs() store.Blobs { return e.blobs }

// Ping reads the schema through the reader pool, so it fails when the file
// cannot be read, not only when the pool is closed.
func (e *Engine) Ping(ctx context.Context) error {
	var n int
	if err := e.readers.QueryRowContext(ctx, "SELECT count(*) FROM schema_version").Scan(&n); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close stops the sweeper and closes both pools. It is safe to call twice.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.stopSweep()
		e.swept.Wait()
		e.closeErr = errors.Join(e.readStmts.close(), e.writeStmts.close(), e.readers.Close(), e.writer.Close())
	})
	return e.closeErr
}
