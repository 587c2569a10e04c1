//! Validation of tabular resources against their Table Schema (issue 7),
//! in the background after every load and on demand, with
//! ckanext-validation's actions (`resource_validation_show`,
//! `resource_validation_run`) and the dataset as a Frictionless Data
//! Package (`datapackage_show`, `/dataset/{name}/datapackage.json`).
//!
//! Which file is validated: an uploaded CSV/TSV file as uploaded (so
//! structural errors — blank or ragged rows, duplicate labels — are seen as
//! frictionless would see them); any other table (a spreadsheet, JSON, a
//! linked file) as its current datastore table, written out as CSV. The
//! schema is the resource's `schema` (set by the publisher, checked when it
//! is written); without one, a schema is inferred from the file and kept
//! with the validation, and `package_show` shows it as the resource's
//! `schema` with `schema_source: "inferred"` until the publisher sets one.
//!
//! Foreign keys to other resources (`"reference": {"resource": "…"}`)
//! name a resource of the same dataset by id, name or Data Package name
//! (see [`package_resource_name`]); its values are read from its own file
//! (as validation reads it), typed by its own schema. References are read
//! one level deep, so cycles between resources cannot recurse; when a
//! table's file changes, the tables referencing it are validated again.

use crate::datastore::RemoveOnDrop;
use crate::jobs::{JobContext, JobFailure, JobSpec, Registry};
use crate::{Catalog, Error, Result};
use kho_core::authz::{Actor, Permission, authorize};
use kho_core::input::Fields;
use kho_core::model::Package;
use kho_core::timefmt;
use kho_datastore::ingest::SourceFormat;
use kho_store::Handle;
use kho_store::datastore as versions;
use kho_store::packages::{self, ResourceRow};
use kho_store::validations::{self, ValidationRow};
use kho_validate::{Schema, ValidateOptions};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The job kind that validates one resource (the subject).
pub const VALIDATE_JOB: &str = "resource_validate";

/// Errors listed in a stored report (all are counted).
const REPORT_ERRORS: usize = 1000;

/// Checks a resource's `schema` (already a JSON object if present) against
/// the Table Schema rules; the error names the field, as CKAN's do.
pub(crate) fn check_schema(extras: &Map<String, Value>) -> Result<()> {
    let Some(v) = extras.get("schema") else { return Ok(()) };
    let schema = Schema::from_value(v).map_err(|e| Error::field("schema", format!("Invalid Table Schema: {e}")))?;
    schema.check().map_err(|e| Error::field("schema", format!("Invalid Table Schema: {e}")))
}

/// The resource's own (publisher's) schema, if any.
fn publisher_schema(row: &ResourceRow) -> Option<Value> {
    let extras: Map<String, Value> = serde_json::from_str(&row.extras).ok()?;
    extras.get("schema").filter(|v| !v.is_null()).cloned()
}

/// When a client sends back the schema Kho inferred (as `package_show`
/// showed it) for a resource whose publisher never set one, it stays an
/// inferred schema: dropped from the new row, so a new file is inferred
/// afresh instead of being held to a schema nobody chose.
pub(crate) async fn keep_inferred(conn: &mut dyn Handle, old: &ResourceRow, new: &mut ResourceRow) -> Result<()> {
    if publisher_schema(old).is_some() {
        return Ok(());
    }
    let Some(sent) = publisher_schema(new) else { return Ok(()) };
    let inferred = validations::get(conn, &old.id)
        .await?
        .and_then(|v| v.inferred_schema)
        .and_then(|s| serde_json::from_str::<Value>(&s).ok());
    if inferred.as_ref() == Some(&sent) {
        let mut extras: Map<String, Value> = serde_json::from_str(&new.extras).unwrap_or_default();
        extras.remove("schema");
        new.extras = serde_json::to_string(&extras).map_err(Error::internal)?;
    }
    Ok(())
}

/// Whether a resource is a table Kho validates.
pub(crate) fn is_table(row: &ResourceRow) -> bool {
    SourceFormat::detect(row.format.as_deref().unwrap_or(""), &row.url).is_some()
}

/// Whether a write changed what a validation depends on without starting
/// a load (a load validates when it is done): the schema.
pub(crate) fn schema_changed(old: &ResourceRow, new: &ResourceRow) -> bool {
    publisher_schema(old) != publisher_schema(new)
}

/// The resource an action names: `resource_id` (ckanext-validation's
/// parameter) or `id`.
fn resource_id_param(f: &mut Fields) -> Result<String> {
    f.text("resource_id", 200).or_else(|| f.text("id", 200)).ok_or_else(|| Error::field("resource_id", "Missing value"))
}

/// The name of a resource in the dataset's Data Package: its name made a
/// Data Package name (lower case, `a-z0-9._-`), or its id when it has no
/// usable name. Foreign keys may reference a resource by this name.
pub fn package_resource_name(name: Option<&str>, id: &str) -> String {
    let slug = name.map(kho_core::names::slugify).unwrap_or_default();
    if slug.is_empty() { id.to_string() } else { slug }
}

impl Catalog {
    /// Queues a validation of `resource_id` inside a write transaction.
    pub(crate) async fn enqueue_validation_in(&self, tx: &mut dyn Handle, resource_id: &str) -> Result<()> {
        self.enqueue_validation_because(tx, resource_id, json!({})).await
    }

    /// Queues a validation with a payload saying why (`{"cause":
    /// "reference"}`: a table it references changed).
    async fn enqueue_validation_because(
        &self,
        tx: &mut dyn Handle,
        resource_id: &str,
        mut payload: Value,
    ) -> Result<()> {
        let now = timefmt::now();
        validations::queue(tx, resource_id, &now).await?;
        // The job runs only if no later request superseded it (see run_validation).
        payload["queued"] = Value::String(now);
        let spec = JobSpec::new(VALIDATE_JOB, Some(resource_id), payload);
        self.enqueue_job_in(tx, &spec).await?;
        Ok(())
    }

    /// Queues a validation of `resource_id` and refreshes its dataset's
    /// document (which shows the queued state).
    pub async fn enqueue_validation(&self, resource_id: &str) -> Result<()> {
        self.enqueue_validation_for(resource_id, json!({})).await
    }

    async fn enqueue_validation_for(&self, resource_id: &str, payload: Value) -> Result<()> {
        let mut tx = self.store().write().await?;
        let Some((res, pkg)) = packages::find_resource(&mut tx, resource_id).await? else { return Ok(()) };
        if res.state == "deleted" || !is_table(&res) {
            return Ok(());
        }
        self.enqueue_validation_because(&mut tx, resource_id, payload).await?;
        packages::refresh_doc(&mut tx, &pkg.id, self.site_url()).await?;
        self.commit(tx).await?;
        self.wake_jobs();
        Ok(())
    }

    /// `resource_validation_show` {resource_id}: the latest validation of a
    /// resource the actor may read (ckanext-validation's shape, plus the
    /// counts and the schema used).
    pub async fn resource_validation_show(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let id = resource_id_param(&mut f)?;
        let mut conn = self.store().conn().await?;
        let not_found = || Error::not_found("No validation report exists for this resource");
        let (res, pkg) = packages::find_resource(&mut conn, &id).await?.ok_or_else(not_found)?;
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| not_found())?;
        if res.state == "deleted" {
            return Err(not_found());
        }
        let v = validations::get(&mut conn, &id).await?.ok_or_else(not_found)?;
        Ok(validation_json(&v, &res))
    }

    /// `resource_validation_run` {resource_id}: validates a resource again
    /// (in the background); needs the right to edit its dataset.
    pub async fn resource_validation_run(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        crate::require_user(actor, "resource_validation_run")?;
        let id = resource_id_param(&mut f)?;
        let mut tx = self.store().write().await?;
        let not_found = || Error::not_found("Resource was not found.");
        let (res, pkg) = packages::find_resource(&mut tx, &id).await?.ok_or_else(not_found)?;
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| not_found())?;
        if res.state == "deleted" {
            return Err(not_found());
        }
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        if !is_table(&res) {
            return Err(Error::field(
                "resource_id",
                "This resource is not a table (CSV, TSV, XLSX, XLS, ODS, JSON, GeoJSON or Parquet); there is nothing to validate",
            ));
        }
        self.enqueue_validation_in(&mut tx, &id).await?;
        packages::refresh_doc(&mut tx, &pkg.id, self.site_url()).await?;
        let v = validations::get(&mut tx, &id).await?.ok_or_else(not_found)?;
        self.commit(tx).await?;
        self.wake_jobs();
        Ok(validation_json(&v, &res))
    }

    /// `datapackage_show` {id}: a dataset the actor may read as a
    /// Frictionless Data Package (v2): its metadata, and each resource with
    /// its path, format, size, hash and Table Schema.
    pub async fn datapackage_show(&self, actor: &Actor, id: &str) -> Result<Value> {
        let pkg = self.package_show(actor, id).await?;
        Ok(datapackage(&pkg, self.site_url()))
    }
}

/// A validation as the API returns it.
pub fn validation_json(v: &ValidationRow, res: &ResourceRow) -> Value {
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
    let schema_source = if publisher_schema(res).is_some() {
        "publisher"
    } else if v.inferred_schema.is_some() {
        "inferred"
    } else {
        "none"
    };
    let valid_share = match (v.row_count, v.invalid_rows) {
        (Some(rows), Some(bad)) if rows > 0 => Some(((rows - bad).max(0) as f64) / rows as f64),
        (Some(0), _) => Some(1.0),
        _ => None,
    };
    json!({
        "id": v.resource_id,
        "resource_id": v.resource_id,
        "status": v.status,
        "created": v.created,
        "finished": v.finished,
        "source": v.source,
        "schema_source": schema_source,
        "schema": publisher_schema(res).or_else(|| parse(&v.inferred_schema)),
        "rows": v.row_count,
        "invalid_rows": v.invalid_rows,
        "error_count": v.error_count,
        "valid_rows_share": valid_share,
        "error": v.error,
        "report": parse(&v.report),
    })
}

/// A dataset as a Data Package (v2) descriptor.
pub fn datapackage(pkg: &Package, site_url: &str) -> Value {
    let base = site_url.trim_end_matches('/');
    let mut names = std::collections::HashSet::new();
    let resources: Vec<Value> = pkg
        .resources
        .iter()
        .map(|r| {
            let mut name = package_resource_name(r.name.as_deref(), &r.id);
            if !names.insert(name.clone()) {
                name = format!("{name}-{}", r.position + 1);
                names.insert(name.clone());
            }
            let mut d = Map::new();
            d.insert("name".into(), json!(name));
            d.insert("id".into(), json!(r.id));
            d.insert("path".into(), json!(r.url));
            if let Some(t) = r.name.as_deref().filter(|t| !t.is_empty()) {
                d.insert("title".into(), json!(t));
            }
            if let Some(t) = r.description.as_deref().filter(|t| !t.is_empty()) {
                d.insert("description".into(), json!(t));
            }
            if let Some(f) = r.format.as_deref().filter(|f| !f.is_empty()) {
                d.insert("format".into(), json!(f.to_lowercase()));
            }
            if let Some(m) = r.mimetype.as_deref().filter(|m| !m.is_empty()) {
                d.insert("mediatype".into(), json!(m));
            }
            if let Some(size) = r.size {
                d.insert("bytes".into(), json!(size));
            }
            // Data Package hashes are MD5 unless prefixed; Kho's are SHA-256.
            if let Some(h) = r.hash.as_deref().filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())) {
                d.insert("hash".into(), json!(format!("sha256:{h}")));
            }
            if let Some(schema) = r.extras.get("schema").filter(|s| s.is_object()) {
                d.insert("type".into(), json!("table"));
                d.insert("schema".into(), schema.clone());
            }
            Value::Object(d)
        })
        .collect();
    let mut d = Map::new();
    d.insert("$schema".into(), json!("https://datapackage.org/profiles/2.0/datapackage.json"));
    d.insert("name".into(), json!(pkg.name));
    d.insert("id".into(), json!(format!("{base}/dataset/{}", pkg.id)));
    d.insert("title".into(), json!(pkg.title));
    if let Some(n) = pkg.notes.as_deref().filter(|n| !n.is_empty()) {
        d.insert("description".into(), json!(n));
    }
    d.insert("homepage".into(), json!(format!("{base}/dataset/{}", pkg.name)));
    if let Some(v) = pkg.version.as_deref().filter(|v| !v.is_empty()) {
        d.insert("version".into(), json!(v));
    }
    d.insert("created".into(), json!(format!("{}Z", pkg.metadata_created.trim_end_matches('Z'))));
    if !pkg.tags.is_empty() {
        d.insert("keywords".into(), json!(pkg.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()));
    }
    if let Some(l) = pkg.license_id.as_deref().filter(|l| !l.is_empty()) {
        let mut lic = Map::new();
        lic.insert("name".into(), json!(l));
        if let Some(t) = &pkg.license_title {
            lic.insert("title".into(), json!(t));
        }
        if let Some(u) = &pkg.license_url {
            lic.insert("path".into(), json!(u));
        }
        d.insert("licenses".into(), json!([lic]));
    }
    if let Some(org) = &pkg.organization {
        d.insert(
            "contributors".into(),
            json!([{"title": org.title, "roles": ["publisher"], "path": format!("{base}/organization/{}", org.name)}]),
        );
    }
    d.insert("resources".into(), Value::Array(resources));
    Value::Object(d)
}

/// Registers the validation job.
pub fn register_jobs(registry: &mut Registry) {
    registry.register(VALIDATE_JOB, Arc::new(|ctx| Box::pin(run_validation(ctx))));
}

/// What a validation reads: a file, what it is (for the record and for
/// noticing a newer file), and the temporary copy to remove afterwards.
struct Source {
    path: PathBuf,
    label: String,
    _temp: Option<RemoveOnDrop>,
}

impl Catalog {
    /// The file to validate for a resource: its upload when that is
    /// delimited text, otherwise its current table written out as CSV.
    /// `None` when there is neither (the load failed or has not run).
    async fn validation_source(&self, res: &ResourceRow, tag: &str) -> Result<Option<Source>> {
        let format = SourceFormat::detect(res.format.as_deref().unwrap_or(""), &res.url);
        if let (Some(sha), Some(SourceFormat::Csv | SourceFormat::Tsv)) = (&res.blob_sha256, format) {
            let path = self.files().path_of(sha).map_err(|e| Error::internal(e.to_string()))?;
            return Ok(Some(Source { path, label: format!("upload:{sha}"), _temp: None }));
        }
        let current = {
            let mut conn = self.store().conn().await?;
            versions::current(&mut conn, &res.id).await?
        };
        let Some(v) = current else { return Ok(None) };
        let fields: Vec<Value> = serde_json::from_str(&v.fields).unwrap_or_default();
        let names: Vec<Value> = fields
            .iter()
            .filter_map(|f| f.get("id").and_then(Value::as_str))
            .filter(|n| *n != "_id")
            .map(|n| Value::String(n.to_string()))
            .collect();
        let dir = self.datastore().scratch_dir();
        tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::internal(format!("cannot create {dir:?}: {e}")))?;
        let path = dir.join(format!("validate-{tag}-{}.csv", res.id));
        let temp = RemoveOnDrop(path.clone());
        let mut map = Map::new();
        map.insert("format".into(), json!("csv"));
        map.insert("version".into(), json!(v.version));
        map.insert("fields".into(), Value::Array(names));
        let dump = self.datastore_dump(&Actor::system(), &res.id, Fields::new(map)).await?;
        write_stream(&path, dump.body).await?;
        Ok(Some(Source { path, label: format!("datastore:{}", v.version), _temp: Some(temp) }))
    }
}

impl Catalog {
    /// The other resources of the dataset that `schema`'s foreign keys
    /// reference, with their files and schemas. `Err(Ok(message))` when a
    /// reference names no resource of the dataset (the validation's
    /// error); `Err(Err(e))` when the database or a file failed.
    async fn referenced(
        &self,
        res: &ResourceRow,
        schema: Option<&Schema>,
        tag: &str,
    ) -> std::result::Result<Vec<Referenced>, std::result::Result<String, Error>> {
        let Some(schema) = schema else { return Ok(Vec::new()) };
        let mut wanted: Vec<(String, Vec<Vec<String>>)> = Vec::new();
        for fk in schema.foreign_keys.iter().filter(|f| !f.reference.resource.is_empty()) {
            match wanted.iter_mut().find(|(n, _)| *n == fk.reference.resource) {
                Some((_, keys)) => keys.push(fk.reference.fields.clone()),
                None => wanted.push((fk.reference.resource.clone(), vec![fk.reference.fields.clone()])),
            }
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let siblings = {
            let mut conn = self.store().conn().await.map_err(|e| Err(e.into()))?;
            packages::resources(&mut conn, &res.package_id, false).await.map_err(|e| Err(e.into()))?
        };
        let mut out = Vec::new();
        for (name, keys) in wanted {
            let Some(target) = siblings.iter().find(|r| {
                r.id == name
                    || r.name.as_deref() == Some(name.as_str())
                    || package_resource_name(r.name.as_deref(), &r.id) == name
            }) else {
                return Err(Ok(format!(
                    "a foreign key references \"{name}\", which is not a resource of this dataset (name it by its id, its name or its name in datapackage.json)"
                )));
            };
            let source = self.validation_source(target, &format!("{tag}-ref")).await.map_err(Err)?;
            let Some(source) = source else {
                return Err(Ok(format!(
                    "the referenced resource \"{name}\" has no table yet (its file has not been loaded)"
                )));
            };
            // Its own schema types its values: the publisher's, or the one
            // inferred when it was validated (inferred again otherwise).
            let schema = match publisher_schema(target) {
                Some(v) => Schema::from_value(&v).ok(),
                None => {
                    let mut conn = self.store().conn().await.map_err(|e| Err(e.into()))?;
                    validations::get(&mut conn, &target.id)
                        .await
                        .map_err(|e| Err(e.into()))?
                        .and_then(|v| v.inferred_schema)
                        .and_then(|s| Schema::from_json(&s).ok())
                }
            };
            out.push(Referenced { name, source, schema, keys });
        }
        Ok(out)
    }

    /// Queues the validations of the dataset's other resources whose
    /// foreign keys reference `res` (its values changed).
    async fn revalidate_dependents(&self, res: &ResourceRow) -> Result<()> {
        let siblings = {
            let mut conn = self.store().conn().await?;
            packages::resources(&mut conn, &res.package_id, false).await?
        };
        let names =
            [res.id.clone(), res.name.clone().unwrap_or_default(), package_resource_name(res.name.as_deref(), &res.id)];
        for other in siblings.iter().filter(|r| r.id != res.id) {
            let Some(schema) = publisher_schema(other).and_then(|v| Schema::from_value(&v).ok()) else { continue };
            let depends = schema
                .foreign_keys
                .iter()
                .any(|fk| !fk.reference.resource.is_empty() && names.contains(&fk.reference.resource));
            if depends {
                self.enqueue_validation_for(&other.id, json!({"cause": "reference"})).await?;
            }
        }
        Ok(())
    }
}

async fn write_stream(
    path: &Path,
    mut body: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = std::result::Result<bytes::Bytes, std::io::Error>> + Send>,
    >,
) -> Result<()> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let io = |e: std::io::Error| Error::internal(format!("cannot write {path:?}: {e}"));
    let mut out = tokio::fs::File::create(path).await.map_err(io)?;
    while let Some(chunk) = body.next().await {
        out.write_all(&chunk.map_err(io)?).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    Ok(())
}

/// What a validation found, ready to store.
struct Outcome {
    status: &'static str,
    inferred: Option<String>,
    report: Option<String>,
    error: Option<String>,
    rows: Option<i64>,
    invalid_rows: Option<i64>,
    errors: Option<i64>,
}

impl Outcome {
    fn failed(message: String) -> Outcome {
        Outcome {
            status: "error",
            inferred: None,
            report: None,
            error: Some(message),
            rows: None,
            invalid_rows: None,
            errors: None,
        }
    }
}

/// A referenced resource to read the keys of: its file and schema.
struct Referenced {
    /// The name the foreign keys use for it.
    name: String,
    source: Source,
    schema: Option<Schema>,
    keys: Vec<Vec<String>>,
}

/// Reads the referenced tables' keys (blocking).
fn read_references(refs: &[Referenced]) -> std::result::Result<kho_validate::ReferenceTables, String> {
    let mut tables = kho_validate::ReferenceTables::new();
    for r in refs {
        let t = kho_validate::ReferenceTable::from_csv(
            &r.source.path,
            r.schema.as_ref(),
            &r.keys,
            &ValidateOptions::default(),
        )
        .map_err(|e| format!("cannot read the referenced resource \"{}\": {e}", r.name))?;
        tables.insert(r.name.clone(), t);
    }
    Ok(tables)
}

/// Validates a file (blocking: run it off the async threads).
fn validate_file(path: &Path, schema: Option<Schema>, refs: &[Referenced]) -> Outcome {
    let references = match read_references(refs) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e),
    };
    let (schema, inferred) = match schema {
        Some(s) => (s, None),
        None => match kho_validate::infer_file(path, &kho_validate::InferOptions::default()) {
            Ok(s) => {
                let text = s.to_json();
                (s, Some(text))
            }
            Err(e) => return Outcome::failed(format!("cannot read the file as a table: {e}")),
        },
    };
    let opts = ValidateOptions { limit_errors: REPORT_ERRORS, references, ..Default::default() };
    match kho_validate::validate_csv(path, Some(&schema), &opts) {
        Ok(report) => Outcome {
            status: if report.valid { "success" } else { "failure" },
            inferred,
            report: serde_json::to_string(&report).ok(),
            error: None,
            rows: Some(report.stats.rows as i64),
            invalid_rows: Some(report.stats.invalid_rows as i64),
            errors: Some(report.stats.errors as i64),
        },
        Err(e) => Outcome { inferred, ..Outcome::failed(e.to_string()) },
    }
}

async fn run_validation(ctx: JobContext) -> std::result::Result<(), JobFailure> {
    let retry = |e: Error| JobFailure::Retry(e.to_string());
    let Some(resource_id) = ctx.subject.clone() else {
        return Err(JobFailure::Fatal("the job names no resource".into()));
    };
    let catalog = &ctx.catalog;
    let found = {
        let mut conn = catalog.store().conn().await.map_err(|e| retry(e.into()))?;
        packages::find_resource(&mut conn, &resource_id).await.map_err(|e| retry(e.into()))?
    };
    let Some((res, pkg)) = found else { return Ok(()) };
    if res.state == "deleted" {
        return Ok(());
    }
    if !is_table(&res) {
        // No longer a table: its old report would mislead.
        let mut tx = catalog.store().write().await.map_err(|e| retry(e.into()))?;
        validations::delete(&mut tx, &resource_id).await.map_err(|e| retry(e.into()))?;
        packages::refresh_doc(&mut tx, &pkg.id, catalog.site_url()).await.map_err(|e| retry(e.into()))?;
        catalog.commit(tx).await.map_err(retry)?;
        return Ok(());
    }
    // Several requests in a row (an upload, then a schema edit, then a
    // button press) leave several jobs: only the latest validates.
    if let Some(queued) = ctx.payload.get("queued").and_then(Value::as_str) {
        let mut tx = catalog.store().write().await.map_err(|e| retry(e.into()))?;
        let current = validations::start(&mut tx, &resource_id, queued).await.map_err(|e| retry(e.into()))?;
        tx.commit().await.map_err(|e| retry(e.into()))?;
        if !current {
            return Ok(());
        }
    }
    ctx.progress(0, None, Some("validating")).await.ok();
    let schema = match publisher_schema(&res).map(|v| Schema::from_value(&v)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            return store(&ctx, &res, None, Outcome::failed(format!("the resource's Table Schema is invalid: {e}")))
                .await;
        }
    };
    let source = catalog.validation_source(&res, &ctx.id).await.map_err(retry)?;
    let Some(source) = source else {
        let outcome = Outcome::failed(
            "the file could not be read as a table (see the datastore load's error); upload a corrected file".into(),
        );
        return store(&ctx, &res, None, outcome).await;
    };
    let refs = match catalog.referenced(&res, schema.as_ref(), &ctx.id).await {
        Ok(r) => r,
        Err(Ok(message)) => return store(&ctx, &res, Some(&source), Outcome::failed(message)).await,
        Err(Err(e)) => return Err(retry(e)),
    };
    let path = source.path.clone();
    let outcome = tokio::task::spawn_blocking(move || validate_file(&path, schema, &refs))
        .await
        .map_err(|e| JobFailure::Retry(format!("the validation stopped: {e}")))?;
    store(&ctx, &res, Some(&source), outcome).await
}

/// Records a validation's outcome, unless the resource changed meanwhile
/// (a newer validation, queued by that change, will record its own).
async fn store(
    ctx: &JobContext,
    validated: &ResourceRow,
    source: Option<&Source>,
    o: Outcome,
) -> std::result::Result<(), JobFailure> {
    let retry = |e: Error| JobFailure::Retry(e.to_string());
    let catalog = &ctx.catalog;
    let mut tx = catalog.store().write().await.map_err(|e| retry(e.into()))?;
    let Some((now_row, pkg)) = packages::find_resource(&mut tx, &validated.id).await.map_err(|e| retry(e.into()))?
    else {
        return Ok(());
    };
    let current_version = versions::current(&mut tx, &validated.id).await.map_err(|e| retry(e.into()))?;
    let stale = now_row.blob_sha256 != validated.blob_sha256
        || now_row.url != validated.url
        || publisher_schema(&now_row) != publisher_schema(validated)
        || source.is_some_and(|s| {
            s.label.starts_with("datastore:")
                && Some(s.label.as_str())
                    != current_version.as_ref().map(|v| format!("datastore:{}", v.version)).as_deref()
        });
    if stale || now_row.state == "deleted" {
        return Ok(());
    }
    let row = ValidationRow {
        resource_id: validated.id.clone(),
        status: o.status.into(),
        created: validations::get(&mut tx, &validated.id)
            .await
            .map_err(|e| retry(e.into()))?
            .map(|v| v.created)
            .unwrap_or_else(timefmt::now),
        finished: Some(timefmt::now()),
        source: source.map(|s| s.label.clone()),
        inferred_schema: o.inferred,
        report: o.report,
        error: o.error,
        row_count: o.rows,
        invalid_rows: o.invalid_rows,
        error_count: o.errors,
    };
    validations::put(&mut tx, &row).await.map_err(|e| retry(e.into()))?;
    packages::refresh_doc(&mut tx, &pkg.id, catalog.site_url()).await.map_err(|e| retry(e.into()))?;
    catalog.commit(tx).await.map_err(retry)?;
    // Tables whose foreign keys reference this one are checked again after
    // a new file or schema here, but not after a validation that a
    // referenced table queued, so two tables referencing each other do not
    // queue each other forever.
    if ctx.payload.get("cause").and_then(Value::as_str) != Some("reference") {
        catalog.revalidate_dependents(validated).await.map_err(retry)?;
    }
    tracing::info!(resource_id = validated.id, status = row.status, errors = row.error_count, "validated a resource");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_in_a_package() {
        assert_eq!(package_resource_name(Some("Dân số các tỉnh"), "abc"), "dan-so-cac-tinh");
        assert_eq!(package_resource_name(Some("  "), "abc"), "abc");
        assert_eq!(package_resource_name(None, "abc"), "abc");
    }

    #[test]
    fn schemas_are_checked() {
        let ok: Map<String, Value> = serde_json::from_value(json!({"schema": {"fields": [{"name": "a"}]}})).unwrap();
        assert!(check_schema(&ok).is_ok());
        let bad: Map<String, Value> =
            serde_json::from_value(json!({"schema": {"fields": [{"name": "a", "type": "nope"}]}})).unwrap();
        let e = check_schema(&bad).unwrap_err();
        let Error::Validation(v) = &e else { panic!("{e:?}") };
        let text = v.to_map()["schema"].to_string();
        assert!(text.contains("nope"), "the message names the bad type: {text}");
        assert!(check_schema(&Map::new()).is_ok());
    }
}
