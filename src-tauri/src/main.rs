//! Halo Notifier's desktop app: the tray, native notifications with buttons,
//! and the alerts and settings windows, wired to app-core. This file only
//! assembles the plugins and hands each concern to its module.
//!
//! Two processes of this one binary: the tray (engine, notifications, the
//! command surface; never a webview) and, while a window is open, the
//! window host (`--window-host`, see `window_host` and `window_hosts`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod async_runtime;
mod commands;
mod error;
mod idle_heap;
mod ipc_endpoint;
mod ipc_wire;
mod links;
mod notify_actions;
mod pause_choice;
mod start_option;
mod startup;
mod state;
mod status_feed;
mod tray;
mod tray_look;
mod window_host;
mod window_hosts;
mod windows;

use tauri::RunEvent;
use tauri_plugin_autostart::MacosLauncher;

use crate::start_option::WindowKind;

fn main() {
    let launched = std::time::Instant::now();
    idle_heap::limit_arenas();
    let open_at_start = match start_option::window_to_open(std::env::args().skip(1)) {
        Ok(kind) => kind,
        Err(e) => {
            eprintln!("halo-notifier: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = async_runtime::install() {
        eprintln!("halo-notifier: could not start its async runtime: {e}");
        std::process::exit(1);
    }
    // Before the single-instance plugin: a window host is no second launch.
    if std::env::args().skip(1).any(|a| a == window_host::OPTION) {
        std::process::exit(window_host::run(open_at_start));
    }

    let app = tauri::Builder::default()
        // First: a second launch hands its `--open` to this instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let kind = start_option::window_to_open(argv.iter().skip(1))
                .ok()
                .flatten()
                .unwrap_or(WindowKind::Alerts);
            window_hosts::show(app, kind, None);
        }))
        .plugin(startup::log_plugin(None))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(state::AppState::default())
        .manage(tray::ShownTray::default())
        .manage(window_hosts::WindowHosts::default())
        .setup(move |app| {
            tray::create(app.handle())?;
            window_hosts::listen(app.handle().clone());
            // The start-up benchmark reads this line.
            tracing::info!("tray ready in {} ms", launched.elapsed().as_millis());
            startup::start_core(app.handle().clone());
            if let Some(kind) = open_at_start {
                window_hosts::show(app.handle(), kind, None);
            }
            Ok(())
        })
        .build(tauri::generate_context!());

    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("halo-notifier: could not start the desktop app: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| match event {
        // The tray has no window; only Quit (an exit with a code) ends it.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => window_hosts::end(app),
        _ => {}
    });
}
