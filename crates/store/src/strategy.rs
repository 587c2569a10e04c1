//! Strategy monitoring (migration 0012): ranking methods, indicator values
//! per year, rankings and annual reports; and (migration 0013) what
//! agencies report under review: tasks' progress and entered indicator
//! values, with their history.

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

/// A reported record under review: a task's progress (`kind` `progress`)
/// or an entered indicator value (`indicator`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RecordRow {
    pub id: String,
    /// `progress` or `indicator`.
    pub kind: String,
    /// The task id or the target id.
    pub subject: String,
    /// An organization id, or `national`.
    pub scope: String,
    pub year: i64,
    /// The working copy's state: `draft`, `submitted`, `approved`, `rejected`.
    pub state: String,
    /// The working copy (JSON).
    pub content: String,
    /// What was last approved (JSON), public.
    pub approved_content: Option<String>,
    /// When it was approved.
    pub approved: Option<String>,
    /// Counts writes; an update names the version it read.
    pub version: i64,
    pub created: String,
    pub modified: String,
    pub submitted: Option<String>,
    pub submitter_user_id: Option<String>,
    pub reviewed: Option<String>,
    pub reviewer_user_id: Option<String>,
    pub review_note: Option<String>,
}

crate::sqlite_row!(RecordRow {
    id,
    kind,
    subject,
    scope,
    year,
    state,
    content,
    approved_content,
    approved,
    version,
    created,
    modified,
    submitted,
    submitter_user_id,
    reviewed,
    reviewer_user_id,
    review_note
});

const RECORD_COLUMNS: &str = "id, kind, subject, scope, year, state, content, approved_content, approved, version, \
    created, modified, submitted, submitter_user_id, reviewed, reviewer_user_id, review_note";

/// Adds a new record (the key `kind, subject, scope, year` must be unused:
/// a second writer racing for it gets [`StoreError::Unique`]).
pub async fn insert_record(h: &mut dyn Handle, r: &RecordRow) -> Result<(), StoreError> {
    Sql::new(&format!(
        "INSERT INTO strategy_records ({RECORD_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(&r.id)
    .bind(&r.kind)
    .bind(&r.subject)
    .bind(&r.scope)
    .bind(r.year)
    .bind(&r.state)
    .bind(&r.content)
    .bind(&r.approved_content)
    .bind(&r.approved)
    .bind(r.version)
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

/// Writes a record's changing columns if it is still at `read_version`
/// (and sets `r.version`); false when someone changed it meanwhile.
pub async fn update_record(h: &mut dyn Handle, r: &RecordRow, read_version: i64) -> Result<bool, StoreError> {
    let n = Sql::new(
        "UPDATE strategy_records SET state = $1, content = $2, approved_content = $3, approved = $4, \
         version = $5, modified = $6, submitted = $7, submitter_user_id = $8, reviewed = $9, \
         reviewer_user_id = $10, review_note = $11 WHERE id = $12 AND version = $13",
    )
    .bind(&r.state)
    .bind(&r.content)
    .bind(&r.approved_content)
    .bind(&r.approved)
    .bind(r.version)
    .bind(&r.modified)
    .bind(&r.submitted)
    .bind(&r.submitter_user_id)
    .bind(&r.reviewed)
    .bind(&r.reviewer_user_id)
    .bind(&r.review_note)
    .bind(&r.id)
    .bind(read_version)
    .execute(h)
    .await?;
    Ok(n == 1)
}

/// A record by id.
pub async fn record(h: &mut dyn Handle, id: &str) -> Result<Option<RecordRow>, StoreError> {
    Sql::new(&format!("SELECT {RECORD_COLUMNS} FROM strategy_records WHERE id = $1")).bind(id).fetch_optional(h).await
}

/// A record by its key.
pub async fn record_by_key(
    h: &mut dyn Handle,
    kind: &str,
    subject: &str,
    scope: &str,
    year: i64,
) -> Result<Option<RecordRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {RECORD_COLUMNS} FROM strategy_records WHERE kind = $1 AND subject = $2 AND scope = $3 AND year = $4"
    ))
    .bind(kind)
    .bind(subject)
    .bind(scope)
    .bind(year)
    .fetch_optional(h)
    .await
}

/// Which records to list; `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter<'a> {
    pub kind: &'a str,
    pub subject: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub year: Option<i64>,
    /// The working copy's state.
    pub state: Option<&'a str>,
    /// Only records with an approved version.
    pub approved_only: bool,
}

/// Records of a kind, by subject, scope and year, in a stable order
/// (newest year first).
pub async fn records(h: &mut dyn Handle, f: &RecordFilter<'_>) -> Result<Vec<RecordRow>, StoreError> {
    let mut q = Sql::new(&format!("SELECT {RECORD_COLUMNS} FROM strategy_records WHERE kind = "));
    q.param(f.kind);
    if let Some(s) = f.subject {
        q.push(" AND subject = ").param(s);
    }
    if let Some(s) = f.scope {
        q.push(" AND scope = ").param(s);
    }
    if let Some(y) = f.year {
        q.push(" AND year = ").param(y);
    }
    if let Some(s) = f.state {
        q.push(" AND state = ").param(s);
    }
    if f.approved_only {
        q.push(" AND approved_content IS NOT NULL");
    }
    q.push(" ORDER BY year DESC, subject, scope");
    q.fetch_all(h).await
}

/// One change of a record.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct HistoryRow {
    pub record_id: String,
    /// 1, 2, … in the order of the changes.
    pub seq: i64,
    pub at: String,
    pub user_id: Option<String>,
    /// The user's name when they acted.
    pub user_name: String,
    /// `edit`, `submit`, `approve` or `reject`.
    pub step: String,
    /// The state it left the record in.
    pub state: String,
    /// The working copy after the change (JSON).
    pub content: String,
    /// The reviewer's note.
    pub note: Option<String>,
}

crate::sqlite_row!(HistoryRow { record_id, seq, at, user_id, user_name, step, state, content, note });

/// Appends a change to a record's history (`seq` is the next one; the
/// given value is ignored).
pub async fn append_history(h: &mut dyn Handle, e: &HistoryRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO strategy_record_history (record_id, seq, at, user_id, user_name, step, state, content, note) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM strategy_record_history \
         WHERE record_id = $9",
    )
    .bind(&e.record_id)
    .bind(&e.at)
    .bind(&e.user_id)
    .bind(&e.user_name)
    .bind(&e.step)
    .bind(&e.state)
    .bind(&e.content)
    .bind(&e.note)
    .bind(&e.record_id)
    .execute(h)
    .await?;
    Ok(())
}

/// A record's history, oldest first.
pub async fn history(h: &mut dyn Handle, record_id: &str) -> Result<Vec<HistoryRow>, StoreError> {
    Sql::new(
        "SELECT record_id, seq, at, user_id, user_name, step, state, content, note FROM strategy_record_history \
         WHERE record_id = $1 ORDER BY seq",
    )
    .bind(record_id)
    .fetch_all(h)
    .await
}
