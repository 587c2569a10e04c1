//! Signed-in browser sessions of the web portal, and dataset page views.

use crate::{Handle, Sql, StoreError};

/// A live session: whose it is and the CSRF token of its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    pub csrf: String,
}

/// Records a new session (`id_hash` is the SHA-256 of the cookie secret).
pub async fn create(
    h: &mut dyn Handle,
    id_hash: &str,
    user_id: &str,
    csrf: &str,
    created: &str,
    expires: &str,
) -> Result<(), StoreError> {
    Sql::new("INSERT INTO web_sessions (id_hash, user_id, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)")
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(created)
        .bind(expires)
        .execute(h)
        .await?;
    Ok(())
}

/// The session with this hash, if it has not expired at `now`.
pub async fn find(h: &mut dyn Handle, id_hash: &str, now: &str) -> Result<Option<Session>, StoreError> {
    let row: Option<(String, String)> =
        Sql::new("SELECT user_id, csrf FROM web_sessions WHERE id_hash = $1 AND expires > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(h)
            .await?;
    Ok(row.map(|(user_id, csrf)| Session { user_id, csrf }))
}

/// Ends a session.
pub async fn delete(h: &mut dyn Handle, id_hash: &str) -> Result<(), StoreError> {
    Sql::new("DELETE FROM web_sessions WHERE id_hash = $1").bind(id_hash).execute(h).await?;
    Ok(())
}

/// Removes sessions that expired before `now`; returns how many.
pub async fn prune(h: &mut dyn Handle, now: &str) -> Result<u64, StoreError> {
    Sql::new("DELETE FROM web_sessions WHERE expires <= $1").bind(now).execute(h).await
}

/// Adds page views to datasets. Ids of datasets purged meanwhile are skipped.
pub async fn add_views(h: &mut dyn Handle, counts: &[(String, i64)]) -> Result<(), StoreError> {
    for (id, n) in counts {
        Sql::new(
            "INSERT INTO package_views (package_id, views) SELECT id, $2 FROM packages WHERE id = $1 \
             ON CONFLICT (package_id) DO UPDATE SET views = package_views.views + excluded.views",
        )
        .bind(id.as_str())
        .bind(*n)
        .execute(&mut *h)
        .await?;
    }
    Ok(())
}

/// The stored documents of the most viewed public, active datasets.
pub async fn most_viewed_public(h: &mut dyn Handle, limit: i64) -> Result<Vec<String>, StoreError> {
    // The most viewed few hundred first (an index walk), then their
    // datasets: joining from packages would scan the whole table.
    let rows: Vec<(String,)> = Sql::new(
        "SELECT p.doc FROM (SELECT package_id, views FROM package_views ORDER BY views DESC LIMIT $2) v \
         JOIN packages p ON p.id = v.package_id \
         WHERE p.private = 0 AND p.state = 'active' ORDER BY v.views DESC, p.name LIMIT $1",
    )
    .bind(limit)
    .bind(limit.saturating_mul(20).max(200))
    .fetch_all(h)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
