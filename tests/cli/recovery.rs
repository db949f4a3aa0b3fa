//! Recovery after a lost tmux server (a reboot, simulated by killing the test's private
//! server) or a lost session: `watch-once` brings every session ccfail knows back in
//! its dir with `claude --resume` of its conversation, claimed tasks go on in it, and the
//! machine's failure never counts an attempt. Real tmux, the stand-in, the real clock.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::queue::{add_task, assert_each_once, ccfail, ccfail_fault, census, done, history, queue_env, setup, state};
use crate::support::{TestEnv, wait_until};

/// The conversation id ccfail recorded for each of `sessions`, once it has all of them.
fn conversation_ids(env: &TestEnv, sessions: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let state = state(env);
    let ids: BTreeMap<String, String> = sessions
        .iter()
        .filter_map(|s| Some(((*s).to_owned(), state["sessions"][s]["claude_session_id"].as_str()?.to_owned())))
        .collect();
    if ids.len() == sessions.len() { Ok(ids) } else { Err(format!("{:#}", state["sessions"])) }
}

/// watch-once until every session in `sessions` runs a client ccfail has seen.
fn wait_for_ids(env: &TestEnv, sessions: &[&str], what: &str) -> BTreeMap<String, String> {
    wait_until(what, Duration::from_secs(40), || {
        ccfail(env, &["watch-once"]).status(0);
        let ids = conversation_ids(env, sessions)?;
        // Back and seen by its client's own state file, not only remembered.
        let running = client_ids(env);
        if sessions.iter().all(|s| running.get(*s) == ids.get(*s)) { Ok(ids) } else { Err(format!("{running:?}")) }
    })
}

/// Session → the conversation id its running client reports, read from the clients'
/// own state files (`<home>/sessions/<pid>.json`) matched to the panes.
fn client_ids(env: &TestEnv) -> BTreeMap<String, String> {
    let observation = env.tmux().observe().unwrap_or_default();
    let mut found = BTreeMap::new();
    for pane in &observation.panes {
        if let Some((id, _, _)) = crate::swap::client_of(env, &pane.session) {
            found.insert(pane.session.clone(), id);
        }
    }
    found
}

/// watch-once until the claims of `sessions` are delivered (the prompt's token seen).
fn wait_delivered(env: &TestEnv, sessions: &[&str]) {
    wait_until("the tasks claimed and their prompts delivered", Duration::from_secs(40), || {
        ccfail(env, &["watch-once"]).status(0);
        let state = state(env);
        let delivered = sessions.iter().filter(|s| state["queue"]["sessions"][s]["delivered"] == true).count();
        if delivered == sessions.len() { Ok(()) } else { Err(format!("{:#}", state["queue"]["sessions"])) }
    });
}

/// dispatch + watch-once until every task is done, at most 60 s.
fn finish(env: &TestEnv, ids: &[String]) {
    wait_until("every task done", Duration::from_secs(60), || {
        ccfail(env, &["dispatch"]).status(0);
        ccfail(env, &["watch-once"]).status(0);
        let names = census(env, &["p"]);
        if done(&names) == ids.len() { Ok(()) } else { Err(format!("{names:#?}\n{:#}", state(env)["sessions"])) }
    });
    assert_each_once(&census(env, &["p"]), ids, "after the recovery");
}

fn actions<'a>(report: &'a Value, what: &str) -> Vec<&'a str> {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["what"] == what)
        .map(|a| a["session"].as_str().unwrap())
        .collect()
}

/// A reboot, simulated: the tmux server dies with three pool sessions busy on tasks and
/// the operator's dedicated session holding a conversation. The next watch-once brings
/// every session back with the same conversation (`--resume`), the tasks stay claimed
/// and go on, none is requeued with an attempt counted, none is lost, all finish.
#[test]
fn a_lost_server_brings_every_session_back_with_its_conversation_and_its_task() {
    let env = queue_env();
    setup(&env, 3, 3, &[("p", 0)], "");
    ccfail(&env, &["watch-once"]).status(0);
    ccfail(&env, &["launch", "main"]).status(0);
    // The operator's session takes a turn, so its conversation has a transcript.
    env.tmux().send_line("=main:", "Review the design [standin work=0.1]").unwrap();
    wait_until("the dedicated session's turn ended", Duration::from_secs(30), || {
        let screen = env.tmux().capture_one("=main:").map_err(|e| e.to_string())?;
        if screen.contains("Review the design") && screen.contains("? for shortcuts") { Ok(()) } else { Err(screen) }
    });
    for n in 1..=3 {
        add_task(&env, "p", &format!("t{n}.md"), &format!("---\ntitle: long {n} [standin work=30]\n---\n"));
    }
    ccfail(&env, &["dispatch"]).status(0);
    wait_delivered(&env, &["w1", "w2", "w3"]);
    // The go-on turns take long enough for the resumed conversations to be seen.
    env.control("a", r#"{"work_seconds": 8}"#);
    let sessions = ["w1", "w2", "w3", "main"];
    let before = wait_for_ids(&env, &sessions, "every session's conversation id");

    env.tmux().kill_server().unwrap();
    let run = ccfail(&env, &["watch-once", "--json"]);
    run.status(0);
    let report = run.json();
    assert_eq!(actions(&report, "resume"), sessions, "{report:#}");
    assert!(run.stderr().contains("no tmux server answers"), "{}", run.stderr());
    let after = wait_for_ids(&env, &sessions, "every session back with its conversation");
    assert_eq!(after, before, "the same conversation ids; the recovery run said:\n{}", run.stderr());
    let main_pane = env.tmux().observe().unwrap().session_pane("main").cloned().expect("main is back");
    assert_eq!(PathBuf::from(&main_pane.current_path), env.path("work"), "in its project dir");
    let state = state(&env);
    assert_eq!(state["queue"]["attempts"], serde_json::json!({}), "no attempt counted: {state:#}");
    for n in 1..=3 {
        assert!(env.path(&format!("projects/p/.agent-queue/inbox/t{n}.md.dispatched")).exists(), "t{n} still claimed");
    }
    assert!(history(&env, "task-requeued").is_empty(), "{:?}", history(&env, "task-requeued"));
    assert!(history(&env, "task-unclaimed").is_empty(), "{:?}", history(&env, "task-unclaimed"));

    // The tasks go on in their conversations (the go-on prompt is a turn of its own)
    // and finish there.
    let ids: Vec<String> = (1..=3).map(|n| format!("p:t{n}")).collect();
    finish(&env, &ids);
    assert!(history(&env, "task-requeued").is_empty(), "{:?}", history(&env, "task-requeued"));
}

/// A task whose conversation cannot be resumed (its transcript is gone) goes back to
/// the inbox with no attempt counted, and the session starts fresh.
#[test]
fn a_task_whose_transcript_is_gone_is_requeued_uncounted() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["watch-once"]).status(0);
    add_task(&env, "p", "t1.md", "---\ntitle: long [standin work=30]\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    wait_delivered(&env, &["w1"]);
    let before = wait_for_ids(&env, &["w1"], "w1's conversation id");
    let transcript = state(&env)["queue"]["sessions"]["w1"]["transcript"].as_str().map(PathBuf::from);
    let transcript = transcript.expect("the claim's transcript is recorded");

    env.tmux().kill_server().unwrap();
    fs::remove_file(&transcript).unwrap();
    let run = ccfail(&env, &["watch-once", "--json"]);
    run.status(0);
    let report = run.json();
    assert_eq!(actions(&report, "unclaim"), ["w1"], "{report:#}");
    assert!(actions(&report, "requeue").is_empty(), "{report:#}");
    assert!(env.path("projects/p/.agent-queue/inbox/t1.md").exists(), "back in the inbox");
    let state = state(&env);
    assert_eq!(state["queue"]["attempts"], serde_json::json!({}), "no attempt counted: {state:#}");
    let unclaimed = history(&env, "task-unclaimed");
    assert!(unclaimed.iter().any(|h| h.contains("no transcript") && h.contains("no attempt counted")), "{unclaimed:?}");
    let after = wait_for_ids(&env, &["w1"], "w1 back with a fresh client");
    assert_ne!(after, before, "nothing to resume: a new conversation");
    finish(&env, &["p:t1".to_owned()]);
    assert!(history(&env, "task-requeued").is_empty(), "{:?}", history(&env, "task-requeued"));
}

/// A run SIGKILLed at each step of a recovery (`CCFAIL_FAULT`) leaves a state the next
/// run finishes from: the same conversation, the task still claimed and going on, no
/// attempt counted, and the task done in the end.
#[test]
fn a_recovery_killed_at_any_step_is_finished_by_the_next_run() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["watch-once"]).status(0);
    let points = ["recover-after-plan", "recover-after-create", "recover-after-start", "recover-after-go-on"];
    let mut ids = Vec::new();
    for (n, point) in points.iter().enumerate() {
        let task = format!("t{n}");
        add_task(&env, "p", &format!("{task}.md"), "---\ntitle: long [standin work=20]\n---\n");
        ids.push(format!("p:{task}"));
        ccfail(&env, &["dispatch"]).status(0);
        wait_delivered(&env, &["w1"]);
        let before = wait_for_ids(&env, &["w1"], "w1's conversation id");
        // The go-on turn takes long enough for the resumed conversation to be seen.
        env.control("a", r#"{"work_seconds": 6}"#);

        env.tmux().kill_server().unwrap();
        ccfail_fault(&env, point, &["watch-once"]).status(99);
        let after = wait_for_ids(&env, &["w1"], &format!("w1 back after a kill at {point}"));
        assert_eq!(after, before, "{point}: the same conversation");
        let claimed = env.path(&format!("projects/p/.agent-queue/inbox/{task}.md.dispatched"));
        let done_file = env.path(&format!("projects/p/.agent-queue/done/{task}.md"));
        assert!(claimed.exists() || done_file.exists(), "{point}: {task} neither claimed nor done");
        finish(&env, &ids);
        assert_eq!(state(&env)["sessions"]["w1"]["recovering"], Value::Null, "{point}: the recovery is over");
        assert!(history(&env, "task-requeued").is_empty(), "{point}: {:?}", history(&env, "task-requeued"));
        assert!(history(&env, "task-unclaimed").is_empty(), "{point}: {:?}", history(&env, "task-unclaimed"));
    }
}

/// One session killed while the server runs (an operator's `tmux kill-session`, an OOM
/// of its pane) is a loss like a reboot: the janitor leaves its claim to watch-once,
/// which brings the session back in its conversation; the other session is untouched.
#[test]
fn a_lost_session_on_a_running_server_comes_back_and_the_janitor_leaves_its_claim() {
    let env = queue_env();
    setup(&env, 2, 2, &[("p", 0)], "janitor:\n  orphan_after: 0s\n");
    ccfail(&env, &["watch-once"]).status(0);
    add_task(&env, "p", "t1.md", "---\ntitle: long [standin work=20]\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    let holder = wait_until("the task claimed", Duration::from_secs(20), || {
        let state = state(&env);
        let sessions = state["sessions"].as_object().cloned().unwrap_or_default();
        sessions.iter().find(|(_, s)| s["task"] == "p:t1").map(|(n, _)| n.clone()).ok_or(format!("{state:#}"))
    });
    let other = if holder == "w1" { "w2" } else { "w1" };
    wait_delivered(&env, &[holder.as_str()]);
    env.control("a", r#"{"work_seconds": 6}"#);
    let before = wait_for_ids(&env, &[holder.as_str(), other], "both conversation ids");
    let other_pid = env.tmux().observe().unwrap().session_pane(other).unwrap().pid;

    env.tmux().kill_session(&holder).unwrap();
    let janitor = ccfail(&env, &["janitor", "--json"]);
    janitor.status(0);
    assert!(env.path("projects/p/.agent-queue/inbox/t1.md.dispatched").exists(), "{}", janitor.stdout());
    let run = ccfail(&env, &["watch-once", "--json"]);
    run.status(0);
    assert_eq!(actions(&run.json(), "resume"), [holder.as_str()], "{:#}", run.json());
    let after = wait_for_ids(&env, &[holder.as_str(), other], "the session back with its conversation");
    assert_eq!(after, before, "the same conversations");
    assert_eq!(env.tmux().observe().unwrap().session_pane(other).unwrap().pid, other_pid, "the other left alone");
    finish(&env, &["p:t1".to_owned()]);
    assert_eq!(state(&env)["queue"]["attempts"], serde_json::json!({}));
    assert!(history(&env, "task-requeued").is_empty(), "{:?}", history(&env, "task-requeued"));
}
