//! Placement: which account each session runs on (pure).
//!
//! Two questions, answered from one [`Pool`] view of the accounts and the sessions:
//! * [`start_account`]: where a session that starts (or restarts) goes. `fill` takes the
//!   preferred account (lowest `priority`, then the one drained longest ago) that has
//!   headroom left (with `return: never`, the active account while it can: the old
//!   behaviour, the pool stays where a swap took it); `spread` takes the one with the
//!   most headroom left.
//! * [`plan_moves`]: which sessions move where in this run. A session must move when its
//!   account can no longer hold it (drained, logged out, not allowed by its tags) or is
//!   past its ceiling; it may come back (`return: on_reset`) to the account a limit drove
//!   it from (`spread`) or to the preferred one (`fill`) once that account has reset.
//!   Idle sessions move first; a working session moves only when its account is drained
//!   (its turn is refused anyway) and never to come back; at most `ramp` sessions move
//!   per run; a session that moved stays put for `cooldown` unless its account runs out;
//!   and a move never takes an account past its ceiling with the sessions it receives.
//!
//! The caller gathers the view (config, state, usage) and carries the moves out as
//! journaled partial swaps ([`crate::swap::move_sessions`]).

pub mod headroom;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Policy, Return};
use crate::state::SessionKind;
pub use headroom::{Headroom, Source};

/// One account as placement sees it.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub name: String,
    pub priority: i64,
    pub credentials: bool,
    pub drained_until: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub headroom: Headroom,
}

impl AccountView {
    fn drained(&self, now: DateTime<Utc>) -> bool {
        self.drained_until.is_some_and(|until| until > now)
    }

    /// It can run sessions at all (it may still be past its ceiling).
    fn usable(&self, now: DateTime<Utc>) -> bool {
        self.credentials && !self.drained(now)
    }
}

/// One session as placement sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub name: String,
    pub kind: SessionKind,
    /// The account its client runs on now.
    pub account: String,
    /// At its input box, no turn in flight, no task waiting to be continued.
    pub idle: bool,
    /// `pool.dedicated[].account`: never moved by placement.
    pub pinned: Option<String>,
    pub moved_at: Option<DateTime<Utc>>,
    /// The account a limit drove it from (where `spread` brings it back).
    pub displaced_from: Option<String>,
}

/// Everything one decision reads.
#[derive(Debug, Clone)]
pub struct Pool {
    pub policy: Policy,
    pub return_to: Return,
    pub ramp: usize,
    pub cooldown: chrono::TimeDelta,
    /// In config order.
    pub accounts: Vec<AccountView>,
    /// `pool.autonomous.account_tags`: pool sessions run only on accounts with one of them.
    pub pool_tags: Vec<String>,
    pub sessions: Vec<SessionView>,
    /// The active account: where `fill` with `return: never` keeps starting sessions
    /// after a swap, as before placement.
    pub active: Option<String>,
    pub now: DateTime<Utc>,
}

/// Why sessions move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Their account is drained (or logged out): they cannot work there.
    Drained,
    /// Their account is past its ceiling, or not one their tags allow.
    Full,
    /// A preferred account has reset: they come back to it.
    Return,
}

impl Why {
    pub fn describe(self) -> &'static str {
        match self {
            Why::Drained => "its account is drained",
            Why::Full => "its account is past its ceiling (or not one its tags allow)",
            Why::Return => "coming back after the reset",
        }
    }
}

/// Sessions that move from one account to another, in one journaled partial swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub why: Why,
    pub sessions: Vec<String>,
}

/// A session that should move but does not this run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub session: String,
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub moves: Vec<Move>,
    pub held: Vec<Held>,
}

impl Pool {
    fn account(&self, name: &str) -> Option<&AccountView> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Whether a session of this kind may run on the account at all (tags, pins).
    fn allowed(&self, kind: SessionKind, pinned: Option<&str>, account: &AccountView) -> bool {
        match (pinned, kind) {
            (Some(pin), _) => pin == account.name,
            (None, SessionKind::Pool) => {
                self.pool_tags.is_empty() || account.tags.iter().any(|tag| self.pool_tags.contains(tag))
            }
            (None, SessionKind::Dedicated) => true,
        }
    }

    /// What one more session costs an account, as a fraction of its window: the use per
    /// session measured on the accounts whose use is known, `None` when none is.
    fn share_per_session(&self) -> Option<f64> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for session in &self.sessions {
            *counts.entry(session.account.as_str()).or_default() += 1;
        }
        let shares: Vec<f64> = self
            .accounts
            .iter()
            .filter(|a| a.headroom.source != Source::Drained)
            .filter_map(|a| Some(a.headroom.used? / *counts.get(a.name.as_str())? as f64))
            .collect();
        (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
    }

    /// What `account` has left once one more session joins those this plan already
    /// sends it (`incoming`), each costing `share`.
    fn left_after(account: &AccountView, incoming: &BTreeMap<String, usize>, share: Option<f64>) -> f64 {
        let coming = incoming.get(&account.name).copied().unwrap_or(0) + 1;
        account.headroom.left - share.unwrap_or(0.0) * coming as f64
    }

    /// The account that takes a session of `kind`, given how many sessions this plan
    /// already sends to each account; `exclude` is its current account.
    fn pick(
        &self,
        kind: SessionKind,
        exclude: Option<&str>,
        incoming: &BTreeMap<String, usize>,
    ) -> Option<&AccountView> {
        let share = self.share_per_session();
        let left_after = |a: &AccountView| Pool::left_after(a, incoming, share);
        let candidates = self.accounts.iter().enumerate().filter(|(_, a)| {
            Some(a.name.as_str()) != exclude
                && a.usable(self.now)
                && self.allowed(kind, None, a)
                && a.headroom.left > 0.0
                && left_after(a) >= 0.0
        });
        let on = |a: &AccountView| {
            self.sessions.iter().filter(|s| s.account == a.name).count() + incoming.get(&a.name).copied().unwrap_or(0)
        };
        match self.policy {
            // Never drained sorts before any past drain, then the oldest drain first.
            Policy::Fill => candidates.min_by_key(|(i, a)| (a.priority, a.drained_until, *i)),
            // The most left after this session; among equals (use unknown, say) the one
            // with the fewest sessions, then the preferred.
            Policy::Spread => candidates.max_by(|(i, a), (j, b)| {
                left_after(a)
                    .total_cmp(&left_after(b))
                    .then_with(|| on(b).cmp(&on(a)))
                    .then_with(|| b.priority.cmp(&a.priority))
                    .then_with(|| j.cmp(i))
            }),
        }
        .map(|(_, a)| a)
    }
}

/// Where a session that starts goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub account: String,
    /// Under `fill`, the preferred account when it is drained: the session comes back
    /// to it after its reset (`placement.return`).
    pub displaced_from: Option<String>,
}

/// Where a session that starts goes: its pin, else the policy's choice among the
/// accounts its tags allow. `None` when no account has headroom left (the caller falls
/// back to the active account, as before placement).
pub fn start_account(pool: &Pool, kind: SessionKind, pinned: Option<&str>) -> Option<Start> {
    if let Some(pin) = pinned {
        return Some(Start { account: pin.to_owned(), displaced_from: None });
    }
    // `fill` that never comes back stays on the account the pool was swapped to.
    let stays = pool.policy == Policy::Fill && pool.return_to == Return::Never;
    let stay = pool
        .active
        .as_deref()
        .and_then(|name| pool.account(name))
        .filter(|a| stays && a.usable(pool.now) && a.headroom.left > 0.0 && pool.allowed(kind, None, a));
    let chosen = match stay {
        Some(active) => active,
        None => pool.pick(kind, None, &BTreeMap::new())?,
    };
    let preferred = pool
        .accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.credentials && pool.allowed(kind, None, a))
        .min_by_key(|(i, a)| (a.priority, *i))
        .map(|(_, a)| a);
    let displaced_from = preferred
        .filter(|p| pool.policy == Policy::Fill && p.name != chosen.name && p.drained(pool.now))
        .map(|p| p.name.clone());
    Some(Start { account: chosen.name.clone(), displaced_from })
}

/// The moves of this run; see the module header for the rules.
pub fn plan_moves(pool: &Pool) -> Plan {
    let now = pool.now;
    let mut plan = Plan::default();
    let mut incoming: BTreeMap<String, usize> = BTreeMap::new();
    let mut wanted: Vec<(&SessionView, Why)> = Vec::new();
    for session in &pool.sessions {
        if let Some(pin) = &session.pinned {
            if pool.account(pin).is_some_and(|a| !a.usable(now)) {
                plan.held.push(Held {
                    session: session.name.clone(),
                    why: format!("pinned to {pin} (pool.dedicated[].account), which cannot run it now"),
                });
            }
            continue;
        }
        let Some(account) = pool.account(&session.account) else {
            plan.held.push(Held {
                session: session.name.clone(),
                why: format!("its account {} is no longer configured", session.account),
            });
            continue;
        };
        let cooling = session.moved_at.is_some_and(|at| now < at + pool.cooldown);
        if !account.usable(now) {
            wanted.push((session, Why::Drained));
        } else if account.headroom.left <= 0.0 || !pool.allowed(session.kind, None, account) {
            if session.idle && !cooling {
                wanted.push((session, Why::Full));
            }
        } else if pool.return_to == Return::OnReset
            && session.idle
            && !cooling
            && return_target(pool, session, account).is_some()
        {
            wanted.push((session, Why::Return));
        }
    }
    // Sessions that cannot work first, then the full, then those coming back; idle
    // before working within each.
    wanted.sort_by_key(|(s, why)| (*why as u8, !s.idle));
    let mut moved = 0;
    let mut by_pair: Vec<Move> = Vec::new();
    for (session, why) in wanted {
        if moved >= pool.ramp {
            plan.held.push(Held {
                session: session.name.clone(),
                why: format!("{}; waits for the next run (placement.ramp {})", why.describe(), pool.ramp),
            });
            continue;
        }
        let target = match why {
            Why::Return => return_target(pool, session, pool.account(&session.account).expect("checked"))
                .filter(|to| fits(pool, to, &incoming)),
            Why::Drained | Why::Full => {
                pool.pick(session.kind, Some(&session.account), &incoming).map(|a| a.name.clone())
            }
        };
        let Some(to) = target else {
            if why != Why::Return {
                plan.held.push(Held {
                    session: session.name.clone(),
                    why: format!("{}, and no other account has headroom for it", why.describe()),
                });
            }
            continue;
        };
        *incoming.entry(to.clone()).or_default() += 1;
        moved += 1;
        match by_pair.iter_mut().find(|m| m.from == session.account && m.to == to && m.why == why) {
            Some(entry) => entry.sessions.push(session.name.clone()),
            None => by_pair.push(Move { from: session.account.clone(), to, why, sessions: vec![session.name.clone()] }),
        }
    }
    plan.moves = by_pair;
    plan
}

/// Whether one more session fits on `to` under its ceiling with what it already receives.
fn fits(pool: &Pool, to: &str, incoming: &BTreeMap<String, usize>) -> bool {
    pool.account(to).is_some_and(|account| Pool::left_after(account, incoming, pool.share_per_session()) >= 0.0)
}

/// The account a session comes back to: the one a limit drove it from, once that
/// limit has reset and the account has room again. A session the operator moved
/// (`swap --to`) has none and stays.
fn return_target(pool: &Pool, session: &SessionView, current: &AccountView) -> Option<String> {
    let now = pool.now;
    let home = pool.account(session.displaced_from.as_deref()?)?;
    (home.name != current.name
        && home.drained_until.is_some_and(|until| until <= now)
        && home.usable(now)
        && home.headroom.left > 0.0
        && pool.allowed(session.kind, None, home))
    .then(|| home.name.clone())
}

#[cfg(test)]
mod tests;
