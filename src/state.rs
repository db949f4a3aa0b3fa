//! The state file: ccfail's whole memory between one-shot runs.
//!
//! `state.json` in the state dir, `state.lock` beside it. Every read-modify-write holds
//! an exclusive `flock` on the lock file (never on `state.json`, which is replaced by
//! rename) for the whole cycle. Writes go to a temp file in the same dir, are synced,
//! renamed over `state.json`, and the dir is synced, so a crash leaves the old or the
//! new file, never a torn one. Files are `0600`, opened as [`crate::files`] says: the
//! state dir must be the user's own and writable by no one else, or every run that
//! would write state refuses it. A file that does not parse, or carries
//! a version this build does not know, is an error that names it and keeps a copy
//! aside: state is never silently reset. Waiting for the lock is bounded; past the wait
//! the run is "busy, skipped". This module stores; it decides nothing. The history is
//! not in `state.json` but in `history.jsonl` beside it ([`crate::history`]), appended
//! by [`StateLock::save`], so a run rewrites a small file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::files::{self, Durability};
use crate::paths::StatePaths;
use crate::quota::detect::{LimitHit, Suspicion};
use crate::swap::journal::Journal;

/// The state format this build reads and writes.
pub const STATE_VERSION: u32 = 1;
/// History entries kept by default (`state.history_limit`); older ones are dropped from
/// `history.jsonl` ([`crate::history`]). A week of a 20-session pool around the clock, tasks of 20 to 40
/// minutes, four swaps a day, is 13,520 entries (`benches/state.rs`, which also measures
/// the size and the load and save times at this bound); tasks of 20 minutes throughout
/// would be about 21,000.
pub const HISTORY_LIMIT: usize = 25_000;

/// Everything ccfail remembers. New fields get `#[serde(default)]` so older files load;
/// a change that older builds would misread bumps [`STATE_VERSION`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub version: u32,
    /// Who was active since when, oldest first; the last entry is the active account.
    /// Usage is attributed to accounts by this timeline.
    pub timeline: Vec<ActiveSpan>,
    pub accounts: BTreeMap<String, AccountState>,
    pub quota: QuotaState,
    pub swap: SwapState,
    pub sessions: BTreeMap<String, SessionState>,
    /// Events this run recorded ([`State::record`]) and has not saved yet: a save
    /// appends them to `history.jsonl` ([`crate::history`], read by `ccfail log`) and
    /// empties this. Never part of `state.json`.
    #[serde(skip)]
    pub recorded: Vec<HistoryEntry>,
    /// The `history` array an older build kept in `state.json`: the first save moves it
    /// to `history.jsonl` and it is never written back.
    #[serde(rename = "history", skip_serializing)]
    pub legacy_history: Vec<HistoryEntry>,
    /// What dispatch, watch-once and janitor carry from one run to the next.
    pub queue: QueueState,
    /// What the operator paused (`ccfail pause`): dispatch, per project, pool upkeep.
    #[serde(skip_serializing_if = "PauseState::is_empty")]
    pub pause: PauseState,
    /// Per timer command, the fingerprints of the warnings its last run had to say (see
    /// [`crate::log::said`]): a warning still in the set is not said again.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub said: BTreeMap<String, Vec<String>>,
    /// Which account each Claude conversation ran on since when, oldest first: usage
    /// and limit records of a conversation are the account's it ran on at their time
    /// (the active timeline answers for conversations not in here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<Placement>,
    /// Fields this build does not know (written by a newer one): kept as they are, so a
    /// save by this build does not drop them.
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// Placements kept at most ([`State::place`]): a 20-session pool starting a
/// conversation every 30 minutes each records about 7,700 in the 8 days usage is kept
/// for. At about 110 bytes each, the bound keeps them under 1 MB of `state.json`.
pub const PLACEMENTS_LIMIT: usize = 8_192;

/// The fields of a state object this build does not know, kept through load and save.
pub type Unknown = serde_json::Map<String, serde_json::Value>;

/// A fraction of an account's soft caps used, as counted at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    pub fraction: f64,
    pub at: DateTime<Utc>,
}

/// From `since` on, the conversation `session_id` ran on `account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub session_id: String,
    pub account: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSpan {
    pub account: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountState {
    /// The account is exhausted until then; no swap targets it before.
    pub drained_until: Option<DateTime<Utc>>,
    /// The last confirmed limit hit on this account.
    pub last_hit: Option<LimitHit>,
    /// The last "approaching usage limit" notice.
    pub last_warning: Option<LimitHit>,
    /// The largest fraction of a soft cap used, as quota-check last counted it from the
    /// transcripts (placement's headroom between two checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted: Option<Counted>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// What quota-check carries from one run to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuotaState {
    /// Bytes of the hook events spool already read.
    pub spool_offset: u64,
    /// Pane hits without a reset, waiting for the next run: one per account at most.
    /// Older files hold one (`suspicion`), which loads as the only one.
    #[serde(alias = "suspicion", deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub suspicions: Vec<Suspicion>,
    /// When quota-check last ran and what it decided.
    pub last_check: Option<QuotaCheck>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

impl QuotaState {
    /// The pending suspicion about `account`.
    pub fn suspicion_of(&self, account: &str) -> Option<&Suspicion> {
        self.suspicions.iter().find(|s| s.account == account)
    }
}

/// A list, or what an older file held in its place: one value or null.
fn one_or_many<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(Option<T>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(many) => many,
        OneOrMany::One(one) => one.into_iter().collect(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaCheck {
    pub at: DateTime<Utc>,
    /// `none`, `cooldown`, `suspected`, `confirmed` or `proactive`.
    pub outcome: String,
    pub account: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwapState {
    pub last: Option<SwapRecord>,
    /// The swap in progress, advanced phase by phase; see [`crate::swap`].
    pub journal: Option<Journal>,
    /// Set when a swap could neither finish nor roll back; every swap is refused until
    /// an operator clears it.
    pub partial_latch: Option<PartialSwapLatch>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapRecord {
    pub from: String,
    pub to: String,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// Sessions whose relaunch on `to` failed (each with why); empty when all came back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaunch_failed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialSwapLatch {
    pub set_at: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Pool,
    Dedicated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    #[default]
    Idle,
    Working,
    Stalled,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub kind: SessionKind,
    #[serde(default)]
    pub status: SessionStatus,
    /// The claimed task, as `project:id`.
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_dispatch: Option<DateTime<Utc>>,
    #[serde(default)]
    pub claude_session_id: Option<String>,
    /// The folder that conversation runs in (the client's own `cwd`): where its
    /// transcript is, and where the session is created again after a loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// Set while the session is being brought back after its tmux session was lost
    /// ([`crate::recovery`]); cleared once its client is back at its box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovering: Option<Recovering>,
    /// The account its client was last started on (`CLAUDE_CONFIG_DIR`); unset in a
    /// state written before placement: the active account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// When it last moved from one account to another (`placement.cooldown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_at: Option<DateTime<Utc>>,
    /// The account a limit drove it from, where `placement.return` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displaced_from: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A lost session on its way back: what the run that planned it decided, so a run
/// killed half-way leaves the next one enough to finish the same recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovering {
    /// `claude --resume` of this conversation; `None`: a fresh client.
    pub resume: Option<String>,
    /// Where the session is created and the client started.
    pub dir: PathBuf,
    /// The token of the prompt that tells its task to go on (already in the queue
    /// memo), when it holds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_on: Option<String>,
    pub since: DateTime<Utc>,
}

impl SessionState {
    /// A session ccfail has just started to track: idle, no task.
    pub fn new(kind: SessionKind) -> SessionState {
        SessionState {
            kind,
            status: SessionStatus::Idle,
            task: None,
            since: None,
            last_dispatch: None,
            claude_session_id: None,
            cwd: None,
            recovering: None,
            account: None,
            moved_at: None,
            displaced_from: None,
            unknown: Unknown::new(),
        }
    }
}

/// The task queue's memory. A claim itself lives in [`SessionState::task`]; the task
/// file's name (`inbox/T.md.dispatched`) is the other half of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueState {
    /// Bytes of the hook events spool watch-once has read (quota-check keeps its own).
    pub spool_offset: u64,
    /// Failed tries per task (`project:id`) that went back to the inbox; dropped when
    /// the task reaches `done/` or `failed/`.
    pub attempts: BTreeMap<String, u32>,
    /// What watch-once remembers of each session between runs.
    pub sessions: BTreeMap<String, SessionWatch>,
    /// Blocked tasks (`project:id`) already reported by the janitor.
    pub blocked_alerted: BTreeSet<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionWatch {
    /// The pane the task was sent to (`%3`): a pane with another id is a new one.
    pub pane: Option<String>,
    /// The model ccfail last started Claude with in this session.
    pub model: Option<String>,
    /// The claimed file, `<project>/.agent-queue/inbox/T.md.dispatched`.
    pub task_path: Option<PathBuf>,
    /// The delivery token of the prompt (or continuation) the task's current turn was
    /// sent with; see [`crate::delivery`].
    pub token: Option<String>,
    /// The client recorded the prompt holding `token` (the delivery proof). A claim
    /// saved without it (a crash between the save and the check) is checked again by
    /// watch-once before anything else.
    pub delivered: bool,
    /// The client's id of that prompt, which the Stop of its turn carries.
    pub prompt_id: Option<String>,
    /// Tokens of earlier turns of the same claim (a swap's continuation replaced them):
    /// one of them ending normally completes the task too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_tokens: Vec<String>,
    /// The conversation's transcript, once known (the proof without hooks).
    pub transcript: Option<PathBuf>,
    /// First seen idle at the input box while working (for `watch.idle_grace`).
    pub idle_since: Option<DateTime<Utc>>,
    /// Last sign of life while working: pane text, a hook event, transcript growth.
    pub last_activity: Option<DateTime<Utc>>,
    /// Hash of the pane text (spinner and footer left out) at the last run.
    pub screen_hash: Option<u64>,
    /// Size of the client's transcript at the last run.
    pub transcript_len: Option<u64>,
    /// Why the session was marked failed.
    pub failure: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// What `ccfail pause` holds and `ccfail resume` releases. Absent from files written
/// before it existed, and left out of the file while nothing is paused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PauseState {
    /// Dispatch of the whole pool: no task is sent while set.
    pub dispatch: Option<Pause>,
    /// Dispatch per project (by project name): that project's tasks are not sent.
    pub projects: BTreeMap<String, Pause>,
    /// Pool upkeep: watch-once creates, respawns, starts and recycles no pool session
    /// (it still observes them and moves their tasks).
    pub upkeep: Option<Pause>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

impl PauseState {
    pub fn is_empty(&self) -> bool {
        self.dispatch.is_none() && self.projects.is_empty() && self.upkeep.is_none() && self.unknown.is_empty()
    }

    /// Whether dispatch holds back the tasks of `project`, and the pause that does.
    pub fn dispatch_of(&self, project: &str) -> Option<&Pause> {
        self.dispatch.as_ref().or_else(|| self.projects.get(project))
    }
}

/// One pause: since when, why, and whether a timer run has said so in the log yet
/// (each pause is logged once by the run it holds back, not every minute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub logged: bool,
}

/// One event of the history. `event` is its kind (`dispatched`, `swap-done`, …, listed
/// in `docs/json.md`), `detail` the line people read; the optional fields say what it
/// concerns, for `ccfail log --session/--project` and scripts. Entries written before
/// those fields existed have none of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub detail: String,
    /// The tmux session it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The task it concerns, as `project:id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The account it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Event-specific facts, e.g. a swap's sessions with the outcome of each.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl HistoryEntry {
    pub fn new(at: DateTime<Utc>, event: &str, detail: impl Into<String>) -> HistoryEntry {
        HistoryEntry {
            at,
            event: event.to_owned(),
            detail: detail.into(),
            session: None,
            task: None,
            account: None,
            data: serde_json::Value::Null,
        }
    }

    pub fn session(&mut self, session: &str) -> &mut HistoryEntry {
        self.session = Some(session.to_owned());
        self
    }

    pub fn task(&mut self, task: &str) -> &mut HistoryEntry {
        self.task = Some(task.to_owned());
        self
    }

    pub fn account(&mut self, account: &str) -> &mut HistoryEntry {
        self.account = Some(account.to_owned());
        self
    }

    pub fn data(&mut self, data: serde_json::Value) -> &mut HistoryEntry {
        self.data = data;
        self
    }

    /// The project of [`HistoryEntry::task`] (`project` of `project:id`).
    pub fn project(&self) -> Option<&str> {
        self.task.as_deref().and_then(|task| task.split_once(':')).map(|(project, _)| project)
    }
}

impl State {
    pub fn fresh() -> State {
        State { version: STATE_VERSION, ..State::default() }
    }

    /// The active account, if one was ever recorded.
    pub fn active_account(&self) -> Option<&ActiveSpan> {
        self.timeline.last()
    }

    /// The timeline usage and signals are attributed by. Before anything is recorded,
    /// `active` has been active for as long as anyone knows (since the epoch): that is
    /// what the first quota-check records, and what `status` assumes until then.
    pub fn timeline_assuming(&self, active: &str) -> Vec<ActiveSpan> {
        if self.timeline.is_empty() {
            vec![ActiveSpan { account: active.to_owned(), since: DateTime::UNIX_EPOCH }]
        } else {
            self.timeline.clone()
        }
    }

    /// Records `account` as active from `since`, unless it already is.
    pub fn set_active(&mut self, account: &str, since: DateTime<Utc>) {
        if self.active_account().is_none_or(|span| span.account != account) {
            self.timeline.push(ActiveSpan { account: account.to_owned(), since });
        }
    }

    /// Records that conversation `session_id` runs on `account` from `since`, unless its
    /// latest placement already says so; returns whether one was added. A placement
    /// never starts before the latest of its conversation (an older observation does
    /// not rewrite what a newer one recorded). Kept bounded: a placement whose
    /// conversation moved on before the usage retention start covers nothing usage
    /// still counts and is dropped (the latest of each conversation is kept), and past
    /// [`PLACEMENTS_LIMIT`] the oldest go.
    pub fn place(&mut self, session_id: &str, account: &str, since: DateTime<Utc>) -> bool {
        let latest = self.placements.iter().filter(|p| p.session_id == session_id).max_by_key(|p| p.since);
        if latest.is_some_and(|p| p.account == account) {
            return false;
        }
        let since = latest.map_or(since, |p| p.since.max(since));
        let at = self.placements.partition_point(|p| p.since <= since);
        self.placements.insert(at, Placement { session_id: session_id.to_owned(), account: account.to_owned(), since });
        self.trim_placements();
        true
    }

    /// Drops the placements [`State::place`] says are not needed, measured from the
    /// newest one.
    fn trim_placements(&mut self) {
        let (Some(oldest), Some(newest)) = (self.placements.first(), self.placements.last()) else { return };
        let cutoff = newest.since - crate::usage::RETENTION;
        if oldest.since > cutoff {
            // Nothing started before the cutoff, so nothing ended before it.
            let over = self.placements.len().saturating_sub(PLACEMENTS_LIMIT);
            self.placements.drain(..over);
            return;
        }
        // Walking newest first: the start of the next placement of each conversation
        // is where the one at hand ended.
        let mut next_start: std::collections::HashMap<&str, DateTime<Utc>> = std::collections::HashMap::new();
        let mut keep = vec![true; self.placements.len()];
        for (i, p) in self.placements.iter().enumerate().rev() {
            if next_start.get(p.session_id.as_str()).is_some_and(|ended| *ended <= cutoff) {
                keep[i] = false;
            }
            next_start.insert(&p.session_id, p.since);
        }
        let mut keep = keep.into_iter();
        self.placements.retain(|_| keep.next().unwrap_or(true));
        let over = self.placements.len().saturating_sub(PLACEMENTS_LIMIT);
        self.placements.drain(..over);
    }

    /// Records an event for the history and returns it, so that the caller can say what
    /// it concerns: `state.record(now, "dispatched", line).session(name).task(key)`.
    /// The one way anything enters the history: the next [`StateLock::save`] appends it
    /// to `history.jsonl`.
    pub fn record(&mut self, at: DateTime<Utc>, event: &str, detail: impl Into<String>) -> &mut HistoryEntry {
        self.recorded.push(HistoryEntry::new(at, event, detail));
        self.recorded.last_mut().expect("just pushed")
    }
}

#[derive(Debug, Error)]
pub enum StateError {
    #[error("state is busy: another ccfail run holds {} (waited {waited:?}); skipped ({streak} in a row)", lock.display())]
    Busy { lock: PathBuf, waited: Duration, streak: u32 },
    #[error("state file {} does not parse ({reason}); a copy is kept at {}. Repair it, or move it away to start from a fresh state", file.display(), kept.display())]
    Corrupt { file: PathBuf, kept: PathBuf, reason: String },
    #[error("state file {} has version {found}, this ccfail reads version {STATE_VERSION}; a copy is kept at {}. Run the ccfail that wrote it, or move it away to start fresh", file.display(), kept.display())]
    UnknownVersion { file: PathBuf, kept: PathBuf, found: u64 },
    #[error("state dir {} {problem}: refused, since whoever may change it can make ccfail write where they choose. Fix: {fix}", dir.display())]
    UnsafeDir { dir: PathBuf, problem: String, fix: String },
    #[error("could not {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StateError + 'a {
    move |source| StateError::Io { action, path: path.to_path_buf(), source }
}

/// The state file and its lock.
#[derive(Debug, Clone)]
pub struct StateStore {
    paths: StatePaths,
    lock_wait: Duration,
    history_limit: usize,
}

impl StateStore {
    pub fn new(paths: StatePaths, lock_wait: Duration) -> StateStore {
        StateStore { paths, lock_wait, history_limit: HISTORY_LIMIT }
    }

    /// Keeps at most `limit` history entries (`state.history_limit`; up to 1.25 × that
    /// between two trims, see [`crate::history`]).
    pub fn with_history_limit(mut self, limit: usize) -> StateStore {
        self.history_limit = limit;
        self
    }

    pub fn paths(&self) -> &StatePaths {
        &self.paths
    }

    /// Reads the state without the lock: safe because writers replace the file by
    /// rename, so a reader sees a whole old or a whole new file. For read-only
    /// commands such as `status`, which must work while a swap holds the lock.
    pub fn read(&self) -> Result<State, StateError> {
        load_file(&self.paths.state_file())
    }

    /// Reads the whole history without the lock, as `ccfail log` shows it: what
    /// `history.jsonl` holds, after what an older build's `state.json` still holds that
    /// was not moved yet. `state.json` is read first, so a move between the two reads
    /// shows its entries once.
    pub fn history(&self) -> Result<crate::history::History, StateError> {
        let legacy = self.read()?.legacy_history;
        let mut history = crate::history::read(&self.paths)?;
        if !legacy.is_empty() {
            history.entries = crate::history::merge(&legacy, &history.entries);
        }
        Ok(history)
    }

    /// Takes the exclusive lock, waiting at most the configured time. Refuses a state dir
    /// that is not the user's own or that others may write; once the lock is held, the
    /// temp files of writers that died are removed.
    pub fn lock(&self) -> Result<StateLock, StateError> {
        let dir = &self.paths.dir;
        if !dir.exists() {
            files::create_dir_all(dir).map_err(io_error("create the state dir", dir))?;
        }
        check_dir(dir)?;
        let lock_path = self.paths.lock_file();
        let file = files::open_read_write(&lock_path).map_err(io_error("open the state lock", &lock_path))?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    files::remove_stale_temps(dir);
                    self.busy_streak(StreakChange::End);
                    return Ok(StateLock { file, paths: self.paths.clone(), history_limit: self.history_limit });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() >= self.lock_wait {
                        let streak = self.busy_streak(StreakChange::Bump);
                        return Err(StateError::Busy { lock: lock_path, waited: started.elapsed(), streak });
                    }
                    std::thread::sleep(pause.min(self.lock_wait.saturating_sub(started.elapsed())));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::Error(err)) => return Err(io_error("lock", &lock_path)(err)),
            }
        }
    }

    /// Counts runs in a row that found the state lock busy, in a small file beside it (a
    /// busy run cannot write the state), read and rewritten under that file's own
    /// `flock` so that busy runs at the same moment each count; the next run that gets
    /// the state lock empties it. Returns the new count.
    fn busy_streak(&self, change: StreakChange) -> u32 {
        let path = self.paths.busy_streak_file();
        if change == StreakChange::End && !path.exists() {
            return 0;
        }
        let count = || -> io::Result<u32> {
            let mut file = files::open_read_write(&path)?;
            // Held for a read and a write of a few bytes, by busy runs only.
            file.lock()?;
            let mut text = String::new();
            file.read_to_string(&mut text)?;
            let streak = match change {
                StreakChange::Bump => text.trim().parse::<u32>().unwrap_or(0).saturating_add(1),
                StreakChange::End => 0,
            };
            file.set_len(0)?;
            file.rewind()?;
            if streak > 0 {
                file.write_all(format!("{streak}\n").as_bytes())?;
            }
            Ok(streak)
        };
        // Only a count for a notification: a run that cannot keep it still goes on.
        count().unwrap_or(u32::from(change == StreakChange::Bump))
    }

    /// One read-modify-write under the lock: load, let `change` edit, save.
    pub fn update<T, E>(&self, change: impl FnOnce(&mut State) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StateError>,
    {
        let lock = self.lock()?;
        let mut state = lock.load()?;
        let out = change(&mut state)?;
        lock.save(&mut state)?;
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreakChange {
    Bump,
    End,
}

/// Refuses a state dir that is not the user's own or that others may write.
fn check_dir(dir: &Path) -> Result<(), StateError> {
    match files::private_dir_problem(dir).map_err(io_error("check the state dir", dir))? {
        None => Ok(()),
        Some(files::UnsafeDir { problem, fix }) => Err(StateError::UnsafeDir { dir: dir.to_path_buf(), problem, fix }),
    }
}

/// Proof that this run holds the state lock; released when dropped.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    paths: StatePaths,
    history_limit: usize,
}

impl StateLock {
    /// The files this lock guards, for companions of `state.json` such as `usage.bin`.
    pub fn paths(&self) -> &StatePaths {
        &self.paths
    }

    pub fn load(&self) -> Result<State, StateError> {
        load_file(&self.paths.state_file())
    }

    /// Saves `state`: first the history it recorded is appended to `history.jsonl` (and
    /// an older file's `history` array moved there), which empties
    /// [`State::recorded`]; then `state.json` is replaced atomically. A crash between
    /// the two leaves events recorded for a change that was not saved, never a saved
    /// change without its events.
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        crate::history::store(&self.paths, &state.legacy_history, &state.recorded, self.history_limit)?;
        state.legacy_history.clear();
        state.recorded.clear();
        let target = self.paths.state_file();
        let mut text = serde_json::to_string_pretty(state).expect("state serializes to JSON");
        text.push('\n');
        write_atomically(&target, text.as_bytes())
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Writes `bytes` to `target` by temp file + fsync + rename + dir fsync, mode 0600 (see
/// [`files::replace`]).
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), StateError> {
    files::replace(target, bytes, Durability::Synced).map_err(|err| StateError::Io {
        action: err.action,
        path: err.path,
        source: err.source,
    })
}

fn load_file(path: &Path) -> Result<State, StateError> {
    let bytes = match files::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(State::fresh()),
        Err(err) => return Err(io_error("read the state file", path)(err)),
    };
    let document: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => return Err(corrupt(path, &bytes, err.to_string())),
    };
    let Some(found) = document.get("version").and_then(serde_json::Value::as_u64) else {
        return Err(corrupt(path, &bytes, "no \"version\" number".to_owned()));
    };
    if found != u64::from(STATE_VERSION) {
        return Err(StateError::UnknownVersion { file: path.to_path_buf(), kept: keep_copy(path, &bytes), found });
    }
    serde_json::from_value(document).map_err(|err| corrupt(path, &bytes, err.to_string()))
}

fn corrupt(path: &Path, bytes: &[u8], reason: String) -> StateError {
    StateError::Corrupt { file: path.to_path_buf(), kept: keep_copy(path, bytes), reason }
}

/// Copies a bad state file aside once per distinct content, so timer runs that keep
/// finding it do not fill the dir with copies.
fn keep_copy(path: &Path, bytes: &[u8]) -> PathBuf {
    let digest =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    let copy = path.with_file_name(format!(
        "{}.bad-{digest:016x}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    if !copy.exists() {
        let _ = write_atomically(&copy, bytes);
    }
    copy
}

/// Whether a file's permissions let anyone but the owner read or write it.
/// A symlink is not judged here (its own mode means nothing; doctor reports links).
pub fn too_open(path: &Path) -> io::Result<Option<u32>> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(None);
    }
    let mode = meta.permissions().mode() & 0o777;
    Ok((mode & 0o077 != 0).then_some(mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::DirBuilderExt;

    fn store(dir: &Path) -> StateStore {
        StateStore::new(StatePaths::new(dir.join("state")), Duration::from_millis(200))
    }

    #[test]
    fn missing_file_is_a_fresh_state_and_save_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        assert_eq!(store.read().unwrap(), State::fresh());
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc);
        store
            .update(|state| {
                state.set_active("a", at);
                state.record(at, "test", "one");
                Ok::<_, StateError>(())
            })
            .unwrap();
        let state = store.read().unwrap();
        assert_eq!(state.active_account().unwrap().account, "a");
        assert_eq!(store.history().unwrap().entries.len(), 1);
        assert!(state.recorded.is_empty() && state.legacy_history.is_empty());
        assert!(!fs::read_to_string(store.paths().state_file()).unwrap().contains("\"history\""));
        assert_eq!(too_open(&store.paths().state_file()).unwrap(), None, "state.json must be 0600");
        assert_eq!(too_open(&store.paths().lock_file()).unwrap(), None, "state.lock must be 0600");
    }

    #[test]
    fn corrupt_file_is_an_error_that_keeps_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        fs::create_dir_all(&store.paths().dir).unwrap();
        fs::write(store.paths().state_file(), "{\"version\": 1, \"timeline\": [").unwrap();
        let err = store.read().unwrap_err();
        let StateError::Corrupt { kept, .. } = &err else { panic!("{err}") };
        assert_eq!(fs::read_to_string(kept).unwrap(), "{\"version\": 1, \"timeline\": [");
        assert!(err.to_string().contains("state.json"), "{err}");
        // The bad file itself is untouched, and a second run does not copy it again.
        assert!(store.paths().state_file().exists());
        store.read().unwrap_err();
        assert_eq!(fs::read_dir(&store.paths().dir).unwrap().count(), 2);
    }

    #[test]
    fn future_version_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        fs::create_dir_all(&store.paths().dir).unwrap();
        fs::write(store.paths().state_file(), "{\"version\": 7}").unwrap();
        let err = store.update(|_| Ok::<_, StateError>(())).unwrap_err();
        assert!(matches!(err, StateError::UnknownVersion { found: 7, .. }), "{err}");
        assert_eq!(fs::read_to_string(store.paths().state_file()).unwrap(), "{\"version\": 7}");
    }

    #[test]
    fn held_lock_makes_the_next_run_busy_within_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let held = store.lock().unwrap();
        // flock locks belong to the open file description, so a second open in the same
        // process contends just like another process would.
        let started = Instant::now();
        let err = store.lock().unwrap_err();
        assert!(matches!(err, StateError::Busy { streak: 1, .. }), "{err}");
        assert!(matches!(store.lock().unwrap_err(), StateError::Busy { streak: 2, .. }), "runs in a row are counted");
        drop(held);
        drop(store.lock().unwrap());
        assert_eq!(fs::read_to_string(store.paths().busy_streak_file()).unwrap(), "", "the lock ends the streak");
        let _held = store.lock().unwrap();
        assert!(matches!(store.lock().unwrap_err(), StateError::Busy { streak: 1, .. }), "a new streak starts at 1");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn busy_runs_at_the_same_moment_each_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(StatePaths::new(dir.path().join("state")), Duration::from_millis(1));
        let _held = store.lock().unwrap();
        let mut streaks: Vec<u32> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| match store.lock() {
                        Err(StateError::Busy { streak, .. }) => streak,
                        other => panic!("{other:?}"),
                    })
                })
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });
        streaks.sort_unstable();
        assert_eq!(streaks, (1..=16).collect::<Vec<u32>>(), "no two runs read the same count");
    }

    #[test]
    fn a_state_dir_others_may_write_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        drop(store.lock().unwrap());
        fs::set_permissions(&store.paths().dir, fs::Permissions::from_mode(0o777)).unwrap();
        let err = store.update(|_| Ok::<_, StateError>(())).unwrap_err();
        let shown = store.paths().dir.display();
        assert_eq!(
            err.to_string(),
            format!(
                "state dir {shown} has mode 777: other users may change what is in it: refused, since whoever may change it can make ccfail write where they choose. Fix: chmod 700 {shown}"
            )
        );
        fs::set_permissions(&store.paths().dir, fs::Permissions::from_mode(0o700)).unwrap();
        drop(store.lock().unwrap());
    }

    #[test]
    fn no_planted_link_is_written_through_and_dead_writers_temps_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        drop(store.lock().unwrap());
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious\n").unwrap();
        let state_dir = &store.paths().dir;
        fs::remove_file(store.paths().lock_file()).unwrap();
        std::os::unix::fs::symlink(&victim, store.paths().lock_file()).unwrap();
        let err = store.lock().unwrap_err();
        assert!(err.to_string().starts_with("could not open the state lock"), "{err}");
        assert!(format!("{err:?}").contains("is a symlink: refused"), "{err:?}");
        fs::remove_file(store.paths().lock_file()).unwrap();
        std::os::unix::fs::symlink(&victim, store.paths().state_file()).unwrap();
        assert!(store.read().is_err(), "state.json is not read through a link");
        fs::remove_file(store.paths().state_file()).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");

        let stale = state_dir.join(".state.json.tmp-99999999-0");
        fs::write(&stale, "{").unwrap();
        drop(store.lock().unwrap());
        assert!(!stale.exists(), "a temp of a dead writer is removed under the lock");
        for file in [store.paths().lock_file(), store.paths().busy_streak_file()] {
            if file.exists() {
                assert_eq!(too_open(&file).unwrap(), None, "{}", file.display());
            }
        }
    }

    #[test]
    fn fields_of_a_newer_build_are_kept_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let mut document: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/state/v1.json")).unwrap();
        document["delivery_tokens"] = serde_json::json!({"w1": "tok-1"});
        document["accounts"]["a"]["plan"] = serde_json::json!("max");
        document["sessions"]["w1"]["attempt"] = serde_json::json!(3);
        document["queue"]["sessions"]["w2"]["proof"] = serde_json::json!({"token": "t", "seen": true});
        document["queue"]["journal_of_tasks"] = serde_json::json!([1, 2]);
        document["quota"]["windows"] = serde_json::json!(null);
        document["swap"]["history"] = serde_json::json!([]);
        let store = store_with(dir.path(), &document.to_string());
        store
            .update(|state| {
                state.record(at("2026-12-02T00:00:00Z"), "test", "saved by this build");
                Ok::<_, StateError>(())
            })
            .unwrap();
        let saved: serde_json::Value = serde_json::from_slice(&fs::read(store.paths().state_file()).unwrap()).unwrap();
        for pointer in [
            "/delivery_tokens/w1",
            "/accounts/a/plan",
            "/sessions/w1/attempt",
            "/queue/sessions/w2/proof/seen",
            "/queue/journal_of_tasks/1",
            "/quota/windows",
            "/swap/history",
        ] {
            assert_eq!(saved.pointer(pointer), document.pointer(pointer), "{pointer}");
        }
        assert_eq!(saved.get("history"), None, "the history moved to history.jsonl");
        assert_eq!(store.history().unwrap().entries.len(), 12);
    }

    /// A store whose `state.json` is one of the committed fixtures.
    fn store_with(dir: &Path, fixture: &str) -> StateStore {
        let store = store(dir);
        fs::DirBuilder::new().mode(0o700).create(&store.paths().dir).unwrap();
        fs::write(store.paths().state_file(), fixture).unwrap();
        store
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    /// `tests/fixtures/state/v1.json`, written by the version-1 ccfail (see
    /// `make-v1.sh` there): every later build must still load it.
    #[test]
    fn the_version_1_fixture_loads_with_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), include_str!("../tests/fixtures/state/v1.json"));
        let state = store.read().unwrap();
        let accounts: Vec<&str> = state.timeline.iter().map(|span| span.account.as_str()).collect();
        assert_eq!(accounts, ["a", "b"]);
        assert_eq!(state.active_account().unwrap().since, at("2026-12-01T23:15:52.666374621Z"));

        let a = &state.accounts["a"];
        assert_eq!(a.drained_until, Some(at("2026-12-02T19:00:00Z")));
        let hit = a.last_hit.as_ref().unwrap();
        assert_eq!(hit.signal, crate::quota::detect::Signal::Hook);
        assert_eq!(hit.session.as_deref(), Some("w1"));
        assert_eq!(hit.pattern, "hit_your_limit");
        assert_eq!(hit.reset_text.as_deref(), Some("8pm (Europe/Paris)"));
        assert_eq!(hit.reset_at, Some(at("2026-12-02T19:00:00Z")));
        assert_eq!(state.accounts["b"], AccountState::default());

        assert_eq!(state.quota.spool_offset, 10049);
        assert_eq!(state.quota.suspicions.len(), 1, "the one suspicion of a version-1 file");
        let suspicion = state.quota.suspicion_of("b").unwrap();
        assert_eq!(suspicion.account, "b");
        assert_eq!(suspicion.hit.signal, crate::quota::detect::Signal::Pane);
        assert_eq!(suspicion.hit.session.as_deref(), Some("main"));
        assert_eq!(suspicion.hit.reset_at, None);
        let check = state.quota.last_check.as_ref().unwrap();
        assert_eq!((check.outcome.as_str(), check.account.as_deref()), ("suspected", Some("b")));

        let swap = state.swap.last.as_ref().unwrap();
        assert_eq!((swap.from.as_str(), swap.to.as_str()), ("a", "b"));
        assert!(swap.reason.starts_with("quota hit: You've hit your limit"), "{}", swap.reason);
        assert_eq!(state.swap.journal, None);
        assert_eq!(state.swap.partial_latch, None);

        assert_eq!(state.sessions.len(), 3);
        let main = &state.sessions["main"];
        assert_eq!((main.kind, main.status, main.task.as_deref()), (SessionKind::Dedicated, SessionStatus::Idle, None));
        assert_eq!(main.claude_session_id.as_deref(), Some("2301d2b8-93cc-4c6c-acd8-75de3983269a"));
        for (name, task) in [("w1", "app:tests"), ("w2", "app:docs")] {
            let session = &state.sessions[name];
            assert_eq!((session.kind, session.status), (SessionKind::Pool, SessionStatus::Working), "{name}");
            assert_eq!(session.task.as_deref(), Some(task));
            assert!(session.since.is_some() && session.last_dispatch.is_some() && session.claude_session_id.is_some());
            let memo = &state.queue.sessions[name];
            assert!(memo.delivered, "{name}");
            assert_eq!(memo.model.as_deref(), Some("sonnet"));
            let claimed = memo.task_path.as_ref().unwrap().display().to_string();
            assert!(claimed.ends_with(&format!("/{}.md.dispatched", &task[4..])), "{claimed}");
            assert!(memo.screen_hash.is_some() && memo.transcript_len.is_some() && memo.last_activity.is_some());
        }
        assert_eq!(state.queue.sessions["w1"].screen_hash, Some(9_757_796_139_157_668_972), "a u64 above i64::MAX");
        assert_eq!(state.queue.spool_offset, 10049);
        assert_eq!(state.queue.blocked_alerted.iter().collect::<Vec<_>>(), ["app:deploy"]);

        let events: Vec<&str> = state.legacy_history.iter().map(|e| e.event.as_str()).collect();
        let expected = [
            "dispatched",
            "dispatched",
            "task-done",
            "task-done",
            "dispatched",
            "dispatched",
            "quota-hit",
            "swap-started",
            "swap-done",
            "quota-suspected",
            "task-blocked",
        ];
        assert_eq!(events, expected);
        let shown = store.history().unwrap();
        assert_eq!(shown.entries, state.legacy_history, "log shows an array not moved yet");

        // A save by this build moves the array to history.jsonl and loads back to the
        // same state.
        let mut state = state;
        store.lock().unwrap().save(&mut state).unwrap();
        assert_eq!(store.read().unwrap(), state);
        assert_eq!(store.history().unwrap().entries, shown.entries);
        let moved = crate::history::read(store.paths()).unwrap();
        assert_eq!(moved.entries.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), expected);
    }

    /// `tests/fixtures/state/v1-mid-swap.json`: what a version-1 swap killed after its
    /// first relaunch left, a journal to finish.
    #[test]
    fn the_version_1_mid_swap_fixture_loads_its_journal() {
        use crate::swap::journal::{Phase, Reason};
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), include_str!("../tests/fixtures/state/v1-mid-swap.json"));
        let state = store.read().unwrap();
        let journal = state.swap.journal.as_ref().unwrap();
        assert_eq!((journal.from.as_str(), journal.to.as_str(), journal.phase), ("a", "b", Phase::Switched));
        let Reason::QuotaHit { snippet, reset_at } = &journal.reason else { panic!("{:?}", journal.reason) };
        assert!(snippet.contains("resets 8pm"), "{snippet}");
        assert_eq!(*reset_at, Some(at("2026-12-02T19:00:00Z")));
        assert!(journal.link_before.as_ref().unwrap().ends_with("accounts/a"));
        let sessions: Vec<String> = journal
            .sessions
            .iter()
            .map(|s| {
                let outcome = s.outcome.as_ref().map(ToString::to_string);
                format!("{} {:?} working={} {:?} {outcome:?}", s.name, s.plan, s.working, s.task)
            })
            .collect();
        assert_eq!(
            sessions,
            [
                "main Resume working=false None Some(\"resumed on b\")",
                "w1 Resume working=true Some(\"app:tests\") None",
                "w2 Resume working=true Some(\"app:docs\") None",
            ]
        );
        assert!(journal.sessions.iter().all(|s| s.claude_session_id.is_some() && s.cwd.is_some()));
        assert_eq!(state.swap.last, None);
        assert_eq!(state.accounts["a"].drained_until, Some(at("2026-12-02T19:00:00Z")));
    }

    /// The pauses are a field older files lack and nothing-paused files leave out.
    #[test]
    fn pauses_load_from_files_without_them_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), include_str!("../tests/fixtures/state/v1.json"));
        let mut state = store.read().unwrap();
        assert!(state.pause.is_empty());
        store.lock().unwrap().save(&mut state).unwrap();
        let saved: serde_json::Value = serde_json::from_slice(&fs::read(store.paths().state_file()).unwrap()).unwrap();
        assert!(saved.get("pause").is_none(), "nothing paused, nothing written");
        let pause = Pause { since: at("2026-12-02T03:00:00Z"), reason: Some("freeze".to_owned()), logged: false };
        state.pause.projects.insert("app".to_owned(), pause.clone());
        state.pause.upkeep = Some(pause.clone());
        store.lock().unwrap().save(&mut state).unwrap();
        let back = store.read().unwrap();
        assert_eq!(back.pause, state.pause);
        assert_eq!(back.pause.dispatch_of("app"), Some(&pause));
        assert_eq!(back.pause.dispatch_of("web"), None);
    }

    #[test]
    fn a_conversation_is_placed_when_its_account_changes_and_old_spans_go() {
        let mut state = State::fresh();
        let t0 = at("2026-11-21T06:00:00Z");
        let hours = |n: i64| t0 + chrono::TimeDelta::hours(n);
        assert!(state.place("c1", "a", t0));
        assert!(!state.place("c1", "a", hours(1)), "the same account again adds nothing");
        assert!(state.place("c2", "a", hours(1)));
        assert!(state.place("c1", "b", hours(2)));
        // An observation older than the latest span starts at the latest span.
        assert!(state.place("c1", "a", hours(1)));
        let spans: Vec<(&str, &str, DateTime<Utc>)> =
            state.placements.iter().map(|p| (p.session_id.as_str(), p.account.as_str(), p.since)).collect();
        assert_eq!(spans, [("c1", "a", t0), ("c2", "a", hours(1)), ("c1", "b", hours(2)), ("c1", "a", hours(2))]);
        let placed = crate::usage::placed_at(&state.placements, "c1", hours(2));
        assert_eq!(placed, Some("a"), "the later of two at one instant");

        // Nine days on: c1's spans that ended before the retention start go (the one
        // that ran until now stays), the latest of each conversation stays however old.
        assert!(state.place("c1", "b", hours(2 + 24 * 9)));
        assert!(state.place("c3", "b", hours(3 + 24 * 9)));
        let left: Vec<(&str, &str)> =
            state.placements.iter().map(|p| (p.session_id.as_str(), p.account.as_str())).collect();
        assert_eq!(left, [("c2", "a"), ("c1", "a"), ("c1", "b"), ("c3", "b")]);
        // A span that ended inside the retention stays: it covers kept usage.
        assert!(state.place("c3", "a", hours(4 + 24 * 9)));
        assert_eq!(state.placements.len(), 5);

        // The hard cap drops the oldest.
        let mut state = State::fresh();
        for i in 0..PLACEMENTS_LIMIT + 10 {
            state.place(&format!("c{i}"), "a", t0 + chrono::TimeDelta::seconds(i as i64));
        }
        assert_eq!(state.placements.len(), PLACEMENTS_LIMIT);
        assert_eq!(state.placements[0].session_id, "c10");
    }

    #[test]
    fn history_is_bounded_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).with_history_limit(40);
        let at = Utc::now();
        store
            .update(|state| {
                for i in 0..50 {
                    state.record(at, "e", i.to_string()).session("w1");
                }
                Ok::<_, StateError>(())
            })
            .unwrap();
        assert_eq!(store.history().unwrap().entries.len(), 50, "up to 1.25 x the bound between trims");
        store
            .update(|state| {
                for i in 50..60 {
                    state.record(at, "e", i.to_string()).session("w1");
                }
                Ok::<_, StateError>(())
            })
            .unwrap();
        let history = store.history().unwrap().entries;
        assert_eq!(history.len(), 40);
        assert_eq!((history[0].detail.as_str(), history[0].session.as_deref()), ("20", Some("w1")));
        assert_eq!(history[39].detail, "59");
    }

    #[test]
    fn history_entries_without_the_newer_fields_load() {
        let entry: HistoryEntry =
            serde_json::from_str(r#"{"at": "2026-12-02T00:00:00Z", "event": "dispatched", "detail": "app:t to w1"}"#)
                .unwrap();
        assert_eq!(entry, HistoryEntry::new(at("2026-12-02T00:00:00Z"), "dispatched", "app:t to w1"));
        let mut entry = entry;
        entry.task("app:t");
        assert_eq!(entry.project(), Some("app"));
        let text = serde_json::to_string(&HistoryEntry::new(at("2026-12-02T00:00:00Z"), "e", "d")).unwrap();
        assert_eq!(text, r#"{"at":"2026-12-02T00:00:00Z","event":"e","detail":"d"}"#, "absent fields are not written");
    }
}
