//! Each one-shot subcommand: load the setup (config, data folder, mode),
//! open the engine over the store, act, print. `run` lives in `run.rs`.

use std::sync::Arc;

use alert_engine::{Engine, FanOut, JsonLines, Notifier};
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, OutboxState};
use anyhow::{Result, anyhow, bail};
use app_core::config::{self, Limits, command_duration};
use app_core::{AppError, DemoReason, Env, Mode, Setup, SetupOptions};
use halo_api::{HaloClient, SystemClock};

use crate::{Cli, Command, output};

pub async fn dispatch(cli: Cli) -> Result<()> {
    if let Command::Config { example: true } = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let setup = Setup::load(SetupOptions {
        config_path: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        demo: matches!(cli.command, Command::Run { demo: true, .. }),
        env: Env::process(),
    })?;
    match cli.command {
        Command::Run {
            demo: _,
            no_desktop,
            generate_every,
        } => {
            let every = command_duration("--generate-every", &generate_every, Limits::MAX_SNOOZE)?;
            crate::run::run(setup, notifier(no_desktop), every).await
        }
        Command::List { json, all } => {
            let engine = setup.open_engine()?;
            let filter = if all {
                AlertFilter::All
            } else {
                AlertFilter::Open
            };
            let alerts = engine.list(filter)?;
            if json {
                output::alerts_json(&alerts)?;
            } else {
                output::alerts_table(&alerts, chrono::Utc::now());
            }
            Ok(())
        }
        Command::Ack { ticket, all } => {
            let mut engine = setup.open_engine()?;
            let by = setup.acting_name();
            let now = chrono::Utc::now();
            if all {
                let (views, _) = engine.acknowledge_all(&by, now)?;
                println!("Acknowledged {} alert(s).", views.len());
            } else {
                let ticket = ticket.ok_or_else(|| anyhow!("name a ticket id, or pass --all"))?;
                engine.acknowledge(ticket, &by, now)?;
                println!("Acknowledged the alert for ticket {ticket}.");
            }
            deliver_writes(&setup, engine).await
        }
        Command::Snooze { ticket, duration } => {
            let d = command_duration("snooze", &duration, Limits::MAX_SNOOZE)?;
            let mut engine = setup.open_engine()?;
            let now = chrono::Utc::now();
            let until = alert_engine::until_after(now, d, "a snooze")?;
            engine.snooze(ticket, until, now)?;
            println!(
                "Snoozed ticket {ticket} until {}.",
                until
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
            );
            Ok(())
        }
        Command::Take { ticket } => {
            let mut engine = setup.open_engine()?;
            let halo = setup.halo_client().await?;
            let me = halo.me().await?;
            engine.set_me(Some(alert_engine::Me {
                agent_id: me.id,
                name: me
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("agent {}", me.id)),
            }));
            engine.take(ticket, chrono::Utc::now())?;
            deliver_with(engine, halo, "Assigned", ticket).await
        }
        Command::Close { ticket, note } => {
            let mut engine = setup.open_engine()?;
            engine.close(ticket, &note, chrono::Utc::now())?;
            let halo = setup.halo_client().await?;
            deliver_with(engine, halo, "Closed", ticket).await
        }
        Command::Pause { duration } => {
            let d = command_duration("pause", &duration, Limits::MAX_SNOOZE)?;
            let mut engine = setup.open_engine()?;
            let now = chrono::Utc::now();
            let until = alert_engine::until_after(now, d, "a pause")?;
            engine.pause(Some(until), now)?;
            println!(
                "Notifications paused until {}.",
                until
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
            );
            Ok(())
        }
        Command::Resume => {
            let mut engine = setup.open_engine()?;
            engine.pause(None, chrono::Utc::now())?;
            println!("Notifications resumed.");
            Ok(())
        }
        Command::TestConnection => test_connection(&setup).await,
        Command::WebhookSetup { new_token } => webhook_setup(&setup, new_token).await,
        Command::TestAlert { no_desktop } => {
            let mut engine = setup.open_engine()?;
            let (_, effects) = engine.test_alert(chrono::Utc::now())?;
            let notifier = app_core::text::PlainText::new(notifier(no_desktop));
            for n in &effects.notifications {
                if let Err(e) = notifier.notify(n) {
                    eprintln!("warning: {e}");
                }
            }
            eprintln!(
                "Test alert raised: acknowledge it with `halo-notifier-cli ack {}`.",
                alert_engine::TEST_TICKET_ID
            );
            Ok(())
        }
        Command::Login { webhook_token } => login(&setup, webhook_token).await,
        Command::Log { json, limit } => {
            let engine = setup.open_engine()?;
            let rows = engine.inbound_log(limit)?;
            if json {
                output::log_json(&rows)?;
            } else {
                output::log_table(&rows);
            }
            Ok(())
        }
        Command::Stats { since } => {
            let d = command_duration("--since", &since, Limits::MAX_LOOKBACK)?;
            let engine = setup.open_engine()?;
            let from = chrono::Utc::now() - chrono::Duration::from_std(d)?;
            output::stats_table(&engine.stats(from)?, &since);
            Ok(())
        }
        Command::Config { example: _ } => {
            let config = setup.config();
            match &config.source {
                Some(p) => println!("Config file: {}", p.display()),
                None => println!(
                    "No config file (would be read from {}); using defaults.",
                    config
                        .looked_at
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), |p| p.display().to_string())
                ),
            }
            match (&config.halo, setup.mode().is_demo()) {
                (Some(h), false) => {
                    println!("Halo: {} (client id {})", h.url.describe(), h.client_id)
                }
                _ => println!("Halo: not configured; `run` starts the demo."),
            }
            println!("Data: {}", setup.data_dir().display());
            Ok(())
        }
    }
}

/// JSON lines on stdout, plus the desktop's notifications unless asked not to.
fn notifier(no_desktop: bool) -> Arc<dyn Notifier> {
    let fan = FanOut::new().with(JsonLines::new(std::io::stdout()));
    Arc::new(if no_desktop {
        fan
    } else {
        fan.with(desktop_notify::DesktopNotifier::new("Halo Notifier"))
    })
}

/// Delivers writes queued by a command now, so the user sees the result.
async fn deliver_writes(setup: &Setup, engine: Engine) -> Result<()> {
    let pending = engine.outbox(Some(OutboxState::Pending))?;
    if pending.is_empty() {
        return Ok(());
    }
    match setup.halo_client().await {
        Ok(halo) => deliver_with(engine, halo, "Updated", pending[0].ticket_id).await,
        Err(e) => {
            eprintln!("Queued the write to Halo; it is sent when `run` is running ({e}).");
            Ok(())
        }
    }
}

async fn deliver_with(
    engine: Engine,
    halo: Arc<HaloClient>,
    done: &str,
    ticket: i64,
) -> Result<()> {
    let handle = EngineHandle::new(
        engine,
        Arc::new(SystemClock),
        Arc::new(FanOut::new()),
        Some(halo),
    );
    handle.deliver_writes_now().await;
    let items = handle.outbox_items(None).await?;
    let mine: Vec<_> = items.iter().filter(|o| o.ticket_id == ticket).collect();
    if let Some(failed) = mine.iter().find(|o| o.state == OutboxState::Failed) {
        bail!(
            "Halo refused it: {}",
            failed.last_error.clone().unwrap_or_default()
        );
    }
    if mine.iter().any(|o| o.state == OutboxState::Pending) {
        let why = mine
            .iter()
            .filter_map(|o| o.last_error.clone())
            .next()
            .unwrap_or_default();
        println!("Queued; Halo did not answer yet ({why}). `run` keeps retrying.");
    } else {
        println!("{done} ticket {ticket} in Halo.");
    }
    Ok(())
}

async fn test_connection(setup: &Setup) -> Result<()> {
    if let Mode::Demo {
        reason: DemoReason::NotConfigured { .. },
    } = setup.mode()
    {
        bail!(
            "nothing is configured, so there is nothing to test: put a config file at {} \
             (`halo-notifier-cli config --example` prints one; or set HALO_URL and \
             HALO_CLIENT_ID), store the secret with `halo-notifier-cli login`, then test again",
            looked_at(setup)
        );
    }
    let secret = match setup.client_secret().await {
        Ok(secret) => Some(secret),
        Err(AppError::NoSecret) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(h) = &setup.config().halo {
        for note in h.url.notes() {
            println!("note: {note}");
        }
        println!("Halo: {}", h.url.describe());
    }
    let config = if setup.mode().is_demo() {
        demo_form()
    } else {
        setup.config().effective.clone()
    };
    let report = app_core::test_connection(&config, secret).await;
    if let Some(agent) = &report.agent {
        println!("Connected as {agent}.");
    }
    if !report.teams.is_empty() {
        println!("Teams: {}", report.teams.join(", "));
    }
    if !report.closed_statuses.is_empty() {
        println!("Closed statuses: {}", report.closed_statuses.join(", "));
    }
    if !report.budget.is_empty() {
        println!("API budget: {}", report.budget);
    }
    if report.ok {
        return Ok(());
    }
    for p in &report.problems {
        eprintln!("problem: {}\n    fix: {}", p.what, p.fix);
    }
    bail!(
        "the connection test failed ({} problem(s) above)",
        report.problems.len()
    )
}

/// The demo simulator as a config form (`run --demo` is testing it).
fn demo_form() -> app_core::Config {
    let mut form = app_core::Config::default();
    form.halo.url = Some(format!("http://{}", app_core::demo::ADDR));
    form.halo.tenant = Some("demo".to_owned());
    form.halo.client_id = Some(app_core::demo::CLIENT_ID.to_owned());
    form.halo.allow_insecure_http = true;
    form
}

/// `webhook-setup`: what to paste into Halo.
async fn webhook_setup(setup: &Setup, new_token: bool) -> Result<()> {
    if new_token {
        if setup.env().get("HALO_WEBHOOK_TOKEN").is_some() {
            bail!(
                "HALO_WEBHOOK_TOKEN is set and wins over the keyring: unset it to use a generated token"
            );
        }
        app_core::credentials::regenerate_webhook_token().await?;
        println!("A new webhook token is stored in the OS keyring; restart `run` to use it.\n");
    }
    let token = app_core::credentials::webhook_token(setup.env()).await?;
    let text = app_core::webhook_setup(&setup.config().effective, token.as_deref()).instructions();
    print!("{text}");
    Ok(())
}

async fn login(setup: &Setup, webhook_token: bool) -> Result<()> {
    let what = if webhook_token {
        "webhook token"
    } else {
        "client secret"
    };
    let value = crate::prompt::read_secret(what)?;
    if webhook_token {
        app_core::credentials::store_webhook_token(value).await?;
        println!("Webhook token stored in the OS keyring.");
        return Ok(());
    }
    let halo = match (&setup.config().halo, setup.mode().is_demo()) {
        (Some(halo), false) => halo.clone(),
        _ => bail!(
            "set [halo] url and client_id in the config first (`config --example` shows how; \
             it goes in {})",
            looked_at(setup)
        ),
    };
    app_core::credentials::store_client_secret(&halo, value).await?;
    println!(
        "Client secret stored in the OS keyring for {} ({}). Try `halo-notifier-cli test-connection`.",
        halo.url.web(),
        halo.client_id
    );
    Ok(())
}

/// Where the config was looked for, for messages.
fn looked_at(setup: &Setup) -> String {
    setup.config().looked_at.as_ref().map_or_else(
        || "the platform's config folder".to_owned(),
        |p| p.display().to_string(),
    )
}
