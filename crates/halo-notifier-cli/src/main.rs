//! `halo-notifier-cli`: the alert engine without a window, a thin shell over
//! `app-core` (which the desktop app shares): arguments in, text out.

mod commands;
mod output;
mod prompt;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "halo-notifier-cli",
    version,
    about = "Never miss a HaloPSA / HaloITSM ticket: escalating desktop alerts, headless."
)]
struct Cli {
    /// Config file (default: the platform config dir's halo-notifier/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Where the alert database lives (default: the platform data dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine: poll Halo (and receive webhooks), notify, escalate.
    /// Every notification is also printed to stdout as one JSON line.
    Run {
        /// Start the built-in Halo simulator and generate tickets (also the
        /// fallback when no Halo is configured).
        #[arg(long)]
        demo: bool,
        /// Print to stdout only; no desktop notifications.
        #[arg(long)]
        no_desktop: bool,
        /// In demo mode, how often the simulator logs a new ticket.
        #[arg(long, default_value = "20s", value_name = "DURATION")]
        generate_every: String,
    },
    /// List alerts (open ones unless --all).
    List {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        all: bool,
    },
    /// Acknowledge a ticket's alert (or --all of them).
    Ack {
        ticket: Option<i64>,
        #[arg(long, conflicts_with = "ticket")]
        all: bool,
    },
    /// Silence a ticket's alert for a while, e.g. `snooze 1234 15m`.
    Snooze { ticket: i64, duration: String },
    /// Assign the ticket to yourself in Halo and acknowledge its alert.
    Take { ticket: i64 },
    /// Close the ticket in Halo (with a private note) and resolve its alert.
    Close {
        ticket: i64,
        #[arg(long, default_value = "Closed via Halo Notifier.")]
        note: String,
    },
    /// Pause every notification for a duration (`resume` ends it early).
    Pause { duration: String },
    /// End a pause now; what fell due comes as one digest.
    Resume,
    /// Check the URL, credentials and API permissions.
    TestConnection,
    /// Print what to paste into Halo (custom integration URL, JSON body,
    /// runbook events) so it pushes ticket changes to `run`'s webhook listener.
    WebhookSetup {
        /// Generate a new random webhook token and store it in the OS
        /// keyring first (the old one stops working; restart `run`).
        #[arg(long)]
        new_token: bool,
    },
    /// Raise a test alert through the whole path.
    TestAlert {
        #[arg(long)]
        no_desktop: bool,
    },
    /// Store the Halo client secret (read from stdin) in the OS keyring.
    Login {
        /// Store the webhook token (read from stdin) instead.
        #[arg(long)]
        webhook_token: bool,
    },
    /// The inbound log: every event received and what came of it.
    Log {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Time to acknowledge and to resolve, per priority.
    Stats {
        #[arg(long, default_value = "7d", value_name = "DURATION")]
        since: String,
    },
    /// Show the config: `--example` prints a fully commented example.
    Config {
        #[arg(long)]
        example: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout carries the JSON lines); `RUST_LOG` tunes them.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,halo_notifier_cli=info,app_core=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
