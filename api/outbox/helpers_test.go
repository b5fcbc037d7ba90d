package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

// openDB opens a fresh SQLite store in a temporary folder.
func openDB(tb testing.TB) (*store.DB, string) {
	tb.Helper()
	dir := tb.TempDir()
	return openDBAt(tb, dir), dir
}

// openDBAt opens another engine on the store in dir, as a second process
// would: its own connections, the same file.
func openDBAt(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	e, err := sqlite.Open(context.Background(), sqlite.Options{
		Path:          filepath.Join(dir, "f.db"),
		BlobDir:       filepath.Join(dir, "blobs"),
		SweepInterval: 50 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	return db
}

// newOutbox builds an outbox that is stopped (gracefully, then hard) when
// the test ends; cleanups run last-in first-out, so before the store closes.
func newOutbox(tb testing.TB, db *store.DB, opts Options) *Outbox {
	tb.Helper()
	o, err := New(context.Background(), db, opts)
	if err != nil {
		tb.Fatalf("outbox.New: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		o.Stop(ctx)
	})
	return o
}

func mustEnqueue(tb testing.TB, o *Outbox, kind, key string, payload any, opts ...EnqueueOption) {
	tb.Helper()
	if err := o.Enqueue(context.Background(), kind, key, payload, opts...); err != nil {
		tb.Fatalf("enqueue %s %s: %v", kind, key, err)
	}
}

// jobByKey reads a job as stored.
func jobByKey(tb testing.TB, o *Outbox, key string) Job {
	tb.Helper()
	r, err := o.jobs.FindOne(context.Background(), store.Eq(fieldKey, key))
	if err != nil {
		tb.Fatalf("job %s: %v", key, err)
	}
	return r.job()
}

// waitJob waits until the job with key satisfies ok, and returns it.
func waitJob(tb testing.TB, o *Outbox, key string, what string, ok func(Job) bool) Job {
	tb.Helper()
	var j Job
	waitFor(tb, 10*time.Second, what, func() bool {
		j = jobByKey(tb, o, key)
		return ok(j)
	})
	return j
}

func inState(s State) func(Job) bool { return func(j Job) bool { return j.State == s } }

func waitFor(tb testing.TB, timeout time.Duration, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stays asserts that ok holds for the whole of d.
func stays(tb testing.TB, d time.Duration, what string, ok func() bool) {
	tb.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if !ok() {
			tb.Fatalf("%s did not hold", what)
		}
	}
}

func depth(tb testing.TB, o *Outbox) map[string]int64 {
	tb.Helper()
	d, err := o.Depth(context.Background())
	if err != nil {
		tb.Fatalf("depth: %v", err)
	}
	return d
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) Count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// CountLines counts the lines that hold every one of parts.
func (l *logBuffer) CountLines(parts ...string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// recorder notes each run of each job: how many runs, and how many at once.
type recorder struct {
	mu       sync.Mutex
	runs     map[string]int
	inFlight map[string]int
	overlaps []string
}

func newRecorder() *recorder {
	return &recorder{runs: map[string]int{}, inFlight: map[string]int{}}
}

func (r *recorder) begin(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight[id] > 0 {
		r.overlaps = append(r.overlaps, id)
	}
	r.inFlight[id]++
	r.runs[id]++
}

func (r *recorder) end(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight[id]--
}

func (r *recorder) snapshot() (runs map[string]int, overlaps []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	runs = make(map[string]int, len(r.runs))
	for k, v := range r.runs {
		runs[k] = v
	}
	return runs, append([]string(nil), r.overlaps...)
}

var errReceiver = errors.New("receiver answered 503")
