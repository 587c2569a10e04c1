//! The Strategy's indicators Kho computes from what it holds: the data map
//! (databases, connections, protection) and the catalog (open datasets and
//! their quality), at three levels: each ministry-level agency, each
//! province, and the nation.
//!
//! Definitions (the published method; `docs/STRATEGY.md` has the table):
//!
//! - `national_db_connected` (target III.2.a): national databases connected
//!   (either way, any platform) with the national repository at the
//!   National Data Center, over all national databases except the
//!   repository itself.
//! - `shared_db_via_platform` (III.2.b): shared and specialised databases
//!   all of whose connections go through a sharing platform (NDXP or a
//!   LGSP), over those with at least one connection.
//! - `open_data_agencies` (III.2.c): for an agency, its public datasets
//!   that meet the quality threshold over all its public datasets; for the
//!   nation, the ministry- and province-level agencies with at least one
//!   such dataset over all of them.
//! - `protection_4_layer` (III.4): databases with the 4-layer protection
//!   model in place, over the national and shared databases and every
//!   database holding core or important data.
//!
//! An agency's figures cover its own databases and datasets and those of
//! the organizations under it (a province's departments).

use crate::seed::Indicator;
use kho_datamap::View;
use kho_datamap::vocab::DatabaseClass;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Which agencies a figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Ministries, ministry-level agencies and Government agencies.
    Ministry,
    /// Provinces and centrally-run cities.
    Province,
    /// The whole country.
    National,
}

impl Scope {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Scope::Ministry => "ministry",
            Scope::Province => "province",
            Scope::National => "national",
        }
    }

    /// Parses a wire code.
    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Ministry, Scope::Province, Scope::National].into_iter().find(|x| x.code() == s)
    }

    /// The ranked level of an organization of `agency_kind`, if any.
    pub fn of_kind(kind: Option<&str>) -> Option<Scope> {
        match kind? {
            "ministry" | "government_agency" => Some(Scope::Ministry),
            "province" => Some(Scope::Province),
            _ => None,
        }
    }
}

/// What the catalog knows of an organization's open data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenData {
    /// Public datasets it publishes.
    pub datasets: u64,
    /// Of those, the ones meeting the quality threshold.
    pub meeting: u64,
}

/// One figure: a share in percent, with what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// Which indicator.
    pub indicator: Indicator,
    /// What counts.
    pub numerator: u64,
    /// Out of how many; 0 when nothing is to be measured.
    pub denominator: u64,
}

impl Value {
    /// The share in percent, `None` when there is nothing to measure.
    pub fn percent(&self) -> Option<f64> {
        (self.denominator > 0).then(|| 100.0 * self.numerator as f64 / self.denominator as f64)
    }
}

/// An agency's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyValues {
    /// Organization id.
    pub agency: String,
    /// Ministry or province level.
    pub scope: Scope,
    /// One per indicator, in [`Indicator::ALL`] order.
    pub values: Vec<Value>,
}

/// Every figure at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Computed {
    /// The nation's, in [`Indicator::ALL`] order.
    pub national: Vec<Value>,
    /// Each ministry- and province-level agency's, in the snapshot's
    /// agency order.
    pub agencies: Vec<AgencyValues>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    national: (u64, u64),
    shared: (u64, u64),
    open: (u64, u64),
    protection: (u64, u64),
}

impl Tally {
    fn values(&self) -> Vec<Value> {
        let v = |indicator, (numerator, denominator)| Value { indicator, numerator, denominator };
        Indicator::ALL
            .iter()
            .map(|&i| match i {
                Indicator::NationalDbConnected => v(i, self.national),
                Indicator::SharedDbViaPlatform => v(i, self.shared),
                Indicator::OpenDataAgencies => v(i, self.open),
                Indicator::Protection4Layer => v(i, self.protection),
            })
            .collect()
    }
}

fn add(t: &mut (u64, u64), counts: bool) {
    t.1 += 1;
    if counts {
        t.0 += 1;
    }
}

/// Computes every indicator from the approved map (`view`, all of it:
/// these are aggregate shares) and each organization's open data (by
/// organization id). One pass over databases and connections.
pub fn compute(view: &View, open_data: &HashMap<String, OpenData>) -> Computed {
    let snapshot = &view.snapshot;
    // Each organization's ranked agency: itself or its nearest ranked
    // ancestor (a loop in the hierarchy stops the walk).
    let by_id: HashMap<&str, &kho_datamap::Agency> = snapshot.agencies.iter().map(|a| (a.id.as_str(), a)).collect();
    let ranked_of = |id: &str| -> Option<(&str, Scope)> {
        let mut cur = by_id.get(id).copied();
        for _ in 0..32 {
            let a = cur?;
            if let Some(scope) = Scope::of_kind(a.kind.as_deref()) {
                return Some((a.id.as_str(), scope));
            }
            cur = a.parent.as_deref().and_then(|p| by_id.get(p).copied());
        }
        None
    };
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut nation = Tally::default();

    // Per database: connected to the repository; connections, and whether
    // all go through a sharing platform.
    let n = snapshot.databases.len();
    let mut to_repository = vec![false; n];
    let mut connections = vec![0u32; n];
    let mut all_platform = vec![true; n];
    for e in &view.edges {
        for (me, other) in [(e.a, e.b), (e.b, e.a)] {
            connections[me] += 1;
            if !e.platform.is_sharing_platform() {
                all_platform[me] = false;
            }
            if snapshot.databases[other].national_repository {
                to_repository[me] = true;
            }
        }
    }
    for (i, d) in snapshot.databases.iter().enumerate() {
        let mut t = Tally::default();
        if d.class == DatabaseClass::National && !d.national_repository {
            add(&mut t.national, to_repository[i]);
        }
        if matches!(d.class, DatabaseClass::Shared | DatabaseClass::Specialised) && connections[i] > 0 {
            add(&mut t.shared, all_platform[i]);
        }
        let guarded = matches!(d.class, DatabaseClass::National | DatabaseClass::Shared)
            || matches!(
                d.data_importance,
                kho_core::vocab::DataImportance::Core | kho_core::vocab::DataImportance::Important
            );
        if guarded {
            add(&mut t.protection, d.protection_4_layer);
        }
        merge(&mut nation, &t);
        if let Some((agency, _)) = ranked_of(&d.owner_org) {
            merge(tallies.entry(agency).or_default(), &t);
        }
    }
    // Open data: sums per ranked agency, then the national share of
    // agencies with at least one dataset meeting the threshold.
    let mut open: BTreeMap<&str, OpenData> = BTreeMap::new();
    for (org, od) in open_data {
        if let Some((agency, _)) = ranked_of(org) {
            let e = open.entry(agency).or_default();
            e.datasets += od.datasets;
            e.meeting += od.meeting;
        }
    }
    let mut agencies = Vec::new();
    for a in &snapshot.agencies {
        let Some(scope) = Scope::of_kind(a.kind.as_deref()) else { continue };
        let mut t = tallies.get(a.id.as_str()).copied().unwrap_or_default();
        let od = open.get(a.id.as_str()).cloned().unwrap_or_default();
        t.open = (od.meeting, od.datasets);
        add(&mut nation.open, od.meeting > 0);
        agencies.push(AgencyValues { agency: a.id.clone(), scope, values: t.values() });
    }
    Computed { national: nation.values(), agencies }
}

fn merge(into: &mut Tally, t: &Tally) {
    for (a, b) in [(&mut into.national, t.national), (&mut into.shared, t.shared), (&mut into.protection, t.protection)]
    {
        a.0 += b.0;
        a.1 += b.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_core::input::Fields;
    use kho_datamap::{Agency, DatabaseEntry, Snapshot};
    use serde_json::json;

    fn agency(id: &str, kind: Option<&str>, parent: Option<&str>) -> Agency {
        Agency {
            id: id.into(),
            name: id.into(),
            title: id.into(),
            title_en: None,
            kind: kind.map(str::to_string),
            parent: parent.map(str::to_string),
            code: None,
        }
    }

    fn db(
        name: &str,
        org: &str,
        class: &str,
        importance: &str,
        protected: bool,
        extra: serde_json::Value,
    ) -> DatabaseEntry {
        let mut v = json!({"name": name, "title": name, "owner_org": org, "class": class, "data_sharing": "shared",
            "data_importance": importance, "status": "operating", "protection_4_layer": protected});
        for (k, x) in extra.as_object().cloned().unwrap_or_default() {
            v[k] = x;
        }
        DatabaseEntry::parse(Fields::from_value(v).unwrap()).unwrap()
    }

    #[test]
    fn computes_each_indicator_by_hand() {
        let s = Snapshot {
            agencies: vec![
                agency("bca", Some("ministry"), None),
                agency("byt", Some("ministry"), None),
                agency("hn", Some("province"), None),
                agency("so-yt-hn", Some("department"), Some("hn")),
                agency("dn", Some("province"), None),
            ],
            databases: vec![
                db("kho-tong-hop", "bca", "national", "core", true, json!({"national_repository": true})),
                db(
                    "dan-cu",
                    "bca",
                    "national",
                    "core",
                    true,
                    json!({"connections": [{"database": "kho-tong-hop", "direction": "out", "platform": "ndxp"}]}),
                ),
                db("y-te", "byt", "national", "important", false, json!({})),
                db(
                    "hn-1",
                    "so-yt-hn",
                    "shared",
                    "other",
                    true,
                    json!({"connections": [{"database": "dan-cu", "direction": "in", "platform": "lgsp"}]}),
                ),
                db(
                    "hn-2",
                    "hn",
                    "specialised",
                    "other",
                    false,
                    json!({"connections": [{"database": "dan-cu", "direction": "in", "platform": "direct"},
                                            {"database": "hn-1", "direction": "in", "platform": "lgsp"}]}),
                ),
                db("dn-1", "dn", "specialised", "important", false, json!({})),
            ],
            elements: vec![],
        };
        let open = HashMap::from([
            ("byt".to_string(), OpenData { datasets: 4, meeting: 3 }),
            ("so-yt-hn".to_string(), OpenData { datasets: 2, meeting: 0 }),
            ("hn".to_string(), OpenData { datasets: 2, meeting: 1 }),
        ]);
        let c = compute(&View::new(s), &open);
        let get = |vals: &[Value], i: Indicator| {
            let v = vals.iter().find(|v| v.indicator == i).unwrap();
            (v.numerator, v.denominator)
        };
        // National DBs other than the repository: dan-cu (connected), y-te (not).
        assert_eq!(get(&c.national, Indicator::NationalDbConnected), (1, 2));
        // Shared/specialised with connections: hn-1 (all LGSP), hn-2 (one direct).
        assert_eq!(get(&c.national, Indicator::SharedDbViaPlatform), (1, 2));
        // Guarded: the three national, hn-1 (shared), dn-1 (important): 3 protected of 5.
        assert_eq!(get(&c.national, Indicator::Protection4Layer), (3, 5));
        // Ranked agencies with a dataset meeting the threshold: byt, hn of bca, byt, hn, dn.
        assert_eq!(get(&c.national, Indicator::OpenDataAgencies), (2, 4));
        let of = |id: &str| c.agencies.iter().find(|a| a.agency == id).unwrap();
        assert_eq!(of("hn").scope, Scope::Province);
        // Hà Nội counts its department's database and datasets.
        assert_eq!(get(&of("hn").values, Indicator::SharedDbViaPlatform), (1, 2));
        assert_eq!(get(&of("hn").values, Indicator::Protection4Layer), (1, 1));
        assert_eq!(get(&of("hn").values, Indicator::OpenDataAgencies), (1, 4));
        assert_eq!(get(&of("bca").values, Indicator::NationalDbConnected), (1, 1));
        assert_eq!(get(&of("byt").values, Indicator::NationalDbConnected), (0, 1));
        assert_eq!(get(&of("dn").values, Indicator::NationalDbConnected), (0, 0));
        assert_eq!(Value { indicator: Indicator::NationalDbConnected, numerator: 0, denominator: 0 }.percent(), None);
        assert!(c.agencies.iter().all(|a| a.agency != "so-yt-hn"), "departments are not ranked");
    }

    #[test]
    fn wire_codes_are_serde_names() {
        // Stored figures are read back by code: the two spellings must agree.
        for i in Indicator::ALL {
            assert_eq!(serde_json::to_value(i).unwrap(), i.code());
            assert_eq!(Indicator::parse(i.code()), Some(i));
        }
        for s in [Scope::Ministry, Scope::Province, Scope::National] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert_eq!(Scope::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn a_loop_in_the_hierarchy_does_not_hang() {
        let s = Snapshot {
            agencies: vec![agency("a", Some("department"), Some("b")), agency("b", Some("department"), Some("a"))],
            databases: vec![db("x1", "a", "national", "core", true, json!({}))],
            elements: vec![],
        };
        let c = compute(&View::new(s), &HashMap::new());
        assert!(c.agencies.is_empty());
        assert_eq!(c.national[0].denominator, 1);
    }
}
