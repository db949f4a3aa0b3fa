//! The operator's queue commands end to end: `task add | ls | show | retry | cancel`,
//! `pause` and `resume`, and dispatch's account of what it did not send, against a real
//! tmux server on a private socket and the stand-in client.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::queue::{assert_each_once, ccfail, ccfail_fault, census, cycle_until, history, queue_env, setup, state};
use crate::support::{Run, TestEnv, wait_until};

fn inbox(env: &TestEnv, project: &str) -> std::path::PathBuf {
    env.path(&format!("projects/{project}/.agent-queue/inbox"))
}

/// Every file name in a dir, sorted (hidden ones too: a temp left behind would show).
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .map(|e| e.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// `ccfail` with `input` on its stdin.
fn ccfail_stdin(env: &TestEnv, args: &[&str], input: &[u8]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    command.arg("--config").arg(env.config_file()).args(args);
    env.seal(&mut command);
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    Run(child.wait_with_output().unwrap())
}

fn ls(env: &TestEnv, args: &[&str]) -> Value {
    let mut all = vec!["task", "ls", "--json"];
    all.extend_from_slice(args);
    let run = ccfail(env, &all);
    run.status(0);
    let report = run.json();
    assert_eq!(report["version"], 1);
    report
}

fn entry<'a>(report: &'a Value, task: &str) -> &'a Value {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap_or_else(|| panic!("{task} not listed: {report:#}"))
}

#[test]
fn task_add_takes_arguments_files_and_stdin_and_refuses_what_dispatch_would() {
    let env = queue_env();
    setup(&env, 1, 0, &[("api", 0), ("web", 1)], "");
    // From arguments: the id is made from the title, the name printed on stdout.
    let added = ccfail(&env, &["task", "add", "-p", "api", "Fix the \"login\" $(redirect)", "--priority", "high"]);
    added.status(0);
    let key = added.stdout().trim().to_owned();
    assert!(key.starts_with("api:fix-the-login-redirect-"), "{key}");
    let id = key.trim_start_matches("api:");
    let text = fs::read_to_string(inbox(&env, "api").join(format!("{id}.md"))).unwrap();
    assert!(text.contains("priority: high"), "{text}");
    // Dispatch reads it as written: a valid, ready task with that title.
    let plan = ccfail(&env, &["dispatch", "--dry-run", "--json"]);
    let plan = plan.json();
    assert_eq!(plan["invalid"].as_array().unwrap().len(), 0, "{plan:#}");
    assert_eq!(plan["ready"], 1);
    let shown = ccfail(&env, &["task", "show", &key, "--json"]);
    shown.status(0);
    assert_eq!(shown.json()["version"], 1);
    assert_eq!(shown.json()["task"]["title"], "Fix the \"login\" $(redirect)");

    // From a file: the id is the file's name; --json has the version and the path.
    let file = env.path("schema.md");
    fs::write(&file, "---\ntitle: The schema\ntags: []\n---\nBody.\n").unwrap();
    let json = ccfail(&env, &["task", "add", "-p", "api", "-f", file.to_str().unwrap(), "--json"]);
    json.status(0);
    let report = json.json();
    assert_eq!((report["version"].as_i64(), report["task"].as_str()), (Some(1), Some("api:schema")));
    assert_eq!(fs::read(inbox(&env, "api").join("schema.md")).unwrap(), fs::read(&file).unwrap(), "byte for byte");
    // The same id again is refused, the first one kept.
    ccfail(&env, &["task", "add", "-p", "api", "-f", file.to_str().unwrap()]).status(1).stderr_has("api:schema exists");

    // From stdin, with a given id; a dependency that exists nowhere is said plainly.
    let piped = ccfail_stdin(
        &env,
        &["task", "add", "-p", "web", "--id", "ui", "-f", "-"],
        b"---\ndepends_on: [api:schema, api:zz-missing]\n---\n# The UI\n",
    );
    piped.status(0).stdout_has("web:ui");
    piped.stderr_has("depends_on api:zz-missing: no such task");

    // Refused, nothing written: broken front matter (the error names the file), a
    // dependency that could never be met, a hostile id, an unknown project, no project.
    let before = (names(&inbox(&env, "api")), names(&inbox(&env, "web")));
    let broken = env.path("broken.md");
    fs::write(&broken, "---\ntitle: x\npriority: urgent\n---\n").unwrap();
    let run = ccfail(&env, &["task", "add", "-p", "api", "-f", broken.to_str().unwrap()]);
    run.status(1).stderr_has(&format!("task file {}: front matter line 3: field priority", broken.display()));
    run.stderr_has("nothing was written");
    fs::write(&broken, "---\ntitle: never closed\n").unwrap();
    ccfail(&env, &["task", "add", "-p", "api", "-f", broken.to_str().unwrap()]).status(1).stderr_has("never closed");
    ccfail(&env, &["task", "add", "-p", "api", "x", "--depends-on", "../../etc:passwd"])
        .status(1)
        .stderr_has("could never be met");
    for id in ["../escape", "a/b", "..", "$(touch pwned)", ""] {
        ccfail(&env, &["task", "add", "-p", "api", "--id", id, "hostile"]).status(1).stderr_has("--id");
    }
    ccfail(&env, &["task", "add", "-p", "nope", "x"])
        .status(1)
        .stderr_has("no project named \"nope\"; registered: api, web");
    ccfail(&env, &["task", "add", "x"]).status(1).stderr_has("pass --project NAME");
    ccfail(&env, &["task", "add", "-p", "api", "--priority", "urgent", "x"]).status(2).stderr_has("--priority");
    ccfail(&env, &["task", "add", "-p", "api"]).status(1).stderr_has("nothing to add");
    ccfail(&env, &["task", "show", "../../etc:passwd"]).status(1).stderr_has("is not a task name");
    ccfail(&env, &["task", "show", "api:nothere"]).status(1).stderr_has("no task api:nothere");
    for hostile in ["../../x", "api:$(touch pwned)", "a/b:c", "api:..", ""] {
        ccfail(&env, &["task", "cancel", hostile]).status(1).stderr_has("is not a task name");
        ccfail(&env, &["task", "retry", hostile]).status(1).stderr_has("is not a task name");
    }
    ccfail(&env, &["task", "cancel", "nope:x"]).status(1).stderr_has("no project named \"nope\"");
    ccfail(&env, &["task", "ls", "-p", "nope"]).status(1).stderr_has("registered: api, web");
    assert_eq!((names(&inbox(&env, "api")), names(&inbox(&env, "web"))), before, "nothing written");
    assert!(!env.root.join("pwned").exists() && !env.path("projects/escape.md").exists());

    // A hostile file name is not an id: a safe one is made from the title.
    let hostile = env.path("$(touch pwned2).md");
    fs::write(&hostile, "---\ntitle: Odd name\n---\n").unwrap();
    let run = ccfail(&env, &["task", "add", "-p", "web", "-f", hostile.to_str().unwrap()]);
    run.status(0).stderr_has("not a safe id");
    assert!(run.stdout().starts_with("web:odd-name-"), "{}", run.stdout());
    assert!(!env.root.join("pwned2").exists());

    // Every added task is a task dispatch sees, no temp is left, and the history has them.
    let plan = ccfail(&env, &["dispatch", "--dry-run", "--json"]).json();
    assert_eq!(plan["pending"], 4, "{plan:#}");
    for dir in [inbox(&env, "api"), inbox(&env, "web")] {
        assert!(names(&dir).iter().all(|n| !n.starts_with('.')), "{:?}", names(&dir));
    }
    assert_eq!(history(&env, "task-added").len(), 4);
}

#[test]
fn task_ls_and_dispatch_say_why_each_task_waits_and_pauses_hold_dispatch() {
    let env = queue_env();
    setup(&env, 2, 0, &[("api", 0), ("web", 1)], "");
    // Two pool sessions at a shell: free for dispatch (it would start Claude there).
    env.shell_pane("w1");
    env.shell_pane("w2");
    ccfail(&env, &["task", "add", "-p", "api", "--id", "gpu", "Train it", "--tag", "gpu"]).status(0);
    ccfail(&env, &["task", "add", "-p", "api", "--id", "typo", "After the schema", "--depends-on", "api:shcema"])
        .status(0);
    ccfail(&env, &["task", "add", "-p", "api", "--id", "later", "After gpu", "--depends-on", "gpu"]).status(0);

    // The issue's case: one ready task, free sessions, none with its tags.
    // For the journal (no terminal): each standing reason once, then nothing.
    let run = ccfail(&env, &["dispatch"]);
    run.status(0).stdout_has("api:gpu waits: needs tags [gpu] that no pool session has");
    run.stdout_has("api:typo blocked: api:shcema (no such task");
    run.stdout_has("api:later blocked: gpu (not done yet: pending)");
    assert_eq!(ccfail(&env, &["dispatch"]).status(0).stdout(), "", "said once");
    // For people at a terminal: the summary says why.
    let run = ccfail(&env, &["--format", "table", "dispatch"]);
    run.status(0)
        .stdout_has("dispatch: nothing to send (1 ready, 2 free sessions: 1 needs tags [gpu] that no session has)");
    run.stdout_has("api:typo: api:shcema (no such task");
    run.stdout_has("api:later: gpu (not done yet: pending)");
    let report = ls(&env, &[]);
    assert_eq!(entry(&report, "api:gpu")["wait"]["kind"], "tags");
    assert_eq!(entry(&report, "api:gpu")["wait"]["missing"][0], "gpu");
    let typo = &entry(&report, "api:typo")["wait"];
    assert_eq!(typo["kind"], "blocked");
    assert!(typo["unmet"][0]["why"].as_str().unwrap().starts_with("no such task"), "{typo:#}");
    ccfail(&env, &["task", "ls"]).status(0).stdout_has("needs tags [gpu] that no pool session has");

    // A ready task goes to the first free session; a third waits for a free one.
    ccfail(&env, &["task", "add", "-p", "web", "--id", "w-a", "One"]).status(0);
    ccfail(&env, &["task", "add", "-p", "web", "--id", "w-b", "Two"]).status(0);
    ccfail(&env, &["task", "add", "-p", "web", "--id", "w-c", "Three"]).status(0);
    let report = ls(&env, &["--project", "web"]);
    assert_eq!(report["tasks"].as_array().unwrap().len(), 3, "only web: {report:#}");
    let next: Vec<&str> =
        ["web:w-a", "web:w-b"].iter().map(|t| entry(&report, t)["wait"]["session"].as_str().unwrap()).collect();
    assert_eq!(next, ["w1", "w2"]);
    assert_eq!(entry(&report, "web:w-c")["wait"]["kind"], "no_free_session");
    let plan = ccfail(&env, &["dispatch", "--dry-run", "--json"]).json();
    let pairs: Vec<&str> = plan["pairs"].as_array().unwrap().iter().map(|p| p["task"].as_str().unwrap()).collect();
    assert_eq!(pairs, ["web:w-a", "web:w-b"], "ls says what dispatch does");

    // Pause one project: its tasks wait, the sessions go to nothing else here; status says so.
    ccfail(&env, &["pause", "--project", "web", "--reason", "deploy freeze"])
        .status(0)
        .stdout_has("dispatch of web paused");
    ccfail(&env, &["pause", "--project", "nope"]).status(1).stderr_has("registered: api, web");
    let report = ls(&env, &["--state", "pending"]);
    assert_eq!(entry(&report, "web:w-a")["wait"]["kind"], "paused");
    assert_eq!(entry(&report, "web:w-a")["wait"]["project"], "web");
    let dispatch = ccfail(&env, &["--format", "table", "dispatch"]);
    dispatch.status(0).stdout_has("3 held by the pause of web");
    dispatch.stderr_has("ready task(s) of web held");
    // Said once in the log, not at every timer run.
    let again = ccfail(&env, &["dispatch"]);
    assert!(!again.stderr().contains("held: paused"), "{}", again.stderr());
    let status = ccfail(&env, &["status"]);
    status.status(0).stdout_has("dispatch of web paused since").stdout_has("deploy freeze");
    assert_eq!(ccfail(&env, &["status", "--json"]).json()["pause"]["projects"]["web"]["reason"], "deploy freeze");

    // Pause the whole pool: dispatch is skipped and says why.
    ccfail(&env, &["pause"]).status(0);
    ccfail(&env, &["dispatch"]).status(0).stdout_has("skipped: dispatch is paused since");
    let held = ccfail(&env, &["dispatch", "--json"]).json();
    let kinds: Vec<&str> =
        held["waiting"].as_array().unwrap().iter().map(|w| w["wait"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["tags", "paused", "paused", "paused"], "{held:#}");
    assert_eq!(entry(&ls(&env, &[]), "api:gpu")["wait"]["kind"], "tags", "tags come first");
    ccfail(&env, &["resume"]).status(0).stdout_has("dispatch resumed").stdout_has("dispatch of web paused since");
    ccfail(&env, &["resume", "--project", "web"]).status(0).stdout_has("nothing is paused");
    let plan = ccfail(&env, &["dispatch", "--dry-run", "--json"]).json();
    assert_eq!(plan["pairs"].as_array().unwrap().len(), 2, "{plan:#}");
    assert!(ccfail(&env, &["status", "--json"]).json()["pause"]["dispatch"].is_null());
    assert_eq!(history(&env, "paused").len(), 2);
    assert_eq!(history(&env, "resumed").len(), 2);
}

/// The stand-in config with one attempt per task, so a task whose client dies fails.
fn one_attempt(env: &TestEnv) {
    let config = fs::read_to_string(env.config_file())
        .unwrap()
        .replace("  session_cooldown: 0s\n", "  session_cooldown: 0s\n  max_attempts: 1\n");
    env.write_config(&config);
}

#[test]
fn retry_brings_a_failed_task_back_and_cancel_moves_a_pending_one_out() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    one_attempt(&env);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    // The client dies under the task: its one attempt is used up, to failed/.
    env.control("a", r#"{"mode": "crash"}"#);
    ccfail(&env, &["task", "add", "-p", "p", "--id", "flaky", "Flaky"]).status(0);
    ccfail(&env, &["dispatch"]).status(0);
    crate::queue::wait_shells(&env, &["w1"]);
    env.control("a", r#"{"mode": "normal"}"#);
    ccfail(&env, &["watch-once"]).status(0);
    let failed = env.path("projects/p/.agent-queue/failed/flaky.md");
    assert!(failed.exists(), "{:#}", state(&env));
    let report = ls(&env, &["--state", "failed"]);
    let reason = entry(&report, "p:flaky")["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("attempt 1 of 1"), "{reason}");
    ccfail(&env, &["task", "show", "flaky"]).status(0).stdout_has("failed").stdout_has(&reason);

    // Retry: back in the inbox, attempts reset, the reason kept in the history.
    ccfail(&env, &["task", "retry", "p:flaky"]).status(0).stdout_has("p:flaky: back in the inbox");
    assert_each_once(&census(&env, &["p"]), &["p:flaky".to_owned()], "after the retry");
    assert!(!env.path("projects/p/.agent-queue/failed/flaky.md.reason").exists());
    let retried = history(&env, "task-retried");
    assert!(retried[0].contains(&reason), "{retried:?}");
    assert!(state(&env)["queue"]["attempts"].get("p:flaky").is_none());
    ccfail(&env, &["task", "retry", "p:flaky"]).status(1).stderr_has("is pending, not failed or invalid");
    cycle_until(&env, Duration::from_secs(60), || env.path("projects/p/.agent-queue/done/flaky.md").exists());
    ccfail(&env, &["task", "retry", "p:flaky"]).status(1).stderr_has("is done");
    ccfail(&env, &["task", "ls", "--state", "done"]).status(0).stdout_has("p:flaky");

    // An invalid task: retry refuses it until the file is fixed, then clears its marker.
    fs::write(inbox(&env, "p").join("bad.md"), "---\npriority: urgent\n---\n").unwrap();
    ccfail(&env, &["pause"]).status(0);
    ccfail(&env, &["dispatch"]).status(0);
    assert!(inbox(&env, "p").join("bad.md.invalid").exists());
    assert_eq!(entry(&ls(&env, &[]), "p:bad")["state"], "invalid");
    ccfail(&env, &["task", "retry", "bad"]).status(1).stderr_has("still invalid: front matter line 2");
    fs::write(inbox(&env, "p").join("bad.md"), "---\npriority: low\n---\n").unwrap();
    ccfail(&env, &["task", "retry", "bad"]).status(0);
    assert!(!inbox(&env, "p").join("bad.md.invalid").exists());
    assert_eq!(entry(&ls(&env, &[]), "p:bad")["wait"]["kind"], "paused");

    // Cancel a pending task: to failed/ with the operator's reason; retry undoes it.
    let cancelled = ccfail(&env, &["task", "cancel", "p:bad", "--json"]);
    cancelled.status(0);
    assert_eq!(cancelled.json()["version"], 1);
    assert_eq!(cancelled.json()["from"], "pending");
    let reason = fs::read_to_string(env.path("projects/p/.agent-queue/failed/bad.md.reason")).unwrap();
    assert_eq!(reason, "cancelled by operator\n");
    ccfail(&env, &["task", "cancel", "p:bad"]).status(1).stderr_has("in failed/ already");
    assert_each_once(&census(&env, &["p"]), &["p:bad".to_owned(), "p:flaky".to_owned()], "after the cancel");
    assert_eq!(history(&env, "task-cancelled").len(), 1);
}

#[test]
fn cancel_of_a_claimed_task_interrupts_its_session_even_when_killed_midway() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    env.control("a", r#"{"mode": "hang"}"#);
    let claimed_and_busy = |id: &str| {
        ccfail(&env, &["dispatch"]).status(0);
        wait_until(&format!("{id} claimed by w1 and its client busy"), Duration::from_secs(20), || {
            let report = ls(&env, &["--state", "claimed"]);
            let busy = ccfail(&env, &["status", "--json"]).json()["sessions"][0]["client"]["status"] == "busy";
            match report["tasks"].as_array().unwrap().iter().find(|t| t["task"] == format!("p:{id}")) {
                Some(t) if t["session"] == "w1" && busy => Ok(()),
                _ => Err(format!("{report:#}")),
            }
        });
        crate::swap::client_of(&env, "w1").expect("a client").1
    };

    // Killed right after the move: the task is in failed/ only, and watch-once finishes
    // the cancel (claim released, the session recycled: a new client, no more spinning).
    ccfail(&env, &["task", "add", "-p", "p", "--id", "first", "Never ends"]).status(0);
    let client = claimed_and_busy("first");
    ccfail_fault(&env, "cancel-after-move", &["task", "cancel", "p:first"]).status(99);
    assert_each_once(&census(&env, &["p"]), &["p:first".to_owned()], "after the kill");
    assert!(env.path("projects/p/.agent-queue/failed/first.md").exists());
    assert_eq!(state(&env)["sessions"]["w1"]["task"], "p:first", "the kill came before the save");
    env.control("a", r#"{"mode": "normal"}"#);
    let watch = ccfail(&env, &["watch-once", "--json"]);
    watch.status(0);
    let actions: Vec<String> =
        watch.json()["actions"].as_array().unwrap().iter().map(|a| a["what"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["release", "recycle"], "{:#}", watch.json());
    assert!(state(&env)["sessions"]["w1"]["task"].is_null());
    assert_ne!(crate::swap::client_of(&env, "w1").map(|c| c.1), Some(client), "a fresh client");

    // A normal cancel: moved, Escape pressed (the hang ends), the session marked failed
    // so dispatch sends it nothing until watch-once has recycled it.
    env.control("a", r#"{"mode": "hang"}"#);
    ccfail(&env, &["task", "add", "-p", "p", "--id", "second", "Never ends either"]).status(0);
    let client = claimed_and_busy("second");
    // Blocked by whom: the session that runs the dependency.
    ccfail(&env, &["task", "add", "-p", "p", "--id", "after", "After the second", "--depends-on", "second"]).status(0);
    let after = ls(&env, &["--state", "blocked"]);
    assert_eq!(entry(&after, "p:after")["wait"]["unmet"][0]["why"], "not done yet: claimed by w1", "{after:#}");
    let run = ccfail(&env, &["task", "cancel", "second"]);
    run.status(0).stdout_has("w1 interrupted (Escape)");
    let pane = env.tmux().observe().unwrap().session_pane("w1").unwrap().pane_id.clone();
    env.wait_screen(&pane, "Interrupted");
    let st = state(&env);
    assert_eq!(st["sessions"]["w1"]["status"], "failed");
    assert!(st["sessions"]["w1"]["task"].is_null());
    let reason = fs::read_to_string(env.path("projects/p/.agent-queue/failed/second.md.reason")).unwrap();
    assert_eq!(reason, "cancelled by operator (it was running in w1)\n");
    env.control("a", r#"{"mode": "normal"}"#);
    ccfail(&env, &["task", "add", "-p", "p", "--id", "third", "After the cancel"]).status(0);
    ccfail(&env, &["--format", "table", "dispatch"]).status(0).stdout_has("nothing to send");
    ccfail(&env, &["watch-once"]).status(0).stdout_has("w1 recycle");
    assert_ne!(crate::swap::client_of(&env, "w1").map(|c| c.1), Some(client), "a fresh client");
    cycle_until(&env, Duration::from_secs(60), || env.path("projects/p/.agent-queue/done/third.md").exists());
    let after = ls(&env, &["--state", "blocked"]);
    assert_eq!(entry(&after, "p:after")["wait"]["unmet"][0]["why"], "failed: it is not done unless retried");
    let ids = ["p:after", "p:first", "p:second", "p:third"].map(str::to_owned);
    assert_each_once(&census(&env, &["p"]), &ids, "at the end");
    assert_eq!(history(&env, "task-cancelled").len(), 1, "the killed cancel recorded nothing");
}

#[test]
fn paused_upkeep_leaves_a_stopped_pool_stopped_but_still_requeues_its_tasks() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    env.control("a", r#"{"mode": "hang"}"#);
    ccfail(&env, &["task", "add", "-p", "p", "--id", "long", "Long"]).status(0);
    ccfail(&env, &["dispatch"]).status(0);
    wait_until("p:long claimed", Duration::from_secs(20), || {
        if inbox(&env, "p").join("long.md.dispatched").exists() {
            Ok(())
        } else {
            Err(format!("{:?}", names(&inbox(&env, "p"))))
        }
    });

    ccfail(&env, &["pause", "--upkeep"]).status(0).stdout_has("pool upkeep paused");
    ccfail(&env, &["pause", "--upkeep"]).status(0).stdout_has("pool upkeep was paused already");
    env.tmux().kill_session("w1").unwrap();
    let run = ccfail(&env, &["watch-once", "--json"]);
    run.status(0);
    let report = run.json();
    let actions: Vec<&str> =
        report["actions"].as_array().unwrap().iter().map(|a| a["what"].as_str().unwrap()).collect();
    assert_eq!(actions, ["requeue"], "the task goes back, the session is not recreated: {report:#}");
    assert!(report["upkeep_paused"].as_str().unwrap().contains("w1 recreate"), "{report:#}");
    assert!(!env.tmux().observe().unwrap().has_session("w1"));
    assert!(inbox(&env, "p").join("long.md").exists());
    ccfail(&env, &["--format", "table", "watch-once"]).status(0).stdout_has("pool upkeep is paused since");
    ccfail(&env, &["status"]).status(0).stdout_has("pool upkeep paused since");

    env.control("a", r#"{"mode": "normal"}"#);
    ccfail(&env, &["resume", "--upkeep"]).status(0).stdout_has("pool upkeep resumed");
    // On resume the lost session comes back with its conversation, as after a reboot.
    ccfail(&env, &["watch-once"]).status(0).stdout_has("w1 resume: claude --resume");
    assert!(env.tmux().observe().unwrap().has_session("w1"));
    cycle_until(&env, Duration::from_secs(60), || env.path("projects/p/.agent-queue/done/long.md").exists());
}
