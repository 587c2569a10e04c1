//! A database of the registry (one entry of the data map) and the data
//! dictionary's elements, read from request dictionaries.

use crate::vocab::{DatabaseClass, DatabaseStatus, Direction, EndpointKind, Hosting, Platform};
use kho_core::input::Fields;
use kho_core::vocab::{DataImportance, DataSharing, UpdateFrequency};
use kho_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Longest title.
const TITLE_MAX: usize = 500;
/// Longest free text (purpose, legal basis, definitions).
const TEXT_MAX: usize = 20_000;

/// One information system or database, as its agency describes it: the
/// content of one revision. Names of other entries and of data elements
/// are references, checked by the catalog when written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseEntry {
    /// Unique, URL-safe name (CKAN's name rules); never changes.
    pub name: String,
    /// Title in Vietnamese.
    pub title: String,
    /// Titles in other languages (`en`).
    #[serde(default)]
    pub title_translated: BTreeMap<String, String>,
    /// The owning agency's organization id.
    pub owner_org: String,
    /// What the database is for.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The legal documents it is built under (number, date, title).
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// Sector (lĩnh vực), free text such as "Y tế".
    #[serde(default)]
    pub sector: Option<String>,
    /// National, shared or specialised.
    pub class: DatabaseClass,
    /// Open, shared or private-use data (Law on Data).
    pub data_sharing: DataSharing,
    /// Core, important or other data (Law on Data).
    pub data_importance: DataImportance,
    /// Where it runs.
    #[serde(default)]
    pub hosting: Option<Hosting>,
    /// Information-security level of the system, 1–5.
    #[serde(default)]
    pub security_level: Option<u8>,
    /// Whether the 4-layer protection model is in place.
    #[serde(default)]
    pub protection_4_layer: bool,
    /// Planned, being built or operating.
    pub status: DatabaseStatus,
    /// Number of records held, as last reported.
    #[serde(default)]
    pub records: Option<u64>,
    /// Size in bytes, as last reported.
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// How often it is updated.
    #[serde(default)]
    pub update_frequency: Option<UpdateFrequency>,
    /// Its APIs and services.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// The things it holds records of ("công dân", "doanh nghiệp").
    #[serde(default)]
    pub entities: Vec<String>,
    /// Names of the data elements (of the dictionary) it holds.
    #[serde(default)]
    pub elements: Vec<String>,
    /// Databases it shares data with.
    #[serde(default)]
    pub connections: Vec<Connection>,
    /// The national repository at the National Data Center (kho dữ liệu
    /// tổng hợp quốc gia): connections to it count for the national
    /// databases' indicator. Only a reviewer sets it.
    #[serde(default)]
    pub national_repository: bool,
}

/// An API or service of a database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Its address.
    pub url: String,
    /// API, data service or portal.
    pub kind: EndpointKind,
    /// What it offers.
    #[serde(default)]
    pub title: Option<String>,
}

/// A connection declared by one database with another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// The other database's name.
    pub database: String,
    /// Which way data flows, seen from the declaring database.
    pub direction: Direction,
    /// Through what.
    pub platform: Platform,
    /// Data elements exchanged, if known.
    #[serde(default)]
    pub elements: Vec<String>,
    /// A note (agreement, frequency).
    #[serde(default)]
    pub note: Option<String>,
}

/// Keys `datamap_database_show` returns around the entry, which clients
/// may echo back in an update.
pub const READ_ONLY: &[&str] = &[
    "id",
    "organization",
    "revision",
    "review_state",
    "approved_revision",
    "created",
    "modified",
    "state",
    "restricted",
    "duplications",
    "connected",
    "pending",
    "harvested",
    "harvest_source",
];

impl DatabaseEntry {
    /// Reads an entry from a request dictionary. `owner_org` takes the
    /// `organization` (or `owner_org`) as given; the caller resolves it.
    /// Every field error is collected, as CKAN does.
    pub fn parse(mut f: Fields) -> Result<DatabaseEntry> {
        f.ignore(READ_ONLY);
        let name = f.name("name", true);
        let title = f.required_text("title", TITLE_MAX);
        let title_translated = f.translated("title_translated", TITLE_MAX);
        let org = f.text("owner_org", 200);
        let owner_org = f.text("organization", 200).or(org);
        if owner_org.is_none() {
            f.error("owner_org", "Missing value: the agency that owns the database");
        }
        let purpose = f.text("purpose", TEXT_MAX);
        let legal_basis = f.text("legal_basis", TEXT_MAX);
        let sector = f.text("sector", 200).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let class = required_vocab::<DatabaseClass>(&mut f, "class");
        let data_sharing = required_vocab::<DataSharing>(&mut f, "data_sharing");
        let data_importance = required_vocab::<DataImportance>(&mut f, "data_importance");
        let hosting = f.vocab::<Hosting>("hosting");
        let security_level = f.int_in("security_level", 1, 5).map(|n| n as u8);
        let protection_4_layer = f.bool("protection_4_layer").unwrap_or(false);
        let status = required_vocab::<DatabaseStatus>(&mut f, "status");
        let records = f.int_in("records", 0, i64::MAX).map(|n| n as u64);
        let size_bytes = f.int_in("size_bytes", 0, i64::MAX).map(|n| n as u64);
        let update_frequency = f.vocab::<UpdateFrequency>("update_frequency");
        let endpoints = items(&mut f, "endpoints", parse_endpoint);
        let entities = f.text_list("entities", 200);
        let elements = names(&mut f, "elements");
        let connections = items(&mut f, "connections", parse_connection);
        let national_repository = f.bool("national_repository").unwrap_or(false);
        f.reject_unknown("See datamap_database_create in the API guide for the fields of an entry.");
        if let Some(n) = &name
            && connections.iter().any(|c| &c.database == n)
        {
            f.error("connections", "A database cannot connect to itself");
        }
        let mut seen = BTreeSet::new();
        for c in &connections {
            if !seen.insert((c.database.as_str(), c.platform)) {
                f.error(
                    "connections",
                    format!("Connection to \"{}\" through {} is listed twice", c.database, c.platform),
                );
            }
        }
        f.take_errors().into_result()?;
        let (
            Some(name),
            Some(title),
            Some(owner_org),
            Some(class),
            Some(data_sharing),
            Some(data_importance),
            Some(status),
        ) = (name, title, owner_org, class, data_sharing, data_importance, status)
        else {
            return Err(Error::invalid("Missing value"));
        };
        Ok(DatabaseEntry {
            name,
            title,
            title_translated,
            owner_org,
            purpose,
            legal_basis,
            sector,
            class,
            data_sharing,
            data_importance,
            hosting,
            security_level,
            protection_4_layer,
            status,
            records,
            size_bytes,
            update_frequency,
            endpoints,
            entities,
            elements,
            connections,
            national_repository,
        })
    }

    /// Private-use or core data: the entry is shown only to its agency and
    /// to reviewers (see `kho_core::authz::RegistryFilter`).
    pub fn restricted(&self) -> bool {
        self.data_sharing == DataSharing::PrivateUse || self.data_importance == DataImportance::Core
    }

    /// The entry as a JSON object (the stored form of a revision).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn required_vocab<V: kho_core::vocab::Vocabulary>(f: &mut Fields, key: &str) -> Option<V> {
    let had = f.map().get(key).is_some_and(|v| !v.is_null() && v != "");
    let v = f.vocab::<V>(key);
    if !had {
        f.error(key, format!("Missing value: one of {}", V::codes().join(", ")));
    }
    v
}

/// A list of objects read one by one; item errors are reported as
/// `key[i]` problems, as CKAN reports resources.
fn items<T>(f: &mut Fields, key: &str, parse: fn(Fields) -> Result<T>) -> Vec<T> {
    // `Fields::list` refuses lists over `kho_core::input::LIST_MAX` items.
    let Some(list) = f.list(key) else { return Vec::new() };
    let len = list.len();
    let mut out = Vec::with_capacity(len);
    for (i, item) in list.into_iter().enumerate() {
        let Value::Object(map) = item else {
            f.error(key, "Each item must be an object");
            continue;
        };
        match parse(Fields::new(map)) {
            Ok(v) => out.push(v),
            Err(Error::Validation(inner)) => f.nested_error(key, i, len, inner),
            Err(e) => f.error(key, e.to_string()),
        }
    }
    out
}

fn names(f: &mut Fields, key: &str) -> Vec<String> {
    let list = f.text_list(key, 100);
    for n in &list {
        if let Err(msg) = kho_core::names::check_name(n) {
            f.error(key, format!("\"{n}\": {msg}"));
        }
    }
    list
}

fn parse_endpoint(mut f: Fields) -> Result<Endpoint> {
    let url = f.required_text("url", 2000);
    if let Some(u) = &url
        && let Err(problem) = kho_core::names::check_http_url(u)
    {
        f.error("url", problem.to_string());
    }
    let kind = f.vocab::<EndpointKind>("kind").unwrap_or(EndpointKind::Api);
    let title = f.text("title", TITLE_MAX);
    f.reject_unknown("An endpoint has url, kind and title.");
    f.take_errors().into_result()?;
    Ok(Endpoint { url: url.unwrap_or_default(), kind, title })
}

fn parse_connection(mut f: Fields) -> Result<Connection> {
    let database = f.name("database", true);
    let direction = required_vocab::<Direction>(&mut f, "direction");
    let platform = required_vocab::<Platform>(&mut f, "platform");
    let elements = names(&mut f, "elements");
    let note = f.text("note", TITLE_MAX);
    f.reject_unknown("A connection has database, direction, platform, elements and note.");
    f.take_errors().into_result()?;
    match (database, direction, platform) {
        (Some(database), Some(direction), Some(platform)) => {
            Ok(Connection { database, direction, platform, elements, note })
        }
        _ => Err(Error::invalid("Missing value")),
    }
}

/// A data element of the common data dictionary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataElement {
    /// Unique name ("so-dinh-danh-ca-nhan").
    pub name: String,
    /// Title in Vietnamese.
    pub title: String,
    /// Titles in other languages.
    #[serde(default)]
    pub title_translated: BTreeMap<String, String>,
    /// What it means.
    #[serde(default)]
    pub definition: Option<String>,
    /// Table Schema type of its values (`string`, `integer`, `date`, …).
    pub data_type: String,
    /// Format or pattern ("12 chữ số").
    #[serde(default)]
    pub format: Option<String>,
    /// The master database (the source of truth), by name.
    #[serde(default)]
    pub master: Option<String>,
}

/// Table Schema's field types, which a data element's type is one of.
pub const DATA_TYPES: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "object",
    "array",
    "any",
];

impl DataElement {
    /// Reads an element from a request dictionary.
    pub fn parse(mut f: Fields) -> Result<DataElement> {
        f.ignore(&["id", "created", "modified", "databases", "duplications", "state"]);
        let name = f.name("name", true);
        let title = f.required_text("title", TITLE_MAX);
        let title_translated = f.translated("title_translated", TITLE_MAX);
        let definition = f.text("definition", TEXT_MAX);
        let data_type = f.text("data_type", 40).unwrap_or_else(|| "string".into());
        if !DATA_TYPES.contains(&data_type.as_str()) {
            f.error("data_type", format!("Value must be one of {}", DATA_TYPES.join(", ")));
        }
        let format = f.text("format", TITLE_MAX);
        let master = f.name("master", false);
        f.reject_unknown("A data element has name, title, title_translated, definition, data_type, format and master.");
        f.take_errors().into_result()?;
        let (Some(name), Some(title)) = (name, title) else { return Err(Error::invalid("Missing value")) };
        Ok(DataElement { name, title, title_translated, definition, data_type, format, master })
    }
}

/// Merges `patch` over `base` at the top level (CKAN's `*_patch`).
pub fn patch(base: &Value, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.as_object().cloned().unwrap_or_default();
    for (k, v) in patch {
        out.insert(k.clone(), v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        Fields::from_value(v).unwrap()
    }

    fn minimal() -> Value {
        json!({"name": "csdl-dan-cu", "title": "Cơ sở dữ liệu quốc gia về dân cư", "owner_org": "bo-cong-an",
               "class": "national", "data_sharing": "shared", "data_importance": "core", "status": "operating"})
    }

    #[test]
    fn reads_a_minimal_entry_and_round_trips_it() {
        let e = DatabaseEntry::parse(fields(minimal())).unwrap();
        assert_eq!(e.class, DatabaseClass::National);
        assert!(e.restricted(), "core data is restricted");
        let back: DatabaseEntry = serde_json::from_value(e.to_json()).unwrap();
        assert_eq!(back, e);
        // What show returns (with read-only keys) is accepted back.
        let mut shown = e.to_json();
        shown["id"] = json!("x");
        shown["revision"] = json!(3);
        assert_eq!(DatabaseEntry::parse(fields(shown)).unwrap(), e);
    }

    #[test]
    fn collects_every_error() {
        let err = DatabaseEntry::parse(fields(json!({
            "name": "A B", "class": "galactic", "security_level": 9, "status": "operating",
            "connections": [{"database": "x", "direction": "sideways"}, "nope"],
            "endpoints": [{"url": "ftp://x"}], "colour": "red"
        })))
        .unwrap_err();
        let Error::Validation(v) = err else { panic!("{err:?}") };
        let m = v.to_map();
        for key in [
            "name",
            "title",
            "owner_org",
            "class",
            "data_sharing",
            "data_importance",
            "security_level",
            "connections",
            "endpoints",
            "colour",
        ] {
            assert!(m.contains_key(key), "{key} missing in {m:?}");
        }
        assert!(!m.contains_key("status"));
    }

    #[test]
    fn refuses_self_and_repeated_connections() {
        let mut v = minimal();
        v["connections"] = json!([{"database": "csdl-dan-cu", "direction": "out", "platform": "ndxp"}]);
        assert!(DatabaseEntry::parse(fields(v.clone())).is_err());
        v["connections"] = json!([
            {"database": "bb", "direction": "out", "platform": "ndxp"},
            {"database": "bb", "direction": "in", "platform": "ndxp"}]);
        assert!(DatabaseEntry::parse(fields(v.clone())).is_err());
        v["connections"] = json!([
            {"database": "bb", "direction": "out", "platform": "ndxp"},
            {"database": "bb", "direction": "in", "platform": "direct"}]);
        assert_eq!(DatabaseEntry::parse(fields(v)).unwrap().connections.len(), 2);
    }

    #[test]
    fn open_other_data_is_not_restricted() {
        let mut v = minimal();
        v["data_sharing"] = json!("open");
        v["data_importance"] = json!("important");
        assert!(!DatabaseEntry::parse(fields(v.clone())).unwrap().restricted());
        v["data_sharing"] = json!("private_use");
        assert!(DatabaseEntry::parse(fields(v)).unwrap().restricted());
    }

    #[test]
    fn reads_elements() {
        let e = DataElement::parse(fields(json!({"name": "so-dinh-danh", "title": "Số định danh cá nhân",
            "data_type": "string", "format": "12 chữ số", "master": "csdl-dan-cu"})))
        .unwrap();
        assert_eq!(e.master.as_deref(), Some("csdl-dan-cu"));
        assert!(DataElement::parse(fields(json!({"name": "x1", "title": "X", "data_type": "blob"}))).is_err());
    }
}
