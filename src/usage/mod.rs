//! Usage windows from Claude Code transcripts, computed incrementally: each run reads
//! only the transcript bytes it has not read, keeps one compact record per response
//! (with its conversation) for [`RETENTION`], and attributes every response to the
//! account its conversation ran on at its timestamp: the state's placements say so for
//! the conversations they name, the active timeline for the others.
//!
//! The parts: [`scan`] reads the tree (cursors, appended bytes), [`line`] turns one
//! transcript line into a response, [`store`] keeps `usage.bin` (cursors and
//! records), [`windows`] is the pure window math and the proactive-hit rule. This module ties them together: [`refresh`] under
//! the state lock, [`peek`] for read-only commands, and the [`UsageSnapshot`] they
//! return. It never touches `state.json`, tmux or the account homes; the timeline and
//! the placements are handed in by the caller ([`Owners`]).
//!
//! Decisions (also in the README, "Usage windows"):
//! * Responses are deduplicated on `message.id` + `requestId` across files and runs (a
//!   64-bit hash of the pair: with a million responses kept the chance of any
//!   collision is about 3e-8, and a collision only drops one response). A line lacking
//!   either id is still counted, keyed by the hash of its bytes, so reading it again
//!   (a rescan, a copy in a resumed session) does not count it twice.
//! * API-error lines (`isApiErrorMessage`, model `<synthetic>`) are failed turns with
//!   zero usage: they are not messages.
//! * A response's conversation is the line's `sessionId`, else the transcript's file
//!   name. A placement of that conversation covering the response's time decides its
//!   account; a conversation no placement covers then (none recorded, or a response
//!   from before its first) follows the active timeline, the account the pool was on.
//! * A response stamped before the first timeline entry (or with no timeline at all)
//!   and not covered by a placement is "unattributed": it is reported as such and
//!   counts against no account's caps.
//!   Guessing the first account would be wrong whenever the operator used another one
//!   before ccfail recorded anything; the undercount lasts one window at most, and the
//!   hard limit is still caught by the reactive signals.
//! * Records are never removed by a rescan: usage that happened still counts if a
//!   transcript is rewritten or deleted.

mod line;
pub use line::{ApiErrorRecord, QuotaLimits, parse_api_error};
mod scan;
mod store;
pub mod windows;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Account, Config, QuotaConfig};
use crate::paths::StatePaths;
use crate::state::{ActiveSpan, Placement, StateLock};

pub use scan::ScanCounts;
pub use windows::{
    AccountWindows, BurnRate, CapKind, CapOutlook, CapStatus, ProactiveHit, Response, Tokens, Totals, Window,
    WindowKind,
};

/// How long records are kept: the widest window (7 days) plus one day, so the 5-hour
/// block chain that leads to the current block starts well before the week does.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(8);

/// A refresh's result: the usage as of `now` and what the scan did.
#[derive(Debug)]
pub struct Refreshed {
    pub snapshot: UsageSnapshot,
    pub report: ScanReport,
}

/// What one refresh did, for logs and `--json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    /// The transcript trees scanned (canonical, deduplicated).
    pub roots: Vec<PathBuf>,
    #[serde(flatten)]
    pub counts: ScanCounts,
    pub responses_new: u64,
    /// Copies of responses already known (the same `message.id` + `requestId`).
    pub responses_duplicate: u64,
    /// Records dropped because they fell out of the retention period.
    pub responses_pruned: u64,
    pub responses_kept: u64,
    /// Why the usage file was rebuilt from the transcripts, when it was.
    pub rebuilt: Option<String>,
    /// Problems that did not stop the refresh (an unreadable transcript, …).
    pub warnings: Vec<String>,
    /// Whether `usage.bin` was written (only when something changed).
    pub saved: bool,
    /// Failed turns found in the bytes read this time (not server errors).
    #[serde(skip)]
    pub api_errors: Vec<line::ApiErrorRecord>,
}

/// Reads what the transcripts appended since the last run, updates `usage.bin` and
/// returns the usage as of `now`. Holding the state lock is what makes the
/// read-modify-write of the usage file safe, hence the `lock` parameter.
///
/// How quota-check calls it (crate-internal: `Ctx` is not public, so this is not compiled):
///
/// ```ignore
/// # fn quota_check(ctx: &ccfail::ctx::Ctx) -> anyhow::Result<()> {
/// use ccfail::usage;
/// let lock = ctx.state.lock()?;
/// let state = lock.load()?;
/// let roots = usage::transcript_roots(&ctx.config);
/// let refreshed = usage::refresh(&lock, &roots, &usage::Owners::of(&state), ctx.now())?;
/// for warning in refreshed.report.rebuilt.iter().chain(&refreshed.report.warnings) {
///     ctx.log().warn(warning);
/// }
/// let active = state.active_account().and_then(|span| ctx.config.account(&span.account));
/// if let Some(hit) = active.and_then(|account| refreshed.snapshot.proactive_hit(account, &ctx.config.quota)) {
///     // A proactive hit: plan a swap away from hit.account.
///     let cap = hit.cap_kind.config_key();
///     ctx.log().info(&format!("{} used {:.0}% of limits.{cap}", hit.account, hit.fraction * 100.0));
/// }
/// # Ok(())
/// # }
/// ```
pub fn refresh(lock: &StateLock, roots: &[PathBuf], owners: &Owners<'_>, now: DateTime<Utc>) -> Result<Refreshed> {
    let file = lock.paths().usage_file();
    let (mut store, mut report, changed) = update(&file, roots, now)?;
    if changed {
        store::save(&file, &mut store)?;
        report.saved = true;
    }
    Ok(Refreshed { snapshot: UsageSnapshot::new(&mut store, owners, now), report })
}

/// The same as [`refresh`] without the lock and without saving: for read-only commands
/// such as `status`, which must answer while another run holds the lock.
pub fn peek(paths: &StatePaths, roots: &[PathBuf], owners: &Owners<'_>, now: DateTime<Utc>) -> Result<Refreshed> {
    let (mut store, report, _) = update(&paths.usage_file(), roots, now)?;
    Ok(Refreshed { snapshot: UsageSnapshot::new(&mut store, owners, now), report })
}

/// Who a response belongs to: the placements of conversations first, the active
/// timeline for the rest. Either may be in any order.
#[derive(Debug, Clone, Copy)]
pub struct Owners<'a> {
    pub timeline: &'a [ActiveSpan],
    pub placements: &'a [Placement],
}

impl<'a> Owners<'a> {
    /// The state's timeline and placements.
    pub fn of(state: &'a crate::state::State) -> Owners<'a> {
        Owners { timeline: &state.timeline, placements: &state.placements }
    }
}

fn update(file: &Path, roots: &[PathBuf], now: DateTime<Utc>) -> Result<(store::UsageStore, ScanReport, bool)> {
    let retained_since_ms = (now - RETENTION).timestamp_millis();
    let mut report = ScanReport { roots: canonical_roots(roots), ..ScanReport::default() };
    let mut store = match store::load(file)? {
        Ok(Some(store)) if store.retained_since_ms <= retained_since_ms => store,
        Ok(Some(store)) => {
            report.rebuilt = Some(format!(
                "the clock is before the last run's (records kept from {}, now {now}): rebuilding {}",
                windows::instant(store.retained_since_ms),
                file.display()
            ));
            store::UsageStore::empty(retained_since_ms)
        }
        Ok(None) => store::UsageStore::empty(retained_since_ms),
        Err(reason) => {
            report.rebuilt = Some(format!("usage file {} is unusable ({reason}): rebuilding it", file.display()));
            store::UsageStore::empty(retained_since_ms)
        }
    };
    let fresh = !file.exists() || report.rebuilt.is_some();
    let scan = scan::scan(&report.roots, &mut store.files, retained_since_ms);
    report.counts = scan.counts;
    report.warnings = scan.warnings;
    report.api_errors = scan.api_errors;
    let mut records_changed = false;
    let numbers = store.intern(&scan.sessions);
    for response in &scan.responses {
        match store.merge(&line::ParsedResponse { session: numbers[response.session as usize], ..*response }) {
            store::Merged::New => report.responses_new += 1,
            store::Merged::Changed => {
                report.responses_duplicate += 1;
                records_changed = true;
            }
            store::Merged::Duplicate => report.responses_duplicate += 1,
        }
    }
    report.responses_pruned = store.prune(retained_since_ms) as u64;
    report.responses_kept = store.len() as u64;
    let changed =
        fresh || scan.cursors_changed || records_changed || report.responses_new > 0 || report.responses_pruned > 0;
    if changed {
        store.retained_since_ms = retained_since_ms;
    }
    Ok((store, report, changed))
}

/// Each path canonicalized once; missing ones (no transcript yet) left out.
fn canonical_roots(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    roots.iter().filter_map(|root| root.canonicalize().ok()).filter(|root| seen.insert(root.clone())).collect()
}

/// The transcript trees of the configured accounts: every home's `projects/`. Homes
/// that link `projects/` to one shared tree give that tree once.
pub fn transcript_roots(config: &Config) -> Vec<PathBuf> {
    canonical_roots(&config.accounts.iter().map(|account| account.home.join("projects")).collect::<Vec<_>>())
}

/// The timeline's account at `at_ms`: the last entry that started at or before it.
/// `None` before the first entry. `timeline` must be sorted by `since`.
pub fn attribute(timeline: &[ActiveSpan], at_ms: i64) -> Option<&str> {
    let later = timeline.partition_point(|span| span.since.timestamp_millis() <= at_ms);
    later.checked_sub(1).map(|i| timeline[i].account.as_str())
}

/// The account conversation `session_id` ran on at `at`, if a placement covers that
/// instant (the latest of its placements that started at or before it). `placements`
/// may be in any order.
pub fn placed_at<'a>(placements: &'a [Placement], session_id: &str, at: DateTime<Utc>) -> Option<&'a str> {
    placements
        .iter()
        .filter(|p| p.session_id == session_id && p.since <= at)
        .max_by_key(|p| p.since)
        .map(|p| p.account.as_str())
}

/// The account a response of `session_id` stamped `at` counts against: its placement
/// then, else the timeline's account then.
pub fn owner_at<'a>(owners: &Owners<'a>, session_id: &str, at: DateTime<Utc>) -> Option<&'a str> {
    placed_at(owners.placements, session_id, at).or_else(|| {
        owners.timeline.iter().filter(|span| span.since <= at).max_by_key(|span| span.since).map(|s| s.account.as_str())
    })
}

/// Every kept response, attributed to accounts, as of one instant.
#[derive(Debug, Clone)]
pub struct UsageSnapshot {
    pub now: DateTime<Utc>,
    /// Responses before this were pruned; windows never reach that far back.
    pub retained_since: DateTime<Utc>,
    by_account: BTreeMap<String, Vec<Response>>,
    unattributed: Vec<Response>,
}

impl UsageSnapshot {
    /// Every record attributed. Accounts are numbered once, and each stored
    /// conversation gets its spans (start, account number) once, so the work per
    /// record is two binary searches at most and no string is compared or copied.
    fn new<'a>(store: &mut store::UsageStore, owners: &Owners<'a>, now: DateTime<Utc>) -> UsageSnapshot {
        let retained_since = windows::instant(store.retained_since_ms);
        let (records, sessions) = store.records_and_sessions();
        let mut accounts: Vec<&'a str> = Vec::new();
        let mut number_of = |account: &'a str| match accounts.iter().position(|known| *known == account) {
            Some(number) => number,
            None => {
                accounts.push(account);
                accounts.len() - 1
            }
        };
        let mut timeline: Vec<(i64, usize)> =
            owners.timeline.iter().map(|span| (span.since.timestamp_millis(), number_of(&span.account))).collect();
        timeline.sort_by_key(|(since, _)| *since);
        let mut spans_of: std::collections::HashMap<&str, Vec<(i64, usize)>> = std::collections::HashMap::new();
        for placement in owners.placements {
            let account = number_of(&placement.account);
            spans_of
                .entry(placement.session_id.as_str())
                .or_default()
                .push((placement.since.timestamp_millis(), account));
        }
        for spans in spans_of.values_mut() {
            spans.sort_by_key(|(since, _)| *since);
        }
        let placed: Vec<Option<&Vec<(i64, usize)>>> = sessions.iter().map(|id| spans_of.get(id.as_str())).collect();
        let at = |spans: &[(i64, usize)], at_ms: i64| {
            spans.partition_point(|(since, _)| *since <= at_ms).checked_sub(1).map(|i| spans[i].1)
        };
        let mut responses_of: Vec<Vec<Response>> = vec![Vec::new(); accounts.len()];
        let mut unattributed = Vec::new();
        for record in records {
            let response = Response { at_ms: record.stored.at_ms, tokens: record.stored.tokens };
            let owner = placed
                .get(record.stored.session as usize)
                .copied()
                .flatten()
                .and_then(|spans| at(spans, response.at_ms))
                .or_else(|| at(&timeline, response.at_ms));
            match owner {
                Some(account) => responses_of[account].push(response),
                None => unattributed.push(response),
            }
        }
        let by_account = accounts
            .into_iter()
            .zip(responses_of)
            .filter(|(_, responses)| !responses.is_empty())
            .map(|(account, responses)| (account.to_owned(), responses))
            .collect();
        UsageSnapshot { now, retained_since, by_account, unattributed }
    }

    /// An account's responses, oldest first.
    pub fn responses(&self, account: &str) -> &[Response] {
        self.by_account.get(account).map_or(&[], Vec::as_slice)
    }

    /// Responses stamped before the first timeline entry, oldest first.
    pub fn unattributed(&self) -> &[Response] {
        &self.unattributed
    }

    /// The account's current 5-hour block and weekly window, with its soft caps.
    pub fn windows(&self, account: &Account) -> AccountWindows {
        windows::account_windows(
            &account.name,
            self.responses(&account.name),
            &account.limits,
            account.weekly_reset.as_ref(),
            self.now,
        )
    }

    /// Whether the account's usage reached a threshold of one of its soft caps.
    pub fn proactive_hit(&self, account: &Account, quota: &QuotaConfig) -> Option<ProactiveHit> {
        windows::proactive_hit(&self.windows(account), quota)
    }

    /// Every kept response stamped at or before `now`, whoever it belongs to.
    pub fn totals(&self) -> Totals {
        let now_ms = self.now.timestamp_millis();
        let mut totals = Totals::default();
        for response in self.by_account.values().flatten().chain(&self.unattributed) {
            if response.at_ms <= now_ms {
                totals.add(response);
            }
        }
        totals
    }
}

#[cfg(test)]
mod tests;
