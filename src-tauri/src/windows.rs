//! The alerts and settings windows: created when opened, destroyed when
//! closed, so a tray sitting idle holds no webview. When the last one goes,
//! WebKit's network process is ended too (see `webkit_reaper`).

use serde::Serialize;
use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};

use crate::start_option::WindowKind;
use crate::state::AppState;
use crate::webkit_reaper;

/// Payload of `focus-alert`: the alerts window shows this alert's detail.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FocusAlert {
    pub ticket_id: i64,
}

/// Shows the window, creating it if it is not open, and brings it forward.
pub fn show<R: Runtime>(app: &AppHandle<R>, kind: WindowKind) -> tauri::Result<WebviewWindow<R>> {
    if let Some(window) = app.get_webview_window(kind.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        return Ok(window);
    }
    create(app, kind, None)
}

/// Opens the alerts window on one alert's detail: an open window hears
/// `focus-alert` now; a new one gets it once its page has subscribed and
/// asks for the list (see `take_pending_focus`), and has `#ticket=ID` in its
/// address as well.
pub fn show_alert<R: Runtime>(app: &AppHandle<R>, ticket_id: i64) -> tauri::Result<()> {
    let focus = FocusAlert { ticket_id };
    if let Some(window) = app.get_webview_window(WindowKind::Alerts.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        window.emit("focus-alert", focus)?;
        return Ok(());
    }
    app.state::<AppState>().set_pending_focus(ticket_id);
    create(app, WindowKind::Alerts, Some(focus)).map(|_| ())
}

/// Sends the alert a new alerts window was opened for, once: called when
/// the window first asks for the list, by then its listeners are set up.
pub fn take_pending_focus<R: Runtime>(app: &AppHandle<R>, window: &WebviewWindow<R>) {
    if window.label() != WindowKind::Alerts.label() {
        return;
    }
    if let Some(ticket_id) = app.state::<AppState>().take_pending_focus()
        && let Err(e) = window.emit("focus-alert", FocusAlert { ticket_id })
    {
        tracing::debug!(error = %e, "could not show the alert in the new window");
    }
}

fn create<R: Runtime>(
    app: &AppHandle<R>,
    kind: WindowKind,
    focus: Option<FocusAlert>,
) -> tauri::Result<WebviewWindow<R>> {
    let mut page = format!("{}.html", kind.label());
    if let Some(f) = focus {
        page.push_str(&format!("#ticket={}", f.ticket_id));
    }
    let (width, height) = match kind {
        WindowKind::Alerts => (900.0, 640.0),
        WindowKind::Settings => (760.0, 720.0),
    };
    WebviewWindowBuilder::new(app, kind.label(), WebviewUrl::App(page.into()))
        .title(kind.title())
        .inner_size(width, height)
        .min_inner_size(420.0, 360.0)
        .focused(true)
        .build()
}

/// Called when a window is destroyed: with none left, end WebKit's network
/// process so the idle tray carries no WebKit at all.
pub fn after_destroyed<R: Runtime>(app: &AppHandle<R>, gone: &str) {
    let others = app
        .webview_windows()
        .keys()
        .filter(|label| label.as_str() != gone)
        .count();
    if others == 0 {
        webkit_reaper::end_network_process();
    }
}
