//! `ccfail pause` and `ccfail resume`: the operator holds dispatch (of the whole pool
//! or of projects) or pool upkeep, and lets it go again.
//!
//! Top-level commands rather than `task pause`: upkeep is about sessions, not tasks,
//! and an operator reaches for `pause` the way pueue's users do. A pause is a field of
//! the state ([`crate::state::PauseState`]), set under the lock; the timers read it:
//! dispatch sends no task of a paused scope, watch-once does no session work while
//! upkeep is paused. Pausing what is already paused keeps its first `since`.

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::{PauseArgs, ResumeArgs};
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::queue;
use crate::render;
use crate::state::{Pause, PauseState};

/// The version of the JSON documents of `pause` and `resume`.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct PauseReport {
    pub version: u32,
    pub at: DateTime<Utc>,
    /// What this run changed, e.g. `dispatch paused`, `project api resumed`.
    pub changed: Vec<String>,
    /// What stays as it was (already paused, not paused).
    pub unchanged: Vec<String>,
    /// Everything paused after this run.
    pub pause: PauseState,
}

pub fn run(ctx: &Ctx, args: &PauseArgs) -> Result<ExitCode> {
    let now = ctx.now();
    let projects = registered(ctx, &args.project)?;
    let reason = args.reason.clone().filter(|r| !r.trim().is_empty());
    let report = ctx.state.update(|state| -> Result<PauseReport> {
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        let fresh = || Pause { since: now, reason: reason.clone(), logged: false };
        let mut set = |slot: &mut Option<Pause>, what: String| match slot {
            Some(_) => unchanged.push(format!("{what} was paused already")),
            None => {
                *slot = Some(fresh());
                changed.push(format!("{what} paused"));
            }
        };
        if args.upkeep {
            set(&mut state.pause.upkeep, "pool upkeep".to_owned());
        } else if projects.is_empty() {
            set(&mut state.pause.dispatch, "dispatch".to_owned());
        } else {
            for name in &projects {
                let mut slot = state.pause.projects.remove(name);
                set(&mut slot, format!("dispatch of {name}"));
                state.pause.projects.insert(name.clone(), slot.expect("just set"));
            }
        }
        for what in &changed {
            state.record(now, "paused", reason.as_ref().map_or_else(|| what.clone(), |r| format!("{what}: {r}")));
        }
        Ok(PauseReport { version: JSON_VERSION, at: now, changed, unchanged, pause: state.pause.clone() })
    })?;
    super::report(ctx.log(), &[], args.json, &report, human)?;
    Ok(ExitCode::Ok)
}

pub fn resume(ctx: &Ctx, args: &ResumeArgs) -> Result<ExitCode> {
    let now = ctx.now();
    let report = ctx.state.update(|state| -> Result<PauseReport> {
        // A project paused earlier and no longer registered can still be resumed.
        let unknown: Vec<&String> = args.project.iter().filter(|p| !state.pause.projects.contains_key(*p)).collect();
        if !unknown.is_empty() {
            registered(ctx, &args.project)?;
        }
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        let mut clear = |slot: Option<Pause>, what: String| match slot {
            Some(_) => changed.push(format!("{what} resumed")),
            None => unchanged.push(format!("{what} was not paused")),
        };
        if args.all {
            clear(state.pause.dispatch.take(), "dispatch".to_owned());
            for (name, pause) in std::mem::take(&mut state.pause.projects) {
                clear(Some(pause), format!("dispatch of {name}"));
            }
            clear(state.pause.upkeep.take(), "pool upkeep".to_owned());
        } else if args.upkeep {
            clear(state.pause.upkeep.take(), "pool upkeep".to_owned());
        } else if args.project.is_empty() {
            clear(state.pause.dispatch.take(), "dispatch".to_owned());
        } else {
            for name in &args.project {
                clear(state.pause.projects.remove(name), format!("dispatch of {name}"));
            }
        }
        if state.pause.dispatch.is_some() && !args.project.is_empty() {
            unchanged.push("dispatch of the whole pool is still paused (ccfail resume)".to_owned());
        }
        for what in &changed {
            state.record(now, "resumed", what.clone());
        }
        Ok(PauseReport { version: JSON_VERSION, at: now, changed, unchanged, pause: state.pause.clone() })
    })?;
    super::report(ctx.log(), &[], args.json, &report, human)?;
    Ok(ExitCode::Ok)
}

/// The names, each a registered project, else an error listing the registered ones.
fn registered(ctx: &Ctx, names: &[String]) -> Result<Vec<String>> {
    let (projects, _) = queue::projects(&ctx.config);
    for name in names {
        if !projects.iter().any(|p| p.name == *name) {
            bail!("{}", super::task::unknown_project(name, &projects));
        }
    }
    Ok(names.to_vec())
}

/// The pauses in force, one line each, for `status` and these commands.
pub fn lines(pause: &PauseState, now: DateTime<Utc>) -> Vec<String> {
    let why = |p: &Pause| p.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(p) = &pause.dispatch {
        out.push(format!("dispatch paused since {}{} (ccfail resume)", render::when(p.since, now), why(p)));
    }
    for (name, p) in &pause.projects {
        out.push(format!(
            "dispatch of {name} paused since {}{} (ccfail resume --project {name})",
            render::when(p.since, now),
            why(p)
        ));
    }
    if let Some(p) = &pause.upkeep {
        out.push(format!("pool upkeep paused since {}{} (ccfail resume --upkeep)", render::when(p.since, now), why(p)));
    }
    out
}

fn human(report: &PauseReport) -> String {
    let mut out = String::new();
    for line in report.changed.iter().chain(&report.unchanged) {
        out.push_str(&format!("{line}\n"));
    }
    let now_paused = lines(&report.pause, report.at);
    if now_paused.is_empty() {
        out.push_str("nothing is paused\n");
    } else {
        out.push_str("paused now:\n");
        for line in now_paused {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}
