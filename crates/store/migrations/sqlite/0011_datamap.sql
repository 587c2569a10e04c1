-- The data map (issue 9): the registry of government databases, the data
-- dictionary and the published versions of the map.
--
-- datamap_databases: one row per database; its content lives in
-- revisions. `revision` is the latest, `approved_revision` the one the
-- map shows (NULL until a reviewer first approves). A deletion is a
-- revision too; once approved the row's state becomes 'deleted'.
-- datamap_revisions: every change with who, when and why (`message`),
-- and its review (pending, approved, rejected, superseded).
-- datamap_elements: the common data dictionary (a JSON document each).
-- datamap_versions: published maps (v1.0, v1.1, ...), each a snapshot.
-- kho_meta 'datamap_generation' is bumped by every change the map shows,
-- so processes may keep the approved map in memory while it holds.

CREATE TABLE datamap_databases (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    owner_org TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    revision BIGINT NOT NULL,
    approved_revision BIGINT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX datamap_databases_org ON datamap_databases (owner_org);

CREATE TABLE datamap_revisions (
    database_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    action TEXT NOT NULL,
    doc TEXT NOT NULL,
    message TEXT NOT NULL,
    author_user_id TEXT,
    created TEXT NOT NULL,
    review_state TEXT NOT NULL,
    reviewer_user_id TEXT,
    reviewed TEXT,
    review_note TEXT,
    PRIMARY KEY (database_id, revision)
);

CREATE TABLE datamap_elements (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    modifier_user_id TEXT
);

CREATE TABLE datamap_versions (
    id TEXT PRIMARY KEY NOT NULL,
    version TEXT NOT NULL UNIQUE,
    major BIGINT NOT NULL,
    minor BIGINT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL,
    summary TEXT NOT NULL,
    published TEXT NOT NULL,
    publisher_user_id TEXT
);
