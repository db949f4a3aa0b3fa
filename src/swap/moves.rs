//! Placement carried out: the pool as placement sees it gathered from config, state and
//! the running clients; the start sites' choice of account; and each planned move run as
//! a partial swap, journaled and recovered exactly like a swap of the pool.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::journal::{Journal, Reason};
use super::{Outcome, Tracker, advance, plan, refuse_if_unfinished, shared_links_problem};
use crate::accounts;
use crate::client::{self, RunningClient};
use crate::config::{Account, Config, Policy, Return};
use crate::ctx::Ctx;
use crate::placement::{self, AccountView, Move, Pool, SessionView, headroom};
use crate::state::{SessionKind, SessionStatus, State, StateLock};
use crate::tmux::Observation;
use crate::usage;

/// How long a usage count stored by quota-check still speaks for an account.
const COUNT_FRESH_FOR: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// Each account as placement sees it: credentials, drain, tags and headroom.
pub fn account_views(config: &Config, state: &State, now: DateTime<Utc>) -> Vec<AccountView> {
    config
        .accounts
        .iter()
        .map(|account| {
            let recorded = state.accounts.get(&account.name);
            let drained_until = recorded.and_then(|r| r.drained_until);
            let warned = recorded.and_then(|r| r.last_warning.as_ref()).and_then(|hit| {
                Some(headroom::Warned {
                    fraction: headroom::warned_fraction(&hit.snippet)?,
                    resets_at: hit.reset_at,
                    seen_at: hit.seen_at,
                })
            });
            let counted = recorded.and_then(|r| r.counted).filter(|c| now - c.at < COUNT_FRESH_FOR).map(|c| c.fraction);
            let signals = headroom::Signals { drained_until, warned, counted, ceiling: account.ceiling };
            AccountView {
                name: account.name.clone(),
                priority: account.priority,
                credentials: accounts::credentials_present(&account.home),
                drained_until,
                tags: account.tags.clone(),
                headroom: headroom::headroom(&signals, now),
            }
        })
        .collect()
}

/// The pin of a session: `pool.dedicated[].account`.
fn pin_of(config: &Config, name: &str) -> Option<String> {
    config.pool.dedicated.iter().find(|d| d.name == name).and_then(|d| d.account.clone())
}

fn pool_of(config: &Config, state: &State, sessions: Vec<SessionView>, now: DateTime<Utc>) -> Pool {
    Pool {
        policy: config.placement.policy,
        return_to: config.placement.return_to,
        ramp: config.placement.ramp,
        cooldown: chrono::TimeDelta::from_std(config.placement.cooldown.get()).unwrap_or(chrono::TimeDelta::MAX),
        accounts: account_views(config, state, now),
        pool_tags: config.pool.autonomous.account_tags.clone(),
        sessions,
        active: accounts::active_account(config, Some(state)).map(|(account, _)| account.name.clone()),
        now,
    }
}

/// The account a session that starts now runs on, and where a limit displaced it from:
/// placement's choice, else (no account has headroom) the active account as before.
/// The caller records both with [`record_start`] (before the next choice, so that a
/// pool start of many sessions counts the ones it already placed).
pub fn start_account<'a>(
    ctx: &'a Ctx,
    state: &State,
    name: &str,
    kind: SessionKind,
) -> Option<(&'a Account, Option<String>)> {
    let config = &ctx.config;
    let active = state.active_account().map(|span| span.account.clone());
    // The other configured sessions as recorded: enough for the share each one costs
    // and for spreading by count.
    let configured: std::collections::BTreeSet<String> =
        crate::pool::session_names(ctx).into_iter().map(|(n, _)| n).collect();
    let sessions = state
        .sessions
        .iter()
        .filter(|(other, _)| other.as_str() != name && configured.contains(other.as_str()))
        .filter_map(|(other, recorded)| {
            Some(SessionView {
                name: other.clone(),
                kind: recorded.kind,
                account: recorded.account.clone().or_else(|| active.clone())?,
                idle: recorded.status == SessionStatus::Idle,
                pinned: None,
                moved_at: recorded.moved_at,
                displaced_from: None,
            })
        })
        .collect();
    let pool = pool_of(config, state, sessions, ctx.now());
    match placement::start_account(&pool, kind, pin_of(config, name).as_deref()) {
        Some(start) => config.account(&start.account).map(|account| (account, start.displaced_from)),
        None => accounts::active_account(config, Some(state)).map(|(account, _)| (account, None)),
    }
}

/// Records that `name`'s client runs (or is being started) on `account`.
pub fn record_start(state: &mut State, name: &str, kind: SessionKind, account: &str, displaced_from: Option<String>) {
    let recorded = state.sessions.entry(name.to_owned()).or_insert_with(|| crate::state::SessionState::new(kind));
    recorded.account = Some(account.to_owned());
    recorded.displaced_from = displaced_from;
}

/// The running sessions as placement sees them: on the account of their client's home,
/// idle when the client and the state both say so and no task is held.
fn session_views(ctx: &Ctx, state: &State, observation: &Observation, clients: &[RunningClient]) -> Vec<SessionView> {
    crate::pool::session_names(ctx)
        .into_iter()
        .filter_map(|(name, kind)| {
            let pane = observation.session_pane(&name)?;
            // Only running clients move; a client's account is its state file's home.
            let client = client::client_in_pane(clients, &pane.pane_id, pane.pid)?;
            let recorded = state.sessions.get(&name);
            let idle = client.state.status == "idle"
                && recorded.is_none_or(|r| r.status == SessionStatus::Idle && r.task.is_none());
            Some(SessionView {
                pinned: pin_of(&ctx.config, &name),
                account: client.account.clone(),
                idle,
                moved_at: recorded.and_then(|r| r.moved_at),
                displaced_from: recorded.and_then(|r| r.displaced_from.clone()),
                name,
                kind,
            })
        })
        .collect()
}

/// Stores each account's largest soft-cap fraction (the headroom between two checks).
pub fn store_counts(ctx: &Ctx, state: &mut State, snapshot: &usage::UsageSnapshot) {
    for account in &ctx.config.accounts {
        let Some(fraction) = headroom::counted_fraction(&snapshot.windows(account)) else { continue };
        state.accounts.entry(account.name.clone()).or_default().counted =
            Some(crate::state::Counted { fraction, at: snapshot.now });
    }
}

/// One run's placement: what it planned, and each move's outcome.
#[derive(Debug, Serialize)]
pub struct Tick {
    pub held: Vec<placement::Held>,
    pub moves: Vec<Moved>,
}

#[derive(Debug, Serialize)]
pub struct Moved {
    #[serde(flatten)]
    pub planned: Move,
    /// `None` in a dry run.
    pub outcome: Option<Outcome>,
}

/// Plans this run's moves and carries them out one journal after another. Moves off a
/// drained account wait for `quota.auto_swap`; coming back waits for `placement.return`.
/// Nothing moves while a swap journal is open or the partial-swap latch is set.
pub fn tick(ctx: &Ctx, lock: &StateLock, state: &mut State, dry_run: bool) -> Result<Tick> {
    let config = &ctx.config;
    if state.swap.journal.is_some() || state.swap.partial_latch.is_some() {
        return Ok(Tick { held: Vec::new(), moves: Vec::new() });
    }
    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let clients = client::all_running(config);
    let sessions = session_views(ctx, state, &observation, &clients);
    let mut pool = pool_of(config, state, sessions, ctx.now());
    if config.placement.policy == Policy::Fill && !config.quota.auto_swap {
        pool.return_to = Return::Never;
    }
    let mut planned = placement::plan_moves(&pool);
    planned.moves.retain(|m| m.why == placement::Why::Return || config.quota.auto_swap);
    let mut moves = Vec::new();
    for planned_move in planned.moves {
        let outcome = if dry_run { None } else { Some(move_sessions(ctx, lock, state, &planned_move)?) };
        moves.push(Moved { planned: planned_move, outcome });
    }
    Ok(Tick { held: planned.held, moves })
}

/// Moves the named sessions from `from` to `to`: a partial swap, journaled phase by
/// phase and recovered like one (a run that dies is finished or rolled back by the
/// next); the active account and its link stay where they are.
pub fn move_sessions(ctx: &Ctx, lock: &StateLock, state: &mut State, planned: &Move) -> Result<Outcome> {
    if let Some(latch) = &state.swap.partial_latch {
        return Ok(Outcome::Latched { since: latch.set_at, reason: latch.reason.clone() });
    }
    refuse_if_unfinished(state)?;
    let now = ctx.now();
    let target =
        ctx.config.account(&planned.to).with_context(|| format!("account {} is not configured", planned.to))?;
    if let Err(problem) = shared_links_problem(ctx, target) {
        let reason = format!("account {}: {problem}", planned.to);
        state.record(now, "move-refused", reason.clone()).account(&planned.to);
        lock.save(state)?;
        return Ok(Outcome::Refused { reason, refusal: None });
    }
    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let reason = Reason::Placement { why: planned.why };
    let journal: Journal = plan(ctx, state, &observation, &planned.from, &planned.to, reason, Some(&planned.sessions));
    state
        .record(
            now,
            "move-started",
            format!("{} -> {}: {} ({})", journal.from, journal.to, planned.sessions.join(", "), planned.why.describe()),
        )
        .account(&journal.to)
        .data(json!({ "from": journal.from, "to": journal.to, "why": planned.why, "sessions": planned.sessions }));
    let mut tracker = Tracker::new(ctx, &journal, "");
    state.swap.journal = Some(journal);
    lock.save(state)?;
    ctx.fault("swap:planned");
    advance(ctx, lock, state, &mut tracker)
}
