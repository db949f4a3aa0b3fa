//! `--dry-run` prints exactly the actions the real run takes: for ten worlds built with
//! the stand-in (a done turn, an interrupted one, a claim whose prompt never arrived, an
//! orphaned claim, one with its attempts used up, a dead client, a task moved by hand,
//! pairings with blocked and invalid tasks, an archive pass), `dispatch`, `watch-once` or
//! `janitor` runs first with `--dry-run --json`, then for real on the same world, and the
//! two action lists must be identical (and not empty).

use std::fs;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::queue::{add_task, ccfail, ccfail_fault, setup, state};
use crate::support::TestEnv;

/// (what, session or target, task) of every action a report lists.
fn actions(command: &str, report: &Value) -> Vec<(String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    match command {
        "dispatch" => report["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| ("pair".to_owned(), text(&p["session"]), text(&p["task"])))
            .collect(),
        "watch-once" => report["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (text(&a["what"]), text(&a["session"]), text(&a["task"])))
            .collect(),
        _ => report["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (text(&a["what"]), text(&a["target"]), String::new()))
            .collect(),
    }
}

/// Runs `command --dry-run --json`, then `command --json`, and compares their actions.
#[track_caller]
fn same_plan(env: &TestEnv, world: &str, command: &str) -> Vec<(String, String, String)> {
    let dry = ccfail(env, &[command, "--dry-run", "--json"]);
    let real = ccfail(env, &[command, "--json"]);
    let (planned, done) = (actions(command, &dry.json()), actions(command, &real.json()));
    assert!(!planned.is_empty(), "{world}: {command} had nothing to do:\n{}", dry.stdout());
    assert_eq!(planned, done, "{world}: {command} --dry-run differs from the real run\n{}", real.stderr());
    done
}

fn file(env: &TestEnv, relative: &str) -> std::path::PathBuf {
    env.path(&format!("projects/p/.agent-queue/{relative}"))
}

fn pane_of(env: &TestEnv, session: &str) -> String {
    env.tmux().observe().unwrap().session_pane(session).unwrap().pane_id.clone()
}

/// Waits until every pool client's own state file says idle.
fn wait_idle(env: &TestEnv) {
    let started = Instant::now();
    loop {
        let status = ccfail(env, &["status", "--json"]).json();
        let idle = status["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "pool")
            .all(|s| s["client"]["status"] == "idle");
        if idle {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the pool never went idle: {status:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dry_runs_list_exactly_what_the_real_runs_do_in_ten_worlds() {
    let env = crate::queue::queue_env();
    setup(&env, 2, 2, &[("p", 0)], "janitor:\n  orphan_after: 0s\n  archive_after: 3650d\n");
    let config = fs::read_to_string(env.config_file())
        .unwrap()
        .replace("  session_cooldown: 0s\n", "  session_cooldown: 0s\n  max_attempts: 2\n");
    env.write_config(&config);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    wait_idle(&env);

    // 1. Two ready tasks, two free sessions, one blocked, one invalid.
    add_task(&env, "p", "a.md", "---\ntitle: a\n---\n");
    add_task(&env, "p", "b.md", "---\npriority: high\n---\n");
    add_task(&env, "p", "blocked.md", "---\ndepends_on: [p:never]\n---\n");
    add_task(&env, "p", "bad.md", "---\npriority: [x]\n---\n");
    let pairs = same_plan(&env, "1 pairing", "dispatch");
    assert_eq!(pairs.len(), 2);
    wait_idle(&env);

    // 2. Both turns ended with a Stop: complete and recycle.
    let done = same_plan(&env, "2 done turns", "watch-once");
    assert!(done.iter().filter(|a| a.0 == "complete").count() == 2, "{done:?}");
    wait_idle(&env);

    // 3. A claim saved, its prompt never typed: unclaim.
    add_task(&env, "p", "c.md", "---\ntitle: c\n---\n");
    ccfail_fault(&env, "dispatch-after-save", &["dispatch"]).status(99);
    let unclaim = same_plan(&env, "3 never arrived", "watch-once");
    assert!(unclaim.iter().any(|a| a.0 == "unclaim"), "{unclaim:?}");

    // 4. Renamed, the claim never saved: the janitor's orphan, back to the inbox.
    ccfail_fault(&env, "dispatch-after-claim", &["dispatch"]).status(99);
    let orphan = same_plan(&env, "4 orphaned claim", "janitor");
    assert!(orphan.iter().any(|a| a.0 == "requeue"), "{orphan:?}");

    // 5. The same again: its attempts are used up, to failed/.
    ccfail_fault(&env, "dispatch-after-claim", &["dispatch"]).status(99);
    let failed = same_plan(&env, "5 attempts used up", "janitor");
    assert!(failed.iter().any(|a| a.0 == "fail"), "{failed:?}");
    assert!(file(&env, "failed/c.md").exists());

    // 6. A turn interrupted with Escape: requeue, recycle.
    let config = fs::read_to_string(env.config_file()).unwrap().replace("[standin work=0.3]", "[standin work=8]");
    env.write_config(&config);
    add_task(&env, "p", "d.md", "---\ntitle: d\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    let holder = state(&env)["sessions"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, s)| s["task"] == "p:d")
        .map(|(n, _)| n.clone())
        .unwrap();
    let pane = pane_of(&env, &holder);
    env.wait_screen(&pane, "esc to interrupt");
    env.tmux().send_keys(&pane, &["Escape"]).unwrap();
    env.wait_screen(&pane, "Interrupted");
    let interrupted = same_plan(&env, "6 interrupted", "watch-once");
    assert!(interrupted.iter().any(|a| a.0 == "requeue"), "{interrupted:?}");
    let config = fs::read_to_string(env.config_file()).unwrap().replace("[standin work=8]", "[standin work=0.3]");
    env.write_config(&config);
    wait_idle(&env);

    // 7. The client of a session holding a task dies (the task's doing, not the
    // machine's: a lost tmux session is resumed instead, see tests/cli/recovery.rs):
    // requeue (its last attempt: fail) and a fresh client.
    ccfail(&env, &["dispatch"]).status(0);
    let holder = state(&env)["sessions"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, s)| s["task"] == "p:d")
        .map(|(n, _)| n.clone())
        .unwrap();
    let (_, pid, _) = crate::swap::client_of(&env, &holder).expect("the holder's client");
    // SAFETY: a plain kill(2) of the stand-in this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let started = Instant::now();
    while ccfail::process::is_alive(pid) {
        assert!(started.elapsed() < Duration::from_secs(10), "the client {pid} did not die");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dead = same_plan(&env, "7 dead client", "watch-once");
    assert!(dead.iter().any(|a| a.0 == "fail") && dead.iter().any(|a| a.0 == "start"), "{dead:?}");
    wait_idle(&env);

    // 8. A claimed task moved to done/ by hand: release.
    add_task(&env, "p", "e.md", "---\ntitle: e\n---\n");
    ccfail_fault(&env, "dispatch-after-save", &["dispatch"]).status(99);
    fs::rename(file(&env, "inbox/e.md.dispatched"), file(&env, "done/e.md")).unwrap();
    let released = same_plan(&env, "8 moved by hand", "watch-once");
    assert!(released.iter().any(|a| a.0 == "release"), "{released:?}");
    wait_idle(&env);

    // 9. One ready task for two free sessions, the blocked one still waiting.
    add_task(&env, "p", "f.md", "---\ntitle: f\n---\n");
    assert_eq!(same_plan(&env, "9 one task, two sessions", "dispatch").len(), 1);
    wait_idle(&env);

    // 10. Archive every done task and trim nothing else.
    let config = fs::read_to_string(env.config_file()).unwrap().replace("archive_after: 3650d", "archive_after: 0s");
    env.write_config(&config);
    let archived = same_plan(&env, "10 archive", "janitor");
    assert!(archived.iter().filter(|a| a.0 == "archive").count() >= 3, "{archived:?}");
}
