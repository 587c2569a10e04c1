//! The latest validation of each tabular resource against its Table
//! Schema (migration 0007): its state (ckanext-validation's `created`,
//! `running`, `success`, `failure`, `error`), the report, and the schema
//! inferred from the file when the publisher gave none. One row per
//! resource; a new validation replaces the row.

use crate::{Handle, Sql, StoreError};
use sqlx::FromRow;

/// A resource's latest validation.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ValidationRow {
    pub resource_id: String,
    /// `created` (queued), `running`, `success` (no errors), `failure`
    /// (errors found) or `error` (the file could not be validated).
    pub status: String,
    pub created: String,
    pub finished: Option<String>,
    /// What was validated: `upload:<sha256>` or `datastore:<version>`.
    pub source: Option<String>,
    /// JSON Table Schema inferred from the file (when the resource has none).
    pub inferred_schema: Option<String>,
    /// JSON report of kho-validate (errors capped, counts complete).
    pub report: Option<String>,
    /// Why the file could not be validated (status `error`).
    pub error: Option<String>,
    pub row_count: Option<i64>,
    pub invalid_rows: Option<i64>,
    pub error_count: Option<i64>,
}

crate::sqlite_row!(ValidationRow {
    resource_id,
    status,
    created,
    finished,
    source,
    inferred_schema,
    report,
    error,
    row_count,
    invalid_rows,
    error_count
});

const COLUMNS: &str = "resource_id, status, created, finished, source, inferred_schema, report, error, row_count, \
    invalid_rows, error_count";

/// A resource's latest validation.
pub async fn get(conn: &mut dyn Handle, resource_id: &str) -> Result<Option<ValidationRow>, StoreError> {
    Sql::new(&format!("SELECT {COLUMNS} FROM resource_validations WHERE resource_id = $1"))
        .bind(resource_id)
        .fetch_optional(conn)
        .await
}

/// What a dataset's document shows of a resource's validation.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DocValidation {
    pub resource_id: String,
    pub status: String,
    pub created: String,
    pub finished: Option<String>,
    pub inferred_schema: Option<String>,
}

crate::sqlite_row!(DocValidation { resource_id, status, created, finished, inferred_schema });

/// The latest validations of a dataset's active resources, for its
/// document (without the reports, which documents do not carry).
pub async fn for_package(conn: &mut dyn Handle, package_id: &str) -> Result<Vec<DocValidation>, StoreError> {
    Sql::new(
        "SELECT resource_id, status, created, finished, inferred_schema FROM resource_validations \
         WHERE resource_id IN (SELECT id FROM resources WHERE package_id = $1 AND state = 'active')",
    )
    .bind(package_id)
    .fetch_all(conn)
    .await
}

/// Replaces a resource's validation.
pub async fn put(conn: &mut dyn Handle, v: &ValidationRow) -> Result<(), StoreError> {
    Sql::new("DELETE FROM resource_validations WHERE resource_id = $1")
        .bind(&v.resource_id)
        .execute(&mut *conn)
        .await?;
    Sql::new(&format!(
        "INSERT INTO resource_validations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&v.resource_id)
    .bind(&v.status)
    .bind(&v.created)
    .bind(&v.finished)
    .bind(&v.source)
    .bind(&v.inferred_schema)
    .bind(&v.report)
    .bind(&v.error)
    .bind(v.row_count)
    .bind(v.invalid_rows)
    .bind(v.error_count)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a resource's validation as queued (`created`) at `now`, keeping
/// the last report and inferred schema until the new one replaces them.
/// `now` also identifies this request: see [`start`].
pub async fn queue(conn: &mut dyn Handle, resource_id: &str, now: &str) -> Result<(), StoreError> {
    let n = Sql::new(
        "UPDATE resource_validations SET status = 'created', created = $1, finished = NULL WHERE resource_id = $2",
    )
    .bind(now)
    .bind(resource_id)
    .execute(&mut *conn)
    .await?;
    if n == 0 {
        Sql::new("INSERT INTO resource_validations (resource_id, status, created) VALUES ($1, 'created', $2)")
            .bind(resource_id)
            .bind(now)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Marks the validation queued at `queued` as running. `false` when a
/// later request superseded it (its job should then do nothing: the later
/// one validates the newer state).
pub async fn start(conn: &mut dyn Handle, resource_id: &str, queued: &str) -> Result<bool, StoreError> {
    let n = Sql::new("UPDATE resource_validations SET status = 'running' WHERE resource_id = $1 AND created = $2")
        .bind(resource_id)
        .bind(queued)
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Forgets a resource's validation (its file is no longer a table).
pub async fn delete(conn: &mut dyn Handle, resource_id: &str) -> Result<(), StoreError> {
    Sql::new("DELETE FROM resource_validations WHERE resource_id = $1").bind(resource_id).execute(conn).await?;
    Ok(())
}

/// What scores need of a resource's validation.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Validity {
    pub package_id: String,
    pub resource_id: String,
    pub status: String,
    pub row_count: Option<i64>,
    pub invalid_rows: Option<i64>,
    pub error_count: Option<i64>,
}

crate::sqlite_row!(Validity { package_id, resource_id, status, row_count, invalid_rows, error_count });

/// The validations of the active resources of the given datasets (for
/// scores), without reports or schemas.
pub async fn validity_of(conn: &mut dyn Handle, package_ids: &[String]) -> Result<Vec<Validity>, StoreError> {
    let mut out = Vec::new();
    // Bounded IN lists keep statements small on both backends.
    for chunk in package_ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT r.package_id, v.resource_id, v.status, v.row_count, v.invalid_rows, v.error_count \
             FROM resource_validations v JOIN resources r ON r.id = v.resource_id \
             WHERE r.state = 'active' AND r.package_id IN ",
        );
        q.in_list(chunk);
        out.extend(q.fetch_all::<Validity>(&mut *conn).await?);
    }
    Ok(out)
}
