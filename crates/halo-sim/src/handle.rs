//! Starting a simulator and owning its lifetime: the server task runs until the
//! handle is shut down or dropped.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::TokenStore;
use crate::config::SimConfig;
use crate::control;
use crate::dates;
use crate::error::{SimError, SimResult};
use crate::faults::FaultQueue;
use crate::ratelimit::RollingWindow;
use crate::record::Recorder;
use crate::routes;
use crate::scripting::SimControl;
use crate::seed;
use crate::server;
use crate::shared::Shared;

/// A running simulator. Dereferences to [`SimControl`] for scripting.
#[derive(Debug)]
pub struct SimHandle {
    control: SimControl,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts a simulator on `127.0.0.1` at a free port.
pub async fn start(config: SimConfig) -> SimResult<SimHandle> {
    start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
}

/// Starts a simulator on `addr`.
pub async fn start_on(addr: SocketAddr, config: SimConfig) -> SimResult<SimHandle> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| SimError::NoRuntime)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    // An unspecified bind address is reachable on loopback; advertise that.
    let shown = if local.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], local.port()))
    } else {
        local
    };
    let base_url = format!("http://{shown}");
    let shared = Arc::new(Shared {
        store: Mutex::new(seed::build_store(&config, dates::now())),
        tokens: Mutex::new(TokenStore::default()),
        faults: Mutex::new(FaultQueue::default()),
        client_secret: Mutex::new(config.client_secret.clone()),
        page_changes: Mutex::new(Vec::new()),
        recorder: Mutex::new(Recorder::default()),
        rate: config
            .rate_limit
            .map(|(limit, window)| Mutex::new(RollingWindow::new(limit, window))),
        base_url,
        config,
        http: OnceLock::new(),
        runtime: runtime.clone(),
    });
    let control = SimControl {
        shared: shared.clone(),
    };
    let router: Router = routes::router()
        .merge(control::router())
        .fallback(routes::not_found)
        .with_state(shared.clone());
    let (tx, rx) = oneshot::channel();
    let task = runtime.spawn(server::run(listener, shared.clone(), router, rx));
    tracing::info!(url = %shared.base_url, "halo simulator listening");
    Ok(SimHandle {
        control,
        addr: local,
        shutdown: Some(tx),
        task: Some(task),
    })
}

impl SimHandle {
    /// The Halo web URL (`http://127.0.0.1:PORT`); the API is under `/api`,
    /// the authorisation server under `/auth`.
    pub fn base_url(&self) -> String {
        self.control.base_url()
    }

    /// `{base}/api`.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.control.base_url())
    }

    /// `{base}/auth/token`, with `?tenant=` when the tenant needs it.
    pub fn token_url(&self) -> String {
        match &self.control.config().tenant {
            Some(t) => format!("{}/auth/token?tenant={t}", self.control.base_url()),
            None => format!("{}/auth/token", self.control.base_url()),
        }
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A cloneable scripting handle that does not keep the server alive.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Stops serving and waits for the server task to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Deref for SimHandle {
    type Target = SimControl;

    fn deref(&self) -> &SimControl {
        &self.control
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
