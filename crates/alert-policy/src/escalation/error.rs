//! Why an escalation policy or policy set cannot be used; every message
//! names the policy (and 1-based step) and says what to change.

use thiserror::Error;

use crate::duration::HumanDuration;

/// A policy or policy set that cannot be used; each message names the policy
/// (and 1-based step) and says what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("an escalation policy has no name: give it one, e.g. name = \"critical\"")]
    MissingName,
    #[error(
        "escalation policy \"{policy}\" has no steps: add at least one [[policies.{policy}.steps]] entry"
    )]
    NoSteps { policy: String },
    #[error(
        "step {step} of escalation policy \"{policy}\" repeats {max_repeats} times but has no repeat_every: set repeat_every (e.g. \"5m\") or set max_repeats = 0"
    )]
    RepeatsWithoutInterval {
        policy: String,
        step: usize,
        max_repeats: u32,
    },
    #[error(
        "step {step} of escalation policy \"{policy}\" repeats every {every}, which would flood the desktop: use repeat_every of at least 1s"
    )]
    RepeatTooFrequent {
        policy: String,
        step: usize,
        every: HumanDuration,
    },
    #[error(
        "step {step} of escalation policy \"{policy}\" has {field} = \"{value}\", longer than the 365d limit: use a shorter duration"
    )]
    IntervalTooLong {
        policy: String,
        step: usize,
        field: &'static str,
        value: HumanDuration,
    },
    #[error(
        "escalation policy \"{policy}\" loops but one lap takes {lap}, so it would notify continuously: give a step a delay or repeat_every (one lap must take at least 1s), or set loop = false"
    )]
    TightLoop { policy: String, lap: HumanDuration },
    #[error(
        "{used_by} uses escalation policy \"{name}\", which is not defined: define [policies.{name}] or use one of: {known}"
    )]
    UnknownPolicy {
        used_by: String,
        name: String,
        known: String,
    },
    #[error(
        "the policy defined as [policies.{key}] says name = \"{name}\": make them match, or leave name out"
    )]
    NameMismatch { key: String, name: String },
    #[error(
        "\"{key}\" in by_priority is not a Halo priority id: use the priority's number, e.g. 1 = \"critical\" (\"P1\" also works)"
    )]
    BadPriority { key: String },
}
