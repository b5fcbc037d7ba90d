package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"frontdoor/api/store"
)

// blobStore keeps each blob as a file, <dir>/<last two id chars>/<id>, and its
// description in the blobs table. Ids start with a timestamp, so the fan-out
// uses their random end to spread files evenly.
type blobStore struct {
	e   *Engine
	dir string
	tmp string
}

var _ store.Blobs = (*blobStore)(nil)

// blobID is what store.NewID makes; anything else never reaches a path.
var blobID = regexp.MustCompile(`^[0-9a-z]{26}$`)

// staleTemp is how old an unfinished upload must be before Open removes it; a
// younger one may belong to another process using the same folder.
const staleTemp = time.Hour

func newBlobStore(e *Engine, dir string) (*blobStore, error) {
	b := &blobStore{e: e, dir: dir, tmp: filepath.Join(dir, "tmp")}
	if err := os.MkdirAll(b.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: blobs: %w", err)
	}
	entries, err := os.ReadDir(b.tmp)
	if err != nil {
		return nil, fmt.Errorf("sqlite: blobs: %w", err)
	}
	for _, de := range entries {
		if info, err := de.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(b.tmp, de.Name()))
		}
	}
	return b, nil
}

func (b *blobStore) path(id string) string {
	return filepath.Join(b.dir, id[len(id)-2:], id)
}

// Put streams r to a temporary file while hashing and counting, and only
// makes it a blob (fsync, rename, record) when it fits the limit.
func (b *blobStore) Put(ctx context.Context, r io.Reader, opts store.PutOptions) (store.BlobInfo, error) {
	info := store.BlobInfo{ID: store.NewID(), ContentType: opts.ContentType}
	f, err := os.CreateTemp(b.tmp, "put-*")
	if err != nil {
		return info, fmt.Errorf("sqlite: blob put: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	limit := opts.Limit()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return info, fmt.Errorf("sqlite: blob put: %w", err)
	}
	if n > limit {
		return info, fmt.Errorf("sqlite: blob over %d bytes: %w", limit, store.ErrTooLarge)
	}
	info.Size, info.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	info.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	if err := b.place(f, info.ID); err != nil {
		return info, err
	}
	keep = true
	if err := b.record(ctx, info); err != nil {
		os.Remove(b.path(info.ID))
		return info, err
	}
	return info, nil
}

// place makes the temp file durable under its final name.
func (b *blobStore) place(f *os.File, id string) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sqlite: blob put: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: blob put: %w", err)
	}
	final := b.path(id)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("sqlite: blob put: %w", err)
	}
	if err := os.Rename(f.Name(), final); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sqlite: blob put: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return fmt.Errorf("sqlite: blob put: %w", err)
	}
	return nil
}

// record describes the blob in the blobs table. Blobs are not part of
// transactions, but a Put made with a transaction's ctx must use that
// transaction: it holds the one writer connection.
func (b *blobStore) record(ctx context.Context, info store.BlobInfo) error {
	_, err := b.e.exec(ctx,
		"INSERT INTO blobs(id, size, sha256, content_type, created_at) VALUES (?, ?, ?, ?, ?)",
		info.ID, info.Size, info.SHA256, info.ContentType, info.CreatedAt.Format(store.TimeLayout))
	if err != nil {
		return fmt.Errorf("sqlite: blob put: %w", translate(err))
	}
	return nil
}

// Open returns the blob's content and description.
func (b *blobStore) Open(ctx context.Context, id string) (io.ReadCloser, store.BlobInfo, error) {
	info, err := b.info(ctx, id)
	if err != nil {
		return nil, info, err
	}
	f, err := os.Open(b.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, store.BlobInfo{}, fmt.Errorf("sqlite: blob %s has no file: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, store.BlobInfo{}, fmt.Errorf("sqlite: blob open: %w", err)
	}
	return f, info, nil
}

func (b *blobStore) info(ctx context.Context, id string) (store.BlobInfo, error) {
	info := store.BlobInfo{ID: id}
	if !blobID.MatchString(id) {
		return info, fmt.Errorf("sqlite: blob id %q: %w", id, store.ErrNotFound)
	}
	var created string
	err := b.e.queryRow(ctx,
		"SELECT size, sha256, content_type, created_at FROM blobs WHERE id = ?", id).
		Scan(&info.Size, &info.SHA256, &info.ContentType, &created)
	if err != nil {
		return info, fmt.Errorf("sqlite: blob %s: %w", id, translate(err))
	}
	if info.CreatedAt, err = time.Parse(store.TimeLayout, created); err != nil {
		return info, fmt.Errorf("sqlite: blob %s: created_at: %w", id, err)
	}
	return info, nil
}

// Delete forgets the blob, then removes its file.
func (b *blobStore) Delete(ctx context.Context, id string) error {
	if !blobID.MatchString(id) {
		return fmt.Errorf("sqlite: blob id %q: %w", id, store.ErrNotFound)
	}
	res, err := b.e.exec(ctx, "DELETE FROM blobs WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlite: blob delete: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: blob delete: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: blob %s: %w", id, store.ErrNotFound)
	}
	if err := os.Remove(b.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: blob delete: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a long upload when its request goes away.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
