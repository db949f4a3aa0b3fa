//! Bringing sessions back after their tmux session was lost (a reboot, a killed
//! server, a killed session): the machine's fault, never the task's. Pure: what a run
//! saw of one session in, a plan out; `watch-once` carries the plan out.
//!
//! Two rules. [`after_loss`] decides once, when a session ccfail knows is found absent:
//! its conversation comes back with `claude --resume <id>` when its transcript is where
//! the active account's client looks, else a fresh client; a claimed task stays claimed
//! and is told to go on, unless its turn had ended (done), its prompt never arrived or
//! its conversation cannot be resumed (back to the inbox, no attempt counted), or its
//! turn had failed by its own error (requeued, counted as any failed try). The plan is
//! saved as [`Recovering`] before anything is created; [`next_step`] then takes the
//! session one step further on every run from what it finds (absent, at the shell, at
//! its box), so a run killed at any point leaves a state the next run finishes from.

use crate::delivery::{Source, Turn};
use crate::pool::Activity;
use crate::state::{Recovering, SessionKind};

/// What a lost session's task is told once its conversation is back: a turn of its own
/// (with its own delivery token), so only that turn's end completes the task.
pub const GO_ON_PROMPT: &str = "The machine restarted (or its tmux server was lost) and this conversation was resumed. \
     Continue the task you were working on from where you left off.";

/// What a run knows of a session found without its tmux session.
#[derive(Debug, Clone)]
pub struct Lost<'a> {
    pub kind: SessionKind,
    /// The conversation ccfail recorded for it.
    pub conversation: Option<&'a str>,
    /// That conversation's transcript is where the active account's client looks
    /// (`<home>/projects/<slug of its dir>/<id>.jsonl`): `--resume` can bring it back.
    pub resumable: bool,
    /// The claimed task, if any: whether its prompt arrived, and its turn as the
    /// transcript tells it (the hook events of a lost pane are no use any more).
    pub task: Option<(bool, Turn)>,
}

/// What becomes of a claimed task when its session is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAfter {
    /// Stays claimed; the resumed conversation is told to go on with it.
    GoOn,
    /// Stays claimed and is left as it is: its turn waits on the usage limit (the
    /// usual rules continue it at the reset), or the session is the operator's.
    Keep,
    /// Its turn had ended normally before the loss: done.
    Complete(&'static str),
    /// Back to the inbox, no attempt counted: the machine failed, not the task.
    Unclaim(&'static str),
    /// Its turn had failed by its own error: requeued with the attempt counted.
    Requeue(String),
}

/// The plan for a lost session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `claude --resume` of this conversation; `None`: a fresh client.
    pub resume: Option<String>,
    pub task: Option<TaskAfter>,
}

/// The rule for a session found absent that ccfail knows. `None`: nothing ccfail knows
/// ran there (no conversation, no task): the pool's own upkeep recreates a pool name, a
/// dedicated one is the operator's to launch.
pub fn after_loss(lost: &Lost<'_>) -> Option<Plan> {
    if lost.conversation.is_none() && lost.task.is_none() {
        return None;
    }
    let resumable = lost.conversation.filter(|_| lost.resumable).map(str::to_owned);
    let task = lost.task.as_ref().map(|(delivered, turn)| match turn {
        Turn::Done { source: Source::Hook } => TaskAfter::Complete("Stop hook event of its turn"),
        Turn::Done { source: Source::Transcript } => TaskAfter::Complete("its turn ended in the transcript"),
        _ if !delivered => TaskAfter::Unclaim("its prompt never arrived before the tmux session was lost"),
        Turn::Failed { limit: false, error } => TaskAfter::Requeue(format!("its turn failed: {error}")),
        _ if resumable.is_none() => {
            TaskAfter::Unclaim("the tmux session was lost and its conversation has no transcript to resume")
        }
        // The operator's session: brought back, never typed into.
        _ if lost.kind == SessionKind::Dedicated => TaskAfter::Keep,
        Turn::Failed { limit: true, .. } => TaskAfter::Keep,
        // Running, or cut off by the loss itself: the same conversation goes on.
        Turn::Running | Turn::Interrupted { .. } | Turn::NotDelivered => TaskAfter::GoOn,
    });
    // A pool session whose task is over starts fresh, as after any task; one still on
    // its task, an idle one and the operator's come back in their conversation.
    let over = matches!(task, Some(TaskAfter::Complete(_) | TaskAfter::Unclaim(_) | TaskAfter::Requeue(_)));
    let resume = if over && lost.kind == SessionKind::Pool { None } else { resumable };
    Some(Plan { resume, task })
}

/// One step of a recovery under way, from what this run sees of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Create the tmux session in the recovery's dir, then start the client.
    Create,
    /// The pane's process exited: respawn it, then start the client.
    Respawn,
    /// At the shell: start the client (`--resume` of the conversation, or fresh).
    Start,
    /// The client is back at its box: type the go-on prompt.
    GoOn,
    /// The client is back (and its task told to go on): the recovery is over, the
    /// usual rules take the session from here.
    Finished,
    /// Nothing can be told yet (the screen says neither box nor shell): next run.
    Wait,
}

/// `go_on_received`: the client recorded the go-on prompt's token (hook or transcript).
pub fn next_step(recovering: &Recovering, activity: Activity, go_on_received: bool) -> Step {
    match activity {
        Activity::Absent => Step::Create,
        Activity::DeadPane => Step::Respawn,
        Activity::Shell => Step::Start,
        Activity::Idle if recovering.go_on.is_some() && !go_on_received => Step::GoOn,
        Activity::Idle | Activity::Busy | Activity::Waiting => Step::Finished,
        Activity::Unknown => Step::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use std::path::PathBuf;

    fn lost(kind: SessionKind, conversation: Option<&str>, resumable: bool, task: Option<(bool, Turn)>) -> Lost<'_> {
        Lost { kind, conversation, resumable, task }
    }

    #[test]
    fn a_conversation_with_a_transcript_comes_back_and_its_task_goes_on() {
        let running = Some((true, Turn::Running));
        let plan = after_loss(&lost(SessionKind::Pool, Some("abc"), true, running)).unwrap();
        assert_eq!(plan, Plan { resume: Some("abc".to_owned()), task: Some(TaskAfter::GoOn) });
        // Cut off by the loss (SIGHUP ended the client mid-turn): the machine's doing.
        let cut = Some((true, Turn::Interrupted { why: "the client left before its turn ended" }));
        assert_eq!(after_loss(&lost(SessionKind::Pool, Some("abc"), true, cut)).unwrap().task, Some(TaskAfter::GoOn));
        let idle = after_loss(&lost(SessionKind::Pool, Some("abc"), true, None)).unwrap();
        assert_eq!(idle, Plan { resume: Some("abc".to_owned()), task: None });
        let dedicated = after_loss(&lost(SessionKind::Dedicated, Some("def"), true, None)).unwrap();
        assert_eq!(dedicated.resume.as_deref(), Some("def"));
    }

    #[test]
    fn the_machine_failing_never_counts_against_a_task_its_own_error_does() {
        let no_transcript = after_loss(&lost(SessionKind::Pool, Some("abc"), false, Some((true, Turn::Running))));
        assert!(matches!(no_transcript.unwrap().task, Some(TaskAfter::Unclaim(_))));
        let no_id = after_loss(&lost(SessionKind::Pool, None, false, Some((true, Turn::Running)))).unwrap();
        assert_eq!(no_id.resume, None);
        assert!(matches!(no_id.task, Some(TaskAfter::Unclaim(_))));
        let undelivered = after_loss(&lost(SessionKind::Pool, Some("abc"), true, Some((false, Turn::NotDelivered))));
        assert!(matches!(undelivered.unwrap(), Plan { resume: None, task: Some(TaskAfter::Unclaim(_)) }));
        let failed = Turn::Failed { limit: false, error: "invalid_request".to_owned() };
        let failed = after_loss(&lost(SessionKind::Pool, Some("abc"), true, Some((true, failed)))).unwrap();
        assert!(matches!(failed.task, Some(TaskAfter::Requeue(_))), "its own error is counted");
        let done = Turn::Done { source: Source::Transcript };
        let done = after_loss(&lost(SessionKind::Pool, Some("abc"), true, Some((true, done)))).unwrap();
        assert_eq!(done, Plan { resume: None, task: Some(TaskAfter::Complete("its turn ended in the transcript")) });
        let limited = Turn::Failed { limit: true, error: "rate_limit".to_owned() };
        let limited = after_loss(&lost(SessionKind::Pool, Some("abc"), true, Some((true, limited)))).unwrap();
        assert_eq!(limited.task, Some(TaskAfter::Keep), "parked on the limit: resumed, not typed into");
    }

    #[test]
    fn nothing_known_nothing_planned_and_the_operators_session_is_never_typed_into() {
        assert_eq!(after_loss(&lost(SessionKind::Pool, None, false, None)), None);
        assert_eq!(after_loss(&lost(SessionKind::Dedicated, None, false, None)), None);
        let fresh = after_loss(&lost(SessionKind::Dedicated, Some("def"), false, None)).unwrap();
        assert_eq!(fresh, Plan { resume: None, task: None }, "a conversation never written: a fresh client");
        let held = after_loss(&lost(SessionKind::Dedicated, Some("def"), true, Some((true, Turn::Running)))).unwrap();
        assert_eq!(held.task, Some(TaskAfter::Keep));
    }

    #[test]
    fn each_run_takes_a_recovery_one_step_further_from_what_it_finds() {
        let mut recovering = Recovering {
            resume: Some("abc".to_owned()),
            dir: PathBuf::from("/w"),
            go_on: Some("tok".to_owned()),
            since: DateTime::UNIX_EPOCH,
        };
        assert_eq!(next_step(&recovering, Activity::Absent, false), Step::Create);
        assert_eq!(next_step(&recovering, Activity::DeadPane, false), Step::Respawn);
        assert_eq!(next_step(&recovering, Activity::Shell, false), Step::Start, "killed after the create");
        assert_eq!(next_step(&recovering, Activity::Idle, false), Step::GoOn, "killed before the go-on");
        assert_eq!(next_step(&recovering, Activity::Idle, true), Step::Finished, "killed after it was sent");
        assert_eq!(next_step(&recovering, Activity::Busy, false), Step::Finished);
        assert_eq!(next_step(&recovering, Activity::Unknown, false), Step::Wait);
        recovering.go_on = None;
        assert_eq!(next_step(&recovering, Activity::Idle, false), Step::Finished);
    }
}
