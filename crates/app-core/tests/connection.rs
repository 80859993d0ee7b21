//! "Test connection" says exactly what is wrong, or what works.

#![allow(clippy::unwrap_used)]

use app_core::{Config, test_connection};
use halo_api::ClientSecret;
use halo_sim::SimConfig;

fn config_for(url: &str) -> Config {
    let mut config = Config::default();
    config.halo.url = Some(url.to_owned());
    config.halo.tenant = Some("demo".into());
    config.halo.client_id = Some("demo-client".into());
    config.halo.allow_insecure_http = true;
    config
}

fn secret() -> Option<ClientSecret> {
    Some(ClientSecret::new("demo-secret"))
}

#[tokio::test]
async fn a_working_connection_reports_agent_teams_statuses_and_budget() {
    let sim = halo_sim::start(SimConfig::default()).await.unwrap();
    let report = test_connection(&config_for(&sim.base_url()), secret()).await;
    assert!(report.ok, "{report:?}");
    assert!(report.agent.is_some());
    assert!(
        report.teams.iter().any(|t| t == "Service Desk"),
        "{report:?}"
    );
    assert!(!report.closed_statuses.is_empty());
    assert!(!report.budget.is_empty());
}

#[tokio::test]
async fn a_missing_permission_is_named() {
    let sim = halo_sim::start(SimConfig::default().with_scopes(["read:statuses", "all:teams"]))
        .await
        .unwrap();
    let report = test_connection(&config_for(&sim.base_url()), secret()).await;
    assert!(!report.ok);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.what.contains("'read:tickets'") && p.fix.contains("Permissions")),
        "{report:?}"
    );
}

#[tokio::test]
async fn bad_credentials_are_reported_as_such() {
    let sim = halo_sim::start(SimConfig::default()).await.unwrap();
    let report = test_connection(
        &config_for(&sim.base_url()),
        Some(ClientSecret::new("wrong")),
    )
    .await;
    assert!(!report.ok);
    assert!(
        report.problems[0].what.contains("client ID or secret"),
        "{report:?}"
    );
}

#[tokio::test]
async fn an_unreachable_halo_is_reported_as_unreachable() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let report = test_connection(&config_for(&format!("http://{addr}")), secret()).await;
    assert!(!report.ok);
    assert!(
        report.problems[0].what.contains("unreachable"),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_bad_url_and_a_missing_secret_are_reported_before_any_request() {
    let report = test_connection(&config_for("not a url at all"), secret()).await;
    assert!(!report.ok);
    assert!(report.problems[0].what.contains("halo.url"), "{report:?}");
    let report = test_connection(&config_for("https://a.halopsa.com"), None).await;
    assert!(
        report.problems[0].what.contains("No client secret"),
        "{report:?}"
    );
    let report = test_connection(&Config::default(), secret()).await;
    assert!(
        report.problems[0].what.contains("No Halo address"),
        "{report:?}"
    );
}
