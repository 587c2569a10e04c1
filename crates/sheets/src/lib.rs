//! Tables written as CSV or XLSX: the one place where Kho's downloads of
//! the data map and of the Strategy's annual reports become spreadsheet
//! files. Callers build [`Table`]s of typed [`Cell`]s; [`csv`] writes one
//! table, [`xlsx`] a workbook with one sheet per table. No HTTP here, and
//! nothing about what the tables mean.
//!
//! What every file written here guarantees:
//!
//! - Text is data, never a formula. In CSV, a text cell that a spreadsheet
//!   would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
//!   a carriage return, OWASP's list for CSV injection) is prefixed with
//!   `'` ([`defuse`]); numbers and booleans are written as they are. In
//!   XLSX every text cell is a string cell, so it needs no prefix and
//!   keeps its exact text.
//! - Numbers are numbers: [`Cell::Int`] and [`Cell::Number`] are numeric
//!   cells in a workbook and plain digits in CSV.
//! - A workbook's header row is bold, frozen and filterable, and columns
//!   are as wide as their content (within bounds).
//! - CSV is UTF-8 with `\n` line ends (as Kho's datastore dumps), and
//!   optionally a byte-order mark so that Excel reads the diacritics
//!   (CKAN's `bom=true`).

#![warn(missing_docs)]

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::borrow::Cow;

/// Rows a worksheet holds besides its header (Excel's limit).
pub const MAX_ROWS: usize = 1_048_575;
/// Columns a worksheet holds (Excel's limit).
pub const MAX_COLUMNS: usize = 16_384;
/// Longest text of one cell, in UTF-16 code units (Excel's limit).
const MAX_TEXT: usize = 32_767;
/// Bounds of a column's width, in characters.
const WIDTH_MIN: usize = 8;
const WIDTH_MAX: usize = 60;
/// Rows looked at to size a column: enough to see the content's shape
/// without walking a national map twice.
const WIDTH_SAMPLE: usize = 2_000;

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SheetsError {
    /// The CSV writer failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The buffer behind the CSV writer failed.
    #[error("writing CSV: {0}")]
    Io(#[from] std::io::Error),
    /// The XLSX writer refused something (a sheet name, a limit).
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    /// A table has more rows or columns than a worksheet holds.
    #[error("table \"{sheet}\" has {rows} rows and {columns} columns, more than a worksheet holds")]
    TooLarge {
        /// The table's sheet name.
        sheet: String,
        /// Its rows.
        rows: usize,
        /// Its columns.
        columns: usize,
    },
}

/// What [`csv`] and [`xlsx`] return.
pub type Result<T> = std::result::Result<T, SheetsError>;

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (an empty field, no cell).
    Empty,
    /// Text, always written as text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// Any other number; non-finite values are written as empty.
    Number(f64),
    /// True or false (`true`/`false` in CSV).
    Bool(bool),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::Text(s.clone())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<u64> for Cell {
    /// Counts beyond `i64::MAX` (never met in practice) become a float.
    fn from(n: u64) -> Cell {
        i64::try_from(n).map(Cell::Int).unwrap_or(Cell::Number(n as f64))
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::from(n as u64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Cell {
        Cell::Bool(b)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map(Into::into).unwrap_or(Cell::Empty)
    }
}

impl Cell {
    /// The cell as CSV writes it (before [`defuse`]).
    fn plain(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Number(n) if n.is_finite() => Cow::Owned(n.to_string()),
            Cell::Number(_) => Cow::Borrowed(""),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// A table: a sheet of a workbook, or a CSV file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The sheet's name in a workbook: at most 31 characters, none of
    /// `[]:*?/\` (Excel's rules; [`xlsx`] refuses others).
    pub sheet: String,
    /// The header row.
    pub columns: Vec<String>,
    /// The rows; a short row is padded with empty cells, cells beyond the
    /// header are dropped.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with a sheet name and a header.
    pub fn new(sheet: &str, columns: &[&str]) -> Table {
        Table { sheet: sheet.to_string(), columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The cells of `row` within the header, padded.
    fn cells<'a>(&self, row: &'a [Cell]) -> impl Iterator<Item = &'a Cell> {
        const EMPTY: &Cell = &Cell::Empty;
        (0..self.columns.len()).map(move |i| row.get(i).unwrap_or(EMPTY))
    }
}

/// Text made safe to open in a spreadsheet: prefixed with `'` when it
/// starts with a character that makes a spreadsheet read it as a formula
/// or a command (`=`, `+`, `-`, `@`, tab, carriage return). Other text is
/// returned as it is.
pub fn defuse(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// One table as CSV (UTF-8, a header line, `\n` line ends), with a UTF-8
/// byte-order mark first when `bom` is set. Text cells go through
/// [`defuse`].
pub fn csv(table: &Table, bom: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(table.columns.iter().map(|c| defuse(c).into_owned()))?;
    for row in &table.rows {
        let fields = table.cells(row).map(|c| match c {
            Cell::Text(s) => defuse(s),
            other => other.plain(),
        });
        w.write_record(fields.map(|f| f.into_owned().into_bytes()))?;
    }
    w.into_inner().map_err(|e| SheetsError::Io(e.into_error()))
}

/// Text cut to what one cell holds, ending in "…" when cut.
fn fit(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_TEXT || text.encode_utf16().count() <= MAX_TEXT {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        // Room for the ellipsis (one unit).
        if units + c.len_utf16() > MAX_TEXT - 1 {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// A column's width in characters: its longest line among the header and
/// the first rows, within bounds.
fn width(table: &Table, col: usize) -> f64 {
    let len = |s: &str| s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let header = table.columns.get(col).map(|h| len(h)).unwrap_or(0);
    let content = table
        .rows
        .iter()
        .take(WIDTH_SAMPLE)
        .filter_map(|r| r.get(col))
        .map(|c| match c {
            Cell::Text(s) => len(s),
            // Thousands separators take room too.
            Cell::Int(n) => n.to_string().len() * 4 / 3,
            other => other.plain().len(),
        })
        .max()
        .unwrap_or(0);
    // Two characters of padding, and room for the filter button.
    (header.max(content) + 3).clamp(WIDTH_MIN, WIDTH_MAX) as f64
}

/// The tables as one XLSX workbook, a sheet each, in order.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let whole = Format::new().set_num_format("#,##0");
    for t in tables {
        if t.rows.len() > MAX_ROWS || t.columns.len() > MAX_COLUMNS {
            return Err(SheetsError::TooLarge { sheet: t.sheet.clone(), rows: t.rows.len(), columns: t.columns.len() });
        }
        let sheet = book.add_worksheet();
        sheet.set_name(t.sheet.as_str())?;
        // The bounds were checked above, so these casts cannot wrap.
        for (c, name) in t.columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, fit(name), &bold)?;
            sheet.set_column_width(c as u16, width(t, c))?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, cell) in t.cells(row).enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        sheet.write_string(r, c, fit(s))?;
                    }
                    // Whole numbers beyond 2^53 lose their last digits, as
                    // they would typed into Excel.
                    Cell::Int(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &whole)?;
                    }
                    Cell::Number(n) if n.is_finite() => {
                        sheet.write_number(r, c, *n)?;
                    }
                    Cell::Number(_) => {}
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, c, *b)?;
                    }
                }
            }
        }
        if !t.columns.is_empty() {
            sheet.set_freeze_panes(1, 0)?;
            sheet.autofilter(0, 0, t.rows.len() as u32, (t.columns.len() - 1) as u16)?;
        }
    }
    if tables.is_empty() {
        // A workbook needs a sheet to open.
        book.add_worksheet();
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn sample() -> Table {
        let mut t = Table::new("Cơ sở dữ liệu", &["name", "title", "records", "share", "open", "note"]);
        t.push(vec![
            "csdl-a".into(),
            "Dân cư, \"quốc gia\"\nhai dòng".into(),
            100_000_000u64.into(),
            0.5.into(),
            true.into(),
        ]);
        t.push(vec![
            "=HYPERLINK(\"http://x\")".into(),
            "+84 24 1234".into(),
            Cell::Int(-3),
            Cell::Number(f64::NAN),
            false.into(),
            "@SUM(A1)".into(),
        ]);
        t.push(vec!["-1".into(), "\tcmd".into(), Cell::Empty, Cell::Empty, Cell::Empty, "a - b = c".into()]);
        t
    }

    #[test]
    fn csv_quotes_defuses_text_and_keeps_numbers() {
        let out = String::from_utf8(csv(&sample(), false).unwrap()).unwrap();
        let expected = "name,title,records,share,open,note\n\
            csdl-a,\"Dân cư, \"\"quốc gia\"\"\nhai dòng\",100000000,0.5,true,\n\
            \"'=HYPERLINK(\"\"http://x\"\")\",'+84 24 1234,-3,,false,'@SUM(A1)\n\
            '-1,'\tcmd,,,,a - b = c\n";
        assert_eq!(out, expected);
        // Read back, the fields are the text as given (with the guard).
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(&rows[0][1], "Dân cư, \"quốc gia\"\nhai dòng");
        assert_eq!(&rows[1][0], "'=HYPERLINK(\"http://x\")");
    }

    #[test]
    fn csv_bom_is_three_bytes_first() {
        let out = csv(&Table::new("x", &["a"]), true).unwrap();
        assert_eq!(out, b"\xEF\xBB\xBFa\n");
    }

    #[test]
    fn defuse_leaves_ordinary_text_alone() {
        for s in ["", "Hà Nội", "1+1", " =x", "'quoted"] {
            assert!(matches!(defuse(s), Cow::Borrowed(_)), "{s}");
        }
        for s in ["=1", "+1", "-1", "@x", "\tx", "\rx"] {
            assert_eq!(defuse(s), format!("'{s}"));
        }
    }

    fn read(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn xlsx_keeps_types_and_text_exact() {
        let mut other = Table::new("Kết nối", &["from", "to"]);
        other.push(vec!["a".into(), "b".into()]);
        let mut book = read(xlsx(&[sample(), other]).unwrap());
        assert_eq!(book.sheet_names(), vec!["Cơ sở dữ liệu", "Kết nối"]);
        let r = book.worksheet_range("Cơ sở dữ liệu").unwrap();
        assert_eq!(r.get((0, 0)), Some(&Data::String("name".into())));
        assert_eq!(r.get((1, 1)), Some(&Data::String("Dân cư, \"quốc gia\"\nhai dòng".into())));
        assert_eq!(r.get((1, 2)), Some(&Data::Float(100_000_000.0)));
        assert_eq!(r.get((1, 3)), Some(&Data::Float(0.5)));
        assert_eq!(r.get((1, 4)), Some(&Data::Bool(true)));
        // Text that looks like a formula is a string cell, unchanged.
        assert_eq!(r.get((2, 0)), Some(&Data::String("=HYPERLINK(\"http://x\")".into())));
        assert_eq!(r.get((2, 2)), Some(&Data::Float(-3.0)));
        assert_eq!(r.get((2, 3)), Some(&Data::Empty), "NaN is left empty");
        assert_eq!(r.get((3, 0)), Some(&Data::String("-1".into())));
        let formulas = book.worksheet_formula("Cơ sở dữ liệu").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula in the workbook");
        let r = book.worksheet_range("Kết nối").unwrap();
        assert_eq!(r.get((1, 1)), Some(&Data::String("b".into())));
    }

    #[test]
    fn xlsx_header_is_frozen_and_bold() {
        let bytes = xlsx(&[sample()]).unwrap();
        let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\""), "{sheet}");
        assert!(sheet.contains("<autoFilter ref=\"A1:F4\""), "{sheet}");
        assert!(sheet.contains("<col min=\"2\" max=\"2\""), "column widths: {sheet}");
        let styles = zip_entry(&bytes, "xl/styles.xml");
        assert!(styles.contains("<b/>"), "a bold font: {styles}");
    }

    /// One part of the workbook's ZIP archive, as text.
    fn zip_entry(bytes: &[u8], name: &str) -> String {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn long_text_is_cut_to_a_cell_and_bad_names_are_refused() {
        let mut t = Table::new("Từ điển", &["text"]);
        t.push(vec!["ư".repeat(40_000).into()]);
        let mut book = read(xlsx(&[t]).unwrap());
        let r = book.worksheet_range("Từ điển").unwrap();
        let Some(Data::String(s)) = r.get((1, 0)) else { panic!("not text") };
        assert_eq!(s.encode_utf16().count(), MAX_TEXT);
        assert!(s.ends_with('…'));
        assert!(matches!(xlsx(&[Table::new("a/b", &["x"])]), Err(SheetsError::Xlsx(_))));
        assert!(matches!(xlsx(&[Table::new(&"x".repeat(40), &["x"])]), Err(SheetsError::Xlsx(_))));
    }

    #[test]
    fn widths_follow_content_within_bounds() {
        let mut t = Table::new("x", &["a", "title"]);
        t.push(vec!["b".into(), "y".repeat(500).into()]);
        assert_eq!(width(&t, 0), WIDTH_MIN as f64);
        assert_eq!(width(&t, 1), WIDTH_MAX as f64);
    }
}
