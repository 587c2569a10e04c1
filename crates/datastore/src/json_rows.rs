//! JSON sources as rows of text cells: a JSON array of objects, NDJSON
//! (one object per line) and GeoJSON FeatureCollections.
//!
//! Keys become columns in the order they first appear; the first
//! [`crate::ingest::SAMPLE_ROWS`] objects are scanned for keys before any
//! row is given out, and a key that first appears later widens the table
//! in a second pass. Values become cells: strings as they are, numbers as
//! written, `true`/`false`, `null` as a missing value, and arrays or
//! objects as their JSON text. A GeoJSON feature's `properties` are its
//! columns and its `geometry` is kept as JSON text in a `geometry` column.
//! Arrays and NDJSON stream; a GeoJSON file is read whole, so it is
//! limited to [`GEOJSON_MAX_BYTES`].

use crate::error::{DatastoreError, Result};
use crate::ingest::{Counting, LoadLimits, RowSource, SAMPLE_ROWS, SourceFormat};
use csv::StringRecord;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest GeoJSON file Kho reads (it is parsed whole).
pub const GEOJSON_MAX_BYTES: u64 = 512 << 20;

pub(crate) struct JsonSource {
    path: PathBuf,
    format: SourceFormat,
    limits: LoadLimits,
    keys: Vec<String>,
    index: HashMap<String, usize>,
    elements: Elements,
    header_sent: bool,
    read: Arc<AtomicU64>,
}

/// Where the objects come from.
enum Elements {
    Array(ArrayReader),
    Lines(LineReader),
    Features(std::vec::IntoIter<Value>),
}

impl JsonSource {
    pub(crate) fn open(path: &Path, format: SourceFormat, limits: LoadLimits) -> Result<JsonSource> {
        let read = Arc::new(AtomicU64::new(0));
        let elements = Self::elements(path, format, limits, &read)?;
        let mut source = JsonSource {
            path: path.to_path_buf(),
            format,
            limits,
            keys: Vec::new(),
            index: HashMap::new(),
            elements,
            header_sent: false,
            read,
        };
        source.scan_keys()?;
        Ok(source)
    }

    fn elements(path: &Path, format: SourceFormat, limits: LoadLimits, read: &Arc<AtomicU64>) -> Result<Elements> {
        read.store(0, Ordering::Relaxed);
        let file = File::open(path).map_err(|e| DatastoreError::io(path, e))?;
        let reader = BufReader::with_capacity(1 << 20, Counting { inner: file, read: read.clone() });
        Ok(match format {
            SourceFormat::Ndjson => Elements::Lines(LineReader { r: reader, max: limits.max_row_bytes, line: 0 }),
            SourceFormat::GeoJson => {
                let size = std::fs::metadata(path).map_err(|e| DatastoreError::io(path, e))?.len();
                if size > GEOJSON_MAX_BYTES {
                    return Err(DatastoreError::TooLarge(format!(
                        "The GeoJSON file is {} MiB; Kho reads GeoJSON up to {} MiB. Convert it to NDJSON (one feature per line) to load it",
                        size >> 20,
                        GEOJSON_MAX_BYTES >> 20
                    )));
                }
                let doc: Value = serde_json::from_reader(reader)
                    .map_err(|e| DatastoreError::BadInput(format!("The file is not valid JSON: {e}")))?;
                let features = match doc {
                    Value::Object(mut o) if o.get("type").and_then(Value::as_str) == Some("FeatureCollection") => {
                        match o.remove("features") {
                            Some(Value::Array(f)) => f,
                            _ => {
                                return Err(DatastoreError::BadInput(
                                    "The FeatureCollection has no \"features\" array".into(),
                                ));
                            }
                        }
                    }
                    Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("Feature") => {
                        vec![Value::Object(o)]
                    }
                    _ => {
                        return Err(DatastoreError::BadInput(
                            "The file is not GeoJSON: expected a FeatureCollection or a Feature".into(),
                        ));
                    }
                };
                Elements::Features(features.into_iter())
            }
            _ => Elements::Array(ArrayReader::new(reader, limits.max_row_bytes)),
        })
    }

    /// The next object, flattened to (key, cell) pairs.
    fn next_object(&mut self) -> Result<Option<Vec<(String, String)>>> {
        let value = match &mut self.elements {
            Elements::Array(a) => a.next()?,
            Elements::Lines(l) => l.next()?,
            Elements::Features(f) => f.next(),
        };
        let Some(value) = value else { return Ok(None) };
        let pairs = match (self.format, value) {
            (SourceFormat::GeoJson, Value::Object(mut feature)) => {
                let mut pairs = match feature.remove("properties") {
                    Some(Value::Object(p)) => flatten(p),
                    _ => Vec::new(),
                };
                if let Some(id) = feature.remove("id") {
                    pairs.insert(0, ("id".to_string(), cell(id)));
                }
                pairs.push(("geometry".to_string(), feature.remove("geometry").map(cell).unwrap_or_default()));
                pairs
            }
            (_, Value::Object(o)) => flatten(o),
            (_, other) => {
                return Err(DatastoreError::BadInput(format!(
                    "Expected an array of JSON objects (one per row), found {}",
                    kind(&other)
                )));
            }
        };
        Ok(Some(pairs))
    }

    fn scan_keys(&mut self) -> Result<()> {
        let mut n = 0;
        while n < SAMPLE_ROWS {
            let Some(pairs) = self.next_object()? else { break };
            for (k, _) in &pairs {
                self.key(k)?;
            }
            n += 1;
        }
        if n == 0 {
            return Err(DatastoreError::BadInput("The file holds no objects, so there are no rows to load".into()));
        }
        self.elements = Self::elements(&self.path, self.format, self.limits, &self.read)?;
        Ok(())
    }

    fn key(&mut self, k: &str) -> Result<usize> {
        if let Some(i) = self.index.get(k) {
            return Ok(*i);
        }
        if self.keys.len() >= self.limits.max_columns {
            return Err(DatastoreError::BadInput(format!(
                "The objects have more than {} distinct keys; Kho loads at most that many columns",
                self.limits.max_columns
            )));
        }
        self.keys.push(k.to_string());
        self.index.insert(k.to_string(), self.keys.len() - 1);
        Ok(self.keys.len() - 1)
    }
}

impl RowSource for JsonSource {
    fn next_row(&mut self, rec: &mut StringRecord) -> Result<bool> {
        rec.clear();
        if !self.header_sent {
            self.header_sent = true;
            for k in &self.keys {
                rec.push_field(k);
            }
            return Ok(true);
        }
        let Some(pairs) = self.next_object()? else { return Ok(false) };
        let mut cells = vec![String::new(); self.keys.len()];
        for (k, v) in pairs {
            let i = self.key(&k)?;
            if i >= cells.len() {
                cells.resize(i + 1, String::new());
            }
            cells[i] = v;
        }
        for c in &cells {
            rec.push_field(c);
        }
        Ok(true)
    }

    fn rewind(&mut self) -> Result<()> {
        self.elements = Self::elements(&self.path, self.format, self.limits, &self.read)?;
        self.header_sent = false;
        Ok(())
    }

    fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

fn flatten(o: Map<String, Value>) -> Vec<(String, String)> {
    o.into_iter().map(|(k, v)| (k, cell(v))).collect()
}

fn cell(v: Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Objects of NDJSON, one per non-blank line.
struct LineReader {
    r: BufReader<Counting<File>>,
    max: usize,
    line: u64,
}

impl LineReader {
    fn next(&mut self) -> Result<Option<Value>> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = read_bounded_line(&mut self.r, &mut buf, self.max)
                .map_err(|e| DatastoreError::BadInput(format!("Line {}: {e}", self.line + 1)))?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let text = buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            return serde_json::from_slice(text)
                .map(Some)
                .map_err(|e| DatastoreError::BadInput(format!("Line {} is not valid JSON: {e}", self.line)));
        }
    }
}

/// Reads up to and including a newline, refusing lines over `max` bytes
/// before they are held in memory.
fn read_bounded_line(r: &mut impl BufRead, out: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let (done, used) = {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                return Ok(total);
            }
            match buf.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    out.extend_from_slice(&buf[..=i]);
                    (true, i + 1)
                }
                None => {
                    out.extend_from_slice(buf);
                    (false, buf.len())
                }
            }
        };
        r.consume(used);
        total += used;
        if out.len() > max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a line is longer than {} MiB", max >> 20),
            ));
        }
        if done {
            return Ok(total);
        }
    }
}

/// The elements of a top-level JSON array, one at a time: the bytes of
/// each are cut out by tracking nesting and strings, then parsed alone,
/// so memory holds one element, not the array.
struct ArrayReader {
    r: BufReader<Counting<File>>,
    max: usize,
    state: ArrayState,
    element: Vec<u8>,
    index: u64,
}

#[derive(PartialEq)]
enum ArrayState {
    Start,
    Inside,
    Done,
}

impl ArrayReader {
    fn new(r: BufReader<Counting<File>>, max: usize) -> ArrayReader {
        ArrayReader { r, max, state: ArrayState::Start, element: Vec::new(), index: 0 }
    }

    fn bad(&self, what: &str) -> DatastoreError {
        DatastoreError::BadInput(format!("The file is not a JSON array of objects: {what}"))
    }

    fn next(&mut self) -> Result<Option<Value>> {
        let io = |e: std::io::Error| DatastoreError::BadInput(format!("Reading the file failed: {e}"));
        if self.state == ArrayState::Start {
            match self.next_non_ws().map_err(io)? {
                Some(b'[') => self.state = ArrayState::Inside,
                Some(b'{') => {
                    return Err(self.bad(
                        "it starts with an object; put the rows in a top-level array, or use NDJSON (one object per line)",
                    ));
                }
                Some(_) => return Err(self.bad("it does not start with '['")),
                None => return Ok(None),
            }
        }
        if self.state == ArrayState::Done {
            return Ok(None);
        }
        self.element.clear();
        let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
        loop {
            let (end, used) = {
                let buf = self.r.fill_buf().map_err(io)?;
                if buf.is_empty() {
                    return Err(self.bad("it ends before its closing ']'"));
                }
                let mut end = None;
                for (i, &b) in buf.iter().enumerate() {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if b == b'\\' {
                            escaped = true;
                        } else if b == b'"' {
                            in_string = false;
                        }
                        continue;
                    }
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth > 0 => depth -= 1,
                        b',' | b']' if depth == 0 => {
                            end = Some((i, b));
                            break;
                        }
                        _ => {}
                    }
                }
                match end {
                    Some((i, b)) => {
                        self.element.extend_from_slice(&buf[..i]);
                        (Some(b), i + 1)
                    }
                    None => {
                        self.element.extend_from_slice(buf);
                        (None, buf.len())
                    }
                }
            };
            self.r.consume(used);
            if self.element.len() > self.max {
                return Err(self.bad(&format!("element {} is larger than {} MiB", self.index + 1, self.max >> 20)));
            }
            if let Some(b) = end {
                if b == b']' {
                    self.state = ArrayState::Done;
                }
                let text = self.element.trim_ascii();
                if text.is_empty() {
                    // `[]` or a trailing comma.
                    return if self.state == ArrayState::Done {
                        Ok(None)
                    } else {
                        Err(self.bad("an element is empty"))
                    };
                }
                self.index += 1;
                return serde_json::from_slice(text).map(Some).map_err(|e| {
                    DatastoreError::BadInput(format!("Element {} of the array is not valid JSON: {e}", self.index))
                });
            }
        }
    }

    fn next_non_ws(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let buf = self.r.fill_buf()?;
            let Some(&b) = buf.first() else { return Ok(None) };
            self.r.consume(1);
            // A UTF-8 BOM before the array is allowed.
            if !b.is_ascii_whitespace() && ![0xEF, 0xBB, 0xBF].contains(&b) {
                return Ok(Some(b));
            }
        }
    }
}
