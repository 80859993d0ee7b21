//! Reading a response body with a bound: a runaway proxy or a broken tenant
//! must not make the client buffer an unbounded answer. Bodies over the
//! limit are refused (by their `Content-Length` before reading, or as soon
//! as the streamed bytes pass it) with an error that says so.

use crate::error::{HaloError, Operation, network_error};

/// The largest API answer read. A page of 100 list rows is some hundreds of
/// kilobytes; one ticket with inline images a few megabytes.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The largest token answer read (a few hundred bytes in practice).
pub(crate) const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// The body as text (lossy UTF-8), at most `limit` bytes of it.
pub(crate) async fn read_limited(
    operation: Operation,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<String, HaloError> {
    let too_large = || HaloError::UnexpectedResponse {
        operation,
        detail: format!(
            "the answer is too large (over {} MB) and was not read; a proxy in front of Halo may be misbehaving",
            limit.div_ceil(1024 * 1024)
        ),
    };
    if response
        .content_length()
        .is_some_and(|declared| declared > limit as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| network_error(operation, &e))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}
