//! Inferring a schema from a table's first rows, as frictionless'
//! `describe` does.
//!
//! Each column is tried against the candidate types in frictionless'
//! order (yearmonth, geopoint, duration, geojson, object, array, datetime,
//! time, date, integer, number, boolean, year, string). A candidate gains a
//! point for each cell it reads and loses one for each it cannot; the first
//! candidate whose score reaches 90% of the column's non-empty cells wins,
//! and a column with no value at all is `any`. Names come from the header
//! (blank labels become `field2`, repeated ones `name2`).
//!
//! The only difference from frictionless is the sample: up to 10,000 rows
//! by default (frictionless reads 100), so a column is judged on more of
//! the file; on files of fewer than 100 rows both infer the same schema.

use std::io::{Chain, Cursor, Read};
use std::path::Path;

use kho_datastore::sniff::{DecodingReader, TextEncoding};

use crate::ValidateError;
use crate::csvread::{self, Dialect};
use crate::schema::{Field, FieldType, Schema};
use crate::value::geo::{GeojsonFormat, GeopointFormat};
use crate::value::number::NumberStyle;
use crate::value::temporal::TemporalFormat;
use crate::value::{self, Kind, StringFormat};

/// How a schema is inferred.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// Data rows read (after the header); frictionless reads 100.
    pub sample_rows: usize,
    /// The share of a column's non-empty cells a type must read (0–1).
    pub confidence: f64,
    /// Texts read as empty.
    pub missing_values: Vec<String>,
}

impl Default for InferOptions {
    fn default() -> InferOptions {
        InferOptions { sample_rows: 10_000, confidence: 0.9, missing_values: vec![String::new()] }
    }
}

/// Records read before the header row is chosen (frictionless' sample).
pub(crate) const HEADER_SAMPLE: usize = 100;
/// Cell text read for a sample at most, so a file of enormous rows cannot
/// exhaust memory.
pub(crate) const SAMPLE_BYTES: usize = 32 << 20;

fn candidates() -> Vec<(FieldType, Kind)> {
    let default = || TemporalFormat::Default;
    vec![
        (FieldType::Yearmonth, Kind::YearMonth),
        (FieldType::Geopoint, Kind::Geopoint(GeopointFormat::Default)),
        (FieldType::Duration, Kind::Duration),
        (FieldType::Geojson, Kind::Geojson(GeojsonFormat::Default)),
        (FieldType::Object, Kind::Object),
        (FieldType::Array, Kind::Array),
        (FieldType::Datetime, Kind::DateTime(default())),
        (FieldType::Time, Kind::Time(default())),
        (FieldType::Date, Kind::Date(default())),
        (FieldType::Integer, Kind::Integer(NumberStyle::default())),
        (FieldType::Number, Kind::Number(NumberStyle::default())),
        (
            FieldType::Boolean,
            Kind::Boolean {
                truthy: ["true", "True", "TRUE", "1"].map(String::from).to_vec(),
                falsy: ["false", "False", "FALSE", "0"].map(String::from).to_vec(),
            },
        ),
        (FieldType::Year, Kind::Year),
        (FieldType::String, Kind::String(StringFormat::Default)),
    ]
}

/// Field names from header labels, as frictionless makes them: newlines
/// as spaces, trimmed, blank ones `field{n}`, repeats numbered (`a`, `a2`).
pub(crate) fn field_names(labels: &[String], width: usize) -> Vec<String> {
    let mut names: Vec<String> = if labels.is_empty() {
        (1..=width).map(|i| format!("field{i}")).collect()
    } else {
        labels.iter().map(|l| l.replace('\n', " ").trim().to_string()).collect()
    };
    for (i, n) in names.iter_mut().enumerate() {
        if n.is_empty() {
            *n = format!("field{}", i + 1);
        }
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let count = seen.iter().filter(|s| **s == n).count() + 1;
        let mut name = if count > 1 { format!("{n}{count}") } else { n.clone() };
        // Numbering can collide with a real label ("a2", "a", "a"); Kho
        // keeps numbering, as a schema's names must be distinct.
        let mut extra = count;
        while out.contains(&name) {
            extra += 1;
            name = format!("{n}{extra}");
        }
        seen.push(n);
        out.push(name);
    }
    out
}

/// Infers a schema from header labels and data rows (a row shorter than
/// the header lacks its last cells).
pub fn infer_from_rows(labels: &[String], rows: &[Vec<String>], opts: &InferOptions) -> Schema {
    let width = rows.first().map_or(0, Vec::len);
    if labels.is_empty() && rows.is_empty() {
        return Schema::default();
    }
    let names = field_names(labels, width);
    let mut schema = Schema::default();
    if opts.missing_values != [String::new()] {
        schema.missing_values = opts.missing_values.iter().map(crate::schema::MissingValue::new).collect();
    }
    if rows.is_empty() {
        schema.fields = names.into_iter().map(|n| Field::new(n, FieldType::Any)).collect();
        return schema;
    }
    let cands = candidates();
    let n = rows.len() as f64;
    let threshold = n * (opts.confidence - 1.0);
    let mut scores = vec![vec![0i64; cands.len()]; names.len()];
    let mut max_score = vec![rows.len() as i64; names.len()];
    let mut chosen: Vec<Option<FieldType>> = vec![None; names.len()];
    let mut scratch = String::new();
    for row in rows {
        for (i, _) in names.iter().enumerate() {
            if chosen[i].is_some() {
                continue;
            }
            // A missing cell is not a missing value: every type reads it
            // as empty, so it counts for all of them (as in frictionless).
            let source = row.get(i).map(String::as_str);
            let missing = source.is_some_and(|s| opts.missing_values.iter().any(|m| m == s));
            if missing {
                max_score[i] -= 1;
            }
            for (c, (ft, kind)) in cands.iter().enumerate() {
                if (scores[i][c] as f64) < threshold {
                    continue;
                }
                if !missing {
                    let ok = source.is_none_or(|s| value::parse(kind, s, false, &mut scratch).is_some());
                    scores[i][c] += if ok { 1 } else { -1 };
                }
                if max_score[i] > 0 && scores[i][c] as f64 >= max_score[i] as f64 * opts.confidence {
                    chosen[i] = Some(*ft);
                    break;
                }
            }
        }
    }
    schema.fields = names.into_iter().zip(chosen).map(|(n, t)| Field::new(n, t.unwrap_or(FieldType::Any))).collect();
    schema
}

/// What sampling a table found: its dialect, header row and labels, and
/// the data rows of the sample.
pub(crate) struct Head {
    /// The header row (from 1).
    pub(crate) header_row: u64,
    pub(crate) labels: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

/// Samples a text stream: the first records, the header row chosen as
/// frictionless chooses it, labels trimmed.
pub(crate) fn sample_head<R: Read>(input: R, dialect: Dialect, data_rows: usize) -> Result<Head, ValidateError> {
    let sample = csvread::read_sample(
        input,
        &dialect,
        HEADER_SAMPLE.max(data_rows.saturating_add(HEADER_SAMPLE)),
        SAMPLE_BYTES,
    )?;
    let widths: Vec<usize> = sample.rows.iter().take(HEADER_SAMPLE).map(Vec::len).collect();
    let header_row = csvread::header_row(&widths);
    let mut rows = sample.rows;
    let labels: Vec<String> =
        rows.get(header_row as usize - 1).map(|r| r.iter().map(|c| c.trim().to_string()).collect()).unwrap_or_default();
    let skip = (header_row as usize).min(rows.len());
    rows.drain(..skip);
    rows.truncate(data_rows);
    Ok(Head { header_row, labels, rows })
}

/// Infers the schema of a CSV file (any encoding `kho_datastore::sniff`
/// recognises).
pub fn infer_file(path: &Path, opts: &InferOptions) -> Result<Schema, ValidateError> {
    let io_err = |e| ValidateError::Io { path: path.to_path_buf(), source: e };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let dialect = csvread::sniff_dialect(file, None, None).map_err(io_err)?;
    let stream = csvread::text_stream(path, dialect.encoding).map_err(io_err)?;
    let head = sample_head(stream, dialect, opts.sample_rows)?;
    Ok(infer_from_rows(&head.labels, &head.rows, opts))
}

/// Infers the schema of CSV data read from `reader` (any encoding
/// `kho_datastore::sniff` recognises).
pub fn infer_schema<R: Read>(mut reader: R, opts: &InferOptions) -> Result<Schema, ValidateError> {
    let mut head = Vec::new();
    reader.by_ref().take(64 * 1024).read_to_end(&mut head).map_err(|e| ValidateError::Read(e.to_string()))?;
    let dialect = csvread::sniff_dialect(&head[..], None, None).map_err(|e| ValidateError::Read(e.to_string()))?;
    let stream: Chain<Cursor<Vec<u8>>, R> = Cursor::new(head).chain(reader);
    let sample = match dialect.encoding {
        TextEncoding::Utf8 => sample_head(stream, dialect, opts.sample_rows)?,
        TextEncoding::Utf8Bom => {
            let mut stream = stream;
            let mut bom = [0u8; 3];
            stream.read_exact(&mut bom).map_err(|e| ValidateError::Read(e.to_string()))?;
            sample_head(stream, dialect, opts.sample_rows)?
        }
        enc => sample_head(DecodingReader::new(stream, enc, Default::default()), dialect, opts.sample_rows)?,
    };
    Ok(infer_from_rows(&sample.labels, &sample.rows, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[&str]) -> Vec<Vec<String>> {
        text.iter().map(|r| if r.is_empty() { vec![] } else { r.split(',').map(str::to_string).collect() }).collect()
    }

    fn types(labels: &[&str], data: &[&str]) -> Vec<&'static str> {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        infer_from_rows(&labels, &rows(data), &InferOptions::default())
            .fields
            .iter()
            .map(|f| f.field_type.as_str())
            .collect()
    }

    #[test]
    fn infers_like_frictionless() {
        assert_eq!(
            types(
                &["a", "b", "c", "d", "e", "f"],
                &["1,1.5,2026-01-01,true,x,", "2,2,2026-02-01,false,y,", "3,3.25,2026-03-01,true,z,"]
            ),
            ["integer", "number", "date", "boolean", "string", "any"]
        );
        // One odd value in three is too many; one in twenty is not.
        assert_eq!(types(&["n"], &["8587100", "12a", "5"]), ["string"]);
        let mut many: Vec<String> = (0..19).map(|i| i.to_string()).collect();
        many.push("n/a".into());
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(types(&["n"], &many), ["integer"]);
        // 0/1 columns are integers: integer is tried before boolean.
        assert_eq!(types(&["b"], &["0", "1", "1"]), ["integer"]);
        assert_eq!(types(&["y"], &["2026-01", "2026-02"]), ["yearmonth"]);
        assert_eq!(types(&["t"], &["10:00:00", "11:30:00"]), ["time"]);
    }

    #[test]
    fn names_like_frictionless() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(field_names(&l(&["a", "", "a", " b\nc "]), 4), ["a", "field2", "a2", "b c"]);
        assert_eq!(field_names(&[], 2), ["field1", "field2"]);
        assert_eq!(field_names(&l(&["a2", "a", "a"]), 3), ["a2", "a", "a3"]);
    }

    #[test]
    fn infers_from_a_reader_in_utf16() {
        let text = "tỉnh,dân số\nHà Nội,8587100\nHuế,1236393\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let s = infer_schema(&bytes[..], &InferOptions::default()).unwrap();
        assert_eq!(s.fields[0].name, "tỉnh");
        assert_eq!(s.fields[1].field_type, FieldType::Integer);
    }
}
