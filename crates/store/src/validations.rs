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

/// The latest validations of a dataset's resources (for its document).
pub async fn for_package(conn: &mut dyn Handle, package_id: &str) -> Result<Vec<ValidationRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM resource_validations WHERE resource_id IN \
         (SELECT id FROM resources WHERE package_id = $1 AND state = 'active')"
    ))
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

/// Marks a resource's validation as queued or running, keeping the last
/// report and inferred schema until the new one replaces them.
pub async fn set_status(conn: &mut dyn Handle, resource_id: &str, status: &str, now: &str) -> Result<(), StoreError> {
    let n =
        Sql::new("UPDATE resource_validations SET status = $1, created = $2, finished = NULL WHERE resource_id = $3")
            .bind(status)
            .bind(now)
            .bind(resource_id)
            .execute(&mut *conn)
            .await?;
    if n == 0 {
        Sql::new("INSERT INTO resource_validations (resource_id, status, created) VALUES ($1, $2, $3)")
            .bind(resource_id)
            .bind(status)
            .bind(now)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Forgets a resource's validation (its file is no longer a table).
pub async fn delete(conn: &mut dyn Handle, resource_id: &str) -> Result<(), StoreError> {
    Sql::new("DELETE FROM resource_validations WHERE resource_id = $1").bind(resource_id).execute(conn).await?;
    Ok(())
}

/// What scores need of a resource's validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validity {
    pub package_id: String,
    pub status: String,
    pub row_count: Option<i64>,
    pub invalid_rows: Option<i64>,
}

/// The validations of the active resources of the given datasets (for
/// scores over many datasets).
pub async fn validity_of(conn: &mut dyn Handle, package_ids: &[String]) -> Result<Vec<Validity>, StoreError> {
    let mut out = Vec::new();
    for chunk in package_ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT r.package_id, v.status, v.row_count, v.invalid_rows FROM resource_validations v \
             JOIN resources r ON r.id = v.resource_id WHERE r.state = 'active' AND r.package_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.param(id.clone());
        }
        q.push(")");
        let rows: Vec<(String, String, Option<i64>, Option<i64>)> = q.fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|(package_id, status, row_count, invalid_rows)| Validity {
            package_id,
            status,
            row_count,
            invalid_rows,
        }));
    }
    Ok(out)
}
