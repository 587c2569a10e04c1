//! Loading a file into a table: read rows, type the columns, write Parquet.
//!
//! Every source (delimited text, spreadsheet, JSON, NDJSON, GeoJSON) is
//! turned into rows of text cells, so one pipeline types them all:
//!
//! 1. **Analyse** a sample (the first [`SAMPLE_ROWS`] rows): header row,
//!    width, column names and types ([`crate::infer`]).
//! 2. **Convert** every row to Arrow batches in those types, streamed to a
//!    Parquet writer on a second thread, so memory holds a few batches and
//!    one row group, never the file.
//! 3. A cell the sample's type cannot read (a "12a" deep in an integer
//!    column) does not fail the load and is not lost: the pass goes on
//!    reading only to widen types (integer → decimal → text, date →
//!    timestamp → text), then one more pass writes with the final types.
//!    A row longer than the header adds columns `column_N` the same way.
//!    A load therefore takes at most two passes over the file.
//!
//! Documented coercions (reported in [`LoadReport::notes`]): short rows
//! are padded with missing values; duplicate, blank or reserved header
//! names are renamed ([`crate::types::column_names`]); bytes that are not
//! valid in the detected encoding become U+FFFD; text is stored in NFC.
//! Errors: an empty file, a line longer than [`LoadLimits::max_row_bytes`],
//! more than [`LoadLimits::max_columns`] columns.
//!
//! Parquet sources are copied batch by batch with their own types mapped
//! to Kho's ([`crate::types::FieldType::from_arrow`]).

use crate::error::{DatastoreError, Result};
use crate::infer::{self, ColumnInference, ColumnType, DateOrder, NumberStyle};
use crate::sniff::{self, TextEncoding};
use crate::types::{self, Field, FieldType};
use csv::StringRecord;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Rows read to decide the header and column types.
pub const SAMPLE_ROWS: usize = 20_000;

/// Cells per Arrow batch (rows × columns), so wide tables make short batches.
const BATCH_CELLS: usize = 1 << 20;

/// Rows per Parquet row group: small enough that statistics prune
/// filtered queries, large enough for good compression.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// What Kho accepts before giving up on a file.
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    /// Columns in a table (Excel's limit).
    pub max_columns: usize,
    /// Bytes in one line of a text file (a "1 GB single line" stops here,
    /// with an error, instead of filling memory).
    pub max_row_bytes: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits { max_columns: 16_384, max_row_bytes: 64 << 20 }
    }
}

/// The kind of file a resource holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Delimited text (comma, semicolon, tab or pipe; detected).
    Csv,
    /// Tab-separated text.
    Tsv,
    /// XLSX, XLS, ODS (told apart by content).
    Spreadsheet,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A GeoJSON FeatureCollection: one row per feature, its properties as
    /// columns and its geometry as JSON text.
    GeoJson,
    Parquet,
}

impl SourceFormat {
    /// The format named by a resource's `format` field or, failing that,
    /// its file name's extension. `None` for formats the datastore does
    /// not load.
    pub fn detect(format: &str, file_name: &str) -> Option<SourceFormat> {
        let by_name = |f: &str| -> Option<SourceFormat> {
            Some(match f.trim().trim_start_matches('.').to_ascii_lowercase().as_str() {
                "csv" | "text/csv" => SourceFormat::Csv,
                "tsv" | "tab" | "text/tab-separated-values" => SourceFormat::Tsv,
                "xlsx" | "xls" | "ods" | "xlsb" | "xlsm" | "excel" => SourceFormat::Spreadsheet,
                "json" | "application/json" => SourceFormat::Json,
                "ndjson" | "jsonl" | "jsonlines" | "application/x-ndjson" => SourceFormat::Ndjson,
                "geojson" | "application/geo+json" => SourceFormat::GeoJson,
                "parquet" | "application/vnd.apache.parquet" => SourceFormat::Parquet,
                _ => return None,
            })
        };
        by_name(format).or_else(|| file_name.rsplit_once('.').and_then(|(_, ext)| by_name(ext)))
    }

    /// A short name for reports.
    pub fn label(self) -> &'static str {
        match self {
            SourceFormat::Csv => "CSV",
            SourceFormat::Tsv => "TSV",
            SourceFormat::Spreadsheet => "spreadsheet",
            SourceFormat::Json => "JSON",
            SourceFormat::Ndjson => "NDJSON",
            SourceFormat::GeoJson => "GeoJSON",
            SourceFormat::Parquet => "Parquet",
        }
    }
}

/// How to read a file; `None` means detect.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<TextEncoding>,
    pub header: Option<bool>,
    /// The sheet of a workbook (default: the first with any cell).
    pub sheet: Option<String>,
    pub limits: LoadLimits,
}

/// Live progress of a load, shared with whoever reports it.
#[derive(Debug, Default)]
pub struct LoadProgress {
    /// Bytes of the source read in the current pass.
    pub done: AtomicU64,
    /// The source's size in bytes.
    pub total: AtomicU64,
    /// Rows written in the current pass.
    pub rows: AtomicU64,
    /// 1, or 2 when a pass had to widen types.
    pub pass: AtomicU64,
    /// Set to stop the load (its job was lost or cancelled).
    pub cancel: AtomicBool,
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadReport {
    pub format: String,
    pub rows: u64,
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub header: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<String>,
    /// Passes over the source (2 when types were widened mid-file).
    pub passes: u32,
    pub bytes_read: u64,
    /// Coercions applied, in words.
    pub notes: Vec<String>,
}

/// Loads `src` (in `format`) into a new Parquet file at `dest`. On error
/// `dest` may hold a partial file; callers write to a temporary path and
/// publish only on success.
pub fn load_file(
    src: &Path,
    format: SourceFormat,
    opts: &LoadOptions,
    dest: &Path,
    progress: &LoadProgress,
) -> Result<LoadReport> {
    let size = std::fs::metadata(src).map_err(|e| DatastoreError::io(src, e))?.len();
    progress.total.store(size, Ordering::Relaxed);
    progress.pass.store(1, Ordering::Relaxed);
    if size == 0 {
        return Err(DatastoreError::BadInput("The file is empty: it has no header and no rows".into()));
    }
    match format {
        SourceFormat::Parquet => crate::parquet_copy::copy(src, dest, progress),
        SourceFormat::Csv | SourceFormat::Tsv => {
            let mut source = TextSource::open(src, format, opts)?;
            let mut report = run(&mut source, opts, dest, progress)?;
            report.encoding = Some(match source.mojibake {
                Some(l) => format!("{} ({} text, converted)", source.encoding.label(), l.label()),
                None => source.encoding.label().to_string(),
            });
            report.delimiter = Some(delimiter_name(source.delimiter).to_string());
            report.format = format.label().into();
            if source.replaced.load(Ordering::Relaxed) > 0 {
                report.notes.push(format!(
                    "{} byte sequences that are not valid {} were replaced by U+FFFD",
                    source.replaced.load(Ordering::Relaxed),
                    source.encoding.label()
                ));
            }
            Ok(report)
        }
        SourceFormat::Json | SourceFormat::Ndjson | SourceFormat::GeoJson => {
            let mut source = crate::json_rows::JsonSource::open(src, format, opts.limits)?;
            let opts = LoadOptions { header: Some(true), ..opts.clone() };
            let mut report = run(&mut source, &opts, dest, progress)?;
            report.format = format.label().into();
            Ok(report)
        }
        SourceFormat::Spreadsheet => load_spreadsheet(src, opts, dest, progress),
    }
}

fn load_spreadsheet(src: &Path, opts: &LoadOptions, dest: &Path, progress: &LoadProgress) -> Result<LoadReport> {
    let mut source = SheetSource::open(src, opts)?;
    let mut report = run(&mut source, opts, dest, progress)?;
    report.format = SourceFormat::Spreadsheet.label().into();
    report.sheet = Some(source.rows.sheet().to_string());
    report.sheets = source.rows.sheets().to_vec();
    Ok(report)
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b'\t' => "tab",
        b';' => ";",
        b'|' => "|",
        _ => ",",
    }
}

/// Rows of text cells, from the first (possibly a header) on.
pub(crate) trait RowSource {
    /// Reads the next row into `rec`; `false` at the end.
    fn next_row(&mut self, rec: &mut StringRecord) -> Result<bool>;
    /// Starts again from the first row.
    fn rewind(&mut self) -> Result<()>;
    /// Bytes of the file read so far in this pass (for progress).
    fn bytes_read(&self) -> u64;
}

/// The outcome of a conversion pass that could not finish with the
/// sample's types.
struct Retry {
    types: Vec<ColumnType>,
    width: usize,
}

fn run(source: &mut dyn RowSource, opts: &LoadOptions, dest: &Path, progress: &LoadProgress) -> Result<LoadReport> {
    let mut forced: Vec<Option<ColumnType>> = Vec::new();
    let mut min_width = 0usize;
    let mut notes = Vec::new();
    for pass in 1..=3u32 {
        progress.pass.store(pass as u64, Ordering::Relaxed);
        source.rewind()?;
        let plan = analyse(source, opts, min_width, &forced)?;
        source.rewind()?;
        match convert(source, &plan, dest, progress)? {
            Ok(rows) => {
                notes.extend(plan.notes.iter().cloned());
                return Ok(LoadReport {
                    format: String::new(),
                    rows,
                    fields: plan.fields(),
                    encoding: None,
                    delimiter: None,
                    header: plan.header,
                    sheet: None,
                    sheets: Vec::new(),
                    passes: pass,
                    bytes_read: progress.done.load(Ordering::Relaxed),
                    notes,
                });
            }
            Err(retry) => {
                for (i, (old, new)) in plan.types.iter().zip(&retry.types).enumerate() {
                    if old != new {
                        notes.push(format!(
                            "Column \"{}\" holds values the first {} rows did not show; it is stored as {}",
                            plan.names[i],
                            SAMPLE_ROWS,
                            FieldType::from_inferred(*new).name()
                        ));
                    }
                }
                if retry.width > plan.names.len() {
                    notes.push(format!(
                        "Some rows have {} cells, more than the first rows; the extra columns are named column_N",
                        retry.width
                    ));
                }
                forced = retry.types.into_iter().map(Some).collect();
                min_width = retry.width;
            }
        }
    }
    Err(DatastoreError::Internal("column types did not settle after three passes".into()))
}

/// The table a sample describes.
struct Plan {
    header: bool,
    names: Vec<String>,
    types: Vec<ColumnType>,
    notes: Vec<String>,
    limits: LoadLimits,
}

impl Plan {
    fn fields(&self) -> Vec<Field> {
        self.names.iter().zip(&self.types).map(|(n, t)| Field::new(n.clone(), FieldType::from_inferred(*t))).collect()
    }

    fn schema(&self) -> SchemaRef {
        types::arrow_schema(&self.fields())
    }
}

fn analyse(
    source: &mut dyn RowSource,
    opts: &LoadOptions,
    min_width: usize,
    forced: &[Option<ColumnType>],
) -> Result<Plan> {
    let mut sample: Vec<Vec<String>> = Vec::new();
    let mut rec = StringRecord::new();
    while sample.len() < SAMPLE_ROWS + 1 && source.next_row(&mut rec)? {
        // Blank lines say nothing about the table.
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        sample.push(rec.iter().map(str::to_string).collect());
    }
    if sample.is_empty() {
        return Err(DatastoreError::BadInput("The file has no rows: every line is blank".into()));
    }
    let width = sample.iter().map(Vec::len).max().unwrap_or(0).max(min_width);
    if width > opts.limits.max_columns {
        return Err(DatastoreError::BadInput(format!(
            "The table has {width} columns; Kho loads at most {}. Split it into narrower tables",
            opts.limits.max_columns
        )));
    }
    let header = opts.header.unwrap_or_else(|| sniff::has_header(&sample[..sample.len().min(101)]));
    let mut notes = Vec::new();
    let raw_names: Vec<String> = if header {
        let mut h = sample[0].clone();
        h.resize(width, String::new());
        h
    } else {
        vec![String::new(); width]
    };
    let names = types::column_names(&raw_names);
    let renamed = raw_names.iter().zip(&names).filter(|(r, n)| !r.trim().is_empty() && r.trim() != n.as_str()).count();
    if renamed > 0 {
        notes.push(format!("{renamed} column names were changed to be unique and valid (see the fields)"));
    }
    let data = if header { &sample[1..] } else { &sample[..] };
    let mut inference = vec![ColumnInference::default(); width];
    for row in data {
        for (i, cell) in row.iter().enumerate() {
            inference[i].observe(cell);
        }
    }
    let types = (0..width).map(|i| forced.get(i).copied().flatten().unwrap_or_else(|| inference[i].result())).collect();
    Ok(Plan { header, names, types, notes, limits: opts.limits })
}

/// Writes every row in the plan's types. `Ok(Err(retry))` when some
/// cell needs a wider type or a row is wider than the plan: the rest of
/// the file is then only read, to find every widening in this pass.
fn convert(
    source: &mut dyn RowSource,
    plan: &Plan,
    dest: &Path,
    progress: &LoadProgress,
) -> Result<std::result::Result<u64, Retry>> {
    let schema = plan.schema();
    let width = plan.names.len();
    let batch_rows = (BATCH_CELLS / (width + 1)).clamp(1024, 65_536);
    let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(2);
    let dest_buf: PathBuf = dest.to_path_buf();
    let writer_schema = schema.clone();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_batches(&dest_buf, writer_schema, rx));
        let outcome = (|| -> Result<std::result::Result<u64, Retry>> {
            let mut rec = StringRecord::new();
            let mut first = true;
            let mut rows: u64 = 0;
            let mut builders: Vec<ColumnBuilder> =
                plan.types.iter().map(|t| ColumnBuilder::new(*t, batch_rows)).collect();
            let mut ids = Int64Builder::with_capacity(batch_rows);
            let mut pending = 0usize;
            // Once a cell does not fit, the pass only widens types.
            let mut retry: Option<Retry> = None;
            while source.next_row(&mut rec)? {
                if std::mem::take(&mut first) && plan.header {
                    continue;
                }
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if rec.len() > plan.limits.max_columns {
                    return Err(DatastoreError::BadInput(format!(
                        "Row {} has {} cells; Kho loads at most {} columns",
                        rows + 1,
                        rec.len(),
                        plan.limits.max_columns
                    )));
                }
                if let Some(r) = retry.as_mut() {
                    widen_row(r, &rec);
                    continue;
                }
                if rec.len() > width {
                    let mut r = Retry { types: plan.types.clone(), width };
                    widen_row(&mut r, &rec);
                    retry = Some(r);
                    continue;
                }
                for (i, b) in builders.iter_mut().enumerate() {
                    let cell = rec.get(i).unwrap_or("");
                    if !b.push(cell) {
                        let mut r = Retry { types: plan.types.clone(), width };
                        widen_row(&mut r, &rec);
                        retry = Some(r);
                        break;
                    }
                }
                if retry.is_some() {
                    continue;
                }
                rows += 1;
                ids.append_value(rows as i64);
                pending += 1;
                if pending == batch_rows {
                    send_batch(&tx, &schema, &mut ids, &mut builders)?;
                    pending = 0;
                    progress.rows.store(rows, Ordering::Relaxed);
                    progress.done.store(source.bytes_read(), Ordering::Relaxed);
                    if progress.cancel.load(Ordering::Relaxed) {
                        return Err(DatastoreError::Internal("the load was cancelled".into()));
                    }
                }
            }
            if let Some(r) = retry {
                return Ok(Err(r));
            }
            if pending > 0 || rows == 0 {
                send_batch(&tx, &schema, &mut ids, &mut builders)?;
            }
            progress.rows.store(rows, Ordering::Relaxed);
            progress.done.store(source.bytes_read(), Ordering::Relaxed);
            Ok(Ok(rows))
        })();
        drop(tx);
        let written = writer.join().map_err(|_| DatastoreError::Internal("the Parquet writer panicked".into()))?;
        let outcome = outcome?;
        written?;
        Ok(outcome)
    })
}

fn send_batch(
    tx: &std::sync::mpsc::SyncSender<RecordBatch>,
    schema: &SchemaRef,
    ids: &mut Int64Builder,
    builders: &mut [ColumnBuilder],
) -> Result<()> {
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(builders.len() + 1);
    cols.push(Arc::new(ids.finish()));
    cols.extend(builders.iter_mut().map(ColumnBuilder::finish));
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    // The writer only stops early when it failed; its error is reported
    // when it is joined.
    let _ = tx.send(batch);
    Ok(())
}

fn write_batches(dest: &Path, schema: SchemaRef, rx: std::sync::mpsc::Receiver<RecordBatch>) -> Result<()> {
    let mut writer = table_writer(dest, schema)?;
    for batch in rx {
        writer.write(&batch)?;
    }
    finish_table(writer, dest)
}

/// A new table file at `dest`, written as [`writer_properties`] says.
pub(crate) fn table_writer(dest: &Path, schema: SchemaRef) -> Result<ArrowWriter<std::io::BufWriter<File>>> {
    let file = File::create(dest).map_err(|e| DatastoreError::io(dest, e))?;
    Ok(ArrowWriter::try_new(std::io::BufWriter::new(file), schema, Some(writer_properties()))?)
}

/// Closes a table file and syncs it to disk: only then may anything refer to it.
pub(crate) fn finish_table(writer: ArrowWriter<std::io::BufWriter<File>>, dest: &Path) -> Result<()> {
    let file = writer.into_inner()?.into_inner().map_err(|e| DatastoreError::io(dest, e.into_error()))?;
    file.sync_all().map_err(|e| DatastoreError::io(dest, e))
}

/// How Kho writes Parquet: Snappy (fast to read back, and every reader
/// has it), row groups of [`ROW_GROUP_ROWS`], page statistics on.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // Small pages: a search that reads a page of rows by number reads
        // only the pages holding them.
        .set_data_page_row_count_limit(8192)
        .set_created_by(format!("Kho {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Takes a row that did not fit into the widened types.
fn widen_row(r: &mut Retry, rec: &StringRecord) {
    if rec.len() > r.width {
        r.types.resize(rec.len(), ColumnType::Text);
        r.width = rec.len();
    }
    for (i, cell) in rec.iter().enumerate() {
        let t = r.types[i];
        if !accepts(t, cell) {
            r.types[i] = widen(t, cell);
        }
    }
}

/// Whether a column of type `t` stores `cell` (as [`ColumnBuilder::push`]
/// does: timestamp columns take plain dates as midnight).
fn accepts(t: ColumnType, cell: &str) -> bool {
    infer::parse(cell, t).is_some() || matches!(t, ColumnType::DateTime(o) if infer::parse_date(cell, o).is_some())
}

/// The narrowest type wider than `t` that reads `cell`.
fn widen(t: ColumnType, cell: &str) -> ColumnType {
    let next: &[ColumnType] = match t {
        ColumnType::Integer(s) => &[ColumnType::Decimal(s)],
        ColumnType::Date(o) => &[ColumnType::DateTime(o)],
        _ => &[],
    };
    next.iter().copied().find(|n| accepts(*n, cell)).unwrap_or(ColumnType::Text)
}

/// An Arrow builder for one column of a batch.
enum ColumnBuilder {
    Bool(BooleanBuilder),
    Int(Int64Builder, NumberStyle),
    Float(Float64Builder, NumberStyle),
    Date(Date32Builder, DateOrder),
    DateTime(TimestampMicrosecondBuilder, DateOrder),
    Text(StringBuilder),
}

/// Days from 0001-01-01's Julian day to the Unix epoch's.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Days since 1970-01-01, as Arrow's Date32 counts.
pub fn date32(d: time::Date) -> i32 {
    d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY
}

/// Microseconds since 1970-01-01 00:00, as Arrow's timestamps count.
pub fn micros(dt: time::PrimitiveDateTime) -> i64 {
    let t = dt.assume_utc();
    t.unix_timestamp() * 1_000_000 + i64::from(t.microsecond())
}

impl ColumnBuilder {
    fn new(t: ColumnType, cap: usize) -> ColumnBuilder {
        match t {
            ColumnType::Boolean => ColumnBuilder::Bool(BooleanBuilder::with_capacity(cap)),
            ColumnType::Integer(s) => ColumnBuilder::Int(Int64Builder::with_capacity(cap), s),
            ColumnType::Decimal(s) => ColumnBuilder::Float(Float64Builder::with_capacity(cap), s),
            ColumnType::Date(o) => ColumnBuilder::Date(Date32Builder::with_capacity(cap), o),
            ColumnType::DateTime(o) => ColumnBuilder::DateTime(TimestampMicrosecondBuilder::with_capacity(cap), o),
            ColumnType::Text => ColumnBuilder::Text(StringBuilder::with_capacity(cap, cap * 16)),
        }
    }

    /// Appends a cell; `false` if it does not read as the column's type.
    fn push(&mut self, cell: &str) -> bool {
        if let ColumnBuilder::Text(b) = self {
            // Missing values in text columns are nulls too, as CKAN's
            // loaders write empty cells.
            if cell.is_empty() {
                b.append_null();
            } else if cell.is_ascii() || is_nfc_quick(cell.chars()) == IsNormalized::Yes {
                b.append_value(cell);
            } else {
                b.append_value(cell.nfc().collect::<String>());
            }
            return true;
        }
        if infer::is_missing(cell) {
            match self {
                ColumnBuilder::Bool(b) => b.append_null(),
                ColumnBuilder::Int(b, _) => b.append_null(),
                ColumnBuilder::Float(b, _) => b.append_null(),
                ColumnBuilder::Date(b, _) => b.append_null(),
                ColumnBuilder::DateTime(b, _) => b.append_null(),
                ColumnBuilder::Text(b) => b.append_null(),
            }
            return true;
        }
        match self {
            ColumnBuilder::Bool(b) => infer::parse_bool(cell).map(|v| b.append_value(v)).is_some(),
            ColumnBuilder::Int(b, s) => infer::parse_int(cell, *s).map(|v| b.append_value(v)).is_some(),
            ColumnBuilder::Float(b, s) => infer::parse_decimal(cell, *s).map(|v| b.append_value(v)).is_some(),
            ColumnBuilder::Date(b, o) => infer::parse_date(cell, *o).map(|v| b.append_value(date32(v))).is_some(),
            ColumnBuilder::DateTime(b, o) => infer::parse_datetime(cell, *o)
                .or_else(|| infer::parse_date(cell, *o).map(|d| d.midnight()))
                .map(|v| b.append_value(micros(v)))
                .is_some(),
            ColumnBuilder::Text(_) => true,
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b, _) => Arc::new(b.finish()),
            ColumnBuilder::Float(b, _) => Arc::new(b.finish()),
            ColumnBuilder::Date(b, _) => Arc::new(b.finish()),
            ColumnBuilder::DateTime(b, _) => Arc::new(b.finish()),
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Counts the bytes a source reads, for its progress.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Refuses a line longer than the limit before it fills memory.
struct LineGuard<R> {
    inner: R,
    since_newline: usize,
    limit: usize,
    line: u64,
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
                self.line += 1;
            } else {
                self.since_newline += 1;
            }
        }
        if self.since_newline > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LineTooLong { line: self.line + 1, limit: self.limit },
            ));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LineTooLong {
    line: u64,
    limit: usize,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Line {} is longer than {} MiB; is this really a delimited text file? Check its format and line endings",
            self.line,
            self.limit >> 20
        )
    }
}

impl std::error::Error for LineTooLong {}

/// Delimited text: the file, transcoded to UTF-8, through the csv parser.
struct TextSource {
    path: PathBuf,
    encoding: TextEncoding,
    delimiter: u8,
    max_row_bytes: usize,
    reader: csv::Reader<Box<dyn Read + Send>>,
    counter: Arc<AtomicU64>,
    byte_rec: csv::ByteRecord,
    replaced: Arc<AtomicU64>,
    /// Legacy font-encoded text seen through Windows-1252 inside a UTF-8
    /// file ("ViÖt Nam"): converted cell by cell.
    mojibake: Option<crate::legacy::Legacy>,
}

impl TextSource {
    fn open(path: &Path, format: SourceFormat, opts: &LoadOptions) -> Result<TextSource> {
        let mut head = Vec::with_capacity(1 << 20);
        File::open(path)
            .map_err(|e| DatastoreError::io(path, e))?
            .take(1 << 20)
            .read_to_end(&mut head)
            .map_err(|e| DatastoreError::io(path, e))?;
        let encoding = opts.encoding.unwrap_or_else(|| sniff::detect_encoding(&head));
        let delimiter = match (opts.delimiter, format) {
            (Some(d), _) => d,
            (None, SourceFormat::Tsv) => b'\t',
            (None, _) => sniff::detect_delimiter(&sniff::decode(&head, encoding).0),
        };
        let mojibake = match encoding {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => crate::legacy::detect_text(&sniff::decode(&head, encoding).0),
            _ => None,
        };
        let counter = Arc::new(AtomicU64::new(0));
        let replaced = Arc::new(AtomicU64::new(0));
        let reader = Self::reader(path, encoding, delimiter, opts.limits.max_row_bytes, &counter, &replaced)?;
        Ok(TextSource {
            path: path.to_path_buf(),
            encoding,
            delimiter,
            max_row_bytes: opts.limits.max_row_bytes,
            reader,
            counter,
            byte_rec: csv::ByteRecord::new(),
            replaced,
            mojibake,
        })
    }

    fn reader(
        path: &Path,
        encoding: TextEncoding,
        delimiter: u8,
        max_row_bytes: usize,
        counter: &Arc<AtomicU64>,
        replaced: &Arc<AtomicU64>,
    ) -> Result<csv::Reader<Box<dyn Read + Send>>> {
        counter.store(0, Ordering::Relaxed);
        let file = File::open(path).map_err(|e| DatastoreError::io(path, e))?;
        let counted = Counting { inner: file, read: counter.clone() };
        let text = sniff::text_stream(BufReader::with_capacity(1 << 20, counted), encoding, replaced.clone());
        let guarded = LineGuard { inner: text, since_newline: 0, limit: max_row_bytes, line: 0 };
        Ok(csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(Box::new(guarded)))
    }
}

impl RowSource for TextSource {
    fn next_row(&mut self, rec: &mut StringRecord) -> Result<bool> {
        let more = self.reader.read_byte_record(&mut self.byte_rec).map_err(|e| csv_error(e, &self.path))?;
        if !more {
            return Ok(false);
        }
        let bytes = std::mem::take(&mut self.byte_rec);
        match StringRecord::from_byte_record(bytes) {
            Ok(r) => match self.mojibake {
                Some(legacy) => {
                    rec.clear();
                    for cell in r.iter() {
                        rec.push_field(&crate::legacy::convert_text(cell, legacy));
                    }
                    self.byte_rec = r.into_byte_record();
                }
                // The caller's previous record becomes the next read's
                // buffer: no allocation per row.
                None => self.byte_rec = std::mem::replace(rec, r).into_byte_record(),
            },
            Err(e) => {
                let bytes = e.into_byte_record();
                let mut fixed = StringRecord::with_capacity(bytes.as_slice().len(), bytes.len());
                for cell in bytes.iter() {
                    let text = String::from_utf8_lossy(cell);
                    if let std::borrow::Cow::Owned(_) = text {
                        self.replaced.fetch_add(1, Ordering::Relaxed);
                    }
                    fixed.push_field(&text);
                }
                *rec = fixed;
                self.byte_rec = bytes;
                return Ok(true);
            }
        }
        Ok(true)
    }

    fn rewind(&mut self) -> Result<()> {
        self.reader =
            Self::reader(&self.path, self.encoding, self.delimiter, self.max_row_bytes, &self.counter, &self.replaced)?;
        self.replaced.store(0, Ordering::Relaxed);
        Ok(())
    }

    fn bytes_read(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }
}

fn csv_error(e: csv::Error, path: &Path) -> DatastoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<LineTooLong>()) {
                return DatastoreError::BadInput(inner.to_string());
            }
            if io.kind() == std::io::ErrorKind::InvalidData {
                return DatastoreError::BadInput(io.to_string());
            }
            DatastoreError::io(path, io)
        }
        other => DatastoreError::BadInput(format!("The file cannot be read as delimited text: {other:?}")),
    }
}

/// A sheet of a workbook.
struct SheetSource {
    path: PathBuf,
    sheet: Option<String>,
    rows: crate::sheets::SheetRows,
}

impl SheetSource {
    fn open(path: &Path, opts: &LoadOptions) -> Result<SheetSource> {
        let rows = crate::sheets::open_sheet(path, opts.sheet.as_deref(), Default::default()).map_err(sheet_error)?;
        Ok(SheetSource { path: path.to_path_buf(), sheet: opts.sheet.clone(), rows })
    }
}

fn sheet_error(e: crate::sheets::SheetError) -> DatastoreError {
    use crate::sheets::SheetError as S;
    match e {
        S::TooLarge(_) => DatastoreError::TooLarge(e.to_string()),
        _ => DatastoreError::BadInput(e.to_string()),
    }
}

impl RowSource for SheetSource {
    fn next_row(&mut self, rec: &mut StringRecord) -> Result<bool> {
        match self.rows.next() {
            None => Ok(false),
            Some(Err(e)) => Err(sheet_error(e)),
            Some(Ok(cells)) => {
                rec.clear();
                for c in &cells {
                    rec.push_field(c);
                }
                Ok(true)
            }
        }
    }

    fn rewind(&mut self) -> Result<()> {
        self.rows =
            crate::sheets::open_sheet(&self.path, self.sheet.as_deref(), Default::default()).map_err(sheet_error)?;
        Ok(())
    }

    fn bytes_read(&self) -> u64 {
        // Workbooks are unpacked whole; progress counts rows instead.
        0
    }
}
