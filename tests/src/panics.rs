//! Panics anywhere in the process, by thread name: a test that runs the app
//! on a runtime whose threads carry its name can tell whether any of them
//! panicked (the supervisor restarts a panicked task, so nothing else shows
//! it), even with other tests running alongside.

use std::sync::{Mutex, Once};

static SEEN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Installs the recording hook (once; the default hook still prints).
pub fn record() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current().name().unwrap_or("").to_owned();
            SEEN.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((thread, info.to_string()));
            default(info);
        }));
    });
}

/// Panics recorded on threads named `name`.
pub fn on_threads(name: &str) -> Vec<String> {
    SEEN.lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(thread, _)| thread == name)
        .map(|(thread, message)| format!("{thread}: {message}"))
        .collect()
}

/// A multi-threaded runtime whose threads are named `name`.
pub fn named_runtime(name: &str) -> tokio::runtime::Runtime {
    record();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("runtime builds")
}
