//! Table Schema (v1 and v2): reading, checking and writing a schema.
//!
//! [`Schema::from_json`] accepts both versions of the specification: v1's
//! `primaryKey`/`foreignKeys`/`missingValues` (a key may be a string or a
//! list), and v2's additions — `fieldsMatch`, `uniqueKeys`, missing values
//! as `{"value", "label"}` objects, the `list` type, the
//! `exclusiveMinimum`/`exclusiveMaximum` constraints. It refuses what it
//! cannot check, with a message naming the field: an unknown type,
//! format or constraint, a constraint value the field cannot read, a key
//! naming a missing field, a foreign key that references itself, forms a
//! cycle or joins fields whose values can never be equal, and a `pattern`
//! that is not a valid regular expression or is longer than 1,000
//! characters.
//!
//! Kho's extension: Vietnamese administrative units in force since 1 July
//! 2025 ([`VnAdminLevel`]). On a `string` field, `"format": "vn-admin-unit"`
//! or the constraint `"vnAdminUnit": "province"` accepts a province by code
//! or name (with or without diacritics or a "Tỉnh"/"TP." prefix), as
//! [`kho_admin_units::find_province`] matches it;
//! `"vn-admin-unit-commune"` / `"vnAdminUnit": "commune"` a commune, as
//! [`kho_admin_units::find_commune`] matches it (also "Phường Sài Gòn,
//! TP. Hồ Chí Minh": a commune within its province);
//! `"vn-admin-unit-any"` / `"vnAdminUnit": "any"` either. A failed format
//! is a `type-error`, a failed constraint a `constraint-error`.
//! Frictionless does not know either form: version 5.18.1 refuses such a
//! schema with a `field-error` (an unknown `format` value, an unsupported
//! constraint).

use std::collections::{HashMap, HashSet};

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value as Json};

use crate::value::geo::{GeojsonFormat, GeopointFormat};
use crate::value::number::{Dec, NumberStyle};
use crate::value::temporal::TemporalFormat;
use crate::value::{self, Kind, Owned, StringFormat, Value};

/// The longest `pattern` accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 1_000;

/// Why a schema was refused.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The text is not JSON.
    #[error("the schema is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A property has the wrong shape (`at` says where, e.g. `fields[2].name`).
    #[error("{at}: {message}")]
    Invalid {
        /// Where in the schema.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A field's type is not a Table Schema type.
    #[error(
        "field \"{field}\": unknown type \"{type_name}\" (known types: string, number, integer, boolean, date, datetime, time, year, yearmonth, duration, geopoint, geojson, object, array, list, any)"
    )]
    UnknownType {
        /// The field's name.
        field: String,
        /// The type given.
        type_name: String,
    },
    /// Two fields share a name.
    #[error("field name \"{0}\" is used by more than one field")]
    DuplicateField(String),
    /// A primary key names a field that does not exist.
    #[error("primaryKey names \"{0}\", which is not a field of the schema")]
    PrimaryKeyField(String),
    /// A unique key names a field that does not exist.
    #[error("uniqueKeys names \"{0}\", which is not a field of the schema")]
    UniqueKeyField(String),
    /// A foreign key's own fields include one that does not exist.
    #[error("foreign key {index}: \"{field}\" is not a field of the schema")]
    ForeignKeyField {
        /// The foreign key's position (from 1).
        index: usize,
        /// The missing field.
        field: String,
    },
    /// A foreign key to this same table references a field that does not exist.
    #[error("foreign key {index}: the referenced field \"{field}\" is not a field of this table")]
    ForeignKeyReference {
        /// The foreign key's position (from 1).
        index: usize,
        /// The missing field.
        field: String,
    },
    /// A foreign key's two field lists differ in length.
    #[error("foreign key {index}: {fields} field(s) reference {reference} field(s); the counts must match")]
    ForeignKeyArity {
        /// The foreign key's position (from 1).
        index: usize,
        /// How many fields it has.
        fields: usize,
        /// How many it references.
        reference: usize,
    },
    /// A foreign key that can never mean anything: it references its own
    /// fields, or joins fields whose values can never be equal.
    #[error("foreign key {index}: {message}")]
    ForeignKeyInconsistent {
        /// The foreign key's position (from 1).
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// Foreign keys within one table that reference each other in a cycle.
    #[error("foreign keys form a cycle: {0}")]
    ForeignKeyCycle(String),
    /// A constraint the field's type does not have.
    #[error("field \"{field}\": constraint \"{constraint}\" does not apply to type \"{type_name}\"")]
    UnsupportedConstraint {
        /// The field's name.
        field: String,
        /// The constraint.
        constraint: String,
        /// The field's type.
        type_name: String,
    },
    /// A constraint whose value is wrong for the field.
    #[error("field \"{field}\": constraint \"{constraint}\": {message}")]
    InvalidConstraint {
        /// The field's name.
        field: String,
        /// The constraint.
        constraint: String,
        /// What is wrong.
        message: String,
    },
    /// A `pattern` longer than [`MAX_PATTERN_LEN`].
    #[error("field \"{field}\": the pattern is {len} characters long; at most 1,000 are accepted")]
    PatternTooLong {
        /// The field's name.
        field: String,
        /// Its length in characters.
        len: usize,
    },
    /// A `pattern` that does not compile.
    #[error("field \"{field}\": invalid pattern: {message}")]
    InvalidPattern {
        /// The field's name.
        field: String,
        /// The regular expression engine's message.
        message: String,
    },
    /// A `format` the field's type does not have, or a date pattern that
    /// cannot be read.
    #[error("field \"{field}\": format \"{format}\": {message}")]
    InvalidFormat {
        /// The field's name.
        field: String,
        /// The format given.
        format: String,
        /// What is wrong.
        message: String,
    },
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text.
    String,
    /// A decimal number.
    Number,
    /// A whole number.
    Integer,
    /// True or false.
    Boolean,
    /// A calendar date.
    Date,
    /// A date and time.
    Datetime,
    /// A time of day.
    Time,
    /// A year.
    Year,
    /// A year and month (`2026-11`).
    Yearmonth,
    /// An ISO 8601 duration (`P1Y2M`).
    Duration,
    /// A point: longitude and latitude.
    Geopoint,
    /// A GeoJSON (or TopoJSON) object.
    Geojson,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// Table Schema v2: a delimited list of items of one type.
    List,
    /// Anything.
    Any,
}

impl FieldType {
    /// Every type, in the order frictionless tries them when inferring.
    pub const ALL: [FieldType; 16] = [
        FieldType::String,
        FieldType::Number,
        FieldType::Integer,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Datetime,
        FieldType::Time,
        FieldType::Year,
        FieldType::Yearmonth,
        FieldType::Duration,
        FieldType::Geopoint,
        FieldType::Geojson,
        FieldType::Object,
        FieldType::Array,
        FieldType::List,
        FieldType::Any,
    ];

    /// The name used in schemas (`"integer"`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::Year => "year",
            FieldType::Yearmonth => "yearmonth",
            FieldType::Duration => "duration",
            FieldType::Geopoint => "geopoint",
            FieldType::Geojson => "geojson",
            FieldType::Object => "object",
            FieldType::Array => "array",
            FieldType::List => "list",
            FieldType::Any => "any",
        }
    }

    /// Reads a type name.
    pub fn parse(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Which of two key fields' values can ever be equal in Python: numbers,
    /// integers, years and booleans (`True == 1`) share one family, strings
    /// and `any` another; other types only match themselves.
    fn family(self) -> u8 {
        match self {
            FieldType::Number | FieldType::Integer | FieldType::Year | FieldType::Boolean => 0,
            FieldType::String | FieldType::Any => 1,
            other => 2 + other as u8,
        }
    }
}

/// A missing-value marker: cells equal to `value` are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingValue {
    /// The text that marks a missing value (`""`, `"NA"`, `"-"`).
    pub value: String,
    /// Table Schema v2: what the marker means ("không áp dụng").
    pub label: Option<String>,
}

impl MissingValue {
    /// A marker without a label.
    pub fn new(value: impl Into<String>) -> MissingValue {
        MissingValue { value: value.into(), label: None }
    }
}

/// How a schema's fields are matched with a file's columns (Table Schema v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldsMatch {
    /// Same fields, same order, matched by position (v1 behaviour).
    #[default]
    Exact,
    /// Same fields in any order, matched by name.
    Equal,
    /// Every schema field is in the file, which may have more; by name.
    Subset,
    /// Every file column is in the schema, which may have more; by name.
    Superset,
    /// At least one schema field is in the file; by name.
    Partial,
}

impl FieldsMatch {
    /// The name used in schemas.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldsMatch::Exact => "exact",
            FieldsMatch::Equal => "equal",
            FieldsMatch::Subset => "subset",
            FieldsMatch::Superset => "superset",
            FieldsMatch::Partial => "partial",
        }
    }
}

/// The administrative level a `vnAdminUnit` constraint (or a
/// `vn-admin-unit…` string format) checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VnAdminLevel {
    /// One of the 34 provinces in force since 1 July 2025.
    Province,
    /// One of the 3,321 communes (xã, phường, đặc khu) in force since
    /// 1 July 2025.
    Commune,
    /// A province or a commune.
    Any,
}

impl VnAdminLevel {
    /// The name used in schemas (`"province"`).
    pub fn as_str(self) -> &'static str {
        match self {
            VnAdminLevel::Province => "province",
            VnAdminLevel::Commune => "commune",
            VnAdminLevel::Any => "any",
        }
    }

    /// Reads a level name.
    pub fn parse(name: &str) -> Option<VnAdminLevel> {
        [VnAdminLevel::Province, VnAdminLevel::Commune, VnAdminLevel::Any].into_iter().find(|l| l.as_str() == name)
    }

    /// The string format that checks this level.
    pub fn format(self) -> &'static str {
        match self {
            VnAdminLevel::Province => "vn-admin-unit",
            VnAdminLevel::Commune => "vn-admin-unit-commune",
            VnAdminLevel::Any => "vn-admin-unit-any",
        }
    }

    /// Whether `label` names a unit of this level, as `kho_admin_units`
    /// matches names: a code, or a name with or without diacritics and
    /// type words. A commune may be followed by its province after a comma
    /// ("Phường Sài Gòn, TP. Hồ Chí Minh"), and is then looked for in that
    /// province only. A commune name that several communes share is still
    /// a real commune, so it is accepted.
    pub fn accepts(self, label: &str) -> bool {
        match self {
            VnAdminLevel::Province => kho_admin_units::find_province(label).is_some(),
            VnAdminLevel::Commune => is_commune(label),
            VnAdminLevel::Any => kho_admin_units::find_province(label).is_some() || is_commune(label),
        }
    }
}

fn is_commune(label: &str) -> bool {
    use kho_admin_units::{Found, find_commune, find_province};
    if !matches!(find_commune(label, None), Found::None) {
        return true;
    }
    let Some((commune, province)) = label.rsplit_once([',', ';']) else { return false };
    match find_province(province) {
        Some(p) => !matches!(find_commune(commune.trim(), Some(p.code)), Found::None),
        None => false,
    }
}

/// A field's constraints. Bounds and `enum` values are kept as written in
/// the schema (JSON) and read with the field's type when the schema is
/// checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// A value is needed in every row.
    pub required: Option<bool>,
    /// No two rows have the same value.
    pub unique: Option<bool>,
    /// Smallest value allowed.
    pub minimum: Option<Json>,
    /// Largest value allowed.
    pub maximum: Option<Json>,
    /// Values must be greater than this (v2).
    pub exclusive_minimum: Option<Json>,
    /// Values must be less than this (v2).
    pub exclusive_maximum: Option<Json>,
    /// Fewest characters (strings) or items (arrays, lists, objects).
    pub min_length: Option<u64>,
    /// Most characters or items.
    pub max_length: Option<u64>,
    /// A regular expression the whole value must match.
    pub pattern: Option<String>,
    /// The only values allowed.
    pub enum_: Option<Vec<Json>>,
    /// Kho: the value must name a Vietnamese administrative unit.
    pub vn_admin_unit: Option<VnAdminLevel>,
}

impl Constraints {
    fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The column's name, as in the header.
    pub name: String,
    /// Its type (`string` when the schema says nothing, as in frictionless).
    pub field_type: FieldType,
    /// The type's format (`email`, `%d/%m/%Y`, …); `None` is `default`.
    pub format: Option<String>,
    /// A human title.
    pub title: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The constraints.
    pub constraints: Constraints,
    /// Missing-value markers for this field, replacing the schema's.
    pub missing_values: Option<Vec<MissingValue>>,
    /// `boolean`: texts read as true (default `true`, `True`, `TRUE`, `1`).
    pub true_values: Option<Vec<String>>,
    /// `boolean`: texts read as false (default `false`, `False`, `FALSE`, `0`).
    pub false_values: Option<Vec<String>>,
    /// `number`: the decimal mark (default `.`).
    pub decimal_char: Option<String>,
    /// `number`/`integer`: the thousands separator, removed before reading.
    pub group_char: Option<String>,
    /// `number`/`integer`: `false` drops leading and trailing non-digits
    /// (currency signs, units) before reading.
    pub bare_number: Option<bool>,
    /// `list`: the item separator (default `,`).
    pub delimiter: Option<String>,
    /// `list`: the items' type (default `string`).
    pub item_type: Option<FieldType>,
    /// Other properties, kept so the schema writes back as it was read.
    pub extra: Map<String, Json>,
}

impl Field {
    /// A field with only a name and a type.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> Field {
        Field {
            name: name.into(),
            field_type,
            format: None,
            title: None,
            description: None,
            constraints: Constraints::default(),
            missing_values: None,
            true_values: None,
            false_values: None,
            decimal_char: None,
            group_char: None,
            bare_number: None,
            delimiter: None,
            item_type: None,
            extra: Map::new(),
        }
    }

    /// The format as frictionless names it (`default` when unset).
    pub fn format_name(&self) -> &str {
        self.format.as_deref().unwrap_or("default")
    }
}

/// A foreign key's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyReference {
    /// The referenced resource; `""` is this same table.
    pub resource: String,
    /// The referenced fields.
    pub fields: Vec<String>,
}

/// A foreign key: every value of `fields` must appear in the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// This table's fields.
    pub fields: Vec<String>,
    /// What they reference.
    pub reference: ForeignKeyReference,
}

/// A Table Schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The fields, in column order.
    pub fields: Vec<Field>,
    /// Fields whose values together identify a row.
    pub primary_key: Vec<String>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// v2: further field combinations that must be unique (rows with an
    /// empty value in the key are left out).
    pub unique_keys: Vec<Vec<String>>,
    /// Texts read as empty (default `[""]`).
    pub missing_values: Vec<MissingValue>,
    /// v2: how fields are matched with columns.
    pub fields_match: FieldsMatch,
    /// Other properties (`name`, `title`, `$schema`, …), kept for writing back.
    pub extra: Map<String, Json>,
}

impl Default for Schema {
    fn default() -> Schema {
        Schema {
            fields: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            unique_keys: Vec::new(),
            missing_values: vec![MissingValue::new("")],
            fields_match: FieldsMatch::Exact,
            extra: Map::new(),
        }
    }
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> SchemaError {
    SchemaError::Invalid { at: at.into(), message: message.into() }
}

fn string_list(v: &Json, at: &str) -> Result<Vec<String>, SchemaError> {
    match v {
        // v1 allows a single name instead of a list.
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| invalid(at, "expected a list of names")))
            .collect(),
        _ => Err(invalid(at, "expected a name or a list of names")),
    }
}

fn opt_string(m: &Map<String, Json>, key: &str, at: &str) -> Result<Option<String>, SchemaError> {
    match m.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{at}.{key}"), "expected a string")),
    }
}

fn missing_values(v: &Json, at: &str) -> Result<Vec<MissingValue>, SchemaError> {
    let Json::Array(a) = v else { return Err(invalid(at, "expected a list")) };
    a.iter()
        .map(|x| match x {
            Json::String(s) => Ok(MissingValue::new(s.clone())),
            // v2: {"value": "-99", "label": "không trả lời"}
            Json::Object(o) => {
                let value = o
                    .get("value")
                    .and_then(Json::as_str)
                    .ok_or_else(|| invalid(at, "a missing value object needs a string \"value\""))?;
                let label = o.get("label").and_then(Json::as_str).map(str::to_string);
                Ok(MissingValue { value: value.to_string(), label })
            }
            _ => Err(invalid(at, "missing values must be strings or {\"value\", \"label\"} objects")),
        })
        .collect()
}

fn missing_values_json(v: &[MissingValue]) -> Json {
    Json::Array(
        v.iter()
            .map(|m| match &m.label {
                None => Json::String(m.value.clone()),
                Some(l) => serde_json::json!({"value": m.value, "label": l}),
            })
            .collect(),
    )
}

const CONSTRAINT_NAMES: [&str; 11] = [
    "required",
    "unique",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "vnAdminUnit",
];

fn constraints(v: &Json, at: &str) -> Result<Constraints, SchemaError> {
    let Json::Object(m) = v else { return Err(invalid(at, "constraints must be an object")) };
    let mut c = Constraints::default();
    for (k, v) in m {
        let here = format!("{at}.{k}");
        let boolean = || v.as_bool().ok_or_else(|| invalid(&here, "expected true or false"));
        let length = || v.as_u64().ok_or_else(|| invalid(&here, "expected a non-negative integer"));
        match k.as_str() {
            "required" => c.required = Some(boolean()?),
            "unique" => c.unique = Some(boolean()?),
            "minimum" => c.minimum = Some(v.clone()),
            "maximum" => c.maximum = Some(v.clone()),
            "exclusiveMinimum" => c.exclusive_minimum = Some(v.clone()),
            "exclusiveMaximum" => c.exclusive_maximum = Some(v.clone()),
            "minLength" => c.min_length = Some(length()?),
            "maxLength" => c.max_length = Some(length()?),
            "pattern" => c.pattern = Some(v.as_str().ok_or_else(|| invalid(&here, "expected a string"))?.to_string()),
            "enum" => match v {
                Json::Array(a) => c.enum_ = Some(a.clone()),
                _ => return Err(invalid(&here, "expected a list")),
            },
            "vnAdminUnit" => match v.as_str().and_then(VnAdminLevel::parse) {
                Some(level) => c.vn_admin_unit = Some(level),
                None => return Err(invalid(&here, "expected \"province\", \"commune\" or \"any\"")),
            },
            other => {
                return Err(invalid(
                    &here,
                    format!("unknown constraint \"{other}\" (known: {})", CONSTRAINT_NAMES.join(", ")),
                ));
            }
        }
    }
    Ok(c)
}

fn constraints_json(c: &Constraints) -> Map<String, Json> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("required", c.required.map(Json::Bool));
    put("unique", c.unique.map(Json::Bool));
    put("minimum", c.minimum.clone());
    put("maximum", c.maximum.clone());
    put("exclusiveMinimum", c.exclusive_minimum.clone());
    put("exclusiveMaximum", c.exclusive_maximum.clone());
    put("minLength", c.min_length.map(Json::from));
    put("maxLength", c.max_length.map(Json::from));
    put("pattern", c.pattern.clone().map(Json::String));
    put("enum", c.enum_.clone().map(Json::Array));
    put("vnAdminUnit", c.vn_admin_unit.map(|l| Json::String(l.as_str().into())));
    m
}

fn field_from(v: &Json, i: usize) -> Result<Field, SchemaError> {
    let at = format!("fields[{i}]");
    let Json::Object(m) = v else { return Err(invalid(&at, "a field must be an object")) };
    let name = match m.get("name") {
        Some(Json::String(s)) => s.clone(),
        _ => return Err(invalid(&at, "a field needs a string \"name\"")),
    };
    let field_type = match m.get("type") {
        None | Some(Json::Null) => FieldType::String,
        Some(Json::String(t)) => {
            FieldType::parse(t).ok_or_else(|| SchemaError::UnknownType { field: name.clone(), type_name: t.clone() })?
        }
        Some(_) => return Err(invalid(format!("{at}.type"), "expected a string")),
    };
    let mut f = Field::new(name, field_type);
    for (k, v) in m {
        let here = format!("{at}.{k}");
        match k.as_str() {
            "name" | "type" => {}
            "format" => {
                let s = v.as_str().ok_or_else(|| invalid(&here, "expected a string"))?;
                // v1 once spelled patterns "fmt:%d/%m/%Y".
                let s = s.strip_prefix("fmt:").unwrap_or(s);
                f.format = (s != "default").then(|| s.to_string());
            }
            "title" => f.title = opt_string(m, k, &at)?,
            "description" => f.description = opt_string(m, k, &at)?,
            "constraints" => f.constraints = constraints(v, &here)?,
            "missingValues" => f.missing_values = Some(missing_values(v, &here)?),
            "trueValues" => f.true_values = Some(string_list(v, &here)?),
            "falseValues" => f.false_values = Some(string_list(v, &here)?),
            "decimalChar" => f.decimal_char = opt_string(m, k, &at)?,
            "groupChar" => f.group_char = opt_string(m, k, &at)?,
            "bareNumber" => f.bare_number = Some(v.as_bool().ok_or_else(|| invalid(&here, "expected true or false"))?),
            "delimiter" => f.delimiter = opt_string(m, k, &at)?,
            "itemType" => {
                let t = v.as_str().ok_or_else(|| invalid(&here, "expected a type name"))?;
                f.item_type = Some(
                    FieldType::parse(t)
                        .ok_or_else(|| SchemaError::UnknownType { field: f.name.clone(), type_name: t.to_string() })?,
                );
            }
            "required" | "unique" => {
                return Err(invalid(&here, format!("\"{k}\" belongs in \"constraints\"")));
            }
            "arrayItem" | "jsonSchema" => {
                return Err(invalid(&here, format!("\"{k}\" is not supported")));
            }
            _ => {
                f.extra.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(f)
}

fn field_json(f: &Field) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), Json::String(f.name.clone()));
    m.insert("type".into(), Json::String(f.field_type.as_str().into()));
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("format", f.format.clone().map(Json::String));
    put("title", f.title.clone().map(Json::String));
    put("description", f.description.clone().map(Json::String));
    put("missingValues", f.missing_values.as_deref().map(missing_values_json));
    put("trueValues", f.true_values.clone().map(|v| Json::Array(v.into_iter().map(Json::String).collect())));
    put("falseValues", f.false_values.clone().map(|v| Json::Array(v.into_iter().map(Json::String).collect())));
    put("decimalChar", f.decimal_char.clone().map(Json::String));
    put("groupChar", f.group_char.clone().map(Json::String));
    put("bareNumber", f.bare_number.map(Json::Bool));
    put("delimiter", f.delimiter.clone().map(Json::String));
    put("itemType", f.item_type.map(|t| Json::String(t.as_str().into())));
    if !f.constraints.is_empty() {
        m.insert("constraints".into(), Json::Object(constraints_json(&f.constraints)));
    }
    for (k, v) in &f.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Json::Object(m)
}

impl Schema {
    /// Reads and checks a schema (Table Schema v1 or v2).
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        let v: Json = serde_json::from_str(text)?;
        Schema::from_value(&v)
    }

    /// Reads and checks a schema already parsed as JSON.
    pub fn from_value(v: &Json) -> Result<Schema, SchemaError> {
        let Json::Object(m) = v else { return Err(invalid("schema", "a schema must be a JSON object")) };
        let mut s = Schema::default();
        let Some(Json::Array(fields)) = m.get("fields") else {
            return Err(invalid("schema", "a schema needs a \"fields\" list"));
        };
        s.fields = fields.iter().enumerate().map(|(i, f)| field_from(f, i)).collect::<Result<_, _>>()?;
        for (k, v) in m {
            match k.as_str() {
                "fields" => {}
                "primaryKey" => s.primary_key = string_list(v, "primaryKey")?,
                "uniqueKeys" => {
                    let Json::Array(keys) = v else { return Err(invalid("uniqueKeys", "expected a list of lists")) };
                    s.unique_keys = keys.iter().map(|k| string_list(k, "uniqueKeys")).collect::<Result<_, _>>()?;
                }
                "missingValues" => s.missing_values = missing_values(v, "missingValues")?,
                "fieldsMatch" => {
                    s.fields_match = match v.as_str() {
                        Some("exact") => FieldsMatch::Exact,
                        Some("equal") => FieldsMatch::Equal,
                        Some("subset") => FieldsMatch::Subset,
                        Some("superset") => FieldsMatch::Superset,
                        Some("partial") => FieldsMatch::Partial,
                        _ => return Err(invalid("fieldsMatch", "expected exact, equal, subset, superset or partial")),
                    }
                }
                "foreignKeys" => {
                    let Json::Array(fks) = v else { return Err(invalid("foreignKeys", "expected a list")) };
                    for (i, fk) in fks.iter().enumerate() {
                        let at = format!("foreignKeys[{i}]");
                        let Json::Object(fk) = fk else { return Err(invalid(&at, "expected an object")) };
                        let fields = fk.get("fields").map(|f| string_list(f, &at)).transpose()?.unwrap_or_default();
                        let Some(Json::Object(r)) = fk.get("reference") else {
                            return Err(invalid(&at, "a foreign key needs a \"reference\" object"));
                        };
                        let resource = opt_string(r, "resource", &at)?.unwrap_or_default();
                        let ref_fields = r.get("fields").map(|f| string_list(f, &at)).transpose()?.unwrap_or_default();
                        s.foreign_keys.push(ForeignKey {
                            fields,
                            reference: ForeignKeyReference { resource, fields: ref_fields },
                        });
                    }
                }
                _ => {
                    s.extra.insert(k.clone(), v.clone());
                }
            }
        }
        s.check()?;
        Ok(s)
    }

    /// Checks names, keys and every field's type, format and constraints.
    pub fn check(&self) -> Result<(), SchemaError> {
        let mut names = HashSet::new();
        for f in &self.fields {
            if !names.insert(f.name.as_str()) {
                return Err(SchemaError::DuplicateField(f.name.clone()));
            }
        }
        for n in &self.primary_key {
            if !names.contains(n.as_str()) {
                return Err(SchemaError::PrimaryKeyField(n.clone()));
            }
        }
        for key in &self.unique_keys {
            for n in key {
                if !names.contains(n.as_str()) {
                    return Err(SchemaError::UniqueKeyField(n.clone()));
                }
            }
        }
        self.check_foreign_keys(&names)?;
        for f in &self.fields {
            compile_field(f, &self.missing_values)?;
        }
        Ok(())
    }

    fn check_foreign_keys(&self, names: &HashSet<&str>) -> Result<(), SchemaError> {
        let types: HashMap<&str, FieldType> = self.fields.iter().map(|f| (f.name.as_str(), f.field_type)).collect();
        for (i, fk) in self.foreign_keys.iter().enumerate() {
            let index = i + 1;
            if fk.fields.is_empty() {
                return Err(SchemaError::ForeignKeyInconsistent { index, message: "it names no fields".into() });
            }
            for n in &fk.fields {
                if !names.contains(n.as_str()) {
                    return Err(SchemaError::ForeignKeyField { index, field: n.clone() });
                }
            }
            if fk.fields.len() != fk.reference.fields.len() {
                return Err(SchemaError::ForeignKeyArity {
                    index,
                    fields: fk.fields.len(),
                    reference: fk.reference.fields.len(),
                });
            }
            if !fk.reference.resource.is_empty() {
                continue;
            }
            for n in &fk.reference.fields {
                if !names.contains(n.as_str()) {
                    return Err(SchemaError::ForeignKeyReference { index, field: n.clone() });
                }
            }
            if fk.fields == fk.reference.fields {
                return Err(SchemaError::ForeignKeyInconsistent {
                    index,
                    message: format!("\"{}\" references itself, which every row satisfies", fk.fields.join(", ")),
                });
            }
            for (a, b) in fk.fields.iter().zip(&fk.reference.fields) {
                let (ta, tb) = (types[a.as_str()], types[b.as_str()]);
                if ta.family() != tb.family() {
                    return Err(SchemaError::ForeignKeyInconsistent {
                        index,
                        message: format!("\"{a}\" ({}) can never equal \"{b}\" ({})", ta.as_str(), tb.as_str()),
                    });
                }
            }
        }
        // Within one table, keys form a graph from fields to referenced
        // fields; a cycle (a → b → a) means the columns must hold the same
        // values, which is a mistake, not a rule.
        let same: Vec<&ForeignKey> = self.foreign_keys.iter().filter(|f| f.reference.resource.is_empty()).collect();
        let node = |v: &[String]| v.join("\u{1f}");
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        for fk in &same {
            edges.entry(node(&fk.fields)).or_default().push(node(&fk.reference.fields));
        }
        let mut done: HashSet<String> = HashSet::new();
        for start in edges.keys() {
            let mut path: Vec<String> = Vec::new();
            if let Some(cycle) = find_cycle(start, &edges, &mut path, &mut done) {
                return Err(SchemaError::ForeignKeyCycle(cycle.join(" → ").replace('\u{1f}', ", ")));
            }
        }
        Ok(())
    }

    /// The schema as a JSON value.
    pub fn to_value(&self) -> Json {
        let mut m = Map::new();
        m.insert("fields".into(), Json::Array(self.fields.iter().map(field_json).collect()));
        if !self.primary_key.is_empty() {
            m.insert("primaryKey".into(), Json::from(self.primary_key.clone()));
        }
        if !self.foreign_keys.is_empty() {
            m.insert(
                "foreignKeys".into(),
                Json::Array(
                    self.foreign_keys
                        .iter()
                        .map(|fk| {
                            serde_json::json!({
                                "fields": fk.fields,
                                "reference": {"resource": fk.reference.resource, "fields": fk.reference.fields},
                            })
                        })
                        .collect(),
                ),
            );
        }
        if !self.unique_keys.is_empty() {
            m.insert("uniqueKeys".into(), Json::from(self.unique_keys.clone()));
        }
        if self.missing_values != [MissingValue::new("")] {
            m.insert("missingValues".into(), missing_values_json(&self.missing_values));
        }
        if self.fields_match != FieldsMatch::Exact {
            m.insert("fieldsMatch".into(), Json::String(self.fields_match.as_str().into()));
        }
        for (k, v) in &self.extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Json::Object(m)
    }

    /// The schema as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_else(|_| "{}".into())
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

fn find_cycle(
    at: &str,
    edges: &HashMap<String, Vec<String>>,
    path: &mut Vec<String>,
    done: &mut HashSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| p == at) {
        let mut c = path[i..].to_vec();
        c.push(at.to_string());
        return Some(c);
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.to_string());
    for next in edges.get(at).map(Vec::as_slice).unwrap_or_default() {
        if let Some(c) = find_cycle(next, edges, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(at.to_string());
    None
}

/// A field ready to check cells: its reading rules and constraints,
/// compiled once.
#[derive(Debug, Clone)]
pub(crate) struct CompiledField {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// "integer/default", as frictionless names a type in messages.
    pub(crate) type_label: String,
    pub(crate) field_type: FieldType,
    pub(crate) format: Option<String>,
    pub(crate) missing: Vec<String>,
    pub(crate) unique: bool,
    pub(crate) checks: Vec<Check>,
}

/// One constraint check, in frictionless' order for the type.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// The constraint's name (`maximum`).
    pub(crate) name: &'static str,
    /// The constraint's value as frictionless prints it (`10`, `['a', 'b']`).
    pub(crate) shown: String,
    pub(crate) rule: Rule,
}

/// What a [`Check`] tests.
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    Required,
    MinLength(usize),
    MaxLength(usize),
    Pattern(Regex),
    Minimum(Owned),
    Maximum(Owned),
    ExclusiveMinimum(Owned),
    ExclusiveMaximum(Owned),
    /// Hashes of the allowed values (see [`value::value_hash`]).
    Enum(HashSet<u64>),
    VnAdminUnit(VnAdminLevel),
}

impl Check {
    /// Whether `v` (`None`: empty) passes, as frictionless' `check_*`
    /// functions decide; every rule but `required` passes empty cells.
    pub(crate) fn passes(&self, v: Option<&Value>) -> bool {
        let Some(v) = v else { return !matches!(self.rule, Rule::Required) };
        use std::cmp::Ordering::*;
        match &self.rule {
            Rule::Required => true,
            Rule::MinLength(n) => value::length(v).is_none_or(|l| l >= *n),
            Rule::MaxLength(n) => value::length(v).is_none_or(|l| l <= *n),
            Rule::Pattern(re) => match v {
                Value::Str(s) => re.is_match(s),
                _ => true,
            },
            Rule::Minimum(b) => matches!(value::compare(v, &b.as_value()), Some(Greater | Equal)),
            Rule::Maximum(b) => matches!(value::compare(v, &b.as_value()), Some(Less | Equal)),
            Rule::ExclusiveMinimum(b) => matches!(value::compare(v, &b.as_value()), Some(Greater)),
            Rule::ExclusiveMaximum(b) => matches!(value::compare(v, &b.as_value()), Some(Less)),
            Rule::Enum(set) => !value::never_equal(v) && set.contains(&value::value_hash(v)),
            Rule::VnAdminUnit(level) => match v {
                Value::Str(s) => level.accepts(s),
                _ => true,
            },
        }
    }
}

/// Python's `str()` of a JSON constraint value, for messages like
/// frictionless' `constraint "enum" is "['a', 'b']"`.
fn python_str(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => s.clone(),
        Json::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| match x {
                    Json::String(s) => format!("'{s}'"),
                    other => python_str(other),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Object(_) => v.to_string(),
    }
}

/// Which constraints each type has: frictionless' lists, plus v2's
/// exclusive bounds beside the inclusive ones and Kho's `vnAdminUnit` on
/// strings. `unique` applies everywhere.
fn supported(t: FieldType) -> &'static [&'static str] {
    match t {
        FieldType::String => &["required", "minLength", "maxLength", "pattern", "enum", "vnAdminUnit"],
        FieldType::Number
        | FieldType::Integer
        | FieldType::Date
        | FieldType::Datetime
        | FieldType::Time
        | FieldType::Year
        | FieldType::Yearmonth => &["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
        FieldType::Object | FieldType::Array => &["required", "minLength", "maxLength", "enum"],
        FieldType::List => &["required", "minLength", "maxLength"],
        FieldType::Boolean | FieldType::Duration | FieldType::Geopoint | FieldType::Geojson | FieldType::Any => {
            &["required", "enum"]
        }
    }
}

fn kind_of(f: &Field, t: FieldType, format: Option<&str>) -> Result<Kind, SchemaError> {
    let bad_format = |message: &str| SchemaError::InvalidFormat {
        field: f.name.clone(),
        format: format.unwrap_or("default").to_string(),
        message: message.to_string(),
    };
    let style = || NumberStyle {
        strip_non_digits: f.bare_number == Some(false),
        group_char: f.group_char.clone(),
        decimal_char: f.decimal_char.clone(),
        active: f.bare_number.is_some() || f.group_char.is_some() || f.decimal_char.is_some(),
    };
    let temporal = |format: Option<&str>| TemporalFormat::parse(format).map_err(|m| bad_format(&m));
    Ok(match t {
        FieldType::String => Kind::String(match format {
            None => StringFormat::Default,
            Some("email") => StringFormat::Email,
            Some("uri") => StringFormat::Uri,
            Some("uuid") => StringFormat::Uuid,
            Some("binary") => StringFormat::Binary,
            Some("vn-admin-unit") => StringFormat::VnAdminUnit(VnAdminLevel::Province),
            Some("vn-admin-unit-commune") => StringFormat::VnAdminUnit(VnAdminLevel::Commune),
            Some("vn-admin-unit-any") => StringFormat::VnAdminUnit(VnAdminLevel::Any),
            Some("wkt") => return Err(bad_format("WKT geometries are not supported")),
            Some(_) => {
                return Err(bad_format(
                    "unknown string format (known: default, email, uri, uuid, binary, vn-admin-unit, vn-admin-unit-commune, vn-admin-unit-any)",
                ));
            }
        }),
        FieldType::Number => Kind::Number(style()),
        FieldType::Integer => Kind::Integer(style()),
        FieldType::Boolean => Kind::Boolean {
            truthy: f.true_values.clone().unwrap_or_else(|| ["true", "True", "TRUE", "1"].map(String::from).to_vec()),
            falsy: f
                .false_values
                .clone()
                .unwrap_or_else(|| ["false", "False", "FALSE", "0"].map(String::from).to_vec()),
        },
        FieldType::Date => Kind::Date(temporal(format)?),
        FieldType::Datetime => Kind::DateTime(temporal(format)?),
        FieldType::Time => Kind::Time(temporal(format)?),
        FieldType::Year => Kind::Year,
        FieldType::Yearmonth => Kind::YearMonth,
        FieldType::Duration => Kind::Duration,
        FieldType::Geopoint => Kind::Geopoint(match format {
            None => GeopointFormat::Default,
            Some("array") => GeopointFormat::Array,
            Some("object") => GeopointFormat::Object,
            Some(_) => return Err(bad_format("unknown geopoint format (known: default, array, object)")),
        }),
        FieldType::Geojson => Kind::Geojson(match format {
            None => GeojsonFormat::Default,
            Some("topojson") => GeojsonFormat::Topojson,
            Some(_) => return Err(bad_format("unknown geojson format (known: default, topojson)")),
        }),
        FieldType::Object => Kind::Object,
        FieldType::Array => Kind::Array,
        FieldType::Any => Kind::Any,
        FieldType::List => {
            let item_type = f.item_type.unwrap_or(FieldType::String);
            if !matches!(
                item_type,
                FieldType::String
                    | FieldType::Integer
                    | FieldType::Number
                    | FieldType::Boolean
                    | FieldType::Date
                    | FieldType::Datetime
                    | FieldType::Time
            ) {
                return Err(SchemaError::Invalid {
                    at: format!("field \"{}\".itemType", f.name),
                    message: format!("a list cannot hold {} items", item_type.as_str()),
                });
            }
            let delimiter = f.delimiter.clone().unwrap_or_else(|| ",".into());
            if delimiter.is_empty() {
                return Err(SchemaError::Invalid {
                    at: format!("field \"{}\".delimiter", f.name),
                    message: "the delimiter cannot be empty".into(),
                });
            }
            Kind::List { delimiter, item: Box::new(kind_of(f, item_type, None)?) }
        }
    })
}

/// Reads a bound or `enum` value of the schema with the field's type, as
/// frictionless' value reader does (JSON numbers as numbers, strings as
/// cells).
fn read_constraint_value<'a>(kind: &Kind, v: &'a Json, scratch: &mut String) -> Option<Value<'a>> {
    match (kind, v) {
        (Kind::Integer(_), Json::Number(n)) => {
            let d = Dec::parse(&n.to_string())?;
            d.is_integral().then_some(Value::Num(d))
        }
        (Kind::Number(_), Json::Number(n)) => Dec::parse(&n.to_string()).map(Value::Num),
        (Kind::Year, Json::Number(n)) => {
            let y = n.as_i64()?;
            (0..=9999).contains(&y).then(|| Value::Num(Dec::from_i64(y)))
        }
        (Kind::Boolean { .. }, Json::Bool(b)) => Some(Value::Bool(*b)),
        (Kind::Object | Kind::Array | Kind::Geojson(_), Json::Object(_) | Json::Array(_)) => {
            let text = v.to_string();
            value::parse(kind, &text, true, scratch).map(|x| match x {
                Value::Json(j) => Value::Json(j),
                _ => Value::Json(None),
            })
        }
        (_, Json::String(s)) => value::parse(kind, s, true, scratch),
        _ => None,
    }
}

/// Compiles a field; `schema_missing` are the schema's missing values,
/// used unless the field has its own.
pub(crate) fn compile_field(f: &Field, schema_missing: &[MissingValue]) -> Result<CompiledField, SchemaError> {
    let kind = kind_of(f, f.field_type, f.format.as_deref())?;
    let mut scratch = String::new();
    let c = &f.constraints;
    let allowed = supported(f.field_type);
    let present: [(&'static str, bool); 10] = [
        ("required", c.required.is_some()),
        ("minLength", c.min_length.is_some()),
        ("maxLength", c.max_length.is_some()),
        ("pattern", c.pattern.is_some()),
        ("minimum", c.minimum.is_some()),
        ("maximum", c.maximum.is_some()),
        ("exclusiveMinimum", c.exclusive_minimum.is_some()),
        ("exclusiveMaximum", c.exclusive_maximum.is_some()),
        ("enum", c.enum_.is_some()),
        ("vnAdminUnit", c.vn_admin_unit.is_some()),
    ];
    for (name, is) in present {
        if is && !allowed.contains(&name) {
            return Err(SchemaError::UnsupportedConstraint {
                field: f.name.clone(),
                constraint: name.into(),
                type_name: f.field_type.as_str().into(),
            });
        }
    }
    let bad = |constraint: &str, message: String| SchemaError::InvalidConstraint {
        field: f.name.clone(),
        constraint: constraint.into(),
        message,
    };
    let bound = |name: &str, v: &Json, scratch: &mut String| -> Result<Owned, SchemaError> {
        read_constraint_value(&kind, v, scratch)
            .as_ref()
            .and_then(Owned::from_value)
            .ok_or_else(|| bad(name, format!("{v} is not a valid {}", f.field_type.as_str())))
    };
    let mut checks = Vec::new();
    let mut push = |name: &'static str, shown: String, rule: Rule| checks.push(Check { name, shown, rule });
    if c.required == Some(true) {
        push("required", "True".into(), Rule::Required);
    }
    if let Some(n) = c.min_length {
        push("minLength", n.to_string(), Rule::MinLength(usize::try_from(n).unwrap_or(usize::MAX)));
    }
    if let Some(n) = c.max_length {
        push("maxLength", n.to_string(), Rule::MaxLength(usize::try_from(n).unwrap_or(usize::MAX)));
    }
    if let Some(p) = &c.pattern {
        push("pattern", p.clone(), Rule::Pattern(compile_pattern(&f.name, p)?));
    }
    if let Some(v) = &c.minimum {
        push("minimum", python_str(v), Rule::Minimum(bound("minimum", v, &mut scratch)?));
    }
    if let Some(v) = &c.maximum {
        push("maximum", python_str(v), Rule::Maximum(bound("maximum", v, &mut scratch)?));
    }
    if let Some(v) = &c.exclusive_minimum {
        push("exclusiveMinimum", python_str(v), Rule::ExclusiveMinimum(bound("exclusiveMinimum", v, &mut scratch)?));
    }
    if let Some(v) = &c.exclusive_maximum {
        push("exclusiveMaximum", python_str(v), Rule::ExclusiveMaximum(bound("exclusiveMaximum", v, &mut scratch)?));
    }
    if let Some(values) = &c.enum_ {
        let mut set = HashSet::new();
        for v in values {
            let read = read_constraint_value(&kind, v, &mut scratch)
                .ok_or_else(|| bad("enum", format!("{v} is not a valid {}", f.field_type.as_str())))?;
            set.insert(value::value_hash(&read));
        }
        push("enum", python_str(&Json::Array(values.clone())), Rule::Enum(set));
    }
    if let Some(level) = c.vn_admin_unit {
        push("vnAdminUnit", level.as_str().into(), Rule::VnAdminUnit(level));
    }
    let missing = f.missing_values.as_deref().unwrap_or(schema_missing).iter().map(|m| m.value.clone()).collect();
    Ok(CompiledField {
        name: f.name.clone(),
        kind,
        type_label: format!("{}/{}", f.field_type.as_str(), f.format_name()),
        field_type: f.field_type,
        format: f.format.clone(),
        missing,
        unique: c.unique == Some(true),
        checks,
    })
}

/// Compiles a `pattern` as frictionless does (`^pattern$`, matched from the
/// start, so a top-level `a|b` means "starts with a, or is b" — kept for
/// agreement) with Rust's linear-time engine: no look-around or
/// back-references, and no pattern can take more than linear time.
fn compile_pattern(field: &str, p: &str) -> Result<Regex, SchemaError> {
    let len = p.chars().count();
    if len > MAX_PATTERN_LEN {
        return Err(SchemaError::PatternTooLong { field: field.into(), len });
    }
    let invalid = |e: regex::Error| SchemaError::InvalidPattern { field: field.into(), message: e.to_string() };
    // Compile alone first, so a pattern cannot close the wrapper's group.
    RegexBuilder::new(p).size_limit(1 << 20).build().map_err(invalid)?;
    // Python's `$` also matches before a final newline.
    RegexBuilder::new(&format!(r"\A(?:^{p}(?:\n?\z))")).size_limit(1 << 22).build().map_err(invalid)
}

/// Compiles every field of a schema.
pub(crate) fn compile(schema: &Schema) -> Result<Vec<CompiledField>, SchemaError> {
    schema.fields.iter().map(|f| compile_field(f, &schema.missing_values)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        match Schema::from_json(json) {
            Ok(_) => panic!("{json} should be refused"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reads_v1() {
        let s = Schema::from_json(
            r#"{"fields": [
                {"name": "mã", "type": "integer", "constraints": {"required": true, "unique": true}},
                {"name": "tỉnh", "type": "string", "format": "vn-admin-unit"},
                {"name": "ngày", "type": "date", "format": "%d/%m/%Y"},
                {"name": "cha", "type": "integer"}
            ], "primaryKey": "mã", "missingValues": ["", "-"],
               "foreignKeys": [{"fields": "cha", "reference": {"resource": "", "fields": "mã"}}]}"#,
        )
        .unwrap();
        assert_eq!(s.primary_key, ["mã"]);
        assert_eq!(s.fields[0].constraints.required, Some(true));
        assert_eq!(s.missing_values.len(), 2);
        assert_eq!(s.foreign_keys[0].reference.fields, ["mã"]);
        let again = Schema::from_json(&s.to_json()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn reads_v2() {
        let s = Schema::from_json(
            r#"{"$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                "fields": [
                  {"name": "a", "type": "list", "itemType": "integer", "delimiter": ";", "constraints": {"minLength": 1}},
                  {"name": "b", "type": "number", "constraints": {"exclusiveMinimum": 0}},
                  {"name": "c", "type": "string", "categories": ["x", "y"]}
                ],
                "missingValues": [{"value": "-99", "label": "không trả lời"}, ""],
                "uniqueKeys": [["a", "b"]], "fieldsMatch": "equal"}"#,
        )
        .unwrap();
        assert_eq!(s.fields_match, FieldsMatch::Equal);
        assert_eq!(s.missing_values[0].label.as_deref(), Some("không trả lời"));
        assert_eq!(s.unique_keys, [vec!["a".to_string(), "b".to_string()]]);
        assert!(s.fields[2].extra.contains_key("categories"));
        assert_eq!(Schema::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn refuses_with_clear_errors() {
        assert!(err(r#"{"fields": [{"name": "a", "type": "money"}]}"#).contains("unknown type \"money\""));
        assert!(err(r#"{"fields": [{"name": "a"}], "primaryKey": ["b"]}"#).contains("primaryKey names \"b\""));
        assert!(err(r#"{"fields": [{"name": "a"}, {"name": "a"}]}"#).contains("more than one field"));
        assert!(
            err(r#"{"fields": [{"name": "a"}], "foreignKeys": [{"fields": ["b"], "reference": {"resource": "", "fields": ["a"]}}]}"#)
                .contains("\"b\" is not a field")
        );
        assert!(
            err(r#"{"fields": [{"name": "a"}], "foreignKeys": [{"fields": ["a"], "reference": {"resource": "", "fields": ["x"]}}]}"#)
                .contains("referenced field \"x\"")
        );
        assert!(
            err(r#"{"fields": [{"name": "a"}], "foreignKeys": [{"fields": ["a"], "reference": {"resource": "", "fields": ["a"]}}]}"#)
                .contains("references itself")
        );
        assert!(
            err(r#"{"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": [
                {"fields": ["a"], "reference": {"resource": "", "fields": ["b"]}},
                {"fields": ["b"], "reference": {"resource": "", "fields": ["a"]}}]}"#)
            .contains("cycle")
        );
        assert!(
            err(r#"{"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "date"}], "foreignKeys": [
                {"fields": ["a"], "reference": {"resource": "", "fields": ["b"]}}]}"#)
            .contains("can never equal")
        );
        assert!(
            err(r#"{"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": [{"fields": ["a", "b"], "reference": {"resource": "", "fields": ["a"]}}]}"#)
                .contains("counts must match")
        );
        assert!(err(r#"{"fields": [{"name": "a", "constraints": {"pattern": "(a"}}]}"#).contains("invalid pattern"));
        assert!(err(r#"{"fields": [{"name": "a", "constraints": {"pattern": "(?=a)"}}]}"#).contains("invalid pattern"));
        let long = format!(r#"{{"fields": [{{"name": "a", "constraints": {{"pattern": "{}"}}}}]}}"#, "a".repeat(1001));
        assert!(err(&long).contains("1,000"));
        assert!(
            err(r#"{"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "1"}}]}"#)
                .contains("does not apply")
        );
        assert!(
            err(r#"{"fields": [{"name": "a", "type": "integer", "constraints": {"maximum": 1.5}}]}"#)
                .contains("not a valid integer")
        );
        assert!(err(r#"{"fields": [{"name": "a", "type": "date", "format": "%d/%Q"}]}"#).contains("not supported"));
        assert!(
            err(r#"{"fields": [{"name": "a", "type": "string", "format": "phone"}]}"#)
                .contains("unknown string format")
        );
        assert!(
            err(r#"{"fields": [{"name": "a", "constraints": {"vnAdminUnit": "district"}}]}"#)
                .contains("\"province\", \"commune\" or \"any\"")
        );
        assert!(err(r#"{"fields": [{"name": "a", "constraints": {"size": 1}}]}"#).contains("unknown constraint"));
        assert!(err(r#"{"fields": {}}"#).contains("fields"));
        assert!(err("not json").contains("not valid JSON"));
    }

    #[test]
    fn vn_admin_levels_match_real_units() {
        use VnAdminLevel::{Any, Commune, Province};
        for label in ["TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Ho Chi Minh", "ho chi minh", "79", "Hà Nội"]
        {
            assert!(Province.accepts(label), "{label}");
            assert!(Any.accepts(label), "{label}");
        }
        assert!(!Commune.accepts("79"), "79 is a province code, no commune's");
        assert!(!Province.accepts("Phường Sài Gòn"));
        for label in [
            "Phường Sài Gòn",
            "phuong sai gon",
            "PHƯỜNG SÀI GÒN",
            "26740",
            "Phường Sài Gòn, TP. Hồ Chí Minh",
            "Phuong Sai Gon, Ho Chi Minh",
            "Sài Gòn; 79",
            "Phường Ba Đình, Hà Nội",
            "Đặc khu Phú Quốc",
            // Shared by communes of six provinces: still a real commune.
            "Xã Tân Phú",
            "tan phu",
            // A legacy province's name, and a commune's in two provinces.
            "Hà Nam",
        ] {
            assert!(Commune.accepts(label), "{label}");
            assert!(Any.accepts(label), "{label}");
        }
        assert!(!Province.accepts("Hà Nam"), "Hà Nam is a province no longer");
        for label in
            ["Atlantis", "Phường Không Có", "Phường Ba Đình, TP. Hồ Chí Minh", "Phường Sài Gòn, Atlantis", "", "99999"]
        {
            assert!(!Commune.accepts(label), "{label}");
            assert!(!Any.accepts(label), "{label}");
        }
        let s = Schema::from_json(
            r#"{"fields": [
                {"name": "xã", "format": "vn-admin-unit-commune"},
                {"name": "nơi", "format": "vn-admin-unit-any", "constraints": {"vnAdminUnit": "any"}},
                {"name": "xã 2", "constraints": {"vnAdminUnit": "commune"}}]}"#,
        )
        .unwrap();
        assert_eq!(s.fields[2].constraints.vn_admin_unit, Some(Commune));
        assert_eq!(Schema::from_json(&s.to_json()).unwrap(), s);
        let f = compile(&s).unwrap();
        let mut scratch = String::new();
        assert!(value::parse(&f[0].kind, "Phường Sài Gòn", true, &mut scratch).is_some());
        assert!(value::parse(&f[0].kind, "Hồ Chí Minh, Atlantis", true, &mut scratch).is_none());
        assert!(value::parse(&f[1].kind, "79", true, &mut scratch).is_some());
        let check = &f[2].checks[0];
        assert_eq!((check.name, check.shown.as_str()), ("vnAdminUnit", "commune"));
        assert!(check.passes(Some(&Value::Str("Xã Tân Phú"))));
        assert!(!check.passes(Some(&Value::Str("Tỉnh Hà Nam"))));
    }

    #[test]
    fn external_foreign_keys_are_accepted() {
        let s = Schema::from_json(
            r#"{"fields": [{"name": "tỉnh"}], "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "provinces", "fields": "name"}}]}"#,
        );
        assert!(s.is_ok());
    }

    #[test]
    fn patterns_like_python() {
        let re = compile_pattern("f", "[0-9]{3}").unwrap();
        assert!(re.is_match("123"));
        assert!(!re.is_match("1234"));
        assert!(re.is_match("123\n"));
        let alt = compile_pattern("f", "a|b").unwrap();
        assert!(alt.is_match("abc"), "Python reads ^a|b$ as (^a)|(b$)");
        assert!(alt.is_match("b"));
        assert!(!alt.is_match("cb"));
        assert!(compile_pattern("f", "a)(b").is_err());
    }

    #[test]
    fn constraint_checks() {
        let s = Schema::from_json(
            r#"{"fields": [{"name": "n", "type": "integer", "constraints": {"minimum": 1, "maximum": "10", "enum": [1, 5, "10"]}}]}"#,
        )
        .unwrap();
        let f = &compile(&s).unwrap()[0];
        let mut scratch = String::new();
        let v = value::parse(&f.kind, "5", true, &mut scratch).unwrap();
        assert!(f.checks.iter().all(|c| c.passes(Some(&v))));
        let v = value::parse(&f.kind, "7", true, &mut scratch).unwrap();
        let failed: Vec<_> = f.checks.iter().filter(|c| !c.passes(Some(&v))).map(|c| c.name).collect();
        assert_eq!(failed, ["enum"]);
        assert_eq!(f.checks[2].shown, "[1, 5, '10']");
    }
}
