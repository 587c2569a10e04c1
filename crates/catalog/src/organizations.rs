//! Organizations (agencies, with a parent so a province's departments sit
//! under it) and groups (themes): create, update, patch, delete, show,
//! list, members, and the organization activity stream.

use crate::datasets::{readable_row, record_dataset_activity};
use crate::{Catalog, Error, Result, page, require_user};
use kho_core::authz::{Actor, Permission, authorize, dataset_filter};
use kho_core::input::{Fields, GroupInput};
use kho_core::model::{Activity, Group, Member};
use kho_core::vocab::{Capacity, Vocabulary};
use kho_core::{diff, timefmt};
use kho_store::activities::{self, NewActivity};
use kho_store::groups::{self, GroupRow, GroupSort};
use kho_store::packages::{self, json_text};
use kho_store::{Handle, new_id, users};
use serde_json::{Value, json};

fn kind(is_org: bool) -> &'static str {
    if is_org { "organization" } else { "group" }
}

fn not_found(is_org: bool) -> Error {
    Error::not_found(if is_org { "Organization not found" } else { "Group not found" })
}

/// Loads a group the actor may see (deleted ones only for sysadmins).
async fn visible_group(conn: &mut dyn Handle, actor: &Actor, id: &str, is_org: bool) -> Result<GroupRow> {
    match groups::find(conn, id, Some(is_org)).await? {
        Some(g) if g.state == "active" || actor.is_sysadmin() => Ok(g),
        _ => Err(not_found(is_org)),
    }
}

impl Catalog {
    /// `organization_create` / `group_create`. The creator becomes admin.
    pub async fn group_create(&self, actor: &Actor, fields: Fields, is_org: bool) -> Result<Group> {
        require_user(actor, if is_org { "organization_create" } else { "group_create" })?;
        authorize(actor, if is_org { Permission::CreateOrganization } else { Permission::CreateGroup })?;
        let input = GroupInput::parse(fields, is_org)?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        if groups::find(&mut tx, &input.name, None).await?.is_some() {
            return Err(Error::field("name", "Group name already exists in database"));
        }
        let id = match &input.id {
            Some(id) if groups::find(&mut tx, id, None).await?.is_some() => {
                return Err(Error::field("id", "An organization or group with this id already exists"));
            }
            Some(id) => id.clone(),
            None => new_id(),
        };
        let parent = match &input.parent {
            Some(p) => Some(
                groups::find(&mut tx, p, Some(true))
                    .await?
                    .filter(|g| g.state == "active")
                    .ok_or_else(|| Error::field("parent", format!("Parent organization {p} does not exist")))?,
            ),
            None => None,
        };
        let row = to_row(&input, &id, is_org, parent.as_ref().map(|p| p.id.clone()), "active", &now, &now);
        groups::upsert(&mut tx, &row).await?;
        if let Some(uid) = actor.user_id() {
            groups::upsert_member(&mut tx, &id, uid, Capacity::Admin.code(), &now).await?;
        }
        if let Some(users_in) = &input.users {
            set_users(&mut tx, &id, users_in, &now).await?;
        }
        let group = render(&mut tx, actor, &row, true).await?;
        record_group_activity(&mut tx, actor, &format!("new {}", kind(is_org)), &group, None, &now).await?;
        self.commit(tx).await?;
        tracing::info!(name = %row.name, kind = kind(is_org), "created");
        Ok(group)
    }

    /// `organization_update` / `group_update`: replaces the fields; members
    /// are replaced only if `users` is given.
    pub async fn group_update(&self, actor: &Actor, mut fields: Fields, is_org: bool) -> Result<Group> {
        require_user(actor, if is_org { "organization_update" } else { "group_update" })?;
        let id = fields
            .text("id", 200)
            .or_else(|| fields.map().get("name").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| Error::field("id", "Missing value"))?;
        let mut map = fields.map().clone();
        map.remove("id");
        let mut tx = self.store().write().await?;
        let current = visible_group(&mut tx, actor, &id, is_org).await?;
        map.entry("name").or_insert_with(|| Value::String(current.name.clone()));
        self.update_group_in_tx(tx, actor, current, map, is_org).await
    }

    /// `organization_patch` / `group_patch`: changes only the given keys.
    pub async fn group_patch(&self, actor: &Actor, mut fields: Fields, is_org: bool) -> Result<Group> {
        require_user(actor, if is_org { "organization_patch" } else { "group_patch" })?;
        let id = fields.text("id", 200).ok_or_else(|| Error::field("id", "Missing value"))?;
        let mut tx = self.store().write().await?;
        let current = visible_group(&mut tx, actor, &id, is_org).await?;
        let base = current.to_group(0, None);
        let Value::Object(mut map) = serde_json::to_value(&base).map_err(Error::internal)? else {
            return Err(Error::internal("group is not an object"));
        };
        if let Some(p) = &current.parent_id {
            map.insert("parent".into(), Value::String(p.clone()));
        }
        map.remove("users");
        for (k, v) in fields.map() {
            map.insert(k.clone(), v.clone());
        }
        map.remove("id");
        self.update_group_in_tx(tx, actor, current, map, is_org).await
    }

    async fn update_group_in_tx(
        &self,
        mut tx: kho_store::Tx,
        actor: &Actor,
        current: GroupRow,
        map: serde_json::Map<String, Value>,
        is_org: bool,
    ) -> Result<Group> {
        let perm = if is_org {
            Permission::UpdateOrganization { id: &current.id }
        } else {
            Permission::UpdateGroup { id: &current.id }
        };
        authorize(actor, perm)?;
        let input = GroupInput::parse(Fields::new(map), is_org)?;
        let now = timefmt::now();
        if input.name != current.name && groups::find(&mut tx, &input.name, None).await?.is_some() {
            return Err(Error::field("name", "Group name already exists in database"));
        }
        let parent_id = match &input.parent {
            Some(p) => {
                let parent = groups::find(&mut tx, p, Some(true))
                    .await?
                    .filter(|g| g.state == "active")
                    .ok_or_else(|| Error::field("parent", format!("Parent organization {p} does not exist")))?;
                if groups::ancestors(&mut tx, &parent.id).await?.contains(&current.id) {
                    return Err(Error::field("parent", "An organization cannot be its own ancestor"));
                }
                Some(parent.id)
            }
            None => None,
        };
        if parent_id != current.parent_id {
            // Moving an agency in the hierarchy changes who inherits rights over it.
            authorize(actor, Permission::CreateOrganization)
                .map_err(|_| Error::forbidden("Only sysadmins may move an organization in the hierarchy"))?;
        }
        let old = serde_json::to_value(render(&mut tx, actor, &current, true).await?).map_err(Error::internal)?;
        let row = to_row(&input, &current.id, is_org, parent_id, &current.state, &current.created, &now);
        groups::upsert(&mut tx, &row).await?;
        if let Some(users_in) = &input.users {
            authorize(actor, Permission::ManageOrganizationMembers { id: &current.id })?;
            groups::clear_members(&mut tx, &current.id).await?;
            set_users(&mut tx, &current.id, users_in, &now).await?;
        }
        for pid in groups::package_ids(&mut tx, &current.id).await? {
            packages::refresh_doc(&mut tx, &pid, self.site_url()).await?;
        }
        let group = render(&mut tx, actor, &row, true).await?;
        record_group_activity(&mut tx, actor, &format!("changed {}", kind(is_org)), &group, Some(&old), &now).await?;
        self.commit(tx).await?;
        Ok(group)
    }

    /// `organization_delete` / `group_delete`. An organization that still
    /// owns datasets or sub-organizations cannot be deleted (as in CKAN).
    pub async fn group_delete(&self, actor: &Actor, id: &str, is_org: bool) -> Result<()> {
        require_user(actor, if is_org { "organization_delete" } else { "group_delete" })?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let current = visible_group(&mut tx, actor, id, is_org).await?;
        if current.state == "deleted" {
            return Err(not_found(is_org));
        }
        authorize(
            actor,
            if is_org {
                Permission::DeleteOrganization { id: &current.id }
            } else {
                Permission::DeleteGroup { id: &current.id }
            },
        )?;
        if is_org {
            if groups::owned_package_count(&mut tx, &current.id).await? > 0 {
                return Err(Error::invalid("Organization cannot be deleted while it still has datasets"));
            }
            if !groups::children(&mut tx, &current.id).await?.is_empty() {
                return Err(Error::invalid("Organization cannot be deleted while it still has sub-organizations"));
            }
        }
        let old = serde_json::to_value(render(&mut tx, actor, &current, false).await?).map_err(Error::internal)?;
        let mut row = current.clone();
        row.state = "deleted".into();
        row.modified = now.clone();
        groups::upsert(&mut tx, &row).await?;
        for pid in groups::package_ids(&mut tx, &current.id).await? {
            if !is_org {
                groups::remove_package(&mut tx, &current.id, &pid).await?;
            }
            packages::refresh_doc(&mut tx, &pid, self.site_url()).await?;
        }
        let group = render(&mut tx, actor, &row, false).await?;
        record_group_activity(&mut tx, actor, &format!("deleted {}", kind(is_org)), &group, Some(&old), &now).await?;
        self.commit(tx).await
    }

    /// `organization_show` / `group_show`.
    pub async fn group_show(
        &self,
        actor: &Actor,
        id: &str,
        is_org: bool,
        include_datasets: bool,
        include_users: bool,
    ) -> Result<Group> {
        let mut conn = self.store().conn().await?;
        let row = visible_group(&mut conn, actor, id, is_org).await?;
        let mut group = render(&mut conn, actor, &row, include_users).await?;
        if include_datasets {
            let docs = packages::docs_in_group(&mut conn, &row, &dataset_filter(actor), 1000).await?;
            group.packages = Some(docs.iter().filter_map(|d| serde_json::from_str(d).ok()).collect());
        }
        Ok(group)
    }

    /// `organization_list` / `group_list`: names, or whole records with
    /// `all_fields`. Dataset counts include only what the actor may see.
    #[allow(clippy::too_many_arguments)]
    pub async fn group_list(
        &self,
        actor: &Actor,
        is_org: bool,
        all_fields: bool,
        sort: Option<&str>,
        query: Option<&str>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Vec<Value>> {
        let sort = match sort {
            None => GroupSort::NameAsc,
            Some(s) => GroupSort::parse(s).ok_or_else(|| {
                Error::field("sort", "Sort must be name, title or package_count, optionally followed by asc or desc")
            })?,
        };
        let (limit, offset) = page(limit, offset, 1000, 100_000)?;
        let mut conn = self.store().conn().await?;
        // Names alone need no counts, unless they are sorted by them.
        let counted = all_fields || matches!(sort, GroupSort::PackageCountAsc | GroupSort::PackageCountDesc);
        let filter = dataset_filter(actor);
        let rows =
            groups::list_with_counts(&mut conn, is_org, counted.then_some(&filter), query, sort, limit, offset).await?;
        Ok(rows
            .into_iter()
            .map(|(g, count)| {
                if all_fields {
                    serde_json::to_value(g.to_group(count, None)).unwrap_or(Value::Null)
                } else {
                    Value::String(g.name)
                }
            })
            .collect())
    }

    /// Active organizations or groups sorted by title, without dataset
    /// counts (`package_count` is 0): for callers that count in the search
    /// index instead.
    pub async fn group_list_uncounted(&self, is_org: bool, limit: i64) -> Result<Vec<kho_core::model::Group>> {
        let mut conn = self.store().conn().await?;
        let rows =
            groups::list_with_counts(&mut conn, is_org, None, None, GroupSort::TitleAsc, limit.clamp(0, 100_000), 0)
                .await?;
        Ok(rows.into_iter().map(|(g, _)| g.to_group(0, None)).collect())
    }

    /// `organization_list_for_user`: organizations where `user` (default:
    /// the actor) holds at least the role `permission` needs (`read`,
    /// `create_dataset`, `update_dataset`, `delete_dataset`, `manage_group`).
    pub async fn organization_list_for_user(
        &self,
        actor: &Actor,
        user: Option<&str>,
        permission: Option<&str>,
    ) -> Result<Vec<Value>> {
        let needed = match permission.unwrap_or("manage_group") {
            "read" => Capacity::Member,
            "create_dataset" | "update_dataset" | "delete_dataset" | "package_create" | "package_update" => {
                Capacity::Editor
            }
            "manage_group" | "admin" => Capacity::Admin,
            other => {
                return Err(Error::field(
                    "permission",
                    format!(
                        "Unknown permission \"{other}\"; use read, create_dataset, update_dataset, delete_dataset or manage_group"
                    ),
                ));
            }
        };
        let mut conn = self.store().conn().await?;
        let who = match user {
            Some(u) => {
                let row = users::find(&mut conn, u)
                    .await?
                    .filter(|r| r.state != "deleted")
                    .ok_or_else(|| Error::not_found(format!("User {u}")))?;
                users::actor_for_user(&mut conn, &row).await?
            }
            None => actor.clone(),
        };
        if who.user.is_none() {
            return Ok(vec![]);
        }
        let filter = dataset_filter(actor);
        let rows: Vec<(GroupRow, Capacity)> = if who.is_sysadmin() {
            groups::list_with_counts(&mut conn, true, Some(&filter), None, GroupSort::NameAsc, 100_000, 0)
                .await?
                .into_iter()
                .map(|(g, _)| (g, Capacity::Admin))
                .collect()
        } else {
            let ids: Vec<String> =
                who.memberships.iter().filter(|(_, c)| **c >= needed).map(|(g, _)| g.clone()).collect();
            groups::find_many(&mut conn, &ids)
                .await?
                .into_iter()
                .filter(|g| g.is_org() && g.state == "active")
                .filter_map(|g| who.role_in(&g.id).map(|c| (g, c)))
                .collect()
        };
        let mut out = Vec::new();
        for (g, cap) in rows {
            let count = groups::package_count(&mut conn, &g, &filter).await?;
            let mut v = serde_json::to_value(g.to_group(count, None)).map_err(Error::internal)?;
            v["capacity"] = Value::String(cap.code().into());
            out.push(v);
        }
        Ok(out)
    }

    /// `member_create`: adds a user (with a capacity) to an organization or
    /// group, or a dataset to a group.
    pub async fn member_create(
        &self,
        actor: &Actor,
        group: &str,
        object: &str,
        object_type: &str,
        capacity: &str,
    ) -> Result<Member> {
        require_user(actor, "member_create")?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let g = groups::find(&mut tx, group, None)
            .await?
            .filter(|g| g.state == "active")
            .ok_or_else(|| Error::not_found("Group or organization not found"))?;
        let member = match object_type {
            "user" => {
                let perm = if g.is_org() {
                    Permission::ManageOrganizationMembers { id: &g.id }
                } else {
                    Permission::ManageGroupMembers { id: &g.id }
                };
                authorize(actor, perm)?;
                let cap = Capacity::parse(capacity)
                    .ok_or_else(|| Error::field("capacity", "Capacity must be one of admin, editor, member"))?;
                let u = users::find(&mut tx, object)
                    .await?
                    .filter(|u| u.state != "deleted")
                    .ok_or_else(|| Error::not_found(format!("User {object}")))?;
                let id = groups::upsert_member(&mut tx, &g.id, &u.id, cap.code(), &now).await?;
                let data = json!({"group": {"id": g.id, "name": g.name}, "user": u.name, "capacity": cap.code()});
                insert_activity(&mut tx, actor, &g, "changed member", data, &now).await?;
                Member {
                    id,
                    table_name: "user".into(),
                    table_id: u.id,
                    capacity: cap.code().into(),
                    group_id: g.id.clone(),
                    state: "active".into(),
                }
            }
            "package" => {
                if g.is_org() {
                    return Err(Error::field(
                        "object_type",
                        "A dataset belongs to an organization through its owner_org; use package_patch",
                    ));
                }
                authorize(actor, Permission::ManageGroupDatasets { id: &g.id })?;
                let p = readable_row(&mut tx, actor, object).await?;
                let (_, old_doc) =
                    packages::show(&mut tx, &p.id).await?.ok_or_else(|| Error::not_found("Dataset not found"))?;
                groups::add_package(&mut tx, &g.id, &p.id).await?;
                let pkg = packages::refresh_doc(&mut tx, &p.id, self.site_url())
                    .await?
                    .ok_or_else(|| Error::not_found("Dataset not found"))?;
                let old: Value = serde_json::from_str(&old_doc).unwrap_or(Value::Null);
                record_dataset_activity(&mut tx, actor, "changed package", &pkg, Some(&old), &now).await?;
                Member {
                    id: format!("{}:{}", g.id, p.id),
                    table_name: "package".into(),
                    table_id: p.id,
                    capacity: if capacity.is_empty() { "public".into() } else { capacity.to_string() },
                    group_id: g.id.clone(),
                    state: "active".into(),
                }
            }
            other => {
                return Err(Error::field(
                    "object_type",
                    format!("Unknown object type \"{other}\"; use user or package"),
                ));
            }
        };
        self.commit(tx).await?;
        Ok(member)
    }

    /// `member_delete`: removes a user or a dataset from a group/organization.
    pub async fn member_delete(&self, actor: &Actor, group: &str, object: &str, object_type: &str) -> Result<()> {
        require_user(actor, "member_delete")?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let g = groups::find(&mut tx, group, None)
            .await?
            .filter(|g| g.state == "active")
            .ok_or_else(|| Error::not_found("Group or organization not found"))?;
        match object_type {
            "user" => {
                let perm = if g.is_org() {
                    Permission::ManageOrganizationMembers { id: &g.id }
                } else {
                    Permission::ManageGroupMembers { id: &g.id }
                };
                authorize(actor, perm)?;
                let u =
                    users::find(&mut tx, object).await?.ok_or_else(|| Error::not_found(format!("User {object}")))?;
                if !groups::delete_member(&mut tx, &g.id, &u.id).await? {
                    return Err(Error::not_found(format!("User {object} is not a member")));
                }
                let data = json!({"group": {"id": g.id, "name": g.name}, "user": u.name, "capacity": null});
                insert_activity(&mut tx, actor, &g, "changed member", data, &now).await?;
            }
            "package" => {
                authorize(actor, Permission::ManageGroupDatasets { id: &g.id })?;
                let p = readable_row(&mut tx, actor, object).await?;
                let (_, old_doc) =
                    packages::show(&mut tx, &p.id).await?.ok_or_else(|| Error::not_found("Dataset not found"))?;
                if !groups::remove_package(&mut tx, &g.id, &p.id).await? {
                    return Err(Error::not_found("The dataset is not in this group"));
                }
                let pkg = packages::refresh_doc(&mut tx, &p.id, self.site_url())
                    .await?
                    .ok_or_else(|| Error::not_found("Dataset not found"))?;
                let old: Value = serde_json::from_str(&old_doc).unwrap_or(Value::Null);
                record_dataset_activity(&mut tx, actor, "changed package", &pkg, Some(&old), &now).await?;
            }
            other => {
                return Err(Error::field(
                    "object_type",
                    format!("Unknown object type \"{other}\"; use user or package"),
                ));
            }
        }
        self.commit(tx).await
    }

    /// `organization_activity_list` / `group_activity_list`.
    pub async fn group_activity_list(
        &self,
        actor: &Actor,
        id: &str,
        is_org: bool,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Vec<Activity>> {
        let (limit, offset) = page(limit, offset, 31, 1000)?;
        let mut conn = self.store().conn().await?;
        let g = visible_group(&mut conn, actor, id, is_org).await?;
        Ok(activities::for_group(&mut conn, &g.id, &dataset_filter(actor), limit, offset).await?)
    }
}

async fn set_users(conn: &mut dyn Handle, group_id: &str, list: &[(String, Capacity)], now: &str) -> Result<()> {
    for (who, cap) in list {
        let u = users::find(conn, who)
            .await?
            .filter(|u| u.state != "deleted")
            .ok_or_else(|| Error::field("users", format!("User {who} does not exist")))?;
        groups::upsert_member(conn, group_id, &u.id, cap.code(), now).await?;
    }
    Ok(())
}

async fn render(conn: &mut dyn Handle, actor: &Actor, row: &GroupRow, include_users: bool) -> Result<Group> {
    let count = groups::package_count(conn, row, &dataset_filter(actor)).await?;
    let parent = match &row.parent_id {
        Some(p) => groups::find(conn, p, Some(true)).await?,
        None => None,
    };
    let mut g = row.to_group(count, parent.as_ref());
    if include_users {
        g.users = Some(groups::members(conn, &row.id).await?);
    }
    if row.is_org() {
        g.children = Some(groups::children(conn, &row.id).await?);
    }
    Ok(g)
}

async fn record_group_activity(
    conn: &mut dyn Handle,
    actor: &Actor,
    activity_type: &str,
    group: &Group,
    old: Option<&Value>,
    now: &str,
) -> Result<()> {
    let mut value = serde_json::to_value(group).map_err(Error::internal)?;
    if let Value::Object(m) = &mut value {
        // Counts depend on who asks; keep them out of the record and the diff.
        m.remove("package_count");
    }
    let mut data = json!({ "group": value });
    if let Some(old) = old {
        let mut old = old.clone();
        if let Value::Object(m) = &mut old {
            m.remove("package_count");
        }
        data["diff"] = Value::Array(diff::diff(&old, &data["group"]));
    }
    activities::insert(
        conn,
        &NewActivity {
            id: new_id(),
            timestamp: now,
            user_id: actor.user_id(),
            object_id: &group.id,
            object_type: if group.is_organization { "organization" } else { "group" },
            activity_type,
            group_id: Some(&group.id),
            data,
        },
    )
    .await?;
    Ok(())
}

async fn insert_activity(
    conn: &mut dyn Handle,
    actor: &Actor,
    g: &GroupRow,
    activity_type: &str,
    data: Value,
    now: &str,
) -> Result<()> {
    activities::insert(
        conn,
        &NewActivity {
            id: new_id(),
            timestamp: now,
            user_id: actor.user_id(),
            object_id: &g.id,
            object_type: if g.is_org() { "organization" } else { "group" },
            activity_type,
            group_id: Some(&g.id),
            data,
        },
    )
    .await?;
    Ok(())
}

fn to_row(
    input: &GroupInput,
    id: &str,
    is_org: bool,
    parent_id: Option<String>,
    state: &str,
    created: &str,
    now: &str,
) -> GroupRow {
    let extras: Vec<Value> = input.extras.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    GroupRow {
        id: id.to_string(),
        name: input.name.clone(),
        title: input.title.clone(),
        description: input.description.clone().unwrap_or_default(),
        image_url: input.image_url.clone().unwrap_or_default(),
        is_organization: is_org as i64,
        agency_kind: input.agency_kind.map(|k| k.code().to_string()),
        agency_code: input.agency_code.clone(),
        parent_id,
        state: state.to_string(),
        extras: serde_json::to_string(&extras).unwrap_or_else(|_| "[]".into()),
        title_translated: json_text(&input.title_translated),
        description_translated: json_text(&input.description_translated),
        created: created.to_string(),
        modified: now.to_string(),
    }
}
