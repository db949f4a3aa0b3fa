//! `ccfail init`: a config from the account homes, the links, the hooks and doctor in one
//! command; idempotent; never replaces a config that differs without `--force`; a dry
//! run writes nothing; a real dir where a shared link belongs is moved by rename only
//! when that loses nothing.

use std::fs;
use std::process::Command;

use crate::support::{Run, TestEnv};

/// `ccfail` in the sealed env without `--config`: init chooses the user's file itself.
fn init(env: &TestEnv, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    env.seal(&mut command);
    Run(command.arg("init").args(args).output().unwrap())
}

fn homes(env: &TestEnv) -> [String; 5] {
    let root = format!("--shared-root={}", env.path("shared").display());
    [
        "--claude=/bin/true".to_owned(),
        "--account".to_owned(),
        format!("a={}", env.path("accounts/a").display()),
        format!("--account=b={}", env.path("accounts/b").display()),
        root,
    ]
}

#[test]
fn init_writes_links_installs_and_is_idempotent() {
    let env = TestEnv::new();
    // Account a already has history of its own: it becomes the shared one.
    fs::create_dir_all(env.path("accounts/a/projects/-work")).unwrap();
    fs::write(env.path("accounts/a/projects/-work/old.jsonl"), "{}\n").unwrap();
    let config = env.path("home/.config/ccfail/config.yaml");
    let args = homes(&env);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let dry = init(&env, &[&args[..], &["--dry-run"]].concat());
    dry.status(0).stdout_has("would write").stdout_has("  accounts:").stdout_has("would move the dir");
    assert!(!config.exists() && !env.path("home/.claude").exists(), "a dry run writes nothing");

    let first = init(&env, &args);
    first.status(0).stdout_has(&format!("config: wrote {}", config.display())).stdout_has("next: ccfail status");
    first.stdout_has("moved the dir").stdout_has("active link: ").stdout_has("doctor: no problems found");
    assert_eq!(fs::read_to_string(env.path("shared/projects/-work/old.jsonl")).unwrap(), "{}\n", "nothing lost");
    assert_eq!(fs::read_link(env.path("accounts/a/projects")).unwrap(), env.path("shared/projects"));
    assert_eq!(fs::read_link(env.path("home/.claude")).unwrap(), env.path("accounts/a"));
    let written = fs::read_to_string(&config).unwrap();

    // Again: nothing changes, every step says so.
    let again = init(&env, &args);
    again.status(0).stdout_has("up to date").stdout_has("already linked");
    assert_eq!(fs::read_to_string(&config).unwrap(), written);
    // Without --account: the config is taken as it is.
    init(&env, &[]).status(0).stdout_has("(kept as it is)");

    // Other accounts: refused without --force, then replaced with the old one kept.
    let other = [args[0], args[1], args[2], args[4], "--pool", "3"];
    init(&env, &other).status(1);
    assert_eq!(fs::read_to_string(&config).unwrap(), written, "refused: untouched");
    init(&env, &[&other[..], &["--force"]].concat()).status(0).stdout_has("config: replaced");
    assert_eq!(fs::read_to_string(config.with_extension("yaml.bak")).unwrap(), written);
    assert!(fs::read_to_string(&config).unwrap().contains("max: 3"));
    // The config works for every other command.
    let status = init_status(&env);
    assert_eq!(status["config_file"], config.display().to_string());
}

fn init_status(env: &TestEnv) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    env.seal(&mut command);
    Run(command.args(["status", "--json"]).output().unwrap()).json()
}

#[test]
fn init_refuses_what_it_cannot_set_up_and_says_why() {
    let env = TestEnv::new();
    init(&env, &[]).status(1).stderr_has("name the account homes");
    init(&env, &["--account", "a"]).status(1).stderr_has("write NAME=HOME");
    let missing = format!("x={}", env.path("accounts/nope").display());
    init(&env, &["--account", &missing, "--claude=/bin/true"])
        .status(1)
        .stderr_has("does not exist; log in once first");
    init(&env, &["--account", &format!("bad/name={}", env.path("accounts/a").display())]).status(3);
    assert!(!env.path("home/.config/ccfail/config.yaml").exists());
    // A real ~/.claude (an existing install) is never made the active link.
    fs::create_dir_all(env.path("home/.claude")).unwrap();
    let args = homes(&env);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    init(&env, &args).status(0);
    assert!(!fs::read_to_string(env.path("home/.config/ccfail/config.yaml")).unwrap().contains("active_link"));
    // $CCFAIL_CONFIG names where it writes.
    let file = env.path("elsewhere/ccfail.yaml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    env.seal(&mut command);
    command.env("CCFAIL_CONFIG", &file).arg("init").args(&args);
    Run(command.output().unwrap()).status(0).stdout_has(&format!("config: wrote {}", file.display()));
}
