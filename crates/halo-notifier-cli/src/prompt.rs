//! Reading a secret from the user: from a pipe as it comes, from a terminal
//! without echoing it (so it never shows on screen, in a screen share or in
//! the terminal's scrollback).

use std::io::{IsTerminal, Read};

use anyhow::{Context, Result, bail};

/// Reads `what` from stdin, trimmed; refuses an empty one.
pub fn read_secret(what: &str) -> Result<String> {
    let value = if std::io::stdin().is_terminal() {
        // A Unix terminal echoes keys as they arrive, not as they are read,
        // and rpassword turns echo off only after writing the prompt: a
        // paste that follows the prompt at once (a password manager's
        // auto-type) would be shown. Echo goes off first, then the prompt.
        #[cfg(unix)]
        let _echo_off = echo_off::EchoOff::on_terminal();
        rpassword::prompt_password(format!(
            "Paste the {what} and press Enter (it is not shown): "
        ))
        .with_context(|| format!("reading the {what} from the terminal"))?
    } else {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        input
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        bail!("nothing was read: paste the {what}, or pipe it in");
    }
    Ok(value)
}

#[cfg(unix)]
mod echo_off {
    use std::fs::File;

    use rustix::termios::{LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

    /// The controlling terminal with echo off until dropped, when its
    /// settings are put back as they were.
    pub struct EchoOff {
        tty: File,
        was: Termios,
    }

    impl EchoOff {
        /// `None` when there is no controlling terminal to change: rpassword
        /// then does what it can on its own.
        pub fn on_terminal() -> Option<Self> {
            let tty = File::options()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()?;
            let was = tcgetattr(&tty).ok()?;
            let mut quiet = was.clone();
            quiet.local_modes.remove(LocalModes::ECHO);
            tcsetattr(&tty, OptionalActions::Now, &quiet).ok()?;
            Some(Self { tty, was })
        }
    }

    impl Drop for EchoOff {
        fn drop(&mut self) {
            if let Err(error) = tcsetattr(&self.tty, OptionalActions::Now, &self.was) {
                eprintln!("could not turn terminal echo back on ({error}): run `stty sane`");
            }
        }
    }
}
