//! Timestamps as Kho stores and shows them.
//!
//! CKAN shows times as naive UTC ISO 8601 with microseconds
//! (`2026-11-23T23:11:35.123456`). Kho stores the same fixed-width text in
//! both databases, so string order is time order and values cross the
//! SQLite/PostgreSQL boundary unchanged.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const CKAN_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
const DATE_FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// The current time in CKAN's format.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    format_date(OffsetDateTime::now_utc().date())
}

/// Formats a time in CKAN's format (converted to UTC).
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC).format(CKAN_FORMAT).unwrap_or_else(|_| "1970-01-01T00:00:00.000000".to_string())
}

/// Parses a time as Kho stores it (see [`format`]).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(s, CKAN_FORMAT).ok().map(PrimitiveDateTime::assume_utc)
}

/// Parses a date-time as clients send it: `2024-01-15`, `2024-01-15T10:20:30`,
/// with optional fraction and optional `Z`/offset. Returns CKAN's format.
pub fn parse_datetime(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(format(t));
    }
    let naive = s.trim_end_matches('Z');
    for fmt in [
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ] {
        if let Ok(t) = PrimitiveDateTime::parse(naive, fmt) {
            return Some(format(t.assume_utc()));
        }
    }
    parse_date(s).map(|d| format(d.midnight().assume_utc()))
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), DATE_FORMAT).ok()
}

/// Formats a calendar date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(DATE_FORMAT).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_fixed_width_and_sortable() {
        let a = parse_datetime("2024-01-15T10:20:30Z").unwrap();
        let b = parse_datetime("2024-01-15T10:20:30.5+07:00").unwrap();
        assert_eq!(a, "2024-01-15T10:20:30.000000");
        assert_eq!(b, "2024-01-15T03:20:30.500000");
        assert!(b < a);
        assert_eq!(parse_datetime("2024-02-03").unwrap(), "2024-02-03T00:00:00.000000");
        assert_eq!(now().len(), 26);
        assert!(parse_datetime("yesterday").is_none());
    }
}
