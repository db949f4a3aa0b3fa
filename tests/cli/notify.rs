//! Notifications reach the notifier's stdin, and a notifier that hangs or fails never
//! changes the command's outcome or delays it past `notify.timeout`.

use std::fs;
use std::time::{Duration, Instant};

use crate::support::TestEnv;

fn with_notifier(env: &TestEnv, command: &str, timeout: &str) {
    let config = env.default_config();
    env.write_config(&format!("{config}notify:\n  command: {command}\n  timeout: {timeout}\n"));
}

#[test]
fn swap_events_arrive_as_json_on_stdin() {
    let env = TestEnv::new();
    let log = env.path("events.log");
    with_notifier(&env, &format!("[sh, -c, 'cat >> {}']", log.display()), "5s");
    env.ccfail(&["swap", "--to", "b"]).status(0).stdout_has("swapped a -> b");
    let events: Vec<serde_json::Value> =
        fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<_> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["swap_started", "swap_done"]);
    assert_eq!(events[1]["details"]["to"], "b");
    assert!(events[1]["summary"].as_str().unwrap().contains("a -> b"));
    // b is now active; a swap back to b is refused, and that is notified too.
    env.ccfail(&["swap", "--to", "b"]).status(13);
    assert!(fs::read_to_string(&log).unwrap().contains("\"event\":\"swap_refused\""));
}

#[test]
fn a_hanging_notifier_costs_at_most_its_timeout() {
    let env = TestEnv::new();
    with_notifier(&env, "[sleep, '1000']", "500ms");
    let started = Instant::now();
    env.ccfail(&["swap", "--to", "b"]).status(0).stderr_has("did not finish within");
    // Two notifications (started, done), each cut at 500 ms.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_failing_notifier_changes_nothing() {
    let env = TestEnv::new();
    with_notifier(&env, "[sh, -c, 'exit 1']", "5s");
    env.ccfail(&["swap", "--to", "b"]).status(0).stdout_has("swapped a -> b").stderr_has("failed");
    with_notifier(&env, "[/nonexistent/notifier]", "5s");
    env.ccfail(&["swap", "--to", "a"]).status(0).stderr_has("could not run /nonexistent/notifier");
}

#[test]
fn unknown_notify_events_are_config_errors() {
    let env = TestEnv::new();
    let config = env.default_config();
    env.write_config(&format!("{config}notify:\n  command: [/bin/true]\n  events: [swap_done, swap_dun]\n"));
    env.ccfail(&["status"]).status(3).stderr_has("notify.events[1]").stderr_has("\"swap_dun\" is not an event");
}
