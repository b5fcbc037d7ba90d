package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"frontdoor/api/store"
)

func TestReopenKeepsDataVersionsAndIndexes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(ctx, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, items := openItems(t, e)
	it := mustInsert(t, items, &item{Ref: "R-1", Status: "open", Created: t0})
	it.Status = "closed"
	if err := items.Replace(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openEngine(t, dir)
	_, items = openItems(t, e)
	got, err := items.Get(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "closed" || got.Version != 2 || !got.Created.Equal(t0) {
		t.Fatalf("after reopen: %+v; want status closed at version 2", got)
	}
	if err := items.Insert(ctx, &item{Ref: "R-1", Created: t0}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("unique index after reopen: %v; want ErrDuplicate", err)
	}
	if found, err := items.FindOne(ctx, store.Eq("status", "closed")); err != nil || found.ID != it.ID {
		t.Fatalf("find after reopen = %v, %v", found, err)
	}
	names := sqliteIndexes(t, e, "c_items")
	for _, ix := range itemSpec.Indexes {
		if !strings.Contains(names, "c_items/"+ix.Name+";") {
			t.Errorf("index %s missing after reopen; have %s", ix.Name, names)
		}
	}
	var versions, want int
	if err := e.readers.QueryRow("SELECT count(*) FROM schema_version").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if want = len(ms); versions != want {
		t.Fatalf("schema_version holds %d rows after two opens; want %d, each migration once", versions, want)
	}
}

// sqliteIndexes lists the table's declared indexes as "a;b;".
func sqliteIndexes(t *testing.T, e *Engine, table string) string {
	t.Helper()
	rows, err := e.readers.Query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		b.WriteString(name + ";")
	}
	return b.String()
}

func TestChangedIndexesAreRebuiltAndDroppedOnesRemoved(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t, t.TempDir())
	db := store.New(e)
	v1 := store.CollectionSpec{Name: "items", Indexes: []store.IndexSpec{
		{Name: "by_ward", Fields: []string{"ward"}},
		{Name: "by_ref", Fields: []string{"ref"}, Unique: true},
	}}
	items, err := store.Open[item](ctx, db, v1)
	if err != nil {
		t.Fatal(err)
	}
	mustInsert(t, items, &item{Ward: 1, Ref: "a", Created: t0})
	mustInsert(t, items, &item{Ward: 2, Ref: "a2", Created: t0})

	// by_ward becomes unique; by_ref is no longer declared.
	v2 := store.CollectionSpec{Name: "items", Indexes: []store.IndexSpec{
		{Name: "by_ward", Fields: []string{"ward"}, Unique: true},
	}}
	items, err = store.Open[item](ctx, db, v2)
	if err != nil {
		t.Fatal(err)
	}
	if err := items.Insert(ctx, &item{Ward: 1, Created: t0}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("insert on a now-unique ward: %v; want ErrDuplicate", err)
	}
	if err := items.Insert(ctx, &item{Ward: 3, Ref: "a", Created: t0}); err != nil {
		t.Errorf("insert on a ref no longer unique: %v", err)
	}
	if got := sqliteIndexes(t, e, "c_items"); got != "c_items/by_ward;" {
		t.Errorf("indexes = %s; want only c_items/by_ward", got)
	}
	// Reopening unchanged changes nothing; a unique index over duplicates is refused.
	if _, err := store.Open[item](ctx, db, v2); err != nil {
		t.Fatal(err)
	}
	v3 := store.CollectionSpec{Name: "items", Indexes: []store.IndexSpec{
		{Name: "by_ref", Fields: []string{"ref"}, Unique: true},
	}}
	if _, err := store.Open[item](ctx, db, v3); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("unique index over duplicate refs: %v; want ErrDuplicate", err)
	}
	if got := sqliteIndexes(t, e, "c_items"); got != "c_items/by_ward;" {
		t.Errorf("a failed upgrade changed the indexes to %s", got)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(ctx, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.writer.Exec("INSERT INTO schema_version(version, applied_at) VALUES (999, 'x')"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if e, err := Open(ctx, testOptions(dir)); err == nil || !strings.Contains(err.Error(), "newer") {
		if e != nil {
			e.Close()
		}
		t.Fatalf("open of a newer file: %v; want a refusal", err)
	}
}

func TestPingFailsOnceClosed(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, testOptions(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Ping(ctx); err == nil {
		t.Fatal("ping after close succeeded")
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestWriterIsDurableWAL(t *testing.T) {
	e := openEngine(t, t.TempDir())
	var mode string
	var sync int
	if err := e.writer.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := e.writer.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Fatalf("journal_mode %s, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
	if _, err := e.readers.Exec("CREATE TABLE sneaky(x)"); err == nil {
		t.Fatal("a reader connection wrote to the file")
	}
}

// TestCommittedWritesSurviveACrash inserts from a child process that exits
// without closing anything, then reads the file back.
func TestCommittedWritesSurviveACrash(t *testing.T) {
	if dir := os.Getenv("FRONTDOOR_SQLITE_CRASH_DIR"); dir != "" {
		e, err := Open(context.Background(), testOptions(dir))
		if err != nil {
			os.Exit(3)
		}
		_, items := openItems(t, e)
		for i := range 50 {
			if err := items.Insert(context.Background(), &item{Ref: fmt.Sprint("crash-", i), Created: t0}); err != nil {
				os.Exit(4)
			}
		}
		os.Exit(0) // no Close: the WAL is neither checkpointed nor closed
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommittedWritesSurviveACrash$")
	cmd.Env = append(os.Environ(), "FRONTDOOR_SQLITE_CRASH_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, items := openItems(t, openEngine(t, dir))
	if n, err := items.Count(context.Background()); err != nil || n != 50 {
		t.Fatalf("after the crash: %d documents (%v); want 50", n, err)
	}
}

func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	_, items := openItems(t, openEngine(t, dir))
	mustInsert(t, items, &item{Created: t0})
	for _, name := range []string{"frontdoor.db", "frontdoor.db-wal"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group or others", name, perm)
		}
	}
}
