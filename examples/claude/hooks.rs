//! Hooks: reading their configuration and running them the way the real client does.
//!
//! At every event the settings are read again (`$CLAUDE_CONFIG_DIR/settings.json`, then
//! the project's `.claude/settings.json` and `.claude/settings.local.json`), so hooks
//! added mid-session take effect at the next event. Each command runs as
//! `/bin/sh -c <command>` in the project dir, in its own process group (detached from
//! the pane's job control), with the payload as one line of JSON on stdin and
//! `CLAUDE_CODE_SESSION_ID` / `CLAUDE_PROJECT_DIR` added to the inherited environment.
//! Whether the caller waits (Stop, UserPromptSubmit) or not (the rest) is the caller's
//! business: this module only starts, polls, reaps and kills.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

/// The events the stand-in fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    SessionStart,
    UserPromptSubmit,
    Stop,
    StopFailure,
    Notification,
    SessionEnd,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::SessionStart => "SessionStart",
            Event::UserPromptSubmit => "UserPromptSubmit",
            Event::Stop => "Stop",
            Event::StopFailure => "StopFailure",
            Event::Notification => "Notification",
            Event::SessionEnd => "SessionEnd",
        }
    }
}

/// `effort` in Stop / StopFailure payloads.
#[derive(Debug, Clone, Serialize)]
pub struct Effort {
    pub level: &'static str,
}

/// One hook payload. Fields are declared in the order the real client writes them and
/// absent fields are skipped, so each event carries exactly the fields of the captures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Payload {
    pub session_id: String,
    pub transcript_path: String,
    pub cwd: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    pub hook_event_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_hook_active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_assistant_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_tasks: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_crons: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// What a matcher is compared with for an event (SessionStart's source, …).
fn match_value(payload: &Payload) -> Option<&str> {
    payload.source.or(payload.notification_type).or(payload.reason).or(payload.error)
}

#[derive(Debug, Clone)]
struct HookCommand {
    command: String,
    timeout: Duration,
}

/// Default per-hook timeout when the settings give none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

fn settings_files(config_dir: &Path, project_dir: &Path) -> Vec<PathBuf> {
    vec![
        config_dir.join("settings.json"),
        project_dir.join(".claude").join("settings.json"),
        project_dir.join(".claude").join("settings.local.json"),
    ]
}

fn matcher_accepts(matcher: Option<&str>, value: Option<&str>) -> bool {
    let Some(matcher) = matcher.filter(|m| !m.is_empty() && *m != "*") else { return true };
    let Some(value) = value else { return true };
    match regex::Regex::new(&format!("^(?:{matcher})$")) {
        Ok(re) => re.is_match(value),
        Err(_) => matcher == value,
    }
}

fn commands_for(config_dir: &Path, project_dir: &Path, event: Event, payload: &Payload) -> Vec<HookCommand> {
    let mut out = Vec::new();
    for file in settings_files(config_dir, project_dir) {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let Ok(settings) = serde_json::from_str::<Value>(&text) else { continue };
        let Some(groups) = settings.pointer(&format!("/hooks/{}", event.name())).and_then(Value::as_array) else {
            continue;
        };
        for group in groups {
            if !matcher_accepts(group.get("matcher").and_then(Value::as_str), match_value(payload)) {
                continue;
            }
            for hook in group.get("hooks").and_then(Value::as_array).into_iter().flatten() {
                if hook.get("type").and_then(Value::as_str).unwrap_or("command") != "command" {
                    continue;
                }
                let Some(command) = hook.get("command").and_then(Value::as_str) else { continue };
                let timeout = hook
                    .get("timeout")
                    .and_then(Value::as_f64)
                    .filter(|t| *t > 0.0)
                    .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
                out.push(HookCommand { command: command.to_owned(), timeout });
            }
        }
    }
    out
}

/// Where and with what a hook runs.
#[derive(Debug, Clone)]
pub struct HookEnv {
    pub config_dir: PathBuf,
    pub project_dir: PathBuf,
    pub entrypoint: &'static str,
}

struct RunningHook {
    child: Child,
    deadline: Instant,
    stderr: Option<JoinHandle<String>>,
    status: Option<Option<i32>>,
    stderr_text: String,
}

/// A hook that exited non-zero (or was killed at its timeout).
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: Option<i32>,
    pub stderr: String,
}

/// Every command configured for one event, started together.
pub struct HookRun {
    pub event: Event,
    /// The SessionStart source, for the error line (`SessionStart:startup hook error`).
    pub source: Option<&'static str>,
    hooks: Vec<RunningHook>,
}

impl HookRun {
    /// Starts every hook configured for `payload`'s event. Spawn failures count as a
    /// failed hook, like a command that is not found.
    pub fn start(env: &HookEnv, event: Event, payload: &Payload, session_id: &str) -> HookRun {
        let line = serde_json::to_string(payload).unwrap_or_default();
        let mut hooks = Vec::new();
        for hook in commands_for(&env.config_dir, &env.project_dir, event, payload) {
            let spawned = Command::new("/bin/sh")
                .arg("-c")
                .arg(&hook.command)
                .current_dir(&env.project_dir)
                .env("CLAUDECODE", "1")
                .env("CLAUDE_CODE_ENTRYPOINT", env.entrypoint)
                .env("CLAUDE_CODE_SESSION_ID", session_id)
                .env("CLAUDE_PROJECT_DIR", &env.project_dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .process_group(0)
                .spawn();
            match spawned {
                Ok(mut child) => {
                    if let Some(mut stdin) = child.stdin.take() {
                        // A hook that never reads stdin must not stall the client.
                        let text = format!("{line}\n");
                        std::thread::spawn(move || {
                            let _ = stdin.write_all(text.as_bytes());
                        });
                    }
                    let stderr = child.stderr.take().map(|mut pipe| {
                        std::thread::spawn(move || {
                            let mut text = String::new();
                            let _ = pipe.read_to_string(&mut text);
                            text
                        })
                    });
                    hooks.push(RunningHook {
                        child,
                        deadline: Instant::now() + hook.timeout,
                        stderr,
                        status: None,
                        stderr_text: String::new(),
                    });
                }
                Err(err) => eprintln!("claude stand-in: could not start hook {:?}: {err}", hook.command),
            }
        }
        HookRun { event, source: payload.source, hooks }
    }

    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    pub fn len(&self) -> usize {
        self.hooks.len()
    }

    /// Reaps what finished and kills what passed its timeout; true when all are done.
    pub fn poll(&mut self) -> bool {
        let now = Instant::now();
        for hook in &mut self.hooks {
            if hook.status.is_some() {
                continue;
            }
            match hook.child.try_wait() {
                Ok(Some(status)) => hook.status = Some(status.code()),
                Ok(None) if now >= hook.deadline => {
                    crate::tty::kill_group(hook.child.id());
                    let _ = hook.child.wait();
                    hook.status = Some(None);
                }
                Ok(None) => continue,
                Err(_) => hook.status = Some(None),
            }
            if let Some(reader) = hook.stderr.take() {
                hook.stderr_text = reader.join().unwrap_or_default();
            }
        }
        self.hooks.iter().all(|h| h.status.is_some())
    }

    /// Waits until every hook is done or `limit` passes, then kills the rest (the
    /// SessionEnd rule: about 1.5 s after exiting starts).
    pub fn wait(&mut self, limit: Duration) {
        let until = Instant::now() + limit;
        while !self.poll() {
            if Instant::now() >= until {
                self.kill_all();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill_all(&mut self) {
        for hook in &mut self.hooks {
            if hook.status.is_none() {
                crate::tty::kill_group(hook.child.id());
                let _ = hook.child.wait();
                hook.status = Some(None);
            }
        }
    }

    /// The hooks that did not exit 0 (call after [`HookRun::poll`] returned true).
    pub fn failures(&self) -> Vec<Failure> {
        self.hooks
            .iter()
            .filter(|h| h.status != Some(Some(0)))
            .map(|h| Failure { code: h.status.flatten(), stderr: h.stderr_text.trim().to_owned() })
            .collect()
    }
}

/// The text after "Failed with non-blocking status code: ".
pub fn failure_detail(failure: &Failure) -> String {
    if failure.stderr.is_empty() { "No stderr output".to_owned() } else { failure.stderr.clone() }
}
