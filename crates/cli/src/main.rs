//! `kho`: the one binary of Kho. It serves the portal and API, administers
//! users and tokens, loads demo content and runs benchmarks. Every command
//! reads the same configuration (see `kho-config`) and talks to the catalog
//! through `kho-catalog`; none of them needs the server to be stopped.

mod admin;
mod admin_units;
mod bench;
mod bench_datamap;
mod bench_datastore;
mod bench_dcat;
mod bench_validate;
mod datastore;
mod harvest;
mod jobs;
mod loadgen;
mod logging;
mod search;
mod serve;
mod validate;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Kho — kho dữ liệu: an open national data platform (catalog, CKAN-compatible API).
#[derive(Parser)]
#[command(name = "kho", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Settings every command shares. Each also comes from `KHO_<NAME>` or kho.toml.
#[derive(Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file (TOML) [env: KHO_CONFIG] [default: ./kho.toml if present].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory: SQLite database, uploaded files, indexes [env: KHO_DATA_DIR] [default: ./kho-data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL, sqlite://PATH or postgres://USER@HOST/DB [env: KHO_DATABASE_URL] [default: sqlite://DATA_DIR/kho.db].
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Search index directory, one per server process [env: KHO_INDEX_DIR] [default: DATA_DIR/index].
    #[arg(long, global = true, value_name = "DIR")]
    index_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (API, downloads) on the configured data.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Demonstration and synthetic content.
    #[command(subcommand)]
    Demo(admin::DemoCommand),
    /// Check the database's consistency (after a crash, before a backup).
    Check,
    /// The search index: rebuild it.
    #[command(subcommand)]
    Search(search::SearchCommand),
    /// The background job queue (loads, validations, harvests): list jobs.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Datastore tables: load a file into a resource's table.
    #[command(subcommand)]
    Datastore(datastore::DatastoreCommand),
    /// Measure Kho's performance and print the figures.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Harvesting other catalogs (Kho nodes, CKAN, DCAT): add sources, run them, list them.
    #[command(subcommand)]
    Harvest(harvest::HarvestCommand),
    /// Validate a CSV file against a Table Schema (offline), with frictionless' error types;
    /// exit code 1 when the data has errors, 2 when it cannot be validated.
    Validate(validate::ValidateArgs),
    /// Viet Nam's administrative units (offline): convert a table's units to those since 1 July 2025.
    #[command(subcommand, name = "admin-units")]
    AdminUnits(admin_units::AdminUnitsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kho: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kho: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Serve(args) => serve::run(&g, args).await,
        Command::Migrate => admin::migrate(&g).await,
        Command::User(c) => admin::user(&g, c).await,
        Command::Token(c) => admin::token(&g, c).await,
        Command::Demo(c) => admin::demo(&g, c).await,
        Command::Check => admin::check(&g).await,
        Command::Search(c) => search::run(&g, c).await,
        Command::Jobs(c) => jobs::run(&g, c).await,
        Command::Datastore(c) => datastore::run(&g, c).await,
        Command::Bench(c) => bench::run(&g, c).await,
        Command::AdminUnits(c) => admin_units::run(c),
        Command::Validate(args) => validate::run(args),
        Command::Harvest(c) => harvest::run(&g, c).await,
    }
}

impl GlobalArgs {
    /// Loads the configuration with these flags (and an optional bind/site URL).
    pub fn config(&self, bind: Option<String>, site_url: Option<String>) -> anyhow::Result<kho_config::Config> {
        Ok(kho_config::Config::load(kho_config::Overrides {
            config_file: self.config.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            index_dir: self.index_dir.clone(),
            bind,
            site_url,
        })?)
    }
}

/// The portal's branding from the configuration; reads the logo file.
pub fn branding(config: &kho_config::Config) -> anyhow::Result<kho_portal::Branding> {
    let logo = config
        .site_logo
        .as_deref()
        .map(kho_portal::branding::logo_from_file)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let b = kho_portal::Branding {
        title_vi: config.site_title.clone(),
        // The built-in Vietnamese title has a built-in English one; a
        // node's own title is used in both languages until it sets one.
        title_en: config.site_title_en.clone().or_else(|| {
            (config.site_title == kho_config::DEFAULT_SITE_TITLE).then(|| "Kho Open Data Portal".to_string())
        }),
        description_vi: config.site_description.clone(),
        description_en: config.site_description_en.clone(),
        agency: config.owner_agency.clone(),
        agency_url: config.owner_agency_url.clone(),
        color: config.brand_color.clone(),
        logo,
    };
    b.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(b)
}

/// The datastore engine's limits from the configuration.
pub fn datastore_options(config: &kho_config::Config) -> kho_datastore::engine::EngineOptions {
    kho_datastore::engine::EngineOptions {
        memory_limit: (config.datastore_memory_mb as usize) << 20,
        sql_timeout: std::time::Duration::from_secs(config.datastore_sql_timeout_secs),
        rows_max: config.datastore_rows_max as usize,
        cache_bytes: (config.datastore_cache_mb as usize) << 20,
        ..Default::default()
    }
}

/// Opens the catalog for a command. `serving` is set only by `serve` (and
/// benchmarks standing in for it), which owns the public URL stored with
/// dataset documents; `search` opens the search index, which only a server
/// process keeps (other commands' writes reach it through the change feed).
pub async fn open_catalog(
    config: &kho_config::Config,
    serving: bool,
    search: bool,
) -> anyhow::Result<kho_catalog::Catalog> {
    let catalog = kho_catalog::Catalog::open(kho_catalog::CatalogOptions {
        database_url: config.database_url.clone(),
        data_dir: config.data_dir.clone(),
        site_url: serving.then(|| config.site_url.clone()),
        site_title: config.site_title.clone(),
        max_upload_bytes: config.max_upload_bytes,
        db_max_connections: config.db_max_connections,
        db_busy_timeout: std::time::Duration::from_secs(if serving { 10 } else { 60 }),
        index_dir: search.then(|| config.index_dir.clone()),
        datastore: datastore_options(config),
        datastore_s3: config.s3_url.as_ref().map(|url| kho_datastore::storage::S3Config {
            url: url.clone(),
            endpoint: config.s3_endpoint.clone(),
            region: config.s3_region.clone(),
            access_key_id: config.s3_access_key_id.clone(),
            secret_access_key: config.s3_secret_access_key.clone(),
            allow_http: config.s3_endpoint.as_deref().is_some_and(|e| e.starts_with("http://")),
        }),
        fetch: kho_fetch::FetchOptions { allow_private: config.fetch_allow_private, ..Default::default() },
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(catalog)
}
