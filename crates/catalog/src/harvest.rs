//! Harvesting: other catalogs' datasets kept in step here, read-only.
//!
//! A source is a Kho node or a CKAN site (read through the Action API's
//! `package_search`, paged by id as ckanext-harvest does) or a DCAT
//! document (Turtle, JSON-LD or RDF/XML, paged by Hydra links). A run
//! (a `harvest_run` job, or `kho harvest run` in the foreground):
//!
//! 1. gathers every remote dataset into a scratch file, under per-page size
//!    and time limits; any fetch or parse failure fails the run as a whole
//!    and nothing is written (no half imports, no deletions from a partial
//!    listing);
//! 2. imports them in batches: a dataset whose content hash is unchanged is
//!    left alone; a changed one is updated in place; a new one is created
//!    under the remote agency (an organization of the same name, created if
//!    needed) or the source's organization. The same remote dataset always
//!    maps to the same local one (`harvest_objects`), so reruns never
//!    duplicate. A record that fails is reported and the run goes on;
//! 3. deletes the local datasets whose remote ones are gone.
//!
//! Harvested datasets carry their provenance as extras (`harvest_source_*`,
//! `harvest_remote_id`, `harvest_timestamp`, `harvest_url` back to the original, `uri`, the
//! identity the DCAT export keeps) and are read-only for everyone but the
//! harvester (`authz`: `DatasetAccess::harvest_source_id`).

use crate::datasets::Background;
use crate::jobs::{JobContext, JobFailure, JobSpec, Registry};
use crate::{Catalog, Error, Result};
use kho_core::authz::{Actor, Permission, authorize};
use kho_core::input::{Fields, PackageInput};
use kho_core::timefmt;
use kho_dcat::Format;
use kho_store::harvest::{self as store, ObjectRow, RunRow, SourceRow};
use kho_store::packages;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

mod datamap;

/// The job kind of a harvest run.
pub const RUN_JOB: &str = "harvest_run";

/// Datasets written per transaction while importing.
const BATCH: usize = 50;
/// Per-record errors kept in a run's report (all are counted).
const MAX_ERRORS: usize = 1000;

/// What kind of catalog a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    /// Another Kho node, through its Action API (Kho's own fields kept).
    Kho,
    /// A CKAN site, through its Action API.
    Ckan,
    /// A DCAT document, paged with Hydra.
    Dcat,
    /// Another Kho node's data map, through its Action API.
    Datamap,
}

impl SourceType {
    /// Parses `kho`, `ckan`, `dcat` (and ckanext-harvest's `dcat_rdf`,
    /// `dcat_json`) or `datamap`.
    pub fn parse(s: &str) -> Option<SourceType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kho" => Some(SourceType::Kho),
            "ckan" => Some(SourceType::Ckan),
            "dcat" | "dcat_rdf" | "dcat_json" | "dcat-ap" => Some(SourceType::Dcat),
            "datamap" => Some(SourceType::Datamap),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SourceType::Kho => "kho",
            SourceType::Ckan => "ckan",
            SourceType::Dcat => "dcat",
            SourceType::Datamap => "datamap",
        }
    }
}

/// A source's options (its `config`), with their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Largest page accepted (bytes): ckanext-dcat's default, 50 MB.
    pub max_page_bytes: u64,
    /// Deadline of each page request.
    pub timeout: Duration,
    /// Pages read at most (a guard against endless paging).
    pub max_pages: u64,
    /// Load harvested tables into the datastore (off: the source serves them).
    pub load_tables: bool,
}

impl SourceConfig {
    fn parse(v: &Value) -> Result<SourceConfig> {
        let num = |k: &str, default: u64, max: u64| -> Result<u64> {
            match v.get(k) {
                None | Some(Value::Null) => Ok(default),
                Some(x) => x
                    .as_u64()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| Error::field("config", format!("{k} must be a whole number from 1 to {max}"))),
            }
        };
        Ok(SourceConfig {
            max_page_bytes: num("max_page_bytes", 50_000_000, 1_000_000_000)?,
            timeout: Duration::from_secs(num("timeout_secs", 60, 3600)?),
            max_pages: num("max_pages", 10_000, 1_000_000)?,
            load_tables: v.get("load_tables").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

fn source_json(s: &SourceRow, records: i64, last: Option<&RunRow>) -> Value {
    let mut v = json!({
        "id": s.id, "name": s.name, "title": s.title, "type": s.source_type, "url": s.url,
        "organization": s.owner_org, "schedule": s.schedule,
        "config": serde_json::from_str::<Value>(&s.config).unwrap_or(json!({})),
        "state": s.state, "created": s.created, "datasets": records,
        "last_run": last.map(run_json),
    });
    // A data-map source's records are database entries of the map.
    if s.source_type == SourceType::Datamap.code() {
        v["datasets"] = json!(0);
        v["databases"] = json!(records);
    }
    v
}

/// A run's report as the API gives it.
pub fn run_json(r: &RunRow) -> Value {
    json!({
        "id": r.id, "source_id": r.source_id, "job_id": r.job_id, "status": r.state,
        "created": r.created, "started": r.started, "finished": r.finished,
        "stats": {"created": r.added, "updated": r.updated, "deleted": r.deleted,
                  "unchanged": r.unchanged, "errored": r.errored},
        "error": r.error,
        "errors": serde_json::from_str::<Value>(&r.errors).unwrap_or(json!([])),
    })
}

/// One remote dataset as gathered: who it is at the source, its agency,
/// what Kho stores, and where people see the original.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Gathered {
    remote_id: String,
    hash: String,
    agency: Option<Agency>,
    dict: Value,
    original: Option<String>,
    name_hint: String,
}

/// A remote agency, to find or create locally under the same name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Agency {
    name: String,
    title: String,
    title_translated: BTreeMap<String, String>,
    agency_kind: Option<String>,
    /// The agency's code (a province's administrative-unit code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<String>,
}

/// Why a run failed as a whole.
#[derive(Debug)]
struct Fatal(String);

impl From<Error> for Fatal {
    fn from(e: Error) -> Fatal {
        Fatal(e.to_string())
    }
}

impl From<kho_store::StoreError> for Fatal {
    fn from(e: kho_store::StoreError) -> Fatal {
        Fatal(e.to_string())
    }
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Fatal {
        Fatal(format!("scratch file: {e}"))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps the keys of a CKAN or Kho dataset that `package_create` takes and
/// that describe the data (not ids, states or counters).
fn input_of_ckan(pkg: &Value, kho: bool) -> Value {
    const COMMON: &[&str] = &[
        "title",
        "notes",
        "url",
        "version",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
        "license_id",
        "title_translated",
        "notes_translated",
    ];
    const KHO: &[&str] =
        &["data_sharing", "data_importance", "temporal_start", "temporal_end", "spatial", "update_frequency"];
    const RESOURCE: &[&str] = &[
        "name",
        "description",
        "url",
        "format",
        "mimetype",
        "size",
        "hash",
        "name_translated",
        "description_translated",
    ];
    let mut out = Map::new();
    for k in COMMON.iter().chain(if kho { KHO } else { &[] }) {
        if let Some(v) = pkg.get(*k).filter(|v| !v.is_null()) {
            out.insert((*k).to_string(), v.clone());
        }
    }
    if out.get("data_sharing").and_then(Value::as_str) == Some("private_use") {
        // Only public datasets are harvested; private-use data never is.
        out.insert("data_sharing".into(), json!("shared"));
    }
    let tags: Vec<Value> = pkg
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| t.get("name").and_then(Value::as_str)).map(|n| json!({"name": n})).collect())
        .unwrap_or_default();
    out.insert("tags".into(), Value::Array(tags));
    let mut keys: HashSet<String> = HashSet::new();
    let mut extras: Vec<Value> = Vec::new();
    for e in pkg.get("extras").and_then(Value::as_array).into_iter().flatten() {
        let Some(key) = e.get("key").and_then(Value::as_str).filter(|k| !k.starts_with("harvest_")) else { continue };
        // CKAN extensions keep fields Kho has as extras (ckanext-spatial's
        // `spatial` is GeoJSON): kept under another key, not as Kho's field.
        let key = if kho_core::input::is_package_field(key) { format!("source_{key}") } else { key.to_string() };
        if keys.insert(key.clone()) {
            extras.push(json!({"key": key, "value": e.get("value").cloned().unwrap_or(json!(""))}));
        }
    }
    // A licence the site named its own way: Kho's id when the name or the
    // URL matches one, else kept as an extra.
    if let Some(id) = out.get("license_id").and_then(Value::as_str).map(str::to_string)
        && kho_core::licenses::find(&id).is_none()
    {
        let url = pkg.get("license_url").and_then(Value::as_str).unwrap_or("");
        match kho_dcat::read::licence_id(&id).or_else(|| kho_dcat::read::licence_id(url)) {
            Some(known) => {
                out.insert("license_id".into(), json!(known));
            }
            None => {
                out.remove("license_id");
                let title = pkg.get("license_title").and_then(Value::as_str).unwrap_or(&id);
                if keys.insert("source_license".into()) {
                    extras.push(json!({"key": "source_license", "value": format!("{title} ({id})")}));
                }
            }
        }
    }
    out.insert("extras".into(), Value::Array(extras));
    let resources: Vec<Value> = pkg
        .get("resources")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|r| r.get("state").and_then(Value::as_str).is_none_or(|s| s == "active"))
                .map(|r| {
                    let mut m = Map::new();
                    for k in RESOURCE {
                        if let Some(v) = r.get(*k).filter(|v| !v.is_null()) {
                            m.insert((*k).to_string(), v.clone());
                        }
                    }
                    Value::Object(m)
                })
                .collect()
        })
        .unwrap_or_default();
    out.insert("resources".into(), Value::Array(resources));
    Value::Object(out)
}

fn agency_of_ckan(pkg: &Value) -> Option<Agency> {
    agency_of_org(pkg.get("organization").filter(|o| o.is_object())?)
}

/// An agency from an organization dictionary of CKAN or Kho.
fn agency_of_org(org: &Value) -> Option<Agency> {
    let name = org.get("name").and_then(Value::as_str)?.to_string();
    let title = org.get("title").and_then(Value::as_str).unwrap_or(&name).to_string();
    let title_translated = org
        .get("title_translated")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    let agency_kind = org.get("agency_kind").and_then(Value::as_str).map(str::to_string);
    let code = org.get("agency_code").and_then(Value::as_str).map(str::to_string);
    Some(Agency { name, title, title_translated, agency_kind, code })
}

fn agency_of_dcat(a: &kho_dcat::read::Agent) -> Option<Agency> {
    let title = a.names.get("vi").or_else(|| a.names.values().next())?.clone();
    // An agency of another Kho node is `{site}/organization/{name}`.
    let from_iri = a
        .iri
        .as_deref()
        .and_then(|i| i.split_once("/organization/"))
        .map(|(_, n)| n.trim_matches('/').to_string())
        .filter(|n| !n.is_empty() && !n.contains('/'));
    let name = kho_core::names::slugify(&from_iri.unwrap_or_else(|| title.clone()));
    if name.is_empty() {
        return None;
    }
    let title_translated = a.names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Some(Agency { name, title, title_translated, agency_kind: a.agency_kind.map(str::to_string), code: None })
}

fn gathered(remote_id: String, agency: Option<Agency>, dict: Value, original: Option<String>, hint: &str) -> Gathered {
    // The link back is content too: a dataset renamed at the source (same
    // id, new name) changes only it, and must be written again.
    let content = json!({"agency": agency, "dict": dict, "original": original});
    let hash = sha256_hex(content.to_string().as_bytes());
    let name_hint = kho_core::names::slugify(hint);
    Gathered { remote_id, hash, agency, dict, original, name_hint }
}

/// What gathering found.
struct Listing {
    file: tempfile::NamedTempFile,
    count: u64,
    skipped: Vec<(String, String)>,
}

impl Catalog {
    fn harvest_source_row(&self, s: &SourceRow) -> Result<(SourceType, SourceConfig)> {
        let t = SourceType::parse(&s.source_type).ok_or_else(|| Error::internal("unknown harvest source type"))?;
        let config = SourceConfig::parse(&serde_json::from_str(&s.config).unwrap_or(json!({})))?;
        Ok((t, config))
    }

    /// `harvest_source_create` (sysadmins): `name`, `url`, `type` (`kho`,
    /// `ckan`, `dcat`; CKAN's `source_type` too), optional `title`,
    /// `organization` (`owner_org`), `schedule` (cron, UTC) and `config`.
    pub async fn harvest_source_create(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Sysadmin)?;
        let mut errors = kho_core::ValidationErrors::default();
        let name = f.text("name", 100).unwrap_or_default();
        if kho_core::names::check_name(&name).is_err() {
            errors.add("name", "Must be 2–100 characters: lowercase letters, digits, - and _");
        }
        let kind = f.text("type", 20).or_else(|| f.text("source_type", 20)).unwrap_or_default();
        let Some(source_type) = SourceType::parse(&kind) else {
            errors.add("type", "Must be kho, ckan, dcat or datamap");
            return Err(errors
                .into_result()
                .err()
                .unwrap_or_else(|| Error::field("type", "Must be kho, ckan, dcat or datamap")));
        };
        let url = f.text("url", 2000).unwrap_or_default().trim().trim_end_matches('/').to_string();
        if let Err(problem) = kho_core::names::check_http_url(&url) {
            errors.add("url", problem.to_string());
        }
        let title = f.text("title", 500).filter(|t| !t.trim().is_empty()).unwrap_or_else(|| name.clone());
        // Kept in its plain form ("@daily" as "0 0 * * *"): what lists show.
        let schedule = match f.text("schedule", 200).filter(|s| !s.trim().is_empty()) {
            Some(text) => match kho_core::cron::Schedule::parse(&text) {
                Ok(s) => Some(s.text().to_string()),
                Err(e) => {
                    errors.add("schedule", e.to_string());
                    None
                }
            },
            None => None,
        };
        let config = match f.map().get("config") {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
            Some(v) => v.clone(),
        };
        if !config.is_object() {
            errors.add("config", "Must be a JSON object");
        } else if let Err(e) = SourceConfig::parse(&config) {
            errors.add("config", e.to_string());
        }
        let org = f.text("organization", 200).or_else(|| f.text("owner_org", 200)).filter(|o| !o.is_empty());
        let mut tx = self.store().write().await?;
        let owner_org = match &org {
            Some(o) => match crate::datasets::active_org(&mut tx, o, "organization").await {
                Ok(g) => Some(g.id),
                Err(_) => {
                    errors.add("organization", "Organization does not exist");
                    None
                }
            },
            None => None,
        };
        if store::find_source(&mut tx, &name).await?.is_some() {
            errors.add("name", "A harvest source with this name already exists");
        }
        errors.into_result()?;
        let row = SourceRow {
            id: kho_store::new_id(),
            name,
            title,
            source_type: source_type.code().into(),
            url,
            owner_org,
            schedule,
            config: config.to_string(),
            state: "active".into(),
            created: timefmt::now(),
            creator_user_id: actor.user_id().map(str::to_string),
        };
        store::upsert_source(&mut tx, &row).await?;
        tx.commit().await?;
        tracing::info!(source = %row.name, url = %row.url, kind = %row.source_type, "harvest source created");
        Ok(source_json(&row, 0, None))
    }

    /// `harvest_source_delete` (sysadmins): the source stops. Its datasets
    /// are deleted with `clear`, else kept as ordinary, editable datasets
    /// (their provenance extras stay). Returns how many it kept.
    pub async fn harvest_source_delete(&self, actor: &Actor, id_or_name: &str, clear: bool) -> Result<Value> {
        authorize(actor, Permission::Sysadmin)?;
        let mut tx = self.store().write().await?;
        let mut s = active_source(&mut tx, id_or_name).await?;
        if let Some(r) = unfinished_run(&mut tx, &s.id).await? {
            return Err(Error::field("id", format!("Run {} of this source is {}; wait for it to end", r.id, r.state)));
        }
        let objects = store::objects(&mut tx, &s.id).await?;
        let system = Actor::system();
        let now = timefmt::now();
        let mut deleted = 0;
        if clear {
            for o in &objects {
                if o.package_state.as_deref().is_some_and(|state| state != "deleted") {
                    self.delete_in_tx(&mut tx, &system, &o.package_id, &now).await?;
                    deleted += 1;
                }
            }
        }
        // A data-map source's entries: deleted, or handed to their agencies.
        let entries = kho_store::datamap::harvested_databases(&mut tx, &s.id).await?;
        if clear {
            let message = format!("Nguồn thu thập {} đã bị xoá / Harvest source {} deleted", s.title, s.title);
            for r in &entries {
                datamap::delete_entry(&mut tx, r, &message, &now).await?;
                deleted += 1;
            }
        }
        let released = store::release_objects(&mut tx, &s.id).await?;
        let released_databases = kho_store::datamap::release_databases(&mut tx, &s.id).await?;
        if !entries.is_empty() {
            kho_store::datamap::bump_generation(&mut tx).await?;
        }
        s.state = "deleted".into();
        // Its name is free again (names are unique among all sources).
        let name = std::mem::take(&mut s.name);
        s.name = format!("{name}~{}", &s.id[..8.min(s.id.len())]);
        store::upsert_source(&mut tx, &s).await?;
        self.commit(tx).await?;
        tracing::info!(source = %name, datasets = released, deleted, "harvest source deleted");
        Ok(json!({"name": name, "datasets": released, "databases": released_databases, "deleted": deleted}))
    }

    /// `harvest_source_list`: active sources with their last run.
    pub async fn harvest_source_list(&self) -> Result<Vec<Value>> {
        let mut conn = self.store().conn().await?;
        let mut out = Vec::new();
        for s in store::list_sources(&mut conn).await? {
            let n = source_records(&mut conn, &s).await?;
            let last = store::runs(&mut conn, &s.id, 1).await?;
            out.push(source_json(&s, n, last.first()));
        }
        Ok(out)
    }

    /// `harvest_source_show`: a source, its last runs and dataset count.
    pub async fn harvest_source_show(&self, id_or_name: &str) -> Result<Value> {
        let mut conn = self.store().conn().await?;
        let s = active_source(&mut conn, id_or_name).await?;
        let n = source_records(&mut conn, &s).await?;
        let runs = store::runs(&mut conn, &s.id, 20).await?;
        let mut v = source_json(&s, n, runs.first());
        v["runs"] = Value::Array(runs.iter().map(run_json).collect());
        Ok(v)
    }

    /// `harvest_run` (sysadmins): queues a run of a source; a run already
    /// queued or running is returned instead of a second one.
    pub async fn harvest_run(&self, actor: &Actor, id_or_name: &str) -> Result<Value> {
        authorize(actor, Permission::Sysadmin)?;
        let run = self.queue_harvest(id_or_name).await?;
        Ok(run_json(&run))
    }

    /// Queues a run (or finds the unfinished one).
    pub async fn queue_harvest(&self, id_or_name: &str) -> Result<RunRow> {
        let mut tx = self.store().write().await?;
        let s = active_source(&mut tx, id_or_name).await?;
        if let Some(r) = unfinished_run(&mut tx, &s.id).await? {
            return Ok(r);
        }
        let run = self.queue_run_in(&mut tx, &s.id).await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(run)
    }

    /// Queues a run's job, and the run under the job's id.
    async fn queue_run_in(&self, tx: &mut kho_store::Tx, source_id: &str) -> Result<RunRow> {
        let job = self.enqueue_job_in(&mut *tx, &run_spec(source_id)).await?;
        store::insert_run(&mut *tx, &job, source_id, Some(&job), &timefmt::now()).await?;
        store::run(&mut *tx, &job).await?.ok_or_else(|| Error::internal("run vanished"))
    }

    /// Queues a run of every source whose cron schedule is due at `now`
    /// and that has no run unfinished; returns the runs queued. The jobs'
    /// named schedules decide (`harvest:{source id}`,
    /// [`Catalog::enqueue_when_due`]), so of several Kho processes asking,
    /// one queues each run. A schedule starts when first seen: its first
    /// run is its next time after that.
    pub async fn queue_due_harvests(&self, now: time::OffsetDateTime) -> Result<Vec<String>> {
        let mut conn = self.store().conn().await?;
        let sources = store::list_sources(&mut conn).await?;
        let mut queued = Vec::new();
        for s in sources {
            let Some(schedule) = s.schedule.as_deref().and_then(|c| kho_core::cron::Schedule::parse(c).ok()) else {
                continue;
            };
            // A run asked for by hand, still unfinished, stands for this one.
            if unfinished_run(&mut conn, &s.id).await?.is_some() {
                continue;
            }
            let name = format!("harvest:{}", s.id);
            let Some(job) = self.enqueue_when_due(&name, &run_spec(&s.id), now, |t| schedule.next_after(t)).await?
            else {
                continue;
            };
            // Shown at once; the job records it too if it starts first.
            let mut tx = self.store().write().await?;
            store::insert_run(&mut tx, &job, &s.id, Some(&job), &timefmt::now()).await?;
            tx.commit().await?;
            tracing::info!(source = %s.name, run = %job, "scheduled harvest queued");
            queued.push(job);
        }
        Ok(queued)
    }

    /// `harvest_run_show`: a run's report.
    pub async fn harvest_run_show(&self, id: &str) -> Result<Value> {
        let mut conn = self.store().conn().await?;
        let r = store::run(&mut conn, id).await?.ok_or_else(|| Error::not_found(format!("No harvest run \"{id}\"")))?;
        Ok(run_json(&r))
    }

    /// Runs a source now, in this process (`kho harvest run`), and returns
    /// the report. Refused while another run of the source is unfinished.
    pub async fn harvest_now(&self, id_or_name: &str) -> Result<Value> {
        let mut tx = self.store().write().await?;
        let s = active_source(&mut tx, id_or_name).await?;
        if let Some(r) = unfinished_run(&mut tx, &s.id).await? {
            return Err(Error::field(
                "id",
                format!(
                    "Run {} of this source is {} (since {}); wait for it to end",
                    r.id,
                    r.state,
                    r.started.as_deref().unwrap_or(&r.created)
                ),
            ));
        }
        let run_id = kho_store::new_id();
        store::insert_run(&mut tx, &run_id, &s.id, None, &timefmt::now()).await?;
        tx.commit().await?;
        let run = self.execute_harvest(&run_id).await?;
        Ok(run_json(&run))
    }

    /// Runs the harvest `run_id` from the start (safe to repeat).
    async fn execute_harvest(&self, run_id: &str) -> Result<RunRow> {
        let mut conn = self.store().conn().await?;
        let mut run = store::run(&mut conn, run_id).await?.ok_or_else(|| Error::not_found("No such harvest run"))?;
        let source = store::find_source(&mut conn, &run.source_id)
            .await?
            .ok_or_else(|| Error::not_found("The harvest source is gone"))?;
        drop(conn);
        let (kind, config) = self.harvest_source_row(&source)?;
        run.state = "running".into();
        run.started = Some(timefmt::now());
        (run.added, run.updated, run.deleted, run.unchanged, run.errored) = (0, 0, 0, 0, 0);
        run.error = None;
        self.save_run(&run).await?;
        tracing::info!(source = %source.name, run = %run.id, "harvest started");

        let mut errors: Vec<Value> = Vec::new();
        let outcome = match kind {
            SourceType::Datamap => self.harvest_datamap(&source, &config, &mut run, &mut errors).await,
            _ => self.harvest_datasets(&source, kind, &config, &mut run, &mut errors).await,
        };
        run.finished = Some(timefmt::now());
        match outcome {
            Ok(()) => run.state = "finished".into(),
            Err(Fatal(message)) => {
                run.state = "failed".into();
                run.error = Some(message);
            }
        }
        run.errors = Value::Array(errors).to_string();
        self.save_run(&run).await?;
        tracing::info!(source = %source.name, run = %run.id, state = %run.state, created = run.added,
            updated = run.updated, deleted = run.deleted, unchanged = run.unchanged, errored = run.errored,
            error = run.error.as_deref().unwrap_or(""), "harvest ended");
        Ok(run)
    }

    /// A run of a dataset source: gather every remote dataset, then import.
    async fn harvest_datasets(
        &self,
        source: &SourceRow,
        kind: SourceType,
        config: &SourceConfig,
        run: &mut RunRow,
        errors: &mut Vec<Value>,
    ) -> std::result::Result<(), Fatal> {
        let listing = self.gather(source, kind, config).await?;
        for (what, why) in &listing.skipped {
            note_error(run, errors, what, why);
        }
        self.import(source, config, listing, run, errors).await
    }

    async fn save_run(&self, run: &RunRow) -> Result<()> {
        let mut tx = self.store().write().await?;
        store::save_run(&mut tx, run).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Fetches one page; a failure says which page and why.
    async fn fetch_page(
        &self,
        url: &str,
        accept: &str,
        config: &SourceConfig,
    ) -> std::result::Result<(Vec<u8>, kho_fetch::Fetched), Fatal> {
        self.inner.fetcher.get(url, accept, config.max_page_bytes, config.timeout).await.map_err(|e| match e {
            // A catalog API says why in the body: CKAN's {"error": {"message": …}}.
            kho_fetch::FetchError::Status { body: Some(ref b), .. } => {
                let said = serde_json::from_str::<Value>(b)
                    .ok()
                    .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string));
                match said {
                    Some(m) => Fatal(format!("{url}: {e}: {m}")),
                    None => Fatal(format!("{url}: {e}")),
                }
            }
            e => Fatal(format!("{url}: {e}")),
        })
    }

    /// Reads every remote dataset into a scratch file.
    async fn gather(
        &self,
        source: &SourceRow,
        kind: SourceType,
        config: &SourceConfig,
    ) -> std::result::Result<Listing, Fatal> {
        let mut file = tempfile::NamedTempFile::new_in(self.scratch_dir()?)?;
        let mut count = 0u64;
        let mut skipped = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut write = |g: Gathered, file: &mut tempfile::NamedTempFile| -> std::result::Result<bool, Fatal> {
            if !seen.insert(g.remote_id.clone()) {
                return Ok(false);
            }
            serde_json::to_writer(&mut *file, &g).map_err(|e| Fatal(e.to_string()))?;
            file.write_all(b"\n")?;
            Ok(true)
        };
        match kind {
            SourceType::Kho | SourceType::Ckan => {
                const ROWS: u64 = 1000;
                let mut start = 0u64;
                for page in 0.. {
                    if page >= config.max_pages {
                        return Err(Fatal(format!(
                            "more than {} pages; raise max_pages in the source's config",
                            config.max_pages
                        )));
                    }
                    let url =
                        format!("{}/api/3/action/package_search?rows={ROWS}&start={start}&sort=id%20asc", source.url);
                    let (body, _) = self.fetch_page(&url, "application/json", config).await?;
                    let v: Value = serde_json::from_slice(&body)
                        .map_err(|e| Fatal(format!("{url}: not a JSON answer of the CKAN API ({e})")))?;
                    if v.get("success").and_then(Value::as_bool) != Some(true) {
                        let why = v.get("error").map(Value::to_string).unwrap_or_else(|| "no \"success\": true".into());
                        return Err(Fatal(format!("{url}: the API refused: {why}")));
                    }
                    let results = v
                        .pointer("/result/results")
                        .and_then(Value::as_array)
                        .ok_or_else(|| Fatal(format!("{url}: no result.results in the answer")))?;
                    if results.is_empty() {
                        break;
                    }
                    for pkg in results {
                        let Some(id) = pkg.get("id").and_then(Value::as_str) else {
                            skipped.push(("?".into(), "a dataset without an id".into()));
                            continue;
                        };
                        let name = pkg.get("name").and_then(Value::as_str).unwrap_or(id);
                        let dict = input_of_ckan(pkg, kind == SourceType::Kho);
                        let original = format!("{}/dataset/{name}", source.url);
                        if write(gathered(id.to_string(), agency_of_ckan(pkg), dict, Some(original), name), &mut file)?
                        {
                            count += 1;
                        }
                    }
                    start += results.len() as u64;
                    let total = v.pointer("/result/count").and_then(Value::as_u64).unwrap_or(u64::MAX);
                    if start >= total {
                        break;
                    }
                }
            }
            SourceType::Datamap => return Err(Fatal("a data-map source has no datasets".into())),
            SourceType::Dcat => {
                let mut next = Some(source.url.clone());
                let mut visited: HashSet<String> = HashSet::new();
                let accept =
                    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, application/n-triples;q=0.7";
                while let Some(url) = next.take() {
                    if !visited.insert(url.clone()) {
                        break; // A page linking back to one already read: the end.
                    }
                    if visited.len() as u64 > config.max_pages {
                        return Err(Fatal(format!(
                            "more than {} pages; raise max_pages in the source's config",
                            config.max_pages
                        )));
                    }
                    let (body, fetched) = self.fetch_page(&url, accept, config).await?;
                    let format = fetched
                        .content_type
                        .as_deref()
                        .and_then(Format::from_media_type)
                        .or_else(|| {
                            url.split('?')
                                .next()
                                .and_then(|p| p.rsplit_once('.'))
                                .and_then(|(_, e)| Format::from_extension(e))
                        })
                        .ok_or_else(|| {
                            Fatal(format!(
                                "{url}: not an RDF document ({}); give a Turtle, JSON-LD or RDF/XML address",
                                fetched.content_type.as_deref().unwrap_or("no content type")
                            ))
                        })?;
                    let page = tokio::task::spawn_blocking({
                        let base = fetched.final_url.clone();
                        move || kho_dcat::read::read(&body, format, Some(&base))
                    })
                    .await
                    .map_err(|e| Fatal(e.to_string()))?
                    .map_err(|e| Fatal(format!("{url}: {e}")))?;
                    skipped.extend(page.skipped);
                    for r in page.datasets {
                        let agency = r.publisher.as_ref().and_then(agency_of_dcat);
                        let original = r.landing_page.clone().or_else(|| Some(r.remote_id.clone()));
                        if write(gathered(r.remote_id, agency, r.dict, original, &r.name_hint), &mut file)? {
                            count += 1;
                        }
                    }
                    next = page.next;
                }
            }
        }
        file.flush()?;
        Ok(Listing { file, count, skipped })
    }

    fn scratch_dir(&self) -> std::result::Result<std::path::PathBuf, Fatal> {
        let dir = self.datastore().scratch_dir();
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Writes what was gathered, then deletes what the source no longer has.
    async fn import(
        &self,
        source: &SourceRow,
        config: &SourceConfig,
        listing: Listing,
        run: &mut RunRow,
        errors: &mut Vec<Value>,
    ) -> std::result::Result<(), Fatal> {
        let mut conn = self.store().conn().await?;
        let known: HashMap<String, ObjectRow> =
            store::objects(&mut conn, &source.id).await?.into_iter().map(|o| (o.remote_id.clone(), o)).collect();
        drop(conn);
        let mut seen: HashSet<String> = HashSet::with_capacity(listing.count as usize);
        // A record the source still lists but that could not be read this
        // time is not gone: its local copy stays as it was.
        seen.extend(listing.skipped.iter().map(|(what, _)| what.clone()).filter(|w| known.contains_key(w)));
        let mut orgs: HashMap<String, std::result::Result<String, String>> = HashMap::new();
        let reader = std::io::BufReader::new(listing.file.reopen()?);
        let mut batch: Vec<Gathered> = Vec::with_capacity(BATCH);
        let mut lines = reader.lines();
        loop {
            let line = lines.next().transpose()?;
            if let Some(l) = &line {
                let g: Gathered = serde_json::from_str(l).map_err(|e| Fatal(format!("scratch file: {e}")))?;
                seen.insert(g.remote_id.clone());
                // Unchanged and still here: nothing to read or write.
                if known
                    .get(&g.remote_id)
                    .is_some_and(|o| o.content_hash == g.hash && o.package_state.as_deref() == Some("active"))
                {
                    run.unchanged += 1;
                } else {
                    batch.push(g);
                }
            }
            if batch.len() >= BATCH || (line.is_none() && !batch.is_empty()) {
                let work = std::mem::take(&mut batch);
                self.import_batch(source, config, work, &known, &mut orgs, run, errors).await?;
            }
            if line.is_none() {
                break;
            }
        }
        // Gone at the source: deleted here (the listing was complete).
        let system = Actor::system();
        for (remote_id, o) in known.iter().filter(|(r, _)| !seen.contains(*r)) {
            let now = timefmt::now();
            let mut tx = self.store().write().await?;
            let gone = match o.package_state.as_deref() {
                Some(state) if state != "deleted" => {
                    self.delete_in_tx(&mut tx, &system, &o.package_id, &now).await.map(|_| true)
                }
                _ => Ok(false),
            };
            match gone {
                Ok(deleted) => {
                    store::forget_object(&mut tx, &source.id, remote_id).await?;
                    self.commit(tx).await?;
                    if deleted {
                        run.deleted += 1;
                    }
                }
                Err(e) => {
                    drop(tx);
                    note_error(run, errors, remote_id, &format!("could not delete: {e}"));
                }
            }
        }
        Ok(())
    }

    /// Imports a batch in one transaction; if any record fails, the batch
    /// is rolled back and its records written one by one, so a broken
    /// record costs only itself.
    #[allow(clippy::too_many_arguments)]
    async fn import_batch(
        &self,
        source: &SourceRow,
        config: &SourceConfig,
        batch: Vec<Gathered>,
        known: &HashMap<String, ObjectRow>,
        orgs: &mut HashMap<String, std::result::Result<String, String>>,
        run: &mut RunRow,
        errors: &mut Vec<Value>,
    ) -> std::result::Result<(), Fatal> {
        // Agencies first, each in its own transaction.
        for g in &batch {
            if source.owner_org.is_none()
                && let Some(a) = &g.agency
                && !orgs.contains_key(&a.name)
            {
                let r = self.ensure_agency(a).await.map_err(|e| e.to_string());
                orgs.insert(a.name.clone(), r);
            }
        }
        let mut tx = self.store().write().await?;
        let mut counts = Counts::default();
        let mut failed = false;
        for g in &batch {
            if let Err(e) = self.import_one(&mut tx, source, config, g, known, orgs, &mut counts).await {
                tracing::debug!(remote_id = %g.remote_id, error = %e, "batch record failed; retrying one by one");
                failed = true;
                break;
            }
        }
        if !failed {
            self.commit(tx).await?;
            counts.add_to(run);
            return Ok(());
        }
        drop(tx);
        for g in &batch {
            let mut tx = self.store().write().await?;
            let mut counts = Counts::default();
            match self.import_one(&mut tx, source, config, g, known, orgs, &mut counts).await {
                Ok(()) => {
                    self.commit(tx).await?;
                    counts.add_to(run);
                }
                Err(e) => {
                    drop(tx);
                    note_error(run, errors, &g.remote_id, &e.to_string());
                }
            }
        }
        Ok(())
    }

    /// Finds the local agency named like a remote one, creating it.
    async fn ensure_agency(&self, a: &Agency) -> Result<String> {
        self.ensure_agency_under(a, None).await
    }

    /// Finds the local agency named like a remote one, creating it under
    /// `parent` (a local organization id).
    async fn ensure_agency_under(&self, a: &Agency, parent: Option<&str>) -> Result<String> {
        let mut conn = self.store().conn().await?;
        if let Some(g) = kho_store::groups::find(&mut conn, &a.name, Some(true)).await? {
            return Ok(g.id);
        }
        drop(conn);
        let mut dict = json!({"name": a.name, "title": a.title, "title_translated": a.title_translated});
        if let Some(k) = &a.agency_kind {
            dict["agency_kind"] = json!(k);
        }
        if let Some(c) = &a.code {
            dict["agency_code"] = json!(c);
        }
        if let Some(p) = parent {
            dict["parent"] = json!(p);
        }
        let g = self.group_create(&Actor::system(), Fields::from_value(dict)?, true).await?;
        tracing::info!(organization = %g.name, "created the agency of harvested datasets");
        Ok(g.id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_one(
        &self,
        tx: &mut kho_store::Tx,
        source: &SourceRow,
        config: &SourceConfig,
        g: &Gathered,
        known: &HashMap<String, ObjectRow>,
        orgs: &HashMap<String, std::result::Result<String, String>>,
        counts: &mut Counts,
    ) -> Result<()> {
        let system = Actor::system();
        let now = timefmt::now();
        // Unchanged records never get here (`import` counts them).
        let existing = match known.get(&g.remote_id) {
            Some(o) => packages::find(&mut *tx, &o.package_id).await?,
            None => None,
        };
        let org_id = match (&source.owner_org, &g.agency) {
            (Some(id), _) => id.clone(),
            (None, Some(a)) => match orgs.get(&a.name) {
                Some(Ok(id)) => id.clone(),
                Some(Err(e)) => {
                    return Err(Error::field("organization", format!("cannot create agency {}: {e}", a.name)));
                }
                None => return Err(Error::internal("agency not prepared")),
            },
            (None, None) => {
                return Err(Error::field(
                    "organization",
                    "The remote dataset names no agency; give the source an organization",
                ));
            }
        };
        let mut map = g.dict.as_object().cloned().unwrap_or_default();
        let mut extras: Vec<Value> = map
            .remove("extras")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.get("key").and_then(Value::as_str).is_some_and(|k| !k.starts_with("harvest_")))
            .collect();
        let has_uri = extras.iter().any(|e| e.get("key").and_then(Value::as_str) == Some("uri"));
        if !has_uri {
            // The identity the DCAT export keeps: the remote node's IRI for it.
            let uri = if source.source_type == "dcat" {
                g.remote_id.clone()
            } else {
                format!("{}/dataset/{}", source.url, g.remote_id)
            };
            extras.push(json!({"key": "uri", "value": uri}));
        }
        for (k, v) in [
            ("harvest_source_id", source.id.as_str()),
            ("harvest_source_name", source.name.as_str()),
            ("harvest_source_title", source.title.as_str()),
            ("harvest_remote_id", g.remote_id.as_str()),
            ("harvest_url", g.original.as_deref().unwrap_or("")),
            // When this version came: the last harvest that changed it.
            ("harvest_timestamp", now.as_str()),
        ] {
            extras.push(json!({"key": k, "value": v}));
        }
        map.insert("extras".into(), Value::Array(extras));
        map.insert("owner_org".into(), json!(org_id));
        // Public unless the source marked it private (shared data must be, in Kho).
        map.entry("private").or_insert(json!(false));
        map.insert("state".into(), json!("active"));
        let background = if config.load_tables { Background::Queue } else { Background::Skip };
        let package_id = match existing {
            Some(row) => {
                map.insert("name".into(), json!(row.name));
                keep_resource_ids(&mut *tx, &row.id, &mut map).await?;
                let input = PackageInput::parse(Fields::new(map))?;
                let (pkg, _) = self.update_in_tx(&mut *tx, &system, row, input, background, &now).await?;
                counts.updated += 1;
                pkg.id
            }
            None => {
                let name = self.free_name(&mut *tx, &g.name_hint, &g.remote_id).await?;
                map.insert("name".into(), json!(name));
                let input = PackageInput::parse(Fields::new(map))?;
                let (pkg, _) = self.create_in_tx(&mut *tx, &system, input, background, &now).await?;
                counts.created += 1;
                pkg.id
            }
        };
        store::record_object(&mut *tx, &source.id, &g.remote_id, &package_id, &g.hash, &now).await?;
        Ok(())
    }

    /// A local name for a new harvested dataset: its remote name when free,
    /// else that name with a suffix drawn from its remote id.
    async fn free_name(&self, conn: &mut dyn kho_store::Handle, hint: &str, remote_id: &str) -> Result<String> {
        let base: String = if kho_core::names::check_name(hint).is_ok() { hint.to_string() } else { "du-lieu".into() };
        let base: String = base.chars().take(90).collect();
        if packages::find(conn, &base).await?.is_none() {
            return Ok(base);
        }
        let suffix = &sha256_hex(remote_id.as_bytes())[..8];
        Ok(format!("{base}-{suffix}"))
    }
}

/// How many records a source brought: datasets, or a data-map source's
/// database entries.
async fn source_records(conn: &mut dyn kho_store::Handle, s: &SourceRow) -> Result<i64> {
    if s.source_type == SourceType::Datamap.code() {
        return Ok(kho_store::datamap::count_harvested(conn, &s.id).await?);
    }
    Ok(store::count_objects(conn, &s.id).await?)
}

/// An active source by id or name.
async fn active_source(conn: &mut dyn kho_store::Handle, id_or_name: &str) -> Result<SourceRow> {
    store::find_source(conn, id_or_name)
        .await?
        .filter(|s| s.state == "active")
        .ok_or_else(|| Error::not_found(format!("No harvest source \"{id_or_name}\"")))
}

/// A run of the source still queued or running, if any. A run left
/// "running" by a process that died without its job (a foreground run) is
/// taken as over after a day.
async fn unfinished_run(conn: &mut dyn kho_store::Handle, source_id: &str) -> Result<Option<RunRow>> {
    let day_ago = timefmt::format(time::OffsetDateTime::now_utc() - time::Duration::days(1));
    Ok(store::runs(conn, source_id, 5)
        .await?
        .into_iter()
        .find(|r| matches!(r.state.as_str(), "queued" | "running") && r.created > day_ago))
}

#[derive(Default)]
struct Counts {
    created: i64,
    updated: i64,
}

impl Counts {
    fn add_to(&self, run: &mut RunRow) {
        run.added += self.created;
        run.updated += self.updated;
    }
}

/// Gives the incoming resources of an updated dataset the ids of the local
/// ones they stand for (the same address, else the same place in the list),
/// so an update keeps resource pages, link checks, validations and tables
/// instead of replacing every resource.
async fn keep_resource_ids(
    conn: &mut dyn kho_store::Handle,
    package_id: &str,
    map: &mut Map<String, Value>,
) -> Result<()> {
    let Some(Value::Array(incoming)) = map.get_mut("resources") else { return Ok(()) };
    let existing = packages::resources(conn, package_id, false).await?;
    let mut taken: HashSet<&str> = HashSet::new();
    let url_of = |r: &Value| r.get("url").and_then(Value::as_str).unwrap_or("").to_string();
    // Same address first, then what is left by position.
    let mut ids: Vec<Option<&str>> = incoming
        .iter()
        .map(|r| {
            let url = url_of(r);
            existing.iter().find(|e| !url.is_empty() && e.url == url && !taken.contains(e.id.as_str())).map(|e| {
                taken.insert(e.id.as_str());
                e.id.as_str()
            })
        })
        .collect();
    for (i, id) in ids.iter_mut().enumerate() {
        if id.is_none()
            && let Some(e) = existing.get(i).filter(|e| !taken.contains(e.id.as_str()))
        {
            taken.insert(e.id.as_str());
            *id = Some(e.id.as_str());
        }
    }
    for (r, id) in incoming.iter_mut().zip(ids) {
        if let (Some(obj), Some(id)) = (r.as_object_mut(), id) {
            obj.insert("id".into(), json!(id));
        }
    }
    Ok(())
}

fn note_error(run: &mut RunRow, errors: &mut Vec<Value>, remote_id: &str, message: &str) {
    run.errored += 1;
    if errors.len() < MAX_ERRORS {
        errors.push(json!({"remote_id": remote_id, "message": message}));
    }
}

/// Registers the `harvest_run` job.
pub fn register_jobs(registry: &mut Registry) {
    registry.register(RUN_JOB, Arc::new(|ctx| Box::pin(run_job(ctx))));
}

/// The job of a run of `source_id`; the run has the job's id.
fn run_spec(source_id: &str) -> JobSpec {
    JobSpec { max_attempts: 3, ..JobSpec::new(RUN_JOB, Some(source_id), json!({})) }
}

async fn run_job(ctx: JobContext) -> std::result::Result<(), JobFailure> {
    let Some(source_id) = ctx.subject.as_deref() else {
        return Err(JobFailure::Fatal("the job names no harvest source".into()));
    };
    let mut tx = ctx.catalog.store().write().await?;
    store::insert_run(&mut tx, &ctx.id, source_id, Some(&ctx.id), &timefmt::now()).await?;
    tx.commit().await?;
    // A run that fails as a whole is reported in the run, not retried: the
    // next scheduled or asked-for run tries again.
    ctx.catalog.execute_harvest(&ctx.id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ckan_datasets_from_extended_sites_fit_kho() {
        let pkg = json!({
            "id": "x", "name": "ten", "title": "Tiêu đề", "license_id": "CC-BY-4.0",
            "extras": [{"key": "spatial", "value": "{\"type\": \"Point\"}"}, {"key": "temporal_start", "value": "2024"},
                       {"key": "harvest_object_id", "value": "old"}, {"key": "nguon", "value": "Sở"}],
            "resources": [{"id": "r", "url": "https://ckan.example/x.csv", "url_type": "upload", "format": "CSV", "state": "active"}],
        });
        let d = input_of_ckan(&pkg, false);
        assert_eq!(d["license_id"], "cc-by-4.0", "matched by name, whatever the case");
        let keys: Vec<&str> = d["extras"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["source_spatial", "source_temporal_start", "nguon"]);
        assert!(d.get("id").is_none() && d["resources"][0].get("url_type").is_none());
        assert!(
            PackageInput::parse(Fields::new({
                let mut m = d.as_object().unwrap().clone();
                m.insert("name".into(), json!("ten"));
                m.insert("owner_org".into(), json!("org"));
                m
            }))
            .is_ok()
        );

        let unknown =
            input_of_ckan(&json!({"license_id": "giay-phep-rieng", "license_title": "Giấy phép riêng"}), false);
        assert!(unknown.get("license_id").is_none());
        assert_eq!(
            unknown["extras"][0],
            json!({"key": "source_license", "value": "Giấy phép riêng (giay-phep-rieng)"})
        );
        let by_url = input_of_ckan(
            &json!({"license_id": "odbl", "license_url": "https://opendatacommons.org/licenses/odbl/1-0"}),
            false,
        );
        assert_eq!(by_url["license_id"], "odc-odbl");
        // A renamed dataset hashes differently through its link back.
        let a = gathered("x".into(), None, json!({}), Some("https://k/dataset/a".into()), "a");
        let b = gathered("x".into(), None, json!({}), Some("https://k/dataset/b".into()), "b");
        assert_ne!(a.hash, b.hash);
    }
}
