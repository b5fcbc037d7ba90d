package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"frontdoor/api/store"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate turns SQLite's errors into the contract's sentinels, keeping the
// original in the chain for logs.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", store.ErrDuplicate, err)
		}
		// INDEXED BY names an index that cannot serve the query: refuse rather
		// than scan.
		if strings.Contains(se.Error(), "no query solution") {
			return fmt.Errorf("%w: %w", store.ErrUnindexed, err)
		}
	}
	return err
}
