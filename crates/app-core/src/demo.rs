//! The built-in demo: the Halo simulator in this process, generating
//! tickets, so the app shows what it does before anyone configures Halo.
//! The simulator itself is compiled only with the `demo` feature.

use std::time::Duration;

use alert_engine::TeamRef;
use halo_api::InstanceUrl;

use crate::config::{HaloConfig, LoadedConfig};

/// The simulator's public demo credentials (not a secret of anyone's).
pub const CLIENT_ID: &str = "demo-client";
pub const CLIENT_SECRET: &str = "demo-secret";
const TENANT: &str = "demo";
/// A fixed port, so the demo's alert database matches its Halo across runs
/// and other commands (`list`, `close`) reach the running demo.
pub const ADDR: &str = "127.0.0.1:8089";
/// The simulator's generator needs a period; faster than this is a flood.
const MIN_EVERY: Duration = Duration::from_secs(1);

/// Points the config at the demo simulator, watching its busiest teams.
pub fn apply(config: &mut LoadedConfig) {
    let Ok(url) = InstanceUrl::parse(&format!("http://{ADDR}"), true) else {
        return;
    };
    config.engine.instance = url.web();
    config.halo = Some(HaloConfig {
        url,
        tenant: Some(TENANT.to_owned()),
        client_id: CLIENT_ID.to_owned(),
        scope: "all".to_owned(),
        auth_server: None,
        allow_insecure_http: true,
    });
    if config.engine.teams.is_empty() {
        config.engine.teams = vec![
            TeamRef::Name("Service Desk".to_owned()),
            TeamRef::Name("Infrastructure".to_owned()),
        ];
    }
    // A demo should show something happening within seconds.
    config.engine.poll.interval = config.engine.poll.interval.min(Duration::from_secs(10));
}

/// A running simulator; dropping it stops it.
#[cfg(feature = "demo")]
pub struct Demo {
    _sim: halo_sim::SimHandle,
    _generator: halo_sim::GeneratorHandle,
}

#[cfg(feature = "demo")]
pub async fn start_simulator(every: Duration) -> Result<Demo, crate::AppError> {
    let every = every.max(MIN_EVERY);
    let addr: std::net::SocketAddr = ADDR
        .parse()
        .map_err(|e| crate::AppError::Demo(format!("{ADDR}: {e}")))?;
    let sim = halo_sim::start_on(
        addr,
        halo_sim::SimConfig {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            tenant: Some(TENANT.to_owned()),
            ..halo_sim::SimConfig::default()
        },
    )
    .await
    .map_err(|e| crate::AppError::Demo(format!("{e} on {ADDR} (is another demo running?)")))?;
    let generator = sim.start_generator(every);
    tracing::info!(
        "demo Halo simulator at http://{ADDR} (a new ticket every {}s)",
        every.as_secs()
    );
    Ok(Demo {
        _sim: sim,
        _generator: generator,
    })
}

/// Without the simulator compiled in, there is no demo to start.
#[cfg(not(feature = "demo"))]
pub struct Demo;

#[cfg(not(feature = "demo"))]
pub async fn start_simulator(_every: Duration) -> Result<Demo, crate::AppError> {
    let _ = MIN_EVERY;
    Err(crate::AppError::DemoUnavailable)
}
