//! Downloads of uploaded resource files at CKAN's stable URL
//! (`/dataset/{id}/resource/{resource_id}/download/{filename}`) and of
//! datastore tables (`/datastore/dump/{resource_id}?format=…`).
//!
//! Files are streamed from the file store (never read whole into memory),
//! with the same visibility rules as the dataset, an ETag (the content's
//! SHA-256, which never changes for a URL's content), and
//! `Content-Disposition: attachment` so an uploaded HTML or SVG file can
//! never run as a page of the portal.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// `GET /dataset/{id}/resource/{resource_id}/download[/{filename}]`.
pub async fn download(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    req: Request,
) -> Result<Response, ApiError> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let actor = downloader(&state, req.headers()).await?;
    let dl = state.catalog.resource_download(&actor, get("id"), get("resource_id")).await?;
    let etag = format!("\"{}\"", dl.sha256);
    if req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        resp.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).map_err(kho_core::Error::internal)?);
        return Ok(resp);
    }
    let (file, len) = state.catalog.files().open_file(&dl.sha256).await.map_err(kho_core::Error::from)?;
    let body = if req.method() == axum::http::Method::HEAD {
        Body::empty()
    } else {
        Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024))
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&dl.mimetype).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    attachment(h, &dl.filename);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    Ok(resp)
}

/// `GET /datastore/dump/{resource_id}?format=csv|tsv|json|xlsx|parquet`,
/// with CKAN's optional `filters`, `q`, `sort`, `fields`, `limit`,
/// `offset` and `bom`, and Kho's `version`. Streamed as it is read.
pub async fn datastore_dump(
    State(state): State<AppState>,
    Path(resource_id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let actor = downloader(&state, req.headers()).await?;
    let query = req.uri().query().unwrap_or("");
    let map: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    let dump = state.catalog.datastore_dump(&actor, &resource_id, kho_core::input::Fields::new(map)).await?;
    let body = if req.method() == axum::http::Method::HEAD { Body::empty() } else { Body::from_stream(dump.body) };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(dump.content_type));
    attachment(h, &dump.filename);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=0, must-revalidate"));
    Ok(resp)
}

/// Who downloads: an API token, or else a browser signed in to the portal.
pub(crate) async fn downloader(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<kho_core::authz::Actor, ApiError> {
    let actor = crate::auth::actor(&state.catalog, headers).await?;
    if actor.user.is_some() {
        return Ok(actor);
    }
    Ok(crate::web::session_actor(state, headers).await)
}

/// `Content-Disposition: attachment` with the file name in ASCII and in
/// UTF-8, so a file never renders as a page of the portal.
pub(crate) fn attachment(h: &mut axum::http::HeaderMap, filename: &str) {
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(filename, NON_ALPHANUMERIC)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
}
