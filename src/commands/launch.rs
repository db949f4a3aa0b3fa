//! `ccfail launch`: start Claude in a tmux session for a script (what `launch-agent.sh`
//! did), creating the session when needed, and wait for the input box.
//!
//! Pool names are refused unless `--pool` (the pool is dispatch's and watch-once's);
//! with `--pool` the state lock is held so neither acts on the session meanwhile. A
//! session where something already runs under the shell is left alone.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::accounts;
use crate::cli::LaunchArgs;
use crate::config::Account;
use crate::ctx::Ctx;
use crate::driver::{self, Launch, Waits};
use crate::exit::ExitCode;
use crate::names::{is_model_name, is_safe_component, is_tmux_session_name};
use crate::render;
use crate::state::SessionKind;
use crate::swap;
use crate::tmux::NewSession;

#[derive(Debug, Serialize)]
pub struct LaunchReport {
    pub session: String,
    pub pane: String,
    pub account: String,
    pub dir: PathBuf,
    pub command: String,
    pub created_session: bool,
    /// False when something already ran in the session: nothing was typed.
    pub started: bool,
}

pub fn run(ctx: &Ctx, args: &LaunchArgs) -> Result<ExitCode> {
    let config = &ctx.config;
    if !is_tmux_session_name(&args.session) {
        bail!("{:?} is not a usable session name: letters, digits, '_' and '-' only", args.session);
    }
    let in_pool = config.pool.autonomous.contains(&args.session);
    if in_pool && !args.pool {
        ctx.log().error(&format!(
            "{} is a pool session (dispatch and watch-once manage it); pass --pool to launch it anyway",
            args.session
        ));
        return Ok(ExitCode::LaunchRefused);
    }
    if let Some(id) = &args.resume
        && !is_safe_component(id)
    {
        bail!("--resume {id:?} is not a session id");
    }
    if let Some(model) = &args.model
        && !is_model_name(model)
    {
        bail!("--model {model:?} is not a model name");
    }
    let lock = if in_pool { Some(ctx.state.lock()?) } else { None };
    let dedicated = config.pool.dedicated.iter().any(|d| d.name == args.session);
    let kind = if in_pool { SessionKind::Pool } else { SessionKind::Dedicated };
    // `--account`, else where placement puts a session that starts now.
    let (account, displaced_from) = match &args.account {
        Some(name) => (choose_account(ctx, "launch", Some(name))?, None),
        None => {
            let state = ctx.state.read().ok();
            match state.as_ref().and_then(|state| swap::moves::start_account(ctx, state, &args.session, kind)) {
                Some(chosen) => chosen,
                None => (choose_account(ctx, "launch", None)?, None),
            }
        }
    };
    let dir = match &args.project {
        Some(dir) => dir.canonicalize().with_context(|| format!("--project {}", dir.display()))?,
        None => default_dir(ctx, &args.session, in_pool)?,
    };
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }

    let tmux = &ctx.tmux;
    let created = !tmux.has_session(&args.session)?;
    if created {
        tmux.new_session(&NewSession { name: &args.session, cwd: Some(&dir), ..NewSession::default() })
            .with_context(|| format!("could not create the tmux session {}", args.session))?;
        if let Some(why) = tmux.take_scope_failure() {
            ctx.log().warn(&format!("the tmux server started in this unit's cgroup, and stops with it: {why}"));
        }
    }
    let pane = tmux
        .observe()?
        .session_pane(&args.session)
        .cloned()
        .with_context(|| format!("the tmux session {} has no pane", args.session))?;
    let claude =
        driver::command_line(config, account, &Launch { resume: args.resume.as_deref(), model: args.model.as_deref() });
    let command =
        if created { claude } else { format!("cd -- {} && {claude}", driver::quote(&dir.display().to_string())) };
    let mut report = LaunchReport {
        session: args.session.clone(),
        pane: pane.pane_id.clone(),
        account: account.name.clone(),
        dir: dir.clone(),
        command: command.clone(),
        created_session: created,
        started: false,
    };
    let code = if !created && !crate::process::children(pane.pid).is_empty() {
        ctx.log().info(&format!(
            "{}: something already runs in the pane ({}); nothing typed",
            args.session, pane.current_command
        ));
        ExitCode::Ok
    } else {
        driver::pre_accept_trust(&account.home, &dir)?;
        let waits = Waits { start: config.dispatch.start_wait.get(), stop: config.watch.stop_wait.get() };
        match driver::start(tmux, &pane.pane_id, &command, &account.home, waits) {
            Ok(()) => {
                report.started = true;
                // The pool's and the operator's sessions are tracked: record their account.
                if in_pool || dedicated {
                    let record = |state: &mut crate::state::State| {
                        swap::moves::record_start(state, &args.session, kind, &account.name, displaced_from.clone());
                        if let Some(id) = &args.resume {
                            state.place(id, &account.name, ctx.now());
                        }
                    };
                    match &lock {
                        Some(lock) => {
                            let mut state = lock.load()?;
                            record(&mut state);
                            lock.save(&mut state)?;
                        }
                        None => ctx.state.update(|state| {
                            record(state);
                            Ok::<_, crate::state::StateError>(())
                        })?,
                    }
                }
                ExitCode::Ok
            }
            Err(err) => {
                ctx.log().error(&format!("{err:#}"));
                ExitCode::LaunchFailed
            }
        }
    };
    if args.json {
        render::print_json(&report)?;
    } else if report.started {
        render::print(&format!(
            "launched Claude in {} ({}) on account {} in {}\n",
            report.session,
            report.pane,
            report.account,
            report.dir.display()
        ))?;
    } else if code == ExitCode::Ok {
        render::print(&format!("{}: already running, left alone\n", report.session))?;
    }
    Ok(code)
}

/// `--account NAME` (an unknown name is a usage error of `subcommand`), else the active
/// account.
pub fn choose_account<'c>(ctx: &'c Ctx, subcommand: &str, name: Option<&str>) -> Result<&'c Account> {
    if let Some(name) = name {
        ctx.config.account(name).ok_or_else(|| {
            crate::exit::UsageError::unknown_account(&ctx.config, &[subcommand], "--account <NAME>", name).into()
        })
    } else {
        let state = ctx.state.read().ok();
        accounts::active_account(&ctx.config, state.as_ref())
            .map(|(account, _)| account)
            .context("no account is configured")
    }
}

/// A dedicated session's project, else the pool's workdir for a pool name, else `$HOME`.
fn default_dir(ctx: &Ctx, session: &str, in_pool: bool) -> Result<PathBuf> {
    if let Some(dedicated) = ctx.config.pool.dedicated.iter().find(|d| d.name == session) {
        return Ok(dedicated.project.clone());
    }
    if in_pool && let Some(dir) = &ctx.config.pool.autonomous.workdir {
        return Ok(dir.clone());
    }
    ctx.inputs.env.home().context("no --project given and $HOME is not set")
}
