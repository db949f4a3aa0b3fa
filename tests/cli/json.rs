//! `--json` of every command: one document on stdout that parses, carries `"version": 1`
//! first, and has the key fields docs/json.md lists for it.

use serde_json::Value;

use crate::support::{Run, TestEnv};

/// The document of `run`, checked for the version and the fields `keys`.
#[track_caller]
fn document(run: &Run, keys: &[&str]) -> Value {
    let json = run.json();
    let object = json.as_object().unwrap_or_else(|| panic!("not an object: {json:#}"));
    assert_eq!(object.keys().next().map(String::as_str), Some("version"), "version comes first: {json:#}");
    assert_eq!(json["version"], 1, "{json:#}");
    for key in keys {
        assert!(object.contains_key(*key), "no {key:?} in {json:#}");
    }
    json
}

#[test]
fn status_json() {
    let env = TestEnv::new();
    let json = document(
        env.ccfail(&["status", "--json"]).status(0),
        &["schema", "now", "active_account", "accounts", "sessions", "queue", "summary", "last_swap"],
    );
    assert_eq!(json["schema"], 1, "the old name stays");
    assert_eq!(json["summary"]["sessions"], 3);
    assert_eq!(json["summary"]["down"], 3);
}

#[test]
fn doctor_json() {
    let env = TestEnv::new();
    let json = document(&env.ccfail(&["doctor", "--json"]), &["problems", "fixed", "findings"]);
    let finding = &json["findings"][0];
    for key in ["check", "subject", "verdict", "message", "fix"] {
        assert!(finding.get(key).is_some(), "{key} in {finding:#}");
    }
}

#[test]
fn quota_check_json() {
    let env = TestEnv::new();
    let json = document(
        env.ccfail(&["quota-check", "--json", "--dry-run"]).status(0),
        &["at", "account", "outcome", "hits", "suspected", "warnings", "panes_read", "dry_run", "swap"],
    );
    assert_eq!(json["outcome"], "none");
}

#[test]
fn swap_json() {
    let env = TestEnv::new();
    let json = document(env.ccfail(&["swap", "--dry-run", "--json"]).status(0), &["outcome", "journal", "commands"]);
    assert_eq!(json["outcome"], "planned");
    assert_eq!(json["journal"]["to"], "b");
    let latch = document(env.ccfail(&["swap", "--clear-partial", "--json"]).status(0), &["latch"]);
    assert_eq!(latch["latch"], "not set");
}

#[test]
fn dispatch_json() {
    let env = TestEnv::new();
    let json = document(
        env.ccfail(&["dispatch", "--dry-run", "--json"]).status(0),
        &["at", "dry_run", "projects", "pending", "ready", "blocked", "invalid", "free_sessions", "pairs", "skipped"],
    );
    assert_eq!(json["dry_run"], true);
}

#[test]
fn watch_once_json() {
    let env = TestEnv::new();
    let json = document(
        env.ccfail(&["watch-once", "--dry-run", "--json"]).status(0),
        &["at", "dry_run", "sessions", "actions", "checkpoints", "unrecovered"],
    );
    assert_eq!(json["sessions"].as_array().unwrap().len(), 3);
}

#[test]
fn janitor_json() {
    let env = TestEnv::new();
    document(env.ccfail(&["janitor", "--dry-run", "--json"]).status(0), &["at", "dry_run", "actions", "notes"]);
}

#[test]
fn launch_json() {
    let env = TestEnv::with_standin();
    let json = document(
        env.ccfail(&["launch", "scratch", "--json"]).status(0),
        &["session", "pane", "account", "dir", "command", "created_session", "started"],
    );
    assert_eq!((json["session"].as_str(), json["started"].as_bool()), (Some("scratch"), Some(true)));
}

#[test]
fn env_json() {
    let env = TestEnv::new();
    let json = document(env.ccfail(&["env", "--json"]).status(0), &["account", "env", "claude_env", "command"]);
    assert_eq!(json["env"]["CCFAIL_ACCOUNT"], "a");
}

#[test]
fn hooks_json() {
    let env = TestEnv::new();
    for action in ["install", "uninstall"] {
        let json = document(
            env.ccfail(&["hooks", action, "--dry-run", "--json"]).status(0),
            &["action", "command", "dry_run", "accounts"],
        );
        assert_eq!(json["action"], action);
        assert_eq!(json["accounts"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn log_json() {
    let env = TestEnv::new();
    env.ccfail(&["swap", "--to", "b"]).status(0);
    let json = document(env.ccfail(&["log", "--json"]).status(0), &["now", "kept", "matched", "entries"]);
    let entry = &json["entries"][0];
    for key in ["at", "event", "detail"] {
        assert!(entry.get(key).is_some(), "{key} in {entry:#}");
    }
    assert_eq!(json["entries"].as_array().unwrap().last().unwrap()["event"], "swap-done");
}

/// The default environment with one project, `app`, and one task in it.
fn with_project() -> TestEnv {
    let env = TestEnv::new();
    let project = env.path("app");
    std::fs::create_dir_all(project.join(".agent-queue/inbox")).unwrap();
    env.write_config(&format!("{}projects:\n  list:\n    - path: {}\n", env.default_config(), project.display()));
    env.ccfail(&["task", "add", "-p", "app", "--id", "t1", "One", "--tag", "gpu"]).status(0);
    env
}

#[test]
fn task_json() {
    let env = with_project();
    let added = document(
        env.ccfail(&["task", "add", "--id", "t2", "Two", "--json"]).status(0),
        &["at", "task", "action", "from", "path", "session", "warnings"],
    );
    assert_eq!((added["task"].as_str(), added["action"].as_str()), (Some("app:t2"), Some("added")));
    let listed =
        document(env.ccfail(&["task", "ls", "--json"]).status(0), &["at", "tasks", "counts", "done_hidden", "notes"]);
    let t1 = listed["tasks"].as_array().unwrap().iter().find(|t| t["task"] == "app:t1").unwrap();
    for key in [
        "project",
        "id",
        "state",
        "path",
        "title",
        "priority",
        "tags",
        "depends_on",
        "session",
        "since",
        "attempts",
        "reason",
        "wait",
    ] {
        assert!(t1.get(key).is_some(), "{key} in {t1:#}");
    }
    assert_eq!(t1["wait"]["kind"], "tags");
    let shown = document(
        env.ccfail(&["task", "show", "t1", "--json"]).status(0),
        &["at", "task", "blocked_marker", "text", "truncated", "history", "notes"],
    );
    assert_eq!(shown["history"][0]["task"], "app:t1");
    let cancelled = document(env.ccfail(&["task", "cancel", "t1", "--json"]).status(0), &["task", "action", "from"]);
    assert_eq!((cancelled["action"].as_str(), cancelled["from"].as_str()), (Some("cancelled"), Some("pending")));
    let retried = document(env.ccfail(&["task", "retry", "t1", "--json"]).status(0), &["task", "action", "from"]);
    assert_eq!(retried["from"], "failed");
}

#[test]
fn pause_and_resume_json() {
    let env = with_project();
    for args in [&["pause", "--json"][..], &["pause", "--upkeep", "--json"], &["pause", "-p", "app", "--json"]] {
        document(env.ccfail(args).status(0), &["at", "changed", "unchanged", "pause"]);
    }
    let status = document(env.ccfail(&["status", "--json"]).status(0), &["pause"]);
    assert!(status["pause"]["dispatch"]["since"].is_string() && status["pause"]["upkeep"]["since"].is_string());
    assert!(status["pause"]["projects"]["app"]["since"].is_string());
    let resumed = document(env.ccfail(&["resume", "--all", "--json"]).status(0), &["changed", "pause"]);
    assert_eq!(resumed["changed"].as_array().unwrap().len(), 3);
    assert!(resumed["pause"]["dispatch"].is_null());
}
