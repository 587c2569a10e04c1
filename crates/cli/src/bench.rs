//! `kho bench api`: the Action API benchmark of issue #3.
//!
//! It builds a catalog of N synthetic datasets in a scratch data directory
//! (and a scratch schema when `--database-url` is PostgreSQL), starts a real
//! `kho serve` child process on loopback, and measures from outside:
//! cold start to ready, idle RSS, then closed-loop load on a trivial JSON
//! handler (`/healthz`, the HTTP stack's ceiling on this machine),
//! `package_show` with an API token, and `package_create`.

use crate::admin::progress_bar;
use crate::loadgen::{self, LoadResult, MakeRequest};
use crate::{GlobalArgs, open_catalog};
use bytes::Bytes;
use clap::{Args, Subcommand};
use http_body_util::Full;
use hyper::Request;
use kho_catalog::Actor;
use kho_core::input::{Fields, UserInput};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Action API throughput and latency (package_show, package_create), start-up time and memory.
    Api(ApiArgs),
}

#[derive(Args)]
pub struct ApiArgs {
    /// Datasets in the catalog before measuring.
    #[arg(long, default_value_t = 10_000)]
    datasets: u64,
    /// Seconds per load phase.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent connections for read phases.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Concurrent connections for package_create.
    #[arg(long, default_value_t = 8)]
    write_connections: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(g: &GlobalArgs, cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Api(a) => api(g, a).await,
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sends one GET with a fresh connection; returns the status code.
fn probe(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.split_whitespace().nth(1)?.parse().ok()
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

struct Phase {
    name: &'static str,
    result: LoadResult,
}

async fn api(g: &GlobalArgs, a: ApiArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::Builder::new().prefix("kho-bench-").tempdir()?;
    let base = g.config(None, None)?;
    let (backend, database_url, schema) = if base.database_url.starts_with("postgres") && g.database_url.is_some() {
        let (schema, url) = kho_store::scratch::create(&base.database_url, "kho_bench").await?;
        ("PostgreSQL", url, Some(schema))
    } else {
        ("SQLite", format!("sqlite://{}", dir.path().join("kho.db").display()), None)
    };
    let port = free_port()?;
    let bind = format!("127.0.0.1:{port}");
    let addr: SocketAddr = bind.parse()?;
    let site_url = format!("http://{bind}");
    let mut config = base.clone();
    config.data_dir = dir.path().to_path_buf();
    config.database_url = database_url.clone();
    config.site_url = site_url.clone();
    config.bind = bind.clone();

    // 1. Build the catalog in-process.
    let catalog = open_catalog(&config, true, false).await?;
    let system = Actor::system();
    let input =
        UserInput::parse(Fields::from_value(json!({"name": "bench", "email": "bench@example.vn", "sysadmin": true}))?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    catalog.user_create(&system, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = catalog.token_create(&system, "bench", "bench", None).await.map_err(|e| anyhow::anyhow!("{e}"))?.token;
    let bar = progress_bar(a.datasets, "Tạo bộ dữ liệu / generating datasets");
    let t0 = Instant::now();
    let names = kho_catalog::synthetic::generate(&catalog, a.datasets, 42, |n| bar.set_position(n))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let load_secs = t0.elapsed().as_secs_f64();
    let org = kho_catalog::synthetic::province_org_name(1);
    catalog.close().await;

    // 2. Start a real server and time it to ready.
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--bind", &bind, "--site-url", &site_url])
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--database-url", &database_url])
        .env("KHO_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let cold_start = loop {
        if probe(addr, "/readyz") == Some(200) {
            break started.elapsed();
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the server exited during start-up: {status}");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            anyhow::bail!("the server did not become ready within 60 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_kb(pid).unwrap_or(0);
    let duration = Duration::from_secs(a.duration);

    // 3. Load phases.
    let mut phases = Vec::new();
    let trivial: MakeRequest = Arc::new(move |_| {
        Request::get("/healthz").header("host", "bench").body(Full::new(Bytes::new())).unwrap_or_default()
    });
    phases
        .push(Phase { name: "trivial JSON (/healthz)", result: loadgen::run(addr, a.connections, duration, trivial)? });

    let names = Arc::new(names);
    let show_token = token.clone();
    let show: MakeRequest = Arc::new(move |n| {
        // A stride through the names, so reads spread over the whole table.
        let name = &names[((n.wrapping_mul(7919)) % names.len().max(1) as u64) as usize];
        Request::get(format!("/api/3/action/package_show?id={name}"))
            .header("host", "bench")
            .header("authorization", show_token.as_str())
            .body(Full::new(Bytes::new()))
            .unwrap_or_default()
    });
    phases.push(Phase { name: "package_show (token)", result: loadgen::run(addr, a.connections, duration, show)? });

    let create_token = token.clone();
    let run_id = std::process::id();
    let create: MakeRequest = Arc::new(move |n| {
        let body = json!({
            "name": format!("bench-{run_id}-{n}"),
            "title": format!("Bộ dữ liệu đo hiệu năng số {n}"),
            "owner_org": org,
            "notes": "Tạo bởi kho bench api",
            "license_id": "cc-by-4.0",
            "tags": [{"name": "đo hiệu năng"}, {"name": "benchmark"}],
            "resources": [{"url": "https://data.example.gov.vn/bench.csv", "format": "CSV", "name": "Tệp CSV"}],
        });
        Request::post("/api/3/action/package_create")
            .header("host", "bench")
            .header("authorization", create_token.as_str())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap_or_default()
    });
    phases.push(Phase { name: "package_create", result: loadgen::run(addr, a.write_connections, duration, create)? });
    let loaded_rss = rss_kb(pid).unwrap_or(0);

    // 4. Stop the server gracefully.
    // SAFETY: kill(2) with a pid we spawned and a valid signal number has no
    // memory-safety preconditions.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let _ = child.wait();
    if let Some(schema) = &schema {
        let _ = kho_store::scratch::drop(&base.database_url, schema).await;
    }

    report(&a, backend, load_secs, cold_start, idle_rss, loaded_rss, &phases);
    Ok(ExitCode::SUCCESS)
}

fn report(
    a: &ApiArgs,
    backend: &str,
    load_secs: f64,
    cold_start: Duration,
    idle_rss_kb: u64,
    loaded_rss_kb: u64,
    phases: &[Phase],
) {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let trivial_rate = phases[0].result.rate();
    let show = &phases[1].result;
    let create = &phases[2].result;
    if a.json {
        let ph: Vec<_> = phases
            .iter()
            .map(|p| {
                json!({"phase": p.name, "per_sec": p.result.rate(), "p50_ms": p.result.pct_ms(50.0),
                    "p99_ms": p.result.pct_ms(99.0), "ok": p.result.ok, "errors": p.result.errors,
                    "first_error": p.result.first_error})
            })
            .collect();
        println!(
            "{}",
            json!({"backend": backend, "datasets": a.datasets, "cores": cores, "connections": a.connections,
                "catalog_build_per_sec": a.datasets as f64 / load_secs,
                "cold_start_ms": cold_start.as_secs_f64() * 1000.0, "idle_rss_mb": idle_rss_kb as f64 / 1024.0,
                "loaded_rss_mb": loaded_rss_kb as f64 / 1024.0, "phases": ph,
                "package_show_vs_trivial": show.rate() / trivial_rate.max(1e-9)})
        );
        return;
    }
    println!(
        "Kho API benchmark — {backend}, {} datasets, {cores} CPU cores, {} read / {} write connections, {} s per phase",
        a.datasets, a.connections, a.write_connections, a.duration
    );
    println!(
        "  catalog built in-process     {:>10.0} datasets/s (package_create, serial)",
        a.datasets as f64 / load_secs
    );
    println!("  cold start to ready          {:>10.0} ms", cold_start.as_secs_f64() * 1000.0);
    println!("  idle RSS                     {:>10.1} MB", idle_rss_kb as f64 / 1024.0);
    for p in phases {
        let r = &p.result;
        println!(
            "  {:<28} {:>10.0} /s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} ok, {} errors)",
            p.name,
            r.rate(),
            r.pct_ms(50.0),
            r.pct_ms(99.0),
            r.ok,
            r.errors
        );
        if let Some(e) = &r.first_error {
            println!("      first error: {e}");
        }
    }
    println!("  RSS after load               {:>10.1} MB", loaded_rss_kb as f64 / 1024.0);
    println!("  package_show / trivial JSON  {:>10.1} %", 100.0 * show.rate() / trivial_rate.max(1e-9));
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("Targets (issue #3):");
    println!(
        "  package_show ≥ 10,000 req/s, p99 < 5 ms: {}",
        verdict(show.rate() >= 10_000.0 && show.pct_ms(99.0) < 5.0)
    );
    println!("  package_create ≥ 300/s: {}", verdict(create.rate() >= 300.0));
    println!("  idle RSS < 100 MB: {}", verdict(idle_rss_kb < 100 * 1024));
    println!("  cold start < 1 s: {}", verdict(cold_start < Duration::from_secs(1)));
    println!(
        "Reference, measured on this kind of machine for issue #3 (not in this run): CKAN 2.12 + gunicorn \
         package_show 143 req/s (p99 49 ms), package_create 63/s."
    );
}
