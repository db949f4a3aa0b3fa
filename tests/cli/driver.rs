//! Starting and stopping Claude Code in a pane (`ccfail::driver`) with the stand-in.

use std::time::Duration;

use ccfail::config::Config;
use ccfail::driver::{self, Launch, Stopped, Waits};
use ccfail::paths::Env;
use ccfail::process;

use crate::support::{TestEnv, wait_until};

const WAITS: Waits = Waits { start: Duration::from_secs(20), stop: Duration::from_secs(5) };

fn config(env: &TestEnv) -> Config {
    Config::load(&env.config_file(), &Env::from_pairs([("HOME", env.path("home").to_str().unwrap())])).unwrap()
}

#[test]
fn start_then_exit_returns_to_the_shell_with_the_resume_id() {
    let env = TestEnv::with_standin();
    let config = config(&env);
    let (pane, pid) = env.shell_pane("w1");
    let account = config.account("b").unwrap();
    let command = driver::command_line(&config, account, &Launch::default());
    driver::start(&env.tmux(), &pane, &command, &account.home, WAITS).unwrap();
    assert_eq!(process::children(pid).len(), 1, "the client runs under the pane's shell");
    // A conversation exists once a prompt was answered; only then is there an id to resume.
    env.prompt(&pane, "hello [standin work=0.1]");
    env.wait_screen(&pane, "mode normal");
    let Stopped::Exited { resume_id } = driver::stop(&env.tmux(), &pane, pid, WAITS).unwrap() else { panic!() };
    assert_eq!(resume_id.unwrap().len(), 36);
    assert!(process::children(pid).is_empty());
    assert_eq!(driver::stop(&env.tmux(), &pane, pid, WAITS).unwrap(), Stopped::NotRunning);
    env.tmux().has_session("w1").unwrap().then_some(()).expect("the tmux session is kept");
}

#[test]
fn escape_first_gets_past_the_pro_limit_modal() {
    let env = TestEnv::with_standin();
    env.control("a", r#"{"plan": "pro", "mode": "limit", "work_seconds": 0.1}"#);
    let pane = env.start_claude("w1", "a");
    env.prompt(&pane, "hello");
    env.wait_screen(&pane, "What do you want to do?");
    let pid = env.tmux().observe().unwrap().session_pane("w1").unwrap().pid;
    assert!(matches!(driver::stop(&env.tmux(), &pane, pid, WAITS).unwrap(), Stopped::Exited { .. }));
}

#[test]
fn a_client_that_ignores_exit_is_ended_by_signal() {
    let env = TestEnv::with_standin();
    let (pane, pid) = env.shell_pane("w1");
    env.tmux().send_line(&pane, "sleep 300").unwrap();
    wait_until("`sleep 300` to run under the pane's shell", Duration::from_secs(20), || {
        if process::children(pid).is_empty() { Err(env.tmux().capture_one(&pane).unwrap_or_default()) } else { Ok(()) }
    });
    let waits = Waits { stop: Duration::from_millis(500), ..WAITS };
    assert_eq!(driver::stop(&env.tmux(), &pane, pid, waits).unwrap(), Stopped::Killed);
}

#[test]
fn an_untrusted_folder_is_trusted_before_or_answered_during_start() {
    let env = TestEnv::with_standin();
    let config = config(&env);
    let account = config.account("b").unwrap();
    std::fs::remove_file(env.path("accounts/b/.claude.json")).unwrap();
    // Pre-accepted: no dialog at all.
    assert!(driver::pre_accept_trust(&account.home, &env.path("work")).unwrap());
    let (pane, _) = env.shell_pane("w1");
    driver::start(
        &env.tmux(),
        &pane,
        &driver::command_line(&config, account, &Launch::default()),
        &account.home,
        WAITS,
    )
    .unwrap();
    // Not pre-accepted: the dialog is answered.
    std::fs::remove_file(env.path("accounts/a/.claude.json")).unwrap();
    let (pane, _) = env.shell_pane("w2");
    let account = config.account("a").unwrap();
    driver::start(
        &env.tmux(),
        &pane,
        &driver::command_line(&config, account, &Launch::default()),
        &account.home,
        WAITS,
    )
    .unwrap();
}

#[test]
fn resuming_a_conversation_the_account_cannot_see_fails_clearly() {
    let env = TestEnv::with_standin();
    let config = config(&env);
    let (pane, _) = env.shell_pane("w1");
    let launch = Launch { resume: Some("48091773-0cb4-4fd0-abec-b6d3054cfda3"), model: None };
    let account = config.account("a").unwrap();
    let err = driver::start(&env.tmux(), &pane, &driver::command_line(&config, account, &launch), &account.home, WAITS)
        .unwrap_err();
    assert!(err.to_string().contains("no such conversation"), "{err}");
}
