//! The webhook endpoint. It only does transport: checks the token (last
//! path segment as SIGNL4 does, `Authorization: Bearer`, or the Basic-auth
//! password as Halo's native webhooks send it) before reading the body,
//! bounds how long headers and bodies may take and how many requests run
//! at once, and maps what the [`WebhookSink`] made of a delivery to a
//! status code: 202 accepted, 200 duplicate, 400 unusable, 401 bad token,
//! 408 too slow, 413 too large, 503 retry.

mod handlers;
mod server;
mod token;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;

pub use handlers::router;
pub use server::{Receiver, bind};
pub use token::WebhookToken;

/// Halo's payloads are small; a megabyte leaves room for full tickets.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Shorter tokens are guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// One delivery, minus its credentials.
#[derive(Debug, Clone)]
pub struct InboundWebhook {
    /// Lower-case names; `authorization` is never included.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub peer: SocketAddr,
}

/// What the engine made of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkReply {
    Accepted,
    Duplicate,
    /// Logged, but nothing could be done with it.
    Unusable(String),
    /// Could not be processed now (e.g. the database is busy): the sender
    /// should retry.
    Failed(String),
}

/// Why a request was refused before the sink saw its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadToken,
}

/// Where accepted deliveries go.
pub trait WebhookSink: Send + Sync + 'static {
    fn receive(&self, hook: InboundWebhook) -> impl Future<Output = SinkReply> + Send;
    /// A refused request, for the inbound log; never with body or token.
    fn refused(&self, reason: Refusal, peer: SocketAddr) -> impl Future<Output = ()> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error(
        "the webhook token is too short (at least {MIN_TOKEN_LEN} characters): generate a long \
         random one, e.g. `openssl rand -hex 24`, and store it with \
         `halo-notifier-cli login --webhook-token`"
    )]
    WeakToken,
    #[error(
        "cannot listen for webhooks on {addr}: {source}; another program may use the port: \
         change [webhook] bind"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub bind: SocketAddr,
    pub token: WebhookToken,
    pub body_limit: usize,
    pub limits: ReceiverLimits,
}

/// How much a client may take of the receiver: slow or flooding senders
/// are cut off so that Halo's deliveries always get through.
#[derive(Debug, Clone)]
pub struct ReceiverLimits {
    /// From connecting (or the previous request) to the end of the headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub body_timeout: Duration,
    /// Requests handled at once; more wait their turn.
    pub max_in_flight: usize,
    /// Open connections; more are closed at once.
    pub max_connections: usize,
    /// How long requests in flight may finish after shutdown is asked for.
    pub shutdown_grace: Duration,
}

impl Default for ReceiverLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_in_flight: 32,
            max_connections: 512,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
