-- Datastore tables, PostgreSQL flavour. Keep in step with the other flavour's 0005_datastore.sql.
-- Each load or write of a resource's table makes a new version: an
-- immutable Parquet file (named in `file`, relative to the datastore
-- directory) and this row. The current table is the highest version; older
-- ones stay readable (time travel) until the table is deleted.

ALTER TABLE resources ADD COLUMN datastore_active BIGINT NOT NULL DEFAULT 0;

CREATE TABLE datastore_versions (
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    file TEXT NOT NULL,
    fields TEXT NOT NULL,
    primary_key TEXT NOT NULL DEFAULT '[]',
    indexes TEXT NOT NULL DEFAULT '[]',
    row_count BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    source TEXT NOT NULL,
    report TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (resource_id, version)
);
