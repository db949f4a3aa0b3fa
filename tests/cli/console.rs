//! The operator's console: `status` at 20 sessions laid out for 80 and 200 columns,
//! `status --watch` on a pipe, `ccfail log` over what real runs recorded.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::queue::{add_task, ccfail, queue_env, setup};
use crate::support::{TestEnv, wait_until};

/// A pool of 20 on the stand-in: every session started by watch-once; a first round of
/// 20 short tasks done (so account `a` has usage against its soft cap), then 14 long
/// ones given by one dispatch pass, 10 more waiting in the inbox and one blocked behind
/// a claimed task.
fn pool_of_20() -> TestEnv {
    let env = queue_env();
    setup(&env, 20, 20, &[("app", 0), ("website", 1)], "");
    // No dedicated session: the pool's 20 are the whole status. A soft cap on `a`, so
    // the summary says how much of its 5-hour window is used.
    let dedicated = format!("  dedicated:\n    - name: main\n      project: {}\n", env.path("work").display());
    let home = format!("    home: {}\n", env.path("accounts/a").display());
    let config = std::fs::read_to_string(env.config_file())
        .unwrap()
        .replace(&dedicated, "")
        .replace(&home, &format!("{home}    limits: {{five_hour_messages: 100, weekly_messages: 2000}}\n"));
    assert!(!config.contains("name: main") && config.contains("five_hour_messages: 100"), "{config}");
    env.write_config(&config);
    let task = |name: &str, n: usize| {
        let project = if n.is_multiple_of(2) { "app" } else { "website" };
        add_task(&env, project, &format!("{name}-{n:02}.md"), &format!("---\ntitle: Task {n}\n---\nDo it.\n"));
    };
    ccfail(&env, &["watch-once"]).status(0);
    let all_idle = |what: &str| {
        wait_until(what, Duration::from_secs(120), || {
            ccfail(&env, &["watch-once"]);
            let json = ccfail(&env, &["status", "--json"]).json();
            let idle = json["summary"]["idle"].as_u64().unwrap();
            let claimed = json["summary"]["claimed"].as_u64().unwrap();
            if idle == 20 && claimed == 0 { Ok(()) } else { Err(format!("{:#}", json["summary"])) }
        });
    };
    all_idle("20 idle clients");
    (0..20).for_each(|n| task("warm-up", n));
    assert_eq!(ccfail(&env, &["dispatch", "--json"]).json()["pairs"].as_array().map_or(0, Vec::len), 20);
    all_idle("the 20 short tasks done");

    // Long turns: the dispatched sessions stay busy while the test looks at them.
    let config = std::fs::read_to_string(env.config_file()).unwrap().replace("work=0.3", "work=600");
    env.write_config(&config);
    (0..14).for_each(|n| task("refactor-billing", n));
    add_task(&env, "app", "deploy.md", "---\ntitle: Deploy\ndepends_on: [app:refactor-billing-00]\n---\nShip it.\n");
    let run = ccfail(&env, &["dispatch", "--json"]);
    let sent = run.json()["pairs"].as_array().map_or(0, Vec::len);
    assert_eq!(sent, 14, "{}", run.stdout());
    (14..24).for_each(|n| task("refactor-billing", n));
    env
}

#[test]
fn status_at_20_sessions_fits_80_and_200_columns() {
    let env = pool_of_20();
    wait_until("busy sessions", Duration::from_secs(60), || {
        let json = ccfail(&env, &["status", "--json"]).json();
        let busy = json["summary"]["busy"].as_u64().unwrap();
        if busy >= 14 { Ok(()) } else { Err(format!("{busy} busy: {:#}", json["summary"])) }
    });
    for columns in ["80", "200"] {
        let run = env.ccfail_with(&[("COLUMNS", columns)], &["status"]);
        run.status(0);
        let text = run.stdout();
        eprintln!("--- status at COLUMNS={columns}: {} lines\n{text}", text.lines().count());
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("active a · 20 sessions: "), "{first}");
        assert!(first.contains(" busy ") && first.contains(" idle"), "{first}");
        assert!(first.contains(" pending"), "{first}");
        let width: usize = columns.parse().unwrap();
        for line in text.lines().filter(|l| l.starts_with(['┌', '│', '├', '└', '╞'])) {
            assert!(line.chars().count() <= width, "a table line is wider than {width}:\n{line}\n{text}");
        }
        // No word is cut: every task key and session name shows whole.
        for n in 1..=20 {
            assert!(text.contains(&format!("│ w{n} ")), "w{n} whole:\n{text}");
        }
        assert!(first.contains("14 busy 6 idle") && first.contains("10 pending 14 claimed 1 blocked"), "{first}");
        assert!(
            first.contains(" · a: 5 h at ") && first.ends_with(" %"),
            "the 5-hour use of a against its cap: {first}"
        );
        let json = ccfail(&env, &["status", "--json"]).json();
        for session in json["sessions"].as_array().unwrap() {
            if let Some(task) = session["state"]["task"].as_str() {
                assert!(text.contains(task), "{task} is whole at {columns} columns:\n{text}");
            }
        }
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        env.ccfail_with(&[("COLUMNS", "80")], &["status"]).status(0);
        times.push(started.elapsed());
    }
    eprintln!("status wall time at 20 sessions (5 runs): {times:?}");
}

#[test]
fn status_watch_prints_a_new_status_each_interval_on_a_pipe() {
    let env = TestEnv::new();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    command.arg("--config").arg(env.config_file()).args(["status", "--watch", "1"]);
    env.seal(&mut command);
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let summaries = wait_until("two statuses", Duration::from_secs(20), || {
        seen.extend(lines.try_iter());
        let summaries = seen.iter().filter(|l| l.starts_with("active a · 3 sessions: ")).count();
        if summaries >= 2 { Ok(summaries) } else { Err(seen.join("\n")) }
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(summaries >= 2);
    assert!(!seen.iter().any(|l| l.contains('\x1b')), "no escape sequences on a pipe");
    let second = seen.iter().rposition(|l| l.starts_with("active a · ")).unwrap();
    assert_eq!(seen[second - 1], "", "a blank line before each new status");
    env.ccfail(&["status", "--watch", "0"]).status(2).stderr_has("--watch");
    env.ccfail(&["status", "--watch", "--json"]).status(2);
}

/// On a terminal (a tmux pane is one) the status is redrawn in place: after a swap
/// changes it, the screen holds the new status once, at the top, not a second copy
/// below the first.
#[test]
fn status_watch_redraws_in_place_on_a_terminal() {
    let env = TestEnv::new();
    let (pane, _) = env.shell_pane("console");
    let command = format!("{} --config {} status --watch 1", env!("CARGO_BIN_EXE_ccfail"), env.config_file().display());
    env.prompt(&pane, &command);
    env.wait_screen(&pane, "active a · 3 sessions");
    env.ccfail(&["swap", "--to", "b"]).status(0);
    let screen = env.wait_screen(&pane, "active b · 3 sessions");
    let summaries: Vec<&str> = screen.lines().filter(|l| l.starts_with("active ")).collect();
    assert_eq!(summaries.len(), 1, "one status on the screen:\n{screen}");
    assert!(screen.trim_start().starts_with("active b · "), "drawn from the top:\n{screen}");
    assert!(screen.contains("last swap:  a -> b"), "{screen}");
    env.tmux().send_keys(&pane, &["C-c"]).unwrap();
}

#[test]
fn log_shows_what_dispatch_watch_once_and_a_swap_recorded() {
    let env = queue_env();
    setup(&env, 2, 2, &[("app", 0)], "");
    add_task(&env, "app", "tests.md", "---\ntitle: Tests\n---\nRun them.\n");
    ccfail(&env, &["watch-once"]).status(0);
    wait_until("a dispatch", Duration::from_secs(60), || {
        let run = ccfail(&env, &["dispatch", "--json"]);
        let json = run.json();
        if json["pairs"].as_array().is_some_and(|p| !p.is_empty()) { Ok(()) } else { Err(format!("{json:#}")) }
    });
    wait_until("the task done", Duration::from_secs(60), || {
        ccfail(&env, &["watch-once"]);
        let log = ccfail(&env, &["log", "--kind", "task-done", "--json"]).json();
        if log["matched"] == 1 { Ok(()) } else { Err(format!("{log:#}")) }
    });
    ccfail(&env, &["swap", "--to", "b"]).status(0);

    let log = ccfail(&env, &["log", "--json"]).json();
    assert_eq!(log["version"], 1);
    let kinds: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    for kind in ["dispatched", "task-done", "swap-started", "swap-done"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let dispatched = log["entries"].as_array().unwrap().iter().find(|e| e["event"] == "dispatched").unwrap();
    assert_eq!(dispatched["task"], "app:tests");
    let worker = dispatched["session"].as_str().unwrap().to_owned();

    let swaps = ccfail(&env, &["log", "--kind", "swap", "--json"]).json();
    let done = swaps["entries"].as_array().unwrap().iter().find(|e| e["event"] == "swap-done").unwrap();
    assert_eq!(done["account"], "b");
    let outcomes: Vec<String> = done["data"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}: {}", s["session"].as_str().unwrap(), s["outcome"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(outcomes.len(), 2, "the two pool sessions (main was never started): {outcomes:?}");
    assert!(outcomes.iter().all(|o| o.contains(" on b")), "{outcomes:?}");

    let text = ccfail(&env, &["log", "--kind", "swap"]).status(0).stdout();
    eprintln!("--- ccfail log --kind swap\n{text}");
    assert!(text.contains("swap-done") && text.contains("w1: fresh start on b") && text.contains("w2: "), "{text}");

    let mine = ccfail(&env, &["log", "--session", &worker, "--json"]).json();
    assert!(mine["entries"].as_array().unwrap().iter().any(|e| e["event"] == "dispatched"), "{mine:#}");
    assert!(mine["entries"].as_array().unwrap().iter().any(|e| e["event"] == "swap-done"), "{mine:#}");
    let none = ccfail(&env, &["log", "--project", "elsewhere", "--json"]).json();
    assert_eq!(none["matched"], 0);
    assert_eq!(ccfail(&env, &["log", "--since", "1h", "--json"]).json()["matched"], log["matched"]);
    let future = ccfail(&env, &["log", "--since", "2999-01-01"]).status(0).stdout();
    assert_eq!(future, "no entry matches\n");
    ccfail(&env, &["log", "--since", "yesterday"]).status(2).stderr_has("neither a duration");
}

/// A state file of the version-1 build keeps its history in `state.json`: `log` shows it
/// as it is, the first run that saves moves it to `history.jsonl` beside it (once: a
/// second save moves nothing), and a line of that file torn by a crash is skipped with
/// one warning that names the file and the line.
#[test]
fn log_reads_an_older_states_history_and_the_first_save_moves_it() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let dir = env.path("state");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(dir.join("state.json"), include_str!("../fixtures/state/v1.json")).unwrap();
    let file = dir.join("history.jsonl");

    let before = env.ccfail(&["log", "--json"]).status(0).json();
    assert_eq!(before["kept"], 11, "{before:#}");
    assert_eq!(before["entries"][10]["event"], "task-blocked");
    assert!(!file.exists(), "log is read-only");

    for _ in 0..2 {
        env.ccfail(&["janitor"]).status(0);
        let state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap();
        assert_eq!(state.get("history"), None, "moved out of state.json: {state:#}");
        let history = env.history();
        assert_eq!(&history[..11], before["entries"].as_array().unwrap().as_slice(), "each entry once, in order");
        let after = env.ccfail(&["log", "--json"]).status(0).json();
        assert_eq!(after["kept"].as_u64().unwrap() as usize, history.len());
    }
    let moved = env.history().len();

    // A run killed in the middle of an append left half a line.
    let mut torn = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    std::io::Write::write_all(&mut torn, br#"{"at":"2026-12-02T00:00:0"#).unwrap();
    let run = env.ccfail(&["log", "--json"]);
    let log = run.status(0).json();
    assert_eq!(log["kept"].as_u64().unwrap() as usize, moved);
    let warning = format!("{}: line {} does not parse", file.display(), moved + 1);
    assert_eq!(run.stderr().matches(&warning).count(), 1, "one warning naming the line: {}", run.stderr());
    env.ccfail(&["log"]).status(0).stderr_has(&warning).stdout_has("task-blocked");

    // The file is the user's alone, and doctor says so when it is not.
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.ccfail(&["doctor"]).status(5).stdout_has(&format!("chmod 600 {}", file.display()));
}
