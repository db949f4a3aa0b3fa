//! The tmux layer: the only place ccfail spawns tmux.
//!
//! One call observes the whole server (every session and pane with what ccfail needs to
//! decide), one more captures the text of all the panes a run needs. Everything else is
//! a small verb (create, kill, respawn, send text, wait). Failures are typed so callers
//! can tell "no server" and "no such session" from "tmux crashed", and "tmux not found"
//! says how to install it. This module knows nothing of Claude Code or of the pool.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;

/// `-u`: this client takes UTF-8, whatever the locale says. Without it a client in the
/// C locale (a login shell with no `LANG`, as on a minimal Debian) gets every tab of a
/// `-F` format and every non-ASCII character of a capture replaced by `_`: no pane line
/// parses, and no screen either. Passed only when the locale is not UTF-8 already (see
/// [`locale_is_utf8`]): under a UTF-8 locale it changed how Claude Code 2.1.332's trust
/// dialog was answered (the real-client tier), for reasons not yet understood.
const UTF8_CLIENT: &str = "-u";

/// Whether tmux takes this process for a UTF-8 client: the first of `LC_ALL`,
/// `LC_CTYPE`, `LANG` that is set and not empty names a UTF-8 charset, as tmux decides.
pub fn locale_is_utf8(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    [lc_all, lc_ctype, lang].into_iter().flatten().find(|v| !v.is_empty()).is_some_and(|v| {
        let v = v.to_ascii_lowercase();
        v.contains("utf-8") || v.contains("utf8")
    })
}

/// The marker line printed before each pane's text in a batched capture.
const CAPTURE_MARKER: &str = "\u{27e6}ccfail-capture\u{27e7}";

#[derive(Debug, Error)]
pub enum TmuxError {
    #[error(
        "tmux not found (tried {binary:?}); install it (Debian/Ubuntu: apt-get install tmux; Fedora: dnf install tmux; macOS: brew install tmux) or set tmux.binary in the config"
    )]
    Missing { binary: PathBuf },
    #[error("no tmux server is running{}", socket_suffix(.socket))]
    NoServer { socket: Option<PathBuf> },
    #[error("no tmux session named {0:?}")]
    NoSuchSession(String),
    #[error("no tmux pane {0}")]
    NoSuchPane(String),
    #[error("timed out after {waited:?} waiting for pane {target}")]
    Timeout { target: String, waited: Duration, last_screen: String },
    #[error("tmux {args} failed ({status}): {stderr}")]
    Failed { args: String, status: String, stderr: String },
    #[error("could not run tmux ({binary:?})")]
    Io {
        binary: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn socket_suffix(socket: &Option<PathBuf>) -> String {
    match socket {
        Some(path) => format!(" on socket {}", path.display()),
        None => " on the default socket".to_owned(),
    }
}

/// One pane as `list-panes -a` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pane {
    pub session: String,
    pub window_index: u32,
    pub pane_index: u32,
    /// tmux's stable id, such as `%3`: the target ccfail uses for pane verbs.
    pub pane_id: String,
    /// The pid of the process tmux started in the pane (normally the shell).
    pub pid: u32,
    pub current_command: String,
    pub current_path: String,
    pub dead: bool,
    /// Last activity in the pane's window, seconds since the epoch.
    pub activity: i64,
    pub width: u32,
    pub height: u32,
}

/// What one observe call saw.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Observation {
    pub server_running: bool,
    pub panes: Vec<Pane>,
}

impl Observation {
    /// The first pane of a session (window and pane index order), if the session exists.
    pub fn session_pane(&self, session: &str) -> Option<&Pane> {
        self.panes.iter().filter(|p| p.session == session).min_by_key(|p| (p.window_index, p.pane_index))
    }

    pub fn has_session(&self, session: &str) -> bool {
        self.panes.iter().any(|p| p.session == session)
    }

    pub fn pane_by_id(&self, pane_id: &str) -> Option<&Pane> {
        self.panes.iter().find(|p| p.pane_id == pane_id)
    }
}

/// What to create with [`Tmux::new_session`].
#[derive(Debug, Clone, Default)]
pub struct NewSession<'a> {
    pub name: &'a str,
    pub cwd: Option<&'a Path>,
    pub env: Vec<(String, String)>,
    /// A shell command to run instead of the default shell.
    pub command: Option<&'a str>,
    pub width: u32,
    pub height: u32,
}

/// Where a tmux server that ccfail starts is to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerHome {
    /// As a child of this run, in the caller's cgroup (a login shell's session).
    Inherit,
    /// In a transient user scope of its own, `systemd-run --user --scope --unit=<unit>`:
    /// this run is a unit's process, and at the unit's exit `KillMode=control-group`
    /// kills whatever is left in the unit's cgroup, the server and every pane with it.
    Scope { unit: String },
}

/// What a systemd unit gives its processes that must not reach the server's global
/// environment (and so every pane, the clients and their hooks).
pub const UNIT_VARIABLES: &[&str] = &[
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "SYSTEMD_EXEC_PID",
    "STATE_DIRECTORY",
    "MANAGERPID",
    "NOTIFY_SOCKET",
    "LISTEN_PID",
    "LISTEN_FDS",
    "LISTEN_FDNAMES",
    "WATCHDOG_PID",
    "WATCHDOG_USEC",
];

/// Whether this run is a systemd unit's process, from its own `/proc/self/cgroup` and
/// the unit variables. The cgroup is the truth when it names a unit: a `.service` leaf
/// is a unit's cgroup, a `.scope` leaf is a login session or the pool's own scope (where
/// `INVOCATION_ID` may have leaked from an older server). Without one (no systemd, a
/// container's `/`), `INVOCATION_ID` or `SYSTEMD_EXEC_PID` decide.
#[allow(clippy::case_sensitive_file_extension_comparisons, reason = "cgroup unit names, not file names")]
pub fn under_unit(own_cgroup: Option<&str>, invocation_id: Option<&str>, exec_pid: Option<&str>) -> bool {
    match own_cgroup.and_then(cgroup_leaf) {
        Some(leaf) if leaf.ends_with(".service") => true,
        Some(leaf) if leaf.ends_with(".scope") => false,
        _ => invocation_id.is_some() || exec_pid.is_some(),
    }
}

/// The last component of this process's cgroup path: the unified (`0::`) line, else
/// systemd's named v1 hierarchy. `None` for the root or an unreadable text.
fn cgroup_leaf(text: &str) -> Option<&str> {
    let path = |prefix: &str| text.lines().find_map(|line| line.strip_prefix(prefix));
    let path = path("0::")
        .filter(|p| *p != "/")
        .or_else(|| path("1:name=systemd:"))
        .or_else(|| text.lines().find_map(|line| line.split_once(":name=systemd:").map(|(_, p)| p)))?;
    path.trim_end().rsplit('/').next().filter(|leaf| !leaf.is_empty())
}

/// Where a server started now would run: its own scope when this run is a unit's.
/// The scope's name is derived from the socket, so one server has one scope.
pub fn server_home(under_unit: bool, socket: &Path) -> ServerHome {
    if !under_unit {
        return ServerHome::Inherit;
    }
    let hash = socket
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    ServerHome::Scope { unit: format!("ccfail-tmux-{:08x}", hash as u32) }
}

/// The program and arguments that run `tmux <args>` on `socket` from `home`.
pub fn start_command(
    binary: &Path,
    socket: Option<&Path>,
    home: &ServerHome,
    args: &[&str],
    utf8_flag: bool,
) -> (PathBuf, Vec<OsString>) {
    let mut tmux: Vec<OsString> = Vec::new();
    if let Some(socket) = socket {
        tmux.extend([OsString::from("-S"), socket.as_os_str().to_owned()]);
    }
    if utf8_flag {
        tmux.push(UTF8_CLIENT.into());
    }
    tmux.extend(args.iter().map(OsString::from));
    match home {
        ServerHome::Inherit => (binary.to_path_buf(), tmux),
        ServerHome::Scope { unit } => {
            let mut argv: Vec<OsString> =
                ["--user", "--scope", "--collect", "--quiet"].iter().map(OsString::from).collect();
            argv.push(format!("--unit={unit}").into());
            argv.push(format!("--description=ccfail's tmux server ({unit})").into());
            argv.push("--".into());
            argv.push(binary.as_os_str().to_owned());
            argv.extend(tmux);
            (PathBuf::from("systemd-run"), argv)
        }
    }
}

/// A handle on one tmux server.
#[derive(Debug, Clone)]
pub struct Tmux {
    binary: PathBuf,
    socket: Option<PathBuf>,
    enter_delay: Duration,
    home: ServerHome,
    /// Why the last server start could not go through `systemd-run` (it then started
    /// in this run's cgroup), for the caller to say.
    scope_failure: Arc<Mutex<Option<String>>>,
    /// tmux processes spawned through this handle and its clones.
    spawned: Arc<AtomicUsize>,
    /// Pass `-u` ([`UTF8_CLIENT`]): this process's locale is not UTF-8.
    utf8_flag: bool,
}

const LIST_FORMAT: &str = "#{session_name}\t#{window_index}\t#{pane_index}\t#{pane_id}\t#{pane_pid}\t#{pane_current_command}\t#{pane_dead}\t#{window_activity}\t#{pane_width}\t#{pane_height}\t#{pane_current_path}";

impl Tmux {
    pub fn new(binary: impl Into<PathBuf>, socket: Option<PathBuf>, enter_delay: Duration) -> Tmux {
        Tmux {
            binary: binary.into(),
            socket,
            enter_delay,
            home: ServerHome::Inherit,
            scope_failure: Arc::default(),
            spawned: Arc::default(),
            utf8_flag: !locale_is_utf8(
                std::env::var("LC_ALL").ok().as_deref(),
                std::env::var("LC_CTYPE").ok().as_deref(),
                std::env::var("LANG").ok().as_deref(),
            ),
        }
    }

    /// Passes `-u` or not, whatever this process's locale says.
    #[must_use]
    pub fn with_utf8_flag(mut self, on: bool) -> Tmux {
        self.utf8_flag = on;
        self
    }

    /// Where a server this handle starts is to run (see [`server_home`]).
    pub fn with_server_home(mut self, home: ServerHome) -> Tmux {
        self.home = home;
        self
    }

    pub fn server_home(&self) -> &ServerHome {
        &self.home
    }

    /// Why the last server start fell back to this run's cgroup, once.
    pub fn take_scope_failure(&self) -> Option<String> {
        self.scope_failure.lock().ok()?.take()
    }

    /// The server's pid, `None` when no server runs on the socket.
    pub fn server_pid(&self) -> Result<Option<u32>, TmuxError> {
        match self.run(&["display-message", "-p", "#{pid}"]) {
            Ok(out) => Ok(out.trim().parse().ok()),
            Err(TmuxError::NoServer { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The pause between typing a line and pressing Enter (`tmux.enter_delay`).
    pub fn enter_delay(&self) -> Duration {
        self.enter_delay
    }

    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// How many tmux processes this handle (and its clones) has spawned so far;
    /// benchmarks and tests read it.
    pub fn spawned(&self) -> usize {
        self.spawned.load(Ordering::Relaxed)
    }

    /// `tmux -V`: proves the binary runs, without needing a server.
    pub fn version(&self) -> Result<String, TmuxError> {
        let out = self.run_raw(&["-V"])?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(self.classify(&["-V"], &out))
        }
    }

    /// Every session and pane of the server, in one tmux call. No server is not an
    /// error here: it is an observation (`server_running: false`).
    pub fn observe(&self) -> Result<Observation, TmuxError> {
        let args = ["list-panes", "-a", "-F", LIST_FORMAT];
        match self.run(&args) {
            Ok(stdout) => {
                Ok(Observation { server_running: true, panes: stdout.lines().filter_map(parse_pane_line).collect() })
            }
            Err(TmuxError::NoServer { .. }) => Ok(Observation { server_running: false, panes: Vec::new() }),
            Err(err) => Err(err),
        }
    }

    /// The text of several panes in one tmux call (`capture-pane -p -J`, wrapped lines
    /// joined). `scrollback` extra lines above the visible screen are included. A pane
    /// that vanished since the observe is dropped and the rest captured again.
    pub fn capture(&self, pane_ids: &[&str], scrollback: u32) -> Result<BTreeMap<String, String>, TmuxError> {
        let mut wanted: Vec<&str> = pane_ids.to_vec();
        loop {
            if wanted.is_empty() {
                return Ok(BTreeMap::new());
            }
            let start = format!("-{scrollback}");
            let marker = format!("{CAPTURE_MARKER}#{{pane_id}}");
            let mut args: Vec<&str> = Vec::new();
            for (i, id) in wanted.iter().enumerate() {
                if i > 0 {
                    args.push(";");
                }
                args.extend(["display-message", "-p", "-t", id, "--", &marker]);
                args.extend([";", "capture-pane", "-p", "-J", "-t", id]);
                if scrollback > 0 {
                    args.extend(["-S", &start]);
                }
            }
            match self.run(&args) {
                Ok(stdout) => return Ok(split_captures(&stdout)),
                Err(TmuxError::NoSuchPane(gone)) if wanted.contains(&gone.as_str()) => wanted.retain(|id| *id != gone),
                Err(err) => return Err(err),
            }
        }
    }

    /// The visible text of one pane.
    pub fn capture_one(&self, target: &str) -> Result<String, TmuxError> {
        self.run(&["capture-pane", "-p", "-J", "-t", target])
    }

    pub fn has_session(&self, name: &str) -> Result<bool, TmuxError> {
        match self.run(&["has-session", "-t", &exact(name)]) {
            Ok(_) => Ok(true),
            Err(TmuxError::NoSuchSession(_) | TmuxError::NoServer { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Creates a detached session (starting the server if needed).
    pub fn new_session(&self, spec: &NewSession<'_>) -> Result<(), TmuxError> {
        let width = if spec.width == 0 { 200 } else { spec.width }.to_string();
        let height = if spec.height == 0 { 50 } else { spec.height }.to_string();
        let mut args: Vec<String> =
            ["new-session", "-d", "-s", spec.name, "-x", &width, "-y", &height].map(str::to_owned).to_vec();
        if let Some(cwd) = spec.cwd {
            args.extend(["-c".to_owned(), cwd.display().to_string()]);
        }
        for (key, value) in &spec.env {
            args.extend(["-e".to_owned(), format!("{key}={value}")]);
        }
        if let Some(command) = spec.command {
            args.push(command.to_owned());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.socket_dir()?;
        if self.home == ServerHome::Inherit || self.server_pid()?.is_some() {
            return self.run(&refs).map(drop);
        }
        // This command starts the server: from its own scope, with no unit variables.
        let (program, argv) = start_command(&self.binary, self.socket.as_deref(), &self.home, &refs, self.utf8_flag);
        let mut command = Command::new(&program);
        command.args(&argv).stdin(Stdio::null());
        for variable in UNIT_VARIABLES {
            command.env_remove(variable);
        }
        self.spawned.fetch_add(1, Ordering::Relaxed);
        let failure = match command.output() {
            Ok(out) if out.status.success() => return Ok(()),
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
                if !(stderr.starts_with("Failed to") || stderr.starts_with("Job for")) {
                    return Err(self.classify(&refs, &out));
                }
                format!("systemd-run failed ({}): {stderr}", out.status)
            }
            Err(err) => format!("could not run {}: {err}", program.display()),
        };
        // systemd-run itself failed (no user manager, or another run's scope won the
        // race): the server starts here, or this connects to the one just started.
        if let Ok(mut slot) = self.scope_failure.lock() {
            *slot = Some(failure);
        }
        self.run_without_unit_variables(&refs)
    }

    pub fn kill_session(&self, name: &str) -> Result<(), TmuxError> {
        self.run(&["kill-session", "-t", &exact(name)]).map(drop)
    }

    /// Restarts the pane's process (`respawn-pane -k`), optionally in another dir.
    pub fn respawn_pane(&self, target: &str, cwd: Option<&Path>, command: Option<&str>) -> Result<(), TmuxError> {
        let cwd_text = cwd.map(|c| c.display().to_string());
        let mut args = vec!["respawn-pane", "-k", "-t", target];
        if let Some(cwd) = &cwd_text {
            args.extend(["-c", cwd]);
        }
        if let Some(command) = command {
            args.push(command);
        }
        self.run(&args).map(drop)
    }

    /// Types `text` into the pane exactly as given (`send-keys -l`): no key names are
    /// interpreted, so a task title can never press keys.
    pub fn send_literal(&self, target: &str, text: &str) -> Result<(), TmuxError> {
        self.run(&["send-keys", "-t", target, "-l", "--", &escape_trailing_semicolon(text)]).map(drop)
    }

    /// Types each text into its pane literally, all in one tmux call. tmux stops at the
    /// first pane that is gone; the caller verifies what arrived.
    pub fn send_literal_many(&self, items: &[(&str, &str)]) -> Result<(), TmuxError> {
        let escaped: Vec<String> = items.iter().map(|(_, text)| escape_trailing_semicolon(text)).collect();
        let mut args: Vec<&str> = Vec::new();
        for (i, ((target, _), text)) in items.iter().zip(&escaped).enumerate() {
            if i > 0 {
                args.push(";");
            }
            args.extend(["send-keys", "-t", target, "-l", "--", text]);
        }
        if args.is_empty() { Ok(()) } else { self.run(&args).map(drop) }
    }

    /// Presses the same named keys in several panes, in one tmux call.
    pub fn send_keys_many(&self, targets: &[&str], keys: &[&str]) -> Result<(), TmuxError> {
        let mut args: Vec<&str> = Vec::new();
        for (i, target) in targets.iter().enumerate() {
            if i > 0 {
                args.push(";");
            }
            args.extend(["send-keys", "-t", target]);
            args.extend_from_slice(keys);
        }
        if args.is_empty() { Ok(()) } else { self.run(&args).map(drop) }
    }

    /// Presses named keys such as `Enter` or `Escape`.
    pub fn send_keys(&self, target: &str, keys: &[&str]) -> Result<(), TmuxError> {
        let mut args = vec!["send-keys", "-t", target];
        args.extend_from_slice(keys);
        self.run(&args).map(drop)
    }

    /// Types a line literally, waits the configured delay (so the client has taken the
    /// text before the key arrives), then presses Enter.
    pub fn send_line(&self, target: &str, text: &str) -> Result<(), TmuxError> {
        self.send_literal(target, text)?;
        std::thread::sleep(self.enter_delay);
        self.send_keys(target, &["Enter"])
    }

    /// Polls the pane until `matches` accepts its text, or the timeout passes.
    pub fn wait_for(
        &self,
        target: &str,
        timeout: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Result<String, TmuxError> {
        let started = Instant::now();
        loop {
            let screen = self.capture_one(target)?;
            if matches(&screen) {
                return Ok(screen);
            }
            if started.elapsed() >= timeout {
                return Err(TmuxError::Timeout {
                    target: target.to_owned(),
                    waited: started.elapsed(),
                    last_screen: screen,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the whole server; for tests and the demo's clean-up.
    pub fn kill_server(&self) -> Result<(), TmuxError> {
        match self.run(&["kill-server"]) {
            Ok(_) | Err(TmuxError::NoServer { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// With `-S`, tmux does not create the socket's folder as it does its default
    /// `tmux-<uid>/`: a first server start makes it, private to the user.
    fn socket_dir(&self) -> Result<(), TmuxError> {
        use std::os::unix::fs::DirBuilderExt;
        let Some(dir) = self.socket.as_deref().and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        if dir.exists() {
            return Ok(());
        }
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|source| TmuxError::Failed {
            args: format!("mkdir {}", dir.display()),
            status: "error".to_owned(),
            stderr: format!("could not create the tmux socket's folder {}: {source}", dir.display()),
        })
    }

    fn run_without_unit_variables(&self, args: &[&str]) -> Result<(), TmuxError> {
        let out = self.spawn(args, true)?;
        if out.status.success() { Ok(()) } else { Err(self.classify(args, &out)) }
    }

    fn run(&self, args: &[&str]) -> Result<String, TmuxError> {
        let out = self.run_raw(args)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(self.classify(args, &out))
        }
    }

    fn run_raw(&self, args: &[&str]) -> Result<Output, TmuxError> {
        self.spawn(args, false)
    }

    fn spawn(&self, args: &[&str], without_unit_variables: bool) -> Result<Output, TmuxError> {
        let mut command = Command::new(&self.binary);
        if let Some(socket) = &self.socket {
            command.arg("-S").arg(socket);
        }
        if self.utf8_flag {
            command.arg(UTF8_CLIENT);
        }
        command.args(args).stdin(Stdio::null());
        if without_unit_variables {
            for variable in UNIT_VARIABLES {
                command.env_remove(variable);
            }
        }
        self.spawned.fetch_add(1, Ordering::Relaxed);
        command.output().map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => TmuxError::Missing { binary: self.binary.clone() },
            _ => TmuxError::Io { binary: self.binary.clone(), source },
        })
    }

    fn classify(&self, args: &[&str], out: &Output) -> TmuxError {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let lower = stderr.to_lowercase();
        if lower.starts_with("no server running")
            || lower.starts_with("error connecting to")
            || lower.contains("server exited unexpectedly")
            // A server whose last session was just killed answers this while it exits.
            || (lower == "no current target" && args.contains(&"list-panes"))
        {
            return TmuxError::NoServer { socket: self.socket.clone() };
        }
        if let Some(rest) = lower.strip_prefix("can't find pane: ").or_else(|| lower.strip_prefix("can't find pane ")) {
            return TmuxError::NoSuchPane(rest.trim().to_owned());
        }
        if lower.starts_with("can't find session") || lower.starts_with("session not found") {
            let name = stderr.rsplit(':').next().unwrap_or_default().trim().trim_start_matches('=').to_owned();
            return TmuxError::NoSuchSession(name);
        }
        TmuxError::Failed { args: args.join(" "), status: out.status.to_string(), stderr }
    }
}

/// tmux reads an argument ending in `;` as the end of a command (and drops the `;`);
/// `\;` at the end is its escape for a literal one.
fn escape_trailing_semicolon(text: &str) -> String {
    match text.strip_suffix(';') {
        Some(rest) => format!("{rest}\\;"),
        None => text.to_owned(),
    }
}

/// `=name` makes tmux match the session name exactly, never as a prefix.
fn exact(name: &str) -> String {
    format!("={name}")
}

fn parse_pane_line(line: &str) -> Option<Pane> {
    let mut fields = line.splitn(11, '\t');
    let session = fields.next()?.to_owned();
    let window_index = fields.next()?.parse().ok()?;
    let pane_index = fields.next()?.parse().ok()?;
    let pane_id = fields.next()?.to_owned();
    let pid = fields.next()?.parse().unwrap_or(0);
    let current_command = fields.next()?.to_owned();
    let dead = fields.next()? == "1";
    let activity = fields.next()?.parse().unwrap_or(0);
    let width = fields.next()?.parse().unwrap_or(0);
    let height = fields.next()?.parse().unwrap_or(0);
    let current_path = fields.next().unwrap_or_default().to_owned();
    Some(Pane {
        session,
        window_index,
        pane_index,
        pane_id,
        pid,
        current_command,
        current_path,
        dead,
        activity,
        width,
        height,
    })
}

fn split_captures(stdout: &str) -> BTreeMap<String, String> {
    let mut captures = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in stdout.split_inclusive('\n') {
        if let Some(id) = line.strip_prefix(CAPTURE_MARKER) {
            if let Some((id, text)) = current.take() {
                captures.insert(id, text);
            }
            current = Some((id.trim_end().to_owned(), String::new()));
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
        }
    }
    if let Some((id, text)) = current {
        captures.insert(id, text);
    }
    captures
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2_UNIT: &str = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/ccfail-watch-once.service\n";
    const V2_SCOPE: &str = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/ccfail-tmux-0a1b2c3d.scope\n";
    const V1_LOGIN: &str = "12:pids:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n0::/\n";

    #[test]
    fn a_unit_is_told_by_its_cgroup_first() {
        assert!(under_unit(Some(V2_UNIT), None, None));
        // The pool's own scope with INVOCATION_ID leaked from the unit that started it.
        assert!(!under_unit(Some(V2_SCOPE), Some("abc"), Some("42")));
        assert!(!under_unit(Some(V1_LOGIN), Some("abc"), None));
        // No systemd cgroup to go by: the unit variables decide.
        assert!(under_unit(Some("0::/\n"), Some("abc"), None));
        assert!(under_unit(None, None, Some("42")));
        assert!(!under_unit(Some("0::/\n"), None, None));
        assert!(!under_unit(None, None, None));
    }

    #[test]
    fn under_a_unit_the_server_starts_in_a_scope_named_after_its_socket() {
        let socket = Path::new("/tmp/tmux-1000/default");
        assert_eq!(server_home(false, socket), ServerHome::Inherit);
        let home = server_home(true, socket);
        let ServerHome::Scope { unit } = &home else { panic!("{home:?}") };
        assert!(unit.starts_with("ccfail-tmux-") && unit.len() == "ccfail-tmux-".len() + 8, "{unit}");
        assert_eq!(home, server_home(true, socket), "one socket, one scope");
        assert_ne!(home, server_home(true, Path::new("/tmp/tmux-1000/other")));

        let (program, argv) =
            start_command(Path::new("tmux"), Some(socket), &home, &["new-session", "-d", "-s", "p1"], true);
        assert_eq!(program, PathBuf::from("systemd-run"));
        let argv: Vec<String> = argv.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        let dashes = argv.iter().position(|a| a == "--").unwrap();
        assert_eq!(&argv[..4], ["--user", "--scope", "--collect", "--quiet"]);
        assert!(argv[..dashes].contains(&format!("--unit={unit}")));
        assert_eq!(
            &argv[dashes + 1..],
            ["tmux", "-S", "/tmp/tmux-1000/default", "-u", "new-session", "-d", "-s", "p1"]
        );

        let (program, argv) =
            start_command(Path::new("tmux"), Some(socket), &ServerHome::Inherit, &["new-session"], true);
        assert_eq!(program, PathBuf::from("tmux"));
        assert_eq!(argv, ["-S", "/tmp/tmux-1000/default", "-u", "new-session"].map(OsString::from));
    }

    #[test]
    fn the_first_locale_variable_set_decides_utf8_as_tmux_does() {
        assert!(locale_is_utf8(None, None, Some("C.UTF-8")));
        assert!(locale_is_utf8(None, None, Some("en_US.utf8")));
        assert!(!locale_is_utf8(None, None, None), "no locale: C");
        assert!(!locale_is_utf8(Some("C"), None, Some("C.UTF-8")), "LC_ALL wins");
        assert!(locale_is_utf8(Some(""), Some("de_DE.UTF-8"), Some("C")), "an empty one is not set");
        assert!(!locale_is_utf8(None, None, Some("POSIX")));
    }

    #[test]
    fn parses_a_list_panes_line() {
        let pane = parse_pane_line("pool-1\t0\t0\t%3\t4242\tclaude\t0\t1795240000\t200\t50\t/home/op/work").unwrap();
        assert_eq!(pane.session, "pool-1");
        assert_eq!(pane.pane_id, "%3");
        assert_eq!(pane.pid, 4242);
        assert!(!pane.dead);
        assert_eq!(pane.current_path, "/home/op/work");
    }

    #[test]
    fn a_trailing_semicolon_is_escaped_for_tmux() {
        assert_eq!(escape_trailing_semicolon("a;b"), "a;b");
        assert_eq!(escape_trailing_semicolon("ab;"), "ab\\;");
        assert_eq!(escape_trailing_semicolon(";"), "\\;");
    }

    #[test]
    fn splits_a_batched_capture() {
        let text = format!("{CAPTURE_MARKER}%1\nline a\n\n{CAPTURE_MARKER}%2\nline b\n");
        let captures = split_captures(&text);
        assert_eq!(captures["%1"], "line a\n\n");
        assert_eq!(captures["%2"], "line b\n");
    }
}
