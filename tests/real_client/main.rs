//! The real-client tier: ccfail's main job end to end with the published Claude Code client
//! (installed by `scripts/real-client/install.sh`) in tmux, against the repo's mock
//! Messages API (`examples/mock_api`) on loopback, two fake subscription accounts.
//!
//! Versions: `CCFAIL_REAL_CLIENT_VERSIONS` (comma-separated), else the supported list in
//! `tests/real_client/versions.txt`. A version whose binary is not in the cache
//! (`${CCFAIL_REAL_CLIENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ccfail/claude-code}/V/claude`)
//! is skipped with a note, unless `CCFAIL_REQUIRE_REAL_CLIENT=1` (CI), then the test fails.
//! Plans and permission modes of the main-job test: `CCFAIL_REAL_CLIENT_PLANS`
//! (`max20x,pro`; default `max20x`) and `CCFAIL_REAL_CLIENT_MODES` (`default,bypass`;
//! default `default`); `scripts/real-client/matrix.sh` runs every combination.
//!
//! Isolation: when root, the mock and the private tmux server run in a network namespace
//! with only loopback (`unshare -n`, `nsenter -n`), so the clients cannot reach anything
//! else; otherwise the clients' own variables (`ANTHROPIC_BASE_URL`, `DISABLE_TELEMETRY`,
//! `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC`) keep them on the mock. The clients get
//! their environment from the tmux server's (ccfail's start command carries only
//! `CLAUDE_CONFIG_DIR`).

mod sandbox;

use std::time::{Duration, Instant};

use sandbox::{Plan, Sandbox, Setup};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(90);

/// The versions this run must cover, with their binaries; `None` = skipped (printed).
fn installed_versions(test: &str) -> Vec<(String, std::path::PathBuf)> {
    let wanted: Vec<String> = match std::env::var("CCFAIL_REAL_CLIENT_VERSIONS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(|v| v.trim().to_owned()).collect(),
        _ => include_str!("versions.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
    };
    let require = std::env::var_os("CCFAIL_REQUIRE_REAL_CLIENT").is_some_and(|v| v == "1");
    let mut found = Vec::new();
    for version in wanted {
        let binary = sandbox::cache_dir().join(&version).join("claude");
        if binary.is_file() {
            found.push((version, binary));
        } else {
            assert!(
                !require,
                "{test}: Claude Code {version} is required (CCFAIL_REQUIRE_REAL_CLIENT=1) but {} is missing: \
                 run scripts/real-client/install.sh {version}",
                binary.display()
            );
            eprintln!(
                "{test}: skipped for Claude Code {version}: {} not installed (scripts/real-client/install.sh {version})",
                binary.display()
            );
        }
    }
    found
}

fn list_env(name: &str, default: &str) -> Vec<String> {
    std::env::var(name).unwrap_or_else(|_| default.to_owned()).split(',').map(|s| s.trim().to_owned()).collect()
}

/// Pool of 2 + one dedicated session on account a; 3 tasks dispatched and done (the last
/// one finishing on b); the 5-hour limit on a; one `quota-check` swaps to b; every
/// conversation resumed with the same id under b (the client's environ and the mock's log
/// say b), the model kept, pane ids kept.
#[test]
fn main_job_swaps_to_b_on_the_five_hour_limit() {
    for (version, binary) in installed_versions("main_job_swaps_to_b_on_the_five_hour_limit") {
        for plan in list_env("CCFAIL_REAL_CLIENT_PLANS", "max20x") {
            for mode in list_env("CCFAIL_REAL_CLIENT_MODES", "default") {
                let plan = Plan::parse(&plan);
                let bypass = mode == "bypass";
                let started = Instant::now();
                main_job(&version, &binary, plan, bypass);
                eprintln!(
                    "real client {version} {plan:?} {mode}: main job passed in {:.1}s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
}

fn main_job(version: &str, binary: &std::path::Path, plan: Plan, bypass: bool) {
    let label = format!("{version}/{plan:?}/{}", if bypass { "bypass" } else { "default" });
    let sb = Sandbox::new(&Setup { binary, plan, bypass, pool: 2, label: &label, extra: "" });
    sb.ccfail(&["doctor", "--fix"]);
    sb.ccfail(&["hooks", "install"]);
    sb.ccfail(&["watch-once"]);
    sb.ccfail(&["launch", "main", "--model", "sonnet"]);
    let sessions = ["w1", "w2", "main"];
    for s in sessions {
        sb.wait_idle(s, "a", TIMEOUT);
    }
    // The dedicated session holds a conversation of its own.
    sb.turn("main", "Review the API design", "a", TIMEOUT);

    // Three tasks: two go to the pool at once and are done on a.
    sb.task("t1", "high", "Write the schema");
    sb.task("t2", "default", "Build the API");
    sb.task("t3", "low", "Document it");
    sb.ccfail(&["dispatch"]);
    sb.wait_until("t1 and t2 done on a", TIMEOUT, || {
        sb.ccfail(&["watch-once"]);
        Ok(sb.done_tasks().len() >= 2)
    });
    assert_eq!(sb.done_tasks(), vec!["t1.md", "t2.md"], "{label}: the two best tasks are done first");

    // t3 goes to a pool session and works slowly on a (a long reply)...
    sb.set_mode("tok-a", json!({"mode": "normal", "delay_ms": 120_000}));
    let holder = sb.wait_until("a pool session to take t3 and work on it", TIMEOUT, || {
        // The timers' order: the recycled sessions come back, then dispatch hands t3 out.
        sb.ccfail(&["watch-once"]);
        sb.ccfail(&["dispatch"]);
        Ok(sessions[..2]
            .iter()
            .find(|s| sb.task_of(s).as_deref() == Some("app:t3") && sb.client(s).is_some_and(|c| c.status == "busy"))
            .map(std::string::ToString::to_string))
    });
    // ...when account a runs out: main's next turn hits the 5-hour limit.
    let reset = chrono::Utc::now().timestamp() + 3 * 3600;
    sb.set_mode("tok-a", json!({"mode": "limit_5h", "reset": reset}));
    sb.prompt("main", "Next step");
    sb.wait_until("main to hit the limit", TIMEOUT, || Ok(sb.limit_hit("main", "a")));

    // Before the swap: ids, panes, the model main runs with.
    let before: Vec<_> = sessions.iter().map(|s| (s, sb.client(s).expect("a client before the swap"))).collect();
    let panes: Vec<_> = sessions.iter().map(|s| sb.pane(s)).collect();
    let b_requests_before = sb.requests("tok-b").len();

    let swap_started_ms = sandbox::now_ms();
    let started = Instant::now();
    let run = sb.ccfail(&["quota-check", "--json"]);
    let swap_seconds = started.elapsed().as_secs_f64();
    let swapped_at_ms = sandbox::now_ms();
    assert_eq!(run.code(), 10, "{label}: quota-check confirms the limit and swaps\n{}", run.describe());
    let report = run.json();
    assert_eq!(report["swap"]["outcome"], "done", "{label}: {report:#}");
    eprintln!("real client {label}: quota-check with the swap of 3 sessions took {swap_seconds:.1}s");
    // What the stop step sent to the drained account while it stopped the clients (a
    // known problem: Escape puts an interrupted prompt back into the box, and `/exit` is
    // typed after it, so `<prompt>/exit` goes to a as a new turn).
    let during: Vec<_> = sb
        .requests("tok-a")
        .into_iter()
        .filter(|r| r["t_ms"].as_u64().is_some_and(|t| t >= swap_started_ms && t <= swapped_at_ms))
        .collect();
    eprintln!("real client {label}: requests to a during the swap: {}", during.len());

    let mut resumed = 0;
    for ((session, old), pane) in before.iter().zip(&panes) {
        let client = sb.wait_until(&format!("{session} to run a client on b"), TIMEOUT, || {
            Ok(sb.client(session).filter(|c| c.account == "b"))
        });
        // A session recycled after its task has a fresh client with no conversation yet:
        // only a conversation (a transcript) is resumed.
        if sb.has_conversation(&old.session_id) {
            assert_eq!(
                client.session_id,
                old.session_id,
                "{label}: {session} resumed the same conversation\n{}\n{}\nccfail state: {}",
                sb.conversations(),
                sb.context(),
                std::fs::read_to_string(sb.path("state/state.json")).unwrap_or_default()
            );
            resumed += 1;
        }
        assert_eq!(
            ccfail::process::env_var(client.pid, "CLAUDE_CONFIG_DIR").as_deref(),
            Some(sb.home("b").display().to_string().as_str()),
            "{label}: /proc/{}/environ of {session}'s client",
            client.pid
        );
        assert_eq!(&sb.pane(session), pane, "{label}: {session} keeps its pane");
        sb.wait_idle(session, "b", TIMEOUT);
    }
    assert!(resumed >= 2, "{label}: main and {holder} (t3) hold conversations and were resumed ({resumed})");
    // t3 goes on on b and is done there.
    sb.wait_until("t3 done on b", TIMEOUT, || {
        sb.ccfail(&["watch-once"]);
        Ok(sb.done_tasks().len() == 3)
    });
    let b_requests = sb.requests("tok-b");
    assert!(b_requests.len() > b_requests_before, "{label}: the mock saw b's token after the swap");
    // The model: main was launched with --model sonnet, and asks b for the same model.
    sb.turn("main", "And now?", "b", TIMEOUT);
    let last_main = sb.requests("tok-b").into_iter().rev().find(|r| r["max_tokens"].as_u64().unwrap_or(0) > 1000);
    let model_after = last_main.as_ref().and_then(|r| r["model"].as_str()).unwrap_or("").to_owned();
    assert!(
        model_after.contains("sonnet"),
        "{label}: main keeps --model sonnet after the swap (asked b for {model_after:?})"
    );
    let late: Vec<_> = sb.requests("tok-a").into_iter().filter(|r| r["t_ms"].as_u64() > Some(swapped_at_ms)).collect();
    assert!(late.is_empty(), "{label}: nothing asks a after the swap (t3 was on {holder}): {late:?}");
}

/// Placement `spread` on two accounts: watch-once starts w1 and w2 one on each account; a
/// task dispatched to the one on a meets a's 5-hour limit; one `quota-check` moves only
/// that session to b, where its conversation is resumed and its task finishes; the
/// session on b is not touched.
#[test]
fn spread_moves_only_the_session_on_the_account_that_hit_its_limit() {
    for (version, binary) in installed_versions("spread_moves_only_the_session_on_the_account_that_hit_its_limit") {
        let label = format!("{version}/spread");
        let extra = "placement:\n  policy: spread\n";
        let sb =
            Sandbox::new(&Setup { binary: &binary, plan: Plan::Max20x, bypass: false, pool: 2, label: &label, extra });
        sb.ccfail(&["doctor", "--fix"]);
        sb.ccfail(&["hooks", "install"]);
        sb.ccfail(&["watch-once"]);
        let accounts: Vec<String> = ["w1", "w2"]
            .iter()
            .map(|s| sb.wait_until(&format!("{s} to run a client"), TIMEOUT, || Ok(sb.client(s))).account)
            .collect();
        let (on_a, on_b) = match (accounts[0].as_str(), accounts[1].as_str()) {
            ("a", "b") => ("w1", "w2"),
            ("b", "a") => ("w2", "w1"),
            other => panic!("{label}: spread puts one session on each account, not {other:?}"),
        };
        sb.wait_idle(on_a, "a", TIMEOUT);
        sb.wait_idle(on_b, "b", TIMEOUT);
        sb.turn(on_b, "Build the API", "b", TIMEOUT);
        let untouched = sb.client(on_b).expect("a client on b");
        // b's session is busy with a slow turn, so the task goes to the one on a, which
        // meets a's limit at once.
        sb.set_mode("tok-b", json!({"mode": "normal", "delay_ms": 20_000}));
        sb.prompt(on_b, "Take your time");
        sb.wait_until(&format!("{on_b} busy"), TIMEOUT, || Ok(sb.client(on_b).filter(|c| c.status == "busy")));
        let reset = chrono::Utc::now().timestamp() + 3 * 3600;
        sb.set_mode("tok-a", json!({"mode": "limit_5h", "reset": reset}));
        sb.task("t1", "high", "Write the schema");
        sb.ccfail(&["dispatch"]);
        assert_eq!(sb.task_of(on_a).as_deref(), Some("app:t1"), "{label}: the task went to {on_a}");
        sb.wait_until(&format!("{on_a} to hit the limit"), TIMEOUT, || Ok(sb.limit_hit(on_a, "a")));
        let before = sb.client(on_a).expect("a client on a");
        sb.set_mode("tok-b", json!({"mode": "normal"}));

        let run = sb.ccfail(&["quota-check", "--json"]);
        assert_eq!(run.code(), 10, "{label}: quota-check confirms a's limit\n{}", run.describe());
        let report = run.json();
        assert!(report["swap"].is_null(), "{label}: no swap of the pool: {report:#}");
        let moves = report["placement"]["moves"].as_array().cloned().unwrap_or_default();
        assert_eq!(moves.len(), 1, "{label}: one move: {report:#}");
        assert_eq!((moves[0]["from"].as_str(), moves[0]["to"].as_str()), (Some("a"), Some("b")));
        assert_eq!(moves[0]["sessions"], json!([on_a]), "{label}: only the session on a moves");
        assert_eq!(moves[0]["outcome"]["outcome"], "done", "{label}: {report:#}");

        let moved =
            sb.wait_until(&format!("{on_a} on b"), TIMEOUT, || Ok(sb.client(on_a).filter(|c| c.account == "b")));
        assert_eq!(moved.session_id, before.session_id, "{label}: {on_a} resumed its conversation\n{}", sb.context());
        assert_eq!(
            ccfail::process::env_var(moved.pid, "CLAUDE_CONFIG_DIR").as_deref(),
            Some(sb.home("b").display().to_string().as_str()),
            "{label}: /proc/{}/environ of {on_a}'s client",
            moved.pid
        );
        assert_eq!(sb.client(on_b).map(|c| c.pid), Some(untouched.pid), "{label}: {on_b} was not touched");
        sb.wait_until("t1 done on b", TIMEOUT, || {
            sb.ccfail(&["watch-once"]);
            Ok(sb.done_tasks() == ["t1.md"])
        });
    }
}

/// No swap on a 500, a 529, a plain 429, a 429 whose message reads like the limit, or the
/// legacy `Claude AI usage limit reached|<epoch>` text: each turn fails on screen, and
/// quota-check leaves the pool on a.
#[test]
fn no_swap_on_errors_that_are_not_the_usage_limit() {
    for (version, binary) in installed_versions("no_swap_on_errors_that_are_not_the_usage_limit") {
        let label = format!("{version}/errors");
        let sb = Sandbox::new(&Setup {
            binary: &binary,
            plan: Plan::Max20x,
            bypass: false,
            pool: 0,
            label: &label,
            extra: "",
        });
        sb.ccfail(&["doctor", "--fix"]);
        sb.ccfail(&["hooks", "install"]);
        sb.ccfail(&["launch", "main"]);
        sb.wait_idle("main", "a", TIMEOUT);
        for (mode, needle) in [
            ("error_500", "500"),
            ("error_529", "529"),
            ("plain_429", "not your usage limit"),
            ("mimic_429", "not your usage limit"),
            ("legacy_429", "not your usage limit"),
        ] {
            sb.set_mode("tok-a", json!({"mode": mode}));
            sb.prompt("main", &format!("try {mode}"));
            sb.wait_until(&format!("{mode}: the error on screen"), TIMEOUT, || {
                let idle = sb.client("main").is_some_and(|c| c.status == "idle");
                Ok((idle && sb.screen("main").contains(needle)).then_some(()))
            });
            let run = sb.ccfail(&["quota-check", "--json"]);
            assert_ne!(run.code(), 10, "{label}: {mode} is not the usage limit\n{}", run.describe());
            let report = run.json();
            assert!(report["swap"].is_null(), "{label}: {mode} started a swap: {report:#}");
            assert_eq!(sb.client("main").map(|c| c.account).as_deref(), Some("a"), "{label}: {mode}: still on a");
            // Leave the error behind: a normal turn before the next case.
            sb.set_mode("tok-a", json!({"mode": "normal"}));
            sb.turn("main", "ok", "a", TIMEOUT);
        }
    }
}

/// The wall time of a swap of N sessions (`CCFAIL_REAL_CLIENT_SWAP_SIZES`, default 3,10)
/// on the real client: `ccfail swap --to b` with every session idle in a conversation.
/// Ignored by default (it starts up to 11 clients); `cargo test --test real_client --
/// --ignored swap_wall_time --nocapture`.
#[test]
#[ignore = "a measurement, not a check: starts up to 11 clients"]
fn swap_wall_time() {
    for (version, binary) in installed_versions("swap_wall_time") {
        for n in list_env("CCFAIL_REAL_CLIENT_SWAP_SIZES", "3,10") {
            let n: usize = n.parse().expect("a number of sessions");
            let label = format!("{version}/swap{n}");
            let sb = Sandbox::new(&Setup {
                binary: &binary,
                plan: Plan::Max20x,
                bypass: false,
                pool: n - 1,
                label: &label,
                extra: "",
            });
            sb.ccfail(&["doctor", "--fix"]);
            sb.ccfail(&["hooks", "install"]);
            sb.ccfail(&["watch-once"]);
            sb.ccfail(&["launch", "main"]);
            let names: Vec<String> = (1..n).map(|i| format!("w{i}")).chain(["main".to_owned()]).collect();
            for s in &names {
                sb.wait_idle(s, "a", TIMEOUT * 2);
                sb.turn(s, "hello", "a", TIMEOUT * 2);
            }
            let started = Instant::now();
            let run = sb.ccfail(&["swap", "--to", "b", "--json"]);
            let swap = started.elapsed().as_secs_f64();
            assert_eq!(run.code(), 0, "{label}\n{}", run.describe());
            for s in &names {
                sb.wait_until(&format!("{s} on b"), TIMEOUT * 2, || Ok(sb.client(s).filter(|c| c.account == "b")));
            }
            let settled = started.elapsed().as_secs_f64();
            let at_dialog = names.iter().filter(|s| sb.screen(s).contains("Yes, I trust")).count();
            eprintln!(
                "real client {label}: `ccfail swap` of {n} sessions returned in {swap:.1}s, every client on b after {settled:.1}s, {at_dialog} left at a dialog"
            );
            assert_eq!(at_dialog, 0, "{label}: sessions left at the trust dialog");
        }
    }
}
