//! Numbers as people read them: Vietnamese "1.234.567,5", English
//! "1,234,567.5", and compact axis forms ("1,5 triệu", "1.5M").

use crate::Locale;

/// `v` for people: thousands grouped, at most 2 decimals (rounded), no
/// trailing zeros, integers without decimals. Vietnamese groups with "."
/// and marks decimals with ","; English the other way round. A value that
/// is not a finite number is written "–".
///
/// ```
/// use kho_charts::{format_number, Locale};
/// assert_eq!(format_number(1234567.5, Locale::Vi), "1.234.567,5");
/// assert_eq!(format_number(1234567.5, Locale::En), "1,234,567.5");
/// assert_eq!(format_number(-42.0, Locale::Vi), "-42");
/// ```
pub fn format_number(v: f64, locale: Locale) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    fixed(v, 2, true, locale)
}

/// `v` with `decimals` decimals (trailing zeros dropped when `trim`), in the
/// locale's separators. Never "-0".
pub(crate) fn fixed(v: f64, decimals: usize, trim: bool, locale: Locale) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let frac = if trim { frac.trim_end_matches('0') } else { frac };
    let is_zero = int.bytes().all(|b| b == b'0') && frac.bytes().all(|b| b == b'0');
    let (group, point) = match locale {
        Locale::Vi => ('.', ','),
        Locale::En => (',', '.'),
    };
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if v < 0.0 && !is_zero {
        out.push('-');
    }
    let digits = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (digits - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A power of a thousand and its words.
struct Unit {
    factor: f64,
    vi: &'static str,
    en: &'static str,
}

/// The unit for numbers up to `max_abs`; Vietnamese counts in nghìn,
/// triệu, tỷ and nghìn tỷ (there is no separate word for 10^12).
fn unit_for(max_abs: f64) -> Unit {
    if max_abs >= 1e12 {
        Unit { factor: 1e12, vi: " nghìn tỷ", en: "T" }
    } else if max_abs >= 1e9 {
        Unit { factor: 1e9, vi: " tỷ", en: "B" }
    } else if max_abs >= 1e6 {
        Unit { factor: 1e6, vi: " triệu", en: "M" }
    } else {
        Unit { factor: 1e3, vi: " nghìn", en: "K" }
    }
}

/// Beyond a thousand nghìn tỷ words stop helping; such values are written
/// in scientific notation.
const SCIENTIFIC: f64 = 1e15;

fn scientific(v: f64, decimals: usize, locale: Locale) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let s = format!("{v:.decimals$e}");
    match locale {
        Locale::Vi => s.replace('.', ","),
        Locale::En => s,
    }
}

fn with_unit(v: f64, unit: &Unit, decimals: usize, trim: bool, locale: Locale) -> String {
    let n = fixed(v / unit.factor, decimals, trim, locale);
    // A bare zero reads better than "0,0 triệu" at the foot of an axis.
    if v == 0.0 || n == "0" {
        return "0".to_string();
    }
    match locale {
        Locale::Vi => format!("{n}{}", unit.vi),
        Locale::En => format!("{n}{}", unit.en),
    }
}

/// The decimals needed to write multiples of `step` exactly (0 to 6).
pub(crate) fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    // The epsilon keeps log10(0.1) = -0.99999… from asking for 2 decimals.
    (-(step.log10() + 1e-9).floor()).clamp(0.0, 6.0) as usize
}

/// Labels for axis ticks `ticks`, `step` apart: all with the same number of
/// decimals, and in a compact form ("1,5 triệu") when they reach 10 000.
pub(crate) fn tick_labels(ticks: &[f64], step: f64, locale: Locale) -> Vec<String> {
    let max_abs = ticks.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max_abs >= SCIENTIFIC {
        return ticks.iter().map(|v| if *v == 0.0 { "0".to_string() } else { scientific(*v, 1, locale) }).collect();
    }
    if max_abs >= 1e4 {
        let unit = unit_for(max_abs);
        let decimals = decimals_for(step / unit.factor);
        return ticks.iter().map(|v| with_unit(*v, &unit, decimals, false, locale)).collect();
    }
    let decimals = decimals_for(step);
    ticks.iter().map(|v| fixed(*v, decimals, false, locale)).collect()
}

/// `v` in a short form for a label next to a mark: as [`format_number`]
/// below 10 000, otherwise with three significant digits and a unit.
pub(crate) fn compact_value(v: f64, locale: Locale) -> String {
    let a = v.abs();
    if !v.is_finite() || a < 1e4 {
        return format_number(v, locale);
    }
    if a >= SCIENTIFIC {
        return scientific(v, 2, locale);
    }
    let unit = unit_for(a);
    let scaled = a / unit.factor;
    let decimals = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    with_unit(v, &unit, decimals, true, locale)
}

/// A share in percent with at most one decimal ("12,5%"); a share too small
/// to show as 0,1% is "<0,1%" rather than a misleading "0%".
pub(crate) fn percent(share: f64, locale: Locale) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.05 {
        return format!("<{}%", fixed(0.1, 1, true, locale));
    }
    format!("{}%", fixed(p, 1, true, locale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Locale::{En, Vi};

    #[test]
    fn vietnamese_and_english_formats() {
        assert_eq!(format_number(1234567.5, Vi), "1.234.567,5");
        assert_eq!(format_number(1234567.5, En), "1,234,567.5");
        assert_eq!(format_number(1234567.0, Vi), "1.234.567");
        assert_eq!(format_number(1234567.0, En), "1,234,567");
        assert_eq!(format_number(999.0, Vi), "999");
        assert_eq!(format_number(1000.0, Vi), "1.000");
        assert_eq!(format_number(0.5, Vi), "0,5");
        assert_eq!(format_number(12.344, Vi), "12,34");
        assert_eq!(format_number(2.999, En), "3");
        assert_eq!(format_number(-1234.25, Vi), "-1.234,25");
        assert_eq!(format_number(-0.001, Vi), "0");
        assert_eq!(format_number(-0.0, En), "0");
        assert_eq!(format_number(0.0, Vi), "0");
        assert_eq!(format_number(1e20, Vi), "100.000.000.000.000.000.000");
        assert_eq!(format_number(f64::NAN, Vi), "–");
        assert_eq!(format_number(f64::NEG_INFINITY, En), "–");
    }

    #[test]
    fn tick_labels_share_their_decimals() {
        assert_eq!(tick_labels(&[0.0, 0.5, 1.0], 0.5, Vi), vec!["0,0", "0,5", "1,0"]);
        assert_eq!(tick_labels(&[0.0, 2000.0, 4000.0], 2000.0, Vi), vec!["0", "2.000", "4.000"]);
        assert_eq!(tick_labels(&[-0.02, 0.0, 0.02], 0.02, En), vec!["-0.02", "0.00", "0.02"]);
    }

    #[test]
    fn large_ticks_are_compact() {
        assert_eq!(tick_labels(&[0.0, 5e6, 1e7], 5e6, Vi), vec!["0", "5 triệu", "10 triệu"]);
        assert_eq!(tick_labels(&[0.0, 5e6, 1e7], 5e6, En), vec!["0", "5M", "10M"]);
        assert_eq!(tick_labels(&[0.0, 5e5, 1e6, 1.5e6], 5e5, Vi), vec!["0", "0,5 triệu", "1,0 triệu", "1,5 triệu"]);
        assert_eq!(tick_labels(&[0.0, 2e4], 2e4, En), vec!["0", "20K"]);
        assert_eq!(tick_labels(&[0.0, 2e9], 1e9, Vi), vec!["0", "2 tỷ"]);
        assert_eq!(tick_labels(&[-2e12, 0.0], 1e12, En), vec!["-2T", "0"]);
        assert_eq!(tick_labels(&[0.0, 2e20], 1e20, Vi), vec!["0", "2,0e20"]);
    }

    #[test]
    fn compact_values() {
        assert_eq!(compact_value(1234.0, Vi), "1.234");
        assert_eq!(compact_value(1_234_567.0, Vi), "1,23 triệu");
        assert_eq!(compact_value(12_345_678.0, En), "12.3M");
        assert_eq!(compact_value(-123_456_789.0, En), "-123M");
        assert_eq!(compact_value(45_000.0, Vi), "45 nghìn");
        assert_eq!(compact_value(3e18, En), "3.00e18");
    }

    #[test]
    fn decimals_follow_the_step() {
        assert_eq!(decimals_for(1.0), 0);
        assert_eq!(decimals_for(50.0), 0);
        assert_eq!(decimals_for(0.1), 1);
        assert_eq!(decimals_for(0.5), 1);
        assert_eq!(decimals_for(0.02), 2);
        assert_eq!(decimals_for(1e-12), 6);
        assert_eq!(decimals_for(0.0), 0);
        assert_eq!(decimals_for(f64::NAN), 0);
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.125, Vi), "12,5%");
        assert_eq!(percent(0.5, En), "50%");
        assert_eq!(percent(0.0001, Vi), "<0,1%");
        assert_eq!(percent(0.0, En), "0%");
    }
}
