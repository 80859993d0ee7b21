//! Scripted misbehaviour: a queue of faults, each answering the next `times`
//! matching requests in place of the normal answer (or on top of it).
//! Control requests (`/_sim/*`) are never affected.

use std::time::Duration;

use crate::halo_error::ErrorShape;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 429 with Halo's text; `Retry-After` only when `Some`.
    RateLimited { retry_after: Option<u64> },
    /// 500 `{"ClassName":"System.Exception","Message":...}`.
    ServerError,
    /// Wait, then answer normally.
    Slow(Duration),
    /// Close the TCP connection without any HTTP response.
    DropConnection,
    /// Answer normally but cut the body in half (invalid JSON).
    MalformedJson,
    /// 403 naming this permission.
    Forbidden { permission: String },
    /// Invalidate every issued token, then answer normally (so: 401).
    ExpireTokens,
    /// The token endpoint answers 401 `{"error":"invalid_client"}`.
    InvalidClient,
    /// An error status with a body in one of Halo's shapes.
    ErrorBody { status: u16, shape: ErrorShape },
}

/// A fault and the requests it applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Case-insensitive prefix of the request path (e.g. `/api/Tickets`).
    /// `None`: every `/api/*` call except `/api/authinfo`, or for
    /// `InvalidClient` every token request.
    pub path_prefix: Option<String>,
    /// How many matching requests it answers; 0 makes it a no-op.
    pub times: u32,
}

impl Fault {
    /// A fault for the next matching request.
    pub fn once(kind: FaultKind) -> Self {
        Self::times(kind, 1)
    }

    pub fn times(kind: FaultKind, times: u32) -> Self {
        Self {
            kind,
            path_prefix: None,
            times,
        }
    }

    /// Limits the fault to paths starting with `prefix`.
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }
}

impl From<FaultKind> for Fault {
    fn from(kind: FaultKind) -> Self {
        Self::once(kind)
    }
}

/// What kind of request is asking, for a fault without a path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestClass {
    /// `/api/*` other than authinfo.
    Resource,
    AuthInfo,
    Token,
    Other,
}

impl RequestClass {
    /// Classifies a lower-cased, normalised path.
    pub(crate) fn of(path: &str) -> Self {
        if path == "/api/authinfo" {
            Self::AuthInfo
        } else if path == "/api" || path.starts_with("/api/") {
            Self::Resource
        } else if path == "/auth/token" {
            Self::Token
        } else {
            Self::Other
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: Vec<Fault>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.pending.push(fault);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Takes one use of the first fault matching this request.
    pub(crate) fn take(&mut self, path: &str, class: RequestClass) -> Option<FaultKind> {
        let index = self.pending.iter().position(|f| matches(f, path, class))?;
        let fault = &mut self.pending[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

fn matches(fault: &Fault, path: &str, class: RequestClass) -> bool {
    match &fault.path_prefix {
        Some(prefix) => path.starts_with(&prefix.to_ascii_lowercase()),
        None if fault.kind == FaultKind::InvalidClient => class == RequestClass::Token,
        None => class == RequestClass::Resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_count_down_and_respect_prefixes() {
        let mut q = FaultQueue::default();
        q.push(Fault::times(FaultKind::ServerError, 2).on_path("/api/Tickets"));
        q.push(Fault::once(FaultKind::InvalidClient));
        assert_eq!(q.take("/api/status", RequestClass::Resource), None);
        assert_eq!(
            q.take("/api/tickets/5", RequestClass::Resource),
            Some(FaultKind::ServerError)
        );
        assert_eq!(
            q.take("/auth/token", RequestClass::Token),
            Some(FaultKind::InvalidClient)
        );
        assert_eq!(
            q.take("/api/tickets", RequestClass::Resource),
            Some(FaultKind::ServerError)
        );
        assert_eq!(q.take("/api/tickets", RequestClass::Resource), None);
    }

    #[test]
    fn unprefixed_faults_spare_authinfo_and_tokens() {
        let mut q = FaultQueue::default();
        q.push(Fault::once(FaultKind::DropConnection));
        assert_eq!(q.take("/api/authinfo", RequestClass::AuthInfo), None);
        assert_eq!(q.take("/auth/token", RequestClass::Token), None);
        assert_eq!(
            q.take("/api/team", RequestClass::Resource),
            Some(FaultKind::DropConnection)
        );
    }
}
