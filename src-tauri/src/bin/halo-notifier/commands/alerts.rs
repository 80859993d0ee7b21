//! Alert commands: list, detail, acknowledge, snooze, take, close, open in
//! Halo, test alert, pause, status.

use std::time::Duration;

use crate::shell::Shell;
use alert_engine::AlertView;
use alert_store::{AlertFilter, AlertState};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::state::AppStatus;
use crate::status_feed;

#[derive(Debug, Serialize)]
pub struct AlertLists {
    pub open: Vec<AlertView>,
    /// Resolved or acknowledged in the last 24 hours, newest first.
    pub recent: Vec<AlertView>,
}

#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertDetail {
    pub alert: AlertView,
    /// Halo's ticket details as sanitised HTML, fetched fresh; `None` when
    /// Halo cannot be asked (the window shows `alert.ticket.details_text`).
    pub details_html: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Serialize)]
pub struct Paused {
    pub until: Option<DateTime<Utc>>,
}

const RECENT: chrono::TimeDelta = chrono::TimeDelta::hours(24);

pub async fn list_alerts(app: Shell) -> CommandResult<AlertLists> {
    let engine = app.state().engine()?;
    let now = engine.now();
    let mut all = engine.list(AlertFilter::All).await?;
    all.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
    let (open, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|a| matches!(a.state, AlertState::Triggered | AlertState::Snoozed));
    let recent = rest
        .into_iter()
        .filter(|a| now - a.updated_at <= RECENT)
        .collect();
    Ok(AlertLists { open, recent })
}

pub async fn alert_detail(app: Shell, ticket_id: i64) -> CommandResult<AlertDetail> {
    let engine = app.state().engine()?;
    let alert = engine.alert_for_ticket(ticket_id).await?.ok_or_else(|| {
        CommandError::new(
            ErrorKind::NotFound,
            format!("ticket {ticket_id} has no alert here: refresh the list"),
        )
    })?;
    let timeline = engine
        .timeline(ticket_id)
        .await?
        .into_iter()
        .map(|r| TimelineEntry {
            at: r.at,
            kind: r.kind.as_str().to_owned(),
            detail: r.detail,
        })
        .collect();
    // The details as Halo holds them (HTML end users wrote), fetched fresh
    // and sanitised; without Halo the window shows the stored text.
    let halo_id = i32::try_from(ticket_id).ok();
    let details_html = match engine.halo().zip(halo_id) {
        Some((halo, id)) => match halo.ticket(id).await {
            Ok(ticket) => ticket
                .details_html
                .or(ticket.details)
                .map(|html| app_core::ticket_html::sanitize_ticket_html(&html)),
            Err(e) => {
                tracing::debug!(error = %e, ticket_id, "ticket details not fetched");
                None
            }
        },
        None => None,
    };
    Ok(AlertDetail {
        alert,
        details_html,
        timeline,
    })
}

pub async fn acknowledge(app: Shell, ticket_id: i64) -> CommandResult<AlertView> {
    let view = app.state().acknowledge(ticket_id).await?;
    status_feed::refresh(&app).await;
    Ok(view)
}

pub async fn acknowledge_all(app: Shell) -> CommandResult<usize> {
    let count = app.state().acknowledge_all().await?;
    status_feed::refresh(&app).await;
    Ok(count)
}

pub async fn snooze(app: Shell, ticket_id: i64, minutes: u32) -> CommandResult<AlertView> {
    if minutes == 0 || minutes > 7 * 24 * 60 {
        return Err(CommandError::new(
            ErrorKind::Validation,
            "snooze for 1 minute to 7 days",
        ));
    }
    let view = app
        .state()
        .snooze(ticket_id, Duration::from_secs(u64::from(minutes) * 60))
        .await?;
    status_feed::refresh(&app).await;
    Ok(view)
}

pub async fn take(app: Shell, ticket_id: i64) -> CommandResult<()> {
    Ok(app.state().engine()?.take(ticket_id).await?)
}

pub async fn closed_statuses(app: Shell) -> CommandResult<Vec<alert_engine::ClosedStatus>> {
    Ok(app.state().engine()?.closed_statuses().await?)
}

/// Closes the ticket in Halo with the note, as the closed status the user
/// picked (one of `closed_statuses`; none: the one the engine learnt).
pub async fn close_ticket(
    app: Shell,
    ticket_id: i64,
    note: String,
    status_id: Option<i32>,
) -> CommandResult<()> {
    if note.trim().is_empty() {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("note".to_owned(), "write what was done".to_owned());
        return Err(CommandError {
            fields: Some(fields),
            ..CommandError::new(ErrorKind::Validation, "a closing note is needed")
        });
    }
    app.state()
        .engine()?
        .close(ticket_id, &note, status_id)
        .await?;
    status_feed::refresh(&app).await;
    Ok(())
}

pub async fn open_in_halo(app: Shell, ticket_id: i64) -> CommandResult<()> {
    app.state().open_in_halo(ticket_id).await
}

pub async fn send_test_alert(app: Shell) -> CommandResult<()> {
    app.state().send_test_alert().await?;
    status_feed::refresh(&app).await;
    Ok(())
}

pub async fn pause(app: Shell, minutes: Option<u32>) -> CommandResult<Paused> {
    let until = app.state().pause(minutes).await?;
    status_feed::refresh(&app).await;
    Ok(Paused { until })
}

pub async fn app_status(app: Shell) -> CommandResult<AppStatus> {
    app.state().status().await
}
