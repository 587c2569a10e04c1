//! Numbers, dates and sizes as each language writes them: Vietnamese
//! `1.234,5` and `23/11/2026`; English `1,234.5` and `23 Nov 2026`.

use crate::i18n::Lang;

fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    }
}

fn group(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A whole number with thousands separators.
pub fn int(lang: Lang, n: i64) -> String {
    let (thousands, _) = separators(lang);
    let digits = n.unsigned_abs().to_string();
    let g = group(&digits, thousands);
    if n < 0 { format!("-{g}") } else { g }
}

/// A decimal number with `places` digits after the separator (trailing
/// zeros dropped).
pub fn decimal(lang: Lang, x: f64, places: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let (thousands, point) = separators(lang);
    let s = format!("{:.*}", places, x.abs());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    out.push_str(&group(whole, thousands));
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A byte count in B, kB, MB, GB (powers of 1000, as browsers show them).
pub fn bytes(lang: Lang, n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{} B", int(lang, n));
    }
    let mut x = n as f64;
    let mut unit = 0;
    while x >= 1000.0 && unit < UNITS.len() - 1 {
        x /= 1000.0;
        unit += 1;
    }
    format!("{} {}", decimal(lang, x, 1), UNITS[unit])
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The (year, month, day) of a CKAN timestamp or ISO date.
fn ymd(iso: &str) -> Option<(&str, usize, &str)> {
    let year = iso.get(0..4)?;
    let month: usize = iso.get(5..7)?.parse().ok()?;
    let day = iso.get(8..10)?;
    (iso.as_bytes().get(4) == Some(&b'-') && (1..=12).contains(&month) && day.bytes().all(|b| b.is_ascii_digit()))
        .then_some((year, month, day))
}

/// A date from a CKAN timestamp (`2026-11-23T10:00:00.000000`) or an ISO
/// date; anything else is returned as given.
pub fn date(lang: Lang, iso: &str) -> String {
    let Some((y, m, d)) = ymd(iso) else { return iso.to_string() };
    match lang {
        Lang::Vi => format!("{d}/{m:02}/{y}"),
        Lang::En => format!("{} {} {y}", d.trim_start_matches('0'), MONTHS_EN[m - 1]),
    }
}

/// A date and time (minutes) from a CKAN timestamp, in UTC.
pub fn datetime(lang: Lang, iso: &str) -> String {
    let day = date(lang, iso);
    match iso.get(11..16) {
        Some(hm) if iso.as_bytes().get(10) == Some(&b'T') => format!("{day} {hm} UTC"),
        _ => day,
    }
}

/// The four-digit year of a timestamp.
pub fn year(iso: &str) -> &str {
    iso.get(0..4).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_per_language() {
        assert_eq!(int(Lang::Vi, 1234), "1.234");
        assert_eq!(int(Lang::En, 1234567), "1,234,567");
        assert_eq!(int(Lang::Vi, -1000), "-1.000");
        assert_eq!(int(Lang::Vi, 999), "999");
        assert_eq!(decimal(Lang::Vi, 1234.5, 2), "1.234,5");
        assert_eq!(decimal(Lang::En, 1234.5, 2), "1,234.5");
        assert_eq!(decimal(Lang::En, 2.0, 1), "2");
        assert_eq!(decimal(Lang::Vi, -0.04, 1), "0");
        assert_eq!(bytes(Lang::Vi, 1_234_567), "1,2 MB");
        assert_eq!(bytes(Lang::En, 999), "999 B");
    }

    #[test]
    fn dates_per_language() {
        assert_eq!(date(Lang::Vi, "2026-11-23T10:05:00.000000"), "23/11/2026");
        assert_eq!(date(Lang::En, "2026-11-03"), "3 Nov 2026");
        assert_eq!(datetime(Lang::Vi, "2026-11-23T10:05:00.000000"), "23/11/2026 10:05 UTC");
        assert_eq!(date(Lang::Vi, "soon"), "soon");
        assert_eq!(date(Lang::Vi, "2026-13-01"), "2026-13-01");
    }

    proptest! {
        #[test]
        fn grouping_round_trips(n in any::<i64>()) {
            let s = int(Lang::Vi, n);
            let back: i64 = s.replace('.', "").parse().unwrap();
            prop_assert_eq!(back, n);
        }

        #[test]
        fn dates_never_panic(s in ".{0,24}") {
            let _ = datetime(Lang::En, &s);
            let _ = datetime(Lang::Vi, &s);
        }
    }
}
