//! Kho's catalog storage: all SQL lives here.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (for
//! scale-out), chosen by the URL at start-up: each query is written once and
//! runs on sqlx's native driver for the backend (see [`db`]). The schema
//! keeps to types both decode the same way: text ids and times, `BIGINT`
//! numbers and booleans, JSON as text (see the migrations).
//!
//! - [`Store`] owns the pool and opens transactions ([`Store::write`]).
//! - [`db`] runs one SQL text on either native driver ([`Sql`], [`Handle`]).
//! - [`users`], [`groups`], [`packages`], [`activities`], [`meta`] hold the
//!   queries for each table family. They take a `&mut dyn Handle`, so the
//!   same function runs inside a transaction or on a pooled connection.
//!
//! Architecture invariants:
//! - Nothing outside this crate writes SQL or sees sqlx types.
//! - Every write that changes what `package_show` returns rebuilds the
//!   package's stored document ([`packages::refresh_doc`]) in the same
//!   transaction, so a read is one indexed row and never stale.
//! - Migrations exist in two flavours with identical versions and tables.

pub mod activities;
pub mod datamap;
pub mod datastore;
pub mod db;
pub mod error;
pub mod groups;
pub mod harvest;
pub mod jobs;
pub mod link_checks;
pub mod meta;
mod migrate;
pub mod packages;
pub mod scratch;
pub mod search_feed;
pub mod sessions;
pub mod strategy;
pub mod users;
pub mod validations;

pub use db::{Conn, Handle, Sql, Tx};
pub use error::StoreError;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
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

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(Arc<db::SqlitePool>),
    Postgres(PgPool),
}

/// The file path in a `sqlite://PATH[?options]` or `sqlite:PATH` URL.
pub fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Config(format!(
            "\"{url}\" names no database file; use sqlite://PATH (an in-memory database would vanish with each connection)"
        )));
    }
    Ok(PathBuf::from(path))
}

/// The catalog database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). A SQLite file
    /// is created if missing and put in WAL mode.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        let connect_err = |e| StoreError::Connect { url: redact_url(url), source: e };
        let (opts_busy, max_idle) = (opts.busy_timeout, opts.max_connections as usize);
        let pool = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let path = sqlite_path(url)?;
                let pool = tokio::task::spawn_blocking(move || db::SqlitePool::open(path, opts_busy, max_idle))
                    .await
                    .map_err(|e| StoreError::Config(format!("opening SQLite failed: {e}")))??;
                Pool::Sqlite(pool)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(connect_err)?;
                let pool = PgPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(connect_err)?;
                Pool::Postgres(pool)
            }
        };
        Ok(Store { pool })
    }

    /// Applies pending migrations and returns the versions applied. Safe to
    /// run at every start and from several processes at once.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        migrate::run(self).await
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A pooled connection for a sequence of reads.
    pub async fn conn(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::Sqlite(db::sqlite_conn(p)?),
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Begins a write transaction. On SQLite this takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and
    /// writes later fails with SQLITE_BUSY when another writer got in between.
    pub async fn write(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(db::sqlite_begin(p).await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: (i64,) = Sql::new("SELECT CAST(1 AS BIGINT)").fetch_one(&mut self.conn().await?).await?;
        Ok(())
    }

    /// Checks the database's own consistency: SQLite's integrity and
    /// foreign-key checks, and on both backends that every resource has its
    /// dataset and every dataset its stored document.
    pub async fn check_integrity(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let conn = &mut self.conn().await?;
        if self.backend() == Backend::Sqlite {
            let rows: Vec<(String,)> = Sql::new("PRAGMA integrity_check").fetch_all(conn).await?;
            problems.extend(rows.into_iter().map(|r| r.0).filter(|r| r != "ok"));
            let fk: Vec<(String,)> = Sql::new("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(conn).await?;
            problems.extend(fk.into_iter().map(|r| format!("foreign key violation in {}", r.0)));
        }
        let orphans: Vec<(String,)> =
            Sql::new("SELECT r.id FROM resources r LEFT JOIN packages p ON p.id = r.package_id WHERE p.id IS NULL")
                .fetch_all(conn)
                .await?;
        problems.extend(orphans.into_iter().map(|r| format!("resource {} has no package", r.0)));
        let undocumented: Vec<(String,)> = Sql::new("SELECT id FROM packages WHERE doc = '{}'").fetch_all(conn).await?;
        problems.extend(undocumented.into_iter().map(|r| format!("package {} has no document", r.0)));
        Ok(problems)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close(),
            Pool::Postgres(p) => p.close().await,
        }
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
