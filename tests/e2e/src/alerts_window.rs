//! What the end-to-end tests do again and again in the alerts window: wait
//! for an alert's row or for its notification, open its detail.

use std::time::Duration;

use halo_sim::SimConfig;
use serde_json::json;

use crate::desktop;
use crate::scenario::Scenario;
use crate::ui::testid;
use crate::wait::eventually;

/// A notification reaches dunst within one poll (10 s) and a little.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(40);

pub fn quiet_sim() -> SimConfig {
    SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    }
}

/// A text no other test uses, so shared dunst history cannot mislead.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix} {nanos}")
}

pub async fn notifications_for(text: &str, at_least: usize) -> anyhow::Result<usize> {
    eventually(
        &format!("{at_least} notification(s) mentioning {text:?} in dunst"),
        NOTIFY_TIMEOUT,
        || async {
            let n = desktop::notifications_mentioning(text)?.len();
            Ok((n >= at_least).then_some(n))
        },
    )
    .await
}

/// The alert row of a ticket in the alerts window, once it shows `summary`.
/// (Read with `innerText`: WebKitWebDriver's element text leaves out the
/// row's clamped summary line.)
pub async fn alert_row(
    s: &Scenario,
    ticket_id: i32,
    summary: &str,
) -> anyhow::Result<fantoccini::elements::Element> {
    let css = format!("{}[data-ticket-id=\"{ticket_id}\"]", testid("alert-row"));
    let script = format!(
        "const row = document.querySelector('{}'); return row ? row.innerText : null",
        css.replace('\'', "\\'")
    );
    let found = eventually(
        &format!("alert #{ticket_id} {summary:?} in the window"),
        NOTIFY_TIMEOUT,
        || async {
            let text = s.window.script(&script).await?;
            Ok(text
                .as_str()
                .is_some_and(|t| t.contains(summary))
                .then_some(()))
        },
    )
    .await;
    if let Err(e) = found {
        // Say what the window showed instead.
        let title = s.window.client.title().await.unwrap_or_default();
        let body = s
            .window
            .script("return document.body.innerText")
            .await
            .unwrap_or_default();
        anyhow::bail!("{e:#}; the window {title:?} shows: {body}");
    }
    Ok(s.window.client.find(fantoccini::Locator::Css(&css)).await?)
}

/// Opens an alert's detail with its row's main button (clicked again if a
/// live reload replaced the row in between).
pub async fn open_detail(s: &Scenario, ticket_id: i32) -> anyhow::Result<()> {
    let button = format!(
        "{}[data-ticket-id=\"{ticket_id}\"] {}",
        testid("alert-row"),
        testid("alert-open")
    );
    let shown = format!(
        "const d = document.querySelector('{}'); return !!d && !d.hidden",
        testid("alert-detail").replace('\'', "\\'")
    );
    eventually("the alert's detail", NOTIFY_TIMEOUT, || async {
        if let Ok(el) = s
            .window
            .client
            .find(fantoccini::Locator::Css(&button))
            .await
        {
            let _ = el.click().await;
        }
        Ok((s.window.script(&shown).await? == json!(true)).then_some(()))
    })
    .await
}
