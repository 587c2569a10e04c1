//! Downloads built from what a viewer may see: the data map as CSV, XLSX,
//! JSON and DCAT-AP ([`datamap`]), and an annual report of the Strategy as
//! XLSX and JSON ([`report`]).
//!
//! Each download is made in one piece, from the catalog's own reads made
//! as the viewer (`Catalog::datamap_view`, a published version cut to the
//! viewer, `Catalog::strategy_report_show`), so a download never shows
//! more than the page it comes from. The rows are decided here, the bytes
//! by `kho-sheets` (CSV, XLSX) and `kho-dcat` (RDF); the server only
//! sends them.

pub mod datamap;
pub mod report;

use crate::{Error, Result};

/// A finished download.
#[derive(Debug, Clone)]
pub struct Download {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its media type, as sent in `Content-Type`.
    pub content_type: String,
    /// The name it is saved under.
    pub filename: String,
}

/// The media type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of the JSON downloads.
pub const JSON: &str = "application/json; charset=utf-8";
/// The media type of the CSV downloads.
pub const CSV: &str = "text/csv; charset=utf-8";

/// A spreadsheet writer's failure, which only a bug (a table over Excel's
/// limits, a bad sheet name) can cause.
fn sheets_error(e: kho_sheets::SheetsError) -> Error {
    Error::internal(format!("writing a download: {e}"))
}

/// Runs CPU-bound writing off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("download writer stopped: {e}")))?
}
