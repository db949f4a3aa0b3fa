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

/// The stand-in passing for 2.1.332 through `claude.env`, which every start command carries.
fn newest_config(env: &TestEnv, extra_env: &str, args: &str) -> Config {
    let text = env
        .default_config()
        .replace("binary: /bin/true", &format!("binary: {}", crate::support::standin_bin().display()));
    let text = text.replace(
        "claude:\n",
        &format!("claude:\n  env: {{CLAUDE_STANDIN_VERSION: \"2.1.332\"{extra_env}}}\n  args: [{args}]\n"),
    );
    env.write_config(&text);
    config(env)
}

/// 2.1.332 writes `.claude.json` back from the copy it read at start: a trust entry ccfail
/// added meanwhile is lost, so the next start meets the trust dialog (`No, exit` first) and
/// must answer it by its words, not by Enter.
#[test]
fn a_start_answers_the_reversed_trust_dialog_a_rewrite_brought_back() {
    let env = TestEnv::with_standin();
    let config = newest_config(&env, "", "");
    let account = config.account("b").unwrap();
    let (first, _) = env.shell_pane("w1");
    let command = driver::command_line(&config, account, &Launch::default());
    assert!(command.contains("CLAUDE_STANDIN_VERSION=2.1.332"), "{command}");
    driver::start(&env.tmux(), &first, &command, &account.home, WAITS).unwrap();
    // while the first client is starting up, ccfail pre-trusts another folder…
    let other = env.path("other");
    std::fs::create_dir_all(&other).unwrap();
    assert!(driver::pre_accept_trust(&account.home, &other).unwrap());
    // …and the client's write-back drops it
    let file = env.path("accounts/b/.claude.json");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&file).unwrap().contains(&*other.to_string_lossy()) {
        assert!(started.elapsed() < Duration::from_secs(10), "the client never wrote its copy back");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (second, _) = env.shell_pane("w2");
    let command = format!("cd {} && {command}", other.display());
    driver::start(&env.tmux(), &second, &command, &account.home, WAITS).unwrap();
    // The folder was untrusted when the client started, so it showed the dialog, whose
    // default exits: the client running at its box means "Yes" was chosen.
    assert!(process::children(env.tmux().observe().unwrap().pane_by_id(&second).unwrap().pid).len() == 1);
    let screen = ccfail::screen::parse(&env.tmux().capture_one(&second).unwrap());
    assert!(screen.input_box().is_some() && screen.dialog().is_none(), "{:?}", screen.lines());
}

/// `--dangerously-skip-permissions` as root needs `IS_SANDBOX=1` (given by `claude.env`); the
/// one-time warning defaults to `No, exit` and is answered "Yes, I accept"; the client's
/// environment shows the variables.
#[test]
fn a_start_in_bypass_mode_answers_the_warning_and_carries_claude_env() {
    let env = TestEnv::with_standin();
    let config = newest_config(
        &env,
        ", IS_SANDBOX: \"1\", ANTHROPIC_BASE_URL: \"http://127.0.0.1:9\"",
        "--dangerously-skip-permissions",
    );
    let account = config.account("a").unwrap();
    let (pane, pid) = env.shell_pane("w1");
    let command = driver::command_line(&config, account, &Launch::default());
    driver::start(&env.tmux(), &pane, &command, &account.home, WAITS).unwrap();
    let client = process::children(pid).into_iter().next().expect("the client runs");
    assert_eq!(process::env_var(client, "ANTHROPIC_BASE_URL").as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(process::env_var(client, "IS_SANDBOX").as_deref(), Some("1"));
    let settings = std::fs::read_to_string(env.path("accounts/a/settings.json")).unwrap();
    assert!(settings.contains("\"skipDangerousModePermissionPrompt\": true"), "{settings}");
    let screen = env.tmux().capture_one(&pane).unwrap();
    assert!(screen.contains("bypass permissions on"), "{screen}");
}
