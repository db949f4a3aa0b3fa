//! One module per subcommand, each with one entry point:
//! `pub fn run(ctx: &Ctx, args: &XxxArgs) -> Result<ExitCode>`.
//!
//! `doctor` takes [`crate::ctx::Inputs`]: diagnosing a config that does not load is its
//! job, so it cannot require a loaded one. `hook` runs inside Claude Code's turn and
//! loads the config only when it must, so it gets the environment and a way to build
//! the inputs on demand.

pub mod account;
pub mod dispatch;
pub mod doctor;
pub mod env;
pub mod generate;
pub mod hook;
pub mod hooks;
pub mod janitor;
pub mod launch;
pub mod log;
// -- tasks lane
pub mod pause;
pub mod task;
// -- end of the tasks lane
pub mod quota_check;
pub mod status;
pub mod swap;
pub mod watch_once;

use anyhow::Result;
use serde::Serialize;

use crate::ctx::Ctx;
use crate::log::Logger;
use crate::render;
use crate::state::{State, StateLock};

/// One pass under the state lock: load, run `pass`, save unless it is a dry run, and
/// release the lock before the report is printed.
pub(crate) fn locked_pass<T>(
    ctx: &Ctx,
    dry_run: bool,
    pass: impl FnOnce(&StateLock, &mut State) -> Result<T>,
) -> Result<T> {
    let lock = ctx.state.lock()?;
    let mut state = lock.load()?;
    let out = pass(&lock, &mut state)?;
    if !dry_run {
        lock.save(&state)?;
    }
    Ok(out)
}

/// Logs a run's notes as warnings, then prints its report as JSON or as text.
pub(crate) fn report<T: Serialize>(
    log: &Logger,
    notes: &[String],
    json: bool,
    report: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<()> {
    for note in notes {
        log.warn(note);
    }
    if json { render::print_json(report) } else { render::print(&human(report)) }
}
