//! Site-level key/value settings kept in the database (`kho_meta`).

use crate::StoreError;
use sqlx::AnyConnection;

/// Reads a setting.
pub async fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT value FROM kho_meta WHERE key = $1").bind(key).fetch_optional(conn).await?;
    Ok(row.map(|r| r.0))
}

/// Writes a setting.
pub async fn set(conn: &mut AnyConnection, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO kho_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}
