//! Claude Code hook events: the spool they are appended to and the entries that make
//! the client run `ccfail hook`.
//!
//! The hook runs inside Claude Code's turn (a Stop hook holds the turn open until it
//! returns, SessionEnd hooks are killed after ~1.5 s, stdout may reach the model), so
//! the writer side is one `O_APPEND` write of one JSON line, with no state lock and no
//! tmux call. The pane is recorded as `TMUX_PANE` and the server as the socket from
//! `TMUX`; readers map pane to session with the observe they make anyway. Readers
//! consume the spool from an offset kept in state and leave a torn last line for the
//! next run. The spool is opened as [`crate::files`] says: in a state dir that is the
//! user's own, never through a symlink, never blocking, only a regular file.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The spool's file name in the state dir.
pub const SPOOL_FILE: &str = "events.jsonl";
/// The events ccfail installs hooks for.
pub const EVENTS: [&str; 6] = ["SessionStart", "UserPromptSubmit", "Stop", "StopFailure", "Notification", "SessionEnd"];
/// Seconds Claude Code gives the hook before killing it.
pub const HOOK_TIMEOUT_SECS: u64 = 5;
/// Longest `last_message` kept: the limit texts are one line; replies can be long.
const MAX_MESSAGE_CHARS: usize = 2000;

/// One hook run, as appended to the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookEvent {
    pub at: DateTime<Utc>,
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `TMUX_PANE` of the client, such as `%3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pane: Option<String>,
    /// The tmux server's socket, from `TMUX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmux_socket: Option<String>,
    /// SessionStart: `startup`, `resume`, `clear`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// StopFailure: `rate_limit` (any 429) or `server_error` (500, 529).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Stop / StopFailure: the text the screen shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// SessionEnd: `prompt_input_exit`, `clear`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Notification: `idle_prompt`, `permission_prompt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
    /// UserPromptSubmit: the prompt as the client took it (the delivery proof reads its
    /// token; see [`crate::delivery`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The client's id of the prompt (UserPromptSubmit, Stop, StopFailure): which turn an
    /// event belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
}

impl HookEvent {
    /// Builds the event from the client's payload and the hook's environment.
    pub fn from_payload(
        payload: &Value,
        at: DateTime<Utc>,
        tmux_pane: Option<&str>,
        tmux: Option<&str>,
    ) -> Result<HookEvent, String> {
        let object = payload.as_object().ok_or("the hook payload is not a JSON object")?;
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        let event = text("hook_event_name").ok_or("the hook payload has no hook_event_name")?;
        Ok(HookEvent {
            at,
            event,
            session_id: text("session_id"),
            transcript_path: text("transcript_path"),
            cwd: text("cwd"),
            pane: tmux_pane.filter(|p| !p.is_empty()).map(str::to_owned),
            tmux_socket: tmux.and_then(|t| t.split(',').next()).filter(|s| !s.is_empty()).map(str::to_owned),
            source: text("source"),
            error: text("error"),
            last_message: text("last_assistant_message").map(|m| m.chars().take(MAX_MESSAGE_CHARS).collect()),
            reason: text("reason"),
            notification: text("notification_type"),
            // The end is kept: ccfail's token closes its prompts.
            prompt: text("prompt").map(|m| {
                let skip = m.chars().count().saturating_sub(MAX_MESSAGE_CHARS);
                m.chars().skip(skip).collect()
            }),
            prompt_id: text("prompt_id"),
        })
    }
}

/// Appends one event with a single `write` on an `O_APPEND` descriptor, so concurrent
/// hooks never interleave and a reader never sees half a line from a finished hook.
/// The line starts with a newline too: a line torn by a hook killed mid-write is ended
/// there, as a bad line of its own, instead of swallowing this event.
pub fn append(spool: &Path, event: &HookEvent) -> io::Result<()> {
    let mut line = vec![b'\n'];
    serde_json::to_writer(&mut line, event).map_err(io::Error::other)?;
    line.push(b'\n');
    // The state dir is made by `hooks install` and by every run that writes state; a
    // hook never creates it, so a removed setup is not brought back by a late client.
    let dir = spool.parent().unwrap_or(Path::new("."));
    if let Some(unsafe_dir) = crate::files::private_dir_problem(dir)? {
        return Err(io::Error::other(format!(
            "state dir {} {}: refused. Fix: {}",
            dir.display(),
            unsafe_dir.problem,
            unsafe_dir.fix
        )));
    }
    crate::files::open_append(spool)?.write_all(&line)
}

/// Events after `offset`, and the offset after the last complete line. A torn last
/// line (a hook still writing, or killed mid-write) is left for the next run; a line
/// that does not parse is skipped and reported.
#[derive(Debug)]
pub struct SpoolRead {
    pub events: Vec<HookEvent>,
    pub next_offset: u64,
    pub skipped: Vec<String>,
}

pub fn read_from(spool: &Path, offset: u64) -> io::Result<SpoolRead> {
    let mut file = match crate::files::open_read(spool) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Ok(SpoolRead { events: Vec::new(), next_offset: 0, skipped: Vec::new() });
        }
        Err(err) => return Err(err),
    };
    let len = file.metadata()?.len();
    // A spool shorter than the offset was replaced (compacted): read it from the start.
    let start = if offset > len { 0 } else { offset };
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut events = Vec::new();
    let mut skipped = Vec::new();
    for line in bytes[..complete].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<HookEvent>(line) {
            Ok(event) => events.push(event),
            Err(err) => {
                skipped.push(format!("{}: {err}", String::from_utf8_lossy(line).chars().take(80).collect::<String>()));
            }
        }
    }
    Ok(SpoolRead { events, next_offset: start + complete as u64, skipped })
}

/// Whether an event came from the tmux server on `ours` (an event or a server that does
/// not say which is taken as ours).
pub fn from_server(event: &HookEvent, ours: Option<&Path>) -> bool {
    match (ours, event.tmux_socket.as_deref()) {
        (Some(ours), Some(theirs)) => crate::accounts::same_place(ours, Path::new(theirs)),
        _ => true,
    }
}

/// The command line Claude Code runs for ccfail's hook.
pub fn hook_command(ccfail: &Path, spool: &Path) -> String {
    format!(
        "{} hook --spool {}",
        crate::driver::quote(&ccfail.display().to_string()),
        crate::driver::quote(&spool.display().to_string())
    )
}

/// Whether a hook command is one ccfail installed (any ccfail path, any spool).
pub fn is_ccfail_hook(command: &str) -> bool {
    let words = shell_words(command);
    matches!(words.as_slice(), [program, hook, spool, ..]
        if Path::new(program).file_name().is_some_and(|name| name == "ccfail") && hook == "hook" && spool == "--spool")
}

/// The spool a ccfail hook command appends to.
pub fn hook_spool(command: &str) -> Option<PathBuf> {
    let words = shell_words(command);
    is_ccfail_hook(command).then(|| words.get(3).map(PathBuf::from)).flatten()
}

/// Every ccfail hook command in a settings document.
pub fn ccfail_commands(settings: &Value) -> Vec<String> {
    let Some(hooks) = settings.get("hooks").and_then(Value::as_object) else { return Vec::new() };
    hooks
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|group| group.get("hooks").and_then(Value::as_array))
        .flatten()
        .filter_map(|entry| entry.get("command").and_then(Value::as_str))
        .filter(|command| is_ccfail_hook(command))
        .map(str::to_owned)
        .collect()
}

/// Splits a command line the way `/bin/sh` would for the forms [`crate::driver::quote`] writes:
/// bare words, single-quoted words, and backslash escapes outside quotes.
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                current.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// What a merge changed in one `settings.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MergeChange {
    pub added: usize,
    pub replaced: usize,
    pub removed: usize,
}

/// Puts `command` under every event in [`EVENTS`] of a settings document, keeping every
/// other key and every other hook. An older ccfail hook command (another binary path
/// or spool) is replaced; an identical one is left alone, so twice is once.
pub fn install_into(settings: &mut Value, command: &str) -> Result<MergeChange, String> {
    let root = settings.as_object_mut().ok_or("settings.json is not a JSON object")?;
    let hooks = root.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
    let hooks = hooks.as_object_mut().ok_or("settings.json: \"hooks\" is not an object")?;
    let mut change = MergeChange::default();
    for event in EVENTS {
        let groups = hooks.entry(event).or_insert_with(|| Value::Array(Vec::new()));
        let groups = groups.as_array_mut().ok_or_else(|| format!("settings.json: hooks.{event} is not a list"))?;
        let mut present = false;
        for group in groups.iter_mut() {
            let Some(entries) = group.get_mut("hooks").and_then(Value::as_array_mut) else { continue };
            for entry in entries.iter_mut() {
                let Some(existing) = entry.get("command").and_then(Value::as_str) else { continue };
                if !is_ccfail_hook(existing) {
                    continue;
                }
                if existing != command || present {
                    change.replaced += 1;
                }
                *entry = hook_entry(command);
                present = true;
            }
        }
        // Keep one ccfail entry per event, whatever an older install left.
        let mut kept = false;
        for group in groups.iter_mut() {
            if let Some(entries) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                entries.retain(|entry| {
                    let ours = entry.get("command").and_then(Value::as_str).is_some_and(is_ccfail_hook);
                    let keep = !ours || !kept;
                    kept |= ours;
                    keep
                });
            }
        }
        groups.retain(|group| group.get("hooks").and_then(Value::as_array).is_none_or(|e| !e.is_empty()));
        if !present {
            groups.push(json!({ "hooks": [hook_entry(command)] }));
            change.added += 1;
        }
    }
    Ok(change)
}

/// Removes every ccfail hook entry, then any group, event list or `hooks` object that
/// only ccfail's entry had made non-empty. Everything else stays as it was.
pub fn uninstall_from(settings: &mut Value) -> Result<MergeChange, String> {
    let mut change = MergeChange::default();
    let Some(root) = settings.as_object_mut() else { return Err("settings.json is not a JSON object".to_owned()) };
    let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) else { return Ok(change) };
    for event in EVENTS {
        let Some(groups) = hooks.get_mut(event).and_then(Value::as_array_mut) else { continue };
        for group in groups.iter_mut() {
            if let Some(entries) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                let before = entries.len();
                entries.retain(|entry| !entry.get("command").and_then(Value::as_str).is_some_and(is_ccfail_hook));
                change.removed += before - entries.len();
            }
        }
        groups.retain(|group| group.get("hooks").and_then(Value::as_array).is_none_or(|e| !e.is_empty()));
        if groups.is_empty() {
            hooks.remove(event);
        }
    }
    if hooks.is_empty() {
        root.remove("hooks");
    }
    Ok(change)
}

/// Events of a settings document that lack a ccfail hook.
pub fn missing_events(settings: &Value) -> Vec<&'static str> {
    EVENTS
        .into_iter()
        .filter(|event| {
            let commands = settings
                .pointer(&format!("/hooks/{event}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|group| group.get("hooks").and_then(Value::as_array))
                .flatten()
                .filter_map(|entry| entry.get("command").and_then(Value::as_str));
            !commands.into_iter().any(is_ccfail_hook)
        })
        .collect()
}

fn hook_entry(command: &str) -> Value {
    json!({ "type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS })
}

/// `<home>/settings.json`.
pub fn settings_file(home: &Path) -> PathBuf {
    home.join("settings.json")
}

#[cfg(test)]
mod tests;
