//! The session transcript: `$CLAUDE_CONFIG_DIR/projects/<slug>/<session-id>.jsonl`, in
//! the real client's schema (see `tests/fixtures/claude-code/2.1.197/transcripts/`).
//!
//! The file is created at the first prompt, never before. Lines keep the key order of
//! the real client (an ordered builder, because `serde_json::Value` sorts keys), and
//! `parentUuid` chains each line to the previous one. Failed turns write one synthetic
//! assistant line (`model: "<synthetic>"`, `isApiErrorMessage`, `error`,
//! `apiErrorStatus`) whose text is the first line the screen shows. This module also
//! finds a transcript for `--resume` and reads it back for display.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::util::{now_iso, project_slug, random_hex, uuid_v4};

/// A JSON object built field by field and written in insertion order. It keeps
/// serialised text rather than `Value`s because `serde_json::Value` sorts object keys.
#[derive(Default)]
struct Obj(Vec<(&'static str, String)>);

impl Obj {
    fn new() -> Obj {
        Obj::default()
    }

    fn set(mut self, key: &'static str, value: impl Serialize) -> Obj {
        self.0.push((key, serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned())));
        self
    }

    fn obj(mut self, key: &'static str, nested: Obj) -> Obj {
        self.0.push((key, nested.to_json()));
        self
    }

    /// `[{"type":"text","text":…}]`, the content of a text message.
    fn text_content(self, key: &'static str, text: &str) -> Obj {
        let part = Obj::new().set("type", "text").set("text", text).to_json();
        let mut obj = self;
        obj.0.push((key, format!("[{part}]")));
        obj
    }

    fn to_json(&self) -> String {
        let fields: Vec<String> =
            self.0.iter().map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap_or_default())).collect();
        format!("{{{}}}", fields.join(","))
    }
}

/// Token usage of one reply; deterministic per reply number so tests can add them up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

impl Usage {
    pub fn for_reply(n: u32) -> Usage {
        let n = u64::from(n);
        Usage {
            input_tokens: 40 + (n * 17) % 50,
            output_tokens: 10 + (n * 29) % 40,
            cache_creation_input_tokens: (n * 101) % 500,
            cache_read_input_tokens: 1000 * (n % 7),
        }
    }
}

/// The structured limit of a usage-limit record (`quotaLimits`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLimits {
    /// `five_hour`, `seven_day`, `seven_day_opus`, …
    pub rate_limit_type: String,
    /// Epoch seconds.
    pub resets_at: i64,
}

/// Which error a failed turn records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    RateLimit,
    ServerError,
}

impl ApiError {
    pub fn name(self) -> &'static str {
        match self {
            ApiError::RateLimit => "rate_limit",
            ApiError::ServerError => "server_error",
        }
    }

    /// The API's own error type.
    pub fn api_type(self) -> &'static str {
        match self {
            ApiError::RateLimit => "rate_limit_error",
            ApiError::ServerError => "api_error",
        }
    }
}

pub struct Transcript {
    pub path: PathBuf,
    session_id: String,
    cwd: String,
    entrypoint: &'static str,
    permission_mode: &'static str,
    last_uuid: Option<String>,
    messages: u32,
}

/// Where a session's transcript lives.
pub fn path_for(config_dir: &Path, cwd: &str, session_id: &str) -> PathBuf {
    config_dir.join("projects").join(project_slug(cwd)).join(format!("{session_id}.jsonl"))
}

/// `--resume <id>`: the transcript under any project folder of this config dir.
pub fn find(config_dir: &Path, session_id: &str) -> Option<PathBuf> {
    let file = format!("{session_id}.jsonl");
    let mut dirs: Vec<PathBuf> =
        fs::read_dir(config_dir.join("projects")).ok()?.filter_map(std::result::Result::ok).map(|e| e.path()).collect();
    dirs.sort();
    dirs.into_iter().map(|d| d.join(&file)).find(|p| p.is_file())
}

impl Transcript {
    pub fn new(
        config_dir: &Path,
        cwd: &str,
        session_id: &str,
        entrypoint: &'static str,
        permission_mode: &'static str,
    ) -> Transcript {
        Transcript {
            path: path_for(config_dir, cwd, session_id),
            session_id: session_id.to_owned(),
            cwd: cwd.to_owned(),
            entrypoint,
            permission_mode,
            last_uuid: None,
            messages: 0,
        }
    }

    /// Continues an existing file (resume): new lines chain to its last uuid.
    pub fn resume(
        path: PathBuf,
        cwd: &str,
        session_id: &str,
        entrypoint: &'static str,
        permission_mode: &'static str,
    ) -> Transcript {
        let text = fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let last_uuid = lines.iter().rev().find_map(|v| v.get("uuid").and_then(Value::as_str)).map(str::to_owned);
        let messages = lines.iter().filter(|v| v.get("uuid").is_some()).count() as u32;
        Transcript {
            path,
            session_id: session_id.to_owned(),
            cwd: cwd.to_owned(),
            entrypoint,
            permission_mode,
            last_uuid,
            messages,
        }
    }

    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    fn append(&mut self, line: &Obj) {
        let text = line.to_json();
        let result = (|| {
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir)?;
            }
            let mut file = OpenOptions::new().create(true).append(true).open(&self.path)?;
            file.write_all(format!("{text}\n").as_bytes())
        })();
        if let Err(err) = result {
            eprintln!("claude stand-in: could not append to transcript {}: {err}", self.path.display());
        }
    }

    /// The fields every message line ends with.
    fn tail(&self, obj: Obj) -> Obj {
        obj.set("userType", "external")
            .set("entrypoint", self.entrypoint)
            .set("cwd", &self.cwd)
            .set("sessionId", &self.session_id)
            .set("version", crate::profile::current().version)
            .set("gitBranch", "HEAD")
    }

    fn next_uuid(&mut self) -> (Option<String>, String) {
        let uuid = uuid_v4();
        self.messages += 1;
        (self.last_uuid.replace(uuid.clone()), uuid)
    }

    /// Print mode's queue bookkeeping, written before the prompt.
    pub fn queue_operations(&mut self, prompt: &str) {
        let enqueue = Obj::new()
            .set("type", "queue-operation")
            .set("operation", "enqueue")
            .set("timestamp", now_iso())
            .set("sessionId", &self.session_id)
            .set("content", prompt);
        let dequeue = Obj::new()
            .set("type", "queue-operation")
            .set("operation", "dequeue")
            .set("timestamp", now_iso())
            .set("sessionId", &self.session_id);
        self.append(&enqueue);
        self.append(&dequeue);
    }

    /// The user's prompt (with the header lines when the file is new).
    pub fn user_prompt(&mut self, prompt: &str, prompt_id: &str, interactive: bool) {
        if !self.exists() && interactive {
            let mode = Obj::new().set("type", "mode").set("mode", "normal").set("sessionId", &self.session_id);
            let permission = Obj::new()
                .set("type", "permission-mode")
                .set("permissionMode", self.permission_mode)
                .set("sessionId", &self.session_id);
            self.append(&mode);
            self.append(&permission);
        }
        let (parent, uuid) = self.next_uuid();
        let timestamp = now_iso();
        if interactive {
            let snapshot = Obj::new()
                .set("type", "file-history-snapshot")
                .set("messageId", &uuid)
                .obj(
                    "snapshot",
                    Obj::new()
                        .set("messageId", &uuid)
                        .set("trackedFileBackups", json!({}))
                        .set("timestamp", &timestamp),
                )
                .set("isSnapshotUpdate", false);
            self.append(&snapshot);
        }
        let mut line = Obj::new()
            .set("parentUuid", parent)
            .set("isSidechain", false)
            .set("promptId", prompt_id)
            .set("type", "user")
            .obj("message", Obj::new().set("role", "user").set("content", prompt))
            .set("uuid", &uuid)
            .set("timestamp", &timestamp)
            .set("permissionMode", self.permission_mode);
        line = if interactive {
            line.obj("origin", Obj::new().set("kind", "human")).set("promptSource", "typed")
        } else {
            line.set("promptSource", "sdk")
        };
        let line = self.tail(line);
        self.append(&line);
    }

    /// A normal reply with its usage.
    pub fn assistant_reply(&mut self, text: &str, model: &str, usage: Usage) {
        let (parent, uuid) = self.next_uuid();
        let message = Obj::new()
            .set("id", format!("msg_standin_{}", random_hex(20)))
            .set("type", "message")
            .set("role", "assistant")
            .set("model", model)
            .text_content("content", text)
            .set("stop_reason", "end_turn")
            .set("stop_sequence", Value::Null)
            .obj(
                "usage",
                Obj::new()
                    .set("input_tokens", usage.input_tokens)
                    .set("cache_creation_input_tokens", usage.cache_creation_input_tokens)
                    .set("cache_read_input_tokens", usage.cache_read_input_tokens)
                    .set("output_tokens", usage.output_tokens)
                    .obj("server_tool_use", Obj::new().set("web_search_requests", 0).set("web_fetch_requests", 0))
                    .set("service_tier", "standard")
                    .obj(
                        "cache_creation",
                        Obj::new().set("ephemeral_1h_input_tokens", 0).set("ephemeral_5m_input_tokens", 0),
                    )
                    .set("inference_geo", "")
                    .set("iterations", json!([]))
                    .set("speed", "standard"),
            )
            .set("stop_details", Value::Null);
        let line = Obj::new()
            .set("parentUuid", parent)
            .set("isSidechain", false)
            .obj("message", message)
            .set("requestId", format!("req_standin_{}", random_hex(20)))
            .set("type", "assistant")
            .set("uuid", uuid)
            .set("timestamp", now_iso());
        let line = self.tail(line);
        self.append(&line);
    }

    /// The one synthetic line a failed turn leaves; `quota` adds the structured fields
    /// newer clients write for a usage limit.
    pub fn api_error(&mut self, text: &str, error: ApiError, status: u16, quota: Option<&QuotaLimits>) {
        let (parent, uuid) = self.next_uuid();
        let message = Obj::new()
            .set("id", uuid_v4())
            .set("container", Value::Null)
            .set("model", "<synthetic>")
            .set("role", "assistant")
            .set("stop_details", Value::Null)
            .set("stop_reason", "stop_sequence")
            .set("stop_sequence", "")
            .set("type", "message")
            .obj(
                "usage",
                Obj::new()
                    .set("input_tokens", 0)
                    .set("output_tokens", 0)
                    .set("cache_creation_input_tokens", 0)
                    .set("cache_read_input_tokens", 0)
                    .obj("server_tool_use", Obj::new().set("web_search_requests", 0).set("web_fetch_requests", 0))
                    .set("service_tier", Value::Null)
                    .obj(
                        "cache_creation",
                        Obj::new().set("ephemeral_1h_input_tokens", 0).set("ephemeral_5m_input_tokens", 0),
                    )
                    .set("inference_geo", Value::Null)
                    .set("iterations", Value::Null)
                    .set("speed", Value::Null),
            )
            .text_content("content", text)
            .set("context_management", Value::Null);
        let line = Obj::new()
            .set("parentUuid", parent)
            .set("isSidechain", false)
            .set("type", "assistant")
            .set("uuid", uuid)
            .set("timestamp", now_iso())
            .obj("message", message)
            .set("requestId", format!("req_standin_{}", random_hex(20)));
        // 2.1.332 (as captured): the structured limit between requestId and error.
        let line = match quota {
            Some(quota) => {
                let info = |extra: bool| {
                    let obj = Obj::new().set("status", "rejected").set("resetsAt", quota.resets_at);
                    let obj = if extra { obj.set("unifiedRateLimitFallbackAvailable", false) } else { obj };
                    obj.set("rateLimitType", &quota.rate_limit_type).set("isUsingOverage", false)
                };
                line.set("apiError", "usage_limit_reached")
                    .obj("apiErrorParams", Obj::new().obj("rate_limit_info", info(false)))
                    .obj("quotaLimits", info(true))
            }
            None => line,
        };
        let line = line.set("error", error.name()).set("isApiErrorMessage", true).set("apiErrorStatus", status);
        let line = if quota.is_some() { line.set("apiErrorType", error.api_type()) } else { line };
        let line = self.tail(line);
        self.append(&line);
    }

    /// Escape mid-turn: the marker the real client records for an interrupted request.
    pub fn interrupted(&mut self) {
        let (parent, uuid) = self.next_uuid();
        let line = Obj::new()
            .set("parentUuid", parent)
            .set("isSidechain", false)
            .set("type", "user")
            .obj("message", Obj::new().set("role", "user").text_content("content", "[Request interrupted by user]"))
            .set("uuid", uuid)
            .set("timestamp", now_iso());
        let line = self.tail(line);
        self.append(&line);
    }

    pub fn turn_duration(&mut self, duration_ms: u64) {
        let (parent, uuid) = self.next_uuid();
        let line = Obj::new()
            .set("parentUuid", parent)
            .set("isSidechain", false)
            .set("type", "system")
            .set("subtype", "turn_duration")
            .set("durationMs", duration_ms)
            .set("messageCount", self.messages)
            .set("timestamp", now_iso())
            .set("uuid", uuid)
            .set("isMeta", false);
        let line = self.tail(line);
        self.append(&line);
    }

    pub fn last_prompt(&mut self, prompt: &str) {
        let line = Obj::new()
            .set("type", "last-prompt")
            .set("lastPrompt", prompt)
            .set("leafUuid", self.last_uuid.clone())
            .set("sessionId", &self.session_id);
        self.append(&line);
    }
}

/// One conversation item read back from a transcript, for the resumed screen.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryItem {
    Prompt(String),
    Reply(String),
    /// The usage-limit text, shown hanging under the prompt.
    Limit(String),
    Interrupted,
    Duration(u64),
}

/// The exchanges of a transcript in order (attachments, snapshots and meta lines skipped).
pub fn history(path: &Path) -> Vec<HistoryItem> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut items = Vec::new();
    for line in text.lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else { continue };
        let content = value.pointer("/message/content");
        match value.get("type").and_then(Value::as_str) {
            Some("user") if value.get("isMeta").and_then(Value::as_bool) != Some(true) => match content {
                Some(Value::String(prompt)) => items.push(HistoryItem::Prompt(prompt.clone())),
                Some(Value::Array(parts))
                    if parts.iter().any(|p| {
                        p.get("text").and_then(Value::as_str).is_some_and(|t| t.starts_with("[Request interrupted"))
                    }) =>
                {
                    items.push(HistoryItem::Interrupted);
                }
                _ => {}
            },
            Some("assistant") => {
                let text: Vec<&str> = content
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect();
                let text = text.join("\n");
                if text.is_empty() {
                    continue;
                }
                let is_limit = value.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true)
                    && text.starts_with("You've hit your");
                items.push(if is_limit { HistoryItem::Limit(text) } else { HistoryItem::Reply(text) });
            }
            Some("system") if value.get("subtype").and_then(Value::as_str) == Some("turn_duration") => {
                items.push(HistoryItem::Duration(value.get("durationMs").and_then(Value::as_u64).unwrap_or(0)));
            }
            _ => {}
        }
    }
    items
}
