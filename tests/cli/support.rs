//! The sealed environment every integration test runs in: a temp dir holding HOME, XDG
//! dirs, the state dir, account homes, a shared root and a private tmux socket; a
//! cleared process environment; one clock. Nothing here can reach the real `~/.claude`
//! or the default tmux server.
//!
//! One clock for everything a test runs: ccfail, the tmux server and every client in
//! its panes see the same `CCFAIL_NOW` (pinned to [`NOW`], or empty for the real
//! clock), because the tmux server is only ever started through a wrapper that seals
//! its environment. A test therefore cannot depend on the calendar date.

use std::cell::Cell;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use ccfail::driver::quote;
use ccfail::tmux::Tmux;
use tempfile::TempDir;

pub const NOW: &str = "2026-11-21T10:00:00Z";

pub struct TestEnv {
    _dir: TempDir,
    pub root: PathBuf,
    /// `CCFAIL_NOW` for every process of this test: [`NOW`], or empty (the real clock).
    clock: Cell<&'static str>,
}

impl TestEnv {
    /// Two account homes (`a` logged in, `b` too), a work dir, and a config that uses
    /// them with a pool of two and one dedicated session.
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new().prefix("ccfail-test-").tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        for sub in ["home", "accounts/a", "accounts/b", "shared", "work", "state", "tmp"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        // ccfail refuses a state dir others may write; whatever the umask, this one is private.
        fs::set_permissions(root.join("state"), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        for account in ["a", "b"] {
            fs::write(root.join(format!("accounts/{account}/.credentials.json")), "{}").unwrap();
        }
        let env = TestEnv { _dir: dir, root, clock: Cell::new(NOW) };
        env.write_config(&env.default_config());
        env.write_tmux_wrapper();
        env
    }

    /// Runs everything of this test on the real clock (cooldowns, grace periods and file
    /// ages are then real). Call before anything is started.
    pub fn on_real_clock(self) -> TestEnv {
        self.clock.set("");
        self.write_tmux_wrapper();
        self
    }

    /// The environment of every process a test starts, apart from the test itself.
    ///
    /// A suite run under `faketime` keeps it: `LD_PRELOAD` and `FAKETIME*` pass through,
    /// so ccfail, tmux and the clients all see the machine clock the run was given.
    fn sealed_vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = [
            ("HOME", self.path("home").display().to_string()),
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("XDG_CONFIG_HOME", self.path("home/.config").display().to_string()),
            ("XDG_STATE_HOME", self.path("home/.local/state").display().to_string()),
            ("TMUX_TMPDIR", self.path("tmp").display().to_string()),
            ("CCFAIL_NOW", self.clock.get().to_owned()),
            ("LANG", "C.UTF-8".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec();
        vars.extend(std::env::vars().filter(|(k, _)| k == "LD_PRELOAD" || k.starts_with("FAKETIME")));
        vars
    }

    /// `tmp/tmux`: tmux with the sealed environment, so a server the test process starts
    /// holds the same environment (and clock) as one ccfail starts.
    fn write_tmux_wrapper(&self) {
        let real = which("tmux").unwrap_or_else(|| PathBuf::from("tmux"));
        let vars: Vec<String> = self.sealed_vars().iter().map(|(k, v)| format!("{k}={}", quote(v))).collect();
        let script =
            format!("#!/bin/sh\nexec env -i {} {} \"$@\"\n", vars.join(" "), quote(&real.display().to_string()));
        let wrapper = self.tmux_wrapper();
        fs::write(&wrapper, script).unwrap();
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn tmux_wrapper(&self) -> PathBuf {
        self.path("tmp/tmux")
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The history ccfail kept, oldest first, as JSON: the `history` array an older
    /// `state.json` still holds, then the lines of `history.jsonl` beside it (blank
    /// lines passed over; a line that does not parse fails the test, naming it).
    pub fn history(&self) -> Vec<serde_json::Value> {
        let state: serde_json::Value = fs::read_to_string(self.path("state/state.json"))
            .ok()
            .map_or(serde_json::Value::Null, |text| serde_json::from_str(&text).expect("state.json parses"));
        let mut entries = state["history"].as_array().cloned().unwrap_or_default();
        let file = self.path("state/history.jsonl");
        let text = fs::read_to_string(&file).unwrap_or_default();
        for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
            entries.push(
                serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("{} line {}: {err}: {line}", file.display(), number + 1)),
            );
        }
        entries
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("tmux.sock")
    }

    pub fn config_file(&self) -> PathBuf {
        self.root.join("config.yaml")
    }

    pub fn default_config(&self) -> String {
        let r = self.root.display();
        format!(
            "accounts:
  - name: a
    home: {r}/accounts/a
  - name: b
    home: {r}/accounts/b
    priority: 1
claude:
  binary: /bin/true
  shared:
    root: {r}/shared
tmux:
  socket: {r}/tmux.sock
  enter_delay: 50ms
pool:
  autonomous:
    prefix: w
    start_index: 1
    max: 2
    workdir: {r}/work
  dedicated:
    - name: main
      project: {r}/work
state:
  dir: {r}/state
  lock_wait: 500ms
"
        )
    }

    pub fn write_config(&self, text: &str) {
        fs::write(self.config_file(), text).unwrap();
    }

    /// `ccfail` with the sealed environment and `--config` pointing at our file.
    pub fn ccfail(&self, args: &[&str]) -> Run {
        self.ccfail_with(&[], args)
    }

    /// `ccfail` with extra environment variables, e.g. `CCFAIL_FAULT`.
    pub fn ccfail_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
        command.arg("--config").arg(self.config_file()).args(args);
        self.seal(&mut command);
        command.envs(vars.iter().copied());
        Run(command.output().expect("run ccfail"))
    }

    /// Clears the environment and points every location into the temp dir.
    pub fn seal(&self, command: &mut Command) {
        command.env_clear().envs(self.sealed_vars()).current_dir(&self.root);
    }

    pub fn tmux(&self) -> Tmux {
        Tmux::new(self.tmux_wrapper(), Some(self.socket()), Duration::from_millis(50))
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = self.tmux().kill_server();
    }
}

/// A finished ccfail run, with assertions that print everything on failure.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    #[track_caller]
    pub fn status(&self, expected: i32) -> &Run {
        assert_eq!(self.code(), expected, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr());
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(self.stderr().contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr());
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }
}

/// `target/debug/deps/cli-<hash>` → `target/debug/examples/claude` (`cargo test`
/// builds examples before it runs tests).
pub fn standin_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("examples").join("claude");
    assert!(bin.is_file(), "stand-in not built at {} (cargo test builds examples)", bin.display());
    bin
}

impl TestEnv {
    /// The default config with the stand-in as the claude binary.
    pub fn with_standin() -> TestEnv {
        let env = TestEnv::new();
        let config = env.default_config().replace("binary: /bin/true", &format!("binary: {}", standin_bin().display()));
        env.write_config(&config);
        for account in ["a", "b"] {
            env.trust(account, &env.path("work"));
        }
        env
    }

    /// Steers every stand-in running on `account` (read at each prompt).
    pub fn control(&self, account: &str, json: &str) {
        fs::write(self.path(&format!("accounts/{account}/standin.json")), json).unwrap();
    }

    /// Marks `dir` as trusted in the account's `.claude.json`, as after a first start.
    pub fn trust(&self, account: &str, dir: &Path) {
        let file = self.path(&format!("accounts/{account}/.claude.json"));
        let mut doc: serde_json::Value =
            fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(serde_json::json!({}));
        doc["projects"][dir.display().to_string()]["hasTrustDialogAccepted"] = serde_json::json!(true);
        fs::write(&file, doc.to_string()).unwrap();
    }

    /// A tmux session (200x50) running a plain shell in `work/`; returns the pane id and
    /// the shell's pid.
    pub fn shell_pane(&self, session: &str) -> (String, u32) {
        let tmux = self.tmux();
        let work = self.path("work");
        let home = self.path("home");
        tmux.new_session(&ccfail::tmux::NewSession {
            name: session,
            cwd: Some(&work),
            env: vec![("HOME".to_owned(), home.display().to_string()), ("PS1".to_owned(), "$ ".to_owned())],
            command: Some("bash --norc --noprofile"),
            width: 200,
            height: 50,
        })
        .unwrap();
        let pane = tmux.observe().unwrap().session_pane(session).unwrap().clone();
        (pane.pane_id, pane.pid)
    }

    /// A shell pane with the stand-in started in it on `account`, waited for until it
    /// shows its input box. Returns the pane id.
    pub fn start_claude(&self, session: &str, account: &str) -> String {
        let tmux = self.tmux();
        let (pane, _) = self.shell_pane(session);
        let command = format!(
            "CLAUDE_CONFIG_DIR={} {}",
            self.path(&format!("accounts/{account}")).display(),
            standin_bin().display()
        );
        tmux.send_line(&pane, &command).unwrap();
        self.wait_screen(&pane, "? for shortcuts");
        pane
    }

    /// Types a prompt into the pane and presses Enter.
    pub fn prompt(&self, pane: &str, text: &str) {
        self.tmux().send_line(pane, text).unwrap();
    }

    #[track_caller]
    pub fn wait_screen(&self, pane: &str, needle: &str) -> String {
        self.tmux()
            .wait_for(pane, Duration::from_secs(20), |screen| screen.contains(needle))
            .unwrap_or_else(|err| panic!("pane {pane} never showed {needle:?}: {err}"))
    }
}

/// Polls `check` every 50 ms until it gives `Ok`; after `limit` the test fails naming
/// what was awaited and the last `Err` (what the world looked like then). The only way a
/// test waits: no fixed sleeps that assume a fast machine.
#[track_caller]
pub fn wait_until<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let started = std::time::Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(last) if started.elapsed() >= limit => {
                panic!("timed out after {limit:?} waiting for {what}; last seen: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Makes `path` a unix socket file that nothing listens on: what a crashed tmux
/// server leaves behind.
pub fn stale_socket(path: &Path) {
    let listener = std::os::unix::net::UnixListener::bind(path).expect("bind");
    drop(listener);
}

/// The first `name` on `PATH` that is a file.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|path| path.is_file())
}
