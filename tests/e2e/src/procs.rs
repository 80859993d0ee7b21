//! An app's processes as the memory benchmark counts them: the app and every
//! descendant (WebKit's web and network processes), with PSS and RSS from
//! `/proc/PID/smaps_rollup` and CPU time from `/proc/PID/stat`.

use std::process::Child;
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// One process's figures.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    pub name: String,
    pub pss_kib: u64,
    pub rss_kib: u64,
    /// The anonymous part of PSS (heap, stacks, relocated data); the rest
    /// is mapped files: executables and libraries.
    pub pss_anon_kib: u64,
}

/// `(ppid, comm, utime + stime in clock ticks)` of a process.
fn stat(pid: u32) -> Option<(u32, String, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After comm: state(0) ppid(1) ... utime(11) stime(12).
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, comm, utime + stime))
}

/// `root` and all its descendants alive now.
pub fn tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            if let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>()
                && let Some((ppid, _, _)) = stat(pid)
            {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.retain(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
    found
}

/// Names of the processes in `root`'s tree.
pub fn names(root: u32) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter_map(|pid| stat(pid).map(|(_, comm, _)| comm))
        .collect()
}

fn rollup_kib(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|line| {
            let rest = line.strip_prefix(key)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// PSS and RSS of every process in `root`'s tree.
pub fn memory(root: u32) -> Vec<ProcessMemory> {
    tree(root)
        .into_iter()
        .filter_map(|pid| {
            let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            Some(ProcessMemory {
                pid,
                name: stat(pid).map(|(_, comm, _)| comm).unwrap_or_default(),
                pss_kib: rollup_kib(&text, "Pss"),
                rss_kib: rollup_kib(&text, "Rss"),
                pss_anon_kib: rollup_kib(&text, "Pss_Anon"),
            })
        })
        .collect()
}

/// CPU time used so far by `root`'s tree (live processes only).
pub fn cpu_time(root: u32) -> Duration {
    let ticks: u64 = tree(root)
        .into_iter()
        .filter_map(|pid| stat(pid).map(|(_, _, t)| t))
        .sum();
    // Linux reports USER_HZ ticks, 100 per second on every architecture it
    // ships for (sysconf(_SC_CLK_TCK)).
    Duration::from_millis(ticks * 10)
}

/// Ends a child started in its own process group, and everything in it.
pub fn end_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let _ = child.wait();
}

/// Sends SIGTERM to one process.
pub fn terminate(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}
