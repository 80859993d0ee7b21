//! Request and response bodies of the control API. Faults and webhooks are
//! described with strings here (as typed on a command line) and turned into
//! the library's types by `to_fault` / `parts`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::faults::{Fault, FaultKind};
use crate::halo_error::ErrorShape;
use crate::webhooks::{TemplateRendering, WebhookAuth, WebhookShape};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusChange {
    pub status_id: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    /// `None` or 0 unassigns.
    pub agent_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamChange {
    pub team_id: i32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloseRequest {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyRequest {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkRequest {
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastUpdateChange {
    pub last_update: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    pub id: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkCreated {
    pub count: usize,
    pub first_id: Option<i32>,
    pub last_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookResult {
    pub status: u16,
}

/// What `GET /_sim/info` tells: where the tenant is and how to log in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimInfo {
    pub base_url: String,
    pub api_url: String,
    pub auth_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub tenant: Option<String>,
    pub scopes: Vec<String>,
    pub closed_status_id: i32,
    pub api_agent_id: i32,
}

/// A fault as the CLI describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaultSpec {
    /// `rate-limited`, `server-error`, `slow`, `drop`, `reset`, `gateway`
    /// (`502`, `503`, `504`), `huge-body`, `change-between-pages`,
    /// `malformed-json`, `forbidden`, `expire-tokens`, `invalid-client` or
    /// `error-body`.
    pub kind: String,
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub shape: Option<ErrorShape>,
    /// For `huge-body`: its size (default 50 MiB).
    #[serde(default)]
    pub bytes: Option<usize>,
    /// For `change-between-pages`: tickets closed and logged after page 1.
    #[serde(default)]
    pub close: Option<usize>,
    #[serde(default)]
    pub create: Option<usize>,
}

impl FaultSpec {
    pub fn to_fault(&self) -> Result<Fault, SimError> {
        let kind = match self.kind.to_ascii_lowercase().replace('_', "-").as_str() {
            "rate-limited" | "rate-limit" | "429" => FaultKind::RateLimited {
                retry_after: self.retry_after,
            },
            "server-error" | "500" => FaultKind::ServerError,
            "slow" => FaultKind::Slow(Duration::from_millis(self.delay_ms.unwrap_or(2000))),
            "drop" | "drop-connection" => FaultKind::DropConnection,
            "reset" | "reset-connection" => FaultKind::ResetConnection,
            "gateway" | "502" | "503" | "504" => FaultKind::Gateway {
                status: self.status.unwrap_or(match self.kind.as_str() {
                    "503" => 503,
                    "504" => 504,
                    _ => 502,
                }),
            },
            "huge-body" => FaultKind::HugeBody {
                bytes: self.bytes.unwrap_or(50 * 1024 * 1024),
            },
            "change-between-pages" => FaultKind::ChangeBetweenPages {
                close: self.close.unwrap_or(3),
                create: self.create.unwrap_or(3),
            },
            "malformed-json" | "malformed" => FaultKind::MalformedJson,
            "forbidden" | "403" => FaultKind::Forbidden {
                permission: self
                    .permission
                    .clone()
                    .unwrap_or_else(|| "read:tickets".to_owned()),
            },
            "expire-tokens" => FaultKind::ExpireTokens,
            "invalid-client" => FaultKind::InvalidClient,
            "error-body" => FaultKind::ErrorBody {
                status: self.status.unwrap_or(500),
                shape: self.shape.unwrap_or(ErrorShape::ClassNameMessage),
            },
            other => return Err(SimError::Invalid(format!("unknown fault kind '{other}'"))),
        };
        Ok(Fault {
            kind,
            path_prefix: self.path.clone(),
            times: self.times.unwrap_or(1),
        })
    }
}

/// A webhook as the CLI describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WebhookSpec {
    pub url: String,
    /// `native`, `ilert`, `ilert-full`, `signl4`, `signl4-resolve` or `raw`.
    pub shape: String,
    pub ticket_id: i32,
    /// For `native`; default "New Ticket Logged".
    #[serde(default)]
    pub event: Option<String>,
    /// For `raw`.
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub bearer: Option<String>,
    /// `user:password`.
    #[serde(default)]
    pub basic: Option<String>,
    /// Naive template rendering (raw text between quotes).
    #[serde(default)]
    pub naive: bool,
}

impl WebhookSpec {
    pub fn parts(&self) -> Result<(WebhookShape, WebhookAuth, TemplateRendering), SimError> {
        let shape = match self.shape.to_ascii_lowercase().replace('_', "-").as_str() {
            "native" => WebhookShape::Native {
                event: self
                    .event
                    .clone()
                    .unwrap_or_else(|| "New Ticket Logged".to_owned()),
            },
            "ilert" | "ilert-recommended" => WebhookShape::IlertRecommended,
            "ilert-full" => WebhookShape::IlertFull,
            "signl4" => WebhookShape::Signl4,
            "signl4-resolve" => WebhookShape::Signl4Resolve,
            "raw" => WebhookShape::Raw(self.raw.clone().unwrap_or_default()),
            other => {
                return Err(SimError::Invalid(format!(
                    "unknown webhook shape '{other}'"
                )));
            }
        };
        let auth = match (&self.bearer, &self.basic) {
            (Some(_), Some(_)) => {
                return Err(SimError::Invalid(
                    "give --bearer or --basic, not both".into(),
                ));
            }
            (Some(token), None) => WebhookAuth::Bearer(token.clone()),
            (None, Some(pair)) => {
                let (user, password) = pair
                    .split_once(':')
                    .ok_or_else(|| SimError::Invalid("--basic takes user:password".to_owned()))?;
                WebhookAuth::Basic {
                    user: user.to_owned(),
                    password: password.to_owned(),
                }
            }
            (None, None) => WebhookAuth::None,
        };
        let rendering = if self.naive {
            TemplateRendering::NaiveText
        } else {
            TemplateRendering::Json
        };
        Ok((shape, auth, rendering))
    }
}
