//! `ccfail status`: a one-line summary, then accounts with their usage, sessions, task
//! queues, the last swap, the partial-swap latch and the state file at a glance; tables
//! laid out for the terminal's width ([`crate::term`]); `--watch` to keep it on screen;
//! `--json` for scripts (schema in docs/json.md).
//!
//! Read-only: it never takes the state lock (so it answers while a swap holds it) and
//! works before any state exists, when tmux has no server, and when tmux is missing.

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::{self, ActiveSource};
use crate::cli::StatusArgs;
use crate::client::{self, RunningClient};
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::quota::detect::LimitHit;
use crate::render;
use crate::state::{PartialSwapLatch, QuotaState, SessionKind, SessionState, SessionStatus, State, SwapRecord};
use crate::swap::journal::Journal;
use crate::term;
use crate::tmux::Observation;
use crate::usage::{self, AccountWindows, CapOutlook, Window};

/// Bumped only when a field changes meaning or disappears; new fields may be added.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    /// The document's version (docs/json.md).
    pub version: u32,
    /// The same number under its first name, kept for scripts written before `version`.
    pub schema: u32,
    pub now: DateTime<Utc>,
    pub config_file: PathBuf,
    pub state_file: PathBuf,
    pub state_error: Option<String>,
    pub active_account: Option<String>,
    pub active_source: Option<ActiveSource>,
    pub accounts: Vec<AccountReport>,
    pub tmux: TmuxReport,
    pub sessions: Vec<SessionReport>,
    pub last_swap: Option<SwapRecord>,
    pub partial_swap_latch: Option<PartialSwapLatch>,
    pub swap_in_progress: Option<Journal>,
    pub quota: QuotaState,
    /// The task queues: counts per project and the invalid tasks with their reasons.
    pub queue: QueueReport,
    /// What `ccfail pause` holds: `dispatch`, `projects`, `upkeep` (each null/absent or
    /// `since`, `reason`).
    pub pause: crate::state::PauseState,
    /// What the first line of the text says, as numbers.
    pub summary: Summary,
}

/// The pool in numbers: each session counted once, by what it is doing.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub sessions: usize,
    /// Claude is working on a turn.
    pub busy: usize,
    /// Claude waits at its input box.
    pub idle: usize,
    /// Claude waits for an answer (a permission, a dialog).
    pub waiting: usize,
    /// watch-once flagged it: no sign of life while working.
    pub stalled: usize,
    /// watch-once marked it failed.
    pub failed: usize,
    /// No tmux session, a dead pane, or no Claude in the pane.
    pub down: usize,
    /// Tasks in the inboxes waiting for a session (blocked ones not included).
    pub pending: usize,
    pub claimed: usize,
    pub blocked: usize,
    pub invalid: usize,
    pub failed_tasks: usize,
}

#[derive(Debug, Serialize)]
pub struct QueueReport {
    pub projects: Vec<crate::queue::Counts>,
    pub invalid: Vec<InvalidTaskReport>,
}

#[derive(Debug, Serialize)]
pub struct InvalidTaskReport {
    pub project: String,
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct AccountReport {
    pub name: String,
    pub priority: i64,
    pub home: PathBuf,
    pub home_exists: bool,
    pub credentials: bool,
    pub active: bool,
    pub drained_until: Option<DateTime<Utc>>,
    pub last_hit: Option<LimitHit>,
    pub last_warning: Option<LimitHit>,
    /// Usage counted from the transcripts: the current 5-hour block and the week, with
    /// burn rate and the projected time to each soft cap.
    pub usage: Option<AccountWindows>,
    /// What placement may still use of it (`placement`, `accounts[].ceiling`).
    pub headroom: Option<crate::placement::Headroom>,
    /// The pool and dedicated sessions running on it now.
    pub sessions: usize,
}

#[derive(Debug, Serialize)]
pub struct TmuxReport {
    pub binary: PathBuf,
    pub socket: Option<PathBuf>,
    pub server_running: bool,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SessionReport {
    pub name: String,
    pub kind: SessionKind,
    /// The tmux session exists.
    pub alive: bool,
    pub pane_id: Option<String>,
    /// What runs in the pane (`claude`, `bash`, …).
    pub pane_command: Option<String>,
    pub pane_dead: bool,
    /// The Claude Code client in the pane, from its own `sessions/<pid>.json`.
    pub client: Option<ClientReport>,
    /// What ccfail's state says of the session.
    pub state: Option<SessionState>,
    /// The account it runs on: its client's, else the one ccfail last started it on.
    pub account: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ClientReport {
    pub pid: u32,
    pub session_id: String,
    /// `busy`, `idle` or `waiting`.
    pub status: String,
    pub waiting_for: Option<String>,
    /// The account whose home holds the client's state file.
    pub account: String,
    pub cwd: String,
}

pub fn run(ctx: &Ctx, args: &StatusArgs) -> Result<ExitCode> {
    if let Some(seconds) = args.watch {
        return watch(ctx, std::time::Duration::from_secs(seconds));
    }
    let report = observe(ctx);
    let width = width(ctx);
    super::report(ctx.log(), &[], args.json, &report, |report| human(report, width))?;
    Ok(if report.state_error.is_some() { ExitCode::Error } else { ExitCode::Ok })
}

/// The width tables are laid out for: `COLUMNS`, else the terminal's, else a pipe's.
fn width(ctx: &Ctx) -> usize {
    term::choose_width(ctx.inputs.env.get("COLUMNS"), term::stdout_tty_width())
}

/// `--watch`: on a terminal the status is redrawn in place (cursor home, each line
/// cleared to its end, the rest of the screen cleared), so it does not flicker or
/// scroll; on a pipe each status is printed after a blank line. Runs until Ctrl-C or
/// until the reader closes the pipe (which ends the run quietly).
fn watch(ctx: &Ctx, every: std::time::Duration) -> Result<ExitCode> {
    let tty = term::stdout_is_tty();
    let mut first = true;
    loop {
        let report = observe(ctx);
        let text = human(&report, width(ctx));
        let frame = if tty {
            let lines: String = text.lines().map(|line| format!("{line}\x1b[K\n")).collect();
            format!("{}\x1b[H{lines}\x1b[J", if first { "\x1b[2J" } else { "" })
        } else if first {
            text
        } else {
            format!("\n{text}")
        };
        render::print(&frame)?;
        first = false;
        std::thread::sleep(every);
    }
}

pub fn observe(ctx: &Ctx) -> StatusReport {
    let config = &ctx.config;
    let (state, state_error) = match ctx.state.read() {
        Ok(state) => (Some(state), None),
        Err(err) => (None, Some(err.to_string())),
    };
    let active = accounts::active_account(config, state.as_ref());
    let active_name = active.map(|(account, _)| account.name.clone());
    let account_state = |name: &str| state.as_ref().and_then(|s| s.accounts.get(name));
    // Before anything is recorded the shown active account has always been active, as
    // quota-check will record it on its first run.
    let timeline = match (&state, &active_name) {
        (Some(state), Some(name)) => state.timeline_assuming(name),
        (Some(state), None) => state.timeline.clone(),
        (None, name) => name.iter().flat_map(|name| State::fresh().timeline_assuming(name)).collect(),
    };
    let placements = state.as_ref().map_or(&[][..], |state| state.placements.as_slice());
    let owners = usage::Owners { timeline: &timeline, placements };
    let usage = match usage::peek(ctx.state.paths(), &usage::transcript_roots(config), &owners, ctx.now()) {
        Ok(refreshed) => Some(refreshed.snapshot),
        Err(err) => {
            ctx.log().warn(&format!("usage not counted: {err:#}"));
            None
        }
    };

    let accounts: Vec<AccountReport> = config
        .accounts
        .iter()
        .map(|account| AccountReport {
            name: account.name.clone(),
            priority: account.priority,
            home: account.home.clone(),
            home_exists: account.home.is_dir(),
            credentials: accounts::credentials_present(&account.home),
            active: active_name.as_deref() == Some(account.name.as_str()),
            drained_until: account_state(&account.name).and_then(|a| a.drained_until),
            last_hit: account_state(&account.name).and_then(|a| a.last_hit.clone()),
            last_warning: account_state(&account.name).and_then(|a| a.last_warning.clone()),
            usage: usage.as_ref().map(|snapshot| snapshot.windows(account)),
            headroom: None,
            sessions: 0,
        })
        .collect();

    let (observation, tmux_error) = match ctx.tmux.observe() {
        Ok(observation) => (observation, None),
        Err(err) => (Observation::default(), Some(err.to_string())),
    };
    let clients: Vec<RunningClient> = client::all_running(config);
    let sessions: Vec<SessionReport> = crate::pool::session_names(ctx)
        .into_iter()
        .map(|(name, kind)| session_report(name, kind, &observation, &clients, state.as_ref()))
        .collect();
    let mut accounts = accounts;
    let rooms = state.as_ref().map(|state| crate::swap::moves::account_views(config, state, ctx.now()));
    for account in &mut accounts {
        account.sessions =
            sessions.iter().filter(|s| s.alive && s.account.as_deref() == Some(account.name.as_str())).count();
        account.headroom =
            rooms.as_ref().and_then(|r| r.iter().find(|v| v.name == account.name)).map(|view| view.headroom);
    }

    StatusReport {
        version: SCHEMA_VERSION,
        schema: SCHEMA_VERSION,
        now: ctx.now(),
        config_file: ctx.inputs.config_file.clone(),
        state_file: ctx.state.paths().state_file(),
        state_error,
        active_account: active_name,
        active_source: active.map(|(_, source)| source),
        accounts,
        tmux: TmuxReport {
            binary: ctx.tmux.binary().to_path_buf(),
            socket: ctx.tmux.socket().map(PathBuf::from),
            server_running: observation.server_running,
            error: tmux_error,
        },
        sessions,
        last_swap: state.as_ref().and_then(|s| s.swap.last.clone()),
        partial_swap_latch: state.as_ref().and_then(|s| s.swap.partial_latch.clone()),
        swap_in_progress: state.as_ref().and_then(|s| s.swap.journal.clone()),
        quota: state.as_ref().map(|s| s.quota.clone()).unwrap_or_default(),
        queue: queue_report(config),
        pause: state.as_ref().map(|s| s.pause.clone()).unwrap_or_default(),
        summary: Summary::default(),
    }
    .summarized()
}

impl StatusReport {
    fn summarized(mut self) -> StatusReport {
        self.summary = summarize(&self.sessions, &self.queue.projects);
        self
    }
}

/// What a session is doing, in one word (or two): the column `claude` of the table and
/// the bucket of the summary.
fn activity(session: &SessionReport) -> (&'static str, String) {
    let flagged = session.state.as_ref().map(|s| s.status);
    match (&session.client, flagged) {
        _ if !session.alive => ("down", "absent".to_owned()),
        _ if session.pane_dead => ("down", "dead pane".to_owned()),
        (_, Some(SessionStatus::Stalled)) => ("stalled", "stalled".to_owned()),
        (_, Some(SessionStatus::Failed)) => ("failed", "failed".to_owned()),
        (Some(client), _) => match (client.status.as_str(), &client.waiting_for) {
            ("busy", _) => ("busy", "busy".to_owned()),
            ("waiting", what) | (_, what @ Some(_)) => {
                ("waiting", what.as_ref().map_or_else(|| "waiting".to_owned(), |w| format!("waiting ({w})")))
            }
            _ => ("idle", client.status.clone()),
        },
        (None, _) => (
            "down",
            session.pane_command.as_ref().map_or_else(|| "no claude".to_owned(), |c| format!("no claude ({c})")),
        ),
    }
}

pub fn summarize(sessions: &[SessionReport], projects: &[crate::queue::Counts]) -> Summary {
    let mut summary = Summary { sessions: sessions.len(), ..Summary::default() };
    for session in sessions {
        let bucket = match activity(session).0 {
            "busy" => &mut summary.busy,
            "idle" => &mut summary.idle,
            "waiting" => &mut summary.waiting,
            "stalled" => &mut summary.stalled,
            "failed" => &mut summary.failed,
            _ => &mut summary.down,
        };
        *bucket += 1;
    }
    for counts in projects {
        // A blocked task is also a file in the inbox: counted once, as blocked.
        summary.pending += counts.pending.saturating_sub(counts.blocked);
        summary.claimed += counts.claimed;
        summary.blocked += counts.blocked;
        summary.invalid += counts.invalid;
        summary.failed_tasks += counts.failed;
    }
    summary
}

/// `active a · 20 sessions: 14 busy 5 idle 1 stalled · 37 pending 3 blocked · a: 5 h at 82 %`:
/// busy and idle always, the other counts when not zero; `on a 7 b 7 c 6` after the
/// active account when the sessions run on more than one.
fn summary_line(report: &StatusReport) -> String {
    let s = &report.summary;
    let counts = |pairs: &[(usize, &str)], always: usize| -> String {
        pairs
            .iter()
            .enumerate()
            .filter(|(i, (n, _))| *i < always || *n > 0)
            .map(|(_, (n, word))| format!("{n} {word}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut parts = vec![format!("active {}", report.active_account.as_deref().unwrap_or("none"))];
    // Spread over several accounts: how many run on each.
    let spread: Vec<String> =
        report.accounts.iter().filter(|a| a.sessions > 0).map(|a| format!("{} {}", a.name, a.sessions)).collect();
    if spread.len() > 1 {
        parts.push(format!("on {}", spread.join(" ")));
    }
    parts.push(format!(
        "{} sessions: {}",
        s.sessions,
        counts(
            &[
                (s.busy, "busy"),
                (s.idle, "idle"),
                (s.waiting, "waiting"),
                (s.stalled, "stalled"),
                (s.failed, "failed"),
                (s.down, "down")
            ],
            2
        )
    ));
    parts.push(counts(
        &[
            (s.pending, "pending"),
            (s.claimed, "claimed"),
            (s.blocked, "blocked"),
            (s.invalid, "invalid"),
            (s.failed_tasks, "failed"),
        ],
        1,
    ));
    if let Some(account) = report.accounts.iter().find(|a| a.active)
        && let Some(windows) = &account.usage
    {
        let five = match &windows.five_hour {
            Some(window) => match cap_fraction(window) {
                Some(fraction) => format!("5 h at {:.0} %", fraction * 100.0),
                None => format!("5 h {} msgs", window.totals.messages),
            },
            None => "5 h window not open".to_owned(),
        };
        let week = cap_fraction(&windows.weekly).map(|f| format!(", week at {:.0} %", f * 100.0)).unwrap_or_default();
        parts.push(format!("{}: {five}{week}", account.name));
    }
    if report.partial_swap_latch.is_some() {
        parts.push("PARTIAL-SWAP LATCH SET".to_owned());
    }
    if report.swap_in_progress.is_some() {
        parts.push("swap in progress".to_owned());
    }
    if report.pause.dispatch.is_some() {
        parts.push("dispatch paused".to_owned());
    } else if !report.pause.projects.is_empty() {
        let names: Vec<&str> = report.pause.projects.keys().map(String::as_str).collect();
        parts.push(format!("dispatch paused for {}", names.join(", ")));
    }
    if report.pause.upkeep.is_some() {
        parts.push("upkeep paused".to_owned());
    }
    parts.join(" · ")
}

/// The larger used fraction of a window's soft caps, when one is configured.
fn cap_fraction(window: &Window) -> Option<f64> {
    [window.messages_cap, window.tokens_cap].into_iter().flatten().map(|cap| cap.fraction).reduce(f64::max)
}

/// A window at a glance: `82 % · resets in 2h 10m` against a soft cap, else the
/// messages counted (`123 msgs · resets in 2h 10m`).
fn window_cell(window: Option<&Window>, now: DateTime<Utc>) -> String {
    let Some(window) = window else { return "-".to_owned() };
    let mut parts = vec![match cap_fraction(window) {
        Some(fraction) => format!("{:.0} %", fraction * 100.0),
        None => format!("{} msgs", window.totals.messages),
    }];
    if let Some(at) = window.resets_at {
        parts.push(format!("resets {}", render::relative(at, now)));
    }
    parts.join(" · ")
}

/// `1234` → `1.2k`, `5600000` → `5.6M`.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

fn queue_report(config: &crate::config::Config) -> QueueReport {
    let (projects, invalid) = crate::queue::summary(config);
    let invalid =
        invalid.into_iter().map(|(project, file, reason)| InvalidTaskReport { project, file, reason }).collect();
    QueueReport { projects, invalid }
}

fn session_report(
    name: String,
    kind: SessionKind,
    observation: &Observation,
    clients: &[RunningClient],
    state: Option<&State>,
) -> SessionReport {
    let pane = observation.session_pane(&name);
    let client = pane.and_then(|pane| client::client_in_pane(clients, &pane.pane_id, pane.pid)).map(|c| ClientReport {
        pid: c.state.pid,
        session_id: c.state.session_id.clone(),
        status: c.state.status.clone(),
        waiting_for: c.state.waiting_for.clone(),
        account: c.account.clone(),
        cwd: c.state.cwd.clone(),
    });
    let recorded = state.and_then(|s| s.sessions.get(&name));
    SessionReport {
        account: client.as_ref().map(|c| c.account.clone()).or_else(|| recorded.and_then(|r| r.account.clone())),
        state: recorded.cloned(),
        alive: pane.is_some(),
        pane_id: pane.map(|p| p.pane_id.clone()),
        pane_command: pane.map(|p| p.current_command.clone()),
        pane_dead: pane.is_some_and(|p| p.dead),
        client,
        kind,
        name,
    }
}

/// `62 %` (what placement may still use of its ceiling), `?` when its use is unknown.
fn headroom_cell(room: crate::placement::Headroom) -> String {
    match room.source {
        crate::placement::Source::Unknown => "?".to_owned(),
        _ => format!("{:.0} %", room.left * 100.0),
    }
}

fn human(report: &StatusReport, width: usize) -> String {
    let now = report.now;
    let mut out = format!("{}\n\n", summary_line(report));
    if let Some(latch) = &report.partial_swap_latch {
        out.push_str(&format!(
            "!! PARTIAL-SWAP LATCH SET {}: {}\n!! every swap is refused until an operator checks the links and clears it\n\n",
            render::when(latch.set_at, now),
            latch.reason
        ));
    }

    let paused = super::pause::lines(&report.pause, now);
    for line in &paused {
        out.push_str(&format!("{line}\n"));
    }
    if !paused.is_empty() {
        out.push('\n');
    }

    if let Some(journal) = &report.swap_in_progress {
        out.push_str(&format!(
            "!! a swap {} -> {} is in progress (phase {:?}, since {})\n\n",
            journal.from,
            journal.to,
            journal.phase,
            render::when(journal.started_at, now)
        ));
    }

    let mut accounts =
        render::table(&["", "account", "prio", "logged in", "drained until", "sessions", "left", "5-hour", "week"]);
    for account in &report.accounts {
        let login = match (account.home_exists, account.credentials) {
            (false, _) => format!("no (home {} missing)", account.home.display()),
            (true, logged_in) => yes_no(logged_in).to_owned(),
        };
        let usage = account.usage.as_ref();
        accounts.add_row(vec![
            if account.active { "*".to_owned() } else { String::new() },
            account.name.clone(),
            account.priority.to_string(),
            login,
            account.drained_until.filter(|t| *t > now).map_or_else(|| "-".to_owned(), |t| render::when(t, now)),
            account.sessions.to_string(),
            account.headroom.map_or_else(|| "-".to_owned(), headroom_cell),
            usage.map_or_else(|| "-".to_owned(), |u| window_cell(u.five_hour.as_ref(), now)),
            usage.map_or_else(|| "-".to_owned(), |u| window_cell(Some(&u.weekly), now)),
        ]);
    }
    term::fit(&mut accounts, width);
    let active = match (&report.active_account, report.active_source) {
        (Some(name), Some(ActiveSource::State)) => format!("active: {name}"),
        (Some(name), Some(ActiveSource::ActiveLink)) => format!("active: {name} (from the active link)"),
        (Some(name), _) => format!("active: {name} (none recorded yet: the preferred account)"),
        (None, _) => "active: none".to_owned(),
    };
    out.push_str(&format!("Accounts ({active})\n{accounts}\n\n"));
    if let Some(mut usage) = usage_table(report) {
        term::fit(&mut usage, width);
        out.push_str(&format!("Usage from the transcripts\n{usage}\n\n"));
    }

    // Four columns so that a task key of 40 characters fits 80 columns whole: the kind is
    // said of dedicated sessions only, the account next to what Claude is doing.
    let mut sessions = render::table(&["session", "claude", "task", "since"]);
    for session in &report.sessions {
        let state = session.state.as_ref();
        let name = match session.kind {
            SessionKind::Pool => session.name.clone(),
            SessionKind::Dedicated => format!("{} (dedicated)", session.name),
        };
        let doing = match &session.client {
            Some(client) => format!("{} on {}", activity(session).1, client.account),
            None => activity(session).1,
        };
        sessions.add_row(vec![
            name,
            doing,
            state.and_then(|s| s.task.clone()).unwrap_or_else(|| "-".to_owned()),
            state.and_then(|s| s.since).map_or_else(|| "-".to_owned(), |at| render::relative(at, now)),
        ]);
    }
    term::fit(&mut sessions, width);
    if report.sessions.is_empty() {
        out.push_str("Sessions: none configured (pool.autonomous.max is 0 and no dedicated sessions)\n");
    } else {
        out.push_str(&format!("Sessions\n{sessions}\n"));
    }

    if !report.queue.projects.is_empty() {
        let mut queue = render::table(&["project", "pending", "claimed", "blocked", "invalid", "done", "failed"]);
        for c in &report.queue.projects {
            queue.add_row(vec![
                c.project.clone(),
                c.pending.to_string(),
                c.claimed.to_string(),
                c.blocked.to_string(),
                c.invalid.to_string(),
                c.done.to_string(),
                c.failed.to_string(),
            ]);
        }
        term::fit(&mut queue, width);
        out.push_str(&format!("Task queues\n{queue}\n"));
        for invalid in &report.queue.invalid {
            out.push_str(&format!("!! invalid task {}/{:?}: {}\n", invalid.project, invalid.file, invalid.reason));
        }
    }

    let server = match (&report.tmux.error, report.tmux.server_running) {
        (Some(err), _) => format!("unavailable: {err}"),
        (None, true) => "running".to_owned(),
        (None, false) => "no server running".to_owned(),
    };
    let socket = report.tmux.socket.as_ref().map_or_else(|| "default socket".to_owned(), |s| s.display().to_string());
    out.push_str(&format!("tmux:       {server} ({socket})\n"));
    match &report.last_swap {
        Some(swap) => {
            out.push_str(&format!(
                "last swap:  {} -> {} {} ({})\n",
                swap.from,
                swap.to,
                render::when(swap.at, now),
                swap.reason
            ));
            for failed in &swap.relaunch_failed {
                out.push_str(&format!("            relaunch FAILED: {failed}\n"));
            }
        }
        None => out.push_str("last swap:  none\n"),
    }
    match &report.quota.last_check {
        Some(check) => out.push_str(&format!(
            "quota:      last check {} ({}){}\n",
            render::relative(check.at, now),
            check.outcome,
            report
                .quota
                .suspicions
                .iter()
                .map(|s| format!(
                    "; suspected on {}: {:?}, the next check confirms or clears it",
                    s.account, s.hit.snippet
                ))
                .collect::<String>()
        )),
        None => out.push_str("quota:      never checked\n"),
    }
    for account in &report.accounts {
        if let Some(hit) = account.last_hit.as_ref().filter(|_| account.drained_until.is_some_and(|t| t > now)) {
            out.push_str(&format!(
                "            {} hit its limit {}: {:?}\n",
                account.name,
                render::relative(hit.seen_at, now),
                hit.snippet
            ));
        }
        if let Some(warning) = &account.last_warning {
            out.push_str(&format!(
                "            {} warned {}: {:?}\n",
                account.name,
                render::relative(warning.seen_at, now),
                warning.snippet
            ));
        }
    }
    out.push_str(&format!("config:     {}\n", report.config_file.display()));
    out.push_str(&format!("state:      {}\n", report.state_file.display()));
    if let Some(err) = &report.state_error {
        out.push_str(&format!("!! state file problem: {err}\n"));
    }
    out
}

/// Tokens and burn per window, the detail behind the accounts table's usage columns.
fn usage_table(report: &StatusReport) -> Option<comfy_table::Table> {
    let now = report.now;
    let mut table =
        render::table(&["account", "window", "resets", "msgs", "tokens in / out / cache w / r", "burn", "soft caps"]);
    let mut rows = 0;
    for account in &report.accounts {
        let Some(windows) = &account.usage else { continue };
        for (label, window) in [("5-hour", windows.five_hour.as_ref()), ("week", Some(&windows.weekly))] {
            let Some(window) = window else {
                let mut row = vec![account.name.clone(), label.to_owned(), "-".to_owned(), "0".to_owned()];
                row.extend(["-", "-", "-"].map(str::to_owned));
                table.add_row(row);
                rows += 1;
                continue;
            };
            let t = &window.totals.tokens;
            let caps: Vec<String> = [("msgs", window.messages_cap), ("tokens", window.tokens_cap)]
                .into_iter()
                .filter_map(|(what, cap)| {
                    let cap = cap?;
                    let outlook = match cap.outlook {
                        CapOutlook::Reached => "reached".to_owned(),
                        CapOutlook::At(at) => format!("cap {}", render::relative(at, now)),
                        CapOutlook::AfterReset => "not before reset".to_owned(),
                        CapOutlook::Idle => "idle".to_owned(),
                    };
                    Some(format!("{what} {:.0}% ({outlook})", cap.fraction * 100.0))
                })
                .collect();
            table.add_row(vec![
                account.name.clone(),
                label.to_owned(),
                window.resets_at.map_or_else(|| "rolling".to_owned(), |at| render::relative(at, now)),
                window.totals.messages.to_string(),
                format!(
                    "{} / {} / {} / {}",
                    count(t.input),
                    count(t.output),
                    count(t.cache_creation),
                    count(t.cache_read)
                ),
                format!("{:.0} tok/min, {:.1} msg/h", window.burn.tokens_per_minute, window.burn.messages_per_hour),
                if caps.is_empty() { "-".to_owned() } else { caps.join(", ") },
            ]);
            rows += 1;
        }
    }
    (rows > 0).then_some(table)
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
