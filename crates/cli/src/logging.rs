//! Structured logs with `tracing`: human-readable on a terminal, JSON lines
//! otherwise (or as `log_format` says). The level comes from `KHO_LOG`
//! (e.g. `KHO_LOG=debug` or `KHO_LOG=kho_server=debug,info`).

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `default` is the level when `KHO_LOG` is unset.
pub fn init(format: &str, default: &str) {
    let filter = EnvFilter::try_from_env("KHO_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let json = match format {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if json {
        builder.json().flatten_event(true).with_current_span(true).try_init()
    } else {
        builder.with_target(false).try_init()
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
