//! Monitoring the National Data Strategy (Decision 142/QĐ-TTg): its 2030
//! targets and the key tasks of its appendix, from the curated seed in
//! `kho-strategy`, with the ministries that hold each task today.

use crate::{Catalog, Error, Result};
use kho_core::authz::{Actor, Permission, authorize, registry_filter};
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_store::strategy::{self as store, MethodRow, RankingRow, ReportRow, ValueRow};
use kho_strategy::indicators::{self, AgencyValues, Computed, OpenData, Scope};
use kho_strategy::ranking::{self, Method};
use kho_strategy::workflow::{ReviewState, Step};
use kho_strategy::{Indicator, Task, seed};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// A task as the API gives it: the seed's fields, today's lead and
/// coordinating agencies, the changes that moved it (with their date and
/// legal basis), each agency's latest approved progress (`progress`; in
/// lists without its text and evidence) and the overall status they make
/// (`overall`, see `kho_strategy::progress::roll_up`).
fn task_json(t: &Task, year: i32, progress: Option<&Vec<Value>>, full: bool) -> Value {
    let s = seed();
    let mut v = json!(t);
    let changes: Vec<Value> = t
        .lead_vi
        .iter()
        .filter_map(|a| s.change_for(a))
        .map(
            |c| json!({"original": c.original_vi, "current": c.current_vi, "effective": c.effective, "basis": c.basis}),
        )
        .collect();
    v["lead_today"] = json!(t.lead_today());
    v["coordinating_today"] = json!(kho_strategy::progress::coordinating_today(t));
    v["lead_changes"] = Value::Array(changes);
    v["overdue"] = json!(t.is_overdue(year));
    let reports = progress.cloned().unwrap_or_default();
    v["overall"] = crate::strategy_progress::overall_json(&reports, t.is_overdue(year));
    v["progress"] = Value::Array(if full {
        reports
    } else {
        reports
            .iter()
            .map(|r| {
                json!({"id": r["id"], "organization": r["organization"], "role": r["role"], "year": r["year"],
                       "status": r["status"], "status_label": r["status_label"], "percent": r["percent"]})
            })
            .collect()
    });
    v
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

impl Catalog {
    /// `strategy_target_list`: the Decision's quantified targets, with the
    /// indicator Kho computes for each where it has the data.
    pub fn strategy_target_list(&self) -> Value {
        let s = seed();
        json!({"decision": s.decision, "targets": s.targets})
    }

    /// `strategy_task_list`: the appendix's key tasks, filtered by `part`
    /// (A|B|C), `group` (Roman numeral), `agency` (a lead agency as the
    /// Decision names it or as it is today), `overdue` (true: the time
    /// ended before this year), each with its approved progress and
    /// overall status.
    pub async fn strategy_task_list(&self, mut f: Fields) -> Result<Value> {
        let part = f.text("part", 2).map(|p| p.to_ascii_uppercase());
        let group = f.text("group", 10).map(|g| g.to_ascii_uppercase());
        let agency = f.text("agency", 300);
        let overdue = f.bool("overdue");
        f.reject_unknown("strategy_task_list takes part, group, agency and overdue.");
        f.finish()?;
        if let Some(p) = &part
            && !["A", "B", "C"].contains(&p.as_str())
        {
            return Err(Error::field("part", "Value must be one of A, B, C"));
        }
        let year = this_year();
        let progress = self.approved_progress().await?;
        let tasks: Vec<Value> = seed()
            .tasks
            .iter()
            .filter(|t| part.as_ref().is_none_or(|p| t.part.as_str() == p))
            .filter(|t| group.as_ref().is_none_or(|g| &t.group == g))
            .filter(|t| {
                agency.as_ref().is_none_or(|a| t.lead_vi.iter().any(|l| l == a) || t.lead_today().contains(&a.as_str()))
            })
            .filter(|t| overdue.is_none_or(|o| t.is_overdue(year) == o))
            .map(|t| task_json(t, year, progress.get(&t.id), false))
            .collect();
        Ok(json!({"count": tasks.len(), "results": tasks, "agency_changes": seed().agency_changes}))
    }

    /// `strategy_task_show`: one task by id (e.g. `C.XIV.3`), with each
    /// agency's latest approved progress (text and evidence included).
    pub async fn strategy_task_show(&self, id: &str) -> Result<Value> {
        let t =
            seed().task(id).ok_or_else(|| Error::not_found(format!("No task \"{id}\" in the Strategy's appendix")))?;
        let progress = self.approved_progress().await?;
        Ok(task_json(t, this_year(), progress.get(&t.id), true))
    }
}

/// Figures as the API gives them, with the target each one measures.
fn values_json(values: &[indicators::Value]) -> Value {
    let s = seed();
    Value::Array(
        values
            .iter()
            .map(|v| {
                let target = s.targets.iter().find(|t| t.indicator == Some(v.indicator));
                json!({"indicator": v.indicator, "numerator": v.numerator, "denominator": v.denominator,
                       "value": v.percent().map(|p| (p * 100.0).round() / 100.0),
                       "target": target.map(|t| json!({"id": t.id, "section": t.section, "value": t.value}))})
            })
            .collect(),
    )
}

/// The figures of one year: computed now for the current year, else as
/// stored when that year's ranking ran.
struct YearFigures {
    year: i32,
    computed: Computed,
    /// When they were computed.
    at: String,
}

/// The `year` of a request: this year by default, at most this year.
pub(crate) fn parse_year(f: &mut Fields) -> Result<i32> {
    let now = this_year();
    let y = f.int_in("year", 2024, 2100).map(|y| y as i32).unwrap_or(now);
    if y > now {
        return Err(Error::field("year", format!("Must be at most {now}")));
    }
    Ok(y)
}

/// A report's state after `step`: the same workflow as progress and
/// entered values (`kho_strategy::workflow`), except that a report keeps
/// one version, so an approved report is final.
fn report_step(row: &ReportRow, step: Step) -> Result<ReviewState> {
    let now = ReviewState::parse(&row.state).ok_or_else(|| Error::internal("report in an unknown state"))?;
    if now == ReviewState::Approved && step == Step::Edit {
        return Err(Error::field("id", "The report is approved; an approved report is final"));
    }
    now.after(step).map_err(|e| Error::field("id", format!("The report: {e}")))
}

impl Catalog {
    /// Each organization's public datasets and those meeting the open-data
    /// quality threshold, from the quality ranking.
    async fn open_data_by_org(&self) -> Result<HashMap<String, OpenData>> {
        Ok(self
            .quality_ranking()
            .await?
            .iter()
            .map(|a| (a.id.clone(), OpenData { datasets: a.datasets as u64, meeting: a.meeting as u64 }))
            .collect())
    }

    /// The agencies by id, as the data map keeps them.
    async fn agencies_by_id(&self) -> Result<HashMap<String, kho_datamap::Agency>> {
        let state = self.datamap_state().await?;
        Ok(state.all.snapshot.agencies.iter().map(|a| (a.id.clone(), a.clone())).collect())
    }

    /// Every indicator now, from the approved map and the catalog.
    async fn indicators_now(&self) -> Result<Computed> {
        let state = self.datamap_state().await?;
        let open = self.open_data_by_org().await?;
        Ok(indicators::compute(&state.all, &open))
    }

    /// A year's figures, or `None` for a past year nobody ranked (its
    /// figures were never recorded).
    async fn recorded_figures(&self, year: i32) -> Result<Option<YearFigures>> {
        match self.year_figures(year).await {
            Ok(f) => Ok(Some(f)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn year_figures(&self, year: i32) -> Result<YearFigures> {
        if year == this_year() {
            let computed = self.indicators_now().await?;
            return Ok(YearFigures { year, computed, at: timefmt::now() });
        }
        let mut conn = self.store().conn().await?;
        let rows = store::values(&mut conn, i64::from(year)).await?;
        if rows.is_empty() {
            return Err(Error::not_found(format!("No indicator figures were recorded for {year}")));
        }
        let state = self.datamap_state().await?;
        let agencies = &state.all.snapshot.agencies;
        let kinds: HashMap<&str, Option<Scope>> =
            agencies.iter().map(|a| (a.id.as_str(), Scope::of_kind(a.kind.as_deref()))).collect();
        let at = rows.first().map(|r| r.computed.clone()).unwrap_or_default();
        let mut by_scope: BTreeMap<String, Vec<indicators::Value>> = BTreeMap::new();
        for r in rows {
            let Some(indicator) = Indicator::parse(&r.indicator) else { continue };
            by_scope.entry(r.scope).or_default().push(indicators::Value {
                indicator,
                numerator: r.numerator.max(0) as u64,
                denominator: r.denominator.max(0) as u64,
            });
        }
        let national = by_scope.remove("national").unwrap_or_default();
        let agencies = by_scope
            .into_iter()
            .filter_map(|(id, values)| {
                let scope = kinds.get(id.as_str()).copied().flatten()?;
                Some(AgencyValues { agency: id, scope, values })
            })
            .collect();
        Ok(YearFigures { year, computed: Computed { national, agencies }, at })
    }

    /// `strategy_indicator_list`: the computed indicators of `year`
    /// (default this year, computed now; earlier years as recorded by
    /// their ranking) for the nation and each ministry-level agency and
    /// province (`level` narrows to one), and beside them (`entered`) the
    /// approved values entered by hand with evidence, marked
    /// `"source": "entered"`; those never replace a computed figure.
    pub async fn strategy_indicator_list(&self, mut f: Fields) -> Result<Value> {
        let year = parse_year(&mut f)?;
        let level = f.text("level", 20);
        f.reject_unknown("strategy_indicator_list takes year and level.");
        f.finish()?;
        let level = match level.as_deref() {
            None => None,
            Some(l) => Some(
                Scope::parse(l)
                    .ok_or_else(|| Error::field("level", "Value must be one of ministry, province, national"))?,
            ),
        };
        let entered: Vec<Value> = self
            .entered_values(year)
            .await?
            .into_iter()
            .filter(|(scope, _)| level.is_none_or(|l| *scope == Some(l)))
            .map(|(_, v)| v)
            .collect();
        let fig = match self.recorded_figures(year).await? {
            Some(fig) => fig,
            // A past year nobody ranked may still have entered values.
            None if !entered.is_empty() => YearFigures {
                year,
                computed: Computed { national: Vec::new(), agencies: Vec::new() },
                at: String::new(),
            },
            None => return Err(Error::not_found(format!("No indicator figures were recorded for {year}"))),
        };
        let names = self.agencies_by_id().await?;
        let agencies: Vec<Value> = fig
            .computed
            .agencies
            .iter()
            .filter(|a| level.is_none_or(|l| l == a.scope))
            .map(|a| {
                let ag = names.get(&a.agency);
                json!({"id": a.agency, "name": ag.map(|x| x.name.clone()), "title": ag.map(|x| x.title.clone()),
                       "code": ag.and_then(|x| x.code.clone()), "level": a.scope, "values": values_json(&a.values)})
            })
            .collect();
        let national =
            if level.is_none_or(|l| l == Scope::National) { values_json(&fig.computed.national) } else { json!([]) };
        Ok(json!({"year": fig.year, "computed": fig.at, "national": national, "agencies": agencies,
                  "entered": entered}))
    }

    /// The ranking method of `version` (default: the latest; the first is
    /// written the first time one is needed).
    async fn ranking_method(&self, version: Option<i64>) -> Result<(i64, Method)> {
        let mut tx = self.store().write().await?;
        let mut all = store::methods(&mut tx).await?;
        if all.is_empty() {
            let row = MethodRow {
                version: 1,
                method: serde_json::to_string(&Method::default()).map_err(Error::internal)?,
                notes: "Mọi chỉ số cùng trọng số; tỷ lệ giữ nguyên; chỉ số không đo được thì bỏ qua.".into(),
                created: timefmt::now(),
                creator_user_id: None,
            };
            store::insert_method(&mut tx, &row).await?;
            tx.commit().await?;
            all.push(row);
        }
        let row = match version {
            Some(v) => all
                .into_iter()
                .find(|m| m.version == v)
                .ok_or_else(|| Error::field("method", format!("No ranking method version {v}")))?,
            None => all.into_iter().next().ok_or_else(|| Error::internal("no ranking method"))?,
        };
        let m: Method =
            serde_json::from_str(&row.method).map_err(|e| Error::internal(format!("stored method unreadable: {e}")))?;
        Ok((row.version, m))
    }

    /// `strategy_method_create` (reviewers): a new version of the ranking
    /// method: `weights` ({indicator: weight}), `normalisation`
    /// (none|min_max), `missing` (skip|zero), `notes`.
    pub async fn strategy_method_create(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let weights = f.raw("weights").cloned().unwrap_or(Value::Null);
        let normalisation = f.text("normalisation", 20).unwrap_or_else(|| "none".into());
        let missing = f.text("missing", 20).unwrap_or_else(|| "skip".into());
        let notes = f.text("notes", 5000).unwrap_or_default();
        f.reject_unknown("strategy_method_create takes weights, normalisation, missing and notes.");
        f.finish()?;
        let method: Method = serde_json::from_value(json!({"weights": weights, "normalisation": normalisation, "missing": missing}))
            .map_err(|e| Error::field("weights", format!("Must be {{indicator: weight}} with indicators {}; normalisation none|min_max; missing skip|zero ({e})",
                Indicator::ALL.iter().map(|i| i.code()).collect::<Vec<_>>().join(", "))))?;
        method.check().map_err(|e| Error::field("weights", e.to_string()))?;
        self.ranking_method(None).await?;
        let mut tx = self.store().write().await?;
        let next = store::methods(&mut tx).await?.first().map_or(1, |m| m.version + 1);
        let row = MethodRow {
            version: next,
            method: serde_json::to_string(&method).map_err(Error::internal)?,
            notes,
            created: timefmt::now(),
            creator_user_id: actor.user_id().map(str::to_string),
        };
        store::insert_method(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(method_json(&row))
    }

    /// `strategy_method_list`: every version of the ranking method.
    pub async fn strategy_method_list(&self) -> Result<Vec<Value>> {
        self.ranking_method(None).await?;
        let mut conn = self.store().conn().await?;
        Ok(store::methods(&mut conn).await?.iter().map(method_json).collect())
    }

    /// `strategy_ranking_run` (reviewers): ranks the ministry-level
    /// agencies and the provinces for `year` (default this year, whose
    /// figures are computed now and recorded) by `method` (a version,
    /// default the latest). A past year is recomputed from its recorded
    /// figures, so last year's ranking can be redone by any method.
    pub async fn strategy_ranking_run(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let year = parse_year(&mut f)?;
        let version = f.int("method");
        f.reject_unknown("strategy_ranking_run takes year and method.");
        f.finish()?;
        let (version, method) = self.ranking_method(version).await?;
        let fig = self.year_figures(year).await?;
        let mut tx = self.store().write().await?;
        if year == this_year() {
            let mut rows = Vec::new();
            let mut push = |scope: &str, values: &[indicators::Value]| {
                for v in values {
                    rows.push(ValueRow {
                        year: i64::from(year),
                        scope: scope.to_string(),
                        indicator: v.indicator.code().to_string(),
                        numerator: v.numerator as i64,
                        denominator: v.denominator as i64,
                        computed: fig.at.clone(),
                    });
                }
            };
            push("national", &fig.computed.national);
            for a in &fig.computed.agencies {
                push(&a.agency, &a.values);
            }
            store::replace_values(&mut tx, i64::from(year), &rows).await?;
        }
        for level in [Scope::Ministry, Scope::Province] {
            let input: Vec<(String, Vec<indicators::Value>)> = fig
                .computed
                .agencies
                .iter()
                .filter(|a| a.scope == level)
                .map(|a| (a.agency.clone(), a.values.clone()))
                .collect();
            let rows = ranking::rank(&method, &input);
            store::upsert_ranking(
                &mut tx,
                &RankingRow {
                    year: i64::from(year),
                    level: level.code().into(),
                    method_version: version,
                    rows_json: serde_json::to_string(&rows).map_err(Error::internal)?,
                    computed: timefmt::now(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(year, method = version, "strategy ranking computed");
        let mut out = Map::new();
        for level in ["ministry", "province"] {
            out.insert(level.into(), self.ranking_show(Some(year), level).await?);
        }
        Ok(Value::Object(out))
    }

    /// `strategy_ranking_show`: a level's ranking (`ministry` or
    /// `province`) for `year` (default the latest ranked), with its
    /// method, and every ranked year's ranks (history).
    pub async fn strategy_ranking_show(&self, mut f: Fields) -> Result<Value> {
        let year = f.int_in("year", 2000, 2100).map(|y| y as i32);
        let level = f.text("level", 20).unwrap_or_else(|| Scope::Province.code().to_string());
        f.reject_unknown("strategy_ranking_show takes year and level.");
        f.finish()?;
        self.ranking_show(year, &level).await
    }

    /// A year's ranking of `level` (the latest without `year`) with its
    /// history, as `strategy_ranking_show` answers it.
    pub async fn ranking_show(&self, year: Option<i32>, level: &str) -> Result<Value> {
        if !matches!(level, "ministry" | "province") {
            return Err(Error::field("level", "Value must be one of ministry, province"));
        }
        let mut conn = self.store().conn().await?;
        let all = store::rankings(&mut conn, level).await?;
        let r = match year {
            Some(y) => all.iter().find(|r| r.year == i64::from(y)),
            None => all.first(),
        }
        .ok_or_else(|| Error::not_found("No ranking has been computed for that year yet"))?;
        let agencies = self.agencies_by_id().await?;
        let method = store::methods(&mut conn).await?.into_iter().find(|m| m.version == r.method_version);
        let name =
            |id: &str| agencies.get(id).map(|a| json!({"id": a.id, "name": a.name, "title": a.title, "code": a.code}));
        let rows: Vec<ranking::Row> = serde_json::from_str(&r.rows_json).map_err(Error::internal)?;
        let rows_json: Vec<Value> = rows
            .iter()
            .map(|x| json!({"rank": x.rank, "score": x.score, "agency": name(&x.agency), "parts": x.parts}))
            .collect();
        let history: Vec<Value> = all
            .iter()
            .map(|h| {
                let rows: Vec<ranking::Row> = serde_json::from_str(&h.rows_json).unwrap_or_default();
                let ranks: Map<String, Value> = rows
                    .iter()
                    .filter_map(|x| {
                        Some((agencies.get(&x.agency)?.name.clone(), json!({"rank": x.rank, "score": x.score})))
                    })
                    .collect();
                json!({"year": h.year, "method_version": h.method_version, "ranks": ranks})
            })
            .collect();
        Ok(json!({"year": r.year, "level": r.level, "computed": r.computed, "method": method.as_ref().map(method_json),
                  "rows": rows_json, "history": history}))
    }

    /// The report `id` names (or the agency's report of `year`), if the
    /// actor may see it: approved ones are public, the rest only to the
    /// agency and reviewers.
    async fn visible_report(&self, actor: &Actor, f: &mut Fields) -> Result<ReportRow> {
        let id = f.text("id", 100);
        let org = f.text("organization", 200);
        let year = f.int("year");
        let mut conn = self.store().conn().await?;
        let row = match (&id, &org) {
            (Some(id), _) => store::report(&mut conn, Some(id), None).await?,
            (None, Some(o)) => {
                let g = crate::datasets::active_org(&mut conn, o, "organization").await?;
                store::report(&mut conn, None, Some((&g.id, year.unwrap_or(i64::from(this_year()))))).await?
            }
            (None, None) => return Err(Error::field("id", "Missing value: the report's id, or organization and year")),
        };
        let row = row.ok_or_else(|| Error::not_found("No such report"))?;
        if row.state != ReviewState::Approved.code() && !registry_filter(actor).sees_unreviewed(&row.org_id) {
            return Err(Error::not_found("No such report"));
        }
        Ok(row)
    }

    /// `strategy_report_create`: an agency's annual report for `year`
    /// (default this year), drafted from the data: its indicators, its
    /// databases on the map, its open data and the Strategy's tasks it
    /// leads. Its editors write it.
    pub async fn strategy_report_create(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let org = f.required_text("organization", 200);
        let year = parse_year(&mut f)?;
        f.reject_unknown("strategy_report_create takes organization and year.");
        f.finish()?;
        let org = org.unwrap_or_default();
        let mut conn = self.store().conn().await?;
        let g = crate::datasets::active_org(&mut conn, &org, "organization").await?;
        authorize(actor, Permission::EditAgencyRecords { org_id: &g.id })?;
        if store::report(&mut conn, None, Some((&g.id, i64::from(year)))).await?.is_some() {
            return Err(Error::field("year", format!("{} already has a report for {year}", g.title)));
        }
        drop(conn);
        // A past year's report may be drafted before (or without) its
        // ranking: its indicators are then left empty.
        let fig = self.recorded_figures(year).await?;
        let values = fig
            .as_ref()
            .and_then(|f| f.computed.agencies.iter().find(|a| a.agency == g.id))
            .map(|a| values_json(&a.values));
        let state = self.datamap_state().await?;
        let subtree = state.all.snapshot.subtree(&g.id);
        let dbs: Vec<&kho_datamap::DatabaseEntry> =
            state.all.snapshot.databases.iter().filter(|d| subtree.contains(&d.owner_org.as_str())).collect();
        let open = self.open_data_by_org().await?;
        let (datasets, meeting) =
            subtree.iter().filter_map(|o| open.get(*o)).fold((0, 0), |a, o| (a.0 + o.datasets, a.1 + o.meeting));
        // The agency's approved progress of the year fills its tasks' lines.
        let approved = self.agency_progress(&g.id, year).await?;
        let tasks: Vec<Value> = seed()
            .tasks
            .iter()
            // Led by the agency by name or as one of a group the Decision
            // names ("các bộ, ngành", "UBND các tỉnh"): the same rule as progress.
            .filter(|t| {
                kho_strategy::progress::role_of(t, &g.title, Scope::of_kind(g.agency_kind.as_deref()))
                    == Some(kho_strategy::progress::AgencyRole::Lead)
            })
            .map(|t| {
                let p = approved.get(&t.id);
                json!({"id": t.id, "text_vi": t.text_vi, "deadline": t.deadline_as_written,
                       "progress": p.and_then(|p| p["text"].as_str()).unwrap_or_default(),
                       "status": p.map(|p| p["status"].clone()), "percent": p.map(|p| p["percent"].clone()),
                       "evidence": p.map(|p| p["evidence"].clone())})
            })
            .collect();
        let content = json!({
            "due": format!("{year}-12-31"),
            "indicators": values,
            "datamap": {"databases": dbs.len(),
                        "national": dbs.iter().filter(|d| d.class == kho_datamap::vocab::DatabaseClass::National).count(),
                        "protected_4_layer": dbs.iter().filter(|d| d.protection_4_layer).count()},
            "open_data": {"datasets": datasets, "meeting_threshold": meeting},
            "tasks": tasks,
            "narrative": "",
        });
        let now = timefmt::now();
        let row = ReportRow {
            id: kho_store::new_id(),
            org_id: g.id.clone(),
            year: i64::from(year),
            state: ReviewState::Draft.code().into(),
            content: content.to_string(),
            created: now.clone(),
            modified: now,
            submitted: None,
            submitter_user_id: None,
            reviewed: None,
            reviewer_user_id: None,
            review_note: None,
        };
        let mut tx = self.store().write().await?;
        store::upsert_report(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(report_json(&row, Some(&g.name), Some(&g.title)))
    }

    /// `strategy_report_update`: edits a draft (or rejected) report:
    /// `narrative` and `tasks` progress ({task id: text}).
    pub async fn strategy_report_update(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let narrative = f.text("narrative", 100_000);
        let progress = f.raw("tasks").cloned();
        let mut row = self.visible_report(actor, &mut f).await?;
        f.reject_unknown("strategy_report_update takes id (or organization and year), narrative and tasks.");
        f.finish()?;
        authorize(actor, Permission::EditAgencyRecords { org_id: &row.org_id })?;
        row.state = report_step(&row, Step::Edit)?.code().into();
        let mut content: Value = serde_json::from_str(&row.content).unwrap_or(json!({}));
        if let Some(n) = narrative {
            content["narrative"] = json!(n);
        }
        if let Some(p) = progress {
            let Some(p) = p.as_object() else {
                return Err(Error::field("tasks", "Must be an object {task id: progress text}"));
            };
            let tasks = content["tasks"].as_array_mut().ok_or_else(|| Error::internal("report without tasks"))?;
            for (id, text) in p {
                let t = tasks
                    .iter_mut()
                    .find(|t| t["id"] == id.as_str())
                    .ok_or_else(|| Error::field("tasks", format!("The report has no task {id}")))?;
                t["progress"] = json!(text.as_str().unwrap_or_default());
            }
        }
        row.content = content.to_string();
        row.modified = timefmt::now();
        let mut tx = self.store().write().await?;
        store::upsert_report(&mut tx, &row).await?;
        tx.commit().await?;
        self.report_out(&row).await
    }

    /// `strategy_report_submit`: the agency sends its report for review.
    pub async fn strategy_report_submit(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let mut row = self.visible_report(actor, &mut f).await?;
        f.finish()?;
        authorize(actor, Permission::EditAgencyRecords { org_id: &row.org_id })?;
        let next = report_step(&row, Step::Submit)?;
        let now = timefmt::now();
        row.state = next.code().into();
        row.submitted = Some(now.clone());
        row.submitter_user_id = actor.user_id().map(str::to_string);
        row.modified = now;
        let mut tx = self.store().write().await?;
        store::upsert_report(&mut tx, &row).await?;
        tx.commit().await?;
        self.report_out(&row).await
    }

    /// `strategy_report_review` (reviewers): approves or rejects (with a
    /// `note`) a submitted report.
    pub async fn strategy_report_review(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let decision = f.required_text("decision", 20);
        let note = f.text("note", 5000);
        let mut row = self.visible_report(actor, &mut f).await?;
        f.finish()?;
        let step = decision
            .as_deref()
            .and_then(Step::decision)
            .ok_or_else(|| Error::field("decision", "Value must be one of approve, reject"))?;
        if step == Step::Reject && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::field("note", "Missing value: tell the agency why the report is rejected"));
        }
        let next = report_step(&row, step)?;
        let now = timefmt::now();
        row.state = next.code().into();
        row.reviewed = Some(now.clone());
        row.reviewer_user_id = actor.user_id().map(str::to_string);
        row.review_note = note;
        row.modified = now;
        let mut tx = self.store().write().await?;
        store::upsert_report(&mut tx, &row).await?;
        tx.commit().await?;
        self.report_out(&row).await
    }

    /// `strategy_report_show`.
    pub async fn strategy_report_show(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let row = self.visible_report(actor, &mut f).await?;
        f.reject_unknown("strategy_report_show takes id, or organization and year.");
        f.finish()?;
        self.report_out(&row).await
    }

    async fn report_out(&self, row: &ReportRow) -> Result<Value> {
        let mut conn = self.store().conn().await?;
        let g = kho_store::groups::find(&mut conn, &row.org_id, Some(true)).await?;
        Ok(report_json(row, g.as_ref().map(|g| g.name.as_str()), g.as_ref().map(|g| g.title.as_str())))
    }

    /// `strategy_report_list`: a year's reports the actor may see, with
    /// `state` to narrow.
    pub async fn strategy_report_list(&self, actor: &Actor, mut f: Fields) -> Result<Vec<Value>> {
        let year = parse_year(&mut f)?;
        let state = f.text("state", 20);
        f.reject_unknown("strategy_report_list takes year and state.");
        f.finish()?;
        if let Some(s) = &state
            && ReviewState::parse(s).is_none()
        {
            let codes: Vec<&str> = ReviewState::ALL.iter().map(|s| s.code()).collect();
            return Err(Error::field("state", format!("Value must be one of {}", codes.join(", "))));
        }
        let filter = registry_filter(actor);
        let names = self.agencies_by_id().await?;
        let mut conn = self.store().conn().await?;
        Ok(store::reports(&mut conn, i64::from(year))
            .await?
            .iter()
            .filter(|r| r.state == ReviewState::Approved.code() || filter.sees_unreviewed(&r.org_id))
            .filter(|r| state.as_ref().is_none_or(|s| &r.state == s))
            .map(|r| {
                let a = names.get(&r.org_id);
                report_json(r, a.map(|a| a.name.as_str()), a.map(|a| a.title.as_str()))
            })
            .collect())
    }

    /// `strategy_report_national`: the national report of `year`: the
    /// nation's indicators, every approved agency report with its figures,
    /// how many reports are in each state, and the ministry-level agencies
    /// and provinces without an approved report.
    pub async fn strategy_report_national(&self, mut f: Fields) -> Result<Value> {
        let year = parse_year(&mut f)?;
        f.reject_unknown("strategy_report_national takes year.");
        f.finish()?;
        let fig = self.recorded_figures(year).await?;
        let state = self.datamap_state().await?;
        let agencies = &state.all.snapshot.agencies;
        let mut conn = self.store().conn().await?;
        let reports = store::reports(&mut conn, i64::from(year)).await?;
        let mut states: BTreeMap<&str, u64> = ReviewState::ALL.iter().map(|s| (s.code(), 0)).collect();
        for r in &reports {
            if let Some(n) = states.get_mut(r.state.as_str()) {
                *n += 1;
            }
        }
        let approved: Vec<Value> = reports
            .iter()
            .filter(|r| r.state == ReviewState::Approved.code())
            .map(|r| {
                let a = agencies.iter().find(|a| a.id == r.org_id);
                report_json(r, a.map(|a| a.name.as_str()), a.map(|a| a.title.as_str()))
            })
            .collect();
        let missing: Vec<Value> = agencies
            .iter()
            .filter(|a| Scope::of_kind(a.kind.as_deref()).is_some())
            .filter(|a| !reports.iter().any(|r| r.org_id == a.id && r.state == ReviewState::Approved.code()))
            .map(|a| json!({"id": a.id, "name": a.name, "title": a.title, "level": Scope::of_kind(a.kind.as_deref())}))
            .collect();
        Ok(json!({
            "year": year,
            "indicators": fig.as_ref().map(|f| values_json(&f.computed.national)),
            "reports": approved,
            "states": states,
            "missing": missing,
        }))
    }
}

fn method_json(m: &MethodRow) -> Value {
    let method: Value = serde_json::from_str(&m.method).unwrap_or(Value::Null);
    json!({"version": m.version, "weights": method["weights"], "normalisation": method["normalisation"],
           "missing": method["missing"], "notes": m.notes, "created": m.created})
}

fn report_json(r: &ReportRow, name: Option<&str>, title: Option<&str>) -> Value {
    let content: Value = serde_json::from_str(&r.content).unwrap_or(json!({}));
    let due = format!("{}-12-31", r.year);
    // CKAN-format times sort as text; a report sent after 31 December is late.
    let late = r.submitted.as_deref().is_some_and(|s| s.get(..10).is_some_and(|d| d > due.as_str()));
    json!({"id": r.id, "organization": {"id": r.org_id, "name": name, "title": title}, "year": r.year,
           "state": r.state, "due": due, "late": late, "content": content, "created": r.created, "modified": r.modified,
           "submitted": r.submitted, "reviewed": r.reviewed, "review_note": r.review_note})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(state: &str, submitted: Option<&str>) -> ReportRow {
        ReportRow {
            id: "r".into(),
            org_id: "o".into(),
            year: 2024,
            state: state.into(),
            content: "{}".into(),
            created: "2024-11-01T00:00:00.000000".into(),
            modified: "2024-11-01T00:00:00.000000".into(),
            submitted: submitted.map(str::to_string),
            submitter_user_id: None,
            reviewed: None,
            reviewer_user_id: None,
            review_note: None,
        }
    }

    #[test]
    fn a_report_sent_after_31_december_is_late() {
        let on_time = report("submitted", Some("2024-12-31T23:59:59.000000"));
        let late = report("submitted", Some("2025-01-02T08:00:00.000000"));
        assert_eq!(report_json(&on_time, None, None)["late"], false);
        assert_eq!(report_json(&late, None, None)["late"], true);
        assert_eq!(report_json(&report("draft", None), None, None)["late"], false);
    }

    #[test]
    fn reports_follow_the_shared_workflow_but_an_approved_one_is_final() {
        assert_eq!(report_step(&report("rejected", None), Step::Edit).unwrap(), ReviewState::Draft);
        assert_eq!(report_step(&report("rejected", None), Step::Submit).unwrap(), ReviewState::Submitted);
        assert!(report_step(&report("submitted", None), Step::Edit).is_err(), "frozen while reviewed");
        assert!(report_step(&report("approved", None), Step::Edit).is_err(), "final");
        assert!(report_step(&report("draft", None), Step::Approve).is_err(), "only a submitted one is reviewed");
        assert_eq!(report_step(&report("submitted", None), Step::Reject).unwrap(), ReviewState::Rejected);
    }
}
