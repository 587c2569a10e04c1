-- Link checks (availability), sqlite flavour. Keep in step with ../postgres/0008_link_checks.sql.
-- link_checks is the history: one row per check of a resource's external link,
-- the newest 30 per resource kept (older ones are deleted as new ones come).
-- link_status is the latest finding per resource, with the run of failures it
-- ends, so reports and scores read one row per resource. It names the URL it
-- checked: a resource whose link changed since is unchecked, not broken.
-- link_sweeps holds when the periodic sweep of every link was last enqueued
-- and its job, so several Kho processes on one database enqueue one sweep.

CREATE TABLE link_checks (
    id TEXT PRIMARY KEY NOT NULL,
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    checked TEXT NOT NULL,
    ok BIGINT NOT NULL,
    -- The final HTTP status, when a server answered.
    status BIGINT,
    -- http (an error status), timeout, dns, refused, tls, too_many_redirects,
    -- forbidden, bad_url or network; NULL when ok.
    error_kind TEXT,
    error_message TEXT,
    elapsed_ms BIGINT NOT NULL,
    final_url TEXT,
    content_type TEXT,
    content_length BIGINT,
    -- HEAD, or GET when the server would not answer HEAD.
    method TEXT,
    job_id TEXT
);
CREATE INDEX link_checks_resource ON link_checks (resource_id, checked);

CREATE TABLE link_status (
    resource_id TEXT PRIMARY KEY NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    checked TEXT NOT NULL,
    ok BIGINT NOT NULL,
    status BIGINT,
    error_kind TEXT,
    error_message TEXT,
    -- Failed checks in a row up to this one (0 when ok), and since when.
    consecutive_failures BIGINT NOT NULL,
    failing_since TEXT,
    last_ok TEXT
);

CREATE TABLE link_sweeps (
    name TEXT PRIMARY KEY NOT NULL,
    last_enqueued TEXT NOT NULL,
    job_id TEXT
);
