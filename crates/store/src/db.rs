//! One SQL code path over two drivers.
//!
//! Every query in this crate is written once, as text with `$N`
//! placeholders plus its arguments ([`Sql`]), and runs on whichever
//! connection a [`Handle`] gives: a pooled connection ([`Conn`]) or a
//! transaction ([`Tx`]), on SQLite or PostgreSQL.
//!
//! - **SQLite** runs through rusqlite, *inline* on the calling task. An
//!   indexed read costs a few microseconds, less than handing it to another
//!   thread; and on a busy two-core machine a thread hand-off can stall for
//!   hundreds of milliseconds (measured here: p50 3 µs, max 290 ms for a
//!   plain channel ping-pong). Only `BEGIN IMMEDIATE`, which may wait for
//!   another process's write lock, runs on the blocking pool.
//! - **PostgreSQL** runs through sqlx's native async driver.
//!
//! (sqlx's `Any` driver was measured first: 140 µs per `SELECT 1` on SQLite.)
//!
//! Row types implement [`Row`]: `sqlx::FromRow` (derived) for PostgreSQL and
//! [`Row::from_sqlite`] (the [`sqlite_row!`](crate::sqlite_row) macro) for
//! SQLite. The schema sticks to `TEXT` and `BIGINT`, which both decode the
//! same way.

use crate::StoreError;
use rusqlite::types::Value as SqliteValue;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Transaction};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A small pool of SQLite connections to one database file.
#[derive(Debug)]
pub(crate) struct SqlitePool {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    busy_timeout: Duration,
    max_idle: usize,
}

impl SqlitePool {
    /// Opens the database (creating it) and checks it is usable.
    pub(crate) fn open(path: PathBuf, busy_timeout: Duration, max_idle: usize) -> Result<Arc<Self>, StoreError> {
        let pool = Arc::new(SqlitePool { path, idle: Mutex::new(Vec::new()), busy_timeout, max_idle });
        let first = pool.connect()?;
        pool.put(first);
        Ok(pool)
    }

    fn connect(&self) -> Result<rusqlite::Connection, StoreError> {
        let conn = rusqlite::Connection::open(&self.path)?;
        conn.busy_timeout(self.busy_timeout)?;
        // WAL lets readers run beside the single writer (a CLI command beside
        // `kho serve`). synchronous=NORMAL in WAL mode never loses a committed
        // transaction when a process dies (kill -9); after a power cut the
        // last commits may be lost but the database stays consistent.
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        conn.set_prepared_statement_cache_capacity(256);
        // SQLite's own lower() folds ASCII only; PostgreSQL's folds all of
        // Unicode. Replacing it keeps LOWER(...) LIKE ... the same on both
        // backends for Vietnamese ("Đường" → "đường").
        conn.create_scalar_function(
            "lower",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8 | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                Ok(match ctx.get_raw(0) {
                    rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).to_lowercase()),
                    rusqlite::types::ValueRef::Null => None,
                    other => Some(match other {
                        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                        rusqlite::types::ValueRef::Real(r) => r.to_string(),
                        _ => String::new(),
                    }),
                })
            },
        )?;
        Ok(conn)
    }

    fn take(self: &Arc<Self>) -> Result<SqliteConn, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.connect()?,
        };
        Ok(SqliteConn { conn: Some(conn), pool: self.clone(), in_tx: false })
    }

    fn put(&self, conn: rusqlite::Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push(conn);
        }
    }

    /// Closes idle connections (a WAL checkpoint happens when the last closes).
    pub(crate) fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// A SQLite connection borrowed from the pool; returned on drop (after a
/// rollback if a transaction is still open).
pub struct SqliteConn {
    conn: Option<rusqlite::Connection>,
    pool: Arc<SqlitePool>,
    in_tx: bool,
}

impl SqliteConn {
    fn get(&mut self) -> Result<&mut rusqlite::Connection, StoreError> {
        self.conn.as_mut().ok_or_else(|| StoreError::Corrupt("connection already returned".into()))
    }
}

impl Drop for SqliteConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.in_tx && conn.execute_batch("ROLLBACK").is_err() {
                return; // A connection in an unknown state is not reused.
            }
            self.pool.put(conn);
        }
    }
}

/// Opens a pooled SQLite connection.
pub(crate) fn sqlite_conn(pool: &Arc<SqlitePool>) -> Result<SqliteConn, StoreError> {
    pool.take()
}

/// Begins an immediate (write-locking) transaction on the blocking pool:
/// waiting for another process's write lock must not stall the async threads.
pub(crate) async fn sqlite_begin(pool: &Arc<SqlitePool>) -> Result<SqliteConn, StoreError> {
    let mut c = pool.take()?;
    let conn = c.conn.take().ok_or_else(|| StoreError::Corrupt("no connection".into()))?;
    let (conn, result) = tokio::task::spawn_blocking(move || {
        let r = conn.execute_batch("BEGIN IMMEDIATE");
        (conn, r)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("transaction start panicked: {e}")))?;
    c.conn = Some(conn);
    result?;
    c.in_tx = true;
    Ok(c)
}

/// A pooled connection, for reads.
pub enum Conn {
    Sqlite(SqliteConn),
    Postgres(PoolConnection<Postgres>),
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(SqliteConn),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(mut c) => {
                c.get()?.execute_batch("COMMIT")?;
                c.in_tx = false;
            }
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A borrowed connection of either kind.
pub enum Db<'a> {
    Sqlite(&'a mut SqliteConn),
    Postgres(&'a mut PgConnection),
}

/// Something queries run on: a [`Conn`] or a [`Tx`]. Store functions take
/// `&mut dyn Handle`, so callers pass either.
pub trait Handle: Send {
    /// The connection underneath.
    fn db(&mut self) -> Db<'_>;
}

impl Handle for Conn {
    fn db(&mut self) -> Db<'_> {
        match self {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(c) => Db::Postgres(c),
        }
    }
}

impl Handle for Tx {
    fn db(&mut self) -> Db<'_> {
        match self {
            Tx::Sqlite(c) => Db::Sqlite(c),
            Tx::Postgres(t) => Db::Postgres(t),
        }
    }
}

/// A bound argument.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl Arg {
    fn sqlite(&self) -> SqliteValue {
        match self {
            Arg::Text(Some(s)) => SqliteValue::Text(s.clone()),
            Arg::Int(Some(i)) => SqliteValue::Integer(*i),
            Arg::Text(None) | Arg::Int(None) => SqliteValue::Null,
        }
    }
}

/// A row type both backends can decode.
pub trait Row: Sized + Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow> {
    /// Decodes a SQLite row (columns by name for structs, by position for tuples).
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// Implements [`Row::from_sqlite`] for a struct that derives
/// `sqlx::FromRow`, by column name: `sqlite_row!(UserRow { id, name, … });`.
/// Leaving a field out is a compile error.
#[macro_export]
macro_rules! sqlite_row {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::db::Row for $ty {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok($ty { $($field: row.get(stringify!($field))?),+ })
            }
        }
    };
}

macro_rules! tuple_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t),+> Row for ($($t,)+)
        where
            $($t: rusqlite::types::FromSql + Send + Unpin + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>),+
        {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);
tuple_row!(A 0, B 1, C 2, D 3);
tuple_row!(A 0, B 1, C 2, D 3, E 4);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5);

/// SQL text with its arguments. Either write the `$N` placeholders in the
/// text and add arguments with [`Sql::bind`], or build the text piece by
/// piece with [`Sql::push`] and [`Sql::param`], which numbers them.
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

macro_rules! pg_bound {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q
    }};
}

impl Sql {
    /// Starts a statement.
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    /// Adds an argument for the next `$N` already written in the text.
    pub fn bind(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Appends text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a numbered placeholder with its argument.
    pub fn param(&mut self, v: impl Into<Arg>) -> &mut Self {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Writes `(v1, v2, …)`, or `(NULL)` for an empty list (matches nothing).
    pub fn in_list(&mut self, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(v);
        }
        self.push(")")
    }

    /// Prepares the statement on SQLite and binds `$N` by name, so a
    /// placeholder may appear several times and in any order.
    fn sqlite_statement<'c>(
        &self,
        conn: &'c mut rusqlite::Connection,
    ) -> Result<rusqlite::CachedStatement<'c>, StoreError> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        for i in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(i).unwrap_or("");
            let n: usize = name.trim_start_matches('$').parse().unwrap_or(i);
            let arg = self
                .args
                .get(n.wrapping_sub(1))
                .ok_or_else(|| StoreError::Corrupt(format!("no argument for {name} in: {}", self.text)))?;
            stmt.raw_bind_parameter(i, arg.sqlite())?;
        }
        Ok(stmt)
    }

    fn sqlite_rows<T: Row>(&self, c: &mut SqliteConn, limit: Option<usize>) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.sqlite_statement(c.get()?)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(T::from_sqlite(row)?);
            if limit.is_some_and(|l| out.len() >= l) {
                break;
            }
        }
        Ok(out)
    }

    /// All rows.
    pub async fn fetch_all<T: Row>(self, h: &mut dyn Handle) -> Result<Vec<T>, StoreError> {
        match h.db() {
            Db::Sqlite(c) => self.sqlite_rows(c, None),
            Db::Postgres(c) => {
                let text = sqlx::AssertSqlSafe(self.text);
                Ok(pg_bound!(sqlx::query_as::<Postgres, T>(text), self.args).fetch_all(c).await?)
            }
        }
    }

    /// At most one row.
    pub async fn fetch_optional<T: Row>(self, h: &mut dyn Handle) -> Result<Option<T>, StoreError> {
        match h.db() {
            Db::Sqlite(c) => Ok(self.sqlite_rows(c, Some(1))?.into_iter().next()),
            Db::Postgres(c) => {
                let text = sqlx::AssertSqlSafe(self.text);
                Ok(pg_bound!(sqlx::query_as::<Postgres, T>(text), self.args).fetch_optional(c).await?)
            }
        }
    }

    /// Exactly one row.
    pub async fn fetch_one<T: Row>(self, h: &mut dyn Handle) -> Result<T, StoreError> {
        let text = self.text.clone();
        self.fetch_optional(h).await?.ok_or_else(|| StoreError::Corrupt(format!("no row returned by: {text}")))
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(self, h: &mut dyn Handle) -> Result<u64, StoreError> {
        match h.db() {
            Db::Sqlite(c) => {
                let mut stmt = self.sqlite_statement(c.get()?)?;
                Ok(stmt.raw_execute()? as u64)
            }
            Db::Postgres(c) => {
                let text = sqlx::AssertSqlSafe(self.text);
                Ok(pg_bound!(sqlx::query::<Postgres>(text), self.args).execute(c).await?.rows_affected())
            }
        }
    }

    /// Runs a script of several statements without arguments (migrations).
    pub async fn execute_script(script: &str, h: &mut dyn Handle) -> Result<(), StoreError> {
        match h.db() {
            Db::Sqlite(c) => c.get()?.execute_batch(script)?,
            Db::Postgres(c) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_string())).execute(c).await?;
            }
        }
        Ok(())
    }
}
