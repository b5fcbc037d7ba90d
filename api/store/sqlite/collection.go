package sqlite

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"frontdoor/api/store"
)

// collection is one collection: a table of (seq, id, version, doc).
type collection struct {
	e       *Engine
	name    string
	table   string              // quoted
	indexes map[string]indexRef // by declared name
	sql     collectionSQL
}

// collectionSQL is the fixed SQL of a collection, built once so it is the
// same text every time and its prepared statements are reused.
type collectionSQL struct {
	get, version, insert, replace, delete string
}

func newCollectionSQL(table string) collectionSQL {
	return collectionSQL{
		get:     "SELECT doc FROM " + table + " WHERE id = ?",
		version: "SELECT version FROM " + table + " WHERE id = ?",
		insert:  "INSERT INTO " + table + "(id, version, doc) VALUES (?, ?, ?)",
		replace: "UPDATE " + table + " SET version = ?, doc = ? WHERE id = ? AND version = ?",
		delete:  "DELETE FROM " + table + " WHERE id = ?",
	}
}

// indexRef is what queries need to know of a declared index.
type indexRef struct {
	name   string // the SQLite index, quoted
	fields []string
}

var _ store.Driver = (*collection)(nil)

// The store checks names already; the engine checks again because they are
// written into SQL, never bound.
var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$`)

// Collection creates the collection's table when missing and brings its
// indexes in line with spec: new ones created, changed ones rebuilt, ones no
// longer declared dropped (a stale unique index would go on refusing writes).
func (e *Engine) Collection(ctx context.Context, spec store.CollectionSpec) (store.Driver, error) {
	if !nameRE.MatchString(spec.Name) {
		return nil, fmt.Errorf("%w: collection name %q", store.ErrInvalid, spec.Name)
	}
	table := tableName(spec.Name)
	c := &collection{e: e, name: spec.Name, table: table, indexes: map[string]indexRef{}, sql: newCollectionSQL(table)}
	var defs []indexDef
	for _, ix := range spec.Indexes {
		d, err := c.indexDef(ix)
		if err != nil {
			return nil, err
		}
		c.indexes[ix.Name] = indexRef{name: d.name, fields: slices.Clone(ix.Fields)}
		defs = append(defs, d)
	}
	err := e.Tx(ctx, func(ctx context.Context) error {
		q := e.tx(ctx)
		// AUTOINCREMENT: a seq is never reused, so a document inserted later
		// never lands behind a cursor already handed out.
		create := `CREATE TABLE IF NOT EXISTS ` + c.table + ` (
			seq     INTEGER PRIMARY KEY AUTOINCREMENT,
			id      TEXT NOT NULL UNIQUE,
			version INTEGER NOT NULL,
			doc     TEXT NOT NULL
		)`
		if _, err := q.ExecContext(ctx, create); err != nil {
			return err
		}
		return syncIndexes(ctx, q, c, defs)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: collection %s: %w", spec.Name, translate(err))
	}
	if e.tx(ctx) == nil { // prepare the writes now, so transactions find them cached
		for _, q := range []string{c.sql.insert, c.sql.replace, c.sql.delete} {
			e.writeStmts.get(ctx, q)
		}
	}
	return c, nil
}

// tableName maps a collection name to its table. SQLite folds the case of
// names and the contract does not, so capitals are spelled out as ^ and the
// lower-case letter: "userSessions" is "c_user^sessions".
func tableName(collection string) string {
	return quote("c_" + foldSafe(collection))
}

func foldSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('^')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quote makes an SQL identifier of a name that has already passed nameRE.
func quote(name string) string { return `"` + name + `"` }

// expr is the SQL for a field: the id column, or a JSON path into doc. Index
// definitions and queries use the same text, which is what lets SQLite match
// a query to an expression index.
func expr(field string) string {
	if field == store.IDField {
		return "id"
	}
	return "json_extract(doc,'$." + field + "')"
}

// indexDef is a declared index as SQL.
type indexDef struct {
	name          string // quoted
	ddl           string
	ttlExpr       string // "" unless TTL
	expireAfterMS int64
}

func (c *collection) indexDef(ix store.IndexSpec) (indexDef, error) {
	if !nameRE.MatchString(ix.Name) || len(ix.Fields) == 0 {
		return indexDef{}, fmt.Errorf("%w: index %q of %s", store.ErrInvalid, ix.Name, c.name)
	}
	exprs := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		if !nameRE.MatchString(f) || f == store.IDField {
			return indexDef{}, fmt.Errorf("%w: index %q field %q", store.ErrInvalid, ix.Name, f)
		}
		exprs[i] = expr(f)
	}
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	d := indexDef{name: quote(strings.Trim(c.table, `"`) + "/" + foldSafe(ix.Name))}
	d.ddl = fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s(%s)", unique, d.name, c.table, strings.Join(exprs, ", "))
	if ix.TTL {
		if len(ix.Fields) != 1 || ix.ExpireAfter < 0 {
			return indexDef{}, fmt.Errorf("%w: TTL index %q needs one time field", store.ErrInvalid, ix.Name)
		}
		d.ttlExpr, d.expireAfterMS = exprs[0], ix.ExpireAfter.Milliseconds()
	}
	return d, nil
}

func syncIndexes(ctx context.Context, q querier, c *collection, defs []indexDef) error {
	known, err := knownIndexes(ctx, q, c.name)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if old, ok := known[d.name]; ok && old != d.ddl {
			if _, err := q.ExecContext(ctx, "DROP INDEX IF EXISTS "+d.name); err != nil {
				return err
			}
		}
		delete(known, d.name)
		if _, err := q.ExecContext(ctx, d.ddl); err != nil {
			return err
		}
		var ttl any
		if d.ttlExpr != "" {
			ttl = d.ttlExpr
		}
		const upsert = `INSERT INTO indexes(name, collection, tbl, ddl, ttl_expr, expire_after_ms)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(name) DO UPDATE SET collection = excluded.collection, tbl = excluded.tbl,
				ddl = excluded.ddl, ttl_expr = excluded.ttl_expr, expire_after_ms = excluded.expire_after_ms`
		if _, err := q.ExecContext(ctx, upsert, d.name, c.name, c.table, d.ddl, ttl, d.expireAfterMS); err != nil {
			return err
		}
	}
	for name := range known {
		if _, err := q.ExecContext(ctx, "DROP INDEX IF EXISTS "+name); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "DELETE FROM indexes WHERE name = ?", name); err != nil {
			return err
		}
	}
	return nil
}

// knownIndexes maps each index recorded for the collection to its DDL.
func knownIndexes(ctx context.Context, q querier, collection string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, ddl FROM indexes WHERE collection = ?", collection)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]string{}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return nil, err
		}
		known[name] = ddl
	}
	return known, rows.Err()
}
