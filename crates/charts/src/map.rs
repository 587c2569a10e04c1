//! A tile-grid map of the 34 provinces in force since 1 July 2025: one
//! square per province, placed north to south so the grid keeps Viet Nam's
//! S shape, coloured by value on five quantile classes.

use std::collections::BTreeMap;

use kho_admin_units::{Province, find_province, provinces};

use crate::numfmt::format_number;
use crate::svg::{
    Anchor, MUTED, N, NORMAL, SMALL, Svg, TEXT, auto_description, empty, escape, size, skipped_note, text_width,
    truncate, wrap,
};
use crate::{Chart, Locale};

/// Which labels of a map's points name a province.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapMatch {
    /// `(province code, value)` in the order of the points, one per province.
    pub matched: Vec<(u32, f64)>,
    /// The labels that name no province, and the labels that name a province
    /// an earlier point already named, in the order of the points.
    pub unmatched: Vec<String>,
}

/// Matches each point's label to a province with
/// [`kho_admin_units::find_province`]. When several labels name the same
/// province ("HCM" and "79"), the first is kept and the others are reported
/// in [`MapMatch::unmatched`]: values are not summed, because whether they
/// add up (a count) or not (an average) is the caller's to know. Values are
/// passed through as they are, finite or not.
pub fn match_provinces(points: &[(String, f64)]) -> MapMatch {
    let mut m = MapMatch::default();
    for (label, value) in points {
        match find_province(label) {
            Some(p) if !m.matched.iter().any(|(code, _)| *code == p.code) => m.matched.push((p.code, *value)),
            _ => m.unmatched.push(label.clone()),
        }
    }
    m
}

/// One tile: province code, column, row, and the abbreviation drawn in it.
struct Tile {
    code: u32,
    col: u8,
    row: u8,
    abbr: &'static str,
}

const fn tile(code: u32, col: u8, row: u8, abbr: &'static str) -> Tile {
    Tile { code, col, row, abbr }
}

/// Grid columns and rows.
const COLS: u8 = 6;
const ROWS: u8 = 17;

/// The 34 tiles, north to south. Abbreviations follow the usual initials of
/// each syllable; where two provinces share initials, the second syllable
/// is spelled out a little further (LCh/LCa, QN/QNg, TNg/TNi, ĐN/ĐNai).
const TILES: [Tile; 34] = [
    tile(12, 1, 0, "LCh"),
    tile(15, 2, 0, "LCa"),
    tile(8, 3, 0, "TQ"),
    tile(4, 4, 0, "CB"),
    tile(11, 0, 1, "ĐB"),
    tile(14, 1, 1, "SL"),
    tile(25, 2, 1, "PT"),
    tile(19, 3, 1, "TNg"),
    tile(20, 4, 1, "LS"),
    tile(1, 2, 2, "HN"),
    tile(24, 3, 2, "BN"),
    tile(22, 4, 2, "QN"),
    tile(37, 2, 3, "NB"),
    tile(33, 3, 3, "HY"),
    tile(31, 4, 3, "HP"),
    tile(38, 2, 4, "TH"),
    tile(40, 2, 5, "NA"),
    tile(42, 3, 6, "HT"),
    tile(44, 3, 7, "QT"),
    tile(46, 4, 8, "Huế"),
    tile(48, 4, 9, "ĐN"),
    tile(51, 5, 10, "QNg"),
    tile(52, 5, 11, "GL"),
    tile(66, 5, 12, "ĐL"),
    tile(68, 4, 13, "LĐ"),
    tile(56, 5, 13, "KH"),
    tile(80, 2, 14, "TNi"),
    tile(79, 3, 14, "HCM"),
    tile(75, 4, 14, "ĐNai"),
    tile(91, 1, 15, "AG"),
    tile(82, 2, 15, "ĐT"),
    tile(86, 3, 15, "VL"),
    tile(96, 1, 16, "CM"),
    tile(92, 2, 16, "CT"),
];

/// A sequential blue ramp, light to dark (ColorBrewer "Blues", the middle
/// and dark steps deepened so that each class takes dark or white text at
/// 4.5:1), with the text colour for each class.
const RAMP: [(&str, &str); 5] =
    [("#eff3ff", TEXT), ("#c6dbef", TEXT), ("#6baed6", TEXT), ("#2171b5", "#ffffff"), ("#08306b", "#ffffff")];
/// Tile outlines: 4.5:1 on white, so even the lightest class has a visible
/// edge.
const OUTLINE: &str = "#767676";
/// The "no data" fill under the hatching, and the hatching.
const NO_DATA_FILL: &str = "#f2f2f2";
const NO_DATA_HATCH: &str = "#c4c4c4";

const TOP: f64 = 48.0;
const GAP: f64 = 3.0;
/// The least room the legend needs at the right of the grid.
const LEGEND_MIN: f64 = 170.0;

/// A class: its value bounds and its colour.
struct Class {
    lo: f64,
    hi: f64,
    fill: &'static str,
    text: &'static str,
}

/// Up to five quantile classes of `values`: each class holds about the same
/// number of provinces, which suits skewed data such as population (a few
/// large cities would push every other province into the lowest of five
/// equal intervals). Equal values always share a class, so there are fewer
/// classes when there are fewer distinct values.
fn classes(values: &[f64]) -> Vec<Class> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let mut distinct = sorted.clone();
    distinct.dedup();
    let k = distinct.len().min(RAMP.len());
    // The upper bound of class i is the value at the (i+1)/k quantile.
    let mut uppers: Vec<f64> = (1..=k).map(|i| sorted[(i * n / k).max(1) - 1]).collect();
    uppers.dedup();
    let count = uppers.len();
    let mut out = Vec::with_capacity(count);
    let mut lower_bound = f64::NEG_INFINITY;
    for (i, hi) in uppers.iter().enumerate() {
        let lo = sorted.iter().copied().find(|v| *v > lower_bound).unwrap_or(*hi);
        // Spread fewer classes over the whole ramp, light to dark.
        let shade = if count == 1 { 2 } else { (i * (RAMP.len() - 1) + (count - 1) / 2) / (count - 1) };
        let (fill, text) = RAMP[shade];
        out.push(Class { lo, hi: *hi, fill, text });
        lower_bound = *hi;
    }
    out
}

fn class_of(classes: &[Class], v: f64) -> Option<&Class> {
    classes.iter().find(|c| v <= c.hi).or(classes.last())
}

pub(crate) fn render(chart: &Chart) -> String {
    let locale = chart.locale;
    if chart.points.is_empty() {
        return empty(chart, &[]);
    }
    let m = match_provinces(&chart.points);
    let skipped = m.matched.iter().filter(|(_, v)| !v.is_finite()).count();
    let values: BTreeMap<u32, f64> = m.matched.iter().filter(|(_, v)| v.is_finite()).copied().collect();
    let classes = classes(&values.values().copied().collect::<Vec<_>>());

    let (w, h) = size(chart);
    let cell = ((h - TOP - 12.0) / f64::from(ROWS)).min((w - 32.0 - LEGEND_MIN) / f64::from(COLS)).floor().max(14.0);
    let h = h.max(TOP + cell * f64::from(ROWS) + 12.0);
    let side = cell - GAP;
    let x0 = 16.0;
    let font = (side * 0.3).clamp(SMALL, 13.0);

    let mut svg = Svg::begin(chart, w, h, &auto_description(chart, values.len()));
    let id = svg.id.clone();
    svg.raw(format_args!(
        "<defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"{NO_DATA_FILL}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{NO_DATA_HATCH}\" stroke-width=\"2\"/>\
         </pattern></defs>"
    ));
    let no_data = match locale {
        Locale::Vi => "không có dữ liệu",
        Locale::En => "no data",
    };
    let hatch = format!("url(#{id}-hatch)");
    svg.raw(format_args!("<g class=\"tiles\">"));
    for t in &TILES {
        let Some(p) = province(t.code) else { continue };
        let (x, y) = (x0 + cell * f64::from(t.col), TOP + cell * f64::from(t.row));
        let value = values.get(&t.code).copied();
        let class = value.and_then(|v| class_of(&classes, v));
        let (fill, text_colour) = match class {
            Some(c) => (c.fill, c.text),
            None => (hatch.as_str(), TEXT),
        };
        let shown = value.map(|v| format_number(v, locale)).unwrap_or_else(|| no_data.to_string());
        svg.raw(format_args!(
            "<g class=\"tile\"><title>{}: {}</title><rect class=\"tile\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{fill}\" stroke=\"{OUTLINE}\" stroke-width=\"0.75\"/>",
            escape(&p.name),
            escape(&shown),
            N(x),
            N(y),
            N(side),
            N(side)
        ));
        svg.text(
            x + side / 2.0,
            y + side / 2.0 + font * 0.36,
            Anchor::Middle,
            font,
            text_colour,
            " font-weight=\"600\" aria-hidden=\"true\"",
            t.abbr,
        );
        svg.raw(format_args!("</g>"));
    }
    svg.raw(format_args!("</g>"));

    let mut notes = Vec::new();
    if !m.unmatched.is_empty() {
        let n = m.unmatched.len();
        let listed: Vec<String> = m.unmatched.iter().take(3).map(|l| format!("“{}”", truncate(l, 20))).collect();
        let more = if n > 3 { ", …" } else { "" };
        notes.push(match locale {
            Locale::Vi => format!("{n} nhãn không khớp tỉnh, thành phố nào (hoặc trùng): {}{more}", listed.join(", ")),
            Locale::En => {
                let s = if n == 1 { "" } else { "s" };
                format!("{n} label{s} matched no province (or repeated one): {}{more}", listed.join(", "))
            }
        });
    }
    notes.extend(skipped_note(skipped, locale));
    let legend_x = x0 + cell * f64::from(COLS) + 16.0;
    let y = legend(&mut svg, chart, &classes, &hatch, &notes, legend_x, w - 16.0);
    key(&mut svg, legend_x, w - 16.0, y + 8.0, h - 8.0);
    svg.finish()
}

/// The key to the abbreviations, in two columns north to south, between
/// `top` and `bottom`, if it fits: tooltips need a mouse, and "LCh" is not
/// obvious to everyone. Names are never cut; without room there is no key.
fn key(svg: &mut Svg, x0: f64, x1: f64, top: f64, bottom: f64) {
    const LINE: f64 = 15.0;
    let rows = TILES.len().div_ceil(2);
    // Bold abbreviations run about a tenth wider than the estimate.
    let abbr_w = TILES.iter().map(|t| text_width(t.abbr, SMALL) * 1.1).fold(0.0, f64::max) + 8.0;
    let names: Vec<&str> = TILES.iter().map(|t| province(t.code).map_or("", |p| p.short_name.as_str())).collect();
    let widest = |names: &[&str]| names.iter().map(|n| text_width(n, SMALL)).fold(0.0, f64::max);
    let first = abbr_w + widest(&names[..rows]) + 14.0;
    let second = abbr_w + widest(&names[rows..]);
    if x0 + first + second > x1 || top + LINE * (rows as f64 + 1.0) > bottom {
        return;
    }
    svg.raw(format_args!("<g class=\"key\">"));
    for (i, (t, name)) in TILES.iter().zip(&names).enumerate() {
        let x = if i < rows { x0 } else { x0 + first };
        let y = top + LINE * ((i % rows) as f64 + 1.0);
        svg.text(x, y, Anchor::Start, SMALL, TEXT, " font-weight=\"600\"", t.abbr);
        svg.text(x + abbr_w, y, Anchor::Start, SMALL, TEXT, "", name);
    }
    svg.raw(format_args!("</g>"));
}

fn province(code: u32) -> Option<&'static Province> {
    provinces().iter().find(|p| p.code == code)
}

/// The legend at the right of the grid: what the values are, the classes,
/// "no data", how classes were made, then the notes. Returns the y below it.
#[allow(clippy::too_many_arguments)]
fn legend(svg: &mut Svg, chart: &Chart, classes: &[Class], hatch: &str, notes: &[String], x0: f64, x1: f64) -> f64 {
    let locale = chart.locale;
    let chars = ((x1 - x0) / (SMALL * 0.58)).max(8.0) as usize;
    let mut y = TOP + 12.0;
    for line in wrap(&chart.y_label, chars).iter().take(3) {
        svg.text(x0, y, Anchor::Start, NORMAL, TEXT, " font-weight=\"600\"", line);
        y += 16.0;
    }
    y += 6.0;
    let swatch = |svg: &mut Svg, y: f64, fill: &str, label: &str| {
        svg.raw(format_args!(
            "<g class=\"legend-item\"><rect class=\"swatch\" x=\"{}\" y=\"{}\" width=\"16\" height=\"16\" rx=\"2\" fill=\"{fill}\" stroke=\"{OUTLINE}\" stroke-width=\"0.75\"/>",
            N(x0),
            N(y - 12.0)
        ));
        svg.text(x0 + 24.0, y + 1.0, Anchor::Start, SMALL, TEXT, "", label);
        svg.raw(format_args!("</g>"));
    };
    svg.raw(format_args!("<g class=\"legend\">"));
    // Darkest first: the legend reads like the ramp, high values on top.
    for c in classes.iter().rev() {
        let label = if c.lo == c.hi {
            format_number(c.lo, locale)
        } else {
            format!("{} – {}", format_number(c.lo, locale), format_number(c.hi, locale))
        };
        let label = if text_width(&label, SMALL) > x1 - x0 - 24.0 {
            format!("{} – {}", crate::numfmt::compact_value(c.lo, locale), crate::numfmt::compact_value(c.hi, locale))
        } else {
            label
        };
        swatch(svg, y, c.fill, &label);
        y += 22.0;
    }
    let no_data_label = match locale {
        Locale::Vi => "Không có dữ liệu",
        Locale::En => "No data",
    };
    swatch(svg, y, hatch, no_data_label);
    svg.raw(format_args!("</g>"));
    y += 26.0;
    let method = match locale {
        Locale::Vi => "Mỗi màu gồm số tỉnh, thành phố gần bằng nhau (phân vị).",
        Locale::En => "Each colour holds about the same number of provinces (quantiles).",
    };
    for line in wrap(method, chars) {
        svg.text(x0, y, Anchor::Start, SMALL, MUTED, "", &line);
        y += 15.0;
    }
    y += 8.0;
    for note in notes {
        for line in wrap(note, chars) {
            svg.text(x0, y, Anchor::Start, SMALL, TEXT, " class=\"note\"", &line);
            y += 15.0;
        }
        y += 4.0;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{check_well_formed, contrast, count};
    use crate::{ChartKind, render};
    use std::collections::BTreeSet;

    fn points(labels: &[(&str, f64)]) -> Vec<(String, f64)> {
        labels.iter().map(|(l, v)| (l.to_string(), *v)).collect()
    }

    #[test]
    fn layout_has_every_province_once_and_no_shared_cell() {
        let codes: BTreeSet<u32> = TILES.iter().map(|t| t.code).collect();
        let expected: BTreeSet<u32> = provinces().iter().map(|p| p.code).collect();
        assert_eq!(codes.len(), 34);
        assert_eq!(codes, expected);
        let cells: BTreeSet<(u8, u8)> = TILES.iter().map(|t| (t.col, t.row)).collect();
        assert_eq!(cells.len(), 34);
        assert!(TILES.iter().all(|t| t.col < COLS && t.row < ROWS));
        let abbrs: BTreeSet<&str> = TILES.iter().map(|t| t.abbr).collect();
        assert_eq!(abbrs.len(), 34);
        assert!(TILES.iter().all(|t| (2..=4).contains(&t.abbr.chars().count())));
        // Every row has a tile: the country has no gap.
        let rows: BTreeSet<u8> = TILES.iter().map(|t| t.row).collect();
        assert_eq!(rows.len(), usize::from(ROWS));
    }

    #[test]
    fn ramp_text_has_contrast() {
        for (fill, text) in RAMP {
            assert!(contrast(fill, text) >= 4.5, "{fill}/{text}: {}", contrast(fill, text));
        }
        assert!(contrast(NO_DATA_HATCH, TEXT) >= 4.5 && contrast(NO_DATA_FILL, TEXT) >= 4.5);
        assert!(contrast(OUTLINE, "#ffffff") >= 4.5);
    }

    #[test]
    fn labels_match_provinces() {
        let m = match_provinces(&points(&[
            ("TP. Hồ Chí Minh", 1.0),
            ("Ha Noi", 2.0),
            ("Atlantis", 3.0),
            ("79", 4.0),
            ("Huế", f64::NAN),
        ]));
        assert_eq!(m.matched[0], (79, 1.0));
        assert_eq!(m.matched[1], (1, 2.0));
        assert_eq!(m.matched.len(), 3);
        assert_eq!(m.matched[2].0, 46);
        assert!(m.matched[2].1.is_nan());
        assert_eq!(m.unmatched, vec!["Atlantis".to_string(), "79".to_string()]);
    }

    #[test]
    fn map_draws_all_tiles_and_counts_unmatched() {
        let mut c = Chart::new(ChartKind::Map, "Dân số");
        c.y_label = "SUM(dân số)".into();
        c.points = points(&[("TP. Hồ Chí Minh", 14e6), ("Ha Noi", 8.7e6), ("Atlantis", 1.0), ("Huế", 1.2e6)]);
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<rect class=\"tile\""), 34);
        assert_eq!(count(&svg, "<g class=\"tile\"><title>"), 34);
        assert!(svg.contains("<title>Thành phố Hồ Chí Minh: 14.000.000</title>"));
        assert!(svg.contains("<title>Tỉnh Cao Bằng: không có dữ liệu</title>"));
        assert_eq!(count(&svg, "fill=\"url(#chart-hatch)\""), 31 + 1, "31 tiles and the legend swatch");
        assert!(svg.contains("1 nhãn không khớp"));
        assert!(svg.contains("“Atlantis”"));
        assert!(svg.contains(">Không có dữ liệu</text>"));
        assert!(svg.contains(">HCM</text>"));
        // The key to the abbreviations fits at the default size.
        assert!(svg.contains("<g class=\"key\">"));
        assert!(svg.contains(">LCh</text><text") && svg.contains(">Lai Châu</text>"));
        // Not in a small map: names are never cut to make it fit.
        c.width = 300;
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert!(!svg.contains("<g class=\"key\">"));
        assert_eq!(count(&svg, "<rect class=\"tile\""), 34);
    }

    #[test]
    fn quantile_classes() {
        let values: Vec<f64> = (1..=34).map(f64::from).collect();
        let cs = classes(&values);
        assert_eq!(cs.len(), 5);
        assert_eq!((cs[0].lo, cs[0].hi), (1.0, 6.0));
        assert_eq!((cs[4].lo, cs[4].hi), (28.0, 34.0));
        assert!(cs.windows(2).all(|w| w[0].hi < w[1].lo));
        let fills: Vec<&str> = cs.iter().map(|c| c.fill).collect();
        assert_eq!(fills, RAMP.iter().map(|r| r.0).collect::<Vec<_>>());
        // Two distinct values: two classes, the lightest and the darkest.
        let cs = classes(&[5.0, 5.0, 5.0, 9.0]);
        assert_eq!(cs.len(), 2);
        assert_eq!((cs[0].lo, cs[0].hi, cs[1].lo, cs[1].hi), (5.0, 5.0, 9.0, 9.0));
        assert_eq!((cs[0].fill, cs[1].fill), (RAMP[0].0, RAMP[4].0));
        let cs = classes(&[7.0]);
        assert_eq!(cs.len(), 1);
        assert!(classes(&[]).is_empty());
        // Skewed: one huge value does not swallow the others.
        let mut skewed: Vec<f64> = (1..=33).map(f64::from).collect();
        skewed.push(1e9);
        let cs = classes(&skewed);
        assert_eq!(cs.len(), 5);
        assert!(class_of(&cs, 1.0).unwrap().hi < 10.0);
    }

    #[test]
    fn english_map() {
        let mut c = Chart::new(ChartKind::Map, "Population");
        c.locale = Locale::En;
        c.points = points(&[("Ho Chi Minh City", 1.0), ("Nowhere", 2.0), ("Hanoi", f64::INFINITY)]);
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("<title>Tỉnh Cao Bằng: no data</title>"));
        assert!(svg.contains("1 label matched no province"));
        assert!(svg.contains("Skipped 1 non-numeric value."));
        assert!(svg.contains("<title>Thành phố Hà Nội: no data</title>"));
    }
}
