//! Data Packages (v1 and v2): every table of a package validated, foreign
//! keys across its resources included.
//!
//! [`Package::from_path`] reads a descriptor (`datapackage.json`) whose
//! resources are local files: `path` relative to the descriptor (absolute
//! paths, `..` and URLs are refused, as frictionless refuses unsafe
//! paths), `schema` inline or as a relative path to a JSON file,
//! optionally `encoding` and `dialect.delimiter`. A resource is a table
//! when its `format`, media type or file extension is CSV or TSV; other
//! resources are listed but not checked. Everything that makes the
//! package impossible to check is refused up front with a
//! [`PackageError`] naming the resource: an unusable schema, a foreign key
//! to a resource the package lacks (or to a field its schema lacks), a
//! dialect Kho does not read.
//!
//! [`validate_package`] reads each referenced table once for all the keys
//! that reference it, before validating anything, so references in a
//! cycle (A → B → A) are no harder than others, then validates each table
//! with [`validate_csv`]. The [`PackageReport`] serialises in the layout
//! of `frictionless validate --json` on a package: `{"valid", "stats":
//! {"tasks", "errors", "warnings", "seconds"}, "warnings", "errors",
//! "tasks": [{"name", "type", "valid", "place", "stats", "warnings",
//! "errors"}]}`. A table that cannot be read has one task-level error
//! (`scheme-error` for a missing file, `resource-error` when a table it
//! references cannot be read), as in frictionless.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use kho_datastore::sniff::TextEncoding;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::reference::{ReferenceTable, ReferenceTables};
use crate::schema::{Schema, SchemaError};
use crate::validate::{Stats, ValidateError, ValidateOptions, ValidationError, validate_csv};

/// Why a package descriptor cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file (the descriptor, a schema) cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The descriptor (or a schema file) is not JSON.
    #[error("{path} is not valid JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A property has the wrong shape or an unsupported value.
    #[error("{at}: {message}")]
    Invalid {
        /// Where (`resources[2].path`, `resource "xa"`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A resource's schema cannot be used.
    #[error("resource \"{resource}\": the schema is not usable: {source}")]
    Schema {
        /// The resource's name.
        resource: String,
        /// Why.
        #[source]
        source: SchemaError,
    },
}

/// What a resource holds, as far as validation is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceKind {
    /// A CSV (or TSV) file: validated.
    Table,
    /// A table in a format Kho does not read (`xlsx`, `json`, …): it
    /// cannot be validated.
    UnsupportedTable(String),
    /// Not a table (a document, an image, inline data): not checked.
    Other,
}

/// One resource of a package.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its name (from the descriptor, or its file name without extension).
    pub name: String,
    /// Its path as written in the descriptor (frictionless' `place`).
    pub place: String,
    /// The file, relative to the working directory.
    pub path: Option<PathBuf>,
    /// Its schema, if the descriptor gives one (otherwise it is inferred).
    pub schema: Option<Schema>,
    /// Table or not.
    pub kind: ResourceKind,
    /// The declared encoding, when not UTF-8 (UTF-8 is sniffed, so a BOM
    /// is told apart).
    pub encoding: Option<TextEncoding>,
    /// The declared delimiter.
    pub delimiter: Option<u8>,
}

/// A Data Package read from its descriptor.
#[derive(Debug, Clone)]
pub struct Package {
    /// The package's name, if it has one.
    pub name: Option<String>,
    /// Its resources, in descriptor order.
    pub resources: Vec<Resource>,
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> PackageError {
    PackageError::Invalid { at: at.into(), message: message.into() }
}

/// A path written in a descriptor, resolved against its directory; only
/// relative paths that stay inside it are accepted.
fn local_path(dir: &Path, written: &str, at: &str) -> Result<PathBuf, PackageError> {
    if written.contains("://") {
        return Err(invalid(at, format!("\"{written}\" is remote; kho validate reads local files only")));
    }
    let p = Path::new(written);
    let safe = !written.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !safe {
        return Err(invalid(
            at,
            format!("\"{written}\" is not a safe path: it must be relative to the descriptor, without \"..\""),
        ));
    }
    Ok(dir.join(p))
}

fn read_json(path: &Path) -> Result<Json, PackageError> {
    let text = std::fs::read_to_string(path).map_err(|e| PackageError::Io { path: path.to_path_buf(), source: e })?;
    serde_json::from_str(&text).map_err(|e| PackageError::Json { path: path.to_path_buf(), source: e })
}

/// An inline object, or a relative path to a JSON file holding one.
fn object_or_file(v: &Json, dir: &Path, at: &str) -> Result<Json, PackageError> {
    match v {
        Json::Object(_) => Ok(v.clone()),
        Json::String(p) => read_json(&local_path(dir, p, at)?),
        _ => Err(invalid(at, "expected an object or a path to a JSON file")),
    }
}

fn extension(place: &str) -> String {
    Path::new(place).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

impl Package {
    /// Reads a descriptor file; relative paths in it are resolved against
    /// its directory.
    pub fn from_path(path: &Path) -> Result<Package, PackageError> {
        let v = read_json(path)?;
        let dir = path.parent().unwrap_or(Path::new(""));
        Package::from_value(&v, dir)
    }

    /// Reads a descriptor already parsed; `dir` is where its paths start.
    pub fn from_value(v: &Json, dir: &Path) -> Result<Package, PackageError> {
        let Json::Object(m) = v else { return Err(invalid("package", "a descriptor must be a JSON object")) };
        let Some(Json::Array(list)) = m.get("resources") else {
            return Err(invalid("package", "a data package needs a \"resources\" list"));
        };
        if list.is_empty() {
            return Err(invalid("resources", "the package has no resources"));
        }
        let mut resources: Vec<Resource> = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let r = resource(r, i, dir)?;
            if resources.iter().any(|x| x.name == r.name) {
                return Err(invalid(format!("resources[{i}]"), format!("the name \"{}\" is used twice", r.name)));
            }
            resources.push(r);
        }
        let pkg = Package { name: m.get("name").and_then(Json::as_str).map(str::to_string), resources };
        pkg.check_references()?;
        Ok(pkg)
    }

    fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// Every foreign key to another resource names a table of the
    /// package, and fields its schema has.
    fn check_references(&self) -> Result<(), PackageError> {
        for r in &self.resources {
            let Some(schema) = &r.schema else { continue };
            for (i, fk) in schema.foreign_keys.iter().enumerate() {
                let target = &fk.reference.resource;
                if target.is_empty() {
                    continue;
                }
                let at = format!("resource \"{}\", foreign key {}", r.name, i + 1);
                let Some(t) = self.resource(target) else {
                    return Err(invalid(
                        at,
                        format!("it references the resource \"{target}\", which the package lacks"),
                    ));
                };
                if t.kind != ResourceKind::Table {
                    return Err(invalid(at, format!("it references \"{target}\", which is not a CSV table")));
                }
                if let Some(ts) = &t.schema
                    && let Some(missing) = fk.reference.fields.iter().find(|f| ts.field(f).is_none())
                {
                    return Err(invalid(at, format!("the resource \"{target}\" has no field \"{missing}\"")));
                }
            }
        }
        Ok(())
    }

    /// For each resource that foreign keys reference, the keys (field
    /// lists) referenced, each once.
    fn referenced_keys(&self) -> Vec<(&Resource, Vec<Vec<String>>)> {
        let mut out: Vec<(&Resource, Vec<Vec<String>>)> = Vec::new();
        for r in &self.resources {
            let Some(schema) = &r.schema else { continue };
            for fk in schema.foreign_keys.iter().filter(|fk| !fk.reference.resource.is_empty()) {
                let Some(target) = self.resource(&fk.reference.resource) else { continue };
                let i = match out.iter().position(|(t, _)| t.name == target.name) {
                    Some(i) => i,
                    None => {
                        out.push((target, Vec::new()));
                        out.len() - 1
                    }
                };
                if !out[i].1.contains(&fk.reference.fields) {
                    out[i].1.push(fk.reference.fields.clone());
                }
            }
        }
        out
    }
}

fn resource(v: &Json, i: usize, dir: &Path) -> Result<Resource, PackageError> {
    let at = format!("resources[{i}]");
    let Json::Object(m) = v else { return Err(invalid(&at, "a resource must be an object")) };
    let str_of = |m: &Map<String, Json>, k: &str| m.get(k).and_then(Json::as_str).map(str::to_string);
    let (place, path) = match m.get("path") {
        Some(Json::String(p)) => (p.clone(), Some(local_path(dir, p, &format!("{at}.path"))?)),
        Some(Json::Array(_)) => return Err(invalid(format!("{at}.path"), "multi-part resources are not supported")),
        Some(_) => return Err(invalid(format!("{at}.path"), "expected a string")),
        None if m.contains_key("data") => (String::new(), None),
        None => return Err(invalid(&at, "a resource needs a \"path\" (or inline \"data\")")),
    };
    let name = match m.get("name") {
        Some(Json::String(n)) if !n.is_empty() => n.clone(),
        Some(_) => return Err(invalid(format!("{at}.name"), "expected a non-empty string")),
        None => Path::new(&place)
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_lowercase)
            .ok_or_else(|| invalid(&at, "a resource needs a \"name\""))?,
    };
    let rat = format!("resource \"{name}\"");
    let schema = match m.get("schema") {
        None | Some(Json::Null) => None,
        Some(s) => {
            let v = object_or_file(s, dir, &format!("{rat}.schema"))?;
            Some(Schema::from_value(&v).map_err(|e| PackageError::Schema { resource: name.clone(), source: e })?)
        }
    };
    let format = str_of(m, "format").map(|f| f.to_ascii_lowercase());
    let media = str_of(m, "mediatype").unwrap_or_default();
    let tabular_declared = schema.is_some()
        || m.get("profile").and_then(Json::as_str) == Some("tabular-data-resource")
        || m.get("type").and_then(Json::as_str) == Some("table");
    let ext = extension(&place);
    let format = format.unwrap_or_else(|| match media.as_str() {
        "text/csv" => "csv".into(),
        "text/tab-separated-values" => "tsv".into(),
        _ => ext,
    });
    let kind = if path.is_none() {
        ResourceKind::Other
    } else if matches!(format.as_str(), "csv" | "tsv") {
        ResourceKind::Table
    } else if tabular_declared {
        ResourceKind::UnsupportedTable(format.clone())
    } else {
        ResourceKind::Other
    };
    let encoding = match str_of(m, "encoding") {
        None => None,
        Some(e) => match TextEncoding::parse(&e) {
            Some(TextEncoding::Utf8) => None,
            Some(enc) => Some(enc),
            None => {
                return Err(invalid(
                    format!("{rat}.encoding"),
                    format!("unknown encoding \"{e}\" (known: utf-8, utf-16le, utf-16be, windows-1258, tcvn3, vni)"),
                ));
            }
        },
    };
    let mut delimiter = (format == "tsv").then_some(b'\t');
    if let Some(d) = m.get("dialect") {
        let d = object_or_file(d, dir, &format!("{rat}.dialect"))?;
        if let Some(v) = d.get("delimiter") {
            match v.as_str().map(str::as_bytes) {
                Some([b]) => delimiter = Some(*b),
                _ => return Err(invalid(format!("{rat}.dialect.delimiter"), "expected one ASCII character")),
            }
        }
        if d.get("header") == Some(&Json::Bool(false)) {
            return Err(invalid(format!("{rat}.dialect.header"), "tables without a header row are not supported"));
        }
    }
    Ok(Resource { name, place, path, schema, kind, encoding, delimiter })
}

/// Counts about a package's validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageStats {
    /// Resources reported.
    pub tasks: u64,
    /// Errors in all of them.
    pub errors: u64,
    /// Always 0 (frictionless' layout).
    pub warnings: u64,
    /// Time taken.
    pub seconds: f64,
}

/// How a resource's validation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Validated: its errors (if any) are in the data.
    Validated,
    /// Not a table: not checked.
    NotTable,
    /// It could not be validated (unreadable, a referenced table
    /// unreadable, a format Kho does not read): see its one error.
    Failed,
}

/// One resource's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// The resource's name.
    pub name: String,
    /// `table`, or `file` for a resource that is not a table.
    #[serde(rename = "type")]
    pub type_: String,
    /// `true` when no error was found.
    pub valid: bool,
    /// The path as written in the descriptor.
    pub place: String,
    /// Counts (zero for a resource that was not read).
    pub stats: Stats,
    /// Always empty (frictionless' layout).
    pub warnings: Vec<String>,
    /// The errors, up to the listing limit, in file order.
    pub errors: Vec<ValidationError>,
    /// Why a resource was not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How it went.
    #[serde(skip)]
    pub outcome: TaskOutcome,
}

/// The result of validating a package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageReport {
    /// `true` when every table was validated without error.
    pub valid: bool,
    /// Counts.
    pub stats: PackageStats,
    /// Always empty (frictionless' layout).
    pub warnings: Vec<String>,
    /// Package-level errors: always empty (a descriptor Kho cannot use is
    /// a [`PackageError`]).
    pub errors: Vec<ValidationError>,
    /// One per resource, in descriptor order.
    pub tasks: Vec<Task>,
}

impl PackageReport {
    /// The report as JSON, in `frictionless validate --json`'s layout.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// Whether some table could not be validated.
    pub fn incomplete(&self) -> bool {
        self.tasks.iter().any(|t| t.outcome == TaskOutcome::Failed)
    }
}

fn empty_stats(fields: u64, errors: u64) -> Stats {
    Stats { rows: 0, fields, errors, invalid_rows: 0, bytes: 0, seconds: 0.0 }
}

fn task_error(type_: &str, message: String, message_vi: String) -> ValidationError {
    ValidationError {
        type_: type_.into(),
        row_number: None,
        field_number: None,
        field_name: None,
        cell: None,
        message,
        message_vi,
    }
}

/// A validation that could not run, as frictionless types it.
fn failure(e: &ValidateError) -> ValidationError {
    let (type_, vi) = match e {
        ValidateError::Io { .. } => ("scheme-error", "Không đọc được tệp"),
        ValidateError::Csv(_) | ValidateError::Read(_) => ("source-error", "Không đọc được dữ liệu"),
        ValidateError::Schema(_) => ("schema-error", "Lược đồ không dùng được"),
        ValidateError::MissingReference { .. }
        | ValidateError::MissingReferenceKey { .. }
        | ValidateError::ReferenceField { .. } => ("resource-error", "Không kiểm tra được khóa ngoại"),
    };
    task_error(type_, format!("The data source could not be successfully loaded: {e}"), format!("{vi}: {e}"))
}

fn options_for(r: &Resource, base: &ValidateOptions) -> ValidateOptions {
    ValidateOptions {
        encoding: r.encoding.or(base.encoding),
        delimiter: r.delimiter.or(base.delimiter),
        references: ReferenceTables::default(),
        ..base.clone()
    }
}

/// Validates every table of `pkg`, checking foreign keys across its
/// resources. `opts` gives the listing limit and inference options (each
/// resource's own encoding and delimiter come from the descriptor;
/// `opts.references` is not used: the package supplies its own).
pub fn validate_package(pkg: &Package, opts: &ValidateOptions) -> PackageReport {
    let started = Instant::now();
    // Each referenced table is read once, for all the keys that reference
    // it, before any table is validated: a cycle costs nothing more.
    let mut tables: HashMap<&str, Result<Arc<ReferenceTable>, String>> = HashMap::new();
    for (target, keys) in pkg.referenced_keys() {
        let built = match &target.path {
            Some(path) => ReferenceTable::from_csv(path, target.schema.as_ref(), &keys, &options_for(target, opts))
                .map(Arc::new)
                .map_err(|e| e.to_string()),
            None => Err("it has no file".into()),
        };
        tables.insert(target.name.as_str(), built);
    }
    let mut tasks = Vec::new();
    for r in &pkg.resources {
        let fields = r.schema.as_ref().map_or(0, |s| s.fields.len() as u64);
        let mut task = Task {
            name: r.name.clone(),
            type_: "table".into(),
            valid: false,
            place: r.place.clone(),
            stats: empty_stats(fields, 1),
            warnings: Vec::new(),
            errors: Vec::new(),
            note: None,
            outcome: TaskOutcome::Failed,
        };
        let path = match (&r.kind, &r.path) {
            (ResourceKind::Table, Some(path)) => path,
            (ResourceKind::UnsupportedTable(format), _) => {
                task.errors.push(task_error(
                    "format-error",
                    format!("The data source could not be successfully parsed: the format \"{format}\" is not supported (CSV and TSV are)"),
                    format!("Định dạng \"{format}\" chưa được hỗ trợ (chỉ đọc CSV và TSV)"),
                ));
                tasks.push(task);
                continue;
            }
            _ => {
                task.type_ = "file".into();
                task.valid = true;
                task.stats = empty_stats(0, 0);
                task.note = Some("not a CSV table: not checked".into());
                task.outcome = TaskOutcome::NotTable;
                tasks.push(task);
                continue;
            }
        };
        let mut o = options_for(r, opts);
        let mut unreadable = None;
        for fk in r.schema.iter().flat_map(|s| &s.foreign_keys) {
            let target = fk.reference.resource.as_str();
            if target.is_empty() {
                continue;
            }
            match tables.get(target) {
                Some(Ok(t)) => o.references.insert(target, Arc::clone(t)),
                Some(Err(e)) => {
                    unreadable = Some((target, e.clone()));
                    break;
                }
                // `check_references` made sure every target is a table.
                None => {}
            }
        }
        if let Some((target, e)) = unreadable {
            task.errors.push(task_error(
                "resource-error",
                format!("The data resource has an error: the resource \"{target}\", which a foreign key references, cannot be read: {e}"),
                format!("Không đọc được bảng \"{target}\" mà khóa ngoại tham chiếu tới: {e}"),
            ));
            tasks.push(task);
            continue;
        }
        match validate_csv(path, r.schema.as_ref(), &o) {
            Ok(report) => {
                task.valid = report.valid;
                task.stats = report.stats;
                task.errors = report.errors;
                task.outcome = TaskOutcome::Validated;
            }
            Err(e) => task.errors.push(failure(&e)),
        }
        tasks.push(task);
    }
    PackageReport {
        valid: tasks.iter().all(|t| t.valid),
        stats: PackageStats {
            tasks: tasks.len() as u64,
            errors: tasks.iter().map(|t| t.stats.errors).sum(),
            warnings: 0,
            seconds: started.elapsed().as_secs_f64(),
        },
        warnings: Vec::new(),
        errors: Vec::new(),
        tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn refused(dir: &Path, descriptor: &str) -> String {
        write(dir, "datapackage.json", descriptor);
        match Package::from_path(&dir.join("datapackage.json")) {
            Ok(_) => panic!("{descriptor} should be refused"),
            Err(e) => e.to_string(),
        }
    }

    const A: &str = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "b", "type": "integer"}],
        "foreignKeys": [{"fields": "b", "reference": {"resource": "b", "fields": "id"}}]}"#;
    const B: &str = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "a", "type": "integer"}],
        "foreignKeys": [{"fields": "a", "reference": {"resource": "a", "fields": "id"}}]}"#;

    #[test]
    fn cycles_between_resources_are_checked_both_ways() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.csv", "id,b\n1,10\n2,30\n3,\n");
        write(d.path(), "b.tsv", "id\ta\n10\t1\n20\t9\n");
        write(d.path(), "b.schema.json", B);
        write(d.path(), "notes.md", "ghi chú\n");
        write(
            d.path(),
            "datapackage.json",
            &format!(
                r#"{{"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "vòng",
                    "resources": [
                      {{"name": "a", "type": "table", "path": "a.csv", "schema": {A}}},
                      {{"name": "b", "path": "./b.tsv", "schema": "b.schema.json"}},
                      {{"path": "notes.md"}}]}}"#
            ),
        );
        let pkg = Package::from_path(&d.path().join("datapackage.json")).unwrap();
        assert_eq!(pkg.name.as_deref(), Some("vòng"));
        assert_eq!(pkg.resources[1].delimiter, Some(b'\t'));
        assert_eq!(pkg.resources[2].name, "notes", "named after its file");
        let r = validate_package(&pkg, &ValidateOptions::default());
        assert!(!r.valid && !r.incomplete());
        let rows = |i: usize| -> Vec<(String, Option<u64>)> {
            r.tasks[i].errors.iter().map(|e| (e.type_.clone(), e.row_number)).collect()
        };
        assert_eq!(rows(0), [("foreign-key".to_string(), Some(3))]);
        assert_eq!(rows(1), [("foreign-key".to_string(), Some(3))]);
        assert!(r.tasks[1].errors[0].message.contains("lookup table \"a\" as \"id\""));
        assert_eq!((r.tasks[2].type_.as_str(), r.tasks[2].outcome), ("file", TaskOutcome::NotTable));
        assert_eq!(r.stats.tasks, 3);
        assert_eq!(r.stats.errors, 2);
        assert_eq!(r.tasks[0].stats.invalid_rows, 1);
        let v: Json = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["tasks"][0]["name"], "a");
        assert_eq!(v["tasks"][0]["type"], "table");
        assert_eq!(v["tasks"][0]["place"], "a.csv");
        assert_eq!(v["tasks"][0]["errors"][0]["type"], "foreign-key");
        assert_eq!(v["stats"]["tasks"], 3);
        assert!(v["errors"].as_array().unwrap().is_empty() && v["warnings"].as_array().unwrap().is_empty());
    }

    #[test]
    fn unreadable_tables_fail_their_tasks() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.csv", "id,b\n1,10\n");
        write(
            d.path(),
            "datapackage.json",
            &format!(
                r#"{{"resources": [{{"name": "a", "path": "a.csv", "schema": {A}}}, {{"name": "b", "path": "b.csv"}},
                    {{"name": "c", "path": "c.xlsx", "format": "xlsx", "schema": {{"fields": [{{"name": "x"}}]}}}}]}}"#
            ),
        );
        let pkg = Package::from_path(&d.path().join("datapackage.json")).unwrap();
        let r = validate_package(&pkg, &ValidateOptions::default());
        assert!(r.incomplete() && !r.valid);
        let types: Vec<&str> = r.tasks.iter().map(|t| t.errors[0].type_.as_str()).collect();
        assert_eq!(types, ["resource-error", "scheme-error", "format-error"]);
        assert!(r.tasks[0].errors[0].message.contains("\"b\", which a foreign key references, cannot be read"));
        assert!(r.tasks[0].errors[0].message_vi.contains("Không đọc được bảng \"b\""));
        assert!(r.tasks.iter().all(|t| t.outcome == TaskOutcome::Failed && t.stats.errors == 1));
    }

    #[test]
    fn unusable_descriptors_are_refused_with_reasons() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        let cases: [(&str, &str); 13] = [
            ("[]", "must be a JSON object"),
            ("{}", "needs a \"resources\" list"),
            (r#"{"resources": []}"#, "no resources"),
            (r#"{"resources": [{"name": "a", "path": "../a.csv"}]}"#, "not a safe path"),
            (r#"{"resources": [{"name": "a", "path": "/etc/passwd"}]}"#, "not a safe path"),
            (r#"{"resources": [{"name": "a", "path": "https://example.org/a.csv"}]}"#, "local files only"),
            (r#"{"resources": [{"name": "a", "path": ["a1.csv", "a2.csv"]}]}"#, "multi-part"),
            (r#"{"resources": [{"name": "a", "path": "a.csv"}, {"name": "a", "path": "b.csv"}]}"#, "used twice"),
            (
                r#"{"resources": [{"name": "a", "path": "a.csv", "schema": {"fields": [{"name": "x", "type": "money"}]}}]}"#,
                "resource \"a\": the schema is not usable: field \"x\": unknown type",
            ),
            (r#"{"resources": [{"name": "a", "path": "a.csv", "schema": "missing.json"}]}"#, "missing.json"),
            (r#"{"resources": [{"name": "a", "path": "a.csv", "encoding": "klingon"}]}"#, "unknown encoding"),
            (r#"{"resources": [{"name": "a", "path": "a.csv", "dialect": {"header": false}}]}"#, "without a header"),
            (
                r#"{"resources": [{"name": "a", "path": "a.csv", "schema": {"fields": [{"name": "x"}], "foreignKeys": [{"fields": "x", "reference": {"resource": "nowhere", "fields": "id"}}]}}]}"#,
                "references the resource \"nowhere\", which the package lacks",
            ),
        ];
        for (descriptor, reason) in cases {
            let e = refused(p, descriptor);
            assert!(e.contains(reason), "{descriptor}: {e}");
        }
        let e = refused(
            p,
            &format!(
                r#"{{"resources": [{{"name": "a", "path": "a.csv", "schema": {A}}}, {{"name": "b", "path": "b.csv", "schema": {{"fields": [{{"name": "mã"}}]}}}}]}}"#
            ),
        );
        assert!(e.contains("resource \"a\", foreign key 1: the resource \"b\" has no field \"id\""), "{e}");
        let e = refused(p, "{not json");
        assert!(e.contains("is not valid JSON"), "{e}");
        let e = Package::from_path(&p.join("nothing.json")).unwrap_err();
        assert!(matches!(e, PackageError::Io { .. }));
    }
}
