//! Dataset actions: `package_show`, `package_create`, `package_update`,
//! `package_patch`, `package_delete`, `dataset_purge`, listings and the
//! dataset activity stream.

use crate::resources::apply_resources;
use crate::{Catalog, Error, Result, page, require_user};
use kho_core::authz::{Actor, Permission, authorize, dataset_filter};
use kho_core::input::{Fields, PackageInput};
use kho_core::model::{Activity, DatasetAccess, Package};
use kho_core::vocab::{DatasetState, Vocabulary};
use kho_core::{ValidationErrors, diff, timefmt};
use kho_store::activities::{self, NewActivity};
use kho_store::groups::{self, GroupRow};
use kho_store::packages::{self, PackageRow, json_text};
use kho_store::{Handle, new_id};
use serde_json::{Value, json};

/// "Not found" for datasets the caller may not see as well as for those that
/// do not exist: a private dataset's name is not confirmed to outsiders.
pub(crate) fn dataset_not_found() -> Error {
    Error::not_found("Dataset not found")
}

/// Loads a dataset the actor may read, or fails with "Not found".
pub(crate) async fn readable_row(conn: &mut dyn Handle, actor: &Actor, id: &str) -> Result<PackageRow> {
    let row = packages::find(conn, id).await?.ok_or_else(dataset_not_found)?;
    authorize(actor, Permission::ReadDataset(&row.access())).map_err(|_| dataset_not_found())?;
    Ok(row)
}

/// Resolves an organization id or name to an active organization.
pub(crate) async fn active_org(conn: &mut dyn Handle, id: &str, field: &str) -> Result<GroupRow> {
    match groups::find(conn, id, Some(true)).await? {
        Some(g) if g.state == "active" => Ok(g),
        _ => Err(Error::field(field, "Organization does not exist")),
    }
}

/// Records an activity about a dataset.
pub(crate) async fn record_dataset_activity(
    conn: &mut dyn Handle,
    actor: &Actor,
    activity_type: &str,
    pkg: &Package,
    old: Option<&Value>,
    now: &str,
) -> Result<()> {
    let new_value = serde_json::to_value(pkg).map_err(Error::internal)?;
    let mut data = json!({ "package": new_value });
    if let Some(old) = old {
        data["diff"] = Value::Array(diff::diff(old, &data["package"]));
    }
    activities::insert(
        conn,
        &NewActivity {
            id: new_id(),
            timestamp: now,
            user_id: actor.user_id(),
            object_id: &pkg.id,
            object_type: "package",
            activity_type,
            group_id: pkg.owner_org.as_deref(),
            data,
        },
    )
    .await?;
    Ok(())
}

/// Whether a write starts the background work it would (loading and
/// validating its resources' tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// As for every client: tables are loaded and validated.
    Queue,
    /// Metadata only: synthetic catalogs, whose links lead nowhere, and
    /// harvests (whose sources serve their tables) unless a source asks.
    Skip,
}

impl Catalog {
    /// `package_show` as stored JSON text: the hot path, one indexed row.
    pub async fn package_show_raw(&self, actor: &Actor, id: &str) -> Result<String> {
        let mut conn = self.store().conn().await?;
        let (access, doc) = packages::show(&mut conn, id).await?.ok_or_else(dataset_not_found)?;
        authorize(actor, Permission::ReadDataset(&access)).map_err(|_| dataset_not_found())?;
        Ok(doc)
    }

    /// `package_show` as a value.
    pub async fn package_show(&self, actor: &Actor, id: &str) -> Result<Package> {
        let raw = self.package_show_raw(actor, id).await?;
        serde_json::from_str(&raw).map_err(|e| Error::internal(format!("stored document of {id} is corrupt: {e}")))
    }

    /// The access fields of a dataset the actor may read.
    pub async fn dataset_access(&self, actor: &Actor, id: &str) -> Result<DatasetAccess> {
        let mut conn = self.store().conn().await?;
        Ok(readable_row(&mut conn, actor, id).await?.access())
    }

    /// `package_create`.
    pub async fn package_create(&self, actor: &Actor, fields: Fields) -> Result<Package> {
        self.package_create_with(actor, fields, Background::Queue).await
    }

    /// `package_create`, saying whether the new resources' tables are
    /// loaded and validated in the background.
    pub async fn package_create_with(&self, actor: &Actor, fields: Fields, background: Background) -> Result<Package> {
        require_user(actor, "package_create")?;
        let input = PackageInput::parse(fields)?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let (pkg, queued) = self.create_in_tx(&mut tx, actor, input, background, &now).await?;
        self.commit(tx).await?;
        if queued {
            self.wake_jobs();
        }
        tracing::info!(dataset = %pkg.name, id = %pkg.id, "created dataset");
        Ok(pkg)
    }

    /// Creates a dataset inside `tx` (the caller commits, and wakes the
    /// workers if a job was queued: the returned flag).
    pub(crate) async fn create_in_tx(
        &self,
        tx: &mut dyn Handle,
        actor: &Actor,
        input: PackageInput,
        background: Background,
        now: &str,
    ) -> Result<(Package, bool)> {
        let org = active_org(tx, &input.owner_org, "owner_org").await?;
        authorize(actor, Permission::CreateDataset { org_id: &org.id })?;

        let mut errors = ValidationErrors::default();
        let id = match &input.id {
            Some(id) => {
                authorize(actor, Permission::Sysadmin)
                    .map_err(|_| Error::field("id", "Only sysadmins may choose a dataset id"))?;
                if packages::find(tx, id).await?.is_some() {
                    errors.add("id", "Dataset id already exists");
                }
                id.clone()
            }
            None => new_id(),
        };
        claim_name(tx, &input.name, None, &mut errors).await?;
        let group_ids = resolve_groups(tx, input.groups.as_deref().unwrap_or(&[]), &mut errors).await?;
        errors.into_result()?;

        let row = to_row(&input, &id, &org.id, actor.user_id().map(str::to_string), now, now);
        packages::upsert(tx, &row).await?;
        packages::set_tags(tx, &id, input.tags.as_deref().unwrap_or(&[])).await?;
        packages::set_extras(tx, &id, input.extras.as_deref().unwrap_or(&[])).await?;
        packages::set_groups(tx, &id, &group_ids).await?;
        let mut queued = false;
        let written = apply_resources(tx, &id, input.resources.as_deref().unwrap_or(&[]), now, self.site_url()).await?;
        if background == Background::Queue {
            for (old, new) in written {
                queued |= self.queue_after_resource_write(tx, old.as_ref(), &new).await?;
            }
        }
        let pkg = packages::refresh_doc(tx, &id, self.site_url())
            .await?
            .ok_or_else(|| Error::internal("dataset vanished during create"))?;
        record_dataset_activity(tx, actor, "new package", &pkg, None, now).await?;
        Ok((pkg, queued))
    }

    /// `package_update`: replaces the dataset's metadata. As in CKAN, lists
    /// that are absent (`resources`, `tags`, `groups`, `extras`) are kept,
    /// and an absent `owner_org` or `name` keeps the current one.
    pub async fn package_update(&self, actor: &Actor, fields: Fields) -> Result<Package> {
        require_user(actor, "package_update")?;
        let mut fields = fields;
        let id = fields
            .text("id", 200)
            .or_else(|| fields.map().get("name").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| Error::field("id", "Missing value"))?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let current = readable_row(&mut tx, actor, &id).await?;
        authorize(actor, Permission::UpdateDataset(&current.access()))?;
        let mut map = fields_into_map(fields);
        map.entry("name").or_insert_with(|| Value::String(current.name.clone()));
        if let Some(org) = &current.owner_org {
            map.entry("owner_org").or_insert_with(|| Value::String(org.clone()));
        }
        // Unlike CKAN, an absent `private` or `data_sharing` keeps the current
        // value: a partial update must never publish private-use data.
        map.entry("private").or_insert(Value::Bool(current.private != 0));
        map.entry("data_sharing").or_insert_with(|| Value::String(current.data_sharing.clone()));
        map.remove("id");
        let input = PackageInput::parse(Fields::new(map))?;
        let (pkg, queued) = self.update_in_tx(&mut tx, actor, current, input, Background::Queue, &now).await?;
        self.commit(tx).await?;
        if queued {
            self.wake_jobs();
        }
        tracing::info!(dataset = %pkg.name, "updated dataset");
        Ok(pkg)
    }

    /// `package_patch`: changes only the given keys.
    pub async fn package_patch(&self, actor: &Actor, mut fields: Fields) -> Result<Package> {
        require_user(actor, "package_patch")?;
        let id = fields.text("id", 200).ok_or_else(|| Error::field("id", "Missing value"))?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let current = readable_row(&mut tx, actor, &id).await?;
        authorize(actor, Permission::UpdateDataset(&current.access()))?;
        let (_, doc) = packages::show(&mut tx, &current.id).await?.ok_or_else(dataset_not_found)?;
        let Value::Object(mut merged) = serde_json::from_str::<Value>(&doc).map_err(Error::internal)? else {
            return Err(Error::internal("stored document is not an object"));
        };
        for (k, v) in fields_into_map(fields) {
            if k != "id" {
                merged.insert(k, v);
            }
        }
        merged.remove("id");
        let input = PackageInput::parse(Fields::new(merged))?;
        let (pkg, queued) = self.update_in_tx(&mut tx, actor, current, input, Background::Queue, &now).await?;
        self.commit(tx).await?;
        if queued {
            self.wake_jobs();
        }
        tracing::info!(dataset = %pkg.name, "updated dataset");
        Ok(pkg)
    }

    /// Writes an update; returns the dataset and whether a job was queued.
    pub(crate) async fn update_in_tx(
        &self,
        tx: &mut dyn Handle,
        actor: &Actor,
        current: PackageRow,
        input: PackageInput,
        background: Background,
        now: &str,
    ) -> Result<(Package, bool)> {
        let mut errors = ValidationErrors::default();
        let org = active_org(tx, &input.owner_org, "owner_org").await?;
        if current.owner_org.as_deref() != Some(org.id.as_str()) {
            authorize(actor, Permission::CreateDataset { org_id: &org.id })?;
        }
        if input.name != current.name {
            claim_name(tx, &input.name, Some(&current.id), &mut errors).await?;
        }
        let group_ids = match &input.groups {
            Some(g) => Some(resolve_groups(tx, g, &mut errors).await?),
            None => None,
        };
        errors.into_result()?;

        let (_, old_doc) = packages::show(tx, &current.id).await?.ok_or_else(dataset_not_found)?;
        let old: Value = serde_json::from_str(&old_doc).unwrap_or(Value::Null);
        let mut row =
            to_row(&input, &current.id, &org.id, current.creator_user_id.clone(), &current.metadata_created, now);
        // An absent state keeps the current one, as in CKAN's update schema.
        if input.state.is_none() {
            row.state = current.state.clone();
        }
        packages::upsert(tx, &row).await?;
        if let Some(tags) = &input.tags {
            packages::set_tags(tx, &current.id, tags).await?;
        }
        if let Some(extras) = &input.extras {
            packages::set_extras(tx, &current.id, extras).await?;
        }
        if let Some(g) = &group_ids {
            packages::set_groups(tx, &current.id, g).await?;
        }
        let mut queued = false;
        if let Some(res) = &input.resources {
            for (old, new) in apply_resources(tx, &current.id, res, now, self.site_url()).await? {
                if background == Background::Queue {
                    queued |= self.queue_after_resource_write(tx, old.as_ref(), &new).await?;
                }
            }
        }
        let pkg = packages::refresh_doc(tx, &current.id, self.site_url())
            .await?
            .ok_or_else(|| Error::internal("dataset vanished during update"))?;
        record_dataset_activity(tx, actor, "changed package", &pkg, Some(&old), now).await?;
        Ok((pkg, queued))
    }

    /// `package_delete`: marks the dataset deleted. Only sysadmins see it
    /// afterwards; its name stays reserved until a new dataset claims it.
    pub async fn package_delete(&self, actor: &Actor, id: &str) -> Result<()> {
        require_user(actor, "package_delete")?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        self.delete_in_tx(&mut tx, actor, id, &now).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Marks a dataset deleted inside `tx` (the caller commits).
    pub(crate) async fn delete_in_tx(&self, tx: &mut dyn Handle, actor: &Actor, id: &str, now: &str) -> Result<()> {
        let current = readable_row(tx, actor, id).await?;
        authorize(actor, Permission::DeleteDataset(&current.access()))?;
        let (_, old_doc) = packages::show(tx, &current.id).await?.ok_or_else(dataset_not_found)?;
        let old: Value = serde_json::from_str(&old_doc).unwrap_or(Value::Null);
        packages::set_state(tx, &current.id, DatasetState::Deleted, now).await?;
        let pkg = packages::refresh_doc(tx, &current.id, self.site_url()).await?.ok_or_else(dataset_not_found)?;
        record_dataset_activity(tx, actor, "deleted package", &pkg, Some(&old), now).await?;
        tracing::info!(dataset = %current.name, "deleted dataset");
        Ok(())
    }

    /// `dataset_purge`: removes a dataset for good (sysadmins only). Uploaded
    /// files no other resource uses are removed after the commit.
    pub async fn dataset_purge(&self, actor: &Actor, id: &str) -> Result<()> {
        authorize(actor, Permission::PurgeDataset)?;
        let mut tx = self.store().write().await?;
        let row = packages::find(&mut tx, id).await?.ok_or_else(dataset_not_found)?;
        let blobs: Vec<String> =
            packages::resources(&mut tx, &row.id, true).await?.into_iter().filter_map(|r| r.blob_sha256).collect();
        packages::purge(&mut tx, &row.id).await?;
        activities::insert(
            &mut tx,
            &NewActivity {
                id: new_id(),
                timestamp: &timefmt::now(),
                user_id: actor.user_id(),
                object_id: &row.id,
                object_type: "package",
                activity_type: "purged package",
                group_id: row.owner_org.as_deref(),
                data: json!({"package": {"id": row.id, "name": row.name}}),
            },
        )
        .await?;
        self.commit(tx).await?;
        self.collect_blobs(&blobs).await;
        tracing::info!(dataset = %row.name, "purged dataset");
        Ok(())
    }

    /// Removes stored files that no resource refers to any more.
    pub(crate) async fn collect_blobs(&self, blobs: &[String]) {
        for sha in blobs {
            let in_use = match self.store().conn().await {
                Ok(mut conn) => packages::blob_in_use(&mut conn, sha).await.unwrap_or(true),
                Err(_) => true,
            };
            if !in_use && let Err(e) = self.files().remove(sha).await {
                tracing::warn!(sha256 = %sha, error = %e, "could not remove unused file");
            }
        }
    }

    /// `package_list`: names of active public datasets.
    pub async fn package_list(&self, limit: Option<i64>, offset: Option<i64>) -> Result<Vec<String>> {
        let (limit, offset) = page(limit, offset, 1_000_000, 1_000_000)?;
        let mut conn = self.store().conn().await?;
        Ok(packages::list_names(&mut conn, limit, offset).await?)
    }

    /// Names and modification times of public datasets (what anyone may
    /// see), by name: the sitemap's entries.
    pub async fn public_dataset_index(&self, limit: i64, offset: i64) -> Result<Vec<(String, String)>> {
        let mut conn = self.store().conn().await?;
        Ok(packages::list_public_modified(&mut conn, limit, offset).await?)
    }

    /// `current_package_list_with_resources`: newest visible datasets, whole.
    pub async fn current_package_list_with_resources(
        &self,
        actor: &Actor,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Vec<String>> {
        let (limit, offset) = page(limit, offset, 10, 1000)?;
        let mut conn = self.store().conn().await?;
        Ok(packages::recent_docs(&mut conn, &dataset_filter(actor), limit, offset).await?)
    }

    /// `package_activity_list`.
    pub async fn package_activity_list(
        &self,
        actor: &Actor,
        id: &str,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Vec<Activity>> {
        let (limit, offset) = page(limit, offset, 31, 1000)?;
        let mut conn = self.store().conn().await?;
        let row = readable_row(&mut conn, actor, id).await?;
        Ok(activities::for_object(&mut conn, &row.id, limit, offset).await?)
    }

    /// `tag_list`: tags of datasets the actor may see.
    pub async fn tag_list(
        &self,
        actor: &Actor,
        query: Option<&str>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Vec<(String, String)>> {
        let (limit, offset) = page(limit, offset, 1000, 100_000)?;
        let mut conn = self.store().conn().await?;
        Ok(packages::tag_names(&mut conn, &dataset_filter(actor), query, limit, offset).await?)
    }
}

fn fields_into_map(fields: Fields) -> serde_json::Map<String, Value> {
    fields.map().clone()
}

/// Checks a name is free for dataset `own_id`; frees it if a deleted dataset holds it.
async fn claim_name(
    conn: &mut dyn Handle,
    name: &str,
    own_id: Option<&str>,
    errors: &mut ValidationErrors,
) -> Result<()> {
    if let Some((holder, state)) = packages::name_holder(conn, name).await?
        && Some(holder.as_str()) != own_id
    {
        if state == "deleted" {
            packages::free_name(conn, &holder).await?;
        } else {
            errors.add("name", "That URL is already in use.");
        }
    }
    Ok(())
}

async fn resolve_groups(conn: &mut dyn Handle, refs: &[String], errors: &mut ValidationErrors) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for r in refs {
        match groups::find(conn, r, Some(false)).await? {
            Some(g) if g.state == "active" => {
                if !ids.contains(&g.id) {
                    ids.push(g.id)
                }
            }
            _ => errors.add("groups", format!("Group {r} does not exist")),
        }
    }
    Ok(ids)
}

fn to_row(
    input: &PackageInput,
    id: &str,
    org_id: &str,
    creator: Option<String>,
    created: &str,
    now: &str,
) -> PackageRow {
    PackageRow {
        id: id.to_string(),
        name: input.name.clone(),
        title: input.title.clone(),
        owner_org: Some(org_id.to_string()),
        private: input.private as i64,
        state: input.state.unwrap_or(DatasetState::Active).code().to_string(),
        license_id: input.license_id.clone(),
        notes: input.notes.clone(),
        url: input.url.clone(),
        version: input.version.clone(),
        author: input.author.clone(),
        author_email: input.author_email.clone(),
        maintainer: input.maintainer.clone(),
        maintainer_email: input.maintainer_email.clone(),
        data_sharing: input.data_sharing.code().to_string(),
        data_importance: input.data_importance.code().to_string(),
        temporal_start: input.temporal_start.clone(),
        temporal_end: input.temporal_end.clone(),
        spatial: input.spatial.clone(),
        update_frequency: input.update_frequency.map(|f| f.code().to_string()),
        title_translated: json_text(&input.title_translated),
        notes_translated: json_text(&input.notes_translated),
        creator_user_id: creator,
        metadata_created: created.to_string(),
        metadata_modified: now.to_string(),
        harvest_source_id: None,
    }
}
