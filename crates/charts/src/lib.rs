//! Kho's charts: accessible SVG bar, line and pie charts and a tile map of
//! Viet Nam's 34 provinces, rendered on the server with no JavaScript.
//!
//! The caller fills a [`Chart`] (kind, title, a caller-written description,
//! axis labels, the `(label, value)` points already sorted and limited) and
//! [`render`]s it to one standalone SVG document that can also be inlined
//! in an HTML page. [`format_number`] writes numbers the way the charts do,
//! for tables shown beside them, and [`match_provinces`] tells which labels
//! the map could place, so the page can tell the visitor about the others.
//!
//! [`render_graph`] draws a [`Graph`] of the national data map: agencies
//! ([`GraphGroup`]) around a circle, their databases ([`GraphNode`]) in each
//! agency's sector, and the connections between databases ([`GraphEdge`]),
//! with node class shown by colour and shape, platform by colour and dash
//! pattern, and one-way connections by an arrowhead. At most
//! [`MAX_GRAPH_NODES`] nodes and [`MAX_GRAPH_EDGES`] edges are drawn, the
//! heaviest, with a note saying how many were left out. Nodes, edges and
//! groups are links when given an address, and carry `data-node`,
//! `data-from`/`data-to` and `data-group` for an optional script.
//!
//! Invariants of the output:
//! - Well-formed XML: every caller string is escaped, and characters XML
//!   forbids are dropped; the root has `xmlns`, a `viewBox`, `role="img"`
//!   (`role="group"` for a graph whose marks are links, so assistive
//!   technology reaches them) and `aria-labelledby` naming its `<title>`
//!   and `<desc>`, which are its first children.
//! - Every id starts with [`Chart::id_prefix`], so several charts can share
//!   one page; styling uses presentation attributes only (a `<style>` element
//!   in inline SVG would leak into the page).
//! - Every data mark (bar, point, slice, tile, node, edge, group) has a
//!   `<title>` with the full label and value; labels drawn on axes and
//!   around a graph are cut to 24 characters.
//! - Deterministic: the same chart gives byte-identical SVG (coordinates
//!   have one decimal, nothing depends on hash order or the clock).
//! - Non-finite values are skipped and counted in a note; no input panics.
//! - Text is at least 11 px, text colours reach 4.5:1 against their
//!   background and mark colours 3:1 against white.

#![warn(missing_docs)]

mod bar;
mod graph;
mod line;
mod map;
mod numfmt;
mod pie;
mod scale;
mod svg;

#[cfg(test)]
mod testutil;

pub use graph::{
    EdgePlatform, Graph, GraphEdge, GraphGroup, GraphLegend, GraphNode, MAX_GRAPH_EDGES, MAX_GRAPH_NODES, NodeClass,
    render_graph,
};
pub use map::{MapMatch, match_provinces};
pub use numfmt::format_number;

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Bars, vertical for a few short labels, horizontal otherwise.
    Bar,
    /// A line through the points in the given order.
    Line,
    /// Shares of a whole; at most 8 slices.
    Pie,
    /// A tile map of the 34 provinces; labels are province names or codes.
    Map,
}

impl ChartKind {
    /// The kind named `s` ("bar", "line", "pie", "map"; case and
    /// surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<ChartKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bar" => Some(ChartKind::Bar),
            "line" => Some(ChartKind::Line),
            "pie" => Some(ChartKind::Pie),
            "map" => Some(ChartKind::Map),
            _ => None,
        }
    }

    /// The name [`ChartKind::parse`] accepts.
    pub fn name(&self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Pie => "pie",
            ChartKind::Map => "map",
        }
    }
}

/// The language of the words and number format a chart uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// Vietnamese: "1.234,5", "Khác".
    #[default]
    Vi,
    /// English: "1,234.5", "Other".
    En,
}

/// What to draw. Build with [`Chart::new`], then set the fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The kind of chart.
    pub kind: ChartKind,
    /// The title, drawn at the top and used as the SVG `<title>`.
    pub title: String,
    /// The SVG `<desc>`: a summary for screen readers written by the caller.
    /// When empty, a generic one is made from the points.
    pub description: String,
    /// What the labels are (a column name); drawn as the category axis title.
    pub x_label: String,
    /// What the values are ("SUM(dân số)"); drawn as the value axis title.
    pub y_label: String,
    /// `(label, value)` in the order to draw; the caller sorts and limits.
    pub points: Vec<(String, f64)>,
    /// Words and number format.
    pub locale: Locale,
    /// Width in pixels (also the `viewBox` width); at least 200 is used.
    pub width: u32,
    /// Height in pixels; at least 120 is used. Horizontal bar charts grow
    /// taller than this when they have many bars.
    pub height: u32,
    /// The prefix of every id in the SVG; characters not allowed in an XML id
    /// are replaced.
    pub id_prefix: String,
}

impl Chart {
    /// A chart with no points: 720 × 400 (a map 520 × 760, room for the
    /// legend and the key to the tiles' abbreviations), Vietnamese,
    /// ids prefixed with "chart".
    pub fn new(kind: ChartKind, title: impl Into<String>) -> Chart {
        let (width, height) = match kind {
            ChartKind::Map => (520, 760),
            _ => (720, 400),
        };
        Chart {
            kind,
            title: title.into(),
            description: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            points: Vec::new(),
            locale: Locale::Vi,
            width,
            height,
            id_prefix: "chart".to_string(),
        }
    }
}

/// Renders `chart` as a standalone SVG document (no XML declaration, so it
/// can be inlined in HTML as is).
pub fn render(chart: &Chart) -> String {
    match chart.kind {
        ChartKind::Bar => bar::render(chart),
        ChartKind::Line => line::render(chart),
        ChartKind::Pie => pie::render(chart),
        ChartKind::Map => map::render(chart),
    }
}

/// The points with a finite value, and how many were not.
fn finite_points(points: &[(String, f64)]) -> (Vec<(&str, f64)>, usize) {
    let finite: Vec<(&str, f64)> =
        points.iter().filter(|(_, v)| v.is_finite()).map(|(l, v)| (l.as_str(), *v)).collect();
    let skipped = points.len() - finite.len();
    (finite, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::check_well_formed;
    use proptest::prelude::*;

    #[test]
    fn kinds_parse_their_names() {
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map] {
            assert_eq!(ChartKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(ChartKind::parse(" PIE "), Some(ChartKind::Pie));
        assert_eq!(ChartKind::parse("donut"), None);
        assert_eq!(ChartKind::parse(""), None);
    }

    #[test]
    fn defaults() {
        let c = Chart::new(ChartKind::Bar, "T");
        assert_eq!((c.width, c.height, c.locale, c.id_prefix.as_str()), (720, 400, Locale::Vi, "chart"));
        let m = Chart::new(ChartKind::Map, "T");
        assert!(m.height > m.width);
    }

    fn chart(kind: ChartKind, points: &[(&str, f64)]) -> Chart {
        let mut c = Chart::new(kind, "Dân số");
        c.points = points.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        c
    }

    #[test]
    fn every_kind_is_accessible_and_well_formed() {
        let points = [("Hà Nội", 8.4e6), ("Huế", 1.1e6), ("79", 9.3e6)];
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map] {
            for points in [&points[..], &[]] {
                let mut c = chart(kind, points);
                c.id_prefix = "p1".into();
                c.description = "Tóm tắt".into();
                let svg = render(&c);
                check_well_formed(&svg).unwrap_or_else(|e| panic!("{kind:?}: {e}\n{svg}"));
                assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
                assert!(svg.contains("role=\"img\""));
                assert!(svg.contains("aria-labelledby=\"p1-title p1-desc\""));
                assert!(svg.contains("viewBox=\"0 0 "));
                // Title and desc come first, in that order.
                let after_root = &svg[svg.find('>').unwrap() + 1..];
                assert!(
                    after_root.starts_with("<title id=\"p1-title\">Dân số</title><desc id=\"p1-desc\">Tóm tắt</desc>")
                );
                assert!(svg.contains("font-family=\"system-ui, 'Segoe UI', Roboto, 'Noto Sans', sans-serif\""));
                if points.is_empty() {
                    assert!(svg.contains("Không có dữ liệu để vẽ"), "{kind:?}");
                }
            }
        }
        let mut c = chart(ChartKind::Line, &[]);
        c.locale = Locale::En;
        assert!(render(&c).contains("No data to chart"));
    }

    #[test]
    fn output_is_deterministic() {
        let points = [("a", 1.25), ("b", -3.0), ("c", f64::NAN), ("Hà Nội", 7.0), ("HCM", 2.0)];
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map] {
            let c = chart(kind, &points);
            assert_eq!(render(&c), render(&c.clone()));
        }
    }

    #[test]
    fn id_prefix_is_made_safe() {
        let mut c = chart(ChartKind::Map, &[("Huế", 1.0)]);
        c.id_prefix = "9 bad\"id<".into();
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("id=\"c9_bad_id_-title\""), "{svg}");
        assert!(svg.contains("url(#c9_bad_id_-hatch)"));
    }

    #[test]
    fn hostile_labels_are_escaped() {
        let label = "<script>&\"'";
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map] {
            let mut c = chart(kind, &[(label, 1.0), ("b\u{0}c\u{1b}", 2.0)]);
            c.title = label.into();
            c.x_label = label.into();
            c.y_label = label.into();
            c.description = label.into();
            let svg = render(&c);
            check_well_formed(&svg).unwrap_or_else(|e| panic!("{kind:?}: {e}\n{svg}"));
            assert!(!svg.contains("<script"), "{kind:?}");
            assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"), "{kind:?}");
            assert!(!svg.contains('\u{0}') && !svg.contains('\u{1b}'));
        }
    }

    #[test]
    fn non_finite_values_are_skipped_with_a_note() {
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie] {
            let svg = render(&chart(kind, &[("a", 1.0), ("b", f64::NAN), ("c", f64::INFINITY)]));
            check_well_formed(&svg).unwrap();
            assert!(svg.contains("2 giá trị không phải số"), "{kind:?}: {svg}");
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{kind:?}");
        }
        let svg = render(&chart(ChartKind::Bar, &[("b", f64::NAN)]));
        assert!(svg.contains("Không có dữ liệu để vẽ"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn render_never_panics_and_stays_well_formed(
            kind in prop_oneof![Just(ChartKind::Bar), Just(ChartKind::Line), Just(ChartKind::Pie), Just(ChartKind::Map)],
            points in proptest::collection::vec(
                ("\\PC{0,40}", prop_oneof![
                    any::<f64>(),
                    Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY),
                    Just(f64::MAX), Just(f64::MIN), Just(f64::MIN_POSITIVE), Just(0.0), Just(-0.0),
                    -1e12..1e12f64,
                ]),
                0..40,
            ),
            title in "\\PC{0,80}",
            width in 0u32..3000,
            height in 0u32..3000,
            en in any::<bool>(),
        ) {
            let mut c = Chart::new(kind, title);
            c.points = points;
            c.width = width;
            c.height = height;
            c.locale = if en { Locale::En } else { Locale::Vi };
            let svg = render(&c);
            prop_assert!(check_well_formed(&svg).is_ok(), "{:?}", check_well_formed(&svg));
            prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
    }
}
