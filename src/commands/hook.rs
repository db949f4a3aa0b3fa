//! `ccfail hook`: Claude Code's hook command. Reads one JSON payload on stdin, appends
//! one event to the spool, and always exits 0 with nothing on stdout.
//!
//! It runs inside the client's turn, so it takes no lock, loads no config when
//! `--spool` is given (what `hooks install` writes), and spawns nothing.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};

use crate::cli::HookArgs;
use crate::clock::Clock;
use crate::ctx::Inputs;
use crate::exit::ExitCode;
use crate::hooks::{self, HookEvent};
use crate::paths::{self, Env};

/// The largest payload read; a Stop payload with a long reply is a few KB.
const MAX_PAYLOAD: u64 = 1 << 20;

pub fn run(args: &HookArgs, env: &Env, inputs: impl FnOnce() -> Result<Inputs>) -> ExitCode {
    if let Err(err) = record(args, env, inputs) {
        eprintln!("ccfail hook: {err:#}");
    }
    ExitCode::Ok
}

fn record(args: &HookArgs, env: &Env, inputs: impl FnOnce() -> Result<Inputs>) -> Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(anyhow!("reads a Claude Code hook payload on stdin; it is meant to be run by Claude Code"));
    }
    let mut text = String::new();
    stdin.lock().take(MAX_PAYLOAD).read_to_string(&mut text).context("could not read the hook payload")?;
    let payload: serde_json::Value = serde_json::from_str(text.trim()).context("the hook payload is not JSON")?;
    let at = Clock::from_env_value(env.get("CCFAIL_NOW")).unwrap_or(Clock::System).now();
    let event = HookEvent::from_payload(&payload, at, env.get("TMUX_PANE"), env.get("TMUX")).map_err(|e| anyhow!(e))?;
    let spool = match &args.spool {
        Some(spool) => spool.clone(),
        None => spool_from_config(inputs()?)?,
    };
    hooks::append(&spool, &event).with_context(|| format!("could not append to {}", spool.display()))
}

fn spool_from_config(inputs: Inputs) -> Result<PathBuf> {
    let config = inputs.load_config()?;
    let (dir, _) = paths::state_dir(config.state.dir.as_deref(), &inputs.env)?;
    Ok(dir.join(hooks::SPOOL_FILE))
}
