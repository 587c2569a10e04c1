//! Quality scores (issue 7): a dataset's metadata assessment on Kho's point
//! table (`kho_core::quality`), its data scores (validity from the
//! validations of its tables, availability from link checks, uniqueness
//! from duplicate detection) and the overall score, and the agencies
//! ranked by their public datasets' overall scores. Reading a dataset's
//! score is reading the dataset; the ranking counts public datasets only,
//! so it is the same for everyone.

use crate::{Catalog, Result};
use kho_core::authz::{Actor, dataset_filter};
use kho_core::model::Package;
use kho_core::quality::{Assessment, CRITERIA, Dimension, Rating, TableValidation, assess, overall, validity};
use kho_store::packages;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// An assessment as the API returns it, with each check's label.
pub fn assessment_json(a: &Assessment) -> Value {
    let checks: Vec<Value> = a
        .checks
        .iter()
        .map(|c| {
            let def = CRITERIA.iter().find(|d| d.id == c.id);
            json!({
                "id": c.id, "dimension": c.dimension.code(), "points": c.points, "passed": c.passed,
                "label_vi": def.map(|d| d.label_vi), "label_en": def.map(|d| d.label_en),
            })
        })
        .collect();
    json!({
        "score": a.score, "max": a.max, "percent": a.percent, "rating": a.rating.code(),
        "dimensions": a.dimensions.iter().map(|d| json!({"dimension": d.dimension.code(), "score": d.score, "max": d.max})).collect::<Vec<_>>(),
        "checks": checks,
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A finished validation as the validity score reads it (`None` while one
/// is queued or running and none finished before).
fn table_validation(status: &str, rows: Option<i64>, invalid: Option<i64>) -> Option<TableValidation> {
    match status {
        "success" | "failure" => Some(TableValidation {
            readable: true,
            rows: rows.unwrap_or(0).max(0) as u64,
            invalid_rows: invalid.unwrap_or(0).max(0) as u64,
        }),
        "error" => Some(TableValidation { readable: false, rows: 0, invalid_rows: 0 }),
        // Queued again after an earlier run: the earlier counts still stand.
        _ if rows.is_some() => Some(TableValidation {
            readable: true,
            rows: rows.unwrap_or(0).max(0) as u64,
            invalid_rows: invalid.unwrap_or(0).max(0) as u64,
        }),
        _ => None,
    }
}

/// A validated table of a dataset.
#[derive(Debug, Clone)]
pub struct TableQuality {
    pub id: String,
    pub name: Option<String>,
    pub status: String,
    pub rows: Option<i64>,
    pub invalid_rows: Option<i64>,
    pub errors: Option<i64>,
    pub validation: TableValidation,
}

/// A dataset's scores (`quality_show`, the dataset page's card).
#[derive(Debug, Clone)]
pub struct DatasetQuality {
    /// The metadata points.
    pub assessment: Assessment,
    /// The day they were assessed on.
    pub day: String,
    pub tables: Vec<TableQuality>,
    /// Likely duplicates among the public datasets; `None` for a private
    /// dataset (never compared) or before the first comparison.
    pub duplicates: Option<usize>,
    pub links: crate::links::Availability,
}

/// Availability in percent: the share of checked links that answer.
fn availability(a: &crate::links::Availability) -> Option<f64> {
    a.share().map(|s| 100.0 * s)
}

/// Uniqueness in percent: all or nothing.
fn uniqueness(duplicates: usize) -> f64 {
    if duplicates > 0 { 0.0 } else { 100.0 }
}

impl DatasetQuality {
    /// The metadata points alone (when the data scores cannot be read).
    pub fn metadata_only(pkg: &Package) -> DatasetQuality {
        let day = kho_core::timefmt::today();
        DatasetQuality {
            assessment: assess(pkg, &day),
            day,
            tables: Vec::new(),
            duplicates: None,
            links: Default::default(),
        }
    }

    /// The mean share of valid rows of its tables (0–100).
    pub fn validity(&self) -> Option<f64> {
        validity(&self.tables.iter().map(|t| t.validation).collect::<Vec<_>>())
    }

    /// The share of its checked external links that answer (0–100).
    pub fn availability(&self) -> Option<f64> {
        availability(&self.links)
    }

    /// 100 without likely duplicates, 0 with some; `None` if not compared.
    pub fn uniqueness(&self) -> Option<f64> {
        self.duplicates.map(uniqueness)
    }

    /// The overall score (0–100).
    pub fn overall(&self) -> f64 {
        overall(f64::from(self.assessment.percent), self.validity(), self.availability(), self.uniqueness())
    }

    /// As `quality_show` returns it.
    pub fn to_json(&self, pkg: &Package) -> Value {
        let mut v = assessment_json(&self.assessment);
        let tables: Vec<Value> = self
            .tables
            .iter()
            .map(|t| {
                json!({
                    "id": t.id, "name": t.name, "status": t.status, "rows": t.rows,
                    "invalid_rows": t.invalid_rows, "errors": t.errors,
                    "percent": round1(validity(&[t.validation]).unwrap_or(0.0)),
                })
            })
            .collect();
        v["validity"] = json!({"percent": self.validity().map(round1), "tables": tables});
        v["duplication"] = json!({"duplicates": self.duplicates, "uniqueness": self.uniqueness()});
        v["availability"] = json!({
            "percent": self.availability().map(round1), "links": self.links.links,
            "checked": self.links.checked, "ok": self.links.ok,
        });
        v["overall"] = json!(round1(self.overall()));
        v["dataset"] = json!({"id": pkg.id, "name": pkg.name, "title": pkg.title});
        v["assessed"] = Value::String(self.day.clone());
        v
    }
}

/// One public dataset's scores, while the ranking gathers them.
struct DatasetScores {
    org_id: String,
    org: String,
    org_title: String,
    metadata: f64,
    /// Percent per dimension, in `Dimension::ALL` order (`None`: no points).
    dimensions: Vec<Option<f64>>,
    validity: Option<f64>,
    availability: Option<f64>,
    uniqueness: Option<f64>,
}

/// An agency's line in the ranking.
#[derive(Debug, Clone)]
pub struct AgencyScore {
    pub id: String,
    pub name: String,
    pub title: String,
    pub datasets: usize,
    /// Mean of its datasets' metadata percentages.
    pub percent: f64,
    pub rating: Rating,
    /// Mean metadata percentage per dimension, in `Dimension::ALL` order.
    pub dimensions: Vec<f64>,
    /// Mean validity of its datasets that have validated tables.
    pub validity: Option<f64>,
    /// Mean availability of its datasets that have checked links.
    pub availability: Option<f64>,
    /// Its datasets with a likely duplicate in the catalog.
    pub duplicated: usize,
    /// Mean overall score of its datasets (the ranking's order).
    pub overall: f64,
    /// Its datasets that meet the open-data quality threshold
    /// (`kho_core::quality::meets_open_data_threshold`).
    pub meeting: usize,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// An agency's line from its datasets' scores: means of what they have.
fn agency_score(name: String, list: &[DatasetScores]) -> AgencyScore {
    let collect = |f: &dyn Fn(&DatasetScores) -> Option<f64>| -> Vec<f64> { list.iter().filter_map(f).collect() };
    let percent = mean(&collect(&|d| Some(d.metadata))).unwrap_or(0.0);
    let dimensions = (0..Dimension::ALL.len())
        .map(|i| mean(&collect(&|d| d.dimensions.get(i).copied().flatten())).unwrap_or(0.0))
        .collect();
    let overall_scores = collect(&|d| Some(overall(d.metadata, d.validity, d.availability, d.uniqueness)));
    AgencyScore {
        id: list.first().map(|d| d.org_id.clone()).unwrap_or_default(),
        title: list.first().map(|d| d.org_title.clone()).unwrap_or_default(),
        name,
        datasets: list.len(),
        percent,
        rating: Rating::of(percent / 100.0),
        dimensions,
        validity: mean(&collect(&|d| d.validity)),
        availability: mean(&collect(&|d| d.availability)),
        duplicated: list.iter().filter(|d| d.uniqueness == Some(0.0)).count(),
        overall: mean(&overall_scores).unwrap_or(0.0),
        meeting: list
            .iter()
            .zip(&overall_scores)
            .filter(|(d, o)| kho_core::quality::meets_open_data_threshold(**o, d.uniqueness))
            .count(),
    }
}

/// The ten-minute period the ranking is computed for (with the search
/// version), so scores that move without a write are refreshed too.
fn ranking_period() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 600)
}

impl Catalog {
    /// `quality_show`: the scores of a dataset the actor may read.
    pub async fn quality_show(&self, actor: &Actor, id: &str) -> Result<Value> {
        let pkg = self.package_show(actor, id).await?;
        Ok(self.dataset_quality(&pkg).await?.to_json(&pkg))
    }

    /// The scores of a dataset the caller has already read (`package_show`
    /// as the actor): the metadata points, validity per table, link
    /// availability, duplicates and the overall score.
    pub async fn dataset_quality(&self, pkg: &Package) -> Result<DatasetQuality> {
        let day = kho_core::timefmt::today();
        let validations = {
            let mut conn = self.store().conn().await?;
            kho_store::validations::validity_of(&mut conn, std::slice::from_ref(&pkg.id)).await?
        };
        let tables: Vec<TableQuality> = pkg
            .resources
            .iter()
            .filter_map(|r| {
                let v = validations.iter().find(|v| v.resource_id == r.id)?;
                let t = table_validation(&v.status, v.row_count, v.invalid_rows)?;
                Some(TableQuality {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    status: v.status.clone(),
                    rows: v.row_count,
                    invalid_rows: v.invalid_rows,
                    errors: v.error_count,
                    validation: t,
                })
            })
            .collect();
        // Only public datasets are compared (so none leaks through a pair).
        let duplicates = if pkg.private || pkg.state != "active" {
            None
        } else {
            self.duplicates_recent().await?.map(|d| d.report.count(&pkg.id))
        };
        let links = self.link_availability(std::slice::from_ref(&pkg.id)).await?.remove(&pkg.id).unwrap_or_default();
        Ok(DatasetQuality { assessment: assess(pkg, &day), day, tables, duplicates, links })
    }

    /// Every public dataset's scores, by agency, best overall first (ties
    /// by name). Datasets without an agency are left out. Served from the
    /// last ranking, refreshed in the background after a write and every
    /// ten minutes (link checks and the calendar move scores without a
    /// write); the first call of a process computes it.
    pub async fn quality_ranking(&self) -> Result<Arc<Vec<AgencyScore>>> {
        let key = match self.inner.search {
            Some(_) => Some((self.search_version().await?, ranking_period())),
            None => None,
        };
        if let Some(k) = &key {
            let me = self.clone();
            let k2 = *k;
            let refresh = move || -> crate::cache::Refresh {
                Box::pin(async move {
                    if let Err(e) = me.inner.ranking.current(Some(k2), || me.compute_ranking()).await {
                        tracing::warn!(error = %e, "could not rank the agencies");
                    }
                })
            };
            if let Some(r) = self.inner.ranking.recent(k, refresh) {
                return Ok(r);
            }
        }
        self.inner.ranking.current(key, || self.compute_ranking()).await
    }

    async fn compute_ranking(&self) -> Result<Vec<AgencyScore>> {
        let filter = dataset_filter(&Actor::anonymous());
        let ids = {
            let mut conn = self.store().conn().await?;
            packages::visible_ids(&mut conn, &filter).await?
        };
        let mut by: BTreeMap<String, Vec<DatasetScores>> = BTreeMap::new();
        for s in self.dataset_scores(&ids).await? {
            by.entry(s.org.clone()).or_default().push(s);
        }
        let mut out: Vec<AgencyScore> = by.into_iter().map(|(name, list)| agency_score(name, &list)).collect();
        out.sort_by(|a, b| b.overall.total_cmp(&a.overall).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// One agency's line of the ranking (what its page shows); `None` when
    /// it has no public dataset.
    pub async fn agency_quality(&self, org_id: &str) -> Result<Option<AgencyScore>> {
        Ok(self.quality_ranking().await?.iter().find(|a| a.id == org_id).cloned())
    }

    /// The scores of the given (public) datasets that belong to an agency.
    async fn dataset_scores(&self, ids: &[String]) -> Result<Vec<DatasetScores>> {
        let day = kho_core::timefmt::today();
        let mut tables: HashMap<String, Vec<TableValidation>> = HashMap::new();
        {
            let mut conn = self.store().conn().await?;
            for v in kho_store::validations::validity_of(&mut conn, ids).await? {
                if let Some(t) = table_validation(&v.status, v.row_count, v.invalid_rows) {
                    tables.entry(v.package_id).or_default().push(t);
                }
            }
        }
        let duplicates = self.duplicates_recent().await?;
        let links = self.link_availability(ids).await?;
        let mut conn = self.store().conn().await?;
        let mut scores = Vec::with_capacity(ids.len());
        // A chunk of documents at a time, so memory holds 500 of them, not
        // the whole catalog.
        for chunk in ids.chunks(500) {
            for (_, doc) in packages::docs_by_ids(&mut conn, chunk).await? {
                let Ok(pkg) = serde_json::from_str::<Package>(&doc) else { continue };
                let Some(org) = &pkg.organization else { continue };
                let a = assess(&pkg, &day);
                scores.push(DatasetScores {
                    org_id: org.id.clone(),
                    org: org.name.clone(),
                    org_title: org.title.clone(),
                    metadata: f64::from(a.percent),
                    dimensions: a
                        .dimensions
                        .iter()
                        .map(|d| (d.max > 0).then(|| 100.0 * f64::from(d.score) / f64::from(d.max)))
                        .collect(),
                    validity: tables.get(&pkg.id).and_then(|t| validity(t)),
                    availability: links.get(&pkg.id).and_then(availability),
                    uniqueness: duplicates.as_ref().map(|d| uniqueness(d.report.count(&pkg.id))),
                });
            }
        }
        Ok(scores)
    }

    /// `organization_quality_list`: the ranking as the API returns it.
    pub async fn organization_quality_list(&self) -> Result<Value> {
        let ranking = self.quality_ranking().await?;
        let rows: Vec<Value> = ranking
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let dims: serde_json::Map<String, Value> = Dimension::ALL
                    .iter()
                    .zip(&a.dimensions)
                    .map(|(d, p)| (d.code().to_string(), json!((p * 10.0).round() / 10.0)))
                    .collect();
                json!({
                    "rank": i + 1, "name": a.name, "title": a.title, "datasets": a.datasets,
                    "overall": round1(a.overall),
                    "percent": round1(a.percent), "rating": a.rating.code(), "dimensions": dims,
                    "validity": a.validity.map(round1), "availability": a.availability.map(round1),
                    "duplicated": a.duplicated,
                })
            })
            .collect();
        Ok(json!({"assessed": kho_core::timefmt::today(), "count": rows.len(), "results": rows}))
    }
}
