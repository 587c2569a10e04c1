//! Validating a CSV file against a schema, row by row.

use std::borrow::Cow;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use csv::ByteRecord;
use kho_datastore::sniff::TextEncoding;
use serde::Serialize;

use crate::csvread::{self, Records};
use crate::infer::{self, InferOptions};
use crate::keyset::KeySet;
use crate::message::{constraint_vi, shown, type_phrase_vi};
use crate::reference::ReferenceTables;
use crate::schema::{self, CompiledField, FieldsMatch, Rule, Schema, SchemaError};
use crate::value::{self, Value};

/// Why a file could not be validated at all (as opposed to being invalid,
/// which a [`Report`] says).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV reader failed (an I/O error while reading records).
    #[error("cannot read the CSV data: {0}")]
    Csv(#[from] csv::Error),
    /// Reading from a caller's reader failed.
    #[error("cannot read the data: {0}")]
    Read(String),
    /// The schema cannot be used.
    #[error("invalid schema: {0}")]
    Schema(#[from] SchemaError),
    /// A foreign key references another resource whose values were not
    /// supplied in [`ValidateOptions::references`]: it cannot be checked,
    /// and passing it silently would hide errors.
    #[error(
        "foreign key {index} references the resource \"{resource}\", whose values were not supplied (validate the whole data package, datapackage.json, to check it)"
    )]
    MissingReference {
        /// The foreign key's position (from 1).
        index: usize,
        /// The referenced resource.
        resource: String,
    },
    /// The referenced resource was supplied, but not its values for this
    /// key.
    #[error(
        "foreign key {index} references the fields ({fields}) of the resource \"{resource}\", whose values for them were not supplied"
    )]
    MissingReferenceKey {
        /// The foreign key's position (from 1).
        index: usize,
        /// The referenced resource.
        resource: String,
        /// The referenced fields.
        fields: String,
    },
    /// A referenced field is not a field of the referenced table.
    #[error("the referenced field \"{field}\" is not a field of the referenced table")]
    ReferenceField {
        /// The missing field.
        field: String,
    },
}

/// How [`validate_csv`] reads and reports.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Errors listed in the report (default 1,000, as frictionless);
    /// counting goes on past it, so `stats.errors` is the full count.
    pub limit_errors: usize,
    /// Data rows checked at most (`None`: all).
    pub limit_rows: Option<u64>,
    /// The file's encoding, when known (otherwise sniffed).
    pub encoding: Option<TextEncoding>,
    /// The delimiter, when known (otherwise sniffed among `,` `;` tab `|`).
    pub delimiter: Option<u8>,
    /// How a schema is inferred when none is given.
    pub infer: InferOptions,
    /// The values of other resources that foreign keys reference
    /// (`"reference": {"resource": "name", …}`), by resource name. A
    /// reference to a resource missing here is an error
    /// ([`ValidateError::MissingReference`]), never a silent pass.
    pub references: ReferenceTables,
}

impl Default for ValidateOptions {
    fn default() -> ValidateOptions {
        ValidateOptions {
            limit_errors: 1000,
            limit_rows: None,
            encoding: None,
            delimiter: None,
            infer: InferOptions::default(),
            references: ReferenceTables::default(),
        }
    }
}

/// Counts about a validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Data rows read (blank rows included, the header not).
    pub rows: u64,
    /// Fields of the schema.
    pub fields: u64,
    /// Errors found (all of them, also those past the listing limit).
    pub errors: u64,
    /// Data rows with at least one error of their own: a row error
    /// (`blank-row`, `extra-cell`, `missing-cell`), a cell error or a key
    /// error (`unique-error`, `primary-key`, `foreign-key`). Header and
    /// encoding errors belong to no row. `rows - invalid_rows` is the
    /// number of valid rows.
    #[serde(rename = "invalidRows")]
    pub invalid_rows: u64,
    /// The file's size.
    pub bytes: u64,
    /// Time taken.
    pub seconds: f64,
}

/// One problem found in a file, as frictionless reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationError {
    /// The error type (`type-error`, `blank-row`, …).
    #[serde(rename = "type")]
    pub type_: String,
    /// The row (the header is row 1, the first data row 2); `None` for
    /// header errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_number: Option<u64>,
    /// The field's position (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_number: Option<u64>,
    /// The field's name (for an extra cell or label there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The cell's (or label's) text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Vietnamese.
    pub message_vi: String,
}

/// The result of validating a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `true` when no error was found.
    pub valid: bool,
    /// Counts.
    pub stats: Stats,
    /// The errors, up to the listing limit, in file order.
    pub errors: Vec<ValidationError>,
}

impl Report {
    /// The report as JSON (`{"valid", "stats", "errors"}`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Errors found so far: the first `limit` kept, all counted.
struct Collector {
    errors: Vec<ValidationError>,
    count: u64,
    limit: usize,
}

impl Collector {
    fn push(&mut self, make: impl FnOnce() -> ValidationError) {
        self.count += 1;
        if self.errors.len() < self.limit {
            self.errors.push(make());
        }
    }
}

fn err(
    type_: &str,
    row: Option<u64>,
    field_number: Option<usize>,
    field_name: Option<&str>,
    cell: Option<String>,
    message: String,
    message_vi: String,
) -> ValidationError {
    ValidationError {
        type_: type_.to_string(),
        row_number: row,
        field_number: field_number.map(|n| n as u64),
        field_name: field_name.map(str::to_string),
        cell,
        message,
        message_vi,
    }
}

/// A row-level error waiting for the blank-row rule (which replaces all
/// of a blank row's errors).
#[derive(Clone, Copy)]
enum Pending {
    Type { field: usize },
    Constraint { field: usize, check: usize },
    Extra { column: usize },
    Missing { field: usize },
}

/// A key's fields, by field index.
struct Key {
    fields: Vec<usize>,
    names: String,
}

/// A foreign key with the hashes of the values it may take.
struct ForeignKeyCheck {
    key: Key,
    /// The referenced resource (`""`: this table).
    resource: String,
    /// The referenced fields: of this table for a same-file key (by
    /// index), of the other resource's (names only) otherwise.
    reference: Key,
    lookup: Arc<KeySet>,
}

/// Everything about the schema the row loop needs, compiled once.
struct Plan {
    fields: Vec<CompiledField>,
    /// The column of each field (`None`: the file lacks it).
    columns: Vec<Option<usize>>,
    /// Columns the file has per its header (name-matched schemas).
    width: Option<usize>,
    /// Whether each field's value hash is needed (unique or in a key).
    keyed: Vec<bool>,
    unique_fields: Vec<usize>,
    unique_sets: Vec<KeySet>,
    primary_key: Option<Key>,
    primary_set: KeySet,
    unique_keys: Vec<(Key, KeySet)>,
    foreign_keys: Vec<ForeignKeyCheck>,
    mode: FieldsMatch,
}

fn key_of(schema: &Schema, names: &[String]) -> Key {
    let fields = names.iter().filter_map(|n| schema.fields.iter().position(|f| &f.name == n)).collect();
    Key { fields, names: names.join(", ") }
}

/// Per-row state reused across rows.
struct Slots {
    hashes: Vec<u64>,
    present: Vec<bool>,
    nan: Vec<bool>,
    pending: Vec<Pending>,
    scratch: String,
}

/// Reads a field's cell: `Cow` so that invalid UTF-8 is replaced rather
/// than refused.
fn cell_text(rec: &ByteRecord, column: Option<usize>) -> Option<Cow<'_, str>> {
    let bytes = rec.get(column?)?;
    Some(match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    })
}

/// A key's hash, from its fields' hashes in key order; whether all its
/// cells are empty; and whether one is NaN (then the key equals nothing).
fn composite(slots: &Slots, fields: &[usize]) -> (u64, bool, bool) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut all_empty = true;
    let mut nan = false;
    for &f in fields {
        h.write_u64(slots.hashes[f]);
        all_empty &= !slots.present[f];
        nan |= slots.nan[f];
    }
    (h.finish(), all_empty, nan)
}

impl Plan {
    fn new(schema: &Schema, fields: Vec<CompiledField>, labels: &[String]) -> Plan {
        let n = fields.len();
        let (columns, width) = match schema.fields_match {
            FieldsMatch::Exact => ((0..n).map(Some).collect(), None),
            _ => (fields.iter().map(|f| labels.iter().position(|l| l == &f.name)).collect(), Some(labels.len())),
        };
        let mut keyed = vec![false; n];
        let unique_fields: Vec<usize> = (0..n).filter(|i| fields[*i].unique).collect();
        for &i in &unique_fields {
            keyed[i] = true;
        }
        let primary_key = (!schema.primary_key.is_empty()).then(|| key_of(schema, &schema.primary_key));
        let unique_keys: Vec<(Key, KeySet)> =
            schema.unique_keys.iter().map(|k| (key_of(schema, k), KeySet::default())).collect();
        let foreign_keys: Vec<ForeignKeyCheck> = schema
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyCheck {
                key: key_of(schema, &fk.fields),
                resource: fk.reference.resource.clone(),
                reference: if fk.reference.resource.is_empty() {
                    key_of(schema, &fk.reference.fields)
                } else {
                    Key { fields: Vec::new(), names: fk.reference.fields.join(", ") }
                },
                lookup: Arc::default(),
            })
            .collect();
        for k in primary_key.iter().chain(unique_keys.iter().map(|(k, _)| k)) {
            for &i in &k.fields {
                keyed[i] = true;
            }
        }
        for fk in &foreign_keys {
            for &i in fk.key.fields.iter().chain(&fk.reference.fields) {
                keyed[i] = true;
            }
        }
        Plan {
            unique_sets: unique_fields.iter().map(|_| KeySet::default()).collect(),
            fields,
            columns,
            width,
            keyed,
            unique_fields,
            primary_key,
            primary_set: KeySet::default(),
            unique_keys,
            foreign_keys,
            mode: schema.fields_match,
        }
    }

    fn slots(&self) -> Slots {
        let n = self.fields.len();
        Slots {
            hashes: vec![0; n],
            present: vec![false; n],
            nan: vec![false; n],
            pending: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Reads a row's key cells into value hashes, and adds each key's
    /// hash to its set (for foreign-key lookups). A cell that is not of
    /// its field's type is read as empty, as frictionless reads it.
    fn hash_keys(&self, rec: &ByteRecord, slots: &mut Slots, keys: &[Vec<usize>], sets: &mut [KeySet]) {
        for &i in keys.iter().flatten() {
            let f = &self.fields[i];
            let text = cell_text(rec, self.columns[i]);
            let value = text
                .as_deref()
                .filter(|s| !f.missing.iter().any(|m| m == s))
                .and_then(|s| value::parse(&f.kind, s, true, &mut slots.scratch));
            store(slots, i, value.as_ref());
        }
        for (key, set) in keys.iter().zip(sets) {
            let (h, all_empty, _) = composite(slots, key);
            if !all_empty {
                set.insert(h);
            }
        }
    }

    /// Checks one data row.
    fn check_row(&mut self, row: u64, rec: &ByteRecord, slots: &mut Slots, out: &mut Collector) {
        slots.pending.clear();
        let mut blank = 0usize;
        let mut considered = 0usize;
        for i in 0..self.fields.len() {
            let f = &self.fields[i];
            let Some(column) = self.columns[i] else {
                store(slots, i, None);
                continue;
            };
            considered += 1;
            let text = cell_text(rec, Some(column));
            let present = text.as_deref().filter(|s| !f.missing.iter().any(|m| m == s));
            let need = self.keyed[i] || !f.checks.is_empty();
            let value = match present {
                None => {
                    blank += 1;
                    None
                }
                Some(s) => match value::parse(&f.kind, s, need, &mut slots.scratch) {
                    Some(v) => Some(v),
                    None => {
                        slots.pending.push(Pending::Type { field: i });
                        store(slots, i, None);
                        continue;
                    }
                },
            };
            for (c, check) in f.checks.iter().enumerate() {
                if !check.passes(value.as_ref()) {
                    slots.pending.push(Pending::Constraint { field: i, check: c });
                }
            }
            if self.keyed[i] {
                store(slots, i, value.as_ref());
            }
        }
        let width = self.width.unwrap_or(self.fields.len());
        for column in width..rec.len() {
            slots.pending.push(Pending::Extra { column });
        }
        for i in 0..self.fields.len() {
            if self.columns[i].is_some_and(|c| c >= rec.len()) {
                slots.pending.push(Pending::Missing { field: i });
            }
        }
        if blank == considered {
            out.push(|| {
                err(
                    "blank-row",
                    Some(row),
                    None,
                    None,
                    None,
                    format!("Row at position \"{row}\" is completely blank"),
                    format!("Dòng {row} trống hoàn toàn"),
                )
            });
        } else {
            for p in &slots.pending {
                self.emit(*p, row, rec, out);
            }
        }
        self.check_keys(row, rec, slots, out);
    }

    fn emit(&self, p: Pending, row: u64, rec: &ByteRecord, out: &mut Collector) {
        match p {
            Pending::Type { field } => {
                let f = &self.fields[field];
                let cell = cell_text(rec, self.columns[field]).map(|c| c.into_owned()).unwrap_or_default();
                let n = field + 1;
                out.push(|| {
                    err(
                        "type-error",
                        Some(row),
                        Some(n),
                        Some(&f.name),
                        Some(cell.clone()),
                        format!(
                            "Type error in the cell \"{}\" in row \"{row}\" and field \"{}\" at position \"{n}\": type is \"{}\"",
                            shown(&cell),
                            f.name,
                            f.type_label
                        ),
                        format!(
                            "Dòng {row}, cột \"{}\": giá trị \"{}\" không phải {}",
                            f.name,
                            shown(&cell),
                            type_phrase_vi(f.field_type, f.format.as_deref())
                        ),
                    )
                });
            }
            Pending::Constraint { field, check } => {
                let f = &self.fields[field];
                let c = &f.checks[check];
                let text = cell_text(rec, self.columns[field]).map(|c| c.into_owned());
                let n = field + 1;
                out.push(|| {
                    let cell = text.clone().unwrap_or_default();
                    let vi = if matches!(c.rule, Rule::Required) {
                        format!("Dòng {row}, cột \"{}\": ô {}", f.name, constraint_vi(c.name, &c.shown))
                    } else {
                        format!("Dòng {row}, cột \"{}\": giá trị \"{}\" {}", f.name, shown(&cell), constraint_vi(c.name, &c.shown))
                    };
                    err(
                        "constraint-error",
                        Some(row),
                        Some(n),
                        Some(&f.name),
                        text,
                        format!(
                            "The cell \"{}\" in row at position \"{row}\" and field \"{}\" at position \"{n}\" does not conform to a constraint: constraint \"{}\" is \"{}\"",
                            shown(&cell),
                            f.name,
                            c.name,
                            c.shown
                        ),
                        vi,
                    )
                });
            }
            Pending::Extra { column } => {
                let cell = cell_text(rec, Some(column)).map(|c| c.into_owned()).unwrap_or_default();
                let n = column + 1;
                out.push(|| {
                    err(
                        "extra-cell",
                        Some(row),
                        Some(n),
                        None,
                        Some(cell.clone()),
                        format!("Row at position \"{row}\" has an extra value in field at position \"{n}\""),
                        format!(
                            "Dòng {row} có giá trị thừa \"{}\" ở cột thứ {n}, ngoài các cột của lược đồ",
                            shown(&cell)
                        ),
                    )
                });
            }
            Pending::Missing { field } => {
                let f = &self.fields[field];
                let n = field + 1;
                out.push(|| {
                    err(
                        "missing-cell",
                        Some(row),
                        Some(n),
                        Some(&f.name),
                        None,
                        format!(
                            "Row at position \"{row}\" has a missing cell in field \"{}\" at position \"{n}\"",
                            f.name
                        ),
                        format!("Dòng {row} thiếu ô ở cột \"{}\" (cột thứ {n})", f.name),
                    )
                });
            }
        }
    }

    fn check_keys(&mut self, row: u64, rec: &ByteRecord, slots: &Slots, out: &mut Collector) {
        for (k, &i) in self.unique_fields.iter().enumerate() {
            if !slots.present[i] || slots.nan[i] {
                continue;
            }
            if !self.unique_sets[k].insert(slots.hashes[i]) {
                let f = &self.fields[i];
                let cell = cell_text(rec, self.columns[i]).map(|c| c.into_owned()).unwrap_or_default();
                let n = i + 1;
                out.push(|| {
                    err(
                        "unique-error",
                        Some(row),
                        Some(n),
                        Some(&f.name),
                        Some(cell.clone()),
                        format!(
                            "Row at position \"{row}\" has unique constraint violation in field \"{}\" at position \"{n}\": the same value is in an earlier row",
                            f.name
                        ),
                        format!(
                            "Dòng {row}, cột \"{}\": giá trị \"{}\" đã có ở một dòng trước (cột này không được trùng lặp)",
                            f.name,
                            shown(&cell)
                        ),
                    )
                });
            }
        }
        if let Some(pk) = &self.primary_key {
            let (h, all_empty, nan) = composite(slots, &pk.fields);
            if all_empty {
                out.push(|| {
                    err(
                        "primary-key",
                        Some(row),
                        None,
                        None,
                        None,
                        format!("Row at position \"{row}\" violates the primary key: cells composing the primary keys are all \"None\""),
                        format!("Dòng {row}: các ô của khóa chính ({}) đều trống", pk.names),
                    )
                });
            } else if !nan && !self.primary_set.insert(h) {
                out.push(|| {
                    err(
                        "primary-key",
                        Some(row),
                        None,
                        None,
                        None,
                        format!(
                            "Row at position \"{row}\" violates the primary key: the same values are in an earlier row"
                        ),
                        format!("Dòng {row}: khóa chính ({}) trùng với một dòng trước", pk.names),
                    )
                });
            }
        }
        for (key, set) in &mut self.unique_keys {
            if key.fields.iter().any(|&i| !slots.present[i]) {
                continue;
            }
            let (h, _, nan) = composite(slots, &key.fields);
            if !nan && !set.insert(h) {
                let names = key.names.clone();
                let first = key.fields.first().map(|i| i + 1);
                out.push(|| {
                    err(
                        "unique-error",
                        Some(row),
                        first,
                        Some(&names),
                        None,
                        format!("Row at position \"{row}\" has unique constraint violation in fields \"{names}\": the same values are in an earlier row"),
                        format!("Dòng {row}: bộ giá trị của các cột ({names}) đã có ở một dòng trước (không được trùng lặp)"),
                    )
                });
            }
        }
        for fk in &self.foreign_keys {
            let (h, all_empty, _) = composite(slots, &fk.key.fields);
            if all_empty || fk.lookup.contains(h) {
                continue;
            }
            let values: Vec<String> = fk
                .key
                .fields
                .iter()
                .map(|&i| cell_text(rec, self.columns[i]).map(|c| c.into_owned()).unwrap_or_default())
                .collect();
            let values = values.join(", ");
            let table_vi = if fk.resource.is_empty() {
                "của cùng bảng".to_string()
            } else {
                format!("của bảng \"{}\"", fk.resource)
            };
            // A row error in frictionless: no single field (the message
            // names the key's fields).
            out.push(|| {
                err(
                    "foreign-key",
                    Some(row),
                    None,
                    None,
                    Some(values.clone()),
                    format!(
                        "Row at position \"{row}\" violates the foreign key: for \"{}\": values \"{}\" not found in the lookup table \"{}\" as \"{}\"",
                        fk.key.names,
                        shown(&values),
                        fk.resource,
                        fk.reference.names
                    ),
                    format!(
                        "Dòng {row}: giá trị \"{}\" của cột \"{}\" không có trong cột \"{}\" {table_vi}",
                        shown(&values),
                        fk.key.names,
                        fk.reference.names
                    ),
                )
            });
        }
    }

    /// Header errors, as frictionless' `Header` finds them.
    fn check_header(&self, labels: &[String], out: &mut Collector) {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let extra = |out: &mut Collector, n: usize, label: &str| {
            out.push(|| {
                err(
                    "extra-label",
                    None,
                    Some(n),
                    None,
                    Some(label.to_string()),
                    format!("There is an extra label \"{label}\" in header at position \"{n}\""),
                    format!("Tiêu đề \"{label}\" ở cột thứ {n} không có trong lược đồ"),
                )
            })
        };
        let missing = |out: &mut Collector, n: usize, name: &str| {
            out.push(|| {
                err(
                    "missing-label",
                    None,
                    Some(n),
                    Some(name),
                    None,
                    format!("There is a missing label in the header's field \"{name}\" at position \"{n}\""),
                    format!("Thiếu tiêu đề cho trường \"{name}\" (cột thứ {n})"),
                )
            })
        };
        if labels.is_empty() {
            return;
        }
        if self.width.is_none() {
            for (i, l) in labels.iter().enumerate().skip(names.len()) {
                extra(out, i + 1, l);
            }
            for (i, n) in names.iter().enumerate().skip(labels.len()) {
                missing(out, i + 1, n);
            }
        } else {
            self.check_named_header(labels, out, &extra, &missing);
        }
        for (i, label) in labels.iter().enumerate() {
            let n = i + 1;
            // Positional schemas check each label against its field; named
            // ones check every label that is in the file.
            let field: Option<&str> = if self.width.is_none() {
                match names.get(i) {
                    Some(name) => Some(name),
                    None => break,
                }
            } else {
                names.iter().find(|n| **n == label.as_str()).copied()
            };
            if label.is_empty() {
                out.push(|| {
                    err(
                        "blank-label",
                        None,
                        Some(n),
                        field,
                        None,
                        format!("Label in the header in field at position \"{n}\" is blank"),
                        format!("Tiêu đề của cột thứ {n} bị để trống"),
                    )
                });
                continue;
            }
            let earlier: Vec<String> =
                labels[..i].iter().enumerate().filter(|(_, l)| *l == label).map(|(j, _)| (j + 1).to_string()).collect();
            if !earlier.is_empty() {
                let at = earlier.join(", ");
                out.push(|| {
                    err(
                        "duplicate-label",
                        None,
                        Some(n),
                        field,
                        Some(label.clone()),
                        format!("Label \"{label}\" in the header at position \"{n}\" is duplicated to a label: at position \"{at}\""),
                        format!("Tiêu đề \"{label}\" ở cột thứ {n} trùng với tiêu đề ở cột thứ {at}"),
                    )
                });
                continue;
            }
            if let Some(field) = field
                && self.width.is_none()
                && label.replace('\n', " ").trim() != field
            {
                out.push(|| {
                    err(
                        "incorrect-label",
                        None,
                        Some(n),
                        Some(field),
                        Some(label.clone()),
                        format!("Label \"{label}\" in field {field} at position \"{n}\" does not match the field name in the schema"),
                        format!("Tiêu đề \"{label}\" ở cột thứ {n} không khớp với tên trường \"{field}\" trong lược đồ"),
                    )
                });
            }
        }
    }

    /// Table Schema v2's name-matched modes.
    fn check_named_header(
        &self,
        labels: &[String],
        out: &mut Collector,
        extra: &dyn Fn(&mut Collector, usize, &str),
        missing: &dyn Fn(&mut Collector, usize, &str),
    ) {
        let mode = self.mode;
        let absent: Vec<usize> = (0..self.fields.len()).filter(|i| self.columns[*i].is_none()).collect();
        let none_match = absent.len() == self.fields.len();
        for &i in &absent {
            let f = &self.fields[i];
            let required = self.keyed_required(i);
            let report = match mode {
                FieldsMatch::Equal | FieldsMatch::Subset => true,
                FieldsMatch::Superset => required,
                FieldsMatch::Partial => required || none_match,
                FieldsMatch::Exact => false,
            };
            if report {
                missing(out, i + 1, &f.name);
            }
        }
        if matches!(mode, FieldsMatch::Equal | FieldsMatch::Superset) {
            for (j, l) in labels.iter().enumerate() {
                if !l.is_empty() && !self.fields.iter().any(|f| &f.name == l) {
                    extra(out, j + 1, l);
                }
            }
        }
    }

    fn keyed_required(&self, i: usize) -> bool {
        self.fields[i].checks.iter().any(|c| matches!(c.rule, Rule::Required))
            || self.primary_key.as_ref().is_some_and(|k| k.fields.contains(&i))
    }
}

/// Records a field's value hash for the key checks.
fn store(slots: &mut Slots, i: usize, v: Option<&Value>) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value::hash_value(v, &mut h);
    slots.hashes[i] = h.finish();
    slots.present[i] = v.is_some();
    slots.nan[i] = v.is_some_and(value::never_equal);
}

/// Validates a CSV file against `schema`, or against a schema inferred
/// from the file when `schema` is `None` (as `frictionless validate`
/// does). The file is read as a stream; memory stays bounded whatever its
/// size (a sample of rows, and 8-byte hashes for unique and key checks).
pub fn validate_csv(path: &Path, schema: Option<&Schema>, opts: &ValidateOptions) -> Result<Report, ValidateError> {
    let started = Instant::now();
    let io_err = |e| ValidateError::Io { path: path.to_path_buf(), source: e };
    let bytes = std::fs::metadata(path).map_err(io_err)?.len();
    let file = std::fs::File::open(path).map_err(io_err)?;
    let dialect = csvread::sniff_dialect(file, opts.encoding, opts.delimiter).map_err(io_err)?;
    let mut out = Collector { errors: Vec::new(), count: 0, limit: opts.limit_errors };
    let finish = |out: Collector, rows: u64, invalid_rows: u64, fields: u64| Report {
        valid: out.count == 0,
        stats: Stats { rows, fields, errors: out.count, invalid_rows, bytes, seconds: started.elapsed().as_secs_f64() },
        errors: out.errors,
    };
    if let Some(at) = dialect.nul_at {
        // Reading a binary file as a table gives nothing but noise.
        let label = dialect.encoding.label();
        out.push(|| {
            err(
                "encoding-error",
                None,
                None,
                None,
                None,
                format!(
                    "The data source could not be successfully decoded: read as {label}, it has a NUL character (at byte {at} of the text), which no text table has: it is a binary file, or its encoding was not recognised (try --encoding)"
                ),
                format!(
                    "Không đọc được tệp như văn bản: đọc theo bảng mã {label}, tệp có ký tự NUL (ở byte {at}), điều không có trong một bảng văn bản; đây là tệp nhị phân hoặc bảng mã của tệp không được nhận ra (hãy thử --encoding)"
                ),
            )
        });
        return Ok(finish(out, 0, 0, schema.map_or(0, |s| s.fields.len() as u64)));
    }
    // One data row is enough to tell an empty file when a schema is given.
    let sample_rows = if schema.is_some() { 1 } else { opts.infer.sample_rows.max(1) };
    let head = infer::sample_head(csvread::text_stream(path, dialect.encoding).map_err(io_err)?, dialect, sample_rows)?;
    let inferred;
    let schema = match schema {
        Some(s) => s,
        None => {
            let n = head.rows.len().min(opts.infer.sample_rows);
            inferred = infer::infer_from_rows(&head.labels, &head.rows[..n], &opts.infer);
            &inferred
        }
    };
    if head.labels.is_empty() && head.rows.is_empty() {
        out.push(|| {
            err(
                "source-error",
                None,
                None,
                None,
                None,
                "The data source could not be successfully loaded: the source is empty".into(),
                "Không đọc được dữ liệu: tệp trống".into(),
            )
        });
        return Ok(finish(out, 0, 0, schema.fields.len() as u64));
    }
    // A schema built in code has not been through `from_json`'s checks.
    schema.check()?;
    let compiled = schema::compile(schema)?;
    let mut plan = Plan::new(schema, compiled, &head.labels);
    plan.check_header(&head.labels, &mut out);
    let mut slots = plan.slots();
    resolve_references(&mut plan, schema, &opts.references)?;
    if plan.foreign_keys.iter().any(|fk| fk.resource.is_empty()) {
        fill_lookups(&mut plan, path, &dialect, head.header_row, &mut slots)?;
    }
    let replaced = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stream = csvread::text_stream_counted(path, dialect.encoding, replaced.clone()).map_err(io_err)?;
    let mut records = Records::new(stream, &dialect);
    let mut rec = ByteRecord::new();
    let mut rows = 0u64;
    let mut invalid_rows = 0u64;
    // Decoders always give UTF-8; a file read as UTF-8 is checked row by
    // row (cells with bad bytes are read with U+FFFD in their place).
    let check_utf8 = matches!(dialect.encoding, TextEncoding::Utf8 | TextEncoding::Utf8Bom);
    let mut bad_utf8: Option<(u64, u64)> = None;
    // NUL past the sniffed head: counted like bad bytes.
    let mut nul_rows: Option<(u64, u64)> = None;
    while records.next_into(&mut rec)? {
        let row = records.number;
        if check_utf8 && std::str::from_utf8(rec.as_slice()).is_err() {
            let (first, n) = bad_utf8.unwrap_or((row, 0));
            bad_utf8 = Some((first, n + 1));
        }
        if rec.as_slice().contains(&0) {
            let (first, n) = nul_rows.unwrap_or((row, 0));
            nul_rows = Some((first, n + 1));
        }
        if row <= head.header_row {
            continue;
        }
        if opts.limit_rows.is_some_and(|l| rows >= l) {
            break;
        }
        rows += 1;
        let before = out.count;
        plan.check_row(row, &rec, &mut slots, &mut out);
        invalid_rows += u64::from(out.count > before);
    }
    let undecodable = replaced.load(std::sync::atomic::Ordering::Relaxed);
    if let Some((first, n)) = bad_utf8 {
        out.push(|| {
            err(
                "encoding-error",
                Some(first),
                None,
                None,
                None,
                format!(
                    "The data source could not be successfully decoded: {n} row(s) are not valid UTF-8, the first at position \"{first}\"; their bad bytes were read as U+FFFD"
                ),
                format!(
                    "{n} dòng không đúng bảng mã UTF-8, dòng đầu tiên là dòng {first}; các byte lỗi được thay bằng ký tự U+FFFD. Hãy kiểm tra bảng mã của tệp"
                ),
            )
        });
    } else if undecodable > 0 {
        let label = dialect.encoding.label();
        out.push(|| {
            err(
                "encoding-error",
                None,
                None,
                None,
                None,
                format!(
                    "The data source could not be successfully decoded: {undecodable} byte sequence(s) are not valid {label} and were read as U+FFFD"
                ),
                format!(
                    "Có {undecodable} chuỗi byte không đúng bảng mã {label}, đã được thay bằng ký tự U+FFFD. Hãy kiểm tra bảng mã của tệp"
                ),
            )
        });
    }
    if let Some((first, n)) = nul_rows {
        out.push(|| {
            err(
                "encoding-error",
                Some(first),
                None,
                None,
                None,
                format!(
                    "The data source could not be successfully decoded: {n} row(s) have NUL characters, which no text table has, the first at position \"{first}\""
                ),
                format!(
                    "{n} dòng có ký tự NUL, điều không có trong một bảng văn bản, dòng đầu tiên là dòng {first}. Hãy kiểm tra tệp và bảng mã của tệp"
                ),
            )
        });
    }
    Ok(finish(out, rows, invalid_rows, schema.fields.len() as u64))
}

/// Takes the referenced values of other resources' keys from `references`;
/// a key whose values were not supplied cannot be checked, which is an
/// error.
fn resolve_references(plan: &mut Plan, schema: &Schema, references: &ReferenceTables) -> Result<(), ValidateError> {
    for (i, (fk, def)) in plan.foreign_keys.iter_mut().zip(&schema.foreign_keys).enumerate() {
        if fk.resource.is_empty() {
            continue;
        }
        let index = i + 1;
        let table = references
            .get(&fk.resource)
            .ok_or_else(|| ValidateError::MissingReference { index, resource: fk.resource.clone() })?;
        fk.lookup = table.key(&def.reference.fields).ok_or_else(|| ValidateError::MissingReferenceKey {
            index,
            resource: fk.resource.clone(),
            fields: def.reference.fields.join(", "),
        })?;
    }
    Ok(())
}

/// The same-file foreign-key pass: every referenced value of the table, as
/// hashes (frictionless reads the whole table for its lookup too).
fn fill_lookups(
    plan: &mut Plan,
    path: &Path,
    dialect: &csvread::Dialect,
    header_row: u64,
    slots: &mut Slots,
) -> Result<(), ValidateError> {
    let same: Vec<usize> = (0..plan.foreign_keys.len()).filter(|&i| plan.foreign_keys[i].resource.is_empty()).collect();
    let keys: Vec<Vec<usize>> = same.iter().map(|&i| plan.foreign_keys[i].reference.fields.clone()).collect();
    let sets = collect_keys(plan, path, dialect, header_row, &keys, slots)?;
    for (i, set) in same.into_iter().zip(sets) {
        plan.foreign_keys[i].lookup = Arc::new(set);
    }
    Ok(())
}

/// Reads every data row of a file once and collects, for each key (a list
/// of field indexes), the hashes of the values it takes (rows whose key
/// cells are all empty are left out, as frictionless leaves them out).
fn collect_keys(
    plan: &Plan,
    path: &Path,
    dialect: &csvread::Dialect,
    header_row: u64,
    keys: &[Vec<usize>],
    slots: &mut Slots,
) -> Result<Vec<KeySet>, ValidateError> {
    let io_err = |e| ValidateError::Io { path: path.to_path_buf(), source: e };
    let mut records = Records::new(csvread::text_stream(path, dialect.encoding).map_err(io_err)?, dialect);
    let mut rec = ByteRecord::new();
    let mut sets: Vec<KeySet> = keys.iter().map(|_| KeySet::default()).collect();
    while records.next_into(&mut rec)? {
        if records.number <= header_row {
            continue;
        }
        plan.hash_keys(&rec, slots, keys, &mut sets);
    }
    Ok(sets)
}

/// Collects key hashes from a referenced table (see
/// [`crate::reference::ReferenceTable`]).
pub(crate) struct KeyCollector {
    plan: Plan,
    keys: Vec<Vec<usize>>,
    slots: Slots,
    rec: ByteRecord,
    sets: Vec<KeySet>,
}

impl KeyCollector {
    /// A collector of `keys` (lists of field names of `schema`), for rows
    /// whose cells are in `labels` order (by name when the schema's
    /// `fieldsMatch` says so, by position otherwise).
    pub(crate) fn new(schema: &Schema, labels: &[String], keys: &[Vec<String>]) -> Result<KeyCollector, ValidateError> {
        schema.check()?;
        let compiled = schema::compile(schema)?;
        let plan = Plan::new(schema, compiled, labels);
        let keys = keys
            .iter()
            .map(|names| {
                names
                    .iter()
                    .map(|n| {
                        schema
                            .fields
                            .iter()
                            .position(|f| &f.name == n)
                            .ok_or_else(|| ValidateError::ReferenceField { field: n.clone() })
                    })
                    .collect::<Result<Vec<usize>, ValidateError>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let slots = plan.slots();
        let sets = keys.iter().map(|_| KeySet::default()).collect();
        Ok(KeyCollector { plan, keys, slots, rec: ByteRecord::new(), sets })
    }

    /// Adds one row of cell texts.
    pub(crate) fn add_row<S: AsRef<str>>(&mut self, cells: &[S]) {
        self.rec.clear();
        for c in cells {
            self.rec.push_field(c.as_ref().as_bytes());
        }
        self.plan.hash_keys(&self.rec, &mut self.slots, &self.keys, &mut self.sets);
    }

    /// The hash sets, one per key, in the order given.
    pub(crate) fn finish(self) -> Vec<KeySet> {
        self.sets
    }
}

/// Collects the hashes of `keys` of a CSV file, read once, with `schema`
/// (or one inferred from the file, as `frictionless` infers a referenced
/// resource's schema when it has none).
pub(crate) fn collect_csv_keys(
    path: &Path,
    schema: Option<&Schema>,
    keys: &[Vec<String>],
    opts: &ValidateOptions,
) -> Result<Vec<KeySet>, ValidateError> {
    let io_err = |e| ValidateError::Io { path: path.to_path_buf(), source: e };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let dialect = csvread::sniff_dialect(file, opts.encoding, opts.delimiter).map_err(io_err)?;
    if dialect.nul_at.is_some() {
        return Err(ValidateError::Read(format!(
            "{} is not a text table: it has NUL characters (a binary file, or an unrecognised encoding)",
            path.display()
        )));
    }
    let sample_rows = if schema.is_some() { 1 } else { opts.infer.sample_rows.max(1) };
    let head = infer::sample_head(csvread::text_stream(path, dialect.encoding).map_err(io_err)?, dialect, sample_rows)?;
    let inferred;
    let schema = match schema {
        Some(s) => s,
        None => {
            let n = head.rows.len().min(opts.infer.sample_rows);
            inferred = infer::infer_from_rows(&head.labels, &head.rows[..n], &opts.infer);
            &inferred
        }
    };
    let mut c = KeyCollector::new(schema, &head.labels, keys)?;
    if head.labels.is_empty() && head.rows.is_empty() {
        return Ok(c.finish());
    }
    collect_keys(&c.plan, path, &dialect, head.header_row, &c.keys, &mut c.slots)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn run_bytes(bytes: &[u8], schema: Option<&str>, opts: &ValidateOptions) -> Report {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let schema = schema.map(|s| Schema::from_json(s).unwrap());
        validate_csv(f.path(), schema.as_ref(), opts).unwrap()
    }

    fn run(text: &str, schema: Option<&str>) -> Report {
        run_bytes(text.as_bytes(), schema, &ValidateOptions::default())
    }

    fn kinds(r: &Report) -> Vec<(&str, Option<u64>, Option<&str>)> {
        r.errors.iter().map(|e| (e.type_.as_str(), e.row_number, e.field_name.as_deref())).collect()
    }

    const POP: &str = r#"{"fields": [{"name": "tỉnh", "type": "string"}, {"name": "dân số", "type": "integer"}]}"#;

    #[test]
    fn report_serialises_like_frictionless() {
        let r = run("tỉnh,dân số\nHà Nội,8587100\nHuế,12a\n", Some(POP));
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["valid"], false);
        assert_eq!(v["stats"]["rows"], 2);
        assert_eq!(v["stats"]["fields"], 2);
        assert_eq!(v["stats"]["errors"], 1);
        assert!(v["stats"]["bytes"].as_u64().unwrap() > 20);
        assert!(v["stats"]["seconds"].is_number());
        let e = &v["errors"][0];
        assert_eq!(e["type"], "type-error");
        assert_eq!(e["rowNumber"], 3);
        assert_eq!(e["fieldNumber"], 2);
        assert_eq!(e["fieldName"], "dân số");
        assert_eq!(e["cell"], "12a");
        assert_eq!(
            e["message"],
            "Type error in the cell \"12a\" in row \"3\" and field \"dân số\" at position \"2\": type is \"integer/default\""
        );
        assert_eq!(e["messageVi"], "Dòng 3, cột \"dân số\": giá trị \"12a\" không phải số nguyên");
    }

    #[test]
    fn invalid_rows_count_rows_with_their_own_errors() {
        let schema = r#"{"fields": [
            {"name": "mã", "type": "integer", "constraints": {"unique": true, "maximum": 100}},
            {"name": "tỉnh", "type": "string", "constraints": {"required": true}},
            {"name": "cha", "type": "integer"}],
            "foreignKeys": [{"fields": "cha", "reference": {"resource": "", "fields": "mã"}}]}"#;
        // Row 2 valid; 3 two errors in one row (type and required);
        // 4 blank; 5 a duplicate; 6 valid; 7 an extra cell; 8 a missing
        // cell; 9 a foreign key to nothing; 10 valid.
        let text = "mã,tỉnh,cha\n1,Huế,\nx,,1\n\n1,Huế,1\n2,Huế,1\n3,Huế,1,thừa\n4,Huế\n5,Huế,77\n6,Huế,5\n";
        let r = run(text, Some(schema));
        assert_eq!(r.stats.rows, 9);
        assert_eq!(r.stats.errors, 7, "{:?}", kinds(&r));
        assert_eq!(r.stats.invalid_rows, 6, "{:?}", kinds(&r));
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["stats"]["invalidRows"], 6);
        // Header errors belong to no row.
        let r = run("mã,tỉnh,cha,thêm\n1,Huế,,x\n2,Huế,1\n", Some(schema));
        assert_eq!((r.stats.errors, r.stats.invalid_rows), (2, 1), "{:?}", kinds(&r));
        let r = run("a,b\n1,2\n", Some(r#"{"fields": [{"name": "a"}, {"name": "c"}]}"#));
        assert_eq!((r.stats.errors, r.stats.invalid_rows), (1, 0), "{:?}", kinds(&r));
        // Errors past the listing limit still count their rows.
        let many: String =
            std::iter::once("tỉnh,dân số\n".to_string()).chain((0..30).map(|i| format!("x{i},?\n"))).collect();
        let opts = ValidateOptions { limit_errors: 3, ..ValidateOptions::default() };
        let r = run_bytes(many.as_bytes(), Some(POP), &opts);
        assert_eq!((r.errors.len(), r.stats.invalid_rows), (3, 30));
        assert_eq!(run("tỉnh,dân số\nHuế,1\n", Some(POP)).stats.invalid_rows, 0);
    }

    #[test]
    fn vietnamese_messages_for_each_kind() {
        let schema = r#"{"fields": [
            {"name": "mã", "type": "integer", "constraints": {"required": true, "unique": true, "maximum": 100}},
            {"name": "ngày", "type": "date", "format": "%d/%m/%Y"}], "primaryKey": "mã"}"#;
        let r = run("mã,ngày\n1,23/11/2026\n1,31/02/2026\n,\n200,1/1/2026,x\n5\n", Some(schema));
        let vi: Vec<&str> = r.errors.iter().map(|e| e.message_vi.as_str()).collect();
        assert_eq!(
            vi,
            [
                "Dòng 3, cột \"ngày\": giá trị \"31/02/2026\" không phải ngày hợp lệ theo định dạng %d/%m/%Y",
                "Dòng 3, cột \"mã\": giá trị \"1\" đã có ở một dòng trước (cột này không được trùng lặp)",
                "Dòng 3: khóa chính (mã) trùng với một dòng trước",
                "Dòng 4 trống hoàn toàn",
                "Dòng 4: các ô của khóa chính (mã) đều trống",
                "Dòng 5, cột \"mã\": giá trị \"200\" lớn hơn giá trị tối đa 100",
                "Dòng 5 có giá trị thừa \"x\" ở cột thứ 3, ngoài các cột của lược đồ",
                "Dòng 6 thiếu ô ở cột \"ngày\" (cột thứ 2)",
            ]
        );
    }

    #[test]
    fn error_limit_lists_some_and_counts_all() {
        let text: String =
            std::iter::once("tỉnh,dân số\n".to_string()).chain((0..50).map(|i| format!("x{i},?\n"))).collect();
        let opts = ValidateOptions { limit_errors: 10, ..ValidateOptions::default() };
        let r = run_bytes(text.as_bytes(), Some(POP), &opts);
        assert_eq!(r.errors.len(), 10);
        assert_eq!(r.stats.errors, 50);
        assert!(!r.valid);
        let opts = ValidateOptions { limit_rows: Some(5), ..ValidateOptions::default() };
        let r = run_bytes(text.as_bytes(), Some(POP), &opts);
        assert_eq!((r.stats.rows, r.stats.errors), (5, 5));
    }

    #[test]
    fn fields_matched_by_name() {
        let schema = |mode: &str| {
            format!(
                r#"{{"fieldsMatch": "{mode}", "fields": [{{"name": "a", "type": "integer"}}, {{"name": "b", "type": "integer", "constraints": {{"required": true}}}}, {{"name": "c"}}]}}"#
            )
        };
        let text = "c,x,a\nz,1,2\nz,2,no\n";
        let r = run(text, Some(&schema("equal")));
        assert_eq!(
            kinds(&r),
            [("missing-label", None, Some("b")), ("extra-label", None, None), ("type-error", Some(3), Some("a")),]
        );
        let r = run(text, Some(&schema("subset")));
        assert_eq!(kinds(&r), [("missing-label", None, Some("b")), ("type-error", Some(3), Some("a"))]);
        let r = run(text, Some(&schema("superset")));
        assert_eq!(
            kinds(&r),
            [("missing-label", None, Some("b")), ("extra-label", None, None), ("type-error", Some(3), Some("a"))]
        );
        let r = run("a,c\n1,x\n", Some(&schema("partial")));
        assert_eq!(kinds(&r), [("missing-label", None, Some("b"))]);
        let r = run("q,r\n1,x\n", Some(&schema("partial")));
        assert_eq!(r.errors.iter().filter(|e| e.type_ == "missing-label").count(), 3);
    }

    #[test]
    fn legacy_and_bom_encodings() {
        // "Hà Nội" in Windows-1258: a base letter and a combining tone mark.
        let cp1258 = b"t\xEAn,s\xF4\xEC\n H\x61\xCC N\xF4\xF2i,1\nHu\xEA\xEC,x\n";
        let r = run_bytes(cp1258, None, &ValidateOptions::default());
        assert_eq!(r.stats.rows, 2);
        let r = run_bytes(
            cp1258,
            Some(r#"{"fields": [{"name": "tên"}, {"name": "số", "type": "integer"}]}"#),
            &ValidateOptions::default(),
        );
        assert_eq!(kinds(&r), [("type-error", Some(3), Some("số"))], "labels decode to NFC and match");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend("tỉnh,dân số\nHuế,1\n".as_bytes());
        assert!(run_bytes(&bom, Some(POP), &ValidateOptions::default()).valid);
    }

    #[test]
    fn foreign_keys_to_tables_not_supplied_are_errors() {
        let schema = r#"{"fields": [{"name": "tỉnh"}], "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "provinces", "fields": "name"}}]}"#;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all("tỉnh\nAtlantis\n".as_bytes()).unwrap();
        let schema = Schema::from_json(schema).unwrap();
        let e = validate_csv(f.path(), Some(&schema), &ValidateOptions::default()).unwrap_err();
        assert!(matches!(&e, ValidateError::MissingReference { index: 1, resource } if resource == "provinces"), "{e}");
        assert!(e.to_string().contains("\"provinces\", whose values were not supplied"), "{e}");
    }

    #[test]
    fn composite_foreign_key_in_one_file() {
        let schema = r#"{"fields": [
            {"name": "tỉnh"}, {"name": "năm", "type": "year"}, {"name": "tỉnh trước"}, {"name": "năm trước", "type": "integer"}],
            "foreignKeys": [{"fields": ["tỉnh trước", "năm trước"], "reference": {"resource": "", "fields": ["tỉnh", "năm"]}}]}"#;
        let r = run("tỉnh,năm,tỉnh trước,năm trước\nHuế,2024,,\nHuế,2025,Huế,2024\nHuế,2026,Huế,2023\n", Some(schema));
        assert_eq!(kinds(&r), [("foreign-key", Some(4), None)]);
        assert!(r.errors[0].message_vi.contains("\"Huế, 2023\""));
    }

    #[test]
    fn undecodable_bytes_are_reported() {
        // Bad bytes past the sniffed head (a file that starts badly is
        // sniffed as a legacy encoding instead).
        let mut text = "tỉnh,dân số\n".as_bytes().to_vec();
        for _ in 0..10_000 {
            text.extend("Huế,1\n".as_bytes());
        }
        text.extend(b"Hu\xff,2\nX,3\n\xfe,4\n");
        let r = run_bytes(&text, Some(POP), &ValidateOptions::default());
        assert_eq!(kinds(&r), [("encoding-error", Some(10_002), None)]);
        assert!(r.errors[0].message.contains("2 row(s)"));
        assert!(r.errors[0].message_vi.contains("dòng đầu tiên là dòng 10002"));
    }

    #[test]
    fn binary_files_and_nul_bytes_are_encoding_errors() {
        let only_encoding_error = |bytes: &[u8], opts: &ValidateOptions| {
            let r = run_bytes(bytes, Some(POP), opts);
            assert_eq!(kinds(&r), [("encoding-error", None, None)], "{:?}", r.errors);
            assert_eq!(r.stats.rows, 0);
            assert!(r.errors[0].message.contains("NUL"), "{}", r.errors[0].message);
            assert!(r.errors[0].message_vi.contains("tệp nhị phân"), "{}", r.errors[0].message_vi);
        };
        // Random bytes (xorshift, fixed seed), zeros, a stray NUL in a cell.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let random: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        only_encoding_error(&random, &ValidateOptions::default());
        only_encoding_error(&[0u8; 4096], &ValidateOptions::default());
        only_encoding_error("tỉnh,dân số\nHuế,1\0\n".as_bytes(), &ValidateOptions::default());
        // UTF-16 read as UTF-8 because the caller said so.
        let utf16: Vec<u8> = "tỉnh,dân số\nHuế,1\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        only_encoding_error(
            &utf16,
            &ValidateOptions { encoding: Some(TextEncoding::Utf8), ..ValidateOptions::default() },
        );
        // Recognised, it reads as text (with or without a BOM, either order).
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(&utf16);
        let be: Vec<u8> = "tỉnh,dân số\nHuế,1\nHà Nội,x\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [&utf16, &bom, &be] {
            let r = run_bytes(bytes, Some(POP), &ValidateOptions::default());
            assert!(r.errors.iter().all(|e| e.type_ == "type-error"), "{:?}", r.errors);
        }
        // A NUL past the sniffed head: one error naming the first row; the
        // rest is validated.
        let mut text = "tỉnh,dân số\n".as_bytes().to_vec();
        for _ in 0..10_000 {
            text.extend("Huế,1\n".as_bytes());
        }
        text.extend(b"Hu\0,2\nX,y\n\0,4\n");
        let r = run_bytes(&text, Some(POP), &ValidateOptions::default());
        assert_eq!(kinds(&r), [("type-error", Some(10_003), Some("dân số")), ("encoding-error", Some(10_002), None)]);
        assert!(r.errors[1].message.contains("2 row(s)"), "{}", r.errors[1].message);
    }

    #[test]
    fn nested_quantifiers_run_in_linear_time() {
        // `^(a+)+$` backtracks exponentially in Perl-style engines on
        // "aaa…a!"; Rust's engine never backtracks. 40 rows of 100,000
        // characters: this finishes (no time is asserted).
        let schema = r#"{"fields": [{"name": "s", "constraints": {"pattern": "^(a+)+$"}}]}"#;
        let bad = format!("{}!", "a".repeat(100_000));
        let good = "a".repeat(100_000);
        let mut text = String::from("s\n");
        for i in 0..40 {
            text.push_str(if i % 2 == 0 { &bad } else { &good });
            text.push('\n');
        }
        let r = run(&text, Some(schema));
        assert_eq!(r.stats.rows, 40);
        assert_eq!(r.stats.errors, 20);
        assert!(r.errors.iter().all(|e| e.type_ == "constraint-error" && e.row_number.unwrap() % 2 == 0));
        assert!(r.errors[0].message.chars().count() < 400, "the cell is cut in messages");
    }

    #[test]
    fn missing_files_are_errors() {
        let e = validate_csv(Path::new("/nonexistent/kho.csv"), None, &ValidateOptions::default()).unwrap_err();
        assert!(matches!(e, ValidateError::Io { .. }));
        assert!(e.to_string().contains("/nonexistent/kho.csv"));
    }
}
