//! Alert commands: list, detail, acknowledge, snooze, take, close, open in
//! Halo, test alert, pause, status.

use std::time::Duration;

use alert_engine::AlertView;
use alert_store::{AlertFilter, AlertId, AlertState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tauri::{AppHandle, State, WebviewWindow};

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::state::{AppState, AppStatus};
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
    /// Halo's ticket details as sanitised HTML; `None` while the engine
    /// keeps only their text (`alert.ticket.details_text`).
    pub details_html: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Serialize)]
pub struct ClosedStatus {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Paused {
    pub until: Option<DateTime<Utc>>,
}

const RECENT: chrono::TimeDelta = chrono::TimeDelta::hours(24);

#[tauri::command]
pub async fn list_alerts(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> CommandResult<AlertLists> {
    let lists = state
        .with_engine(|c| {
            let now = c.engine.now();
            let mut all = c.engine.list(AlertFilter::All)?;
            all.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
            let (open, rest): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|a| matches!(a.state, AlertState::Triggered | AlertState::Snoozed));
            let recent = rest
                .into_iter()
                .filter(|a| now - a.updated_at <= RECENT)
                .collect();
            Ok(AlertLists { open, recent })
        })
        .await?;
    crate::windows::take_pending_focus(&app, &window);
    Ok(lists)
}

#[tauri::command]
pub async fn alert_detail(
    state: State<'_, AppState>,
    ticket_id: i64,
) -> CommandResult<AlertDetail> {
    state
        .with_engine(move |c| {
            let alert = c
                .engine
                .list(AlertFilter::All)?
                .into_iter()
                .filter(|a| a.ticket_id == ticket_id)
                .max_by_key(|a| a.updated_at)
                .ok_or_else(|| {
                    CommandError::new(
                        ErrorKind::NotFound,
                        format!("ticket {ticket_id} has no alert here: refresh the list"),
                    )
                })?;
            let rows = c
                .engine
                .with_engine(|e| e.store().timeline(AlertId(alert.alert_id)));
            let timeline = rows
                .map_err(alert_engine::EngineError::from)?
                .into_iter()
                .map(|r| TimelineEntry {
                    at: r.at,
                    kind: r.kind.as_str().to_owned(),
                    detail: r.detail,
                })
                .collect();
            Ok(AlertDetail {
                alert,
                details_html: None,
                timeline,
            })
        })
        .await
}

#[tauri::command]
pub async fn acknowledge(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket_id: i64,
) -> CommandResult<AlertView> {
    let view = state.acknowledge(ticket_id).await?;
    status_feed::refresh(&app).await;
    Ok(view)
}

#[tauri::command]
pub async fn acknowledge_all(app: AppHandle, state: State<'_, AppState>) -> CommandResult<usize> {
    let count = state.acknowledge_all().await?;
    status_feed::refresh(&app).await;
    Ok(count)
}

#[tauri::command]
pub async fn snooze(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket_id: i64,
    minutes: u32,
) -> CommandResult<AlertView> {
    if minutes == 0 || minutes > 7 * 24 * 60 {
        return Err(CommandError::new(
            ErrorKind::Validation,
            "snooze for 1 minute to 7 days",
        ));
    }
    let view = state
        .snooze(ticket_id, Duration::from_secs(u64::from(minutes) * 60))
        .await?;
    status_feed::refresh(&app).await;
    Ok(view)
}

#[tauri::command]
pub async fn take(state: State<'_, AppState>, ticket_id: i64) -> CommandResult<()> {
    state
        .with_engine(move |c| Ok(c.engine.take(ticket_id)?))
        .await
}

#[tauri::command]
pub async fn closed_statuses(state: State<'_, AppState>) -> CommandResult<Vec<ClosedStatus>> {
    let engine = state.engine()?;
    let Some(halo) = engine.halo().cloned() else {
        return Ok(Vec::new());
    };
    let catalog = halo
        .status_catalog(&[])
        .await
        .map_err(|e| CommandError::new(ErrorKind::Halo, e.to_string()))?;
    Ok(catalog
        .closed_ids()
        .iter()
        .map(|id| ClosedStatus {
            id: *id,
            name: catalog.name(*id).unwrap_or("Closed").to_owned(),
        })
        .collect())
}

/// Closes the ticket in Halo with the note. The engine closes with the
/// closing status it learnt from Halo; `status_id` must be one of Halo's
/// closed statuses (`closed_statuses`).
#[tauri::command]
pub async fn close_ticket(
    app: AppHandle,
    state: State<'_, AppState>,
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
    let _ = status_id;
    state
        .with_engine(move |c| Ok(c.engine.close(ticket_id, &note)?))
        .await?;
    status_feed::refresh(&app).await;
    Ok(())
}

#[tauri::command]
pub async fn open_in_halo(
    app: AppHandle,
    state: State<'_, AppState>,
    ticket_id: i64,
) -> CommandResult<()> {
    state.open_in_halo(&app, ticket_id).await
}

#[tauri::command]
pub async fn send_test_alert(app: AppHandle, state: State<'_, AppState>) -> CommandResult<()> {
    state.send_test_alert().await?;
    status_feed::refresh(&app).await;
    Ok(())
}

#[tauri::command]
pub async fn pause(
    app: AppHandle,
    state: State<'_, AppState>,
    minutes: Option<u32>,
) -> CommandResult<Paused> {
    let until = state.pause(minutes).await?;
    status_feed::refresh(&app).await;
    Ok(Paused { until })
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CommandResult<AppStatus> {
    state.status().await
}
