//! `kho serve`: the web server.

use crate::{GlobalArgs, logging, open_catalog};
use clap::Args;
use kho_server::{AppState, Limits};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on [env: KHO_BIND] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// Public base URL used in links and download URLs [env: KHO_SITE_URL] [default: http://BIND].
    #[arg(long, value_name = "URL")]
    site_url: Option<String>,
    /// Load the demonstration catalog (agencies, themes, a dozen datasets) if not loaded yet.
    #[arg(long)]
    demo: bool,
}

pub async fn run(g: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = g.config(args.bind, args.site_url)?;
    logging::init(&config.log_format, "info");
    let branding = crate::branding(&config)?;
    let catalog = open_catalog(&config, true, true).await?;
    if args.demo && catalog.load_demo().await.map_err(|e| anyhow::anyhow!("loading demo content: {e}"))? {
        tracing::info!("demo content loaded");
    }
    let listener = tokio::net::TcpListener::bind(&config.bind).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {}: {e} (is another server running there? use --bind)", config.bind)
    })?;
    tracing::info!(
        bind = %config.bind,
        site_url = %config.site_url,
        data_dir = %config.data_dir.display(),
        database = %kho_store::redact_url(&config.database_url),
        startup_ms = started.elapsed().as_millis() as u64,
        "Kho is ready"
    );
    let state = AppState::new(
        catalog.clone(),
        Limits {
            max_json_bytes: config.max_json_bytes,
            request_timeout_secs: config.request_timeout_secs,
            upload_idle_timeout_secs: config.upload_idle_timeout_secs,
        },
        branding,
    );
    // Background jobs (datastore loads) run in this process; a job a
    // killed server left behind is taken up again when its lease expires.
    let mut registry = kho_catalog::jobs::Registry::default();
    kho_catalog::datastore::register_jobs(&mut registry);
    kho_catalog::links::register_jobs(&mut registry, kho_catalog::links::LinkCheckOptions::default());
    kho_catalog::validation::register_jobs(&mut registry);
    kho_catalog::harvest::register_jobs(&mut registry);
    let workers = kho_catalog::jobs::Workers::start(
        &catalog,
        registry,
        kho_catalog::jobs::WorkerOptions {
            workers: config.job_workers as usize,
            lease: Duration::from_secs(config.job_lease_secs),
            ..Default::default()
        },
    );
    // Every external link checked on schedule (availability); the
    // database decides which of several servers enqueues each sweep.
    let sweeps = (config.link_check_interval_hours > 0).then(|| {
        kho_catalog::jobs::Scheduler::start(
            &catalog,
            kho_catalog::links::SWEEP_JOB,
            kho_catalog::links::sweep_job(),
            Duration::from_secs(config.link_check_interval_hours * 3600),
        )
    });
    // Harvest sources with a schedule run on it; the database decides which
    // of several servers queues each run.
    let harvests = kho_catalog::jobs::Scheduler::every(&catalog, Duration::from_secs(60), |c| async move {
        if let Err(e) = c.queue_due_harvests(time::OffsetDateTime::now_utc()).await {
            tracing::warn!(error = %e, "could not queue scheduled harvests; retrying");
        }
    });
    // Files a crash left between writing a table and recording it.
    let collector = catalog.clone();
    tokio::spawn(async move {
        match collector.datastore_collect_orphans().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "removed orphaned datastore files"),
            Err(e) => tracing::warn!(error = %e, "could not collect orphaned datastore files"),
        }
    });
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let served = kho_server::serve(listener, state, shutdown_signal(), grace).await;
    drop(sweeps);
    drop(harvests);
    workers.stop(grace).await;
    served?;
    catalog.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM (service managers) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
