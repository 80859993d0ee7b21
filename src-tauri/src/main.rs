//! Halo Notifier's desktop app: the tray, native notifications with buttons,
//! and the alerts and settings windows, wired to app-core. This file only
//! assembles the plugins and hands each concern to its module.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod links;
mod notify_actions;
mod pause_choice;
mod start_option;
mod startup;
mod state;
mod status_feed;
mod tray;
mod tray_look;
mod webkit_reaper;
mod windows;

use tauri::{Manager, RunEvent, WindowEvent};
use tauri_plugin_autostart::MacosLauncher;

use crate::start_option::WindowKind;

fn main() {
    let launched = std::time::Instant::now();
    let open_at_start = match start_option::window_to_open(std::env::args().skip(1)) {
        Ok(kind) => kind,
        Err(e) => {
            eprintln!("halo-notifier: {e}");
            std::process::exit(2);
        }
    };

    let app = tauri::Builder::default()
        // First: a second launch hands its `--open` to this instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let kind = start_option::window_to_open(argv.iter().skip(1))
                .ok()
                .flatten()
                .unwrap_or(WindowKind::Alerts);
            if let Err(e) = windows::show(app, kind) {
                tracing::warn!(error = %e, "could not open the window a second launch asked for");
            }
        }))
        .plugin(startup::log_plugin())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(state::AppState::default())
        .manage(tray::ShownTray::default())
        .invoke_handler(commands::handler())
        .on_window_event(|window, event| {
            if let WindowEvent::Destroyed = event {
                windows::after_destroyed(window.app_handle(), window.label());
            }
        })
        .setup(move |app| {
            tray::create(app.handle())?;
            // The start-up benchmark reads this line.
            tracing::info!("tray ready in {} ms", launched.elapsed().as_millis());
            startup::start_core(app.handle().clone());
            if let Some(kind) = open_at_start {
                windows::show(app.handle(), kind)?;
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
    app.run(|_app, event| {
        // Closing the last window leaves the tray running; only Quit
        // (an exit with a code) ends the app.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
