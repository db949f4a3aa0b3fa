//! The configuration: its types, their defaults, and loading a file into a validated
//! [`Config`].
//!
//! All YAML handling lives in [`yaml`]; semantic rules (unique names, pool ranges, tmux
//! target names) live in [`validate`]. Loading never stops at the first problem: every
//! problem in the file is collected, each naming its key and line, and returned at once
//! as [`ConfigError::Invalid`]. Later subsystems add their own sections here.

mod duration;
mod queue;
pub mod reference;
mod validate;
mod weekly_reset;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use duration::HumanDuration;
pub use queue::{
    CheckpointConfig, DONE_FILE_PLACEHOLDERS, DispatchConfig, DispatchModels, JanitorConfig, PROMPT_PLACEHOLDERS,
    WatchConfig, fill, placeholders,
};
pub use validate::expand_path;
pub use weekly_reset::WeeklyReset;

use crate::paths::Env;

/// A validated configuration: paths are expanded and absolute, names are usable as tmux
/// targets, ranges are sane.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    pub accounts: Vec<Account>,
    pub claude: ClaudeConfig,
    pub tmux: TmuxConfig,
    pub pool: PoolConfig,
    pub projects: ProjectsConfig,
    pub state: StateConfig,
    pub quota: QuotaConfig,
    pub swap: SwapConfig,
    pub notify: NotifyConfig,
    pub dispatch: DispatchConfig,
    pub watch: WatchConfig,
    pub checkpoint: CheckpointConfig,
    pub janitor: JanitorConfig,
    pub placement: PlacementConfig,
}

/// One Anthropic account: a Claude Code config dir (`CLAUDE_CONFIG_DIR`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Account {
    /// Short name used on the command line (`ccfail swap --to NAME`) and in state.
    pub name: String,
    /// The account's Claude Code config dir.
    pub home: PathBuf,
    /// Lower is preferred when choosing where to swap.
    pub priority: i64,
    /// Optional soft limits: usage at which ccfail swaps before the hard limit.
    pub limits: SoftLimits,
    /// When the account's weekly limit resets (`Mon 09:00 Europe/Paris`); unset means
    /// the weekly window is the rolling last 7 days.
    pub weekly_reset: Option<WeeklyReset>,
    /// The fraction of each window ccfail uses at most (0.8 keeps the last 20% for the
    /// human); placement never moves or starts a session on an account past it.
    pub ceiling: f64,
    /// Labels that `pool.autonomous.account_tags` matches to keep the pool on some accounts.
    pub tags: Vec<String>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            name: String::new(),
            home: PathBuf::new(),
            priority: 0,
            limits: SoftLimits::default(),
            weekly_reset: None,
            ceiling: 1.0,
            tags: Vec::new(),
        }
    }
}

/// Soft caps per account; unset means no proactive limit of that kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct SoftLimits {
    pub five_hour_messages: Option<u64>,
    pub five_hour_tokens: Option<u64>,
    pub weekly_messages: Option<u64>,
    pub weekly_tokens: Option<u64>,
}

/// How Claude Code is started and which of its dirs are shared between accounts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ClaudeConfig {
    /// The `claude` executable (a name looked up in `$PATH`, or a path).
    pub binary: String,
    /// Arguments added to every start, e.g. `--dangerously-skip-permissions`.
    pub args: Vec<String>,
    /// Optional symlink (e.g. `~/.claude`) that ccfail points at the active account's
    /// home, for tools that do not set `CLAUDE_CONFIG_DIR`.
    pub active_link: Option<PathBuf>,
    pub shared: SharedDirs,
    /// Environment for every client ccfail starts (`ANTHROPIC_BASE_URL`, proxies, retry
    /// settings), set on its command line after `CLAUDE_CONFIG_DIR`; values are literal.
    pub env: std::collections::BTreeMap<String, String>,
}

impl Default for ClaudeConfig {
    fn default() -> Self {
        ClaudeConfig {
            binary: "claude".to_owned(),
            args: Vec::new(),
            active_link: None,
            shared: SharedDirs::default(),
            env: std::collections::BTreeMap::new(),
        }
    }
}

/// The dirs every account home links to one shared place, so `claude --resume <id>`
/// finds a conversation under any account.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SharedDirs {
    /// Where the shared dirs live; unset means ccfail does not manage shared links.
    pub root: Option<PathBuf>,
    /// Entries of each account home that are links to `root/<entry>`.
    pub entries: Vec<String>,
}

impl Default for SharedDirs {
    fn default() -> Self {
        SharedDirs { root: None, entries: DEFAULT_SHARED_ENTRIES.iter().map(|e| (*e).to_owned()).collect() }
    }
}

pub const DEFAULT_SHARED_ENTRIES: [&str; 3] = ["projects", "session-env", "file-history"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct TmuxConfig {
    pub binary: String,
    /// A private server socket (`tmux -S`); unset means the user's default server.
    pub socket: Option<PathBuf>,
    /// Pause between typing text into a pane and pressing Enter.
    pub enter_delay: HumanDuration,
}

impl Default for TmuxConfig {
    fn default() -> Self {
        TmuxConfig { binary: "tmux".to_owned(), socket: None, enter_delay: HumanDuration::from_millis(500) }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PoolConfig {
    pub autonomous: AutonomousPool,
    pub dedicated: Vec<DedicatedSession>,
}

/// The numbered sessions ccfail owns: `prefix + N`, N in `[start_index, start_index + max)`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AutonomousPool {
    pub prefix: String,
    pub start_index: u32,
    /// How many sessions to keep running Claude at least.
    pub min: u32,
    /// How many names the pool may use.
    pub max: u32,
    /// Where pool sessions start; unset means the home directory.
    pub workdir: Option<PathBuf>,
    /// Capabilities of every pool session, matched against a task's `tags`.
    pub tags: Vec<String>,
    /// Pool sessions run only on accounts that carry one of these `accounts[].tags`;
    /// empty: on any account.
    pub account_tags: Vec<String>,
}

impl Default for AutonomousPool {
    fn default() -> Self {
        AutonomousPool {
            prefix: "pool-".to_owned(),
            start_index: 1,
            min: 0,
            max: 0,
            workdir: None,
            tags: Vec::new(),
            account_tags: Vec::new(),
        }
    }
}

impl AutonomousPool {
    /// The session names of the pool, in index order.
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        (self.start_index..self.start_index.saturating_add(self.max)).map(|n| format!("{}{n}", self.prefix))
    }

    /// Whether `name` is `prefix + N` with N inside the range.
    pub fn contains(&self, name: &str) -> bool {
        name.strip_prefix(self.prefix.as_str())
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u32>().ok())
            .is_some_and(|n| n >= self.start_index && n - self.start_index < self.max)
    }
}

/// An operator's own session: relaunched on a swap, never dispatched to or killed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DedicatedSession {
    pub name: String,
    pub project: PathBuf,
    /// The account it always runs on; unset: placed like the pool.
    pub account: Option<String>,
}

/// Where task queues (`<project>/.agent-queue/`) are found.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProjectsConfig {
    /// Projects named one by one.
    pub list: Vec<ProjectEntry>,
    /// Directories whose children that hold `.agent-queue/` are projects.
    pub scan: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProjectEntry {
    pub path: PathBuf,
    /// Among tasks of equal priority, lower project priority goes first.
    pub priority: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct StateConfig {
    /// Unset: `$STATE_DIRECTORY`, else `$XDG_STATE_HOME/ccfail`, else `~/.local/state/ccfail`.
    pub dir: Option<PathBuf>,
    /// How long a run waits for the state lock before exiting "busy, skipped".
    pub lock_wait: HumanDuration,
    /// History entries kept in `history.jsonl` for `ccfail log` (the oldest go first,
    /// by a rewrite once the file holds 1.25 × this); the default holds a week of a
    /// 20-session pool.
    pub history_limit: usize,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig { dir: None, lock_wait: HumanDuration::from_secs(5), history_limit: crate::state::HISTORY_LIMIT }
    }
}

/// When usage counts as a quota hit. Other quota-check keys join this struct.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct QuotaConfig {
    /// Pool sessions that must show a limit notice on their screen in one run.
    pub min_pool_hits: usize,
    /// Dedicated sessions that must show a limit notice on their screen in one run.
    pub min_dedicated_hits: usize,
    /// No detection for this long after a swap.
    pub cooldown: HumanDuration,
    /// IANA zone of reset times written without one (`resets 5am`); unset: the
    /// machine's local zone.
    pub timezone: Option<String>,
    /// A confirmed hit swaps the pool to another account in the same run.
    pub auto_swap: bool,
    /// A proactive hit (usage past a soft cap) swaps too.
    pub proactive_swap: bool,
    /// Fraction (0 < x <= 1) of a 5-hour soft cap (`accounts[].limits.five_hour_*`) at
    /// which the account counts as hit, before its hard limit.
    pub window_5h_threshold: f64,
    /// The same for the weekly soft caps (`accounts[].limits.weekly_*`).
    pub window_week_threshold: f64,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            min_pool_hits: 2,
            min_dedicated_hits: 1,
            cooldown: HumanDuration::from_secs(300),
            timezone: None,
            auto_swap: true,
            proactive_swap: false,
            window_5h_threshold: 0.9,
            window_week_threshold: 0.9,
        }
    }
}

/// How a swap stops and starts the sessions.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct SwapConfig {
    /// From `/exit` to the shell before the client is ended by signal.
    pub stop_timeout: HumanDuration,
    /// From the start command to the input box before a relaunch counts as failed.
    pub start_timeout: HumanDuration,
    /// Typed into a resumed pool session that was working, so its task goes on.
    pub continue_prompt: String,
    /// How many sessions are stopped (and then started) at once; 1 = one after another.
    pub parallel: usize,
}

impl Default for SwapConfig {
    fn default() -> Self {
        SwapConfig {
            stop_timeout: HumanDuration::from_secs(15),
            start_timeout: HumanDuration::from_secs(60),
            continue_prompt: "The session was moved to another account. Continue the task you were working on."
                .to_owned(),
            parallel: 4,
        }
    }
}

/// Who hears about what ccfail did: a command run with one JSON event on stdin.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct NotifyConfig {
    /// The notifier as argv (no shell), e.g. `[/usr/local/bin/notify-telegram]`; empty:
    /// no notifications.
    pub command: Vec<String>,
    /// Event kinds to send (see the README); empty: all of them.
    pub events: Vec<String>,
    /// A notifier still running after this is killed; the command goes on.
    pub timeout: HumanDuration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { command: Vec::new(), events: Vec::new(), timeout: HumanDuration::from_secs(10) }
    }
}

/// Where sessions run: which account each new start takes, which sessions move when
/// an account runs out, and whether they come back.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct PlacementConfig {
    /// `fill`: the whole pool runs on the preferred account and moves at once when it
    /// runs out (the swap); `spread`: each start goes to the account with the most
    /// headroom and a limit moves only the sessions on that account.
    pub policy: Policy,
    /// `on_reset`: sessions go back to a preferred account at their next idle moment
    /// once its limit has reset; `never`: they stay where they are.
    #[serde(rename = "return")]
    pub return_to: Return,
    /// At most this many sessions move per run (a tick of the timers).
    pub ramp: usize,
    /// A session that moved does not move again before this has passed (unless its
    /// account runs out).
    pub cooldown: HumanDuration,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig {
            policy: Policy::Fill,
            return_to: Return::OnReset,
            ramp: 4,
            cooldown: HumanDuration::from_secs(30 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    #[default]
    Fill,
    Spread,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Return {
    #[default]
    OnReset,
    Never,
}

impl QuotaConfig {
    /// The configured zone; validation has made sure it parses.
    pub fn timezone_tz(&self) -> Option<chrono_tz::Tz> {
        self.timezone.as_deref().and_then(|name| name.parse().ok())
    }
}

impl Config {
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Loads and validates `file`, expanding `~` and `$VARS` with `env`.
    pub fn load(file: &Path, env: &Env) -> Result<Config, ConfigError> {
        let bytes =
            std::fs::read(file).map_err(|source| ConfigError::Unreadable { file: file.to_path_buf(), source })?;
        Config::from_bytes(&bytes, file, env)
    }

    pub fn from_yaml(text: &str, file: &Path, env: &Env) -> Result<Config, ConfigError> {
        Config::from_bytes(text.as_bytes(), file, env)
    }

    /// Reads the file's bytes: text that is not UTF-8 is a problem with a line like any other.
    pub fn from_bytes(bytes: &[u8], file: &Path, env: &Env) -> Result<Config, ConfigError> {
        let parsed = yaml::parse(bytes);
        let mut problems = parsed.problems;
        let mut config = parsed.config;
        if parsed.readable {
            let found = validate::expand_and_validate(&mut config, env);
            problems.extend(found.into_iter().filter(|p| !yaml::repeats(p, &parsed.dropped)));
        }
        if problems.is_empty() {
            return Ok(config);
        }
        for problem in &mut problems {
            if problem.line.is_none() {
                problem.line = Some(parsed.tree.as_ref().map_or(1, |tree| tree.line_of(&problem.key)));
            }
        }
        problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.key.clone()));
        Err(ConfigError::Invalid { file: file.to_path_buf(), problems })
    }
}

/// One thing wrong with the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    /// The key, as `accounts[1].home`; empty for the whole document.
    pub key: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl ConfigProblem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigProblem {
        ConfigProblem { key: key.into(), line: None, message: message.into() }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.key.is_empty()) {
            (Some(line), false) => write!(f, "line {line}: {}: {}", self.key, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.key, self.message),
            (None, true) => write!(f, "{}", self.message),
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{}", not_found(file, from, searched))]
    NotFound {
        file: PathBuf,
        from: &'static str,
        /// The files looked at in order when none was named (the user's, then /etc);
        /// empty when `--config` or `$CCFAIL_CONFIG` named `file`.
        searched: Vec<PathBuf>,
    },
    #[error("could not read config file {}", file.display())]
    Unreadable {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {} is invalid ({} problem{}):\n{}", file.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid { file: PathBuf, problems: Vec<ConfigProblem> },
}

/// Says where ccfail looked, in its order, and how to get a config.
fn not_found(file: &Path, from: &str, searched: &[PathBuf]) -> String {
    const INIT: &str = "`ccfail init --account NAME=HOME …` writes one (or copy examples/config.yaml)";
    if searched.is_empty() {
        return format!("config file {} not found (named by {from}); {INIT} there", file.display());
    }
    let looked: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
    format!(
        "no config file found: ccfail reads --config PATH, else $CCFAIL_CONFIG, else \
         $XDG_CONFIG_HOME/ccfail/config.yaml (~/.config/ccfail/config.yaml), else /etc/ccfail/config.yaml, \
         and none is set or exists (looked at {}); {INIT} at the first",
        looked.join(", then ")
    )
}

fn list(problems: &[ConfigProblem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests;
