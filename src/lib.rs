//! ccfail: keeps a pool of Claude Code sessions in tmux working across several accounts.
//!
//! `main.rs` parses the command line and calls [`main_with`]; this module turns the raw
//! input into a validated [`ctx::Ctx`] once, runs the subcommand, prints an error once
//! and maps it to the exit-code table. See DESIGN.md for the shape of every command.

pub(crate) mod accounts;
pub(crate) mod attribution;
pub mod cli;
pub(crate) mod client;
pub(crate) mod clock;
pub(crate) mod commands;
pub mod complete;
pub mod config;
pub(crate) mod ctx;
pub(crate) mod delivery;
pub mod driver;
pub mod exit;
pub(crate) mod fault;
pub(crate) mod files;
pub mod history;
pub mod hooks;
pub(crate) mod json_file;
pub(crate) mod log;
pub(crate) mod man;
pub(crate) mod names;
pub(crate) mod notify;
pub(crate) mod parallel;
pub mod paths;
pub(crate) mod placement;
pub(crate) mod pool;
pub mod process;
pub(crate) mod progress;
pub(crate) mod queue;
pub mod quota;
pub(crate) mod recovery;
pub(crate) mod render;
pub mod screen;
pub mod state;
pub(crate) mod swap;
pub(crate) mod term;
pub mod tmux;
pub(crate) mod typing;
pub mod usage;
pub(crate) mod yaml;

use anyhow::Result;

use cli::{Cli, Command};
use ctx::{Ctx, Inputs};
use exit::ExitCode;
use log::Logger;
use paths::Env;

/// Runs one invocation and returns the code the process exits with.
pub fn main_with(cli: Cli) -> ExitCode {
    let logger = Logger::new(cli.verbose, cli.quiet, std::env::var_os("JOURNAL_STREAM").is_some());
    match run(&cli, Env::from_process()) {
        Ok(code) => code,
        Err(err) => report_error(&logger, &err),
    }
}

fn run(cli: &Cli, env: Env) -> Result<ExitCode> {
    match &cli.command {
        Command::Generate(args) => return commands::generate::run(args),
        Command::Completions(args) => return commands::completions::run(args),
        Command::Hook(args) => return Ok(commands::hook::run(args, &env, || Inputs::from_cli(cli, env.clone()))),
        _ => {}
    }
    let inputs = Inputs::from_cli(cli, env)?;
    if let Command::Doctor(args) = &cli.command {
        return commands::doctor::run(&inputs, args);
    }
    if let Command::Init(args) = &cli.command {
        return commands::init::run(&inputs, args);
    }
    let ctx = Ctx::load(inputs)?;
    let result = run_with_ctx(cli, &ctx);
    if let Some(state::StateError::Busy { streak, .. }) = result.as_ref().err().and_then(|e| e.downcast_ref())
        && *streak == BUSY_STREAK_NOTIFY
    {
        ctx.notify(
            "lock_busy",
            format!("{streak} ccfail runs in a row found the state lock busy; is a command stuck?"),
            serde_json::json!({ "streak": streak, "lock": ctx.state.paths().lock_file() }),
        );
    }
    result
}

/// Runs in a row that found the state lock busy before the operator hears of it.
const BUSY_STREAK_NOTIFY: u32 = 5;

fn run_with_ctx(cli: &Cli, ctx: &Ctx) -> Result<ExitCode> {
    // A swap that died left its journal: finish it or roll it back before anything else
    // looks at the sessions (swap and quota-check do it under their own lock).
    if !matches!(cli.command, Command::Swap(_) | Command::QuotaCheck(_) | Command::Env(_) | Command::Log(_))
        && let Some(outcome) = swap::recover_if_needed(ctx)?
    {
        let summary = commands::swap::human(ctx, &outcome);
        ctx.log().warn(&format!("an unfinished swap was resolved: {}", summary.trim_end()));
    }
    match &cli.command {
        Command::Doctor(_) | Command::Init(_) => unreachable!("doctor and init run without a loaded config"),
        Command::Status(args) => commands::status::run(ctx, args),
        Command::Hooks(args) => commands::hooks::run(ctx, args),
        Command::QuotaCheck(args) => commands::quota_check::run(ctx, args),
        Command::Swap(args) => commands::swap::run(ctx, args),
        Command::Dispatch(args) => commands::dispatch::run(ctx, args),
        Command::WatchOnce(args) => commands::watch_once::run(ctx, args),
        Command::Janitor(args) => commands::janitor::run(ctx, args),
        Command::Launch(args) => commands::launch::run(ctx, args),
        Command::Env(args) => commands::env::run(ctx, args),
        Command::Log(args) => commands::log::run(ctx, args),
        // -- tasks lane
        Command::Task(args) => commands::task::run(ctx, args),
        Command::Pause(args) => commands::pause::run(ctx, args),
        Command::Resume(args) => commands::pause::resume(ctx, args),
        // -- end of the tasks lane
        // -- swapops lane
        Command::Account(args) => commands::account::run(ctx, args),
        // -- end of the swapops lane
        Command::Generate(_) | Command::Hook(_) | Command::Completions(_) => {
            unreachable!("handled before the context is built")
        }
    }
}

/// The one error printer: the error, its causes, and the exit code it maps to.
fn report_error(logger: &Logger, err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<render::ClosedPipe>().is_some() {
        return ExitCode::Ok;
    }
    if let Some(state::StateError::Busy { .. }) = err.downcast_ref::<state::StateError>() {
        logger.warn(&format!("skipped: {err}"));
        return ExitCode::Busy;
    }
    if let Some(usage) = err.downcast_ref::<exit::UsageError>() {
        use std::io::Write;
        let _ = write!(std::io::stderr(), "{}", usage.render());
        return ExitCode::Usage;
    }
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    logger.error(&message);
    if err.downcast_ref::<config::ConfigError>().is_some() { ExitCode::ConfigInvalid } else { ExitCode::Error }
}
