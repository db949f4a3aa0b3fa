//! Pure window math over one account's responses: the 5-hour block, the weekly window
//! (rolling, or anchored to `accounts[].weekly_reset`), their totals, the burn rate,
//! the projected time to each soft cap, and the proactive-hit rule.
//!
//! No files, no clock, no state: `now` and the responses are parameters, so every rule
//! here is unit-tested with a pinned instant. The definitions are the ones the README
//! documents ("Usage windows"); `scripts/count_usage.py` implements them independently
//! and the usage benchmark checks the two agree.
//!
//! * Only responses stamped at or before `now` count; a later stamp (a skewed clock)
//!   counts once `now` passes it.
//! * 5-hour block: an account's responses in time order form blocks; a block starts
//!   at its first response floored to the UTC hour and lasts 5 h; the first response at
//!   or after a block's end starts the next one. The current block is the one that
//!   contains `now`; there is none when the account has been idle since its last block
//!   ended.
//! * Weekly window: rolling `[now − 7 d, now]`; or, with `weekly_reset`, from the latest
//!   reset instant at or before `now` to the next one (local wall time in the zone, so
//!   a DST change makes that week 167 or 169 hours long).
//! * Burn rate: usage in the last hour of the window (or since it started, when that is
//!   less than an hour ago, at least one minute), as tokens per minute and messages
//!   per hour. The last hour, not the whole window, because "when do I hit the cap at
//!   this pace" is about the current pace; a weekly average is diluted by nights.
//! * Token caps compare with the sum of all four token kinds.

use chrono::{DateTime, Datelike, Days, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::{QuotaConfig, SoftLimits, WeeklyReset};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const FIVE_HOURS_MS: i64 = 5 * HOUR_MS;
pub const WEEK_MS: i64 = 7 * 24 * HOUR_MS;
/// How far back the burn rate looks.
pub const BURN_SPAN_MS: i64 = HOUR_MS;

/// The four token counts of one response, or a sum of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
}

impl Tokens {
    /// What a token cap is compared with.
    pub fn total(&self) -> u64 {
        self.input.saturating_add(self.output).saturating_add(self.cache_creation).saturating_add(self.cache_read)
    }

    pub fn add(&mut self, other: &Tokens) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_creation = self.cache_creation.saturating_add(other.cache_creation);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
    }

    /// Field by field, the larger count: what the copies of one response agree on,
    /// whatever order they are read in.
    pub fn max(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.max(other.input),
            output: self.output.max(other.output),
            cache_creation: self.cache_creation.max(other.cache_creation),
            cache_read: self.cache_read.max(other.cache_read),
        }
    }
}

/// One API response (deduplicated), as the windows see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub tokens: Tokens,
}

/// Messages (responses) and tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub messages: u64,
    #[serde(flatten)]
    pub tokens: Tokens,
}

impl Totals {
    pub fn of(responses: &[Response]) -> Totals {
        let mut totals = Totals::default();
        for response in responses {
            totals.add(response);
        }
        totals
    }

    pub fn add(&mut self, response: &Response) {
        self.messages += 1;
        self.tokens.add(&response.tokens);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    FiveHour,
    WeeklyRolling,
    WeeklyAnchored,
}

/// Usage of one account in one window, as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub kind: WindowKind,
    pub start: DateTime<Utc>,
    /// When the window ends and usage starts again from zero; none for the rolling
    /// week, whose old usage drops out continuously.
    pub resets_at: Option<DateTime<Utc>>,
    pub totals: Totals,
    pub burn: BurnRate,
    /// The soft message cap of this window, when one is configured.
    pub messages_cap: Option<CapStatus>,
    /// The soft token cap of this window, when one is configured.
    pub tokens_cap: Option<CapStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BurnRate {
    pub tokens_per_minute: f64,
    pub messages_per_hour: f64,
    /// The span the rate is measured over (the last hour, or less for a young window).
    pub span_minutes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CapStatus {
    pub cap: u64,
    pub used: u64,
    /// `used / cap`.
    pub fraction: f64,
    pub outlook: CapOutlook,
}

/// When the cap is reached at the current burn rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum CapOutlook {
    Reached,
    At(DateTime<Utc>),
    /// Not before the window resets.
    AfterReset,
    /// Nothing used in the burn-rate span: not at the current pace.
    Idle,
}

/// An account's windows as of one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountWindows {
    pub account: String,
    /// The block containing `now`, if any.
    pub five_hour: Option<Window>,
    pub weekly: Window,
}

/// Which soft cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapKind {
    FiveHourMessages,
    FiveHourTokens,
    WeeklyMessages,
    WeeklyTokens,
}

impl CapKind {
    /// The key under `accounts[].limits`.
    pub fn config_key(self) -> &'static str {
        match self {
            CapKind::FiveHourMessages => "five_hour_messages",
            CapKind::FiveHourTokens => "five_hour_tokens",
            CapKind::WeeklyMessages => "weekly_messages",
            CapKind::WeeklyTokens => "weekly_tokens",
        }
    }
}

/// Usage reached the threshold fraction of a soft cap: swap before the hard limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProactiveHit {
    pub account: String,
    pub cap_kind: CapKind,
    pub used: u64,
    pub cap: u64,
    pub fraction: f64,
    pub threshold: f64,
    /// When the window resets (none for a rolling week).
    pub resets_at: Option<DateTime<Utc>>,
}

/// The instant `ms` milliseconds after the epoch (clamped, never a panic).
pub fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 { DateTime::UNIX_EPOCH } else { DateTime::<Utc>::MAX_UTC })
}

/// The 5-hour blocks of time-sorted `responses` up to `now_ms`, as `(start, end)`.
pub fn five_hour_blocks(responses: &[Response], now_ms: i64) -> Vec<(i64, i64)> {
    let mut blocks: Vec<(i64, i64)> = Vec::new();
    for response in responses.iter().take_while(|r| r.at_ms <= now_ms) {
        if blocks.last().is_none_or(|(_, end)| response.at_ms >= *end) {
            let start = response.at_ms.div_euclid(HOUR_MS) * HOUR_MS;
            blocks.push((start, start + FIVE_HOURS_MS));
        }
    }
    blocks
}

/// The block containing `now_ms`, if the account has one.
pub fn current_five_hour_block(responses: &[Response], now_ms: i64) -> Option<(i64, i64)> {
    five_hour_blocks(responses, now_ms).pop().filter(|(_, end)| *end > now_ms)
}

/// Start and reset of the weekly window containing `now`.
pub fn weekly_bounds(reset: Option<&WeeklyReset>, now: DateTime<Utc>) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    match reset {
        None => (now - TimeDelta::milliseconds(WEEK_MS), None),
        Some(reset) => {
            let (start, end) = anchored_week(reset, now);
            (start, Some(end))
        }
    }
}

/// The week from the latest reset at or before `now` to the next reset.
pub fn anchored_week(reset: &WeeklyReset, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = now.with_timezone(&reset.zone);
    let back = (local.weekday().num_days_from_monday() + 7 - reset.weekday.num_days_from_monday()) % 7;
    let mut date = local.date_naive().checked_sub_days(Days::new(u64::from(back))).unwrap_or(local.date_naive());
    let mut start = resolve(reset.zone, date.and_time(reset.time));
    if start > now {
        date = date.checked_sub_days(Days::new(7)).unwrap_or(date);
        start = resolve(reset.zone, date.and_time(reset.time));
    }
    let next = date.checked_add_days(Days::new(7)).unwrap_or(date);
    (start, resolve(reset.zone, next.and_time(reset.time)))
}

/// The instant of a local wall time. A time that a DST change repeats is its first
/// occurrence; a time it skips is moved forward past the gap.
fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    for shift_minutes in [0, 30, 60, 90, 120] {
        if let Some(at) = zone.from_local_datetime(&(local + TimeDelta::minutes(shift_minutes))).earliest() {
            return at.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&local)
}

/// Usage of time-sorted `responses` in the window `[start, now]` that resets at
/// `resets_at`, with its caps.
pub fn window(
    kind: WindowKind,
    start: DateTime<Utc>,
    resets_at: Option<DateTime<Utc>>,
    responses: &[Response],
    now: DateTime<Utc>,
    caps: (Option<u64>, Option<u64>),
) -> Window {
    let now_ms = now.timestamp_millis();
    let start_ms = start.timestamp_millis();
    let inside = between(responses, start_ms, now_ms);
    let totals = Totals::of(inside);
    let burn_start = start_ms.max(now_ms - BURN_SPAN_MS);
    let span_ms = (now_ms - burn_start).max(MINUTE_MS);
    let recent = Totals::of(between(inside, burn_start, now_ms));
    let burn = BurnRate {
        tokens_per_minute: recent.tokens.total() as f64 * MINUTE_MS as f64 / span_ms as f64,
        messages_per_hour: recent.messages as f64 * HOUR_MS as f64 / span_ms as f64,
        span_minutes: span_ms as f64 / MINUTE_MS as f64,
    };
    let status = |cap: u64, used: u64, rate_per_ms: f64| CapStatus {
        cap,
        used,
        fraction: used as f64 / cap as f64,
        outlook: outlook(used, cap, rate_per_ms, now, resets_at),
    };
    let messages_cap = caps.0.map(|cap| status(cap, totals.messages, recent.messages as f64 / span_ms as f64));
    let tokens_cap =
        caps.1.map(|cap| status(cap, totals.tokens.total(), recent.tokens.total() as f64 / span_ms as f64));
    Window { kind, start, resets_at, totals, burn, messages_cap, tokens_cap }
}

/// The responses stamped in `[from_ms, to_ms]` of a time-sorted slice.
fn between(responses: &[Response], from_ms: i64, to_ms: i64) -> &[Response] {
    let first = responses.partition_point(|r| r.at_ms < from_ms);
    let end = responses.partition_point(|r| r.at_ms <= to_ms).max(first);
    &responses[first..end]
}

fn outlook(used: u64, cap: u64, rate_per_ms: f64, now: DateTime<Utc>, resets_at: Option<DateTime<Utc>>) -> CapOutlook {
    if used >= cap {
        return CapOutlook::Reached;
    }
    if rate_per_ms <= 0.0 {
        return CapOutlook::Idle;
    }
    let wait_ms = ((cap - used) as f64 / rate_per_ms).ceil();
    let at = if wait_ms >= (i64::MAX / 2) as f64 {
        DateTime::<Utc>::MAX_UTC
    } else {
        instant(now.timestamp_millis().saturating_add(wait_ms as i64))
    };
    match resets_at {
        Some(reset) if at >= reset => CapOutlook::AfterReset,
        _ => CapOutlook::At(at),
    }
}

/// An account's 5-hour and weekly windows from its time-sorted responses.
pub fn account_windows(
    account: &str,
    responses: &[Response],
    limits: &SoftLimits,
    weekly_reset: Option<&WeeklyReset>,
    now: DateTime<Utc>,
) -> AccountWindows {
    let five_hour = current_five_hour_block(responses, now.timestamp_millis()).map(|(start, end)| {
        window(
            WindowKind::FiveHour,
            instant(start),
            Some(instant(end)),
            responses,
            now,
            (limits.five_hour_messages, limits.five_hour_tokens),
        )
    });
    let (start, resets_at) = weekly_bounds(weekly_reset, now);
    let kind = if weekly_reset.is_some() { WindowKind::WeeklyAnchored } else { WindowKind::WeeklyRolling };
    let weekly = window(kind, start, resets_at, responses, now, (limits.weekly_messages, limits.weekly_tokens));
    AccountWindows { account: account.to_owned(), five_hour, weekly }
}

/// The most used soft cap at or past its threshold, if any.
pub fn proactive_hit(windows: &AccountWindows, quota: &QuotaConfig) -> Option<ProactiveHit> {
    let mut candidates = Vec::new();
    if let Some(block) = &windows.five_hour {
        candidates.push((CapKind::FiveHourMessages, block.messages_cap, quota.window_5h_threshold, block.resets_at));
        candidates.push((CapKind::FiveHourTokens, block.tokens_cap, quota.window_5h_threshold, block.resets_at));
    }
    let week = &windows.weekly;
    candidates.push((CapKind::WeeklyMessages, week.messages_cap, quota.window_week_threshold, week.resets_at));
    candidates.push((CapKind::WeeklyTokens, week.tokens_cap, quota.window_week_threshold, week.resets_at));
    candidates
        .into_iter()
        .filter_map(|(cap_kind, status, threshold, resets_at)| {
            let status = status?;
            (status.fraction >= threshold).then(|| ProactiveHit {
                account: windows.account.clone(),
                cap_kind,
                used: status.used,
                cap: status.cap,
                fraction: status.fraction,
                threshold,
                resets_at,
            })
        })
        .max_by(|a, b| a.fraction.total_cmp(&b.fraction))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn response(text: &str, output: u64) -> Response {
        Response { at_ms: at(text).timestamp_millis(), tokens: Tokens { input: 1, output, ..Tokens::default() } }
    }

    #[test]
    fn blocks_start_at_the_floored_hour_and_chain_after_five_hours() {
        let responses = [
            response("2026-11-20T08:47:00Z", 1),
            response("2026-11-20T12:59:59Z", 1), // still in the 08:00 block
            response("2026-11-20T13:00:00Z", 1), // the 08:00 block ended: new block at 13:00
            response("2026-11-20T20:15:00Z", 1), // idle gap
        ];
        let blocks: Vec<_> = five_hour_blocks(&responses, at("2026-11-21T10:00:00Z").timestamp_millis())
            .into_iter()
            .map(|(s, e)| (instant(s).to_rfc3339(), instant(e).to_rfc3339()))
            .collect();
        assert_eq!(
            blocks,
            [
                ("2026-11-20T08:00:00+00:00".to_owned(), "2026-11-20T13:00:00+00:00".to_owned()),
                ("2026-11-20T13:00:00+00:00".to_owned(), "2026-11-20T18:00:00+00:00".to_owned()),
                ("2026-11-20T20:00:00+00:00".to_owned(), "2026-11-21T01:00:00+00:00".to_owned()),
            ]
        );
    }

    #[test]
    fn the_current_block_contains_now_or_there_is_none() {
        let responses = [response("2026-11-21T06:10:00Z", 1), response("2026-11-21T09:30:00Z", 1)];
        let now = at("2026-11-21T10:00:00Z").timestamp_millis();
        let (start, end) = current_five_hour_block(&responses, now).unwrap();
        assert_eq!((instant(start), instant(end)), (at("2026-11-21T06:00:00Z"), at("2026-11-21T11:00:00Z")));
        // At 11:00 the block has ended and nothing new started one.
        assert_eq!(current_five_hour_block(&responses, now + HOUR_MS), None);
        // A response stamped after now is not counted yet.
        let future = [response("2026-11-21T10:30:00Z", 1)];
        assert_eq!(current_five_hour_block(&future, now), None);
    }

    #[test]
    fn rolling_week_counts_the_last_seven_days_inclusive() {
        let now = at("2026-11-21T10:00:00Z");
        let responses = [
            response("2026-11-14T09:59:59.999Z", 100), // just before the window
            response("2026-11-14T10:00:00Z", 10),
            response("2026-11-21T10:00:00Z", 1),
            response("2026-11-21T10:00:00.001Z", 1000), // after now
        ];
        let week = window(WindowKind::WeeklyRolling, now - TimeDelta::days(7), None, &responses, now, (None, None));
        assert_eq!(week.totals.messages, 2);
        assert_eq!(week.totals.tokens.output, 11);
        assert_eq!(week.totals.tokens.input, 2);
    }

    #[test]
    fn anchored_week_follows_the_local_wall_clock() {
        let reset = WeeklyReset::parse("Mon 09:00 Europe/Paris").unwrap();
        // Saturday 2026-11-21: the week started Monday 2026-11-16 09:00 CET (08:00 UTC).
        let (start, end) = anchored_week(&reset, at("2026-11-21T10:00:00Z"));
        assert_eq!((start, end), (at("2026-11-16T08:00:00Z"), at("2026-11-23T08:00:00Z")));
        // Exactly at the reset, the new week starts.
        assert_eq!(anchored_week(&reset, at("2026-11-23T08:00:00Z")).0, at("2026-11-23T08:00:00Z"));
        // A Monday before 09:00 local still belongs to the previous week.
        assert_eq!(anchored_week(&reset, at("2026-11-23T07:59:59Z")).0, at("2026-11-16T08:00:00Z"));
        // Across the end of summer time (2026-10-25) the week is 169 hours long.
        let (start, end) = anchored_week(&reset, at("2026-10-22T12:00:00Z"));
        assert_eq!((start, end), (at("2026-10-19T07:00:00Z"), at("2026-10-26T08:00:00Z")));
    }

    #[test]
    fn a_reset_inside_a_dst_gap_moves_past_it() {
        // 2026-03-29 02:30 does not exist in Paris (02:00 -> 03:00 CEST).
        let reset = WeeklyReset::parse("Sun 02:30 Europe/Paris").unwrap();
        let (start, _) = anchored_week(&reset, at("2026-03-30T12:00:00Z"));
        assert_eq!(start, at("2026-03-29T01:00:00Z")); // 03:00 CEST
    }

    #[test]
    fn burn_rate_uses_the_last_hour_and_projects_the_cap() {
        let now = at("2026-11-21T10:00:00Z");
        let responses = [
            response("2026-11-21T07:05:00Z", 999), // in the block, outside the last hour
            response("2026-11-21T09:10:00Z", 59),  // 60 tokens each in the last hour
            response("2026-11-21T09:40:00Z", 59),
        ];
        let limits = SoftLimits { five_hour_messages: Some(10), five_hour_tokens: Some(1200), ..SoftLimits::default() };
        let windows = account_windows("a", &responses, &limits, None, now);
        let block = windows.five_hour.unwrap();
        assert_eq!(block.start, at("2026-11-21T07:00:00Z"));
        assert_eq!(block.totals.messages, 3);
        assert_eq!(block.burn.span_minutes, 60.0);
        assert_eq!(block.burn.tokens_per_minute, 2.0);
        assert_eq!(block.burn.messages_per_hour, 2.0);
        // 1120 used of 1200 at 2 tokens/min: 40 minutes.
        let tokens = block.tokens_cap.unwrap();
        assert_eq!((tokens.used, tokens.cap), (1120, 1200));
        assert_eq!(tokens.outlook, CapOutlook::At(at("2026-11-21T10:40:00Z")));
        // 7 messages left at 2 per hour: 13:30, after the block resets at 12:00.
        assert_eq!(block.messages_cap.unwrap().outlook, CapOutlook::AfterReset);
        assert!(windows.weekly.messages_cap.is_none());
    }

    #[test]
    fn a_young_window_measures_its_rate_since_it_started() {
        let now = at("2026-11-21T10:10:00Z");
        let responses = [response("2026-11-21T10:05:00Z", 99)];
        let block = account_windows("a", &responses, &SoftLimits::default(), None, now).five_hour.unwrap();
        assert_eq!(block.burn.span_minutes, 10.0);
        assert_eq!(block.burn.tokens_per_minute, 10.0);
        assert_eq!(block.burn.messages_per_hour, 6.0);
    }

    #[test]
    fn outlook_is_reached_idle_or_after_reset() {
        let now = at("2026-11-21T10:00:00Z");
        let reset = Some(at("2026-11-21T11:00:00Z"));
        assert_eq!(outlook(10, 10, 0.0, now, reset), CapOutlook::Reached);
        assert_eq!(outlook(1, 10, 0.0, now, reset), CapOutlook::Idle);
        assert_eq!(outlook(1, 10, 1e-9, now, reset), CapOutlook::AfterReset);
        assert_eq!(outlook(1, u64::MAX, 1e-300, now, None), CapOutlook::At(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn proactive_hit_picks_the_fullest_cap_past_its_threshold() {
        let now = at("2026-11-21T10:00:00Z");
        let responses: Vec<_> = (0..9).map(|i| response(&format!("2026-11-21T09:0{i}:00Z"), 99)).collect();
        let limits = SoftLimits {
            five_hour_messages: Some(10), // 0.9
            five_hour_tokens: Some(100_000),
            weekly_messages: Some(9), // 1.0
            weekly_tokens: None,
        };
        let windows = account_windows("a", &responses, &limits, None, now);
        let hit = proactive_hit(&windows, &QuotaConfig::default()).unwrap();
        assert_eq!((hit.cap_kind, hit.used, hit.cap, hit.fraction), (CapKind::WeeklyMessages, 9, 9, 1.0));
        assert_eq!(hit.resets_at, None);

        let mut quota = QuotaConfig { window_5h_threshold: 0.9, window_week_threshold: 1.0, ..QuotaConfig::default() };
        let limits = SoftLimits { weekly_messages: Some(20), ..limits };
        let hit = proactive_hit(&account_windows("a", &responses, &limits, None, now), &quota).unwrap();
        assert_eq!(hit.cap_kind, CapKind::FiveHourMessages);
        assert_eq!(hit.resets_at, Some(at("2026-11-21T14:00:00Z")));

        quota.window_5h_threshold = 0.95;
        quota.window_week_threshold = 0.95;
        assert_eq!(proactive_hit(&account_windows("a", &responses, &limits, None, now), &quota), None);
        assert_eq!(proactive_hit(&account_windows("a", &[], &limits, None, now), &QuotaConfig::default()), None);
    }
}
