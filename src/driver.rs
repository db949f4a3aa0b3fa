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

use crate::client;
use crate::config::{Account, Config};
use crate::json_file;
use crate::process;
use crate::screen::{self, Answer, Dialog, DialogKind, ScreenActivity};
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
/// `CLAUDE_CONFIG_DIR='<home>' [NAME='value' …] '<claude>' <args> [--model M] [--resume ID]`,
/// the variables being `claude.env`.
pub fn command_line(config: &Config, account: &Account, launch: &Launch<'_>) -> String {
    let mut words = vec![format!("CLAUDE_CONFIG_DIR={}", quote(&account.home.display().to_string()))];
    words.extend(config.claude.env.iter().map(|(name, value)| format!("{name}={}", quote(value))));
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
/// dialog would, keeping every other key in order: both as configured and as its real
/// path (the client looks up the folder it runs in, symlinks resolved). The file is
/// replaced atomically with its permissions kept. This only saves a dialog: a client
/// starting up rewrites `.claude.json` from its own copy and may drop the entry, so
/// [`start`] still answers the dialog when it shows.
pub fn pre_accept_trust(home: &Path, dir: &Path) -> Result<bool> {
    // Read-modify-write: two threads starting sessions at once must not lose an entry.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut paths = vec![dir.display().to_string()];
    if let Ok(real) = std::fs::canonicalize(dir)
        && real != dir
    {
        paths.push(real.display().to_string());
    }
    json_file::edit(&home.join(".claude.json"), true, |document| {
        let root = document.as_object_mut().ok_or("not a JSON object")?;
        let projects = root.entry("projects").or_insert_with(|| json!({}));
        let projects = projects.as_object_mut().ok_or("\"projects\" is not an object")?;
        let mut changed = false;
        for path in &paths {
            let project = projects.entry(path.clone()).or_insert_with(|| json!({}));
            let project = project.as_object_mut().ok_or("a project entry is not an object")?;
            if project.get("hasTrustDialogAccepted") != Some(&Value::Bool(true)) {
                project.insert("hasTrustDialogAccepted".to_owned(), Value::Bool(true));
                changed = true;
            }
        }
        Ok((changed, changed))
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

/// Types the start command into the pane's shell and waits until the client is at its
/// input box. Ready means: no dialog on the screen, the box drawn (its structure, never
/// its footer, which differs by permission mode and version), and the client's own
/// `sessions/<pid>.json` (under `home`), when it has one, not waiting on something.
///
/// The dialogs a start meets (trust, bypass permissions) are answered by meaning: the
/// option whose words say "yes" is found, the selector moved to it, and Enter pressed only
/// once the screen shows it selected; each time one appears, since a client may ask again
/// after rewriting `.claude.json`. A dialog with no such option, or any other dialog,
/// fails the start with its text. Fails too when the client says the conversation does
/// not exist under this account, or when the box never comes.
pub fn start(tmux: &Tmux, pane: &str, command: &str, home: &Path, waits: Waits) -> Result<()> {
    type_start(tmux, pane, command)?;
    wait_ready(tmux, pane, command, home, waits)
}

/// The first half of [`start`]: the start command typed into the pane's shell and
/// entered. A swap times it apart from the wait, and a run that finds a start begun by
/// a run that died goes straight to [`wait_ready`].
pub fn type_start(tmux: &Tmux, pane: &str, command: &str) -> Result<()> {
    typing::shell_line(tmux, pane, command, tmux.enter_delay())
        .with_context(|| format!("could not type the start command into pane {pane}"))
}

/// The second half of [`start`]: waits until the client started by `command` is at its
/// input box, answering the start-up dialogs on the way.
pub fn wait_ready(tmux: &Tmux, pane: &str, command: &str, home: &Path, waits: Waits) -> Result<()> {
    let pane_pid = tmux.observe().ok().and_then(|o| o.pane_by_id(pane).map(|p| p.pid));
    let started = Instant::now();
    let mut confirmed_at: Option<Instant> = None;
    // The selection when arrow keys were last sent: the selector wraps (2.1.332), so a
    // key sent again before the screen shows the first one lands past "yes".
    let mut moved: Option<(Option<usize>, Instant)> = None;
    // When "yes" was first seen selected: Enter waits until it is still so a moment
    // later, since a client that rewrites `.claude.json` at start-up may draw the dialog
    // anew with "No, exit" selected just as an old frame shows "yes" (seen with 2.1.332).
    let mut yes_since: Option<Instant> = None;
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
        let client_waiting = pane_pid.is_some_and(|pid| {
            let clients = client::running_clients("", home);
            client::client_in_pane(&clients, pane, pid).is_some_and(|c| c.state.status == "waiting")
        });
        match (screen.dialog(), screen.input_box()) {
            (Some(dialog), _) => {
                // After Enter, give the client a moment to take the dialog down.
                let settled = confirmed_at.is_none_or(|at| at.elapsed() > Duration::from_millis(1500));
                let selected = dialog.options.iter().position(|o| o.selected);
                let drawn =
                    moved.is_none_or(|(before, at)| before != selected || at.elapsed() > Duration::from_secs(3));
                if settled && drawn {
                    match step_towards_yes(dialog, pane)? {
                        Step::Keys(keys) => {
                            tmux.send_keys(pane, &keys)?;
                            moved = Some((selected, Instant::now()));
                            yes_since = None;
                        }
                        Step::Confirm if yes_since.is_none_or(|at| at.elapsed() < YES_STEADY) => {
                            yes_since.get_or_insert_with(Instant::now);
                        }
                        Step::Confirm => {
                            tmux.send_keys(pane, &["Enter"])?;
                            confirmed_at = Some(Instant::now());
                            moved = None;
                            yes_since = None;
                        }
                    }
                }
            }
            (None, Some(_)) if screen.activity() != ScreenActivity::Shell && !client_waiting => return Ok(()),
            (None, _) => yes_since = None,
        }
        if started.elapsed() > waits.start {
            let last: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            bail!(
                "pane {pane}: Claude did not reach its input box within {:?}; the pane ends with: {}",
                waits.start,
                last[last.len().saturating_sub(6)..].join(" | ")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How long a dialog's "yes" must stay selected on screen before Enter is pressed.
const YES_STEADY: Duration = Duration::from_millis(400);

/// What to press next at a dialog a start must get past.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Move the selector (arrow keys); look again before confirming.
    Keys(Vec<&'static str>),
    /// The "yes" option is selected: press Enter.
    Confirm,
}

/// Pure: the next key(s) towards the dialog's "yes" option, or why there is none.
fn step_towards_yes(dialog: &Dialog, pane: &str) -> Result<Step> {
    let describe = || dialog.options.iter().map(|o| o.text.as_str()).collect::<Vec<_>>().join(" / ");
    if !matches!(dialog.kind, DialogKind::Trust | DialogKind::BypassPermissions) {
        bail!(
            "pane {pane}: the client shows a {:?} dialog at start-up ({}); answer it by hand",
            dialog.kind,
            describe()
        );
    }
    let Some(target) = dialog.option_for(Answer::GoOn) else {
        bail!("pane {pane}: the {:?} dialog has no option that means yes ({}); not answered", dialog.kind, describe());
    };
    let keys = dialog.keys_to(target);
    Ok(if keys.is_empty() { Step::Confirm } else { Step::Keys(keys) })
}

/// Empties the input box and types `/exit` into it; true when the box shows exactly
/// that (then Enter may be pressed). A screen without a box (a modal holds the keyboard)
/// gets `/exit` as before. False: the box would not empty or showed something else; it
/// is cleared, and the caller's wait ends in signals rather than a turn on the old account.
fn exit_typed_alone(tmux: &Tmux, pane: &str) -> Result<bool> {
    let box_text = |tmux: &Tmux| -> Result<Option<String>> {
        Ok(screen::parse(&tmux.capture_one(pane)?).input_box().map(|b| b.text.clone()))
    };
    let settled = |tmux: &Tmux, want: &str| -> Result<Option<bool>> {
        let deadline = Instant::now() + Duration::from_millis(1500);
        loop {
            match box_text(tmux)? {
                None => return Ok(None),
                Some(text) if typing::signature(&text) == want => return Ok(Some(true)),
                Some(_) if Instant::now() >= deadline => return Ok(Some(false)),
                Some(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    };
    // A prompt put back late lands on the `/exit` typed: start again, a few times.
    for _ in 0..3 {
        let mut empty = None;
        for _ in 0..4 {
            tmux.send_keys(pane, &typing::CLEAR_KEYS)?;
            empty = settled(tmux, "")?;
            if empty != Some(false) {
                break;
            }
            // A line above what was cleared: join it, then clear again.
            tmux.send_keys(pane, &["BSpace"])?;
        }
        if empty == Some(false) {
            return Ok(false);
        }
        tmux.send_literal(pane, "/exit")?;
        if empty.is_none() {
            return Ok(true);
        }
        if settled(tmux, "/exit")? != Some(false) {
            return Ok(true);
        }
    }
    tmux.send_keys(pane, &typing::CLEAR_KEYS)?;
    Ok(false)
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
    // Escape puts an interrupted prompt back into the box (both versions), on a slow
    // machine after a while, and a dispatched prompt spans two lines (its token):
    // `/exit` typed after what is left would be sent to the account being left as a new
    // turn. So the box is emptied and seen empty, and Enter pressed only on `/exit` alone.
    if exit_typed_alone(tmux, pane)? {
        std::thread::sleep(Duration::from_millis(300));
        tmux.send_keys(pane, &["Enter"])?;
    }
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
    fn claude_env_goes_on_every_command_line_after_the_config_dir() {
        let mut config = Config::default();
        config.claude.env.insert("ANTHROPIC_BASE_URL".to_owned(), "http://127.0.0.1:8765".to_owned());
        config.claude.env.insert("HTTPS_PROXY".to_owned(), "http://proxy:3128/a b".to_owned());
        let account = Account { name: "a".to_owned(), home: PathBuf::from("/h/a"), ..Default::default() };
        assert_eq!(
            command_line(&config, &account, &Launch { resume: None, model: Some("sonnet") }),
            "CLAUDE_CONFIG_DIR=/h/a ANTHROPIC_BASE_URL=http://127.0.0.1:8765 HTTPS_PROXY='http://proxy:3128/a b' claude --model sonnet"
        );
    }

    #[test]
    fn trust_is_written_for_the_configured_and_the_real_path() {
        let home = tempfile::tempdir().unwrap();
        let real = home.path().join("real-project");
        std::fs::create_dir(&real).unwrap();
        let link = home.path().join("link-project");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(pre_accept_trust(home.path(), &link).unwrap());
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(home.path().join(".claude.json")).unwrap()).unwrap();
        let real = std::fs::canonicalize(&real).unwrap();
        assert_eq!(doc["projects"][link.display().to_string()]["hasTrustDialogAccepted"], true);
        assert_eq!(doc["projects"][real.display().to_string()]["hasTrustDialogAccepted"], true);
        assert!(!pre_accept_trust(home.path(), &link).unwrap(), "both present: nothing to write");
    }

    fn dialog(kind: DialogKind, options: &[(&str, bool)]) -> Dialog {
        Dialog {
            kind,
            options: options
                .iter()
                .map(|(text, selected)| screen::DialogOption {
                    number: None,
                    text: (*text).to_owned(),
                    selected: *selected,
                })
                .collect(),
        }
    }

    #[test]
    fn a_start_moves_to_yes_and_confirms_only_once_it_is_selected() {
        let no_first = dialog(DialogKind::Trust, &[("No, exit", true), ("Yes, I trust this folder", false)]);
        assert_eq!(step_towards_yes(&no_first, "%1").unwrap(), Step::Keys(vec!["Down"]));
        let moved = dialog(DialogKind::Trust, &[("No, exit", false), ("Yes, I trust this folder", true)]);
        assert_eq!(step_towards_yes(&moved, "%1").unwrap(), Step::Confirm);
        let bypass = dialog(DialogKind::BypassPermissions, &[("No, exit", true), ("Yes, I accept", false)]);
        assert_eq!(step_towards_yes(&bypass, "%1").unwrap(), Step::Keys(vec!["Down"]));
        let no_yes = dialog(DialogKind::Trust, &[("No, exit", true)]);
        let err = step_towards_yes(&no_yes, "%1").unwrap_err().to_string();
        assert!(err.contains("no option that means yes") && err.contains("No, exit"), "{err}");
        let permission = dialog(DialogKind::Permission, &[("Yes", true), ("No", false)]);
        assert!(step_towards_yes(&permission, "%1").is_err(), "a start never approves a tool");
    }

    #[test]
    fn unparsable_claude_json_is_left_alone() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".claude.json"), "{ nope").unwrap();
        assert!(pre_accept_trust(home.path(), Path::new("/w")).is_err());
        assert_eq!(std::fs::read_to_string(home.path().join(".claude.json")).unwrap(), "{ nope");
    }
}
