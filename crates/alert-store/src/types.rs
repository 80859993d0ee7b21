//! The values the store reads and writes: ids, states, rows, and their
//! mapping to SQL (text enums, timestamps as unix milliseconds).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Row id of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(pub i64);

/// Row id of an outbox item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(pub i64);

macro_rules! id_sql {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($t)
            }
        }
    };
}
id_sql!(AlertId);
id_sql!(OutboxId);

/// A value stored as one of a closed set of strings.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in the alert database")]
struct UnknownText {
    what: &'static str,
    value: String,
}

/// Text enums: one `as_str`/`parse` pair, shared SQL mapping.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The string stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// The value for a stored string, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$var),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                $name::parse(s).ok_or_else(|| {
                    FromSqlError::Other(Box::new(UnknownText { what: $what, value: s.to_owned() }))
                })
            }
        }
    };
}

text_enum!(
    /// Where an alert is in its lifecycle. Only `Resolved` is closed.
    AlertState, "alert state" {
        Triggered => "triggered",
        Acknowledged => "acknowledged",
        Snoozed => "snoozed",
        Resolved => "resolved",
    }
);

impl AlertState {
    /// Open alerts count against the one-open-alert-per-ticket rule.
    pub fn is_open(self) -> bool {
        self != AlertState::Resolved
    }
}

text_enum!(
    /// What the engine made of one inbound ticket change.
    InboundOutcome, "inbound outcome" {
        Created => "created",
        Appended => "appended",
        Resolved => "resolved",
        Reopened => "reopened",
        Duplicate => "duplicate",
        Filtered => "filtered",
        Ignored => "ignored",
        Rejected => "rejected",
    }
);

text_enum!(
    /// What an outbox item writes to Halo.
    OutboxKind, "outbox kind" {
        /// Assign the ticket to an agent.
        Take => "take",
        /// Add a private note.
        Note => "note",
        /// Close the ticket with a note.
        Close => "close",
    }
);

text_enum!(
    /// Where an outbox item stands. `Done` and `Failed` are final.
    OutboxState, "outbox state" {
        Pending => "pending",
        Done => "done",
        Failed => "failed",
    }
);

/// What a timeline entry records. Open-ended: the engine may add kinds
/// without a schema change, and an unknown stored kind still reads back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimelineKind {
    Created,
    Appended,
    Notified,
    Escalated,
    Acknowledged,
    Snoozed,
    Unsnoozed,
    Resolved,
    Reopened,
    TakenByColleague,
    SuppressedQuietHours,
    Summarised,
    OutboxFailed,
    Other(String),
}

impl TimelineKind {
    pub fn as_str(&self) -> &str {
        match self {
            TimelineKind::Created => "created",
            TimelineKind::Appended => "appended",
            TimelineKind::Notified => "notified",
            TimelineKind::Escalated => "escalated",
            TimelineKind::Acknowledged => "acknowledged",
            TimelineKind::Snoozed => "snoozed",
            TimelineKind::Unsnoozed => "unsnoozed",
            TimelineKind::Resolved => "resolved",
            TimelineKind::Reopened => "reopened",
            TimelineKind::TakenByColleague => "taken_by_colleague",
            TimelineKind::SuppressedQuietHours => "suppressed_quiet_hours",
            TimelineKind::Summarised => "summarised",
            TimelineKind::OutboxFailed => "outbox_failed",
            TimelineKind::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "created" => TimelineKind::Created,
            "appended" => TimelineKind::Appended,
            "notified" => TimelineKind::Notified,
            "escalated" => TimelineKind::Escalated,
            "acknowledged" => TimelineKind::Acknowledged,
            "snoozed" => TimelineKind::Snoozed,
            "unsnoozed" => TimelineKind::Unsnoozed,
            "resolved" => TimelineKind::Resolved,
            "reopened" => TimelineKind::Reopened,
            "taken_by_colleague" => TimelineKind::TakenByColleague,
            "suppressed_quiet_hours" => TimelineKind::SuppressedQuietHours,
            "summarised" => TimelineKind::Summarised,
            "outbox_failed" => TimelineKind::OutboxFailed,
            other => TimelineKind::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for TimelineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for TimelineKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for TimelineKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_str().map(TimelineKind::parse)
    }
}

/// Where an inbound change came from; stored as `poll`, `reconcile`,
/// `webhook:<kind>` or `test`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InboundSource {
    Poll,
    Reconcile,
    Webhook(String),
    Test,
    Other(String),
}

impl InboundSource {
    pub fn parse(s: &str) -> Self {
        match s {
            "poll" => InboundSource::Poll,
            "reconcile" => InboundSource::Reconcile,
            "test" => InboundSource::Test,
            other => match other.strip_prefix("webhook:") {
                Some(kind) => InboundSource::Webhook(kind.to_owned()),
                None => InboundSource::Other(other.to_owned()),
            },
        }
    }
}

impl fmt::Display for InboundSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InboundSource::Poll => f.write_str("poll"),
            InboundSource::Reconcile => f.write_str("reconcile"),
            InboundSource::Webhook(kind) => write!(f, "webhook:{kind}"),
            InboundSource::Test => f.write_str("test"),
            InboundSource::Other(s) => f.write_str(s),
        }
    }
}

impl ToSql for InboundSource {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for InboundSource {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_str().map(InboundSource::parse)
    }
}

/// Which alerts `list_alerts` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFilter {
    /// Every alert that is not resolved.
    Open,
    /// Alerts in exactly this state.
    State(AlertState),
    All,
}

/// A new alert. It starts `triggered`; `created_at` is also its first
/// `updated_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub instance: String,
    pub ticket_id: i64,
    pub created_at: DateTime<Utc>,
    pub priority_id: Option<i32>,
    pub team_name: Option<String>,
    pub summary: String,
    pub snapshot_json: String,
    pub policy_json: String,
    pub trigger_reason: String,
}

/// One alert as stored. Timestamps have millisecond precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub id: AlertId,
    pub instance: String,
    pub ticket_id: i64,
    pub state: AlertState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolve_reason: Option<String>,
    pub priority_id: Option<i32>,
    pub team_name: Option<String>,
    pub summary: String,
    pub snapshot_json: String,
    pub policy_json: String,
    pub trigger_reason: String,
}

/// New ticket facts for an open alert, written by
/// [`crate::Store::update_alert_snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotUpdate<'a> {
    pub updated_at: DateTime<Utc>,
    pub summary: &'a str,
    pub priority_id: Option<i32>,
    pub team_name: Option<&'a str>,
    pub snapshot_json: &'a str,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub id: i64,
    pub alert_id: AlertId,
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    /// JSON or plain text, as the engine wrote it.
    pub detail: String,
}

/// Where an alert's escalation stands. `next_at == None` means the policy is
/// exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorRow {
    pub step: u32,
    pub repeat: u32,
    pub loops: u32,
    pub next_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// One inbound change to log. `payload_excerpt` is cut to 4 KiB on write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundEntry {
    pub received_at: DateTime<Utc>,
    pub source: InboundSource,
    pub ticket_id: Option<i64>,
    pub event_key: Option<String>,
    pub outcome: InboundOutcome,
    pub reason: String,
    pub payload_excerpt: Option<String>,
}

/// One logged inbound change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRow {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub source: InboundSource,
    pub ticket_id: Option<i64>,
    pub event_key: Option<String>,
    pub outcome: InboundOutcome,
    pub reason: String,
    pub payload_excerpt: Option<String>,
}

/// A call to make to Halo. It is due at `created_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    pub created_at: DateTime<Utc>,
    pub kind: OutboxKind,
    /// The Halo web URL to call.
    pub instance: String,
    pub alert_id: Option<AlertId>,
    pub ticket_id: i64,
    pub payload_json: String,
}

/// One outbox item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub created_at: DateTime<Utc>,
    pub kind: OutboxKind,
    pub instance: String,
    pub alert_id: Option<AlertId>,
    pub ticket_id: i64,
    pub payload_json: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// When it finished, successfully or not.
    pub done_at: Option<DateTime<Utc>>,
    /// When a worker took it to send (in flight); `None` when idle.
    pub claimed_at: Option<DateTime<Utc>>,
    /// Why it waits for the user (e.g. credentials revoked); `None` when
    /// it does not.
    pub held: Option<String>,
}

/// How quickly one alert was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertTiming {
    pub alert_id: AlertId,
    pub priority_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// From creation to acknowledgement, if acknowledged.
    pub time_to_ack: Option<Duration>,
    /// From creation to resolution, if resolved.
    pub time_to_resolve: Option<Duration>,
}

/// Handling times of one priority's alerts, for the `stats` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityStats {
    pub priority_id: Option<i32>,
    pub alerts: u64,
    pub acknowledged: u64,
    pub resolved: u64,
    pub median_time_to_ack: Option<Duration>,
    pub mean_time_to_ack: Option<Duration>,
    pub median_time_to_resolve: Option<Duration>,
    pub mean_time_to_resolve: Option<Duration>,
}

/// A timestamp as stored: unix milliseconds.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn ms_opt(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}

#[derive(Debug, thiserror::Error)]
#[error("timestamp {0} ms is out of range")]
struct BadTimestamp(i64);

fn from_ms(idx: usize, v: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Integer,
            Box::new(BadTimestamp(v)),
        )
    })
}

/// Reads a NOT NULL timestamp column.
pub(crate) fn ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    from_ms(idx, row.get(idx)?)
}

/// Reads a nullable timestamp column.
pub(crate) fn ts_opt(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<i64>>(idx)?
        .map(|v| from_ms(idx, v))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip() {
        for s in AlertState::ALL {
            assert_eq!(AlertState::parse(s.as_str()), Some(*s));
        }
        for s in InboundOutcome::ALL {
            assert_eq!(InboundOutcome::parse(s.as_str()), Some(*s));
        }
        for s in OutboxState::ALL {
            assert_eq!(OutboxState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(AlertState::parse("open"), None);
    }

    #[test]
    fn timeline_kinds_round_trip_including_unknown() {
        for k in [
            "created",
            "taken_by_colleague",
            "suppressed_quiet_hours",
            "brand_new",
        ] {
            assert_eq!(TimelineKind::parse(k).as_str(), k);
        }
        assert_eq!(
            TimelineKind::parse("brand_new"),
            TimelineKind::Other("brand_new".into())
        );
    }

    #[test]
    fn inbound_sources_round_trip() {
        for s in [
            InboundSource::Poll,
            InboundSource::Reconcile,
            InboundSource::Webhook("ticket_updated".into()),
            InboundSource::Test,
            InboundSource::Other("manual".into()),
        ] {
            assert_eq!(InboundSource::parse(&s.to_string()), s);
        }
    }
}
