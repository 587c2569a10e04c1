//! The data map on the portal (`/datamap…`): the national picture of
//! government databases and their connections, for everyone, and the
//! reviewers' queue.
//!
//! - `/datamap`: counts, filters, the agencies as a graph (one node per
//!   agency, connections between agencies' databases added up per
//!   platform), and the matching databases, paged.
//! - `/datamap/graph`: the databases themselves as a graph (capped by the
//!   renderer), with a small script (`assets/datamap.js`) that highlights
//!   a node's neighbours and toggles platforms; without it the SVG is
//!   complete.
//! - `/datamap/database/{name}`: one entry, its connections, duplicate
//!   collections and history.
//! - `/datamap/elements`: the data dictionary, holders and flags.
//! - `/datamap/versions` and `/datamap/versions/{version}`: published
//!   versions and what changed.
//! - `/datamap/provinces`: a tile map of the provinces coloured by one of
//!   [`MEASURES`].
//! - `/datamap/review`: the entries awaiting review, with approve and
//!   reject forms (reviewers).
//!
//! Everything comes from catalog calls made as the visitor: the map as
//! the visitor may see it ([`kho_catalog::Catalog::datamap_view`], so a
//! restricted entry of another agency is never in it), entries, histories
//! and versions. The pages only count, group and draw what they get.

use crate::i18n::{Arg, Lang, Tr};
use crate::pages::{PageLink, pager};
use crate::{FormResult, Html, Layout, Portal, Visitor, format, render};
use askama::Template;
use kho_catalog::datamap::DatabaseFilter;
use kho_charts::{
    Chart, ChartKind, EdgePlatform, Graph, GraphEdge, GraphGroup, GraphLegend, GraphNode, NodeClass, render_graph,
};
use kho_core::authz::{Permission, authorize};
use kho_core::input::Fields;
use kho_core::vocab::{DataImportance, DataSharing, UpdateFrequency, Vocabulary};
use kho_core::{Error, Result};
use kho_datamap::vocab::{DatabaseClass, DatabaseStatus, Direction, Hosting, Platform, ReviewState};
use kho_datamap::{Agency, DatabaseEntry, Edge, Snapshot, View};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Databases per page of the overview's list.
const PER_PAGE: usize = 20;
/// Rows of the graph page's connection table.
const CONNECTIONS_LISTED: usize = 500;
/// Holders of an element listed by name on the dictionary page.
const HOLDERS_LISTED: usize = 30;
/// Entries of the review queue shown at once.
const QUEUE_SHOWN: usize = 100;

/// The label of a vocabulary value in `lang`.
fn label<V: Vocabulary>(lang: Lang, v: V) -> &'static str {
    match lang {
        Lang::Vi => v.label_vi(),
        Lang::En => v.label_en(),
    }
}

/// A database's title in `lang`.
fn db_title(lang: Lang, e: &DatabaseEntry) -> String {
    let t = lang.pick(&e.title_translated, &e.title);
    if t.trim().is_empty() { e.name.clone() } else { t.to_string() }
}

/// An agency's title in `lang`.
fn agency_title(lang: Lang, a: &Agency) -> String {
    let t = match (lang, &a.title_en) {
        (Lang::En, Some(en)) if !en.trim().is_empty() => en.as_str(),
        _ => a.title.as_str(),
    };
    if t.trim().is_empty() { a.name.clone() } else { t.to_string() }
}

/// A query string from pairs.
fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// `path` with `query` in the page's language.
fn href(lang: Lang, path: &str, query: &str) -> String {
    let p = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    crate::lang_url(lang, &p)
}

/// The parameters of the overview, graph and provinces pages, as a GET
/// form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapParams {
    /// Organization name.
    pub agency: String,
    pub sector: String,
    pub class: String,
    pub data_sharing: String,
    pub data_importance: String,
    pub status: String,
    pub q: String,
    pub page: usize,
    /// The provinces map's measure code.
    pub measure: String,
}

/// The filter keys of [`MapParams`], in the form's order.
const FILTER_KEYS: [&str; 7] = ["q", "agency", "sector", "class", "data_sharing", "data_importance", "status"];

impl MapParams {
    /// Reads a query string; unknown keys are ignored.
    pub fn parse(query: &str) -> MapParams {
        let mut p = MapParams { page: 1, ..Default::default() };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v: String = v.trim().chars().take(200).collect();
            match k.as_ref() {
                "agency" => p.agency = v,
                "sector" => p.sector = v,
                "class" => p.class = v,
                "data_sharing" => p.data_sharing = v,
                "data_importance" => p.data_importance = v,
                "status" => p.status = v,
                "q" => p.q = v,
                "measure" => p.measure = v,
                "page" => p.page = v.parse::<usize>().unwrap_or(1).clamp(1, 100_000),
                _ => {}
            }
        }
        p
    }

    fn get(&self, key: &str) -> &str {
        match key {
            "agency" => &self.agency,
            "sector" => &self.sector,
            "class" => &self.class,
            "data_sharing" => &self.data_sharing,
            "data_importance" => &self.data_importance,
            "status" => &self.status,
            "q" => &self.q,
            _ => "",
        }
    }

    /// The filters set, as (key, value).
    fn filters(&self) -> Vec<(&'static str, &str)> {
        FILTER_KEYS.iter().map(|k| (*k, self.get(k))).filter(|(_, v)| !v.is_empty()).collect()
    }

    /// The filters' query string (and `page` past the first).
    fn query(&self, page: usize) -> String {
        let mut pairs = self.filters();
        let n = page.to_string();
        if page > 1 {
            pairs.push(("page", &n));
        }
        query_string(pairs)
    }

    /// The catalog's filter for these parameters, the agency resolved by
    /// name among the map's agencies; `None` when the agency is unknown.
    fn filter(&self, ctx: &MapContext) -> Option<DatabaseFilter> {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let organization = match self.agency.as_str() {
            "" => None,
            name => Some(ctx.snap.agencies[*ctx.by_name.get(name)?].id.clone()),
        };
        let mut f = DatabaseFilter {
            organization,
            class: some(&self.class),
            sector: some(&self.sector),
            data_sharing: some(&self.data_sharing),
            data_importance: some(&self.data_importance),
            status: some(&self.status),
            words: Vec::new(),
        };
        f.set_q(&self.q);
        Some(f)
    }
}

/// What the pages need to know of the map beyond the snapshot: agencies
/// by id and name, each agency's top-level agency, and the edges.
struct MapContext<'a> {
    snap: &'a Snapshot,
    lang: Lang,
    by_id: HashMap<&'a str, usize>,
    by_name: HashMap<&'a str, usize>,
    /// By agency index: its top-level agency (following `parent`).
    root: Vec<usize>,
    edges: &'a [Edge],
}

/// Where agencies of a kind come in the graph's circle: ministries,
/// Government agencies, provinces, then the rest.
fn kind_rank(kind: Option<&str>) -> u8 {
    match kind {
        Some("ministry") => 0,
        Some("government_agency") => 1,
        Some("province") => 2,
        _ => 3,
    }
}

impl<'a> MapContext<'a> {
    fn new(view: &'a View, lang: Lang) -> MapContext<'a> {
        let snap = &view.snapshot;
        let by_id: HashMap<&str, usize> = snap.agencies.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
        let by_name = snap.agencies.iter().enumerate().map(|(i, a)| (a.name.as_str(), i)).collect();
        let root = (0..snap.agencies.len())
            .map(|i| {
                let mut at = i;
                // At most as many steps as agencies: a cycle stops there.
                for _ in 0..snap.agencies.len() {
                    match snap.agencies[at].parent.as_deref().and_then(|p| by_id.get(p)) {
                        Some(&p) if p != at => at = p,
                        _ => break,
                    }
                }
                at
            })
            .collect();
        MapContext { snap, lang, by_id, by_name, root, edges: &view.edges }
    }

    /// The index of the agency owning database `d`.
    fn owner(&self, d: usize) -> Option<usize> {
        self.by_id.get(self.snap.databases[d].owner_org.as_str()).copied()
    }

    fn agency_title(&self, i: usize) -> String {
        agency_title(self.lang, &self.snap.agencies[i])
    }

    /// Sort key of an agency: its top-level agency's kind and title, then
    /// the top-level agency first, then its own title.
    fn agency_key(&self, i: usize) -> (u8, String, usize, bool, String) {
        let r = self.root[i];
        let root = &self.snap.agencies[r];
        (kind_rank(root.kind.as_deref()), self.agency_title(r), r, i != r, self.agency_title(i))
    }

    /// Whether each database matches `filter`.
    fn matching(&self, filter: Option<&DatabaseFilter>) -> Vec<bool> {
        match filter {
            Some(f) => self.snap.databases.iter().map(|d| f.matches(d)).collect(),
            None => vec![false; self.snap.databases.len()],
        }
    }

    /// The edges with at least one matching end.
    fn touching<'e>(&'e self, matching: &'e [bool]) -> impl Iterator<Item = &'e Edge> + 'e {
        self.edges.iter().filter(move |e| matching[e.a] || matching[e.b])
    }
}

fn edge_platform(p: Platform) -> EdgePlatform {
    match p {
        Platform::Ndxp => EdgePlatform::Ndxp,
        Platform::Lgsp => EdgePlatform::Lgsp,
        Platform::Direct => EdgePlatform::Direct,
    }
}

/// A platform's short name: the acronyms as people say them, "direct" in
/// the page's language.
fn platform_short(lang: Lang, p: Platform) -> String {
    match p {
        Platform::Ndxp => "NDXP".to_string(),
        Platform::Lgsp => "LGSP".to_string(),
        Platform::Direct => label(lang, p).to_string(),
    }
}

fn node_class(c: DatabaseClass) -> NodeClass {
    match c {
        DatabaseClass::National => NodeClass::National,
        DatabaseClass::Shared => NodeClass::Shared,
        DatabaseClass::Specialised => NodeClass::Specialised,
    }
}

/// The graph legend's platform words and directions in the page's language.
fn legend(tr: &Tr, classes: [String; 4]) -> GraphLegend {
    let lang = tr.lang;
    GraphLegend {
        classes,
        platforms: [
            platform_short(lang, Platform::Ndxp),
            platform_short(lang, Platform::Lgsp),
            platform_short(lang, Platform::Direct),
            tr.t("dm-other"),
        ],
        two_way: label(lang, Direction::Both).to_string(),
        one_way: tr.t("dm-one-way"),
    }
}

/// The agencies as a graph: one node per agency with matching databases
/// (or databases connected to matching ones), weighted by those
/// databases; the connections between two agencies' databases added up
/// into one line per pair (drawn in its most used platform, every
/// platform's count in its title), so no pair is dropped at national
/// scale; agencies grouped under their top-level agency.
fn agency_graph(ctx: &MapContext, matching: &[bool], tr: &Tr) -> Graph {
    let lang = ctx.lang;
    let n_agencies = ctx.snap.agencies.len();
    // Node key: an agency index, or n_agencies + k for the k-th unknown
    // owner (an organization no longer active).
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut key_of = |d: usize| -> usize {
        match ctx.owner(d) {
            Some(i) => i,
            None => {
                let next = n_agencies + unknown.len();
                *unknown.entry(ctx.snap.databases[d].owner_org.as_str()).or_insert(next)
            }
        }
    };
    let mut drawn = vec![false; matching.len()];
    for (d, m) in matching.iter().enumerate() {
        drawn[d] |= *m;
    }
    for e in ctx.touching(matching) {
        drawn[e.a] = true;
        drawn[e.b] = true;
    }
    let mut weight: HashMap<usize, (u64, u64)> = HashMap::new();
    let mut keys = vec![0usize; matching.len()];
    for d in (0..drawn.len()).filter(|d| drawn[*d]) {
        keys[d] = key_of(d);
        let w = weight.entry(keys[d]).or_default();
        w.0 += 1;
        w.1 += u64::from(matching[d]);
    }
    let mut nodes_keys: Vec<usize> = weight.keys().copied().collect();
    let sort_key = |k: usize| {
        if k < n_agencies { ctx.agency_key(k) } else { (9, String::new(), usize::MAX, true, String::new()) }
    };
    nodes_keys.sort_by_cached_key(|k| (sort_key(*k), *k));
    let index: HashMap<usize, usize> = nodes_keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    // Groups: the top-level agencies, in the order their nodes come.
    let mut groups: Vec<GraphGroup> = Vec::new();
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let mut intra: HashMap<usize, u64> = HashMap::new();
    // Per pair: connections per platform (in `Platform::ALL` order) and
    // which ways data flows.
    let mut agg: BTreeMap<(usize, usize), ([u64; 3], bool, bool)> = BTreeMap::new();
    for e in ctx.touching(matching) {
        let (ka, kb) = (index[&keys[e.a]], index[&keys[e.b]]);
        if ka == kb {
            *intra.entry(ka).or_default() += 1;
            continue;
        }
        let (lo, hi, lo_to_hi, hi_to_lo) =
            if ka < kb { (ka, kb, e.a_to_b, e.b_to_a) } else { (kb, ka, e.b_to_a, e.a_to_b) };
        let x = agg.entry((lo, hi)).or_default();
        if let Some(p) = Platform::ALL.iter().position(|p| *p == e.platform) {
            x.0[p] += 1;
        }
        x.1 |= lo_to_hi;
        x.2 |= hi_to_lo;
    }
    let mut nodes = Vec::with_capacity(nodes_keys.len());
    for (i, k) in nodes_keys.iter().enumerate() {
        let (count, matched) = weight[k];
        let (label_text, class, href, group) = if *k < n_agencies {
            let a = &ctx.snap.agencies[*k];
            let r = ctx.root[*k];
            let next = groups.len();
            let g = *group_of_root.entry(r).or_insert(next);
            if g == groups.len() {
                let root = &ctx.snap.agencies[r];
                groups.push(GraphGroup {
                    label: ctx.agency_title(r),
                    href: Some(href(lang, "/datamap", &query_string([("agency", root.name.as_str())]))),
                });
            }
            let class = match a.kind.as_deref() {
                Some("ministry" | "government_agency") => NodeClass::National,
                Some("province") => NodeClass::Shared,
                Some(_) => NodeClass::Specialised,
                None => NodeClass::Other,
            };
            let link = href(lang, "/datamap/graph", &query_string([("agency", a.name.as_str())]));
            (ctx.agency_title(*k), class, Some(link), g)
        } else {
            (tr.t("dm-unknown-agency"), NodeClass::Other, None, usize::MAX)
        };
        let mut detail = tr.count("dm-n-databases", count);
        if matched != count {
            detail.push_str(&format!(" ({})", tr.count("dm-n-matching", matched)));
        }
        if let Some(n) = intra.get(&i) {
            detail.push_str(&format!(" · {}", tr.count("dm-n-internal", *n)));
        }
        nodes.push(GraphNode { label: label_text, group, class, weight: count as f64, href, detail });
    }
    let edges: Vec<GraphEdge> = agg
        .into_iter()
        .map(|((lo, hi), (counts, lo_to_hi, hi_to_lo))| {
            let (from, to) = if hi_to_lo && !lo_to_hi { (hi, lo) } else { (lo, hi) };
            let count: u64 = counts.iter().sum();
            // The most used platform (NDXP, then LGSP, on a tie) draws it.
            let main = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
            let by_platform: Vec<String> = Platform::ALL
                .iter()
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .map(|(p, n)| format!("{} {}", platform_short(lang, *p), format::int(lang, n as i64)))
                .collect();
            GraphEdge {
                from,
                to,
                two_way: lo_to_hi && hi_to_lo,
                platform: edge_platform(Platform::ALL[main]),
                weight: count as f64,
                label: format!("{} ({})", tr.count("dm-n-connections", count), by_platform.join(" · ")),
                href: None,
            }
        })
        .collect();
    let mut g = Graph::new(tr.t("dm-agency-graph"));
    g.id_prefix = "dm-agencies".into();
    g.locale = lang.into();
    g.description = tr.args(
        "dm-agency-graph-desc",
        &[
            ("agencies", Arg::Str(format::int(lang, nodes.len() as i64))),
            ("links", Arg::Str(format::int(lang, edges.len() as i64))),
        ],
    );
    g.legend =
        legend(tr, [tr.t("dm-kind-ministry"), tr.t("dm-kind-province"), tr.t("dm-kind-other"), tr.t("dm-other")]);
    g.groups = groups;
    g.nodes = nodes;
    g.edges = edges;
    g
}

/// A connection in the graph page's table.
pub struct ConnRow {
    pub a: (String, String),
    pub b: (String, String),
    pub arrow: &'static str,
    pub platform: String,
}

/// The databases as a graph: the matching ones and those connected to
/// them, grouped by agency, weighted by their connections.
fn database_graph(ctx: &MapContext, matching: &[bool], tr: &Tr) -> (Graph, Vec<ConnRow>, usize) {
    let lang = ctx.lang;
    let n = matching.len();
    let mut degree = vec![0u64; n];
    for e in ctx.edges {
        degree[e.a] += 1;
        degree[e.b] += 1;
    }
    let mut drawn: Vec<bool> = matching.to_vec();
    let touching: Vec<&Edge> = ctx.touching(matching).collect();
    for e in &touching {
        drawn[e.a] = true;
        drawn[e.b] = true;
    }
    let mut order: Vec<usize> = (0..n).filter(|d| drawn[*d]).collect();
    let group_key = |d: usize| match ctx.owner(d) {
        Some(a) => (ctx.agency_key(a), a),
        None => ((9, String::new(), usize::MAX, true, String::new()), usize::MAX),
    };
    order.sort_by_cached_key(|d| (group_key(*d), db_title(lang, &ctx.snap.databases[*d])));
    let index: HashMap<usize, usize> = order.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut groups: Vec<GraphGroup> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    let mut nodes = Vec::with_capacity(order.len());
    for &d in &order {
        let e = &ctx.snap.databases[d];
        let group = match ctx.owner(d) {
            Some(a) => {
                let next = groups.len();
                let g = *group_of.entry(a).or_insert(next);
                if g == groups.len() {
                    let ag = &ctx.snap.agencies[a];
                    groups.push(GraphGroup {
                        label: ctx.agency_title(a),
                        href: Some(href(lang, "/datamap/graph", &query_string([("agency", ag.name.as_str())]))),
                    });
                }
                g
            }
            None => usize::MAX,
        };
        nodes.push(GraphNode {
            label: db_title(lang, e),
            group,
            class: node_class(e.class),
            weight: 1.0 + degree[d] as f64,
            href: Some(href(lang, &format!("/datamap/database/{}", e.name), "")),
            detail: tr.count("dm-n-connections", degree[d]),
        });
    }
    let platform_label = |p: Platform| platform_short(lang, p);
    let mut rows = Vec::new();
    let edges: Vec<GraphEdge> = touching
        .iter()
        .map(|e| {
            let (from, to) = if e.b_to_a && !e.a_to_b { (e.b, e.a) } else { (e.a, e.b) };
            if rows.len() < CONNECTIONS_LISTED {
                let db = |i: usize| (ctx.snap.databases[i].name.clone(), db_title(lang, &ctx.snap.databases[i]));
                rows.push(ConnRow {
                    a: db(from),
                    b: db(to),
                    arrow: if e.two_way() { "↔" } else { "→" },
                    platform: platform_label(e.platform),
                });
            }
            GraphEdge {
                from: index[&from],
                to: index[&to],
                two_way: e.two_way(),
                platform: edge_platform(e.platform),
                weight: 1.0,
                label: String::new(),
                href: None,
            }
        })
        .collect();
    let mut g = Graph::new(tr.t("dm-database-graph"));
    g.id_prefix = "dm-databases".into();
    g.locale = lang.into();
    g.description = tr.args(
        "dm-database-graph-desc",
        &[
            ("databases", Arg::Str(format::int(lang, nodes.len() as i64))),
            ("agencies", Arg::Str(format::int(lang, groups.len() as i64))),
            ("links", Arg::Str(format::int(lang, edges.len() as i64))),
        ],
    );
    g.legend = legend(
        tr,
        [
            label(lang, DatabaseClass::National).to_string(),
            label(lang, DatabaseClass::Shared).to_string(),
            label(lang, DatabaseClass::Specialised).to_string(),
            tr.t("dm-other"),
        ],
    );
    let total = edges.len();
    g.groups = groups;
    g.nodes = nodes;
    g.edges = edges;
    (g, rows, total)
}

/// One select of the filter form.
pub struct SelectView {
    pub name: &'static str,
    pub label: String,
    /// (value, label, selected)
    pub options: Vec<(String, String, bool)>,
}

/// The filter form of the overview and graph pages.
pub struct FilterForm {
    pub action: String,
    pub q: String,
    pub selects: Vec<SelectView>,
    pub active: bool,
    pub clear_url: String,
}

fn vocab_select<V: Vocabulary>(tr: &Tr, name: &'static str, current: &str) -> SelectView {
    let options = std::iter::once((String::new(), tr.t("dm-any"), current.is_empty()))
        .chain(V::ALL.iter().map(|v| (v.code().to_string(), label(tr.lang, *v).to_string(), v.code() == current)))
        .collect();
    SelectView { name, label: tr.t(&format!("dm-f-{}", name.replace('_', "-"))), options }
}

fn filter_form(ctx: &MapContext, p: &MapParams, tr: &Tr, path: &str) -> FilterForm {
    // Agencies owning a database of the map, and the map's sectors.
    let mut owners: BTreeSet<usize> = BTreeSet::new();
    let mut sectors: BTreeMap<String, String> = BTreeMap::new();
    for d in 0..ctx.snap.databases.len() {
        if let Some(a) = ctx.owner(d) {
            owners.insert(a);
        }
        if let Some(s) = &ctx.snap.databases[d].sector {
            sectors.entry(s.to_lowercase()).or_insert_with(|| s.clone());
        }
    }
    let mut agencies: Vec<(String, String)> =
        owners.into_iter().map(|a| (ctx.snap.agencies[a].name.clone(), ctx.agency_title(a))).collect();
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    let any = || (String::new(), tr.t("dm-any"), false);
    let mut agency_options = vec![any()];
    agency_options.extend(agencies.into_iter().map(|(n, t)| {
        let sel = n == p.agency;
        (n, t, sel)
    }));
    agency_options[0].2 = p.agency.is_empty();
    let mut sector_options = vec![any()];
    sector_options.extend(sectors.into_values().map(|s| {
        let sel = s.to_lowercase() == p.sector.to_lowercase();
        (s.clone(), s, sel)
    }));
    sector_options[0].2 = p.sector.is_empty();
    FilterForm {
        action: crate::lang_url(tr.lang, path),
        q: p.q.clone(),
        selects: vec![
            SelectView { name: "agency", label: tr.t("dm-f-agency"), options: agency_options },
            SelectView { name: "sector", label: tr.t("dm-f-sector"), options: sector_options },
            vocab_select::<DatabaseClass>(tr, "class", &p.class),
            vocab_select::<DataSharing>(tr, "data_sharing", &p.data_sharing),
            vocab_select::<DataImportance>(tr, "data_importance", &p.data_importance),
            vocab_select::<DatabaseStatus>(tr, "status", &p.status),
        ],
        active: !p.filters().is_empty(),
        clear_url: crate::lang_url(tr.lang, path),
    }
}

/// The data map's own navigation: which page is current, and whether the
/// visitor reviews.
pub struct DmNav {
    pub current: &'static str,
    pub reviewer: bool,
    /// Signed in: offered the entry form (which tells non-editors why not).
    pub signed_in: bool,
}

impl DmNav {
    fn new(v: &Visitor, current: &'static str) -> DmNav {
        DmNav { current, reviewer: authorize(&v.actor, Permission::Review).is_ok(), signed_in: v.user_name().is_some() }
    }
    /// Whether `page` is the current page.
    pub fn is(&self, page: &str) -> bool {
        self.current == page
    }
}

/// A classification badge.
pub struct Badge {
    pub label: String,
    /// Extra CSS class (`restricted`), may be empty.
    pub class: &'static str,
}

fn badges(tr: &Tr, e: &DatabaseEntry, restricted: bool) -> Vec<Badge> {
    let lang = tr.lang;
    let mut out = vec![
        Badge { label: label(lang, e.class).to_string(), class: "" },
        Badge { label: label(lang, e.data_sharing).to_string(), class: "" },
        Badge { label: label(lang, e.data_importance).to_string(), class: "" },
        Badge { label: label(lang, e.status).to_string(), class: "" },
    ];
    if restricted {
        out.insert(0, Badge { label: tr.t("dm-restricted"), class: "restricted" });
    }
    out
}

/// A database in a list.
pub struct DbRow {
    pub name: String,
    pub title: String,
    pub agency: String,
    pub sector: String,
    pub badges: Vec<Badge>,
}

/// A labelled count, linked to the filtered list when `href` is set.
pub struct CountRow {
    pub label: String,
    pub n: u64,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "datamap.html")]
struct OverviewView {
    page: Layout,
    nav: DmNav,
    form: FilterForm,
    unknown_agency: bool,
    /// (label, value)
    stats: Vec<(String, String)>,
    by_class: Vec<CountRow>,
    by_status: Vec<CountRow>,
    by_platform: Vec<CountRow>,
    graph_svg: Option<String>,
    graph_href: String,
    count: u64,
    rows: Vec<DbRow>,
    pages: Vec<PageLink>,
    first: u64,
    last: u64,
    /// The map's downloads with the filters in force: (label, href).
    downloads: Vec<(String, String)>,
}

/// The downloads of the map (`/datamap/export.{ext}`, the server's
/// `exports`), each keeping the overview's filters.
fn downloads(tr: &Tr, p: &MapParams) -> Vec<(String, String)> {
    let filters = p.query(1);
    let link = |ext: &str, extra: &str| {
        let q = [filters.as_str(), extra].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("&");
        if q.is_empty() { format!("/datamap/export.{ext}") } else { format!("/datamap/export.{ext}?{q}") }
    };
    vec![
        (tr.t("dm-download-xlsx"), link("xlsx", "")),
        (tr.t("dm-download-csv-databases"), link("csv", "bom=true")),
        (tr.t("dm-download-csv-connections"), link("csv", "table=connections&bom=true")),
        (tr.t("dm-download-csv-elements"), link("csv", "table=elements&bom=true")),
        (tr.t("dm-download-json"), link("json", "")),
        ("DCAT-AP (Turtle)".to_string(), link("ttl", "")),
        ("DCAT-AP (JSON-LD)".to_string(), link("jsonld", "")),
        ("DCAT-AP (RDF/XML)".to_string(), link("rdf", "")),
    ]
}

impl Portal {
    /// `/datamap`: the overview.
    pub async fn datamap_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let p = MapParams::parse(query);
        let view = self.catalog().datamap_view(&v.actor).await?;
        let snap = &view.snapshot;
        let ctx = MapContext::new(&view, lang);
        let filter = p.filter(&ctx);
        let matching = ctx.matching(filter.as_ref());
        let c = view.summary(Some(&matching));
        let num = |n: u64| format::int(lang, n as i64);
        let stats = vec![
            (tr.t("dm-stat-databases"), num(c.databases)),
            (tr.t("dm-stat-agencies"), num(c.agencies)),
            (tr.t("dm-stat-connections"), num(c.connections)),
            (tr.t("dm-stat-duplications"), num(c.duplications)),
            (tr.t("dm-stat-elements"), num(snap.elements.len() as u64)),
        ];
        // Links that add one filter to those in force.
        let with = |key: &'static str, value: &str| {
            let mut q = p.clone();
            q.page = 1;
            match key {
                "class" => q.class = value.to_string(),
                "status" => q.status = value.to_string(),
                _ => {}
            }
            href(lang, "/datamap", &q.query(1))
        };
        let by_class = DatabaseClass::ALL
            .iter()
            .map(|k| CountRow {
                label: label(lang, *k).to_string(),
                n: c.by_class.get(k).copied().unwrap_or(0),
                href: Some(with("class", k.code())),
            })
            .collect();
        let by_status = DatabaseStatus::ALL
            .iter()
            .map(|k| CountRow {
                label: label(lang, *k).to_string(),
                n: c.by_status.get(k).copied().unwrap_or(0),
                href: Some(with("status", k.code())),
            })
            .collect();
        let by_platform = Platform::ALL
            .iter()
            .map(|k| CountRow {
                label: label(lang, *k).to_string(),
                n: c.by_platform.get(k).copied().unwrap_or(0),
                href: None,
            })
            .collect();
        let graph_svg = (c.databases > 0).then(|| render_graph(&agency_graph(&ctx, &matching, &tr)));
        // The page of matching databases, by title.
        let mut list: Vec<usize> = (0..matching.len()).filter(|d| matching[*d]).collect();
        list.sort_by_cached_key(|d| (db_title(lang, &snap.databases[*d]).to_lowercase(), *d));
        let total = list.len();
        let page = p.page.min(total.div_ceil(PER_PAGE).max(1));
        let start = (page - 1) * PER_PAGE;
        let rows = list.iter().skip(start).take(PER_PAGE).map(|d| db_row(&ctx, &tr, *d)).collect();
        let pages = pager(&tr, total, PER_PAGE, page, |n| href(lang, "/datamap", &p.query(n)));
        let view = OverviewView {
            page: self.layout(v, tr.t("dm-title"), "datamap"),
            nav: DmNav::new(v, "overview"),
            form: filter_form(&ctx, &p, &tr, "/datamap"),
            unknown_agency: filter.is_none(),
            stats,
            by_class,
            by_status,
            by_platform,
            graph_svg,
            graph_href: href(lang, "/datamap/graph", &p.query(1)),
            count: total as u64,
            rows,
            pages,
            first: (start + 1).min(total) as u64,
            last: (start + PER_PAGE).min(total) as u64,
            downloads: downloads(&tr, &p),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

fn db_row(ctx: &MapContext, tr: &Tr, d: usize) -> DbRow {
    let e = &ctx.snap.databases[d];
    DbRow {
        name: e.name.clone(),
        title: db_title(ctx.lang, e),
        agency: ctx.owner(d).map(|a| ctx.agency_title(a)).unwrap_or_else(|| tr.t("dm-unknown-agency")),
        sector: e.sector.clone().unwrap_or_default(),
        badges: badges(tr, e, e.restricted()),
    }
}

#[derive(Template)]
#[template(path = "datamap_graph.html")]
struct GraphView {
    page: Layout,
    nav: DmNav,
    form: FilterForm,
    unknown_agency: bool,
    graph_svg: Option<String>,
    script_url: String,
    /// The platforms drawn: (code, label).
    platforms: Vec<(&'static str, String)>,
    connections: Vec<ConnRow>,
    connections_total: usize,
    matching: u64,
}

impl Portal {
    /// `/datamap/graph`: the databases and their connections.
    pub async fn datamap_graph_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let p = MapParams::parse(query);
        let view = self.catalog().datamap_view(&v.actor).await?;
        let ctx = MapContext::new(&view, lang);
        let filter = p.filter(&ctx);
        let matching = ctx.matching(filter.as_ref());
        let n = matching.iter().filter(|m| **m).count() as u64;
        let (graph, connections, connections_total) = database_graph(&ctx, &matching, &tr);
        let drawn: BTreeSet<Platform> = ctx.touching(&matching).map(|e| e.platform).collect();
        let platforms = drawn
            .into_iter()
            .map(|p| {
                let code = match p {
                    Platform::Ndxp => "ndxp",
                    Platform::Lgsp => "lgsp",
                    Platform::Direct => "direct",
                };
                (code, label(lang, p).to_string())
            })
            .collect();
        let view = GraphView {
            page: self.layout(v, tr.t("dm-database-graph"), "datamap"),
            nav: DmNav::new(v, "graph"),
            form: filter_form(&ctx, &p, &tr, "/datamap/graph"),
            unknown_agency: filter.is_none(),
            graph_svg: (n > 0).then(|| render_graph(&graph)),
            script_url: self.assets().datamap_js.url(),
            platforms,
            connections,
            connections_total,
            matching: n,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

/// What `datamap_database_show` adds around the entry.
#[derive(Deserialize, Default)]
struct ShowExtra {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    review_state: String,
    #[serde(default)]
    approved_revision: Option<i64>,
    #[serde(default)]
    latest_revision: Option<i64>,
    #[serde(default)]
    restricted: bool,
    #[serde(default)]
    organization: Option<ShowOrg>,
    #[serde(default)]
    connected: Vec<Connected>,
    #[serde(default)]
    duplications: Vec<DupDoc>,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    harvest_source: Option<HarvestDoc>,
}

/// Where a harvested entry comes from.
#[derive(Deserialize)]
struct HarvestDoc {
    title: String,
    original: String,
}

#[derive(Deserialize, Default)]
struct ShowOrg {
    name: String,
    title: String,
}

#[derive(Deserialize)]
struct Connected {
    database: String,
    title: String,
    direction: Direction,
    platform: Platform,
    #[serde(default)]
    organization: String,
}

#[derive(Deserialize)]
struct DupDoc {
    element: String,
    master: Option<String>,
    kind: String,
}

/// A revision as `datamap_database_revision_list` gives it.
#[derive(Deserialize)]
struct RevisionDoc {
    revision: i64,
    action: String,
    #[serde(default)]
    message: String,
    author: Option<String>,
    created: String,
    review_state: String,
    reviewer: Option<String>,
    reviewed: Option<String>,
    review_note: Option<String>,
    #[serde(default)]
    changes: Vec<Value>,
}

/// A revision in the history table.
pub struct RevisionRow {
    pub revision: i64,
    pub action: String,
    pub author: String,
    pub created: String,
    pub message: String,
    pub state: String,
    pub state_class: &'static str,
    pub reviewer: String,
    pub reviewed: String,
    pub note: String,
    pub changes: Vec<String>,
    pub href: String,
}

/// A labelled field of the entry.
pub struct FieldRow {
    pub label: String,
    pub value: String,
}

/// A connection on the entry's page.
pub struct ConnectedRow {
    pub name: String,
    pub title: String,
    pub agency: String,
    pub direction: String,
    pub platform: String,
    pub elements: Vec<(String, String)>,
    pub note: String,
}

/// A duplicate collection, in words.
pub struct DupRow {
    pub element: (String, String),
    pub database: Option<(String, String)>,
    pub master: Option<(String, String)>,
    pub why: String,
}

#[derive(Template)]
#[template(path = "datamap_database.html")]
struct DatabaseView {
    page: Layout,
    nav: DmNav,
    name: String,
    title: String,
    agency: Option<(String, String)>,
    badges: Vec<Badge>,
    restricted: bool,
    /// Shown revision, and the approved one when it differs.
    notice: Option<String>,
    fields: Vec<FieldRow>,
    purpose: String,
    legal_basis: String,
    /// (kind, title, url, is a link)
    endpoints: Vec<(String, String, String, bool)>,
    entities: Vec<String>,
    /// (name, title)
    elements: Vec<(String, String)>,
    connected: Vec<ConnectedRow>,
    duplications: Vec<DupRow>,
    history: Vec<RevisionRow>,
    modified: String,
    /// A harvested entry's source: (title, its page at the source).
    harvest: Option<(String, String)>,
    /// The entry form, for the agency's editors.
    edit_url: Option<String>,
}

/// The label of an entry field (for changes and the fields table).
fn field_label(tr: &Tr, field: &str) -> String {
    let top = field.split(['.', '[']).next().unwrap_or(field);
    let key = format!("dm-field-{}", top.replace('_', "-"));
    if tr.has(&key) { tr.t(&key) } else { top.to_string() }
}

/// A change of a revision or version diff, in a line.
fn change_line(tr: &Tr, c: &Value) -> String {
    let field = c["field"].as_str().unwrap_or_default();
    let name = field_label(tr, field);
    let show = |v: &Value| -> String {
        let s = match v {
            Value::Null => "—".to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if s.chars().count() > 160 { format!("{}…", s.chars().take(160).collect::<String>()) } else { s }
    };
    if let Some(a) = c.get("added") {
        return format!("{name}: + {}", show(a));
    }
    if let Some(r) = c.get("removed") {
        return format!("{name}: − {}", show(r));
    }
    format!("{name}: {} → {}", show(&c["old"]), show(&c["new"]))
}

fn review_label(tr: &Tr, state: &str) -> (String, &'static str) {
    match ReviewState::parse(state) {
        Some(s) => (
            label(tr.lang, s).to_string(),
            match s {
                ReviewState::Approved => "status-success",
                ReviewState::Rejected => "status-failure",
                _ => "status-running",
            },
        ),
        None => (state.to_string(), "status-none"),
    }
}

fn action_label(tr: &Tr, action: &str) -> String {
    let key = format!("dm-action-{action}");
    if tr.has(&key) { tr.t(&key) } else { action.to_string() }
}

fn revision_row(tr: &Tr, name: &str, r: RevisionDoc) -> RevisionRow {
    let lang = tr.lang;
    let (state, state_class) = review_label(tr, &r.review_state);
    RevisionRow {
        revision: r.revision,
        action: action_label(tr, &r.action),
        author: r.author.unwrap_or_default(),
        created: format::datetime(lang, &r.created),
        message: r.message,
        state,
        state_class,
        reviewer: r.reviewer.unwrap_or_default(),
        reviewed: r.reviewed.map(|t| format::datetime(lang, &t)).unwrap_or_default(),
        note: r.review_note.unwrap_or_default(),
        changes: r.changes.iter().map(|c| change_line(tr, c)).collect(),
        href: href(lang, &format!("/datamap/database/{name}"), &format!("revision={}", r.revision)),
    }
}

fn dup_why(tr: &Tr, kind: &str) -> String {
    match kind {
        "not_linked_to_master" => tr.t("dm-dup-not-linked"),
        "no_master" => tr.t("dm-dup-no-master"),
        other => other.to_string(),
    }
}

impl Portal {
    /// `/datamap/database/{name}` (`?revision=N` for one revision).
    pub async fn datamap_database_page(&self, v: &Visitor, name: &str, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let revision = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "revision")
            .and_then(|(_, n)| n.parse::<i64>().ok());
        let doc = self.catalog().datamap_database_show(&v.actor, name, revision).await?;
        let entry: DatabaseEntry = serde_json::from_value(doc.clone())
            .map_err(|e| Error::internal(format!("data-map entry unreadable: {e}")))?;
        let extra: ShowExtra = serde_json::from_value(doc).unwrap_or_default();
        let history: Vec<RevisionDoc> = self
            .catalog()
            .datamap_database_revision_list(&v.actor, name)
            .await?
            .into_iter()
            .filter_map(|r| serde_json::from_value(r).ok())
            .collect();
        let view = self.catalog().datamap_view(&v.actor).await?;
        let snap = &view.snapshot;
        let ctx = MapContext::new(&view, lang);
        let element_titles: HashMap<&str, String> = snap
            .elements
            .iter()
            .map(|e| (e.name.as_str(), lang.pick(&e.title_translated, &e.title).to_string()))
            .collect();
        let element = |n: &str| (n.to_string(), element_titles.get(n).cloned().unwrap_or_else(|| n.to_string()));
        let db_titles: HashMap<&str, String> =
            snap.databases.iter().map(|d| (d.name.as_str(), db_title(lang, d))).collect();
        let agency_of_id = |id: &str| ctx.by_id.get(id).map(|a| ctx.agency_title(*a)).unwrap_or_default();
        let yes_no = |b: bool| tr.t(if b { "dm-yes" } else { "dm-no" });
        let mut fields = vec![FieldRow { label: tr.t("dm-field-name"), value: entry.name.clone() }];
        if let Some(s) = &entry.sector {
            fields.push(FieldRow { label: tr.t("dm-field-sector"), value: s.clone() });
        }
        fields.extend([
            FieldRow { label: tr.t("dm-field-class"), value: label(lang, entry.class).to_string() },
            FieldRow { label: tr.t("dm-field-data-sharing"), value: label(lang, entry.data_sharing).to_string() },
            FieldRow { label: tr.t("dm-field-data-importance"), value: label(lang, entry.data_importance).to_string() },
            FieldRow { label: tr.t("dm-field-status"), value: label(lang, entry.status).to_string() },
            FieldRow {
                label: tr.t("dm-field-hosting"),
                value: entry.hosting.map(|h: Hosting| label(lang, h).to_string()).unwrap_or_else(|| "—".into()),
            },
            FieldRow {
                label: tr.t("dm-field-security-level"),
                value: entry
                    .security_level
                    .map(|l| tr.args("dm-level", &[("n", Arg::Str(l.to_string()))]))
                    .unwrap_or_else(|| "—".into()),
            },
            FieldRow { label: tr.t("dm-field-protection-4-layer"), value: yes_no(entry.protection_4_layer) },
            FieldRow {
                label: tr.t("dm-field-records"),
                value: entry
                    .records
                    .map(|n| format::int(lang, n.min(i64::MAX as u64) as i64))
                    .unwrap_or_else(|| "—".into()),
            },
            FieldRow {
                label: tr.t("dm-field-size-bytes"),
                value: entry
                    .size_bytes
                    .map(|n| format::bytes(lang, n.min(i64::MAX as u64) as i64))
                    .unwrap_or_else(|| "—".into()),
            },
            FieldRow {
                label: tr.t("dm-field-update-frequency"),
                value: entry
                    .update_frequency
                    .map(|f: UpdateFrequency| label(lang, f).to_string())
                    .unwrap_or_else(|| "—".into()),
            },
        ]);
        if entry.national_repository {
            fields.push(FieldRow { label: tr.t("dm-field-national-repository"), value: yes_no(true) });
        }
        let endpoints = entry
            .endpoints
            .iter()
            .map(|ep| {
                let link = ep.url.starts_with("https://") || ep.url.starts_with("http://");
                (label(lang, ep.kind).to_string(), ep.title.clone().unwrap_or_default(), ep.url.clone(), link)
            })
            .collect();
        let connected = extra
            .connected
            .iter()
            .map(|c| {
                let declared = entry.connections.iter().find(|x| x.database == c.database && x.platform == c.platform);
                ConnectedRow {
                    name: c.database.clone(),
                    title: db_titles.get(c.database.as_str()).cloned().unwrap_or_else(|| c.title.clone()),
                    agency: agency_of_id(&c.organization),
                    direction: label(lang, c.direction).to_string(),
                    platform: label(lang, c.platform).to_string(),
                    elements: declared.map(|d| d.elements.iter().map(|n| element(n)).collect()).unwrap_or_default(),
                    note: declared.and_then(|d| d.note.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let db_link = |n: &str| (n.to_string(), db_titles.get(n).cloned().unwrap_or_else(|| n.to_string()));
        let duplications = extra
            .duplications
            .iter()
            .map(|d| DupRow {
                element: element(&d.element),
                database: None,
                master: d.master.as_deref().map(db_link),
                why: dup_why(&tr, &d.kind),
            })
            .collect();
        let notice = (extra.review_state != ReviewState::Approved.code()).then(|| {
            let (state, _) = review_label(&tr, &extra.review_state);
            match extra.approved_revision {
                Some(a) => tr.args(
                    "dm-notice-unapproved",
                    &[
                        ("revision", Arg::Str(extra.revision.to_string())),
                        ("state", Arg::Str(state)),
                        ("approved", Arg::Str(a.to_string())),
                    ],
                ),
                None => tr.args(
                    "dm-notice-never-approved",
                    &[("revision", Arg::Str(extra.revision.to_string())), ("state", Arg::Str(state))],
                ),
            }
        });
        let notice = match (notice, extra.latest_revision) {
            (None, Some(l)) => Some(tr.args(
                "dm-notice-older",
                &[("revision", Arg::Str(extra.revision.to_string())), ("latest", Arg::Str(l.to_string()))],
            )),
            (n, _) => n,
        };
        let title = db_title(lang, &entry);
        let view = DatabaseView {
            page: self.layout(v, title.clone(), "datamap"),
            nav: DmNav::new(v, "database"),
            badges: badges(&tr, &entry, extra.restricted),
            restricted: extra.restricted,
            agency: extra.organization.map(|o| {
                let t = ctx.by_name.get(o.name.as_str()).map(|a| ctx.agency_title(*a)).unwrap_or(o.title);
                (o.name, t)
            }),
            notice,
            fields,
            purpose: entry.purpose.clone().unwrap_or_default(),
            legal_basis: entry.legal_basis.clone().unwrap_or_default(),
            endpoints,
            entities: entry.entities.clone(),
            elements: entry.elements.iter().map(|n| element(n)).collect(),
            connected,
            duplications,
            history: history.into_iter().map(|r| revision_row(&tr, &entry.name, r)).collect(),
            modified: format::date(lang, &extra.modified),
            edit_url: (extra.harvest_source.is_none()
                && authorize(&v.actor, Permission::EditAgencyRecords { org_id: &entry.owner_org }).is_ok())
            .then(|| crate::lang_url(lang, &format!("/datamap/database/{}/edit", entry.name))),
            harvest: extra.harvest_source.map(|h| (h.title, h.original)),
            name: entry.name,
            title,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

/// An element of the dictionary page.
pub struct ElementRow {
    pub name: String,
    pub title: String,
    pub definition: String,
    pub data_type: String,
    pub format: String,
    pub master: Option<(String, String)>,
    pub holders: Vec<(String, String)>,
    pub more_holders: u64,
    pub duplications: Vec<DupRow>,
    /// Duplicate collections beyond those listed.
    pub more_duplications: u64,
}

#[derive(Template)]
#[template(path = "datamap_elements.html")]
struct ElementsView {
    page: Layout,
    nav: DmNav,
    elements: Vec<ElementRow>,
    flagged: u64,
}

impl Portal {
    /// `/datamap/elements`: the data dictionary.
    pub async fn datamap_elements_page(&self, v: &Visitor) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let view = self.catalog().datamap_view(&v.actor).await?;
        let snap = &view.snapshot;
        let titles: HashMap<&str, String> =
            snap.databases.iter().map(|d| (d.name.as_str(), db_title(lang, d))).collect();
        let db = |n: &str| (n.to_string(), titles.get(n).cloned().unwrap_or_else(|| n.to_string()));
        let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
        for d in &snap.databases {
            for el in &d.elements {
                holders.entry(el.as_str()).or_default().push(d.name.as_str());
            }
        }
        // Listed like holders: the first HOLDERS_LISTED per element, then
        // how many more (at national scale an element can be collected
        // again by hundreds of databases).
        let mut dups: HashMap<String, (Vec<DupRow>, u64)> = HashMap::new();
        let all_dups = &view.duplications;
        for d in all_dups {
            let (listed, more) = dups.entry(d.element.clone()).or_default();
            if listed.len() >= HOLDERS_LISTED {
                *more += 1;
                continue;
            }
            listed.push(DupRow {
                element: (d.element.clone(), d.element.clone()),
                database: Some(db(&d.database)),
                master: d.master.as_deref().map(db),
                why: dup_why(&tr, d.kind.code()),
            });
        }
        let elements = snap
            .elements
            .iter()
            .map(|e| {
                let hs = holders.get(e.name.as_str()).map(Vec::as_slice).unwrap_or_default();
                let mut row = ElementRow {
                    name: e.name.clone(),
                    title: lang.pick(&e.title_translated, &e.title).to_string(),
                    definition: e.definition.clone().unwrap_or_default(),
                    data_type: e.data_type.clone(),
                    format: e.format.clone().unwrap_or_default(),
                    master: e.master.as_deref().map(db),
                    holders: hs.iter().take(HOLDERS_LISTED).map(|n| db(n)).collect(),
                    more_holders: hs.len().saturating_sub(HOLDERS_LISTED) as u64,
                    duplications: Vec::new(),
                    more_duplications: 0,
                };
                if let Some((listed, more)) = dups.remove(&e.name) {
                    row.duplications = listed;
                    row.more_duplications = more;
                }
                row
            })
            .collect();
        let view = ElementsView {
            page: self.layout(v, tr.t("dm-elements-title"), "datamap"),
            nav: DmNav::new(v, "elements"),
            elements,
            flagged: all_dups.len() as u64,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

/// A version's counts as the API gives them.
#[derive(Deserialize, Default)]
struct SummaryDoc {
    #[serde(default)]
    databases: u64,
    #[serde(default)]
    agencies: u64,
    #[serde(default)]
    connections: u64,
    #[serde(default)]
    elements: u64,
    #[serde(default)]
    duplications: u64,
    #[serde(default)]
    by_class: BTreeMap<String, u64>,
    #[serde(default)]
    by_platform: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct VersionDoc {
    version: String,
    published: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    summary: Option<SummaryDoc>,
}

/// A version in the list.
pub struct VersionRow {
    pub version: String,
    pub published: String,
    pub notes: String,
    pub databases: u64,
    pub agencies: u64,
    pub connections: u64,
    pub duplications: u64,
}

fn version_row(lang: Lang, d: VersionDoc) -> VersionRow {
    let s = d.summary.unwrap_or_default();
    VersionRow {
        published: format::date(lang, &d.published),
        notes: d.notes,
        databases: s.databases,
        agencies: s.agencies,
        connections: s.connections,
        duplications: s.duplications,
        version: d.version,
    }
}

#[derive(Template)]
#[template(path = "datamap_versions.html")]
struct VersionsView {
    page: Layout,
    nav: DmNav,
    versions: Vec<VersionRow>,
}

/// A connection added or removed between versions: its ends (name,
/// title) and platform.
pub struct ConnChange {
    pub a: (String, String),
    pub b: (String, String),
    pub platform: String,
}

/// A changed database between versions.
pub struct ChangedRow {
    pub name: String,
    pub title: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "datamap_version.html")]
struct VersionView {
    page: Layout,
    nav: DmNav,
    version: VersionRow,
    /// (label, count)
    counts: Vec<(String, u64)>,
    /// The previous version, when there is one.
    from: Option<String>,
    added: Vec<(String, String)>,
    removed: Vec<(String, String)>,
    changed: Vec<ChangedRow>,
    connections_added: Vec<ConnChange>,
    connections_removed: Vec<ConnChange>,
    elements_added: Vec<String>,
    elements_removed: Vec<String>,
    elements_changed: Vec<String>,
}

#[derive(Deserialize, Default)]
struct DiffDoc {
    #[serde(default)]
    added: Vec<String>,
    #[serde(default)]
    removed: Vec<String>,
    #[serde(default)]
    changed: Vec<ChangedDoc>,
    #[serde(default)]
    connections_added: Vec<[String; 3]>,
    #[serde(default)]
    connections_removed: Vec<[String; 3]>,
    #[serde(default)]
    elements_added: Vec<String>,
    #[serde(default)]
    elements_removed: Vec<String>,
    #[serde(default)]
    elements_changed: Vec<String>,
}

#[derive(Deserialize)]
struct ChangedDoc {
    name: String,
    #[serde(default)]
    changes: Vec<Value>,
}

/// Titles of the databases of a `datamap_version_show` answer, by name.
fn version_titles(lang: Lang, v: &Value) -> HashMap<String, String> {
    v["databases"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|d| serde_json::from_value::<DatabaseEntry>(d.clone()).ok())
                .map(|d| (d.name.clone(), db_title(lang, &d)))
                .collect()
        })
        .unwrap_or_default()
}

impl Portal {
    /// `/datamap/versions`: the published versions.
    pub async fn datamap_versions_page(&self, v: &Visitor) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let versions = self
            .catalog()
            .datamap_version_list(&v.actor)
            .await?
            .into_iter()
            .filter_map(|d| serde_json::from_value::<VersionDoc>(d).ok())
            .map(|d| version_row(v.lang, d))
            .collect();
        let view = VersionsView {
            page: self.layout(v, tr.t("dm-versions-title"), "datamap"),
            nav: DmNav::new(v, "versions"),
            versions,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/datamap/versions/{version}`: a version's counts and what changed
    /// since the one before.
    pub async fn datamap_version_page(&self, v: &Visitor, version: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let shown = self.catalog().datamap_version_show(&v.actor, Some(version)).await?;
        let mut titles = version_titles(lang, &shown);
        let doc: VersionDoc =
            serde_json::from_value(shown).map_err(|e| Error::internal(format!("data map version unreadable: {e}")))?;
        let summary = doc.summary.as_ref();
        let mut counts = vec![
            (tr.t("dm-stat-databases"), summary.map_or(0, |s| s.databases)),
            (tr.t("dm-stat-agencies"), summary.map_or(0, |s| s.agencies)),
            (tr.t("dm-stat-connections"), summary.map_or(0, |s| s.connections)),
            (tr.t("dm-stat-elements"), summary.map_or(0, |s| s.elements)),
            (tr.t("dm-stat-duplications"), summary.map_or(0, |s| s.duplications)),
        ];
        if let Some(s) = summary {
            for c in DatabaseClass::ALL {
                counts.push((label(lang, *c).to_string(), s.by_class.get(c.code()).copied().unwrap_or(0)));
            }
            for p in Platform::ALL {
                counts.push((label(lang, *p).to_string(), s.by_platform.get(p.code()).copied().unwrap_or(0)));
            }
        }
        let (from, diff) = match self.catalog().datamap_version_diff(&v.actor, None, Some(version)).await {
            Ok(d) => (
                d["from"].as_str().map(str::to_string),
                serde_json::from_value::<DiffDoc>(d["diff"].clone()).unwrap_or_default(),
            ),
            // The first version has nothing before it.
            Err(Error::Validation(_)) => (None, DiffDoc::default()),
            Err(e) => return Err(e),
        };
        if let Some(f) = &from
            && (!diff.removed.is_empty() || !diff.connections_removed.is_empty())
        {
            let old = self.catalog().datamap_version_show(&v.actor, Some(f)).await?;
            for (k, t) in version_titles(lang, &old) {
                titles.entry(k).or_insert(t);
            }
        }
        let named = |n: &str| (n.to_string(), titles.get(n).cloned().unwrap_or_else(|| n.to_string()));
        let platform =
            |code: &str| Platform::parse(code).map(|p| label(lang, p).to_string()).unwrap_or(code.to_string());
        let conn = |c: &[String; 3]| ConnChange { a: named(&c[0]), b: named(&c[1]), platform: platform(&c[2]) };
        let view = VersionView {
            page: self.layout(v, tr.args("dm-version-title", &[("version", Arg::Str(doc.version.clone()))]), "datamap"),
            nav: DmNav::new(v, "versions"),
            counts,
            from,
            added: diff.added.iter().map(|n| named(n)).collect(),
            removed: diff.removed.iter().map(|n| named(n)).collect(),
            changed: diff
                .changed
                .iter()
                .map(|c| ChangedRow {
                    name: c.name.clone(),
                    title: named(&c.name).1,
                    changes: c.changes.iter().map(|x| change_line(&tr, x)).collect(),
                })
                .collect(),
            connections_added: diff.connections_added.iter().map(conn).collect(),
            connections_removed: diff.connections_removed.iter().map(conn).collect(),
            elements_added: diff.elements_added,
            elements_removed: diff.elements_removed,
            elements_changed: diff.elements_changed,
            version: version_row(lang, doc),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

/// A figure of a province: a count, or a share with what it is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// The number drawn (a share in percent).
    pub value: f64,
    /// For a share: (part, whole).
    pub of: Option<(u64, u64)>,
}

impl Figure {
    fn count(n: u64) -> Figure {
        Figure { value: n as f64, of: None }
    }

    /// `part` of `whole` in percent; none of nothing.
    fn share(part: u64, whole: u64) -> Option<Figure> {
        (whole > 0).then(|| Figure { value: 100.0 * part as f64 / whole as f64, of: Some((part, whole)) })
    }

    fn text(&self, lang: Lang) -> String {
        match self.of {
            Some((part, whole)) => format!(
                "{} % ({}/{})",
                format::decimal(lang, self.value, 1),
                format::int(lang, part as i64),
                format::int(lang, whole as i64)
            ),
            None => format::decimal(lang, self.value, 1),
        }
    }
}

/// What the map knows of one province: its agencies' databases (the
/// province's agency and every organization under it) and what they do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProvinceFacts {
    /// Whether an agency of the map is this province.
    pub has_agency: bool,
    /// That agency (its index among the map's agencies), the first if
    /// several match.
    pub agency: Option<usize>,
    /// Its databases.
    pub databases: u64,
    /// Connections with at least one end among them.
    pub connections: u64,
    /// Its databases with a connection through a sharing platform (NDXP
    /// or LGSP).
    pub via_platform: u64,
    /// Its databases with the 4-layer protection model.
    pub protected: u64,
    /// Figures computed elsewhere (the Strategy's indicators), by measure
    /// code.
    pub extra: BTreeMap<&'static str, Figure>,
}

/// A measure the provinces map can be coloured by.
pub struct Measure {
    /// The `measure=` code.
    pub code: &'static str,
    /// Message id of its name.
    pub label: &'static str,
    /// Message id of its short name (the table's column).
    pub short: &'static str,
    /// Its figure for a province; `None`: no data.
    pub figure: fn(&ProvinceFacts) -> Option<Figure>,
}

/// The measures of `/datamap/provinces`, the first being the default. A
/// new measure (such as one of the Strategy's indicators, put in
/// [`ProvinceFacts::extra`]) is one more line here and its message.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "databases",
        label: "dm-m-databases",
        short: "dm-m-databases",
        figure: |p| p.has_agency.then(|| Figure::count(p.databases)),
    },
    Measure {
        code: "connections",
        label: "dm-m-connections",
        short: "dm-m-connections",
        figure: |p| p.has_agency.then(|| Figure::count(p.connections)),
    },
    Measure {
        code: "via_platform",
        label: "dm-m-via-platform",
        short: "dm-m-via-platform-short",
        figure: |p| Figure::share(p.via_platform, p.databases),
    },
    Measure {
        code: "protection_4_layer",
        label: "dm-m-protection",
        short: "dm-m-protection-short",
        figure: |p| Figure::share(p.protected, p.databases),
    },
];

/// The provinces whose agencies are on the map: the province code of each
/// agency of kind `province` (its `code`, else its title), and which
/// province agencies matched none.
fn province_agencies(snap: &Snapshot) -> (Vec<(usize, u32)>, Vec<usize>) {
    let mut matched = Vec::new();
    let mut unmatched = Vec::new();
    for (i, a) in snap.agencies.iter().enumerate().filter(|(_, a)| a.kind.as_deref() == Some("province")) {
        let by_code = a.code.as_deref().and_then(kho_admin_units::find_province);
        let by_title = || kho_admin_units::find_province(&a.title);
        match by_code.or_else(by_title) {
            Some(p) => matched.push((i, p.code)),
            None => unmatched.push(i),
        }
    }
    (matched, unmatched)
}

/// Each province's facts, by province code.
fn province_facts(ctx: &MapContext) -> (BTreeMap<u32, ProvinceFacts>, Vec<usize>) {
    let snap = ctx.snap;
    let (matched, unmatched) = province_agencies(snap);
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, a) in snap.agencies.iter().enumerate() {
        if let Some(&p) = a.parent.as_deref().and_then(|p| ctx.by_id.get(p))
            && p != i
        {
            children.entry(p).or_default().push(i);
        }
    }
    // Each agency's province (the first province agency above it).
    let mut province_of: HashMap<usize, u32> = HashMap::new();
    let mut facts: BTreeMap<u32, ProvinceFacts> = BTreeMap::new();
    for &(a, code) in &matched {
        let f = facts.entry(code).or_default();
        f.has_agency = true;
        f.agency.get_or_insert(a);
        let mut stack = vec![a];
        while let Some(x) = stack.pop() {
            if province_of.contains_key(&x) {
                continue;
            }
            province_of.insert(x, code);
            stack.extend(children.get(&x).into_iter().flatten().copied());
        }
    }
    let db_province: Vec<Option<u32>> =
        (0..snap.databases.len()).map(|d| ctx.owner(d).and_then(|a| province_of.get(&a).copied())).collect();
    let mut via = vec![false; snap.databases.len()];
    for e in ctx.edges {
        if e.platform.is_sharing_platform() {
            via[e.a] = true;
            via[e.b] = true;
        }
        let (pa, pb) = (db_province[e.a], db_province[e.b]);
        if let Some(p) = pa {
            facts.entry(p).or_default().connections += 1;
        }
        if let Some(p) = pb
            && pb != pa
        {
            facts.entry(p).or_default().connections += 1;
        }
    }
    for (d, p) in db_province.iter().enumerate() {
        let Some(p) = p else { continue };
        let f = facts.entry(*p).or_default();
        f.databases += 1;
        f.via_platform += u64::from(via[d]);
        f.protected += u64::from(snap.databases[d].protection_4_layer);
    }
    (facts, unmatched)
}

/// A province in the table.
pub struct ProvinceRow {
    pub code: u32,
    pub name: String,
    /// The province's agency on the map, for a link to its databases.
    pub agency: Option<String>,
    /// The figures of every measure, in [`MEASURES`] order ("—": no data).
    pub figures: Vec<String>,
}

#[derive(Template)]
#[template(path = "datamap_provinces.html")]
struct ProvincesView {
    page: Layout,
    nav: DmNav,
    /// (code, label, selected)
    measures: Vec<(&'static str, String, bool)>,
    /// The table's column headings, in [`MEASURES`] order.
    columns: Vec<String>,
    measure_label: String,
    selected: usize,
    map_svg: String,
    rows: Vec<ProvinceRow>,
    unmatched: Vec<String>,
}

impl Portal {
    /// `/datamap/provinces?measure=…`: the provinces coloured by a measure.
    pub async fn datamap_provinces_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let p = MapParams::parse(query);
        let selected = MEASURES.iter().position(|m| m.code == p.measure).unwrap_or(0);
        let measure = &MEASURES[selected];
        let view = self.catalog().datamap_view(&v.actor).await?;
        let snap = &view.snapshot;
        let ctx = MapContext::new(&view, lang);
        let (facts, unmatched) = province_facts(&ctx);
        let none = ProvinceFacts::default();
        let rows: Vec<ProvinceRow> = kho_admin_units::provinces()
            .iter()
            .map(|pr| {
                let f = facts.get(&pr.code).unwrap_or(&none);
                ProvinceRow {
                    code: pr.code,
                    name: pr.name.clone(),
                    agency: f.agency.map(|a| snap.agencies[a].name.clone()),
                    figures: MEASURES
                        .iter()
                        .map(|m| (m.figure)(f).map(|x| x.text(lang)).unwrap_or_else(|| "—".into()))
                        .collect(),
                }
            })
            .collect();
        let measure_label = tr.t(measure.label);
        let mut chart = Chart::new(ChartKind::Map, tr.t(measure.short));
        chart.description = tr.args("dm-map-desc", &[("measure", Arg::Str(measure_label.clone()))]);
        chart.y_label = measure_label.clone();
        chart.x_label = tr.t("au-province");
        chart.locale = lang.into();
        chart.id_prefix = "dm-map".into();
        chart.points = kho_admin_units::provinces()
            .iter()
            .filter_map(|pr| {
                let f = facts.get(&pr.code)?;
                (measure.figure)(f).map(|x| (pr.code.to_string(), (x.value * 10.0).round() / 10.0))
            })
            .collect();
        let view = ProvincesView {
            page: self.layout(v, tr.t("dm-provinces-title"), "datamap"),
            nav: DmNav::new(v, "provinces"),
            measures: MEASURES.iter().enumerate().map(|(i, m)| (m.code, tr.t(m.label), i == selected)).collect(),
            columns: MEASURES.iter().map(|m| tr.t(m.short)).collect(),
            measure_label,
            selected,
            map_svg: kho_charts::render(&chart),
            rows,
            unmatched: unmatched.into_iter().map(|a| agency_title(lang, &snap.agencies[a])).collect(),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}

/// An entry awaiting review.
pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub agency: String,
    pub badges: Vec<Badge>,
    pub revision: i64,
    pub action: String,
    pub author: String,
    pub created: String,
    pub message: String,
    pub changes: Vec<String>,
    /// The error of a refused decision on this entry.
    pub error: Option<String>,
    /// The note sent with it.
    pub note: String,
}

#[derive(Template)]
#[template(path = "datamap_review.html")]
struct ReviewView {
    page: Layout,
    nav: DmNav,
    queue: Vec<QueueRow>,
    total: u64,
    done: Option<String>,
}

impl Portal {
    async fn datamap_review_view(
        &self,
        v: &Visitor,
        done: Option<String>,
        failed: Option<(String, String, String)>,
    ) -> Result<Html> {
        authorize(&v.actor, Permission::Review)?;
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let mut f = Map::new();
        f.insert("pending".into(), json!(true));
        f.insert("limit".into(), json!(QUEUE_SHOWN));
        let list = self.catalog().datamap_database_list(&v.actor, Fields::new(f)).await?;
        let total = list["count"].as_u64().unwrap_or(0);
        let view = self.catalog().datamap_view(&v.actor).await?;
        let ctx = MapContext::new(&view, lang);
        let mut queue = Vec::new();
        for doc in list["results"].as_array().into_iter().flatten() {
            let Ok(e) = serde_json::from_value::<DatabaseEntry>(doc.clone()) else { continue };
            let id = doc["id"].as_str().unwrap_or_default().to_string();
            // The latest revision is the one awaiting review.
            let latest: Option<RevisionDoc> = self
                .catalog()
                .datamap_database_revision_list(&v.actor, &id)
                .await?
                .into_iter()
                .next()
                .and_then(|r| serde_json::from_value(r).ok());
            let Some(r) = latest else { continue };
            let (error, note) = match &failed {
                Some((fid, err, note)) if *fid == id => (Some(err.clone()), note.clone()),
                _ => (None, String::new()),
            };
            queue.push(QueueRow {
                agency: ctx.by_id.get(e.owner_org.as_str()).map(|a| ctx.agency_title(*a)).unwrap_or_default(),
                badges: badges(&tr, &e, e.restricted()),
                title: db_title(lang, &e),
                name: e.name,
                id,
                revision: r.revision,
                action: action_label(&tr, &r.action),
                author: r.author.unwrap_or_default(),
                created: format::datetime(lang, &r.created),
                message: r.message,
                changes: r.changes.iter().map(|c| change_line(&tr, c)).collect(),
                error,
                note,
            });
        }
        let mut page = self.layout(v, tr.t("dm-review-title"), "datamap");
        page.robots_noindex = true;
        let view = ReviewView { page, nav: DmNav::new(v, "review"), queue, total, done };
        Ok(Html { body: render(&view), public: false })
    }

    /// `/datamap/review`: the entries awaiting review (reviewers).
    pub async fn datamap_review_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let done =
            form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "done").and_then(|(_, d)| match d.as_ref() {
                "approve" => Some(tr.t("dm-review-approved")),
                "reject" => Some(tr.t("dm-review-rejected")),
                _ => None,
            });
        self.datamap_review_view(v, done, None).await
    }

    /// The form of `/datamap/review`: approves or rejects one entry's
    /// revision, or shows the queue again with the error at the entry.
    pub async fn datamap_review_submit(
        &self,
        v: &Visitor,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        authorize(&v.actor, Permission::Review)?;
        let tr = Tr::new(v.lang);
        let get = |k: &str| posted.get(k).and_then(|x| x.first()).map(|s| s.trim().to_string()).unwrap_or_default();
        let (id, decision, note) = (get("id"), get("decision"), get("note"));
        let mut f = Map::new();
        f.insert("id".into(), json!(id));
        f.insert("decision".into(), json!(decision));
        if let Ok(n) = get("revision").parse::<i64>() {
            f.insert("revision".into(), json!(n));
        }
        if !note.is_empty() {
            f.insert("note".into(), json!(note));
        }
        match self.catalog().datamap_database_review(&v.actor, Fields::new(f)).await {
            Ok(_) => Ok(FormResult::Redirect(crate::lang_url(
                v.lang,
                &format!("/datamap/review?done={}", if decision == "reject" { "reject" } else { "approve" }),
            ))),
            Err(Error::Validation(e)) => {
                let text = e
                    .to_map()
                    .into_iter()
                    .map(|(field, msgs)| {
                        let msg = match &msgs {
                            Value::Array(list) => list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "),
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        match field.as_str() {
                            "note" => tr.t("dm-review-note-required"),
                            "revision" => tr.t("dm-review-stale"),
                            _ => super::staff::translate_validation(&tr, &msg),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                let html = self.datamap_review_view(v, None, Some((id, text, note))).await?;
                Ok(FormResult::Page(400, html))
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_datamap::Connection;

    fn entry(name: &str, org: &str, class: DatabaseClass) -> DatabaseEntry {
        DatabaseEntry {
            name: name.into(),
            title: format!("CSDL {name}"),
            title_translated: BTreeMap::new(),
            owner_org: org.into(),
            purpose: None,
            legal_basis: None,
            sector: None,
            class,
            data_sharing: DataSharing::Shared,
            data_importance: DataImportance::Other,
            hosting: None,
            security_level: None,
            protection_4_layer: false,
            status: DatabaseStatus::Operating,
            records: None,
            size_bytes: None,
            update_frequency: None,
            endpoints: vec![],
            entities: vec![],
            elements: vec![],
            connections: vec![],
            national_repository: false,
        }
    }

    fn agency(id: &str, kind: &str, parent: Option<&str>, code: Option<&str>, title: &str) -> Agency {
        Agency {
            id: id.into(),
            name: id.into(),
            title: title.into(),
            title_en: None,
            kind: Some(kind.into()),
            parent: parent.map(str::to_string),
            code: code.map(str::to_string),
        }
    }

    fn conn(to: &str, direction: Direction, platform: Platform) -> Connection {
        Connection { database: to.into(), direction, platform, elements: vec![], note: None }
    }

    /// A ministry, Hà Nội (by code) with a department, Đà Nẵng (by title).
    fn sample() -> Snapshot {
        let mut s = Snapshot {
            agencies: vec![
                agency("byt", "ministry", None, None, "Bộ Y tế"),
                agency("hn", "province", None, Some("01"), "Thành phố Hà Nội"),
                agency("so-yt-hn", "department", Some("hn"), None, "Sở Y tế Hà Nội"),
                agency("dn", "province", None, None, "Ủy ban nhân dân thành phố Đà Nẵng"),
                agency("x", "province", None, Some("99"), "Tỉnh Không Có"),
            ],
            databases: vec![
                entry("a", "byt", DatabaseClass::National),
                entry("b", "hn", DatabaseClass::Shared),
                entry("c", "so-yt-hn", DatabaseClass::Specialised),
                entry("d", "dn", DatabaseClass::Shared),
                entry("e", "dn", DatabaseClass::Shared),
            ],
            elements: vec![],
        };
        s.databases[1].connections = vec![conn("a", Direction::In, Platform::Ndxp)];
        s.databases[2].connections =
            vec![conn("b", Direction::Both, Platform::Lgsp), conn("d", Direction::Out, Platform::Direct)];
        s.databases[3].connections = vec![conn("a", Direction::In, Platform::Ndxp)];
        s.databases[2].protection_4_layer = true;
        s.databases[3].protection_4_layer = true;
        s.normalise();
        s
    }

    #[test]
    fn provinces_count_their_agencies_and_those_under_them() {
        let s = sample();
        let view = View::new(s.clone());
        let ctx = MapContext::new(&view, Lang::Vi);
        let (facts, unmatched) = province_facts(&ctx);
        assert_eq!(unmatched.iter().map(|i| s.agencies[*i].id.as_str()).collect::<Vec<_>>(), vec!["x"]);
        let hn = &facts[&1];
        // b and c; a–b, b–c, c–d.
        assert_eq!((hn.databases, hn.connections, hn.via_platform, hn.protected), (2, 3, 2, 1));
        let dn = &facts[&48];
        // d and e; a–d, c–d.
        assert_eq!((dn.databases, dn.connections, dn.via_platform, dn.protected), (2, 2, 1, 1));
        assert_eq!((MEASURES[2].figure)(dn), Some(Figure { value: 50.0, of: Some((1, 2)) }));
        assert_eq!((MEASURES[0].figure)(&ProvinceFacts::default()), None, "no agency: no data");
        assert_eq!((MEASURES[3].figure)(&ProvinceFacts { has_agency: true, ..Default::default() }), None);
        assert_eq!(facts.len(), 2);
    }

    #[test]
    fn the_agency_graph_adds_up_connections_between_agencies() {
        let s = sample();
        let view = View::new(s.clone());
        let ctx = MapContext::new(&view, Lang::En);
        let tr = Tr::new(Lang::En);
        let all = vec![true; s.databases.len()];
        let g = agency_graph(&ctx, &all, &tr);
        let labels: Vec<&str> = g.nodes.iter().map(|n| n.label.as_str()).collect();
        // Ministry first, then the provinces, each with what is under it.
        assert_eq!(labels, ["Bộ Y tế", "Thành phố Hà Nội", "Sở Y tế Hà Nội", "Ủy ban nhân dân thành phố Đà Nẵng"]);
        assert_eq!(g.groups.len(), 3);
        assert_eq!(g.nodes[1].group, g.nodes[2].group);
        assert_eq!(g.nodes.iter().map(|n| n.weight).collect::<Vec<_>>(), [1.0, 1.0, 1.0, 2.0]);
        assert_eq!(g.edges.len(), 4, "{:?}", g.edges);
        // Both NDXP edges into the ministry's database flow from it.
        assert!(g.edges.iter().filter(|e| e.platform == EdgePlatform::Ndxp).all(|e| e.from == 0 && !e.two_way));
        // Only Hà Nội's databases: its department's connection to Đà Nẵng
        // still shows, Đà Nẵng as a neighbour.
        let only_hn: Vec<bool> = s.databases.iter().map(|d| d.owner_org == "hn").collect();
        let g = agency_graph(&ctx, &only_hn, &tr);
        assert_eq!(g.nodes.len(), 3, "{:?}", g.nodes);
        let svg = render_graph(&g);
        assert!(svg.contains("data-node=\"0\""));
        assert!(svg.starts_with("<svg ") && svg[..svg.find('>').unwrap()].contains(" role=\"group\" aria-labelledby="));
        assert!(!svg.contains("role=\"img\""));
    }

    #[test]
    fn database_graph_keeps_neighbours_of_the_matching() {
        let s = sample();
        let view = View::new(s.clone());
        let ctx = MapContext::new(&view, Lang::Vi);
        let tr = Tr::new(Lang::Vi);
        let only_d: Vec<bool> = s.databases.iter().map(|d| d.name == "d").collect();
        let (g, rows, total) = database_graph(&ctx, &only_d, &tr);
        let mut names: Vec<&str> = g.nodes.iter().map(|n| n.label.as_str()).collect();
        names.sort();
        assert_eq!(names, ["CSDL a", "CSDL c", "CSDL d"]);
        assert_eq!((rows.len(), total), (2, 2));
        assert!(g.nodes.iter().all(|n| n.href.as_deref().is_some_and(|h| h.starts_with("/datamap/database/"))));
    }

    #[test]
    fn params_round_trip_and_filter_by_agency_name() {
        let p = MapParams::parse("agency=hn&q=b%E1%BB%87nh&page=3&evil=1&class=shared");
        assert_eq!((p.agency.as_str(), p.q.as_str(), p.page), ("hn", "bệnh", 3));
        assert_eq!(MapParams::parse(&p.query(3)), p);
        let s = sample();
        let view = View::new(s.clone());
        let ctx = MapContext::new(&view, Lang::Vi);
        let f = p.filter(&ctx).unwrap();
        assert_eq!(f.organization.as_deref(), Some("hn"));
        assert!(MapParams::parse("agency=nowhere").filter(&ctx).is_none());
    }

    /// The overview's work at the size the issue names: 10,000 databases
    /// and 50,000 connections.
    #[test]
    fn the_overview_aggregates_a_national_map_quickly() {
        let mut s = Snapshot::default();
        for i in 0..200 {
            s.agencies.push(agency(
                &format!("ag{i}"),
                if i < 30 { "ministry" } else { "department" },
                None,
                None,
                &format!("Cơ quan {i}"),
            ));
        }
        for i in 0..10_000usize {
            let mut e = entry(&format!("db{i:05}"), &format!("ag{}", i % 200), DatabaseClass::Shared);
            e.connections = (1..=5)
                .map(|k| conn(&format!("db{:05}", (i * 7 + k * 1013) % 10_000), Direction::Out, Platform::ALL[k % 3]))
                .filter(|c| c.database != e.name)
                .collect();
            s.databases.push(e);
        }
        s.normalise();
        let started = std::time::Instant::now();
        let view = View::new(s.clone());
        let ctx = MapContext::new(&view, Lang::Vi);
        assert!(ctx.edges.len() > 45_000, "{}", ctx.edges.len());
        let tr = Tr::new(Lang::Vi);
        let all = vec![true; s.databases.len()];
        let c = view.summary(Some(&all));
        let g = agency_graph(&ctx, &all, &tr);
        assert_eq!(g.nodes.len(), 200);
        let svg = render_graph(&g);
        let elapsed = started.elapsed();
        assert_eq!(c.databases, 10_000);
        assert!(svg.len() < 3_000_000, "{} bytes", svg.len());
        eprintln!("overview of 10,000 databases in {elapsed:?}, {} bytes of SVG", svg.len());
        // The database graph (capped by the renderer) and the provinces.
        let started = std::time::Instant::now();
        let (g, rows, total) = database_graph(&ctx, &all, &tr);
        let svg = render_graph(&g);
        let (facts, _) = province_facts(&ctx);
        let elapsed = started.elapsed();
        assert_eq!((g.nodes.len(), rows.len(), total), (10_000, CONNECTIONS_LISTED, ctx.edges.len()));
        assert_eq!(svg.matches("<path class=\"node ").count(), kho_charts::MAX_GRAPH_NODES);
        assert!(facts.is_empty());
        eprintln!("database graph of 10,000 databases in {elapsed:?}, {} bytes of SVG", svg.len());
    }

    #[test]
    fn words_made_at_run_time_exist_in_both_languages() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let keys = MEASURES
                .iter()
                .flat_map(|m| [m.label.to_string(), m.short.to_string()])
                .chain(["create", "update", "delete"].iter().map(|a| format!("dm-action-{a}")))
                .chain(FILTER_KEYS.iter().map(|k| format!("dm-f-{}", k.replace('_', "-"))))
                .chain(
                    [
                        "name",
                        "sector",
                        "class",
                        "data-sharing",
                        "data-importance",
                        "status",
                        "hosting",
                        "security-level",
                        "protection-4-layer",
                        "records",
                        "size-bytes",
                        "update-frequency",
                        "national-repository",
                        "title",
                        "purpose",
                        "legal-basis",
                        "endpoints",
                        "entities",
                        "elements",
                        "connections",
                        "owner-org",
                    ]
                    .iter()
                    .map(|f| format!("dm-field-{f}")),
                );
            for key in keys {
                assert!(tr.has(&key), "{key} ({})", lang.code());
            }
        }
    }
}
