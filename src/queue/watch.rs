//! watch-once's rules for a session that holds a task: done, stalled, dead, or still
//! working. Pure: the facts a run observed and what the last run remembered in, a
//! verdict out.

use chrono::{DateTime, Duration, Utc};

use crate::delivery::{Source, Turn};
use crate::pool::Activity;
use crate::state::SessionWatch;

/// What one run saw of a session that holds a task.
#[derive(Debug, Clone)]
pub struct Facts {
    pub activity: Option<Activity>,
    /// `watch.done_file` exists for the task.
    pub done_file: bool,
    /// The turn that began with the task's token ([`crate::delivery::turn`]).
    pub turn: Turn,
    /// The turn ended on the usage limit (a StopFailure with a limit notice, the notice
    /// or the 2.1.332 limit footer on screen): the client waits for its quota.
    pub parked_on_limit: bool,
    /// Any sign of life since the last run: pane text, hook event, transcript growth.
    pub changed: bool,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts { activity: None, done_file: false, turn: Turn::Running, parked_on_limit: false, changed: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The tmux session is gone or Claude exited: requeue, recover the session.
    Dead(&'static str),
    /// The turn ended normally: the task is done.
    Done(&'static str),
    /// The turn ended without finishing (interrupted, or failed by anything but a rate
    /// limit): the task goes back to the inbox (attempt counted), the session is recycled.
    Requeue(String),
    /// Quiet for `restart_after`: requeue and restart.
    Restart,
    /// Quiet for `stall_after`: flag it (once).
    Stalled,
    /// Waiting for its account's quota: neither done nor stalled, never restarted (a
    /// restart would lose nothing but gain nothing either: the quota is the same). It goes
    /// on in the same conversation at the reset, or on another account after a swap.
    Parked,
    Working,
}

pub struct Limits {
    pub idle_grace: Duration,
    pub stall_after: Duration,
    pub restart_after: Duration,
}

/// Judges a working session and updates `memo` (idle since, last activity).
///
/// The rule (README, "Task queue"): done only when the turn that began with the task's
/// token ended normally (a Stop of that turn, or its end in the transcript) or the done
/// file exists. An interrupted turn, or one that failed with anything but a rate limit,
/// is requeued. A rate-limited turn waits (the swap resumes and continues it). A client
/// idle at its box for `idle_grace` with no end of the turn recorded anywhere ended it
/// some other way: requeued, never done.
pub fn judge(facts: &Facts, memo: &mut SessionWatch, limits: &Limits, now: DateTime<Utc>) -> Verdict {
    match facts.activity {
        None | Some(Activity::Absent) => return Verdict::Dead("the tmux session is gone"),
        Some(Activity::DeadPane) => return Verdict::Dead("the pane's process exited"),
        Some(Activity::Shell) => return Verdict::Dead("Claude exited to the shell"),
        _ => {}
    }
    match &facts.turn {
        Turn::Done { source: Source::Hook } => return Verdict::Done("Stop hook event of its turn"),
        Turn::Done { source: Source::Transcript } => return Verdict::Done("its turn ended in the transcript"),
        Turn::Interrupted { why } => return Verdict::Requeue(format!("its turn was interrupted: {why}")),
        Turn::Failed { limit: false, error } => return Verdict::Requeue(format!("its turn failed: {error}")),
        Turn::Failed { limit: true, .. } | Turn::Running | Turn::NotDelivered => {}
    }
    if facts.done_file && facts.turn != Turn::NotDelivered {
        return Verdict::Done("done file");
    }
    let on_limit = facts.parked_on_limit || matches!(facts.turn, Turn::Failed { limit: true, .. });
    if on_limit && !matches!(facts.activity, Some(Activity::Busy)) {
        // Waiting for quota is not silence: the stall clock starts again when it goes on.
        memo.idle_since = None;
        memo.last_activity = Some(now);
        return Verdict::Parked;
    }
    if facts.activity == Some(Activity::Idle) && facts.turn == Turn::Running {
        let since = *memo.idle_since.get_or_insert(now);
        if now - since >= limits.idle_grace {
            return Verdict::Requeue(
                "idle at its input box with no end of its turn recorded (no Stop, no transcript end)".to_owned(),
            );
        }
    } else {
        memo.idle_since = None;
    }
    if facts.changed || memo.last_activity.is_none() {
        memo.last_activity = Some(now);
    }
    let quiet = now - memo.last_activity.unwrap_or(now);
    if quiet >= limits.restart_after {
        Verdict::Restart
    } else if quiet >= limits.stall_after {
        Verdict::Stalled
    } else {
        Verdict::Working
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    const LIMITS: Limits = Limits {
        idle_grace: Duration::seconds(30),
        stall_after: Duration::seconds(600),
        restart_after: Duration::seconds(1200),
    };

    fn facts(activity: Activity) -> Facts {
        Facts { activity: Some(activity), ..Facts::default() }
    }

    #[test]
    fn only_its_own_turn_ending_normally_is_done() {
        let mut memo = SessionWatch::default();
        let stopped = Facts { turn: Turn::Done { source: Source::Hook }, ..facts(Activity::Idle) };
        assert_eq!(judge(&stopped, &mut memo, &LIMITS, at(0)), Verdict::Done("Stop hook event of its turn"));
        let interrupted = Facts { turn: Turn::Interrupted { why: "escape" }, ..facts(Activity::Idle) };
        assert!(matches!(judge(&interrupted, &mut memo, &LIMITS, at(0)), Verdict::Requeue(_)));
        let limited = Facts { turn: Turn::Failed { limit: true, error: "rate_limit".into() }, ..facts(Activity::Idle) };
        assert_eq!(judge(&limited, &mut memo, &LIMITS, at(0)), Verdict::Parked, "a limit waits for its quota");
        let failed =
            Facts { turn: Turn::Failed { limit: false, error: "server_error".into() }, ..facts(Activity::Idle) };
        assert!(matches!(judge(&failed, &mut memo, &LIMITS, at(0)), Verdict::Requeue(_)));
        let undelivered = Facts { done_file: true, turn: Turn::NotDelivered, ..facts(Activity::Idle) };
        assert_eq!(judge(&undelivered, &mut memo, &LIMITS, at(0)), Verdict::Working, "no proof, no done");
    }

    #[test]
    fn idle_without_any_end_of_its_turn_is_requeued_after_the_grace_never_done() {
        let mut memo = SessionWatch::default();
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(0)), Verdict::Working);
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(20)), Verdict::Working);
        assert_eq!(judge(&facts(Activity::Busy), &mut memo, &LIMITS, at(25)), Verdict::Working);
        assert_eq!(memo.idle_since, None, "working again resets the grace");
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(30)), Verdict::Working);
        assert!(matches!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(60)), Verdict::Requeue(_)));
    }

    #[test]
    fn quiet_sessions_stall_then_restart_and_dead_ones_are_dead() {
        let mut memo = SessionWatch::default();
        let busy = Facts { changed: true, ..facts(Activity::Busy) };
        assert_eq!(judge(&busy, &mut memo, &LIMITS, at(0)), Verdict::Working);
        let quiet = facts(Activity::Busy);
        assert_eq!(judge(&quiet, &mut memo, &LIMITS, at(599)), Verdict::Working);
        assert_eq!(judge(&quiet, &mut memo, &LIMITS, at(600)), Verdict::Stalled);
        assert_eq!(judge(&quiet, &mut memo, &LIMITS, at(1200)), Verdict::Restart);
        assert_eq!(judge(&busy, &mut memo, &LIMITS, at(1201)), Verdict::Working, "activity clears the stall");
        assert!(matches!(judge(&facts(Activity::Shell), &mut memo, &LIMITS, at(0)), Verdict::Dead(_)));
        assert!(matches!(judge(&Facts::default(), &mut memo, &LIMITS, at(0)), Verdict::Dead(_)));
    }

    #[test]
    fn a_session_parked_on_the_limit_is_neither_done_nor_stalled_nor_restarted() {
        let mut memo = SessionWatch::default();
        let parked = Facts { parked_on_limit: true, ..facts(Activity::Idle) };
        for minutes in [0, 30, 60, 300] {
            assert_eq!(judge(&parked, &mut memo, &LIMITS, at(minutes * 60)), Verdict::Parked, "{minutes} min");
        }
        // at the reset it goes on by itself: busy again, then quiet only from then on
        let busy = facts(Activity::Busy);
        assert_eq!(judge(&busy, &mut memo, &LIMITS, at(300 * 60 + 1)), Verdict::Working);
        assert_eq!(judge(&busy, &mut memo, &LIMITS, at(300 * 60 + 599)), Verdict::Working);
        assert_eq!(judge(&busy, &mut memo, &LIMITS, at(300 * 60 + 600)), Verdict::Stalled);
    }
}
