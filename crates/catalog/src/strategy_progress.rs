//! What agencies report on the Strategy, under review (migration 0013):
//! each task's progress per concerned agency and year
//! (`strategy_progress_*`), and indicator values entered by hand with
//! evidence (`strategy_indicator_entry_*`).
//!
//! Both are records of `strategy_records` with the same workflow
//! (`kho_strategy::workflow`): an agency's editors write a draft and submit
//! it; a reviewer approves it or rejects it with a note. The last approved
//! version is public and stays so while a newer draft is written; drafts,
//! submissions and rejections are seen only by the agency (and agencies
//! above it) and reviewers (`authz::registry_filter`, as for the annual
//! reports). Every change appends to the record's history.

use crate::strategy::parse_year;
use crate::{Catalog, Error, Result};
use kho_core::authz::{Actor, Permission, authorize, registry_filter};
use kho_core::error::ValidationErrors;
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_store::groups::GroupRow;
use kho_store::strategy::{self as store, HistoryRow, RecordFilter, RecordRow};
use kho_strategy::check::{FieldProblem, Problem};
use kho_strategy::evidence::Evidence;
use kho_strategy::indicators::Scope;
use kho_strategy::progress::{self, AgencyRole, Reported, Status};
use kho_strategy::workflow::{ReviewState, Step};
use kho_strategy::{Target, Task, Unit, entries, seed};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// The scope of a national indicator entry.
const NATIONAL: &str = "national";
/// Most records one list returns.
const LIST_MAX: i64 = 1000;

/// Which kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A task's progress (subject: a task id; scope: an organization id).
    Progress,
    /// An entered indicator value (subject: a target id; scope: an
    /// organization id or `national`).
    Indicator,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Progress => "progress",
            Kind::Indicator => "indicator",
        }
    }

    /// How messages name a record.
    fn noun(self) -> &'static str {
        match self {
            Kind::Progress => "progress report",
            Kind::Indicator => "indicator entry",
        }
    }

    /// The request field naming the subject.
    fn subject_field(self) -> &'static str {
        match self {
            Kind::Progress => "task",
            Kind::Indicator => "target",
        }
    }

    fn not_found(self) -> Error {
        Error::not_found(format!("No such {}", self.noun()))
    }
}

/// How much of a record an actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// Everything: the working copy, its state and the whole history (the
    /// agency and agencies above it, reviewers).
    Full,
    /// Only what was approved (everyone else).
    Approved,
}

/// What of `row` the actor may see, if anything.
fn view_of(actor: &Actor, row: &RecordRow) -> Option<View> {
    let full = if row.scope == NATIONAL {
        authorize(actor, Permission::Review).is_ok()
    } else {
        registry_filter(actor).sees_unreviewed(&row.scope)
    };
    if full {
        Some(View::Full)
    } else if row.approved_content.is_some() {
        Some(View::Approved)
    } else {
        None
    }
}

/// Who may write a record of this scope: the agency's editors, or for the
/// nation the reviewers.
fn authorize_write(actor: &Actor, scope: &str) -> Result<()> {
    if scope == NATIONAL {
        authorize(actor, Permission::Review)
    } else {
        authorize(actor, Permission::EditAgencyRecords { org_id: scope })
    }
}

/// Field problems as CKAN's error dictionary: `{"percent": [...],
/// "evidence": [{}, {"url": [...]}]}`.
fn problems_error(problems: Vec<FieldProblem>) -> Error {
    let mut errors = ValidationErrors::default();
    let mut items: BTreeMap<usize, ValidationErrors> = BTreeMap::new();
    for p in problems {
        match p.index {
            None => errors.add(p.field, p.problem.en()),
            Some(i) => items.entry(i).or_default().add(p.field, p.problem.en()),
        }
    }
    let len = items.keys().next_back().map_or(0, |i| i + 1);
    for (i, inner) in items {
        errors.add_nested("evidence", i, len, inner);
    }
    Error::Validation(errors)
}

fn state_of(row: &RecordRow) -> ReviewState {
    ReviewState::parse(&row.state).unwrap_or(ReviewState::Draft)
}

fn parse_map(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

/// The state and content a viewer sees.
fn shown(row: &RecordRow, view: View) -> (ReviewState, Map<String, Value>) {
    match view {
        View::Full => (state_of(row), parse_map(&row.content)),
        View::Approved => (ReviewState::Approved, parse_map(row.approved_content.as_deref().unwrap_or("{}"))),
    }
}

/// The top-level fields whose values differ between two versions.
fn changed(before: Option<&Map<String, Value>>, after: &Map<String, Value>) -> Vec<String> {
    let empty = Map::new();
    let before = before.unwrap_or(&empty);
    let mut keys: Vec<String> = before.keys().chain(after.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| before.get(k).unwrap_or(&Value::Null) != after.get(k).unwrap_or(&Value::Null)).collect()
}

/// A record's history as the viewer may see it: everything, or only the
/// approvals (each with what it approved).
fn history_json(rows: &[HistoryRow], view: View) -> Vec<Value> {
    let mut previous: Option<Map<String, Value>> = None;
    let mut out = Vec::new();
    for h in rows {
        if view == View::Approved && h.step != Step::Approve.code() {
            continue;
        }
        let content = parse_map(&h.content);
        let changes = changed(previous.as_ref(), &content);
        out.push(json!({"seq": h.seq, "at": h.at, "user": h.user_name, "step": h.step, "state": h.state,
                        "note": h.note, "changes": changes, "content": content}));
        previous = Some(content);
    }
    out
}

/// An organization as records name it.
fn org_json(g: Option<&GroupRow>, id: &str) -> Value {
    match g {
        Some(g) => json!({"id": g.id, "name": g.name, "title": g.title}),
        None => json!({"id": id, "name": null, "title": null}),
    }
}

fn status_json(content: &Map<String, Value>) -> (Value, Value, Value) {
    match content.get("status").and_then(Value::as_str).and_then(Status::parse) {
        Some(s) => (json!(s.code()), json!(s.label_vi()), json!(s.label_en())),
        None => (Value::Null, Value::Null, Value::Null),
    }
}

/// A progress report's fields.
fn progress_fields(content: &Map<String, Value>) -> Map<String, Value> {
    let (status, label, label_en) = status_json(content);
    let mut m = Map::new();
    m.insert("status".into(), status);
    m.insert("status_label".into(), label);
    m.insert("status_label_en".into(), label_en);
    for k in ["percent", "period", "text", "evidence"] {
        m.insert(k.into(), content.get(k).cloned().unwrap_or(Value::Null));
    }
    if m["evidence"].is_null() {
        m.insert("evidence".into(), json!([]));
    }
    m
}

/// An entry's fields, with the figure to show (`value`: the share in
/// percent, or the count).
fn entry_fields(content: &Map<String, Value>, unit: Unit) -> Map<String, Value> {
    let mut m = Map::new();
    for k in entries::FIELDS {
        m.insert(k.into(), content.get(k).cloned().unwrap_or(Value::Null));
    }
    if m["evidence"].is_null() {
        m.insert("evidence".into(), json!([]));
    }
    let today = timefmt::today();
    let value = entries::parse(content, unit, &today).ok().map(|e| e.value.value());
    m.insert("value".into(), json!(value));
    m.insert("source".into(), json!("entered"));
    m
}

fn task_of(row: &RecordRow) -> Option<&'static Task> {
    seed().task(&row.subject)
}

fn target_of(row: &RecordRow) -> Option<&'static Target> {
    seed().target(&row.subject)
}

fn role_json(task: Option<&Task>, g: Option<&GroupRow>) -> Value {
    let role = task.zip(g).and_then(|(t, g)| progress::role_of(t, &g.title, Scope::of_kind(g.agency_kind.as_deref())));
    json!(role.map(AgencyRole::code))
}

/// A record as the API gives it to a viewer.
fn record_json(kind: Kind, row: &RecordRow, view: View, g: Option<&GroupRow>, history: Option<&[HistoryRow]>) -> Value {
    let (state, content) = shown(row, view);
    let mut v = match kind {
        Kind::Progress => {
            let task = task_of(row);
            let mut v = json!({
                "task": task.map(|t| json!({"id": t.id, "text_vi": t.text_vi, "text_en": t.text_en,
                                            "deadline": t.deadline_as_written})),
                "organization": org_json(g, &row.scope),
                "role": role_json(task, g),
            });
            if let Some(o) = v.as_object_mut() {
                o.extend(progress_fields(&content));
            }
            v
        }
        Kind::Indicator => {
            let target = target_of(row);
            let unit = target.map_or(Unit::Percent, |t| t.unit);
            let mut v = json!({
                "target": target.map(|t| json!({"id": t.id, "section": t.section, "value": t.value, "unit": t.unit,
                                                "text_vi": t.text_vi, "text_en": t.text_en,
                                                "computed": t.indicator})),
                "scope": if row.scope == NATIONAL { "national" } else { "organization" },
                "organization": if row.scope == NATIONAL { Value::Null } else { org_json(g, &row.scope) },
            });
            if let Some(o) = v.as_object_mut() {
                o.extend(entry_fields(&content, unit));
            }
            v
        }
    };
    let approved = row.approved_content.as_deref().map(|a| {
        let a = parse_map(a);
        let mut m = match kind {
            Kind::Progress => progress_fields(&a),
            Kind::Indicator => entry_fields(&a, target_of(row).map_or(Unit::Percent, |t| t.unit)),
        };
        m.insert("approved".into(), json!(row.approved));
        Value::Object(m)
    });
    let full = view == View::Full;
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(row.id));
        o.insert("year".into(), json!(row.year));
        o.insert("state".into(), json!(state.code()));
        o.insert("state_label".into(), json!(state.label_vi()));
        o.insert("state_label_en".into(), json!(state.label_en()));
        o.insert("created".into(), json!(row.created));
        o.insert("modified".into(), json!(if full { Some(&row.modified) } else { row.approved.as_ref() }));
        o.insert("submitted".into(), json!(if full { row.submitted.as_ref() } else { None }));
        o.insert("reviewed".into(), json!(if full { row.reviewed.as_ref() } else { row.approved.as_ref() }));
        o.insert("review_note".into(), json!(if full { row.review_note.as_ref() } else { None }));
        o.insert("approved".into(), approved.unwrap_or(Value::Null));
        if let Some(h) = history {
            o.insert("history".into(), Value::Array(history_json(h, view)));
        }
    }
    v
}

/// Text of a form field: empty and `null` clear a field of the draft.
fn is_blank(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

impl Catalog {
    /// Organizations by id (active or not: a record outlives a rename).
    async fn orgs_by_id(&self, ids: &[String]) -> Result<HashMap<String, GroupRow>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut conn = self.store().conn().await?;
        Ok(kho_store::groups::by_id(&mut conn, ids).await?)
    }

    /// Checks that every dataset named as evidence is a public dataset of
    /// this node (it will be shown to everyone once approved).
    async fn check_datasets(&self, evidence: &[Evidence]) -> Result<()> {
        let mut problems = Vec::new();
        for (i, e) in evidence.iter().enumerate() {
            if let Some(name) = &e.dataset {
                match self.package_show(&Actor::anonymous(), name).await {
                    Ok(_) => {}
                    Err(Error::NotFound(_)) => problems.push(FieldProblem::item(i, "dataset", Problem::DatasetUnknown)),
                    Err(e) => return Err(e),
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems_error(problems)) }
    }

    /// The record a request names (`id`, or subject, organization and
    /// year), if the actor may see it.
    async fn find_record(&self, actor: &Actor, kind: Kind, f: &mut Fields) -> Result<(RecordRow, View)> {
        let id = f.text("id", 100);
        let subject = f.text(kind.subject_field(), 20);
        let org = f.text("organization", 200);
        let year = parse_year(f)?;
        let mut conn = self.store().conn().await?;
        let row = match (&id, &subject) {
            (Some(id), _) => store::record(&mut conn, id).await?.filter(|r| r.kind == kind.code()),
            (None, Some(subject)) => {
                let scope = match (&org, kind) {
                    (Some(o), _) => crate::datasets::active_org(&mut conn, o, "organization").await?.id,
                    (None, Kind::Indicator) => NATIONAL.to_string(),
                    (None, Kind::Progress) => return Err(Error::field("organization", "Missing value")),
                };
                store::record_by_key(&mut conn, kind.code(), subject, &scope, i64::from(year)).await?
            }
            (None, None) => {
                return Err(Error::field(
                    "id",
                    format!(
                        "Missing value: the {}'s id, or {} and organization (and year)",
                        kind.noun(),
                        kind.subject_field()
                    ),
                ));
            }
        };
        let row = row.ok_or_else(|| kind.not_found())?;
        let view = view_of(actor, &row).ok_or_else(|| kind.not_found())?;
        Ok((row, view))
    }

    /// Writes a change and appends it to the history, in one transaction;
    /// a conflict when someone changed the record since it was read.
    async fn save_record(
        &self,
        actor: &Actor,
        row: &RecordRow,
        read: Option<i64>,
        step: Step,
        note: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.store().write().await?;
        match read {
            None => match store::insert_record(&mut tx, row).await {
                Ok(()) => {}
                Err(kho_store::StoreError::Unique { .. }) => return Err(conflict()),
                Err(e) => return Err(e.into()),
            },
            Some(version) => {
                if !store::update_record(&mut tx, row, version).await? {
                    return Err(conflict());
                }
            }
        }
        store::append_history(
            &mut tx,
            &HistoryRow {
                record_id: row.id.clone(),
                seq: 0,
                at: row.modified.clone(),
                user_id: actor.user_id().map(str::to_string),
                user_name: actor.display().to_string(),
                step: step.code().into(),
                state: row.state.clone(),
                content: row.content.clone(),
                note: note.map(str::to_string),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A record as the actor sees it, with its history.
    async fn record_out(&self, actor: &Actor, kind: Kind, row: &RecordRow) -> Result<Value> {
        let view = view_of(actor, row).ok_or_else(|| kind.not_found())?;
        let mut conn = self.store().conn().await?;
        let history = store::history(&mut conn, &row.id).await?;
        drop(conn);
        let orgs = self.orgs_by_id(std::slice::from_ref(&row.scope)).await?;
        Ok(record_json(kind, row, view, orgs.get(&row.scope), Some(&history)))
    }

    /// Creates or edits the draft of the record `key` names with the
    /// fields given (`null` or empty clears one), checked as a whole by
    /// `check`.
    async fn edit_record(
        &self,
        actor: &Actor,
        key: Key<'_>,
        given: Map<String, Value>,
        check: impl Fn(&Map<String, Value>) -> std::result::Result<Value, Vec<FieldProblem>>,
    ) -> Result<Value> {
        let Key { kind, subject, scope, year } = key;
        let mut conn = self.store().conn().await?;
        let existing = store::record_by_key(&mut conn, kind.code(), subject, scope, i64::from(year)).await?;
        drop(conn);
        let state = match &existing {
            Some(r) => state_of(r).after(Step::Edit).map_err(|e| Error::field("id", e.to_string()))?,
            None => ReviewState::Draft,
        };
        let mut content = existing.as_ref().map(|r| parse_map(&r.content)).unwrap_or_default();
        for (k, v) in given {
            if is_blank(&v) {
                content.remove(&k);
            } else {
                content.insert(k, v);
            }
        }
        let checked = check(&content).map_err(problems_error)?;
        let evidence: Vec<Evidence> = serde_json::from_value(checked["evidence"].clone()).unwrap_or_default();
        self.check_datasets(&evidence).await?;
        let text = checked.to_string();
        let now = timefmt::now();
        let row = match existing {
            Some(r) if r.content == text && state_of(&r) == state => return self.record_out(actor, kind, &r).await,
            Some(mut r) => {
                let read = r.version;
                r.state = state.code().into();
                r.content = text;
                r.version = read + 1;
                r.modified = now;
                self.save_record(actor, &r, Some(read), Step::Edit, None).await?;
                r
            }
            None => {
                let r = RecordRow {
                    id: kho_store::new_id(),
                    kind: kind.code().into(),
                    subject: subject.into(),
                    scope: scope.into(),
                    year: i64::from(year),
                    state: state.code().into(),
                    content: text,
                    approved_content: None,
                    approved: None,
                    version: 1,
                    created: now.clone(),
                    modified: now,
                    submitted: None,
                    submitter_user_id: None,
                    reviewed: None,
                    reviewer_user_id: None,
                    review_note: None,
                };
                self.save_record(actor, &r, None, Step::Edit, None).await?;
                r
            }
        };
        self.record_out(actor, kind, &row).await
    }

    /// Sends the record for review (the agency's editors).
    async fn submit_record(&self, actor: &Actor, kind: Kind, mut f: Fields) -> Result<Value> {
        let (mut row, _) = self.find_record(actor, kind, &mut f).await?;
        f.reject_unknown(&format!(
            "strategy_{}_submit takes id, or {}, organization and year.",
            if kind == Kind::Progress { "progress" } else { "indicator_entry" },
            kind.subject_field()
        ));
        f.finish()?;
        authorize_write(actor, &row.scope)?;
        let state = state_of(&row).after(Step::Submit).map_err(|e| Error::field("id", e.to_string()))?;
        let read = row.version;
        let now = timefmt::now();
        row.state = state.code().into();
        row.version = read + 1;
        row.submitted = Some(now.clone());
        row.submitter_user_id = actor.user_id().map(str::to_string);
        row.modified = now;
        self.save_record(actor, &row, Some(read), Step::Submit, None).await?;
        self.record_out(actor, kind, &row).await
    }

    /// Approves or rejects (with a note) a submitted record (reviewers).
    async fn review_record(&self, actor: &Actor, kind: Kind, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let decision = f.required_text("decision", 20);
        let note = f.text("note", 5000);
        let (mut row, _) = self.find_record(actor, kind, &mut f).await?;
        f.reject_unknown("A review takes id (or its subject, organization and year), decision and note.");
        f.finish()?;
        let step = match decision.as_deref().and_then(Step::decision) {
            Some(Step::Reject) if note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
                return Err(Error::field("note", "Missing value: tell the agency why it is rejected"));
            }
            Some(step) => step,
            None => return Err(Error::field("decision", "Value must be one of approve, reject")),
        };
        let state = state_of(&row).after(step).map_err(|e| Error::field("id", e.to_string()))?;
        let read = row.version;
        let now = timefmt::now();
        row.state = state.code().into();
        row.version = read + 1;
        row.reviewed = Some(now.clone());
        row.reviewer_user_id = actor.user_id().map(str::to_string);
        row.review_note = note.clone();
        if step == Step::Approve {
            row.approved_content = Some(row.content.clone());
            row.approved = Some(now.clone());
        }
        row.modified = now;
        self.save_record(actor, &row, Some(read), step, note.as_deref()).await?;
        self.record_out(actor, kind, &row).await
    }

    /// The records of `filter` the actor may see, as seen, narrowed by the
    /// shown state and status, paged.
    async fn list_records(
        &self,
        actor: &Actor,
        kind: Kind,
        filter: RecordFilter<'_>,
        shown_as: Narrow,
    ) -> Result<Value> {
        let Narrow { state, status, limit, offset } = shown_as;
        let mut conn = self.store().conn().await?;
        let rows = store::records(&mut conn, &filter).await?;
        drop(conn);
        let seen: Vec<(&RecordRow, View)> = rows
            .iter()
            .filter_map(|r| Some((r, view_of(actor, r)?)))
            .filter(|(r, view)| {
                let (s, content) = shown(r, *view);
                state.is_none_or(|want| want == s)
                    && status.is_none_or(|want| content.get("status").and_then(Value::as_str) == Some(want.code()))
            })
            .collect();
        let count = seen.len();
        let page: Vec<(&RecordRow, View)> = seen
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(0))
            .take(usize::try_from(limit).unwrap_or(0))
            .collect();
        let mut ids: Vec<String> = page.iter().map(|(r, _)| r.scope.clone()).filter(|s| s != NATIONAL).collect();
        ids.sort();
        ids.dedup();
        let orgs = self.orgs_by_id(&ids).await?;
        let results: Vec<Value> =
            page.iter().map(|(r, view)| record_json(kind, r, *view, orgs.get(&r.scope), None)).collect();
        Ok(json!({"count": count, "results": results}))
    }

    /// Reads a list's filters: organization (resolved to its id) and year,
    /// then state, limit and offset.
    async fn list_filters(&self, f: &mut Fields) -> Result<(Option<String>, Option<i64>, Narrow)> {
        let org = f.text("organization", 200);
        let year = f.int_in("year", 2024, 2100);
        let state = f.text("state", 20);
        let limit = f.int_in("limit", 0, LIST_MAX).unwrap_or(100);
        let offset = f.int_in("offset", 0, i64::MAX).unwrap_or(0);
        let state =
            match state {
                None => None,
                Some(s) => Some(ReviewState::parse(&s).ok_or_else(|| {
                    Error::field("state", "Value must be one of draft, submitted, approved, rejected")
                })?),
            };
        let scope = match org {
            None => None,
            Some(o) if o == NATIONAL => Some(NATIONAL.to_string()),
            Some(o) => {
                let mut conn = self.store().conn().await?;
                Some(crate::datasets::active_org(&mut conn, &o, "organization").await?.id)
            }
        };
        Ok((scope, year, Narrow { state, status: None, limit, offset }))
    }
}

/// Which record: its kind, subject, scope and year.
struct Key<'a> {
    kind: Kind,
    subject: &'a str,
    scope: &'a str,
    year: i32,
}

/// How a list is narrowed by what the viewer sees, and paged.
struct Narrow {
    state: Option<ReviewState>,
    status: Option<Status>,
    limit: i64,
    offset: i64,
}

fn conflict() -> Error {
    Error::field("id", "It was changed by someone else meanwhile; reload it and try again")
}

/// The given fields among `keys`, as sent.
fn given_fields(f: &mut Fields, keys: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for k in keys {
        if f.has(k)
            && let Some(v) = f.raw(k)
        {
            out.insert((*k).to_string(), v.clone());
        }
    }
    out
}

impl Catalog {
    /// `strategy_progress_update`: creates or edits an agency's draft
    /// progress report on a task for a year: `task`, `organization` (a
    /// lead or coordinating agency of the task today; reviewers may name
    /// any), `year` (default this year), `status`, `percent`, `period`,
    /// `text`, `evidence`. Fields not given keep the draft's values. The
    /// agency's editors write it; a submitted report waits for its review.
    pub async fn strategy_progress_update(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let task = f.required_text("task", 20);
        let org = f.required_text("organization", 200);
        let year = parse_year(&mut f)?;
        let given = given_fields(&mut f, &progress::FIELDS);
        f.reject_unknown(
            "strategy_progress_update takes task, organization, year, status, percent, period, text and evidence.",
        );
        f.finish()?;
        let (task, org) = (task.unwrap_or_default(), org.unwrap_or_default());
        let task = seed()
            .task(&task)
            .ok_or_else(|| Error::field("task", format!("No task \"{task}\" in the Strategy's appendix")))?;
        let mut conn = self.store().conn().await?;
        let g = crate::datasets::active_org(&mut conn, &org, "organization").await?;
        drop(conn);
        authorize(actor, Permission::EditAgencyRecords { org_id: &g.id })?;
        if progress::role_of(task, &g.title, Scope::of_kind(g.agency_kind.as_deref())).is_none()
            && authorize(actor, Permission::Review).is_err()
        {
            return Err(Error::field(
                "organization",
                format!(
                    "{} is not a lead or coordinating agency of task {} (as the ministries are today); a reviewer may add another agency",
                    g.title, task.id
                ),
            ));
        }
        let today = timefmt::today();
        let key = Key { kind: Kind::Progress, subject: &task.id, scope: &g.id, year };
        self.edit_record(actor, key, given, |content| {
            let p = progress::parse(content, &today)?;
            Ok(serde_json::to_value(&p).unwrap_or_default())
        })
        .await
    }

    /// `strategy_progress_submit`: the agency sends its draft (or rejected)
    /// report for review.
    pub async fn strategy_progress_submit(&self, actor: &Actor, f: Fields) -> Result<Value> {
        self.submit_record(actor, Kind::Progress, f).await
    }

    /// `strategy_progress_review` (reviewers): approves or rejects (with a
    /// `note`) a submitted report.
    pub async fn strategy_progress_review(&self, actor: &Actor, f: Fields) -> Result<Value> {
        self.review_record(actor, Kind::Progress, f).await
    }

    /// `strategy_progress_show`: one report, with its history, as the
    /// actor may see it.
    pub async fn strategy_progress_show(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let (row, _) = self.find_record(actor, Kind::Progress, &mut f).await?;
        f.reject_unknown("strategy_progress_show takes id, or task, organization and year.");
        f.finish()?;
        self.record_out(actor, Kind::Progress, &row).await
    }

    /// `strategy_progress_list`: the reports the actor may see, by `task`,
    /// `organization`, `year`, `state` and `status`, paged by `limit` and
    /// `offset`.
    pub async fn strategy_progress_list(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let task = f.text("task", 20);
        let status = f.text("status", 20);
        let (scope, year, mut narrow) = self.list_filters(&mut f).await?;
        f.reject_unknown("strategy_progress_list takes task, organization, year, state, status, limit and offset.");
        f.finish()?;
        narrow.status = match status {
            None => None,
            Some(s) => Some(Status::parse(&s).ok_or_else(|| Error::field("status", Problem::Status.en()))?),
        };
        let filter = RecordFilter {
            kind: Kind::Progress.code(),
            subject: task.as_deref(),
            scope: scope.as_deref(),
            year,
            ..Default::default()
        };
        self.list_records(actor, Kind::Progress, filter, narrow).await
    }

    /// `strategy_indicator_entry_update`: creates or edits the draft of a
    /// value entered by hand for a target and year: `target` (e.g.
    /// `T2030-6`), `organization` (the agency's own figure, by its
    /// editors; absent for the national figure, by reviewers), `year`,
    /// `numerator` and `denominator` or `percent` (or `count` for a target
    /// counted in units), `note`, `evidence` (at least one item).
    pub async fn strategy_indicator_entry_update(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let target = f.required_text("target", 20);
        let org = f.text("organization", 200);
        let year = parse_year(&mut f)?;
        let given = given_fields(&mut f, &entries::FIELDS);
        f.reject_unknown(
            "strategy_indicator_entry_update takes target, organization, year, numerator, denominator, percent, count, note and evidence.",
        );
        f.finish()?;
        let target = target.unwrap_or_default();
        let target = seed().target(&target).ok_or_else(|| {
            Error::field("target", format!("No target \"{target}\" in the Strategy (T2030-1 … T2030-25)"))
        })?;
        let scope = match org.filter(|o| o != NATIONAL) {
            Some(o) => {
                let mut conn = self.store().conn().await?;
                crate::datasets::active_org(&mut conn, &o, "organization").await?.id
            }
            None => NATIONAL.to_string(),
        };
        authorize_write(actor, &scope)?;
        let today = timefmt::today();
        let unit = target.unit;
        let key = Key { kind: Kind::Indicator, subject: &target.id, scope: &scope, year };
        self.edit_record(actor, key, given, |content| {
            let e = entries::parse(content, unit, &today)?;
            // Stored as sent (normalised), so a later edit of one field keeps the others.
            let mut m = Map::new();
            match e.value {
                entries::EnteredValue::Ratio { numerator, denominator } => {
                    m.insert("numerator".into(), json!(numerator));
                    m.insert("denominator".into(), json!(denominator));
                }
                entries::EnteredValue::Percent { percent } => {
                    m.insert("percent".into(), json!(percent));
                }
                entries::EnteredValue::Count { count } => {
                    m.insert("count".into(), json!(count));
                }
            }
            m.insert("note".into(), json!(e.note));
            m.insert("evidence".into(), serde_json::to_value(&e.evidence).unwrap_or_default());
            Ok(Value::Object(m))
        })
        .await
    }

    /// `strategy_indicator_entry_submit`: sends an entry for review.
    pub async fn strategy_indicator_entry_submit(&self, actor: &Actor, f: Fields) -> Result<Value> {
        self.submit_record(actor, Kind::Indicator, f).await
    }

    /// `strategy_indicator_entry_review` (reviewers): approves or rejects
    /// (with a `note`) a submitted entry.
    pub async fn strategy_indicator_entry_review(&self, actor: &Actor, f: Fields) -> Result<Value> {
        self.review_record(actor, Kind::Indicator, f).await
    }

    /// `strategy_indicator_entry_show`: one entry, with its history.
    pub async fn strategy_indicator_entry_show(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let (row, _) = self.find_record(actor, Kind::Indicator, &mut f).await?;
        f.reject_unknown("strategy_indicator_entry_show takes id, or target, organization and year.");
        f.finish()?;
        self.record_out(actor, Kind::Indicator, &row).await
    }

    /// `strategy_indicator_entry_list`: the entries the actor may see, by
    /// `target`, `organization` (`national` for the nation's), `year` and
    /// `state`, paged.
    pub async fn strategy_indicator_entry_list(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let target = f.text("target", 20);
        let (scope, year, narrow) = self.list_filters(&mut f).await?;
        f.reject_unknown("strategy_indicator_entry_list takes target, organization, year, state, limit and offset.");
        f.finish()?;
        let filter = RecordFilter {
            kind: Kind::Indicator.code(),
            subject: target.as_deref(),
            scope: scope.as_deref(),
            year,
            ..Default::default()
        };
        self.list_records(actor, Kind::Indicator, filter, narrow).await
    }

    /// The agencies `actor` may report progress for on `task`: those it
    /// edits for that lead or coordinate the task today, leads first
    /// (`{id, name, title, role}`). Reviewers may name any other agency.
    pub async fn strategy_progress_agencies(&self, actor: &Actor, task: &str) -> Result<Vec<Value>> {
        let task = seed()
            .task(task)
            .ok_or_else(|| Error::not_found(format!("No task \"{task}\" in the Strategy's appendix")))?;
        // Only candidates: whether each may be written for is authz's to say.
        let ids: Vec<String> = actor.memberships.keys().cloned().collect();
        let orgs = self.orgs_by_id(&ids).await?;
        let mut out: Vec<(AgencyRole, &GroupRow)> = orgs
            .values()
            .filter(|g| g.is_org() && g.state == "active")
            .filter(|g| authorize(actor, Permission::EditAgencyRecords { org_id: &g.id }).is_ok())
            .filter_map(|g| Some((progress::role_of(task, &g.title, Scope::of_kind(g.agency_kind.as_deref()))?, g)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.title.cmp(&b.1.title)));
        Ok(out
            .into_iter()
            .map(|(role, g)| json!({"id": g.id, "name": g.name, "title": g.title, "role": role.code()}))
            .collect())
    }

    /// The approved entered values of `year`, as everyone sees them, with
    /// the level of their scope (`national`, `ministry`, `province`, or
    /// null for other organizations).
    pub(crate) async fn entered_values(&self, year: i32) -> Result<Vec<(Option<Scope>, Value)>> {
        let filter = RecordFilter {
            kind: Kind::Indicator.code(),
            year: Some(i64::from(year)),
            approved_only: true,
            ..Default::default()
        };
        let mut conn = self.store().conn().await?;
        let rows = store::records(&mut conn, &filter).await?;
        drop(conn);
        let ids: Vec<String> = rows.iter().map(|r| r.scope.clone()).filter(|s| s != NATIONAL).collect();
        let orgs = self.orgs_by_id(&ids).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let g = orgs.get(&r.scope);
                let level = if r.scope == NATIONAL {
                    Some(Scope::National)
                } else {
                    g.and_then(|g| Scope::of_kind(g.agency_kind.as_deref()))
                };
                (level, record_json(Kind::Indicator, r, View::Approved, g, None))
            })
            .collect())
    }

    /// Each task's approved progress: per task, each agency's latest
    /// approved report (newest year), as everyone sees it.
    pub(crate) async fn approved_progress(&self) -> Result<HashMap<String, Vec<Value>>> {
        let filter = RecordFilter { kind: Kind::Progress.code(), approved_only: true, ..Default::default() };
        let mut conn = self.store().conn().await?;
        let rows = store::records(&mut conn, &filter).await?;
        drop(conn);
        let mut ids: Vec<String> = rows.iter().map(|r| r.scope.clone()).collect();
        ids.sort();
        ids.dedup();
        let orgs = self.orgs_by_id(&ids).await?;
        let mut out: HashMap<String, Vec<Value>> = HashMap::new();
        // Rows come newest year first: the first of each agency is its latest.
        let mut seen: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
        for r in &rows {
            if seen.insert((r.subject.as_str(), r.scope.as_str())) {
                out.entry(r.subject.clone()).or_default().push(record_json(
                    Kind::Progress,
                    r,
                    View::Approved,
                    orgs.get(&r.scope),
                    None,
                ));
            }
        }
        Ok(out)
    }

    /// An agency's approved progress reports of a year, by task id.
    pub(crate) async fn agency_progress(&self, org_id: &str, year: i32) -> Result<HashMap<String, Value>> {
        let filter = RecordFilter {
            kind: Kind::Progress.code(),
            scope: Some(org_id),
            year: Some(i64::from(year)),
            approved_only: true,
            ..Default::default()
        };
        let mut conn = self.store().conn().await?;
        let rows = store::records(&mut conn, &filter).await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.subject.clone(),
                    Value::Object(progress_fields(&parse_map(r.approved_content.as_deref().unwrap_or("{}")))),
                )
            })
            .collect())
    }
}

/// A task's overall status from its agencies' approved reports (as
/// [`Catalog::approved_progress`] gives them).
pub(crate) fn overall_json(reports: &[Value], overdue: bool) -> Value {
    let reported: Vec<Reported> = reports
        .iter()
        .filter_map(|r| {
            Some(Reported {
                role: match r["role"].as_str() {
                    Some("lead") => Some(AgencyRole::Lead),
                    Some("coordinating") => Some(AgencyRole::Coordinating),
                    _ => None,
                },
                status: Status::parse(r["status"].as_str()?)?,
                percent: r["percent"].as_u64().and_then(|p| u8::try_from(p).ok()),
            })
        })
        .collect();
    let r = progress::roll_up(&reported, overdue);
    json!({"status": r.status.code(), "label": r.status.label_vi(), "label_en": r.status.label_en(),
           "percent": r.percent, "agencies": r.agencies})
}
