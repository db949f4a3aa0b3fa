//! The `ccfail` binary: parse, run, print the error once, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A TAB in the shell runs `CCFAIL_COMPLETE=<shell> ccfail -- <words>`: answered here.
    if let Some(script) = ccfail::complete::complete_if_asked() {
        // A closed pipe is not an error here either.
        let _ = std::io::Write::write_all(&mut std::io::stdout(), script.as_bytes());
        return std::process::ExitCode::SUCCESS;
    }
    let cli = ccfail::cli::Cli::parse();
    ccfail::main_with(cli).into()
}
