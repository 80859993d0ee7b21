//! The app started the way a front end starts it: config file, secret from
//! the environment, a notifier of its own; against the Halo simulator.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alert_engine::{Notification, Notifier, NotifyError};
use app_core::{App, AppOptions, Env, Mode, SetupOptions};
use halo_sim::{NewTicket, SimConfig};
use tokio::sync::mpsc;

/// Hands every notification to the test.
struct Channel(Mutex<mpsc::UnboundedSender<Notification>>);

impl Notifier for Channel {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        let _ = self.0.lock().unwrap().send(n.clone());
        Ok(())
    }
}

fn ticket(summary: &str) -> NewTicket {
    NewTicket {
        summary: summary.into(),
        details_html: String::new(),
        team_id: 1,
        agent_id: None,
        priority_id: 2,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

pub fn options(dir: &std::path::Path, base_url: &str, notifier: Arc<dyn Notifier>) -> AppOptions {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[halo]\nurl = \"{base_url}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n\
             [watch]\nteams = [\"Service Desk\"]\n"
        ),
    )
    .unwrap();
    AppOptions {
        setup: SetupOptions {
            config_path: Some(config),
            data_dir: Some(dir.join("data")),
            demo: false,
            env: Env::from_pairs(&[("HALO_CLIENT_SECRET", "demo-secret")]),
        },
        notifier,
        demo_every: app_core::DEFAULT_DEMO_EVERY,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_end_gets_a_running_app_that_notifies_through_its_own_notifier() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.create_ticket(ticket("Mail server down \u{1b}[31mNOW\u{1b}[0m"));
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = App::start(options(
        dir.path(),
        &sim.base_url(),
        Arc::new(Channel(Mutex::new(tx))),
    ))
    .await
    .unwrap();
    assert!(matches!(app.mode(), Mode::Live { .. }), "{:?}", app.mode());
    let n = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("a notification within 30 s")
        .unwrap();
    assert!(n.title.contains("Mail server down") || n.body.contains("Mail server down"));
    // Ticket text reaches the front end without terminal escapes.
    assert!(
        !n.title.contains('\u{1b}') && !n.body.contains('\u{1b}'),
        "{n:?}"
    );
    let open = app.handle().list(alert_store::AlertFilter::Open).unwrap();
    assert_eq!(open.len(), 1);
    app.shutdown().await;
}

#[test]
fn with_no_config_the_mode_is_the_demo_and_says_where_the_config_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere").join("config.toml");
    // An explicit path must exist; the default one may be missing. Point
    // the default at a folder with no config through a setup whose file
    // is empty.
    std::fs::create_dir_all(missing.parent().unwrap()).unwrap();
    std::fs::write(&missing, "").unwrap();
    let setup = app_core::Setup::load(SetupOptions {
        config_path: Some(missing.clone()),
        data_dir: Some(dir.path().join("data")),
        demo: false,
        env: Env::none(),
    })
    .unwrap();
    match setup.mode() {
        Mode::Demo {
            reason: app_core::DemoReason::NotConfigured { looked_at },
        } => assert_eq!(looked_at.as_deref(), Some(missing.as_path())),
        other => panic!("{other:?}"),
    }
    let said = setup.mode().describe();
    assert!(said.starts_with("DEMO:"), "{said}");
    assert!(said.contains(&missing.display().to_string()), "{said}");
    assert_eq!(setup.mode().as_str(), "demo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_app_on_the_same_data_folder_refuses_clearly() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let quiet = || -> Arc<dyn Notifier> { Arc::new(alert_engine::FanOut::new()) };
    let first = App::start(options(dir.path(), &sim.base_url(), quiet()))
        .await
        .unwrap();
    let second = App::start(options(dir.path(), &sim.base_url(), quiet())).await;
    let Err(e) = second else {
        panic!("a second app started on the same data folder")
    };
    assert_eq!(e.kind(), "busy");
    let said = e.to_string();
    assert!(said.contains("already running"), "{said}");
    assert!(said.contains(&std::process::id().to_string()), "{said}");
    first.shutdown().await;
    // Once the first has stopped, the folder is free again.
    let third = App::start(options(dir.path(), &sim.base_url(), quiet()))
        .await
        .unwrap();
    third.shutdown().await;
}
