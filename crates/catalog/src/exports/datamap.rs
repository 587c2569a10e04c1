//! The data map as downloads (`/datamap/export.{csv,xlsx,json,ttl,jsonld,rdf,nt}`).
//!
//! One selection serves every format: the approved map, or a published
//! version (`version`), as the viewer may see it, and the databases the
//! overview's filters keep (`agency` or `organization`, `class`, `sector`,
//! `data_sharing`, `data_importance`, `status`, `q`, read by
//! [`DatabaseFilter`]). From it come three tables:
//!
//! - databases: one row per kept database;
//! - connections: one row per connection touching a kept database (each
//!   pair and platform once, whichever side declared it), `from` being the
//!   side that provides data (`direction` `out`, or `both`);
//! - elements: the dictionary (with a filter, the elements a kept database
//!   holds), each with every holder on the visible map and its duplicate
//!   collections.
//!
//! CSV gives one table (`table=databases|connections|elements`), XLSX all
//! three as sheets, JSON the same rows as objects (databases as
//! `datamap_database_show` shapes them), DCAT-AP the kept databases
//! through `kho_dcat::datamap`.

use super::{CSV, Download, JSON, XLSX, blocking, sheets_error};
use crate::datamap::DatabaseFilter;
use crate::{Catalog, Error, Result};
use kho_core::authz::Actor;
use kho_core::input::Fields;
use kho_core::timefmt;
use kho_core::vocab::Vocabulary;
use kho_datamap::{Agency, Duplication, Edge, View};
use kho_sheets::{Cell, Table};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// What the map is downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFormat {
    /// One table as CSV.
    Csv,
    /// Every table, a sheet each.
    Xlsx,
    /// Every table as JSON arrays.
    Json,
    /// DCAT-AP 3 in an RDF serialisation.
    Rdf(kho_dcat::Format),
}

impl MapFormat {
    /// The format of a download's extension: `csv`, `xlsx`, `json`, or an
    /// RDF one (`ttl`, `jsonld`, `rdf`, `nt`).
    pub fn from_extension(ext: &str) -> Option<MapFormat> {
        match ext {
            "csv" => Some(MapFormat::Csv),
            "xlsx" => Some(MapFormat::Xlsx),
            "json" => Some(MapFormat::Json),
            other => kho_dcat::Format::from_extension(other).map(MapFormat::Rdf),
        }
    }
}

/// The tables of the map's downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapTable {
    /// One row per database.
    Databases,
    /// One row per connection.
    Connections,
    /// The data dictionary.
    Elements,
}

impl MapTable {
    /// The `table` parameter's value.
    pub fn code(self) -> &'static str {
        match self {
            MapTable::Databases => "databases",
            MapTable::Connections => "connections",
            MapTable::Elements => "elements",
        }
    }

    fn parse(s: Option<&str>) -> Result<MapTable> {
        match s {
            None | Some("databases") => Ok(MapTable::Databases),
            Some("connections") => Ok(MapTable::Connections),
            Some("elements") => Ok(MapTable::Elements),
            Some(other) => Err(Error::field(
                "table",
                format!("\"{other}\" is not a table of the map: databases, connections or elements"),
            )),
        }
    }
}

/// Sheet names of the workbook, in order.
const SHEETS: [&str; 3] = ["Cơ sở dữ liệu", "Kết nối", "Từ điển dữ liệu"];

/// Lists inside one cell are joined with this.
const JOIN: &str = "; ";

/// The part of the map a download covers.
pub struct MapSelection {
    /// The map or the version, as the viewer may see it.
    pub view: Arc<View>,
    /// By database position: kept by the filters.
    pub keep: Vec<bool>,
    /// A filter is set (else every database is kept, and the whole
    /// dictionary listed).
    pub filtered: bool,
    /// The published version, for a version's download.
    pub version: Option<String>,
    /// When that version was published.
    pub published: Option<String>,
    /// The filters as given, for the JSON download.
    pub filters: Map<String, Value>,
    /// Database ids by name (the current map only).
    ids: HashMap<String, String>,
    /// Harvested databases' names (the current map only).
    harvested: BTreeSet<String>,
}

/// Indexes of a selection's view (see [`MapSelection::lookups`]).
#[derive(Default)]
struct Lookups<'a> {
    /// By database position: the edges touching it.
    edges_of: Vec<Vec<&'a Edge>>,
    /// By element name: the databases holding it, in the map's order.
    holders: HashMap<&'a str, Vec<&'a str>>,
    /// Duplicate collections by database name and by element name.
    dups_of_db: HashMap<&'a str, Vec<&'a Duplication>>,
    dups_of_element: HashMap<&'a str, Vec<&'a Duplication>>,
}

impl Lookups<'_> {
    fn holders(&self, element: &str) -> &[&str] {
        self.holders.get(element).map(Vec::as_slice).unwrap_or_default()
    }

    fn dups_of_element(&self, element: &str) -> &[&Duplication] {
        self.dups_of_element.get(element).map(Vec::as_slice).unwrap_or_default()
    }
}

/// A connection as the downloads list it.
struct Conn {
    /// The database that provides data (either, when both do).
    from: usize,
    to: usize,
    both: bool,
    platform: &'static str,
    elements: Vec<String>,
    declared_by: Vec<String>,
}

impl MapSelection {
    fn agencies(&self) -> HashMap<&str, &Agency> {
        self.view.snapshot.agencies.iter().map(|a| (a.id.as_str(), a)).collect()
    }

    fn kept(&self, i: usize) -> bool {
        self.keep.get(i).copied().unwrap_or(false)
    }

    /// Connections touching a kept database, in the map's order.
    fn connections(&self) -> Vec<Conn> {
        let dbs = &self.view.snapshot.databases;
        self.view
            .edges
            .iter()
            .filter(|e| self.kept(e.a) || self.kept(e.b))
            .map(|e| {
                let (from, to) = if e.a_to_b || !e.b_to_a { (e.a, e.b) } else { (e.b, e.a) };
                let mut elements = BTreeSet::new();
                let mut declared_by = Vec::new();
                for (me, other) in [(e.a, e.b), (e.b, e.a)] {
                    let declared = dbs[me]
                        .connections
                        .iter()
                        .filter(|c| c.database == dbs[other].name && c.platform == e.platform)
                        .inspect(|c| elements.extend(c.elements.iter().cloned()))
                        .count();
                    if declared > 0 {
                        declared_by.push(dbs[me].name.clone());
                    }
                }
                Conn {
                    from,
                    to,
                    both: e.two_way(),
                    platform: e.platform.code(),
                    elements: elements.into_iter().collect(),
                    declared_by,
                }
            })
            .collect()
    }

    /// Positions of the dictionary's elements listed: all of them, or with
    /// a filter those a kept database holds.
    fn elements(&self) -> Vec<usize> {
        let snap = &self.view.snapshot;
        let held: BTreeSet<&str> = snap
            .databases
            .iter()
            .enumerate()
            .filter(|(i, _)| self.kept(*i))
            .flat_map(|(_, d)| d.elements.iter().map(String::as_str))
            .collect();
        (0..snap.elements.len()).filter(|i| !self.filtered || held.contains(snap.elements[*i].name.as_str())).collect()
    }

    /// What the rows look up, indexed once (a national map has 10,000
    /// databases and 50,000 connections: no scan per row).
    fn lookups(&self) -> Lookups<'_> {
        let snap = &self.view.snapshot;
        let mut out = Lookups { edges_of: vec![Vec::new(); snap.databases.len()], ..Lookups::default() };
        for e in &self.view.edges {
            out.edges_of[e.a].push(e);
            out.edges_of[e.b].push(e);
        }
        for d in &snap.databases {
            for el in &d.elements {
                out.holders.entry(el.as_str()).or_default().push(d.name.as_str());
            }
        }
        for d in &self.view.duplications {
            out.dups_of_db.entry(d.database.as_str()).or_default().push(d);
            out.dups_of_element.entry(d.element.as_str()).or_default().push(d);
        }
        out
    }

    /// The three tables, in [`SHEETS`] order.
    pub fn tables(&self) -> [Table; 3] {
        [self.databases_table(), self.connections_table(), self.elements_table()]
    }

    /// One of the tables.
    pub fn table(&self, which: MapTable) -> Table {
        match which {
            MapTable::Databases => self.databases_table(),
            MapTable::Connections => self.connections_table(),
            MapTable::Elements => self.elements_table(),
        }
    }

    fn databases_table(&self) -> Table {
        let mut t = Table::new(
            SHEETS[0],
            &[
                "name",
                "title",
                "title_en",
                "organization",
                "organization_title",
                "class",
                "data_sharing",
                "data_importance",
                "sector",
                "hosting",
                "security_level",
                "protection_4_layer",
                "status",
                "records",
                "size_bytes",
                "update_frequency",
                "legal_basis",
                "purpose",
                "entities",
                "elements",
                "endpoints",
                "connections",
            ],
        );
        let agencies = self.agencies();
        let snap = &self.view.snapshot;
        let mut connected: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); snap.databases.len()];
        for e in &self.view.edges {
            connected[e.a].insert(&snap.databases[e.b].name);
            connected[e.b].insert(&snap.databases[e.a].name);
        }
        for (i, d) in snap.databases.iter().enumerate().filter(|(i, _)| self.kept(*i)) {
            let agency = agencies.get(d.owner_org.as_str());
            t.push(vec![
                d.name.as_str().into(),
                d.title.as_str().into(),
                d.title_translated.get("en").into(),
                agency.map(|a| a.name.as_str()).into(),
                agency.map(|a| a.title.as_str()).into(),
                d.class.code().into(),
                d.data_sharing.code().into(),
                d.data_importance.code().into(),
                d.sector.as_deref().into(),
                d.hosting.map(|h| h.code()).into(),
                d.security_level.map(i64::from).into(),
                d.protection_4_layer.into(),
                d.status.code().into(),
                d.records.into(),
                d.size_bytes.into(),
                d.update_frequency.map(|f| f.code()).into(),
                d.legal_basis.as_deref().into(),
                d.purpose.as_deref().into(),
                d.entities.join(JOIN).into(),
                d.elements.join(JOIN).into(),
                d.endpoints.iter().map(|e| e.url.as_str()).collect::<Vec<_>>().join(JOIN).into(),
                connected[i].iter().copied().collect::<Vec<_>>().join(JOIN).into(),
            ]);
        }
        t
    }

    fn connections_table(&self) -> Table {
        let mut t = Table::new(
            SHEETS[1],
            &["from", "from_organization", "to", "to_organization", "direction", "platform", "elements", "declared_by"],
        );
        let agencies = self.agencies();
        let dbs = &self.view.snapshot.databases;
        let org = |i: usize| -> Cell { agencies.get(dbs[i].owner_org.as_str()).map(|a| a.name.as_str()).into() };
        for c in self.connections() {
            t.push(vec![
                dbs[c.from].name.as_str().into(),
                org(c.from),
                dbs[c.to].name.as_str().into(),
                org(c.to),
                (if c.both { "both" } else { "out" }).into(),
                c.platform.into(),
                c.elements.join(JOIN).into(),
                c.declared_by.join(JOIN).into(),
            ]);
        }
        t
    }

    fn elements_table(&self) -> Table {
        let mut t = Table::new(
            SHEETS[2],
            &[
                "element",
                "title",
                "title_en",
                "data_type",
                "format",
                "definition",
                "master",
                "holders",
                "duplicated",
                "duplicated_in",
                "duplication",
            ],
        );
        let snap = &self.view.snapshot;
        let look = self.lookups();
        for i in self.elements() {
            let el = &snap.elements[i];
            let dups = look.dups_of_element(&el.name);
            let kinds: BTreeSet<&str> = dups.iter().map(|d| d.kind.code()).collect();
            t.push(vec![
                el.name.as_str().into(),
                el.title.as_str().into(),
                el.title_translated.get("en").into(),
                el.data_type.as_str().into(),
                el.format.as_deref().into(),
                el.definition.as_deref().into(),
                el.master.as_deref().into(),
                look.holders(&el.name).join(JOIN).into(),
                (!dups.is_empty()).into(),
                dups.iter().map(|d| d.database.as_str()).collect::<Vec<_>>().join(JOIN).into(),
                kinds.into_iter().collect::<Vec<_>>().join(JOIN).into(),
            ]);
        }
        t
    }

    /// Everything as one JSON document: databases as
    /// `datamap_database_show` gives them (organization, connections on
    /// the map and duplicate collections around the entry), connections,
    /// elements, when it was made and from which version.
    pub fn json(&self, generated: &str) -> Value {
        let snap = &self.view.snapshot;
        let agencies = self.agencies();
        let look = self.lookups();
        let databases: Vec<Value> = snap
            .databases
            .iter()
            .enumerate()
            .filter(|(i, _)| self.kept(*i))
            .map(|(i, d)| {
                let mut v = d.to_json();
                if let Some(id) = self.ids.get(&d.name) {
                    v["id"] = json!(id);
                }
                v["restricted"] = json!(d.restricted());
                if self.version.is_none() {
                    v["harvested"] = json!(self.harvested.contains(&d.name));
                }
                v["organization"] = agencies
                    .get(d.owner_org.as_str())
                    .map(|a| json!({"id": a.id, "name": a.name, "title": a.title}))
                    .unwrap_or(Value::Null);
                let connected: Vec<Value> = look.edges_of[i]
                    .iter()
                    .map(|e| {
                        let o = e.other(i);
                        let direction = match (e.flows(i, o), e.flows(o, i)) {
                            (true, true) => "both",
                            (true, false) => "out",
                            _ => "in",
                        };
                        let other = &snap.databases[o];
                        json!({"database": other.name, "title": other.title, "direction": direction,
                               "platform": e.platform, "organization": other.owner_org})
                    })
                    .collect();
                v["connected"] = Value::Array(connected);
                v["duplications"] = json!(look.dups_of_db.get(d.name.as_str()).cloned().unwrap_or_default());
                v
            })
            .collect();
        let connections: Vec<Value> = self
            .connections()
            .into_iter()
            .map(|c| {
                json!({"from": snap.databases[c.from].name, "to": snap.databases[c.to].name,
                       "direction": if c.both { "both" } else { "out" }, "platform": c.platform,
                       "elements": c.elements, "declared_by": c.declared_by})
            })
            .collect();
        let elements: Vec<Value> = self
            .elements()
            .into_iter()
            .map(|i| {
                let el = &snap.elements[i];
                let mut v = json!(el);
                v["databases"] = json!(look.holders(&el.name));
                v["duplications"] = json!(look.dups_of_element(&el.name));
                v
            })
            .collect();
        json!({
            "databases": databases,
            "connections": connections,
            "elements": elements,
            "generated": generated,
            "version": self.version,
            "published": self.published,
            "filters": self.filters,
        })
    }
}

impl Catalog {
    /// The map (or the published `version`) as `actor` may see it, with
    /// the databases `filter` keeps; `agency` is an organization's name or
    /// id among the map's agencies (an unknown one keeps nothing, as on the
    /// overview page).
    pub async fn datamap_selection(
        &self,
        actor: &Actor,
        version: Option<&str>,
        mut filter: DatabaseFilter,
    ) -> Result<MapSelection> {
        let (view, published, ids, harvested) = match version {
            Some(label) => {
                let (row, view) = self.version_snapshot(actor, Some(label)).await?;
                (Arc::new(view), Some((row.version, row.published)), HashMap::new(), BTreeSet::new())
            }
            None => {
                let state = self.datamap_state().await?;
                let view = state.view_for(&kho_core::authz::registry_filter(actor));
                let harvested = state.harvested.keys().cloned().collect();
                (view, None, state.ids.clone(), harvested)
            }
        };
        let mut filters = Map::new();
        for (k, v) in [
            ("organization", &filter.organization),
            ("class", &filter.class),
            ("sector", &filter.sector),
            ("data_sharing", &filter.data_sharing),
            ("data_importance", &filter.data_importance),
            ("status", &filter.status),
        ] {
            if let Some(v) = v {
                filters.insert(k.into(), json!(v));
            }
        }
        if !filter.words.is_empty() {
            filters.insert("q".into(), json!(filter.words.join(" ")));
        }
        let filtered = !filter.is_empty();
        let known = match &filter.organization {
            Some(o) => match view.snapshot.agencies.iter().find(|a| &a.id == o || &a.name == o) {
                Some(a) => {
                    filter.organization = Some(a.id.clone());
                    true
                }
                None => false,
            },
            None => true,
        };
        let keep = view.snapshot.databases.iter().map(|d| known && filter.matches(d)).collect();
        let (version, published) = published.unzip();
        Ok(MapSelection { view, keep, filtered, version, published, filters, ids, harvested })
    }

    /// A download of the map in `format` for `actor`, from the query
    /// parameters of `/datamap/export.{ext}`: the overview's filters,
    /// `version`, and for CSV `table` and `bom`. `site` names the node in
    /// DCAT. Unknown parameters (the overview's `page`) are ignored.
    pub async fn datamap_export(
        &self,
        actor: &Actor,
        site: Arc<kho_dcat::Site>,
        format: MapFormat,
        mut f: Fields,
    ) -> Result<Download> {
        let version = f.text("version", 20);
        let table = MapTable::parse(f.text("table", 20).as_deref())?;
        let bom = f.bool("bom").unwrap_or(false);
        let agency = f.text("agency", 200);
        let mut filter = DatabaseFilter::read(&mut f);
        f.finish()?;
        // The overview names the agency `agency`; the API `organization`.
        filter.organization = filter.organization.or(agency);
        let sel = self.datamap_selection(actor, version.as_deref(), filter).await?;
        let mut filename = String::from("ban-do-du-lieu");
        if let Some(v) = &sel.version {
            filename.push_str(&format!("-{v}"));
        }
        let generated = timefmt::now();
        blocking(move || {
            let (bytes, content_type, ext) = match format {
                MapFormat::Csv => {
                    if table != MapTable::Databases {
                        filename.push_str(&format!("-{}", table.code()));
                    }
                    let bytes = kho_sheets::csv(&sel.table(table), bom).map_err(sheets_error)?;
                    (bytes, CSV.to_string(), "csv")
                }
                MapFormat::Xlsx => (kho_sheets::xlsx(&sel.tables()).map_err(sheets_error)?, XLSX.to_string(), "xlsx"),
                MapFormat::Json => {
                    let bytes = serde_json::to_vec_pretty(&sel.json(&generated)).map_err(Error::internal)?;
                    (bytes, JSON.to_string(), "json")
                }
                MapFormat::Rdf(rdf) => {
                    let doc = kho_dcat::datamap::MapDocument {
                        view: &sel.view,
                        keep: sel.filtered.then_some(sel.keep.as_slice()),
                        version: sel.version.as_deref(),
                        modified: sel.published.as_deref(),
                    };
                    let bytes = kho_dcat::datamap::write(rdf, site, &doc, Vec::new())
                        .map_err(|e| Error::internal(format!("writing the map as DCAT: {e}")))?;
                    (bytes, format!("{}; charset=utf-8", rdf.media_type()), rdf.extension())
                }
            };
            Ok(Download { bytes, content_type, filename: format!("{filename}.{ext}") })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_datamap::{DatabaseEntry, Snapshot};

    fn entry(v: Value) -> DatabaseEntry {
        let mut base = json!({"title": "CSDL", "owner_org": "o1", "class": "shared", "data_sharing": "shared",
                              "data_importance": "important", "status": "operating"});
        for (k, x) in v.as_object().cloned().unwrap_or_default() {
            base[k] = x;
        }
        DatabaseEntry::parse(Fields::from_value(base).unwrap()).unwrap()
    }

    fn selection(keep: &[&str]) -> MapSelection {
        let el = |name: &str| kho_datamap::DataElement {
            name: name.into(),
            title: name.into(),
            title_translated: Default::default(),
            definition: None,
            data_type: "string".into(),
            format: None,
            master: None,
        };
        let view = View::new(Snapshot {
            agencies: vec![],
            databases: vec![
                entry(json!({"name": "aa", "elements": ["xx"], "connections": [
                    {"database": "bb", "direction": "out", "platform": "ndxp", "elements": ["yy"]}]})),
                // Declared by both sides, with different elements: one row.
                entry(json!({"name": "bb", "elements": ["xx", "yy"], "connections": [
                    {"database": "aa", "direction": "in", "platform": "ndxp", "elements": ["xx"]}]})),
                entry(json!({"name": "cc", "connections": [
                    {"database": "bb", "direction": "out", "platform": "ndxp", "elements": ["yy"]},
                    {"database": "aa", "direction": "both", "platform": "direct"}]})),
            ],
            elements: vec![el("xx"), el("yy"), el("zz")],
        });
        let view = Arc::new(view);
        let keep_mask = view.snapshot.databases.iter().map(|d| keep.contains(&d.name.as_str())).collect();
        MapSelection {
            view,
            keep: keep_mask,
            filtered: keep.len() < 3,
            version: None,
            published: None,
            filters: Map::new(),
            ids: HashMap::new(),
            harvested: BTreeSet::new(),
        }
    }

    fn cells(t: &Table) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Cell::Text(s) => s.clone(),
                        Cell::Bool(b) => b.to_string(),
                        Cell::Empty => String::new(),
                        other => format!("{other:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn connections_read_from_the_provider_and_merge_both_declarations() {
        let sel = selection(&["aa", "bb", "cc"]);
        let rows = cells(&sel.table(MapTable::Connections));
        assert_eq!(
            rows,
            [
                ["aa", "", "bb", "", "out", "ndxp", "xx; yy", "aa; bb"],
                ["aa", "", "cc", "", "both", "direct", "", "cc"],
                ["cc", "", "bb", "", "out", "ndxp", "yy", "cc"],
            ]
        );
    }

    #[test]
    fn a_filter_keeps_its_databases_their_connections_and_their_elements() {
        let sel = selection(&["aa"]);
        assert_eq!(cells(&sel.table(MapTable::Databases)).iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["aa"]);
        assert_eq!(sel.table(MapTable::Connections).rows.len(), 2, "aa–bb and aa–cc");
        let els = cells(&sel.table(MapTable::Elements));
        assert_eq!(els.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["xx"]);
        assert_eq!(els[0][7], "aa; bb", "every holder on the map");
        // Without a filter, the whole dictionary, held or not.
        let all = selection(&["aa", "bb", "cc"]);
        assert_eq!(all.table(MapTable::Elements).rows.len(), 3);
        let doc = all.json("2025-01-01T00:00:00.000000");
        assert_eq!(doc["databases"][2]["connected"].as_array().map(Vec::len), Some(2));
        assert_eq!(doc["connections"][0]["declared_by"], json!(["aa", "bb"]));
        assert_eq!(doc["connections"][0]["elements"], json!(["xx", "yy"]));
    }
}
