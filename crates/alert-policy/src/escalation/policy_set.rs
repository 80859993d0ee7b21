//! Which escalation policy each Halo priority gets: the built-in defaults,
//! and the config shape merged over them (validated when loaded).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{EscalationPolicy, PolicyError};

/// Which policy each Halo priority gets.
///
/// In config, anything left out keeps the built-in default: policies you
/// define are added to (or replace, by name) the built-in ones, and
/// `by_priority` entries override per priority. Deserialising validates, so a
/// loaded set always resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicySetConfig", into = "PolicySetConfig")]
pub struct PolicySet {
    /// Halo priority id (1 = highest in a stock tenant) to policy name.
    pub by_priority: BTreeMap<i32, String>,
    pub policies: BTreeMap<String, EscalationPolicy>,
    /// Policy for tickets without a priority or with an unmapped one.
    pub default: String,
}

/// Returned by [`PolicySet::policy_for`] only if the set was edited in code
/// into one that no longer resolves; a validated set never needs it.
static FALLBACK: LazyLock<EscalationPolicy> = LazyLock::new(builtin::normal);

impl PolicySet {
    /// The policy for a ticket of this Halo priority; unmapped or missing
    /// priorities get the default policy.
    pub fn policy_for(&self, priority_id: Option<i32>) -> &EscalationPolicy {
        priority_id
            .and_then(|id| self.by_priority.get(&id))
            .and_then(|name| self.policies.get(name))
            .or_else(|| self.policies.get(&self.default))
            .unwrap_or(&FALLBACK)
    }

    /// Every name resolves, every policy is valid and matches its key.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let known = || self.policies.keys().cloned().collect::<Vec<_>>().join(", ");
        if !self.policies.contains_key(&self.default) {
            return Err(PolicyError::UnknownPolicy {
                used_by: "default".to_owned(),
                name: self.default.clone(),
                known: known(),
            });
        }
        for (priority, name) in &self.by_priority {
            if !self.policies.contains_key(name) {
                return Err(PolicyError::UnknownPolicy {
                    used_by: format!("priority {priority}"),
                    name: name.clone(),
                    known: known(),
                });
            }
        }
        for (key, policy) in &self.policies {
            if &policy.name != key {
                return Err(PolicyError::NameMismatch {
                    key: key.clone(),
                    name: policy.name.clone(),
                });
            }
            policy.validate()?;
        }
        Ok(())
    }
}

impl Default for PolicySet {
    /// P1 critical, P2 high, P3 normal, P4 low; default normal.
    fn default() -> Self {
        let policies = [
            builtin::critical(),
            builtin::high(),
            builtin::normal(),
            builtin::low(),
        ];
        PolicySet {
            by_priority: BTreeMap::from([
                (1, "critical".to_owned()),
                (2, "high".to_owned()),
                (3, "normal".to_owned()),
                (4, "low".to_owned()),
            ]),
            policies: policies.into_iter().map(|p| (p.name.clone(), p)).collect(),
            default: "normal".to_owned(),
        }
    }
}

/// The built-in policies shipped as defaults.
pub mod builtin {
    use crate::duration::HumanDuration;
    use crate::escalation::{EscalationPolicy, EscalationStep};
    use crate::urgency::Urgency;

    fn step(
        delay_mins: u64,
        urgency: Urgency,
        sound: bool,
        every_mins: u64,
        max_repeats: u32,
    ) -> EscalationStep {
        EscalationStep {
            delay: HumanDuration::from_mins(delay_mins),
            urgency,
            sound,
            repeat_every: (max_repeats > 0).then(|| HumanDuration::from_mins(every_mins)),
            max_repeats,
        }
    }

    fn policy(name: &str, steps: Vec<EscalationStep>) -> EscalationPolicy {
        EscalationPolicy {
            name: name.to_owned(),
            steps,
            loop_policy: false,
        }
    }

    /// Critical with sound at once, then every 2 minutes for an hour.
    pub fn critical() -> EscalationPolicy {
        policy("critical", vec![step(0, Urgency::Critical, true, 2, 30)])
    }

    /// Normal with sound at once, every 5 minutes for half an hour, then
    /// critical every 5 minutes for another hour.
    pub fn high() -> EscalationPolicy {
        policy(
            "high",
            vec![
                step(0, Urgency::Normal, true, 5, 6),
                step(5, Urgency::Critical, true, 5, 12),
            ],
        )
    }

    /// Normal, silent, at once and again after 15 and 30 minutes.
    pub fn normal() -> EscalationPolicy {
        policy("normal", vec![step(0, Urgency::Normal, false, 15, 2)])
    }

    /// One quiet low-urgency notification.
    pub fn low() -> EscalationPolicy {
        policy("low", vec![step(0, Urgency::Low, false, 0, 0)])
    }
}

/// Config shape of [`PolicySet`]: string priority keys (TOML table keys are
/// strings) and every field optional, merged over the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySetConfig {
    #[serde(default)]
    by_priority: BTreeMap<String, String>,
    #[serde(default)]
    policies: BTreeMap<String, EscalationPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
}

fn parse_priority(key: &str) -> Result<i32, PolicyError> {
    let trimmed = key.trim();
    let digits = trimmed
        .strip_prefix('P')
        .or_else(|| trimmed.strip_prefix('p'))
        .unwrap_or(trimmed);
    digits.parse().map_err(|_| PolicyError::BadPriority {
        key: key.to_owned(),
    })
}

impl TryFrom<PolicySetConfig> for PolicySet {
    type Error = PolicyError;

    fn try_from(config: PolicySetConfig) -> Result<Self, PolicyError> {
        let mut set = PolicySet::default();
        for (key, name) in config.by_priority {
            set.by_priority.insert(parse_priority(&key)?, name);
        }
        for (key, mut policy) in config.policies {
            if policy.name.is_empty() {
                policy.name.clone_from(&key);
            }
            set.policies.insert(key, policy);
        }
        if let Some(default) = config.default {
            set.default = default;
        }
        set.validate()?;
        Ok(set)
    }
}

impl From<PolicySet> for PolicySetConfig {
    fn from(set: PolicySet) -> Self {
        PolicySetConfig {
            by_priority: set
                .by_priority
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
            policies: set.policies,
            default: Some(set.default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(PolicySet::default().validate(), Ok(()));
    }

    #[test]
    fn default_p4_notifies_once() {
        let set = PolicySet::default();
        let p = set.policy_for(Some(4));
        assert_eq!(p.name, "low");
        let times: Vec<_> = (0..=600).map(|m| mins(m * 10)).collect();
        let firings = run(p, t0(), &times);
        assert_eq!(firings.len(), 1);
        assert_eq!(firings[0].urgency, Urgency::Low);
        assert!(!firings[0].sound);
    }

    #[test]
    fn default_p1_repeats_critically_with_sound_for_an_hour() {
        let p = PolicySet::default().policy_for(Some(1)).clone();
        let times: Vec<_> = (0..=180).map(mins).collect();
        let firings = run(&p, t0(), &times);
        assert_eq!(firings.len(), 31);
        assert!(
            firings
                .iter()
                .all(|f| f.urgency == Urgency::Critical && f.sound)
        );
        assert_eq!(firings.last().map(|f| f.due_at), Some(mins(60)));
    }

    #[test]
    fn default_p2_escalates_to_critical_after_half_an_hour() {
        let p = PolicySet::default().policy_for(Some(2)).clone();
        let times: Vec<_> = (0..=200).map(mins).collect();
        let firings = run(&p, t0(), &times);
        let normal: Vec<_> = firings
            .iter()
            .filter(|f| f.urgency == Urgency::Normal)
            .collect();
        assert_eq!(normal.len(), 7);
        let first_critical = firings
            .iter()
            .find(|f| f.urgency == Urgency::Critical)
            .expect("escalates");
        assert_eq!(first_critical.due_at, mins(35));
    }

    #[test]
    fn default_p3_notifies_three_times_fifteen_minutes_apart() {
        let p = PolicySet::default().policy_for(Some(3)).clone();
        let times: Vec<_> = (0..=120).map(mins).collect();
        let due: Vec<_> = run(&p, t0(), &times).iter().map(|f| f.due_at).collect();
        assert_eq!(due, vec![mins(0), mins(15), mins(30)]);
    }

    #[test]
    fn tickets_without_or_with_unknown_priority_get_the_default_policy() {
        let set = PolicySet::default();
        assert_eq!(set.policy_for(None).name, "normal");
        assert_eq!(set.policy_for(Some(99)).name, "normal");
    }

    #[test]
    fn policy_set_names_the_missing_policy() {
        let mut set = PolicySet::default();
        set.by_priority.insert(2, "hihg".to_owned());
        let err = set.validate().expect_err("unknown policy");
        assert_eq!(
            err.to_string(),
            "priority 2 uses escalation policy \"hihg\", which is not defined: define [policies.hihg] or use one of: critical, high, low, normal"
        );
        // Even if used anyway, lookups fall back instead of panicking.
        assert_eq!(set.policy_for(Some(2)).name, "normal");
        set.default = "gone".to_owned();
        set.policies.clear();
        assert_eq!(set.policy_for(Some(2)).name, "normal");
    }

    #[test]
    fn config_only_needs_what_differs_from_the_defaults() {
        let json = r#"{
            "by_priority": { "P2": "pager", "5": "low" },
            "policies": { "pager": { "steps": [ { "urgency": "critical", "sound": true } ], "loop": false } }
        }"#;
        let set: PolicySet = serde_json::from_str(json).expect("valid config");
        assert_eq!(set.policy_for(Some(2)).name, "pager");
        assert_eq!(set.policy_for(Some(5)).name, "low");
        assert_eq!(set.policy_for(Some(1)).name, "critical");
        assert_eq!(set.default, "normal");
        let again: PolicySet =
            serde_json::from_str(&serde_json::to_string(&set).expect("serialises"))
                .expect("round trip");
        assert_eq!(again, set);
    }

    #[test]
    fn bad_policy_config_fails_to_load_with_a_clear_message() {
        let err =
            serde_json::from_str::<PolicySet>(r#"{ "by_priority": { "urgent": "critical" } }"#)
                .expect_err("bad key")
                .to_string();
        assert!(
            err.contains("\"urgent\" in by_priority is not a Halo priority id"),
            "{err}"
        );
        let err = serde_json::from_str::<PolicySet>(r#"{ "default": "nope" }"#)
            .expect_err("unknown default")
            .to_string();
        assert!(
            err.contains("default uses escalation policy \"nope\""),
            "{err}"
        );
        let err = serde_json::from_str::<PolicySet>(
            r#"{ "policies": { "a": { "name": "b", "steps": [ {} ] } } }"#,
        )
        .expect_err("mismatch")
        .to_string();
        assert!(err.contains("[policies.a] says name = \"b\""), "{err}");
        let err = serde_json::from_str::<PolicySet>(
            r#"{ "policies": { "a": { "steps": [ { "repat_every": "5m" } ] } } }"#,
        )
        .expect_err("typo")
        .to_string();
        assert!(err.contains("repat_every"), "{err}");
    }
}
