//! ccfail: keeps a pool of Claude Code sessions in tmux working across several accounts.
//!
//! `main.rs` parses the command line and calls [`main_with`]; this module turns the raw
//! input into a validated [`ctx::Ctx`] once, runs the subcommand, prints an error once
//! and maps it to the exit-code table. See DESIGN.md for the shape of every command.

pub mod cli;
pub mod clock;
pub mod exit;
pub mod paths;
pub mod quota;
pub mod screen;
pub mod tmux;

use exit::ExitCode;

/// Runs one invocation and returns the code the process exits with.
pub fn main_with(cli: cli::Cli) -> ExitCode {
    let _ = cli;
    eprintln!("ccfail: error: the subcommands are being built");
    ExitCode::Error
}
