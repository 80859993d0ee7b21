//! The tray icon and its menu: the icon and tooltip follow the app's status,
//! the menu lists the newest waiting alerts and the everyday actions. Menu
//! clicks run on the main thread, so each hands its work to the runtime.

use alert_engine::AlertView;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

use crate::pause_choice::PauseChoice;
use crate::start_option::WindowKind;
use crate::state::{AppState, AppStatus};
use crate::{status_feed, tray_look, window_hosts};

const TRAY_ID: &str = "halo-notifier";
/// How many alerts the menu lists.
pub const MENU_ALERTS: usize = 5;
const ALERT_PREFIX: &str = "alert:";

/// Creates the tray in its idle look; `refresh` gives it the real one.
pub fn create(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let look = tray_look::look(&tray_look::TrayFacts::default());
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(look.icon)?)
        .tooltip("Halo Notifier — starting")
        .menu(&menu(app, &[], None)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            // Linux panels show the menu on any click; elsewhere a left
            // click opens the alerts window.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window_hosts::show(tray.app_handle(), WindowKind::Alerts, None);
            }
        })
        .build(app)
}

/// Gives the tray the look and menu of `status` with `newest` alerts.
pub fn refresh(app: &AppHandle, status: &AppStatus, newest: &[AlertView]) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let look = tray_look::look(&status.tray_facts());
    tray.set_icon(Some(Image::from_bytes(look.icon)?))?;
    tray.set_tooltip(Some(&look.tooltip))?;
    tray.set_menu(Some(menu(app, newest, Some(status))?))?;
    Ok(())
}

fn menu(
    app: &AppHandle,
    newest: &[AlertView],
    status: Option<&AppStatus>,
) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        "open-alerts",
        "Open alerts",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if newest.is_empty() {
        menu.append(&MenuItem::with_id(
            app,
            "none",
            "No alerts waiting",
            false,
            None::<&str>,
        )?)?;
    }
    for alert in newest.iter().take(MENU_ALERTS) {
        menu.append(&MenuItem::with_id(
            app,
            format!("{ALERT_PREFIX}{}", alert.ticket_id),
            alert_label(alert),
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let waiting = status.is_some_and(|s| s.open > 0);
    menu.append(&MenuItem::with_id(
        app,
        "ack-all",
        "Acknowledge all",
        waiting,
        None::<&str>,
    )?)?;
    let paused = status.is_some_and(|s| s.paused_until.is_some());
    let pause = Submenu::with_id(app, "pause", "Pause notifications", true)?;
    for (choice, label) in [
        (PauseChoice::HalfHour, "For 30 minutes"),
        (PauseChoice::Hour, "For 1 hour"),
        (PauseChoice::UntilTomorrowMorning, "Until tomorrow 8:00"),
    ] {
        pause.append(&MenuItem::with_id(
            app,
            choice.menu_id(),
            label,
            true,
            None::<&str>,
        )?)?;
    }
    pause.append(&MenuItem::with_id(
        app,
        PauseChoice::Resume.menu_id(),
        "Resume",
        paused,
        None::<&str>,
    )?)?;
    menu.append(&pause)?;
    menu.append(&MenuItem::with_id(
        app,
        "test-alert",
        "Send test alert",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "settings",
        "Settings…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

/// "P1 · #1234 Mail server down" cut to a menu's width.
pub fn alert_label(alert: &AlertView) -> String {
    const MAX: usize = 48;
    let priority = alert
        .ticket
        .priority_name
        .clone()
        .or_else(|| alert.priority_id.map(|p| format!("P{p}")));
    let mut label = match priority {
        Some(p) => format!("{p} · #{} {}", alert.ticket_id, alert.summary),
        None => format!("#{} {}", alert.ticket_id, alert.summary),
    };
    label = label.chars().filter(|c| !c.is_control()).collect();
    if label.chars().count() > MAX {
        label = label.chars().take(MAX - 1).collect::<String>() + "…";
    }
    label
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "open-alerts" => window_hosts::show(app, WindowKind::Alerts, None),
        "settings" => window_hosts::show(app, WindowKind::Settings, None),
        "quit" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                window_hosts::end(&app);
                app.state::<AppState>().stop().await;
                app.exit(0);
            });
        }
        _ => {
            if let Some(ticket) = id.strip_prefix(ALERT_PREFIX).and_then(|t| t.parse().ok()) {
                window_hosts::show(app, WindowKind::Alerts, Some(ticket));
                return;
            }
            let app = app.clone();
            let id = id.to_owned();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let done = match id.as_str() {
                    "ack-all" => state.acknowledge_all().await.map(|_| ()),
                    "test-alert" => state.send_test_alert().await,
                    other => match PauseChoice::from_menu_id(other) {
                        Some(choice) => state
                            .pause(choice.minutes(chrono::Local::now()))
                            .await
                            .map(|_| ()),
                        None => Ok(()),
                    },
                };
                match done {
                    Ok(()) => status_feed::refresh(&app).await,
                    Err(e) => tracing::warn!(item = id, error = %e, "a tray menu action failed"),
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(summary: &str) -> AlertView {
        serde_json::from_value(serde_json::json!({
            "alert_id": 1, "ticket_id": 1234, "state": "triggered", "summary": summary,
            "priority_id": 1, "team_name": null, "trigger_reason": "new ticket",
            "created_at": "2026-03-10T10:00:00Z", "updated_at": "2026-03-10T10:00:00Z",
            "acknowledged_by": null, "snoozed_until": null, "resolved_at": null,
            "resolve_reason": null, "next_notification_at": null,
            "link": "https://acme.halopsa.com/ticket?id=1234",
            "ticket": { "ticket_id": 1234 }
        }))
        .expect("an alert view")
    }

    #[test]
    fn a_menu_line_names_priority_ticket_and_summary() {
        assert_eq!(alert_label(&alert("Mail down")), "P1 · #1234 Mail down");
    }

    #[test]
    fn a_long_or_hostile_summary_is_cut_and_loses_control_characters() {
        let label = alert_label(&alert(&format!("Printer\n\u{7}{}", "x".repeat(100))));
        assert!(label.chars().count() <= 48, "{label}");
        assert!(label.ends_with('…'));
        assert!(!label.chars().any(char::is_control));
    }
}
