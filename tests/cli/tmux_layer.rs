//! The tmux layer against a real server on a private socket.

use std::time::Duration;

use ccfail::tmux::{NewSession, Tmux, TmuxError};

use crate::support::TestEnv;

#[test]
fn no_server_is_an_observation_not_an_error() {
    let env = TestEnv::new();
    let observation = env.tmux().observe().unwrap();
    assert!(!observation.server_running);
    assert!(observation.panes.is_empty());
    assert!(!env.tmux().has_session("w1").unwrap());
}

#[test]
fn creates_sessions_with_cwd_and_env_and_observes_them_in_one_call() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    let work = env.path("work");
    tmux.new_session(&NewSession {
        name: "w1",
        cwd: Some(&work),
        env: vec![("CCFAIL_MARK".to_owned(), "from-env".to_owned())],
        ..Default::default()
    })
    .unwrap();
    tmux.new_session(&NewSession { name: "w2", cwd: Some(&work), ..Default::default() }).unwrap();
    let before = tmux.spawned();
    let observation = tmux.observe().unwrap();
    assert_eq!(tmux.spawned() - before, 1, "observe is one tmux process");
    let w1 = observation.session_pane("w1").unwrap();
    assert_eq!(w1.current_path, work.display().to_string());
    assert!(w1.pid > 0);
    assert!(!w1.dead);
    assert_eq!((w1.width, w1.height), (200, 50));

    tmux.send_line(&w1.pane_id, "echo mark=$CCFAIL_MARK").unwrap();
    tmux.wait_for(&w1.pane_id, Duration::from_secs(10), |screen| screen.contains("mark=from-env")).unwrap();
}

#[test]
fn text_is_sent_literally() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    tmux.new_session(&NewSession { name: "w1", command: Some("cat"), ..Default::default() }).unwrap();
    let pane = tmux.observe().unwrap().session_pane("w1").unwrap().pane_id.clone();
    // Key names and shell syntax must arrive as text: nothing is pressed or run.
    let hostile = "Enter C-c $(touch /tmp/ccfail-never) ; Escape 'q\" \\";
    tmux.send_literal(&pane, hostile).unwrap();
    tmux.send_keys(&pane, &["Enter"]).unwrap();
    let screen =
        tmux.wait_for(&pane, Duration::from_secs(10), |s| s.matches("touch /tmp/ccfail-never").count() >= 2).unwrap();
    assert!(screen.contains(hostile), "{screen}");
    assert!(!std::path::Path::new("/tmp/ccfail-never").exists());
}

#[test]
fn batched_capture_is_one_call_and_skips_vanished_panes() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    for (name, text) in [("w1", "first"), ("w2", "second"), ("main", "third")] {
        let command = format!("printf '{text} pane\\n'; cat");
        tmux.new_session(&NewSession { name, command: Some(&command), ..Default::default() }).unwrap();
    }
    let observation = tmux.observe().unwrap();
    let ids: Vec<&str> = observation.panes.iter().map(|p| p.pane_id.as_str()).collect();
    for id in &ids {
        tmux.wait_for(id, Duration::from_secs(10), |s| s.contains(" pane")).unwrap();
    }
    let before = tmux.spawned();
    let captures = tmux.capture(&ids, 0).unwrap();
    assert_eq!(tmux.spawned() - before, 1, "one capture call for all panes");
    assert_eq!(captures.len(), 3);
    assert!(captures[observation.session_pane("w2").unwrap().pane_id.as_str()].contains("second pane"));

    tmux.kill_session("w1").unwrap();
    let captures = tmux.capture(&ids, 0).unwrap();
    assert_eq!(captures.len(), 2, "the vanished pane is dropped, the others captured");
}

#[test]
fn errors_are_typed() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    assert!(matches!(tmux.kill_session("nope"), Err(TmuxError::NoServer { .. })));
    tmux.new_session(&NewSession { name: "w1", ..Default::default() }).unwrap();
    assert!(matches!(tmux.kill_session("nope"), Err(TmuxError::NoSuchSession(name)) if name == "nope"));
    // A prefix of an existing name is not that session.
    assert!(!tmux.has_session("w").unwrap());
    let missing = Tmux::new("/nonexistent/tmux", Some(env.socket()), Duration::ZERO);
    let err = missing.observe().unwrap_err();
    assert!(matches!(err, TmuxError::Missing { .. }));
    assert!(err.to_string().contains("apt-get install tmux"));
}

#[test]
fn respawn_restarts_the_pane_process() {
    let env = TestEnv::new();
    let tmux = env.tmux();
    tmux.new_session(&NewSession { name: "w1", command: Some("sleep 60"), ..Default::default() }).unwrap();
    let before = tmux.observe().unwrap().session_pane("w1").unwrap().clone();
    tmux.respawn_pane(&before.pane_id, Some(&env.path("work")), Some("sleep 61")).unwrap();
    let after = tmux.observe().unwrap().session_pane("w1").unwrap().clone();
    assert_eq!(after.pane_id, before.pane_id);
    assert_ne!(after.pid, before.pid);
}

/// A client in the C locale (a login shell with no `LANG`, as on a minimal Debian) gets
/// tabs and non-ASCII characters as `_` unless it says it takes UTF-8: ccfail's `-u`
/// (passed when the locale is not UTF-8) keeps its pane list and its captures whole.
#[test]
fn a_client_in_the_c_locale_still_reads_every_pane_and_its_text() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let wrapper = env.path("tmp/tmux-c-locale");
    let home = env.path("home");
    let path = std::env::var("PATH").unwrap_or_default();
    let script = format!("#!/bin/sh\nexec env -i HOME='{}' PATH='{path}' LANG=C tmux \"$@\"\n", home.display());
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // This test process's own locale is not the one under test: the wrapper's C is.
    let tmux = Tmux::new(&wrapper, Some(env.socket()), Duration::from_millis(50)).with_utf8_flag(true);
    let work = env.path("work");
    tmux.new_session(&NewSession { name: "w1", cwd: Some(&work), ..Default::default() }).unwrap();
    let observation = tmux.observe().unwrap();
    let pane = observation.session_pane("w1").expect("the pane line parses in the C locale").clone();
    assert_eq!(pane.current_path, work.display().to_string());
    tmux.send_line(&pane.pane_id, "printf 'box \\342\\225\\255\\342\\224\\200 end\\n'").unwrap();
    let screen = tmux.wait_for(&pane.pane_id, Duration::from_secs(10), |s| s.contains("box ╭─ end")).unwrap();
    assert!(screen.contains("box ╭─ end"), "{screen}");
}
