//! The `ccfail` binary: parse, run, print the error once, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A TAB in the shell runs `CCFAIL_COMPLETE=<shell> ccfail -- <words>`: answered here.
    ccfail::complete::complete_if_asked();
    let cli = ccfail::cli::Cli::parse();
    ccfail::main_with(cli).into()
}
