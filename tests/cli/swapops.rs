//! Issue 13 items 5-6: a swap says what it does as it goes (one line per session off a
//! terminal, `-v` timings), stops and starts sessions in parallel and converges after a
//! SIGKILL in the middle of either; the overrides (`swap --force`, `account undrain` /
//! `drain`) and unknown account names as usage errors.

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

use ccfail::paths::StatePaths;
use ccfail::state::{StateError, StateStore};
use serde_json::Value;

use crate::support::{TestEnv, wait_until};
use crate::swap::{client_of, pool_on_a};

fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap()
}

fn drain(env: &TestEnv, account: &str, until: &str) {
    let store = StateStore::new(StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            state.accounts.entry(account.to_owned()).or_default().drained_until =
                Some(chrono::DateTime::parse_from_rfc3339(until).unwrap().into());
            Ok::<_, StateError>(())
        })
        .unwrap();
}

fn history(env: &TestEnv, event: &str) -> Vec<String> {
    env.history().iter().filter(|e| e["event"] == event).map(|e| e["detail"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn unknown_account_names_are_usage_errors_that_list_the_accounts() {
    let env = TestEnv::new();
    for args in [
        &["swap", "--to", "zz"][..],
        &["swap", "--to", "zz", "--dry-run"],
        &["launch", "x1", "--account", "zz"],
        &["env", "--account", "zz"],
        &["account", "undrain", "zz"],
        &["account", "drain", "zz"],
    ] {
        let run = env.ccfail(args);
        run.status(2).stderr_has("error: invalid value 'zz' for '").stderr_has("[possible values: a, b]");
        assert!(!run.stderr().contains("ccfail: error:"), "clap's own shape, once: {}", run.stderr());
        assert!(run.stdout().is_empty(), "{args:?}: {}", run.stdout());
    }
    env.ccfail(&["swap", "--to", "zz"]).stderr_has("for '--to <NAME>'");
    env.ccfail(&["env", "--account", "zz"]).stderr_has("for '--account <NAME>'");
    env.ccfail(&["swap", "--force"]).status(2).stderr_has("--to <NAME>");
    env.ccfail(&["account", "drain", "a", "--until", "tomorrow"]).status(2).stderr_has("RFC 3339");
}

#[test]
fn undrain_and_drain_are_recorded_and_change_what_a_swap_may_choose() {
    let env = TestEnv::new();
    drain(&env, "b", "2026-11-21T19:00:00Z");
    env.ccfail(&["swap", "--dry-run"]).status(13).stdout_has("b: drained until 2026-11-21 19:00 UTC");

    let run = env.ccfail(&["account", "undrain", "b", "--json"]);
    run.status(0);
    let report = run.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["account"], "b");
    assert_eq!(report["action"], "undrain");
    assert_eq!(report["changed"], true);
    assert_eq!(report["drained_until_before"], "2026-11-21T19:00:00Z");
    assert_eq!(report["drained_until"], Value::Null);
    assert!(state(&env)["accounts"]["b"]["drained_until"].is_null());
    let undrained = history(&env, "account-undrained");
    assert_eq!(undrained.len(), 1, "{undrained:?}");
    assert!(undrained[0].starts_with("b: marked as having quota again by the operator"), "{undrained:?}");
    env.ccfail(&["swap", "--dry-run"]).status(0).stdout_has("would swap a -> b");
    env.ccfail(&["account", "undrain", "b"]).status(0).stdout_has("account b was not drained; nothing changed");
    assert_eq!(history(&env, "account-undrained").len(), 1, "nothing changed, nothing recorded");

    env.ccfail(&["account", "drain", "b", "--until", "90m"])
        .status(0)
        .stdout_has("account b is drained until 2026-11-21 11:30 UTC (in 1h 30m)");
    assert_eq!(state(&env)["accounts"]["b"]["drained_until"], "2026-11-21T11:30:00Z");
    assert_eq!(history(&env, "account-drained").len(), 1);
    env.ccfail(&["swap", "--dry-run"]).status(13);
    let json = env.ccfail(&["account", "drain", "b", "--until", "2026-11-21T19:00:00Z", "--json"]).json();
    assert_eq!((json["version"].clone(), json["drained_until"].clone()), (1.into(), "2026-11-21T19:00:00Z".into()));
}

#[test]
fn force_swaps_to_a_drained_account_with_a_warning_and_a_record() {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    drain(&env, "b", "2026-11-21T19:00:00Z");
    env.ccfail(&["swap", "--to", "b"]).status(13).stdout_has("drained until");
    let run = env.ccfail(&["swap", "--to", "b", "--force"]);
    run.status(0)
        .stdout_has("swapped a -> b")
        .stderr_has("warning: account b is drained until 2026-11-21 19:00 UTC (in 9h 0m); --force uses it anyway");
    let forced = history(&env, "swap-forced");
    assert_eq!(forced, ["b used by --force while drained until 2026-11-21T19:00:00+00:00"]);
    for session in ["w1", "w2", "main"] {
        let (id, _, account) = client_of(&env, session).unwrap();
        assert_eq!((id.as_str(), account.as_str()), (ids[session].as_str(), "b"), "{session}");
    }
    // --force overrides a drain only: the active account is still refused.
    env.ccfail(&["swap", "--to", "b", "--force"]).status(13).stdout_has("it is the active account");
}

#[test]
fn a_swap_says_what_it_does_one_line_per_session_and_v_gives_the_timings() {
    let env = TestEnv::with_standin();
    pool_on_a(&env);
    let run = env.ccfail(&["-v", "swap", "--to", "b"]);
    run.status(0);
    let err = run.stderr();
    for session in ["w1", "w2", "main"] {
        assert!(err.contains(&format!("info: swap a -> b: {session} stopped (")), "{err}");
        assert!(err.contains(&format!("info: swap a -> b: {session} resumed on b")), "{err}");
        let timings = err
            .lines()
            .find(|l| l.contains(&format!("debug: swap a -> b timings: {session}: ")))
            .unwrap_or_else(|| panic!("no timings for {session}: {err}"));
        for step in ["stop ", "start ", "verify "] {
            assert!(timings.contains(step), "{timings}");
        }
    }
    assert!(err.contains("/3]"), "counted: {err}");
    assert!(err.contains("debug: swap a -> b timings: link flip ") && err.contains("shared links "), "{err}");
    assert!(err.contains("info: swap a -> b: done, 3 sessions, 0 relaunch failures in "), "{err}");
    assert!(!err.contains('\r'), "no redrawn line off a terminal: {err:?}");

    // Without -v: the progress, no timings; with -q: nothing.
    let back = env.ccfail(&["swap", "--to", "a"]);
    back.status(0).stderr_has("info: swap b -> a: w1 stopped (");
    assert!(!back.stderr().contains("timings"), "{}", back.stderr());
    let quiet = env.ccfail(&["-q", "swap", "--to", "b"]);
    quiet.status(0);
    assert!(quiet.stderr().is_empty(), "{}", quiet.stderr());
}

/// Starts `swap --to b`, SIGKILLs it once `ready` holds for the state, then lets
/// `status` resolve the journal; the pool ends on `expected` with every conversation.
fn kill_when_then_converge(what: &str, ready: impl Fn(&Value) -> bool, expected: &str) {
    let env = TestEnv::with_standin();
    let ids = pool_on_a(&env);
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    command.arg("--config").arg(env.config_file()).args(["swap", "--to", "b"]);
    env.seal(&mut command);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn ccfail swap");
    let seen = wait_until(what, Duration::from_secs(60), || {
        let text = fs::read_to_string(env.path("state/state.json")).map_err(|e| e.to_string())?;
        let state: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if ready(&state["swap"]["journal"]) {
            Ok(state)
        } else if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            panic!("the swap ended before {what}: {:#}", state["swap"]);
        } else {
            Err(format!("{:#}", state["swap"]["journal"]))
        }
    });
    child.kill().expect("SIGKILL the swap");
    child.wait().unwrap();
    assert!(!seen["swap"]["journal"].is_null());

    env.ccfail(&["status"]).status(0).stderr_has("an unfinished swap was resolved");
    let after = state(&env);
    assert!(after["swap"]["journal"].is_null(), "{what}: converged: {:#}", after["swap"]);
    let active = env.ccfail(&["status", "--json"]).json()["active_account"].as_str().unwrap().to_owned();
    assert_eq!(active, expected, "{what}");
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path(&format!("accounts/{active}")));
    for session in ["w1", "w2", "main"] {
        let (id, _, account) = wait_until(&format!("{session} running a client"), Duration::from_secs(20), || {
            client_of(&env, session).ok_or_else(|| "no client".to_owned())
        });
        assert_eq!(id, ids[session], "{what}: {session} kept its conversation");
        assert_eq!(account, active, "{what}: {session} runs on the active account");
    }
    assert_eq!(after["sessions"]["w1"]["task"], "app:t1", "{what}: tasks stay claimed");
    assert_eq!(after["sessions"]["w2"]["task"], "app:t2");
}

fn marked(journal: &Value, step: &str, mark: &str) -> usize {
    journal["sessions"].as_array().map_or(0, |s| s.iter().filter(|s| s[step] == mark).count())
}

#[test]
fn a_swap_killed_during_its_parallel_stop_is_rolled_back() {
    kill_when_then_converge(
        "two stops begun at once",
        |journal| journal["phase"] == "saved" && marked(journal, "stop", "begun") >= 2,
        "a",
    );
}

#[test]
fn a_swap_killed_during_its_parallel_start_is_finished() {
    kill_when_then_converge(
        "two starts begun at once",
        |journal| journal["phase"] == "switched" && marked(journal, "start", "begun") >= 2,
        "b",
    );
}
