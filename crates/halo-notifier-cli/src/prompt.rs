//! Reading a secret from the user: from a pipe as it comes, from a terminal
//! without echoing it.

use std::io::{IsTerminal, Read};

use anyhow::{Result, bail};

/// Reads `what` from stdin, trimmed; refuses an empty one.
pub fn read_secret(what: &str) -> Result<String> {
    let mut input = String::new();
    if std::io::stdin().is_terminal() {
        eprintln!("Paste the {what} and press Enter (it is not shown):");
        std::io::stdin().read_line(&mut input)?;
    } else {
        std::io::stdin().read_to_string(&mut input)?;
    }
    let value = input.trim().to_owned();
    if value.is_empty() {
        bail!("nothing was read from stdin: paste the {what}, or pipe it in");
    }
    Ok(value)
}
