//! `ccfail hook` time per event: the whole process, as Claude Code runs it (spawn,
//! read the payload on stdin, append to the spool, exit).
//!
//! Run: `cargo bench --bench hook`. Prints the median and 95th percentile over 200
//! runs, with `--spool` (what `hooks install` writes) and without it (the config is
//! read to find the state dir), beside `/bin/true` spawned the same way.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 200;
const PAYLOAD: &str = r#"{"session_id":"f1233489-f73c-477d-9fc0-25246be94d78","transcript_path":"/x/f1233489.jsonl","cwd":"/home/op01/work","hook_event_name":"StopFailure","error":"rate_limit","last_assistant_message":"You've hit your limit · resets 8am (UTC)"}"#;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spool = dir.path().join("state/events.jsonl");
    // `hooks install` makes the state dir; the hook only appends where it exists.
    std::fs::create_dir(dir.path().join("state")).expect("state dir");
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        format!("accounts:\n  - name: a\n    home: {0}/a\nstate:\n  dir: {0}/state\n", dir.path().display()),
    )
    .unwrap();
    let ccfail = env!("CARGO_BIN_EXE_ccfail");
    let with_spool = time(|| run(Command::new(ccfail).args(["hook", "--spool"]).arg(&spool)));
    let with_config = time(|| run(Command::new(ccfail).arg("--config").arg(&config).arg("hook")));
    let baseline = time(|| run(&mut Command::new("/bin/true")));
    let lines = std::fs::read_to_string(&spool).unwrap().lines().count();
    assert_eq!(lines, 2 * RUNS, "every run appended one event");
    println!("ccfail hook, {RUNS} runs each (whole process, payload on stdin):");
    report("hook --spool PATH", &with_spool);
    report("hook (spool from config)", &with_config);
    report("/bin/true (spawn floor)", &baseline);
    println!("  spool lines written: {lines}");
}

fn run(command: &mut Command) {
    let mut child = command
        .env("TMUX_PANE", "%1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let _ = child.stdin.take().expect("stdin").write_all(PAYLOAD.as_bytes());
    assert!(child.wait().expect("wait").success());
}

fn time(mut once: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            once();
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn report(label: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {label:<28} median {:>6.2} ms   p95 {:>6.2} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100])
    );
}
