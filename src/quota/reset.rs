//! Reset times: turns the reset phrase of a limit notice (`8:30pm (Asia/Tokyo)`,
//! `Nov 24, 7am (UTC)`, `at 5pm`, `in 45 minutes`, `…reached|1795300000`) into an absolute
//! UTC instant.
//!
//! Pure: the moment the text was seen and the zone to assume are parameters. This module
//! never reads the clock or the environment; "local time" is the caller's to resolve into a
//! [`Tz`]. Offsets, DST gaps and folds come from the tz database (`chrono-tz`), never from
//! hand-written rules. Whether a text is a limit notice at all is `patterns`' business.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use regex::Regex;

/// Why a reset phrase gave no instant. A hit whose reset cannot be parsed is still a hit; the
/// caller records the reason and asks for confirmation instead of trusting a guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetError {
    #[error("no reset time in {0:?}")]
    NoTime(String),
    #[error("unknown time zone {0:?} (expected an IANA name such as Europe/Warsaw)")]
    UnknownZone(String),
    #[error("{0:?} is not a valid date or time")]
    Invalid(String),
}

/// Legacy notices carry the reset as Unix seconds after a `|`; a bare number is accepted too
/// because `patterns` hands over only the reset part. Nine to eleven digits covers 2001–5138,
/// and keeps years (`2027`) and clock times out.
static EPOCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[|\s])(?<secs>\d{9,11})(?:$|[^\d:])").expect("epoch regex"));

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bin\s+(?<amount>(?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,]*(?:and\s+)?)+)")
        .expect("relative regex")
});

static RELATIVE_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?<n>\d+)\s*(?<unit>days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b")
        .expect("relative part regex")
});

/// `[Mon DD[, YYYY][,] [at]] H[:MM][am|pm] [(Zone)]`. The hour is accepted without a meridiem
/// only when minutes follow (`17:30`), which [`parse_reset`] enforces, so the `5` of `5-hour`
/// is never taken for a time.
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?:
            \b(?<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
               |sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?
            \s+(?<day>\d{1,2})(?:st|nd|rd|th)?
            (?:,?\s+(?<year>\d{4}))?
            ,?\s+(?:at\s+)?
        )?
        \b(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s*(?:(?<meridiem>[ap])\.?m\b\.?)?
        (?:\s*\((?<zone>[^()]+)\))?
        ",
    )
    .expect("clock regex")
});

/// Parses the reset instant out of `text` (a whole notice or just its reset part).
///
/// * `seen_at` is when the notice was first seen; times without a date resolve to their first
///   occurrence at or after it, dates without a year likewise. Pass the *first* sighting: a
///   notice re-read after its reset time would otherwise roll a day (or a year) forward.
/// * `default_zone` applies when the text names no zone; `None` means UTC. Resolving the
///   operator's local zone is the caller's job, so this stays free of environment reads.
///
/// DST: a wall time inside a spring-forward gap is shifted forward by the length of the gap
/// (`2:30` on the night Paris skips 2:00–3:00 becomes 3:30 CEST), which is what RFC 5545,
/// java.time and Temporal's "compatible" mode do; a wall time inside a fall-back fold takes
/// the earlier of its two instants, so a reset is never announced later than it happens.
pub fn parse_reset(text: &str, seen_at: DateTime<Utc>, default_zone: Option<Tz>) -> Result<DateTime<Utc>, ResetError> {
    if let Some(caps) = EPOCH.captures(text) {
        let secs: i64 = caps["secs"].parse().map_err(|_| ResetError::Invalid(caps["secs"].to_owned()))?;
        return DateTime::from_timestamp(secs, 0).ok_or_else(|| ResetError::Invalid(caps["secs"].to_owned()));
    }
    if let Some(caps) = RELATIVE.captures(text) {
        return parse_relative(&caps["amount"], seen_at);
    }
    for caps in CLOCK.captures_iter(text) {
        if caps.name("meridiem").is_none() && caps.name("minute").is_none() {
            continue; // a bare number ("5-hour", "attempt 2") is not a time
        }
        let time = clock_time(&caps).ok_or_else(|| ResetError::Invalid(caps[0].trim().to_owned()))?;
        let zone = match caps.name("zone") {
            Some(name) => parse_zone(name.as_str())?,
            None => default_zone.unwrap_or(Tz::UTC),
        };
        let date = match caps.name("month") {
            None => None,
            Some(month) => {
                let month =
                    month_number(month.as_str()).ok_or_else(|| ResetError::Invalid(month.as_str().to_owned()))?;
                let day: u32 = caps["day"].parse().map_err(|_| ResetError::Invalid(caps["day"].to_owned()))?;
                let year = caps.name("year").and_then(|y| y.as_str().parse::<i32>().ok());
                Some((month, day, year))
            }
        };
        return next_occurrence(zone, date, time, seen_at)
            .ok_or_else(|| ResetError::Invalid(caps[0].trim().to_owned()));
    }
    Err(ResetError::NoTime(text.to_owned()))
}

fn parse_relative(amount: &str, seen_at: DateTime<Utc>) -> Result<DateTime<Utc>, ResetError> {
    let mut total = TimeDelta::zero();
    for part in RELATIVE_PART.captures_iter(amount) {
        let n: i64 = part["n"].parse().map_err(|_| ResetError::Invalid(amount.to_owned()))?;
        // The regex admits only units spelled from these initials.
        let step = match part["unit"].chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('d') => TimeDelta::try_days(n),
            Some('h') => TimeDelta::try_hours(n),
            Some('m') => TimeDelta::try_minutes(n),
            _ => TimeDelta::try_seconds(n),
        };
        total = step.and_then(|s| total.checked_add(&s)).ok_or_else(|| ResetError::Invalid(amount.to_owned()))?;
    }
    seen_at.checked_add_signed(total).ok_or_else(|| ResetError::Invalid(amount.to_owned()))
}

/// `12am` is midnight and `12pm` noon; a 12-hour clock has no `0am` or `13pm`.
fn clock_time(caps: &regex::Captures<'_>) -> Option<NaiveTime> {
    let hour: u32 = caps["hour"].parse().ok()?;
    let minute: u32 = caps.name("minute").map_or(Some(0), |m| m.as_str().parse().ok())?;
    let hour = match caps.name("meridiem") {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(meridiem) if meridiem.as_str().eq_ignore_ascii_case("a") => hour % 12,
        Some(_) => hour % 12 + 12,
        None => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

fn parse_zone(name: &str) -> Result<Tz, ResetError> {
    let name = name.trim();
    name.parse::<Tz>().map_err(|_| ResetError::UnknownZone(name.to_owned()))
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == prefix).and_then(|i| u32::try_from(i + 1).ok())
}

/// The first instant at or after `seen_at` that shows `time` (on `date` when given) in `zone`.
fn next_occurrence(
    zone: Tz,
    date: Option<(u32, u32, Option<i32>)>,
    time: NaiveTime,
    seen_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let seen_local = seen_at.with_timezone(&zone);
    match date {
        Some((month, day, Some(year))) => {
            Some(resolve_local(zone, NaiveDate::from_ymd_opt(year, month, day)?.and_time(time)))
        }
        // Eight years reach the next Feb 29 from anywhere; a date that never comes is invalid.
        Some((month, day, None)) => (seen_local.year()..=seen_local.year() + 8)
            .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
            .map(|date| resolve_local(zone, date.and_time(time)))
            .find(|at| *at >= seen_at),
        // Today in the notice's zone, else tomorrow; a third day only matters if a DST gap
        // pushed today's candidate past midnight, which the tz database makes possible.
        None => seen_local
            .date_naive()
            .iter_days()
            .take(3)
            .map(|date| resolve_local(zone, date.and_time(time)))
            .find(|at| *at >= seen_at),
    }
}

/// Maps a wall-clock time in `zone` to an instant: gaps shift forward by the gap's length,
/// folds take the earlier instant (see [`parse_reset`]).
fn resolve_local(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.min(second).with_timezone(&Utc),
        LocalResult::None => {
            // Read the wall time with the offset in force before the gap. A day earlier is
            // safely before it: no zone has two transitions within a day.
            let before = zone.offset_from_utc_datetime(&(local - TimeDelta::days(1))).fix();
            Utc.from_utc_datetime(&(local - TimeDelta::seconds(i64::from(before.local_minus_utc()))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).expect("test instant").with_timezone(&Utc)
    }

    #[allow(clippy::unnecessary_wraps, reason = "the rules take the zone as an Option")]
    fn zone(name: &str) -> Option<Tz> {
        Some(name.parse().expect("test zone"))
    }

    /// The fixtures were captured on 2026-11-21 around 06:00 UTC; this is "now" for the table.
    const SEEN: &str = "2026-11-21T10:00:00Z";

    #[test]
    fn every_form_resolves_to_the_expected_instant() {
        // (text, seen_at, default zone, expected instant)
        let cases: &[(&str, &str, Option<&str>, &str)] = &[
            // times of day, no zone: default zone, else UTC
            ("8pm", SEEN, None, "2026-11-21T20:00:00Z"),
            ("8:30pm", SEEN, None, "2026-11-21T20:30:00Z"),
            ("at 11:30pm", SEEN, None, "2026-11-21T23:30:00Z"),
            ("resets at 2am", SEEN, None, "2026-11-22T02:00:00Z"),
            ("12am", SEEN, None, "2026-11-22T00:00:00Z"),
            ("12pm", SEEN, None, "2026-11-21T12:00:00Z"),
            ("17:45", SEEN, None, "2026-11-21T17:45:00Z"),
            ("8pm", SEEN, Some("Europe/Warsaw"), "2026-11-21T19:00:00Z"),
            // earlier than seen → tomorrow
            ("7am (UTC)", SEEN, None, "2026-11-22T07:00:00Z"),
            ("10am", SEEN, None, "2026-11-21T10:00:00Z"), // exactly now counts as now
            // zone in parentheses wins over the default
            ("8pm (America/New_York)", SEEN, Some("Asia/Tokyo"), "2026-11-22T01:00:00Z"),
            ("8:30pm (Asia/Tokyo)", SEEN, None, "2026-11-21T11:30:00Z"),
            ("Your limit will reset at 5pm (Europe/Warsaw).", SEEN, None, "2026-11-21T16:00:00Z"),
            ("11:30am (Asia/Colombo)", SEEN, None, "2026-11-22T06:00:00Z"),
            // Etc/GMT+5 is UTC−5 (POSIX sign), which only the tz database gets right for free
            ("8pm (Etc/GMT+5)", SEEN, None, "2026-11-22T01:00:00Z"),
            // dates
            ("Nov 24, 7am (UTC)", SEEN, None, "2026-11-24T07:00:00Z"),
            ("Nov 10, 5pm", SEEN, None, "2027-11-10T17:00:00Z"), // earlier in the year → next year
            ("Jan 30, 11:30am (Asia/Calcutta)", SEEN, None, "2027-01-30T06:00:00Z"),
            ("Nov 21, 9am", SEEN, None, "2027-11-21T09:00:00Z"), // today but already past
            ("Dec 1 at 9am", SEEN, None, "2026-12-01T09:00:00Z"),
            ("Feb 29, 1am", SEEN, None, "2028-02-29T01:00:00Z"),
            ("Nov 24, 2027, 7am", SEEN, None, "2027-11-24T07:00:00Z"),
            // relative
            ("in 45 minutes", SEEN, None, "2026-11-21T10:45:00Z"),
            ("in 2 hours", SEEN, None, "2026-11-21T12:00:00Z"),
            ("in 1h 30m", SEEN, None, "2026-11-21T11:30:00Z"),
            // epochs (seconds), legacy and bare
            ("Claude AI usage limit reached|1795300000", SEEN, None, "2026-11-21T22:26:40Z"),
            ("1795300000", SEEN, None, "2026-11-21T22:26:40Z"),
            // whole notices, as patterns may pass them on
            ("5-hour limit reached ∙ resets 5am", SEEN, None, "2026-11-22T05:00:00Z"),
            ("You've hit your limit · resets 8pm (America/New_York)", SEEN, None, "2026-11-22T01:00:00Z"),
            ("Approaching usage limit · resets at 2am", SEEN, Some("UTC"), "2026-11-22T02:00:00Z"),
            // DST, spring forward: Paris skips 02:00–03:00 on 2027-03-28; 2:30 → 3:30 CEST
            ("2:30am (Europe/Paris)", "2027-03-28T00:00:00Z", None, "2027-03-28T01:30:00Z"),
            // DST, fall back: 02:30 happens twice in Paris on 2026-10-25; the earlier (CEST) wins
            ("2:30am (Europe/Paris)", "2026-10-25T00:00:00Z", None, "2026-10-25T00:30:00Z"),
            // New York's fold, reached through the default zone
            ("1:30am", "2026-11-01T04:00:00Z", Some("America/New_York"), "2026-11-01T05:30:00Z"),
            // a date across the spring gap keeps its wall time in the new offset
            ("Mar 9, 8am (America/New_York)", "2026-03-07T12:00:00Z", None, "2026-03-09T12:00:00Z"),
        ];
        for (text, seen, default, expected) in cases {
            let default = default.and_then(zone);
            let got = parse_reset(text, at(seen), default);
            assert_eq!(got, Ok(at(expected)), "{text:?} seen {seen} default {default:?}");
        }
    }

    #[test]
    fn unknown_zone_is_an_error_not_a_panic() {
        assert_eq!(
            parse_reset("8pm (Mars/Olympus_Mons)", at(SEEN), None),
            Err(ResetError::UnknownZone("Mars/Olympus_Mons".into()))
        );
    }

    #[test]
    fn texts_without_a_time_say_so() {
        for text in ["", "soon", "5-hour limit reached", "resets Nov 24", "attempt 2/2"] {
            assert!(matches!(parse_reset(text, at(SEEN), None), Err(ResetError::NoTime(_))), "{text:?}");
        }
    }

    #[test]
    fn impossible_times_and_dates_are_invalid() {
        for text in ["13pm", "0am", "25:00", "Feb 30, 5pm", "Feb 29, 2027, 5pm"] {
            assert!(matches!(parse_reset(text, at(SEEN), None), Err(ResetError::Invalid(_))), "{text:?}");
        }
    }
}
