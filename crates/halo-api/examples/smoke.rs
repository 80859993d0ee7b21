//! A smoke run of the client against any Halo (or the simulator): checks the
//! connection and lists open tickets. Reads `HALO_URL`, `HALO_TENANT`,
//! `HALO_CLIENT_ID` and `HALO_CLIENT_SECRET` from the environment.

use halo_api::{ClientSecret, ConnectionSettings, HaloClient, InstanceUrl, TicketQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let instance = InstanceUrl::parse(&var("HALO_URL")?, false)?;
    println!("{}", instance.describe());
    let mut settings = ConnectionSettings::new(instance, var("HALO_CLIENT_ID")?);
    settings.tenant = std::env::var("HALO_TENANT").ok().filter(|t| !t.is_empty());
    let client = HaloClient::new(settings, ClientSecret::new(var("HALO_CLIENT_SECRET")?))?;
    let agent = client.test_connection().await?;
    println!(
        "Connected as {} (agent {})",
        agent.name.as_deref().unwrap_or("?"),
        agent.id
    );
    let catalog = client.status_catalog(&[]).await?;
    println!("Closed statuses: {:?}", catalog.closed_ids());
    let open = client
        .list_tickets(&TicketQuery {
            open_only: true,
            ..TicketQuery::default()
        })
        .await?;
    println!(
        "{} open tickets in {} page(s):",
        open.tickets.len(),
        open.pages
    );
    for ticket in open.tickets.iter().take(15) {
        println!(
            "  #{:<6} {:<12} {:<18} {}",
            ticket.id,
            ticket
                .priority_name()
                .map(str::to_owned)
                .or(ticket.priority_id.map(|p| format!("P{p}")))
                .unwrap_or_else(|| "-".to_owned()),
            ticket.client_name.as_deref().unwrap_or("-"),
            ticket.summary.as_deref().unwrap_or("")
        );
    }
    println!("{}", client.budget());
    Ok(())
}
