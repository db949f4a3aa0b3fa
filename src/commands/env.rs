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
    pub env: BTreeMap<&'static str, String>,
    /// The whole start command ccfail itself would type.
    pub command: String,
}

pub fn run(ctx: &Ctx, args: &EnvArgs) -> Result<ExitCode> {
    let account = super::launch::choose_account(ctx, args.account.as_deref())?;
    let mut env = BTreeMap::new();
    env.insert("CLAUDE_CONFIG_DIR", account.home.display().to_string());
    env.insert("CCFAIL_ACCOUNT", account.name.clone());
    let report = EnvReport {
        account: account.name.clone(),
        command: driver::command_line(&ctx.config, account, &Launch::default()),
        env,
    };
    if args.json {
        render::print_json(&report)?;
    } else {
        let lines: String = report.env.iter().map(|(key, value)| format!("export {key}={}\n", quote(value))).collect();
        render::print(&lines)?;
    }
    Ok(ExitCode::Ok)
}
