package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"frontdoor/api/store"
)

// bucketName names the GridFS collections (blobs.files, blobs.chunks).
const bucketName = "blobs"

// cleanupTimeout bounds removing what a failed Put left, even after the
// caller's ctx has ended.
const cleanupTimeout = 30 * time.Second

// blobs keeps blobs in GridFS. A files document carries metadata.sha256 only
// once its Put has finished, and until then the blob does not exist for Open.
type blobs struct {
	db   *driver.Database
	log  *slog.Logger
	read *driver.GridFSBucket // downloads and deletes share one bucket; uploads do not (see bucket)
}

var _ store.Blobs = (*blobs)(nil)

// blobMeta is the metadata document of a blob's files document.
type blobMeta struct {
	SHA256      string `bson:"sha256,omitempty"`
	ContentType string `bson:"content_type"`
}

func newBlobs(db *driver.Database, log *slog.Logger) *blobs {
	b := &blobs{db: db, log: log}
	b.read = b.bucket()
	return b
}

// bucket returns a new bucket handle: an upload changes the bucket's state
// (its first-write index check), so concurrent uploads must not share one.
func (b *blobs) bucket() *driver.GridFSBucket {
	return b.db.GridFSBucket(options.GridFSBucket().SetName(bucketName))
}

func (b *blobs) Put(ctx context.Context, r io.Reader, opts store.PutOptions) (store.BlobInfo, error) {
	ctx = outsideTx(ctx)
	id := store.NewID()
	bucket := b.bucket()
	meta := blobMeta{ContentType: opts.ContentType}
	up, err := bucket.OpenUploadStreamWithID(ctx, id, id, options.GridFSUpload().SetMetadata(meta))
	if err != nil {
		return store.BlobInfo{}, translate(err, "put", "blob")
	}
	size, sum, err := copyLimited(ctx, up, r, opts.Limit())
	if err == nil {
		err = up.Close()
	} else {
		_ = up.Abort()
	}
	var created time.Time
	if err == nil {
		created, err = b.finish(ctx, bucket, id, sum)
	}
	if err != nil {
		b.discard(ctx, id)
		if errors.Is(err, store.ErrTooLarge) {
			return store.BlobInfo{}, fmt.Errorf("%w: over %d bytes", store.ErrTooLarge, opts.Limit())
		}
		return store.BlobInfo{}, translate(err, "put", "blob")
	}
	return store.BlobInfo{ID: id, Size: size, SHA256: sum, ContentType: opts.ContentType, CreatedAt: created}, nil
}

// finish records the checksum, which makes the blob visible, and reads back
// the upload date GridFS gave it.
func (b *blobs) finish(ctx context.Context, bucket *driver.GridFSBucket, id, sum string) (time.Time, error) {
	var f struct {
		UploadDate time.Time `bson:"uploadDate"`
	}
	set := bson.D{kv("$set", bson.D{kv("metadata.sha256", sum)})}
	opts := options.FindOneAndUpdate().SetReturnDocument(options.After)
	err := bucket.GetFilesCollection().FindOneAndUpdate(ctx, byID(id), set, opts).Decode(&f)
	return f.UploadDate.UTC(), err
}

// discard removes whatever a failed Put stored, even once ctx is cancelled.
func (b *blobs) discard(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := b.read.Delete(ctx, id)
	if err != nil && !errors.Is(err, driver.ErrFileNotFound) {
		b.log.Warn("mongo: could not remove an unfinished blob", "blob", id, "err", err)
	}
}

func (b *blobs) Open(ctx context.Context, id string) (io.ReadCloser, store.BlobInfo, error) {
	ds, err := b.read.OpenDownloadStream(outsideTx(ctx), id)
	if err != nil {
		return nil, store.BlobInfo{}, translate(err, "open", "blob")
	}
	f := ds.GetFile()
	var meta blobMeta
	if len(f.Metadata) > 0 {
		if err := bson.Unmarshal(f.Metadata, &meta); err != nil {
			_ = ds.Close()
			return nil, store.BlobInfo{}, translate(err, "open", "blob")
		}
	}
	if meta.SHA256 == "" { // a Put still under way, or one that failed
		_ = ds.Close()
		return nil, store.BlobInfo{}, translate(driver.ErrFileNotFound, "open", "blob")
	}
	info := store.BlobInfo{ID: id, Size: f.Length, SHA256: meta.SHA256, ContentType: meta.ContentType, CreatedAt: f.UploadDate.UTC()}
	return &blobReader{ds: ds}, info, nil
}

func (b *blobs) Delete(ctx context.Context, id string) error {
	return translate(b.read.Delete(outsideTx(ctx), id), "delete", "blob")
}

// blobReader lets Close be called twice, as deferred closes often are.
type blobReader struct {
	ds     *driver.GridFSDownloadStream
	closed bool
}

func (r *blobReader) Read(p []byte) (int, error) { return r.ds.Read(p) }

func (r *blobReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.ds.Close()
}

// copyLimited copies src to dst while counting and hashing it. More than limit
// bytes is store.ErrTooLarge, found by reading one byte past the limit; the
// bytes over the limit are never written. It stops when ctx ends (a client
// gone mid-upload).
func copyLimited(ctx context.Context, dst io.Writer, src io.Reader, limit int64) (int64, string, error) {
	h := sha256.New()
	src = io.LimitReader(src, limit+1)
	buf := make([]byte, 64<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, "", fmt.Errorf("store: read blob: %w", err)
		}
		k, rerr := src.Read(buf)
		if k > 0 {
			if n += int64(k); n > limit {
				return n, "", store.ErrTooLarge
			}
			h.Write(buf[:k])
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, "", err
			}
		}
		if rerr == io.EOF {
			return n, hex.EncodeToString(h.Sum(nil)), nil
		}
		if rerr != nil {
			return n, "", fmt.Errorf("store: read blob: %w", rerr)
		}
	}
}
