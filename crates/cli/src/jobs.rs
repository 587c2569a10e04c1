//! `kho jobs …`: the background job queue from the command line.

use crate::{GlobalArgs, logging, open_catalog};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first: id, kind, state, attempts, progress, subject, error.
    List {
        /// Only jobs in this state: queued, running, done or failed.
        #[arg(long, value_parser = ["queued", "running", "done", "failed"])]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(g: &GlobalArgs, cmd: JobsCommand) -> anyhow::Result<ExitCode> {
    let JobsCommand::List { state, limit, json } = cmd;
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "warn");
    let catalog = open_catalog(&config, false, false).await?;
    let jobs = catalog.job_list(state.as_deref(), limit).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    catalog.close().await;
    if json {
        for j in &jobs {
            println!("{}", serde_json::to_string(j)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if jobs.is_empty() {
        eprintln!("Không có công việc nào / no jobs");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<36}  {:<16}  {:<8}  {:>8}  {:>17}  SUBJECT / ERROR", "ID", "KIND", "STATE", "ATTEMPTS", "PROGRESS");
    for j in jobs {
        let progress = match j.progress.total {
            Some(t) => format!("{}/{t}", j.progress.done),
            None => j.progress.done.to_string(),
        };
        let tail = [j.subject.unwrap_or_default(), j.error.unwrap_or_default()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
        println!(
            "{:<36}  {:<16}  {:<8}  {:>8}  {:>17}  {tail}",
            j.id,
            j.kind,
            j.state,
            format!("{}/{}", j.attempts, j.max_attempts),
            progress
        );
    }
    Ok(ExitCode::SUCCESS)
}
