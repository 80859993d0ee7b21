//! The tokio runtime both programs run on. Tauri's default would keep every
//! blocking thread 10 s after its last job, so a tray that polls every few
//! seconds would never let its SQLite and keyring threads go: each holds a
//! stack and a malloc arena all day.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// The tray's async work is waiting on sockets; more workers than this only
/// adds idle threads on a many-core machine.
const MAX_WORKERS: usize = 2;

/// A blocking thread (SQLite, keyring, D-Bus) ends this long after its last
/// job: long enough to serve one poll's burst of store calls, short enough
/// that between polls only the workers remain.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(1);

static RUNTIME: OnceLock<Handle> = OnceLock::new();

/// Builds the runtime; call before anything spawns. Returns its handle (the
/// window host hands it to Tauri).
pub fn install() -> std::io::Result<Handle> {
    if let Some(handle) = RUNTIME.get() {
        return Ok(handle.clone());
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_WORKERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_keep_alive(BLOCKING_KEEP_ALIVE)
        .enable_all()
        .build()?;
    let handle = RUNTIME.get_or_init(|| runtime.handle().clone()).clone();
    // The runtime must outlive the app, which ends with `process::exit`
    // from the event loop, so it is never dropped.
    std::mem::forget(runtime);
    Ok(handle)
}

fn handle() -> Handle {
    match RUNTIME.get() {
        Some(handle) => handle.clone(),
        // Only before `install` (unit tests inside a tokio test runtime).
        None => Handle::current(),
    }
}

/// Runs `task` on the runtime (from any thread, the main one included).
pub fn spawn<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    handle().spawn(task)
}

/// Runs blocking work (SQLite, D-Bus, keyring) off the async threads.
pub fn spawn_blocking<F, R>(work: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    handle().spawn_blocking(work)
}
