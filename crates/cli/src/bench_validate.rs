//! `kho bench validate`: Kho's Table Schema validator beside frictionless,
//! the reference validator, on the same file, with the same schema, in the
//! same run.
//!
//! It writes (once; reused while its size and row count hold) a CSV of
//! about N MiB — 10 columns of Vietnamese text, numbers, dates, a boolean
//! and a postal code, with a primary key and planted errors (a
//! non-integer population in one row of 1,000, a duplicate key in one row
//! of 10,000) — and its schema. Then it runs `kho validate` (this very
//! binary) and `frictionless validate --json`, each as a child process
//! measured the same way: wall time, CPU time and peak resident memory
//! from `wait4(2)`. Both list every error (frictionless stops validating
//! at its error limit, so the limit is raised past anything the file can
//! have), and their (type, row, field) lists are compared.

use crate::admin::progress_bar;
use clap::Args;
use indicatif::ProgressBar;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// The frictionless release Kho's validator is compared with.
const FRICTIONLESS_VERSION: &str = "5.18.1";

/// An error limit no generated file reaches, so both tools list and count
/// every error (frictionless stops validating at its limit).
const NO_LIMIT: u64 = 1_000_000_000;

#[derive(Args)]
pub struct ValidateBenchArgs {
    /// Size of the generated CSV, in MiB (1024: about 1 GB, 9.7 million rows).
    #[arg(long, default_value_t = 1024, value_name = "N")]
    mb: u64,
    /// Where the CSV and its schema are written, and found again by later runs
    /// [default: kho-bench-validate in the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Measure Kho alone.
    #[arg(long)]
    no_frictionless: bool,
    /// The frictionless command [default: $KHO_FRICTIONLESS, then target/test-venv/bin/frictionless,
    /// then frictionless on PATH].
    #[arg(long, value_name = "PATH")]
    frictionless: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

/// The generated table's schema: every column typed and constrained, so
/// every cell is read and checked.
const SCHEMA: &str = r#"{
  "fields": [
    {"name": "mã", "type": "integer", "constraints": {"required": true}},
    {"name": "tỉnh", "type": "string", "constraints": {"maxLength": 40}},
    {"name": "mã tỉnh", "type": "integer", "constraints": {"minimum": 1, "maximum": 99}},
    {"name": "dân số", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "tỷ lệ", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
    {"name": "ngày", "type": "date"},
    {"name": "cập nhật", "type": "datetime"},
    {"name": "thành phố", "type": "boolean"},
    {"name": "mã bưu chính", "type": "string", "constraints": {"pattern": "[0-9]{6}"}},
    {"name": "ghi chú", "type": "string"}
  ],
  "primaryKey": ["mã"]
}
"#;

const PROVINCES: [&str; 8] = ["Hà Nội", "Huế", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Hải Phòng", "Đắk Lắk", "Lào Cai"];

/// What the generator wrote, kept beside the CSV so a later run can reuse it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Generated {
    bytes: u64,
    rows: u64,
    /// Errors planted: type errors and duplicate keys.
    errors: u64,
}

/// Writes the benchmark CSV: rows until `target` bytes.
fn generate(path: &Path, target: u64) -> anyhow::Result<Generated> {
    let bar = progress_bar(target, "Tạo CSV / generating CSV");
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let header = "mã,tỉnh,mã tỉnh,dân số,tỷ lệ,ngày,cập nhật,thành phố,mã bưu chính,ghi chú\n";
    w.write_all(header.as_bytes())?;
    let mut written = header.len() as u64;
    let mut i = 0u64;
    let mut errors = 0u64;
    let mut line = String::with_capacity(256);
    while written < target {
        i += 1;
        // One row in 1,000 has a population that is no integer, and one in
        // 10,000 repeats the previous row's key.
        let pop = if i.is_multiple_of(1000) { "không rõ".to_string() } else { (i * 7919 % 10_000_000).to_string() };
        let id = if i % 10_000 == 5_001 { i - 1 } else { i };
        errors += u64::from(i.is_multiple_of(1000)) + u64::from(id != i);
        line.clear();
        let _ = writeln!(
            line,
            "{id},{},{},{pop},0.{:04},2026-{:02}-{:02},2026-{:02}-{:02}T{:02}:{:02}:00+07:00,{},{:06},\"Ghi chú, số {i}\"",
            PROVINCES[(i % 8) as usize],
            i % 99 + 1,
            i % 10_000,
            i % 12 + 1,
            i % 28 + 1,
            i % 12 + 1,
            i % 28 + 1,
            i % 24,
            i % 60,
            if i.is_multiple_of(2) { "true" } else { "false" },
            i % 1_000_000,
        );
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
        if i.is_multiple_of(10_000) {
            bar.set_position(written);
        }
    }
    w.flush()?;
    bar.finish_and_clear();
    Ok(Generated { bytes: written, rows: i, errors })
}

fn sidecar(csv: &Path) -> PathBuf {
    csv.with_extension("json")
}

/// The CSV of an earlier run, if it is still whole.
fn reusable(csv: &Path) -> Option<Generated> {
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(sidecar(csv)).ok()?).ok()?;
    let g =
        Generated { bytes: meta["bytes"].as_u64()?, rows: meta["rows"].as_u64()?, errors: meta["errors"].as_u64()? };
    (std::fs::metadata(csv).ok()?.len() == g.bytes).then_some(g)
}

/// One child process's figures, from `wait4(2)`.
struct Measured {
    seconds: f64,
    cpu_seconds: f64,
    peak_rss_mib: f64,
    exit_code: Option<i32>,
}

/// Runs `cmd` with its output in files (no pipe to fill), shows a spinner
/// meanwhile, and reaps it with `wait4`, which reports the child's own peak
/// resident memory and CPU time.
fn run_measured(mut cmd: Command, stdout: &Path, stderr: &Path, message: String) -> anyhow::Result<Measured> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    let child = cmd.stdout(File::create(stdout)?).stderr(File::create(stderr)?).spawn()?;
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4(2) on a child we spawned and have not reaped, with
        // pointers to live, writable locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            spinner.finish_and_clear();
            return Err(e.into());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Measured {
        seconds,
        cpu_seconds: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
    })
}

type ErrorKey = (String, Option<u64>, Option<String>);

fn keys(errors: &Value) -> Vec<ErrorKey> {
    let mut v: Vec<ErrorKey> = errors
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("?").to_string(),
                e["rowNumber"].as_u64(),
                e["fieldName"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

/// What one tool found.
struct Outcome {
    measured: Measured,
    errors: u64,
    listed: Vec<ErrorKey>,
}

fn read_json(path: &Path, stderr: &Path, tool: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        let err = std::fs::read_to_string(stderr).unwrap_or_default();
        anyhow::anyhow!("{tool} printed no JSON report ({e}): {}", err.trim())
    })
}

/// Where frictionless is: the flag, `KHO_FRICTIONLESS`, the test
/// virtualenv (from the working directory, or beside this binary's
/// `target` directory), then `PATH`.
fn find_frictionless(a: &ValidateBenchArgs) -> Option<PathBuf> {
    if let Some(p) = &a.frictionless {
        return Some(p.clone());
    }
    if let Some(p) = std::env::var_os("KHO_FRICTIONLESS") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new("target/test-venv/bin/frictionless");
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("test-venv/bin/frictionless")));
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|d| d.join("frictionless")).collect::<Vec<_>>())
        .unwrap_or_default();
    std::iter::once(venv.to_path_buf()).chain(beside_exe).chain(on_path).find(|p| p.is_file())
}

fn install_hint() -> String {
    format!(
        "frictionless không có / not found. Cài bằng / install it with:\n  \
         python3 -m venv target/test-venv && target/test-venv/bin/python -m pip install \"frictionless=={FRICTIONLESS_VERSION}\"\n\
         then run again (from the workspace root), or pass --frictionless PATH or set KHO_FRICTIONLESS."
    )
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn run(a: ValidateBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(a.mb > 0, "--mb must be at least 1");
    let dir = a.dir.clone().unwrap_or_else(|| std::env::temp_dir().join("kho-bench-validate"));
    std::fs::create_dir_all(&dir)?;
    let csv_name = format!("validate-{}mb.csv", a.mb);
    let schema_name = "validate.schema.json";
    let csv = dir.join(&csv_name);
    std::fs::write(dir.join(schema_name), SCHEMA)?;
    let generated = match reusable(&csv) {
        Some(g) => g,
        None => {
            let g = generate(&csv, a.mb << 20)?;
            std::fs::write(sidecar(&csv), json!({"bytes": g.bytes, "rows": g.rows, "errors": g.errors}).to_string())?;
            g
        }
    };
    if cfg!(debug_assertions) && !a.json {
        eprintln!("Cảnh báo / warning: a debug build of kho; build with --release for real figures.");
    }

    // Kho: this binary's `validate`, listing every error as frictionless will.
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&dir).args(["validate", &csv_name, "--schema", schema_name, "--format", "json"]);
    cmd.args(["--limit-errors", &NO_LIMIT.to_string()]);
    let out = dir.join("kho-report.json");
    let err = dir.join("kho-stderr.txt");
    let measured = run_measured(cmd, &out, &err, "Kho đang kiểm tra / Kho validating".into())?;
    anyhow::ensure!(
        matches!(measured.exit_code, Some(0 | 1)),
        "kho validate failed (exit {:?}): {}",
        measured.exit_code,
        std::fs::read_to_string(&err).unwrap_or_default().trim()
    );
    let report = read_json(&out, &err, "kho validate")?;
    let kho =
        Outcome { measured, errors: report["stats"]["errors"].as_u64().unwrap_or(0), listed: keys(&report["errors"]) };

    let frictionless = if a.no_frictionless {
        None
    } else {
        match find_frictionless(&a) {
            None => {
                eprintln!("{}", install_hint());
                None
            }
            Some(path) => {
                // Frictionless runs in DIR: a relative path would no longer lead to it.
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                let version = Command::new(&path)
                    .arg("--version")
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                    .unwrap_or_default();
                if version != FRICTIONLESS_VERSION {
                    eprintln!(
                        "Cảnh báo / warning: {} is frictionless {version:?}; Kho is compared with {FRICTIONLESS_VERSION}.",
                        path.display()
                    );
                }
                // Relative paths: frictionless refuses absolute ones as unsafe.
                let mut cmd = Command::new(&path);
                cmd.current_dir(&dir).args(["validate", "--json", "--schema", schema_name]);
                cmd.args(["--limit-errors", &NO_LIMIT.to_string(), &csv_name]);
                let out = dir.join("frictionless-report.json");
                let err = dir.join("frictionless-stderr.txt");
                let measured =
                    run_measured(cmd, &out, &err, "frictionless đang kiểm tra / frictionless validating".into())?;
                let report = read_json(&out, &err, "frictionless")?;
                anyhow::ensure!(
                    report["errors"].as_array().is_none_or(Vec::is_empty),
                    "frictionless refused the input: {}",
                    report["errors"]
                );
                let task = &report["tasks"][0];
                Some((
                    version,
                    Outcome {
                        measured,
                        errors: task["stats"]["errors"].as_u64().unwrap_or(0),
                        listed: keys(&task["errors"]),
                    },
                ))
            }
        }
    };

    let agree = frictionless.as_ref().map(|(_, f)| f.listed == kho.listed && f.errors == kho.errors);
    let figures = |o: &Outcome| {
        json!({
            "seconds": o.measured.seconds,
            "cpu_seconds": o.measured.cpu_seconds,
            "mb_per_s": mb(generated.bytes) / o.measured.seconds,
            "peak_rss_mib": o.measured.peak_rss_mib,
            "errors": o.errors,
        })
    };
    if a.json {
        let v = json!({
            "file": {"path": csv.display().to_string(), "bytes": generated.bytes, "rows": generated.rows, "columns": 10,
                     "errors_planted": generated.errors},
            "build": if cfg!(debug_assertions) { "debug" } else { "release" },
            "kho": figures(&kho),
            "frictionless": frictionless.as_ref().map(|(v, f)| {
                let mut j = figures(f);
                j["version"] = json!(v);
                j
            }),
            "errors_agree": agree,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "Tệp / file: {} ({:.1} MB, {} dòng / rows, 10 cột / columns, khóa chính / primary key; {} lỗi cài sẵn / errors planted)",
            csv.display(),
            mb(generated.bytes),
            generated.rows,
            generated.errors
        );
        println!(
            "{:<22} {:>9} {:>9} {:>9} {:>14} {:>9}",
            "", "giây / s", "CPU s", "MB/s", "RSS đỉnh / peak", "lỗi / errors"
        );
        let line = |name: &str, o: &Outcome| {
            println!(
                "{name:<22} {:>9.2} {:>9.2} {:>9.1} {:>10.1} MiB {:>9}",
                o.measured.seconds,
                o.measured.cpu_seconds,
                mb(generated.bytes) / o.measured.seconds,
                o.measured.peak_rss_mib,
                o.errors
            )
        };
        line("Kho (kho validate)", &kho);
        if let Some((version, f)) = &frictionless {
            line(&format!("frictionless {version}"), f);
            println!(
                "Tỉ lệ / ratio: Kho nhanh hơn / faster ×{:.1}, bộ nhớ đỉnh / peak memory ×{:.2}",
                f.measured.seconds / kho.measured.seconds,
                kho.measured.peak_rss_mib / f.measured.peak_rss_mib
            );
        }
        match agree {
            Some(true) => println!(
                "Lỗi khớp / errors agree: có / yes — the same {} (type, row, field) errors, all listed by both",
                kho.errors
            ),
            Some(false) => println!(
                "Lỗi khớp / errors agree: KHÔNG / NO — Kho {} errors, frictionless {}; see {}",
                kho.errors,
                frictionless.as_ref().map_or(0, |(_, f)| f.errors),
                dir.display()
            ),
            None => {}
        }
    }
    let planted = kho.errors == generated.errors;
    if !planted {
        eprintln!("Kho found {} errors; {} were planted", kho.errors, generated.errors);
    }
    Ok(if planted && agree != Some(false) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
