//! `ccfail init`: the quick start in one command.
//!
//! From the account homes it is given (each a Claude Code config dir, logged in once),
//! it writes the user's config (`$CCFAIL_CONFIG` or `--config` when set, else
//! `$XDG_CONFIG_HOME/ccfail/config.yaml`), links every home's shared entries to one
//! shared root, creates the active link, installs the hooks, runs `doctor` and prints
//! the next command. Every step is idempotent: a second run with the same arguments
//! changes nothing and says so. An existing config that differs is never replaced
//! without `--force` (the old one is kept beside it); without any `--account` the
//! existing config is taken as it is and the other steps are finished.
//!
//! The config text is built by a pure function ([`config_text`]); a real dir where a
//! shared link belongs is moved into the shared root only by `rename(2)`, never copied
//! or merged over a name that exists there (that is reported and left for the operator).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::accounts::{self, SharedLink};
use crate::cli::InitArgs;
use crate::config::{self, Config};
use crate::ctx::{Ctx, Inputs};
use crate::exit::ExitCode;
use crate::paths::{self, ConfigSource, Env};

/// Where the shared entries live when `--shared-root` is not given.
const DEFAULT_SHARED_ROOT: &str = "ccfail/shared";

/// What `init` was asked for, with paths as the operator wrote them (`~` kept, so the
/// config reads like one written by hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub accounts: Vec<(String, String)>,
    pub shared_root: String,
    pub active_link: Option<String>,
    pub claude_binary: String,
    pub pool_max: Option<u32>,
    pub workdir: Option<String>,
    pub projects: Vec<String>,
}

/// The config `init` writes for `request`: only what was asked for and what differs
/// from the defaults, with a pointer to the file that documents the rest.
pub fn config_text(request: &Request) -> String {
    let mut out = String::from(
        "# Written by `ccfail init`. Every key and its default: examples/config.yaml in the\n\
         # ccfail repository (`ccfail doctor` checks this file).\n\
         accounts:\n",
    );
    for (priority, (name, home)) in request.accounts.iter().enumerate() {
        let _ = writeln!(out, "  - name: {}\n    home: {}\n    priority: {priority}", yaml(name), yaml(home));
    }
    let _ = writeln!(out, "claude:\n  binary: {}", yaml(&request.claude_binary));
    if let Some(link) = &request.active_link {
        let _ = writeln!(out, "  active_link: {}", yaml(link));
    }
    let _ = writeln!(out, "  shared:\n    root: {}", yaml(&request.shared_root));
    if request.pool_max.is_some() || request.workdir.is_some() {
        out.push_str("pool:\n  autonomous:\n");
        if let Some(max) = request.pool_max {
            let _ = writeln!(out, "    max: {max}");
        }
        if let Some(dir) = &request.workdir {
            let _ = writeln!(out, "    workdir: {}", yaml(dir));
        }
    }
    if !request.projects.is_empty() {
        out.push_str("projects:\n  list:\n");
        for project in &request.projects {
            let _ = writeln!(out, "    - path: {}", yaml(project));
        }
    }
    out
}

/// A YAML scalar: plain when it is safe to, else double-quoted.
fn yaml(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-~$+@".contains(c))
        && !text.starts_with(['-', '@'])
        && !matches!(text, "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "~");
    if plain { text.to_owned() } else { serde_json::to_string(text).expect("a string serializes") }
}

/// `NAME=HOME` into its two halves.
fn parse_account(arg: &str) -> Result<(String, String)> {
    match arg.split_once('=') {
        Some((name, home)) if !name.is_empty() && !home.is_empty() => Ok((name.to_owned(), home.to_owned())),
        _ => bail!("--account {arg:?}: write NAME=HOME, e.g. --account work=~/.claude-work"),
    }
}

/// `path` written with `~` when it is under `$HOME`.
fn tilde(path: &Path, env: &Env) -> String {
    match env.home().and_then(|home| path.strip_prefix(&home).ok().map(Path::to_path_buf)) {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// The config file init writes: the one `--config` or `$CCFAIL_CONFIG` names, else the
/// user's own (never `/etc`, which is the system's).
fn target_file(inputs: &Inputs) -> Result<PathBuf> {
    match inputs.config_source {
        ConfigSource::Flag | ConfigSource::EnvCcfailConfig => Ok(inputs.config_file.clone()),
        _ => paths::user_config_file(&inputs.env)
            .context("cannot choose where to write the config: set $XDG_CONFIG_HOME or $HOME, or pass --config PATH"),
    }
}

/// `claude` as found on `$PATH`, written as a path when it is outside the system dirs:
/// a user unit's PATH has no `~/.local/bin` or nvm dir.
fn claude_binary(env: &Env) -> String {
    match super::doctor::find_executable("claude", env) {
        Some(path)
            if !["/usr/bin", "/bin", "/usr/local/bin"].iter().any(|dir| path.parent() == Some(Path::new(dir))) =>
        {
            tilde(&path, env)
        }
        _ => "claude".to_owned(),
    }
}

fn request(inputs: &Inputs, args: &InitArgs) -> Result<Request> {
    let env = &inputs.env;
    let accounts = args.accounts.iter().map(|a| parse_account(a)).collect::<Result<Vec<_>>>()?;
    let home = env.home();
    let shared_root = match &args.shared_root {
        Some(dir) => dir.display().to_string(),
        None => match env.get("XDG_DATA_HOME") {
            Some(data) => tilde(&Path::new(data).join(DEFAULT_SHARED_ROOT), env),
            None => format!("~/.local/share/{DEFAULT_SHARED_ROOT}"),
        },
    };
    let active_link = if args.no_active_link {
        None
    } else if let Some(link) = &args.active_link {
        Some(link.display().to_string())
    } else {
        // ~/.claude, unless it is one of the homes or a real dir (an existing install,
        // which ccfail never replaces).
        home.as_ref()
            .map(|h| h.join(".claude"))
            .filter(|default| {
                // Compared as written: the link itself, made by an earlier run, resolves to a home.
                let is_home = accounts.iter().any(|(_, h)| {
                    config::expand_path(Path::new(h), env).is_ok_and(|p| p.components().eq(default.components()))
                });
                let real = std::fs::symlink_metadata(default).is_ok_and(|m| !m.file_type().is_symlink());
                !is_home && !real
            })
            .map(|_| "~/.claude".to_owned())
    };
    Ok(Request {
        accounts,
        shared_root,
        active_link,
        claude_binary: args.claude.as_ref().map_or_else(|| claude_binary(env), |c| c.display().to_string()),
        pool_max: args.pool,
        workdir: args.workdir.as_ref().map(|d| d.display().to_string()),
        projects: args.projects.iter().map(|p| p.display().to_string()).collect(),
    })
}

/// What init did (or would do), one line per step, for the report.
struct Report {
    dry_run: bool,
    lines: Vec<String>,
}

impl Report {
    fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }
    fn verb<'a>(&self, done: &'a str, would: &'a str) -> &'a str {
        if self.dry_run { would } else { done }
    }
}

pub fn run(inputs: &Inputs, args: &InitArgs) -> Result<ExitCode> {
    let file = target_file(inputs)?;
    let mut report = Report { dry_run: args.dry_run, lines: Vec::new() };
    let exists = file.exists();
    let config = if args.accounts.is_empty() {
        if !exists {
            bail!(
                "no config at {} to finish setting up: name the account homes, e.g. \
                 ccfail init --account work=~/.claude-work --account spare=~/.claude-spare",
                file.display()
            );
        }
        report.say(format!("config: {} (kept as it is)", file.display()));
        Config::load(&file, &inputs.env)?
    } else {
        write_config(inputs, args, &file, exists, &mut report)?
    };
    let inputs = Inputs { config_file: file.clone(), config_source: ConfigSource::Flag, ..inputs.clone() };
    let ctx = Ctx::with_config(inputs.clone(), config)?;
    link_shared(&ctx, &mut report);
    active_link(&ctx, &mut report);
    let hooks = super::hooks::change(&ctx, true, args.dry_run)?;
    for line in super::hooks::human(&hooks).lines() {
        report.say(format!("hooks: {}", line.trim_end()));
    }
    let code = if args.dry_run {
        report.say("doctor: would run once the config is written");
        report.say("dry run: nothing written");
        ExitCode::Ok
    } else {
        let doctor = super::doctor::examine(&inputs, false);
        let mut next = None;
        for finding in doctor.findings.iter().filter(|f| f.verdict == super::doctor::Verdict::Problem) {
            report.say(format!("doctor: PROBLEM {}: {}", finding.subject, finding.message));
            if let Some(fix) = &finding.fix {
                report.say(format!("  fix: {fix}"));
                next.get_or_insert_with(|| fix.clone());
            }
        }
        for finding in doctor.findings.iter().filter(|f| f.verdict == super::doctor::Verdict::Warning) {
            report.say(format!("doctor: warning {}: {}", finding.subject, finding.message));
        }
        if doctor.problems == 0 {
            report.say("doctor: no problems found");
            report.say(
                "next: ccfail status   (then run the pool from systemd: see \"Run it from systemd\" in the README)",
            );
            ExitCode::Ok
        } else {
            report.say(format!(
                "next: {}   (then ccfail init again)",
                next.unwrap_or_else(|| "ccfail doctor".to_owned())
            ));
            if hooks.failed() { ExitCode::Error } else { ExitCode::ProblemsFound }
        }
    };
    let text: String = report.lines.iter().map(|line| format!("{line}\n")).collect();
    crate::render::print(&text)?;
    Ok(code)
}

fn write_config(inputs: &Inputs, args: &InitArgs, file: &Path, exists: bool, report: &mut Report) -> Result<Config> {
    let request = request(inputs, args)?;
    let text = config_text(&request);
    let config = Config::from_yaml(&text, file, &inputs.env)?;
    for account in &config.accounts {
        if !account.home.is_dir() {
            bail!(
                "account {}: home {} does not exist; log in once first: CLAUDE_CONFIG_DIR={} claude (then /login)",
                account.name,
                account.home.display(),
                account.home.display()
            );
        }
    }
    let old = if exists {
        Some(std::fs::read_to_string(file).with_context(|| format!("could not read the config {}", file.display()))?)
    } else {
        None
    };
    let names: Vec<&str> = request.accounts.iter().map(|(name, _)| name.as_str()).collect();
    let what = format!("{} accounts: {}", names.len(), names.join(", "));
    match old {
        Some(old) if old == text => report.say(format!("config: {} up to date ({what})", file.display())),
        Some(_) if !args.force => bail!(
            "config {} exists and differs from what init would write; nothing changed. \
             Run `ccfail init` without --account to finish the setup with it, or add --force to replace it \
             (the old one is kept as {}.bak); `ccfail init --dry-run …` shows the new one",
            file.display(),
            file.display()
        ),
        Some(_) => {
            let backup = PathBuf::from(format!("{}.bak", file.display()));
            if !args.dry_run {
                std::fs::copy(file, &backup)
                    .with_context(|| format!("could not keep the old config as {}", backup.display()))?;
                write(file, &text)?;
            }
            report.say(format!(
                "config: {} {} ({what}; the old one {} {})",
                report.verb("replaced", "would replace"),
                file.display(),
                report.verb("kept as", "would be kept as"),
                backup.display()
            ));
        }
        None => {
            if !args.dry_run {
                write(file, &text)?;
            }
            report.say(format!("config: {} {} ({what})", report.verb("wrote", "would write"), file.display()));
        }
    }
    if args.dry_run {
        report.say("config text:");
        report.lines.extend(text.lines().map(|line| format!("  {line}")));
    }
    Ok(config)
}

fn write(file: &Path, text: &str) -> Result<()> {
    let dir = file.parent().unwrap_or(Path::new("/"));
    crate::files::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    crate::state::write_atomically(file, text.as_bytes())
        .with_context(|| format!("could not write the config {}", file.display()))
}

/// Every account's `<home>/<entry>` linked to `<root>/<entry>`. A real dir in the way
/// is moved there by rename when the shared root has no such entry yet (the first
/// account's history becomes the shared one), or its children are, one by one, when
/// none of their names is taken; anything else is reported and left.
fn link_shared(ctx: &Ctx, report: &mut Report) {
    let Some(root) = &ctx.config.claude.shared.root else { return };
    let dry = report.dry_run;
    for account in &ctx.config.accounts {
        for entry in &ctx.config.claude.shared.entries {
            let link = account.home.join(entry);
            let want = root.join(entry);
            let subject = format!("shared: {}: {entry} -> {}", account.name, want.display());
            let outcome = match accounts::check_shared_link(&account.home, root, entry) {
                Ok(SharedLink::Sound) => "already linked".to_owned(),
                Ok(SharedLink::Missing | SharedLink::TargetMissing) => {
                    if dry {
                        "would link".to_owned()
                    } else {
                        match accounts::create_shared_link(&account.home, root, entry) {
                            Ok(()) => "linked".to_owned(),
                            Err(err) => format!("FAILED: {err}"),
                        }
                    }
                }
                Ok(SharedLink::InTheWay { what: "a directory" }) => adopt(&link, &want, root, entry, dry),
                Ok(SharedLink::InTheWay { what }) => format!("left alone: {what} is where the link belongs"),
                Ok(SharedLink::PointsElsewhere { target }) => {
                    format!("left alone: it points to {} (never changed by ccfail)", target.display())
                }
                Err(err) => format!("FAILED: {err}"),
            };
            report.say(format!("{subject}: {outcome}"));
        }
    }
}

/// Moves the real dir `link` into the shared root by rename, then links it.
fn adopt(link: &Path, want: &Path, root: &Path, entry: &str, dry: bool) -> String {
    let home = link.parent().unwrap_or(Path::new("/"));
    if !want.exists() {
        if dry {
            return format!("would move the dir {} there, then link", link.display());
        }
        let moved = crate::files::create_dir_all(root).and_then(|()| std::fs::rename(link, want));
        return match moved.and_then(|()| accounts::create_shared_link(home, root, entry)) {
            Ok(()) => format!("moved the dir {} there and linked", link.display()),
            Err(err) => format!("FAILED to move the dir {} there: {err}; move it by hand", link.display()),
        };
    }
    let children: Vec<PathBuf> = match std::fs::read_dir(link) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(err) => return format!("FAILED to read the dir {}: {err}", link.display()),
    };
    let taken: Vec<String> = children
        .iter()
        .filter_map(|c| c.file_name())
        .filter(|name| want.join(name).exists())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    if !taken.is_empty() {
        return format!(
            "left alone: the dir {} holds {} that {} has too; merge them by hand, remove the dir, then ccfail init",
            link.display(),
            taken.join(", "),
            want.display()
        );
    }
    if dry {
        return format!("would move the {} entries of the dir {} there, then link", children.len(), link.display());
    }
    for child in &children {
        let name = child.file_name().unwrap_or_default();
        if let Err(err) = std::fs::rename(child, want.join(name)) {
            return format!("FAILED to move {} there: {err}; the rest is left in place", child.display());
        }
    }
    match std::fs::remove_dir(link).and_then(|()| accounts::create_shared_link(home, root, entry)) {
        Ok(()) => format!("moved the {} entries of the dir {} there and linked", children.len(), link.display()),
        Err(err) => format!("FAILED to link after moving the entries: {err}"),
    }
}

/// The active link, created when nothing is there; anything else is doctor's to report.
fn active_link(ctx: &Ctx, report: &mut Report) {
    let Some(link) = &ctx.config.claude.active_link else { return };
    let state = ctx.state.read().ok();
    let Some((active, _)) = accounts::active_account(&ctx.config, state.as_ref()) else { return };
    let subject = format!("active link: {} -> {}", link.display(), active.home.display());
    let outcome = match std::fs::symlink_metadata(link) {
        Err(_) if report.dry_run => "would link".to_owned(),
        Err(_) => match link
            .parent()
            .map_or(Ok(()), crate::files::create_dir_all)
            .and_then(|()| std::os::unix::fs::symlink(&active.home, link))
        {
            Ok(()) => "linked".to_owned(),
            Err(err) => format!("FAILED: {err}"),
        },
        Ok(_) if accounts::link_target(link).is_some_and(|t| accounts::same_place(&t, &active.home)) => {
            "already linked".to_owned()
        }
        Ok(_) => "left alone: something else is there (doctor says what)".to_owned(),
    };
    report.say(format!("{subject}: {outcome}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            accounts: vec![("a".to_owned(), "~/.claude-a".to_owned()), ("b".to_owned(), "/srv/b home".to_owned())],
            shared_root: "~/.local/share/ccfail/shared".to_owned(),
            active_link: Some("~/.claude".to_owned()),
            claude_binary: "~/.local/bin/claude".to_owned(),
            pool_max: None,
            workdir: None,
            projects: Vec::new(),
        }
    }

    #[test]
    fn the_config_holds_what_was_asked_and_loads() {
        let text = config_text(&request());
        assert!(text.contains("  - name: a\n    home: ~/.claude-a\n    priority: 0\n"), "{text}");
        assert!(text.contains("    home: \"/srv/b home\"\n    priority: 1\n"), "{text}");
        assert!(!text.contains("pool:"), "no pool section unless asked: {text}");
        let env = Env::from_pairs([("HOME", "/home/op")]);
        let config = Config::from_yaml(&text, Path::new("/c.yaml"), &env).unwrap();
        assert_eq!(config.accounts[0].home, PathBuf::from("/home/op/.claude-a"));
        assert_eq!(config.claude.active_link, Some(PathBuf::from("/home/op/.claude")));
        assert_eq!(config.claude.binary, "/home/op/.local/bin/claude");

        let with_pool = Request {
            pool_max: Some(3),
            workdir: Some("~/work".to_owned()),
            projects: vec!["~/src/app".to_owned()],
            ..request()
        };
        let config = Config::from_yaml(&config_text(&with_pool), Path::new("/c.yaml"), &env).unwrap();
        assert_eq!(config.pool.autonomous.max, 3);
        assert_eq!(config.pool.autonomous.workdir, Some(PathBuf::from("/home/op/work")));
        assert_eq!(config.projects.list.len(), 1);
    }

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(yaml("~/.claude-a"), "~/.claude-a");
        assert_eq!(yaml("null"), "\"null\"");
        assert_eq!(yaml("a: b"), "\"a: b\"");
        assert_eq!(yaml("-x"), "\"-x\"");
        assert!(parse_account("a=~/.x").is_ok());
        assert!(parse_account("a").is_err() && parse_account("=x").is_err() && parse_account("a=").is_err());
    }
}
