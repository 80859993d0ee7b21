//! A ticket's actions: reading them, and the writes a notifier makes
//! through them (a private note, closing) with the outcome Halo expects.

use super::list_items;
use crate::client::HaloClient;
use crate::error::{HaloError, Operation};
use crate::models::{Action, NewAction, Outcome};
use crate::statuses::StatusCatalog;
use crate::transport::{Call, Idempotent};

impl HaloClient {
    pub async fn actions(&self, ticket_id: i32) -> Result<Vec<Action>, HaloError> {
        let query = [("ticket_id", ticket_id.to_string())];
        let reply = self
            .transport
            .send(Call::get(Operation::ReadActions, "/Actions", &query))
            .await?;
        let rows = list_items(Operation::ReadActions, reply.body, "actions")?;
        Ok(rows
            .into_iter()
            .filter_map(|row| serde_json::from_value(row).ok())
            .collect())
    }

    /// Adds a private note (hidden from the end user, no email).
    pub async fn add_private_note(
        &self,
        ticket_id: i32,
        note: &str,
    ) -> Result<Option<Action>, HaloError> {
        let outcome = self
            .pick_outcome(&[
                &|o: &Outcome| name_has(o, &["private note"]),
                &|o: &Outcome| name_has(o, &["note"]),
            ])
            .await;
        self.post_action(private_action(ticket_id, outcome, note))
            .await
    }

    /// Closes a ticket the way an agent would: an action carrying the note
    /// and the closed status, with the matching outcome when Halo has one.
    pub async fn close_ticket(
        &self,
        ticket_id: i32,
        note: &str,
        catalog: &StatusCatalog,
    ) -> Result<Option<Action>, HaloError> {
        let closed = catalog
            .closing_status()
            .ok_or_else(|| HaloError::UnexpectedResponse {
                operation: Operation::ReadStatuses,
                detail: "no status named Closed; set the closed status id in the settings"
                    .to_owned(),
            })?;
        let outcome = self
            .pick_outcome(&[
                &|o: &Outcome| o.newstatus == Some(closed),
                &|o: &Outcome| name_has(o, &["close", "resolve"]),
            ])
            .await;
        let action = NewAction {
            new_status: Some(closed),
            ..private_action(ticket_id, outcome, note)
        };
        self.post_action(action).await
    }

    /// Never retried blindly: a second post would leave a second note.
    async fn post_action(&self, action: NewAction) -> Result<Option<Action>, HaloError> {
        let ticket_id = action.ticket_id;
        self.post_one(
            Operation::AddAction,
            "/Actions",
            action,
            ticket_id,
            Idempotent::No,
        )
        .await
    }

    /// Reads the outcomes once and takes the first that matches the most
    /// preferred test; none when Halo has no match or can't be read.
    async fn pick_outcome(
        &self,
        preferences: &[&(dyn Fn(&Outcome) -> bool + Sync)],
    ) -> Option<Outcome> {
        let outcomes = match self.outcomes().await {
            Ok(outcomes) => outcomes,
            Err(error) => {
                tracing::debug!(%error, "outcomes unavailable; acting without one");
                return None;
            }
        };
        preferences
            .iter()
            .find_map(|matches| outcomes.iter().find(|o| matches(o)).cloned())
    }
}

/// An action with a note hidden from the end user and no email.
fn private_action(ticket_id: i32, outcome: Option<Outcome>, note: &str) -> NewAction {
    NewAction {
        ticket_id,
        outcome_id: outcome.as_ref().map(|o| o.id),
        outcome: outcome.and_then(|o| o.outcome),
        note: Some(note.to_owned()),
        hiddenfromuser: true,
        sendemail: false,
        ..NewAction::default()
    }
}

fn name_has(outcome: &Outcome, words: &[&str]) -> bool {
    let names = [outcome.outcome.as_deref(), outcome.buttonname.as_deref()];
    names.into_iter().flatten().any(|name| {
        let name = name.to_ascii_lowercase();
        words.iter().any(|word| name.contains(word))
    })
}
