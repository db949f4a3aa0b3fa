//! ccfail: keeps a pool of Claude Code sessions in tmux working across several accounts.
//!
//! `main.rs` parses the command line and calls [`main_with`]; this module turns the raw
//! input into a validated [`ctx::Ctx`] once, runs the subcommand, prints an error once
//! and maps it to the exit-code table. See DESIGN.md for the shape of every command.

pub mod accounts;
pub mod cli;
pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
pub mod ctx;
pub mod driver;
pub mod exit;
pub mod fault;
pub mod hooks;
pub mod log;
pub mod names;
pub mod notify;
pub mod paths;
pub mod pool;
pub mod process;
pub mod queue;
pub mod quota;
pub mod render;
pub mod screen;
pub mod state;
pub mod tmux;

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
        Command::Hook(args) => return Ok(commands::hook::run(args, &env, || Inputs::from_cli(cli, env.clone()))),
        _ => {}
    }
    let inputs = Inputs::from_cli(cli, env)?;
    match &cli.command {
        Command::Doctor(args) => commands::doctor::run(&inputs, args),
        Command::Status(args) => commands::status::run(&Ctx::load(inputs)?, args),
        Command::Hooks(args) => commands::hooks::run(&Ctx::load(inputs)?, args),
        Command::QuotaCheck(args) => commands::quota_check::run(&Ctx::load(inputs)?, args),
        Command::Dispatch(args) => commands::dispatch::run(&Ctx::load(inputs)?, args),
        Command::WatchOnce(args) => commands::watch_once::run(&Ctx::load(inputs)?, args),
        Command::Janitor(args) => commands::janitor::run(&Ctx::load(inputs)?, args),
        Command::Launch(args) => commands::launch::run(&Ctx::load(inputs)?, args),
        Command::Env(args) => commands::env::run(&Ctx::load(inputs)?, args),
        Command::Generate(_) | Command::Hook(_) => unreachable!("handled before the context is built"),
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
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    logger.error(&message);
    if err.downcast_ref::<config::ConfigError>().is_some() { ExitCode::ConfigInvalid } else { ExitCode::Error }
}
