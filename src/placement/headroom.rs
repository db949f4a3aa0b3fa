//! Headroom: how much of an account ccfail may still use, from the best signal at hand
//! (pure).
//!
//! The signals, strongest first:
//! * drained-until (a confirmed limit hit, until its reset): no headroom at all;
//! * the client's own usage warning (`You've used 92% of your 5-hour limit · resets
//!   2:45am`): the fraction used of that window, until the window resets;
//! * the usage counted from the transcripts against the account's soft caps
//!   (`accounts[].limits`): the largest fraction of any cap.
//!
//! The headroom is the account's ceiling (`accounts[].ceiling`, the fraction of each
//! window ccfail uses at most) less the larger of the two fractions. Without a warning
//! and without caps the use is unknown: such an account counts as having all of its
//! ceiling left (the hard limit is still caught when it comes).

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;

use crate::usage::AccountWindows;

/// What is known of one account's use.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    pub drained_until: Option<DateTime<Utc>>,
    /// The client's warning: the fraction of a window used, and when that window resets.
    pub warned: Option<Warned>,
    /// The largest fraction of a soft cap used, counted from the transcripts.
    pub counted: Option<f64>,
    pub ceiling: f64,
}

/// A usage warning the client showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warned {
    pub fraction: f64,
    /// When the warned window resets: past that the warning says nothing.
    pub resets_at: Option<DateTime<Utc>>,
    pub seen_at: DateTime<Utc>,
}

/// Where an account's figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Drained,
    Warning,
    Usage,
    Unknown,
}

/// How much of an account is left for ccfail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Headroom {
    /// The fraction of its tightest window used, when known.
    pub used: Option<f64>,
    /// `ceiling - used`, at least 0: what ccfail may still use.
    pub left: f64,
    pub source: Source,
}

/// How long a warning without a reset time speaks for its window.
const WARNING_WITHOUT_RESET: chrono::TimeDelta = chrono::TimeDelta::hours(5);

pub fn headroom(signals: &Signals, now: DateTime<Utc>) -> Headroom {
    if signals.drained_until.is_some_and(|until| until > now) {
        return Headroom { used: Some(1.0), left: 0.0, source: Source::Drained };
    }
    let warned = signals
        .warned
        .filter(|w| match w.resets_at {
            Some(reset) => reset > now,
            None => now - w.seen_at < WARNING_WITHOUT_RESET,
        })
        // A warning from before the last drain's reset is about an earlier window.
        .filter(|w| signals.drained_until.is_none_or(|until| w.seen_at >= until))
        .map(|w| w.fraction);
    let (used, source) = match (warned, signals.counted) {
        (Some(w), Some(c)) if c > w => (Some(c), Source::Usage),
        (Some(w), _) => (Some(w), Source::Warning),
        (None, Some(c)) => (Some(c), Source::Usage),
        (None, None) => (None, Source::Unknown),
    };
    Headroom { used, left: (signals.ceiling - used.unwrap_or(0.0)).max(0.0), source }
}

/// The largest fraction of any soft cap the windows show, `None` without caps.
pub fn counted_fraction(windows: &AccountWindows) -> Option<f64> {
    let caps = windows
        .five_hour
        .iter()
        .chain(std::iter::once(&windows.weekly))
        .flat_map(|window| [window.messages_cap.as_ref(), window.tokens_cap.as_ref()])
        .flatten();
    caps.map(|cap| cap.fraction).reduce(f64::max)
}

static USED: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"(?i)\bused\s+(\d{1,3})\s*%\s+of\s+your\b").expect("usage warning regex"));

/// The fraction a usage warning's text names (`You've used 92% of your 5-hour limit`).
pub fn warned_fraction(text: &str) -> Option<f64> {
    let percent: f64 = USED.captures(text)?.get(1)?.as_str().parse().ok()?;
    (percent <= 100.0).then_some(percent / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    const NOW: &str = "2026-12-02T10:00:00Z";

    fn signals() -> Signals {
        Signals { drained_until: None, warned: None, counted: None, ceiling: 1.0 }
    }

    #[test]
    fn a_drained_account_has_none_until_its_reset() {
        let drained = Signals { drained_until: Some(at("2026-12-02T12:00:00Z")), ..signals() };
        assert_eq!(headroom(&drained, at(NOW)).left, 0.0);
        assert_eq!(headroom(&drained, at(NOW)).source, Source::Drained);
        assert_eq!(headroom(&drained, at("2026-12-02T12:00:00Z")).source, Source::Unknown, "reset passed");
    }

    #[test]
    fn the_larger_of_warning_and_count_less_the_ceiling() {
        let warned = Warned { fraction: 0.92, resets_at: Some(at("2026-12-02T11:00:00Z")), seen_at: at(NOW) };
        let both = Signals { warned: Some(warned), counted: Some(0.5), ceiling: 0.95, ..signals() };
        let room = headroom(&both, at(NOW));
        assert_eq!(room.source, Source::Warning);
        assert!((room.left - 0.03).abs() < 1e-9, "{room:?}");
        let counted = Signals { counted: Some(0.96), ..both };
        assert_eq!(headroom(&counted, at(NOW)).left, 0.0, "past the ceiling: none, never negative");
        assert_eq!(headroom(&both, at("2026-12-02T11:00:00Z")).source, Source::Usage, "the warned window reset");
        assert_eq!(headroom(&signals(), at(NOW)), Headroom { used: None, left: 1.0, source: Source::Unknown });
    }

    #[test]
    fn a_warning_from_before_the_last_reset_is_about_an_earlier_window() {
        let old = Warned { fraction: 0.9, resets_at: None, seen_at: at("2026-12-02T08:00:00Z") };
        let after_reset = Signals { drained_until: Some(at("2026-12-02T09:00:00Z")), warned: Some(old), ..signals() };
        assert_eq!(headroom(&after_reset, at(NOW)).source, Source::Unknown);
    }

    #[test]
    fn the_warning_text_names_its_fraction() {
        assert_eq!(warned_fraction("You've used 92% of your 5-hour limit · resets 2:45am (UTC)"), Some(0.92));
        assert_eq!(warned_fraction("You've used 75% of your weekly limit · resets Dec 3"), Some(0.75));
        assert_eq!(warned_fraction("Approaching usage limit · resets at 2am"), None);
        assert_eq!(warned_fraction("used 400% of your limit"), None);
    }
}
