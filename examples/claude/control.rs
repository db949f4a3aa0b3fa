//! The steering file: how a test or the demo tells the stand-in what the "server" does.
//!
//! Read at start and again at every prompt submission from `$CLAUDE_STANDIN_CONTROL`,
//! else `$CLAUDE_CONFIG_DIR/standin.json`, so "this account is limited" is a property of
//! the account home and every session on it sees it. A missing file means defaults; an
//! unreadable or invalid one is reported once on stderr and treated as missing, because
//! the stand-in must keep running like the real client does when its server misbehaves.
//! A prompt may carry a one-turn override such as `[standin mode=limit work=3]`.
//! This module only parses; it never renders or writes anything.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::budget::Budget;

/// Which account the stand-in pretends to be logged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[default]
    Max,
    Pro,
    Api,
}

/// What the next request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Normal,
    /// The subscription usage limit (429 with limit headers): never retried.
    Limit,
    /// HTTP 500, retried first.
    ServerError,
    /// HTTP 529, retried first.
    Overloaded,
    /// A 429 that is not the usage limit.
    RateLimitApi,
    /// The process dies mid-turn (SIGKILL), leaving its state file and firing nothing.
    Crash,
    /// Spins until Escape.
    Hang,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Limit => "limit",
            Mode::ServerError => "server_error",
            Mode::Overloaded => "overloaded",
            Mode::RateLimitApi => "rate_limit_api",
            Mode::Crash => "crash",
            Mode::Hang => "hang",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

pub const DEFAULT_LIMIT_TEXT: &str = "You've hit your session limit \u{b7} resets 7am (UTC)";
pub const DEFAULT_REPLY: &str = "Hello from the stand-in (reply {n}, mode {mode}).";

/// The file as written; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlFile {
    plan: Option<Plan>,
    mode: Option<Mode>,
    limit_text: Option<String>,
    error_text: Option<String>,
    work_seconds: Option<f64>,
    retry_delay_seconds: Option<f64>,
    retries: Option<u32>,
    reply: Option<String>,
    model: Option<String>,
    idle_notification_seconds: Option<f64>,
    version: Option<String>,
    limit_type: Option<String>,
    resets_at: Option<i64>,
    auto_continue_seconds: Option<f64>,
    budget: Option<BudgetFile>,
    log: Option<PathBuf>,
}

/// `budget` as written: turns per window of the account home (see `budget.rs`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetFile {
    turns: u32,
    window_seconds: u64,
    warn_at: Option<f64>,
}

/// The effective settings for one moment (start-up or one prompt).
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub plan: Plan,
    pub mode: Mode,
    pub limit_text: String,
    /// Replaces the whole `API Error: …` text of `server_error`, `overloaded` and
    /// `rate_limit_api`, e.g. a 500 whose body mentions a rate limit.
    pub error_text: Option<String>,
    pub work_seconds: f64,
    pub retry_delay_seconds: f64,
    pub retries: u32,
    /// Reply template: `{n}` becomes the reply number, `{mode}` the mode name.
    pub reply: String,
    /// The model name the welcome box shows, e.g. `Opus 4.8 (1M context)`.
    pub model: Option<String>,
    pub idle_notification_seconds: f64,
    /// The version profile (`2.1.197`, `2.1.332`); `$CLAUDE_STANDIN_VERSION` wins.
    pub version: Option<String>,
    /// `quotaLimits.rateLimitType` of a limit record (profiles that write it).
    pub limit_type: String,
    /// `quotaLimits.resetsAt` (epoch seconds); default: the next full hour.
    pub resets_at: Option<i64>,
    /// Profiles that continue by themselves: seconds from the limit to the automatic
    /// continuation; `None` waits for a reset no test reaches.
    pub auto_continue_seconds: Option<f64>,
    /// Turns per window of the account home; past it a turn is a usage limit.
    pub budget: Option<Budget>,
    /// A JSON-lines file the stand-in appends its starts and turn outcomes to.
    pub log: Option<PathBuf>,
}

impl Default for Control {
    fn default() -> Control {
        Control {
            plan: Plan::Max,
            mode: Mode::Normal,
            limit_text: DEFAULT_LIMIT_TEXT.to_owned(),
            error_text: None,
            work_seconds: 1.0,
            retry_delay_seconds: 0.5,
            retries: 2,
            reply: DEFAULT_REPLY.to_owned(),
            model: None,
            idle_notification_seconds: 60.0,
            version: None,
            limit_type: "five_hour".to_owned(),
            resets_at: None,
            auto_continue_seconds: None,
            budget: None,
            log: None,
        }
    }
}

/// Where the control file lives for this process.
pub fn control_path(explicit: Option<&str>, config_dir: &Path) -> PathBuf {
    match explicit.filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => config_dir.join("standin.json"),
    }
}

/// Reads the control file; `retries_env` is `CLAUDE_CODE_MAX_RETRIES`, used when the
/// file does not say.
pub fn load(path: &Path, retries_env: Option<u32>) -> Control {
    let mut control = Control::default();
    if let Some(retries) = retries_env {
        control.retries = retries;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return control,
        Err(err) => {
            eprintln!("claude stand-in: could not read control file {}: {err}", path.display());
            return control;
        }
    };
    if text.trim().is_empty() {
        return control;
    }
    let file: ControlFile = match serde_json::from_str(&text) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("claude stand-in: invalid control file {}: {err}", path.display());
            return control;
        }
    };
    if let Some(plan) = file.plan {
        control.plan = plan;
    }
    if let Some(mode) = file.mode {
        control.mode = mode;
    }
    if let Some(text) = file.limit_text {
        control.limit_text = text;
    }
    if let Some(text) = file.error_text {
        control.error_text = Some(text);
    }
    if let Some(seconds) = file.work_seconds {
        control.work_seconds = seconds.max(0.0);
    }
    if let Some(seconds) = file.retry_delay_seconds {
        control.retry_delay_seconds = seconds.max(0.0);
    }
    if let Some(retries) = file.retries {
        control.retries = retries;
    }
    if let Some(reply) = file.reply {
        control.reply = reply;
    }
    control.model = file.model.filter(|m| !m.is_empty());
    if let Some(seconds) = file.idle_notification_seconds {
        control.idle_notification_seconds = seconds.max(0.0);
    }
    control.version = file.version.filter(|v| !v.is_empty());
    if let Some(kind) = file.limit_type {
        control.limit_type = kind;
    }
    control.resets_at = file.resets_at;
    control.auto_continue_seconds = file.auto_continue_seconds.map(|s| s.max(0.0));
    control.budget = file.budget.map(|b| Budget {
        turns: b.turns,
        window_seconds: i64::try_from(b.window_seconds.max(1)).unwrap_or(i64::MAX),
        warn_at: b.warn_at.filter(|f| f.is_finite() && *f > 0.0),
    });
    control.log = file.log.filter(|p| !p.as_os_str().is_empty());
    control
}

/// Applies a `[standin key=value …]` token found in the prompt text (`mode`, `work`).
/// Unknown keys and bad values are ignored: a prompt is user text, not configuration.
pub fn apply_prompt_override(control: &mut Control, prompt: &str) {
    let Some(start) = prompt.find("[standin") else { return };
    let rest = &prompt[start + "[standin".len()..];
    let Some(end) = rest.find(']') else { return };
    for pair in rest[..end].split_whitespace() {
        let Some((key, value)) = pair.split_once('=') else { continue };
        match key {
            "mode" => {
                if let Some(mode) = Mode::parse(value) {
                    control.mode = mode;
                }
            }
            "work" | "work_seconds" => {
                if let Ok(seconds) = value.parse::<f64>() {
                    control.work_seconds = seconds.max(0.0);
                }
            }
            _ => {}
        }
    }
}

impl Control {
    /// The reply text for reply number `n`.
    pub fn reply_text(&self, n: u32) -> String {
        self.reply.replace("{n}", &n.to_string()).replace("{mode}", self.mode.name())
    }
}
