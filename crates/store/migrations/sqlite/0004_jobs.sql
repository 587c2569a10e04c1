-- Background jobs, SQLite flavour. Keep in step with ../postgres/0004_jobs.sql.
-- A job is claimed with a lease (locked_by, locked_until); a worker that
-- dies (kill -9, power cut) leaves its lease to expire, and the job is
-- claimed again, so jobs survive restarts. Progress is kept for the API.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after TEXT NOT NULL,
    locked_by TEXT,
    locked_until TEXT,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT,
    progress_note TEXT,
    last_error TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    finished TEXT
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_subject ON jobs (kind, subject, created);
