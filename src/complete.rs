//! Shell completion: the scripts `ccfail completions <shell>` prints, and the names they
//! offer, read from the config at the moment of the TAB.
//!
//! The scripts are clap_complete's dynamic ones ([`CompleteEnv`]): a few lines that call
//! `CCFAIL_COMPLETE=<shell> ccfail -- <words>` back, so the binary itself parses the line
//! with the same clap definition as a real run. That is what lets `swap --to <TAB>` offer
//! the accounts of the config (and `--config PATH` on the line is honoured), and what
//! keeps the completions from ever disagreeing with the CLI. An argument says what it
//! names with `add = complete::names(Names::Account)` in `cli.rs`; an argument with
//! neither a name kind nor a path hint completes nothing (never file names).
//!
//! Everything here runs inside the user's shell at each TAB: it never prints to stderr,
//! never takes the state lock, never starts tmux, and a config that does not load simply
//! offers nothing. Hidden subcommands (`generate`) are left out of the command it
//! completes, so no prefix brings them up.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use crate::cli::Cli;
use crate::config::Config;
use crate::paths::{self, Env};
use crate::queue;

/// The variable that turns a run into a completion request (clap_complete's protocol).
pub const VAR: &str = "CCFAIL_COMPLETE";
const BIN: &str = "ccfail";

/// What a command-line value names: each kind is one source of candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// `accounts[].name`.
    Account,
    /// The pool's names (`prefix` + N over its range) and the dedicated sessions.
    Session,
    /// Registered projects (`projects.list`, the `.agent-queue/` children of `projects.scan`).
    Project,
    /// Tasks of every project's queue, as `project:id`, with where each one is.
    Task,
}

/// The completer an argument of kind `kind` carries: `#[arg(add = names(Names::Task))]`.
pub fn names(kind: Names) -> ArgValueCandidates {
    ArgValueCandidates::new(move || candidates(kind))
}

/// Answers a completion request (`CCFAIL_COMPLETE=<shell> ccfail -- <words>`) and exits
/// (clap_complete's protocol), when [`VAR`] is set; returns otherwise. Asked for the
/// script itself (`CCFAIL_COMPLETE=bash ccfail`, clap's usual way), it returns the one
/// `ccfail completions` prints, for `main` to print. Called first thing in `main`.
pub fn complete_if_asked() -> Option<String> {
    let words = std::env::args_os().any(|a| a == "--");
    if !words && let Some(shell) = std::env::var(VAR).ok().and_then(|v| v.parse::<clap_complete::Shell>().ok()) {
        return script(shell).ok();
    }
    CompleteEnv::with_factory(command).var(VAR).bin(BIN).completer(BIN).complete();
    None
}

/// The script that makes `shell` complete ccfail, as `ccfail completions <shell>` prints
/// it and `completions/` commits it.
pub fn script(shell: clap_complete::Shell) -> io::Result<String> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells.completer(&name).ok_or_else(|| io::Error::other(format!("no completer for {name}")))?;
    let mut out = Vec::new();
    completer.write_registration(VAR, BIN, BIN, BIN, &mut out)?;
    let mut text = String::from_utf8(out).map_err(io::Error::other)?;
    match shell {
        // `-o bashdefault` falls back to file names when no candidate matches (`swap --to
        // zz<TAB>`); the engine completes paths itself where an argument takes one.
        clap_complete::Shell::Bash => text = text.replace(" -o bashdefault", ""),
        // Installed in $fpath, the file is autoloaded as the body of `_ccfail` on the first
        // TAB: that call must complete too, not only register the function for the next.
        clap_complete::Shell::Zsh => text.push_str(ZSH_AUTOLOAD),
        _ => {}
    }
    Ok(text)
}

const ZSH_AUTOLOAD: &str =
    "if [[ \"${funcstack[1]}\" == _ccfail ]]; then\n    _clap_dynamic_completer_ccfail \"$@\"\nfi\n";

/// The command completions are computed against: the CLI without its hidden subcommands.
fn command() -> clap::Command {
    let full = Cli::command();
    let mut cmd = clap::Command::new(BIN)
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(version) = full.get_version() {
        cmd = cmd.version(version.to_owned());
    }
    cmd
}

/// The candidates for `kind`, from the config the line being completed would use.
fn candidates(kind: Names) -> Vec<CompletionCandidate> {
    let env = Env::from_process();
    let words: Vec<OsString> = std::env::args_os().collect();
    let flag = config_flag(&words);
    let Ok((file, _)) = paths::config_path(flag.as_deref().map(std::path::Path::new), &env) else {
        return Vec::new();
    };
    let Ok(config) = Config::load(&file, &env) else {
        return Vec::new();
    };
    names_in(&config, kind)
        .into_iter()
        .map(|(value, help)| CompletionCandidate::new(value).help(Some(help.into())))
        .collect()
}

/// The value of the last `--config PATH` / `--config=PATH` among the words.
fn config_flag(words: &[OsString]) -> Option<OsString> {
    let mut found = None;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == OsStr::new("--config") {
            found = words.next().cloned();
        } else if let Some(value) = word.to_str().and_then(|w| w.strip_prefix("--config=")) {
            found = Some(value.into());
        }
    }
    found.filter(|path| !path.is_empty())
}

/// `(name, what it is)` for every name of `kind` in `config` (tasks are read from disk).
pub fn names_in(config: &Config, kind: Names) -> Vec<(String, String)> {
    match kind {
        Names::Account => config
            .accounts
            .iter()
            .map(|a| (a.name.clone(), format!("account, priority {}, {}", a.priority, a.home.display())))
            .collect(),
        Names::Session => {
            let pool = &config.pool.autonomous;
            let mut out: Vec<_> = pool.names().map(|name| (name, "pool session".to_owned())).collect();
            out.extend(
                config
                    .pool
                    .dedicated
                    .iter()
                    .map(|d| (d.name.clone(), format!("dedicated session, {}", d.project.display()))),
            );
            out
        }
        Names::Project => {
            queue::projects(config).0.into_iter().map(|p| (p.name, format!("project, {}", p.path.display()))).collect()
        }
        Names::Task => {
            let mut out = Vec::new();
            for project in queue::projects(config).0 {
                for (dir, suffix, what) in [
                    (project.inbox(), ".md", "pending"),
                    (project.inbox(), ".md.dispatched", "claimed"),
                    (project.failed(), ".md", "failed"),
                    (project.done(), ".md", "done"),
                ] {
                    for id in ids_in(&dir, suffix) {
                        out.push((project.key(&id), format!("{what} task")));
                    }
                }
            }
            out
        }
    }
}

/// The ids of the `<id><suffix>` files of `dir`, sorted; unsafe names are skipped.
fn ids_in(dir: &std::path::Path, suffix: &str) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(suffix)).map(str::to_owned))
        .filter(|id| !id.starts_with('.') && crate::names::is_safe_component(id))
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        Config::from_yaml(yaml, std::path::Path::new("/c.yaml"), &Env::from_pairs([("HOME", "/home/u")])).unwrap()
    }

    #[test]
    fn accounts_and_sessions_come_from_the_config() {
        let config = config(
            "accounts:\n  - {name: work, home: ~/a/work}\n  - {name: spare, home: ~/a/spare, priority: 1}\n\
             pool:\n  autonomous: {prefix: p-, start_index: 3, max: 2}\n  dedicated: [{name: main, project: ~/src}]\n",
        );
        let names = |kind| names_in(&config, kind).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names(Names::Account), ["work", "spare"]);
        assert_eq!(names(Names::Session), ["p-3", "p-4", "main"]);
        assert_eq!(names_in(&config, Names::Account)[1].1, "account, priority 1, /home/u/a/spare");
    }

    #[test]
    fn projects_and_tasks_come_from_the_queues() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        for sub in ["inbox", "failed", "done"] {
            fs::create_dir_all(app.join(".agent-queue").join(sub)).unwrap();
        }
        for file in ["inbox/t1.md", "inbox/t2.md.dispatched", "inbox/t1.md.blocked", "failed/t3.md", "done/t0.md"] {
            fs::write(app.join(".agent-queue").join(file), "").unwrap();
        }
        let config =
            config(&format!("accounts: [{{name: a, home: /h/a}}]\nprojects: {{scan: [{}]}}\n", dir.path().display()));
        let names = |kind| names_in(&config, kind);
        assert_eq!(names(Names::Project)[0].0, "app");
        let tasks: Vec<(String, String)> = names(Names::Task);
        let expected = [
            ("app:t1", "pending task"),
            ("app:t2", "claimed task"),
            ("app:t3", "failed task"),
            ("app:t0", "done task"),
        ];
        assert_eq!(tasks, expected.map(|(n, w)| (n.to_owned(), w.to_owned())));
    }

    #[test]
    fn the_config_flag_is_read_off_the_line_being_completed() {
        let words = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(config_flag(&words(&["ccfail", "--", "ccfail", "swap", "--to", ""])), None);
        assert_eq!(
            config_flag(&words(&["ccfail", "--", "ccfail", "--config", "/x.yaml", "swap", "--to", ""])),
            Some("/x.yaml".into())
        );
        assert_eq!(config_flag(&words(&["ccfail", "--", "ccfail", "--config=/y.yaml", "env"])), Some("/y.yaml".into()));
    }

    #[test]
    fn hidden_subcommands_are_not_completed() {
        let cmd = command();
        assert!(cmd.find_subcommand("generate").is_none());
        assert!(cmd.find_subcommand("swap").is_some());
    }
}
