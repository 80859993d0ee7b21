//! OAuth2 client credentials against Halo's authorisation server: discovery
//! through `/api/authinfo`, the token request, and when to renew. Tokens
//! live in memory only.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::connection::{ClientSecret, ConnectionSettings};
use crate::error::{HaloError, Operation, error_detail, excerpt};

/// Renew this long before expiry: 5 minutes, or a fifth of a short lifetime.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(Duration::from_secs(300))
}

/// Used when Halo's answer has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub(crate) struct CachedToken {
    pub access_token: String,
    pub renew_at: DateTime<Utc>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &"***")
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

/// Where tokens come from, once discovered.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    pub url: String,
    pub tenant: Option<String>,
}

/// Asks `/api/authinfo` for the auth server; falls back to `{web}/auth`.
pub(crate) async fn discover(
    http: &reqwest::Client,
    settings: &ConnectionSettings,
) -> (TokenEndpoint, Option<String>) {
    let fallback_base = settings
        .auth_server
        .clone()
        .unwrap_or_else(|| settings.instance.default_auth_base());
    if settings.auth_server.is_some() {
        return (
            token_endpoint(&fallback_base, settings.tenant.clone()),
            None,
        );
    }
    let url = format!("{}/authinfo", settings.instance.api_base());
    let answer = http.get(&url).send().await;
    let info = match answer {
        Ok(response) if response.status().is_success() => response.json::<Value>().await.ok(),
        Ok(response) => {
            tracing::debug!(status = %response.status(), "authinfo unavailable, using {fallback_base}");
            None
        }
        Err(error) => {
            tracing::debug!(%error, "authinfo unreachable, using {fallback_base}");
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
    let base = field("auth_url")
        .filter(|url| {
            url.starts_with("https://")
                || url.starts_with(&settings.instance.web())
                || settings.allow_insecure_http
        })
        .map(|url| {
            let url = url.trim_end_matches('/');
            url.strip_suffix("/token").unwrap_or(url).to_owned()
        })
        .unwrap_or(fallback_base);
    let tenant = settings.tenant.clone().or_else(|| field("tenant_id"));
    (token_endpoint(&base, tenant), Some(url))
}

fn token_endpoint(base: &str, tenant: Option<String>) -> TokenEndpoint {
    TokenEndpoint {
        url: format!("{}/token", base.trim_end_matches('/')),
        tenant,
    }
}

pub(crate) async fn request_token(
    http: &reqwest::Client,
    endpoint: &TokenEndpoint,
    settings: &ConnectionSettings,
    secret: &ClientSecret,
    now: DateTime<Utc>,
) -> Result<CachedToken, HaloError> {
    let mut request = http.post(&endpoint.url);
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
        .map_err(|e| crate::client::network_error(Operation::Token, &e))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
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
    let unexpected = |detail: String| HaloError::UnexpectedResponse {
        operation: Operation::Token,
        detail,
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|_| unexpected(format!("not JSON: {}", excerpt(&text))))?;
    let access_token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            unexpected(format!(
                "no access_token in {}",
                crate::error::describe_shape(&value)
            ))
        })?
        .to_owned();
    let lifetime = value
        .get("expires_in")
        .and_then(crate::lenient::int_from)
        .and_then(|s| u64::try_from(s).ok())
        .filter(|s| *s > 0)
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
    let usable = lifetime - renewal_margin(lifetime);
    let renew_at = now + chrono::Duration::from_std(usable).unwrap_or(chrono::Duration::zero());
    Ok(CachedToken {
        access_token,
        renew_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
