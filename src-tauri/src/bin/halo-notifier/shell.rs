//! The tray process's handle on itself, what Tauri's `AppHandle` was: the
//! running core, the window hosts, the app's folders, and the way to the
//! main thread, which owns the tray icon (GTK, AppKit and Win32 want it
//! touched there only). Cheap to clone, usable from any thread.

use std::sync::{Arc, Mutex};

use halo_notifier::app_dirs::AppDirs;
use tao::event_loop::EventLoopProxy;

use crate::state::AppState;
use crate::tray::TrayContent;
use crate::window_hosts::WindowHosts;

/// What other threads ask of the main thread.
#[derive(Debug)]
pub enum MainEvent {
    /// Show this in the tray (only what changed reaches the panel).
    Tray(Box<TrayContent>),
    /// End the app with this exit code.
    Exit(i32),
}

#[derive(Clone)]
pub struct Shell(Arc<Parts>);

struct Parts {
    dirs: AppDirs,
    state: AppState,
    hosts: WindowHosts,
    main: Mutex<EventLoopProxy<MainEvent>>,
}

impl Shell {
    pub fn new(dirs: AppDirs, main: EventLoopProxy<MainEvent>) -> Self {
        Shell(Arc::new(Parts {
            dirs,
            state: AppState::default(),
            hosts: WindowHosts::default(),
            main: Mutex::new(main),
        }))
    }

    pub fn dirs(&self) -> &AppDirs {
        &self.0.dirs
    }

    pub fn state(&self) -> &AppState {
        &self.0.state
    }

    pub fn hosts(&self) -> &WindowHosts {
        &self.0.hosts
    }

    /// Hands `event` to the main thread; false once its loop has ended.
    pub fn to_main(&self, event: MainEvent) -> bool {
        let main = self.0.main.lock().unwrap_or_else(|p| p.into_inner());
        main.send_event(event).is_ok()
    }

    /// Ends the app (after the caller stopped the core).
    pub fn exit(&self, code: i32) {
        if !self.to_main(MainEvent::Exit(code)) {
            std::process::exit(code);
        }
    }
}
