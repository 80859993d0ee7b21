//! The error answers Halo gives, in the four body shapes seen in the wild
//! (`{error}`, `{Message}`, `{ClassName, Message}`, `{resultCode, errorMessage}`)
//! plus ASP.NET's field-keyed validation body and the 429 plain text.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Halo's exact 429 text.
pub const RATE_LIMIT_TEXT: &str = "Rate Limit Reached - 300 Requests per rolling 5 minute window";

/// Which body shape an injected error uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorShape {
    /// `{"error": "..."}` (the OAuth endpoint's form)
    Error,
    /// `{"Message": "..."}`
    Message,
    /// `{"ClassName": "...", "Message": "..."}`
    ClassNameMessage,
    /// `{"resultCode": 1, "errorMessage": "..."}`
    ResultCode,
    /// `{"title": ..., "status": ..., "errors": {"field": ["..."]}}`
    FieldErrors,
    /// Plain text, not JSON.
    PlainText,
    /// An HTML error page, as a proxy in front of Halo might send.
    Html,
}

/// A Halo error answer, small enough to pass around in `Result`s and
/// rendered only when it becomes the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    Forbidden(&'static str),
    NotFound(String),
    /// A body that is not what the endpoint takes at all.
    BadRequest(String),
    /// A reference to something that does not exist.
    Validation(String),
    /// A wrongly typed value, keyed by field.
    Field {
        field: String,
        message: String,
    },
    Server(String),
}

impl ApiError {
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Forbidden(permission) => forbidden(permission),
            Self::NotFound(message) => not_found(&message),
            Self::BadRequest(message) => bad_request(&message),
            Self::Validation(message) => validation(&message),
            Self::Field { field, message } => field_errors(&field, &message),
            Self::Server(message) => server_error(&message),
        }
    }
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    with_body(status, "application/json; charset=utf-8", body.to_string())
}

pub(crate) fn with_body(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// 401 for a missing, unknown or expired token.
pub(crate) fn unauthorized() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({ "Message": "Authorization has been denied for this request." }),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// 403 naming the permission the application lacks.
pub(crate) fn forbidden(permission: &str) -> Response {
    json_response(
        StatusCode::FORBIDDEN,
        &json!({
            "ClassName": "HaloApiPermissionException",
            "Message": format!("The API application is missing the '{permission}' permission"),
        }),
    )
}

pub(crate) fn not_found(message: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "ClassName": "HaloNotFoundException", "Message": message }),
    )
}

/// 400 for a body that is not what the endpoint takes at all (bad JSON, not an array).
pub(crate) fn bad_request(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "ClassName": "HaloBadRequestException", "Message": message }),
    )
}

/// 400 for a reference to something that does not exist.
pub(crate) fn validation(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "ClassName": "HaloValidationException", "Message": message }),
    )
}

/// 400 keyed by field, as ASP.NET model binding answers a wrongly typed value.
pub(crate) fn field_errors(field: &str, message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": { field: [message] },
        }),
    )
}

pub(crate) fn server_error(message: &str) -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({ "ClassName": "System.Exception", "Message": message }),
    )
}

/// 429 in Halo's plain-text form; `Retry-After` only when asked for, since
/// whether Halo sends it is unknown.
pub(crate) fn rate_limited(text: &str, retry_after: Option<u64>) -> Response {
    let mut response = with_body(
        StatusCode::TOO_MANY_REQUESTS,
        "text/plain; charset=utf-8",
        text.to_owned(),
    );
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// What a gateway in front of Halo answers when Halo behind it fails: the
/// HTML pages of IIS Application Request Routing (502), HTTP.sys (503) and
/// Azure Front Door (504), never Halo's JSON.
pub(crate) fn gateway(status: u16) -> Response {
    let (code, body) = match status {
        502 => (
            StatusCode::BAD_GATEWAY,
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>\r\n<title>502 - Web server received an invalid response while acting as a gateway or proxy server.</title>\r\n<style type=\"text/css\">body{margin:0;font-size:.7em;font-family:Verdana, Arial, Helvetica, sans-serif;background:#EEEEEE;}</style>\r\n</head>\r\n<body>\r\n<div id=\"header\"><h1>Server Error</h1></div>\r\n<div id=\"content\">\r\n <div class=\"content-container\"><fieldset>\r\n  <h2>502 - Web server received an invalid response while acting as a gateway or proxy server.</h2>\r\n  <h3>There is a problem with the page you are looking for, and it cannot be displayed. When the Web server (while acting as a gateway or proxy) contacted the upstream content server, it received an invalid response from the content server.</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n",
        ),
        503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n",
        ),
        _ => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
            "<!DOCTYPE html><html><head><title>Our services aren't available right now</title></head><body><h2>Our services aren't available right now</h2><p>We're working to restore all services as soon as possible. Please check back soon.</p></body></html>",
        ),
    };
    with_body(code, "text/html", body.to_owned())
}

/// 200 with a JSON ticket list padded to `bytes`, streamed in chunks so the
/// simulator never holds it, and sent without a `Content-Length`.
pub(crate) fn huge_body(bytes: usize) -> Response {
    const CHUNK: usize = 64 * 1024;
    const HEAD: &str = "{\"record_count\":0,\"tickets\":[],\"padding\":\"";
    const TAIL: &str = "\"}";
    let padding = bytes.saturating_sub(HEAD.len() + TAIL.len());
    let filler = axum::body::Bytes::from(vec![b'x'; CHUNK]);
    let (full, rest) = (padding / CHUNK, padding % CHUNK);
    let chunks = std::iter::once(axum::body::Bytes::from_static(HEAD.as_bytes()))
        .chain(std::iter::repeat_n(filler.clone(), full))
        .chain(std::iter::once(filler.slice(..rest)))
        .chain(std::iter::once(axum::body::Bytes::from_static(
            TAIL.as_bytes(),
        )))
        .map(Ok::<_, std::convert::Infallible>);
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The token endpoint's OAuth errors.
pub(crate) fn oauth(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let body = match description {
        Some(d) => json!({ "error": error, "error_description": d }),
        None => json!({ "error": error }),
    };
    json_response(status, &body)
}

/// An injected error in a chosen shape.
pub(crate) fn shaped(status: u16, shape: ErrorShape, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match shape {
        ErrorShape::Error => json_response(status, &json!({ "error": message })),
        ErrorShape::Message => json_response(status, &json!({ "Message": message })),
        ErrorShape::ClassNameMessage => json_response(
            status,
            &json!({ "ClassName": "System.Exception", "Message": message }),
        ),
        ErrorShape::ResultCode => {
            json_response(status, &json!({ "resultCode": 1, "errorMessage": message }))
        }
        ErrorShape::FieldErrors => json_response(
            status,
            &json!({
                "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
                "title": "One or more validation errors occurred.",
                "status": status.as_u16(),
                "errors": { "id": [message] },
            }),
        ),
        ErrorShape::PlainText => with_body(status, "text/plain; charset=utf-8", message.to_owned()),
        ErrorShape::Html => with_body(
            status,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html><head><title>{code}</title></head><body><h1>{code}</h1><p>{message}</p></body></html>",
                code = status.as_u16(),
                message = crate::store::text_to_html(message)
            ),
        ),
    }
}
