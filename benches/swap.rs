//! Swap benchmark: a pool of 20 idle stand-in clients (`examples/claude`) swapped from
//! account a to b and back, with `swap.parallel: 1` (one session after another, as
//! before) and with the default bound; wall time of each `ccfail swap`, and the
//! progress lines (`-v`: with the timings of each step) of the first swap of each
//! series and of the pool start (`watch-once` creating the 20 sessions).
//!
//! Run: `cargo build --examples && cargo bench --bench swap`. Everything lives in a
//! temp dir with a private tmux socket; `HOME` points there, so no real `~/.claude` is
//! touched. `SWAP_BENCH_ROUNDS` (default 3) swaps per series; `SWAP_BENCH_ENTER_DELAY`
//! (default 50ms, as the tests use) is `tmux.enter_delay`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const POOL: usize = 20;

fn main() {
    let standin = standin();
    let rounds: usize = std::env::var("SWAP_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let enter_delay = std::env::var("SWAP_BENCH_ENTER_DELAY").unwrap_or_else(|_| "50ms".to_owned());
    let dir = tempfile::Builder::new().prefix("ccfail-swap-bench-").tempdir().expect("temp dir");
    let root = dir.path();
    for sub in ["home", "accounts/a", "accounts/b", "shared", "work", "state", "tmp"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    fs::set_permissions(root.join("state"), fs::Permissions::from_mode(0o700)).unwrap();
    for account in ["a", "b"] {
        fs::write(root.join(format!("accounts/{account}/.credentials.json")), "{}").unwrap();
        let trust = serde_json::json!({ "projects": { root.join("work").display().to_string(): { "hasTrustDialogAccepted": true } } });
        fs::write(root.join(format!("accounts/{account}/.claude.json")), trust.to_string()).unwrap();
    }
    std::os::unix::fs::symlink(root.join("accounts/a"), root.join("home/.claude")).unwrap();
    let config = |parallel: usize| {
        format!(
            "accounts:\n  - name: a\n    home: {r}/accounts/a\n  - name: b\n    home: {r}/accounts/b\n    priority: 1\n\
             claude:\n  binary: {c}\n  active_link: {r}/home/.claude\n  shared:\n    root: {r}/shared\n\
             tmux:\n  socket: {r}/tmux.sock\n  enter_delay: {enter_delay}\n\
             pool:\n  autonomous:\n    prefix: w\n    start_index: 1\n    min: {POOL}\n    max: {POOL}\n    workdir: {r}/work\n\
             state:\n  dir: {r}/state\n\
             swap:\n  stop_timeout: 15s\n  start_timeout: 60s\n  parallel: {parallel}\n",
            r = root.display(),
            c = standin.display(),
        )
    };
    let default_bound = 4;
    fs::write(root.join("config.yaml"), config(default_bound)).unwrap();
    let run = |args: &[&str]| -> (Output, Duration) {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ccfail"))
            .arg("--config")
            .arg(root.join("config.yaml"))
            .args(args)
            .env_clear()
            .env("HOME", root.join("home"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("XDG_CONFIG_HOME", root.join("home/.config"))
            .env("XDG_STATE_HOME", root.join("home/.local/state"))
            .env("TMUX_TMPDIR", root.join("tmp"))
            .env("LANG", "C.UTF-8")
            .current_dir(root)
            .output()
            .expect("run ccfail");
        (out, started.elapsed())
    };

    let (out, _) = run(&["doctor", "--fix"]);
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 5), "doctor: {}", text(&out.stderr));
    let (out, took) = run(&["-v", "watch-once"]);
    assert!(out.status.success(), "pool start failed: {}{}", text(&out.stdout), text(&out.stderr));
    println!(
        "swap benchmark: a pool of {POOL} idle stand-in clients, enter_delay {enter_delay}, {rounds} swaps per series"
    );
    println!(
        "pool start (watch-once creating {POOL} sessions, swap.parallel {default_bound}): {:.1} s",
        took.as_secs_f64()
    );
    print_lines(&out.stderr);

    let mut on = "a";
    let mut series = Vec::new();
    for parallel in [1, default_bound] {
        fs::write(root.join("config.yaml"), config(parallel)).unwrap();
        let mut times = Vec::new();
        for round in 0..rounds {
            on = if on == "a" { "b" } else { "a" };
            let (out, took) = run(&["-v", "swap", "--to", on, "--json"]);
            assert!(out.status.success(), "swap to {on} failed: {}{}", text(&out.stdout), text(&out.stderr));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("swap --json");
            let sessions = report["sessions"].as_array().expect("sessions");
            assert_eq!(sessions.len(), POOL, "{report:#}");
            assert!(sessions.iter().all(|s| s["outcome"] == format!("fresh start on {on}")), "{report:#}");
            if round == 0 {
                println!("first swap with swap.parallel {parallel} (-v):");
                print_lines(&out.stderr);
            }
            times.push(took);
        }
        series.push((parallel, times));
    }
    println!("wall time of `ccfail swap` of {POOL} sessions:");
    for (parallel, times) in &series {
        let secs: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
        let mean = secs.iter().sum::<f64>() / secs.len() as f64;
        let list: Vec<String> = secs.iter().map(|s| format!("{s:.1}")).collect();
        println!(
            "  swap.parallel {parallel}: runs {} s; mean {mean:.1} s, min {:.1} s, max {:.1} s",
            list.join(", "),
            secs.iter().copied().fold(f64::INFINITY, f64::min),
            secs.iter().copied().fold(0.0, f64::max)
        );
    }
    let _ = Command::new("tmux").arg("-S").arg(root.join("tmux.sock")).arg("kill-server").status();
}

/// The stand-in: `SWAP_BENCH_CLAUDE`, else the one `cargo build --examples` made.
fn standin() -> PathBuf {
    if let Some(path) = std::env::var_os("SWAP_BENCH_CLAUDE") {
        return PathBuf::from(path);
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    ["release", "debug"]
        .iter()
        .map(|profile| target.join(profile).join("examples/claude"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("the stand-in is not built: run `cargo build --examples` first"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn print_lines(stderr: &[u8]) {
    for line in text(stderr).lines() {
        println!("    {line}");
    }
}
