//! The delivery proof: when a task's prompt *arrived* and when its turn *ended*.
//!
//! Every dispatch attempt (and every continuation after a swap) carries a fresh token in
//! its prompt (`[ccfail:<12 hex>]`). The prompt has arrived only when the client's own
//! record of it holds the token: the `prompt` of a UserPromptSubmit hook event, or a user
//! line of the conversation's transcript. What the screen shows, or a busy client, is
//! never proof: text left in a box, a continuation prompt or another prompt all look
//! alike there. The turn that began with the token is *done* only when it ended normally:
//! a Stop event of that turn (same `prompt_id`), or the transcript's `turn_duration` after
//! it, with no StopFailure, no API error record and no interrupt record in between.
//!
//! This module is the one definition of both questions. Pure: events and transcript text
//! in, a judgement out; reading the spool and the transcript is the caller's job.

use serde::Serialize;
use serde_json::Value;

use crate::hooks::HookEvent;

/// What every token starts with; the rest is 12 lowercase hex digits.
pub const TOKEN_PREFIX: &str = "ccfail:";

/// How much of a transcript's end is read for a token (a turn is far shorter).
pub const TRANSCRIPT_TAIL_BYTES: u64 = 4 << 20;

/// A fresh token from the kernel's random source (time and pid as a fallback).
pub fn new_token() -> String {
    let mut bytes = [0u8; 6];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer we own.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
        bytes.copy_from_slice(&mixed.to_le_bytes()[..6]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

/// The prompt as typed: the text, then the token in brackets.
pub fn stamp(prompt: &str, token: &str) -> String {
    format!("{prompt} [{token}]")
}

/// Where the proof of arrival was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Hook,
    Transcript,
}

/// The client's record of a prompt that holds the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub source: Source,
    /// The client's id of the prompt (`prompt_id` / `promptId`), which its Stop carries.
    pub prompt_id: Option<String>,
}

/// How the turn that began with a token stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "turn", rename_all = "snake_case")]
pub enum Turn {
    /// No record of the prompt: it never arrived (or has not yet).
    NotDelivered,
    /// Arrived, no end recorded yet.
    Running,
    /// Ended normally: a Stop of that turn, or its `turn_duration` in the transcript.
    Done { source: Source },
    /// Ended by an error (StopFailure, API error record); `limit` for a rate limit (429).
    Failed { limit: bool, error: String },
    /// Ended without finishing: an interrupt record, another prompt before its end, or
    /// the client left.
    Interrupted { why: &'static str },
}

/// What a session's client recorded since the claim, for one judgement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The pane's hook events, in spool order.
    pub events: &'a [&'a HookEvent],
    /// The end of the conversation's transcript, when it is known and readable.
    pub transcript: Option<&'a str>,
}

/// The one definition of "the prompt arrived".
pub fn receipt(token: &str, evidence: &Evidence<'_>) -> Option<Receipt> {
    if let Some(event) = evidence
        .events
        .iter()
        .rev()
        .find(|e| e.event == "UserPromptSubmit" && e.prompt.as_deref().is_some_and(|p| p.contains(token)))
    {
        return Some(Receipt { source: Source::Hook, prompt_id: event.prompt_id.clone() });
    }
    let text = evidence.transcript?;
    let (_, line) = transcript_prompt(text, token)?;
    Some(Receipt {
        source: Source::Transcript,
        prompt_id: line.get("promptId").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The turn that began with `token`; `prompt_id` is what an earlier run learnt of it.
pub fn turn(token: &str, prompt_id: Option<&str>, evidence: &Evidence<'_>) -> Turn {
    let receipt = receipt(token, evidence);
    let prompt_id = receipt.as_ref().and_then(|r| r.prompt_id.as_deref()).or(prompt_id);
    if receipt.is_none() && prompt_id.is_none() {
        return Turn::NotDelivered;
    }
    if let Some(end) = prompt_id.and_then(|id| turn_from_events(evidence.events, token, id)) {
        return end;
    }
    if let Some(end) = evidence.transcript.and_then(|text| turn_from_transcript(text, token)) {
        return end;
    }
    Turn::Running
}

/// The end of turn `prompt_id` in the hook events, if they show one.
fn turn_from_events(events: &[&HookEvent], token: &str, prompt_id: &str) -> Option<Turn> {
    let ours = |e: &HookEvent| e.prompt_id.as_deref() == Some(prompt_id);
    // Events before our prompt (when it is in this slice) belong to earlier turns.
    let start = events
        .iter()
        .position(|e| {
            e.event == "UserPromptSubmit" && (ours(e) || e.prompt.as_deref().is_some_and(|p| p.contains(token)))
        })
        .map_or(0, |i| i + 1);
    for event in &events[start..] {
        match event.event.as_str() {
            "Stop" if ours(event) || event.prompt_id.is_none() => return Some(Turn::Done { source: Source::Hook }),
            "StopFailure" if ours(event) || event.prompt_id.is_none() => {
                let error = event.error.clone().unwrap_or_else(|| "unknown".to_owned());
                return Some(Turn::Failed { limit: error == "rate_limit", error });
            }
            "UserPromptSubmit" if !ours(event) => {
                return Some(Turn::Interrupted { why: "another prompt began before its turn ended" });
            }
            "SessionEnd" => return Some(Turn::Interrupted { why: "the client left before its turn ended" }),
            _ => {}
        }
    }
    None
}

/// The last user line of a transcript whose prompt holds the token, with its index.
fn transcript_prompt<'t>(text: &'t str, token: &str) -> Option<(usize, Value)> {
    let lines: Vec<&'t str> = text.lines().collect();
    lines.iter().enumerate().rev().filter(|(_, l)| l.contains(token)).find_map(|(i, l)| {
        let value: Value = serde_json::from_str(l).ok()?;
        (value.get("type").and_then(Value::as_str) == Some("user") && user_text(&value).contains(token))
            .then_some((i, value))
    })
}

/// The text of a user line: a string content, or its text blocks.
fn user_text(line: &Value) -> String {
    match line.pointer("/message/content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(blocks)) => {
            blocks.iter().filter_map(|b| b.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("\n")
        }
        _ => String::new(),
    }
}

/// The end of the turn that began with `token`, from the transcript lines after it.
fn turn_from_transcript(text: &str, token: &str) -> Option<Turn> {
    let (index, _) = transcript_prompt(text, token)?;
    let mut failure: Option<Turn> = None;
    for line in text.lines().skip(index + 1) {
        let Ok(value) = serde_json::from_str::<Value>(line) else { continue };
        match value.get("type").and_then(Value::as_str) {
            Some("user") => {
                let content = user_text(&value);
                if content.starts_with("[Request interrupted by user") {
                    return Some(Turn::Interrupted { why: "the client recorded an interrupt" });
                }
                let tool_result = value.pointer("/message/content").and_then(Value::as_array).is_some_and(|blocks| {
                    blocks.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                });
                let meta = value.get("isMeta").and_then(Value::as_bool).unwrap_or(false);
                if !tool_result && !meta && !content.is_empty() {
                    return Some(
                        failure.unwrap_or(Turn::Interrupted { why: "another prompt began before its turn ended" }),
                    );
                }
            }
            Some("assistant") if value.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true) => {
                let error = value.get("error").and_then(Value::as_str).unwrap_or("api_error").to_owned();
                failure = Some(Turn::Failed { limit: error == "rate_limit", error });
            }
            Some("system") if value.get("subtype").and_then(Value::as_str) == Some("turn_duration") => {
                return Some(failure.unwrap_or(Turn::Done { source: Source::Transcript }));
            }
            _ => {}
        }
    }
    failure
}

/// The end of a transcript file, at most [`TRANSCRIPT_TAIL_BYTES`], from a line start.
pub fn read_transcript_tail(path: &std::path::Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TRANSCRIPT_TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let from = if start == 0 { 0 } else { bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1) };
    Some(String::from_utf8_lossy(&bytes[from..]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    const T: &str = "ccfail:0123456789ab";

    fn event(name: &str, prompt_id: Option<&str>, prompt: Option<&str>) -> HookEvent {
        HookEvent {
            at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
            event: name.to_owned(),
            session_id: None,
            transcript_path: None,
            cwd: None,
            pane: Some("%1".to_owned()),
            tmux_socket: None,
            source: None,
            error: None,
            last_message: None,
            reason: None,
            notification: None,
            prompt: prompt.map(str::to_owned),
            prompt_id: prompt_id.map(str::to_owned),
        }
    }

    fn judge(events: &[HookEvent], transcript: Option<&str>) -> Turn {
        let refs: Vec<&HookEvent> = events.iter().collect();
        turn(T, None, &Evidence { events: &refs, transcript })
    }

    #[test]
    fn tokens_are_fresh_and_stamped_at_the_end() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 12, "{a}");
        assert_eq!(stamp("Do it", T), format!("Do it [{T}]"));
    }

    #[test]
    fn only_the_clients_record_of_the_token_is_an_arrival() {
        let prompt = stamp("Do it", T);
        assert_eq!(judge(&[event("UserPromptSubmit", Some("p"), Some("Do it"))], None), Turn::NotDelivered);
        assert_eq!(judge(&[event("Stop", Some("p"), None)], None), Turn::NotDelivered, "a Stop of another prompt");
        assert_eq!(judge(&[event("UserPromptSubmit", Some("p"), Some(&prompt))], None), Turn::Running);
    }

    #[test]
    fn only_a_stop_of_its_own_turn_is_done() {
        let prompt = stamp("Do it", T);
        let ups = event("UserPromptSubmit", Some("p1"), Some(&prompt));
        assert_eq!(judge(&[ups.clone(), event("Stop", Some("p1"), None)], None), Turn::Done { source: Source::Hook });
        // Interrupted (Escape: no Stop), then a continuation prompt that ends normally.
        let later =
            [ups.clone(), event("UserPromptSubmit", Some("p2"), Some("go on")), event("Stop", Some("p2"), None)];
        assert!(matches!(judge(&later, None), Turn::Interrupted { .. }));
        let mut failure = event("StopFailure", Some("p1"), None);
        failure.error = Some("rate_limit".to_owned());
        assert_eq!(judge(&[ups.clone(), failure], None), Turn::Failed { limit: true, error: "rate_limit".to_owned() });
        assert!(matches!(judge(&[ups, event("SessionEnd", Some("p1"), None)], None), Turn::Interrupted { .. }));
        // An earlier run learnt the prompt id; this run sees only the Stop.
        let refs = [&event("Stop", Some("p1"), None)];
        assert_eq!(
            turn(T, Some("p1"), &Evidence { events: &refs, transcript: None }),
            Turn::Done { source: Source::Hook }
        );
    }

    fn user(text: &str) -> String {
        serde_json::json!({"type": "user", "promptId": "q1", "message": {"role": "user", "content": text}}).to_string()
    }

    #[test]
    fn the_transcript_tells_the_same_without_hooks() {
        let prompt = user(&stamp("Do it", T));
        let reply = r#"{"type":"assistant","message":{"content":[{"type":"text","text":"ok"}]}}"#;
        let end = r#"{"type":"system","subtype":"turn_duration","durationMs":5}"#;
        let interrupted = user("[Request interrupted by user]");
        let limit = r#"{"type":"assistant","isApiErrorMessage":true,"error":"rate_limit","message":{"content":[]}}"#;
        let done = format!("{prompt}\n{reply}\n{end}\n");
        assert_eq!(judge(&[], Some(&done)), Turn::Done { source: Source::Transcript });
        assert_eq!(
            receipt(T, &Evidence { events: &[], transcript: Some(&done) }).unwrap().prompt_id.as_deref(),
            Some("q1")
        );
        assert_eq!(judge(&[], Some(&format!("{prompt}\n"))), Turn::Running);
        assert!(matches!(judge(&[], Some(&format!("{prompt}\n{interrupted}\n"))), Turn::Interrupted { .. }));
        assert!(matches!(judge(&[], Some(&format!("{prompt}\n{limit}\n{end}\n"))), Turn::Failed { limit: true, .. }));
        let continued = format!("{prompt}\n{interrupted}\n{}\n{reply}\n{end}\n", user("go on"));
        assert!(matches!(judge(&[], Some(&continued)), Turn::Interrupted { .. }), "a later turn's end is not ours");
        assert_eq!(judge(&[], Some(&user("Do it"))), Turn::NotDelivered);
    }
}
