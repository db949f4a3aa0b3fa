//! `ccfail dispatch`: one pass that hands the best ready tasks to the free pool
//! sessions.
//!
//! lock → observe (projects and inboxes, one `list-panes`, one batched capture, the
//! clients' state files, hook events) → plan ([`crate::queue::plan`], pure) → apply:
//! claim by rename, save the claim, start Claude where none runs, type every prompt in
//! one tmux call, press Enter in one more, verify by polling one batched capture →
//! save → report. A prompt that does not arrive after a retry is undone: the task is
//! renamed back and the session marked failed. Dedicated sessions are never touched.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts;
use crate::cli::DispatchArgs;
use crate::client;
use crate::config::{Config, Policy, fill};
use crate::ctx::Ctx;
use crate::delivery;
use crate::driver::{self, Launch, Waits};
use crate::exit::ExitCode;
use crate::hooks;
use crate::notify::notify;
use crate::pool::{Activity, World};
use crate::queue::plan::{self, FreeSession};
use crate::queue::task::Priority;
use crate::queue::why::{self, Wait};
use crate::queue::{self, Dependencies, Project, Task, Unmet};
use crate::render;
use crate::screen;
use crate::state::{SessionKind, SessionState, SessionStatus, SessionWatch, State, StateLock};
use crate::swap;
use crate::typing;

/// The parsed task heads of the last pass, in the state dir (rebuildable).
pub const HEAD_CACHE_FILE: &str = "queue-heads.json";

/// Longest title put into a prompt.
const TITLE_CHARS: usize = 200;

#[derive(Debug, Serialize)]
pub struct DispatchReport {
    pub at: DateTime<Utc>,
    pub dry_run: bool,
    pub projects: usize,
    /// Valid tasks in the inboxes.
    pub pending: usize,
    pub ready: usize,
    pub blocked: Vec<BlockedTask>,
    pub invalid: Vec<InvalidTask>,
    pub free_sessions: Vec<String>,
    pub pairs: Vec<Pairing>,
    /// Ready tasks that were not sent, each with why (tags no session has, a paused
    /// project, no free session, …).
    pub waiting: Vec<WaitingTask>,
    /// Why nothing was dispatched, when a rule stopped the whole pass.
    pub skipped: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct BlockedTask {
    pub task: String,
    pub unmet: Vec<Unmet>,
}

#[derive(Debug, Serialize)]
pub struct WaitingTask {
    pub task: String,
    pub wait: Wait,
}

#[derive(Debug, Serialize)]
pub struct InvalidTask {
    pub project: String,
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Pairing {
    pub session: String,
    pub task: String,
    pub priority: Priority,
    pub title: String,
    pub model: Option<String>,
    /// Claude was not running in the session (or ran another model) and is started.
    pub starts_claude: bool,
    pub outcome: PairOutcome,
    pub error: Option<String>,
}

/// What became of one pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairOutcome {
    /// `--dry-run`: what a real run would do.
    Planned,
    /// The client recorded the prompt with its token.
    Sent,
    /// Enter was pressed and the prompt left the box, but the client's record of it has
    /// not shown yet: the claim stays, unproven, and watch-once decides (a late record
    /// makes it delivered; none, with the client idle, gives the task back uncounted).
    /// Undoing it here could run the task twice.
    Unproven,
    /// Provably not sent (never entered, or still in the box): claim undone.
    Failed,
}

impl PairOutcome {
    pub fn word(self) -> &'static str {
        match self {
            PairOutcome::Planned => "planned",
            PairOutcome::Sent => "sent",
            PairOutcome::Unproven => "unproven",
            PairOutcome::Failed => "failed",
        }
    }
}

pub fn run(ctx: &Ctx, args: &DispatchArgs) -> Result<ExitCode> {
    let (report, journal) =
        super::timer_pass(ctx, args.dry_run, |lock, state| dispatch(ctx, lock, state, args.dry_run))?;
    super::print_timer(ctx, args.json, &report, &journal, "")?;
    Ok(if report.pairs.iter().any(|p| p.outcome == PairOutcome::Failed) {
        ExitCode::DispatchFailed
    } else {
        ExitCode::Ok
    })
}

/// One job: a claimed task on its way into a session.
struct Job<'a> {
    pairing: usize,
    session: String,
    pane: String,
    pane_pid: u32,
    project: &'a Project,
    task: &'a Task,
    /// This attempt's delivery token; the prompt ends with it.
    token: String,
    prompt: String,
    model: Option<String>,
    start: bool,
    restart: bool,
    /// The account the session's client runs on now (a restart stays on it).
    client_account: Option<String>,
    error: Option<String>,
    /// The client's record of the prompt, once found.
    receipt: Option<delivery::Receipt>,
    /// The client's transcript, once known.
    transcript: Option<std::path::PathBuf>,
    /// Enter was pressed on the checked prompt at least once.
    entered: bool,
}

pub fn dispatch(ctx: &Ctx, lock: &StateLock, state: &mut State, dry_run: bool) -> Result<DispatchReport> {
    let now = ctx.now();
    let config = &ctx.config;
    let timer = Instant::now();
    let (projects, mut notes) = queue::projects(config);
    let cache_file = ctx.state.paths().dir.join(HEAD_CACHE_FILE);
    let loaded = queue::HeadCache::load(&cache_file);
    let loaded_at = timer.elapsed();
    let (mut scan, cache, cache_changed) = queue::scan_cached(&projects, &loaded);
    let scanned_at = timer.elapsed();
    if cache_changed && !dry_run {
        // Only a cache: a pass that cannot write it is just slower next time.
        if let Err(err) = cache.save(&cache_file) {
            ctx.log().debug(&format!("task head cache not written: {err}"));
        }
    }
    notes.append(&mut scan.notes);
    ctx.log().debug(&format!(
        "dispatch: read {} task heads in {:?} (cache loaded at {loaded_at:?}, inboxes scanned at {scanned_at:?})",
        scan.tasks.len() + scan.invalid.len(),
        timer.elapsed()
    ));

    // Markers: invalid tasks are marked once, blocked ones get `.blocked` once and lose
    // it when their dependencies are met.
    let mut invalid = Vec::new();
    for task in &scan.invalid {
        let key = format!("{}/{}", projects[task.project].name, task.name);
        if !task.marked && !dry_run {
            ctx.log().debug(&format!("invalid task {key:?}: {}", task.reason));
            queue::mark(&task.marker(&projects), &format!("{}\n", task.reason))?;
        }
        invalid.push(InvalidTask {
            project: projects[task.project].name.clone(),
            file: task.name.clone(),
            reason: task.reason.clone(),
        });
    }
    if !dry_run {
        for marker in &scan.stale_markers {
            let _ = std::fs::remove_file(marker);
        }
    }
    let mut dependencies = Dependencies::new(&projects);
    let mut ready: Vec<&Task> = Vec::new();
    let mut blocked = Vec::new();
    for task in &scan.tasks {
        let project = &projects[task.project];
        let unmet = dependencies.unmet(task.project, &task.front);
        if unmet.is_empty() {
            ready.push(task);
            continue;
        }
        if !dry_run {
            let text: String = unmet.iter().map(|u| format!("{}: {}\n", u.entry, u.why)).collect();
            if queue::mark(&queue::blocked_marker(project, &task.id), &text)? {
                ctx.log().debug(&format!("{} blocked: {}", project.key(&task.id), text.trim().replace('\n', "; ")));
            }
        }
        blocked.push(BlockedTask { task: project.key(&task.id), unmet });
    }
    if !dry_run {
        for (index, id, _) in &scan.blocked_markers {
            let key = projects[*index].key(id);
            if !blocked.iter().any(|b| b.task == key) {
                let _ = std::fs::remove_file(queue::blocked_marker(&projects[*index], id));
            }
        }
    }
    plan::order(&mut ready, &projects);

    let mut report = DispatchReport {
        at: now,
        dry_run,
        projects: projects.len(),
        pending: scan.tasks.len(),
        ready: ready.len(),
        blocked,
        invalid,
        free_sessions: Vec::new(),
        pairs: Vec::new(),
        waiting: Vec::new(),
        skipped: None,
        notes,
    };

    if state.pause.dispatch.is_some() {
        report.waiting = waiting(&ready, &projects, config, &[], state, None);
    }
    if let Some(pause) = &mut state.pause.dispatch {
        let why = format!("dispatch is paused since {} (ccfail resume)", render::when(pause.since, now));
        if !pause.logged && !dry_run {
            ctx.log().info(&format!("dispatch: skipped: {why}"));
            pause.logged = true;
        }
        report.skipped = Some(why);
        return Ok(report);
    }
    // Paused projects: their tasks stay out of the pairing (said once in the log).
    for (name, pause) in &mut state.pause.projects {
        let held = ready.iter().filter(|t| projects[t.project].name == *name).count();
        if held > 0 && !pause.logged && !dry_run {
            ctx.log().info(&format!(
                "dispatch: {held} ready task(s) of {name} held: paused since {} (ccfail resume --project {name})",
                render::when(pause.since, now)
            ));
            pause.logged = true;
        }
    }

    let Some((account, _)) = accounts::active_account(config, Some(state)) else {
        anyhow::bail!("no account is configured");
    };
    let drained_until = |name: &str| state.accounts.get(name).and_then(|a| a.drained_until).filter(|t| *t > now);
    // Under `fill` the pool runs on the active account; under `spread` on any account
    // that is not drained: dispatch waits only when none is left.
    let pool_stopped = match config.placement.policy {
        Policy::Fill => true,
        Policy::Spread => config.accounts.iter().all(|a| drained_until(&a.name).is_some()),
    };
    if let Some(until) = drained_until(&account.name).filter(|_| pool_stopped) {
        report.skipped =
            Some(format!("the active account {} is drained until {}", account.name, render::when(until, now)));
        report.waiting = waiting(&ready, &projects, config, &[], state, Some((&account.name, until)));
        return Ok(report);
    }
    if ready.is_empty() || config.pool.autonomous.max == 0 {
        report.waiting = waiting(&ready, &projects, config, &[], state, None);
        return Ok(report);
    }

    let names: Vec<(String, SessionKind)> = config.pool.autonomous.names().map(|n| (n, SessionKind::Pool)).collect();
    let world = World::observe(ctx, &names, 0, state.queue.spool_offset)?;
    ctx.log().debug(&format!("dispatch: planned and observed the pool at {:?}", timer.elapsed()));
    report.notes.extend(world.notes.iter().cloned());
    let views: Vec<_> = names.iter().map(|(name, kind)| world.view(name, *kind)).collect();
    // A session whose client runs on a drained account gets no task until it is moved.
    let free: Vec<_> = views
        .iter()
        .filter(|view| is_free(config, state, view, now))
        .filter(|view| view.client.is_none_or(|c| drained_until(&c.account).is_none()))
        .collect();
    report.free_sessions = free.iter().map(|v| v.name.clone()).collect();
    report.waiting = waiting(&ready, &projects, config, &report.free_sessions, state, None);
    // The tasks of paused projects are not paired: the sessions go to the others.
    ready.retain(|t| state.pause.dispatch_of(&projects[t.project].name).is_none());
    let sessions: Vec<FreeSession<'_>> =
        free.iter().map(|_| FreeSession { tags: &config.pool.autonomous.tags }).collect();
    let pairs = plan::pair(&sessions, &ready);

    let mut jobs = Vec::new();
    for (s, t) in pairs {
        let view = free[s];
        let task = ready[t];
        let project = &projects[task.project];
        let model = task.front.model.clone().or_else(|| model_for(config, task.front.priority));
        let recorded = state.queue.sessions.get(&view.name).and_then(|m| m.model.clone());
        let start = view.activity == Activity::Shell;
        let restart = !start && recorded.is_some() && model.is_some() && recorded != model;
        let pane = view.pane.expect("a free session has a pane");
        let token = delivery::new_token();
        jobs.push(Job {
            pairing: report.pairs.len(),
            session: view.name.clone(),
            pane: pane.pane_id.clone(),
            pane_pid: pane.pid,
            project,
            task,
            prompt: delivery::stamp(&prompt(config, project, task, &view.name), &token),
            token,
            model: model.clone(),
            start,
            restart,
            client_account: view.client.map(|c| c.account.clone()),
            error: None,
            receipt: None,
            transcript: None,
            entered: false,
        });
        report.pairs.push(Pairing {
            session: view.name.clone(),
            task: project.key(&task.id),
            priority: task.front.priority,
            title: task.title.clone(),
            model,
            starts_claude: start || restart,
            outcome: PairOutcome::Planned,
            error: None,
        });
    }
    if dry_run || jobs.is_empty() {
        return Ok(report);
    }
    let client_ids: BTreeMap<String, String> =
        views.iter().filter_map(|v| v.client.map(|c| (v.name.clone(), c.state.session_id.clone()))).collect();

    // 1. Claim: rename, then record; the claim is saved before anything is sent.
    for job in &mut jobs {
        if let Err(err) = queue::claim(job.project, &job.task.id) {
            job.error = Some(format!("not claimed: {err}"));
            continue;
        }
        let session = state.sessions.entry(job.session.clone()).or_insert_with(|| SessionState::new(SessionKind::Pool));
        session.status = SessionStatus::Working;
        session.task = Some(job.project.key(&job.task.id));
        session.since = Some(now);
        session.last_dispatch = Some(now);
        session.claude_session_id = client_ids.get(&job.session).cloned();
        let memo = state.queue.sessions.entry(job.session.clone()).or_default();
        *memo = SessionWatch {
            pane: Some(job.pane.clone()),
            model: memo.model.clone(),
            task_path: Some(job.project.claimed(&job.task.id)),
            token: Some(job.token.clone()),
            last_activity: Some(now),
            ..SessionWatch::default()
        };
    }
    ctx.fault("dispatch-after-claim");
    lock.save(state)?;
    ctx.fault("dispatch-after-save");
    ctx.log().debug(&format!("dispatch: claims saved at {:?}", timer.elapsed()));

    // 2. Start Claude where it is not running (or runs another model).
    let waits = Waits { start: config.dispatch.start_wait.get(), stop: config.watch.stop_wait.get() };
    for job in jobs.iter_mut().filter(|j| j.error.is_none() && (j.start || j.restart)) {
        // A restart stays on its client's account; a start goes where placement says.
        let (account, displaced_from) = match job.client_account.as_deref().and_then(|name| config.account(name)) {
            Some(current) if job.restart => (current, None),
            _ => swap::moves::start_account(ctx, state, &job.session, SessionKind::Pool).unwrap_or((account, None)),
        };
        if let Err(err) = start_claude(ctx, account, job, &world, waits) {
            job.error = Some(format!("Claude did not start: {err:#}"));
            continue;
        }
        swap::moves::record_start(state, &job.session, SessionKind::Pool, &account.name, displaced_from);
        state.queue.sessions.entry(job.session.clone()).or_default().model = job.model.clone();
    }

    // 3. Send every prompt, verify, retry the ones that did not arrive once.
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let spool_start = std::fs::metadata(&spool).map_or(0, |m| m.len());
    let sendable: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].error.is_none()).collect();
    let typed = send(ctx, &mut jobs, &sendable);
    ctx.fault("dispatch-after-send");
    let wait = config.dispatch.submit_wait.get();
    verify(ctx, &mut jobs, &typed, spool_start, wait);
    let missing: Vec<usize> = sendable.iter().copied().filter(|&i| jobs[i].receipt.is_none()).collect();
    if !missing.is_empty() {
        let again = retry(ctx, &mut jobs, &missing);
        verify(ctx, &mut jobs, &again, spool_start, wait);
    }

    ctx.log().debug(&format!("dispatch: prompts sent and checked at {:?}", timer.elapsed()));

    // 4. Undo what did not arrive.
    for job in &mut jobs {
        if let (Some(receipt), true) = (&job.receipt, job.error.is_some()) {
            // It arrived in the end, whatever went wrong on the way.
            ctx.log()
                .debug(&format!("{}: the prompt arrived ({:?}) after {:?}", job.session, receipt.source, job.error));
            job.error = None;
        }
        if job.error.is_none() && job.receipt.is_none() {
            job.error =
                Some(format!("the client recorded no prompt with the token {} within {wait:?}, twice", job.token));
        }
        let pairing = &mut report.pairs[job.pairing];
        match &job.error {
            None => {
                pairing.outcome = PairOutcome::Sent;
                let receipt = job.receipt.clone().expect("a delivered job has a receipt");
                let memo = state.queue.sessions.entry(job.session.clone()).or_default();
                memo.delivered = true;
                memo.prompt_id = receipt.prompt_id;
                if memo.transcript.is_none() {
                    memo.transcript.clone_from(&job.transcript);
                }
                ctx.log().debug(&format!("{} → {}", pairing.task, job.session));
                state
                    .record(now, "dispatched", format!("{} to {}", pairing.task, job.session))
                    .session(&job.session)
                    .task(&pairing.task);
            }
            Some(error) if job.entered && !still_in_box(ctx, job) => {
                pairing.outcome = PairOutcome::Unproven;
                pairing.error = Some(error.clone());
                ctx.log().warn(&format!(
                    "{} → {}: {error}; the prompt left the box, so the claim stays for watch-once to prove",
                    pairing.task, job.session
                ));
                state
                    .record(now, "dispatched-unproven", format!("{} to {}", pairing.task, job.session))
                    .session(&job.session)
                    .task(&pairing.task);
            }
            Some(error) => {
                pairing.outcome = PairOutcome::Failed;
                pairing.error = Some(error.clone());
                // Never leave the prompt in the box: the next text typed would join it.
                let _ = ctx.tmux.send_keys(&job.pane, &typing::CLEAR_KEYS);
                undo(ctx, state, job, error)?;
            }
        }
    }
    Ok(report)
}

/// Whether dispatch may hand `view` a task now: Claude idle at its box or not running,
/// no claim, not failed, past `dispatch.session_cooldown`.
pub fn is_free(config: &Config, state: &State, view: &crate::pool::View<'_>, now: DateTime<Utc>) -> bool {
    let cooldown = chrono::Duration::from_std(config.dispatch.session_cooldown.get()).unwrap_or_default();
    matches!(view.activity, Activity::Idle | Activity::Shell)
        && state.sessions.get(&view.name).is_none_or(|s| {
            s.task.is_none()
                && s.status != SessionStatus::Failed
                && s.last_dispatch.is_none_or(|at| now - at >= cooldown)
        })
}

/// The ready tasks a dispatch with these free sessions does not send, each with why.
fn waiting(
    ready: &[&Task],
    projects: &[Project],
    config: &Config,
    free: &[String],
    state: &State,
    drained: Option<(&str, DateTime<Utc>)>,
) -> Vec<WaitingTask> {
    let pool = why::Pool { max: config.pool.autonomous.max, tags: &config.pool.autonomous.tags, free, drained };
    why::explain(ready, projects, &pool, &state.pause)
        .into_iter()
        .zip(ready)
        .filter(|(wait, _)| !wait.is_next())
        .map(|(wait, task)| WaitingTask { task: projects[task.project].key(&task.id), wait })
        .collect()
}

fn model_for(config: &Config, priority: Priority) -> Option<String> {
    let models = &config.dispatch.models;
    match priority {
        Priority::Critical => models.critical.clone(),
        Priority::High => models.high.clone(),
        Priority::Default => models.default.clone(),
        Priority::Low => models.low.clone(),
    }
}

/// The prompt for one task: the template filled, on one line, with no control
/// characters (a newline would press Enter), the title shortened.
pub fn prompt(config: &Config, project: &Project, task: &Task, session: &str) -> String {
    let title: String = task.title.chars().take(TITLE_CHARS).collect();
    let task_path = project.claimed(&task.id).display().to_string();
    let project_path = project.path.display().to_string();
    let text = fill(
        &config.dispatch.prompt,
        &[
            ("task_path", &task_path),
            ("id", &task.id),
            ("project", &project.name),
            ("project_path", &project_path),
            ("title", &title),
            ("session", session),
        ],
    );
    one_line(&text)
}

/// Control characters become spaces; runs of spaces stay (they are the author's).
pub fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

fn start_claude(ctx: &Ctx, account: &crate::config::Account, job: &Job<'_>, world: &World, waits: Waits) -> Result<()> {
    if job.restart {
        driver::stop(&ctx.tmux, &job.pane, job.pane_pid, waits)?;
    }
    if let Some(pane) = world.observation.pane_by_id(&job.pane)
        && !pane.current_path.is_empty()
    {
        driver::pre_accept_trust(&account.home, std::path::Path::new(&pane.current_path))?;
    }
    let command = driver::command_line(&ctx.config, account, &Launch { resume: None, model: job.model.as_deref() });
    driver::start(&ctx.tmux, &job.pane, &command, &account.home, waits)
}

/// Types the prompts of `which` by the clean-line protocol ([`typing::box_prompts`]:
/// every box cleared and checked empty, the text checked exact before Enter). Returns the
/// jobs whose Enter was pressed; the others keep why in `error` until a retry.
fn send(ctx: &Ctx, jobs: &mut [Job<'_>], which: &[usize]) -> Vec<usize> {
    if which.is_empty() {
        return Vec::new();
    }
    let items: Vec<(&str, &str)> = which.iter().map(|&i| (jobs[i].pane.as_str(), jobs[i].prompt.as_str())).collect();
    let results = typing::box_prompts(&ctx.tmux, &items, ctx.config.tmux.enter_delay.get(), || {
        ctx.fault("dispatch-after-type");
    });
    let mut pressed = Vec::new();
    for (&i, result) in which.iter().zip(results) {
        match result {
            Ok(()) => {
                jobs[i].error = None;
                jobs[i].entered = true;
                pressed.push(i);
            }
            Err(why) => {
                ctx.log().warn(&format!("{}: {why}", jobs[i].session));
                jobs[i].error = Some(why);
            }
        }
    }
    pressed
}

/// Polls until each job's prompt is in the client's own record ([`delivery::receipt`]:
/// a UserPromptSubmit event of its pane or a transcript line holding its token).
fn verify(ctx: &Ctx, jobs: &mut [Job<'_>], which: &[usize], spool_start: u64, wait: Duration) {
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let started = Instant::now();
    loop {
        let pending: Vec<usize> = which.iter().copied().filter(|&i| jobs[i].receipt.is_none()).collect();
        if pending.is_empty() {
            return;
        }
        let events = hooks::read_from(&spool, spool_start).map(|r| r.events).unwrap_or_default();
        let clients: Vec<_> = client::all_running(&ctx.config);
        for &i in &pending {
            let job = &mut jobs[i];
            let mine: Vec<&hooks::HookEvent> =
                events.iter().filter(|e| e.pane.as_deref() == Some(job.pane.as_str())).collect();
            if let Some(path) = client::client_in_pane(&clients, &job.pane, job.pane_pid)
                .and_then(|c| crate::pool::transcript_path(ctx, c))
            {
                job.transcript = Some(path);
            }
            let hooked = delivery::receipt(&job.token, &delivery::Evidence { events: &mine, transcript: None });
            job.receipt = hooked.or_else(|| {
                let text = job.transcript.as_deref().and_then(delivery::read_transcript_tail)?;
                delivery::receipt(&job.token, &delivery::Evidence { events: &[], transcript: Some(&text) })
            });
        }
        if started.elapsed() >= wait {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A prompt still exactly in the input box gets Enter again; a box that is empty again
/// gets the prompt typed again (same token). Anything else is left alone: typing over
/// an unknown state could send the task twice. Returns the jobs tried again.
fn retry(ctx: &Ctx, jobs: &mut [Job<'_>], which: &[usize]) -> Vec<usize> {
    let ids: Vec<&str> = which.iter().map(|&i| jobs[i].pane.as_str()).collect();
    let captures = ctx.tmux.capture(&ids, 0).unwrap_or_default();
    let boxed =
        |i: usize| captures.get(&jobs[i].pane).and_then(|t| screen::parse(t).input_box().map(|b| b.text.clone()));
    let waiting: Vec<usize> = which
        .iter()
        .copied()
        .filter(|&i| boxed(i).is_some_and(|t| typing::signature(&t) == typing::signature(&jobs[i].prompt)))
        .collect();
    // An empty box with the client busy may be our prompt being worked on: never typed
    // again (that would run the task twice); only an idle client's empty box is.
    let clients = client::all_running(&ctx.config);
    let idle = |i: usize| {
        client::client_in_pane(&clients, &jobs[i].pane, jobs[i].pane_pid).is_some_and(|c| c.state.status == "idle")
    };
    let empty: Vec<usize> =
        which.iter().copied().filter(|&i| boxed(i).is_some_and(|t| t.is_empty()) && idle(i)).collect();
    let targets: Vec<&str> = waiting.iter().map(|&i| jobs[i].pane.as_str()).collect();
    match ctx.tmux.send_keys_many(&targets, &["Enter"]) {
        Ok(()) => waiting.iter().for_each(|&i| jobs[i].entered = true),
        Err(err) => ctx.log().warn(&format!("pressing Enter again: {err}")),
    }
    let mut again = waiting;
    again.extend(send(ctx, jobs, &empty));
    again
}

/// Whether the job's prompt is still in its pane's input box (Enter did not take it).
fn still_in_box(ctx: &Ctx, job: &Job<'_>) -> bool {
    ctx.tmux.capture_one(&job.pane).is_ok_and(|text| {
        screen::parse(&text).input_box().is_some_and(|b| {
            !b.text.is_empty() && typing::signature(&job.prompt).starts_with(&typing::signature(&b.text))
        })
    })
}

/// Renames the task back into the inbox, clears the claim, marks the session failed.
fn undo(ctx: &Ctx, state: &mut State, job: &Job<'_>, error: &str) -> Result<()> {
    let now = ctx.now();
    let key = job.project.key(&job.task.id);
    if queue::locate(job.project, &job.task.id) == queue::Location::Claimed {
        queue::unclaim(job.project, &job.task.id)?;
        ctx.fault("unclaim-after-move");
    }
    if state.sessions.get(&job.session).and_then(|s| s.task.as_deref()) == Some(key.as_str()) {
        queue::ops::release(state, &job.session, SessionStatus::Failed, now);
        state.queue.sessions.entry(job.session.clone()).or_default().failure = Some(error.to_owned());
        notify(ctx, state, now, "dispatch-failed", &format!("{key} to {}: {error}", job.session))
            .session(&job.session)
            .task(&key);
    }
    Ok(())
}

impl super::TimerReport for DispatchReport {
    const COMMAND: &'static str = "dispatch";
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    fn standing(&self) -> Vec<String> {
        self.invalid.iter().map(|i| format!("invalid task {}/{:?}: {}", i.project, i.file, i.reason)).collect()
    }
    fn lines(&self) -> Vec<super::Line> {
        let mut lines = Vec::new();
        if let Some(why) = &self.skipped {
            // Keyed without "(in 3h 12m)", which changes every run.
            let key = format!("skipped: {}", render::without_relative(why));
            lines.push(super::Line::once(key, format!("dispatch skipped: {why}")));
        }
        for blocked in &self.blocked {
            let unmet: Vec<String> = blocked.unmet.iter().map(|u| format!("{} ({})", u.entry, u.why)).collect();
            let text = format!("{} blocked: {}", blocked.task, unmet.join(", "));
            lines.push(super::Line::once(text.clone(), text));
        }
        // A task that no session can ever take is said once; the transient waits (no free
        // session, next) and the ones said above (blocked, skipped, paused) are not.
        for waiting in &self.waiting {
            if matches!(waiting.wait, Wait::Tags { .. } | Wait::NoPool) {
                let text = format!("{} waits: {}", waiting.task, waiting.wait.text(self.at));
                lines.push(super::Line::once(text.clone(), text));
            }
        }
        for pair in &self.pairs {
            let model = pair.model.as_deref().map(|m| format!(", {m}")).unwrap_or_default();
            let start = if pair.starts_claude { ", Claude started" } else { "" };
            let outcome = match &pair.error {
                Some(err) => format!("{}: {err}", pair.outcome.word()),
                None => pair.outcome.word().to_owned(),
            };
            lines.push(super::Line::action(format!(
                "{} → {}: {outcome} ({}{model}{start})",
                pair.task,
                pair.session,
                pair.priority.word()
            )));
        }
        if self.dry_run && !self.pairs.is_empty() {
            lines.push(super::Line::action("dry run: nothing claimed or sent"));
        }
        lines
    }
    fn table(&self) -> String {
        human(self)
    }
}

fn human(report: &DispatchReport) -> String {
    let mut out = String::new();
    if let Some(why) = &report.skipped {
        out.push_str(&format!("dispatch: skipped: {why}\n"));
    }
    let held = if report.waiting.is_empty() {
        String::new()
    } else {
        let waits: Vec<Wait> = report.waiting.iter().map(|w| w.wait.clone()).collect();
        format!(": {}", why::summary(&waits))
    };
    if report.skipped.is_some() {
        // The skip said why; nothing was paired.
    } else if report.pairs.is_empty() {
        out.push_str(&format!(
            "dispatch: nothing to send ({} ready, {} free sessions{held})\n",
            report.ready,
            report.free_sessions.len()
        ));
    } else {
        let mut table = render::table(&["session", "task", "priority", "model", "outcome"]);
        for pair in &report.pairs {
            table.add_row(vec![
                pair.session.clone(),
                pair.task.clone(),
                pair.priority.word().to_owned(),
                pair.model.clone().unwrap_or_else(|| "-".to_owned()) + if pair.starts_claude { " (start)" } else { "" },
                match &pair.error {
                    Some(err) => format!("{}: {err}", pair.outcome.word()),
                    None => pair.outcome.word().to_owned(),
                },
            ]);
        }
        out.push_str(&format!("{table}\n"));
        if !held.is_empty() {
            out.push_str(&format!("  not sent{held}\n"));
        }
    }
    out.push_str(&format!(
        "  {} projects, {} pending, {} ready, {} blocked, {} invalid\n",
        report.projects,
        report.pending,
        report.ready,
        report.blocked.len(),
        report.invalid.len()
    ));
    for blocked in &report.blocked {
        let unmet: Vec<String> = blocked.unmet.iter().map(|u| format!("{} ({})", u.entry, u.why)).collect();
        out.push_str(&format!("  blocked {}: {}\n", blocked.task, unmet.join(", ")));
    }
    for invalid in &report.invalid {
        out.push_str(&format!("  invalid {}/{:?}: {}\n", invalid.project, invalid.file, invalid.reason));
    }
    if report.dry_run {
        out.push_str("  dry run: nothing claimed or sent\n");
    }
    out
}
