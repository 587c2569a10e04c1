//! Link checks (availability): the history of checks of resources'
//! external links and each resource's latest finding (migration 0008). The
//! periodic sweep's schedule is the jobs' ([`crate::jobs::schedule`]).
//!
//! An external link is the `http(s)` URL of an active resource of an
//! active dataset that is not an upload; uploads are served by Kho and are
//! always available. A finding names the URL it checked, so a resource
//! whose link changed since is "unchecked", never "broken" for its old URL.
//! History is bounded: [`record`] keeps the newest [`HISTORY_KEEP`] checks
//! of a resource.

use crate::{Handle, Sql, StoreError};
use kho_core::authz::DatasetFilter;
use sqlx::FromRow;

/// Checks kept per resource.
pub const HISTORY_KEEP: i64 = 30;

/// The SQL condition (over `resources r` and `packages p`) of a link that
/// is checked.
const EXTERNAL: &str = "r.state = 'active' AND p.state = 'active' AND r.blob_sha256 IS NULL \
    AND COALESCE(r.url_type, '') <> 'upload' AND (LOWER(r.url) LIKE 'http://%' OR LOWER(r.url) LIKE 'https://%')";

/// One check, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CheckRow {
    pub id: String,
    pub resource_id: String,
    pub url: String,
    pub checked: String,
    pub ok: i64,
    pub status: Option<i64>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub elapsed_ms: i64,
    pub final_url: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<i64>,
    pub method: Option<String>,
    pub job_id: Option<String>,
}

crate::sqlite_row!(CheckRow {
    id,
    resource_id,
    url,
    checked,
    ok,
    status,
    error_kind,
    error_message,
    elapsed_ms,
    final_url,
    content_type,
    content_length,
    method,
    job_id
});

const CHECK_COLUMNS: &str = "id, resource_id, url, checked, ok, status, error_kind, error_message, elapsed_ms, \
    final_url, content_type, content_length, method, job_id";

/// A resource's latest finding and the run of failures it ends.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StatusRow {
    pub resource_id: String,
    pub url: String,
    pub checked: String,
    pub ok: i64,
    pub status: Option<i64>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    /// Failed checks of this URL in a row, up to the latest (0 when ok).
    pub consecutive_failures: i64,
    /// The first failed check of that run.
    pub failing_since: Option<String>,
    /// The latest successful check of this URL.
    pub last_ok: Option<String>,
}

crate::sqlite_row!(StatusRow {
    resource_id,
    url,
    checked,
    ok,
    status,
    error_kind,
    error_message,
    consecutive_failures,
    failing_since,
    last_ok
});

const STATUS_COLUMNS: &str = "resource_id, url, checked, ok, status, error_kind, error_message, \
    consecutive_failures, failing_since, last_ok";

/// A check to record.
#[derive(Debug, Clone, Default)]
pub struct NewCheck<'a> {
    pub resource_id: &'a str,
    pub url: &'a str,
    pub checked: &'a str,
    pub ok: bool,
    pub status: Option<i64>,
    pub error_kind: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub elapsed_ms: i64,
    pub final_url: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_length: Option<i64>,
    pub method: Option<&'a str>,
    pub job_id: Option<&'a str>,
}

/// Records a check in the history and as the resource's finding (unless a
/// later check is already recorded), and drops checks beyond the newest
/// `keep`. A resource purged while it was checked is left alone.
pub async fn record(h: &mut dyn Handle, c: &NewCheck<'_>, keep: i64) -> Result<(), StoreError> {
    let exists: Option<(String,)> =
        Sql::new("SELECT id FROM resources WHERE id = $1").bind(c.resource_id).fetch_optional(&mut *h).await?;
    if exists.is_none() {
        return Ok(());
    }
    let prev = status(&mut *h, c.resource_id).await?;
    Sql::new(&format!(
        "INSERT INTO link_checks ({CHECK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(crate::new_id())
    .bind(c.resource_id)
    .bind(c.url)
    .bind(c.checked)
    .bind(i64::from(c.ok))
    .bind(c.status)
    .bind(c.error_kind)
    .bind(c.error_message)
    .bind(c.elapsed_ms)
    .bind(c.final_url)
    .bind(c.content_type)
    .bind(c.content_length)
    .bind(c.method)
    .bind(c.job_id)
    .execute(&mut *h)
    .await?;
    Sql::new(
        "DELETE FROM link_checks WHERE resource_id = $1 AND id NOT IN \
         (SELECT id FROM link_checks WHERE resource_id = $1 ORDER BY checked DESC, id DESC LIMIT $2)",
    )
    .bind(c.resource_id)
    .bind(keep.max(1))
    .execute(&mut *h)
    .await?;
    if prev.as_ref().is_some_and(|p| p.checked.as_str() > c.checked) {
        // Two checks of one link crossed (an asked-for check beside a sweep):
        // the later one stands.
        return Ok(());
    }
    let next = next_status(prev.as_ref(), c);
    Sql::new(&format!(
        "INSERT INTO link_status ({STATUS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (resource_id) DO UPDATE SET url = excluded.url, checked = excluded.checked, ok = excluded.ok, \
         status = excluded.status, error_kind = excluded.error_kind, error_message = excluded.error_message, \
         consecutive_failures = excluded.consecutive_failures, failing_since = excluded.failing_since, \
         last_ok = excluded.last_ok"
    ))
    .bind(&next.resource_id)
    .bind(&next.url)
    .bind(&next.checked)
    .bind(next.ok)
    .bind(next.status)
    .bind(&next.error_kind)
    .bind(&next.error_message)
    .bind(next.consecutive_failures)
    .bind(&next.failing_since)
    .bind(&next.last_ok)
    .execute(h)
    .await?;
    Ok(())
}

/// The finding after check `c`, given the one before: a failure extends
/// the run of failures of the same URL; a success, or another URL, starts
/// afresh.
fn next_status(prev: Option<&StatusRow>, c: &NewCheck<'_>) -> StatusRow {
    let same = prev.filter(|p| p.url == c.url);
    let failing = same.filter(|p| p.ok == 0);
    StatusRow {
        resource_id: c.resource_id.to_string(),
        url: c.url.to_string(),
        checked: c.checked.to_string(),
        ok: i64::from(c.ok),
        status: c.status,
        error_kind: c.error_kind.map(str::to_string),
        error_message: c.error_message.map(str::to_string),
        consecutive_failures: if c.ok { 0 } else { failing.map_or(0, |p| p.consecutive_failures) + 1 },
        failing_since: if c.ok {
            None
        } else {
            Some(failing.and_then(|p| p.failing_since.clone()).unwrap_or_else(|| c.checked.to_string()))
        },
        last_ok: if c.ok { Some(c.checked.to_string()) } else { same.and_then(|p| p.last_ok.clone()) },
    }
}

/// A resource's latest finding, whatever URL it was for.
pub async fn status(h: &mut dyn Handle, resource_id: &str) -> Result<Option<StatusRow>, StoreError> {
    Sql::new(&format!("SELECT {STATUS_COLUMNS} FROM link_status WHERE resource_id = $1"))
        .bind(resource_id)
        .fetch_optional(h)
        .await
}

/// A resource's checks, newest first.
pub async fn history(h: &mut dyn Handle, resource_id: &str, limit: i64) -> Result<Vec<CheckRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {CHECK_COLUMNS} FROM link_checks WHERE resource_id = $1 ORDER BY checked DESC, id DESC LIMIT $2"
    ))
    .bind(resource_id)
    .bind(limit)
    .fetch_all(h)
    .await
}

/// Which links to check.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every external link, by resource id after `after`, at most `limit`.
    All { after: &'a str, limit: i64 },
    /// The links of these datasets.
    Packages(&'a [String]),
    /// The links of an organization's datasets.
    Organization(&'a str),
}

/// A link to check.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LinkTarget {
    pub resource_id: String,
    pub url: String,
    /// When this URL was last checked.
    pub checked: Option<String>,
}

crate::sqlite_row!(LinkTarget { resource_id, url, checked });

fn scoped(select: &str, scope: Scope<'_>) -> Sql {
    let mut q = Sql::new(select);
    q.push(
        " FROM resources r JOIN packages p ON p.id = r.package_id \
         LEFT JOIN link_status s ON s.resource_id = r.id AND s.url = r.url WHERE ",
    );
    q.push(EXTERNAL);
    match scope {
        Scope::All { after, .. } => {
            q.push(" AND r.id > ").param(after);
        }
        Scope::Packages(ids) => {
            q.push(" AND p.id IN ").in_list(ids);
        }
        Scope::Organization(org) => {
            q.push(" AND p.owner_org = ").param(org);
        }
    }
    q
}

/// The external links in `scope`, by resource id.
pub async fn targets(h: &mut dyn Handle, scope: Scope<'_>) -> Result<Vec<LinkTarget>, StoreError> {
    let mut q = scoped("SELECT r.id AS resource_id, r.url, s.checked", scope);
    q.push(" ORDER BY r.id");
    if let Scope::All { limit, .. } = scope {
        q.push(" LIMIT ").param(limit);
    }
    q.fetch_all(h).await
}

/// How many external links `scope` holds (`All` counts those after
/// `after`, ignoring `limit`).
pub async fn count_targets(h: &mut dyn Handle, scope: Scope<'_>) -> Result<i64, StoreError> {
    let (n,): (i64,) = scoped("SELECT CAST(COUNT(*) AS BIGINT)", scope).fetch_one(h).await?;
    Ok(n)
}

/// A broken link in an organization's report.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct BrokenRow {
    pub package_id: String,
    pub package_name: String,
    pub package_title: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub url: String,
    pub checked: String,
    pub status: Option<i64>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub consecutive_failures: i64,
    pub failing_since: Option<String>,
    pub last_ok: Option<String>,
}

crate::sqlite_row!(BrokenRow {
    package_id,
    package_name,
    package_title,
    resource_id,
    resource_name,
    url,
    checked,
    status,
    error_kind,
    error_message,
    consecutive_failures,
    failing_since,
    last_ok
});

/// The broken links (latest check of the current URL failed) of an
/// organization's datasets visible under `filter`, longest broken first.
pub async fn broken_in_org(
    h: &mut dyn Handle,
    org_id: &str,
    filter: &DatasetFilter,
) -> Result<Vec<BrokenRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT p.id AS package_id, p.name AS package_name, p.title AS package_title, r.id AS resource_id, \
         r.name AS resource_name, r.url, s.checked, s.status, s.error_kind, s.error_message, \
         s.consecutive_failures, s.failing_since, s.last_ok \
         FROM resources r JOIN packages p ON p.id = r.package_id \
         JOIN link_status s ON s.resource_id = r.id AND s.url = r.url WHERE s.ok = 0 AND ",
    );
    q.push(EXTERNAL).push(" AND p.owner_org = ").param(org_id).push(" AND ");
    q.visible(filter).push(" ORDER BY s.failing_since, p.name, r.position, r.id");
    q.fetch_all(h).await
}

/// Counts of external links: all, checked (for their current URL), and
/// whose latest check succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounts {
    pub links: i64,
    pub checked: i64,
    pub ok: i64,
}

/// The counts of an organization's datasets visible under `filter`.
pub async fn counts_in_org(h: &mut dyn Handle, org_id: &str, filter: &DatasetFilter) -> Result<LinkCounts, StoreError> {
    let mut q = scoped(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(s.resource_id) AS BIGINT), CAST(COALESCE(SUM(s.ok), 0) AS BIGINT)",
        Scope::Organization(org_id),
    );
    q.push(" AND ");
    q.visible(filter);
    let (links, checked, ok): (i64, i64, i64) = q.fetch_one(h).await?;
    Ok(LinkCounts { links, checked, ok })
}

/// The counts per dataset, for those of `package_ids` that have external
/// links (others are absent).
pub async fn counts_by_package(
    h: &mut dyn Handle,
    package_ids: &[String],
) -> Result<Vec<(String, LinkCounts)>, StoreError> {
    let mut out = Vec::new();
    // Bounded IN lists keep statements small on both backends.
    for chunk in package_ids.chunks(500) {
        let mut q = scoped(
            "SELECT p.id, CAST(COUNT(*) AS BIGINT), CAST(COUNT(s.resource_id) AS BIGINT), \
             CAST(COALESCE(SUM(s.ok), 0) AS BIGINT)",
            Scope::Packages(chunk),
        );
        q.push(" GROUP BY p.id");
        let rows: Vec<(String, i64, i64, i64)> = q.fetch_all(&mut *h).await?;
        out.extend(rows.into_iter().map(|(id, links, checked, ok)| (id, LinkCounts { links, checked, ok })));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<'a>(url: &'a str, checked: &'a str, ok: bool) -> NewCheck<'a> {
        NewCheck { resource_id: "r", url, checked, ok, ..Default::default() }
    }

    #[test]
    fn failures_run_until_a_success_or_another_url() {
        let a = next_status(None, &check("http://a", "t1", false));
        assert_eq!((a.consecutive_failures, a.failing_since.as_deref(), a.last_ok.as_deref()), (1, Some("t1"), None));
        let b = next_status(Some(&a), &check("http://a", "t2", false));
        assert_eq!((b.consecutive_failures, b.failing_since.as_deref()), (2, Some("t1")));
        let c = next_status(Some(&b), &check("http://a", "t3", true));
        assert_eq!((c.consecutive_failures, c.failing_since.as_deref(), c.last_ok.as_deref()), (0, None, Some("t3")));
        let d = next_status(Some(&c), &check("http://a", "t4", false));
        assert_eq!(
            (d.consecutive_failures, d.failing_since.as_deref(), d.last_ok.as_deref()),
            (1, Some("t4"), Some("t3"))
        );
        // A new link starts afresh: the old one's failures and successes are not its own.
        let e = next_status(Some(&b), &check("http://b", "t5", false));
        assert_eq!((e.consecutive_failures, e.failing_since.as_deref(), e.last_ok.as_deref()), (1, Some("t5"), None));
    }
}
