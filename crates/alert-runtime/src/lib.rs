//! The running alert engine: one [`EngineHandle`] shared by the CLI, the
//! tray and the windows, and the supervised tasks that drive the pure
//! `alert-engine` core (timer, poller, outbox worker) plus the notifier
//! thread and the webhook sink. Engine calls run off the async workers.

mod handle;
mod notifier;
mod outbox;
mod poller;
mod refusals;
mod supervisor;
mod timer;
mod webhook;

pub use handle::{EngineHandle, MAX_COMMAND_DURATION};
pub use poller::{LAST_POLL_KEY, MAX_DETAIL_FETCHES};
pub use supervisor::TaskFailure;
