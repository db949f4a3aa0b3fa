//! `ccfail swap`: move the pool to another account by hand or from a script, print the
//! plan (`--dry-run`), or clear the partial-swap latch (`--clear-partial`).

use anyhow::Result;

use crate::cli::SwapArgs;
use crate::ctx::Ctx;
use crate::exit::{ExitCode, UsageError};
use crate::render;
use crate::swap::{self, Outcome, Request, journal::Reason};

pub fn run(ctx: &Ctx, args: &SwapArgs) -> Result<ExitCode> {
    if let Some(to) = &args.to
        && ctx.config.account(to).is_none()
    {
        return Err(UsageError::unknown_account(&ctx.config, &["swap"], "--to <NAME>", to).into());
    }
    let lock = ctx.state.lock()?;
    let mut state = lock.load()?;
    if args.clear_partial {
        return clear_partial(ctx, &lock, &mut state, args.json);
    }
    let outcome = match swap::recover(ctx, &lock, &mut state)? {
        Some(recovered) => {
            ctx.log().info("the unfinished swap was resolved; run the swap again if it is still wanted");
            recovered
        }
        None => swap::swap(
            ctx,
            &lock,
            &mut state,
            &Request { to: args.to.clone(), reason: Reason::Manual, dry_run: args.dry_run, force: args.force },
        )?,
    };
    drop(lock);
    report(ctx, &outcome, args.json)?;
    Ok(exit_code(&outcome))
}

pub fn exit_code(outcome: &Outcome) -> ExitCode {
    match outcome {
        Outcome::Done { sessions, .. } if sessions.iter().any(relaunch_failed) => ExitCode::SwapRelaunchFailed,
        Outcome::Done { .. } | Outcome::Planned { .. } => ExitCode::Ok,
        Outcome::Refused { .. } => ExitCode::SwapNoTarget,
        Outcome::Latched { .. } => ExitCode::SwapLatched,
        Outcome::RolledBack { .. } => ExitCode::SwapRolledBack,
        Outcome::Partial { .. } => ExitCode::SwapPartial,
    }
}

fn relaunch_failed(session: &swap::journal::SwapSession) -> bool {
    session.outcome.as_ref().is_some_and(super::super::swap::journal::SessionOutcome::failed)
}

fn clear_partial(
    ctx: &Ctx,
    lock: &crate::state::StateLock,
    state: &mut crate::state::State,
    json: bool,
) -> Result<ExitCode> {
    if state.swap.partial_latch.is_none() {
        if json {
            render::print_json(&serde_json::json!({ "latch": "not set" }))?;
        } else {
            render::print("the partial-swap latch is not set\n")?;
        }
        return Ok(ExitCode::Ok);
    }
    match swap::clear_partial(ctx, state) {
        Ok(()) => {
            lock.save(state)?;
            // The sessions the latched swap had stopped go back to work.
            let restarted = swap::recover(ctx, lock, state)?;
            if json {
                render::print_json(&serde_json::json!({ "latch": "cleared", "rollback": restarted }))?;
            } else {
                let mut text = String::from("partial-swap latch cleared: the links are sound\n");
                if let Some(outcome) = &restarted {
                    text.push_str(&human(ctx, outcome));
                }
                render::print(&text)?;
            }
            Ok(ExitCode::Ok)
        }
        Err(problems) => {
            if json {
                render::print_json(&serde_json::json!({ "latch": "set", "problems": problems }))?;
            } else {
                let mut text = String::from("the partial-swap latch stays set; still wrong:\n");
                for problem in &problems {
                    text.push_str(&format!("  {problem}\n"));
                }
                render::print(&text)?;
            }
            Ok(ExitCode::SwapLatched)
        }
    }
}

pub fn report(ctx: &Ctx, outcome: &Outcome, json: bool) -> Result<()> {
    if json {
        return render::print_json(outcome);
    }
    render::print(&human(ctx, outcome))
}

pub fn human(ctx: &Ctx, outcome: &Outcome) -> String {
    let sessions_text = |sessions: &[swap::journal::SwapSession]| {
        let mut table = render::table(&["session", "kind", "plan", "claude session", "id from", "task", "result"]);
        for s in sessions {
            table.add_row(vec![
                s.name.clone(),
                format!("{:?}", s.kind).to_lowercase(),
                format!("{:?}", s.plan).to_lowercase(),
                s.claude_session_id.clone().unwrap_or_else(|| "-".to_owned()),
                s.id_source.clone().unwrap_or_else(|| "-".to_owned()),
                s.task.clone().unwrap_or_else(|| "-".to_owned()),
                s.outcome.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string),
            ]);
        }
        format!("{table}\n")
    };
    match outcome {
        Outcome::Done { from, to, sessions } if sessions.iter().any(relaunch_failed) => format!(
            "swapped {from} -> {to}, but {} of {} sessions could not be relaunched (see below; `ccfail status` \
             lists them); quota detection is off for {}\n{}",
            sessions.iter().filter(|s| relaunch_failed(s)).count(),
            sessions.len(),
            ctx.config.quota.cooldown,
            sessions_text(sessions)
        ),
        Outcome::Done { from, to, sessions } => format!(
            "swapped {from} -> {to}; quota detection is off for {}\n{}",
            ctx.config.quota.cooldown,
            sessions_text(sessions)
        ),
        Outcome::RolledBack { from, to, reason, sessions } => format!(
            "swap {from} -> {to} FAILED and was rolled back: {reason}\n{from} is still the active account\n{}",
            sessions_text(sessions)
        ),
        Outcome::Partial { reason, .. } => {
            format!(
                "PARTIAL SWAP: {reason}\nevery swap is refused until `ccfail swap --clear-partial` finds the links sound\n"
            )
        }
        Outcome::Refused { reason, .. } => format!("no swap: {reason}\n"),
        Outcome::Latched { since, reason } => format!(
            "no swap: the partial-swap latch is set since {}: {reason}\nrepair the links, then `ccfail swap --clear-partial`\n",
            render::when(*since, ctx.now())
        ),
        Outcome::Planned { journal, commands } => {
            let mut text = format!(
                "dry run: would swap {} -> {} ({})\nphases: planned -> saved (session ids) -> stopped (Escape, /exit) -> switched (active link, shared links) -> relaunched -> done\n{}",
                journal.from,
                journal.to,
                journal.reason.describe(),
                sessions_text(&journal.sessions)
            );
            if !commands.is_empty() {
                text.push_str("commands:\n");
                for command in commands {
                    text.push_str(&format!("  {command}\n"));
                }
            }
            text.push_str(
                "(a session without a valid Claude session id would be left at its shell, never started blind)\n",
            );
            text
        }
    }
}
