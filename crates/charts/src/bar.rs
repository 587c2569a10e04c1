//! Bar charts: vertical bars for a few short labels, horizontal bars (labels
//! at the left, where they can be read without rotating) otherwise.

use crate::numfmt::{compact_value, format_number, tick_labels};
use crate::scale::{Linear, Ticks, nice_ticks};
use crate::svg::{
    AXIS, Anchor, BLUE, GRID, LABEL_CHARS, MUTED, N, NEGATIVE, NORMAL, NOTE_LINE, SMALL, Svg, TEXT, auto_description,
    empty, escape, note_lines, size, skipped_note, text_width, tooltip, truncate,
};
use crate::{Chart, finite_points};

/// Vertical bars only up to this many categories: beyond it the labels no
/// longer fit under the bars.
const MAX_VERTICAL: usize = 12;
/// The longest label (in characters) drawn under a vertical bar.
const SHORT_LABEL: usize = 16;
/// Top of the plot: room for the title and the axis title under it.
const TOP: f64 = 64.0;
/// The least height of a row of horizontal bars: an 11 px label and air.
const ROW_MIN: f64 = 22.0;
/// The least height of a plot.
const PLOT_MIN: f64 = 80.0;

struct Bars<'a> {
    chart: &'a Chart,
    points: Vec<(&'a str, f64)>,
    /// The labels as drawn (cut to [`LABEL_CHARS`]).
    labels: Vec<String>,
    /// The value range, always including zero: bars start at zero.
    min: f64,
    max: f64,
    notes: Vec<String>,
}

pub(crate) fn render(chart: &Chart) -> String {
    let (points, skipped) = finite_points(&chart.points);
    let notes: Vec<String> = skipped_note(skipped, chart.locale).into_iter().collect();
    if points.is_empty() {
        return empty(chart, &notes);
    }
    let min = points.iter().fold(0.0f64, |m, p| m.min(p.1));
    let max = points.iter().fold(0.0f64, |m, p| m.max(p.1));
    let labels = points.iter().map(|(l, _)| truncate(l, LABEL_CHARS)).collect();
    let bars = Bars { chart, points, labels, min, max, notes };

    let (w, _) = size(chart);
    let ticks = nice_ticks(min, max, 5);
    let tick_text = tick_labels(&ticks.values, ticks.step, chart.locale);
    let left = tick_margin(&tick_text, w);
    let slot = (w - left - 16.0) / bars.points.len() as f64;
    // Long names read better horizontally, in reading direction, even
    // when they would fit under a wide bar.
    let fits = bars.labels.iter().all(|l| l.chars().count() <= SHORT_LABEL && text_width(l, SMALL) <= slot - 6.0);
    if bars.points.len() <= MAX_VERTICAL && fits {
        vertical(&bars, &ticks, &tick_text, left)
    } else {
        horizontal(&bars)
    }
}

/// The left margin that fits the value tick labels.
fn tick_margin(tick_text: &[String], width: f64) -> f64 {
    let widest = tick_text.iter().map(|t| text_width(t, SMALL)).fold(0.0, f64::max);
    (widest + 14.0).clamp(36.0, width / 3.0)
}

/// The value labels drawn at the bar ends: in full if every one fits in
/// `room` px, else compact if every one fits, else none (a mix would be
/// harder to compare than either; the tooltips keep the values).
fn value_labels(bars: &Bars<'_>, room: f64) -> Option<Vec<String>> {
    let locale = bars.chart.locale;
    [format_number, compact_value].into_iter().find_map(|f| {
        let texts: Vec<String> = bars.points.iter().map(|(_, v)| f(*v, locale)).collect();
        texts.iter().all(|t| text_width(t, SMALL) <= room).then_some(texts)
    })
}

fn vertical(bars: &Bars<'_>, ticks: &Ticks, tick_text: &[String], left: f64) -> String {
    let chart = bars.chart;
    let (w, h) = size(chart);
    let n = bars.points.len();
    let bottom = 42.0 + note_lines(&bars.notes, w) as f64 * NOTE_LINE;
    let h = h.max(TOP + PLOT_MIN + bottom);
    let (x0, x1, y0, y1) = (left, w - 16.0, TOP, h - bottom);
    // Room inside the plot for the value labels beyond the longest bars.
    let pad_top = 18.0;
    let pad_bottom = if bars.min < 0.0 { 18.0 } else { 0.0 };
    let y = Linear::new(ticks.lo, ticks.hi, y1 - pad_bottom, y0 + pad_top);

    let mut svg = Svg::begin(chart, w, h, &auto_description(chart, n));
    axis_titles(&mut svg, &chart.y_label, &chart.x_label, w, (x0 + x1) / 2.0, y1 + 36.0);
    for (v, t) in ticks.values.iter().zip(tick_text) {
        let yy = y.map(*v);
        svg.raw(format_args!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/>",
            N(x0),
            N(x1),
            N(yy),
            N(yy)
        ));
        svg.text(x0 - 6.0, yy + 4.0, Anchor::End, SMALL, MUTED, "", t);
    }

    let slot = (x1 - x0) / n as f64;
    let bar_w = (slot * 0.7).clamp(1.0, 72.0);
    let values = value_labels(bars, slot - 2.0);
    svg.raw(format_args!("<g class=\"bars vertical\">"));
    for (i, (label, v)) in bars.points.iter().enumerate() {
        let cx = x0 + slot * (i as f64 + 0.5);
        let (top, bottom) = (y.map(v.max(0.0)), y.map(v.min(0.0)));
        bar_rect(&mut svg, cx - bar_w / 2.0, top, bar_w, bottom - top, *v, label, chart);
        if let Some(values) = &values {
            // Past the end of the bar: above it, or below it when negative.
            let vy = if *v < 0.0 { bottom + 13.0 } else { top - 5.0 };
            svg.text(cx, vy, Anchor::Middle, SMALL, TEXT, "", &values[i]);
        }
        svg.text(cx, y1 + 16.0, Anchor::Middle, SMALL, TEXT, "", &bars.labels[i]);
    }
    svg.raw(format_args!("</g>"));
    baseline(&mut svg, x0, y.map(0.0), x1, y.map(0.0));
    svg.notes(&bars.notes, w, h - 4.0);
    svg.finish()
}

fn horizontal(bars: &Bars<'_>) -> String {
    let chart = bars.chart;
    let (w, h) = size(chart);
    let n = bars.points.len();
    let widest_label = bars.labels.iter().map(|l| text_width(l, SMALL)).fold(0.0, f64::max);
    let x0 = (16.0 + widest_label + 10.0).min(w * 0.45);
    let x1 = w - 16.0;
    // In a narrow chart the labels get less than their 24 characters.
    let labels: Vec<String> = bars.labels.iter().map(|l| fit(l, x0 - 26.0)).collect();
    // The value labels go past the bar ends, so the value scale leaves room
    // for them on the right (and on the left when bars go below zero).
    let room = (x1 - x0) / 3.0;
    let values = value_labels(bars, room);
    let value_w =
        values.as_ref().map(|vs| vs.iter().map(|t| text_width(t, SMALL)).fold(0.0, f64::max) + 8.0).unwrap_or(4.0);
    let (from, to) = (x0 + if bars.min < 0.0 { value_w } else { 0.0 }, x1 - value_w);
    let (ticks, tick_text) = spaced_ticks(bars, to - from);

    let bottom = 42.0 + note_lines(&bars.notes, w) as f64 * NOTE_LINE;
    let plot_h = (h - TOP - bottom).max(n as f64 * ROW_MIN).max(PLOT_MIN);
    let h = TOP + plot_h + bottom;
    let (y0, y1) = (TOP, TOP + plot_h);
    let x = Linear::new(ticks.lo, ticks.hi, from, to);

    let mut svg = Svg::begin(chart, w, h, &auto_description(chart, n));
    axis_titles(&mut svg, &chart.x_label, &chart.y_label, w, (from + to) / 2.0, y1 + 36.0);
    for (v, t) in ticks.values.iter().zip(&tick_text) {
        let xx = x.map(*v);
        svg.raw(format_args!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/>",
            N(xx),
            N(xx),
            N(y0),
            N(y1)
        ));
        svg.text(xx, y1 + 16.0, Anchor::Middle, SMALL, MUTED, "", t);
    }

    let row = plot_h / n as f64;
    let bar_h = (row * 0.68).clamp(1.0, 28.0);
    svg.raw(format_args!("<g class=\"bars horizontal\">"));
    for (i, (label, v)) in bars.points.iter().enumerate() {
        let cy = y0 + row * (i as f64 + 0.5);
        let (start, end) = (x.map(v.min(0.0)), x.map(v.max(0.0)));
        bar_rect(&mut svg, start, cy - bar_h / 2.0, end - start, bar_h, *v, label, chart);
        if let Some(values) = &values {
            if *v < 0.0 {
                svg.text(start - 4.0, cy + 4.0, Anchor::End, SMALL, TEXT, "", &values[i]);
            } else {
                svg.text(end + 4.0, cy + 4.0, Anchor::Start, SMALL, TEXT, "", &values[i]);
            }
        }
        svg.text(x0 - 8.0, cy + 4.0, Anchor::End, SMALL, TEXT, "", &labels[i]);
    }
    svg.raw(format_args!("</g>"));
    baseline(&mut svg, x.map(0.0), y0, x.map(0.0), y1);
    svg.notes(&bars.notes, w, h - 4.0);
    svg.finish()
}

/// `label` cut further, if needed, to fit in `room` px.
fn fit(label: &str, room: f64) -> String {
    let mut chars = label.chars().count();
    let mut out = label.to_string();
    while chars > 2 && text_width(&out, SMALL) > room {
        chars -= 1;
        out = truncate(label, chars);
    }
    out
}

/// Ticks for a horizontal value axis `length` px long: as many as fit
/// without their labels touching, at most 6.
fn spaced_ticks(bars: &Bars<'_>, length: f64) -> (Ticks, Vec<String>) {
    let mut target = ((length / 90.0) as usize).clamp(2, 6);
    loop {
        let ticks = nice_ticks(bars.min, bars.max, target);
        let text = tick_labels(&ticks.values, ticks.step, bars.chart.locale);
        let widest = text.iter().map(|t| text_width(t, SMALL)).fold(0.0, f64::max);
        let spacing = length / (ticks.values.len().max(2) - 1) as f64;
        if widest + 10.0 <= spacing || target == 2 {
            return (ticks, text);
        }
        target -= 1;
    }
}

/// The two axis titles: `top_left` above the plot, at the left where
/// reading starts, and `under` centred under the bottom axis at (`cx`, `y`).
fn axis_titles(svg: &mut Svg, top_left: &str, under: &str, width: f64, cx: f64, y: f64) {
    let chars = ((width - 32.0) / (NORMAL * 0.6)) as usize;
    svg.text(16.0, 48.0, Anchor::Start, NORMAL, MUTED, " font-weight=\"600\"", &truncate(top_left, chars));
    svg.text(cx, y, Anchor::Middle, NORMAL, MUTED, " font-weight=\"600\"", &truncate(under, chars));
}

fn baseline(svg: &mut Svg, x1: f64, y1: f64, x2: f64, y2: f64) {
    svg.raw(format_args!(
        "<line class=\"baseline\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{AXIS}\" stroke-width=\"1.5\"/>",
        N(x1),
        N(x2),
        N(y1),
        N(y2)
    ));
}

#[allow(clippy::too_many_arguments)]
fn bar_rect(svg: &mut Svg, x: f64, y: f64, width: f64, height: f64, v: f64, label: &str, chart: &Chart) {
    let fill = if v < 0.0 { NEGATIVE } else { BLUE };
    svg.raw(format_args!(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{}</title></rect>",
        N(x),
        N(y),
        N(width.max(0.0)),
        N(height.max(0.0)),
        tooltip_with(label, v, chart)
    ));
}

/// The tooltip of a bar: label, value, and what the value is.
fn tooltip_with(label: &str, v: f64, chart: &Chart) -> String {
    let base = tooltip(label, v, chart.locale);
    if chart.y_label.trim().is_empty() { base } else { format!("{base} ({})", escape(chart.y_label.trim())) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{attr, check_well_formed, count, tags};
    use crate::{ChartKind, Locale, render};

    fn chart(points: &[(&str, f64)]) -> Chart {
        let mut c = Chart::new(ChartKind::Bar, "Dân số theo tỉnh");
        c.x_label = "tỉnh".into();
        c.y_label = "SUM(dân số)".into();
        c.points = points.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        c
    }

    #[test]
    fn few_short_labels_give_vertical_bars_with_values() {
        let svg = render(&chart(&[("Hà Nội", 8_435_700.0), ("Huế", 1_236_393.0), ("Cà Mau", 2_140_620.0)]));
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("class=\"bars vertical\""));
        assert_eq!(count(&svg, "<rect class=\"bar\""), 3);
        assert!(svg.contains("<title>Hà Nội: 8.435.700 (SUM(dân số))</title>"), "{svg}");
        // Full values do not fit under 720 px / 3 bars? They do: 240 px each.
        assert!(svg.contains(">8.435.700</text>"));
        assert!(svg.contains(">10 triệu</text>"), "nice compact ticks: {svg}");
        assert!(svg.contains(">tỉnh</text>") && svg.contains(">SUM(dân số)</text>"));
    }

    #[test]
    fn many_or_long_labels_give_horizontal_bars() {
        let many: Vec<(String, f64)> = (0..30).map(|i| (format!("Xã số {i}"), f64::from(i))).collect();
        let mut c = chart(&[]);
        c.points = many;
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("class=\"bars horizontal\""));
        assert_eq!(count(&svg, "<rect class=\"bar\""), 30);
        // 30 rows of at least 22 px do not fit in 400 px: the chart grows.
        let root = tags(&svg, "<svg")[0];
        assert!(attr(root, "height").unwrap() >= 30.0 * ROW_MIN);

        let long = "Thành phố Hồ Chí Minh (gồm Bình Dương và Bà Rịa - Vũng Tàu)";
        let svg = render(&chart(&[(long, 1.0), ("Huế", 2.0)]));
        assert!(svg.contains("class=\"bars horizontal\""));
        assert!(svg.contains(">Thành phố Hồ Chí Minh (…</text>"), "{svg}");
        assert!(svg.contains(&format!("<title>{}: 1 (SUM(dân số))</title>", escape(long))));
    }

    #[test]
    fn negative_values_hang_below_the_baseline() {
        let svg = render(&chart(&[("a", 5.0), ("b", -3.0), ("c", 0.0)]));
        check_well_formed(&svg).unwrap();
        let base = tags(&svg, "<line class=\"baseline\"")[0];
        let zero = attr(base, "y1").unwrap();
        let bars = tags(&svg, "<rect class=\"bar\"");
        let (a, b) = (bars[0], bars[1]);
        assert!((attr(a, "y").unwrap() + attr(a, "height").unwrap() - zero).abs() < 0.11, "{a} {zero}");
        assert!((attr(b, "y").unwrap() - zero).abs() < 0.11, "{b} {zero}");
        assert!(attr(a, "height").unwrap() > attr(b, "height").unwrap());
        assert!(b.contains(NEGATIVE) && a.contains(BLUE));
        assert!(svg.contains(">-3</text>"));
        assert!(svg.contains(">-4</text>") || svg.contains(">-5</text>"), "ticks go below zero: {svg}");
    }

    #[test]
    fn horizontal_negative_bars_go_left() {
        let points: Vec<(String, f64)> = (0..15).map(|i| (format!("p{i}"), f64::from(i) - 7.0)).collect();
        let mut c = chart(&[]);
        c.points = points;
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        let base = tags(&svg, "<line class=\"baseline\"")[0];
        let zero = attr(base, "x1").unwrap();
        let bars = tags(&svg, "<rect class=\"bar\"");
        let first = bars[0];
        assert!((attr(first, "x").unwrap() + attr(first, "width").unwrap() - zero).abs() < 0.11);
        let last = bars[14];
        assert!((attr(last, "x").unwrap() - zero).abs() < 0.11);
    }

    #[test]
    fn value_labels_shrink_or_go_when_they_do_not_fit() {
        let points: Vec<(String, f64)> = (0..12).map(|i| (format!("{i}"), 123_456_789.0 * f64::from(i + 1))).collect();
        let mut c = chart(&[]);
        c.points = points;
        c.width = 720;
        let svg = render(&c);
        assert!(svg.contains("class=\"bars vertical\""));
        assert!(!svg.contains(">123.456.789</text>"));
        assert!(svg.contains("<title>0: 123.456.789 (SUM(dân số))</title>"));
    }

    #[test]
    fn narrow_charts_cut_labels_to_fit() {
        let mut c = chart(&[("Một tên rất dài của một tỉnh", 1.0), ("b", 2.0)]);
        c.width = 200;
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        let texts = tags(&svg, "<text x=");
        let label = texts.iter().find(|t| t.contains("text-anchor=\"end\"") && attr(t, "x").unwrap() > 0.0).unwrap();
        assert!(attr(label, "x").unwrap() < 200.0 * 0.45);
        assert!(svg.contains("…</text>"));
        assert!(svg.contains("<title>Một tên rất dài của một tỉnh: 1 (SUM(dân số))</title>"));
    }

    #[test]
    fn english_numbers() {
        let mut c = chart(&[("a", 1234.5), ("b", 2000.0)]);
        c.locale = Locale::En;
        let svg = render(&c);
        assert!(svg.contains(">1,234.5</text>"));
        assert!(svg.contains(">2,000</text>"));
    }
}
