//! Throughput of `validate_csv` on a generated 10-column file (about
//! 200 MB; `KHO_BENCH_MB` to change), with its peak memory; and, when the
//! Python tool is there, frictionless' time on a 20 MB file. Run with
//! `cargo test -p kho-validate --release -- --ignored --nocapture`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kho_validate::{Schema, ValidateOptions, validate_csv};

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
}"#;

const PROVINCES: [&str; 8] = ["Hà Nội", "Huế", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Hải Phòng", "Đắk Lắk", "Lào Cai"];

fn generate(path: &Path, bytes: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    writeln!(w, "mã,tỉnh,mã tỉnh,dân số,tỷ lệ,ngày,cập nhật,thành phố,mã bưu chính,ghi chú").expect("write");
    let mut written = 0u64;
    let mut i = 0u64;
    while written < bytes {
        i += 1;
        // One row in 1,000 has an error, so errors are found and counted.
        let pop = if i.is_multiple_of(1000) { "không rõ".to_string() } else { (i * 7919 % 10_000_000).to_string() };
        let line = format!(
            "{i},{},{},{pop},0.{:04},2026-{:02}-{:02},2026-{:02}-{:02}T{:02}:{:02}:00+07:00,{},{:06},\"Ghi chú, số {i}\"\n",
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
        w.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
    }
    w.flush().expect("flush");
    i
}

fn peak_rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kho-validate-bench");
    std::fs::create_dir_all(&d).expect("bench dir");
    d
}

#[test]
#[ignore]
fn throughput() {
    let mb: u64 = std::env::var("KHO_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let path = dir().join(format!("bench-{mb}mb.csv"));
    let rows = generate(&path, mb << 20);
    let size = std::fs::metadata(&path).expect("size").len();
    let schema = Schema::from_json(SCHEMA).expect("schema");
    let opts = ValidateOptions::default();
    let started = Instant::now();
    let report = validate_csv(&path, Some(&schema), &opts).expect("validate");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.stats.rows, rows);
    assert_eq!(report.stats.errors, rows / 1000);
    println!(
        "kho-validate with a schema: {:.0} MB in {secs:.2} s = {:.1} MB/s ({rows} rows, {} errors); peak RSS {}",
        size as f64 / 1e6,
        size as f64 / 1e6 / secs,
        report.stats.errors,
        peak_rss_mib()
    );
    let started = Instant::now();
    let report = validate_csv(&path, None, &opts).expect("validate");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "kho-validate inferring the schema: {:.1} MB/s ({} errors); peak RSS {}",
        size as f64 / 1e6 / secs,
        report.stats.errors,
        peak_rss_mib()
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
#[ignore]
fn frictionless_time_on_20_mb() {
    let py = std::env::var_os("KHO_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"));
    let d = dir();
    let csv = d.join("bench-20mb.csv");
    generate(&csv, 20 << 20);
    std::fs::write(d.join("bench.schema.json"), SCHEMA).expect("schema");
    let size = std::fs::metadata(&csv).expect("size").len() as f64 / 1e6;
    let schema = Schema::from_json(SCHEMA).expect("schema");
    let started = Instant::now();
    let report = validate_csv(&csv, Some(&schema), &ValidateOptions::default()).expect("validate");
    let kho = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let out = Command::new(&py)
        .current_dir(&d)
        .args(["-m", "frictionless", "validate", "--json", "bench-20mb.csv", "--schema", "bench.schema.json"])
        .output();
    let fl = started.elapsed().as_secs_f64();
    match out {
        Ok(o) if !o.stdout.is_empty() => {
            println!(
                "20 MB file ({size:.1} MB, {} errors): kho-validate {kho:.2} s, frictionless {fl:.1} s",
                report.stats.errors
            );
            // The same errors at scale, not only on the small corpus.
            let theirs: serde_json::Value = serde_json::from_slice(&o.stdout).expect("frictionless JSON");
            let mut theirs: Vec<(String, u64)> = theirs["tasks"][0]["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| (e["type"].as_str().unwrap_or("?").to_string(), e["rowNumber"].as_u64().unwrap_or(0)))
                .collect();
            let mut ours: Vec<(String, u64)> =
                report.errors.iter().map(|e| (e.type_.clone(), e.row_number.unwrap_or(0))).collect();
            theirs.sort();
            ours.sort();
            assert_eq!(ours, theirs);
        }
        _ => println!("frictionless is not installed at {}; kho-validate took {kho:.2} s", py.display()),
    }
    let _ = std::fs::remove_file(&csv);
}
