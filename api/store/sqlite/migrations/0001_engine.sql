-- The engine's own bookkeeping. Collections are tables named c_<name>,
-- created on demand by Engine.Collection, not here.

-- Blob metadata; the bytes are files under the blob folder.
CREATE TABLE blobs (
    id           TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- Every declared index as last created, so a changed declaration is noticed
-- (and the index rebuilt) and the TTL sweeper knows what to sweep.
CREATE TABLE indexes (
    name            TEXT PRIMARY KEY, -- the SQLite index name
    collection      TEXT NOT NULL,
    tbl             TEXT NOT NULL,
    ddl             TEXT NOT NULL,
    ttl_expr        TEXT,             -- set for TTL indexes
    expire_after_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX indexes_by_collection ON indexes(collection);
