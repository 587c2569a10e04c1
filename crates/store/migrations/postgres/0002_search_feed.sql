-- The search change feed, PostgreSQL flavour. Keep in step with ../sqlite/0002_search_feed.sql.
-- Every transaction that changes what a dataset's document shows appends the
-- dataset's id here; each server's search index applies the feed in `seq`
-- order, so writes by the CLI or by other Kho processes reach every index.
-- Sequence values are handed out before commit, so a reader may briefly see
-- a gap; kho-catalog's search sync waits for gaps to settle (see search.rs).

CREATE TABLE search_feed (
    seq BIGSERIAL PRIMARY KEY,
    package_id TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX search_feed_created ON search_feed (created);
