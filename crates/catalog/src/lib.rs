//! Kho's catalog service: every action on datasets, resources, agencies,
//! groups, users and tokens, as one API used by the HTTP server and the CLI.
//!
//! Each action takes the acting [`Actor`], checks permission through
//! [`kho_core::authz`], validates its input with [`kho_core::input`], writes
//! in one transaction through [`kho_store`], records an activity with a
//! diff, and returns the record in CKAN's shape. Actions are grouped by
//! subject: [`datasets`], [`resources`], [`organizations`], [`users`];
//! [`demo`] loads the demonstration catalog.
//!
//! Architecture invariants:
//! - No HTTP here. Callers pass loosely typed dictionaries or typed inputs
//!   and get domain values or [`kho_core::Error`] back.
//! - Permission is always decided by `kho_core::authz`, never inline.
//! - A write and its activity commit together or not at all.

pub mod admin_units;
pub mod auth;
mod cache;
pub mod datamap;
pub mod datasets;
pub mod datastore;
pub mod dcat;
pub mod demo;
pub mod duplicates;
pub mod exports;
pub mod harvest;
pub mod jobs;
pub mod links;
pub mod organizations;
pub mod quality;
pub mod resources;
pub mod search;
pub mod strategy;
pub mod strategy_progress;
pub mod synthetic;
pub mod users;
pub mod validation;

pub use kho_core::authz::Actor;
pub use kho_core::{Error, Result};
pub use kho_files::{FileStore, StoredFile};
pub use kho_store::{Backend, Store, StoreOptions};

use std::path::PathBuf;
use std::sync::Arc;

/// What the catalog needs to open.
#[derive(Debug, Clone)]
pub struct CatalogOptions {
    pub database_url: String,
    pub data_dir: PathBuf,
    /// The public base URL. `Some` makes it authoritative (the server sets
    /// it); `None` uses the one the server last recorded (CLI commands).
    pub site_url: Option<String>,
    pub site_title: String,
    pub max_upload_bytes: u64,
    pub db_max_connections: u32,
    /// How long a write waits for SQLite's lock. Servers answer requests
    /// and keep it short; commands run beside a busy server (whose jobs
    /// write back to back) wait longer rather than fail.
    pub db_busy_timeout: std::time::Duration,
    /// Where this process keeps its search index; `None` for processes that
    /// do not search (CLI commands), whose writes reach servers' indexes
    /// through the change feed.
    pub index_dir: Option<PathBuf>,
    /// Limits of datastore queries.
    pub datastore: kho_datastore::engine::EngineOptions,
    /// The bucket for table files; `None` keeps them in the data directory.
    pub datastore_s3: Option<kho_datastore::storage::S3Config>,
    /// Limits of fetching linked files (their size limit is
    /// `max_upload_bytes`).
    pub fetch: kho_fetch::FetchOptions,
}

/// The catalog: storage, files and settings.
#[derive(Clone, Debug)]
pub struct Catalog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    files: FileStore,
    /// Outbound HTTP (linked files), with its limits.
    fetcher: kho_fetch::Fetcher,
    site_url: String,
    site_title: String,
    max_upload_bytes: u64,
    search: Option<Arc<search::Search>>,
    poller: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Wakes this process's job workers when it enqueues a job.
    job_wake: std::sync::OnceLock<Arc<tokio::sync::Notify>>,
    datastore: datastore::Datastore,
    /// The last duplicate detection, by search version.
    duplicates: cache::Versioned<u64, duplicates::Duplicates>,
    /// The last quality ranking, by search version and ten-minute period.
    ranking: cache::Versioned<(u64, u64), Vec<quality::AgencyScore>>,
    /// The DCAT catalog's count and dates, by search version.
    dcat_summary: cache::Versioned<u64, (i64, Option<String>, Option<String>)>,
    /// The approved data map, by its generation and the agencies' stamp.
    datamap: cache::Versioned<(i64, (i64, Option<String>)), datamap::MapState>,
}

/// Version of the stored package document format. Bump it when the shape
/// of `package_show` changes; documents are rebuilt at the next start.
const DOC_VERSION: &str = "2";

impl Catalog {
    /// Opens the catalog: connects, migrates, opens the file store and, if
    /// the site URL or document format changed, rebuilds stored documents.
    pub async fn open(opts: CatalogOptions) -> Result<Catalog> {
        std::fs::create_dir_all(&opts.data_dir)
            .map_err(|e| Error::internal(format!("cannot create data directory {}: {e}", opts.data_dir.display())))?;
        let store = Store::connect(
            &opts.database_url,
            &StoreOptions { max_connections: opts.db_max_connections, busy_timeout: opts.db_busy_timeout },
        )
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
        store.migrate().await.map_err(|e| Error::Unavailable(e.to_string()))?;
        let files = FileStore::open(opts.data_dir.join("files")).await?;
        let datastore = datastore::Datastore::open(
            opts.data_dir.join("datastore"),
            opts.datastore_s3.as_ref(),
            opts.datastore.clone(),
        )?;

        let mut conn = store.conn().await?;
        let recorded_url = kho_store::meta::get(&mut conn, "site_url").await?;
        let recorded_doc = kho_store::meta::get(&mut conn, "doc_version").await?;
        drop(conn);
        let site_url = match (&opts.site_url, &recorded_url) {
            (Some(u), _) => u.trim_end_matches('/').to_string(),
            (None, Some(u)) => u.clone(),
            (None, None) => "http://127.0.0.1:8080".to_string(),
        };
        let fetcher =
            kho_fetch::Fetcher::new(kho_fetch::FetchOptions { max_bytes: opts.max_upload_bytes, ..opts.fetch })
                .map_err(|e| Error::Unavailable(e.to_string()))?;
        let catalog = Catalog {
            inner: Arc::new(Inner {
                store,
                files,
                fetcher,
                site_url: site_url.clone(),
                site_title: opts.site_title,
                max_upload_bytes: opts.max_upload_bytes,
                search: None,
                poller: std::sync::Mutex::new(None),
                job_wake: std::sync::OnceLock::new(),
                // Recomputed at most once a minute for pages, however
                // often the catalog changes.
                duplicates: cache::Versioned::new(std::time::Duration::from_secs(60)),
                ranking: cache::Versioned::new(std::time::Duration::from_secs(10)),
                dcat_summary: cache::Versioned::new(std::time::Duration::ZERO),
                datamap: cache::Versioned::new(std::time::Duration::ZERO),
                datastore,
            }),
        };
        if opts.site_url.is_some()
            && (recorded_url.as_deref() != Some(site_url.as_str()) || recorded_doc.as_deref() != Some(DOC_VERSION))
        {
            let n = catalog.rebuild_documents(|_, _| {}).await?;
            let mut tx = catalog.store().write().await?;
            kho_store::meta::set(&mut tx, "site_url", &site_url).await?;
            kho_store::meta::set(&mut tx, "doc_version", DOC_VERSION).await?;
            tx.commit().await?;
            if n > 0 {
                tracing::info!(datasets = n, site_url = %site_url, "rebuilt dataset documents");
            }
        }
        let Some(index_dir) = opts.index_dir else { return Ok(catalog) };
        let search = Arc::new(search::Search::open(catalog.store(), index_dir).await?);
        let inner = Arc::into_inner(catalog.inner).ok_or_else(|| Error::internal("catalog shared during open"))?;
        let catalog = Catalog { inner: Arc::new(Inner { search: Some(search.clone()), ..inner }) };
        // Index this process's writes in batches and follow other processes'.
        let poller = tokio::spawn(search.run_indexer(catalog.store().clone()));
        if let Ok(mut g) = catalog.inner.poller.lock() {
            *g = Some(poller);
        }
        Ok(catalog)
    }

    /// Commits a write and tells the search indexer; searches that begin
    /// after this returns will see the write (read-your-writes).
    pub(crate) async fn commit(&self, tx: kho_store::Tx) -> Result<()> {
        tx.commit().await?;
        self.search_note_write();
        Ok(())
    }

    /// The storage layer.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The file store.
    pub fn files(&self) -> &FileStore {
        &self.inner.files
    }

    /// The public base URL.
    pub fn site_url(&self) -> &str {
        &self.inner.site_url
    }

    /// The portal's name.
    pub fn site_title(&self) -> &str {
        &self.inner.site_title
    }

    /// Largest accepted upload, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.inner.max_upload_bytes
    }

    /// Rebuilds every dataset's stored document, in batches; `progress` is
    /// told `(done, batch)` after each batch. Returns how many were rebuilt.
    pub async fn rebuild_documents(&self, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
        let mut last = String::new();
        let mut done = 0u64;
        loop {
            let mut tx = self.store().write().await?;
            let ids = kho_store::packages::ids_after(&mut tx, &last, 500).await?;
            if ids.is_empty() {
                break;
            }
            for id in &ids {
                kho_store::packages::refresh_doc(&mut tx, id, self.site_url()).await?;
            }
            self.commit(tx).await?;
            done += ids.len() as u64;
            progress(done, ids.len() as u64);
            last = ids.last().cloned().unwrap_or_default();
        }
        Ok(done)
    }

    /// Stops the search poller, releases the index and closes the database pool.
    pub async fn close(&self) {
        if let Ok(mut g) = self.inner.poller.lock()
            && let Some(p) = g.take()
        {
            p.abort();
        }
        if let Some(s) = &self.inner.search {
            s.close();
        }
        self.inner.store.close().await;
    }
}

/// Requires a signed-in actor for a write; anonymous callers get CKAN's
/// authorization error before any input is examined.
pub(crate) fn require_user(actor: &Actor, action: &str) -> Result<()> {
    if actor.user.is_none() {
        return Err(Error::forbidden(format!("Action {action} requires an authenticated user")));
    }
    Ok(())
}

/// Paging limits shared by list actions.
pub(crate) fn page(limit: Option<i64>, offset: Option<i64>, default: i64, max: i64) -> Result<(i64, i64)> {
    let limit = limit.unwrap_or(default);
    let offset = offset.unwrap_or(0);
    let mut errs = kho_core::ValidationErrors::default();
    if !(0..=max).contains(&limit) {
        errs.add("limit", format!("Must be between 0 and {max}"));
    }
    if offset < 0 {
        errs.add("offset", "Must be a positive integer");
    }
    errs.into_result()?;
    Ok((limit, offset))
}
