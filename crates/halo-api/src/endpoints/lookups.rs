//! The instance's reference lists (statuses, teams, priorities, outcomes),
//! the agent the application logs in as, and the connection test.

use serde::de::DeserializeOwned;

use super::{list_items, parse_one};
use crate::client::HaloClient;
use crate::error::{HaloError, Operation};
use crate::models::{Agent, Outcome, Priority, Status, Team};
use crate::query::TicketQuery;
use crate::statuses::StatusCatalog;
use crate::transport::Call;

impl HaloClient {
    pub async fn statuses(&self) -> Result<Vec<Status>, HaloError> {
        self.lookup(Operation::ReadStatuses, "/Status", "statuses")
            .await
    }

    /// The instance's statuses with the closed ones found by name, unless
    /// the user listed them.
    pub async fn status_catalog(
        &self,
        closed_overrides: &[i32],
    ) -> Result<StatusCatalog, HaloError> {
        Ok(StatusCatalog::new(self.statuses().await?, closed_overrides))
    }

    pub async fn teams(&self) -> Result<Vec<Team>, HaloError> {
        self.lookup(Operation::ReadTeams, "/Team", "teams").await
    }

    pub async fn priorities(&self) -> Result<Vec<Priority>, HaloError> {
        self.lookup(Operation::ReadPriorities, "/Priority", "priorities")
            .await
    }

    pub async fn outcomes(&self) -> Result<Vec<Outcome>, HaloError> {
        self.lookup(Operation::ReadOutcomes, "/Outcome", "outcomes")
            .await
    }

    /// The agent the API application logs in as.
    pub async fn me(&self) -> Result<Agent, HaloError> {
        let reply = self
            .transport
            .send(Call::get(Operation::ReadAgent, "/Agent/me", &[]))
            .await?;
        parse_one(Operation::ReadAgent, reply.body)
    }

    /// Checks the URL, credentials and the permissions a notifier needs,
    /// returning the agent the application logs in as.
    pub async fn test_connection(&self) -> Result<Agent, HaloError> {
        let agent = self.me().await?;
        self.statuses().await?;
        let probe = TicketQuery {
            page_size: 1,
            max_pages: Some(1),
            ..TicketQuery::default()
        };
        match self.list_tickets(&probe).await {
            Ok(_) | Err(HaloError::UnexpectedResponse { .. }) => Ok(agent),
            Err(error) => Err(error),
        }
    }

    /// A list endpoint's records; unreadable ones are skipped and logged.
    pub(super) async fn lookup<T: DeserializeOwned>(
        &self,
        operation: Operation,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, HaloError> {
        let reply = self.transport.send(Call::get(operation, path, &[])).await?;
        let rows = list_items(operation, reply.body, key)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_value(row) {
                Ok(item) => items.push(item),
                Err(error) => tracing::warn!(%error, "skipped an unreadable {key} record"),
            }
        }
        Ok(items)
    }
}
