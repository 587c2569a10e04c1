//! `/harvest` and `/harvest/{name}`: harvest sources for sysadmins. The
//! list of sources with their last run and a form to add one; a source's
//! page with a "run now" button and its runs (counts, the error that failed
//! a run, the records that failed). Everything goes through the catalog's
//! `harvest_*` actions, so validation is the API's; its messages are shown
//! next to the fields in the page's language.

use super::staff::{FieldKind, FormField, translate_validation};
use crate::i18n::{Arg, Lang, Tr};
use crate::{FormResult, Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_core::authz::{Permission, authorize};
use kho_core::cron::{CronError, Schedule};
use kho_core::input::Fields;
use kho_core::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The source types, in the order the form offers them.
pub const SOURCE_TYPES: [&str; 4] = ["dcat", "ckan", "kho", "datamap"];
/// The states of a run.
pub const RUN_STATES: [&str; 4] = ["queued", "running", "finished", "failed"];
/// Per-record errors shown per run (all are counted; the API has them all).
const ERRORS_SHOWN: usize = 100;

/// A source as the API gives it.
#[derive(Deserialize)]
struct SourceDoc {
    name: String,
    title: String,
    #[serde(rename = "type")]
    kind: String,
    url: String,
    organization: Option<String>,
    schedule: Option<String>,
    #[serde(default)]
    created: String,
    #[serde(default)]
    datasets: i64,
    /// A data-map source's database entries.
    #[serde(default)]
    databases: i64,
    last_run: Option<RunDoc>,
    #[serde(default)]
    runs: Vec<RunDoc>,
}

/// A run as the API gives it.
#[derive(Deserialize)]
struct RunDoc {
    id: String,
    status: String,
    created: String,
    started: Option<String>,
    finished: Option<String>,
    stats: Stats,
    error: Option<String>,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize)]
struct Stats {
    created: i64,
    updated: i64,
    deleted: i64,
    unchanged: i64,
    errored: i64,
}

/// A source in the list, or at the top of its page.
pub struct SourceView {
    pub name: String,
    pub title: String,
    pub kind: String,
    pub url: String,
    /// The organization its datasets go to: (name, title); none: each
    /// dataset's remote agency.
    pub organization: Option<(String, String)>,
    pub schedule: Option<String>,
    pub datasets: u64,
    pub created: String,
    pub last_run: Option<RunView>,
}

/// A run, in words.
pub struct RunView {
    pub id: String,
    /// `queued`, `running`, `finished` or `failed`.
    pub status: String,
    pub status_label: String,
    /// The `status-…` class of the label.
    pub status_class: &'static str,
    pub created: String,
    pub started: String,
    pub finished: String,
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub errored: u64,
    /// The five counts in one line.
    pub summary: String,
    /// Why the run failed as a whole.
    pub error: Option<String>,
    /// Records that failed: (remote id, message), the first few.
    pub errors: Vec<(String, String)>,
    /// Failed records not listed.
    pub more_errors: u64,
    /// The heading of the failed records' list.
    pub errors_heading: String,
}

impl RunView {
    /// Whether the run has not ended yet.
    pub fn unfinished(&self) -> bool {
        matches!(self.status.as_str(), "queued" | "running")
    }

    /// The start of the error that failed the run, for the list.
    pub fn error_excerpt(&self) -> Option<String> {
        let e = self.error.as_deref()?;
        Some(if e.chars().count() > 160 {
            format!("{}…", e.chars().take(160).collect::<String>())
        } else {
            e.to_string()
        })
    }

    /// When the run last moved: finished, else started, else queued.
    pub fn when(&self) -> &str {
        [&self.finished, &self.started, &self.created].into_iter().find(|t| !t.is_empty()).map_or("", |t| t.as_str())
    }
}

impl SourceView {
    /// Whether the address may be a link (http or https only).
    pub fn url_is_link(&self) -> bool {
        self.url.starts_with("http://") || self.url.starts_with("https://")
    }
}

#[derive(Template)]
#[template(path = "harvest.html")]
struct HarvestListView {
    page: Layout,
    sources: Vec<SourceView>,
    fields: Vec<FormField>,
    errors: Vec<(String, String, String)>,
    /// Errors about no field of the form.
    general: Option<String>,
}

#[derive(Template)]
#[template(path = "harvest_source.html")]
struct HarvestSourceView {
    page: Layout,
    source: SourceView,
    runs: Vec<RunView>,
}

/// A run's moment, to the second (runs often take only seconds).
fn moment(lang: Lang, iso: &str) -> String {
    let day = crate::format::date(lang, iso);
    match iso.get(11..19) {
        Some(hms) if iso.as_bytes().get(10) == Some(&b'T') => format!("{day} {hms} UTC"),
        _ => day,
    }
}

/// A number of the API as a count (never negative).
fn count(n: i64) -> u64 {
    n.max(0) as u64
}

fn run_view(tr: &Tr, lang: Lang, r: RunDoc) -> RunView {
    let when = |t: &Option<String>| t.as_deref().map(|t| moment(lang, t)).unwrap_or_default();
    let key = format!("hv-status-{}", r.status);
    let status_label = if tr.has(&key) { tr.t(&key) } else { r.status.clone() };
    let status_class = match r.status.as_str() {
        "finished" => "status-success",
        "failed" => "status-failure",
        _ => "status-running",
    };
    let s = &r.stats;
    let num = |n: i64| Arg::Str(crate::format::int(lang, n.max(0)));
    let summary = tr.args(
        "hv-counts",
        &[
            ("created", num(s.created)),
            ("updated", num(s.updated)),
            ("deleted", num(s.deleted)),
            ("unchanged", num(s.unchanged)),
            ("errored", num(s.errored)),
        ],
    );
    let listed = r.errors.len();
    let errors: Vec<(String, String)> = r
        .errors
        .iter()
        .take(ERRORS_SHOWN)
        .map(|e| {
            let text = |k: &str| match e.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (text("remote_id"), text("message"))
        })
        .collect();
    // The run counts every failed record; its report keeps the first 1000.
    let more_errors = (count(s.errored).max(listed as u64)).saturating_sub(errors.len() as u64);
    let created = moment(lang, &r.created);
    RunView {
        errors_heading: tr.args("hv-record-errors", &[("when", Arg::Str(created.clone()))]),
        status_label,
        status_class,
        created,
        started: when(&r.started),
        finished: when(&r.finished),
        added: count(s.created),
        updated: count(s.updated),
        deleted: count(s.deleted),
        unchanged: count(s.unchanged),
        errored: count(s.errored),
        summary,
        error: r.error.filter(|e| !e.trim().is_empty()),
        errors,
        more_errors,
        id: r.id,
        status: r.status,
    }
}

/// A validation message of `harvest_source_create` in the page's language.
/// Schedules are read again here to say what is wrong with them.
fn translate(tr: &Tr, field: &str, message: &str, posted: &BTreeMap<String, String>) -> String {
    const MESSAGES: [(&str, &str); 4] = [
        ("Must be 2–100 characters", "hv-v-name"),
        ("A harvest source with this name already exists", "hv-v-name-taken"),
        ("Must be an http:// or https:// address", "hv-v-url"),
        ("Must be kho, ckan, dcat or datamap", "hv-v-type"),
    ];
    if let Some((_, key)) = MESSAGES.iter().find(|(en, _)| message.starts_with(en)) {
        return tr.t(key);
    }
    if field == "schedule"
        && let Some(Err(e)) = posted.get("schedule").map(|s| Schedule::parse(s))
    {
        return schedule_error(tr, &e);
    }
    translate_validation(tr, message)
}

/// What is wrong with a schedule, in words.
fn schedule_error(tr: &Tr, e: &CronError) -> String {
    let field = |f: &kho_core::cron::Field| tr.t(&format!("hv-cron-field-{}", f.number()));
    let text = match e {
        CronError::Empty => tr.t("hv-cron-empty"),
        CronError::FieldCount { found } => tr.args("hv-cron-count", &[("found", Arg::Str(found.to_string()))]),
        CronError::UnknownMacro { text } => tr.args("hv-cron-macro", &[("text", Arg::Str(text.clone()))]),
        CronError::OutOfRange { field: f, value } => tr.args(
            "hv-cron-range",
            &[
                ("field", Arg::Str(field(f))),
                ("value", Arg::Str(value.clone())),
                ("min", Arg::Str(f.min().to_string())),
                ("max", Arg::Str(f.max().to_string())),
            ],
        ),
        // The rest name the field and quote the item in the API's words.
        other => tr.args("hv-cron-other", &[("detail", Arg::Str(other.to_string()))]),
    };
    format!("{text} {}", tr.t("hv-cron-example"))
}

/// The form's fields, with what was posted and the errors.
fn form_fields(
    tr: &Tr,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    orgs: Vec<(String, String)>,
) -> Vec<FormField> {
    let mk = |name: &'static str, kind: FieldKind, required: bool| {
        let hint = format!("hv-h-{name}");
        FormField {
            name,
            label: tr.t(&format!("hv-f-{name}")),
            kind,
            value: values.get(name).cloned().unwrap_or_default(),
            error: errors.get(name).cloned(),
            hint: tr.has(&hint).then(|| tr.t(&hint)),
            required,
        }
    };
    let types = SOURCE_TYPES.iter().map(|t| (t.to_string(), tr.t(&format!("hv-type-{t}")))).collect();
    let orgs = std::iter::once((String::new(), tr.t("hv-org-remote"))).chain(orgs).collect();
    vec![
        mk("name", FieldKind::Text, true),
        mk("title", FieldKind::Text, false),
        mk("type", FieldKind::Select(types), true),
        mk("url", FieldKind::Url, true),
        mk("organization", FieldKind::Select(orgs), false),
        mk("schedule", FieldKind::Text, false),
    ]
}

/// The posted value of a field (first one).
fn first(posted: &BTreeMap<String, Vec<String>>, k: &str) -> String {
    posted.get(k).and_then(|v| v.first()).cloned().unwrap_or_default()
}

impl Portal {
    /// Active organizations: id → (name, title in the page's language),
    /// and the (name, title) options of the form, by title.
    async fn harvest_orgs(&self, lang: Lang) -> Result<(HashMap<String, (String, String)>, Vec<(String, String)>)> {
        let list = self.catalog().group_list_uncounted(true, 10_000).await?;
        let mut by_id = HashMap::new();
        let mut options = Vec::new();
        for g in list {
            let title = lang.pick(&g.title_translated, &g.title).to_string();
            let title = if title.trim().is_empty() { g.name.clone() } else { title };
            by_id.insert(g.id.clone(), (g.name.clone(), title.clone()));
            options.push((g.name, title));
        }
        Ok((by_id, options))
    }

    fn source_view(&self, tr: &Tr, lang: Lang, s: SourceDoc, orgs: &HashMap<String, (String, String)>) -> SourceView {
        let key = format!("hv-type-{}", s.kind);
        SourceView {
            title: if s.title.trim().is_empty() { s.name.clone() } else { s.title },
            kind: if tr.has(&key) { tr.t(&key) } else { s.kind },
            url: s.url,
            organization: s.organization.map(|id| orgs.get(&id).cloned().unwrap_or_else(|| (id.clone(), id))),
            schedule: s.schedule.filter(|x| !x.trim().is_empty()),
            datasets: count(s.datasets + s.databases),
            created: if s.created.is_empty() { String::new() } else { crate::format::datetime(lang, &s.created) },
            last_run: s.last_run.map(|r| run_view(tr, lang, r)),
            name: s.name,
        }
    }

    async fn harvest_list_page(
        &self,
        v: &Visitor,
        values: BTreeMap<String, String>,
        errors: BTreeMap<String, String>,
        general: Option<String>,
    ) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let (by_id, options) = self.harvest_orgs(v.lang).await?;
        let sources = self
            .catalog()
            .harvest_source_list()
            .await?
            .into_iter()
            .filter_map(|s| serde_json::from_value::<SourceDoc>(s).ok())
            .map(|s| self.source_view(&tr, v.lang, s, &by_id))
            .collect();
        let fields = form_fields(&tr, &values, &errors, options);
        let summary =
            fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), f.label.clone(), e))).collect();
        let mut page = self.layout(v, tr.t("hv-title"), "");
        page.robots_noindex = true;
        let view = HarvestListView { page, sources, fields, errors: summary, general };
        Ok(Html { body: render(&view), public: false })
    }

    /// `/harvest`: the sources and the form to add one (sysadmins).
    pub async fn harvest_page(&self, v: &Visitor) -> Result<Html> {
        authorize(&v.actor, Permission::Sysadmin)?;
        let mut values = BTreeMap::new();
        values.insert("type".to_string(), "dcat".to_string());
        self.harvest_list_page(v, values, BTreeMap::new(), None).await
    }

    /// The form of `/harvest`: adds a source, or shows the form again with
    /// the errors next to the fields.
    pub async fn harvest_submit(&self, v: &Visitor, posted: BTreeMap<String, Vec<String>>) -> Result<FormResult> {
        authorize(&v.actor, Permission::Sysadmin)?;
        let tr = Tr::new(v.lang);
        let values: BTreeMap<String, String> = ["name", "title", "type", "url", "organization", "schedule"]
            .iter()
            .map(|k| (k.to_string(), first(&posted, k).trim().to_string()))
            .collect();
        let mut dict = Map::new();
        for (k, val) in &values {
            if !val.is_empty() || matches!(k.as_str(), "name" | "type" | "url") {
                dict.insert(k.clone(), Value::String(val.clone()));
            }
        }
        match self.catalog().harvest_source_create(&v.actor, Fields::new(dict)).await {
            // Back to the list, at the new source's row.
            Ok(s) => {
                let name = s["name"].as_str().unwrap_or_default();
                Ok(FormResult::Redirect(format!("{}#source-{name}", crate::lang_url(v.lang, "/harvest"))))
            }
            Err(Error::Validation(e)) => {
                let known = ["name", "title", "type", "url", "organization", "schedule"];
                let mut errors = BTreeMap::new();
                let mut other = Vec::new();
                for (field, msgs) in e.to_map() {
                    let msgs = match msgs {
                        Value::Array(list) => list,
                        one => vec![one],
                    };
                    let text = msgs
                        .iter()
                        .map(|m| match m {
                            Value::String(s) => translate(&tr, &field, s, &values),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    if known.contains(&field.as_str()) {
                        errors.insert(field, text);
                    } else {
                        other.push(format!("{field}: {text}"));
                    }
                }
                let general = (!other.is_empty()).then(|| other.join(" "));
                let html = self.harvest_list_page(v, values, errors, general).await?;
                Ok(FormResult::Page(400, html))
            }
            Err(e) => Err(e),
        }
    }

    /// `/harvest/{name}`: a source, its runs, and "run now" (sysadmins).
    pub async fn harvest_source_page(&self, v: &Visitor, name: &str) -> Result<Html> {
        authorize(&v.actor, Permission::Sysadmin)?;
        let tr = Tr::new(v.lang);
        let doc = self.catalog().harvest_source_show(name).await?;
        let mut doc: SourceDoc =
            serde_json::from_value(doc).map_err(|e| Error::internal(format!("harvest source: {e}")))?;
        let runs = std::mem::take(&mut doc.runs).into_iter().map(|r| run_view(&tr, v.lang, r)).collect();
        let (by_id, _) = self.harvest_orgs(v.lang).await?;
        let source = self.source_view(&tr, v.lang, doc, &by_id);
        let mut page = self.layout(v, format!("{} · {}", source.title, tr.t("hv-title")), "");
        page.robots_noindex = true;
        let view = HarvestSourceView { page, source, runs };
        Ok(Html { body: render(&view), public: false })
    }

    /// "Run now": queues a run of the source (or finds the unfinished one)
    /// and comes back to its page.
    pub async fn harvest_run_submit(&self, v: &Visitor, name: &str) -> Result<FormResult> {
        self.catalog().harvest_run(&v.actor, name).await?;
        // The page was found by this name: source names are lowercase
        // letters, digits, - and _, safe in a path.
        Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/harvest/{name}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_made_at_run_time_exist_in_both_languages() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let keys = SOURCE_TYPES
                .iter()
                .map(|t| format!("hv-type-{t}"))
                .chain(RUN_STATES.iter().map(|s| format!("hv-status-{s}")))
                .chain((1..=5).map(|n| format!("hv-cron-field-{n}")))
                .chain(
                    ["name", "title", "type", "url", "organization", "schedule"].iter().map(|f| format!("hv-f-{f}")),
                );
            for key in keys {
                assert!(tr.has(&key), "{key} ({})", lang.code());
            }
        }
    }

    #[test]
    fn the_apis_messages_are_translated() {
        let vi = Tr::new(Lang::Vi);
        let none = BTreeMap::new();
        assert_eq!(translate(&vi, "url", "Must be an http:// or https:// address", &none), vi.t("hv-v-url"));
        assert_eq!(translate(&vi, "organization", "Organization does not exist", &none), vi.t("v-org-missing"));
        let mut posted = BTreeMap::new();
        posted.insert("schedule".to_string(), "0 25 * * *".to_string());
        let e = translate(&vi, "schedule", "field 2 (hour) \"25\" is out of range 0–23", &posted);
        assert!(e.contains("giờ") && e.contains("25") && e.contains("0–23"), "{e}");
        posted.insert("schedule".to_string(), "0 2 * *".to_string());
        let e = translate(&vi, "schedule", "expected 5 fields", &posted);
        assert!(e.contains('4') && e.contains("5 trường"), "{e}");
        let en = Tr::new(Lang::En);
        assert!(translate(&en, "schedule", "x", &posted).contains("found 4"));
    }

    #[test]
    fn runs_count_every_failed_record() {
        let tr = Tr::new(Lang::En);
        let doc: RunDoc = serde_json::from_value(serde_json::json!({
            "id": "r", "status": "finished", "created": "2025-01-02T03:04:05Z", "started": null, "finished": null,
            "stats": {"created": 1, "updated": 0, "deleted": 0, "unchanged": 2, "errored": 1500},
            "error": null, "errors": [{"remote_id": "a", "message": "no title"}]
        }))
        .unwrap();
        let r = run_view(&tr, Lang::En, doc);
        assert_eq!(r.errors, [("a".to_string(), "no title".to_string())]);
        assert_eq!(r.more_errors, 1499);
        assert_eq!(r.status_class, "status-success");
        assert!(r.summary.contains("1 created") && r.summary.contains("1,500 failed"), "{}", r.summary);
    }
}
