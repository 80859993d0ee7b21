//! Each subcommand: load the config, open the engine over the store, act,
//! print. The commands share the engine's command surface with the app.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alert_engine::{Engine, EngineEvent, FanOut, JsonLines, Notifier};
use alert_policy::HumanDuration;
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, OutboxState, Store};
use anyhow::{Context, Result, anyhow, bail};
use halo_api::{ClientSecret, HaloClient, RetryPolicy, SystemClock};

use crate::config::{self, Config};
use crate::{Cli, Command, demo, intake, output};

/// Everything a command needs.
struct Ctx {
    config: Config,
    data_dir: PathBuf,
    /// No Halo configured: commands act on the demo's database.
    demo: bool,
}

pub async fn dispatch(cli: Cli) -> Result<()> {
    if let Command::Config { example: true } = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let loaded = config::load(cli.config.as_deref(), &env)?;
    let data_dir = match cli.data_dir.clone() {
        Some(dir) => dir,
        None => config::default_data_dir()
            .ok_or_else(|| anyhow!("no home directory to keep data in: pass --data-dir DIR"))?,
    };
    let mut ctx = Ctx {
        demo: loaded.halo.is_none(),
        config: loaded,
        data_dir,
    };
    match cli.command {
        Command::Run {
            demo,
            no_desktop,
            generate_every,
        } => {
            let every: HumanDuration = generate_every
                .parse()
                .map_err(|e| anyhow!("--generate-every: {e}"))?;
            run(ctx, demo, no_desktop, every.as_std()).await
        }
        Command::List { json, all } => {
            let engine = open_engine(&mut ctx)?;
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
            let mut engine = open_engine(&mut ctx)?;
            let by = who(&ctx);
            let now = chrono::Utc::now();
            if all {
                let (views, _) = engine.acknowledge_all(&by, now)?;
                println!("Acknowledged {} alert(s).", views.len());
            } else {
                let ticket = ticket.ok_or_else(|| anyhow!("name a ticket id, or pass --all"))?;
                engine.acknowledge(ticket, &by, now)?;
                println!("Acknowledged the alert for ticket {ticket}.");
            }
            deliver_writes(&ctx, engine).await
        }
        Command::Snooze { ticket, duration } => {
            let d: HumanDuration = duration.parse().map_err(|e| anyhow!("duration: {e}"))?;
            let mut engine = open_engine(&mut ctx)?;
            let now = chrono::Utc::now();
            let until = alert_engine::until_after(now, d.as_std(), "a snooze")?;
            engine.snooze(ticket, until, now)?;
            println!(
                "Snoozed ticket {ticket} until {}.",
                until.with_timezone(&chrono::Local).format("%H:%M:%S")
            );
            Ok(())
        }
        Command::Take { ticket } => {
            let mut engine = open_engine(&mut ctx)?;
            let halo = halo_client(&ctx).await?;
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
            let mut engine = open_engine(&mut ctx)?;
            engine.close(ticket, &note, chrono::Utc::now())?;
            let halo = halo_client(&ctx).await?;
            deliver_with(engine, halo, "Closed", ticket).await
        }
        Command::Pause { duration } => {
            let d: HumanDuration = duration.parse().map_err(|e| anyhow!("duration: {e}"))?;
            let mut engine = open_engine(&mut ctx)?;
            let now = chrono::Utc::now();
            let until = alert_engine::until_after(now, d.as_std(), "a pause")?;
            engine.pause(Some(until), now)?;
            println!(
                "Notifications paused until {}.",
                until.with_timezone(&chrono::Local).format("%H:%M:%S")
            );
            Ok(())
        }
        Command::Resume => {
            let mut engine = open_engine(&mut ctx)?;
            engine.pause(None, chrono::Utc::now())?;
            println!("Notifications resumed.");
            Ok(())
        }
        Command::TestConnection => test_connection(&ctx).await,
        Command::TestAlert { no_desktop } => {
            let mut engine = open_engine(&mut ctx)?;
            let (_, effects) = engine.test_alert(chrono::Utc::now())?;
            let notifier = notifier(no_desktop);
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
        Command::Login { webhook_token } => login(&ctx, webhook_token).await,
        Command::Log { json, limit } => {
            let engine = open_engine(&mut ctx)?;
            let rows = engine.inbound_log(limit)?;
            if json {
                output::log_json(&rows)?;
            } else {
                output::log_table(&rows);
            }
            Ok(())
        }
        Command::Stats { since } => {
            let d: HumanDuration = since.parse().map_err(|e| anyhow!("--since: {e}"))?;
            let engine = open_engine(&mut ctx)?;
            let from = chrono::Utc::now() - chrono::Duration::from_std(d.as_std())?;
            output::stats_table(&engine.stats(from)?, &since);
            Ok(())
        }
        Command::Config { example: _ } => {
            match &ctx.config.source {
                Some(p) => println!("Config file: {}", p.display()),
                None => println!(
                    "No config file (would be read from {}); using defaults.",
                    config::default_config_path()
                        .map_or_else(|| "?".to_owned(), |p| p.display().to_string())
                ),
            }
            match &ctx.config.halo {
                Some(h) => println!("Halo: {} (client id {})", h.url.describe(), h.client_id),
                None => println!("Halo: not configured; `run` starts the demo."),
            }
            println!("Data: {}", ctx.data_dir.display());
            Ok(())
        }
    }
}

/// The name written into acknowledgements.
fn who(ctx: &Ctx) -> String {
    ctx.config
        .engine
        .display_name
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "Halo Notifier user".to_owned())
}

fn database_path(ctx: &Ctx) -> PathBuf {
    if ctx.demo {
        ctx.data_dir.join("demo").join("alerts.sqlite")
    } else {
        ctx.data_dir.join("alerts.sqlite")
    }
}

fn open_engine(ctx: &mut Ctx) -> Result<Engine> {
    if ctx.demo {
        demo::apply(&mut ctx.config);
    }
    let path = database_path(ctx);
    let store = Store::open(&path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Engine::new(store, ctx.config.engine.clone())?)
}

/// The client secret: HALO_CLIENT_SECRET, else the OS keyring.
async fn client_secret(ctx: &Ctx) -> Result<ClientSecret> {
    if ctx.demo {
        return Ok(ClientSecret::new(demo::CLIENT_SECRET));
    }
    if let Ok(secret) = std::env::var("HALO_CLIENT_SECRET")
        && !secret.is_empty()
    {
        return Ok(ClientSecret::new(secret));
    }
    let halo = ctx
        .config
        .halo
        .clone()
        .ok_or_else(|| anyhow!("no Halo configured: set [halo] url and client_id"))?;
    let found = tokio::task::spawn_blocking(move || {
        secrets::SecretStore::new().client_secret(&halo.url.web(), &halo.client_id)
    })
    .await??;
    found.ok_or_else(|| {
        anyhow!(
            "no client secret stored for this Halo: run `halo-notifier-cli login` and paste it, \
             or set HALO_CLIENT_SECRET"
        )
    })
}

async fn halo_client(ctx: &Ctx) -> Result<Arc<HaloClient>> {
    let mut config = ctx.config.clone();
    if ctx.demo {
        demo::apply(&mut config);
    }
    let halo = config
        .halo
        .as_ref()
        .ok_or_else(|| anyhow!("no Halo configured: set [halo] url and client_id"))?;
    let secret = client_secret(ctx).await?;
    let retry = RetryPolicy {
        // The poller schedules around 429s itself instead of sleeping in a call.
        rate_limit_retries: 0,
        ..RetryPolicy::default()
    };
    Ok(Arc::new(HaloClient::with_options(
        halo.connection()?,
        secret,
        Arc::new(SystemClock),
        retry,
    )?))
}

fn notifier(no_desktop: bool) -> FanOut {
    let fan = FanOut::new().with(JsonLines::new(std::io::stdout()));
    if no_desktop {
        fan
    } else {
        fan.with(desktop_notify::DesktopNotifier::new("Halo Notifier"))
    }
}

/// Delivers writes queued by a command now, so the user sees the result.
async fn deliver_writes(ctx: &Ctx, engine: Engine) -> Result<()> {
    let pending = engine.outbox(Some(OutboxState::Pending))?;
    if pending.is_empty() {
        return Ok(());
    }
    match halo_client(ctx).await {
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

async fn test_connection(ctx: &Ctx) -> Result<()> {
    let mut config = ctx.config.clone();
    if ctx.demo {
        println!("No Halo configured: testing the demo simulator (start it with `run --demo`).");
        demo::apply(&mut config);
    }
    let halo = halo_client(ctx).await?;
    if let Some(h) = &config.halo {
        for note in h.url.notes() {
            println!("note: {note}");
        }
        println!("Halo: {}", h.url.describe());
    }
    let agent = halo.test_connection().await?;
    println!(
        "Connected as {} (agent {}).",
        agent.name.as_deref().unwrap_or("?"),
        agent.id
    );
    let catalog = halo
        .status_catalog(&config.engine.closed_status_ids)
        .await?;
    let closed: Vec<String> = catalog
        .closed_ids()
        .iter()
        .map(|id| format!("{} ({id})", catalog.name(*id).unwrap_or("?")))
        .collect();
    println!("Closed statuses: {}", closed.join(", "));
    println!("API budget: {}", halo.budget());
    Ok(())
}

async fn login(ctx: &Ctx, webhook_token: bool) -> Result<()> {
    if std::io::stdin().is_terminal() {
        eprintln!(
            "Paste the {} and press Enter (it is not shown again):",
            if webhook_token {
                "webhook token"
            } else {
                "client secret"
            }
        );
    }
    let mut input = String::new();
    if std::io::stdin().is_terminal() {
        std::io::stdin().read_line(&mut input)?;
    } else {
        std::io::stdin().read_to_string(&mut input)?;
    }
    let value = input.trim().to_owned();
    if value.is_empty() {
        bail!("nothing was read from stdin");
    }
    if webhook_token {
        if value.len() < webhook_receiver::MIN_TOKEN_LEN {
            bail!(
                "the token is too short: use at least {} random characters (e.g. `openssl rand -hex 24`)",
                webhook_receiver::MIN_TOKEN_LEN
            );
        }
        tokio::task::spawn_blocking(move || secrets::SecretStore::new().set_webhook_token(&value))
            .await??;
        println!("Webhook token stored in the OS keyring.");
        return Ok(());
    }
    let halo = ctx.config.halo.clone().ok_or_else(|| {
        anyhow!("set [halo] url and client_id in the config first (`config --example` shows how)")
    })?;
    let (instance, client_id) = (halo.url.web(), halo.client_id.clone());
    tokio::task::spawn_blocking(move || {
        secrets::SecretStore::new().set_client_secret(&instance, &client_id, &value)
    })
    .await??;
    println!(
        "Client secret stored in the OS keyring for {} ({}). Try `halo-notifier-cli test-connection`.",
        halo.url.web(),
        halo.client_id
    );
    Ok(())
}

async fn run(mut ctx: Ctx, demo_flag: bool, no_desktop: bool, every: Duration) -> Result<()> {
    let mut sim = None;
    if demo_flag || ctx.demo {
        if !demo_flag {
            eprintln!(
                "No Halo configured: starting the built-in demo (a simulated Halo with generated tickets)."
            );
        }
        ctx.demo = true;
        sim = Some(demo::start_simulator(every).await?);
        demo::apply(&mut ctx.config);
    }
    let halo = halo_client(&ctx).await?;
    let engine = open_engine(&mut ctx)?;
    let notifier: Arc<dyn Notifier> = Arc::new(notifier(no_desktop));
    let handle = EngineHandle::new(engine, Arc::new(SystemClock), notifier, Some(halo));
    let tasks = handle.start();
    tokio::spawn(report_intake(handle.subscribe()));
    let receiver = if ctx.config.webhook.enabled {
        Some(intake::start_webhooks(&ctx.config, handle.clone()).await?)
    } else {
        None
    };
    eprintln!(
        "Halo Notifier is watching {}. Ctrl-C stops it.",
        ctx.config
            .halo
            .as_ref()
            .map_or_else(|| "?".to_owned(), |h| h.url.web())
    );
    shutdown_signal().await;
    handle.shutdown();
    for t in tasks {
        let _ = t.await;
    }
    if let Some(r) = receiver {
        r.shutdown().await;
    }
    drop(sim);
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
