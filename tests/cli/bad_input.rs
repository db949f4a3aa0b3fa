//! Bad input gets a clear error naming the file or session and what to do, and
//! loses nothing.

use std::fs;

use crate::support::{TestEnv, stale_socket};

/// The config problems each map to exit 3 and name the file, the key and the line.
#[test]
fn config_errors_name_file_key_and_line() {
    let env = TestEnv::new();
    let base = env.default_config();
    let cases: Vec<(String, &str, &str)> = vec![
        (
            base.replace("    priority: 1\n", "    priorty: 1\n"),
            "line 6: accounts[1].priorty",
            "did you mean \"priority\"",
        ),
        (base.replace("    max: 2\n", "    max: two\n"), "line 18: pool.autonomous.max", "invalid type"),
        (base.replace("lock_wait: 500ms", "lock_wait: 5 minutes"), "line 25: state.lock_wait", "not a duration"),
        (base.replace("  - name: b\n", "  - name: a\n"), "line 4: accounts[1].name", "already the name of accounts[0]"),
        (
            base.replace("    - name: main\n", "    - name: w2\n"),
            "line 21: pool.dedicated[0].name",
            "also a pool session name",
        ),
    ];
    for (text, location, message) in cases {
        env.write_config(&text);
        let run = env.ccfail(&["status"]);
        run.status(3).stderr_has(&env.config_file().display().to_string()).stderr_has(location).stderr_has(message);
    }
}

#[test]
fn all_config_problems_come_in_one_run() {
    let env = TestEnv::new();
    let text = env
        .default_config()
        .replace("    priority: 1\n", "    priorty: 1\n")
        .replace("lock_wait: 500ms", "lock_wait: 5")
        .replace("    - name: main\n", "    - name: w1\n");
    env.write_config(&text);
    let run = env.ccfail(&["status"]);
    run.status(3).stderr_has("(3 problems)").stderr_has("priorty").stderr_has("lock_wait").stderr_has("w1");
}

#[test]
fn missing_config_says_where_it_looked() {
    let env = TestEnv::new();
    fs::remove_file(env.config_file()).unwrap();
    env.ccfail(&["status"]).status(3).stderr_has("not found").stderr_has("named by --config").stderr_has("ccfail init");
    // Nothing named, nothing found: the search order, the user's file first, then /etc.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ccfail"));
    env.seal(&mut command);
    let run = crate::support::Run(command.arg("status").output().unwrap());
    let user = env.path("home/.config/ccfail/config.yaml");
    run.status(3)
        .stderr_has("no config file found: ccfail reads --config PATH, else $CCFAIL_CONFIG, else $XDG_CONFIG_HOME")
        .stderr_has(&format!("looked at {}, then /etc/ccfail/config.yaml", user.display()))
        .stderr_has("`ccfail init --account NAME=HOME …` writes one");
}

#[test]
fn corrupt_state_is_reported_and_kept() {
    let env = TestEnv::new();
    let state_file = env.path("state/state.json");
    fs::write(&state_file, "{\"version\": 1, \"timeline\": [{\"acc").unwrap();
    let run = env.ccfail(&["status"]);
    run.status(1).stdout_has("state file problem").stdout_has("does not parse").stdout_has("a copy is kept");
    assert_eq!(fs::read_to_string(&state_file).unwrap(), "{\"version\": 1, \"timeline\": [{\"acc", "never reset");
    let copies: Vec<_> = fs::read_dir(env.path("state"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("state.json.bad-"))
        .collect();
    assert_eq!(copies.len(), 1);
    env.ccfail(&["doctor"]).status(5).stdout_has("PROBLEM state").stdout_has("does not parse");
}

#[test]
fn future_state_version_is_refused() {
    let env = TestEnv::new();
    fs::write(env.path("state/state.json"), "{\"version\": 99}").unwrap();
    env.ccfail(&["status"]).status(1).stdout_has("has version 99, this ccfail reads version 1");
    env.ccfail(&["doctor", "--json"]).status(5);
}

#[test]
fn missing_tmux_gets_an_install_hint() {
    let env = TestEnv::new();
    env.write_config(&env.default_config().replace("tmux:\n", "tmux:\n  binary: /nonexistent/tmux\n"));
    let status = env.ccfail(&["status", "--json"]);
    status.status(0);
    let error = status.json()["tmux"]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("tmux not found") && error.contains("apt-get install tmux"), "{error}");
    env.ccfail(&["doctor"]).status(5).stdout_has("tmux not found").stdout_has("apt-get install tmux");
}

#[test]
fn unreachable_socket_is_a_doctor_problem_and_status_still_works() {
    let env = TestEnv::new();
    stale_socket(&env.socket());
    env.ccfail(&["status"]).status(0).stdout_has("no server running");
    env.ccfail(&["doctor"]).status(5).stdout_has("no server answers on it").stdout_has("stale socket");
}
