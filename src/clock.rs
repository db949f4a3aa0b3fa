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
    fn bad_value_names_the_variable() {
        let err = Clock::from_env_value(Some("yesterday")).unwrap_err();
        assert!(format!("{err:#}").contains("CCFAIL_NOW"));
    }
}
