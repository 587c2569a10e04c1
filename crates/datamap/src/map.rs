//! The data map as a whole: a snapshot of the approved entries, the
//! dictionary and the agencies; the connections between databases as
//! edges (each pair once, however many sides declared it); the duplicate
//! collection of data elements the Strategy forbids; what a viewer may see
//! of it; and the difference between two published versions.

use crate::entry::{DataElement, DatabaseEntry};
use crate::vocab::{DatabaseClass, Direction, Platform};
use kho_core::authz::{RegistryAccess, RegistryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An agency as the map shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agency {
    /// Organization id.
    pub id: String,
    /// Organization name.
    pub name: String,
    /// Title in Vietnamese.
    pub title: String,
    /// Title in English, if given.
    #[serde(default)]
    pub title_en: Option<String>,
    /// `ministry`, `province`, … (`kho_core::vocab::AgencyKind` codes).
    #[serde(default)]
    pub kind: Option<String>,
    /// Parent organization id.
    #[serde(default)]
    pub parent: Option<String>,
    /// The agency's code (for provinces, the administrative-unit code).
    #[serde(default)]
    pub code: Option<String>,
}

/// The map at one moment: what a published version holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Agencies owning at least one database, and every ministry- and
    /// province-level agency.
    pub agencies: Vec<Agency>,
    /// Approved entries, by name.
    pub databases: Vec<DatabaseEntry>,
    /// The data dictionary, by name.
    pub elements: Vec<DataElement>,
}

/// A connection between two databases of the map, each pair and platform
/// once. `a` and `b` index [`Snapshot::databases`], `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// One database.
    pub a: usize,
    /// The other.
    pub b: usize,
    /// Through what.
    pub platform: Platform,
    /// Data flows from `a` to `b`.
    pub a_to_b: bool,
    /// Data flows from `b` to `a`.
    pub b_to_a: bool,
}

impl Edge {
    /// Data flows both ways.
    pub fn two_way(&self) -> bool {
        self.a_to_b && self.b_to_a
    }

    /// True when data flows from `from` to `to` on this edge.
    pub fn flows(&self, from: usize, to: usize) -> bool {
        (from == self.a && to == self.b && self.a_to_b) || (from == self.b && to == self.a && self.b_to_a)
    }

    /// The database at the other end from `i`.
    pub fn other(&self, i: usize) -> usize {
        if i == self.a { self.b } else { self.a }
    }
}

/// Why a database's holding of a data element is a duplicate collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicationKind {
    /// The element has a master database, and this one holds it without a
    /// connection through which the master provides it.
    NotLinkedToMaster,
    /// The element has no master database, and several hold it.
    NoMaster,
}

impl DuplicationKind {
    /// The wire code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            DuplicationKind::NotLinkedToMaster => "not_linked_to_master",
            DuplicationKind::NoMaster => "no_master",
        }
    }
}

/// One duplicate collection of a data element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplication {
    /// The element's name.
    pub element: String,
    /// The database that collects it again.
    pub database: String,
    /// Its master database, if any.
    pub master: Option<String>,
    /// Why it is flagged.
    pub kind: DuplicationKind,
}

impl Snapshot {
    /// Sorts databases, elements and agencies by name, so equal maps are
    /// equal snapshots and indexes are stable.
    pub fn normalise(&mut self) {
        self.databases.sort_by(|a, b| a.name.cmp(&b.name));
        self.elements.sort_by(|a, b| a.name.cmp(&b.name));
        self.agencies.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// An agency and every agency under it (by `parent`), as ids; a loop
    /// in the hierarchy is walked once.
    pub fn subtree<'a>(&'a self, root: &'a str) -> Vec<&'a str> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i];
            for a in self.agencies.iter().filter(|a| a.parent.as_deref() == Some(cur)) {
                if !out.contains(&a.id.as_str()) {
                    out.push(&a.id);
                }
            }
            i += 1;
        }
        out
    }

    /// Index of each database by name (built per call: keep a [`View`]
    /// to look names up repeatedly).
    pub fn index(&self) -> HashMap<&str, usize> {
        self.databases.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect()
    }

    /// The connections between databases of the map: each pair and
    /// platform once, directions merged from both sides' declarations.
    /// Declarations naming a database not on the map are left out.
    pub fn edges(&self) -> Vec<Edge> {
        let index = self.index();
        let mut edges: BTreeMap<(usize, usize, Platform), (bool, bool)> = BTreeMap::new();
        for (i, d) in self.databases.iter().enumerate() {
            for c in &d.connections {
                let Some(&j) = index.get(c.database.as_str()) else { continue };
                if i == j {
                    continue;
                }
                let (out, inn) = match c.direction {
                    Direction::Out => (true, false),
                    Direction::In => (false, true),
                    Direction::Both => (true, true),
                };
                // `out` is i → j.
                let (a, b, a_to_b, b_to_a) = if i < j { (i, j, out, inn) } else { (j, i, inn, out) };
                let e = edges.entry((a, b, c.platform)).or_insert((false, false));
                e.0 |= a_to_b;
                e.1 |= b_to_a;
            }
        }
        edges.into_iter().map(|((a, b, platform), (a_to_b, b_to_a))| Edge { a, b, platform, a_to_b, b_to_a }).collect()
    }

    /// Every duplicate collection of a data element: a database holding an
    /// element whose master database does not provide it to it through a
    /// connection, or an element without a master held by several.
    fn duplications(&self, edges: &[Edge], index: &HashMap<String, usize>) -> Vec<Duplication> {
        let mut provided: BTreeSet<(usize, usize)> = BTreeSet::new();
        for e in edges {
            if e.a_to_b {
                provided.insert((e.a, e.b));
            }
            if e.b_to_a {
                provided.insert((e.b, e.a));
            }
        }
        let mut holders: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, d) in self.databases.iter().enumerate() {
            for el in &d.elements {
                holders.entry(el.as_str()).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for el in &self.elements {
            let Some(hs) = holders.get(el.name.as_str()) else { continue };
            let master = el.master.as_deref().and_then(|m| index.get(m).copied());
            match master {
                Some(m) => {
                    for &h in hs.iter().filter(|&&h| h != m) {
                        if !provided.contains(&(m, h)) {
                            out.push(Duplication {
                                element: el.name.clone(),
                                database: self.databases[h].name.clone(),
                                master: el.master.clone(),
                                kind: DuplicationKind::NotLinkedToMaster,
                            });
                        }
                    }
                }
                None if hs.len() > 1 => {
                    for &h in hs {
                        out.push(Duplication {
                            element: el.name.clone(),
                            database: self.databases[h].name.clone(),
                            master: el.master.clone(),
                            kind: DuplicationKind::NoMaster,
                        });
                    }
                }
                None => {}
            }
        }
        out
    }

    /// The part of the map `filter` may see: restricted entries of other
    /// agencies are taken out, with every connection to them, their
    /// holdings, and their names as elements' masters.
    pub fn visible(&self, filter: &RegistryFilter) -> Snapshot {
        let hidden: BTreeSet<&str> = self
            .databases
            .iter()
            .filter(|d| !filter.allows(&RegistryAccess { owner_org: &d.owner_org, restricted: d.restricted() }))
            .map(|d| d.name.as_str())
            .collect();
        if hidden.is_empty() {
            return self.clone();
        }
        let databases = self
            .databases
            .iter()
            .filter(|d| !hidden.contains(d.name.as_str()))
            .map(|d| {
                let mut d = d.clone();
                d.connections.retain(|c| !hidden.contains(c.database.as_str()));
                d
            })
            .collect();
        let elements = self
            .elements
            .iter()
            .map(|e| {
                let mut e = e.clone();
                if e.master.as_deref().is_some_and(|m| hidden.contains(m)) {
                    e.master = None;
                }
                e
            })
            .collect();
        Snapshot { agencies: self.agencies.clone(), databases, elements }
    }
}

/// A snapshot with what is derived from it (the position of each database
/// by name, the edges, the duplicate collections), computed once: what a
/// process keeps for a generation of the map and reads on every request.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The map.
    pub snapshot: Snapshot,
    /// Its connections ([`Snapshot::edges`]).
    pub edges: Vec<Edge>,
    /// Its duplicate collections.
    pub duplications: Vec<Duplication>,
    index: HashMap<String, usize>,
}

impl View {
    /// Derives everything from `snapshot` (sorted first).
    pub fn new(mut snapshot: Snapshot) -> View {
        snapshot.normalise();
        let index: HashMap<String, usize> =
            snapshot.databases.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
        let edges = snapshot.edges();
        let duplications = snapshot.duplications(&edges, &index);
        View { snapshot, edges, duplications, index }
    }

    /// The position of a database in [`Snapshot::databases`].
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The database named `name`.
    pub fn database(&self, name: &str) -> Option<&DatabaseEntry> {
        self.position(name).map(|i| &self.snapshot.databases[i])
    }

    /// The part `filter` may see, or `None` when it sees all of it (see
    /// [`Snapshot::visible`]).
    pub fn visible(&self, filter: &RegistryFilter) -> Option<View> {
        let hides =
            |d: &DatabaseEntry| !filter.allows(&RegistryAccess { owner_org: &d.owner_org, restricted: d.restricted() });
        self.snapshot.databases.iter().any(hides).then(|| View::new(self.snapshot.visible(filter)))
    }

    /// Counts for an overview of the databases `mask` keeps (all with
    /// `None`): databases by class and status, the agencies owning them,
    /// connections touching them by platform, their duplicate collections;
    /// `elements` counts the whole dictionary.
    pub fn summary(&self, mask: Option<&[bool]>) -> Summary {
        let s = &self.snapshot;
        let keep = |i: usize| mask.is_none_or(|m| m.get(i).copied().unwrap_or(false));
        let mut out = Summary { elements: s.elements.len() as u64, ..Summary::default() };
        let mut agencies: BTreeSet<&str> = BTreeSet::new();
        for (_, d) in s.databases.iter().enumerate().filter(|(i, _)| keep(*i)) {
            out.databases += 1;
            out.national += u64::from(d.class == DatabaseClass::National);
            agencies.insert(d.owner_org.as_str());
            *out.by_class.entry(d.class).or_default() += 1;
            *out.by_status.entry(d.status).or_default() += 1;
        }
        out.agencies = agencies.len() as u64;
        for e in self.edges.iter().filter(|e| keep(e.a) || keep(e.b)) {
            out.connections += 1;
            *out.by_platform.entry(e.platform).or_default() += 1;
        }
        out.duplications =
            self.duplications.iter().filter(|d| self.position(&d.database).is_some_and(keep)).count() as u64;
        out
    }
}

/// The counts of [`View::summary`] (also stored with each published
/// version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Databases.
    pub databases: u64,
    /// Agencies owning them.
    pub agencies: u64,
    /// Connections touching them.
    pub connections: u64,
    /// Data elements of the dictionary.
    pub elements: u64,
    /// National databases among them.
    pub national: u64,
    /// Databases by class.
    pub by_class: BTreeMap<DatabaseClass, u64>,
    /// Databases by status.
    pub by_status: BTreeMap<crate::vocab::DatabaseStatus, u64>,
    /// Connections by platform.
    pub by_platform: BTreeMap<Platform, u64>,
    /// Duplicate collections by them.
    pub duplications: u64,
}

/// What changed between two versions of the map.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MapDiff {
    /// Databases only in the newer version.
    pub added: Vec<String>,
    /// Databases only in the older version.
    pub removed: Vec<String>,
    /// Databases in both whose entries differ, with the field changes
    /// (`kho_core::diff` form).
    pub changed: Vec<ChangedEntry>,
    /// Connections only in the newer version (`a`, `b`, platform).
    pub connections_added: Vec<[String; 3]>,
    /// Connections only in the older version.
    pub connections_removed: Vec<[String; 3]>,
    /// Data elements only in the newer version.
    pub elements_added: Vec<String>,
    /// Data elements only in the older version.
    pub elements_removed: Vec<String>,
    /// Data elements changed.
    pub elements_changed: Vec<String>,
}

/// One database's changes between versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedEntry {
    /// Its name.
    pub name: String,
    /// Field changes.
    pub changes: Vec<Value>,
}

/// The difference from `old` to `new`.
pub fn diff(old: &Snapshot, new: &Snapshot) -> MapDiff {
    let mut out = MapDiff::default();
    let olds: BTreeMap<&str, &DatabaseEntry> = old.databases.iter().map(|d| (d.name.as_str(), d)).collect();
    let news: BTreeMap<&str, &DatabaseEntry> = new.databases.iter().map(|d| (d.name.as_str(), d)).collect();
    for (name, n) in &news {
        match olds.get(name) {
            None => out.added.push((*name).to_string()),
            Some(o) if o != n => out.changed.push(ChangedEntry {
                name: (*name).to_string(),
                changes: kho_core::diff::diff(&o.to_json(), &n.to_json()),
            }),
            Some(_) => {}
        }
    }
    out.removed = olds.keys().filter(|k| !news.contains_key(*k)).map(|k| (*k).to_string()).collect();
    let edge_keys = |s: &Snapshot| -> BTreeSet<[String; 3]> {
        s.edges()
            .iter()
            .map(|e| {
                [
                    s.databases[e.a].name.clone(),
                    s.databases[e.b].name.clone(),
                    kho_core::vocab::Vocabulary::code(e.platform).to_string(),
                ]
            })
            .collect()
    };
    let (eo, en) = (edge_keys(old), edge_keys(new));
    out.connections_added = en.difference(&eo).cloned().collect();
    out.connections_removed = eo.difference(&en).cloned().collect();
    let olde: BTreeMap<&str, &DataElement> = old.elements.iter().map(|e| (e.name.as_str(), e)).collect();
    let newe: BTreeMap<&str, &DataElement> = new.elements.iter().map(|e| (e.name.as_str(), e)).collect();
    for (name, n) in &newe {
        match olde.get(name) {
            None => out.elements_added.push((*name).to_string()),
            Some(o) if o != n => out.elements_changed.push((*name).to_string()),
            Some(_) => {}
        }
    }
    out.elements_removed = olde.keys().filter(|k| !newe.contains_key(*k)).map(|k| (*k).to_string()).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_core::input::Fields;
    use serde_json::json;

    pub(crate) fn db(name: &str, org: &str, class: &str, conns: Value, elements: Value) -> DatabaseEntry {
        DatabaseEntry::parse(
            Fields::from_value(json!({
                "name": name, "title": name, "owner_org": org, "class": class, "data_sharing": "shared",
                "data_importance": "important", "status": "operating", "connections": conns, "elements": elements,
            }))
            .unwrap(),
        )
        .unwrap()
    }

    fn el(name: &str, master: Option<&str>) -> DataElement {
        DataElement {
            name: name.into(),
            title: name.into(),
            title_translated: BTreeMap::new(),
            definition: None,
            data_type: "string".into(),
            format: None,
            master: master.map(str::to_string),
        }
    }

    fn sample() -> Snapshot {
        let mut s = Snapshot {
            agencies: vec![],
            databases: vec![
                db("dan-cu", "bca", "national", json!([]), json!(["cccd"])),
                db(
                    "y-te",
                    "byt",
                    "shared",
                    json!([{"database": "dan-cu", "direction": "in", "platform": "ndxp"}]),
                    json!(["cccd", "ma-bhyt"]),
                ),
                db("giao-duc", "bgd", "shared", json!([]), json!(["cccd", "ma-hs"])),
                db(
                    "bhxh",
                    "bhxh",
                    "shared",
                    json!([{"database": "y-te", "direction": "both", "platform": "lgsp"}]),
                    json!(["ma-bhyt"]),
                ),
                // Declared from the other side too: one edge.
                db(
                    "dan-cu-2",
                    "bca",
                    "specialised",
                    json!([{"database": "dan-cu", "direction": "in", "platform": "direct"}, {"database": "missing", "direction": "out", "platform": "direct"}]),
                    json!([]),
                ),
            ],
            elements: vec![el("cccd", Some("dan-cu")), el("ma-bhyt", None), el("ma-hs", Some("giao-duc"))],
        };
        s.databases[0].connections =
            serde_json::from_value(json!([{"database": "y-te", "direction": "out", "platform": "ndxp"}])).unwrap();
        s.normalise();
        s
    }

    #[test]
    fn subtree_walks_down_the_hierarchy_and_survives_loops() {
        let a = |id: &str, parent: Option<&str>| Agency {
            id: id.into(),
            name: id.into(),
            title: id.into(),
            title_en: None,
            kind: None,
            parent: parent.map(str::to_string),
            code: None,
        };
        let s = Snapshot {
            agencies: vec![
                a("hn", None),
                a("so", Some("hn")),
                a("phong", Some("so")),
                a("dn", None),
                a("x", Some("y")),
                a("y", Some("x")),
            ],
            ..Snapshot::default()
        };
        assert_eq!(s.subtree("hn"), vec!["hn", "so", "phong"]);
        assert_eq!(s.subtree("x"), vec!["x", "y"]);
    }

    #[test]
    fn edges_merge_both_sides_and_skip_unknown_databases() {
        let s = sample();
        let idx = s.index();
        let edges = s.edges();
        assert_eq!(edges.len(), 3, "{edges:?}");
        let find = |x: &str, y: &str| {
            edges
                .iter()
                .find(|e| {
                    let (a, b) = (idx[x].min(idx[y]), idx[x].max(idx[y]));
                    e.a == a && e.b == b
                })
                .copied()
                .unwrap()
        };
        let e = find("dan-cu", "y-te");
        assert!(e.flows(idx["dan-cu"], idx["y-te"]) && !e.flows(idx["y-te"], idx["dan-cu"]));
        assert_eq!(e.platform, Platform::Ndxp);
        assert!(find("bhxh", "y-te").two_way());
        assert!(find("dan-cu", "dan-cu-2").flows(idx["dan-cu"], idx["dan-cu-2"]));
    }

    #[test]
    fn flags_collection_without_a_link_to_the_master() {
        let d = View::new(sample()).duplications;
        let got: Vec<(&str, &str, DuplicationKind)> =
            d.iter().map(|x| (x.element.as_str(), x.database.as_str(), x.kind)).collect();
        assert_eq!(
            got,
            vec![
                // giao-duc holds cccd but dan-cu provides it only to y-te.
                ("cccd", "giao-duc", DuplicationKind::NotLinkedToMaster),
                ("ma-bhyt", "bhxh", DuplicationKind::NoMaster),
                ("ma-bhyt", "y-te", DuplicationKind::NoMaster),
            ]
        );
    }

    #[test]
    fn a_connection_the_wrong_way_does_not_link_to_the_master() {
        let mut s = sample();
        let i = s.index()["giao-duc"];
        s.databases[i].connections =
            serde_json::from_value(json!([{"database": "dan-cu", "direction": "out", "platform": "ndxp"}])).unwrap();
        assert!(View::new(s.clone()).duplications.iter().any(|d| d.database == "giao-duc" && d.element == "cccd"));
        s.databases[i].connections =
            serde_json::from_value(json!([{"database": "dan-cu", "direction": "in", "platform": "ndxp"}])).unwrap();
        assert!(!View::new(s).duplications.iter().any(|d| d.database == "giao-duc" && d.element == "cccd"));
    }

    #[test]
    fn summary_counts_what_the_mask_keeps() {
        let v = View::new(sample());
        let all = v.summary(None);
        assert_eq!((all.databases, all.connections, all.duplications, all.elements), (5, 3, 3, 3));
        assert_eq!(all.by_platform[&Platform::Ndxp], 1);
        // Only bhxh: its one connection (to y-te) and its one flag.
        let mask: Vec<bool> = v.snapshot.databases.iter().map(|d| d.name == "bhxh").collect();
        let one = v.summary(Some(&mask));
        assert_eq!((one.databases, one.agencies, one.connections, one.duplications), (1, 1, 1, 1));
        assert_eq!(serde_json::to_value(&one).unwrap()["by_class"], json!({"shared": 1}));
    }

    #[test]
    fn duplication_codes_are_serde_names() {
        for k in [DuplicationKind::NotLinkedToMaster, DuplicationKind::NoMaster] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
    }

    #[test]
    fn hides_restricted_entries_and_everything_pointing_at_them() {
        let mut s = sample();
        let i = s.index()["dan-cu"];
        s.databases[i].data_importance = kho_core::vocab::DataImportance::Core;
        let anon = RegistryFilter { all: false, member_orgs: vec![] };
        let v = s.visible(&anon);
        assert!(v.databases.iter().all(|d| d.name != "dan-cu"));
        assert!(v.databases.iter().all(|d| d.connections.iter().all(|c| c.database != "dan-cu")));
        assert_eq!(v.elements.iter().find(|e| e.name == "cccd").unwrap().master, None);
        assert!(!serde_json::to_string(&v).unwrap().contains("\"dan-cu\""));
        let member = RegistryFilter { all: false, member_orgs: vec!["bca".into()] };
        assert_eq!(s.visible(&member), s);
    }

    #[test]
    fn diff_names_what_changed() {
        let old = sample();
        let mut new = sample();
        new.databases.retain(|d| d.name != "bhxh");
        let i = new.index()["giao-duc"];
        new.databases[i].title = "Giáo dục".into();
        new.databases.push(db(
            "moi",
            "bgd",
            "shared",
            json!([{"database": "giao-duc", "direction": "out", "platform": "lgsp"}]),
            json!([]),
        ));
        new.elements.push(el("ma-dn", None));
        new.normalise();
        let d = diff(&old, &new);
        assert_eq!(d.added, vec!["moi"]);
        assert_eq!(d.removed, vec!["bhxh"]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].changes[0]["field"], "title");
        assert_eq!(d.connections_added, vec![["giao-duc".to_string(), "moi".into(), "lgsp".into()]]);
        assert_eq!(d.connections_removed, vec![["bhxh".to_string(), "y-te".into(), "lgsp".into()]]);
        assert_eq!(d.elements_added, vec!["ma-dn"]);
        assert_eq!(diff(&old, &old), MapDiff::default());
    }
}
