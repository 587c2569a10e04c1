//! Reading request dictionaries into validated inputs.
//!
//! CKAN clients send the same action as a JSON body, as query-string
//! parameters (every value a string) or as multipart form fields. [`Fields`]
//! reads any of them with CKAN's leniency (`"true"` is a boolean, `"10"` an
//! integer, a JSON-encoded list in a string is a list) and collects every
//! field error before failing, so a client sees all its mistakes at once.
//!
//! Text is normalised to Unicode NFC on the way in: Vietnamese typed with a
//! "composite" keyboard mode, or decoded from Windows-1258, arrives
//! decomposed, and must compare and index equal to the precomposed form.

use crate::error::{Error, Result, ValidationErrors};
use crate::names;
use crate::timefmt;
use crate::vocab::{AgencyKind, Capacity, DataImportance, DataSharing, DatasetState, UpdateFrequency, Vocabulary};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use unicode_normalization::UnicodeNormalization;

/// Longest title, in characters.
pub const TITLE_MAX: usize = 1_000;
/// Longest description (`notes`), in characters.
pub const NOTES_MAX: usize = 100_000;
/// Longest URL, in characters.
pub const URL_MAX: usize = 2_000;
/// Longest short text (author, format, version…), in characters.
pub const SHORT_MAX: usize = 500;
/// Most tags, extras or resources a dataset may carry.
pub const LIST_MAX: usize = 1_000;
/// Languages a translated field may carry.
pub const LANGUAGES: &[&str] = &["vi", "en"];

/// A request dictionary being read field by field.
#[derive(Debug)]
pub struct Fields {
    map: Map<String, Value>,
    used: BTreeSet<String>,
    errors: ValidationErrors,
}

impl Fields {
    /// Wraps a dictionary.
    pub fn new(map: Map<String, Value>) -> Self {
        Fields { map, used: BTreeSet::new(), errors: ValidationErrors::default() }
    }

    /// Wraps a JSON value, which must be an object.
    pub fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Fields::new(map)),
            other => Err(Error::BadRequest(format!("Request data must be a JSON object, got {}", json_kind(&other)))),
        }
    }

    /// The underlying dictionary.
    pub fn map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// True when the key is present (even if null).
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Records an error against `key`.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.add(key, message);
    }

    /// Records nested errors for item `index` of list `key`.
    pub fn nested_error(&mut self, key: &str, index: usize, len: usize, inner: ValidationErrors) {
        self.errors.add_nested(key, index, len, inner);
    }

    /// The raw value of `key`, marking it read.
    pub fn raw(&mut self, key: &str) -> Option<&Value> {
        self.used.insert(key.to_string());
        self.map.get(key)
    }

    /// Marks keys as read without using them (read-only fields clients echo back).
    pub fn ignore(&mut self, keys: &[&str]) {
        for k in keys {
            self.used.insert((*k).to_string());
        }
    }

    /// Optional text. Absent, `null` and `""` are all `None`. Numbers and
    /// booleans are accepted and turned into text, as CKAN does.
    pub fn text(&mut self, key: &str, max_chars: usize) -> Option<String> {
        let value = self.raw(key)?.clone();
        let s = match value {
            Value::Null => return None,
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                self.error(key, format!("Must be a string, not {}", json_kind(&other)));
                return None;
            }
        };
        self.check_text(key, s, max_chars)
    }

    fn check_text(&mut self, key: &str, s: String, max_chars: usize) -> Option<String> {
        if s.contains('\0') {
            self.error(key, "Must not contain NUL characters");
            return None;
        }
        let s: String = s.nfc().collect();
        if s.chars().count() > max_chars {
            self.error(key, format!("Must be at most {max_chars} characters long"));
            return None;
        }
        if s.is_empty() { None } else { Some(s) }
    }

    /// Required text: records `Missing value` when absent or empty.
    pub fn required_text(&mut self, key: &str, max_chars: usize) -> Option<String> {
        let had_error = self.errors.has(key);
        let v = self.text(key, max_chars);
        if v.is_none() && !had_error && !self.errors.has(key) {
            self.error(key, "Missing value");
        }
        v
    }

    /// Optional boolean: JSON booleans, `"true"`/`"false"`, `"1"`/`"0"`,
    /// `"yes"`/`"no"`, `"on"`/`"off"` (CKAN's `asbool`).
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let value = self.raw(key)?.clone();
        match value {
            Value::Null => None,
            Value::Bool(b) => Some(b),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "y" | "t" => Some(true),
                "false" | "0" | "no" | "off" | "n" | "f" => Some(false),
                "" => None,
                _ => {
                    self.error(key, format!("Value must be boolean or one of: true, false, got \"{s}\""));
                    None
                }
            },
            other => {
                self.error(key, format!("Must be a boolean, not {}", json_kind(&other)));
                None
            }
        }
    }

    /// Optional integer, from a JSON number or a decimal string.
    pub fn int(&mut self, key: &str) -> Option<i64> {
        let value = self.raw(key)?.clone();
        match value {
            Value::Null => None,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    self.error(key, "Invalid integer");
                    None
                }
            },
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => {
                    self.error(key, "Invalid integer");
                    None
                }
            },
            other => {
                self.error(key, format!("Must be an integer, not {}", json_kind(&other)));
                None
            }
        }
    }

    /// Optional integer within bounds.
    pub fn int_in(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.int(key)?;
        if v < min || v > max {
            self.error(key, format!("Must be between {min} and {max}"));
            return None;
        }
        Some(v)
    }

    /// Optional list. Accepts a JSON array, or a string holding a JSON array
    /// (query strings and form fields cannot carry lists otherwise).
    pub fn list(&mut self, key: &str) -> Option<Vec<Value>> {
        let value = self.raw(key)?.clone();
        let list = match value {
            Value::Null => return None,
            Value::Array(items) => items,
            Value::String(s) if s.trim_start().starts_with('[') => match serde_json::from_str(&s) {
                Ok(Value::Array(items)) => items,
                _ => {
                    self.error(key, "Must be a list");
                    return None;
                }
            },
            other => {
                self.error(key, format!("Must be a list, not {}", json_kind(&other)));
                return None;
            }
        };
        if list.len() > LIST_MAX {
            self.error(key, format!("Must have at most {LIST_MAX} items"));
            return None;
        }
        Some(list)
    }

    /// Optional list of texts (a JSON array, or a string holding one),
    /// each checked as [`Fields::text`] checks one (NFC, no NUL, at most
    /// `max_chars`), trimmed; empty items are dropped and repeats kept once.
    pub fn text_list(&mut self, key: &str, max_chars: usize) -> Vec<String> {
        let Some(items) = self.list(key) else { return Vec::new() };
        let mut out: Vec<String> = Vec::new();
        for item in items {
            let Value::String(s) = item else {
                self.error(key, format!("Each item must be a text, not {}", json_kind(&item)));
                continue;
            };
            if let Some(t) = self.check_text(key, s.trim().to_string(), max_chars)
                && !out.contains(&t)
            {
                out.push(t);
            }
        }
        out
    }

    /// Optional value from a closed vocabulary.
    pub fn vocab<V: Vocabulary>(&mut self, key: &str) -> Option<V> {
        let s = self.text(key, SHORT_MAX)?;
        match V::parse(&s) {
            Some(v) => Some(v),
            None => {
                self.error(key, format!("Value must be one of {}", V::codes().join(", ")));
                None
            }
        }
    }

    /// A `{"vi": "...", "en": "..."}` object (also accepted as a JSON string).
    pub fn translated(&mut self, key: &str, max_chars: usize) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(value) = self.raw(key).cloned() else { return out };
        let obj = match value {
            Value::Null => return out,
            Value::Object(o) => o,
            Value::String(s) if s.trim().is_empty() => return out,
            Value::String(s) => match serde_json::from_str(&s) {
                Ok(Value::Object(o)) => o,
                _ => {
                    self.error(key, "Must be an object of language code to text, e.g. {\"en\": \"...\"}");
                    return out;
                }
            },
            _ => {
                self.error(key, "Must be an object of language code to text, e.g. {\"en\": \"...\"}");
                return out;
            }
        };
        for (lang, text) in obj {
            if !LANGUAGES.contains(&lang.as_str()) {
                self.error(key, format!("Unknown language \"{lang}\"; use one of: {}", LANGUAGES.join(", ")));
                continue;
            }
            match text {
                Value::String(s) => {
                    if let Some(s) = self.check_text(key, s, max_chars) {
                        out.insert(lang, s);
                    }
                }
                Value::Null => {}
                _ => self.error(key, format!("Text for \"{lang}\" must be a string")),
            }
        }
        out
    }

    /// Optional e-mail address.
    pub fn email(&mut self, key: &str) -> Option<String> {
        let v = self.text(key, 320)?;
        if names::check_email(&v) {
            Some(v)
        } else {
            self.error(key, format!("Email {v} is not a valid format"));
            None
        }
    }

    /// Optional calendar date `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str) -> Option<String> {
        let v = self.text(key, 40)?;
        match timefmt::parse_date(&v) {
            Some(d) => Some(timefmt::format_date(d)),
            None => {
                self.error(key, "Must be a date in the form YYYY-MM-DD");
                None
            }
        }
    }

    /// Optional date-time, returned in CKAN's format.
    pub fn datetime(&mut self, key: &str) -> Option<String> {
        let v = self.text(key, 60)?;
        match timefmt::parse_datetime(&v) {
            Some(t) => Some(t),
            None => {
                self.error(key, "Date format incorrect; use ISO 8601, e.g. 2024-01-15T10:20:30");
                None
            }
        }
    }

    /// A dataset/organization/group name, checked with CKAN's rules.
    pub fn name(&mut self, key: &str, required: bool) -> Option<String> {
        let raw = self.raw(key).cloned();
        let value = match raw {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.error(key, "Names must be strings");
                return None;
            }
        };
        let Some(value) = value else {
            if required {
                self.error(key, "Missing value");
            }
            return None;
        };
        match names::check_name(&value) {
            Ok(()) => Some(value),
            Err(msg) => {
                self.error(key, msg);
                None
            }
        }
    }

    /// Keys the caller has not read.
    pub fn unread_keys(&self) -> Vec<String> {
        self.map.keys().filter(|k| !self.used.contains(*k)).cloned().collect()
    }

    /// Records an error for every key the caller has not read.
    pub fn reject_unknown(&mut self, hint: &str) {
        for key in self.unread_keys() {
            self.error(&key, format!("Unknown field. {hint}"));
        }
    }

    /// The unread entries, removed from the dictionary.
    pub fn take_unread(&mut self) -> Map<String, Value> {
        let keys = self.unread_keys();
        let mut out = Map::new();
        for k in keys {
            if let Some(v) = self.map.remove(&k) {
                out.insert(k, v);
            }
        }
        out
    }

    /// Ends reading: `Err(Validation)` when any error was recorded.
    pub fn finish(self) -> Result<()> {
        self.errors.into_result()
    }

    /// The errors recorded so far, leaving none behind.
    pub fn take_errors(&mut self) -> ValidationErrors {
        std::mem::take(&mut self.errors)
    }
}

/// A short human name for a JSON value's type.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads `id` (or, failing that, `name`) from a request: the identifier of
/// the object an action works on. CKAN accepts either.
pub fn id_or_name(fields: &mut Fields, key: &str) -> Result<String> {
    match fields.text(key, SHORT_MAX) {
        Some(v) => Ok(v),
        None => {
            let mut errs = fields.take_errors();
            if errs.is_empty() {
                errs.add(key, "Missing value");
            }
            Err(Error::Validation(errs))
        }
    }
}

/// Keys of a package dictionary that `package_show` returns but that a
/// client may not set. They are accepted and ignored, so that the CKAN idiom
/// "show, edit, update" works.
pub const PACKAGE_READ_ONLY: &[&str] = &[
    "metadata_created",
    "highlight",
    "metadata_modified",
    "creator_user_id",
    "num_resources",
    "num_tags",
    "organization",
    "license_title",
    "license_url",
    "isopen",
    "relationships_as_object",
    "relationships_as_subject",
    "tracking_summary",
    "revision_id",
    "revision_timestamp",
    "display_name",
    "__extras",
    "__junk",
];

/// A validated dataset, as `package_create`/`package_update` receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageInput {
    pub id: Option<String>,
    pub name: String,
    pub title: String,
    pub notes: Option<String>,
    pub license_id: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    /// `None` means "not given": active on create, unchanged on update.
    pub state: Option<DatasetState>,
    pub private: bool,
    /// Organization id or name, as the client gave it.
    pub owner_org: String,
    pub data_sharing: DataSharing,
    pub data_importance: DataImportance,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: Option<String>,
    pub update_frequency: Option<UpdateFrequency>,
    pub title_translated: BTreeMap<String, String>,
    pub notes_translated: BTreeMap<String, String>,
    /// `None` keeps the current tags on update (CKAN semantics).
    pub tags: Option<Vec<String>>,
    /// `None` keeps the current extras on update.
    pub extras: Option<Vec<(String, String)>>,
    /// `None` keeps the current resources on update.
    pub resources: Option<Vec<ResourceInput>>,
    /// Group ids or names; `None` keeps the current groups on update.
    pub groups: Option<Vec<String>>,
}

/// Names of a dataset's own fields, which an extra may not shadow.
/// Whether `key` names a dataset field (so it cannot be an extra's key).
pub fn is_package_field(key: &str) -> bool {
    PACKAGE_FIELDS.contains(&key) || PACKAGE_READ_ONLY.contains(&key)
}

const PACKAGE_FIELDS: &[&str] = &[
    "id",
    "name",
    "title",
    "notes",
    "license_id",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "url",
    "version",
    "state",
    "private",
    "owner_org",
    "type",
    "data_sharing",
    "data_importance",
    "temporal_start",
    "temporal_end",
    "spatial",
    "update_frequency",
    "title_translated",
    "notes_translated",
    "tags",
    "tag_string",
    "extras",
    "resources",
    "groups",
];

impl PackageInput {
    /// Reads and validates a dataset dictionary. Unknown top-level keys are
    /// errors (custom metadata belongs in `extras`); keys that
    /// `package_show` returns are accepted and ignored.
    pub fn parse(mut f: Fields) -> Result<Self> {
        f.ignore(PACKAGE_READ_ONLY);
        let id = f.text("id", 100);
        let name = f.name("name", true);
        let title = f.text("title", TITLE_MAX);
        let notes = f.text("notes", NOTES_MAX);
        let license_id = f.text("license_id", 100);
        if let Some(l) = &license_id
            && crate::licenses::find(l).is_none()
        {
            let ids: Vec<_> = crate::licenses::LICENSES.iter().map(|l| l.id).collect();
            f.error("license_id", format!("Unknown licence \"{l}\"; use one of: {}", ids.join(", ")));
        }
        let author = f.text("author", SHORT_MAX);
        let author_email = f.email("author_email");
        let maintainer = f.text("maintainer", SHORT_MAX);
        let maintainer_email = f.email("maintainer_email");
        let url = f.text("url", URL_MAX);
        let version = f.text("version", 100);
        let state = match f.vocab::<DatasetState>("state") {
            Some(DatasetState::Deleted) => {
                f.error("state", "Use package_delete to delete a dataset");
                None
            }
            other => other,
        };
        let private = f.bool("private").unwrap_or(false);
        let owner_org = f.required_text("owner_org", 200);
        if let Some(t) = f.text("type", 100)
            && t != "dataset"
        {
            f.error("type", "Only datasets of type \"dataset\" are supported");
        }
        let data_sharing = f.vocab::<DataSharing>("data_sharing").unwrap_or(DataSharing::Open);
        if data_sharing != DataSharing::Open && !private {
            f.error(
                "private",
                "Shared and private-use data (Law on Data, art. 18) cannot be public: set private to true",
            );
        }
        let data_importance = f.vocab::<DataImportance>("data_importance").unwrap_or(DataImportance::Other);
        let temporal_start = f.date("temporal_start");
        let temporal_end = f.date("temporal_end");
        if let (Some(s), Some(e)) = (&temporal_start, &temporal_end)
            && s > e
        {
            f.error("temporal_end", "Must not be before temporal_start");
        }
        let spatial = f.text("spatial", 100_000);
        let update_frequency = f.vocab::<UpdateFrequency>("update_frequency");
        let title_translated = f.translated("title_translated", TITLE_MAX);
        let notes_translated = f.translated("notes_translated", NOTES_MAX);

        let tags = parse_tags(&mut f);
        let extras = parse_extras(&mut f);
        let resources = f.list("resources").map(|items| {
            let len = items.len();
            let mut out = Vec::with_capacity(len);
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::Object(map) => match ResourceInput::parse(Fields::new(map), false) {
                        Ok(r) => out.push(r),
                        Err(Error::Validation(inner)) => f.nested_error("resources", i, len, inner),
                        Err(other) => {
                            let mut inner = ValidationErrors::default();
                            inner.general(other.to_string());
                            f.nested_error("resources", i, len, inner);
                        }
                    },
                    _ => {
                        let mut inner = ValidationErrors::default();
                        inner.general("Each resource must be an object");
                        f.nested_error("resources", i, len, inner);
                    }
                }
            }
            out
        });
        let groups = f.list("groups").map(|items| {
            let mut out = Vec::new();
            for item in items {
                let key = match &item {
                    Value::Object(o) => {
                        o.get("id").or_else(|| o.get("name")).and_then(Value::as_str).map(str::to_string)
                    }
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                };
                match key {
                    Some(k) if !k.is_empty() => out.push(k),
                    _ => f.error("groups", "Each group must be an object with an id or name"),
                }
            }
            out
        });

        f.reject_unknown("Custom metadata goes in \"extras\" as {\"key\": ..., \"value\": ...}.");
        let errors = f.take_errors();
        errors.into_result()?;
        // Unreachable when errors is empty: name and owner_org were recorded as missing.
        let (Some(name), Some(owner_org)) = (name, owner_org) else {
            return Err(Error::internal("required fields missing without errors"));
        };
        Ok(PackageInput {
            id,
            title: title.unwrap_or_else(|| name.clone()),
            name,
            notes,
            license_id,
            author,
            author_email,
            maintainer,
            maintainer_email,
            url,
            version,
            state,
            private,
            owner_org,
            data_sharing,
            data_importance,
            temporal_start,
            temporal_end,
            spatial,
            update_frequency,
            title_translated,
            notes_translated,
            tags,
            extras,
            resources,
            groups,
        })
    }
}

fn parse_tags(f: &mut Fields) -> Option<Vec<String>> {
    let from_list = f.list("tags").map(|items| {
        let mut out = Vec::new();
        for item in items {
            let name = match item {
                Value::Object(mut o) => {
                    for k in o.keys() {
                        if !["name", "display_name", "id", "state", "vocabulary_id"].contains(&k.as_str()) {
                            f.error("tags", format!("Unknown tag field \"{k}\""));
                        }
                    }
                    match o.remove("name") {
                        Some(Value::String(s)) => Some(s),
                        _ => None,
                    }
                }
                Value::String(s) => Some(s),
                _ => None,
            };
            match name {
                Some(n) => out.push(n),
                None => f.error("tags", "Each tag must be an object with a name"),
            }
        }
        out
    });
    let from_string = f
        .text("tag_string", 100_000)
        .map(|s| s.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect::<Vec<_>>());
    let tags = match (from_list, from_string) {
        (None, None) => return None,
        (a, b) => a.unwrap_or_default().into_iter().chain(b.unwrap_or_default()).collect::<Vec<_>>(),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in tags {
        let t: String = t.trim().nfc().collect();
        if let Err(msg) = names::check_tag(&t) {
            f.error("tags", msg);
            continue;
        }
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    Some(out)
}

fn parse_extras(f: &mut Fields) -> Option<Vec<(String, String)>> {
    let items = f.list("extras")?;
    let len = items.len();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut keys = BTreeSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(map) = item else {
            f.error("extras", "Each extra must be an object {\"key\": ..., \"value\": ...}");
            continue;
        };
        let mut e = Fields::new(map);
        e.ignore(&["state", "id", "deleted", "revision_timestamp"]);
        let key = e.required_text("key", 200);
        let value = match e.raw("value").cloned() {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.nfc().collect(),
            Some(other @ (Value::Number(_) | Value::Bool(_))) => other.to_string(),
            Some(other) => serde_json::to_string(&other).unwrap_or_default(),
        };
        if value.contains('\0') {
            e.error("value", "Must not contain NUL characters");
        }
        if value.chars().count() > NOTES_MAX {
            e.error("value", format!("Must be at most {NOTES_MAX} characters long"));
        }
        e.reject_unknown("An extra has only \"key\" and \"value\".");
        if let Some(k) = &key {
            if PACKAGE_FIELDS.contains(&k.as_str()) || PACKAGE_READ_ONLY.contains(&k.as_str()) {
                e.error("key", format!("There is a schema field with the same name: {k}"));
            } else if !keys.insert(k.clone()) {
                e.error("key", format!("Duplicate key \"{k}\""));
            }
        }
        let errs = e.take_errors();
        if !errs.is_empty() {
            f.nested_error("extras", i, len, errs);
            continue;
        }
        if let Some(k) = key {
            out.push((k, value));
        }
    }
    Some(out)
}

/// A validated resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInput {
    pub id: Option<String>,
    /// Set by `resource_create`/`resource_update`; ignored inside a package.
    pub package_id: Option<String>,
    pub url: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub format: Option<String>,
    pub mimetype: Option<String>,
    pub mimetype_inner: Option<String>,
    pub size: Option<i64>,
    pub hash: Option<String>,
    pub last_modified: Option<String>,
    pub resource_type: Option<String>,
    pub url_type: Option<String>,
    pub name_translated: BTreeMap<String, String>,
    pub description_translated: BTreeMap<String, String>,
    /// Any other keys: CKAN keeps them on the resource, so does Kho.
    pub extras: Map<String, Value>,
}

/// Resource keys Kho computes itself; accepted and ignored on input.
pub const RESOURCE_READ_ONLY: &[&str] = &[
    "cache_url",
    "cache_last_updated",
    "datastore_active",
    "metadata_modified",
    "created",
    "state",
    "position",
    "revision_id",
    "tracking_summary",
    "upload",
    "clear_upload",
    "download_url",
    "validation_status",
    "validation_timestamp",
    "schema_source",
];

impl ResourceInput {
    /// Reads and validates a resource dictionary. `standalone` is true for
    /// `resource_create`/`resource_update`, which also read `package_id`.
    pub fn parse(mut f: Fields, standalone: bool) -> Result<Self> {
        f.ignore(RESOURCE_READ_ONLY);
        let id = f.text("id", 100);
        let package_id = if standalone {
            f.text("package_id", 200)
        } else {
            f.ignore(&["package_id"]);
            None
        };
        let url = f.text("url", URL_MAX).unwrap_or_default();
        let name = f.text("name", TITLE_MAX);
        let description = f.text("description", NOTES_MAX);
        let format = f.text("format", 100).map(|s| normalize_format(&s));
        let mimetype = f.text("mimetype", 200);
        let mimetype_inner = f.text("mimetype_inner", 200);
        let size = f.int("size");
        if size.is_some_and(|s| s < 0) {
            f.error("size", "Must be a positive integer");
        }
        let hash = f.text("hash", 200);
        let last_modified = f.datetime("last_modified");
        let resource_type = f.text("resource_type", 100);
        let url_type = f.text("url_type", 50);
        let name_translated = f.translated("name_translated", TITLE_MAX);
        let description_translated = f.translated("description_translated", NOTES_MAX);
        let mut extras = f.take_unread();
        // A Table Schema comes as an object or, from form posts and CKAN
        // clients that stringify extras, as JSON text; it is kept as an
        // object (the catalog checks it against the Table Schema rules).
        if let Some(v) = extras.get_mut("schema") {
            match v {
                Value::String(t) if t.trim().is_empty() => *v = Value::Null,
                Value::String(t) => match serde_json::from_str::<Value>(t) {
                    Ok(o @ Value::Object(_)) => *v = o,
                    _ => f.error("schema", "Must be a Table Schema: a JSON object with \"fields\""),
                },
                Value::Object(_) | Value::Null => {}
                _ => f.error("schema", "Must be a Table Schema: a JSON object with \"fields\""),
            }
        }
        if extras.get("schema").is_some_and(Value::is_null) {
            extras.remove("schema");
        }
        // Unknown resource keys are kept as CKAN does, within limits.
        if extras.len() > 100 {
            f.error("extras", "A resource may carry at most 100 extra fields");
        }
        for (k, v) in extras.iter_mut() {
            if k.chars().count() > 200 {
                f.error(k, "Field names must be at most 200 characters long");
            }
            if let Value::String(s) = v {
                if s.contains('\0') {
                    f.error(k, "Must not contain NUL characters");
                }
                *s = s.nfc().collect();
            }
            if serde_json::to_string(v).map(|s| s.len()).unwrap_or(0) > NOTES_MAX {
                f.error(k, format!("Must be at most {NOTES_MAX} characters long"));
            }
        }
        f.finish()?;
        Ok(ResourceInput {
            id,
            package_id,
            url,
            name,
            description,
            format,
            mimetype,
            mimetype_inner,
            size,
            hash,
            last_modified,
            resource_type,
            url_type,
            name_translated,
            description_translated,
            extras,
        })
    }
}

/// Normalises a resource format the way CKAN's `clean_format` does for the
/// common cases: `csv` → `CSV`, `application/json` → `JSON`.
pub fn normalize_format(s: &str) -> String {
    let t = s.trim().trim_start_matches('.');
    let lower = t.to_ascii_lowercase();
    let mapped = match lower.as_str() {
        "text/csv" => "CSV",
        "application/json" => "JSON",
        "application/geo+json" | "geojson" => "GeoJSON",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "XLSX",
        "application/vnd.ms-excel" => "XLS",
        "application/pdf" => "PDF",
        "application/xml" | "text/xml" => "XML",
        "text/html" => "HTML",
        "application/zip" => "ZIP",
        "text/plain" | "txt" => "TXT",
        "application/vnd.apache.parquet" | "parquet" => "Parquet",
        "ndjson" | "application/x-ndjson" => "NDJSON",
        _ => "",
    };
    if !mapped.is_empty() {
        return mapped.to_string();
    }
    if t.len() <= 10 && t.chars().all(|c| c.is_ascii_alphanumeric()) { t.to_ascii_uppercase() } else { t.to_string() }
}

/// A validated organization or group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInput {
    pub id: Option<String>,
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub agency_kind: Option<AgencyKind>,
    pub agency_code: Option<String>,
    /// Parent organization id or name (organizations only).
    pub parent: Option<String>,
    pub title_translated: BTreeMap<String, String>,
    pub description_translated: BTreeMap<String, String>,
    pub extras: Vec<(String, String)>,
    /// Members to set, `None` to keep the current ones.
    pub users: Option<Vec<(String, Capacity)>>,
}

/// Keys `organization_show`/`group_show` return that clients may echo back.
pub const GROUP_READ_ONLY: &[&str] = &[
    "created",
    "display_name",
    "image_display_url",
    "is_organization",
    "approval_status",
    "num_followers",
    "package_count",
    "packages",
    "type",
    "state",
    "tags",
    "groups",
    "revision_id",
    "children",
    "parent_name",
];

impl GroupInput {
    /// Reads and validates an organization (`is_org`) or group dictionary.
    pub fn parse(mut f: Fields, is_org: bool) -> Result<Self> {
        f.ignore(GROUP_READ_ONLY);
        let id = f.text("id", 100);
        let name = f.name("name", true);
        let title = f.text("title", TITLE_MAX);
        let description = f.text("description", NOTES_MAX);
        let image_url = f.text("image_url", URL_MAX);
        let (agency_kind, agency_code, parent) = if is_org {
            // `parent_id` is what organization_show returns, so a show → update
            // round trip keeps the agency where it is; `parent` (even null) wins if both come.
            let explicit = f.has("parent");
            let parent = f.text("parent", 200);
            let parent_id = f.text("parent_id", 200);
            let parent = if explicit { parent } else { parent_id };
            (f.vocab::<AgencyKind>("agency_kind"), f.text("agency_code", 100), parent)
        } else {
            // group_show echoes these as null; only a value is a mistake.
            for key in ["agency_kind", "agency_code", "parent", "parent_id"] {
                if f.text(key, 200).is_some() {
                    f.error(key, "Only organizations have this field");
                }
            }
            (None, None, None)
        };
        let title_translated = f.translated("title_translated", TITLE_MAX);
        let description_translated = f.translated("description_translated", NOTES_MAX);
        let extras = parse_extras(&mut f).unwrap_or_default();
        let users = f.list("users").map(|items| {
            let mut out = Vec::new();
            for item in items {
                let Value::Object(o) = item else {
                    f.error("users", "Each user must be an object {\"name\": ..., \"capacity\": ...}");
                    continue;
                };
                let who = o.get("name").or_else(|| o.get("id")).and_then(Value::as_str).map(str::to_string);
                let cap = o.get("capacity").and_then(Value::as_str).unwrap_or("member");
                match (who, Capacity::parse(cap)) {
                    (Some(w), Some(c)) => out.push((w, c)),
                    (None, _) => f.error("users", "Each user needs a name"),
                    (_, None) => f.error("users", "Capacity must be one of admin, editor, member"),
                }
            }
            out
        });
        f.reject_unknown("Custom metadata goes in \"extras\".");
        f.take_errors().into_result()?;
        let Some(name) = name else {
            return Err(Error::field("name", "Missing value"));
        };
        Ok(GroupInput {
            id,
            title: title.unwrap_or_else(|| name.clone()),
            name,
            description,
            image_url,
            agency_kind,
            agency_code,
            parent,
            title_translated,
            description_translated,
            extras,
            users,
        })
    }
}

/// A validated new user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    pub password: Option<String>,
    pub fullname: Option<String>,
    pub about: Option<String>,
    pub sysadmin: bool,
}

/// Shortest password accepted, as CKAN.
pub const PASSWORD_MIN: usize = 8;

impl UserInput {
    /// Reads and validates a `user_create` dictionary.
    pub fn parse(mut f: Fields) -> Result<Self> {
        f.ignore(&["id", "created", "display_name", "state", "image_url", "image_display_url", "email_hash"]);
        let name = f.name("name", true);
        let email = f.email("email");
        if email.is_none() && !f.errors.has("email") {
            f.error("email", "Missing value");
        }
        let password = f.text("password", 1_000);
        if let Some(p) = &password
            && p.chars().count() < PASSWORD_MIN
        {
            f.error("password", "Your password must be 8 characters or longer");
        }
        let fullname = f.text("fullname", SHORT_MAX);
        let about = f.text("about", NOTES_MAX);
        let sysadmin = f.bool("sysadmin").unwrap_or(false);
        f.reject_unknown("");
        f.take_errors().into_result()?;
        match (name, email) {
            (Some(name), Some(email)) => Ok(UserInput { name, email, password, fullname, about, sysadmin }),
            _ => Err(Error::internal("required user fields missing without errors")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        Fields::from_value(v).unwrap()
    }

    #[test]
    fn text_lists_are_checked_item_by_item() {
        let mut f = Fields::from_value(serde_json::json!({
            "a": [" co\u{0302}ng da\u{0302}n ", "công dân", "", "x"],
            "b": ["ok", 3, "nul\u{0}"],
            "c": "[\"một\"]",
            "d": ["quá dài"],
        }))
        .unwrap();
        // Decomposed and precomposed spellings are one item.
        assert_eq!(f.text_list("a", 50), vec!["công dân", "x"]);
        assert_eq!(f.text_list("b", 50), vec!["ok"]);
        assert_eq!(f.text_list("c", 50), vec!["một"]);
        assert!(f.text_list("d", 3).is_empty());
        let e = f.take_errors();
        assert!(e.has("b") && e.has("d") && !e.has("a") && !e.has("c"), "{e:?}");
    }

    #[test]
    fn lenient_scalars() {
        let mut f = fields(json!({"a": "true", "b": 0, "c": "12", "d": "x", "e": "[1,2]", "f": null}));
        assert_eq!(f.bool("a"), Some(true));
        assert_eq!(f.bool("b"), Some(false));
        assert_eq!(f.int("c"), Some(12));
        assert_eq!(f.int("d"), None);
        assert_eq!(f.list("e").unwrap().len(), 2);
        assert_eq!(f.text("f", 10), None);
        assert!(f.finish().is_err());
    }

    #[test]
    fn text_is_nfc_normalised() {
        let mut f = fields(json!({"t": "Vie\u{0323}\u{0302}t Nam"}));
        assert_eq!(f.text("t", 100).unwrap(), "Việt Nam");
    }

    #[test]
    fn package_collects_all_errors() {
        let err = PackageInput::parse(fields(json!({
            "name": "Bad Name",
            "private": "maybe",
            "lisence_id": "cc-by",
            "data_sharing": "shared",
            "resources": [{"url": "http://x"}, {"size": "big"}],
            "notes": "a\u{0}b"
        })))
        .unwrap_err();
        let Error::Validation(e) = err else { panic!() };
        let m = e.to_map();
        for k in ["name", "private", "lisence_id", "owner_org", "resources", "notes"] {
            assert!(m.contains_key(k), "{k} missing in {m:?}");
        }
        assert_eq!(m["resources"], json!([{}, {"size": ["Invalid integer"]}]));
    }

    #[test]
    fn package_round_trip_keys_are_ignored() {
        let p = PackageInput::parse(fields(json!({
            "name": "dan-so", "owner_org": "org", "num_resources": 3, "organization": {"x": 1},
            "tags": [{"name": "giáo dục", "display_name": "giáo dục", "id": "x", "state": "active", "vocabulary_id": null}],
            "tag_string": "y tế, giáo dục",
            "extras": [{"key": "nguon", "value": 3}]
        })))
        .unwrap();
        assert_eq!(p.title, "dan-so");
        assert_eq!(p.tags.unwrap(), vec!["giáo dục".to_string(), "y tế".to_string()]);
        assert_eq!(p.extras.unwrap(), vec![("nguon".to_string(), "3".to_string())]);
        assert!(p.resources.is_none());
    }

    #[test]
    fn extras_may_not_shadow_fields() {
        let err = PackageInput::parse(fields(json!({
            "name": "dan-so", "owner_org": "org", "extras": [{"key": "title", "value": "x"}, {"key": "a"}, {"key": "a"}]
        })))
        .unwrap_err();
        let Error::Validation(e) = err else { panic!() };
        assert!(e.to_map()["extras"].to_string().contains("schema field"));
        assert!(e.to_map()["extras"].to_string().contains("Duplicate"));
    }

    #[test]
    fn formats_normalise() {
        assert_eq!(normalize_format("csv"), "CSV");
        assert_eq!(normalize_format(".xlsx"), "XLSX");
        assert_eq!(normalize_format("application/json"), "JSON");
        assert_eq!(normalize_format("Esri Shapefile"), "Esri Shapefile");
    }

    #[test]
    fn users() {
        let u = UserInput::parse(fields(json!({"name": "an", "email": "an@x.vn", "password": "12345678"}))).unwrap();
        assert_eq!(u.name, "an");
        let e = UserInput::parse(fields(json!({"name": "An", "password": "short"}))).unwrap_err();
        let Error::Validation(e) = e else { panic!() };
        assert!(e.has("name") && e.has("email") && e.has("password"));
    }
}
