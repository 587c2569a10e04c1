//! Table Schema validation of CSV files, streamed, agreeing with the
//! reference Python validator `frictionless` (5.18.1).
//!
//! # What it checks
//!
//! [`validate_csv`] reads a CSV file (UTF-8, UTF-16, Windows-1258, TCVN3 or
//! VNI, sniffed by `kho_datastore::sniff`) and reports, as frictionless
//! reports them:
//! - header errors: `blank-label`, `duplicate-label`, `incorrect-label`
//!   (a label differs from its field's name), `missing-label`,
//!   `extra-label`;
//! - row errors: `blank-row`, `extra-cell`, `missing-cell`;
//! - cell errors: `type-error`, `constraint-error` (`required`,
//!   `minLength`, `maxLength`, `pattern`, `enum`, `minimum`, `maximum`,
//!   and v2's `exclusiveMinimum`/`exclusiveMaximum`), `unique-error`;
//! - keys: `primary-key`, `foreign-key` (references inside the same file,
//!   `"resource": ""`, and to other resources whose values the caller
//!   supplies as [`ReferenceTables`]; a reference to a resource not
//!   supplied is an error, never a silent pass), v2 `uniqueKeys`
//!   (reported as `unique-error`);
//! - `source-error` for an empty file; `encoding-error` (once, with the
//!   first row concerned) when bytes cannot be decoded: they are read as
//!   U+FFFD and validation goes on (frictionless stops there); also for
//!   NUL characters, which no text table has: in the first 64 KiB they
//!   make the file binary (or in an encoding not recognised) and are the
//!   only error reported, later they are counted like bad bytes
//!   (frictionless reads NUL as text, and zero bytes as an empty table).
//!
//! Row numbers are frictionless' record numbers: the header is row 1 and
//! the first data row 2; blank lines count. Each error carries an English
//! message worded like frictionless' and a Vietnamese one.
//!
//! # API
//!
//! - [`Schema::from_json`] / [`Schema::to_json`]: Table Schema v1 and v2
//!   ([`schema`] documents what is accepted and refused).
//! - [`infer_file`], [`infer_schema`], [`infer_from_rows`]: a schema from a
//!   sample of up to 10,000 rows, as `frictionless describe` infers one.
//! - [`validate_csv`] with [`ValidateOptions`] → [`Report`] (serialises to
//!   `{"valid", "stats", "errors": [{"type", "rowNumber", "fieldName",
//!   "message", "messageVi", …}]}`; `stats.invalidRows` counts the rows
//!   with errors, so `rows - invalidRows` are valid). Without a schema, one
//!   is inferred from the file first, as `frictionless validate` does.
//! - [`ReferenceTable`] (from a CSV file or from rows of cells) and
//!   [`ReferenceTables`]: the values of other resources that foreign keys
//!   reference, kept as hashes ([`reference`]).
//! - [`Package`] and [`validate_package`] → [`PackageReport`]: a Data
//!   Package's tables, foreign keys across them included, reported in
//!   `frictionless validate --json`'s layout ([`package`]).
//!
//! # Invariants
//!
//! - Bounded memory: the file is streamed record by record (the sample for
//!   header detection and inference is at most 10,100 records and 32 MiB).
//!   `unique`, primary-key, unique-key and same-file foreign-key checks
//!   keep one 64-bit hash per distinct value, never the values: 8 bytes
//!   in tables at most 7/8 full (9–18 bytes, about 12 on average), grown
//!   in 256 parts so growth never holds two copies of a set. (Measured: a
//!   1 GB, 10-column file of 9.7 million rows with a primary key peaks at
//!   155 MB resident.) Two different values colliding would make a false
//!   `unique-error`/`primary-key` (or hide a `foreign-key` error): with n
//!   values the odds are about n²/2⁶⁵ — one in 370,000 for ten million
//!   rows, one in 3.7 billion for a hundred thousand.
//! - Linear time: `pattern` constraints run on Rust's `regex` engine,
//!   which never backtracks, so no pattern can take more than linear time
//!   in the cell's length; patterns are limited to 1,000 characters and
//!   compiled once. Look-around and back-references are refused.
//! - No per-cell allocation on the common paths: records are read as
//!   `csv::ByteRecord`s into a reused buffer and numbers are parsed into
//!   fixed-size digit buffers (about 110 MB/s on one core in release mode
//!   for a 10-column file with a primary key; frictionless: about 3 MB/s).
//!   `kho bench validate` measures both on the same generated file.
//! - A same-file foreign key makes one extra pass over the file, to
//!   collect the referenced values' hashes first; in a package, each
//!   referenced table is read once for all the keys referencing it, before
//!   any table is validated, so cycles between resources cost nothing
//!   more.
//!
//! # Agreement
//!
//! `tests/frictionless.rs` validates every file of `tests/corpus/` with
//! Kho and with frictionless 5.18.1 and requires the same multiset of
//! (type, row, field) errors; an ignored test does the same on random
//! tables and schemas (`differential_fuzz`).
//!
//! # Differences from frictionless
//!
//! - Inference samples up to 10,000 rows (frictionless: 100), so on
//!   longer files a column may be typed differently.
//! - `limit_errors` limits the list, not the work: `stats.errors` counts
//!   every error (frictionless stops validating at the limit).
//! - `unique-error` and `primary-key` messages do not name the earlier row
//!   (only hashes are kept).
//! - A package whose foreign key names a resource it lacks is refused as a
//!   whole ([`PackageError`]; frictionless reports a `resource-error` for
//!   that resource and validates the others). Non-tabular resources are
//!   listed as `file` tasks and not checked.
//! - The `any` date format reads a documented subset of what `dateutil`
//!   reads; date patterns refuse `%c`, `%x`, `%X`, `%Z`, `%U`, `%W`, `%G`,
//!   `%V` (frictionless fails on every cell with them). Unicode digits
//!   other than ASCII are not read as numbers; JSON cells follow RFC 8259
//!   (Python also reads `NaN`). GeoJSON is checked structurally (`crs` is
//!   not); TopoJSON by its `type` only; `wkt`, `arrayItem` and
//!   `jsonSchema` are refused.
//! - The delimiter is sniffed by Kho (`,`, `;`, tab, `|`), not by
//!   Python's `csv.Sniffer` (which reads `1;Hà Nội;1,5` as comma
//!   separated); CR-only line ends are not supported; `skipinitialspace`
//!   is guessed by the sniffer's first-line rule only.
//! - The encoding is sniffed by Kho, not by `chardet` (which reads
//!   UTF-16LE with a BOM as UTF-16BE, and cannot tell Windows-1258). UTF-8
//!   text is read as is; other encodings are decoded to NFC.
//! - `unique` and primary keys on `object`/`array` fields are checked
//!   (frictionless crashes on them: the values are unhashable in Python).
//! - Kho's `vn-admin-unit…` formats and `vnAdminUnit` constraint
//!   (Vietnamese provinces and communes, see [`schema`]) are unknown to
//!   frictionless, which refuses such a schema; Table Schema v2's `list` type, `fieldsMatch`,
//!   `uniqueKeys`, exclusive bounds and labelled missing values are not
//!   read by frictionless 5.18.1 either.

#![warn(missing_docs)]

mod csvread;
pub mod infer;
mod keyset;
mod message;
pub mod package;
pub mod reference;
pub mod schema;
pub mod validate;
mod value;

pub use infer::{InferOptions, infer_file, infer_from_rows, infer_schema};
pub use kho_datastore::sniff::TextEncoding;
pub use package::{Package, PackageError, PackageReport, Task, TaskOutcome, validate_package};
pub use reference::{ReferenceTable, ReferenceTables};
pub use schema::{
    Constraints, Field, FieldType, FieldsMatch, ForeignKey, ForeignKeyReference, MissingValue, Schema, SchemaError,
    VnAdminLevel,
};
pub use validate::{Report, Stats, ValidateError, ValidateOptions, ValidationError, validate_csv};
