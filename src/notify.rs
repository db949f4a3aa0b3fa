//! Telling the operator that something needs them: one JSON event on the stdin of the
//! notifier command.
//!
//! The notifier is argv (no shell), runs with a timeout, and can never fail or delay a
//! command beyond that timeout: a notifier that exits non-zero, hangs, or cannot be
//! started is logged and forgotten. Events are filtered by `notify.events`. The task
//! queue's events also go to the log and the history (`ccfail log`, [`notify`]).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::NotifyConfig;
use crate::log::Logger;

/// Every event kind, for validation and the README.
pub const EVENTS: [&str; 15] = [
    "swap_started",
    "swap_done",
    "swap_failed",
    "swap_refused",
    "partial_swap_latch",
    "quota_hit",
    "quota_suspected",
    "proactive_hit",
    "task_failed",
    "dispatch_failed",
    "session_stalled",
    "session_unrecovered",
    "task_blocked",
    "lock_busy",
    "test",
];

/// Logs `detail` as a warning, records it as `event` in the history (which `ccfail log`
/// shows) through [`crate::state::State::record`], like every other entry, and sends it
/// to the notifier as the event of the same name with `-` written `_`.
/// Returns the history entry, for the caller to say what it concerns.
pub fn notify<'s>(
    ctx: &crate::ctx::Ctx,
    state: &'s mut crate::state::State,
    now: DateTime<Utc>,
    event: &str,
    detail: &str,
) -> &'s mut crate::state::HistoryEntry {
    ctx.log().warn(&format!("{event}: {detail}"));
    let kind = event.replace('-', "_");
    send(
        &ctx.config.notify,
        ctx.log(),
        &Event::new(&kind, now, format!("{event}: {detail}"), serde_json::json!({ "detail": detail })),
    );
    state.record(now, event, detail)
}

/// One notification.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub event: String,
    pub at: DateTime<Utc>,
    /// One line for people.
    pub summary: String,
    /// Event-specific fields (account, reset, session, task, …).
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(event: &str, at: DateTime<Utc>, summary: impl Into<String>, details: serde_json::Value) -> Event {
        Event { event: event.to_owned(), at, summary: summary.into(), details }
    }
}

/// Sends `event` if the config asks for it; returns whether the notifier succeeded.
pub fn send(config: &NotifyConfig, log: &Logger, event: &Event) -> bool {
    let Some((program, args)) = config.command.split_first() else { return false };
    if !config.events.is_empty() && !config.events.iter().any(|e| e == &event.event) {
        return false;
    }
    let payload = match serde_json::to_vec(event) {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            bytes
        }
        Err(err) => {
            log.warn(&format!("notify: could not encode {}: {err}", event.event));
            return false;
        }
    };
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            log.warn(&format!("notify: could not run {program}: {err} (notify.command)"));
            return false;
        }
    };
    // A notifier that does not read its stdin must not block us: write from a thread.
    if let Some(mut stdin) = child.stdin.take() {
        std::thread::spawn(move || {
            let _ = stdin.write_all(&payload);
        });
    }
    let timeout = config.timeout.get();
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return true,
            Ok(Some(status)) => {
                log.warn(&format!("notify: {program} failed ({status}) for {}", event.event));
                return false;
            }
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                log.warn(&format!("notify: {program} did not finish within {timeout:?} for {}; killed", event.event));
                return false;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10).min(timeout.saturating_sub(started.elapsed()))),
            Err(err) => {
                log.warn(&format!("notify: could not wait for {program}: {err}"));
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HumanDuration;

    fn config(command: &[&str], timeout_ms: u64) -> NotifyConfig {
        NotifyConfig {
            command: command.iter().map(|s| (*s).to_owned()).collect(),
            events: Vec::new(),
            timeout: HumanDuration::from_millis(timeout_ms),
        }
    }

    fn event() -> Event {
        Event::new("test", Utc::now(), "hello", serde_json::json!({"account": "a"}))
    }

    #[test]
    fn the_event_arrives_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got.json");
        let script = format!("cat > {}", out.display());
        let log = Logger::new(0, true, false);
        assert!(send(&config(&["sh", "-c", &script], 5000), &log, &event()));
        let got: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        assert_eq!(got["event"], "test");
        assert_eq!(got["details"]["account"], "a");
    }

    #[test]
    fn a_hanging_or_failing_notifier_costs_at_most_the_timeout() {
        let log = Logger::new(0, true, false);
        let started = Instant::now();
        assert!(!send(&config(&["sleep", "1000"], 300), &log, &event()));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!send(&config(&["false"], 5000), &log, &event()));
        assert!(!send(&config(&["/nonexistent/notifier"], 5000), &log, &event()));
    }

    #[test]
    fn events_filter() {
        let log = Logger::new(0, true, false);
        let mut filtered = config(&["true"], 5000);
        filtered.events = vec!["swap_done".to_owned()];
        assert!(!send(&filtered, &log, &event()));
        assert!(send(&config(&["true"], 5000), &log, &event()));
    }
}
