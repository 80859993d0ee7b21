//! Which addresses the app hands to the default browser: only http(s) links
//! to a ticket page, never `javascript:`, `file:` or anything a ticket's
//! text could smuggle in.

use url::Url;

use crate::error::{CommandError, CommandResult, ErrorKind};

pub fn checked_ticket_link(link: &str) -> CommandResult<Url> {
    let refuse = || {
        CommandError::new(
            ErrorKind::Validation,
            format!("{link} is not a Halo web address: check the instance URL in Settings"),
        )
    };
    let url = Url::parse(link).map_err(|_| refuse())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refuse());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halo_ticket_pages_open() {
        assert!(checked_ticket_link("https://acme.halopsa.com/ticket?id=42").is_ok());
        assert!(checked_ticket_link("http://127.0.0.1:8080/ticket?id=1").is_ok());
    }

    #[test]
    fn other_schemes_never_reach_the_browser() {
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>1</script>",
            "not a url",
        ] {
            let err = checked_ticket_link(bad).expect_err(bad);
            assert_eq!(err.kind, ErrorKind::Validation);
        }
    }
}
