//! The shared secret a sender must present, and the three places it may
//! present it: the last path segment, a Bearer token, or a Basic password.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::{MIN_TOKEN_LEN, ReceiverError};

/// The shared secret, hidden from Debug output.
#[derive(Clone)]
pub struct WebhookToken(String);

impl WebhookToken {
    pub fn new(token: impl Into<String>) -> Result<Self, ReceiverError> {
        let token = token.into();
        if token.trim().len() < MIN_TOKEN_LEN {
            return Err(ReceiverError::WeakToken);
        }
        Ok(WebhookToken(token.trim().to_owned()))
    }

    /// Constant-time for equal lengths; the length of a random token is
    /// not what protects it.
    pub(crate) fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }

    /// Whether the `Authorization` header carries the token, as a Bearer
    /// token or as the Basic-auth password (any user name).
    pub(crate) fn in_headers(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            return self.matches(rest.trim());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            return base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|pair| pair.split_once(':').map(|(_, pw)| pw.to_owned()))
                .is_some_and(|pw| self.matches(&pw));
        }
        false
    }
}

impl std::fmt::Debug for WebhookToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookToken(hidden)")
    }
}
