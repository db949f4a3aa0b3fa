//! `ccfail swap` end to end: two accounts with shared links, pool sessions mid-task and
//! a dedicated session in conversation, the stand-in hitting its limit on account a.

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use ccfail::paths::StatePaths;
use ccfail::process;
use ccfail::state::{SessionKind, SessionState, SessionStatus, StateError, StateStore};
use serde_json::Value;

use crate::support::TestEnv;

const PARIS: &str =
    r#"{"mode": "limit", "limit_text": "You've hit your limit · resets 8pm (Europe/Paris)", "work_seconds": 0.1}"#;

/// The pool (w1, w2) and the dedicated session (main) running on account a, each with a
/// conversation; w1 and w2 hold a claimed task. Returns the Claude session id per tmux
/// session.
pub fn pool_on_a(env: &TestEnv) -> BTreeMap<String, String> {
    let link = env.path("home/.claude");
    env.write_config(
        &env.default_config()
            .replace("claude:\n", &format!("claude:\n  active_link: {}\n", link.display()))
            .replace("binary: /bin/true", &format!("binary: {}", crate::support::standin_bin().display())),
    );
    std::os::unix::fs::symlink(env.path("accounts/a"), &link).unwrap();
    env.ccfail(&["doctor", "--fix"]);
    env.ccfail(&["hooks", "install"]).status(0);
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            for (name, task) in [("w1", "app:t1"), ("w2", "app:t2")] {
                state.sessions.insert(
                    name.to_owned(),
                    SessionState {
                        status: SessionStatus::Working,
                        task: Some(task.to_owned()),
                        ..SessionState::new(SessionKind::Pool)
                    },
                );
                // Their prompts arrived (the delivery proof): a swap continues them.
                state.queue.sessions.insert(
                    name.to_owned(),
                    ccfail::state::SessionWatch {
                        token: Some(format!("ccfail:{name}")),
                        delivered: true,
                        ..Default::default()
                    },
                );
            }
            Ok::<_, StateError>(())
        })
        .unwrap();
    let mut ids = BTreeMap::new();
    for session in ["w1", "w2", "main"] {
        let pane = env.start_claude(session, "a");
        env.prompt(&pane, &format!("start {session} [standin work=0.1]"));
        env.wait_screen(&pane, "mode normal");
        ids.insert(session.to_owned(), client_of(env, session).unwrap().0);
    }
    ids
}

/// (Claude session id, pid) of the client running in a tmux session, from its own state
/// file under either account.
pub fn client_of(env: &TestEnv, session: &str) -> Option<(String, u32, String)> {
    let pane = env.tmux().observe().ok()?.session_pane(session)?.clone();
    for account in ["a", "b", "c"] {
        let Ok(entries) = fs::read_dir(env.path(&format!("accounts/{account}/sessions"))) else { continue };
        for entry in entries.flatten() {
            let Ok(doc) = serde_json::from_str::<Value>(&fs::read_to_string(entry.path()).unwrap_or_default()) else {
                continue;
            };
            let pid = doc["pid"].as_u64().unwrap_or(0) as u32;
            if process::is_alive(pid) && process::descends_from(pid, pane.pid) {
                return Some((doc["sessionId"].as_str().unwrap().to_owned(), pid, account.to_owned()));
            }
        }
    }
    None
}

fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap()
}

#[test]
fn quota_hit_swaps_the_pool_and_resumes_every_conversation() {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    let main_pane = env.tmux().observe().unwrap().session_pane("main").unwrap().pane_id.clone();
    env.control("a", PARIS);
    for session in ["w1", "w2", "main"] {
        let pane = env.tmux().observe().unwrap().session_pane(session).unwrap().pane_id.clone();
        env.prompt(&pane, "next step");
        env.wait_screen(&pane, "resets 8pm (Europe/Paris)");
    }

    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["outcome"], "confirmed");
    assert_eq!(report["swap"]["outcome"], "done", "{report:#}");

    let state = state(&env);
    assert_eq!(state["timeline"].as_array().unwrap().last().unwrap()["account"], "b");
    assert_eq!(state["swap"]["last"]["from"], "a");
    assert!(state["swap"]["journal"].is_null());
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path("accounts/b"));
    for session in ["w1", "w2", "main"] {
        let (id, pid, account) = client_of(&env, session).unwrap_or_else(|| panic!("{session} runs no client"));
        assert_eq!(id, ids[session], "{session} resumed the same conversation");
        assert_eq!(account, "b");
        assert_eq!(process::env_var(pid, "CLAUDE_CONFIG_DIR").unwrap(), env.path("accounts/b").display().to_string());
    }
    assert_eq!(state["sessions"]["w1"]["task"], "app:t1", "tasks stay claimed");
    assert_eq!(state["sessions"]["w2"]["task"], "app:t2");
    let main_now = env.tmux().observe().unwrap().session_pane("main").unwrap().pane_id.clone();
    assert_eq!(main_now, main_pane, "the dedicated tmux session is never destroyed");
    // The working pool sessions were told to go on.
    let w1 = env.tmux().observe().unwrap().session_pane("w1").unwrap().pane_id.clone();
    env.wait_screen(&w1, "Continue the task you were working on");
    env.ccfail(&["status"]).status(0).stdout_has("last swap:  a -> b");
}

/// After a crash at `point` and one `ccfail status`, the pool runs on exactly one
/// account with every conversation it had, the tasks still claimed, no journal left.
fn crash_then_converge(point: &str) {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    let crashed = env.ccfail_with(&[("CCFAIL_FAULT", point)], &["swap", "--to", "b"]);
    assert!(crashed.stderr().contains(&format!("fault injected at {point}")), "{point}: {}", crashed.stderr());
    assert_ne!(crashed.code(), 0);
    assert!(!state(&env)["swap"]["journal"].is_null(), "{point}: the crash left a journal");

    env.ccfail(&["status"]).status(0).stderr_has("an unfinished swap was resolved");
    let state = state(&env);
    assert!(state["swap"]["journal"].is_null(), "{point}: converged");
    let active = env.ccfail(&["status", "--json"]).json()["active_account"].as_str().unwrap().to_owned();
    let after_switch = ["swap:switched", "swap:starting", "swap:mid-relaunch", "swap:relaunched"];
    let expected = if after_switch.contains(&point) { "b" } else { "a" };
    assert_eq!(active, expected, "{point}: finished forward after the switch, rolled back before it");
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path(&format!("accounts/{active}")));
    for session in ["w1", "w2", "main"] {
        let (id, _, account) = client_of(&env, session).unwrap_or_else(|| panic!("{point}: {session} runs no client"));
        assert_eq!(id, ids[session], "{point}: {session} kept its conversation");
        assert_eq!(account, active, "{point}: {session} runs on the active account");
    }
    assert_eq!(state["sessions"]["w1"]["task"], "app:t1", "{point}: tasks stay claimed");
    assert_eq!(state["sessions"]["w2"]["task"], "app:t2");
}

#[test]
fn crash_after_planned_rolls_back() {
    crash_then_converge("swap:planned");
}
#[test]
fn crash_after_saved_rolls_back() {
    crash_then_converge("swap:saved");
}
#[test]
fn crash_with_a_stop_in_flight_rolls_back() {
    crash_then_converge("swap:stopping");
}
#[test]
fn crash_mid_stop_rolls_back() {
    crash_then_converge("swap:mid-stop");
}
#[test]
fn crash_after_stopped_rolls_back() {
    crash_then_converge("swap:stopped");
}
#[test]
fn crash_mid_switch_rolls_back() {
    crash_then_converge("swap:mid-switch");
}
#[test]
fn crash_after_switched_finishes() {
    crash_then_converge("swap:switched");
}
#[test]
fn crash_with_a_start_in_flight_finishes() {
    crash_then_converge("swap:starting");
}
#[test]
fn crash_mid_relaunch_finishes() {
    crash_then_converge("swap:mid-relaunch");
}
#[test]
fn crash_after_relaunched_finishes() {
    crash_then_converge("swap:relaunched");
}

#[test]
fn a_divergent_shared_link_on_the_target_refuses_before_touching_anything() {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    fs::remove_file(env.path("accounts/b/projects")).unwrap();
    std::os::unix::fs::symlink(env.path("elsewhere"), env.path("accounts/b/projects")).unwrap();
    env.ccfail(&["swap", "--to", "b"]).status(13).stdout_has("points to").stdout_has("never changed by ccfail");
    for session in ["w1", "w2", "main"] {
        assert_eq!(client_of(&env, session).unwrap().0, ids[session], "untouched");
    }
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path("accounts/a"));
}

#[test]
fn a_link_diverging_mid_swap_is_rolled_back() {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    let run = env.ccfail_with(&[("CCFAIL_FAULT", "swap:diverge-link")], &["swap", "--to", "b"]);
    run.status(15).stdout_has("FAILED and was rolled back").stdout_has("a is still the active account");
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path("accounts/a"));
    for session in ["w1", "w2", "main"] {
        let (id, _, account) = client_of(&env, session).unwrap();
        assert_eq!((id.as_str(), account.as_str()), (ids[session].as_str(), "a"), "{session} back on a");
    }
    assert_eq!(state(&env)["swap"]["last"], Value::Null);
}

#[test]
fn a_failed_rollback_sets_the_latch_until_the_links_are_repaired() {
    let env = TestEnv::with_standin();
    pool_on_a(&env);
    let run = env.ccfail_with(&[("CCFAIL_FAULT", "swap:diverge-link,swap:fail-rollback")], &["swap", "--to", "b"]);
    run.status(16).stdout_has("PARTIAL SWAP");
    assert!(!state(&env)["swap"]["partial_latch"].is_null());
    env.ccfail(&["status"]).status(0).stdout_has("!! PARTIAL-SWAP LATCH SET");
    env.ccfail(&["doctor"]).status(5).stdout_has("partial-swap latch");
    env.ccfail(&["swap", "--to", "b"]).status(14).stdout_has("latch is set");
    // The latched journal is left alone: the stopped sessions stay at their shells, and
    // a timer's quota-check neither rolls it back nor swaps.
    env.ccfail(&["status"]).status(0);
    assert_eq!(state(&env)["swap"]["journal"]["phase"], "latched");
    env.ccfail(&["quota-check"]);
    assert_eq!(state(&env)["swap"]["journal"]["phase"], "latched");
    assert!(state(&env)["swap"]["last"].is_null(), "no swap past the latch");
    // Refused while the link on b points elsewhere and the active link is wrong.
    env.ccfail(&["swap", "--clear-partial"]).status(14).stdout_has("still wrong").stdout_has("points to");
    fs::remove_file(env.path("accounts/b/projects")).unwrap();
    std::os::unix::fs::symlink(env.path("shared/projects"), env.path("accounts/b/projects")).unwrap();
    fs::remove_file(env.path("home/.claude")).unwrap();
    std::os::unix::fs::symlink(env.path("accounts/a"), env.path("home/.claude")).unwrap();
    env.ccfail(&["swap", "--clear-partial"]).status(0).stdout_has("latch cleared").stdout_has("rolled back");
    assert!(state(&env)["swap"]["partial_latch"].is_null());
    assert!(state(&env)["swap"]["journal"].is_null(), "rolled back once the links are sound");
    assert!(client_of(&env, "main").is_some_and(|(_, _, account)| account == "a"), "main runs again on a");
}

#[test]
fn a_drained_target_is_refused_with_its_reset_time_and_dry_run_changes_nothing() {
    let env = TestEnv::with_standin();
    pool_on_a(&env);
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            state.accounts.entry("b".to_owned()).or_default().drained_until =
                Some(chrono::DateTime::parse_from_rfc3339("2026-11-21T19:00:00Z").unwrap().into());
            Ok::<_, StateError>(())
        })
        .unwrap();
    env.ccfail(&["swap", "--to", "b"])
        .status(13)
        .stdout_has("account b cannot take the pool: drained until 2026-11-21 19:00 UTC (in 9h 0m)");
    env.ccfail(&["swap"]).status(13).stdout_has("no account can take the pool").stdout_has("b: drained until");

    store
        .update(|state| {
            state.accounts.get_mut("b").unwrap().drained_until = None;
            Ok::<_, StateError>(())
        })
        .unwrap();
    let before = fs::read_to_string(env.path("state/state.json")).unwrap();
    let dry = env.ccfail(&["swap", "--dry-run"]);
    dry.status(0).stdout_has("dry run: would swap a -> b").stdout_has("--resume").stdout_has("client state");
    assert_eq!(fs::read_to_string(env.path("state/state.json")).unwrap(), before, "nothing changed");
    assert_eq!(client_of(&env, "w1").unwrap().2, "a");
}

/// Issue 10: a swap keeps each session's `--model`, counts usage to the target from its
/// first client's start, and reports a relaunch that failed with its own exit code and in
/// `status`.
#[test]
fn a_swap_keeps_the_model_times_the_target_from_its_first_start_and_reports_a_failed_relaunch() {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    let observe = |session: &str| env.tmux().observe().unwrap().session_pane(session).unwrap().clone();
    // main goes on with an explicit model, as an operator would start it
    let main = observe("main");
    env.tmux().send_literal(&main.pane_id, "/exit").unwrap();
    env.wait_screen(&main.pane_id, "Exit the CLI");
    env.tmux().send_keys(&main.pane_id, &["Enter"]).unwrap();
    env.wait_screen(&main.pane_id, "claude --resume");
    env.tmux()
        .send_line(
            &main.pane_id,
            &format!(
                "CLAUDE_CONFIG_DIR={} {} --model sonnet --resume {}",
                env.path("accounts/a").display(),
                crate::support::standin_bin().display(),
                ids["main"]
            ),
        )
        .unwrap();
    env.wait_screen(&main.pane_id, "start main");
    // w2's conversation disappears: its relaunch on b cannot resume it
    let slug: String = env
        .path("work")
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    fs::remove_file(env.path(&format!("shared/projects/{slug}/{}.jsonl", ids["w2"]))).unwrap();

    // on the real clock: the relaunch takes time, and b's span must start before the end
    let run = env.ccfail_with(&[("CCFAIL_NOW", "")], &["swap", "--to", "b", "--json"]);
    run.status(17);
    let report = run.json();
    assert_eq!(report["outcome"], "done", "{report:#}");
    let sessions = report["sessions"].as_array().unwrap();
    let of = |name: &str| sessions.iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(of("main")["model"], "sonnet");
    assert!(of("w2")["outcome"].as_str().unwrap().starts_with("failed"), "{report:#}");

    let (id, pid, account) = client_of(&env, "main").expect("main runs a client");
    assert_eq!((id.as_str(), account.as_str()), (ids["main"].as_str(), "b"));
    let argv = process::cmdline(pid).unwrap();
    assert!(argv.windows(2).any(|w| w == ["--model", "sonnet"]), "the model is kept: {argv:?}");

    let state = state(&env);
    let span = state["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(span["account"], "b");
    let since: chrono::DateTime<chrono::Utc> = span["since"].as_str().unwrap().parse().unwrap();
    let done: chrono::DateTime<chrono::Utc> = state["swap"]["last"]["at"].as_str().unwrap().parse().unwrap();
    assert!(since < done, "b counts from its first client's start ({since}), not the swap's end ({done})");
    let failed = state["swap"]["last"]["relaunch_failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].as_str().unwrap().starts_with("w2: failed"), "{failed:?}");
    env.ccfail(&["status"]).status(0).stdout_has("relaunch FAILED: w2");
}
