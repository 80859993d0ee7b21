//! The window host's link to the tray. Every command a window calls goes to
//! the tray under the same name and arguments (the pages cannot tell), and
//! the tray's events and window requests come back.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{AppHandle, Emitter, Manager, Wry};
use tokio::sync::{Notify, mpsc, oneshot, watch};

use halo_notifier::app_dirs::AppDirs;
use halo_notifier::error::{CommandError, CommandResult, ErrorKind};
use halo_notifier::ipc_wire::{
    self, HANDSHAKE_TIMEOUT, HostToTray, ShowWindow, TrayToHost, WireError,
};

use crate::windows;

/// A command the tray has not answered in this long fails (a Halo request
/// inside it has its own, shorter timeouts).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

const NOT_RUNNING: &str =
    "Halo Notifier is not running: start it, then open this window from its tray icon";

/// The connection to the tray as the windows' calls see it.
pub struct Link {
    state: watch::Sender<LinkState>,
    waiting: Mutex<HashMap<u64, oneshot::Sender<CommandResult<Value>>>>,
    next_id: AtomicU64,
    /// The tray asked for a window (a host it started waits for that).
    asked: AtomicBool,
    /// The last window closed: the link looks whether any is left.
    closed: Notify,
}

#[derive(Clone)]
enum LinkState {
    Connecting,
    Up(mpsc::Sender<HostToTray>),
    Down(&'static str),
}

impl Default for Link {
    fn default() -> Self {
        Link {
            state: watch::channel(LinkState::Connecting).0,
            waiting: Mutex::default(),
            next_id: AtomicU64::new(1),
            asked: AtomicBool::new(false),
            closed: Notify::new(),
        }
    }
}

impl Link {
    fn waiting(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<CommandResult<Value>>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls `command` in the tray and waits for its answer.
    async fn call(&self, command: &str, args: Value) -> CommandResult<Value> {
        let mut state = self.state.subscribe();
        let up = state
            .wait_for(|s| !matches!(s, LinkState::Connecting))
            .await
            .map(|s| s.clone());
        let outbox = match up {
            Ok(LinkState::Up(outbox)) => outbox,
            Ok(LinkState::Down(why)) => return Err(CommandError::new(ErrorKind::Internal, why)),
            _ => return Err(CommandError::new(ErrorKind::Internal, NOT_RUNNING)),
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (answer, reply) = oneshot::channel();
        self.waiting().insert(id, answer);
        let invoke = HostToTray::Invoke {
            id,
            command: command.to_owned(),
            args,
        };
        let gone = || CommandError::new(ErrorKind::Internal, NOT_RUNNING);
        if outbox.send(invoke).await.is_err() {
            self.waiting().remove(&id);
            return Err(gone());
        }
        match tokio::time::timeout(ANSWER_TIMEOUT, reply).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(gone()),
            Err(_) => {
                self.waiting().remove(&id);
                Err(CommandError::new(
                    ErrorKind::Busy,
                    format!("Halo Notifier did not answer `{command}` in time: try again"),
                ))
            }
        }
    }

    fn answered(&self, id: u64, result: CommandResult<Value>) {
        if let Some(answer) = self.waiting().remove(&id) {
            let _ = answer.send(result);
        }
    }

    /// The last window closed (called on the main thread): the link asks
    /// the tray whether the host may end. False when there is no tray to
    /// ask (then the host just ends).
    pub fn last_window_closed(&self) -> bool {
        if !matches!(&*self.state.borrow(), LinkState::Up(_)) {
            return false;
        }
        self.closed.notify_one();
        true
    }

    /// The tray is gone: pending and later calls fail with `why`.
    fn down(&self, why: &'static str) {
        self.state.send_replace(LinkState::Down(why));
        self.waiting().clear();
    }
}

/// The windows' one command handler: passes the call to the tray as is.
pub fn forward(invoke: Invoke<Wry>) -> bool {
    let command = invoke.message.command().to_owned();
    let webview = invoke.message.webview();
    let app = webview.app_handle().clone();
    let label = webview.label().to_owned();
    let args = match invoke.message.payload() {
        InvokeBody::Json(args) => args.clone(),
        InvokeBody::Raw(_) => {
            invoke.resolver.reject(CommandError::new(
                ErrorKind::Validation,
                format!("`{command}` takes JSON arguments: reload the window"),
            ));
            return true;
        }
    };
    invoke.resolver.respond_async(async move {
        let answer = app.state::<Link>().call(&command, args).await;
        if command == "list_alerts" && answer.is_ok() {
            windows::take_pending_focus(&app, &label);
        }
        answer.map_err(InvokeError::from)
    });
    true
}

/// Connects to the tray and serves the connection until either side ends;
/// then the host ends too (its windows could do nothing without the tray).
/// `dirs` are the app's folders, `None` on a system without a home.
pub async fn keep_link(app: AppHandle, dirs: Option<AppDirs>, has_window: bool) {
    let link = app.state::<Link>();
    let (mut channel, outbox, mut calls) = match handshake(dirs).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "{NOT_RUNNING}");
            eprintln!("halo-notifier: {NOT_RUNNING} ({e})");
            link.down(NOT_RUNNING);
            // A window stays to say so; with none there is nothing to show.
            if !has_window {
                app.exit(1);
            }
            return;
        }
    };
    link.state.send_replace(LinkState::Up(outbox));
    if !has_window {
        // Started for a window the tray is about to ask for; if it never
        // does, nothing would ever end this host.
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(HANDSHAKE_TIMEOUT).await;
            if !app.state::<Link>().asked.load(Ordering::Relaxed) {
                tracing::warn!("no window was asked for: the window host ends");
                app.exit(0);
            }
        });
    }
    // Window requests handled on this connection (the tray lets the host
    // end only once it has handled every request sent to it).
    let mut shows: u64 = 0;
    loop {
        tokio::select! {
            incoming = ipc_wire::read::<_, TrayToHost>(&mut channel) => match incoming {
                Ok(TrayToHost::Reply { id, result }) => link.answered(id, result),
                Ok(TrayToHost::Event { name, payload }) => {
                    if let Err(e) = app.emit(&name, payload) {
                        tracing::debug!(event = name, error = %e, "could not pass an event on");
                    }
                }
                Ok(TrayToHost::Show(request)) => {
                    link.asked.store(true, Ordering::Relaxed);
                    show_window(&app, request);
                    shows += 1;
                    // It could not open, or closed at once: no window may
                    // be left to close and end this host.
                    if idle_if_windowless(&app, &mut channel, shows).await.is_err() {
                        break;
                    }
                }
                Ok(TrayToHost::Quit) => break,
                Ok(TrayToHost::Welcome) => {}
                Err(WireError::Garbled(e)) => {
                    tracing::debug!(error = %e, "skipped an unreadable message from the tray");
                }
                Err(_) => break,
            },
            // Looked into here, between window requests: a request whose
            // window is being made is never left out of the count while
            // its window is not yet open.
            () = link.closed.notified() => {
                if idle_if_windowless(&app, &mut channel, shows).await.is_err() {
                    break;
                }
            }
            Some(call) = calls.recv() => {
                if ipc_wire::write(&mut channel, &call).await.is_err() {
                    break;
                }
            }
        }
    }
    link.down(NOT_RUNNING);
    tracing::info!("the tray is gone: closing the windows");
    app.exit(0);
}

/// Shows the window the tray asked for. Tauri panics when a window is
/// closed before the call making it has returned (`webviews().first()
/// .unwrap()` in `WindowBuilder::with_webview`: the window is on screen
/// while its webview loads); that must not take down the link, and with it
/// every later window.
fn show_window(app: &AppHandle, request: ShowWindow) {
    match std::panic::catch_unwind(AssertUnwindSafe(|| windows::show(app, request))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not open the window"),
        Err(_) => tracing::warn!(?request, "the window closed while it was being made"),
    }
}

/// Tells the tray when no window is left, after `shows` window requests:
/// it lets the host end unless it has sent more.
async fn idle_if_windowless(
    app: &AppHandle,
    channel: &mut TrayChannel,
    shows: u64,
) -> Result<(), WireError> {
    if any_window_open(app) {
        return Ok(());
    }
    ipc_wire::write(channel, &HostToTray::Idle { shows }).await
}

/// Whether a window is still up. A window closed while it was being made
/// can stay in Tauri's list though it is gone; asking it something tells.
fn any_window_open(app: &AppHandle) -> bool {
    app.webview_windows()
        .values()
        .any(|window| window.is_visible().is_ok())
}

type TrayChannel = ipc_wire::Channel<halo_notifier::ipc_endpoint::Connected>;

/// Finds the tray, presents the token and waits to be let in.
async fn handshake(
    dirs: Option<AppDirs>,
) -> Result<
    (
        TrayChannel,
        mpsc::Sender<HostToTray>,
        mpsc::Receiver<HostToTray>,
    ),
    String,
> {
    let dirs = dirs.ok_or("this system has no home folder for the app's data")?;
    let channel = ipc_wire::greet_tray(&dirs.data, |token| HostToTray::Hello { token })
        .await
        .map_err(|e| e.to_string())?;
    let (outbox, calls) = mpsc::channel(64);
    Ok((channel, outbox, calls))
}
