//! Arrow values as CKAN writes them: JSON values for `records`, and text
//! cells for CSV and TSV.
//!
//! Integers and decimals are JSON numbers (NaN and infinities, which JSON
//! has no words for, are `null`); dates are `2026-11-23`; timestamps are
//! `2026-11-23T14:30:00` (CKAN's ISO format without a zone); `json`
//! fields are their JSON value; other types the SQL engine computes are
//! rendered by Arrow's display rules.

use crate::error::Result;
use datafusion::arrow::array::{
    Array, AsArray, BooleanArray, Date32Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Int64Array, TimestampMicrosecondArray, UInt8Array, UInt16Array, UInt32Array, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use std::fmt::Write as _;

/// One column of a batch, ready to render cell by cell.
pub enum Cells<'a> {
    Null,
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    /// Other integer widths, read as i64 through a closure-free match.
    SmallInt(&'a dyn Array),
    Float(&'a Float64Array),
    Float32(&'a Float32Array),
    Date(&'a Date32Array),
    Timestamp(&'a TimestampMicrosecondArray),
    Text(&'a dyn Array),
    /// A `json` field: its text is JSON.
    Json(&'a dyn Array),
    Other(&'a dyn Array, ArrayFormatter<'a>),
}

impl<'a> Cells<'a> {
    /// Prepares `array`; `json` marks a field declared as `json`.
    pub fn new(array: &'a dyn Array, json: bool) -> Result<Cells<'a>> {
        Ok(match array.data_type() {
            DataType::Null => Cells::Null,
            DataType::Boolean => Cells::Bool(array.as_boolean()),
            DataType::Int64 => Cells::Int(array.as_primitive()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => Cells::SmallInt(array),
            DataType::Float64 => Cells::Float(array.as_primitive()),
            DataType::Float32 => Cells::Float32(array.as_primitive()),
            DataType::Date32 => Cells::Date(array.as_primitive()),
            DataType::Timestamp(TimeUnit::Microsecond, None) => Cells::Timestamp(array.as_primitive()),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View if json => Cells::Json(array),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Cells::Text(array),
            _ => Cells::Other(array, ArrayFormatter::try_new(array, &FormatOptions::default())?),
        })
    }

    fn text_of(array: &dyn Array, row: usize) -> &str {
        match array.data_type() {
            DataType::Utf8 => array.as_string::<i32>().value(row),
            DataType::LargeUtf8 => array.as_string::<i64>().value(row),
            DataType::Utf8View => array.as_string_view().value(row),
            _ => "",
        }
    }

    fn small_int(array: &dyn Array, row: usize) -> i128 {
        match array.data_type() {
            DataType::Int8 => array.as_any().downcast_ref::<Int8Array>().map(|a| a.value(row) as i128),
            DataType::Int16 => array.as_any().downcast_ref::<Int16Array>().map(|a| a.value(row) as i128),
            DataType::Int32 => array.as_any().downcast_ref::<Int32Array>().map(|a| a.value(row) as i128),
            DataType::UInt8 => array.as_any().downcast_ref::<UInt8Array>().map(|a| a.value(row) as i128),
            DataType::UInt16 => array.as_any().downcast_ref::<UInt16Array>().map(|a| a.value(row) as i128),
            DataType::UInt32 => array.as_any().downcast_ref::<UInt32Array>().map(|a| a.value(row) as i128),
            DataType::UInt64 => array.as_any().downcast_ref::<UInt64Array>().map(|a| a.value(row) as i128),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Cells::Null => true,
            Cells::Bool(a) => a.is_null(row),
            Cells::Int(a) => a.is_null(row),
            Cells::SmallInt(a) | Cells::Text(a) | Cells::Json(a) | Cells::Other(a, _) => a.is_null(row),
            Cells::Float(a) => a.is_null(row),
            Cells::Float32(a) => a.is_null(row),
            Cells::Date(a) => a.is_null(row),
            Cells::Timestamp(a) => a.is_null(row),
        }
    }

    /// Appends the cell as a JSON value.
    pub fn json(&self, row: usize, out: &mut String) {
        if self.is_null(row) {
            out.push_str("null");
            return;
        }
        match self {
            Cells::Null => out.push_str("null"),
            Cells::Bool(a) => out.push_str(if a.value(row) { "true" } else { "false" }),
            Cells::Int(a) => {
                let _ = write!(out, "{}", a.value(row));
            }
            Cells::SmallInt(a) => {
                let _ = write!(out, "{}", Self::small_int(*a, row));
            }
            Cells::Float(a) => float_json(a.value(row), out),
            Cells::Float32(a) => float_json(f64::from(a.value(row)), out),
            Cells::Date(a) => {
                out.push('"');
                date_text(a.value(row), out);
                out.push('"');
            }
            Cells::Timestamp(a) => {
                out.push('"');
                timestamp_text(a.value(row), out);
                out.push('"');
            }
            Cells::Text(a) => json_string(Self::text_of(*a, row), out),
            Cells::Json(a) => {
                let t = Self::text_of(*a, row);
                if serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() {
                    out.push_str(t);
                } else {
                    json_string(t, out);
                }
            }
            Cells::Other(_, f) => json_string(&f.value(row).to_string(), out),
        }
    }

    /// Appends the cell as text (empty for null), for CSV and TSV.
    pub fn text(&self, row: usize, out: &mut String) {
        if self.is_null(row) {
            return;
        }
        match self {
            Cells::Null => {}
            Cells::Bool(a) => out.push_str(if a.value(row) { "true" } else { "false" }),
            Cells::Int(a) => {
                let _ = write!(out, "{}", a.value(row));
            }
            Cells::SmallInt(a) => {
                let _ = write!(out, "{}", Self::small_int(*a, row));
            }
            Cells::Float(a) => float_text(a.value(row), out),
            Cells::Float32(a) => float_text(f64::from(a.value(row)), out),
            Cells::Date(a) => date_text(a.value(row), out),
            Cells::Timestamp(a) => timestamp_text(a.value(row), out),
            Cells::Text(a) | Cells::Json(a) => out.push_str(Self::text_of(*a, row)),
            Cells::Other(_, f) => {
                let _ = write!(out, "{}", f.value(row));
            }
        }
    }
}

/// Prepared columns of a batch; `json_fields[i]` marks `json` columns.
pub fn columns<'a>(batch: &'a RecordBatch, json_fields: &[bool]) -> Result<Vec<Cells<'a>>> {
    batch
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| Cells::new(c.as_ref(), json_fields.get(i).copied().unwrap_or(false)))
        .collect()
}

fn float_json(x: f64, out: &mut String) {
    if x.is_finite() {
        float_text(x, out);
    } else {
        out.push_str("null");
    }
}

fn float_text(x: f64, out: &mut String) {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        // 2.0 prints as "2.0"; CKAN's numeric prints it as 2.
        let _ = write!(out, "{}", x as i64);
    } else {
        let _ = write!(out, "{x}");
    }
}

/// Appends `s` as a JSON string.
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `2026-11-23` from days since 1970-01-01.
pub fn date_text(days: i32, out: &mut String) {
    match time::Date::from_julian_day(days + 2_440_588) {
        Ok(d) => {
            let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
        }
        Err(_) => {
            let _ = write!(out, "{days}");
        }
    }
}

/// `2026-11-23T14:30:00` (with `.ffffff` when there are microseconds).
pub fn timestamp_text(micros: i64, out: &mut String) {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => {
            let _ = write!(
                out,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            if frac != 0 {
                let _ = write!(out, ".{frac:06}");
            }
        }
        Err(_) => {
            let _ = write!(out, "{micros}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let mut s = String::new();
        date_text(20_415, &mut s);
        assert_eq!(s, "2025-11-23");
        s.clear();
        timestamp_text(1_763_908_200_000_000, &mut s);
        assert_eq!(s, "2025-11-23T14:30:00");
        s.clear();
        json_string("a\"b\n\u{1}đ", &mut s);
        assert_eq!(s, r#""a\"b\n\u0001đ""#);
        s.clear();
        float_json(f64::NAN, &mut s);
        float_text(2.0, &mut s);
        float_text(0.25, &mut s);
        assert_eq!(s, "null20.25");
    }
}
