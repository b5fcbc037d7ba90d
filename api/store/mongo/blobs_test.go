package mongo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"frontdoor/api/store"
)

func TestCopyLimited(t *testing.T) {
	data := bytes.Repeat([]byte("frontdoor "), 20_000) // 200,000 bytes, several reads
	sum := sha256.Sum256(data)

	t.Run("exactly the limit is stored whole", func(t *testing.T) {
		var dst bytes.Buffer
		n, got, err := copyLimited(t.Context(), &dst, iotest.HalfReader(bytes.NewReader(data)), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(data)) || !bytes.Equal(dst.Bytes(), data) {
			t.Fatalf("copied %d bytes, want %d", n, len(data))
		}
		if got != hex.EncodeToString(sum[:]) {
			t.Fatalf("sha256 %s, want %x", got, sum)
		}
	})
	t.Run("one byte over is too large and never written", func(t *testing.T) {
		var dst bytes.Buffer
		limit := int64(len(data) - 1)
		_, _, err := copyLimited(t.Context(), &dst, bytes.NewReader(data), limit)
		if !errors.Is(err, store.ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
		if int64(dst.Len()) > limit {
			t.Fatalf("wrote %d bytes past a limit of %d", dst.Len(), limit)
		}
	})
	t.Run("empty", func(t *testing.T) {
		n, got, err := copyLimited(t.Context(), io.Discard, strings.NewReader(""), 10)
		empty := sha256.Sum256(nil)
		if err != nil || n != 0 || got != hex.EncodeToString(empty[:]) {
			t.Fatalf("got %d, %s, %v", n, got, err)
		}
	})
	t.Run("a failing reader is an error, not a blob", func(t *testing.T) {
		boom := errors.New("connection reset")
		r := io.MultiReader(bytes.NewReader(data[:100]), iotest.ErrReader(boom))
		_, _, err := copyLimited(t.Context(), io.Discard, r, 1<<20)
		if !errors.Is(err, boom) || errors.Is(err, store.ErrTooLarge) {
			t.Fatalf("got %v, want the reader's error", err)
		}
	})
	t.Run("an ended request stops the copy", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var dst bytes.Buffer
		_, _, err := copyLimited(ctx, &dst, bytes.NewReader(data), 1<<20)
		if !errors.Is(err, context.Canceled) || dst.Len() != 0 {
			t.Fatalf("got %v after %d bytes, want context.Canceled before any", err, dst.Len())
		}
	})
	t.Run("a failing upload is reported as it is", func(t *testing.T) {
		boom := errors.New("chunk insert failed")
		_, _, err := copyLimited(t.Context(), failingWriter{boom}, bytes.NewReader(data), 1<<20)
		if !errors.Is(err, boom) || strings.Contains(err.Error(), "read blob") {
			t.Fatalf("got %v, want the writer's error as it is", err)
		}
	})
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
