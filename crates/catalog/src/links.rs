//! Availability (issue 7): resources' external links checked on a
//! schedule and on request, with their history, and broken links reported
//! to the publishing organization.
//!
//! - Jobs: [`CHECK_JOB`] checks a dataset's or an organization's links
//!   (`link_check_run`); [`SWEEP_JOB`] checks every external link of every
//!   active dataset. Both go through [`kho_fetch::Fetcher::check`] (address
//!   guard, redirect limit, one deadline), a few links at a time and never
//!   more than one request at a time to one host, record each finding at
//!   once (so a rerun after a crash skips what the job already checked) and
//!   report progress.
//! - The sweep runs on the jobs' schedule ([`crate::jobs::Scheduler`] with
//!   [`SWEEP_JOB`] and [`sweep_job`]): at most once per interval across
//!   every Kho process on one database, and never while the previous sweep
//!   is still queued or running.
//! - A link is broken when the latest check of its current URL failed: an
//!   error status (4xx, 5xx) or no answer (time-out, DNS, refused, TLS, a
//!   redirect loop, a refused address). Uploads are Kho's own files and are
//!   never checked.
//!
//! Permission: a resource's checks are read like its dataset (a dataset
//! the caller may not read answers as not found); checks are run by those
//! who may edit the dataset or create datasets in the organization; the
//! organization's report, which lists private datasets' links too, by
//! those who may read its private datasets (members and sysadmins).

use crate::datasets::readable_row;
use crate::jobs::{JobContext, JobFailure, JobSpec, Registry};
use crate::{Catalog, Error, Result, require_user};
use futures_util::StreamExt;
use kho_core::authz::{Actor, Permission, authorize, dataset_filter};
use kho_core::input::Fields;
use kho_core::model::Job;
use kho_core::timefmt;
use kho_fetch::Fetcher;
use kho_store::groups;
use kho_store::link_checks::{self as store, BrokenRow, CheckRow, LinkCounts, LinkTarget, NewCheck, Scope};
use kho_store::packages::{self, ResourceRow};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The job kind that checks the links of a dataset or of an
/// organization's datasets (the job's subject).
pub const CHECK_JOB: &str = "link_check";
/// The job kind that checks every external link, and the name of its
/// schedule.
pub const SWEEP_JOB: &str = "link_sweep";

/// The sweep of every link, as its schedule enqueues it.
pub fn sweep_job() -> JobSpec {
    JobSpec { max_attempts: 3, ..JobSpec::new(SWEEP_JOB, None, json!({})) }
}

/// Links a sweep reads from the database at once.
const SWEEP_PAGE: i64 = 2000;

/// Every `error_kind` a check may record: `http` (an error status) and
/// each of [`kho_fetch::CheckErrorKind`]'s codes.
pub fn error_kinds() -> Vec<&'static str> {
    std::iter::once("http").chain(kho_fetch::CheckErrorKind::ALL.iter().map(|k| k.code())).collect()
}

/// Settings of link checking.
#[derive(Debug, Clone)]
pub struct LinkCheckOptions {
    /// Deadline of one check (`HEAD`, and `GET` if needed).
    pub timeout: Duration,
    /// Hosts checked at once by one job (each host one request at a time).
    pub concurrency: usize,
}

impl Default for LinkCheckOptions {
    fn default() -> Self {
        LinkCheckOptions { timeout: Duration::from_secs(30), concurrency: 4 }
    }
}

/// A dataset's external links and how they fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Availability {
    /// Its external links (uploads are not counted).
    pub links: i64,
    /// Of those, checked at their current URL.
    pub checked: i64,
    /// Of those, whose latest check succeeded.
    pub ok: i64,
}

impl Availability {
    /// The share (0–1) of its checked external links whose latest check
    /// succeeded; `None` when it has no external links or none is checked
    /// yet. Links not checked yet (new, or changed since) count neither way.
    pub fn share(&self) -> Option<f64> {
        (self.checked > 0).then(|| self.ok as f64 / self.checked as f64)
    }
}

impl From<LinkCounts> for Availability {
    fn from(c: LinkCounts) -> Self {
        Availability { links: c.links, checked: c.checked, ok: c.ok }
    }
}

/// An organization's link report.
#[derive(Debug, Clone)]
pub struct LinkReport {
    pub org_id: String,
    pub org_name: String,
    pub org_title: String,
    pub org_title_translated: BTreeMap<String, String>,
    /// Over the organization's datasets the caller may read.
    pub counts: LinkCounts,
    /// Longest broken first.
    pub broken: Vec<BrokenRow>,
    /// The latest sweep of every link, if one ran.
    pub last_sweep: Option<Job>,
    /// The latest check run for this organization, if any.
    pub last_run: Option<Job>,
    /// Whether the caller may run checks (`link_check_run`) here.
    pub may_run: bool,
}

/// Whether `actor` may see the link report of organization `org_id`. The
/// report lists the links of private datasets too, so it is for exactly
/// those who may read the organization's private datasets.
pub fn may_see_link_report(actor: &Actor, org_id: &str) -> bool {
    authorize(actor, Permission::ReadOrganizationReports { id: org_id }).is_ok()
}

/// Whether `actor` may run checks of organization `org_id`'s links: those
/// who may publish datasets there.
pub fn may_run_link_checks(actor: &Actor, org_id: &str) -> bool {
    authorize(actor, Permission::CreateDataset { org_id }).is_ok()
}

/// Whether a resource's link is checked: an `http(s)` URL that is not an
/// upload (the Rust form of the store's rule; the dataset must also be
/// active).
fn is_external(r: &ResourceRow) -> bool {
    let url = r.url.trim_start().to_ascii_lowercase();
    r.blob_sha256.is_none()
        && r.url_type.as_deref() != Some("upload")
        && (url.starts_with("http://") || url.starts_with("https://"))
}

fn check_json(c: &CheckRow) -> Value {
    json!({
        "checked": c.checked, "url": c.url, "ok": c.ok != 0, "http_status": c.status,
        "error_kind": c.error_kind, "error": c.error_message, "elapsed_ms": c.elapsed_ms,
        "final_url": c.final_url, "content_type": c.content_type, "content_length": c.content_length,
        "method": c.method,
    })
}

fn broken_json(b: &BrokenRow) -> Value {
    json!({
        "dataset": {"id": b.package_id, "name": b.package_name, "title": b.package_title},
        "resource": {"id": b.resource_id, "name": b.resource_name},
        "url": b.url, "broken_since": b.failing_since, "consecutive_failures": b.consecutive_failures,
        "last_checked": b.checked, "last_ok": b.last_ok, "http_status": b.status,
        "error_kind": b.error_kind, "error": b.error_message,
    })
}

fn job_json(j: &Job) -> Value {
    json!({"id": j.id, "state": j.state, "progress": j.progress, "created": j.created, "finished": j.finished,
           "error": j.error})
}

/// The host of a URL (`user@` and path left out), for per-host politeness.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or("").to_ascii_lowercase()
}

impl Catalog {
    /// Availability of each of `dataset_ids` (every id is in the answer;
    /// unknown ones have no links). For the quality score: the caller has
    /// already decided the datasets may be read.
    pub async fn link_availability(&self, dataset_ids: &[String]) -> Result<HashMap<String, Availability>> {
        let mut out: HashMap<String, Availability> =
            dataset_ids.iter().map(|id| (id.clone(), Availability::default())).collect();
        let mut conn = self.store().conn().await?;
        out.extend(store::counts_by_package(&mut conn, dataset_ids).await?.into_iter().map(|(id, c)| (id, c.into())));
        Ok(out)
    }

    /// `resource_link_check_show`: a resource's link status and its checks,
    /// newest first.
    pub async fn resource_link_check_show(&self, actor: &Actor, id: &str) -> Result<Value> {
        let not_found = || Error::not_found("Resource not found");
        let mut conn = self.store().conn().await?;
        let (res, pkg) = packages::find_resource(&mut conn, id).await?.ok_or_else(not_found)?;
        if res.state == "deleted" || pkg.state == "deleted" {
            return Err(not_found());
        }
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| not_found())?;
        let external = is_external(&res);
        let status = store::status(&mut conn, &res.id).await?.filter(|s| s.url == res.url);
        let history = store::history(&mut conn, &res.id, store::HISTORY_KEEP).await?;
        let state = match (&status, external) {
            (_, false) => "not_checked",
            (None, true) => "unchecked",
            (Some(s), true) if s.ok != 0 => "ok",
            (Some(_), true) => "broken",
        };
        let current = json!({
            "state": state,
            "checked": status.as_ref().map(|s| &s.checked),
            "http_status": status.as_ref().and_then(|s| s.status),
            "error_kind": status.as_ref().and_then(|s| s.error_kind.as_ref()),
            "error": status.as_ref().and_then(|s| s.error_message.as_ref()),
            "consecutive_failures": status.as_ref().map_or(0, |s| s.consecutive_failures),
            "broken_since": status.as_ref().and_then(|s| s.failing_since.as_ref()),
            "last_ok": status.as_ref().and_then(|s| s.last_ok.as_ref()),
        });
        Ok(json!({
            "resource_id": res.id, "package_id": pkg.id, "url": res.url, "external": external,
            "status": current, "history": history.iter().map(check_json).collect::<Vec<_>>(),
        }))
    }

    /// `link_check_run`: enqueues a check of a dataset's links (`id`) or of
    /// an organization's datasets' links (`organization`), now.
    pub async fn link_check_run(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        require_user(actor, "link_check_run")?;
        let dataset = f.text("id", 200);
        let org = f.text("organization", 200);
        f.take_errors().into_result()?;
        let mut conn = self.store().conn().await?;
        let (scope, subject) = match (dataset, org) {
            (Some(id), None) => {
                let row = readable_row(&mut conn, actor, &id).await?;
                authorize(actor, Permission::UpdateDataset(&row.access()))?;
                ("datasets", row.id)
            }
            (None, Some(org)) => {
                let g = groups::find(&mut conn, &org, Some(true))
                    .await?
                    .filter(|g| g.state == "active")
                    .ok_or_else(|| Error::not_found("Organization not found"))?;
                authorize(actor, Permission::CreateDataset { org_id: &g.id })?;
                ("organization", g.id)
            }
            (Some(_), Some(_)) => return Err(Error::field("id", "Give either id (a dataset) or organization")),
            (None, None) => return Err(Error::field("id", "Missing value")),
        };
        let links = store::count_targets(&mut conn, scope_of(scope, &subject)).await?;
        drop(conn);
        if links == 0 {
            return Ok(json!({"job_id": null, "links": 0}));
        }
        let payload = json!({"scope": scope});
        let job =
            self.enqueue_job(&JobSpec { max_attempts: 3, ..JobSpec::new(CHECK_JOB, Some(&subject), payload) }).await?;
        Ok(json!({"job_id": job, "links": links}))
    }

    /// An organization's link report, for those who may see it.
    pub async fn link_report(&self, actor: &Actor, org: &str) -> Result<LinkReport> {
        let mut conn = self.store().conn().await?;
        let g = groups::find(&mut conn, org, Some(true))
            .await?
            .filter(|g| g.state == "active" || actor.is_sysadmin())
            .ok_or_else(|| Error::not_found("Organization not found"))?;
        if !may_see_link_report(actor, &g.id) {
            return Err(Error::forbidden(format!(
                "User {} not authorized to see the link report of organization {}",
                actor.display(),
                g.name
            )));
        }
        let filter = dataset_filter(actor);
        let counts = store::counts_in_org(&mut conn, &g.id, &filter).await?;
        let broken = store::broken_in_org(&mut conn, &g.id, &filter).await?;
        drop(conn);
        let last_sweep = self.last_scheduled_job(SWEEP_JOB).await?;
        let last_run = self.latest_job(CHECK_JOB, &g.id).await?;
        Ok(LinkReport {
            may_run: may_run_link_checks(actor, &g.id),
            org_title_translated: serde_json::from_str(&g.title_translated).unwrap_or_default(),
            org_id: g.id,
            org_name: g.name,
            org_title: g.title,
            counts,
            broken,
            last_sweep,
            last_run,
        })
    }

    /// `organization_link_report`: the organization's broken links.
    pub async fn organization_link_report(&self, actor: &Actor, org: &str) -> Result<Value> {
        let r = self.link_report(actor, org).await?;
        Ok(json!({
            "organization": {"id": r.org_id, "name": r.org_name, "title": r.org_title},
            "links": r.counts.links, "checked": r.counts.checked, "ok": r.counts.ok,
            "broken": r.broken.len(),
            "last_sweep": r.last_sweep.as_ref().map(job_json),
            "last_run": r.last_run.as_ref().map(job_json),
            "results": r.broken.iter().map(broken_json).collect::<Vec<_>>(),
        }))
    }
}

/// The links a check job's scope (`datasets` or `organization`) and
/// subject name.
fn scope_of<'a>(scope: &str, subject: &'a String) -> Scope<'a> {
    match scope {
        "organization" => Scope::Organization(subject),
        _ => Scope::Packages(std::slice::from_ref(subject)),
    }
}

/// Registers the link checks' job handlers.
pub fn register_jobs(registry: &mut Registry, opts: LinkCheckOptions) {
    let opts = Arc::new(opts);
    let o = opts.clone();
    registry.register(CHECK_JOB, Arc::new(move |ctx| Box::pin(run_check(ctx, o.clone()))));
    registry.register(SWEEP_JOB, Arc::new(move |ctx| Box::pin(run_sweep(ctx, opts.clone()))));
}

/// Keeps the count of a job's checks and reports it (at most every second).
struct Tally {
    done: AtomicI64,
    broken: AtomicI64,
    total: i64,
    reported: Mutex<Instant>,
}

impl Tally {
    fn new(total: i64) -> Tally {
        Tally { done: AtomicI64::new(0), broken: AtomicI64::new(0), total, reported: Mutex::new(Instant::now()) }
    }

    async fn add(&self, ctx: &JobContext, n: i64, broken: bool) {
        let done = self.done.fetch_add(n, Ordering::SeqCst) + n;
        if broken {
            self.broken.fetch_add(1, Ordering::SeqCst);
        }
        let due = match self.reported.lock() {
            Ok(mut t) if t.elapsed() >= Duration::from_secs(1) || done >= self.total => {
                *t = Instant::now();
                true
            }
            Ok(_) => false,
            Err(_) => true,
        };
        if due {
            self.report(ctx).await;
        }
    }

    /// Reports the count. A worker that lost the job aborts this attempt
    /// at its next lease renewal, so losing it needs no handling here; nor
    /// does a failed report, which only leaves the shown progress behind.
    async fn report(&self, ctx: &JobContext) {
        let done = self.done.load(Ordering::SeqCst);
        let note = format!("{done} of {} links checked, {} broken", self.total, self.broken.load(Ordering::SeqCst));
        if let Err(e) = ctx.progress(done, Some(self.total), Some(&note)).await {
            tracing::debug!(job = %ctx.id, error = %e, "could not report a link check's progress");
        }
    }
}

/// The links still to check, and how many were skipped: those checked
/// since the job was enqueued, by an earlier attempt of it (a rerun after
/// a crash resumes where that attempt stopped) or by another job.
fn pending(targets: Vec<LinkTarget>, ctx: &JobContext) -> (Vec<LinkTarget>, i64) {
    let all = targets.len();
    let todo: Vec<LinkTarget> =
        targets.into_iter().filter(|t| t.checked.as_deref().is_none_or(|c| c < ctx.created.as_str())).collect();
    let skipped = (all - todo.len()) as i64;
    (todo, skipped)
}

async fn run_check(ctx: JobContext, opts: Arc<LinkCheckOptions>) -> std::result::Result<(), JobFailure> {
    let scope = ctx.payload.get("scope").and_then(Value::as_str).unwrap_or("");
    let Some(subject) = ctx.subject.as_ref().filter(|_| matches!(scope, "datasets" | "organization")) else {
        return Err(JobFailure::Fatal("the job names no dataset or organization".into()));
    };
    let mut conn = ctx.catalog.store().conn().await?;
    let targets = store::targets(&mut conn, scope_of(scope, subject)).await?;
    drop(conn);
    let tally = Tally::new(targets.len() as i64);
    let (todo, skipped) = pending(targets, &ctx);
    tally.done.store(skipped, Ordering::SeqCst);
    check_all(&ctx, todo, &opts, &tally).await?;
    tally.report(&ctx).await;
    Ok(())
}

async fn run_sweep(ctx: JobContext, opts: Arc<LinkCheckOptions>) -> std::result::Result<(), JobFailure> {
    let mut conn = ctx.catalog.store().conn().await?;
    let total = store::count_targets(&mut conn, Scope::All { after: "", limit: 0 }).await?;
    drop(conn);
    let tally = Tally::new(total);
    let mut after = String::new();
    // Page by page (by resource id): memory stays bounded, and pages run one
    // after another, so a host still gets one request at a time.
    loop {
        let mut conn = ctx.catalog.store().conn().await?;
        let page = store::targets(&mut conn, Scope::All { after: &after, limit: SWEEP_PAGE }).await?;
        drop(conn);
        let Some(last) = page.last() else { break };
        after = last.resource_id.clone();
        let (todo, skipped) = pending(page, &ctx);
        tally.add(&ctx, skipped, false).await;
        check_all(&ctx, todo, &opts, &tally).await?;
    }
    tally.report(&ctx).await;
    Ok(())
}

/// Checks `targets`: one queue per host, `concurrency` hosts at a time.
async fn check_all(
    ctx: &JobContext,
    targets: Vec<LinkTarget>,
    opts: &LinkCheckOptions,
    tally: &Tally,
) -> std::result::Result<(), JobFailure> {
    let fetcher = &ctx.catalog.inner.fetcher;
    let mut by_host: BTreeMap<String, Vec<LinkTarget>> = BTreeMap::new();
    for t in targets {
        by_host.entry(host_of(&t.url)).or_default().push(t);
    }
    let mut runs = futures_util::stream::iter(by_host.into_values())
        .map(|queue| async move {
            for t in queue {
                let ok = check_one(ctx, fetcher, &t, opts.timeout).await?;
                tally.add(ctx, 1, !ok).await;
            }
            Ok::<(), JobFailure>(())
        })
        .buffer_unordered(opts.concurrency.max(1));
    let mut failure = None;
    while let Some(r) = runs.next().await {
        if let Err(e) = r {
            failure.get_or_insert(e);
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Checks one link and records the finding; returns whether it works.
async fn check_one(
    ctx: &JobContext,
    fetcher: &Fetcher,
    t: &LinkTarget,
    deadline: Duration,
) -> std::result::Result<bool, JobFailure> {
    let result = fetcher.check(&t.url, deadline).await;
    let checked = timefmt::now();
    let message;
    let new = match &result {
        Ok(c) => {
            message = format!("the server answered {}", c.status);
            NewCheck {
                resource_id: &t.resource_id,
                url: &t.url,
                checked: &checked,
                ok: c.ok(),
                status: Some(i64::from(c.status)),
                error_kind: (!c.ok()).then_some("http"),
                error_message: (!c.ok()).then_some(message.as_str()),
                elapsed_ms: c.elapsed.as_millis() as i64,
                final_url: Some(&c.final_url),
                content_type: c.content_type.as_deref(),
                content_length: c.content_length.map(|n| n.min(i64::MAX as u64) as i64),
                method: Some(c.method),
                job_id: Some(&ctx.id),
            }
        }
        Err(e) => NewCheck {
            resource_id: &t.resource_id,
            url: &t.url,
            checked: &checked,
            ok: false,
            error_kind: Some(e.kind.code()),
            error_message: Some(&e.message),
            elapsed_ms: e.elapsed.as_millis() as i64,
            job_id: Some(&ctx.id),
            ..Default::default()
        },
    };
    let mut tx = ctx.catalog.store().write().await?;
    store::record(&mut tx, &new, store::HISTORY_KEEP).await?;
    tx.commit().await?;
    if !new.ok {
        tracing::info!(resource_id = %t.resource_id, url = %t.url, error = new.error_message.unwrap_or(""), "broken link");
    }
    Ok(new.ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ignore_paths_and_credentials() {
        assert_eq!(host_of("https://Data.Example.vn/a/b.csv?x=1"), "data.example.vn");
        assert_eq!(host_of("http://u:p@example.vn:8080#f"), "example.vn:8080");
        assert_eq!(host_of("http://127.0.0.1:9/x"), "127.0.0.1:9");
    }

    #[test]
    fn availability_counts_checked_links_only() {
        assert_eq!(Availability::default().share(), None);
        assert_eq!(Availability { links: 3, checked: 0, ok: 0 }.share(), None);
        assert_eq!(Availability { links: 4, checked: 2, ok: 1 }.share(), Some(0.5));
    }

    #[test]
    fn reports_are_for_members_and_runs_for_editors() {
        use kho_core::authz::ActorUser;
        use kho_core::vocab::Capacity;
        let user = |roles: &[(&str, Capacity)]| Actor {
            user: Some(ActorUser { id: "u".into(), name: "u".into(), sysadmin: false }),
            memberships: roles.iter().map(|(o, c)| (o.to_string(), *c)).collect(),
        };
        let member = user(&[("org", Capacity::Member)]);
        let editor = user(&[("org", Capacity::Editor)]);
        let outsider = user(&[("other", Capacity::Admin)]);
        assert!(may_see_link_report(&member, "org") && may_see_link_report(&editor, "org"));
        assert!(!may_see_link_report(&outsider, "org") && !may_see_link_report(&Actor::anonymous(), "org"));
        assert!(may_see_link_report(&Actor::system(), "org"));
        assert!(!may_run_link_checks(&member, "org") && may_run_link_checks(&editor, "org"));
        assert!(!may_run_link_checks(&outsider, "org"));
    }
}
