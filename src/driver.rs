//! Driving Claude Code inside a tmux pane: start it on an account, stop it gracefully,
//! and the per-account trust record a start needs.
//!
//! Shared by every command that starts or stops a client (swap, dispatch, watch-once,
//! launch), so they all type the same command line, answer the same screens and give
//! up after the same waits. The pane keeps its shell: Claude is started from it and
//! returns to it, so the tmux session (and an operator attached to it) survives.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::config::{Account, Config};
use crate::json_file;
use crate::process;
use crate::screen::{self, ScreenActivity};
use crate::tmux::Tmux;
use crate::typing;

/// What to start.
#[derive(Debug, Clone, Default)]
pub struct Launch<'a> {
    /// `claude --resume <id>`: continue that conversation.
    pub resume: Option<&'a str>,
    pub model: Option<&'a str>,
}

/// The shell command that starts Claude Code on `account`, every word quoted:
/// `CLAUDE_CONFIG_DIR='<home>' '<claude>' <args> [--model M] [--resume ID]`.
pub fn command_line(config: &Config, account: &Account, launch: &Launch<'_>) -> String {
    let mut words = vec![format!("CLAUDE_CONFIG_DIR={}", quote(&account.home.display().to_string()))];
    words.push(quote(&config.claude.binary));
    words.extend(config.claude.args.iter().map(|arg| quote(arg)));
    if let Some(model) = launch.model {
        words.extend(["--model".to_owned(), quote(model)]);
    }
    if let Some(id) = launch.resume {
        words.extend(["--resume".to_owned(), quote(id)]);
    }
    words.join(" ")
}

/// Single-quotes a word for `sh` unless it is plainly safe.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:@%,".contains(&b)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Marks `dir` as trusted in the account's `.claude.json`, as answering the trust
/// dialog would, keeping every other key in order. The file is replaced atomically
/// with its permissions kept. Without this, a first start in `dir` under this account
/// stops at the trust dialog (trust is per config dir).
pub fn pre_accept_trust(home: &Path, dir: &Path) -> Result<bool> {
    // Read-modify-write: two threads starting sessions at once must not lose an entry.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    json_file::edit(&home.join(".claude.json"), true, |document| {
        let root = document.as_object_mut().ok_or("not a JSON object")?;
        let projects = root.entry("projects").or_insert_with(|| json!({}));
        let projects = projects.as_object_mut().ok_or("\"projects\" is not an object")?;
        let project = projects.entry(dir.display().to_string()).or_insert_with(|| json!({}));
        let project = project.as_object_mut().ok_or("a project entry is not an object")?;
        if project.get("hasTrustDialogAccepted") == Some(&Value::Bool(true)) {
            return Ok((false, false));
        }
        project.insert("hasTrustDialogAccepted".to_owned(), Value::Bool(true));
        Ok((true, true))
    })
}

/// Lines above the screen captured while a client starts, so the command line is found
/// even when the client's first screen pushed it up.
const START_SCROLLBACK: u32 = 200;

/// How long the steps of starting and stopping may take.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// From typing the command to the input box.
    pub start: Duration,
    /// From `/exit` to the shell, before the client is ended by signal.
    pub stop: Duration,
}

/// Types the start command into the pane's shell and waits for the input box. A trust
/// dialog (the folder was not pre-accepted) is answered "yes". Fails when the client
/// says the conversation does not exist under this account, or when the box never
/// comes.
pub fn start(tmux: &Tmux, pane: &str, command: &str, waits: Waits) -> Result<()> {
    typing::shell_line(tmux, pane, command, tmux.enter_delay())
        .with_context(|| format!("could not type the start command into pane {pane}"))?;
    let started = Instant::now();
    let mut answered_trust = false;
    loop {
        // Only what the client printed after the command line counts: an old error or an
        // `echo` above it never decides.
        let capture = tmux.capture(&[pane], START_SCROLLBACK)?.remove(pane).unwrap_or_default();
        let text = typing::after_typed(&capture, command).unwrap_or(capture);
        let screen = screen::parse(&text);
        if text.contains("No conversation found with session ID") {
            bail!(
                "pane {pane}: the client found no such conversation under this account (are the shared links in place?)"
            );
        }
        match screen.activity() {
            ScreenActivity::Idle if screen.input_box().is_some() => return Ok(()),
            ScreenActivity::TrustDialog if !answered_trust => {
                tmux.send_keys(pane, &["Enter"])?;
                answered_trust = true;
            }
            _ => {}
        }
        if started.elapsed() > waits.start {
            bail!("pane {pane}: Claude did not reach its input box within {:?}", waits.start);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How a client left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// `/exit` worked; the client printed this resume id.
    Exited { resume_id: Option<String> },
    /// It did not leave in time and was ended by signal.
    Killed,
    /// Nothing was running.
    NotRunning,
}

/// Stops the client in the pane and waits for its shell. Escape first (a modal such as
/// the Pro plan's limit dialog holds the keyboard), then `/exit` and Enter (the slash
/// menu opens first), then SIGTERM and SIGKILL to the client's processes if it has not
/// left after `waits.stop`. `pane_pid` is the pane's shell.
pub fn stop(tmux: &Tmux, pane: &str, pane_pid: u32, waits: Waits) -> Result<Stopped> {
    if process::children(pane_pid).is_empty() {
        return Ok(Stopped::NotRunning);
    }
    tmux.send_keys(pane, &["Escape"])?;
    std::thread::sleep(Duration::from_millis(200));
    tmux.send_literal(pane, "/exit")?;
    std::thread::sleep(Duration::from_millis(300));
    tmux.send_keys(pane, &["Enter"])?;
    let started = Instant::now();
    while started.elapsed() < waits.stop {
        if process::children(pane_pid).is_empty() {
            // The parting lines may land just after the process is gone.
            let mut resume_id = None;
            for _ in 0..5 {
                resume_id = screen::parse(&tmux.capture_one(pane)?).resume_id().map(str::to_owned);
                if resume_id.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            return Ok(Stopped::Exited { resume_id });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        for pid in process::children(pane_pid) {
            // SAFETY: kill(2) has no memory effects; the pid is a child of the pane's shell.
            unsafe { libc::kill(pid as libc::pid_t, signal) };
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if process::children(pane_pid).is_empty() {
                return Ok(Stopped::Killed);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    bail!("pane {pane}: the client's processes survived SIGKILL")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Account;
    use std::path::PathBuf;

    #[test]
    fn command_line_quotes_every_word() {
        let mut config = Config::default();
        config.claude.binary = "/opt/claude code/claude".to_owned();
        config.claude.args = vec!["--dangerously-skip-permissions".to_owned()];
        let account = Account { name: "b".to_owned(), home: PathBuf::from("/h/it's b"), ..Default::default() };
        let line = command_line(
            &config,
            &account,
            &Launch { resume: Some("16f0303f-a5ff-4bff-aa41-ae805466f957"), model: Some("opus") },
        );
        assert_eq!(
            line,
            "CLAUDE_CONFIG_DIR='/h/it'\\''s b' '/opt/claude code/claude' --dangerously-skip-permissions --model opus --resume 16f0303f-a5ff-4bff-aa41-ae805466f957"
        );
    }

    #[test]
    fn trust_is_added_without_touching_other_keys() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join(".claude.json");
        std::fs::write(
            &file,
            r#"{"numStartups": 3, "projects": {"/old": {"hasTrustDialogAccepted": true, "x": 1}}, "userID": "u"}"#,
        )
        .unwrap();
        assert!(pre_accept_trust(home.path(), Path::new("/work/app")).unwrap());
        assert!(!pre_accept_trust(home.path(), Path::new("/work/app")).unwrap(), "twice is once");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(doc["projects"]["/work/app"]["hasTrustDialogAccepted"], true);
        assert_eq!(doc["projects"]["/old"]["x"], 1);
        assert_eq!(doc["userID"], "u");
        let keys: Vec<_> = doc.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["numStartups", "projects", "userID"], "key order kept");
    }

    #[test]
    fn unparsable_claude_json_is_left_alone() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".claude.json"), "{ nope").unwrap();
        assert!(pre_accept_trust(home.path(), Path::new("/w")).is_err());
        assert_eq!(std::fs::read_to_string(home.path().join(".claude.json")).unwrap(), "{ nope");
    }
}
