//! Writing SVG: escaping, number output, the document frame shared by every
//! chart kind, and the few words charts say.

use std::fmt::{self, Write};

use crate::{Chart, ChartKind, Locale};

/// The font stack: the platform's UI font, then fonts known to carry
/// Vietnamese diacritics.
pub(crate) const FONT: &str = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";
/// Main text: 15.3:1 on white.
pub(crate) const TEXT: &str = "#1f2328";
/// Secondary text (axis ticks, notes): 7.5:1 on white.
pub(crate) const MUTED: &str = "#4d5561";
/// Gridlines: decoration only, so below 3:1 on purpose.
pub(crate) const GRID: &str = "#d8dee4";
/// Axis lines and the zero baseline: 7.5:1 on white.
pub(crate) const AXIS: &str = "#4d5561";
/// Bars and the line for positive values: 5.4:1 on white.
pub(crate) const BLUE: &str = "#1f63b4";
/// Bars below zero: an orange a colour-blind reader tells from the blue,
/// 5.0:1 on white.
pub(crate) const NEGATIVE: &str = "#b2530a";

/// The smallest text drawn, in px.
pub(crate) const SMALL: f64 = 11.0;
/// Axis labels and legends, in px.
pub(crate) const NORMAL: f64 = 12.0;
/// The visible title, in px.
pub(crate) const TITLE: f64 = 15.0;
/// How many characters of a label are drawn on an axis or in a legend.
pub(crate) const LABEL_CHARS: usize = 24;
/// Height of one line of notes under a chart.
pub(crate) const NOTE_LINE: f64 = 15.0;

/// A number as an SVG coordinate: one decimal, no "-0", no trailing ".0",
/// and 0 for anything non-finite so that no input can make invalid SVG.
#[derive(Clone, Copy)]
pub(crate) struct N(pub f64);

impl fmt::Display for N {
    /// One decimal, no "-0", no trailing ".0", 0 for non-finite values;
    /// written from the integer number of tenths (float formatting took
    /// most of the time of a large diagram), through floats beyond 10^14.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = if self.0.is_finite() { (self.0 * 10.0).round() } else { 0.0 };
        if tenths.abs() >= 1e15 {
            return f.write_str(&by_float(self.0));
        }
        // Exact: |tenths| < 10^15 < 2^53.
        let tenths = tenths as i64;
        if tenths == 0 {
            return f.write_str("0");
        }
        let (sign, abs) = (if tenths < 0 { "-" } else { "" }, tenths.unsigned_abs());
        match abs % 10 {
            0 => write!(f, "{sign}{}", abs / 10),
            d => write!(f, "{sign}{}.{d}", abs / 10),
        }
    }
}

/// [`N`]'s format through float formatting.
fn by_float(x: f64) -> String {
    let v = if x.is_finite() { (x * 10.0).round() / 10.0 } else { 0.0 };
    // Rounding can overflow the largest floats to infinity.
    let v = if v.is_finite() { v } else { 0.0 };
    if v == 0.0 {
        return "0".into();
    }
    let s = format!("{v:.1}");
    s.strip_suffix(".0").unwrap_or(&s).to_string()
}

/// `s` escaped for XML text and attribute values, on one line, without the
/// characters XML 1.0 does not allow at all (control characters).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters, the last being "…" when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// A rough width of `s` drawn at `size` px in a sans-serif font: wide enough
/// for Vietnamese text with diacritics, so layouts err on the roomy side.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | '\'' | 'i' | 'l' | 'j' | 'í' | 'ì' | 'ỉ' | 'ĩ' | 'ị' | '|' | '!' => 0.32,
            'm' | 'w' | 'M' | 'W' => 0.88,
            c if c.is_uppercase() => 0.68,
            c if (c as u32) >= 0x2E80 => 1.0,
            _ => 0.56,
        })
        .sum::<f64>()
        * size
}

/// Greedy word wrap of `s` into lines of at most `max` characters; words
/// longer than a line are cut.
pub(crate) fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let word = truncate(word, max);
        let needed = if line.is_empty() { 0 } else { line.chars().count() + 1 };
        if needed + word.chars().count() > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `prefix` made into a valid XML id start: letters, digits, `-` and `_`
/// only, beginning with a letter.
fn safe_id(prefix: &str) -> String {
    let mut id: String =
        prefix.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'c');
    }
    id
}

/// The chart's size as used: at least 200 × 120 so a plot area remains, at
/// most 4000 × 8000.
pub(crate) fn size(chart: &Chart) -> (f64, f64) {
    (f64::from(chart.width.clamp(200, 4000)), f64::from(chart.height.clamp(120, 8000)))
}

/// Text anchoring.
#[derive(Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// What opens every document: its title, description, id prefix, and
/// whether its marks are links.
pub(crate) struct Frame<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) id_prefix: &'a str,
    pub(crate) interactive: bool,
}

/// An SVG document being written.
pub(crate) struct Svg {
    out: String,
    /// The id prefix, made safe.
    pub(crate) id: String,
}

impl Svg {
    /// Opens a chart's document (see [`Svg::open`]); `description`
    /// replaces an empty [`Chart::description`].
    pub(crate) fn begin(chart: &Chart, width: f64, height: f64, description: &str) -> Svg {
        let desc = if chart.description.trim().is_empty() { description } else { chart.description.as_str() };
        Svg::open(
            &Frame { title: &chart.title, description: desc, id_prefix: &chart.id_prefix, interactive: false },
            width,
            height,
        )
    }

    /// Opens the document: root element, `<title>`, `<desc>`, a white
    /// background (so the contrast holds on a dark page) and the visible
    /// title. A picture is `role="img"`; a drawing whose marks are links
    /// is a named `role="group"`, since an image's content is hidden from
    /// assistive technology and its links could not be reached.
    pub(crate) fn open(frame: &Frame<'_>, width: f64, height: f64) -> Svg {
        let id = safe_id(frame.id_prefix);
        let mut svg = Svg { out: String::with_capacity(4096), id: id.clone() };
        svg.raw(format_args!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
             role=\"{role}\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{FONT}\" font-size=\"{NORMAL}\">\
             <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>\
             <rect class=\"background\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>",
            w = N(width),
            h = N(height),
            role = if frame.interactive { "group" } else { "img" },
            title = escape(frame.title),
            desc = escape(frame.description),
        ));
        let max_chars = ((width - 32.0) / (TITLE * 0.6)).max(8.0) as usize;
        svg.text(16.0, 26.0, Anchor::Start, TITLE, TEXT, " font-weight=\"600\"", &truncate(frame.title, max_chars));
        svg
    }

    /// Writes trusted markup (never caller text).
    pub(crate) fn raw(&mut self, args: fmt::Arguments<'_>) {
        // Writing into a String cannot fail.
        let _ = self.out.write_fmt(args);
    }

    /// Writes a `<text>` element with `content` escaped; `extra` is trusted
    /// attribute markup.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: Anchor, size: f64, fill: &str, extra: &str, content: &str) {
        if content.trim().is_empty() {
            return;
        }
        let anchor = match anchor {
            Anchor::Start => String::new(),
            other => format!(" text-anchor=\"{}\"", other.name()),
        };
        self.raw(format_args!(
            "<text x=\"{}\" y=\"{}\"{anchor} font-size=\"{}\" fill=\"{fill}\"{extra}>{}</text>",
            N(x),
            N(y),
            N(size),
            escape(content)
        ));
    }

    /// Writes notes, one per line, bottom-left, ending at `bottom`.
    pub(crate) fn notes(&mut self, notes: &[String], width: f64, bottom: f64) {
        let max = ((width - 32.0) / (SMALL * 0.56)).max(10.0) as usize;
        let lines: Vec<String> = notes.iter().flat_map(|n| wrap(n, max)).collect();
        let top = bottom - NOTE_LINE * lines.len() as f64;
        for (i, line) in lines.iter().enumerate() {
            self.text(16.0, top + NOTE_LINE * (i as f64 + 1.0) - 4.0, Anchor::Start, SMALL, MUTED, "", line);
        }
    }

    /// Closes the document.
    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// How many lines [`Svg::notes`] will take for `notes` at `width`.
pub(crate) fn note_lines(notes: &[String], width: f64) -> usize {
    let max = ((width - 32.0) / (SMALL * 0.56)).max(10.0) as usize;
    notes.iter().map(|n| wrap(n, max).len()).sum()
}

/// A chart that has nothing to draw: the title, "no data", and the notes
/// saying why.
pub(crate) fn empty(chart: &Chart, notes: &[String]) -> String {
    let (w, h) = size(chart);
    let message = match chart.locale {
        Locale::Vi => "Không có dữ liệu để vẽ",
        Locale::En => "No data to chart",
    };
    let desc = format!("{}. {message}.", kind_words(chart.kind, chart.locale));
    let mut svg = Svg::begin(chart, w, h, &desc);
    svg.text(w / 2.0, h / 2.0 + 5.0, Anchor::Middle, 14.0, MUTED, "", message);
    svg.notes(notes, w, h - 6.0);
    svg.finish()
}

/// "Biểu đồ cột" / "Bar chart".
pub(crate) fn kind_words(kind: ChartKind, locale: Locale) -> &'static str {
    match (kind, locale) {
        (ChartKind::Bar, Locale::Vi) => "Biểu đồ cột",
        (ChartKind::Line, Locale::Vi) => "Biểu đồ đường",
        (ChartKind::Pie, Locale::Vi) => "Biểu đồ tròn",
        (ChartKind::Map, Locale::Vi) => "Bản đồ tỉnh, thành phố",
        (ChartKind::Bar, Locale::En) => "Bar chart",
        (ChartKind::Line, Locale::En) => "Line chart",
        (ChartKind::Pie, Locale::En) => "Pie chart",
        (ChartKind::Map, Locale::En) => "Map of provinces",
    }
}

/// The description used when the caller wrote none: the kind, what is
/// charted and how many values.
pub(crate) fn auto_description(chart: &Chart, count: usize) -> String {
    let what = match (chart.y_label.trim(), chart.x_label.trim(), chart.locale) {
        ("", "", _) => String::new(),
        (y, "", _) => format!(" {y}"),
        ("", x, Locale::Vi) => format!(" theo {x}"),
        ("", x, Locale::En) => format!(" by {x}"),
        (y, x, Locale::Vi) => format!(" {y} theo {x}"),
        (y, x, Locale::En) => format!(" {y} by {x}"),
    };
    match chart.locale {
        Locale::Vi => format!("{}{what}, {count} giá trị.", kind_words(chart.kind, chart.locale)),
        Locale::En => format!("{}{what}, {count} values.", kind_words(chart.kind, chart.locale)),
    }
}

/// The note for values that are not finite numbers, if any.
pub(crate) fn skipped_note(skipped: usize, locale: Locale) -> Option<String> {
    (skipped > 0).then(|| match locale {
        Locale::Vi => format!("Đã bỏ qua {skipped} giá trị không phải số."),
        Locale::En => format!("Skipped {skipped} non-numeric value{}.", if skipped == 1 { "" } else { "s" }),
    })
}

/// `(label, value)` as a mark's tooltip: the full label and the value.
pub(crate) fn tooltip(label: &str, value: f64, locale: Locale) -> String {
    format!("{}: {}", escape(label.trim()), escape(&crate::format_number(value, locale)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_integer_path_matches_float_formatting() {
        let values = [
            0.0,
            -0.0,
            0.04,
            -0.04,
            0.05,
            -0.05,
            0.15,
            1.0,
            1.25,
            -2.5,
            123456.78,
            9.95,
            -9.95,
            1e13,
            -1e13,
            1e14,
            1e15,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            0.1 + 0.2,
        ];
        for v in values {
            assert_eq!(N(v).to_string(), by_float(v), "{v}");
        }
    }

    proptest! {
        #[test]
        fn the_integer_path_always_matches(v in prop_oneof![any::<f64>(), -1e7..1e7f64, (-100_000i64..100_000).prop_map(|t| t as f64 / 20.0)]) {
            prop_assert_eq!(N(v).to_string(), by_float(v));
        }
    }

    #[test]
    fn coordinates_have_one_decimal() {
        assert_eq!(N(1.0).to_string(), "1");
        assert_eq!(N(1.25).to_string(), "1.3");
        assert_eq!(N(-0.04).to_string(), "0");
        assert_eq!(N(-2.5).to_string(), "-2.5");
        assert_eq!(N(f64::NAN).to_string(), "0");
        assert_eq!(N(f64::INFINITY).to_string(), "0");
        assert_eq!(N(f64::MAX).to_string(), "0");
        assert_eq!(N(123456.78).to_string(), "123456.8");
    }

    #[test]
    fn escaping_covers_xml_specials_and_control_characters() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&apos;");
        assert_eq!(escape("a\u{0}b\u{1f}c\nd\u{fffe}"), "abc d");
        assert_eq!(escape("Hồ Chí Minh"), "Hồ Chí Minh");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(truncate("short", 24), "short");
        let long = "Thành phố Hồ Chí Minh và các vùng lân cận";
        let cut = truncate(long, 24);
        assert_eq!(cut.chars().count(), 24);
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(truncate("abcd efgh", 6), "abcd…");
    }

    #[test]
    fn wrapping_respects_the_width() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), Vec::<String>::new());
        assert!(wrap("averyveryverylongword x", 8).iter().all(|l| l.chars().count() <= 8));
    }

    #[test]
    fn ids_are_made_valid() {
        assert_eq!(safe_id("chart"), "chart");
        assert_eq!(safe_id(""), "c");
        assert_eq!(safe_id("1a b"), "c1a_b");
        assert_eq!(safe_id("Đồ thị"), "c___th_");
    }

    #[test]
    fn colours_have_enough_contrast() {
        use crate::testutil::contrast;
        for text in [TEXT, MUTED] {
            assert!(contrast(text, "#ffffff") >= 4.5, "{text}");
        }
        for mark in [BLUE, NEGATIVE, AXIS] {
            assert!(contrast(mark, "#ffffff") >= 3.0, "{mark}");
        }
    }
}
