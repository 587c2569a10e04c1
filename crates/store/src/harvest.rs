//! Harvesting (migration 0010): sources of remote catalogs, the remote
//! datasets each brought (with the hash of what was imported), and the
//! report of each run.

use crate::{Handle, Sql, StoreError};
use sqlx::FromRow;

/// A harvest source.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SourceRow {
    pub id: String,
    pub name: String,
    pub title: String,
    /// `kho`, `ckan` or `dcat`.
    pub source_type: String,
    pub url: String,
    /// The organization its datasets go to; `None`: one named like each
    /// dataset's remote agency.
    pub owner_org: Option<String>,
    /// A cron line (UTC); `None` runs on demand only.
    pub schedule: Option<String>,
    /// JSON object of options.
    pub config: String,
    pub state: String,
    pub created: String,
    pub creator_user_id: Option<String>,
}

crate::sqlite_row!(SourceRow {
    id,
    name,
    title,
    source_type,
    url,
    owner_org,
    schedule,
    config,
    state,
    created,
    creator_user_id
});

const SOURCE_COLUMNS: &str =
    "id, name, title, source_type, url, owner_org, schedule, config, state, created, creator_user_id";

/// Adds or replaces a source.
pub async fn upsert_source(h: &mut dyn Handle, s: &SourceRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO harvest_sources (id, name, title, source_type, url, owner_org, schedule, config, state, \
            created, creator_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
            source_type = excluded.source_type, url = excluded.url, owner_org = excluded.owner_org, \
            schedule = excluded.schedule, config = excluded.config, state = excluded.state",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(&s.title)
    .bind(&s.source_type)
    .bind(&s.url)
    .bind(&s.owner_org)
    .bind(&s.schedule)
    .bind(&s.config)
    .bind(&s.state)
    .bind(&s.created)
    .bind(&s.creator_user_id)
    .execute(h)
    .await?;
    Ok(())
}

/// A source by id or name.
pub async fn find_source(h: &mut dyn Handle, id_or_name: &str) -> Result<Option<SourceRow>, StoreError> {
    Sql::new(&format!("SELECT {SOURCE_COLUMNS} FROM harvest_sources WHERE id = $1 OR name = $1"))
        .bind(id_or_name)
        .fetch_optional(h)
        .await
}

/// Active sources, by name.
pub async fn list_sources(h: &mut dyn Handle) -> Result<Vec<SourceRow>, StoreError> {
    Sql::new(&format!("SELECT {SOURCE_COLUMNS} FROM harvest_sources WHERE state = 'active' ORDER BY name"))
        .fetch_all(h)
        .await
}

/// What a source brought before: remote id, local dataset id, content
/// hash, and the local dataset's state (`None` if it was purged).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ObjectRow {
    pub remote_id: String,
    pub package_id: String,
    pub content_hash: String,
    pub package_state: Option<String>,
}

crate::sqlite_row!(ObjectRow { remote_id, package_id, content_hash, package_state });

/// Every remote dataset a source brought, with its local dataset's state.
pub async fn objects(h: &mut dyn Handle, source_id: &str) -> Result<Vec<ObjectRow>, StoreError> {
    Sql::new(
        "SELECT o.remote_id, o.package_id, o.content_hash, p.state AS package_state FROM harvest_objects o \
         LEFT JOIN packages p ON p.id = o.package_id WHERE o.source_id = $1",
    )
    .bind(source_id)
    .fetch_all(h)
    .await
}

/// Records that `remote_id` is `package_id` locally, imported with `hash`,
/// and marks the dataset as harvested by the source.
pub async fn record_object(
    h: &mut dyn Handle,
    source_id: &str,
    remote_id: &str,
    package_id: &str,
    hash: &str,
    now: &str,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO harvest_objects (source_id, remote_id, package_id, content_hash, harvested) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id, remote_id) DO UPDATE SET \
         package_id = excluded.package_id, content_hash = excluded.content_hash, harvested = excluded.harvested",
    )
    .bind(source_id)
    .bind(remote_id)
    .bind(package_id)
    .bind(hash)
    .bind(now)
    .execute(&mut *h)
    .await?;
    Sql::new("UPDATE packages SET harvest_source_id = $1 WHERE id = $2")
        .bind(source_id)
        .bind(package_id)
        .execute(h)
        .await?;
    Ok(())
}

/// Forgets a remote dataset (deleted at the source).
pub async fn forget_object(h: &mut dyn Handle, source_id: &str, remote_id: &str) -> Result<(), StoreError> {
    Sql::new("DELETE FROM harvest_objects WHERE source_id = $1 AND remote_id = $2")
        .bind(source_id)
        .bind(remote_id)
        .execute(h)
        .await?;
    Ok(())
}

/// Lets a source's datasets go: no longer harvested (editable again), and
/// the source's record of them dropped. Returns how many there were.
pub async fn release_objects(h: &mut dyn Handle, source_id: &str) -> Result<u64, StoreError> {
    Sql::new("UPDATE packages SET harvest_source_id = NULL WHERE harvest_source_id = $1")
        .bind(source_id)
        .execute(&mut *h)
        .await?;
    Sql::new("DELETE FROM harvest_objects WHERE source_id = $1").bind(source_id).execute(h).await
}

/// How many datasets a source keeps (active or not).
pub async fn count_objects(h: &mut dyn Handle, source_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM harvest_objects WHERE source_id = $1")
        .bind(source_id)
        .fetch_one(h)
        .await?;
    Ok(n)
}

/// A run's report.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RunRow {
    pub id: String,
    pub source_id: String,
    pub job_id: Option<String>,
    /// `queued`, `running`, `finished` or `failed`.
    pub state: String,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub added: i64,
    pub updated: i64,
    pub deleted: i64,
    pub unchanged: i64,
    pub errored: i64,
    /// Why the run failed as a whole.
    pub error: Option<String>,
    /// JSON list of per-record errors.
    pub errors: String,
}

crate::sqlite_row!(RunRow {
    id,
    source_id,
    job_id,
    state,
    created,
    started,
    finished,
    added,
    updated,
    deleted,
    unchanged,
    errored,
    error,
    errors
});

const RUN_COLUMNS: &str = "id, source_id, job_id, state, created, started, finished, added, updated, deleted, unchanged, errored, error, errors";

/// Queues a run (nothing if it exists: a scheduled run's job may start
/// before the scheduler records it). `job_id` is `None` for a run in the
/// foreground (`kho harvest run`).
pub async fn insert_run(
    h: &mut dyn Handle,
    id: &str,
    source_id: &str,
    job_id: Option<&str>,
    now: &str,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO harvest_runs (id, source_id, job_id, state, created) VALUES ($1, $2, $3, 'queued', $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(source_id)
    .bind(job_id)
    .bind(now)
    .execute(h)
    .await?;
    Ok(())
}

/// Writes a run's state and figures.
pub async fn save_run(h: &mut dyn Handle, r: &RunRow) -> Result<(), StoreError> {
    Sql::new(
        "UPDATE harvest_runs SET state = $2, started = $3, finished = $4, added = $5, updated = $6, deleted = $7, \
         unchanged = $8, errored = $9, error = $10, errors = $11 WHERE id = $1",
    )
    .bind(&r.id)
    .bind(&r.state)
    .bind(&r.started)
    .bind(&r.finished)
    .bind(r.added)
    .bind(r.updated)
    .bind(r.deleted)
    .bind(r.unchanged)
    .bind(r.errored)
    .bind(&r.error)
    .bind(&r.errors)
    .execute(h)
    .await?;
    Ok(())
}

/// A run by id.
pub async fn run(h: &mut dyn Handle, id: &str) -> Result<Option<RunRow>, StoreError> {
    Sql::new(&format!("SELECT {RUN_COLUMNS} FROM harvest_runs WHERE id = $1")).bind(id).fetch_optional(h).await
}

/// A source's runs, newest first.
pub async fn runs(h: &mut dyn Handle, source_id: &str, limit: i64) -> Result<Vec<RunRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {RUN_COLUMNS} FROM harvest_runs WHERE source_id = $1 ORDER BY created DESC, id DESC LIMIT $2"
    ))
    .bind(source_id)
    .bind(limit)
    .fetch_all(h)
    .await
}
