//! Kho's HTTP edge: a thin layer that maps HTTP onto the catalog.
//!
//! - [`actions`]: the CKAN Action API (`/api/3/action/{action}`, `/api/action/{action}`).
//! - [`files`]: downloads of uploaded files at CKAN's stable URLs.
//! - [`exports`]: downloads of the data map (CSV, XLSX, JSON, DCAT) and of
//!   annual reports (XLSX, JSON), made for the viewer.
//! - [`health`]: `/healthz` and `/readyz`.
//! - [`web`]: the portal's pages (made by `kho-portal`), sessions, CSRF
//!   checks and static assets.
//! - [`error`]: the one mapping from domain errors to HTTP statuses and
//!   CKAN error envelopes.
//! - [`auth`]: the caller's identity from request headers.
//! - [`openapi`]: the OpenAPI 3.1 description of the Action API
//!   (`/api/openapi.json`).
//!
//! Architecture invariant: no business rule lives here. A handler reads
//! the request, calls one catalog method, and writes the response.

pub mod actions;
pub mod auth;
pub mod dcat;
pub mod error;
pub mod exports;
pub mod files;
pub mod health;
pub mod openapi;
pub mod web;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use kho_catalog::Catalog;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The CKAN version whose Action API Kho implements (`status_show`).
pub const CKAN_API_VERSION: &str = "2.11.0";

/// Limits the HTTP edge enforces.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_json_bytes: u64,
    pub request_timeout_secs: u64,
    pub upload_idle_timeout_secs: u64,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub portal: kho_portal::Portal,
    /// The OpenAPI document, built at start.
    pub openapi: bytes::Bytes,
    pub max_json_bytes: u64,
    pub request_timeout_secs: u64,
    pub upload_idle_timeout_secs: u64,
    /// What the DCAT export says about this node.
    pub dcat: Arc<kho_dcat::Site>,
}

impl AppState {
    /// State over a catalog with the given limits and the node's branding.
    pub fn new(catalog: Catalog, limits: Limits, branding: kho_portal::Branding) -> Self {
        AppState {
            dcat: Arc::new(dcat::site(catalog.site_url(), &branding)),
            portal: kho_portal::Portal::new(catalog.clone(), branding),
            openapi: openapi::bytes(catalog.site_url()),
            catalog,
            max_json_bytes: limits.max_json_bytes,
            request_timeout_secs: limits.request_timeout_secs,
            upload_idle_timeout_secs: limits.upload_idle_timeout_secs,
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let action = get(actions::handle).post(actions::handle);
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("x-ckan-api-key")]);
    let api = Router::new()
        .route("/api/3/action/{action}", action.clone())
        .route("/api/action/{action}", action)
        .route("/api/3", get(actions::api_root))
        .route("/api", get(actions::api_root))
        .route("/api/openapi.json", get(openapi::serve))
        .layer(cors)
        // Limits are enforced by the handler per request kind: JSON bodies
        // by max_json_bytes, uploads by max_upload_bytes while streaming.
        .layer(DefaultBodyLimit::disable());
    let sensitive: Arc<[HeaderName]> =
        Arc::new([header::AUTHORIZATION, header::COOKIE, HeaderName::from_static("x-ckan-api-key")]);
    Router::new()
        // Pages and API answers are compressed for slow links; file
        // downloads (routes below) are sent as stored, with their length.
        .merge(api.layer(CompressionLayer::new()))
        // Upload forms are bounded while streaming (max_upload_bytes) and
        // their text fields by max_json_bytes, not by axum's 2 MB default.
        .merge(web::router().layer(CompressionLayer::new()).layer(DefaultBodyLimit::disable()))
        .merge(dcat::router().layer(CompressionLayer::new()))
        .merge(exports::router().layer(CompressionLayer::new()))
        .route("/dataset/{id}/resource/{resource_id}/download/{filename}", get(files::download))
        .route("/dataset/{id}/resource/{resource_id}/download", get(files::download))
        .route("/datastore/dump/{resource_id}", get(files::datastore_dump))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(web::not_found)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            error::error_response(&kho_core::Error::internal("a request handler panicked"), None)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::from_shared(sensitive))
}

/// Serves until `shutdown` resolves, then stops accepting connections and
/// lets in-flight requests finish, for at most `grace`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let portal = state.portal.clone();
    let app = router(state);
    let flusher = {
        let portal = portal.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(VIEW_FLUSH);
            loop {
                tick.tick().await;
                portal.flush_views().await;
            }
        })
    };
    let result = serve_until(listener, app, shutdown, grace).await;
    flusher.abort();
    portal.flush_views().await;
    result
}

/// How often counted page views are written to the database.
const VIEW_FLUSH: Duration = Duration::from_secs(10);

async fn serve_until(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = tx.send(());
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(signal);
    let server = tokio::spawn(async move { server.await });
    let mut server = server;
    tokio::select! {
        r = &mut server => return r.map_err(std::io::Error::other)?,
        _ = rx => {}
    }
    tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing in-flight requests");
    match tokio::time::timeout(grace, &mut server).await {
        Ok(r) => r.map_err(std::io::Error::other)?,
        Err(_) => {
            tracing::warn!("in-flight requests did not finish within the grace period; stopping");
            server.abort();
            Ok(())
        }
    }
}
