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
    /// The swap could not switch and is being undone: the link put back, the stopped
    /// sessions started again on `from`. A run that finds it goes on undoing, never
    /// forward.
    RollingBack,
    /// Neither finished nor undone: the partial-swap latch is set. The journal is kept
    /// for the operator (it holds the conversations); no run touches it until
    /// `swap --clear-partial`.
    Latched,
}

/// What a run that finds a journal under the lock does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Latched: leave it alone (it was notified once, when the latch was set).
    LeaveLatched,
    /// It had switched: finish it forward.
    Finish,
    /// It had not switched: undo it.
    RollBack,
}

impl Journal {
    /// The state machine's rule for a journal left by a swap that died.
    pub fn recovery(&self, latch_set: bool) -> Recovery {
        match self.phase {
            _ if latch_set => Recovery::LeaveLatched,
            Phase::Latched => Recovery::LeaveLatched,
            Phase::Switched | Phase::Relaunched => Recovery::Finish,
            Phase::Planned | Phase::Saved | Phase::Stopped | Phase::RollingBack => Recovery::RollBack,
        }
    }

    /// Whether sessions may have been stopped: the rollback starts them again.
    pub fn stopped_any(&self) -> bool {
        match self.phase {
            Phase::Planned => false,
            Phase::RollingBack => self.rolled_back_from.is_none_or(|p| p != Phase::Planned),
            _ => true,
        }
    }
}

/// What the relaunch (or the rollback) did with one session.
/// Written as its sentence (`resumed on b`, `failed: …`), as journals and `--json` always
/// showed it; read back by [`SessionOutcome::from_sentence`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionOutcome {
    /// The conversation was resumed on `account`.
    Resumed {
        account: String,
    },
    /// Resumed, and its task (whose prompt had arrived) told to continue.
    Continued {
        account: String,
    },
    /// Resumed, but its task's prompt had never arrived: no continuation; the task is
    /// sent again by dispatch once watch-once finds no proof of it.
    ResumedTaskResent {
        account: String,
    },
    /// A fresh client on `account` (an idle pool session).
    Fresh {
        account: String,
    },
    /// A client was already running in the pane.
    AlreadyRunning,
    Failed {
        reason: String,
    },
}

impl SessionOutcome {
    /// The outcome a sentence of an older journal names (the inverse of `Display`).
    pub fn from_sentence(text: &str) -> SessionOutcome {
        let account = |rest: &str| rest.split([' ', ';']).next().unwrap_or("").to_owned();
        if let Some(reason) = text.strip_prefix("failed: ") {
            SessionOutcome::Failed { reason: reason.to_owned() }
        } else if text == "already running" {
            SessionOutcome::AlreadyRunning
        } else if let Some(rest) = text.strip_prefix("fresh start on ") {
            SessionOutcome::Fresh { account: account(rest) }
        } else if let Some(rest) = text.strip_prefix("resumed on ") {
            if text.ends_with("told to continue") {
                SessionOutcome::Continued { account: account(rest) }
            } else if text.contains("sent again") {
                SessionOutcome::ResumedTaskResent { account: account(rest) }
            } else {
                SessionOutcome::Resumed { account: account(rest) }
            }
        } else {
            SessionOutcome::Failed { reason: format!("unrecognized outcome {text:?}") }
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self, SessionOutcome::Failed { .. })
    }
}

impl Serialize for SessionOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl std::fmt::Display for SessionOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionOutcome::Resumed { account } => write!(f, "resumed on {account}"),
            SessionOutcome::Continued { account } => write!(f, "resumed on {account} and told to continue"),
            SessionOutcome::ResumedTaskResent { account } => {
                write!(f, "resumed on {account}; its task's prompt never arrived, so it is sent again")
            }
            SessionOutcome::Fresh { account } => write!(f, "fresh start on {account}"),
            SessionOutcome::AlreadyRunning => write!(f, "already running"),
            SessionOutcome::Failed { reason } => write!(f, "failed: {reason}"),
        }
    }
}

/// Why the swap happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    Manual,
    QuotaHit {
        snippet: String,
        reset_at: Option<DateTime<Utc>>,
    },
    Proactive {
        detail: String,
    },
    /// Placement moves some sessions (`placement.policy`, `placement.return`).
    Placement {
        why: crate::placement::Why,
    },
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::Manual => "manual".to_owned(),
            Reason::QuotaHit { snippet, .. } => format!("quota hit: {snippet}"),
            Reason::Proactive { detail } => format!("proactive: {detail}"),
            Reason::Placement { why } => format!("placement: {}", why.describe()),
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

/// How far one session's stop or start got, recorded per session as the parallel steps
/// go, so a run that dies mid-step leaves each session's progress behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Handed to a worker: keys may have been sent to its pane.
    Begun,
    /// Finished (for a start: its outcome is recorded too).
    Done,
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
    /// The task's prompt had arrived (the delivery proof) when the ids were saved: only
    /// then does a continuation prompt continue it.
    #[serde(default)]
    pub task_delivered: bool,
    /// Its task's turn had already ended normally (a Stop of its own prompt): no
    /// continuation is sent.
    #[serde(default)]
    pub task_turn_ended: bool,
    /// The model the client ran with (`--model`), given again at the relaunch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// How far its stop got: `begun` is recorded before the first key is sent, `done` once
    /// Claude has left the pane. A run that rolls back a swap which died with a stop
    /// begun finishes that stop first (the client may be halfway out, `/exit` typed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Mark>,
    /// How far its start got (on the target, or on `from` when rolling back): a run that
    /// finds a start begun and the client running waits for its input box rather than
    /// typing the command again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Mark>,
    /// What happened at the relaunch (or the rollback), for `status`. A journal written
    /// before outcomes were typed holds the sentence; it is read back as the outcome.
    #[serde(default, deserialize_with = "outcome_or_sentence")]
    pub outcome: Option<SessionOutcome>,
}

fn outcome_or_sentence<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SessionOutcome>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Typed(SessionOutcome),
        Sentence(String),
    }
    Ok(Option::<Repr>::deserialize(d)?.map(|repr| match repr {
        Repr::Typed(outcome) => outcome,
        Repr::Sentence(text) => SessionOutcome::from_sentence(&text),
    }))
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
    /// The phase the rollback started from, and why it happens.
    #[serde(default)]
    pub rolled_back_from: Option<Phase>,
    #[serde(default)]
    pub rollback_reason: Option<String>,
    /// When the first client was started on the target: usage from then on is the target's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_started_at: Option<DateTime<Utc>>,
    /// A move of some sessions ([`crate::swap::move_sessions`]), not of the pool: the
    /// active account and its link stay where they are.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(phase: Phase) -> Journal {
        Journal {
            from: "a".into(),
            to: "b".into(),
            reason: Reason::Manual,
            started_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
            phase,
            sessions: Vec::new(),
            link_before: None,
            rolled_back_from: None,
            rollback_reason: None,
            target_started_at: None,
            partial: false,
        }
    }

    #[test]
    fn a_latched_journal_is_left_alone_and_a_rollback_goes_on_rolling_back() {
        assert_eq!(journal(Phase::Latched).recovery(false), Recovery::LeaveLatched);
        assert_eq!(journal(Phase::Saved).recovery(true), Recovery::LeaveLatched, "the latch wins");
        assert_eq!(journal(Phase::RollingBack).recovery(false), Recovery::RollBack);
        assert_eq!(journal(Phase::Stopped).recovery(false), Recovery::RollBack);
        assert_eq!(journal(Phase::Switched).recovery(false), Recovery::Finish);
        assert!(!journal(Phase::Planned).stopped_any());
        let mut back = journal(Phase::RollingBack);
        back.rolled_back_from = Some(Phase::Planned);
        assert!(!back.stopped_any());
        back.rolled_back_from = Some(Phase::Stopped);
        assert!(back.stopped_any());
    }

    #[test]
    fn an_older_journals_sentences_read_back_as_outcomes() {
        let all = [
            SessionOutcome::Resumed { account: "b".into() },
            SessionOutcome::Continued { account: "b".into() },
            SessionOutcome::ResumedTaskResent { account: "b".into() },
            SessionOutcome::Fresh { account: "b".into() },
            SessionOutcome::AlreadyRunning,
            SessionOutcome::Failed { reason: "the tmux session is gone".into() },
        ];
        for outcome in all {
            assert_eq!(SessionOutcome::from_sentence(&outcome.to_string()), outcome);
        }
        let session: SwapSession = serde_json::from_value(serde_json::json!({
            "name": "w1", "kind": "pool", "plan": "resume", "working": true, "cwd": null,
            "claude_session_id": null, "id_source": null, "task": null, "outcome": "resumed on b"
        }))
        .unwrap();
        assert_eq!(session.outcome, Some(SessionOutcome::Resumed { account: "b".into() }));
    }

    #[test]
    fn outcomes_read_as_before() {
        assert_eq!(SessionOutcome::Continued { account: "b".into() }.to_string(), "resumed on b and told to continue");
        assert!(SessionOutcome::Failed { reason: "x".into() }.failed());
    }
}
