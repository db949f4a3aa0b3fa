//! A simulated day: the real ccfail binary and the stand-in client (`examples/claude`)
//! keep a pool of 20 sessions working on a steady, seeded stream of tasks across three
//! accounts with different budgets, the timers' commands run in loops at a compressed
//! cadence, and the same day is run once per placement configuration:
//!
//! * `baseline`: `placement.policy: fill`, `placement.return: never` (the old swap of the
//!   whole pool, staying where it went);
//! * `fill`: `policy: fill`, `return: on_reset`;
//! * `spread`: `policy: spread`, `return: on_reset`.
//!
//! Time: 1 simulated hour = 12 s real (1 real second = 5 simulated minutes), so the
//! 5-hour window is 60 s real, aligned to real minutes (the stand-in's windows are
//! multiples of `window_seconds` since the epoch; the limit screen's minute-resolution
//! reset is then exact). Every duration of the config that is a span of the simulated
//! world (quota and placement cooldowns, watch and janitor ages, the dispatch cooldown)
//! is divided by 300; process timeouts (stop, start, submit) are not, and the stall
//! thresholds are 3 and 6 simulated hours instead of 30 and 60 minutes, because a
//! stand-in task is one silent request (no transcript growth) where a real one writes
//! its transcript as it goes. The timers run one after another in one loop (quota-check,
//! watch-once, dispatch; janitor every simulated hour) as fast as they run, because
//! their compressed periods (0.1, 0.1 and 0.2 s) are shorter than one run; the notes
//! under the table give the cycle that resulted, in real seconds and simulated minutes.
//!
//! Accounts `a`, `b`, `c` allow 40, 25 and 15 turns per window (`--budgets`). A task is
//! one turn of the stand-in whose length (15 to 60 simulated minutes) rides in its
//! title as `[standin work=S]` (a turn without it, such as the continue prompt after a
//! move, works for the mean, 37.5 minutes); tasks arrive one per `--every` simulated minutes on
//! average (uniform jitter of ±50%), from `--seed`.
//!
//! Every figure is measured, up to the day's end: tasks done = `task-done` events in
//! ccfail's history; blocked = simulated minutes from a refused turn (the stand-in's log, `mode:
//! limit`) in a pool session to that session's next accepted turn, or the day's end;
//! moves = the sessions of every `swap-done` and `move-done` (placement's partial move)
//! in ccfail's history; re-sent = starts with `--resume` on another account than the one
//! the conversation last ran on (stand-in log); swaps = `swap-done` events; starts on
//! another account = client starts of a session on another account than its previous
//! client (stand-in log: moves, and under spread also the fresh start after a task that
//! placement puts elsewhere).
//!
//! Run: `cargo build --release --bin ccfail --example claude && cargo bench --bench day`
//! (or `cargo build --examples` and the debug stand-in). Flags after `--`: `--hours H`
//! (default 24), `--seed N` (1), `--policies baseline,fill,spread`, `--every M` (5),
//! `--budgets 40,25,15`, `--keep` (keep the temp dirs and print them; each then holds `runs.jsonl`, the output
//! of every ccfail run, and `day.json`, the day's start and end). Everything lives
//! in temp dirs with a private tmux socket; `HOME` points there.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const POOL: usize = 20;
/// Real seconds per simulated hour.
const HOUR: f64 = 12.0;
/// Simulated minutes per real second.
const SIM_MIN_PER_SEC: f64 = 60.0 / HOUR;
/// Simulated durations are divided by this to get real ones.
const SCALE: f64 = 3600.0 / HOUR;
const ACCOUNTS: [&str; 3] = ["a", "b", "c"];

struct Args {
    hours: f64,
    seed: u64,
    policies: Vec<String>,
    every: f64,
    budgets: Vec<u32>,
    keep: bool,
}

fn args() -> Args {
    let mut args = Args {
        hours: 24.0,
        seed: 1,
        policies: vec!["baseline".into(), "fill".into(), "spread".into()],
        every: 5.0,
        budgets: vec![40, 25, 15],
        keep: false,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        let value = raw.get(i + 1).cloned().unwrap_or_default();
        let mut took = true;
        match raw[i].as_str() {
            "--hours" => args.hours = value.parse().expect("--hours: a number of simulated hours"),
            "--seed" => args.seed = value.parse().expect("--seed: an integer"),
            "--policies" => args.policies = value.split(',').map(str::to_owned).collect(),
            "--every" => args.every = value.parse().expect("--every: simulated minutes between tasks"),
            "--budgets" => {
                args.budgets = value.split(',').map(|b| b.parse().expect("--budgets: a,b,c turns")).collect();
                assert_eq!(args.budgets.len(), 3, "--budgets: three numbers, for a, b and c");
            }
            "--keep" => {
                args.keep = true;
                took = false;
            }
            _ => took = false, // `--bench` from cargo, and anything else
        }
        i += if took { 2 } else { 1 };
    }
    for policy in &args.policies {
        assert!(["baseline", "fill", "spread"].contains(&policy.as_str()), "unknown policy {policy}");
    }
    args
}

/// A task of the seeded stream: when it arrives (real seconds after the day's start) and
/// how long its turn works (real seconds).
#[derive(Clone, Copy)]
struct Task {
    at: f64,
    work: f64,
}

/// The day's tasks from `seed` (a 64-bit LCG, so the stream is the same everywhere).
fn tasks(seed: u64, hours: f64, every_min: f64) -> Vec<Task> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let end = hours * HOUR;
    let mut out = Vec::new();
    let mut at = 0.0;
    loop {
        at += every_min / SIM_MIN_PER_SEC * (0.5 + next());
        if at >= end {
            return out;
        }
        let work_min = 15.0 + 45.0 * next();
        out.push(Task { at, work: work_min / SIM_MIN_PER_SEC });
    }
}

/// A real duration for a simulated one, in ccfail's duration syntax.
fn scaled(sim_seconds: f64) -> String {
    format!("{}ms", ((sim_seconds / SCALE) * 1000.0).round().max(1.0) as u64)
}

struct Sandbox {
    /// `None` once kept (`--keep`): the dir outlives the run.
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    standin: PathBuf,
}

impl Sandbox {
    fn root(&self) -> &Path {
        &self.root
    }

    fn new(policy: &str, budgets: &[u32], keep: bool) -> Sandbox {
        let dir = tempfile::Builder::new().prefix("ccfail-day-").tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let dir = if keep {
            let _ = dir.keep();
            None
        } else {
            Some(dir)
        };
        let sandbox = Sandbox { dir, root, standin: standin() };
        let root = sandbox.root().to_path_buf();
        for sub in ["home", "shared", "proj/.agent-queue/inbox", "state", "tmp", "incoming"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        fs::set_permissions(root.join("state"), fs::Permissions::from_mode(0o700)).unwrap();
        for (account, turns) in ACCOUNTS.iter().zip(budgets) {
            let home = root.join("accounts").join(account);
            fs::create_dir_all(&home).unwrap();
            fs::write(home.join(".credentials.json"), "{}").unwrap();
            let trust = serde_json::json!({ "projects": { root.join("proj").display().to_string(): { "hasTrustDialogAccepted": true } } });
            fs::write(home.join(".claude.json"), trust.to_string()).unwrap();
            let control = serde_json::json!({
                "version": "2.1.332",
                "reply": "Done.",
                // a turn without its task's length (a continue prompt) works as long as
                // the mean task: 37.5 simulated minutes
                "work_seconds": 37.5 / SIM_MIN_PER_SEC,
                "idle_notification_seconds": 3600,
                "budget": {"turns": turns, "window_seconds": (5.0 * HOUR) as u64, "warn_at": 0.8},
                "log": root.join("standin.jsonl"),
            });
            fs::write(home.join("standin.json"), control.to_string()).unwrap();
        }
        std::os::unix::fs::symlink(root.join("accounts/a"), root.join("home/.claude")).unwrap();
        let (placement_policy, placement_return) = match policy {
            "baseline" => ("fill", "never"),
            "fill" => ("fill", "on_reset"),
            _ => ("spread", "on_reset"),
        };
        let config = format!(
            "accounts:
  - name: a
    home: {r}/accounts/a
  - name: b
    home: {r}/accounts/b
    priority: 1
  - name: c
    home: {r}/accounts/c
    priority: 2
claude:
  binary: {claude}
  active_link: {r}/home/.claude
  shared:
    root: {r}/shared
tmux:
  socket: {r}/tmux.sock
  enter_delay: 50ms
pool:
  autonomous:
    prefix: w
    start_index: 1
    min: {POOL}
    max: {POOL}
    workdir: {r}/proj
projects:
  list: [{{path: {r}/proj}}]
state:
  dir: {r}/state
  lock_wait: 5s
quota:
  cooldown: {quota_cooldown}
  timezone: UTC
swap:
  stop_timeout: 15s
  start_timeout: 60s
dispatch:
  session_cooldown: {session_cooldown}
  models: {{critical: null, high: null, default: null, low: null}}
  prompt: \"Read the task file {{task_path}} and carry it out (task {{id}}: {{title}}). Stop when it is done.\"
watch:
  idle_grace: {idle_grace}
  stall_after: {stall_after}
  restart_after: {restart_after}
janitor:
  orphan_after: {orphan_after}
placement:
  policy: {placement_policy}
  return: {placement_return}
  cooldown: {placement_cooldown}
",
            r = root.display(),
            claude = sandbox.standin.display(),
            quota_cooldown = scaled(5.0 * 60.0),
            session_cooldown = scaled(30.0),
            idle_grace = scaled(30.0),
            stall_after = scaled(3.0 * 3600.0),
            restart_after = scaled(6.0 * 3600.0),
            orphan_after = scaled(10.0 * 60.0),
            placement_cooldown = scaled(30.0 * 60.0),
        );
        fs::write(root.join("config.yaml"), config).unwrap();
        sandbox
    }

    fn ccfail(&self, args: &[&str]) -> Output {
        let root = self.root();
        Command::new(env!("CARGO_BIN_EXE_ccfail"))
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
            .env("TZ", "UTC")
            .current_dir(root)
            .output()
            .expect("run ccfail")
    }

    /// Drops task `n` into the inbox: written beside it, then renamed in whole.
    fn drop_task(&self, n: usize, task: &Task) {
        let id = format!("t{n:04}");
        let text = format!("---\ntitle: \"{id} [standin work={:.2}]\"\n---\nSimulated work.\n", task.work);
        let staged = self.root().join("incoming").join(format!("{id}.md"));
        fs::write(&staged, text).unwrap();
        fs::rename(&staged, self.root().join("proj/.agent-queue/inbox").join(format!("{id}.md"))).unwrap();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(self.root().join("tmux.sock")).arg("kill-server").status();
    }
}

/// What one timer loop saw: runs, exit codes, time spent.
#[derive(Default)]
struct TimerStats {
    runs: u32,
    codes: BTreeMap<i32, u32>,
    busy: Duration,
    longest: Duration,
    /// The first stderr of each non-zero exit code, for the notes.
    first_errors: BTreeMap<i32, String>,
}

impl TimerStats {
    fn run(&mut self, sandbox: &Sandbox, command: &str) {
        let started = Instant::now();
        let started_ms = epoch_ms();
        let out = sandbox.ccfail(&[command]);
        let took = started.elapsed();
        if sandbox.dir.is_none() {
            // kept: every run's output, for reading what ccfail did when
            let entry = serde_json::json!({
                "t": started_ms, "command": command, "seconds": took.as_secs_f64(),
                "code": out.status.code(), "stdout": text(&out.stdout), "stderr": text(&out.stderr),
            });
            let mut file =
                fs::OpenOptions::new().create(true).append(true).open(sandbox.root().join("runs.jsonl")).unwrap();
            std::io::Write::write_all(&mut file, format!("{entry}\n").as_bytes()).unwrap();
        }
        self.runs += 1;
        let code = out.status.code().unwrap_or(-1);
        *self.codes.entry(code).or_default() += 1;
        self.busy += took;
        self.longest = self.longest.max(took);
        if code != 0 {
            self.first_errors.entry(code).or_insert_with(|| {
                String::from_utf8_lossy(&out.stderr).lines().take(3).collect::<Vec<_>>().join(" | ")
            });
        }
    }
}

/// The timers, one after another as fast as they run (their compressed periods, 0.1 s
/// for quota-check and watch-once and 0.2 s for dispatch, are shorter than a run), so
/// they never wait for each other's state lock; janitor once per simulated hour.
fn timer_loop(sandbox: &Sandbox, stop: &AtomicBool) -> Vec<(String, TimerStats)> {
    let names = ["quota-check", "watch-once", "dispatch", "janitor"];
    let mut stats: Vec<TimerStats> = names.iter().map(|_| TimerStats::default()).collect();
    let mut janitor_due = Instant::now();
    let mut cycles = 0u32;
    let started = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        for (i, name) in names.iter().enumerate().take(3) {
            stats[i].run(sandbox, name);
        }
        if Instant::now() >= janitor_due {
            stats[3].run(sandbox, "janitor");
            janitor_due += Duration::from_secs_f64(HOUR);
        }
        cycles += 1;
    }
    let mut out: Vec<(String, TimerStats)> = names.iter().map(|n| (*n).to_owned()).zip(stats).collect();
    let cycle = started.elapsed().as_secs_f64() / f64::from(cycles.max(1));
    out.push((
        format!("cycle (all three): {cycles} cycles, {cycle:.2} s real = {:.1} sim min each", cycle * SIM_MIN_PER_SEC),
        TimerStats::default(),
    ));
    out
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// The figures of one configuration's day.
struct Day {
    policy: String,
    tasks_arrived: usize,
    done: usize,
    failed: usize,
    blocked_min: f64,
    refusals: usize,
    moves: usize,
    resent: usize,
    swaps: usize,
    history_moves: usize,
    answered: usize,
    done_unanswered: Vec<String>,
    events: BTreeMap<String, usize>,
    timers: Vec<(String, TimerStats)>,
    pool_start: Duration,
    real: Duration,
}

fn run_day(policy: &str, args: &Args, stream: &[Task]) -> Day {
    let sandbox = Sandbox::new(policy, &args.budgets, args.keep);
    if args.keep {
        println!("{policy}: sandbox {}", sandbox.root().display());
    }
    let out = sandbox.ccfail(&["doctor", "--fix"]);
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 5), "doctor: {}", text(&out.stderr));
    let started = Instant::now();
    let out = sandbox.ccfail(&["watch-once"]);
    assert!(out.status.success(), "pool start failed: {}{}", text(&out.stdout), text(&out.stderr));
    let pool_start = started.elapsed();
    // the day starts at a window boundary (a real minute), so every configuration sees the
    // same windows relative to its tasks
    let window_ms = (5.0 * HOUR * 1000.0) as i64;
    let wait = window_ms - epoch_ms().rem_euclid(window_ms);
    std::thread::sleep(Duration::from_millis(wait as u64));
    let day_start_ms = epoch_ms();
    let day_start = Instant::now();
    let day_len = Duration::from_secs_f64(args.hours * HOUR);

    let stop = AtomicBool::new(false);
    let timers = std::thread::scope(|scope| {
        let timers = scope.spawn(|| timer_loop(&sandbox, &stop));
        for (n, task) in stream.iter().enumerate() {
            let due = day_start + Duration::from_secs_f64(task.at);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            sandbox.drop_task(n, task);
        }
        if let Some(rest) = (day_start + day_len).checked_duration_since(Instant::now()) {
            std::thread::sleep(rest);
        }
        stop.store(true, Ordering::Relaxed);
        timers.join().expect("the timer loop")
    });
    let day_end_ms = day_start_ms + day_len.as_millis() as i64;
    let real = started.elapsed();

    // Everything is cut at the day's end: the timer loop finishes the cycle it is in.
    let log = read_log(&sandbox.root().join("standin.jsonl"), day_end_ms);
    let figures = measure(&log, day_end_ms);
    let history = read_history(&sandbox.root().join("state"), day_end_ms);
    let mut events = BTreeMap::new();
    let mut swaps = 0;
    let mut history_moves = 0;
    let mut done_ids = Vec::new();
    let mut failed = 0;
    for entry in &history {
        let event = entry["event"].as_str().unwrap_or("?").to_owned();
        match event.as_str() {
            "swap-done" | "move-done" => {
                if event == "swap-done" {
                    swaps += 1;
                }
                history_moves += entry["data"]["sessions"].as_array().map_or(0, Vec::len);
            }
            "task-done" => {
                let task = entry["task"].as_str().unwrap_or("");
                done_ids.push(task.rsplit(':').next().unwrap_or(task).to_owned());
            }
            "task-failed" => failed += 1,
            _ => {}
        }
        *events.entry(event).or_default() += 1;
    }
    let mut done_unanswered: Vec<String> =
        done_ids.iter().filter(|id| !figures.answered.contains(*id)).cloned().collect();
    done_unanswered.sort();
    let day = serde_json::json!({"start_ms": day_start_ms, "end_ms": day_end_ms, "done_unanswered": done_unanswered});
    fs::write(sandbox.root().join("day.json"), day.to_string()).unwrap();
    Day {
        policy: policy.to_owned(),
        tasks_arrived: stream.len(),
        done: done_ids.len(),
        failed,
        blocked_min: figures.blocked_ms as f64 / 1000.0 * SIM_MIN_PER_SEC,
        refusals: figures.refusals,
        moves: figures.moves,
        resent: figures.resent,
        swaps,
        history_moves,
        answered: figures.answered.len(),
        done_unanswered,
        events,
        timers,
        pool_start,
        real,
    }
}

/// One line of the stand-in's log.
struct LogLine {
    t: i64,
    event: String,
    home: String,
    session: Option<String>,
    conversation: String,
    resume: bool,
    mode: String,
    prompt: String,
}

fn read_log(path: &Path, until_ms: i64) -> Vec<LogLine> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<LogLine> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| LogLine {
            t: v["t"].as_i64().unwrap_or(0),
            event: v["event"].as_str().unwrap_or("").to_owned(),
            home: v["home"].as_str().unwrap_or("").to_owned(),
            session: v["session"].as_str().map(str::to_owned),
            conversation: v["conversation"].as_str().unwrap_or("").to_owned(),
            resume: v["resume"].as_bool().unwrap_or(false),
            mode: v["mode"].as_str().unwrap_or("").to_owned(),
            prompt: v["prompt"].as_str().unwrap_or("").to_owned(),
        })
        .filter(|l| l.t <= until_ms)
        .collect();
    lines.sort_by_key(|l| l.t);
    lines
}

struct Figures {
    blocked_ms: i64,
    refusals: usize,
    moves: usize,
    resent: usize,
    /// Tasks with an accepted turn: their own prompt, or a prompt without a task id (the
    /// swap's continue prompt) in the session that last had it.
    answered: HashSet<String>,
}

/// The task id a prompt names (`task t0042:`).
fn task_of(prompt: &str) -> Option<String> {
    let at = prompt.find("(task t")? + "(task ".len();
    Some(prompt[at..].chars().take_while(char::is_ascii_alphanumeric).collect())
}

/// Blocked time, moves and re-sent conversations from the stand-in's log (pure).
fn measure(log: &[LogLine], day_end_ms: i64) -> Figures {
    let mut blocked_since: HashMap<String, i64> = HashMap::new();
    let mut last_home_of_session: HashMap<String, String> = HashMap::new();
    let mut last_home_of_conversation: HashMap<String, String> = HashMap::new();
    let mut last_task_of_session: HashMap<String, String> = HashMap::new();
    let mut figures = Figures { blocked_ms: 0, refusals: 0, moves: 0, resent: 0, answered: HashSet::new() };
    for line in log {
        let Some(session) = line.session.clone().filter(|s| s.starts_with('w')) else { continue };
        match line.event.as_str() {
            "start" => {
                if last_home_of_session.get(&session).is_some_and(|h| *h != line.home) {
                    figures.moves += 1;
                }
                last_home_of_session.insert(session.clone(), line.home.clone());
                if line.resume && last_home_of_conversation.get(&line.conversation).is_some_and(|h| *h != line.home) {
                    figures.resent += 1;
                }
                last_home_of_conversation.insert(line.conversation.clone(), line.home.clone());
            }
            "turn" => {
                last_home_of_conversation.insert(line.conversation.clone(), line.home.clone());
                let task = task_of(&line.prompt);
                if let Some(task) = &task {
                    last_task_of_session.insert(session.clone(), task.clone());
                }
                if line.mode == "limit" {
                    figures.refusals += 1;
                    blocked_since.entry(session).or_insert(line.t);
                } else if line.mode == "normal" {
                    if let Some(since) = blocked_since.remove(&session) {
                        figures.blocked_ms += line.t - since;
                    }
                    if let Some(task) = task.or_else(|| last_task_of_session.get(&session).cloned()) {
                        figures.answered.insert(task);
                    }
                }
            }
            _ => {}
        }
    }
    figures.blocked_ms += blocked_since.values().map(|since| day_end_ms - since).sum::<i64>();
    figures
}

/// ccfail's history up to `until_ms`.
fn read_history(state: &Path, until_ms: i64) -> Vec<serde_json::Value> {
    let text = fs::read_to_string(state.join("history.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["at"]
                .as_str()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .is_some_and(|at| at.timestamp_millis() <= until_ms)
        })
        .collect()
}

fn main() {
    let args = args();
    let stream = tasks(args.seed, args.hours, args.every);
    println!(
        "simulated day: {} h ({:.0} s real per configuration), seed {}, {} tasks (one per ~{} sim min, 15-60 sim min of work each), \
         pool of {POOL}, budgets a/b/c {:?} turns per 5-hour window ({} s real)",
        args.hours,
        args.hours * HOUR,
        args.seed,
        stream.len(),
        args.every,
        args.budgets,
        5.0 * HOUR
    );
    let mut days = Vec::new();
    for policy in &args.policies {
        let day = run_day(policy, &args, &stream);
        println!(
            "{policy}: done in {:.0} s real (pool start {:.1} s, then the wait for a window boundary and the day)",
            day.real.as_secs_f64(),
            day.pool_start.as_secs_f64()
        );
        days.push(day);
    }
    println!();
    println!(
        "| configuration | tasks done | failed | session-min blocked | refused turns | moves | conversations re-sent | swaps | starts on another account |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for d in &days {
        println!(
            "| {} | {} / {} | {} | {:.0} | {} | {} | {} | {} | {} |",
            d.policy,
            d.done,
            d.tasks_arrived,
            d.failed,
            d.blocked_min,
            d.refusals,
            d.history_moves,
            d.resent,
            d.swaps,
            d.moves
        );
    }
    println!();
    for d in &days {
        println!("{}:", d.policy);
        println!(
            "  tasks with an accepted turn: {}; in done/ without one: {} {:?}",
            d.answered,
            d.done_unanswered.len(),
            d.done_unanswered
        );
        let events: Vec<String> = d.events.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  history events: {}", events.join(", "));
        for (name, s) in &d.timers {
            if s.runs == 0 {
                println!("  {name}");
                continue;
            }
            let codes: Vec<String> = s.codes.iter().map(|(c, n)| format!("exit {c}: {n}")).collect();
            println!(
                "  {name}: {} runs, mean {:.2} s, longest {:.1} s ({})",
                s.runs,
                if s.runs == 0 { 0.0 } else { s.busy.as_secs_f64() / f64::from(s.runs) },
                s.longest.as_secs_f64(),
                codes.join(", ")
            );
            for (code, err) in &s.first_errors {
                println!("    first exit {code}: {err}");
            }
        }
    }
}

/// The stand-in: `DAY_BENCH_CLAUDE`, else the newest one `cargo build [--release]
/// --examples` made.
fn standin() -> PathBuf {
    if let Some(path) = std::env::var_os("DAY_BENCH_CLAUDE") {
        return PathBuf::from(path);
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    ["release", "debug"]
        .iter()
        .map(|profile| target.join(profile).join("examples/claude"))
        .filter_map(|path| Some((fs::metadata(&path).ok()?.modified().ok()?, path)))
        .max()
        .map_or_else(|| panic!("the stand-in is not built: run `cargo build --examples` first"), |(_, path)| path)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
