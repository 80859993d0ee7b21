//! One request path to Halo's resource server: the bearer token, bounded
//! retries, Halo's rate limit, the request budget, and the mapping from
//! status codes to [`HaloError`]s. The endpoints in `endpoints/` sit on it.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::auth::Authenticator;
use crate::body::{MAX_RESPONSE_BYTES, read_limited};
use crate::budget::RequestBudget;
use crate::clock::SharedClock;
use crate::connection::{ClientSecret, ConnectionSettings};
use crate::error::{HaloError, Operation, error_detail, excerpt, network_error, permission_in};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;

/// Whether a request may be sent again after a failure whose effect is
/// unknown: adding an action twice would leave two notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotent {
    Yes,
    No,
}

/// A successful answer: its JSON body and Halo's clock when it answered.
#[derive(Debug)]
pub(crate) struct Reply {
    pub body: Value,
    pub server_date: Option<DateTime<Utc>>,
}

/// One call to make: which operation (for error messages), where, and how.
pub(crate) struct Call<'a> {
    pub operation: Operation,
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub body: Option<Value>,
    pub idempotent: Idempotent,
}

impl<'a> Call<'a> {
    pub fn get(operation: Operation, path: &'a str, query: &'a [(&'a str, String)]) -> Self {
        Self {
            operation,
            method: Method::GET,
            path,
            query,
            body: None,
            idempotent: Idempotent::Yes,
        }
    }
}

/// Halo's clock as last seen, and ours at that moment.
#[derive(Debug, Clone, Copy)]
struct ServerClock {
    server: DateTime<Utc>,
    local: DateTime<Utc>,
}

pub(crate) struct Transport {
    http: reqwest::Client,
    pub settings: ConnectionSettings,
    secret: ClientSecret,
    pub clock: SharedClock,
    retry: RetryPolicy,
    auth: Authenticator,
    pub budget: RequestBudget,
    pub rate: RateLimiter,
    server_clock: std::sync::Mutex<Option<ServerClock>>,
}

impl Transport {
    pub fn new(
        settings: ConnectionSettings,
        secret: ClientSecret,
        clock: SharedClock,
        retry: RetryPolicy,
    ) -> Result<Self, HaloError> {
        let instance = &settings.instance;
        if instance.is_plain_http() && !instance.is_loopback() && !settings.allow_insecure_http {
            return Err(HaloError::InsecureUrl {
                url: instance.web(),
            });
        }
        let http = settings.http_client(reqwest::redirect::Policy::default())?;
        let auth = Authenticator::new(&settings)?;
        Ok(Self {
            http,
            settings,
            secret,
            clock,
            retry,
            auth,
            budget: RequestBudget::default(),
            rate: RateLimiter::default(),
            server_clock: std::sync::Mutex::new(None),
        })
    }

    pub async fn forget_token(&self) {
        self.auth.forget().await;
    }

    /// Halo's clock now, extrapolated from its last `Date` header.
    pub fn server_now(&self) -> Option<DateTime<Utc>> {
        let seen = (*self
            .server_clock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))?;
        seen.server
            .checked_add_signed(self.clock.now() - seen.local)
    }

    pub async fn send(&self, call: Call<'_>) -> Result<Reply, HaloError> {
        let Call {
            operation,
            method,
            path,
            query,
            body,
            idempotent,
        } = call;
        let url = format!("{}{path}", self.settings.instance.api_base());
        let mut transient_failures = 0u32;
        let mut rate_waits = 0u32;
        let mut renewed = false;
        // Sleeps before the next attempt when a transient failure may be
        // retried; otherwise hands the failure back.
        let retry_transient = |failures: &mut u32, failure: HaloError| {
            let may_retry =
                idempotent == Idempotent::Yes && *failures < self.retry.transient_retries;
            if may_retry {
                *failures += 1;
                tracing::debug!(%failure, attempt = *failures, "retrying");
                Ok(self.retry.transient_backoff(*failures))
            } else {
                Err(failure)
            }
        };
        loop {
            self.wait_out_rate_limit(&mut rate_waits).await?;
            let token = self
                .auth
                .access_token(&self.settings, &self.secret, &self.clock, &self.budget)
                .await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .query(query);
            if let Some(body) = &body {
                request = request.json(body);
            }
            self.budget.record(self.clock.now());
            let answer = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let header = |name| response.headers().get(name).cloned();
                    let headers = (
                        header(reqwest::header::DATE),
                        header(reqwest::header::RETRY_AFTER),
                    );
                    read_limited(operation, response, MAX_RESPONSE_BYTES)
                        .await
                        .map(|text| (status, headers, text))
                }
                Err(error) => Err(network_error(operation, &error)),
            };
            let (status, (date, retry_after), text) = match answer {
                Ok(answer) => answer,
                // Too large: reading it again would cost as much again.
                Err(error @ HaloError::UnexpectedResponse { .. }) => return Err(error),
                Err(error) => {
                    let wait = retry_transient(&mut transient_failures, error)?;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            if status.is_success() {
                self.rate.succeeded();
                let server_date = self.note_server_date(date.as_ref());
                return Ok(Reply {
                    body: parse_json(operation, &text)?,
                    server_date,
                });
            }
            match status {
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    self.auth.forget().await;
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    let retry_after = retry_after.as_ref().and_then(|v| v.to_str().ok());
                    self.rate
                        .limited(retry_after, self.clock.now(), &self.retry);
                }
                _ if status.is_server_error() => {
                    let failure = HaloError::Server {
                        operation,
                        status: status.as_u16(),
                        detail: error_detail(&text),
                        attempts: transient_failures + 1,
                    };
                    let wait = retry_transient(&mut transient_failures, failure)?;
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(status_error(operation, status, path, &text)),
            }
        }
    }

    /// Sits out a rate-limit wait when allowed, else reports it.
    async fn wait_out_rate_limit(&self, waits: &mut u32) -> Result<(), HaloError> {
        let Some(wait) = self.rate.remaining(self.clock.now()) else {
            return Ok(());
        };
        if *waits >= self.retry.rate_limit_retries || wait > self.retry.max_rate_limit_wait {
            return Err(HaloError::RateLimited { retry_after: wait });
        }
        *waits += 1;
        tokio::time::sleep(wait).await;
        self.rate.clear();
        Ok(())
    }

    fn note_server_date(
        &self,
        date: Option<&reqwest::header::HeaderValue>,
    ) -> Option<DateTime<Utc>> {
        let server = date
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())?
            .with_timezone(&Utc);
        *self
            .server_clock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(ServerClock {
            server,
            local: self.clock.now(),
        });
        Some(server)
    }
}

/// The error for a final, non-retryable status.
fn status_error(operation: Operation, status: StatusCode, path: &str, text: &str) -> HaloError {
    let detail = error_detail(text);
    match status {
        StatusCode::UNAUTHORIZED => HaloError::Unauthorized { detail },
        StatusCode::FORBIDDEN => HaloError::Forbidden {
            operation,
            permission: permission_in(&detail).unwrap_or_else(|| operation.permission().to_owned()),
            detail,
        },
        StatusCode::NOT_FOUND => HaloError::NotFound {
            what: format!("{path} ({detail})"),
        },
        _ => HaloError::BadRequest {
            operation,
            status: status.as_u16(),
            detail,
        },
    }
}

fn parse_json(operation: Operation, text: &str) -> Result<Value, HaloError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|error| HaloError::UnexpectedResponse {
        operation,
        detail: format!("the body is not valid JSON ({error}): {}", excerpt(text)),
    })
}
