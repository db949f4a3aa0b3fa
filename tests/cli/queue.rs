//! The task queue end to end: `dispatch`, `watch-once` and `janitor` against a real tmux
//! server and the stand-in client, on the real clock.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Run, TestEnv, wait_until};

/// The stand-in environment on the real clock: cooldowns, grace periods and file ages
/// are real.
pub(crate) fn queue_env() -> TestEnv {
    TestEnv::with_standin().on_real_clock()
}

pub(crate) fn ccfail(env: &TestEnv, args: &[&str]) -> Run {
    env.ccfail(args)
}

pub(crate) fn ccfail_fault(env: &TestEnv, point: &str, args: &[&str]) -> Run {
    env.ccfail_with(&[("CCFAIL_FAULT", point)], args)
}

/// The stand-in config with a pool of `max` (at least `min` running Claude), the given
/// projects, and queue settings quick enough for tests.
pub(crate) fn setup(env: &TestEnv, max: u32, min: u32, projects: &[(&str, i64)], extra: &str) {
    let mut config = env
        .default_config()
        .replace("binary: /bin/true", &format!("binary: {}", crate::support::standin_bin().display()));
    config = config.replace("    max: 2\n", &format!("    max: {max}\n    min: {min}\n"));
    config.push_str("projects:\n  list:\n");
    for (name, priority) in projects {
        let path = env.path(&format!("projects/{name}"));
        fs::create_dir_all(path.join(".agent-queue/inbox")).unwrap();
        config.push_str(&format!("    - {{path: {}, priority: {priority}}}\n", path.display()));
    }
    config.push_str(
        "dispatch:
  session_cooldown: 0s
  submit_wait: 3s
  start_wait: 20s
  prompt: \"Do the task in {task_path} ({title}) [standin work=0.3]\"
watch:
  idle_grace: 1s
  stop_wait: 5s
",
    );
    config.push_str(extra);
    env.write_config(&config);
    for account in ["a", "b"] {
        env.trust(account, &env.path("work"));
    }
}

pub(crate) fn add_task(env: &TestEnv, project: &str, name: &str, text: &str) {
    let path = env.path(&format!("projects/{project}/.agent-queue/inbox")).join(name);
    fs::write(&path, text).unwrap();
    // Distinct mtimes one second apart, in the order of the calls, so "oldest first"
    // has something to order by whatever the file system's timestamp resolution.
    static ADDED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nth = ADDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let at = std::time::SystemTime::now() - Duration::from_secs(3600) + Duration::from_secs(nth);
    fs::File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
}

/// Waits until a `watch-once --dry-run` would take `count` actions of kind `what`, so the
/// real run that follows takes them (grace periods and turns end at their own pace).
fn wait_for_watch_actions(env: &TestEnv, what: &str, count: usize) {
    wait_until(&format!("watch-once to plan {count} `{what}` action(s)"), Duration::from_secs(30), || {
        let run = ccfail(env, &["watch-once", "--dry-run", "--json"]);
        let report = run.json();
        let planned = report["actions"].as_array().map_or(0, |a| a.iter().filter(|x| x["what"] == what).count());
        if planned >= count { Ok(()) } else { Err(format!("{report:#}")) }
    });
}

pub(crate) fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&fs::read_to_string(env.path("state/state.json")).unwrap()).unwrap()
}

pub(crate) fn history(env: &TestEnv, event: &str) -> Vec<String> {
    env.history().iter().filter(|e| e["event"] == event).map(|e| e["detail"].as_str().unwrap().to_owned()).collect()
}

/// Every name a task can have, per project: `inbox/T.md`, `inbox/T.md.dispatched`,
/// `done/T.md`, `done/archive/*/T.md`, `failed/T.md`. Returns `project:id → names`.
pub(crate) fn census(env: &TestEnv, projects: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for project in projects {
        let queue = env.path(&format!("projects/{project}/.agent-queue"));
        let mut dirs = vec![
            ("inbox".to_owned(), queue.join("inbox")),
            ("done".to_owned(), queue.join("done")),
            ("failed".to_owned(), queue.join("failed")),
        ];
        if let Ok(months) = fs::read_dir(queue.join("done/archive")) {
            for month in months.filter_map(Result::ok) {
                dirs.push((format!("done/archive/{}", month.file_name().to_string_lossy()), month.path()));
            }
        }
        for (label, dir) in dirs {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            for entry in entries.filter_map(Result::ok) {
                if !entry.file_type().unwrap().is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let id = name.strip_suffix(".md.dispatched").or_else(|| name.strip_suffix(".md"));
                if let Some(id) = id {
                    found.entry(format!("{project}:{id}")).or_default().push(format!("{label}/{name}"));
                }
            }
        }
    }
    found
}

#[track_caller]
pub(crate) fn assert_each_once(census: &BTreeMap<String, Vec<String>>, ids: &[String], moment: &str) {
    let keys: Vec<&String> = census.keys().collect();
    assert_eq!(keys, ids.iter().collect::<Vec<_>>(), "{moment}: every task and nothing else: {census:#?}");
    for (id, names) in census {
        assert_eq!(names.len(), 1, "{moment}: {id} exists under {names:?}");
    }
}

pub(crate) fn done(census: &BTreeMap<String, Vec<String>>) -> usize {
    census.values().filter(|names| names[0].starts_with("done/")).count()
}

/// dispatch + watch-once until `finished` holds, at most `limit`.
pub(crate) fn cycle_until(env: &TestEnv, limit: Duration, finished: impl Fn() -> bool) {
    let started = Instant::now();
    while !finished() {
        assert!(started.elapsed() < limit, "not finished within {limit:?}; state: {:#}", state(env));
        let dispatch = ccfail(env, &["dispatch"]);
        assert!(
            dispatch.code() == 0 || dispatch.code() == 20,
            "dispatch: {}\n{}",
            dispatch.stdout(),
            dispatch.stderr()
        );
        std::thread::sleep(Duration::from_millis(400));
        ccfail(env, &["watch-once"]).status(0);
    }
}

pub(crate) fn transcripts_mentioning(env: &TestEnv, needle: &str) -> usize {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&env.path("shared"), &mut files);
    walk(&env.path("accounts"), &mut files);
    files.sort();
    files.dedup();
    files
        .iter()
        .flat_map(|f| fs::read_to_string(f).unwrap_or_default().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| line.contains("\"type\":\"user\"") && line.contains(needle))
        .count()
}

#[test]
fn three_projects_twelve_tasks_all_done_in_order_and_the_dedicated_session_untouched() {
    let env = queue_env();
    setup(&env, 3, 3, &[("p1", 0), ("p2", 1), ("p3", 2)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    // The operator's own session, busy with their own conversation.
    let main = env.start_claude("main", "a");
    env.prompt(&main, "operator's own work [standin work=0.1]");
    env.wait_screen(&main, "mode normal");
    let main_pid = env.tmux().observe().unwrap().session_pane("main").unwrap().pid;
    let main_client = ccfail::process::children(main_pid);

    let fm = |extra: &str| format!("---\n{extra}\n---\nDo it.\n");
    add_task(&env, "p2", "step1.md", &fm("title: Step one"));
    add_task(&env, "p1", "c1.md", &fm("priority: critical\ntitle: Critical one"));
    add_task(&env, "p1", "h1.md", &fm("priority: high"));
    add_task(&env, "p1", "d1.md", &fm("priority: default"));
    add_task(&env, "p1", "l1.md", &fm("priority: low"));
    add_task(&env, "p2", "step2.md", &fm("priority: critical\ndepends_on: [p2:step1]"));
    add_task(&env, "p2", "step3.md", &fm("priority: high\ndepends_on: [\"p2:step2\"]"));
    add_task(&env, "p2", "x2.md", "# No front matter at all\n");
    add_task(&env, "p3", "waits.md", &fm("depends_on: [p1:never]"));
    add_task(&env, "p3", "bad.md", "---\npriority: [not, a, word]\n---\n");
    add_task(&env, "p3", "-dash.md", &fm("priority: low\nowner: someone\nneeds_claude_code: true"));
    add_task(&env, "p3", "d3.md", &fm("title: Third project"));
    let valid = ["p1:c1", "p1:h1", "p1:d1", "p1:l1", "p2:step1", "p2:step2", "p2:step3", "p2:x2", "p3:-dash", "p3:d3"];

    // The first watch-once brings the pool up (min 3).
    ccfail(&env, &["watch-once"]).status(0);
    let dry = ccfail(&env, &["dispatch", "--dry-run", "--json"]);
    dry.status(0);
    let plan = dry.json();
    let planned: Vec<&str> = plan["pairs"].as_array().unwrap().iter().map(|p| p["task"].as_str().unwrap()).collect();
    assert_eq!(planned, ["p1:c1", "p1:h1", "p1:d1"], "priority, then project priority, then age");
    assert_eq!(plan["blocked"].as_array().unwrap().len(), 3, "{plan:#}");
    assert!(!env.path("projects/p1/.agent-queue/inbox/c1.md.dispatched").exists(), "a dry run claims nothing");

    let projects = ["p1", "p2", "p3"];
    cycle_until(&env, Duration::from_secs(120), || done(&census(&env, &projects)) == valid.len());

    let census = census(&env, &projects);
    for id in valid {
        let name = id.split(':').nth(1).unwrap();
        assert_eq!(census[id], [format!("done/{name}.md")], "{id}");
    }
    let p3 = env.path("projects/p3/.agent-queue/inbox");
    assert!(p3.join("waits.md").exists() && p3.join("waits.md.blocked").exists(), "the blocked task waits, marked");
    assert!(fs::read_to_string(p3.join("waits.md.blocked")).unwrap().contains("p1:never"));
    assert!(p3.join("bad.md").exists(), "the invalid task stays where it is");
    assert!(fs::read_to_string(p3.join("bad.md.invalid")).unwrap().contains("priority"));
    assert!(!env.path("projects/p2/.agent-queue/inbox/step2.md.blocked").exists(), "met: marker removed");

    // Order: the dispatch log is in priority order within each pass, and the chain ran
    // one after the other.
    let dispatched: Vec<String> =
        history(&env, "dispatched").iter().map(|d| d.split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(&dispatched[..3], ["p1:c1", "p1:h1", "p1:d1"], "{dispatched:?}");
    let done_order: Vec<String> =
        history(&env, "task-done").iter().map(|d| d.split(' ').next().unwrap().to_owned()).collect();
    let position =
        |list: &[String], id: &str| list.iter().position(|x| x == id).unwrap_or_else(|| panic!("{id} in {list:?}"));
    assert!(
        position(&done_order, "p2:step1") < position(&dispatched, "p2:step2").max(position(&done_order, "p2:step2"))
    );
    assert!(position(&done_order, "p2:step2") < position(&done_order, "p2:step3"));
    for low in ["p1:l1", "p3:-dash"] {
        for earlier in ["p1:d1", "p2:x2", "p3:d3", "p2:step1"] {
            assert!(
                position(&dispatched, earlier) < position(&dispatched, low),
                "{earlier} before {low}: {dispatched:?}"
            );
        }
    }
    assert_eq!(dispatched.len(), valid.len(), "each task sent once: {dispatched:?}");
    for id in valid {
        let file = format!("{}.md.dispatched", id.split(':').nth(1).unwrap());
        assert_eq!(transcripts_mentioning(&env, &file), 1, "{id} prompted exactly once");
    }

    // The dedicated session: the same client, never sent anything, never stopped.
    assert_eq!(ccfail::process::children(main_pid), main_client, "the operator's client kept running");
    let screen = env.tmux().capture_one(&main).unwrap();
    assert!(!screen.contains("Do the task"), "{screen}");
    let st = state(&env);
    assert!(st["sessions"]["main"]["task"].is_null());
    assert_eq!(st["sessions"]["main"]["kind"], "dedicated");

    // status shows the invalid task; the janitor has nothing urgent.
    ccfail(&env, &["status"]).status(0).stdout_has("bad.md");
    ccfail(&env, &["janitor", "--dry-run"]).status(0);
}

/// Waits until no process runs under the pane shells of `sessions`.
pub(crate) fn wait_shells(env: &TestEnv, sessions: &[&str]) {
    let started = Instant::now();
    loop {
        let observation = env.tmux().observe().unwrap();
        if sessions
            .iter()
            .all(|s| observation.session_pane(s).is_some_and(|p| ccfail::process::children(p.pid).is_empty()))
        {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the clients did not exit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Replaces `session` with a pane that looks like an idle Claude but never takes a
/// prompt: the captured idle screen, then `sleep`.
fn fake_idle_claude(env: &TestEnv, session: &str) {
    let tmux = env.tmux();
    tmux.kill_session(session).unwrap();
    tmux.new_session(&ccfail::tmux::NewSession {
        name: session,
        cwd: Some(&env.path("work")),
        env: vec![("PS1".to_owned(), "$ ".to_owned())],
        command: Some("bash --norc --noprofile"),
        width: 200,
        height: 50,
    })
    .unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/claude-code/2.1.197/screens/tui_sub_max20x_idle_fresh.txt"
    );
    let pane = tmux.observe().unwrap().session_pane(session).unwrap().pane_id.clone();
    tmux.send_line(&pane, &format!("clear; cat {fixture}; sleep 100000")).unwrap();
    env.wait_screen(&pane, "? for shortcuts");
}

#[test]
fn a_crash_at_every_step_loses_no_task_and_does_none_twice() {
    let env = queue_env();
    setup(&env, 2, 2, &[("p", 0)], "janitor:\n  orphan_after: 0s\n  archive_after: 1h\n");
    let config = fs::read_to_string(env.config_file())
        .unwrap()
        .replace("submit_wait: 3s", "submit_wait: 1s")
        .replace("stop_wait: 5s", "stop_wait: 2s");
    env.write_config(&config);
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    let mut ids: Vec<String> = Vec::new();
    let mut next = 0;
    let mut add_two = |ids: &mut Vec<String>| {
        for _ in 0..2 {
            next += 1;
            add_task(&env, "p", &format!("t{next:02}.md"), "---\ntitle: crash sweep\n---\n");
            ids.push(format!("p:t{next:02}"));
        }
        ids.sort();
    };
    let converge = |ids: &[String], moment: &str| {
        assert_each_once(&census(&env, &["p"]), ids, &format!("after the crash {moment}"));
        let started = Instant::now();
        while done(&census(&env, &["p"])) < ids.len() {
            assert!(started.elapsed() < Duration::from_secs(60), "{moment}: no convergence; {:#}", state(&env));
            ccfail(&env, &["janitor"]).status(0);
            let dispatch = ccfail(&env, &["dispatch"]);
            assert!(dispatch.code() == 0 || dispatch.code() == 20, "{}", dispatch.stderr());
            std::thread::sleep(Duration::from_millis(400));
            ccfail(&env, &["watch-once"]);
            assert_each_once(&census(&env, &["p"]), ids, &format!("converging after {moment}"));
        }
    };

    for point in ["dispatch-after-claim", "dispatch-after-save", "dispatch-after-send"] {
        add_two(&mut ids);
        ccfail_fault(&env, point, &["dispatch"]).status(99).stderr_has(point);
        converge(&ids, point);
    }

    add_two(&mut ids);
    ccfail(&env, &["dispatch"]).status(0);
    wait_for_watch_actions(&env, "complete", 2);
    ccfail_fault(&env, "complete-after-move", &["watch-once"]).status(99);
    converge(&ids, "complete-after-move");

    // The clients die mid-task (SIGKILL, as the stand-in's crash mode does).
    add_two(&mut ids);
    env.control("a", r#"{"mode": "crash"}"#);
    ccfail(&env, &["dispatch"]).status(0);
    let crashed: Vec<String> = ids[ids.len() - 2..].to_vec();
    wait_shells(&env, &["w1", "w2"]);
    env.control("a", r#"{"mode": "normal"}"#);
    ccfail_fault(&env, "requeue-after-move", &["watch-once"]).status(99);
    converge(&ids, "requeue-after-move");

    // A session that shows an idle box but never takes the prompt: the claim is undone.
    add_two(&mut ids);
    fake_idle_claude(&env, "w2");
    ccfail_fault(&env, "unclaim-after-move", &["dispatch"]).status(99);
    converge(&ids, "unclaim-after-move");

    // Archive: a crash between two archive moves.
    let config = fs::read_to_string(env.config_file()).unwrap().replace("archive_after: 1h", "archive_after: 0s");
    env.write_config(&config);
    ccfail_fault(&env, "archive-after-first", &["janitor"]).status(99);
    let census_now = census(&env, &["p"]);
    assert_each_once(&census_now, &ids, "after the crash in the archive");
    assert!(census_now.values().any(|n| n[0].starts_with("done/archive/")));
    ccfail(&env, &["janitor"]).status(0);
    let census_end = census(&env, &["p"]);
    assert_each_once(&census_end, &ids, "at the end");
    assert!(census_end.values().all(|n| n[0].starts_with("done/archive/")), "{census_end:#?}");

    // None done twice: each prompt reached a client once, except the two whose
    // client was killed under them (sent again after the requeue).
    for id in &ids {
        let file = format!("{}.md.dispatched", id.trim_start_matches("p:"));
        let expected = if crashed.contains(id) { 2 } else { 1 };
        assert_eq!(transcripts_mentioning(&env, &file), expected, "{id}");
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok) {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn hostile_names_and_bodies_run_nothing_and_escape_nothing() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    let outside = env.path("outside.md");
    fs::write(&outside, "---\ntitle: outside the project\n---\n").unwrap();
    let inbox = env.path("projects/p/.agent-queue/inbox");
    for name in
        ["$(touch pwned).md", "`touch pwned2`.md", "a'b\"c.md", "with space.md", "new\nline.md", "t\u{e2}che.md"]
    {
        add_task(&env, "p", name, "---\ntitle: hostile name\n---\n");
    }
    std::os::unix::fs::symlink(&outside, inbox.join("link.md")).unwrap();
    add_task(&env, "p", "-dash.md", "---\ntitle: leading dash\n---\n");
    let mut big = String::from("---\ntitle: big body\n---\n");
    big.push_str(&"$(touch pwned5) `rm -rf ~` \n".repeat(10 * 1024 * 1024 / 28));
    add_task(&env, "p", "big.md", &big);
    add_task(&env, "p", "title.md", "---\ntitle: \"$(touch pwned3) '; touch pwned4; ' \\e[31m\\nsecond line;\"\n---\n");
    add_task(&env, "p", "escape.md", "---\ndepends_on: [\"../../x:y\", \"p:../../outside\"]\n---\n");

    ccfail(&env, &["watch-once"]).status(0);
    cycle_until(&env, Duration::from_secs(60), || {
        ["-dash", "big", "title"].iter().all(|id| env.path(&format!("projects/p/.agent-queue/done/{id}.md")).exists())
    });
    ccfail(&env, &["dispatch"]).status(0);

    // Every hostile name is still where it was, marked, and nothing ran.
    for name in [
        "$(touch pwned).md",
        "`touch pwned2`.md",
        "a'b\"c.md",
        "with space.md",
        "new\nline.md",
        "t\u{e2}che.md",
        "link.md",
    ] {
        assert!(fs::symlink_metadata(inbox.join(name)).is_ok(), "{name:?} stays");
        assert!(inbox.join(format!("{name}.invalid")).exists(), "{name:?} is marked");
    }
    assert!(fs::read_to_string(inbox.join("link.md.invalid")).unwrap().contains("symlink"));
    assert!(fs::read_to_string(inbox.join("escape.md.blocked")).unwrap().contains("refused"));
    assert_eq!(fs::read_to_string(&outside).unwrap(), "---\ntitle: outside the project\n---\n");
    let everything = files_under(&env.root);
    let pwned: Vec<_> = everything
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("pwned")) && !p.starts_with(&inbox))
        .collect();
    assert!(pwned.is_empty(), "something ran: {pwned:?}");
    // Nothing was written outside the project's queue but ccfail's and the clients' own places.
    for file in everything {
        let inside = [
            "projects/p/.agent-queue",
            "state",
            "accounts",
            "shared",
            "home",
            "tmp",
            "tmux.sock",
            "config.yaml",
            "outside.md",
        ]
        .iter()
        .any(|prefix| file.starts_with(env.path(prefix)));
        assert!(inside, "unexpected file {}", file.display());
    }
    // The title reached Claude as text, on one line, control characters gone.
    assert_eq!(transcripts_mentioning(&env, "$(touch pwned3) '; touch pwned4; '"), 1);
    assert_eq!(transcripts_mentioning(&env, "\\u001b"), 0, "no escape character was typed");
    ccfail(&env, &["status", "--json"]).status(0);
}

#[test]
fn launch_and_env_serve_scripts() {
    let env = queue_env();
    setup(&env, 2, 0, &[], "");
    let run = ccfail(&env, &["env"]);
    run.status(0).stdout_has(&format!("export CLAUDE_CONFIG_DIR={}\n", env.path("accounts/a").display()));
    run.stdout_has("export CCFAIL_ACCOUNT=a\n");
    let json = ccfail(&env, &["env", "--account", "b", "--json"]);
    json.status(0);
    assert_eq!(json.json()["env"]["CLAUDE_CONFIG_DIR"], env.path("accounts/b").display().to_string());
    assert!(json.json()["command"].as_str().unwrap().contains("accounts/b"));
    ccfail(&env, &["env", "--account", "nope"]).status(2).stderr_has("[possible values: a, b]");

    ccfail(&env, &["launch", "w1"]).status(22).stderr_has("--pool");
    ccfail(&env, &["launch", "bad.name"]).status(1);
    let work = env.path("work");
    let launched = ccfail(
        &env,
        &["launch", "scratch", "--project", work.to_str().unwrap(), "--account", "b", "--model", "sonnet", "--json"],
    );
    launched.status(0);
    let report = launched.json();
    assert_eq!(report["started"], true);
    assert_eq!(report["account"], "b");
    let pid = env.tmux().observe().unwrap().session_pane("scratch").unwrap().pid;
    let client = ccfail::process::children(pid);
    assert_eq!(client.len(), 1);
    assert!(env.path(&format!("accounts/b/sessions/{}.json", client[0])).exists(), "running on account b");
    ccfail(&env, &["launch", "scratch"]).status(0).stdout_has("already running");
    assert_eq!(ccfail::process::children(pid), client, "left alone");
    ccfail(&env, &["launch", "w2", "--pool"]).status(0).stdout_has("launched Claude in w2");
}

#[test]
fn a_hung_session_is_flagged_then_restarted_and_its_task_requeued() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p", 0)], "");
    let config = fs::read_to_string(env.config_file())
        .unwrap()
        .replace("  idle_grace: 1s\n", "  idle_grace: 1s\n  stall_after: 1s\n  restart_after: 1h\n");
    env.write_config(&config);
    ccfail(&env, &["watch-once"]).status(0);
    env.control("a", r#"{"mode": "hang"}"#);
    add_task(&env, "p", "slow.md", "---\ntitle: never answers\n---\n");
    ccfail(&env, &["dispatch"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    wait_for_watch_actions(&env, "stalled", 1);
    ccfail(&env, &["watch-once"]).status(0).stdout_has("stalled");
    assert_eq!(state(&env)["sessions"]["w1"]["status"], "stalled");
    assert_eq!(history(&env, "session-stalled").len(), 1);
    env.control("a", r#"{"mode": "normal"}"#);
    // The restart window opens only now, however slow the machine was until here.
    env.write_config(&config.replace("  restart_after: 1h\n", "  restart_after: 2s\n"));
    wait_for_watch_actions(&env, "requeue", 1);
    ccfail(&env, &["watch-once"]).status(0).stdout_has("requeue");
    assert_eq!(state(&env)["queue"]["attempts"]["p:slow"], 1);
    cycle_until(&env, Duration::from_secs(30), || env.path("projects/p/.agent-queue/done/slow.md").exists());
    assert_eq!(history(&env, "session-stalled").len(), 1, "notified once");
}

/// Issue 10: the queue runs whatever the client's version and permission mode, since
/// nothing reads the footer: 2.1.332 in its default auto mode and in bypass mode (its
/// warning answered at start, `IS_SANDBOX` from `claude.env`), 2.1.197 in plan mode.
#[test]
fn the_queue_runs_under_every_version_and_permission_mode() {
    for (version, args) in
        [("2.1.332", ""), ("2.1.332", "--dangerously-skip-permissions"), ("2.1.197", "--permission-mode, plan")]
    {
        let env = queue_env();
        setup(&env, 1, 1, &[("p1", 0)], "");
        let config = fs::read_to_string(env.config_file()).unwrap().replace(
            "claude:\n",
            &format!(
                "claude:\n  env: {{CLAUDE_STANDIN_VERSION: \"{version}\", IS_SANDBOX: \"1\"}}\n  args: [{args}]\n"
            ),
        );
        env.write_config(&config);
        ccfail(&env, &["hooks", "install"]).status(0);
        add_task(&env, "p1", "t1.md", "---\ntitle: One\n---\nDo it.\n");
        ccfail(&env, &["watch-once"]).status(0);
        let status = ccfail(&env, &["status", "--json"]);
        let client = status.json()["sessions"][0]["client"].clone();
        assert_eq!(client["status"], "idle", "{version} {args}: the started client is idle: {client:#}");
        cycle_until(&env, Duration::from_secs(60), || done(&census(&env, &["p1"])) == 1);
        assert!(env.path("projects/p1/.agent-queue/done/t1.md").exists(), "{version} {args}");
    }
}

/// Issue 10: a session whose task stopped on the usage limit, with no account to swap to,
/// is parked: watch-once neither flags it stalled nor restarts it however long it waits,
/// and once the account's reset has passed it types the continue prompt (2.1.197 does not
/// go on by itself), so the task is done in the same conversation.
#[test]
fn a_task_parked_on_the_limit_goes_on_in_the_same_conversation_at_the_reset() {
    let env = queue_env();
    setup(&env, 1, 1, &[("p1", 0)], "");
    ccfail(&env, &["hooks", "install"]).status(0);
    ccfail(&env, &["watch-once"]).status(0);
    env.control("a", r#"{"mode": "limit", "work_seconds": 0.1}"#);
    add_task(&env, "p1", "t1.md", "---\ntitle: One\n---\nDo it.\n");
    ccfail(&env, &["dispatch"]).status(0);
    let pane = env.tmux().observe().unwrap().session_pane("w1").unwrap().pane_id.clone();
    env.wait_screen(&pane, "hit your session limit");
    let claimed = env.path("projects/p1/.agent-queue/inbox/t1.md.dispatched");
    let id_before = crate::swap::client_of(&env, "w1").expect("a client").0;
    // two hours later (past watch.stall_after and watch.restart_after): parked, untouched
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let report = env.ccfail_with(&[("CCFAIL_NOW", &later)], &["watch-once", "--json"]);
    report.status(0);
    let actions = report.json()["actions"].clone();
    assert!(
        actions.as_array().unwrap().iter().all(|a| a["what"] != "stalled" && a["what"] != "requeue"),
        "{actions:#}"
    );
    assert!(claimed.exists(), "the task stays claimed");
    // the reset (recorded by quota-check as the account's drained-until) has passed by then
    let store =
        ccfail::state::StateStore::new(ccfail::paths::StatePaths::new(env.path("state")), Duration::from_secs(5));
    store
        .update(|state| {
            state.accounts.entry("a".to_owned()).or_default().drained_until =
                Some(chrono::Utc::now() + chrono::Duration::hours(1));
            Ok::<_, ccfail::state::StateError>(())
        })
        .unwrap();
    env.control("a", r#"{"work_seconds": 0.1}"#);
    let report = env.ccfail_with(&[("CCFAIL_NOW", &later)], &["watch-once", "--json"]);
    let actions = report.json()["actions"].clone();
    assert!(actions.as_array().unwrap().iter().any(|a| a["what"] == "continue"), "{actions:#}");
    env.wait_screen(&pane, "Continue the task you were working on");
    assert_eq!(crate::swap::client_of(&env, "w1").expect("a client").0, id_before, "the same conversation");
    cycle_until(&env, Duration::from_secs(30), || env.path("projects/p1/.agent-queue/done/t1.md").exists());
}
