//! Reading a secret from the user: from a pipe as it comes, from a terminal
//! without echoing it (so it never shows on screen, in a screen share or in
//! the terminal's scrollback).

use std::io::{IsTerminal, Read};

use anyhow::{Context, Result, bail};

/// Reads `what` from stdin, trimmed; refuses an empty one.
pub fn read_secret(what: &str) -> Result<String> {
    let value = if std::io::stdin().is_terminal() {
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
