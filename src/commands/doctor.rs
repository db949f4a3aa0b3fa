//! `ccfail doctor`: every problem of the setup at once, each with its fix.
//!
//! Checks the config, tmux (binary and socket), the claude binary, account homes and
//! logins, ccfail's hooks in each account's settings.json, the shared links of every
//! account, the state file and the active link. `--fix` repairs only what cannot destroy
//! anything: a missing shared link and its target, ccfail's hooks (merged into
//! settings.json, as `hooks install` does), a missing active link. Links that point
//! elsewhere and real files in the way are reported, never changed. The exit code says
//! whether problems remain.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::accounts::{self, SharedLink};
use crate::cli::DoctorArgs;
use crate::config::{Config, ConfigError};
use crate::ctx::{Ctx, Inputs};
use crate::exit::ExitCode;
use crate::hooks;
use crate::paths::{self, Env};
use crate::state;
use crate::tmux::TmuxError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    /// Worth knowing, nothing to do.
    Info,
    /// Not wrong here, but another run (a shell, a unit) would act elsewhere.
    Warning,
    Problem,
    /// Was a problem; `--fix` repaired it.
    Fixed,
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub subject: String,
    pub verdict: Verdict,
    pub message: String,
    pub fix: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DoctorReport {
    pub problems: usize,
    pub fixed: usize,
    pub findings: Vec<Finding>,
}

struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    fn add(&mut self, check: &'static str, subject: impl Into<String>, verdict: Verdict, message: impl Into<String>) {
        self.list.push(Finding { check, subject: subject.into(), verdict, message: message.into(), fix: None });
    }
    fn problem(
        &mut self,
        check: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.list.push(Finding {
            check,
            subject: subject.into(),
            verdict: Verdict::Problem,
            message: message.into(),
            fix: Some(fix.into()),
        });
    }
}

pub fn run(inputs: &Inputs, args: &DoctorArgs) -> Result<ExitCode> {
    let report = examine(inputs, args.fix);
    super::report(&inputs.log, &[], args.json, &report, human)?;
    Ok(if report.problems > 0 { ExitCode::ProblemsFound } else { ExitCode::Ok })
}

pub fn examine(inputs: &Inputs, fix: bool) -> DoctorReport {
    let mut findings = Findings { list: Vec::new() };
    match inputs.load_config() {
        Ok(config) => {
            findings.add("config", inputs.config_file.display().to_string(), Verdict::Ok, "valid");
            match Ctx::with_config(inputs.clone(), config) {
                Ok(ctx) => examine_setup(&ctx, fix, &mut findings),
                Err(err) => findings.problem("state", "state dir", format!("{err:#}"), "set state.dir in the config"),
            }
        }
        Err(err) => config_findings(inputs, err, &mut findings),
    }
    let problems = findings.list.iter().filter(|f| f.verdict == Verdict::Problem).count();
    let fixed = findings.list.iter().filter(|f| f.verdict == Verdict::Fixed).count();
    DoctorReport { problems, fixed, findings: findings.list }
}

fn config_findings(inputs: &Inputs, err: ConfigError, findings: &mut Findings) {
    let file = inputs.config_file.display().to_string();
    match err {
        ConfigError::Invalid { problems, .. } => {
            for problem in problems {
                let subject = match problem.line {
                    Some(line) => format!("{file}:{line}"),
                    None => file.clone(),
                };
                let what = if problem.key.is_empty() {
                    problem.message
                } else {
                    format!("{}: {}", problem.key, problem.message)
                };
                findings.problem("config", subject, what, "edit the config; examples/config.yaml documents every key");
            }
        }
        other => findings.problem(
            "config",
            file,
            other.to_string(),
            "create it from examples/config.yaml, or pass --config PATH",
        ),
    }
    findings.add("config", "other checks", Verdict::Info, "skipped until the config loads");
}

fn examine_setup(ctx: &Ctx, fix: bool, findings: &mut Findings) {
    check_tmux(ctx, findings);
    check_one_place(ctx, findings);
    check_claude_binary(&ctx.config, &ctx.inputs.env, findings);
    check_manager_path(ctx, findings);
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let hooked = if fix { fix_hooks(ctx, findings) } else { Vec::new() };
    for account in &ctx.config.accounts {
        check_account(&ctx.config, account, &spool, fix, findings);
        if hooked.contains(&account.name)
            && let Some(finding) =
                findings.list.iter_mut().rev().find(|f| f.check == "hooks" && f.verdict == Verdict::Ok)
        {
            finding.verdict = Verdict::Fixed;
            finding.message = "installed (by --fix)".to_owned();
        }
    }
    check_state(ctx, findings);
    check_active_link(ctx, fix, findings);
}

fn check_tmux(ctx: &Ctx, findings: &mut Findings) {
    let binary = ctx.tmux.binary().display().to_string();
    match ctx.tmux.version() {
        Ok(version) => findings.add("tmux", binary, Verdict::Ok, version),
        Err(err) => {
            findings.problem("tmux", binary, err.to_string(), "apt-get install tmux, or set tmux.binary in the config");
            return;
        }
    }
    let socket = ctx.tmux.socket().map(Path::to_path_buf);
    let where_ = socket.as_ref().map_or_else(|| "default socket".to_owned(), |s| format!("socket {}", s.display()));
    match ctx.tmux.observe() {
        Ok(observation) if observation.server_running => {
            let sessions: std::collections::BTreeSet<_> = observation.panes.iter().map(|p| &p.session).collect();
            findings.add("tmux", where_, Verdict::Ok, format!("server running, {} sessions", sessions.len()));
        }
        Ok(_) => match socket.filter(|s| s.exists()) {
            Some(stale) => findings.problem(
                "tmux",
                where_,
                "the socket file exists but no server answers on it (a stale socket)",
                format!(
                    "remove {} if no tmux runs there; ccfail starts a new server when it needs one",
                    stale.display()
                ),
            ),
            None => findings.add(
                "tmux",
                where_,
                Verdict::Info,
                "no server running yet; ccfail starts one when it needs one",
            ),
        },
        Err(TmuxError::Failed { stderr, .. }) => findings.problem(
            "tmux",
            where_,
            format!("the server is unreachable: {stderr}"),
            "check the socket's owner and permissions, or set tmux.socket",
        ),
        Err(err) => findings.problem("tmux", where_, err.to_string(), "check tmux.socket in the config"),
    }
}

/// The socket and state dir this run resolved, and what would make a shell, a unit or a
/// hook resolve others.
fn check_one_place(ctx: &Ctx, findings: &mut Findings) {
    let env = &ctx.inputs.env;
    let socket = ctx.tmux.socket().map(Path::to_path_buf).unwrap_or_default();
    let state_dir = ctx.state.paths().dir.clone();
    let config_home_state = paths::ignored_state_directory(env).ok().flatten().map(|dir| dir.join("state.json"));
    let facts = PlaceFacts {
        socket: &socket,
        socket_source: ctx.socket_source,
        state_dir: &state_dir,
        state_source: ctx.state_source,
        shell_state_dir: paths::shell_state_dir(env).ok().map(|(dir, _)| dir),
        enclosing_tmux: paths::enclosing_tmux_socket(env),
        tmux_tmpdir: env.get("TMUX_TMPDIR").map(str::to_owned),
        ignored_state_directory: paths::ignored_state_directory(env).ok().flatten(),
        stray_state_file: config_home_state.filter(|file| file.exists()),
        under_unit: ctx.inputs.under_unit(),
    };
    for (verdict, subject, message, fix) in place_findings(&facts) {
        findings.list.push(Finding { check: "paths", subject, verdict, message, fix });
    }
}

/// What [`place_findings`] judges, gathered at the edge.
struct PlaceFacts<'a> {
    socket: &'a Path,
    socket_source: paths::SocketSource,
    state_dir: &'a Path,
    state_source: paths::StateSource,
    /// The state dir a login shell resolves.
    shell_state_dir: Option<PathBuf>,
    /// `$TMUX`'s socket: this shell runs inside that server.
    enclosing_tmux: Option<PathBuf>,
    tmux_tmpdir: Option<String>,
    /// A `$STATE_DIRECTORY` not followed (a user unit's on systemd < 254).
    ignored_state_directory: Option<PathBuf>,
    /// A `state.json` there, left by older units.
    stray_state_file: Option<PathBuf>,
    under_unit: bool,
}

type PlaceFinding = (Verdict, String, String, Option<String>);

fn place_findings(facts: &PlaceFacts<'_>) -> Vec<PlaceFinding> {
    use paths::{SocketSource, StateSource};
    let mut out: Vec<PlaceFinding> = Vec::new();
    let socket_from = match facts.socket_source {
        SocketSource::Config => "tmux.socket",
        SocketSource::TmuxTmpdir => "$TMUX_TMPDIR/tmux-<uid>/default",
        SocketSource::Default => "/tmp/tmux-<uid>/default",
    };
    out.push((Verdict::Info, "tmux socket".into(), format!("{} (from {socket_from})", facts.socket.display()), None));
    let state_from = match facts.state_source {
        StateSource::Config => "state.dir",
        StateSource::StateDirectory => "$STATE_DIRECTORY",
        StateSource::XdgStateHome => "$XDG_STATE_HOME/ccfail",
        StateSource::Home => "~/.local/state/ccfail",
    };
    out.push((Verdict::Info, "state dir".into(), format!("{} (from {state_from})", facts.state_dir.display()), None));
    if let Some(theirs) = &facts.enclosing_tmux
        && !crate::accounts::same_place(theirs, facts.socket)
    {
        out.push((
            Verdict::Warning,
            "$TMUX".into(),
            format!(
                "this shell runs inside the tmux server at {}; ccfail acts on {} (as the timers do), not on this one",
                theirs.display(),
                facts.socket.display()
            ),
            Some(format!("attach to the pool with tmux -S {} attach", facts.socket.display())),
        ));
    }
    if let (Some(dir), SocketSource::TmuxTmpdir) = (&facts.tmux_tmpdir, facts.socket_source) {
        out.push((
            Verdict::Warning,
            "$TMUX_TMPDIR".into(),
            format!("{dir} chooses the socket; a run without it (a unit, a cron job) would use /tmp/tmux-<uid>/default"),
            Some(format!(
                "set tmux.socket: {} in the config, or give the user manager the same value (systemctl --user set-environment TMUX_TMPDIR={dir})",
                facts.socket.display()
            )),
        ));
    }
    if let Some(ignored) = &facts.ignored_state_directory {
        out.push((
            Verdict::Warning,
            "$STATE_DIRECTORY".into(),
            format!(
                "{} is not followed: systemd < 254 puts a user unit's StateDirectory= under the config home, where a shell and the hooks never look; ccfail uses {}",
                ignored.display(),
                facts.state_dir.display()
            ),
            Some("remove StateDirectory= from the unit (the shipped units have none)".into()),
        ));
    }
    if let Some(stray) = &facts.stray_state_file {
        out.push((
            Verdict::Problem,
            stray.display().to_string(),
            "a state file written by older units that ccfail no longer reads (the timers and a shell had two states)"
                .into(),
            Some(format!(
                "stop the timers (systemctl --user stop ccfail.target), then keep the newer of it and {} and remove the other",
                facts.state_dir.join("state.json").display()
            )),
        ));
    }
    if facts.state_source == StateSource::StateDirectory
        && let Some(shell) = &facts.shell_state_dir
        && shell != facts.state_dir
    {
        out.push((
            Verdict::Warning,
            "$STATE_DIRECTORY".into(),
            format!(
                "this {} uses {}, a login shell and the hooks use {}",
                if facts.under_unit { "unit" } else { "run" },
                facts.state_dir.display(),
                shell.display()
            ),
            Some(format!("set state.dir: {} in the config so every run agrees", facts.state_dir.display())),
        ));
    }
    out
}

/// A `claude.binary` looked up in `$PATH`: the user manager's PATH (the units', and the
/// pool's when a unit starts the server) often lacks the dirs a login shell adds.
fn check_manager_path(ctx: &Ctx, findings: &mut Findings) {
    let binary = &ctx.config.claude.binary;
    if binary.contains('/') || ctx.inputs.under_unit() {
        return;
    }
    let Ok(out) = std::process::Command::new("systemctl")
        .args(["--user", "show-environment"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(path) = text.lines().find_map(|line| line.strip_prefix("PATH=")) else { return };
    let manager = Env::from_pairs([("PATH", path)]);
    if find_executable(binary, &manager).is_some() {
        return;
    }
    let fix = match find_executable(binary, &ctx.inputs.env) {
        Some(found) => format!("set claude.binary: {} in the config", found.display()),
        None => "set claude.binary to the client's full path".to_owned(),
    };
    findings.problem(
        "claude",
        format!("{binary} for the user manager"),
        format!("not in the user manager's PATH ({path}): the timers could not start it"),
        fix,
    );
}

fn check_claude_binary(config: &Config, env: &Env, findings: &mut Findings) {
    match find_executable(&config.claude.binary, env) {
        Some(path) => findings.add("claude", config.claude.binary.clone(), Verdict::Ok, path.display().to_string()),
        None => findings.problem(
            "claude",
            config.claude.binary.clone(),
            "not found or not executable",
            "install Claude Code (npm install -g @anthropic-ai/claude-code) or set claude.binary to its path",
        ),
    }
}

/// A name is looked up in `$PATH`; anything with a `/` is taken as a path.
pub fn find_executable(binary: &str, env: &Env) -> Option<PathBuf> {
    let executable = |path: &Path| path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if binary.contains('/') {
        let path = PathBuf::from(binary);
        return executable(&path).then_some(path);
    }
    env.get("PATH")?
        .split(':')
        .filter(|dir| !dir.is_empty())
        .map(|dir| Path::new(dir).join(binary))
        .find(|p| executable(p))
}

/// `hooks install` for `--fix`: the accounts whose settings.json it changed.
fn fix_hooks(ctx: &Ctx, findings: &mut Findings) -> Vec<String> {
    match super::hooks::change(ctx, true, false) {
        Ok(report) => report
            .accounts
            .into_iter()
            .filter(|a| a.change.as_ref().is_some_and(|c| *c != hooks::MergeChange::default()))
            .map(|a| a.account)
            .collect(),
        Err(err) => {
            findings.problem(
                "hooks",
                "hooks install",
                format!("{err:#}"),
                "fix what it says, then ccfail hooks install",
            );
            Vec::new()
        }
    }
}

fn check_hooks(account: &crate::config::Account, spool: &Path, findings: &mut Findings) {
    let file = hooks::settings_file(&account.home);
    let subject = format!("account {}: {}", account.name, file.display());
    let settings = match std::fs::read_to_string(&file) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(settings) => settings,
            Err(err) => {
                findings.problem("hooks", subject, format!("not valid JSON: {err}"), "fix the file by hand");
                return;
            }
        },
        Err(_) => serde_json::Value::Null,
    };
    let missing = hooks::missing_events(&settings);
    let elsewhere: Vec<PathBuf> =
        hooks::ccfail_commands(&settings).iter().filter_map(|c| hooks::hook_spool(c)).filter(|s| s != spool).collect();
    if !missing.is_empty() {
        findings.problem(
            "hooks",
            subject,
            format!("no ccfail hook for {}: quota and idle detection fall back to the screen", missing.join(", ")),
            "ccfail hooks install",
        );
    } else if let Some(other) = elsewhere.first() {
        findings.problem(
            "hooks",
            subject,
            format!("the hooks append to {}, not to this config's spool {}", other.display(), spool.display()),
            "ccfail hooks install",
        );
    } else {
        findings.add("hooks", subject, Verdict::Ok, "installed");
    }
}

fn check_account(config: &Config, account: &crate::config::Account, spool: &Path, fix: bool, findings: &mut Findings) {
    let subject = format!("account {}", account.name);
    if !account.home.is_dir() {
        findings.problem(
            "account",
            subject,
            format!("home {} does not exist", account.home.display()),
            format!("log in once: CLAUDE_CONFIG_DIR={} claude", account.home.display()),
        );
        return;
    }
    if accounts::credentials_present(&account.home) {
        findings.add("account", subject.clone(), Verdict::Ok, format!("home {} logged in", account.home.display()));
    } else {
        findings.problem(
            "account",
            subject.clone(),
            format!("no {} in {}: not logged in", accounts::CREDENTIALS_FILE, account.home.display()),
            format!("CLAUDE_CONFIG_DIR={} claude, then /login", account.home.display()),
        );
    }
    check_hooks(account, spool, findings);
    let Some(root) = &config.claude.shared.root else { return };
    for entry in &config.claude.shared.entries {
        let link = account.home.join(entry);
        let link_subject = format!("account {}: {}", account.name, link.display());
        let want = root.join(entry);
        match accounts::check_shared_link(&account.home, root, entry) {
            Ok(SharedLink::Sound) => {
                findings.add("shared link", link_subject, Verdict::Ok, format!("-> {}", want.display()));
            }
            Ok(found) if found.fixable() => {
                let what =
                    if found == SharedLink::Missing { "missing" } else { "points to a target that does not exist" };
                if fix {
                    match accounts::create_shared_link(&account.home, root, entry) {
                        Ok(()) => findings.add(
                            "shared link",
                            link_subject,
                            Verdict::Fixed,
                            format!("was {what}; created -> {}", want.display()),
                        ),
                        Err(err) => findings.problem(
                            "shared link",
                            link_subject,
                            format!("{what}; creating it failed: {err}"),
                            format!("mkdir -p {} && ln -s {} {}", want.display(), want.display(), link.display()),
                        ),
                    }
                } else {
                    findings.problem("shared link", link_subject, what, "ccfail doctor --fix");
                }
            }
            Ok(SharedLink::PointsElsewhere { target }) => findings.problem(
                "shared link",
                link_subject,
                format!("points to {} instead of {} (never changed by ccfail)", target.display(), want.display()),
                format!("move its contents into {}, remove the link, then ccfail doctor --fix", want.display()),
            ),
            Ok(SharedLink::InTheWay { what }) => findings.problem(
                "shared link",
                link_subject,
                format!("{what} is where the link to {} belongs (never changed by ccfail)", want.display()),
                format!("merge it into {} by hand, remove it, then ccfail doctor --fix", want.display()),
            ),
            Ok(_) => unreachable!("fixable states are handled above"),
            Err(err) => {
                findings.problem("shared link", link_subject, format!("cannot be read: {err}"), "check permissions");
            }
        }
    }
}

fn check_state(ctx: &Ctx, findings: &mut Findings) {
    let paths = ctx.state.paths();
    let file = paths.state_file();
    let subject = file.display().to_string();
    match ctx.state.read() {
        Ok(_) if !file.exists() => findings.add(
            "state",
            subject.clone(),
            Verdict::Info,
            "no state yet; the first run that changes something writes it",
        ),
        Ok(_) => findings.add("state", subject.clone(), Verdict::Ok, format!("version {}", state::STATE_VERSION)),
        Err(err) => {
            findings.problem("state", subject.clone(), err.to_string(), "see the message: repair or move the file");
        }
    }
    if let Ok(state) = ctx.state.read() {
        if let Some(latch) = &state.swap.partial_latch {
            findings.problem(
                "swap",
                "partial-swap latch",
                format!(
                    "SET since {}: {}; every swap is refused",
                    latch.set_at.format("%Y-%m-%d %H:%M UTC"),
                    latch.reason
                ),
                "repair the active link and the shared links, then ccfail swap --clear-partial",
            );
        }
        if let Some(journal) = &state.swap.journal {
            findings.problem(
                "swap",
                "journal",
                format!("a swap from {} to {} stopped at phase {:?}", journal.from, journal.to, journal.phase),
                "ccfail status (or any command that takes the lock) finishes or rolls it back",
            );
        }
    }
    if let Ok(Some(problem)) = crate::files::private_dir_problem(&paths.dir) {
        findings.problem(
            "state",
            paths.dir.display().to_string(),
            format!("the state dir {}: every run that writes state refuses it", problem.problem),
            problem.fix,
        );
    }
    let spool = paths.dir.join(hooks::SPOOL_FILE);
    if let Ok(meta) = std::fs::symlink_metadata(&spool)
        && !meta.is_file()
    {
        let what = if meta.file_type().is_symlink() { "a symlink" } else { "not a regular file" };
        findings.problem(
            "state",
            spool.display().to_string(),
            format!("the hook spool is {what}: the hooks refuse to append to it, so no hook event arrives"),
            format!("rm {} (the next hook creates it)", spool.display()),
        );
    }
    let head_cache = paths.dir.join(super::dispatch::HEAD_CACHE_FILE);
    let history = crate::history::file(paths);
    for path in [file, paths.lock_file(), spool, paths.usage_file(), head_cache, paths.busy_streak_file(), history] {
        if let Ok(Some(mode)) = state::too_open(&path) {
            findings.problem(
                "state",
                path.display().to_string(),
                format!("mode {mode:o} lets other users read or change it"),
                format!("chmod 600 {}", path.display()),
            );
        }
    }
    if paths.dir.exists() && std::fs::metadata(&paths.dir).is_ok_and(|m| m.permissions().readonly()) {
        findings.problem("state", paths.dir.display().to_string(), "the state dir is read-only", "make it writable");
    }
}

fn check_active_link(ctx: &Ctx, repair: bool, findings: &mut Findings) {
    let Some(link) = &ctx.config.claude.active_link else { return };
    let subject = link.display().to_string();
    let state = ctx.state.read().ok();
    let Some((active, _)) = accounts::active_account(&ctx.config, state.as_ref()) else { return };
    let fix = format!("ln -sfn {} {}", active.home.display(), link.display());
    match std::fs::symlink_metadata(link) {
        Err(_) if repair => match link
            .parent()
            .map_or(Ok(()), crate::files::create_dir_all)
            .and_then(|()| std::os::unix::fs::symlink(&active.home, link))
        {
            Ok(()) => findings.add(
                "active link",
                subject,
                Verdict::Fixed,
                format!("was missing; created -> {} ({})", active.home.display(), active.name),
            ),
            Err(err) => findings.problem("active link", subject, format!("missing; creating it failed: {err}"), fix),
        },
        Err(_) => {
            findings.problem(
                "active link",
                subject,
                format!("missing; should point to {}", active.home.display()),
                fix,
            );
        }
        Ok(meta) if !meta.file_type().is_symlink() => findings.problem(
            "active link",
            subject,
            "is a real file or directory, not a link (never changed by ccfail)",
            format!("move it aside, then {fix}"),
        ),
        Ok(_) => match accounts::link_target(link) {
            Some(target) if accounts::same_place(&target, &active.home) => {
                findings.add("active link", subject, Verdict::Ok, format!("-> {} ({})", target.display(), active.name));
            }
            target => findings.problem(
                "active link",
                subject,
                format!(
                    "points to {} but the active account is {} ({})",
                    target.map(|t| t.display().to_string()).unwrap_or_default(),
                    active.name,
                    active.home.display()
                ),
                fix,
            ),
        },
    }
}

fn human(report: &DoctorReport) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let mark = match finding.verdict {
            Verdict::Ok => "ok     ",
            Verdict::Info => "info   ",
            Verdict::Warning => "warning",
            Verdict::Problem => "PROBLEM",
            Verdict::Fixed => "fixed  ",
        };
        out.push_str(&format!("{mark} {:<12} {}: {}\n", finding.check, finding.subject, finding.message));
        if let Some(fix) = &finding.fix {
            out.push_str(&format!("        fix: {fix}\n"));
        }
    }
    out.push_str(&match (report.problems, report.fixed) {
        (0, 0) => "no problems found\n".to_owned(),
        (0, fixed) => format!("no problems left ({fixed} fixed)\n"),
        (problems, fixed) => {
            format!("{problems} problem{} found ({fixed} fixed)\n", if problems == 1 { "" } else { "s" })
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::{SocketSource, StateSource};

    fn facts<'a>(socket: &'a Path, state: &'a Path) -> PlaceFacts<'a> {
        PlaceFacts {
            socket,
            socket_source: SocketSource::Default,
            state_dir: state,
            state_source: StateSource::Home,
            shell_state_dir: Some(state.to_path_buf()),
            enclosing_tmux: None,
            tmux_tmpdir: None,
            ignored_state_directory: None,
            stray_state_file: None,
            under_unit: false,
        }
    }

    #[test]
    fn the_resolved_paths_are_said_and_nothing_is_warned_when_every_run_agrees() {
        let (socket, state) = (Path::new("/tmp/tmux-1000/default"), Path::new("/h/.local/state/ccfail"));
        let out = place_findings(&facts(socket, state));
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out.iter().all(|f| f.0 == Verdict::Info));
        assert!(out[0].2.starts_with("/tmp/tmux-1000/default (from"), "{out:?}");
        assert!(out[1].2.starts_with("/h/.local/state/ccfail (from"), "{out:?}");
    }

    #[test]
    fn what_would_make_a_run_diverge_is_warned() {
        let (socket, state) = (Path::new("/run/user/1000/tmux-1000/default"), Path::new("/h/.local/state/ccfail"));
        let mut f = facts(socket, state);
        f.socket_source = SocketSource::TmuxTmpdir;
        f.tmux_tmpdir = Some("/run/user/1000".into());
        f.enclosing_tmux = Some(PathBuf::from("/tmp/tmux-1000/work"));
        f.ignored_state_directory = Some(PathBuf::from("/h/.config/ccfail"));
        f.stray_state_file = Some(PathBuf::from("/h/.config/ccfail/state.json"));
        let out = place_findings(&f);
        let subjects: Vec<(Verdict, &str)> = out.iter().map(|f| (f.0, f.1.as_str())).collect();
        assert_eq!(
            subjects[2..],
            [
                (Verdict::Warning, "$TMUX"),
                (Verdict::Warning, "$TMUX_TMPDIR"),
                (Verdict::Warning, "$STATE_DIRECTORY"),
                (Verdict::Problem, "/h/.config/ccfail/state.json"),
            ]
        );
        assert!(out[3].3.as_deref().unwrap().contains("tmux.socket: /run/user/1000/tmux-1000/default"), "{out:?}");

        let mut f = facts(socket, Path::new("/var/lib/ccfail"));
        f.state_source = StateSource::StateDirectory;
        f.shell_state_dir = Some(PathBuf::from("/h/.local/state/ccfail"));
        let out = place_findings(&f);
        assert_eq!(out.last().unwrap().0, Verdict::Warning);
        assert!(out.last().unwrap().3.as_deref().unwrap().contains("state.dir: /var/lib/ccfail"), "{out:?}");
    }
}
