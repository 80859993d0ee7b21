//! The `/_sim/*` control API: the in-process scripting API over HTTP, for the
//! CLI and for driving a demo from a shell. No Halo auth; loopback only unless
//! configured otherwise (the gateway checks).

mod dto;
mod routes;

pub use dto::{
    Assignment, BulkCreated, BulkRequest, CloseRequest, Created, FaultSpec, LastUpdateChange,
    ReplyRequest, SimInfo, StatusChange, TeamChange, WebhookResult, WebhookSpec,
};
pub(crate) use routes::router;
