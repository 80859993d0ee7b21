//! Notification text: the title and body of an alert's popup from the
//! templates, withdrawals, flood summaries and the after-quiet-hours digest.

use alert_policy::{Summary, Urgency};
use alert_store::{AlertId, AlertRow, AlertState as StoredState, Store, TimelineKind};
use chrono::{DateTime, Utc};
use ticket_events::TicketSnapshot;

use super::rows::{policy_of, snapshot_of};
use super::{EngineError, TEST_TICKET_ID};
use crate::fields::TicketFields;
use crate::notify::{Notification, NotificationKind};
use crate::settings::EngineSettings;
use crate::view::ticket_link;

pub(super) fn notification(
    settings: &EngineSettings,
    alert: &AlertRow,
    ticket: &TicketSnapshot,
    firing: &alert_policy::Firing,
    now: DateTime<Utc>,
) -> Notification {
    let fields = TicketFields {
        ticket,
        now,
        since: alert.created_at,
    };
    Notification {
        kind: NotificationKind::Notification,
        alert_id: Some(alert.id.0),
        ticket_id: Some(alert.ticket_id),
        title: settings.templates.title(&fields),
        body: settings.templates.body(&fields),
        urgency: firing.urgency,
        sound: firing.sound,
        step: u32::try_from(firing.step).unwrap_or(u32::MAX),
        repeat: firing.repeat,
        at: now,
        link: link_for(settings, alert.ticket_id),
        ticket_ids: Vec::new(),
    }
}

/// The alert's first notification, for one held back by quiet hours.
pub(super) fn first_notification(
    settings: &EngineSettings,
    alert: &AlertRow,
    ticket: &TicketSnapshot,
    now: DateTime<Utc>,
) -> Notification {
    let policy = policy_of(alert, settings);
    let (urgency, sound) = policy
        .steps
        .first()
        .map_or((Urgency::Normal, false), |s| (s.urgency, s.sound));
    let firing = alert_policy::Firing {
        step: 0,
        repeat: 0,
        urgency,
        sound,
        loops: 0,
        due_at: now,
        missed: 0,
    };
    notification(settings, alert, ticket, &firing, now)
}

pub(super) fn link_for(settings: &EngineSettings, ticket_id: i64) -> Option<String> {
    (ticket_id != i64::from(TEST_TICKET_ID) && !settings.instance.is_empty())
        .then(|| ticket_link(&settings.instance, ticket_id))
}

pub(super) fn notified_detail(n: &Notification, missed: u32) -> String {
    let mut detail = format!(
        "{} (step {}, repeat {}): {}",
        n.urgency,
        n.step + 1,
        n.repeat,
        n.title
    );
    if missed > 0 {
        detail.push_str(&format!(
            "; {missed} earlier reminders were missed while the app was not running"
        ));
    }
    detail
}

/// A message that takes an alert's popup away.
pub(super) fn withdrawal(
    alert: &AlertRow,
    kind: NotificationKind,
    why: &str,
    now: DateTime<Utc>,
) -> Notification {
    Notification {
        alert_id: Some(alert.id.0),
        ..Notification::about_ticket(
            kind,
            alert.ticket_id,
            alert.summary.clone(),
            why.to_owned(),
            Urgency::Low,
            now,
        )
    }
}

pub(super) fn summary_notification(
    tx: &Store,
    settings: &EngineSettings,
    summary: &Summary<i64>,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, EngineError> {
    // Alerts acknowledged, snoozed or resolved while held are left out, and
    // the title counts only those still waiting for someone.
    let mut live = Vec::new();
    for id in &summary.alert_ids {
        if let Some(alert) = tx.alert(AlertId(*id))?
            && alert.state == StoredState::Triggered
        {
            live.push(alert);
        }
    }
    if let [alert] = live.as_slice() {
        // A "summary" of one ticket says less than the ticket's own popup.
        tx.append_timeline(alert.id, now, &TimelineKind::Notified, "held, then alone")?;
        return Ok(Some(first_notification(
            settings,
            alert,
            &snapshot_of(alert),
            now,
        )));
    }
    if live.is_empty() {
        return Ok(None);
    }
    for alert in &live {
        tx.append_timeline(
            alert.id,
            now,
            &TimelineKind::Summarised,
            &format!("in the summary for {}", summary.group_key),
        )?;
    }
    let counted = Summary {
        alert_ids: live.iter().map(|a| a.id.0).collect(),
        group_key: summary.group_key.clone(),
        window_start: summary.window_start,
        flush_at: summary.flush_at,
    };
    let title = settings.templates.summary_title(&counted);
    Ok(Some(several(settings, live.iter(), title, now)))
}

/// The alerts still waiting after quiet hours or a pause, as one message.
pub(super) fn digest_notification(
    settings: &EngineSettings,
    alerts: &[(AlertRow, TicketSnapshot)],
    now: DateTime<Utc>,
) -> Notification {
    let title = format!("{} alerts waiting since you were away", alerts.len());
    several(settings, alerts.iter().map(|(a, _)| a), title, now)
}

/// One message for several alerts (a flood summary or the digest): a line
/// per ticket, as urgent and loud as the most urgent first step among them.
fn several<'a>(
    settings: &EngineSettings,
    alerts: impl Iterator<Item = &'a AlertRow>,
    title: String,
    now: DateTime<Utc>,
) -> Notification {
    let mut urgency = Urgency::Low;
    let mut sound = false;
    let mut lines = Vec::new();
    let mut ticket_ids = Vec::new();
    for alert in alerts {
        if let Some(step) = policy_of(alert, settings).steps.first() {
            urgency = urgency.max(step.urgency);
            sound |= step.sound;
        }
        lines.push(format!("#{} {}", alert.ticket_id, alert.summary));
        ticket_ids.push(alert.ticket_id);
    }
    Notification {
        kind: NotificationKind::Summary,
        alert_id: None,
        ticket_id: None,
        title,
        body: alert_policy::template::truncate(&lines.join("\n"), 400),
        urgency,
        sound,
        step: 0,
        repeat: 0,
        at: now,
        link: None,
        ticket_ids,
    }
}
