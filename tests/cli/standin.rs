//! Tests of the `claude` stand-in (`examples/claude`) against the captures of the real
//! client in `tests/fixtures/claude-code/` (the repo's own captures of the real client).
//!
//! Each test runs the stand-in in a REAL tmux server on a private socket inside a temp
//! dir, in a 200x50 pane running `bash` with `PS1='$ '`, exactly as the captures were
//! made. `HOME`, `CLAUDE_CONFIG_DIR` and `TMUX_TMPDIR` point into the temp dir; the real
//! `~/.claude` and the default tmux server are never touched. The project dir is a
//! 15-character path like the captures' `/home/op01/work`, so the welcome box keeps its
//! alignment after the path is substituted.
//!
//! Screen comparison normalises both sides the same way (see [`normalise`]): the shell
//! command line, session uuids, spinner verbs/glyphs/counters, `<Verb>ed for Ns`,
//! retry countdowns, the mock server's reply wording and reply numbers are masked;
//! trailing blanks are trimmed; everything else must match line by line.
//!
//! A plain `cargo test` builds the stand-in first; when selecting this target alone
//! (`cargo test --test cli`), run `cargo build --examples` before, or the binary is stale.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ccfail::tmux::{NewSession, Tmux};

use crate::support::{standin_bin, wait_until};
use regex::Regex;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);
const SESSION: &str = "standin";
/// The session id the resume captures use.
const RESUME_ID: &str = "48091773-0cb4-4fd0-abec-b6d3054cfda3";
const FIXTURE_CWD: &str = "/home/op01/work";

// ----- fixtures ---------------------------------------------------------------------

/// The client versions the stand-in has a profile for; each must have its captures.
const VERSIONS: [&str; 2] = ["2.1.197", "2.1.332"];

fn versions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code")
}

fn fixture(relative: &str) -> String {
    fixture_of("2.1.197", relative)
}

fn fixture_of(version: &str, relative: &str) -> String {
    let path = versions_dir().join(version).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("could not read fixture {}: {err}", path.display()))
}

/// The `stdin` payloads of a hooks fixture, in order.
fn fixture_hook_payloads(name: &str) -> Vec<Value> {
    fixture(&format!("hooks/{name}.hooks.jsonl"))
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["phase"] == "start")
        .map(|v| v["stdin"].clone())
        .collect()
}

fn keys_of(value: &Value) -> Vec<String> {
    value.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

// ----- normalisation ----------------------------------------------------------------

/// Masks what legitimately differs between a capture of the real client and of the
/// stand-in; see the module header.
fn normalise(screen: &str, substitutions: &[(&str, &str)]) -> Vec<String> {
    let uuid = Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let spinner = Regex::new(r"^[·✢✳✶✻✽] \S+… \((.*)\)$").unwrap();
    let digits = Regex::new(r"\d+").unwrap();
    let done = Regex::new(r"^✻ \S+ for (?:\d+m )?\d+s(?: · done \d{1,2}:\d{2} [AP]M)?$").unwrap();
    // 2.1.332's header: an animated logo in the first ten columns of its three rows
    let logo = Regex::new(r"^.{10} (Claude Code v|Opus |Sonnet |~|/)").unwrap();
    let retry = Regex::new(r"Retrying in \d+s").unwrap();
    let reply = Regex::new(r"\(reply \d+, mode").unwrap();
    // A launch command wider than the pane wraps onto the next row: that row is part of it.
    let mut raw: Vec<&str> = Vec::new();
    let mut launch_wraps = false;
    for line in screen.lines() {
        if launch_wraps {
            launch_wraps = line.chars().count() >= 200;
            continue;
        }
        // (the capture trims the space a wrapped row may end with)
        launch_wraps = line.starts_with("$ ") && line.chars().count() >= 190;
        raw.push(line);
    }
    let mut lines: Vec<String> = raw
        .into_iter()
        .map(|line| {
            let mut line = line.to_owned();
            for (from, to) in substitutions {
                line = line.replace(from, to);
            }
            let mut line = line.trim_end_matches(' ').to_owned();
            if line.starts_with("$ ") && (line.contains("claude") || line.chars().count() >= 190) {
                line = "$ <launch claude>".to_owned();
            }
            // 2.1.332's hints come and go with time (the mode line's `(shift+tab to cycle)`
            // and `· ← for agents`, the effort hint above the box): the mode itself stays.
            if line.starts_with("  ⏵⏵ ") || line.starts_with("  ⏸ ") {
                line = line.replace(" (shift+tab to cycle)", "").replace(" · ← for agents", "");
            }
            if line.trim() == "◐ medium · /effort" {
                line.clear();
            }
            if logo.is_match(&line) {
                line = format!("<logo>{}", line.chars().skip(10).collect::<String>());
            }
            line = uuid.replace_all(&line, "<uuid>").into_owned();
            if let Some(caps) = spinner.captures(&line) {
                line = format!("<glyph> <Verb>… ({})", digits.replace_all(&caps[1], "N"));
            }
            if done.is_match(&line) {
                line = "✻ <Verb>ed for <N>s".to_owned();
            }
            line = retry.replace_all(&line, "Retrying in Ns").into_owned();
            line = line.replace("the mock Anthropic server", "the stand-in");
            reply.replace_all(&line, "(reply N, mode").into_owned()
        })
        .collect();
    while lines.last().is_some_and(std::string::String::is_empty) {
        lines.pop();
    }
    lines
}

/// Long rules shown as `─×200`, so a failing diff stays readable.
fn readable(line: &str) -> String {
    let rule = Regex::new("─{6,}").unwrap();
    rule.replace_all(line, |c: &regex::Captures<'_>| format!("─×{}", c[0].chars().count())).replace('\u{a0}', "<nbsp>")
}

fn assert_lines_match(expected: &[String], actual: &[String], what: &str) {
    if expected == actual {
        return;
    }
    let mut report = format!("screen differs from fixture {what} (- fixture, + stand-in):\n");
    for i in 0..expected.len().max(actual.len()) {
        let e = expected.get(i).map(String::as_str);
        let a = actual.get(i).map(String::as_str);
        if e == a {
            report.push_str(&format!("  {i:2} {}\n", readable(e.unwrap_or_default())));
        } else {
            report.push_str(&format!(
                "- {i:2} {}\n+ {i:2} {}\n",
                readable(e.unwrap_or("<none>")),
                readable(a.unwrap_or("<none>"))
            ));
        }
    }
    panic!("{report}");
}

// ----- the rig ----------------------------------------------------------------------

/// One private tmux server with one 200x50 pane running bash in a sealed environment.
struct Rig {
    root: tempfile::TempDir,
    work: tempfile::TempDir,
    tmux: Tmux,
}

impl Drop for Rig {
    /// Ends a still-running stand-in first and waits for it (its SessionEnd hooks write
    /// into the temp dir), so the temp dir is not removed under a hook's feet.
    fn drop(&mut self) {
        for (_, state) in self.state_files() {
            let Some(pid) = state["pid"].as_i64() else { continue };
            let proc_dir = PathBuf::from(format!("/proc/{pid}"));
            if !proc_dir.exists() {
                continue;
            }
            let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
            let started = std::time::Instant::now();
            while proc_dir.exists() && started.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.tmux.kill_server();
    }
}

impl Rig {
    /// A rig whose account (`root/acct`) already trusts the project dir.
    fn new() -> Rig {
        let rig = Rig::untrusted();
        rig.trust(&rig.account());
        rig
    }

    fn untrusted() -> Rig {
        Rig::untrusted_as("2.1.197")
    }

    /// A rig whose stand-in passes for `version` (`CLAUDE_STANDIN_VERSION`), trusted.
    fn as_version(version: &str) -> Rig {
        let rig = Rig::untrusted_as(version);
        rig.trust(&rig.account());
        rig
    }

    fn untrusted_as(version: &str) -> Rig {
        let root = tempfile::Builder::new().prefix("ccst").tempdir().unwrap();
        // `/tmp/ccs` + 7 random characters: as long as the captures' `/home/op01/work`.
        let work = tempfile::Builder::new().prefix("ccs").rand_bytes(7).tempdir_in("/tmp").unwrap();
        assert_eq!(work.path().to_str().unwrap().len(), FIXTURE_CWD.len());
        for dir in ["home", "acct", "tmux"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        let examples = standin_bin().parent().unwrap().to_path_buf();
        let rc = root.path().join("bashrc");
        std::fs::write(
            &rc,
            format!(
                "PS1='$ '\nexport PATH='{}':/usr/local/bin:/usr/bin:/bin\nunset CLAUDE_STANDIN_CONTROL CLAUDE_CODE_MAX_RETRIES ANTHROPIC_API_KEY HISTFILE\n",
                examples.display()
            ),
        )
        .unwrap();
        let tmux = Tmux::new("tmux", Some(root.path().join("tmux.sock")), Duration::from_millis(60));
        let command = format!("bash --rcfile '{}' --noprofile", rc.display());
        tmux.new_session(&NewSession {
            name: SESSION,
            cwd: Some(work.path()),
            env: vec![
                ("HOME".into(), root.path().join("home").display().to_string()),
                ("CLAUDE_CONFIG_DIR".into(), root.path().join("acct").display().to_string()),
                ("TMUX_TMPDIR".into(), root.path().join("tmux").display().to_string()),
                ("TZ".into(), "UTC".into()),
                ("CLAUDE_STANDIN_VERSION".into(), version.into()),
                // the captures ran as root in a sandbox, as these tests may
                ("IS_SANDBOX".into(), "1".into()),
            ],
            command: Some(&command),
            width: 200,
            height: 50,
        })
        .unwrap();
        let rig = Rig { root, work, tmux };
        rig.wait("the shell prompt", |s| s.starts_with('$'));
        rig
    }

    fn account(&self) -> PathBuf {
        self.root.path().join("acct")
    }

    fn work(&self) -> &str {
        self.work.path().to_str().unwrap()
    }

    fn trust(&self, account: &Path) {
        std::fs::create_dir_all(account).unwrap();
        let doc = json!({"numStartups": 3, "projects": {self.work(): {"hasTrustDialogAccepted": true}}});
        std::fs::write(account.join(".claude.json"), doc.to_string()).unwrap();
    }

    /// Writes the account's control file.
    fn control(&self, control: Value) {
        std::fs::write(self.account().join("standin.json"), control.to_string()).unwrap();
    }

    fn send_line(&self, text: &str) {
        self.tmux.send_line(SESSION, text).unwrap();
    }

    fn send_text(&self, text: &str) {
        self.tmux.send_literal(SESSION, text).unwrap();
    }

    fn keys(&self, keys: &[&str]) {
        self.tmux.send_keys(SESSION, keys).unwrap();
    }

    fn screen(&self) -> String {
        self.tmux.capture_one(SESSION).unwrap()
    }

    fn wait(&self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        match self.tmux.wait_for(SESSION, TIMEOUT, matches) {
            Ok(screen) => screen,
            Err(ccfail::tmux::TmuxError::Timeout { last_screen, .. }) => {
                panic!("timed out waiting for {what}; screen:\n{last_screen}")
            }
            Err(err) => panic!("waiting for {what}: {err}"),
        }
    }

    /// Starts the stand-in and waits for the idle input box.
    fn launch(&self, args: &str) -> String {
        self.send_line(format!("claude {args}").trim_end());
        self.wait_idle()
    }

    /// Idle as ccfail reads it: the box drawn and nothing working above it (whatever the
    /// footer of the version and mode says).
    /// Waits for the idle input box with its footer drawn: a frame caught between the box
    /// and the footer (seen on a loaded machine) is not yet the screen to compare.
    fn wait_idle(&self) -> String {
        self.wait("the idle input box and its footer", |s| {
            let screen = ccfail::screen::parse(s);
            screen.activity() == ccfail::screen::ScreenActivity::Idle
                && screen
                    .input_box()
                    .is_some_and(|b| screen.lines().get(b.bottom_rule + 1).is_some_and(|l| !l.trim().is_empty()))
        })
    }

    /// Submits a prompt and waits until the turn has ended (`✻ <Verb>ed for Ns`).
    fn prompt(&self, text: &str) -> String {
        let before = self.screen().lines().filter(|l| is_done_line(l)).count();
        self.send_line(text);
        self.wait("the end of the turn", |s| {
            s.lines().filter(|l| is_done_line(l)).count() > before && !s.contains("esc to interrupt")
        })
    }

    /// Compares with a capture of `version`, `~/work` standing for the project dir.
    fn assert_screen_of(&self, version: &str, screen: &str, fixture_name: &str, subs: &[(&str, &str)]) {
        let expected = normalise(&fixture_of(version, &format!("screens/{fixture_name}.txt")), subs);
        let actual = normalise(screen, &[(self.work(), "~/work")]);
        assert_lines_match(&expected, &actual, &format!("{version}/{fixture_name}"));
    }

    fn assert_screen(&self, screen: &str, fixture_name: &str) {
        let expected = normalise(&fixture(&format!("screens/{fixture_name}.txt")), &[]);
        let actual = normalise(screen, &[(self.work(), FIXTURE_CWD)]);
        assert_lines_match(&expected, &actual, fixture_name);
    }

    /// Installs a hook for every event that appends one JSON line (event, selected env,
    /// the stdin payload) to `hooks.jsonl`.
    fn install_hook_logger(&self, account: &Path) -> PathBuf {
        let log = self.root.path().join("hooks.jsonl");
        let script = self.root.path().join("log_hook.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\npayload=$(cat)\nprintf '{\"event\":\"%s\",\"tmux_pane\":\"%s\",\"session_env\":\"%s\",\"project_env\":\"%s\",\"pwd\":\"%s\",\"stdin\":%s}\\n' \"$1\" \"$TMUX_PANE\" \"$CLAUDE_CODE_SESSION_ID\" \"$CLAUDE_PROJECT_DIR\" \"$(pwd)\" \"$payload\" >> \"$2\"\n",
        )
        .unwrap();
        let events = ["SessionStart", "UserPromptSubmit", "Stop", "StopFailure", "Notification", "SessionEnd"];
        let hooks: serde_json::Map<String, Value> = events
            .iter()
            .map(|event| {
                let command = format!("sh '{}' {event} '{}'", script.display(), log.display());
                (
                    event.to_string(),
                    json!([{"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": 10}]}]),
                )
            })
            .collect();
        self.settings(account, json!({ "hooks": hooks }));
        log
    }

    fn settings(&self, account: &Path, settings: Value) {
        std::fs::write(account.join("settings.json"), serde_json::to_string_pretty(&settings).unwrap()).unwrap();
    }

    fn hook_log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.root.path().join("hooks.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad hook log line {l}: {e}")))
            .collect()
    }

    /// Waits until the hook log holds an entry for `event` (optionally the n-th).
    fn wait_hook(&self, event: &str, nth: usize) -> Value {
        let started = std::time::Instant::now();
        loop {
            let found: Vec<Value> = self.hook_log().into_iter().filter(|e| e["event"] == event).collect();
            if found.len() > nth {
                return found[nth].clone();
            }
            assert!(started.elapsed() < TIMEOUT, "no {event} hook #{nth} logged; log: {:?}", self.hook_log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn state_files(&self) -> Vec<(PathBuf, Value)> {
        let dir = self.account().join("sessions");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok(value) = serde_json::from_str(&text)
            {
                out.push((path, value));
            }
        }
        out
    }

    fn wait_state(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let started = std::time::Instant::now();
        loop {
            if let Some((_, state)) = self.state_files().into_iter().find(|(_, s)| matches(s)) {
                return state;
            }
            assert!(started.elapsed() < TIMEOUT, "state file never became {what}: {:?}", self.state_files());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn transcript_lines(&self, session_id: &str) -> Vec<Value> {
        let slug: String = self.work().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let path = self.account().join("projects").join(slug).join(format!("{session_id}.jsonl"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no transcript {}: {e}", path.display()))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits for the shell prompt to come back, then asks the shell for the stand-in's
    /// exit code.
    fn shell_exit_code(&self) -> String {
        self.wait("the shell prompt after exit", |s| s.trim_end().lines().last().is_some_and(|l| l.trim_end() == "$"));
        self.send_line("echo \"rc=$?\"");
        let screen = self.wait("the exit code", |s| s.lines().any(|l| l.starts_with("rc=")));
        screen.lines().find(|l| l.starts_with("rc=")).unwrap().trim().to_owned()
    }
}

fn is_done_line(line: &str) -> bool {
    Regex::new(r"^✻ \S+ for \d+").unwrap().is_match(line)
}

fn session_id_of(rig: &Rig) -> String {
    rig.wait_state("present", |_| true)["sessionId"].as_str().unwrap().to_owned()
}

// ----- screens ----------------------------------------------------------------------

#[test]
fn screen_matches_fixture_tui_sub_max20x_idle_fresh() {
    let rig = Rig::new();
    let screen = rig.launch("");
    rig.assert_screen(&screen, "tui_sub_max20x_idle_fresh");
}

#[test]
fn screen_matches_fixtures_tui_sub_max20x_normal_and_after_exit() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0.2}));
    rig.launch("");
    let screen = rig.prompt("hello");
    rig.assert_screen(&screen, "tui_sub_max20x_normal");

    rig.send_text("/exit");
    rig.wait("the slash menu", |s| s.contains("/exit                         Exit the CLI"));
    rig.keys(&["Enter"]);
    let screen =
        rig.wait("the resume hint", |s| s.contains("Resume this session with:") && s.trim_end().ends_with('$'));
    rig.assert_screen(&screen, "tui_sub_max20x_normal_after_exit");
    assert_eq!(rig.shell_exit_code(), "rc=0");
}

#[test]
fn screen_matches_fixtures_tui_sub_max20x_rl_5h_plain_and_after_exit() {
    let rig = Rig::new();
    rig.control(json!({"mode": "limit", "work_seconds": 0}));
    rig.launch("");
    let screen = rig.prompt("hello");
    rig.assert_screen(&screen, "tui_sub_max20x_rl_5h_plain");

    rig.send_text("/exit");
    rig.wait("the slash menu", |s| s.contains("Exit the CLI"));
    rig.keys(&["Enter"]);
    let screen =
        rig.wait("the resume hint", |s| s.contains("Resume this session with:") && s.trim_end().ends_with('$'));
    rig.assert_screen(&screen, "tui_sub_max20x_rl_5h_plain_after_exit");
}

#[test]
fn screen_matches_fixture_tui_sub_max20x_rl_7d_plain() {
    let rig = Rig::new();
    rig.control(json!({
        "mode": "limit", "work_seconds": 0,
        "limit_text": "You've hit your weekly limit · resets Nov 24, 7am (UTC)",
    }));
    rig.launch("");
    let screen = rig.prompt("hello");
    rig.assert_screen(&screen, "tui_sub_max20x_rl_7d_plain");
}

#[test]
fn screen_matches_fixture_hooks_b_rl5h_after_limit() {
    let rig = Rig::new();
    rig.control(json!({"mode": "limit", "work_seconds": 0, "limit_text": "You've hit your limit · resets 8am (UTC)"}));
    rig.launch("");
    let screen = rig.prompt("hello");
    let expected = normalise(&fixture("hooks/b_rl5h_after_limit.txt"), &[]);
    assert_lines_match(&expected, &normalise(&screen, &[(rig.work(), FIXTURE_CWD)]), "hooks/b_rl5h_after_limit");
}

#[test]
fn screen_matches_fixture_tui_sub_max20x_rl_api() {
    let rig = Rig::new();
    rig.control(json!({"mode": "rate_limit_api", "work_seconds": 0}));
    rig.launch("");
    let screen = rig.prompt("hello");
    rig.assert_screen(&screen, "tui_sub_max20x_rl_api");
}

#[test]
fn screen_matches_fixtures_tui_sub_max20x_api_error_working_and_api_error() {
    let rig = Rig::new();
    rig.control(json!({"mode": "server_error", "work_seconds": 0, "retries": 2, "retry_delay_seconds": 1.5}));
    rig.launch("");
    rig.send_line("hello");
    let screen = rig.wait("the second retry", |s| s.contains("attempt 2/2"));
    rig.assert_screen(&screen, "tui_sub_max20x_api_error_working");
    let screen = rig.wait("the final error", |s| s.contains("● API Error: 500") && s.contains("? for shortcuts"));
    rig.assert_screen(&screen, "tui_sub_max20x_api_error");
}

#[test]
fn screen_matches_fixtures_tui_sub_max20x_overloaded_working_and_overloaded() {
    let rig = Rig::new();
    rig.control(json!({"mode": "overloaded", "work_seconds": 0, "retries": 2, "retry_delay_seconds": 1.5}));
    rig.launch("");
    rig.send_line("hello");
    let screen = rig.wait("the second retry", |s| s.contains("attempt 2/2"));
    rig.assert_screen(&screen, "tui_sub_max20x_overloaded_working");
    let screen = rig.wait("the final error", |s| s.contains("● API Error: 529") && s.contains("? for shortcuts"));
    rig.assert_screen(&screen, "tui_sub_max20x_overloaded");
}

#[test]
fn screen_matches_fixtures_tui_sub_pro_rl_5h_plain_and_after_enter() {
    let rig = Rig::new();
    rig.control(json!({"plan": "pro", "mode": "limit", "work_seconds": 0}));
    rig.launch("");
    rig.send_line("hello");
    let screen = rig.wait("the limit modal", |s| s.contains("Enter to confirm · Esc to cancel"));
    rig.assert_screen(&screen, "tui_sub_pro_rl_5h_plain");
    rig.keys(&["Enter"]);
    let screen = rig.wait_idle();
    rig.assert_screen(&screen, "tui_sub_pro_rl_5h_plain_after_enter");
}

#[test]
fn screen_matches_fixture_tui_sub_pro_rl_7d_plain_after_esc() {
    let rig = Rig::new();
    rig.control(json!({
        "plan": "pro", "mode": "limit", "work_seconds": 0,
        "limit_text": "You've hit your weekly limit · resets Nov 24, 7am (UTC)",
    }));
    rig.launch("");
    rig.send_line("hello");
    rig.wait("the limit modal", |s| s.contains("What do you want to do?"));
    rig.keys(&["Escape"]);
    let screen = rig.wait_idle();
    rig.assert_screen(&screen, "tui_sub_pro_rl_7d_plain_after_esc");
}

#[test]
fn screen_matches_fixtures_tui_sub_max20x_normal_dialog_trust_then_idle_fresh() {
    let rig = Rig::untrusted();
    let account = rig.account();
    std::fs::write(
        account.join(".claude.json"),
        r#"{"numStartups":7,"userID":"abc","projects":{"/elsewhere":{"x":1}}}"#,
    )
    .unwrap();
    let log = rig.install_hook_logger(&account);
    rig.send_line("claude");
    let screen = rig.wait("the trust dialog", |s| s.contains("Enter to confirm · Esc to cancel"));
    rig.assert_screen(&screen, "tui_sub_max20x_normal_dialog_trust");
    let state = rig.wait_state("waiting", |s| s["status"] == "waiting");
    assert_eq!(state["waitingFor"], "dialog open");
    assert!(!log.exists(), "no hook may run before the folder is trusted");

    rig.keys(&["Enter"]);
    let screen = rig.wait_idle();
    rig.assert_screen(&screen, "tui_sub_max20x_idle_fresh");
    // One SessionStart, fired after the answer: a hook run while the dialog was open
    // would show as a second one (or as one before the prompt's).
    rig.prompt("hello");
    rig.wait_hook("Stop", 0);
    let events: Vec<String> = rig.hook_log().iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, ["SessionStart", "UserPromptSubmit", "Stop"], "no hook may run before the folder is trusted");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(account.join(".claude.json")).unwrap()).unwrap();
    assert_eq!(doc["projects"][rig.work()]["hasTrustDialogAccepted"], true);
    assert_eq!(doc["numStartups"], 7, "other keys are kept");
    assert_eq!(doc["userID"], "abc");
    assert_eq!(doc["projects"]["/elsewhere"]["x"], 1);
    let text = std::fs::read_to_string(account.join(".claude.json")).unwrap();
    let positions: Vec<usize> = ["numStartups", "userID", "projects", "/elsewhere", "hasTrustDialogAccepted"]
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "key order kept:\n{text}");
    assert_eq!(rig.wait_hook("SessionStart", 0)["stdin"]["source"], "startup");
}

#[test]
fn trust_dialog_no_exits_with_code_1_and_leaves_the_folder_untrusted() {
    let rig = Rig::untrusted();
    rig.send_line("claude");
    rig.wait("the trust dialog", |s| s.contains("No, exit"));
    rig.keys(&["Escape"]);
    assert_eq!(rig.shell_exit_code(), "rc=1");
    assert!(!rig.account().join(".claude.json").exists());
    assert!(rig.state_files().is_empty(), "state file removed on exit");
}

#[test]
fn screen_matches_fixture_tui_resume_acct2_noshare() {
    let rig = Rig::new();
    rig.send_line(&format!("claude --resume {RESUME_ID}"));
    let screen = rig.wait("the error", |s| s.contains("No conversation found") && s.trim_end().ends_with('$'));
    rig.assert_screen(&screen, "tui_resume_acct2_noshare");
    assert_eq!(rig.shell_exit_code(), "rc=1");
}

/// A shared projects tree holding the captured session as it was when the
/// `tui_resume_acct3_symlink_*` screens were taken (three exchanges).
fn shared_tree_with_captured_session(rig: &Rig) -> PathBuf {
    let shared = rig.root.path().join("shared").join("projects");
    let slug: String = rig.work().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    std::fs::create_dir_all(shared.join(&slug)).unwrap();
    let captured = fixture("transcripts/resume_acct1_session_after_resumes.jsonl");
    let mut kept = Vec::new();
    for line in captured.lines() {
        kept.push(line);
        let value: Value = serde_json::from_str(line).unwrap();
        if value["type"] == "last-prompt" && value["lastPrompt"] == "continue" {
            break;
        }
    }
    std::fs::write(shared.join(&slug).join(format!("{RESUME_ID}.jsonl")), kept.join("\n") + "\n").unwrap();
    shared
}

#[test]
fn screen_matches_fixtures_tui_resume_acct3_symlink_dialog_trust_and_loaded() {
    let rig = Rig::untrusted();
    let shared = shared_tree_with_captured_session(&rig);
    let account = rig.account();
    std::os::unix::fs::symlink(&shared, account.join("projects")).unwrap();
    rig.control(json!({"model": "Opus 4.8", "work_seconds": 0}));
    rig.install_hook_logger(&account);
    rig.send_line(&format!("claude --resume {RESUME_ID}"));
    let screen = rig.wait("the trust dialog", |s| s.contains("Yes, I trust this folder"));
    rig.assert_screen(&screen, "tui_resume_acct3_symlink_dialog_trust");
    rig.keys(&["Enter"]);
    let screen = rig.wait_idle();
    rig.assert_screen(&screen, "tui_resume_acct3_symlink_loaded");

    let start = rig.wait_hook("SessionStart", 0)["stdin"].clone();
    assert_eq!(start["source"], "resume");
    assert_eq!(start["session_id"], RESUME_ID);
    assert_eq!(keys_of(&start), keys_of(&fixture_hook_payloads("d_resume")[0]));
    assert_eq!(session_id_of(&rig), RESUME_ID);

    // New turns go to the same file in the shared tree, under the same session id.
    let before = rig.transcript_lines(RESUME_ID).len();
    rig.prompt("hello after resume");
    let lines = rig.transcript_lines(RESUME_ID);
    assert!(lines.len() > before);
    assert!(lines[before..].iter().filter_map(|l| l.get("sessionId")).all(|s| s == RESUME_ID));
    let user = lines[before..].iter().find(|l| l["type"] == "user").unwrap();
    assert_eq!(user["message"]["content"], "hello after resume");
    let last_before: Value = serde_json::from_str(
        fixture("transcripts/resume_acct1_session_after_resumes.jsonl").lines().nth(before - 1).unwrap(),
    )
    .unwrap();
    assert_eq!(last_before["type"], "last-prompt");
    assert_eq!(user["parentUuid"], last_before["leafUuid"], "the new prompt chains to the resumed leaf");
}

#[test]
fn screen_matches_fixtures_tui_key_slow_working_2_and_slow_done() {
    let rig = Rig::new();
    rig.control(json!({"plan": "api", "work_seconds": 0}));
    rig.launch("");
    rig.prompt("hello");
    rig.control(json!({
        "plan": "api", "work_seconds": 4,
        "reply": "Working slowly on purpose so the spinner stays visible for a while before this reply ends. Hello from the stand-in (reply {n}, mode slow).",
    }));
    rig.send_line("hello (slow)");
    let screen = rig.wait("the spinner at 2s", |s| s.contains("(2s · ↓"));
    rig.assert_screen(&screen, "tui_key_slow_working_2");
    let state = rig.wait_state("busy", |s| s["status"] == "busy");
    assert!(state.get("waitingFor").is_none());
    let screen = rig.wait("the end of the slow turn", |s| s.contains("mode slow)") && s.contains("? for shortcuts"));
    rig.assert_screen(&screen, "tui_key_slow_done");
}

#[test]
fn screen_matches_fixture_hooks_f_sleep_stop_3s_after_turn_hook() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.settings(&rig.account(), json!({"hooks": {"Stop": [{"matcher": "*", "hooks": [{"type": "command", "command": "sleep 3", "timeout": 30}]}]}}));
    rig.launch("");
    rig.send_line("hello");
    let screen = rig.wait("the stop hook spinner", |s| s.contains("(running stop hook · 2s"));
    let expected = normalise(&fixture("hooks/f_sleep_Stop_3s_after_turn_hook.txt"), &[]);
    assert_lines_match(
        &expected,
        &normalise(&screen, &[(rig.work(), FIXTURE_CWD)]),
        "hooks/f_sleep_Stop_3s_after_turn_hook",
    );
    // The Stop hook holds the turn: the state stays busy until it returns.
    assert_eq!(rig.wait_state("present", |_| true)["status"], "busy");
    rig.wait_idle();
}

#[test]
fn screen_matches_fixture_hooks_g_out_after_turn() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    let failing = |event: &str| json!([{"matcher": "*", "hooks": [{"type": "command", "command": format!("echo 'CCF-STDERR {event}' >&2; exit 1")}]}]);
    rig.settings(
        &rig.account(),
        json!({"hooks": {"SessionStart": failing("SessionStart"), "UserPromptSubmit": failing("UserPromptSubmit"), "Stop": failing("Stop")}}),
    );
    rig.send_line("claude");
    rig.wait("the SessionStart hook error", |s| s.contains("CCF-STDERR SessionStart"));
    let screen = rig.prompt("hello");
    let expected = normalise(&fixture("hooks/g_out_after_turn.txt"), &[]);
    assert_lines_match(&expected, &normalise(&screen, &[(rig.work(), FIXTURE_CWD)]), "hooks/g_out_after_turn");
}

#[test]
fn pro_limit_modal_swallows_typed_keys_until_escape() {
    let rig = Rig::new();
    rig.control(json!({"plan": "pro", "mode": "limit", "work_seconds": 0}));
    rig.launch("");
    rig.send_line("hello");
    rig.wait("the limit modal", |s| s.contains("What do you want to do?"));
    assert_eq!(rig.wait_state("waiting", |s| s["status"] == "waiting")["waitingFor"], "dialog open");
    rig.send_text("typed while the modal is open");
    rig.send_text("/exit");
    // Keys arrive in order: once Down has moved the selection, the text before it has
    // been handled too.
    rig.keys(&["Down"]);
    let screen = rig.wait("the modal's second option selected", |s| s.contains("\u{276f} 2. Upgrade your plan"));
    assert!(screen.contains("What do you want to do?"), "modal still open:\n{screen}");
    assert!(!screen.contains("typed while"), "keys must not reach the input:\n{screen}");
    rig.keys(&["Escape"]);
    let screen = rig.wait_idle();
    assert!(screen.contains("❯\u{a0}\n"), "input stays empty after Escape:\n{screen}");
    assert!(!screen.contains("/rate-limit-options"));
    rig.wait_state("idle", |s| s["status"] == "idle");

    // The modal opens only on the first hit of a session: an open modal would swallow
    // `/exit`, so the slash menu showing proves it stayed closed.
    rig.prompt("hello again");
    rig.send_text("/exit");
    let screen = rig.wait("the slash menu", |s| s.contains("Exit the CLI"));
    assert!(!screen.contains("What do you want to do?"), "{screen}");
    rig.keys(&["Enter"]);
    rig.wait("the resume hint", |s| s.contains("Resume this session with:"));
}

// ----- transcripts ------------------------------------------------------------------

#[test]
fn transcript_lines_follow_the_fixture_schema() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.launch("");
    let screen = rig.prompt("hello");
    let id = session_id_of(&rig);
    rig.control(json!({"mode": "limit", "work_seconds": 0}));
    rig.prompt("hello again");
    rig.control(json!({"mode": "server_error", "work_seconds": 0, "retries": 1, "retry_delay_seconds": 0.1}));
    let error_screen = rig.prompt("and again");
    let lines = rig.transcript_lines(&id);

    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(&types[..3], ["mode", "permission-mode", "file-history-snapshot"]);

    let fixture_lines: Vec<Value> =
        fixture("transcripts/tui_key_normal.jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let fixture_user = fixture_lines.iter().find(|l| l["type"] == "user").unwrap();
    let fixture_reply = fixture_lines.iter().find(|l| l["type"] == "assistant").unwrap();
    let fixture_duration = fixture_lines.iter().find(|l| l["type"] == "system").unwrap();
    let fixture_error = fixture("transcripts/tui_sub_max20x_rl_5h_plain.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["isApiErrorMessage"] == true)
        .unwrap();

    let user = lines.iter().find(|l| l["type"] == "user").unwrap();
    assert_eq!(keys_of(user), keys_of(fixture_user));
    assert_eq!(user["message"]["content"], "hello");
    assert_eq!(user["version"], "2.1.197");
    assert_eq!(user["cwd"], rig.work());
    assert_eq!(user["sessionId"], id.as_str());

    let replies: Vec<&Value> = lines.iter().filter(|l| l["type"] == "assistant").collect();
    assert_eq!(replies.len(), 3);
    let reply = replies[0];
    assert_eq!(keys_of(reply), keys_of(fixture_reply));
    assert_eq!(keys_of(&reply["message"]), keys_of(&fixture_reply["message"]));
    assert_eq!(keys_of(&reply["message"]["usage"]), keys_of(&fixture_reply["message"]["usage"]));
    assert_eq!(reply["parentUuid"], user["uuid"]);
    assert_eq!(reply["message"]["model"], "claude-opus-4-8");
    assert!(reply["message"]["id"].as_str().unwrap().starts_with("msg_"));
    assert!(reply["requestId"].as_str().unwrap().starts_with("req_"));
    assert!(reply["message"]["usage"]["output_tokens"].as_u64().unwrap() > 0);
    let text = reply["message"]["content"][0]["text"].as_str().unwrap();
    assert!(screen.contains(&format!("● {text}")), "reply text is what the screen shows");

    for (error, status, kind) in [(replies[1], 429, "rate_limit"), (replies[2], 500, "server_error")] {
        assert_eq!(keys_of(error), keys_of(&fixture_error));
        assert_eq!(keys_of(&error["message"]), keys_of(&fixture_error["message"]));
        assert_eq!(error["isApiErrorMessage"], true);
        assert_eq!(error["error"], kind);
        assert_eq!(error["apiErrorStatus"], status);
        assert_eq!(error["message"]["model"], "<synthetic>");
        assert_eq!(error["message"]["usage"]["output_tokens"], 0);
    }
    assert_eq!(replies[1]["message"]["content"][0]["text"], "You've hit your session limit · resets 7am (UTC)");
    let error_text = replies[2]["message"]["content"][0]["text"].as_str().unwrap();
    assert!(error_screen.contains(&format!("● {error_text}")), "error text is the screen's first line");

    let duration = lines.iter().find(|l| l["type"] == "system").unwrap();
    assert_eq!(keys_of(duration), keys_of(fixture_duration));
    assert_eq!(duration["subtype"], "turn_duration");
    assert!(lines.iter().any(|l| l["type"] == "last-prompt" && l["lastPrompt"] == "and again"));
}

#[test]
fn reply_token_usage_varies_per_reply() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.launch("");
    rig.prompt("one");
    rig.prompt("two");
    let id = session_id_of(&rig);
    let usages: Vec<Value> = rig
        .transcript_lines(&id)
        .into_iter()
        .filter(|l| l["type"] == "assistant")
        .map(|l| l["message"]["usage"].clone())
        .collect();
    assert_eq!(usages.len(), 2);
    assert_ne!(usages[0]["output_tokens"], usages[1]["output_tokens"]);
    // Deterministic per reply number (see examples/claude/README.md).
    assert_eq!(usages[0]["input_tokens"], 57);
    assert_eq!(usages[0]["output_tokens"], 39);
}

// ----- hooks ------------------------------------------------------------------------

fn pane_id(rig: &Rig) -> String {
    rig.tmux.observe().unwrap().session_pane(SESSION).unwrap().pane_id.clone()
}

#[test]
fn hooks_receive_the_fixture_payloads_in_a_normal_session() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0, "idle_notification_seconds": 1}));
    rig.install_hook_logger(&rig.account());
    rig.launch("");
    rig.prompt("hello");
    let fixture_payloads = fixture_hook_payloads("a_normal");
    let expect_keys = |event: &str| keys_of(fixture_payloads.iter().find(|p| p["hook_event_name"] == event).unwrap());
    let notification = rig.wait_hook("Notification", 0);
    rig.send_text("/exit");
    rig.wait("the slash menu", |s| s.contains("Exit the CLI"));
    rig.keys(&["Enter"]);
    let end = rig.wait_hook("SessionEnd", 0);

    let id = rig.hook_log()[0]["stdin"]["session_id"].as_str().unwrap().to_owned();
    let pane = pane_id(&rig);
    let slug: String = rig.work().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let transcript = rig.account().join("projects").join(slug).join(format!("{id}.jsonl"));
    for event in ["SessionStart", "UserPromptSubmit", "Stop"] {
        let entry = rig.wait_hook(event, 0);
        assert_eq!(keys_of(&entry["stdin"]), expect_keys(event), "{event} payload fields");
    }
    assert_eq!(keys_of(&notification["stdin"]), expect_keys("Notification"));
    assert_eq!(keys_of(&end["stdin"]), expect_keys("SessionEnd"));
    for entry in rig.hook_log() {
        let stdin = &entry["stdin"];
        assert_eq!(stdin["session_id"], id.as_str());
        assert_eq!(stdin["cwd"], rig.work());
        assert_eq!(stdin["transcript_path"], transcript.display().to_string());
        assert_eq!(entry["tmux_pane"], pane.as_str(), "TMUX_PANE is inherited");
        assert_eq!(entry["session_env"], id.as_str());
        assert_eq!(entry["project_env"], rig.work());
        assert_eq!(entry["pwd"], rig.work(), "hooks run in the project dir");
    }
    let start = &rig.wait_hook("SessionStart", 0)["stdin"];
    assert_eq!(start["source"], "startup");
    assert_eq!(start["model"], "claude-opus-4-8[1m]");
    let submit = &rig.wait_hook("UserPromptSubmit", 0)["stdin"];
    assert_eq!(submit["prompt"], "hello");
    assert_eq!(submit["permission_mode"], "default");
    let stop = &rig.wait_hook("Stop", 0)["stdin"];
    assert_eq!(stop["prompt_id"], submit["prompt_id"]);
    assert_eq!(stop["stop_hook_active"], false);
    assert_eq!(stop["effort"], json!({"level": "high"}));
    assert_eq!(stop["last_assistant_message"], "Hello from the stand-in (reply 1, mode normal).");
    assert_eq!(notification["stdin"]["notification_type"], "idle_prompt");
    assert_eq!(notification["stdin"]["message"], "Claude is waiting for your input");
    assert_eq!(end["stdin"]["reason"], "prompt_input_exit");
    assert_ne!(end["stdin"]["prompt_id"], submit["prompt_id"], "/exit has its own prompt id");
    let events: Vec<String> = rig.hook_log().iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, ["SessionStart", "UserPromptSubmit", "Stop", "Notification", "SessionEnd"]);
}

#[test]
fn stop_failure_hook_tells_the_usage_limit_from_server_errors() {
    let rig = Rig::new();
    rig.install_hook_logger(&rig.account());
    rig.control(json!({"mode": "limit", "work_seconds": 0}));
    rig.launch("");
    rig.prompt("hello");
    rig.control(json!({"mode": "rate_limit_api", "work_seconds": 0}));
    rig.prompt("again");
    rig.control(json!({"mode": "server_error", "work_seconds": 0, "retries": 0}));
    rig.prompt("and again");
    rig.control(json!({"mode": "overloaded", "work_seconds": 0, "retries": 0}));
    rig.prompt("once more");
    let fixture_keys = keys_of(&fixture_hook_payloads("b_rl5h")[2]);
    assert_eq!(fixture_hook_payloads("b_rl5h")[2]["hook_event_name"], "StopFailure");
    let expected = [
        ("rate_limit", "You've hit your session limit · resets 7am (UTC)"),
        ("rate_limit", "API Error: Server is temporarily limiting requests (not your usage limit)"),
        ("server_error", "API Error: 500 Internal server error."),
        ("server_error", "API Error: 529 Overloaded."),
    ];
    for (i, (error, text)) in expected.iter().enumerate() {
        let failure = rig.wait_hook("StopFailure", i)["stdin"].clone();
        assert_eq!(keys_of(&failure), fixture_keys);
        assert_eq!(failure["error"], *error);
        assert!(failure["last_assistant_message"].as_str().unwrap().starts_with(text), "{failure}");
    }
    assert!(rig.hook_log().iter().all(|e| e["event"] != "Stop"), "no Stop hook for failed turns");
}

/// SIGTERM and SIGHUP end the session like the real client: SessionEnd `other`
/// (with the last prompt's id), state file removed, exit 0.
fn signal_ends_the_session_cleanly(signal: &str) {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.install_hook_logger(&rig.account());
    rig.launch("");
    let submit = rig.prompt("hello");
    assert!(submit.contains("● Hello"));
    let (path, state) = rig.state_files().pop().unwrap();
    let pid = state["pid"].as_i64().unwrap();
    assert_eq!(path.file_name().unwrap().to_str().unwrap(), format!("{pid}.json"));
    let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success());
    let end = rig.wait_hook("SessionEnd", 0)["stdin"].clone();
    assert_eq!(end["reason"], "other");
    assert_eq!(end["prompt_id"], rig.wait_hook("UserPromptSubmit", 0)["stdin"]["prompt_id"]);
    assert_eq!(keys_of(&end), keys_of(&fixture_hook_payloads("e_sigTERM")[3]));
    assert_eq!(rig.shell_exit_code(), "rc=0");
    assert!(!path.exists(), "state file removed on {signal}");
}

#[test]
fn sigterm_ends_the_session_cleanly() {
    signal_ends_the_session_cleanly("TERM");
}

#[test]
fn sighup_ends_the_session_cleanly() {
    signal_ends_the_session_cleanly("HUP");
}

#[test]
fn session_end_hooks_are_killed_after_the_grace_period() {
    let rig = Rig::new();
    let log = rig.root.path().join("end.log");
    let command = format!("echo start >> '{0}'; sleep 4; echo late >> '{0}'", log.display());
    rig.settings(
        &rig.account(),
        json!({"hooks": {"SessionEnd": [{"hooks": [{"type": "command", "command": command}]}]}}),
    );
    rig.launch("");
    rig.send_text("/exit");
    rig.wait("the slash menu", |s| s.contains("Exit the CLI"));
    rig.keys(&["Enter"]);
    rig.wait("the shell prompt", |s| s.trim_end().ends_with('$'));
    // The hook's `sleep 4` ends either killed after the grace or by finishing (then it
    // writes "late"): wait for it to be gone, whichever, and read what it wrote.
    let marker = log.display().to_string();
    wait_until("the SessionEnd hook's process to end", Duration::from_secs(20), || {
        let running = Command::new("pgrep").args(["-f", &marker]).output().unwrap();
        if running.status.success() { Err(String::from_utf8_lossy(&running.stdout).into_owned()) } else { Ok(()) }
    });
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "start\n", "the hook was killed before it finished");
}

#[test]
fn a_prompt_can_override_the_mode_for_its_own_turn() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.launch("");
    let screen = rig.prompt("hello [standin mode=limit work=0]");
    assert!(screen.contains("  ⎿ \u{a0}You've hit your session limit · resets 7am (UTC)"), "{screen}");
    let screen = rig.prompt("hello again");
    assert!(screen.contains("● Hello from the stand-in (reply 2, mode normal)."), "{screen}");
}

#[test]
fn crash_leaves_the_state_file_and_fires_nothing() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.install_hook_logger(&rig.account());
    rig.launch("");
    rig.control(json!({"mode": "crash", "work_seconds": 0.3}));
    rig.send_line("hello");
    assert_eq!(rig.shell_exit_code(), "rc=137");
    let events: Vec<String> = rig.hook_log().iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, ["SessionStart", "UserPromptSubmit"], "nothing fires on a crash");
    let states = rig.state_files();
    assert_eq!(states.len(), 1, "state file left behind");
    assert_eq!(states[0].1["status"], "busy");
}

#[test]
fn escape_interrupts_a_turn_without_hooks() {
    let rig = Rig::new();
    rig.control(json!({"mode": "hang"}));
    rig.install_hook_logger(&rig.account());
    rig.launch("");
    rig.send_line("hello slow");
    // The tip shows once the UserPromptSubmit hook returned and the request is out.
    rig.wait("the request spinner", |s| s.contains("Tip: "));
    rig.wait_state("busy", |s| s["status"] == "busy");
    rig.keys(&["Escape"]);
    let screen = rig.wait("the interruption", |s| s.contains("Interrupted · What should Claude do instead?"));
    assert!(screen.contains("  ⎿ \u{a0}Interrupted · What should Claude do instead?"));
    rig.wait_idle();
    rig.wait_state("idle", |s| s["status"] == "idle");
    // A hook of the interrupted turn would land before the next turn's Stop.
    rig.control(json!({"mode": "normal", "work_seconds": 0}));
    rig.prompt("after the interrupt");
    rig.wait_hook("Stop", 0);
    let events: Vec<String> = rig.hook_log().iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        events,
        ["SessionStart", "UserPromptSubmit", "UserPromptSubmit", "Stop"],
        "nothing fires on an interrupt"
    );
    let id = session_id_of(&rig);
    let lines = rig.transcript_lines(&id);
    assert!(lines.iter().any(|l| l["message"]["content"][0]["text"] == "[Request interrupted by user]"));
}

#[test]
fn clear_starts_a_new_session_with_hooks() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 0}));
    rig.install_hook_logger(&rig.account());
    rig.launch("");
    rig.prompt("hello");
    let first = session_id_of(&rig);
    rig.send_text("/clear");
    rig.wait("the slash menu", |s| s.contains("/clear "));
    rig.keys(&["Enter"]);
    let start = rig.wait_hook("SessionStart", 1)["stdin"].clone();
    let end = rig.wait_hook("SessionEnd", 0)["stdin"].clone();
    let fixture = fixture_hook_payloads("h_clear");
    assert_eq!(end["reason"], "clear");
    assert_eq!(end["session_id"], first.as_str());
    assert_eq!(keys_of(&end), keys_of(&fixture[3]));
    assert_eq!(start["source"], "clear");
    assert_eq!(keys_of(&start), keys_of(&fixture[4]));
    assert_ne!(start["session_id"], first.as_str());
    assert_eq!(start["prompt_id"], end["prompt_id"]);
    let second = rig.wait_state("the new session", |s| s["sessionId"] != first.as_str())["sessionId"].clone();
    assert_eq!(second, start["session_id"]);
    let screen = rig.wait_idle();
    assert!(!screen.contains("❯ hello"), "the screen starts over:\n{screen}");
}

// ----- state file -------------------------------------------------------------------

#[test]
fn state_file_goes_busy_then_idle_and_is_removed_on_exit() {
    let rig = Rig::new();
    rig.control(json!({"work_seconds": 1.5}));
    rig.launch("");
    let idle = rig.wait_state("idle", |s| s["status"] == "idle");
    let fixture_state: Value = serde_json::from_str(&fixture("transcripts/tui_key_normal.session-state.json")).unwrap();
    assert_eq!(keys_of(&idle), keys_of(&fixture_state));
    assert_eq!(idle["cwd"], rig.work());
    assert_eq!(idle["version"], "2.1.197");
    assert_eq!(idle["kind"], "interactive");
    assert_eq!(idle["peerProtocol"], 1);
    rig.send_line("hello");
    let busy = rig.wait_state("busy", |s| s["status"] == "busy");
    assert_eq!(busy["sessionId"], idle["sessionId"]);
    assert!(busy["statusUpdatedAt"].as_i64() >= idle["statusUpdatedAt"].as_i64());
    rig.wait_state("idle again", |s| s["status"] == "idle");
    rig.wait_idle();
    rig.send_text("/exit");
    rig.wait("the slash menu", |s| s.contains("Exit the CLI"));
    rig.keys(&["Enter"]);
    assert_eq!(rig.shell_exit_code(), "rc=0");
    assert!(rig.state_files().is_empty(), "state file removed on /exit");
}

// ----- print mode -------------------------------------------------------------------

fn run_print(rig_root: &Path, work: &Path, control: Value, args: &[&str]) -> (String, String, i32) {
    let account = rig_root.join("acct");
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(account.join("standin.json"), control.to_string()).unwrap();
    let out = Command::new(standin_bin())
        .args(args)
        .env_clear()
        .env("HOME", rig_root.join("home"))
        .env("CLAUDE_CONFIG_DIR", &account)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(work)
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap_or(-1))
}

#[test]
fn print_mode_matches_the_print_fixtures() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let cases = [
        ("print_sub_normal", json!({"work_seconds": 0})),
        ("print_sub_rl_5h_plain", json!({"mode": "limit", "work_seconds": 0})),
        (
            "print_sub_rl_7d_plain",
            json!({"mode": "limit", "work_seconds": 0, "limit_text": "You've hit your weekly limit · resets Nov 24, 7am (UTC)"}),
        ),
        ("print_sub_api_error", json!({"mode": "server_error", "work_seconds": 0, "retry_delay_seconds": 0})),
        ("print_sub_overloaded", json!({"mode": "overloaded", "work_seconds": 0, "retry_delay_seconds": 0})),
        ("print_sub_rl_api", json!({"mode": "rate_limit_api", "work_seconds": 0})),
    ];
    for (name, control) in cases {
        let (stdout, stderr, code) = run_print(root.path(), work.path(), control, &["-p", "hello"]);
        let expected_out = normalise(&fixture(&format!("print/{name}.stdout.txt")), &[]);
        assert_lines_match(&expected_out, &normalise(&stdout, &[]), &format!("print/{name}.stdout.txt"));
        assert_eq!(stderr, fixture(&format!("print/{name}.stderr.txt")), "{name} stderr");
        assert_eq!(code.to_string(), fixture(&format!("print/{name}.exit.txt")).trim(), "{name} exit code");
    }
}

#[test]
fn print_mode_resume_across_config_dirs() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (stdout, stderr, code) =
        run_print(root.path(), work.path(), json!({}), &["--resume", RESUME_ID, "-p", "continue"]);
    assert_eq!(stdout, fixture("print/print_resume_acct2_noshare.stdout.txt"));
    assert_eq!(stderr, fixture("print/print_resume_acct2_noshare.stderr.txt"));
    assert_eq!(code.to_string(), fixture("print/print_resume_acct2_noshare.exit.txt").trim());

    // With projects/ a symlink to a tree that holds the session, it resumes and appends.
    let shared = root.path().join("shared");
    let project = shared.join("-home-op01-work");
    std::fs::create_dir_all(&project).unwrap();
    let file = project.join(format!("{RESUME_ID}.jsonl"));
    std::fs::write(&file, fixture("transcripts/tui_key_normal.jsonl")).unwrap();
    std::os::unix::fs::symlink(&shared, root.path().join("acct").join("projects")).unwrap();
    let (stdout, stderr, code) =
        run_print(root.path(), work.path(), json!({"work_seconds": 0}), &["--resume", RESUME_ID, "-p", "continue"]);
    let expected = normalise(&fixture("print/print_resume_acct3_symlink.stdout.txt"), &[]);
    assert_lines_match(&expected, &normalise(&stdout, &[]), "print/print_resume_acct3_symlink.stdout.txt");
    assert_eq!(stderr, "");
    assert_eq!(code, 0);
    let lines: Vec<Value> =
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let user = lines.iter().rev().find(|l| l["type"] == "user").unwrap();
    assert_eq!(user["message"]["content"], "continue");
    assert_eq!(user["sessionId"], RESUME_ID);
    assert_eq!(user["entrypoint"], "sdk-cli");
}

// ----- 2.1.332 ----------------------------------------------------------------------

const NEWEST: &str = "2.1.332";

/// The model and reply the captures' mock served.
fn newest_control(extra: Value) -> Value {
    let mut control = json!({"model": "Opus 5.5", "reply": "Done.", "work_seconds": 0.2});
    if let (Some(control), Some(extra)) = (control.as_object_mut(), extra.as_object()) {
        control.extend(extra.clone());
    }
    control
}

#[test]
fn newest_draws_its_auto_mode_start_and_a_turn_as_captured() {
    let rig = Rig::as_version(NEWEST);
    rig.control(newest_control(json!({})));
    let screen = rig.launch("");
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_normal_idle_fresh", &[]);
    let screen = rig.prompt("hello");
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_normal_done", &[]);
    let state = rig.wait_state("idle", |s| s["status"] == "idle");
    assert_eq!(state["version"], NEWEST);
}

#[test]
fn newest_draws_the_footer_of_every_permission_mode_as_captured() {
    for (args, fixture) in [
        ("--permission-mode auto", "tui_mode_auto"),
        ("--permission-mode plan", "tui_mode_plan"),
        ("--permission-mode acceptEdits", "tui_mode_acceptEdits"),
        ("--permission-mode default", "tui_mode_flag_default"),
        ("--permission-mode bypassPermissions", "tui_mode_bypassPermissions"),
        ("--dangerously-skip-permissions", "tui_mode_skip_flag"),
    ] {
        let rig = Rig::as_version(NEWEST);
        rig.control(newest_control(json!({})));
        rig.settings(&rig.account(), json!({"skipDangerousModePermissionPrompt": true}));
        let screen = rig.launch(args);
        rig.assert_screen_of(NEWEST, &screen, fixture, &[]);
    }
}

#[test]
fn newest_trust_dialog_is_reversed_and_enter_on_its_default_exits() {
    let subs = [("/home/op01/fresh-tui_dialog_trust", "<cwd>")];
    // Enter on the default (`No, exit`) leaves without trusting
    let rig = Rig::untrusted_as(NEWEST);
    rig.control(newest_control(json!({})));
    rig.send_line("claude");
    let screen = rig.wait("the trust dialog", |s| s.contains("Yes, I trust this folder"));
    let ours = screen.replace(rig.work(), "<cwd>");
    let expected = normalise(&fixture_of(NEWEST, "screens/tui_dialog_trust_dialog.txt"), &subs);
    assert_lines_match(&expected, &normalise(&ours, &[]), "2.1.332/tui_dialog_trust_dialog");
    let dialog = ccfail::screen::parse(&screen).dialog().cloned().expect("ccfail reads the dialog");
    assert_eq!(dialog.options[0].text, "No, exit");
    rig.keys(&["Enter"]);
    assert_eq!(rig.shell_exit_code(), "rc=1");
    assert!(!std::fs::read_to_string(rig.account().join(".claude.json")).unwrap_or_default().contains(rig.work()));
    // Down to `Yes`, then Enter: trusted, and the session starts
    rig.send_line("clear");
    rig.send_line("claude");
    rig.wait("the trust dialog", |s| s.contains("Yes, I trust this folder"));
    rig.keys(&["Down"]);
    rig.wait("yes selected", |s| s.contains("❯ Yes, I trust this folder"));
    rig.keys(&["Enter"]);
    let screen = rig.wait_idle();
    rig.assert_screen_of(NEWEST, &screen, "tui_dialog_trust_accepted", &[("~/fresh-tui_dialog_trust", "~/work")]);
}

#[test]
fn newest_bypass_dialog_defaults_to_exit_and_yes_is_remembered() {
    let rig = Rig::as_version(NEWEST);
    rig.control(newest_control(json!({})));
    rig.send_line("claude --dangerously-skip-permissions");
    let screen = rig.wait("the bypass dialog", |s| s.contains("Yes, I accept"));
    rig.assert_screen_of(NEWEST, &screen, "tui_dialog_bypass_dialog", &[]);
    let parsed = ccfail::screen::parse(&screen);
    let dialog = parsed.dialog().expect("ccfail reads the dialog");
    assert_eq!(dialog.kind, ccfail::screen::DialogKind::BypassPermissions);
    assert_eq!(dialog.option_for(ccfail::screen::Answer::GoOn), Some(1));
    rig.keys(&["Down"]);
    rig.wait("yes selected", |s| s.contains("❯ Yes, I accept"));
    rig.keys(&["Enter"]);
    let screen = rig.wait_idle();
    rig.assert_screen_of(NEWEST, &screen, "tui_dialog_bypass_accepted", &[]);
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(rig.account().join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["skipDangerousModePermissionPrompt"], true);
}

#[test]
fn newest_limit_screen_footer_record_and_auto_continue_follow_the_captures() {
    // the reset as the capture shows it (it follows the time of the capture)
    let captured = fixture_of(NEWEST, "screens/tui_max20x_rl_5h.txt");
    let limit_text = captured
        .lines()
        .find_map(|l| l.trim_start().strip_prefix('⎿').map(|t| t.trim_matches([' ', '\u{a0}']).to_owned()))
        .expect("the capture shows the limit notice");
    let theirs: Value = fixture_of(NEWEST, "transcripts/tui_max20x_rl_5h.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["isApiErrorMessage"] == true)
        .unwrap();
    let resets_at = theirs["quotaLimits"]["resetsAt"].as_i64().expect("resetsAt in epoch seconds");
    let reset_label = limit_text.rsplit_once("resets ").unwrap().1.split(" (").next().unwrap().to_owned();
    let rig = Rig::as_version(NEWEST);
    rig.control(newest_control(json!({
        "mode": "limit",
        "limit_text": limit_text,
        "resets_at": resets_at,
        "work_seconds": 0
    })));
    rig.launch("");
    rig.send_line("hello");
    let screen = rig.wait("the limit footer", |s| s.contains(&format!("Continuing automatically at {reset_label}")));
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_rl_5h", &[]);
    let parsed = ccfail::screen::parse(&screen);
    assert!(ccfail::quota::patterns::parked_on_limit(&parsed));
    assert!(ccfail::quota::patterns::client_continues_by_itself(&parsed));
    rig.send_line("again");
    let screen = rig.wait("the second hit", |s| s.contains("Usage limit reached again"));
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_rl_5h_second", &[]);

    // the error record has the captured fields, in the captured order
    let id = session_id_of(&rig);
    let ours = rig.transcript_lines(&id).into_iter().find(|l| l["isApiErrorMessage"] == true).expect("error record");
    for key in ["apiError", "apiErrorType", "apiErrorStatus", "error"] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    assert_eq!(keys_of(&ours["quotaLimits"]), keys_of(&theirs["quotaLimits"]));
    assert_eq!(ours["quotaLimits"]["resetsAt"], resets_at);
    assert_eq!(ours["quotaLimits"]["rateLimitType"], "five_hour");

    // Escape cancels the automatic continuation; an account with quota again goes on at
    // the reset by itself, in the same conversation
    rig.keys(&["Escape"]);
    rig.wait("the continuation cancelled", |s| !s.contains("Continuing automatically"));
    rig.control(newest_control(json!({"auto_continue_seconds": 0.5})));
    rig.send_line("hello again");
    rig.wait("the next turn", |s| s.contains("● Done."));
    rig.control(newest_control(json!({
        "mode": "limit",
        "limit_text": limit_text,
        "auto_continue_seconds": 1.0,
        "work_seconds": 0
    })));
    rig.send_line("one more");
    rig.wait("parked", |s| s.contains("Continuing automatically"));
    rig.control(newest_control(json!({})));
    rig.wait("the automatic continuation", |s| s.contains("❯ continue"));
    let screen = rig.wait_idle();
    assert!(screen.contains("● Done."), "{screen}");
    assert_eq!(session_id_of(&rig), id, "the same conversation");
}

/// The budget of an account home: turns are counted across the home's clients; near the
/// end the client's usage warning is up as captured, past it a turn is the captured limit
/// with the window's end as its reset, and the next window takes turns again.
#[test]
fn newest_budget_warns_refuses_past_it_with_the_window_end_and_accepts_after_the_window() {
    let epoch = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp();
    let rig = Rig::as_version(NEWEST);
    let log = rig.root.path().join("standin.jsonl");
    let budget = json!({"turns": 25, "window_seconds": 900, "warn_at": 0.9});
    rig.control(newest_control(json!({"budget": budget, "log": log, "work_seconds": 0})));
    rig.install_hook_logger(&rig.account());
    // 21 turns of the window 02:30-02:45 already taken by other clients of the account
    let counter = rig.account().join("standin-budget");
    std::fs::write(&counter, format!("{} 21\n", epoch("2026-12-02T02:30:00Z"))).unwrap();
    rig.send_line("CCFAIL_NOW=2026-12-02T02:40:00Z claude");
    rig.wait_idle();
    let screen = rig.prompt("hello");
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_warn_5h_after_1", &[]);
    let screen = rig.prompt("again");
    rig.assert_screen_of(NEWEST, &screen, "tui_max20x_warn_5h_after_2", &[]);
    rig.prompt("three");
    let screen = rig.prompt("four");
    assert!(screen.contains("You've used 100% of your 5-hour limit · resets 2:45am (UTC)"), "{screen}");

    // the 26th turn: refused like `mode: limit`, resetting at the window's end
    rig.send_line("five");
    let screen = rig.wait("the limit", |s| s.contains("Continuing automatically at 2:45am"));
    assert!(screen.contains("You've hit your 5-hour limit · resets 2:45am (UTC)"), "{screen}");
    assert!(screen.contains("● Usage limit reached · set to continue automatically at 2:45am"), "{screen}");
    assert!(!screen.contains("You've used"), "the limit replaces the warning:\n{screen}");
    let parsed = ccfail::screen::parse(&screen);
    assert!(matches!(ccfail::quota::classify_screen(&parsed), ccfail::quota::Classification::Hit(_)));
    let id = session_id_of(&rig);
    let record = rig.transcript_lines(&id).into_iter().find(|l| l["isApiErrorMessage"] == true).expect("error record");
    assert_eq!(record["quotaLimits"]["resetsAt"], epoch("2026-12-02T02:45:00Z"));
    assert_eq!(record["quotaLimits"]["status"], "rejected");
    assert_eq!(rig.wait_hook("StopFailure", 0)["stdin"]["error"], "rate_limit");
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), format!("{} 25\n", epoch("2026-12-02T02:30:00Z")));
    rig.send_line("/exit");
    rig.shell_exit_code();

    // another client of the account, once the window has passed: the turn runs
    rig.send_line("clear");
    rig.send_line("CCFAIL_NOW=2026-12-02T02:45:10Z claude");
    rig.wait_idle();
    let screen = rig.prompt("after the reset");
    assert!(screen.contains("● Done."), "{screen}");
    assert!(!screen.contains("You've used"), "{screen}");
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), format!("{} 1\n", epoch("2026-12-02T02:45:00Z")));

    // the log: both starts, every turn with the mode it was answered in
    let lines: Vec<Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let events: Vec<String> = lines
        .iter()
        .map(|l| format!("{} {}", l["event"].as_str().unwrap(), l["mode"].as_str().unwrap_or("")).trim().to_owned())
        .collect();
    let mut expected = vec!["start".to_owned()];
    expected.extend(["turn normal"; 4].map(str::to_owned));
    expected.extend(["turn limit", "start", "turn normal"].map(str::to_owned));
    assert_eq!(events, expected);
    assert!(lines.iter().all(|l| l["session"] == SESSION && l["home"] == rig.account().display().to_string()));
    assert_eq!(lines[1]["conversation"], id.as_str());
    assert_eq!(lines[0]["resume"], false);
}

/// Every capture of every supported version is read as its name says by ccfail's screen
/// and quota code: idle, working, shell, the dialogs (with a "yes" option found by its
/// words), limit hits and what is not a hit. A capture no rule covers fails: add a rule.
#[test]
fn every_capture_of_every_supported_version_is_read_as_its_name_says() {
    use ccfail::quota::{Classification, classify_screen};
    use ccfail::screen::{Answer, ModalKind, ScreenActivity::*};
    let mut checked = 0;
    for version in VERSIONS {
        let dir = versions_dir().join(version).join("screens");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("no captures of supported version {version} ({}): {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.to_string_lossy().ends_with("_footers.txt"))
            .collect();
        names.sort();
        for path in names {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let stem = file.trim_end_matches(".txt").trim_end_matches(".hist").to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let screen = ccfail::screen::parse(&text);
            let what = format!("{version}/screens/{file}");
            let has = |part: &str| stem.contains(part);
            let hit = matches!(classify_screen(&screen), Classification::Hit(_));
            let limit_case = (has("rl_5h") || has("rl_7d") || has("rl_opus")) && !has("rl_api");
            // what the limit-free cases must never be
            if has("rl_api") || has("mimic") || has("legacy") || has("api_error") || has("overloaded") || has("warn") {
                assert!(!hit, "{what}: read as a limit hit");
            }
            let activity = screen.activity();
            let expected = if has("dialog_trust") && stem.ends_with("_dialog")
                || has("symlink_dialog_trust")
                || has("normal_dialog_trust")
                || stem == "tui_key_dialog_trust"
            {
                Some(TrustDialog)
            } else if has("dialog_bypass_dialog") {
                Some(Modal(ModalKind::BypassPermissions))
            } else if has("apikey") {
                Some(Modal(ModalKind::ApiKeyPrompt))
            } else if has("tool_permission") {
                Some(WaitingPermission)
            } else if has("after_exit") || has("_a_exit") || has("noshare") || stem.ends_with("resume_c") {
                Some(Shell)
            } else if has("working") || has("retrying") {
                Some(Working)
            } else if text.contains("What do you want to do?") {
                Some(Modal(ModalKind::RateLimitOptions))
            } else if has("idle_fresh")
                || has("_done")
                || has("accepted")
                || has("tui_mode_")
                || has("loaded")
                || has("after_escape")
                || has("after_enter")
                || has("after_esc")
                || limit_case
                || has("api_error")
                || has("overloaded")
                || has("rl_api")
                || has("mimic")
                || has("legacy")
                || has("warn")
                || has("normal")
            {
                Some(Idle)
            } else {
                None
            };
            let Some(expected) = expected else {
                // a screen taken mid-transition (the slash menu, the first frame of a
                // resume) must at least not be misread as a limit
                assert!(has("menu") || has("first") || has("exit"), "{what}: no rule says how to read it; add one");
                assert!(!hit || limit_case, "{what}: read as a limit hit");
                checked += 1;
                continue;
            };
            assert_eq!(activity, expected, "{what}");
            if limit_case {
                assert!(hit, "{what}: the limit is not read");
            }
            if let Some(dialog) = screen.dialog().filter(|_| {
                matches!(expected, TrustDialog | Modal(ModalKind::BypassPermissions | ModalKind::RateLimitOptions))
            }) {
                let yes =
                    dialog.option_for(Answer::GoOn).unwrap_or_else(|| panic!("{what}: no yes option in {dialog:?}"));
                assert!(!dialog.options[yes].text.contains("exit"), "{what}: {dialog:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}
