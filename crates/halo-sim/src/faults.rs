//! Scripted misbehaviour: a queue of faults, each answering the next `times`
//! matching requests in place of the normal answer (or on top of it).
//! [`Fault::lasting`] makes one last until `clear_faults`, for a fault that
//! holds for a period. Control requests (`/_sim/*`) are never affected.

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
    /// Abort the TCP connection (RST, as a crashed proxy or a firewall
    /// does) without any HTTP response.
    ResetConnection,
    /// A gateway in front of Halo fails (`status` 502, 503 or 504) with the
    /// HTML page IIS / Azure Front Door show, not a Halo JSON error.
    Gateway { status: u16 },
    /// Answer 200 with a JSON body of `bytes` bytes, streamed without a
    /// `Content-Length` (a runaway proxy or a ticket full of inline images).
    HugeBody { bytes: usize },
    /// On the first page of a paged ticket list: answer it, then close the
    /// first `close` open tickets on it and log `create` new tickets in the
    /// first row's team, so later pages shift as they do when colleagues
    /// work while the client pages. See `SimControl::page_changes`.
    ChangeBetweenPages { close: usize, create: usize },
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

    /// A fault that lasts until `clear_faults`.
    pub fn lasting(kind: FaultKind) -> Self {
        Self::times(kind, u32::MAX)
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
    /// `first_page`: the request is page 1 of a paged ticket list, the only
    /// place a `ChangeBetweenPages` fault applies.
    pub(crate) fn take(
        &mut self,
        path: &str,
        class: RequestClass,
        first_page: bool,
    ) -> Option<FaultKind> {
        let index = self
            .pending
            .iter()
            .position(|f| matches(f, path, class, first_page))?;
        let fault = &mut self.pending[index];
        if fault.times != u32::MAX {
            fault.times -= 1;
        }
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

fn matches(fault: &Fault, path: &str, class: RequestClass, first_page: bool) -> bool {
    if matches!(fault.kind, FaultKind::ChangeBetweenPages { .. }) {
        return first_page;
    }
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
        assert_eq!(q.take("/api/status", RequestClass::Resource, false), None);
        assert_eq!(
            q.take("/api/tickets/5", RequestClass::Resource, false),
            Some(FaultKind::ServerError)
        );
        assert_eq!(
            q.take("/auth/token", RequestClass::Token, false),
            Some(FaultKind::InvalidClient)
        );
        assert_eq!(
            q.take("/api/tickets", RequestClass::Resource, false),
            Some(FaultKind::ServerError)
        );
        assert_eq!(q.take("/api/tickets", RequestClass::Resource, false), None);
    }

    #[test]
    fn lasting_faults_last_and_page_changes_wait_for_a_first_page() {
        let mut q = FaultQueue::default();
        q.push(Fault::lasting(FaultKind::ChangeBetweenPages {
            close: 1,
            create: 1,
        }));
        assert_eq!(q.take("/api/tickets", RequestClass::Resource, false), None);
        for _ in 0..3 {
            assert!(
                q.take("/api/tickets", RequestClass::Resource, true)
                    .is_some()
            );
        }
        q.clear();
        assert_eq!(q.take("/api/tickets", RequestClass::Resource, true), None);
    }

    #[test]
    fn unprefixed_faults_spare_authinfo_and_tokens() {
        let mut q = FaultQueue::default();
        q.push(Fault::once(FaultKind::DropConnection));
        assert_eq!(q.take("/api/authinfo", RequestClass::AuthInfo, false), None);
        assert_eq!(q.take("/auth/token", RequestClass::Token, false), None);
        assert_eq!(
            q.take("/api/team", RequestClass::Resource, false),
            Some(FaultKind::DropConnection)
        );
    }
}
