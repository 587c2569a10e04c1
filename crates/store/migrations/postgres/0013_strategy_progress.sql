-- What agencies report on the Strategy (issue 9, point 4): each task's
-- progress per agency and year, and indicator values entered by hand with
-- evidence, both reviewed like the annual reports.
--
-- strategy_records: one row per (kind, subject, scope, year): kind
-- 'progress' (subject a task id, scope an organization id) or 'indicator'
-- (subject a target id, scope an organization id or 'national'). state is
-- the working copy's (draft, submitted, approved, rejected) and content its
-- fields (JSON); approved_content is what was last approved, public until
-- a newer version is approved. version counts writes, so two reviewers or
-- editors acting at once cannot both win.
-- strategy_record_history: every change (who, when, which step, the
-- resulting state and content), never rewritten.

CREATE TABLE strategy_records (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    approved_content TEXT,
    approved TEXT,
    version BIGINT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    submitted TEXT,
    submitter_user_id TEXT,
    reviewed TEXT,
    reviewer_user_id TEXT,
    review_note TEXT,
    UNIQUE (kind, subject, scope, year)
);

CREATE INDEX strategy_records_scope ON strategy_records (kind, scope, year);
CREATE INDEX strategy_records_state ON strategy_records (kind, state);

CREATE TABLE strategy_record_history (
    record_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    user_id TEXT,
    user_name TEXT NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (record_id, seq)
);
