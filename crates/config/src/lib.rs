//! Kho's configuration, loaded in exactly one place.
//!
//! Precedence, lowest to highest: built-in defaults, the TOML file
//! (`--config FILE`, `KHO_CONFIG`, or `./kho.toml` if present), environment
//! variables `KHO_<KEY>` (e.g. `KHO_DATA_DIR`, `KHO_MAX_UPLOAD_BYTES`), and
//! command-line flags. Every key has the same name in all three places
//! (`data_dir` in TOML, `KHO_DATA_DIR` in the environment, `--data-dir` on
//! the command line). Errors name the source of the bad value.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Every setting, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where Kho keeps its SQLite database, uploaded files and indexes.
    pub data_dir: PathBuf,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://<data_dir>/kho.db`.
    pub database_url: String,
    /// Public base URL of the site, used in links and download URLs.
    pub site_url: String,
    /// Name of the portal.
    pub site_title: String,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// Largest accepted JSON or form request body, in bytes.
    pub max_json_bytes: u64,
    /// Time limit for an ordinary (non-upload) request, in seconds.
    pub request_timeout_secs: u64,
    /// An upload that sends nothing for this long is dropped, in seconds.
    pub upload_idle_timeout_secs: u64,
    /// How long shutdown waits for in-flight requests, in seconds.
    pub shutdown_grace_secs: u64,
    /// Most database connections.
    pub db_max_connections: u32,
    /// `auto` (pretty on a terminal, JSON otherwise), `pretty` or `json`.
    pub log_format: String,
    /// The server's search index; defaults to `<data_dir>/index`. Each
    /// server process needs its own (they share the database, not this).
    pub index_dir: PathBuf,
    /// The portal's title in English (falls back to `site_title`).
    pub site_title_en: Option<String>,
    /// One sentence about the portal, in Vietnamese and in English.
    pub site_description: Option<String>,
    pub site_description_en: Option<String>,
    /// An SVG, PNG, JPEG or WebP file shown as the portal's logo.
    pub site_logo: Option<PathBuf>,
    /// The portal's main colour, `#rrggbb`.
    pub brand_color: String,
    /// The agency that runs this node, and its web site (footer, about page).
    pub owner_agency: Option<String>,
    pub owner_agency_url: Option<String>,
    /// Background jobs (datastore loads) this process runs at once.
    pub job_workers: u64,
    /// How long a job's claim lasts without renewal, in seconds: after a
    /// crash, its job runs again this long after the last renewal.
    pub job_lease_secs: u64,
    /// Time limit of one `datastore_search_sql` query, in seconds.
    pub datastore_sql_timeout_secs: u64,
    /// Most rows one datastore search or SQL query returns.
    pub datastore_rows_max: u64,
    /// Memory all datastore queries of this process may hold, in MiB.
    pub datastore_memory_mb: u64,
    /// Memory for table columns kept decoded (fast filtered searches), in MiB.
    pub datastore_cache_mb: u64,
    /// `s3://bucket/prefix`: keep table files in S3-compatible object
    /// storage (the data directory then caches them). Unset: keep them in
    /// the data directory.
    pub s3_url: Option<String>,
    /// The object storage service's address, for anything but AWS
    /// (`http://127.0.0.1:3900` for a local Garage).
    pub s3_endpoint: Option<String>,
    /// The bucket's region (Garage's default is `garage`).
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Permit fetching linked files from loopback, private and link-local
    /// addresses (an intranet's servers); refused by default.
    pub fetch_allow_private: bool,
    /// How often every external link is checked (availability), in hours;
    /// 0 disables the periodic sweep (checks asked for still run).
    pub link_check_interval_hours: u64,
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub index_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub site_url: Option<String>,
}

/// A configuration problem, naming where the bad value came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {key} (from {source_name}): {message}")]
    Value { key: &'static str, source_name: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    index_dir: Option<PathBuf>,
    bind: Option<String>,
    database_url: Option<String>,
    site_url: Option<String>,
    site_title: Option<String>,
    max_upload_bytes: Option<u64>,
    max_json_bytes: Option<u64>,
    request_timeout_secs: Option<u64>,
    upload_idle_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    db_max_connections: Option<u32>,
    log_format: Option<String>,
    site_title_en: Option<String>,
    site_description: Option<String>,
    site_description_en: Option<String>,
    site_logo: Option<PathBuf>,
    brand_color: Option<String>,
    owner_agency: Option<String>,
    owner_agency_url: Option<String>,
    job_workers: Option<u64>,
    job_lease_secs: Option<u64>,
    datastore_sql_timeout_secs: Option<u64>,
    datastore_rows_max: Option<u64>,
    datastore_memory_mb: Option<u64>,
    datastore_cache_mb: Option<u64>,
    s3_url: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
    fetch_allow_private: Option<bool>,
    link_check_interval_hours: Option<u64>,
}

/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./kho-data";
/// The portal's title when none is configured.
pub const DEFAULT_SITE_TITLE: &str = "Cổng dữ liệu mở Kho";
/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Config {
    /// Loads the configuration from the process environment.
    pub fn load(overrides: Overrides) -> Result<Config, ConfigError> {
        Self::load_with(overrides, |k| std::env::var(k).ok())
    }

    /// Loads with an explicit environment lookup (for tests).
    pub fn load_with(overrides: Overrides, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let file_path = overrides.config_file.clone().or_else(|| env("KHO_CONFIG").map(PathBuf::from));
        let (file, file_name) = match file_path {
            Some(p) => (read_file(&p)?, p.display().to_string()),
            None if Path::new("kho.toml").exists() => (read_file(Path::new("kho.toml"))?, "kho.toml".to_string()),
            None => (FileConfig::default(), String::new()),
        };

        let text = |key: &'static str, flag: Option<String>, file: Option<String>| -> Option<String> {
            flag.or_else(|| env(&env_name(key))).or(file)
        };
        let number = |key: &'static str, file: Option<u64>, default: u64| -> Result<u64, ConfigError> {
            match env(&env_name(key)) {
                Some(v) => v.trim().parse::<u64>().map_err(|_| ConfigError::Value {
                    key,
                    source_name: format!("environment variable {}", env_name(key)),
                    message: format!("\"{v}\" is not a whole number"),
                }),
                None => Ok(file.unwrap_or(default)),
            }
        };

        let data_dir = overrides
            .data_dir
            .or_else(|| env("KHO_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let bind = text("bind", overrides.bind, file.bind).unwrap_or_else(|| DEFAULT_BIND.to_string());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Value {
                key: "bind",
                source_name: "flag, KHO_BIND or config".into(),
                message: format!("\"{bind}\" is not an address like 127.0.0.1:8080"),
            });
        }
        let database_url = text("database_url", overrides.database_url, file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kho.db").display()));
        let site_url = text("site_url", overrides.site_url, file.site_url)
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        if !(site_url.starts_with("http://") || site_url.starts_with("https://")) {
            return Err(ConfigError::Value {
                key: "site_url",
                source_name: "flag, KHO_SITE_URL or config".into(),
                message: format!("\"{site_url}\" must start with http:// or https://"),
            });
        }
        let log_format = text("log_format", None, file.log_format).unwrap_or_else(|| "auto".into());
        if !["auto", "pretty", "json"].contains(&log_format.as_str()) {
            return Err(ConfigError::Value {
                key: "log_format",
                source_name: if file_name.is_empty() { "KHO_LOG_FORMAT".into() } else { file_name.clone() },
                message: "use auto, pretty or json".into(),
            });
        }
        let brand_color = text("brand_color", None, file.brand_color).unwrap_or_else(|| "#0b4f8a".into());
        let hex = brand_color.strip_prefix('#').unwrap_or("");
        if !((hex.len() == 6 || hex.len() == 3) && hex.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(ConfigError::Value {
                key: "brand_color",
                source_name: if file_name.is_empty() { "KHO_BRAND_COLOR".into() } else { file_name.clone() },
                message: format!("\"{brand_color}\" is not a colour like #0b4f8a"),
            });
        }
        let owner_agency_url = text("owner_agency_url", None, file.owner_agency_url);
        if let Some(u) = &owner_agency_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError::Value {
                key: "owner_agency_url",
                source_name: if file_name.is_empty() { "KHO_OWNER_AGENCY_URL".into() } else { file_name.clone() },
                message: format!("\"{u}\" must start with http:// or https://"),
            });
        }
        let s3_url = text("s3_url", None, file.s3_url).filter(|u| !u.trim().is_empty());
        if let Some(u) = &s3_url
            && !(u.starts_with("s3://") && u.len() > 5)
        {
            return Err(ConfigError::Value {
                key: "s3_url",
                source_name: if file_name.is_empty() { "KHO_S3_URL".into() } else { file_name.clone() },
                message: format!("\"{u}\" must look like s3://bucket or s3://bucket/prefix"),
            });
        }
        let s3_endpoint = text("s3_endpoint", None, file.s3_endpoint).filter(|u| !u.trim().is_empty());
        if let Some(u) = &s3_endpoint
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError::Value {
                key: "s3_endpoint",
                source_name: if file_name.is_empty() { "KHO_S3_ENDPOINT".into() } else { file_name.clone() },
                message: format!("\"{u}\" must start with http:// or https://"),
            });
        }
        let fetch_allow_private = match env(&env_name("fetch_allow_private")) {
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(ConfigError::Value {
                        key: "fetch_allow_private",
                        source_name: format!("environment variable {}", env_name("fetch_allow_private")),
                        message: format!("\"{v}\" is not true or false"),
                    });
                }
            },
            None => file.fetch_allow_private.unwrap_or(false),
        };
        Ok(Config {
            fetch_allow_private,
            s3_url,
            s3_endpoint,
            s3_region: text("s3_region", None, file.s3_region).unwrap_or_else(|| "us-east-1".into()),
            s3_access_key_id: text("s3_access_key_id", None, file.s3_access_key_id),
            s3_secret_access_key: text("s3_secret_access_key", None, file.s3_secret_access_key),
            site_title_en: text("site_title_en", None, file.site_title_en),
            site_description: text("site_description", None, file.site_description),
            site_description_en: text("site_description_en", None, file.site_description_en),
            site_logo: text("site_logo", None, file.site_logo.map(|p| p.display().to_string())).map(PathBuf::from),
            brand_color,
            owner_agency: text("owner_agency", None, file.owner_agency),
            owner_agency_url,
            site_title: text("site_title", None, file.site_title).unwrap_or_else(|| DEFAULT_SITE_TITLE.into()),
            max_upload_bytes: number("max_upload_bytes", file.max_upload_bytes, 2 * 1024 * 1024 * 1024)?,
            max_json_bytes: number("max_json_bytes", file.max_json_bytes, 5 * 1024 * 1024)?,
            request_timeout_secs: number("request_timeout_secs", file.request_timeout_secs, 30)?,
            upload_idle_timeout_secs: number("upload_idle_timeout_secs", file.upload_idle_timeout_secs, 60)?,
            shutdown_grace_secs: number("shutdown_grace_secs", file.shutdown_grace_secs, 30)?,
            db_max_connections: number("db_max_connections", file.db_max_connections.map(u64::from), 8)?.clamp(1, 1000)
                as u32,
            index_dir: text(
                "index_dir",
                overrides.index_dir.map(|p| p.display().to_string()),
                file.index_dir.map(|p| p.display().to_string()),
            )
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("index")),
            job_workers: number("job_workers", file.job_workers, 2)?.clamp(1, 64),
            job_lease_secs: number("job_lease_secs", file.job_lease_secs, 60)?.clamp(2, 3600),
            datastore_sql_timeout_secs: number("datastore_sql_timeout_secs", file.datastore_sql_timeout_secs, 10)?
                .clamp(1, 3600),
            datastore_rows_max: number("datastore_rows_max", file.datastore_rows_max, 32_000)?.clamp(1, 10_000_000),
            datastore_memory_mb: number("datastore_memory_mb", file.datastore_memory_mb, 1024)?.clamp(64, 1 << 20),
            datastore_cache_mb: number("datastore_cache_mb", file.datastore_cache_mb, 2048)?.clamp(0, 1 << 22),
            link_check_interval_hours: number("link_check_interval_hours", file.link_check_interval_hours, 24)?
                .min(24 * 366),
            data_dir,
            bind,
            database_url,
            site_url,
            log_format,
        })
    }
}

fn env_name(key: &str) -> String {
    format!("KHO_{}", key.to_ascii_uppercase())
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn precedence_is_flag_env_file_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kho.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:9000\"\nsite_title = \"Tỉnh X\"\nmax_upload_bytes = 10\n").unwrap();
        let env: HashMap<&str, &str> = [("KHO_BIND", "127.0.0.1:9100"), ("KHO_MAX_UPLOAD_BYTES", "20")].into();
        let get = |k: &str| env.get(k).map(|s| s.to_string());

        let c = Config::load_with(Overrides { config_file: Some(file.clone()), ..Default::default() }, get).unwrap();
        assert_eq!(c.bind, "127.0.0.1:9100", "env beats file");
        assert_eq!(c.site_title, "Tỉnh X", "file beats default");
        assert_eq!(c.max_upload_bytes, 20);
        assert_eq!(c.site_url, "http://127.0.0.1:9100");
        assert_eq!(c.database_url, "sqlite://./kho-data/kho.db");

        let c = Config::load_with(
            Overrides { config_file: Some(file), bind: Some("127.0.0.1:9200".into()), ..Default::default() },
            get,
        )
        .unwrap();
        assert_eq!(c.bind, "127.0.0.1:9200", "flag beats env");
    }

    #[test]
    fn link_checks_run_daily_unless_disabled() {
        let c = Config::load_with(Overrides::default(), |_| None).unwrap();
        assert_eq!(c.link_check_interval_hours, 24);
        let c = Config::load_with(Overrides::default(), |k| (k == "KHO_LINK_CHECK_INTERVAL_HOURS").then(|| "0".into()))
            .unwrap();
        assert_eq!(c.link_check_interval_hours, 0, "0 disables the sweep");
    }

    #[test]
    fn errors_name_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kho.toml");
        std::fs::write(&file, "bnd = \"x\"\n").unwrap();
        let e = Config::load_with(Overrides { config_file: Some(file), ..Default::default() }, |_| None).unwrap_err();
        assert!(e.to_string().contains("kho.toml") && e.to_string().contains("bnd"), "{e}");

        let e = Config::load_with(Overrides::default(), |k| (k == "KHO_MAX_JSON_BYTES").then(|| "lots".into()))
            .unwrap_err();
        assert!(e.to_string().contains("KHO_MAX_JSON_BYTES"), "{e}");
        let e =
            Config::load_with(Overrides { bind: Some("nowhere".into()), ..Default::default() }, |_| None).unwrap_err();
        assert!(e.to_string().contains("bind"));
    }
}
