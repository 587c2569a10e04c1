//! The data map (migration 0011): databases and their revisions, the
//! data dictionary, and published versions.

use crate::{Handle, Sql, StoreError};
use sqlx::FromRow;

/// Key in `kho_meta` of the data map's generation.
const GENERATION: &str = "datamap_generation";

/// A database of the registry (its content is in its revisions).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DatabaseRow {
    pub id: String,
    pub name: String,
    pub owner_org: String,
    /// `active`, or `deleted` once a deletion is approved.
    pub state: String,
    /// The latest revision.
    pub revision: i64,
    /// The revision the map shows.
    pub approved_revision: Option<i64>,
    pub created: String,
    pub modified: String,
    /// The harvest source that brought it (read-only here), if any.
    pub harvest_source_id: Option<String>,
    /// Its id at that source.
    pub harvest_remote_id: Option<String>,
}

crate::sqlite_row!(DatabaseRow {
    id,
    name,
    owner_org,
    state,
    revision,
    approved_revision,
    created,
    modified,
    harvest_source_id,
    harvest_remote_id
});

const DATABASE_COLUMNS: &str =
    "id, name, owner_org, state, revision, approved_revision, created, modified, harvest_source_id, harvest_remote_id";

/// One revision of a database entry.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RevisionRow {
    pub database_id: String,
    pub revision: i64,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The entry (JSON).
    pub doc: String,
    /// Why.
    pub message: String,
    pub author_user_id: Option<String>,
    /// The author's user name (joined).
    pub author_name: Option<String>,
    pub created: String,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub review_state: String,
    pub reviewer_user_id: Option<String>,
    /// The reviewer's user name (joined).
    pub reviewer_name: Option<String>,
    pub reviewed: Option<String>,
    pub review_note: Option<String>,
}

crate::sqlite_row!(RevisionRow {
    database_id,
    revision,
    action,
    doc,
    message,
    author_user_id,
    author_name,
    created,
    review_state,
    reviewer_user_id,
    reviewer_name,
    reviewed,
    review_note
});

const REVISION_SELECT: &str = "SELECT r.database_id, r.revision, r.action, r.doc, r.message, r.author_user_id, \
    a.name AS author_name, r.created, r.review_state, r.reviewer_user_id, v.name AS reviewer_name, r.reviewed, \
    r.review_note FROM datamap_revisions r LEFT JOIN users a ON a.id = r.author_user_id \
    LEFT JOIN users v ON v.id = r.reviewer_user_id";

/// Adds or replaces a database row.
pub async fn upsert_database(h: &mut dyn Handle, d: &DatabaseRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO datamap_databases (id, name, owner_org, state, revision, approved_revision, created, modified, \
            harvest_source_id, harvest_remote_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         owner_org = excluded.owner_org, state = excluded.state, revision = excluded.revision, \
         approved_revision = excluded.approved_revision, modified = excluded.modified, \
         harvest_source_id = excluded.harvest_source_id, harvest_remote_id = excluded.harvest_remote_id",
    )
    .bind(&d.id)
    .bind(&d.name)
    .bind(&d.owner_org)
    .bind(&d.state)
    .bind(d.revision)
    .bind(d.approved_revision)
    .bind(&d.created)
    .bind(&d.modified)
    .bind(&d.harvest_source_id)
    .bind(&d.harvest_remote_id)
    .execute(h)
    .await?;
    Ok(())
}

/// The active databases a harvest source brought.
pub async fn harvested_databases(h: &mut dyn Handle, source_id: &str) -> Result<Vec<DatabaseRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {DATABASE_COLUMNS} FROM datamap_databases WHERE harvest_source_id = $1 AND state = 'active'"
    ))
    .bind(source_id)
    .fetch_all(h)
    .await
}

/// Hands the databases a deleted harvest source brought to their agencies:
/// ordinary, editable entries from now on. Returns how many.
pub async fn release_databases(h: &mut dyn Handle, source_id: &str) -> Result<u64, StoreError> {
    Sql::new("UPDATE datamap_databases SET harvest_source_id = NULL WHERE harvest_source_id = $1 AND state = 'active'")
        .bind(source_id)
        .execute(h)
        .await
}

/// How many active databases a harvest source brought.
pub async fn count_harvested(h: &mut dyn Handle, source_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = Sql::new(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM datamap_databases WHERE harvest_source_id = $1 AND state = 'active'",
    )
    .bind(source_id)
    .fetch_one(h)
    .await?;
    Ok(n)
}

/// A database by id or name (deleted ones only by id).
pub async fn find_database(h: &mut dyn Handle, id_or_name: &str) -> Result<Option<DatabaseRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {DATABASE_COLUMNS} FROM datamap_databases WHERE id = $1 OR (name = $1 AND state = 'active')"
    ))
    .bind(id_or_name)
    .fetch_optional(h)
    .await
}

/// Active databases whose names are in `names`.
pub async fn databases_named(h: &mut dyn Handle, names: &[String]) -> Result<Vec<DatabaseRow>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut q =
        Sql::new(&format!("SELECT {DATABASE_COLUMNS} FROM datamap_databases WHERE state = 'active' AND name IN "));
    q.in_list(names);
    q.fetch_all(h).await
}

/// Appends a revision.
pub async fn insert_revision(h: &mut dyn Handle, r: &RevisionRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO datamap_revisions (database_id, revision, action, doc, message, author_user_id, created, \
            review_state, reviewer_user_id, reviewed, review_note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&r.database_id)
    .bind(r.revision)
    .bind(&r.action)
    .bind(&r.doc)
    .bind(&r.message)
    .bind(&r.author_user_id)
    .bind(&r.created)
    .bind(&r.review_state)
    .bind(&r.reviewer_user_id)
    .bind(&r.reviewed)
    .bind(&r.review_note)
    .execute(h)
    .await?;
    Ok(())
}

/// One revision.
pub async fn revision(h: &mut dyn Handle, database_id: &str, revision: i64) -> Result<Option<RevisionRow>, StoreError> {
    Sql::new(&format!("{REVISION_SELECT} WHERE r.database_id = $1 AND r.revision = $2"))
        .bind(database_id)
        .bind(revision)
        .fetch_optional(h)
        .await
}

/// Every revision of a database, newest first.
pub async fn revisions(h: &mut dyn Handle, database_id: &str) -> Result<Vec<RevisionRow>, StoreError> {
    Sql::new(&format!("{REVISION_SELECT} WHERE r.database_id = $1 ORDER BY r.revision DESC"))
        .bind(database_id)
        .fetch_all(h)
        .await
}

/// Records a review of a revision.
pub async fn review(
    h: &mut dyn Handle,
    database_id: &str,
    revision: i64,
    state: &str,
    reviewer: Option<&str>,
    when: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    Sql::new(
        "UPDATE datamap_revisions SET review_state = $1, reviewer_user_id = $2, reviewed = $3, review_note = $4 \
         WHERE database_id = $5 AND revision = $6",
    )
    .bind(state)
    .bind(reviewer)
    .bind(when)
    .bind(note)
    .bind(database_id)
    .bind(revision)
    .execute(h)
    .await?;
    Ok(())
}

/// Marks the pending revisions before `revision` superseded.
pub async fn supersede_before(h: &mut dyn Handle, database_id: &str, revision: i64) -> Result<(), StoreError> {
    Sql::new(
        "UPDATE datamap_revisions SET review_state = 'superseded' \
         WHERE database_id = $1 AND revision < $2 AND review_state = 'pending'",
    )
    .bind(database_id)
    .bind(revision)
    .execute(h)
    .await?;
    Ok(())
}

/// A database with the content of one of its revisions.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EntryRow {
    pub id: String,
    pub owner_org: String,
    pub revision: i64,
    pub review_state: String,
    pub doc: String,
    /// The harvest source that brought it, if any.
    pub harvest_source_id: Option<String>,
}

crate::sqlite_row!(EntryRow { id, owner_org, revision, review_state, doc, harvest_source_id });

/// Every active database with its approved revision (the map).
pub async fn approved_entries(h: &mut dyn Handle) -> Result<Vec<EntryRow>, StoreError> {
    Sql::new(
        "SELECT d.id, d.owner_org, r.revision, r.review_state, r.doc, d.harvest_source_id FROM datamap_databases d \
         JOIN datamap_revisions r ON r.database_id = d.id AND r.revision = d.approved_revision \
         WHERE d.state = 'active' ORDER BY d.name",
    )
    .fetch_all(h)
    .await
}

/// Active databases of the given agencies with their latest revision
/// when it awaits review (the agencies' and reviewers' queue); all
/// agencies when `orgs` is `None`.
pub async fn pending_entries(h: &mut dyn Handle, orgs: Option<&[String]>) -> Result<Vec<EntryRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT d.id, d.owner_org, r.revision, r.review_state, r.doc, d.harvest_source_id FROM datamap_databases d \
         JOIN datamap_revisions r ON r.database_id = d.id AND r.revision = d.revision \
         WHERE d.state = 'active' AND r.review_state = 'pending'",
    );
    if let Some(orgs) = orgs {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        q.push(" AND d.owner_org IN ");
        q.in_list(orgs);
    }
    q.push(" ORDER BY d.name");
    q.fetch_all(h).await
}

/// A data element of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ElementRow {
    pub id: String,
    pub name: String,
    pub doc: String,
    pub state: String,
    pub created: String,
    pub modified: String,
    pub modifier_user_id: Option<String>,
}

crate::sqlite_row!(ElementRow { id, name, doc, state, created, modified, modifier_user_id });

const ELEMENT_COLUMNS: &str = "id, name, doc, state, created, modified, modifier_user_id";

/// Adds or replaces an element.
pub async fn upsert_element(h: &mut dyn Handle, e: &ElementRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO datamap_elements (id, name, doc, state, created, modified, modifier_user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         doc = excluded.doc, state = excluded.state, modified = excluded.modified, \
         modifier_user_id = excluded.modifier_user_id",
    )
    .bind(&e.id)
    .bind(&e.name)
    .bind(&e.doc)
    .bind(&e.state)
    .bind(&e.created)
    .bind(&e.modified)
    .bind(&e.modifier_user_id)
    .execute(h)
    .await?;
    Ok(())
}

/// An active element by id or name.
pub async fn find_element(h: &mut dyn Handle, id_or_name: &str) -> Result<Option<ElementRow>, StoreError> {
    Sql::new(&format!(
        "SELECT {ELEMENT_COLUMNS} FROM datamap_elements WHERE (id = $1 OR name = $1) AND state = 'active'"
    ))
    .bind(id_or_name)
    .fetch_optional(h)
    .await
}

/// Every active element, by name.
pub async fn elements(h: &mut dyn Handle) -> Result<Vec<ElementRow>, StoreError> {
    Sql::new(&format!("SELECT {ELEMENT_COLUMNS} FROM datamap_elements WHERE state = 'active' ORDER BY name"))
        .fetch_all(h)
        .await
}

/// A published version of the map.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VersionRow {
    pub id: String,
    pub version: String,
    pub major: i64,
    pub minor: i64,
    pub notes: String,
    /// The snapshot (JSON); empty in lists.
    pub snapshot: String,
    /// Its counts (JSON).
    pub summary: String,
    pub published: String,
    pub publisher_user_id: Option<String>,
}

crate::sqlite_row!(VersionRow { id, version, major, minor, notes, snapshot, summary, published, publisher_user_id });

/// Records a published version.
pub async fn insert_version(h: &mut dyn Handle, v: &VersionRow) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO datamap_versions (id, version, major, minor, notes, snapshot, summary, published, \
            publisher_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&v.id)
    .bind(&v.version)
    .bind(v.major)
    .bind(v.minor)
    .bind(&v.notes)
    .bind(&v.snapshot)
    .bind(&v.summary)
    .bind(&v.published)
    .bind(&v.publisher_user_id)
    .execute(h)
    .await?;
    Ok(())
}

/// A version by its label ("1.2"), or the latest with `None`.
pub async fn version(h: &mut dyn Handle, label: Option<&str>) -> Result<Option<VersionRow>, StoreError> {
    let cols = "id, version, major, minor, notes, snapshot, summary, published, publisher_user_id";
    match label {
        Some(l) => {
            Sql::new(&format!("SELECT {cols} FROM datamap_versions WHERE version = $1")).bind(l).fetch_optional(h).await
        }
        None => {
            Sql::new(&format!("SELECT {cols} FROM datamap_versions ORDER BY major DESC, minor DESC LIMIT 1"))
                .fetch_optional(h)
                .await
        }
    }
}

/// Every version, newest first, without snapshots.
pub async fn versions(h: &mut dyn Handle) -> Result<Vec<VersionRow>, StoreError> {
    Sql::new(
        "SELECT id, version, major, minor, notes, '' AS snapshot, summary, published, publisher_user_id \
         FROM datamap_versions ORDER BY major DESC, minor DESC",
    )
    .fetch_all(h)
    .await
}

/// The map's generation: bumped by every change the approved map shows.
pub async fn generation(h: &mut dyn Handle) -> Result<i64, StoreError> {
    Ok(crate::meta::get(h, GENERATION).await?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Bumps the generation (inside the changing transaction).
pub async fn bump_generation(h: &mut dyn Handle) -> Result<(), StoreError> {
    // One statement, so two concurrent writers never both write the same
    // next value (PostgreSQL locks the row; SQLite has one writer).
    Sql::new(
        "INSERT INTO kho_meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET \
         value = CAST(CAST(kho_meta.value AS BIGINT) + 1 AS TEXT)",
    )
    .bind(GENERATION)
    .execute(h)
    .await?;
    Ok(())
}
