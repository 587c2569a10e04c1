//! Queries over tables: `datastore_search`, `datastore_search_sql` and
//! dumps, run by DataFusion over the tables' Parquet files.
//!
//! Each query gets its own session holding exactly the tables it may
//! read: a name that is not registered does not exist, which is what
//! keeps private tables out of SQL (the catalog decides which tables a
//! caller may read, before the engine sees the query). Sessions share one
//! runtime: its memory pool bounds every query together, and its cache
//! keeps Parquet footers between queries.

use crate::error::{DatastoreError, Result};
use crate::render;
pub use crate::sql_guard::CheckedSql;
use crate::types::{Field, FieldType, ID_COLUMN};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::{Expr, SortExpr, col, lit};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use futures_util::TryStreamExt;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Memory all running queries may hold together.
    pub memory_limit: usize,
    /// How long `datastore_search_sql` may run.
    pub sql_timeout: Duration,
    /// Rows one search or SQL query returns at most (CKAN's
    /// `ckan.datastore.search.rows_max`).
    pub rows_max: usize,
    /// Threads a query may use.
    pub partitions: usize,
    /// Memory for columns kept decoded for equality searches.
    pub cache_bytes: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            memory_limit: 1 << 30,
            sql_timeout: Duration::from_secs(10),
            rows_max: 32_000,
            partitions: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            cache_bytes: 2 << 30,
        }
    }
}

/// A table a query may read: its name in SQL (the resource id), its
/// Parquet file and its fields (without `_id`).
#[derive(Debug, Clone)]
pub struct TableRef {
    pub name: String,
    pub path: PathBuf,
    pub fields: Vec<Field>,
    /// Its row count, when known (saves counting an unfiltered table).
    pub rows: Option<u64>,
}

/// How records come back, as CKAN's `records_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordsFormat {
    Objects,
    Lists,
    Csv,
    Tsv,
}

impl RecordsFormat {
    /// Reads CKAN's name.
    pub fn parse(s: &str) -> Result<RecordsFormat> {
        Ok(match s {
            "objects" => RecordsFormat::Objects,
            "lists" => RecordsFormat::Lists,
            "csv" => RecordsFormat::Csv,
            "tsv" => RecordsFormat::Tsv,
            _ => {
                return Err(DatastoreError::Invalid(format!(
                    "records_format \"{s}\" is not one of objects, lists, csv, tsv"
                )));
            }
        })
    }
}

/// A `datastore_search` without paging: which rows and columns.
#[derive(Debug, Clone, Default)]
pub struct RowQuery {
    /// Field → allowed values (one or more).
    pub filters: Vec<(String, Vec<Value>)>,
    /// Full-text words over every text field.
    pub q: Option<String>,
    /// Field → words, each in its own field.
    pub q_fields: Vec<(String, String)>,
    /// Fields to return (all when empty).
    pub fields: Vec<String>,
    pub distinct: bool,
    /// `(field, ascending)` pairs.
    pub sort: Vec<(String, bool)>,
}

/// The answer to a search: the fields returned, the records rendered in
/// the requested format (a JSON array, or CSV/TSV text), and the total.
#[derive(Debug, Clone)]
pub struct SearchOutput {
    pub fields: Vec<Field>,
    pub records: String,
    pub returned: usize,
    pub total: Option<u64>,
}

/// The answer to SQL.
#[derive(Debug, Clone)]
pub struct SqlOutput {
    pub fields: Vec<Field>,
    /// A JSON array of objects.
    pub records: String,
    pub returned: usize,
    /// More rows than `rows_max` matched; the rest were dropped.
    pub truncated: bool,
}

/// The query engine.
#[derive(Clone)]
pub struct Engine {
    runtime: Arc<RuntimeEnv>,
    opts: EngineOptions,
    hot: Arc<crate::hot::ColumnCache>,
}

impl Engine {
    /// An engine with `opts`.
    pub fn new(opts: EngineOptions) -> Result<Engine> {
        let runtime = RuntimeEnvBuilder::new().with_memory_limit(opts.memory_limit, 1.0).build_arc()?;
        let hot = Arc::new(crate::hot::ColumnCache::new(opts.cache_bytes));
        Ok(Engine { runtime, opts, hot })
    }

    /// Its settings.
    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    fn config(&self, partitions: usize) -> SessionConfig {
        let mut config = SessionConfig::new().with_target_partitions(partitions.max(1)).with_information_schema(false);
        let options = config.options_mut();
        // Evaluate filters while decoding, so an equality filter reads
        // its column first and only the matching rows of the others.
        options.execution.parquet.pushdown_filters = true;
        options.execution.parquet.reorder_filters = true;
        options.sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        config
    }

    /// A session with exactly `tables` in it.
    pub(crate) async fn session(&self, tables: &[TableRef], partitions: usize) -> Result<SessionContext> {
        let ctx = SessionContext::new_with_config_rt(self.config(partitions), self.runtime.clone());
        for t in tables {
            let url = ListingTableUrl::parse(t.path.to_string_lossy())?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension("parquet")
                .with_file_sort_order(vec![vec![col(ID_COLUMN).sort(true, false)]]);
            let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(read_schema(&t.fields));
            let table = ListingTable::try_new(config)?;
            ctx.register_table(datafusion::common::TableReference::bare(t.name.as_str()), Arc::new(table))?;
        }
        Ok(ctx)
    }

    async fn frame(&self, table: &TableRef, q: &RowQuery, partitions: usize) -> Result<(DataFrame, Vec<Field>)> {
        let ctx = self.session(std::slice::from_ref(table), partitions).await?;
        let mut df = ctx.table(datafusion::common::TableReference::bare(table.name.as_str())).await?;
        let all = with_id(table);
        if let Some(p) = predicate(table, q)? {
            df = df.filter(p)?;
        }
        let out_fields = output_fields(&all, q)?;
        let mut sort: Vec<SortExpr> = Vec::new();
        for (name, asc) in &q.sort {
            field(&all, name)?;
            sort.push(col_of(name).sort(*asc, !*asc));
        }
        if q.distinct {
            df = df.select(out_fields.iter().map(|f| col_of(&f.id)).collect::<Vec<_>>())?.distinct()?;
            if !sort.is_empty() {
                df = df.sort(sort)?;
            }
        } else {
            // Rows come back in table order unless asked otherwise, as
            // pages must not overlap.
            if !sort.iter().any(|s| matches!(&s.expr, Expr::Column(c) if c.name == ID_COLUMN)) {
                sort.push(col(ID_COLUMN).sort(true, false));
            }
            df = df.sort(sort)?;
            df = df.select(out_fields.iter().map(|f| col_of(&f.id)).collect::<Vec<_>>())?;
        }
        Ok((df, out_fields))
    }

    /// `datastore_search`: a page of rows and, if asked, how many match.
    pub async fn search(
        &self,
        table: &TableRef,
        q: &RowQuery,
        offset: usize,
        limit: usize,
        include_total: bool,
        format: RecordsFormat,
    ) -> Result<SearchOutput> {
        let limit = limit.min(self.opts.rows_max);
        if q.sort.is_empty() && !q.distinct {
            if !q.filters.is_empty() && q.q.is_none() && q.q_fields.is_empty() {
                return self.search_hot(table, q, offset, limit, include_total, format).await;
            }
            return self.search_in_table_order(table, q, offset, limit, include_total, format).await;
        }
        let (df, fields) = self.frame(table, q, self.opts.partitions).await?;
        let page = df.clone().limit(offset, Some(limit))?;
        let total =
            async { if include_total { Ok::<_, DatastoreError>(Some(df.count().await? as u64)) } else { Ok(None) } };
        let (batches, total) = tokio::try_join!(async { Ok(page.collect().await?) }, total)?;
        let json: Vec<bool> = fields.iter().map(|f| f.ty == FieldType::Json).collect();
        let (records, returned) = render_batches(&batches, &fields, &json, format)?;
        Ok(SearchOutput { fields, records, returned, total })
    }

    /// Equality filters without sort, from hot columns ([`crate::hot`]).
    async fn search_hot(
        &self,
        table: &TableRef,
        q: &RowQuery,
        offset: usize,
        limit: usize,
        include_total: bool,
        format: RecordsFormat,
    ) -> Result<SearchOutput> {
        let all = with_id(table);
        let find = |name: &str| field(&all, name).cloned();
        let mut filters = Vec::with_capacity(q.filters.len());
        for (name, values) in &q.filters {
            let f = find(name)?;
            let lits = values.iter().map(|v| literal(&f, v)).collect::<Result<Vec<_>>>()?;
            if lits.is_empty() || lits.iter().any(ScalarValue::is_null) {
                // "is null" and "in nothing" are the engine's business.
                return self.search_in_table_order(table, q, offset, limit, include_total, format).await;
            }
            filters.push((name.clone(), lits));
        }
        let fields = output_fields(&all, q)?;
        let (hot, path, wanted) = (self.hot.clone(), table.path.clone(), fields.clone());
        let (total, batches) = tokio::task::spawn_blocking(move || {
            let (total, rows) = crate::hot::matching_rows(&hot, &path, &filters, offset, limit)?;
            Ok::<_, DatastoreError>((total, crate::hot::read_rows(&hot, &path, &rows, &wanted)?))
        })
        .await
        .map_err(|e| DatastoreError::Internal(e.to_string()))??;
        let json: Vec<bool> = fields.iter().map(|f| f.ty == FieldType::Json).collect();
        let (records, returned) = render_batches(&batches, &fields, &json, format)?;
        Ok(SearchOutput { fields, records, returned, total: include_total.then_some(total) })
    }

    /// A page in `_id` order and the total, in one pass over the table:
    /// each partition of the scan yields its rows in `_id` order, keeps its
    /// first `offset + limit` and only counts the rest; the kept rows of
    /// all partitions are merged by `_id`. With no filter the total is the
    /// table's row count and the pass stops as soon as the page is full.
    async fn search_in_table_order(
        &self,
        table: &TableRef,
        q: &RowQuery,
        offset: usize,
        limit: usize,
        include_total: bool,
        format: RecordsFormat,
    ) -> Result<SearchOutput> {
        use datafusion::arrow::compute::{concat_batches, sort_to_indices, take_record_batch};
        let ctx = self.session(std::slice::from_ref(table), self.opts.partitions).await?;
        let mut df = ctx.table(datafusion::common::TableReference::bare(table.name.as_str())).await?;
        let fields = output_fields(&with_id(table), q)?;
        let filtered = predicate(table, q)?;
        let counted_by_metadata = filtered.is_none() && table.rows.is_some();
        if let Some(p) = filtered {
            df = df.filter(p)?;
        }
        // _id travels along (last) to merge partitions, and is dropped after.
        let mut cols: Vec<Expr> = fields.iter().map(|f| col_of(&f.id)).collect();
        cols.push(col(ID_COLUMN).alias("__kho_order"));
        df = df.select(cols)?;
        let plan = df.create_physical_plan().await?;
        let task = ctx.task_ctx();
        let want = offset + limit;
        let must_count = include_total && !counted_by_metadata;
        let partitions = plan.properties().output_partitioning().partition_count();
        let mut tasks = Vec::with_capacity(partitions);
        for i in 0..partitions {
            let mut stream = plan.execute(i, task.clone())?;
            tasks.push(async move {
                let mut kept: Vec<RecordBatch> = Vec::new();
                let (mut have, mut count) = (0usize, 0u64);
                while let Some(batch) = stream.try_next().await? {
                    count += batch.num_rows() as u64;
                    if have < want {
                        let take = batch.num_rows().min(want - have);
                        kept.push(batch.slice(0, take));
                        have += take;
                    } else if !must_count {
                        break;
                    }
                }
                Ok::<_, DatastoreError>((kept, count))
            });
        }
        let results = futures_util::future::try_join_all(tasks).await?;
        let schema = plan.schema();
        let mut kept = Vec::new();
        let mut total = 0u64;
        for (k, c) in results {
            kept.extend(k);
            total += c;
        }
        let merged = concat_batches(&schema, &kept)?;
        let order = merged.num_columns() - 1;
        let indices = sort_to_indices(merged.column(order), None, None)?;
        let sorted = take_record_batch(&merged, &indices)?;
        let start = offset.min(sorted.num_rows());
        let len = limit.min(sorted.num_rows() - start);
        let mut page = sorted.slice(start, len);
        page.remove_column(order);
        let total = match (include_total, counted_by_metadata) {
            (false, _) => None,
            (true, true) => table.rows,
            (true, false) => Some(total),
        };
        let json: Vec<bool> = fields.iter().map(|f| f.ty == FieldType::Json).collect();
        let (records, returned) = render_batches(&[page], &fields, &json, format)?;
        Ok(SearchOutput { fields, records, returned, total })
    }

    /// Matching rows from `offset`, at most `limit` of them, as a stream
    /// (for dumps), with the fields it holds.
    pub async fn stream_page(
        &self,
        table: &TableRef,
        q: &RowQuery,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<(SendableRecordBatchStream, Vec<Field>)> {
        let (mut df, fields) = self.frame(table, q, self.opts.partitions).await?;
        if offset > 0 || limit.is_some() {
            df = df.limit(offset, limit)?;
        }
        Ok((df.execute_stream().await?, fields))
    }

    /// Writes `table` without the rows `q` matches to a new Parquet file
    /// at `dest`; returns the rows kept. Row ids are kept as they were.
    pub async fn write_except(&self, table: &TableRef, q: &RowQuery, dest: &std::path::Path) -> Result<u64> {
        let ctx = self.session(std::slice::from_ref(table), 1).await?;
        let mut df = ctx.table(datafusion::common::TableReference::bare(table.name.as_str())).await?;
        if let Some(p) = predicate(table, q)? {
            // NULL is "not matched": rows whose filter is unknown stay.
            df = df.filter(p.is_not_true())?;
        }
        let mut stream = df.execute_stream().await?;
        let schema = crate::types::arrow_schema(&table.fields);
        let mut writer = crate::ingest::table_writer(dest, schema.clone())?;
        let mut rows = 0u64;
        while let Some(batch) = stream.try_next().await? {
            rows += batch.num_rows() as u64;
            let cols = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| datafusion::arrow::compute::cast(c, f.data_type()))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let batch = RecordBatch::try_new(schema.clone(), cols)?;
            writer.write(&batch)?;
        }
        crate::ingest::finish_table(writer, dest)?;
        Ok(rows)
    }

    /// Every row of a table, in `_id` order, as stored.
    pub async fn scan(&self, table: &TableRef) -> Result<SendableRecordBatchStream> {
        let ctx = self.session(std::slice::from_ref(table), 1).await?;
        let df = ctx.table(datafusion::common::TableReference::bare(table.name.as_str())).await?;
        Ok(df.execute_stream().await?)
    }

    /// `datastore_search_sql` over `tables`, which the caller resolved and
    /// authorised from `sql.tables()`.
    pub async fn sql(&self, sql: &CheckedSql, tables: &[TableRef]) -> Result<SqlOutput> {
        let sql = sql.text();
        let ctx = self.session(tables, self.opts.partitions).await?;
        let options = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let rows_max = self.opts.rows_max;
        let run = async {
            let df = ctx.sql_with_options(sql, options).await?;
            let df = df.limit(0, Some(rows_max + 1))?;
            let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
            let batches: Vec<RecordBatch> = df.execute_stream().await?.try_collect().await?;
            Ok::<_, DatastoreError>((schema, batches))
        };
        let timeout = self.opts.sql_timeout;
        let (schema, batches) = tokio::time::timeout(timeout, run)
            .await
            .map_err(|_| DatastoreError::Timeout(timeout.as_millis() as u64))??;
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| {
                let declared = tables.iter().flat_map(|t| &t.fields).find(|tf| &tf.id == f.name());
                let ty = match declared {
                    Some(d) if d.ty == FieldType::Json => FieldType::Json,
                    _ => FieldType::from_arrow(f.data_type()),
                };
                Field::new(f.name().clone(), ty)
            })
            .collect();
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let truncated = rows > rows_max;
        let batches = if truncated { truncate(batches, rows_max) } else { batches };
        let json: Vec<bool> = fields.iter().map(|f| f.ty == FieldType::Json).collect();
        let (records, returned) = render_batches(&batches, &fields, &json, RecordsFormat::Objects)?;
        Ok(SqlOutput { fields, records, returned, truncated })
    }
}

/// The filters and full-text words of a query as one predicate.
pub(crate) fn predicate(table: &TableRef, q: &RowQuery) -> Result<Option<Expr>> {
    let all = with_id(table);
    let find = |name: &str| field(&all, name);
    let mut predicates = Vec::new();
    for (name, values) in &q.filters {
        let f = find(name)?;
        let lits = values.iter().map(|v| literal(f, v).map(lit)).collect::<Result<Vec<_>>>()?;
        predicates.push(match lits.len() {
            1 => col_of(name).eq(lits.into_iter().next().unwrap_or(lit(ScalarValue::Null))),
            _ => col_of(name).in_list(lits, false),
        });
    }
    if let Some(words) = &q.q {
        let text_fields: Vec<&Field> = table.fields.iter().filter(|f| f.ty == FieldType::Text).collect();
        for word in words.split_whitespace() {
            let pattern = lit(like_pattern(word));
            let any = text_fields.iter().map(|f| col_of(&f.id).ilike(pattern.clone())).reduce(Expr::or);
            predicates.push(any.unwrap_or(lit(false)));
        }
    }
    for (name, words) in &q.q_fields {
        let f = find(name)?;
        for word in words.split_whitespace() {
            let target = if f.ty == FieldType::Text {
                col_of(name)
            } else {
                datafusion::logical_expr::cast(col_of(name), datafusion::arrow::datatypes::DataType::Utf8)
            };
            predicates.push(target.ilike(lit(like_pattern(word))));
        }
    }
    Ok(predicates.into_iter().reduce(Expr::and))
}

fn truncate(batches: Vec<RecordBatch>, n: usize) -> Vec<RecordBatch> {
    let mut left = n;
    let mut out = Vec::new();
    for b in batches {
        if left == 0 {
            break;
        }
        let take = b.num_rows().min(left);
        out.push(b.slice(0, take));
        left -= take;
    }
    out
}

/// A table's fields with `_id` first.
pub(crate) fn with_id(table: &TableRef) -> Vec<Field> {
    std::iter::once(Field::new(ID_COLUMN, FieldType::Int)).chain(table.fields.iter().cloned()).collect()
}

/// A field by name, or CKAN's complaint.
pub(crate) fn field<'a>(all: &'a [Field], name: &str) -> Result<&'a Field> {
    all.iter()
        .find(|f| f.id == name)
        .ok_or_else(|| DatastoreError::Invalid(format!("Field \"{name}\" is not in the table")))
}

/// The fields a query returns: the asked-for ones in their order, or all.
fn output_fields(all: &[Field], q: &RowQuery) -> Result<Vec<Field>> {
    if q.fields.is_empty() {
        return Ok(all.to_vec());
    }
    q.fields.iter().map(|n| field(all, n).cloned()).collect()
}

/// The schema queries read a table with: as stored, but text as Arrow's
/// string views, which DataFusion groups, compares and hashes faster than
/// plain strings (and Parquet decodes into without copying).
fn read_schema(fields: &[Field]) -> SchemaRef {
    let stored = crate::types::arrow_schema(fields);
    Arc::new(datafusion::arrow::datatypes::Schema::new(
        stored
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                datafusion::arrow::datatypes::DataType::Utf8 => {
                    f.as_ref().clone().with_data_type(datafusion::arrow::datatypes::DataType::Utf8View)
                }
                _ => f.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
    ))
}

/// A column by its exact name (no case folding, as CKAN quotes names).
pub(crate) fn col_of(name: &str) -> Expr {
    Expr::Column(datafusion::common::Column::new_unqualified(name))
}

/// `%word%` for ILIKE, with the word's own wildcards escaped.
fn like_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A filter value as a literal of the field's type.
pub(crate) fn literal(f: &Field, v: &Value) -> Result<ScalarValue> {
    let bad = || DatastoreError::Invalid(format!("Filter value {v} does not fit field \"{}\" ({})", f.id, f.ty.name()));
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => return Ok(ScalarValue::Null),
        other => other.to_string(),
    };
    use crate::infer::{self, DateOrder, NumberStyle};
    Ok(match f.ty {
        FieldType::Text | FieldType::Json => ScalarValue::Utf8(Some(text)),
        FieldType::Int => ScalarValue::Int64(Some(
            v.as_i64().or_else(|| infer::parse_int(&text, NumberStyle::International)).ok_or_else(bad)?,
        )),
        FieldType::Numeric => ScalarValue::Float64(Some(
            v.as_f64().or_else(|| infer::parse_decimal(&text, NumberStyle::International)).ok_or_else(bad)?,
        )),
        FieldType::Bool => {
            ScalarValue::Boolean(Some(v.as_bool().or_else(|| infer::parse_bool(&text)).ok_or_else(bad)?))
        }
        FieldType::Date => {
            let d = infer::parse_date(&text, DateOrder::Iso)
                .or_else(|| infer::parse_date(&text, DateOrder::DayFirst))
                .ok_or_else(bad)?;
            ScalarValue::Date32(Some(crate::ingest::date32(d)))
        }
        FieldType::Timestamp => {
            let t = infer::parse_datetime(&text, DateOrder::Iso)
                .or_else(|| infer::parse_datetime(&text, DateOrder::DayFirst))
                .or_else(|| infer::parse_date(&text, DateOrder::Iso).map(|d| d.midnight()))
                .ok_or_else(bad)?;
            ScalarValue::TimestampMicrosecond(Some(crate::ingest::micros(t)), None)
        }
    })
}

/// Renders batches as CKAN's records: a JSON array (objects or lists)
/// or CSV/TSV text without a header.
pub fn render_batches(
    batches: &[RecordBatch],
    fields: &[Field],
    json: &[bool],
    format: RecordsFormat,
) -> Result<(String, usize)> {
    let mut out = String::new();
    let mut n = 0usize;
    match format {
        RecordsFormat::Objects | RecordsFormat::Lists => {
            let keys: Vec<String> = fields
                .iter()
                .map(|f| {
                    let mut k = String::new();
                    render::json_string(&f.id, &mut k);
                    k.push(':');
                    k
                })
                .collect();
            out.push('[');
            for b in batches {
                let cells = render::columns(b, json)?;
                for row in 0..b.num_rows() {
                    if n > 0 {
                        out.push(',');
                    }
                    n += 1;
                    let objects = format == RecordsFormat::Objects;
                    out.push(if objects { '{' } else { '[' });
                    for (i, c) in cells.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        if objects {
                            out.push_str(&keys[i]);
                        }
                        c.json(row, &mut out);
                    }
                    out.push(if objects { '}' } else { ']' });
                }
            }
            out.push(']');
        }
        RecordsFormat::Csv | RecordsFormat::Tsv => {
            let sep = if format == RecordsFormat::Csv { b',' } else { b'\t' };
            let mut w = csv::WriterBuilder::new().delimiter(sep).from_writer(Vec::new());
            let mut cell = String::new();
            for b in batches {
                let cells = render::columns(b, json)?;
                for row in 0..b.num_rows() {
                    n += 1;
                    for c in &cells {
                        cell.clear();
                        c.text(row, &mut cell);
                        w.write_field(&cell).map_err(|e| DatastoreError::Internal(e.to_string()))?;
                    }
                    w.write_record(None::<&[u8]>).map_err(|e| DatastoreError::Internal(e.to_string()))?;
                }
            }
            let bytes = w.into_inner().map_err(|e| DatastoreError::Internal(e.to_string()))?;
            out = String::from_utf8(bytes).map_err(|e| DatastoreError::Internal(e.to_string()))?;
        }
    }
    Ok((out, n))
}
