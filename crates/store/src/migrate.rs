//! Versioned migrations, applied at start.
//!
//! Each version exists in a SQLite and a PostgreSQL flavour under
//! `migrations/`; both lists must stay in step (a unit test checks the file
//! names). Applied versions are recorded in `kho_migrations` with a SHA-256
//! of their text, so a migration edited after release is caught instead of
//! silently diverging. Each version runs in its own transaction; on
//! PostgreSQL an advisory lock serialises processes starting together, on
//! SQLite the write lock does.

use crate::{Backend, Sql, Store, StoreError};
use sha2::{Digest, Sha256};

/// (version, description, SQLite text, PostgreSQL text).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "catalog",
        include_str!("../migrations/sqlite/0001_catalog.sql"),
        include_str!("../migrations/postgres/0001_catalog.sql"),
    ),
    (
        2,
        "search feed",
        include_str!("../migrations/sqlite/0002_search_feed.sql"),
        include_str!("../migrations/postgres/0002_search_feed.sql"),
    ),
    (
        3,
        "portal sessions and views",
        include_str!("../migrations/sqlite/0003_portal.sql"),
        include_str!("../migrations/postgres/0003_portal.sql"),
    ),
    (
        4,
        "background jobs",
        include_str!("../migrations/sqlite/0004_jobs.sql"),
        include_str!("../migrations/postgres/0004_jobs.sql"),
    ),
    (
        5,
        "datastore tables",
        include_str!("../migrations/sqlite/0005_datastore.sql"),
        include_str!("../migrations/postgres/0005_datastore.sql"),
    ),
    (
        6,
        "datastore version changes",
        include_str!("../migrations/sqlite/0006_datastore_changes.sql"),
        include_str!("../migrations/postgres/0006_datastore_changes.sql"),
    ),
    (
        7,
        "resource validation",
        include_str!("../migrations/sqlite/0007_validation.sql"),
        include_str!("../migrations/postgres/0007_validation.sql"),
    ),
    (
        8,
        "link checks",
        include_str!("../migrations/sqlite/0008_link_checks.sql"),
        include_str!("../migrations/postgres/0008_link_checks.sql"),
    ),
    (
        9,
        "job schedules",
        include_str!("../migrations/sqlite/0009_job_schedules.sql"),
        include_str!("../migrations/postgres/0009_job_schedules.sql"),
    ),
    (
        10,
        "harvesting",
        include_str!("../migrations/sqlite/0010_harvest.sql"),
        include_str!("../migrations/postgres/0010_harvest.sql"),
    ),
    (
        11,
        "data map",
        include_str!("../migrations/sqlite/0011_datamap.sql"),
        include_str!("../migrations/postgres/0011_datamap.sql"),
    ),
    (
        12,
        "strategy monitoring",
        include_str!("../migrations/sqlite/0012_strategy.sql"),
        include_str!("../migrations/postgres/0012_strategy.sql"),
    ),
    (
        13,
        "strategy progress and entered indicators",
        include_str!("../migrations/sqlite/0013_strategy_progress.sql"),
        include_str!("../migrations/postgres/0013_strategy_progress.sql"),
    ),
    (
        14,
        "data map harvesting",
        include_str!("../migrations/sqlite/0014_datamap_harvest.sql"),
        include_str!("../migrations/postgres/0014_datamap_harvest.sql"),
    ),
];

/// Arbitrary constant naming Kho's migration lock on PostgreSQL.
const PG_LOCK: i64 = 0x004b_484f_5f4d_4947;

pub(crate) async fn run(store: &Store) -> Result<Vec<i64>, StoreError> {
    let backend = store.backend();
    {
        let mut tx = store.write().await?;
        Sql::execute_script(
            "CREATE TABLE IF NOT EXISTS kho_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
            &mut tx,
        )
        .await?;
        tx.commit().await?;
    }
    let mut applied_now = Vec::new();
    for (version, description, sqlite, postgres) in MIGRATIONS {
        let text = if backend == Backend::Sqlite { sqlite } else { postgres };
        let checksum = hex::encode(Sha256::digest(text.as_bytes()));
        let mut tx = store.write().await?;
        if backend == Backend::Postgres {
            let _: Option<(String,)> = Sql::new("SELECT CAST(pg_advisory_xact_lock($1) AS TEXT)")
                .bind(PG_LOCK)
                .fetch_optional(&mut tx)
                .await?;
        }
        let done: Option<(String,)> = Sql::new("SELECT checksum FROM kho_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut tx)
            .await?;
        match done {
            Some((sum,)) if sum == checksum => continue,
            Some(_) => {
                return Err(StoreError::Migrate(format!(
                    "migration {version} ({description}) was changed after it was applied to this database"
                )));
            }
            None => {}
        }
        Sql::execute_script(text, &mut tx)
            .await
            .map_err(|e| StoreError::Migrate(format!("migration {version} ({description}): {e}")))?;
        Sql::new("INSERT INTO kho_migrations (version, description, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(*version)
            .bind(*description)
            .bind(checksum)
            .bind(kho_core::timefmt::now())
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, description, "applied migration");
        applied_now.push(*version);
    }
    Ok(applied_now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed() {
        for dir in ["sqlite", "postgres"] {
            let mut files: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            assert_eq!(files.len(), MIGRATIONS.len(), "{dir}: every file must be listed in MIGRATIONS");
        }
    }
}
