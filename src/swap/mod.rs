//! The account swap: move every session from the active account to another and resume
//! each conversation there, losing nothing, rolling back cleanly when something breaks.
//!
//! A swap is a [`journal::Journal`] in state, written before anything is touched and
//! advanced one phase at a time (planned → saved → stopped → switched → relaunched →
//! done), each phase idempotent and saved when complete. The caller holds the state lock
//! for the whole swap, so a journal found under the lock belongs to a swap that died:
//! [`recover`] finishes it forward from its last phase, or rolls it back if it had not
//! switched. When the switch can neither complete nor be undone, the partial-swap latch
//! is set and every later swap is refused until an operator clears it.
//! Choosing the target is pure ([`target`]); everything that touches tmux, links or
//! `.claude.json` is in this module and in [`crate::driver`].

pub mod journal;
pub mod moves;
pub mod target;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;
use serde_json::json;

use crate::accounts::{self, SharedLink};
use crate::client;
use crate::config::Account;
use crate::ctx::Ctx;
use crate::delivery;
use crate::driver::{self, Launch, Stopped, Waits};
use crate::hooks;
use crate::log::Level;
use crate::parallel::{self, Event};
use crate::progress::{self, Progress};
use crate::screen;
use crate::state::{PartialSwapLatch, SessionKind, SessionStatus, State, StateLock, SwapRecord};
use crate::tmux::{Observation, Pane};
use crate::typing;
use journal::{Journal, Mark, Phase, Plan, Reason, Recovery, SessionOutcome, SwapSession};
use target::{Candidate, Refusal};

/// What a swap (or a recovery) ended with.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The pool now runs on `to`.
    Done { from: String, to: String, sessions: Vec<SwapSession> },
    /// Nothing could be switched; `from` is still active and its sessions run again.
    RolledBack { from: String, to: String, reason: String, sessions: Vec<SwapSession> },
    /// The switch could not be completed nor undone: the latch is set.
    Partial { from: String, to: String, reason: String },
    /// No swap: no eligible account, or the target is not eligible.
    Refused { reason: String, refusal: Option<Refusal> },
    /// No swap: the partial-swap latch is set.
    Latched { since: DateTime<Utc>, reason: String },
    /// `--dry-run`: what would be done.
    Planned { journal: Journal, commands: Vec<String> },
}

/// What to swap to and why.
#[derive(Debug, Clone)]
pub struct Request {
    pub to: Option<String>,
    pub reason: Reason,
    pub dry_run: bool,
    /// `--force`: the requested account may be drained.
    pub force: bool,
}

/// Runs a swap under the caller's lock, saving the state after every phase.
pub fn swap(ctx: &Ctx, lock: &StateLock, state: &mut State, request: &Request) -> Result<Outcome> {
    if let Some(latch) = &state.swap.partial_latch {
        let detail = format!("the partial-swap latch is set ({})", latch.reason);
        record_refusal(lock, state, request, ctx.now(), &detail)?;
        let latch = state.swap.partial_latch.as_ref().expect("checked above");
        ctx.notify(
            "swap_refused",
            format!("swap refused: the partial-swap latch is set ({})", latch.reason),
            json!({ "reason": "partial_swap_latch", "latch": latch.reason }),
        );
        return Ok(Outcome::Latched { since: latch.set_at, reason: latch.reason.clone() });
    }
    refuse_if_unfinished(state)?;
    let now = ctx.now();
    let config = &ctx.config;
    let Some((active, _)) = accounts::active_account(config, Some(state)) else {
        anyhow::bail!("no account is configured");
    };
    let candidates: Vec<Candidate> = config
        .accounts
        .iter()
        .map(|a| Candidate {
            name: a.name.clone(),
            priority: a.priority,
            credentials: accounts::credentials_present(&a.home),
            drained_until: state.accounts.get(&a.name).and_then(|s| s.drained_until),
        })
        .collect();
    let to = match target::choose(&candidates, &active.name, request.to.as_deref(), request.force, now) {
        Ok(to) => to,
        Err(refusal) => {
            record_refusal(lock, state, request, now, &refusal.to_string())?;
            ctx.notify(
                "swap_refused",
                format!("swap refused: {refusal}"),
                json!({ "reason": "no_eligible_account", "from": active.name, "accounts": refusal.accounts }),
            );
            return Ok(Outcome::Refused { reason: refusal.to_string(), refusal: Some(refusal) });
        }
    };
    let target = config.account(&to).expect("chosen among the configured accounts");
    let forced_over =
        candidates.iter().find(|c| c.name == to).and_then(|c| c.drained_until).filter(|until| *until > now);
    // Pre-flight: a target whose shared links cannot be made sound would fail at the
    // switch after every session was stopped; refuse before touching anything.
    if let Err(problem) = shared_links_problem(ctx, target) {
        let reason = format!("account {to}: {problem}");
        record_refusal(lock, state, request, now, &reason)?;
        ctx.notify("swap_refused", format!("swap refused: {reason}"), json!({ "reason": "shared_link", "to": to }));
        return Ok(Outcome::Refused { reason, refusal: None });
    }

    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let journal = plan(ctx, state, &observation, &active.name, &to, request.reason.clone(), None);
    if request.dry_run {
        // Read the ids as the saved phase would, on a copy: nothing is recorded.
        let mut scratch = state.clone();
        scratch.swap.journal = Some(journal);
        save_ids(ctx, &mut scratch)?;
        let journal = scratch.swap.journal.take().expect("journal");
        let commands = journal
            .sessions
            .iter()
            .filter(|s| matches!(s.plan, Plan::Resume | Plan::Fresh))
            .map(|s| {
                let resume = if s.plan == Plan::Resume { s.claude_session_id.as_deref() } else { None };
                let launch = Launch { resume, model: s.model.as_deref() };
                format!("{}: {}", s.name, driver::command_line(config, target, &launch))
            })
            .collect();
        return Ok(Outcome::Planned { journal, commands });
    }
    if let Some(until) = forced_over {
        ctx.log().warn(&format!(
            "account {to} is drained until {}; --force uses it anyway (it may hit its limit at once)",
            crate::render::when(until, now)
        ));
        state
            .record(now, "swap-forced", format!("{to} used by --force while drained until {}", until.to_rfc3339()))
            .account(&to)
            .data(json!({ "to": to, "drained_until": until }));
    }
    state
        .record(now, "swap-started", format!("{} -> {} ({})", journal.from, journal.to, journal.reason.describe()))
        .account(&journal.to)
        .data(json!({ "from": journal.from, "to": journal.to, "sessions": session_lines(&journal) }));
    ctx.notify(
        "swap_started",
        format!("swap {} -> {} started ({})", journal.from, journal.to, journal.reason.describe()),
        json!({ "from": journal.from, "to": journal.to, "reason": journal.reason, "sessions": journal.sessions.len() }),
    );
    let mut tracker = Tracker::new(ctx, &journal, "");
    state.swap.journal = Some(journal);
    lock.save(state)?;
    ctx.fault("swap:planned");
    advance(ctx, lock, state, &mut tracker)
}

/// A swap or move never starts over an unfinished journal: it is recovered first.
fn refuse_if_unfinished(state: &State) -> Result<()> {
    if let Some(journal) = &state.swap.journal {
        anyhow::bail!(
            "a swap from {} to {} is unfinished; it is recovered first (run the command again)",
            journal.from,
            journal.to
        );
    }
    Ok(())
}

/// A refused swap, in the history (a dry run records nothing).
fn record_refusal(
    lock: &StateLock,
    state: &mut State,
    request: &Request,
    now: DateTime<Utc>,
    detail: &str,
) -> Result<()> {
    if !request.dry_run {
        let entry = state.record(now, "swap-refused", detail);
        if let Some(to) = &request.to {
            entry.account(to);
        }
        lock.save(state)?;
    }
    Ok(())
}

/// Each session of a swap with its plan and outcome, for the history (`ccfail log`).
fn session_lines(journal: &Journal) -> serde_json::Value {
    journal
        .sessions
        .iter()
        .map(|s| {
            json!({
                "session": s.name,
                "plan": s.plan,
                "task": s.task,
                "outcome": s.outcome.as_ref().map(ToString::to_string),
            })
        })
        .collect()
}

/// Finishes or rolls back a journal left by a swap that died. Returns `None` when there
/// is none.
///
/// A latched journal is left alone: the latch was notified once when it was set, and
/// only `swap --clear-partial` moves it on.
pub fn recover(ctx: &Ctx, lock: &StateLock, state: &mut State) -> Result<Option<Outcome>> {
    let Some(journal) = &state.swap.journal else { return Ok(None) };
    let recovery = journal.recovery(state.swap.partial_latch.is_some());
    let what = match recovery {
        Recovery::LeaveLatched => return Ok(None),
        Recovery::Finish => "finishing it",
        Recovery::RollBack => "rolling it back",
    };
    ctx.log().warn(&format!(
        "found an unfinished swap from {} to {} (last phase: {:?}); {what}",
        journal.from, journal.to, journal.phase
    ));
    let mut tracker = Tracker::new(ctx, journal, " (recovered)");
    match recovery {
        Recovery::Finish => advance(ctx, lock, state, &mut tracker).map(Some),
        // A swap that died before switching (or while undoing) is undone: the old
        // account stays active.
        _ => {
            let reason = journal
                .rollback_reason
                .clone()
                .unwrap_or_else(|| "the swap was interrupted before the switch".to_owned());
            roll_back(ctx, lock, state, reason, &mut tracker).map(Some)
        }
    }
}

/// For commands that do not otherwise take the lock (`status`): when the state holds an
/// unfinished swap, take the lock and resolve it. A busy lock means a swap is running.
pub fn recover_if_needed(ctx: &Ctx) -> Result<Option<Outcome>> {
    match ctx.state.read() {
        Ok(state)
            if state
                .swap
                .journal
                .as_ref()
                .is_some_and(|j| j.recovery(state.swap.partial_latch.is_some()) != Recovery::LeaveLatched) => {}
        _ => return Ok(None),
    }
    let lock = match ctx.state.lock() {
        Ok(lock) => lock,
        Err(crate::state::StateError::Busy { .. }) => {
            ctx.log().info("a swap is in progress (the state lock is held)");
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    };
    let mut state = lock.load()?;
    recover(ctx, &lock, &mut state)
}

/// Moves the journal forward from its phase to the end, or back when it cannot switch.
fn advance(ctx: &Ctx, lock: &StateLock, state: &mut State, tracker: &mut Tracker<'_>) -> Result<Outcome> {
    loop {
        let phase = state.swap.journal.as_ref().expect("a journal").phase;
        match phase {
            Phase::Planned => {
                save_ids(ctx, state)?;
                set_phase(state, Phase::Saved);
                lock.save(state)?;
                ctx.fault("swap:saved");
            }
            Phase::Saved => {
                stop_sessions(ctx, lock, state, tracker, Stops::All)?;
                set_phase(state, Phase::Stopped);
                lock.save(state)?;
                ctx.fault("swap:stopped");
            }
            Phase::Stopped => match switch(ctx, state, tracker) {
                Ok(()) => {
                    set_phase(state, Phase::Switched);
                    lock.save(state)?;
                    ctx.fault("swap:switched");
                }
                Err(reason) => return roll_back(ctx, lock, state, format!("{reason:#}"), tracker),
            },
            Phase::Switched => {
                relaunch(ctx, lock, state, tracker)?;
                set_phase(state, Phase::Relaunched);
                lock.save(state)?;
                ctx.fault("swap:relaunched");
            }
            Phase::Relaunched => return finish(ctx, lock, state, tracker),
            Phase::RollingBack => {
                let reason = journal_mut(state).rollback_reason.clone().unwrap_or_else(|| "rolling back".to_owned());
                return roll_back(ctx, lock, state, reason, tracker);
            }
            Phase::Latched => {
                let latch = state.swap.partial_latch.clone();
                return Ok(Outcome::Latched {
                    since: latch.as_ref().map_or_else(|| ctx.now(), |l| l.set_at),
                    reason: latch.map_or_else(|| "the swap journal is latched".to_owned(), |l| l.reason),
                });
            }
        }
    }
}

fn set_phase(state: &mut State, phase: Phase) {
    if let Some(journal) = state.swap.journal.as_mut() {
        journal.phase = phase;
    }
}

fn journal_mut(state: &mut State) -> &mut Journal {
    state.swap.journal.as_mut().expect("a swap in progress has a journal")
}

/// Phase 1: who is involved and what will happen to each session.
fn plan(
    ctx: &Ctx,
    state: &State,
    observation: &Observation,
    from: &str,
    to: &str,
    reason: Reason,
    only: Option<&[String]>,
) -> Journal {
    let now = ctx.now();
    let config = &ctx.config;
    let clients = client::all_running(config);
    let mut sessions = Vec::new();
    // The operator's own sessions go first: they are stopped and relaunched before the pool.
    let mut names = crate::pool::session_names(ctx);
    if let Some(only) = only {
        names.retain(|(name, _)| only.contains(name));
    }
    names.sort_by_key(|(_, kind)| *kind != SessionKind::Dedicated);
    for (name, kind) in names {
        let project = config.pool.dedicated.iter().find(|d| d.name == name).map(|d| d.project.clone());
        let Some(pane) = observation.session_pane(&name) else { continue };
        let client = client::client_in_pane(&clients, &pane.pane_id, pane.pid);
        let running =
            crate::pool::claude_running(client.is_some(), &crate::process::children(pane.pid), &pane.current_command);
        let recorded = state.sessions.get(&name);
        let working = client.is_some_and(|c| c.state.status == "busy")
            || recorded.is_some_and(|r| r.status == SessionStatus::Working);
        let plan = match (running, kind, working) {
            (false, _, _) => Plan::Untouched,
            (true, SessionKind::Dedicated, _) | (true, SessionKind::Pool, true) => Plan::Resume,
            (true, SessionKind::Pool, false) => Plan::Fresh,
        };
        // The client's own command line first (an operator's `--model`), then what ccfail
        // last started the session with.
        let model = client
            .and_then(|c| crate::process::cmdline(c.state.pid))
            .and_then(|argv| model_of(&argv))
            .or_else(|| state.queue.sessions.get(&name).and_then(|m| m.model.clone()));
        let cwd = client
            .map(|c| PathBuf::from(&c.state.cwd))
            .filter(|p| !p.as_os_str().is_empty())
            .or(project)
            .or_else(|| Some(PathBuf::from(&pane.current_path)).filter(|p| !p.as_os_str().is_empty()));
        sessions.push(SwapSession {
            name,
            kind,
            plan,
            working,
            cwd,
            claude_session_id: None,
            id_source: None,
            task: recorded.and_then(|r| r.task.clone()),
            task_delivered: false,
            task_turn_ended: false,
            stop: None,
            start: None,
            outcome: None,
            model: if plan == Plan::Untouched { None } else { model },
        });
    }
    // A move leaves the active link alone: nothing of it to put back.
    let link_before = config.claude.active_link.as_deref().filter(|_| only.is_none()).and_then(accounts::link_target);
    Journal {
        from: from.to_owned(),
        to: to.to_owned(),
        reason,
        started_at: now,
        phase: Phase::Planned,
        sessions,
        link_before,
        rolled_back_from: None,
        rollback_reason: None,
        target_started_at: None,
        partial: only.is_some(),
    }
}

/// The value of `--model` (or `--model=…`) in a client's argv.
fn model_of(argv: &[String]) -> Option<String> {
    argv.iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.strip_prefix("--model") {
            Some("") => argv.get(i + 1).cloned(),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        })
        .filter(|m| !m.is_empty() && !m.starts_with('-'))
}

static UUID: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").expect("uuid regex")
});

fn valid_id(id: &str) -> Option<String> {
    let id = id.trim().to_lowercase();
    UUID.is_match(&id).then_some(id)
}

/// Phase 2: the Claude session id of every session to resume: the client's own state
/// file first, then the latest SessionStart hook event of its pane, then the newest
/// transcript of its cwd (when no other involved session shares that cwd), then a
/// `claude --resume <uuid>` line on the pane. No valid id: left at the shell.
fn save_ids(ctx: &Ctx, state: &mut State) -> Result<()> {
    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let clients = client::all_running(&ctx.config);
    let starts = session_starts(ctx);
    let delivered = tasks_delivered(ctx, state, &observation, &clients);
    let journal = journal_mut(state);
    let from_home = ctx.config.account(&journal.from).map(|a| a.home.clone());
    let mut cwd_users: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for session in journal.sessions.iter().filter(|s| s.plan == Plan::Resume) {
        if let Some(cwd) = &session.cwd {
            *cwd_users.entry(cwd.clone()).or_default() += 1;
        }
    }
    for session in &mut journal.sessions {
        let (task_delivered, turn_ended) =
            delivered.get(&session.name).copied().filter(|_| session.task.is_some()).unwrap_or_default();
        session.task_delivered = task_delivered;
        session.task_turn_ended = turn_ended;
        if session.plan != Plan::Resume || session.claude_session_id.is_some() {
            continue;
        }
        let pane = observation.session_pane(&session.name);
        let found = pane
            .and_then(|p| client::client_in_pane(&clients, &p.pane_id, p.pid))
            .and_then(|c| valid_id(&c.state.session_id))
            .map(|id| (id, "client state"))
            .or_else(|| {
                pane.and_then(|p| starts.get(&p.pane_id)).and_then(|id| valid_id(id)).map(|id| (id, "hook event"))
            })
            .or_else(|| {
                let cwd = session.cwd.as_ref().filter(|cwd| cwd_users.get(*cwd) == Some(&1))?;
                newest_transcript(from_home.as_deref()?, cwd).map(|id| (id, "transcript"))
            })
            .or_else(|| {
                let text = ctx.tmux.capture_one(&pane?.pane_id).ok()?;
                screen::parse(&text).resume_id().and_then(valid_id).map(|id| (id, "pane"))
            });
        match found {
            Some((id, source)) => {
                session.claude_session_id = Some(id);
                session.id_source = Some(source.to_owned());
            }
            None => session.plan = Plan::LeaveAtShell,
        }
    }
    Ok(())
}

/// Per pool session holding a task: whether its current prompt arrived (recorded by
/// dispatch, or proven now by the client's record of its token), and whether its turn
/// already ended normally (then it needs no continuation: watch-once completes it).
fn tasks_delivered(
    ctx: &Ctx,
    state: &State,
    observation: &Observation,
    clients: &[client::RunningClient],
) -> BTreeMap<String, (bool, bool)> {
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let events: Vec<hooks::HookEvent> = hooks::read_from(&spool, 0)
        .map(|r| r.events.into_iter().filter(|e| hooks::from_server(e, ctx.tmux.socket())).collect())
        .unwrap_or_default();
    let mut found = BTreeMap::new();
    for (name, session) in &state.sessions {
        let (Some(_), Some(memo)) = (&session.task, state.queue.sessions.get(name)) else { continue };
        let Some(token) = &memo.token else { continue };
        let since = session.since.unwrap_or(DateTime::UNIX_EPOCH);
        let pane = observation.session_pane(name);
        let mine: Vec<&hooks::HookEvent> = events
            .iter()
            .filter(|e| pane.is_some_and(|p| e.pane.as_deref() == Some(p.pane_id.as_str())) && e.at >= since)
            .collect();
        let path = pane
            .and_then(|p| client::client_in_pane(clients, &p.pane_id, p.pid))
            .and_then(|c| crate::pool::transcript_path(ctx, c))
            .or_else(|| memo.transcript.clone());
        let text = path.as_deref().and_then(delivery::read_transcript_tail);
        let evidence = delivery::Evidence { events: &mine, transcript: text.as_deref() };
        let delivered = memo.delivered || delivery::receipt(token, &evidence).is_some();
        let ended = matches!(delivery::turn(token, memo.prompt_id.as_deref(), &evidence), delivery::Turn::Done { .. });
        found.insert(name.clone(), (delivered, ended));
    }
    found
}

/// Pane → session id of the latest SessionStart hook event.
fn session_starts(ctx: &Ctx) -> BTreeMap<String, String> {
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let mut starts = BTreeMap::new();
    if let Ok(read) = hooks::read_from(&spool, 0) {
        for event in read.events.into_iter().filter(|e| e.event == "SessionStart") {
            if let (Some(pane), Some(id)) = (event.pane, event.session_id) {
                starts.insert(pane, id);
            }
        }
    }
    starts
}

fn newest_transcript(home: &Path, cwd: &Path) -> Option<String> {
    let dir = home.join("projects").join(client::project_slug(&cwd.display().to_string()));
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = valid_id(name.strip_suffix(".jsonl")?)?;
            Some((e.metadata().ok()?.modified().ok()?, id))
        })
        .max()
        .map(|(_, id)| id)
}

fn waits(ctx: &Ctx) -> Waits {
    Waits { start: ctx.config.swap.start_timeout.get(), stop: ctx.config.swap.stop_timeout.get() }
}

/// Which sessions [`stop_sessions`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stops {
    /// Every involved session whose stop is not done (the stop phase).
    All,
    /// Only those whose stop a run that died had begun (before a rollback starts them).
    Begun,
}

/// Phase 3: Claude stopped in every involved pane, `swap.parallel` at a time; dead panes
/// get a fresh shell. Each session's stop is recorded `begun` before its first key and
/// `done` after, and the state saved each time, so a run that dies mid-phase leaves
/// every session's progress. A client that printed its resume id on `/exit` fills an id
/// the save phase missed.
fn stop_sessions(
    ctx: &Ctx,
    lock: &StateLock,
    state: &mut State,
    tracker: &mut Tracker<'_>,
    which: Stops,
) -> Result<()> {
    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let mut jobs: Vec<(usize, Pane)> = Vec::new();
    for (index, session) in journal_mut(state).sessions.iter_mut().enumerate() {
        let wanted = match which {
            Stops::All => session.plan != Plan::Untouched && session.stop != Some(Mark::Done),
            Stops::Begun => session.stop == Some(Mark::Begun),
        };
        if !wanted {
            continue;
        }
        let Some(pane) = observation.session_pane(&session.name) else { continue };
        if pane.dead {
            ctx.tmux.respawn_pane(&pane.pane_id, session.cwd.as_deref(), None)?;
            session.stop = Some(Mark::Done);
            continue;
        }
        jobs.push((index, pane.clone()));
    }
    if jobs.is_empty() {
        return Ok(());
    }
    tracker.progress.step(if which == Stops::All { "stopping" } else { "finishing the stops begun" }, jobs.len());
    let waits = waits(ctx);
    let mut finished = 0;
    parallel::run(
        &jobs,
        ctx.config.swap.parallel,
        |_, (_, pane)| driver::stop(&ctx.tmux, &pane.pane_id, pane.pid, waits),
        |event| match event {
            Event::Begin(job) => {
                let index = jobs[job].0;
                let entry = &mut journal_mut(state).sessions[index];
                entry.stop = Some(Mark::Begun);
                let name = entry.name.clone();
                lock.save(state)?;
                tracker.progress.begin(&name);
                if job == 1 {
                    // One stop is in flight (with a bound of 1: done), the next recorded begun.
                    ctx.fault("swap:stopping");
                }
                Ok(())
            }
            Event::Done(job, result, took) => {
                let index = jobs[job].0;
                let name = journal_mut(state).sessions[index].name.clone();
                let stopped = result.with_context(|| format!("could not stop Claude in session {name}"))?;
                let entry = &mut journal_mut(state).sessions[index];
                entry.stop = Some(Mark::Done);
                if let Stopped::Exited { resume_id: Some(id) } = &stopped
                    && entry.claude_session_id.is_none()
                    && entry.plan == Plan::LeaveAtShell
                    && let Some(id) = valid_id(id)
                {
                    entry.claude_session_id = Some(id);
                    entry.id_source = Some("pane".to_owned());
                    entry.plan = Plan::Resume;
                }
                lock.save(state)?;
                tracker.step(&name, Step::Stop, took);
                let what = match stopped {
                    Stopped::Exited { .. } => "stopped",
                    Stopped::Killed => "stopped by signal (it did not leave on /exit)",
                    Stopped::NotRunning => "was not running",
                };
                tracker.progress.done(&name, what, took);
                finished += 1;
                if finished == 1 {
                    ctx.fault("swap:mid-stop");
                }
                Ok(())
            }
        },
    )
}

/// Phase 4: the active link flipped to the target (new link + rename) and the target's
/// shared links in place.
fn switch(ctx: &Ctx, state: &State, tracker: &mut Tracker<'_>) -> Result<()> {
    let journal = state.swap.journal.as_ref().expect("journal");
    let target =
        ctx.config.account(&journal.to).with_context(|| format!("account {} is no longer configured", journal.to))?;
    if ctx.fault_armed("swap:diverge-link") {
        // Test hook: another tool points a shared link elsewhere between plan and switch.
        if let Some(root) = &ctx.config.claude.shared.root
            && let Some(entry) = ctx.config.claude.shared.entries.first()
        {
            let link = target.home.join(entry);
            let _ = std::fs::remove_file(&link);
            let _ = std::os::unix::fs::symlink(root.join("elsewhere"), &link);
        }
    }
    if let Some(link) = ctx.config.claude.active_link.as_ref().filter(|_| !journal.partial) {
        let started = Instant::now();
        point_link(link, &target.home)?;
        tracker.link_flip = Some(started.elapsed());
        ctx.fault("swap:mid-switch");
    }
    let started = Instant::now();
    shared_links_problem(ctx, target).map_err(|problem| anyhow!("account {}: {problem}", target.name))?;
    ensure_shared_links(ctx, target)?;
    tracker.shared_links = Some(started.elapsed());
    Ok(())
}

/// Whether the target's shared links are sound or safely creatable.
fn shared_links_problem(ctx: &Ctx, account: &Account) -> std::result::Result<(), String> {
    let Some(root) = &ctx.config.claude.shared.root else { return Ok(()) };
    for entry in &ctx.config.claude.shared.entries {
        let link = account.home.join(entry);
        match accounts::check_shared_link(&account.home, root, entry) {
            Ok(SharedLink::PointsElsewhere { target }) => {
                return Err(format!(
                    "shared link {} points to {} instead of {} (never changed by ccfail: repair it, then swap again)",
                    link.display(),
                    target.display(),
                    root.join(entry).display()
                ));
            }
            Ok(SharedLink::InTheWay { what }) => {
                return Err(format!("{what} is in the way at {} where a shared link belongs", link.display()));
            }
            Err(err) => return Err(format!("{} cannot be read: {err}", link.display())),
            Ok(_) => {}
        }
    }
    Ok(())
}

fn ensure_shared_links(ctx: &Ctx, account: &Account) -> Result<()> {
    let Some(root) = &ctx.config.claude.shared.root else { return Ok(()) };
    for entry in &ctx.config.claude.shared.entries {
        if accounts::check_shared_link(&account.home, root, entry)?.fixable() {
            accounts::create_shared_link(&account.home, root, entry)
                .with_context(|| format!("could not create the shared link {}", account.home.join(entry).display()))?;
        }
    }
    Ok(())
}

/// Points `link` at `target` atomically: a new link beside it, renamed over it. A real
/// file or directory at `link` is never replaced.
fn point_link(link: &Path, target: &Path) -> Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(link)
        && !meta.file_type().is_symlink()
    {
        anyhow::bail!("the active link {} is a real file or directory (never replaced by ccfail)", link.display());
    }
    let temp = link.with_file_name(format!(
        ".{}.ccfail-new",
        link.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(target, &temp).with_context(|| format!("could not create {}", temp.display()))?;
    std::fs::rename(&temp, link).with_context(|| format!("could not replace the active link {}", link.display()))?;
    if let Some(dir) = link.parent() {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Phase 5: every session started again on the target, each verified at its input box.
/// A failure is recorded on the session and does not undo the swap.
fn relaunch(ctx: &Ctx, lock: &StateLock, state: &mut State, tracker: &mut Tracker<'_>) -> Result<()> {
    let journal = journal_mut(state);
    journal.target_started_at.get_or_insert(ctx.now());
    let to = journal.to.clone();
    relaunch_on(ctx, lock, state, &to, true, tracker)
}

/// One start handed to a worker.
struct StartJob {
    index: usize,
    session: SwapSession,
    pane: Pane,
    /// A run that died had typed the command and the client runs: only wait for its box.
    resume_wait: bool,
}

/// Starts the sessions of the journal on `account`, `swap.parallel` at a time, each
/// recorded `begun` before its command is typed and with its outcome when it is at its
/// input box (or failed); `continue_tasks` types the continuation prompt into resumed
/// pool sessions whose task's prompt had arrived (on this thread: it records a token in
/// state first).
fn relaunch_on(
    ctx: &Ctx,
    lock: &StateLock,
    state: &mut State,
    account_name: &str,
    continue_tasks: bool,
    tracker: &mut Tracker<'_>,
) -> Result<()> {
    let account =
        ctx.config.account(account_name).with_context(|| format!("account {account_name} is not configured"))?.clone();
    let observation = ctx.tmux.observe().context("could not observe tmux")?;
    let mut jobs = Vec::new();
    let count = journal_mut(state).sessions.len();
    for index in 0..count {
        let session = journal_mut(state).sessions[index].clone();
        if !matches!(session.plan, Plan::Resume | Plan::Fresh) || session.outcome.is_some() {
            continue;
        }
        let pane = observation.session_pane(&session.name);
        let running = pane.is_some_and(|pane| {
            crate::pool::claude_running(false, &crate::process::children(pane.pid), &pane.current_command)
        });
        let outcome = match pane {
            None => SessionOutcome::Failed { reason: "the tmux session is gone".to_owned() },
            Some(_) if running && session.start != Some(Mark::Begun) => SessionOutcome::AlreadyRunning,
            Some(pane) => {
                jobs.push(StartJob { index, pane: pane.clone(), resume_wait: running, session });
                continue;
            }
        };
        if outcome.failed() {
            tracker
                .progress
                .note(Level::Error, &format!("session {}: relaunch on {account_name} {outcome}", session.name));
        }
        journal_mut(state).sessions[index].outcome = Some(outcome);
    }
    lock.save(state)?;
    if jobs.is_empty() {
        return Ok(());
    }
    tracker.progress.step(&format!("starting on {account_name}"), jobs.len());
    let mut finished = 0;
    parallel::run(
        &jobs,
        ctx.config.swap.parallel,
        |_, job| launch(ctx, &account, job),
        |event| match event {
            Event::Begin(j) => {
                journal_mut(state).sessions[jobs[j].index].start = Some(Mark::Begun);
                lock.save(state)?;
                tracker.progress.begin(&jobs[j].session.name);
                if j == 1 {
                    ctx.fault("swap:starting");
                }
                Ok(())
            }
            Event::Done(j, result, took) => {
                let job = &jobs[j];
                let name = &job.session.name;
                let outcome = match result {
                    Ok(steps) => {
                        tracker.step(name, Step::Start, steps.typed);
                        tracker.step(name, Step::Verify, steps.ready);
                        let started = Instant::now();
                        let outcome = after_start(ctx, lock, state, &account, &job.session, &job.pane, continue_tasks)
                            .unwrap_or_else(|err| SessionOutcome::Failed { reason: format!("{err:#}") });
                        if matches!(outcome, SessionOutcome::Continued { .. }) {
                            tracker.step(name, Step::Continue, started.elapsed());
                        }
                        outcome
                    }
                    Err(err) => SessionOutcome::Failed { reason: format!("{err:#}") },
                };
                if outcome.failed() {
                    tracker
                        .progress
                        .note(Level::Error, &format!("session {name}: relaunch on {account_name} {outcome}"));
                }
                tracker.progress.done(name, &outcome.to_string(), took);
                let entry = &mut journal_mut(state).sessions[job.index];
                entry.start = Some(Mark::Done);
                entry.outcome = Some(outcome);
                lock.save(state)?;
                finished += 1;
                if finished == 1 {
                    ctx.fault("swap:mid-relaunch");
                }
                Ok(())
            }
        },
    )
}

/// How long a start's two halves took.
struct Started {
    typed: Duration,
    ready: Duration,
}

/// A worker's part of a start: the trust pre-accepted, the shell moved to the
/// conversation's folder, the command typed, the client waited for at its input box.
fn launch(ctx: &Ctx, account: &Account, job: &StartJob) -> Result<Started> {
    let session = &job.session;
    let resume = if session.plan == Plan::Resume { session.claude_session_id.as_deref() } else { None };
    let command = driver::command_line(&ctx.config, account, &Launch { resume, model: session.model.as_deref() });
    let typing = Instant::now();
    if !job.resume_wait {
        if let Some(cwd) = &session.cwd {
            driver::pre_accept_trust(&account.home, cwd)?;
            // The client starts in the shell's cwd; make it the conversation's.
            let line = format!("cd {}", driver::quote(&cwd.display().to_string()));
            typing::shell_line(&ctx.tmux, &job.pane.pane_id, &line, ctx.config.tmux.enter_delay.get())?;
        }
        driver::type_start(&ctx.tmux, &job.pane.pane_id, &command)?;
    }
    let typed = typing.elapsed();
    let waiting = Instant::now();
    driver::wait_ready(&ctx.tmux, &job.pane.pane_id, &command, &account.home, waits(ctx))?;
    Ok(Started { typed, ready: waiting.elapsed() })
}

/// The outcome of a session whose client is at its input box; a working pool session's
/// task is told to continue when its prompt had arrived.
fn after_start(
    ctx: &Ctx,
    lock: &StateLock,
    state: &mut State,
    account: &Account,
    session: &SwapSession,
    pane: &Pane,
    continue_tasks: bool,
) -> Result<SessionOutcome> {
    let enter_delay = ctx.config.tmux.enter_delay.get();
    let resume = if session.plan == Plan::Resume { session.claude_session_id.as_deref() } else { None };
    let account_name = account.name.clone();
    let carries_task = continue_tasks
        && session.kind == SessionKind::Pool
        && session.working
        && resume.is_some()
        && session.task.is_some();
    if !carries_task {
        return Ok(match resume {
            Some(_) => SessionOutcome::Resumed { account: account_name },
            None => SessionOutcome::Fresh { account: account_name },
        });
    }
    if session.task_turn_ended {
        // Its turn had ended normally before the swap: watch-once completes it from that
        // turn's Stop; a continuation would only replace the proof.
        return Ok(SessionOutcome::Resumed { account: account_name });
    }
    if !session.task_delivered {
        // A continuation would be taken for the task's own prompt: leave the claim
        // unproven, so watch-once gives it back and dispatch sends the task itself.
        return Ok(SessionOutcome::ResumedTaskResent { account: account_name });
    }
    // The continuation is a turn of its own, with its own token, recorded before it is
    // typed: only its own Stop can complete the task now.
    let token = delivery::new_token();
    let prompt = delivery::stamp(&crate::commands::dispatch::one_line(&ctx.config.swap.continue_prompt), &token);
    let memo = state.queue.sessions.entry(session.name.clone()).or_default();
    // The earlier turn is remembered: if it ended normally after all, that completes it.
    if let Some(previous) = memo.token.take() {
        memo.earlier_tokens.push(previous);
    }
    memo.token = Some(token.clone());
    memo.delivered = false;
    memo.prompt_id = None;
    memo.idle_since = None;
    lock.save(state)?;
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let spool_start = std::fs::metadata(&spool).map_or(0, |m| m.len());
    let typed = typing::box_prompts(&ctx.tmux, &[(pane.pane_id.as_str(), prompt.as_str())], enter_delay, || {});
    if let Some(Err(why)) = typed.into_iter().next() {
        ctx.log().warn(&format!("session {}: the continuation prompt was not sent: {why}", session.name));
        return Ok(SessionOutcome::ResumedTaskResent { account: account_name });
    }
    // Seen arriving before the swap ends, as dispatch does: a watch-once right after
    // must not take a continuation the client has not yet reported for one that never
    // came (with parallel starts the last session's continuation ends the swap).
    if let Some(receipt) = continuation_receipt(ctx, pane, &token, &spool, spool_start) {
        let memo = state.queue.sessions.entry(session.name.clone()).or_default();
        memo.delivered = true;
        memo.prompt_id = receipt.prompt_id;
        lock.save(state)?;
    }
    Ok(SessionOutcome::Continued { account: account_name })
}

/// Polls, up to `dispatch.submit_wait`, for the client's record of `token`: a
/// UserPromptSubmit hook event of the pane since `spool_start`, or its transcript line.
fn continuation_receipt(
    ctx: &Ctx,
    pane: &Pane,
    token: &str,
    spool: &Path,
    spool_start: u64,
) -> Option<delivery::Receipt> {
    let started = Instant::now();
    loop {
        let events: Vec<hooks::HookEvent> = hooks::read_from(spool, spool_start)
            .map(|r| r.events.into_iter().filter(|e| e.pane.as_deref() == Some(pane.pane_id.as_str())).collect())
            .unwrap_or_default();
        let mine: Vec<&hooks::HookEvent> = events.iter().collect();
        let transcript = client::client_in_pane(&client::all_running(&ctx.config), &pane.pane_id, pane.pid)
            .and_then(|c| crate::pool::transcript_path(ctx, c))
            .and_then(|path| delivery::read_transcript_tail(&path));
        let evidence = delivery::Evidence { events: &mine, transcript: transcript.as_deref() };
        if let Some(receipt) = delivery::receipt(token, &evidence) {
            return Some(receipt);
        }
        if started.elapsed() >= ctx.config.dispatch.submit_wait.get() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What one run of the swap reports as it goes (progress) and, with `-v`, at the end
/// (how long each step took, per session).
struct Tracker<'a> {
    progress: Progress<'a>,
    log: &'a crate::log::Logger,
    title: String,
    sessions: BTreeMap<String, Vec<(Step, Duration)>>,
    link_flip: Option<Duration>,
    shared_links: Option<Duration>,
    started: Instant,
}

/// The timed steps of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Stop,
    /// The `cd` and the start command typed.
    Start,
    /// From the command to the input box (dialogs answered on the way).
    Verify,
    /// The continuation prompt typed and seen to arrive.
    Continue,
}

impl Step {
    fn word(self) -> &'static str {
        match self {
            Step::Stop => "stop",
            Step::Start => "start",
            Step::Verify => "verify",
            Step::Continue => "continue",
        }
    }
}

impl<'a> Tracker<'a> {
    fn new(ctx: &'a Ctx, journal: &Journal, suffix: &str) -> Tracker<'a> {
        let what = if journal.partial { "move" } else { "swap" };
        let title = format!("{what} {} -> {}{suffix}", journal.from, journal.to);
        Tracker {
            progress: ctx.progress(title.clone()),
            log: ctx.log(),
            title,
            sessions: BTreeMap::new(),
            link_flip: None,
            shared_links: None,
            started: Instant::now(),
        }
    }

    fn step(&mut self, session: &str, step: Step, took: Duration) {
        self.sessions.entry(session.to_owned()).or_default().push((step, took));
    }

    /// The summary line, then (`-v`) the timings of every step.
    fn finish(&mut self, summary: &str) {
        self.progress.finish(&format!("{summary} in {}", progress::seconds(self.started.elapsed())));
        for line in timing_lines(&self.title, self.link_flip, self.shared_links, &self.sessions) {
            self.log.debug(&line);
        }
    }
}

/// Pure: the `-v` lines, the switch's steps first, then one line per session.
fn timing_lines(
    title: &str,
    link_flip: Option<Duration>,
    shared_links: Option<Duration>,
    sessions: &BTreeMap<String, Vec<(Step, Duration)>>,
) -> Vec<String> {
    let mut lines = Vec::new();
    let switch: Vec<String> = [("link flip", link_flip), ("shared links", shared_links)]
        .into_iter()
        .filter_map(|(what, took)| took.map(|t| format!("{what} {}", progress::seconds(t))))
        .collect();
    if !switch.is_empty() {
        lines.push(format!("{title} timings: {}", switch.join(", ")));
    }
    for (name, steps) in sessions {
        let steps: Vec<String> =
            steps.iter().map(|(step, took)| format!("{} {}", step.word(), progress::seconds(*took))).collect();
        lines.push(format!("{title} timings: {name}: {}", steps.join(", ")));
    }
    lines
}

/// Phase 6: the target is the active account (a move: the sessions' account); the
/// journal becomes history.
fn finish(ctx: &Ctx, lock: &StateLock, state: &mut State, tracker: &mut Tracker<'_>) -> Result<Outcome> {
    let now = ctx.now();
    let journal = state.swap.journal.take().expect("journal");
    // Clients on the target answered from their first start, not from the swap's end.
    let started = journal.target_started_at.unwrap_or(now).min(now);
    let what = if journal.partial { "move" } else { "swap" };
    if !journal.partial {
        state.set_active(&journal.to, started);
        let relaunch_failed: Vec<String> = journal
            .sessions
            .iter()
            .filter_map(|s| s.outcome.as_ref().filter(|o| o.failed()).map(|o| format!("{}: {o}", s.name)))
            .collect();
        state.swap.last = Some(SwapRecord {
            from: journal.from.clone(),
            to: journal.to.clone(),
            at: now,
            reason: journal.reason.describe(),
            relaunch_failed,
        });
        state.quota.suspicions.clear();
    }
    record_placements(state, &journal, started, now);
    let failed = journal.sessions.iter().filter(|s| s.outcome.as_ref().is_some_and(SessionOutcome::failed)).count();
    state
        .record(
            now,
            &format!("{what}-done"),
            format!(
                "{} -> {}; {} sessions relaunched, {failed} failed",
                journal.from,
                journal.to,
                journal.sessions.len()
            ),
        )
        .account(&journal.to)
        .data(json!({ "from": journal.from, "to": journal.to, "sessions": session_lines(&journal) }));
    lock.save(state)?;
    if !journal.partial || failed > 0 {
        ctx.notify(
            "swap_done",
            format!(
                "{what} {} -> {} done: {} sessions, {failed} relaunch failures",
                journal.from,
                journal.to,
                journal.sessions.len()
            ),
            json!({ "from": journal.from, "to": journal.to, "sessions": journal.sessions, "partial": journal.partial }),
        );
    }
    tracker.finish(&format!("done, {} sessions, {failed} relaunch failures", journal.sessions.len()));
    Ok(Outcome::Done { from: journal.from, to: journal.to, sessions: journal.sessions })
}

/// Each session that came back on the target runs on it now: its account, when it
/// moved, where a limit drove it from (a swap by hand drives it from nowhere), and its
/// conversation's placement for the usage counts.
fn record_placements(state: &mut State, journal: &Journal, started: DateTime<Utc>, now: DateTime<Utc>) {
    let displaced_from = match &journal.reason {
        Reason::Manual => None,
        Reason::Placement { why: crate::placement::Why::Return } => None,
        Reason::QuotaHit { .. } | Reason::Proactive { .. } | Reason::Placement { .. } => Some(journal.from.clone()),
    };
    for session in &journal.sessions {
        let Some(outcome) = &session.outcome else { continue };
        if outcome.failed() || *outcome == SessionOutcome::AlreadyRunning {
            continue;
        }
        if let Some(id) = &session.claude_session_id {
            state.place(id, &journal.to, started);
        }
        let recorded =
            state.sessions.entry(session.name.clone()).or_insert_with(|| crate::state::SessionState::new(session.kind));
        if let Some(id) = &session.claude_session_id {
            recorded.claude_session_id = Some(id.clone());
        }
        recorded.account = Some(journal.to.clone());
        recorded.moved_at = Some(now);
        recorded.displaced_from = displaced_from.clone();
    }
}

/// Undoes a swap that could not switch: the active link back where it was, the stopped
/// sessions started again on the old account, the journal closed as failed. If the link
/// cannot be put back, the partial-swap latch is set.
fn roll_back(
    ctx: &Ctx,
    lock: &StateLock,
    state: &mut State,
    reason: String,
    tracker: &mut Tracker<'_>,
) -> Result<Outcome> {
    let now = ctx.now();
    {
        // Recorded first: a run that dies while undoing is undone again, never finished.
        let journal = journal_mut(state);
        if journal.phase != Phase::RollingBack {
            journal.rolled_back_from = Some(journal.phase);
            journal.phase = Phase::RollingBack;
            journal.rollback_reason = Some(reason.clone());
            lock.save(state)?;
        }
    }
    let journal = state.swap.journal.clone().expect("journal");
    tracker
        .progress
        .note(Level::Error, &format!("swap {} -> {} failed: {reason}; rolling back", journal.from, journal.to));
    if let Some(link) = &ctx.config.claude.active_link {
        let restore = match &journal.link_before {
            Some(before) => {
                if ctx.fault_armed("swap:fail-rollback") {
                    Err(anyhow!("injected failure: the active link could not be put back"))
                } else {
                    point_link(link, before)
                }
            }
            None => Ok(()),
        };
        if let Err(err) = restore {
            let latch_reason = format!(
                "swap {} -> {} failed ({reason}) and the rollback failed too ({err:#}); the active link {} may point \
                 at the wrong account",
                journal.from,
                journal.to,
                link.display()
            );
            state.swap.partial_latch = Some(PartialSwapLatch { set_at: now, reason: latch_reason.clone() });
            journal_mut(state).phase = Phase::Latched;
            // The swap never switched: `from` stays the active account whatever the
            // link now says (nothing else may take the half-flipped link for the truth).
            if state.active_account().is_none() {
                state.set_active(&journal.from, journal.started_at);
            }
            state.record(now, "swap-partial", latch_reason.clone());
            lock.save(state)?;
            ctx.notify(
                "partial_swap_latch",
                format!("PARTIAL SWAP, latch set: {latch_reason}"),
                json!({ "from": journal.from, "to": journal.to, "reason": latch_reason }),
            );
            // The conversations are still saved in the journal; leave it for the operator.
            return Ok(Outcome::Partial { from: journal.from, to: journal.to, reason: latch_reason });
        }
    }
    // Sessions stopped for the swap go back to work on the old account.
    if journal.stopped_any() {
        // A stop that a run which died had begun is finished first: its client may be
        // halfway out, `/exit` in its box.
        stop_sessions(ctx, lock, state, tracker, Stops::Begun)?;
        relaunch_on(ctx, lock, state, &journal.from, false, tracker)?;
    }
    let journal = state.swap.journal.take().expect("journal");
    state
        .record(now, "swap-failed", format!("{} -> {}: {reason}; rolled back", journal.from, journal.to))
        .account(&journal.to)
        .data(json!({ "from": journal.from, "to": journal.to, "sessions": session_lines(&journal) }));
    lock.save(state)?;
    ctx.notify(
        "swap_failed",
        format!("swap {} -> {} failed and was rolled back: {reason}", journal.from, journal.to),
        json!({ "from": journal.from, "to": journal.to, "reason": reason }),
    );
    tracker.finish(&format!("rolled back, {} is still active", journal.from));
    Ok(Outcome::RolledBack { from: journal.from, to: journal.to, reason, sessions: journal.sessions })
}

/// `swap --clear-partial`: the active link and every account's shared links are checked;
/// the latch is cleared only when all are sound.
pub fn clear_partial(ctx: &Ctx, state: &mut State) -> std::result::Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if let Some((active, _)) = accounts::active_account(&ctx.config, Some(state))
        && let Some(link) = &ctx.config.claude.active_link
    {
        match accounts::link_target(link) {
            Some(target) if accounts::same_place(&target, &active.home) => {}
            target => problems.push(format!(
                "the active link {} points to {} but the active account is {} ({}): ln -sfn {} {}",
                link.display(),
                target.map_or_else(|| "nothing".to_owned(), |t| t.display().to_string()),
                active.name,
                active.home.display(),
                active.home.display(),
                link.display()
            )),
        }
    }
    for account in &ctx.config.accounts {
        if let Err(problem) = shared_links_problem(ctx, account) {
            problems.push(format!("account {}: {problem}", account.name));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    state.swap.partial_latch = None;
    // The journal still knows the sessions the swap stopped: with the links sound, the
    // caller's recover rolls it back and starts them again on the active account.
    if let Some(journal) = state.swap.journal.as_mut() {
        journal.phase = Phase::RollingBack;
    }
    state.record(ctx.now(), "latch-cleared", "links re-validated by the operator");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn the_timings_name_the_switch_then_every_session_in_step_order() {
        let mut sessions = BTreeMap::new();
        sessions.insert(
            "w1".to_owned(),
            vec![
                (Step::Stop, Duration::from_millis(810)),
                (Step::Start, Duration::from_millis(120)),
                (Step::Verify, Duration::from_millis(1900)),
                (Step::Continue, Duration::from_millis(600)),
            ],
        );
        sessions.insert("w2".to_owned(), vec![(Step::Stop, Duration::from_millis(700))]);
        let lines =
            timing_lines("swap a -> b", Some(Duration::from_micros(400)), Some(Duration::from_millis(2)), &sessions);
        assert_eq!(
            lines,
            [
                "swap a -> b timings: link flip 0.4 ms, shared links 2.0 ms",
                "swap a -> b timings: w1: stop 0.81 s, start 0.12 s, verify 1.90 s, continue 0.60 s",
                "swap a -> b timings: w2: stop 0.70 s",
            ]
        );
        assert!(timing_lines("swap a -> b", None, None, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn the_model_is_read_from_the_clients_command_line() {
        assert_eq!(model_of(&argv(&["claude", "--model", "sonnet", "--resume", "x"])).as_deref(), Some("sonnet"));
        assert_eq!(model_of(&argv(&["/opt/claude", "--model=opus"])).as_deref(), Some("opus"));
        assert_eq!(model_of(&argv(&["claude", "--dangerously-skip-permissions"])), None);
        assert_eq!(model_of(&argv(&["claude", "--model"])), None);
        assert_eq!(model_of(&argv(&["claude", "--model", "--resume"])), None);
    }
}
