//! The authorisation server's state: issued bearer tokens with their scopes and
//! expiry, and the permission each API call needs. Expiry uses the real clock
//! so clients' renewal logic is exercised as it would be against Halo.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A permission an API call needs; scopes grant them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    ReadTickets,
    EditTickets,
    AllTeams,
}

impl Permission {
    /// The scope name Halo's 403 names.
    pub(crate) fn scope(self) -> &'static str {
        match self {
            Self::ReadTickets => "read:tickets",
            Self::EditTickets => "edit:tickets",
            Self::AllTeams => "all:teams",
        }
    }

    /// Whether a token with these scopes may do this. `all` grants everything,
    /// `all:tickets` both ticket permissions.
    pub(crate) fn granted_by(self, scopes: &[String]) -> bool {
        scopes.iter().any(|s| {
            let s = s.as_str();
            s == "all"
                || s == self.scope()
                || (s == "all:tickets" && matches!(self, Self::ReadTickets | Self::EditTickets))
        })
    }
}

/// Who is calling: put into each authorised request by the gateway.
#[derive(Debug, Clone)]
pub(crate) struct AuthContext {
    pub scopes: Vec<String>,
}

/// The scopes a token gets: what was asked for, limited to what the
/// application was granted. Asking for `all` (or nothing) yields the grant.
pub(crate) fn effective_scopes(requested: Option<&str>, granted: &[String]) -> Vec<String> {
    let requested: Vec<&str> = requested
        .unwrap_or("all")
        .split([' ', '+', ','])
        .filter(|s| !s.is_empty())
        .collect();
    if requested.is_empty() || requested.contains(&"all") {
        return granted.to_vec();
    }
    let grants_all = granted.iter().any(|g| g == "all");
    requested
        .into_iter()
        .filter(|r| grants_all || granted.iter().any(|g| g == r))
        .map(str::to_owned)
        .collect()
}

#[derive(Debug)]
struct Issued {
    expires: Instant,
    scopes: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, Issued>,
}

impl TokenStore {
    /// Issues a random opaque token.
    pub(crate) fn issue(&mut self, scopes: Vec<String>, lifetime: Duration) -> String {
        let now = Instant::now();
        // Keep the map from growing with every test's renewals.
        self.tokens.retain(|_, t| t.expires > now);
        let mut rng = fastrand::Rng::new();
        let token: String = std::iter::repeat_with(|| rng.alphanumeric())
            .take(64)
            .collect();
        self.tokens.insert(
            token.clone(),
            Issued {
                expires: now + lifetime,
                scopes,
            },
        );
        token
    }

    /// The token's scopes, if it is known and unexpired.
    pub(crate) fn validate(&self, token: &str) -> Option<Vec<String>> {
        self.tokens
            .get(token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.scopes.clone())
    }

    /// Invalidates every token issued so far.
    pub(crate) fn expire_all(&mut self) {
        self.tokens.clear();
    }
}

/// The token from an `Authorization: Bearer ...` header value.
pub(crate) fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn requested_scopes_are_capped_by_the_grant() {
        let granted = owned(&["read:tickets", "all:teams"]);
        assert_eq!(
            effective_scopes(Some("read:tickets edit:tickets"), &granted),
            owned(&["read:tickets"])
        );
        assert_eq!(effective_scopes(Some("all"), &granted), granted);
        assert_eq!(effective_scopes(None, &granted), granted);
        assert_eq!(
            effective_scopes(Some("edit:tickets"), &owned(&["all"])),
            owned(&["edit:tickets"])
        );
    }

    #[test]
    fn permissions() {
        assert!(Permission::ReadTickets.granted_by(&owned(&["all"])));
        assert!(Permission::EditTickets.granted_by(&owned(&["all:tickets"])));
        assert!(!Permission::AllTeams.granted_by(&owned(&["read:tickets"])));
        assert!(!Permission::EditTickets.granted_by(&owned(&["read:tickets"])));
    }

    #[test]
    fn tokens_expire_and_can_be_revoked() {
        let mut store = TokenStore::default();
        let live = store.issue(owned(&["all"]), Duration::from_secs(60));
        let dead = store.issue(owned(&["all"]), Duration::ZERO);
        assert!(store.validate(&live).is_some());
        assert!(store.validate(&dead).is_none());
        store.expire_all();
        assert!(store.validate(&live).is_none());
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
