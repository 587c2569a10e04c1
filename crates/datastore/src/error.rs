//! The datastore's error type. The catalog maps each variant to one
//! `kho_core::Error` kind; nothing here knows HTTP.

/// What went wrong in the datastore.
#[derive(Debug, thiserror::Error)]
pub enum DatastoreError {
    /// The input is not a table Kho can read (empty, malformed, too wide…).
    /// The message says what is wrong and where.
    #[error("{0}")]
    BadInput(String),
    /// A request is well-formed but names a field, type or value that
    /// does not fit the table.
    #[error("{0}")]
    Invalid(String),
    /// SQL that is not a single read-only SELECT, or that calls something
    /// not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// A query ran past its time limit.
    #[error("The query ran longer than the limit of {0} ms; add filters or a LIMIT, or aggregate")]
    Timeout(u64),
    /// The input exceeds a configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// The query engine rejected the query (syntax, unknown column…).
    #[error("{0}")]
    Query(String),
    /// Reading or writing table files failed.
    #[error("I/O error on {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// Kho is broken (an engine error that is not the caller's fault).
    #[error("{0}")]
    Internal(String),
}

/// Result alias of this crate.
pub type Result<T, E = DatastoreError> = std::result::Result<T, E>;

impl DatastoreError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        DatastoreError::Io { path: path.display().to_string(), source }
    }
}

impl From<datafusion::error::DataFusionError> for DatastoreError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        use datafusion::error::DataFusionError as D;
        match e {
            D::SQL(..) | D::Plan(_) | D::SchemaError(..) | D::NotImplemented(_) => {
                DatastoreError::Query(clean_message(&e.to_string()))
            }
            D::Execution(m) => DatastoreError::Query(clean_message(&m)),
            D::ArrowError(a, _) => DatastoreError::Query(clean_message(&a.to_string())),
            D::Context(_, inner) => DatastoreError::from(*inner),
            D::Shared(inner) => DatastoreError::Query(clean_message(&inner.to_string())),
            D::ResourcesExhausted(m) => {
                DatastoreError::TooLarge(format!("The query needs more memory than allowed: {}", clean_message(&m)))
            }
            other => DatastoreError::Internal(other.to_string()),
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for DatastoreError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        DatastoreError::Internal(e.to_string())
    }
}

impl From<datafusion::parquet::errors::ParquetError> for DatastoreError {
    fn from(e: datafusion::parquet::errors::ParquetError) -> Self {
        DatastoreError::Internal(e.to_string())
    }
}

/// Engine messages carry layers of prefixes ("Error during planning: …");
/// callers need the last, meaningful part, without backtraces.
fn clean_message(m: &str) -> String {
    let m = m.split("\n\nbacktrace").next().unwrap_or(m);
    let mut s = m.trim();
    for prefix in ["Error during planning: ", "SQL error: ", "Schema error: ", "Execution error: ", "Arrow error: "] {
        while let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    s.to_string()
}
