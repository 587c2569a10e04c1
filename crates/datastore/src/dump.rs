//! Whole tables as files, encoded batch by batch so a download starts at
//! once and never holds the table: CSV, TSV, JSON (CKAN's dump shape:
//! `{"fields": […], "records": [[…], …]}`), XLSX and Parquet.
//!
//! XLSX is written as a streamed ZIP with inline strings (no shared
//! string table to hold), one sheet per 1,048,575 rows (Excel's limit),
//! dates as date cells.

use crate::error::{DatastoreError, Result};
use crate::render::{self, Cells};
use crate::types::{Field, FieldType};
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A dump's file format, as `/datastore/dump/{id}?format=` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    Csv,
    Tsv,
    Json,
    Xlsx,
    Parquet,
}

impl DumpFormat {
    /// Reads the `format` parameter (default CSV).
    pub fn parse(s: Option<&str>) -> Result<DumpFormat> {
        Ok(match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("csv") => DumpFormat::Csv,
            Some("tsv") => DumpFormat::Tsv,
            Some("json") => DumpFormat::Json,
            Some("xlsx") => DumpFormat::Xlsx,
            Some("parquet") => DumpFormat::Parquet,
            Some(other) => {
                return Err(DatastoreError::Invalid(format!(
                    "format \"{other}\" is not one of csv, tsv, json, xlsx, parquet"
                )));
            }
        })
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            DumpFormat::Csv => "csv",
            DumpFormat::Tsv => "tsv",
            DumpFormat::Json => "json",
            DumpFormat::Xlsx => "xlsx",
            DumpFormat::Parquet => "parquet",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            DumpFormat::Csv => "text/csv; charset=utf-8",
            DumpFormat::Tsv => "text/tab-separated-values; charset=utf-8",
            DumpFormat::Json => "application/json; charset=utf-8",
            DumpFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DumpFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
}

/// A `Write` whose bytes the encoder hands out after every batch.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("dump buffer poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Excel's rows per sheet, less the header row.
const XLSX_ROWS_PER_SHEET: u64 = 1_048_575;

type Zip = zip::ZipWriter<zip::write::StreamWriter<Shared>>;

enum State {
    Text { sep: u8 },
    Json { rows: u64 },
    Parquet(Box<ArrowWriter<Shared>>),
    Xlsx { zip: Box<Zip>, sheet_rows: u64, sheets: u32 },
    Done,
}

/// Encodes a stream of batches as one file.
pub struct DumpEncoder {
    fields: Vec<Field>,
    json: Vec<bool>,
    out: Shared,
    state: State,
    bom: bool,
}

impl DumpEncoder {
    /// An encoder for rows of `fields` (the batches' columns, in order)
    /// with Arrow schema `schema`. `bom` starts CSV/TSV with a UTF-8 BOM
    /// (CKAN's `bom=true`, for Excel).
    pub fn new(format: DumpFormat, fields: Vec<Field>, schema: SchemaRef, bom: bool) -> Result<DumpEncoder> {
        let out = Shared::default();
        let state = match format {
            DumpFormat::Csv => State::Text { sep: b',' },
            DumpFormat::Tsv => State::Text { sep: b'\t' },
            DumpFormat::Json => State::Json { rows: 0 },
            DumpFormat::Parquet => State::Parquet(Box::new(ArrowWriter::try_new(
                out.clone(),
                schema,
                Some(crate::ingest::writer_properties()),
            )?)),
            DumpFormat::Xlsx => {
                State::Xlsx { zip: Box::new(zip::ZipWriter::new_stream(out.clone())), sheet_rows: 0, sheets: 0 }
            }
        };
        let json = fields.iter().map(|f| f.ty == FieldType::Json).collect();
        Ok(DumpEncoder { fields, json, out, state, bom })
    }

    /// The bytes before any row.
    pub fn start(&mut self) -> Result<Vec<u8>> {
        let mut head = String::new();
        match &mut self.state {
            State::Text { sep } => {
                if self.bom {
                    head.push('\u{FEFF}');
                }
                let names: Vec<&str> = self.fields.iter().map(|f| f.id.as_str()).collect();
                head.push_str(&csv_line(&names, *sep)?);
            }
            State::Json { .. } => {
                head.push_str("{\n  \"fields\": [");
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        head.push_str(", ");
                    }
                    head.push_str("{\"id\": ");
                    render::json_string(&f.id, &mut head);
                    let _ = write!(head, ", \"type\": \"{}\"}}", f.ty.name());
                }
                head.push_str("],\n  \"records\": [");
            }
            State::Xlsx { .. } => self.next_sheet()?,
            State::Parquet(_) | State::Done => {}
        }
        let mut bytes = head.into_bytes();
        bytes.extend(self.out.take());
        Ok(bytes)
    }

    /// The bytes of one batch.
    pub fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<u8>> {
        let cells = render::columns(batch, &self.json)?;
        let mut text = String::new();
        match &mut self.state {
            State::Text { sep } => {
                let mut w = csv::WriterBuilder::new().delimiter(*sep).from_writer(Vec::with_capacity(1 << 16));
                let mut cell = String::new();
                for row in 0..batch.num_rows() {
                    for c in &cells {
                        cell.clear();
                        c.text(row, &mut cell);
                        w.write_field(&cell).map_err(csv_err)?;
                    }
                    w.write_record(None::<&[u8]>).map_err(csv_err)?;
                }
                return w.into_inner().map_err(|e| DatastoreError::Internal(e.to_string()));
            }
            State::Json { rows } => {
                for row in 0..batch.num_rows() {
                    text.push_str(if *rows == 0 { "\n    [" } else { ",\n    [" });
                    *rows += 1;
                    for (i, c) in cells.iter().enumerate() {
                        if i > 0 {
                            text.push_str(", ");
                        }
                        c.json(row, &mut text);
                    }
                    text.push(']');
                }
            }
            State::Parquet(w) => w.write(batch)?,
            State::Xlsx { .. } => {
                for row in 0..batch.num_rows() {
                    if matches!(self.state, State::Xlsx { sheet_rows, .. } if sheet_rows >= XLSX_ROWS_PER_SHEET) {
                        self.next_sheet()?;
                    }
                    let State::Xlsx { zip, sheet_rows, .. } = &mut self.state else { break };
                    *sheet_rows += 1;
                    let r = *sheet_rows + 1;
                    text.clear();
                    let _ = write!(text, "<row r=\"{r}\">");
                    for (i, c) in cells.iter().enumerate() {
                        xlsx_cell(&mut text, c, batch.column(i).as_ref(), row);
                    }
                    text.push_str("</row>");
                    zip.write_all(text.as_bytes()).map_err(io_err)?;
                }
                text.clear();
            }
            State::Done => {}
        }
        let mut bytes = text.into_bytes();
        bytes.extend(self.out.take());
        Ok(bytes)
    }

    /// The bytes after the last row.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        let mut tail = Vec::new();
        match std::mem::replace(&mut self.state, State::Done) {
            State::Json { rows } => {
                tail.extend_from_slice(if rows == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" });
            }
            State::Parquet(w) => {
                w.close()?;
            }
            State::Xlsx { mut zip, sheets, .. } => {
                zip.write_all(b"</sheetData></worksheet>").map_err(io_err)?;
                xlsx_parts(&mut zip, sheets)?;
                zip.finish().map_err(|e| DatastoreError::Internal(e.to_string()))?;
            }
            State::Text { .. } | State::Done => {}
        }
        tail.extend(self.out.take());
        Ok(tail)
    }

    fn next_sheet(&mut self) -> Result<()> {
        let State::Xlsx { zip, sheet_rows, sheets } = &mut self.state else { return Ok(()) };
        if *sheets > 0 {
            zip.write_all(b"</sheetData></worksheet>").map_err(io_err)?;
        }
        *sheets += 1;
        *sheet_rows = 0;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file(format!("xl/worksheets/sheet{sheets}.xml"), options)
            .map_err(|e| DatastoreError::Internal(e.to_string()))?;
        let mut head = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">",
        );
        for f in &self.fields {
            head.push_str("<c t=\"inlineStr\"><is><t>");
            xml_escape(&f.id, &mut head);
            head.push_str("</t></is></c>");
        }
        head.push_str("</row>");
        zip.write_all(head.as_bytes()).map_err(io_err)
    }
}

fn csv_line(cells: &[&str], sep: u8) -> Result<String> {
    let mut w = csv::WriterBuilder::new().delimiter(sep).from_writer(Vec::new());
    w.write_record(cells).map_err(csv_err)?;
    let bytes = w.into_inner().map_err(|e| DatastoreError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| DatastoreError::Internal(e.to_string()))
}

fn csv_err(e: csv::Error) -> DatastoreError {
    DatastoreError::Internal(e.to_string())
}

fn io_err(e: std::io::Error) -> DatastoreError {
    DatastoreError::Internal(e.to_string())
}

/// Days from Excel's day 0 (1899-12-30) to 1970-01-01.
const EXCEL_EPOCH_OFFSET: f64 = 25_569.0;

fn xlsx_cell(out: &mut String, c: &Cells<'_>, array: &dyn Array, row: usize) {
    if array.is_null(row) {
        out.push_str("<c/>");
        return;
    }
    let mut text = String::new();
    match array.data_type() {
        t if t.is_numeric() => {
            c.text(row, &mut text);
            if text.parse::<f64>().is_ok_and(f64::is_finite) {
                let _ = write!(out, "<c><v>{text}</v></c>");
                return;
            }
        }
        DataType::Boolean => {
            c.text(row, &mut text);
            let _ = write!(out, "<c t=\"b\"><v>{}</v></c>", u8::from(text == "true"));
            return;
        }
        DataType::Date32 => {
            if let Some(a) = array.as_any().downcast_ref::<datafusion::arrow::array::Date32Array>() {
                let _ = write!(out, "<c s=\"1\"><v>{}</v></c>", f64::from(a.value(row)) + EXCEL_EPOCH_OFFSET);
                return;
            }
        }
        DataType::Timestamp(TimeUnit::Microsecond, None) => {
            if let Some(a) = array.as_any().downcast_ref::<datafusion::arrow::array::TimestampMicrosecondArray>() {
                let days = a.value(row) as f64 / 86_400_000_000.0 + EXCEL_EPOCH_OFFSET;
                let _ = write!(out, "<c s=\"2\"><v>{days}</v></c>");
                return;
            }
        }
        _ => {}
    }
    text.clear();
    c.text(row, &mut text);
    // Excel caps a cell at 32,767 characters.
    if text.chars().count() > 32_767 {
        text = text.chars().take(32_767).collect();
    }
    out.push_str("<c t=\"inlineStr\"><is><t xml:space=\"preserve\">");
    xml_escape(&text, out);
    out.push_str("</t></is></c>");
}

fn xml_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 cannot carry most control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn xlsx_parts(zip: &mut Zip, sheets: u32) -> Result<()> {
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: String| -> Result<()> {
        zip.start_file(name, options).map_err(|e| DatastoreError::Internal(e.to_string()))?;
        zip.write_all(body.as_bytes()).map_err(io_err)
    };
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    );
    let mut book = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>",
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for n in 1..=sheets {
        let _ = write!(
            types,
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        );
        let _ = write!(book, "<sheet name=\"Sheet{n}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>");
        let _ = write!(
            rels,
            "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        );
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    let _ = write!(
        rels,
        "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
        sheets + 1
    );
    put("[Content_Types].xml", types)?;
    put(
        "_rels/.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".into(),
    )?;
    put("xl/workbook.xml", book)?;
    put("xl/_rels/workbook.xml.rels", rels)?;
    put(
        "xl/styles.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts><fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>".into(),
    )?;
    Ok(())
}
