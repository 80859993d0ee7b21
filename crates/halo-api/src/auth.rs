//! OAuth2 client credentials against Halo's authorisation server: discovery
//! through `/api/authinfo`, the token request, and when to renew. Tokens
//! live in memory only, and the secret goes nowhere but the token URL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::body::read_limited;
use crate::budget::RequestBudget;
use crate::clock::SharedClock;
use crate::connection::{ClientSecret, ConnectionSettings};
use crate::error::{HaloError, Operation, describe_shape, error_detail, network_error};

/// Renew this long before expiry: 5 minutes, or a fifth of a short lifetime.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(Duration::from_secs(300))
}

/// Used when Halo's answer has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Clone)]
struct CachedToken {
    access_token: String,
    renew_at: DateTime<Utc>,
}

/// Where tokens come from, once discovered.
#[derive(Debug, Clone)]
struct TokenEndpoint {
    url: String,
    tenant: Option<String>,
}

/// Discovers the token endpoint once and keeps a token until it is due
/// for renewal. Its HTTP client never follows redirects: a redirect on the
/// token request would carry the client secret to another address.
pub(crate) struct Authenticator {
    http: reqwest::Client,
    endpoint: Mutex<Option<TokenEndpoint>>,
    token: Mutex<Option<CachedToken>>,
}

impl Authenticator {
    pub fn new(settings: &ConnectionSettings) -> Result<Self, HaloError> {
        Ok(Self {
            http: settings.http_client(reqwest::redirect::Policy::none())?,
            endpoint: Mutex::new(None),
            token: Mutex::new(None),
        })
    }

    pub async fn forget(&self) {
        *self.token.lock().await = None;
    }

    /// A valid access token, from the cache or freshly requested.
    pub async fn access_token(
        &self,
        settings: &ConnectionSettings,
        secret: &ClientSecret,
        clock: &SharedClock,
        budget: &RequestBudget,
    ) -> Result<String, HaloError> {
        let mut cached = self.token.lock().await;
        let now = clock.now();
        if let Some(token) = cached.as_ref().filter(|t| t.renew_at > now) {
            return Ok(token.access_token.clone());
        }
        let endpoint = self.endpoint(settings, clock, budget).await?;
        budget.record(now);
        let token = self.request_token(&endpoint, settings, secret, now).await?;
        let access = token.access_token.clone();
        *cached = Some(token);
        Ok(access)
    }

    async fn endpoint(
        &self,
        settings: &ConnectionSettings,
        clock: &SharedClock,
        budget: &RequestBudget,
    ) -> Result<TokenEndpoint, HaloError> {
        let mut endpoint = self.endpoint.lock().await;
        if let Some(found) = endpoint.as_ref() {
            return Ok(found.clone());
        }
        let found = match &settings.auth_server {
            Some(base) => token_endpoint(base, settings.tenant.clone()),
            None => {
                budget.record(clock.now());
                self.discover(settings).await?
            }
        };
        tracing::debug!(token_url = %found.url, "token endpoint");
        *endpoint = Some(found.clone());
        Ok(found)
    }

    /// Asks `/api/authinfo` for the auth server; falls back to `{web}/auth`.
    /// A discovered server must be on the instance's own origin: anyone who
    /// can alter that answer would otherwise collect the client secret.
    async fn discover(&self, settings: &ConnectionSettings) -> Result<TokenEndpoint, HaloError> {
        let fallback = settings.instance.default_auth_base();
        let url = format!("{}/authinfo", settings.instance.api_base());
        let info = match self.http.get(&url).send().await {
            Ok(response) if response.status().is_success() => response.json::<Value>().await.ok(),
            Ok(response) => {
                tracing::debug!(status = %response.status(), "authinfo unavailable, using {fallback}");
                None
            }
            Err(error) => {
                tracing::debug!(%error, "authinfo unreachable, using {fallback}");
                None
            }
        };
        let field = |key: &str| {
            info.as_ref()
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let base = match field("auth_url") {
            Some(discovered) => same_origin_auth_base(settings, &discovered)?,
            None => fallback,
        };
        let tenant = settings.tenant.clone().or_else(|| field("tenant_id"));
        Ok(token_endpoint(&base, tenant))
    }

    async fn request_token(
        &self,
        endpoint: &TokenEndpoint,
        settings: &ConnectionSettings,
        secret: &ClientSecret,
        now: DateTime<Utc>,
    ) -> Result<CachedToken, HaloError> {
        let mut request = self.http.post(&endpoint.url);
        if let Some(tenant) = &endpoint.tenant {
            request = request.query(&[("tenant", tenant)]);
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", settings.client_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", settings.scope.as_str()),
        ];
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|e| network_error(Operation::Token, &e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("an address it did not give")
                .to_owned();
            return Err(HaloError::TokenRedirected {
                url: endpoint.url.clone(),
                location,
            });
        }
        let status = status.as_u16();
        let text = read_limited(
            Operation::Token,
            response,
            crate::body::MAX_TOKEN_RESPONSE_BYTES,
        )
        .await?;
        let detail = error_detail(&text);
        match status {
            200..=299 => {}
            401 => return Err(HaloError::BadCredentials { detail }),
            400 if detail.contains("invalid_client") => {
                return Err(HaloError::BadCredentials { detail });
            }
            400..=499 => return Err(HaloError::TokenRefused { status, detail }),
            _ => {
                return Err(HaloError::Server {
                    operation: Operation::Token,
                    status,
                    detail,
                    attempts: 1,
                });
            }
        }
        parse_token(&text, now)
    }
}

/// Why a token answer could not be read. Its body is quoted only when it is
/// a page (a proxy's sign-in or error page, by its title): a cut-off answer
/// may hold part of an access token, which must not reach logs or the tray.
fn not_json(text: &str) -> String {
    if text.trim_start().starts_with('<') {
        format!("not JSON but a page: {}", error_detail(text))
    } else {
        format!(
            "not JSON ({} bytes, not shown: it may hold part of a token)",
            text.len()
        )
    }
}

/// The auth base from `authinfo`'s `auth_url`, if it shares the instance's
/// scheme, host and port.
fn same_origin_auth_base(
    settings: &ConnectionSettings,
    discovered: &str,
) -> Result<String, HaloError> {
    let instance = settings.instance.web();
    let foreign = || HaloError::ForeignAuthServer {
        discovered: discovered.to_owned(),
        instance: instance.clone(),
    };
    let discovered_url = Url::parse(discovered).map_err(|_| foreign())?;
    let instance_url = Url::parse(&instance).map_err(|_| foreign())?;
    if discovered_url.origin() != instance_url.origin() {
        return Err(foreign());
    }
    let base = discovered.trim_end_matches('/');
    Ok(base.strip_suffix("/token").unwrap_or(base).to_owned())
}

fn token_endpoint(base: &str, tenant: Option<String>) -> TokenEndpoint {
    TokenEndpoint {
        url: format!("{}/token", base.trim_end_matches('/')),
        tenant,
    }
}

fn parse_token(text: &str, now: DateTime<Utc>) -> Result<CachedToken, HaloError> {
    let unexpected = |detail: String| HaloError::UnexpectedResponse {
        operation: Operation::Token,
        detail,
    };
    let value: Value = serde_json::from_str(text).map_err(|_| unexpected(not_json(text)))?;
    let access_token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unexpected(format!("no access_token in {}", describe_shape(&value))))?
        .to_owned();
    let lifetime = value
        .get("expires_in")
        .and_then(crate::lenient::int_from)
        .and_then(|s| u64::try_from(s).ok())
        .filter(|s| *s > 0)
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
    let usable = lifetime - renewal_margin(lifetime);
    let renew_at = chrono::Duration::from_std(usable)
        .ok()
        .and_then(|usable| now.checked_add_signed(usable))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    Ok(CachedToken {
        access_token,
        renew_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::InstanceUrl;

    /// (The token type has no Debug, on purpose: it holds the secret.)
    fn refused(text: &str) -> String {
        match parse_token(text, Utc::now()) {
            Ok(_) => panic!("read as a token: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_token_answer_that_is_not_json_is_never_quoted_unless_it_is_a_page() {
        let said = refused(r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBhcnQ"#);
        assert!(
            !said.contains("eyJ") && !said.contains("c2VjcmV0"),
            "{said}"
        );
        assert!(said.contains("bytes"), "{said}");
        let said =
            refused("<html><head><title>Sign in to the proxy</title></head><body>…</body></html>");
        assert!(said.contains("Sign in to the proxy"), "{said}");
    }

    #[test]
    fn renews_five_minutes_early_or_a_fifth_of_short_lifetimes() {
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(60)),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn an_absurd_token_lifetime_does_not_panic() {
        let now = Utc::now();
        let token = parse_token(
            r#"{"access_token":"t","expires_in":9223372036854775807}"#,
            now,
        )
        .expect("a token");
        assert!(token.renew_at > now);
    }

    #[test]
    fn discovered_auth_servers_must_share_the_instance_origin() {
        let instance = InstanceUrl::parse("https://acme.halopsa.com/halo", false).expect("valid");
        let settings = ConnectionSettings::new(instance, "id");
        let same = same_origin_auth_base(&settings, "https://acme.halopsa.com/auth/token/");
        assert_eq!(same.ok().as_deref(), Some("https://acme.halopsa.com/auth"));
        for foreign in [
            "https://evil.example/auth",
            "http://acme.halopsa.com/auth",
            "https://acme.halopsa.com:8443/auth",
            "https://acme.halopsa.com.evil.example/auth",
            "not a url",
        ] {
            let refused = same_origin_auth_base(&settings, foreign);
            assert!(
                matches!(refused, Err(HaloError::ForeignAuthServer { .. })),
                "{foreign}: {refused:?}"
            );
        }
    }
}
