//! Downloads made for the viewer: the data map at
//! `/datamap/export.{csv,xlsx,json,ttl,jsonld,rdf,nt}` and an annual
//! report at `/strategy/reports/{organization}/{year}.{xlsx,json}`.
//!
//! The viewer is found as for file downloads (an API token, else the
//! portal's session cookie); the catalog decides what they may see and
//! writes the file (`kho_catalog::exports`). Errors answer in the API's
//! JSON envelope, with the one status table.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kho_catalog::exports::Download;
use kho_catalog::exports::datamap::MapFormat;
use kho_catalog::exports::report::ReportFormat;
use serde_json::{Map, Value};

/// The extensions of the map's downloads.
const MAP_EXTENSIONS: [&str; 7] = ["csv", "xlsx", "json", "ttl", "jsonld", "rdf", "nt"];

/// The map's download routes.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    MAP_EXTENSIONS
        .iter()
        .fold(axum::Router::new(), |r, ext| r.route(&format!("/datamap/export.{ext}"), get(datamap_export)))
}

/// A query string as a request dictionary (repeated keys: the last wins).
fn query_fields(query: Option<&str>) -> kho_core::input::Fields {
    let map: Map<String, Value> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    kho_core::input::Fields::new(map)
}

/// The file as an attachment, never cached for anyone else: what it holds
/// depends on who asked.
fn send(d: Download) -> Response {
    let mut resp = d.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&d.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    crate::files::attachment(h, &d.filename);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Authorization, X-CKAN-API-Key"));
    resp
}

/// `/datamap/export.{ext}` with the overview's filters, `version`, and
/// for CSV `table` and `bom`.
async fn datamap_export(State(s): State<AppState>, req: Parts) -> Result<Response, ApiError> {
    let format = req
        .uri
        .path()
        .rsplit_once('.')
        .and_then(|(_, ext)| MapFormat::from_extension(ext))
        .ok_or_else(|| kho_core::Error::not_found("No such download"))?;
    let actor = crate::files::downloader(&s, &req.headers).await?;
    let d = s.catalog.datamap_export(&actor, s.dcat.clone(), format, query_fields(req.uri.query())).await?;
    Ok(send(d))
}

/// `/strategy/reports/{organization}/{year}.{xlsx,json}`: the report as a
/// file, or `None` when `year` has no such extension (the page then).
pub async fn report(s: &AppState, headers: &HeaderMap, organization: &str, year: &str) -> Option<Response> {
    let (year, format) = year.rsplit_once('.').and_then(|(y, ext)| Some((y, ReportFormat::from_extension(ext)?)))?;
    let result = async {
        let actor = crate::files::downloader(s, headers).await?;
        Ok::<_, ApiError>(send(s.catalog.strategy_report_export(&actor, organization, year, format).await?))
    }
    .await;
    Some(result.unwrap_or_else(IntoResponse::into_response))
}
