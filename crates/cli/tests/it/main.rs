//! Kho's HTTP-level integration suite: one test binary (each extra binary
//! would link the whole server again, the slow part of a CI build), one
//! module per capability. Tests in `backends!` run on SQLite and PostgreSQL.

mod support;

mod access;
mod admin_units;
mod api;
mod bad_input;
mod big_files;
mod ckanapi;
mod cli;
mod crash;
mod datamap;
mod datamap_export;
mod datasets;
mod datastore;
mod dcat;
mod duplicates;
mod fetching;
mod harvest;
mod harvest_ckan;
mod harvest_datamap;
mod harvest_pages;
mod jobs;
mod link_checks;
mod object_storage;
mod openapi;
mod organizations;
mod portal;
mod portal_branding;
mod portal_datamap;
mod portal_e2e;
mod quality;
mod resources;
mod search;
mod strategy;
mod strategy_progress;
mod validate;
mod validation;
