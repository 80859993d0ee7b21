//! Flood control: when many tickets arrive for one team at once (an outage),
//! show one summary instead of a wall of popups. Only the *first* notification
//! of an alert is grouped; every alert still exists and escalates on its own.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::duration::HumanDuration;
use crate::template::FieldSource;

/// Longest grouping window: held tickets wait up to this long for their summary.
pub const MAX_GROUPING_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupingError {
    #[error("the grouping window is 0s, so nothing would be grouped: use e.g. window = \"2m\"")]
    ZeroWindow,
    #[error(
        "a grouping window of {0} would hold new tickets back too long: use at most 1h, e.g. window = \"2m\""
    )]
    WindowTooLong(HumanDuration),
}

/// "More than `threshold` new alerts for one group within `window`" is a flood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupingRule {
    /// Alerts shown individually per window before holding the rest for a
    /// summary. 0 sends every new alert to the summary.
    pub threshold: usize,
    pub window: HumanDuration,
}

impl Default for GroupingRule {
    /// Three individual popups, then a summary, per two-minute window.
    fn default() -> Self {
        GroupingRule {
            threshold: 3,
            window: HumanDuration::from_mins(2),
        }
    }
}

impl GroupingRule {
    pub fn validate(&self) -> Result<(), GroupingError> {
        if self.window.is_zero() {
            return Err(GroupingError::ZeroWindow);
        }
        if self.window.as_std() > MAX_GROUPING_WINDOW {
            return Err(GroupingError::WindowTooLong(self.window));
        }
        Ok(())
    }
}

/// What to do with one new alert's first notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupDecision {
    /// Notify about this alert on its own, now.
    Individual,
    /// Hold it: it will be part of the summary for `group_key` flushed at
    /// `flush_at`; `count` is how many are held so far, this one included.
    Summarise {
        group_key: String,
        count: usize,
        flush_at: DateTime<Utc>,
    },
}

/// One notification standing for several new alerts of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary<Id = i64> {
    pub group_key: String,
    /// The held alerts, in arrival order.
    pub alert_ids: Vec<Id>,
    pub window_start: DateTime<Utc>,
    /// When the summary became due (the end of its window).
    pub flush_at: DateTime<Utc>,
}

impl<Id> Summary<Id> {
    pub fn count(&self) -> usize {
        self.alert_ids.len()
    }
}

/// Fields for the summary title template: `{count}`, `{group}`, `{tickets}`
/// ("ticket" or "tickets" to agree with the count).
impl<Id> FieldSource for Summary<Id> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        match name {
            "count" => Some(Cow::Owned(self.count().to_string())),
            "group" => Some(Cow::Borrowed(&self.group_key)),
            "tickets" => Some(Cow::Borrowed(if self.count() == 1 {
                "ticket"
            } else {
                "tickets"
            })),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Window<Id> {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// Individual notifications this window may still send.
    allowance: usize,
    held: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct GroupState<Id> {
    open: Option<Window<Id>>,
    /// Set when a window closed with held alerts: a new window opening before
    /// this instant continues the flood and starts holding at once.
    flood_until: Option<DateTime<Utc>>,
}

/// Per-group flood detector, deterministic in the timestamps it is given.
///
/// Semantics, per group key:
/// - A window opens at the first new alert when none is open and lasts
///   `window` (fixed, not sliding, so a held alert waits at most `window`).
/// - The first `threshold` alerts of the window are [`GroupDecision::Individual`];
///   later ones in the same window are held.
/// - At the window's end the held alerts go out as ONE [`Summary`]
///   (via [`Grouper::flush_due`]); a window with nothing held sends nothing.
/// - While the flood continues — a new window opens within `window` of the
///   end of one that held alerts — the new window holds from its first alert,
///   so a long outage produces one summary per window, not `threshold`
///   popups plus a summary each time.
///
/// Timestamps should be non-decreasing; an earlier one simply counts toward
/// the open window. Feed each new alert once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouper<Id = i64> {
    rule: GroupingRule,
    groups: BTreeMap<String, GroupState<Id>>,
    /// Closed windows' summaries not yet handed out.
    ready: Vec<Summary<Id>>,
}

fn add(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl<Id: Clone> Grouper<Id> {
    pub fn new(rule: GroupingRule) -> Self {
        Grouper {
            rule,
            groups: BTreeMap::new(),
            ready: Vec::new(),
        }
    }

    pub fn rule(&self) -> &GroupingRule {
        &self.rule
    }

    /// The same held alerts and windows under a changed rule (the user
    /// edited it while alerts were held: they still get their summary).
    pub fn with_rule(mut self, rule: GroupingRule) -> Self {
        self.rule = rule;
        self
    }

    /// Decides how to announce a new alert for `group_key` (e.g. its team)
    /// arriving at `at`.
    pub fn observe(&mut self, alert_id: Id, group_key: &str, at: DateTime<Utc>) -> GroupDecision {
        let window_len = self.rule.window.as_std();
        let state = self
            .groups
            .entry(group_key.to_owned())
            .or_insert(GroupState {
                open: None,
                flood_until: None,
            });
        if state.open.as_ref().is_some_and(|w| at >= w.end) {
            close(group_key, state, window_len, &mut self.ready);
        }
        let window = state.open.get_or_insert_with(|| {
            let continuing = state.flood_until.is_some_and(|until| at < until);
            Window {
                start: at,
                end: add(at, window_len),
                allowance: if continuing { 0 } else { self.rule.threshold },
                held: Vec::new(),
            }
        });
        if window.allowance > 0 {
            window.allowance -= 1;
            GroupDecision::Individual
        } else {
            window.held.push(alert_id);
            GroupDecision::Summarise {
                group_key: group_key.to_owned(),
                count: window.held.len(),
                flush_at: window.end,
            }
        }
    }

    /// Summaries whose window has ended by `now`, oldest first (ties by key).
    pub fn flush_due(&mut self, now: DateTime<Utc>) -> Vec<Summary<Id>> {
        let window_len = self.rule.window.as_std();
        for (key, state) in &mut self.groups {
            if state.open.as_ref().is_some_and(|w| now >= w.end) {
                close(key, state, window_len, &mut self.ready);
            }
        }
        // Forget groups that are idle and whose flood has calmed down.
        self.groups.retain(|_, state| {
            state.open.is_some() || state.flood_until.is_some_and(|until| now < until)
        });
        let (mut due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.ready)
            .into_iter()
            .partition(|s| s.flush_at <= now);
        self.ready = later;
        due.sort_by(|a, b| (a.flush_at, &a.group_key).cmp(&(b.flush_at, &b.group_key)));
        due
    }

    /// Nothing open, held or waiting: there is no state worth keeping.
    pub fn is_idle(&self) -> bool {
        self.groups.is_empty() && self.ready.is_empty()
    }

    /// When the engine should next call [`Grouper::flush_due`]; None when
    /// nothing is held.
    pub fn next_flush_at(&self) -> Option<DateTime<Utc>> {
        let open = self
            .groups
            .values()
            .filter_map(|s| s.open.as_ref())
            .filter(|w| !w.held.is_empty())
            .map(|w| w.end);
        let ready = self.ready.iter().map(|s| s.flush_at);
        open.chain(ready).min()
    }
}

fn close<Id>(
    key: &str,
    state: &mut GroupState<Id>,
    window_len: Duration,
    ready: &mut Vec<Summary<Id>>,
) {
    let Some(window) = state.open.take() else {
        return;
    };
    if window.held.is_empty() {
        return;
    }
    state.flood_until = Some(add(window.end, window_len));
    ready.push(Summary {
        group_key: key.to_owned(),
        alert_ids: window.held,
        window_start: window.start,
        flush_at: window.end,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 2, 9, 0, 0)
            .single()
            .expect("valid timestamp")
            + TimeDelta::seconds(secs)
    }

    fn grouper(threshold: usize, window_secs: u64) -> Grouper {
        Grouper::new(GroupingRule {
            threshold,
            window: HumanDuration::from_secs(window_secs),
        })
    }

    #[test]
    fn a_few_tickets_each_get_their_own_notification() {
        let mut g = grouper(3, 120);
        for (id, at) in [(1, 0), (2, 10), (3, 20)] {
            assert_eq!(
                g.observe(id, "Service Desk", t(at)),
                GroupDecision::Individual
            );
        }
        assert_eq!(g.next_flush_at(), None);
        assert!(g.flush_due(t(1000)).is_empty());
    }

    #[test]
    fn ten_tickets_in_a_burst_give_three_popups_and_one_summary_of_seven() {
        let mut g = grouper(3, 120);
        let decisions: Vec<_> = (1..=10)
            .map(|id| g.observe(id, "Service Desk", t(id * 5)))
            .collect();
        assert!(
            decisions[..3]
                .iter()
                .all(|d| *d == GroupDecision::Individual)
        );
        assert_eq!(
            decisions[9],
            GroupDecision::Summarise {
                group_key: "Service Desk".to_owned(),
                count: 7,
                flush_at: t(125),
            }
        );
        assert_eq!(g.next_flush_at(), Some(t(125)));
        assert!(g.flush_due(t(124)).is_empty(), "not before the window ends");
        let summaries = g.flush_due(t(125));
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].count(), 7);
        assert_eq!(summaries[0].alert_ids, vec![4, 5, 6, 7, 8, 9, 10]);
        assert!(g.flush_due(t(500)).is_empty(), "flushed once");
        assert_eq!(g.next_flush_at(), None);
    }

    #[test]
    fn teams_are_grouped_separately() {
        let mut g = grouper(1, 60);
        assert_eq!(g.observe(1, "Network", t(0)), GroupDecision::Individual);
        assert_eq!(
            g.observe(2, "Service Desk", t(1)),
            GroupDecision::Individual
        );
        assert!(matches!(
            g.observe(3, "Network", t(2)),
            GroupDecision::Summarise { .. }
        ));
        assert!(matches!(
            g.observe(4, "Service Desk", t(3)),
            GroupDecision::Summarise { .. }
        ));
        let keys: Vec<_> = g
            .flush_due(t(61))
            .into_iter()
            .map(|s| s.group_key)
            .collect();
        assert_eq!(keys, vec!["Network".to_owned(), "Service Desk".to_owned()]);
    }

    #[test]
    fn an_ongoing_outage_sends_one_summary_per_window_not_more_popups() {
        let mut g = grouper(2, 60);
        // A ticket every 10s for five minutes.
        let mut individual = 0;
        let mut summaries = Vec::new();
        for i in 0..30 {
            let now = t(i * 10);
            summaries.extend(g.flush_due(now));
            if g.observe(i, "Service Desk", now) == GroupDecision::Individual {
                individual += 1;
            }
        }
        summaries.extend(g.flush_due(t(1000)));
        assert_eq!(
            individual, 2,
            "only the start of the flood pops up individually"
        );
        assert_eq!(summaries.iter().map(Summary::count).sum::<usize>(), 28);
        assert_eq!(summaries.len(), 5);
    }

    #[test]
    fn after_a_quiet_spell_tickets_pop_up_individually_again() {
        let mut g = grouper(1, 60);
        g.observe(1, "SD", t(0));
        g.observe(2, "SD", t(1));
        assert_eq!(g.flush_due(t(60)).len(), 1);
        // Flood continues up to 120s; at 200s it is over.
        assert_eq!(g.observe(3, "SD", t(200)), GroupDecision::Individual);
    }

    #[test]
    fn late_flush_still_reports_the_window_end_and_a_new_alert_closes_the_old_window() {
        let mut g = grouper(0, 60);
        assert!(matches!(
            g.observe(1, "SD", t(0)),
            GroupDecision::Summarise { count: 1, .. }
        ));
        // The engine was busy: the next alert arrives after the window ended.
        assert!(matches!(
            g.observe(2, "SD", t(90)),
            GroupDecision::Summarise { count: 1, .. }
        ));
        assert_eq!(g.next_flush_at(), Some(t(60)));
        let due = g.flush_due(t(90));
        assert_eq!(due.len(), 1);
        assert_eq!(
            (due[0].flush_at, due[0].alert_ids.clone()),
            (t(60), vec![1])
        );
        assert_eq!(g.next_flush_at(), Some(t(150)));
    }

    #[test]
    fn summary_fields_agree_with_the_count() {
        let one = Summary {
            group_key: "Network".to_owned(),
            alert_ids: vec![1],
            window_start: t(0),
            flush_at: t(60),
        };
        assert_eq!(one.field("tickets").as_deref(), Some("ticket"));
        assert_eq!(one.field("count").as_deref(), Some("1"));
        assert_eq!(one.field("group").as_deref(), Some("Network"));
    }

    #[test]
    fn grouping_rule_mistakes_are_explained() {
        let zero = GroupingRule {
            threshold: 3,
            window: HumanDuration::ZERO,
        };
        assert_eq!(zero.validate(), Err(GroupingError::ZeroWindow));
        let long = GroupingRule {
            threshold: 3,
            window: HumanDuration::from_secs(7200),
        };
        let err = long.validate().expect_err("too long");
        assert!(err.to_string().contains("2h"), "{err}");
        assert_eq!(GroupingRule::default().validate(), Ok(()));
    }

    #[test]
    fn a_zero_window_never_panics_and_never_groups() {
        let mut g = grouper(1, 0);
        assert_eq!(g.observe(1, "SD", t(0)), GroupDecision::Individual);
        assert_eq!(g.observe(2, "SD", t(0)), GroupDecision::Individual);
    }
}
