//! Search: `package_search` over the embedded index, and keeping that
//! index in step with the database.
//!
//! How writes reach the index (see also `kho_store::search_feed`):
//! every transaction that changes a dataset's document appends the
//! dataset's id to the `search_feed` table. Each server process owns one
//! index and applies the feed in sequence order:
//! - its own writes, in batches by a background indexer woken by each
//!   commit: writers never wait for the index, and a search waits until the
//!   index holds every write this process acknowledged before the search
//!   began (read-your-writes);
//! - every [`POLL_INTERVAL`], writes made by CLI commands or by other Kho
//!   processes over the same database.
//!
//! On PostgreSQL a reader can see feed entry 7 before 6 commits. The sync
//! applies everything it sees, remembers what it applied above the
//! contiguous watermark, and when a gap has lasted [`GAP_PATIENCE`] it asks
//! the database for the settled maximum (`search_feed::settled_max`, which
//! waits out in-flight writers) and applies anything still missing. So no
//! change is skipped, and a change made elsewhere shows within about half a
//! second.

use crate::{Actor, Catalog, Error, Result};
use kho_core::authz::dataset_filter;
use kho_core::input::Fields;
use kho_core::model::Package;
use kho_search::collect::{MAX_SORT_KEYS, SortField, SortKey};
use kho_search::{Payload, SearchError, SearchIndex, SearchRequest};
use kho_store::{Store, packages, search_feed};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How often a server looks for changes made by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Least time between two index commits of the indexer.
const BATCH_GAP: Duration = Duration::from_millis(30);
/// Longest a search waits for the index to catch up with this process's writes.
const RYW_WAIT: Duration = Duration::from_secs(5);
/// How long a gap in the change feed may last before it is settled.
const GAP_PATIENCE: Duration = Duration::from_secs(1);
/// Feed entries read per round.
const FEED_BATCH: i64 = 5_000;
/// Feed entries older than this are pruned; an index further behind is rebuilt.
const FEED_RETENTION_DAYS: i64 = 7;
/// Largest `rows`, as CKAN's `ckan.search.rows_max`.
pub const ROWS_MAX: i64 = 1000;
/// Default `facet.limit`, as CKAN's `search.facets.limit`.
const FACET_LIMIT: i64 = 50;
/// The default sort, as CKAN's.
const DEFAULT_SORT: &str = "score desc, metadata_modified desc";
/// Parameters CKAN clients send that Kho accepts and does not need.
const IGNORED_PARAMS: &[&str] = &[
    "facet",
    "defType",
    "qf",
    "mm",
    "tie",
    "bf",
    "boost",
    "df",
    "q.op",
    "wt",
    "callback",
    "_",
    "hl",
    "use_default_schema",
];

/// The index of one server process and its sync state.
pub(crate) struct Search {
    root: PathBuf,
    database: String,
    current: RwLock<Arc<SearchIndex>>,
    sync: tokio::sync::Mutex<SyncState>,
    /// Writes this process has committed (a counter) and how many of them
    /// the index is known to hold: a search waits until `covered` reaches
    /// the `written` it saw when it began.
    written: std::sync::atomic::AtomicU64,
    covered: tokio::sync::watch::Sender<u64>,
    /// Wakes the indexer when a write commits.
    wake: tokio::sync::Notify,
    /// Changes whenever what searches see may change (each index commit
    /// and generation switch), so callers can cache derived pages.
    version: std::sync::atomic::AtomicU64,
    /// Titles of agencies and themes named in facets, valid for one
    /// `version`: a title change rebuilds its datasets' documents, which
    /// commits the index and moves the version on.
    titles: std::sync::Mutex<(u64, HashMap<String, GroupTitle>)>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search").field("root", &self.root).finish()
    }
}

/// A dataset search's result (see [`Catalog::package_search_results`]).
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Datasets matched, all pages.
    pub count: u64,
    /// This page's datasets as `package_show` JSON text, with a
    /// `highlight` key first where a query word matched.
    pub results: Vec<String>,
    /// The requested facets, in request order.
    pub facets: Vec<FacetCounts>,
    /// The sort applied, as CKAN echoes it.
    pub sort: String,
}

/// One facet's values, most frequent first.
#[derive(Debug, Clone)]
pub struct FacetCounts {
    pub field: String,
    pub items: Vec<FacetItem>,
}

/// A facet value, its label and its count.
#[derive(Debug, Clone)]
pub struct FacetItem {
    pub name: String,
    pub display_name: String,
    pub count: u64,
}

/// An agency's or theme's title and its translations.
#[derive(Debug, Clone)]
struct GroupTitle {
    title: String,
    translated: std::collections::BTreeMap<String, String>,
}

impl GroupTitle {
    fn in_lang(&self, lang: Option<&str>) -> String {
        lang.and_then(|l| self.translated.get(l)).filter(|t| !t.trim().is_empty()).unwrap_or(&self.title).clone()
    }
}

#[derive(Debug, Default)]
struct SyncState {
    /// Every feed entry up to here is applied.
    watermark: i64,
    /// Entries above the watermark already applied (there is a gap below them).
    applied_above: BTreeSet<i64>,
    gap_since: Option<Instant>,
    last_prune: Option<Instant>,
}

fn search_err(e: SearchError) -> Error {
    match e {
        SearchError::Query(param, m) => Error::field(param, m),
        SearchError::Locked(_) => Error::Unavailable(e.to_string()),
        e => Error::internal(e),
    }
}

/// Runs blocking index work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(Error::internal)?
}

/// Reads stored documents into (id, package) changes; a missing or
/// unreadable document removes the entry.
async fn load_changes(store: &Store, ids: Vec<String>) -> Result<Vec<(String, Option<Package>)>> {
    let mut conn = store.conn().await?;
    let docs = packages::docs_by_ids(&mut conn, &ids).await?;
    let mut by_id: HashMap<String, String> = docs.into_iter().map(|(a, d)| (a.id, d)).collect();
    Ok(ids
        .into_iter()
        .map(|id| {
            let pkg = by_id.remove(&id).and_then(|d| serde_json::from_str::<Package>(&d).ok());
            (id, pkg)
        })
        .collect())
}

/// The database's identity, made on first use; an index remembers it so
/// one built from another database is never used.
pub async fn database_identity(store: &Store) -> Result<String> {
    let mut conn = store.conn().await?;
    if let Some(id) = kho_store::meta::get(&mut conn, "instance_id").await? {
        return Ok(id);
    }
    drop(conn);
    let mut tx = store.write().await?;
    let id = match kho_store::meta::get(&mut tx, "instance_id").await? {
        Some(id) => id,
        None => {
            let id = kho_store::new_id();
            kho_store::meta::set(&mut tx, "instance_id", &id).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Builds a complete new index generation from the database and makes it
/// current. `progress` is told `(done, total)`.
pub async fn rebuild(
    store: &Store,
    root: &Path,
    database: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<(Arc<SearchIndex>, i64)> {
    // Everything up to the settled maximum is in the rows read below; the
    // feed after it is applied by the server's sync. Entries pruned away
    // are older still (and when the feed is empty its maximum reads 0).
    let pruned = search_feed::pruned_through(&mut store.conn().await?).await?;
    let watermark = search_feed::settled_max(store).await?.max(pruned);
    let total = {
        let mut conn = store.conn().await?;
        packages::count_visible(&mut conn, &dataset_filter(&Actor::system())).await? as u64
    };
    let (root_buf, db) = (root.to_path_buf(), database.to_string());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let index =
        Arc::new(blocking(move || SearchIndex::create(&root_buf, &db, watermark, threads).map_err(search_err)).await?);
    let mut last = String::new();
    let mut done = 0u64;
    progress(0, total);
    loop {
        let ids = {
            let mut conn = store.conn().await?;
            packages::ids_after(&mut conn, &last, 2000).await?
        };
        let Some(tail) = ids.last().cloned() else { break };
        let n = ids.len() as u64;
        let changes = load_changes(store, ids).await?;
        let idx = index.clone();
        blocking(move || idx.apply(&changes).map_err(search_err)).await?;
        done += n;
        progress(done, total.max(done));
        last = tail;
    }
    let payload = Payload::new(database, watermark);
    let (idx, root_buf) = (index.clone(), root.to_path_buf());
    blocking(move || {
        idx.commit(&payload).map_err(search_err)?;
        idx.optimize().map_err(search_err)?;
        idx.make_current(&root_buf).map_err(search_err)
    })
    .await?;
    Ok((index, watermark))
}

impl Search {
    /// Opens the index under `root`, rebuilding it when it is missing,
    /// damaged, or from another schema version or database, then catches up.
    pub(crate) async fn open(store: &Store, root: PathBuf) -> Result<Search> {
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::internal(format!("cannot create index directory {}: {e}", root.display())))?;
        let database = database_identity(store).await?;
        let pruned = search_feed::pruned_through(&mut store.conn().await?).await?;
        let (r, db) = (root.clone(), database.clone());
        let opened = blocking(move || Ok(SearchIndex::open(&r, &db))).await?;
        let (index, watermark) = match opened {
            Ok((index, payload)) if payload.watermark >= pruned => (Arc::new(index), payload.watermark),
            Ok((index, _)) => {
                tracing::warn!("the search index is older than the change feed kept; rebuilding it");
                index.close();
                Self::rebuild_logged(store, &root, &database).await?
            }
            Err(SearchError::Stale(why)) => {
                tracing::warn!(reason = %why, index = %root.display(), "rebuilding the search index");
                Self::rebuild_logged(store, &root, &database).await?
            }
            Err(e) => return Err(search_err(e)),
        };
        let search = Search {
            root,
            database,
            current: RwLock::new(index),
            sync: tokio::sync::Mutex::new(SyncState { watermark, ..Default::default() }),
            written: std::sync::atomic::AtomicU64::new(0),
            covered: tokio::sync::watch::Sender::new(0),
            wake: tokio::sync::Notify::new(),
            version: std::sync::atomic::AtomicU64::new(0),
            titles: std::sync::Mutex::new((0, HashMap::new())),
        };
        search.sync(store).await?;
        Ok(search)
    }

    async fn rebuild_logged(store: &Store, root: &Path, database: &str) -> Result<(Arc<SearchIndex>, i64)> {
        let started = Instant::now();
        let (built, _) = rebuild(store, root, database, |_, _| {}).await?;
        built.close();
        // Reopened the way a restart would, with the serving writer.
        let (r, db) = (root.to_path_buf(), database.to_string());
        let (index, payload) = blocking(move || SearchIndex::open(&r, &db).map_err(search_err)).await?;
        tracing::info!(datasets = index.num_docs(), ms = started.elapsed().as_millis() as u64, "search index built");
        Ok((Arc::new(index), payload.watermark))
    }

    pub(crate) fn index(&self) -> Arc<SearchIndex> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Notes that this process committed a write; the indexer picks it up
    /// in its next batch.
    pub(crate) fn note_write(&self) {
        self.written.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Waits until the index holds every write this process acknowledged
    /// before now (read-your-writes), at most [`RYW_WAIT`].
    pub(crate) async fn wait_for_writes(&self) {
        let target = self.written.load(std::sync::atomic::Ordering::SeqCst);
        let mut rx = self.covered.subscribe();
        if *rx.borrow() >= target {
            return;
        }
        self.wake.notify_one();
        let _ = tokio::time::timeout(RYW_WAIT, rx.wait_for(|c| *c >= target)).await;
    }

    /// The indexer: applies this process's writes in batches (one index
    /// commit per batch, so writers never wait for the index), and every
    /// [`POLL_INTERVAL`] catches up with other processes' writes.
    pub(crate) async fn run_indexer(self: Arc<Self>, store: Store) {
        let mut last_batch = Instant::now() - BATCH_GAP;
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            // A short gap between batches lets writes pile up into one
            // commit and leaves the CPU to requests under heavy writing.
            if let Some(rest) = BATCH_GAP.checked_sub(last_batch.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            last_batch = Instant::now();
            let upto = self.written.load(std::sync::atomic::Ordering::SeqCst);
            match self.poll(&store).await {
                Ok(()) => {
                    self.covered.send_if_modified(|c| {
                        let moved = upto > *c;
                        *c = (*c).max(upto);
                        moved
                    });
                }
                Err(e) => tracing::warn!(error = %e, "search index sync failed; retrying"),
            }
        }
    }

    /// Applies every change the feed holds that the index lacks.
    pub(crate) async fn sync(&self, store: &Store) -> Result<()> {
        let mut st = self.sync.lock().await;
        let index = self.index();
        loop {
            let rows = {
                let mut conn = store.conn().await?;
                search_feed::since(&mut conn, st.watermark, FEED_BATCH).await?
            };
            let full = rows.len() as i64 == FEED_BATCH;
            let fresh: Vec<(i64, String)> = rows.into_iter().filter(|(s, _)| !st.applied_above.contains(s)).collect();
            let before = st.watermark;
            let mut applied = self.apply(store, &index, &fresh).await?;
            st.applied_above.extend(fresh.iter().map(|(s, _)| *s));
            advance(&mut st);
            if st.applied_above.is_empty() {
                st.gap_since = None;
            } else if st.gap_since.get_or_insert_with(Instant::now).elapsed() >= GAP_PATIENCE {
                // Wait out in-flight writers, then what is still missing below
                // the settled maximum was rolled back.
                let settled = search_feed::settled_max(store).await?;
                let missing: Vec<(i64, String)> = {
                    let mut conn = store.conn().await?;
                    search_feed::between(&mut conn, st.watermark, settled).await?
                }
                .into_iter()
                .filter(|(s, _)| !st.applied_above.contains(s))
                .collect();
                applied |= self.apply(store, &index, &missing).await?;
                st.watermark = st.watermark.max(settled);
                let wm = st.watermark;
                st.applied_above.retain(|s| *s > wm);
                advance(&mut st);
                st.gap_since = None;
            }
            if applied || st.watermark != before {
                let payload = Payload::new(&self.database, st.watermark);
                let idx = index.clone();
                blocking(move || idx.commit(&payload).map_err(search_err)).await?;
                self.version.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            if !full {
                break;
            }
        }
        Ok(())
    }

    async fn apply(&self, store: &Store, index: &Arc<SearchIndex>, rows: &[(i64, String)]) -> Result<bool> {
        if rows.is_empty() {
            return Ok(false);
        }
        let mut ids: Vec<String> = rows.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let changes = load_changes(store, ids).await?;
        let idx = index.clone();
        blocking(move || idx.apply(&changes).map_err(search_err)).await?;
        Ok(true)
    }

    /// One poll: follow a rebuild made by another process, catch up with
    /// the feed, and now and then prune old feed entries.
    pub(crate) async fn poll(&self, store: &Store) -> Result<()> {
        let current = kho_search::current_generation(&self.root);
        if current.as_deref().is_some_and(|g| g != self.index().generation()) {
            self.switch().await?;
        }
        self.sync(store).await?;
        let due = {
            let st = self.sync.lock().await;
            st.last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600))
        };
        // A failed prune must not hold back read-your-writes: the writes
        // are indexed; the prune is retried at the next poll.
        if due && let Err(e) = self.prune(store).await {
            tracing::warn!(error = %e, "search feed prune failed; retrying");
        }
        Ok(())
    }

    /// Opens the generation another process made current.
    async fn switch(&self) -> Result<()> {
        let mut st = self.sync.lock().await;
        let (r, db) = (self.root.clone(), self.database.clone());
        match blocking(move || Ok(SearchIndex::open(&r, &db))).await? {
            Ok((index, payload)) => {
                let old = {
                    let mut g = self.current.write().map_err(|_| Error::internal("search index lock poisoned"))?;
                    std::mem::replace(&mut *g, Arc::new(index))
                };
                // Closing waits for the old writer's merges: not on an async thread.
                blocking(move || {
                    old.close();
                    Ok(())
                })
                .await?;
                self.index().remove_old_generations(&self.root);
                *st = SyncState { watermark: payload.watermark, ..Default::default() };
                self.version.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tracing::info!(generation = %self.index().generation(), "switched to a rebuilt search index");
                Ok(())
            }
            // The rebuilding process may still hold the writer for a moment.
            Err(SearchError::Locked(_)) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the rebuilt search index; keeping the current one");
                Ok(())
            }
        }
    }

    async fn prune(&self, store: &Store) -> Result<()> {
        let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(FEED_RETENTION_DAYS);
        let before = kho_core::timefmt::format(cutoff);
        let mut tx = store.write().await?;
        search_feed::prune(&mut tx, &before).await?;
        tx.commit().await?;
        self.sync.lock().await.last_prune = Some(Instant::now());
        Ok(())
    }

    pub(crate) fn close(&self) {
        self.index().close();
    }
}

/// Moves the watermark over entries applied contiguously above it.
fn advance(st: &mut SyncState) {
    while st.applied_above.first() == Some(&(st.watermark + 1)) {
        st.applied_above.pop_first();
        st.watermark += 1;
    }
}

/// A validated `package_search` request and the presentation options that
/// are not the index's business.
struct Params {
    req: SearchRequest,
    sort_text: String,
    facet_limit: i64,
    facet_mincount: u64,
    fl: Option<Vec<String>>,
}

fn parse_sort(text: &str) -> std::result::Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(format!("Sort direction must be asc or desc, not \"{other}\"")),
        };
        if words.next().is_some() {
            return Err(format!("Cannot understand the sort clause \"{part}\""));
        }
        let field = match field {
            "score" => SortField::Score,
            "metadata_modified" | "metadata_created" | "num_resources" | "num_tags" | "views_recent"
            | "views_total" => SortField::Number(field.to_string()),
            // ckanext-harvest pages through a CKAN with `sort=id asc`.
            "name" | "id" => SortField::Text(field.into()),
            "title_string" | "title" => SortField::Text("title_string".into()),
            other => {
                return Err(format!(
                    "Cannot sort by \"{other}\"; use score, metadata_modified, metadata_created, name, id, title_string, num_resources or num_tags"
                ));
            }
        };
        keys.push(SortKey { field, descending });
    }
    if keys.len() > MAX_SORT_KEYS {
        return Err(format!("At most {MAX_SORT_KEYS} sort keys"));
    }
    if keys.is_empty() {
        return parse_sort(DEFAULT_SORT);
    }
    Ok(keys)
}

/// Reads a list parameter sent as a JSON list, a JSON string holding a
/// list, or a comma-separated string.
fn string_list(f: &mut Fields, key: &str) -> Option<Vec<String>> {
    let raw = f.raw(key)?.clone();
    let items = match raw {
        Value::Null => return None,
        Value::Array(a) => a,
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Array(a)) => a,
            _ => s.split(',').map(|p| Value::String(p.trim().to_string())).collect(),
        },
        other => {
            f.error(key, format!("Must be a list of field names, not {other}"));
            return None;
        }
    };
    let mut out = Vec::new();
    for it in items {
        match it {
            Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
            Value::String(_) => {}
            other => f.error(key, format!("Must be a list of field names, not {other}")),
        }
    }
    Some(out)
}

fn read_params(mut f: Fields) -> Result<Params> {
    const QUERY_MAX: usize = kho_search::query::MAX_QUERY_CHARS;
    f.ignore(IGNORED_PARAMS);
    let text_param = |f: &mut Fields, key: &str| -> Option<String> {
        // Read with room to spare, so an overlong query gets this message.
        let v = f.text(key, usize::MAX)?;
        if v.chars().count() > QUERY_MAX {
            f.error(key, format!("The query is too long (at most {QUERY_MAX} characters)"));
            return None;
        }
        Some(v)
    };
    let q = text_param(&mut f, "q");
    let mut fq: Vec<String> = text_param(&mut f, "fq").into_iter().collect();
    if let Some(list) = string_list(&mut f, "fq_list") {
        fq.extend(list);
    }
    let facet_fields = string_list(&mut f, "facet.field").unwrap_or_default();
    for name in &facet_fields {
        if name == "id" || !kho_search::schema::KEYWORD_FIELDS.contains(&name.as_str()) {
            f.error(
                "facet.field",
                format!(
                    "Cannot facet on \"{name}\"; use organization, groups, tags, res_format, license_id, data_sharing, data_importance, update_frequency, capacity, state, quality_rating or validation_status"
                ),
            );
        }
    }
    let rows = f.int("rows");
    let start = f.int("start");
    let facet_limit = f.int("facet.limit").unwrap_or(FACET_LIMIT);
    let facet_mincount = f.int("facet.mincount").unwrap_or(1);
    let sort_text = f.text("sort", 500).unwrap_or_else(|| DEFAULT_SORT.to_string());
    let include_private = f.bool("include_private").unwrap_or(false);
    let include_drafts = f.bool("include_drafts").unwrap_or(false);
    let fl = string_list(&mut f, "fl").filter(|l| !l.is_empty());
    // Extensions' parameters (ext_*) are CKAN's convention for plugin options.
    let unread: Vec<String> = f.unread_keys().into_iter().filter(|k| !k.starts_with("ext_")).collect();
    for k in unread {
        f.error(&k, "Unknown parameter for package_search");
    }
    if rows.is_some_and(|r| r < 0) {
        f.error("rows", "Must be a natural number");
    }
    if start.is_some_and(|s| s < 0) {
        f.error("start", "Must be a natural number");
    }
    if facet_limit < -1 {
        f.error("facet.limit", "Must be -1 (no limit) or a natural number");
    }
    if facet_mincount < 0 {
        f.error("facet.mincount", "Must be a natural number");
    }
    let sort = match parse_sort(&sort_text) {
        Ok(s) => s,
        Err(m) => {
            f.error("sort", m);
            Vec::new()
        }
    };
    f.ignore(&["ext_"]);
    f.take_errors().into_result()?;
    let rows = rows.unwrap_or(10).clamp(0, ROWS_MAX) as usize;
    let start = usize::try_from(start.unwrap_or(0)).unwrap_or(usize::MAX);
    Ok(Params {
        req: SearchRequest { q, fq, facet_fields, rows, start, sort, include_private, include_drafts },
        sort_text,
        facet_limit,
        facet_mincount: facet_mincount.max(0) as u64,
        fl,
    })
}

/// Highlights for one search: the folded query words and one analyser,
/// made once per request.
struct Highlighter {
    terms: Vec<String>,
    analyzer: kho_search::analysis::TextAnalyzer,
}

impl Highlighter {
    fn new(terms: Vec<String>) -> Self {
        Highlighter { terms, analyzer: kho_search::analysis::analyzer(kho_search::analysis::FOLD) }
    }

    /// The `highlight` object for a stored document, if any query word
    /// matches its title or notes.
    fn of(&mut self, doc: &str) -> Option<Value> {
        #[derive(serde::Deserialize)]
        struct Texts {
            title: Option<String>,
            notes: Option<String>,
        }
        if self.terms.is_empty() {
            return None;
        }
        let t: Texts = serde_json::from_str(doc).ok()?;
        let mut hl = Map::new();
        for (key, text, window) in [("title", t.title, None), ("notes", t.notes, Some(240))] {
            if let Some(h) = text.and_then(|x| highlight(&mut self.analyzer, &x, &self.terms, window)) {
                hl.insert(key.into(), Value::String(h));
            }
        }
        (!hl.is_empty()).then_some(Value::Object(hl))
    }
}

/// Marks the folded query words in `text`, HTML-escaped; `None` when no
/// word matches. Long texts are cut to a window around the first match.
fn highlight(
    analyzer: &mut kho_search::analysis::TextAnalyzer,
    text: &str,
    terms: &[String],
    window: Option<usize>,
) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let toks = kho_search::analysis::tokens(analyzer, text);
    let hits: Vec<(usize, usize)> = toks
        .iter()
        .filter(|t| terms.iter().any(|q| t.text == *q || (q.len() >= 3 && t.text.starts_with(q.as_str()))))
        .map(|t| (t.from, t.to))
        .collect();
    let first = hits.first()?;
    let (mut lo, mut hi) = (0, text.len());
    if let Some(w) = window
        && text.len() > w
    {
        lo = first.0.saturating_sub(w / 4);
        while !text.is_char_boundary(lo) {
            lo -= 1;
        }
        hi = (lo + w).min(text.len());
        while !text.is_char_boundary(hi) {
            hi += 1;
        }
    }
    let mut out = String::new();
    if lo > 0 {
        out.push('…');
    }
    let mut pos = lo;
    for (a, b) in hits.into_iter().filter(|(a, b)| *a >= lo && *b <= hi) {
        kho_core::html::escape_into(&mut out, &text[pos..a]);
        out.push_str("<mark>");
        kho_core::html::escape_into(&mut out, &text[a..b]);
        out.push_str("</mark>");
        pos = b;
    }
    kho_core::html::escape_into(&mut out, &text[pos..hi]);
    if hi < text.len() {
        out.push('…');
    }
    Some(out)
}

impl Catalog {
    /// The search index, when this catalog has one (servers do; CLI commands do not).
    pub(crate) fn search(&self) -> Result<&Search> {
        self.inner.search.as_deref().ok_or_else(|| Error::Unavailable("search is not enabled in this process".into()))
    }

    /// A number that changes whenever search results may change, after
    /// this process's own writes are indexed (read-your-writes): a page
    /// built from searches may be cached under it.
    pub async fn search_version(&self) -> Result<u64> {
        let search = self.search()?;
        search.wait_for_writes().await;
        Ok(search.version.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Notes a write just committed by this process for the indexer.
    pub(crate) fn search_note_write(&self) {
        if let Some(s) = &self.inner.search {
            s.note_write();
        }
    }

    /// `resource_search`: `query` is a `field:term` string or a list of
    /// them (CKAN's form); every term must be contained in its field.
    /// Only resources of public, active datasets are searched, as in CKAN.
    pub async fn resource_search(&self, mut f: Fields) -> Result<Value> {
        let queries = string_list(&mut f, "query").unwrap_or_default();
        let order_by = f.text("order_by", 100);
        let limit = f.int("limit");
        let offset = f.int("offset");
        let mut terms = Vec::new();
        for q in &queries {
            match q.split_once(':') {
                Some((field, term)) if packages::RESOURCE_SEARCH_FIELDS.contains(&field.trim()) => {
                    terms.push((field.trim().to_string(), term.trim().to_string()))
                }
                _ => f.error(
                    "query",
                    format!(
                        "\"{q}\" is not field:term with a field among {}",
                        packages::RESOURCE_SEARCH_FIELDS.join(", ")
                    ),
                ),
            }
        }
        if order_by.as_deref().is_some_and(|o| !packages::RESOURCE_SEARCH_FIELDS.contains(&o)) {
            f.error("order_by", "Cannot order by this field");
        }
        f.ignore(&["fields"]);
        f.reject_unknown("resource_search takes query, order_by, limit and offset.");
        f.take_errors().into_result()?;
        let (limit, offset) = crate::page(limit, offset, ROWS_MAX, ROWS_MAX)?;
        let mut conn = self.store().conn().await?;
        let (count, rows) = packages::search_resources(&mut conn, &terms, order_by.as_deref(), limit, offset).await?;
        let results: Vec<Value> =
            rows.iter().filter_map(|r| serde_json::to_value(r.to_resource(self.site_url())).ok()).collect();
        Ok(json!({"count": count, "results": results}))
    }

    /// `package_autocomplete`: datasets whose title has words starting with
    /// what was typed (diacritics optional), best first, in CKAN's shape.
    pub async fn package_autocomplete(&self, actor: &Actor, text: &str, limit: Option<i64>) -> Result<Value> {
        let (limit, _) = crate::page(limit, None, 10, ROWS_MAX)?;
        // Every word as typed, the last one as a prefix, all in the title.
        let words: Vec<String> = text
            .split_whitespace()
            .take(20)
            .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        let Some((last, rest)) = words.split_last() else { return Ok(json!([])) };
        let mut q: String = rest.iter().map(|w| format!("title:{w} ")).collect();
        q.push_str(&format!("(title:{last}* OR name:{last}*)"));
        let mut fields = Map::new();
        fields.insert("q".into(), Value::String(q));
        fields.insert("rows".into(), json!(limit));
        let params = read_params(Fields::new(fields))?;
        let (_, docs) = self.find(actor, &params).await?;
        #[derive(serde::Deserialize)]
        struct Named {
            name: String,
            title: String,
        }
        let items = docs
            .iter()
            .filter_map(|d| serde_json::from_str::<Named>(d).ok())
            .map(|n| json!({"match_field": "title", "match_displayed": n.title, "name": n.name, "title": n.title}))
            .collect();
        Ok(Value::Array(items))
    }

    /// Titles of agencies and themes by name, in `lang` where they have a
    /// translation (else the default title), from a cache kept while the
    /// index is unchanged: a change to an agency or theme rebuilds its
    /// datasets' documents, which commits the index.
    pub async fn group_titles(&self, names: Vec<String>, lang: Option<&str>) -> Result<HashMap<String, String>> {
        const MAX_CACHED: usize = 20_000;
        if names.is_empty() {
            return Ok(HashMap::new());
        }
        let search = self.search()?;
        let version = search.version.load(std::sync::atomic::Ordering::SeqCst);
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        {
            let mut cache = search.titles.lock().map_err(|_| Error::internal("title cache poisoned"))?;
            if cache.0 != version || cache.1.len() > MAX_CACHED {
                *cache = (version, HashMap::new());
            }
            for n in names {
                match cache.1.get(&n) {
                    Some(t) => {
                        out.insert(n, t.in_lang(lang));
                    }
                    None => missing.push(n),
                }
            }
        }
        if !missing.is_empty() {
            let found = kho_store::groups::titles_by_names(&mut self.store().conn().await?, &missing).await?;
            let mut cache = search.titles.lock().map_err(|_| Error::internal("title cache poisoned"))?;
            for (n, title, translated) in found {
                let t = GroupTitle { title, translated };
                out.insert(n.clone(), t.in_lang(lang));
                if cache.0 == version {
                    cache.1.insert(n, t);
                }
            }
        }
        Ok(out)
    }

    /// Runs a validated search: the index's hits, and the stored documents
    /// of the requested page that the database confirms the caller may see,
    /// in order.
    async fn find(&self, actor: &Actor, params: &Params) -> Result<(kho_search::SearchHits, Vec<String>)> {
        let filter = dataset_filter(actor);
        let search = self.search()?;
        search.wait_for_writes().await;
        let index = search.index();
        let (req, f2) = (params.req.clone(), filter.clone());
        let hits = blocking(move || index.search(&req, &f2).map_err(search_err)).await?;
        let docs = packages::docs_by_ids(&mut self.store().conn().await?, &hits.ids).await?;
        let mut by_id: HashMap<String, (kho_core::model::DatasetAccess, String)> =
            docs.into_iter().map(|(a, d)| (a.id.clone(), (a, d))).collect();
        let (private, drafts) = (params.req.include_private, params.req.include_drafts);
        let visible = hits
            .ids
            .iter()
            .filter_map(|id| by_id.remove(id))
            // The database has the last word: a dataset hidden since it was indexed stays hidden.
            .filter(|(access, _)| kho_search::visibility::admits(&filter, access, private, drafts))
            .map(|(_, doc)| doc)
            .collect();
        Ok((hits, visible))
    }

    /// `package_search`'s result, typed: what the API writes as JSON and
    /// the portal renders.
    pub async fn package_search_results(&self, actor: &Actor, fields: Fields) -> Result<SearchResults> {
        let params = read_params(fields)?;
        let (hits, docs) = self.find(actor, &params).await?;
        let mut highlighter = Highlighter::new(hits.highlight_terms);
        // Results stay the stored JSON text: parsing and re-serialising every
        // document was a large share of a search's cost.
        let mut results: Vec<String> = Vec::with_capacity(docs.len());
        for doc in docs {
            if let Some(fl) = &params.fl {
                let Ok(Value::Object(mut pkg)) = serde_json::from_str::<Value>(&doc) else { continue };
                pkg.retain(|k, _| fl.iter().any(|f| f == k));
                if fl.iter().any(|f| f == "highlight")
                    && let Some(hl) = highlighter.of(&doc)
                {
                    pkg.insert("highlight".into(), hl);
                }
                results.push(Value::Object(pkg).to_string());
                continue;
            }
            match highlighter.of(&doc) {
                Some(hl) if doc.starts_with('{') && doc.len() > 2 => {
                    results.push(format!("{{\"highlight\":{hl},{}", &doc[1..]));
                }
                _ => results.push(doc),
            }
        }
        // Facets, with titles for agencies, themes and licences.
        let mut group_names = Vec::new();
        let mut ordered: Vec<(String, Vec<(String, u64)>)> = Vec::new();
        for (name, counts) in params.req.facet_fields.iter().zip(hits.facets) {
            let mut items: Vec<(String, u64)> =
                counts.into_iter().filter(|(_, n)| *n >= params.facet_mincount).collect();
            items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            if params.facet_limit >= 0 {
                items.truncate(params.facet_limit as usize);
            }
            if name == "organization" || name == "groups" {
                group_names.extend(items.iter().map(|(v, _)| v.clone()));
            }
            ordered.push((name.clone(), items));
        }
        let titles = self.group_titles(group_names, None).await?;
        let facets = ordered
            .into_iter()
            .map(|(field, items)| {
                let items = items
                    .into_iter()
                    .map(|(name, count)| {
                        let display_name = match field.as_str() {
                            "organization" | "groups" => titles.get(&name).filter(|t| !t.trim().is_empty()).cloned(),
                            "license_id" => kho_core::licenses::find(&name).map(|l| l.title.to_string()),
                            _ => None,
                        }
                        .unwrap_or_else(|| name.clone());
                        FacetItem { name, display_name, count }
                    })
                    .collect();
                FacetCounts { field, items }
            })
            .collect();
        Ok(SearchResults { count: hits.count, results, facets, sort: params.sort_text })
    }

    /// `package_search`; the result as JSON text (CKAN's shape).
    pub async fn package_search(&self, actor: &Actor, fields: Fields) -> Result<String> {
        let r = self.package_search_results(actor, fields).await?;
        let mut facets = Map::new();
        let mut search_facets = Map::new();
        for f in &r.facets {
            let plain: Map<String, Value> = f.items.iter().map(|i| (i.name.clone(), json!(i.count))).collect();
            let rich: Vec<Value> = f
                .items
                .iter()
                .map(|i| json!({"name": i.name, "display_name": i.display_name, "count": i.count}))
                .collect();
            facets.insert(f.field.clone(), Value::Object(plain));
            search_facets.insert(f.field.clone(), json!({"title": f.field, "items": rich}));
        }
        let mut out = String::with_capacity(256 + r.results.iter().map(|d| d.len() + 1).sum::<usize>());
        out.push_str(&format!("{{\"count\":{},\"facets\":{},\"results\":[", r.count, Value::Object(facets)));
        for (i, d) in r.results.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(d);
        }
        out.push_str(&format!(
            "],\"sort\":{},\"search_facets\":{}}}",
            Value::String(r.sort),
            Value::Object(search_facets)
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_fold_and_escape() {
        let a = &mut kho_search::analysis::analyzer(kho_search::analysis::FOLD);
        let h = highlight(a, "Dữ liệu <Hà Nội> & Hải Phòng", &["ha".into(), "noi".into()], None).unwrap();
        assert_eq!(h, "Dữ liệu &lt;<mark>Hà</mark> <mark>Nội</mark>&gt; &amp; Hải Phòng");
        assert!(highlight(a, "Không khớp", &["ha".into()], None).is_none());
        let long = format!("{} đường {}", "x ".repeat(300), "y ".repeat(300));
        let h = highlight(a, &long, &["duong".into()], Some(100)).unwrap();
        assert!(h.starts_with('…') && h.ends_with('…') && h.contains("<mark>đường</mark>"), "{h}");
    }

    #[test]
    fn sort_clauses() {
        assert_eq!(parse_sort("").unwrap().len(), 2);
        assert_eq!(parse_sort("name asc").unwrap()[0].field, SortField::Text("name".into()));
        assert_eq!(parse_sort("id asc").unwrap()[0].field, SortField::Text("id".into()));
        assert!(parse_sort("title_string desc").unwrap()[0].descending);
        assert!(parse_sort("nonsense asc").is_err());
        assert!(parse_sort("name sideways").is_err());
        assert!(parse_sort("name asc, title_string asc, score desc, num_tags asc").is_err());
    }
}
