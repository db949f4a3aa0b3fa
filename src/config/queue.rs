//! The task queue's config sections: `dispatch`, `watch`, `checkpoint` and `janitor`.
//!
//! Types and documented defaults only; their rules live in `validate.rs` and every key
//! is documented in `examples/config.yaml`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::HumanDuration;

/// The placeholders a [`DispatchConfig::prompt`] may use.
pub const PROMPT_PLACEHOLDERS: [&str; 6] = ["task_path", "id", "project", "project_path", "title", "session"];
/// The placeholders a [`WatchConfig::done_file`] may use.
pub const DONE_FILE_PLACEHOLDERS: [&str; 4] = ["id", "project", "project_path", "session"];

/// How `ccfail dispatch` hands tasks to free pool sessions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DispatchConfig {
    /// A pool session gets no new task until this long after its last dispatch.
    pub session_cooldown: HumanDuration,
    /// The model Claude is started with for a task of each priority (a task's own
    /// `model` wins).
    pub models: DispatchModels,
    /// What is typed into the session, literally, on one line. Placeholders:
    /// `{task_path}` (required), `{id}`, `{project}`, `{project_path}`, `{title}`,
    /// `{session}`.
    pub prompt: String,
    /// Tries a task gets; the next failure sends it to `failed/`.
    pub max_attempts: u32,
    /// How long a start may take to reach the input box (dispatch, watch-once, launch).
    pub start_wait: HumanDuration,
    /// How long a sent prompt may take to show as submitted, per try.
    pub submit_wait: HumanDuration,
}

pub const DEFAULT_PROMPT: &str = "Read the task file {task_path} and carry it out (project {project} in {project_path}, task {id}: {title}). Stop when it is done.";

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            session_cooldown: HumanDuration::from_secs(30),
            models: DispatchModels::default(),
            prompt: DEFAULT_PROMPT.to_owned(),
            max_attempts: 3,
            start_wait: HumanDuration::from_secs(60),
            submit_wait: HumanDuration::from_secs(10),
        }
    }
}

/// Priority → model. `null` starts Claude without `--model` (its own default).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct DispatchModels {
    pub critical: Option<String>,
    pub high: Option<String>,
    pub default: Option<String>,
    pub low: Option<String>,
}

impl Default for DispatchModels {
    fn default() -> Self {
        DispatchModels {
            critical: Some("opus".to_owned()),
            high: Some("sonnet".to_owned()),
            default: Some("sonnet".to_owned()),
            low: Some("sonnet".to_owned()),
        }
    }
}

/// How `ccfail watch-once` decides that a session finished, stalled or died.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct WatchConfig {
    /// A working session whose pane shows the idle input box (no spinner) this long
    /// has finished, even when no hook or client state file said so.
    pub idle_grace: HumanDuration,
    /// A file whose existence means the task is done (the prompt can ask the agent to
    /// create it). Placeholders `{project_path}`, `{project}`, `{id}`, `{session}`;
    /// absolute after expansion. Unset: only the turn's end counts.
    pub done_file: Option<String>,
    /// Working with no activity (pane text, hook events, transcript) this long: stalled.
    pub stall_after: HumanDuration,
    /// Stalled this long (counted from the last activity): restarted, task requeued.
    pub restart_after: HumanDuration,
    /// How long `/exit` may take before the client is ended by signal.
    pub stop_wait: HumanDuration,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            idle_grace: HumanDuration::from_secs(30),
            done_file: None,
            stall_after: HumanDuration::from_secs(30 * 60),
            restart_after: HumanDuration::from_secs(60 * 60),
            stop_wait: HumanDuration::from_secs(15),
        }
    }
}

/// Snapshots of working sessions, for the swap to resume from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CheckpointConfig {
    /// Unset: `checkpoints/` in the state dir.
    pub dir: Option<PathBuf>,
    /// Snapshots kept per session, newest first.
    pub keep: usize,
    /// Pane lines kept in each snapshot.
    pub lines: u32,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig { dir: None, keep: 5, lines: 100 }
    }
}

/// What `ccfail janitor` cleans and when.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct JanitorConfig {
    /// A claimed task with no live owner this long goes back to the inbox.
    pub orphan_after: HumanDuration,
    /// Done tasks older than this move to `done/archive/YYYY-MM/`.
    pub archive_after: HumanDuration,
    /// Checkpoints older than this are deleted.
    pub checkpoint_ttl: HumanDuration,
    /// A task blocked this long is reported once.
    pub blocked_alert_after: HumanDuration,
    /// State history entries older than this are dropped.
    pub history_ttl: HumanDuration,
}

impl Default for JanitorConfig {
    fn default() -> Self {
        JanitorConfig {
            orphan_after: HumanDuration::from_secs(10 * 60),
            archive_after: HumanDuration::from_secs(7 * 86_400),
            checkpoint_ttl: HumanDuration::from_secs(7 * 86_400),
            blocked_alert_after: HumanDuration::from_secs(86_400),
            history_ttl: HumanDuration::from_secs(30 * 86_400),
        }
    }
}

/// The placeholders used in `template`, in order, e.g. `["task_path", "id"]`; `Err`
/// names an unclosed `{`.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| format!("unclosed {{ in {template:?}"))?;
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(found)
}

/// Replaces `{name}` by its value; unknown names are left as written (validation has
/// refused them).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            match values.iter().find(|(key, _)| *key == name) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(&rest[open..open + close + 2]),
            }
            rest = &after[close + 1..];
        } else {
            out.push_str(&rest[open..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_known_placeholders_only() {
        assert_eq!(placeholders("a {id} b {task_path}").unwrap(), ["id", "task_path"]);
        assert!(placeholders("a {id").is_err());
        assert_eq!(fill("x {id} {nope} {id}", &[("id", "T")]), "x T {nope} T");
        // A value that looks like a placeholder is not expanded again.
        assert_eq!(fill("{title}/{id}", &[("title", "{id}"), ("id", "T")]), "{id}/T");
    }
}
