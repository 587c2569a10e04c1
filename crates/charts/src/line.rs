//! Line charts: the points in the given order, evenly spaced, with every
//! point a circle that carries its own tooltip.

use crate::numfmt::tick_labels;
use crate::scale::{Linear, nice_ticks};
use crate::svg::{
    AXIS, Anchor, BLUE, GRID, LABEL_CHARS, MUTED, N, NORMAL, NOTE_LINE, SMALL, Svg, TEXT, auto_description, empty,
    escape, note_lines, size, skipped_note, text_width, tooltip, truncate,
};
use crate::{Chart, finite_points};

const TOP: f64 = 64.0;
const PLOT_MIN: f64 = 80.0;

pub(crate) fn render(chart: &Chart) -> String {
    let (points, skipped) = finite_points(&chart.points);
    let notes: Vec<String> = skipped_note(skipped, chart.locale).into_iter().collect();
    if points.is_empty() {
        return empty(chart, &notes);
    }
    let (w, h) = size(chart);
    let n = points.len();
    // The axis follows the data: a series far from zero is not flattened
    // against a zero baseline; zero shows when the data crosses it.
    let min = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let ticks = nice_ticks(min, max, 5);
    let tick_text = tick_labels(&ticks.values, ticks.step, chart.locale);
    let widest_tick = tick_text.iter().map(|t| text_width(t, SMALL)).fold(0.0, f64::max);

    let bottom = 42.0 + note_lines(&notes, w) as f64 * NOTE_LINE;
    let h = h.max(TOP + PLOT_MIN + bottom);
    let (x0, x1, y0, y1) = ((widest_tick + 14.0).clamp(36.0, w / 3.0), w - 16.0, TOP, h - bottom);
    let y = Linear::new(ticks.lo, ticks.hi, y1 - 6.0, y0 + 6.0);

    let labels: Vec<String> = points.iter().map(|(l, _)| truncate(l, LABEL_CHARS)).collect();
    let widest_label = labels.iter().map(|l| text_width(l, SMALL)).fold(0.0, f64::max);
    // Inset the first and last points by half a label so that their
    // centred labels stay inside the plot.
    let inset = (widest_label / 2.0).clamp(10.0, (x1 - x0) / 4.0);
    let x_of = |i: usize| {
        if n == 1 { (x0 + x1) / 2.0 } else { x0 + inset + (x1 - x0 - 2.0 * inset) * i as f64 / (n - 1) as f64 }
    };
    // Show every k-th label, k the fewest slots one label needs.
    let slot = if n > 1 { (x1 - x0 - 2.0 * inset) / (n - 1) as f64 } else { x1 - x0 };
    let every = ((widest_label + 12.0) / slot.max(0.1)).ceil().max(1.0) as usize;

    let mut svg = Svg::begin(chart, w, h, &auto_description(chart, n));
    let chars = ((w - 32.0) / (NORMAL * 0.6)) as usize;
    svg.text(16.0, 48.0, Anchor::Start, NORMAL, MUTED, " font-weight=\"600\"", &truncate(&chart.y_label, chars));
    svg.text(
        (x0 + x1) / 2.0,
        y1 + 36.0,
        Anchor::Middle,
        NORMAL,
        MUTED,
        " font-weight=\"600\"",
        &truncate(&chart.x_label, chars),
    );
    for (v, t) in ticks.values.iter().zip(&tick_text) {
        let yy = y.map(*v);
        let stroke = if *v == 0.0 { AXIS } else { GRID };
        svg.raw(format_args!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{stroke}\"/>",
            N(x0),
            N(x1),
            N(yy),
            N(yy)
        ));
        svg.text(x0 - 6.0, yy + 4.0, Anchor::End, SMALL, MUTED, "", t);
    }
    svg.raw(format_args!(
        "<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{AXIS}\"/>",
        N(x0),
        N(x1),
        N(y1),
        N(y1)
    ));
    for (i, label) in labels.iter().enumerate() {
        if i % every == 0 {
            let x = x_of(i);
            svg.raw(format_args!(
                "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{AXIS}\"/>",
                N(x),
                N(x),
                N(y1),
                N(y1 + 4.0)
            ));
            svg.text(x, y1 + 17.0, Anchor::Middle, SMALL, TEXT, " class=\"x-label\"", label);
        }
    }

    let mut d = String::with_capacity(n * 16);
    for (i, (_, v)) in points.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        d.push_str(&format!("{cmd}{} {}", N(x_of(i)), N(y.map(*v))));
    }
    svg.raw(format_args!(
        "<path class=\"line\" d=\"{d}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
    ));
    // Small circles when points are dense, so the line stays visible.
    let r = if n > 60 { 2.5 } else { 4.0 };
    let unit =
        if chart.y_label.trim().is_empty() { String::new() } else { format!(" ({})", escape(chart.y_label.trim())) };
    svg.raw(format_args!("<g class=\"points\">"));
    for (i, (label, v)) in points.iter().enumerate() {
        svg.raw(format_args!(
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#ffffff\" stroke=\"{BLUE}\" stroke-width=\"2\"><title>{}{unit}</title></circle>",
            N(x_of(i)),
            N(y.map(*v)),
            N(r),
            tooltip(label, *v, chart.locale)
        ));
    }
    svg.raw(format_args!("</g>"));
    svg.notes(&notes, w, h - 4.0);
    svg.finish()
}

#[cfg(test)]
mod tests {
    use crate::testutil::{attr, check_well_formed, count, tags};
    use crate::{Chart, ChartKind, render};

    fn chart(points: Vec<(String, f64)>) -> Chart {
        let mut c = Chart::new(ChartKind::Line, "Dân số qua các năm");
        c.x_label = "năm".into();
        c.y_label = "dân số".into();
        c.points = points;
        c
    }

    #[test]
    fn points_keep_their_order_and_carry_titles() {
        let points = vec![("2020".to_string(), 3.0), ("2021".to_string(), 1.0), ("2022".to_string(), 2.0)];
        let svg = render(&chart(points));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<circle class=\"point\""), 3);
        assert!(svg.contains("<title>2021: 1 (dân số)</title>"));
        let circles = tags(&svg, "<circle class=\"point\"");
        let xs: Vec<f64> = circles.iter().map(|c| attr(c, "cx").unwrap()).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
        let ys: Vec<f64> = circles.iter().map(|c| attr(c, "cy").unwrap()).collect();
        // 3 is highest, so drawn highest (smallest y).
        assert!(ys[0] < ys[2] && ys[2] < ys[1]);
        assert_eq!(count(&svg, "class=\"x-label\""), 3);
    }

    #[test]
    fn dense_labels_are_thinned() {
        let points: Vec<(String, f64)> =
            (0..200).map(|i| (format!("2024-{:02}-{:02}", i / 28 + 1, i % 28 + 1), f64::from(i))).collect();
        let svg = render(&chart(points));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<circle class=\"point\""), 200);
        let labels = tags(&svg, "<text x=");
        let xs: Vec<f64> = labels.iter().filter(|t| t.contains("x-label")).map(|t| attr(t, "x").unwrap()).collect();
        assert!(xs.len() >= 4 && xs.len() < 20, "{}", xs.len());
        // "2024-01-01" at 11 px is about 60 px wide.
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= 60.0), "{xs:?}");
    }

    #[test]
    fn axis_is_not_forced_to_zero_but_shows_it_when_crossed() {
        let far: Vec<(String, f64)> = (0..5).map(|i| (format!("y{i}"), 1000.0 + f64::from(i))).collect();
        let svg = render(&chart(far));
        assert!(!svg.contains(">0</text>"), "{svg}");
        let crossing = vec![("a".to_string(), -2.0), ("b".to_string(), 3.0)];
        let svg = render(&chart(crossing));
        assert!(svg.contains(">0</text>"));
    }

    #[test]
    fn a_single_point_is_centred() {
        let svg = render(&chart(vec![("only".to_string(), 5.0)]));
        check_well_formed(&svg).unwrap();
        let c = tags(&svg, "<circle class=\"point\"")[0];
        assert!((attr(c, "cx").unwrap() - (36.0 + 704.0) / 2.0).abs() < 30.0);
    }
}
