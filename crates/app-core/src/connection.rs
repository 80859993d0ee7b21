//! "Test connection" for the settings window and the CLI: checks a config
//! and a secret against Halo and reports exactly what is wrong (bad URL,
//! unreachable, bad credentials, a missing permission by name) with what to
//! do about it, or what works (agent, teams, closed statuses, API budget).

use halo_api::{ClientSecret, HaloError, TicketQuery};
use serde::Serialize;

use crate::config::Config;
use crate::setup::build_client;

/// One thing wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub what: String,
    pub fix: String,
}

/// The outcome of [`test_connection`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionReport {
    /// True when Halo answered every check.
    pub ok: bool,
    pub problems: Vec<Finding>,
    /// The agent the API application acts as.
    pub agent: Option<String>,
    pub teams: Vec<String>,
    /// Statuses that count as closed, as "Name (id)".
    pub closed_statuses: Vec<String>,
    /// Requests spent against Halo's limit.
    pub budget: String,
}

impl ConnectionReport {
    fn failed(problems: Vec<Finding>) -> Self {
        ConnectionReport {
            ok: false,
            problems,
            agent: None,
            teams: Vec::new(),
            closed_statuses: Vec::new(),
            budget: String::new(),
        }
    }
}

fn finding(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        what: what.into(),
        fix: fix.into(),
    }
}

const APPLICATIONS: &str = "Configuration > Integrations > Halo API > Applications";

/// Tests `config` with `secret` (`None`: none stored). Never fails: every
/// problem is in the report.
pub async fn test_connection(config: &Config, secret: Option<ClientSecret>) -> ConnectionReport {
    if let Err(problems) = config.validate() {
        return ConnectionReport::failed(
            problems
                .0
                .into_iter()
                .map(|p| finding(format!("{} is not valid", p.field), p.message))
                .collect(),
        );
    }
    let Some(halo) = config.halo_config() else {
        return ConnectionReport::failed(vec![finding(
            "No Halo address is set",
            "enter your Halo URL (e.g. https://yourcompany.halopsa.com, without /api) and the \
             client ID of an API application",
        )]);
    };
    let Some(secret) = secret else {
        return ConnectionReport::failed(vec![finding(
            "No client secret is stored for this Halo",
            format!(
                "paste the API application's client secret (Halo: {APPLICATIONS}); it is kept \
                 in the OS keyring"
            ),
        )]);
    };
    let client = match build_client(&halo, secret) {
        Ok(client) => client,
        Err(e) => {
            return ConnectionReport::failed(vec![finding("The Halo address", e.to_string())]);
        }
    };
    let mut report = ConnectionReport::failed(Vec::new());
    match client.me().await {
        Ok(agent) => {
            report.agent = Some(
                agent
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("agent {}", agent.id)),
            );
        }
        Err(e) => {
            // Nothing further can work without signing in.
            report.problems.push(explain(&e, &halo.url.web()));
            report.budget = client.budget().to_string();
            return report;
        }
    }
    match client.status_catalog(&config.halo.closed_status_ids).await {
        Ok(catalog) => {
            report.closed_statuses = catalog
                .closed_ids()
                .iter()
                .map(|id| format!("{} ({id})", catalog.name(*id).unwrap_or("?")))
                .collect();
        }
        Err(e) => report.problems.push(explain(&e, &halo.url.web())),
    }
    match client.teams().await {
        Ok(teams) => {
            report.teams = teams
                .iter()
                .filter(|t| t.inactive != Some(true))
                .map(|t| t.name.clone().unwrap_or_else(|| format!("team {}", t.id)))
                .collect();
        }
        Err(e) => report.problems.push(explain(&e, &halo.url.web())),
    }
    let one = TicketQuery {
        page_size: 1,
        max_pages: Some(1),
        ..TicketQuery::default()
    };
    match client.list_tickets(&one).await {
        Ok(_) | Err(HaloError::UnexpectedResponse { .. }) => {}
        Err(e) => report.problems.push(explain(&e, &halo.url.web())),
    }
    report.budget = client.budget().to_string();
    report.ok = report.problems.is_empty();
    report
}

/// A Halo error as what went wrong and what to do.
fn explain(e: &HaloError, url: &str) -> Finding {
    match e {
        HaloError::InvalidUrl { .. } | HaloError::InsecureUrl { .. } => finding(
            format!("The Halo address is not usable: {e}"),
            "correct halo.url",
        ),
        HaloError::Network { detail, .. } => finding(
            format!("Halo at {url} is unreachable ({detail})"),
            "check the address (the one you open Halo with in a browser, without /api), your \
             network and any proxy",
        ),
        HaloError::BadCredentials { detail } => finding(
            format!("Halo rejected the client ID or secret ({detail})"),
            format!(
                "check both under {APPLICATIONS} (Halo may change the client ID when the \
                 application is saved) and paste the secret again"
            ),
        ),
        HaloError::TokenRefused { detail, .. } => finding(
            format!("Halo refused to issue a token ({detail})"),
            "check the tenant and that the application's authentication method is \"Client ID \
             and Secret (Services)\"",
        ),
        HaloError::Unauthorized { detail } => finding(
            format!("Halo rejected the access token ({detail})"),
            format!(
                "check under {APPLICATIONS} that the application is active and its agent enabled"
            ),
        ),
        HaloError::Forbidden { permission, .. } => finding(
            format!("The API application lacks the '{permission}' permission"),
            format!("enable '{permission}' under {APPLICATIONS} > Permissions"),
        ),
        HaloError::NotFound { what } => finding(
            format!("{what} was not found: this may not be a Halo API address"),
            "use the address you open Halo with in a browser, without /api",
        ),
        HaloError::RateLimited { .. } | HaloError::Server { .. } => {
            finding(e.to_string(), "try again in a few minutes")
        }
        HaloError::BadRequest { .. } | HaloError::UnexpectedResponse { .. } => finding(
            e.to_string(),
            "check the address points at Halo (not a proxy or login page)",
        ),
    }
}
