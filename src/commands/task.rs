//! `ccfail task add | ls | show | retry | cancel`: the operator's hands on the queues.
//!
//! Reads (`ls`, `show`) take no lock, like `status`. Every move (`add`, `retry`,
//! `cancel`) takes the state lock for its whole cycle and is one `rename(2)` (or, for a
//! new task, one `link(2)` of a synced temp file) inside its project that never
//! replaces a file, so DESIGN §4.1's invariant holds: a task exists under exactly one
//! name at every instant. As in dispatch, the file moves first and state records it
//! after; a crash in between leaves a name that tells the truth and a state the next
//! watch-once or janitor reconciles. What `add` accepts is what dispatch would send:
//! the same parser ([`crate::queue::task::parse`]) over the same bytes.
//!
//! The rule for cancelling a claimed task: the file goes to `failed/` with the reason
//! `cancelled by operator` first (the commit point); then Escape is pressed in the
//! holding session's pane (the turn ends), the claim is released and the session marked
//! failed, so dispatch sends it nothing and the next watch-once recycles it (`/exit`, a
//! fresh client), and nothing of the cancelled conversation goes on. A run killed after
//! the move is finished by watch-once: a claim whose file is in `failed/` is released
//! and its session recycled.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts;
use crate::cli::{TaskAction, TaskAddArgs, TaskArgs, TaskLsArgs, TaskPriority, TaskRefArgs, TaskState};
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::names::is_safe_component;
use crate::pool::World;
use crate::queue::task::{self, Dependency, HEAD_BYTES, Priority};
use crate::queue::why::{self, Wait};
use crate::queue::{self, Dependencies, Location, Project, Task};
use crate::render;
use crate::state::{HistoryEntry, SessionKind, SessionStatus, State};

/// The version of the JSON documents of every `task` command.
pub const JSON_VERSION: u32 = 1;

/// The reason a cancelled task carries in `failed/T.md.reason`.
pub const CANCELLED: &str = "cancelled by operator";

/// The most `task add` reads from a file or stdin.
const MAX_TASK_BYTES: u64 = 64 << 20;

/// Longest file name a task may have: `.dispatched` must still fit in `NAME_MAX`.
const MAX_NAME: usize = 255 - ".dispatched".len();

pub fn run(ctx: &Ctx, args: &TaskArgs) -> Result<ExitCode> {
    match &args.action {
        TaskAction::Add(args) => add(ctx, args),
        TaskAction::Ls(args) => ls(ctx, args),
        TaskAction::Show(args) => show(ctx, args),
        TaskAction::Retry(args) => retry(ctx, args),
        TaskAction::Cancel(args) => cancel(ctx, args),
    }
}

/// The error for a project name that is not registered.
pub fn unknown_project(name: &str, projects: &[Project]) -> String {
    let shown = crate::commands::dispatch::one_line(name);
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    match (name.is_empty(), projects.is_empty()) {
        (_, true) => {
            "no project is registered: add one to projects.list, or an .agent-queue dir under projects.scan".to_owned()
        }
        (true, false) => format!("no project given; registered: {}", names.join(", ")),
        (false, false) => format!("no project named {shown:?}; registered: {}", names.join(", ")),
    }
}

fn pick_project<'p>(projects: &'p [Project], name: Option<&str>) -> Result<&'p Project> {
    match name {
        Some(name) => projects.iter().find(|p| p.name == name).ok_or_else(|| anyhow!(unknown_project(name, projects))),
        None if projects.len() == 1 => Ok(&projects[0]),
        None if projects.is_empty() => Err(anyhow!(unknown_project("", projects))),
        None => {
            let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
            Err(anyhow!("several projects are registered ({}): pass --project NAME", names.join(", ")))
        }
    }
}

/// `project:id` or `id` (with or without `.md`), checked before any path is built.
fn find_task<'p>(projects: &'p [Project], reference: &str) -> Result<(&'p Project, String)> {
    let shown = crate::commands::dispatch::one_line(reference);
    let (project, id) = match reference.split_once(':') {
        Some((project, id)) => (Some(project), id),
        None => (None, reference),
    };
    let id = id.strip_suffix(".md").unwrap_or(id);
    if !is_safe_component(id) || project.is_some_and(|p| !is_safe_component(p)) {
        bail!("{shown:?} is not a task name: use project:id, each with letters, digits, '.', '_' and '-' only");
    }
    if let Some(name) = project {
        let project =
            projects.iter().find(|p| p.name == name).ok_or_else(|| anyhow!(unknown_project(name, projects)))?;
        return Ok((project, id.to_owned()));
    }
    let holders: Vec<&Project> = projects.iter().filter(|p| queue::locate(p, id) != Location::Missing).collect();
    match holders.as_slice() {
        [one] => Ok((one, id.to_owned())),
        [] => {
            let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
            bail!("no task {id} in any project ({})", names.join(", "))
        }
        many => {
            let keys: Vec<String> = many.iter().map(|p| p.key(id)).collect();
            bail!("{id} names a task in several projects: say which, {}", keys.join(" or "))
        }
    }
}

/// One task as `ls` and `show` report it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskEntry {
    /// `project:id`; for an invalid task whose name is unsafe, `project/<file name>`.
    pub task: String,
    pub project: String,
    pub id: String,
    pub state: TaskState,
    pub path: PathBuf,
    pub title: Option<String>,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    pub depends_on: Vec<String>,
    /// The session holding a claimed task.
    pub session: Option<String>,
    /// Since when it has its name (claimed, done, failed).
    pub since: Option<DateTime<Utc>>,
    /// Failed tries so far (reset by retry, dropped at done/failed).
    pub attempts: u32,
    /// Why it failed or is invalid.
    pub reason: Option<String>,
    /// Why a pending or blocked task waits, or where it goes next.
    pub wait: Option<Wait>,
}

struct Listing {
    entries: Vec<TaskEntry>,
    notes: Vec<String>,
}

/// Every task of `projects` in the states `want` asks for, with why each waiting one
/// waits. Reads the state without the lock and observes the pool once when a ready
/// task needs its free sessions.
fn list(ctx: &Ctx, state: &State, projects: &[Project], want: &dyn Fn(TaskState) -> bool) -> Listing {
    let now = ctx.now();
    let mut notes = Vec::new();
    let mut entries = Vec::new();
    let cache = queue::HeadCache::load(&ctx.state.paths().dir.join(super::dispatch::HEAD_CACHE_FILE));
    let (scan, _, _) = queue::scan_cached(projects, &cache);
    notes.extend(scan.notes.iter().cloned());
    let attempts = |key: &str| state.queue.attempts.get(key).copied().unwrap_or(0);
    let holder =
        |key: &str| state.sessions.iter().find(|(_, s)| s.task.as_deref() == Some(key)).map(|(n, _)| n.clone());
    let base = |project: &Project, id: &str, state_: TaskState, path: PathBuf| TaskEntry {
        task: project.key(id),
        project: project.name.clone(),
        id: id.to_owned(),
        state: state_,
        path,
        title: None,
        priority: None,
        tags: Vec::new(),
        depends_on: Vec::new(),
        session: None,
        since: None,
        attempts: attempts(&project.key(id)),
        reason: None,
        wait: None,
    };
    let with_head = |mut entry: TaskEntry, front: &task::FrontMatter, title: &str| {
        entry.title = Some(title.to_owned());
        entry.priority = Some(front.priority);
        entry.tags.clone_from(&front.tags);
        entry.depends_on.clone_from(&front.depends_on);
        entry
    };

    if want(TaskState::Pending) || want(TaskState::Blocked) {
        let mut dependencies = Dependencies::new(projects);
        let mut ready: Vec<&Task> = Vec::new();
        for task in &scan.tasks {
            let project = &projects[task.project];
            let unmet = dependencies.unmet(task.project, &task.front);
            if unmet.is_empty() {
                ready.push(task);
            } else if want(TaskState::Blocked) {
                let mut entry = with_head(
                    base(project, &task.id, TaskState::Blocked, project.pending(&task.id)),
                    &task.front,
                    &task.title,
                );
                // Blocked by whom: a dependency that is running says which session has it.
                let unmet = unmet
                    .into_iter()
                    .map(|mut u| {
                        if u.why.ends_with("claimed") {
                            let dep = if u.entry.contains(':') { u.entry.clone() } else { project.key(&u.entry) };
                            let dep = dep.strip_suffix(".md").unwrap_or(&dep).to_owned();
                            if let Some(session) = holder(&dep) {
                                u.why = format!("{} by {session}", u.why);
                            }
                        }
                        u
                    })
                    .collect();
                entry.wait = Some(Wait::Blocked { unmet });
                entries.push(entry);
            }
        }
        queue::plan::order(&mut ready, projects);
        if want(TaskState::Pending) && !ready.is_empty() {
            let free = free_sessions(ctx, state, &mut notes);
            let active = accounts::active_account(&ctx.config, Some(state));
            let drained = active.and_then(|(account, _)| {
                let until = state.accounts.get(&account.name)?.drained_until.filter(|t| *t > now)?;
                Some((account.name.as_str(), until))
            });
            let pool = why::Pool {
                max: ctx.config.pool.autonomous.max,
                tags: &ctx.config.pool.autonomous.tags,
                free: &free,
                drained,
            };
            for (task, wait) in ready.iter().zip(why::explain(&ready, projects, &pool, &state.pause)) {
                let project = &projects[task.project];
                let mut entry = with_head(
                    base(project, &task.id, TaskState::Pending, project.pending(&task.id)),
                    &task.front,
                    &task.title,
                );
                entry.wait = Some(wait);
                entries.push(entry);
            }
        }
    }
    if want(TaskState::Invalid) {
        for invalid in &scan.invalid {
            let project = &projects[invalid.project];
            let id = invalid.name.strip_suffix(".md").unwrap_or(&invalid.name);
            let mut entry = base(project, id, TaskState::Invalid, project.inbox().join(&invalid.name));
            if !is_safe_component(id) {
                entry.task = format!("{}/{:?}", project.name, invalid.name);
            }
            entry.reason = Some(invalid.reason.clone());
            entries.push(entry);
        }
    }
    if want(TaskState::Claimed) {
        for (index, id) in &scan.claimed {
            let project = &projects[*index];
            let path = project.claimed(id);
            let mut entry = base(project, id, TaskState::Claimed, path.clone());
            if let Ok(parsed) = queue::read_task(&path) {
                entry = with_head(entry, &parsed.front, if parsed.title.is_empty() { id } else { &parsed.title });
            }
            entry.session = holder(&entry.task);
            entry.since = queue::renamed_at(&path);
            entries.push(entry);
        }
    }
    for project in projects {
        if want(TaskState::Failed) {
            for (name, path) in md_files(&project.failed()) {
                let Some(id) = name.strip_suffix(".md").filter(|id| is_safe_component(id)) else { continue };
                let mut entry = base(project, id, TaskState::Failed, path.clone());
                if let Ok(parsed) = queue::read_task(&path) {
                    entry = with_head(entry, &parsed.front, if parsed.title.is_empty() { id } else { &parsed.title });
                }
                entry.since = queue::renamed_at(&path);
                entry.reason = crate::files::read(&queue::reason_file(project, id))
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
                entries.push(entry);
            }
        }
        if want(TaskState::Done) {
            let mut done = md_files(&project.done());
            for month in dirs(&project.done().join("archive")) {
                done.extend(md_files(&month));
            }
            for (name, path) in done {
                let Some(id) = name.strip_suffix(".md").filter(|id| is_safe_component(id)) else { continue };
                let mut entry = base(project, id, TaskState::Done, path.clone());
                // Only when done tasks are asked for: one bounded read each.
                if let Ok(parsed) = queue::read_task(&path) {
                    entry = with_head(entry, &parsed.front, if parsed.title.is_empty() { id } else { &parsed.title });
                }
                entry.since = queue::renamed_at(&path);
                entries.push(entry);
            }
        }
    }
    Listing { entries, notes }
}

/// The pool sessions dispatch would hand a task now; none (with a note) when tmux
/// cannot be observed.
fn free_sessions(ctx: &Ctx, state: &State, notes: &mut Vec<String>) -> Vec<String> {
    let names: Vec<(String, SessionKind)> =
        ctx.config.pool.autonomous.names().map(|n| (n, SessionKind::Pool)).collect();
    match World::observe(ctx, &names, 0, state.queue.spool_offset) {
        Ok(world) => names
            .iter()
            .map(|(name, kind)| world.view(name, *kind))
            .filter(|view| super::dispatch::is_free(&ctx.config, state, view, ctx.now()))
            .map(|view| view.name)
            .collect(),
        Err(err) => {
            notes.push(format!("the pool was not observed ({err:#}): no session counted as free"));
            Vec::new()
        }
    }
}

/// `*.md` regular files directly in `dir` (not through a link), sorted.
fn md_files(dir: &Path) -> Vec<(String, PathBuf)> {
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.file_name().to_str()?.to_owned(), e.path())))
        .filter(|(name, _)| !name.starts_with('.') && Path::new(name).extension().is_some_and(|e| e == "md"))
        .collect();
    out.sort();
    out
}

fn dirs(dir: &Path) -> Vec<PathBuf> {
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn state_word(state: TaskState) -> &'static str {
    match state {
        TaskState::Pending => "pending",
        TaskState::Blocked => "blocked",
        TaskState::Claimed => "claimed",
        TaskState::Done => "done",
        TaskState::Failed => "failed",
        TaskState::Invalid => "invalid",
    }
}

/// Order of the listing: what runs, what goes next, what waits, what needs a hand.
fn rank(state: TaskState) -> u8 {
    match state {
        TaskState::Claimed => 0,
        TaskState::Pending => 1,
        TaskState::Blocked => 2,
        TaskState::Invalid => 3,
        TaskState::Failed => 4,
        TaskState::Done => 5,
    }
}

/// What the entry's last column says.
fn detail(entry: &TaskEntry, now: DateTime<Utc>) -> String {
    let since = |t: Option<DateTime<Utc>>| t.map(|t| format!(" since {}", render::when(t, now))).unwrap_or_default();
    let text = match entry.state {
        TaskState::Pending | TaskState::Blocked => entry.wait.as_ref().map(|w| w.text(now)).unwrap_or_default(),
        TaskState::Claimed => match &entry.session {
            Some(session) => format!("claimed by {session}{}", since(entry.since)),
            None => format!("claimed by no session{} (the janitor returns it)", since(entry.since)),
        },
        TaskState::Done => {
            format!("done{}", entry.since.map(|t| format!(" {}", render::when(t, now))).unwrap_or_default())
        }
        TaskState::Failed | TaskState::Invalid => entry.reason.clone().unwrap_or_default(),
    };
    let attempts = if entry.attempts > 0 { format!(" [{} failed attempt(s)]", entry.attempts) } else { String::new() };
    super::dispatch::one_line(&format!("{text}{attempts}"))
}

#[derive(Debug, Serialize)]
struct LsReport {
    version: u32,
    at: DateTime<Utc>,
    tasks: Vec<TaskEntry>,
    /// Tasks per state, of those listed.
    counts: BTreeMap<String, usize>,
    /// Done tasks left out (`--state done` lists them).
    done_hidden: usize,
    notes: Vec<String>,
}

fn ls(ctx: &Ctx, args: &TaskLsArgs) -> Result<ExitCode> {
    let (all, _) = queue::projects(&ctx.config);
    for name in &args.project {
        if !all.iter().any(|p| p.name == *name) {
            bail!("{}", unknown_project(name, &all));
        }
    }
    let projects: Vec<Project> =
        all.iter().filter(|p| args.project.is_empty() || args.project.contains(&p.name)).cloned().collect();
    let state = ctx.state.read().unwrap_or_else(|err| {
        ctx.log().warn(&format!("the state is not read ({err}): no claim, attempt or pause is shown"));
        State::fresh()
    });
    let want = |s: TaskState| if args.state.is_empty() { s != TaskState::Done } else { args.state.contains(&s) };
    let mut listing = list(ctx, &state, &projects, &want);
    let mut order: Vec<(u8, usize)> = listing.entries.iter().enumerate().map(|(i, e)| (rank(e.state), i)).collect();
    order.sort_unstable();
    let entries: Vec<TaskEntry> = order.into_iter().map(|(_, i)| listing.entries[i].clone()).collect();
    let mut counts = BTreeMap::new();
    for entry in &entries {
        *counts.entry(state_word(entry.state).to_owned()).or_insert(0) += 1;
    }
    let done_hidden = if args.state.is_empty() {
        projects
            .iter()
            .map(|p| {
                md_files(&p.done()).len()
                    + dirs(&p.done().join("archive")).iter().map(|m| md_files(m).len()).sum::<usize>()
            })
            .sum()
    } else {
        0
    };
    let report = LsReport {
        version: JSON_VERSION,
        at: ctx.now(),
        tasks: entries,
        counts,
        done_hidden,
        notes: std::mem::take(&mut listing.notes),
    };
    super::report(ctx.log(), &report.notes, args.json, &report, |r| {
        let mut table = render::table(&["task", "state", "priority", "title", "why / where"]);
        for entry in &r.tasks {
            let title: String = entry.title.as_deref().unwrap_or("-").chars().take(40).collect();
            table.add_row(vec![
                super::dispatch::one_line(&entry.task),
                state_word(entry.state).to_owned(),
                entry.priority.map_or("-", Priority::word).to_owned(),
                super::dispatch::one_line(&title),
                detail(entry, r.at),
            ]);
        }
        let mut out = if r.tasks.is_empty() { "no tasks\n".to_owned() } else { format!("{table}\n") };
        let counts: Vec<String> = r.counts.iter().map(|(state, n)| format!("{n} {state}")).collect();
        if !counts.is_empty() {
            out.push_str(&format!("  {}\n", counts.join(", ")));
        }
        if r.done_hidden > 0 {
            out.push_str(&format!("  {} done not shown (--state done)\n", r.done_hidden));
        }
        out
    })?;
    Ok(ExitCode::Ok)
}

#[derive(Debug, Serialize)]
struct ShowReport {
    version: u32,
    at: DateTime<Utc>,
    task: TaskEntry,
    /// The `.blocked` marker's text, when there is one (written when it first waited).
    blocked_marker: Option<String>,
    /// The file's text, at most 64 KiB of it.
    text: Option<String>,
    truncated: bool,
    /// History entries that name the task, oldest first.
    history: Vec<HistoryEntry>,
    notes: Vec<String>,
}

fn show(ctx: &Ctx, args: &TaskRefArgs) -> Result<ExitCode> {
    let (projects, _) = queue::projects(&ctx.config);
    let (project, id) = find_task(&projects, &args.task)?;
    let key = project.key(&id);
    let state = ctx.state.read().unwrap_or_else(|err| {
        ctx.log().warn(&format!("the state is not read ({err}): no claim, attempt or history is shown"));
        State::fresh()
    });
    let listing = list(ctx, &state, &projects, &|_| true);
    let Some(entry) = listing.entries.iter().find(|e| e.task == key).cloned() else {
        bail!("no task {key}: {} has no {id}.md in inbox/, done/ or failed/", project.name);
    };
    let mut text = None;
    let mut truncated = false;
    if let Ok(file) = crate::files::open_read(&entry.path) {
        let mut bytes = Vec::new();
        file.take(HEAD_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("could not read {}", entry.path.display()))?;
        truncated = bytes.len() > HEAD_BYTES;
        bytes.truncate(HEAD_BYTES);
        text = Some(String::from_utf8_lossy(&bytes).into_owned());
    }
    let blocked_marker = crate::files::read(&queue::blocked_marker(project, &id))
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    let kept = ctx.state.history().unwrap_or_else(|err| {
        ctx.log().warn(&format!("the history is not read ({err}): no history entry is shown"));
        crate::history::History::default()
    });
    if let Some(note) = kept.skipped_note() {
        ctx.log().warn(&note);
    }
    let history: Vec<HistoryEntry> = kept
        .entries
        .iter()
        .filter(|h| {
            h.task.as_deref() == Some(key.as_str())
                || h.detail == key
                || h.detail.starts_with(&format!("{key} "))
                || h.detail.starts_with(&format!("{key}:"))
        })
        .cloned()
        .collect();
    let report = ShowReport {
        version: JSON_VERSION,
        at: ctx.now(),
        task: entry,
        blocked_marker,
        text,
        truncated,
        history,
        notes: listing.notes,
    };
    super::report(ctx.log(), &report.notes, args.json, &report, human_show)?;
    Ok(ExitCode::Ok)
}

/// Text for a terminal: control characters other than newline and tab shown as `?`.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' && c != '\t' { '?' } else { c }).collect()
}

fn human_show(r: &ShowReport) -> String {
    let t = &r.task;
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<11} {value}\n"));
    line("task", printable(&t.task));
    line("state", state_word(t.state).to_owned());
    line("file", t.path.display().to_string());
    if let Some(title) = &t.title {
        line("title", super::dispatch::one_line(title));
    }
    if let Some(priority) = t.priority {
        line("priority", priority.word().to_owned());
    }
    if !t.tags.is_empty() {
        line("tags", t.tags.join(", "));
    }
    if !t.depends_on.is_empty() {
        line("depends on", super::dispatch::one_line(&t.depends_on.join(", ")));
    }
    if t.attempts > 0 || matches!(t.state, TaskState::Pending | TaskState::Blocked | TaskState::Claimed) {
        line("attempts", format!("{} failed so far", t.attempts));
    }
    if let Some(session) = &t.session {
        line("session", session.clone());
    }
    if let Some(since) = t.since {
        line("since", render::when(since, r.at));
    }
    if let Some(wait) = &t.wait {
        line("why", wait.text(r.at));
    }
    if let Some(reason) = &t.reason {
        line("reason", super::dispatch::one_line(reason));
    }
    if let Some(marker) = &r.blocked_marker {
        line("marker", format!(".blocked: {}", super::dispatch::one_line(marker)));
    }
    if !r.history.is_empty() {
        out.push_str("history\n");
        for h in &r.history {
            out.push_str(&format!(
                "  {} {} {}\n",
                h.at.format("%Y-%m-%d %H:%M:%S"),
                h.event,
                super::dispatch::one_line(&h.detail)
            ));
        }
    }
    match &r.text {
        Some(text) => {
            out.push_str("---- file ----\n");
            out.push_str(&printable(text));
            if !text.ends_with('\n') {
                out.push('\n');
            }
            if r.truncated {
                out.push_str(&format!("---- (cut at {} KiB) ----\n", HEAD_BYTES / 1024));
            }
        }
        None => out.push_str("---- file not readable (a symlink or not a regular file?) ----\n"),
    }
    out
}

#[derive(Debug, Serialize)]
struct MoveReport {
    version: u32,
    at: DateTime<Utc>,
    task: String,
    /// What was done, e.g. `retried`, `cancelled`, `added`.
    action: &'static str,
    from: Option<Location>,
    path: PathBuf,
    /// The session that held a cancelled claimed task.
    session: Option<String>,
    /// Things the operator should know (a dependency that exists nowhere, tags no session
    /// has, a paused project, an Escape that could not be sent).
    warnings: Vec<String>,
}

impl MoveReport {
    /// The report of one move of `task` to `path`; `from`, `session` and `warnings` are
    /// set by the moves that have them.
    fn new(at: DateTime<Utc>, task: String, action: &'static str, path: PathBuf) -> MoveReport {
        MoveReport { version: JSON_VERSION, at, task, action, from: None, path, session: None, warnings: Vec::new() }
    }
}

fn print_move(ctx: &Ctx, json: bool, report: &MoveReport, human: impl FnOnce(&MoveReport) -> String) -> Result<()> {
    if json {
        render::print_json(report)
    } else {
        for warning in &report.warnings {
            ctx.log().warn(warning);
        }
        render::print(&human(report))
    }
}

/// The task file's bytes, where they came from (for errors), and the id its name gives.
fn content(args: &TaskAddArgs) -> Result<(Vec<u8>, String, Option<String>)> {
    if let Some(path) = &args.file {
        let mut bytes = Vec::new();
        if path == Path::new("-") {
            std::io::stdin()
                .take(MAX_TASK_BYTES + 1)
                .read_to_end(&mut bytes)
                .context("could not read the task from stdin")?;
            if bytes.len() as u64 > MAX_TASK_BYTES {
                bail!("the task on stdin is over {} MiB: refused, nothing was written", MAX_TASK_BYTES >> 20);
            }
            return Ok((bytes, "the task on stdin".to_owned(), None));
        }
        let file =
            std::fs::File::open(path).with_context(|| format!("could not read the task file {}", path.display()))?;
        file.take(MAX_TASK_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("could not read the task file {}", path.display()))?;
        if bytes.len() as u64 > MAX_TASK_BYTES {
            bail!("task file {} is over {} MiB: refused, nothing was written", path.display(), MAX_TASK_BYTES >> 20);
        }
        let stem = path.file_name().and_then(|n| n.to_str()).map(|n| n.strip_suffix(".md").unwrap_or(n).to_owned());
        return Ok((bytes, format!("task file {}", path.display()), stem));
    }
    let title = super::dispatch::one_line(&args.title.join(" "));
    if title.is_empty() && args.body.is_none() {
        bail!("nothing to add: give a TITLE, --body TEXT, or --file PATH (- for stdin)");
    }
    // JSON strings are YAML double-quoted scalars: every value goes in quoted.
    let quote = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let list = |items: &[String]| format!("[{}]", items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", "));
    let mut text = String::from("---\n");
    if !title.is_empty() {
        text.push_str(&format!("title: {}\n", quote(&title)));
    }
    if let Some(priority) = args.priority {
        let word = match priority {
            TaskPriority::Critical => Priority::Critical,
            TaskPriority::High => Priority::High,
            TaskPriority::Default => Priority::Default,
            TaskPriority::Low => Priority::Low,
        }
        .word();
        text.push_str(&format!("priority: {word}\n"));
    }
    if !args.tags.is_empty() {
        text.push_str(&format!("tags: {}\n", list(&args.tags)));
    }
    if !args.depends_on.is_empty() {
        text.push_str(&format!("depends_on: {}\n", list(&args.depends_on)));
    }
    if let Some(model) = &args.model {
        text.push_str(&format!("model: {}\n", quote(model)));
    }
    text.push_str("---\n");
    if let Some(body) = &args.body {
        text.push_str(body);
        if !body.ends_with('\n') {
            text.push('\n');
        }
    }
    Ok((text.into_bytes(), "the task given on the command line".to_owned(), None))
}

/// A given id, checked: safe, and short enough to be claimed.
fn checked_id(id: &str) -> Result<String> {
    let id = id.strip_suffix(".md").unwrap_or(id);
    if !is_safe_component(id) {
        bail!(
            "--id {:?}: an id may only use letters, digits, '.', '_' and '-' (and is not . or ..)",
            super::dispatch::one_line(id)
        );
    }
    if id.len() + ".md".len() > MAX_NAME {
        bail!("--id is {} bytes: at most {} (the claimed name must fit in 255)", id.len(), MAX_NAME - ".md".len());
    }
    Ok(id.to_owned())
}

/// `fix-the-login-redirect-3fa2c1`: the title's words (ASCII letters and digits, at
/// most 40), then 6 random hex digits; `task-3fa2c1` for a title with none.
fn generated_id(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let token = crate::delivery::new_token();
    let hex = &token[token.len() - 6..];
    if slug.is_empty() { format!("task-{hex}") } else { format!("{slug}-{hex}") }
}

fn add(ctx: &Ctx, args: &TaskAddArgs) -> Result<ExitCode> {
    let now = ctx.now();
    let (projects, _) = queue::projects(&ctx.config);
    let project = pick_project(&projects, args.project.as_deref())?;
    let (bytes, source, stem) = content(args)?;
    // Exactly what dispatch reads and how it judges it.
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let parsed =
        task::parse(head, bytes.len() <= HEAD_BYTES).map_err(|why| anyhow!("{source}: {why}; nothing was written"))?;
    for entry in &parsed.front.depends_on {
        if let Dependency::Refused(_) = task::dependency(entry) {
            bail!(
                "{source}: depends_on {:?} is not a safe project:id, so it could never be met; nothing was written",
                super::dispatch::one_line(entry)
            );
        }
    }
    let mut warnings = Vec::new();
    let given = match (&args.id, stem) {
        (Some(id), _) => Some(checked_id(id)?),
        (None, Some(stem)) => match checked_id(&stem) {
            Ok(id) => Some(id),
            Err(_) => {
                warnings.push(format!("the file's name {stem:?} is not a safe id: a new one is made from the title"));
                None
            }
        },
        (None, None) => None,
    };
    let project_index = projects.iter().position(|p| p.name == project.name).expect("picked from the list");
    let (key, path) = ctx.state.update(|state| -> Result<(String, PathBuf)> {
        crate::files::remove_stale_temps(&project.inbox());
        let mut tries = 0;
        let (id, path) = loop {
            let id = given.clone().unwrap_or_else(|| generated_id(&parsed.title));
            let location = queue::locate(project, &id);
            if location != Location::Missing {
                if given.is_some() || tries >= 5 {
                    bail!("{} exists already ({location:?}): pass another --id; nothing was written", project.key(&id));
                }
                tries += 1;
                continue;
            }
            match queue::add(project, &id, &bytes) {
                Ok(path) => break (id, path),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && given.is_none() && tries < 5 => {
                    tries += 1;
                }
                Err(err) => return Err(anyhow!(err).context(format!("{source}: not added"))),
            }
        };
        let key = project.key(&id);
        let title = if parsed.title.is_empty() { id.clone() } else { super::dispatch::one_line(&parsed.title) };
        state.record(now, "task-added", format!("{key}: {title}")).task(&key);
        if let Some(pause) = state.pause.dispatch_of(&project.name) {
            warnings.push(format!(
                "dispatch is paused (since {}): it waits for ccfail resume",
                render::when(pause.since, now)
            ));
        }
        Ok((key, path))
    })?;
    for unmet in Dependencies::new(&projects).unmet(project_index, &parsed.front) {
        warnings.push(format!("depends_on {}: {}", unmet.entry, unmet.why));
    }
    let missing: Vec<&String> =
        parsed.front.tags.iter().filter(|t| !ctx.config.pool.autonomous.tags.contains(t)).collect();
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        warnings.push(format!(
            "no pool session has tags [{}] (pool.autonomous.tags): it waits until one does",
            list.join(", ")
        ));
    }
    let report = MoveReport { warnings, ..MoveReport::new(now, key, "added", path) };
    print_move(ctx, args.json, &report, |r| format!("{}\n", r.task))?;
    Ok(ExitCode::Ok)
}

fn retry(ctx: &Ctx, args: &TaskRefArgs) -> Result<ExitCode> {
    let now = ctx.now();
    let (projects, _) = queue::projects(&ctx.config);
    let (project, id) = find_task(&projects, &args.task)?;
    let key = project.key(&id);
    let report = ctx.state.update(|state| -> Result<MoveReport> {
        let location = queue::locate(project, &id);
        let (path, was) = match location {
            Location::Failed => {
                let reason = crate::files::read(&queue::reason_file(project, &id)).map_or_else(
                    |_| "no reason recorded".to_owned(),
                    |b| String::from_utf8_lossy(&b).trim().to_owned(),
                );
                let path = queue::retry_failed(project, &id).with_context(|| format!("{key} not retried"))?;
                ctx.fault("retry-after-move");
                (path, format!("failed: {reason}"))
            }
            Location::Pending => {
                let path = project.pending(&id);
                let marker = project.inbox().join(format!("{id}.md.invalid"));
                let Ok(reason) = crate::files::read(&marker) else {
                    bail!("{key} is pending, not failed or invalid: nothing to retry (ccfail task show {key} says why it waits)");
                };
                if let Err(why) = queue::read_task(&path) {
                    bail!("{key} is still invalid: {why}; fix {} first", path.display());
                }
                let _ = std::fs::remove_file(&marker);
                (path, format!("invalid: {}", String::from_utf8_lossy(&reason).trim()))
            }
            Location::Claimed => bail!("{key} is claimed (running): nothing to retry; ccfail task cancel {key} stops it"),
            Location::Done => bail!("{key} is done: nothing to retry; add it again under a new id"),
            Location::Missing => bail!("no task {key}: {} has no {id}.md in inbox/, done/ or failed/", project.name),
        };
        state.queue.attempts.remove(&key);
        state.record(now, "task-retried", format!("{key}: back in the inbox, attempts reset (was {was})")).task(&key);
        ctx.log().info(&format!("{key} back in the inbox (was {was})"));
        Ok(MoveReport { from: Some(location), ..MoveReport::new(now, key.clone(), "retried", path) })
    })?;
    print_move(ctx, args.json, &report, |r| format!("{}: back in the inbox, attempts reset\n", r.task))?;
    Ok(ExitCode::Ok)
}

fn cancel(ctx: &Ctx, args: &TaskRefArgs) -> Result<ExitCode> {
    let now = ctx.now();
    let (projects, _) = queue::projects(&ctx.config);
    let (project, id) = find_task(&projects, &args.task)?;
    let key = project.key(&id);
    let report = ctx.state.update(|state| -> Result<MoveReport> {
        let location = queue::locate(project, &id);
        let holder =
            state.sessions.iter().find(|(_, s)| s.task.as_deref() == Some(key.as_str())).map(|(n, _)| n.clone());
        let mut warnings = Vec::new();
        let path = match location {
            Location::Pending => {
                let path =
                    queue::cancel_pending(project, &id, CANCELLED).with_context(|| format!("{key} not cancelled"))?;
                let _ = std::fs::remove_file(project.inbox().join(format!("{id}.md.invalid")));
                ctx.fault("cancel-after-move");
                path
            }
            Location::Claimed => {
                let reason = match &holder {
                    Some(session) => format!("{CANCELLED} (it was running in {session})"),
                    None => CANCELLED.to_owned(),
                };
                // The move is the commit point; the session is stopped after it.
                let path = queue::fail(project, &id, &reason).with_context(|| format!("{key} not cancelled"))?;
                ctx.fault("cancel-after-move");
                if let Some(session) = &holder {
                    match ctx.tmux.observe().map(|o| o.session_pane(session).map(|p| p.pane_id.clone())) {
                        Ok(Some(pane)) => {
                            if let Err(err) = ctx.tmux.send_keys(&pane, &["Escape"]) {
                                warnings.push(format!("{session}: Escape not sent ({err}); watch-once recycles it"));
                            }
                        }
                        Ok(None) => warnings.push(format!("{session}: no tmux session; watch-once recreates it")),
                        Err(err) => {
                            warnings.push(format!("{session}: tmux not reached ({err}); watch-once recycles it"));
                        }
                    }
                    queue::ops::release(state, session, SessionStatus::Failed, now);
                    state.queue.sessions.entry(session.clone()).or_default().failure =
                        Some(format!("its task {key} was cancelled by the operator: recycled by the next watch-once"));
                    if let Some(pause) = &state.pause.upkeep {
                        warnings.push(format!(
                            "pool upkeep is paused (since {}): {session} is recycled after ccfail resume --upkeep",
                            render::when(pause.since, now)
                        ));
                    }
                }
                path
            }
            Location::Failed => bail!("{key} is in failed/ already: nothing to cancel"),
            Location::Done => bail!("{key} is done: nothing to cancel"),
            Location::Missing => bail!("no task {key}: {} has no {id}.md in inbox/, done/ or failed/", project.name),
        };
        state.queue.attempts.remove(&key);
        let by = holder.as_ref().map(|s| format!(", {s} interrupted")).unwrap_or_default();
        let entry = state.record(now, "task-cancelled", format!("{key}: {CANCELLED}{by}"));
        entry.task(&key);
        if let Some(session) = &holder {
            entry.session(session);
        }
        ctx.log().info(&format!("{key} cancelled{by}"));
        Ok(MoveReport {
            from: Some(location),
            session: holder,
            warnings,
            ..MoveReport::new(now, key.clone(), "cancelled", path)
        })
    })?;
    print_move(ctx, args.json, &report, |r| match &r.session {
        Some(session) => format!(
            "{}: cancelled, in {}; {session} interrupted (Escape), the next watch-once recycles it\n",
            r.task,
            r.path.display()
        ),
        None => format!("{}: cancelled, in {}\n", r.task, r.path.display()),
    })?;
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_safe_and_read_like_their_title() {
        let id = generated_id("Fix the login redirect!");
        assert!(id.starts_with("fix-the-login-redirect-") && id.len() == "fix-the-login-redirect-".len() + 6, "{id}");
        assert!(is_safe_component(&id));
        let id = generated_id("$(touch pwned) ../../x ééé");
        assert!(id.starts_with("touch-pwned-x-"), "{id}");
        assert!(generated_id("ééé").starts_with("task-"));
        assert!(generated_id(&"a".repeat(300)).len() <= 47);
    }

    #[test]
    fn given_ids_are_checked_before_any_path_is_built() {
        assert_eq!(checked_id("fix-1.md").unwrap(), "fix-1");
        for bad in ["../x", "a/b", "..", "", "$(x)", "a b"] {
            assert!(checked_id(bad).is_err(), "{bad:?}");
        }
        assert!(checked_id(&"a".repeat(242)).is_err());
        assert!(checked_id(&"a".repeat(241)).is_ok());
    }
}
