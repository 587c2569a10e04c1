//! Kho's catalog in W3C DCAT, following the European application profile
//! DCAT-AP 3.0: the mapping of Kho's datasets, resources and agencies to
//! DCAT terms ([`export`]), the controlled vocabularies behind it
//! ([`vocab`]) and the serialisations served ([`format`]). [`read`] goes
//! the other way, for harvesting: a remote catalog's page, from any DCAT
//! producer, into the dataset dictionaries `package_create` accepts.
//! [`datamap`] writes the data map (the registry of government databases)
//! as a catalog of its own, through the same writer.
//!
//! No HTTP and no database here: the catalog crate reads the datasets and
//! the server streams what a [`export::Writer`] writes. The mapping table
//! for people is `docs/DCAT.md`; its invariants:
//!
//! - only what the caller passes is written; the caller passes only
//!   public, active datasets (private ones are never exported);
//! - every object a DCAT-AP 3.0.1 shape checks by class is typed in the
//!   same document, so the official SHACL shapes pass without inference;
//! - a dataset's IRI is `{site}/dataset/{id}` (stable across renames), or
//!   the IRI it was harvested with.

pub mod datamap;
pub mod export;
pub mod format;
pub mod iri;
pub mod read;
pub mod vocab;

pub use export::{CatalogInfo, Chunks, Page, Site, Writer};
pub use format::Format;
