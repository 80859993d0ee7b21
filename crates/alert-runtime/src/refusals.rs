//! Refused webhook requests, coalesced for the inbound log: an address that
//! keeps sending a wrong token (a scanner, a rule left with an old token)
//! gets one row a minute saying how many were refused since the last one,
//! not a row per request, so a flood cannot fill the disk or the log file.
//! The timer settles addresses whose minute has passed, so the count of a
//! flood's last minute is logged even when nothing follows it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// One row per address per this long.
const WINDOW: TimeDelta = TimeDelta::minutes(1);
/// Addresses remembered at once; past this, stale ones are forgotten and,
/// if all are recent, a new address is counted without a row.
const MAX_ADDRESSES: usize = 1024;

#[derive(Default)]
pub(crate) struct Refusals {
    by_address: Mutex<HashMap<IpAddr, Logged>>,
}

struct Logged {
    at: DateTime<Utc>,
    /// Refused since `at` without a row.
    unlogged: u64,
}

impl Refusals {
    /// Whether this refusal gets a row; if so, how many from the same
    /// address went without one before it.
    pub(crate) fn admit(&self, address: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let mut by_address = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(logged) = by_address.get_mut(&address) {
            if now - logged.at < WINDOW {
                logged.unlogged += 1;
                return None;
            }
            let unlogged = logged.unlogged;
            *logged = Logged {
                at: now,
                unlogged: 0,
            };
            return Some(unlogged);
        }
        if by_address.len() >= MAX_ADDRESSES {
            by_address.retain(|_, logged| now - logged.at < WINDOW);
            if by_address.len() >= MAX_ADDRESSES {
                return None;
            }
        }
        by_address.insert(
            address,
            Logged {
                at: now,
                unlogged: 0,
            },
        );
        Some(0)
    }
}

impl Refusals {
    /// Forgets the addresses whose minute has passed and returns those with
    /// refusals still without a row, with their count.
    pub(crate) fn settle(&self, now: DateTime<Utc>) -> Vec<(IpAddr, u64)> {
        let mut by_address = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        let mut unlogged = Vec::new();
        by_address.retain(|address, logged| {
            if now - logged.at < WINDOW {
                return true;
            }
            if logged.unlogged > 0 {
                unlogged.push((*address, logged.unlogged));
            }
            false
        });
        unlogged.sort();
        unlogged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("time")
    }

    #[test]
    fn one_row_a_minute_per_address_carrying_the_count_it_stood_for() {
        let refusals = Refusals::default();
        let scanner: IpAddr = "192.0.2.7".parse().expect("ip");
        let other: IpAddr = "192.0.2.8".parse().expect("ip");
        assert_eq!(refusals.admit(scanner, at(0)), Some(0));
        let rows = (1..=900)
            .filter(|i| refusals.admit(scanner, at(i / 20)).is_some())
            .count();
        assert_eq!(rows, 0, "a flood within the minute wrote rows");
        assert_eq!(
            refusals.admit(other, at(10)),
            Some(0),
            "another address is logged"
        );
        assert_eq!(refusals.admit(scanner, at(61)), Some(900));
        assert_eq!(refusals.admit(scanner, at(62)), None);
    }

    #[test]
    fn a_flood_that_stops_is_settled_with_its_last_count_once_its_minute_passed() {
        let refusals = Refusals::default();
        let scanner: IpAddr = "192.0.2.7".parse().expect("ip");
        let once: IpAddr = "192.0.2.9".parse().expect("ip");
        assert_eq!(refusals.admit(scanner, at(0)), Some(0));
        assert_eq!(refusals.admit(once, at(0)), Some(0));
        for i in 1..=40 {
            assert_eq!(refusals.admit(scanner, at(i)), None);
        }
        assert!(
            refusals.settle(at(59)).is_empty(),
            "settled within the minute"
        );
        // One address with 40 unlogged, one fully logged: only the first
        // needs a row; both are forgotten.
        assert_eq!(refusals.settle(at(60)), [(scanner, 40)]);
        assert!(refusals.settle(at(200)).is_empty(), "settled twice");
        assert_eq!(refusals.admit(scanner, at(201)), Some(0));
    }

    #[test]
    fn many_addresses_cannot_grow_it_without_bound() {
        let refusals = Refusals::default();
        for i in 0..(MAX_ADDRESSES as u32 + 500) {
            refusals.admit(IpAddr::from(i.to_be_bytes()), at(0));
        }
        let remembered = refusals.by_address.lock().expect("lock").len();
        assert!(remembered <= MAX_ADDRESSES, "{remembered}");
        // A minute on, the stale ones make room again.
        assert_eq!(
            refusals.admit("198.51.100.1".parse().expect("ip"), at(61)),
            Some(0)
        );
    }
}
