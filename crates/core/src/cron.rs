//! Cron schedules for recurring work (harvest sources, issue 8).
//!
//! A [`Schedule`] is the classic five-field cron line,
//! `minute hour day-of-month month day-of-week`, read the way Vixie cron
//! reads it, and evaluated in UTC (so there are no daylight-saving gaps or
//! repeats):
//!
//! | field | values | names |
//! |---|---|---|
//! | 1 minute | 0–59 | |
//! | 2 hour | 0–23 | |
//! | 3 day of month | 1–31 | |
//! | 4 month | 1–12 | `JAN`–`DEC` |
//! | 5 day of week | 0–7 (0 and 7 are Sunday) | `SUN`–`SAT` |
//!
//! Each field is `*`, `*/step`, or a comma list of values `5`, ranges `1-5`
//! and stepped ranges `10-50/10`. Names are case-insensitive. A day-of-week
//! range may end on Sunday written as `SUN` or `0` (`FRI-SUN`); any other
//! range must run from low to high. `*` and `*/step` stand alone in their
//! field.
//!
//! The macros `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly` and
//! `@yearly` (`@annually`) stand for the usual lines.
//!
//! Day fields follow Vixie cron: when both day of month and day of week are
//! restricted, a day matches if *either* matches (`0 0 13 * FRI` runs on
//! every 13th and every Friday). A day field counts as unrestricted when it
//! is written `*` or `*/step` (Vixie cron looks at the leading `*`), so
//! `0 0 */2 * MON` runs on odd-numbered days that are Mondays.
//!
//! [`Schedule::next_after`] finds the next run; [`Schedule::text`] and
//! `Display` give a normalised line that parses back to the same schedule.

use std::fmt;
use std::str::FromStr;

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// How far ahead [`Schedule::next_after`] looks, in calendar years.
pub const SEARCH_YEARS: i32 = 5;

const MONTH_NAMES: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const MACROS: [(&str, &str); 7] = [
    ("@hourly", "0 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
];

/// One of the five fields of a cron line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    /// The field's position in the line, from 1.
    pub fn number(self) -> usize {
        match self {
            Field::Minute => 1,
            Field::Hour => 2,
            Field::DayOfMonth => 3,
            Field::Month => 4,
            Field::DayOfWeek => 5,
        }
    }

    /// The field's name as error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day of month",
            Field::Month => "month",
            Field::DayOfWeek => "day of week",
        }
    }

    /// The smallest value the field accepts.
    pub fn min(self) -> u8 {
        match self {
            Field::DayOfMonth | Field::Month => 1,
            Field::Minute | Field::Hour | Field::DayOfWeek => 0,
        }
    }

    /// The largest value the field accepts (7 for day of week: Sunday again).
    pub fn max(self) -> u8 {
        match self {
            Field::Minute => 59,
            Field::Hour => 23,
            Field::DayOfMonth => 31,
            Field::Month => 12,
            Field::DayOfWeek => 7,
        }
    }

    /// The last value `*` covers (6 for day of week, whose 7 repeats 0).
    fn last(self) -> u8 {
        match self {
            Field::DayOfWeek => 6,
            other => other.max(),
        }
    }

    /// How many distinct values the field has; also the largest step.
    fn span(self) -> u8 {
        self.last() - self.min() + 1
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &MONTH_NAMES,
            Field::DayOfWeek => &WEEKDAY_NAMES,
            _ => &[],
        }
    }

    /// What a single value of this field may be, for error messages.
    fn allowed(self) -> &'static str {
        match self {
            Field::Minute => "a number 0–59",
            Field::Hour => "a number 0–23",
            Field::DayOfMonth => "a number 1–31",
            Field::Month => "a number 1–12 or a month name JAN–DEC",
            Field::DayOfWeek => "a number 0–7 (0 and 7 are Sunday) or a weekday name SUN–SAT",
        }
    }
}

impl fmt::Display for Field {
    /// `field 2 (hour)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {} ({})", self.number(), self.name())
    }
}

/// Why a cron line was refused. The message names the field, quotes what
/// was written and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CronError {
    #[error("the schedule is empty: expected 5 fields (minute hour day month weekday) or a macro such as @daily")]
    Empty,
    #[error("expected 5 fields (minute hour day month weekday), found {found}")]
    FieldCount { found: usize },
    #[error(
        "unknown macro \"{text}\": allowed are @hourly, @daily, @midnight, @weekly, @monthly, @yearly and @annually"
    )]
    UnknownMacro { text: String },
    #[error("{field} \"{value}\" is out of range {}–{}", .field.min(), .field.max())]
    OutOfRange { field: Field, value: String },
    #[error("{field} \"{value}\" is not {}", .field.allowed())]
    NotAValue { field: Field, value: String },
    #[error("{field} \"{text}\" has an empty list item: separate values with single commas, e.g. \"1,5\"")]
    EmptyItem { field: Field, text: String },
    #[error("{field} \"{item}\" is not a range: write low-high, e.g. \"1-5\"")]
    BadRange { field: Field, item: String },
    #[error("{field} \"{item}\" runs from high to low: ranges go from low to high; to wrap around write \"{wrapped}\"")]
    ReversedRange { field: Field, item: String, wrapped: String },
    #[error("{field} \"{item}\": the step after \"/\" must be a number 1–{}", .field.span())]
    BadStep { field: Field, item: String },
    #[error("{field} \"{item}\": a step needs \"*\" or a range before \"/\", e.g. \"{suggestion}\"")]
    StepNeedsRange { field: Field, item: String, suggestion: String },
    #[error("{field} \"{text}\": \"*\" cannot be combined with other values in a list")]
    StarInList { field: Field, text: String },
}

/// A parsed cron schedule. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    /// Bit `n` set: value `n` matches.
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    /// Sunday is bit 0 (a written 7 is folded onto it).
    weekdays: u64,
    /// The day-of-month field was `*` or `*/step` (Vixie's DOM_STAR).
    days_star: bool,
    /// The day-of-week field was `*` or `*/step` (Vixie's DOW_STAR).
    weekdays_star: bool,
    /// The normalised line, computed once.
    text: String,
}

impl Schedule {
    /// Parses a five-field cron line or one of the `@` macros.
    pub fn parse(text: &str) -> Result<Schedule, CronError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CronError::Empty);
        }
        let line = if trimmed.starts_with('@') {
            MACROS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
                .map(|(_, line)| *line)
                .ok_or_else(|| CronError::UnknownMacro { text: trimmed.to_string() })?
        } else {
            trimmed
        };
        let parts: Vec<&str> = line.split_ascii_whitespace().collect();
        if parts.len() != 5 {
            return Err(CronError::FieldCount { found: parts.len() });
        }
        let (minutes, _) = parse_field(Field::Minute, parts[0])?;
        let (hours, _) = parse_field(Field::Hour, parts[1])?;
        let (days, days_star) = parse_field(Field::DayOfMonth, parts[2])?;
        let (months, _) = parse_field(Field::Month, parts[3])?;
        let (weekdays, weekdays_star) = parse_field(Field::DayOfWeek, parts[4])?;
        let mut schedule =
            Schedule { minutes, hours, days, months, weekdays, days_star, weekdays_star, text: String::new() };
        schedule.text = schedule.render();
        Ok(schedule)
    }

    /// The normalised line: numbers instead of names, Sunday as 0, lists
    /// sorted and merged, macros expanded, single spaces. It parses back to
    /// an equal schedule.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the minute containing `t` (taken in UTC) is one the schedule
    /// runs in.
    pub fn matches(&self, t: OffsetDateTime) -> bool {
        let Some(t) = t.checked_to_offset(UtcOffset::UTC) else { return false };
        has(self.minutes, t.minute())
            && has(self.hours, t.hour())
            && has(self.months, u8::from(t.month()))
            && self.day_matches(t.date())
    }

    /// The first minute the schedule runs in strictly after `t`, in UTC with
    /// zero seconds; `None` if there is none within [`SEARCH_YEARS`] years
    /// of `t` (for example `0 0 30 2 *`) or the calendar ends first.
    pub fn next_after(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        let t = t.checked_to_offset(UtcOffset::UTC)?;
        let limit = years_later(t, SEARCH_YEARS);
        let start = t.truncate_to_minute().checked_add(Duration::MINUTE)?;
        let (mut date, mut hour, mut minute) = (start.date(), start.hour(), start.minute());
        // Each pass either answers or moves forward by a month, a day or an
        // hour, so the loop runs at most a few thousand times in 5 years.
        loop {
            if date > limit.date() {
                return None;
            }
            if !has(self.months, u8::from(date.month())) {
                date = first_of_next_month(date)?;
                (hour, minute) = (0, 0);
                continue;
            }
            if !self.day_matches(date) {
                date = date.next_day()?;
                (hour, minute) = (0, 0);
                continue;
            }
            let Some(h) = next_set(self.hours, hour) else {
                date = date.next_day()?;
                (hour, minute) = (0, 0);
                continue;
            };
            if h != hour {
                (hour, minute) = (h, 0);
            }
            let Some(m) = next_set(self.minutes, minute) else {
                (hour, minute) = (hour + 1, 0);
                continue;
            };
            let found = date.with_time(Time::from_hms(hour, m, 0).ok()?).assume_utc();
            return (found <= limit).then_some(found);
        }
    }

    /// Vixie cron's day rule: both day fields must match if either is
    /// unrestricted; otherwise one is enough.
    fn day_matches(&self, date: Date) -> bool {
        let dom = has(self.days, date.day());
        let dow = has(self.weekdays, date.weekday().number_days_from_sunday());
        if self.days_star || self.weekdays_star { dom && dow } else { dom || dow }
    }

    fn render(&self) -> String {
        [
            render_field(Field::Minute, self.minutes, None),
            render_field(Field::Hour, self.hours, None),
            render_field(Field::DayOfMonth, self.days, Some(self.days_star)),
            render_field(Field::Month, self.months, None),
            render_field(Field::DayOfWeek, self.weekdays, Some(self.weekdays_star)),
        ]
        .join(" ")
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Schedule {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schedule::parse(s)
    }
}

fn has(bits: u64, value: u8) -> bool {
    value < 64 && bits & (1 << value) != 0
}

/// The smallest set value `>= from`.
fn next_set(bits: u64, from: u8) -> Option<u8> {
    if from >= 64 {
        return None;
    }
    let rest = bits & (u64::MAX << from);
    // trailing_zeros of a u64 is at most 64, so it fits in a u8.
    (rest != 0).then(|| rest.trailing_zeros() as u8)
}

fn first_of_next_month(date: Date) -> Option<Date> {
    let (year, month) = match date.month() {
        Month::December => (date.year().checked_add(1)?, Month::January),
        other => (date.year(), other.next()),
    };
    Date::from_calendar_date(year, month, 1).ok()
}

/// The same wall time `years` calendar years later (29 February becomes
/// 1 March), or the end of the representable calendar.
fn years_later(t: OffsetDateTime, years: i32) -> OffsetDateTime {
    let d = t.date();
    let date = d.year().checked_add(years).and_then(|year| {
        Date::from_calendar_date(year, d.month(), d.day())
            .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
            .ok()
    });
    match date {
        Some(date) => date.with_time(t.time()).assume_utc(),
        None => PrimitiveDateTime::new(Date::MAX, Time::MAX).assume_utc(),
    }
}

/// Parses one field into its bit set and whether it was `*` or `*/step`.
fn parse_field(field: Field, text: &str) -> Result<(u64, bool), CronError> {
    let items: Vec<&str> = text.split(',').collect();
    let mut bits = 0u64;
    let mut star = false;
    for item in &items {
        if item.is_empty() {
            return Err(CronError::EmptyItem { field, text: text.to_string() });
        }
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(parse_step(field, item, step)?)),
            None => (*item, None),
        };
        let (low, high) = if base == "*" {
            if items.len() > 1 {
                return Err(CronError::StarInList { field, text: text.to_string() });
            }
            star = true;
            (field.min(), field.last())
        } else if let Some((a, b)) = base.split_once('-') {
            if a.is_empty() || b.is_empty() || b.contains('-') {
                return Err(CronError::BadRange { field, item: item.to_string() });
            }
            let low = parse_value(field, a)?;
            let mut high = parse_value(field, b)?;
            if field == Field::DayOfWeek && high == 0 && low > 0 {
                high = 7; // FRI-SUN
            }
            if low > high {
                return Err(CronError::ReversedRange {
                    field,
                    item: item.to_string(),
                    wrapped: wrapped(field, low, high),
                });
            }
            (low, high)
        } else {
            let value = parse_value(field, base)?;
            if let Some(step) = step {
                let suggestion =
                    if value >= field.last() { value.to_string() } else { format!("{value}-{}/{step}", field.last()) };
                return Err(CronError::StepNeedsRange { field, item: item.to_string(), suggestion });
            }
            (value, value)
        };
        let step = step.unwrap_or(1);
        let mut value = low;
        while value <= high {
            bits |= 1 << value;
            value += step;
        }
    }
    if field == Field::DayOfWeek && has(bits, 7) {
        bits = (bits & !(1 << 7)) | 1;
    }
    Ok((bits, star))
}

/// The two ranges a reversed range probably meant, e.g. `20-23,0-10`.
fn wrapped(field: Field, low: u8, high: u8) -> String {
    let (first, last) = (field.min(), field.last());
    let part = |a: u8, b: u8| if a == b { a.to_string() } else { format!("{a}-{b}") };
    if low > last {
        return part(first, high);
    }
    format!("{},{}", part(low, last), part(first, high))
}

fn parse_step(field: Field, item: &str, text: &str) -> Result<u8, CronError> {
    let bad = || CronError::BadStep { field, item: item.to_string() };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u8>() {
        Ok(step) if (1..=field.span()).contains(&step) => Ok(step),
        _ => Err(bad()),
    }
}

fn parse_value(field: Field, text: &str) -> Result<u8, CronError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u8>() {
            Ok(value) if (field.min()..=field.max()).contains(&value) => Ok(value),
            _ => Err(CronError::OutOfRange { field, value: text.to_string() }),
        };
    }
    let first = if field == Field::Month { 1 } else { 0 };
    field
        .names()
        .iter()
        .zip(first..)
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, value)| value)
        .ok_or_else(|| CronError::NotAValue { field, value: text.to_string() })
}

/// Renders a field's values. `star` is `Some` for the two day fields, whose
/// "written as `*`" flag changes their meaning and so must survive.
fn render_field(field: Field, bits: u64, star: Option<bool>) -> String {
    let (first, last) = (field.min(), field.last());
    let values: Vec<u8> = (first..=last).filter(|&v| has(bits, v)).collect();
    let full = values.len() == usize::from(field.span());
    match star {
        Some(true) => {
            if full {
                return "*".to_string();
            }
            // A starred field is exactly first, first+step, …; one value
            // means the step was at least the span.
            let step = if values.len() >= 2 { values[1] - values[0] } else { field.span() };
            return format!("*/{step}");
        }
        Some(false) => return render_list(&values),
        None => {}
    }
    if full {
        return "*".to_string();
    }
    if let Some(step) = progression_step(&values)
        && values[0] == first
        && field.span().is_multiple_of(step)
        && values.last().copied().unwrap_or(first) + step > last
    {
        return format!("*/{step}");
    }
    render_list(&values)
}

/// The common difference of at least two evenly spaced values.
fn progression_step(values: &[u8]) -> Option<u8> {
    let step = values.get(1)?.checked_sub(values[0])?;
    values.windows(2).all(|w| w[1] - w[0] == step).then_some(step)
}

/// `10-50/10` for an even progression of three or more values, otherwise
/// runs of three or more as `a-b` and the rest as single values.
fn render_list(values: &[u8]) -> String {
    if values.len() >= 3
        && let Some(step) = progression_step(values)
        && step > 1
    {
        return format!("{}-{}/{step}", values[0], values[values.len() - 1]);
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", values[i], values[j]));
        } else {
            parts.extend(values[i..=j].iter().map(u8::to_string));
        }
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn parse(text: &str) -> Schedule {
        Schedule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn next(text: &str, t: OffsetDateTime) -> Option<OffsetDateTime> {
        parse(text).next_after(t)
    }

    /// The first `n` runs after `t`.
    fn runs(text: &str, mut t: OffsetDateTime, n: usize) -> Vec<OffsetDateTime> {
        let schedule = parse(text);
        let mut out = Vec::new();
        for _ in 0..n {
            t = schedule.next_after(t).expect("a next run");
            out.push(t);
        }
        out
    }

    fn error(text: &str) -> String {
        match Schedule::parse(text) {
            Ok(s) => panic!("{text} parsed as {s}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_minute_is_strictly_after_with_seconds_zeroed() {
        assert_eq!(next("* * * * *", datetime!(2025-06-01 10:00:00 UTC)), Some(datetime!(2025-06-01 10:01 UTC)));
        assert_eq!(next("* * * * *", datetime!(2025-06-01 10:00:59.999999 UTC)), Some(datetime!(2025-06-01 10:01 UTC)));
        assert_eq!(next("* * * * *", datetime!(2025-06-01 23:59:30 UTC)), Some(datetime!(2025-06-02 00:00 UTC)));
    }

    #[test]
    fn lists_ranges_and_steps() {
        let t = datetime!(2025-06-01 10:07 UTC);
        assert_eq!(next("*/15 * * * *", t), Some(datetime!(2025-06-01 10:15 UTC)));
        assert_eq!(next("*/15 * * * *", datetime!(2025-06-01 10:45 UTC)), Some(datetime!(2025-06-01 11:00 UTC)));
        assert_eq!(next("5,1 * * * *", t), Some(datetime!(2025-06-01 11:01 UTC)));
        assert_eq!(next("8-9 * * * *", t), Some(datetime!(2025-06-01 10:08 UTC)));
        assert_eq!(
            runs("10-50/10 9-10 * * *", t, 6),
            [
                datetime!(2025-06-01 10:10 UTC),
                datetime!(2025-06-01 10:20 UTC),
                datetime!(2025-06-01 10:30 UTC),
                datetime!(2025-06-01 10:40 UTC),
                datetime!(2025-06-01 10:50 UTC),
                datetime!(2025-06-02 09:10 UTC),
            ]
        );
        assert_eq!(next("0 */6 * * *", t), Some(datetime!(2025-06-01 12:00 UTC)));
        assert_eq!(next("0 0 * */4 *", t), Some(datetime!(2025-09-01 00:00 UTC)));
        assert_eq!(parse("*/15 * * * *"), parse("0,15,30,45 * * * *"));
        assert_eq!(parse("10-50/10 * * * *"), parse("10,20,30,40,50 * * * *"));
        // A step larger than the range leaves its first value.
        assert_eq!(parse("10-20/30 * * * *"), parse("10 * * * *"));
    }

    #[test]
    fn month_and_weekday_names_are_case_insensitive() {
        assert_eq!(parse("0 12 * jan,Jul Mon-fri"), parse("0 12 * 1,7 1-5"));
        assert_eq!(parse("0 0 * DEC SUN"), parse("0 0 * 12 0"));
        assert_eq!(next("0 9 * * mon", datetime!(2025-06-01 10:00 UTC)), Some(datetime!(2025-06-02 09:00 UTC)));
        assert_eq!(next("0 0 1 oct *", datetime!(2025-06-01 10:00 UTC)), Some(datetime!(2025-10-01 00:00 UTC)));
    }

    #[test]
    fn sunday_is_0_and_7_and_ranges_may_end_on_it() {
        assert_eq!(parse("0 0 * * 0"), parse("0 0 * * 7"));
        assert_eq!(parse("0 0 * * 0").text(), "0 0 * * 0");
        assert_eq!(parse("0 0 * * 7").text(), "0 0 * * 0");
        assert_eq!(parse("0 0 * * 5-7"), parse("0 0 * * 0,5,6"));
        assert_eq!(parse("0 0 * * FRI-SUN"), parse("0 0 * * 0,5,6"));
        assert_eq!(parse("0 0 * * 5-0"), parse("0 0 * * 0,5,6"));
        assert_eq!(parse("0 0 * * 1-7/2"), parse("0 0 * * 0,1,3,5"));
        // 2025-06-01 is a Sunday.
        assert_eq!(next("0 0 * * 7", datetime!(2025-05-30 12:00 UTC)), Some(datetime!(2025-06-01 00:00 UTC)));
    }

    #[test]
    fn macros() {
        for (text, line) in [
            ("@hourly", "0 * * * *"),
            ("@daily", "0 0 * * *"),
            ("@midnight", "0 0 * * *"),
            ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"),
            ("@yearly", "0 0 1 1 *"),
            ("@annually", "0 0 1 1 *"),
            ("  @DAILY ", "0 0 * * *"),
        ] {
            assert_eq!(parse(text).text(), line, "{text}");
            assert_eq!(parse(text), parse(line), "{text}");
        }
        let t = datetime!(2025-06-01 10:07 UTC);
        assert_eq!(next("@hourly", t), Some(datetime!(2025-06-01 11:00 UTC)));
        assert_eq!(next("@weekly", t), Some(datetime!(2025-06-08 00:00 UTC)));
        assert_eq!(next("@yearly", t), Some(datetime!(2026-01-01 00:00 UTC)));
    }

    #[test]
    fn february_29_waits_for_a_leap_year() {
        assert_eq!(next("0 0 29 2 *", datetime!(2025-01-01 00:00 UTC)), Some(datetime!(2028-02-29 00:00 UTC)));
        assert_eq!(next("0 0 29 2 *", datetime!(2028-02-29 00:00 UTC)), Some(datetime!(2032-02-29 00:00 UTC)));
        // 2100 is not a leap year: from March 2099 the next is 2104, within 5 years.
        assert_eq!(next("0 0 29 2 *", datetime!(2099-03-01 00:00 UTC)), Some(datetime!(2104-02-29 00:00 UTC)));
        // From 2097 it is further than 5 years away.
        assert_eq!(next("0 0 29 2 *", datetime!(2097-01-01 00:00 UTC)), None);
    }

    #[test]
    fn impossible_dates_give_none() {
        let t = datetime!(2025-01-01 00:00 UTC);
        assert_eq!(next("0 0 30 2 *", t), None);
        assert_eq!(next("0 0 31 4,6,9,11 *", t), None);
        // Only impossible when the weekday is unrestricted: with a weekday the
        // Vixie OR rule lets the weekday alone match.
        assert_eq!(next("0 0 30 2 MON", t), Some(datetime!(2025-02-03 00:00 UTC)));
    }

    #[test]
    fn the_search_stops_after_5_years() {
        // Noon on 1 February when that is a Friday (`*/31` is the 1st and,
        // starting with `*`, ANDs with the weekday): 2019, 2030, 2036.
        let s = parse("0 12 */31 2 FRI");
        // From 2025-02-01 12:00 the limit is 2030-02-01 12:00: a run at
        // that very minute counts, one a minute past it does not.
        assert_eq!(s.next_after(datetime!(2025-02-01 12:00 UTC)), Some(datetime!(2030-02-01 12:00 UTC)));
        assert_eq!(s.next_after(datetime!(2025-02-01 11:59 UTC)), None);
        assert_eq!(s.next_after(datetime!(2019-02-01 12:00 UTC)), None);
        assert_eq!(s.next_after(datetime!(2029-12-31 00:00 UTC)), Some(datetime!(2030-02-01 12:00 UTC)));
    }

    #[test]
    fn the_end_of_the_calendar_gives_none() {
        let last = PrimitiveDateTime::new(Date::MAX, time::macros::time!(23:59)).assume_utc();
        assert_eq!(parse("* * * * *").next_after(last), None);
        assert_eq!(parse("0 0 29 2 *").next_after(last - Duration::days(400)), None);
        // An offset that would carry past the end of the calendar in UTC.
        let beyond = PrimitiveDateTime::new(Date::MAX, time::macros::time!(23:00))
            .assume_offset(UtcOffset::from_hms(-5, 0, 0).unwrap());
        assert_eq!(parse("* * * * *").next_after(beyond), None);
        assert!(!parse("* * * * *").matches(beyond));
    }

    #[test]
    fn year_rollover() {
        assert_eq!(next("0 0 1 1 *", datetime!(2025-12-31 23:59 UTC)), Some(datetime!(2026-01-01 00:00 UTC)));
        assert_eq!(next("59 23 31 12 *", datetime!(2025-12-31 23:59 UTC)), Some(datetime!(2026-12-31 23:59 UTC)));
        assert_eq!(next("* * * * *", datetime!(2025-12-31 23:59:59 UTC)), Some(datetime!(2026-01-01 00:00 UTC)));
        assert_eq!(next("0 0 * 1 MON", datetime!(2025-12-31 12:00 UTC)), Some(datetime!(2026-01-05 00:00 UTC)));
        assert_eq!(next("30 6 31 * *", datetime!(2025-11-30 12:00 UTC)), Some(datetime!(2025-12-31 06:30 UTC)));
        assert_eq!(next("30 6 31 * *", datetime!(2025-12-31 12:00 UTC)), Some(datetime!(2026-01-31 06:30 UTC)));
    }

    #[test]
    fn times_are_utc_without_daylight_saving() {
        // Europe and the US change clocks on these dates; UTC does not.
        let eu = runs("0 * * * *", datetime!(2025-03-30 00:30 UTC), 3);
        assert_eq!(
            eu,
            [datetime!(2025-03-30 01:00 UTC), datetime!(2025-03-30 02:00 UTC), datetime!(2025-03-30 03:00 UTC)]
        );
        let us = runs("30 1 * * *", datetime!(2025-11-01 12:00 UTC), 2);
        assert_eq!(us, [datetime!(2025-11-02 01:30 UTC), datetime!(2025-11-03 01:30 UTC)]);
        // A time in another offset is read as the same instant; the answer is UTC.
        let hanoi = datetime!(2025-06-01 06:30 +07:00); // 2025-05-31 23:30 UTC
        let n = parse("0 0 * * *").next_after(hanoi).unwrap();
        assert_eq!(n, datetime!(2025-06-01 00:00 UTC));
        assert_eq!(n.offset(), UtcOffset::UTC);
        assert!(parse("30 23 31 5 *").matches(hanoi));
    }

    #[test]
    fn vixie_or_rule_when_both_day_fields_are_restricted() {
        // The 13th or any Friday. 2025-06-01 is a Sunday; 2025-06-13 a Friday.
        let sequence = runs("0 0 13 * FRI", datetime!(2025-06-01 00:00 UTC), 7);
        assert_eq!(
            sequence,
            [
                datetime!(2025-06-06 00:00 UTC),
                datetime!(2025-06-13 00:00 UTC),
                datetime!(2025-06-20 00:00 UTC),
                datetime!(2025-06-27 00:00 UTC),
                datetime!(2025-07-04 00:00 UTC),
                datetime!(2025-07-11 00:00 UTC),
                datetime!(2025-07-13 00:00 UTC),
            ]
        );
        // A weekday alone: only that weekday.
        assert_eq!(
            runs("0 0 * * MON", datetime!(2025-06-01 00:00 UTC), 2),
            [datetime!(2025-06-02 00:00 UTC), datetime!(2025-06-09 00:00 UTC)]
        );
        // A day of month alone: only that day.
        assert_eq!(next("0 0 13 * *", datetime!(2025-06-01 00:00 UTC)), Some(datetime!(2025-06-13 00:00 UTC)));
        // 1-31 is restricted in Vixie's sense, so OR makes every day match.
        assert_eq!(next("0 0 1-31 * MON", datetime!(2025-06-03 12:00 UTC)), Some(datetime!(2025-06-04 00:00 UTC)));
        // `*/2` starts with `*`, so it is unrestricted and the fields AND:
        // odd-numbered days that are Mondays (2025-06-09 is the first).
        assert_eq!(next("0 0 */2 * MON", datetime!(2025-06-01 00:00 UTC)), Some(datetime!(2025-06-09 00:00 UTC)));
        assert_eq!(next("0 0 1-31/2 * MON", datetime!(2025-06-01 00:00 UTC)), Some(datetime!(2025-06-02 00:00 UTC)));
    }

    #[test]
    fn matches_ignores_seconds() {
        let s = parse("30 12 * * *");
        assert!(s.matches(datetime!(2025-06-01 12:30:45 UTC)));
        assert!(!s.matches(datetime!(2025-06-01 12:31:00 UTC)));
    }

    #[test]
    fn display_is_normalised_and_parses_back() {
        for (text, normal) in [
            ("  0   0  *  *  7 ", "0 0 * * 0"),
            ("0,15,30,45 */6 * JAN-DEC mon-FRI", "*/15 */6 * * 1-5"),
            ("5,1,3,2 1,2 * 3,1,2 SAT,SUN", "1-3,5 1,2 * 1-3 0,6"),
            ("10-50/10 0-23 1-31 * *", "10-50/10 * 1-31 * *"),
            ("0,45 */5 */2 */3 */2", "0,45 0-20/5 */2 */3 */2"),
            ("0 0 */31 * 0-6", "0 0 */31 * 0-6"),
            ("0 0 1 * */7", "0 0 1 * */7"),
            ("0 0 * * 0-7", "0 0 * * 0-6"),
            ("*/60 */24 * */12 *", "0 0 * 1 *"),
            ("@daily", "0 0 * * *"),
        ] {
            let s = parse(text);
            assert_eq!(s.text(), normal, "{text}");
            assert_eq!(s.to_string(), normal, "{text}");
            assert_eq!(parse(normal), s, "{text}");
            assert_eq!(normal.parse::<Schedule>().unwrap(), s, "{text}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong_and_what_is_allowed() {
        for (text, message) in [
            ("", "the schedule is empty: expected 5 fields (minute hour day month weekday) or a macro such as @daily"),
            ("0 0 *", "expected 5 fields (minute hour day month weekday), found 3"),
            ("0 0 0 * * * *", "expected 5 fields (minute hour day month weekday), found 7"),
            (
                "@reboot",
                "unknown macro \"@reboot\": allowed are @hourly, @daily, @midnight, @weekly, @monthly, @yearly and @annually",
            ),
            ("0 25 * * *", "field 2 (hour) \"25\" is out of range 0–23"),
            ("60 * * * *", "field 1 (minute) \"60\" is out of range 0–59"),
            ("0 0 0 * *", "field 3 (day of month) \"0\" is out of range 1–31"),
            ("0 0 * 13 *", "field 4 (month) \"13\" is out of range 1–12"),
            ("0 0 * * 8", "field 5 (day of week) \"8\" is out of range 0–7"),
            ("0 0 * * 99999999999", "field 5 (day of week) \"99999999999\" is out of range 0–7"),
            ("x * * * *", "field 1 (minute) \"x\" is not a number 0–59"),
            ("0 0 * JANUARY *", "field 4 (month) \"JANUARY\" is not a number 1–12 or a month name JAN–DEC"),
            (
                "0 0 * * MON-FUN",
                "field 5 (day of week) \"FUN\" is not a number 0–7 (0 and 7 are Sunday) or a weekday name SUN–SAT",
            ),
            ("0 MON * * *", "field 2 (hour) \"MON\" is not a number 0–23"),
            (
                "1,,2 * * * *",
                "field 1 (minute) \"1,,2\" has an empty list item: separate values with single commas, e.g. \"1,5\"",
            ),
            ("-5 * * * *", "field 1 (minute) \"-5\" is not a range: write low-high, e.g. \"1-5\""),
            ("1-2-3 * * * *", "field 1 (minute) \"1-2-3\" is not a range: write low-high, e.g. \"1-5\""),
            (
                "0 20-10 * * *",
                "field 2 (hour) \"20-10\" runs from high to low: ranges go from low to high; to wrap around write \"20-23,0-10\"",
            ),
            (
                "0 0 * * SAT-MON",
                "field 5 (day of week) \"SAT-MON\" runs from high to low: ranges go from low to high; to wrap around write \"6,0-1\"",
            ),
            (
                "0 0 * * 7-1",
                "field 5 (day of week) \"7-1\" runs from high to low: ranges go from low to high; to wrap around write \"0-1\"",
            ),
            ("*/0 * * * *", "field 1 (minute) \"*/0\": the step after \"/\" must be a number 1–60"),
            ("0 */25 * * *", "field 2 (hour) \"*/25\": the step after \"/\" must be a number 1–24"),
            ("0 0 * * */x", "field 5 (day of week) \"*/x\": the step after \"/\" must be a number 1–7"),
            ("1/ * * * *", "field 1 (minute) \"1/\": the step after \"/\" must be a number 1–60"),
            ("5/15 * * * *", "field 1 (minute) \"5/15\": a step needs \"*\" or a range before \"/\", e.g. \"5-59/15\""),
            ("0 0 * * 7/2", "field 5 (day of week) \"7/2\": a step needs \"*\" or a range before \"/\", e.g. \"7\""),
            ("*,5 * * * *", "field 1 (minute) \"*,5\": \"*\" cannot be combined with other values in a list"),
            ("0 0 1,*/2 * *", "field 3 (day of month) \"1,*/2\": \"*\" cannot be combined with other values in a list"),
        ] {
            assert_eq!(error(text), message, "{text:?}");
        }
        assert_eq!(
            Schedule::parse("0 25 * * *"),
            Err(CronError::OutOfRange { field: Field::Hour, value: "25".into() })
        );
    }

    // ---- property test: next_after against an independent reference ----

    #[derive(Debug, Clone)]
    enum Item {
        Star,
        StarStep(u8),
        Value(u8),
        Range(u8, u8),
        RangeStep(u8, u8, u8),
    }

    /// A field as generated: its items and, per item, how to spell values
    /// (0 digits, 1 upper-case name, 2 lower-case name, 3 mixed case).
    #[derive(Debug, Clone)]
    struct GenField {
        field: Field,
        items: Vec<(Item, u8)>,
    }

    impl GenField {
        fn spell(&self, value: u8, style: u8, range_start: Option<u8>) -> String {
            let names = self.field.names();
            let first = if self.field == Field::Month { 1 } else { 0 };
            // 7 as "SUN" would read as 0: fine alone or ending a range that
            // starts after Sunday, not ending one that starts on it.
            let index = if self.field == Field::DayOfWeek && value == 7 {
                if range_start == Some(0) { None } else { Some(0) }
            } else {
                value.checked_sub(first).map(usize::from)
            };
            match (style, index.and_then(|i| names.get(i))) {
                (1, Some(name)) => name.to_string(),
                (2, Some(name)) => name.to_lowercase(),
                (3, Some(name)) => name[..1].to_string() + &name[1..].to_lowercase(),
                _ => value.to_string(),
            }
        }

        fn text(&self) -> String {
            let items: Vec<String> = self
                .items
                .iter()
                .map(|(item, style)| match *item {
                    Item::Star => "*".to_string(),
                    Item::StarStep(s) => format!("*/{s}"),
                    Item::Value(v) => self.spell(v, *style, None),
                    Item::Range(a, b) => format!("{}-{}", self.spell(a, *style, None), self.spell(b, *style, Some(a))),
                    Item::RangeStep(a, b, s) => {
                        format!("{}-{}/{s}", self.spell(a, *style, None), self.spell(b, *style, Some(a)))
                    }
                })
                .collect();
            items.join(",")
        }

        /// The values the field should match, computed the plain way.
        fn expected(&self) -> [bool; 64] {
            let mut set = [false; 64];
            let (first, last) = (self.field.min(), if self.field == Field::DayOfWeek { 6 } else { self.field.max() });
            for (item, _) in &self.items {
                let (a, b, s) = match *item {
                    Item::Star => (first, last, 1),
                    Item::StarStep(s) => (first, last, s),
                    Item::Value(v) => (v, v, 1),
                    Item::Range(a, b) => (a, b, 1),
                    Item::RangeStep(a, b, s) => (a, b, s),
                };
                for v in (a..=b).step_by(usize::from(s)) {
                    set[usize::from(if self.field == Field::DayOfWeek && v == 7 { 0 } else { v })] = true;
                }
            }
            set
        }

        fn starred(&self) -> bool {
            matches!(self.items[0].0, Item::Star | Item::StarStep(_))
        }
    }

    fn field_strategy(field: Field) -> impl Strategy<Value = GenField> {
        let (lo, hi) = (field.min(), field.max());
        let span = field.span();
        let value = prop_oneof![
            (lo..=hi).prop_map(Item::Value),
            (lo..=hi, lo..=hi).prop_map(|(a, b)| Item::Range(a.min(b), a.max(b))),
            (lo..=hi, lo..=hi, 1..=span).prop_map(|(a, b, s)| Item::RangeStep(a.min(b), a.max(b), s)),
        ];
        let items = prop_oneof![
            1 => Just(Item::Star).prop_map(|i| vec![(i, 0)]),
            1 => (1..=span).prop_map(|s| vec![(Item::StarStep(s), 0)]),
            3 => prop::collection::vec((value, 0u8..4), 1..=3),
        ];
        items.prop_map(move |items| GenField { field, items })
    }

    fn schedule_strategy() -> impl Strategy<Value = [GenField; 5]> {
        (
            field_strategy(Field::Minute),
            field_strategy(Field::Hour),
            field_strategy(Field::DayOfMonth),
            field_strategy(Field::Month),
            field_strategy(Field::DayOfWeek),
        )
            .prop_map(|(a, b, c, d, e)| [a, b, c, d, e])
    }

    /// A plain reading of the generated fields.
    struct Reference {
        sets: [[bool; 64]; 5],
        and_days: bool,
    }

    impl Reference {
        fn new(fields: &[GenField; 5]) -> Reference {
            Reference {
                sets: [0, 1, 2, 3, 4].map(|i| fields[i].expected()),
                and_days: fields[2].starred() || fields[4].starred(),
            }
        }

        fn day_ok(&self, d: Date) -> bool {
            let dom = self.sets[2][usize::from(d.day())];
            let dow = self.sets[4][usize::from(d.weekday().number_days_from_sunday())];
            let month = self.sets[3][usize::from(u8::from(d.month()))];
            month && if self.and_days { dom && dow } else { dom || dow }
        }

        fn matches(&self, t: OffsetDateTime) -> bool {
            self.sets[0][usize::from(t.minute())] && self.sets[1][usize::from(t.hour())] && self.day_ok(t.date())
        }

        /// The first matching minute in `from..=to` (both whole UTC minutes):
        /// days are skipped whole when they cannot match, and a day that can
        /// is scanned minute by minute.
        fn first_in(&self, from: OffsetDateTime, to: OffsetDateTime) -> Option<OffsetDateTime> {
            let mut day = from.date();
            while day <= to.date() {
                if self.day_ok(day) {
                    let mut m = day.midnight().assume_utc().max(from);
                    while m.date() == day && m <= to {
                        if self.matches(m) {
                            return Some(m);
                        }
                        m += Duration::MINUTE;
                    }
                }
                day = day.next_day()?;
            }
            None
        }
    }

    fn time_strategy() -> impl Strategy<Value = OffsetDateTime> {
        // 1970 to 2200, any sub-second part, offsets -12:00 to +14:00.
        (0i64..7_258_118_400, 0u32..1_000_000_000, -12i8..=14).prop_map(|(secs, nanos, hours)| {
            OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap()
                .to_offset(UtcOffset::from_hms(hours, 0, 0).unwrap())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn next_after_is_the_first_match_after_t(fields in schedule_strategy(), t in time_strategy()) {
            let text = fields.iter().map(GenField::text).collect::<Vec<_>>().join(" ");
            let schedule = Schedule::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(&Schedule::parse(schedule.text()).unwrap(), &schedule, "{} -> {}", text, schedule);

            let reference = Reference::new(&fields);
            let utc = t.to_offset(UtcOffset::UTC);
            let from = utc.truncate_to_minute() + Duration::MINUTE;
            // Five calendar years later, 29 February becoming 1 March.
            let d = utc.date();
            let limit_date = Date::from_calendar_date(d.year() + 5, d.month(), d.day())
                .unwrap_or_else(|_| Date::from_calendar_date(d.year() + 5, Month::March, 1).unwrap());
            let limit = limit_date.with_time(utc.time()).assume_utc();

            let found = schedule.next_after(t);
            prop_assert_eq!(found, reference.first_in(from, limit), "{} after {}", text, t);
            if let Some(n) = found {
                prop_assert!(n > t);
                prop_assert_eq!(n.offset(), UtcOffset::UTC);
                prop_assert_eq!((n.second(), n.nanosecond()), (0, 0));
                prop_assert!(schedule.matches(n));
                prop_assert!(reference.matches(n));
                // A small gap is also checked minute by minute with the schedule's own test.
                if n - from < Duration::days(2) {
                    let mut m = from;
                    while m < n {
                        prop_assert!(!schedule.matches(m), "{} matches {} before {}", text, m, n);
                        m += Duration::MINUTE;
                    }
                }
            }
        }
    }
}
