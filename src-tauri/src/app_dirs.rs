//! The app's own folders, the same in both programs and the same as Tauri
//! resolves them for the identifier in `tauri.conf.json`: data (the window
//! host's endpoint, the one-tray lock) and logs.

use std::path::PathBuf;

/// `identifier` in `tauri.conf.json`.
pub const IDENTIFIER: &str = "org.halo-notifier.desktop";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    pub data: PathBuf,
    pub logs: PathBuf,
}

impl AppDirs {
    /// The folders for this user; `None` on a system without a home.
    pub fn find() -> Option<Self> {
        let data = dirs::data_dir()?.join(IDENTIFIER);
        #[cfg(target_os = "macos")]
        let logs = dirs::home_dir()?.join("Library/Logs").join(IDENTIFIER);
        #[cfg(not(target_os = "macos"))]
        let logs = dirs::data_local_dir()?.join(IDENTIFIER).join("logs");
        Some(AppDirs { data, logs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_is_the_one_the_bundle_is_built_with() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("json");
        assert_eq!(conf["identifier"], IDENTIFIER);
    }
}
