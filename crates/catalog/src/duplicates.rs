//! Duplicate datasets (issue 7, "duplication"; Decision 142: the same data
//! is collected once): public datasets whose titles and notes look like the
//! same data published again, and datasets sharing a file, found by
//! [`kho_core::duplicates`].
//!
//! Only public, active datasets are compared, read the way the quality
//! ranking reads them (the anonymous visibility filter), so the answer is
//! the same for everyone and no pair can reveal a private dataset. The
//! result is kept in memory under the search version, which changes with
//! every write that can change a dataset's document (in this process or,
//! through the change feed, in another); one computation serves every
//! request until then, and concurrent requests after a change wait for the
//! one computation rather than each starting their own.

use crate::{Catalog, Error, Result, page};
use kho_core::authz::{Actor, dataset_filter};
use kho_core::duplicates::{Evidence, Group, Options, Report, find};
use kho_core::input::Fields;
use kho_store::{groups, packages};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The duplicates among the public datasets at one moment.
#[derive(Debug)]
pub struct Duplicates {
    pub report: Report,
    /// Every public dataset compared, by id.
    pub datasets: HashMap<String, DatasetRef>,
    /// The threshold of similar-text evidence.
    pub threshold: f64,
}

/// What an answer shows of a dataset.
#[derive(Debug, Clone)]
pub struct DatasetRef {
    pub id: String,
    pub name: String,
    pub title: String,
    /// The owning organization: id, name, title.
    pub organization: Option<(String, String, String)>,
}

impl DatasetRef {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "title": self.title,
            "organization": self.organization.as_ref().map(|(_, name, title)| json!({"name": name, "title": title})),
        })
    }
}

/// The part of a stored document the comparison reads.
#[derive(Deserialize)]
struct Doc {
    id: String,
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    organization: Option<DocOrganization>,
    #[serde(default)]
    resources: Vec<DocResource>,
}

#[derive(Deserialize)]
struct DocOrganization {
    id: String,
    name: String,
    title: String,
}

#[derive(Deserialize)]
struct DocResource {
    #[serde(default)]
    hash: Option<String>,
}

/// Province names of both eras (short names: "An Giang", "Thừa Thiên
/// Huế"), for the rule that datasets naming different places differ.
fn place_names() -> Vec<String> {
    let new = kho_admin_units::provinces().iter().map(|p| p.short_name.clone());
    new.chain(kho_admin_units::legacy_provinces().iter().map(|p| p.short_name.clone())).collect()
}

/// Rounds a score for display.
fn round(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}

impl Duplicates {
    fn name(&self, id: &str) -> String {
        self.datasets.get(id).map_or_else(|| id.to_string(), |d| d.name.clone())
    }

    /// A group as the API returns it: datasets and evidence by name.
    fn group_json(&self, g: &Group) -> Value {
        let mut datasets: Vec<&DatasetRef> = g.datasets.iter().filter_map(|id| self.datasets.get(id)).collect();
        datasets.sort_by(|a, b| a.name.cmp(&b.name));
        let names = |ids: &[String]| {
            let mut v: Vec<String> = ids.iter().map(|id| self.name(id)).collect();
            v.sort();
            v
        };
        let reasons: Vec<Value> = g
            .evidence
            .iter()
            .map(|e| match e {
                Evidence::SimilarText { score, datasets } => {
                    json!({"reason": e.reason(), "score": round(*score), "datasets": names(datasets)})
                }
                Evidence::SameFile { hash, datasets } => {
                    json!({"reason": e.reason(), "hash": hash, "datasets": names(datasets)})
                }
            })
            .collect();
        json!({"datasets": datasets.iter().map(|d| d.json()).collect::<Vec<_>>(), "reasons": reasons})
    }

    /// The groups, largest first, then by their first dataset's name.
    fn groups_by_name(&self) -> Vec<(String, &Group)> {
        let mut out: Vec<(String, &Group)> = self
            .report
            .groups
            .iter()
            .map(|g| (g.datasets.iter().map(|id| self.name(id)).min().unwrap_or_default(), g))
            .collect();
        out.sort_by(|a, b| b.1.datasets.len().cmp(&a.1.datasets.len()).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

impl Catalog {
    /// The duplicates among the public datasets, computed again only when
    /// the search version has changed since the last time. Processes
    /// without a search index (CLI commands) compute every time.
    pub async fn duplicates(&self) -> Result<Arc<Duplicates>> {
        let version = match self.inner.search {
            Some(_) => Some(self.search_version().await?),
            None => None,
        };
        self.inner.duplicates.current(version, || self.compute_duplicates()).await
    }

    /// The latest result without waiting for a computation: current, or
    /// else the previous one, refreshed in the background (at most once a
    /// minute, however often the catalog changes); the first call of a
    /// process waits for the first result, so a page never flips from no
    /// answer to one. For scores shown on pages; `dataset_duplicate_list`
    /// answers from a current result.
    pub async fn duplicates_recent(&self) -> Result<Option<Arc<Duplicates>>> {
        if self.inner.search.is_none() {
            return self.duplicates().await.map(Some);
        }
        let version = self.search_version().await?;
        let me = self.clone();
        let refresh = move || -> crate::cache::Refresh {
            Box::pin(async move {
                if let Err(e) = me.duplicates().await {
                    tracing::warn!(error = %e, "could not compute duplicates");
                }
            })
        };
        match self.inner.duplicates.recent(&version, refresh) {
            Some(d) => Ok(Some(d)),
            None => self.duplicates().await.map(Some),
        }
    }

    async fn compute_duplicates(&self) -> Result<Duplicates> {
        let started = std::time::Instant::now();
        let filter = dataset_filter(&Actor::anonymous());
        let mut conn = self.store().conn().await?;
        let ids = packages::visible_ids(&mut conn, &filter).await?;
        let mut items = Vec::with_capacity(ids.len());
        let mut datasets = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for (access, doc) in packages::docs_by_ids(&mut conn, chunk).await? {
                // The query already filtered; this is the rule itself.
                if !filter.allows(&access) {
                    continue;
                }
                let Ok(d) = serde_json::from_str::<Doc>(&doc) else {
                    tracing::warn!(dataset = %access.id, "stored document unreadable; left out of duplicate detection");
                    continue;
                };
                items.push(kho_core::duplicates::Item {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    notes: d.notes.unwrap_or_default(),
                    hashes: d.resources.into_iter().filter_map(|r| r.hash).collect(),
                });
                let organization = d.organization.map(|o| (o.id, o.name, o.title));
                datasets.insert(d.id.clone(), DatasetRef { id: d.id, name: d.name, title: d.title, organization });
            }
        }
        drop(conn);
        let opts = Options { places: place_names(), ..Options::default() };
        let threshold = opts.threshold;
        let report = tokio::task::spawn_blocking(move || find(&items, &opts))
            .await
            .map_err(|e| Error::internal(format!("duplicate detection failed: {e}")))?;
        if report.stats.oversized_buckets > 0 {
            tracing::warn!(buckets = report.stats.oversized_buckets, "duplicate detection skipped oversized buckets");
        }
        tracing::debug!(
            datasets = report.stats.datasets,
            groups = report.groups.len(),
            candidates = report.stats.candidates,
            ms = started.elapsed().as_millis() as u64,
            "duplicate detection"
        );
        Ok(Duplicates { report, datasets, threshold })
    }

    /// For each dataset id, how many other public datasets look like its
    /// duplicates (direct evidence, either kind); 0 for datasets with none
    /// and for ids that are not public datasets. For the quality score.
    pub async fn duplicate_counts<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<usize>> {
        let d = self.duplicates().await?;
        Ok(ids.iter().map(|id| d.report.count(id.as_ref())).collect())
    }

    /// `dataset_duplicate_list`: with `id`, that dataset's likely
    /// duplicates; with `organization`, the groups involving its datasets;
    /// otherwise every group, largest first. Paged by `limit` (default 20,
    /// at most 1000) and `offset`. Reading a dataset's list is reading the
    /// dataset; a private one has none (only public datasets are compared).
    pub async fn dataset_duplicate_list(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let id = f.text("id", 200);
        let organization = f.text("organization", 200);
        let (limit, offset) = (f.int("limit"), f.int("offset"));
        if id.is_some() && organization.is_some() {
            f.error("organization", "Give id or organization, not both");
        }
        f.take_errors().into_result()?;
        let (limit, offset) = page(limit, offset, 20, 1000)?;
        let (limit, offset) = (limit as usize, offset as usize);
        if let Some(id) = id {
            let access = self.dataset_access(actor, &id).await?;
            let d = self.duplicates().await?;
            let this = d
                .datasets
                .get(&access.id)
                .map(DatasetRef::json)
                .unwrap_or_else(|| json!({"id": access.id, "name": access.name}));
            let matches = d.report.matches(&access.id);
            let mut rows: Vec<(f64, String, Value)> = matches
                .iter()
                .filter_map(|m| {
                    let other = d.datasets.get(&m.id)?;
                    let mut reasons = Vec::new();
                    if let Some(score) = m.score {
                        reasons.push(json!({"reason": "similar-text", "score": round(score)}));
                    }
                    for hash in &m.files {
                        reasons.push(json!({"reason": "same-file", "hash": hash}));
                    }
                    let row = json!({"dataset": other.json(), "score": m.score.map(round), "reasons": reasons});
                    Some((m.score.unwrap_or(0.0), other.name.clone(), row))
                })
                .collect();
            rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let count = rows.len();
            let results: Vec<Value> = rows.into_iter().skip(offset).take(limit).map(|r| r.2).collect();
            return Ok(json!({"dataset": this, "threshold": d.threshold, "count": count, "results": results}));
        }
        let org = match organization {
            Some(name) => {
                let mut conn = self.store().conn().await?;
                match groups::find(&mut conn, &name, Some(true)).await? {
                    Some(g) if g.state == "active" => Some(g),
                    _ => return Err(Error::not_found("Organization not found")),
                }
            }
            None => None,
        };
        let d = self.duplicates().await?;
        let involves = |g: &Group| {
            org.as_ref().is_none_or(|o| {
                g.datasets.iter().any(|id| {
                    d.datasets.get(id).and_then(|r| r.organization.as_ref()).is_some_and(|(oid, _, _)| *oid == o.id)
                })
            })
        };
        let all: Vec<&Group> = d.groups_by_name().into_iter().map(|(_, g)| g).filter(|g| involves(g)).collect();
        let results: Vec<Value> = all.iter().skip(offset).take(limit).map(|g| d.group_json(g)).collect();
        let mut out = json!({"threshold": d.threshold, "count": all.len(), "results": results});
        if let Some(o) = org {
            out["organization"] = json!({"name": o.name, "title": o.title});
        }
        Ok(out)
    }
}
