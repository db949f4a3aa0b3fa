//! Placement end to end on the stand-in: a pool spread over three accounts by
//! `watch-once`, a limit on one account moving only its sessions (each resumed with its
//! conversation, its task told to go on), their return after the reset, and a crash at
//! every step of such a move converging like the swap's.

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use ccfail::paths::StatePaths;
use ccfail::state::{SessionStatus, StateError, StateStore};
use serde_json::Value;

use crate::support::{TestEnv, wait_until};
use crate::swap::client_of;

const LIMIT: &str =
    r#"{"mode": "limit", "limit_text": "You've hit your limit · resets 8pm (Europe/Paris)", "work_seconds": 0.1}"#;

/// Accounts a, b, c (all logged in, the work dir trusted), placement `spread`, a pool of
/// `pool` sessions and no dedicated one.
fn spread_env(pool: u32) -> TestEnv {
    let env = TestEnv::with_standin();
    fs::create_dir_all(env.path("accounts/c")).unwrap();
    fs::write(env.path("accounts/c/.credentials.json"), "{}").unwrap();
    env.trust("c", &env.path("work"));
    let r = env.root.display();
    let config = env
        .default_config()
        .replace("binary: /bin/true", &format!("binary: {}", crate::support::standin_bin().display()))
        .replace("claude:\n", &format!("  - name: c\n    home: {r}/accounts/c\n    priority: 2\nclaude:\n"))
        .replace("    max: 2\n", &format!("    min: {pool}\n    max: {pool}\n"))
        .replace(&format!("  dedicated:\n    - name: main\n      project: {r}/work\n"), "")
        + "placement:\n  policy: spread\n";
    env.write_config(&config);
    env.ccfail(&["doctor", "--fix"]);
    env.ccfail(&["hooks", "install"]).status(0);
    env
}

fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap()
}

/// The active account: the timeline's last entry, the preferred one before any.
fn active(state: &Value) -> String {
    state["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .map_or_else(|| "a".to_owned(), |span| span["account"].as_str().unwrap().to_owned())
}

fn pane_of(env: &TestEnv, session: &str) -> String {
    env.tmux().observe().unwrap().session_pane(session).unwrap().pane_id.clone()
}

/// watch-once starts the pool; each session gets a conversation. Returns per session
/// (conversation id, client pid, account).
fn start_pool(env: &TestEnv, pool: u32) -> BTreeMap<String, (String, u32, String)> {
    env.ccfail(&["watch-once"]).status(0);
    let mut clients = BTreeMap::new();
    for i in 1..=pool {
        let session = format!("w{i}");
        let pane = pane_of(env, &session);
        env.wait_screen(&pane, "? for shortcuts");
        env.prompt(&pane, &format!("start {session} [standin work=0.1]"));
        env.wait_screen(&pane, "mode normal");
        clients.insert(session.clone(), client_of(env, &session).unwrap());
    }
    clients
}

/// The sessions on `account` hold a claimed task whose prompt arrived.
fn give_tasks(env: &TestEnv, sessions: &[&str]) {
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            for name in sessions {
                let entry = state.sessions.get_mut(*name).expect("watch-once tracks the session");
                entry.status = SessionStatus::Working;
                entry.task = Some(format!("app:{name}"));
                state.queue.sessions.insert(
                    (*name).to_owned(),
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
}

fn on(clients: &BTreeMap<String, (String, u32, String)>, account: &str) -> Vec<String> {
    clients.iter().filter(|(_, (_, _, a))| a == account).map(|(s, _)| s.clone()).collect()
}

#[test]
fn a_limit_moves_only_the_sessions_on_that_account_and_they_come_back_after_the_reset() {
    let env = spread_env(9);
    let before = start_pool(&env, 9);
    for account in ["a", "b", "c"] {
        assert_eq!(on(&before, account).len(), 3, "spread 3/3/3: {before:?}");
    }
    let status = env.ccfail(&["status", "--json"]).json();
    for account in status["accounts"].as_array().unwrap() {
        assert_eq!(account["sessions"], 3, "status counts the sessions per account: {account}");
    }
    assert!(status["sessions"].as_array().unwrap().iter().all(|s| s["account"].is_string()));
    env.ccfail(&["status"]).status(0).stdout_has("active a · on a 3 b 3 c 3 · 9 sessions");
    let on_a = on(&before, "a");
    let on_a: Vec<&str> = on_a.iter().map(String::as_str).collect();
    give_tasks(&env, &on_a);

    env.control("a", LIMIT);
    for session in &on_a {
        let pane = pane_of(&env, session);
        env.prompt(&pane, "next step");
        env.wait_screen(&pane, "resets 8pm (Europe/Paris)");
    }
    let run = env.ccfail(&["quota-check", "--json"]);
    let report = run.json();
    assert_eq!(report["outcome"], "confirmed", "{report:#}");
    assert!(report["swap"].is_null(), "spread swaps no pool: {report:#}");
    let moves = report["placement"]["moves"].as_array().unwrap_or_else(|| panic!("no moves: {report:#}"));
    let moved: Vec<&str> =
        moves.iter().flat_map(|m| m["sessions"].as_array().unwrap()).map(|s| s.as_str().unwrap()).collect();
    assert_eq!(moved.len(), 3, "{report:#}");
    assert!(moves.iter().all(|m| m["from"] == "a" && m["why"] == "drained" && m["outcome"]["outcome"] == "done"));

    let state = state(&env);
    assert!(state["swap"]["journal"].is_null());
    assert_eq!(active(&state), "a", "the active account never changed");
    let mut after = BTreeMap::new();
    for (session, (id, pid, account)) in &before {
        let now = client_of(&env, session).unwrap_or_else(|| panic!("{session} runs no client"));
        if account == "a" {
            assert_eq!(now.0, *id, "{session} resumed its own conversation");
            assert_ne!(now.2, "a", "{session} left the drained account");
            assert_eq!(state["sessions"][session]["account"], now.2.as_str());
            assert_eq!(state["sessions"][session]["displaced_from"], "a");
            assert_eq!(state["sessions"][session]["task"], format!("app:{session}"), "its task stays claimed");
            env.wait_screen(&pane_of(&env, session), "Continue the task you were working on");
        } else {
            assert_eq!((&now.0, now.1, &now.2), (id, *pid, account), "{session} on {account} was not touched");
        }
        after.insert(session.clone(), now);
    }
    let landed: Vec<&str> = on_a.iter().map(|s| after[*s].2.as_str()).collect();
    assert!(landed.contains(&"b") && landed.contains(&"c"), "spread over b and c by headroom: {landed:?}");

    // The tasks finish; a's limit resets at 19:00 UTC; the next check brings them home.
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            for name in &on_a {
                let entry = state.sessions.get_mut(*name).unwrap();
                entry.status = SessionStatus::Idle;
                entry.task = None;
            }
            Ok::<_, StateError>(())
        })
        .unwrap();
    env.control("a", "{}");
    for session in &on_a {
        wait_until(&format!("{session} idle"), Duration::from_secs(20), || {
            let text = fs::read_to_string(
                env.path(&format!("accounts/{}/sessions/{}.json", after[*session].2, after[*session].1)),
            )
            .map_err(|e| e.to_string())?;
            text.contains("\"idle\"").then_some(()).ok_or(text)
        });
    }
    let late = [("CCFAIL_NOW", "2026-11-21T20:00:00Z")];
    let report = env.ccfail_with(&late, &["quota-check", "--json"]).json();
    let moves = report["placement"]["moves"].as_array().unwrap_or_else(|| panic!("no return: {report:#}"));
    assert!(moves.iter().all(|m| m["to"] == "a" && m["why"] == "return"), "{report:#}");
    for session in &on_a {
        let back = client_of(&env, session).unwrap();
        assert_eq!(back.2, "a", "{session} came back to a");
    }
    for session in before.keys().filter(|s| !on_a.contains(&s.as_str())) {
        assert_eq!(client_of(&env, session).unwrap().1, before[session].1, "{session} never moved");
    }
    // One move per cooldown, and nothing left to move: the next check moves nothing.
    let again = env.ccfail_with(&late, &["quota-check", "--json"]).json();
    assert!(again["placement"].is_null(), "{again:#}");
}

/// A crash at `point` of a move of w1 (on a, drained) to b, then one `ccfail status`:
/// w1 runs its own conversation on b (the move got past its switch) or on a (rolled
/// back), w2 on b was never touched, and no journal is left.
fn crash_then_converge(point: &str) {
    let env = spread_env(2);
    // Two accounts are enough: c is logged out.
    fs::remove_file(env.path("accounts/c/.credentials.json")).unwrap();
    let before = start_pool(&env, 2);
    let (mover, stayer) = if before["w1"].2 == "a" { ("w1", "w2") } else { ("w2", "w1") };
    assert_eq!(before[stayer].2, "b", "{before:?}");
    give_tasks(&env, &[mover]);
    env.control("a", LIMIT);
    let pane = pane_of(&env, mover);
    env.prompt(&pane, "next step");
    env.wait_screen(&pane, "resets 8pm (Europe/Paris)");

    let crashed = env.ccfail_with(&[("CCFAIL_FAULT", point)], &["quota-check"]);
    assert!(crashed.stderr().contains(&format!("fault injected at {point}")), "{point}: {}", crashed.stderr());
    assert!(!state(&env)["swap"]["journal"].is_null(), "{point}: the crash left a journal");
    assert_eq!(state(&env)["swap"]["journal"]["partial"], true);

    env.ccfail(&["status"]).status(0).stderr_has("an unfinished swap was resolved");
    let state = state(&env);
    assert!(state["swap"]["journal"].is_null(), "{point}: converged");
    let after_switch = ["swap:switched", "swap:starting", "swap:mid-relaunch", "swap:relaunched"];
    let expected = if after_switch.contains(&point) { "b" } else { "a" };
    let (id, _, account) = client_of(&env, mover).unwrap_or_else(|| panic!("{point}: {mover} runs no client"));
    assert_eq!(id, before[mover].0, "{point}: {mover} kept its conversation");
    assert_eq!(account, expected, "{point}: forward after the switch, back before it");
    assert_eq!(state["sessions"][mover]["task"], format!("app:{mover}"), "{point}: its task stays claimed");
    assert_eq!(client_of(&env, stayer).unwrap().1, before[stayer].1, "{point}: {stayer} untouched");
    assert_eq!(active(&state), "a", "{point}: the active account never changed");
}

#[test]
fn a_move_crashed_after_planned_converges() {
    crash_then_converge("swap:planned");
}

#[test]
fn a_move_crashed_after_saved_converges() {
    crash_then_converge("swap:saved");
}

#[test]
fn a_move_crashed_at_stop_converges() {
    crash_then_converge("swap:mid-stop");
}

#[test]
fn a_move_crashed_after_stopped_converges() {
    crash_then_converge("swap:stopped");
}

#[test]
fn a_move_crashed_after_switched_converges() {
    crash_then_converge("swap:switched");
}

#[test]
fn a_move_crashed_at_relaunch_converges() {
    crash_then_converge("swap:mid-relaunch");
}

#[test]
fn a_move_crashed_after_relaunched_converges() {
    crash_then_converge("swap:relaunched");
}

#[test]
fn tags_keep_the_pool_on_its_accounts_and_a_pin_keeps_a_dedicated_session_on_its_own() {
    let env = spread_env(2);
    let r = env.root.display();
    let config = fs::read_to_string(env.config_file()).unwrap();
    let config = config
        .replace(&format!("    home: {r}/accounts/b\n"), &format!("    home: {r}/accounts/b\n    tags: [pool]\n"))
        .replace("    max: 2\n", "    max: 2\n    account_tags: [pool]\n")
        .replace(
            "state:\n",
            &format!("  dedicated:\n    - name: main\n      project: {r}/work\n      account: c\nstate:\n"),
        );
    env.write_config(&config);
    let clients = start_pool(&env, 2);
    assert_eq!(on(&clients, "b").len(), 2, "only b carries the pool's tag: {clients:?}");
    env.ccfail(&["launch", "main"]).status(0).stdout_has("on account c");
    env.wait_screen(&pane_of(&env, "main"), "? for shortcuts");
    assert_eq!(client_of(&env, "main").unwrap().2, "c");
    assert_eq!(state(&env)["sessions"]["main"]["account"], "c", "the start is recorded");
}

#[test]
fn a_limit_on_an_account_that_is_not_the_active_one_moves_its_sessions_too() {
    let env = spread_env(2);
    fs::remove_file(env.path("accounts/c/.credentials.json")).unwrap();
    let before = start_pool(&env, 2);
    let on_b = on(&before, "b");
    assert_eq!(on_b.len(), 1, "{before:?}");
    let mover = on_b[0].as_str();
    give_tasks(&env, &[mover]);
    env.control("b", LIMIT);
    let pane = pane_of(&env, mover);
    env.prompt(&pane, "next step");
    env.wait_screen(&pane, "resets 8pm (Europe/Paris)");
    let run = env.ccfail(&["quota-check", "--json"]);
    run.status(10);
    let report = run.json();
    assert_eq!(report["outcome"], "none", "the active account a is fine: {report:#}");
    assert_eq!(report["hits"][0]["account"], "b", "{report:#}");
    let moves = report["placement"]["moves"].as_array().unwrap_or_else(|| panic!("no move: {report:#}"));
    assert_eq!(moves.len(), 1, "{report:#}");
    assert_eq!((moves[0]["from"].as_str(), moves[0]["to"].as_str()), (Some("b"), Some("a")));
    let (id, _, account) = client_of(&env, mover).unwrap();
    assert_eq!((id.as_str(), account.as_str()), (before[mover].0.as_str(), "a"), "resumed on a");
    let stayer = on(&before, "a")[0].clone();
    assert_eq!(client_of(&env, &stayer).unwrap().1, before[&stayer].1, "{stayer} untouched");
    // The drained account takes no new start.
    assert!(state(&env)["accounts"]["b"]["drained_until"].is_string());
}
