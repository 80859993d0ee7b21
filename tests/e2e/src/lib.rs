//! The harness for end-to-end tests of the desktop app and its memory
//! benchmark: the app started with its own XDG folders against a Halo
//! simulator, WebDriver sessions on its real windows, and the desktop
//! session's parts (dunst, the Secret Service, the X display) read back.

pub mod alerts_window;
pub mod app;
pub mod desktop;
pub mod driver;
pub mod launch;
pub mod procs;
pub mod scenario;
pub mod tray;
pub mod ui;
pub mod wait;
pub mod x11;
