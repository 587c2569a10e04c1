//! Pie charts: at most 8 slices clockwise from 12 o'clock in the given
//! order, and a legend with each label, value and share.

use std::f64::consts::{PI, TAU};

use crate::numfmt::{format_number, percent};
use crate::svg::{
    Anchor, LABEL_CHARS, MUTED, N, NOTE_LINE, SMALL, Svg, TEXT, auto_description, empty, escape, note_lines, size,
    skipped_note, text_width, truncate,
};
use crate::{Chart, Locale, finite_points};

/// More slices than this cannot be told apart; the tail becomes one
/// "Khác"/"Other" slice.
const MAX_SLICES: usize = 8;
/// Slice colours, in order: neighbours differ in hue and lightness for
/// colour-blind readers, and each takes white text at 4.5:1.
const PALETTE: [&str; MAX_SLICES] =
    ["#1f63b4", "#b04a05", "#0b6f7d", "#9c2f6a", "#6e5400", "#5a48b0", "#27704a", "#8a2b17"];
/// The merged tail is grey: it is not one category.
const OTHER_COLOUR: &str = "#5f6368";
const TOP: f64 = 44.0;
const ROW: f64 = 24.0;

struct Slice {
    /// The label as given, or "Khác"/"Other".
    label: String,
    /// The tooltip label ("Khác (12 mục)").
    full: String,
    value: f64,
    colour: &'static str,
}

pub(crate) fn render(chart: &Chart) -> String {
    let locale = chart.locale;
    let (points, skipped) = finite_points(&chart.points);
    let mut notes: Vec<String> = skipped_note(skipped, locale).into_iter().collect();
    let negatives = points.iter().filter(|p| p.1 < 0.0).count();
    if negatives > 0 {
        notes.push(match locale {
            Locale::Vi => format!("Đã bỏ qua {negatives} giá trị âm: biểu đồ tròn không vẽ được số âm."),
            Locale::En => {
                let s = if negatives == 1 { "" } else { "s" };
                format!("Skipped {negatives} negative value{s}: a pie chart cannot show them.")
            }
        });
    }
    // Zero has no slice; it is left out rather than listed at 0%.
    let positive: Vec<(&str, f64)> = points.into_iter().filter(|p| p.1 > 0.0).collect();
    let total: f64 = positive.iter().map(|p| p.1).sum();
    if positive.is_empty() || !(total.is_finite() && total > 0.0) {
        if !chart.points.is_empty() && negatives == 0 && skipped < chart.points.len() && total == 0.0 {
            notes.push(match locale {
                Locale::Vi => "Mọi giá trị đều bằng 0.".to_string(),
                Locale::En => "All values are zero.".to_string(),
            });
        }
        if !total.is_finite() {
            notes.push(match locale {
                Locale::Vi => "Tổng các giá trị quá lớn để chia phần.".to_string(),
                Locale::En => "The values are too large to add up.".to_string(),
            });
        }
        return empty(chart, &notes);
    }
    let slices = slices(&positive, locale);

    let (w, h) = size(chart);
    let legend_w = (w * 0.5).clamp(180.0, 400.0);
    let bottom = 12.0 + note_lines(&notes, w) as f64 * NOTE_LINE;
    let legend_h = ROW * (slices.len() as f64 + 1.0);
    let h = h.max(TOP + legend_h + bottom + 8.0);
    let area_w = w - legend_w - 32.0;
    let r = (area_w / 2.0 - 8.0).min((h - TOP - bottom) / 2.0 - 8.0).max(20.0);
    let (cx, cy) = (16.0 + area_w / 2.0, TOP + (h - TOP - bottom) / 2.0);

    let mut svg = Svg::begin(chart, w, h, &auto_description(chart, positive.len()));
    svg.raw(format_args!("<g class=\"slices\">"));
    let mut start = -PI / 2.0;
    for s in &slices {
        let share = s.value / total;
        let end = start + share * TAU;
        let d = if share >= 0.99999 {
            // One arc cannot close on itself: two half circles.
            format!(
                "M{} {}A{r} {r} 0 1 1 {} {}A{r} {r} 0 1 1 {} {}Z",
                N(cx),
                N(cy - r),
                N(cx),
                N(cy + r),
                N(cx),
                N(cy - r),
                r = N(r)
            )
        } else {
            let large = if end - start > PI { 1 } else { 0 };
            format!(
                "M{} {}L{} {}A{r} {r} 0 {large} 1 {} {}Z",
                N(cx),
                N(cy),
                N(cx + r * start.cos()),
                N(cy + r * start.sin()),
                N(cx + r * end.cos()),
                N(cy + r * end.sin()),
                r = N(r)
            )
        };
        svg.raw(format_args!(
            "<path class=\"slice\" d=\"{d}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1.5\"><title>{}: {} ({})</title></path>",
            s.colour,
            escape(&s.full),
            escape(&format_number(s.value, locale)),
            escape(&percent(share, locale))
        ));
        // The share on the slice itself, where it fits.
        let mid = (start + end) / 2.0;
        let text = percent(share, locale);
        if share < 0.99999 && share * TAU * r * 0.62 >= text_width(&text, SMALL) + 6.0 {
            let (tx, ty) = (cx + r * 0.62 * mid.cos(), cy + r * 0.62 * mid.sin() + 4.0);
            svg.text(tx, ty, Anchor::Middle, SMALL, "#ffffff", " font-weight=\"600\" aria-hidden=\"true\"", &text);
        }
        start = end;
    }
    svg.raw(format_args!("</g>"));

    legend(&mut svg, chart, &slices, total, w - legend_w, w - 16.0, cy - legend_h / 2.0);
    svg.notes(&notes, w, h - 4.0);
    svg.finish()
}

/// The slices: the first 7 and one for the rest when there are more than 8.
fn slices(points: &[(&str, f64)], locale: Locale) -> Vec<Slice> {
    let slice = |i: usize, (label, value): (&str, f64)| Slice {
        label: label.trim().to_string(),
        full: label.trim().to_string(),
        value,
        colour: PALETTE[i % MAX_SLICES],
    };
    if points.len() <= MAX_SLICES {
        return points.iter().enumerate().map(|(i, p)| slice(i, *p)).collect();
    }
    let (head, tail) = points.split_at(MAX_SLICES - 1);
    let mut out: Vec<Slice> = head.iter().enumerate().map(|(i, p)| slice(i, *p)).collect();
    let (label, full) = match locale {
        Locale::Vi => ("Khác".to_string(), format!("Khác ({} mục)", tail.len())),
        Locale::En => ("Other".to_string(), format!("Other ({} items)", tail.len())),
    };
    out.push(Slice { label, full, value: tail.iter().map(|p| p.1).sum(), colour: OTHER_COLOUR });
    out
}

/// The legend between `x0` and `x1`, from `top`: a header row (what the
/// labels and values are), then one row per slice.
#[allow(clippy::too_many_arguments)]
fn legend(svg: &mut Svg, chart: &Chart, slices: &[Slice], total: f64, x0: f64, x1: f64, top: f64) {
    let locale = chart.locale;
    let values: Vec<String> = slices
        .iter()
        .map(|s| format!("{} · {}", format_number(s.value, locale), percent(s.value / total, locale)))
        .collect();
    let value_w = values.iter().map(|v| text_width(v, SMALL)).fold(0.0, f64::max);
    let label_chars = (((x1 - x0 - 18.0 - value_w - 12.0) / (SMALL * 0.6)) as usize).clamp(6, LABEL_CHARS);
    let top = top.max(TOP);
    let head_y = top + ROW * 0.6;
    let head_chars = (((x1 - x0) / 2.0 - 6.0) / (SMALL * 0.6)) as usize;
    svg.text(x0, head_y, Anchor::Start, SMALL, MUTED, " font-weight=\"600\"", &truncate(&chart.x_label, head_chars));
    svg.text(x1, head_y, Anchor::End, SMALL, MUTED, " font-weight=\"600\"", &truncate(&chart.y_label, head_chars));
    svg.raw(format_args!("<g class=\"legend\">"));
    for (i, (s, value)) in slices.iter().zip(&values).enumerate() {
        let y = top + ROW * (i as f64 + 1.0) + ROW * 0.6;
        svg.raw(format_args!(
            "<g class=\"legend-item\"><title>{}: {}</title><rect class=\"swatch\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            escape(&s.full),
            escape(value),
            N(x0),
            N(y - 10.0),
            s.colour
        ));
        svg.text(x0 + 18.0, y, Anchor::Start, SMALL, TEXT, "", &truncate(&s.label, label_chars));
        svg.text(x1, y, Anchor::End, SMALL, TEXT, "", value);
        svg.raw(format_args!("</g>"));
    }
    svg.raw(format_args!("</g>"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{check_well_formed, contrast, count};
    use crate::{ChartKind, render};

    fn chart(points: &[(&str, f64)]) -> Chart {
        let mut c = Chart::new(ChartKind::Pie, "Cơ cấu");
        c.x_label = "ngành".into();
        c.y_label = "SUM(lao động)".into();
        c.points = points.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        c
    }

    #[test]
    fn slices_follow_the_points_with_a_legend() {
        let svg = render(&chart(&[("Nông nghiệp", 50.0), ("Công nghiệp", 30.0), ("Dịch vụ", 20.0)]));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"slice\""), 3);
        assert_eq!(count(&svg, "<rect class=\"swatch\""), 3);
        assert!(svg.contains("<title>Nông nghiệp: 50 (50%)</title>"));
        assert!(svg.contains(">50 · 50%</text>"));
        assert!(svg.contains(">Công nghiệp</text>"));
        let first = svg.find("Nông nghiệp").unwrap();
        assert!(
            first < svg.find("Công nghiệp").unwrap() && svg.find("Công nghiệp").unwrap() < svg.find("Dịch vụ").unwrap()
        );
    }

    #[test]
    fn the_tail_beyond_eight_becomes_khac() {
        let points: Vec<(String, f64)> = (1..=12).map(|i| (format!("m{i}"), f64::from(13 - i))).collect();
        let mut c = chart(&[]);
        c.points = points;
        let svg = render(&c);
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"slice\""), 8);
        // 1 + 2 + 3 + 4 + 5 (m8..m12) = 15 of 78.
        assert!(svg.contains("<title>Khác (5 mục): 15 (19,2%)</title>"), "{svg}");
        assert!(svg.contains(">Khác</text>"));
        assert!(svg.contains(">m7</text>") && !svg.contains(">m8</text>"));
        c.locale = Locale::En;
        let svg = render(&c);
        assert!(svg.contains("<title>Other (5 items): 15 (19.2%)</title>"));
        // Exactly eight stay eight.
        let eight: Vec<(String, f64)> = (1..=8).map(|i| (format!("m{i}"), 1.0)).collect();
        c.points = eight;
        let svg = render(&c);
        assert_eq!(count(&svg, "<path class=\"slice\""), 8);
        assert!(!svg.contains("Other"));
    }

    #[test]
    fn negative_values_are_skipped_with_a_note() {
        let svg = render(&chart(&[("a", 3.0), ("b", -2.0), ("c", 1.0)]));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"slice\""), 2);
        assert!(svg.contains("Đã bỏ qua 1 giá trị âm"));
        assert!(svg.contains("<title>a: 3 (75%)</title>"));
    }

    #[test]
    fn all_zero_says_no_data() {
        let svg = render(&chart(&[("a", 0.0), ("b", 0.0)]));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"slice\""), 0);
        assert!(svg.contains("Không có dữ liệu để vẽ"));
        assert!(svg.contains("Mọi giá trị đều bằng 0."));
        let svg = render(&chart(&[("a", -1.0)]));
        assert!(svg.contains("Không có dữ liệu để vẽ") && svg.contains("giá trị âm"));
    }

    #[test]
    fn one_slice_is_a_full_circle() {
        let svg = render(&chart(&[("a", 3.0), ("b", 0.0)]));
        check_well_formed(&svg).unwrap();
        assert_eq!(count(&svg, "<path class=\"slice\""), 1);
        let d_start = svg.find("<path class=\"slice\" d=\"").unwrap();
        let d = &svg[d_start..svg[d_start..].find("\" fill").unwrap() + d_start];
        assert_eq!(d.matches('A').count(), 2, "{d}");
    }

    #[test]
    fn huge_values_do_not_break_the_shares() {
        let svg = render(&chart(&[("a", f64::MAX), ("b", f64::MAX)]));
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("Không có dữ liệu để vẽ"));
        let svg = render(&chart(&[("a", 1e300), ("b", 1e300)]));
        assert_eq!(count(&svg, "<path class=\"slice\""), 2);
    }

    #[test]
    fn palette_takes_white_text() {
        for c in PALETTE.iter().chain([&OTHER_COLOUR]) {
            assert!(contrast(c, "#ffffff") >= 4.5, "{c}: {}", contrast(c, "#ffffff"));
        }
    }
}
