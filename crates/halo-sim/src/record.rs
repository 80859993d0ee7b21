//! Every request a client sends (except to `/_sim`), with the answer's status,
//! so tests can assert what a client did: which filters, how often it fetched
//! a token, whether it sent its credentials.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth;

/// One request as the client sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent (original case).
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The answer's status; `None` when the connection was dropped instead.
    pub status: Option<u16>,
    pub at: DateTime<Utc>,
}

impl RecordedRequest {
    /// The first value of a query parameter (name compared case-insensitively).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The bearer token sent, if any.
    pub fn bearer_token(&self) -> Option<&str> {
        self.authorization.as_deref().and_then(auth::bearer_token)
    }

    /// Whether this was a request to the token endpoint.
    pub fn is_token_request(&self) -> bool {
        self.path
            .trim_end_matches('/')
            .eq_ignore_ascii_case("/auth/token")
    }

    /// Whether the path (case-insensitively) starts with `prefix`.
    pub fn path_starts_with(&self, prefix: &str) -> bool {
        self.path
            .to_ascii_lowercase()
            .starts_with(&prefix.to_ascii_lowercase())
    }
}

/// Keeps the most recent requests; a long demo run must not grow without bound.
#[derive(Debug)]
pub(crate) struct Recorder {
    entries: VecDeque<(u64, RecordedRequest)>,
    next_seq: u64,
    token_requests: usize,
    capacity: usize,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            entries: VecDeque::new(),
            next_seq: 0,
            token_requests: 0,
            capacity: 20_000,
        }
    }
}

impl Recorder {
    pub(crate) fn push(&mut self, request: RecordedRequest) -> u64 {
        if request.is_token_request() {
            self.token_requests += 1;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back((seq, request));
        seq
    }

    pub(crate) fn set_status(&mut self, seq: u64, status: Option<u16>) {
        if let Some((_, r)) = self.entries.iter_mut().rev().find(|(s, _)| *s == seq) {
            r.status = status;
        }
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(_, r)| r.clone()).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.token_requests = 0;
    }

    pub(crate) fn token_requests(&self) -> usize {
        self.token_requests
    }
}
