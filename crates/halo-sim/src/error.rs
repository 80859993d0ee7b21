//! Errors the simulator's library API reports to its caller (tests, the binary).
//! Wire-level errors that Halo itself sends live in `halo_error.rs`.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("could not bind the simulator to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the simulator must be started inside a tokio runtime")]
    NoRuntime,
    #[error("no ticket with id {0}")]
    UnknownTicket(i32),
    #[error("{0}")]
    Invalid(String),
    #[error("webhook delivery to {url} failed: {source}")]
    Webhook {
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

pub type SimResult<T> = Result<T, SimError>;
