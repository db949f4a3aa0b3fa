//! Fault injection for the crash tests: `CCFAIL_FAULT=<point>[,<point>…]` makes the run
//! end abruptly at a crash point, as a power cut or a `kill -9` would, or makes a step
//! fail at a failure point.
//!
//! The variable is read once, with the rest of the environment, into
//! [`crate::ctx::Inputs::fault`]; commands call [`crate::ctx::Ctx::fault`] at each point.
//! The exit is `_exit(2)` with status [`FAULT_EXIT`]: no destructor runs, no buffer is
//! flushed, the state lock is released by the kernel. This is the one place besides
//! `main.rs` that ends the process, on purpose: it stands in for a crash. Unknown point
//! names are refused at start-up so a typo in a test cannot pass silently.

use anyhow::{Result, bail};

/// The status a fault-injected run exits with (outside the documented table).
pub const FAULT_EXIT: i32 = 99;

/// Every crash point: the queue's in the order a task meets them, then the swap's in the
/// order of its phases.
pub const POINTS: [&str; 24] = [
    // dispatch: the task was renamed to `.dispatched`, the claim not yet saved.
    "dispatch-after-claim",
    // dispatch: the claim is saved, nothing sent yet.
    "dispatch-after-save",
    // dispatch: the prompt was typed and checked in the box, Enter not yet pressed.
    "dispatch-after-type",
    // dispatch: the prompt was typed and Enter pressed, not yet verified.
    "dispatch-after-send",
    // watch-once: the task was moved to `done/`, the session not yet released in state.
    "complete-after-move",
    // watch-once / janitor: the task was renamed back to the inbox (or to `failed/`),
    // state not yet saved.
    "requeue-after-move",
    // dispatch: an undelivered prompt's claim was renamed back, state not yet saved.
    "unclaim-after-move",
    // janitor: one done task was archived, the others not yet.
    "archive-after-first",
    // task cancel: the task was moved to `failed/`, its session not yet interrupted nor
    // its claim released in state.
    "cancel-after-move",
    // task retry: the task was moved back to the inbox, state not yet saved.
    "retry-after-move",
    // watch-once, a lost session: its recovery planned and saved, nothing created yet.
    "recover-after-plan",
    // watch-once, a lost session: its tmux session created again, no client started.
    "recover-after-create",
    // watch-once, a lost session: its client started (`--resume`), its task not yet
    // told to go on.
    "recover-after-start",
    // watch-once, a lost session: the go-on prompt sent, the recovery not yet cleared.
    "recover-after-go-on",
    // swap: after each phase is saved, and inside the long ones.
    "swap:planned",
    "swap:saved",
    // swap: a stop is in flight (or, with swap.parallel 1, one done), the next recorded
    // begun; the other panes may have had some of their keys.
    "swap:stopping",
    "swap:mid-stop",
    "swap:stopped",
    "swap:mid-switch",
    "swap:switched",
    // swap: a start is in flight, the next recorded begun.
    "swap:starting",
    "swap:mid-relaunch",
    "swap:relaunched",
];

/// Failure points: the step fails (the run goes on), as if the disk refused it.
pub const FAILURES: [&str; 2] = [
    // swap: a shared link of the target is pointed elsewhere between plan and switch.
    "swap:diverge-link",
    // swap: the rollback cannot put the active link back.
    "swap:fail-rollback",
];

pub fn from_env_value(value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    for point in value.split(',').map(str::trim) {
        if !POINTS.contains(&point) && !FAILURES.contains(&point) {
            bail!("CCFAIL_FAULT={point:?} is not a fault point; known: {}, {}", POINTS.join(", "), FAILURES.join(", "));
        }
    }
    Ok(Some(value.to_owned()))
}

/// Whether `point` is among the armed points.
pub fn armed(armed: Option<&str>, point: &str) -> bool {
    armed.is_some_and(|list| list.split(',').any(|p| p.trim() == point))
}

/// Ends the process when `point` is armed.
pub fn hit(armed_points: Option<&str>, point: &str) {
    debug_assert!(POINTS.contains(&point), "unknown fault point {point}");
    if armed(armed_points, point) {
        eprintln!("ccfail: fault injected at {point}");
        // SAFETY: _exit(2) ends the process at once; nothing is shared that it could corrupt.
        unsafe { libc::_exit(FAULT_EXIT) };
    }
}
