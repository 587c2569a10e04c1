//! Administration commands: migrations, users, tokens, demo content, checks.
//! They work beside a running `kho serve` on the same data: every change is
//! a committed database transaction the server reads on its next request.

use crate::{GlobalArgs, logging, open_catalog};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kho_catalog::Actor;
use kho_core::input::{Fields, UserInput};
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user account.
    Add(UserAddArgs),
    /// List user accounts.
    List,
    /// Set a user's password, read from standard input.
    SetPassword {
        /// User name.
        name: String,
    },
}

#[derive(Args)]
pub struct UserAddArgs {
    /// User name (2–100 characters: lowercase a-z, 0-9, - and _).
    name: String,
    /// E-mail address.
    #[arg(long)]
    email: String,
    /// Full name, e.g. "Nguyễn Văn An".
    #[arg(long)]
    fullname: Option<String>,
    /// Make the user a sysadmin (may do everything).
    #[arg(long)]
    sysadmin: bool,
    /// Read the password from standard input (first line). Without it the
    /// account has no password and signs in with API tokens only.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for a user and print it (only the token, on stdout).
    Issue {
        /// User name or id.
        user: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        label: String,
        /// Expire the token after this many days.
        #[arg(long, value_name = "DAYS")]
        expires_days: Option<i64>,
    },
    /// List a user's tokens (ids and labels, never the secrets).
    List {
        /// User name or id.
        user: String,
    },
    /// Revoke a token by its id (see `kho token list`) or by the token itself.
    Revoke {
        /// Token id or the token.
        token: String,
    },
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Load the demonstration catalog (as `kho serve --demo` does).
    Load,
    /// Create N synthetic datasets across the 34 provinces and the ministries.
    Generate {
        /// How many datasets.
        #[arg(long, default_value_t = 1000)]
        datasets: u64,
        /// Seed, for a repeatable catalog.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

async fn catalog(g: &GlobalArgs) -> anyhow::Result<kho_catalog::Catalog> {
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "warn");
    open_catalog(&config, false, false).await
}

fn domain(e: kho_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn migrate(g: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = g.config(None, None)?;
    logging::init(&config.log_format, "info");
    let store = kho_store::Store::connect(&config.database_url, &Default::default()).await?;
    let applied = store.migrate().await?;
    if applied.is_empty() {
        eprintln!("Cơ sở dữ liệu đã ở phiên bản mới nhất / database is up to date");
    } else {
        eprintln!("Đã áp dụng / applied migrations: {applied:?}");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn user(g: &GlobalArgs, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let cat = catalog(g).await?;
    let system = Actor::system();
    match cmd {
        UserCommand::Add(a) => {
            let password = if a.password_stdin { Some(read_secret()?) } else { None };
            let dict = serde_json::json!({
                "name": a.name, "email": a.email, "fullname": a.fullname,
                "sysadmin": a.sysadmin, "password": password,
            });
            let input = UserInput::parse(Fields::from_value(dict).map_err(domain)?).map_err(domain)?;
            let user = cat.user_create(&system, input).await.map_err(domain)?;
            eprintln!(
                "Đã tạo người dùng / created user {}{}{}",
                user.name,
                if user.sysadmin { " (sysadmin)" } else { "" },
                if a.password_stdin { "" } else { "; no password: issue a token with `kho token issue`" }
            );
        }
        UserCommand::List => {
            for u in cat.user_list(&system, Some(1000), None).await.map_err(domain)? {
                println!("{}\t{}\t{}", u.name, u.email.unwrap_or_default(), if u.sysadmin { "sysadmin" } else { "" });
            }
        }
        UserCommand::SetPassword { name } => {
            let pw = read_secret()?;
            cat.user_set_password(&system, &name, &pw).await.map_err(domain)?;
            eprintln!("Đã đặt mật khẩu / password set for {name}");
        }
    }
    cat.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_secret() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().take(10_000).read_to_string(&mut s)?;
    let line = s.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        anyhow::bail!("no password on standard input (e.g. `echo 'mật khẩu' | kho user add ... --password-stdin`)");
    }
    Ok(line)
}

pub async fn token(g: &GlobalArgs, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let cat = catalog(g).await?;
    let system = Actor::system();
    match cmd {
        TokenCommand::Issue { user, label, expires_days } => {
            let issued = cat
                .token_create(&system, &user, &label, expires_days.map(|d| d.saturating_mul(86_400)))
                .await
                .map_err(domain)?;
            println!("{}", issued.token);
        }
        TokenCommand::List { user } => {
            for t in cat.token_list(&system, &user).await.map_err(domain)? {
                println!("{}\t{}\t{}\t{}", t.id, t.name, t.created_at, t.expires_at.unwrap_or_default());
            }
        }
        TokenCommand::Revoke { token } => {
            let (tok, id) = if token.starts_with(kho_catalog::auth::TOKEN_PREFIX) {
                (Some(token.as_str()), None)
            } else {
                (None, Some(token.as_str()))
            };
            cat.token_revoke(&system, tok, id).await.map_err(domain)?;
            eprintln!("Đã thu hồi / revoked");
        }
    }
    cat.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn demo(g: &GlobalArgs, cmd: DemoCommand) -> anyhow::Result<ExitCode> {
    let cat = catalog(g).await?;
    match cmd {
        DemoCommand::Load => {
            let loaded = cat.load_demo().await.map_err(domain)?;
            eprintln!(
                "{}",
                if loaded {
                    "Đã nạp dữ liệu demo / demo loaded"
                } else {
                    "Demo đã có sẵn / demo already loaded"
                }
            );
        }
        DemoCommand::Generate { datasets, seed } => {
            let bar = progress_bar(datasets, "Tạo bộ dữ liệu / generating datasets");
            kho_catalog::synthetic::generate(&cat, datasets, seed, |n| bar.set_position(n)).await.map_err(domain)?;
            bar.finish();
        }
    }
    cat.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn check(g: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog(g).await?;
    let problems = cat.store().check_integrity().await?;
    cat.close().await;
    if problems.is_empty() {
        eprintln!("Cơ sở dữ liệu nhất quán / database is consistent");
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("{p}");
        }
        eprintln!("{} problem(s) found", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}
