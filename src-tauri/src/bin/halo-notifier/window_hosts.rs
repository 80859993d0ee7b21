//! The tray's side of the window host: the tray never creates a webview
//! (it does not even link WebKit). Opening a window starts one window host
//! (`halo-notifier-windows`, installed beside this program) or reuses the
//! one that runs; the host shows the windows and ends once the last one
//! closed. The tray listens on the local endpoint, lets in a host that
//! presents the run's token, runs the commands it passes on
//! (`commands::dispatch`) and pushes events and window requests to it. A
//! second launch of the tray presents the token too, to hand over its
//! `--open`.

use std::process::{Command, Stdio};
use std::sync::Mutex;

use halo_notifier::async_runtime;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::ipc_endpoint::{Accepted, Endpoint, Token};
use crate::ipc_wire::{self, HANDSHAKE_TIMEOUT, HostToTray, ShowWindow, TrayToHost, WireError};
use crate::shell::Shell;
use crate::start_option::WindowKind;

/// The window host's program, beside this one.
const HOST_PROGRAM: &str = "halo-notifier-windows";

/// How many messages may wait for a host; a host that falls this far
/// behind misses events rather than holding the tray's memory.
const OUTBOX: usize = 256;

#[derive(Default)]
pub struct WindowHosts {
    inner: Mutex<Inner>,
    endpoint: Mutex<Option<Endpoint>>,
}

#[derive(Default)]
struct Inner {
    /// Hosts that presented the token, oldest first.
    connected: Vec<Host>,
    next_id: u64,
    /// The host this tray started, until it ended (reaped).
    started: Option<Started>,
    /// Window requests waiting for a host to connect.
    waiting: Vec<ShowWindow>,
}

struct Host {
    id: u64,
    outbox: mpsc::Sender<TrayToHost>,
    /// Window requests queued for it (compared with its `Idle` count).
    shows: u64,
}

impl Host {
    fn show(&mut self, request: ShowWindow) -> bool {
        let queued = self.outbox.try_send(TrayToHost::Show(request)).is_ok();
        self.shows += u64::from(queued);
        queued
    }
}

struct Started {
    pid: u32,
    /// It connected: if it ends with requests waiting, they were sent after
    /// it was let go, so a new host shows them.
    connected: bool,
}

impl Inner {
    /// Queues `request` for the newest host; when none can take it, it waits
    /// for the next host to connect (false).
    fn offer(&mut self, request: ShowWindow) -> bool {
        if let Some(host) = self.connected.last_mut()
            && host.show(request)
        {
            return true;
        }
        self.waiting.push(request);
        false
    }

    /// Host `id` reported its last window closed after `shows_seen`
    /// requests: it may end (and gets no more requests) only if none it has
    /// not seen is on its way.
    fn let_go(&mut self, id: u64, shows_seen: u64) -> bool {
        let Some(at) = self.connected.iter().position(|h| h.id == id) else {
            return false;
        };
        if self.connected[at].shows != shows_seen {
            return false;
        }
        self.connected.remove(at);
        true
    }

    /// A host presented the token: it gets the requests that waited.
    fn add_host(&mut self, outbox: mpsc::Sender<TrayToHost>) -> u64 {
        self.next_id += 1;
        let mut host = Host {
            id: self.next_id,
            outbox,
            shows: 0,
        };
        for request in std::mem::take(&mut self.waiting) {
            host.show(request);
        }
        if let Some(started) = &mut self.started {
            started.connected = true;
        }
        self.connected.push(host);
        self.next_id
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Shows a window (on one alert for the alerts window): in the running
/// host, or in one started now. Never blocks: the host does the work.
pub fn show(app: &Shell, window: WindowKind, ticket_id: Option<i64>) {
    let request = ShowWindow { window, ticket_id };
    let mut inner = lock(&app.hosts().inner);
    if inner.offer(request) {
        return;
    }
    if inner.started.is_none() {
        start_for_waiting(app, &mut inner);
    }
}

/// Starts a host for the requests in `waiting` (dropped if it cannot start).
fn start_for_waiting(app: &Shell, inner: &mut Inner) {
    match start_host(app) {
        Ok(pid) => {
            inner.started = Some(Started {
                pid,
                connected: false,
            })
        }
        Err(e) => {
            inner.waiting.clear();
            tracing::warn!(error = %e, "could not start the window host");
        }
    }
}

/// Passes an event to every window (nothing to do when none is open).
pub fn emit<S: Serialize>(app: &Shell, name: &str, payload: &S) {
    let hosts = app.hosts();
    let inner = lock(&hosts.inner);
    if inner.connected.is_empty() {
        return;
    }
    let payload = match serde_json::to_value(payload) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(event = name, error = %e, "an event could not be serialised");
            return;
        }
    };
    for host in &inner.connected {
        let event = TrayToHost::Event {
            name: name.to_owned(),
            payload: payload.clone(),
        };
        if host.outbox.try_send(event).is_err() {
            tracing::debug!(
                event = name,
                "a window host is not keeping up: event dropped"
            );
        }
    }
}

/// The tray quits: every host closes its windows, and the one this tray
/// started is ended in any case.
pub fn end(app: &Shell) {
    let hosts = app.hosts();
    let inner = lock(&hosts.inner);
    for host in &inner.connected {
        let _ = host.outbox.try_send(TrayToHost::Quit);
    }
    #[cfg(target_os = "linux")]
    if let Some(pid) = inner
        .started
        .as_ref()
        .and_then(|s| i32::try_from(s.pid).ok())
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    if let Some(endpoint) = lock(&hosts.endpoint).take() {
        endpoint.remove();
    }
}

fn start_host(app: &Shell) -> std::io::Result<u32> {
    let exe = std::env::current_exe()?;
    let program = exe
        .with_file_name(HOST_PROGRAM)
        .with_extension(std::env::consts::EXE_EXTENSION);
    let mut child = Command::new(&program)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "{} cannot be started ({e}): reinstall Halo Notifier",
                    program.display()
                ),
            )
        })?;
    let pid = child.id();
    tracing::info!(pid, "started the window host");
    let app = app.clone();
    // Waits for it on its own thread, so it is reaped and the next window
    // starts a new one.
    let reaper = std::thread::Builder::new()
        .name("window-host-reaper".into())
        .spawn(move || {
            let status = child.wait();
            tracing::info!(pid, ?status, "the window host ended");
            let mut inner = lock(&app.hosts().inner);
            let ended = inner.started.take_if(|s| s.pid == pid);
            if inner.connected.is_empty() && !inner.waiting.is_empty() {
                if ended.is_some_and(|s| s.connected) {
                    start_for_waiting(&app, &mut inner);
                } else {
                    // Never connected: starting another would fail the same way.
                    tracing::warn!("the window host ended before it could show the window");
                    inner.waiting.clear();
                }
            }
        });
    if let Err(e) = reaper {
        tracing::warn!(error = %e, "the window host will not be reaped");
    }
    Ok(pid)
}

/// Listens for window hosts for the tray's life.
pub fn listen(app: Shell) {
    async_runtime::spawn(async move {
        let endpoint = Endpoint::in_data_dir(&app.dirs().data);
        let (mut listener, token) = match endpoint.listen() {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for the window host: windows cannot open");
                return;
            }
        };
        *lock(&app.hosts().endpoint) = Some(endpoint);
        loop {
            match listener.accept().await {
                Ok(stream) => {
                    async_runtime::spawn(serve(app.clone(), stream, token.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a window host could not connect");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    });
}

/// One host's connection: the token first, then its calls and our pushes.
/// Or a second launch's one request.
async fn serve(app: Shell, stream: Accepted, token: Token) {
    let mut channel = ipc_wire::channel(stream);
    let hello = tokio::time::timeout(HANDSHAKE_TIMEOUT, ipc_wire::read(&mut channel)).await;
    match hello {
        Ok(Ok(HostToTray::Hello { token: offered })) if token.matches(&offered) => {}
        Ok(Ok(HostToTray::Launched {
            token: offered,
            open,
        })) if token.matches(&offered) => {
            tracing::info!(?open, "a second launch: showing its window here");
            show(&app, open.unwrap_or(WindowKind::Alerts), None);
            let _ = ipc_wire::write(&mut channel, &TrayToHost::Welcome).await;
            return;
        }
        _ => {
            tracing::warn!("refused a window host without the right token");
            return;
        }
    }
    if ipc_wire::write(&mut channel, &TrayToHost::Welcome)
        .await
        .is_err()
    {
        return;
    }
    let (outbox, mut pushes) = mpsc::channel(OUTBOX);
    let id = register(&app, outbox.clone());
    loop {
        tokio::select! {
            incoming = ipc_wire::read::<_, HostToTray>(&mut channel) => match incoming {
                Ok(HostToTray::Invoke { id, command, args }) => {
                    let app = app.clone();
                    let outbox = outbox.clone();
                    async_runtime::spawn(async move {
                        let result = crate::commands::dispatch(app, &command, args).await;
                        let _ = outbox.send(TrayToHost::Reply { id, result }).await;
                    });
                }
                Ok(HostToTray::Idle { shows }) => {
                    if let_go(&app, id, shows) {
                        let _ = ipc_wire::write(&mut channel, &TrayToHost::Quit).await;
                    }
                }
                Ok(HostToTray::Hello { .. } | HostToTray::Launched { .. }) => {}
                Err(WireError::Garbled(e)) => {
                    tracing::debug!(error = %e, "skipped an unreadable message from the window host");
                }
                Err(_) => break,
            },
            Some(push) = pushes.recv() => {
                if ipc_wire::write(&mut channel, &push).await.is_err() {
                    break;
                }
            }
        }
    }
    lock(&app.hosts().inner).connected.retain(|h| h.id != id);
    tracing::info!("a window host disconnected");
    crate::idle_heap::release_freed();
}

/// A host's last window closed: it may end unless a window request it has
/// not seen yet is on its way. Once let go it gets no more requests (the
/// next one starts a new host).
fn let_go(app: &Shell, id: u64, shows_seen: u64) -> bool {
    lock(&app.hosts().inner).let_go(id, shows_seen)
}

/// Adds a host and hands it the window requests that waited for one.
fn register(app: &Shell, outbox: mpsc::Sender<TrayToHost>) -> u64 {
    let id = lock(&app.hosts().inner).add_host(outbox);
    tracing::info!("a window host connected");
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(window: WindowKind) -> ShowWindow {
        ShowWindow {
            window,
            ticket_id: None,
        }
    }

    fn shown(pushes: &mut mpsc::Receiver<TrayToHost>) -> Vec<ShowWindow> {
        std::iter::from_fn(|| pushes.try_recv().ok())
            .filter_map(|m| match m {
                TrayToHost::Show(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_host_is_let_go_only_when_it_saw_every_request_sent_to_it() {
        let mut inner = Inner::default();
        let (outbox, mut pushes) = mpsc::channel(OUTBOX);
        let id = inner.add_host(outbox);
        assert!(inner.offer(request(WindowKind::Alerts)));
        assert_eq!(shown(&mut pushes).len(), 1);
        // Its last window closes as a second request is on its way: the
        // host had seen one, two were sent, so it must stay for the second.
        assert!(inner.offer(request(WindowKind::Settings)));
        assert!(!inner.let_go(id, 1), "let go with a request in flight");
        assert_eq!(shown(&mut pushes), [request(WindowKind::Settings)]);
        // That window closes too: now it has seen both and may end.
        assert!(inner.let_go(id, 2));
        // A host that was let go gets no more requests: they wait for a new one.
        assert!(!inner.offer(request(WindowKind::Alerts)));
        assert!(shown(&mut pushes).is_empty());
        assert_eq!(inner.waiting, [request(WindowKind::Alerts)]);
        let (outbox, mut next) = mpsc::channel(OUTBOX);
        inner.add_host(outbox);
        assert_eq!(shown(&mut next), [request(WindowKind::Alerts)]);
        assert!(inner.waiting.is_empty());
    }

    #[test]
    fn requests_that_waited_count_for_the_host_that_took_them() {
        let mut inner = Inner::default();
        assert!(!inner.offer(request(WindowKind::Alerts)));
        assert!(!inner.offer(request(WindowKind::Settings)));
        let (outbox, mut pushes) = mpsc::channel(OUTBOX);
        let id = inner.add_host(outbox);
        assert_eq!(shown(&mut pushes).len(), 2);
        assert!(!inner.let_go(id, 1));
        assert!(inner.let_go(id, 2));
        assert!(!inner.let_go(id, 2), "let go twice");
    }
}
