//! The datastore's bookkeeping: which Parquet file holds each version of
//! a resource's table, with its fields and size. The files themselves live
//! in the datastore directory (see `kho-datastore`); a version row is
//! written only after its file is complete, so a row always names a whole
//! file, and the highest version is the current table.

use crate::{Handle, Sql, StoreError};
use sqlx::FromRow;

/// A version of a table.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VersionRow {
    pub resource_id: String,
    pub version: i64,
    /// Path of the Parquet file, relative to the datastore directory.
    pub file: String,
    /// JSON array of `{id, type, info?}`.
    pub fields: String,
    /// JSON array of field names.
    pub primary_key: String,
    /// JSON array of index definitions (kept for `datastore_info`).
    pub indexes: String,
    pub row_count: i64,
    pub bytes: i64,
    /// `upload` (loaded from the resource's file) or `api` (written by
    /// `datastore_create`/`upsert`/`delete`).
    pub source: String,
    /// JSON load report, for loads.
    pub report: Option<String>,
    pub created: String,
    /// JSON: what changed from the previous version (see
    /// `kho_datastore::compare::Changes`); `None` for a first version.
    pub changes: Option<String>,
}

crate::sqlite_row!(VersionRow {
    resource_id,
    version,
    file,
    fields,
    primary_key,
    indexes,
    row_count,
    bytes,
    source,
    report,
    created,
    changes
});

const COLUMNS: &str =
    "resource_id, version, file, fields, primary_key, indexes, row_count, bytes, source, report, created, changes";

/// The current (highest) version of a resource's table.
pub async fn current(conn: &mut dyn Handle, resource_id: &str) -> Result<Option<VersionRow>, StoreError> {
    Sql::new(&format!("SELECT {COLUMNS} FROM datastore_versions WHERE resource_id = $1 ORDER BY version DESC LIMIT 1"))
        .bind(resource_id)
        .fetch_optional(conn)
        .await
}

/// One version of a resource's table.
pub async fn version(conn: &mut dyn Handle, resource_id: &str, version: i64) -> Result<Option<VersionRow>, StoreError> {
    Sql::new(&format!("SELECT {COLUMNS} FROM datastore_versions WHERE resource_id = $1 AND version = $2"))
        .bind(resource_id)
        .bind(version)
        .fetch_optional(conn)
        .await
}

/// Every version of a resource's table, newest first.
pub async fn versions(conn: &mut dyn Handle, resource_id: &str) -> Result<Vec<VersionRow>, StoreError> {
    Sql::new(&format!("SELECT {COLUMNS} FROM datastore_versions WHERE resource_id = $1 ORDER BY version DESC"))
        .bind(resource_id)
        .fetch_all(conn)
        .await
}

/// Records a new version and marks the resource's table active. The
/// version number must be the current one plus one; a concurrent writer
/// that took it first makes this fail on the primary key.
pub async fn insert(conn: &mut dyn Handle, v: &VersionRow) -> Result<(), StoreError> {
    Sql::new(&format!(
        "INSERT INTO datastore_versions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&v.resource_id)
    .bind(v.version)
    .bind(&v.file)
    .bind(&v.fields)
    .bind(&v.primary_key)
    .bind(&v.indexes)
    .bind(v.row_count)
    .bind(v.bytes)
    .bind(&v.source)
    .bind(&v.report)
    .bind(&v.created)
    .bind(&v.changes)
    .execute(&mut *conn)
    .await?;
    set_active(conn, &v.resource_id, true).await
}

/// Drops every version of a resource's table; returns their files, for
/// the caller to remove once the transaction has committed.
pub async fn delete_all(conn: &mut dyn Handle, resource_id: &str) -> Result<Vec<String>, StoreError> {
    let files: Vec<(String,)> = Sql::new("SELECT file FROM datastore_versions WHERE resource_id = $1")
        .bind(resource_id)
        .fetch_all(&mut *conn)
        .await?;
    Sql::new("DELETE FROM datastore_versions WHERE resource_id = $1").bind(resource_id).execute(&mut *conn).await?;
    set_active(conn, resource_id, false).await?;
    Ok(files.into_iter().map(|(f,)| f).collect())
}

/// Every file any version names (to tell orphans from live files).
pub async fn all_files(conn: &mut dyn Handle) -> Result<Vec<String>, StoreError> {
    let files: Vec<(String,)> = Sql::new("SELECT file FROM datastore_versions").fetch_all(conn).await?;
    Ok(files.into_iter().map(|(f,)| f).collect())
}

async fn set_active(conn: &mut dyn Handle, resource_id: &str, active: bool) -> Result<(), StoreError> {
    Sql::new("UPDATE resources SET datastore_active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(resource_id)
        .execute(conn)
        .await?;
    Ok(())
}
