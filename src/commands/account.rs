//! `ccfail account undrain|drain NAME`: the operator says what ccfail cannot see. The
//! reset time a limit notice gives is a hint, not a promise: an account may have quota
//! again sooner (a plan upgrade, a reset that came early), or none for longer. Either is
//! written to the account's `drained_until` in state under the lock and recorded in the
//! history; nothing else is touched (no swap is started).

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::{AccountAction, AccountArgs, AccountDrainArgs, AccountUndrainArgs};
use crate::config::HumanDuration;
use crate::ctx::Ctx;
use crate::exit::{ExitCode, UsageError};
use crate::render;

/// `--until`: a time, or a duration from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    At(DateTime<Utc>),
    In(std::time::Duration),
}

impl Until {
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Until::At(at) => at,
            Until::In(span) => now + chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX),
        }
    }
}

/// clap's parser for `--until`.
pub fn parse_until(text: &str) -> Result<Until, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(Until::At(at.with_timezone(&Utc)));
    }
    HumanDuration::parse(text)
        .map(|d| Until::In(d.get()))
        .map_err(|why| format!("not an RFC 3339 time (2026-12-02T19:00:00Z) nor a duration: {why}"))
}

/// The `--json` document of both verbs.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AccountReport {
    pub version: u32,
    pub account: String,
    /// `undrain` or `drain`.
    pub action: &'static str,
    /// Whether the state changed (undraining an account that is not drained does not).
    pub changed: bool,
    /// The drain before and after, `null` for none (a drain whose time has passed counts
    /// as none).
    pub drained_until_before: Option<DateTime<Utc>>,
    pub drained_until: Option<DateTime<Utc>>,
}

pub fn run(ctx: &Ctx, args: &AccountArgs) -> Result<ExitCode> {
    let (name, json, verb, wanted) = match &args.action {
        AccountAction::Undrain(AccountUndrainArgs { name, json }) => (name, *json, "undrain", None),
        AccountAction::Drain(AccountDrainArgs { name, until, json }) => {
            (name, *json, "drain", Some(until.resolve(ctx.now())))
        }
    };
    if ctx.config.account(name).is_none() {
        return Err(UsageError::unknown_account(&ctx.config, &["account", verb], "<NAME>", name).into());
    }
    let now = ctx.now();
    let report = super::locked_pass(ctx, false, |_, state| {
        let entry = state.accounts.entry(name.clone()).or_default();
        let before = entry.drained_until.filter(|until| *until > now);
        let changed = before != wanted;
        entry.drained_until = wanted;
        if changed {
            let (event, detail) = match wanted {
                None => (
                    "account-undrained",
                    format!(
                        "{name}: marked as having quota again by the operator (was drained until {})",
                        before.map_or_else(|| "-".to_owned(), |b| b.to_rfc3339())
                    ),
                ),
                Some(until) => {
                    ("account-drained", format!("{name}: marked drained until {} by the operator", until.to_rfc3339()))
                }
            };
            state.record(now, event, detail).account(name);
        }
        Ok(AccountReport {
            version: 1,
            account: name.clone(),
            action: verb,
            changed,
            drained_until_before: before,
            drained_until: wanted,
        })
    })?;
    if json {
        render::print_json(&report)?;
    } else {
        render::print(&human(&report, now))?;
    }
    Ok(ExitCode::Ok)
}

fn human(report: &AccountReport, now: DateTime<Utc>) -> String {
    let name = &report.account;
    match (report.drained_until, report.drained_until_before) {
        (None, None) => format!("account {name} was not drained; nothing changed\n"),
        (None, Some(before)) => format!(
            "account {name} has quota again: a swap may choose it (it was drained until {})\n",
            render::when(before, now)
        ),
        (Some(until), _) => format!(
            "account {name} is drained until {}: no swap chooses it before then (swap --to {name} --force does)\n",
            render::when(until, now)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn until_is_a_time_or_a_span_from_now() {
        let now = at("2026-12-02T10:00:00Z");
        assert_eq!(parse_until("2026-12-02T19:00:00Z").unwrap().resolve(now), at("2026-12-02T19:00:00Z"));
        assert_eq!(parse_until("90m").unwrap().resolve(now), at("2026-12-02T11:30:00Z"));
        let err = parse_until("tomorrow").unwrap_err();
        assert!(err.contains("RFC 3339") && err.contains("duration"), "{err}");
        assert!(parse_until("30").is_err(), "a bare number has no unit");
    }

    #[test]
    fn the_text_says_what_a_swap_will_do_now() {
        let now = at("2026-12-02T10:00:00Z");
        let mut report = AccountReport {
            version: 1,
            account: "a".into(),
            action: "undrain",
            changed: true,
            drained_until_before: Some(at("2026-12-02T19:00:00Z")),
            drained_until: None,
        };
        assert!(human(&report, now).starts_with("account a has quota again: a swap may choose it"));
        report.drained_until_before = None;
        assert_eq!(human(&report, now), "account a was not drained; nothing changed\n");
        report.drained_until = Some(at("2026-12-02T15:00:00Z"));
        assert!(human(&report, now).contains("drained until 2026-12-02 15:00 UTC (in 5h 0m)"));
    }
}
