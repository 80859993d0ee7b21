//! The desktop app end to end, as a technician uses it: its real windows
//! driven through WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, a
//! Halo simulator over real HTTP, dunst for notifications and GNOME Keyring
//! for secrets. Run by `scripts/test.sh` inside `scripts/desktop-session.sh`.

use std::time::Duration;

use halo_notifier_e2e::alerts_window::{
    NOTIFY_TIMEOUT, alert_row, notifications_for, open_detail, quiet_sim, unique,
};
use halo_notifier_e2e::app::{self, SIM_CLIENT_ID};
use halo_notifier_e2e::desktop;
use halo_notifier_e2e::scenario::{Scenario, Start};
use halo_notifier_e2e::ui::testid;
use halo_notifier_e2e::wait::eventually;
use halo_sim::{NewTicket, SimConfig};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn saving_settings_stores_the_secret_in_the_keyring_and_in_no_file() {
    let secret = unique("e2e-secret");
    let sim = SimConfig {
        client_secret: secret.clone(),
        ..quiet_sim()
    };
    let mut s = Scenario::start(Start::Unconfigured, "settings", sim)
        .await
        .expect("app with its settings window");
    let w = &s.window;
    w.fill("field-halo.url", &s.sim.base_url())
        .await
        .expect("url");
    w.fill("field-halo.tenant", app::SIM_TENANT)
        .await
        .expect("tenant");
    w.fill("field-halo.client_id", SIM_CLIENT_ID)
        .await
        .expect("client id");
    w.fill("field-halo.secret", &secret).await.expect("secret");
    s.screenshot("settings").expect("screenshot");
    w.click("settings-save").await.expect("save");
    w.wait_text("save-status", "Saved")
        .await
        .expect("saved message");
    w.wait_text("secret-status", "is stored")
        .await
        .expect("the window says a secret is stored");

    let user = app::keyring_user(SIM_CLIENT_ID, &s.sim.base_url());
    let stored = desktop::secret_lookup(app::KEYRING_SERVICE, &user).expect("secret-tool");
    assert_eq!(
        stored.as_deref(),
        Some(secret.as_str()),
        "secret-tool lookup service {} username {user}",
        app::KEYRING_SERVICE
    );
    let leaks = desktop::files_containing(&s.dirs.roots(), secret.as_bytes());
    assert!(leaks.is_empty(), "the secret is in files: {leaks:?}");
    assert!(
        s.dirs.config_file().exists(),
        "the config was saved to {}",
        s.dirs.config_file().display()
    );
    // The field says a secret is stored and never shows it.
    let shown = w.find("field-halo.secret").await.expect("field");
    assert_eq!(
        shown
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default(),
        ""
    );
    let page = w.client.source().await.expect("page source");
    assert!(!page.contains(&secret), "the window shows the secret");

    // The saved settings take effect: the app restarts live, fetches an
    // access token and polls. Then a webhook token is generated and a
    // connection test with a wrong secret fails; none of these secrets
    // may reach a file or the app's output.
    eventually(
        "the app live on the saved settings",
        NOTIFY_TIMEOUT,
        || async {
            let status = s.invoke("app_status", json!({})).await?;
            Ok(
                (status["mode"] == json!("live") && status["intake"]["ok"] == json!(true))
                    .then_some(()),
            )
        },
    )
    .await
    .expect("live");
    let webhook = s
        .invoke("regenerate_webhook_token", json!({}))
        .await
        .expect("a webhook token");
    let webhook_url = webhook["url"].as_str().unwrap_or_default().to_owned();
    let webhook_token = webhook_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(webhook_token.len() >= 32, "token in {webhook_url:?}");
    let wrong = unique("wrong-secret");
    let mut form = s.invoke("get_settings", json!({})).await.expect("settings");
    form["halo"]["secret"] = json!(wrong);
    let report = s
        .invoke("test_connection", json!({ "form": form }))
        .await
        .expect("a report");
    assert_eq!(
        report["ok"],
        json!(false),
        "a wrong secret was accepted: {report}"
    );
    let tokens: std::collections::BTreeSet<String> = s
        .sim
        .requests()
        .iter()
        .filter_map(|r| r.bearer_token().map(str::to_owned))
        .collect();
    assert!(!tokens.is_empty(), "the app never used an access token");
    s.app.drain();
    let printed = s.app.output.join("\n");
    assert!(
        printed.contains(" DEBUG "),
        "the app did not log at debug level (HALO_NOTIFIER_LOG): {printed}"
    );
    let mut needles = vec![secret.clone(), wrong, webhook_token];
    needles.extend(tokens);
    for needle in &needles {
        let leaks = desktop::files_containing(&s.dirs.roots(), needle.as_bytes());
        assert!(leaks.is_empty(), "a secret or token is in files: {leaks:?}");
        assert!(
            !printed.contains(needle.as_str()),
            "a secret or token was printed: {printed}"
        );
    }
    s.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn a_new_ticket_notifies_through_dunst_and_shows_in_the_alerts_window() {
    let s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app with its alerts window");
    let summary = unique("Printer on fire");
    let id = s.sim.create_ticket(NewTicket {
        priority_id: 2,
        details_html: "<p>Paper tray 2 is <b>smoking</b>.</p>".into(),
        ..NewTicket::new(summary.clone())
    });
    notifications_for(&summary, 1).await.expect("notification");
    alert_row(&s, id, &summary)
        .await
        .expect("alert in the window");
    s.screenshot("alerts").expect("screenshot");
    open_detail(&s, id).await.expect("open the alert");
    if let Err(e) = s.window.wait_text("detail-body", "smoking").await {
        let shown = s
            .window
            .script(&format!(
                "const d = document.querySelector('{}'); return d ? d.innerText : null",
                testid("alert-detail").replace('\'', "\\'")
            ))
            .await;
        panic!("the ticket's details in the detail view: {e:#}; the detail shows {shown:?}");
    }
    s.screenshot("alert-detail").expect("screenshot");
    s.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn acknowledging_in_the_window_stops_the_repeats() {
    let s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app");
    let summary = unique("Server down");
    let id = s.sim.create_ticket(NewTicket::new(summary.clone()));
    // The test policy repeats every 3 s: wait for a repeat first.
    notifications_for(&summary, 2)
        .await
        .expect("repeats before the ack");
    alert_row(&s, id, &summary).await.expect("row");
    open_detail(&s, id).await.expect("select");
    s.window
        .click("action-acknowledge")
        .await
        .expect("acknowledge");
    s.window
        .wait_text("detail-state", "cknowledged")
        .await
        .expect("the window shows it acknowledged");
    let after_ack = desktop::notifications_mentioning(&summary)
        .expect("dunst")
        .len();
    // Absence can only be shown by waiting: three repeat intervals.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let later = desktop::notifications_mentioning(&summary)
        .expect("dunst")
        .len();
    assert_eq!(
        later, after_ack,
        "notifications went on after the acknowledgement"
    );
    s.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn closing_in_the_window_closes_the_ticket_in_halo_with_the_note() {
    let s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app");
    let summary = unique("Mailbox full");
    let id = s.sim.create_ticket(NewTicket::new(summary.clone()));
    alert_row(&s, id, &summary).await.expect("row");
    open_detail(&s, id).await.expect("select");
    s.window.click("action-close").await.expect("close");
    let note = "Archived old mail; quota raised";
    s.window.fill("close-note", note).await.expect("note");
    s.window.click("close-continue").await.expect("continue");
    s.window.click("close-confirm").await.expect("confirm");
    let closed = s.sim.closed_status_id();
    eventually("the ticket closed in Halo", NOTIFY_TIMEOUT, || async {
        Ok(s.sim.ticket(id).filter(|t| t.status_id == closed))
    })
    .await
    .expect("closed");
    assert!(
        s.sim.actions(id).iter().any(|a| a.note_html.contains(note)),
        "no action with the note: {:?}",
        s.sim.actions(id)
    );
    s.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn a_hostile_ticket_runs_no_script_in_the_window() {
    let s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app");
    let summary = unique("<img src=x onerror=\"window.__pwned='summary'\">Invoice");
    let id = s.sim.create_ticket(NewTicket {
        details_html: concat!(
            "<p>Please pay</p>",
            "<script>window.__pwned = 'script'</script>",
            "<img src=\"x\" onerror=\"window.__pwned = 'onerror'\">",
            "<a id=\"evil\" href=\"javascript:window.__pwned = 'link'\">the invoice</a>",
            "<svg onload=\"window.__pwned = 'svg'\"></svg>",
            "<iframe src=\"javascript:parent.__pwned = 'iframe'\"></iframe>",
        )
        .into(),
        ..NewTicket::new(summary.clone())
    });
    // The summary is shown as text, markup and all.
    alert_row(&s, id, "<img src=x onerror=")
        .await
        .expect("the summary shown literally");
    open_detail(&s, id).await.expect("select");
    s.window
        .wait_text("detail-body", "Please pay")
        .await
        .expect("details");
    // A user clicks the link in the ticket.
    let links = s
        .window
        .find_all_css(&format!("{} a", testid("detail-body")))
        .await
        .expect("links");
    for link in links {
        let _ = link.click().await;
    }
    let marker = s
        .window
        .script("return window.__pwned ?? null")
        .await
        .expect("marker");
    assert_eq!(marker, json!(null), "a hostile ticket ran script");
    let dangerous = s
        .window
        .script(&format!(
            "return document.querySelectorAll('{d} script, {d} iframe, {d} [onerror], {d} [onload], {d} a[href^=\"javascript\"]').length",
            d = testid("detail-body").replace('"', "\\\"")
        ))
        .await
        .expect("count");
    assert_eq!(dangerous, json!(0), "hostile markup reached the page");
    s.end().await;
}

/// The tray menu, clicked over D-Bus as a desktop panel does (the harness
/// is the StatusNotifier host; the icon's menu is exported with dbusmenu).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn the_tray_menu_actions_work() {
    let mut s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app");
    let labels: Vec<String> = s
        .tray
        .entries()
        .await
        .expect("tray menu")
        .into_iter()
        .map(|e| e.label)
        .collect();
    for wanted in ["Acknowledge all", "Send test alert", "Settings", "Quit"] {
        assert!(
            labels.iter().any(|l| l.starts_with(wanted)),
            "no {wanted:?} in the tray menu {labels:?}"
        );
    }

    // Send test alert: a notification appears.
    const TEST_ALERT: &str = "Test alert from Halo Notifier";
    let before = desktop::notifications_mentioning(TEST_ALERT)
        .expect("dunst")
        .len();
    s.tray.click("Send test alert").await.expect("click");
    notifications_for(TEST_ALERT, before + 1)
        .await
        .expect("test alert shown");

    // Acknowledge all: the open alert leaves the list.
    let summary = unique("Backup failed");
    let id = s.sim.create_ticket(NewTicket::new(summary.clone()));
    alert_row(&s, id, &summary).await.expect("row");
    s.tray.click("Acknowledge all").await.expect("click");
    eventually("no open alerts", NOTIFY_TIMEOUT, || async {
        let status = s.invoke("app_status", json!({})).await?;
        Ok((status["open"] == json!(0)).then_some(()))
    })
    .await
    .expect("acknowledged");

    // Pause 30 minutes, then resume.
    s.tray.click("For 30 minutes").await.expect("click pause");
    eventually("paused", NOTIFY_TIMEOUT, || async {
        let status = s.invoke("app_status", json!({})).await?;
        Ok((status["tray"] == json!("paused")).then_some(()))
    })
    .await
    .expect("paused");
    s.tray.click("Resume").await.expect("click resume");
    eventually("resumed", NOTIFY_TIMEOUT, || async {
        let status = s.invoke("app_status", json!({})).await?;
        Ok(status["paused_until"].is_null().then_some(()))
    })
    .await
    .expect("resumed");

    // Settings… opens the settings window.
    s.tray.click("Settings").await.expect("click settings");
    s.window
        .switch_to("Settings")
        .await
        .expect("settings window");

    // Quit ends the app: the tray and the window host with its windows.
    s.tray.click("Quit").await.expect("click quit");
    let driver = s.driver.pid();
    eventually("the tray and its window host ended", NOTIFY_TIMEOUT, || {
        let tray_ended = s.app.child.try_wait().map(|status| status.is_some());
        async move {
            let host_left = halo_notifier_e2e::procs::names(driver)
                .iter()
                .any(|n| n == app::WINDOW_HOST_COMM);
            Ok((tray_ended? && !host_left).then_some(()))
        }
    })
    .await
    .expect("quit");
    s.end().await;
}
