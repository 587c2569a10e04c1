//! The resource page's datastore parts: the table view (paginated,
//! sortable, filterable, from `datastore_search`), the chart builder and
//! the embeddable chart SVGs (from `datastore_aggregate`, drawn by
//! `kho-charts`), the table's versions with what each changed, and its
//! load job's progress.
//!
//! Everything works without JavaScript: each control is a link or a GET
//! form whose parameters the page reads back, so a view can be
//! bookmarked and shared. Permission is the catalog's: these functions
//! only ever see what `datastore_search`/`datastore_aggregate` let the
//! visitor read.

use crate::format;
use crate::i18n::{Lang, Tr};
use crate::{Portal, Visitor};
use kho_charts::{Chart, ChartKind, Locale};
use kho_core::input::Fields;
use kho_core::{Error, Result};
use kho_datastore::aggregate::{Agg, Aggregation, GroupOrder};
use serde_json::{Map, Value, json};

/// Rows on a page of the table view.
pub const PAGE_ROWS: u64 = 25;
/// Tables up to this many rows get a chart without asking.
const AUTO_CHART_ROWS: i64 = 1_000_000;

/// What the page's query string asks of the table and the chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableParams {
    pub page: u64,
    pub sort: Option<String>,
    pub desc: bool,
    pub q: String,
    pub fcol: String,
    pub fval: String,
    pub version: Option<i64>,
    pub chart: ChartParams,
}

/// The chart builder's choices (`chart`, `x`, `y`, `agg`, `limit`,
/// `title`); empty means "choose for me".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartParams {
    pub kind: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
    pub agg: Option<String>,
    pub limit: Option<usize>,
    pub title: Option<String>,
}

fn non_empty(v: &str, max: usize) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.chars().take(max).collect())
}

impl TableParams {
    /// Reads a query string. Unknown or malformed values are ignored
    /// (a page never fails on its own query string).
    pub fn parse(query: &str) -> TableParams {
        let mut p = TableParams { page: 1, ..TableParams::default() };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "page" => p.page = v.parse().ok().filter(|n| *n >= 1).unwrap_or(1),
                "sort" => p.sort = non_empty(&v, 200),
                "dir" => p.desc = v == "desc",
                "q" => p.q = v.trim().chars().take(200).collect(),
                "fcol" => p.fcol = v.chars().take(200).collect(),
                "fval" => p.fval = v.chars().take(500).collect(),
                "version" => p.version = v.parse().ok().filter(|n| *n >= 1),
                "chart" | "type" => p.chart.kind = non_empty(&v, 10),
                "x" => p.chart.x = non_empty(&v, 200),
                "y" => p.chart.y = non_empty(&v, 200),
                "agg" => p.chart.agg = non_empty(&v, 10),
                "limit" => p.chart.limit = v.parse().ok(),
                "title" => p.chart.title = non_empty(&v, 200),
                _ => {}
            }
        }
        p
    }

    /// The query string of this view with some parameters replaced
    /// (`None` drops one); empty values are left out.
    fn with(&self, changes: &[(&str, Option<String>)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("q", self.q.clone()),
            ("fcol", self.fcol.clone()),
            ("fval", self.fval.clone()),
            ("sort", self.sort.clone().unwrap_or_default()),
            ("dir", if self.desc { "desc".into() } else { String::new() }),
            ("version", self.version.map(|v| v.to_string()).unwrap_or_default()),
            ("page", if self.page > 1 { self.page.to_string() } else { String::new() }),
            ("chart", self.chart.kind.clone().unwrap_or_default()),
            ("x", self.chart.x.clone().unwrap_or_default()),
            ("y", self.chart.y.clone().unwrap_or_default()),
            ("agg", self.chart.agg.clone().unwrap_or_default()),
        ];
        for (k, v) in changes {
            if let Some(p) = pairs.iter_mut().find(|(pk, _)| pk == k) {
                p.1 = v.clone().unwrap_or_default();
            } else if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        }
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            s.append_pair(k, v);
        }
        let s = s.finish();
        if s.is_empty() { "?".into() } else { format!("?{s}") }
    }

    /// The row filters as `datastore_search` parameters.
    fn filter_fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        if !self.q.is_empty() {
            m.insert("q".into(), Value::String(self.q.clone()));
        }
        if !self.fcol.is_empty() {
            m.insert("filters".into(), json!({ self.fcol.clone(): self.fval.clone() }));
        }
        if let Some(v) = self.version {
            m.insert("version".into(), json!(v));
        }
        m
    }
}

/// A column header of the table view.
pub struct Column {
    pub id: String,
    /// CKAN's type name (`int`, `text`…).
    pub ty: String,
    pub type_label: String,
    pub numeric: bool,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    pub aria_sort: &'static str,
    /// The link that sorts by this column (or flips its direction).
    pub sort_url: String,
}

/// A page of the table.
pub struct TablePage {
    pub columns: Vec<Column>,
    /// Cells with whether each is a number (right-aligned).
    pub rows: Vec<Vec<(String, bool)>>,
    pub total: u64,
    pub first: u64,
    pub last: u64,
    pub page: u64,
    pub pages: u64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// The filter (or sort) could not be applied: why, in words.
    pub error: Option<String>,
    pub downloads: Vec<(&'static str, String)>,
}

/// A chart on the page, with what a reader without the picture needs.
pub struct ChartView {
    pub svg: String,
    pub svg_url: String,
    pub title: String,
    pub data: Vec<(String, String)>,
    pub value_label: String,
    pub x_label: String,
    pub note: Option<String>,
}

/// The chart builder form's options: `(value, label, selected)`.
pub struct ChartForm {
    pub kinds: Vec<(String, String, bool)>,
    pub xs: Vec<(String, String, bool)>,
    pub ys: Vec<(String, String, bool)>,
    pub aggs: Vec<(String, String, bool)>,
    pub chart: Option<ChartView>,
    pub error: Option<String>,
}

/// A version of the table, for the versions list.
pub struct VersionView {
    pub version: i64,
    pub created: String,
    pub rows: String,
    pub changes: String,
    pub url: String,
    pub current: bool,
    pub shown: bool,
}

/// The load job, while it is queued or running, or if it failed.
pub struct JobView {
    pub state: String,
    pub percent: Option<u8>,
    pub message: String,
    pub failed: bool,
}

/// Everything the resource page shows of the datastore.
pub struct DatastoreView {
    pub table: Option<TablePage>,
    pub form: Option<ChartForm>,
    pub versions: Vec<VersionView>,
    pub job: Option<JobView>,
    /// The current version (and the one shown, when not current).
    pub current: i64,
    pub shown: Option<i64>,
    /// Hidden inputs that keep the table's view when the chart form is sent.
    pub keep: Vec<(String, String)>,
    pub rows: String,
    pub clear_url: String,
}

fn type_label(tr: Tr, ty: &str) -> String {
    tr.t(&format!(
        "ds-type-{}",
        if ["int", "numeric", "text", "date", "timestamp", "bool", "json"].contains(&ty) { ty } else { "text" }
    ))
}

/// A field as it comes back from `datastore_search`: `(id, type)`.
fn fields_of(v: &Value) -> Vec<(String, String)> {
    v["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| Some((f["id"].as_str()?.to_string(), f["type"].as_str().unwrap_or("text").to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.chars().take(500).collect(),
        other => other.to_string().chars().take(500).collect(),
    }
}

/// A column name as CKAN's `sort` quotes it.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', ""))
}

fn agg_label(tr: Tr, agg: Agg) -> String {
    tr.t(&format!("chart-agg-{}", agg.name()))
}

fn kind_label(tr: Tr, kind: ChartKind) -> String {
    tr.t(&format!("chart-kind-{}", kind.name()))
}

/// Whether a column name suggests provinces (`tỉnh`, `province`, `mã tỉnh`).
fn names_provinces(id: &str) -> bool {
    let f = kho_admin_units::fold(id);
    f.split(|c: char| !c.is_alphanumeric()).any(|w| ["tinh", "province", "provinces"].contains(&w))
        || f.contains("thanh pho")
}

/// Whether a numeric column is more likely a label than a measure (a
/// year, a code, an id): summing it would mean nothing.
fn looks_like_key(id: &str) -> bool {
    let f = kho_admin_units::fold(id);
    f.split(|c: char| !c.is_alphanumeric())
        .any(|w| ["id", "ma", "code", "nam", "year", "stt", "thang", "month", "ky"].contains(&w))
}

/// The chart a visitor asked for, completed with defaults from the
/// table's fields.
struct ChartSpec {
    kind: ChartKind,
    agg: Aggregation,
    title: String,
}

fn chart_spec(tr: Tr, fields: &[(String, String)], p: &ChartParams, auto: bool) -> Result<Option<ChartSpec>> {
    let asked = p.kind.is_some() || p.x.is_some() || p.y.is_some();
    if !asked && !auto {
        return Ok(None);
    }
    let numeric = |t: &str| t == "int" || t == "numeric";
    let kind = match &p.kind {
        Some(k) => ChartKind::parse(k)
            .ok_or_else(|| Error::field("chart", format!("Unknown chart type \"{k}\": use bar, line, pie or map")))?,
        None => ChartKind::Bar,
    };
    let x = match &p.x {
        Some(x) => {
            if !fields.iter().any(|(id, _)| id == x) {
                return Err(Error::field("x", format!("Column \"{x}\" is not in the table")));
            }
            x.clone()
        }
        None => {
            let pick = fields
                .iter()
                .find(|(id, t)| t == "text" && names_provinces(id))
                .or_else(|| fields.iter().find(|(_, t)| t == "text"))
                .or_else(|| fields.iter().find(|(_, t)| t == "date" || t == "timestamp"))
                .or_else(|| fields.first());
            match pick {
                Some((id, _)) => id.clone(),
                None => return Ok(None),
            }
        }
    };
    let agg =
        match &p.agg {
            Some(a) => Some(Agg::parse(a).ok_or_else(|| {
                Error::field("agg", format!("Unknown summary \"{a}\": use sum, avg, min, max or count"))
            })?),
            None => None,
        };
    let y = match (&p.y, agg) {
        (_, Some(Agg::Count)) => None,
        (Some(y), _) => {
            if !fields.iter().any(|(id, _)| id == y) {
                return Err(Error::field("y", format!("Column \"{y}\" is not in the table")));
            }
            Some(y.clone())
        }
        (None, _) if p.x.is_some() && p.agg.is_none() => None,
        (None, _) => {
            fields.iter().find(|(id, t)| numeric(t) && *id != x && !looks_like_key(id)).map(|(id, _)| id.clone())
        }
    };
    let agg = match (agg, &y) {
        (Some(a), _) => a,
        (None, Some(_)) => Agg::Sum,
        (None, None) => Agg::Count,
    };
    let (order, limit) = match kind {
        ChartKind::Line => (GroupOrder::Label, p.limit.unwrap_or(500).clamp(2, 2000)),
        ChartKind::Bar => (GroupOrder::ValueDesc, p.limit.unwrap_or(20).clamp(1, 100)),
        ChartKind::Pie | ChartKind::Map => (GroupOrder::ValueDesc, 1000),
    };
    let title = p.title.clone().unwrap_or_else(|| match &y {
        Some(y) => tr.args(
            "chart-title",
            &[
                ("agg", crate::i18n::Arg::Str(agg_label(tr, agg))),
                ("y", crate::i18n::Arg::Str(y.clone())),
                ("x", crate::i18n::Arg::Str(x.clone())),
            ],
        ),
        None => tr.args("chart-title-count", &[("x", crate::i18n::Arg::Str(x.clone()))]),
    });
    Ok(Some(ChartSpec { kind, agg: Aggregation { group: x, value: y, agg, order, limit }, title }))
}

/// A chart, drawn.
pub struct Drawn {
    pub svg: String,
    pub title: String,
    pub data: Vec<(String, String)>,
    pub value_label: String,
    pub x_label: String,
    pub note: Option<String>,
    /// The dataset may be cached by shared caches.
    pub public: bool,
}

impl Portal {
    /// Draws the chart `query` asks for from a resource's table (the
    /// `chart.svg` URL and the resource page both come here).
    pub async fn chart(&self, v: &Visitor, name: &str, resource_id: &str, query: &str) -> Result<Drawn> {
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let p = TableParams::parse(query);
        let info = self
            .catalog()
            .datastore_info(&v.actor, Fields::new(Map::from_iter([("id".to_string(), Value::String(res.id.clone()))])))
            .await?;
        let fields = fields_of(&info);
        let spec = chart_spec(Tr::new(v.lang), &fields, &p.chart, true)?
            .ok_or_else(|| Error::field("x", "The table has no column to chart"))?;
        let mut drawn = self.draw(v, &res.id, &p, spec).await?;
        drawn.public = !pkg.private;
        Ok(drawn)
    }

    /// An error as a small SVG image, for embedded charts.
    pub fn error_svg(&self, lang: Lang, e: &Error) -> String {
        let tr = Tr::new(lang);
        let message = match e {
            Error::NotFound(_) => tr.t("chart-not-found"),
            other => error_text(other),
        };
        let mut chart = Chart::new(ChartKind::Bar, message.clone());
        chart.description = message;
        chart.locale = Locale::from(lang);
        chart.height = 160;
        kho_charts::render(&chart)
    }

    async fn draw(&self, v: &Visitor, resource_id: &str, p: &TableParams, spec: ChartSpec) -> Result<Drawn> {
        let lang = v.lang;
        let tr = Tr::new(lang);
        let (groups, _) = self
            .catalog()
            .datastore_aggregate(&v.actor, resource_id, Fields::new(p.filter_fields()), &spec.agg)
            .await?;
        let blank = tr.t("chart-blank");
        let points: Vec<(String, f64)> = groups
            .points
            .iter()
            .filter_map(|(l, v)| Some((l.clone().unwrap_or_else(|| blank.clone()), (*v)?)))
            .collect();
        let value_label = match &spec.agg.value {
            Some(y) => format!("{} {y}", agg_label(tr, spec.agg.agg)),
            None => tr.t("chart-rows"),
        };
        let mut notes = Vec::new();
        if (groups.points.len() as u64) < groups.groups && spec.kind != ChartKind::Pie {
            notes.push(tr.args(
                "chart-cut",
                &[
                    ("shown", crate::i18n::Arg::Str(format::int(lang, groups.points.len() as i64))),
                    ("all", crate::i18n::Arg::Str(format::int(lang, groups.groups as i64))),
                ],
            ));
        }
        if spec.kind == ChartKind::Map {
            let m = kho_charts::match_provinces(&points);
            if !m.unmatched.is_empty() {
                let mut list: Vec<&str> = m.unmatched.iter().take(5).map(String::as_str).collect();
                if m.unmatched.len() > 5 {
                    list.push("…");
                }
                notes.push(tr.args(
                    "chart-unmatched",
                    &[
                        ("count", crate::i18n::Arg::Num(m.unmatched.len() as f64)),
                        ("n", crate::i18n::Arg::Str(format::int(lang, m.unmatched.len() as i64))),
                        ("labels", crate::i18n::Arg::Str(list.join(", "))),
                    ],
                ));
            }
        }
        let description = describe(tr, &spec, &points, groups.groups);
        let mut chart = Chart::new(spec.kind, spec.title.clone());
        chart.description = description;
        chart.x_label = spec.agg.group.clone();
        chart.y_label = value_label.clone();
        chart.locale = Locale::from(lang);
        chart.points = points.clone();
        let svg = kho_charts::render(&chart);
        let data = points.iter().map(|(l, v)| (l.clone(), kho_charts::format_number(*v, Locale::from(lang)))).collect();
        Ok(Drawn {
            svg,
            title: spec.title,
            data,
            value_label,
            x_label: spec.agg.group,
            note: (!notes.is_empty()).then(|| notes.join(" ")),
            public: false,
        })
    }

    /// The datastore parts of a resource page, if the resource has a table
    /// or a load job.
    pub(crate) async fn datastore_view(
        &self,
        v: &Visitor,
        page_path: &str,
        resource_id: &str,
        query: &str,
    ) -> Result<Option<DatastoreView>> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let p = TableParams::parse(query);
        let job = self.catalog().latest_job(kho_catalog::datastore::LOAD_JOB, resource_id).await?;
        let job_view = job.as_ref().filter(|j| j.state != "done").map(|j| {
            let percent =
                j.progress.total.filter(|t| *t > 0).map(|t| ((j.progress.done.max(0) * 100) / t).min(100) as u8);
            let failed = j.state == "failed";
            let message = if failed {
                tr.args("ds-job-failed", &[("error", crate::i18n::Arg::Str(j.error.clone().unwrap_or_default()))])
            } else {
                tr.t(if j.state == "running" { "ds-job-running" } else { "ds-job-queued" })
            };
            JobView { state: j.state.clone(), percent, message, failed }
        });
        let info = match self
            .catalog()
            .datastore_info(
                &v.actor,
                Fields::new(Map::from_iter([("id".to_string(), Value::String(resource_id.to_string()))])),
            )
            .await
        {
            Ok(i) => i,
            Err(Error::NotFound(_)) => {
                return Ok(job_view.map(|job| DatastoreView {
                    table: None,
                    form: None,
                    versions: Vec::new(),
                    job: Some(job),
                    current: 0,
                    shown: None,
                    keep: Vec::new(),
                    rows: String::new(),
                    clear_url: page_path.to_string(),
                }));
            }
            Err(e) => return Err(e),
        };
        let current = info["meta"]["version"].as_i64().unwrap_or(0);
        let row_count = info["meta"]["count"].as_i64().unwrap_or(0);
        let shown = p.version.filter(|n| *n != current);
        let versions = info["versions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|ver| {
                        let n = ver["version"].as_i64().unwrap_or(0);
                        VersionView {
                            version: n,
                            created: format::datetime(lang, ver["created"].as_str().unwrap_or("")),
                            rows: format::int(lang, ver["count"].as_i64().unwrap_or(0)),
                            changes: changes_text(tr, &ver["changes"]),
                            url: format!(
                                "{page_path}{}",
                                p.with(&[("version", (n != current).then(|| n.to_string())), ("page", None)])
                            ),
                            current: n == current,
                            shown: shown.map_or(n == current, |s| s == n),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let table = self.table_page(v, page_path, resource_id, &p).await;
        // The chart offers the columns of the version shown.
        let fields = match &table {
            Ok(t) => t.columns.iter().map(|c| (c.id.clone(), c.ty.clone())).collect(),
            Err(_) => fields_of(&info),
        };
        let mut form_error = None;
        let spec = match chart_spec(tr, &fields, &p.chart, row_count <= AUTO_CHART_ROWS) {
            Ok(s) => s,
            Err(e) => {
                form_error = Some(error_text(&e));
                None
            }
        };
        let chosen_kind = spec.as_ref().map(|s| s.kind).unwrap_or(ChartKind::Bar);
        let chosen_x = spec.as_ref().map(|s| s.agg.group.clone());
        let chosen_y = spec.as_ref().and_then(|s| s.agg.value.clone());
        let chosen_agg = spec.as_ref().map(|s| s.agg.agg).unwrap_or(Agg::Sum);
        let chart = match spec {
            Some(spec) => {
                let kind = spec.kind;
                let (x, y, agg) = (spec.agg.group.clone(), spec.agg.value.clone(), spec.agg.agg);
                match self.draw(v, resource_id, &p, spec).await {
                    Ok(d) => {
                        let svg_url = format!(
                            "{page_path}/chart.svg{}",
                            p.with(&[
                                ("chart", Some(kind.name().to_string())),
                                ("x", Some(x)),
                                ("y", y),
                                ("agg", Some(agg.name().to_string())),
                                ("page", None),
                                ("sort", None),
                                ("dir", None),
                            ])
                        );
                        Some(ChartView {
                            svg: d.svg,
                            svg_url,
                            title: d.title,
                            data: d.data,
                            value_label: d.value_label,
                            x_label: d.x_label,
                            note: d.note,
                        })
                    }
                    Err(e) => {
                        form_error = Some(error_text(&e));
                        None
                    }
                }
            }
            None => None,
        };
        let numeric = |t: &str| t == "int" || t == "numeric";
        let form = ChartForm {
            kinds: [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map]
                .into_iter()
                .map(|k| (k.name().to_string(), kind_label(tr, k), k == chosen_kind))
                .collect(),
            xs: fields.iter().map(|(id, _)| (id.clone(), id.clone(), chosen_x.as_deref() == Some(id))).collect(),
            ys: std::iter::once((String::new(), tr.t("chart-y-none"), chosen_y.is_none()))
                .chain(
                    fields
                        .iter()
                        .filter(|(_, t)| numeric(t))
                        .map(|(id, _)| (id.clone(), id.clone(), chosen_y.as_deref() == Some(id))),
                )
                .collect(),
            aggs: [Agg::Sum, Agg::Avg, Agg::Min, Agg::Max, Agg::Count]
                .into_iter()
                .map(|a| (a.name().to_string(), agg_label(tr, a), a == chosen_agg))
                .collect(),
            chart,
            error: form_error,
        };
        let keep = [("q", p.q.clone()), ("fcol", p.fcol.clone()), ("fval", p.fval.clone())]
            .into_iter()
            .chain(p.version.map(|n| ("version", n.to_string())))
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let table = match table {
            Ok(t) => Some(t),
            Err(e) => Some(TablePage {
                columns: Vec::new(),
                rows: Vec::new(),
                total: 0,
                first: 0,
                last: 0,
                page: 1,
                pages: 1,
                prev_url: None,
                next_url: None,
                error: Some(error_text(&e)),
                downloads: Vec::new(),
            }),
        };
        Ok(Some(DatastoreView {
            table,
            form: Some(form),
            versions,
            job: job_view,
            current,
            shown,
            keep,
            rows: format::int(lang, row_count),
            clear_url: page_path.to_string(),
        }))
    }

    async fn table_page(&self, v: &Visitor, page_path: &str, resource_id: &str, p: &TableParams) -> Result<TablePage> {
        let tr = Tr::new(v.lang);
        let mut m = p.filter_fields();
        m.insert("resource_id".into(), Value::String(resource_id.to_string()));
        m.insert("limit".into(), json!(PAGE_ROWS));
        m.insert("offset".into(), json!((p.page - 1) * PAGE_ROWS));
        m.insert("records_format".into(), json!("lists"));
        if let Some(s) = &p.sort {
            m.insert("sort".into(), Value::String(format!("{} {}", quoted(s), if p.desc { "desc" } else { "asc" })));
        }
        let text = self.catalog().datastore_search(&v.actor, Fields::new(m)).await?;
        let out: Value = serde_json::from_str(&text).map_err(Error::internal)?;
        let fields = fields_of(&out);
        let total = out["total"].as_u64().unwrap_or(0);
        let rows: Vec<Vec<String>> = out["records"]
            .as_array()
            .map(|rs| {
                rs.iter().map(|r| r.as_array().map(|c| c.iter().map(cell_text).collect()).unwrap_or_default()).collect()
            })
            .unwrap_or_default();
        let pages = total.div_ceil(PAGE_ROWS).max(1);
        let first = if rows.is_empty() { 0 } else { (p.page - 1) * PAGE_ROWS + 1 };
        let last = (p.page - 1) * PAGE_ROWS + rows.len() as u64;
        let columns = fields
            .iter()
            .filter(|(id, _)| id != "_id")
            .map(|(id, ty)| {
                let sorted = p.sort.as_deref() == Some(id.as_str());
                let aria_sort = match (sorted, p.desc) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                };
                let dir = if sorted && !p.desc { Some("desc".to_string()) } else { None };
                Column {
                    id: id.clone(),
                    ty: ty.clone(),
                    type_label: type_label(tr, ty),
                    numeric: ty == "int" || ty == "numeric",
                    aria_sort,
                    sort_url: format!(
                        "{page_path}{}",
                        p.with(&[("sort", Some(id.clone())), ("dir", dir), ("page", None)])
                    ),
                }
            })
            .collect::<Vec<_>>();
        let id_at = fields.iter().position(|(id, _)| id == "_id");
        let rows = rows
            .into_iter()
            .map(|mut r| {
                if let Some(i) = id_at.filter(|i| *i < r.len()) {
                    r.remove(i);
                }
                r.into_iter().enumerate().map(|(i, c)| (c, columns.get(i).is_some_and(|col| col.numeric))).collect()
            })
            .collect();
        let page_url = |n: u64| format!("{page_path}{}", p.with(&[("page", (n > 1).then(|| n.to_string()))]));
        let mut dump = Map::new();
        if !p.q.is_empty() {
            dump.insert("q".into(), Value::String(p.q.clone()));
        }
        if !p.fcol.is_empty() {
            dump.insert("filters".into(), Value::String(json!({ p.fcol.clone(): p.fval.clone() }).to_string()));
        }
        if let Some(s) = &p.sort {
            dump.insert("sort".into(), Value::String(format!("{} {}", quoted(s), if p.desc { "desc" } else { "asc" })));
        }
        if let Some(n) = p.version {
            dump.insert("version".into(), Value::String(n.to_string()));
        }
        let downloads = ["csv", "tsv", "json", "xlsx", "parquet"]
            .into_iter()
            .map(|f| {
                let mut s = form_urlencoded::Serializer::new(String::new());
                s.append_pair("format", f);
                for (k, v) in &dump {
                    s.append_pair(k, v.as_str().unwrap_or_default());
                }
                let label = match f {
                    "csv" => "CSV",
                    "tsv" => "TSV",
                    "json" => "JSON",
                    "xlsx" => "XLSX",
                    _ => "Parquet",
                };
                (label, format!("/datastore/dump/{}?{}", percent_path(resource_id), s.finish()))
            })
            .collect();
        Ok(TablePage {
            columns,
            rows,
            total,
            first,
            last,
            page: p.page,
            pages,
            prev_url: (p.page > 1).then(|| page_url(p.page - 1)),
            next_url: (p.page < pages).then(|| page_url(p.page + 1)),
            error: None,
            downloads,
        })
    }
}

fn percent_path(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An error's message for the page (the field's message, without the
/// machinery around it).
fn error_text(e: &Error) -> String {
    match e {
        Error::Validation(fields) => fields
            .to_map()
            .values()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// One sentence on what a version changed.
fn changes_text(tr: Tr, c: &Value) -> String {
    if !c.is_object() {
        return tr.t("ds-changes-first");
    }
    let n = |k: &str| c[k].as_u64().unwrap_or(0);
    let mut parts = vec![tr.count("ds-rows-added", n("rows_added")), tr.count("ds-rows-removed", n("rows_removed"))];
    if let Some(changed) = c["rows_changed"].as_u64() {
        parts.push(tr.count("ds-rows-changed", changed));
    }
    let list = |k: &str| -> Vec<String> {
        c[k].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let added = list("columns_added");
    if !added.is_empty() {
        parts.push(tr.args("ds-cols-added", &[("cols", crate::i18n::Arg::Str(added.join(", ")))]));
    }
    let removed = list("columns_removed");
    if !removed.is_empty() {
        parts.push(tr.args("ds-cols-removed", &[("cols", crate::i18n::Arg::Str(removed.join(", ")))]));
    }
    if let Some(re) = c["columns_retyped"].as_array().filter(|a| !a.is_empty()) {
        let names: Vec<String> = re
            .iter()
            .filter_map(|r| Some(format!("{} ({} → {})", r["id"].as_str()?, r["from"].as_str()?, r["to"].as_str()?)))
            .collect();
        parts.push(tr.args("ds-cols-retyped", &[("cols", crate::i18n::Arg::Str(names.join(", ")))]));
    }
    parts.join(" · ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The chart's text description: what it shows, its extremes.
fn describe(tr: Tr, spec: &ChartSpec, points: &[(String, f64)], groups: u64) -> String {
    let loc = Locale::from(tr.lang);
    let mut s = capitalise(&tr.args(
        "chart-desc",
        &[
            ("kind", crate::i18n::Arg::Str(kind_label(tr, spec.kind))),
            ("count", crate::i18n::Arg::Num(groups as f64)),
            ("n", crate::i18n::Arg::Str(format::int(tr.lang, groups as i64))),
            ("x", crate::i18n::Arg::Str(spec.agg.group.clone())),
        ],
    ));
    let max = points.iter().filter(|p| p.1.is_finite()).max_by(|a, b| a.1.total_cmp(&b.1));
    let min = points.iter().filter(|p| p.1.is_finite()).min_by(|a, b| a.1.total_cmp(&b.1));
    if let (Some(max), Some(min)) = (max, min) {
        s.push(' ');
        s.push_str(&tr.args(
            "chart-desc-range",
            &[
                ("max_label", crate::i18n::Arg::Str(max.0.clone())),
                ("max", crate::i18n::Arg::Str(kho_charts::format_number(max.1, loc))),
                ("min_label", crate::i18n::Arg::Str(min.0.clone())),
                ("min", crate::i18n::Arg::Str(kho_charts::format_number(min.1, loc))),
            ],
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_and_ignore_junk() {
        let p = TableParams::parse(
            "page=3&sort=d%C3%A2n+s%E1%BB%91&dir=desc&q=H%C3%A0&fcol=t%E1%BB%89nh&fval=Hu%E1%BA%BF&chart=map&x=t%E1%BB%89nh&limit=abc&page=0",
        );
        assert_eq!(p.page, 1, "page=0 falls back to the first page");
        assert_eq!(p.sort.as_deref(), Some("dân số"));
        assert!(p.desc);
        assert_eq!((p.q.as_str(), p.fcol.as_str(), p.fval.as_str()), ("Hà", "tỉnh", "Huế"));
        assert_eq!(p.chart.kind.as_deref(), Some("map"));
        assert_eq!(p.chart.limit, None);
        let again = TableParams::parse(p.with(&[]).trim_start_matches('?'));
        assert_eq!(again, p);
        assert!(!p.with(&[("page", Some("2".into()))]).contains("page=1"));
    }

    #[test]
    fn charts_default_to_a_sum_by_the_province_column() {
        let tr = Tr::new(Lang::Vi);
        let fields = vec![
            ("năm".to_string(), "int".to_string()),
            ("ghi chú".to_string(), "text".to_string()),
            ("Tỉnh/TP".to_string(), "text".to_string()),
            ("dân số".to_string(), "int".to_string()),
        ];
        let spec = chart_spec(tr, &fields, &ChartParams::default(), true).unwrap().unwrap();
        assert_eq!(spec.agg.group, "Tỉnh/TP");
        assert_eq!(spec.agg.value.as_deref(), Some("dân số"), "a year is not a measure");
        assert_eq!(spec.agg.agg, Agg::Sum);
        assert!(chart_spec(tr, &fields, &ChartParams::default(), false).unwrap().is_none());
        let asked = ChartParams { kind: Some("pie".into()), x: Some("ghi chú".into()), ..ChartParams::default() };
        let spec = chart_spec(tr, &fields, &asked, false).unwrap().unwrap();
        assert_eq!((spec.kind, spec.agg.agg, spec.agg.value.clone()), (ChartKind::Pie, Agg::Count, None));
        let bad = ChartParams { x: Some("nope".into()), ..ChartParams::default() };
        assert!(chart_spec(tr, &fields, &bad, true).is_err());
        let bad = ChartParams { kind: Some("radar".into()), ..ChartParams::default() };
        assert!(chart_spec(tr, &fields, &bad, true).is_err());
    }

    #[test]
    fn version_changes_read_as_a_sentence() {
        let tr = Tr::new(Lang::En);
        let c = json!({"rows_added": 2, "rows_removed": 1, "rows_changed": 3, "columns_added": ["b"], "columns_retyped": [{"id": "a", "from": "int", "to": "text"}]});
        let s = changes_text(tr, &c);
        assert!(s.contains('2') && s.contains("b") && s.contains("a (int → text)"), "{s}");
        assert_eq!(changes_text(tr, &Value::Null), tr.t("ds-changes-first"));
    }
}
