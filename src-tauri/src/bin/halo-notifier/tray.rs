//! The tray icon and its menu: the icon and tooltip follow the app's status,
//! the menu lists the newest waiting alerts and the everyday actions. The
//! icon lives on the main thread (`Tray`); other threads send it what to
//! show (`refresh`). Menu clicks arrive on the main thread, so each hands
//! its work to the runtime.

use alert_engine::AlertView;
use halo_notifier::async_runtime;
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};

use crate::pause_choice::PauseChoice;
use crate::shell::{MainEvent, Shell};
use crate::start_option::WindowKind;
use crate::state::AppStatus;
use crate::tray_look::TrayLook;
use crate::{status_feed, tray_look, window_hosts};

/// How many alerts the menu lists.
pub const MENU_ALERTS: usize = 5;
const ALERT_PREFIX: &str = "alert:";

#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    #[error("the tray icon could not be shown ({0}): is a tray (status notifier) host running?")]
    Icon(#[from] tray_icon::Error),
    #[error("the tray menu could not be built ({0})")]
    Menu(#[from] tray_icon::menu::Error),
    #[error("a tray icon image is unreadable ({0})")]
    Image(String),
}

/// The tray icon, owned by the main thread.
pub struct Tray {
    icon: TrayIcon,
    /// What it shows now, so a refresh sends only what changed: rebuilding
    /// an unchanged menu every poll costs the idle app CPU (GTK and a D-Bus
    /// round to the tray host) for nothing. `None` until the first status:
    /// the starting look ("starting" in the tooltip) is no status, so the
    /// first refresh sends everything.
    shown: Option<TrayContent>,
}

impl Tray {
    /// Creates the tray in its starting look and routes its clicks and menu
    /// to `shell`. Call on the main thread once its event loop runs.
    pub fn create(shell: &Shell) -> Result<Tray, TrayError> {
        let starting = tray_look::look(&tray_look::TrayFacts::default());
        let icon = TrayIconBuilder::new()
            .with_id("halo-notifier")
            .with_icon(icon(starting.icon)?)
            .with_tooltip("Halo Notifier — starting")
            .with_menu(Box::new(menu(&MenuModel::default())?))
            .with_menu_on_left_click(false)
            .build()?;
        let on_menu = shell.clone();
        MenuEvent::set_event_handler(Some(move |event: MenuEvent| {
            on_menu_item(&on_menu, event.id().as_ref());
        }));
        let on_click = shell.clone();
        TrayIconEvent::set_event_handler(Some(move |event: TrayIconEvent| {
            // Linux panels show the menu on any click; elsewhere a left
            // click opens the alerts window.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window_hosts::show(&on_click, WindowKind::Alerts, None);
            }
        }));
        Ok(Tray { icon, shown: None })
    }

    /// Shows `next`, sending the panel only the parts that changed.
    pub fn show(&mut self, next: TrayContent) -> Result<(), TrayError> {
        let changes = Changes::between(self.shown.as_ref(), &next);
        if changes.icon {
            self.icon.set_icon(Some(icon(next.look.icon)?))?;
        }
        if changes.tooltip {
            self.icon.set_tooltip(Some(&next.look.tooltip))?;
        }
        if changes.menu {
            self.icon.set_menu(Some(Box::new(menu(&next.menu)?)));
        }
        self.shown = Some(next);
        Ok(())
    }
}

/// Sends the tray the look and menu of `status` with `newest` alerts (from
/// any thread; the main thread shows it).
pub fn refresh(shell: &Shell, status: &AppStatus, newest: &[AlertView]) {
    let next = TrayContent {
        look: tray_look::look(&status.tray_facts()),
        menu: MenuModel::of(newest, Some(status)),
    };
    shell.to_main(MainEvent::Tray(Box::new(next)));
}

/// A PNG from `icons/` as the RGBA pixels the tray takes.
fn icon(png_bytes: &[u8]) -> Result<Icon, TrayError> {
    let (rgba, width, height) = rgba(png_bytes).map_err(TrayError::Image)?;
    Icon::from_rgba(rgba, width, height).map_err(|e| TrayError::Image(e.to_string()))
}

fn rgba(png_bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut pixels = vec![0; reader.output_buffer_size().ok_or("too large")?];
    let frame = reader.next_frame(&mut pixels).map_err(|e| e.to_string())?;
    pixels.truncate(frame.buffer_size());
    let rgba = match frame.color_type {
        png::ColorType::Rgba => pixels,
        png::ColorType::Rgb => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], u8::MAX])
            .collect(),
        png::ColorType::GrayscaleAlpha => pixels
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => pixels.iter().flat_map(|&g| [g, g, g, u8::MAX]).collect(),
        other => return Err(format!("{other:?} pixels")),
    };
    Ok((rgba, frame.width, frame.height))
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayContent {
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
    fn between(last: Option<&TrayContent>, next: &TrayContent) -> Self {
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

fn item(id: impl Into<String>, label: &str, enabled: bool) -> MenuItem {
    MenuItem::with_id(id.into(), label, enabled, None)
}

fn menu(model: &MenuModel) -> Result<Menu, TrayError> {
    let menu = Menu::new();
    menu.append(&item("open-alerts", "Open alerts", true))?;
    menu.append(&PredefinedMenuItem::separator())?;
    if model.alerts.is_empty() {
        menu.append(&item("none", "No alerts waiting", false))?;
    }
    for (ticket_id, label) in &model.alerts {
        menu.append(&item(format!("{ALERT_PREFIX}{ticket_id}"), label, true))?;
    }
    menu.append(&PredefinedMenuItem::separator())?;
    menu.append(&item("ack-all", "Acknowledge all", model.waiting))?;
    let pause = Submenu::with_id("pause", "Pause notifications", true);
    for (choice, label) in [
        (PauseChoice::HalfHour, "For 30 minutes"),
        (PauseChoice::Hour, "For 1 hour"),
        (PauseChoice::UntilTomorrowMorning, "Until tomorrow 8:00"),
    ] {
        pause.append(&item(choice.menu_id(), label, true))?;
    }
    pause.append(&item(PauseChoice::Resume.menu_id(), "Resume", model.paused))?;
    menu.append(&pause)?;
    menu.append(&item("test-alert", "Send test alert", true))?;
    menu.append(&PredefinedMenuItem::separator())?;
    menu.append(&item("settings", "Settings…", true))?;
    menu.append(&item("quit", "Quit", true))?;
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

fn on_menu_item(shell: &Shell, id: &str) {
    match id {
        "open-alerts" => window_hosts::show(shell, WindowKind::Alerts, None),
        "settings" => window_hosts::show(shell, WindowKind::Settings, None),
        "quit" => {
            let shell = shell.clone();
            async_runtime::spawn(async move {
                window_hosts::end(&shell);
                shell.state().stop().await;
                shell.exit(0);
            });
        }
        _ => {
            if let Some(ticket) = id.strip_prefix(ALERT_PREFIX).and_then(|t| t.parse().ok()) {
                window_hosts::show(shell, WindowKind::Alerts, Some(ticket));
                return;
            }
            let shell = shell.clone();
            let id = id.to_owned();
            async_runtime::spawn(async move {
                let state = shell.state();
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
                    Ok(()) => status_feed::refresh(&shell).await,
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

    fn shown(status: &AppStatus, newest: &[AlertView]) -> TrayContent {
        TrayContent {
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
    fn every_tray_icon_is_an_image_the_tray_takes() {
        let mut facts = tray_look::TrayFacts::default();
        let mut looks = vec![tray_look::look(&facts)];
        for open in 1..=11 {
            facts.open = open;
            looks.push(tray_look::look(&facts));
        }
        facts.paused_until = Some(chrono::Utc::now());
        looks.push(tray_look::look(&facts));
        facts.critical = 1;
        looks.push(tray_look::look(&facts));
        facts.problem = Some("Halo does not answer".into());
        looks.push(tray_look::look(&facts));
        for look in looks {
            let (pixels, width, height) = rgba(look.icon).expect("a PNG");
            assert!(width >= 16 && height >= 16, "{width}×{height}");
            assert_eq!(pixels.len(), (width * height * 4) as usize);
            assert!(icon(look.icon).is_ok());
        }
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
