//! One tray per user. The first launch holds a lock on a file in the app's
//! data folder for its whole life (the OS releases it when the process
//! ends, however it ends); a later launch finds it held, hands its
//! `--open` to the running tray over the window hosts' endpoint, and exits.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};

use halo_notifier::app_dirs::AppDirs;

use crate::ipc_wire::{self, HostToTray};
use crate::start_option::WindowKind;

const LOCK_FILE: &str = "tray.lock";

pub enum Instance {
    /// This is the tray: keep the lock as long as it runs.
    First(File),
    /// A tray runs (its process id, when it wrote one).
    Second(Option<u32>),
}

/// Takes the one-tray lock, or learns that a tray runs.
pub fn claim(dirs: &AppDirs) -> std::io::Result<Instance> {
    std::fs::create_dir_all(&dirs.data)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dirs.data.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => {
            // The process id, for the message a later launch may need.
            file.set_len(0)?;
            file.rewind()?;
            write!(file, "{}", std::process::id())?;
            Ok(Instance::First(file))
        }
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Ok(Instance::Second(pid.trim().parse().ok()))
        }
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Asks the running tray (`pid`) to show `open` (the alerts window when
/// none is named); the answer is what to tell the user when it cannot.
pub async fn hand_over(
    dirs: &AppDirs,
    pid: Option<u32>,
    open: Option<WindowKind>,
) -> Result<(), String> {
    let not_answering = |why: String| {
        let which = pid.map(|p| format!(" (process {p})")).unwrap_or_default();
        format!(
            "Halo Notifier is already running{which} but does not answer ({why}): end it, then start Halo Notifier again"
        )
    };
    ipc_wire::greet_tray(&dirs.data, |token| HostToTray::Launched { token, open })
        .await
        .map(drop)
        .map_err(|e| not_answering(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &std::path::Path) -> AppDirs {
        AppDirs {
            data: root.join("data"),
            logs: root.join("logs"),
        }
    }

    #[test]
    fn only_the_first_claim_is_the_tray_and_the_next_learns_its_process() {
        let root = tempfile::tempdir().expect("temp dir");
        let first = claim(&dirs(root.path())).expect("claimed");
        assert!(matches!(first, Instance::First(_)));
        match claim(&dirs(root.path())).expect("claimed") {
            Instance::Second(pid) => assert_eq!(pid, Some(std::process::id())),
            Instance::First(_) => panic!("two trays"),
        }
        drop(first);
        assert!(matches!(
            claim(&dirs(root.path())).expect("claimed"),
            Instance::First(_)
        ));
    }
}
