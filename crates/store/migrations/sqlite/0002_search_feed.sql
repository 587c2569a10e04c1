-- The search change feed, SQLite flavour. Keep in step with ../postgres/0002_search_feed.sql.
-- Every transaction that changes what a dataset's document shows appends the
-- dataset's id here; each server's search index applies the feed in `seq`
-- order, so writes by the CLI or by other Kho processes reach every index.

CREATE TABLE search_feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX search_feed_created ON search_feed (created);
