//! Organizations (agencies), groups (themes) and their members.

use crate::{Handle, Sql, StoreError, flag};
use kho_core::authz::DatasetFilter;
use kho_core::model::{Extra, Group, MemberUser, OrganizationSummary, display_name};
use sqlx::FromRow;

crate::sqlite_row!(GroupRow {
    id,
    name,
    title,
    description,
    image_url,
    is_organization,
    agency_kind,
    agency_code,
    parent_id,
    state,
    extras,
    title_translated,
    description_translated,
    created,
    modified
});

impl crate::db::Row for GroupWithCount {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(GroupWithCount { group: GroupRow::from_sqlite(row)?, package_count: row.get("package_count")? })
    }
}
use std::collections::{BTreeMap, HashMap};

/// A row of `catalog_groups`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub image_url: String,
    pub is_organization: i64,
    pub agency_kind: Option<String>,
    pub agency_code: Option<String>,
    pub parent_id: Option<String>,
    pub state: String,
    pub extras: String,
    pub title_translated: String,
    pub description_translated: String,
    pub created: String,
    pub modified: String,
}

const COLUMNS: &str = "id, name, title, description, image_url, is_organization, agency_kind, agency_code, \
    parent_id, state, extras, title_translated, description_translated, created, modified";

fn json_map(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

impl GroupRow {
    /// True for organizations, false for groups (themes).
    pub fn is_org(&self) -> bool {
        flag(self.is_organization)
    }

    /// The summary embedded in a dataset's `organization` key.
    pub fn summary(&self) -> OrganizationSummary {
        OrganizationSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            title: self.title.clone(),
            kind: "organization".into(),
            description: self.description.clone(),
            image_url: self.image_url.clone(),
            created: self.created.clone(),
            is_organization: true,
            approval_status: "approved".into(),
            state: self.state.clone(),
            agency_kind: self.agency_kind.clone(),
            title_translated: json_map(&self.title_translated),
        }
    }

    /// The full `organization_show`/`group_show` shape.
    pub fn to_group(&self, package_count: i64, parent: Option<&GroupRow>) -> Group {
        let extras: Vec<Extra> = serde_json::from_str(&self.extras).unwrap_or_default();
        Group {
            approval_status: "approved".into(),
            created: self.created.clone(),
            description: self.description.clone(),
            display_name: display_name(&self.title, &self.name),
            id: self.id.clone(),
            image_display_url: self.image_url.clone(),
            image_url: self.image_url.clone(),
            is_organization: self.is_org(),
            name: self.name.clone(),
            num_followers: 0,
            package_count,
            state: self.state.clone(),
            title: self.title.clone(),
            kind: if self.is_org() { "organization".into() } else { "group".into() },
            extras,
            tags: vec![],
            groups: parent
                .map(|p| vec![serde_json::json!({"id": p.id, "name": p.name, "title": p.title, "capacity": "parent"})])
                .unwrap_or_default(),
            agency_kind: self.agency_kind.clone(),
            agency_code: self.agency_code.clone(),
            parent_id: self.parent_id.clone(),
            title_translated: json_map(&self.title_translated),
            description_translated: json_map(&self.description_translated),
            users: None,
            packages: None,
            children: None,
        }
    }
}

/// Finds an organization (`Some(true)`), group (`Some(false)`) or either, by id or name.
pub async fn find(
    conn: &mut dyn Handle,
    id_or_name: &str,
    is_org: Option<bool>,
) -> Result<Option<GroupRow>, StoreError> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM catalog_groups WHERE (id = "));
    q.param(id_or_name).push(" OR name = ").param(id_or_name).push(")");
    if let Some(o) = is_org {
        q.push(" AND is_organization = ").param(o as i64);
    }
    Ok(q.fetch_all::<GroupRow>(conn).await?.into_iter().next())
}

/// Fetches groups by id.
pub async fn find_many(conn: &mut dyn Handle, ids: &[String]) -> Result<Vec<GroupRow>, StoreError> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM catalog_groups WHERE id IN "));
    q.in_list(ids).push(" ORDER BY name");
    q.fetch_all(conn).await
}

/// Inserts or replaces a group row (by id).
pub async fn upsert(conn: &mut dyn Handle, g: &GroupRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO catalog_groups (id, name, title, description, image_url, is_organization, agency_kind, \
            agency_code, parent_id, state, extras, title_translated, description_translated, created, modified) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
            description = excluded.description, image_url = excluded.image_url, \
            agency_kind = excluded.agency_kind, agency_code = excluded.agency_code, \
            parent_id = excluded.parent_id, state = excluded.state, extras = excluded.extras, \
            title_translated = excluded.title_translated, \
            description_translated = excluded.description_translated, modified = excluded.modified",
    )
    .bind(&g.id)
    .bind(&g.name)
    .bind(&g.title)
    .bind(&g.description)
    .bind(&g.image_url)
    .bind(g.is_organization)
    .bind(&g.agency_kind)
    .bind(&g.agency_code)
    .bind(&g.parent_id)
    .bind(&g.state)
    .bind(&g.extras)
    .bind(&g.title_translated)
    .bind(&g.description_translated)
    .bind(&g.created)
    .bind(&g.modified)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sort orders for group lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSort {
    NameAsc,
    NameDesc,
    TitleAsc,
    TitleDesc,
    PackageCountDesc,
    PackageCountAsc,
}

impl GroupSort {
    /// Parses CKAN's `sort` parameter (`name asc`, `title desc`, `package_count`…).
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split_whitespace();
        let field = parts.next().unwrap_or("name");
        let desc = parts.next().map(|d| d.eq_ignore_ascii_case("desc"));
        Some(match (field, desc) {
            ("name" | "display_name", Some(true)) => GroupSort::NameDesc,
            ("name" | "display_name", _) => GroupSort::NameAsc,
            ("title", Some(true)) => GroupSort::TitleDesc,
            ("title", _) => GroupSort::TitleAsc,
            ("package_count", Some(false)) => GroupSort::PackageCountAsc,
            ("package_count", _) => GroupSort::PackageCountDesc,
            _ => return None,
        })
    }
}

/// Lists active organizations or groups, with the number of datasets in
/// each that `filter` lets the caller see. Counting scans every dataset of
/// every listed group, so `filter: None` skips it (counts are then 0)
/// when the caller needs only names and titles.
pub async fn list_with_counts(
    conn: &mut dyn Handle,
    is_org: bool,
    filter: Option<&DatasetFilter>,
    query: Option<&str>,
    sort: GroupSort,
    limit: i64,
    offset: i64,
) -> Result<Vec<(GroupRow, i64)>, StoreError> {
    let cols = COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
    let mut q = Sql::new(&format!("SELECT {cols}, "));
    match filter {
        Some(filter) => {
            q.push("(SELECT COUNT(*) FROM packages p WHERE ");
            if is_org {
                q.push("p.owner_org = g.id");
            } else {
                q.push("p.id IN (SELECT package_id FROM group_packages gp WHERE gp.group_id = g.id)");
            }
            q.push(" AND p.state = 'active' AND ").visible(filter);
            q.push(")");
        }
        None => {
            q.push("CAST(0 AS BIGINT)");
        }
    }
    q.push(" AS package_count FROM catalog_groups g WHERE g.state = 'active' AND g.is_organization = ");
    q.param(is_org as i64);
    if let Some(text) = query.filter(|s| !s.is_empty()) {
        let like = format!("%{}%", text.to_lowercase());
        q.push(" AND (LOWER(g.name) LIKE ").param(like.clone()).push(" OR LOWER(g.title) LIKE ").param(like).push(")");
    }
    q.push(match sort {
        GroupSort::NameAsc => " ORDER BY g.name ASC",
        GroupSort::NameDesc => " ORDER BY g.name DESC",
        GroupSort::TitleAsc => " ORDER BY g.title ASC, g.name ASC",
        GroupSort::TitleDesc => " ORDER BY g.title DESC, g.name ASC",
        GroupSort::PackageCountDesc => " ORDER BY package_count DESC, g.name ASC",
        GroupSort::PackageCountAsc => " ORDER BY package_count ASC, g.name ASC",
    });
    q.push(" LIMIT ").param(limit).push(" OFFSET ").param(offset);
    let rows: Vec<GroupWithCount> = q.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.group, r.package_count)).collect())
}

#[derive(FromRow)]
struct GroupWithCount {
    #[sqlx(flatten)]
    group: GroupRow,
    package_count: i64,
}

/// What changes whenever an organization is created, changed or deleted:
/// how many there are and the latest modification time. Caches built
/// from agencies (the data map's) are kept while it holds.
pub async fn organizations_stamp(conn: &mut dyn Handle) -> Result<(i64, Option<String>), StoreError> {
    Sql::new("SELECT CAST(COUNT(*) AS BIGINT), MAX(modified) FROM catalog_groups WHERE is_organization = 1")
        .fetch_one(conn)
        .await
}

/// Number of datasets of one organization/group visible under `filter`.
pub async fn package_count(conn: &mut dyn Handle, group: &GroupRow, filter: &DatasetFilter) -> Result<i64, StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM packages p WHERE ");
    if group.is_org() {
        q.push("p.owner_org = ").param(group.id.clone());
    } else {
        q.push("p.id IN (SELECT package_id FROM group_packages WHERE group_id = ").param(group.id.clone()).push(")");
    }
    q.push(" AND p.state = 'active' AND ").visible(filter);
    let (n,): (i64,) = q.fetch_one(conn).await?;
    Ok(n)
}

/// Number of datasets (any state but purged) owned by an organization.
pub async fn owned_package_count(conn: &mut dyn Handle, org_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM packages WHERE owner_org = $1 AND state != 'deleted'")
        .bind(org_id)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Names of the active child organizations.
pub async fn children(conn: &mut dyn Handle, org_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        Sql::new("SELECT name FROM catalog_groups WHERE parent_id = $1 AND state = 'active' ORDER BY name")
            .bind(org_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Ids of `org_id` and all its ancestors, nearest first (for cycle checks).
pub async fn ancestors(conn: &mut dyn Handle, org_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String, i64)> = Sql::new(
        "WITH RECURSIVE up(id, parent_id, depth) AS ( \
             SELECT id, parent_id, CAST(0 AS BIGINT) FROM catalog_groups WHERE id = $1 \
             UNION ALL \
             SELECT g.id, g.parent_id, up.depth + 1 FROM catalog_groups g JOIN up ON g.id = up.parent_id \
                 WHERE up.depth < 100) \
         SELECT id, depth FROM up ORDER BY depth",
    )
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Members of a group with their user details.
pub async fn members(conn: &mut dyn Handle, group_id: &str) -> Result<Vec<MemberUser>, StoreError> {
    let rows: Vec<(String, String, Option<String>, String, i64, String)> = Sql::new(
        "SELECT u.id, u.name, u.fullname, m.capacity, u.sysadmin, u.state FROM group_members m \
         JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.name",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, fullname, capacity, sysadmin, state)| MemberUser {
            display_name: fullname.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| name.clone()),
            id,
            name,
            fullname,
            capacity,
            sysadmin: flag(sysadmin),
            state,
        })
        .collect())
}

/// Adds a member or changes their capacity; returns the membership id.
pub async fn upsert_member(
    conn: &mut dyn Handle,
    group_id: &str,
    user_id: &str,
    capacity: &str,
    now: &str,
) -> Result<String, StoreError> {
    let id = crate::new_id();
    Sql::new(
        "INSERT INTO group_members (group_id, user_id, capacity, id, created) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (group_id, user_id) DO UPDATE SET capacity = excluded.capacity",
    )
    .bind(group_id)
    .bind(user_id)
    .bind(capacity)
    .bind(&id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (id,): (String,) = Sql::new("SELECT id FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(id)
}

/// Removes a member; returns whether one was removed.
pub async fn delete_member(conn: &mut dyn Handle, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let r = Sql::new("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(r > 0)
}

/// Removes every member of a group.
pub async fn clear_members(conn: &mut dyn Handle, group_id: &str) -> Result<(), StoreError> {
    Sql::new("DELETE FROM group_members WHERE group_id = $1").bind(group_id).execute(conn).await?;
    Ok(())
}

/// Adds a dataset to a group (theme). Returns false if it was there already.
pub async fn add_package(conn: &mut dyn Handle, group_id: &str, package_id: &str) -> Result<bool, StoreError> {
    let r = Sql::new(
        "INSERT INTO group_packages (group_id, package_id) VALUES ($1, $2) ON CONFLICT (group_id, package_id) DO NOTHING",
    )
    .bind(group_id)
    .bind(package_id)
    .execute(conn).await?;
    Ok(r > 0)
}

/// Removes a dataset from a group. Returns false if it was not there.
pub async fn remove_package(conn: &mut dyn Handle, group_id: &str, package_id: &str) -> Result<bool, StoreError> {
    let r = Sql::new("DELETE FROM group_packages WHERE group_id = $1 AND package_id = $2")
        .bind(group_id)
        .bind(package_id)
        .execute(conn)
        .await?;
    Ok(r > 0)
}

/// Ids of every dataset whose document shows this group or organization.
pub async fn package_ids(conn: &mut dyn Handle, group_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = Sql::new(
        "SELECT id FROM packages WHERE owner_org = $1 \
         UNION SELECT package_id FROM group_packages WHERE group_id = $1",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Maps group ids to rows, for rendering many datasets.
pub async fn by_id(conn: &mut dyn Handle, ids: &[String]) -> Result<HashMap<String, GroupRow>, StoreError> {
    Ok(find_many(conn, ids).await?.into_iter().map(|g| (g.id.clone(), g)).collect())
}

/// Titles of organizations and groups by name: `(name, title, titles by language)`.
pub async fn titles_by_names(
    conn: &mut dyn Handle,
    names: &[String],
) -> Result<Vec<(String, String, BTreeMap<String, String>)>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT name, title, title_translated FROM catalog_groups WHERE name IN ");
    q.in_list(names);
    let rows: Vec<(String, String, String)> = q.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(n, t, tr)| (n, t, json_map(&tr))).collect())
}
