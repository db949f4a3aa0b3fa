//! Where ccfail finds its config and keeps its state.
//!
//! Every path ccfail derives from the environment is decided here, once, from an
//! [`Env`] snapshot taken at start-up: commands never read environment variables
//! themselves. Overrides must be absolute; an empty variable counts as unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// A snapshot of the environment variables ccfail cares about.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }

    /// The variable's value, `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }
}

/// The system-wide config path, the last fallback.
pub const SYSTEM_CONFIG: &str = "/etc/ccfail/config.yaml";

/// Where the config file came from, for `status`, `doctor` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    Flag,
    EnvCcfailConfig,
    XdgConfigHome,
    HomeConfig,
    System,
}

impl ConfigSource {
    pub fn describe(self) -> &'static str {
        match self {
            ConfigSource::Flag => "--config",
            ConfigSource::EnvCcfailConfig => "$CCFAIL_CONFIG",
            ConfigSource::XdgConfigHome => "$XDG_CONFIG_HOME/ccfail/config.yaml",
            ConfigSource::HomeConfig => "~/.config/ccfail/config.yaml",
            ConfigSource::System => SYSTEM_CONFIG,
        }
    }
}

/// Config: `--config`, else `$CCFAIL_CONFIG`, else `$XDG_CONFIG_HOME/ccfail/config.yaml`
/// (XDG's default `~/.config` when the variable is unset), else `/etc/ccfail/config.yaml`.
///
/// The XDG candidate is taken only when the file exists, so a system-wide config
/// still works for users without one of their own.
pub fn config_path(flag: Option<&Path>, env: &Env) -> Result<(PathBuf, ConfigSource)> {
    if let Some(path) = flag {
        return Ok((path.to_path_buf(), ConfigSource::Flag));
    }
    if let Some(value) = env.get("CCFAIL_CONFIG") {
        return Ok((absolute("CCFAIL_CONFIG", value)?, ConfigSource::EnvCcfailConfig));
    }
    let xdg = match env.get("XDG_CONFIG_HOME") {
        Some(value) => {
            Some((absolute("XDG_CONFIG_HOME", value)?.join("ccfail/config.yaml"), ConfigSource::XdgConfigHome))
        }
        None => env.home().map(|home| (home.join(".config/ccfail/config.yaml"), ConfigSource::HomeConfig)),
    };
    if let Some((path, source)) = xdg
        && path.exists()
    {
        return Ok((path, source));
    }
    Ok((PathBuf::from(SYSTEM_CONFIG), ConfigSource::System))
}

/// The user's own config file, whether it exists or not: `$XDG_CONFIG_HOME/ccfail/config.yaml`,
/// else `~/.config/ccfail/config.yaml` (where `ccfail init` writes, and what the search
/// tries before `/etc`). `None` without a usable `$XDG_CONFIG_HOME` or `$HOME`.
pub fn user_config_file(env: &Env) -> Option<PathBuf> {
    match env.get("XDG_CONFIG_HOME") {
        Some(value) => absolute("XDG_CONFIG_HOME", value).ok().map(|dir| dir.join("ccfail/config.yaml")),
        None => env.home().map(|home| home.join(".config/ccfail/config.yaml")),
    }
}

/// Where the state dir came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateSource {
    Config,
    StateDirectory,
    XdgStateHome,
    Home,
}

/// State dir: the config's `state.dir`, else `$STATE_DIRECTORY` (systemd; the first
/// entry when it lists several) unless it is a user unit's on systemd < 254 (see
/// [`ignored_state_directory`]), else `$XDG_STATE_HOME/ccfail`, else
/// `~/.local/state/ccfail`.
pub fn state_dir(from_config: Option<&Path>, env: &Env) -> Result<(PathBuf, StateSource)> {
    if let Some(dir) = from_config {
        return Ok((dir.to_path_buf(), StateSource::Config));
    }
    if let Some(value) = env.get("STATE_DIRECTORY")
        && ignored_state_directory(env)?.is_none()
    {
        let first = value.split(':').next().unwrap_or(value);
        return Ok((absolute("STATE_DIRECTORY", first)?, StateSource::StateDirectory));
    }
    shell_state_dir(env)
}

/// The state dir a login shell resolves (no `$STATE_DIRECTORY`, no config `state.dir`).
pub fn shell_state_dir(env: &Env) -> Result<(PathBuf, StateSource)> {
    if let Some(value) = env.get("XDG_STATE_HOME") {
        return Ok((absolute("XDG_STATE_HOME", value)?.join("ccfail"), StateSource::XdgStateHome));
    }
    match env.home() {
        Some(home) => Ok((home.join(".local/state/ccfail"), StateSource::Home)),
        None => {
            bail!("cannot choose a state dir: set state.dir in the config, $STATE_DIRECTORY, $XDG_STATE_HOME or $HOME")
        }
    }
}

/// A `$STATE_DIRECTORY` that ccfail does not follow: one under the config home
/// (`$XDG_CONFIG_HOME`, else `~/.config`). That is where systemd < 254 puts a *user*
/// unit's `StateDirectory=` (254 moved it to `~/.local/state`), so an old unit file with
/// `StateDirectory=ccfail` would give the timers `~/.config/ccfail` while a shell and
/// the hooks use `~/.local/state/ccfail`: two states, two locks. Following the shell's
/// dir keeps one; `doctor` says so.
pub fn ignored_state_directory(env: &Env) -> Result<Option<PathBuf>> {
    let Some(value) = env.get("STATE_DIRECTORY") else { return Ok(None) };
    let first = absolute("STATE_DIRECTORY", value.split(':').next().unwrap_or(value))?;
    let config_home = match env.get("XDG_CONFIG_HOME") {
        Some(value) => absolute("XDG_CONFIG_HOME", value)?,
        None => match env.home() {
            Some(home) => home.join(".config"),
            None => return Ok(None),
        },
    };
    Ok(first.starts_with(&config_home).then_some(first))
}

/// Where the tmux socket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketSource {
    Config,
    TmuxTmpdir,
    Default,
}

/// The tmux socket every run uses: the config's `tmux.socket`, else tmux's own default
/// `${TMUX_TMPDIR:-/tmp}/tmux-<uid>/default`. ccfail always passes it with `-S`, so a
/// shell inside another tmux (`$TMUX`) acts on the same server as the timers.
pub fn tmux_socket(from_config: Option<&Path>, env: &Env, uid: u32) -> (PathBuf, SocketSource) {
    if let Some(socket) = from_config {
        return (socket.to_path_buf(), SocketSource::Config);
    }
    match env.get("TMUX_TMPDIR").filter(|dir| Path::new(dir).is_absolute()) {
        Some(dir) => (Path::new(dir).join(format!("tmux-{uid}/default")), SocketSource::TmuxTmpdir),
        None => (PathBuf::from(format!("/tmp/tmux-{uid}/default")), SocketSource::Default),
    }
}

/// The socket of the tmux server a shell runs in: `$TMUX` is `socket,pid,session`.
pub fn enclosing_tmux_socket(env: &Env) -> Option<PathBuf> {
    let value = env.get("TMUX")?;
    let socket = value.split(',').next().filter(|s| !s.is_empty())?;
    Some(PathBuf::from(socket))
}

fn absolute(variable: &str, value: &str) -> Result<PathBuf> {
    let path = PathBuf::from(value);
    if !path.is_absolute() {
        bail!("${variable}={value:?} must be an absolute path (or empty to leave it unset)");
    }
    Ok(path)
}

/// The file names inside the state dir, in one place.
#[derive(Debug, Clone)]
pub struct StatePaths {
    pub dir: PathBuf,
}

impl StatePaths {
    pub fn new(dir: PathBuf) -> StatePaths {
        StatePaths { dir }
    }
    pub fn state_file(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join("state.lock")
    }
    pub fn busy_streak_file(&self) -> PathBuf {
        self.dir.join("busy-streak")
    }
    /// Transcript cursors and usage records: bulky, rebuildable, under the same lock.
    pub fn usage_file(&self) -> PathBuf {
        self.dir.join("usage.bin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_everything() {
        let env = Env::from_pairs([("CCFAIL_CONFIG", "/env/c.yaml")]);
        let (path, source) = config_path(Some(Path::new("rel.yaml")), &env).unwrap();
        assert_eq!(path, PathBuf::from("rel.yaml"));
        assert_eq!(source, ConfigSource::Flag);
    }

    #[test]
    fn env_config_must_be_absolute_and_empty_means_unset() {
        let env = Env::from_pairs([("CCFAIL_CONFIG", "relative.yaml")]);
        let err = config_path(None, &env).unwrap_err().to_string();
        assert!(err.contains("CCFAIL_CONFIG") && err.contains("absolute"), "{err}");

        let env = Env::from_pairs([("CCFAIL_CONFIG", ""), ("HOME", "/nonexistent-home")]);
        assert_eq!(config_path(None, &env).unwrap(), (PathBuf::from(SYSTEM_CONFIG), ConfigSource::System));
    }

    #[test]
    fn xdg_config_is_used_when_the_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ccfail")).unwrap();
        std::fs::write(dir.path().join("ccfail/config.yaml"), "").unwrap();
        let xdg = dir.path().to_str().unwrap();
        let env = Env::from_pairs([("XDG_CONFIG_HOME", xdg)]);
        let (path, source) = config_path(None, &env).unwrap();
        assert_eq!(path, dir.path().join("ccfail/config.yaml"));
        assert_eq!(source, ConfigSource::XdgConfigHome);
    }

    #[test]
    fn state_dir_order() {
        let env =
            Env::from_pairs([("STATE_DIRECTORY", "/var/lib/ccfail:/other"), ("XDG_STATE_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(state_dir(Some(Path::new("/cfg")), &env).unwrap().0, PathBuf::from("/cfg"));
        assert_eq!(state_dir(None, &env).unwrap(), (PathBuf::from("/var/lib/ccfail"), StateSource::StateDirectory));
        let env = Env::from_pairs([("XDG_STATE_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(state_dir(None, &env).unwrap().0, PathBuf::from("/x/ccfail"));
        let env = Env::from_pairs([("HOME", "/h")]);
        assert_eq!(state_dir(None, &env).unwrap().0, PathBuf::from("/h/.local/state/ccfail"));
        let env = Env::from_pairs([("XDG_STATE_HOME", "rel")]);
        assert!(state_dir(None, &env).is_err());
    }

    #[test]
    fn a_user_units_state_directory_under_the_config_home_is_not_followed() {
        // systemd 252: StateDirectory=ccfail of a user unit.
        let env = Env::from_pairs([("STATE_DIRECTORY", "/h/.config/ccfail"), ("HOME", "/h")]);
        assert_eq!(ignored_state_directory(&env).unwrap(), Some(PathBuf::from("/h/.config/ccfail")));
        assert_eq!(state_dir(None, &env).unwrap(), (PathBuf::from("/h/.local/state/ccfail"), StateSource::Home));
        let env =
            Env::from_pairs([("STATE_DIRECTORY", "/x/cfg/ccfail"), ("XDG_CONFIG_HOME", "/x/cfg"), ("HOME", "/h")]);
        assert_eq!(state_dir(None, &env).unwrap().0, PathBuf::from("/h/.local/state/ccfail"));
        // systemd >= 254 (the shell's own dir) and a system unit are followed.
        let env = Env::from_pairs([("STATE_DIRECTORY", "/h/.local/state/ccfail"), ("HOME", "/h")]);
        assert_eq!(ignored_state_directory(&env).unwrap(), None);
        assert_eq!(state_dir(None, &env).unwrap().1, StateSource::StateDirectory);
    }

    #[test]
    fn the_socket_is_resolved_the_way_tmux_does_and_tmux_is_not_followed() {
        let env = Env::from_pairs([("TMUX", "/tmp/tmux-1000/work,123,0")]);
        assert_eq!(tmux_socket(None, &env, 1000), (PathBuf::from("/tmp/tmux-1000/default"), SocketSource::Default));
        assert_eq!(enclosing_tmux_socket(&env), Some(PathBuf::from("/tmp/tmux-1000/work")));
        let env = Env::from_pairs([("TMUX_TMPDIR", "/run/user/1000")]);
        assert_eq!(tmux_socket(None, &env, 1000).0, PathBuf::from("/run/user/1000/tmux-1000/default"));
        assert_eq!(tmux_socket(Some(Path::new("/s")), &env, 1000), (PathBuf::from("/s"), SocketSource::Config));
    }
}
