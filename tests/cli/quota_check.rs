//! `ccfail quota-check` end to end: a real tmux server, the stand-in client hitting its
//! limit (or failing with server errors), hook events through `ccfail hook`.

use serde_json::Value;

use std::time::Duration;

use crate::support::{TestEnv, wait_until};

const PARIS: &str =
    r#"{"mode": "limit", "limit_text": "You've hit your limit · resets 8pm (Europe/Paris)", "work_seconds": 0.1}"#;

/// Detection only: the swap a confirmed hit would start is tested in `swap.rs`.
fn quota_env() -> TestEnv {
    let env = TestEnv::with_standin();
    let config = std::fs::read_to_string(env.config_file()).unwrap();
    env.write_config(&format!("{config}quota:\n  auto_swap: false\n"));
    env
}

/// The pane rules alone: clients run on a config dir outside the configured accounts,
/// so ccfail reads no transcript of theirs (as for a session an operator started with
/// another `CLAUDE_CONFIG_DIR`) and no hooks are installed: only the screens speak.
const UNMANAGED: &str = "unmanaged";

fn screens_only_env() -> TestEnv {
    let env = quota_env();
    std::fs::create_dir_all(env.path(&format!("accounts/{UNMANAGED}"))).unwrap();
    env.trust(UNMANAGED, &env.path("work"));
    env
}

fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&std::fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap()
}

#[test]
fn two_pool_sessions_at_their_limit_confirm_in_one_run() {
    let env = screens_only_env();
    env.control(UNMANAGED, PARIS);
    for session in ["w1", "w2"] {
        let pane = env.start_claude(session, UNMANAGED);
        env.prompt(&pane, "work on the task");
        env.wait_screen(&pane, "resets 8pm (Europe/Paris)");
    }
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["outcome"], "confirmed");
    assert_eq!(report["account"], "a");
    assert_eq!(report["hit"]["signal"], "pane");
    // 8pm in Paris in November is 19:00 UTC, on the day the notice appeared.
    let drained = report["drained_until"].as_str().unwrap();
    assert!(drained.ends_with("T19:00:00Z"), "{drained}");
    let state = state(&env);
    assert_eq!(state["accounts"]["a"]["drained_until"], report["drained_until"]);
    assert_eq!(state["accounts"]["a"]["last_hit"]["reset_text"], "8pm (Europe/Paris)");
    env.ccfail(&["status"]).status(0).stdout_has("2026-");
}

#[test]
fn a_server_error_mentioning_a_rate_limit_is_not_a_hit() {
    let env = quota_env();
    env.control(
        "a",
        r#"{"mode": "server_error", "retries": 0, "work_seconds": 0.1, "error_text": "API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal error: rate limit of upstream exceeded\"}}"}"#,
    );
    let panes: Vec<String> = ["w1", "w2", "main"].iter().map(|s| env.start_claude(s, "a")).collect();
    for pane in &panes {
        env.prompt(pane, "go");
        env.wait_screen(pane, "rate limit of upstream");
    }
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(0);
    assert_eq!(run.json()["outcome"], "none");
    assert_eq!(run.json()["panes_read"], 3);
}

#[test]
fn a_pane_hit_without_reset_is_suspected_then_confirmed() {
    let env = screens_only_env();
    env.control(UNMANAGED, r#"{"mode": "limit", "limit_text": "Claude AI usage limit reached", "work_seconds": 0.1}"#);
    let pane = env.start_claude("main", UNMANAGED);
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "usage limit reached");
    let first = env.ccfail(&["quota-check", "--json"]);
    first.status(11);
    assert_eq!(first.json()["outcome"], "suspected");
    assert_eq!(state(&env)["quota"]["suspicions"][0]["account"], "a");
    let second = env.ccfail(&["quota-check", "--json"]);
    second.status(10);
    assert_eq!(second.json()["outcome"], "confirmed");
    assert!(state(&env)["quota"]["suspicions"].is_null());
}

#[test]
fn a_suspicion_is_cleared_by_a_clean_run() {
    let env = screens_only_env();
    env.control(UNMANAGED, r#"{"mode": "limit", "limit_text": "Claude AI usage limit reached", "work_seconds": 0.1}"#);
    let pane = env.start_claude("main", UNMANAGED);
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "usage limit reached");
    env.ccfail(&["quota-check"]).status(11).stdout_has("SUSPECTED");
    // The notice was transient: the next exchange works.
    env.control(UNMANAGED, r#"{"mode": "normal", "work_seconds": 0.1}"#);
    env.prompt(&pane, "again");
    env.wait_screen(&pane, "mode normal");
    env.ccfail(&["--format", "table", "quota-check"]).status(0).stdout_has("account a ok");
    assert!(state(&env)["quota"]["suspicions"].is_null());
}

#[test]
fn a_stop_failure_hook_event_confirms_from_the_spool() {
    let env = quota_env();
    env.ccfail(&["hooks", "install"]).status(0);
    env.control("a", PARIS);
    // One pool session is not enough on screen (min_pool_hits is 2): the hook decides.
    let pane = env.start_claude("w1", "a");
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "resets 8pm");
    let spool = env.path("state/events.jsonl");
    wait_until("the StopFailure hook event in the spool", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&spool).unwrap_or_default();
        if text.contains("StopFailure") { Ok(()) } else { Err(format!("spool: {text:?}")) }
    });
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["hit"]["signal"], "hook");
    assert_eq!(report["hit"]["session"], "w1", "the pane was mapped to its tmux session");
    assert!(report["hook_events_read"].as_u64().unwrap() >= 3);
    // The spool is consumed: the next run reads nothing new.
    let again = env.ccfail(&["quota-check", "--json", "--dry-run"]);
    assert_eq!(again.json()["hook_events_read"], 0);
}

#[test]
fn dry_run_records_nothing() {
    let env = quota_env();
    env.control("a", PARIS);
    for session in ["w1", "w2"] {
        let pane = env.start_claude(session, "a");
        env.prompt(&pane, "go");
        env.wait_screen(&pane, "resets 8pm");
    }
    env.ccfail(&["quota-check", "--dry-run"]).status(10).stdout_has("HIT ITS LIMIT").stdout_has("dry run");
    assert!(!env.path("state/state.json").exists());
}

#[test]
fn a_transcript_error_record_confirms_without_hooks() {
    let env = quota_env();
    env.control("a", PARIS);
    // One pool pane is not enough on screen, and no hooks are installed: the client's
    // transcript record decides.
    let pane = env.start_claude("w1", "a");
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "resets 8pm");
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["hit"]["signal"], "transcript", "{report:#}");
    assert_eq!(report["transcript_errors_read"], 1);
    assert!(report["usage"]["weekly"]["totals"]["messages"].is_number());
    // The record was consumed with the bytes that held it.
    let again = env.ccfail(&["quota-check", "--json", "--dry-run"]);
    assert_eq!(again.json()["transcript_errors_read"], 0);
}

#[test]
fn a_429_that_is_not_the_usage_limit_is_not_a_hit_in_any_signal() {
    let env = quota_env();
    env.ccfail(&["hooks", "install"]).status(0);
    env.control("a", r#"{"mode": "rate_limit_api", "work_seconds": 0.1}"#);
    for session in ["w1", "w2", "main"] {
        let pane = env.start_claude(session, "a");
        env.prompt(&pane, "go");
        env.wait_screen(&pane, "not your usage limit");
    }
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(0);
    let report = run.json();
    assert_eq!(report["outcome"], "none", "{report:#}");
    assert!(report["hook_events_read"].as_u64().unwrap() > 0);
    assert_eq!(report["transcript_errors_read"], 3);
}

#[test]
fn usage_past_a_soft_cap_is_a_proactive_hit() {
    let env = quota_env();
    let config = std::fs::read_to_string(env.config_file())
        .unwrap()
        .replace("    home: ", "    limits:\n      five_hour_messages: 2\n    home: ");
    env.write_config(&config);
    let pane = env.start_claude("w1", "a");
    for prompt in ["one [standin work=0.1]", "two [standin work=0.1]"] {
        env.prompt(&pane, prompt);
    }
    wait_until("both replies on the screen", Duration::from_secs(20), || {
        let screen = env.tmux().capture_one(&pane).unwrap();
        if screen.matches("mode normal").count() >= 2 { Ok(()) } else { Err(screen) }
    });
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(12);
    let report = run.json();
    assert_eq!(report["outcome"], "none");
    assert_eq!(report["proactive"]["cap_kind"], "five_hour_messages", "{report:#}");
    assert_eq!(report["proactive"]["used"], 2);
    assert_eq!(report["usage"]["five_hour"]["totals"]["messages"], 2);
    let state: Value = serde_json::from_str(&std::fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap();
    assert_eq!(state["quota"]["last_check"]["outcome"], "proactive");
    let status = env.ccfail(&["status"]);
    status.status(0).stdout_has("msgs 100%");
}

#[test]
fn a_transcript_record_from_a_clock_ten_days_ahead_is_set_aside() {
    // The suite's old failure, on purpose: a client whose clock runs ten days ahead of
    // ccfail's writes a limit record. It is not evidence of now, so nothing is drained.
    let env = quota_env();
    env.control("a", PARIS);
    let (pane, _) = env.shell_pane("w1");
    let command = format!(
        "CCFAIL_NOW=2026-12-01T21:34:54Z CLAUDE_CONFIG_DIR={} {}",
        env.path("accounts/a").display(),
        crate::support::standin_bin().display()
    );
    env.tmux().send_line(&pane, &command).unwrap();
    env.wait_screen(&pane, "? for shortcuts");
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "resets 8pm");
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(0);
    let report = run.json();
    assert_eq!(report["outcome"], "none", "{report:#}");
    assert_eq!(report["transcript_errors_read"], 1);
    let notes = report["notes"].to_string();
    assert!(notes.contains("2026-12-01T21:34:54Z") && notes.contains("ahead of this host's clock"), "{notes}");
    assert!(state(&env)["accounts"]["a"]["drained_until"].is_null());
}

/// The pool on both accounts at once: w1 on a (the active account), w2 on b, each
/// client started with its own CLAUDE_CONFIG_DIR; only b's session hits its limit.
/// Returns the report of the quota-check run that follows.
fn limit_on_b_while_a_works(env: &TestEnv, hooks: bool) -> Value {
    if hooks {
        env.ccfail(&["hooks", "install"]).status(0);
    }
    env.control("a", r#"{"mode": "normal", "work_seconds": 0.1}"#);
    env.control("b", PARIS);
    let on_a = env.start_claude("w1", "a");
    let on_b = env.start_claude("w2", "b");
    env.prompt(&on_a, "work on the task");
    env.prompt(&on_b, "work on the task");
    env.wait_screen(&on_a, "mode normal");
    env.wait_screen(&on_b, "resets 8pm (Europe/Paris)");
    if hooks {
        let spool = env.path("state/events.jsonl");
        wait_until("b's StopFailure hook event in the spool", Duration::from_secs(20), || {
            let text = std::fs::read_to_string(&spool).unwrap_or_default();
            if text.contains("StopFailure") { Ok(()) } else { Err(format!("spool: {text:?}")) }
        });
    }
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["account"], "a");
    assert_eq!(report["outcome"], "none", "the active account is fine: {report:#}");
    assert_eq!(report["hits"].as_array().map(Vec::len), Some(1), "{report:#}");
    assert_eq!(report["hits"][0]["account"], "b");
    let drained = report["hits"][0]["drained_until"].as_str().unwrap();
    assert!(drained.ends_with("T19:00:00Z"), "{drained}");
    assert_eq!(report["panes_read"], 2, "the panes of both accounts are read");

    let state = state(env);
    assert_eq!(state["accounts"]["b"]["drained_until"], report["hits"][0]["drained_until"]);
    assert_eq!(state["accounts"]["b"]["last_hit"]["reset_text"], "8pm (Europe/Paris)");
    assert!(state["accounts"]["a"]["drained_until"].is_null(), "{:#}", state["accounts"]);
    assert!(state["accounts"]["a"]["last_hit"].is_null());
    // Both conversations were placed on the account they run on.
    let mut placed: Vec<&str> =
        state["placements"].as_array().unwrap().iter().map(|p| p["account"].as_str().unwrap()).collect();
    placed.sort_unstable();
    assert_eq!(placed, ["a", "b"], "{:#}", state["placements"]);
    let history = env.history();
    let hit_events: Vec<&Value> = history.iter().filter(|e| e["event"] == "quota-hit").collect();
    assert_eq!(hit_events.len(), 1);
    assert_eq!(hit_events[0]["account"], "b");
    // The next run, with b drained and nothing new, confirms nothing: b's one pool
    // screen is not enough on its own.
    env.ccfail(&["--format", "table", "quota-check", "--dry-run"]).status(0).stdout_has("account a ok");
    report
}

#[test]
fn a_limit_on_one_of_two_accounts_in_use_drains_that_account_only() {
    let report = limit_on_b_while_a_works(&quota_env(), true);
    let hit = &report["hits"][0]["hit"];
    assert_eq!(hit["signal"], "hook", "the hook event of w2's pane, attributed to b: {report:#}");
    assert_eq!(hit["session"], "w2");
}

#[test]
fn a_transcript_record_counts_for_the_account_its_conversation_runs_on() {
    // No hooks: b's client's own transcript record decides, by its conversation.
    let report = limit_on_b_while_a_works(&quota_env(), false);
    assert_eq!(report["hits"][0]["hit"]["signal"], "transcript", "{report:#}");
    assert_eq!(report["transcript_errors_read"], 1);
}
