//! The activity stream: who changed what, with the record after the change
//! and a field-level diff.

use crate::{Handle, Sql, StoreError};
use kho_core::authz::DatasetFilter;
use kho_core::model::Activity;

crate::sqlite_row!(Row { id, timestamp, user_id, object_id, activity_type, data });
use sqlx::FromRow;

/// A new activity to record.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub id: String,
    pub timestamp: &'a str,
    pub user_id: Option<&'a str>,
    pub object_id: &'a str,
    /// `package`, `organization` or `group`.
    pub object_type: &'a str,
    /// CKAN's type: `new package`, `changed package`, `deleted package`, …
    pub activity_type: &'a str,
    /// The owning organization (for datasets) or the group itself.
    pub group_id: Option<&'a str>,
    pub data: serde_json::Value,
}

/// Records an activity.
pub async fn insert(h: &mut dyn Handle, a: &NewActivity<'_>) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO activities (id, timestamp, user_id, object_id, object_type, activity_type, group_id, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&a.id)
    .bind(a.timestamp)
    .bind(a.user_id)
    .bind(a.object_id)
    .bind(a.object_type)
    .bind(a.activity_type)
    .bind(a.group_id)
    .bind(serde_json::to_string(&a.data)?)
    .execute(h)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct Row {
    id: String,
    timestamp: String,
    user_id: Option<String>,
    object_id: String,
    activity_type: String,
    data: String,
}

impl Row {
    fn into_activity(self) -> Activity {
        Activity {
            id: self.id,
            timestamp: self.timestamp,
            user_id: self.user_id,
            object_id: self.object_id,
            activity_type: self.activity_type,
            data: serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Activities about one object, newest first. The caller has already
/// checked that the actor may read the object.
pub async fn for_object(
    h: &mut dyn Handle,
    object_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Activity>, StoreError> {
    let rows: Vec<Row> = Sql::new(
        "SELECT id, timestamp, user_id, object_id, activity_type, data FROM activities \
         WHERE object_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
    )
    .bind(object_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(h)
    .await?;
    Ok(rows.into_iter().map(Row::into_activity).collect())
}

/// Activities of an organization: its own changes and those of its
/// datasets that `filter` lets the caller see *now* (a dataset made private
/// takes its history with it).
pub async fn for_group(
    h: &mut dyn Handle,
    group_id: &str,
    filter: &DatasetFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Activity>, StoreError> {
    let mut q = Sql::new(
        "SELECT a.id, a.timestamp, a.user_id, a.object_id, a.activity_type, a.data FROM activities a \
         LEFT JOIN packages p ON p.id = a.object_id WHERE a.group_id = ",
    );
    q.param(group_id).push(" AND (a.object_type != 'package' OR (p.id IS NOT NULL AND ");
    q.visible(filter).push(")) ORDER BY a.seq DESC LIMIT ").param(limit).push(" OFFSET ").param(offset);
    let rows: Vec<Row> = q.fetch_all(h).await?;
    Ok(rows.into_iter().map(Row::into_activity).collect())
}

/// The newest activity sequence number (0 when empty): the catalog's
/// change-feed position.
pub async fn last_seq(h: &mut dyn Handle) -> Result<i64, StoreError> {
    let (n,): (i64,) = Sql::new("SELECT COALESCE(MAX(seq), 0) FROM activities").fetch_one(h).await?;
    Ok(n)
}
