//! The anchor of an account's weekly usage window as people write it in the config:
//! `Mon 09:00 Europe/Paris` (weekday, local time, IANA zone; the zone defaults to UTC).
//!
//! This module only reads and writes the text; the window it anchors is computed by
//! `crate::usage::windows`. A bad value fails deserialization, so the config loader
//! reports it with its key and line like any other bad value.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The instant, every week, at which an account's weekly limit resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyReset {
    pub weekday: Weekday,
    /// Local wall-clock time in `zone`.
    pub time: NaiveTime,
    pub zone: Tz,
}

const EXAMPLE: &str = "write e.g. \"Mon 09:00 Europe/Paris\" (weekday, HH:MM, optional IANA zone; UTC if none)";

impl WeeklyReset {
    pub fn parse(text: &str) -> Result<WeeklyReset, String> {
        let mut words = text.split_whitespace();
        let (Some(day), Some(time)) = (words.next(), words.next()) else {
            return Err(format!("{text:?} is not a weekly reset: {EXAMPLE}"));
        };
        let zone = words.next();
        if words.next().is_some() {
            return Err(format!("{text:?} has more than a weekday, a time and a zone: {EXAMPLE}"));
        }
        let weekday = parse_weekday(day).ok_or_else(|| format!("{day:?} is not a weekday (Mon … Sun): {EXAMPLE}"))?;
        let time = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| format!("{time:?} is not a time of day in 24-hour HH:MM: {EXAMPLE}"))?;
        let zone = match zone {
            None => Tz::UTC,
            Some(name) => Tz::from_str(name)
                .map_err(|_| format!("{name:?} is not an IANA time zone such as Europe/Paris or UTC"))?,
        };
        Ok(WeeklyReset { weekday, time, zone })
    }
}

fn parse_weekday(word: &str) -> Option<Weekday> {
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    let word = word.to_ascii_lowercase();
    DAYS.iter().find(|(name, _)| word == *name || (word.len() == 3 && name.starts_with(&word))).map(|(_, day)| *day)
}

impl fmt::Display for WeeklyReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.weekday, self.time.format("%H:%M"), self.zone.name())
    }
}

impl Serialize for WeeklyReset {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WeeklyReset {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResetVisitor;
        impl Visitor<'_> for ResetVisitor {
            type Value = WeeklyReset;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a weekly reset such as \"Mon 09:00 Europe/Paris\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<WeeklyReset, E> {
                WeeklyReset::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(ResetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_day_time_and_zone() {
        let reset = WeeklyReset::parse("Mon 09:00 Europe/Paris").unwrap();
        assert_eq!(reset.weekday, Weekday::Mon);
        assert_eq!(reset.time, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(reset.zone, chrono_tz::Europe::Paris);
        assert_eq!(reset.to_string(), "Mon 09:00 Europe/Paris");
        let reset = WeeklyReset::parse("  thursday 23:30 ").unwrap();
        assert_eq!((reset.weekday, reset.zone), (Weekday::Thu, Tz::UTC));
        assert_eq!(WeeklyReset::parse(&reset.to_string()).unwrap(), reset);
    }

    #[test]
    fn refuses_what_it_cannot_place() {
        for (text, needle) in [
            ("", "not a weekly reset"),
            ("Mon", "not a weekly reset"),
            ("Mo 09:00", "not a weekday"),
            ("Mon 9am", "HH:MM"),
            ("Mon 25:00", "HH:MM"),
            ("Mon 09:00 Mars/Olympus", "IANA"),
            ("Mon 09:00 UTC extra", "more than"),
        ] {
            let err = WeeklyReset::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
