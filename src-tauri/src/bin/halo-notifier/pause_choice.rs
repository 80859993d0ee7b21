//! The tray's pause choices turned into a length: 30 minutes, an hour, or
//! until 8:00 tomorrow on the local clock (a technician going off shift).

use chrono::{DateTime, Days, Local, NaiveTime, TimeZone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseChoice {
    HalfHour,
    Hour,
    UntilTomorrowMorning,
    Resume,
}

impl PauseChoice {
    pub fn menu_id(self) -> &'static str {
        match self {
            PauseChoice::HalfHour => "pause-30",
            PauseChoice::Hour => "pause-60",
            PauseChoice::UntilTomorrowMorning => "pause-morning",
            PauseChoice::Resume => "pause-resume",
        }
    }

    pub fn from_menu_id(id: &str) -> Option<Self> {
        [
            PauseChoice::HalfHour,
            PauseChoice::Hour,
            PauseChoice::UntilTomorrowMorning,
            PauseChoice::Resume,
        ]
        .into_iter()
        .find(|c| c.menu_id() == id)
    }

    /// Minutes to pause from `now`; `None` resumes.
    pub fn minutes(self, now: DateTime<Local>) -> Option<u32> {
        match self {
            PauseChoice::HalfHour => Some(30),
            PauseChoice::Hour => Some(60),
            PauseChoice::UntilTomorrowMorning => Some(minutes_until_next_morning(now)),
            PauseChoice::Resume => None,
        }
    }
}

const MORNING: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Minutes from `now` to 8:00 on the next calendar day in `now`'s zone
/// (rounded up, at least one). A morning that does not exist (a DST gap)
/// falls back to 24 hours.
pub fn minutes_until_next_morning<Tz: TimeZone>(now: DateTime<Tz>) -> u32 {
    let tomorrow = now.date_naive().checked_add_days(Days::new(1));
    let target = tomorrow.and_then(|d| {
        now.timezone()
            .from_local_datetime(&d.and_time(MORNING))
            .earliest()
    });
    let seconds = match target {
        Some(t) => (t.signed_duration_since(&now)).num_seconds(),
        None => 24 * 3600,
    };
    u32::try_from((seconds + 59) / 60).unwrap_or(24 * 60).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    #[test]
    fn pausing_at_six_in_the_evening_lasts_until_eight_next_morning() {
        let zone = FixedOffset::east_opt(2 * 3600).expect("offset");
        let evening = zone
            .with_ymd_and_hms(2026, 3, 10, 18, 0, 0)
            .single()
            .expect("time");
        assert_eq!(minutes_until_next_morning(evening), 14 * 60);
    }

    #[test]
    fn pausing_just_after_midnight_still_means_the_next_days_morning() {
        let night = Utc
            .with_ymd_and_hms(2026, 3, 10, 0, 30, 0)
            .single()
            .expect("time");
        assert_eq!(minutes_until_next_morning(night), 31 * 60 + 30);
    }

    #[test]
    fn menu_ids_round_trip_and_resume_has_no_length() {
        for c in [
            PauseChoice::HalfHour,
            PauseChoice::Hour,
            PauseChoice::UntilTomorrowMorning,
            PauseChoice::Resume,
        ] {
            assert_eq!(PauseChoice::from_menu_id(c.menu_id()), Some(c));
        }
        assert_eq!(PauseChoice::Resume.minutes(Local::now()), None);
        assert_eq!(PauseChoice::Hour.minutes(Local::now()), Some(60));
    }
}
