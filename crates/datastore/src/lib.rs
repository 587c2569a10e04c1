//! Kho's datastore: tables uploaded as resources, read, typed and made
//! queryable (issue #6). This crate knows bytes and tables, never HTTP or
//! SQL of the catalog.
//!
//! - [`infer`]: column types from cell text, in Vietnamese and
//!   international number and date formats.
//! - [`sniff`]: encoding, delimiter and header row of a delimited file.

pub mod infer;
pub mod sniff;
