//! The alerts and settings windows: created when opened, destroyed when
//! closed, so a tray sitting idle holds no webview. When the last one goes,
//! WebKit's network process is ended too (see `webkit_reaper`).

use serde::Serialize;
use tauri::webview::PageLoadEvent;
use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};

use crate::start_option::WindowKind;
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

/// Opens the alerts window on one alert's detail. A window that is being
/// created learns the ticket from its address (`#ticket=ID`) and again from
/// `focus-alert` once the page has loaded; an open one from the event.
pub fn show_alert<R: Runtime>(app: &AppHandle<R>, ticket_id: i64) -> tauri::Result<()> {
    let focus = FocusAlert { ticket_id };
    if let Some(window) = app.get_webview_window(WindowKind::Alerts.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        window.emit("focus-alert", focus)?;
        return Ok(());
    }
    create(app, WindowKind::Alerts, Some(focus)).map(|_| ())
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
        .on_page_load(move |webview, payload| {
            if let (Some(f), PageLoadEvent::Finished) = (focus, payload.event()) {
                let _ = webview.emit("focus-alert", f);
            }
        })
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
