//! Site-level key/value settings kept in the database (`kho_meta`).

use crate::{Handle, Sql, StoreError};

/// Reads a setting.
pub async fn get(h: &mut dyn Handle, key: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        Sql::new("SELECT value FROM kho_meta WHERE key = $1").bind(key).fetch_optional(h).await?;
    Ok(row.map(|r| r.0))
}

/// Writes a setting.
pub async fn set(h: &mut dyn Handle, key: &str, value: &str) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO kho_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(h)
    .await?;
    Ok(())
}
