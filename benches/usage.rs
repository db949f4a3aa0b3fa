//! Usage benchmark: the incremental transcript scan on a large generated tree, beside
//! `cat` of the same tree in the same run, and checked against an independent count.
//!
//! Run: `cargo bench --bench usage` (tree size from `CCFAIL_BENCH_MB`, default 1024;
//! history span from `CCFAIL_BENCH_DAYS`, default 30: with 7 every file is recent and
//! the cold run reads the whole tree). The tree is made by
//! `scripts/gen_transcripts.py` under `target/bench-usage/tree-<N>m` (with
//! `-<D>d` appended for another span) and reused while its parameters are the same. Each
//! scan runs in a child process (this binary re-executed with `__scan`) so its wall
//! time includes start-up and its peak RSS is its own (`wait4`'s `ru_maxrss`):
//!
//! * cat: `find … -name '*.jsonl' -exec cat {} + > /dev/null`, after one warm-up pass;
//! * cold: no `usage.bin` yet (a fresh state dir per run);
//! * steady: `usage.bin` up to date and nothing new in the tree;
//! * steady placed: the same with every conversation in `state.placements`, each with
//!   the timeline's spans (so the independent count still applies), which makes every
//!   response go through the per-conversation attribution.
//!
//! The totals of the last cold run and of the steady runs are compared with
//! `scripts/count_usage.py`, which reads every file in full with Python's json module.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccfail::config::{Account, WeeklyReset};
use ccfail::paths::StatePaths;
use ccfail::state::{ActiveSpan, Placement, StateStore};
use ccfail::usage::{self, Owners, Totals, Window};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

const NOW: &str = "2026-11-21T10:00:00Z";
const COLD_RUNS: usize = 3;
const STEADY_RUNS: usize = 7;
const CAT_RUNS: usize = 3;
const GOAL_STEADY_MS: f64 = 50.0;
const GOAL_STEADY_MIB: f64 = 30.0;
const GOAL_COLD_VS_CAT: f64 = 2.0;

/// The accounts and who was active when: a rolling week, a week anchored in Paris, and
/// a start after the retention start so some responses are unattributed.
fn accounts() -> Vec<(&'static str, Option<&'static str>)> {
    vec![("a", None), ("b", Some("Mon 09:00 Europe/Paris")), ("c", None)]
}

fn timeline(now: DateTime<Utc>) -> Vec<ActiveSpan> {
    let span = |account: &str, ago: TimeDelta| ActiveSpan { account: account.to_owned(), since: now - ago };
    vec![
        span("a", TimeDelta::hours(7 * 24 + 12)),
        span("b", TimeDelta::days(5)),
        span("c", TimeDelta::hours(2 * 24 - 3)),
        span("a", TimeDelta::hours(9)),
        span("b", TimeDelta::hours(2)),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__scan") {
        scan_child(&args[2..]);
        return;
    }
    let now = DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339").with_timezone(&Utc);
    let megabytes: u64 = std::env::var("CCFAIL_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let days: u64 = std::env::var("CCFAIL_BENCH_DAYS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-usage");
    let tree = ensure_tree(&base, megabytes, days);
    let root = tree.join("projects");
    let (files, bytes) = tree_size(&root);

    let cat = median((0..=CAT_RUNS).map(|_| time_cat(&root)).skip(1).collect());
    let scratch = tempfile::tempdir_in(&base).expect("scratch dir");
    let mut cold = Vec::new();
    let mut last_state = PathBuf::new();
    let mut cold_output = Value::Null;
    for run in 0..COLD_RUNS {
        last_state = scratch.path().join(format!("state-{run}"));
        let (measured, output) = run_scan(&last_state, &root);
        cold.push(measured);
        cold_output = output;
    }
    let mut steady = Vec::new();
    let mut steady_output = Value::Null;
    for _ in 0..STEADY_RUNS {
        let (measured, output) = run_scan(&last_state, &root);
        steady.push(measured);
        steady_output = output;
    }
    let placements_file = scratch.path().join("placements.json");
    let placed_count = write_placements(&root, now, &placements_file);
    let mut placed = Vec::new();
    let mut placed_output = Value::Null;
    for _ in 0..STEADY_RUNS {
        let (measured, output) = run_scan_placed(&last_state, &root, Some(&placements_file));
        placed.push(measured);
        placed_output = output;
    }
    let usage_file_bytes = fs::metadata(StatePaths::new(last_state).usage_file()).map_or(0, |m| m.len());

    let python_started = Instant::now();
    let independent = independent_count(&root, now);
    let python_time = python_started.elapsed();

    let cold_wall = median(cold.iter().map(|m| m.wall).collect());
    let cold_min = cold.iter().map(|m| m.wall).min().unwrap_or_default();
    let cold_cpu = median(cold.iter().map(|m| m.cpu).collect());
    let cold_rss = cold.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    let steady_wall = median(steady.iter().map(|m| m.wall).collect());
    let steady_min = steady.iter().map(|m| m.wall).min().unwrap_or_default();
    let steady_cpu = median(steady.iter().map(|m| m.cpu).collect());
    let steady_rss = steady.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    let placed_wall = median(placed.iter().map(|m| m.wall).collect());
    let placed_min = placed.iter().map(|m| m.wall).min().unwrap_or_default();
    let placed_cpu = median(placed.iter().map(|m| m.cpu).collect());
    let placed_rss = placed.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    let ratio = cold_wall.as_secs_f64() / cat.as_secs_f64();
    let steady_ms = steady_wall.as_secs_f64() * 1000.0;
    let steady_mib = steady_rss as f64 / 1024.0;

    println!("usage benchmark: {} ({files} files, {:.1} MiB), now {NOW}", tree.display(), mib(bytes));
    println!("{:<30} {:>10} {:>10} {:>10} {:>10}   goal", "", "wall", "min wall", "cpu", "peak RSS");
    println!("{:<30} {:>10} {:>10} {:>10} {:>10}", format!("cat of every file (x{CAT_RUNS})"), secs(cat), "", "", "-");
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>10}   <= {GOAL_COLD_VS_CAT}x cat: {:.2}x {}",
        format!("cold, no usage.bin (x{COLD_RUNS})"),
        secs(cold_wall),
        secs(cold_min),
        secs(cold_cpu),
        format!("{:.1} MiB", cold_rss as f64 / 1024.0),
        ratio,
        verdict(ratio <= GOAL_COLD_VS_CAT)
    );
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>10}   <= {GOAL_STEADY_MS} ms and <= {GOAL_STEADY_MIB} MiB {}",
        format!("steady, nothing new (x{STEADY_RUNS})"),
        millis(steady_wall),
        millis(steady_min),
        millis(steady_cpu),
        format!("{steady_mib:.1} MiB"),
        verdict(steady_ms <= GOAL_STEADY_MS && steady_mib <= GOAL_STEADY_MIB)
    );
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>10}   {placed_count} placements",
        format!("steady placed (x{STEADY_RUNS})"),
        millis(placed_wall),
        millis(placed_min),
        millis(placed_cpu),
        format!("{:.1} MiB", placed_rss as f64 / 1024.0),
    );
    println!(
        "(wall and cpu = median, peak RSS = max over the runs; each scan is a child process, start-up included; \
         load average {})",
        fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').take(3).collect::<Vec<_>>().join(" ")
    );
    let report = &cold_output["report"];
    println!(
        "cold read {:.1} MiB in {} of {} files; {} files not opened (last modified before the retention start); \
         in-process {} ms; usage.bin {:.1} KiB with {} responses",
        mib(report["bytes_read"].as_u64().unwrap_or(0)),
        report["files_read"],
        report["files_seen"],
        report["files_skipped_old"],
        cold_output["elapsed_ms"],
        usage_file_bytes as f64 / 1024.0,
        report["responses_kept"],
    );
    println!(
        "steady in-process {} ms: {} files unchanged, {} bytes read, saved: {}",
        steady_output["elapsed_ms"],
        steady_output["report"]["files_unchanged"],
        steady_output["report"]["bytes_read"],
        steady_output["report"]["saved"]
    );

    println!(
        "\nindependent count: scripts/count_usage.py ({:.1} s, every line parsed in full)",
        python_time.as_secs_f64()
    );
    let mut all_equal = true;
    for (label, output) in [("cold", &cold_output), ("steady", &steady_output), ("steady placed", &placed_output)] {
        let equal = ["retained", "unattributed", "accounts"].iter().all(|key| output[key] == independent[key]);
        all_equal &= equal;
        println!("  {label} totals equal to the independent count: {}", if equal { "yes" } else { "NO" });
        if !equal {
            for key in ["retained", "unattributed", "accounts"] {
                if output[key] != independent[key] {
                    println!("    {key}: ccfail {}\n    {key}: python {}", output[key], independent[key]);
                }
            }
        }
    }
    println!("  whole tree (python): {}", independent["tree"]);
    println!("  lines (python): {}", independent["lines"]);
    print_windows(&steady_output);
    if !all_equal {
        std::process::exit(1);
    }
}

/// The tree for `megabytes` over `days`, generated unless one with the same
/// parameters exists.
fn ensure_tree(base: &Path, megabytes: u64, days: u64) -> PathBuf {
    let name = if days == 30 { format!("tree-{megabytes}m") } else { format!("tree-{megabytes}m-{days}d") };
    let tree = base.join(&name);
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_transcripts.py");
    let params = [
        "--out".to_owned(),
        tree.display().to_string(),
        "--total-mb".to_owned(),
        megabytes.to_string(),
        "--days".to_owned(),
        days.to_string(),
        "--seed".to_owned(),
        "1".to_owned(),
        "--now".to_owned(),
        NOW.to_owned(),
    ];
    let stamp = base.join(format!("{name}.params"));
    let wanted = params.join(" ");
    if tree.join("projects").is_dir() && fs::read_to_string(&stamp).is_ok_and(|text| text.trim() == wanted) {
        return tree;
    }
    println!("generating {} with {} (about 25 s per GB) …", tree.display(), generator.display());
    let _ = fs::remove_dir_all(&tree);
    fs::create_dir_all(base).expect("create target/bench-usage");
    let status = Command::new("python3").arg(&generator).args(&params).status().expect("run python3");
    assert!(status.success(), "{} failed: {status}", generator.display());
    fs::write(&stamp, wanted).expect("write the tree's parameter stamp");
    tree
}

fn tree_size(root: &Path) -> (u64, u64) {
    let mut dirs = vec![root.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("list the tree").flatten() {
            let meta = entry.metadata().expect("stat");
            if meta.is_dir() {
                dirs.push(entry.path());
            } else if entry.file_name().to_string_lossy().ends_with(".jsonl") {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    (files, bytes)
}

fn time_cat(root: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg("find \"$1\" -name '*.jsonl' -exec cat {} + > /dev/null")
        .arg("sh")
        .arg(root)
        .status()
        .expect("run find/cat");
    assert!(status.success());
    started.elapsed()
}

struct Measured {
    wall: Duration,
    /// User + system CPU time: less disturbed than wall time by other work on the machine.
    cpu: Duration,
    peak_rss_kib: i64,
}

/// Every conversation of the tree (the main transcripts' names) placed with the
/// timeline's spans; returns how many placements.
fn write_placements(root: &Path, now: DateTime<Utc>, file: &Path) -> usize {
    let mut dirs = vec![root.to_path_buf()];
    let mut placements = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("list the tree").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "subagents" {
                    dirs.push(path);
                }
            } else if let Some(stem) =
                path.to_str().and_then(|p| p.strip_suffix(".jsonl")).and_then(|p| p.rsplit('/').next())
            {
                placements.extend(timeline(now).into_iter().map(|span| Placement {
                    session_id: stem.to_owned(),
                    account: span.account,
                    since: span.since,
                }));
            }
        }
    }
    fs::write(file, serde_json::to_vec(&placements).expect("placements serialize")).expect("write placements");
    placements.len()
}

fn run_scan(state_dir: &Path, root: &Path) -> (Measured, Value) {
    run_scan_placed(state_dir, root, None)
}

/// One scan in a child process: wall time, peak RSS and what it printed.
#[allow(clippy::zombie_processes, reason = "reaped by wait4, which also returns its own peak RSS")]
fn run_scan_placed(state_dir: &Path, root: &Path, placements: Option<&Path>) -> (Measured, Value) {
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("__scan")
        .arg(state_dir)
        .arg(root)
        .args(placements)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the scan child");
    let mut stdout = String::new();
    child.stdout.take().expect("piped stdout").read_to_string(&mut stdout).expect("read the child's output");
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; the pid is our own unreaped child.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &raw mut status, 0, &raw mut rusage) };
    let wall = started.elapsed();
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "scan child failed: {status}");
    let output = serde_json::from_str(&stdout).expect("the child prints JSON");
    let cpu = timeval(rusage.ru_utime) + timeval(rusage.ru_stime);
    (Measured { wall, cpu, peak_rss_kib: rusage.ru_maxrss }, output)
}

/// The child: one refresh under the state lock, then every account's windows, as JSON
/// in the shape `scripts/count_usage.py` prints.
fn scan_child(args: &[String]) {
    let (state_dir, root) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let now = DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339").with_timezone(&Utc);
    let started = Instant::now();
    let store = StateStore::new(StatePaths::new(state_dir), Duration::from_secs(5));
    let lock = store.lock().expect("state lock");
    let placements: Vec<Placement> = args.get(2).map_or_else(Vec::new, |file| {
        serde_json::from_slice(&fs::read(file).expect("read placements")).expect("placements parse")
    });
    let timeline = timeline(now);
    let owners = Owners { timeline: &timeline, placements: &placements };
    let refreshed = usage::refresh(&lock, &[root], &owners, now).expect("refresh");
    let snapshot = &refreshed.snapshot;
    let mut accounts_out = serde_json::Map::new();
    let mut windows_out = serde_json::Map::new();
    for (name, reset) in accounts() {
        let account = Account {
            name: name.to_owned(),
            weekly_reset: reset.map(|text| WeeklyReset::parse(text).expect("valid reset")),
            ..Account::default()
        };
        let windows = snapshot.windows(&account);
        accounts_out.insert(
            name.to_owned(),
            json!({
                "five_hour": windows.five_hour.as_ref().map(window_totals),
                "weekly": window_totals(&windows.weekly),
            }),
        );
        windows_out.insert(name.to_owned(), serde_json::to_value(&windows).expect("windows serialize"));
    }
    let elapsed_ms = started.elapsed().as_millis();
    let unattributed_totals = Totals::of(
        &snapshot.unattributed().iter().filter(|r| r.at_ms <= now.timestamp_millis()).copied().collect::<Vec<_>>(),
    );
    let out = json!({
        "elapsed_ms": elapsed_ms,
        "report": refreshed.report,
        "retained": totals_json(&snapshot.totals()),
        "unattributed": totals_json(&unattributed_totals),
        "accounts": accounts_out,
        "windows": windows_out,
    });
    println!("{out}");
}

fn window_totals(window: &Window) -> Value {
    let mut value = totals_json(&window.totals);
    value["start_ms"] = json!(window.start.timestamp_millis());
    value
}

fn totals_json(totals: &Totals) -> Value {
    json!({
        "messages": totals.messages,
        "input": totals.tokens.input,
        "output": totals.tokens.output,
        "cache_creation": totals.tokens.cache_creation,
        "cache_read": totals.tokens.cache_read,
    })
}

fn independent_count(root: &Path, now: DateTime<Utc>) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/count_usage.py");
    let timeline: Vec<(String, String)> =
        timeline(now).into_iter().map(|span| (span.account, span.since.to_rfc3339())).collect();
    let accounts: Vec<Value> =
        accounts().into_iter().map(|(name, reset)| json!({"name": name, "weekly_reset": reset})).collect();
    let output = Command::new("python3")
        .arg(&script)
        .arg("--tree")
        .arg(root)
        .args(["--now", NOW, "--timeline", &json!(timeline).to_string(), "--accounts", &json!(accounts).to_string()])
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/count_usage.py");
    assert!(output.status.success(), "{} failed", script.display());
    serde_json::from_slice(&output.stdout).expect("count_usage.py prints JSON")
}

fn print_windows(output: &Value) {
    println!("\nwindows as of {NOW} (no caps configured in the benchmark):");
    for (name, windows) in output["windows"].as_object().into_iter().flatten() {
        for (label, window) in [("5h", &windows["five_hour"]), ("week", &windows["weekly"])] {
            if window.is_null() {
                println!("  {name} {label:>4}: no current block");
                continue;
            }
            println!(
                "  {name} {label:>4}: from {} {} messages, {} tokens, {:.0} tokens/min, {:.0} messages/h",
                window["start"].as_str().unwrap_or("?"),
                window["totals"]["messages"],
                total_tokens(&window["totals"]),
                window["burn"]["tokens_per_minute"].as_f64().unwrap_or(0.0),
                window["burn"]["messages_per_hour"].as_f64().unwrap_or(0.0),
            );
        }
    }
}

fn total_tokens(totals: &Value) -> u64 {
    ["input", "output", "cache_creation", "cache_read"].iter().map(|k| totals[k].as_u64().unwrap_or(0)).sum()
}

fn timeval(value: libc::timeval) -> Duration {
    Duration::from_secs(value.tv_sec.max(0) as u64) + Duration::from_micros(value.tv_usec.max(0) as u64)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn secs(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}
