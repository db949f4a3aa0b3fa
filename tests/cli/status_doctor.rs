//! `status` and `doctor` against a real tmux server on a private socket.

use std::fs;
use std::os::unix::fs::symlink;

use ccfail::tmux::NewSession;

use crate::support::TestEnv;

#[test]
fn status_works_before_any_state_and_without_a_server() {
    let env = TestEnv::new();
    let run = env.ccfail(&["status", "--json"]);
    run.status(0);
    let json = run.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["active_account"], "a");
    assert_eq!(json["active_source"], "default");
    assert_eq!(json["tmux"]["server_running"], false);
    let names: Vec<_> = json["sessions"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["w1", "w2", "main"]);
    assert!(json["sessions"].as_array().unwrap().iter().all(|s| s["alive"] == false));
    assert!(!env.path("state/state.json").exists(), "status must not write state");
    env.ccfail(&["status"]).status(0).stdout_has("w1").stdout_has("absent").stdout_has("last swap:  none");
}

#[test]
fn status_sees_live_sessions_and_ignores_others() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    let work = env.path("work");
    for name in ["w1", "main", "unrelated"] {
        tmux.new_session(&NewSession { name, cwd: Some(&work), ..Default::default() }).unwrap();
    }
    let json = env.ccfail(&["status", "--json"]).json();
    assert_eq!(json["tmux"]["server_running"], true);
    let sessions = json["sessions"].as_array().unwrap();
    let alive: Vec<_> = sessions.iter().filter(|s| s["alive"] == true).map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(alive, ["w1", "main"]);
    assert!(sessions.iter().all(|s| s["name"] != "unrelated"));
    let main = sessions.iter().find(|s| s["name"] == "main").unwrap();
    assert_eq!(main["kind"], "dedicated");
    assert!(main["pane_id"].as_str().unwrap().starts_with('%'));
}

#[test]
fn status_shows_the_client_state_of_a_pane() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    tmux.new_session(&NewSession {
        name: "w2",
        cwd: Some(&env.path("work")),
        command: Some("sleep 30"),
        ..Default::default()
    })
    .unwrap();
    let pane = tmux.observe().unwrap().session_pane("w2").unwrap().clone();
    // What the real client writes while running (fixture tui_key_slow_working_2).
    let sessions = env.path("accounts/b/sessions");
    fs::create_dir_all(&sessions).unwrap();
    let record = format!(
        "{{\"pid\":{},\"sessionId\":\"48091773-0cb4-4fd0-abec-b6d3054cfda3\",\"cwd\":\"{}\",\"status\":\"busy\",\"kind\":\"interactive\"}}",
        pane.pid,
        env.path("work").display()
    );
    fs::write(sessions.join(format!("{}.json", pane.pid)), record).unwrap();
    let json = env.ccfail(&["status", "--json"]).json();
    let w2 = json["sessions"].as_array().unwrap().iter().find(|s| s["name"] == "w2").unwrap().clone();
    assert_eq!(w2["client"]["status"], "busy");
    assert_eq!(w2["client"]["account"], "b");
    assert_eq!(w2["client"]["session_id"], "48091773-0cb4-4fd0-abec-b6d3054cfda3");
    env.ccfail(&["status"]).status(0).stdout_has("busy");
}

#[test]
fn doctor_fix_creates_missing_links_but_never_touches_foreign_ones() {
    let env = TestEnv::new();
    // accounts/b/projects is a real directory with an operator's data in it.
    fs::create_dir_all(env.path("accounts/b/projects")).unwrap();
    fs::write(env.path("accounts/b/projects/keep.jsonl"), "data").unwrap();
    // accounts/b/session-env points elsewhere.
    symlink(env.path("elsewhere"), env.path("accounts/b/session-env")).unwrap();

    let before = env.ccfail(&["doctor", "--json"]);
    before.status(5);
    let report = before.json();
    // 4 missing links, 2 foreign ones, and no hooks in either account.
    assert_eq!(report["problems"], 8, "{report:#}");

    let after = env.ccfail(&["doctor", "--fix"]);
    after.status(5).stdout_has("fixed").stdout_has("a directory is where the link").stdout_has("points to");
    for entry in ["projects", "session-env", "file-history"] {
        assert_eq!(
            fs::read_link(env.path(&format!("accounts/a/{entry}"))).unwrap(),
            env.path(&format!("shared/{entry}"))
        );
    }
    assert_eq!(fs::read_to_string(env.path("accounts/b/projects/keep.jsonl")).unwrap(), "data");
    assert_eq!(fs::read_link(env.path("accounts/b/session-env")).unwrap(), env.path("elsewhere"));
    let report = env.ccfail(&["doctor", "--json"]).json();
    assert_eq!(report["problems"], 2, "only the two foreign ones are left (links and hooks fixed): {report:#}");
}

#[test]
fn doctor_is_clean_on_a_sound_setup() {
    let env = TestEnv::new();
    let link = env.path("home/.claude");
    env.write_config(
        &env.default_config().replace("claude:\n", &format!("claude:\n  active_link: {}\n", link.display())),
    );
    env.ccfail(&["doctor"])
        .status(5)
        .stdout_has("no ccfail hook for SessionStart")
        .stdout_has("missing; should point to");
    // The old quick start, `doctor --fix && hooks install`, runs to its end: --fix installs
    // the hooks and makes the active link, and the install after it finds them up to date.
    let fix = env.ccfail(&["doctor", "--fix"]);
    fix.status(0).stdout_has("installed (by --fix)").stdout_has("was missing; created ->");
    env.ccfail(&["hooks", "install"]).status(0).stdout_has("up to date");
    assert_eq!(fs::read_link(&link).unwrap(), env.path("accounts/a"));
    env.ccfail(&["doctor"]).status(0).stdout_has("no problems found");
}

#[test]
fn doctor_checks_the_active_link() {
    let env = TestEnv::new();
    let link = env.path("home/.claude");
    env.write_config(
        &env.default_config().replace("claude:\n", &format!("claude:\n  active_link: {}\n", link.display())),
    );
    env.ccfail(&["hooks", "install"]).status(0);
    env.ccfail(&["doctor"]).status(5).stdout_has("active link").stdout_has("missing; should point to");
    symlink(env.path("accounts/b"), &link).unwrap();
    // The link decides which account is active while state has no record.
    let json = env.ccfail(&["status", "--json"]).json();
    assert_eq!(json["active_account"], "b");
    assert_eq!(json["active_source"], "active_link");
    // --fix makes the shared links and leaves the link to b alone: b is active.
    env.ccfail(&["doctor", "--fix"]).status(0);
    assert_eq!(fs::read_link(&link).unwrap(), env.path("accounts/b"));
    env.ccfail(&["doctor"]).status(0);
}
