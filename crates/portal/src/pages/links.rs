//! `/organization/{name}/links`: an organization's broken links
//! (availability), for its members, with a button that checks them again
//! for those who may publish there. What it shows and who may see it are
//! the catalog's `link_report`.

use crate::i18n::{Arg, Tr};
use crate::{FormResult, Html, Portal, Visitor, render};
use askama::Template;
use kho_core::model::Job;
use kho_core::{Error, Result};

/// A broken link, as the table shows it.
pub struct BrokenLinkRow {
    pub dataset_name: String,
    pub dataset_title: String,
    pub resource_id: String,
    pub resource_name: String,
    pub url: String,
    pub since: String,
    pub failures: i64,
    pub error: String,
    pub checked: String,
}

#[derive(Template)]
#[template(path = "links.html")]
struct LinksView {
    page: crate::Layout,
    org_name: String,
    org_title: String,
    links: u64,
    checked: u64,
    ok: u64,
    rows: Vec<BrokenLinkRow>,
    /// When every link was last checked, or that it is under way.
    last_sweep: String,
    /// A check run of this organization under way: its progress.
    running: Option<String>,
    may_run: bool,
    message: Option<(bool, String)>,
}

/// What went wrong with a link, in words: the HTTP status, or why no
/// answer came.
fn error_label(tr: Tr, status: Option<i64>, kind: Option<&str>) -> String {
    match (status, kind) {
        (Some(s), _) => tr.args("lc-err-http", &[("status", Arg::Str(s.to_string()))]),
        (None, Some(k)) => {
            let key = format!("lc-err-{k}");
            if tr.has(&key) { tr.t(&key) } else { k.to_string() }
        }
        (None, None) => String::new(),
    }
}

/// A job's progress in words, while it is queued or running.
fn under_way(tr: Tr, job: &Job) -> Option<String> {
    matches!(job.state.as_str(), "queued" | "running").then(|| match job.progress.total {
        Some(total) => tr.args(
            "lc-progress",
            &[("done", Arg::Str(job.progress.done.to_string())), ("total", Arg::Str(total.to_string()))],
        ),
        None => tr.t("lc-queued-state"),
    })
}

impl Portal {
    /// `/organization/{name}/links`.
    pub async fn links_page(&self, v: &Visitor, org: &str, message: Option<(bool, String)>) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let r = self.catalog().link_report(&v.actor, org).await?;
        let org_title = v.lang.pick(&r.org_title_translated, &r.org_title).to_string();
        let rows = r
            .broken
            .iter()
            .map(|b| BrokenLinkRow {
                dataset_name: b.package_name.clone(),
                dataset_title: b.package_title.clone(),
                resource_id: b.resource_id.clone(),
                resource_name: b
                    .resource_name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| b.url.clone()),
                url: b.url.clone(),
                since: b.failing_since.as_deref().map(|t| crate::format::datetime(v.lang, t)).unwrap_or_default(),
                failures: b.consecutive_failures,
                error: error_label(tr, b.status, b.error_kind.as_deref()),
                checked: crate::format::datetime(v.lang, &b.checked),
            })
            .collect();
        let last_sweep = match &r.last_sweep {
            Some(job) => match (under_way(tr, job), &job.finished) {
                (Some(p), _) => p,
                (None, Some(done)) => crate::format::datetime(v.lang, done),
                (None, None) => tr.t("lc-never"),
            },
            None => tr.t("lc-never"),
        };
        let mut page = self.layout(v, format!("{} · {org_title}", tr.t("lc-title")), "organizations");
        page.robots_noindex = true;
        let view = LinksView {
            page,
            org_name: r.org_name.clone(),
            org_title,
            links: r.counts.links.max(0) as u64,
            checked: r.counts.checked.max(0) as u64,
            ok: r.counts.ok.max(0) as u64,
            rows,
            last_sweep,
            running: r.last_run.as_ref().and_then(|j| under_way(tr, j)),
            may_run: r.may_run,
            message,
        };
        Ok(Html { body: render(&view), public: false })
    }

    /// The "check now" form: checks every link of the organization again.
    pub async fn links_submit(&self, v: &Visitor, org: &str) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let fields = kho_core::input::Fields::from_value(serde_json::json!({"organization": org}))?;
        let message = match self.catalog().link_check_run(&v.actor, fields).await {
            Ok(r) => match r["links"].as_i64().unwrap_or(0) {
                0 => (true, tr.t("lc-nothing")),
                n => (true, tr.args("lc-queued", &[("links", Arg::Str(crate::format::int(v.lang, n)))])),
            },
            Err(e @ (Error::Forbidden(_) | Error::NotFound(_))) => return Err(e),
            Err(e) => (false, e.to_string()),
        };
        let status = if message.0 { 200 } else { 400 };
        Ok(FormResult::Page(status, self.links_page(v, org, Some(message)).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_error_kind_has_words_in_both_languages() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for kind in kho_catalog::links::error_kinds() {
                assert!(tr.has(&format!("lc-err-{kind}")), "{kind} {}", lang.code());
            }
            assert!(error_label(tr, Some(404), Some("http")).contains("404"));
        }
        assert_eq!(error_label(Tr::new(Lang::En), None, Some("timeout")), "No answer in time");
    }
}
