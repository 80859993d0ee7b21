//! Embeds the windows' pages from ui/dist and declares the app's own
//! commands, so the capability file can allow exactly those.

/// Every command in `src/commands` (the app manifest turns each into an
/// `allow-<name>` permission; a command not listed here cannot be called).
const COMMANDS: &[&str] = &[
    "list_alerts",
    "alert_detail",
    "acknowledge",
    "acknowledge_all",
    "snooze",
    "take",
    "closed_statuses",
    "close_ticket",
    "open_in_halo",
    "send_test_alert",
    "pause",
    "app_status",
    "open_settings",
    "get_settings",
    "save_settings",
    "test_connection",
    "list_teams",
    "preview_template",
    "regenerate_webhook_token",
    "webhook_setup",
    "open_log_folder",
];

fn main() {
    // generate_context! embeds ui/dist at compile time, and cargo would not
    // notice a rebuilt UI by itself: a stale UI would ship.
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
