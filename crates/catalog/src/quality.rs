//! Quality scores (issue 7): a dataset's metadata assessment on Kho's point
//! table (`kho_core::quality`), and the agencies ranked by their public
//! datasets' scores. Reading a dataset's score is reading the dataset; the
//! ranking counts public datasets only, so it is the same for everyone.

use crate::{Catalog, Result};
use kho_core::authz::{Actor, dataset_filter};
use kho_core::model::Package;
use kho_core::quality::{Assessment, CRITERIA, Dimension, Rating, assess};
use kho_store::packages;
use serde_json::{Value, json};
use std::collections::BTreeMap;

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

/// An agency's title, its datasets' percentages, and their percentages
/// per dimension (in `Dimension::ALL` order), while they are gathered.
type Scores = (String, Vec<f64>, Vec<Vec<f64>>);

/// An agency's line in the ranking.
#[derive(Debug, Clone)]
pub struct AgencyScore {
    pub name: String,
    pub title: String,
    pub datasets: usize,
    /// Mean of its datasets' percentages.
    pub percent: f64,
    pub rating: Rating,
    /// Mean percentage per dimension, in `Dimension::ALL` order.
    pub dimensions: Vec<f64>,
}

impl Catalog {
    /// `quality_show`: the metadata assessment of a dataset the actor may read.
    pub async fn quality_show(&self, actor: &Actor, id: &str) -> Result<Value> {
        let pkg = self.package_show(actor, id).await?;
        let day = kho_core::timefmt::today();
        let mut v = assessment_json(&assess(&pkg, &day));
        v["dataset"] = json!({"id": pkg.id, "name": pkg.name, "title": pkg.title});
        v["assessed"] = Value::String(day);
        Ok(v)
    }

    /// Every public dataset's assessment, by agency, best first (ties by
    /// name). Datasets without an agency are left out.
    pub async fn quality_ranking(&self) -> Result<Vec<AgencyScore>> {
        let filter = dataset_filter(&Actor::anonymous());
        let mut conn = self.store().conn().await?;
        let ids = packages::visible_ids(&mut conn, &filter).await?;
        let day = kho_core::timefmt::today();
        let mut by: BTreeMap<String, Scores> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            for (_, doc) in packages::docs_by_ids(&mut conn, chunk).await? {
                let Ok(pkg) = serde_json::from_str::<Package>(&doc) else { continue };
                let Some(org) = &pkg.organization else { continue };
                let a = assess(&pkg, &day);
                let entry =
                    by.entry(org.name.clone()).or_insert_with(|| (org.title.clone(), Vec::new(), vec![Vec::new(); 7]));
                entry.1.push(f64::from(a.percent));
                for (i, d) in a.dimensions.iter().enumerate() {
                    if d.max > 0
                        && let Some(list) = entry.2.get_mut(i)
                    {
                        list.push(100.0 * f64::from(d.score) / f64::from(d.max));
                    }
                }
            }
        }
        let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
        let mut out: Vec<AgencyScore> = by
            .into_iter()
            .map(|(name, (title, percents, dims))| {
                let percent = mean(&percents);
                AgencyScore {
                    name,
                    title,
                    datasets: percents.len(),
                    percent,
                    rating: Rating::of(percent / 100.0),
                    dimensions: dims.iter().map(|d| mean(d)).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| b.percent.total_cmp(&a.percent).then(a.name.cmp(&b.name)));
        Ok(out)
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
                    "percent": (a.percent * 10.0).round() / 10.0, "rating": a.rating.code(), "dimensions": dims,
                })
            })
            .collect();
        Ok(json!({"assessed": kho_core::timefmt::today(), "count": rows.len(), "results": rows}))
    }
}
