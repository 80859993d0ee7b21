//! The alerts and settings windows, in the window host process: created
//! when the tray asks for one, brought forward when already open. The host
//! exits with its last window, so a tray sitting idle holds no webview.

use std::sync::Mutex;

use serde::Serialize;
use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};

use halo_notifier::ipc_wire::ShowWindow;
use halo_notifier::start_option::WindowKind;

/// Payload of `focus-alert`: the alerts window shows this alert's detail.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FocusAlert {
    pub ticket_id: i64,
}

/// The alert a new alerts window was opened for, until its page asks for
/// the list (then its listeners are set up).
#[derive(Default)]
pub struct PendingFocus(Mutex<Option<i64>>);

impl PendingFocus {
    fn set(&self, ticket_id: i64) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(ticket_id);
    }

    fn take(&self) -> Option<i64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Shows the window, creating it if it is not open, and brings it forward;
/// with a ticket, the alerts window shows that alert: an open window hears
/// `focus-alert` now, a new one once it asks for the list (see
/// `take_pending_focus`) and by `#ticket=ID` in its address.
pub fn show<R: Runtime>(app: &AppHandle<R>, request: ShowWindow) -> tauri::Result<()> {
    let focus = match request.window {
        WindowKind::Alerts => request.ticket_id.map(|ticket_id| FocusAlert { ticket_id }),
        WindowKind::Settings => None,
    };
    if let Some(window) = app.get_webview_window(request.window.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        if let Some(focus) = focus {
            window.emit("focus-alert", focus)?;
        }
        return Ok(());
    }
    if let Some(focus) = focus {
        app.state::<PendingFocus>().set(focus.ticket_id);
    }
    create(app, request.window, focus).map(|_| ())
}

/// Sends the alert a new alerts window was opened for, once: called when
/// the window's first list arrived, by then its listeners are set up.
pub fn take_pending_focus<R: Runtime>(app: &AppHandle<R>, label: &str) {
    if label != WindowKind::Alerts.label() {
        return;
    }
    let Some(window) = app.get_webview_window(label) else {
        return;
    };
    if let Some(ticket_id) = app.state::<PendingFocus>().take()
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
