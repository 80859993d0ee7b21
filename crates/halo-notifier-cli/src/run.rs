//! `run`: start the app through app-core, say on stderr what it watches
//! (loudly when it is the demo), report trouble with Halo as it happens,
//! and stop cleanly on Ctrl-C or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use alert_engine::{EngineEvent, Notifier};
use anyhow::Result;
use app_core::Setup;

pub async fn run(setup: Setup, notifier: Arc<dyn Notifier>, every: Duration) -> Result<()> {
    let mode = setup.mode().clone();
    if mode.is_demo() {
        eprintln!("{}", mode.describe());
    }
    let app = setup.start(notifier, every).await?;
    tokio::spawn(report_intake(app.handle().subscribe()));
    if let Some(addr) = app.webhook_addr() {
        eprintln!("Receiving webhooks on http://{addr}/webhook/<token>");
    }
    eprintln!(
        "Halo Notifier is {}. Ctrl-C stops it.",
        if mode.is_demo() {
            format!("running the demo at http://{}", app_core::demo::ADDR)
        } else {
            mode.describe()
        }
    );
    shutdown_signal().await;
    app.shutdown().await;
    Ok(())
}

/// Tells a headless user on stderr what the tray will show: Halo becoming
/// unreachable or reachable again, writes to Halo that gave up, and the API
/// budget once an hour.
async fn report_intake(mut events: tokio::sync::broadcast::Receiver<EngineEvent>) {
    let mut healthy: Option<bool> = None;
    let mut budget_shown: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        match event {
            EngineEvent::Intake { status } => {
                if healthy != Some(status.ok) {
                    match (&status.problem, healthy) {
                        (Some(problem), _) if !status.ok => eprintln!("Halo: {problem}"),
                        (_, Some(false)) => {
                            eprintln!("Halo: polling again. API budget: {}", status.budget)
                        }
                        _ => {}
                    }
                    healthy = Some(status.ok);
                }
                let now = chrono::Utc::now();
                if status.ok && budget_shown.is_none_or(|at| now - at >= chrono::Duration::hours(1))
                {
                    eprintln!("API budget: {}", status.budget);
                    budget_shown = Some(now);
                }
            }
            EngineEvent::OutboxFailed {
                ticket_id,
                kind,
                error,
            } => eprintln!("Gave up on {kind} for ticket {ticket_id} in Halo: {error}"),
            _ => {}
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
