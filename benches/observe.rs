//! Observe benchmark: tmux processes spawned and wall time of one observe (list-panes)
//! plus one batched capture of 20 sessions, beside the naive 20 x (has-session +
//! capture-pane) in the same run.
//!
//! Run: `cargo bench --bench observe`. Processes are counted twice: by ccfail's own
//! spawn counter and, independently, by a wrapper script standing in for the tmux
//! binary that logs every invocation before exec'ing the real tmux.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use ccfail::tmux::{NewSession, Tmux};

const SESSIONS: usize = 20;
const ROUNDS: usize = 30;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("tmux-invocations.log");
    let wrapper = dir.path().join("tmux-wrapper");
    fs::write(&wrapper, format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec tmux \"$@\"\n", log.display())).unwrap();
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux::new(&wrapper, Some(dir.path().join("bench.sock")), Duration::from_millis(0));

    let names: Vec<String> = (1..=SESSIONS).map(|i| format!("bench-{i}")).collect();
    for name in &names {
        tmux.new_session(&NewSession { name, cwd: Some(dir.path()), command: Some("cat"), ..Default::default() })
            .expect("create session");
    }

    // One observe + one batched capture of every pane.
    let (spawned, logged, batched) = measure(&tmux, &log, || {
        let observation = tmux.observe().expect("observe");
        let panes: Vec<&str> = observation.panes.iter().map(|p| p.pane_id.as_str()).collect();
        assert_eq!(panes.len(), SESSIONS);
        let captures = tmux.capture(&panes, 0).expect("capture");
        assert_eq!(captures.len(), SESSIONS);
    });
    // What a script does: ask for each session, then capture it.
    let (naive_spawned, naive_logged, naive) = measure(&tmux, &log, || {
        for name in &names {
            assert!(tmux.has_session(name).expect("has-session"));
            tmux.capture_one(&format!("={name}:")).expect("capture-pane");
        }
    });

    println!("observe benchmark: {SESSIONS} sessions, median of {ROUNDS} rounds");
    println!(
        "  observe + batched capture : {:>3} tmux processes per round (wrapper log: {logged}), {:>8.2} ms",
        spawned,
        ms(batched)
    );
    println!(
        "  20 x (has-session+capture): {:>3} tmux processes per round (wrapper log: {naive_logged}), {:>8.2} ms",
        naive_spawned,
        ms(naive)
    );
    println!("  speed-up: {:.1}x", naive.as_secs_f64() / batched.as_secs_f64());
    tmux.kill_server().ok();
}

/// Runs `round` ROUNDS times; returns processes per round (counter and wrapper log)
/// and the median wall time.
fn measure(tmux: &Tmux, log: &Path, round: impl Fn()) -> (usize, usize, Duration) {
    let mut times = Vec::with_capacity(ROUNDS);
    let spawned_before = tmux.spawned();
    let logged_before = log_lines(log);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        round();
        times.push(started.elapsed());
    }
    times.sort();
    let spawned = (tmux.spawned() - spawned_before) / ROUNDS;
    let logged = (log_lines(log) - logged_before) / ROUNDS;
    (spawned, logged, times[ROUNDS / 2])
}

fn log_lines(log: &Path) -> usize {
    fs::read_to_string(log).map_or(0, |text| text.lines().count())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
