//! Spreadsheet workbooks (XLSX and XLSM, XLSB, XLS, ODS) read as rows of
//! text, so that a sheet goes through the same type inference as a
//! delimited file (see [`crate::infer`]).
//!
//! The format is recognised from the file's bytes, never from its name: a
//! ZIP archive with `[Content_Types].xml` is Office Open XML (XLSX, or XLSB
//! when its main part is binary), a ZIP archive whose `mimetype` is
//! `application/vnd.oasis.opendocument.spreadsheet` is ODS, and an OLE2
//! compound file (`D0 CF 11 E0 A1 B1 1A E1`) is XLS. Anything else is
//! [`SheetError::NotAWorkbook`]; an empty file is [`SheetError::Empty`].
//!
//! # Cells as text
//!
//! These are the documented coercions; inference reads their results back.
//!
//! - Text: as stored, nothing trimmed.
//! - Numbers: whole numbers as `123` (also when the file stores them as
//!   floating point, as XLSX and ODS always do: `1234.0` is `1234`, and
//!   `-0` is `0`); other numbers in Rust's shortest round-trip form
//!   (`3.14`, `0.30000000000000004`, never an exponent).
//! - Booleans: `true` and `false`.
//! - Dates and times, whether the file stores a number with a date format
//!   (Excel) or an ISO value (ODS, XLSX `t="d"`): `2026-11-23` when the time
//!   is midnight, else `2026-11-23 14:30:00` (with `.250` when there are
//!   milliseconds). A date-formatted number below 1 has no date and is a
//!   time of day, `14:30:00`; durations (`[h]:mm:ss` formats, ODS times)
//!   are `36:00:00`, negative ones `-01:30:00`. ISO values keep any
//!   timezone they carry. Workbooks on the 1904 date system are read with
//!   it.
//! - Formulas: the value the file cached when it was last saved. Formulas
//!   are never evaluated; one saved without a cached value (some generators
//!   do that) reads as `""`.
//! - Error cells (`#DIV/0!`, `#N/A`, …) and empty cells: `""`, a missing
//!   value. ODS stores no error type calamine reports, so an ODS error cell
//!   reads as whatever LibreOffice cached with it (often `0`).
//!
//! # The table
//!
//! A sheet's table is the smallest rectangle holding every cell whose text
//! is not empty: leading empty rows and columns are skipped, trailing ones
//! dropped, empty rows inside the table kept. Every row has the table's
//! width, padded with `""`, so downstream sees a rectangle. With no sheet
//! named, [`open_sheet`] reads the first sheet that has such a cell. Chart
//! sheets are not listed.
//!
//! # Memory and time
//!
//! XLSX and XLSB sheets are streamed cell by cell, twice: once to find the
//! table's bounds (which also answers "is this sheet empty?" and refuses
//! oversized tables before any row is produced), then again on a worker
//! thread that hands rows over a bounded channel. Memory stays bounded by
//! the shared strings table plus the rows in flight (about 65,536 cells'
//! worth: hundreds of narrow rows, a few very wide ones). XLS and ODS
//! workbooks are parsed whole when opened (calamine has no streaming reader
//! for them) and the chosen sheet is kept in memory while its rows are read.
//!
//! Everything here does blocking file I/O and CPU work: call it from a
//! blocking context (`tokio::task::spawn_blocking`), not from async code.
//!
//! # Hostile workbooks
//!
//! What [`SheetLimits`] guards against:
//!
//! - The file itself may not exceed `max_uncompressed_bytes`.
//! - ZIP bombs (XLSX, XLSB, ODS): before calamine decompresses anything,
//!   the ZIP central directory is read and the workbook refused when its
//!   entries' declared sizes add up to more than `max_uncompressed_bytes`,
//!   or when an entry above 10 MiB would expand more than `max_ratio` times.
//!   Declared sizes can lie, but the `zip` crate stops any entry with an
//!   error once it yields more than its declared size, so a lie makes the
//!   read fail ([`SheetError::Read`]) instead of running away. Calamine
//!   decompresses each part once when opening and the chosen sheet once
//!   more for the second pass, so total work stays within about twice the
//!   limit.
//! - Sparse sheets that would pad into enormous tables (one cell in `A1`,
//!   one in `XFD1048576`): a table may have at most `max_columns` columns
//!   and at most `max_uncompressed_bytes / 8` cells (no real workbook stores
//!   a cell in fewer than 8 bytes, so honest files within the byte limit
//!   fit), checked before the first row is produced.
//! - Panics inside calamine on malformed input are caught and reported as
//!   [`SheetError::Read`].
//!
//! What it does not cover:
//!
//! - XLS is parsed whole by calamine when opened, each sheet expanded into
//!   a dense grid (BIFF8 caps a sheet at 65,536 × 256 cells, so a few
//!   hundred MB per hostile sheet); the cell bound above is checked only
//!   afterwards.
//! - ODS repeat attributes (`table:number-rows-repeated`) let a small file
//!   describe a huge grid; calamine expands it in memory when the workbook
//!   is opened, capped only by its own 100 million cell limit (reported as
//!   [`SheetError::TooLarge`]), and all sheets are parsed, not just the one
//!   asked for.
//! - The shared strings table of an XLSX is held in memory whole (bounded
//!   by the byte limit, as its declared size counts against it).
//!
//! Run imports in a worker with a memory limit if those matter.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    Data, DataRef, ExcelDateTime, Ods, OdsError, Range, Reader, SheetType, Xls, XlsError, Xlsb, XlsbError, Xlsx,
    XlsxError, open_workbook_from_rs,
};
use unicode_normalization::UnicodeNormalization;
use zip::ZipArchive;
use zip::result::ZipError;

/// Limits that protect the server from hostile workbooks.
#[derive(Debug, Clone, Copy)]
pub struct SheetLimits {
    /// Most bytes the workbook may hold: the file's own size, and for ZIP
    /// based formats the sum of its entries' declared uncompressed sizes.
    /// A sheet's table may also hold at most an eighth of this many cells.
    /// Default 2 GiB.
    pub max_uncompressed_bytes: u64,
    /// Highest expansion (uncompressed / compressed size) allowed for a ZIP
    /// entry larger than 10 MiB; real XLSX parts stay well under 100.
    /// Default 200.
    pub max_ratio: u64,
    /// Most columns a sheet's table may have. Default 16,384, Excel's own
    /// maximum.
    pub max_columns: usize,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits { max_uncompressed_bytes: 2 << 30, max_ratio: 200, max_columns: 16_384 }
    }
}

/// What went wrong reading a workbook. Messages are meant for the person
/// who uploaded the file and say what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file is not a workbook Kho reads; the text says what it seems to
    /// be instead.
    #[error(
        "this file is not an Excel or OpenDocument workbook: {0}; upload an .xlsx, .xls or .ods workbook, \
         or a text table as .csv"
    )]
    NotAWorkbook(String),
    /// The workbook has no sheet by that name.
    #[error("the workbook has no sheet named “{name}”; choose one of: {}", quoted(.available))]
    NoSuchSheet {
        /// The name asked for.
        name: String,
        /// The workbook's sheets, in order.
        available: Vec<String>,
    },
    /// The file is empty, or the sheet (or, with none named, every sheet)
    /// has no cell with a value.
    #[error(
        "there is no data to read: the file is empty or the sheet has no filled cells; \
         upload a workbook with data, or choose a sheet that has some"
    )]
    Empty,
    /// The workbook exceeds [`SheetLimits`]: a ZIP bomb, a sparse sheet
    /// that would pad into a huge table, or simply too much data.
    #[error("the workbook is too large to read safely: {0}; split it into smaller files or upload the data as CSV")]
    TooLarge(String),
    /// The workbook is damaged, encrypted, or uses something the reader
    /// does not support.
    #[error(
        "the workbook could not be read ({0}); open it in Excel or LibreOffice, save it again \
         without a password, and upload the new file"
    )]
    Read(String),
}

/// Sheet names for messages: `“A”, “B”`.
fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "(the workbook has no sheets)".to_string();
    }
    names.iter().map(|n| format!("“{n}”")).collect::<Vec<_>>().join(", ")
}

/// The sheets of a workbook, in order (chart sheets left out).
///
/// Uses [`SheetLimits::default`]. ODS and XLS workbooks are parsed whole to
/// learn their sheet names.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, SheetError> {
    let (format, file) = detect(path, &SheetLimits::default())?;
    guarded(|| Ok(Book::open(format, file)?.sheet_names()))
}

/// Opens one sheet (`None` = the first sheet that has any cell) for reading
/// row by row.
///
/// A sheet name matches exactly or, failing that, ignoring case and Unicode
/// normalisation (Excel treats sheet names case-insensitively, and browsers
/// and file systems do not agree on how to compose Vietnamese letters).
/// Errors that make the whole sheet unreadable (too many columns or cells,
/// no data, damage found on the first pass) come from here; damage found
/// while streaming comes as an `Err` item, after which the iterator ends.
pub fn open_sheet(path: &Path, sheet: Option<&str>, limits: SheetLimits) -> Result<SheetRows, SheetError> {
    let (format, file) = detect(path, &limits)?;
    guarded(|| {
        let mut book = Book::open(format, file)?;
        let sheets = book.sheet_names();
        let candidates = match sheet {
            None => sheets.clone(),
            Some(wanted) => match find_sheet(&sheets, wanted) {
                Some(found) => vec![found.clone()],
                None => return Err(SheetError::NoSuchSheet { name: wanted.to_string(), available: sheets }),
            },
        };
        match book {
            Book::Xlsx(b) => open_streamed(Streamed::Xlsx(b), sheets, candidates, &limits),
            Book::Xlsb(b) => open_streamed(Streamed::Xlsb(b), sheets, candidates, &limits),
            Book::Xls(_) | Book::Ods(_) => {
                for name in candidates {
                    let range = book.range(&name)?;
                    if let Some(shape) = range_shape(&range, &name, &limits)? {
                        let source = Source::InMemory { range, shape, next: shape.first_row };
                        return Ok(SheetRows { sheet: name, sheets, source });
                    }
                }
                Err(SheetError::Empty)
            }
        }
    })
}

/// The rows of one sheet as text, each as wide as the sheet's table.
pub struct SheetRows {
    sheet: String,
    sheets: Vec<String>,
    source: Source,
}

enum Source {
    /// XLSX and XLSB: a worker thread streams the sheet and hands rows
    /// over a bounded channel, since calamine's cell reader borrows the
    /// workbook and cannot live inside this struct.
    Streamed(Receiver<Result<Vec<String>, SheetError>>),
    /// XLS and ODS: the sheet as calamine read it, and the next row of the
    /// table (both relative to the range).
    InMemory {
        range: Range<Data>,
        shape: Shape,
        next: u32,
    },
    Done,
}

impl SheetRows {
    /// The sheet being read, as the workbook spells it.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// All the workbook's sheets, in order (chart sheets left out).
    pub fn sheets(&self) -> &[String] {
        &self.sheets
    }
}

impl fmt::Debug for SheetRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SheetRows").field("sheet", &self.sheet).field("sheets", &self.sheets).finish_non_exhaustive()
    }
}

impl Iterator for SheetRows {
    type Item = Result<Vec<String>, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Streamed(rows) => match rows.recv() {
                Ok(Ok(row)) => Some(Ok(row)),
                Ok(Err(e)) => {
                    self.source = Source::Done;
                    Some(Err(e))
                }
                // The worker reports every failure before it hangs up, so
                // a closed channel is the end of the sheet.
                Err(_) => {
                    self.source = Source::Done;
                    None
                }
            },
            Source::InMemory { range, shape, next } => {
                if *next > shape.last_row {
                    self.source = Source::Done;
                    return None;
                }
                let cells = &range[*next as usize][shape.first_col as usize..=shape.last_col as usize];
                *next += 1;
                Some(Ok(cells.iter().map(data_text).collect()))
            }
            Source::Done => None,
        }
    }
}

/// The 8-byte signature of an OLE2 compound file (XLS, and also the
/// encrypted wrapper Excel puts around a password-protected XLSX).
const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Entries below this size are never refused for their ratio: tiny XML
/// parts full of repeated markup compress far beyond any sane ratio.
const RATIO_EXEMPT_BYTES: u64 = 10 << 20;

/// Fewest bytes any format spends storing a cell; dividing the byte limit
/// by it bounds how many cells an honest workbook can have.
const MIN_BYTES_PER_CELL: u64 = 8;

/// Cells the streaming worker may run ahead of the reader: a few hundred
/// rows of a narrow sheet, but only a few of one 16,384 columns wide.
const CELLS_IN_FLIGHT: usize = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

/// Recognises the format from the file's bytes and checks the limits that
/// can be checked before parsing. Returns the open file so that what was
/// checked is what gets parsed, even if the path is replaced meanwhile.
fn detect(path: &Path, limits: &SheetLimits) -> Result<(Format, File), SheetError> {
    let mut file = File::open(path).map_err(|e| SheetError::Read(format!("cannot open the file: {e}")))?;
    let len = file.metadata().map_err(io_error)?.len();
    if len == 0 {
        return Err(SheetError::Empty);
    }
    if len > limits.max_uncompressed_bytes {
        return Err(SheetError::TooLarge(format!(
            "the file is {len} bytes, over the limit of {} bytes",
            limits.max_uncompressed_bytes
        )));
    }
    let mut head = Vec::with_capacity(4096);
    (&mut file).take(4096).read_to_end(&mut head).map_err(io_error)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    if head.starts_with(&OLE2_MAGIC) {
        return Ok((Format::Xls, file));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return zip_format(file, limits);
    }
    Err(SheetError::NotAWorkbook(describe(&head)))
}

/// What a file that is not a workbook seems to be, for the error message.
fn describe(head: &[u8]) -> String {
    if head.starts_with(b"%PDF") {
        return "it is a PDF document".to_string();
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => Some(t),
        // A multi-byte character cut off by the 4 KiB window is still text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    match text {
        Some(t) if !t.contains('\0') => {
            if t.trim_start_matches('\u{feff}').trim_start().starts_with('<') {
                // Government portals often export HTML tables or Excel 2003 XML under an .xls name.
                "it is an HTML or XML file with a spreadsheet name; open it in Excel and save it as .xlsx".to_string()
            } else {
                "it is plain text, perhaps CSV".to_string()
            }
        }
        _ if utf16 => "it is UTF-16 text, perhaps CSV or tab-separated".to_string(),
        _ => "its content is neither a ZIP-based workbook (.xlsx, .ods) nor an OLE2 one (.xls)".to_string(),
    }
}

/// Tells the ZIP-based formats apart, after refusing ZIP bombs.
fn zip_format(file: File, limits: &SheetLimits) -> Result<(Format, File), SheetError> {
    let mut zip = ZipArchive::new(file)
        .map_err(|e| SheetError::NotAWorkbook(format!("it is a damaged or unsupported ZIP archive ({e})")))?;
    check_zip(&zip, limits)?;
    let format = if let Some(mime) = entry_prefix(&mut zip, "mimetype", 256)? {
        if mime.trim_ascii() != ODS_MIMETYPE {
            return Err(SheetError::NotAWorkbook(format!(
                "it is an OpenDocument file of type “{}”, not a spreadsheet",
                String::from_utf8_lossy(mime.trim_ascii())
            )));
        }
        Format::Ods
    } else if let Some(types) = entry_prefix(&mut zip, "[Content_Types].xml", 1 << 20)? {
        let types = String::from_utf8_lossy(&types);
        if types.contains("sheet.binary") {
            Format::Xlsb
        } else if types.contains("spreadsheetml") || types.contains("ms-excel") {
            Format::Xlsx
        } else {
            return Err(SheetError::NotAWorkbook(
                "it is an Office document but not a spreadsheet (a Word or PowerPoint file?)".to_string(),
            ));
        }
    } else {
        return Err(SheetError::NotAWorkbook("it is a ZIP archive with no workbook inside".to_string()));
    };
    let mut file = zip.into_inner();
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    Ok((format, file))
}

/// Refuses archives whose central directory promises more than the
/// limits allow. Declared sizes are also what the `zip` crate holds each
/// entry to when decompressing, so they bound the real work too.
fn check_zip<R: Read + Seek>(zip: &ZipArchive<R>, limits: &SheetLimits) -> Result<(), SheetError> {
    let meta = zip.metadata();
    let mut total: u64 = 0;
    for i in 0..meta.len() {
        let entry =
            meta.entry(i).map_err(|e| SheetError::NotAWorkbook(format!("it is a damaged ZIP archive ({e})")))?;
        let size = entry.size();
        let packed = entry.compressed_size();
        total = total.saturating_add(size);
        if total > limits.max_uncompressed_bytes {
            return Err(SheetError::TooLarge(format!(
                "its parts would decompress to more than {} bytes",
                limits.max_uncompressed_bytes
            )));
        }
        if size > RATIO_EXEMPT_BYTES && size > packed.saturating_mul(limits.max_ratio) {
            return Err(SheetError::TooLarge(format!(
                "its part “{}” would expand from {packed} to {size} bytes, more than {} times",
                String::from_utf8_lossy(entry.name_raw()),
                limits.max_ratio
            )));
        }
    }
    Ok(())
}

/// The first `max` bytes of a ZIP entry, or `None` if there is no such
/// entry.
fn entry_prefix<R: Read + Seek>(zip: &mut ZipArchive<R>, name: &str, max: u64) -> Result<Option<Vec<u8>>, SheetError> {
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(SheetError::Read(format!("cannot read its part “{name}”: {e}"))),
    };
    let mut buf = Vec::new();
    entry
        .take(max)
        .read_to_end(&mut buf)
        .map_err(|e| SheetError::Read(format!("cannot read its part “{name}”: {e}")))?;
    Ok(Some(buf))
}

fn io_error(e: std::io::Error) -> SheetError {
    SheetError::Read(format!("cannot read the file: {e}"))
}

/// Runs calamine on untrusted input; a panic in it is a damaged file, not a
/// reason to take the caller down.
fn guarded<T>(f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(crashed()))
}

fn crashed() -> SheetError {
    SheetError::Read("the spreadsheet reader failed on malformed content".to_string())
}

fn password() -> SheetError {
    SheetError::Read("it is password-protected".to_string())
}

fn xlsx_error(e: XlsxError) -> SheetError {
    match e {
        XlsxError::Password => password(),
        e => SheetError::Read(e.to_string()),
    }
}

fn xlsb_error(e: XlsbError) -> SheetError {
    match e {
        XlsbError::Password => password(),
        e => SheetError::Read(e.to_string()),
    }
}

fn xls_error(e: XlsError) -> SheetError {
    match e {
        XlsError::Password => password(),
        e => SheetError::Read(e.to_string()),
    }
}

fn ods_error(e: OdsError) -> SheetError {
    match e {
        OdsError::Password => password(),
        e @ OdsError::CellLimitExceeded { .. } => SheetError::TooLarge(e.to_string()),
        e => SheetError::Read(e.to_string()),
    }
}

/// An open workbook of any format.
enum Book {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<BufReader<File>>),
    Ods(Ods<BufReader<File>>),
}

impl Book {
    fn open(format: Format, file: File) -> Result<Book, SheetError> {
        let reader = BufReader::new(file);
        match format {
            Format::Xlsx => open_workbook_from_rs(reader).map(Book::Xlsx).map_err(xlsx_error),
            Format::Xlsb => open_workbook_from_rs(reader).map(Book::Xlsb).map_err(xlsb_error),
            Format::Ods => open_workbook_from_rs(reader).map(Book::Ods).map_err(ods_error),
            Format::Xls => {
                let file = reader.into_inner();
                let retry = file.try_clone().map_err(io_error)?;
                match open_workbook_from_rs(BufReader::new(file)) {
                    Ok(book) => Ok(Book::Xls(book)),
                    Err(e) => {
                        // A password-protected XLSX is an OLE2 file too; only the XLSX reader tells.
                        let mut retry = BufReader::new(retry);
                        retry.seek(SeekFrom::Start(0)).map_err(io_error)?;
                        match open_workbook_from_rs::<Xlsx<_>, _>(retry) {
                            Err(XlsxError::Password) => Err(password()),
                            _ => Err(xls_error(e)),
                        }
                    }
                }
            }
        }
    }

    fn sheet_names(&self) -> Vec<String> {
        let sheets = match self {
            Book::Xlsx(b) => b.sheets_metadata(),
            Book::Xlsb(b) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
            Book::Ods(b) => b.sheets_metadata(),
        };
        sheets
            .iter()
            .filter(|s| !matches!(s.typ, SheetType::ChartSheet | SheetType::Vba))
            .map(|s| s.name.clone())
            .collect()
    }

    /// A whole sheet in memory; only XLS and ODS need this, calamine streams
    /// the others.
    fn range(&mut self, name: &str) -> Result<Range<Data>, SheetError> {
        match self {
            Book::Xlsx(b) => b.worksheet_range(name).map_err(xlsx_error),
            Book::Xlsb(b) => b.worksheet_range(name).map_err(xlsb_error),
            Book::Xls(b) => b.worksheet_range(name).map_err(xls_error),
            Book::Ods(b) => b.worksheet_range(name).map_err(ods_error),
        }
    }
}

/// The sheet called `wanted`: exactly, else ignoring case and Unicode
/// normalisation.
fn find_sheet<'a>(sheets: &'a [String], wanted: &str) -> Option<&'a String> {
    let fold = |s: &str| -> String { s.trim().nfc().flat_map(char::to_lowercase).collect() };
    sheets.iter().find(|s| s.as_str() == wanted).or_else(|| {
        let key = fold(wanted);
        sheets.iter().find(|s| fold(s) == key)
    })
}

/// Where a sheet's table lies, as 0-based inclusive row and column indexes
/// (absolute for streamed sheets, relative to the range for in-memory
/// ones).
#[derive(Debug, Clone, Copy)]
struct Shape {
    first_row: u32,
    last_row: u32,
    first_col: u32,
    last_col: u32,
}

impl Shape {
    fn width(&self) -> usize {
        (self.last_col - self.first_col) as usize + 1
    }

    /// The shape grown to take in the cell at `row`, `col`, checked against
    /// the limits so that a hostile sheet is stopped as soon as it shows.
    fn grow(shape: Option<Shape>, row: u32, col: u32, sheet: &str, limits: &SheetLimits) -> Result<Shape, SheetError> {
        let s = match shape {
            None => Shape { first_row: row, last_row: row, first_col: col, last_col: col },
            Some(s) => Shape {
                first_row: s.first_row.min(row),
                last_row: s.last_row.max(row),
                first_col: s.first_col.min(col),
                last_col: s.last_col.max(col),
            },
        };
        let width = s.width();
        if width > limits.max_columns {
            return Err(SheetError::TooLarge(format!(
                "sheet “{sheet}” has {width} columns, over the limit of {}",
                limits.max_columns
            )));
        }
        let height = u64::from(s.last_row - s.first_row) + 1;
        let max_cells = limits.max_uncompressed_bytes / MIN_BYTES_PER_CELL;
        if height.saturating_mul(width as u64) > max_cells {
            return Err(SheetError::TooLarge(format!(
                "sheet “{sheet}” spans {height} rows × {width} columns, over the limit of {max_cells} cells"
            )));
        }
        Ok(s)
    }
}

/// The table inside an in-memory sheet, or `None` if it has no values.
fn range_shape(range: &Range<Data>, sheet: &str, limits: &SheetLimits) -> Result<Option<Shape>, SheetError> {
    let mut shape = None;
    for (row, col, value) in range.used_cells() {
        if !data_blank(value) {
            // A calamine range is at most 2^32 cells on a side.
            let (row, col) = (u32::try_from(row).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX));
            shape = Some(Shape::grow(shape, row, col, sheet, limits)?);
        }
    }
    Ok(shape)
}

type CellVisitor<'f> = dyn FnMut(u32, u32, &DataRef<'_>) -> Result<ControlFlow<()>, SheetError> + 'f;

/// A workbook whose sheets calamine can stream cell by cell.
enum Streamed {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
}

impl Streamed {
    /// Calls `visit` with every cell of `sheet` in file order (row by row),
    /// until it breaks. A sheet that is not a worksheet has no cells.
    fn each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), SheetError> {
        match self {
            Streamed::Xlsx(book) => {
                let mut cells = match book.worksheet_cells_reader(sheet) {
                    Ok(cells) => cells,
                    Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
                    Err(e) => return Err(xlsx_error(e)),
                };
                while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
                    let (row, col) = cell.get_position();
                    if visit(row, col, cell.get_value())?.is_break() {
                        break;
                    }
                }
            }
            Streamed::Xlsb(book) => {
                let mut cells = book.worksheet_cells_reader(sheet).map_err(xlsb_error)?;
                while let Some(cell) = cells.next_cell().map_err(xlsb_error)? {
                    let (row, col) = cell.get_position();
                    if visit(row, col, cell.get_value())?.is_break() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// First pass: the table's bounds, or `None` for a sheet with no
    /// values. Also refuses sheets whose rows are out of order, which the
    /// second pass relies on.
    fn scan(&mut self, sheet: &str, limits: &SheetLimits) -> Result<Option<Shape>, SheetError> {
        let mut shape: Option<Shape> = None;
        self.each_cell(sheet, &mut |row, col, value| {
            if data_ref_blank(value) {
                return Ok(ControlFlow::Continue(()));
            }
            if let Some(s) = shape
                && row < s.last_row
            {
                return Err(SheetError::Read(format!(
                    "sheet “{sheet}” lists row {} after row {}",
                    row + 1,
                    s.last_row + 1
                )));
            }
            shape = Some(Shape::grow(shape, row, col, sheet, limits)?);
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(shape)
    }

    /// Second pass, on the worker thread: sends the table's rows. Stops
    /// quietly when the reader hangs up.
    fn emit(
        &mut self,
        sheet: &str,
        shape: Shape,
        rows: &SyncSender<Result<Vec<String>, SheetError>>,
    ) -> Result<(), SheetError> {
        let changed = || SheetError::Read(format!("sheet “{sheet}” changed while it was being read"));
        let width = shape.width();
        let mut row_no = shape.first_row;
        let mut row = vec![String::new(); width];
        let mut hung_up = false;
        self.each_cell(sheet, &mut |r, c, value| {
            if data_ref_blank(value) {
                return Ok(ControlFlow::Continue(()));
            }
            if r < row_no || r > shape.last_row || c < shape.first_col || c > shape.last_col {
                return Err(changed());
            }
            while row_no < r {
                let done = std::mem::replace(&mut row, vec![String::new(); width]);
                if rows.send(Ok(done)).is_err() {
                    hung_up = true;
                    return Ok(ControlFlow::Break(()));
                }
                row_no += 1;
            }
            row[(c - shape.first_col) as usize] = data_ref_text(value);
            Ok(ControlFlow::Continue(()))
        })?;
        if hung_up {
            return Ok(());
        }
        if row_no != shape.last_row {
            return Err(changed());
        }
        // The reader may have hung up already; then nobody wants the row.
        let _ = rows.send(Ok(row));
        Ok(())
    }
}

/// Finds the first candidate sheet with values and starts a worker that
/// streams it.
fn open_streamed(
    mut book: Streamed,
    sheets: Vec<String>,
    candidates: Vec<String>,
    limits: &SheetLimits,
) -> Result<SheetRows, SheetError> {
    for name in candidates {
        let Some(shape) = book.scan(&name, limits)? else { continue };
        let (tx, rx) = sync_channel((CELLS_IN_FLIGHT / shape.width()).clamp(1, 256));
        let sheet = name.clone();
        std::thread::Builder::new()
            .name("kho-sheet-reader".to_string())
            .spawn(move || {
                let mut book = book;
                if let Err(e) = guarded(|| book.emit(&sheet, shape, &tx)) {
                    // The reader may have hung up already; then nobody wants the error.
                    let _ = tx.send(Err(e));
                }
            })
            .map_err(|e| SheetError::Read(format!("cannot start a reader thread: {e}")))?;
        return Ok(SheetRows { sheet: name, sheets, source: Source::Streamed(rx) });
    }
    Err(SheetError::Empty)
}

/// Whether a cell reads as `""` (kept in step with [`data_text`]).
fn data_blank(value: &Data) -> bool {
    match value {
        Data::Empty | Data::Error(_) => true,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.is_empty(),
        Data::Float(f) => !f.is_finite(),
        Data::DateTime(dt) => !dt.as_f64().is_finite(),
        Data::Int(_) | Data::Bool(_) => false,
    }
}

/// Whether a cell reads as `""` (kept in step with [`data_ref_text`]).
fn data_ref_blank(value: &DataRef<'_>) -> bool {
    match value {
        DataRef::Empty | DataRef::Error(_) => true,
        DataRef::SharedString(s) => s.is_empty(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.is_empty(),
        DataRef::Float(f) => !f.is_finite(),
        DataRef::DateTime(dt) => !dt.as_f64().is_finite(),
        DataRef::Int(_) | DataRef::Bool(_) => false,
    }
}

/// A cell's text, by the coercions in the module documentation.
fn data_text(value: &Data) -> String {
    match value {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_datetime_text(dt),
        Data::DateTimeIso(s) => iso_datetime_text(s),
        Data::DurationIso(s) => iso_duration_text(s),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A streamed cell's text, by the coercions in the module documentation.
fn data_ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => excel_datetime_text(dt),
        DataRef::DateTimeIso(s) => iso_datetime_text(s),
        DataRef::DurationIso(s) => iso_duration_text(s),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    // 2^63 is exact in f64, so this range holds exactly the whole floats an
    // i64 represents; going through i64 also turns -0 into 0.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&f) {
        return (f as i64).to_string();
    }
    format!("{f}")
}

const MS_PER_DAY: f64 = 86_400_000.0;

fn excel_datetime_text(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if !serial.is_finite() {
        return String::new();
    }
    if dt.is_duration() || (0.0..1.0).contains(&serial) {
        return clock_text((serial * MS_PER_DAY).round() as i64);
    }
    if serial < 0.0 {
        // Excel shows negative dates as ####; the number is all there is.
        return float_text(serial);
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let mut text = format!("{y:04}-{mo:02}-{d:02}");
    if (h, mi, s, ms) != (0, 0, 0, 0) {
        text.push_str(&format!(" {h:02}:{mi:02}:{s:02}"));
        if ms != 0 {
            text.push_str(&format!(".{ms:03}"));
        }
    }
    text
}

/// `hh:mm:ss[.mmm]` for a signed number of milliseconds; hours go past 24.
fn clock_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if milli == 0 { format!("{sign}{h:02}:{m:02}:{s:02}") } else { format!("{sign}{h:02}:{m:02}:{s:02}.{milli:03}") }
}

/// ISO dates as `2026-11-23`, datetimes as `2026-11-23 14:30:00` (midnight
/// dropped); anything unexpected as is.
fn iso_datetime_text(s: &str) -> String {
    let Some((date, time)) = s.split_once('T') else { return s.to_string() };
    let midnight = time.trim_end_matches('Z').chars().all(|c| matches!(c, '0' | ':' | '.'));
    if midnight { date.to_string() } else { format!("{date} {time}") }
}

/// ISO durations (`PT14H30M00S`, `-P1DT2H`) as `hh:mm:ss`; anything else
/// (years and months have no fixed length) as is.
fn iso_duration_text(s: &str) -> String {
    iso_duration_ms(s).map_or_else(|| s.to_string(), clock_text)
}

fn iso_duration_ms(s: &str) -> Option<i64> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let rest = rest.strip_prefix('P')?;
    let (days, mut time) = rest.split_once('T').unwrap_or((rest, ""));
    if days.is_empty() && time.is_empty() {
        return None;
    }
    let mut ms: i64 = 0;
    if !days.is_empty() {
        let days: i64 = days.strip_suffix('D')?.parse().ok()?;
        ms = days.checked_mul(MS_PER_DAY as i64)?;
    }
    for (unit, scale) in [('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)] {
        if let Some((number, after)) = time.split_once(unit) {
            let n: f64 = number.parse().ok()?;
            if !(0.0..=1e12).contains(&n) {
                return None;
            }
            ms = ms.checked_add((n * scale).round() as i64)?;
            time = after;
        }
    }
    if !time.is_empty() {
        return None;
    }
    Some(if negative { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn limits() -> SheetLimits {
        SheetLimits::default()
    }

    /// Writes a ZIP with the given parts, in order, to a temporary file.
    fn zip_file(parts: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(file.reopen().unwrap());
        for (name, content) in parts {
            // ODF wants its mimetype first and stored; nothing else cares.
            let method =
                if *name == "mimetype" { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
            zip.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap();
        file
    }

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet3.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"#;

    const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"#;

    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>
<sheet name="Trống" sheetId="1" r:id="rId1"/>
<sheet name="Dân số" sheetId="2" r:id="rId2"/>
<sheet name="Ghi chú" sheetId="3" r:id="rId3"/>
</sheets>
</workbook>"#;

    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"#;

    /// Style 1 is a date, 2 a date and time, 3 a time of day, 4 a duration.
    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3">
<numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/>
<numFmt numFmtId="165" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/>
<numFmt numFmtId="166" formatCode="[h]:mm:ss"/>
</numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>
<xf numFmtId="21" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>"#;

    const SHARED_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">
<si><t>Tỉnh/thành</t></si>
<si><t>Dân số</t></si>
<si><t>Tỷ lệ</t></si>
<si><t>Ngày</t></si>
<si><t>Cập nhật</t></si>
<si><t>Đô thị</t></si>
<si><t>Gấp đôi</t></si>
<si><t>Lỗi</t></si>
<si><t>Thành phố Hồ Chí Minh</t></si>
</sst>"#;

    /// Only formatting, no values: a sheet Excel would call empty.
    const SHEET_EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<dimension ref="A1:B2"/>
<sheetData><row r="1"><c r="A1" s="1"/><c r="B2" s="2"/></row></sheetData>
</worksheet>"#;

    /// 2026-11-23 is serial 46349; 14:30 is 0.6041666… of a day.
    const SHEET_DATA: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<dimension ref="A1:H8"/>
<sheetData>
<row r="1"><c r="C1" s="1"/></row>
<row r="2">
<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>3</v></c>
<c r="E2" t="s"><v>4</v></c><c r="F2" t="s"><v>5</v></c><c r="G2" t="s"><v>6</v></c><c r="H2" t="s"><v>7</v></c>
</row>
<row r="3">
<c r="A3" t="s"><v>8</v></c><c r="B3"><v>9389720</v></c><c r="C3"><v>3.14</v></c><c r="D3" s="1"><v>46349</v></c>
<c r="E3" s="2"><v>46349.604166666664</v></c><c r="F3" t="b"><v>1</v></c>
<c r="G3"><f>B3*2</f><v>18779440</v></c><c r="H3" t="e"><f>1/0</f><v>#DIV/0!</v></c>
</row>
<row r="4">
<c r="A4" t="inlineStr"><is><t>Hà Nội</t></is></c><c r="B4"><v>8587100.0</v></c><c r="C4"><v>0.1</v></c>
</row>
<row r="6">
<c r="A6" t="inlineStr"><is><t xml:space="preserve">  Đà Nẵng  </t></is></c><c r="B6"><v>-0</v></c>
<c r="C6"><v>1.5E-7</v></c><c r="D6" s="3"><v>0.6041666666666666</v></c><c r="E6" s="4"><v>1.5</v></c>
<c r="F6" t="b"><v>0</v></c><c r="G6"><f>SUM(B3:B4)</f></c><c r="H6" t="e"><v>#N/A</v></c>
</row>
<row r="8"><c r="A8" s="1"/><c r="B8" t="str"><v></v></c></row>
</sheetData>
</worksheet>"#;

    /// Starts at B3 and leaves a hole: leading rows and columns go, the hole stays.
    const SHEET_NOTES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<dimension ref="B3:C4"/>
<sheetData>
<row r="3"><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>
<row r="4"><c r="C4" t="inlineStr"><is><t>y</t></is></c></row>
</sheetData>
</worksheet>"#;

    fn xlsx_parts<'a>(sheet2: &'a str, extra: &[(&'a str, &'a [u8])]) -> Vec<(&'a str, &'a [u8])> {
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", ROOT_RELS.as_bytes()),
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
            ("xl/styles.xml", STYLES.as_bytes()),
            ("xl/sharedStrings.xml", SHARED_STRINGS.as_bytes()),
            ("xl/worksheets/sheet1.xml", SHEET_EMPTY.as_bytes()),
            ("xl/worksheets/sheet2.xml", sheet2.as_bytes()),
            ("xl/worksheets/sheet3.xml", SHEET_NOTES.as_bytes()),
        ];
        parts.extend_from_slice(extra);
        parts
    }

    fn xlsx() -> tempfile::NamedTempFile {
        zip_file(&xlsx_parts(SHEET_DATA, &[]))
    }

    fn rows(rows: SheetRows) -> Vec<Vec<String>> {
        rows.map(|r| r.unwrap()).collect()
    }

    fn strs(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn xlsx_sheets_and_cells() {
        let file = xlsx();
        assert_eq!(sheet_names(file.path()).unwrap(), ["Trống", "Dân số", "Ghi chú"]);

        // No name: the first sheet with a value, skipping the formatted-but-empty one.
        let sheet = open_sheet(file.path(), None, limits()).unwrap();
        assert_eq!(sheet.sheet(), "Dân số");
        assert_eq!(sheet.sheets(), ["Trống", "Dân số", "Ghi chú"]);
        let expected: &[&[&str]] = &[
            &["Tỉnh/thành", "Dân số", "Tỷ lệ", "Ngày", "Cập nhật", "Đô thị", "Gấp đôi", "Lỗi"],
            &["Thành phố Hồ Chí Minh", "9389720", "3.14", "2026-11-23", "2026-11-23 14:30:00", "true", "18779440", ""],
            &["Hà Nội", "8587100", "0.1", "", "", "", "", ""],
            &["", "", "", "", "", "", "", ""],
            &["  Đà Nẵng  ", "0", "0.00000015", "14:30:00", "36:00:00", "false", "", ""],
        ];
        assert_eq!(rows(sheet), strs(expected));
    }

    #[test]
    fn xlsx_sheet_by_name() {
        let file = xlsx();
        let sheet = open_sheet(file.path(), Some("Ghi chú"), limits()).unwrap();
        assert_eq!(sheet.sheet(), "Ghi chú");
        assert_eq!(rows(sheet), strs(&[&["x", ""], &["", "y"]]));

        // Decomposed (NFD) and upper case, as a browser or a Mac might send it.
        let nfd: String = "GHI CHÚ".nfd().collect();
        assert_eq!(open_sheet(file.path(), Some(&nfd), limits()).unwrap().sheet(), "Ghi chú");

        match open_sheet(file.path(), Some("Trống"), limits()) {
            Err(SheetError::Empty) => {}
            other => panic!("expected Empty, got {other:?}"),
        }
        match open_sheet(file.path(), Some("Sheet1"), limits()) {
            Err(e @ SheetError::NoSuchSheet { .. }) => {
                let SheetError::NoSuchSheet { name, available } = &e else { unreachable!() };
                assert_eq!(name, "Sheet1");
                assert_eq!(available, &["Trống", "Dân số", "Ghi chú"]);
                assert!(e.to_string().contains("“Dân số”"), "{e}");
            }
            other => panic!("expected NoSuchSheet, got {other:?}"),
        }
    }

    #[test]
    fn stopping_early_releases_the_worker() {
        let file = xlsx();
        let mut sheet = open_sheet(file.path(), Some("Dân số"), limits()).unwrap();
        assert_eq!(sheet.next().unwrap().unwrap()[0], "Tỉnh/thành");
        drop(sheet);
    }

    #[test]
    fn too_many_columns_or_cells() {
        let sheet = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1"><v>1</v></c><c r="E1"><v>2</v></c></row>
<row r="1000000"><c r="A1000000"><v>3</v></c></row>
</sheetData></worksheet>"#;
        let file = zip_file(&xlsx_parts(sheet, &[]));
        let narrow = SheetLimits { max_columns: 4, ..limits() };
        match open_sheet(file.path(), Some("Dân số"), narrow) {
            Err(SheetError::TooLarge(m)) => assert!(m.contains("5 columns"), "{m}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // 1,000,000 × 5 cells padded from three values.
        let small = SheetLimits { max_uncompressed_bytes: 1 << 20, ..limits() };
        match open_sheet(file.path(), Some("Dân số"), small) {
            Err(SheetError::TooLarge(m)) => assert!(m.contains("1000000 rows × 5 columns"), "{m}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn rows_out_of_order_are_refused() {
        let sheet = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="5"><c r="A5"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>
</sheetData></worksheet>"#;
        let file = zip_file(&xlsx_parts(sheet, &[]));
        match open_sheet(file.path(), Some("Dân số"), limits()) {
            Err(SheetError::Read(m)) => assert!(m.contains("row 2 after row 5"), "{m}"),
            other => panic!("expected Read, got {other:?}"),
        }
    }

    const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Trống"><table:table-row><table:table-cell/></table:table-row></table:table>
<table:table table:name="Tỉnh">
<table:table-row><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>Tỉnh</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Dân số</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Tỷ lệ</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Ngày</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Cập nhật</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Đô thị</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Gấp đôi</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Giờ</text:p></table:table-cell>
</table:table-row>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>Thành phố Hồ Chí Minh</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="9389720"><text:p>9.389.720</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="3.14"><text:p>3,14</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2026-11-23"><text:p>23/11/2026</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2026-11-23T14:30:00"><text:p>23/11/2026 14:30</text:p></table:table-cell>
<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>
<table:table-cell table:formula="of:=[.B3]*2" office:value-type="float" office:value="18779440"><text:p>18779440</text:p></table:table-cell>
<table:table-cell office:value-type="time" office:time-value="PT14H30M00S"><text:p>14:30</text:p></table:table-cell>
</table:table-row>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>Hà Nội</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="8587100"><text:p>8587100</text:p></table:table-cell>
</table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>"#;

    const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

    fn ods() -> tempfile::NamedTempFile {
        zip_file(&[
            ("mimetype", ODS_MIMETYPE),
            ("content.xml", ODS_CONTENT.replace('\n', "").as_bytes()),
            ("META-INF/manifest.xml", ODS_MANIFEST.as_bytes()),
        ])
    }

    #[test]
    fn ods_sheets_and_cells() {
        let file = ods();
        assert_eq!(sheet_names(file.path()).unwrap(), ["Trống", "Tỉnh"]);
        let sheet = open_sheet(file.path(), None, limits()).unwrap();
        assert_eq!(sheet.sheet(), "Tỉnh");
        let expected: &[&[&str]] = &[
            &["Tỉnh", "Dân số", "Tỷ lệ", "Ngày", "Cập nhật", "Đô thị", "Gấp đôi", "Giờ"],
            &[
                "Thành phố Hồ Chí Minh",
                "9389720",
                "3.14",
                "2026-11-23",
                "2026-11-23 14:30:00",
                "true",
                "18779440",
                "14:30:00",
            ],
            &["Hà Nội", "8587100", "", "", "", "", "", ""],
        ];
        assert_eq!(rows(sheet), strs(expected));
        match open_sheet(file.path(), Some("tỉnh"), limits()) {
            Ok(sheet) => assert_eq!(sheet.sheet(), "Tỉnh"),
            Err(e) => panic!("{e}"),
        }
        match open_sheet(file.path(), Some("Trống"), limits()) {
            Err(SheetError::Empty) => {}
            other => panic!("expected Empty, got {other:?}"),
        }
    }

    /// A cell of a hand-made XLS sheet.
    enum XlsCell {
        Text(&'static str),
        /// A number and the index of its XF record (its format).
        Number(f64, u16),
        Bool(bool),
        Error(u8),
        FormulaNumber(f64),
        FormulaText(&'static str),
    }

    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }

    /// An `XLUnicodeString` in UTF-16; `short` ones count characters in one byte.
    fn xls_string(s: &str, short: bool) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut out = if short { vec![units.len() as u8] } else { (units.len() as u16).to_le_bytes().to_vec() };
        out.push(1);
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        out
    }

    fn bof(kind: u16) -> Vec<u8> {
        [&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat()
    }

    /// The records of one worksheet, from BOF to EOF.
    fn xls_sheet(cells: &[(u16, u16, XlsCell)]) -> Vec<u8> {
        let mut out = Vec::new();
        record(&mut out, 0x0809, &bof(0x0010));
        let rows = cells.iter().map(|c| u32::from(c.0) + 1).max().unwrap_or(0);
        let cols = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        record(
            &mut out,
            0x0200,
            &[&0u32.to_le_bytes()[..], &rows.to_le_bytes(), &0u16.to_le_bytes(), &cols.to_le_bytes(), &[0, 0]].concat(),
        );
        for (row, col, value) in cells {
            let at = |xf: u16| [row.to_le_bytes(), col.to_le_bytes(), xf.to_le_bytes()].concat();
            // A formula record: position, cached value, flags, cache id and no tokens.
            let formula = |cached: [u8; 8]| [&at(0)[..], &cached, &[0; 6], &[0, 0]].concat();
            match value {
                XlsCell::Text(s) => record(&mut out, 0x0204, &[at(0), xls_string(s, false)].concat()),
                XlsCell::Number(n, xf) => record(&mut out, 0x0203, &[at(*xf), n.to_le_bytes().to_vec()].concat()),
                XlsCell::Bool(b) => record(&mut out, 0x0205, &[at(0), vec![u8::from(*b), 0]].concat()),
                XlsCell::Error(e) => record(&mut out, 0x0205, &[at(0), vec![*e, 1]].concat()),
                XlsCell::FormulaNumber(n) => record(&mut out, 0x0006, &formula(n.to_le_bytes())),
                XlsCell::FormulaText(s) => {
                    record(&mut out, 0x0006, &formula([0, 0, 0, 0, 0, 0, 0xFF, 0xFF]));
                    record(&mut out, 0x0207, &xls_string(s, false));
                }
            }
        }
        record(&mut out, 0x000A, &[]);
        out
    }

    /// A BIFF8 workbook stream: XF 1 is a built-in date format, XF 2 a
    /// custom date and time one.
    fn xls_workbook(sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let globals = |offsets: &[u32]| {
            let mut out = Vec::new();
            record(&mut out, 0x0809, &bof(0x0005));
            record(&mut out, 0x0042, &1200u16.to_le_bytes());
            let format = [&164u16.to_le_bytes()[..], &xls_string("yyyy-mm-dd hh:mm:ss", false)].concat();
            record(&mut out, 0x041E, &format);
            for ifmt in [0u16, 14, 164] {
                record(&mut out, 0x00E0, &[&0u16.to_le_bytes()[..], &ifmt.to_le_bytes(), &[0; 16]].concat());
            }
            for ((name, _), offset) in sheets.iter().zip(offsets) {
                record(&mut out, 0x0085, &[&offset.to_le_bytes()[..], &[0, 0], &xls_string(name, true)].concat());
            }
            record(&mut out, 0x000A, &[]);
            out
        };
        let mut offset = globals(&vec![0; sheets.len()]).len() as u32;
        let offsets: Vec<u32> = sheets
            .iter()
            .map(|(_, sheet)| {
                offset += sheet.len() as u32;
                offset - sheet.len() as u32
            })
            .collect();
        let mut out = globals(&offsets);
        for (_, sheet) in sheets {
            out.extend_from_slice(sheet);
        }
        out
    }

    /// A compound file (version 3, 512-byte sectors) holding one stream:
    /// header, one FAT sector, one directory sector, then the stream.
    fn ole2(name: &str, mut stream: Vec<u8>) -> Vec<u8> {
        const FREE: u32 = 0xFFFF_FFFF;
        const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
        const FAT_SECTOR: u32 = 0xFFFF_FFFD;
        // Streams under 4096 bytes would belong in the mini stream; padding keeps this one simple.
        let len = stream.len().max(4096);
        stream.resize(len.div_ceil(512) * 512, 0);
        let sectors = stream.len() / 512;
        let put = |buf: &mut [u8], at: usize, bytes: &[u8]| buf[at..at + bytes.len()].copy_from_slice(bytes);

        let mut header = vec![0u8; 512];
        put(&mut header, 0, &OLE2_MAGIC);
        for (at, v) in [(24, 0x3Eu16), (26, 3), (28, 0xFFFE), (30, 9), (32, 6)] {
            put(&mut header, at, &v.to_le_bytes());
        }
        for (at, v) in [(44, 1u32), (48, 1), (56, 4096), (60, END_OF_CHAIN), (68, END_OF_CHAIN), (76, 0)] {
            put(&mut header, at, &v.to_le_bytes());
        }
        for at in (80..512).step_by(4) {
            put(&mut header, at, &FREE.to_le_bytes());
        }

        let mut fat = vec![FREE; 128];
        fat[0] = FAT_SECTOR;
        fat[1] = END_OF_CHAIN;
        for i in 0..sectors {
            fat[2 + i] = if i + 1 == sectors { END_OF_CHAIN } else { (3 + i) as u32 };
        }

        let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            put(&mut e, 0, &units);
            put(&mut e, 64, &(units.len() as u16 + 2).to_le_bytes());
            e[66] = kind;
            e[67] = 1; // black
            for (at, v) in [(68, FREE), (72, FREE), (76, child), (116, start), (120, size)] {
                put(&mut e, at, &v.to_le_bytes());
            }
            e
        };
        let mut directory = entry("Root Entry", 5, 1, END_OF_CHAIN, 0);
        directory.extend(entry(name, 2, FREE, 2, len as u32));
        directory.resize(512, 0);

        [header, fat.iter().flat_map(|v| v.to_le_bytes()).collect(), directory, stream].concat()
    }

    fn xls() -> tempfile::NamedTempFile {
        use XlsCell::*;
        let data = xls_sheet(&[
            (0, 0, Text("Tỉnh/thành")),
            (0, 1, Text("Dân số")),
            (0, 2, Text("Ngày")),
            (0, 3, Text("Đô thị")),
            (0, 4, Text("Gấp đôi")),
            (0, 5, Text("Lỗi")),
            (1, 0, Text("Thành phố Hồ Chí Minh")),
            (1, 1, Number(9389720.0, 0)),
            (1, 2, Number(46349.604166666664, 2)),
            (1, 3, Bool(true)),
            (1, 4, FormulaNumber(18779440.0)),
            (1, 5, Error(0x07)),
            (2, 0, Text("Hà Nội")),
            (2, 1, Number(12.34, 0)),
            (2, 2, Number(46349.0, 1)),
            (2, 4, FormulaText("Thủ đô")),
        ]);
        let empty = xls_sheet(&[]);
        file_with(&ole2("Workbook", xls_workbook(&[("Trống", empty), ("Dân số", data)])))
    }

    #[test]
    fn xls_sheets_and_cells() {
        let file = xls();
        assert_eq!(sheet_names(file.path()).unwrap(), ["Trống", "Dân số"]);
        let sheet = open_sheet(file.path(), None, limits()).unwrap();
        assert_eq!(sheet.sheet(), "Dân số");
        let expected: &[&[&str]] = &[
            &["Tỉnh/thành", "Dân số", "Ngày", "Đô thị", "Gấp đôi", "Lỗi"],
            &["Thành phố Hồ Chí Minh", "9389720", "2026-11-23 14:30:00", "true", "18779440", ""],
            &["Hà Nội", "12.34", "2026-11-23", "", "Thủ đô", ""],
        ];
        assert_eq!(rows(sheet), strs(expected));
        assert!(matches!(open_sheet(file.path(), Some("Trống"), limits()), Err(SheetError::Empty)));
    }

    /// A raw deflate stream that inflates to a zero byte and then `matches`
    /// times 258 more: one dynamic Huffman block whose only codes are
    /// literal 0, end of block, and "copy 258 bytes from 1 back", each copy
    /// costing two bits. Made by hand because deflating 300 MB in a debug
    /// build takes a quarter of a minute.
    fn zeros_deflate(matches: u64) -> Vec<u8> {
        struct Bits {
            out: Vec<u8>,
            acc: u64,
            len: u32,
        }
        impl Bits {
            /// Header fields and extra bits go least significant bit first.
            fn put(&mut self, value: u64, len: u32) {
                self.acc |= value << self.len;
                self.len += len;
                while self.len >= 8 {
                    self.out.push(self.acc as u8);
                    self.acc >>= 8;
                    self.len -= 8;
                }
            }
            /// Huffman codes go most significant bit first.
            fn code(&mut self, code: u64, len: u32) {
                let reversed = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
                self.put(reversed, len);
            }
        }
        let mut b = Bits { out: Vec::new(), acc: 0, len: 0 };
        b.put(1, 1); // the last block
        b.put(2, 2); // dynamic Huffman codes
        b.put(29, 5); // 286 literal/length codes
        b.put(0, 5); // 1 distance code
        b.put(14, 4); // 18 code length codes
        // Code length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
        // 18 (a run of zero lengths) gets 1 bit, lengths 1 and 2 get 2 bits each.
        for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
            b.put(len, 3);
        }
        // Canonically 18 is 0, length 1 is 10, length 2 is 11.
        let (run, one, two) = ((0, 1), (0b10, 2), (0b11, 2));
        b.code(two.0, two.1); // literal 0: 2 bits
        b.code(run.0, run.1); // literals 1-138: none
        b.put(138 - 11, 7);
        b.code(run.0, run.1); // literals 139-255: none
        b.put(117 - 11, 7);
        b.code(two.0, two.1); // end of block: 2 bits
        b.code(run.0, run.1); // lengths 257-284: none
        b.put(28 - 11, 7);
        b.code(one.0, one.1); // length 258 (285): 1 bit
        b.code(one.0, one.1); // distance 1: 1 bit
        // Canonically length 258 is 0, literal 0 is 10, end of block is 11; distance 1 is 0.
        b.code(0b10, 2);
        for _ in 0..matches {
            b.put(0, 2);
        }
        b.code(0b11, 2);
        b.put(0, 7);
        b.out
    }

    /// Adds a deflated entry whose compressed bytes are `raw`: the `zip`
    /// crate only compresses itself, so the entry is stored and its headers
    /// then patched to say deflate.
    fn add_raw_deflated(file: &Path, name: &str, raw: &[u8], size: u32, crc: u32) {
        let mut bytes = std::fs::read(file).unwrap();
        let mut zip = zip::ZipWriter::new_append(std::io::Cursor::new(&mut bytes)).unwrap();
        zip.start_file(name, SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).unwrap();
        zip.write_all(raw).unwrap();
        zip.finish().unwrap();
        let at = |sig: &[u8], name_at: usize| {
            (0..bytes.len() - name_at)
                .find(|&i| bytes[i..].starts_with(sig) && bytes[i + name_at..].starts_with(name.as_bytes()))
                .unwrap()
        };
        let local = at(b"PK\x03\x04", 30);
        let central = at(b"PK\x01\x02", 46);
        bytes[local + 8..local + 10].copy_from_slice(&8u16.to_le_bytes());
        bytes[local + 14..local + 18].copy_from_slice(&crc.to_le_bytes());
        bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
        bytes[central + 10..central + 12].copy_from_slice(&8u16.to_le_bytes());
        bytes[central + 16..central + 20].copy_from_slice(&crc.to_le_bytes());
        bytes[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
        std::fs::write(file, &bytes).unwrap();
    }

    #[test]
    fn hand_made_deflate_inflates_to_zeros() {
        let file = zip_file(&[]);
        // CRC-32 of 2,581 zero bytes.
        add_raw_deflated(file.path(), "zeros", &zeros_deflate(10), 2581, 0x329f_3844);
        let mut zip = ZipArchive::new(File::open(file.path()).unwrap()).unwrap();
        let mut out = Vec::new();
        zip.by_name("zeros").unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![0; 2581]);
    }

    #[test]
    fn zip_bomb_is_refused_before_decompressing() {
        // 300,000,079 zeros (one, then 1,162,791 runs of 258) in about 290 kB.
        let file = xlsx();
        add_raw_deflated(file.path(), "xl/media/image1.bin", &zeros_deflate(1_162_791), 300_000_079, 0xa979_10e7);
        assert!(file.as_file().metadata().unwrap().len() < 400_000);

        let small = SheetLimits { max_uncompressed_bytes: 50_000_000, ..limits() };
        match open_sheet(file.path(), None, small) {
            Err(SheetError::TooLarge(m)) => assert!(m.contains("more than 50000000 bytes"), "{m}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // Within the total, but no honest part compresses a thousandfold.
        match open_sheet(file.path(), None, limits()) {
            Err(SheetError::TooLarge(m)) => assert!(m.contains("xl/media/image1.bin"), "{m}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // A generous ratio lets the same file through: the image is never read.
        let lenient = SheetLimits { max_ratio: 100_000, ..limits() };
        assert_eq!(open_sheet(file.path(), None, lenient).unwrap().count(), 5);
    }

    #[test]
    fn lying_sizes_stop_decompression() {
        let file = xlsx();
        // Shrink the central directory's uncompressed size of the shared strings to 100 bytes.
        let mut bytes = std::fs::read(file.path()).unwrap();
        let name = b"xl/sharedStrings.xml";
        let header = (0..bytes.len() - 46)
            .find(|&i| bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(name))
            .unwrap();
        bytes[header + 24..header + 28].copy_from_slice(&100u32.to_le_bytes());
        std::fs::write(file.path(), &bytes).unwrap();
        match open_sheet(file.path(), None, limits()) {
            Err(SheetError::Read(m)) => assert!(m.contains("declared"), "{m}"),
            other => panic!("expected Read, got {other:?}"),
        }
    }

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn not_a_workbook() {
        let cases: &[(&[u8], &str)] = &[
            ("Tỉnh,Dân số\nHà Nội,8587100\n".as_bytes(), "plain text"),
            (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
            (&[0x00, 0x9f, 0x92, 0x96, 0xff, 0x01, 0x02, 0x03], "neither"),
            (b"%PDF-1.7\n", "PDF"),
            (b"PK\x03\x04 truncated", "ZIP"),
        ];
        for (bytes, what) in cases {
            let file = file_with(bytes);
            for result in [sheet_names(file.path()).map(|_| ()), open_sheet(file.path(), None, limits()).map(|_| ())] {
                match result {
                    Err(e @ SheetError::NotAWorkbook(_)) => assert!(e.to_string().contains(what), "{e}"),
                    other => panic!("expected NotAWorkbook for {what}, got {other:?}"),
                }
            }
        }
        let docx = zip_file(&[(
            "[Content_Types].xml",
            br#"<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        )]);
        assert!(matches!(open_sheet(docx.path(), None, limits()), Err(SheetError::NotAWorkbook(_))));
        let odt = zip_file(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
        assert!(matches!(open_sheet(odt.path(), None, limits()), Err(SheetError::NotAWorkbook(_))));
        let other = zip_file(&[("readme.txt", b"hello")]);
        assert!(matches!(open_sheet(other.path(), None, limits()), Err(SheetError::NotAWorkbook(_))));
    }

    #[test]
    fn damaged_workbooks_are_errors_not_panics() {
        // An OLE2 signature over garbage, and an XLSX whose sheet is not XML.
        let mut ole = OLE2_MAGIC.to_vec();
        ole.extend(std::iter::repeat_n(0xAB, 2000));
        let file = file_with(&ole);
        assert!(matches!(open_sheet(file.path(), None, limits()), Err(SheetError::Read(_))));
        let file = zip_file(&xlsx_parts("<worksheet><sheetData><row><c><v>1", &[]));
        assert!(matches!(open_sheet(file.path(), Some("Dân số"), limits()), Err(SheetError::Read(_))));
    }

    #[test]
    fn empty_file() {
        let file = file_with(b"");
        assert!(matches!(sheet_names(file.path()), Err(SheetError::Empty)));
        assert!(matches!(open_sheet(file.path(), None, limits()), Err(SheetError::Empty)));
        let missing = Path::new("/nonexistent/kho/sheets.xlsx");
        assert!(matches!(open_sheet(missing, None, limits()), Err(SheetError::Read(_))));
    }

    #[test]
    fn coercions() {
        assert_eq!(float_text(1234.0), "1234");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(12.34), "12.34");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_text(1e20), "100000000000000000000");
        assert_eq!(float_text(f64::NAN), "");
        assert_eq!(iso_datetime_text("2026-11-23"), "2026-11-23");
        assert_eq!(iso_datetime_text("2026-11-23T00:00:00"), "2026-11-23");
        assert_eq!(iso_datetime_text("2026-11-23T14:30:00"), "2026-11-23 14:30:00");
        assert_eq!(iso_datetime_text("2026-11-23T14:30:00.5Z"), "2026-11-23 14:30:00.5Z");
        assert_eq!(iso_duration_text("PT14H30M00S"), "14:30:00");
        assert_eq!(iso_duration_text("PT36H"), "36:00:00");
        assert_eq!(iso_duration_text("-P1DT1H30M0.25S"), "-25:30:00.250");
        assert_eq!(iso_duration_text("P1Y2M"), "P1Y2M");
        assert_eq!(iso_duration_text("P"), "P");
        let dt = |v| ExcelDateTime::new(v, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(excel_datetime_text(&dt(46349.0)), "2026-11-23");
        assert_eq!(excel_datetime_text(&dt(46349.5)), "2026-11-23 12:00:00");
        assert_eq!(excel_datetime_text(&dt(0.25)), "06:00:00");
        let dur = ExcelDateTime::new(-0.0625, calamine::ExcelDateTimeType::TimeDelta, false);
        assert_eq!(excel_datetime_text(&dur), "-01:30:00");

        let values = [
            Data::Empty,
            Data::Int(0),
            Data::Float(f64::INFINITY),
            Data::Float(2.5),
            Data::String(String::new()),
            Data::String(" ".to_string()),
            Data::Bool(false),
            Data::Error(calamine::CellErrorType::NA),
            Data::DateTime(dt(f64::NAN)),
            Data::DateTime(dt(1.0)),
            Data::DateTimeIso(String::new()),
            Data::DurationIso("PT1S".to_string()),
        ];
        for v in &values {
            assert_eq!(data_blank(v), data_text(v).is_empty(), "{v:?}");
            let r: DataRef<'_> = match v {
                Data::String(s) => DataRef::SharedString(s),
                Data::Int(i) => DataRef::Int(*i),
                Data::Float(f) => DataRef::Float(*f),
                Data::Bool(b) => DataRef::Bool(*b),
                Data::DateTime(d) => DataRef::DateTime(*d),
                Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
                Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
                Data::Error(e) => DataRef::Error(e.clone()),
                Data::Empty => DataRef::Empty,
            };
            assert_eq!(data_ref_text(&r), data_text(v), "{v:?}");
            assert_eq!(data_ref_blank(&r), data_blank(v), "{v:?}");
        }
    }
}
