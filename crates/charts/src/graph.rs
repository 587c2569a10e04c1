//! Node-link diagrams of the national data map: agencies (groups) around a
//! circle in the given order, each agency's databases (nodes) on the arc of
//! its sector, and the connections between databases (edges) as arcs that
//! bend toward the centre, so that a busy diagram keeps its rim readable.
//!
//! The layout is one pass over groups, nodes and edges (no simulation): the
//! same graph always gives the same picture, and a large one stays fast.
//! Path data holds only `M`, `L`, `A` and `Z`, like the other charts: an edge
//! is the circular arc through both ends and the apex a quadratic Bézier
//! bent toward the centre would have.

use std::f64::consts::{PI, TAU};
use std::fmt::Write;

use crate::Locale;
use crate::numfmt::format_number;
use crate::svg::{
    AXIS, Anchor, Frame, GRID, LABEL_CHARS, MUTED, N, NORMAL, NOTE_LINE, SMALL, Svg, TEXT, escape, note_lines,
    text_width, truncate,
};

/// The narrowest a diagram is drawn.
const MIN_WIDTH: f64 = 640.0;

/// At most this many nodes are drawn; beyond it the heaviest are kept.
pub const MAX_GRAPH_NODES: usize = 400;
/// At most this many edges are drawn; beyond it the heaviest are kept.
pub const MAX_GRAPH_EDGES: usize = 3000;

/// A node-link diagram: agencies, their databases and the connections
/// between them. Build with [`Graph::new`], then fill the vectors; render
/// with [`render_graph`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// The title, drawn at the top and used as the SVG `<title>`.
    pub title: String,
    /// The SVG `<desc>`, written by the caller; when empty, one is made from
    /// the counts. Notes about what was left out are added to it.
    pub description: String,
    /// The prefix of every id in the SVG; characters not allowed in an XML
    /// id are replaced.
    pub id_prefix: String,
    /// Words and number format of the texts the diagram writes itself.
    pub locale: Locale,
    /// The groups (agencies), placed clockwise from 12 o'clock in this order.
    /// A group with no drawn node is not drawn.
    pub groups: Vec<GraphGroup>,
    /// The nodes (databases, or agencies in an overview), placed in this
    /// order within their group's sector.
    pub nodes: Vec<GraphNode>,
    /// The edges (connections) between nodes.
    pub edges: Vec<GraphEdge>,
    /// The words of the legend and tooltips.
    pub legend: GraphLegend,
}

impl Graph {
    /// An empty diagram titled `title`, Vietnamese, ids prefixed with
    /// "graph".
    pub fn new(title: impl Into<String>) -> Graph {
        Graph { title: title.into(), id_prefix: "graph".to_string(), ..Graph::default() }
    }
}

/// A group of nodes: an agency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphGroup {
    /// The name, drawn outside the circle cut to 24 characters, in full in
    /// the tooltip.
    pub label: String,
    /// Where the group's arc and name link to. Only `http:`, `https:`,
    /// `mailto:` and relative addresses are linked; others are ignored.
    pub href: Option<String>,
}

/// A node: a database, or an aggregated agency in an overview.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// The name, shown in the tooltip.
    pub label: String,
    /// The index of its group in [`Graph::groups`]; a node whose index is
    /// out of range is drawn in a last sector of its own, "no agency".
    pub group: usize,
    /// What kind of node it is: drawn as colour and shape.
    pub class: NodeClass,
    /// At least 1 (smaller and non-numbers count as 1): drawn as the area of
    /// the shape, and used to choose which nodes to keep beyond
    /// [`MAX_GRAPH_NODES`].
    pub weight: f64,
    /// Where the node links to (same rule as [`GraphGroup::href`]).
    pub href: Option<String>,
    /// More text for the tooltip (such as the number of records); may be
    /// empty.
    pub detail: String,
}

/// The kinds of node, each drawn in its own colour and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeClass {
    /// A national database: a blue circle.
    National,
    /// A shared database: an orange square.
    Shared,
    /// A specialised (sector) database: a teal diamond.
    Specialised,
    /// Anything else: a grey triangle.
    Other,
}

impl NodeClass {
    fn index(self) -> usize {
        match self {
            NodeClass::National => 0,
            NodeClass::Shared => 1,
            NodeClass::Specialised => 2,
            NodeClass::Other => 3,
        }
    }
}

/// An edge: one or more connections from one node to another.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    /// The index of the node the data comes from in [`Graph::nodes`].
    pub from: usize,
    /// The index of the node the data goes to. Edges with an index out of
    /// range, or from a node to itself, are skipped with a note.
    pub to: usize,
    /// Whether data goes both ways: drawn without an arrowhead; one-way
    /// edges end in an arrowhead at `to`.
    pub two_way: bool,
    /// Which platform carries it: drawn as colour and dash pattern.
    pub platform: EdgePlatform,
    /// At least 1 (smaller and non-numbers count as 1), such as the number
    /// of connections aggregated: drawn as the line's width (its square
    /// root, capped), and used to choose which edges to keep beyond
    /// [`MAX_GRAPH_EDGES`].
    pub weight: f64,
    /// More text for the tooltip (such as "12 kết nối"); may be empty.
    pub label: String,
    /// Where the edge links to (same rule as [`GraphGroup::href`]).
    pub href: Option<String>,
}

/// The platforms a connection goes through, each drawn in its own colour and
/// dash pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgePlatform {
    /// The national data exchange platform: a solid violet line.
    Ndxp,
    /// A ministry's or province's integration platform: a dashed magenta
    /// line.
    Lgsp,
    /// A direct connection: a dotted green line.
    Direct,
    /// Anything else: a dash-dot olive line.
    Other,
}

impl EdgePlatform {
    fn index(self) -> usize {
        match self {
            EdgePlatform::Ndxp => 0,
            EdgePlatform::Lgsp => 1,
            EdgePlatform::Direct => 2,
            EdgePlatform::Other => 3,
        }
    }
}

/// The words for the encodings, written by the caller in the page's
/// language. An empty string falls back to generic words in
/// [`Graph::locale`] ("CSDL quốc gia", "Kết nối trực tiếp", "Một chiều"…).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphLegend {
    /// The names of the node classes, in the order of [`NodeClass`]:
    /// national, shared, specialised, other.
    pub classes: [String; 4],
    /// The names of the platforms, in the order of [`EdgePlatform`]: NDXP,
    /// LGSP, direct, other.
    pub platforms: [String; 4],
    /// What a line without an arrowhead means ("Hai chiều").
    pub two_way: String,
    /// What a line with an arrowhead means ("Một chiều").
    pub one_way: String,
}

/// Node class colours, in the order of [`NodeClass`]: 4.5:1 or more on
/// white, told apart by colour-blind readers, and doubled by shape.
const CLASS_COLOURS: [&str; 4] = ["#1f63b4", "#b04a05", "#0b6f7d", "#5f6368"];
const CLASS_NAMES: [&str; 4] = ["national", "shared", "specialised", "other"];
/// Platform colours, in the order of [`EdgePlatform`]: a second set of hues
/// so that lines are not read as belonging to a node class, doubled by the
/// dash pattern.
const PLATFORM_COLOURS: [&str; 4] = ["#5a48b0", "#9c2f6a", "#27704a", "#6e5400"];
const PLATFORM_NAMES: [&str; 4] = ["ndxp", "lgsp", "direct", "other"];
/// Dash patterns: solid, dashed, dotted, dash-dot.
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

const CLASS_WORDS: [[&str; 4]; 2] = [
    ["CSDL quốc gia", "CSDL dùng chung", "CSDL chuyên ngành", "Khác"],
    ["National database", "Shared database", "Specialised database", "Other"],
];
const PLATFORM_WORDS: [[&str; 4]; 2] =
    [["NDXP", "LGSP", "Kết nối trực tiếp", "Khác"], ["NDXP", "LGSP", "Direct", "Other"]];

/// Top of the diagram: room for the title.
const TOP: f64 = 44.0;
/// The radius of a node of weight 1, and the most a node gets.
const NODE_R: f64 = 4.0;
const NODE_R_MAX: f64 = 14.0;
/// The least radius when a crowded circle shrinks the nodes.
const NODE_R_MIN: f64 = 1.5;
/// Room along the rim between nodes, and between groups.
const NODE_GAP: f64 = 2.0;
const GROUP_GAP: f64 = 12.0;
/// The circle's radius bounds; at the largest, 400 nodes still fit.
const RING_MIN: f64 = 110.0;
const RING_MAX: f64 = 600.0;
/// The widest edge, in px.
const EDGE_MAX: f64 = 5.0;
/// How far an edge bends toward the centre, as a share of its chord.
const BEND: f64 = 0.22;
/// How far a one-way edge is moved to its right, off the path its two-way
/// twin would take: the two directions of a pair are twice this apart.
const SPLIT: f64 = 3.0;
/// Room between an edge's end and the node's edge.
const END_GAP: f64 = 1.0;
/// How far an arrowhead's tip reaches beyond the end of its path.
const ARROW_TIP: f64 = 6.0;
/// From the outermost node to the group arcs, and from those to the names.
const ARC_GAP: f64 = 6.0;
const LABEL_GAP: f64 = 8.0;
/// Legend rows.
const LEGEND_ROW: f64 = 20.0;

/// Renders `g` as a standalone SVG document (no XML declaration, so it can
/// be inlined in HTML as is). See the crate documentation for the
/// invariants of the output; additionally every node carries
/// `data-node="{index}"`, every edge `data-from` and `data-to` (indices in
/// [`Graph::nodes`]) and every group `data-group`, for a script that
/// highlights neighbours. The diagram needs no script.
pub fn render_graph(g: &Graph) -> String {
    let kept = keep(g);
    let mut notes = Vec::new();
    notes.extend(invalid_note(kept.invalid_edges, g.locale));
    notes.extend(left_out_note(kept.nodes_left_out, kept.edges_left_out, g.locale));
    if kept.nodes.is_empty() {
        return empty(g, &notes);
    }
    Layout::new(g, &kept).draw(g, &kept, &notes)
}

/// What is drawn.
struct Kept {
    /// Drawn nodes, in input order.
    nodes: Vec<usize>,
    /// Drawn edges, lightest first so that the heaviest are on top.
    edges: Vec<usize>,
    invalid_edges: usize,
    nodes_left_out: usize,
    edges_left_out: usize,
}

/// A weight as used: at least 1, finite.
fn weight(w: f64) -> f64 {
    if w.is_nan() { 1.0 } else { w.clamp(1.0, 1e12) }
}

/// The `cap` heaviest of `items` (weight descending, then index), in index
/// order.
fn heaviest(mut items: Vec<usize>, cap: usize, weight_of: impl Fn(usize) -> f64) -> Vec<usize> {
    if items.len() > cap {
        if cap == 0 {
            items.clear();
        } else {
            items.select_nth_unstable_by(cap - 1, |a, b| weight_of(*b).total_cmp(&weight_of(*a)).then(a.cmp(b)));
            items.truncate(cap);
            items.sort_unstable();
        }
    }
    items
}

fn keep(g: &Graph) -> Kept {
    let n = g.nodes.len();
    let nodes = heaviest((0..n).collect(), MAX_GRAPH_NODES, |i| weight(g.nodes[i].weight));
    let mut drawn = vec![false; n];
    for &i in &nodes {
        drawn[i] = true;
    }
    let mut invalid_edges = 0;
    let mut left_out = 0;
    let mut candidates = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        if e.from >= n || e.to >= n || e.from == e.to {
            invalid_edges += 1;
        } else if drawn[e.from] && drawn[e.to] {
            candidates.push(i);
        } else {
            left_out += 1;
        }
    }
    let valid = candidates.len();
    let mut edges = heaviest(candidates, MAX_GRAPH_EDGES, |i| weight(g.edges[i].weight));
    left_out += valid - edges.len();
    edges.sort_by(|a, b| weight(g.edges[*a].weight).total_cmp(&weight(g.edges[*b].weight)).then(a.cmp(b)));
    Kept { nodes_left_out: n - nodes.len(), nodes, edges, invalid_edges, edges_left_out: left_out }
}

fn lang(locale: Locale) -> usize {
    match locale {
        Locale::Vi => 0,
        Locale::En => 1,
    }
}

/// `given`, trimmed, or `fallback` when it is empty.
fn word<'a>(given: &'a str, fallback: &'a str) -> &'a str {
    let t = given.trim();
    if t.is_empty() { fallback } else { t }
}

fn class_word(g: &Graph, class: usize) -> &str {
    word(&g.legend.classes[class], CLASS_WORDS[lang(g.locale)][class])
}

fn platform_word(g: &Graph, platform: usize) -> &str {
    word(&g.legend.platforms[platform], PLATFORM_WORDS[lang(g.locale)][platform])
}

fn direction_word(g: &Graph, two_way: bool) -> &str {
    match (two_way, g.locale) {
        (true, Locale::Vi) => word(&g.legend.two_way, "Hai chiều"),
        (true, Locale::En) => word(&g.legend.two_way, "Two-way"),
        (false, Locale::Vi) => word(&g.legend.one_way, "Một chiều"),
        (false, Locale::En) => word(&g.legend.one_way, "One-way"),
    }
}

/// The name of the sector of nodes whose group does not exist.
fn no_group_word(locale: Locale) -> &'static str {
    match locale {
        Locale::Vi => "Không rõ cơ quan",
        Locale::En => "No agency",
    }
}

/// "3 nodes", "1 node".
fn count_words(n: usize, locale: Locale, vi: &str, en_one: &str, en_many: &str) -> String {
    let number = format_number(n as f64, locale);
    match locale {
        Locale::Vi => format!("{number} {vi}"),
        Locale::En => format!("{number} {}", if n == 1 { en_one } else { en_many }),
    }
}

fn invalid_note(n: usize, locale: Locale) -> Option<String> {
    (n > 0).then(|| match locale {
        Locale::Vi => format!(
            "Đã bỏ qua {} kết nối không hợp lệ (nút không tồn tại hoặc nối với chính nó).",
            format_number(n as f64, locale)
        ),
        Locale::En => format!(
            "Skipped {} (unknown node, or a node linked to itself).",
            count_words(n, locale, "", "invalid connection", "invalid connections")
        ),
    })
}

fn left_out_note(nodes: usize, edges: usize, locale: Locale) -> Option<String> {
    let mut parts = Vec::new();
    if nodes > 0 {
        parts.push(count_words(nodes, locale, "nút", "node", "nodes"));
    }
    if edges > 0 {
        parts.push(count_words(edges, locale, "kết nối", "connection", "connections"));
    }
    if parts.is_empty() {
        return None;
    }
    Some(match locale {
        Locale::Vi => format!(
            "Để sơ đồ dễ đọc, chỉ vẽ tối đa {} nút và {} kết nối có trọng số lớn nhất: {} không được vẽ.",
            format_number(MAX_GRAPH_NODES as f64, locale),
            format_number(MAX_GRAPH_EDGES as f64, locale),
            parts.join(" và ")
        ),
        Locale::En => format!(
            "To keep the diagram readable, at most {} nodes and {} connections are drawn, the heaviest: {} left out.",
            format_number(MAX_GRAPH_NODES as f64, locale),
            format_number(MAX_GRAPH_EDGES as f64, locale),
            parts.join(" and ")
        ),
    })
}

/// The caller's description, or one made from the counts, then the notes.
fn description(g: &Graph, groups: usize, nodes: usize, edges: usize, notes: &[String]) -> String {
    let mut desc = if g.description.trim().is_empty() {
        let l = g.locale;
        match l {
            Locale::Vi => format!(
                "Sơ đồ kết nối dữ liệu: {}, {}, {}.",
                count_words(groups, l, "cơ quan", "", ""),
                count_words(nodes, l, "nút", "", ""),
                count_words(edges, l, "kết nối", "", "")
            ),
            Locale::En => format!(
                "Data connection diagram: {}, {}, {}.",
                count_words(groups, l, "", "agency", "agencies"),
                count_words(nodes, l, "", "node", "nodes"),
                count_words(edges, l, "", "connection", "connections")
            ),
        }
    } else {
        g.description.trim().to_string()
    };
    for note in notes {
        desc.push(' ');
        desc.push_str(note);
    }
    desc
}

/// The frame shared with the other charts; a diagram with links is a
/// group (`interactive`), not an image.
fn begin(g: &Graph, width: f64, height: f64, desc: &str, interactive: bool) -> Svg {
    Svg::open(&Frame { title: &g.title, description: desc, id_prefix: &g.id_prefix, interactive }, width, height)
}

/// A diagram with no node: the title, "no data", and the notes.
fn empty(g: &Graph, notes: &[String]) -> String {
    let w = 720.0;
    let h = 200.0 + note_lines(notes, w) as f64 * NOTE_LINE;
    let message = match g.locale {
        Locale::Vi => "Chưa có dữ liệu",
        Locale::En => "No data",
    };
    let base = match g.locale {
        Locale::Vi => "Sơ đồ kết nối dữ liệu.",
        Locale::En => "Data connection diagram.",
    };
    let mut desc =
        if g.description.trim().is_empty() { format!("{base} {message}.") } else { g.description.trim().to_string() };
    for note in notes {
        desc.push(' ');
        desc.push_str(note);
    }
    let mut svg = begin(g, w, h, &desc, false);
    svg.text(w / 2.0, 110.0, Anchor::Middle, 14.0, MUTED, " class=\"empty\"", message);
    svg.notes(notes, w, h - 6.0);
    svg.finish()
}

/// A node's place relative to the centre, and its radius.
#[derive(Clone, Copy)]
struct Placed {
    x: f64,
    y: f64,
    r: f64,
}

/// A non-empty sector: a group (or the "no agency" bucket) and its nodes.
struct Sector {
    /// The index in [`Graph::groups`], or `groups.len()` for "no agency".
    group: usize,
    nodes: Vec<usize>,
    start: f64,
    end: f64,
}

/// A group name drawn outside the circle.
struct Label {
    x: f64,
    y: f64,
    anchor: Anchor,
    text: String,
}

/// A box `[x0, y0, x1, y1]`.
type Rect = [f64; 4];

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a[0] < b[2] + 3.0 && b[0] < a[2] + 3.0 && a[1] < b[3] + 1.0 && b[1] < a[3] + 1.0
}

struct Layout {
    /// By node index; `None` for nodes not drawn.
    placed: Vec<Option<Placed>>,
    sectors: Vec<Sector>,
    /// By sector; `None` when the name did not fit beside its neighbours.
    labels: Vec<Option<Label>>,
    arc_r: f64,
    /// Centre of the circle, canvas size, top of the legend.
    cx: f64,
    cy: f64,
    width: f64,
    height: f64,
    legend: Legend,
    legend_top: f64,
}

impl Layout {
    fn new(g: &Graph, kept: &Kept) -> Layout {
        // Sectors, in group order, then the nodes without a group; nodes in
        // input order within each (sorting the drawn nodes, not a bucket
        // per group, so that a long list of groups costs nothing).
        let ng = g.groups.len();
        let mut order: Vec<(usize, usize)> = kept.nodes.iter().map(|&i| (g.nodes[i].group.min(ng), i)).collect();
        order.sort_unstable();
        let mut sectors: Vec<Sector> = Vec::new();
        for (group, i) in order {
            match sectors.last_mut() {
                Some(s) if s.group == group => s.nodes.push(i),
                _ => sectors.push(Sector { group, nodes: vec![i], start: 0.0, end: 0.0 }),
            }
        }

        // Radii: area by weight, scaled down together when the heaviest
        // would pass the largest radius.
        let wmax = kept.nodes.iter().map(|&i| weight(g.nodes[i].weight)).fold(1.0, f64::max);
        let scale = (NODE_R_MAX / (NODE_R * wmax.sqrt())).min(1.0);
        let mut placed: Vec<Option<Placed>> = vec![None; g.nodes.len()];
        for &i in &kept.nodes {
            let r = (NODE_R * weight(g.nodes[i].weight).sqrt() * scale).max(NODE_R_MIN);
            placed[i] = Some(Placed { x: 0.0, y: 0.0, r });
        }
        let radius = |i: usize| placed[i].map_or(0.0, |p| p.r);

        // Each node takes its diameter along the rim, each group a gap.
        let gap = if sectors.len() > 1 { GROUP_GAP } else { 0.0 };
        let demand: f64 =
            kept.nodes.iter().map(|&i| 2.0 * radius(i) + NODE_GAP).sum::<f64>() + gap * sectors.len() as f64;
        let mut ring = (demand / TAU).max(RING_MIN);
        let mut shrink = 1.0;
        if ring > RING_MAX {
            shrink = RING_MAX * TAU / demand;
            ring = RING_MAX;
        }
        let unit = TAU / demand;
        let mut at = 0.0;
        for s in &mut sectors {
            at += gap / 2.0;
            s.start = -PI / 2.0 + at * unit;
            for &i in &s.nodes {
                let d = 2.0 * placed[i].map_or(0.0, |p| p.r) + NODE_GAP;
                let theta = -PI / 2.0 + (at + d / 2.0) * unit;
                if let Some(p) = &mut placed[i] {
                    p.r = (p.r * shrink).max(NODE_R_MIN.min(p.r));
                    p.x = ring * theta.cos();
                    p.y = ring * theta.sin();
                }
                at += d;
            }
            s.end = -PI / 2.0 + at * unit;
            at += gap / 2.0;
        }
        let r_out = kept.nodes.iter().map(|&i| placed[i].map_or(0.0, |p| p.r)).fold(0.0, f64::max);
        let arc_r = ring + r_out + ARC_GAP;

        // Names outside the arcs, each kept only if it clears those kept
        // before it (at most 401 sectors, so this stays small).
        let label_r = arc_r + LABEL_GAP;
        let mut boxes: Vec<Rect> = Vec::new();
        let mut labels = Vec::with_capacity(sectors.len());
        let (mut x0, mut y0, mut x1, mut y1) = (-arc_r - 2.0, -arc_r - 2.0, arc_r + 2.0, arc_r + 2.0);
        for s in &sectors {
            let full = group_label(g, s.group);
            let text = truncate(full, LABEL_CHARS);
            let (label, rect) = place_label((s.start + s.end) / 2.0, label_r, arc_r, text);
            if boxes.iter().any(|b| overlaps(b, &rect)) {
                labels.push(None);
                continue;
            }
            boxes.push(rect);
            (x0, y0, x1, y1) = (x0.min(rect[0]), y0.min(rect[1]), x1.max(rect[2]), y1.max(rect[3]));
            labels.push(Some(label));
        }

        let legend = Legend::new(g);
        // A small graph is drawn no narrower than MIN_WIDTH, so its words
        // stay readable when a page scales it to its column.
        let width = ((x1 - x0).max(legend.width) + 32.0).max(MIN_WIDTH);
        let cx = width / 2.0 - (x0 + x1) / 2.0;
        let cy = TOP - y0;
        let legend_top = cy + y1 + 16.0;
        let height = legend_top + legend.height;
        Layout { placed, sectors, labels, arc_r, cx, cy, width, height, legend, legend_top }
    }

    fn draw(&self, g: &Graph, kept: &Kept, notes: &[String]) -> String {
        let locale = g.locale;
        let height = self.height + 10.0 + note_lines(notes, self.width) as f64 * NOTE_LINE;
        let groups = self.sectors.iter().filter(|s| s.group < g.groups.len()).count();
        let desc = description(g, groups, kept.nodes.len(), kept.edges.len(), notes);
        // Links on any drawn mark make the diagram a group of links.
        let linked = kept.nodes.iter().any(|&i| safe_href(g.nodes[i].href.as_deref()).is_some())
            || kept.edges.iter().any(|&i| safe_href(g.edges[i].href.as_deref()).is_some())
            || self
                .sectors
                .iter()
                .any(|s| g.groups.get(s.group).is_some_and(|gr| safe_href(gr.href.as_deref()).is_some()));
        let mut svg = begin(g, self.width, height, &desc, linked);
        let id = svg.id.clone();
        let mut out = String::with_capacity(320 * (kept.nodes.len() + kept.edges.len()) + 4096);
        // Writing into a String cannot fail: the results of write! below
        // are ignored.

        // Arrowheads, one per platform colour and one for the legend; the
        // tip reaches ARROW_TIP beyond the path's end.
        out.push_str("<defs>");
        let markers = PLATFORM_NAMES.iter().map(|n| format!("-{n}")).zip(PLATFORM_COLOURS);
        for (suffix, colour) in markers.chain([(String::new(), AXIS)]) {
            let _ = write!(
                out,
                "<marker id=\"{id}-arrow{suffix}\" viewBox=\"0 0 10 10\" refX=\"{}\" refY=\"5\" markerWidth=\"10\" \
                 markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0L10 5L0 10Z\" fill=\"{colour}\"/></marker>",
                N(10.0 - ARROW_TIP)
            );
        }
        out.push_str("</defs>");

        // Tooltip words, escaped once.
        let names: Vec<String> = (0..g.nodes.len())
            .map(|i| if self.placed[i].is_some() { escape(&node_name(g, i)) } else { String::new() })
            .collect();
        let platforms: Vec<String> = (0..4).map(|p| escape(platform_word(g, p))).collect();
        let directions = [escape(direction_word(g, false)), escape(direction_word(g, true))];

        // Edges under the nodes.
        let wmax = kept.edges.iter().map(|&i| weight(g.edges[i].weight)).fold(1.0, f64::max);
        let escale = (EDGE_MAX / wmax.sqrt()).min(1.0);
        out.push_str("<g class=\"edges\" fill=\"none\">");
        for &i in &kept.edges {
            let e = &g.edges[i];
            let (Some(a), Some(b)) = (self.placed[e.from], self.placed[e.to]) else { continue };
            let p = e.platform.index();
            let one_way = !e.two_way;
            let href = safe_href(e.href.as_deref());
            if let Some(h) = &href {
                let _ = write!(out, "<a href=\"{h}\">");
            }
            let _ = write!(
                out,
                "<path class=\"edge {} {}\" data-from=\"{}\" data-to=\"{}\" d=\"",
                if one_way { "one-way" } else { "two-way" },
                PLATFORM_NAMES[p],
                e.from,
                e.to
            );
            edge_d(&mut out, a, b, one_way, self.cx, self.cy);
            let _ = write!(
                out,
                "\" stroke=\"{}\" stroke-width=\"{}\"",
                PLATFORM_COLOURS[p],
                N((weight(e.weight).sqrt() * escale).max(1.0))
            );
            if !DASHES[p].is_empty() {
                let _ = write!(out, " stroke-dasharray=\"{}\"", DASHES[p]);
            }
            if one_way {
                let _ = write!(out, " marker-end=\"url(#{id}-arrow-{})\"", PLATFORM_NAMES[p]);
            }
            let _ = write!(
                out,
                "><title>{} {} {} · {} · {}",
                names[e.from],
                if one_way { "→" } else { "↔" },
                names[e.to],
                platforms[p],
                directions[usize::from(e.two_way)]
            );
            if !e.label.trim().is_empty() {
                let _ = write!(out, " · {}", escape(e.label.trim()));
            }
            out.push_str("</title></path>");
            if href.is_some() {
                out.push_str("</a>");
            }
        }
        out.push_str("</g>");

        // Nodes, with a white outline so that neighbours stay apart.
        let classes: Vec<String> = (0..4).map(|c| escape(class_word(g, c))).collect();
        out.push_str("<g class=\"nodes\" stroke=\"#ffffff\" stroke-width=\"0.75\">");
        for &i in &kept.nodes {
            let Some(p) = self.placed[i] else { continue };
            let node = &g.nodes[i];
            let c = node.class.index();
            let href = safe_href(node.href.as_deref());
            if let Some(h) = &href {
                let _ = write!(out, "<a href=\"{h}\">");
            }
            let _ = write!(out, "<path class=\"node {}\" data-node=\"{i}\" d=\"", CLASS_NAMES[c]);
            shape(&mut out, node.class, self.cx + p.x, self.cy + p.y, p.r);
            let _ = write!(
                out,
                "\" fill=\"{}\"><title>{} · {} · {}",
                CLASS_COLOURS[c],
                names[i],
                classes[c],
                escape(group_label(g, node.group))
            );
            if !node.detail.trim().is_empty() {
                let _ = write!(out, " · {}", escape(node.detail.trim()));
            }
            out.push_str("</title></path>");
            if href.is_some() {
                out.push_str("</a>");
            }
        }
        out.push_str("</g>");
        svg.raw(format_args!("{out}"));

        // Groups: an arc along the sector and the name beyond it.
        svg.raw(format_args!("<g class=\"groups\">"));
        for (s, label) in self.sectors.iter().zip(&self.labels) {
            let href = g.groups.get(s.group).and_then(|gr| safe_href(gr.href.as_deref()));
            if let Some(h) = &href {
                svg.raw(format_args!("<a href=\"{h}\">"));
            }
            svg.raw(format_args!(
                "<g class=\"group\" data-group=\"{}\"><title>{} · {}</title><path class=\"group-arc\" d=\"{}\" fill=\"none\" stroke=\"{AXIS}\" stroke-width=\"2\"/>",
                s.group,
                escape(group_label(g, s.group)),
                escape(&count_words(s.nodes.len(), locale, "nút", "node", "nodes")),
                arc_d(self.cx, self.cy, self.arc_r, s.start, s.end)
            ));
            if let Some(l) = label {
                svg.text(self.cx + l.x, self.cy + l.y, l.anchor, NORMAL, TEXT, " aria-hidden=\"true\"", &l.text);
            }
            svg.raw(format_args!("</g>"));
            if href.is_some() {
                svg.raw(format_args!("</a>"));
            }
        }
        svg.raw(format_args!("</g>"));

        self.legend.draw(&mut svg, g, 16.0, self.legend_top);
        svg.notes(notes, self.width, height - 6.0);
        svg.finish()
    }
}

/// A node's full name, or "#index" when it has none.
fn node_name(g: &Graph, i: usize) -> String {
    let label = g.nodes.get(i).map_or("", |n| n.label.trim());
    if label.is_empty() { format!("#{i}") } else { label.to_string() }
}

/// A group's full name, or "no agency" for an index out of range.
fn group_label(g: &Graph, group: usize) -> &str {
    match g.groups.get(group) {
        Some(gr) => word(&gr.label, ""),
        None => no_group_word(g.locale),
    }
}

/// A name at `theta` on the circle of radius `r`, outside the arcs at
/// radius `inner`, reading away from them: centred above the top or below
/// the bottom when its whole box clears the arcs there, else to the right
/// on the right half and to the left on the left half, nudged up near the
/// top and down near the bottom so that its inner corner clears them too.
/// Returns the label and its box.
fn place_label(theta: f64, r: f64, inner: f64, text: String) -> (Label, Rect) {
    let (c, s) = (theta.cos(), theta.sin());
    let (x, y) = (r * c, r * s);
    let w = text_width(&text, NORMAL);
    if y < 0.0 && -y - 1.0 > inner + 2.0 {
        (Label { x, y: y - 3.0, anchor: Anchor::Middle, text }, [x - w / 2.0, y - 14.0, x + w / 2.0, y + 1.0])
    } else if y > 0.0 && y - 1.0 > inner + 2.0 {
        (Label { x, y: y + 12.0, anchor: Anchor::Middle, text }, [x - w / 2.0, y - 1.0, x + w / 2.0, y + 15.0])
    } else {
        // The box is 15 px high, its baseline 4 px under the middle.
        let mid = y + 5.0 * s;
        let rect = if c >= 0.0 { [x, mid - 7.0, x + w, mid + 8.0] } else { [x - w, mid - 7.0, x, mid + 8.0] };
        let anchor = if c >= 0.0 { Anchor::Start } else { Anchor::End };
        (Label { x, y: mid + 4.0, anchor, text }, rect)
    }
}

/// Only links that cannot run script: `http:`, `https:`, `mailto:` and
/// relative addresses, escaped. A colon before any `/`, `?` or `#` starts a
/// scheme; any other scheme (`javascript:`, `data:`…) gives no link.
fn safe_href(href: Option<&str>) -> Option<String> {
    let h = href?.trim();
    if h.is_empty() {
        return None;
    }
    if let Some(i) = h.find([':', '/', '?', '#'])
        && h[i..].starts_with(':')
        && !matches!(h[..i].to_ascii_lowercase().as_str(), "http" | "https" | "mailto")
    {
        return None;
    }
    Some(escape(h))
}

/// Writes the path of a node of `class` centred at (`x`, `y`), with the area
/// of a circle of radius `r`: circle, square, diamond or triangle.
fn shape(out: &mut String, class: NodeClass, x: f64, y: f64, r: f64) {
    let _ = match class {
        NodeClass::National => write!(
            out,
            "M{} {}A{r} {r} 0 1 0 {} {}A{r} {r} 0 1 0 {} {}Z",
            N(x - r),
            N(y),
            N(x + r),
            N(y),
            N(x - r),
            N(y),
            r = N(r)
        ),
        NodeClass::Shared => {
            let h = r * PI.sqrt() / 2.0;
            write!(
                out,
                "M{} {}L{} {}L{} {}L{} {}Z",
                N(x - h),
                N(y - h),
                N(x + h),
                N(y - h),
                N(x + h),
                N(y + h),
                N(x - h),
                N(y + h)
            )
        }
        NodeClass::Specialised => {
            let d = r * (PI / 2.0).sqrt();
            write!(out, "M{} {}L{} {}L{} {}L{} {}Z", N(x), N(y - d), N(x + d), N(y), N(x), N(y + d), N(x - d), N(y))
        }
        NodeClass::Other => {
            // Equilateral, centroid at the centre.
            let side = r * (4.0 * PI / 3f64.sqrt()).sqrt();
            let height = side * 3f64.sqrt() / 2.0;
            write!(
                out,
                "M{} {}L{} {}L{} {}Z",
                N(x),
                N(y - height * 2.0 / 3.0),
                N(x + side / 2.0),
                N(y + height / 3.0),
                N(x - side / 2.0),
                N(y + height / 3.0)
            )
        }
    };
}

/// The arc of radius `r` about (`cx`, `cy`) from angle `a0` clockwise to
/// `a1`; two half circles for a whole one.
fn arc_d(cx: f64, cy: f64, r: f64, a0: f64, a1: f64) -> String {
    let at = |a: f64| (N(cx + r * a.cos()), N(cy + r * a.sin()));
    let span = a1 - a0;
    if span >= TAU - 1e-6 {
        let ((x0, y0), (x1, y1)) = (at(a0), at(a0 + PI));
        return format!("M{x0} {y0}A{r} {r} 0 1 1 {x1} {y1}A{r} {r} 0 1 1 {x0} {y0}", r = N(r));
    }
    let ((x0, y0), (x1, y1)) = (at(a0), at(a1));
    let large = if span > PI { 1 } else { 0 };
    format!("M{x0} {y0}A{r} {r} 0 {large} 1 {x1} {y1}", r = N(r))
}

/// The circle an edge follows, relative to the diagram's centre.
#[derive(Debug, Clone, Copy)]
struct EdgeArc {
    ox: f64,
    oy: f64,
    rho: f64,
    /// SVG's sweep flag: 1 when the angle grows from start to end.
    sweep: u8,
}

/// The circle through `a` and `b` whose middle is `bend` px off the chord
/// toward (-dy, dx), which with y pointing down is to the right of the way
/// from `a` to `b` (negative: to the left), or `None` when that is (nearly)
/// a straight line.
fn edge_arc(a: (f64, f64), b: (f64, f64), bend: f64) -> Option<EdgeArc> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let c = dx.hypot(dy);
    if !(c > 1e-6 && bend.abs() >= 0.25) {
        return None;
    }
    let (nx, ny) = (-dy / c, dx / c);
    let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let rho = (c * c / 4.0 + bend * bend) / (2.0 * bend.abs());
    let back = bend.signum() * (rho - bend.abs());
    // SVG's sweep 1 turns with the angle growing: clockwise on screen. A
    // bend to the right of the way turns anticlockwise (sweep 0).
    Some(EdgeArc { ox: mx - nx * back, oy: my - ny * back, rho, sweep: if bend > 0.0 { 0 } else { 1 } })
}

/// The path of an edge between nodes `a` and `b` (relative to the centre
/// (`cx`, `cy`)): an arc bending toward the centre by [`BEND`] of its chord
/// (less near the centre, straight through it), the two directions of a
/// pair of one-way edges 2 × [`SPLIT`] px apart, ending short of the nodes
/// (and of the arrowhead's tip). Written into `out`.
fn edge_d(out: &mut String, a: Placed, b: Placed, one_way: bool, cx: f64, cy: f64) {
    let start_cut = a.r + END_GAP;
    let end_cut = b.r + END_GAP + if one_way { ARROW_TIP } else { 0.0 };
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let c = dx.hypot(dy);
    let (mx, my) = ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    // The normal (-dy, dx), and which side of it the centre is on.
    let (nx, ny) = if c > 1e-6 { (-dy / c, dx / c) } else { (0.0, 0.0) };
    let side = if -(nx * mx + ny * my) >= 0.0 { 1.0 } else { -1.0 };
    let bend = side * (BEND * c).min(0.6 * mx.hypot(my)) + if one_way { SPLIT } else { 0.0 };
    match edge_arc((a.x, a.y), (b.x, b.y), bend) {
        Some(arc) => {
            let dir = if arc.sweep == 1 { 1.0 } else { -1.0 };
            let aa = (a.y - arc.oy).atan2(a.x - arc.ox);
            let ab = (b.y - arc.oy).atan2(b.x - arc.ox);
            let span = (dir * (ab - aa)).rem_euclid(TAU);
            let cut = |len: f64| 2.0 * (len / (2.0 * arc.rho)).min(1.0).asin();
            let (ca, cb) = (cut(start_cut), cut(end_cut));
            let (a0, a1, span) =
                if ca + cb < span - 1e-3 { (aa + dir * ca, ab - dir * cb, span - ca - cb) } else { (aa, ab, span) };
            let at = |t: f64| (N(cx + arc.ox + arc.rho * t.cos()), N(cy + arc.oy + arc.rho * t.sin()));
            let ((x0, y0), (x1, y1)) = (at(a0), at(a1));
            let large = if span > PI { 1 } else { 0 };
            let _ = write!(out, "M{x0} {y0}A{r} {r} 0 {large} {} {x1} {y1}", arc.sweep, r = N(arc.rho));
        }
        None => {
            let (ux, uy) = if c > start_cut + end_cut { (dx / c, dy / c) } else { (0.0, 0.0) };
            let _ = write!(
                out,
                "M{} {}L{} {}",
                N(cx + a.x + ux * start_cut),
                N(cy + a.y + uy * start_cut),
                N(cx + b.x - ux * end_cut),
                N(cy + b.y - uy * end_cut)
            );
        }
    }
}

/// The legend box: classes with their shapes, platforms with their lines,
/// one-way and two-way, and what size means.
struct Legend {
    /// Column widths.
    cols: [f64; 3],
    width: f64,
    height: f64,
}

/// Room for a legend sample before its text.
const SAMPLE_SHAPE: f64 = 22.0;
const SAMPLE_LINE: f64 = 42.0;

fn size_words(locale: Locale) -> &'static str {
    match locale {
        Locale::Vi => "Nút càng lớn, đường càng đậm: trọng số càng cao.",
        Locale::En => "Larger nodes and thicker lines: greater weight.",
    }
}

impl Legend {
    fn new(g: &Graph) -> Legend {
        let widest = |words: &mut dyn Iterator<Item = &str>| {
            words.map(|w| text_width(&truncate(w, LABEL_CHARS), SMALL)).fold(0.0, f64::max)
        };
        let cols = [
            SAMPLE_SHAPE + widest(&mut (0..4).map(|c| class_word(g, c))),
            SAMPLE_LINE + widest(&mut (0..4).map(|p| platform_word(g, p))),
            SAMPLE_LINE + widest(&mut [false, true].into_iter().map(|t| direction_word(g, t))),
        ];
        let items = 24.0 + cols.iter().sum::<f64>() + 2.0 * 20.0;
        let width = items.max(text_width(size_words(g.locale), SMALL) + 24.0);
        Legend { cols, width, height: 12.0 + 4.0 * LEGEND_ROW + 20.0 }
    }

    fn draw(&self, svg: &mut Svg, g: &Graph, x0: f64, top: f64) {
        let id = svg.id.clone();
        svg.raw(format_args!(
            "<g class=\"legend\"><rect class=\"legend-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#ffffff\" stroke=\"{GRID}\"/>",
            N(x0),
            N(top),
            N(self.width),
            N(self.height)
        ));
        let row_y = |i: usize| top + 12.0 + LEGEND_ROW * (i as f64 + 0.5);
        let item = |svg: &mut Svg, full: &str, sample: String, x: f64, y: f64, offset: f64| {
            svg.raw(format_args!("<g class=\"legend-item\"><title>{}</title>{sample}", escape(full)));
            svg.text(x + offset, y + 4.0, Anchor::Start, SMALL, TEXT, "", &truncate(full, LABEL_CHARS));
            svg.raw(format_args!("</g>"));
        };
        let mut x = x0 + 12.0;
        for (c, class) in
            [NodeClass::National, NodeClass::Shared, NodeClass::Specialised, NodeClass::Other].into_iter().enumerate()
        {
            let y = row_y(c);
            let mut sample = String::from("<path class=\"swatch\" d=\"");
            shape(&mut sample, class, x + 7.0, y, 6.0);
            let _ = write!(sample, "\" fill=\"{}\"/>", CLASS_COLOURS[c]);
            item(svg, class_word(g, c), sample, x, y, SAMPLE_SHAPE);
        }
        x += self.cols[0] + 20.0;
        let line = |x: f64, y: f64, colour: &str, width: &str, extra: &str| {
            format!(
                "<path class=\"swatch\" d=\"M{} {}L{} {}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{extra}/>",
                N(x),
                N(y),
                N(x + SAMPLE_LINE - 10.0),
                N(y)
            )
        };
        for p in 0..4 {
            let y = row_y(p);
            let dash =
                if DASHES[p].is_empty() { String::new() } else { format!(" stroke-dasharray=\"{}\"", DASHES[p]) };
            item(svg, platform_word(g, p), line(x, y, PLATFORM_COLOURS[p], "2", &dash), x, y, SAMPLE_LINE);
        }
        x += self.cols[1] + 20.0;
        let arrow = format!(" marker-end=\"url(#{id}-arrow)\"");
        let y = row_y(0);
        item(svg, direction_word(g, false), line(x, y, AXIS, "1.5", &arrow), x, y, SAMPLE_LINE);
        let y = row_y(1);
        item(svg, direction_word(g, true), line(x, y, AXIS, "1.5", ""), x, y, SAMPLE_LINE);
        svg.text(x0 + 12.0, top + self.height - 10.0, Anchor::Start, SMALL, MUTED, "", size_words(g.locale));
        svg.raw(format_args!("</g>"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{attr, check_well_formed, contrast, count, tags};
    use proptest::prelude::*;

    fn node(label: &str, group: usize, class: NodeClass, weight: f64) -> GraphNode {
        GraphNode { label: label.into(), group, class, weight, href: None, detail: String::new() }
    }

    fn edge(from: usize, to: usize, two_way: bool, platform: EdgePlatform, weight: f64) -> GraphEdge {
        GraphEdge { from, to, two_way, platform, weight, label: String::new(), href: None }
    }

    /// Two ministries and a province, five databases, six connections.
    fn sample() -> Graph {
        let mut g = Graph::new("Bản đồ dữ liệu");
        g.id_prefix = "dm".into();
        g.groups = vec![
            GraphGroup { label: "Bộ Công an".into(), href: Some("/co-quan/bca".into()) },
            GraphGroup { label: "Bộ Tài chính".into(), href: None },
            GraphGroup { label: "UBND Thành phố Hồ Chí Minh".into(), href: Some("/co-quan/hcm?a=1&b=2".into()) },
        ];
        g.nodes = vec![
            GraphNode {
                detail: "100 triệu bản ghi".into(),
                href: Some("/csdl/dan-cu".into()),
                ..node("CSDL quốc gia về dân cư", 0, NodeClass::National, 9.0)
            },
            node("CSDL căn cước", 0, NodeClass::Specialised, 2.0),
            node("CSDL thuế", 1, NodeClass::Shared, 4.0),
            node("CSDL đăng ký doanh nghiệp", 1, NodeClass::National, 1.0),
            node("Kho dữ liệu dùng chung", 2, NodeClass::Other, 1.0),
        ];
        g.edges = vec![
            GraphEdge {
                label: "12 kết nối".into(),
                href: Some("/ket-noi/1".into()),
                ..edge(0, 2, false, EdgePlatform::Ndxp, 12.0)
            },
            edge(2, 0, false, EdgePlatform::Ndxp, 3.0),
            edge(0, 1, true, EdgePlatform::Direct, 1.0),
            edge(3, 4, true, EdgePlatform::Lgsp, 2.0),
            edge(4, 0, false, EdgePlatform::Other, 1.0),
            edge(1, 3, false, EdgePlatform::Lgsp, 1.0),
        ];
        g
    }

    /// Whether every start tag beginning with `prefix` is followed by a
    /// `<title>`, and how many there are.
    fn titled(svg: &str, prefix: &str) -> (usize, bool) {
        let mut n = 0;
        let mut ok = true;
        for (i, _) in svg.match_indices(prefix) {
            n += 1;
            let rest = &svg[i..];
            ok &= rest[rest.find('>').unwrap() + 1..].starts_with("<title>");
        }
        (n, ok)
    }

    fn root_size(svg: &str) -> (f64, f64) {
        let root = tags(svg, "<svg")[0];
        (attr(root, "width").unwrap(), attr(root, "height").unwrap())
    }

    #[test]
    fn accessible_well_formed_and_prefixed() {
        let svg = render_graph(&sample());
        check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"dm\""));
        assert!(svg.contains("role=\"group\"") && svg.contains("aria-labelledby=\"dm-title dm-desc\""));
        let after_root = &svg[svg.find('>').unwrap() + 1..];
        assert!(after_root.starts_with(
            "<title id=\"dm-title\">Bản đồ dữ liệu</title><desc id=\"dm-desc\">Sơ đồ kết nối dữ liệu: 3 cơ quan, 5 nút, 6 kết nối.</desc>"
        ));
        // Every id is prefixed, and every reference points at one of them.
        let ids: Vec<&str> = svg
            .match_indices(" id=\"")
            .map(|(i, m)| &svg[i + m.len()..][..svg[i + m.len()..].find('"').unwrap()])
            .collect();
        assert!(ids.len() >= 8);
        assert!(ids.iter().all(|id| *id == "dm" || id.starts_with("dm-")), "{ids:?}");
        for (i, m) in svg.match_indices("url(#") {
            let target = &svg[i + m.len()..][..svg[i + m.len()..].find(')').unwrap()];
            assert!(ids.contains(&target), "{target}");
        }
        // Presentation attributes only.
        assert!(!svg.contains("<style") && !svg.contains("style=\""));
        // No text under 11 px.
        for t in tags(&svg, "<text ") {
            assert!(attr(t, "font-size").unwrap() >= SMALL, "{t}");
        }
    }

    #[test]
    fn every_mark_has_a_title() {
        let svg = render_graph(&sample());
        assert_eq!(titled(&svg, "<path class=\"node "), (5, true));
        assert_eq!(titled(&svg, "<path class=\"edge "), (6, true));
        assert_eq!(titled(&svg, "<g class=\"group\""), (3, true));
        assert_eq!(titled(&svg, "<g class=\"legend-item\""), (10, true));
        assert!(
            svg.contains("<title>CSDL quốc gia về dân cư · CSDL quốc gia · Bộ Công an · 100 triệu bản ghi</title>")
        );
        assert!(svg.contains("<title>CSDL quốc gia về dân cư → CSDL thuế · NDXP · Một chiều · 12 kết nối</title>"));
        assert!(svg.contains("<title>CSDL quốc gia về dân cư ↔ CSDL căn cước · Kết nối trực tiếp · Hai chiều</title>"));
        assert!(svg.contains("<title>Bộ Công an · 2 nút</title>"));
        // Nodes and edges say which nodes they are, for a script.
        assert!(svg.contains("<path class=\"node national\" data-node=\"0\""));
        assert!(svg.contains("<path class=\"edge one-way ndxp\" data-from=\"0\" data-to=\"2\""));
        assert!(svg.contains("<g class=\"group\" data-group=\"2\""));
    }

    #[test]
    fn caller_words_replace_the_generic_ones() {
        let mut g = sample();
        g.locale = Locale::En;
        g.legend.classes[0] = "Cơ sở dữ liệu quốc gia".into();
        g.legend.platforms[2] = "Point to point".into();
        g.legend.one_way = "Data flows one way".into();
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">Cơ sở dữ liệu quốc gia</text>"));
        assert!(svg.contains(">Point to point</text>"));
        assert!(svg.contains(">Data flows one way</text>"));
        assert!(svg.contains(">Shared database</text>") && svg.contains(">Two-way</text>"));
        assert!(svg.contains("Data connection diagram: 3 agencies, 5 nodes, 6 connections."));
        assert!(svg.contains("<title>Bộ Công an · 2 nodes</title>"));
    }

    #[test]
    fn output_is_deterministic() {
        let g = sample();
        assert_eq!(render_graph(&g), render_graph(&g.clone()));
        let big = big_graph(450, 3500);
        assert_eq!(render_graph(&big), render_graph(&big));
    }

    #[test]
    fn arrowheads_only_on_one_way_edges() {
        let svg = render_graph(&sample());
        let edges = tags(&svg, "<path class=\"edge ");
        assert_eq!(edges.len(), 6);
        for e in &edges {
            assert_eq!(e.contains("marker-end="), e.contains("one-way"), "{e}");
            assert_eq!(e.contains("two-way"), !e.contains("one-way"));
        }
        assert!(edges.iter().any(|e| e.contains("marker-end=\"url(#dm-arrow-ndxp)\"")));
        assert_eq!(count(&svg, "<marker "), 5);
        // The legend shows both.
        assert_eq!(count(&svg, "marker-end=\"url(#dm-arrow)\""), 1);
    }

    #[test]
    fn the_two_directions_of_a_pair_are_drawn_apart() {
        let svg = render_graph(&sample());
        let edges = tags(&svg, "<path class=\"edge ");
        let d = |e: &str| {
            e[e.find(" d=\"").unwrap() + 4..][..e[e.find(" d=\"").unwrap() + 4..].find('"').unwrap()].to_string()
        };
        let there = edges.iter().find(|e| e.contains("data-from=\"0\" data-to=\"2\"")).unwrap();
        let back = edges.iter().find(|e| e.contains("data-from=\"2\" data-to=\"0\"")).unwrap();
        assert_ne!(d(there), d(back));
        // Their arcs bow apart by 2 × SPLIT: over the same chord, the
        // sagittas (s = r − √(r² − c²/4)) differ by that much.
        let (a, b) = (Placed { x: -100.0, y: -200.0, r: 5.0 }, Placed { x: 100.0, y: -200.0, r: 5.0 });
        let sagitta = |from: Placed, to: Placed| {
            let mut out = String::new();
            edge_d(&mut out, from, to, true, 0.0, 0.0);
            let r: f64 = out[out.find('A').unwrap() + 1..].split(' ').next().unwrap().parse().unwrap();
            r - (r * r - 100.0 * 100.0).sqrt()
        };
        let gap = (sagitta(a, b) - sagitta(b, a)).abs();
        // A literal, not SPLIT: the test must fail if the split is lost.
        assert!((gap - 6.0).abs() < 0.3, "one-way arcs {gap} px apart, not 6 (2 × 3 px)");
    }

    #[test]
    fn a_graph_of_links_is_a_group_and_one_without_is_an_image() {
        let svg = render_graph(&sample());
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains(" role=\"group\" ") && svg.contains("<a href="), "{root}");
        let mut plain = sample();
        plain.groups.iter_mut().for_each(|x| x.href = None);
        plain.nodes.iter_mut().for_each(|x| x.href = None);
        plain.edges.iter_mut().for_each(|x| x.href = None);
        let svg = render_graph(&plain);
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains(" role=\"img\" ") && !svg.contains("<a "), "{root}");
        // Unsafe addresses are dropped, so they make no link either.
        plain.nodes[0].href = Some("javascript:alert(1)".into());
        assert!(render_graph(&plain)[..200].contains(" role=\"img\" "));
    }

    #[test]
    fn encodings_do_not_rely_on_colour_alone() {
        let mut out = String::new();
        let shapes: Vec<String> = [NodeClass::National, NodeClass::Shared, NodeClass::Specialised, NodeClass::Other]
            .into_iter()
            .map(|c| {
                out.clear();
                shape(&mut out, c, 50.0, 50.0, 10.0);
                out.chars().filter(|c| c.is_ascii_alphabetic()).collect()
            })
            .collect();
        // Circle (arcs), square and diamond (four corners), triangle (three).
        assert_eq!(shapes, ["MAAZ", "MLLLZ", "MLLLZ", "MLLZ"]);
        out.clear();
        shape(&mut out, NodeClass::Shared, 50.0, 50.0, 10.0);
        assert!(out.starts_with("M41.1 41.1"), "a square, axis-aligned: {out}");
        out.clear();
        shape(&mut out, NodeClass::Specialised, 50.0, 50.0, 10.0);
        assert!(out.starts_with("M50 37.5"), "a diamond, on its point: {out}");
        // Every platform has its own dash pattern and colour.
        let mut dashes = DASHES.to_vec();
        dashes.sort_unstable();
        dashes.dedup();
        assert_eq!(dashes.len(), 4);
        let mut colours = PLATFORM_COLOURS.iter().chain(&CLASS_COLOURS).collect::<Vec<_>>();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), 8);
    }

    #[test]
    fn colours_have_enough_contrast() {
        for c in CLASS_COLOURS.iter().chain(&PLATFORM_COLOURS) {
            assert!(contrast(c, "#ffffff") >= 3.0, "{c}");
        }
    }

    #[test]
    fn weights_set_area_and_width() {
        let mut g = Graph::new("w");
        g.groups = vec![GraphGroup { label: "A".into(), href: None }];
        g.nodes = vec![node("a", 0, NodeClass::National, 1.0), node("b", 0, NodeClass::National, 4.0)];
        g.edges = vec![edge(0, 1, true, EdgePlatform::Ndxp, 1.0), edge(1, 0, true, EdgePlatform::Ndxp, 4.0)];
        let svg = render_graph(&g);
        let radius = |i: usize| {
            let t = tags(&svg, &format!("<path class=\"node national\" data-node=\"{i}\""))[0];
            let d = &t[t.find("A").unwrap() + 1..];
            d[..d.find(' ').unwrap()].parse::<f64>().unwrap()
        };
        assert_eq!((radius(0), radius(1)), (4.0, 8.0), "four times the weight, four times the area");
        let widths: Vec<f64> =
            tags(&svg, "<path class=\"edge ").iter().map(|t| attr(t, "stroke-width").unwrap()).collect();
        assert_eq!(widths, [1.0, 2.0], "lightest first, width by square root");
        // Heavy weights are scaled down together to the caps.
        g.nodes[1].weight = 1e6;
        g.edges[1].weight = 1e6;
        let svg = render_graph(&g);
        let t = tags(&svg, "<path class=\"node national\" data-node=\"1\"")[0];
        assert!(t.contains(&format!("A{} {}", NODE_R_MAX, NODE_R_MAX)), "{t}");
        let widths: Vec<f64> =
            tags(&svg, "<path class=\"edge ").iter().map(|t| attr(t, "stroke-width").unwrap()).collect();
        assert_eq!(widths, [1.0, EDGE_MAX]);
    }

    /// `nodes` nodes in 30 groups, weights 1 to 7, and `edges` edges, all
    /// valid, weights 1 to 10.
    fn big_graph(nodes: usize, edges: usize) -> Graph {
        let mut g = Graph::new("Lớn");
        g.groups = (0..30)
            .map(|i| GraphGroup {
                label: format!("Cơ quan số {i} của Chính phủ"), href: Some(format!("/g/{i}"))
            })
            .collect();
        let classes = [NodeClass::National, NodeClass::Shared, NodeClass::Specialised, NodeClass::Other];
        g.nodes = (0..nodes)
            .map(|i| GraphNode {
                href: Some(format!("/n/{i}")),
                detail: "chi tiết".into(),
                ..node(&format!("Cơ sở dữ liệu số {i}"), i % 30, classes[i % 4], 1.0 + (i % 7) as f64)
            })
            .collect();
        let platforms = [EdgePlatform::Ndxp, EdgePlatform::Lgsp, EdgePlatform::Direct, EdgePlatform::Other];
        g.edges = (0..edges)
            .map(|i| {
                let from = (i * 7) % nodes;
                let to = (from + 1 + (i * 13) % (nodes - 1)) % nodes;
                GraphEdge {
                    label: format!("{i} kết nối"),
                    ..edge(from, to, i % 3 == 0, platforms[i % 4], 1.0 + (i % 10) as f64)
                }
            })
            .collect();
        g
    }

    #[test]
    fn caps_keep_the_heaviest_with_a_note() {
        let g = big_graph(450, 4000);
        // The lightest nodes: index 0 and every 7th have weight 1.
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"node "), MAX_GRAPH_NODES);
        let edges = count(&svg, "<path class=\"edge ");
        assert_eq!(edges, MAX_GRAPH_EDGES, "plenty of edges remain between kept nodes");
        // 450 nodes: weights 1..7 cycle, so 64 or 65 have weight 1; 50 of
        // them, those with the highest indices, are left out.
        let weight_one: Vec<usize> = (0..450).filter(|i| i % 7 == 0).collect();
        let (kept, dropped) = weight_one.split_at(weight_one.len() - 50);
        for i in kept {
            assert!(svg.contains(&format!("data-node=\"{i}\" ")), "{i}");
        }
        for i in dropped {
            assert!(!svg.contains(&format!("data-node=\"{i}\" ")), "{i}");
            assert!(!svg.contains(&format!("data-from=\"{i}\" ")) && !svg.contains(&format!("data-to=\"{i}\" ")));
        }
        // Edges touching a node left out are left out too; of the others,
        // the 3,000 heaviest are drawn: 1,000 left out in all.
        let note = "Để sơ đồ dễ đọc, chỉ vẽ tối đa 400 nút và 3.000 kết nối có trọng số lớn nhất: 50 nút và 1.000 kết nối không được vẽ.";
        let desc = &svg[svg.find("<desc").unwrap()..svg.find("</desc>").unwrap()];
        assert!(desc.contains(note), "{desc}");
        assert!(desc.contains("400 nút, 3.000 kết nối."), "the counts are of what is drawn: {desc}");
        // And visibly, wrapped over lines.
        assert!(svg.contains(">Để sơ đồ dễ đọc, chỉ vẽ tối đa 400 nút"), "{}", &svg[svg.len() - 2000..]);
        // Only edges over the cap, in English.
        let mut g = big_graph(400, 3200);
        g.locale = Locale::En;
        let svg = render_graph(&g);
        assert!(svg.contains(
            "To keep the diagram readable, at most 400 nodes and 3,000 connections are drawn, the heaviest: 200 connections left out."
        ));
        assert_eq!(count(&svg, "<path class=\"node "), 400);
        // Under the caps there is no note.
        let svg = render_graph(&big_graph(400, 3000));
        assert!(!svg.contains("Để sơ đồ dễ đọc"));
        assert_eq!(count(&svg, "<path class=\"edge "), 3000);
    }

    #[test]
    fn heaviest_orders_by_weight_then_index() {
        let w = [1.0, 5.0, 5.0, 2.0, f64::NAN, 5.0];
        assert_eq!(heaviest((0..6).collect(), 3, |i| weight(w[i])), [1, 2, 5]);
        assert_eq!(heaviest((0..6).collect(), 2, |i| weight(w[i])), [1, 2]);
        assert_eq!(heaviest((0..6).collect(), 4, |i| weight(w[i])), [1, 2, 3, 5]);
        assert_eq!(heaviest((0..6).collect(), 0, |i| weight(w[i])), Vec::<usize>::new());
        assert_eq!(heaviest((0..3).collect(), 9, |i| weight(w[i])), [0, 1, 2]);
    }

    #[test]
    fn bad_edges_are_skipped_and_bad_weights_clamped() {
        let mut g = sample();
        g.edges = vec![
            edge(0, 99, false, EdgePlatform::Ndxp, 1.0),
            edge(usize::MAX, 1, false, EdgePlatform::Ndxp, 1.0),
            edge(2, 2, true, EdgePlatform::Ndxp, 1.0),
            edge(0, 1, false, EdgePlatform::Ndxp, f64::NAN),
            edge(1, 2, false, EdgePlatform::Ndxp, -5.0),
            edge(2, 3, false, EdgePlatform::Ndxp, f64::INFINITY),
            edge(3, 4, false, EdgePlatform::Ndxp, f64::NEG_INFINITY),
        ];
        g.nodes[1].weight = f64::NAN;
        g.nodes[2].weight = f64::INFINITY;
        g.nodes[3].weight = -3.0;
        g.nodes[4].group = 7;
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert_eq!(count(&svg, "<path class=\"edge "), 4);
        assert!(svg.contains("Đã bỏ qua 3 kết nối không hợp lệ"));
        let widths: Vec<f64> =
            tags(&svg, "<path class=\"edge ").iter().map(|t| attr(t, "stroke-width").unwrap()).collect();
        assert_eq!(widths, [1.0, 1.0, 1.0, EDGE_MAX]);
        // A node whose group does not exist gets a sector of its own.
        assert!(svg.contains("<title>Không rõ cơ quan · 1 nút</title>"));
        assert!(svg.contains(">Không rõ cơ quan</text>"));
        // The province lost its only node: two agencies, and no agency.
        assert!(svg.contains("Sơ đồ kết nối dữ liệu: 2 cơ quan, 5 nút, 4 kết nối."), "{svg}");
    }

    #[test]
    fn groups_are_drawn_in_order_and_only_with_nodes() {
        let mut g = sample();
        g.groups.extend((0..1_000_000).map(|i| GraphGroup { label: format!("g{i}"), href: None }));
        g.nodes[4].group = 999_999;
        g.nodes.swap(0, 3);
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert_eq!(titled(&svg, "<g class=\"group\""), (3, true));
        let at = |s: &str| svg.find(s).unwrap();
        assert!(
            at("data-group=\"0\"") < at("data-group=\"1\"") && at("data-group=\"1\"") < at("data-group=\"999999\"")
        );
        // Within a group, nodes keep their input order.
        assert!(at("data-node=\"1\"") < at("data-node=\"3\""));
    }

    #[test]
    fn empty_graph_says_no_data() {
        let mut g = Graph::new("Bản đồ");
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">Chưa có dữ liệu</text>"));
        assert!(svg.contains("<desc id=\"graph-desc\">Sơ đồ kết nối dữ liệu. Chưa có dữ liệu.</desc>"));
        g.locale = Locale::En;
        g.edges = vec![edge(0, 1, false, EdgePlatform::Ndxp, 1.0)];
        g.groups = vec![GraphGroup { label: "A".into(), href: None }];
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">No data</text>"));
        assert!(svg.contains("Skipped 1 invalid connection (unknown node, or a node linked to itself)."));
        // Also with Default, whose prefix is empty.
        let svg = render_graph(&Graph::default());
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("id=\"c-title\""));
    }

    #[test]
    fn links_are_escaped_and_only_safe_ones_kept() {
        let svg = render_graph(&sample());
        assert_eq!(count(&svg, "<a href="), 4, "two groups, one node, one edge");
        assert!(svg.contains("<a href=\"/co-quan/hcm?a=1&amp;b=2\"><g class=\"group\" data-group=\"2\">"));
        assert!(svg.contains("<a href=\"/csdl/dan-cu\"><path class=\"node national\" data-node=\"0\""));
        assert!(svg.contains("<a href=\"/ket-noi/1\"><path class=\"edge one-way ndxp\""));
        assert_eq!(
            safe_href(Some(" https://kho.gov.vn/a?b=\"c\" ")).as_deref(),
            Some("https://kho.gov.vn/a?b=&quot;c&quot;")
        );
        assert_eq!(safe_href(Some("mailto:a@b.vn")).as_deref(), Some("mailto:a@b.vn"));
        assert_eq!(safe_href(Some("/a:b")).as_deref(), Some("/a:b"));
        assert_eq!(safe_href(Some("?q=a:b#c:d")).as_deref(), Some("?q=a:b#c:d"));
        for bad in [
            "javascript:alert(1)",
            " JavaScript:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            assert_eq!(safe_href(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_href(Some("  ")), None);
        assert_eq!(safe_href(None), None);
        let mut g = sample();
        g.nodes[0].href = Some("javascript:alert(1)".into());
        let svg = render_graph(&g);
        assert!(!svg.contains("javascript"));
        assert_eq!(count(&svg, "<a href="), 3);
    }

    #[test]
    fn hostile_labels_are_escaped() {
        let bad = "<script>&\"'\u{0}\u{1b}";
        let mut g = sample();
        g.title = bad.into();
        g.description = bad.into();
        g.groups[0].label = bad.into();
        g.nodes[0].label = bad.into();
        g.nodes[0].detail = bad.into();
        g.edges[0].label = bad.into();
        g.legend.classes[0] = bad.into();
        g.legend.platforms[0] = bad.into();
        g.legend.one_way = bad.into();
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"));
        assert!(!svg.contains('\u{0}') && !svg.contains('\u{1b}'));
    }

    #[test]
    fn group_labels_are_cut_with_the_full_name_in_the_title() {
        let mut g = sample();
        let long = "Bộ Nông nghiệp và Môi trường (Cục Chuyển đổi số)";
        g.groups[1].label = long.into();
        let svg = render_graph(&g);
        let cut = truncate(long, LABEL_CHARS);
        assert_eq!(cut.chars().count(), 24);
        assert!(svg.contains(&format!(" aria-hidden=\"true\">{cut}</text>")), "{svg}");
        assert!(svg.contains(&format!("<title>{long} · 2 nút</title>")));
    }

    #[test]
    fn crowded_group_names_are_dropped_rather_than_overlapped() {
        let mut g = Graph::new("Nhiều cơ quan");
        g.groups = (0..300).map(|i| GraphGroup { label: format!("Cơ quan {i}"), href: None }).collect();
        g.nodes = (0..300).map(|i| node(&format!("n{i}"), i, NodeClass::Other, 1.0)).collect();
        let svg = render_graph(&g);
        check_well_formed(&svg).unwrap();
        assert_eq!(titled(&svg, "<g class=\"group\""), (300, true));
        let drawn = count(&svg, "aria-hidden=\"true\">Cơ quan ");
        assert!((30..300).contains(&drawn), "{drawn}");
        // The names drawn do not overlap each other.
        let boxes: Vec<Rect> = tags(&svg, "<text ")
            .into_iter()
            .filter(|t| t.contains("aria-hidden"))
            .map(|t| {
                let (x, y) = (attr(t, "x").unwrap(), attr(t, "y").unwrap());
                let start = svg.find(t).unwrap() + t.len() + 1;
                let w = text_width(&svg[start..start + svg[start..].find('<').unwrap()], NORMAL);
                let x0 = if t.contains("\"end\"") {
                    x - w
                } else if t.contains("\"middle\"") {
                    x - w / 2.0
                } else {
                    x
                };
                [x0, y - 10.0, x0 + w, y + 3.0]
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn everything_is_drawn_inside_the_canvas() {
        for (n, e) in [(1, 0), (2, 1), (5, 6), (60, 200), (400, 3000)] {
            let mut g = big_graph(n.max(2), e);
            g.nodes.truncate(n);
            g.edges.retain(|x| x.from < n && x.to < n);
            let svg = render_graph(&g);
            check_well_formed(&svg).unwrap();
            let (w, h) = root_size(&svg);
            for t in tags(&svg, "<path class=\"node ") {
                let d = &t[t.find(" d=\"M").unwrap() + 5..];
                let mut xy = d.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).filter(|s| !s.is_empty());
                let (x, y): (f64, f64) = (xy.next().unwrap().parse().unwrap(), xy.next().unwrap().parse().unwrap());
                assert!((0.0..=w).contains(&x) && (TOP - 20.0..=h).contains(&y), "{n}: {t}");
            }
            for t in tags(&svg, "<text ") {
                let x = attr(t, "x").unwrap();
                assert!(x >= 0.0 && x <= w && attr(t, "y").unwrap() <= h, "{n}: {t}");
            }
            // Group names stay inside, whichever way they read.
            let names: Vec<&str> = tags(&svg, "<text ").into_iter().filter(|t| t.contains("aria-hidden")).collect();
            for t in names {
                let x = attr(t, "x").unwrap();
                let room = text_width("Cơ quan số 29 của Chính…", NORMAL);
                if t.contains("\"end\"") {
                    assert!(x - room >= 0.0, "{t}");
                } else if !t.contains("\"middle\"") {
                    assert!(x + room <= w, "{t}");
                }
            }
        }
    }

    #[test]
    fn edge_arcs_bend_toward_the_centre() {
        // A chord near the top of the circle: the centre (0, 0) is below.
        let (a, b) = ((-30.0, -100.0), (30.0, -100.0));
        for bend_sign in [1.0, -1.0] {
            // Right of the way from a to b is down on screen (y down) for a
            // chord going right, so a positive bend is toward the centre.
            let arc = edge_arc(a, b, bend_sign * 10.0).unwrap();
            let dir = if arc.sweep == 1 { 1.0 } else { -1.0 };
            let aa = (a.1 - arc.oy).atan2(a.0 - arc.ox);
            let ab = (b.1 - arc.oy).atan2(b.0 - arc.ox);
            let span = (dir * (ab - aa)).rem_euclid(TAU);
            let mid = aa + dir * span / 2.0;
            let (mx, my) = (arc.ox + arc.rho * mid.cos(), arc.oy + arc.rho * mid.sin());
            assert!(mx.abs() < 1e-9, "{mx}");
            // SVG draws sweep 1 with the angle growing, clockwise on screen.
            assert!((my - (-100.0 + bend_sign * 10.0)).abs() < 1e-9, "{bend_sign}: {my}");
        }
        assert!(edge_arc(a, b, 0.1).is_none(), "straight");
        assert!(edge_arc(a, a, 10.0).is_none(), "no chord");
        // In a diagram, the edge's middle lies between its chord and the
        // centre.
        let p = |x: f64, y: f64| Placed { x, y, r: 4.0 };
        let mut out = String::new();
        edge_d(&mut out, p(-30.0, -100.0), p(30.0, -100.0), false, 0.0, 0.0);
        assert!(out.contains(" 0 0 0 "), "anticlockwise, bulging down toward the centre: {out}");
        out.clear();
        edge_d(&mut out, p(30.0, 100.0), p(-30.0, 100.0), false, 0.0, 0.0);
        assert!(out.contains(" 0 0 0 "), "at the bottom going left, anticlockwise, bulging up: {out}");
        out.clear();
        edge_d(&mut out, p(-100.0, 0.0), p(100.0, 0.0), false, 0.0, 0.0);
        assert!(out.contains('L'), "through the centre, straight: {out}");
    }

    fn weights() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(0.0),
            Just(-1.0),
            1.0..1e6f64,
        ]
    }

    fn class() -> impl Strategy<Value = NodeClass> {
        prop_oneof![
            Just(NodeClass::National),
            Just(NodeClass::Shared),
            Just(NodeClass::Specialised),
            Just(NodeClass::Other)
        ]
    }

    fn platform() -> impl Strategy<Value = EdgePlatform> {
        prop_oneof![
            Just(EdgePlatform::Ndxp),
            Just(EdgePlatform::Lgsp),
            Just(EdgePlatform::Direct),
            Just(EdgePlatform::Other)
        ]
    }

    fn index() -> impl Strategy<Value = usize> {
        prop_oneof![8 => 0usize..45, 1 => Just(usize::MAX)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_graphs_never_panic_and_stay_well_formed(
            groups in proptest::collection::vec(("\\PC{0,30}", proptest::option::of("\\PC{0,20}")), 0..8),
            nodes in proptest::collection::vec(
                ("\\PC{0,30}", 0usize..10, class(), weights(), proptest::option::of("\\PC{0,20}"), "\\PC{0,20}"),
                0..40,
            ),
            edges in proptest::collection::vec(
                (index(), index(), any::<bool>(), platform(), weights(), "\\PC{0,20}", proptest::option::of("\\PC{0,20}")),
                0..80,
            ),
            title in "\\PC{0,60}",
            prefix in "\\PC{0,12}",
            en in any::<bool>(),
        ) {
            let g = Graph {
                title,
                description: String::new(),
                id_prefix: prefix,
                locale: if en { Locale::En } else { Locale::Vi },
                groups: groups.into_iter().map(|(label, href)| GraphGroup { label, href }).collect(),
                nodes: nodes
                    .into_iter()
                    .map(|(label, group, class, weight, href, detail)| GraphNode { label, group, class, weight, href, detail })
                    .collect(),
                edges: edges
                    .into_iter()
                    .map(|(from, to, two_way, platform, weight, label, href)| GraphEdge { from, to, two_way, platform, weight, label, href })
                    .collect(),
                legend: GraphLegend::default(),
            };
            let svg = render_graph(&g);
            prop_assert!(check_well_formed(&svg).is_ok(), "{:?}", check_well_formed(&svg));
            prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
            prop_assert_eq!(&svg, &render_graph(&g));
            let (nodes, edges) = (count(&svg, "<path class=\"node "), count(&svg, "<path class=\"edge "));
            prop_assert_eq!(titled(&svg, "<path class=\"node ").1 && titled(&svg, "<path class=\"edge ").1, true);
            prop_assert_eq!(nodes, g.nodes.len());
            let valid = g.edges.iter().filter(|e| e.from < g.nodes.len() && e.to < g.nodes.len() && e.from != e.to).count();
            prop_assert_eq!(edges, valid);
        }
    }
}
