//! `ccfail env`: what a script must export before it starts Claude on an account, as
//! `export` lines for `eval "$(ccfail env)"`, or one JSON document.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::cli::EnvArgs;
use crate::ctx::Ctx;
use crate::driver::{self, Launch, quote};
use crate::exit::ExitCode;
use crate::render;

#[derive(Debug, Serialize)]
pub struct EnvReport {
    pub account: String,
    /// What to export: `CLAUDE_CONFIG_DIR`, `CCFAIL_ACCOUNT` and every `claude.env` variable.
    pub env: BTreeMap<String, String>,
    /// `claude.env` alone, as set on the command line of every client ccfail starts.
    pub claude_env: BTreeMap<String, String>,
    /// The whole start command ccfail itself would type.
    pub command: String,
}

pub fn run(ctx: &Ctx, args: &EnvArgs) -> Result<ExitCode> {
    let account = super::launch::choose_account(ctx, "env", args.account.as_deref())?;
    let mut env = ctx.config.claude.env.clone();
    env.insert("CLAUDE_CONFIG_DIR".to_owned(), account.home.display().to_string());
    env.insert("CCFAIL_ACCOUNT".to_owned(), account.name.clone());
    let report = EnvReport {
        account: account.name.clone(),
        command: driver::command_line(&ctx.config, account, &Launch::default()),
        env,
        claude_env: ctx.config.claude.env.clone(),
    };
    if args.json {
        render::print_json(&report)?;
    } else {
        let lines: String = report.env.iter().map(|(key, value)| format!("export {key}={}\n", quote(value))).collect();
        render::print(&lines)?;
    }
    Ok(ExitCode::Ok)
}
