//! Catalog records in the shape the CKAN Action API shows them.
//!
//! Field names and order follow CKAN 2.11's `package_show`,
//! `organization_show` and friends, so that existing clients parse them
//! unchanged. Kho's additions (the Law on Data classification, temporal and
//! spatial coverage, update frequency, translations, agency hierarchy) are
//! extra keys, which CKAN clients ignore.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A dataset, as `package_show` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub creator_user_id: Option<String>,
    pub id: String,
    pub isopen: bool,
    pub license_id: Option<String>,
    pub license_title: Option<String>,
    pub license_url: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub metadata_created: String,
    pub metadata_modified: String,
    pub name: String,
    pub notes: Option<String>,
    pub num_resources: usize,
    pub num_tags: usize,
    pub organization: Option<OrganizationSummary>,
    pub owner_org: Option<String>,
    pub private: bool,
    pub state: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub version: Option<String>,
    pub extras: Vec<Extra>,
    pub groups: Vec<GroupSummary>,
    pub resources: Vec<Resource>,
    pub tags: Vec<Tag>,
    pub relationships_as_object: Vec<Value>,
    pub relationships_as_subject: Vec<Value>,
    /// Classification by sharing (Law on Data): `open`, `shared`, `private_use`.
    pub data_sharing: String,
    /// Classification by importance (Law on Data): `core`, `important`, `other`.
    pub data_importance: String,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: Option<String>,
    pub update_frequency: Option<String>,
    pub title_translated: BTreeMap<String, String>,
    pub notes_translated: BTreeMap<String, String>,
}

/// A `{"key": ..., "value": ...}` pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extra {
    pub key: String,
    pub value: String,
}

/// A tag as it appears inside a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub display_name: String,
    pub id: String,
    pub name: String,
    pub state: String,
    pub vocabulary_id: Option<String>,
}

/// The owning organization as it appears inside a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub id: String,
    pub name: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    pub image_url: String,
    pub created: String,
    pub is_organization: bool,
    pub approval_status: String,
    pub state: String,
    pub agency_kind: Option<String>,
    pub title_translated: BTreeMap<String, String>,
}

/// A group as it appears inside a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub description: String,
    pub display_name: String,
    pub id: String,
    pub image_display_url: String,
    pub name: String,
    pub title: String,
}

/// A resource (a file or link belonging to a dataset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub cache_last_updated: Option<String>,
    pub cache_url: Option<String>,
    pub created: String,
    pub datastore_active: bool,
    pub description: Option<String>,
    pub format: Option<String>,
    pub hash: Option<String>,
    pub id: String,
    pub last_modified: Option<String>,
    pub metadata_modified: String,
    pub mimetype: Option<String>,
    pub mimetype_inner: Option<String>,
    pub name: Option<String>,
    pub package_id: String,
    pub position: i64,
    pub resource_type: Option<String>,
    pub size: Option<i64>,
    pub state: String,
    pub url: String,
    pub url_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub name_translated: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub description_translated: BTreeMap<String, String>,
    /// Other keys the publisher set; CKAN returns them at the top level.
    #[serde(flatten)]
    pub extras: Map<String, Value>,
}

/// An organization (agency) or group (theme), as `organization_show` and
/// `group_show` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub approval_status: String,
    pub created: String,
    pub description: String,
    pub display_name: String,
    pub id: String,
    pub image_display_url: String,
    pub image_url: String,
    pub is_organization: bool,
    pub name: String,
    pub num_followers: i64,
    pub package_count: i64,
    pub state: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub extras: Vec<Extra>,
    pub tags: Vec<Value>,
    /// Parent organizations in ckanext-hierarchy's shape
    /// (`[{"name": ..., "capacity": "parent"}]`).
    pub groups: Vec<Value>,
    /// What kind of agency (organizations only).
    pub agency_kind: Option<String>,
    /// The agency's official code, if any.
    pub agency_code: Option<String>,
    pub parent_id: Option<String>,
    pub title_translated: BTreeMap<String, String>,
    pub description_translated: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<MemberUser>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<String>>,
}

/// A user as listed inside an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberUser {
    pub id: String,
    pub name: String,
    pub fullname: Option<String>,
    pub display_name: String,
    pub capacity: String,
    pub sysadmin: bool,
    pub state: String,
}

/// A user account, as `user_show` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub fullname: Option<String>,
    pub display_name: String,
    pub about: Option<String>,
    pub created: String,
    /// Only shown to the user themself and to sysadmins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub sysadmin: bool,
    pub state: String,
    pub image_display_url: String,
    pub number_created_packages: i64,
    pub activity_streams_email_notifications: bool,
}

/// A membership (`member_create`'s result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub table_name: String,
    pub table_id: String,
    pub capacity: String,
    pub group_id: String,
    pub state: String,
}

/// An API token's metadata (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: String,
    pub last_access: Option<String>,
    pub expires_at: Option<String>,
}

/// A background job and how far it has got (loads, validations, harvests).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub subject: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub progress: JobProgress,
    /// The last attempt's error, if it failed.
    pub error: Option<String>,
    pub created: String,
    pub updated: String,
    pub finished: Option<String>,
}

/// Progress of a job: units done of a total (rows, bytes…), and a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobProgress {
    pub done: i64,
    pub total: Option<i64>,
    pub note: Option<String>,
}

/// One entry of an activity stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub timestamp: String,
    pub user_id: Option<String>,
    pub object_id: String,
    pub activity_type: String,
    pub data: Value,
}

/// The parts of a dataset that decide who may see or change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetAccess {
    pub id: String,
    pub name: String,
    pub owner_org: Option<String>,
    pub private: bool,
    pub state: crate::vocab::DatasetState,
    pub creator_user_id: Option<String>,
    /// Set on a harvested dataset: the harvest source that keeps it in
    /// step with its original, which only the harvester may change.
    pub harvest_source_id: Option<String>,
}

/// Returns `title` unless it is empty, then `name` (CKAN's `display_name`).
pub fn display_name(title: &str, name: &str) -> String {
    if title.trim().is_empty() { name.to_string() } else { title.to_string() }
}
