//! `ccfail completions <shell>`: prints the completion script for one shell (see
//! [`crate::complete`]). It needs no config: the script asks ccfail for names at each TAB.

use anyhow::{Context, Result};

use crate::cli::CompletionsArgs;
use crate::exit::ExitCode;
use crate::render;

pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let script = crate::complete::script(args.shell)
        .with_context(|| format!("could not write the {} completion script", args.shell))?;
    render::print(&script)?;
    Ok(ExitCode::Ok)
}
