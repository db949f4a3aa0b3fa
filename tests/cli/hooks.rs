//! `ccfail hook` (the intake Claude Code runs) and `ccfail hooks install|uninstall`.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccfail::hooks::{self, HookEvent};
use ccfail::paths::StatePaths;
use ccfail::state::StateStore;

use crate::support::{Run, TestEnv};

const LIMIT_PAYLOAD: &str = r#"{"session_id":"f1233489-f73c-477d-9fc0-25246be94d78","transcript_path":"/x/f1233489-f73c-477d-9fc0-25246be94d78.jsonl","cwd":"/home/op01/work","prompt_id":"8447d4ef","effort":{"level":"high"},"hook_event_name":"StopFailure","error":"rate_limit","last_assistant_message":"You've hit your limit · resets 8am (UTC)"}"#;

fn hook(env: &TestEnv, args: &[&str], stdin: &str) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    command.arg("--config").arg(env.config_file()).arg("hook").args(args);
    env.seal(&mut command);
    command.env("TMUX_PANE", "%7").env("TMUX", format!("{},123,0", env.socket().display()));
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    Run(child.wait_with_output().unwrap())
}

fn spooled(env: &TestEnv) -> Vec<HookEvent> {
    hooks::read_from(&env.path("state/events.jsonl"), 0).unwrap().events
}

#[test]
fn hook_appends_one_event_and_prints_nothing() {
    let env = TestEnv::new();
    let spool = env.path("state/events.jsonl");
    let run = hook(&env, &["--spool", spool.to_str().unwrap()], LIMIT_PAYLOAD);
    run.status(0);
    assert_eq!(run.stdout(), "", "a hook's stdout may reach the model");
    let events = spooled(&env);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.event, "StopFailure");
    assert_eq!(event.error.as_deref(), Some("rate_limit"));
    assert_eq!(event.pane.as_deref(), Some("%7"));
    assert_eq!(event.tmux_socket.as_deref(), Some(env.socket().to_str().unwrap()));
    assert_eq!(event.last_message.as_deref(), Some("You've hit your limit · resets 8am (UTC)"));
    assert_eq!(event.at.to_rfc3339(), "2026-11-21T10:00:00+00:00");
}

#[test]
fn bad_input_exits_0_and_appends_nothing() {
    let env = TestEnv::new();
    let spool = env.path("state/events.jsonl");
    for payload in ["", "not json", "[1,2]", "{\"no_event\": true}"] {
        let run = hook(&env, &["--spool", spool.to_str().unwrap()], payload);
        run.status(0).stderr_has("ccfail hook:");
        assert_eq!(run.stdout(), "");
    }
    assert!(!spool.exists());
    // Even a broken config (when the spool comes from it) does not fail the hook.
    env.write_config("accounts: [");
    hook(&env, &[], LIMIT_PAYLOAD).status(0).stderr_has("invalid");
}

#[test]
fn hook_never_waits_on_a_held_state_lock() {
    let env = TestEnv::new();
    env.write_config(&env.default_config().replace("lock_wait: 500ms", "lock_wait: 60s"));
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(1));
    let held = store.lock().unwrap();
    let started = Instant::now();
    // Without --spool the hook reads the config to find the state dir, and still
    // never touches the lock that a swap may hold for a minute.
    hook(&env, &[], LIMIT_PAYLOAD).status(0);
    let took = started.elapsed();
    drop(held);
    assert_eq!(spooled(&env).len(), 1);
    assert!(took < Duration::from_secs(30), "the hook waited for the lock ({took:?})");
}

#[test]
fn install_merges_is_idempotent_and_uninstall_removes_exactly_its_entries() {
    let env = TestEnv::new();
    let settings_a = env.path("accounts/a/settings.json");
    let original = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"/opt/notify.sh\"\n          }\n        ]\n      }\n    ]\n  },\n  \"permissions\": {\"allow\": [\"Bash\"]}\n}\n";
    fs::write(&settings_a, original).unwrap();

    env.ccfail(&["doctor"]).status(5).stdout_has("no ccfail hook for SessionStart, UserPromptSubmit, Stop");
    env.ccfail(&["hooks", "install", "--dry-run"]).status(0).stdout_has("would change: 6 added");
    assert_eq!(fs::read_to_string(&settings_a).unwrap(), original, "dry run writes nothing");

    env.ccfail(&["hooks", "install"]).status(0).stdout_has("changed: 6 added");
    let installed = fs::read_to_string(&settings_a).unwrap();
    assert!(installed.contains("/opt/notify.sh") && installed.contains("\"permissions\""));
    assert!(installed.contains(&format!("hook --spool {}", env.path("state/events.jsonl").display())));
    assert!(env.path("accounts/b/settings.json").exists(), "created where missing");
    env.ccfail(&["hooks", "install"]).status(0).stdout_has("up to date");
    assert_eq!(fs::read_to_string(&settings_a).unwrap(), installed, "twice is once");
    env.ccfail(&["doctor", "--fix"]).status(0);

    env.ccfail(&["hooks", "uninstall"]).status(0).stdout_has("6 removed");
    let restored: serde_json::Value = serde_json::from_str(&fs::read_to_string(&settings_a).unwrap()).unwrap();
    assert_eq!(restored, serde_json::from_str::<serde_json::Value>(original).unwrap());
}

#[test]
fn unparsable_settings_are_left_untouched() {
    let env = TestEnv::new();
    let settings = env.path("accounts/a/settings.json");
    fs::write(&settings, "{ broken").unwrap();
    env.ccfail(&["hooks", "install"]).status(1).stdout_has("not valid JSON");
    assert_eq!(fs::read_to_string(&settings).unwrap(), "{ broken");
    assert!(env.path("accounts/b/settings.json").exists(), "the other account is still done");
}
