//! Kho's embedded search index (tantivy), the engine behind
//! `package_search`.
//!
//! - [`analysis`]: Vietnamese-aware text analysis (diacritics exact and
//!   folded, English stemming).
//! - [`query`]: the Lucene/Solr query syntax CKAN clients send in `q`/`fq`.
//! - [`translate`]: parsed queries to tantivy queries, with field weights.
//! - [`schema`]: fields, and how a dataset becomes an index entry.
//! - [`collect`]: counts, facets and multi-key sorting in one pass.
//! - [`visibility`]: who may see what, as an index filter.
//!
//! The index lives in a directory of generations: `CURRENT` names the one
//! in use, and a rebuild writes a new generation beside it and switches
//! `CURRENT` atomically, so a rebuild never disturbs searches, even from
//! another process. What the index has applied of the database's change
//! feed is stored in each commit's payload with the schema version and the
//! database's identity, so a stale, foreign or broken index is noticed at
//! start.
//!
//! Invariants: no SQL and no HTTP here; the index holds only datasets that
//! are not deleted; every search is ANDed with [`visibility::filter`].

pub mod analysis;
pub mod collect;
pub mod query;
pub mod schema;
pub mod translate;
pub mod visibility;

use collect::{SearchCollector, SortKey};
use kho_core::authz::DatasetFilter;
use kho_core::model::Package;
use schema::Fields;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// How long opening a writer waits for a lock held by a writer that is
/// closing.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query in request parameter `.0` (`q` or `fq`) cannot be
    /// understood; the message says why.
    #[error("{1}")]
    Query(&'static str, String),
    /// The index on disk cannot be used (missing, corrupt, or from another
    /// version or database); it must be rebuilt.
    #[error("the search index needs rebuilding: {0}")]
    Stale(String),
    /// Another process holds the index writer.
    #[error(
        "the search index at {0} is in use by another Kho process; give each server its own index directory (KHO_INDEX_DIR)"
    )]
    Locked(PathBuf),
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn in_param(param: &'static str) -> impl Fn(query::QueryError) -> SearchError {
    move |e| SearchError::Query(param, e.message)
}

/// Result type of this crate.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What each commit records about the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub schema: u32,
    /// Identity of the database the index was built from.
    pub database: String,
    /// Every change-feed entry up to here is applied.
    pub watermark: i64,
}

impl Payload {
    /// The payload of an index of the current schema.
    pub fn new(database: &str, watermark: i64) -> Payload {
        Payload { schema: schema::SCHEMA_VERSION, database: database.to_string(), watermark }
    }
}

/// Memory for the index writer; small, since writes come in small batches.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;

/// One open index generation.
pub struct SearchIndex {
    dir: PathBuf,
    generation: String,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter<TantivyDocument>>>,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.dir).field("generation", &self.generation).finish()
    }
}

/// The generation `CURRENT` names under `root`, if any.
pub fn current_generation(root: &Path) -> Option<String> {
    let name = std::fs::read_to_string(root.join("CURRENT")).ok()?;
    let name = name.trim();
    (!name.is_empty() && !name.contains(['/', '\\']) && name != "..").then(|| name.to_string())
}

impl SearchIndex {
    /// Opens the current generation under `root` for reading and writing.
    /// [`SearchError::Stale`] when there is none, it is unreadable, or it
    /// was built by another schema version or for another database.
    pub fn open(root: &Path, database: &str) -> Result<(SearchIndex, Payload)> {
        let generation = current_generation(root).ok_or_else(|| SearchError::Stale("no index yet".into()))?;
        let dir = root.join(&generation);
        let index = Index::open_in_dir(&dir).map_err(|e| SearchError::Stale(format!("cannot open: {e}")))?;
        let fields = Fields::default();
        if index.schema() != fields.schema {
            return Err(SearchError::Stale("built with another schema".into()));
        }
        let metas = index.load_metas().map_err(|e| SearchError::Stale(format!("unreadable metadata: {e}")))?;
        let payload: Payload = metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or_else(|| SearchError::Stale("no commit payload".into()))?;
        if payload.schema != schema::SCHEMA_VERSION {
            return Err(SearchError::Stale(format!(
                "schema version {} (now {})",
                payload.schema,
                schema::SCHEMA_VERSION
            )));
        }
        if payload.database != database {
            return Err(SearchError::Stale("built from another database".into()));
        }
        let this = Self::finish_open(dir, generation, index, fields, 1)?;
        // Reading every segment once proves the files are whole.
        this.validate()?;
        Ok((this, payload))
    }

    /// Creates an empty new generation under `root` (not yet current),
    /// written by `threads` indexing threads. With more than one (a bulk
    /// build), merging waits for [`Self::optimize`]; such an index is meant
    /// to be closed and reopened for serving.
    pub fn create(root: &Path, database: &str, watermark: i64, threads: usize) -> Result<SearchIndex> {
        std::fs::create_dir_all(root)?;
        let generation = format!("gen-{}-{}", std::process::id(), uniq());
        let dir = root.join(&generation);
        std::fs::create_dir_all(&dir)?;
        let fields = Fields::default();
        let index = Index::create_in_dir(&dir, fields.schema.clone())?;
        let this = Self::finish_open(dir, generation, index, fields, threads)?;
        if threads > 1 {
            // A bulk build ends in one merge of everything ([`Self::optimize`]);
            // merges along the way would only be redone.
            this.with_writer(|w| {
                w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
                Ok(())
            })?;
        }
        this.commit(&Payload::new(database, watermark))?;
        Ok(this)
    }

    fn finish_open(
        dir: PathBuf,
        generation: String,
        index: Index,
        fields: Fields,
        threads: usize,
    ) -> Result<SearchIndex> {
        analysis::register(index.tokenizers());
        // Serving uses one indexing thread: each thread writes a segment of
        // its own at every commit, and those commits are small and frequent.
        let memory = WRITER_MEMORY * threads.max(1);
        // A writer just closed in this process may release its lock a
        // moment late under load; only a lock still held after a few
        // seconds means another process.
        let mut waited = std::time::Duration::ZERO;
        let writer = loop {
            match index.writer_with_num_threads(threads.max(1), memory) {
                Ok(w) => break w,
                Err(tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _))
                    if waited < LOCK_WAIT =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                    waited += std::time::Duration::from_millis(25);
                }
                Err(tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _)) => {
                    return Err(SearchError::Locked(dir.clone()));
                }
                Err(e) => return Err(SearchError::Tantivy(e)),
            }
        };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { dir, generation, reader, writer: Mutex::new(Some(writer)), fields })
    }

    fn validate(&self) -> Result<()> {
        let searcher = self.reader.searcher();
        for seg in searcher.segment_readers() {
            for f in [self.fields.id(), self.fields.folded[0]] {
                seg.inverted_index(f).map_err(|e| SearchError::Stale(format!("damaged segment: {e}")))?;
            }
            seg.fast_fields().str("id").map_err(|e| SearchError::Stale(format!("damaged segment: {e}")))?;
        }
        Ok(())
    }

    /// Makes this generation the current one under `root` (atomically) and
    /// removes older generations no process has open.
    pub fn make_current(&self, root: &Path) -> Result<()> {
        let tmp = root.join(format!("CURRENT.{}", uniq()));
        std::fs::write(&tmp, &self.generation)?;
        std::fs::rename(&tmp, root.join("CURRENT"))?;
        if let Ok(dir) = std::fs::File::open(root) {
            let _ = dir.sync_all();
        }
        self.remove_old_generations(root);
        Ok(())
    }

    /// Deletes generations other than this one that no writer holds.
    pub fn remove_old_generations(&self, root: &Path) {
        let Ok(entries) = std::fs::read_dir(root) else { return };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with("gen-") || name == self.generation {
                continue;
            }
            // A generation still open somewhere holds tantivy's writer lock.
            let lock = e.path().join(".tantivy-writer.lock");
            let in_use = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_err());
            if !in_use {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }

    /// This generation's name.
    pub fn generation(&self) -> &str {
        &self.generation
    }

    fn with_writer<T>(&self, f: impl FnOnce(&mut IndexWriter<TantivyDocument>) -> Result<T>) -> Result<T> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Stale("writer poisoned".into()))?;
        let w = guard.as_mut().ok_or_else(|| SearchError::Stale("index closed".into()))?;
        f(w)
    }

    /// Replaces the entries of these datasets: `None` removes one (deleted
    /// or purged), `Some` re-indexes it. Visible after [`Self::commit`].
    pub fn apply(&self, changes: &[(String, Option<Package>)]) -> Result<()> {
        self.with_writer(|w| {
            for (id, pkg) in changes {
                if let Some(t) = self.fields.kw_term("id", id) {
                    w.delete_term(t);
                }
                if let Some(p) = pkg.as_ref().filter(|p| p.state != "deleted") {
                    w.add_document(self.fields.document(p))?;
                }
            }
            Ok(())
        })
    }

    /// Commits what was applied, recording `payload`, and makes it visible
    /// to searches.
    pub fn commit(&self, payload: &Payload) -> Result<()> {
        let text = serde_json::to_string(payload).map_err(|e| SearchError::Stale(e.to_string()))?;
        self.with_writer(|w| {
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&text);
            prepared.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Merges every segment into one (after a bulk build): each query pays
    /// a set-up cost per segment, and one segment scores best.
    pub fn optimize(&self) -> Result<()> {
        let ids = self.reader.searcher().segment_readers().iter().map(|s| s.segment_id()).collect::<Vec<_>>();
        if ids.len() > 1 {
            self.with_writer(|w| {
                w.merge(&ids).wait()?;
                Ok(())
            })?;
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Releases the writer (and its lock) so another generation can be used.
    pub fn close(&self) {
        if let Ok(mut guard) = self.writer.lock()
            && let Some(w) = guard.take()
        {
            let _ = w.wait_merging_threads();
        }
    }

    /// Number of datasets in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes on disk of this generation.
    pub fn size_bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| rd.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0)
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest, filter: &DatasetFilter) -> Result<SearchHits> {
        let now_nanos = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos()).unwrap_or(i64::MAX);
        let now = DateTime::from_timestamp_nanos(now_nanos);
        let searcher = self.reader.searcher();
        let exists = |t: &Term| searcher.doc_freq(t).map(|n| n > 0).unwrap_or(true);
        let mut tr = translate::Translator::new(&self.fields, now, exists);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let q = req.q.as_deref().map(str::trim).unwrap_or("");
        if !q.is_empty() {
            let parsed = query::parse(q).map_err(in_param("q"))?;
            clauses.push((Occur::Must, tr.translate(&parsed).map_err(in_param("q"))?));
        }
        let highlight_terms = std::mem::take(&mut tr.highlight_terms);
        for fq in &req.fq {
            if !fq.trim().is_empty() {
                let parsed = query::parse(fq).map_err(in_param("fq"))?;
                // Filters narrow the results without touching their scores, as in Solr.
                let q = tr.translate(&parsed).map_err(in_param("fq"))?;
                clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
            }
        }
        let visible = visibility::filter(&self.fields, filter, req.include_private, req.include_drafts);
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(visible, 0.0))));
        let query = BooleanQuery::new(clauses);
        let k = if req.start as u64 >= searcher.num_docs() { 0 } else { req.start.saturating_add(req.rows) };
        let collector = SearchCollector { sort: req.sort.clone(), k, facets: req.facet_fields.clone() };
        let hits = searcher.search(&query, &collector)?;
        let mut ids = Vec::new();
        for addr in hits.top.iter().skip(req.start) {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            if let Some(id) = doc.get_first(self.fields.id()).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        Ok(SearchHits { count: hits.count, ids, facets: hits.facets, highlight_terms })
    }
}

fn uniq() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{t:x}")
}

/// A validated search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: Option<String>,
    pub fq: Vec<String>,
    pub facet_fields: Vec<String>,
    pub rows: usize,
    pub start: usize,
    pub sort: Vec<SortKey>,
    pub include_private: bool,
    pub include_drafts: bool,
}

/// What a search found.
#[derive(Debug, Default)]
pub struct SearchHits {
    pub count: u64,
    /// Dataset ids of the requested page, in order.
    pub ids: Vec<String>,
    /// Value counts per requested facet field.
    pub facets: Vec<HashMap<String, u64>>,
    /// Folded words of the free-text query, for highlighting.
    pub highlight_terms: Vec<String>,
}
