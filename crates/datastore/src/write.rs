//! Writes through the API (`datastore_create`, `datastore_upsert`): each
//! makes a new version of the table, streamed from the old one with the
//! given records applied, so a failed write changes nothing.
//!
//! Records are JSON objects. A field a record leaves out keeps its old
//! value (on update) or is null (on insert); a field it sets to `null`
//! becomes null. Matching is by the table's primary key, or by `_id`.

use crate::engine::{Engine, TableRef};
use crate::error::{DatastoreError, Result};
use crate::types::{Field, FieldType, ID_COLUMN, arrow_schema};
use datafusion::arrow::array::{Array, ArrayRef, Int64Array};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use futures_util::TryStreamExt;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// How records meet existing rows, as CKAN's `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// New rows only; a key that exists is an error.
    Insert,
    /// Existing rows only; a key that does not exist is an error.
    Update,
    /// Update rows whose key exists, insert the others.
    Upsert,
}

impl Method {
    /// Reads CKAN's name.
    pub fn parse(s: &str) -> Result<Method> {
        Ok(match s {
            "insert" => Method::Insert,
            "update" => Method::Update,
            "upsert" => Method::Upsert,
            _ => return Err(DatastoreError::Invalid(format!("method \"{s}\" is not one of upsert, insert, update"))),
        })
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOutcome {
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
}

/// A record's values by field position; `None` where the record is silent.
type Cells = Vec<Option<ScalarValue>>;

fn typed(f: &Field, v: &Value, row: usize) -> Result<ScalarValue> {
    crate::engine::literal(f, v)
        .map_err(|_| {
            DatastoreError::Invalid(format!(
                "Record {}: value {v} does not fit field \"{}\" ({})",
                row + 1,
                f.id,
                f.ty.name()
            ))
        })
        .and_then(|s| if s.is_null() { Ok(ScalarValue::try_from(&f.ty.arrow())?) } else { Ok(s) })
}

/// The text a key is compared by.
fn key_text(values: &[ScalarValue]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\u{1f}")
}

/// Writes a new version at `dest`: the rows of `old` (if any) widened to
/// `fields`, with `records` applied by `method` and matched on `key`
/// (field names; empty means `_id`).
pub async fn write(
    engine: &Engine,
    old: Option<&TableRef>,
    fields: &[Field],
    records: &[Map<String, Value>],
    method: Method,
    key: &[String],
    dest: &Path,
) -> Result<WriteOutcome> {
    let id_field = Field::new(ID_COLUMN, FieldType::Int);
    let position = |name: &str| -> Option<usize> {
        if name == ID_COLUMN { Some(0) } else { fields.iter().position(|f| f.id == name).map(|i| i + 1) }
    };
    let key_cols: Vec<usize> = if key.is_empty() {
        vec![0]
    } else {
        key.iter()
            .map(|k| {
                position(k).ok_or_else(|| DatastoreError::Invalid(format!("Key field \"{k}\" is not in the table")))
            })
            .collect::<Result<_>>()?
    };
    let all_fields: Vec<&Field> = std::iter::once(&id_field).chain(fields.iter()).collect();
    // Parse every record first: a bad value fails the write before any I/O.
    let mut parsed: Vec<Cells> = Vec::with_capacity(records.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (n, rec) in records.iter().enumerate() {
        let mut cells: Cells = vec![None; all_fields.len()];
        for (k, v) in rec {
            let i = position(k).ok_or_else(|| {
                DatastoreError::Invalid(format!(
                    "Record {}: field \"{k}\" is not in the table; add it with datastore_create",
                    n + 1
                ))
            })?;
            cells[i] = Some(typed(all_fields[i], v, n)?);
        }
        let needs_key = method != Method::Insert || !key.is_empty();
        if needs_key {
            let kv: Option<Vec<ScalarValue>> =
                key_cols.iter().map(|i| cells[*i].clone().filter(|v| !v.is_null())).collect();
            match kv {
                Some(kv) => {
                    if by_key.insert(key_text(&kv), n).is_some() {
                        return Err(DatastoreError::Invalid(format!(
                            "Record {}: its key repeats an earlier record's",
                            n + 1
                        )));
                    }
                }
                None if method == Method::Insert => {
                    return Err(DatastoreError::Invalid(format!(
                        "Record {}: the primary key ({}) needs a value",
                        n + 1,
                        key.join(", ")
                    )));
                }
                None => {
                    return Err(DatastoreError::Invalid(format!(
                        "Record {}: {} needs the key ({}) to find the row",
                        n + 1,
                        if method == Method::Update { "update" } else { "upsert" },
                        if key.is_empty() { ID_COLUMN.to_string() } else { key.join(", ") }
                    )));
                }
            }
        }
        parsed.push(cells);
    }

    let schema = arrow_schema(fields);
    let mut writer = crate::ingest::table_writer(dest, schema.clone())?;
    let mut out = WriteOutcome::default();
    let mut matched = vec![false; parsed.len()];
    let mut max_id = 0i64;
    if let Some(old) = old {
        let mut stream = engine.scan(old).await?;
        while let Some(batch) = stream.try_next().await? {
            let n = batch.num_rows();
            // Old columns by name, new ones null.
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(all_fields.len());
            for f in &all_fields {
                match batch.schema().index_of(&f.id) {
                    Ok(i) => cols.push(datafusion::arrow::compute::cast(batch.column(i), &f.ty.arrow())?),
                    Err(_) => cols.push(datafusion::arrow::array::new_null_array(&f.ty.arrow(), n)),
                }
            }
            if let Some(ids) = cols[0].as_any().downcast_ref::<Int64Array>() {
                max_id = max_id.max(datafusion::arrow::compute::max(ids).unwrap_or(0));
            }
            // Rows whose key a record names.
            let mut hits: Vec<(usize, usize)> = Vec::new();
            if !by_key.is_empty() {
                for row in 0..n {
                    let kv = key_cols
                        .iter()
                        .map(|c| ScalarValue::try_from_array(&cols[*c], row))
                        .collect::<datafusion::error::Result<Vec<_>>>()?;
                    if let Some(&r) = by_key.get(&key_text(&kv)) {
                        if method == Method::Insert {
                            return Err(DatastoreError::Invalid(format!(
                                "Record {}: a row with key ({}) already exists; use method upsert or update",
                                r + 1,
                                key.join(", ")
                            )));
                        }
                        hits.push((row, r));
                        matched[r] = true;
                    }
                }
            }
            if !hits.is_empty() {
                let at: HashMap<usize, usize> = hits.iter().copied().collect();
                for (c, col) in cols.iter_mut().enumerate().skip(1) {
                    if !hits.iter().any(|(_, r)| parsed[*r][c].is_some()) {
                        continue;
                    }
                    let values = (0..n)
                        .map(|row| match at.get(&row).and_then(|r| parsed[*r][c].clone()) {
                            Some(v) => Ok(v),
                            None => ScalarValue::try_from_array(col, row),
                        })
                        .collect::<datafusion::error::Result<Vec<_>>>()?;
                    *col = ScalarValue::iter_to_array(values)?;
                }
                out.updated += hits.len() as u64;
            }
            out.rows += n as u64;
            writer.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        }
    }
    // Records that matched no row are new rows (or errors, for update).
    let fresh: Vec<usize> = (0..parsed.len()).filter(|r| !matched[*r]).collect();
    if method == Method::Update
        && let Some(r) = fresh.first()
    {
        return Err(DatastoreError::Invalid(format!(
            "Record {}: no row has its key; use method upsert to insert it",
            r + 1
        )));
    }
    if !fresh.is_empty() {
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(all_fields.len());
        for (c, f) in all_fields.iter().enumerate() {
            let null = ScalarValue::try_from(&f.ty.arrow())?;
            let values: Vec<ScalarValue> = fresh
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    if c == 0 {
                        // A given _id is only a key; new rows are numbered on.
                        ScalarValue::Int64(Some(max_id + 1 + k as i64))
                    } else {
                        parsed[*r][c].clone().unwrap_or_else(|| null.clone())
                    }
                })
                .collect();
            cols.push(if values.is_empty() {
                Arc::new(Int64Array::from(Vec::<i64>::new()))
            } else {
                ScalarValue::iter_to_array(values)?
            });
        }
        writer.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        out.rows += fresh.len() as u64;
        out.inserted = fresh.len() as u64;
    }
    crate::ingest::finish_table(writer, dest)?;
    Ok(out)
}

/// Checks `new` fields against a table's `old` ones: types stay, names
/// are valid and unique; returns the combined list (old first).
pub fn merge_fields(old: &[Field], new: &[Field]) -> Result<Vec<Field>> {
    let mut out = old.to_vec();
    for f in new {
        crate::types::check_field_name(&f.id)?;
        match out.iter_mut().find(|o| o.id == f.id) {
            Some(o) if o.ty != f.ty => {
                return Err(DatastoreError::Invalid(format!(
                    "Field \"{}\" is {} in the table; it cannot become {}",
                    f.id,
                    o.ty.name(),
                    f.ty.name()
                )));
            }
            Some(o) => {
                if f.info.is_some() {
                    o.info = f.info.clone();
                }
            }
            None => out.push(f.clone()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_stay() {
        let old = vec![Field::new("a", FieldType::Int)];
        assert!(merge_fields(&old, &[Field::new("a", FieldType::Text)]).is_err());
        let m = merge_fields(&old, &[Field::new("b", FieldType::Text), Field::new("a", FieldType::Int)]).unwrap();
        assert_eq!(m.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(merge_fields(&old, &[Field::new("_x", FieldType::Text)]).is_err());
    }
}
