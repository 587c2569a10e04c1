//! `kho admin-units …`: Viet Nam's administrative units from the command
//! line, offline (no server, no database).

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use kho_admin_units::{Conversion, Era, Level, Options, Status, convert};
use kho_datastore::sniff::{TextEncoding, decode, detect_delimiter, detect_encoding, text_stream};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Subcommand)]
pub enum AdminUnitsCommand {
    /// Add the 2025 units to a table whose column names provinces or
    /// communes of either era (names with or without diacritics, codes, or
    /// "ward, district, province"), with the official conversion tables.
    ///
    /// Adds the columns province_code_2025, province_name_2025,
    /// commune_code_2025, commune_name_2025, status (exact: already a 2025
    /// unit; converted: a legacy unit that went whole into one; split: a
    /// legacy unit divided between several, listed in candidates, never
    /// guessed; unknown: see note) and candidates, note. Writes UTF-8 CSV.
    Convert(ConvertArgs),
}

/// Which era's codes a bare number is.
#[derive(Clone, Copy, ValueEnum)]
enum FromEra {
    /// 2025 units first, then legacy ones.
    Auto,
    /// Only units in force since 1 July 2025.
    #[value(name = "2025")]
    Current,
    /// Only units before 1 July 2025 (63 provinces, 10,051 wards).
    Legacy,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnitLevel {
    /// Provinces first, then communes.
    Auto,
    Province,
    Commune,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// A delimited text file (CSV, TSV…) with a header row.
    file: PathBuf,
    /// The column holding the units: its name, or its number from 1.
    #[arg(long, value_name = "C")]
    column: String,
    /// Where to write the result [default: standard output].
    #[arg(long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Which era a bare number's code is from (names tell by themselves).
    #[arg(long, value_enum, default_value = "auto")]
    from: FromEra,
    /// Which level a single value names ("4" is Cao Bằng and also Phường Ba Đình).
    #[arg(long, value_enum, default_value = "auto")]
    level: UnitLevel,
    /// The file's encoding: utf-8, utf-16le, utf-16be, windows-1258, tcvn3, vni [default: detected].
    #[arg(long)]
    encoding: Option<String>,
}

const ADDED: [&str; 7] = [
    "province_code_2025",
    "province_name_2025",
    "commune_code_2025",
    "commune_name_2025",
    "status",
    "candidates",
    "note",
];

fn cells(c: &Conversion) -> [String; 7] {
    [
        c.province.map(|p| p.code.to_string()).unwrap_or_default(),
        c.province.map(|p| p.name.clone()).unwrap_or_default(),
        c.commune.map(|c| c.code.to_string()).unwrap_or_default(),
        c.commune.map(|c| c.name.clone()).unwrap_or_default(),
        c.status.name().to_string(),
        c.candidates.iter().map(|(code, name)| format!("{code} {name}")).collect::<Vec<_>>().join("; "),
        c.note.clone().unwrap_or_default(),
    ]
}

pub fn run(cmd: AdminUnitsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdminUnitsCommand::Convert(args) => convert_file(args),
    }
}

fn convert_file(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let open =
        || std::fs::File::open(&args.file).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()));
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::with_capacity(1 << 16);
    open()?.take(1 << 16).read_to_end(&mut head)?;
    let encoding = match &args.encoding {
        Some(e) => TextEncoding::parse(e).ok_or_else(|| {
            anyhow::anyhow!("unknown encoding {e:?}: use utf-8, utf-16le, utf-16be, windows-1258, tcvn3 or vni")
        })?,
        None => detect_encoding(&head),
    };
    let (sample, _) = decode(&head, encoding);
    let delimiter = detect_delimiter(&sample);
    let read = Arc::new(AtomicU64::new(0));
    let counted = Counted { inner: open()?, read: read.clone() };
    let replaced = Arc::new(AtomicU64::new(0));
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text_stream(
        counted,
        encoding,
        replaced.clone(),
    ));
    let header = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("cannot read the header of {}: {e}", args.file.display()))?
        .clone();
    let column = header
        .iter()
        .position(|h| h.trim() == args.column.trim())
        .or_else(|| header.iter().position(|h| kho_admin_units::fold(h) == kho_admin_units::fold(&args.column)))
        .or_else(|| args.column.parse::<usize>().ok().filter(|n| (1..=header.len()).contains(n)).map(|n| n - 1))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no column {:?}; its columns are: {}",
                args.file.display(),
                args.column,
                header.iter().collect::<Vec<_>>().join(", ")
            )
        })?;
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header.iter().chain(ADDED))?;
    let opts = Options {
        era: match args.from {
            FromEra::Auto => Era::Auto,
            FromEra::Current => Era::Current,
            FromEra::Legacy => Era::Legacy,
        },
        level: match args.level {
            UnitLevel::Auto => Level::Auto,
            UnitLevel::Province => Level::Province,
            UnitLevel::Commune => Level::Commune,
        },
    };
    let bar = if args.output.is_some() { ProgressBar::new(size) } else { ProgressBar::hidden() };
    if let Ok(style) =
        ProgressStyle::with_template("Đang chuyển đổi / converting [{bar:40}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    // Tables repeat their units: each distinct value is converted once.
    let mut seen: HashMap<String, (Status, [String; 7])> = HashMap::new();
    let mut counts: HashMap<Status, u64> = HashMap::new();
    let mut unknown: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while reader.read_record(&mut record).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))? {
        rows += 1;
        let value = record.get(column).unwrap_or("").to_string();
        let (status, added) = match seen.get(&value) {
            Some(a) => a.clone(),
            None => {
                let c = convert(&value, opts);
                let a = (c.status, cells(&c));
                seen.insert(value.clone(), a.clone());
                a
            }
        };
        *counts.entry(status).or_default() += 1;
        if status == Status::Unknown && seen.len() < 100_000 {
            *unknown.entry(value).or_default() += 1;
        }
        writer.write_record(record.iter().chain(added.iter().map(String::as_str)))?;
        if rows.is_multiple_of(4096) {
            bar.set_position(read.load(Ordering::Relaxed));
        }
    }
    writer.flush()?;
    bar.finish_and_clear();
    let n = |s: Status| counts.get(&s).copied().unwrap_or(0);
    eprintln!(
        "{rows} dòng / rows: {} exact, {} converted, {} split, {} unknown ({} distinct values)",
        n(Status::Exact),
        n(Status::Converted),
        n(Status::Split),
        n(Status::Unknown),
        seen.len()
    );
    let mut top: Vec<(String, u64)> = unknown.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (value, count) in top.iter().take(10) {
        eprintln!("  không xác định / unknown: {value:?} ×{count}");
    }
    let bad = replaced.load(Ordering::Relaxed);
    if bad > 0 {
        eprintln!("{bad} bytes were not valid {}; they became U+FFFD (try --encoding)", encoding.label());
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts the bytes read, for the progress bar.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
