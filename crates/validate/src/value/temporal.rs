//! Dates, times, years and durations, read as frictionless reads them:
//! `date` with Python's `strptime` (`%Y-%m-%d` by default), `datetime`
//! and `time` with `dateutil`'s `isoparse` by default, any of them with a
//! `strptime` pattern such as `%d/%m/%Y`, and `any` with a documented
//! subset of `dateutil.parser.parse`.
//!
//! `strptime` patterns are translated into a regular expression built the
//! way Python builds its own (same directive sub-patterns, same
//! "first match, then complain about unconverted data" rule), so cells such
//! as `5/1/2026` or `2026-1-5` are accepted exactly when Python accepts
//! them.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use regex::Regex;

/// Days from 0001-01-01 (day 1) to the given proleptic Gregorian date, as
/// Python's `date.toordinal`.
pub(crate) fn ordinal(y: i64, m: u32, d: u32) -> i64 {
    let y1 = y - 1;
    let before_year = y1 * 365 + y1.div_euclid(4) - y1.div_euclid(100) + y1.div_euclid(400);
    let mut days = 0i64;
    for mm in 1..m {
        days += i64::from(days_in_month(y, mm));
    }
    before_year + days + i64::from(d)
}

/// The date of a `date.toordinal` value.
pub(crate) fn from_ordinal(n: i64) -> (i64, u32, u32) {
    // Walk whole 400-year cycles (146,097 days), then years, then months.
    let mut n = n - 1;
    let cycles = n.div_euclid(146_097);
    n = n.rem_euclid(146_097);
    let mut y = cycles * 400 + 1;
    loop {
        let len = if is_leap(y) { 366 } else { 365 };
        if n < len {
            break;
        }
        n -= len;
        y += 1;
    }
    let mut m = 1;
    loop {
        let len = i64::from(days_in_month(y, m));
        if n < len {
            break;
        }
        n -= len;
        m += 1;
    }
    (y, m, (n + 1) as u32)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether Python's `date(y, m, d)` accepts the date (years 1–9999).
pub(crate) fn valid_date(y: i64, m: u32, d: u32) -> bool {
    (1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// A calendar date, as its ordinal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Date(pub(crate) i64);

/// A date and time, naive or with a UTC offset.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DateTime {
    /// The local date's ordinal.
    pub(crate) days: i64,
    /// Seconds since local midnight.
    pub(crate) secs: i64,
    pub(crate) micros: u32,
    /// Seconds east of UTC; `None` for a naive value.
    pub(crate) offset: Option<i32>,
}

/// A time of day, naive or with a UTC offset.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Time {
    pub(crate) secs: i64,
    pub(crate) micros: u32,
    pub(crate) offset: Option<i32>,
}

impl DateTime {
    fn key(&self) -> (bool, i64, u32) {
        let local = self.days * 86_400 + self.secs;
        match self.offset {
            Some(o) => (true, local - i64::from(o), self.micros),
            None => (false, local, self.micros),
        }
    }

    /// Python's order: aware values compare as instants, naive ones as
    /// wall-clock values, and a naive one is not comparable with an aware
    /// one (`None`; Python raises).
    pub(crate) fn partial_cmp_py(&self, other: &DateTime) -> Option<Ordering> {
        let (a, b) = (self.key(), other.key());
        (a.0 == b.0).then(|| (a.1, a.2).cmp(&(b.1, b.2)))
    }

    /// Feeds the value to a hasher so that equal values hash equal.
    pub(crate) fn hash_into<H: Hasher>(&self, h: &mut H) {
        self.key().hash(h);
    }

    /// The date part (for `date` fields read with a pattern that has a time).
    pub(crate) fn date(&self) -> Date {
        Date(self.days)
    }

    fn time(&self) -> Time {
        Time { secs: self.secs, micros: self.micros, offset: self.offset }
    }
}

impl Time {
    fn key(&self) -> (bool, i64, u32) {
        match self.offset {
            Some(o) => (true, self.secs - i64::from(o), self.micros),
            None => (false, self.secs, self.micros),
        }
    }

    /// As [`DateTime::partial_cmp_py`].
    pub(crate) fn partial_cmp_py(&self, other: &Time) -> Option<Ordering> {
        let (a, b) = (self.key(), other.key());
        (a.0 == b.0).then(|| (a.1, a.2).cmp(&(b.1, b.2)))
    }

    /// Feeds the value to a hasher so that equal values hash equal.
    pub(crate) fn hash_into<H: Hasher>(&self, h: &mut H) {
        self.key().hash(h);
    }
}

/// How a `date`, `datetime` or `time` field reads its cells.
#[derive(Clone, Debug)]
pub(crate) enum TemporalFormat {
    /// ISO 8601 (frictionless' `default`).
    Default,
    /// Any common form (frictionless' `any`; a subset here, see
    /// [`parse_any`]).
    Any,
    /// A `strptime` pattern such as `%d/%m/%Y`.
    Pattern(Box<Strptime>),
}

impl TemporalFormat {
    /// Reads a field's `format` property.
    pub(crate) fn parse(format: Option<&str>) -> Result<TemporalFormat, String> {
        match format {
            None | Some("default") => Ok(TemporalFormat::Default),
            Some("any") => Ok(TemporalFormat::Any),
            Some(p) => Strptime::compile(p).map(|s| TemporalFormat::Pattern(Box::new(s))),
        }
    }
}

/// What a directive's capture holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Directive {
    Day,
    Fraction,
    Hour24,
    Hour12,
    DayOfYear,
    Month,
    Minute,
    Second,
    Year2,
    Year4,
    Zone,
    WeekdayName,
    MonthName,
    AmPm,
    WeekdayNumber,
}

/// A compiled `strptime` pattern.
#[derive(Clone, Debug)]
pub(crate) struct Strptime {
    re: Regex,
    /// The directive of each capture group, in group order (group 1 first).
    groups: Vec<Directive>,
}

const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Python's `__seqToRE`: alternatives longest first so a longer name is
/// never cut short by a shorter one.
fn alternatives(names: impl Iterator<Item = String>) -> String {
    let mut v: Vec<String> = names.collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|")
}

impl Strptime {
    /// Translates a pattern; refuses directives Kho does not read (`%c`,
    /// `%x`, `%X`, `%Z`, `%U`, `%W`, `%V`, `%G`), unknown ones, a stray `%`
    /// and a directive used twice (all of which make Python fail on every
    /// cell).
    pub(crate) fn compile(fmt: &str) -> Result<Strptime, String> {
        let mut re = String::from("(?i)^");
        let mut groups: Vec<Directive> = Vec::new();
        let mut chars = fmt.chars().peekable();
        let mut seen = String::new();
        while let Some(c) = chars.next() {
            if c == '%' {
                let Some(d) = chars.next() else {
                    return Err("stray % at the end of the pattern".into());
                };
                if d == '%' {
                    re.push('%');
                    continue;
                }
                if seen.contains(d) {
                    return Err(format!("directive %{d} is used twice"));
                }
                seen.push(d);
                let (dir, pat) = match d {
                    'd' => (Directive::Day, "(3[0-1]|[1-2][0-9]|0[1-9]|[1-9]| [1-9])".to_string()),
                    'f' => (Directive::Fraction, "([0-9]{1,6})".to_string()),
                    'H' => (Directive::Hour24, "(2[0-3]|[0-1][0-9]|[0-9])".to_string()),
                    'I' => (Directive::Hour12, "(1[0-2]|0[1-9]|[1-9])".to_string()),
                    'j' => (
                        Directive::DayOfYear,
                        "(36[0-6]|3[0-5][0-9]|[1-2][0-9][0-9]|0[1-9][0-9]|00[1-9]|[1-9][0-9]|0[1-9]|[1-9])".to_string(),
                    ),
                    'm' => (Directive::Month, "(1[0-2]|0[1-9]|[1-9])".to_string()),
                    'M' => (Directive::Minute, "([0-5][0-9]|[0-9])".to_string()),
                    'S' => (Directive::Second, "(6[0-1]|[0-5][0-9]|[0-9])".to_string()),
                    'y' => (Directive::Year2, "([0-9][0-9])".to_string()),
                    'Y' => (Directive::Year4, "([0-9][0-9][0-9][0-9])".to_string()),
                    'z' => (
                        Directive::Zone,
                        "([+-][0-9][0-9]:?[0-5][0-9](?::?[0-5][0-9](?:\\.[0-9]{1,6})?)?|(?-i:Z))".to_string(),
                    ),
                    'a' => (
                        Directive::WeekdayName,
                        format!("({})", alternatives(WEEKDAYS.iter().map(|w| w[..3].to_string()))),
                    ),
                    'A' => {
                        (Directive::WeekdayName, format!("({})", alternatives(WEEKDAYS.iter().map(|w| w.to_string()))))
                    }
                    'b' => {
                        (Directive::MonthName, format!("({})", alternatives(MONTHS.iter().map(|m| m[..3].to_string()))))
                    }
                    'B' => (Directive::MonthName, format!("({})", alternatives(MONTHS.iter().map(|m| m.to_string())))),
                    'p' => (Directive::AmPm, "(am|pm)".to_string()),
                    'w' => (Directive::WeekdayNumber, "([0-6])".to_string()),
                    'u' => (Directive::WeekdayNumber, "([1-7])".to_string()),
                    other => return Err(format!("directive %{other} is not supported")),
                };
                if (d == 'a' && seen.contains('A'))
                    || (d == 'A' && seen.contains('a'))
                    || (d == 'b' && seen.contains('B'))
                    || (d == 'B' && seen.contains('b'))
                    || (d == 'w' && seen.contains('u'))
                    || (d == 'u' && seen.contains('w'))
                {
                    return Err(format!("directive %{d} repeats another one"));
                }
                groups.push(dir);
                re.push_str(&pat);
            } else if c.is_whitespace() {
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                re.push_str("\\s+");
            } else {
                re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
            }
        }
        let re = Regex::new(&re).map_err(|e| e.to_string())?;
        Ok(Strptime { re, groups })
    }

    /// Python's `datetime.strptime(s, pattern)`.
    pub(crate) fn parse(&self, s: &str) -> Option<DateTime> {
        let caps = self.re.captures(s)?;
        if caps.get(0)?.end() != s.len() {
            return None; // "unconverted data remains"
        }
        let mut year: i64 = 1900;
        let (mut month, mut day) = (1u32, 1u32);
        let (mut hour, mut minute, mut second, mut micros) = (0u32, 0u32, 0u32, 0u32);
        let mut hour12: Option<u32> = None;
        let mut pm: Option<bool> = None;
        let mut julian: Option<i64> = None;
        let mut offset: Option<i32> = None;
        for (i, dir) in self.groups.iter().enumerate() {
            let text = caps.get(i + 1)?.as_str();
            let num = || text.trim().parse::<u32>().ok();
            match dir {
                Directive::Day => day = num()?,
                Directive::Fraction => {
                    let padded = format!("{text:0<6}");
                    micros = padded.parse().ok()?;
                }
                Directive::Hour24 => hour = num()?,
                Directive::Hour12 => hour12 = Some(num()?),
                Directive::DayOfYear => julian = Some(i64::from(num()?)),
                Directive::Month => month = num()?,
                Directive::Minute => minute = num()?,
                Directive::Second => second = num()?,
                Directive::Year2 => {
                    let y = i64::from(num()?);
                    year = if y <= 68 { 2000 + y } else { 1900 + y };
                }
                Directive::Year4 => year = i64::from(num()?),
                Directive::Zone => offset = Some(parse_strptime_zone(text)?),
                Directive::MonthName => {
                    let t = text.to_ascii_lowercase();
                    let i = MONTHS.iter().position(|m| *m == t || m[..3] == t)?;
                    month = i as u32 + 1;
                }
                Directive::AmPm => pm = Some(text.eq_ignore_ascii_case("pm")),
                Directive::WeekdayName | Directive::WeekdayNumber => {}
            }
        }
        if let Some(h) = hour12 {
            hour = match pm {
                Some(true) if h != 12 => h + 12,
                Some(true) => 12,
                _ if h == 12 => 0,
                _ => h,
            };
        }
        let days = match julian {
            Some(j) => {
                if !(1..=9999).contains(&year) {
                    return None;
                }
                let n = ordinal(year, 1, 1) + j - 1;
                let (y, _, _) = from_ordinal(n);
                if !(1..=9999).contains(&y) {
                    return None;
                }
                n
            }
            None => {
                if !valid_date(year, month, day) {
                    return None;
                }
                ordinal(year, month, day)
            }
        };
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        Some(DateTime { days, secs: i64::from(hour * 3600 + minute * 60 + second), micros, offset })
    }
}

/// `%z`: `Z`, or `±HH[:]MM[[:]SS[.ffffff]]`, less than a day.
fn parse_strptime_zone(text: &str) -> Option<i32> {
    if text == "Z" {
        return Some(0);
    }
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits: String = text[1..].chars().take_while(|c| *c != '.').filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(0..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    let s: i32 = digits.get(4..6).map(str::parse).transpose().ok()?.unwrap_or(0);
    let total = h * 3600 + m * 60 + s;
    (total < 86_400).then_some(sign * total)
}

/// Two ASCII digits, or one at the end of the text (Python's
/// `int(s[pos:pos + 2])` reads a one-character tail too).
fn two_digits(s: &[u8], pos: usize) -> Option<(u32, usize)> {
    let end = (pos + 2).min(s.len());
    let part = s.get(pos..end)?;
    if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = part.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    Some((v, pos + 2))
}

fn digits_n(s: &[u8], pos: usize, n: usize) -> Option<u32> {
    let part = s.get(pos..pos + n)?;
    part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
}

/// `dateutil`'s ISO date part: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYYMMDD`, then the uncommon week (`YYYY-Www[-D]`) and ordinal
/// (`YYYY-DDD`) forms. Returns `(year, month, day, end)`; the components
/// are checked later, as dateutil does.
fn iso_date(s: &[u8]) -> Option<(i64, u32, u32, usize)> {
    iso_date_common(s).or_else(|| iso_date_uncommon(s))
}

fn iso_date_common(s: &[u8]) -> Option<(i64, u32, u32, usize)> {
    let year = i64::from(digits_n(s, 0, 4)?);
    let mut pos = 4;
    if pos >= s.len() {
        return Some((year, 1, 1, pos));
    }
    let has_sep = s[pos] == b'-';
    if has_sep {
        pos += 1;
    }
    if s.len() - pos < 2 {
        return None;
    }
    let month = digits_n(s, pos, 2)?;
    pos += 2;
    if pos >= s.len() {
        return has_sep.then_some((year, month, 1, pos));
    }
    if has_sep {
        if s[pos] != b'-' {
            return None;
        }
        pos += 1;
    }
    if s.len() - pos < 2 {
        return None;
    }
    let day = digits_n(s, pos, 2)?;
    Some((year, month, day, pos + 2))
}

fn iso_date_uncommon(s: &[u8]) -> Option<(i64, u32, u32, usize)> {
    let year = i64::from(digits_n(s, 0, 4)?);
    let has_sep = s.get(4) == Some(&b'-');
    let mut pos = 4 + usize::from(has_sep);
    let ord = if s.get(pos) == Some(&b'W') {
        pos += 1;
        let week = i64::from(digits_n(s, pos, 2)?);
        pos += 2;
        let mut dayno = 1i64;
        if s.len() > pos {
            if (s[pos] == b'-') != has_sep {
                return None;
            }
            pos += usize::from(has_sep);
            dayno = i64::from(digits_n(s, pos, 1)?);
            pos += 1;
        }
        if !(1..54).contains(&week) || !(1..8).contains(&dayno) || !(1..=9999).contains(&year) {
            return None;
        }
        // Week 1 is the week with 4 January in it; weeks start on Monday.
        let jan4 = ordinal(year, 1, 4);
        let weekday = (jan4 - 1).rem_euclid(7); // 0 = Monday (ordinal 1 was a Monday)
        jan4 - weekday + (week - 1) * 7 + (dayno - 1)
    } else {
        if s.len() < pos + 3 {
            return None;
        }
        let day = i64::from(digits_n(s, pos, 3)?);
        pos += 3;
        let len = if is_leap(year) { 366 } else { 365 };
        if day < 1 || day > len || !(1..=9999).contains(&year) {
            return None;
        }
        ordinal(year, 1, 1) + day - 1
    };
    let (y, m, d) = from_ordinal(ord);
    Some((y, m, d, pos))
}

/// `dateutil`'s ISO time part: `hh[[:]mm[[:]ss[.ffffff]]]` then an offset.
/// Returns `(hour, minute, second, micros, offset)`.
fn iso_time(t: &[u8]) -> Option<(u32, u32, u32, u32, Option<i32>)> {
    if t.len() < 2 {
        return None;
    }
    let mut c = [0u32; 4];
    let mut offset = None;
    let mut pos = 0usize;
    let mut comp: i32 = -1;
    let mut has_sep = false;
    while pos < t.len() && comp < 5 {
        comp += 1;
        if matches!(t[pos], b'-' | b'+' | b'Z' | b'z') {
            offset = Some(iso_zone(&t[pos..])?);
            pos = t.len();
            break;
        }
        if comp == 1 && t[pos] == b':' {
            has_sep = true;
            pos += 1;
        } else if comp == 2 && has_sep {
            if t[pos] != b':' {
                return None;
            }
            pos += 1;
        }
        if comp < 3 {
            let (v, next) = two_digits(t, pos)?;
            c[comp as usize] = v;
            pos = next;
        }
        if comp == 3 {
            let rest = &t[pos.min(t.len())..];
            if rest.first().is_some_and(|b| *b == b'.' || *b == b',') {
                let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                if n > 0 {
                    let digits = &rest[1..1 + n.min(6)];
                    let mut us = digits.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
                    for _ in digits.len()..6 {
                        us *= 10;
                    }
                    c[3] = us;
                    pos += 1 + n;
                }
            }
        }
    }
    if pos < t.len() {
        return None;
    }
    if c[0] == 24 && c[1..].iter().any(|v| *v != 0) {
        return None;
    }
    Some((c[0], c[1], c[2], c[3], offset))
}

fn iso_zone(z: &[u8]) -> Option<i32> {
    if z == b"Z" || z == b"z" {
        return Some(0);
    }
    if ![3, 5, 6].contains(&z.len()) {
        return None;
    }
    let sign = match z[0] {
        b'-' => -1,
        b'+' => 1,
        _ => return None,
    };
    let hours = digits_n(z, 1, 2)? as i32;
    let minutes = if z.len() == 3 {
        0
    } else {
        let start = if z[3] == b':' { 4 } else { 3 };
        let part = &z[start..];
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().fold(0i32, |a, d| a * 10 + i32::from(d - b'0'))
    };
    if hours == 0 && minutes == 0 {
        return Some(0);
    }
    if minutes > 59 || hours > 23 {
        return None;
    }
    Some(sign * (hours * 60 + minutes) * 60)
}

/// `dateutil.parser.isoparse`: an ISO date, then optionally any single
/// separator character and an ISO time. ASCII only.
pub(crate) fn isoparse(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    if !s.is_ascii() {
        return None;
    }
    let (y, m, d, pos) = iso_date(b)?;
    let (mut h, mi, sec, us, off) = if b.len() > pos { iso_time(&b[pos + 1..])? } else { (0, 0, 0, 0, None) };
    let mut extra_day = 0;
    if h == 24 {
        h = 0;
        extra_day = 1;
    }
    if !valid_date(y, m, d) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(DateTime {
        days: ordinal(y, m, d) + extra_day,
        secs: i64::from(h * 3600 + mi * 60 + sec),
        micros: us,
        offset: off,
    })
}

/// A subset of `dateutil.parser.parse` for the `any` format: ISO forms;
/// numeric dates with `/`, `-` or `.` and a four-digit year, read
/// year-first when the year leads, otherwise month-first unless the first
/// number cannot be a month (dateutil's default, so `23/11/2026` is 23
/// November but `05/11/2026` is 11 May — use `%d/%m/%Y` for Vietnamese
/// dates); then optionally a time `HH:MM[:SS[.ffffff]]` with `AM`/`PM`.
/// Dateutil also reads month names, two-digit years and partial dates
/// (filling in today's date); those are refused here.
pub(crate) fn parse_any(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if let Some(dt) = isoparse(s) {
        return Some(dt);
    }
    let (date_part, time_part) = match s.char_indices().find(|(_, c)| c.is_whitespace() || *c == 'T') {
        Some((i, c)) => (&s[..i], Some(s[i + c.len_utf8()..].trim())),
        None => (s, None),
    };
    let sep = date_part.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = date_part.split(sep).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (y, m, d) = if parts[0].len() == 4 {
        (n[0], n[1], n[2])
    } else if parts[2].len() == 4 {
        if n[0] > 12 { (n[2], n[1], n[0]) } else { (n[2], n[0], n[1]) }
    } else {
        return None;
    };
    let (y, m, d) = (i64::from(y), m, d);
    if !valid_date(y, m, d) {
        return None;
    }
    let secs = match time_part {
        None => 0,
        Some(t) => parse_any_time(t)?.0,
    };
    Some(DateTime { days: ordinal(y, m, d), secs, micros: 0, offset: None })
}

fn parse_any_time(t: &str) -> Option<(i64, u32)> {
    let lower = t.to_ascii_lowercase();
    let (clock, pm) = if let Some(c) = lower.strip_suffix("pm") {
        (c.trim().to_string(), Some(true))
    } else if let Some(c) = lower.strip_suffix("am") {
        (c.trim().to_string(), Some(false))
    } else {
        (lower, None)
    };
    let mut it = clock.split(':');
    let mut h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let (s, us) = match it.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let us = if frac.is_empty() { 0 } else { format!("{:0<6}", &frac[..frac.len().min(6)]).parse().ok()? };
            (whole.parse::<u32>().ok()?, us)
        }
    };
    if it.next().is_some() {
        return None;
    }
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((i64::from(h * 3600 + m * 60 + s), us))
}

/// Reads a `date` cell.
pub(crate) fn parse_date(s: &str, f: &TemporalFormat) -> Option<Date> {
    match f {
        TemporalFormat::Default => {
            // Fast path for the canonical form; other forms Python accepts
            // (`2026-1-5`) go through the general pattern.
            let b = s.as_bytes();
            if b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && let (Some(y), Some(m), Some(d)) = (digits_n(b, 0, 4), digits_n(b, 5, 2), digits_n(b, 8, 2))
            {
                let y = i64::from(y);
                return valid_date(y, m, d).then(|| Date(ordinal(y, m, d)));
            }
            DEFAULT_DATE.with(|p| p.as_ref().and_then(|p| p.parse(s)).map(|dt| dt.date()))
        }
        TemporalFormat::Any => parse_any(s).map(|dt| dt.date()),
        TemporalFormat::Pattern(p) => p.parse(s).map(|dt| dt.date()),
    }
}

thread_local! {
    static DEFAULT_DATE: Option<Strptime> = Strptime::compile("%Y-%m-%d").ok();
}

/// Reads a `datetime` cell.
pub(crate) fn parse_datetime(s: &str, f: &TemporalFormat) -> Option<DateTime> {
    match f {
        TemporalFormat::Default => {
            // Frictionless guards against dateutil's shorter forms: the
            // 17th character must be the seconds' colon.
            if s.chars().nth(16) != Some(':') || s.chars().count() < 19 {
                return None;
            }
            isoparse(s)
        }
        TemporalFormat::Any => parse_any(s),
        TemporalFormat::Pattern(p) => p.parse(s),
    }
}

/// Reads a `time` cell.
pub(crate) fn parse_time(s: &str, f: &TemporalFormat) -> Option<Time> {
    match f {
        TemporalFormat::Default => {
            if s.chars().nth(5) != Some(':') || s.chars().count() < 8 {
                return None;
            }
            let full = format!("2000-01-01T{s}");
            isoparse(&full).map(|dt| dt.time())
        }
        TemporalFormat::Any => {
            let t = s.trim();
            if let Some(dt) = parse_any(t) {
                return Some(dt.time());
            }
            parse_any_time(t).map(|(secs, micros)| Time { secs, micros, offset: None })
        }
        TemporalFormat::Pattern(p) => p.parse(s).map(|dt| dt.time()),
    }
}

/// Reads a `year` cell: four characters that Python's `int` reads as 0–9999.
pub(crate) fn parse_year(s: &str) -> Option<i64> {
    if s.chars().count() != 4 {
        return None;
    }
    let v = super::number::Dec::parse_int(s.trim())?.to_i64()?;
    (0..=9999).contains(&v).then_some(v)
}

/// Reads a `yearmonth` cell: `YEAR-MONTH`, each read by Python's `int`.
pub(crate) fn parse_yearmonth(s: &str) -> Option<(i64, u32)> {
    let (y, m) = s.split_once('-')?;
    if m.contains('-') {
        return None;
    }
    let y = super::number::Dec::parse_int(y.trim())?.to_i64()?;
    let m = super::number::Dec::parse_int(m.trim())?.to_i64()?;
    (1..=12).contains(&m).then_some((y, m as u32))
}

/// An ISO 8601 duration, reduced to what Python compares: years, months
/// and the rest as microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Duration {
    pub(crate) years: f64,
    pub(crate) months: f64,
    pub(crate) micros: i128,
}

impl Duration {
    /// Feeds the value to a hasher so that equal values hash equal.
    pub(crate) fn hash_into<H: Hasher>(&self, h: &mut H) {
        // Adding 0.0 turns -0.0 into 0.0 so both hash alike.
        (self.years + 0.0).to_bits().hash(h);
        (self.months + 0.0).to_bits().hash(h);
        self.micros.hash(h);
    }
}

thread_local! {
    static DURATION: Option<Regex> = Regex::new(concat!(
        r"^([+-])?P",
        r"(?:([0-9]+(?:[,.][0-9]+)?)Y)?",
        r"(?:([0-9]+(?:[,.][0-9]+)?)M)?",
        r"(?:([0-9]+(?:[,.][0-9]+)?)W)?",
        r"(?:([0-9]+(?:[,.][0-9]+)?)D)?",
        r"(?:T(?:([0-9]+(?:[,.][0-9]+)?)H)?",
        r"(?:([0-9]+(?:[,.][0-9]+)?)M)?",
        r"(?:([0-9]+(?:[,.][0-9]+)?)S)?)?$",
    ))
    .ok();
}

/// Reads a `duration` cell as `isodate.parse_duration` does
/// (`P1Y2M3DT4H5M6S`, `PT1.5S`, `P2W`, `-P1D`). The alternative form
/// `PYYYY-MM-DDThh:mm:ss` is not read.
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let after_p = s.trim_start_matches(['+', '-']).strip_prefix('P')?;
    if after_p.is_empty() {
        return None; // isodate's `P(?!\b)`
    }
    DURATION.with(|re| {
        let caps = re.as_ref()?.captures(s)?;
        let num = |i: usize| -> Option<f64> {
            caps.get(i).map_or(Some(0.0), |m| m.as_str().replace(',', ".").parse::<f64>().ok())
        };
        let sign = if caps.get(1).is_some_and(|m| m.as_str() == "-") { -1.0 } else { 1.0 };
        let secs = (num(4)? * 7.0 + num(5)?) * 86_400.0 + num(6)? * 3600.0 + num(7)? * 60.0 + num(8)?;
        Some(Duration { years: sign * num(2)?, months: sign * num(3)?, micros: (sign * secs * 1e6).round() as i128 })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(fmt: &str, s: &str) -> Option<(i64, u32, u32)> {
        Strptime::compile(fmt).unwrap().parse(s).map(|dt| from_ordinal(dt.days))
    }

    #[test]
    fn ordinals_round_trip() {
        assert_eq!(ordinal(1, 1, 1), 1);
        assert_eq!(ordinal(2026, 11, 23) - ordinal(2026, 1, 1), 326);
        for n in [1, 59, 60, 365, 366, 730_000, 738_000, 3_652_059] {
            let (y, m, d) = from_ordinal(n);
            assert_eq!(ordinal(y, m, d), n);
        }
    }

    #[test]
    fn strptime_like_python() {
        assert_eq!(p("%d/%m/%Y", "23/11/2026"), Some((2026, 11, 23)));
        assert_eq!(p("%d/%m/%Y", "1/2/2026"), Some((2026, 2, 1)));
        assert_eq!(p("%d/%m/%Y", " 5/11/2026"), Some((2026, 11, 5)));
        assert_eq!(p("%d/%m/%y", "05/11/26"), Some((2026, 11, 5)));
        assert_eq!(p("%d/%m/%y", "05/11/69"), Some((1969, 11, 5)));
        assert_eq!(p("%Y-%m-%d", "2026-1-5"), Some((2026, 1, 5)));
        assert_eq!(p("%Y-%m-%d", "2026-01-05 "), None);
        assert_eq!(p("%Y-%m-%d", "2026-01-0510"), None);
        assert_eq!(p("%d/%m/%Y", "31/02/2026"), None);
        assert_eq!(p("%d/%m", "29/02"), None, "year 1900 is not a leap year");
        assert_eq!(p("%d/%m/%Y %H:%M", "1/1/2026  10:00"), Some((2026, 1, 1)));
        assert_eq!(p("%H:%M:%S", "12:00:60"), None);
        assert_eq!(p("%d %B %Y", "5 NOVEMBER 2026"), Some((2026, 11, 5)));
        assert_eq!(p("%Y%j", "2024366"), Some((2024, 12, 31)));
        assert_eq!(p("%Y %j", "2023 366"), Some((2024, 1, 1)));
        let dt = Strptime::compile("%I:%M %p").unwrap().parse("12:30 am").unwrap();
        assert_eq!(dt.secs, 30 * 60);
        let dt = Strptime::compile("%Y-%m-%dT%H:%M%z").unwrap().parse("2026-01-01T10:00+07:00").unwrap();
        assert_eq!(dt.offset, Some(7 * 3600));
        assert!(Strptime::compile("%d/%m/%d").is_err());
        assert!(Strptime::compile("%Q").is_err());
        assert!(Strptime::compile("100%").is_err());
        assert!(Strptime::compile("%c").is_err());
    }

    #[test]
    fn isoparse_like_dateutil() {
        let ok = |s: &str| parse_datetime(s, &TemporalFormat::Default).is_some();
        assert!(ok("2026-11-23T10:20:30"));
        assert!(ok("2026-11-23 10:20:30"));
        assert!(ok("2026-11-23T10:20:30.123456789Z"));
        assert!(ok("2026-11-23T10:20:30+07:00"));
        assert!(ok("2026-11-23T10:20:30-0330"));
        assert!(ok("2026-11-23T24:00:00"));
        assert!(!ok("2026-11-23T24:00:01"));
        assert!(!ok("2026-11-23T10:20"));
        assert!(!ok("2026-02-30T10:20:30"));
        assert!(!ok("2026-11-23T10:20:30+7"));
        assert!(!ok("23/11/2026 10:20:30"));
        let a = parse_datetime("2026-01-01T10:00:00+07:00", &TemporalFormat::Default).unwrap();
        let b = parse_datetime("2026-01-01T03:00:00Z", &TemporalFormat::Default).unwrap();
        let n = parse_datetime("2026-01-01T03:00:00", &TemporalFormat::Default).unwrap();
        assert_eq!(a.partial_cmp_py(&b), Some(Ordering::Equal));
        assert_eq!(a.partial_cmp_py(&n), None);
        let t = |s: &str| parse_time(s, &TemporalFormat::Default).is_some();
        assert!(t("10:20:30"));
        assert!(t("10:20:30.5+07:00"));
        assert!(!t("10:20"));
        assert!(!t("1:20:30"));
        assert!(!t("25:00:00"));
        assert!(isoparse("2026-W01-1").is_some());
        assert!(isoparse("2026-123").is_some());
    }

    #[test]
    fn default_dates() {
        let d = |s: &str| parse_date(s, &TemporalFormat::Default);
        assert!(d("2026-11-23").is_some());
        assert!(d("2026-1-5").is_some());
        assert!(d("2024-02-29").is_some());
        assert!(d("2023-02-29").is_none());
        assert!(d("0000-01-01").is_none());
        assert!(d("23/11/2026").is_none());
        assert!(d("2026-13-01").is_none());
    }

    #[test]
    fn any_format_subset() {
        let a = |s: &str| parse_any(s).map(|dt| from_ordinal(dt.days));
        assert_eq!(a("23/11/2026"), Some((2026, 11, 23)));
        assert_eq!(a("05/11/2026"), Some((2026, 5, 11)));
        assert_eq!(a("2026/11/23 10:00 PM"), Some((2026, 11, 23)));
        assert_eq!(a("2026-11-23"), Some((2026, 11, 23)));
        assert_eq!(a("hôm nay"), None);
        assert_eq!(a("23/11/2026\u{3000}10:00"), Some((2026, 11, 23)), "a wide space is not cut in two");
    }

    #[test]
    fn years_months_durations() {
        assert_eq!(parse_year("2026"), Some(2026));
        assert_eq!(parse_year("+123"), Some(123));
        assert_eq!(parse_year("-001"), None);
        assert_eq!(parse_year("20261"), None);
        assert_eq!(parse_yearmonth("2026-11"), Some((2026, 11)));
        assert_eq!(parse_yearmonth("2026-13"), None);
        assert_eq!(parse_yearmonth("2026-11-01"), None);
        assert!(parse_duration("P1Y2M3DT4H5M6S").is_some());
        assert!(parse_duration("PT1.5S").is_some());
        assert!(parse_duration("-P2W").is_some());
        assert!(parse_duration("P").is_none());
        assert!(parse_duration("1D").is_none());
        assert!(parse_duration("P1H").is_none());
        assert_eq!(parse_duration("P1D"), parse_duration("PT24H"));
    }
}
