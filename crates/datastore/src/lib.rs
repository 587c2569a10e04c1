//! Kho's datastore: tables uploaded as resources, read, typed, stored as
//! Parquet and queried with DataFusion (issue #6). This crate knows files,
//! tables and queries, never HTTP, users or the catalog's database.
//!
//! - [`sniff`]: encoding, delimiter and header row of a delimited file.
//! - [`legacy`]: Vietnamese text in the legacy TCVN3 and VNI font
//!   encodings, detected and converted to Unicode.
//! - [`sheets`]: XLSX, XLS and ODS workbooks read as rows of text, safely.
//! - [`infer`]: column types from cell text, in Vietnamese and
//!   international number and date formats.
//! - [`ingest`]: a file (CSV, TSV, spreadsheet, JSON, NDJSON, GeoJSON,
//!   Parquet) into a Parquet table, streamed, in at most two passes.
//! - [`types`]: fields and CKAN's type names.
//! - [`compare`]: rows and columns changed between two versions.
//! - [`aggregate`]: one value per group of a column, for charts.
//! - [`engine`]: `datastore_search`, `datastore_search_sql` and dumps.
//! - [`sql_guard`]: what SQL is allowed.
//! - [`storage`]: table files in a directory or an S3-compatible bucket.
//! - [`hot`]: filtered columns kept in memory for equality searches.
//! - [`render`]: values as CKAN writes them.
//! - [`write`]: `datastore_create` and `datastore_upsert` as new versions.

pub mod aggregate;
pub mod compare;
pub mod dump;
pub mod engine;
pub mod error;
pub mod hot;
pub mod infer;
pub mod ingest;
mod json_rows;
pub mod legacy;
mod parquet_copy;
pub mod render;
pub mod sheets;
pub mod sniff;
pub mod sql_guard;
pub mod storage;
pub mod types;
pub mod write;

pub use error::{DatastoreError, Result};
