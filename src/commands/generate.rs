//! `ccfail generate` (hidden): shell completions and man pages, made from the clap
//! definition so they never disagree with `--help`. The outputs are committed under
//! `completions/` and `man/`; a test regenerates them and fails when they drift.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Generate, GenerateArgs};
use crate::exit::{self, ExitCode};
use crate::render;

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    match &args.what {
        Generate::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "ccfail", &mut out);
            render::print(&String::from_utf8(out).context("completions are UTF-8")?)?;
        }
        Generate::Man { out } => write_man_pages(out)?,
    }
    Ok(ExitCode::Ok)
}

/// Writes `ccfail.1` and `ccfail-<subcommand>.1` for every visible subcommand.
pub fn write_man_pages(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let root = Cli::command();
    let mut pages = vec![("ccfail".to_owned(), root.clone())];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("ccfail-{}", sub.get_name());
        let version = root.get_version().unwrap_or_default().to_owned();
        pages.push((name.clone(), sub.clone().name(name).version(version)));
    }
    for (name, command) in pages {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        page.write_all(common_sections().as_bytes())?;
        let file = dir.join(format!("{name}.1"));
        fs::write(&file, page).with_context(|| format!("could not write {}", file.display()))?;
    }
    Ok(())
}

/// EXIT STATUS, ENVIRONMENT and FILES, the same on every page.
fn common_sections() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for code in exit::ExitCode::ALL {
        roff.push_str(&format!(".TP\n{}\n{}\n", code.code(), escape(code.meaning())));
    }
    roff.push_str(&format!(".TP\nreserved\n{}\n", escape(exit::RESERVED_RANGES)));
    roff.push_str(concat!(
        ".SH ENVIRONMENT\n",
        ".TP\nCCFAIL_CONFIG\nThe config file when \\fB\\-\\-config\\fR is not given (absolute).\n",
        ".TP\nXDG_CONFIG_HOME\nThen \\fI$XDG_CONFIG_HOME/ccfail/config.yaml\\fR (default \\fI~/.config\\fR).\n",
        ".TP\nSTATE_DIRECTORY\nThe state dir under systemd, when the config sets no \\fBstate.dir\\fR.\n",
        ".TP\nXDG_STATE_HOME\nThen \\fI$XDG_STATE_HOME/ccfail\\fR, else \\fI~/.local/state/ccfail\\fR.\n",
        ".TP\nJOURNAL_STREAM\nSet by systemd: log lines carry their syslog priority prefix.\n",
        ".TP\nCCFAIL_NOW\nPins the clock (RFC 3339), for tests.\n",
        ".SH FILES\n",
        ".TP\n\\fI/etc/ccfail/config.yaml\\fR\nThe system-wide config, the last fallback.\n",
        ".TP\n\\fI<state dir>/state.json\\fR\nccfail's memory between runs; replaced atomically, mode 0600.\n",
        ".TP\n\\fI<state dir>/state.lock\\fR\nHeld (flock) for every read-modify-write of the state.\n",
    ));
    roff
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('-', "\\-")
}
