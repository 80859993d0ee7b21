//! The harness on its own, against the bare tray app (`tests/bare-tray`): a
//! WebDriver session reaches a real Tauri window, and the tray host reads and
//! clicks a real tray menu over D-Bus. If these fail, the app's end-to-end
//! tests cannot say anything about the app.

use std::time::Duration;

use halo_notifier_e2e::app::{AppDirs, binary};
use halo_notifier_e2e::desktop;
use halo_notifier_e2e::driver::TauriDriver;
use halo_notifier_e2e::launch::Launched;
use halo_notifier_e2e::tray::TrayHost;
use halo_notifier_e2e::ui::Window;
use halo_notifier_e2e::wait::eventually;

fn bare_tray() -> std::path::PathBuf {
    binary("BARE_TRAY_BIN", "bare-tray", "cargo build -p bare-tray").expect("bare-tray built")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn webdriver_reaches_a_real_tauri_window() {
    desktop::require_session().expect("desktop session");
    let _session = desktop::exclusive().await;
    let dirs = AppDirs::new().expect("dirs");
    let driver = TauriDriver::start(&dirs.envs()).expect("tauri-driver");
    let client = driver
        .open_app(&bare_tray(), &["--window-process"])
        .await
        .expect("session");
    let window = Window::new(client);
    assert_eq!(
        window.client.title().await.expect("title"),
        "Bare tray window"
    );
    let heading = window
        .script("return document.querySelector('h1').textContent")
        .await
        .expect("script");
    assert_eq!(heading, serde_json::json!("Bare tray window"));
    let _ = window.client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn the_tray_host_clicks_a_real_tray_menu_over_dbus() {
    desktop::require_session().expect("desktop session");
    let _session = desktop::exclusive().await;
    let tray = TrayHost::start().await.expect("tray host");
    let dirs = AppDirs::new().expect("dirs");
    let mut app = Launched::start(&bare_tray(), &[], &dirs.envs()).expect("bare tray");
    app.wait_for_line("tray ready", Duration::from_secs(30))
        .expect("ready");
    let labels: Vec<String> = tray
        .entries()
        .await
        .expect("menu")
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(labels, ["Quit"]);
    tray.click("Quit").await.expect("click");
    eventually("the app ended", Duration::from_secs(20), || {
        let ended = app.child.try_wait().map(|s| s.is_some());
        async move { Ok(ended?.then_some(())) }
    })
    .await
    .expect("Quit ended the app");
}
