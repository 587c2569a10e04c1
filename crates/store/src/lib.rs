//! Kho's catalog storage: all SQL lives here.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (for
//! scale-out) through sqlx's `Any` driver, chosen by the URL at start-up.
//! The schema keeps to what crosses that driver unchanged: text ids and
//! times, `BIGINT` numbers and booleans, JSON as text (see the migrations).
//!
//! - [`Store`] owns the pool and opens transactions ([`Store::write`]).
//! - [`users`], [`groups`], [`packages`], [`activities`], [`meta`] hold the
//!   queries for each table family. They take a `&mut AnyConnection`, so the
//!   same function runs inside a transaction or on a pooled connection.
//!
//! Architecture invariants:
//! - Nothing outside this crate writes SQL or sees sqlx types.
//! - Every write that changes what `package_show` returns rebuilds the
//!   package's stored document ([`packages::refresh_doc`]) in the same
//!   transaction, so a read is one indexed row and never stale.
//! - Migrations exist in two flavours with identical versions and tables.

pub mod activities;
pub mod error;
pub mod groups;
pub mod meta;
pub mod packages;
pub mod scratch;
mod sql;
pub mod users;

pub use error::StoreError;
pub use sqlx::AnyConnection;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::sync::Once;
use std::time::Duration;

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Detects the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL \"{}\": use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )))
        }
    }
}

/// A write transaction.
pub type Tx = Transaction<'static, Any>;

/// Options for [`Store::connect`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most pooled connections.
    pub max_connections: u32,
    /// How long a connection may wait for SQLite's write lock.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 8, busy_timeout: Duration::from_secs(10) }
    }
}

/// The catalog database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static DRIVERS: Once = Once::new();

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). A SQLite file
    /// is created if missing and put in WAL mode.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        DRIVERS.call_once(install_default_drivers);
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let busy_ms = opts.busy_timeout.as_millis();
        let pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the single writer (a CLI
                        // command beside `kho serve`). synchronous=FULL syncs
                        // the WAL at each commit: an acknowledged write
                        // survives a power cut, not only a killed process.
                        let pragmas = format!(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                             PRAGMA foreign_keys=ON; PRAGMA busy_timeout={busy_ms};"
                        );
                        conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect { url: redact_url(&url), source: e })?;
        Ok(Store { pool, backend })
    }

    /// Applies pending migrations. Safe to run at every start and from
    /// several processes (the migrator takes a lock).
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let before = self.applied_migrations().await.unwrap_or_default();
        migrator.run(&self.pool).await?;
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for read queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for a sequence of reads.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction. On SQLite this takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and
    /// writes later fails with SQLITE_BUSY when another writer got in between.
    pub async fn write(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Checks the database's own consistency: SQLite's integrity and
    /// foreign-key checks; on PostgreSQL, that no row references a missing one.
    pub async fn check_integrity(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        if self.backend == Backend::Sqlite {
            let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&self.pool).await?;
            problems.extend(rows.into_iter().map(|r| r.0).filter(|r| r != "ok"));
            let fk: Vec<(String,)> =
                sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&self.pool).await?;
            problems.extend(fk.into_iter().map(|r| format!("foreign key violation in {}", r.0)));
        }
        let orphans: Vec<(String,)> = sqlx::query_as(
            "SELECT r.id FROM resources r LEFT JOIN packages p ON p.id = r.package_id WHERE p.id IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        problems.extend(orphans.into_iter().map(|r| format!("resource {} has no package", r.0)));
        let undocumented: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM packages WHERE doc = '{}'").fetch_all(&self.pool).await?;
        problems.extend(undocumented.into_iter().map(|r| format!("package {} has no document", r.0)));
        Ok(problems)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A database URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// A new random UUID as text.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Converts a stored 0/1 to a boolean.
pub(crate) fn flag(v: i64) -> bool {
    v != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn migration_flavours_match() {
        let list = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(list("sqlite"), list("postgres"), "both flavours need the same migration files");
    }
}
