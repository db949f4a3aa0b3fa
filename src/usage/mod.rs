//! Usage windows from Claude Code transcripts, computed incrementally: each run reads
//! only the transcript bytes it has not read, keeps one compact record per response
//! for [`RETENTION`], and attributes every response to the account the state's active
//! timeline says was active at its timestamp.
//!
//! The parts: [`scan`] reads the tree (cursors, appended bytes), [`line`] turns one
//! transcript line into a response, [`store`] keeps `usage.bin` (cursors and
//! records), [`windows`] is the pure window math and the proactive-hit rule. This module ties them together: [`refresh`] under
//! the state lock, [`peek`] for read-only commands, and the [`UsageSnapshot`] they
//! return. It never touches `state.json`, tmux or the account homes; the timeline is
//! handed in by the caller.
//!
//! Decisions (also in the README, "Usage windows"):
//! * Responses are deduplicated on `message.id` + `requestId` across files and runs (a
//!   64-bit hash of the pair: with a million responses kept the chance of any
//!   collision is about 3e-8, and a collision only drops one response). A line lacking
//!   either id is still counted, keyed by the hash of its bytes, so reading it again
//!   (a rescan, a copy in a resumed session) does not count it twice.
//! * API-error lines (`isApiErrorMessage`, model `<synthetic>`) are failed turns with
//!   zero usage: they are not messages.
//! * A response stamped before the first timeline entry (or with no timeline at all)
//!   is "unattributed": it is reported as such and counts against no account's caps.
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
use crate::state::{ActiveSpan, StateLock};

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
/// let refreshed = usage::refresh(&lock, &roots, &state.timeline, ctx.now())?;
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
pub fn refresh(lock: &StateLock, roots: &[PathBuf], timeline: &[ActiveSpan], now: DateTime<Utc>) -> Result<Refreshed> {
    let file = lock.paths().usage_file();
    let (mut store, mut report, changed) = update(&file, roots, now)?;
    if changed {
        store::save(&file, &mut store)?;
        report.saved = true;
    }
    Ok(Refreshed { snapshot: UsageSnapshot::new(&mut store, timeline, now), report })
}

/// The same as [`refresh`] without the lock and without saving: for read-only commands
/// such as `status`, which must answer while another run holds the lock.
pub fn peek(paths: &StatePaths, roots: &[PathBuf], timeline: &[ActiveSpan], now: DateTime<Utc>) -> Result<Refreshed> {
    let (mut store, report, _) = update(&paths.usage_file(), roots, now)?;
    Ok(Refreshed { snapshot: UsageSnapshot::new(&mut store, timeline, now), report })
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
    for response in &scan.responses {
        match store.merge(response) {
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
/// `None` before the first entry.
pub fn attribute(timeline: &[ActiveSpan], at_ms: i64) -> Option<&str> {
    let later = timeline.partition_point(|span| span.since.timestamp_millis() <= at_ms);
    later.checked_sub(1).map(|i| timeline[i].account.as_str())
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
    fn new(store: &mut store::UsageStore, timeline: &[ActiveSpan], now: DateTime<Utc>) -> UsageSnapshot {
        let mut sorted_timeline = timeline.to_vec();
        sorted_timeline.sort_by_key(|span| span.since);
        let mut by_account: BTreeMap<String, Vec<Response>> = BTreeMap::new();
        let mut unattributed = Vec::new();
        for record in store.records() {
            let response = Response { at_ms: record.stored.at_ms, tokens: record.stored.tokens };
            match attribute(&sorted_timeline, response.at_ms) {
                Some(account) => match by_account.get_mut(account) {
                    Some(responses) => responses.push(response),
                    None => {
                        by_account.insert(account.to_owned(), vec![response]);
                    }
                },
                None => unattributed.push(response),
            }
        }
        UsageSnapshot { now, retained_since: windows::instant(store.retained_since_ms), by_account, unattributed }
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
