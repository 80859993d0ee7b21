//! `halo-sim`: run a simulated Halo tenant, or script a running one through
//! its `/_sim` control API from the command line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use alert_policy::parse_std as parse_duration;
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use halo_sim::control::{FaultSpec, WebhookSpec};
use halo_sim::{ErrorShape, RecordedRequest, SimConfig};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(
    name = "halo-sim",
    version,
    about = "A stand-in for a HaloPSA / HaloITSM tenant"
)]
struct Cli {
    /// Base URL of a running simulator, for the scripting commands.
    #[arg(
        long,
        global = true,
        env = "HALO_SIM_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulator until Ctrl-C.
    Serve(ServeArgs),
    /// Show where a running simulator is and how to log in.
    Info,
    /// Change tickets as a technician or customer would.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Make the next matching API request(s) fail.
    Fault(FaultArgs),
    /// Remove all pending faults.
    ClearFaults,
    /// Invalidate every issued token.
    ExpireTokens,
    /// List the requests clients sent.
    Requests {
        /// Forget them afterwards.
        #[arg(long)]
        clear: bool,
        /// Print JSON instead of one line each.
        #[arg(long)]
        json: bool,
    },
    /// POST a webhook about a ticket, as Halo would.
    Webhook(WebhookArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Id of the "Closed" status (Halo's default is 9).
    #[arg(long, default_value_t = 9)]
    closed_status_id: i32,
    /// How many tickets to seed.
    #[arg(long, default_value_t = 40)]
    tickets: usize,
    /// Log a new ticket this often (e.g. 30s, 5m).
    #[arg(long, value_parser = parse_duration)]
    generate_every: Option<Duration>,
    #[arg(long, default_value = "demo-client")]
    client_id: String,
    #[arg(long, default_value = "demo-secret")]
    client_secret: String,
    /// Tenant the token endpoint requires (Halo-hosted instances).
    #[arg(long, default_value = "demo", conflicts_with = "no_tenant")]
    tenant: String,
    /// Behave like an on-premise instance: no tenant needed.
    #[arg(long)]
    no_tenant: bool,
    /// Scopes granted to the application, space-separated.
    #[arg(long, default_value = "all")]
    scopes: String,
    /// Access token lifetime.
    #[arg(long, value_parser = parse_duration, default_value = "1h")]
    token_lifetime: Duration,
    /// Enforce Halo's 300 requests per rolling 5 minutes.
    #[arg(long)]
    rate_limit: bool,
    /// Answer /api/Team as {"teams": [...]} instead of a bare array.
    #[arg(long)]
    wrap_teams: bool,
    /// The agent the application logs in as.
    #[arg(long, default_value_t = 1)]
    api_agent_id: i32,
    /// Let non-loopback clients use /_sim (only on a trusted network).
    #[arg(long)]
    control_from_anywhere: bool,
}

#[derive(Debug, Subcommand)]
enum TicketCommand {
    /// Log a new ticket.
    Create {
        #[arg(long)]
        summary: String,
        /// HTML body.
        #[arg(long, default_value = "")]
        details: String,
        #[arg(long, default_value_t = 1)]
        team: i32,
        #[arg(long)]
        agent: Option<i32>,
        #[arg(long, default_value_t = 3)]
        priority: i32,
        #[arg(long, default_value_t = 1)]
        client: i32,
        #[arg(long, default_value_t = 1)]
        site: i32,
        #[arg(long = "type", default_value_t = 1)]
        tickettype: i32,
        #[arg(long, default_value_t = 1)]
        status: i32,
    },
    /// Print a ticket as the API returns it.
    Show { id: i32 },
    /// Print a ticket's actions.
    Actions { id: i32 },
    /// Change the status.
    Status { id: i32, status_id: i32 },
    /// Assign to an agent (0 unassigns).
    Assign { id: i32, agent_id: i32 },
    /// Move to another team.
    Team { id: i32, team_id: i32 },
    /// Close through a "Close Ticket" action.
    Close {
        id: i32,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reopen.
    Reopen { id: i32 },
    /// Add a reply from the ticket's end user.
    Reply { id: i32, text: String },
    /// Add many realistic tickets.
    Bulk { count: usize },
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// rate-limited, server-error, slow, drop, malformed-json, forbidden,
    /// expire-tokens, invalid-client or error-body.
    kind: String,
    #[arg(long, default_value_t = 1)]
    times: u32,
    /// Only requests whose path starts with this (case-insensitive).
    #[arg(long)]
    path: Option<String>,
    /// For rate-limited: send Retry-After with this many seconds.
    #[arg(long)]
    retry_after: Option<u64>,
    /// For slow.
    #[arg(long, value_parser = parse_duration)]
    delay: Option<Duration>,
    /// For forbidden.
    #[arg(long)]
    permission: Option<String>,
    /// For error-body.
    #[arg(long)]
    status: Option<u16>,
    /// For error-body: error, message, class_name_message, result_code,
    /// field_errors, plain_text or html.
    #[arg(long)]
    shape: Option<String>,
}

#[derive(Debug, Args)]
struct WebhookArgs {
    /// Where to POST.
    target: String,
    /// native, ilert, ilert-full, signl4, signl4-resolve or raw.
    shape: String,
    ticket_id: i32,
    /// For native: the event name.
    #[arg(long)]
    event: Option<String>,
    /// For raw: the body.
    #[arg(long)]
    raw: Option<String>,
    #[arg(long, conflicts_with = "basic")]
    bearer: Option<String>,
    /// user:password
    #[arg(long)]
    basic: Option<String>,
    /// Paste text raw between quotes, as Halo's quoted templates do.
    #[arg(long)]
    naive: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("halo-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("halo_sim=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let control = Control::new(&cli.url)?;
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Info => print(control.get("/_sim/info").await?),
        Command::Ticket(cmd) => ticket(&control, cmd).await,
        Command::Fault(args) => {
            let shape = args
                .shape
                .as_deref()
                .map(|s| serde_json::from_value::<ErrorShape>(json!(s)))
                .transpose()
                .context("unknown --shape")?;
            let spec = FaultSpec {
                kind: args.kind,
                times: Some(args.times),
                path: args.path,
                retry_after: args.retry_after,
                delay_ms: args
                    .delay
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                permission: args.permission,
                status: args.status,
                shape,
                ..FaultSpec::default()
            };
            // Validate locally for a clearer message before sending.
            spec.to_fault()?;
            print(control.post("/_sim/faults", &json!(spec)).await?)
        }
        Command::ClearFaults => print(control.delete("/_sim/faults").await?),
        Command::ExpireTokens => print(control.post("/_sim/expire-tokens", &json!({})).await?),
        Command::Requests { clear, json } => {
            let list: Vec<RecordedRequest> =
                serde_json::from_value(control.get("/_sim/requests").await?)
                    .context("unexpected answer from /_sim/requests")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for r in &list {
                    println!("{}", describe(r));
                }
            }
            if clear {
                control.delete("/_sim/requests").await?;
            }
            Ok(())
        }
        Command::Webhook(args) => {
            let spec = WebhookSpec {
                url: args.target,
                shape: args.shape,
                ticket_id: args.ticket_id,
                event: args.event,
                raw: args.raw,
                bearer: args.bearer,
                basic: args.basic,
                naive: args.naive,
            };
            spec.parts()?;
            print(control.post("/_sim/webhooks", &json!(spec)).await?)
        }
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    let config = SimConfig {
        client_id: args.client_id,
        client_secret: args.client_secret,
        tenant: (!args.no_tenant).then_some(args.tenant),
        scopes: args.scopes.split_whitespace().map(str::to_owned).collect(),
        token_lifetime: args.token_lifetime,
        closed_status_id: args.closed_status_id,
        wrap_teams: args.wrap_teams,
        seed_tickets: args.tickets,
        rate_limit: args.rate_limit.then_some(SimConfig::HALO_RATE_LIMIT),
        api_agent_id: args.api_agent_id,
        control_from_any_address: args.control_from_anywhere,
        ..SimConfig::default()
    };
    let sim = halo_sim::start_on(args.bind, config)
        .await
        .context("could not start the simulator")?;
    let cfg = sim.config().clone();
    println!("Halo simulator running at {}", sim.base_url());
    println!("  API            {}", sim.api_url());
    println!("  Token URL      {}", sim.token_url());
    println!("  Client ID      {}", cfg.client_id);
    println!("  Client secret  {}", cfg.client_secret);
    println!(
        "  Tenant         {}",
        cfg.tenant.as_deref().unwrap_or("(none)")
    );
    println!("  Closed status  {}", cfg.closed_status_id);
    println!(
        "  Control API    {}/_sim  (halo-sim --url {} ticket create --summary \"...\")",
        sim.base_url(),
        sim.base_url()
    );
    let _generator = args.generate_every.map(|every| {
        println!("  Generating a ticket every {every:?}");
        sim.start_generator(every)
    });
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}

async fn ticket(control: &Control, cmd: TicketCommand) -> Result<()> {
    let answer = match cmd {
        TicketCommand::Create {
            summary,
            details,
            team,
            agent,
            priority,
            client,
            site,
            tickettype,
            status,
        } => {
            let body = json!({
                "summary": summary,
                "details_html": details,
                "team_id": team,
                "agent_id": agent,
                "priority_id": priority,
                "client_id": client,
                "site_id": site,
                "tickettype_id": tickettype,
                "status_id": status,
            });
            control.post("/_sim/tickets", &body).await?
        }
        TicketCommand::Show { id } => control.get(&format!("/_sim/tickets/{id}")).await?,
        TicketCommand::Actions { id } => {
            control.get(&format!("/_sim/tickets/{id}/actions")).await?
        }
        TicketCommand::Status { id, status_id } => {
            control
                .post(
                    &format!("/_sim/tickets/{id}/status"),
                    &json!({ "status_id": status_id }),
                )
                .await?
        }
        TicketCommand::Assign { id, agent_id } => {
            control
                .post(
                    &format!("/_sim/tickets/{id}/assign"),
                    &json!({ "agent_id": agent_id }),
                )
                .await?
        }
        TicketCommand::Team { id, team_id } => {
            control
                .post(
                    &format!("/_sim/tickets/{id}/team"),
                    &json!({ "team_id": team_id }),
                )
                .await?
        }
        TicketCommand::Close { id, note } => {
            control
                .post(
                    &format!("/_sim/tickets/{id}/close"),
                    &json!({ "note": note }),
                )
                .await?
        }
        TicketCommand::Reopen { id } => {
            control
                .post(&format!("/_sim/tickets/{id}/reopen"), &json!({}))
                .await?
        }
        TicketCommand::Reply { id, text } => {
            control
                .post(
                    &format!("/_sim/tickets/{id}/reply"),
                    &json!({ "text": text }),
                )
                .await?
        }
        TicketCommand::Bulk { count } => {
            control
                .post("/_sim/tickets/bulk", &json!({ "count": count }))
                .await?
        }
    };
    print(answer)
}

fn describe(r: &RecordedRequest) -> String {
    let query = if r.query.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", pairs.join("&"))
    };
    let status = r
        .status
        .map_or_else(|| "dropped".to_owned(), |s| s.to_string());
    let auth = match (&r.authorization, r.bearer_token()) {
        (None, _) => "no auth",
        (Some(_), Some(_)) => "bearer",
        (Some(_), None) => "other auth",
    };
    format!(
        "{} {} {}{} -> {} ({})",
        r.at.format("%H:%M:%S%.3f"),
        r.method,
        r.path,
        query,
        status,
        auth
    )
}

/// A small client for the control API.
struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    fn new(base: &str) -> Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .context("cannot build an HTTP client")?,
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value> {
        let response = request
            .send()
            .await
            .with_context(|| format!("is a simulator running at {}?", self.base))?;
        let status = response.status();
        let text = response.text().await.context("cannot read the answer")?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            let message = value
                .get("error")
                .and_then(Value::as_str)
                .map_or_else(|| value.to_string(), str::to_owned);
            bail!("{status}: {message}");
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    async fn delete(&self, path: &str) -> Result<Value> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }
}

fn print(value: Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}
