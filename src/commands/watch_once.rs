//! `ccfail watch-once`: one pass over the pool and dedicated sessions.
//!
//! lock → observe (one `list-panes`, one batched capture with scrollback for the
//! checkpoints, the clients' state files, hook events since the queue's own spool
//! offset, transcript sizes) → judge each session holding a task
//! ([`crate::queue::watch::judge`], pure) → apply the task moves and save → apply the
//! slow session work (recycle, restart, recreate, start Claude up to `pool.min`; in
//! parallel threads) → checkpoints → save → report.
//!
//! Dedicated sessions are the operator's: their state is recorded and checkpointed,
//! nothing is ever typed into them, and they are never stopped or killed. Names outside
//! the pool range are never created, killed or touched.
//!
//! A session ccfail knows that is found without its tmux session (a reboot, a killed
//! server or session) is brought back by [`crate::recovery`]: created again in its dir
//! (a dedicated one in its project), its conversation resumed on the active account,
//! its claimed task told to go on; the machine's failure never counts an attempt.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts;
use crate::attribution;
use crate::cli::WatchOnceArgs;
use crate::config::{Account, fill};
use crate::ctx::Ctx;
use crate::delivery;
use crate::driver::{self, Launch, Waits};
use crate::exit::ExitCode;
use crate::hooks::HookEvent;
use crate::notify::notify;
use crate::pool::{self, Activity, Source, View, World};
use crate::queue::ops::{self, Requeued};
use crate::queue::watch::{self, Facts, Limits, Verdict};
use crate::queue::{self, Location};
use crate::quota::{self, Classification};
use crate::recovery::{self, Step, TaskAfter};
use crate::render;
use crate::state::{
    Recovering, SessionKind, SessionState, SessionStatus, SessionWatch, State, StateLock, write_atomically,
};
use crate::tmux::NewSession;
use crate::typing;

#[derive(Debug, Serialize)]
pub struct WatchReport {
    pub at: DateTime<Utc>,
    pub dry_run: bool,
    pub sessions: Vec<SessionLine>,
    pub actions: Vec<Action>,
    pub checkpoints: usize,
    /// Sessions that could not be restarted or recreated.
    pub unrecovered: Vec<String>,
    /// The session work held back while pool upkeep is paused (logged once per pause).
    pub upkeep_paused: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SessionLine {
    pub name: String,
    pub kind: SessionKind,
    pub activity: Activity,
    pub source: Source,
    pub task: Option<String>,
    pub status: Option<SessionStatus>,
}

/// One thing watch-once does (or, with `--dry-run`, would do): the plan is a list of
/// these, the same in both, and the real run carries them out in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub session: String,
    pub what: ActionKind,
    pub task: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// The task to `done/`.
    Complete,
    /// The task back to the inbox, one more attempt counted.
    Requeue,
    /// The task to `failed/`: its attempts are used up.
    Fail,
    /// The task back to the inbox uncounted: its prompt never arrived.
    Unclaim,
    /// The claim dropped: the file is no longer `.dispatched`.
    Release,
    /// Flagged (and notified) once.
    Stalled,
    /// The continue prompt typed: the limit has reset.
    Continue,
    /// A lost session created again in its dir and its conversation resumed
    /// (`claude --resume`), or a fresh client there when it has none to resume; a task
    /// it holds is told to go on.
    Resume,
    Recycle,
    Recreate,
    Respawn,
    Start,
}

impl ActionKind {
    pub fn word(self) -> &'static str {
        match self {
            ActionKind::Complete => "complete",
            ActionKind::Requeue => "requeue",
            ActionKind::Fail => "fail",
            ActionKind::Unclaim => "unclaim",
            ActionKind::Release => "release",
            ActionKind::Stalled => "stalled",
            ActionKind::Continue => "continue",
            ActionKind::Resume => "resume",
            ActionKind::Recycle => "recycle",
            ActionKind::Recreate => "recreate",
            ActionKind::Respawn => "respawn",
            ActionKind::Start => "start",
        }
    }
}

/// The file moves and notices behind the task actions, carried out by [`apply`] only.
enum Effect<'p> {
    Complete {
        project: &'p queue::Project,
        id: String,
        session: String,
        how: &'static str,
    },
    Requeue {
        project: &'p queue::Project,
        id: String,
        reason: String,
        planned: Requeued,
    },
    Unclaim {
        project: &'p queue::Project,
        id: String,
        session: String,
        why: &'static str,
    },
    Notify {
        event: &'static str,
        text: String,
    },
    /// The continue prompt, with a token of its own, into a session parked on the limit.
    Continue {
        session: String,
        pane: String,
    },
}

pub fn run(ctx: &Ctx, args: &WatchOnceArgs) -> Result<ExitCode> {
    let (report, journal) = super::timer_pass(ctx, args.dry_run, |lock, state| watch(ctx, lock, state, args.dry_run))?;
    super::print_timer(ctx, args.json, &report, &journal, "")?;
    Ok(if report.unrecovered.is_empty() { ExitCode::Ok } else { ExitCode::WatchUnrecovered })
}

/// Session work that takes seconds, done after the task moves are saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// `/exit` and a fresh Claude: after a done task, or to recover a failed session.
    Recycle,
    /// Create the tmux session.
    Recreate,
    /// Restart the pane's dead process.
    Respawn,
    /// Start Claude at the shell.
    Start,
    /// Take a lost session's recovery one step further (its [`crate::state::Recovering`]
    /// says how): create or respawn, start with `--resume`, tell its task to go on.
    Recover,
}

pub fn watch(ctx: &Ctx, lock: &StateLock, state: &mut State, dry_run: bool) -> Result<WatchReport> {
    let now = ctx.now();
    let config = &ctx.config;
    let names = pool::session_names(ctx);
    let world = World::observe(ctx, &names, config.checkpoint.lines, state.queue.spool_offset)?;
    let (projects, mut notes) = queue::projects(config);
    notes.extend(world.notes.iter().cloned());
    let limits = Limits {
        idle_grace: duration(config.watch.idle_grace.get()),
        stall_after: duration(config.watch.stall_after.get()),
        restart_after: duration(config.watch.restart_after.get()),
    };
    let mut report = WatchReport {
        at: now,
        dry_run,
        sessions: Vec::new(),
        actions: Vec::new(),
        checkpoints: 0,
        unrecovered: Vec::new(),
        upkeep_paused: None,
        notes,
    };
    let mut work: Vec<(String, Work)> = Vec::new();
    let mut effects: Vec<Effect<'_>> = Vec::new();
    let views: Vec<View<'_>> = names.iter().map(|(name, kind)| world.view(name, *kind)).collect();
    // Where the conversations run, from the clients the views already matched to panes.
    let seen = attribution::seen(&world.clients, views.iter().filter_map(|v| Some((v.name.as_str(), v.client?))));
    attribution::apply(state, &attribution::sightings(&seen, state, now));
    if !world.observation.server_running
        && names.iter().any(|(name, _)| {
            state.sessions.get(name).is_some_and(|s| s.claude_session_id.is_some() || s.task.is_some())
        })
    {
        report.notes.push(format!(
            "no tmux server answers{} while ccfail knows sessions (a reboot or a lost server): they are brought back",
            ctx.tmux.socket().map(|s| format!(" on {}", s.display())).unwrap_or_default()
        ));
    }
    let active_home = accounts::active_account(config, Some(state)).map(|(account, _)| account.home.clone());

    for view in &views {
        let name = view.name.clone();
        let is_pool = view.kind == SessionKind::Pool;
        let entry = state.sessions.entry(name.clone()).or_insert_with(|| SessionState::new(view.kind));
        entry.kind = view.kind;
        if let Some(client) = view.client {
            entry.claude_session_id = Some(client.state.session_id.clone());
            if !client.state.cwd.is_empty() {
                entry.cwd = Some(PathBuf::from(&client.state.cwd));
            }
        }
        // While upkeep is paused a lost session stays lost (the operator may have stopped
        // it on purpose): its task goes back by the usual rules below.
        let upkeep_paused = state.pause.upkeep.is_some();
        if entry.recovering.is_none() && view.activity == Activity::Absent && !upkeep_paused {
            let (lost, dir) = lost_facts(ctx, state, &name, view.kind, active_home.as_deref());
            if let Some(plan) = recovery::after_loss(&lost) {
                plan_recovery(ctx, state, &projects, &mut report, &mut effects, &name, plan, dir, now);
            }
        }
        if let Some(recovering) = state.sessions.get(&name).and_then(|e| e.recovering.clone()) {
            let memo = state.queue.sessions.entry(name.clone()).or_default();
            let received = recovering.go_on.as_deref().and_then(|token| {
                let transcript = transcript_of(ctx, view, memo).1;
                let events: Vec<&HookEvent> = view
                    .pane
                    .map(|p| world.events_of(&p.pane_id).filter(|e| e.at >= recovering.since).collect())
                    .unwrap_or_default();
                delivery::receipt(token, &delivery::Evidence { events: &events, transcript: transcript.as_deref() })
            });
            match recovery::next_step(&recovering, view.activity, received.is_some()) {
                Step::Create | Step::Respawn | Step::Start | Step::GoOn if upkeep_paused => {
                    // Held with the rest of the session work; taken up again on resume.
                    work.push((name.clone(), Work::Recover));
                }
                Step::Create | Step::Respawn | Step::Start | Step::GoOn => {
                    work.push((name.clone(), Work::Recover));
                    let what = recovering
                        .resume
                        .as_deref()
                        .map_or_else(|| "a fresh client".to_owned(), |id| format!("claude --resume {id}"));
                    let go_on = if recovering.go_on.is_some() { "; its task told to go on" } else { "" };
                    let task = state.sessions.get(&name).and_then(|e| e.task.clone());
                    push(
                        &mut report,
                        &name,
                        ActionKind::Resume,
                        task.as_deref(),
                        format!("{what} in {}{go_on}", recovering.dir.display()),
                    );
                }
                Step::Finished => {
                    if let Some(receipt) = received {
                        memo.delivered = true;
                        memo.prompt_id = receipt.prompt_id;
                    }
                    if let Some(entry) = state.sessions.get_mut(&name) {
                        entry.recovering = None;
                    }
                    if !dry_run {
                        ctx.log().info(&format!("{name} is back ({})", describe(&recovering)));
                    }
                }
                Step::Wait => {}
            }
            continue;
        }
        let entry = state.sessions.get_mut(&name).expect("entry exists");
        let Some(key) = entry.task.clone() else {
            // No task: record what the session does; recover a failed pool session.
            match view.kind {
                SessionKind::Dedicated => {
                    entry.status = match view.activity {
                        Activity::Busy | Activity::Waiting => SessionStatus::Working,
                        _ => SessionStatus::Idle,
                    };
                }
                SessionKind::Pool if entry.status == SessionStatus::Failed => {
                    if matches!(view.activity, Activity::Idle | Activity::Shell | Activity::Busy | Activity::Waiting) {
                        work.push((name.clone(), Work::Recycle));
                    }
                }
                SessionKind::Pool => entry.status = SessionStatus::Idle,
            }
            continue;
        };
        let Some((project, id)) = ops::resolve(&projects, &key) else {
            report.notes.push(format!("{name}: its task {key:?} names no registered project; claim released"));
            ops::release(state, &name, SessionStatus::Idle, now);
            continue;
        };
        let location = queue::locate(project, &id);
        if location != Location::Claimed {
            // A crash between a move and the save, or an operator's hand: the file's
            // name is the truth.
            push(&mut report, &name, ActionKind::Release, Some(&key), format!("the task is already {location:?}"));
            ops::release(state, &name, SessionStatus::Idle, now);
            // Done, or failed by an operator's cancel that ended before its save: the
            // conversation of that task goes no further.
            if is_pool && matches!(location, Location::Done | Location::Failed) {
                work.push((name.clone(), Work::Recycle));
            }
            continue;
        }
        let since = entry.since.unwrap_or(DateTime::UNIX_EPOCH);
        let memo = state.queue.sessions.entry(name.clone()).or_default();
        let transcript = transcript_of(ctx, view, memo);
        if memo.transcript.is_none() {
            memo.transcript.clone_from(&transcript.0);
        }
        let events: Vec<&HookEvent> =
            view.pane.map(|p| world.events_of(&p.pane_id).filter(|e| e.at >= since).collect()).unwrap_or_default();
        let evidence = delivery::Evidence { events: &events, transcript: transcript.1.as_deref() };
        // An earlier turn of this claim (before a swap's continuation) that ended
        // normally completes the task, whatever became of the continuation.
        let earlier_done = memo
            .earlier_tokens
            .iter()
            .map(|token| delivery::turn(token, None, &evidence))
            .find(|turn| matches!(turn, delivery::Turn::Done { .. }));
        if !memo.delivered && earlier_done.is_none() {
            // Dispatch ended between saving the claim and seeing the prompt arrive, or
            // a swap sent the task again: only the client's record of the token counts.
            if let Some(receipt) = memo.token.as_deref().and_then(|token| delivery::receipt(token, &evidence)) {
                memo.delivered = true;
                memo.prompt_id = receipt.prompt_id;
            } else if matches!(view.activity, Activity::Busy | Activity::Waiting | Activity::Unknown) {
                continue;
            } else {
                push(&mut report, &name, ActionKind::Unclaim, Some(&key), "the prompt never arrived".to_owned());
                effects.push(Effect::Unclaim {
                    project,
                    id: id.clone(),
                    session: name.clone(),
                    why: "the prompt never reached it",
                });
                ops::release(state, &name, SessionStatus::Idle, now);
                continue;
            }
        }
        let turn = match (earlier_done, &memo.token) {
            (Some(done), _) => done,
            (None, Some(token)) => delivery::turn(token, memo.prompt_id.as_deref(), &evidence),
            (None, None) => delivery::Turn::NotDelivered,
        };
        let facts = Facts { turn, ..facts(ctx, view, &world, state, project, &id, since) };
        let memo = state.queue.sessions.entry(name.clone()).or_default();
        let verdict = watch::judge(&facts, memo, &limits, now);
        match verdict {
            Verdict::Parked => {
                // At the reset the conversation goes on where it stopped: by the client
                // itself when it says so (2.1.332), else by ccfail's continue prompt.
                let reset_passed = accounts::active_account(config, Some(state))
                    .and_then(|(active, _)| state.accounts.get(&active.name).and_then(|a| a.drained_until))
                    .is_some_and(|until| until <= now);
                let client_continues = view.screen.as_ref().is_some_and(quota::patterns::client_continues_by_itself);
                if reset_passed && !client_continues && view.activity == Activity::Idle {
                    push(&mut report, &name, ActionKind::Continue, Some(&key), "the limit has reset".to_owned());
                    if let Some(pane) = view.pane {
                        effects.push(Effect::Continue { session: name.clone(), pane: pane.pane_id.clone() });
                    }
                }
            }
            Verdict::Working => {
                if let Some(entry) = state.sessions.get_mut(&name)
                    && entry.status == SessionStatus::Stalled
                {
                    entry.status = SessionStatus::Working;
                    ctx.log().info(&format!("{name} is active again ({key})"));
                }
            }
            Verdict::Stalled => {
                let entry = state.sessions.get_mut(&name).expect("entry exists");
                if entry.status != SessionStatus::Stalled {
                    entry.status = SessionStatus::Stalled;
                    let quiet = render::relative(memo_activity(state, &name, now), now);
                    push(&mut report, &name, ActionKind::Stalled, Some(&key), format!("no activity since {quiet}"));
                    effects.push(Effect::Notify {
                        event: "session-stalled",
                        text: format!("{name} ({key}): no activity"),
                    });
                }
            }
            Verdict::Done(how) => {
                push(&mut report, &name, ActionKind::Complete, Some(&key), how.to_owned());
                effects.push(Effect::Complete { project, id: id.clone(), session: name.clone(), how });
                ops::release(state, &name, SessionStatus::Idle, now);
                if is_pool {
                    work.push((name.clone(), Work::Recycle));
                }
            }
            Verdict::Restart if !is_pool => {
                // A dedicated session is never restarted: it stays flagged as stalled.
                let entry = state.sessions.get_mut(&name).expect("entry exists");
                if entry.status != SessionStatus::Stalled {
                    entry.status = SessionStatus::Stalled;
                    push(&mut report, &name, ActionKind::Stalled, Some(&key), "no activity".to_owned());
                    effects.push(Effect::Notify {
                        event: "session-stalled",
                        text: format!("{name} ({key}): no activity"),
                    });
                }
            }
            Verdict::Dead(_) | Verdict::Restart | Verdict::Requeue(_) => {
                let reason = match &verdict {
                    Verdict::Dead(why) => (*why).to_owned(),
                    Verdict::Requeue(why) => why.clone(),
                    _ => format!("no activity for {}", config.watch.restart_after),
                };
                let planned = ops::planned_requeue(ctx, state, &key);
                let (what, detail) = match planned {
                    Requeued::Failed => (ActionKind::Fail, format!("{reason}; attempts used up: to failed/")),
                    _ => (ActionKind::Requeue, reason.clone()),
                };
                push(&mut report, &name, what, Some(&key), detail);
                effects.push(Effect::Requeue { project, id: id.clone(), reason, planned });
                ops::release(state, &name, SessionStatus::Idle, now);
                if is_pool {
                    match view.activity {
                        Activity::Absent => {}
                        Activity::DeadPane => work.push((name.clone(), Work::Respawn)),
                        Activity::Shell => {}
                        _ => work.push((name.clone(), Work::Recycle)),
                    }
                }
            }
        }
    }
    state.queue.spool_offset = world.next_offset;

    // Reconcile the pool's names: every one exists, at least `min` run Claude.
    let pool_views: Vec<&View<'_>> = views.iter().filter(|v| v.kind == SessionKind::Pool).collect();
    for view in &pool_views {
        match view.activity {
            Activity::Absent if !work.iter().any(|(n, _)| *n == view.name) => {
                work.push((view.name.clone(), Work::Recreate));
            }
            Activity::DeadPane if !work.iter().any(|(n, _)| *n == view.name) => {
                work.push((view.name.clone(), Work::Respawn));
            }
            _ => {}
        }
    }
    let running = pool_views
        .iter()
        .filter(|v| !matches!(v.activity, Activity::Absent | Activity::DeadPane | Activity::Shell))
        .filter(|v| !work.iter().any(|(n, w)| *n == v.name && *w != Work::Recycle))
        .count()
        + pool_views.iter().filter(|v| work.iter().any(|(n, w)| *n == v.name && *w == Work::Recover)).count();
    let mut missing = (config.pool.autonomous.min as usize).saturating_sub(running);
    for view in &pool_views {
        if missing == 0 {
            break;
        }
        let shell = matches!(view.activity, Activity::Absent | Activity::DeadPane | Activity::Shell);
        let holds_task = state.sessions.get(&view.name).is_some_and(|s| s.task.is_some() || s.recovering.is_some());
        if shell && !holds_task {
            work.push((view.name.clone(), Work::Start));
            missing -= 1;
        }
    }
    // Upkeep paused (`ccfail pause --upkeep`): sessions are observed and their tasks
    // moved, but none is created, respawned, started or recycled.
    if let Some(pause) = &mut state.pause.upkeep
        && !work.is_empty()
    {
        let held: Vec<String> =
            work.iter().map(|(session, what)| format!("{session} {what:?}").to_lowercase()).collect();
        let why = format!(
            "pool upkeep is paused since {}: held back {} (ccfail resume --upkeep)",
            render::when(pause.since, now),
            held.join(", ")
        );
        if !pause.logged && !dry_run {
            ctx.log().info(&format!("watch-once: {why}"));
            pause.logged = true;
        }
        report.upkeep_paused = Some(why);
        work.clear();
    }
    for (session, what) in &work {
        let kind = match what {
            Work::Recycle => ActionKind::Recycle,
            Work::Recreate => ActionKind::Recreate,
            Work::Respawn => ActionKind::Respawn,
            Work::Start => ActionKind::Start,
            // Its action, with the conversation and the dir, was pushed with the plan.
            Work::Recover => continue,
        };
        push(&mut report, session, kind, None, String::new());
    }

    report.sessions = views
        .iter()
        .map(|v| SessionLine {
            name: v.name.clone(),
            kind: v.kind,
            activity: v.activity,
            source: v.source,
            task: state.sessions.get(&v.name).and_then(|s| s.task.clone()),
            status: state.sessions.get(&v.name).map(|s| s.status),
        })
        .collect();
    if dry_run {
        return Ok(report);
    }
    apply(ctx, state, effects, now)?;
    lock.save(state)?;
    if work.iter().any(|(_, w)| *w == Work::Recover) {
        ctx.fault("recover-after-plan");
    }

    report.unrecovered = apply_work(ctx, state, &world, &work)?;
    for session in &report.unrecovered {
        if let Some(entry) = state.sessions.get_mut(session) {
            entry.status = SessionStatus::Failed;
        }
        notify(ctx, state, now, "session-unrecovered", &format!("{session} could not be restarted")).session(session);
    }
    for view in &views {
        if let Some(entry) = state.sessions.get(&view.name)
            && (entry.task.is_some() || (view.kind == SessionKind::Dedicated && view.activity == Activity::Busy))
        {
            match checkpoint(ctx, state, view, now) {
                Ok(()) => report.checkpoints += 1,
                Err(err) => report.notes.push(format!("checkpoint of {}: {err:#}", view.name)),
            }
        }
    }
    Ok(report)
}

/// What this run knows of a session found absent, for [`recovery::after_loss`], and
/// the dir it comes back in: its conversation's own, else a dedicated session's project
/// or the pool's workdir (else `$HOME`).
fn lost_facts<'s>(
    ctx: &Ctx,
    state: &'s State,
    name: &str,
    kind: SessionKind,
    active_home: Option<&Path>,
) -> (recovery::Lost<'s>, PathBuf) {
    let entry = state.sessions.get(name);
    let conversation = entry.and_then(|e| e.claude_session_id.as_deref());
    let dir = entry
        .and_then(|e| e.cwd.clone())
        .or_else(|| ctx.config.pool.dedicated.iter().find(|d| d.name == name).map(|d| d.project.clone()))
        .or_else(|| ctx.config.pool.autonomous.workdir.clone())
        .or_else(|| ctx.inputs.env.home())
        .unwrap_or_else(|| PathBuf::from("/"));
    let transcript = |id: &str| {
        active_home.map(|home| {
            home.join("projects")
                .join(crate::client::project_slug(&dir.display().to_string()))
                .join(format!("{id}.jsonl"))
        })
    };
    let resumable = conversation.and_then(transcript).is_some_and(|path| path.is_file());
    let task = entry.and_then(|e| e.task.as_ref()).map(|_| {
        let memo = state.queue.sessions.get(name);
        let path = memo.and_then(|m| m.transcript.clone()).or_else(|| conversation.and_then(transcript));
        let text = path.as_deref().and_then(delivery::read_transcript_tail);
        let evidence = delivery::Evidence { events: &[], transcript: text.as_deref() };
        let Some(memo) = memo else { return (false, delivery::Turn::NotDelivered) };
        let earlier_done = memo
            .earlier_tokens
            .iter()
            .map(|token| delivery::turn(token, None, &evidence))
            .find(|turn| matches!(turn, delivery::Turn::Done { .. }));
        let Some(token) = memo.token.as_deref() else { return (memo.delivered, delivery::Turn::NotDelivered) };
        let delivered = memo.delivered || delivery::receipt(token, &evidence).is_some();
        (delivered, earlier_done.unwrap_or_else(|| delivery::turn(token, memo.prompt_id.as_deref(), &evidence)))
    });
    (recovery::Lost { kind, conversation, resumable, task }, dir)
}

/// Records a lost session's plan: the task's fate (its file moves become effects, a
/// task that goes on gets the token of its go-on prompt now, so a run killed before it
/// is typed types that same one), and the [`crate::state::Recovering`] that the
/// session work, this run's or a later one's, follows.
#[allow(clippy::too_many_arguments)]
fn plan_recovery<'p>(
    ctx: &Ctx,
    state: &mut State,
    projects: &'p [queue::Project],
    report: &mut WatchReport,
    effects: &mut Vec<Effect<'p>>,
    name: &str,
    plan: recovery::Plan,
    dir: PathBuf,
    now: DateTime<Utc>,
) {
    let key = state.sessions.get(name).and_then(|e| e.task.clone());
    let resolved = key.as_deref().and_then(|key| ops::resolve(projects, key));
    let mut go_on = None;
    match (plan.task, resolved) {
        (None, _) => {}
        (Some(_), None) => {
            let key = key.unwrap_or_default();
            report.notes.push(format!("{name}: its task {key:?} names no registered project; claim released"));
            ops::release(state, name, SessionStatus::Idle, now);
        }
        (Some(TaskAfter::Complete(how)), Some((project, id))) => {
            push(report, name, ActionKind::Complete, key.as_deref(), how.to_owned());
            effects.push(Effect::Complete { project, id, session: name.to_owned(), how });
            ops::release(state, name, SessionStatus::Idle, now);
        }
        (Some(TaskAfter::Unclaim(why)), Some((project, id))) => {
            push(report, name, ActionKind::Unclaim, key.as_deref(), format!("{why}; no attempt counted"));
            effects.push(Effect::Unclaim { project, id, session: name.to_owned(), why });
            ops::release(state, name, SessionStatus::Idle, now);
        }
        (Some(TaskAfter::Requeue(reason)), Some((project, id))) => {
            let planned = ops::planned_requeue(ctx, state, key.as_deref().unwrap_or_default());
            let (what, detail) = match planned {
                Requeued::Failed => (ActionKind::Fail, format!("{reason}; attempts used up: to failed/")),
                _ => (ActionKind::Requeue, reason.clone()),
            };
            push(report, name, what, key.as_deref(), detail);
            effects.push(Effect::Requeue { project, id, reason, planned });
            ops::release(state, name, SessionStatus::Idle, now);
        }
        (Some(after @ (TaskAfter::GoOn | TaskAfter::Keep)), Some(_)) => {
            // The claim goes on in the resumed conversation: its clocks start again, and
            // only what the new client records from now on is evidence.
            if let Some(entry) = state.sessions.get_mut(name) {
                entry.since = Some(now);
                entry.status = SessionStatus::Working;
            }
            let memo = state.queue.sessions.entry(name.to_owned()).or_default();
            memo.pane = None;
            memo.idle_since = None;
            memo.last_activity = None;
            memo.screen_hash = None;
            memo.transcript_len = None;
            if after == TaskAfter::GoOn {
                // A turn of its own, recorded before it is typed; the cut-off turn's
                // token is kept (its end, should it show after all, completes the task).
                let token = delivery::new_token();
                if let Some(previous) = memo.token.take() {
                    memo.earlier_tokens.push(previous);
                }
                memo.token = Some(token.clone());
                memo.delivered = false;
                memo.prompt_id = None;
                go_on = Some(token);
            }
        }
    }
    if let Some(entry) = state.sessions.get_mut(name) {
        entry.recovering = Some(Recovering { resume: plan.resume, dir, go_on, since: now });
    }
}

/// "claude --resume <id> in <dir>", for logs.
fn describe(recovering: &Recovering) -> String {
    let what =
        recovering.resume.as_deref().map_or_else(|| "a fresh client".to_owned(), |id| format!("conversation {id}"));
    format!("{what} in {}", recovering.dir.display())
}

fn duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn memo_activity(state: &State, name: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    state.queue.sessions.get(name).and_then(|m| m.last_activity).unwrap_or(now)
}

/// Carries out the task moves the plan decided, in its order; each move is the rename
/// first, its record in state after (the caller saves).
fn apply(ctx: &Ctx, state: &mut State, effects: Vec<Effect<'_>>, now: DateTime<Utc>) -> Result<()> {
    for effect in effects {
        match effect {
            Effect::Complete { project, id, session, how } => {
                let key = project.key(&id);
                queue::complete(project, &id)?;
                ctx.fault("complete-after-move");
                state.queue.attempts.remove(&key);
                state.record(now, "task-done", format!("{key} by {session} ({how})")).session(&session).task(&key);
                ctx.log().debug(&format!("{key} done by {session} ({how})"));
                if let Some(file) = done_file(ctx, project, &id, &session) {
                    let _ = std::fs::remove_file(file);
                }
            }
            Effect::Requeue { project, id, reason, planned } => {
                let done = ops::requeue(ctx, state, project, &id, &reason)?;
                if done != planned {
                    ctx.log().warn(&format!("{}: planned {planned:?}, did {done:?}", project.key(&id)));
                }
            }
            Effect::Unclaim { project, id, session, why } => {
                queue::unclaim(project, &id)?;
                ctx.fault("unclaim-after-move");
                let key = project.key(&id);
                state
                    .record(now, "task-unclaimed", format!("{key} ({session}): {why}; no attempt counted"))
                    .session(&session)
                    .task(&key);
                ctx.log().info(&format!("{key} back in the inbox from {session}: {why} (no attempt counted)"));
            }
            Effect::Notify { event, text } => {
                notify(ctx, state, now, event, &text);
            }
            Effect::Continue { session, pane } => {
                // A turn of its own: recorded before it is typed, the limited turn's token
                // kept (its end, if it comes after all, completes the task too).
                let token = delivery::new_token();
                let prompt = delivery::stamp(&super::dispatch::one_line(&ctx.config.swap.continue_prompt), &token);
                let memo = state.queue.sessions.entry(session.clone()).or_default();
                if let Some(previous) = memo.token.take() {
                    memo.earlier_tokens.push(previous);
                }
                memo.token = Some(token);
                memo.delivered = false;
                memo.prompt_id = None;
                let typed = typing::box_prompts(
                    &ctx.tmux,
                    &[(pane.as_str(), prompt.as_str())],
                    ctx.config.tmux.enter_delay.get(),
                    || {},
                );
                if let Some(Err(why)) = typed.into_iter().next() {
                    ctx.log().warn(&format!("{session}: could not type the continue prompt: {why}"));
                }
            }
        }
    }
    Ok(())
}

fn push(report: &mut WatchReport, session: &str, what: ActionKind, task: Option<&str>, detail: String) {
    report.actions.push(Action { session: session.to_owned(), what, task: task.map(str::to_owned), detail });
}

/// The conversation's transcript and its end: the one recorded for the claim, else the
/// running client's.
fn transcript_of(ctx: &Ctx, view: &View<'_>, memo: &SessionWatch) -> (Option<PathBuf>, Option<String>) {
    let path = view.client.and_then(|c| pool::transcript_path(ctx, c)).or_else(|| memo.transcript.clone());
    let text = path.as_deref().and_then(delivery::read_transcript_tail);
    (path, text)
}

/// `watch.done_file` for a task, when configured.
fn done_file(ctx: &Ctx, project: &queue::Project, id: &str, session: &str) -> Option<PathBuf> {
    let template = ctx.config.watch.done_file.as_deref()?;
    let project_path = project.path.display().to_string();
    Some(PathBuf::from(fill(
        template,
        &[("project_path", &project_path), ("project", &project.name), ("id", id), ("session", session)],
    )))
}

/// What this run saw of a session holding a task, and whether anything moved since
/// the last run (the memo is updated here with the new fingerprints).
fn facts(
    ctx: &Ctx,
    view: &View<'_>,
    world: &World,
    state: &mut State,
    project: &queue::Project,
    id: &str,
    since: DateTime<Utc>,
) -> Facts {
    let mut facts = Facts {
        activity: Some(view.activity),
        done_file: done_file(ctx, project, id, &view.name).is_some_and(|f| f.exists()),
        ..Facts::default()
    };
    let Some(pane) = view.pane else { return facts };
    let events: Vec<_> = world.events_of(&pane.pane_id).filter(|e| e.at >= since).collect();
    let last_end = events.iter().rev().find(|e| matches!(e.event.as_str(), "Stop" | "StopFailure"));
    facts.parked_on_limit = last_end.is_some_and(|e| {
        e.event == "StopFailure"
            && matches!(quota::classify(e.last_message.as_deref().unwrap_or_default()), Classification::Hit(_))
    }) || view.screen.as_ref().is_some_and(quota::patterns::parked_on_limit);
    let memo = state.queue.sessions.entry(view.name.clone()).or_default();
    let fingerprint = view.screen.as_ref().map(pool::screen_fingerprint);
    let transcript = view
        .client
        .and_then(|c| pool::transcript_path(ctx, c))
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len());
    facts.changed = !events.is_empty()
        || (fingerprint.is_some() && fingerprint != memo.screen_hash)
        || (transcript.is_some() && transcript != memo.transcript_len);
    memo.screen_hash = fingerprint.or(memo.screen_hash);
    memo.transcript_len = transcript.or(memo.transcript_len);
    if memo.pane.as_deref() != Some(pane.pane_id.as_str()) {
        memo.pane = Some(pane.pane_id.clone());
    }
    facts
}

/// Carries out the session work, `swap.parallel` sessions at a time (each waits seconds
/// on its own client). Returns the sessions that could not be brought back.
fn apply_work(ctx: &Ctx, state: &mut State, world: &World, work: &[(String, Work)]) -> Result<Vec<String>> {
    if work.is_empty() {
        return Ok(Vec::new());
    }
    if ctx.config.accounts.is_empty() {
        anyhow::bail!("no account is configured");
    }
    let model = ctx.config.dispatch.models.default.clone();
    let workdir = ctx.config.pool.autonomous.workdir.clone().or_else(|| ctx.inputs.env.home());
    // Sessions first, so the threads find their panes.
    let mut created = BTreeSet::new();
    for (session, what) in work {
        match what {
            Work::Recreate => {
                let spec = NewSession { name: session, cwd: workdir.as_deref(), ..NewSession::default() };
                match ctx.tmux.new_session(&spec) {
                    Ok(()) => {
                        created.insert(session.clone());
                        ctx.log().debug(&format!("{session}: tmux session created"));
                        if let Some(why) = ctx.tmux.take_scope_failure() {
                            ctx.log().warn(&format!(
                                "the tmux server started in this unit's cgroup, and stops with it: {why}"
                            ));
                        }
                    }
                    Err(err) => ctx.log().warn(&format!("{session}: could not create the tmux session: {err}")),
                }
            }
            Work::Respawn => {
                if let Some(pane) = world.observation.session_pane(session)
                    && let Err(err) = ctx.tmux.respawn_pane(&pane.pane_id, workdir.as_deref(), None)
                {
                    ctx.log().warn(&format!("{session}: could not respawn the pane: {err}"));
                }
            }
            Work::Recover => {
                let Some(dir) = state.sessions.get(session).and_then(|e| e.recovering.as_ref()).map(|r| r.dir.clone())
                else {
                    continue;
                };
                match world.observation.session_pane(session) {
                    None => {
                        let spec = NewSession { name: session, cwd: Some(&dir), ..NewSession::default() };
                        match ctx.tmux.new_session(&spec) {
                            Ok(()) => {
                                created.insert(session.clone());
                                ctx.log().info(&format!("{session}: tmux session created in {}", dir.display()));
                                if let Some(why) = ctx.tmux.take_scope_failure() {
                                    ctx.log().warn(&format!(
                                        "the tmux server started in this unit's cgroup, and stops with it: {why}"
                                    ));
                                }
                            }
                            Err(err) => {
                                ctx.log().warn(&format!("{session}: could not create the tmux session: {err}"));
                            }
                        }
                    }
                    Some(pane) if pane.dead => {
                        if let Err(err) = ctx.tmux.respawn_pane(&pane.pane_id, Some(&dir), None) {
                            ctx.log().warn(&format!("{session}: could not respawn the pane: {err}"));
                        }
                        created.insert(session.clone());
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    if work.iter().any(|(s, w)| *w == Work::Recover && created.contains(s)) {
        ctx.fault("recover-after-create");
    }
    let observation = if created.is_empty() { world.observation.clone() } else { ctx.tmux.observe()? };
    let waits = Waits { start: ctx.config.dispatch.start_wait.get(), stop: ctx.config.watch.stop_wait.get() };
    let starts: Vec<(String, Job)> = work
        .iter()
        .filter_map(|(session, what)| match what {
            Work::Recycle => Some((session.clone(), Job::Fresh { stop_first: true })),
            Work::Start => Some((session.clone(), Job::Fresh { stop_first: false })),
            Work::Recover => {
                let recovering = state.sessions.get(session).and_then(|e| e.recovering.clone())?;
                // The model it ran with, as a swap relaunches it.
                let model = state.queue.sessions.get(session).and_then(|m| m.model.clone()).or_else(|| model.clone());
                Some((session.clone(), Job::Recover { recovering, model }))
            }
            Work::Recreate | Work::Respawn => None,
        })
        .collect();
    // Each start on the account placement chooses, recorded before the start so the
    // next choice counts it (`spread` balances a pool start of twenty sessions).
    let mut account_of: std::collections::BTreeMap<String, Account> = std::collections::BTreeMap::new();
    for (session, job) in &starts {
        let kind = state.sessions.get(session).map_or(SessionKind::Pool, |e| e.kind);
        let Some((account, displaced_from)) = crate::swap::moves::start_account(ctx, state, session, kind) else {
            continue;
        };
        let account = account.clone();
        crate::swap::moves::record_start(state, session, kind, &account.name, displaced_from);
        // A conversation resumed on another account is that account's from now on.
        if let Job::Recover { recovering: Recovering { resume: Some(id), .. }, .. } = job {
            state.place(id, &account.name, ctx.now());
        }
        account_of.insert(session.clone(), account);
    }
    // `swap.parallel` at a time (a pool start of twenty real clients at once starves the
    // machine), each said as it goes.
    let mut progress = ctx.progress("pool start".to_owned());
    progress.step("starting", starts.len());
    let mut results: Vec<(String, Result<(), Failed>)> = Vec::new();
    crate::parallel::run(
        &starts,
        ctx.config.swap.parallel,
        |_, (session, job)| match (observation.session_pane(session), account_of.get(session), &job) {
            (None, _, _) => Err(Failed::Start(anyhow::anyhow!("the tmux session is gone"))),
            (_, None, _) => Err(Failed::Start(anyhow::anyhow!("no account to start it on"))),
            (Some(pane), Some(account), Job::Fresh { stop_first }) => {
                fresh_claude(ctx, account, model.as_deref(), pane, *stop_first, waits).map_err(Failed::Start)
            }
            (Some(pane), Some(account), Job::Recover { recovering, model }) => {
                recover_client(ctx, account, model.as_deref(), pane, recovering, waits)
            }
        },
        |event| {
            match event {
                crate::parallel::Event::Begin(i) => progress.begin(&starts[i].0),
                crate::parallel::Event::Done(i, result, took) => {
                    let what = match &result {
                        Ok(()) if matches!(starts[i].1, Job::Recover { .. }) => "back".to_owned(),
                        Ok(()) => "started".to_owned(),
                        Err(Failed::Start(err)) => format!("failed: {err:#}"),
                        Err(Failed::GoOn(err)) => format!("back, go-on not typed: {err:#}"),
                    };
                    progress.done(&starts[i].0, &what, took);
                    results.push((starts[i].0.clone(), result));
                }
            }
            Ok(())
        },
    )?;
    if !starts.is_empty() {
        let failed = results.iter().filter(|(_, r)| r.is_err()).count();
        progress.finish(&format!("{} sessions started, {failed} failed", starts.len() - failed));
    }
    let mut unrecovered = Vec::new();
    for (session, result) in results {
        let recovering = state.sessions.get(&session).and_then(|e| e.recovering.clone());
        match (result, recovering) {
            (Ok(()), Some(recovering)) => {
                if let Some(entry) = state.sessions.get_mut(&session) {
                    entry.recovering = None;
                    if entry.task.is_none() {
                        entry.status = SessionStatus::Idle;
                    }
                }
                let memo = state.queue.sessions.entry(session.clone()).or_default();
                memo.failure = None;
                let go_on = if recovering.go_on.is_some() { "; its task told to go on" } else { "" };
                ctx.log().info(&format!("{session} is back: {}{go_on}", describe(&recovering)));
            }
            (Err(Failed::GoOn(why)), Some(_)) => {
                // The client is back; the usual rules give the task back uncounted if the
                // go-on prompt never arrives.
                ctx.log().warn(&format!("{session}: back, but the go-on prompt was not typed: {why:#}"));
                if let Some(entry) = state.sessions.get_mut(&session) {
                    entry.recovering = None;
                }
            }
            (Err(Failed::Start(err)), Some(recovering)) if recovering.resume.is_some() => {
                // The conversation could not be brought back: the machine's failure, so the
                // task goes back uncounted and the next run starts a fresh client there.
                ctx.log().warn(&format!("{session}: could not resume {}: {err:#}", describe(&recovering)));
                give_back_uncounted(ctx, state, &session, "its conversation could not be resumed")?;
                if let Some(entry) = state.sessions.get_mut(&session) {
                    entry.recovering = Some(Recovering { resume: None, go_on: None, ..recovering });
                }
                state.queue.sessions.entry(session.clone()).or_default().failure = Some(format!("{err:#}"));
                unrecovered.push(session);
            }
            (Ok(()), None) => {
                state.queue.sessions.entry(session.clone()).or_default().model = model.clone();
                let memo = state.queue.sessions.entry(session.clone()).or_default();
                memo.failure = None;
                if let Some(entry) = state.sessions.get_mut(&session)
                    && entry.task.is_none()
                {
                    entry.status = SessionStatus::Idle;
                }
            }
            (Err(Failed::Start(err) | Failed::GoOn(err)), _) => {
                ctx.log().warn(&format!("{session}: {err:#}"));
                state.queue.sessions.entry(session.clone()).or_default().failure = Some(format!("{err:#}"));
                unrecovered.push(session);
            }
        }
    }
    Ok(unrecovered)
}

/// A client to start in a session's pane.
enum Job {
    Fresh {
        stop_first: bool,
    },
    /// A lost session's client: `--resume` of its conversation (or fresh) in its dir,
    /// then the go-on prompt when its task goes on.
    Recover {
        recovering: Recovering,
        model: Option<String>,
    },
}

/// How a start failed: before the client was at its box, or only its go-on prompt.
enum Failed {
    Start(anyhow::Error),
    GoOn(anyhow::Error),
}

/// Starts a lost session's client in its dir, unless one already runs there (a run
/// killed after the start), then types the go-on prompt with the token the plan saved
/// (the same one again if a killed run had typed it without Enter).
fn recover_client(
    ctx: &Ctx,
    account: &Account,
    model: Option<&str>,
    pane: &crate::tmux::Pane,
    recovering: &Recovering,
    waits: Waits,
) -> Result<(), Failed> {
    let running = pool::claude_running(false, &crate::process::children(pane.pid), &pane.current_command);
    if !running {
        driver::pre_accept_trust(&account.home, &recovering.dir).map_err(Failed::Start)?;
        let claude =
            driver::command_line(&ctx.config, account, &Launch { resume: recovering.resume.as_deref(), model });
        // A pane left at the shell by a killed run may be elsewhere: the conversation's
        // transcript is under its own dir.
        let command = if Path::new(&pane.current_path) == recovering.dir {
            claude
        } else {
            format!("cd -- {} && {claude}", driver::quote(&recovering.dir.display().to_string()))
        };
        driver::start(&ctx.tmux, &pane.pane_id, &command, &account.home, waits).map_err(Failed::Start)?;
        ctx.fault("recover-after-start");
    }
    let Some(token) = &recovering.go_on else { return Ok(()) };
    let prompt = delivery::stamp(&super::dispatch::one_line(recovery::GO_ON_PROMPT), token);
    let typed = typing::box_prompts(
        &ctx.tmux,
        &[(pane.pane_id.as_str(), prompt.as_str())],
        ctx.config.tmux.enter_delay.get(),
        || {},
    );
    if let Some(Err(why)) = typed.into_iter().next() {
        return Err(Failed::GoOn(anyhow::anyhow!("{why}")));
    }
    ctx.fault("recover-after-go-on");
    Ok(())
}

/// A lost session's task back to the inbox, no attempt counted: the file first, then
/// its record (a run killed in between finds the file out of `.dispatched` and releases
/// the claim).
fn give_back_uncounted(ctx: &Ctx, state: &mut State, session: &str, why: &str) -> Result<()> {
    let Some(key) = state.sessions.get(session).and_then(|e| e.task.clone()) else { return Ok(()) };
    let (projects, _) = queue::projects(&ctx.config);
    if let Some((project, id)) = ops::resolve(&projects, &key)
        && queue::locate(project, &id) == Location::Claimed
    {
        queue::unclaim(project, &id)?;
        ctx.fault("unclaim-after-move");
        state
            .record(ctx.now(), "task-unclaimed", format!("{key} ({session}): {why}; no attempt counted"))
            .session(session)
            .task(&key);
        ctx.log().info(&format!("{key} back in the inbox from {session}: {why} (no attempt counted)"));
    }
    ops::release(state, session, SessionStatus::Idle, ctx.now());
    Ok(())
}

/// Stops the client in the pane (when asked) and starts a fresh one in the pane's folder.
fn fresh_claude(
    ctx: &Ctx,
    account: &Account,
    model: Option<&str>,
    pane: &crate::tmux::Pane,
    stop_first: bool,
    waits: Waits,
) -> Result<()> {
    if stop_first {
        driver::stop(&ctx.tmux, &pane.pane_id, pane.pid, waits)?;
    }
    if !pane.current_path.is_empty() {
        driver::pre_accept_trust(&account.home, Path::new(&pane.current_path))?;
    }
    let command = driver::command_line(&ctx.config, account, &Launch { resume: None, model });
    driver::start(&ctx.tmux, &pane.pane_id, &command, &account.home, waits)
}

/// An atomic JSON snapshot of a working session in `checkpoint.dir/<session>/`, the
/// newest `checkpoint.keep` kept.
fn checkpoint(ctx: &Ctx, state: &State, view: &View<'_>, now: DateTime<Utc>) -> Result<()> {
    let dir = checkpoint_dir(ctx).join(&view.name);
    crate::files::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let entry = state.sessions.get(&view.name);
    let lines: Vec<&str> = view.text.map(|t| t.trim_end().lines().collect()).unwrap_or_default();
    let keep_from = lines.len().saturating_sub(ctx.config.checkpoint.lines as usize);
    let snapshot = serde_json::json!({
        "session": view.name,
        "kind": view.kind,
        "at": now,
        "task": entry.and_then(|e| e.task.clone()),
        "task_path": state.queue.sessions.get(&view.name).and_then(|m| m.task_path.clone()),
        "claude_session_id": view.client.map(|c| c.state.session_id.clone()).or_else(|| entry.and_then(|e| e.claude_session_id.clone())),
        "account": view.client.map(|c| c.account.clone()),
        "cwd": view.client.map(|c| c.state.cwd.clone()).or_else(|| view.pane.map(|p| p.current_path.clone())),
        "pane_lines": &lines[keep_from..],
    });
    let file = dir.join(format!("{}.json", now.format("%Y%m%dT%H%M%S%.3fZ")));
    let mut text = serde_json::to_string_pretty(&snapshot)?;
    text.push('\n');
    write_atomically(&file, text.as_bytes())?;
    let mut existing: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    existing.sort();
    let excess = existing.len().saturating_sub(ctx.config.checkpoint.keep);
    for old in &existing[..excess] {
        let _ = std::fs::remove_file(old);
    }
    Ok(())
}

/// `checkpoint.dir`, else `checkpoints/` in the state dir.
pub fn checkpoint_dir(ctx: &Ctx) -> PathBuf {
    ctx.config.checkpoint.dir.clone().unwrap_or_else(|| ctx.state.paths().dir.join("checkpoints"))
}

impl super::TimerReport for WatchReport {
    const COMMAND: &'static str = "watch-once";
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    fn lines(&self) -> Vec<super::Line> {
        let mut lines: Vec<super::Line> = self.actions.iter().map(|a| super::Line::action(action_line(a))).collect();
        for session in &self.unrecovered {
            lines.push(super::Line::action(format!("{session} could not be restarted")));
        }
        if self.dry_run && !lines.is_empty() {
            lines.push(super::Line::action("dry run: nothing moved, started or written"));
        }
        lines
    }
    fn table(&self) -> String {
        human(self)
    }
}

/// `pool-1 complete app:t1: done (Stop hook)`: one action on one line.
fn action_line(action: &Action) -> String {
    let task = action.task.as_deref().map(|t| format!(" {t}")).unwrap_or_default();
    let detail = if action.detail.is_empty() { String::new() } else { format!(": {}", action.detail) };
    format!("{} {}{task}{detail}", action.session, action.what.word())
}

fn human(report: &WatchReport) -> String {
    let mut table = render::table(&["session", "kind", "activity", "task", "status"]);
    for s in &report.sessions {
        table.add_row(vec![
            s.name.clone(),
            format!("{:?}", s.kind).to_lowercase(),
            format!("{:?}", s.activity).to_lowercase(),
            s.task.clone().unwrap_or_else(|| "-".to_owned()),
            s.status.map_or_else(|| "-".to_owned(), |st| format!("{st:?}").to_lowercase()),
        ]);
    }
    let mut out = format!("{table}\n");
    for action in &report.actions {
        out.push_str(&format!("  {}\n", action_line(action)));
    }
    if report.actions.is_empty() {
        out.push_str("  nothing to do\n");
    }
    if let Some(paused) = &report.upkeep_paused {
        out.push_str(&format!("  {paused}\n"));
    }
    out.push_str(&format!("  {} checkpoints written\n", report.checkpoints));
    for session in &report.unrecovered {
        out.push_str(&format!("  !! {session} could not be restarted\n"));
    }
    if report.dry_run {
        out.push_str("  dry run: nothing moved, started or written\n");
    }
    out
}
