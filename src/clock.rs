//! The one clock every rule reads.
//!
//! Rules take `now` as a value; only this module asks the system for the time, so tests
//! pin it with `CCFAIL_NOW=2026-11-21T10:00:00Z` and get the same answers every run.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// Either the system clock or a pinned instant.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Pinned(DateTime<Utc>),
}

impl Clock {
    /// Reads `CCFAIL_NOW` (RFC 3339) if it is set and not empty.
    pub fn from_env_value(value: Option<&str>) -> Result<Clock> {
        match value.filter(|v| !v.is_empty()) {
            None => Ok(Clock::System),
            Some(text) => {
                let at = DateTime::parse_from_rfc3339(text).with_context(|| {
                    format!("CCFAIL_NOW={text:?} is not an RFC 3339 time such as 2026-11-21T10:00:00Z")
                })?;
                Ok(Clock::Pinned(at.with_timezone(&Utc)))
            }
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Pinned(at) => *at,
        }
    }
}

/// The machine's local time zone as an IANA name: `$TZ` (a leading `:` allowed), else
/// where `/etc/localtime` points inside a zoneinfo tree, else `/etc/timezone`. `None`
/// when none of them names a zone the tz database knows; callers then use UTC.
pub fn local_zone(tz_variable: Option<&str>) -> Option<chrono_tz::Tz> {
    let from_variable = tz_variable.map(|v| v.trim_start_matches(':').to_owned());
    let from_link = std::fs::read_link("/etc/localtime").ok().and_then(|target| {
        let text = target.to_string_lossy().into_owned();
        text.split_once("zoneinfo/").map(|(_, name)| name.to_owned())
    });
    let from_file = std::fs::read_to_string("/etc/timezone").ok().map(|text| text.trim().to_owned());
    [from_variable, from_link, from_file].into_iter().flatten().find_map(|name| name.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_clock_returns_its_instant() {
        let clock = Clock::from_env_value(Some("2026-11-21T10:00:00+01:00")).unwrap();
        assert_eq!(clock.now().to_rfc3339(), "2026-11-21T09:00:00+00:00");
    }

    #[test]
    fn empty_value_means_system_clock() {
        assert!(matches!(Clock::from_env_value(Some("")).unwrap(), Clock::System));
        assert!(matches!(Clock::from_env_value(None).unwrap(), Clock::System));
    }

    #[test]
    fn tz_variable_names_the_local_zone() {
        assert_eq!(local_zone(Some("Europe/Paris")), Some(chrono_tz::Europe::Paris));
        assert_eq!(local_zone(Some(":Asia/Tokyo")), Some(chrono_tz::Asia::Tokyo));
    }

    #[test]
    fn bad_value_names_the_variable() {
        let err = Clock::from_env_value(Some("yesterday")).unwrap_err();
        assert!(format!("{err:#}").contains("CCFAIL_NOW"));
    }
}
