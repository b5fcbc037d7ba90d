// Package store is the storage contract every Frontdoor domain package uses:
// typed document collections with declared indexes, optimistic versions,
// index-served queries with keyset cursors, transactions and a blob store.
//
// Two engines implement it (store/sqlite and store/mongo) and one conformance
// suite (store/storetest) proves they agree. Domain code sees only this package.
package store

import (
	"context"
	"errors"
	"io"
	"time"
)

// The sentinels every engine translates its own errors into.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrConflict  = errors.New("store: stale version")
	ErrDuplicate = errors.New("store: duplicate key")
	ErrTooLarge  = errors.New("store: blob too large")
	ErrUnindexed = errors.New("store: query not served by a declared index")
	ErrBadCursor = errors.New("store: invalid cursor")
	ErrInvalid   = errors.New("store: invalid document or query")
)

// Meta is embedded in every stored document type. The store fills ID (when
// empty) on insert and owns Version: 1 after insert, +1 on every replace.
type Meta struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// StoreMeta gives the store access to the embedded Meta.
func (m *Meta) StoreMeta() *Meta { return m }

// Document is what a collection holds: a struct that embeds Meta.
type Document interface{ StoreMeta() *Meta }

// Doc is a document in the contract's portable form, handed to engines.
// Values are nil, bool, int64, float64, string, time.Time (UTC, millisecond
// precision), []any or map[string]any. Struct fields that are nil are left out,
// so a null field and a missing one are the same thing.
type Doc = map[string]any

// IndexSpec declares an index. Fields are JSON names, dotted for nested
// values, and must hold scalars (string, number, bool, time).
//
// A unique index constrains only documents that have every one of its fields.
// A TTL index has one time field; documents are deleted some time (under a
// minute on MongoDB, SweepInterval on SQLite) after that time plus ExpireAfter.
type IndexSpec struct {
	Name        string
	Fields      []string
	Unique      bool
	TTL         bool
	ExpireAfter time.Duration
}

// CollectionSpec names a collection and declares its indexes. Queries may
// only use declared indexes (see Query).
type CollectionSpec struct {
	Name    string
	Indexes []IndexSpec
}

// Engine is implemented once per database. Domain code uses it through DB.
type Engine interface {
	// Collection creates or upgrades the collection and its indexes; idempotent.
	Collection(ctx context.Context, spec CollectionSpec) (Driver, error)
	// Tx runs fn in one transaction across collections. Store calls made with
	// the ctx that fn receives join it; fn must not use any other ctx for
	// store calls, and may run more than once (MongoDB retries transient
	// conflicts), so it should do nothing but store calls and pure work. A
	// store error inside fn ends the transaction on MongoDB: return it, do not
	// carry on (look for a clash with FindOne first rather than swallowing
	// ErrDuplicate).
	Tx(ctx context.Context, fn func(ctx context.Context) error) error
	Blobs() Blobs
	Ping(ctx context.Context) error
	Close() error
}

// Driver is one collection of an engine. The store validates documents and
// queries before calling it.
type Driver interface {
	// Get returns the document as JSON that decodes into the stored type.
	Get(ctx context.Context, id string) ([]byte, error)
	// Insert adds doc (with "id" and "version" 1 inside); ErrDuplicate on a clash.
	Insert(ctx context.Context, id string, doc Doc) error
	// Replace swaps the document stored at id with version for doc, which
	// carries the next version; ErrConflict if the version moved, ErrNotFound if gone.
	Replace(ctx context.Context, id string, version int64, doc Doc) error
	Delete(ctx context.Context, id string) error
	// Find returns at most plan.Limit rows in plan order, after plan.After.
	// After comes from a client's cursor: the Key of a Row this engine made,
	// or a forgery of any length and types (the store cannot tell), which
	// gets a page or ErrBadCursor, never a panic or another error.
	Find(ctx context.Context, plan Plan) ([]Row, error)
	Count(ctx context.Context, plan Plan) (int64, error)
}

// Row is one document found, with the key that continues a query after it.
// Key values are string, int64, float64, bool or time.Time; what they mean is
// the engine's own business (the sort value and a tie-breaker, typically).
type Row struct {
	JSON []byte
	Key  []any
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	ID          string    `json:"id"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // hex
	ContentType string    `json:"content_type"`
	CreatedAt   time.Time `json:"created_at"`
}

// PutOptions limit and label a blob.
type PutOptions struct {
	ContentType string
	// MaxSize refuses a blob larger than this with ErrTooLarge and keeps nothing
	// of it. Zero means DefaultMaxBlobSize.
	MaxSize int64
}

// DefaultMaxBlobSize applies when PutOptions.MaxSize is zero.
const DefaultMaxBlobSize = 32 << 20

// Blobs stores files by streaming. Blob writes are not part of transactions.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, opts PutOptions) (BlobInfo, error)
	Open(ctx context.Context, id string) (io.ReadCloser, BlobInfo, error)
	Delete(ctx context.Context, id string) error
}

// Limit is the size limit in force: MaxSize, or DefaultMaxBlobSize when unset.
func (o PutOptions) Limit() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxBlobSize
	}
	return o.MaxSize
}
