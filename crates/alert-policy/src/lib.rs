//! What to notify and when: escalation policies, human durations, duty hours,
//! flood grouping and notification templates. Pure logic over an injected
//! clock (`now` is always a parameter), so every rule is testable to the second.

pub mod duration;
pub mod escalation;
pub mod grouping;
pub mod schedule;
pub mod template;
pub mod urgency;

pub use duration::{DurationError, HumanDuration, LONGEST, parse_std};
pub use escalation::{
    EscalationCursor, EscalationPolicy, EscalationStep, FirePoint, FirePoints, Firing, PolicyError,
    PolicySet,
};
pub use grouping::{GroupDecision, Grouper, GroupingError, GroupingRule, Summary};
pub use schedule::{DaySet, Delivery, DutySchedule, DutyWindow, ScheduleError, TimeOfDay};
pub use template::{FieldSource, Template, TemplateError, Templates, html_to_text};
pub use urgency::{Urgency, UrgencyError};
