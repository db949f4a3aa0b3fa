//! What each pool and dedicated session is doing now, judged from one observation.
//!
//! One `list-panes`, one batched `capture-pane`, one pass over `/proc`, the clients'
//! own `sessions/<pid>.json` and the hook events since a reader's offset. The judgement
//! follows DESIGN §4.3: the client's state file first, hook events second, the screen
//! last. Shared by `dispatch` and `watch-once`; it decides nothing about tasks.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::client::{self, RunningClient};
use crate::ctx::Ctx;
use crate::hooks::{self, HookEvent};
use crate::process;
use crate::screen::{Screen, ScreenActivity};
use crate::state::SessionKind;
use crate::tmux::{Observation, Pane};

/// What a session's client is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// No tmux session of that name.
    Absent,
    /// The pane's process has exited (`remain-on-exit`).
    DeadPane,
    /// Nothing runs under the pane's shell: Claude is not running.
    Shell,
    /// At the input box, not working.
    Idle,
    Busy,
    /// A permission question or a dialog holds the keyboard.
    Waiting,
    Unknown,
}

/// Where the judgement came from, for logs and `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Tmux,
    Process,
    ClientState,
    Hook,
    Screen,
}

pub struct World {
    pub observation: Observation,
    pub clients: Vec<RunningClient>,
    parents: HashMap<u32, u32>,
    /// Pane id → captured text.
    pub captures: BTreeMap<String, String>,
    /// Hook events read since the offset given, from this tmux server.
    pub events: Vec<HookEvent>,
    /// The spool offset after the events read.
    pub next_offset: u64,
    pub notes: Vec<String>,
}

pub struct View<'w> {
    pub name: String,
    pub kind: SessionKind,
    pub pane: Option<&'w Pane>,
    pub client: Option<&'w RunningClient>,
    pub text: Option<&'w str>,
    pub screen: Option<Screen>,
    pub activity: Activity,
    pub source: Source,
    /// The latest hook event of this pane, if any was read.
    pub last_event: Option<&'w HookEvent>,
}

impl World {
    /// Observes the named sessions: captures their panes with `scrollback` lines above
    /// the screen, and reads hook events from `spool_offset`.
    pub fn observe(ctx: &Ctx, names: &[(String, SessionKind)], scrollback: u32, spool_offset: u64) -> Result<World> {
        let mut notes = Vec::new();
        let observation = ctx.tmux.observe().context("could not list the tmux panes")?;
        let clients: Vec<RunningClient> = client::all_running(&ctx.config);
        let ids: Vec<&str> = names
            .iter()
            .filter_map(|(name, _)| observation.session_pane(name))
            .filter(|pane| !pane.dead)
            .map(|pane| pane.pane_id.as_str())
            .collect();
        let captures = ctx.tmux.capture(&ids, scrollback).context("could not capture the panes")?;
        let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
        let read = hooks::read_from(&spool, spool_offset)
            .with_context(|| format!("could not read the hook spool {}", spool.display()))?;
        notes.extend(read.skipped.iter().map(|line| format!("skipped a hook spool line that does not parse: {line}")));
        let events = read.events.into_iter().filter(|event| hooks::from_server(event, ctx.tmux.socket())).collect();
        Ok(World {
            observation,
            clients,
            parents: process::parents(),
            captures,
            events,
            next_offset: read.next_offset,
            notes,
        })
    }

    /// Processes started by `pid` (the pane's shell): Claude, when it runs.
    pub fn children(&self, pid: u32) -> Vec<u32> {
        self.parents.iter().filter(|(_, parent)| **parent == pid).map(|(child, _)| *child).collect()
    }

    pub fn events_of<'a>(&'a self, pane_id: &'a str) -> impl Iterator<Item = &'a HookEvent> + 'a {
        self.events.iter().filter(move |e| e.pane.as_deref() == Some(pane_id))
    }

    pub fn view(&self, name: &str, kind: SessionKind) -> View<'_> {
        let pane = self.observation.session_pane(name);
        let mut view = View {
            name: name.to_owned(),
            kind,
            pane,
            client: None,
            text: None,
            screen: None,
            activity: Activity::Absent,
            source: Source::Tmux,
            last_event: None,
        };
        let Some(pane) = pane else { return view };
        if pane.dead {
            view.activity = Activity::DeadPane;
            return view;
        }
        view.client = client::client_in_pane(&self.clients, &pane.pane_id, pane.pid);
        view.text = self.captures.get(&pane.pane_id).map(String::as_str);
        view.screen = view.text.map(|t| Screen::parse_with_width(t, Some(pane.width as usize)));
        view.last_event = self.events_of(&pane.pane_id).last();
        let running = view.client.is_some() || !self.children(pane.pid).is_empty();
        (view.activity, view.source) = if !running {
            (Activity::Shell, Source::Process)
        } else if let Some(client) = view.client {
            let activity = match client.state.status.as_str() {
                "busy" => Activity::Busy,
                "idle" => Activity::Idle,
                "waiting" => Activity::Waiting,
                _ => Activity::Unknown,
            };
            (activity, Source::ClientState)
        } else if let Some(activity) = view.last_event.and_then(event_activity) {
            (activity, Source::Hook)
        } else {
            (view.screen.as_ref().map_or(Activity::Unknown, screen_activity), Source::Screen)
        };
        view
    }
}

fn event_activity(event: &HookEvent) -> Option<Activity> {
    match event.event.as_str() {
        "UserPromptSubmit" => Some(Activity::Busy),
        "Stop" | "StopFailure" | "SessionStart" => Some(Activity::Idle),
        "SessionEnd" => Some(Activity::Shell),
        "Notification" if event.notification.as_deref() == Some("permission_prompt") => Some(Activity::Waiting),
        "Notification" if event.notification.as_deref() == Some("idle_prompt") => Some(Activity::Idle),
        _ => None,
    }
}

pub fn screen_activity(screen: &Screen) -> Activity {
    match screen.activity() {
        ScreenActivity::Working => Activity::Busy,
        ScreenActivity::Idle if screen.input_box().is_some() => Activity::Idle,
        ScreenActivity::Shell => Activity::Shell,
        ScreenActivity::WaitingPermission | ScreenActivity::Modal(_) | ScreenActivity::TrustDialog => Activity::Waiting,
        ScreenActivity::Idle | ScreenActivity::Unknown => Activity::Unknown,
    }
}

/// The pool's names in index order, then the dedicated sessions in config order.
pub fn session_names(ctx: &Ctx) -> Vec<(String, SessionKind)> {
    let pool = ctx.config.pool.autonomous.names().map(|name| (name, SessionKind::Pool));
    let dedicated = ctx.config.pool.dedicated.iter().map(|d| (d.name.clone(), SessionKind::Dedicated));
    pool.chain(dedicated).collect()
}

/// A hash of what the pane shows, leaving out what changes while nothing happens: the
/// spinner line (its timer ticks) and the footer under the input box.
pub fn screen_fingerprint(screen: &Screen) -> u64 {
    let end = screen.input_box().map_or(screen.lines().len(), |b| b.bottom_rule);
    screen.lines()[..end]
        .iter()
        .filter(|line| {
            let mut chars = line.chars();
            !(chars.next().is_some_and(|c| "✻✶✳✢✽·*".contains(c)) && chars.next() == Some(' '))
        })
        .flat_map(|line| line.bytes().chain(std::iter::once(b'\n')))
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The client's transcript file: `<home>/projects/<slug of cwd>/<session id>.jsonl`.
pub fn transcript_path(ctx: &Ctx, client: &RunningClient) -> Option<PathBuf> {
    let account = ctx.config.account(&client.account)?;
    Some(
        account
            .home
            .join("projects")
            .join(client::project_slug(&client.state.cwd))
            .join(format!("{}.jsonl", client.state.session_id)),
    )
}
