//! The domain's error type.
//!
//! Use [`Error`] for every failure a caller of the catalog may see. The kinds
//! follow the CKAN Action API's exception classes, because that is the
//! contract existing clients rely on:
//!
//! | kind | meaning | CKAN `__type` |
//! |---|---|---|
//! | [`ErrorKind::NotFound`] | the named object does not exist (or the caller may not know it exists) | `Not Found Error` |
//! | [`ErrorKind::Forbidden`] | the caller is known but not allowed | `Authorization Error` |
//! | [`ErrorKind::Validation`] | input is well-formed but wrong, field by field | `Validation Error` |
//! | [`ErrorKind::BadRequest`] | input is not even well-formed (bad JSON, wrong method) | `Bad request` |
//! | [`ErrorKind::TooLarge`] | a body or upload exceeds a configured limit | `Bad request` |
//! | [`ErrorKind::Internal`] | Kho is broken; details go to the log, not the client | `Internal Server Error` |
//!
//! Only the API edge turns kinds into HTTP statuses (see `kho-server`'s
//! `error` module, the one table of codes).

use serde_json::{Map, Value};
use std::fmt;

/// Result alias used throughout the domain crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable classification of an [`Error`], mapped once to HTTP by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Validation,
    BadRequest,
    TooLarge,
    Unavailable,
    Internal,
}

/// A domain error. See the module documentation for the kinds.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Not found: {0}")]
    NotFound(String),
    #[error("Access denied: {0}")]
    Forbidden(String),
    #[error("Validation error: {0}")]
    Validation(ValidationErrors),
    #[error("Bad request: {0}")]
    BadRequest(String),
    #[error("Request too large: {0}")]
    TooLarge(String),
    #[error("Service unavailable: {0}")]
    Unavailable(String),
    #[error("Internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::Validation(_) => ErrorKind::Validation,
            Error::BadRequest(_) => ErrorKind::BadRequest,
            Error::TooLarge(_) => ErrorKind::TooLarge,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// `Not found: <what>`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    /// `Access denied: <why>`.
    pub fn forbidden(why: impl Into<String>) -> Self {
        Error::Forbidden(why.into())
    }

    /// A validation error on a single field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = ValidationErrors::default();
        e.add(field, message);
        Error::Validation(e)
    }

    /// A validation error with a general message (CKAN's `message` key).
    pub fn invalid(message: impl Into<String>) -> Self {
        let mut e = ValidationErrors::default();
        e.general(message);
        Error::Validation(e)
    }

    /// An internal failure. The message is logged, never shown to clients.
    pub fn internal(message: impl fmt::Display) -> Self {
        Error::Internal(message.to_string())
    }
}

/// Field-by-field validation errors, shaped like CKAN's `error_dict`:
/// `{"name": ["That URL is already in use."], "resources": [{}, {"url": [...]}]}`.
///
/// A general, non-field message goes under `message`, as CKAN does for
/// `ValidationError("…")`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors {
    fields: Map<String, Value>,
}

impl ValidationErrors {
    /// Adds `message` to the messages of `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.fields.entry(field.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }

    /// Records the errors of item `index` of list field `field`
    /// (`resources`, `extras`, …), padding earlier items with `{}` as CKAN does.
    pub fn add_nested(&mut self, field: &str, index: usize, len: usize, inner: ValidationErrors) {
        if inner.is_empty() {
            return;
        }
        let entry =
            self.fields.entry(field.to_string()).or_insert_with(|| Value::Array(vec![Value::Object(Map::new()); len]));
        if let Value::Array(list) = entry {
            if list.len() < len {
                list.resize(len, Value::Object(Map::new()));
            }
            if let Some(slot) = list.get_mut(index) {
                *slot = Value::Object(inner.fields);
            }
        }
    }

    /// Adds a general message (CKAN's `message` key).
    pub fn general(&mut self, message: impl Into<String>) {
        self.fields.insert("message".into(), Value::String(message.into()));
    }

    /// True when no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// True when `field` has at least one error.
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// The errors as CKAN's error dictionary.
    pub fn to_map(&self) -> Map<String, Value> {
        self.fields.clone()
    }

    /// `Ok(())` when empty, otherwise `Err(Error::Validation(self))`.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() { Ok(()) } else { Err(Error::Validation(self)) }
    }

    /// Moves every error of `other` into `self`.
    pub fn merge(&mut self, other: ValidationErrors) {
        for (k, v) in other.fields {
            match (self.fields.get_mut(&k), v) {
                (Some(Value::Array(a)), Value::Array(b)) => a.extend(b),
                (_, v) => {
                    self.fields.insert(k, v);
                }
            }
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.fields {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{k}: ")?;
            match v {
                Value::Array(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .map(|i| match i {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    f.write_str(&parts.join(", "))?;
                }
                Value::String(s) => f.write_str(s)?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_errors_pad_like_ckan() {
        let mut inner = ValidationErrors::default();
        inner.add("url", "Missing value");
        let mut e = ValidationErrors::default();
        e.add_nested("resources", 1, 2, inner);
        e.add("name", "Missing value");
        assert_eq!(
            Value::Object(e.to_map()),
            json!({"resources": [{}, {"url": ["Missing value"]}], "name": ["Missing value"]})
        );
        assert_eq!(e.to_string(), "name: Missing value; resources: {}, {\"url\":[\"Missing value\"]}");
    }
}
