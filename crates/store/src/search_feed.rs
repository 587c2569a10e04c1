//! The search change feed: one row per dataset change, in commit order as
//! far as the database can tell. Search indexes (one per server process)
//! read it to catch up with writes made anywhere: this process, a CLI
//! command, another server over the same PostgreSQL database.

use crate::{Backend, Handle, Sql, Store, StoreError};

/// Appends a change of dataset `package_id`; call inside the writing transaction.
pub async fn record(h: &mut dyn Handle, package_id: &str) -> Result<(), StoreError> {
    Sql::new("INSERT INTO search_feed (package_id, created) VALUES ($1, $2)")
        .bind(package_id)
        .bind(kho_core::timefmt::now())
        .execute(h)
        .await?;
    Ok(())
}

/// Changes after `after`, oldest first, at most `limit`: `(seq, package_id)`.
pub async fn since(h: &mut dyn Handle, after: i64, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Sql::new("SELECT seq, package_id FROM search_feed WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(h)
        .await
}

/// Changes with `after < seq <= upto`, oldest first.
pub async fn between(h: &mut dyn Handle, after: i64, upto: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Sql::new("SELECT seq, package_id FROM search_feed WHERE seq > $1 AND seq <= $2 ORDER BY seq")
        .bind(after)
        .bind(upto)
        .fetch_all(h)
        .await
}

/// The highest sequence number such that every transaction that took a
/// lower one has finished (committed or rolled back). On PostgreSQL a
/// sequence value is taken before commit, so a reader can see 7 before 6
/// commits; locking the table against inserts waits for every writer that
/// holds one. Writers are held up only for the instant this takes. On
/// SQLite writers are serialised already.
pub async fn settled_max(store: &Store) -> Result<i64, StoreError> {
    let mut tx = store.write().await?;
    if store.backend() == Backend::Postgres {
        Sql::new("LOCK TABLE search_feed IN EXCLUSIVE MODE").execute(&mut tx).await?;
    }
    let (max,): (i64,) =
        Sql::new("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM search_feed").fetch_one(&mut tx).await?;
    tx.commit().await?;
    Ok(max)
}

/// The `kho_meta` key holding the highest sequence number pruned so far.
const PRUNED_KEY: &str = "search_feed_pruned";

/// Deletes changes recorded before `before` (a CKAN-format time) and
/// records how far the feed has been pruned (see [`pruned_through`]);
/// returns the highest sequence number deleted now (0 if none). Call in a
/// write transaction.
pub async fn prune(h: &mut dyn Handle, before: &str) -> Result<i64, StoreError> {
    let (max,): (i64,) = Sql::new("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM search_feed WHERE created < $1")
        .bind(before)
        .fetch_one(&mut *h)
        .await?;
    if max > 0 {
        Sql::new("DELETE FROM search_feed WHERE seq <= $1").bind(max).execute(&mut *h).await?;
        if max > pruned_through(&mut *h).await? {
            crate::meta::set(h, PRUNED_KEY, &max.to_string()).await?;
        }
    }
    Ok(max)
}

/// Every change up to this sequence number may have been pruned (0 if the
/// feed was never pruned): an index that has applied less than this may
/// have missed changes and must be rebuilt.
pub async fn pruned_through(h: &mut dyn Handle) -> Result<i64, StoreError> {
    Ok(crate::meta::get(h, PRUNED_KEY).await?.and_then(|v| v.parse().ok()).unwrap_or(0))
}
