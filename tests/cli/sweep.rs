//! The crash sweep, outside in: `ccfail` commands SIGKILLed at random moments and at the
//! aimed ones (between typing and Enter; after a saved claim, then a swap; Escape in the
//! middle of a turn), against a pool of stand-in clients on two accounts with swaps in
//! between. Afterwards every task file is counted, and every prompt each client
//! received (an extra project hook logs every UserPromptSubmit and Stop payload with its
//! pane, independently of ccfail's spool) is matched against the tasks:
//!
//! * **lost**: a task in `done/` whose own prompt no client received, or none of whose
//!   turns (its own, or a continuation in the same conversation after it) ended with a
//!   Stop;
//! * **twice**: a task whose own prompt ended normally (a Stop of that very prompt) in
//!   more than one turn, or a prompt that held two tasks;
//! * **corrupt**: `state.json` unreadable, or a task under no name or under two.
//!
//! The short run is part of `cargo test` (about 30 kills); the long run is
//! `scripts/crash-sweep.sh` (the ignored test with `CCFAIL_SWEEP_SEED`,
//! `CCFAIL_SWEEP_KILLS`, `CCFAIL_SWEEP_TASKS`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::queue::{add_task, census, setup};
use crate::support::TestEnv;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Default)]
struct Figures {
    seed: u64,
    kills: usize,
    random_kills: usize,
    aimed: BTreeMap<&'static str, usize>,
    swaps: usize,
    tasks: usize,
    done: usize,
    failed: usize,
    pending: usize,
    prompts: usize,
    lost: Vec<String>,
    twice: Vec<String>,
    corrupt: Vec<String>,
}

const PROJECT: &str = "p";
const COMMANDS: [&[&str]; 5] = [&["dispatch"], &["watch-once"], &["janitor"], &["quota-check"], &["status"]];

/// `CCFAIL_SWEEP_BIN` runs a copy of the binary (the long sweep, so a rebuild meanwhile
/// does not change it under the sweep); else the one cargo built.
fn spawn(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Child {
    let binary = std::env::var("CCFAIL_SWEEP_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ccfail").to_owned());
    let mut command = Command::new(binary);
    command.arg("--config").arg(env.config_file()).args(args);
    env.seal(&mut command);
    command.env("CCFAIL_NOW", "").envs(vars.iter().copied());
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command.spawn().expect("spawn ccfail")
}

fn run(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> i32 {
    let mut child = spawn(env, vars, args);
    child.wait().expect("wait ccfail").code().unwrap_or(-1)
}

/// Starts `args`, SIGKILLs it after `after` if it is still running. True if it was killed.
fn kill_after(env: &TestEnv, args: &[&str], after: Duration) -> bool {
    let mut child = spawn(env, &[], args);
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = child.try_wait().expect("try_wait").is_none() && child.kill().is_ok();
    let _ = child.wait();
    killed
}

/// Installs, beside ccfail's hooks, a project hook that logs every UserPromptSubmit and
/// Stop payload with its pane: what each session received, whatever ccfail does with
/// its own spool.
fn install_log_hook(env: &TestEnv) {
    let log = env.path("received.jsonl");
    let command = format!(
        "printf '{{\"pane\":\"%s\",\"payload\":%s}}\\n' \"$TMUX_PANE\" \"$(tr -d '\\n')\" >> {}",
        log.display()
    );
    let entry = serde_json::json!([{ "hooks": [{ "type": "command", "command": command, "timeout": 10 }] }]);
    let settings = serde_json::json!({ "hooks": { "UserPromptSubmit": entry, "Stop": entry } });
    fs::create_dir_all(env.path("work/.claude")).unwrap();
    fs::write(env.path("work/.claude/settings.json"), settings.to_string()).unwrap();
}

fn sweep(seed: u64, kill_target: usize, task_target: usize, limit: Duration) -> Figures {
    let env = crate::queue::queue_env();
    setup(&env, 2, 2, &[(PROJECT, 0)], "janitor:\n  orphan_after: 0s\n");
    let config = fs::read_to_string(env.config_file())
        .unwrap()
        .replace("  session_cooldown: 0s\n", "  session_cooldown: 0s\n  max_attempts: 50\n")
        .replace("submit_wait: 3s", "submit_wait: 2s")
        .replace("stop_wait: 5s", "stop_wait: 3s")
        .replace("[standin work=0.3]", "[standin work=0.6]")
        + "swap:\n  stop_timeout: 3s\n  start_timeout: 20s\n";
    env.write_config(&config);
    run(&env, &[], &["doctor", "--fix"]);
    assert_eq!(run(&env, &[], &["hooks", "install"]), 0);
    install_log_hook(&env);
    run(&env, &[], &["watch-once"]);

    let mut rng = Rng(seed.max(1));
    let mut figures = Figures { seed, ..Figures::default() };
    let mut next_task = 0;
    let mut on = "a";
    let started = Instant::now();
    let mut reported = 0;
    while figures.kills < kill_target && started.elapsed() < limit {
        if figures.kills >= reported + 50 {
            reported = figures.kills;
            eprintln!(
                "crash sweep seed {seed}: {} kills, {} swaps, {next_task} tasks after {:?}",
                figures.kills,
                figures.swaps,
                started.elapsed()
            );
        }
        // Keep a few tasks waiting, spread over the kills, until the target is reached.
        let pending = census(&env, &[PROJECT]).values().filter(|n| n[0].starts_with("inbox/")).count();
        let due = figures.kills * task_target / kill_target.max(1) + 4;
        if next_task < task_target && pending < 3 && next_task < due {
            for _ in 0..=rng.below(2) {
                next_task += 1;
                add_task(&env, PROJECT, &format!("t{next_task:04}.md"), "---\ntitle: sweep\n---\n");
            }
        }
        match rng.below(13) {
            0..=6 => {
                let args = COMMANDS[rng.below(COMMANDS.len() as u64) as usize];
                if kill_after(&env, args, Duration::from_millis(rng.below(1200))) {
                    figures.kills += 1;
                    figures.random_kills += 1;
                }
            }
            7 => {
                // Between typing and Enter.
                if run(&env, &[("CCFAIL_FAULT", "dispatch-after-type")], &["dispatch"]) == 99 {
                    figures.kills += 1;
                    *figures.aimed.entry("dispatch-after-type").or_default() += 1;
                }
            }
            8 => {
                // After a saved claim, then a swap.
                if run(&env, &[("CCFAIL_FAULT", "dispatch-after-save")], &["dispatch"]) == 99 {
                    figures.kills += 1;
                    *figures.aimed.entry("dispatch-after-save+swap").or_default() += 1;
                }
                on = if on == "a" { "b" } else { "a" };
                if run(&env, &[], &["swap", "--to", on]) == 0 {
                    figures.swaps += 1;
                }
            }
            9 => {
                // Escape in the middle of a turn.
                let tmux = env.tmux();
                let observation = tmux.observe().unwrap();
                for session in ["w1", "w2"] {
                    let Some(pane) = observation.session_pane(session) else { continue };
                    if tmux.capture_one(&pane.pane_id).unwrap_or_default().contains("esc to interrupt") {
                        tmux.send_keys(&pane.pane_id, &["Escape"]).unwrap();
                        *figures.aimed.entry("escape-mid-turn").or_default() += 1;
                        break;
                    }
                }
            }
            10 => {
                // A swap killed at a random moment.
                on = if on == "a" { "b" } else { "a" };
                if kill_after(&env, &["swap", "--to", on], Duration::from_millis(rng.below(4000))) {
                    figures.kills += 1;
                    *figures.aimed.entry("swap-killed").or_default() += 1;
                } else {
                    figures.swaps += 1;
                }
            }
            _ => {
                run(&env, &[], &["dispatch"]);
                std::thread::sleep(Duration::from_millis(300));
                run(&env, &[], &["watch-once"]);
            }
        }
    }
    figures.tasks = next_task;

    // Converge: the timers' work without kills, until every task is done or failed.
    let converge = Instant::now();
    loop {
        let names = census(&env, &[PROJECT]);
        let open = names.values().filter(|n| n[0].starts_with("inbox/")).count();
        if open == 0 && names.len() == next_task {
            break;
        }
        if converge.elapsed() > Duration::from_secs(180) {
            break;
        }
        run(&env, &[], &["janitor"]);
        run(&env, &[], &["dispatch"]);
        std::thread::sleep(Duration::from_millis(500));
        run(&env, &[], &["watch-once"]);
    }
    judge(&env, &mut figures);
    figures
}

fn judge(env: &TestEnv, figures: &mut Figures) {
    let ids: Vec<String> = (1..=figures.tasks).map(|n| format!("{PROJECT}:t{n:04}")).collect();
    let names = census(env, &[PROJECT]);
    for id in &ids {
        match names.get(id).map(Vec::as_slice) {
            Some([one]) if one.starts_with("done/") => figures.done += 1,
            Some([one]) if one.starts_with("failed/") => figures.failed += 1,
            Some([_]) => figures.pending += 1,
            Some(many) => figures.corrupt.push(format!("{id} under {many:?}")),
            None => figures.corrupt.push(format!("{id} under no name")),
        }
    }
    if names.len() != ids.len() {
        figures.corrupt.push(format!("{} task names for {} tasks", names.len(), ids.len()));
    }
    match fs::read_to_string(env.path("state/state.json")).map(|t| serde_json::from_str::<Value>(&t)) {
        Ok(Ok(_)) => {}
        other => figures.corrupt.push(format!("state.json: {other:?}")),
    }

    // What each session received: (pane, prompt id, session id, prompt) in order, and
    // the Stops by prompt id.
    let log = fs::read_to_string(env.path("received.jsonl")).unwrap_or_default();
    let mut prompts: Vec<(String, String, String, String)> = Vec::new();
    let mut stopped: BTreeSet<String> = BTreeSet::new();
    for line in log.lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            figures.corrupt.push(format!("hook log line: {line}"));
            continue;
        };
        let payload = &value["payload"];
        let text = |key: &str| payload[key].as_str().unwrap_or("").to_owned();
        match payload["hook_event_name"].as_str() {
            Some("UserPromptSubmit") => prompts.push((
                value["pane"].as_str().unwrap_or("").to_owned(),
                text("prompt_id"),
                text("session_id"),
                text("prompt"),
            )),
            Some("Stop") => {
                stopped.insert(text("prompt_id"));
            }
            _ => {}
        }
    }
    figures.prompts = prompts.len();
    for (_, _, _, prompt) in &prompts {
        let held = ids.iter().filter(|id| prompt.contains(&format!("{}.md.dispatched", &id[2..]))).count();
        if held > 1 {
            figures.twice.push(format!("one prompt held {held} tasks: {prompt}"));
        }
    }
    for id in &ids {
        let file = format!("{}.md.dispatched", &id[2..]);
        let own: Vec<usize> = (0..prompts.len()).filter(|&i| prompts[i].3.contains(&file)).collect();
        let ended_own = own.iter().filter(|&&i| stopped.contains(&prompts[i].1)).count();
        if ended_own > 1 {
            let turns: Vec<String> = own
                .iter()
                .map(|&i| {
                    format!("{} prompt {} conversation {}: {}", prompts[i].0, prompts[i].1, prompts[i].2, prompts[i].3)
                })
                .collect();
            figures.twice.push(format!("{id}: its own prompt ended normally {ended_own} times: {turns:#?}"));
        }
        if names.get(id).is_some_and(|n| n[0].starts_with("done/")) {
            if own.is_empty() {
                figures.lost.push(format!("{id}: done, its prompt never received"));
                continue;
            }
            // Its own turn, or a continuation in the same conversation after it, ended.
            let ended = own.iter().any(|&i| {
                stopped.contains(&prompts[i].1)
                    || prompts[i + 1..].iter().any(|(_, pid, sid, text)| {
                        *sid == prompts[i].2
                            && !text.contains(".md.dispatched")
                            && text.contains("[ccfail:")
                            && stopped.contains(pid)
                    })
            });
            if !ended {
                figures.lost.push(format!("{id}: done, but no turn of it ended with a Stop"));
            }
        }
    }
}

fn report(figures: &Figures) -> String {
    format!(
        "crash sweep seed {}: {} kills ({} random, aimed {:?}), {} swaps, {} tasks ({} done, {} failed, {} pending), \
         {} prompts received; lost {}, twice {}, corrupt {}\nlost: {:#?}\ntwice: {:#?}\ncorrupt: {:#?}",
        figures.seed,
        figures.kills,
        figures.random_kills,
        figures.aimed,
        figures.swaps,
        figures.tasks,
        figures.done,
        figures.failed,
        figures.pending,
        figures.prompts,
        figures.lost.len(),
        figures.twice.len(),
        figures.corrupt.len(),
        figures.lost,
        figures.twice,
        figures.corrupt
    )
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn check(figures: &Figures) {
    let text = report(figures);
    eprintln!("{text}");
    assert!(figures.lost.is_empty() && figures.twice.is_empty() && figures.corrupt.is_empty(), "{text}");
    assert_eq!(figures.pending, 0, "every task done or failed: {text}");
}

/// About 30 kills over about 20 tasks, bounded to well under two minutes of sweeping.
#[test]
fn crash_sweep_short() {
    let seed = env_number("CCFAIL_SWEEP_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    let figures = sweep(seed, 30, 20, Duration::from_secs(75));
    assert!(figures.kills >= 10, "{}", report(&figures));
    check(&figures);
}

/// `scripts/crash-sweep.sh`: `CCFAIL_SWEEP_KILLS` (default 500) kills over at least
/// `CCFAIL_SWEEP_TASKS` (default 100) tasks.
#[test]
#[ignore = "long: run by scripts/crash-sweep.sh"]
fn crash_sweep_long() {
    let seed = env_number("CCFAIL_SWEEP_SEED").unwrap_or(1);
    let kills = env_number("CCFAIL_SWEEP_KILLS").unwrap_or(500) as usize;
    let tasks = env_number("CCFAIL_SWEEP_TASKS").unwrap_or(100) as usize;
    let figures = sweep(seed, kills, tasks, Duration::from_secs(3 * 3600));
    check(&figures);
    assert!(figures.kills >= kills && figures.tasks >= tasks, "{}", report(&figures));
}
