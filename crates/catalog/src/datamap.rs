//! The data map's actions: agencies describe their databases, a reviewer
//! approves each change, the dictionary names the data elements, and
//! published versions freeze the national picture.
//!
//! Every change to an entry is a new revision (who, when, why) awaiting
//! review; the map shows each database's approved revision. Restricted
//! entries (private-use or core data) are shown only to their agency and
//! reviewers, and everything built from the map (lists, versions, diffs,
//! the graph) is cut to what the viewer may see
//! (`kho_datamap::Snapshot::visible`) before it leaves this module.

use crate::{Catalog, Error, Result};
use kho_core::authz::RegistryFilter;
use kho_core::authz::{Actor, Permission, RegistryAccess, authorize, registry_filter};
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_core::vocab::Vocabulary;
use kho_datamap::vocab::ReviewState;
use kho_datamap::{Agency, DataElement, DatabaseEntry, Snapshot, View};
use kho_store::datamap::{self as store, DatabaseRow, ElementRow, RevisionRow, VersionRow};
use kho_store::{Handle, groups};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Most entries one list returns.
const LIST_MAX: i64 = 1000;

/// The approved map as this process keeps it, for one generation of the
/// map and of the agencies: the whole of it, and what anyone may see.
#[derive(Debug, Default)]
pub struct MapState {
    /// Approved entries, the dictionary and every agency.
    pub all: Arc<View>,
    /// The part without restricted entries (what anonymous visitors see).
    pub public: Arc<View>,
    /// Database ids by name.
    pub ids: HashMap<String, String>,
    /// The harvest source of each harvested database, by name.
    pub harvested: HashMap<String, String>,
    /// Agencies owning restricted entries: only their members need a view
    /// of their own.
    restricted_orgs: BTreeSet<String>,
    /// Views cut for members, by the restricted agencies they belong to
    /// (what they see beyond the public view depends on nothing else), so
    /// a ministry's members share one view per generation.
    cut: std::sync::Mutex<HashMap<Vec<String>, Arc<View>>>,
}

/// Member views kept per generation before the oldest are let go.
const CUT_VIEWS_KEPT: usize = 256;

impl MapState {
    fn new(all: Arc<View>, ids: HashMap<String, String>, harvested: HashMap<String, String>) -> MapState {
        let public = all.visible(&registry_filter(&Actor::anonymous())).map(Arc::new).unwrap_or_else(|| all.clone());
        let restricted_orgs =
            all.snapshot.databases.iter().filter(|d| d.restricted()).map(|d| d.owner_org.clone()).collect();
        MapState { all, public, ids, harvested, restricted_orgs, cut: Default::default() }
    }

    /// The map as `filter` sees it: the whole map for reviewers, the
    /// public view for anyone outside the agencies with restricted
    /// entries, else the view kept for those agencies' members.
    pub fn view_for(&self, filter: &RegistryFilter) -> Arc<View> {
        if filter.all {
            return self.all.clone();
        }
        let mut key: Vec<String> =
            filter.member_orgs.iter().filter(|o| self.restricted_orgs.contains(*o)).cloned().collect();
        if key.is_empty() {
            return self.public.clone();
        }
        key.sort();
        key.dedup();
        let mut cut = self.cut.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = cut.get(&key) {
            return v.clone();
        }
        let view = self
            .all
            .visible(&RegistryFilter { all: false, member_orgs: key.clone() })
            .map(Arc::new)
            .unwrap_or_else(|| self.all.clone());
        if cut.len() >= CUT_VIEWS_KEPT {
            cut.clear();
        }
        cut.insert(key, view.clone());
        view
    }
}

pub(crate) fn parse_entry(doc: &str) -> Result<DatabaseEntry> {
    serde_json::from_str(doc).map_err(|e| Error::internal(format!("stored data-map entry unreadable: {e}")))
}

fn parse_element(doc: &str) -> Result<DataElement> {
    serde_json::from_str(doc).map_err(|e| Error::internal(format!("stored data element unreadable: {e}")))
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("No database \"{id}\" in the data map"))
}

/// Agencies of the map: every active organization (titles, kinds and
/// codes as they are now).
async fn agencies(conn: &mut dyn Handle) -> Result<Vec<Agency>> {
    let rows = groups::list_with_counts(conn, true, None, None, groups::GroupSort::NameAsc, 100_000, 0).await?;
    Ok(rows
        .into_iter()
        .map(|(g, _)| {
            let tr: BTreeMap<String, String> = serde_json::from_str(&g.title_translated).unwrap_or_default();
            Agency {
                id: g.id,
                name: g.name,
                title: g.title,
                title_en: tr.get("en").cloned(),
                kind: g.agency_kind,
                parent: g.parent_id,
                code: g.agency_code,
            }
        })
        .collect())
}

fn review_state(s: &str) -> ReviewState {
    ReviewState::parse(s).unwrap_or(ReviewState::Pending)
}

fn revision_json(r: &RevisionRow, changes: Option<Vec<Value>>) -> Value {
    let mut v = json!({
        "revision": r.revision, "action": r.action, "message": r.message,
        "author": r.author_name, "created": r.created, "review_state": r.review_state,
        "reviewer": r.reviewer_name, "reviewed": r.reviewed, "review_note": r.review_note,
    });
    if let Some(c) = changes {
        v["changes"] = Value::Array(c);
    }
    v
}

impl Catalog {
    /// The approved map, computed once per generation of the map and of
    /// the agencies in this process (two small reads tell whether the kept
    /// one still holds).
    pub async fn datamap_state(&self) -> Result<Arc<MapState>> {
        let key = {
            let mut conn = self.store().conn().await?;
            (store::generation(&mut conn).await?, groups::organizations_stamp(&mut conn).await?)
        };
        let this = self.clone();
        self.inner
            .datamap
            .current(Some(key), || async move {
                let mut conn = this.store().conn().await?;
                let mut snapshot = Snapshot { agencies: agencies(&mut conn).await?, ..Snapshot::default() };
                let (mut ids, mut harvested) = (HashMap::new(), HashMap::new());
                for row in store::approved_entries(&mut conn).await? {
                    let e = parse_entry(&row.doc)?;
                    ids.insert(e.name.clone(), row.id.clone());
                    if let Some(s) = row.harvest_source_id {
                        harvested.insert(e.name.clone(), s);
                    }
                    snapshot.databases.push(e);
                }
                for row in store::elements(&mut conn).await? {
                    snapshot.elements.push(parse_element(&row.doc)?);
                }
                Ok(MapState::new(Arc::new(View::new(snapshot)), ids, harvested))
            })
            .await
    }

    /// The approved map as `actor` may see it, with its agencies.
    pub async fn datamap_view(&self, actor: &Actor) -> Result<Arc<View>> {
        Ok(self.datamap_state().await?.view_for(&registry_filter(actor)))
    }

    /// Checks that every database `names` refers to exists and that the
    /// actor may see it (unseen ones are reported as missing, so a name
    /// reveals nothing).
    /// `state` is read before any write transaction opens, so a rebuild of
    /// the kept map never runs while the write lock is held.
    async fn check_database_refs(
        &self,
        conn: &mut dyn Handle,
        state: &MapState,
        actor: &Actor,
        names: &[String],
    ) -> Result<Vec<String>> {
        let filter = registry_filter(actor);
        let rows = store::databases_named(conn, names).await?;
        let mut missing = Vec::new();
        for n in names {
            let visible = state.all.database(n).is_some_and(|e| {
                filter.allows(&RegistryAccess { owner_org: &e.owner_org, restricted: e.restricted() })
            });
            let own = rows.iter().any(|r| &r.name == n && filter.sees_unreviewed(&r.owner_org));
            if !visible && !own {
                missing.push(n.clone());
            }
        }
        Ok(missing)
    }

    /// Checks an entry's references (databases, elements) and who may set
    /// the national-repository flag.
    async fn check_entry(
        &self,
        conn: &mut dyn Handle,
        state: &MapState,
        actor: &Actor,
        e: &DatabaseEntry,
        previous: Option<&DatabaseEntry>,
    ) -> Result<()> {
        let mut errors = kho_core::ValidationErrors::default();
        let mut names: Vec<String> = e.connections.iter().map(|c| c.database.clone()).collect();
        names.sort();
        names.dedup();
        for m in self.check_database_refs(conn, state, actor, &names).await? {
            errors.add("connections", format!("No database \"{m}\" in the data map"));
        }
        let known: BTreeSet<String> = store::elements(conn).await?.into_iter().map(|r| r.name).collect();
        let mut used: BTreeSet<&str> = e.elements.iter().map(String::as_str).collect();
        for c in &e.connections {
            used.extend(c.elements.iter().map(String::as_str));
        }
        for el in used.into_iter().filter(|n| !known.contains(*n)) {
            errors.add("elements", format!("No data element \"{el}\" in the dictionary; add it first"));
        }
        let was = previous.is_some_and(|p| p.national_repository);
        if e.national_repository != was && authorize(actor, Permission::Review).is_err() {
            errors.add("national_repository", "Only a reviewer of the data map marks the national repository");
        }
        errors.into_result()
    }

    /// `datamap_database_create`: a new database entry of an agency (its
    /// editors), as revision 1 awaiting review. `message` says why.
    pub async fn datamap_database_create(&self, actor: &Actor, f: Fields) -> Result<Value> {
        if actor.user.is_none() {
            return Err(Error::forbidden("Sign in to describe your agency's databases"));
        }
        let message = f.map().get("message").and_then(Value::as_str).unwrap_or("").to_string();
        let mut f = f;
        f.ignore(&["message"]);
        let mut entry = DatabaseEntry::parse(f)?;
        let state = self.datamap_state().await?;
        let mut tx = self.store().write().await?;
        let org = crate::datasets::active_org(&mut tx, &entry.owner_org, "owner_org").await?;
        authorize(actor, Permission::EditAgencyRecords { org_id: &org.id })?;
        entry.owner_org = org.id.clone();
        if store::find_database(&mut tx, &entry.name).await?.is_some() {
            return Err(Error::field("name", "That name is already in use in the data map"));
        }
        self.check_entry(&mut tx, &state, actor, &entry, None).await?;
        let now = timefmt::now();
        let row = DatabaseRow {
            id: kho_store::new_id(),
            name: entry.name.clone(),
            owner_org: org.id.clone(),
            state: "active".into(),
            revision: 1,
            approved_revision: None,
            created: now.clone(),
            modified: now.clone(),
            harvest_source_id: None,
            harvest_remote_id: None,
        };
        store::upsert_database(&mut tx, &row).await?;
        store::insert_revision(&mut tx, &new_revision(&row.id, 1, "create", &entry, message, actor, &now)).await?;
        tx.commit().await?;
        tracing::info!(database = %row.name, org = %org.name, "data-map entry created");
        self.datamap_database_show(actor, &row.id, None).await
    }

    /// `datamap_database_update`: replaces an entry's content (a new
    /// revision awaiting review). `datamap_database_patch` (`patch`) merges
    /// the given fields over the latest revision first. `message` (why)
    /// is required.
    pub async fn datamap_database_update(&self, actor: &Actor, f: Fields, patch: bool) -> Result<Value> {
        let id = f
            .map()
            .get("id")
            .or_else(|| f.map().get("name"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::field("id", "Missing value"))?;
        let message = f.map().get("message").and_then(Value::as_str).map(str::trim).unwrap_or("").to_string();
        let state = self.datamap_state().await?;
        let mut tx = self.store().write().await?;
        let mut row = self.editable_row(&mut tx, &state, actor, &id).await?;
        if message.is_empty() {
            return Err(Error::field("message", "Missing value: say why the entry changes"));
        }
        let latest = store::revision(&mut tx, &row.id, row.revision).await?.ok_or_else(|| not_found(&id))?;
        if latest.action == "delete" && latest.review_state == "pending" {
            return Err(Error::field("id", "A deletion of this entry awaits review; a reviewer must decide it first"));
        }
        let previous = parse_entry(&latest.doc)?;
        let mut map: Map<String, Value> = f.map().clone();
        map.remove("message");
        if patch {
            map = kho_datamap::entry::patch(&previous.to_json(), &map);
        }
        map.entry("owner_org").or_insert_with(|| json!(row.owner_org));
        map.insert("name".into(), json!(previous.name));
        let mut entry = DatabaseEntry::parse(Fields::new(map))?;
        let org = crate::datasets::active_org(&mut tx, &entry.owner_org, "owner_org").await?;
        if org.id != row.owner_org {
            // Moving an entry to another agency (after a merger): the
            // actor must edit both agencies' records.
            authorize(actor, Permission::EditAgencyRecords { org_id: &org.id })?;
        }
        entry.owner_org = org.id;
        self.check_entry(&mut tx, &state, actor, &entry, Some(&previous)).await?;
        let now = timefmt::now();
        row.revision += 1;
        row.modified = now.clone();
        store::upsert_database(&mut tx, &row).await?;
        store::insert_revision(&mut tx, &new_revision(&row.id, row.revision, "update", &entry, message, actor, &now))
            .await?;
        tx.commit().await?;
        self.datamap_database_show(actor, &row.id, None).await
    }

    /// `datamap_database_delete`: asks for an entry's removal from the map
    /// (a revision awaiting review). `message` says why.
    pub async fn datamap_database_delete(&self, actor: &Actor, id: &str, message: &str) -> Result<Value> {
        let state = self.datamap_state().await?;
        let mut tx = self.store().write().await?;
        let mut row = self.editable_row(&mut tx, &state, actor, id).await?;
        if message.trim().is_empty() {
            return Err(Error::field("message", "Missing value: say why the entry is removed"));
        }
        let latest = store::revision(&mut tx, &row.id, row.revision).await?.ok_or_else(|| not_found(id))?;
        let entry = parse_entry(&latest.doc)?;
        let now = timefmt::now();
        row.revision += 1;
        row.modified = now.clone();
        store::upsert_database(&mut tx, &row).await?;
        let rev = new_revision(&row.id, row.revision, "delete", &entry, message.trim().to_string(), actor, &now);
        store::insert_revision(&mut tx, &rev).await?;
        tx.commit().await?;
        self.datamap_database_show(actor, &row.id, None).await
    }

    /// The active entry `id` names, which `actor` may edit.
    async fn editable_row(
        &self,
        conn: &mut dyn Handle,
        state: &MapState,
        actor: &Actor,
        id: &str,
    ) -> Result<DatabaseRow> {
        let row = store::find_database(conn, id).await?.filter(|r| r.state == "active").ok_or_else(|| not_found(id))?;
        if !registry_filter(actor).sees_unreviewed(&row.owner_org) {
            // Not one of the actor's agencies: whether it exists is told
            // only if the actor may see it.
            let visible = state.all.database(&row.name).is_some_and(|e| {
                registry_filter(actor).allows(&RegistryAccess { owner_org: &e.owner_org, restricted: e.restricted() })
            });
            if !visible {
                return Err(not_found(id));
            }
        }
        authorize(actor, Permission::EditAgencyRecords { org_id: &row.owner_org })?;
        if row.harvest_source_id.is_some() {
            return Err(Error::forbidden(
                "This entry is harvested from another node and is read-only here; change it at its source",
            ));
        }
        Ok(row)
    }

    /// `datamap_database_review` (reviewers): approves or rejects the
    /// latest revision awaiting review (`decision`: `approve`/`reject`,
    /// `note`, required to reject; `revision` to name it).
    pub async fn datamap_database_review(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let id = kho_core::input::id_or_name(&mut f, "id")?;
        let decision = f.required_text("decision", 20);
        let note = f.text("note", 5000);
        let asked = f.int("revision");
        f.reject_unknown("datamap_database_review takes id, revision, decision and note.");
        f.finish()?;
        let approve = match decision.as_deref() {
            Some("approve") => true,
            Some("reject") => false,
            _ => return Err(Error::field("decision", "Value must be one of approve, reject")),
        };
        if !approve && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::field("note", "Missing value: tell the agency why the change is rejected"));
        }
        let mut tx = self.store().write().await?;
        let mut row =
            store::find_database(&mut tx, &id).await?.filter(|r| r.state == "active").ok_or_else(|| not_found(&id))?;
        let rev_no = asked.unwrap_or(row.revision);
        let rev = store::revision(&mut tx, &row.id, rev_no)
            .await?
            .ok_or_else(|| Error::field("revision", format!("No revision {rev_no} of this entry")))?;
        if review_state(&rev.review_state) != ReviewState::Pending {
            return Err(Error::field(
                "revision",
                format!("Revision {rev_no} is {}, not awaiting review", rev.review_state),
            ));
        }
        if rev_no != row.revision {
            return Err(Error::field(
                "revision",
                format!("Revision {rev_no} is not the latest ({}); review the latest", row.revision),
            ));
        }
        let now = timefmt::now();
        let state = if approve { ReviewState::Approved } else { ReviewState::Rejected };
        store::review(&mut tx, &row.id, rev_no, state.code(), actor.user_id(), &now, note.as_deref()).await?;
        if approve {
            store::supersede_before(&mut tx, &row.id, rev_no).await?;
            let entry = parse_entry(&rev.doc)?;
            row.approved_revision = Some(rev_no);
            row.owner_org = entry.owner_org.clone();
            if rev.action == "delete" {
                retire(&mut row);
            }
            row.modified = now;
            store::upsert_database(&mut tx, &row).await?;
            store::bump_generation(&mut tx).await?;
        }
        tx.commit().await?;
        tracing::info!(database = %row.name, revision = rev_no, decision = ?decision, "data-map revision reviewed");
        let mut conn = self.store().conn().await?;
        let rev = store::revision(&mut conn, &row.id, rev_no).await?.ok_or_else(|| not_found(&id))?;
        Ok(json!({"id": row.id, "name": row.name, "state": row.state, "revision": revision_json(&rev, None)}))
    }

    /// `datamap_database_show`: an entry as the actor may see it: its
    /// agency and reviewers see the latest revision (and what awaits
    /// review), others the approved one. `revision` asks for one.
    pub async fn datamap_database_show(&self, actor: &Actor, id: &str, revision: Option<i64>) -> Result<Value> {
        let mut conn = self.store().conn().await?;
        let row = store::find_database(&mut conn, id).await?.ok_or_else(|| not_found(id))?;
        let filter = registry_filter(actor);
        let insider = filter.sees_unreviewed(&row.owner_org);
        if row.state != "active" && !insider {
            return Err(not_found(id));
        }
        // Insiders see any revision (the latest by default); others the
        // approved ones, and only while the approved content is one they
        // may see.
        let rev = if insider {
            store::revision(&mut conn, &row.id, revision.unwrap_or(row.revision)).await?
        } else {
            let approved = match row.approved_revision {
                Some(n) => store::revision(&mut conn, &row.id, n).await?,
                None => None,
            }
            .ok_or_else(|| not_found(id))?;
            let gate = parse_entry(&approved.doc)?;
            if !filter.allows(&RegistryAccess { owner_org: &row.owner_org, restricted: gate.restricted() }) {
                return Err(not_found(id));
            }
            match revision.filter(|n| *n != approved.revision) {
                None => Some(approved),
                Some(n) => store::revision(&mut conn, &row.id, n)
                    .await?
                    .filter(|r| review_state(&r.review_state) == ReviewState::Approved),
            }
        }
        .ok_or_else(|| not_found(id))?;
        let entry = parse_entry(&rev.doc)?;
        if !insider && !filter.allows(&RegistryAccess { owner_org: &row.owner_org, restricted: entry.restricted() }) {
            return Err(not_found(id));
        }
        let org = groups::find(&mut conn, &entry.owner_org, Some(true)).await?;
        let harvest = match &row.harvest_source_id {
            Some(source) => kho_store::harvest::find_source(&mut conn, source).await?.map(|s| {
                // Where it is kept and edited: the remote node's page of it.
                let remote = row.harvest_remote_id.as_deref().unwrap_or(&entry.name);
                json!({"name": s.name, "title": s.title, "url": s.url,
                       "original": format!("{}/datamap/database/{remote}", s.url)})
            }),
            None => None,
        };
        // Its declared connections to databases the actor may not see are
        // left out (a name would give them away).
        let mut entry = entry;
        let targets: Vec<String> = entry.connections.iter().map(|c| c.database.clone()).collect();
        let state = self.datamap_state().await?;
        let hidden = self.check_database_refs(&mut conn, &state, actor, &targets).await?;
        entry.connections.retain(|c| !hidden.contains(&c.database));
        drop(conn);
        let visible = state.view_for(&filter);
        let mut v = entry.to_json();
        v["id"] = json!(row.id);
        v["state"] = json!(row.state);
        v["created"] = json!(row.created);
        v["modified"] = json!(row.modified);
        v["revision"] = json!(rev.revision);
        v["review_state"] = json!(rev.review_state);
        v["approved_revision"] = json!(row.approved_revision);
        v["restricted"] = json!(entry.restricted());
        v["harvested"] = json!(row.harvest_source_id.is_some());
        if let Some(h) = harvest {
            v["harvest_source"] = h;
        }
        v["organization"] = org.map(|g| json!({"id": g.id, "name": g.name, "title": g.title})).unwrap_or(Value::Null);
        if insider && row.revision != rev.revision {
            v["latest_revision"] = json!(row.revision);
        }
        // Connections on the approved map, whichever side declared them.
        let mut connected = Vec::new();
        if let Some(me) = visible.position(&entry.name) {
            for e in visible.edges.iter().filter(|e| e.a == me || e.b == me) {
                let other = &visible.snapshot.databases[e.other(me)];
                let direction = match (e.flows(me, e.other(me)), e.flows(e.other(me), me)) {
                    (true, true) => "both",
                    (true, false) => "out",
                    _ => "in",
                };
                connected.push(json!({"database": other.name, "title": other.title, "direction": direction,
                    "platform": e.platform, "organization": other.owner_org}));
            }
        }
        v["connected"] = Value::Array(connected);
        v["duplications"] = json!(visible.duplications.iter().filter(|d| d.database == entry.name).collect::<Vec<_>>());
        Ok(v)
    }

    /// `datamap_database_list`: entries of the approved map the actor may
    /// see, filtered by `organization`, `class`, `sector`, `data_sharing`,
    /// `data_importance`, `status`, `q` (in names and titles, accents
    /// ignored); `pending=true` lists instead the entries with a revision
    /// awaiting review that the actor may see (an agency's own, or all for
    /// reviewers). `limit` (≤ 1000) and `offset` page.
    pub async fn datamap_database_list(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        let mut filter = DatabaseFilter::read(&mut f);
        let pending = f.bool("pending").unwrap_or(false);
        let limit = f.int_in("limit", 0, LIST_MAX).unwrap_or(100);
        let offset = f.int_in("offset", 0, i64::MAX).unwrap_or(0);
        f.reject_unknown("See datamap_database_list in the API guide.");
        f.finish()?;
        let mut conn = self.store().conn().await?;
        if let Some(o) = &filter.organization {
            filter.organization = Some(crate::datasets::active_org(&mut conn, o, "organization").await?.id);
        }
        let registry = registry_filter(actor);
        let mut rows: Vec<(String, DatabaseEntry, Option<String>)> = Vec::new();
        let state = self.datamap_state().await?;
        if pending {
            let orgs = if registry.all { None } else { Some(registry.member_orgs.as_slice()) };
            for r in store::pending_entries(&mut conn, orgs).await? {
                let e = parse_entry(&r.doc)?;
                if filter.matches(&e) {
                    rows.push((r.id, e, Some(r.review_state)));
                }
            }
            // As show: declared connections to databases the actor may not
            // see are left out (a name would give them away).
            let mut targets: Vec<String> =
                rows.iter().flat_map(|(_, e, _)| e.connections.iter().map(|c| c.database.clone())).collect();
            targets.sort();
            targets.dedup();
            let hidden: BTreeSet<String> =
                self.check_database_refs(&mut conn, &state, actor, &targets).await?.into_iter().collect();
            for (_, e, _) in &mut rows {
                e.connections.retain(|c| !hidden.contains(&c.database));
            }
        } else {
            for e in state.view_for(&registry).snapshot.databases.iter().filter(|e| filter.matches(e)) {
                let id = state.ids.get(&e.name).cloned().unwrap_or_default();
                rows.push((id, e.clone(), None));
            }
        }
        let count = rows.len();
        let results: Vec<Value> = rows
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(id, e, review)| {
                let restricted = e.restricted();
                let mut v = e.to_json();
                v["id"] = json!(id);
                v["restricted"] = json!(restricted);
                v["harvested"] = json!(state.harvested.contains_key(&e.name));
                if let Some(r) = review {
                    v["review_state"] = json!(r);
                }
                v
            })
            .collect();
        Ok(json!({"count": count, "results": results}))
    }

    /// `datamap_database_revision_list`: an entry's history (who, when,
    /// why, the review, and what each revision changed). Outsiders see
    /// the approved revisions only.
    pub async fn datamap_database_revision_list(&self, actor: &Actor, id: &str) -> Result<Vec<Value>> {
        // Visible at all (the same rule as show)?
        self.datamap_database_show(actor, id, None).await?;
        let state = self.datamap_state().await?;
        let mut conn = self.store().conn().await?;
        let row = store::find_database(&mut conn, id).await?.ok_or_else(|| not_found(id))?;
        let filter = registry_filter(actor);
        let insider = filter.sees_unreviewed(&row.owner_org);
        let mut revs: Vec<(RevisionRow, DatabaseEntry)> = Vec::new();
        for r in store::revisions(&mut conn, &row.id).await? {
            let e = parse_entry(&r.doc)?;
            // Outsiders see approved revisions, and only those whose
            // content they may see: an entry that was core or private-use
            // for a while does not show that time field by field.
            let readable = insider
                || (review_state(&r.review_state) == ReviewState::Approved
                    && filter.allows(&RegistryAccess { owner_org: &e.owner_org, restricted: e.restricted() }));
            if readable {
                revs.push((r, e));
            }
        }
        // Connections to databases the actor may not see are left out of
        // every revision before diffing (a name in a change would give
        // them away), as show leaves them out of the entry.
        let mut targets: Vec<String> =
            revs.iter().flat_map(|(_, e)| e.connections.iter().map(|c| c.database.clone())).collect();
        targets.sort();
        targets.dedup();
        let hidden: BTreeSet<String> =
            self.check_database_refs(&mut conn, &state, actor, &targets).await?.into_iter().collect();
        let docs: Vec<Value> = revs
            .iter_mut()
            .map(|(_, e)| {
                e.connections.retain(|c| !hidden.contains(&c.database));
                e.to_json()
            })
            .collect();
        let mut revs: Vec<RevisionRow> = revs.into_iter().map(|(r, _)| r).collect();
        // Oldest first to diff each against the one before it.
        let mut docs = docs;
        revs.reverse();
        docs.reverse();
        let mut out = Vec::with_capacity(revs.len());
        let mut before: Option<Value> = None;
        for (r, doc) in revs.iter().zip(docs) {
            let changes = match &before {
                Some(b) => kho_core::diff::diff(b, &doc),
                None => Vec::new(),
            };
            out.push(revision_json(r, Some(changes)));
            before = Some(doc);
        }
        out.reverse();
        Ok(out)
    }

    /// `datamap_element_create` / `datamap_element_update` (reviewers):
    /// a data element of the common dictionary.
    pub async fn datamap_element_save(&self, actor: &Actor, f: Fields, create: bool) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let id = f.map().get("id").and_then(Value::as_str).map(str::to_string);
        let state = self.datamap_state().await?;
        let mut tx = self.store().write().await?;
        let mut f = f;
        if let (false, Some(id)) = (create, &id)
            && !f.has("name")
        {
            // An update by id keeps the element's name.
            let existing = store::find_element(&mut tx, id).await?.ok_or_else(|| element_not_found(id))?;
            let mut map = f.map().clone();
            map.insert("name".into(), json!(existing.name));
            f = Fields::new(map);
        }
        let mut el = DataElement::parse(f)?;
        let existing = match (&id, create) {
            (_, true) => {
                if store::find_element(&mut tx, &el.name).await?.is_some() {
                    return Err(Error::field("name", "That name is already in the dictionary"));
                }
                None
            }
            (Some(id), false) => Some(store::find_element(&mut tx, id).await?.ok_or_else(|| element_not_found(id))?),
            (None, false) => {
                Some(store::find_element(&mut tx, &el.name).await?.ok_or_else(|| element_not_found(&el.name))?)
            }
        };
        if let Some(e) = &existing {
            el.name = e.name.clone();
        }
        if let Some(m) = &el.master {
            let missing = self.check_database_refs(&mut tx, &state, actor, std::slice::from_ref(m)).await?;
            if !missing.is_empty() {
                return Err(Error::field("master", format!("No database \"{m}\" in the data map")));
            }
        }
        let now = timefmt::now();
        let row = ElementRow {
            id: existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(kho_store::new_id),
            name: el.name.clone(),
            doc: serde_json::to_string(&el).map_err(Error::internal)?,
            state: "active".into(),
            created: existing.as_ref().map(|e| e.created.clone()).unwrap_or_else(|| now.clone()),
            modified: now,
            modifier_user_id: actor.user_id().map(str::to_string),
        };
        store::upsert_element(&mut tx, &row).await?;
        store::bump_generation(&mut tx).await?;
        tx.commit().await?;
        self.datamap_element_show(actor, &row.id).await
    }

    /// `datamap_element_show`: an element, the databases of the map that
    /// hold it (that the actor may see), and its duplicate collections.
    pub async fn datamap_element_show(&self, actor: &Actor, id: &str) -> Result<Value> {
        let mut conn = self.store().conn().await?;
        let row = store::find_element(&mut conn, id).await?.ok_or_else(|| element_not_found(id))?;
        drop(conn);
        let visible = self.datamap_view(actor).await?;
        let el = visible
            .snapshot
            .elements
            .iter()
            .find(|e| e.name == row.name)
            .cloned()
            .map(Ok)
            .unwrap_or_else(|| parse_element(&row.doc))?;
        Ok(element_json(&row, &el, &visible))
    }

    /// `datamap_element_list`: the dictionary, with holders and flags.
    pub async fn datamap_element_list(&self, actor: &Actor) -> Result<Vec<Value>> {
        let mut conn = self.store().conn().await?;
        let rows = store::elements(&mut conn).await?;
        drop(conn);
        let visible = self.datamap_view(actor).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let el = match visible.snapshot.elements.iter().find(|e| e.name == row.name) {
                Some(e) => e.clone(),
                None => parse_element(&row.doc)?,
            };
            out.push(element_json(row, &el, &visible));
        }
        Ok(out)
    }

    /// `datamap_duplication_list`: every duplicate collection of a data
    /// element on the map the actor may see.
    pub async fn datamap_duplication_list(&self, actor: &Actor) -> Result<Vec<Value>> {
        Ok(self.datamap_view(actor).await?.duplications.iter().map(|d| json!(d)).collect())
    }

    /// `datamap_version_publish` (reviewers): freezes the approved map as
    /// the next version (`version` "X.Y" to choose it, else the next
    /// minor; the first is 1.0), with `notes`.
    pub async fn datamap_version_publish(&self, actor: &Actor, mut f: Fields) -> Result<Value> {
        authorize(actor, Permission::Review)?;
        let asked = f.text("version", 20);
        let notes = f.text("notes", 20_000).unwrap_or_default();
        f.reject_unknown("datamap_version_publish takes version and notes.");
        f.finish()?;
        let state = self.datamap_state().await?;
        let mut tx = self.store().write().await?;
        let latest = store::version(&mut tx, None).await?;
        let (major, minor) = match (&asked, &latest) {
            (Some(a), _) => parse_version(a).ok_or_else(|| Error::field("version", "Must be MAJOR.MINOR, e.g. 1.0"))?,
            (None, Some(l)) => (l.major, l.minor + 1),
            (None, None) => (1, 0),
        };
        if let Some(l) = &latest
            && (major, minor) <= (l.major, l.minor)
        {
            return Err(Error::field("version", format!("Must come after the latest version, {}", l.version)));
        }
        let summary = json!({"all": state.all.summary(None), "public": state.public.summary(None)});
        let row = VersionRow {
            id: kho_store::new_id(),
            version: format!("{major}.{minor}"),
            major,
            minor,
            notes,
            snapshot: serde_json::to_string(&state.all.snapshot).map_err(Error::internal)?,
            summary: summary.to_string(),
            published: timefmt::now(),
            publisher_user_id: actor.user_id().map(str::to_string),
        };
        store::insert_version(&mut tx, &row).await?;
        tx.commit().await?;
        tracing::info!(version = %row.version, databases = state.all.snapshot.databases.len(), "data map version published");
        Ok(version_summary_json(&row, actor))
    }

    /// `datamap_version_list`: published versions, newest first.
    pub async fn datamap_version_list(&self, actor: &Actor) -> Result<Vec<Value>> {
        let mut conn = self.store().conn().await?;
        Ok(store::versions(&mut conn).await?.iter().map(|v| version_summary_json(v, actor)).collect())
    }

    /// A published version's snapshot as the actor may see it.
    pub(crate) async fn version_snapshot(&self, actor: &Actor, label: Option<&str>) -> Result<(VersionRow, View)> {
        let mut conn = self.store().conn().await?;
        let row = store::version(&mut conn, label).await?.ok_or_else(|| match label {
            Some(l) => Error::not_found(format!("No version {l} of the data map")),
            None => Error::not_found("No version of the data map has been published yet"),
        })?;
        let snap: Snapshot = serde_json::from_str(&row.snapshot)
            .map_err(|e| Error::internal(format!("stored data map version unreadable: {e}")))?;
        let all = View::new(snap);
        let visible = all.visible(&registry_filter(actor)).unwrap_or(all);
        Ok((row, visible))
    }

    /// `datamap_version_show`: a published version (`version`, else the
    /// latest) as the actor may see it: agencies, databases, elements,
    /// connections, duplicate collections and counts.
    pub async fn datamap_version_show(&self, actor: &Actor, label: Option<&str>) -> Result<Value> {
        let (row, view) = self.version_snapshot(actor, label).await?;
        let snap = &view.snapshot;
        let edges: Vec<Value> = view
            .edges
            .iter()
            .map(|e| {
                json!({"a": snap.databases[e.a].name, "b": snap.databases[e.b].name, "platform": e.platform,
                       "a_to_b": e.a_to_b, "b_to_a": e.b_to_a})
            })
            .collect();
        let mut v = version_summary_json(&row, actor);
        v["summary"] = json!(view.summary(None));
        v["agencies"] = json!(snap.agencies);
        v["databases"] = json!(snap.databases);
        v["elements"] = json!(snap.elements);
        v["connections"] = Value::Array(edges);
        v["duplications"] = json!(view.duplications);
        Ok(v)
    }

    /// `datamap_version_diff`: what changed from version `from` (default:
    /// the one before `to`) to `to` (default: the latest), as the actor
    /// may see both.
    pub async fn datamap_version_diff(&self, actor: &Actor, from: Option<&str>, to: Option<&str>) -> Result<Value> {
        let (to_row, new) = self.version_snapshot(actor, to).await?;
        let from_label = match from {
            Some(f) => f.to_string(),
            None => {
                let mut conn = self.store().conn().await?;
                store::versions(&mut conn)
                    .await?
                    .into_iter()
                    .find(|v| (v.major, v.minor) < (to_row.major, to_row.minor))
                    .map(|v| v.version)
                    .ok_or_else(|| {
                        Error::field("from", format!("Version {} is the first; name one to compare", to_row.version))
                    })?
            }
        };
        let (from_row, old) = self.version_snapshot(actor, Some(&from_label)).await?;
        let d = kho_datamap::map::diff(&old.snapshot, &new.snapshot);
        Ok(json!({"from": from_row.version, "to": to_row.version, "diff": d}))
    }
}

/// The filters of `datamap_database_list`, which the portal's data-map
/// pages apply to the map as the visitor may see it
/// ([`Catalog::datamap_visible`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseFilter {
    /// The owning organization's id. [`DatabaseFilter::read`] keeps it as
    /// given (a name or an id); the list resolves it.
    pub organization: Option<String>,
    /// Database class code.
    pub class: Option<String>,
    /// Sector, compared without accents or case.
    pub sector: Option<String>,
    /// `data_sharing` code.
    pub data_sharing: Option<String>,
    /// `data_importance` code.
    pub data_importance: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Folded words, each of which must occur in the name or a title.
    pub words: Vec<String>,
}

impl DatabaseFilter {
    /// Reads `organization` (or `owner_org`), `class`, `sector`,
    /// `data_sharing`, `data_importance`, `status` and `q` from `f`.
    pub fn read(f: &mut Fields) -> DatabaseFilter {
        let org = f.text("organization", 200).or_else(|| f.text("owner_org", 200));
        let mut filter = DatabaseFilter {
            organization: org,
            class: f.text("class", 40),
            sector: f.text("sector", 200),
            data_sharing: f.text("data_sharing", 40),
            data_importance: f.text("data_importance", 40),
            status: f.text("status", 40),
            words: Vec::new(),
        };
        if let Some(q) = f.text("q", 200) {
            filter.set_q(&q);
        }
        filter
    }

    /// Sets the words of a free-text query (accents and case ignored).
    pub fn set_q(&mut self, q: &str) {
        self.words = fold(q).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == DatabaseFilter::default()
    }

    /// True when `e` passes every filter.
    pub fn matches(&self, e: &DatabaseEntry) -> bool {
        self.organization.as_ref().is_none_or(|o| &e.owner_org == o)
            && self.class.as_ref().is_none_or(|c| e.class.code() == c)
            && self.sector.as_ref().is_none_or(|s| e.sector.as_deref().is_some_and(|x| fold(x) == fold(s)))
            && self.data_sharing.as_ref().is_none_or(|s| e.data_sharing.code() == s)
            && self.data_importance.as_ref().is_none_or(|s| e.data_importance.code() == s)
            && self.status.as_ref().is_none_or(|s| e.status.code() == s)
            && (self.words.is_empty() || {
                let mut text = format!("{} {}", fold(&e.name), fold(&e.title));
                for t in e.title_translated.values() {
                    text.push(' ');
                    text.push_str(&fold(t));
                }
                self.words.iter().all(|w| text.contains(w.as_str()))
            })
    }
}

fn element_not_found(id: &str) -> Error {
    Error::not_found(format!("No data element \"{id}\" in the dictionary"))
}

/// An element as the API gives it, with its holders and duplicate
/// collections on the map the caller sees.
fn element_json(row: &ElementRow, el: &DataElement, visible: &View) -> Value {
    let mut v = json!(el);
    v["id"] = json!(row.id);
    v["created"] = json!(row.created);
    v["modified"] = json!(row.modified);
    let holders: Vec<&str> =
        visible.snapshot.databases.iter().filter(|d| d.elements.contains(&el.name)).map(|d| d.name.as_str()).collect();
    v["databases"] = json!(holders);
    v["duplications"] = json!(visible.duplications.iter().filter(|d| d.element == el.name).collect::<Vec<_>>());
    v
}

fn version_summary_json(v: &VersionRow, actor: &Actor) -> Value {
    let summary: Value = serde_json::from_str(&v.summary).unwrap_or(Value::Null);
    let which = if actor.is_sysadmin() { "all" } else { "public" };
    json!({"version": v.version, "published": v.published, "notes": v.notes, "summary": summary[which]})
}

fn parse_version(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.trim().trim_start_matches(['v', 'V']).split_once('.')?;
    Some((a.parse().ok().filter(|n| (0..10_000).contains(n))?, b.parse().ok().filter(|n| (0..10_000).contains(n))?))
}

/// Lower case without accents, with anything but letters and digits as
/// spaces, for matching words ("csdl-benh-an" holds "benh an").
fn fold(s: &str) -> String {
    let folded: String = s.chars().map(kho_core::names::fold_vietnamese).collect();
    folded.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect()
}

/// Marks an entry deleted and frees its name for a new entry.
pub(crate) fn retire(row: &mut DatabaseRow) {
    row.state = "deleted".into();
    row.name = format!("{}~{}", row.name, &row.id[..8.min(row.id.len())]);
}

/// A revision by `actor`, awaiting review.
pub(crate) fn new_revision(
    database_id: &str,
    revision: i64,
    action: &str,
    entry: &DatabaseEntry,
    message: String,
    actor: &Actor,
    now: &str,
) -> RevisionRow {
    RevisionRow {
        database_id: database_id.to_string(),
        revision,
        action: action.to_string(),
        doc: entry.to_json().to_string(),
        message,
        author_user_id: actor.user_id().map(str::to_string),
        author_name: None,
        created: now.to_string(),
        review_state: ReviewState::Pending.code().to_string(),
        reviewer_user_id: None,
        reviewer_name: None,
        reviewed: None,
        review_note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("1.0"), Some((1, 0)));
        assert_eq!(parse_version("v2.13"), Some((2, 13)));
        assert_eq!(parse_version("2"), None);
        assert_eq!(parse_version("1.x"), None);
    }
}
