//! Storage errors, and their one translation into domain errors.

use kho_core::Error;

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("a row with the same {constraint} already exists")]
    Unique { constraint: String },
    #[error("the database is busy (another writer held the lock too long)")]
    Busy,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("SQLite error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                return StoreError::Unique { constraint: db.message().to_string() };
            }
            let msg = db.message();
            if msg.contains("database is locked") || msg.contains("database table is locked") {
                return StoreError::Busy;
            }
        }
        if matches!(e, sqlx::Error::PoolTimedOut) {
            return StoreError::Busy;
        }
        StoreError::Database(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.code {
                ErrorCode::ConstraintViolation
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    return StoreError::Unique { constraint: msg.clone().unwrap_or_default() };
                }
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return StoreError::Busy,
                _ => {}
            }
        }
        StoreError::Sqlite(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            // Uniqueness is checked before writing; this is the race where
            // two writers passed the check at once. Name the clash the way
            // CKAN's validators would have.
            StoreError::Unique { constraint } if constraint.contains("name") => {
                Error::field("name", "That URL is already in use.")
            }
            StoreError::Unique { constraint } => {
                Error::BadRequest(format!("Conflicting concurrent write ({constraint}); please retry"))
            }
            StoreError::Busy => Error::Unavailable("the database is busy; please retry".into()),
            other => Error::internal(other),
        }
    }
}
