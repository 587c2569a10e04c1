//! Harvesting another Kho node's data map (source type `datamap`), so the
//! national map gathers the ministries' and provinces' registries.
//!
//! A run reads the remote node's agencies (`organization_list`), its data
//! dictionary (`datamap_element_list`) and its approved map
//! (`datamap_database_list`, paged), as an anonymous visitor: restricted
//! entries (private-use or core data) never leave their node this way.
//! Entries the remote node itself harvested are left out (they are kept
//! where they come from; harvesting them again would bring a node's own
//! entries back to it under another name), but connections to them are
//! kept when this node has a database of that name.
//!
//! Then, in one transaction, so the map changes all at once:
//! - each remote entry becomes (or updates) one local entry, found again
//!   through its remote id, under its remote name when that is free here,
//!   else the name with the source's name after it, owned by the agency of
//!   the same name (created, with its parent, if needed) or the source's
//!   organization; it is written as an approved revision whose message
//!   names the source, so the history shows where each change came from;
//!   an entry equal to the local one is left alone;
//! - connections are renamed to the local names; one to a database that
//!   is neither in the harvest nor here is dropped;
//! - data elements this node's dictionary lacks are added (the local
//!   dictionary wins where both have a name);
//! - local entries whose remote one is gone are deleted (the listing was
//!   complete, or the run failed before writing anything).
//!
//! An entry that fails to read is reported and the run goes on. Harvested
//! entries are read-only here (`datamap_database_update` refuses them).

use super::{Agency, Fatal, SourceConfig, note_error};
use crate::Catalog;
use kho_core::authz::Actor;
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_core::vocab::Vocabulary;
use kho_datamap::vocab::ReviewState;
use kho_datamap::{DataElement, DatabaseEntry};
use kho_store::datamap::{self as store, DatabaseRow, ElementRow};
use kho_store::harvest::{RunRow, SourceRow};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// Entries read per page of `datamap_database_list` (its largest page).
const PAGE: u64 = 1000;

/// An agency of the remote node.
struct RemoteOrg {
    agency: Agency,
    /// Its parent's remote id.
    parent: Option<String>,
}

/// What a run read from the remote node.
struct RemoteMap {
    orgs: HashMap<String, RemoteOrg>,
    elements: Vec<Value>,
    databases: Vec<Value>,
}

/// A remote entry read and ready to write.
struct Incoming {
    remote_id: String,
    entry: DatabaseEntry,
}

impl Catalog {
    /// One `datamap` run: gather, then write (see the module's docs).
    pub(super) async fn harvest_datamap(
        &self,
        source: &SourceRow,
        config: &SourceConfig,
        run: &mut RunRow,
        errors: &mut Vec<Value>,
    ) -> std::result::Result<(), Fatal> {
        let remote = self.gather_map(source, config).await?;
        self.import_map(source, remote, run, errors).await
    }

    /// Calls a read action of the remote node and returns its `result`.
    async fn remote_action(&self, url: &str, config: &SourceConfig) -> std::result::Result<Value, Fatal> {
        let (body, _) = self.fetch_page(url, "application/json", config).await?;
        let mut v: Value = serde_json::from_slice(&body)
            .map_err(|e| Fatal(format!("{url}: not a JSON answer of Kho's Action API ({e})")))?;
        if v.get("success").and_then(Value::as_bool) != Some(true) {
            let why = v.get("error").map(Value::to_string).unwrap_or_else(|| "no \"success\": true".into());
            return Err(Fatal(format!("{url}: the API refused: {why}")));
        }
        Ok(v["result"].take())
    }

    async fn gather_map(&self, source: &SourceRow, config: &SourceConfig) -> std::result::Result<RemoteMap, Fatal> {
        let base = &source.url;
        let mut pages = 0u64;
        let mut count_page = |url: &str| -> std::result::Result<(), Fatal> {
            pages += 1;
            if pages > config.max_pages {
                return Err(Fatal(format!(
                    "{url}: more than {} pages; raise max_pages in the source's config",
                    config.max_pages
                )));
            }
            Ok(())
        };

        let mut orgs = HashMap::new();
        let mut offset = 0u64;
        loop {
            let url = format!("{base}/api/3/action/organization_list?all_fields=true&limit={PAGE}&offset={offset}");
            count_page(&url)?;
            let page = self.remote_action(&url, config).await?;
            let list = page.as_array().ok_or_else(|| Fatal(format!("{url}: the result is not a list")))?;
            for o in list {
                let (Some(id), Some(agency)) = (o.get("id").and_then(Value::as_str), super::agency_of_org(o)) else {
                    continue;
                };
                let parent = o.get("parent_id").and_then(Value::as_str).map(str::to_string);
                orgs.insert(id.to_string(), RemoteOrg { agency, parent });
            }
            if (list.len() as u64) < PAGE {
                break;
            }
            offset += PAGE;
        }

        let url = format!("{base}/api/3/action/datamap_element_list");
        count_page(&url)?;
        let elements = match self.remote_action(&url, config).await? {
            Value::Array(a) => a,
            _ => return Err(Fatal(format!("{url}: the result is not a list"))),
        };

        let mut databases = Vec::new();
        let mut offset = 0u64;
        loop {
            let url = format!("{base}/api/3/action/datamap_database_list?limit={PAGE}&offset={offset}");
            count_page(&url)?;
            let page = self.remote_action(&url, config).await?;
            let results = page
                .get("results")
                .and_then(Value::as_array)
                .ok_or_else(|| Fatal(format!("{url}: no result.results in the answer")))?;
            let total = page.get("count").and_then(Value::as_u64).unwrap_or(0);
            let n = results.len() as u64;
            databases.extend(results.iter().cloned());
            offset += n;
            if n == 0 || offset >= total {
                break;
            }
        }
        Ok(RemoteMap { orgs, elements, databases })
    }

    /// The local organization a remote one stands for, created (with its
    /// ancestors) if needed; `None` when the remote node does not list it.
    async fn local_org(
        &self,
        remote_id: &str,
        orgs: &HashMap<String, RemoteOrg>,
        done: &mut HashMap<String, std::result::Result<String, String>>,
    ) -> std::result::Result<String, String> {
        if let Some(r) = done.get(remote_id) {
            return r.clone();
        }
        // Ancestors first, from the top, so each is created under its parent.
        let mut chain = vec![remote_id.to_string()];
        while let Some(p) = chain.last().and_then(|id| orgs.get(id)).and_then(|o| o.parent.clone()) {
            if chain.contains(&p) || done.contains_key(&p) || chain.len() > 20 {
                break;
            }
            chain.push(p);
        }
        let mut result = Err(format!("the remote node does not list agency {remote_id}"));
        for id in chain.iter().rev() {
            if let Some(r) = done.get(id) {
                result = r.clone();
                continue;
            }
            let Some(o) = orgs.get(id) else {
                result = Err(format!("the remote node does not list agency {id}"));
                done.insert(id.clone(), result.clone());
                continue;
            };
            let parent = o.parent.as_ref().and_then(|p| done.get(p)).and_then(|r| r.clone().ok());
            result = self.ensure_agency_under(&o.agency, parent.as_deref()).await.map_err(|e| e.to_string());
            done.insert(id.clone(), result.clone());
        }
        result
    }

    async fn import_map(
        &self,
        source: &SourceRow,
        remote: RemoteMap,
        run: &mut RunRow,
        errors: &mut Vec<Value>,
    ) -> std::result::Result<(), Fatal> {
        let mut conn = self.store().conn().await?;
        let mine: HashMap<String, DatabaseRow> = store::harvested_databases(&mut conn, &source.id)
            .await?
            .into_iter()
            .filter_map(|r| r.harvest_remote_id.clone().map(|id| (id, r)))
            .collect();
        drop(conn);

        // Read every remote entry; a broken one costs only itself.
        let mut orgs_done: HashMap<String, std::result::Result<String, String>> = HashMap::new();
        let mut incoming: Vec<Incoming> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for v in &remote.databases {
            let Some(remote_id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
                note_error(run, errors, "?", "an entry without an id");
                continue;
            };
            if v.get("harvested").and_then(Value::as_bool) == Some(true) || !seen.insert(remote_id.clone()) {
                continue;
            }
            let owner = match &source.owner_org {
                Some(id) => Ok(id.clone()),
                None => {
                    let remote_org = v.get("owner_org").and_then(Value::as_str).unwrap_or_default();
                    self.local_org(remote_org, &remote.orgs, &mut orgs_done).await
                }
            };
            let owner = match owner {
                Ok(o) => o,
                Err(why) => {
                    note_error(run, errors, &remote_id, &format!("cannot place it under an agency: {why}"));
                    continue;
                }
            };
            let mut map: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
            map.insert("owner_org".into(), json!(owner));
            match DatabaseEntry::parse(Fields::new(map)) {
                Ok(mut entry) => {
                    entry.owner_org = owner;
                    incoming.push(Incoming { remote_id, entry });
                }
                Err(e) => note_error(run, errors, &remote_id, &e.to_string()),
            }
        }

        let now = timefmt::now();
        let message = format!("Thu thập từ / Harvested from {} ({})", source.title, source.url);
        let mut tx = self.store().write().await?;

        // Local names: the one it already has, the remote name when free,
        // else the remote name followed by the source's.
        let mut names: HashMap<String, String> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        for i in &incoming {
            if let Some(row) = mine.get(&i.remote_id) {
                taken.insert(row.name.clone());
            }
        }
        let mut placed: Vec<(Incoming, Option<&DatabaseRow>)> = Vec::with_capacity(incoming.len());
        for i in incoming {
            let row = mine.get(&i.remote_id);
            let name = match row {
                Some(r) => r.name.clone(),
                None => {
                    let mut found = None;
                    for candidate in [i.entry.name.clone(), suffixed(&i.entry.name, &source.name)] {
                        if !taken.contains(&candidate) && store::find_database(&mut tx, &candidate).await?.is_none() {
                            found = Some(candidate);
                            break;
                        }
                    }
                    match found {
                        Some(n) => n,
                        None => {
                            note_error(
                                run,
                                errors,
                                &i.remote_id,
                                &format!(
                                    "the names {} and {} are both taken here",
                                    i.entry.name,
                                    suffixed(&i.entry.name, &source.name)
                                ),
                            );
                            continue;
                        }
                    }
                }
            };
            taken.insert(name.clone());
            names.insert(i.entry.name.clone(), name);
            placed.push((i, row));
        }

        // Connections to databases neither harvested now nor kept here are
        // dropped; the others take the local names.
        // The dictionary's masters may be databases kept here (a national
        // one the province's dictionary names) without any connection.
        let masters =
            remote.elements.iter().filter_map(|v| v.get("master").and_then(Value::as_str)).map(str::to_string);
        let mut targets: Vec<String> = placed
            .iter()
            .flat_map(|(i, _)| i.entry.connections.iter().map(|c| c.database.clone()))
            .chain(masters)
            .filter(|n| !names.contains_key(n))
            .collect();
        targets.sort();
        targets.dedup();
        let local: HashSet<String> = store::databases_named(&mut tx, &targets)
            .await?
            .into_iter()
            .filter(|r| r.approved_revision.is_some())
            .map(|r| r.name)
            .collect();

        // Elements the local dictionary lacks, with masters renamed.
        let known: HashSet<String> = store::elements(&mut tx).await?.into_iter().map(|r| r.name).collect();
        let mut changed = false;
        for v in &remote.elements {
            let mut map: Map<String, Value> = Map::new();
            for k in ["name", "title", "title_translated", "definition", "data_type", "format", "master"] {
                if let Some(x) = v.get(k).filter(|x| !x.is_null()) {
                    map.insert(k.into(), x.clone());
                }
            }
            let what = map.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
            if known.contains(&what) {
                continue;
            }
            let mut el = match DataElement::parse(Fields::new(map)) {
                Ok(el) => el,
                Err(e) => {
                    note_error(run, errors, &format!("element {what}"), &e.to_string());
                    continue;
                }
            };
            el.master = el.master.and_then(|m| names.get(&m).cloned().or_else(|| local.contains(&m).then_some(m)));
            let row = ElementRow {
                id: kho_store::new_id(),
                name: el.name.clone(),
                doc: serde_json::to_string(&el).map_err(|e| Fatal(e.to_string()))?,
                state: "active".into(),
                created: now.clone(),
                modified: now.clone(),
                modifier_user_id: None,
            };
            store::upsert_element(&mut tx, &row).await?;
            changed = true;
        }

        for (mut i, row) in placed {
            let local_name = names.get(&i.entry.name).cloned().unwrap_or_else(|| i.entry.name.clone());
            i.entry.name = local_name;
            i.entry.connections.retain(|c| names.contains_key(&c.database) || local.contains(&c.database));
            for c in &mut i.entry.connections {
                if let Some(n) = names.get(&c.database) {
                    c.database = n.clone();
                }
            }
            match row {
                Some(r) => {
                    let current = match r.approved_revision {
                        Some(n) => store::revision(&mut tx, &r.id, n).await?,
                        None => None,
                    };
                    let current: Option<DatabaseEntry> = current.and_then(|rev| serde_json::from_str(&rev.doc).ok());
                    if current.as_ref() == Some(&i.entry) {
                        run.unchanged += 1;
                        continue;
                    }
                    let mut r = r.clone();
                    r.revision += 1;
                    r.approved_revision = Some(r.revision);
                    r.owner_org = i.entry.owner_org.clone();
                    r.modified = now.clone();
                    store::upsert_database(&mut tx, &r).await?;
                    store::supersede_before(&mut tx, &r.id, r.revision).await?;
                    insert(&mut tx, &r, "update", &i.entry, &message, &now).await?;
                    run.updated += 1;
                }
                None => {
                    let r = DatabaseRow {
                        id: kho_store::new_id(),
                        name: i.entry.name.clone(),
                        owner_org: i.entry.owner_org.clone(),
                        state: "active".into(),
                        revision: 1,
                        approved_revision: Some(1),
                        created: now.clone(),
                        modified: now.clone(),
                        harvest_source_id: Some(source.id.clone()),
                        harvest_remote_id: Some(i.remote_id.clone()),
                    };
                    store::upsert_database(&mut tx, &r).await?;
                    insert(&mut tx, &r, "create", &i.entry, &message, &now).await?;
                    run.added += 1;
                }
            }
            changed = true;
        }

        // Gone at the source. Entries listed but unreadable this time are
        // in `seen`, so they stay as they were.
        for (remote_id, r) in mine.iter().filter(|(id, _)| !seen.contains(*id)) {
            delete_entry(&mut tx, r, &message, &now).await?;
            tracing::debug!(remote_id = %remote_id, database = %r.name, "harvested entry gone at its source");
            run.deleted += 1;
            changed = true;
        }
        if changed {
            store::bump_generation(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// `name` followed by the source's name, within the name length limit.
fn suffixed(name: &str, source: &str) -> String {
    let keep = 100usize.saturating_sub(source.len() + 1);
    let head: String = name.chars().take(keep).collect();
    format!("{}-{source}", head.trim_end_matches('-'))
}

/// Deletes a harvested entry from the map (an approved deletion written
/// by the harvester, with `message` saying why).
pub(super) async fn delete_entry(
    tx: &mut kho_store::Tx,
    row: &DatabaseRow,
    message: &str,
    now: &str,
) -> crate::Result<()> {
    let Some(n) = row.approved_revision else { return Ok(()) };
    let Some(rev) = store::revision(&mut *tx, &row.id, n).await? else { return Ok(()) };
    let entry = crate::datamap::parse_entry(&rev.doc)?;
    let mut r = row.clone();
    r.revision += 1;
    r.approved_revision = Some(r.revision);
    crate::datamap::retire(&mut r);
    r.modified = now.into();
    store::upsert_database(&mut *tx, &r).await?;
    insert(tx, &r, "delete", &entry, message, now).await?;
    Ok(())
}

/// Appends a revision written by the harvester, approved as it comes (it
/// was reviewed at its source).
async fn insert(
    tx: &mut kho_store::Tx,
    row: &DatabaseRow,
    action: &str,
    entry: &DatabaseEntry,
    message: &str,
    now: &str,
) -> crate::Result<()> {
    let mut rev =
        crate::datamap::new_revision(&row.id, row.revision, action, entry, message.into(), &Actor::system(), now);
    rev.review_state = ReviewState::Approved.code().into();
    rev.reviewed = Some(now.into());
    store::insert_revision(tx, &rev).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_the_sources_name_within_the_limit() {
        assert_eq!(suffixed("csdl-y-te", "tinh-a"), "csdl-y-te-tinh-a");
        let long = "a".repeat(100);
        let s = suffixed(&long, "nguon");
        assert_eq!(s.len(), 100);
        assert!(s.ends_with("-nguon"));
        assert!(kho_core::names::check_name(&s).is_ok());
    }

    #[test]
    fn an_entry_as_listed_reads_back_as_the_same_entry() {
        let listed = json!({
            "id": "remote-id", "name": "csdl-ho-tich", "title": "CSDL hộ tịch", "owner_org": "x",
            "class": "shared", "data_sharing": "shared", "data_importance": "important", "status": "operating",
            "restricted": false, "harvested": false, "review_state": "approved",
        });
        let e = DatabaseEntry::parse(Fields::new(listed.as_object().unwrap().clone())).unwrap();
        assert_eq!(e.name, "csdl-ho-tich");
    }
}
