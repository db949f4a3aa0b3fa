//! One module per subcommand, each with one entry point:
//! `pub fn run(ctx: &Ctx, args: &XxxArgs) -> Result<ExitCode>`.
//!
//! `doctor` takes [`crate::ctx::Inputs`]: diagnosing a config that does not load is its
//! job, so it cannot require a loaded one. `hook` runs inside Claude Code's turn and
//! loads the config only when it must, so it gets the environment and a way to build
//! the inputs on demand.
//!
//! The timer commands (quota-check, watch-once, dispatch, janitor) print through
//! [`TimerReport`]: a table for a person, or for the journal one line per action and
//! nothing when nothing happened, with standing warnings said once until they change.

pub mod account;
pub mod completions;
pub mod dispatch;
pub mod doctor;
pub mod env;
pub mod generate;
pub mod hook;
pub mod hooks;
pub mod init;
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

use crate::cli::Format;
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
        lock.save(&mut state)?;
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

/// One line of a timer command's report in the `lines` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub text: String,
    /// `None`: an action, said every time it happens. `Some(key)`: a standing notice
    /// (a task that stays blocked, a drained account), said once until its key changes.
    pub once: Option<String>,
}

impl Line {
    pub fn action(text: impl Into<String>) -> Line {
        Line { text: text.into(), once: None }
    }
    pub fn once(key: impl Into<String>, text: impl Into<String>) -> Line {
        Line { text: text.into(), once: Some(key.into()) }
    }
}

/// The report of a command a timer fires every few seconds.
pub(crate) trait TimerReport: Serialize {
    /// The key its said-once fingerprints are kept under in state.
    const COMMAND: &'static str;
    /// Warnings for stderr; each is said once until its text changes.
    fn notes(&self) -> Vec<String>;
    /// Standing problems the table already shows (an invalid task): warnings in the
    /// `lines` format and with `--json`, said once until they change.
    fn standing(&self) -> Vec<String> {
        Vec::new()
    }
    /// The `lines` format: one line per action, nothing when nothing happened.
    fn lines(&self) -> Vec<Line>;
    /// The `table` format: the full picture for a person at a terminal.
    fn table(&self) -> String;
}

/// What a timer run will print, decided before its state is saved (the fingerprints of
/// what it says are saved with it).
pub(crate) struct Journal {
    pub warnings: Vec<String>,
    pub lines: Vec<String>,
}

/// Decides which notes and standing lines of `report` are said this run, against the
/// fingerprints the previous run left in `state`, and records this run's for the next.
/// A dry run records nothing, and says everything.
pub(crate) fn journal<R: TimerReport>(state: &mut crate::state::State, dry_run: bool, report: &R) -> Journal {
    let lines = report.lines();
    let mut notes = report.notes();
    notes.extend(report.standing());
    let mut keys: Vec<&str> = notes.iter().map(String::as_str).collect();
    keys.extend(lines.iter().filter_map(|line| line.once.as_deref()));
    let before = state.said.get(R::COMMAND).cloned().unwrap_or_default();
    let (fresh, now) = crate::log::said(&before, &keys);
    let fresh = if dry_run { vec![true; fresh.len()] } else { fresh };
    if !dry_run {
        if now.is_empty() {
            state.said.remove(R::COMMAND);
        } else {
            state.said.insert(R::COMMAND.to_owned(), now);
        }
    }
    let mut fresh = fresh.into_iter();
    let warnings = notes.iter().filter(|_| fresh.next().unwrap_or(true)).cloned().collect();
    let lines = lines
        .into_iter()
        .filter(|line| line.once.is_none() || fresh.next().unwrap_or(true))
        .map(|line| line.text)
        .collect();
    Journal { warnings, lines }
}

/// [`locked_pass`] for a timer command: also decides what its report says (see
/// [`journal`]) before the state is saved.
pub(crate) fn timer_pass<R: TimerReport>(
    ctx: &Ctx,
    dry_run: bool,
    pass: impl FnOnce(&StateLock, &mut State) -> Result<R>,
) -> Result<(R, Journal)> {
    locked_pass(ctx, dry_run, |lock, state| {
        let report = pass(lock, state)?;
        let journal = journal(state, dry_run, &report);
        Ok((report, journal))
    })
}

/// Prints a timer command's report: JSON, the table, or the lines said this run. In
/// tables and JSON every note is logged; in lines only the ones [`journal`] kept.
pub(crate) fn print_timer<R: TimerReport>(
    ctx: &Ctx,
    json: bool,
    report: &R,
    journal: &Journal,
    extra_table: &str,
) -> Result<()> {
    let table = !json && ctx.inputs.format == Format::Table;
    let notes = if table { report.notes() } else { journal.warnings.clone() };
    for note in &notes {
        ctx.log().warn(note);
    }
    if json {
        return render::print_json(report);
    }
    if table {
        return render::print(&(report.table() + extra_table));
    }
    let text: String = journal.lines.iter().map(|line| format!("{line}\n")).collect();
    if text.is_empty() { Ok(()) } else { render::print(&text) }
}
