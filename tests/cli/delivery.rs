//! The five ways a task's life was fooled, each reproduced from outside: an interrupted
//! turn, a continuation after a swap for a prompt never sent, leftover input in a box or
//! on a shell line, stale text on the screen, and a latched swap rolled back every tick.
//! Each test drives the real binary, a private tmux server and the stand-in client.

use std::fs;
use std::time::{Duration, Instant};

use crate::queue::{
    add_task, ccfail, ccfail_fault, cycle_until, history, queue_env, setup, state, transcripts_mentioning,
};
use crate::support::{TestEnv, wait_until};

/// Every prompt a client recorded (user lines of every transcript that hold `needle`),
/// each once: a resumed conversation copies its lines, so copies (same `promptId` or
/// `uuid`) count once. Returns (file, prompt id, text).
pub(crate) fn prompts_received(env: &TestEnv, needle: &str) -> Vec<(String, String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok) {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&env.path("shared"), &mut files);
    walk(&env.path("accounts"), &mut files);
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for file in files {
        let real = fs::canonicalize(&file).unwrap_or(file.clone());
        for line in fs::read_to_string(&file).unwrap_or_default().lines() {
            if !line.contains(needle) {
                continue;
            }
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            if value["type"] != "user" {
                continue;
            }
            let id = value["promptId"].as_str().or(value["uuid"].as_str()).unwrap_or("").to_owned();
            if seen.insert(id.clone()) {
                let text = value["message"]["content"].to_string();
                out.push((real.display().to_string(), id, text));
            }
        }
    }
    out
}

fn pane_of(env: &TestEnv, session: &str) -> String {
    env.tmux().observe().unwrap().session_pane(session).unwrap().pane_id.clone()
}

fn queue_file(env: &TestEnv, relative: &str) -> std::path::PathBuf {
    env.path(&format!("projects/p/.agent-queue/{relative}"))
}

/// Waits until the session's client says idle in its own state file.
fn wait_idle(env: &TestEnv, session: &str) {
    let started = Instant::now();
    loop {
        let status = ccfail(env, &["status", "--json"]).json();
        let idle = status["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == session && s["client"]["status"] == "idle");
        if idle {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{session} never went idle: {status:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs watch-once until the session holds no task, at most `limit`.
fn watch_until_released(env: &TestEnv, session: &str, limit: Duration) -> String {
    let started = Instant::now();
    let mut out = String::new();
    loop {
        let run = ccfail(env, &["watch-once"]);
        out.push_str(&run.stdout());
        if state(env)["sessions"][session]["task"].is_null() {
            return out;
        }
        assert!(started.elapsed() < limit, "{session} still holds its task after {limit:?}:\n{out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_interrupted_turn_is_requeued_never_done() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    let config = fs::read_to_string(env.config_file()).unwrap().replace("[standin work=0.3]", "[standin work=8]");
    env.write_config(&config);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    add_task(&env, "p", "x.md", "---\ntitle: a long turn\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    let pane = pane_of(&env, "w1");
    env.wait_screen(&pane, "esc to interrupt");
    env.tmux().send_keys(&pane, &["Escape"]).unwrap();
    env.wait_screen(&pane, "Interrupted");
    let out = watch_until_released(&env, "w1", Duration::from_secs(20));
    assert!(!queue_file(&env, "done/x.md").exists(), "an interrupted turn was taken as done:\n{out}");
    assert!(queue_file(&env, "inbox/x.md").exists(), "requeued:\n{out}");
    assert!(out.contains("interrupted"), "{out}");
    assert_eq!(state(&env)["queue"]["attempts"]["p:x"], 1, "the attempt is counted");
}

#[test]
fn a_continuation_after_a_swap_never_completes_a_task_whose_prompt_was_not_sent() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    env.ccfail(&["doctor", "--fix"]);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    // A conversation in w1 for the swap to resume.
    let pane = pane_of(&env, "w1");
    env.prompt(&pane, "warm up [standin work=0.1]");
    env.wait_screen(&pane, "mode normal");
    wait_idle(&env, "w1");
    add_task(&env, "p", "x.md", "---\ntitle: never sent\n---\n");
    ccfail_fault(&env, "dispatch-after-save", &["dispatch"]).status(99);
    assert!(queue_file(&env, "inbox/x.md.dispatched").exists());
    ccfail(&env, &["swap", "--to", "b"]).status(0);
    let out = watch_until_released(&env, "w1", Duration::from_secs(20));
    assert!(
        !queue_file(&env, "done/x.md").exists(),
        "x is done though its prompt never reached a session:\n{out}\nstate: {:#}",
        state(&env)
    );
    assert_eq!(transcripts_mentioning(&env, "x.md.dispatched"), 0);
    cycle_until(&env, Duration::from_secs(30), || queue_file(&env, "done/x.md").exists());
    let received = prompts_received(&env, "x.md.dispatched");
    assert_eq!(received.len(), 1, "sent again, once: {received:#?}");
}

#[test]
fn a_turn_that_ended_before_a_swap_completes_its_task_without_a_continuation() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    env.ccfail(&["doctor", "--fix"]);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    add_task(&env, "p", "x.md", "---\ntitle: done before the swap\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    wait_until("the turn's Stop", Duration::from_secs(20), || {
        let spool = fs::read_to_string(env.path("state/events.jsonl")).unwrap_or_default();
        if spool.contains("\"Stop\"") { Ok(()) } else { Err("no Stop yet".to_owned()) }
    });
    wait_idle(&env, "w1");
    ccfail(&env, &["swap", "--to", "b"]).status(0);
    let out = watch_until_released(&env, "w1", Duration::from_secs(20));
    assert!(queue_file(&env, "done/x.md").exists(), "{out}");
    assert_eq!(prompts_received(&env, "x.md.dispatched").len(), 1);
    assert!(prompts_received(&env, "Continue the task").is_empty(), "a finished turn got a continuation");
}

#[test]
fn leftover_text_in_the_box_is_cleared_before_a_prompt_is_typed() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    // What a dispatch killed between typing and Enter leaves in the box.
    let pane = pane_of(&env, "w1");
    env.tmux().send_literal(&pane, "Do the task in /elsewhere/old.md.dispatched (left over)").unwrap();
    env.wait_screen(&pane, "(left over)");
    add_task(&env, "p", "y.md", "---\ntitle: the next task\n---\n");
    cycle_until(&env, Duration::from_secs(30), || queue_file(&env, "done/y.md").exists());
    assert_eq!(transcripts_mentioning(&env, "old.md.dispatched"), 0, "the leftover was sent");
    assert_eq!(transcripts_mentioning(&env, "y.md.dispatched"), 1);
}

#[test]
fn a_crash_between_typing_and_enter_leaves_nothing_that_is_sent_later() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    add_task(&env, "p", "x.md", "---\ntitle: typed, never entered\n---\n");
    ccfail_fault(&env, "dispatch-after-type", &["dispatch"]).status(99);
    env.wait_screen(&pane_of(&env, "w1"), "x.md.dispatched");
    add_task(&env, "p", "y.md", "---\ntitle: the next task\n---\n");
    cycle_until(&env, Duration::from_secs(40), || {
        queue_file(&env, "done/x.md").exists() && queue_file(&env, "done/y.md").exists()
    });
    assert_eq!(transcripts_mentioning(&env, "x.md.dispatched"), 1, "x ran once");
    assert_eq!(transcripts_mentioning(&env, "y.md.dispatched"), 1, "y ran once");
}

#[test]
fn leftover_text_on_a_shell_line_is_cleared_before_a_start_command() {
    let env = queue_env();
    setup(&env, 1, 1, &[], "");
    let (pane, shell) = env.shell_pane("w1");
    env.tmux().send_literal(&pane, "--model sonnet").unwrap();
    env.wait_screen(&pane, "--model sonnet");
    let run = ccfail(&env, &["watch-once"]);
    run.status(0);
    let started = Instant::now();
    let clients = loop {
        let clients = ccfail::process::children(shell);
        if clients.len() == 1 && env.path(&format!("accounts/a/sessions/{}.json", clients[0])).exists() {
            break clients;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "one client runs: {clients:?}\n{}", run.stdout());
        std::thread::sleep(Duration::from_millis(100));
    };
    let cmdline = fs::read(format!("/proc/{}/cmdline", clients[0])).unwrap();
    let words: Vec<String> = cmdline.split(|b| *b == 0).map(|w| String::from_utf8_lossy(w).into_owned()).collect();
    assert!(!words.iter().any(|w| w.contains("sonnetCLAUDE")), "a garbled command ran: {words:?}");
    assert!(env.path(&format!("accounts/a/sessions/{}.json", clients[0])).exists(), "on account a: {words:?}");
}

#[test]
fn stale_text_above_the_start_command_does_not_decide() {
    let env = queue_env();
    setup(&env, 1, 1, &[], "");
    let (pane, shell) = env.shell_pane("w1");
    env.prompt(&pane, "echo \"No conversation found with session ID: demo\"");
    env.wait_screen(&pane, "\nNo conversation found with session ID: demo");
    let run = ccfail(&env, &["watch-once"]);
    run.status(0);
    assert_eq!(ccfail::process::children(shell).len(), 1, "the client runs:\n{}", run.stdout());
    assert_ne!(state(&env)["sessions"]["w1"]["status"], "failed");
    assert!(history(&env, "session-unrecovered").is_empty());
    // And again: a later start in the same pane is not failed by the same old line.
    ccfail(&env, &["watch-once"]).status(0);
}

#[test]
fn a_latched_swap_is_left_alone_by_every_later_run() {
    let env = TestEnv::with_standin();
    crate::swap::pool_on_a(&env);
    let run = env.ccfail_with(&[("CCFAIL_FAULT", "swap:diverge-link,swap:fail-rollback")], &["swap", "--to", "b"]);
    run.status(16).stdout_has("PARTIAL SWAP");
    let latch = state(&env)["swap"]["partial_latch"].clone();
    assert!(!latch.is_null());
    assert_eq!(history(&env, "swap-partial").len(), 1);
    // Timer runs while the link still cannot be put back: none rolls back again.
    for args in [&["watch-once"][..], &["status"], &["janitor"], &["dispatch"]] {
        env.ccfail_with(&[("CCFAIL_FAULT", "swap:fail-rollback")], args);
    }
    assert_eq!(history(&env, "swap-partial").len(), 1, "one latch, one notification: {:#}", state(&env));
    assert_eq!(state(&env)["swap"]["partial_latch"], latch, "the latch time is kept");
    assert_eq!(state(&env)["swap"]["journal"]["phase"], "latched");
}
