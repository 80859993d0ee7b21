//! Supervision of the background tasks: a task that panics or ends on its
//! own is restarted with a growing pause; one that keeps failing is
//! reported (status, event, [`EngineHandle::task_died`]) so the front end
//! can say so and exit non-zero instead of running silently dead.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::handle::EngineHandle;

/// Restarts allowed before a task counts as dead.
const MAX_RESTARTS: u32 = 5;
/// First pause before a restart, doubling each time.
const FIRST_PAUSE: Duration = Duration::from_secs(1);

/// A background task that stopped for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFailure {
    /// "timer", "poller" or "outbox".
    pub task: String,
    /// The last panic message or why it ended.
    pub reason: String,
}

impl std::fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} stopped ({}): restart Halo Notifier; if it happens again, report it with the log",
            self.task, self.reason
        )
    }
}

impl EngineHandle {
    /// Runs the task made by `make` until shutdown, restarting it when it
    /// panics or returns early.
    pub(crate) fn supervise<F, Fut>(
        &self,
        task: &'static str,
        make: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn(EngineHandle) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handle = self.clone();
        tokio::spawn(async move {
            let mut restarts = 0u32;
            loop {
                let result = tokio::spawn(make(handle.clone())).await;
                if handle.is_shutting_down() {
                    return;
                }
                let reason = match result {
                    Ok(()) => "it ended on its own".to_owned(),
                    Err(e) if e.is_panic() => panic_message(e.into_panic()),
                    Err(e) => e.to_string(),
                };
                restarts += 1;
                if restarts > MAX_RESTARTS {
                    tracing::error!(task, %reason, "background task failed too often; giving up");
                    handle.task_failed(TaskFailure {
                        task: task.to_owned(),
                        reason,
                    });
                    return;
                }
                let pause = FIRST_PAUSE.saturating_mul(2u32.saturating_pow(restarts - 1));
                tracing::error!(task, %reason, restart_in = ?pause, "background task failed; restarting");
                let mut shutdown = handle.shutdown_receiver();
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = shutdown.changed() => return,
                }
            }
        })
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::handle::tests::handle;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_once_is_restarted() {
        let handle = handle();
        let runs = Arc::new(AtomicU32::new(0));
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
        let counter = runs.clone();
        handle.supervise("poller", move |h| {
            let counter = counter.clone();
            let done_tx = done_tx.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("first run fails");
                }
                if let Some(tx) = done_tx.lock().ok().and_then(|mut t| t.take()) {
                    let _ = tx.send(());
                }
                let mut shutdown = h.shutdown_receiver();
                let _ = shutdown.changed().await;
            }
        });
        done_rx.await.expect("the task ran again after its panic");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(
            handle.intake_status().ok,
            "a recovered task is not a failure"
        );
        handle.shutdown();
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_keeps_failing_is_surfaced_in_the_status() {
        let handle = handle();
        handle.supervise("poller", |_| async { panic!("Halo answered nonsense") });
        let failure = handle.task_died().await;
        assert_eq!(failure.task, "poller");
        assert!(failure.reason.contains("nonsense"), "{failure:?}");
        let status = handle.intake_status();
        assert!(!status.ok);
        assert!(
            status
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("poller stopped")),
            "{status:?}"
        );
    }
}
