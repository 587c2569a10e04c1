//! Hot columns in memory: equality filters answered from Arrow arrays.
//!
//! `datastore_search` with equality filters and no sort, the question
//! portals and previews ask most, would otherwise scan the filtered
//! columns' Parquet pages on every call. The first such search of a column
//! reads it whole into an Arrow array, kept in a memory-bounded cache keyed
//! by file (files never change, so entries never go stale); later searches
//! compare in memory, count the matches, and read only the page's rows from
//! Parquet by row number (small pages and the page index make that a few
//! page reads).

use crate::error::{DatastoreError, Result};
use crate::types::Field;
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::{and, concat, or};
use datafusion::common::ScalarValue;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Decoded columns, least recently loaded evicted first.
pub struct ColumnCache {
    budget: usize,
    inner: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    map: HashMap<(PathBuf, String), ArrayRef>,
    order: VecDeque<(PathBuf, String)>,
    bytes: usize,
}

impl ColumnCache {
    /// A cache holding at most `budget` bytes of arrays.
    pub fn new(budget: usize) -> ColumnCache {
        ColumnCache { budget, inner: Mutex::new(CacheState::default()) }
    }

    fn get(&self, key: &(PathBuf, String)) -> Option<ArrayRef> {
        self.inner.lock().ok()?.map.get(key).cloned()
    }

    fn put(&self, key: (PathBuf, String), array: ArrayRef) {
        let size = array.get_array_memory_size();
        if size > self.budget {
            return;
        }
        let Ok(mut s) = self.inner.lock() else { return };
        while s.bytes + size > self.budget {
            let Some(old) = s.order.pop_front() else { break };
            if let Some(a) = s.map.remove(&old) {
                s.bytes -= a.get_array_memory_size();
            }
        }
        if s.map.insert(key.clone(), array).is_none() {
            s.order.push_back(key);
            s.bytes += size;
        }
    }

    /// A whole column of a Parquet file, from the cache or read now.
    fn column(&self, path: &Path, name: &str) -> Result<ArrayRef> {
        let key = (path.to_path_buf(), name.to_string());
        if let Some(a) = self.get(&key) {
            return Ok(a);
        }
        let file = std::fs::File::open(path).map_err(|e| DatastoreError::io(path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
        let index = builder
            .schema()
            .index_of(name)
            .map_err(|_| DatastoreError::Invalid(format!("Field \"{name}\" is not in the table")))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
        let reader = builder.with_projection(mask).with_batch_size(64 * 1024).build()?;
        let mut parts = Vec::new();
        for batch in reader {
            parts.push(batch?.column(0).clone());
        }
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        let array = if refs.is_empty() {
            datafusion::arrow::array::new_empty_array(&datafusion::arrow::datatypes::DataType::Null)
        } else {
            concat(&refs)?
        };
        self.put(key, array.clone());
        Ok(array)
    }
}

/// Rows matching every `(column, values)` filter: their count and the row
/// numbers `offset..offset + limit` of them, in file order.
pub fn matching_rows(
    cache: &ColumnCache,
    path: &Path,
    filters: &[(String, Vec<ScalarValue>)],
    offset: usize,
    limit: usize,
) -> Result<(u64, Vec<usize>)> {
    let mut mask: Option<BooleanArray> = None;
    for (name, values) in filters {
        let column = cache.column(path, name)?;
        let mut any: Option<BooleanArray> = None;
        for v in values {
            let hit = eq(&column, &v.to_scalar()?)?;
            any = Some(match any {
                Some(a) => or(&a, &hit)?,
                None => hit,
            });
        }
        let Some(any) = any else { continue };
        mask = Some(match mask {
            Some(m) => and(&m, &any)?,
            None => any,
        });
    }
    let Some(mask) = mask else { return Err(DatastoreError::Internal("no filter to apply".into())) };
    let total = mask.true_count() as u64;
    let mut rows = Vec::with_capacity(limit.min(total as usize));
    let mut seen = 0usize;
    // Nulls in the mask (a null cell) are not matches.
    let values = mask.values();
    let valid = mask.nulls();
    for i in values.set_indices() {
        if valid.is_some_and(|n| n.is_null(i)) {
            continue;
        }
        if seen >= offset {
            rows.push(i);
            if rows.len() == limit {
                break;
            }
        }
        seen += 1;
    }
    let total = match valid {
        Some(n) => (0..mask.len()).filter(|i| values.value(*i) && n.is_valid(*i)).count() as u64,
        None => total,
    };
    Ok((total, rows))
}

/// The given rows (ascending row numbers) of `fields` from a Parquet file,
/// reading only the pages that hold them.
pub fn read_rows(path: &Path, rows: &[usize], fields: &[Field]) -> Result<Vec<RecordBatch>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let file = std::fs::File::open(path).map_err(|e| DatastoreError::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
        file,
        ArrowReaderOptions::new()
            .with_page_index_policy(datafusion::parquet::file::metadata::PageIndexPolicy::Optional),
    )?;
    let total = builder.metadata().file_metadata().num_rows().max(0) as usize;
    let schema = builder.schema().clone();
    let mut indices = Vec::with_capacity(fields.len());
    for f in fields {
        indices.push(
            schema
                .index_of(&f.id)
                .map_err(|_| DatastoreError::Invalid(format!("Field \"{}\" is not in the table", f.id)))?,
        );
    }
    let mut sorted = indices.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let mask = ProjectionMask::roots(builder.parquet_schema(), sorted.iter().copied());
    let ranges = rows.iter().map(|r| *r..*r + 1);
    let selection = RowSelection::from_consecutive_ranges(ranges, total);
    let reader = builder.with_projection(mask).with_row_selection(selection).build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        // Back to the requested order (the reader gives file order).
        let cols: Vec<ArrayRef> = indices
            .iter()
            .map(|i| {
                let pos = sorted.iter().position(|s| s == i).unwrap_or(0);
                batch.column(pos).clone()
            })
            .collect();
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(
            fields
                .iter()
                .zip(&cols)
                .map(|(f, c)| datafusion::arrow::datatypes::Field::new(&f.id, c.data_type().clone(), true))
                .collect::<Vec<_>>(),
        ));
        out.push(RecordBatch::try_new(schema, cols)?);
    }
    Ok(out)
}
