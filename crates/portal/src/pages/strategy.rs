//! The National Data Strategy on the portal: `/strategy` (the Decision's
//! targets with the figures Kho computes), `/strategy/tasks` (the key
//! tasks, with the ministries holding them today and their overall status;
//! a task's own page is `strategy_progress`'s), `/strategy/ranking`
//! (the annual ranking with its chart, its history and a map of the
//! provinces) and `/strategy/reports` (the year's reports, the national
//! consolidation, and each report as a printable page).

use crate::format;
use crate::i18n::{Lang, Tr};
use crate::{Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_charts::{Chart, ChartKind, Locale};
use kho_core::Result;
use kho_core::input::Fields;
use serde_json::{Map, Value, json};

fn query_map(query: &str) -> Map<String, Value> {
    form_urlencoded::parse(query.as_bytes())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

fn text(lang: Lang, v: &Value, key: &str) -> String {
    let en = format!("{key}_en");
    let vi = format!("{key}_vi");
    let pick = if lang == Lang::En { v.get(&en) } else { v.get(&vi) };
    pick.or_else(|| v.get(&vi)).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn percent(lang: Lang, v: Option<f64>) -> String {
    v.map(|x| format!("{} %", format::decimal(lang, x, 1))).unwrap_or_else(|| "—".into())
}

/// A target as the page shows it.
pub struct TargetRow {
    pub section: String,
    pub area: String,
    pub text: String,
    pub goal: String,
    /// The nation's figure now, for targets Kho computes.
    pub now: Option<String>,
    /// 0–100 for the bar, when computed.
    pub bar: Option<u32>,
    pub detail: String,
    /// The nation's approved values entered by hand, with their evidence.
    pub entered: Vec<EnteredLine>,
}

/// An approved value entered by hand, shown beside the computed one.
pub struct EnteredLine {
    pub value: String,
    pub detail: String,
    pub note: String,
    pub evidence: Vec<super::strategy_progress::EvidenceLink>,
}

/// The nation's entered values of a target, from `strategy_indicator_list`.
fn entered_lines(lang: Lang, figures: &Value, target: &str) -> Vec<EnteredLine> {
    figures["entered"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["scope"] == "national" && e["target"]["id"] == target)
        .map(|e| {
            let value = e["value"].as_f64().unwrap_or(0.0);
            let (value, detail) = match (e["numerator"].as_u64(), e["denominator"].as_u64(), e["count"].as_u64()) {
                (Some(n), Some(d), _) => (percent(lang, Some(value)), format!("{n} / {d}")),
                (_, _, Some(c)) => (format::int(lang, c as i64), String::new()),
                _ => (percent(lang, Some(value)), String::new()),
            };
            EnteredLine {
                value,
                detail,
                note: e["note"].as_str().unwrap_or_default().to_string(),
                evidence: super::strategy_progress::evidence_links(lang, &e["evidence"]),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "strategy.html")]
struct StrategyView {
    page: Layout,
    decision: String,
    targets: Vec<TargetRow>,
    year: i64,
}

/// A task as the page shows it.
pub struct TaskRow {
    pub id: String,
    /// The overall status from the approved progress (code, label).
    pub overall: (String, String),
    pub text: String,
    pub lead: String,
    pub lead_today: Option<String>,
    pub coordinating: String,
    pub deadline: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "strategy_tasks.html")]
struct TasksView {
    page: Layout,
    rows: Vec<TaskRow>,
    part: String,
    agency: String,
    overdue: bool,
    count: usize,
}

/// A line of the ranking.
pub struct RankLine {
    pub rank: i64,
    pub name: String,
    pub title: String,
    pub score: String,
    pub parts: Vec<String>,
}

#[derive(Template)]
#[template(path = "strategy_ranking.html")]
struct RankingView {
    page: Layout,
    level: String,
    year: Option<i64>,
    years: Vec<i64>,
    method: String,
    indicators: Vec<String>,
    rows: Vec<RankLine>,
    chart_svg: Option<String>,
    history_svg: Option<String>,
    map_svg: Option<String>,
}

/// A report line of the year.
pub struct ReportLine {
    pub name: String,
    pub title: String,
    pub state: String,
    pub state_label: String,
    pub submitted: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "strategy_reports.html")]
struct ReportsView {
    page: Layout,
    year: i64,
    rows: Vec<ReportLine>,
    national: Vec<(String, String, String)>,
    missing: Vec<(String, String)>,
    states: Vec<(String, u64)>,
}

#[derive(Template)]
#[template(path = "strategy_report.html")]
struct ReportView {
    page: Layout,
    org_title: String,
    org_name: String,
    year: i64,
    state_label: String,
    due: String,
    late: bool,
    figures: Vec<(String, String, String)>,
    databases: u64,
    national_dbs: u64,
    protected: u64,
    datasets: u64,
    meeting: u64,
    tasks: Vec<(String, String, String, String)>,
    narrative: String,
    review_note: String,
}

fn indicator_label(tr: Tr, code: &str) -> String {
    tr.t(&format!("st-ind-{}", code.replace('_', "-")))
}

/// Indicator figures as table rows: label, value, numerator / denominator.
fn figure_rows(tr: Tr, lang: Lang, values: &Value) -> Vec<(String, String, String)> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            (
                indicator_label(tr, x["indicator"].as_str().unwrap_or_default()),
                percent(lang, x["value"].as_f64()),
                format!("{} / {}", x["numerator"], x["denominator"]),
            )
        })
        .collect()
}

fn state_label(tr: Tr, s: &str) -> String {
    tr.t(&format!("st-state-{s}"))
}

impl Portal {
    /// `/strategy`: the Decision's targets, with the nation's figure where
    /// Kho computes one.
    pub async fn strategy_page(&self, v: &Visitor) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let c = self.catalog();
        let t = c.strategy_target_list();
        let figures = c.strategy_indicator_list(Fields::new(Map::new())).await?;
        let national = figures["national"].as_array().cloned().unwrap_or_default();
        let targets = t["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let fig = x["indicator"].as_str().and_then(|code| national.iter().find(|n| n["indicator"] == code));
                let value = fig.and_then(|f| f["value"].as_f64());
                let entered = entered_lines(lang, &figures, x["id"].as_str().unwrap_or_default());
                TargetRow {
                    entered,
                    section: x["section"].as_str().unwrap_or_default().to_string(),
                    area: text(lang, x, "area"),
                    text: text(lang, x, "text"),
                    goal: format!(
                        "{}{}{}",
                        if x["comparator"] == "at_least" { format!("{} ", tr.t("st-at-least")) } else { String::new() },
                        x["value"].as_u64().unwrap_or(0),
                        if x["unit"] == "percent" { "%" } else { "" }
                    ),
                    now: fig.map(|_| percent(lang, value)),
                    bar: value.map(|p| p.clamp(0.0, 100.0).round() as u32),
                    detail: fig
                        .map(|f| {
                            format!(
                                "{} / {}",
                                f["numerator"].as_u64().unwrap_or(0),
                                f["denominator"].as_u64().unwrap_or(0)
                            )
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        let decision = format!(
            "{} ({})",
            t["decision"]["number"].as_str().unwrap_or_default(),
            format::date(lang, t["decision"]["date"].as_str().unwrap_or_default())
        );
        let view = StrategyView {
            page: self.layout(v, tr.t("st-title"), "strategy"),
            decision,
            targets,
            year: figures["year"].as_i64().unwrap_or(0),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/strategy/tasks`: the appendix's key tasks, filtered.
    pub async fn strategy_tasks_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let mut q = query_map(query);
        q.retain(|k, _| matches!(k.as_str(), "part" | "agency" | "overdue"));
        let (part, agency) = (
            q.get("part").and_then(Value::as_str).unwrap_or_default().to_string(),
            q.get("agency").and_then(Value::as_str).unwrap_or_default().to_string(),
        );
        let overdue = q.get("overdue").and_then(Value::as_str) == Some("true");
        if !overdue {
            q.remove("overdue");
        }
        let r = self.catalog().strategy_task_list(Fields::new(q)).await?;
        let join = |v: &Value| v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "));
        let rows: Vec<TaskRow> = r["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let (lead, coordinating) = if lang == Lang::En {
                    (join(&t["lead_en"]), join(&t["coordinating_en"]))
                } else {
                    (join(&t["lead_vi"]), join(&t["coordinating_vi"]))
                };
                let today = if lang == Lang::En { &t["lead_current_en"] } else { &t["lead_current_vi"] };
                let overall = &t["overall"];
                TaskRow {
                    id: t["id"].as_str().unwrap_or_default().to_string(),
                    overall: (
                        overall["status"].as_str().unwrap_or_default().to_string(),
                        overall[if lang == Lang::En { "label_en" } else { "label" }]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    ),
                    text: text(lang, t, "text"),
                    lead: lead.unwrap_or_default(),
                    lead_today: join(today),
                    coordinating: coordinating.unwrap_or_default(),
                    deadline: t["deadline_as_written"].as_str().unwrap_or_default().to_string(),
                    overdue: t["overdue"].as_bool().unwrap_or(false),
                }
            })
            .collect();
        let view = TasksView {
            page: self.layout(v, tr.t("st-tasks-title"), "strategy"),
            count: rows.len(),
            rows,
            part,
            agency,
            overdue,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/strategy/ranking`: a level's ranking of a year, its chart, its
    /// history and (for provinces) the map.
    pub async fn strategy_ranking_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let q = query_map(query);
        let level = match q.get("level").and_then(Value::as_str) {
            Some("ministry") => "ministry",
            _ => "province",
        };
        let year = q.get("year").and_then(Value::as_str).and_then(|y| y.parse::<i32>().ok());
        let shown = match self.catalog().ranking_show(year, level).await {
            Ok(r) => Some(r),
            Err(e) if e.kind() == kho_core::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let codes = ["national_db_connected", "shared_db_via_platform", "open_data_agencies", "protection_4_layer"];
        let indicators: Vec<String> = codes.iter().map(|c| indicator_label(tr, c)).collect();
        let r = shown.unwrap_or(Value::Null);
        let title_of = |a: &Value| {
            let t = a["title"].as_str().unwrap_or_default().to_string();
            if t.is_empty() { a["name"].as_str().unwrap_or_default().to_string() } else { t }
        };
        let rows: Vec<RankLine> = r["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| RankLine {
                rank: x["rank"].as_i64().unwrap_or(0),
                name: x["agency"]["name"].as_str().unwrap_or_default().to_string(),
                title: title_of(&x["agency"]),
                score: format::decimal(lang, x["score"].as_f64().unwrap_or(0.0), 2),
                parts: codes.iter().map(|c| percent(lang, x["parts"][*c].as_f64())).collect(),
            })
            .collect();
        let locale = Locale::from(lang);
        let chart_svg = (!rows.is_empty()).then(|| {
            let mut c = Chart::new(ChartKind::Bar, tr.t("st-rank-chart"));
            c.description = tr.t("st-rank-chart-desc");
            c.x_label = tr.t("st-agency");
            c.y_label = tr.t("st-score");
            c.locale = locale;
            c.id_prefix = "st-rank".into();
            c.points = r["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .take(40)
                .map(|x| (title_of(&x["agency"]), x["score"].as_f64().unwrap_or(0.0)))
                .collect();
            kho_charts::render(&c)
        });
        let map_svg = (level == "province" && !rows.is_empty()).then(|| {
            let mut c = Chart::new(ChartKind::Map, tr.t("st-rank-map"));
            c.description = tr.t("st-rank-map-desc");
            c.locale = locale;
            c.id_prefix = "st-map".into();
            c.points = r["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    let label =
                        x["agency"]["code"].as_str().map(str::to_string).unwrap_or_else(|| title_of(&x["agency"]));
                    (label, x["score"].as_f64().unwrap_or(0.0))
                })
                .collect();
            kho_charts::render(&c)
        });
        // History: the best agencies' scores across the ranked years.
        let history = r["history"].as_array().cloned().unwrap_or_default();
        let years: Vec<i64> = history.iter().filter_map(|h| h["year"].as_i64()).collect();
        let history_svg = (years.len() > 1).then(|| {
            let mut c = Chart::new(ChartKind::Line, tr.t("st-history-chart"));
            c.description = tr.t("st-history-desc");
            c.x_label = tr.t("st-year");
            c.y_label = tr.t("st-score");
            c.locale = locale;
            c.id_prefix = "st-hist".into();
            // The nation's mean score per year, oldest first.
            c.points = history
                .iter()
                .rev()
                .map(|h| {
                    let scores: Vec<f64> = h["ranks"]
                        .as_object()
                        .map(|m| m.values().filter_map(|x| x["score"].as_f64()).collect())
                        .unwrap_or_default();
                    let mean = if scores.is_empty() { 0.0 } else { scores.iter().sum::<f64>() / scores.len() as f64 };
                    (h["year"].as_i64().unwrap_or(0).to_string(), (mean * 100.0).round() / 100.0)
                })
                .collect();
            kho_charts::render(&c)
        });
        let method = r["method"]
            .as_object()
            .map(|m| {
                let weights: Vec<String> = m
                    .get("weights")
                    .and_then(Value::as_object)
                    .map(|w| {
                        w.iter()
                            .map(|(k, x)| format!("{} × {}", indicator_label(tr, k), x.as_f64().unwrap_or(0.0)))
                            .collect()
                    })
                    .unwrap_or_default();
                format!(
                    "{} {}: {}",
                    tr.t("st-method"),
                    m.get("version").and_then(Value::as_i64).unwrap_or(0),
                    weights.join(", ")
                )
            })
            .unwrap_or_default();
        let view = RankingView {
            page: self.layout(v, tr.t("st-ranking-title"), "strategy"),
            level: level.into(),
            year: r["year"].as_i64(),
            years,
            method,
            indicators,
            rows,
            chart_svg,
            history_svg,
            map_svg,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/strategy/reports`: a year's reports the visitor may see and the
    /// national consolidation.
    pub async fn strategy_reports_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let q = query_map(query);
        let mut f = Map::new();
        if let Some(y) = q.get("year") {
            f.insert("year".into(), y.clone());
        }
        let c = self.catalog();
        let list = c.strategy_report_list(&v.actor, Fields::new(f.clone())).await?;
        let national = c.strategy_report_national(Fields::new(f)).await?;
        let rows = list
            .iter()
            .map(|r| ReportLine {
                name: r["organization"]["name"].as_str().unwrap_or_default().to_string(),
                title: r["organization"]["title"].as_str().unwrap_or_default().to_string(),
                state: r["state"].as_str().unwrap_or_default().to_string(),
                state_label: state_label(tr, r["state"].as_str().unwrap_or_default()),
                submitted: r["submitted"].as_str().map(|s| format::date(lang, s)).unwrap_or_else(|| "—".into()),
                late: r["late"].as_bool().unwrap_or(false),
            })
            .collect();
        let figures = figure_rows(tr, lang, &national["indicators"]);
        let missing = national["missing"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["name"].as_str().unwrap_or_default().to_string(),
                    m["title"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let states = national["states"]
            .as_object()
            .map(|m| m.iter().map(|(k, n)| (state_label(tr, k), n.as_u64().unwrap_or(0))).collect())
            .unwrap_or_default();
        let view = ReportsView {
            page: self.layout(v, tr.t("st-reports-title"), "strategy"),
            year: national["year"].as_i64().unwrap_or(0),
            rows,
            national: figures,
            missing,
            states,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/strategy/reports/{organization}/{year}`: one report, printable.
    pub async fn strategy_report_page(&self, v: &Visitor, org: &str, year: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let f = Fields::new(json!({"organization": org, "year": year}).as_object().cloned().unwrap_or_default());
        let r = self.catalog().strategy_report_show(&v.actor, f).await?;
        let c = &r["content"];
        let figures = figure_rows(tr, lang, &c["indicators"]);
        let tasks = c["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let id = t["id"].as_str().unwrap_or_default().to_string();
                let text = if lang == Lang::En {
                    kho_strategy::seed().task(&id).map(|x| x.text_en.clone()).unwrap_or_default()
                } else {
                    t["text_vi"].as_str().unwrap_or_default().to_string()
                };
                (
                    id,
                    text,
                    t["deadline"].as_str().unwrap_or_default().to_string(),
                    t["progress"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        let view = ReportView {
            page: self.layout(v, format!("{} {}", tr.t("st-report-title"), r["year"]), "strategy"),
            org_title: r["organization"]["title"].as_str().unwrap_or_default().to_string(),
            org_name: r["organization"]["name"].as_str().unwrap_or_default().to_string(),
            year: r["year"].as_i64().unwrap_or(0),
            state_label: state_label(tr, r["state"].as_str().unwrap_or_default()),
            due: format::date(lang, r["due"].as_str().unwrap_or_default()),
            late: r["late"].as_bool().unwrap_or(false),
            figures,
            databases: n(&c["datamap"]["databases"]),
            national_dbs: n(&c["datamap"]["national"]),
            protected: n(&c["datamap"]["protected_4_layer"]),
            datasets: n(&c["open_data"]["datasets"]),
            meeting: n(&c["open_data"]["meeting_threshold"]),
            tasks,
            narrative: c["narrative"].as_str().unwrap_or_default().to_string(),
            review_note: r["review_note"].as_str().unwrap_or_default().to_string(),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}
