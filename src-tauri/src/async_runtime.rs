//! The tokio runtime both processes (tray and window host) run on, in place
//! of Tauri's default. The default keeps every blocking thread 10 s after its
//! last job, so a tray that polls every few seconds never lets its SQLite and
//! keyring threads go: each holds a stack and a malloc arena all day.

use std::time::Duration;

/// The tray's async work is waiting on sockets; more workers than this only
/// adds idle threads on a many-core machine.
const MAX_WORKERS: usize = 2;

/// A blocking thread (SQLite, keyring, D-Bus) ends this long after its last
/// job: long enough to serve one poll's burst of store calls, short enough
/// that between polls only the workers remain.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(1);

/// Builds the runtime and hands it to Tauri; call before anything spawns.
pub fn install() -> std::io::Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_WORKERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_keep_alive(BLOCKING_KEEP_ALIVE)
        .enable_all()
        .build()?;
    tauri::async_runtime::set(runtime.handle().clone());
    // Tauri keeps only the handle; the runtime must outlive the app, which
    // ends with `process::exit`, so it is never dropped.
    std::mem::forget(runtime);
    Ok(())
}
