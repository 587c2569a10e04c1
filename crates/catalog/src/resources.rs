//! Resource actions (`resource_show/create/update/patch/delete`), uploads
//! and downloads.
//!
//! An upload is streamed into the file store *before* the transaction that
//! points a resource at it (the store knows only bytes). If that
//! transaction fails, the file is removed again unless another resource
//! already uses the same content.

use crate::datasets::{dataset_not_found, readable_row, record_dataset_activity};
use crate::{Catalog, Error, Result, require_user};
use kho_core::authz::{Actor, Permission, authorize};
use kho_core::input::{Fields, ResourceInput, normalize_format};
use kho_core::model::Resource;
use kho_core::timefmt;
use kho_files::StoredFile;
use kho_store::packages::{self, ResourceRow, json_text};
use kho_store::{Handle, new_id};
use serde_json::Value;

/// A file received with a resource, already in the file store.
#[derive(Debug, Clone)]
pub struct Upload {
    pub stored: StoredFile,
    /// The client's file name, made safe.
    pub filename: String,
    /// The content type the client sent, if any.
    pub content_type: Option<String>,
}

/// What a download needs.
#[derive(Debug, Clone)]
pub struct Download {
    pub sha256: String,
    pub filename: String,
    pub mimetype: String,
    pub size: u64,
    pub package_id: String,
    pub package_name: String,
}

fn resource_not_found() -> Error {
    Error::not_found("Resource was not found.")
}

/// Builds a row for a new or replaced resource from its input.
fn row_from_input(
    input: &ResourceInput,
    id: &str,
    package_id: &str,
    position: i64,
    created: &str,
    now: &str,
) -> ResourceRow {
    ResourceRow {
        id: id.to_string(),
        package_id: package_id.to_string(),
        position,
        state: "active".into(),
        url: input.url.clone(),
        url_type: input.url_type.clone(),
        name: input.name.clone(),
        description: input.description.clone(),
        format: input.format.clone(),
        mimetype: input.mimetype.clone(),
        mimetype_inner: input.mimetype_inner.clone(),
        size: input.size,
        hash: input.hash.clone(),
        blob_sha256: None,
        last_modified: input.last_modified.clone(),
        resource_type: input.resource_type.clone(),
        name_translated: json_text(&input.name_translated),
        description_translated: json_text(&input.description_translated),
        extras: serde_json::to_string(&input.extras).unwrap_or_else(|_| "{}".into()),
        created: created.to_string(),
        metadata_modified: now.to_string(),
        datastore_active: 0,
    }
}

/// Keeps an existing uploaded file on a resource being replaced, when the
/// client sent back the upload's URL (the "show, edit, update" idiom) or
/// said `url_type: upload` without a new file.
fn keep_upload(new: &mut ResourceRow, old: &ResourceRow, site_url: &str) {
    if !old.is_upload() {
        return;
    }
    let same_url = new.url.is_empty() || new.url == old.url || new.url == old.download_url(site_url);
    if same_url || new.url_type.as_deref() == Some("upload") {
        new.url = old.url.clone();
        new.url_type = old.url_type.clone();
        new.blob_sha256 = old.blob_sha256.clone();
        new.size = new.size.or(old.size);
        new.hash = new.hash.clone().or_else(|| old.hash.clone());
        new.mimetype = new.mimetype.clone().or_else(|| old.mimetype.clone());
        new.last_modified = new.last_modified.clone().or_else(|| old.last_modified.clone());
    } else if new.url_type.as_deref() == Some("upload") {
        new.url_type = None;
    }
}

/// Points a resource row at an uploaded file.
fn attach_upload(row: &mut ResourceRow, up: &Upload, now: &str) {
    row.url = up.filename.clone();
    row.url_type = Some("upload".into());
    row.blob_sha256 = Some(up.stored.sha256.clone());
    row.size = Some(up.stored.size as i64);
    row.hash = Some(up.stored.sha256.clone());
    let guessed = mime_guess::from_path(&up.filename).first().map(|m| m.essence_str().to_string());
    let sent = up.content_type.clone().filter(|c| c != "application/octet-stream" && !c.is_empty());
    row.mimetype = row.mimetype.clone().or(guessed).or(sent);
    if row.format.is_none()
        && let Some(ext) = up.filename.rsplit_once('.').map(|(_, e)| e)
    {
        row.format = Some(normalize_format(ext));
    }
    row.last_modified = Some(now.to_string());
}

fn check_upload_flag(input: &ResourceInput, has_upload: bool, existing_upload: bool) -> Result<()> {
    if input.url_type.as_deref() == Some("upload") && !has_upload && !existing_upload {
        return Err(Error::field("upload", "url_type is \"upload\" but no file was sent in the \"upload\" field"));
    }
    Ok(())
}

/// Replaces a dataset's resource list (package_create/update semantics):
/// resources matched by id are updated, new ones inserted, missing ones
/// marked deleted. Uploaded files are kept where the client echoes them.
/// Returns the resources written, each with its previous row (`None` for
/// a new one), for [`Catalog::queue_after_resource_write`].
pub(crate) async fn apply_resources(
    conn: &mut dyn Handle,
    package_id: &str,
    inputs: &[ResourceInput],
    now: &str,
    site_url: &str,
) -> Result<Vec<(Option<ResourceRow>, ResourceRow)>> {
    let existing = packages::resources(conn, package_id, false).await?;
    let mut written = Vec::new();
    let mut kept = Vec::new();
    let mut errors = kho_core::ValidationErrors::default();
    for (pos, input) in inputs.iter().enumerate() {
        let old = input.id.as_ref().and_then(|id| existing.iter().find(|r| &r.id == id));
        let id = match (&input.id, old) {
            (Some(id), Some(_)) => id.clone(),
            (Some(id), None) => {
                if packages::resource_exists(conn, id).await? {
                    let mut inner = kho_core::ValidationErrors::default();
                    inner.add("id", "A resource with this id already exists");
                    errors.add_nested("resources", pos, inputs.len(), inner);
                    continue;
                }
                id.clone()
            }
            (None, _) => new_id(),
        };
        if let Err(Error::Validation(inner)) = check_upload_flag(input, false, old.is_some_and(|o| o.is_upload())) {
            errors.add_nested("resources", pos, inputs.len(), inner);
            continue;
        }
        if let Err(Error::Validation(inner)) = crate::validation::check_schema(&input.extras) {
            errors.add_nested("resources", pos, inputs.len(), inner);
            continue;
        }
        let created = old.map(|o| o.created.clone()).unwrap_or_else(|| now.to_string());
        let mut row = row_from_input(input, &id, package_id, pos as i64, &created, now);
        if let Some(old) = old {
            keep_upload(&mut row, old, site_url);
            crate::validation::keep_inferred(conn, old, &mut row).await?;
            // An unchanged resource keeps its modification time.
            let mut same = row.clone();
            same.metadata_modified = old.metadata_modified.clone();
            if &same == old {
                row = same;
            }
        }
        kept.push(row);
    }
    errors.into_result()?;
    for old in existing.iter().filter(|o| !kept.iter().any(|k| k.id == o.id)) {
        let mut gone = old.clone();
        gone.state = "deleted".into();
        gone.metadata_modified = now.to_string();
        packages::upsert_resource(conn, &gone).await?;
    }
    for row in kept {
        if !existing.contains(&row) {
            packages::upsert_resource(conn, &row).await?;
            written.push((existing.iter().find(|o| o.id == row.id).cloned(), row));
        }
    }
    Ok(written)
}

impl Catalog {
    /// `resource_show`.
    pub async fn resource_show(&self, actor: &Actor, id: &str) -> Result<Resource> {
        let mut conn = self.store().conn().await?;
        let (res, pkg) = packages::find_resource(&mut conn, id).await?.ok_or_else(resource_not_found)?;
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| resource_not_found())?;
        if res.state == "deleted" && !actor.is_sysadmin() {
            return Err(resource_not_found());
        }
        Ok(res.to_resource(self.site_url()))
    }

    /// Stores an uploaded file, refusing it past the configured limit.
    pub async fn store_upload<S, E>(&self, body: S, filename: &str, content_type: Option<String>) -> Result<Upload>
    where
        S: futures_util::Stream<Item = std::result::Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let filename = kho_files::safe_filename(filename)
            .ok_or_else(|| Error::field("upload", "The uploaded file needs a usable file name"))?;
        let stored = self.files().put_stream(body, self.max_upload_bytes()).await?;
        Ok(Upload { stored, filename, content_type })
    }

    /// Removes a stored upload that no action used (unless some resource
    /// already refers to the same content).
    pub async fn discard_upload(&self, up: &Upload) {
        self.collect_blobs(std::slice::from_ref(&up.stored.sha256)).await;
    }

    /// `resource_create`, optionally with an uploaded file.
    pub async fn resource_create(&self, actor: &Actor, fields: Fields, upload: Option<Upload>) -> Result<Resource> {
        let result = self.resource_create_inner(actor, fields, upload.as_ref()).await;
        if result.is_err()
            && let Some(up) = &upload
        {
            self.collect_blobs(std::slice::from_ref(&up.stored.sha256)).await;
        }
        result
    }

    async fn resource_create_inner(&self, actor: &Actor, fields: Fields, upload: Option<&Upload>) -> Result<Resource> {
        require_user(actor, "resource_create")?;
        let input = ResourceInput::parse(fields, true)?;
        crate::validation::check_schema(&input.extras)?;
        let package_id = input.package_id.clone().ok_or_else(|| Error::field("package_id", "Missing value"))?;
        check_upload_flag(&input, upload.is_some(), false)?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let pkg = readable_row(&mut tx, actor, &package_id).await?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let id = match &input.id {
            Some(id) if packages::resource_exists(&mut tx, id).await? => {
                return Err(Error::field("id", "A resource with this id already exists"));
            }
            Some(id) => id.clone(),
            None => new_id(),
        };
        let (_, old_doc) = packages::show(&mut tx, &pkg.id).await?.ok_or_else(dataset_not_found)?;
        let position = packages::resources(&mut tx, &pkg.id, false).await?.len() as i64;
        let mut row = row_from_input(&input, &id, &pkg.id, position, &now, &now);
        if let Some(up) = upload {
            attach_upload(&mut row, up, &now);
        }
        packages::upsert_resource(&mut tx, &row).await?;
        let load = self.queue_after_resource_write(&mut tx, None, &row).await?;
        let res = self.finish_resource_change(&mut tx, actor, &pkg.id, &old_doc, &id, &now).await?;
        self.commit(tx).await?;
        if load {
            self.wake_jobs();
        }
        Ok(res)
    }

    /// `resource_update`: replaces the resource's fields, keeping an
    /// uploaded file unless a new one or a different URL is given.
    pub async fn resource_update(&self, actor: &Actor, fields: Fields, upload: Option<Upload>) -> Result<Resource> {
        let result = self.resource_replace(actor, fields, upload.as_ref(), false).await;
        if result.is_err()
            && let Some(up) = &upload
        {
            self.collect_blobs(std::slice::from_ref(&up.stored.sha256)).await;
        }
        result
    }

    /// `resource_patch`: changes only the given fields.
    pub async fn resource_patch(&self, actor: &Actor, fields: Fields, upload: Option<Upload>) -> Result<Resource> {
        let result = self.resource_replace(actor, fields, upload.as_ref(), true).await;
        if result.is_err()
            && let Some(up) = &upload
        {
            self.collect_blobs(std::slice::from_ref(&up.stored.sha256)).await;
        }
        result
    }

    async fn resource_replace(
        &self,
        actor: &Actor,
        mut fields: Fields,
        upload: Option<&Upload>,
        patch: bool,
    ) -> Result<Resource> {
        require_user(actor, if patch { "resource_patch" } else { "resource_update" })?;
        let id = fields.text("id", 200).ok_or_else(|| Error::field("id", "Missing value"))?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let (old, pkg) = packages::find_resource(&mut tx, &id).await?.ok_or_else(resource_not_found)?;
        if old.state == "deleted" {
            return Err(resource_not_found());
        }
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| resource_not_found())?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let mut map = fields.map().clone();
        if patch {
            let Value::Object(mut base) =
                serde_json::to_value(old.to_resource(self.site_url())).map_err(Error::internal)?
            else {
                return Err(Error::internal("resource is not an object"));
            };
            base.extend(map);
            map = base;
        }
        map.remove("id");
        map.remove("package_id");
        let input = ResourceInput::parse(Fields::new(map), false)?;
        crate::validation::check_schema(&input.extras)?;
        check_upload_flag(&input, upload.is_some(), old.is_upload())?;
        let (_, old_doc) = packages::show(&mut tx, &pkg.id).await?.ok_or_else(dataset_not_found)?;
        let mut row = row_from_input(&input, &old.id, &pkg.id, old.position, &old.created, &now);
        match upload {
            Some(up) => attach_upload(&mut row, up, &now),
            None => keep_upload(&mut row, &old, self.site_url()),
        }
        row.datastore_active = old.datastore_active;
        crate::validation::keep_inferred(&mut tx, &old, &mut row).await?;
        packages::upsert_resource(&mut tx, &row).await?;
        let load = self.queue_after_resource_write(&mut tx, Some(&old), &row).await?;
        let res = self.finish_resource_change(&mut tx, actor, &pkg.id, &old_doc, &old.id, &now).await?;
        self.commit(tx).await?;
        if load {
            self.wake_jobs();
        }
        if let Some(sha) = old.blob_sha256.filter(|s| row.blob_sha256.as_ref() != Some(s)) {
            self.collect_blobs(&[sha]).await;
        }
        Ok(res)
    }

    /// What a resource write starts in the background, decided here only:
    /// a new resource, file, link or format loads its table (and the load
    /// queues its validation); a new schema alone validates it again; a
    /// resource that stopped being a table forgets its validation. Returns
    /// whether a job was queued (to wake the workers after commit).
    pub(crate) async fn queue_after_resource_write(
        &self,
        tx: &mut dyn Handle,
        old: Option<&ResourceRow>,
        new: &ResourceRow,
    ) -> Result<bool> {
        if new.state != "active" {
            return Ok(false);
        }
        let reload = old.is_none_or(|o| o.blob_sha256 != new.blob_sha256 || o.format != new.format || o.url != new.url);
        if reload && self.enqueue_datastore_load(tx, new).await? {
            return Ok(true);
        }
        if !crate::validation::is_table(new) {
            if old.is_some() {
                kho_store::validations::delete(tx, &new.id).await?;
            }
            return Ok(false);
        }
        if old.is_some_and(|o| crate::validation::schema_changed(o, new)) {
            self.enqueue_validation_in(tx, &new.id).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// `resource_delete`: marks the resource deleted.
    pub async fn resource_delete(&self, actor: &Actor, id: &str) -> Result<()> {
        require_user(actor, "resource_delete")?;
        let now = timefmt::now();
        let mut tx = self.store().write().await?;
        let (old, pkg) = packages::find_resource(&mut tx, id).await?.ok_or_else(resource_not_found)?;
        if old.state == "deleted" {
            return Err(resource_not_found());
        }
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| resource_not_found())?;
        authorize(actor, Permission::UpdateDataset(&pkg.access()))?;
        let (_, old_doc) = packages::show(&mut tx, &pkg.id).await?.ok_or_else(dataset_not_found)?;
        let mut gone = old.clone();
        gone.state = "deleted".into();
        gone.metadata_modified = now.clone();
        packages::upsert_resource(&mut tx, &gone).await?;
        // Close the gap in positions.
        let rest = packages::resources(&mut tx, &pkg.id, false).await?;
        for (i, mut r) in rest.into_iter().enumerate() {
            if r.position != i as i64 {
                r.position = i as i64;
                packages::upsert_resource(&mut tx, &r).await?;
            }
        }
        packages::touch(&mut tx, &pkg.id, &now).await?;
        let new_pkg = packages::refresh_doc(&mut tx, &pkg.id, self.site_url()).await?.ok_or_else(dataset_not_found)?;
        let old_value: Value = serde_json::from_str(&old_doc).unwrap_or(Value::Null);
        record_dataset_activity(&mut tx, actor, "changed package", &new_pkg, Some(&old_value), &now).await?;
        self.commit(tx).await
    }

    async fn finish_resource_change(
        &self,
        tx: &mut dyn Handle,
        actor: &Actor,
        package_id: &str,
        old_doc: &str,
        resource_id: &str,
        now: &str,
    ) -> Result<Resource> {
        packages::touch(tx, package_id, now).await?;
        let pkg = packages::refresh_doc(tx, package_id, self.site_url()).await?.ok_or_else(dataset_not_found)?;
        let old: Value = serde_json::from_str(old_doc).unwrap_or(Value::Null);
        record_dataset_activity(tx, actor, "changed package", &pkg, Some(&old), now).await?;
        pkg.resources
            .into_iter()
            .find(|r| r.id == resource_id)
            .ok_or_else(|| Error::internal("resource vanished after write"))
    }

    /// Looks up an uploaded file for download. `package` must name the
    /// resource's dataset (by id or name), as in the download URL.
    pub async fn resource_download(&self, actor: &Actor, package: &str, resource_id: &str) -> Result<Download> {
        let mut conn = self.store().conn().await?;
        let (res, pkg) = packages::find_resource(&mut conn, resource_id).await?.ok_or_else(resource_not_found)?;
        if (pkg.id != package && pkg.name != package) || res.state == "deleted" {
            return Err(resource_not_found());
        }
        authorize(actor, Permission::ReadDataset(&pkg.access())).map_err(|_| resource_not_found())?;
        let sha256 =
            res.blob_sha256.clone().ok_or_else(|| Error::not_found("This resource is a link, not an uploaded file"))?;
        Ok(Download {
            sha256,
            mimetype: res.mimetype.clone().unwrap_or_else(|| "application/octet-stream".into()),
            filename: res.url.clone(),
            size: res.size.unwrap_or(0).max(0) as u64,
            package_id: pkg.id,
            package_name: pkg.name,
        })
    }
}
