//! CKAN's DataStore actions over [`kho_datastore`]: `datastore_info`,
//! `datastore_search`, `datastore_search_sql`, `datastore_delete`, dumps,
//! and loading a resource's file into its table (a background job).
//!
//! Permission: reading a table is reading its dataset
//! (`Permission::ReadDataset`), writing it is updating the dataset. A
//! table the caller may not read answers exactly as a table that does not
//! exist, in every action and in SQL, so private data does not even leak
//! its existence.
//!
//! Versions: every load or write makes a new immutable Parquet file,
//! written under a temporary name, synced, renamed, and only then
//! recorded in `datastore_versions`. A crash at any point leaves the
//! previous version current and readable; a file without a row is an
//! orphan that [`Catalog::datastore_collect_orphans`] removes.

use crate::jobs::{JobContext, JobFailure, JobSpec, Registry};
use crate::{Catalog, Error, Result};
use futures_util::StreamExt;
use kho_core::authz::{Actor, Permission, authorize};
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_datastore::DatastoreError;
use kho_datastore::aggregate::{Aggregation, Groups};
use kho_datastore::compare::{Changes, column_changes};
use kho_datastore::dump::{DumpEncoder, DumpFormat};
use kho_datastore::engine::{Engine, EngineOptions, RecordsFormat, RowQuery, TableRef};
use kho_datastore::ingest::{LoadOptions, LoadProgress, LoadReport, SourceFormat};
use kho_datastore::storage::{S3Config, TableFiles};
use kho_datastore::types::{Field, FieldType};
use kho_datastore::write::{Method, WriteOutcome, merge_fields};
use kho_store::datastore::{self as versions, VersionRow};
use kho_store::packages::{self, PackageRow, ResourceRow};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The job kind that loads a resource's file into its table.
pub const LOAD_JOB: &str = "datastore_load";

/// The datastore's state in the catalog: its directory and query engine.
#[derive(Clone)]
pub struct Datastore {
    files: TableFiles,
    engine: Engine,
}

impl Datastore {
    /// A directory for temporary files beside the tables (fetched links,
    /// tables written out for validation); leftovers are collected with
    /// orphaned table files.
    pub(crate) fn scratch_dir(&self) -> std::path::PathBuf {
        self.files.dir().join("_downloads")
    }
}

impl std::fmt::Debug for Datastore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datastore").field("files", &self.files).finish_non_exhaustive()
    }
}

impl Datastore {
    pub(crate) fn open(dir: PathBuf, s3: Option<&S3Config>, opts: EngineOptions) -> Result<Datastore> {
        let files = TableFiles::open(dir, s3).map_err(|e| Error::Unavailable(format!("datastore storage: {e}")))?;
        let engine = Engine::new(opts).map_err(|e| ds_error(e, "datastore"))?;
        Ok(Datastore { files, engine })
    }
}

/// Maps a datastore error to the domain's, naming the parameter at fault.
fn ds_error(e: DatastoreError, key: &str) -> Error {
    match e {
        DatastoreError::BadInput(m) | DatastoreError::Invalid(m) | DatastoreError::Query(m) => Error::field(key, m),
        DatastoreError::Forbidden(m) => Error::field(key, m),
        e @ DatastoreError::Timeout(_) => Error::field(key, e.to_string()),
        DatastoreError::TooLarge(m) => Error::TooLarge(m),
        e @ (DatastoreError::Io { .. } | DatastoreError::Internal(_)) => Error::internal(e),
    }
}

fn table_not_found(id: &str) -> Error {
    Error::not_found(format!("Resource \"{id}\" was not found, or has no datastore table."))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

/// What an API write changed, from its own counts: upserts and updates
/// say how many rows they inserted and updated (with a key, an updated
/// row is a changed one).
fn write_changes(current: &VersionRow, fields: &[Field], pk: &[String], outcome: &WriteOutcome) -> Result<String> {
    let old_fields: Vec<Field> = serde_json::from_str(&current.fields).map_err(Error::internal)?;
    let (columns_added, columns_removed, columns_retyped) = column_changes(&old_fields, fields);
    let before = current.row_count.max(0) as u64;
    to_json(&Changes {
        compared_with: Some(current.version),
        rows_before: before,
        rows_after: outcome.rows,
        rows_added: outcome.inserted,
        rows_removed: (before + outcome.inserted).saturating_sub(outcome.rows),
        rows_changed: (!pk.is_empty()).then_some(outcome.updated),
        rows_unchanged: before.saturating_sub(outcome.updated),
        columns_added,
        columns_removed,
        columns_retyped,
        key: pk.to_vec(),
    })
}

/// A file name for a resource id that is safe on every file system.
fn dir_name(resource_id: &str) -> String {
    if !resource_id.is_empty()
        && resource_id.len() <= 100
        && resource_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        resource_id.to_string()
    } else {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(resource_id.as_bytes()))
    }
}

/// A dump being streamed.
pub struct Dump {
    pub filename: String,
    pub content_type: &'static str,
    pub body: Pin<Box<dyn futures_util::Stream<Item = std::result::Result<bytes::Bytes, std::io::Error>> + Send>>,
}

/// What to search, parsed from CKAN's parameters.
struct SearchParams {
    resource_id: String,
    query: RowQuery,
    offset: usize,
    limit: usize,
    include_total: bool,
    format: RecordsFormat,
    echo: Map<String, Value>,
}

/// A parameter that CKAN accepts as JSON or as a JSON string (in GETs).
fn json_param(map: &Map<String, Value>, key: &str) -> Result<Option<Value>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if key != "q" => {
            let t = s.trim();
            if t.starts_with('{') || t.starts_with('[') {
                serde_json::from_str(t).map(Some).map_err(|e| Error::field(key, format!("Not valid JSON: {e}")))
            } else {
                Ok(Some(Value::String(s.clone())))
            }
        }
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.starts_with('{') {
                Ok(serde_json::from_str(t).ok().or(Some(Value::String(s.clone()))))
            } else {
                Ok(Some(Value::String(s.clone())))
            }
        }
        Some(v) => Ok(Some(v.clone())),
    }
}

fn name_list(v: &Value, key: &str) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(split_names(s)),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| Error::field(key, "Must be a list of field names")))
            .collect(),
        _ => Err(Error::field(key, "Must be a list of field names or a comma-separated string")),
    }
}

/// Splits `a, "b, c", d` on commas outside double quotes.
fn split_names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Reads CKAN's `sort`: `"a desc, \"b c\" asc"` or a list of such.
fn parse_sort(v: &Value) -> Result<Vec<(String, bool)>> {
    let parts: Vec<String> = match v {
        Value::String(s) => {
            let mut parts = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            for c in s.chars() {
                match c {
                    '"' => {
                        quoted = !quoted;
                        cur.push(c);
                    }
                    ',' if !quoted => parts.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            parts.push(cur);
            parts
        }
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => return Err(Error::field("sort", "Must be a string such as \"field desc\"")),
    };
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (name, dir) = if let Some(rest) = p.strip_prefix('"') {
            match rest.split_once('"') {
                Some((n, d)) => (n.to_string(), d.trim().to_ascii_lowercase()),
                None => return Err(Error::field("sort", format!("Unclosed quote in \"{p}\""))),
            }
        } else {
            match p.rsplit_once(char::is_whitespace) {
                Some((n, d)) if ["asc", "desc"].contains(&d.to_ascii_lowercase().as_str()) => {
                    (n.trim().to_string(), d.to_ascii_lowercase())
                }
                _ => (p.to_string(), String::new()),
            }
        };
        let asc = match dir.as_str() {
            "" | "asc" => true,
            "desc" => false,
            other => return Err(Error::field("sort", format!("Unknown sort direction \"{other}\""))),
        };
        out.push((name, asc));
    }
    Ok(out)
}

impl SearchParams {
    fn parse(mut f: Fields, rows_max: usize) -> Result<SearchParams> {
        let map = f.map().clone();
        let mut echo = Map::new();
        let resource_id = f
            .text("resource_id", 200)
            .or_else(|| f.text("id", 200))
            .ok_or_else(|| Error::field("resource_id", "Missing value"))?;
        let mut query = RowQuery::default();
        if let Some(v) = json_param(&map, "filters")? {
            let Value::Object(o) = &v else { return Err(Error::field("filters", "Must be a JSON object")) };
            for (k, val) in o {
                let values = match val {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                query.filters.push((k.clone(), values));
            }
            echo.insert("filters".into(), v.clone());
        }
        match json_param(&map, "q")? {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                echo.insert("q".into(), Value::String(s.clone()));
                query.q = Some(s);
            }
            Some(Value::Object(o)) => {
                for (k, v) in &o {
                    let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                    query.q_fields.push((k.clone(), text));
                }
                echo.insert("q".into(), Value::Object(o));
            }
            _ => {}
        }
        if let Some(v) = json_param(&map, "fields")? {
            query.fields = name_list(&v, "fields")?;
        }
        if let Some(v) = json_param(&map, "sort")? {
            query.sort = parse_sort(&v)?;
            echo.insert("sort".into(), v);
        }
        query.distinct = f.bool("distinct").unwrap_or(false);
        let include_total = f.bool("include_total").unwrap_or(true);
        let limit = f.int("limit");
        let offset = f.int("offset");
        let format = f.text("records_format", 20).unwrap_or_else(|| "objects".into());
        f.take_errors().into_result()?;
        let limit = match limit {
            None => 100,
            Some(n) if n < 0 => return Err(Error::field("limit", "Must be a natural number")),
            Some(n) => (n as usize).min(rows_max),
        };
        let offset = match offset {
            None => 0,
            Some(n) if n < 0 => return Err(Error::field("offset", "Must be a natural number")),
            Some(n) => n as usize,
        };
        if offset > 0 {
            echo.insert("offset".into(), json!(offset));
        }
        let format = RecordsFormat::parse(&format).map_err(|e| ds_error(e, "records_format"))?;
        Ok(SearchParams { resource_id, query, offset, limit, include_total, format, echo })
    }
}

impl Catalog {
    /// The datastore's directory and engine.
    pub fn datastore(&self) -> &Datastore {
        &self.inner.datastore
    }

    /// A resource and its dataset, if the actor may read them.
    async fn readable_resource(&self, actor: &Actor, id: &str) -> Result<(ResourceRow, PackageRow)> {
        let mut conn = self.store().conn().await?;
        let (res, pkg) = packages::find_resource(&mut conn, id).await?.ok_or_else(|| table_not_found(id))?;
        if res.state == "deleted" || pkg.state == "deleted" {
            return Err(table_not_found(id));
        }
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| table_not_found(id))?;
        Ok((res, pkg))
    }

    /// The current (or given) version of a table the actor may read.
    async fn readable_table(&self, actor: &Actor, id: &str, version: Option<i64>) -> Result<(ResourceRow, VersionRow)> {
        let (res, _) = self.readable_resource(actor, id).await?;
        let mut conn = self.store().conn().await?;
        let v = match version {
            Some(n) => versions::version(&mut conn, &res.id, n).await?,
            None => versions::current(&mut conn, &res.id).await?,
        };
        let v = v.ok_or_else(|| match version {
            Some(n) => Error::not_found(format!("Resource \"{id}\" has no datastore table version {n}.")),
            None => table_not_found(id),
        })?;
        Ok((res, v))
    }

    async fn table_ref(&self, name: &str, v: &VersionRow) -> Result<TableRef> {
        let fields: Vec<Field> = serde_json::from_str(&v.fields).map_err(Error::internal)?;
        let path = self.datastore().files.local(&v.file).await.map_err(|e| ds_error(e, "datastore"))?;
        Ok(TableRef { name: name.to_string(), path, fields, rows: Some(v.row_count.max(0) as u64) })
    }

    /// `datastore_info`: a table's fields and size, its versions, and its
    /// latest load job.
    pub async fn datastore_info(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let id = f
            .text("id", 200)
            .or_else(|| f.text("resource_id", 200))
            .ok_or_else(|| Error::field("id", "Missing value"))?;
        let (res, _) = self.readable_resource(actor, &id).await?;
        let mut conn = self.store().conn().await?;
        let all = versions::versions(&mut conn, &res.id).await?;
        drop(conn);
        let job = self.latest_job(LOAD_JOB, &res.id).await?;
        let Some(current) = all.first() else {
            // No table (yet): say so, with the load job if one is queued or failed.
            return match job {
                Some(job) => Err(Error::not_found(format!(
                    "Resource \"{id}\" has no datastore table yet; its load job is {}{}",
                    job.state,
                    job.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                ))),
                None => Err(table_not_found(&id)),
            };
        };
        let fields: Vec<Field> = serde_json::from_str(&current.fields).map_err(Error::internal)?;
        let pk: Vec<String> = serde_json::from_str(&current.primary_key).unwrap_or_default();
        let field_values: Vec<Value> = fields
            .iter()
            .map(|fl| {
                let mut v = json!({
                    "id": fl.id,
                    "type": fl.ty.name(),
                    "schema": {"native_type": fl.ty.name(), "notnull": pk.contains(&fl.id), "is_index": pk.contains(&fl.id), "uniquekey": pk.contains(&fl.id)},
                });
                if let Some(info) = &fl.info {
                    v["info"] = info.clone();
                }
                v
            })
            .collect();
        let version_list: Vec<Value> = all
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "created": v.created,
                    "count": v.row_count,
                    "size": v.bytes,
                    "source": v.source,
                    "fields": serde_json::from_str::<Value>(&v.fields).unwrap_or(Value::Null),
                    "changes": v.changes.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
                })
            })
            .collect();
        Ok(json!({
            "meta": {
                "id": res.id,
                "count": current.row_count,
                "size": current.bytes,
                "db_size": current.bytes,
                "idx_size": 0,
                "table_type": "BASE TABLE",
                "aliases": [],
                "version": current.version,
                "created": current.created,
                "primary_key": pk,
                "source": current.source,
                "report": current.report.as_deref().and_then(|r| serde_json::from_str::<Value>(r).ok()),
            },
            "fields": field_values,
            "versions": version_list,
            "job": job,
        }))
    }

    /// `datastore_search`, as a JSON text (records are rendered straight
    /// into it).
    pub async fn datastore_search(&self, actor: &Actor, mut f: Fields) -> Result<String> {
        let version = f.int("version");
        let p = SearchParams::parse(f, self.datastore().engine.options().rows_max)?;
        let (res, v) = self.readable_table(actor, &p.resource_id, version).await?;
        let table = self.table_ref(&res.id, &v).await?;
        let out = self
            .datastore()
            .engine
            .search(&table, &p.query, p.offset, p.limit, p.include_total, p.format)
            .await
            .map_err(|e| ds_error(e, "query"))?;
        let fields: Vec<Value> = out.fields.iter().map(|fl| json!({"id": fl.id, "type": fl.ty.name()})).collect();
        let base = format!("/api/3/action/datastore_search?resource_id={}", percent(&res.id));
        let mut result = p.echo;
        result.insert("resource_id".into(), Value::String(res.id.clone()));
        result.insert("fields".into(), Value::Array(fields));
        result.insert("include_total".into(), Value::Bool(p.include_total));
        result.insert("limit".into(), json!(p.limit));
        result.insert("records_format".into(), Value::String(format_name(p.format).into()));
        result.insert("total_estimation_threshold".into(), Value::Null);
        result.insert("total_was_estimated".into(), Value::Bool(false));
        if let Some(t) = out.total {
            result.insert("total".into(), json!(t));
        }
        result.insert("_links".into(), json!({"start": base, "next": format!("{base}&offset={}", p.offset + p.limit)}));
        if let Some(n) = version {
            result.insert("version".into(), json!(n));
        }
        // Splice the rendered records in without re-parsing them.
        let mut text = serde_json::to_string(&result).map_err(Error::internal)?;
        text.pop();
        text.push_str(",\"records\":");
        match p.format {
            RecordsFormat::Objects | RecordsFormat::Lists => text.push_str(&out.records),
            RecordsFormat::Csv | RecordsFormat::Tsv => {
                text.push_str(&serde_json::to_string(&out.records).map_err(Error::internal)?)
            }
        }
        text.push('}');
        Ok(text)
    }

    /// One value per group of a column of a table the actor may read (the
    /// data of a chart), over the rows that `f`'s `filters` and `q` match,
    /// in version `f.version` or the current one. Returns the groups and
    /// the table's fields.
    pub async fn datastore_aggregate(
        &self,
        actor: &Actor,
        id: &str,
        mut f: Fields,
        a: &Aggregation,
    ) -> Result<(Groups, Vec<Field>)> {
        let version = f.int("version");
        let mut map = f.map().clone();
        map.insert("resource_id".into(), Value::String(id.to_string()));
        let p = SearchParams::parse(Fields::new(map), usize::MAX)?;
        let (res, v) = self.readable_table(actor, &p.resource_id, version).await?;
        let table = self.table_ref(&res.id, &v).await?;
        let groups = self.datastore().engine.aggregate(&table, &p.query, a).await.map_err(|e| ds_error(e, "chart"))?;
        Ok((groups, table.fields))
    }

    /// `datastore_search_sql`: one read-only query over the tables the
    /// caller may read, named by resource id.
    pub async fn datastore_search_sql(&self, actor: &Actor, mut f: Fields) -> Result<String> {
        let sql = f
            .text("sql", kho_datastore::sql_guard::MAX_SQL_BYTES)
            .ok_or_else(|| Error::field("sql", "Missing value"))?;
        let engine = &self.datastore().engine;
        let checked = kho_datastore::sql_guard::check(&sql).map_err(|e| ds_error(e, "query"))?;
        let mut tables = Vec::with_capacity(checked.tables().len());
        for name in checked.tables() {
            let (_, v) = self.readable_table(actor, name, None).await.map_err(|e| match e {
                Error::NotFound(_) => Error::field(
                    "query",
                    format!("Table \"{name}\" does not exist or you may not read it; name tables by resource id, in double quotes"),
                ),
                other => other,
            })?;
            tables.push(self.table_ref(name, &v).await?);
        }
        let out = engine.sql(&checked, &tables).await.map_err(|e| ds_error(e, "query"))?;
        let fields: Vec<Value> = out.fields.iter().map(|fl| json!({"id": fl.id, "type": fl.ty.name()})).collect();
        let mut result = Map::new();
        result.insert("sql".into(), Value::String(sql));
        result.insert("fields".into(), Value::Array(fields));
        if out.truncated {
            result.insert("records_truncated".into(), Value::Bool(true));
        }
        let mut text = serde_json::to_string(&result).map_err(Error::internal)?;
        text.pop();
        text.push_str(",\"records\":");
        text.push_str(&out.records);
        text.push('}');
        Ok(text)
    }

    /// `datastore_delete`: drops the whole table (all versions) or, with
    /// `filters`, writes a new version without the matching rows.
    pub async fn datastore_delete(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        crate::require_user(actor, "datastore_delete")?;
        let map = f.map().clone();
        let id = f
            .text("resource_id", 200)
            .or_else(|| f.text("id", 200))
            .ok_or_else(|| Error::field("resource_id", "Missing value"))?;
        let (res, pkg) = self.readable_resource(actor, &id).await?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let filters = json_param(&map, "filters")?;
        match filters {
            None => {
                let mut tx = self.store().write().await?;
                let files = versions::delete_all(&mut tx, &res.id).await?;
                if files.is_empty() {
                    return Err(table_not_found(&id));
                }
                packages::refresh_doc(&mut tx, &pkg.id, self.site_url()).await?;
                self.commit(tx).await?;
                for file in files {
                    if let Err(e) = self.datastore().files.remove(&file).await {
                        tracing::warn!(file, error = %e, "could not remove a dropped table file");
                    }
                }
                Ok(json!({"resource_id": res.id}))
            }
            Some(Value::Object(o)) => {
                let mut query = RowQuery::default();
                for (k, val) in &o {
                    let values = match val {
                        Value::Array(a) => a.clone(),
                        other => vec![other.clone()],
                    };
                    query.filters.push((k.clone(), values));
                }
                let (_, current) = self.readable_table(actor, &res.id, None).await?;
                let table = self.table_ref(&res.id, &current).await?;
                let (deleted, kept) = self.write_without(&res, &current, &table, &query).await?;
                Ok(json!({"resource_id": res.id, "filters": o, "deleted": deleted, "count": kept}))
            }
            Some(_) => Err(Error::field("filters", "Must be a JSON object")),
        }
    }

    /// `datastore_create`: creates a resource's table from `fields` (and
    /// `records`), or adds fields and records to an existing one. With
    /// `resource` instead of `resource_id`, creates the resource first.
    pub async fn datastore_create(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        crate::require_user(actor, "datastore_create")?;
        let map = f.map().clone();
        let rid = match (f.text("resource_id", 200), map.get("resource")) {
            (Some(id), _) => id,
            (None, Some(Value::Object(r))) => {
                let mut r = r.clone();
                r.entry("url").or_insert(Value::String("_datastore_only_resource".into()));
                r.entry("url_type").or_insert(Value::String("datastore".into()));
                self.resource_create(actor, Fields::new(r), None).await?.id
            }
            _ => return Err(Error::field("resource_id", "Missing value (or give \"resource\" to create one)")),
        };
        let (res, pkg) = self.readable_resource(actor, &rid).await?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let records = records_param(&map)?;
        let mut given: Vec<Field> = match json_param(&map, "fields")? {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    let id = v
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| Error::field("fields", "Each field needs an \"id\""))?;
                    let ty = match v.get("type").and_then(Value::as_str) {
                        Some(t) => FieldType::parse(t).map_err(|e| ds_error(e, "fields"))?,
                        None => FieldType::Text,
                    };
                    Ok(Field { id: id.to_string(), ty, info: v.get("info").cloned() })
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::field("fields", "Must be a list of {\"id\", \"type\"}")),
        };
        let mut conn = self.store().conn().await?;
        let current = versions::current(&mut conn, &res.id).await?;
        drop(conn);
        let old_fields: Vec<Field> = match &current {
            Some(v) => serde_json::from_str(&v.fields).map_err(Error::internal)?,
            None => Vec::new(),
        };
        if given.is_empty() && current.is_none() {
            given = fields_from_records(&records);
            if given.is_empty() {
                return Err(Error::field("fields", "Give the table's fields (or records to guess them from)"));
            }
        }
        let fields = merge_fields(&old_fields, &given).map_err(|e| ds_error(e, "fields"))?;
        let old_pk: Vec<String> =
            current.as_ref().and_then(|v| serde_json::from_str(&v.primary_key).ok()).unwrap_or_default();
        let pk = match map.get("primary_key") {
            None | Some(Value::Null) => old_pk,
            Some(v) => name_list(v, "primary_key")?,
        };
        for k in &pk {
            if !fields.iter().any(|fl| &fl.id == k) {
                return Err(Error::field("primary_key", format!("\"{k}\" is not a field of the table")));
            }
        }
        let indexes = map.get("indexes").cloned().unwrap_or(Value::Array(Vec::new())).to_string();
        let outcome =
            self.write_version(&res, current.as_ref(), &fields, &records, Method::Insert, &pk, &indexes).await?;
        Ok(json!({
            "resource_id": res.id,
            "fields": fields.iter().map(|fl| json!({"id": fl.id, "type": fl.ty.name(), "info": fl.info})).collect::<Vec<_>>(),
            "primary_key": pk,
            "method": "insert",
            "count": outcome.rows,
        }))
    }

    /// `datastore_upsert`: records into a table by `method` (upsert,
    /// insert or update), matched on the primary key (or `_id`).
    pub async fn datastore_upsert(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        crate::require_user(actor, "datastore_upsert")?;
        let map = f.map().clone();
        let rid = f.text("resource_id", 200).ok_or_else(|| Error::field("resource_id", "Missing value"))?;
        let method = Method::parse(&f.text("method", 20).unwrap_or_else(|| "upsert".into()))
            .map_err(|e| ds_error(e, "method"))?;
        let (res, pkg) = self.readable_resource(actor, &rid).await?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let (_, current) = self.readable_table(actor, &res.id, None).await?;
        let records = records_param(&map)?;
        let fields: Vec<Field> = serde_json::from_str(&current.fields).map_err(Error::internal)?;
        let pk: Vec<String> = serde_json::from_str(&current.primary_key).unwrap_or_default();
        let outcome =
            self.write_version(&res, Some(&current), &fields, &records, method, &pk, &current.indexes).await?;
        Ok(json!({
            "resource_id": res.id,
            "method": method_name(method),
            "count": outcome.rows,
            "inserted": outcome.inserted,
            "updated": outcome.updated,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_version(
        &self,
        res: &ResourceRow,
        current: Option<&VersionRow>,
        fields: &[Field],
        records: &[Map<String, Value>],
        method: Method,
        pk: &[String],
        indexes: &str,
    ) -> Result<WriteOutcome> {
        let old = match current {
            Some(v) => Some(self.table_ref(&res.id, v).await?),
            None => None,
        };
        let (dest, file) = self.new_table_file(&res.id)?;
        let written =
            kho_datastore::write::write(&self.datastore().engine, old.as_ref(), fields, records, method, pk, &dest)
                .await
                .map_err(|e| ds_error(e, "records"));
        let outcome = match written {
            Ok(o) => o,
            Err(e) => {
                let _ = tokio::fs::remove_file(&dest).await;
                return Err(e);
            }
        };
        let row = VersionRow {
            resource_id: res.id.clone(),
            version: 0, // numbered by publish_version
            file,
            fields: serde_json::to_string(fields).map_err(Error::internal)?,
            primary_key: serde_json::to_string(pk).map_err(Error::internal)?,
            indexes: indexes.to_string(),
            row_count: outcome.rows as i64,
            bytes: std::fs::metadata(&dest).map(|m| m.len() as i64).unwrap_or(0),
            source: "api".into(),
            report: None,
            created: timefmt::now(),
            changes: current.map(|c| write_changes(c, fields, pk, &outcome)).transpose()?,
        };
        self.publish_version(row, &dest, Some(current.map(|v| v.version))).await?;
        Ok(outcome)
    }

    /// Writes a new version of a table without the rows `query` matches.
    async fn write_without(
        &self,
        res: &ResourceRow,
        current: &VersionRow,
        table: &TableRef,
        query: &RowQuery,
    ) -> Result<(u64, u64)> {
        let engine = &self.datastore().engine;
        let (dest, file) = self.new_table_file(&res.id)?;
        let written = engine.write_except(table, query, &dest).await.map_err(|e| ds_error(e, "filters"));
        let kept = match written {
            Ok(k) => k,
            Err(e) => {
                let _ = tokio::fs::remove_file(&dest).await;
                return Err(e);
            }
        };
        let deleted = (current.row_count as u64).saturating_sub(kept);
        let row = VersionRow {
            resource_id: res.id.clone(),
            version: 0, // numbered by publish_version
            file,
            fields: current.fields.clone(),
            primary_key: current.primary_key.clone(),
            indexes: current.indexes.clone(),
            row_count: kept as i64,
            bytes: std::fs::metadata(&dest).map(|m| m.len() as i64).unwrap_or(0),
            source: "api".into(),
            report: None,
            created: timefmt::now(),
            changes: Some(to_json(&Changes {
                compared_with: Some(current.version),
                rows_before: current.row_count.max(0) as u64,
                rows_after: kept,
                rows_removed: deleted,
                rows_unchanged: kept,
                ..Changes::default()
            })?),
        };
        self.publish_version(row, &dest, Some(Some(current.version))).await?;
        Ok((deleted, kept))
    }

    /// A new file name for a version of `resource_id`'s table: its path
    /// and its name relative to the datastore directory.
    fn new_table_file(&self, resource_id: &str) -> Result<(PathBuf, String)> {
        let dir = dir_name(resource_id);
        let abs_dir = self.datastore().files.dir().join(&dir);
        std::fs::create_dir_all(&abs_dir)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", abs_dir.display())))?;
        let file = format!("{dir}/{}.parquet", kho_store::new_id());
        Ok((self.datastore().files.dir().join(&file), file))
    }

    /// Records a complete file as the table's next version and returns
    /// its number, chosen in the same transaction. A write made from
    /// version `based_on` (`Some(None)`: from no table) is refused if
    /// another version was recorded meanwhile, since it would drop that
    /// version's changes; a load (`None`) replaces whatever is there. The
    /// file is removed again if the version cannot be recorded.
    async fn publish_version(&self, mut row: VersionRow, path: &Path, based_on: Option<Option<i64>>) -> Result<i64> {
        let conflict = || Error::field("records", "Another write to this table finished first; send yours again");
        let files = &self.datastore().files;
        let outcome = async {
            files.publish(&row.file).await.map_err(|e| ds_error(e, "datastore"))?;
            let mut tx = self.store().write().await?;
            let (_, pkg) = packages::find_resource(&mut tx, &row.resource_id)
                .await?
                .ok_or_else(|| table_not_found(&row.resource_id))?;
            let current = versions::current(&mut tx, &row.resource_id).await?.map(|v| v.version);
            if based_on.is_some_and(|b| b != current) {
                return Err(conflict());
            }
            row.version = current.unwrap_or(0) + 1;
            // A loaded file is validated next, queued with its version (no
            // window in which the table is new and its validation unknown).
            if based_on.is_none() {
                self.enqueue_validation_in(&mut tx, &row.resource_id).await?;
            }
            // On PostgreSQL two writers can both read the same current
            // version; the primary key lets only one of them record it.
            versions::insert(&mut tx, &row).await.map_err(|e| {
                let m = e.to_string();
                if m.contains("UNIQUE") || m.contains("duplicate key") { conflict() } else { e.into() }
            })?;
            packages::refresh_doc(&mut tx, &pkg.id, self.site_url()).await?;
            self.commit(tx).await?;
            self.wake_jobs();
            Ok(row.version)
        }
        .await;
        if outcome.is_err() {
            let _ = tokio::fs::remove_file(path).await;
            let _ = files.remove(&row.file).await;
        }
        outcome
    }

    /// Loads `src` into a new version of `resource_id`'s table (the job's
    /// and `kho datastore load`'s work). `progress` is updated as it goes.
    pub async fn datastore_load_file(
        &self,
        resource_id: &str,
        src: PathBuf,
        format: SourceFormat,
        opts: LoadOptions,
        progress: Arc<LoadProgress>,
    ) -> Result<(i64, LoadReport)> {
        let (dest, file) = self.new_table_file(resource_id)?;
        let tmp = dest.with_extension("parquet.tmp");
        let tmp_for_load = tmp.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            kho_datastore::ingest::load_file(&src, format, &opts, &tmp_for_load, &progress)
        })
        .await
        .map_err(|e| Error::internal(format!("the load stopped: {e}")))?;
        let report = match loaded {
            Ok(r) => r,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(ds_error(e, "upload"));
            }
        };
        tokio::fs::rename(&tmp, &dest).await.map_err(|e| Error::internal(format!("cannot publish table file: {e}")))?;
        let changes = self.load_changes(resource_id, &dest, &report).await;
        let row = VersionRow {
            resource_id: resource_id.to_string(),
            version: 0, // numbered by publish_version
            file,
            fields: serde_json::to_string(&report.fields).map_err(Error::internal)?,
            primary_key: "[]".into(),
            indexes: "[]".into(),
            row_count: report.rows as i64,
            bytes: std::fs::metadata(&dest).map(|m| m.len() as i64).unwrap_or(0),
            source: "upload".into(),
            report: serde_json::to_string(&report).ok(),
            created: timefmt::now(),
            changes,
        };
        let version = self.publish_version(row, &dest, None).await?;
        Ok((version, report))
    }

    /// What a freshly loaded file changes from the current version, as
    /// JSON; `None` for a first version, or if the comparison failed (the
    /// load stands: the report is an extra, not a condition).
    async fn load_changes(&self, resource_id: &str, new_file: &Path, report: &LoadReport) -> Option<String> {
        let current = {
            let mut conn = self.store().conn().await.ok()?;
            versions::current(&mut conn, resource_id).await.ok()??
        };
        let old = self.table_ref(resource_id, &current).await.ok()?;
        let new = TableRef {
            name: resource_id.to_string(),
            path: new_file.to_path_buf(),
            fields: report.fields.clone(),
            rows: Some(report.rows),
        };
        match self.datastore().engine.compare(&old, &new, &[]).await {
            Ok(mut c) => {
                c.compared_with = Some(current.version);
                serde_json::to_string(&c).ok()
            }
            Err(e) => {
                tracing::warn!(resource_id, error = %e, "could not compare the new table with the previous version");
                None
            }
        }
    }

    /// Enqueues the load of a resource's uploaded file, inside the
    /// resource's write transaction, if its format is a table's.
    pub(crate) async fn enqueue_datastore_load(
        &self,
        tx: &mut dyn kho_store::Handle,
        row: &ResourceRow,
    ) -> Result<bool> {
        if SourceFormat::detect(row.format.as_deref().unwrap_or(""), &row.url).is_none() {
            return Ok(false);
        }
        let payload = match &row.blob_sha256 {
            Some(sha) => json!({"sha256": sha}),
            // A link: the job fetches it.
            None if row.url.starts_with("http://") || row.url.starts_with("https://") => json!({"url": row.url}),
            None => return Ok(false),
        };
        let spec = JobSpec::new(LOAD_JOB, Some(&row.id), payload);
        self.enqueue_job_in(tx, &spec).await?;
        Ok(true)
    }

    /// Streams a table (or the rows matching a query) as a file.
    pub async fn datastore_dump(&self, actor: &Actor, id: &str, mut f: Fields) -> Result<Dump> {
        let format = DumpFormat::parse(f.text("format", 20).as_deref()).map_err(|e| ds_error(e, "format"))?;
        let bom = f.bool("bom").unwrap_or(false);
        let version = f.int("version");
        let mut map = f.map().clone();
        map.insert("resource_id".into(), Value::String(id.to_string()));
        let p = SearchParams::parse(Fields::new(map), usize::MAX)?;
        let (res, v) = self.readable_table(actor, id, version).await?;
        let table = self.table_ref(&res.id, &v).await?;
        let limit = f.int("limit").filter(|n| *n >= 0).map(|n| n as usize);
        let (stream, fields) = self
            .datastore()
            .engine
            .stream_page(&table, &p.query, p.offset, limit)
            .await
            .map_err(|e| ds_error(e, "query"))?;
        let mut encoder = DumpEncoder::new(format, fields, stream.schema(), bom).map_err(|e| ds_error(e, "format"))?;
        let head = encoder.start().map_err(|e| ds_error(e, "format"))?;
        let state = (stream, encoder, false);
        let body = futures_util::stream::once(async move { Ok(bytes::Bytes::from(head)) }).chain(
            futures_util::stream::unfold(state, |(mut stream, mut enc, done)| async move {
                if done {
                    return None;
                }
                match stream.next().await {
                    Some(Ok(batch)) => {
                        let out = enc.batch(&batch).map_err(|e| std::io::Error::other(e.to_string()));
                        Some((out.map(bytes::Bytes::from), (stream, enc, false)))
                    }
                    Some(Err(e)) => Some((Err(std::io::Error::other(e.to_string())), (stream, enc, true))),
                    None => {
                        let out = enc.finish().map_err(|e| std::io::Error::other(e.to_string()));
                        Some((out.map(bytes::Bytes::from), (stream, enc, true)))
                    }
                }
            }),
        );
        let base = res.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| res.id.clone());
        let base = kho_files::safe_filename(&base).unwrap_or_else(|| res.id.clone());
        let base = base.rsplit_once('.').map(|(b, _)| b.to_string()).unwrap_or(base);
        Ok(Dump {
            filename: format!("{base}.{}", format.extension()),
            content_type: format.content_type(),
            body: Box::pin(body),
        })
    }

    /// Removes table files no version names (left by a crash between
    /// writing a file and recording it). Returns how many were removed.
    pub async fn datastore_collect_orphans(&self) -> Result<usize> {
        let mut conn = self.store().conn().await?;
        let live: std::collections::HashSet<String> = versions::all_files(&mut conn).await?.into_iter().collect();
        drop(conn);
        // Files younger than a day may belong to a write still running,
        // here or on another node sharing the bucket.
        let files = &self.datastore().files;
        let old = files
            .list_older_than(std::time::Duration::from_secs(24 * 3600))
            .await
            .map_err(|e| ds_error(e, "datastore"))?;
        let mut removed = 0;
        for name in old.iter().filter(|n| !live.contains(n.as_str())) {
            match files.remove(name).await {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(file = name, error = %e, "could not remove an orphaned table file"),
            }
        }
        Ok(removed)
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Insert => "insert",
        Method::Update => "update",
        Method::Upsert => "upsert",
    }
}

/// `records`: a list of objects (or a JSON string of one).
fn records_param(map: &Map<String, Value>) -> Result<Vec<Map<String, Value>>> {
    match json_param(map, "records")? {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Object(o) => Ok(o),
                _ => Err(Error::field("records", format!("Record {} is not an object", i + 1))),
            })
            .collect(),
        Some(_) => Err(Error::field("records", "Must be a list of objects")),
    }
}

/// Field types guessed from records' JSON values (CKAN does the same when
/// `datastore_create` gets records without fields).
fn fields_from_records(records: &[Map<String, Value>]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for r in records {
        for (k, v) in r {
            let ty = match v {
                Value::Bool(_) => FieldType::Bool,
                Value::Number(n) if n.is_i64() => FieldType::Int,
                Value::Number(_) => FieldType::Numeric,
                Value::Array(_) | Value::Object(_) => FieldType::Json,
                _ => FieldType::Text,
            };
            match out.iter_mut().find(|f| &f.id == k) {
                Some(f) if f.ty == FieldType::Int && ty == FieldType::Numeric => f.ty = FieldType::Numeric,
                Some(f) if f.ty != ty && !v.is_null() && !(f.ty == FieldType::Numeric && ty == FieldType::Int) => {
                    f.ty = FieldType::Text
                }
                Some(_) => {}
                None => out.push(Field::new(k.clone(), if v.is_null() { FieldType::Text } else { ty })),
            }
        }
    }
    out
}

fn format_name(f: RecordsFormat) -> &'static str {
    match f {
        RecordsFormat::Objects => "objects",
        RecordsFormat::Lists => "lists",
        RecordsFormat::Csv => "csv",
        RecordsFormat::Tsv => "tsv",
    }
}

fn percent(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Registers the datastore's job handlers.
pub fn register_jobs(registry: &mut Registry) {
    registry.register(LOAD_JOB, Arc::new(|ctx| Box::pin(run_load(ctx))));
}

/// Removes a temporary file (a fetched link, a table written out for
/// validation) when dropped, however the work using it ended.
pub(crate) struct RemoveOnDrop(pub(crate) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether fetching again could help: not for a refused address, a bad
/// URL, a file too large or a 4xx answer; yes for the network, time-outs
/// and 5xx answers.
fn fetch_failure(e: kho_fetch::FetchError) -> JobFailure {
    use kho_fetch::FetchError as F;
    let message = format!("cannot fetch the linked file: {e}");
    match e {
        F::BadUrl(_) | F::Forbidden(_) | F::TooLarge { .. } | F::TooManyRedirects(_) => JobFailure::Fatal(message),
        F::Status { status, .. } if status < 500 => JobFailure::Fatal(message),
        _ => JobFailure::Retry(message),
    }
}

/// Sets a load's cancel flag when the job's attempt is dropped (its
/// worker lost the lease or is shutting down), so the blocking load stops.
struct CancelOnDrop(Arc<LoadProgress>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel.store(true, Ordering::Relaxed);
    }
}

async fn run_load(ctx: JobContext) -> std::result::Result<(), JobFailure> {
    let Some(resource_id) = ctx.subject.clone() else {
        return Err(JobFailure::Fatal("the job names no resource".into()));
    };
    let sha = ctx.payload.get("sha256").and_then(Value::as_str).map(str::to_string);
    let link = ctx.payload.get("url").and_then(Value::as_str).map(str::to_string);
    let mut conn = ctx.catalog.store().conn().await?;
    let found = packages::find_resource(&mut conn, &resource_id).await?;
    drop(conn);
    let Some((res, _)) = found else { return Ok(()) };
    // A newer upload or link (with its own job) or a deletion supersedes this one.
    let current = match (&sha, &link) {
        (Some(sha), _) => res.blob_sha256.as_deref() == Some(sha.as_str()),
        (None, Some(url)) => res.blob_sha256.is_none() && res.url == *url,
        (None, None) => false,
    };
    if res.state == "deleted" || !current {
        return Ok(());
    }
    let Some(format) = SourceFormat::detect(res.format.as_deref().unwrap_or(""), &res.url) else {
        return Err(JobFailure::Fatal(format!("format {:?} is not a table format", res.format)));
    };
    // A linked file is fetched beside the tables (a leftover is collected
    // with orphaned table files) and removed once loaded.
    let mut fetched = None;
    let src = match (&sha, &link) {
        (Some(sha), _) => ctx.catalog.files().path_of(sha).map_err(|e| JobFailure::Fatal(e.to_string()))?,
        (None, Some(url)) => {
            let dir = ctx.catalog.datastore().scratch_dir();
            tokio::fs::create_dir_all(&dir).await.map_err(|e| JobFailure::Retry(e.to_string()))?;
            let dest = dir.join(format!("{}.tmp", dir_name(&ctx.id)));
            ctx.progress(0, None, Some("fetching the linked file")).await.ok();
            match ctx.catalog.inner.fetcher.to_file(url, &dest).await {
                Ok(f) => tracing::info!(resource_id, url, bytes = f.bytes, "fetched a linked file"),
                Err(e) => return Err(fetch_failure(e)),
            }
            fetched = Some(RemoveOnDrop(dest.clone()));
            dest
        }
        (None, None) => return Err(JobFailure::Fatal("the job names no file".into())),
    };
    let _fetched = fetched;
    let progress = Arc::new(LoadProgress::default());
    let _cancel = CancelOnDrop(progress.clone());
    let load = ctx.catalog.datastore_load_file(&resource_id, src, format, LoadOptions::default(), progress.clone());
    tokio::pin!(load);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            r = &mut load => {
                let outcome = match r {
                    Ok(_) => Ok(()),
                    Err(e @ (Error::Validation(_) | Error::TooLarge(_) | Error::BadRequest(_))) => {
                        Err(JobFailure::Fatal(e.to_string()))
                    }
                    Err(e) => Err(JobFailure::Retry(e.to_string())),
                };
                // A loaded table's validation was queued with its version;
                // a file that would not load is validated too, so its
                // publisher learns what is wrong.
                if matches!(outcome, Err(JobFailure::Fatal(_)))
                    && let Err(e) = ctx.catalog.enqueue_validation(&resource_id).await
                {
                    tracing::warn!(resource_id, error = %e, "could not queue the validation of a loaded table");
                }
                return outcome;
            }
            _ = tick.tick() => {
                let done = progress.done.load(Ordering::Relaxed) as i64;
                let total = progress.total.load(Ordering::Relaxed) as i64;
                let note = format!(
                    "pass {}: {} rows",
                    progress.pass.load(Ordering::Relaxed),
                    progress.rows.load(Ordering::Relaxed)
                );
                if let Ok(false) = ctx.progress(done, Some(total), Some(&note)).await {
                    progress.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}
