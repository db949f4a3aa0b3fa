//! `ccfail janitor`: the slow clean-up that keeps the queues and the state dir tidy.
//!
//! lock → observe (one `list-panes`, the inboxes, `done/`, the checkpoints) → plan
//! (ages against the `janitor.*` settings) → apply → save → report. Every action is
//! listed; `--dry-run` lists and stops. It never touches a task that a live session
//! owns, and moves tasks only by rename inside their project.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::JanitorArgs;
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::history;
use crate::hooks;
use crate::notify::notify;
use crate::queue::{self, Location, ops};
use crate::render;
use crate::state::{SessionStatus, State, StateLock};

#[derive(Debug, Serialize)]
pub struct JanitorReport {
    pub at: DateTime<Utc>,
    pub dry_run: bool,
    pub actions: Vec<JanitorAction>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JanitorAction {
    pub what: JanitorKind,
    pub target: String,
    pub detail: String,
}

/// What the janitor does (or, with `--dry-run`, would do); the same list in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JanitorKind {
    Requeue,
    Fail,
    Archive,
    PruneCheckpoint,
    CompactSpool,
    TrimHistory,
    BlockedAlert,
    Skip,
}

impl JanitorKind {
    pub fn word(self) -> &'static str {
        match self {
            JanitorKind::Requeue => "requeue",
            JanitorKind::Fail => "fail",
            JanitorKind::Archive => "archive",
            JanitorKind::PruneCheckpoint => "prune-checkpoint",
            JanitorKind::CompactSpool => "compact-spool",
            JanitorKind::TrimHistory => "trim-history",
            JanitorKind::BlockedAlert => "blocked-alert",
            JanitorKind::Skip => "skip",
        }
    }
}

pub fn run(ctx: &Ctx, args: &JanitorArgs) -> Result<ExitCode> {
    let (report, journal) =
        super::timer_pass(ctx, args.dry_run, |lock, state| janitor(ctx, lock, state, args.dry_run))?;
    super::print_timer(ctx, args.json, &report, &journal, "")?;
    Ok(ExitCode::Ok)
}

fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> std::time::Duration {
    (now - then).to_std().unwrap_or_default()
}

pub fn janitor(ctx: &Ctx, lock: &StateLock, state: &mut State, dry_run: bool) -> Result<JanitorReport> {
    let now = ctx.now();
    let config = &ctx.config.janitor;
    let (projects, notes) = queue::projects(&ctx.config);
    let mut report = JanitorReport { at: now, dry_run, actions: Vec::new(), notes };
    let mut act = |what: JanitorKind, target: String, detail: String| {
        report.actions.push(JanitorAction { what, target, detail });
    };

    // Claimed tasks with no live owner.
    let kept = crate::pool::session_names(ctx);
    let observation = match ctx.tmux.observe() {
        Ok(observation) => Some(observation),
        Err(err) => {
            act(
                JanitorKind::Skip,
                "orphans".to_owned(),
                format!("tmux not observed ({err}): no claim is judged orphaned"),
            );
            None
        }
    };
    for project in &projects {
        let Ok(entries) = std::fs::read_dir(project.inbox()) else { continue };
        let mut claimed: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".md.dispatched").map(str::to_owned))
            .filter(|id| crate::names::is_safe_component(id))
            .collect();
        claimed.sort();
        let Some(observation) = &observation else { break };
        for id in claimed {
            let key = project.key(&id);
            let owner =
                state.sessions.iter().find(|(_, s)| s.task.as_deref() == Some(key.as_str())).map(|(n, _)| n.clone());
            let why = match &owner {
                None => "no session owns it",
                // A lost session ccfail keeps is watch-once's to bring back, its claim
                // with it (src/recovery.rs): requeued here, an attempt would be counted
                // for the machine's failure.
                Some(name) if !observation.has_session(name) && !kept.iter().any(|(n, _)| n == name) => {
                    "its session is gone"
                }
                Some(_) => continue,
            };
            let claimed_at = queue::renamed_at(&project.claimed(&id)).unwrap_or(now);
            if age(now, claimed_at) < config.orphan_after.get() {
                continue;
            }
            let reason = format!("orphaned claim: {why}");
            // The requeue-or-fail rule is asked before anything moves: a dry run lists
            // exactly what the real run does.
            let planned = ops::planned_requeue(ctx, state, &key);
            if !dry_run {
                ops::requeue(ctx, state, project, &id, &reason)?;
                if let Some(owner) = &owner {
                    ops::release(state, owner, SessionStatus::Idle, now);
                }
            }
            let what = if planned == ops::Requeued::Failed { JanitorKind::Fail } else { JanitorKind::Requeue };
            act(what, key, reason);
        }
    }

    // Done tasks to the archive.
    let mut archived = 0;
    for project in &projects {
        for (name, done_at) in queue::done_files(project) {
            if age(now, done_at) < config.archive_after.get() {
                continue;
            }
            let month = done_at.format("%Y-%m").to_string();
            act(
                JanitorKind::Archive,
                format!("{}/done/{}", project.name, name.to_string_lossy()),
                format!("to done/archive/{month}/"),
            );
            if !dry_run {
                queue::archive(project, &name, &month)?;
                archived += 1;
                if archived == 1 {
                    ctx.fault("archive-after-first");
                }
            }
        }
    }

    // Old checkpoints.
    let dir = super::watch_once::checkpoint_dir(ctx);
    for file in files_under(&dir) {
        let Some(modified) = std::fs::metadata(&file).ok().and_then(|m| m.modified().ok()) else { continue };
        if age(now, queue::utc(modified)) >= config.checkpoint_ttl.get() {
            if !dry_run {
                let _ = std::fs::remove_file(&file);
            }
            act(JanitorKind::PruneCheckpoint, file.display().to_string(), String::new());
        }
    }

    // The consumed part of the hook spool: punched out, offsets unchanged.
    let consumed = state.queue.spool_offset.min(state.quota.spool_offset);
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let aligned = consumed / 4096 * 4096;
    if aligned > 0 && std::fs::metadata(&spool).is_ok_and(|m| m.len() >= aligned) {
        if !dry_run && let Err(err) = punch_hole(&spool, aligned) {
            report_note(&mut act, &spool, err);
        }
        act(
            JanitorKind::CompactSpool,
            spool.display().to_string(),
            format!("first {aligned} bytes (read by every reader)"),
        );
    }

    // History older than its ttl.
    // (An older state file's array goes too, before the save moves it.)
    let cutoff = now - chrono::Duration::from_std(config.history_ttl.get()).unwrap_or(chrono::Duration::MAX);
    let before = state.legacy_history.len();
    let older = state.legacy_history.iter().filter(|e| e.at < cutoff).count();
    if !dry_run {
        state.legacy_history.retain(|entry| entry.at >= cutoff);
    }
    let dropped =
        history::drop_older(lock, cutoff, dry_run)? + if dry_run { older } else { before - state.legacy_history.len() };
    if dropped > 0 {
        act(
            JanitorKind::TrimHistory,
            history::file(lock.paths()).display().to_string(),
            format!("{dropped} entries older than {}", config.history_ttl),
        );
    }

    // Tasks blocked too long: reported once each.
    let mut still_blocked = BTreeSet::new();
    for project in &projects {
        let Ok(entries) = std::fs::read_dir(project.inbox()) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let Some(id) = entry.file_name().to_str().and_then(|n| n.strip_suffix(".md.blocked")).map(str::to_owned)
            else {
                continue;
            };
            if !crate::names::is_safe_component(&id) || queue::locate(project, &id) != Location::Pending {
                continue;
            }
            let key = project.key(&id);
            still_blocked.insert(key.clone());
            let since = entry.metadata().ok().and_then(|m| m.modified().ok()).map_or(now, queue::utc);
            if age(now, since) >= config.blocked_alert_after.get() && !state.queue.blocked_alerted.contains(&key) {
                let why = std::fs::read_to_string(entry.path()).unwrap_or_default().trim().replace('\n', "; ");
                let detail = format!("blocked since {}: {why}", render::when(since, now));
                if !dry_run {
                    notify(ctx, state, now, "task-blocked", &format!("{key} {detail}")).task(&key);
                    state.queue.blocked_alerted.insert(key.clone());
                }
                act(JanitorKind::BlockedAlert, key, detail);
            }
        }
    }
    if !dry_run {
        state.queue.blocked_alerted.retain(|key| still_blocked.contains(key));
    }
    Ok(report)
}

fn report_note(act: &mut impl FnMut(JanitorKind, String, String), spool: &std::path::Path, err: std::io::Error) {
    act(JanitorKind::Skip, spool.display().to_string(), format!("could not compact: {err}"));
}

/// Frees the first `len` bytes of the spool without moving the rest: the hook appends
/// without any lock, so the file is never replaced; readers' offsets stay valid.
fn punch_hole(spool: &std::path::Path, len: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = crate::files::open_write(spool)?;
    // SAFETY: fallocate on an open descriptor we own; the range lies inside the file.
    let rc = unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            0,
            libc::off_t::try_from(len).unwrap_or(libc::off_t::MAX),
        )
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Files one level below `dir`'s subdirs: `<dir>/<session>/<stamp>.json`.
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(sessions) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = sessions
        .filter_map(Result::ok)
        .filter_map(|s| std::fs::read_dir(s.path()).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

impl super::TimerReport for JanitorReport {
    const COMMAND: &'static str = "janitor";
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    fn lines(&self) -> Vec<super::Line> {
        let mut lines: Vec<super::Line> = self
            .actions
            .iter()
            .map(|a| {
                let text = format!("janitor {} {}: {}", a.what.word(), a.target, a.detail);
                // A skipped step is a standing condition, not something done.
                if a.what == JanitorKind::Skip {
                    super::Line::once(text.clone(), text)
                } else {
                    super::Line::action(text)
                }
            })
            .collect();
        if self.dry_run && !lines.is_empty() {
            lines.push(super::Line::action("dry run: nothing changed"));
        }
        lines
    }
    fn table(&self) -> String {
        human(self)
    }
}

fn human(report: &JanitorReport) -> String {
    if report.actions.is_empty() {
        return "janitor: nothing to do\n".to_owned();
    }
    let mut table = render::table(&["action", "target", "detail"]);
    for action in &report.actions {
        table.add_row(vec![action.what.word().to_owned(), action.target.clone(), action.detail.clone()]);
    }
    let mut out = format!("{table}\n");
    if report.dry_run {
        out.push_str("  dry run: nothing changed\n");
    }
    out
}
