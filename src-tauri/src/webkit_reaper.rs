//! Ends WebKit's network process once the last window is gone. WebKitGTK
//! keeps it for the app's life (Tauri shares one web context on purpose), so
//! a tray that opened a window once would otherwise carry it all day; WebKit
//! starts a fresh one with the next window.

/// Sends SIGTERM to this process's own `WebKitNetworkProcess` children and
/// says how many it signalled. Only children: never another app's WebKit.
#[cfg(target_os = "linux")]
pub fn end_network_process() -> usize {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let me = std::process::id();
    let mut ended = 0;
    for pid in children_named(me, "WebKitNetworkProcess") {
        let Ok(raw) = i32::try_from(pid) else {
            continue;
        };
        match kill(Pid::from_raw(raw), Signal::SIGTERM) {
            Ok(()) => ended += 1,
            Err(e) => tracing::debug!(pid, error = %e, "could not end WebKit's network process"),
        }
    }
    if ended > 0 {
        tracing::info!(ended, "ended WebKit's network process: no window is open");
    }
    ended
}

#[cfg(not(target_os = "linux"))]
pub fn end_network_process() -> usize {
    0
}

/// Processes whose parent is `parent` and whose program name is `name`.
#[cfg(target_os = "linux")]
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            parent_of(&stat) == Some(parent) && program_is(*pid, name)
        })
        .collect()
}

/// The parent pid from `/proc/PID/stat`: the 2nd field after the
/// parenthesised program name, which may itself hold spaces or ')'.
#[cfg(target_os = "linux")]
fn parent_of(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// `comm` is cut at 15 bytes ("WebKitNetworkPr"), so the command line's
/// first word decides.
#[cfg(target_os = "linux")]
fn program_is(pid: u32, name: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .and_then(|cmd| {
            let first = cmd.split(|b| *b == 0).next()?;
            let program = std::path::Path::new(std::str::from_utf8(first).ok()?)
                .file_name()?
                .to_str()?
                .to_owned();
            Some(program == name)
        })
        .unwrap_or(false)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_past_a_program_name_with_spaces_and_parens() {
        assert_eq!(
            parent_of("4242 (Web (x) Proc) S 17 4242 4242 0 -1"),
            Some(17)
        );
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn only_own_children_with_that_program_are_found() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep runs");
        let me = std::process::id();
        // Just after spawn the kernel may still show the child with our own
        // command line (exec not finished): look until it shows as `sleep`.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut found = children_named(me, "sleep");
        while found.is_empty() && std::time::Instant::now() < deadline {
            std::thread::yield_now();
            found = children_named(me, "sleep");
        }
        assert_eq!(found, vec![child.id()]);
        assert!(children_named(me, "WebKitNetworkProcess").is_empty());
        let _ = child.kill();
        let _ = child.wait();
    }
}
