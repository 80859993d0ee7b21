//! Where a Halo instance lives: the web URL normalised from whatever the user
//! pasted, the API and auth servers derived from it, tenant and scope.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::error::HaloError;

/// A Halo instance's web URL, e.g. `https://acme.halopsa.com`, with the API
/// under `/api` and the authorisation server under `/auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceUrl {
    web: Url,
    /// What normalisation changed, to tell the user what was understood.
    notes: Vec<String>,
}

impl InstanceUrl {
    /// Normalises what users paste: a bare host, a trailing slash, `/api`,
    /// `/auth` (and anything below them), query strings. Plain `http://` is
    /// refused unless the host is loopback or `allow_insecure_http` is set.
    pub fn parse(input: &str, allow_insecure_http: bool) -> Result<Self, HaloError> {
        let trimmed = input.trim();
        let invalid = |reason: &str| HaloError::InvalidUrl {
            input: trimmed.to_owned(),
            reason: reason.to_owned(),
        };
        if trimmed.is_empty() {
            return Err(invalid(
                "it is empty; enter your Halo address, e.g. https://acme.halopsa.com",
            ));
        }
        let mut notes = Vec::new();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            notes.push("assumed https://".to_owned());
            format!("https://{trimmed}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" => {
                if !allow_insecure_http && !is_loopback(&url) {
                    return Err(HaloError::InsecureUrl {
                        url: url.to_string(),
                    });
                }
            }
            other => {
                return Err(invalid(&format!(
                    "the scheme {other}:// is not supported; use https://"
                )));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it has no host name"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "it contains a user name or password; remove them, credentials go in the client ID and secret",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            notes.push("ignored the query string".to_owned());
            url.set_query(None);
            url.set_fragment(None);
        }
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let cut = segments
            .iter()
            .position(|s| s.eq_ignore_ascii_case("api") || s.eq_ignore_ascii_case("auth"));
        let kept = match cut {
            Some(index) => {
                notes.push(format!("removed /{}", segments[index..].join("/")));
                &segments[..index]
            }
            None => &segments[..],
        };
        url.set_path(&kept.join("/"));
        Ok(Self { web: url, notes })
    }

    /// The web URL without a trailing slash.
    pub fn web(&self) -> String {
        self.web.as_str().trim_end_matches('/').to_owned()
    }

    /// The resource server: every REST call goes below it.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.web())
    }

    /// The authorisation server used when discovery gives nothing better.
    pub fn default_auth_base(&self) -> String {
        format!("{}/auth", self.web())
    }

    pub fn is_plain_http(&self) -> bool {
        self.web.scheme() == "http"
    }

    /// Plain http is acceptable to loopback: nothing leaves the machine.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.web)
    }

    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// One line for the user: what the input was understood as.
    pub fn describe(&self) -> String {
        let mut line = format!("Halo at {} (API {})", self.web(), self.api_base());
        if !self.notes.is_empty() {
            line.push_str(&format!("; {}", self.notes.join(", ")));
        }
        line
    }

    /// Link to a ticket in the agent web app.
    pub fn ticket_link(&self, ticket_id: i64) -> String {
        format!("{}/ticket?id={ticket_id}", self.web())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Everything needed to reach an instance except the secret.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub instance: InstanceUrl,
    /// Halo-hosted instances need it on the token request.
    pub tenant: Option<String>,
    /// Overrides discovery through `/api/authinfo`.
    pub auth_server: Option<String>,
    /// Space-separated OAuth scopes; Halo's `all` by default.
    pub scope: String,
    pub client_id: String,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub allow_insecure_http: bool,
}

impl ConnectionSettings {
    pub fn new(instance: InstanceUrl, client_id: impl Into<String>) -> Self {
        Self {
            instance,
            tenant: None,
            auth_server: None,
            scope: "all".to_owned(),
            client_id: client_id.into(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            allow_insecure_http: false,
        }
    }

    /// An HTTP client with these timeouts; the token path passes
    /// `Policy::none()` so the secret never follows a redirect.
    pub(crate) fn http_client(
        &self,
        redirects: reqwest::redirect::Policy,
    ) -> Result<reqwest::Client, HaloError> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .redirect(redirects)
            .user_agent(concat!("halo-notifier/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HaloError::Network {
                operation: crate::error::Operation::Discover,
                detail: e.to_string(),
                timed_out: false,
            })
    }

    /// Validates an explicit auth server with the same rules as the instance.
    pub fn with_auth_server(mut self, auth_server: &str) -> Result<Self, HaloError> {
        let trimmed = auth_server.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            self.auth_server = None;
            return Ok(self);
        }
        let url = Url::parse(trimmed).map_err(|e| HaloError::InvalidUrl {
            input: trimmed.to_owned(),
            reason: e.to_string(),
        })?;
        if url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&url) {
            return Err(HaloError::InsecureUrl {
                url: url.to_string(),
            });
        }
        let text = url.as_str().trim_end_matches('/');
        let base = text.strip_suffix("/token").unwrap_or(text);
        self.auth_server = Some(base.to_owned());
        Ok(self)
    }
}

/// The client secret. Never printed, never serialised.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_users_paste() {
        let table = [
            ("acme.halopsa.com", "https://acme.halopsa.com"),
            ("  acme.halopsa.com  ", "https://acme.halopsa.com"),
            ("https://acme.halopsa.com", "https://acme.halopsa.com"),
            ("https://acme.halopsa.com/", "https://acme.halopsa.com"),
            ("https://acme.halopsa.com/api", "https://acme.halopsa.com"),
            ("https://acme.halopsa.com/api/", "https://acme.halopsa.com"),
            ("https://ACME.halopsa.com/API", "https://acme.halopsa.com"),
            ("https://acme.halopsa.com/auth", "https://acme.halopsa.com"),
            (
                "https://acme.halopsa.com/auth/token",
                "https://acme.halopsa.com",
            ),
            (
                "https://acme.halopsa.com/api/Tickets?id=4",
                "https://acme.halopsa.com",
            ),
            (
                "https://acme.halopsa.com/#/tickets",
                "https://acme.halopsa.com",
            ),
            (
                "https://support.corp.example/halo/api",
                "https://support.corp.example/halo",
            ),
            (
                "https://halo.corp.example:8443/",
                "https://halo.corp.example:8443",
            ),
            ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://[::1]:9000/auth", "http://[::1]:9000"),
        ];
        for (input, web) in table {
            let url = InstanceUrl::parse(input, false).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.web(), web, "{input}");
            assert_eq!(url.api_base(), format!("{web}/api"));
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_needs_explicit_consent() {
        let refused = InstanceUrl::parse("http://halo.corp.example", false);
        assert!(matches!(refused, Err(HaloError::InsecureUrl { .. })));
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("https"), "{message}");
        let allowed = InstanceUrl::parse("http://halo.corp.example/api", true);
        assert_eq!(
            allowed.map(|u| u.web()).ok().as_deref(),
            Some("http://halo.corp.example")
        );
    }

    #[test]
    fn refuses_what_cannot_be_a_halo_address() {
        for input in [
            "",
            "   ",
            "ftp://acme.halopsa.com",
            "https://",
            "https://user:pw@acme.halopsa.com",
        ] {
            assert!(
                InstanceUrl::parse(input, false).is_err(),
                "{input:?} was accepted"
            );
        }
    }

    #[test]
    fn tells_the_user_what_was_understood() {
        let url = InstanceUrl::parse("acme.halopsa.com/api/", false).expect("valid");
        let text = url.describe();
        assert!(text.contains("https://acme.halopsa.com"), "{text}");
        assert!(
            text.contains("assumed https://") && text.contains("removed /api"),
            "{text}"
        );
    }

    #[test]
    fn explicit_auth_server_drops_a_trailing_token_path() {
        let url = InstanceUrl::parse("acme.halopsa.com", false).expect("valid");
        let settings = ConnectionSettings::new(url, "id")
            .with_auth_server("https://auth.acme.example/auth/token/")
            .expect("valid");
        assert_eq!(
            settings.auth_server.as_deref(),
            Some("https://auth.acme.example/auth")
        );
    }

    #[test]
    fn the_secret_never_prints() {
        let secret = ClientSecret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
