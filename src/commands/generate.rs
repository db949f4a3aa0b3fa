//! `ccfail generate man` (hidden): writes the man pages [`crate::man`] renders, for
//! packagers and `scripts/regenerate.sh`. The pages are committed under `man/`; a test
//! renders them again and fails when they drift. (Completion scripts are printed by the
//! visible `ccfail completions <shell>`.)

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Generate, GenerateArgs};
use crate::exit::ExitCode;

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    match &args.what {
        Generate::Man { out } => write_man_pages(out)?,
    }
    Ok(ExitCode::Ok)
}

/// Writes `ccfail.1`, `ccfail-<command>.1` for every visible command and `ccfail-config.5`
/// into `dir`, removing the pages of commands that no longer exist.
pub fn write_man_pages(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let pages = crate::man::pages(Cli::command());
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let path = entry.with_context(|| format!("could not read {}", dir.display()))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let ours = name.starts_with("ccfail") && (name.ends_with(".1") || name.ends_with(".5"));
        if ours && !pages.iter().any(|(file, _)| *file == name) {
            fs::remove_file(&path).with_context(|| format!("could not remove the stale page {}", path.display()))?;
        }
    }
    for (name, text) in pages {
        let file = dir.join(name);
        fs::write(&file, text).with_context(|| format!("could not write {}", file.display()))?;
    }
    Ok(())
}
