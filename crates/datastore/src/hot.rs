//! Hot columns in memory: equality filters answered from Arrow arrays.
//!
//! `datastore_search` with equality filters and no sort, the question
//! portals and previews ask most, would otherwise scan the filtered
//! columns' Parquet pages on every call. The first such search of a column
//! reads it whole into an Arrow array, kept in a memory-bounded cache keyed
//! by file (files never change, so entries never go stale); later searches
//! compare in memory, count the matches, and take the page's rows from the
//! columns in memory too (reading scattered rows from Parquet would decode
//! a whole page per row and column). The cache is bounded
//! (`datastore_cache_mb`); past it, least recently loaded columns go.

use crate::error::{DatastoreError, Result};
use crate::types::Field;
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::{and, concat, or};
use datafusion::common::ScalarValue;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
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
    // A null cell is not a match.
    let mask = if mask.null_count() > 0 { datafusion::arrow::compute::prep_null_mask_filter(&mask) } else { mask };
    let total = mask.true_count() as u64;
    let rows = mask.values().set_indices().skip(offset).take(limit).collect();
    Ok((total, rows))
}

/// The given rows (ascending row numbers) of `fields`, taken from the
/// columns in memory (read into the cache first if they are not there).
pub fn read_rows(cache: &ColumnCache, path: &Path, rows: &[usize], fields: &[Field]) -> Result<Vec<RecordBatch>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let indices = datafusion::arrow::array::UInt64Array::from_iter_values(rows.iter().map(|r| *r as u64));
    let mut cols = Vec::with_capacity(fields.len());
    for f in fields {
        let column = cache.column(path, &f.id)?;
        cols.push(datafusion::arrow::compute::take(column.as_ref(), &indices, None)?);
    }
    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(
        fields
            .iter()
            .zip(&cols)
            .map(|(f, c)| datafusion::arrow::datatypes::Field::new(&f.id, c.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    Ok(vec![RecordBatch::try_new(schema, cols)?])
}
