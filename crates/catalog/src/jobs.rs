//! Background jobs: a durable queue in the catalog database and the
//! workers that run it.
//!
//! An action that needs slow work (loading a table, validating a file,
//! harvesting a portal) enqueues a job in its own transaction; a worker
//! claims it with a lease, runs the handler registered for its kind, and
//! records the outcome. While a handler runs, its worker renews the lease
//! and the handler reports progress. A worker that dies leaves the lease to
//! expire and another worker (or the same server after a restart) runs the
//! job again, so handlers must be idempotent: safe to run from the start
//! after any crash. Failed attempts are retried with exponential backoff
//! until `max_attempts`.
//!
//! Periodic jobs (the link sweep, harvests) are enqueued by a [`Scheduler`]
//! under a schedule name; the database decides
//! ([`kho_store::jobs::claim_schedule`]), so several Kho processes on one
//! database enqueue each run once between them, and none while the
//! previous run is still queued or running.

use crate::{Catalog, Error, Result};
use kho_core::model::Job;
use kho_core::timefmt;
use kho_store::jobs::{self, NewJob, Progress};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How a job attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// Worth trying again later (a remote server down, a busy database).
    Retry(String),
    /// Trying again cannot help (a malformed file); the job fails now.
    Fatal(String),
}

/// A catalog error met by a handler is taken as passing (a busy or
/// unavailable database): the attempt is retried. A handler that knows an
/// error is permanent says [`JobFailure::Fatal`] itself.
impl From<Error> for JobFailure {
    fn from(e: Error) -> Self {
        JobFailure::Retry(e.to_string())
    }
}

/// A database error, retried as [`Error`]s are (and worded as they are).
impl From<kho_store::StoreError> for JobFailure {
    fn from(e: kho_store::StoreError) -> Self {
        Error::from(e).into()
    }
}

/// What a handler returns.
pub type JobFuture = Pin<Box<dyn Future<Output = std::result::Result<(), JobFailure>> + Send>>;

/// Runs one attempt of a job.
pub type JobHandler = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub kind: String,
    pub subject: Option<String>,
    pub payload: Value,
    pub max_attempts: i64,
}

impl JobSpec {
    /// A job of `kind` about `subject`, tried up to five times.
    pub fn new(kind: &str, subject: Option<&str>, payload: Value) -> JobSpec {
        JobSpec { kind: kind.into(), subject: subject.map(str::to_string), payload, max_attempts: 5 }
    }
}

/// What a running handler gets: its job and a way to report progress.
#[derive(Clone)]
pub struct JobContext {
    pub catalog: Catalog,
    pub id: String,
    pub subject: Option<String>,
    pub payload: Value,
    /// When the job was enqueued, the same for every attempt: what an
    /// earlier attempt did is recorded at or after it, older work before.
    pub created: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    worker: String,
    lease: Duration,
}

impl JobContext {
    /// Records progress (and renews the lease). Returns `false` if this
    /// worker has lost the job (its lease expired and another worker took
    /// it over); the handler should then stop.
    pub async fn progress(&self, done: i64, total: Option<i64>, note: Option<&str>) -> Result<bool> {
        // Writes go through a write transaction: on SQLite that waits for
        // the lock off the async threads.
        let mut tx = self.catalog.store().write().await?;
        let until = lease_until(self.lease);
        let kept =
            jobs::heartbeat(&mut tx, &self.id, &self.worker, &until, Progress { done, total, note }, &timefmt::now())
                .await?;
        tx.commit().await?;
        Ok(kept)
    }
}

fn lease_until(lease: Duration) -> String {
    timefmt::format(time::OffsetDateTime::now_utc() + lease)
}

impl Catalog {
    /// Enqueues a job inside a write transaction (so it exists exactly when
    /// the change that needs it does); returns its id.
    pub(crate) async fn enqueue_job_in(&self, tx: &mut dyn kho_store::Handle, spec: &JobSpec) -> Result<String> {
        let id = kho_store::new_id();
        let now = timefmt::now();
        let payload = spec.payload.to_string();
        jobs::enqueue(
            tx,
            &NewJob {
                id: &id,
                kind: &spec.kind,
                subject: spec.subject.as_deref(),
                payload: &payload,
                max_attempts: spec.max_attempts.max(1),
                run_after: &now,
                now: &now,
            },
        )
        .await?;
        Ok(id)
    }

    /// Wakes this process's idle workers (after a commit that enqueued jobs).
    pub(crate) fn wake_jobs(&self) {
        if let Some(w) = self.inner.job_wake.get() {
            w.notify_waiters();
        }
    }

    /// Enqueues a job on its own; returns its id.
    pub async fn enqueue_job(&self, spec: &JobSpec) -> Result<String> {
        let mut tx = self.store().write().await?;
        let id = self.enqueue_job_in(&mut tx, spec).await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(id)
    }

    /// A job by id.
    pub async fn job_show(&self, id: &str) -> Result<Job> {
        let mut conn = self.store().conn().await?;
        jobs::get(&mut conn, id).await?.map(|r| r.to_job()).ok_or_else(|| Error::not_found("Job"))
    }

    /// The newest job of `kind` about `subject`, if any.
    pub async fn latest_job(&self, kind: &str, subject: &str) -> Result<Option<Job>> {
        let mut conn = self.store().conn().await?;
        Ok(jobs::latest_for(&mut conn, kind, subject).await?.map(|r| r.to_job()))
    }

    /// Enqueues `spec` under schedule `name` if a run is due: the last was
    /// enqueued `interval` ago or more, and its job is over. Returns the new
    /// job's id. The first call for a name only starts its schedule, so the
    /// first run comes one interval after the schedule was first enabled.
    /// Safe to call from several processes at once: one of them enqueues.
    pub async fn enqueue_scheduled_if_due(
        &self,
        name: &str,
        spec: &JobSpec,
        interval: Duration,
    ) -> Result<Option<String>> {
        let step = time::Duration::try_from(interval).unwrap_or(time::Duration::MAX);
        self.enqueue_when_due(name, spec, time::OffsetDateTime::now_utc(), |last| last.checked_add(step)).await
    }

    /// Enqueues `spec` under schedule `name` if at `now` a run is due: its
    /// time, `next(last enqueued)`, has come (an interval later, the next
    /// cron time…), and the job last enqueued is over. Returns the new
    /// job's id. The first call for a name only starts its schedule at
    /// `now`. One `UPDATE` decides ([`jobs::claim_schedule`]), so of several
    /// processes asking at once one enqueues; nearly every call finds
    /// nothing due and takes no write lock.
    pub async fn enqueue_when_due(
        &self,
        name: &str,
        spec: &JobSpec,
        now: time::OffsetDateTime,
        next: impl Fn(time::OffsetDateTime) -> Option<time::OffsetDateTime>,
    ) -> Result<Option<String>> {
        let now_text = timefmt::format(now);
        let mut conn = self.store().conn().await?;
        let state = jobs::schedule(&mut conn, name).await?;
        drop(conn);
        let seen = match state {
            None => {
                let mut tx = self.store().write().await?;
                jobs::start_schedule(&mut tx, name, &now_text).await?;
                tx.commit().await?;
                return Ok(None);
            }
            Some(s) => s,
        };
        let due = timefmt::parse(&seen.last_enqueued).and_then(next);
        if due.is_none_or(|d| d > now) {
            return Ok(None);
        }
        let mut tx = self.store().write().await?;
        let job = self.enqueue_job_in(&mut tx, spec).await?;
        if !jobs::claim_schedule(&mut tx, name, &seen, &now_text, &now_text, &job).await? {
            return Ok(None); // Another process took it, or its last job runs; rolled back.
        }
        tx.commit().await?;
        self.wake_jobs();
        Ok(Some(job))
    }

    /// The job schedule `name` enqueued last, if it has enqueued one.
    pub async fn last_scheduled_job(&self, name: &str) -> Result<Option<Job>> {
        let mut conn = self.store().conn().await?;
        let Some(id) = jobs::schedule(&mut conn, name).await?.and_then(|s| s.job_id) else {
            return Ok(None);
        };
        // Finished jobs are pruned in time; the schedule may outlive its last one.
        Ok(jobs::get(&mut conn, &id).await?.map(|r| r.to_job()))
    }

    /// Jobs, newest first, optionally in one state.
    pub async fn job_list(&self, state: Option<&str>, limit: i64) -> Result<Vec<Job>> {
        let mut conn = self.store().conn().await?;
        Ok(jobs::list(&mut conn, state, limit.clamp(1, 1000)).await?.into_iter().map(|r| r.to_job()).collect())
    }
}

/// Settings of the workers.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs run at once by this process.
    pub workers: usize,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
    /// How often idle workers look for jobs enqueued by other processes.
    pub poll: Duration,
    /// Delay before the first retry; doubled at each attempt, at most an hour.
    pub backoff: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            workers: 2,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            backoff: Duration::from_secs(10),
        }
    }
}

/// The job kinds this process runs and their handlers.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, JobHandler>,
    /// The kinds, for the claim query (kept beside the map, not rebuilt per poll).
    kinds: Vec<String>,
}

impl Registry {
    /// Registers the handler of `kind`.
    pub fn register(&mut self, kind: &str, handler: JobHandler) {
        if self.handlers.insert(kind.to_string(), handler).is_none() {
            self.kinds.push(kind.to_string());
        }
    }
}

/// Running workers; dropping this does not stop them, [`Workers::stop`] does.
pub struct Workers {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop: Arc<tokio::sync::Notify>,
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Workers {
    /// Starts `opts.workers` workers for the kinds in `registry`.
    pub fn start(catalog: &Catalog, registry: Registry, opts: WorkerOptions) -> Workers {
        let wake = catalog.inner.job_wake.get_or_init(|| Arc::new(tokio::sync::Notify::new())).clone();
        let stop = Arc::new(tokio::sync::Notify::new());
        let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let registry = Arc::new(registry);
        let tag = std::process::id();
        let tasks = (0..opts.workers.max(1))
            .map(|n| {
                let (catalog, registry, opts) = (catalog.clone(), registry.clone(), opts.clone());
                let (wake, stop, stopping) = (wake.clone(), stop.clone(), stopping.clone());
                let worker = format!("{tag}-{n}-{}", &kho_store::new_id()[..8]);
                tokio::spawn(async move {
                    while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
                        match run_one(&catalog, &registry, &worker, &opts).await {
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => tracing::warn!(error = %e, worker, "job queue unavailable; retrying"),
                        }
                        tokio::select! {
                            _ = wake.notified() => {}
                            _ = stop.notified() => {}
                            _ = tokio::time::sleep(opts.poll) => {}
                        }
                    }
                })
            })
            .collect();
        Workers { tasks, stop, stopping }
    }

    /// Stops taking jobs and waits for running attempts to end, at most
    /// `grace`; attempts still running then are abandoned (their leases
    /// expire and they run again later).
    pub async fn stop(self, grace: Duration) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        self.stop.notify_waiters();
        let all = futures_util::future::join_all(self.tasks);
        let _ = tokio::time::timeout(grace, all).await;
    }
}

/// Runs a periodic task while it lives (stopped when dropped): enqueuing
/// a named job on its schedule, or any other check (harvest sources' cron
/// schedules). Every process may run the same one: the schedules in the
/// database let one of them enqueue each run.
pub struct Scheduler {
    task: tokio::task::JoinHandle<()>,
}

impl Scheduler {
    /// Asks for a due run of `spec` under schedule `name` several times per
    /// `interval` (at least every minute), so a run starts soon after it is
    /// due whichever process asks.
    pub fn start(catalog: &Catalog, name: &str, spec: JobSpec, interval: Duration) -> Scheduler {
        let tick = (interval / 4).clamp(Duration::from_millis(100), Duration::from_secs(60));
        let (name, spec) = (Arc::new(name.to_string()), Arc::new(spec));
        Scheduler::every(catalog, tick, move |catalog| {
            let (name, spec) = (name.clone(), spec.clone());
            async move {
                match catalog.enqueue_scheduled_if_due(&name, &spec, interval).await {
                    Ok(Some(job)) => tracing::info!(job, schedule = %name, kind = %spec.kind, "scheduled job enqueued"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, schedule = %name, "could not schedule a job; retrying"),
                }
            }
        })
    }

    /// Runs `task` every `tick`.
    pub fn every<F, Fut>(catalog: &Catalog, tick: Duration, task: F) -> Scheduler
    where
        F: Fn(Catalog) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let catalog = catalog.clone();
        let task = tokio::spawn(async move {
            loop {
                task(catalog.clone()).await;
                tokio::time::sleep(tick).await;
            }
        });
        Scheduler { task }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Claims and runs one job; `Ok(false)` when there was none.
async fn run_one(catalog: &Catalog, registry: &Registry, worker: &str, opts: &WorkerOptions) -> Result<bool> {
    let now = timefmt::now();
    let Some(row) = jobs::claim(catalog.store(), worker, &registry.kinds, &now, &lease_until(opts.lease)).await? else {
        return Ok(false);
    };
    // The claim asked for registered kinds only.
    let handler =
        registry.handlers.get(&row.kind).cloned().ok_or_else(|| Error::internal("claimed an unknown job kind"))?;
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    let ctx = JobContext {
        catalog: catalog.clone(),
        id: row.id.clone(),
        subject: row.subject.clone(),
        payload,
        created: row.created.clone(),
        attempt: row.attempts,
        worker: worker.to_string(),
        lease: opts.lease,
    };
    tracing::info!(job = %row.id, kind = %row.kind, attempt = row.attempts, "job started");
    // The attempt runs in its own task, so a panic fails the job instead of
    // killing the worker; the lease is renewed while it runs.
    let mut attempt = tokio::spawn(handler(ctx.clone()));
    let mut renew = tokio::time::interval(opts.lease / 3);
    renew.tick().await;
    let outcome = loop {
        tokio::select! {
            r = &mut attempt => break r,
            _ = renew.tick() => {
                let mut tx = catalog.store().write().await?;
                let kept = jobs::renew(&mut tx, &row.id, worker, &lease_until(opts.lease), &timefmt::now()).await?;
                tx.commit().await?;
                if !kept {
                    attempt.abort();
                    tracing::warn!(job = %row.id, "lost the job's lease; another worker has it");
                    return Ok(true);
                }
            }
        }
    };
    let mut tx = catalog.store().write().await?;
    let now = timefmt::now();
    match outcome {
        Ok(Ok(())) => {
            jobs::complete(&mut tx, &row.id, worker, &now).await?;
            tracing::info!(job = %row.id, kind = %row.kind, "job done");
        }
        Ok(Err(failure)) => {
            let (message, retry) = match failure {
                JobFailure::Retry(m) => (m, true),
                JobFailure::Fatal(m) => (m, false),
            };
            let state = record_failure(&mut tx, &row, worker, &message, retry, opts).await?;
            tracing::warn!(job = %row.id, kind = %row.kind, error = %message, state, "job attempt failed");
        }
        Err(join) => {
            let message =
                if join.is_panic() { "the job panicked (a bug; see the log)" } else { "the job was cancelled" };
            record_failure(&mut tx, &row, worker, message, true, opts).await?;
            tracing::error!(job = %row.id, kind = %row.kind, "{message}");
        }
    }
    tx.commit().await?;
    Ok(true)
}

async fn record_failure(
    conn: &mut kho_store::Tx,
    row: &jobs::JobRow,
    worker: &str,
    message: &str,
    retry: bool,
    opts: &WorkerOptions,
) -> Result<String> {
    let factor = 1u32 << row.attempts.clamp(1, 12).saturating_sub(1) as u32;
    let delay = (opts.backoff * factor).min(Duration::from_secs(3600));
    let retry_at = timefmt::format(time::OffsetDateTime::now_utc() + delay);
    let state = jobs::fail(conn, &row.id, worker, message, retry, &retry_at, &timefmt::now()).await?;
    Ok(state.unwrap_or_else(|| "taken over".into()))
}
