//! The background job queue: jobs stored in the catalog database, claimed
//! with a lease, retried with backoff, and visible with their progress.
//!
//! A worker claims the oldest ready job of the kinds it runs: queued and
//! due, or running under a lease that has expired (its worker died). The
//! claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1)`: on SQLite the
//! write transaction (`BEGIN IMMEDIATE`) serialises claimers; on
//! PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass each
//! other. Every later write by the worker names itself (`locked_by`), so a
//! worker whose lease was taken over cannot finish someone else's job.
//!
//! Periodic jobs (the link sweep, harvests) are enqueued through a named
//! schedule (`job_schedules`, migration 0009): one row per name holding
//! when its job was last enqueued and which job that was, so several
//! processes on one database enqueue each run once between them.

use crate::{Backend, Handle, Sql, Store, StoreError};
use sqlx::FromRow;

/// A job's row.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub subject: Option<String>,
    pub payload: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: String,
    pub locked_by: Option<String>,
    pub locked_until: Option<String>,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub progress_note: Option<String>,
    pub last_error: Option<String>,
    pub created: String,
    pub updated: String,
    pub finished: Option<String>,
}

crate::sqlite_row!(JobRow {
    id,
    kind,
    subject,
    payload,
    state,
    attempts,
    max_attempts,
    run_after,
    locked_by,
    locked_until,
    progress_done,
    progress_total,
    progress_note,
    last_error,
    created,
    updated,
    finished
});

impl JobRow {
    /// The API shape.
    pub fn to_job(&self) -> kho_core::model::Job {
        kho_core::model::Job {
            id: self.id.clone(),
            kind: self.kind.clone(),
            subject: self.subject.clone(),
            state: self.state.clone(),
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            progress: kho_core::model::JobProgress {
                done: self.progress_done,
                total: self.progress_total,
                note: self.progress_note.clone(),
            },
            error: self.last_error.clone(),
            created: self.created.clone(),
            updated: self.updated.clone(),
            finished: self.finished.clone(),
        }
    }
}

const COLUMNS: &str = "id, kind, subject, payload, state, attempts, max_attempts, run_after, locked_by, \
    locked_until, progress_done, progress_total, progress_note, last_error, created, updated, finished";

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    /// What the job is about (a resource id…), for status look-ups.
    pub subject: Option<&'a str>,
    pub payload: &'a str,
    pub max_attempts: i64,
    pub run_after: &'a str,
    pub now: &'a str,
}

/// Adds a job in the caller's transaction, so it exists exactly when the
/// change that asked for it does.
pub async fn enqueue(h: &mut dyn Handle, job: &NewJob<'_>) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO jobs (id, kind, subject, payload, state, attempts, max_attempts, run_after, created, updated) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7)",
    )
    .bind(job.id)
    .bind(job.kind)
    .bind(job.subject)
    .bind(job.payload)
    .bind(job.max_attempts)
    .bind(job.run_after)
    .bind(job.now)
    .execute(h)
    .await?;
    Ok(())
}

/// Claims the oldest ready job of `kinds` for `worker` until `lease_until`.
pub async fn claim(
    store: &Store,
    worker: &str,
    kinds: &[String],
    now: &str,
    lease_until: &str,
) -> Result<Option<JobRow>, StoreError> {
    if kinds.is_empty() {
        return Ok(None);
    }
    // Idle workers poll often: look without the write lock first, so an
    // empty queue costs readers nothing and writers no lock.
    let mut peek = Sql::new(
        "SELECT id FROM jobs WHERE ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND locked_until < $1)) \
         AND kind IN ",
    )
    .bind(now);
    peek.in_list(kinds);
    peek.push(" LIMIT 1");
    let ready: Option<(String,)> = peek.fetch_optional(&mut store.conn().await?).await?;
    if ready.is_none() {
        return Ok(None);
    }
    let mut tx = store.write().await?;
    // A job whose worker died on its last allowed attempt is not run again.
    Sql::new(
        "UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, finished = $1, updated = $1, \
         last_error = COALESCE(last_error || ' / ', '') || 'the worker stopped during the last attempt' \
         WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(&mut tx)
    .await?;
    let mut q = Sql::new(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, \
         updated = $3 WHERE id = (SELECT id FROM jobs WHERE \
         ((state = 'queued' AND run_after <= $3) OR (state = 'running' AND locked_until < $3)) AND kind IN ",
    )
    .bind(worker)
    .bind(lease_until)
    .bind(now);
    q.in_list(kinds);
    q.push(" ORDER BY run_after, created, id LIMIT 1");
    if store.backend() == Backend::Postgres {
        q.push(" FOR UPDATE SKIP LOCKED");
    }
    q.push(&format!(") RETURNING {COLUMNS}"));
    let row: Option<JobRow> = q.fetch_optional(&mut tx).await?;
    tx.commit().await?;
    Ok(row)
}

/// How far a job has got.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress<'a> {
    pub done: i64,
    pub total: Option<i64>,
    pub note: Option<&'a str>,
}

/// Records progress and extends the lease; `false` if the worker no
/// longer holds the job (its lease expired and another worker took it).
pub async fn heartbeat(
    h: &mut dyn Handle,
    id: &str,
    worker: &str,
    lease_until: &str,
    progress: Progress<'_>,
    now: &str,
) -> Result<bool, StoreError> {
    let n = Sql::new(
        "UPDATE jobs SET locked_until = $3, progress_done = $4, progress_total = $5, progress_note = $6, updated = $7 \
         WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(lease_until)
    .bind(progress.done)
    .bind(progress.total)
    .bind(progress.note)
    .bind(now)
    .execute(h)
    .await?;
    Ok(n == 1)
}

/// Extends the lease only; `false` if the worker no longer holds the job.
pub async fn renew(
    h: &mut dyn Handle,
    id: &str,
    worker: &str,
    lease_until: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let n = Sql::new(
        "UPDATE jobs SET locked_until = $3, updated = $4 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(lease_until)
    .bind(now)
    .execute(h)
    .await?;
    Ok(n == 1)
}

/// Marks a job done; `false` if the worker no longer holds it.
pub async fn complete(h: &mut dyn Handle, id: &str, worker: &str, now: &str) -> Result<bool, StoreError> {
    let n = Sql::new(
        "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated = $3, \
         finished = $3 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .execute(h)
    .await?;
    Ok(n == 1)
}

/// Records a failed attempt: queued again at `retry_at` while attempts
/// remain (and `retry` is true), otherwise failed for good. Returns the
/// new state, or `None` if the worker no longer holds the job.
pub async fn fail(
    h: &mut dyn Handle,
    id: &str,
    worker: &str,
    error: &str,
    retry: bool,
    retry_at: &str,
    now: &str,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = Sql::new(
        "UPDATE jobs SET state = CASE WHEN $4 = 1 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
         run_after = $5, last_error = $3, locked_by = NULL, locked_until = NULL, updated = $6, \
         finished = CASE WHEN $4 = 1 AND attempts < max_attempts THEN NULL ELSE $6 END \
         WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING state",
    )
    .bind(id)
    .bind(worker)
    .bind(error)
    .bind(retry as i64)
    .bind(retry_at)
    .bind(now)
    .fetch_optional(h)
    .await?;
    Ok(row.map(|r| r.0))
}

/// One job by id.
pub async fn get(h: &mut dyn Handle, id: &str) -> Result<Option<JobRow>, StoreError> {
    Sql::new(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")).bind(id).fetch_optional(h).await
}

/// The newest job of `kind` about `subject`.
pub async fn latest_for(h: &mut dyn Handle, kind: &str, subject: &str) -> Result<Option<JobRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE kind = $1 AND subject = $2 ORDER BY created DESC, id DESC LIMIT 1"
    ))
    .bind(kind)
    .bind(subject)
    .fetch_optional(h)
    .await
}

/// Jobs in a state (or all), newest first.
pub async fn list(h: &mut dyn Handle, state: Option<&str>, limit: i64) -> Result<Vec<JobRow>, StoreError> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM jobs"));
    if let Some(s) = state {
        q.push(" WHERE state = ").param(s.to_string());
    }
    q.push(" ORDER BY created DESC, id DESC LIMIT ").param(limit);
    q.fetch_all(h).await
}

/// Removes finished jobs (done or failed) that finished before `before`.
pub async fn prune(h: &mut dyn Handle, before: &str) -> Result<u64, StoreError> {
    Sql::new("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished < $1").bind(before).execute(h).await
}

/// A schedule's state: when its job was last enqueued, and which job that
/// was (none yet when the schedule has only been started).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ScheduleRow {
    pub last_enqueued: String,
    pub job_id: Option<String>,
}

crate::sqlite_row!(ScheduleRow { last_enqueued, job_id });

/// The state of schedule `name`, if it was ever started.
pub async fn schedule(h: &mut dyn Handle, name: &str) -> Result<Option<ScheduleRow>, StoreError> {
    Sql::new("SELECT last_enqueued, job_id FROM job_schedules WHERE name = $1").bind(name).fetch_optional(h).await
}

/// Starts schedule `name` at `now` if it has not started yet, so its first
/// job comes one interval after the schedule was first enabled.
pub async fn start_schedule(h: &mut dyn Handle, name: &str, now: &str) -> Result<(), StoreError> {
    Sql::new("INSERT INTO job_schedules (name, last_enqueued) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(now)
        .execute(h)
        .await?;
    Ok(())
}

/// Takes the next run of schedule `name` for job `job_id` if one is due
/// and the schedule is as the caller saw it (`seen`): the last run was
/// enqueued at or before `due_before` and its job is no longer queued or
/// running. One `UPDATE` decides, so of several processes asking at once
/// exactly one gets `true`. On SQLite the write lock serialises them; on
/// PostgreSQL the losers wait for the winner's row lock and then find the
/// row no longer as they saw it (a new job id). The job condition alone
/// would not do there: its subquery reads the statement's snapshot, in
/// which the winner's new job does not exist yet. The caller enqueues the
/// job in the same transaction, and rolls it back on `false`.
pub async fn claim_schedule(
    h: &mut dyn Handle,
    name: &str,
    seen: &ScheduleRow,
    now: &str,
    due_before: &str,
    job_id: &str,
) -> Result<bool, StoreError> {
    let n = Sql::new(
        "UPDATE job_schedules SET last_enqueued = $4, job_id = $6 \
         WHERE name = $1 AND last_enqueued = $2 AND COALESCE(job_id, '') = $3 AND last_enqueued <= $5 \
         AND (job_id IS NULL OR NOT EXISTS \
              (SELECT 1 FROM jobs j WHERE j.id = job_schedules.job_id AND j.state IN ('queued', 'running')))",
    )
    .bind(name)
    .bind(&seen.last_enqueued)
    .bind(seen.job_id.as_deref().unwrap_or(""))
    .bind(now)
    .bind(due_before)
    .bind(job_id)
    .execute(h)
    .await?;
    Ok(n == 1)
}
