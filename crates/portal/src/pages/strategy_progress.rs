//! What agencies report on the Strategy, on the portal:
//! `/strategy/tasks/{id}` (a task, its agencies' approved progress with
//! evidence, the history the visitor may see, and for an agency's editors
//! the form that writes and submits their report) and `/strategy/review`
//! (the reviewers' queue of submitted progress reports and entered values,
//! with approve and return forms). Forms work without JavaScript.

use super::staff::translate_validation;
use crate::i18n::{Lang, Tr};
use crate::{FormResult, Html, Layout, Portal, Visitor, format, render};
use askama::Template;
use kho_core::authz::{Permission, authorize};
use kho_core::input::Fields;
use kho_core::{Error, Result};
use kho_strategy::evidence::EvidenceKind;
use kho_strategy::progress::Status;
use kho_strategy::workflow::ReviewState;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Evidence rows the form offers beyond those already filled.
const BLANK_ROWS: usize = 2;
/// Queue items shown per kind.
const QUEUE_SHOWN: i64 = 200;

/// An item of evidence as a link (or plain text when it has no address).
pub struct EvidenceLink {
    pub kind: String,
    pub title: String,
    pub href: Option<String>,
    /// Number and date of a document.
    pub detail: String,
}

/// Evidence items as the page shows them.
pub fn evidence_links(lang: Lang, evidence: &Value) -> Vec<EvidenceLink> {
    evidence
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            let kind = EvidenceKind::parse(&s("kind"));
            let href = match kind {
                Some(EvidenceKind::Dataset) => Some(crate::lang_url(lang, &format!("/dataset/{}", s("dataset")))),
                _ => e["url"].as_str().map(str::to_string),
            };
            let detail = [s("number"), e["date"].as_str().map(|d| format::date(lang, d)).unwrap_or_default()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            EvidenceLink {
                kind: kind
                    .map(|k| if lang == Lang::En { k.label_en() } else { k.label_vi() })
                    .unwrap_or_default()
                    .into(),
                title: s("title"),
                href,
                detail,
            }
        })
        .collect()
}

/// A validation message in the visitor's language.
fn message(tr: &Tr, lang: Lang, en: &str) -> String {
    match lang {
        Lang::Vi => kho_strategy::check::message_vi(en).unwrap_or_else(|| translate_validation(tr, en)),
        Lang::En => en.to_string(),
    }
}

fn messages(tr: &Tr, lang: Lang, v: &Value) -> String {
    match v {
        Value::Array(list) => {
            list.iter().filter_map(Value::as_str).map(|m| message(tr, lang, m)).collect::<Vec<_>>().join(" ")
        }
        Value::String(s) => message(tr, lang, s),
        _ => String::new(),
    }
}

fn role_label(tr: Tr, role: &Value) -> String {
    match role.as_str() {
        Some("lead") => tr.t("st-role-lead"),
        Some("coordinating") => tr.t("st-role-coordinating"),
        _ => tr.t("st-role-other"),
    }
}

fn status_label(lang: Lang, code: &str) -> String {
    Status::parse(code).map(|s| if lang == Lang::En { s.label_en() } else { s.label_vi() }).unwrap_or_default().into()
}

fn state_label(lang: Lang, code: &str) -> String {
    ReviewState::parse(code)
        .map(|s| if lang == Lang::En { s.label_en() } else { s.label_vi() })
        .unwrap_or_default()
        .into()
}

/// This year (UTC), as the catalog counts report years.
fn this_year() -> i64 {
    kho_core::timefmt::today().get(..4).and_then(|y| y.parse().ok()).unwrap_or(2024)
}

fn get(posted: &BTreeMap<String, Vec<String>>, k: &str) -> String {
    posted.get(k).and_then(|x| x.first()).map(|s| s.trim().to_string()).unwrap_or_default()
}

fn fields(v: Value) -> Fields {
    Fields::new(v.as_object().cloned().unwrap_or_default())
}

/// An agency's approved progress on the task page.
pub struct AgencyProgress {
    pub title: String,
    pub name: String,
    pub role: String,
    pub year: i64,
    pub status: String,
    pub status_label: String,
    pub percent: Option<u64>,
    pub period: String,
    pub text: String,
    pub evidence: Vec<EvidenceLink>,
    pub approved: String,
}

/// A change in a record's history.
pub struct HistoryLine {
    pub when: String,
    pub agency: String,
    pub year: i64,
    pub who: String,
    pub step: String,
    pub state: String,
    pub changes: String,
    pub note: String,
}

/// One input of an evidence row.
pub struct EvField {
    /// The posted name and the element id: `ev-0-title`.
    pub name: String,
    pub label: String,
    /// `text`, `url`, `date` or `kind` (a select of the kinds).
    pub input: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// An evidence row of the form.
pub struct EvRow {
    /// 1-based, for people.
    pub n: usize,
    pub fields: Vec<EvField>,
}

/// The progress form of the task page.
pub struct ProgressForm {
    /// The agencies the visitor may report for: name, title, selected.
    pub agencies: Vec<(String, String, bool)>,
    /// A reviewer may type any agency's name.
    pub reviewer: bool,
    pub org_name: String,
    pub org_title: String,
    pub year: i64,
    pub years: Vec<i64>,
    pub state_label: Option<String>,
    pub review_note: Option<String>,
    /// Submitted: nothing to edit until reviewed.
    pub frozen: bool,
    pub status: String,
    pub statuses: Vec<(String, String)>,
    pub percent: String,
    pub period: String,
    pub text: String,
    pub rows: Vec<EvRow>,
    pub kinds: Vec<(String, String)>,
    /// Errors of the whole fields: `status`, `percent`, `period`, `text`,
    /// `evidence`.
    pub errors: BTreeMap<String, String>,
    /// Errors of no field (the record's state, a conflict, the agency).
    pub general: Option<String>,
    /// The error summary: anchor, label, message.
    pub summary: Vec<(String, String, String)>,
}

impl ProgressForm {
    /// The error of a whole field, if any.
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Template)]
#[template(path = "strategy_task.html")]
struct TaskView {
    page: Layout,
    id: String,
    text: String,
    lead: String,
    lead_today: Option<String>,
    coordinating: String,
    coordinating_today: Option<String>,
    deadline: String,
    overdue: bool,
    overall_code: String,
    overall_label: String,
    overall_percent: Option<u64>,
    overall_agencies: u64,
    agencies: Vec<AgencyProgress>,
    history: Vec<HistoryLine>,
    done: Option<String>,
    form: Option<ProgressForm>,
}

/// What the form shows: the posted values and their errors, after a
/// failed submission.
struct Posted {
    org: String,
    year: i64,
    status: String,
    percent: String,
    period: String,
    text: String,
    /// The evidence rows as posted: field → value.
    rows: Vec<BTreeMap<&'static str, String>>,
    errors: BTreeMap<String, String>,
    row_errors: BTreeMap<(usize, String), String>,
    general: Option<String>,
}

const EV_FIELDS: [&str; 6] = ["title", "kind", "url", "dataset", "number", "date"];

impl Portal {
    /// `/strategy/tasks/{id}`: a task, its agencies' approved progress and
    /// the history the visitor may see; for an editor of a concerned agency
    /// (or a reviewer), the form of their report (`?organization=&year=`
    /// choose which).
    pub async fn strategy_task_page(&self, v: &Visitor, id: &str, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let q: BTreeMap<String, String> =
            form_urlencoded::parse(query.as_bytes()).map(|(k, x)| (k.into_owned(), x.into_owned())).collect();
        let done = match q.get("done").map(String::as_str) {
            Some("saved") => Some(tr.t("st-saved")),
            Some("submitted") => Some(tr.t("st-sent")),
            _ => None,
        };
        let org = q.get("organization").cloned().unwrap_or_default();
        let year = q.get("year").and_then(|y| y.parse::<i64>().ok());
        let (_, html) = self.task_view(v, id, &org, year, done, None).await?;
        Ok(html)
    }

    async fn task_view(
        &self,
        v: &Visitor,
        id: &str,
        org: &str,
        year: Option<i64>,
        done: Option<String>,
        posted: Option<Posted>,
    ) -> Result<(u16, Html)> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let c = self.catalog();
        let t = c.strategy_task_show(id).await?;
        let join = |x: &Value| x.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "));
        let pick = |vi: &str, en: &str| if lang == Lang::En { t[en].clone() } else { t[vi].clone() };
        let text = t[if lang == Lang::En { "text_en" } else { "text_vi" }].as_str().unwrap_or_default().to_string();
        let coordinating = join(&pick("coordinating_vi", "coordinating_en")).unwrap_or_default();
        let coordinating_today =
            join(&t["coordinating_today"]).filter(|c| *c != join(&t["coordinating_vi"]).unwrap_or_default());
        let agencies: Vec<AgencyProgress> = t["progress"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| AgencyProgress {
                title: p["organization"]["title"].as_str().unwrap_or_default().into(),
                name: p["organization"]["name"].as_str().unwrap_or_default().into(),
                role: role_label(tr, &p["role"]),
                year: p["year"].as_i64().unwrap_or(0),
                status: p["status"].as_str().unwrap_or_default().into(),
                status_label: status_label(lang, p["status"].as_str().unwrap_or_default()),
                percent: p["percent"].as_u64(),
                period: p["period"].as_str().unwrap_or_default().into(),
                text: p["text"].as_str().unwrap_or_default().into(),
                evidence: evidence_links(lang, &p["evidence"]),
                approved: p["approved"]["approved"].as_str().map(|d| format::date(lang, d)).unwrap_or_default(),
            })
            .collect();

        // The history of every report on the task the visitor may see.
        let list = c.strategy_progress_list(&v.actor, fields(json!({"task": id, "limit": 1000}))).await?;
        let mut history: Vec<(String, HistoryLine)> = Vec::new();
        for r in list["results"].as_array().into_iter().flatten() {
            let shown = c.strategy_progress_show(&v.actor, fields(json!({"id": r["id"]}))).await?;
            for h in shown["history"].as_array().into_iter().flatten() {
                let at = h["at"].as_str().unwrap_or_default().to_string();
                let changes: Vec<String> = h["changes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|f| match f {
                        "status" => tr.t("st-status"),
                        "percent" => tr.t("st-percent"),
                        "period" => tr.t("st-period"),
                        "text" => tr.t("st-progress-text"),
                        "evidence" => tr.t("st-evidence"),
                        other => other.to_string(),
                    })
                    .collect();
                history.push((
                    at.clone(),
                    HistoryLine {
                        when: format::datetime(lang, &at),
                        agency: shown["organization"]["title"].as_str().unwrap_or_default().into(),
                        year: shown["year"].as_i64().unwrap_or(0),
                        who: h["user"].as_str().unwrap_or_default().into(),
                        step: tr.t(&format!("st-step-{}", h["step"].as_str().unwrap_or("edit"))),
                        state: state_label(lang, h["state"].as_str().unwrap_or_default()),
                        changes: changes.join(", "),
                        note: h["note"].as_str().unwrap_or_default().into(),
                    },
                ));
            }
        }
        history.sort_by(|a, b| b.0.cmp(&a.0));

        let form = self.progress_form(v, id, org, year, posted).await?;
        let status =
            if form.as_ref().is_some_and(|f| !f.summary.is_empty() || f.general.is_some()) { 400 } else { 200 };
        let mut page = self.layout(v, format!("{} {}", tr.t("st-task-page"), id), "strategy");
        page.robots_noindex = form.is_some();
        let overall = &t["overall"];
        let view = TaskView {
            page,
            id: id.to_string(),
            text,
            lead: join(&pick("lead_vi", "lead_en")).unwrap_or_default(),
            lead_today: join(&pick("lead_current_vi", "lead_current_en")),
            coordinating,
            coordinating_today,
            deadline: t["deadline_as_written"].as_str().unwrap_or_default().into(),
            overdue: t["overdue"].as_bool().unwrap_or(false),
            overall_code: overall["status"].as_str().unwrap_or_default().into(),
            overall_label: overall[if lang == Lang::En { "label_en" } else { "label" }]
                .as_str()
                .unwrap_or_default()
                .into(),
            overall_percent: overall["percent"].as_u64(),
            overall_agencies: overall["agencies"].as_u64().unwrap_or(0),
            agencies,
            history: history.into_iter().map(|(_, h)| h).collect(),
            done,
            form,
        };
        let public = v.user_name().is_none();
        Ok((status, Html { body: render(&view), public }))
    }

    /// The report form, for a visitor who may report on the task.
    async fn progress_form(
        &self,
        v: &Visitor,
        task: &str,
        org: &str,
        year: Option<i64>,
        posted: Option<Posted>,
    ) -> Result<Option<ProgressForm>> {
        if v.user_name().is_none() {
            return Ok(None);
        }
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let c = self.catalog();
        let reviewer = authorize(&v.actor, Permission::Review).is_ok();
        let mine = c.strategy_progress_agencies(&v.actor, task).await?;
        if mine.is_empty() && !reviewer {
            return Ok(None);
        }
        let this_year = this_year();
        let org = posted.as_ref().map(|p| p.org.clone()).unwrap_or_else(|| org.to_string());
        let org = if org.is_empty() {
            mine.first().and_then(|m| m["name"].as_str()).unwrap_or_default().to_string()
        } else {
            org
        };
        let year = posted.as_ref().map(|p| p.year).or(year).unwrap_or(this_year).clamp(2024, this_year);
        let agencies = mine
            .iter()
            .map(|m| {
                let name = m["name"].as_str().unwrap_or_default().to_string();
                let selected = name == org;
                (name, m["title"].as_str().unwrap_or_default().to_string(), selected)
            })
            .collect();
        // The working copy, when there is one.
        let current = if org.is_empty() {
            None
        } else {
            match c
                .strategy_progress_show(&v.actor, fields(json!({"task": task, "organization": org, "year": year})))
                .await
            {
                Ok(r) => Some(r),
                Err(Error::NotFound(_)) => None,
                Err(Error::Validation(_)) => None,
                Err(e) => return Err(e),
            }
        };
        let org_title = match &current {
            Some(r) => r["organization"]["title"].as_str().unwrap_or_default().to_string(),
            None => mine
                .iter()
                .find(|m| m["name"].as_str() == Some(org.as_str()))
                .and_then(|m| m["title"].as_str())
                .unwrap_or(org.as_str())
                .to_string(),
        };
        let cur = |k: &str| -> String {
            current
                .as_ref()
                .map(|r| match &r[k] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                })
                .unwrap_or_default()
        };
        let state = current.as_ref().and_then(|r| r["state"].as_str()).unwrap_or_default().to_string();
        let (status, percent, period, text, mut rows) = match &posted {
            Some(p) => (p.status.clone(), p.percent.clone(), p.period.clone(), p.text.clone(), p.rows.clone()),
            None => {
                let rows: Vec<BTreeMap<&'static str, String>> = current
                    .as_ref()
                    .and_then(|r| r["evidence"].as_array())
                    .into_iter()
                    .flatten()
                    .map(|e| EV_FIELDS.iter().map(|f| (*f, e[*f].as_str().unwrap_or_default().to_string())).collect())
                    .collect();
                (cur("status"), cur("percent"), cur("period"), cur("text"), rows)
            }
        };
        rows.extend((0..BLANK_ROWS).map(|_| BTreeMap::new()));
        rows.truncate(kho_strategy::evidence::MAX_ITEMS);
        let (errors, row_errors, general) = match posted {
            Some(p) => (p.errors, p.row_errors, p.general),
            None => (BTreeMap::new(), BTreeMap::new(), None),
        };
        let label = |f: &str| match f {
            "title" => tr.t("st-ev-title"),
            "kind" => tr.t("st-ev-kind"),
            "url" => tr.t("st-ev-url"),
            "dataset" => tr.t("st-ev-dataset"),
            "number" => tr.t("st-ev-number"),
            _ => tr.t("st-ev-date"),
        };
        let mut summary: Vec<(String, String, String)> = Vec::new();
        for (f, key) in [
            ("status", "st-status"),
            ("percent", "st-percent"),
            ("period", "st-period"),
            ("text", "st-progress-text"),
            ("evidence", "st-evidence"),
        ] {
            if let Some(m) = errors.get(f) {
                summary.push((format!("pf-{f}"), tr.t(key), m.clone()));
            }
        }
        let rows: Vec<EvRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| EvRow {
                n: i + 1,
                fields: EV_FIELDS
                    .iter()
                    .map(|f| {
                        let error = row_errors.get(&(i, f.to_string())).cloned();
                        if let Some(e) = &error {
                            summary.push((
                                format!("ev-{i}-{f}"),
                                format!("{} {} · {}", tr.t("st-evidence"), i + 1, label(f)),
                                e.clone(),
                            ));
                        }
                        EvField {
                            name: format!("ev-{i}-{f}"),
                            label: label(f),
                            input: match *f {
                                "kind" => "kind",
                                "url" => "url",
                                "date" => "date",
                                _ => "text",
                            },
                            value: r.get(f).cloned().unwrap_or_default(),
                            error,
                        }
                    })
                    .collect(),
            })
            .collect();
        let review_note = current
            .as_ref()
            .filter(|_| state == "rejected")
            .and_then(|r| r["review_note"].as_str())
            .map(str::to_string);
        Ok(Some(ProgressForm {
            agencies,
            reviewer,
            org_title,
            org_name: org,
            year,
            years: (2024..=this_year).rev().collect(),
            state_label: (!state.is_empty()).then(|| state_label(lang, &state)),
            review_note,
            frozen: state == "submitted",
            status,
            statuses: Status::ALL
                .iter()
                .map(|s| (s.code().to_string(), if lang == Lang::En { s.label_en() } else { s.label_vi() }.to_string()))
                .collect(),
            percent,
            period,
            text,
            rows,
            kinds: EvidenceKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), if lang == Lang::En { k.label_en() } else { k.label_vi() }.to_string()))
                .collect(),
            errors,
            general,
            summary,
        }))
    }

    /// The form of `/strategy/tasks/{id}`: saves the agency's draft (and
    /// submits it with `do=submit`), then back to the page; with errors,
    /// the page again with each beside its field.
    pub async fn strategy_task_submit(
        &self,
        v: &Visitor,
        task: &str,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let org = get(&posted, "organization");
        let year = get(&posted, "year").parse::<i64>().ok();
        // The evidence rows people filled, and which row each item came from.
        let mut evidence = Vec::new();
        let mut from_row = Vec::new();
        let mut rows = Vec::new();
        for i in 0..kho_strategy::evidence::MAX_ITEMS {
            if !EV_FIELDS.iter().any(|f| posted.contains_key(&format!("ev-{i}-{f}"))) {
                break;
            }
            let row: BTreeMap<&'static str, String> =
                EV_FIELDS.iter().map(|f| (*f, get(&posted, &format!("ev-{i}-{f}")))).collect();
            if row.values().any(|x| !x.is_empty()) {
                let item: Map<String, Value> =
                    row.iter().filter(|(_, x)| !x.is_empty()).map(|(k, x)| ((*k).to_string(), json!(x))).collect();
                evidence.push(Value::Object(item));
                from_row.push(rows.len());
                rows.push(row);
            }
        }
        let mut body = json!({"task": task, "organization": org, "status": get(&posted, "status"),
                              "percent": get(&posted, "percent"), "period": get(&posted, "period"),
                              "text": get(&posted, "text"), "evidence": evidence});
        if let Some(y) = year {
            body["year"] = json!(y);
        }
        let c = self.catalog();
        let submit = get(&posted, "do") == "submit";
        let result = match c.strategy_progress_update(&v.actor, fields(body)).await {
            Ok(r) if submit => c.strategy_progress_submit(&v.actor, fields(json!({"id": r["id"]}))).await,
            other => other,
        };
        match result {
            Ok(r) => {
                let to = format!(
                    "/strategy/tasks/{}?organization={}&year={}&done={}",
                    task,
                    r["organization"]["name"].as_str().unwrap_or(&org),
                    r["year"],
                    if submit { "submitted" } else { "saved" }
                );
                Ok(FormResult::Redirect(crate::lang_url(lang, &to)))
            }
            Err(Error::Validation(e)) => {
                let mut errors = BTreeMap::new();
                let mut row_errors = BTreeMap::new();
                let mut general = Vec::new();
                for (field, msgs) in e.to_map() {
                    match (field.as_str(), &msgs) {
                        ("evidence", Value::Array(items)) if items.iter().any(Value::is_object) => {
                            for (j, item) in items.iter().enumerate() {
                                let Some(item) = item.as_object() else { continue };
                                let row = from_row.get(j).copied().unwrap_or(j);
                                for (f, m) in item {
                                    row_errors.insert((row, f.clone()), messages(&tr, lang, m));
                                }
                            }
                        }
                        ("status" | "percent" | "period" | "text" | "evidence", _) => {
                            errors.insert(field.clone(), messages(&tr, lang, &msgs));
                        }
                        _ => general.push(messages(&tr, lang, &msgs)),
                    }
                }
                let posted = Posted {
                    org,
                    year: year.unwrap_or_else(this_year),
                    status: get(&posted, "status"),
                    percent: get(&posted, "percent"),
                    period: get(&posted, "period"),
                    text: get(&posted, "text"),
                    rows,
                    errors,
                    row_errors,
                    general: (!general.is_empty()).then(|| general.join(" ")),
                };
                let (status, html) = self.task_view(v, task, "", None, None, Some(posted)).await?;
                Ok(FormResult::Page(status.max(400), html))
            }
            Err(e) => Err(e),
        }
    }
}

/// An item of the review queue.
pub struct QueueItem {
    /// `progress` or `indicator`.
    pub kind: String,
    pub id: String,
    pub heading: String,
    /// The task page, for progress.
    pub link: Option<String>,
    pub subject: String,
    pub agency: String,
    pub year: i64,
    pub submitted: String,
    /// Label and value lines.
    pub lines: Vec<(String, String)>,
    pub text: String,
    pub evidence: Vec<EvidenceLink>,
    pub error: Option<String>,
    pub note: String,
}

/// A part of the review queue: its heading's message id and its items.
pub struct QueueSection {
    pub key: &'static str,
    pub items: Vec<QueueItem>,
}

#[derive(Template)]
#[template(path = "strategy_review.html")]
struct ReviewView {
    page: Layout,
    done: Option<String>,
    sections: Vec<QueueSection>,
}

impl Portal {
    async fn review_view(
        &self,
        v: &Visitor,
        done: Option<String>,
        failed: Option<(String, String, String)>,
    ) -> Result<Html> {
        authorize(&v.actor, Permission::Review)?;
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let c = self.catalog();
        let filter = json!({"state": "submitted", "limit": QUEUE_SHOWN});
        let progress = c.strategy_progress_list(&v.actor, fields(filter.clone())).await?;
        let entries = c.strategy_indicator_entry_list(&v.actor, fields(filter)).await?;
        let item = |kind: &str, r: &Value| {
            let id = r["id"].as_str().unwrap_or_default().to_string();
            let (error, note) = match &failed {
                Some((fid, err, note)) if *fid == id => (Some(err.clone()), note.clone()),
                _ => (None, String::new()),
            };
            let agency =
                r["organization"]["title"].as_str().map(str::to_string).unwrap_or_else(|| tr.t("st-national-scope"));
            let mut lines = Vec::new();
            let (heading, link, subject, text) = if kind == "progress" {
                let task = &r["task"];
                let tid = task["id"].as_str().unwrap_or_default().to_string();
                lines.push((tr.t("st-status"), status_label(lang, r["status"].as_str().unwrap_or_default())));
                if let Some(p) = r["percent"].as_u64() {
                    lines.push((tr.t("st-percent"), format!("{p} %")));
                }
                if let Some(p) = r["period"].as_str() {
                    lines.push((tr.t("st-period"), p.to_string()));
                }
                (
                    format!("{} {tid}", tr.t("st-task-page")),
                    Some(crate::lang_url(lang, &format!("/strategy/tasks/{tid}"))),
                    task[if lang == Lang::En { "text_en" } else { "text_vi" }].as_str().unwrap_or_default().to_string(),
                    r["text"].as_str().unwrap_or_default().to_string(),
                )
            } else {
                let target = &r["target"];
                let value = match (r["numerator"].as_u64(), r["denominator"].as_u64(), r["count"].as_u64()) {
                    (Some(n), Some(d), _) => {
                        format!("{} % ({n} / {d})", format::decimal(lang, r["value"].as_f64().unwrap_or(0.0), 2))
                    }
                    (_, _, Some(n)) => n.to_string(),
                    _ => format!("{} %", format::decimal(lang, r["value"].as_f64().unwrap_or(0.0), 2)),
                };
                lines.push((tr.t("st-value-entered"), value));
                (
                    format!("{} {}", tr.t("st-target"), target["section"].as_str().unwrap_or_default()),
                    None,
                    target[if lang == Lang::En { "text_en" } else { "text_vi" }]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    r["note"].as_str().unwrap_or_default().to_string(),
                )
            };
            QueueItem {
                kind: kind.into(),
                id,
                heading,
                link,
                subject,
                agency,
                year: r["year"].as_i64().unwrap_or(0),
                submitted: r["submitted"].as_str().map(|s| format::datetime(lang, s)).unwrap_or_default(),
                lines,
                text,
                evidence: evidence_links(lang, &r["evidence"]),
                error,
                note,
            }
        };
        let progress = progress["results"].as_array().into_iter().flatten().map(|r| item("progress", r)).collect();
        let entries = entries["results"].as_array().into_iter().flatten().map(|r| item("indicator", r)).collect();
        let mut page = self.layout(v, tr.t("st-review-title"), "strategy");
        page.robots_noindex = true;
        let sections = vec![
            QueueSection { key: "st-review-progress", items: progress },
            QueueSection { key: "st-review-entries", items: entries },
        ];
        Ok(Html { body: render(&ReviewView { page, done, sections }), public: false })
    }

    /// `/strategy/review`: what awaits review (reviewers).
    pub async fn strategy_review_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let done =
            form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "done").and_then(|(_, d)| match d.as_ref() {
                "approve" => Some(tr.t("st-review-approved")),
                "reject" => Some(tr.t("st-review-rejected")),
                _ => None,
            });
        self.review_view(v, done, None).await
    }

    /// The forms of `/strategy/review`: approves or returns one item, or
    /// shows the queue again with the error at the item.
    pub async fn strategy_review_submit(
        &self,
        v: &Visitor,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        authorize(&v.actor, Permission::Review)?;
        let tr = Tr::new(v.lang);
        let (kind, id, decision, note) =
            (get(&posted, "kind"), get(&posted, "id"), get(&posted, "decision"), get(&posted, "note"));
        let mut body = json!({"id": id, "decision": decision});
        if !note.is_empty() {
            body["note"] = json!(note);
        }
        let c = self.catalog();
        let result = match kind.as_str() {
            "indicator" => c.strategy_indicator_entry_review(&v.actor, fields(body)).await,
            _ => c.strategy_progress_review(&v.actor, fields(body)).await,
        };
        match result {
            Ok(_) => Ok(FormResult::Redirect(crate::lang_url(
                v.lang,
                &format!("/strategy/review?done={}", if decision == "reject" { "reject" } else { "approve" }),
            ))),
            Err(Error::Validation(e)) => {
                let text =
                    e.to_map()
                        .into_iter()
                        .map(|(field, msgs)| {
                            if field == "note" { tr.t("st-review-note-required") } else { messages(&tr, v.lang, &msgs) }
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                let html = self.review_view(v, None, Some((id, text, note))).await?;
                Ok(FormResult::Page(400, html))
            }
            Err(e) => Err(e),
        }
    }
}
