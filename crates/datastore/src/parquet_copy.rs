//! Loading a Parquet file someone else wrote: its columns keep their
//! values, mapped to Kho's types (small integers widen to 64 bits,
//! decimals become doubles, nested values become text), and `_id` is added.

use crate::error::{DatastoreError, Result};
use crate::ingest::{LoadProgress, LoadReport};
use crate::types::{self, Field, FieldType};
use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub(crate) fn copy(src: &Path, dest: &Path, progress: &LoadProgress) -> Result<LoadReport> {
    let file = File::open(src).map_err(|e| DatastoreError::io(src, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| DatastoreError::BadInput(format!("The file is not a readable Parquet file: {e}")))?;
    let source_schema = builder.schema().clone();
    let names: Vec<String> =
        types::column_names(&source_schema.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>());
    let fields: Vec<Field> = source_schema
        .fields()
        .iter()
        .zip(&names)
        .map(|(f, n)| Field::new(n.clone(), FieldType::from_arrow(f.data_type())))
        .collect();
    let schema = types::arrow_schema(&fields);
    let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| DatastoreError::BadInput(format!("The Parquet file cannot be read: {e}")))?;
    let mut writer = crate::ingest::table_writer(dest, schema.clone())?;
    let size = progress.total.load(Ordering::Relaxed);
    let mut rows: u64 = 0;
    for batch in reader {
        let batch = batch.map_err(|e| DatastoreError::BadInput(format!("The Parquet file cannot be read: {e}")))?;
        let n = batch.num_rows();
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len() + 1);
        cols.push(Arc::new(Int64Array::from_iter_values((rows as i64 + 1)..=(rows + n as u64) as i64)));
        for (col, field) in batch.columns().iter().zip(&fields) {
            cols.push(convert(col, field.ty)?);
        }
        writer.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        rows += n as u64;
        progress.rows.store(rows, Ordering::Relaxed);
        if let Some(done) = size.saturating_mul(rows).checked_div(total_rows) {
            progress.done.store(done, Ordering::Relaxed);
        }
        if progress.cancel.load(Ordering::Relaxed) {
            return Err(DatastoreError::Internal("the load was cancelled".into()));
        }
    }
    crate::ingest::finish_table(writer, dest)?;
    Ok(LoadReport {
        format: "Parquet".into(),
        rows,
        fields,
        encoding: None,
        delimiter: None,
        header: true,
        sheet: None,
        sheets: Vec::new(),
        passes: 1,
        bytes_read: size,
        notes: Vec::new(),
    })
}

fn convert(col: &ArrayRef, ty: FieldType) -> Result<ArrayRef> {
    let target = ty.arrow();
    if col.data_type() == &target {
        return Ok(col.clone());
    }
    if let Ok(c) = cast(col, &target) {
        return Ok(c);
    }
    // Nested values and anything else without a cast: their display text.
    let fmt = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default())?;
    let texts: Vec<Option<String>> =
        (0..col.len()).map(|i| (!col.is_null(i)).then(|| fmt.value(i).to_string())).collect();
    Ok(Arc::new(datafusion::arrow::array::StringArray::from(texts)))
}
