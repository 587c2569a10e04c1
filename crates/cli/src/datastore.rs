//! `kho datastore …`: datastore tables from the command line.

use crate::{GlobalArgs, logging, open_catalog};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kho_datastore::ingest::{LoadOptions, LoadProgress, SourceFormat};
use kho_datastore::sniff::TextEncoding;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum DatastoreCommand {
    /// Load a file into a resource's datastore table, as its new version
    /// (the previous one stays readable), with a progress bar. The same
    /// work a server does in the background when a table is uploaded.
    Load(LoadArgs),
}

#[derive(Args)]
pub struct LoadArgs {
    /// The file: CSV, TSV, XLSX, XLS, ODS, JSON (array of objects), NDJSON, GeoJSON or Parquet.
    file: PathBuf,
    /// The id of the resource whose table this becomes.
    #[arg(long, value_name = "ID")]
    resource: String,
    /// The file's format when its name does not tell: csv, tsv, xlsx, json, ndjson, geojson, parquet.
    #[arg(long)]
    format: Option<String>,
    /// The sheet of a workbook [default: the first with data].
    #[arg(long)]
    sheet: Option<String>,
    /// The delimiter of a text file: one character, or `tab` [default: detected].
    #[arg(long)]
    delimiter: Option<String>,
    /// The encoding of a text file: utf-8, utf-16le, utf-16be, windows-1258, tcvn3, vni [default: detected].
    #[arg(long)]
    encoding: Option<String>,
    /// Whether the first row holds column names: true or false [default: detected].
    #[arg(long)]
    header: Option<bool>,
}

pub async fn run(g: &GlobalArgs, cmd: DatastoreCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DatastoreCommand::Load(args) => load(g, args).await,
    }
}

async fn load(g: &GlobalArgs, args: LoadArgs) -> anyhow::Result<ExitCode> {
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "warn");
    let name = args.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let format = SourceFormat::detect(args.format.as_deref().unwrap_or(""), &name).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell the format of {}; say it with --format csv|tsv|xlsx|json|ndjson|geojson|parquet",
            args.file.display()
        )
    })?;
    let encoding = match args.encoding.as_deref() {
        None => None,
        Some(e) => Some(TextEncoding::parse(e).ok_or_else(|| {
            anyhow::anyhow!("unknown encoding \"{e}\"; use utf-8, utf-16le, utf-16be, windows-1258, tcvn3 or vni")
        })?),
    };
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some("tab") | Some("\\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => anyhow::bail!("--delimiter must be one character or `tab`, not \"{d}\""),
    };
    if !args.file.is_file() {
        anyhow::bail!("{} is not a file", args.file.display());
    }
    let catalog = open_catalog(&config, false, false).await?;
    catalog
        .resource_show(&kho_catalog::Actor::system(), &args.resource)
        .await
        .map_err(|e| anyhow::anyhow!("resource {}: {e}; create the resource first", args.resource))?;
    let opts = LoadOptions { delimiter, encoding, header: args.header, sheet: args.sheet, ..Default::default() };
    let progress = Arc::new(LoadProgress::default());
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("Nạp bảng / loading");
    let started = Instant::now();
    let task = catalog.datastore_load_file(&args.resource, args.file.clone(), format, opts, progress.clone());
    tokio::pin!(task);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let outcome = loop {
        tokio::select! {
            r = &mut task => break r,
            _ = tick.tick() => {
                bar.set_length(progress.total.load(Ordering::Relaxed));
                bar.set_position(progress.done.load(Ordering::Relaxed));
                if progress.pass.load(Ordering::Relaxed) > 1 {
                    bar.set_message("Nạp lại với kiểu rộng hơn / loading again with wider types");
                }
            }
        }
    };
    bar.finish_and_clear();
    catalog.close().await;
    let (version, report) = outcome.map_err(|e| anyhow::anyhow!("{e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "Đã nạp {} dòng, {} cột vào phiên bản {version} trong {secs:.1} s / loaded {} rows, {} columns as version {version} in {secs:.1} s ({:.0} MB/s)",
        report.rows,
        report.fields.len(),
        report.rows,
        report.fields.len(),
        size as f64 / 1e6 / secs.max(1e-9)
    );
    for f in &report.fields {
        eprintln!("  {:<30} {}", f.id, f.ty.name());
    }
    for note in &report.notes {
        eprintln!("  ! {note}");
    }
    Ok(ExitCode::SUCCESS)
}
