//! The swap journal: what a swap in progress has decided and done, stored in state
//! before anything is touched and advanced one phase at a time.
//!
//! A run that finds a journal it did not write (the swap that wrote it crashed, was
//! killed, or the machine rebooted: it held the state lock for its whole life, so a
//! journal found under the lock is orphaned) finishes it forward from `phase`, or rolls
//! it back if it had not reached [`Phase::Switched`].

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::state::SessionKind;

/// Phases in order; each is recorded once it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// From, to, reason and the sessions involved are recorded; nothing touched yet.
    Planned,
    /// Every involved session's Claude session id, cwd and task are recorded.
    Saved,
    /// Claude is stopped in every involved pane (the tmux sessions are kept).
    Stopped,
    /// The active link points at the target and its shared links are in place.
    Switched,
    /// Every session is started again on the target (failures are recorded per session).
    Relaunched,
}

/// Why the swap happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    Manual,
    QuotaHit { snippet: String, reset_at: Option<DateTime<Utc>> },
    Proactive { detail: String },
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::Manual => "manual".to_owned(),
            Reason::QuotaHit { snippet, .. } => format!("quota hit: {snippet}"),
            Reason::Proactive { detail } => format!("proactive: {detail}"),
        }
    }
}

/// What the swap does with one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// Stop Claude and resume the same conversation on the target.
    Resume,
    /// Stop Claude and start a fresh one on the target (an idle pool session).
    Fresh,
    /// No valid session id: stop Claude and leave the pane at its shell, never start
    /// a conversation blind.
    LeaveAtShell,
    /// Claude is not running there: nothing to stop or start.
    Untouched,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapSession {
    pub name: String,
    pub kind: SessionKind,
    pub plan: Plan,
    /// Claude was working (busy) when the swap was planned.
    pub working: bool,
    pub cwd: Option<PathBuf>,
    /// The conversation to resume, a validated UUID.
    pub claude_session_id: Option<String>,
    /// Where the id came from: client state, hook event, transcript, pane.
    pub id_source: Option<String>,
    /// The pool task it carries, as `project:id`.
    pub task: Option<String>,
    /// What happened at the relaunch (or the rollback), for `status`.
    pub outcome: Option<String>,
    /// The model the client ran with (`--model`), given again at the relaunch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub from: String,
    pub to: String,
    pub reason: Reason,
    pub started_at: DateTime<Utc>,
    /// The last completed phase.
    pub phase: Phase,
    pub sessions: Vec<SwapSession>,
    /// Where the active link pointed before the switch, for the rollback.
    pub link_before: Option<PathBuf>,
    /// When the first client was started on the target: usage from then on is the target's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_started_at: Option<DateTime<Utc>>,
}
