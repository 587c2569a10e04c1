//! `kho bench datastore`: issue #6's datastore figures beside DuckDB's.
//!
//! Generates a CSV of N rows and 10 columns (about 100 bytes a row, so
//! 10,000,000 rows make about 1 GB), loads it through the catalog as a
//! resource's table, then measures, in process and without HTTP:
//! ingest (MB of CSV per second), `SUM … GROUP BY` through
//! `datastore_search_sql`, `datastore_search` with one equality filter and
//! its total (p50/p99), and a CSV dump (MB/s). DuckDB (PyPI `duckdb`, run by
//! `benches/duckdb_peer.py`) does the same work on the same CSV and on
//! Kho's own Parquet file in the same run.

use crate::admin::progress_bar;
use crate::{GlobalArgs, open_catalog};
use clap::Args;
use futures_util::StreamExt;
use kho_catalog::Actor;
use kho_core::input::Fields;
use kho_datastore::ingest::{LoadOptions, LoadProgress, SourceFormat};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The DuckDB release the comparison installs.
const DUCKDB_VERSION: &str = "2.0.1";

#[derive(Args)]
pub struct DatastoreArgs {
    /// Rows of the generated CSV (issue #6 asks for 10,000,000, about 1 GB).
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Runs of each query; p50 and p99 are over these.
    #[arg(long, default_value_t = 100)]
    repeat: usize,
    /// A Python with `duckdb` installed [default: target/bench-venv, created with DuckDB from PyPI if missing].
    #[arg(long)]
    python: Option<PathBuf>,
    /// Measure Kho alone.
    #[arg(long)]
    no_duckdb: bool,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

const PROVINCES: [&str; 34] = [
    "Hà Nội",
    "Huế",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Lạng Sơn",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Cao Bằng",
    "Tuyên Quang",
    "Lào Cai",
    "Thái Nguyên",
    "Phú Thọ",
    "Bắc Ninh",
    "Hưng Yên",
    "Hải Phòng",
    "Ninh Bình",
    "Quảng Trị",
    "Đà Nẵng",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Lâm Đồng",
    "Đắk Lắk",
    "Thành phố Hồ Chí Minh",
    "Đồng Nai",
    "Tây Ninh",
    "Cần Thơ",
    "Vĩnh Long",
    "Đồng Tháp",
    "Cà Mau",
    "An Giang",
];

const CATEGORIES: [&str; 8] =
    ["giáo dục", "y tế", "giao thông", "nông nghiệp", "môi trường", "tài chính", "dân cư", "đất đai"];

/// A small, fast, reproducible random sequence (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Writes the benchmark's CSV: 10 columns, Vietnamese text, ISO dates.
fn generate(path: &Path, rows: u64) -> anyhow::Result<u64> {
    let bar = progress_bar(rows, "Tạo CSV / generating CSV");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "id,province,commune,category,recorded,amount,quantity,verified,updated_at,note")?;
    let mut rng = Rng(42);
    for i in 1..=rows {
        let r = rng.next();
        let p = (r % 34) as usize;
        let commune = 1 + (r >> 8) % 3321;
        let cat = CATEGORIES[((r >> 20) % 8) as usize];
        let day = 1 + (r >> 24) % 28;
        let month = 1 + (r >> 30) % 12;
        let amount = ((r >> 34) % 10_000_000) as f64 / 100.0;
        let qty = (r >> 44) % 1000;
        let verified = (r >> 54) & 1 == 1;
        let hour = (r >> 55) % 24;
        writeln!(
            w,
            "{i},{},{commune},{cat},2025-{month:02}-{day:02},{amount},{qty},{verified},2026-{month:02}-{day:02} {hour:02}:15:00,hồ sơ số {}",
            PROVINCES[p],
            r % 100_000
        )?;
        if i % 100_000 == 0 {
            bar.set_position(i);
        }
    }
    w.flush()?;
    bar.finish_and_clear();
    Ok(std::fs::metadata(path)?.len())
}

/// This process's peak resident memory so far, in MB (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn python(a: &DatastoreArgs) -> anyhow::Result<PathBuf> {
    if let Some(p) = &a.python {
        return Ok(p.clone());
    }
    let venv = PathBuf::from("target/bench-venv");
    let py = venv.join("bin/python");
    let ok = std::process::Command::new(&py)
        .args(["-c", &format!("import duckdb, sys; sys.exit(duckdb.__version__ != '{DUCKDB_VERSION}')")])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("Cài DuckDB {DUCKDB_VERSION} vào {} / installing DuckDB from PyPI", venv.display());
        let made = std::process::Command::new("python3").args(["-m", "venv"]).arg(&venv).status()?;
        anyhow::ensure!(made.success(), "python3 -m venv failed; install Python 3 or pass --python");
        let pip = std::process::Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("duckdb=={DUCKDB_VERSION}"),
            ])
            .status()?;
        anyhow::ensure!(
            pip.success(),
            "pip install duckdb failed; pass --python with duckdb installed, or --no-duckdb"
        );
    }
    Ok(py)
}

pub async fn run(g: &GlobalArgs, a: DatastoreArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::Builder::new().prefix("kho-bench-ds-").tempdir()?;
    let mut config = g.config(None, None)?;
    config.data_dir = dir.path().to_path_buf();
    config.database_url = format!("sqlite://{}", dir.path().join("kho.db").display());
    config.index_dir = dir.path().join("index");
    crate::logging::init(&config.log_format, "warn");
    let csv = dir.path().join("bench.csv");
    let size = generate(&csv, a.rows)?;
    let catalog = open_catalog(&config, true, false).await?;
    let actor = Actor::system();
    let f = |v: Value| Fields::from_value(v).map_err(|e| anyhow::anyhow!("{e}"));
    catalog
        .group_create(&actor, f(json!({"name": "bench", "title": "Đo hiệu năng"}))?, true)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pkg = catalog
        .package_create(
            &actor,
            f(json!({"name": "bench-table", "title": "Bảng đo", "owner_org": "bench",
                     "resources": [{"url": "https://example.vn/bench.csv", "format": "CSV", "name": "bench"}]}))?,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rid = pkg.resources[0].id.clone();

    // Ingest.
    let progress = Arc::new(LoadProgress::default());
    let bar = progress_bar(size, "Nạp / loading");
    let started = Instant::now();
    let task =
        catalog.datastore_load_file(&rid, csv.clone(), SourceFormat::Csv, LoadOptions::default(), progress.clone());
    tokio::pin!(task);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let (_, report) = loop {
        tokio::select! {
            r = &mut task => break r.map_err(|e| anyhow::anyhow!("{e}"))?,
            _ = tick.tick() => bar.set_position(progress.done.load(Ordering::Relaxed)),
        }
    };
    let ingest_s = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    // The peak so far covers generating and loading the CSV, before any
    // query fills the column cache.
    let ingest_rss_mb = peak_rss_mb();
    let info = catalog.datastore_info(&actor, f(json!({"id": rid}))?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let parquet_bytes = info["meta"]["size"].as_u64().unwrap_or(0);
    let parquet = {
        let mut conn = catalog.store().conn().await?;
        let v = kho_store::datastore::current(&mut conn, &rid).await?.ok_or_else(|| anyhow::anyhow!("no table"))?;
        dir.path().join("datastore").join(v.file)
    };

    // SUM … GROUP BY through datastore_search_sql.
    let sql = format!(r#"SELECT province, SUM(amount) FROM "{rid}" GROUP BY province"#);
    catalog.datastore_search_sql(&actor, f(json!({"sql": sql}))?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut group = Vec::new();
    for _ in 0..a.repeat.clamp(1, 20) {
        let t = Instant::now();
        catalog.datastore_search_sql(&actor, f(json!({"sql": sql}))?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        group.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    group.sort_by(f64::total_cmp);

    // datastore_search with one equality filter (a commune code), its page and total.
    let mut rng = Rng(7);
    let codes: Vec<u64> = (0..a.repeat.max(1)).map(|_| 1 + rng.next() % 3321).collect();
    // The first filtered search reads the filtered and returned columns
    // into memory (datastore_cache_mb); it is reported on its own.
    let t = Instant::now();
    catalog
        .datastore_search(&actor, f(json!({"resource_id": rid, "filters": {"commune": 1}}))?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cold_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut filt = Vec::new();
    let mut matched = 0u64;
    for code in &codes {
        let t = Instant::now();
        let out = catalog
            .datastore_search(&actor, f(json!({"resource_id": rid, "filters": {"commune": code}}))?)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        filt.push(t.elapsed().as_secs_f64() * 1000.0);
        let v: Value = serde_json::from_str(&out)?;
        matched += v["total"].as_u64().unwrap_or(0);
    }
    filt.sort_by(f64::total_cmp);

    // A whole-table CSV dump, as /datastore/dump streams it.
    let t = Instant::now();
    let dump =
        catalog.datastore_dump(&actor, &rid, f(json!({"format": "csv"}))?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut body = dump.body;
    let mut first_byte = None;
    let mut dumped = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        first_byte.get_or_insert_with(|| t.elapsed());
        dumped += chunk.len() as u64;
    }
    let dump_s = t.elapsed().as_secs_f64();
    let rss_mb = peak_rss_mb();

    let kho = json!({
        "rows": report.rows,
        "csv_bytes": size,
        "parquet_bytes": parquet_bytes,
        "ingest_s": ingest_s,
        "ingest_mb_s": size as f64 / 1e6 / ingest_s,
        "group_by_ms": percentile(&group, 0.5),
        "filter_p50_ms": percentile(&filt, 0.5),
        "filter_p99_ms": percentile(&filt, 0.99),
        "filter_mean_total": matched as f64 / codes.len() as f64,
        "filter_first_ms": cold_ms,
        "csv_dump_mb_s": dumped as f64 / 1e6 / dump_s,
        "csv_dump_first_byte_ms": first_byte.map(|d| d.as_secs_f64() * 1000.0),
        "peak_rss_mb": rss_mb,
        "ingest_peak_rss_mb": ingest_rss_mb,
    });
    let duck = if a.no_duckdb {
        Value::Null
    } else {
        let py = python(&a)?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/duckdb_peer.py");
        let codes_arg = codes.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let out = std::process::Command::new(py)
            .arg(script)
            .arg(&csv)
            .arg(&parquet)
            .arg(a.repeat.max(1).to_string())
            .arg(codes_arg)
            .arg(dir.path())
            .output()?;
        anyhow::ensure!(out.status.success(), "DuckDB run failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout)?
    };
    catalog.close().await;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json!({"kho": kho, "duckdb": duck}))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Datastore, {} rows × 10 columns, CSV {:.0} MB → Parquet {:.0} MB (SQLite catalog, {} cores)",
        report.rows,
        size as f64 / 1e6,
        parquet_bytes as f64 / 1e6,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if let Some(v) = duck.get("version") {
        println!("DuckDB {} on the same CSV and on Kho's Parquet file", v.as_str().unwrap_or(""));
    }
    println!("{:<44} {:>10} {:>10} {:>8}   target", "", "Kho", "DuckDB", "ratio");
    let row = |name: &str, k: f64, d: Option<f64>, unit: &str, target: &str, higher_better: bool| {
        let ratio =
            d.map(|d| if higher_better { d / k } else { k / d }).map(|r| format!("{r:.2}×")).unwrap_or_default();
        let d = d.map(|d| format!("{d:.1}")).unwrap_or_else(|| "-".into());
        println!("{:<44} {:>10} {:>10} {:>8}   {target}", format!("{name} ({unit})"), format!("{k:.1}"), d, ratio);
    };
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    row(
        "ingest CSV → table",
        num(&kho, "ingest_mb_s").unwrap_or(0.0),
        num(&duck, "ingest_mb_s"),
        "MB/s",
        "≥ 100 MB/s",
        true,
    );
    row(
        "SUM … GROUP BY, datastore_search_sql",
        num(&kho, "group_by_ms").unwrap_or(0.0),
        num(&duck, "group_by_ms"),
        "ms",
        "≤ 2× DuckDB",
        false,
    );
    row(
        "datastore_search, 1 filter + total, p50",
        num(&kho, "filter_p50_ms").unwrap_or(0.0),
        num(&duck, "filter_p50_ms"),
        "ms",
        "",
        false,
    );
    row(
        "datastore_search, 1 filter + total, p99",
        num(&kho, "filter_p99_ms").unwrap_or(0.0),
        num(&duck, "filter_p99_ms"),
        "ms",
        "< 50 ms",
        false,
    );
    row(
        "CSV download",
        num(&kho, "csv_dump_mb_s").unwrap_or(0.0),
        num(&duck, "csv_export_mb_s"),
        "MB/s",
        "≥ 100 MB/s",
        true,
    );
    println!(
        "ratio: how many times DuckDB's figure Kho's is (time: Kho ÷ DuckDB; speed: DuckDB ÷ Kho); first filtered search (columns read into memory) {:.0} ms; first CSV byte after {:.0} ms; peak RSS {:.0} MB during the load (target < 500 MB), {:.0} MB with the columns cached; {:.0} rows match a filter on average",
        num(&kho, "filter_first_ms").unwrap_or(0.0),
        num(&kho, "csv_dump_first_byte_ms").unwrap_or(0.0),
        ingest_rss_mb,
        rss_mb,
        num(&kho, "filter_mean_total").unwrap_or(0.0)
    );
    Ok(ExitCode::SUCCESS)
}
