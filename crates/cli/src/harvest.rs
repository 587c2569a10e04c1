//! `kho harvest …`: harvest sources and runs from the command line.

use crate::{GlobalArgs, logging, open_catalog};
use clap::Subcommand;
use kho_catalog::Actor;
use kho_core::input::Fields;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum HarvestCommand {
    /// Harvest sources: add one.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Run a source now, in this process, and print the run's report. Exit code 1 when
    /// the run failed as a whole (the source could not be read); per-record errors are
    /// listed but do not fail the run.
    Run {
        /// The source's name (or id).
        name: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the harvest sources with their last run.
    List {
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Add a source: another Kho node or a CKAN site (by its Action API), a DCAT
    /// document (Turtle, JSON-LD or RDF/XML, paged with Hydra), or another Kho node's
    /// data map (its registry of databases and its data dictionary).
    Add {
        /// Name of the source (lowercase letters, digits, - and _).
        name: String,
        /// kho, ckan, dcat, or datamap (another Kho node's data map).
        #[arg(long = "type", value_parser = ["kho", "ckan", "dcat", "datamap"])]
        source_type: String,
        /// The node's or site's base URL (kho, ckan, datamap), or the DCAT document's address (dcat).
        #[arg(long)]
        url: String,
        /// Organization for every harvested dataset (default: an organization named like
        /// each dataset's remote agency, created when missing).
        #[arg(long)]
        organization: Option<String>,
        /// When to run, as a cron line in UTC, e.g. "0 2 * * *" (default: on demand only).
        #[arg(long)]
        schedule: Option<String>,
        /// Title shown in reports (default: the name).
        #[arg(long)]
        title: Option<String>,
    },
    /// Stop a source. Its datasets stay as ordinary, editable datasets, or are deleted
    /// with --clear.
    Delete {
        /// The source's name (or id).
        name: String,
        /// Delete the source's datasets too.
        #[arg(long)]
        clear: bool,
    },
}

fn count(v: &Value, k: &str) -> i64 {
    v.pointer(&format!("/stats/{k}")).and_then(Value::as_i64).unwrap_or(0)
}

/// Prints a run's report for people; returns whether it failed as a whole.
fn print_report(source: &str, r: &Value) -> bool {
    let failed = r["status"] == "failed";
    println!(
        "Nguồn / source {source}: {} ({})",
        if failed { "THẤT BẠI / FAILED" } else { "xong / finished" },
        r["status"].as_str().unwrap_or("")
    );
    println!(
        "  tạo mới / created {}, cập nhật / updated {}, xoá / deleted {}, không đổi / unchanged {}, lỗi / errors {}",
        count(r, "created"),
        count(r, "updated"),
        count(r, "deleted"),
        count(r, "unchanged"),
        count(r, "errored")
    );
    if let Some(e) = r["error"].as_str() {
        println!("  lỗi của cả lượt / why the run failed: {e}");
    }
    for e in r["errors"].as_array().into_iter().flatten() {
        println!("  - {}: {}", e["remote_id"].as_str().unwrap_or("?"), e["message"].as_str().unwrap_or(""));
    }
    failed
}

pub async fn run(g: &GlobalArgs, cmd: HarvestCommand) -> anyhow::Result<ExitCode> {
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "warn");
    let catalog = open_catalog(&config, false, false).await?;
    let domain = |e: kho_catalog::Error| anyhow::anyhow!("{e}");
    let code = match cmd {
        HarvestCommand::Source(SourceCommand::Add { name, source_type, url, organization, schedule, title }) => {
            let mut dict = json!({"name": name, "type": source_type, "url": url});
            for (k, v) in [("organization", organization), ("schedule", schedule), ("title", title)] {
                if let Some(v) = v {
                    dict[k] = json!(v);
                }
            }
            let s = catalog.harvest_source_create(&Actor::system(), Fields::from_value(dict).map_err(domain)?).await;
            let s = s.map_err(domain)?;
            eprintln!(
                "Đã thêm nguồn / added source {} ({} {})",
                s["name"].as_str().unwrap_or(""),
                s["type"].as_str().unwrap_or(""),
                s["url"].as_str().unwrap_or("")
            );
            ExitCode::SUCCESS
        }
        HarvestCommand::Source(SourceCommand::Delete { name, clear }) => {
            let r = catalog.harvest_source_delete(&Actor::system(), &name, clear).await.map_err(domain)?;
            eprintln!(
                "Đã dừng nguồn / stopped source {name}: {} bộ dữ liệu / datasets {}",
                r["datasets"],
                if clear { "đã xoá / deleted" } else { "giữ lại, sửa được / kept, editable" }
            );
            ExitCode::SUCCESS
        }
        HarvestCommand::Run { name, json } => {
            let r = catalog.harvest_now(&name).await.map_err(domain)?;
            let failed = if json {
                println!("{r}");
                r["status"] == "failed"
            } else {
                print_report(&name, &r)
            };
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        HarvestCommand::List { json } => {
            let sources = catalog.harvest_source_list().await.map_err(domain)?;
            if json {
                for s in &sources {
                    println!("{s}");
                }
            } else if sources.is_empty() {
                eprintln!("Chưa có nguồn thu thập nào / no harvest sources; add one with `kho harvest source add`");
            } else {
                println!(
                    "{:<20}  {:<5}  {:>8}  {:<10}  {:<20}  URL",
                    "NAME", "TYPE", "DATASETS", "LAST RUN", "SCHEDULE"
                );
                for s in &sources {
                    let last = s["last_run"]["status"].as_str().unwrap_or("-");
                    println!(
                        "{:<20}  {:<5}  {:>8}  {:<10}  {:<20}  {}",
                        s["name"].as_str().unwrap_or(""),
                        s["type"].as_str().unwrap_or(""),
                        s["datasets"].as_i64().unwrap_or(0),
                        last,
                        s["schedule"].as_str().unwrap_or("-"),
                        s["url"].as_str().unwrap_or("")
                    );
                }
            }
            ExitCode::SUCCESS
        }
    };
    catalog.close().await;
    Ok(code)
}
