//! The one place where errors become HTTP responses.
//!
//! Every domain error has an [`ErrorKind`]; [`CODES`] maps each kind to its
//! HTTP status and CKAN `__type`. Handlers return [`kho_core::Error`] and the
//! envelope is written here, so every endpoint answers errors the same way:
//!
//! ```json
//! {"help": "…/api/3/action/help_show?name=package_show", "success": false,
//!  "error": {"__type": "Not Found Error", "message": "Not found: Dataset not found"}}
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kho_core::{Error, ErrorKind};
use serde_json::{Map, Value, json};

/// Kind → (HTTP status, CKAN `__type`). The table CKAN clients depend on.
pub const CODES: &[(ErrorKind, u16, &str)] = &[
    (ErrorKind::NotFound, 404, "Not Found Error"),
    (ErrorKind::Forbidden, 403, "Authorization Error"),
    (ErrorKind::Validation, 409, "Validation Error"),
    (ErrorKind::BadRequest, 400, "Bad request"),
    (ErrorKind::TooLarge, 413, "Bad request"),
    (ErrorKind::Unavailable, 503, "Service Unavailable"),
    (ErrorKind::Internal, 500, "Internal Server Error"),
];

/// The status and `__type` of a kind.
pub fn code(kind: ErrorKind) -> (StatusCode, &'static str) {
    let (_, status, ty) =
        CODES.iter().find(|(k, _, _)| *k == kind).copied().unwrap_or((kind, 500, "Internal Server Error"));
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), ty)
}

/// The `error` object of the envelope.
pub fn error_body(err: &Error) -> Value {
    let (_, ty) = code(err.kind());
    let mut obj = Map::new();
    match err {
        Error::Validation(fields) => {
            obj = fields.to_map();
        }
        Error::Internal(detail) => {
            // The detail is for the log only.
            tracing::error!(error = %detail, "internal error");
            obj.insert("message".into(), Value::String("Internal Server Error".into()));
        }
        other => {
            obj.insert("message".into(), Value::String(other.to_string()));
        }
    }
    obj.insert("__type".into(), Value::String(ty.into()));
    Value::Object(obj)
}

/// A full error envelope response; `help` is the action's help URL, if any.
pub fn error_response(err: &Error, help: Option<&str>) -> Response {
    let (status, _) = code(err.kind());
    let mut body = json!({"success": false, "error": error_body(err)});
    if let Some(h) = help {
        body["help"] = Value::String(h.to_string());
    }
    let mut resp = (status, json_bytes(&body)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf-8"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// Serialises a value (never fails for `serde_json::Value`).
pub fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec())
}

/// Lets handlers use `?` on domain errors outside the action envelope.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.0, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_code() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::Forbidden,
            ErrorKind::Validation,
            ErrorKind::BadRequest,
            ErrorKind::TooLarge,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ] {
            assert!(CODES.iter().any(|(k, _, _)| *k == kind), "{kind:?}");
        }
        assert_eq!(code(ErrorKind::Validation), (StatusCode::CONFLICT, "Validation Error"));
    }

    #[test]
    fn bodies_match_ckan() {
        let e = Error::field("name", "That URL is already in use.");
        assert_eq!(error_body(&e), json!({"__type": "Validation Error", "name": ["That URL is already in use."]}));
        let e = Error::forbidden("User  not authorized to create packages in organization x");
        assert_eq!(
            error_body(&e)["message"],
            "Access denied: User  not authorized to create packages in organization x"
        );
        let e = Error::internal("secret detail");
        assert_eq!(error_body(&e)["message"], "Internal Server Error");
    }
}
