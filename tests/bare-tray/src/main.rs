//! A bare Tauri v2 tray app: the memory benchmark's baseline (what any tray
//! app on Tauri costs), and a test bed for the two ways of showing a window
//! from a tray without keeping WebKit around once it is closed.
//!
//! `bare-tray [--windows in-process|child]`: a tray icon with a Quit menu;
//! prints `tray ready` once the icon exists, then reads commands on stdin:
//! `open` shows a window, `quit` ends. `in-process` opens the window in this
//! process and ends WebKit's network process once the last window is gone;
//! `child` runs the window in `bare-tray --window-process`, which exits when
//! its window closes.

use std::io::BufRead;
use std::process::Command;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};

#[derive(Clone, Copy, PartialEq)]
enum Windows {
    InProcess,
    Child,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--window-process") {
        window_process();
        return;
    }
    let windows = match args.iter().position(|a| a == "--windows") {
        Some(i) if args.get(i + 1).map(String::as_str) == Some("child") => Windows::Child,
        Some(i) if args.get(i + 1).map(String::as_str) != Some("in-process") => {
            eprintln!("bare-tray: --windows takes in-process or child");
            std::process::exit(2);
        }
        _ => Windows::InProcess,
    };
    tray_process(windows);
}

fn tray_process(windows: Windows) {
    let app = tauri::Builder::default()
        .setup(move |app| {
            let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&quit])?;
            let icon = app
                .default_window_icon()
                .cloned()
                .ok_or("the bundle has no icon")?;
            TrayIconBuilder::with_id("bare")
                .icon(icon)
                .tooltip("bare tray")
                .menu(&menu)
                .on_menu_event(|app, event| {
                    if event.id() == "quit" {
                        app.exit(0);
                    }
                })
                .build(app)?;
            println!("tray ready");
            let handle = app.handle().clone();
            std::thread::spawn(move || read_commands(handle, windows));
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("bare-tray: cannot start: {e}");
            std::process::exit(1);
        });
    app.run(|app, event| match event {
        // A tray app lives on after its last window.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => api.prevent_exit(),
        RunEvent::WindowEvent {
            event: WindowEvent::Destroyed,
            ..
        } if app.webview_windows().is_empty() => end_network_process(),
        _ => {}
    });
}

fn read_commands(app: AppHandle, windows: Windows) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "open" => match windows {
                Windows::InProcess => {
                    if let Err(e) = open_window(&app) {
                        eprintln!("bare-tray: window: {e}");
                    }
                }
                Windows::Child => match std::env::current_exe()
                    .and_then(|exe| Command::new(exe).arg("--window-process").spawn())
                {
                    // Reaped on its own thread so no zombie is left behind.
                    Ok(mut child) => {
                        std::thread::spawn(move || child.wait());
                    }
                    Err(e) => eprintln!("bare-tray: window process: {e}"),
                },
            },
            "quit" => app.exit(0),
            _ => {}
        }
    }
}

fn open_window(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window("main") {
        return window.set_focus();
    }
    WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
        .title("Bare tray window")
        .inner_size(480.0, 360.0)
        .build()?;
    println!("window open");
    Ok(())
}

/// WebKitGTK keeps its network process for the life of the web context,
/// which Tauri keeps for the app's life: end it; the next window starts a
/// new one.
fn end_network_process() {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let ppid = tail
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) && head.contains("WebKitNetwork") {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }
    println!("window closed");
}

/// The child-process variant: one window; the process ends with it.
fn window_process() {
    let app = tauri::Builder::default()
        .setup(|app| {
            open_window(app.handle())?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("bare-tray: cannot start the window: {e}");
            std::process::exit(1);
        });
    app.run(|_, _| {});
}
