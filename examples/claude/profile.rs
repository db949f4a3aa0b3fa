//! Version profiles: what differs between the client versions the stand-in passes for, as
//! the captures under `tests/fixtures/claude-code/<version>/` show them.
//!
//! One profile is chosen per process, once, before anything is drawn: from
//! `$CLAUDE_STANDIN_VERSION`, else the control file's `version`, else 2.1.197. Every
//! difference the rest of the stand-in draws or writes is a field here, so a new client
//! version is one more row. Pure data; nothing here renders or writes.

use std::sync::OnceLock;

#[derive(Debug)]
pub struct Profile {
    /// `claude --version`, the welcome box title, the state file's and transcript's `version`.
    pub version: &'static str,
    /// The permission mode without `--permission-mode` or `--dangerously-skip-permissions`.
    pub default_mode: &'static str,
    /// The trust dialog lists `No, exit` first, unnumbered (Enter there exits).
    pub trust_no_first: bool,
    /// A usage limit draws `● Usage limit reached · set to continue automatically at …`, the
    /// two-line limit footer, and the client resumes by itself at the reset.
    pub auto_continue: bool,
    /// The state file names the pane: `"tmux": "<session>:@<window>.%<pane>"`.
    pub names_pane: bool,
    /// Error records carry `apiError`, `apiErrorType` and `quotaLimits`.
    pub quota_limits: bool,
    /// Start-up writes `.claude.json` back from the copy read at start, these many
    /// milliseconds after start (an entry another program added meanwhile is lost).
    pub claude_json_rewrites_ms: &'static [u64],
    /// The session runs in the alternate screen: a compact header instead of the welcome
    /// box, the box pinned to the bottom row, the effort hint above it, no scrollback.
    /// Dialogs before the session (trust, bypass) are still drawn inline.
    pub fullscreen: bool,
}

pub static PROFILES: [Profile; 2] = [
    Profile {
        version: "2.1.197",
        default_mode: "default",
        trust_no_first: false,
        auto_continue: false,
        names_pane: false,
        quota_limits: false,
        claude_json_rewrites_ms: &[],
        fullscreen: false,
    },
    Profile {
        version: "2.1.332",
        default_mode: "auto",
        trust_no_first: true,
        auto_continue: true,
        names_pane: true,
        quota_limits: true,
        // The capture saw 15 writes between 1.7 s and 7.7 s; three in the first seconds
        // keep the race without slowing every test.
        claude_json_rewrites_ms: &[300, 900, 1800],
        fullscreen: true,
    },
];

static CURRENT: OnceLock<&'static Profile> = OnceLock::new();

/// The profile of `version` (`2.1.332`, or a prefix such as `2.1.3`); `None` when unknown.
pub fn find(version: &str) -> Option<&'static Profile> {
    let version = version.trim();
    PROFILES
        .iter()
        .find(|p| p.version == version)
        .or_else(|| (!version.is_empty()).then(|| PROFILES.iter().find(|p| p.version.starts_with(version))).flatten())
}

/// Chooses the process's profile; the first call wins. An unknown version is reported on
/// stderr and the default used, as a bad control file is.
pub fn choose(from_env: Option<&str>, from_control: Option<&str>) -> &'static Profile {
    let wanted = from_env.or(from_control);
    let profile = match wanted.map(|v| (v, find(v))) {
        Some((_, Some(profile))) => profile,
        Some((version, None)) => {
            eprintln!("claude stand-in: unknown version profile {version:?}; using {}", PROFILES[0].version);
            &PROFILES[0]
        }
        None => &PROFILES[0],
    };
    CURRENT.get_or_init(|| profile)
}

/// The profile chosen at start (2.1.197 before [`choose`] ran).
pub fn current() -> &'static Profile {
    CURRENT.get().copied().unwrap_or(&PROFILES[0])
}

/// The footer's mode part at the box for a permission mode, as the captures show it;
/// `None` for the default mode of 2.1.197 (`? for shortcuts`).
pub fn mode_footer(mode: &str) -> Option<&'static str> {
    match mode {
        "auto" => Some("  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)"),
        "bypassPermissions" => Some("  \u{23f5}\u{23f5} bypass permissions on (shift+tab to cycle)"),
        "acceptEdits" => Some("  \u{23f5}\u{23f5} accept edits on (shift+tab to cycle)"),
        "plan" => Some("  \u{23f8} plan mode on (shift+tab to cycle)"),
        "default" if current().fullscreen => Some("  \u{23f8} manual mode on \u{b7} ? for shortcuts"),
        _ => None,
    }
}

/// The permission modes `--permission-mode` takes.
pub const MODES: [&str; 5] = ["default", "auto", "acceptEdits", "plan", "bypassPermissions"];
