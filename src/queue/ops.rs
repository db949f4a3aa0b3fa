//! The moves of a claimed task together with their record in state, shared by
//! `dispatch`, `watch-once` and `janitor`.
//!
//! Order matters for §4.1: the file is renamed first, then state changes; the caller
//! saves state after. A crash in between leaves a file whose name tells the truth and
//! a state that the next run reconciles (a claim whose file is no longer
//! `.dispatched` is released; a `.dispatched` file with no owner is the janitor's).

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{Location, Project};
use crate::ctx::Ctx;
use crate::notify::notify;
use crate::state::{SessionStatus, State};

/// `project:id` → the project and the id, when the project is registered and the id safe.
pub fn resolve<'p>(projects: &'p [Project], key: &str) -> Option<(&'p Project, String)> {
    let (name, id) = key.split_once(':')?;
    let project = projects.iter().find(|p| p.name == name)?;
    crate::names::is_safe_component(id).then(|| (project, id.to_owned()))
}

/// Clears a session's claim; its status becomes `status`.
pub fn release(state: &mut State, session: &str, status: SessionStatus, now: DateTime<Utc>) {
    if let Some(entry) = state.sessions.get_mut(session) {
        entry.task = None;
        entry.status = status;
        entry.since = Some(now);
    }
    if let Some(memo) = state.queue.sessions.get_mut(session) {
        memo.task_path = None;
        memo.token = None;
        memo.delivered = false;
        memo.prompt_id = None;
        memo.earlier_tokens.clear();
        memo.transcript = None;
        memo.idle_since = None;
        memo.last_activity = None;
        memo.screen_hash = None;
        memo.transcript_len = None;
    }
}

/// What became of a task sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requeued {
    /// Back in the inbox, one more attempt counted.
    Inbox,
    Failed,
    /// The file was no longer `.dispatched`: nothing to move.
    NotClaimed(Location),
}

/// The requeue-or-fail rule, pure: the attempt that just ended is number
/// `previous + 1`; once it reaches `max_attempts` the task goes to `failed/`. Dry runs and
/// real runs ask this same function.
pub fn requeue_target(previous: u32, max_attempts: u32) -> Requeued {
    if previous + 1 >= max_attempts { Requeued::Failed } else { Requeued::Inbox }
}

/// What [`requeue`] will do with a claimed task given the attempts recorded in `state`.
pub fn planned_requeue(ctx: &Ctx, state: &State, key: &str) -> Requeued {
    requeue_target(state.queue.attempts.get(key).copied().unwrap_or(0), ctx.config.dispatch.max_attempts)
}

/// A claimed task that did not get done goes back to the inbox with one more attempt
/// counted, or to `failed/` (with `reason`) once `dispatch.max_attempts` are used.
pub fn requeue(ctx: &Ctx, state: &mut State, project: &Project, id: &str, reason: &str) -> Result<Requeued> {
    let now = ctx.now();
    let key = project.key(id);
    let location = super::locate(project, id);
    if location != Location::Claimed {
        return Ok(Requeued::NotClaimed(location));
    }
    let attempts = state.queue.attempts.get(&key).copied().unwrap_or(0) + 1;
    if planned_requeue(ctx, state, &key) == Requeued::Failed {
        let why = format!("{reason} (attempt {attempts} of {})", ctx.config.dispatch.max_attempts);
        super::fail(project, id, &why)?;
        ctx.fault("requeue-after-move");
        state.queue.attempts.remove(&key);
        notify(ctx, state, now, "task-failed", &format!("{key}: {why}")).task(&key);
        Ok(Requeued::Failed)
    } else {
        super::unclaim(project, id)?;
        ctx.fault("requeue-after-move");
        state.queue.attempts.insert(key.clone(), attempts);
        state.record(now, "task-requeued", format!("{key}: {reason} (attempt {attempts})")).task(&key);
        ctx.log().debug(&format!("{key} back in the inbox: {reason} (attempt {attempts})"));
        Ok(Requeued::Inbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_attempt_fails_the_task() {
        assert_eq!(requeue_target(0, 3), Requeued::Inbox);
        assert_eq!(requeue_target(1, 3), Requeued::Inbox);
        assert_eq!(requeue_target(2, 3), Requeued::Failed);
        assert_eq!(requeue_target(0, 1), Requeued::Failed);
    }
}
