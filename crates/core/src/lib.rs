//! The catalog domain of Kho: what a dataset, a resource, an agency, a user
//! and a permission *are*, independent of storage and transport.
//!
//! - [`model`] holds the records as the CKAN Action API shows them
//!   ([`model::Package`], [`model::Resource`], [`model::Organization`], …).
//! - [`input`] reads loosely typed request dictionaries (JSON bodies, query
//!   strings, form fields) into validated inputs, collecting every field error
//!   at once the way CKAN's validators do.
//! - [`authz`] is the single place where Kho decides who may do what.
//!   Everything else asks it; nothing else re-implements its rules.
//! - [`error`] is the one error type of the domain, with a stable
//!   [`error::ErrorKind`] that the API edge maps to HTTP.
//! - [`quality`] scores a dataset's metadata on Kho's point table.
//! - [`licenses`], [`vocab`] are the fixed vocabularies (licences, the Law on
//!   Data's classifications, update frequencies, agency kinds).
//!
//! Architecture invariant: this crate does no I/O and knows nothing about
//! HTTP, SQL or files. It can be tested with plain values.

pub mod authz;
pub mod cron;
pub mod diff;
pub mod duplicates;
pub mod error;
pub mod html;
pub mod input;
pub mod licenses;
pub mod model;
pub mod names;
pub mod quality;
pub mod timefmt;
pub mod vocab;

pub use error::{Error, ErrorKind, Result, ValidationErrors};

/// serde, as `vocabulary!` expands to it, so crates declaring vocabularies
/// need no serde dependency of their own.
#[doc(hidden)]
pub use serde as __serde;
