//! watch-once's rules for a session that holds a task: done, stalled, dead, or still
//! working. Pure: the facts a run observed and what the last run remembered in, a
//! verdict out.

use chrono::{DateTime, Duration, Utc};

use crate::pool::Activity;
use crate::state::SessionWatch;

/// What one run saw of a session that holds a task.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub activity: Option<Activity>,
    /// `watch.done_file` exists for the task.
    pub done_file: bool,
    /// A Stop hook event of the pane since the claim, not followed by a StopFailure.
    pub stop_event: bool,
    /// The turn ended in an error (StopFailure, a limit notice or an API error on
    /// screen): not done, whatever the idle signals say.
    pub turn_failed: bool,
    /// The turn ended on the usage limit (a StopFailure with a limit notice, the notice
    /// or the 2.1.332 limit footer on screen): the client waits for its quota.
    pub parked_on_limit: bool,
    /// The activity came from the client's own state file.
    pub from_client: bool,
    /// Any sign of life since the last run: pane text, hook event, transcript growth.
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The tmux session is gone or Claude exited: requeue, recover the session.
    Dead(&'static str),
    /// The turn ended: the task is done.
    Done(&'static str),
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
pub fn judge(facts: &Facts, memo: &mut SessionWatch, limits: &Limits, now: DateTime<Utc>) -> Verdict {
    match facts.activity {
        None | Some(Activity::Absent) => return Verdict::Dead("the tmux session is gone"),
        Some(Activity::DeadPane) => return Verdict::Dead("the pane's process exited"),
        Some(Activity::Shell) => return Verdict::Dead("Claude exited to the shell"),
        _ => {}
    }
    if facts.done_file {
        return Verdict::Done("done file");
    }
    if facts.parked_on_limit && !matches!(facts.activity, Some(Activity::Busy)) {
        // Waiting for quota is not silence: the stall clock starts again when it goes on.
        memo.idle_since = None;
        memo.last_activity = Some(now);
        return Verdict::Parked;
    }
    let idle = facts.activity == Some(Activity::Idle);
    if idle && !facts.turn_failed {
        if facts.stop_event {
            return Verdict::Done("Stop hook event");
        }
        if facts.from_client {
            return Verdict::Done("client state idle");
        }
        let since = *memo.idle_since.get_or_insert(now);
        if now - since >= limits.idle_grace {
            return Verdict::Done("pane idle at the input box");
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
    fn the_client_or_a_stop_event_ends_the_turn_at_once() {
        let mut memo = SessionWatch::default();
        let client = Facts { from_client: true, ..facts(Activity::Idle) };
        assert_eq!(judge(&client, &mut memo, &LIMITS, at(0)), Verdict::Done("client state idle"));
        let hooked = Facts { stop_event: true, ..facts(Activity::Idle) };
        assert_eq!(judge(&hooked, &mut memo, &LIMITS, at(0)), Verdict::Done("Stop hook event"));
        let failed = Facts { turn_failed: true, ..client };
        assert_eq!(judge(&failed, &mut memo, &LIMITS, at(0)), Verdict::Working, "a failed turn is not done");
    }

    #[test]
    fn a_screen_alone_must_stay_idle_for_the_grace() {
        let mut memo = SessionWatch::default();
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(0)), Verdict::Working);
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(20)), Verdict::Working);
        assert_eq!(judge(&facts(Activity::Busy), &mut memo, &LIMITS, at(25)), Verdict::Working);
        assert_eq!(memo.idle_since, None, "working again resets the grace");
        assert_eq!(judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(30)), Verdict::Working);
        assert_eq!(
            judge(&facts(Activity::Idle), &mut memo, &LIMITS, at(60)),
            Verdict::Done("pane idle at the input box")
        );
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
        let parked = Facts { parked_on_limit: true, turn_failed: true, from_client: true, ..facts(Activity::Idle) };
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
