//! The `ccfail` binary: parse, run, print the error once, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ccfail::cli::Cli::parse();
    ccfail::main_with(cli).into()
}
