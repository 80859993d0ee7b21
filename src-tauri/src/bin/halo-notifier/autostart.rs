//! Start at login, with the `auto-launch` crate (what Tauri's autostart
//! plugin wraps): an XDG autostart entry on Linux, a Launch Agent on macOS,
//! the user's Run key on Windows. Always this user's, never the machine's.

use auto_launch::{AutoLaunch, AutoLaunchBuilder, MacOSLaunchMode, WindowsEnableMode};

use crate::error::{CommandError, CommandResult, ErrorKind};

/// The name the entry is filed under (the app's product name).
const NAME: &str = "Halo Notifier";

/// The login entry for the running executable (an AppImage's own path when
/// it runs from one, which is what must be started).
pub fn at_login() -> CommandResult<AutoLaunch> {
    let exe = match std::env::var_os("APPIMAGE") {
        Some(image) => std::path::PathBuf::from(image),
        None => std::env::current_exe().map_err(|e| failed(&e))?,
    };
    AutoLaunchBuilder::new()
        .set_app_name(NAME)
        .set_app_path(&exe.to_string_lossy())
        .set_macos_launch_mode(MacOSLaunchMode::LaunchAgent)
        .set_windows_enable_mode(WindowsEnableMode::CurrentUser)
        .build()
        .map_err(|e| failed(&e))
}

pub fn failed(e: &dyn std::fmt::Display) -> CommandError {
    CommandError::new(
        ErrorKind::Internal,
        format!("start at login could not be changed ({e})"),
    )
}
