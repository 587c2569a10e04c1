//! Authorization: the one place that decides who may do what.
//!
//! Rules (CKAN's model, with Viet Nam's agency hierarchy):
//! - A **sysadmin** may do everything.
//! - Roles in an organization are **admin ⊃ editor ⊃ member**. A role in a
//!   parent organization applies to its descendants too (a province's data
//!   officer manages its departments' datasets); the store expands these
//!   when it loads an [`Actor`].
//! - An **active, public** dataset is visible to everyone. An active,
//!   **private** one only to members (any role) of its organization.
//! - A **draft** is visible to its creator and to editors of its
//!   organization. A **deleted** dataset only to sysadmins.
//! - Editors and admins create, update and delete datasets of their
//!   organization; admins manage the organization and its members.
//! - Only sysadmins create organizations, groups and users.
//!
//! Listing queries do not call [`authorize`] row by row: they take a
//! [`DatasetFilter`] from [`dataset_filter`], whose [`DatasetFilter::allows`]
//! is the very rule `authorize(ReadDataset)` applies. The store translates
//! the same filter into SQL, and a test checks the two agree.

use crate::error::{Error, Result};
use crate::model::DatasetAccess;
use crate::vocab::{Capacity, DatasetState};
use std::collections::BTreeMap;

/// Who is acting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actor {
    /// The signed-in user, or `None` for anonymous requests.
    pub user: Option<ActorUser>,
    /// Effective roles by organization/group id, including roles inherited
    /// from parent organizations.
    pub memberships: BTreeMap<String, Capacity>,
}

/// The identity of a signed-in user.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorUser {
    pub id: String,
    pub name: String,
    pub sysadmin: bool,
}

impl Actor {
    /// An anonymous visitor.
    pub fn anonymous() -> Self {
        Actor::default()
    }

    /// The site itself (CLI maintenance, demo loading): a sysadmin without a user row.
    pub fn system() -> Self {
        Actor {
            user: Some(ActorUser { id: String::new(), name: "kho".into(), sysadmin: true }),
            memberships: BTreeMap::new(),
        }
    }

    /// Kho itself (jobs, the harvester), not a person: only
    /// [`Actor::system`] is a sysadmin without a user id.
    pub fn is_system(&self) -> bool {
        self.is_sysadmin() && self.user_id().is_none()
    }

    /// True for sysadmins.
    pub fn is_sysadmin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.sysadmin)
    }

    /// The user id, if signed in with a real account.
    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.id.as_str()).filter(|id| !id.is_empty())
    }

    /// The name used in messages ("" for anonymous, as CKAN).
    pub fn display(&self) -> &str {
        self.user.as_ref().map(|u| u.name.as_str()).unwrap_or("")
    }

    /// The actor's role in an organization or group.
    pub fn role_in(&self, group_id: &str) -> Option<Capacity> {
        self.memberships.get(group_id).copied()
    }

    fn has_role(&self, group_id: Option<&str>, at_least: Capacity) -> bool {
        group_id.and_then(|g| self.role_in(g)).is_some_and(|c| c >= at_least)
    }
}

/// Something an actor wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Permission<'a> {
    ReadDataset(&'a DatasetAccess),
    CreateDataset {
        org_id: &'a str,
    },
    UpdateDataset(&'a DatasetAccess),
    DeleteDataset(&'a DatasetAccess),
    PurgeDataset,
    CreateOrganization,
    UpdateOrganization {
        id: &'a str,
    },
    DeleteOrganization {
        id: &'a str,
    },
    ManageOrganizationMembers {
        id: &'a str,
    },
    CreateGroup,
    UpdateGroup {
        id: &'a str,
    },
    /// Add or remove a dataset to/from a group (theme).
    ManageGroupDatasets {
        id: &'a str,
    },
    ManageGroupMembers {
        id: &'a str,
    },
    DeleteGroup {
        id: &'a str,
    },
    /// See an organization's internal reports (broken links of all its
    /// datasets, private ones included): who may read its private datasets.
    ReadOrganizationReports {
        id: &'a str,
    },
    CreateUser,
    /// See a user's private details (e-mail, tokens).
    ReadUserPrivate {
        user_id: &'a str,
    },
    ManageTokens {
        user_id: &'a str,
    },
    /// Create or change an agency's registry entries (databases) and its
    /// progress reports and annual report: the agency's editors.
    EditAgencyRecords {
        org_id: &'a str,
    },
    /// Approve or reject registry revisions and reports, publish map
    /// versions, keep the data dictionary and the ranking method: the
    /// national data-map office, which is the site's sysadmins.
    Review,
    /// Site administration (purge, reindex, site settings).
    Sysadmin,
}

/// What authorization needs to know of a registry entry.
#[derive(Debug, Clone, Copy)]
pub struct RegistryAccess<'a> {
    /// The owning agency.
    pub owner_org: &'a str,
    /// Private-use or core data.
    pub restricted: bool,
}

/// Which registry entries an actor may see (the one rule for reading the
/// data map; the catalog applies it to single entries and whole maps):
/// every unrestricted entry, and
/// restricted ones (private-use or core data) only of the agencies the
/// actor belongs to (any role, inherited down the hierarchy) or to
/// sysadmins. An agency's unreviewed revisions follow the same rule
/// through [`RegistryFilter::sees_unreviewed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryFilter {
    /// Sees everything.
    pub all: bool,
    /// Agencies whose restricted entries and drafts the actor may read.
    pub member_orgs: Vec<String>,
}

impl RegistryFilter {
    /// True when the entry is visible under this filter.
    pub fn allows(&self, e: &RegistryAccess<'_>) -> bool {
        !e.restricted || self.sees_unreviewed(e.owner_org)
    }

    /// True when the actor sees the agency's unreviewed revisions and
    /// restricted entries.
    pub fn sees_unreviewed(&self, owner_org: &str) -> bool {
        self.all || self.member_orgs.iter().any(|o| o == owner_org)
    }
}

/// The registry filter for `actor` (see [`RegistryFilter`]).
pub fn registry_filter(actor: &Actor) -> RegistryFilter {
    if actor.is_sysadmin() {
        return RegistryFilter { all: true, member_orgs: vec![] };
    }
    RegistryFilter { all: false, member_orgs: actor.memberships.keys().cloned().collect() }
}

/// Decides whether `actor` may do `perm`. `Err(Forbidden)` says why not,
/// in CKAN's wording ("User x not authorized to …").
pub fn authorize(actor: &Actor, perm: Permission<'_>) -> Result<()> {
    // A harvested dataset follows its source: a local edit would be undone
    // by the next run, so only the harvester (the system) changes it.
    if let Permission::UpdateDataset(d) | Permission::DeleteDataset(d) = &perm
        && d.harvest_source_id.is_some()
        && !actor.is_system()
    {
        return Err(Error::forbidden(format!(
            "Dataset {} is harvested from another catalog and kept in step with it; change it at its source",
            d.name
        )));
    }
    if actor.is_sysadmin() {
        return Ok(());
    }
    let who = actor.display();
    let deny = |what: String| Err(Error::forbidden(format!("User {who} not authorized to {what}")));
    match perm {
        Permission::ReadDataset(d) => {
            if dataset_filter(actor).allows(d) {
                Ok(())
            } else {
                deny(format!("read package {}", d.id))
            }
        }
        Permission::CreateDataset { org_id } => {
            if actor.user.is_some() && actor.has_role(Some(org_id), Capacity::Editor) {
                Ok(())
            } else {
                deny(format!("create packages in organization {org_id}"))
            }
        }
        Permission::UpdateDataset(d) => {
            if d.state != DatasetState::Deleted && actor.has_role(d.owner_org.as_deref(), Capacity::Editor) {
                Ok(())
            } else {
                deny(format!("edit package {}", d.id))
            }
        }
        Permission::DeleteDataset(d) => {
            if d.state != DatasetState::Deleted && actor.has_role(d.owner_org.as_deref(), Capacity::Editor) {
                Ok(())
            } else {
                deny(format!("delete package {}", d.id))
            }
        }
        Permission::ReadOrganizationReports { id } => {
            if actor.user.is_some() && actor.has_role(Some(id), Capacity::Member) {
                Ok(())
            } else {
                deny(format!("read the reports of organization {id}"))
            }
        }
        Permission::PurgeDataset => deny("purge packages".into()),
        Permission::CreateOrganization => deny("create organizations".into()),
        Permission::UpdateOrganization { id } | Permission::ManageOrganizationMembers { id } => {
            if actor.has_role(Some(id), Capacity::Admin) { Ok(()) } else { deny(format!("edit organization {id}")) }
        }
        Permission::DeleteOrganization { id } => {
            if actor.has_role(Some(id), Capacity::Admin) {
                Ok(())
            } else {
                deny(format!("delete organization {id}"))
            }
        }
        Permission::CreateGroup => deny("create groups".into()),
        Permission::UpdateGroup { id } | Permission::ManageGroupMembers { id } | Permission::DeleteGroup { id } => {
            if actor.has_role(Some(id), Capacity::Admin) {
                Ok(())
            } else {
                deny(format!("edit group {id}"))
            }
        }
        Permission::ManageGroupDatasets { id } => {
            if actor.has_role(Some(id), Capacity::Editor) {
                Ok(())
            } else {
                deny(format!("edit group {id}"))
            }
        }
        Permission::CreateUser => deny("create users".into()),
        Permission::ReadUserPrivate { user_id } | Permission::ManageTokens { user_id } => {
            if actor.user_id() == Some(user_id) { Ok(()) } else { deny(format!("manage user {user_id}")) }
        }
        Permission::EditAgencyRecords { org_id } => {
            if actor.user.is_some() && actor.has_role(Some(org_id), Capacity::Editor) {
                Ok(())
            } else {
                deny(format!("edit the records of organization {org_id}"))
            }
        }
        Permission::Review => deny("review the data map and reports".into()),
        Permission::Sysadmin => deny("administer the site".into()),
    }
}

/// Which datasets an actor may see, in a form both Rust and SQL can apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFilter {
    /// Sees everything, deleted included.
    pub all: bool,
    /// Organizations whose private, active datasets the actor may read.
    pub member_orgs: Vec<String>,
    /// Organizations whose drafts the actor may read (editor or admin).
    pub editor_orgs: Vec<String>,
    /// Drafts created by this user are visible to them.
    pub user_id: Option<String>,
}

impl DatasetFilter {
    /// True when the dataset is visible under this filter.
    pub fn allows(&self, d: &DatasetAccess) -> bool {
        if self.all {
            return true;
        }
        let in_orgs = |orgs: &[String]| d.owner_org.as_ref().is_some_and(|o| orgs.contains(o));
        match d.state {
            DatasetState::Deleted => false,
            DatasetState::Draft => {
                (self.user_id.is_some() && d.creator_user_id == self.user_id) || in_orgs(&self.editor_orgs)
            }
            DatasetState::Active => !d.private || in_orgs(&self.member_orgs),
        }
    }
}

/// The visibility filter for `actor` (see [`DatasetFilter`]).
pub fn dataset_filter(actor: &Actor) -> DatasetFilter {
    if actor.is_sysadmin() {
        return DatasetFilter { all: true, member_orgs: vec![], editor_orgs: vec![], user_id: None };
    }
    let mut member_orgs = Vec::new();
    let mut editor_orgs = Vec::new();
    for (org, cap) in &actor.memberships {
        member_orgs.push(org.clone());
        if *cap >= Capacity::Editor {
            editor_orgs.push(org.clone());
        }
    }
    DatasetFilter { all: false, member_orgs, editor_orgs, user_id: actor.user_id().map(str::to_string) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, roles: &[(&str, Capacity)]) -> Actor {
        Actor {
            user: Some(ActorUser { id: id.into(), name: id.into(), sysadmin: false }),
            memberships: roles.iter().map(|(o, c)| (o.to_string(), *c)).collect(),
        }
    }

    fn ds(org: &str, private: bool, state: DatasetState, creator: &str) -> DatasetAccess {
        DatasetAccess {
            id: "d".into(),
            name: "d".into(),
            owner_org: Some(org.into()),
            private,
            state,
            creator_user_id: Some(creator.into()),
            harvest_source_id: None,
        }
    }

    #[test]
    fn registry_entries_restricted_to_their_agency() {
        let public = RegistryAccess { owner_org: "o1", restricted: false };
        let restricted = RegistryAccess { owner_org: "o1", restricted: true };
        let anon = Actor::anonymous();
        let member = user("m", &[("o1", Capacity::Member)]);
        let other = user("x", &[("o2", Capacity::Admin)]);
        for (who, sees) in [(&anon, false), (&member, true), (&other, false), (&Actor::system(), true)] {
            assert!(registry_filter(who).allows(&public));
            assert_eq!(registry_filter(who).allows(&restricted), sees);
        }
        let editor = user("e", &[("o1", Capacity::Editor)]);
        assert!(authorize(&editor, Permission::EditAgencyRecords { org_id: "o1" }).is_ok());
        assert!(authorize(&member, Permission::EditAgencyRecords { org_id: "o1" }).is_err());
        assert!(authorize(&other, Permission::EditAgencyRecords { org_id: "o1" }).is_err());
        assert!(authorize(&editor, Permission::Review).is_err());
        assert!(authorize(&Actor::system(), Permission::Review).is_ok());
    }

    #[test]
    fn harvested_datasets_change_only_by_the_harvester() {
        let mut d = ds("org", false, DatasetState::Active, "c");
        let admin = Actor {
            user: Some(ActorUser { id: "u1".into(), name: "qt".into(), sysadmin: true }),
            memberships: BTreeMap::new(),
        };
        assert!(authorize(&admin, Permission::UpdateDataset(&d)).is_ok());
        d.harvest_source_id = Some("nguon".into());
        for perm in [Permission::UpdateDataset(&d), Permission::DeleteDataset(&d)] {
            let e = authorize(&admin, perm).unwrap_err();
            assert!(e.to_string().contains("harvested"), "{e}");
        }
        assert!(authorize(&Actor::system(), Permission::UpdateDataset(&d)).is_ok());
        assert!(authorize(&Actor::system(), Permission::DeleteDataset(&d)).is_ok());
        assert!(authorize(&admin, Permission::ReadDataset(&d)).is_ok(), "reading is as for any dataset");
        assert!(Actor::system().is_system() && !admin.is_system());
    }

    #[test]
    fn visibility_matrix() {
        let anon = Actor::anonymous();
        let member = user("m", &[("org", Capacity::Member)]);
        let editor = user("e", &[("org", Capacity::Editor)]);
        let outsider = user("o", &[("other", Capacity::Admin)]);
        let admin =
            Actor { user: Some(ActorUser { id: "s".into(), name: "s".into(), sysadmin: true }), ..Default::default() };

        let public = ds("org", false, DatasetState::Active, "e");
        let private = ds("org", true, DatasetState::Active, "e");
        let draft = ds("org", false, DatasetState::Draft, "m");
        let deleted = ds("org", false, DatasetState::Deleted, "e");

        let read = |a: &Actor, d: &DatasetAccess| authorize(a, Permission::ReadDataset(d)).is_ok();
        assert!(read(&anon, &public) && read(&outsider, &public));
        assert!(!read(&anon, &private) && !read(&outsider, &private));
        assert!(read(&member, &private) && read(&editor, &private));
        assert!(read(&member, &draft), "creator sees own draft");
        assert!(read(&editor, &draft) && !read(&outsider, &draft) && !read(&anon, &draft));
        assert!(!read(&editor, &deleted) && read(&admin, &deleted));

        assert!(authorize(&editor, Permission::UpdateDataset(&private)).is_ok());
        assert!(authorize(&member, Permission::UpdateDataset(&private)).is_err());
        assert!(authorize(&outsider, Permission::DeleteDataset(&public)).is_err());
        assert!(authorize(&member, Permission::CreateDataset { org_id: "org" }).is_err());
        assert!(authorize(&editor, Permission::CreateDataset { org_id: "org" }).is_ok());
        assert!(authorize(&editor, Permission::ManageOrganizationMembers { id: "org" }).is_err());
        assert!(authorize(&outsider, Permission::ManageOrganizationMembers { id: "other" }).is_ok());
        // Reports list private datasets' details: exactly who reads them.
        let reports = |a: &Actor| authorize(a, Permission::ReadOrganizationReports { id: "org" }).is_ok();
        assert!(reports(&member) && reports(&editor) && reports(&admin));
        assert!(!reports(&outsider) && !reports(&anon));
        assert_eq!(reports(&member), read(&member, &private));
        assert!(authorize(&anon, Permission::CreateOrganization).is_err());
        assert!(authorize(&admin, Permission::PurgeDataset).is_ok());
        assert!(authorize(&member, Permission::ManageTokens { user_id: "m" }).is_ok());
        assert!(authorize(&member, Permission::ManageTokens { user_id: "e" }).is_err());
    }

    #[test]
    fn denial_names_the_user() {
        let e = authorize(&user("lan", &[]), Permission::CreateOrganization).unwrap_err();
        assert_eq!(e.to_string(), "Access denied: User lan not authorized to create organizations");
    }
}
