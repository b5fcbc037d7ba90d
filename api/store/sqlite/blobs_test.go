package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdoor/api/store"
)

func TestBlobPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEngine(t, dir)
	content := bytes.Repeat([]byte("council tax bill "), 10000)
	before := time.Now().Add(-time.Second)
	info, err := e.Blobs().Put(ctx, bytes.NewReader(content), store.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if info.Size != int64(len(content)) || info.SHA256 != hex.EncodeToString(sum[:]) || info.ContentType != "application/pdf" ||
		info.CreatedAt.Before(before) || info.CreatedAt.Location() != time.UTC {
		t.Fatalf("put info = %+v", info)
	}
	r, got, err := e.Blobs().Open(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(b, content) {
		t.Fatalf("read back %d bytes (%v); want the %d put", len(b), err, len(content))
	}
	if got != info {
		t.Fatalf("open info = %+v; want %+v", got, info)
	}
	if err := e.Blobs().Delete(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Blobs().Open(ctx, info.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("open after delete: %v; want ErrNotFound", err)
	}
	if err := e.Blobs().Delete(ctx, info.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v; want ErrNotFound", err)
	}
	if files := blobFiles(t, filepath.Join(dir, "blobs")); len(files) != 0 {
		t.Fatalf("files left after delete: %v", files)
	}
}

func TestBlobOverTheLimitKeepsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEngine(t, dir)
	_, err := e.Blobs().Put(ctx, strings.NewReader(strings.Repeat("x", 1001)), store.PutOptions{MaxSize: 1000})
	if !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("put 1001 bytes with a 1000 limit: %v; want ErrTooLarge", err)
	}
	if files := blobFiles(t, filepath.Join(dir, "blobs")); len(files) != 0 {
		t.Fatalf("a refused blob left files: %v", files)
	}
	var n int
	if err := e.readers.QueryRow("SELECT count(*) FROM blobs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused blob left %d rows (%v)", n, err)
	}
	info, err := e.Blobs().Put(ctx, strings.NewReader(strings.Repeat("x", 1000)), store.PutOptions{MaxSize: 1000})
	if err != nil || info.Size != 1000 {
		t.Fatalf("put exactly the limit: %+v, %v", info, err)
	}
}

func TestBlobIDsNeverReachThePath(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t, t.TempDir())
	for _, id := range []string{"", "../frontdoor.db", "..", "a/b", "ABCDEFGHJKMNPQRSTVWXYZ0123", strings.Repeat("a", 27)} {
		if _, _, err := e.Blobs().Open(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("open %q: %v; want ErrNotFound", id, err)
		}
		if err := e.Blobs().Delete(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete %q: %v; want ErrNotFound", id, err)
		}
	}
}

func TestBlobSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(ctx, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.Blobs().Put(ctx, strings.NewReader("hello"), store.PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openEngine(t, dir)
	r, got, err := e.Blobs().Open(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "hello" || got != info {
		t.Fatalf("after reopen: %q %+v; want hello %+v", b, got, info)
	}
}

func TestBlobPutStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	e := openEngine(t, dir)
	r := &cancelAfter{n: 3, cancel: cancel}
	if _, err := e.Blobs().Put(ctx, r, store.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a cancelled ctx: %v; want context.Canceled", err)
	}
	if files := blobFiles(t, filepath.Join(dir, "blobs")); len(files) != 0 {
		t.Fatalf("a cancelled put left files: %v", files)
	}
}

// cancelAfter yields n chunks, then cancels and keeps yielding.
type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return copy(p, "chunk"), nil
}

func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}
