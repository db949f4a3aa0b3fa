//! One sandbox of the real-client tier: a temp dir with two seeded account homes, a
//! project with a task queue, ccfail's config and state, the mock Messages API and a
//! private tmux server, both in a loopback-only network namespace when root.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccfail::process;
use ccfail::tmux::Tmux;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The install cache of `scripts/real-client/install.sh`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CCFAIL_REAL_CLIENT_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"), PathBuf::from);
    base.join("ccfail").join("claude-code")
}

/// The plan tier of the fake subscription logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Max20x,
    Pro,
}

impl Plan {
    pub fn parse(text: &str) -> Plan {
        match text {
            "max20x" | "max" => Plan::Max20x,
            "pro" => Plan::Pro,
            other => panic!("CCFAIL_REAL_CLIENT_PLANS: unknown plan {other:?} (max20x, pro)"),
        }
    }
    fn credentials(self, token: &str) -> Value {
        let (sub, tier) = match self {
            Plan::Max20x => ("max", "default_claude_max_20x"),
            Plan::Pro => ("pro", "default_claude_ai"),
        };
        json!({"claudeAiOauth": {
            "accessToken": token, "refreshToken": format!("ref-{token}"), "expiresAt": 4_102_444_800_000u64,
            "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
            "subscriptionType": sub, "rateLimitTier": tier}})
    }
}

pub struct Setup<'a> {
    pub binary: &'a Path,
    pub plan: Plan,
    /// `claude.args: [--dangerously-skip-permissions]` (else the client's default mode).
    pub bypass: bool,
    /// Pool size (`pool.autonomous.min` = `max`); 0 = no pool.
    pub pool: usize,
    pub label: &'a str,
    /// Appended to the config (whole top-level sections, e.g. `placement:`).
    pub extra: &'a str,
}

/// What one tmux session's client says about itself (its `sessions/<pid>.json`).
#[derive(Debug, Clone)]
pub struct Client {
    pub session_id: String,
    pub pid: u32,
    pub account: String,
    pub status: String,
}

pub struct Sandbox {
    dir: TempDir,
    mock: Child,
    label: String,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn examples_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("examples").join(name);
    assert!(bin.is_file(), "{name} not built at {} (cargo test builds examples)", bin.display());
    bin
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

impl Sandbox {
    pub fn new(setup: &Setup<'_>) -> Sandbox {
        let dir = tempfile::Builder::new().prefix("ccfail-rc-").tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        for sub in [
            "home",
            "accounts/a",
            "accounts/b",
            "shared",
            "work/pool",
            "work/app/.agent-queue/inbox",
            "state",
            "mock",
            "tmp",
        ] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        for account in ["a", "b"] {
            let home = root.join("accounts").join(account);
            let cred = home.join(".credentials.json");
            fs::write(&cred, setup.plan.credentials(&format!("tok-{account}")).to_string()).unwrap();
            fs::set_permissions(&cred, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
            // A home that has been logged in once: onboarding done.
            fs::write(home.join(".claude.json"), json!({"hasCompletedOnboarding": true, "numStartups": 1}).to_string())
                .unwrap();
        }
        let mock_dir = root.join("mock");
        let mock_bin = examples_bin("mock_api");
        let netns = is_root() && Command::new("unshare").arg("--help").stdout(Stdio::null()).status().is_ok();
        let mut mock = if netns {
            Command::new("unshare")
                .args(["-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$1\""])
                .arg(&mock_bin)
                .arg(&mock_dir)
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the mock in a network namespace (unshare -n)")
        } else {
            eprintln!("{}: not root: no network namespace, the clients are kept on the mock by their env", setup.label);
            Command::new(&mock_bin).arg(&mock_dir).stdout(Stdio::piped()).spawn().expect("start the mock")
        };
        let mut line = String::new();
        BufReader::new(mock.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("listening 127.0.0.1:").unwrap_or_else(|| panic!("mock_api said {line:?}"));
        let port = port.to_owned();
        let sb = Sandbox { dir, mock, label: setup.label.to_owned() };
        sb.write_config(setup);
        // The tmux server, in the mock's namespace; the clients inherit its environment.
        let mut tmux = if netns {
            let mut c = Command::new("nsenter");
            c.arg("-t").arg(sb.mock.id().to_string()).arg("-n").arg("tmux");
            c
        } else {
            Command::new("tmux")
        };
        tmux.env_clear()
            .env("HOME", sb.path("home"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TMUX_TMPDIR", sb.path("tmp"))
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm-256color")
            .env("TZ", "UTC")
            .env("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("DISABLE_TELEMETRY", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("CLAUDE_CODE_MAX_RETRIES", "2")
            .env("IS_SANDBOX", "1")
            .arg("-S")
            .arg(sb.socket())
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "keep", "-x", "200", "-y", "50", "sleep 1000000"]);
        let out = tmux.output().expect("start the tmux server");
        assert!(out.status.success(), "tmux server: {}", String::from_utf8_lossy(&out.stderr));
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(sb.socket())
            .args(["set-option", "-g", "default-terminal", "xterm-256color"])
            .output();
        sb
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn home(&self, account: &str) -> PathBuf {
        self.path(&format!("accounts/{account}"))
    }

    fn socket(&self) -> PathBuf {
        self.path("tmux.sock")
    }

    fn write_config(&self, setup: &Setup<'_>) {
        let r = self.dir.path().display();
        let args = if setup.bypass { "[--dangerously-skip-permissions]" } else { "[]" };
        let (min, max) = if setup.pool == 0 { (0, 1) } else { (setup.pool, setup.pool) };
        let config = format!(
            "accounts:
  - name: a
    home: {r}/accounts/a
  - name: b
    home: {r}/accounts/b
    priority: 1
claude:
  binary: {binary}
  args: {args}
  shared:
    root: {r}/shared
tmux:
  socket: {r}/tmux.sock
  enter_delay: 300ms
pool:
  autonomous:
    prefix: w
    start_index: 1
    min: {min}
    max: {max}
    workdir: {r}/work/pool
  dedicated:
    - name: main
      project: {r}/work/app
projects:
  list:
    - path: {r}/work/app
dispatch:
  session_cooldown: 0s
watch:
  idle_grace: 1s
state:
  dir: {r}/state
{extra}",
            binary = setup.binary.display(),
            extra = setup.extra,
        );
        fs::write(self.path("config.yaml"), config).unwrap();
    }

    pub fn tmux(&self) -> Tmux {
        Tmux::new("tmux", Some(self.socket()), Duration::from_millis(300))
    }

    /// `ccfail` with a sealed environment on the real clock.
    pub fn ccfail(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
        command
            .arg("--config")
            .arg(self.path("config.yaml"))
            .args(args)
            .env_clear()
            .env("HOME", self.path("home"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_STATE_HOME", self.path("home/.local/state"))
            .env("TMUX_TMPDIR", self.path("tmp"))
            .env("LANG", "C.UTF-8")
            .current_dir(self.dir.path());
        Run { args: args.join(" "), output: command.output().expect("run ccfail") }
    }

    pub fn pane(&self, session: &str) -> String {
        self.tmux().observe().ok().and_then(|o| o.session_pane(session).map(|p| p.pane_id.clone())).unwrap_or_default()
    }

    pub fn screen(&self, session: &str) -> String {
        let pane = self.pane(session);
        if pane.is_empty() {
            return String::new();
        }
        self.tmux().capture_one(&pane).unwrap_or_default()
    }

    /// The client running in `session`'s pane, from its own state file under a or b.
    pub fn client(&self, session: &str) -> Option<Client> {
        let observation = self.tmux().observe().ok()?;
        let pane = observation.session_pane(session)?;
        for account in ["a", "b"] {
            let Ok(entries) = fs::read_dir(self.home(account).join("sessions")) else { continue };
            for entry in entries.flatten() {
                if entry.path().extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let Ok(doc) = serde_json::from_str::<Value>(&fs::read_to_string(entry.path()).unwrap_or_default())
                else {
                    continue;
                };
                let pid = doc["pid"].as_u64().unwrap_or(0) as u32;
                if pid != 0 && process::is_alive(pid) && process::descends_from(pid, pane.pid) {
                    return Some(Client {
                        session_id: doc["sessionId"].as_str().unwrap_or_default().to_owned(),
                        pid,
                        account: account.to_owned(),
                        status: doc["status"].as_str().unwrap_or_default().to_owned(),
                    });
                }
            }
        }
        None
    }

    pub fn wait_idle(&self, session: &str, account: &str, timeout: Duration) {
        self.wait_until(&format!("{session} idle on {account}"), timeout, || {
            Ok(self.client(session).is_some_and(|c| c.account == account && c.status == "idle"))
        });
    }

    pub fn prompt(&self, session: &str, text: &str) {
        let pane = self.pane(session);
        self.tmux().send_line(&pane, text).unwrap_or_else(|e| panic!("{}: typing into {session}: {e}", self.label));
    }

    /// Types a prompt and waits for its turn: the mock saw a request with the account's
    /// token and the client is idle again.
    pub fn turn(&self, session: &str, text: &str, account: &str, timeout: Duration) {
        let token = format!("tok-{account}");
        let before = self.requests(&token).len();
        self.prompt(session, text);
        self.wait_until(&format!("{session}: the turn {text:?} at the mock"), timeout, || {
            Ok(self.requests(&token).len() > before)
        });
        self.wait_idle(session, account, timeout);
    }

    /// The shared projects tree holds a transcript of `session_id` with a prompt in it
    /// (a client that never got a prompt may leave a file with only its `/exit`).
    pub fn has_conversation(&self, session_id: &str) -> bool {
        let name = format!("{session_id}.jsonl");
        fs::read_dir(self.path("shared/projects")).into_iter().flatten().flatten().any(|dir| {
            fs::read_to_string(dir.path().join(&name))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .any(|d| d["type"] == "user" && d["isMeta"] != true && !is_local_command(&d["message"]["content"]))
        })
    }

    /// The task ccfail's state says `session` holds.
    pub fn task_of(&self, session: &str) -> Option<String> {
        let state: Value = serde_json::from_str(&fs::read_to_string(self.path("state/state.json")).ok()?).ok()?;
        state["sessions"][session]["task"].as_str().map(str::to_owned)
    }

    /// Every transcript of the shared tree with its first prompt, for a failure message.
    pub fn conversations(&self) -> String {
        let mut out = String::from("conversations (id: first prompt):");
        for dir in fs::read_dir(self.path("shared/projects")).into_iter().flatten().flatten() {
            for file in fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                let text = fs::read_to_string(file.path()).unwrap_or_default();
                let first = text
                    .lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .find(|d| d["type"] == "user")
                    .map(|d| d["message"]["content"].to_string())
                    .unwrap_or_default();
                let short: String = first.chars().take(80).collect();
                out.push_str(&format!("\n  {}: {short}", file.file_name().to_string_lossy()));
            }
        }
        out
    }

    /// The client in `session` (on `account`) shows a usage-limit line.
    pub fn limit_hit(&self, session: &str, account: &str) -> bool {
        self.client(session).is_some_and(|c| c.account == account) && self.screen(session).contains("You've hit your")
    }

    pub fn task(&self, id: &str, priority: &str, title: &str) {
        let text = format!("---\ntitle: \"{title}\"\npriority: {priority}\n---\n{title}\n");
        fs::write(self.path(&format!("work/app/.agent-queue/inbox/{id}.md")), text).unwrap();
    }

    pub fn done_tasks(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path("work/app/.agent-queue/done"))
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Switches an account's answers at run time (the mock reads modes.json per request).
    pub fn set_mode(&self, token: &str, mode: Value) {
        let file = self.path("mock/modes.json");
        let mut modes: Value =
            fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(json!({}));
        modes[token] = mode;
        let tmp = self.path("mock/modes.json.tmp");
        fs::write(&tmp, modes.to_string()).unwrap();
        fs::rename(&tmp, &file).unwrap();
    }

    /// The Messages requests the mock got with `token` (its log, one JSON line each).
    pub fn requests(&self, token: &str) -> Vec<Value> {
        fs::read_to_string(self.path("mock/requests.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|r| {
                r["token"] == token
                    && r["path"].as_str().is_some_and(|p| p.starts_with("/v1/messages?") || p == "/v1/messages")
            })
            .collect()
    }

    /// Polls `check` until it yields a value; on timeout fails with what was awaited and
    /// every session's screen.
    #[track_caller]
    pub fn wait_until<O: Ready>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut() -> Result<O, String>,
    ) -> O::Out {
        let end = Instant::now() + timeout;
        let mut last_err = String::new();
        loop {
            match check() {
                Ok(o) => {
                    if let Some(v) = o.ready() {
                        return v;
                    }
                }
                Err(e) => last_err = e,
            }
            assert!(
                Instant::now() <= end,
                "{}: timed out after {timeout:?} waiting for {what} {last_err}\n{}",
                self.label,
                self.context()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Every session's screen and state, ccfail's last history events and the queue, for a
    /// failure message.
    pub fn context(&self) -> String {
        let mut out = String::new();
        if let Some(state) =
            fs::read_to_string(self.path("state/state.json")).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok())
        {
            // The history is in history.jsonl beside state.json (an older state.json kept
            // it in its `history` array).
            let mut history = state["history"].as_array().cloned().unwrap_or_default();
            let lines = fs::read_to_string(self.path("state/history.jsonl")).unwrap_or_default();
            history.extend(lines.lines().filter_map(|line| serde_json::from_str::<Value>(line).ok()));
            for event in &history[history.len().saturating_sub(12)..] {
                out.push_str(&format!("history: {} {} {}\n", event["at"], event["event"], event["detail"]));
            }
            for (name, entry) in state["sessions"].as_object().into_iter().flatten() {
                out.push_str(&format!("ccfail session {name}: {entry}\n"));
            }
        }
        for dir in ["inbox", "done"] {
            let names: Vec<String> = fs::read_dir(self.path(&format!("work/app/.agent-queue/{dir}")))
                .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            out.push_str(&format!("queue {dir}: {names:?}\n"));
        }
        if let Ok(observation) = self.tmux().observe() {
            for pane in &observation.panes {
                if pane.session == "keep" {
                    continue;
                }
                let screen = self.tmux().capture_one(&pane.pane_id).unwrap_or_default();
                let text: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
                let tail = text[text.len().saturating_sub(14)..].join("\n");
                out.push_str(&format!(
                    "--- {} ({}) client {:?}:\n{tail}\n",
                    pane.session,
                    pane.pane_id,
                    self.client(&pane.session)
                ));
            }
        }
        out
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.tmux().kill_server();
        let _ = self.mock.kill();
        let _ = self.mock.wait();
        // The clients write their last files as they exit on the server's SIGHUP.
        let end = Instant::now() + Duration::from_secs(5);
        let root = self.dir.path().display().to_string();
        while Instant::now() < end {
            let alive = process::parents().keys().any(|pid| {
                fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(&root))
            });
            if !alive {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A transcript's record of a slash command (`<command-name>/exit</command-name>`,
/// `<local-command-stdout>…`), not a prompt.
fn is_local_command(content: &Value) -> bool {
    let text = match content {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().filter_map(|i| i["text"].as_str()).collect::<Vec<_>>().join(""),
        _ => String::new(),
    };
    text.trim_start().starts_with('<')
}

/// A value `wait_until` waits for: `true`, or `Some(v)`.
pub trait Ready {
    type Out;
    fn ready(self) -> Option<Self::Out>;
}

impl Ready for bool {
    type Out = ();
    fn ready(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Ready for Option<T> {
    type Out = T;
    fn ready(self) -> Option<T> {
        self
    }
}

/// A finished ccfail run.
pub struct Run {
    args: String,
    output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("ccfail {} printed no JSON ({e}):\n{}", self.args, self.describe()))
    }
    pub fn describe(&self) -> String {
        format!(
            "ccfail {} exited {}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.code(),
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}
