//! Semantic rules of the config, applied after the YAML is read: path expansion
//! (`~`, `$VAR`, `${VAR}`), absolute paths, unique accounts, a sane pool range, names
//! usable as tmux targets. Every rule adds a problem and goes on; none stops the others.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Config, ConfigProblem};
use crate::names::{is_safe_component, is_tmux_session_name};
use crate::paths::Env;

/// The largest pool ccfail accepts; more sessions than this is a typo, not a plan.
pub const MAX_POOL: u32 = 1000;
/// The longest lock wait that still lets timers fire on their cadence.
const MAX_LOCK_WAIT_SECS: u64 = 600;

pub fn expand_and_validate(config: &mut Config, env: &Env) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    // A binary given as a path (`~/.local/bin/claude`, `$HOME/bin/claude`) is expanded
    // like every other path; a bare name stays a name, looked up in $PATH.
    for (key, binary) in [("claude.binary", &mut config.claude.binary), ("tmux.binary", &mut config.tmux.binary)] {
        if binary.starts_with('~') || binary.contains('$') {
            match expand_path(Path::new(binary.as_str()), env) {
                Ok(expanded) => *binary = expanded.display().to_string(),
                Err(message) => problems.push(ConfigProblem::new(key, message)),
            }
        }
    }
    let mut expand = |key: String, path: &mut PathBuf| match expand_path(path, env) {
        // A missing path is reported by the rule that needs it.
        Ok(expanded) if expanded.as_os_str().is_empty() => {}
        Ok(expanded) if expanded.is_absolute() => *path = expanded,
        Ok(expanded) => problems.push(ConfigProblem::new(
            key,
            format!("{} must be an absolute path (or start with ~ or $HOME)", expanded.display()),
        )),
        Err(message) => problems.push(ConfigProblem::new(key, message)),
    };

    for (i, account) in config.accounts.iter_mut().enumerate() {
        expand(format!("accounts[{i}].home"), &mut account.home);
    }
    if let Some(link) = config.claude.active_link.as_mut() {
        expand("claude.active_link".to_owned(), link);
    }
    if let Some(root) = config.claude.shared.root.as_mut() {
        expand("claude.shared.root".to_owned(), root);
    }
    if let Some(socket) = config.tmux.socket.as_mut() {
        expand("tmux.socket".to_owned(), socket);
    }
    if let Some(workdir) = config.pool.autonomous.workdir.as_mut() {
        expand("pool.autonomous.workdir".to_owned(), workdir);
    }
    for (i, dedicated) in config.pool.dedicated.iter_mut().enumerate() {
        expand(format!("pool.dedicated[{i}].project"), &mut dedicated.project);
    }
    for (i, project) in config.projects.list.iter_mut().enumerate() {
        expand(format!("projects.list[{i}].path"), &mut project.path);
    }
    for (i, dir) in config.projects.scan.iter_mut().enumerate() {
        expand(format!("projects.scan[{i}]"), dir);
    }
    if let Some(dir) = config.state.dir.as_mut() {
        expand("state.dir".to_owned(), dir);
    }
    if let Some(dir) = config.checkpoint.dir.as_mut() {
        expand("checkpoint.dir".to_owned(), dir);
    }

    check_accounts(config, &mut problems);
    check_claude(config, &mut problems);
    check_pool(config, &mut problems);
    check_projects(config, &mut problems);
    check_quota(config, &mut problems);
    check_notify(config, &mut problems);
    check_queue(config, env, &mut problems);
    if config.state.lock_wait.get().as_secs() > MAX_LOCK_WAIT_SECS {
        problems.push(ConfigProblem::new(
            "state.lock_wait",
            format!(
                "{} is longer than {MAX_LOCK_WAIT_SECS}s: timer runs would pile up behind a held lock",
                config.state.lock_wait
            ),
        ));
    }
    if config.state.history_limit == 0 {
        problems.push(ConfigProblem::new(
            "state.history_limit",
            "must be at least 1: `ccfail log` and the notifications read the history",
        ));
    }
    if config.tmux.binary.trim().is_empty() {
        problems.push(ConfigProblem::new("tmux.binary", "must name the tmux executable"));
    }
    problems
}

fn check_accounts(config: &Config, problems: &mut Vec<ConfigProblem>) {
    if config.accounts.is_empty() {
        problems.push(ConfigProblem::new("accounts", "at least one account is needed (name and home)"));
    }
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut homes: HashMap<PathBuf, usize> = HashMap::new();
    for (i, account) in config.accounts.iter().enumerate() {
        if account.name.is_empty() {
            problems.push(ConfigProblem::new(format!("accounts[{i}]"), "missing name"));
        } else if !is_safe_component(&account.name) {
            problems.push(ConfigProblem::new(
                format!("accounts[{i}].name"),
                format!("{:?} may only use letters, digits, '.', '_' and '-'", account.name),
            ));
        } else if let Some(first) = names.insert(&account.name, i) {
            problems.push(ConfigProblem::new(
                format!("accounts[{i}].name"),
                format!("{:?} is already the name of accounts[{first}]", account.name),
            ));
        }
        if account.home.as_os_str().is_empty() {
            problems
                .push(ConfigProblem::new(format!("accounts[{i}]"), "missing home (the account's Claude config dir)"));
        } else if let Some(first) = homes.insert(normalize(&account.home), i) {
            problems.push(ConfigProblem::new(
                format!("accounts[{i}].home"),
                format!("{} is already the home of accounts[{first}]", account.home.display()),
            ));
        }
    }
}

fn check_notify(config: &Config, problems: &mut Vec<ConfigProblem>) {
    for (i, event) in config.notify.events.iter().enumerate() {
        if !crate::notify::EVENTS.contains(&event.as_str()) {
            problems.push(ConfigProblem::new(
                format!("notify.events[{i}]"),
                format!("{event:?} is not an event; known: {}", crate::notify::EVENTS.join(", ")),
            ));
        }
    }
    if config.notify.command.first().is_some_and(|program| program.trim().is_empty()) {
        problems.push(ConfigProblem::new("notify.command", "the first word must name the notifier program"));
    }
}

fn check_quota(config: &Config, problems: &mut Vec<ConfigProblem>) {
    let quota = &config.quota;
    if let Some(zone) = &quota.timezone
        && zone.parse::<chrono_tz::Tz>().is_err()
    {
        problems.push(ConfigProblem::new(
            "quota.timezone",
            format!("{zone:?} is not a time zone of the tz database: write e.g. Europe/Paris, UTC, Etc/GMT+5"),
        ));
    }
    if quota.min_pool_hits == 0 && quota.min_dedicated_hits == 0 {
        problems.push(ConfigProblem::new(
            "quota.min_pool_hits",
            "min_pool_hits and min_dedicated_hits are both 0: screens could never report a limit",
        ));
    }
    for (key, value) in [
        ("quota.window_5h_threshold", quota.window_5h_threshold),
        ("quota.window_week_threshold", quota.window_week_threshold),
    ] {
        if !(value > 0.0 && value <= 1.0) {
            problems.push(ConfigProblem::new(
                key,
                format!("{value} is not a fraction of the soft cap: write a number above 0 and at most 1, e.g. 0.9"),
            ));
        }
    }
    for (i, account) in config.accounts.iter().enumerate() {
        let limits = &account.limits;
        for (name, value) in [
            ("five_hour_messages", limits.five_hour_messages),
            ("five_hour_tokens", limits.five_hour_tokens),
            ("weekly_messages", limits.weekly_messages),
            ("weekly_tokens", limits.weekly_tokens),
        ] {
            if value == Some(0) {
                problems.push(ConfigProblem::new(
                    format!("accounts[{i}].limits.{name}"),
                    "0 would make every use a hit: write a positive cap, or null for none",
                ));
            }
        }
    }
}

fn check_claude(config: &Config, problems: &mut Vec<ConfigProblem>) {
    if config.claude.binary.trim().is_empty() {
        problems.push(ConfigProblem::new("claude.binary", "must name the claude executable"));
    }
    for name in config.claude.env.keys() {
        let key = format!("claude.env.{name}");
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            problems.push(ConfigProblem::new(key, "an environment variable name is letters, digits and _ (not first)"));
        } else if name == "CLAUDE_CONFIG_DIR" {
            problems
                .push(ConfigProblem::new(key, "ccfail sets CLAUDE_CONFIG_DIR to each account's home; remove it here"));
        }
    }
    let mut seen = HashSet::new();
    for (i, entry) in config.claude.shared.entries.iter().enumerate() {
        let key = format!("claude.shared.entries[{i}]");
        if !is_safe_component(entry) {
            problems.push(ConfigProblem::new(
                key,
                format!("{entry:?} must be one entry of the account home, such as projects"),
            ));
        } else if !seen.insert(entry) {
            problems.push(ConfigProblem::new(key, format!("{entry:?} is listed twice")));
        }
    }
    if let Some(link) = &config.claude.active_link
        && config.accounts.iter().any(|a| normalize(&a.home) == normalize(link))
    {
        problems.push(ConfigProblem::new(
            "claude.active_link",
            format!("{} is an account home; the active link must be a separate path such as ~/.claude", link.display()),
        ));
    }
}

fn check_pool(config: &Config, problems: &mut Vec<ConfigProblem>) {
    let pool = &config.pool.autonomous;
    if !pool.prefix.is_empty() && !is_tmux_session_name(&pool.prefix) {
        problems.push(ConfigProblem::new(
            "pool.autonomous.prefix",
            format!("{:?} may only use letters, digits, '_' and '-' (tmux rewrites '.' and ':')", pool.prefix),
        ));
    }
    if pool.prefix.is_empty() && pool.max > 0 {
        problems.push(ConfigProblem::new("pool.autonomous.prefix", "must not be empty when max > 0"));
    }
    if pool.max > MAX_POOL {
        problems
            .push(ConfigProblem::new("pool.autonomous.max", format!("{} is more than {MAX_POOL} sessions", pool.max)));
    }
    if pool.start_index.checked_add(pool.max).is_none() {
        problems.push(ConfigProblem::new("pool.autonomous.start_index", "start_index + max overflows"));
    }
    if pool.min > pool.max {
        problems
            .push(ConfigProblem::new("pool.autonomous.min", format!("{} is more than max ({})", pool.min, pool.max)));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, dedicated) in config.pool.dedicated.iter().enumerate() {
        let key = format!("pool.dedicated[{i}].name");
        if dedicated.name.is_empty() {
            problems.push(ConfigProblem::new(format!("pool.dedicated[{i}]"), "missing name"));
            continue;
        }
        if !is_tmux_session_name(&dedicated.name) {
            problems.push(ConfigProblem::new(
                key.clone(),
                format!("{:?} may only use letters, digits, '_' and '-' (tmux rewrites '.' and ':')", dedicated.name),
            ));
        }
        if pool.contains(&dedicated.name) {
            problems.push(ConfigProblem::new(
                key.clone(),
                format!(
                    "{:?} is also a pool session name ({}N for N in {}..{}); rename it or move the pool range",
                    dedicated.name,
                    pool.prefix,
                    pool.start_index,
                    pool.start_index.saturating_add(pool.max)
                ),
            ));
        }
        if let Some(first) = seen.insert(&dedicated.name, i) {
            problems.push(ConfigProblem::new(key, format!("{:?} is already pool.dedicated[{first}]", dedicated.name)));
        }
        if dedicated.project.as_os_str().is_empty() {
            problems.push(ConfigProblem::new(format!("pool.dedicated[{i}]"), "missing project (the session's folder)"));
        }
    }
}

fn check_projects(config: &Config, problems: &mut Vec<ConfigProblem>) {
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    for (i, project) in config.projects.list.iter().enumerate() {
        if project.path.as_os_str().is_empty() {
            problems.push(ConfigProblem::new(format!("projects.list[{i}]"), "missing path"));
        } else if let Some(first) = seen.insert(normalize(&project.path), i) {
            problems.push(ConfigProblem::new(
                format!("projects.list[{i}].path"),
                format!("{} is already projects.list[{first}]", project.path.display()),
            ));
        }
    }
}

/// The task queue's sections: templates use known placeholders, waits are positive,
/// models are plain words (they end up on a command line), project names are unique.
fn check_queue(config: &mut Config, env: &Env, problems: &mut Vec<ConfigProblem>) {
    use super::{DONE_FILE_PLACEHOLDERS, PROMPT_PLACEHOLDERS, placeholders};
    let dispatch = &config.dispatch;
    match placeholders(&dispatch.prompt) {
        Err(message) => problems.push(ConfigProblem::new("dispatch.prompt", message)),
        Ok(used) => {
            for name in used.iter().filter(|n| !PROMPT_PLACEHOLDERS.contains(n)) {
                problems.push(ConfigProblem::new(
                    "dispatch.prompt",
                    format!("unknown placeholder {{{name}}}; known: {}", braced(&PROMPT_PLACEHOLDERS)),
                ));
            }
            if !used.contains(&"task_path") {
                problems.push(ConfigProblem::new(
                    "dispatch.prompt",
                    "must contain {task_path}: the session learns its task from it",
                ));
            }
        }
    }
    if dispatch.max_attempts == 0 {
        problems.push(ConfigProblem::new("dispatch.max_attempts", "must be at least 1"));
    }
    for (name, model) in [
        ("critical", &dispatch.models.critical),
        ("high", &dispatch.models.high),
        ("default", &dispatch.models.default),
        ("low", &dispatch.models.low),
    ] {
        if let Some(model) = model
            && !crate::names::is_model_name(model)
        {
            problems.push(ConfigProblem::new(
                format!("dispatch.models.{name}"),
                format!("{model:?} is not a model name: letters, digits and . _ - : [ ] only"),
            ));
        }
    }
    for (key, value) in [
        ("dispatch.start_wait", dispatch.start_wait),
        ("dispatch.submit_wait", dispatch.submit_wait),
        ("watch.stall_after", config.watch.stall_after),
        ("watch.stop_wait", config.watch.stop_wait),
    ] {
        if value.get().is_zero() {
            problems.push(ConfigProblem::new(key, "must be longer than 0s"));
        }
    }
    if config.watch.restart_after < config.watch.stall_after {
        problems.push(ConfigProblem::new(
            "watch.restart_after",
            format!(
                "{} is shorter than watch.stall_after ({}): a session is restarted after it is stalled",
                config.watch.restart_after, config.watch.stall_after
            ),
        ));
    }
    if let Some(template) = config.watch.done_file.as_mut() {
        match placeholders(template) {
            Err(message) => problems.push(ConfigProblem::new("watch.done_file", message)),
            Ok(used) => {
                for name in used.iter().filter(|n| !DONE_FILE_PLACEHOLDERS.contains(n)) {
                    problems.push(ConfigProblem::new(
                        "watch.done_file",
                        format!("unknown placeholder {{{name}}}; known: {}", braced(&DONE_FILE_PLACEHOLDERS)),
                    ));
                }
            }
        }
        match expand_path(Path::new(template.as_str()), env) {
            Ok(expanded) if expanded.is_absolute() || template.starts_with("{project_path}") => {
                *template = expanded.display().to_string();
            }
            Ok(_) => problems.push(ConfigProblem::new(
                "watch.done_file",
                "must be an absolute path, or start with ~ or {project_path}",
            )),
            Err(message) => problems.push(ConfigProblem::new("watch.done_file", message)),
        }
    }
    if !(1..=64).contains(&config.swap.parallel) {
        problems.push(ConfigProblem::new("swap.parallel", "must be from 1 (one session after another) to 64"));
    }
    placement_problems(config, problems);
    if config.checkpoint.keep == 0 {
        problems.push(ConfigProblem::new("checkpoint.keep", "must be at least 1: the swap resumes from the newest"));
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, project) in config.projects.list.iter().enumerate() {
        let Some(name) = project.path.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        if !is_safe_component(&name) {
            problems.push(ConfigProblem::new(
                format!("projects.list[{i}].path"),
                format!(
                    "the folder name {name:?} names the project in depends_on (project:id); it may only use letters, digits, '.', '_' and '-'"
                ),
            ));
        } else if let Some(first) = names.insert(name.clone(), i) {
            problems.push(ConfigProblem::new(
                format!("projects.list[{i}].path"),
                format!(
                    "projects.list[{first}] has the same folder name {name:?}; depends_on could not tell them apart"
                ),
            ));
        }
    }
}

fn braced(names: &[&str]) -> String {
    names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
}

/// A path without trailing slashes or `.` components, for comparing homes.
fn normalize(path: &Path) -> PathBuf {
    path.components().collect()
}

/// Expands a leading `~` or `~/` and every `$VAR` / `${VAR}`.
pub fn expand_path(path: &Path, env: &Env) -> Result<PathBuf, String> {
    let Some(text) = path.to_str() else {
        return Ok(path.to_path_buf());
    };
    let mut out = String::new();
    let mut rest = text;
    if rest == "~" || rest.starts_with("~/") {
        let home = env.get("HOME").ok_or_else(|| format!("{text:?} starts with ~ but $HOME is not set"))?;
        out.push_str(home);
        rest = &rest[1..];
    }
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}').ok_or_else(|| format!("{text:?}: unclosed ${{"))?;
            (&braced[..end], end + 2)
        } else {
            let len = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            (&after[..len], len)
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        let value = env.get(name).ok_or_else(|| format!("{text:?} uses ${name}, which is not set"))?;
        out.push_str(value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(PathBuf::from(out))
}

/// The placement keys: ceilings are fractions, pins and tags name what exists.
fn placement_problems(config: &Config, problems: &mut Vec<ConfigProblem>) {
    for (i, account) in config.accounts.iter().enumerate() {
        if !(account.ceiling > 0.0 && account.ceiling <= 1.0) {
            problems.push(ConfigProblem::new(
                format!("accounts[{i}].ceiling"),
                "must be a fraction above 0 and at most 1 (0.8 keeps the last 20% of each window for you)",
            ));
        }
    }
    for (i, dedicated) in config.pool.dedicated.iter().enumerate() {
        if let Some(account) = &dedicated.account
            && config.account(account).is_none()
        {
            problems.push(ConfigProblem::new(
                format!("pool.dedicated[{i}].account"),
                format!("{account:?} is not the name of an account in accounts"),
            ));
        }
    }
    for (i, tag) in config.pool.autonomous.account_tags.iter().enumerate() {
        if !config.accounts.iter().any(|account| account.tags.contains(tag)) {
            problems.push(ConfigProblem::new(
                format!("pool.autonomous.account_tags[{i}]"),
                format!("no account carries the tag {tag:?} (accounts[].tags): the pool could run nowhere"),
            ));
        }
    }
    if !(1..=64).contains(&config.placement.ramp) {
        problems.push(ConfigProblem::new("placement.ramp", "must be from 1 to 64 sessions moved per run"));
    }
}
