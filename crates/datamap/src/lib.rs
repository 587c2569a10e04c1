//! The data map (bản đồ dữ liệu): Viet Nam's registry of government
//! databases, its common data dictionary, and the published versions that
//! gather every agency's entries into one national picture.
//!
//! - [`entry`]: one database as its agency describes it (class, the Law on
//!   Data's classifications, hosting, security, status, size, endpoints,
//!   the data elements it holds and its connections), and a data element
//!   of the dictionary, read from request dictionaries with every field
//!   error collected.
//! - [`map`]: a [`map::Snapshot`] of approved entries and a [`map::View`]
//!   of it with everything derived computed once; its connections as
//!   edges (each pair once, whichever side declared it); the duplicate
//!   collection of data elements the Strategy forbids (an element held
//!   without a connection from its master database); what a viewer may see
//!   of it; the difference between two versions.
//! - [`vocab`]: the map's closed vocabularies.
//!
//! Invariant: no I/O. The catalog stores entries as revisions, decides who
//! may do what through `kho_core::authz`, and hands snapshots here.

#![warn(missing_docs)]

pub mod entry;
pub mod map;
pub mod vocab;

pub use entry::{Connection, DataElement, DatabaseEntry, Endpoint};
pub use map::{Agency, Duplication, Edge, MapDiff, Snapshot, View};
