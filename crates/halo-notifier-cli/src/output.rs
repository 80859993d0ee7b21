//! What the list, log and stats commands print: aligned tables for people,
//! JSON lines for scripts. Ticket text in tables goes through
//! `app_core::text` first: a ticket cannot colour, clear or reorder the
//! user's terminal (JSON escapes control characters by itself).

use std::time::Duration;

use alert_engine::AlertView;
use alert_store::{InboundRow, PriorityStats};
use chrono::{DateTime, Utc};

pub fn alerts_json(alerts: &[AlertView]) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(alerts)?);
    Ok(())
}

pub fn alerts_table(alerts: &[AlertView], now: DateTime<Utc>) {
    if alerts.is_empty() {
        println!("No alerts.");
        return;
    }
    println!(
        "{:>8}  {:<13} {:<4} {:>6}  {:<18} SUMMARY",
        "TICKET", "STATE", "PRIO", "AGE", "TEAM"
    );
    for a in alerts {
        println!(
            "{:>8}  {:<13} {:<4} {:>6}  {:<18} {}",
            a.ticket_id,
            a.state.as_str(),
            a.priority_id
                .map_or_else(|| "-".to_owned(), |p| format!("P{p}")),
            age(now - a.created_at),
            clip(a.team_name.as_deref().unwrap_or("-"), 18),
            clip(&a.summary, 60)
        );
    }
}

pub fn log_json(rows: &[InboundRow]) -> anyhow::Result<()> {
    for r in rows {
        let line = serde_json::json!({
            "received_at": r.received_at,
            "source": r.source.to_string(),
            "ticket_id": r.ticket_id,
            "outcome": r.outcome.as_str(),
            "reason": r.reason,
            "event_key": r.event_key,
        });
        println!("{line}");
    }
    Ok(())
}

pub fn log_table(rows: &[InboundRow]) {
    print!("{}", log_text(rows));
}

fn log_text(rows: &[InboundRow]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("Nothing received yet.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<19}  {:<18} {:>8}  {:<10} REASON",
        "RECEIVED", "SOURCE", "TICKET", "OUTCOME"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<19}  {:<18} {:>8}  {:<10} {}",
            r.received_at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S"),
            clip(&r.source.to_string(), 18),
            r.ticket_id
                .map_or_else(|| "-".to_owned(), |t| t.to_string()),
            r.outcome.as_str(),
            clip(&r.reason, 70)
        );
    }
    out
}

pub fn stats_table(stats: &[PriorityStats], since: &str) {
    if stats.is_empty() {
        println!("No alerts in the last {since}.");
        return;
    }
    println!("Last {since}:");
    println!(
        "{:<8} {:>6} {:>6} {:>8} {:>12} {:>12} {:>12} {:>12}",
        "PRIORITY",
        "ALERTS",
        "ACKED",
        "RESOLVED",
        "ACK MEDIAN",
        "ACK MEAN",
        "FIX MEDIAN",
        "FIX MEAN"
    );
    for s in stats {
        let d = |v: Option<Duration>| {
            v.map_or_else(
                || "-".to_owned(),
                |d| age(chrono::Duration::from_std(d).unwrap_or_default()),
            )
        };
        println!(
            "{:<8} {:>6} {:>6} {:>8} {:>12} {:>12} {:>12} {:>12}",
            s.priority_id
                .map_or_else(|| "none".to_owned(), |p| format!("P{p}")),
            s.alerts,
            s.acknowledged,
            s.resolved,
            d(s.median_time_to_ack),
            d(s.mean_time_to_ack),
            d(s.median_time_to_resolve),
            d(s.mean_time_to_resolve)
        );
    }
}

fn age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86400, (s % 86400) / 3600),
    }
}

/// The first line of `s`, cleaned of control characters and cut to `max`.
fn clip(s: &str, max: usize) -> String {
    let first = s.lines().next().unwrap_or_default();
    let line = app_core::text::one_line(first);
    if line.chars().count() <= max {
        line.into_owned()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_store::{InboundOutcome, InboundSource};

    #[test]
    fn ticket_text_cannot_drive_the_terminal() {
        let evil = "Invoice \u{1b}[2J\u{1b}]0;pwned\u{7}overdue \u{202e}fdp.exe\u{9b}31m!\r";
        let row = InboundRow {
            id: 1,
            received_at: Utc::now(),
            source: InboundSource::Webhook("native\u{1b}[31m".to_owned()),
            ticket_id: Some(7),
            event_key: None,
            outcome: InboundOutcome::Rejected,
            reason: evil.to_owned(),
            payload_excerpt: None,
        };
        let out = log_text(&[row]);
        assert!(
            !out.chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{out:?}"
        );
        assert!(out.contains("Invoice overdue fdp.exe!"), "{out:?}");
        assert_eq!(clip("a\u{1b}[1mb\u{1b}[0m", 10), "ab");
    }
}
