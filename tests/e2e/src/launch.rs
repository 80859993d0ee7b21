//! Starting a tray app directly (not under WebDriver) and watching its output
//! for the line that says it is ready, with the time it took.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running app; its process group is ended when dropped.
pub struct Launched {
    pub child: Child,
    pub started: Instant,
    stdin: Option<ChildStdin>,
    lines: Receiver<(Instant, String)>,
    pub output: Vec<String>,
}

impl Launched {
    pub fn start(bin: &Path, args: &[&str], envs: &[(OsString, OsString)]) -> Result<Self> {
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let (tx, lines) = channel();
        let stdout = child.stdout.take().context("stdout")?;
        let stderr = child.stderr.take().context("stderr")?;
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send((Instant::now(), line)).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Launched {
            stdin: child.stdin.take(),
            child,
            started,
            lines,
            output: Vec::new(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line containing `needle`; returns when it was printed.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    let hit = line.contains(needle);
                    self.output.push(line);
                    if hit {
                        return Ok(at);
                    }
                }
                Err(RecvTimeoutError::Timeout) => bail!(
                    "no line with {needle:?} within {timeout:?}; output so far:\n{}",
                    self.output.join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => bail!(
                    "the app ended before printing {needle:?}; its output:\n{}",
                    self.output.join("\n")
                ),
            }
        }
    }

    /// Collects what it printed meanwhile (so the pipes never fill up).
    pub fn drain(&mut self) {
        while let Ok((_, line)) = self.lines.try_recv() {
            self.output.push(line);
        }
    }

    pub fn send(&mut self, command: &str) -> Result<()> {
        let stdin = self.stdin.as_mut().context("stdin closed")?;
        writeln!(stdin, "{command}")?;
        stdin.flush()?;
        Ok(())
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        crate::procs::end_group(&mut self.child);
    }
}
