//! The catalog as DCAT-AP 3 (`kho_dcat`): the whole catalog streamed, one
//! Hydra page of it, or one dataset. Only public, active datasets are ever
//! written, whoever asks.

use crate::datastore::Dump;
use crate::{Catalog, Error, Result};
use bytes::Bytes;
use kho_core::model::Package;
use kho_dcat::{CatalogInfo, Chunks, Format, Page, Site, Writer};
use kho_store::packages;
use std::sync::Arc;

/// Datasets on a catalog page unless the client asks otherwise (as
/// ckanext-dcat).
pub const PER_PAGE: u64 = 100;
/// The most a client may ask for on one page.
pub const MAX_PER_PAGE: u64 = 1000;
/// Datasets read from the database at once while streaming.
const BATCH: i64 = 500;

/// What part of the catalog to write, from `/catalog.{ext}`'s query.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogQuery {
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
    /// Keyset cursor: the id of the last dataset of the previous page, as
    /// `hydra:next` links carry it, so paging stays right while datasets
    /// are added or deleted.
    pub after: Option<String>,
    /// Only datasets changed at or after this time (ckanext-dcat's
    /// `modified_since`), Kho's timestamp format.
    pub modified_since: Option<String>,
    /// The whole catalog in one document, without paging.
    pub all: bool,
}

impl CatalogQuery {
    /// Parses `page`, `per_page`, `after`, `modified_since` and `all`.
    pub fn parse(query: &str) -> Result<CatalogQuery> {
        let mut q = CatalogQuery { page: 1, per_page: PER_PAGE, after: None, modified_since: None, all: false };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "page" => {
                    q.page = v
                        .parse()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(|| Error::field("page", "Must be a page number from 1 (the first page)"))?
                }
                "per_page" => {
                    q.per_page =
                        v.parse().ok().filter(|n| (1..=MAX_PER_PAGE).contains(n)).ok_or_else(|| {
                            Error::field("per_page", format!("Must be a number from 1 to {MAX_PER_PAGE}"))
                        })?
                }
                "after" => q.after = Some(v.into_owned()).filter(|a| !a.is_empty()),
                "modified_since" => {
                    let t = kho_core::timefmt::parse_datetime(&v).ok_or_else(|| {
                        Error::field("modified_since", "Must be a date or date and time, e.g. 2025-07-01T00:00:00Z")
                    })?;
                    q.modified_since = Some(t);
                }
                "all" => q.all = matches!(v.as_ref(), "true" | "1" | "yes"),
                _ => {}
            }
        }
        Ok(q)
    }

    /// This query's URL for page `page` (continuing after `after`).
    fn url(&self, site: &Site, path: &str, page: u64, after: Option<&str>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("page", &page.to_string());
        if self.per_page != PER_PAGE {
            s.append_pair("per_page", &self.per_page.to_string());
        }
        if let Some(m) = &self.modified_since {
            s.append_pair("modified_since", m);
        }
        if let Some(a) = after {
            s.append_pair("after", a);
        }
        format!("{}{path}?{}", site.base, s.finish())
    }
}

impl Catalog {
    /// The catalog as DCAT in `format`: one page (`/catalog.{ext}`, with
    /// Hydra links built on `path`) or all of it (`all`), streamed batch by
    /// batch with memory bounded by one batch.
    pub async fn dcat_catalog(&self, site: Arc<Site>, format: Format, path: &str, q: CatalogQuery) -> Result<Dump> {
        // Counted over the whole table: kept until the catalog changes, so a
        // harvester walking the pages does not pay it per page.
        let key = if q.modified_since.is_none() { self.search_version().await.ok() } else { None };
        let since = q.modified_since.clone();
        let summary = self
            .inner
            .dcat_summary
            .current(key, || async {
                let mut conn = self.store().conn().await?;
                Ok(packages::public_summary(&mut conn, since.as_deref()).await?)
            })
            .await?;
        let (total, issued, modified) = (summary.0.max(0) as u64, summary.1.clone(), summary.2.clone());
        let last = total.div_ceil(q.per_page).max(1);
        let page = (!q.all).then(|| Page {
            current: q.url(&site, path, q.page, q.after.as_deref()),
            first: q.url(&site, path, 1, None),
            last: q.url(&site, path, last, None),
            previous: (q.page > 1).then(|| q.url(&site, path, q.page - 1, None)),
            // Filled in once the page's last dataset is known.
            next: None,
            per_page: q.per_page,
        });
        let info = CatalogInfo { total, issued, modified, page };
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
        let catalog = self.clone();
        let path = path.to_string();
        tokio::spawn(async move {
            if let Err(e) = stream_catalog(&catalog, site, format, &path, q, info, &tx).await {
                tracing::warn!(error = %e, "the DCAT export stopped");
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        });
        let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
        Ok(Dump {
            filename: format!("catalog.{}", format.extension()),
            content_type: format.media_type(),
            body: Box::pin(body),
        })
    }

    /// One public dataset as DCAT; a private, draft or deleted one (or none)
    /// is not found, for everyone.
    pub async fn dcat_dataset(&self, site: Arc<Site>, format: Format, id_or_name: &str) -> Result<Vec<u8>> {
        let mut conn = self.store().conn().await?;
        let found = packages::show(&mut conn, id_or_name).await?;
        drop(conn);
        let not_found = || Error::not_found(format!("No public dataset \"{id_or_name}\""));
        let (access, doc) = found.ok_or_else(not_found)?;
        if access.private || access.state != kho_core::vocab::DatasetState::Active {
            return Err(not_found());
        }
        let pkg: Package = serde_json::from_str(&doc).map_err(|e| Error::internal(format!("dataset document: {e}")))?;
        let mut w = Writer::new(format, site, Vec::new());
        w.dataset(&pkg).map_err(io)?;
        w.finish().map_err(io)
    }
}

/// Writes datasets off the async threads (serialising is CPU work).
async fn write_batch(w: Writer<Chunks>, batch: Vec<(String, String)>) -> Result<Writer<Chunks>> {
    tokio::task::spawn_blocking(move || -> Result<Writer<Chunks>> {
        let mut w = w;
        for (id, doc) in batch {
            match serde_json::from_str::<Package>(&doc) {
                Ok(pkg) => w.dataset(&pkg).map_err(io)?,
                // A document that no longer parses is skipped, not the export.
                Err(e) => tracing::warn!(dataset = %id, error = %e, "dataset left out of the DCAT export"),
            }
        }
        Ok(w)
    })
    .await
    .map_err(|e| Error::internal(format!("DCAT export task: {e}")))?
}

fn io(e: std::io::Error) -> Error {
    Error::internal(format!("writing DCAT: {e}"))
}

/// Writes the catalog into `tx`: the catalog node, then the datasets in
/// batches, each serialised off the async threads.
async fn stream_catalog(
    catalog: &Catalog,
    site: Arc<Site>,
    format: Format,
    path: &str,
    q: CatalogQuery,
    mut info: CatalogInfo,
    tx: &tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
) -> Result<()> {
    let sink = Chunks::default();
    let mut writer = Writer::new(format, site.clone(), sink.clone());
    let read = |after: Option<String>, offset: i64, limit: i64| {
        let since = q.modified_since.clone();
        async move {
            let mut conn = catalog.store().conn().await?;
            Ok::<_, Error>(packages::public_docs(&mut conn, after.as_deref(), offset, limit, since.as_deref()).await?)
        }
    };
    if let Some(p) = info.page.as_mut() {
        // One page (at most 1,000): one more row says whether a next one
        // follows, and the page links to it through its last dataset's id.
        let offset = if q.after.is_some() { 0 } else { ((q.page - 1).saturating_mul(q.per_page)) as i64 };
        let mut rows = read(q.after.clone(), offset, q.per_page as i64 + 1).await?;
        if rows.len() as u64 > q.per_page {
            rows.truncate(q.per_page as usize);
            p.next = rows.last().map(|(id, _)| q.url(&site, path, q.page + 1, Some(id)));
        }
        writer.catalog(&info).map_err(io)?;
        writer = write_batch(writer, rows).await?;
        let _ = tx.send(Ok(Bytes::from(sink.take()))).await;
    } else {
        // The whole catalog, batch after batch by id.
        writer.catalog(&info).map_err(io)?;
        let mut after = None;
        loop {
            let batch = read(after.clone(), 0, BATCH).await?;
            let full = batch.len() as i64 == BATCH;
            after = batch.last().map(|(id, _)| id.clone());
            writer = write_batch(writer, batch).await?;
            if tx.send(Ok(Bytes::from(sink.take()))).await.is_err() {
                return Ok(()); // The client went away.
            }
            if !full {
                break;
            }
        }
    }
    writer.finish().map_err(io)?;
    let _ = tx.send(Ok(Bytes::from(sink.take()))).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_and_refuse_nonsense() {
        let q = CatalogQuery::parse("page=3&per_page=50&modified_since=2025-07-01").unwrap();
        assert_eq!((q.page, q.per_page, q.all), (3, 50, false));
        assert_eq!(q.modified_since.as_deref(), Some("2025-07-01T00:00:00.000000"));
        assert!(CatalogQuery::parse("page=0").is_err());
        assert!(CatalogQuery::parse("per_page=5000").is_err());
        assert!(CatalogQuery::parse("modified_since=yesterday").is_err());
        assert!(CatalogQuery::parse("all=true").unwrap().all);
    }
}
