//! `kho bench dcat`: the DCAT export benchmark of issue #8 (100,000
//! datasets streamed in under 30 s, with bounded memory).
//!
//! Generates a synthetic catalog in a scratch directory (or PostgreSQL
//! schema), starts a real `kho serve` child on loopback and downloads
//! `/catalog.{ext}?all=true` in each format over one HTTP/1.0 connection,
//! counting bytes and datasets as they arrive. The server's peak resident
//! memory is reset before each export (Linux `clear_refs`) and read after,
//! so the figure is the export's own, beside the memory before it.

use crate::bench::{BenchEnv, bench_env, generate, rss_kb, start_server};
use crate::{GlobalArgs, open_catalog};
use clap::Args;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct DcatArgs {
    /// Datasets in the catalog (issue #8 asks for 100,000; about 1 in 20 is private and not exported).
    #[arg(long, default_value_t = 100_000)]
    datasets: u64,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

/// One export's figures.
struct Export {
    format: &'static str,
    seconds: f64,
    bytes: u64,
    datasets: u64,
    rss_before_kb: u64,
    peak_kb: u64,
}

/// Downloads `path` and counts its bytes and the lines that start a dataset
/// (`marker`), reading the body as it streams.
fn download(addr: std::net::SocketAddr, path: &str, marker: &str) -> anyhow::Result<(u64, u64)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    // HTTP/1.0: the body ends with the connection, without chunk framing.
    write!(s, "GET {path} HTTP/1.0\r\nHost: bench\r\n\r\n")?;
    let mut r = BufReader::with_capacity(1 << 20, s);
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    let status = String::from_utf8_lossy(&line).split_whitespace().nth(1).unwrap_or("").to_string();
    anyhow::ensure!(status == "200", "{path} answered {status}");
    loop {
        line.clear();
        r.read_until(b'\n', &mut line)?;
        if line == b"\r\n" || line.is_empty() {
            break;
        }
    }
    let (mut bytes, mut datasets) = (0u64, 0u64);
    let marker = marker.as_bytes();
    // Read in blocks (a JSON-LD document is one line); the tail of each
    // block is kept so a marker split across two is still counted once.
    let mut carry: Vec<u8> = Vec::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut r, &mut block)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        carry.extend_from_slice(&block[..n]);
        datasets += carry.windows(marker.len()).filter(|w| *w == marker).count() as u64;
        let keep = carry.len().min(marker.len() - 1);
        carry.drain(..carry.len() - keep);
    }
    Ok((bytes, datasets))
}

pub async fn run(g: &GlobalArgs, a: DcatArgs) -> anyhow::Result<ExitCode> {
    let BenchEnv { dir, base, backend, database_url, schema, bind, addr, site_url, config } =
        bench_env(g, "kho-bench-dcat-").await?;
    let catalog = open_catalog(&config, true, false).await?;
    generate(&catalog, a.datasets).await?;
    let public = catalog.package_list(None, None).await.map_err(|e| anyhow::anyhow!("{e}"))?.len() as u64;
    catalog.close().await;

    let (mut child, _) = start_server(dir.path(), &bind, &site_url, &database_url)?;
    let pid = child.id();
    // What marks one dataset in each serialisation (one per dataset node).
    let formats: [(&str, &str); 3] = [
        ("ttl", " a dcat:Dataset"),
        ("jsonld", "\"@id\":\"http://www.w3.org/ns/dcat#Dataset\""),
        ("rdf", "<dcat:Dataset "),
    ];
    let mut results = Vec::new();
    for (ext, marker) in formats {
        let before = rss_kb(pid).unwrap_or(0);
        // Resets the peak (VmHWM) to the current size, so what follows is the export's.
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        let t = Instant::now();
        let (bytes, datasets) = download(addr, &format!("/catalog.{ext}?all=true"), marker)?;
        let seconds = t.elapsed().as_secs_f64();
        results.push(Export {
            format: ext,
            seconds,
            bytes,
            datasets,
            rss_before_kb: before,
            peak_kb: crate::bench::proc_status_kb(pid, "VmHWM:").unwrap_or(0),
        });
    }
    let _ = child.kill();
    let _ = child.wait();
    if let Some(schema) = schema {
        let _ = kho_store::scratch::drop(&base.database_url, &schema).await;
    }

    let complete = results.iter().all(|r| r.datasets == public);
    if a.json {
        let rows: Vec<_> = results
            .iter()
            .map(|r| {
                json!({"format": r.format, "seconds": r.seconds, "bytes": r.bytes, "datasets": r.datasets,
                       "datasets_per_second": r.datasets as f64 / r.seconds,
                       "rss_before_mib": r.rss_before_kb as f64 / 1024.0, "peak_mib": r.peak_kb as f64 / 1024.0})
            })
            .collect();
        println!("{}", json!({"backend": backend, "datasets": a.datasets, "public": public, "exports": rows}));
    } else {
        println!(
            "DCAT export, {backend}: {} datasets generated, {public} public (exported); one connection, whole catalog (?all=true)",
            a.datasets
        );
        println!(
            "{:<8} {:>9} {:>12} {:>10} {:>13} {:>12} {:>12}",
            "format", "time", "datasets/s", "size", "datasets", "RSS before", "peak RSS"
        );
        for r in &results {
            println!(
                "{:<8} {:>8.1}s {:>12.0} {:>7.0} MB {:>13} {:>8.0} MiB {:>8.0} MiB",
                r.format,
                r.seconds,
                r.datasets as f64 / r.seconds,
                r.bytes as f64 / 1e6,
                r.datasets,
                r.rss_before_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            );
        }
        println!("Issue #8 asks for the whole export of 100,000 datasets in under 30 s with bounded memory.");
    }
    if !complete {
        eprintln!("An export did not contain every public dataset ({public}); see the datasets column.");
        return Ok(ExitCode::from(1));
    }
    // Issue #8's targets, checked when the catalog is the asked-for size.
    let slow = results.iter().filter(|r| r.seconds > 30.0).map(|r| r.format).collect::<Vec<_>>();
    let grew = results
        .iter()
        .filter(|r| r.peak_kb.saturating_sub(r.rss_before_kb) > GROWTH_MAX_KB)
        .map(|r| r.format)
        .collect::<Vec<_>>();
    if a.datasets >= 100_000 && !slow.is_empty() {
        eprintln!("Over 30 s (issue #8): {}", slow.join(", "));
        return Ok(ExitCode::from(1));
    }
    if !grew.is_empty() {
        eprintln!("The server grew by more than {} MiB while exporting: {}", GROWTH_MAX_KB / 1024, grew.join(", "));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// How much the server may grow while streaming the catalog: a few batches
/// of documents, whatever the catalog's size (the export is bounded).
const GROWTH_MAX_KB: u64 = 64 * 1024;

#[derive(Args)]
pub struct HarvestArgs {
    /// Datasets in the source node (issue #8 asks for 10,000; about 1 in 20 is private and not harvested).
    #[arg(long, default_value_t = 10_000)]
    datasets: u64,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

/// `kho bench harvest`: a source node with N generated datasets runs as a
/// real `kho serve` child on loopback; a second catalog (this process,
/// its own scratch database) harvests it by DCAT (`/catalog.ttl`, 1,000 per
/// page) and by the Action API, each first into an empty catalog and then
/// again (nothing changed: every dataset compared, none written).
pub async fn harvest(g: &GlobalArgs, a: HarvestArgs) -> anyhow::Result<ExitCode> {
    let source = bench_env(g, "kho-bench-harvest-source-").await?;
    let catalog = open_catalog(&source.config, true, false).await?;
    generate(&catalog, a.datasets).await?;
    let public = catalog.package_list(None, None).await.map_err(|e| anyhow::anyhow!("{e}"))?.len() as i64;
    catalog.close().await;
    let (mut child, _) = start_server(source.dir.path(), &source.bind, &source.site_url, &source.database_url)?;

    let mut rows = Vec::new();
    for (kind, url) in
        [("dcat", format!("{}/catalog.ttl?per_page=1000", source.site_url)), ("kho", source.site_url.clone())]
    {
        // Each source type into its own empty national catalog.
        let mut nation = bench_env(g, "kho-bench-harvest-nation-").await?;
        nation.config.fetch_allow_private = true;
        let national = open_catalog(&nation.config, true, false).await?;
        let domain = |e: kho_catalog::Error| anyhow::anyhow!("{e}");
        let fields =
            kho_core::input::Fields::from_value(json!({"name": "nguon", "type": kind, "url": url})).map_err(domain)?;
        national.harvest_source_create(&kho_catalog::Actor::system(), fields).await.map_err(domain)?;
        for pass in ["first", "again"] {
            let t = Instant::now();
            let r = national.harvest_now("nguon").await.map_err(domain)?;
            let seconds = t.elapsed().as_secs_f64();
            anyhow::ensure!(r["status"] == "finished", "the {kind} harvest failed: {r}");
            let n = |k: &str| r["stats"][k].as_i64().unwrap_or(0);
            let seen = n("created") + n("updated") + n("unchanged");
            anyhow::ensure!(seen == public, "the {kind} harvest saw {seen} datasets of {public}: {r}");
            if pass == "again" {
                let wrote = n("created") + n("updated") + n("deleted");
                anyhow::ensure!(
                    wrote == 0,
                    "the {kind} rerun wrote {wrote} datasets; nothing changed at the source: {r}"
                );
            }
            rows.push((kind, pass, seconds, n("created"), n("unchanged"), n("errored")));
        }
        national.close().await;
        if let Some(schema) = &nation.schema {
            let _ = kho_store::scratch::drop(&nation.base.database_url, schema).await;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    if let Some(schema) = &source.schema {
        let _ = kho_store::scratch::drop(&source.base.database_url, schema).await;
    }
    if a.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(kind, pass, s, created, unchanged, errored)| {
                json!({"source": kind, "pass": pass, "seconds": s, "datasets_per_second": public as f64 / s,
                       "created": created, "unchanged": unchanged, "errored": errored})
            })
            .collect();
        println!("{}", json!({"backend": source.backend, "datasets": a.datasets, "public": public, "runs": out}));
    } else {
        println!(
            "Harvest, {}: a source node of {} datasets ({public} public) on loopback, harvested into an empty catalog",
            source.backend, a.datasets
        );
        println!(
            "{:<6} {:<7} {:>8} {:>12} {:>9} {:>10} {:>7}",
            "source", "run", "time", "datasets/s", "created", "unchanged", "errors"
        );
        for (kind, pass, s, created, unchanged, errored) in &rows {
            println!(
                "{kind:<6} {pass:<7} {s:>7.1}s {:>12.0} {created:>9} {unchanged:>10} {errored:>7}",
                public as f64 / s
            );
        }
        println!("Issue #8 asks for at least 500 datasets/s harvesting 10,000 datasets from a loopback node.");
    }
    let slow = rows.iter().filter(|r| r.1 == "first" && public as f64 / r.2 < 500.0).count();
    if a.datasets >= 10_000 && slow > 0 {
        eprintln!("Under 500 datasets/s (issue #8) on a first run; see the table.");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
