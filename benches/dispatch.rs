//! Dispatch benchmark: one `ccfail dispatch` pass over 50 projects x 200 tasks with a
//! pool of 20 idle sessions; wall time and tmux processes spawned.
//!
//! Run: `cargo bench --bench dispatch`. The pool's panes run a small fake client (a
//! shell script that draws the idle input box and, for each line typed, redraws it
//! with that line as the submitted prompt), so the figures are ccfail's own: scanning
//! 10,000 task files, one observe, one capture, the sends and the checks. tmux
//! processes are counted by a wrapper script standing in for the tmux binary that logs
//! every invocation before exec'ing the real tmux. Each round puts the claimed tasks
//! back and forgets the state, so every round dispatches 20 tasks. Set
//! `DISPATCH_BENCH_VERBOSE=1` to see ccfail's own stage timings (`-v`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ccfail::tmux::{NewSession, Tmux};

const PROJECTS: usize = 50;
const POOL: usize = 20;
const ROUNDS: usize = 7;
const ENTER_DELAY_MS: u64 = 20;

const FAKE_CLIENT: &str = r#"#!/bin/bash
rule=$(printf '─%.0s' $(seq 1 200))
draw() {
  printf '\033[H\033[2J'
  if [ -n "$1" ]; then printf '❯ %s\n\n● working on it\n\n' "$1"; fi
  printf '%s\n❯ \n%s\n  ? for shortcuts\n' "$rule" "$rule"
}
draw ""
while IFS= read -r line; do draw "$line"; done
"#;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let log = root.join("tmux-invocations.log");
    let wrapper = root.join("tmux-wrapper");
    write_exec(&wrapper, &format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec tmux \"$@\"\n", log.display()));
    let fake = root.join("fake-claude");
    write_exec(&fake, FAKE_CLIENT);
    let socket = root.join("bench.sock");

    for tasks in [20, 200] {
        let projects = root.join(format!("projects-{tasks}"));
        for p in 0..PROJECTS {
            let inbox = projects.join(format!("proj{p:02}/.agent-queue/inbox"));
            fs::create_dir_all(&inbox).unwrap();
            for t in 0..tasks {
                let priority = ["critical", "high", "default", "low"][t % 4];
                fs::write(
                    inbox.join(format!("task{t:03}.md")),
                    format!(
                        "---\ntitle: Task {t} of project {p}\npriority: {priority}\ntags: []\n---\n# Task\n\nDo it.\n"
                    ),
                )
                .unwrap();
            }
        }
    }

    let tmux = Tmux::new("tmux", Some(socket.clone()), Duration::from_millis(0));
    for i in 1..=POOL {
        let name = format!("pool-{i}");
        tmux.new_session(&NewSession {
            name: &name,
            cwd: Some(root),
            env: vec![("PS1".to_owned(), "$ ".to_owned())],
            command: Some("bash --norc --noprofile"),
            width: 200,
            height: 50,
        })
        .expect("create session");
        let pane = tmux.observe().unwrap().session_pane(&name).unwrap().pane_id.clone();
        tmux.send_line(&pane, &fake.display().to_string()).unwrap();
    }
    for i in 1..=POOL {
        let pane = tmux.observe().unwrap().session_pane(&format!("pool-{i}")).unwrap().pane_id.clone();
        tmux.wait_for(&pane, Duration::from_secs(10), |s| s.contains("? for shortcuts")).expect("fake client drawn");
    }

    println!(
        "dispatch benchmark: {PROJECTS} projects, pool of {POOL}, enter_delay {ENTER_DELAY_MS}ms, median of {ROUNDS} rounds"
    );
    for tasks in [20, 200] {
        let projects = root.join(format!("projects-{tasks}"));
        let config = root.join(format!("config-{tasks}.yaml"));
        let mut text = format!(
            "accounts:\n  - name: a\n    home: {r}/account\nclaude:\n  binary: /bin/false\ntmux:\n  binary: {w}\n  socket: {s}\n  enter_delay: {ENTER_DELAY_MS}ms\npool:\n  autonomous:\n    prefix: pool-\n    max: {POOL}\nstate:\n  dir: {r}/state-{tasks}\ndispatch:\n  session_cooldown: 0s\n  models: {{critical: null, high: null, default: null, low: null}}\nprojects:\n  list:\n",
            r = root.display(),
            w = wrapper.display(),
            s = socket.display(),
        );
        for p in 0..PROJECTS {
            text.push_str(&format!("    - {{path: {}/proj{p:02}, priority: {}}}\n", projects.display(), p % 3));
        }
        fs::write(&config, text).unwrap();

        let mut times = Vec::new();
        let mut spawned = Vec::new();
        let mut sent = 0;
        for _ in 0..ROUNDS {
            reset(root, &projects, tasks);
            let before = log_lines(&log);
            let started = Instant::now();
            let verbose = if std::env::var_os("DISPATCH_BENCH_VERBOSE").is_some() { "-v" } else { "-q" };
            let out = Command::new(env!("CARGO_BIN_EXE_ccfail"))
                .args(["--config", config.to_str().unwrap(), verbose, "dispatch", "--json"])
                .env("HOME", root)
                .output()
                .expect("run ccfail");
            if verbose == "-v" {
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
            }
            times.push(started.elapsed());
            spawned.push(log_lines(&log) - before);
            assert!(out.status.success(), "dispatch failed: {}", String::from_utf8_lossy(&out.stderr));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            sent = report["pairs"].as_array().unwrap().iter().filter(|p| p["outcome"] == "sent").count();
        }
        // A pass with every session busy: only the scan and the plan.
        let before = log_lines(&log);
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ccfail"))
            .args(["--config", config.to_str().unwrap(), "dispatch"])
            .env("HOME", root)
            .output()
            .unwrap();
        let busy_time = started.elapsed();
        let busy_spawned = log_lines(&log) - before;
        assert!(out.status.success());
        times.sort();
        spawned.sort_unstable();
        println!(
            "  {:>5} tasks: dispatch of {sent} tasks to {POOL} sessions {:>7.1} ms, {} tmux processes (min {} max {}); \
             pass with no free session {:>6.1} ms, {busy_spawned} tmux processes",
            PROJECTS * tasks,
            ms(times[ROUNDS / 2]),
            spawned[ROUNDS / 2],
            spawned[0],
            spawned[ROUNDS - 1],
            ms(busy_time),
        );
    }
    tmux.kill_server().ok();
}

/// Puts every claimed task back and forgets the claims: a fresh round.
fn reset(root: &Path, projects: &Path, tasks: usize) {
    // state.json only: the task head cache beside it is what a steady timer finds.
    let _ = fs::remove_file(root.join(format!("state-{tasks}/state.json")));
    for project in fs::read_dir(projects).unwrap().filter_map(Result::ok) {
        let inbox = project.path().join(".agent-queue/inbox");
        for entry in fs::read_dir(&inbox).unwrap().filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(task) = name.strip_suffix(".dispatched") {
                fs::rename(entry.path(), inbox.join(task)).unwrap();
            }
        }
    }
}

fn write_exec(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn log_lines(log: &Path) -> usize {
    fs::read_to_string(log).map_or(0, |text| text.lines().count())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
