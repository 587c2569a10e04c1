//! Strategy monitoring (migration 0012): ranking methods, indicator values
//! per year, rankings and annual reports.

use crate::{Handle, Sql, StoreError};
use sqlx::FromRow;

/// A version of the ranking method.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MethodRow {
    pub version: i64,
    /// The method (JSON).
    pub method: String,
    pub notes: String,
    pub created: String,
    pub creator_user_id: Option<String>,
}

crate::sqlite_row!(MethodRow { version, method, notes, created, creator_user_id });

/// Records a new method version (`version` must be unused).
pub async fn insert_method(h: &mut dyn Handle, m: &MethodRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO strategy_methods (version, method, notes, created, creator_user_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(m.version)
    .bind(&m.method)
    .bind(&m.notes)
    .bind(&m.created)
    .bind(&m.creator_user_id)
    .execute(h)
    .await?;
    Ok(())
}

/// Every method version, newest first.
pub async fn methods(h: &mut dyn Handle) -> Result<Vec<MethodRow>, StoreError> {
    Sql::new("SELECT version, method, notes, created, creator_user_id FROM strategy_methods ORDER BY version DESC")
        .fetch_all(h)
        .await
}

/// One indicator figure of a year.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ValueRow {
    pub year: i64,
    /// `national` or an organization id.
    pub scope: String,
    pub indicator: String,
    pub numerator: i64,
    pub denominator: i64,
    pub computed: String,
}

crate::sqlite_row!(ValueRow { year, scope, indicator, numerator, denominator, computed });

/// Replaces a year's figures.
pub async fn replace_values(h: &mut dyn Handle, year: i64, rows: &[ValueRow]) -> Result<(), StoreError> {
    Sql::new("DELETE FROM strategy_values WHERE year = $1").bind(year).execute(&mut *h).await?;
    for r in rows {
        Sql::new(
            "INSERT INTO strategy_values (year, scope, indicator, numerator, denominator, computed) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(r.year)
        .bind(&r.scope)
        .bind(&r.indicator)
        .bind(r.numerator)
        .bind(r.denominator)
        .bind(&r.computed)
        .execute(&mut *h)
        .await?;
    }
    Ok(())
}

/// A year's figures.
pub async fn values(h: &mut dyn Handle, year: i64) -> Result<Vec<ValueRow>, StoreError> {
    Sql::new(
        "SELECT year, scope, indicator, numerator, denominator, computed FROM strategy_values WHERE year = $1 \
         ORDER BY scope, indicator",
    )
    .bind(year)
    .fetch_all(h)
    .await
}

/// A year's ranking of one level.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RankingRow {
    pub year: i64,
    pub level: String,
    pub method_version: i64,
    pub rows_json: String,
    pub computed: String,
}

crate::sqlite_row!(RankingRow { year, level, method_version, rows_json, computed });

/// Stores (or replaces) a ranking.
pub async fn upsert_ranking(h: &mut dyn Handle, r: &RankingRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO strategy_rankings (year, level, method_version, rows_json, computed) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (year, level) DO UPDATE SET method_version = excluded.method_version, \
         rows_json = excluded.rows_json, computed = excluded.computed",
    )
    .bind(r.year)
    .bind(&r.level)
    .bind(r.method_version)
    .bind(&r.rows_json)
    .bind(&r.computed)
    .execute(h)
    .await?;
    Ok(())
}

/// The rankings of a level, newest year first.
pub async fn rankings(h: &mut dyn Handle, level: &str) -> Result<Vec<RankingRow>, StoreError> {
    Sql::new(
        "SELECT year, level, method_version, rows_json, computed FROM strategy_rankings WHERE level = $1 \
         ORDER BY year DESC",
    )
    .bind(level)
    .fetch_all(h)
    .await
}

/// An agency's annual report.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ReportRow {
    pub id: String,
    pub org_id: String,
    pub year: i64,
    /// `draft`, `submitted`, `approved` or `rejected`.
    pub state: String,
    /// Sections (JSON).
    pub content: String,
    pub created: String,
    pub modified: String,
    pub submitted: Option<String>,
    pub submitter_user_id: Option<String>,
    pub reviewed: Option<String>,
    pub reviewer_user_id: Option<String>,
    pub review_note: Option<String>,
}

crate::sqlite_row!(ReportRow {
    id,
    org_id,
    year,
    state,
    content,
    created,
    modified,
    submitted,
    submitter_user_id,
    reviewed,
    reviewer_user_id,
    review_note
});

const REPORT_COLUMNS: &str = "id, org_id, year, state, content, created, modified, submitted, submitter_user_id, \
    reviewed, reviewer_user_id, review_note";

/// Adds or replaces a report.
pub async fn upsert_report(h: &mut dyn Handle, r: &ReportRow) -> Result<(), StoreError> {
    Sql::new(&format!(
        "INSERT INTO strategy_reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, content = excluded.content, \
         modified = excluded.modified, submitted = excluded.submitted, submitter_user_id = excluded.submitter_user_id, \
         reviewed = excluded.reviewed, reviewer_user_id = excluded.reviewer_user_id, review_note = excluded.review_note"
    ))
    .bind(&r.id)
    .bind(&r.org_id)
    .bind(r.year)
    .bind(&r.state)
    .bind(&r.content)
    .bind(&r.created)
    .bind(&r.modified)
    .bind(&r.submitted)
    .bind(&r.submitter_user_id)
    .bind(&r.reviewed)
    .bind(&r.reviewer_user_id)
    .bind(&r.review_note)
    .execute(h)
    .await?;
    Ok(())
}

/// A report by id, or by agency and year.
pub async fn report(
    h: &mut dyn Handle,
    id: Option<&str>,
    org_year: Option<(&str, i64)>,
) -> Result<Option<ReportRow>, StoreError> {
    match (id, org_year) {
        (Some(id), _) => {
            Sql::new(&format!("SELECT {REPORT_COLUMNS} FROM strategy_reports WHERE id = $1"))
                .bind(id)
                .fetch_optional(h)
                .await
        }
        (None, Some((org, year))) => {
            Sql::new(&format!("SELECT {REPORT_COLUMNS} FROM strategy_reports WHERE org_id = $1 AND year = $2"))
                .bind(org)
                .bind(year)
                .fetch_optional(h)
                .await
        }
        (None, None) => Ok(None),
    }
}

/// A year's reports.
pub async fn reports(h: &mut dyn Handle, year: i64) -> Result<Vec<ReportRow>, StoreError> {
    Sql::new(&format!("SELECT {REPORT_COLUMNS} FROM strategy_reports WHERE year = $1 ORDER BY org_id"))
        .bind(year)
        .fetch_all(h)
        .await
}
