//! What Halo Notifier's two desktop programs share. `halo-notifier` is the
//! tray: engine, notifications, the command surface; it links no WebKit, so
//! a tray idling all day carries no web engine. `halo-notifier-windows` is
//! the window host the tray starts while a window is open: a Tauri app
//! whose pages call the tray's command surface over a local socket.
//!
//! Both find each other through the app's folders (`app_dirs`) and speak
//! `ipc_wire` over `ipc_endpoint`.

pub mod app_dirs;
pub mod async_runtime;
pub mod error;
pub mod ipc_endpoint;
pub mod ipc_wire;
pub mod logging;
pub mod start_option;
