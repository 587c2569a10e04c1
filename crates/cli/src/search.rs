//! `kho search …`: the search index from the command line.

use crate::admin::progress_bar;
use crate::{GlobalArgs, logging, open_catalog};
use clap::Subcommand;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand)]
pub enum SearchCommand {
    /// Rebuild the search index from the database, with a progress bar.
    /// Safe beside a running server: the new index is built alongside and
    /// the server switches to it within a second.
    Reindex,
}

pub async fn run(g: &GlobalArgs, cmd: SearchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SearchCommand::Reindex => reindex(g).await,
    }
}

async fn reindex(g: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "warn");
    let catalog = open_catalog(&config, false, false).await?;
    let database = kho_catalog::search::database_identity(catalog.store()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = progress_bar(0, "Lập chỉ mục / indexing");
    let started = Instant::now();
    let (index, _) = kho_catalog::search::rebuild(catalog.store(), &config.index_dir, &database, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let (docs, bytes) = (index.num_docs(), index.size_bytes());
    index.close();
    catalog.close().await;
    eprintln!(
        "Đã lập chỉ mục {docs} bộ dữ liệu trong {:.1} s ({:.1} MB) / indexed {docs} datasets in {:.1} s ({:.1} MB) at {}",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1e6,
        config.index_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
