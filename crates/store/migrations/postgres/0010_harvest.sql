-- Harvesting (issue 8): sources of remote catalogs, what each run found,
-- and which local dataset stands for which remote one.
--
-- harvest_sources: a remote catalog (a Kho node or CKAN through its Action
-- API, or a DCAT document) and where its datasets go (owner_org; NULL: an
-- agency named like the remote one). schedule is a cron line in UTC.
-- harvest_objects: one row per remote dataset a source brought, with the
-- hash of what was last imported, so an unchanged dataset is not written
-- again and a vanished one is deleted.
-- harvest_runs: each run's report (counts and per-record errors).
-- packages.harvest_source_id marks a harvested dataset read-only.

CREATE TABLE harvest_sources (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source_type TEXT NOT NULL,
    url TEXT NOT NULL,
    owner_org TEXT,
    schedule TEXT,
    config TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'active',
    created TEXT NOT NULL,
    creator_user_id TEXT
);

CREATE TABLE harvest_objects (
    source_id TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    package_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    harvested TEXT NOT NULL,
    PRIMARY KEY (source_id, remote_id)
);

CREATE TABLE harvest_runs (
    id TEXT PRIMARY KEY NOT NULL,
    source_id TEXT NOT NULL,
    job_id TEXT,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    added BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    deleted BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    errored BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    errors TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX harvest_runs_source ON harvest_runs (source_id, created);

ALTER TABLE packages ADD COLUMN harvest_source_id TEXT;
