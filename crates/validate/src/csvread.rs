//! Reading a CSV file record by record the way frictionless (Python's
//! `csv` module) sees it, on top of the `csv` crate.
//!
//! Two differences between the parsers matter for row numbers, and are
//! bridged here:
//! - Python yields an empty record for every blank line; the `csv` crate
//!   skips them. The reader counts the newlines it consumes (the crate
//!   reports its line) and puts the skipped blank lines back as empty
//!   records, so row numbers and `blank-row` errors agree.
//! - Records end at `\n`; a `\r` before it is removed from the last field,
//!   so CRLF files read like LF files while CR-only line ends (old Mac
//!   files) are not supported.
//!
//! Files are read as bytes and decoded only when they are not UTF-8: the
//! encoding is sniffed by `kho_datastore::sniff` (UTF-8 with or without
//! BOM, UTF-16, Windows-1258, TCVN3, VNI) and legacy encodings go through
//! its `DecodingReader` (UTF-8 in NFC out).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use csv::ByteRecord;
use kho_datastore::sniff::{self, TextEncoding};

/// How a file is written: its encoding, delimiter, and whether spaces after
/// a delimiter are skipped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    pub(crate) encoding: TextEncoding,
    pub(crate) delimiter: u8,
    /// Python's sniffer sets `skipinitialspace` when every delimiter of the
    /// first line is followed by a space (`a, b, c`).
    pub(crate) skip_initial_space: bool,
    /// Where the sniffed head's text has its first NUL character, if it
    /// has one: no text table has one, so the file is binary (or in an
    /// encoding the sniffer did not recognise).
    pub(crate) nul_at: Option<usize>,
}

/// Bytes sniffed for the encoding and the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// Guesses a file's dialect from its first 64 KiB (or uses what the caller
/// says).
pub(crate) fn sniff_dialect<R: Read>(
    mut input: R,
    encoding: Option<TextEncoding>,
    delimiter: Option<u8>,
) -> io::Result<Dialect> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    input.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let encoding = encoding.unwrap_or_else(|| sniff::detect_encoding(&head));
    let (text, _) = sniff::decode(&head, encoding);
    let delimiter = delimiter.unwrap_or_else(|| sniff::detect_delimiter(&text));
    let first_line = text.split('\n').next().unwrap_or("");
    let d = char::from(delimiter);
    let count = first_line.matches(d).count();
    let spaced = first_line.matches(&format!("{d} ")).count();
    Ok(Dialect { encoding, delimiter, skip_initial_space: count > 0 && count == spaced, nul_at: text.find('\0') })
}

/// The byte stream under the csv reader, remembering whether it has ended,
/// how many bytes it gave and the last one: needed to tell whether the
/// last record ended with a newline.
struct Tail<R> {
    inner: R,
    total: u64,
    last: u8,
    eof: bool,
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = true;
        } else {
            self.total += n as u64;
            self.last = buf[n - 1];
        }
        Ok(n)
    }
}

/// A file's text stream: raw bytes for UTF-8 (after any BOM), decoded
/// UTF-8 for other encodings.
pub(crate) fn text_stream(path: &Path, encoding: TextEncoding) -> io::Result<Box<dyn Read + Send>> {
    text_stream_counted(path, encoding, Arc::new(AtomicU64::new(0)))
}

/// As [`text_stream`], counting in `replaced` the byte sequences a legacy
/// decoder could not read (UTF-8 is checked by the caller, row by row).
pub(crate) fn text_stream_counted(
    path: &Path,
    encoding: TextEncoding,
    replaced: Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send>> {
    Ok(sniff::text_stream(File::open(path)?, encoding, replaced))
}

/// Records of a CSV stream, numbered from 1 as Python's `csv` numbers them
/// (blank lines included).
pub(crate) struct Records<R: Read> {
    rdr: csv::Reader<Tail<R>>,
    skip_initial_space: bool,
    /// The csv crate's line after the last record read.
    line_after: u64,
    /// Blank lines still to hand out before `held`.
    pending_blank: u64,
    held: ByteRecord,
    has_held: bool,
    finished: bool,
    scratch: ByteRecord,
    /// The number of the last record handed out.
    pub(crate) number: u64,
}

impl<R: Read> Records<R> {
    /// Reads `input` with `dialect`.
    pub(crate) fn new(input: R, dialect: &Dialect) -> Records<R> {
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(dialect.delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 18)
            .from_reader(Tail { inner: input, total: 0, last: 0, eof: false });
        Records {
            rdr,
            skip_initial_space: dialect.skip_initial_space,
            line_after: 1,
            pending_blank: 0,
            held: ByteRecord::new(),
            has_held: false,
            finished: false,
            scratch: ByteRecord::new(),
            number: 0,
        }
    }

    /// Reads the next record into `out` (a blank line as a record with no
    /// fields); `false` at the end.
    pub(crate) fn next_into(&mut self, out: &mut ByteRecord) -> Result<bool, csv::Error> {
        loop {
            if self.pending_blank > 0 {
                self.pending_blank -= 1;
                out.clear();
                self.number += 1;
                return Ok(true);
            }
            if self.has_held {
                std::mem::swap(out, &mut self.held);
                self.has_held = false;
                self.number += 1;
                self.tidy(out);
                return Ok(true);
            }
            if self.finished {
                return Ok(false);
            }
            let got = self.rdr.read_byte_record(&mut self.held)?;
            let line = self.rdr.position().line();
            let delta = line.saturating_sub(self.line_after);
            self.line_after = line;
            if !got {
                // Newlines consumed after the last record are trailing blank lines.
                self.finished = true;
                self.pending_blank = delta;
                continue;
            }
            let tail = self.rdr.get_ref();
            let ended_without_newline = tail.eof && self.rdr.position().byte() == tail.total && tail.last != b'\n';
            let mut blanks = delta.saturating_sub(u64::from(!ended_without_newline));
            if blanks > 0 {
                let embedded = self.held.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
                blanks = blanks.saturating_sub(embedded);
            }
            self.pending_blank = blanks;
            self.has_held = true;
        }
    }

    /// Removes a CRLF's `\r`, turns a lone `\r` line into a blank record and
    /// applies `skipinitialspace`.
    fn tidy(&mut self, rec: &mut ByteRecord) {
        let n = rec.len();
        if n > 0 && rec.get(n - 1).is_some_and(|f| f.last() == Some(&b'\r')) {
            self.scratch.clear();
            for (i, f) in rec.iter().enumerate() {
                if i + 1 == n {
                    self.scratch.push_field(&f[..f.len() - 1]);
                } else {
                    self.scratch.push_field(f);
                }
            }
            std::mem::swap(rec, &mut self.scratch);
            if n == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
                rec.clear();
            }
        }
        if self.skip_initial_space && rec.iter().any(|f| f.first() == Some(&b' ')) {
            self.scratch.clear();
            for f in rec.iter() {
                let start = f.iter().position(|b| *b != b' ').unwrap_or(f.len());
                self.scratch.push_field(&f[start..]);
            }
            std::mem::swap(rec, &mut self.scratch);
        }
    }
}

/// A record's cells as text (invalid UTF-8 replaced).
pub(crate) fn record_strings(rec: &ByteRecord) -> Vec<String> {
    rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()
}

/// Python's `round`: halves go to the even neighbour.
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && (r as i64) % 2 != 0 { (r - x.signum()) as i64 } else { r as i64 }
}

/// Frictionless' header row (from 1): the first of the sample's records
/// whose width is within 10% (at least one cell) of the average width, so
/// a title line above a table is skipped; row 1 when none is.
pub(crate) fn header_row(widths: &[usize]) -> u64 {
    if widths.is_empty() {
        return 1;
    }
    let avg = widths.iter().sum::<usize>() as f64 / widths.len() as f64;
    let width = round_half_even(avg);
    let drift = round_half_even(width as f64 * 0.1).max(1);
    widths.iter().position(|w| (width - drift..=width + drift).contains(&(*w as i64))).map_or(1, |i| i as u64 + 1)
}

/// The first records of a file, as frictionless samples them.
pub(crate) struct Sample {
    /// Records from row 1, blank lines included (as empty records).
    pub(crate) rows: Vec<Vec<String>>,
}

/// Reads up to `max_rows` records (and stops past `max_bytes` of cell text).
pub(crate) fn read_sample<R: Read>(
    input: R,
    dialect: &Dialect,
    max_rows: usize,
    max_bytes: usize,
) -> Result<Sample, csv::Error> {
    let mut records = Records::new(input, dialect);
    let mut rec = ByteRecord::new();
    let mut rows = Vec::new();
    let mut bytes = 0usize;
    while rows.len() < max_rows && bytes <= max_bytes && records.next_into(&mut rec)? {
        bytes += rec.as_slice().len() + rec.len();
        rows.push(record_strings(&rec));
    }
    Ok(Sample { rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let dialect =
            Dialect { encoding: TextEncoding::Utf8, delimiter: b',', skip_initial_space: false, nul_at: None };
        let mut r = Records::new(text, &dialect);
        let mut rec = ByteRecord::new();
        let mut out = Vec::new();
        while r.next_into(&mut rec).unwrap() {
            out.push((r.number, record_strings(&rec)));
        }
        out
    }

    fn shape(text: &[u8]) -> Vec<usize> {
        read(text).into_iter().map(|(_, r)| r.len()).collect()
    }

    #[test]
    fn blank_lines_are_records_as_in_python() {
        assert_eq!(shape(b"id,name\n1,a\n\n\n2,\"multi\nline\"\n,\n3"), [2, 2, 0, 0, 2, 2, 1]);
        assert_eq!(shape(b"id,name\r\n1,a\r\n\r\n2,\"x\r\ny\"\r\n3,b\r\n\r\n\r\n"), [2, 2, 0, 2, 2, 0, 0]);
        assert_eq!(shape(b"a,b\n1,2\n\n\n"), [2, 2, 0, 0]);
        assert_eq!(shape(b"a,b\n1,2\n"), [2, 2]);
        assert_eq!(shape(b"a,b\n1,2"), [2, 2]);
        assert_eq!(shape(b"a,b\n1,2\n\n3,4"), [2, 2, 0, 2]);
        assert_eq!(shape(b"\n\na,b\n"), [0, 0, 2]);
        assert_eq!(shape(b""), Vec::<usize>::new());
        assert_eq!(shape(b"\n"), [0]);
        let rows = read(b"a,b\r\n\"x\",y\r\n");
        assert_eq!(rows[1].1, ["x", "y"]);
        let rows = read(b"a\n\"q\"\"uote\",\"two\nlines\"\n\n4\n");
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(rows[1].1, ["q\"uote", "two\nlines"]);
    }

    #[test]
    fn skip_initial_space() {
        let d = sniff_dialect(&b"a, b, c\n1, 2, 3\n"[..], None, None).unwrap();
        assert!(d.skip_initial_space);
        let mut r = Records::new(&b"a, b\n1,  2\n"[..], &d);
        let mut rec = ByteRecord::new();
        r.next_into(&mut rec).unwrap();
        r.next_into(&mut rec).unwrap();
        assert_eq!(record_strings(&rec), ["1", "2"]);
        assert!(!sniff_dialect(&b"a,b, c\n"[..], None, None).unwrap().skip_initial_space);
    }

    #[test]
    fn header_rows_like_frictionless() {
        assert_eq!(header_row(&[1, 3, 3, 3, 3]), 2);
        assert_eq!(header_row(&[3, 3, 3]), 1);
        assert_eq!(header_row(&[0, 2, 2]), 1, "width 0 is within the drift of 1");
        assert_eq!(header_row(&[0, 4, 4, 4]), 2);
        assert_eq!(header_row(&[]), 1);
        assert_eq!(round_half_even(2.5), 2);
        assert_eq!(round_half_even(3.5), 4);
        assert_eq!(round_half_even(0.5), 0);
        assert_eq!(round_half_even(1.4), 1);
    }
}
