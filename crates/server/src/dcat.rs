//! DCAT-AP 3 at `/catalog` and `/catalog.{ttl,jsonld,rdf,xml,nt}`, and a
//! dataset's at `/dataset/{name}.{ext}` or `/dataset/{name}` with an RDF
//! `Accept` header; `kho_catalog::dcat` decides what is written (public
//! datasets only) and streams it.

use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kho_catalog::dcat::CatalogQuery;
use kho_dcat::Format;

/// The DCAT `Site` of a node: its address and branding.
pub fn site(site_url: &str, b: &kho_portal::Branding) -> kho_dcat::Site {
    kho_dcat::Site {
        base: site_url.trim_end_matches('/').to_string(),
        title: b.title_vi.clone(),
        title_en: b.title_en.clone(),
        description: b.description_vi.clone(),
        description_en: b.description_en.clone(),
        publisher_name: b.agency.clone().unwrap_or_else(|| b.title_vi.clone()),
        publisher_url: b.agency_url.clone(),
    }
}

fn content_type(format: Format) -> HeaderValue {
    HeaderValue::from_str(&format!("{}; charset=utf-8", format.media_type()))
        .unwrap_or(HeaderValue::from_static("text/plain"))
}

fn accept(req: &Parts) -> Option<Format> {
    req.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).and_then(Format::negotiate)
}

/// `/catalog.{ext}`: a page of the catalog (or all of it with `all=true`).
async fn catalog_as(s: AppState, format: Format, path: &str, req: &Parts) -> Response {
    let q = match CatalogQuery::parse(req.uri.query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return crate::error::error_response(&e, None),
    };
    match s.catalog.dcat_catalog(s.dcat.clone(), format, path, q).await {
        Ok(dump) => {
            let mut resp = (StatusCode::OK, Body::from_stream(dump.body)).into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, content_type(format));
            resp.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            resp
        }
        Err(e) => crate::error::error_response(&e, None),
    }
}

/// `/catalog.{ext}`: the format named by the extension of the path.
async fn catalog_file(State(s): State<AppState>, req: Parts) -> Response {
    let path = req.uri.path().to_string();
    match path.rsplit_once('.').and_then(|(_, ext)| Format::from_extension(ext)) {
        Some(f) => catalog_as(s, f, &path, &req).await,
        None => crate::error::error_response(&kho_core::Error::not_found(path), None),
    }
}

/// The catalog's routes (the dataset's are the dataset page's).
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    ["/catalog.ttl", "/catalog.jsonld", "/catalog.rdf", "/catalog.xml", "/catalog.nt"]
        .into_iter()
        .fold(axum::Router::new().route("/catalog", get(catalog)), |r, path| r.route(path, get(catalog_file)))
}

/// `/catalog`: the format the client asks for; people go to the search page.
pub async fn catalog(State(s): State<AppState>, req: Parts) -> Response {
    match accept(&req) {
        Some(f) => catalog_as(s, f, &format!("/catalog.{}", f.extension()), &req).await,
        None => {
            let mut resp = Redirect::to("/dataset").into_response();
            resp.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            resp
        }
    }
}

/// What `/dataset/{name}` asks for as RDF: `name.ext` with a known
/// extension, or the `Accept` header. `None` is the page.
pub fn dataset_format<'a>(name: &'a str, req: &Parts) -> Option<(&'a str, Format)> {
    if let Some((base, ext)) = name.rsplit_once('.')
        && let Some(f) = Format::from_extension(ext)
    {
        return Some((base, f));
    }
    accept(req).map(|f| (name, f))
}

/// One public dataset as DCAT.
pub async fn dataset(s: &AppState, name: &str, format: Format) -> Response {
    match s.catalog.dcat_dataset(s.dcat.clone(), format, name).await {
        Ok(bytes) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, content_type(format));
            resp.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            resp
        }
        Err(e) => crate::error::error_response(&e, None),
    }
}
