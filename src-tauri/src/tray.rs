//! The tray icon and its menu: the icon and tooltip follow the app's status,
//! the menu lists the newest waiting alerts and the everyday actions. Menu
//! clicks run on the main thread, so each hands its work to the runtime.

use std::sync::Mutex;

use alert_engine::AlertView;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

use crate::pause_choice::PauseChoice;
use crate::start_option::WindowKind;
use crate::state::{AppState, AppStatus};
use crate::tray_look::TrayLook;
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
        .menu(&menu(app, &MenuModel::default())?)
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

/// Gives the tray the look and menu of `status` with `newest` alerts. Each
/// poll ends in a refresh, so only what changed is sent to the panel:
/// rebuilding an unchanged menu every poll costs the idle app CPU (GTK
/// and a D-Bus round to the tray host) for nothing.
pub fn refresh(app: &AppHandle, status: &AppStatus, newest: &[AlertView]) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let next = Shown {
        look: tray_look::look(&status.tray_facts()),
        menu: MenuModel::of(newest, Some(status)),
    };
    let shown = app.state::<ShownTray>();
    let mut last = shown.0.lock().unwrap_or_else(|p| p.into_inner());
    let changes = Changes::between(last.as_ref(), &next);
    if changes.icon {
        tray.set_icon(Some(Image::from_bytes(next.look.icon)?))?;
    }
    if changes.tooltip {
        tray.set_tooltip(Some(&next.look.tooltip))?;
    }
    if changes.menu {
        tray.set_menu(Some(menu(app, &next.menu)?))?;
    }
    *last = Some(next);
    Ok(())
}

/// What the tray last showed (managed state), so `refresh` sends only changes.
#[derive(Default)]
pub struct ShownTray(Mutex<Option<Shown>>);

#[derive(Debug, Clone, PartialEq)]
struct Shown {
    look: TrayLook,
    menu: MenuModel,
}

/// Everything the menu's items depend on.
#[derive(Debug, Clone, PartialEq, Default)]
struct MenuModel {
    /// (ticket id, label) of the newest waiting alerts.
    alerts: Vec<(i64, String)>,
    waiting: bool,
    paused: bool,
}

impl MenuModel {
    fn of(newest: &[AlertView], status: Option<&AppStatus>) -> Self {
        MenuModel {
            alerts: newest
                .iter()
                .take(MENU_ALERTS)
                .map(|a| (a.ticket_id, alert_label(a)))
                .collect(),
            waiting: status.is_some_and(|s| s.open > 0),
            paused: status.is_some_and(|s| s.paused_until.is_some()),
        }
    }
}

/// Which parts of the tray a refresh has to send.
#[derive(Debug, PartialEq, Eq)]
struct Changes {
    icon: bool,
    tooltip: bool,
    menu: bool,
}

impl Changes {
    fn between(last: Option<&Shown>, next: &Shown) -> Self {
        match last {
            None => Changes {
                icon: true,
                tooltip: true,
                menu: true,
            },
            Some(last) => Changes {
                icon: last.look.icon != next.look.icon,
                tooltip: last.look.tooltip != next.look.tooltip,
                menu: last.menu != next.menu,
            },
        }
    }
}

fn menu(app: &AppHandle, model: &MenuModel) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        "open-alerts",
        "Open alerts",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if model.alerts.is_empty() {
        menu.append(&MenuItem::with_id(
            app,
            "none",
            "No alerts waiting",
            false,
            None::<&str>,
        )?)?;
    }
    for (ticket_id, label) in &model.alerts {
        menu.append(&MenuItem::with_id(
            app,
            format!("{ALERT_PREFIX}{ticket_id}"),
            label,
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "ack-all",
        "Acknowledge all",
        model.waiting,
        None::<&str>,
    )?)?;
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
        model.paused,
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

    fn status(open: usize, polled_at: &str) -> AppStatus {
        AppStatus {
            mode: "live",
            intake: alert_engine::IntakeStatus {
                ok: true,
                last_poll_at: Some(polled_at.parse().expect("a time")),
                problem: None,
                budget: "3 requests in the last 5 min".into(),
            },
            paused_until: None,
            open,
            critical: 0,
            tray: "idle",
        }
    }

    fn shown(status: &AppStatus, newest: &[AlertView]) -> Shown {
        Shown {
            look: tray_look::look(&status.tray_facts()),
            menu: MenuModel::of(newest, Some(status)),
        }
    }

    #[test]
    fn a_quiet_poll_sends_nothing_to_the_panel() {
        let before = shown(&status(1, "2026-03-10T10:00:00Z"), &[alert("Mail down")]);
        let after = shown(&status(1, "2026-03-10T10:00:10Z"), &[alert("Mail down")]);
        assert_eq!(
            Changes::between(Some(&before), &after),
            Changes {
                icon: false,
                tooltip: false,
                menu: false
            }
        );
    }

    #[test]
    fn a_new_alert_changes_icon_tooltip_and_menu_and_the_first_refresh_sends_all() {
        let idle = shown(&status(0, "2026-03-10T10:00:00Z"), &[]);
        let one = shown(&status(1, "2026-03-10T10:00:10Z"), &[alert("Mail down")]);
        let all = Changes {
            icon: true,
            tooltip: true,
            menu: true,
        };
        assert_eq!(Changes::between(Some(&idle), &one), all);
        assert_eq!(Changes::between(None, &idle), all);
    }

    #[test]
    fn a_changed_summary_rebuilds_only_the_menu() {
        let before = shown(&status(1, "2026-03-10T10:00:00Z"), &[alert("Mail down")]);
        let after = shown(
            &status(1, "2026-03-10T10:00:10Z"),
            &[alert("Mail down again")],
        );
        let changes = Changes::between(Some(&before), &after);
        assert!(
            changes.menu && !changes.icon && !changes.tooltip,
            "{changes:?}"
        );
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
