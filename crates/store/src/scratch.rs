//! Throw-away PostgreSQL schemas, so tests and benchmarks run side by side
//! on one server without touching each other or real data. A schema's name
//! carries its creation time, so stale ones (from a killed run) can be
//! dropped safely later.

use crate::StoreError;
use sqlx::Executor;
use sqlx::postgres::PgPoolOptions;
use std::time::{SystemTime, UNIX_EPOCH};

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Creates a fresh schema `<prefix>_<unix time>_<random>` on the server at
/// `base_url` and returns `(schema, url)`, where `url` connects with that
/// schema first on the search path.
pub async fn create(base_url: &str, prefix: &str) -> Result<(String, String), StoreError> {
    let schema =
        format!("{prefix}_{}_{}", unix_now(), uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap_or("0"));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(base_url)
        .await
        .map_err(|e| StoreError::Connect { url: crate::redact_url(base_url), source: e })?;
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\""))).await?;
    drop_stale(&pool, prefix).await;
    pool.close().await;
    let sep = if base_url.contains('?') { '&' } else { '?' };
    Ok((schema.clone(), format!("{base_url}{sep}options=-c%20search_path%3D{schema}")))
}

/// Drops a schema made by [`create`].
pub async fn drop(base_url: &str, schema: &str) -> Result<(), StoreError> {
    let pool = PgPoolOptions::new().max_connections(1).connect(base_url).await?;
    pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))).await?;
    pool.close().await;
    Ok(())
}

/// Drops schemas with this prefix created more than six hours ago.
async fn drop_stale(pool: &sqlx::PgPool, prefix: &str) {
    let like = format!("{prefix}\\_%");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1")
        .bind(like)
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    let cutoff = unix_now().saturating_sub(6 * 3600);
    for (name,) in rows {
        let created = name
            .strip_prefix(prefix)
            .and_then(|r| r.trim_start_matches('_').split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))).await;
        }
    }
}
