//! Halo Notifier's window host: the alerts and settings windows, a Tauri
//! app the tray (`halo-notifier`) starts while a window is open, and which
//! ends once the last one closed, so no web engine outlives its windows.
//! WebDriver starts it directly in the end-to-end tests (`--open alerts`).
//! Its pages' commands all run in the tray (`link`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod link;
mod windows;

use halo_notifier::app_dirs::AppDirs;
use halo_notifier::ipc_wire::ShowWindow;
use halo_notifier::{async_runtime, logging, start_option};
use tauri::{Manager, RunEvent};

use crate::link::Link;
use crate::windows::PendingFocus;

fn main() {
    let open = match start_option::window_to_open(std::env::args().skip(1)) {
        Ok(open) => open,
        Err(e) => fail(2, &e.to_string()),
    };
    let dirs = AppDirs::find();
    if let Some(dirs) = &dirs {
        logging::init(&dirs.logs, "window-host");
    }
    match async_runtime::install() {
        Ok(runtime) => tauri::async_runtime::set(runtime),
        Err(e) => fail(1, &format!("could not start its async runtime: {e}")),
    }
    let app = tauri::Builder::default()
        .manage(Link::default())
        .manage(PendingFocus::default())
        .invoke_handler(link::forward)
        .setup(move |app| {
            if let Some(window) = open {
                windows::show(
                    app.handle(),
                    ShowWindow {
                        window,
                        ticket_id: None,
                    },
                )?;
            }
            let handle = app.handle().clone();
            let link =
                tauri::async_runtime::spawn(link::keep_link(handle.clone(), dirs, open.is_some()));
            // A host whose link died (a panic) could never be asked for a
            // window again, nor told to end, while the tray waits for it.
            tauri::async_runtime::spawn(async move {
                if link.await.is_err() {
                    tracing::error!("the link to the tray failed: the window host ends");
                    handle.exit(1);
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => fail(1, &format!("could not open the window: {e}")),
    };
    app.run(|app, event| {
        // The last window closed: the tray decides whether to end, as it
        // may have a window request on its way here. Without a tray to
        // ask, the host just ends.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
            && app.state::<Link>().last_window_closed()
        {
            api.prevent_exit();
        }
    });
}

fn fail(code: i32, why: &str) -> ! {
    eprintln!("halo-notifier-windows: {why}");
    std::process::exit(code);
}
