//! `ccfail doctor`: every problem of the setup at once, each with its fix.
//!
//! Checks the config, tmux (binary and socket), the claude binary, account homes and
//! logins, ccfail's hooks in each account's settings.json, the shared links of every
//! account, the state file and the active link. `--fix` repairs only what cannot destroy anything: a missing shared link and its
//! target. Links that point elsewhere and real files in the way are reported, never
//! changed. The exit code says whether problems remain.

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
use crate::paths::Env;
use crate::state;
use crate::tmux::TmuxError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    /// Worth knowing, nothing to do.
    Info,
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
    check_claude_binary(&ctx.config, &ctx.inputs.env, findings);
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    for account in &ctx.config.accounts {
        check_account(&ctx.config, account, &spool, fix, findings);
    }
    check_state(ctx, findings);
    check_active_link(ctx, findings);
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
    for path in [file, paths.lock_file(), spool, paths.usage_file(), head_cache, paths.busy_streak_file()] {
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

fn check_active_link(ctx: &Ctx, findings: &mut Findings) {
    let Some(link) = &ctx.config.claude.active_link else { return };
    let subject = link.display().to_string();
    let state = ctx.state.read().ok();
    let Some((active, _)) = accounts::active_account(&ctx.config, state.as_ref()) else { return };
    let fix = format!("ln -sfn {} {}", active.home.display(), link.display());
    match std::fs::symlink_metadata(link) {
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
