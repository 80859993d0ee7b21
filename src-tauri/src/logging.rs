//! Both programs log (their own and the core crates' `tracing` events, and
//! the `log` records of tao and Tauri) to a daily file in the app's log
//! folder, a week of them kept, and to stderr. The level is `info` unless
//! `HALO_NOTIFIER_LOG` names another (`debug` when chasing a problem;
//! secrets are never logged at any level).

use std::path::Path;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Days of log files kept.
const KEPT: usize = 7;

/// Starts logging to `<logs>/<name>.<date>.log` and stderr. Without a
/// writable log folder it logs to stderr only and says why there.
pub fn init(logs: &Path, name: &str) {
    let filter = || {
        let level = level(std::env::var("HALO_NOTIFIER_LOG").ok().as_deref());
        // Chatty libraries stay at warnings unless tracing everything.
        EnvFilter::new(format!("{level},tao=warn,zbus=warn"))
    };
    // The appender prunes old files as it starts, which fails noisily on a
    // folder that does not exist yet.
    let _ = std::fs::create_dir_all(logs);
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(name)
        .filename_suffix("log")
        .max_log_files(KEPT)
        .build(logs);
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let (file_layer, problem) = match file {
        Ok(file) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(file)
                    .with_filter(filter()),
            ),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    if let Some(e) = problem {
        tracing::warn!(folder = %logs.display(), error = %e, "logging to stderr only: the log folder cannot be written");
    }
}

/// The level `HALO_NOTIFIER_LOG` asks for, `info` when unset or unknown.
fn level(asked: Option<&str>) -> LevelFilter {
    asked
        .and_then(|level| level.trim().parse().ok())
        .unwrap_or(LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_level_is_info_unless_a_known_level_is_asked_for() {
        assert_eq!(level(None), LevelFilter::INFO);
        assert_eq!(level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level(Some(" TRACE ")), LevelFilter::TRACE);
        assert_eq!(level(Some("loud")), LevelFilter::INFO);
    }
}
