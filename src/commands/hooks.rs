//! `ccfail hooks install|uninstall`: ccfail's entries in every account's settings.json.
//!
//! Merging keeps every other key (in order) and every other hook; a file that does not
//! parse is reported and left untouched. Files are replaced atomically, keeping their
//! permissions.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::cli::{HooksAction, HooksArgs};
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::hooks::{self, MergeChange};
use crate::json_file;

#[derive(Debug, Serialize)]
pub struct AccountChange {
    pub account: String,
    pub settings: PathBuf,
    pub change: Option<MergeChange>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct HooksReport {
    pub action: &'static str,
    pub command: String,
    pub dry_run: bool,
    pub accounts: Vec<AccountChange>,
}

pub fn run(ctx: &Ctx, args: &HooksArgs) -> Result<ExitCode> {
    let (install, change_args) = match &args.action {
        HooksAction::Install(a) => (true, a),
        HooksAction::Uninstall(a) => (false, a),
    };
    let report = change(ctx, install, change_args.dry_run)?;
    super::report(ctx.log(), &[], change_args.json, &report, human)?;
    Ok(if report.failed() { ExitCode::Error } else { ExitCode::Ok })
}

impl HooksReport {
    /// Some account's settings.json could not be changed.
    pub fn failed(&self) -> bool {
        self.accounts.iter().any(|a| a.error.is_some())
    }
}

/// Installs (or removes) ccfail's entries in every account's settings.json; with
/// `dry_run`, says what would change.
pub fn change(ctx: &Ctx, install: bool, dry_run: bool) -> Result<HooksReport> {
    if install && !dry_run {
        let dir = &ctx.state.paths().dir;
        crate::files::create_dir_all(dir)
            .with_context(|| format!("could not create the state dir {} for the hook spool", dir.display()))?;
        if let Some(problem) = crate::files::private_dir_problem(dir)
            .with_context(|| format!("could not check the state dir {}", dir.display()))?
        {
            anyhow::bail!(
                "state dir {} {}: refused, the hooks would append to a spool others may replace. Fix: {}",
                dir.display(),
                problem.problem,
                problem.fix
            );
        }
    }
    let exe = std::env::current_exe().context("could not find the ccfail binary's own path")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let command = hooks::hook_command(&exe, &ctx.state.paths().dir.join(hooks::SPOOL_FILE));
    let accounts = ctx
        .config
        .accounts
        .iter()
        .map(|account| {
            let settings = hooks::settings_file(&account.home);
            let outcome = change_file(&settings, dry_run, |doc| {
                if install { hooks::install_into(doc, &command) } else { hooks::uninstall_from(doc) }
            });
            let (change, error) = match outcome {
                Ok(change) => (Some(change), None),
                Err(err) => (None, Some(format!("{err:#}"))),
            };
            AccountChange { account: account.name.clone(), settings, change, error }
        })
        .collect::<Vec<_>>();
    Ok(HooksReport { action: if install { "install" } else { "uninstall" }, command, dry_run, accounts })
}

fn change_file(
    file: &Path,
    dry_run: bool,
    edit: impl FnOnce(&mut Value) -> Result<MergeChange, String>,
) -> Result<MergeChange> {
    json_file::edit(file, !dry_run, |document| edit(document).map(|change| (change, change != MergeChange::default())))
}

pub fn human(report: &HooksReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run { "would change" } else { "changed" };
    for account in &report.accounts {
        let line = match (&account.change, &account.error) {
            (_, Some(err)) => format!("error: {err}"),
            (Some(c), None) if *c == MergeChange::default() => "up to date".to_owned(),
            (Some(c), None) => format!("{verb}: {} added, {} replaced, {} removed", c.added, c.replaced, c.removed),
            (None, None) => String::new(),
        };
        out.push_str(&format!("{:<12} {}: {line}\n", account.account, account.settings.display()));
    }
    if report.action == "install" {
        out.push_str(&format!("hook command: {}\n", report.command));
    }
    out
}
