//! Datasets (packages), their tags, extras, group links and resources.
//!
//! The normalised tables are the source of truth. Each package row also
//! keeps `doc`: the package dictionary exactly as `package_show` returns
//! it. Every write path ends with [`refresh_doc`] in its transaction, so
//! reading a dataset is one indexed row, and the document can never
//! disagree with the tables it was built from.

use crate::groups::{self, GroupRow};
use crate::{Handle, Sql, StoreError, flag};
use kho_core::authz::DatasetFilter;
use kho_core::licenses;
use kho_core::model::{DatasetAccess, Extra, GroupSummary, Package, Resource, Tag, display_name};
use kho_core::vocab::{DatasetState, Vocabulary};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};
use sqlx::FromRow;

crate::sqlite_row!(PackageRow {
    id,
    name,
    title,
    owner_org,
    private,
    state,
    license_id,
    notes,
    url,
    version,
    author,
    author_email,
    maintainer,
    maintainer_email,
    data_sharing,
    data_importance,
    temporal_start,
    temporal_end,
    spatial,
    update_frequency,
    title_translated,
    notes_translated,
    creator_user_id,
    metadata_created,
    metadata_modified,
    harvest_source_id
});
crate::sqlite_row!(AccessRow { id, name, owner_org, private, state, creator_user_id, harvest_source_id, doc });
crate::sqlite_row!(ResourceRow {
    id,
    package_id,
    position,
    state,
    url,
    url_type,
    name,
    description,
    format,
    mimetype,
    mimetype_inner,
    size,
    hash,
    blob_sha256,
    last_modified,
    resource_type,
    name_translated,
    description_translated,
    extras,
    created,
    metadata_modified,
    datastore_active
});
use std::collections::BTreeMap;

/// A row of `packages` without its document.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct PackageRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub owner_org: Option<String>,
    pub private: i64,
    pub state: String,
    pub license_id: Option<String>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub data_sharing: String,
    pub data_importance: String,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: Option<String>,
    pub update_frequency: Option<String>,
    pub title_translated: String,
    pub notes_translated: String,
    pub creator_user_id: Option<String>,
    pub metadata_created: String,
    pub metadata_modified: String,
    /// The harvest source keeping this dataset in step with a remote
    /// catalog (read-only here); set by the harvester only, never by `upsert`.
    pub harvest_source_id: Option<String>,
}

const COLUMNS: &str = "id, name, title, owner_org, private, state, license_id, notes, url, version, author, \
    author_email, maintainer, maintainer_email, data_sharing, data_importance, temporal_start, temporal_end, \
    spatial, update_frequency, title_translated, notes_translated, creator_user_id, metadata_created, \
    metadata_modified, harvest_source_id";

impl PackageRow {
    /// The fields that decide visibility.
    pub fn access(&self) -> DatasetAccess {
        DatasetAccess {
            id: self.id.clone(),
            name: self.name.clone(),
            owner_org: self.owner_org.clone(),
            private: flag(self.private),
            state: DatasetState::parse(&self.state).unwrap_or(DatasetState::Active),
            creator_user_id: self.creator_user_id.clone(),
            harvest_source_id: self.harvest_source_id.clone(),
        }
    }
}

#[derive(FromRow)]
struct AccessRow {
    id: String,
    name: String,
    owner_org: Option<String>,
    private: i64,
    state: String,
    creator_user_id: Option<String>,
    harvest_source_id: Option<String>,
    doc: String,
}

impl AccessRow {
    fn split(self) -> (DatasetAccess, String) {
        (
            DatasetAccess {
                id: self.id,
                name: self.name,
                owner_org: self.owner_org,
                private: flag(self.private),
                state: DatasetState::parse(&self.state).unwrap_or(DatasetState::Active),
                creator_user_id: self.creator_user_id,
                harvest_source_id: self.harvest_source_id,
            },
            self.doc,
        )
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4
}

/// The stored document and access fields of a dataset, by id or name:
/// the whole of `package_show` in one indexed lookup.
pub async fn show(conn: &mut dyn Handle, id_or_name: &str) -> Result<Option<(DatasetAccess, String)>, StoreError> {
    const BY_ID: &str = "SELECT id, name, owner_org, private, state, creator_user_id, harvest_source_id, doc FROM packages WHERE id = $1";
    const BY_NAME: &str = "SELECT id, name, owner_org, private, state, creator_user_id, harvest_source_id, doc FROM packages WHERE name = $1";
    let (first, second) = if looks_like_uuid(id_or_name) { (BY_ID, BY_NAME) } else { (BY_NAME, BY_ID) };
    if let Some(r) = Sql::new(first).bind(id_or_name).fetch_optional::<AccessRow>(&mut *conn).await? {
        return Ok(Some(r.split()));
    }
    let r: Option<AccessRow> = Sql::new(second).bind(id_or_name).fetch_optional(conn).await?;
    Ok(r.map(AccessRow::split))
}

/// Access fields and stored documents of the datasets with these ids
/// (those that exist), in no particular order.
pub async fn docs_by_ids(conn: &mut dyn Handle, ids: &[String]) -> Result<Vec<(DatasetAccess, String)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    // Bounded IN lists keep statements small on both backends.
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT id, name, owner_org, private, state, creator_user_id, harvest_source_id, doc FROM packages WHERE id IN ",
        );
        q.in_list(chunk);
        let rows: Vec<AccessRow> = q.fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(AccessRow::split));
    }
    Ok(out)
}

/// A dataset's row, by id or name.
pub async fn find(conn: &mut dyn Handle, id_or_name: &str) -> Result<Option<PackageRow>, StoreError> {
    let by_id = format!("SELECT {COLUMNS} FROM packages WHERE id = $1");
    if let Some(r) = Sql::new(&by_id).bind(id_or_name).fetch_optional(&mut *conn).await? {
        return Ok(Some(r));
    }
    let by_name = format!("SELECT {COLUMNS} FROM packages WHERE name = $1");
    Sql::new(&by_name).bind(id_or_name).fetch_optional(conn).await
}

/// Who holds a name: `(id, state)`.
pub async fn name_holder(conn: &mut dyn Handle, name: &str) -> Result<Option<(String, String)>, StoreError> {
    Sql::new("SELECT id, state FROM packages WHERE name = $1").bind(name).fetch_optional(conn).await
}

/// Frees the name of a deleted dataset by renaming it to its id, so the name
/// can be reused (CKAN lets a new dataset take a deleted one's name).
pub async fn free_name(conn: &mut dyn Handle, id: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE packages SET name = id WHERE id = $1 AND state = 'deleted'").bind(id).execute(conn).await?;
    Ok(())
}

/// Inserts or replaces a dataset's row (by id). The document is rebuilt by
/// [`refresh_doc`], which every caller runs before committing.
pub async fn upsert(conn: &mut dyn Handle, p: &PackageRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO packages (id, name, title, owner_org, private, state, license_id, notes, url, version, author, \
            author_email, maintainer, maintainer_email, data_sharing, data_importance, temporal_start, \
            temporal_end, spatial, update_frequency, title_translated, notes_translated, creator_user_id, \
            metadata_created, metadata_modified) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
            $22, $23, $24, $25) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
            owner_org = excluded.owner_org, private = excluded.private, state = excluded.state, \
            license_id = excluded.license_id, notes = excluded.notes, url = excluded.url, \
            version = excluded.version, author = excluded.author, author_email = excluded.author_email, \
            maintainer = excluded.maintainer, maintainer_email = excluded.maintainer_email, \
            data_sharing = excluded.data_sharing, data_importance = excluded.data_importance, \
            temporal_start = excluded.temporal_start, temporal_end = excluded.temporal_end, \
            spatial = excluded.spatial, update_frequency = excluded.update_frequency, \
            title_translated = excluded.title_translated, notes_translated = excluded.notes_translated, \
            metadata_modified = excluded.metadata_modified",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.title)
    .bind(&p.owner_org)
    .bind(p.private)
    .bind(&p.state)
    .bind(&p.license_id)
    .bind(&p.notes)
    .bind(&p.url)
    .bind(&p.version)
    .bind(&p.author)
    .bind(&p.author_email)
    .bind(&p.maintainer)
    .bind(&p.maintainer_email)
    .bind(&p.data_sharing)
    .bind(&p.data_importance)
    .bind(&p.temporal_start)
    .bind(&p.temporal_end)
    .bind(&p.spatial)
    .bind(&p.update_frequency)
    .bind(&p.title_translated)
    .bind(&p.notes_translated)
    .bind(&p.creator_user_id)
    .bind(&p.metadata_created)
    .bind(&p.metadata_modified)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a dataset's state and modification time.
pub async fn set_state(conn: &mut dyn Handle, id: &str, state: DatasetState, now: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE packages SET state = $1, metadata_modified = $2 WHERE id = $3")
        .bind(state.code())
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Bumps a dataset's modification time (a resource changed).
pub async fn touch(conn: &mut dyn Handle, id: &str, now: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE packages SET metadata_modified = $1 WHERE id = $2").bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// Removes a dataset and everything hanging off it.
pub async fn purge(conn: &mut dyn Handle, id: &str) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM resources WHERE package_id = $1",
        "DELETE FROM package_tags WHERE package_id = $1",
        "DELETE FROM package_extras WHERE package_id = $1",
        "DELETE FROM group_packages WHERE package_id = $1",
        "DELETE FROM packages WHERE id = $1",
    ] {
        Sql::new(sql).bind(id).execute(&mut *conn).await?;
    }
    crate::search_feed::record(conn, id).await?;
    Ok(())
}

/// Replaces a dataset's tags.
pub async fn set_tags(conn: &mut dyn Handle, package_id: &str, tags: &[String]) -> Result<(), StoreError> {
    Sql::new("DELETE FROM package_tags WHERE package_id = $1").bind(package_id).execute(&mut *conn).await?;
    for name in tags {
        Sql::new("INSERT INTO tags (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(crate::new_id())
            .bind(name)
            .execute(&mut *conn)
            .await?;
        Sql::new(
            "INSERT INTO package_tags (package_id, tag_id) SELECT $1, id FROM tags WHERE name = $2 \
             ON CONFLICT (package_id, tag_id) DO NOTHING",
        )
        .bind(package_id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Replaces a dataset's extras.
pub async fn set_extras(
    conn: &mut dyn Handle,
    package_id: &str,
    extras: &[(String, String)],
) -> Result<(), StoreError> {
    Sql::new("DELETE FROM package_extras WHERE package_id = $1").bind(package_id).execute(&mut *conn).await?;
    for (k, v) in extras {
        Sql::new("INSERT INTO package_extras (package_id, key, value) VALUES ($1, $2, $3)")
            .bind(package_id)
            .bind(k)
            .bind(v)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the groups (themes) a dataset belongs to.
pub async fn set_groups(conn: &mut dyn Handle, package_id: &str, group_ids: &[String]) -> Result<(), StoreError> {
    Sql::new("DELETE FROM group_packages WHERE package_id = $1").bind(package_id).execute(&mut *conn).await?;
    for g in group_ids {
        groups::add_package(conn, g, package_id).await?;
    }
    Ok(())
}

/// A row of `resources`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct ResourceRow {
    pub id: String,
    pub package_id: String,
    pub position: i64,
    pub state: String,
    pub url: String,
    pub url_type: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub format: Option<String>,
    pub mimetype: Option<String>,
    pub mimetype_inner: Option<String>,
    pub size: Option<i64>,
    pub hash: Option<String>,
    /// Content address (SHA-256) of an uploaded file.
    pub blob_sha256: Option<String>,
    pub last_modified: Option<String>,
    pub resource_type: Option<String>,
    pub name_translated: String,
    pub description_translated: String,
    pub extras: String,
    pub created: String,
    pub metadata_modified: String,
    /// 1 when the resource has a datastore table. Kept by the datastore
    /// ([`crate::datastore`]), never by resource writes.
    pub datastore_active: i64,
}

const RESOURCE_COLUMNS: &str = "id, package_id, position, state, url, url_type, name, description, format, \
    mimetype, mimetype_inner, size, hash, blob_sha256, last_modified, resource_type, name_translated, \
    description_translated, extras, created, metadata_modified, datastore_active";

/// Characters escaped in a download file name.
const FILENAME_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');

impl ResourceRow {
    /// The stable download URL of an uploaded file (CKAN's form).
    pub fn download_url(&self, site_url: &str) -> String {
        format!(
            "{}/dataset/{}/resource/{}/download/{}",
            site_url.trim_end_matches('/'),
            self.package_id,
            self.id,
            utf8_percent_encode(&self.url, FILENAME_ESCAPES)
        )
    }

    /// True for uploaded files (as opposed to links).
    pub fn is_upload(&self) -> bool {
        self.url_type.as_deref() == Some("upload")
    }

    /// The API shape.
    pub fn to_resource(&self, site_url: &str) -> Resource {
        let extras: Map<String, Value> = serde_json::from_str(&self.extras).unwrap_or_default();
        Resource {
            cache_last_updated: None,
            cache_url: None,
            created: self.created.clone(),
            datastore_active: self.datastore_active != 0,
            description: self.description.clone(),
            format: self.format.clone(),
            hash: self.hash.clone(),
            id: self.id.clone(),
            last_modified: self.last_modified.clone(),
            metadata_modified: self.metadata_modified.clone(),
            mimetype: self.mimetype.clone(),
            mimetype_inner: self.mimetype_inner.clone(),
            name: self.name.clone(),
            package_id: self.package_id.clone(),
            position: self.position,
            resource_type: self.resource_type.clone(),
            size: self.size,
            state: self.state.clone(),
            url: if self.is_upload() { self.download_url(site_url) } else { self.url.clone() },
            url_type: self.url_type.clone(),
            name_translated: serde_json::from_str(&self.name_translated).unwrap_or_default(),
            description_translated: serde_json::from_str(&self.description_translated).unwrap_or_default(),
            extras,
        }
    }
}

/// A dataset's resources in order; deleted ones only if asked.
pub async fn resources(
    conn: &mut dyn Handle,
    package_id: &str,
    include_deleted: bool,
) -> Result<Vec<ResourceRow>, StoreError> {
    let sql = format!(
        "SELECT {RESOURCE_COLUMNS} FROM resources WHERE package_id = $1 {} ORDER BY position, created",
        if include_deleted { "" } else { "AND state = 'active'" }
    );
    Sql::new(&sql).bind(package_id).fetch_all(conn).await
}

/// A resource and the access fields of its dataset.
pub async fn find_resource(conn: &mut dyn Handle, id: &str) -> Result<Option<(ResourceRow, PackageRow)>, StoreError> {
    let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1");
    let Some(r): Option<ResourceRow> = Sql::new(&sql).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let p = find(conn, &r.package_id).await?;
    Ok(p.map(|p| (r, p)))
}

/// Inserts or replaces a resource row (by id).
pub async fn upsert_resource(conn: &mut dyn Handle, r: &ResourceRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO resources (id, package_id, position, state, url, url_type, name, description, format, \
            mimetype, mimetype_inner, size, hash, blob_sha256, last_modified, resource_type, name_translated, \
            description_translated, extras, created, metadata_modified) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, state = excluded.state, url = excluded.url, \
            url_type = excluded.url_type, name = excluded.name, description = excluded.description, \
            format = excluded.format, mimetype = excluded.mimetype, mimetype_inner = excluded.mimetype_inner, \
            size = excluded.size, hash = excluded.hash, blob_sha256 = excluded.blob_sha256, \
            last_modified = excluded.last_modified, resource_type = excluded.resource_type, \
            name_translated = excluded.name_translated, description_translated = excluded.description_translated, \
            extras = excluded.extras, metadata_modified = excluded.metadata_modified",
    )
    .bind(&r.id)
    .bind(&r.package_id)
    .bind(r.position)
    .bind(&r.state)
    .bind(&r.url)
    .bind(&r.url_type)
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.format)
    .bind(&r.mimetype)
    .bind(&r.mimetype_inner)
    .bind(r.size)
    .bind(&r.hash)
    .bind(&r.blob_sha256)
    .bind(&r.last_modified)
    .bind(&r.resource_type)
    .bind(&r.name_translated)
    .bind(&r.description_translated)
    .bind(&r.extras)
    .bind(&r.created)
    .bind(&r.metadata_modified)
    .execute(conn)
    .await?;
    Ok(())
}

/// True when a resource id is taken (by any dataset).
pub async fn resource_exists(conn: &mut dyn Handle, id: &str) -> Result<bool, StoreError> {
    let r: Option<(String,)> = Sql::new("SELECT id FROM resources WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(r.is_some())
}

/// Builds the package dictionary from the normalised tables.
pub async fn render(conn: &mut dyn Handle, id: &str, site_url: &str) -> Result<Option<Package>, StoreError> {
    let Some(p) = find(conn, id).await? else { return Ok(None) };
    let org = match &p.owner_org {
        Some(o) => groups::find(conn, o, Some(true)).await?,
        None => None,
    };
    let tags: Vec<(String, String)> = Sql::new(
        "SELECT t.id, t.name FROM package_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.package_id = $1 ORDER BY t.name",
    )
    .bind(&p.id)
    .fetch_all(&mut *conn)
    .await?;
    let extras: Vec<(String, String)> =
        Sql::new("SELECT key, value FROM package_extras WHERE package_id = $1 ORDER BY key")
            .bind(&p.id)
            .fetch_all(&mut *conn)
            .await?;
    let groups: Vec<GroupRow> = {
        let ids: Vec<(String,)> = Sql::new("SELECT group_id FROM group_packages WHERE package_id = $1")
            .bind(&p.id)
            .fetch_all(&mut *conn)
            .await?;
        let ids: Vec<String> = ids.into_iter().map(|r| r.0).collect();
        groups::find_many(conn, &ids).await?
    };
    let resources = resources(conn, &p.id, false).await?;
    let validations = crate::validations::for_package(conn, &p.id).await?;
    let mut pkg = assemble(p, org.as_ref(), tags, extras, &groups, &resources, site_url);
    add_validations(&mut pkg, &validations);
    Ok(Some(pkg))
}

/// Adds each resource's validation state (ckanext-validation's
/// `validation_status` and `validation_timestamp`) and, where the publisher
/// gave no Table Schema, the one inferred from the file, so `resource.schema`
/// is there for every validated table; `schema_source` says which it is.
fn add_validations(pkg: &mut Package, validations: &[crate::validations::DocValidation]) {
    for r in &mut pkg.resources {
        if r.extras.get("schema").is_some_and(|s| !s.is_null()) {
            r.extras.insert("schema_source".into(), Value::String("publisher".into()));
        }
        let Some(v) = validations.iter().find(|v| v.resource_id == r.id) else { continue };
        r.extras.insert("validation_status".into(), Value::String(v.status.clone()));
        let at = v.finished.clone().unwrap_or_else(|| v.created.clone());
        r.extras.insert("validation_timestamp".into(), Value::String(at));
        if !r.extras.contains_key("schema")
            && let Some(schema) = v.inferred_schema.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            r.extras.insert("schema".into(), schema);
            r.extras.insert("schema_source".into(), Value::String("inferred".into()));
        }
    }
}

fn json_map(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn assemble(
    p: PackageRow,
    org: Option<&GroupRow>,
    tags: Vec<(String, String)>,
    extras: Vec<(String, String)>,
    groups: &[GroupRow],
    resources: &[ResourceRow],
    site_url: &str,
) -> Package {
    let license = p.license_id.as_deref().and_then(licenses::find);
    Package {
        author: p.author,
        author_email: p.author_email,
        creator_user_id: p.creator_user_id,
        isopen: license.is_some_and(|l| l.is_okd_compliant),
        license_title: license.map(|l| l.title.to_string()).or_else(|| p.license_id.clone()),
        license_url: license.map(|l| l.url.to_string()).filter(|u| !u.is_empty()),
        license_id: p.license_id,
        maintainer: p.maintainer,
        maintainer_email: p.maintainer_email,
        metadata_created: p.metadata_created,
        metadata_modified: p.metadata_modified,
        notes: p.notes,
        num_resources: resources.len(),
        num_tags: tags.len(),
        organization: org.map(GroupRow::summary),
        owner_org: p.owner_org,
        private: flag(p.private),
        state: p.state,
        kind: "dataset".into(),
        url: p.url,
        version: p.version,
        extras: extras.into_iter().map(|(key, value)| Extra { key, value }).collect(),
        groups: groups
            .iter()
            .map(|g| GroupSummary {
                description: g.description.clone(),
                display_name: display_name(&g.title, &g.name),
                id: g.id.clone(),
                image_display_url: g.image_url.clone(),
                name: g.name.clone(),
                title: g.title.clone(),
            })
            .collect(),
        resources: resources.iter().map(|r| r.to_resource(site_url)).collect(),
        tags: tags
            .into_iter()
            .map(|(id, name)| Tag { display_name: name.clone(), id, name, state: "active".into(), vocabulary_id: None })
            .collect(),
        relationships_as_object: vec![],
        relationships_as_subject: vec![],
        data_sharing: p.data_sharing,
        data_importance: p.data_importance,
        temporal_start: p.temporal_start,
        temporal_end: p.temporal_end,
        spatial: p.spatial,
        update_frequency: p.update_frequency,
        title_translated: json_map(&p.title_translated),
        notes_translated: json_map(&p.notes_translated),
        id: p.id,
        name: p.name,
        title: p.title,
    }
}

/// Rebuilds and stores a dataset's document; returns the dictionary.
pub async fn refresh_doc(conn: &mut dyn Handle, id: &str, site_url: &str) -> Result<Option<Package>, StoreError> {
    let Some(pkg) = render(conn, id, site_url).await? else { return Ok(None) };
    let doc = serde_json::to_string(&pkg)?;
    Sql::new("UPDATE packages SET doc = $1 WHERE id = $2").bind(doc).bind(id).execute(&mut *conn).await?;
    crate::search_feed::record(conn, id).await?;
    Ok(Some(pkg))
}

/// Ids of datasets after `after_id`, in id order (for batch re-rendering).
pub async fn ids_after(conn: &mut dyn Handle, after_id: &str, limit: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = Sql::new("SELECT id FROM packages WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Public, active datasets (the DCAT export's rule: never a private
/// one), changed at or after `modified_since` if given.
fn public_since(select: &str, modified_since: Option<&str>) -> Sql {
    let mut q = Sql::new(select);
    q.push(" FROM packages WHERE state = 'active' AND private = 0");
    if let Some(since) = modified_since {
        q.push(" AND metadata_modified >= ").param(since.to_string());
    }
    q
}

/// How many public datasets [`public_docs`] pages through, when the first
/// was created and when one last changed.
pub async fn public_summary(
    conn: &mut dyn Handle,
    modified_since: Option<&str>,
) -> Result<(i64, Option<String>, Option<String>), StoreError> {
    public_since("SELECT CAST(COUNT(*) AS BIGINT), MIN(metadata_created), MAX(metadata_modified)", modified_since)
        .fetch_one(conn)
        .await
}

/// `(id, document)` of public datasets in id order: those after `after`
/// (a keyset page, stable while datasets change) or else from `offset`.
pub async fn public_docs(
    conn: &mut dyn Handle,
    after: Option<&str>,
    offset: i64,
    limit: i64,
    modified_since: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut q = public_since("SELECT id, doc", modified_since);
    if let Some(a) = after {
        q.push(" AND id > ").param(a.to_string());
    }
    q.push(" ORDER BY id LIMIT ").param(limit);
    if after.is_none() {
        q.push(" OFFSET ").param(offset);
    }
    q.fetch_all(conn).await
}

/// Names of active, public datasets, as `package_list` returns them.
pub async fn list_names(conn: &mut dyn Handle, limit: i64, offset: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        Sql::new("SELECT name FROM packages WHERE state = 'active' AND private = 0 ORDER BY name LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// `(name, metadata_modified)` of active public datasets by name, for
/// sitemaps: the same rule as [`list_names`].
pub async fn list_public_modified(
    conn: &mut dyn Handle,
    limit: i64,
    offset: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    Sql::new(
        "SELECT name, metadata_modified FROM packages WHERE state = 'active' AND private = 0 \
         ORDER BY name LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// Documents of visible, active datasets of an organization or group, newest first.
pub async fn docs_in_group(
    conn: &mut dyn Handle,
    group: &GroupRow,
    filter: &DatasetFilter,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let mut q = Sql::new("SELECT p.doc FROM packages p WHERE p.state = 'active' AND ");
    if group.is_org() {
        q.push("p.owner_org = ").param(group.id.clone());
    } else {
        q.push("p.id IN (SELECT package_id FROM group_packages WHERE group_id = ").param(group.id.clone()).push(")");
    }
    q.push(" AND ").visible(filter).push(" ORDER BY p.metadata_modified DESC LIMIT ").param(limit);
    let rows: Vec<(String,)> = q.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Tags in use on datasets visible under `filter`, optionally containing `query`.
pub async fn tag_names(
    conn: &mut dyn Handle,
    filter: &DatasetFilter,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut q = Sql::new(
        "SELECT DISTINCT t.id, t.name FROM tags t JOIN package_tags pt ON pt.tag_id = t.id \
         JOIN packages p ON p.id = pt.package_id WHERE p.state = 'active' AND ",
    );
    q.visible(filter);
    if let Some(text) = query.filter(|s| !s.is_empty()) {
        q.push(" AND LOWER(t.name) LIKE ").param(format!("%{}%", text.to_lowercase()));
    }
    q.push(" ORDER BY t.name LIMIT ").param(limit).push(" OFFSET ").param(offset);
    q.fetch_all(conn).await
}

/// Documents of datasets visible under `filter`, for listing pages and
/// `current_package_list_with_resources`.
pub async fn recent_docs(
    conn: &mut dyn Handle,
    filter: &DatasetFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>, StoreError> {
    let mut q = Sql::new("SELECT p.doc FROM packages p WHERE p.state = 'active' AND ");
    q.visible(filter).push(" ORDER BY p.metadata_modified DESC LIMIT ").param(limit).push(" OFFSET ").param(offset);
    let rows: Vec<(String,)> = q.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Counts datasets by state and visibility (for `status_show` and tests).
pub async fn count_visible(conn: &mut dyn Handle, filter: &DatasetFilter) -> Result<i64, StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM packages p WHERE ");
    q.visible(filter);
    let (n,): (i64,) = q.fetch_one(conn).await?;
    Ok(n)
}

/// Visibility of every dataset under `filter`, as SQL computes it (for the
/// test that SQL and Rust agree).
pub async fn visible_ids(conn: &mut dyn Handle, filter: &DatasetFilter) -> Result<Vec<String>, StoreError> {
    let mut q = Sql::new("SELECT p.id FROM packages p WHERE ");
    q.visible(filter).push(" ORDER BY p.id");
    let rows: Vec<(String,)> = q.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// All datasets' access fields (for tests and maintenance).
pub async fn all_access(conn: &mut dyn Handle) -> Result<Vec<DatasetAccess>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM packages ORDER BY id");
    let rows: Vec<PackageRow> = Sql::new(&sql).fetch_all(conn).await?;
    Ok(rows.iter().map(PackageRow::access).collect())
}

/// Whether a blob is still referenced by any resource.
pub async fn blob_in_use(conn: &mut dyn Handle, sha256: &str) -> Result<bool, StoreError> {
    let r: Option<(String,)> =
        Sql::new("SELECT id FROM resources WHERE blob_sha256 = $1 LIMIT 1").bind(sha256).fetch_optional(conn).await?;
    Ok(r.is_some())
}

impl Sql {
    /// Appends the SQL form of a [`DatasetFilter`] over the packages table
    /// aliased `p`. It must say exactly what [`DatasetFilter::allows`] says;
    /// the integration test `sql_and_rust_visibility_agree` checks that.
    pub fn visible(&mut self, f: &DatasetFilter) -> &mut Self {
        if f.all {
            return self.push("1 = 1");
        }
        self.push("((p.state = 'active' AND (p.private = 0 OR p.owner_org IN ");
        self.in_list(&f.member_orgs);
        self.push(")) OR (p.state = 'draft' AND (p.owner_org IN ");
        self.in_list(&f.editor_orgs);
        if let Some(u) = &f.user_id {
            self.push(" OR p.creator_user_id = ");
            self.param(u.clone());
        }
        self.push(")))")
    }
}

/// Sets a stored JSON column value list (translated maps) to text.
pub fn json_text(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

/// Resource fields `resource_search` may match on.
pub const RESOURCE_SEARCH_FIELDS: &[&str] =
    &["name", "description", "format", "url", "mimetype", "hash", "resource_type", "url_type"];

/// `resource_search`: active resources of active public datasets whose
/// fields contain the given terms (case-insensitive), all of them; returns
/// the total count and the requested page. Fields must come from
/// [`RESOURCE_SEARCH_FIELDS`] (the caller checks; others are ignored here).
pub async fn search_resources(
    conn: &mut dyn Handle,
    terms: &[(String, String)],
    order_by: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<ResourceRow>), StoreError> {
    let build = |select: &str| {
        let mut q = Sql::new(select);
        q.push(
            " FROM resources WHERE state = 'active' AND package_id IN \
             (SELECT id FROM packages WHERE state = 'active' AND private = 0)",
        );
        for (field, term) in terms {
            if RESOURCE_SEARCH_FIELDS.contains(&field.as_str()) {
                q.push(&format!(" AND LOWER(COALESCE({field}, '')) LIKE ")).param(format!("%{}%", term.to_lowercase()));
            }
        }
        q
    };
    let (count,): (i64,) = build("SELECT CAST(COUNT(*) AS BIGINT)").fetch_one(&mut *conn).await?;
    let mut q = build(&format!("SELECT {RESOURCE_COLUMNS}"));
    let order = order_by.filter(|o| RESOURCE_SEARCH_FIELDS.contains(o)).unwrap_or("created");
    q.push(&format!(" ORDER BY {order}, id LIMIT ")).param(limit).push(" OFFSET ").param(offset);
    Ok((count, q.fetch_all(conn).await?))
}
