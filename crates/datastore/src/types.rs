//! A datastore table's fields: CKAN's type names and their Arrow types.

use crate::error::{DatastoreError, Result};
use crate::infer::ColumnType;
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The row id column every table has, numbered from 1 as in CKAN.
pub const ID_COLUMN: &str = "_id";

/// Names a table's own columns may not take.
pub const RESERVED: [&str; 2] = [ID_COLUMN, "_full_text"];

/// A column type, by the name CKAN's DataStore gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Int,
    Numeric,
    Bool,
    Date,
    Timestamp,
    /// Any JSON value, kept as its text and returned as JSON.
    Json,
}

impl FieldType {
    /// The CKAN name (`text`, `int`, `numeric`, `bool`, `date`,
    /// `timestamp`, `json`).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Int => "int",
            FieldType::Numeric => "numeric",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Timestamp => "timestamp",
            FieldType::Json => "json",
        }
    }

    /// Reads a type name as CKAN and PostgreSQL spell them (`int4`,
    /// `float8`, `double precision`, `boolean`, `timestamp without time
    /// zone`, `varchar`…).
    pub fn parse(s: &str) -> Result<FieldType> {
        let t = s.trim().to_ascii_lowercase();
        Ok(match t.as_str() {
            "text" | "varchar" | "character varying" | "string" | "char" | "name" | "citext" => FieldType::Text,
            "int" | "int2" | "int4" | "int8" | "integer" | "smallint" | "bigint" | "serial" | "bigserial" => {
                FieldType::Int
            }
            "numeric" | "float" | "float4" | "float8" | "real" | "double precision" | "double" | "decimal"
            | "number" => FieldType::Numeric,
            "bool" | "boolean" => FieldType::Bool,
            "date" => FieldType::Date,
            "timestamp" | "timestamp without time zone" | "timestamptz" | "timestamp with time zone" | "datetime" => {
                FieldType::Timestamp
            }
            "json" | "jsonb" => FieldType::Json,
            _ => {
                return Err(DatastoreError::Invalid(format!(
                    "Unknown field type \"{s}\"; use text, int, numeric, bool, date, timestamp or json"
                )));
            }
        })
    }

    /// The Arrow type a column of this type is stored as.
    pub fn arrow(self) -> DataType {
        match self {
            FieldType::Text | FieldType::Json => DataType::Utf8,
            FieldType::Int => DataType::Int64,
            FieldType::Numeric => DataType::Float64,
            FieldType::Bool => DataType::Boolean,
            FieldType::Date => DataType::Date32,
            FieldType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        }
    }

    /// The field type of an Arrow column read from a Parquet file Kho did
    /// not write.
    pub fn from_arrow(t: &DataType) -> FieldType {
        match t {
            DataType::Boolean => FieldType::Bool,
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => FieldType::Int,
            DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => FieldType::Numeric,
            DataType::Date32 | DataType::Date64 => FieldType::Date,
            DataType::Timestamp(..) => FieldType::Timestamp,
            DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(..) => FieldType::Json,
            _ => FieldType::Text,
        }
    }

    /// The type an inferred column is stored as.
    pub fn from_inferred(t: ColumnType) -> FieldType {
        match t {
            ColumnType::Boolean => FieldType::Bool,
            ColumnType::Integer(_) => FieldType::Int,
            ColumnType::Decimal(_) => FieldType::Numeric,
            ColumnType::Date(_) => FieldType::Date,
            ColumnType::DateTime(_) => FieldType::Timestamp,
            ColumnType::Text => FieldType::Text,
        }
    }
}

/// One column of a table, as `datastore_create` takes it and
/// `datastore_search` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// CKAN's data dictionary (`label`, `notes`, `type_override`), kept
    /// as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<serde_json::Value>,
}

impl Field {
    /// A field with no data dictionary entry.
    pub fn new(id: impl Into<String>, ty: FieldType) -> Field {
        Field { id: id.into(), ty, info: None }
    }
}

/// Checks a column name as CKAN does: not empty, no `"`, not starting
/// with `_` (reserved), at most 63 bytes (PostgreSQL's limit, kept so
/// tables move between CKAN and Kho).
pub fn check_field_name(name: &str) -> Result<()> {
    let bad = |why: &str| Err(DatastoreError::Invalid(format!("Field name \"{name}\" is not valid: {why}")));
    if name.trim().is_empty() {
        return bad("it is empty");
    }
    if name.starts_with('_') {
        return bad("names starting with \"_\" are reserved");
    }
    if name.contains('"') || name.chars().any(char::is_control) {
        return bad("it contains a double quote or a control character");
    }
    if name.len() > 63 {
        return bad("it is longer than 63 bytes");
    }
    Ok(())
}

/// The Arrow schema of a table with these fields: `_id` first.
pub fn arrow_schema(fields: &[Field]) -> SchemaRef {
    let mut cols = Vec::with_capacity(fields.len() + 1);
    cols.push(ArrowField::new(ID_COLUMN, DataType::Int64, false));
    cols.extend(fields.iter().map(|f| ArrowField::new(&f.id, f.ty.arrow(), true)));
    Arc::new(Schema::new(cols))
}

/// Makes column names from a header row usable: blanks become
/// `column_N`, reserved or `"`-bearing names are cleaned, names are cut
/// to 63 bytes, and duplicates get `_2`, `_3`… (a documented coercion:
/// CKAN refuses such files, Kho loads them).
pub fn column_names(header: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(header.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in header.iter().enumerate() {
        let mut name: String = raw.trim().chars().filter(|c| *c != '"' && !c.is_control()).collect();
        while name.starts_with('_') {
            name.remove(0);
        }
        if name.is_empty() {
            name = format!("column_{}", i + 1);
        }
        if name.len() > 63 {
            let mut cut = 63;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
        }
        let base = name.clone();
        let mut n = 2;
        while !seen.insert(name.to_lowercase()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(FieldType::parse("int4").unwrap(), FieldType::Int);
        assert_eq!(FieldType::parse("Double Precision").unwrap(), FieldType::Numeric);
        assert_eq!(FieldType::parse("timestamp").unwrap(), FieldType::Timestamp);
        assert!(FieldType::parse("geometry").is_err());
        assert_eq!(serde_json::to_string(&FieldType::Numeric).unwrap(), "\"numeric\"");
    }

    #[test]
    fn names_from_headers() {
        let h: Vec<String> = ["Tỉnh", "", "tỉnh", "_id", "a\"b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(column_names(&h), ["Tỉnh", "column_2", "tỉnh_2", "id", "ab"]);
        assert!(check_field_name("_id").is_err());
        assert!(check_field_name("dân số").is_ok());
    }
}
