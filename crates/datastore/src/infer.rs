//! Column types from the text of a table's cells, as Vietnamese and
//! international publishers write them.
//!
//! A column starts with every candidate type and each non-missing cell
//! strikes out the candidates it does not parse as; the most specific
//! survivor wins (boolean > integer > decimal > date > datetime > text).
//! Numbers come in two styles: Vietnamese (`1.234.567`, `3,14`,
//! `1.234,5`) and international (`1,234,567`, `3.14`); a column keeps the
//! style that reads all its cells. Dates are day first (`23/11/2026`,
//! `23-11-2026`, `23.11.2026`) or ISO (`2026-11-23`); times follow a
//! space or `T`. Cells that say nothing (`""`, `NA`, `N/A`, `null`, `-`, …)
//! are missing values and never decide a type.

use time::{Date, Month, PrimitiveDateTime, Time};

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    Boolean,
    Integer(NumberStyle),
    Decimal(NumberStyle),
    Date(DateOrder),
    DateTime(DateOrder),
    Text,
}

impl ColumnType {
    /// The type's name in CKAN's DataStore (`bool`, `int`, `numeric`,
    /// `date`, `timestamp`, `text`).
    pub fn ckan_name(self) -> &'static str {
        match self {
            ColumnType::Boolean => "bool",
            ColumnType::Integer(_) => "int",
            ColumnType::Decimal(_) => "numeric",
            ColumnType::Date(_) => "date",
            ColumnType::DateTime(_) => "timestamp",
            ColumnType::Text => "text",
        }
    }
}

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberStyle {
    /// `1.234.567` and `3,14`: dots group thousands, a comma marks decimals.
    Vietnamese,
    /// `1,234,567` and `3.14`.
    International,
}

/// How dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateOrder {
    /// `2026-11-23`.
    Iso,
    /// `23/11/2026` (also with `-` or `.`).
    DayFirst,
}

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Decimal numbers are kept as `f64` (CKAN's `numeric` is arbitrary
    /// precision; beyond 15 significant digits use text).
    Float(f64),
    Date(Date),
    DateTime(PrimitiveDateTime),
    Text(String),
}

/// Cell texts that mean "no value".
pub fn is_missing(s: &str) -> bool {
    const MISSING: [&str; 10] = ["na", "n/a", "null", "none", "nan", "-", "--", "—", "không có", "#n/a"];
    let t = s.trim();
    // Every marker is short; longer cells are values. Called on every cell
    // of every load, so compare without allocating where the text is ASCII.
    if t.is_empty() {
        return true;
    }
    if t.len() > 12 || t.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    if t.is_ascii() {
        return MISSING.iter().any(|m| m.eq_ignore_ascii_case(t));
    }
    MISSING.contains(&t.to_lowercase().as_str())
}

const TRUE_WORDS: [&str; 6] = ["true", "yes", "có", "đúng", "t", "y"];
const FALSE_WORDS: [&str; 6] = ["false", "no", "không", "sai", "f", "n"];

/// Reads a boolean (`true`/`false`, `có`/`không`, `đúng`/`sai`, `yes`/`no`).
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    // The longest word is "không" (6 bytes); anything longer is not a boolean.
    if t.len() > 6 || t.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Called on every cell of boolean columns: compare ASCII words without
    // allocating.
    if t.is_ascii() {
        if TRUE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(t)) {
            return Some(true);
        }
        if FALSE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(t)) {
            return Some(false);
        }
        return None;
    }
    let t = t.to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Splits an optional sign off a number.
fn sign(t: &str) -> (bool, &str) {
    match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    }
}

/// Whether `digits` is a run of digits, optionally grouped by `sep` in
/// threes (`1.234.567`); returns it without separators.
fn grouped(digits: &str, sep: char) -> Option<std::borrow::Cow<'_, str>> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == sep) {
        return None;
    }
    if !digits.contains(sep) {
        return Some(std::borrow::Cow::Borrowed(digits));
    }
    let parts: Vec<&str> = digits.split(sep).collect();
    let first_ok = (1..=3).contains(&parts[0].len());
    let rest_ok = parts[1..].iter().all(|p| p.len() == 3);
    (first_ok && rest_ok).then(|| std::borrow::Cow::Owned(parts.concat()))
}

fn separators(style: NumberStyle) -> (char, char) {
    match style {
        NumberStyle::Vietnamese => ('.', ','),
        NumberStyle::International => (',', '.'),
    }
}

/// Reads a whole number written in `style`.
pub fn parse_int(s: &str, style: NumberStyle) -> Option<i64> {
    let (neg, body) = sign(s.trim());
    let (group, _) = separators(style);
    let digits = grouped(body, group)?;
    let n: i64 = digits.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// Reads a decimal number written in `style` (also whole numbers and
/// scientific notation such as `1.5e3` in the international style).
pub fn parse_decimal(s: &str, style: NumberStyle) -> Option<f64> {
    let (neg, body) = sign(s.trim());
    let (group, point) = separators(style);
    let (whole, frac) = match body.split_once(point) {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    // Plain decimals ("3.14", "-2") are the common case: parse in place.
    if style == NumberStyle::International
        && !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.')
    {
        let x: f64 = body.parse().ok()?;
        return Some(if neg { -x } else { x });
    }
    let whole = if whole.is_empty() && frac.is_some() { "0".to_string() } else { grouped(whole, group)?.into_owned() };
    let mut text = whole;
    if let Some(f) = frac {
        let (digits, exp) = match f.find(['e', 'E']) {
            Some(i) if style == NumberStyle::International => (&f[..i], Some(&f[i + 1..])),
            _ => (f, None),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        text.push('.');
        text.push_str(digits);
        if let Some(e) = exp {
            let (eneg, edigits) = sign(e);
            if edigits.is_empty() || !edigits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            text.push('e');
            if eneg {
                text.push('-');
            }
            text.push_str(edigits);
        }
    }
    let x: f64 = text.parse().ok()?;
    x.is_finite().then_some(if neg { -x } else { x })
}

/// Reads a date in `order`.
pub fn parse_date(s: &str, order: DateOrder) -> Option<Date> {
    let t = s.trim();
    let (y, m, d) = match order {
        DateOrder::Iso => {
            let mut it = t.split('-');
            let (y, m, d) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || y.len() != 4 {
                return None;
            }
            (y, m, d)
        }
        DateOrder::DayFirst => {
            let sep = t.chars().find(|c| ['/', '-', '.'].contains(c))?;
            let mut it = t.split(sep);
            let (d, m, y) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || y.len() != 4 {
                return None;
            }
            (y, m, d)
        }
    };
    let all_digits = |x: &str| !x.is_empty() && x.len() <= 4 && x.chars().all(|c| c.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) || m.len() > 2 || d.len() > 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Reads a time of day: `14:30`, `14:30:05`, `14:30:05.123`.
fn parse_time(s: &str) -> Option<Time> {
    let t = s.trim().trim_end_matches('Z');
    let mut it = t.split(':');
    let h: u8 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let (sec, nanos) = match it.next() {
        None => (0, 0),
        Some(sec) => match sec.split_once('.') {
            Some((s, frac)) if !frac.is_empty() && frac.len() <= 9 && frac.chars().all(|c| c.is_ascii_digit()) => {
                let nanos: u32 = format!("{frac:0<9}").parse().ok()?;
                (s.parse().ok()?, nanos)
            }
            Some(_) => return None,
            None => (sec.parse().ok()?, 0),
        },
    };
    if it.next().is_some() {
        return None;
    }
    Time::from_hms_nano(h, m, sec, nanos).ok()
}

/// Reads a date and time in `order` (`23/11/2026 14:30`, `2026-11-23T14:30:00`).
pub fn parse_datetime(s: &str, order: DateOrder) -> Option<PrimitiveDateTime> {
    let t = s.trim();
    let (d, tm) = t.split_once(['T', ' '])?;
    Some(PrimitiveDateTime::new(parse_date(d, order)?, parse_time(tm)?))
}

/// Reads a cell as `ty`; `None` if it does not parse (missing cells are
/// `Some(Value::Null)`).
pub fn parse(s: &str, ty: ColumnType) -> Option<Value> {
    if is_missing(s) {
        return Some(Value::Null);
    }
    parse_present(s, ty)
}

/// [`parse`] for a cell known not to be missing.
fn parse_present(s: &str, ty: ColumnType) -> Option<Value> {
    Some(match ty {
        ColumnType::Boolean => Value::Bool(parse_bool(s)?),
        ColumnType::Integer(style) => Value::Int(parse_int(s, style)?),
        ColumnType::Decimal(style) => Value::Float(parse_decimal(s, style)?),
        ColumnType::Date(order) => Value::Date(parse_date(s, order)?),
        ColumnType::DateTime(order) => Value::DateTime(parse_datetime(s, order)?),
        ColumnType::Text => Value::Text(s.to_string()),
    })
}

/// Every candidate, most specific first. The order decides ambiguities:
/// "1.234" reads as a Vietnamese integer and an international decimal, and
/// integers come first, as a Vietnamese publisher means them.
const CANDIDATES: [ColumnType; 10] = [
    ColumnType::Boolean,
    ColumnType::Integer(NumberStyle::International),
    ColumnType::Integer(NumberStyle::Vietnamese),
    ColumnType::Decimal(NumberStyle::International),
    ColumnType::Decimal(NumberStyle::Vietnamese),
    ColumnType::Date(DateOrder::Iso),
    ColumnType::Date(DateOrder::DayFirst),
    ColumnType::DateTime(DateOrder::Iso),
    ColumnType::DateTime(DateOrder::DayFirst),
    ColumnType::Text,
];

/// Infers one column's type from its cells, as they stream past.
#[derive(Debug, Clone)]
pub struct ColumnInference {
    alive: [bool; CANDIDATES.len()],
    seen: u64,
}

impl Default for ColumnInference {
    fn default() -> Self {
        ColumnInference { alive: [true; CANDIDATES.len()], seen: 0 }
    }
}

impl ColumnInference {
    /// Takes one cell into account.
    pub fn observe(&mut self, cell: &str) {
        if is_missing(cell) {
            return;
        }
        self.seen += 1;
        for (i, ty) in CANDIDATES.iter().enumerate() {
            if self.alive[i] && !matches!(ty, ColumnType::Text) && parse_present(cell, *ty).is_none() {
                self.alive[i] = false;
            }
        }
    }

    /// The inferred type: text when no cell had a value.
    pub fn result(&self) -> ColumnType {
        if self.seen == 0 {
            return ColumnType::Text;
        }
        CANDIDATES.iter().zip(self.alive).find(|(_, a)| *a).map(|(t, _)| *t).unwrap_or(ColumnType::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn infer(cells: &[&str]) -> ColumnType {
        let mut c = ColumnInference::default();
        for cell in cells {
            c.observe(cell);
        }
        c.result()
    }

    #[test]
    fn numbers_in_both_styles() {
        assert_eq!(infer(&["1", "22", "-3", ""]), ColumnType::Integer(NumberStyle::International));
        assert_eq!(infer(&["1.234.567", "8.900", "12"]), ColumnType::Integer(NumberStyle::Vietnamese));
        assert_eq!(infer(&["1,234,567", "8,900"]), ColumnType::Integer(NumberStyle::International));
        assert_eq!(infer(&["3,14", "2,5", "1.234,5"]), ColumnType::Decimal(NumberStyle::Vietnamese));
        assert_eq!(infer(&["3.14", "1,234.5", "2"]), ColumnType::Decimal(NumberStyle::International));
        assert_eq!(parse_decimal("1.5e3", NumberStyle::International), Some(1500.0));
        assert_eq!(infer(&["1.5", "NA", "2"]), ColumnType::Decimal(NumberStyle::International));
        assert_eq!(infer(&["12", "ba"]), ColumnType::Text);
        assert_eq!(parse_decimal("1.234,5", NumberStyle::Vietnamese), Some(1234.5));
        assert_eq!(parse_int("1.234", NumberStyle::Vietnamese), Some(1234));
        assert_eq!(parse_int("1.23", NumberStyle::Vietnamese), None);
        assert_eq!(parse_int("12.3456", NumberStyle::Vietnamese), None);
        assert_eq!(parse_decimal("-0,5", NumberStyle::Vietnamese), Some(-0.5));
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(infer(&["23/11/2026", "1/1/2025"]), ColumnType::Date(DateOrder::DayFirst));
        assert_eq!(infer(&["2026-11-23", "2025-01-31"]), ColumnType::Date(DateOrder::Iso));
        assert_eq!(infer(&["23/11/2026 14:30", "24/11/2026 08:00:05"]), ColumnType::DateTime(DateOrder::DayFirst));
        assert_eq!(infer(&["2026-11-23T14:30:00Z"]), ColumnType::DateTime(DateOrder::Iso));
        assert_eq!(infer(&["31/02/2026"]), ColumnType::Text, "no such day");
        assert_eq!(infer(&["11/23/2026"]), ColumnType::Text, "month first is not a Vietnamese date");
        let d = parse_date("23.11.2026", DateOrder::DayFirst).unwrap();
        assert_eq!((d.year(), d.month() as u8, d.day()), (2026, 11, 23));
    }

    #[test]
    fn booleans_and_missing_values() {
        assert_eq!(infer(&["có", "không", "Có", ""]), ColumnType::Boolean);
        assert_eq!(infer(&["true", "FALSE", "N/A"]), ColumnType::Boolean);
        assert_eq!(infer(&["", "  ", "null"]), ColumnType::Text);
        assert_eq!(infer(&["1", "0"]), ColumnType::Integer(NumberStyle::International), "0/1 stay numbers");
    }

    proptest! {
        #[test]
        fn integers_round_trip_in_both_styles(n in any::<i64>().prop_filter("no min", |n| *n != i64::MIN)) {
            let plain = n.to_string();
            prop_assert_eq!(parse_int(&plain, NumberStyle::International), Some(n));
            let digits = n.unsigned_abs().to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(c);
            }
            let text = if n < 0 { format!("-{grouped}") } else { grouped };
            prop_assert_eq!(parse_int(&text, NumberStyle::Vietnamese), Some(n));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let mut c = ColumnInference::default();
            c.observe(&s);
            let _ = c.result();
            for ty in CANDIDATES {
                let _ = parse(&s, ty);
            }
        }
    }
}
