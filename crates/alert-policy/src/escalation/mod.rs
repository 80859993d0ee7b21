//! Escalation: policies (what to notify, how often, how loudly), the cursor
//! the engine persists per alert to know which notification is next and when,
//! and the policy set mapping priorities to policies. Pure: every decision
//! takes `now`, nothing reads a clock.

mod cursor;
mod error;
mod policy;
mod policy_set;
#[cfg(test)]
mod test_support;

pub use cursor::{EscalationCursor, Firing};
pub use error::PolicyError;
pub use policy::{
    EscalationPolicy, EscalationStep, FirePoint, FirePoints, MAX_INTERVAL, MIN_LOOP_LENGTH,
    MIN_REPEAT_INTERVAL,
};
pub use policy_set::{PolicySet, builtin};
