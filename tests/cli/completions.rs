//! The completion scripts `ccfail completions <shell>` prints, tried as an operator uses
//! them: an interactive bash and zsh in a tmux pane, keys typed, TAB pressed, the screen
//! read. The names come from the sandbox config (accounts `work` and `spare`).
//!
//! A TAB's effect is read by typing a marker right after it: readline and zle finish a
//! completion before they read the next key, so `--to spX` means nothing was completed
//! and `--to spare X` that `spare` was.

use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;
use std::time::Duration;

use crate::support::{TestEnv, wait_until};

/// A sandbox whose config has the accounts `work` and `spare` and sessions `w1`, `w2`,
/// `main`; `bin/ccfail` is the binary under test. Returns the env and the pane's PATH.
fn sandbox() -> (TestEnv, String) {
    let env = TestEnv::new();
    let config =
        env.default_config().replace("- name: a\n", "- name: work\n").replace("- name: b\n", "- name: spare\n");
    env.write_config(&config);
    fs::create_dir_all(env.path("bin")).unwrap();
    symlink(env!("CARGO_BIN_EXE_ccfail"), env.path("bin/ccfail")).unwrap();
    // A file the shell's own completion would offer for `zz` if the script fell back to it.
    fs::write(env.path("work/zzfile"), "").unwrap();
    let path = format!("{}:{}", env.path("bin").display(), std::env::var("PATH").unwrap_or_default());
    (env, path)
}

fn has_shell(name: &str) -> bool {
    Command::new(name).arg("-c").arg("exit 0").status().is_ok_and(|s| s.success())
}

/// Starts `command` (a shell) in a pane of the sandbox's tmux (cwd `work/`,
/// `CCFAIL_CONFIG` set).
fn shell_pane(env: &TestEnv, command: &str) -> String {
    let tmux = env.tmux();
    let work = env.path("work");
    tmux.new_session(&ccfail::tmux::NewSession {
        name: "sh",
        cwd: Some(&work),
        env: vec![
            ("HOME".to_owned(), env.path("home").display().to_string()),
            ("CCFAIL_CONFIG".to_owned(), env.config_file().display().to_string()),
            ("PS1".to_owned(), "$ ".to_owned()),
            ("TERM".to_owned(), "screen".to_owned()),
        ],
        command: Some(command),
        width: 160,
        height: 40,
    })
    .unwrap();
    tmux.observe().unwrap().session_pane("sh").unwrap().pane_id.clone()
}

fn screen(env: &TestEnv, pane: &str) -> String {
    env.tmux().capture_one(pane).unwrap_or_default()
}

#[track_caller]
fn wait_screen(env: &TestEnv, pane: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    wait_until(what, Duration::from_secs(20), || {
        let text = screen(env, pane);
        if check(&text) { Ok(text) } else { Err(format!("screen:\n{text}")) }
    })
}

/// Types `line`, presses TAB, types the marker `X`, and returns the screen once the
/// marker shows; then clears the line (C-u) for the next try.
fn tab(env: &TestEnv, pane: &str, line: &str, tabs: usize) -> String {
    let tmux = env.tmux();
    tmux.send_literal(pane, line).unwrap();
    for _ in 0..tabs {
        tmux.send_keys(pane, &["Tab"]).unwrap();
    }
    tmux.send_literal(pane, "X").unwrap();
    let shown = wait_screen(env, pane, &format!("the marker after {line:?} TAB"), |s| {
        s.lines().any(|l| l.starts_with("$ ccfail") && l.trim_end().ends_with('X'))
    });
    tmux.send_keys(pane, &["C-u"]).unwrap();
    wait_screen(env, pane, "an empty prompt", |s| s.lines().map(str::trim_end).rfind(|l| !l.is_empty()) == Some("$"));
    shown
}

/// The command line as it stands on the screen (the last prompt line).
fn typed(shown: &str) -> String {
    shown.lines().rfind(|l| l.starts_with("$ ccfail")).unwrap_or_default().trim_end().to_owned()
}

fn try_shell(env: &TestEnv, pane: &str) {
    // A unique prefix completes to the account, with the space after it.
    let shown = tab(env, pane, "ccfail swap --to sp", 1);
    assert_eq!(typed(&shown), "$ ccfail swap --to spare X", "{shown}");
    let shown = tab(env, pane, "ccfail launch --account w", 1);
    assert_eq!(typed(&shown), "$ ccfail launch --account work X", "{shown}");
    let shown = tab(env, pane, "ccfail env --account s", 1);
    assert_eq!(typed(&shown), "$ ccfail env --account spare X", "{shown}");
    let shown = tab(env, pane, "ccfail launch ma", 1);
    assert_eq!(typed(&shown), "$ ccfail launch main X", "{shown}");
    // No account matches: nothing, not the file zzfile.
    let shown = tab(env, pane, "ccfail swap --to zz", 1);
    assert_eq!(typed(&shown), "$ ccfail swap --to zzX", "{shown}");
    // The hidden `generate` is not offered, even for its own prefix.
    let shown = tab(env, pane, "ccfail gen", 1);
    assert_eq!(typed(&shown), "$ ccfail genX", "{shown}");
    // A path option still completes paths.
    let shown = tab(env, pane, "ccfail --config ../conf", 1);
    assert!(typed(&shown).ends_with("config.yaml X"), "{shown}");
}

#[test]
fn bash_completes_accounts_and_sessions_from_the_config() {
    let (env, path) = sandbox();
    let pane = shell_pane(&env, "bash --norc --noprofile");
    wait_screen(&env, &pane, "the bash prompt", |s| !s.trim().is_empty());
    // PATH is set here: the pane's shell may start with the server's.
    let setup = format!("PS1='$ '; PATH={path}; source <(ccfail completions bash); clear");
    env.tmux().send_line(&pane, &setup).unwrap();
    wait_screen(&env, &pane, "the cleared prompt", |s| s.trim() == "$");
    // Listing every candidate (TAB TAB) shows both accounts.
    let shown = tab(&env, &pane, "ccfail swap --to ", 2);
    let listed = shown.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["work", "spare"]);
    assert!(listed, "bash did not list the accounts:\n{shown}");
    try_shell(&env, &pane);
}

/// Without zsh on the machine it is reported and skipped, unless `CCFAIL_REQUIRE_ZSH`
/// is set (CI sets it).
#[test]
fn zsh_completes_accounts_and_sessions_from_the_config() {
    if !has_shell("zsh") {
        assert!(std::env::var_os("CCFAIL_REQUIRE_ZSH").is_none(), "zsh is required here: apt-get install zsh");
        eprintln!("zsh not installed: its completion was not tried (apt-get install zsh)");
        return;
    }
    let (env, path) = sandbox();
    // Installed as an operator would: the file in a dir of $fpath, autoloaded by compinit
    // on the first TAB.
    let functions = env.path("home/zsh-functions");
    fs::create_dir_all(&functions).unwrap();
    let script = env.ccfail(&["completions", "zsh"]).status(0).stdout();
    fs::write(functions.join("_ccfail"), script).unwrap();
    let pane = shell_pane(&env, "zsh -f");
    wait_screen(&env, &pane, "the zsh prompt", |s| !s.trim().is_empty());
    let setup = format!(
        "PS1='$ '; PATH={path}; fpath=({} $fpath); autoload -U compinit; compinit -u -D; clear",
        functions.display()
    );
    env.tmux().send_line(&pane, &setup).unwrap();
    wait_screen(&env, &pane, "the cleared prompt", |s| s.trim() == "$");
    try_shell(&env, &pane);
    // Listing: TAB on an empty value shows both accounts with what they are.
    let shown = tab(&env, &pane, "ccfail swap --to ", 1);
    assert!(shown.contains("spare") && shown.contains("work"), "zsh did not list the accounts:\n{shown}");
}

/// fish's own completion machinery (`complete -C`, what a TAB runs) on the sourced
/// script; skipped without fish.
#[test]
fn fish_completes_accounts_from_the_config() {
    if !has_shell("fish") {
        eprintln!("fish not installed: its completion was not tried (apt-get install fish)");
        return;
    }
    let (env, path) = sandbox();
    let script = "ccfail completions fish | source
for line in 'ccfail swap --to ' 'ccfail swap --to zz' 'ccfail g' 'ccfail launch m'
    echo \"> $line\"
    complete -C $line
end";
    let mut command = Command::new("fish");
    command.args(["--no-config", "-c", script]);
    env.seal(&mut command);
    let output = command
        .env("PATH", &path)
        .env("CCFAIL_CONFIG", env.config_file())
        .current_dir(env.path("work"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let offered = |line: &str| -> Vec<&str> {
        let block = text.split("> ").find(|b| b.starts_with(&format!("{line}\n"))).unwrap_or_default();
        block.lines().skip(1).map(|l| l.split('\t').next().unwrap_or_default()).collect()
    };
    assert_eq!(offered("ccfail swap --to "), ["work", "spare"], "{text}");
    assert!(offered("ccfail swap --to zz").is_empty(), "{text}");
    assert!(offered("ccfail g").is_empty(), "{text}");
    assert_eq!(offered("ccfail launch m"), ["main"], "{text}");
}
