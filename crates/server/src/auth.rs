//! Who is calling: the API token from the request headers.
//!
//! CKAN clients send the token raw in `Authorization` (ckanapi sends it in
//! `X-CKAN-API-Key` too); `Authorization: Bearer <token>` also works. No
//! token means an anonymous caller. A token that is unknown, revoked or
//! expired is an error, not a silent downgrade to anonymous.

use axum::http::HeaderMap;
use kho_catalog::{Actor, Catalog};
use kho_core::{Error, Result};

/// Resolves the caller of a request.
pub async fn actor(catalog: &Catalog, headers: &HeaderMap) -> Result<Actor> {
    let text = |name| {
        headers
            .get(name)
            .map(|v| v.to_str().map_err(|_| Error::forbidden("The API token contains characters that are not allowed")))
            .transpose()
    };
    // A proxy's `Authorization: Basic …` is not a Kho token; then the
    // CKAN header, if any, carries it.
    let authorization = text(axum::http::header::AUTHORIZATION.as_str())?
        .filter(|v| !v.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("basic ")));
    let token = match authorization {
        Some(t) => Some(t),
        None => text("x-ckan-api-key")?,
    };
    match token.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => catalog.actor_for_token(t).await,
        None => Ok(Actor::anonymous()),
    }
}
