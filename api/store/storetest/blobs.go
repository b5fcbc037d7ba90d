package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"frontdoor/api/store"
)

var blobTests = []test{
	{"RoundTrip", testBlobRoundTrip},
	{"Empty", testBlobEmpty},
	{"SameContentTwice", testBlobSameContent},
	{"TooLarge", testBlobTooLarge},
	{"DefaultLimit", testBlobDefaultLimit},
	{"ReaderFails", testBlobReaderFails},
	{"Missing", testBlobMissing},
}

// body streams n pseudo-random bytes, made as they are read, and hashes them.
type body struct {
	left int64
	rng  *rand.ChaCha8
	sum  hash.Hash
	read int64 // how much the engine read
}

func newBody(n int64, seed byte) *body {
	return &body{left: n, rng: rand.NewChaCha8([32]byte{seed}), sum: sha256.New()}
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), b.left)]
	b.rng.Read(p)
	b.sum.Write(p)
	b.left -= int64(len(p))
	b.read += int64(len(p))
	return len(p), nil
}

func (b *body) hex() string { return hex.EncodeToString(b.sum.Sum(nil)) }

// readBlob opens id and reads it through, returning its info, size and hash.
func readBlob(t *testing.T, blobs store.Blobs, id string) (store.BlobInfo, int64, string) {
	t.Helper()
	rc, info, err := blobs.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	sum := sha256.New()
	n, err := io.CopyBuffer(sum, rc, make([]byte, 17_000)) // an odd buffer size
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("closing %s: %v", id, err)
	}
	return info, n, hex.EncodeToString(sum.Sum(nil))
}

func testBlobRoundTrip(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	const size = 5<<20 + 12345
	src := newBody(size, 1)
	before := time.Now().Add(-time.Second)
	put, err := blobs.Put(t.Context(), src, store.PutOptions{ContentType: "application/pdf", MaxSize: 8 << 20})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	after := time.Now().Add(time.Second)
	if put.ID == "" || put.Size != size || put.SHA256 != src.hex() || put.ContentType != "application/pdf" {
		t.Errorf("Put = %+v; want an id, size %d, sha256 %s, application/pdf", put, size, src.hex())
	}
	if put.CreatedAt.Before(before) || put.CreatedAt.After(after) {
		t.Errorf("Put CreatedAt %v, want about now", put.CreatedAt)
	}
	info, n, sum := readBlob(t, blobs, put.ID)
	if n != size || sum != src.hex() {
		t.Errorf("read back %d bytes with sha256 %s; want %d and %s", n, sum, size, src.hex())
	}
	if info.ID != put.ID || info.Size != put.Size || info.SHA256 != put.SHA256 || info.ContentType != put.ContentType {
		t.Errorf("Open info %+v differs from Put's %+v", info, put)
	}
	if d := info.CreatedAt.Sub(put.CreatedAt).Abs(); d > time.Second {
		t.Errorf("Open CreatedAt %v, Put said %v", info.CreatedAt, put.CreatedAt)
	}
	if err := blobs.Delete(t.Context(), put.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, _, err = blobs.Open(t.Context(), put.ID)
	wantErr(t, "Open after Delete", err, store.ErrNotFound)
	wantErr(t, "Delete twice", blobs.Delete(t.Context(), put.ID), store.ErrNotFound)
}

func testBlobEmpty(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	put, err := blobs.Put(t.Context(), newBody(0, 2), store.PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatalf("Put empty: %v", err)
	}
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if put.Size != 0 || put.SHA256 != emptySHA {
		t.Errorf("empty blob: %+v", put)
	}
	if _, n, sum := readBlob(t, blobs, put.ID); n != 0 || sum != emptySHA {
		t.Errorf("read back %d bytes, sha256 %s", n, sum)
	}
}

// testBlobSameContent: two puts of the same bytes are two blobs; deleting
// one leaves the other.
func testBlobSameContent(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	a, err := blobs.Put(t.Context(), newBody(70_000, 3), store.PutOptions{ContentType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := blobs.Put(t.Context(), newBody(70_000, 3), store.PutOptions{ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.SHA256 != b.SHA256 {
		t.Fatalf("two puts of one content: %+v and %+v; want two ids, one hash", a, b)
	}
	if err := blobs.Delete(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	info, n, sum := readBlob(t, blobs, b.ID)
	if n != 70_000 || sum != b.SHA256 || info.ContentType != "image/jpeg" {
		t.Errorf("the other blob after deleting the first: %d bytes, %s, %+v", n, sum, info)
	}
}

// testBlobTooLarge: a blob over MaxSize is refused, nothing of it is kept,
// and the engine stops reading soon after the limit.
func testBlobTooLarge(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	const limit = 1 << 20
	exact, err := blobs.Put(t.Context(), newBody(limit, 4), store.PutOptions{MaxSize: limit})
	if err != nil || exact.Size != limit {
		t.Fatalf("Put of exactly MaxSize = %+v, %v", exact, err)
	}
	for _, size := range []int64{limit + 1, 4 * limit} {
		src := newBody(size, 5)
		info, err := blobs.Put(t.Context(), src, store.PutOptions{MaxSize: limit})
		wantErr(t, "Put over MaxSize", err, store.ErrTooLarge)
		if info.ID != "" {
			_, _, err := blobs.Open(t.Context(), info.ID)
			wantErr(t, "Open of a refused blob", err, store.ErrNotFound)
		}
		if src.read > limit+1<<20 {
			t.Errorf("read %d bytes of a %d byte body to refuse it at %d", src.read, size, limit)
		}
	}
	if _, n, _ := readBlob(t, blobs, exact.ID); n != limit {
		t.Errorf("the blob of exactly MaxSize reads back %d bytes", n)
	}
}

func testBlobDefaultLimit(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	_, err := blobs.Put(t.Context(), newBody(store.DefaultMaxBlobSize+1, 6), store.PutOptions{})
	wantErr(t, "Put over the default limit", err, store.ErrTooLarge)
}

// failing fails after n bytes, like a client that goes away mid-upload.
type failing struct {
	*body
	err error
}

func (f failing) Read(p []byte) (int, error) {
	n, err := f.body.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testBlobReaderFails(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	lost := errors.New("client went away")
	info, err := blobs.Put(t.Context(), failing{newBody(1<<20, 7), lost}, store.PutOptions{})
	wantErr(t, "Put from a failing reader", err, lost)
	if info.ID != "" {
		_, _, err := blobs.Open(t.Context(), info.ID)
		wantErr(t, "Open of a failed blob", err, store.ErrNotFound)
	}
}

func testBlobMissing(t *testing.T, h Harness) {
	blobs := h.openDB(t).Blobs()
	for _, id := range []string{"missing", "0123456789abcdef01234567", "../../../../etc/passwd", "..", "", "a/b"} {
		if rc, _, err := blobs.Open(t.Context(), id); !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open(%q): %v, want ErrNotFound (or ErrInvalid for a malformed id)", id, err)
		}
		if err := blobs.Delete(t.Context(), id); !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Delete(%q): %v, want ErrNotFound (or ErrInvalid for a malformed id)", id, err)
		}
	}
	_, _, err := blobs.Open(t.Context(), "missing")
	wantErr(t, "Open missing", err, store.ErrNotFound)
	wantErr(t, "Delete missing", blobs.Delete(t.Context(), "missing"), store.ErrNotFound)
}
