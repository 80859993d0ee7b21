//! The notifier thread: notifications go through a bounded queue to one
//! thread that calls the [`Notifier`], so a notification daemon that hangs
//! delays nothing else; a notification that could not be shown is retried.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alert_engine::{Notification, Notifier};

/// Notifications waiting for the thread; beyond this they wait in the
/// overflow list.
const QUEUE: usize = 256;
/// A notification that failed is tried this many times in all.
const ATTEMPTS: u32 = 4;
/// The first retry's wait, doubling each time.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// Overflow beyond this drops the oldest (a notifier stuck for hours).
const MAX_OVERFLOW: usize = 10_000;

/// The sending side, cheap to share.
pub(crate) struct NotifierQueue {
    tx: SyncSender<Notification>,
    /// Notifications that found the queue full, in order.
    overflow: Arc<Mutex<VecDeque<Notification>>>,
}

impl NotifierQueue {
    /// Starts the notifier thread. It ends when the queue is dropped.
    pub(crate) fn start(notifier: Arc<dyn Notifier>) -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let overflow = Arc::new(Mutex::new(VecDeque::new()));
        let spill = overflow.clone();
        let spawned = std::thread::Builder::new()
            .name("notifier".into())
            .spawn(move || run(notifier.as_ref(), &rx, &spill));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the notifier thread; notifications are not shown");
        }
        NotifierQueue { tx, overflow }
    }

    /// Queues a notification; never blocks.
    pub(crate) fn send(&self, n: Notification) {
        match self.tx.try_send(n) {
            Ok(()) => {}
            Err(TrySendError::Full(n)) => {
                let mut overflow = self.overflow.lock().unwrap_or_else(|p| p.into_inner());
                if overflow.len() >= MAX_OVERFLOW {
                    overflow.pop_front();
                    tracing::error!(
                        "the notifier is stuck: dropped the oldest waiting notification"
                    );
                }
                overflow.push_back(n);
            }
            Err(TrySendError::Disconnected(n)) => {
                tracing::error!(ticket = ?n.ticket_id, "notifier thread is gone; notification not shown");
            }
        }
    }
}

struct Retry {
    notification: Notification,
    attempts: u32,
    at: Instant,
}

fn run(
    notifier: &dyn Notifier,
    rx: &Receiver<Notification>,
    overflow: &Mutex<VecDeque<Notification>>,
) {
    let mut retries: Vec<Retry> = Vec::new();
    loop {
        let wait = retries
            .iter()
            .map(|r| r.at.saturating_duration_since(Instant::now()))
            .min()
            .unwrap_or(Duration::from_secs(3600));
        let wait = if overflow_len(overflow) > 0 {
            Duration::ZERO
        } else {
            wait
        };
        match rx.recv_timeout(wait) {
            Ok(n) => show(notifier, n, 0, &mut retries),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let spilled: Vec<Notification> = overflow
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for n in spilled {
            show(notifier, n, 0, &mut retries);
        }
        let now = Instant::now();
        let (due, later): (Vec<Retry>, Vec<Retry>) = std::mem::take(&mut retries)
            .into_iter()
            .partition(|r| r.at <= now);
        retries = later;
        for r in due {
            show(notifier, r.notification, r.attempts, &mut retries);
        }
    }
}

fn overflow_len(overflow: &Mutex<VecDeque<Notification>>) -> usize {
    overflow.lock().unwrap_or_else(|p| p.into_inner()).len()
}

/// Shows one notification; a failure is retried later, a panic in the
/// notifier is caught so the thread lives on.
fn show(notifier: &dyn Notifier, n: Notification, attempts: u32, retries: &mut Vec<Retry>) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| notifier.notify(&n)));
    let error = match result {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the notifier panicked".to_owned(),
    };
    let attempts = attempts + 1;
    if attempts >= ATTEMPTS {
        tracing::error!(%error, ticket = ?n.ticket_id, "notification not shown after {ATTEMPTS} attempts");
        return;
    }
    let wait = FIRST_RETRY.saturating_mul(2u32.saturating_pow(attempts - 1));
    tracing::warn!(%error, ticket = ?n.ticket_id, retry_in = ?wait, "notification not shown; will retry");
    retries.push(Retry {
        notification: n,
        attempts,
        at: Instant::now() + wait,
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::mpsc::Sender;

    use alert_engine::{NotificationKind, NotifyError};

    use super::*;

    /// A daemon that is not up yet the first time, then shows everything.
    struct FlakyDaemon {
        calls: AtomicU32,
        shown: Mutex<Sender<Notification>>,
    }

    impl Notifier for FlakyDaemon {
        fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err(NotifyError(
                    "org.freedesktop.Notifications not running".into(),
                ));
            }
            let _ = self.shown.lock().expect("lock").send(n.clone());
            Ok(())
        }
    }

    #[test]
    fn a_notification_that_could_not_be_shown_is_shown_on_a_retry() {
        let (tx, rx) = std::sync::mpsc::channel();
        let queue = NotifierQueue::start(Arc::new(FlakyDaemon {
            calls: AtomicU32::new(0),
            shown: Mutex::new(tx),
        }));
        queue.send(Notification {
            kind: NotificationKind::Notification,
            alert_id: Some(1),
            ticket_id: Some(42),
            title: "P1 · Server down".into(),
            body: String::new(),
            urgency: alert_policy::Urgency::Critical,
            sound: true,
            step: 0,
            repeat: 0,
            at: chrono::Utc::now(),
            link: None,
            ticket_ids: Vec::new(),
        });
        let shown = rx
            .recv_timeout(FIRST_RETRY * 5)
            .expect("the failed notification was retried");
        assert_eq!(shown.ticket_id, Some(42));
    }
}
