//! The command surface of docs/command-surface.md as typed async Tauri
//! commands. Each is a short delegation to app-core or the engine handle;
//! blocking work runs on blocking threads (`state::blocking`).

mod alerts;
mod settings;

use tauri::Wry;
use tauri::ipc::Invoke;

/// Every command the windows may call (and only these: the capability
/// file allows exactly this list, see build.rs).
pub fn handler() -> impl Fn(Invoke<Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        alerts::list_alerts,
        alerts::alert_detail,
        alerts::acknowledge,
        alerts::acknowledge_all,
        alerts::snooze,
        alerts::take,
        alerts::closed_statuses,
        alerts::close_ticket,
        alerts::open_in_halo,
        alerts::send_test_alert,
        alerts::pause,
        alerts::app_status,
        settings::open_settings,
        settings::get_settings,
        settings::save_settings,
        settings::test_connection,
        settings::list_teams,
        settings::preview_template,
        settings::regenerate_webhook_token,
        settings::webhook_setup,
        settings::open_log_folder,
    ]
}
