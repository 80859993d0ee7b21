//! Halo Notifier's tray: the engine (app-core), native notifications with
//! buttons, the tray icon and menu, and the command surface the windows
//! call. It links no web engine: the alerts and settings windows run in
//! `halo-notifier-windows`, started while one is open (`window_hosts`).
//! This file assembles the parts and runs the main thread's event loop.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod commands;
mod idle_heap;
mod links;
mod notify_actions;
mod pause_choice;
mod shell;
mod single_instance;
mod startup;
mod state;
mod status_feed;
mod tray;
mod tray_look;
mod window_hosts;

use std::time::Instant;

use halo_notifier::app_dirs::AppDirs;
use halo_notifier::{async_runtime, logging};
use halo_notifier::{error, ipc_endpoint, ipc_wire, start_option};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder};

use crate::shell::{MainEvent, Shell};
use crate::single_instance::Instance;
use crate::tray::Tray;

fn main() {
    let launched = Instant::now();
    idle_heap::limit_arenas();
    let open_at_start = match start_option::window_to_open(std::env::args().skip(1)) {
        Ok(kind) => kind,
        Err(e) => fail(2, &e.to_string()),
    };
    let Some(dirs) = AppDirs::find() else {
        fail(
            1,
            "this system has no home folder for the app's data: set HOME",
        );
    };
    logging::init(&dirs.logs, "halo-notifier");
    desktop_notify::use_bundle_identity(halo_notifier::app_dirs::IDENTIFIER);
    let runtime = match async_runtime::install() {
        Ok(runtime) => runtime,
        Err(e) => fail(1, &format!("could not start its async runtime: {e}")),
    };
    // One tray per user: a second launch hands its `--open` over and ends.
    let lock = match single_instance::claim(&dirs) {
        Ok(Instance::First(lock)) => lock,
        Ok(Instance::Second(pid)) => {
            match runtime.block_on(single_instance::hand_over(&dirs, pid, open_at_start)) {
                Ok(()) => std::process::exit(0),
                Err(why) => fail(1, &why),
            }
        }
        Err(e) => fail(
            1,
            &format!(
                "{}: the data folder cannot be used ({e})",
                dirs.data.display()
            ),
        ),
    };

    // Held until the process ends, which is when the OS lets go of it.
    std::mem::forget(lock);

    #[allow(unused_mut)]
    let mut event_loop = EventLoopBuilder::<MainEvent>::with_user_event().build();
    // A tray app: in the menu bar, not the Dock.
    #[cfg(target_os = "macos")]
    {
        use tao::platform::macos::{ActivationPolicy, EventLoopExtMacOS};
        event_loop.set_activation_policy(ActivationPolicy::Accessory);
    }
    let shell = Shell::new(dirs, event_loop.create_proxy());
    window_hosts::listen(shell.clone());
    let mut tray: Option<Tray> = None;
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            // The platforms want the tray made once the loop runs.
            Event::NewEvents(StartCause::Init) => {
                match Tray::create(&shell) {
                    Ok(made) => tray = Some(made),
                    // The engine still notifies; windows open from a second launch.
                    Err(e) => tracing::error!(error = %e, "no tray icon"),
                }
                // The start-up benchmark reads this line.
                tracing::info!("tray ready in {} ms", launched.elapsed().as_millis());
                startup::start_core(shell.clone());
                if let Some(kind) = open_at_start {
                    window_hosts::show(&shell, kind, None);
                }
            }
            Event::UserEvent(MainEvent::Tray(next)) => {
                if let Some(tray) = &mut tray
                    && let Err(e) = tray.show(*next)
                {
                    tracing::warn!(error = %e, "could not update the tray");
                }
            }
            Event::UserEvent(MainEvent::Exit(code)) => {
                // Gone from the panel before the process ends.
                tray = None;
                window_hosts::end(&shell);
                *control_flow = ControlFlow::ExitWithCode(code);
            }
            _ => {}
        }
    });
}

fn fail(code: i32, why: &str) -> ! {
    eprintln!("halo-notifier: {why}");
    std::process::exit(code);
}
