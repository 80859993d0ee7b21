//! Notifications as a technician sees them, through a real notification
//! daemon (dunst) over D-Bus. They need a desktop session, so they are
//! ignored by a plain `cargo test`; `scripts/test.sh` runs them inside
//! `scripts/desktop-session.sh ... -- --ignored`.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Mutex;

use alert_engine::{Notification, NotificationKind, Notifier};
use alert_policy::Urgency;
use desktop_notify::DesktopNotifier;
use serde_json::Value;

/// One dunst serves every test: they take turns.
static DESKTOP: Mutex<()> = Mutex::new(());

fn dunstctl(args: &[&str]) -> String {
    let out = Command::new("dunstctl").args(args).output().unwrap();
    assert!(out.status.success(), "dunstctl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

fn displayed() -> usize {
    dunstctl(&["count", "displayed"]).trim().parse().unwrap()
}

/// What a popup showed: its title, its body as the reader sees it (the
/// daemon renders the body as markup), and how long it stays (0: until
/// dismissed).
#[derive(Debug)]
struct Shown {
    summary: String,
    body_markup: String,
    timeout: i64,
}

impl Shown {
    /// The body's text once the daemon has rendered the markup: the ticket's
    /// own text must come out unchanged, never as formatting.
    fn body_text(&self) -> String {
        assert!(
            !self.body_markup.contains('<'),
            "ticket text became markup: {}",
            self.body_markup
        );
        html_escape::decode_html_entities(&self.body_markup).into_owned()
    }
}

/// Closes every popup, then reads what `app` showed, newest first.
fn shown_by(app: &str) -> Vec<Shown> {
    dunstctl(&["close-all"]);
    let history: Value = serde_json::from_str(&dunstctl(&["history"])).unwrap();
    let field = |n: &Value, key: &str| n[key]["data"].as_str().unwrap_or_default().to_owned();
    history["data"][0]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| field(n, "appname") == app)
        .map(|n| Shown {
            summary: field(n, "summary"),
            body_markup: field(n, "body"),
            timeout: n["timeout"]["data"].as_i64().unwrap(),
        })
        .collect()
}

fn notification(alert: i64, title: &str, body: &str, urgency: Urgency) -> Notification {
    Notification {
        kind: NotificationKind::Notification,
        alert_id: Some(alert),
        ticket_id: Some(alert + 1000),
        title: title.to_owned(),
        body: body.to_owned(),
        urgency,
        sound: urgency == Urgency::Critical,
        step: 0,
        repeat: 0,
        at: chrono::Utc::now(),
        link: None,
        ticket_ids: Vec::new(),
    }
}

#[test]
#[ignore = "needs a desktop session"]
fn a_critical_alert_shows_its_ticket_text_literally_and_stays() {
    let _turn = DESKTOP.lock().unwrap_or_else(|p| p.into_inner());
    let app = "halo-notifier-test-critical";
    let notifier = DesktopNotifier::new(app);
    let body = "Printer says <b>PC LOAD LETTER</b> & \"help\" — ünïcode";
    notifier
        .notify(&notification(
            1,
            "P1 · Contoso: <Server> down",
            body,
            Urgency::Critical,
        ))
        .unwrap();
    assert_eq!(displayed(), 1);
    let shown = shown_by(app);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].summary, "P1 · Contoso: <Server> down");
    assert_eq!(shown[0].body_text(), body);
    assert_eq!(
        shown[0].timeout, 0,
        "a critical alert stays until dismissed"
    );
}

#[test]
#[ignore = "needs a desktop session"]
fn a_repeat_replaces_the_popup_instead_of_stacking_a_new_one() {
    let _turn = DESKTOP.lock().unwrap_or_else(|p| p.into_inner());
    dunstctl(&["close-all"]);
    let app = "halo-notifier-test-repeat";
    let notifier = DesktopNotifier::new(app);
    notifier
        .notify(&notification(
            2,
            "P2 · Acme: VPN down",
            "first",
            Urgency::Normal,
        ))
        .unwrap();
    let mut repeat = notification(2, "P2 · Acme: VPN down", "reminder 1", Urgency::Critical);
    repeat.repeat = 1;
    notifier.notify(&repeat).unwrap();
    // Another alert gets its own popup.
    notifier
        .notify(&notification(3, "P3 · Acme: Mouse", "other", Urgency::Low))
        .unwrap();
    assert_eq!(displayed(), 2);
    let bodies: Vec<String> = shown_by(app).iter().map(Shown::body_text).collect();
    assert!(bodies.contains(&"reminder 1".to_owned()), "{bodies:?}");
    assert!(!bodies.contains(&"first".to_owned()), "{bodies:?}");
}

#[test]
#[ignore = "needs a desktop session"]
fn acknowledging_replaces_the_alarm_with_a_quiet_line() {
    let _turn = DESKTOP.lock().unwrap_or_else(|p| p.into_inner());
    dunstctl(&["close-all"]);
    let app = "halo-notifier-test-ack";
    let notifier = DesktopNotifier::new(app);
    notifier
        .notify(&notification(
            4,
            "P1 · Acme: Site down",
            "call them",
            Urgency::Critical,
        ))
        .unwrap();
    let mut ack = notification(4, "Acknowledged: Site down", "by Alex Tech", Urgency::Low);
    ack.kind = NotificationKind::Acknowledged;
    notifier.notify(&ack).unwrap();
    assert_eq!(displayed(), 1);
    let shown = shown_by(app);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].summary, "Acknowledged: Site down");
    assert_eq!(shown[0].body_text(), "by Alex Tech");
    assert!(shown[0].timeout > 0, "the note goes away by itself");
}

/// Records the buttons picked, for the tests of popup buttons.
struct Picks {
    sender: Mutex<std::sync::mpsc::Sender<(i64, String)>>,
}

impl desktop_notify::NotificationActions for Picks {
    fn buttons(&self, _: &Notification) -> Vec<(String, String)> {
        vec![
            ("default".to_owned(), "Show".to_owned()),
            ("acknowledge".to_owned(), "Acknowledge".to_owned()),
        ]
    }

    fn invoked(&self, n: &Notification, action: &str) {
        let _ = self
            .sender
            .lock()
            .unwrap()
            .send((n.ticket_id.unwrap(), action.to_owned()));
    }
}

#[test]
#[ignore = "needs a desktop session"]
fn clicking_a_popup_reaches_the_app_once_even_after_a_repeat() {
    let _turn = DESKTOP.lock().unwrap_or_else(|p| p.into_inner());
    dunstctl(&["close-all"]);
    let (sender, picked) = std::sync::mpsc::channel();
    let picks = std::sync::Arc::new(Picks {
        sender: Mutex::new(sender),
    });
    let notifier = DesktopNotifier::new("desktop-notify buttons test").with_actions(picks);
    let first = notification(7, "P1 Mail down", "Acme", Urgency::Critical);
    notifier.notify(&first).unwrap();
    // The repeat replaces the popup; the click must still be heard once.
    let repeat = Notification {
        repeat: 1,
        body: "Acme (again)".to_owned(),
        ..first
    };
    notifier.notify(&repeat).unwrap();
    assert_eq!(displayed(), 1);

    dunstctl(&["action", "0"]);
    let (ticket, action) = picked
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the click reached the app");
    assert_eq!((ticket, action.as_str()), (1007, "default"));
    assert!(
        picked
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "the click was reported twice"
    );
}
